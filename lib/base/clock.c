/* SPDX-License-Identifier: MIT */
/*
 * clock.c - virtual and monotonic clocks with a list of timers sorted by expiry (design
 * "Time"). Timer callbacks run without the clock lock held, so they may arm or disarm any
 * timer, themselves included.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apsim/clock.h"

struct apsim_clock {
	bool is_virtual;
	_Atomic uint64_t vnow;	    /* virtual: current time, ns */
	struct timespec start;	    /* monotonic: CLOCK_MONOTONIC at creation */
	pthread_mutex_t lock;	    /* protects the timer list */
	struct apsim_timer *timers; /* armed timers, ascending expiry, FIFO on ties */
};

static int clock_new(bool is_virtual, struct apsim_clock **ret)
{
	struct apsim_clock *c;

	if (!ret)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->is_virtual = is_virtual;
	atomic_init(&c->vnow, 0);
	if (!is_virtual && clock_gettime(CLOCK_MONOTONIC, &c->start) < 0) {
		int r = -errno;

		free(c);
		return r;
	}
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return -ENOMEM;
	}
	*ret = c;
	return 0;
}

int apsim_clock_new_virtual(struct apsim_clock **ret)
{
	return clock_new(true, ret);
}

int apsim_clock_new_monotonic(struct apsim_clock **ret)
{
	return clock_new(false, ret);
}

void apsim_clock_free(struct apsim_clock *c)
{
	struct apsim_timer *t, *next;

	if (!c)
		return;
	/* timers are embedded in their owners: only unlink them */
	for (t = c->timers; t; t = next) {
		next = t->next;
		t->next = NULL;
		t->armed = false;
	}
	pthread_mutex_destroy(&c->lock);
	free(c);
}

bool apsim_clock_is_virtual(const struct apsim_clock *c)
{
	return c && c->is_virtual;
}

uint64_t apsim_clock_now(const struct apsim_clock *c)
{
	struct timespec ts;
	int64_t ns;

	if (!c)
		return 0;
	if (c->is_virtual)
		return atomic_load(&((struct apsim_clock *) c)->vnow);
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	ns = ((int64_t) ts.tv_sec - (int64_t) c->start.tv_sec) * (int64_t) APSIM_NSEC_PER_SEC +
	     ((int64_t) ts.tv_nsec - (int64_t) c->start.tv_nsec);
	return ns < 0 ? 0 : (uint64_t) ns;
}

void apsim_timer_init(struct apsim_timer *timer, void (*fn)(struct apsim_timer *))
{
	if (!timer)
		return;
	memset(timer, 0, sizeof(*timer));
	timer->fn = fn;
}

/* Locked. */
static void timer_unlink(struct apsim_clock *c, struct apsim_timer *timer)
{
	struct apsim_timer **pp;

	for (pp = &c->timers; *pp; pp = &(*pp)->next) {
		if (*pp == timer) {
			*pp = timer->next;
			break;
		}
	}
	timer->next = NULL;
	timer->armed = false;
}

void apsim_timer_arm(struct apsim_clock *c, struct apsim_timer *timer, uint64_t delay_ns)
{
	struct apsim_timer **pp;
	uint64_t now;

	if (!c || !timer)
		return;
	now = apsim_clock_now(c);
	pthread_mutex_lock(&c->lock);
	if (timer->armed)
		timer_unlink(c, timer);
	timer->expires = delay_ns > UINT64_MAX - now ? UINT64_MAX : now + delay_ns;
	for (pp = &c->timers; *pp && (*pp)->expires <= timer->expires; pp = &(*pp)->next)
		;
	timer->next = *pp;
	*pp = timer;
	timer->armed = true;
	pthread_mutex_unlock(&c->lock);
}

void apsim_timer_disarm(struct apsim_clock *c, struct apsim_timer *timer)
{
	if (!c || !timer)
		return;
	pthread_mutex_lock(&c->lock);
	if (timer->armed)
		timer_unlink(c, timer);
	pthread_mutex_unlock(&c->lock);
}

/*
 * Fire every timer due at or before 'until', earliest first. On a virtual clock, the time
 * reads as each timer's expiry while its callback runs. Returns how many fired.
 */
static int fire_due(struct apsim_clock *c, uint64_t until)
{
	struct apsim_timer *t;
	int n = 0;

	for (;;) {
		pthread_mutex_lock(&c->lock);
		t = c->timers;
		if (!t || t->expires > until) {
			pthread_mutex_unlock(&c->lock);
			break;
		}
		c->timers = t->next;
		t->next = NULL;
		t->armed = false;
		if (c->is_virtual && t->expires > atomic_load(&c->vnow))
			atomic_store(&c->vnow, t->expires);
		pthread_mutex_unlock(&c->lock);
		n++;
		if (t->fn)
			t->fn(t);
	}
	return n;
}

int apsim_clock_advance(struct apsim_clock *c, uint64_t ns)
{
	uint64_t now, target;

	if (!c || !c->is_virtual)
		return -EINVAL;
	now = atomic_load(&c->vnow);
	target = ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
	(void) fire_due(c, target);
	atomic_store(&c->vnow, target);
	return 0;
}

int apsim_clock_run_due(struct apsim_clock *c)
{
	if (!c)
		return -EINVAL;
	return fire_due(c, apsim_clock_now(c));
}

uint64_t apsim_clock_next_expiry(const struct apsim_clock *c)
{
	struct apsim_clock *mc = (struct apsim_clock *) c;
	uint64_t e;

	if (!c)
		return UINT64_MAX;
	pthread_mutex_lock(&mc->lock);
	e = mc->timers ? mc->timers->expires : UINT64_MAX;
	pthread_mutex_unlock(&mc->lock);
	return e;
}

/* "30s", "20ms", "1.5s", "100us", "5m", "2h", "250ns": digits[.digits]unit. */
int apsim_duration_parse(const char *s, uint64_t *ret_ns)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
	    {"ns", 1},
	    {"us", 1000},
	    {"ms", APSIM_NSEC_PER_MSEC},
	    {"s", APSIM_NSEC_PER_SEC},
	    {"m", 60 * APSIM_NSEC_PER_SEC},
	    {"h", 3600 * APSIM_NSEC_PER_SEC},
	};
	const char *p = s, *frac = NULL, *unit;
	uint64_t ipart = 0, mult = 0, v, scale;
	size_t nfrac = 0;

	if (!s || !ret_ns)
		return -EINVAL;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (ipart > (UINT64_MAX - (uint64_t) (*p - '0')) / 10)
			return -EINVAL;
		ipart = ipart * 10 + (uint64_t) (*p - '0');
	}
	if (*p == '.') {
		frac = ++p;
		for (; *p >= '0' && *p <= '9'; p++)
			nfrac++;
		if (nfrac == 0)
			return -EINVAL;
	}
	unit = p;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(unit, units[i].name) == 0) {
			mult = units[i].ns;
			break;
		}
	}
	if (!mult)
		return -EINVAL;
	if (ipart > UINT64_MAX / mult)
		return -EINVAL;
	v = ipart * mult;
	/* fraction digits, exact down to the nanosecond, truncated below it */
	scale = mult;
	for (size_t i = 0; i < nfrac && scale >= 10; i++) {
		scale /= 10;
		if (v > UINT64_MAX - (uint64_t) (frac[i] - '0') * scale)
			return -EINVAL;
		v += (uint64_t) (frac[i] - '0') * scale;
	}
	*ret_ns = v;
	return 0;
}
