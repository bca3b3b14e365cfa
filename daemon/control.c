/* SPDX-License-Identifier: MIT */
/*
 * control.c - the daemon's control socket (docs/daemon.md "Control socket"): a Unix stream
 * socket, mode 0600, peers checked with SO_PEERCRED (root or the daemon's uid). One request
 * per connection, one JSON line of at most 64 KiB, complete within the client timeout
 * (apsimd --client-timeout, 30 s by default) of the connection. At most MAX_CLIENTS
 * connections wait for or run a request, and MAX_FOLLOWERS more follow events:
 *
 *   {"argv": ["machine", "show"], "json": false}   a command, as apsim_sim_exec_argv() runs it
 *   {"argv": ["events", "--follow"]}               uevents as they happen, until disconnect
 *   {"argv": ["events", "--follow"], "json": true, "sync": true}
 *                                                  the same, first {"seqnum": N} (the last
 *                                                  event before), then the client answers
 *                                                  {"ack": SEQNUM} lines and writes wait
 *                                                  for them (acks.c; apsim exec's /dev)
 *   {"op": "info"}                                 where the tree is mounted, pid, state dir
 *   {"op": "guest-mount", "guest": "NAME"}         mount NAME's tree (once), reply its path
 *
 * Replies are JSON lines: {"out": "..."} (stdout text), {"err": "..."} (stderr text),
 * {"info": {...}}, {"path": "..."}, and a last {"rc": N} with 0 or the command's -errno.
 * A malformed, oversized, late or refused request gets {"err"} and {"rc"} and nothing else
 * happens: the daemon never trusts the bytes it reads. Before it closes such a connection it
 * reads what the client still sends of its line (bounded), so that the client can finish
 * sending and read the answer instead of seeing EPIPE or ECONNRESET.
 *
 * Owns struct apsimd_control and its connections. Calls wire.c (reply lines, the check of a
 * request's bytes), follow.c (events --follow connections), mount.c (guest mounts),
 * netlink.c (the namespace's path), acks.c (a command waits for the synchronous followers)
 * and the library; only main.c calls it.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "apsim/apsim.h"
#include "apsimd.h"
#include "script/script-internal.h"

#ifndef APSIMD_VERSION
#define APSIMD_VERSION "unknown"
#endif

#define MAX_REQUEST	   (64u * 1024) /* bytes of a request line, its newline not counted */
#define MAX_DISCARD	   (16u << 20)	/* of an overlong line: read and dropped, then close */
#define MAX_ARGS	   1024
#define MAX_CLIENTS	   64 /* connections served at once, event followers not included */
#define MAX_FOLLOWERS	   64 /* events --follow connections at once, a budget of their own */
#define MAX_REJECTS	   64 /* connections refused, reading their request before the close */
#define REJECT_LINGER_MS   1000

struct client {
	struct apsimd_control *c;
	int fd;
	bool follower; /* moved from n_clients to n_followers */
	uint64_t deadline; /* CLOCK_MONOTONIC ms: the request line must be complete by then */
	struct client *next;
};

/* A refused connection: answered at once, then its request is read until this deadline. */
struct reject {
	int fd;
	uint64_t deadline; /* CLOCK_MONOTONIC ms */
	size_t discarded;  /* bytes read and dropped so far */
};

struct apsimd_control {
	struct apsimd *d;
	int listen_fd;
	int stop_fd; /* eventfd: wakes the accept loop and the followers */
	pthread_t accept_thread;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a client ended */
	struct client *clients;
	unsigned n_clients;   /* connections that are not following events */
	unsigned n_followers; /* connections following events */
	bool stopping;
	struct reject rejects[MAX_REJECTS]; /* the accept thread's own */
	unsigned n_rejects;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* --- requests --------------------------------------------------------------------------- */

/*
 * Waits until fd has bytes (or EOF) to read: 0, -ETIMEDOUT once deadline (CLOCK_MONOTONIC
 * ms) has passed, -ESHUTDOWN when the daemon stops.
 */
static int wait_readable(struct apsimd_control *c, int fd, uint64_t deadline)
{
	for (;;) {
		struct pollfd p[2] = {
		    {.fd = fd, .events = POLLIN},
		    {.fd = c->stop_fd, .events = POLLIN},
		};
		uint64_t now = now_ms();
		int r;

		if (now >= deadline)
			return -ETIMEDOUT;
		r = poll(p, 2, deadline - now > INT_MAX ? INT_MAX : (int) (deadline - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (p[1].revents)
			return -ESHUTDOWN;
		if (p[0].revents)
			return 0;
	}
}

/*
 * Reads one line, complete by deadline: -E2BIG past MAX_REQUEST bytes (the rest of the line
 * is still unread), -ETIMEDOUT, -ECONNRESET on EOF before any byte. Bytes after the newline
 * are dropped: one request per connection.
 */
static int read_request(struct apsimd_control *c, int fd, uint64_t deadline, char **ret,
			size_t *ret_len)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1), *n;
	int r;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t got;
		char *nl;

		if (len == cap) {
			if (cap >= MAX_REQUEST + 1) {
				r = -E2BIG;
				goto out_free;
			}
			cap = cap * 2 > MAX_REQUEST + 1 ? MAX_REQUEST + 1 : cap * 2;
			n = realloc(buf, cap + 1);
			if (!n) {
				r = -ENOMEM;
				goto out_free;
			}
			buf = n;
		}
		r = wait_readable(c, fd, deadline);
		if (r < 0)
			goto out_free;
		got = recv(fd, buf + len, cap - len, MSG_DONTWAIT);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got < 0) {
			r = -errno;
			goto out_free;
		}
		if (got == 0) {
			if (len == 0) {
				r = -ECONNRESET;
				goto out_free;
			}
			break; /* a request without its newline at EOF */
		}
		nl = memchr(buf + len, '\n', (size_t) got);
		len += (size_t) got;
		if (nl) {
			len = (size_t) (nl - buf);
			break;
		}
	}
	if (len > MAX_REQUEST) {
		r = -E2BIG;
		goto out_free;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;

out_free:
	free(buf);
	return r;
}

/*
 * The rest of an overlong line: read and dropped until its newline, EOF, MAX_DISCARD bytes or
 * the deadline, so that a client writing its whole request before it reads gets to the
 * answer instead of EPIPE.
 */
static void discard_line(struct apsimd_control *c, int fd, uint64_t deadline)
{
	char buf[16384];
	size_t total = 0;

	while (total < MAX_DISCARD && wait_readable(c, fd, deadline) == 0) {
		ssize_t got = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0 || memchr(buf, '\n', (size_t) got))
			return;
		total += (size_t) got;
	}
}

/* A JSON string that holds no NUL (jansson's JSON_ALLOW_NUL lets "\u0000" through). */
static bool is_c_string(json_t *v)
{
	return json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v);
}

static bool has_mdevctl_dir(struct apsimd *d, char *buf, size_t len)
{
	if (!d->state_dir)
		return false;
	return (size_t) snprintf(buf, len, "%s/mdevctl.d", d->state_dir) < len;
}

static int do_info(struct apsimd_control *c, int fd)
{
	struct apsimd *d = c->d;
	char mdevctl[PATH_MAX];
	json_t *info;

	info = json_pack("{s:s, s:i, s:s, s:s, s:s?, s:s}", "mount", d->mountpoint, "pid",
			 (int) getpid(), "socket", d->socket_path, "guest_dir", d->guest_dir,
			 "state_dir", d->state_dir, "version", APSIMD_VERSION);
	if (info && has_mdevctl_dir(d, mdevctl, sizeof(mdevctl)))
		json_object_set_new(info, "mdevctl_dir", json_string(mdevctl));
	if (info && d->netlink &&
	    apsimd_netlink_netns_path(d->netlink, mdevctl, sizeof(mdevctl)) == 0)
		json_object_set_new(info, "netns", json_string(mdevctl));
	if (apsimd_send_json(fd, json_pack("{s:o}", "info", info)) < 0)
		return -EPIPE;
	return apsimd_send_rc(fd, 0);
}

static int do_guest_mount(struct apsimd_control *c, int fd, json_t *req)
{
	json_t *g = json_object_get(req, "guest");
	char *path = NULL;
	int r;

	if (!json_is_string(g))
		return apsimd_send_error(fd, -EINVAL, "apsimd: guest-mount needs a \"guest\" name");
	if (!is_c_string(g))
		return apsimd_send_error(fd, -EINVAL,
				  "apsimd: malformed request: \"guest\" holds a NUL character");
	r = apsimd_guest_mount(c->d, json_string_value(g), &path);
	if (r == -ENOENT)
		return apsimd_send_error(fd, r, "apsimd: no guest '%s'", json_string_value(g));
	if (r == -EINVAL)
		return apsimd_send_error(fd, r, "apsimd: bad guest name '%s'", json_string_value(g));
	if (r < 0)
		return apsimd_send_error(fd, r, "apsimd: cannot mount the tree of guest '%s': %s",
				  json_string_value(g), strerror(-r));
	r = apsimd_send_json(fd, json_pack("{s:s}", "path", path));
	free(path);
	if (r < 0)
		return r;
	return apsimd_send_rc(fd, 0);
}

static int do_command(struct apsimd_control *c, int fd, int argc, char **argv, bool json)
{
	char *out = NULL, *err = NULL;
	size_t out_len = 0, err_len = 0;
	uint64_t before, after;
	FILE *fo, *fe;
	int rc, r;

	fo = open_memstream(&out, &out_len);
	fe = open_memstream(&err, &err_len);
	if (!fo || !fe) {
		if (fo)
			fclose(fo);
		if (fe)
			fclose(fe);
		free(out);
		free(err);
		return apsimd_send_error(fd, -ENOMEM, "apsimd: out of memory");
	}
	/* as the local CLI runs it, so that messages read the same ("apsim: ...") */
	apsim_sim_lock(c->d->sim);
	before = apsimd_last_seqnum(c->d->sim);
	rc = apsim__command_run_at(c->d->sim, argc, argv, json, fo, fe, "apsim");
	after = apsimd_last_seqnum(c->d->sim);
	apsim_sim_unlock(c->d->sim);
	fclose(fo);
	fclose(fe);
	/* as for a FUSE write: apsim exec's /dev has the nodes before the command returns */
	if (after > before)
		apsimd_acks_wait(c->d->acks, after);
	r = apsimd_send_text(fd, "out", out, out_len);
	if (r == 0)
		r = apsimd_send_text(fd, "err", err, err_len);
	if (r == 0)
		r = apsimd_send_rc(fd, rc);
	free(out);
	free(err);
	return r;
}

/* --- events --follow (follow.c) ---------------------------------------------------------- */

/*
 * A follower waits for events by design, for as long as it likes: it leaves the budget of
 * the request-answer connections for one of its own, so that followers cannot lock the
 * commands out (nor commands the followers). False when MAX_FOLLOWERS follow already.
 */
static bool become_follower(struct client *cl)
{
	struct apsimd_control *c = cl->c;
	bool ok;

	pthread_mutex_lock(&c->lock);
	ok = c->n_followers < MAX_FOLLOWERS;
	if (ok) {
		c->n_clients--;
		c->n_followers++;
		cl->follower = true;
	}
	pthread_mutex_unlock(&c->lock);
	return ok;
}

static int do_follow(struct client *cl, bool json, bool sync)
{
	if (!become_follower(cl))
		return apsimd_send_error(cl->fd, -EBUSY,
					 "apsimd: busy: %u event followers are served already (the "
					 "limit); try again later",
					 MAX_FOLLOWERS);
	return apsimd_follow(cl->c->d, cl->fd, cl->c->stop_fd, json, sync);
}

static bool is_follow(int argc, char **argv)
{
	if (argc < 1 || strcmp(argv[0], "events") != 0)
		return false;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--follow") == 0 || strcmp(argv[i], "-f") == 0)
			return true;
	return false;
}

static void handle(struct client *cl)
{
	struct apsimd_control *c = cl->c;
	int fd = cl->fd;
	uint64_t deadline = cl->deadline;
	json_error_t jerr;
	json_t *req = NULL, *args, *op, *js;
	char **argv = NULL;
	char *line = NULL;
	size_t len = 0, argc;
	bool json = false, sync = false;
	int r;

	r = read_request(c, fd, deadline, &line, &len);
	if (r == -E2BIG) {
		apsimd_send_error(fd, r, "apsimd: request too long: more than %u bytes before the newline",
			   MAX_REQUEST);
		discard_line(c, fd, deadline);
		return;
	}
	if (r == -ETIMEDOUT) {
		apsimd_send_error(fd, r, "apsimd: no complete request within %u s", c->d->client_timeout);
		return;
	}
	if (r == -ENOMEM) {
		apsimd_send_error(fd, r, "apsimd: out of memory");
		/* read the rest, so that the client's send does not meet a closed socket */
		discard_line(c, fd, deadline);
		return;
	}
	if (r < 0)
		return;
	if (apsimd_check_bytes(fd, line, len) < 0) {
		free(line);
		return;
	}
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	free(line);
	if (!req) {
		apsimd_send_error(fd, -EINVAL, "apsimd: malformed request: invalid JSON: %s", jerr.text);
		goto out_decref;
	}
	if (!json_is_object(req)) {
		apsimd_send_error(fd, -EINVAL, "apsimd: malformed request: not a JSON object");
		goto out_decref;
	}
	op = json_object_get(req, "op");
	if (op) {
		if (!json_is_string(op))
			apsimd_send_error(fd, -EINVAL,
				   "apsimd: malformed request: \"op\" is not a string");
		else if (!is_c_string(op))
			apsimd_send_error(fd, -EINVAL,
				   "apsimd: malformed request: \"op\" holds a NUL character");
		else if (strcmp(json_string_value(op), "info") == 0)
			do_info(c, fd);
		else if (strcmp(json_string_value(op), "guest-mount") == 0)
			do_guest_mount(c, fd, req);
		else
			apsimd_send_error(fd, -EINVAL, "apsimd: unknown op '%s'", json_string_value(op));
		goto out_decref;
	}
	js = json_object_get(req, "json");
	if (js && !json_is_boolean(js)) {
		apsimd_send_error(fd, -EINVAL, "apsimd: malformed request: \"json\" is not a boolean");
		goto out_decref;
	}
	json = json_is_true(js);
	js = json_object_get(req, "sync");
	if (js && !json_is_boolean(js)) {
		apsimd_send_error(fd, -EINVAL, "apsimd: malformed request: \"sync\" is not a boolean");
		goto out_decref;
	}
	sync = json_is_true(js);
	args = json_object_get(req, "argv");
	if (!json_is_array(args) || json_array_size(args) == 0 ||
	    json_array_size(args) > MAX_ARGS) {
		apsimd_send_error(
		    fd, -EINVAL,
		    "apsimd: malformed request: \"argv\" must be an array of 1 to %d strings",
		    MAX_ARGS);
		goto out_decref;
	}
	argc = json_array_size(args);
	argv = calloc(argc + 1, sizeof(*argv));
	if (!argv) {
		apsimd_send_error(fd, -ENOMEM, "apsimd: out of memory");
		goto out_decref;
	}
	for (size_t i = 0; i < argc; i++) {
		json_t *a = json_array_get(args, i);

		if (!json_is_string(a)) {
			apsimd_send_error(fd, -EINVAL,
				   "apsimd: malformed request: argv[%zu] is not a string", i);
			goto out_free_argv;
		}
		if (!is_c_string(a)) {
			apsimd_send_error(fd, -EINVAL,
				   "apsimd: malformed request: argv[%zu] holds a NUL character", i);
			goto out_free_argv;
		}
		argv[i] = (char *) json_string_value(a);
	}
	if (is_follow((int) argc, argv))
		do_follow(cl, json, sync);
	else
		do_command(c, fd, (int) argc, argv, json);
out_free_argv:
	free(argv);
out_decref:
	json_decref(req);
}

/* --- connections ---------------------------------------------------------------------------- */

/*
 * Closes a connection whose reply is complete. What the client sent after its request line is
 * read first (as much as is queued, without waiting): closing a Unix socket with unread bytes
 * makes the peer's next read fail with ECONNRESET instead of seeing the end of the reply.
 */
static void close_client_fd(int fd)
{
	char buf[4096];

	for (size_t total = 0; total < MAX_REQUEST;) {
		ssize_t got = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		total += (size_t) got;
	}
	close(fd);
}

static void *client_thread(void *arg)
{
	struct client *cl = arg;
	struct apsimd_control *c = cl->c;

	handle(cl);

	pthread_mutex_lock(&c->lock);
	for (struct client **p = &c->clients; *p; p = &(*p)->next) {
		if (*p == cl) {
			*p = cl->next;
			break;
		}
	}
	if (cl->follower)
		c->n_followers--;
	else
		c->n_clients--;
	close_client_fd(cl->fd);
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	free(cl);
	return NULL;
}

static bool peer_allowed(struct apsimd_control *c, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == 0 || cred.uid == c->d->uid;
}

static void reject_remove(struct apsimd_control *c, unsigned i)
{
	close(c->rejects[i].fd);
	c->rejects[i] = c->rejects[--c->n_rejects];
}

/*
 * Refuses a connection (accept thread): the answer at once, then the connection lingers in
 * c->rejects until the client has sent its request line (read and dropped), closed, or
 * REJECT_LINGER_MS (at most the client timeout) have passed. A client that sends its request
 * before it reads, as apsim --socket does, so gets the answer and not EPIPE. When
 * MAX_REJECTS connections linger already, this one is closed after the answer.
 */
static void reject(struct apsimd_control *c, int fd, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void reject(struct apsimd_control *c, int fd, int rc, const char *fmt, ...)
{
	uint64_t linger = (uint64_t) c->d->client_timeout * 1000;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void) vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* a fresh connection's send buffer is empty: this does not block */
	(void) apsimd_send_error(fd, rc, "%s", msg);
	if (c->n_rejects == MAX_REJECTS) {
		close(fd);
		return;
	}
	if (linger > REJECT_LINGER_MS)
		linger = REJECT_LINGER_MS;
	c->rejects[c->n_rejects++] = (struct reject){.fd = fd, .deadline = now_ms() + linger};
}

/* A refused connection has bytes or EOF: drops them; closes it at the newline or EOF. */
static void reject_read(struct apsimd_control *c, unsigned i)
{
	struct reject *rj = &c->rejects[i];
	char buf[4096];

	for (;;) {
		ssize_t got = recv(rj->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && errno == EAGAIN)
			return;
		if (got <= 0 || memchr(buf, '\n', (size_t) got) ||
		    (rj->discarded += (size_t) got) > MAX_REQUEST) {
			reject_remove(c, i);
			return;
		}
	}
}

static void accept_one(struct apsimd_control *c)
{
	struct timeval tv = {.tv_sec = c->d->client_timeout};
	pthread_attr_t attr;
	struct client *cl;
	pthread_t th;
	int fd, r;

	fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	/* a client that does not read its reply for that long is dropped */
	(void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (!peer_allowed(c, fd)) {
		reject(c, fd, -EACCES, "apsimd: permission denied (root or uid %u only)",
		       (unsigned) c->d->uid);
		return;
	}
	cl = calloc(1, sizeof(*cl));
	if (!cl) {
		reject(c, fd, -ENOMEM, "apsimd: out of memory");
		return;
	}
	cl->c = c;
	cl->fd = fd;
	cl->deadline = now_ms() + (uint64_t) c->d->client_timeout * 1000;

	pthread_mutex_lock(&c->lock);
	if (c->stopping) {
		pthread_mutex_unlock(&c->lock);
		free(cl);
		reject(c, fd, -ESHUTDOWN, "apsimd: shutting down");
		return;
	}
	if (c->n_clients >= MAX_CLIENTS) {
		pthread_mutex_unlock(&c->lock);
		free(cl);
		reject(c, fd, -EBUSY,
		       "apsimd: busy: %u connections are served already (the limit); try again "
		       "later",
		       MAX_CLIENTS);
		return;
	}
	cl->next = c->clients;
	c->clients = cl;
	c->n_clients++;
	pthread_mutex_unlock(&c->lock);

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&th, &attr, client_thread, cl);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		pthread_mutex_lock(&c->lock);
		for (struct client **p = &c->clients; *p; p = &(*p)->next) {
			if (*p == cl) {
				*p = cl->next;
				break;
			}
		}
		c->n_clients--;
		pthread_cond_broadcast(&c->cond);
		pthread_mutex_unlock(&c->lock);
		free(cl);
		reject(c, fd, -r, "apsimd: cannot serve the request: %s", strerror(r));
	}
}

static void *accept_thread(void *arg)
{
	struct apsimd_control *c = arg;

	for (;;) {
		struct pollfd p[2 + MAX_REJECTS] = {
		    {.fd = c->listen_fd, .events = POLLIN},
		    {.fd = c->stop_fd, .events = POLLIN},
		};
		uint64_t now = now_ms(), next = UINT64_MAX;
		unsigned n;

		/* refused connections whose time is up; the rest are polled */
		for (unsigned i = c->n_rejects; i-- > 0;)
			if (c->rejects[i].deadline <= now)
				reject_remove(c, i);
		n = c->n_rejects;
		for (unsigned i = 0; i < n; i++) {
			p[2 + i] = (struct pollfd){.fd = c->rejects[i].fd, .events = POLLIN};
			if (c->rejects[i].deadline < next)
				next = c->rejects[i].deadline;
		}
		if (poll(p, 2 + n, next == UINT64_MAX ? -1 : (int) (next - now)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		/* from the last: reject_remove() moves the last entry into the gap */
		for (unsigned i = n; i-- > 0;)
			if (p[2 + i].revents)
				reject_read(c, i);
		if (p[0].revents & POLLIN)
			accept_one(c);
	}
	while (c->n_rejects > 0)
		reject_remove(c, c->n_rejects - 1);
	return NULL;
}

/* A socket at path that answers belongs to a running daemon; one that does not is stale. */
static bool socket_alive(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	alive = connect(fd, (const struct sockaddr *) sa, sizeof(*sa)) == 0;
	close(fd);
	return alive;
}

int apsimd_control_start(struct apsimd *d, struct apsimd_control **ret)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct apsimd_control *c;
	struct stat st;
	mode_t old;
	int r;

	if (strlen(d->socket_path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "apsimd: socket path '%s' is too long\n", d->socket_path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, d->socket_path);

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->d = d;
	c->listen_fd = c->stop_fd = -1;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);

	if (lstat(d->socket_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			fprintf(stderr, "apsimd: '%s' exists and is not a socket\n",
				d->socket_path);
			r = -EEXIST;
			goto out_free;
		}
		if (socket_alive(&sa)) {
			fprintf(stderr, "apsimd: '%s' is in use by a running apsimd\n",
				d->socket_path);
			r = -EADDRINUSE;
			goto out_free;
		}
		unlink(d->socket_path);
	}
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->listen_fd < 0) {
		r = -errno;
		goto out_free;
	}
	old = umask(0177);
	r = bind(c->listen_fd, (struct sockaddr *) &sa, sizeof(sa));
	umask(old);
	if (r < 0) {
		r = -errno;
		fprintf(stderr, "apsimd: cannot bind '%s': %s\n", d->socket_path, strerror(errno));
		goto out_free;
	}
	(void) chmod(d->socket_path, 0600);
	if (listen(c->listen_fd, 64) < 0) {
		r = -errno;
		goto out_unlink;
	}
	c->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (c->stop_fd < 0) {
		r = -errno;
		goto out_unlink;
	}
	r = pthread_create(&c->accept_thread, NULL, accept_thread, c);
	if (r != 0) {
		r = -r;
		goto out_unlink;
	}
	*ret = c;
	return 0;

out_unlink:
	unlink(d->socket_path);
out_free:
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	if (c->stop_fd >= 0)
		close(c->stop_fd);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c);
	return r;
}

void apsimd_control_stop(struct apsimd_control *c)
{
	uint64_t one = 1;

	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stopping = true;
	pthread_mutex_unlock(&c->lock);
	(void) !write(c->stop_fd, &one, sizeof(one));
	pthread_join(c->accept_thread, NULL);
	close(c->listen_fd);
	unlink(c->d->socket_path);

	/* end every connection: blocked reads see EOF, followers see stop_fd */
	pthread_mutex_lock(&c->lock);
	for (struct client *cl = c->clients; cl; cl = cl->next)
		shutdown(cl->fd, SHUT_RDWR);
	while (c->n_clients > 0 || c->n_followers > 0)
		pthread_cond_wait(&c->cond, &c->lock);
	pthread_mutex_unlock(&c->lock);

	close(c->stop_fd);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
