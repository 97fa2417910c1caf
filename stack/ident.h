/*
 * Small facts about callers and the system that the rules need (acting
 * as a caller is actor.h's, and paths in the caller's world callerfs.h's).
 */
#ifndef SOCKFS_IDENT_H
#define SOCKFS_IDENT_H

#include <stdbool.h>
#include <sys/types.h>

#include "caller.h"

/* net.ipv4.ip_unprivileged_port_start (1024 when it cannot be read). */
unsigned unprivileged_port_start(void);

/* True when pids A and B are one process or parent and child or siblings
 * (AP and BP their parents, 0 when unknown). */
bool pids_related(pid_t a, pid_t ap, pid_t b, pid_t bp);

/* Whether WHO may claim PID in SCM_CREDENTIALS: its own, as the kernel
 * allows, or an ancestor's that is WHO's user's too (the shell that ran
 * an external echo: `$$`).  Never another user's process. */
bool pid_is_callers(const struct caller *who, pid_t pid);

/* The person UID (acting from process PID) counts as: the owner of the
 * user namespace, just below the daemon's, that PID lives in (so every
 * subordinate uid of a user is that user), or UID itself. */
uid_t person_of(uid_t uid, pid_t pid);

#endif
