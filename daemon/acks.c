/* SPDX-License-Identifier: MIT */
/*
 * acks.c - event acknowledgements: a write that caused uevents returns only once every
 * synchronous follower has said it applied them (docs/daemon.md "Control socket").
 *
 * `apsim exec` follows the uevents with {"argv": ["events", "--follow"], "sync": true} and
 * makes or removes the /dev nodes they announce; it answers {"ack": SEQNUM} after each batch.
 * The FUSE write (and a control-socket command) that emitted events up to seqnum S then waits
 * here, after the simulator lock is released, until each follower has acknowledged S. So a
 * program in `apsim exec` that writes `create` to class/zcrypt and then stats /dev/NAME finds
 * the node, as it would with devtmpfs, which the kernel fills before the write returns.
 *
 * A follower that does not answer within ACK_TIMEOUT_MS (stopped, or gone without closing
 * its socket yet) costs that one write the timeout; it is not waited for again until its
 * acknowledgements catch up with the seqnum it missed.
 *
 * Owns struct apsimd_acks (apsimd.acks). Calls the library only (the log's last seqnum);
 * control.c registers the followers, fuse-ops.c and control.c wait.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "apsim/apsim.h"
#include "apsimd.h"

#define MAX_FOLLOWERS  64 /* the control socket's MAX_CLIENTS */
#define ACK_TIMEOUT_MS 2000

struct follower_slot {
	bool used;
	bool late;	      /* missed a wait: not waited for until acked >= late_seqnum */
	uint64_t acked;	      /* every event up to this seqnum was applied */
	uint64_t late_seqnum; /* the seqnum of the wait it missed */
};

struct apsimd_acks {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* an acknowledgement arrived or a follower left */
	struct follower_slot slot[MAX_FOLLOWERS];
	void (*flush)(void *ctx, uint64_t seqnum); /* set and cleared without followers */
	void *flush_ctx;
};

int apsimd_acks_new(struct apsimd_acks **ret)
{
	struct apsimd_acks *a = calloc(1, sizeof(*a));
	pthread_condattr_t attr;
	int r;

	if (!a)
		return -ENOMEM;
	r = pthread_condattr_init(&attr);
	if (r != 0)
		goto out_free;
	r = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (r == 0)
		r = pthread_cond_init(&a->cond, &attr);
	pthread_condattr_destroy(&attr);
	if (r != 0)
		goto out_free;
	pthread_mutex_init(&a->lock, NULL);
	*ret = a;
	return 0;

out_free:
	free(a);
	return -r;
}

void apsimd_acks_free(struct apsimd_acks *a)
{
	if (!a)
		return;
	pthread_cond_destroy(&a->cond);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

uint64_t apsimd_last_seqnum(struct apsim_sim *sim)
{
	struct apsim_uevent_log *log = apsim_sim_get_uevents(sim);
	size_t n = apsim_uevent_log_count(log);

	return n ? apsim_uevent_log_get(log, n - 1)->seqnum : 0;
}

int apsimd_acks_add(struct apsimd_acks *a, uint64_t seen)
{
	int id = -EBUSY;

	pthread_mutex_lock(&a->lock);
	for (int i = 0; i < MAX_FOLLOWERS; i++) {
		if (!a->slot[i].used) {
			a->slot[i] = (struct follower_slot){.used = true, .acked = seen};
			id = i;
			break;
		}
	}
	pthread_mutex_unlock(&a->lock);
	return id;
}

void apsimd_acks_remove(struct apsimd_acks *a, int id)
{
	if (id < 0 || id >= MAX_FOLLOWERS)
		return;
	pthread_mutex_lock(&a->lock);
	a->slot[id].used = false;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
}

void apsimd_acks_ack(struct apsimd_acks *a, int id, uint64_t seqnum)
{
	struct follower_slot *s;

	if (id < 0 || id >= MAX_FOLLOWERS)
		return;
	pthread_mutex_lock(&a->lock);
	s = &a->slot[id];
	if (s->used && seqnum > s->acked) {
		s->acked = seqnum;
		if (s->late && s->acked >= s->late_seqnum)
			s->late = false;
		pthread_cond_broadcast(&a->cond);
	}
	pthread_mutex_unlock(&a->lock);
}

static bool pending(const struct follower_slot *s, uint64_t seqnum)
{
	return s->used && !s->late && s->acked < seqnum;
}

void apsimd_acks_set_flush(struct apsimd_acks *a, void (*fn)(void *ctx, uint64_t seqnum),
			   void *ctx)
{
	pthread_mutex_lock(&a->lock);
	a->flush = fn;
	a->flush_ctx = ctx;
	pthread_mutex_unlock(&a->lock);
}

void apsimd_acks_wait(struct apsimd_acks *a, uint64_t seqnum)
{
	void (*flush)(void *ctx, uint64_t seqnum);
	struct timespec deadline;
	void *flush_ctx;
	bool waiting;
	int r = 0;

	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	flush = a->flush;
	flush_ctx = a->flush_ctx;
	pthread_mutex_unlock(&a->lock);
	/* a reader that the writer tells goes on must not find the old tree in the kernel */
	if (flush)
		flush(flush_ctx, seqnum);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += ACK_TIMEOUT_MS / 1000;
	deadline.tv_nsec += (long) (ACK_TIMEOUT_MS % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}

	pthread_mutex_lock(&a->lock);
	for (;;) {
		waiting = false;
		for (int i = 0; i < MAX_FOLLOWERS && !waiting; i++)
			waiting = pending(&a->slot[i], seqnum);
		if (!waiting)
			break;
		if (r != 0) { /* ETIMEDOUT */
			/* the ones still behind are not waited for until they catch up */
			for (int i = 0; i < MAX_FOLLOWERS; i++) {
				if (pending(&a->slot[i], seqnum)) {
					a->slot[i].late = true;
					a->slot[i].late_seqnum = seqnum;
				}
			}
			break;
		}
		r = pthread_cond_timedwait(&a->cond, &a->lock, &deadline);
	}
	pthread_mutex_unlock(&a->lock);
}
