/* Closing a socket's descriptor without ever waiting on the loop. */
#ifndef SOCKFS_CLOSER_H
#define SOCKFS_CLOSER_H

/* Closes FD now, or on a thread when SO_LINGER would make close(2) wait. */
void closer_close(int fd);

#endif
