/* The unit tests' fixture: a stack driven by hand (see fixture.c). */
#ifndef SOCKFS_FIXTURE_H
#define SOCKFS_FIXTURE_H

#include <check.h>
#include <stdbool.h>
#include <sys/types.h>

#include "accept.h"
#include "cmsgwrite.h"
#include "ctlexec.h"
#include "data.h"
#include "sock.h"
#include "stack.h"
#include "wait.h"

extern struct stack st;
extern struct caller root;

/* What an operation ended with. */
struct result {
	bool done;
	ssize_t res;
	char data[70000];
};

void setup(void);
void teardown(void);

/* The waiter callback the helpers use (a reply's bytes go to R's data);
 * wait_for runs the loop until R is done. */
void on_done(struct waiter *w, ssize_t res);
/* A request as the fs layer would make: by uid 0 without a pid, LEN bytes
 * of room, reporting to R (which it clears) through on_done. */
struct wait_req request(struct result *r, size_t len, bool nonblock);
ssize_t wait_for(struct result *r);

/* One ctl write, data write or read, run to its end. */
ssize_t ctl(struct handle *h, const char *text);
ssize_t put(struct handle *h, const char *data);
/* A write of LEN bytes of TEXT to cmsg by WHO, run to its end. */
ssize_t cmsg_put(struct handle *h, const char *text, size_t len, const struct caller *who);
ssize_t get(struct handle *h, size_t len, struct result *r);
/* Starts a read of up to LEN bytes; returns true when it had to wait. */
bool start_read(struct handle *h, size_t len, bool nonblock, struct result *r);

/* Handles the fixture closes at teardown (drop closes one early). */
struct handle *open_on(struct sock *s);
struct handle *new_sock(enum kind k, const char *name);
void drop(struct handle *h);
/* A sockfs UDP socket bound to a free loopback port. */
struct handle *bound_udp(void);

/* A self-signed certificate for unit.test, its own CA, and its key. */
extern const char unit_cert_pem[], unit_key_pem[];

/* The test's own kernel sockets on 127.0.0.1. */
int peer_socket(int type, unsigned *port);
unsigned closed_port(int type);
void send_to_port(int fd, unsigned port, const char *msg);
unsigned local_port(struct sock *s);

#endif
