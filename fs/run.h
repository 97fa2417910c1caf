/* `sockfs run`: a command in a private network with its own sockfs. */
#ifndef SOCKFS_RUN_H
#define SOCKFS_RUN_H

/* The daemon's entry point: run calls it in a child with
 * { "sockfs", "-f", MOUNTPOINT } to serve the private mount. */
typedef int (*sockfs_main_fn)(int argc, char *argv[]);

/* argv[0] is "run".  Returns the command's exit status (128 + signal when
 * a signal killed it), 125 when run itself failed. */
int sockfs_run(int argc, char *argv[], sockfs_main_fn daemon_main);

#endif
