/* SPDX-License-Identifier: MIT */
/*
 * Time for everything the kernel does on a timer (config_time rescan, reset polling).
 * A virtual clock only moves when told (scenarios, tests); the daemon uses a monotonic one
 * and calls apsim_clock_run_due() from its timer thread.
 */
#ifndef APSIM_CLOCK_H
#define APSIM_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "apsim/export.h"

#define APSIM_NSEC_PER_MSEC 1000000ull
#define APSIM_NSEC_PER_SEC 1000000000ull

struct apsim_clock;

/* A timer embedded in its owner; fn runs when the clock passes 'expires'. */
struct apsim_timer {
	uint64_t expires;                 /* ns */
	void (*fn)(struct apsim_timer *timer);
	bool armed;
	struct apsim_timer *next;         /* clock's list, private */
};

APSIM_EXPORT int apsim_clock_new_virtual(struct apsim_clock **ret);
APSIM_EXPORT int apsim_clock_new_monotonic(struct apsim_clock **ret);
APSIM_EXPORT void apsim_clock_free(struct apsim_clock *c);
APSIM_EXPORT bool apsim_clock_is_virtual(const struct apsim_clock *c);
/* ns since the clock started */
APSIM_EXPORT uint64_t apsim_clock_now(const struct apsim_clock *c);

APSIM_EXPORT void apsim_timer_init(struct apsim_timer *timer, void (*fn)(struct apsim_timer *));
/* (Re-)arm to fire at now + delay_ns. */
APSIM_EXPORT void apsim_timer_arm(struct apsim_clock *c, struct apsim_timer *timer, uint64_t delay_ns);
APSIM_EXPORT void apsim_timer_disarm(struct apsim_clock *c, struct apsim_timer *timer);

/* Virtual: move time forward by ns, firing due timers in expiry order, each with now set to
 * its expiry. -EINVAL on a monotonic clock. */
APSIM_EXPORT int apsim_clock_advance(struct apsim_clock *c, uint64_t ns);
/* Fire every timer due at now (monotonic: the daemon's timer thread). Returns how many. */
APSIM_EXPORT int apsim_clock_run_due(struct apsim_clock *c);
/* Earliest armed expiry, or UINT64_MAX. */
APSIM_EXPORT uint64_t apsim_clock_next_expiry(const struct apsim_clock *c);

/* "30s", "20ms", "1.5s", "100us", "5m" -> ns. -EINVAL otherwise. */
APSIM_EXPORT int apsim_duration_parse(const char *s, uint64_t *ret_ns);

#endif
