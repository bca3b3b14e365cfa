/* SPDX-License-Identifier: MIT */
/*
 * follow.c - one `events --follow` connection of the control socket (docs/daemon.md):
 * uevents as they are emitted, queued by a log listener on the emitting thread and sent by
 * the connection's own thread; with "sync", first {"seqnum": N}, then the client's
 * {"ack": SEQNUM} lines are read and passed to acks.c, so that writes wait for them. A client
 * that reads too slowly (MAX_FOLLOW_BACKLOG bytes queued) is told that events were lost.
 *
 * Called by control.c once a request asks to follow; calls wire.c, acks.c and the library.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "apsim/apsim.h"
#include "apsimd.h"

#define MAX_FOLLOW_BACKLOG (4u << 20)

struct follower {
	pthread_mutex_t lock;
	char *buf;
	size_t len, cap;
	bool overflow;
	bool json;
	int efd;
};

/* Runs under the sim lock, on the emitting thread: only queues. */
static void follower_event(const struct apsim_uevent *ev, void *ctx)
{
	struct follower *f = ctx;
	char *s = NULL;
	size_t n = 0;
	FILE *m;
	uint64_t one = 1;

	m = open_memstream(&s, &n);
	if (!m)
		goto out_overflow;
	if (f->json)
		apsim_uevent_print_json(ev, m);
	else
		apsim_uevent_print(ev, m);
	if (fclose(m) != 0)
		goto out_overflow;
	pthread_mutex_lock(&f->lock);
	if (f->len + n > MAX_FOLLOW_BACKLOG) {
		f->overflow = true;
	} else {
		if (f->len + n > f->cap) {
			size_t cap = (f->len + n) * 2;
			char *b = realloc(f->buf, cap);

			if (!b) {
				f->overflow = true;
				goto out_unlock;
			}
			f->buf = b;
			f->cap = cap;
		}
		memcpy(f->buf + f->len, s, n);
		f->len += n;
	}
out_unlock:
	pthread_mutex_unlock(&f->lock);
	free(s);
	(void) !write(f->efd, &one, sizeof(one));
	return;
out_overflow:
	free(s);
	pthread_mutex_lock(&f->lock);
	f->overflow = true;
	pthread_mutex_unlock(&f->lock);
	(void) !write(f->efd, &one, sizeof(one));
}

/*
 * What a synchronous follower sends: {"ack": SEQNUM} lines, kept in buf until their newline.
 * Anything else, or a line longer than the buffer, is dropped: never trust the bytes.
 */
struct ack_reader {
	char buf[256];
	size_t len;
	bool skipping; /* inside an overlong line */
};

static void ack_line(struct apsimd_acks *acks, int ack_id, const char *line, size_t len)
{
	json_t *o = json_loadb(line, len, 0, NULL);
	json_t *v = json_object_get(o, "ack");

	if (json_is_integer(v) && json_integer_value(v) >= 0)
		apsimd_acks_ack(acks, ack_id, (uint64_t) json_integer_value(v));
	json_decref(o);
}

static void ack_input(struct ack_reader *ar, struct apsimd_acks *acks, int ack_id,
		      const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (data[i] == '\n') {
			if (!ar->skipping)
				ack_line(acks, ack_id, ar->buf, ar->len);
			ar->len = 0;
			ar->skipping = false;
		} else if (ar->len < sizeof(ar->buf)) {
			ar->buf[ar->len++] = data[i];
		} else {
			ar->skipping = true;
		}
	}
}

int apsimd_follow(struct apsimd *d, int fd, int stop_fd, bool json, bool sync)
{
	struct apsim_uevent_log *log;
	struct follower f = {.json = json};
	struct ack_reader ar = {.len = 0};
	uint64_t seen = 0;
	int id, ack_id = -1, r = 0;

	f.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (f.efd < 0)
		return apsimd_send_error(fd, -errno, "apsimd: eventfd: %s", strerror(errno));
	pthread_mutex_init(&f.lock, NULL);

	apsim_sim_lock(d->sim);
	log = apsim_sim_get_uevents(d->sim);
	id = apsim_uevent_log_add_listener(log, follower_event, &f);
	if (id >= 0 && sync) {
		/* from here on every event is queued to f and every write waits for its ack */
		seen = apsimd_last_seqnum(d->sim);
		ack_id = apsimd_acks_add(d->acks, seen);
		if (ack_id < 0) {
			apsim_uevent_log_remove_listener(log, id);
			id = ack_id;
		}
	}
	apsim_sim_unlock(d->sim);
	if (id < 0) {
		r = apsimd_send_error(fd, id, "apsimd: cannot follow events: %s", strerror(-id));
		goto out_close;
	}
	if (sync && apsimd_send_json(fd, json_pack("{s:I}", "seqnum", (json_int_t) seen)) < 0)
		goto out_remove;

	for (;;) {
		struct pollfd p[3] = {
		    {.fd = fd, .events = POLLIN},
		    {.fd = f.efd, .events = POLLIN},
		    {.fd = stop_fd, .events = POLLIN},
		};
		char *buf;
		size_t len;
		bool overflow;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents) {
			char in[256];
			ssize_t n = recv(fd, in, sizeof(in), MSG_DONTWAIT);

			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
				break; /* the client went away */
			if (n > 0 && ack_id >= 0)
				ack_input(&ar, d->acks, ack_id, in, (size_t) n);
		}
		if (p[2].revents)
			break;
		if (!p[1].revents)
			continue;
		{
			uint64_t v;

			(void) !read(f.efd, &v, sizeof(v));
		}
		pthread_mutex_lock(&f.lock);
		buf = f.buf;
		len = f.len;
		overflow = f.overflow;
		f.buf = NULL;
		f.len = f.cap = 0;
		pthread_mutex_unlock(&f.lock);
		r = apsimd_send_text(fd, "out", buf, len);
		free(buf);
		if (r < 0)
			break;
		if (overflow) {
			(void) apsimd_send_error(fd, -ENOBUFS,
					  "apsimd: events were lost: the client reads too slowly");
			break;
		}
	}

out_remove:
	apsim_sim_lock(d->sim);
	apsim_uevent_log_remove_listener(log, id);
	apsim_sim_unlock(d->sim);
	apsimd_acks_remove(d->acks, ack_id);
out_close:
	free(f.buf);
	pthread_mutex_destroy(&f.lock);
	close(f.efd);
	return r;
}
