/*
 * nullfs: the cheapest FUSE file system libfuse 3 makes, for the bench's
 * floor.  One file, "f", direct_io like sockfs's data: a read answers 0
 * at once, a write takes everything and sends nothing.  And "uPORT" for
 * any port: each write to it is sent at once as one UDP datagram to
 * 127.0.0.1:PORT, the least a FUSE file system that sends can do.
 * "tPORT" is TCP: each open connects to 127.0.0.1:PORT, a write is sent
 * whole (blocking), a read is one recv(2) of the size asked, and release
 * closes; the least a FUSE file system that streams can do.  Files report
 * st_blksize 1 MiB, as sockfs's do, so cat asks in requests of the same
 * size.  Entries and attributes are cached for a day.  Whatever a loop costs
 * against it is what FUSE itself costs on this machine; sockfs cannot be
 * cheaper.
 *
 *   nullfs MOUNTPOINT        (single-threaded, in the foreground)
 */
#define FUSE_USE_VERSION 35
#include <arpa/inet.h>
#include <errno.h>
#include <fuse_lowlevel.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_INO 2
#define PORT_INO 100000		/* + the port: "uPORT" */
#define TCP_INO 200000		/* + the port: "tPORT" */
#define IO_MAX (1 << 20)
#define DAY 86400.0

static int udp_fd = -1;

static void fill(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = ino == FUSE_ROOT_ID ? S_IFDIR | 0755 : S_IFREG | 0666;
	st->st_nlink = ino == FUSE_ROOT_ID ? 2 : 1;
	st->st_size = 4096;
	st->st_blksize = IO_MAX;
}

static void null_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e = { .ino = FILE_INO, .attr_timeout = DAY, .entry_timeout = DAY };
	char *end = NULL;
	long port = name[0] == 'u' || name[0] == 't' ? strtol(name + 1, &end, 10) : 0;

	if (parent == FUSE_ROOT_ID && end && *end == '\0' && port > 0 && port < 65536)
		e.ino = (name[0] == 'u' ? PORT_INO : TCP_INO) + (fuse_ino_t)port;
	else if (parent != FUSE_ROOT_ID || strcmp(name, "f") != 0) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill(e.ino, &e.attr);
	fuse_reply_entry(req, &e);
}

static void null_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	fill(ino, &st);
	fuse_reply_attr(req, &st, DAY);
}

static void null_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
			 struct fuse_file_info *fi)
{
	null_getattr(req, ino, fi);
}

static struct sockaddr_in loopback(fuse_ino_t port)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	to.sin_port = htons((uint16_t)port);
	return to;
}

static void null_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fi->direct_io = 1;
	fi->nonseekable = 1;
	fi->fh = (uint64_t)-1;
	if (ino > TCP_INO) {
		struct sockaddr_in to = loopback(ino - TCP_INO);
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
			fuse_reply_err(req, errno);
			if (fd >= 0)
				close(fd);
			return;
		}
		fi->fh = (uint64_t)fd;
	}
	fuse_reply_open(req, fi);
}

static void null_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (fi->fh != (uint64_t)-1)
		close((int)fi->fh);
	fuse_reply_err(req, 0);
}

static void null_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	static char buf[IO_MAX];
	ssize_t n = 0;

	if (fi->fh != (uint64_t)-1 && (n = recv((int)fi->fh, buf, size, 0)) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	fuse_reply_buf(req, buf, (size_t)n);
}

/* A TCP write is sent whole before it is answered, as sockfs answers. */
static int send_all(int fd, const char *buf, size_t size)
{
	while (size > 0) {
		ssize_t n = send(fd, buf, size, MSG_NOSIGNAL);

		if (n < 0)
			return errno;
		buf += n;
		size -= (size_t)n;
	}
	return 0;
}

static void null_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
		       off_t off, struct fuse_file_info *fi)
{
	int err = 0;

	if (ino > TCP_INO)
		err = send_all((int)fi->fh, buf, size);
	else if (ino > PORT_INO) {
		struct sockaddr_in to = loopback(ino - PORT_INO);

		if (sendto(udp_fd, buf, size, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			err = errno;
	}
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_write(req, size);
}

static void null_init(void *userdata, struct fuse_conn_info *conn)
{
	conn->max_write = IO_MAX;	/* as sockfs's: 1 MiB writes */
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
}

static const struct fuse_lowlevel_ops null_ops = {
	.init = null_init,
	.lookup = null_lookup,
	.getattr = null_getattr,
	.setattr = null_setattr,
	.open = null_open,
	.release = null_release,
	.read = null_read,
	.write = null_write,
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_session *se;
	int ret = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: nullfs MOUNTPOINT\n");
		return 2;
	}
	args.argc = 1;
	if ((udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return 1;
	se = fuse_session_new(&args, &null_ops, sizeof(null_ops), NULL);
	if (se == NULL)
		return 1;
	/* SIGTERM ends the loop, so the mount goes with the process. */
	if (fuse_set_signal_handlers(se) == 0 && fuse_session_mount(se, argv[1]) == 0) {
		ret = fuse_session_loop(se) != 0;
		fuse_session_unmount(se);
	}
	fuse_remove_signal_handlers(se);
	fuse_session_destroy(se);
	close(udp_fd);
	return ret;
}
