#include "config.h"

#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/uio.h>
#include <unistd.h>

/* The kernel's wire structures (include/uapi/linux/fuse.h), which libfuse
 * does not install. */
struct wire_in_header {
	uint32_t len;
	uint32_t opcode;
	uint64_t unique;
	uint64_t nodeid;
	uint32_t uid, gid, pid;
	uint16_t total_extlen;
	uint16_t padding;
};

struct wire_out_header {
	uint32_t len;
	int32_t error;
	uint64_t unique;
};

struct wire_open_out {
	uint64_t fh;
	uint32_t open_flags;
	uint32_t padding;
};

#define WIRE_FUSE_OPEN 14
#define WIRE_FOPEN_NONSEEKABLE (1u << 2)
#define WIRE_FOPEN_STREAM (1u << 4)

/* Requests are answered one at a time on one thread, and an open is always
 * answered at once, so one pending open is all there can be.  Atomic: the
 * thread that drops names (inval.c) writes too, though never an open. */
static _Atomic uint64_t pending_open;

static ssize_t stream_read(int fd, void *buf, size_t len, void *userdata)
{
	ssize_t n = read(fd, buf, len);
	const struct wire_in_header *in = buf;

	if (n >= (ssize_t)sizeof(*in) && in->opcode == WIRE_FUSE_OPEN)
		pending_open = in->unique;
	return n;
}

static ssize_t stream_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	struct wire_out_header *out = iov[0].iov_base;

	if (pending_open != 0 && count >= 2 && iov[0].iov_len == sizeof(*out) &&
	    out->unique == pending_open) {
		pending_open = 0;
		if (out->error == 0 && iov[1].iov_len == sizeof(struct wire_open_out)) {
			struct wire_open_out *arg = iov[1].iov_base;
			/* Pipe-like files only: received files keep offsets. */
			if (arg->open_flags & WIRE_FOPEN_NONSEEKABLE)
				arg->open_flags |= WIRE_FOPEN_STREAM;
		}
	}
	return writev(fd, iov, count);
}

int stream_io_install(struct fuse_session *se)
{
	static const struct fuse_custom_io io = {
		.read = stream_read,
		.writev = stream_writev,
	};
	int fd = fuse_session_fd(se);
	int flags = fcntl(fd, F_GETFL);

	/* The loop reads until EAGAIN, so the device must not block. */
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	return fuse_session_custom_io(se, &io, fd);
}
