/* Readiness for a service manager (systemd's Type=notify). */
#ifndef SOCKFS_NOTIFY_H
#define SOCKFS_NOTIFY_H

/* Sends "READY=1" with a STATUS line naming MOUNTPOINT to the socket that
 * $NOTIFY_SOCKET names, once, and unsets the variable; does nothing when it
 * is not set.  Returns 0, or a negative errno when the send failed. */
int notify_ready(const char *mountpoint);

#endif
