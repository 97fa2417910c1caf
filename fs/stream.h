/*
 * Makes every pipe-like (nonseekable) file sockfs opens a stream file (FOPEN_STREAM).
 *
 * Why: the kernel serialises read(2) and write(2) on one open file
 * description shared by several processes with its file-position lock, unless
 * the file was opened as a stream.  Without it, `exec 3<>data` with a reader
 * in the background makes every write through fd 3 wait until that read
 * returns.  libfuse 3.14 has no field for FOPEN_STREAM, so the flag is set on
 * the way out: a custom read hook notes the unique id of each FUSE_OPEN
 * request and a custom writev hook adds the flag to the successful reply to
 * it.  With a libfuse that can say it itself this file can go.
 */
#ifndef SOCKFS_STREAM_H
#define SOCKFS_STREAM_H

#include <fuse_lowlevel.h>

/* Call after fuse_session_mount(); also makes the device non-blocking. */
int stream_io_install(struct fuse_session *se);

#endif
