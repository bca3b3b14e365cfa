/* SPDX-License-Identifier: MIT */
/*
 * test-clock.c - virtual/monotonic clocks, timer ordering and re-arming, durations; plus the
 * log sink (lib/base/log.c has no test binary of its own in tests/unit/meson.build).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "apsim/clock.h"
#include "apsim/log.h"
#include "base/macro-internal.h"

struct rec_timer {
	struct apsim_timer timer;
	struct apsim_clock *clock;
	int id;
	uint64_t rearm; /* re-arm with this delay while count < max */
	int count, max;
	struct rec_timer *other; /* arm this one on fire (once) */
};

static int fired_ids[32];
static uint64_t fired_at[32];
static int nfired;

static void rec_fn(struct apsim_timer *t)
{
	struct rec_timer *r = container_of(t, struct rec_timer, timer);

	fired_ids[nfired] = r->id;
	fired_at[nfired] = apsim_clock_now(r->clock);
	nfired++;
	r->count++;
	if (r->rearm && r->count < r->max)
		apsim_timer_arm(r->clock, t, r->rearm);
	if (r->other) {
		apsim_timer_arm(r->clock, &r->other->timer, 5);
		r->other = NULL;
	}
}

static void rec_init(struct rec_timer *r, struct apsim_clock *c, int id)
{
	memset(r, 0, sizeof(*r));
	apsim_timer_init(&r->timer, rec_fn);
	r->clock = c;
	r->id = id;
}

static int setup(void **state)
{
	(void) state;
	nfired = 0;
	memset(fired_ids, 0, sizeof(fired_ids));
	memset(fired_at, 0, sizeof(fired_at));
	return 0;
}

static void test_virtual_clock_moves_only_when_told(void **state)
{
	struct apsim_clock *c;

	(void) state;
	assert_int_equal(apsim_clock_new_virtual(&c), 0);
	assert_true(apsim_clock_is_virtual(c));
	assert_int_equal(apsim_clock_now(c), 0);
	assert_int_equal(apsim_clock_advance(c, 30 * APSIM_NSEC_PER_SEC), 0);
	assert_int_equal(apsim_clock_now(c), 30000000000ull);
	assert_int_equal(apsim_clock_advance(c, 0), 0);
	assert_int_equal(apsim_clock_now(c), 30000000000ull);
	assert_true(apsim_clock_next_expiry(c) == UINT64_MAX);
	assert_int_equal(apsim_clock_run_due(c), 0);
	apsim_clock_free(c);
}

static void test_timers_fire_in_expiry_order_with_now_at_expiry(void **state)
{
	struct apsim_clock *c;
	struct rec_timer a, b, d, e;

	(void) state;
	assert_int_equal(apsim_clock_new_virtual(&c), 0);
	rec_init(&a, c, 1);
	rec_init(&b, c, 2);
	rec_init(&d, c, 3);
	rec_init(&e, c, 4);
	apsim_timer_arm(c, &a.timer, 300);
	apsim_timer_arm(c, &b.timer, 100);
	apsim_timer_arm(c, &d.timer, 200);
	apsim_timer_arm(c, &e.timer, 100); /* same expiry as b: after b */
	assert_true(a.timer.armed);
	assert_true(apsim_clock_next_expiry(c) == 100);
	assert_int_equal(apsim_clock_advance(c, 250), 0);
	assert_int_equal(nfired, 3);
	assert_int_equal(fired_ids[0], 2);
	assert_int_equal(fired_ids[1], 4);
	assert_int_equal(fired_ids[2], 3);
	assert_true(fired_at[0] == 100 && fired_at[1] == 100 && fired_at[2] == 200);
	assert_false(b.timer.armed);
	assert_true(a.timer.armed);
	assert_int_equal(apsim_clock_now(c), 250);
	assert_true(apsim_clock_next_expiry(c) == 300);
	assert_int_equal(apsim_clock_advance(c, 50), 0);
	assert_int_equal(nfired, 4);
	assert_int_equal(fired_ids[3], 1);
	assert_true(fired_at[3] == 300);
	assert_true(apsim_clock_next_expiry(c) == UINT64_MAX);
	apsim_clock_free(c);
}

static void test_callback_rearms_itself_and_others(void **state)
{
	struct apsim_clock *c;
	struct rec_timer poll, other;

	(void) state;
	assert_int_equal(apsim_clock_new_virtual(&c), 0);
	rec_init(&poll, c, 1);
	rec_init(&other, c, 2);
	poll.rearm = 20 * APSIM_NSEC_PER_MSEC; /* reset polling every 20 ms */
	poll.max = 4;
	poll.other = &other; /* arms 'other' at +5 ns from the 1st fire */
	apsim_timer_arm(c, &poll.timer, 20 * APSIM_NSEC_PER_MSEC);
	assert_int_equal(apsim_clock_advance(c, APSIM_NSEC_PER_SEC), 0);
	assert_int_equal(nfired, 5);
	assert_int_equal(fired_ids[0], 1);
	assert_true(fired_at[0] == 20000000);
	assert_int_equal(fired_ids[1], 2);
	assert_true(fired_at[1] == 20000005);
	assert_int_equal(fired_ids[2], 1);
	assert_true(fired_at[2] == 40000000);
	assert_true(fired_at[3] == 60000000);
	assert_true(fired_at[4] == 80000000);
	assert_int_equal(poll.count, 4);
	assert_false(poll.timer.armed);
	assert_int_equal(apsim_clock_now(c), APSIM_NSEC_PER_SEC);
	apsim_clock_free(c);
}

static void test_rearm_and_disarm(void **state)
{
	struct apsim_clock *c;
	struct rec_timer a, b;

	(void) state;
	assert_int_equal(apsim_clock_new_virtual(&c), 0);
	rec_init(&a, c, 1);
	rec_init(&b, c, 2);
	apsim_timer_arm(c, &a.timer, 100);
	apsim_timer_arm(c, &b.timer, 200);
	apsim_timer_arm(c, &a.timer, 300); /* re-arm moves it */
	assert_true(apsim_clock_next_expiry(c) == 200);
	apsim_timer_disarm(c, &b.timer);
	apsim_timer_disarm(c, &b.timer); /* twice is fine */
	assert_false(b.timer.armed);
	assert_true(apsim_clock_next_expiry(c) == 300);
	assert_int_equal(apsim_clock_advance(c, 299), 0);
	assert_int_equal(nfired, 0);
	assert_int_equal(apsim_clock_advance(c, 1), 0);
	assert_int_equal(nfired, 1);
	assert_int_equal(fired_ids[0], 1);
	/* zero delay: due now, run_due fires it without moving time */
	apsim_timer_arm(c, &b.timer, 0);
	assert_int_equal(apsim_clock_run_due(c), 1);
	assert_int_equal(fired_ids[1], 2);
	assert_true(fired_at[1] == 300);
	assert_int_equal(apsim_clock_now(c), 300);
	/* freeing the clock unlinks armed timers */
	apsim_timer_arm(c, &a.timer, 10);
	apsim_clock_free(c);
	assert_false(a.timer.armed);
	assert_null(a.timer.next);
}

static void test_monotonic_clock(void **state)
{
	struct apsim_clock *c;
	struct rec_timer a, b;
	struct timespec ts = {0, 2 * 1000 * 1000};
	uint64_t t0, t1;

	(void) state;
	assert_int_equal(apsim_clock_new_monotonic(&c), 0);
	assert_false(apsim_clock_is_virtual(c));
	assert_int_equal(apsim_clock_advance(c, 10), -EINVAL);
	t0 = apsim_clock_now(c);
	assert_true(t0 < APSIM_NSEC_PER_SEC);
	rec_init(&a, c, 1);
	rec_init(&b, c, 2);
	apsim_timer_arm(c, &a.timer, 1000); /* 1 us */
	apsim_timer_arm(c, &b.timer, 3600 * APSIM_NSEC_PER_SEC);
	nanosleep(&ts, NULL);
	t1 = apsim_clock_now(c);
	assert_true(t1 >= t0 + 2 * APSIM_NSEC_PER_MSEC);
	assert_int_equal(apsim_clock_run_due(c), 1);
	assert_int_equal(fired_ids[0], 1);
	assert_true(b.timer.armed);
	assert_int_equal(apsim_clock_run_due(c), 0);
	apsim_timer_disarm(c, &b.timer);
	apsim_clock_free(c);
}

static void test_duration_parse(void **state)
{
	static const struct {
		const char *s;
		uint64_t ns;
	} ok[] = {
	    {"30s", 30000000000ull},
	    {"20ms", 20000000ull},
	    {"1.5s", 1500000000ull},
	    {"100us", 100000ull},
	    {"5m", 300000000000ull},
	    {"2h", 7200000000000ull},
	    {"0s", 0},
	    {"250ns", 250},
	    {"0.25ms", 250000ull},
	    {"1.000000001s", 1000000001ull},
	    {"1.0000000019s", 1000000001ull},
	    {"007s", 7000000000ull},
	    {"18446744073709551615ns", UINT64_MAX},
	    {"0.5m", 30000000000ull},
	};
	static const char *const bad[] = {
	    "",		"s",	"30",	 "-1s",	  "+1s", " 1s",	 "1s ",
	    "1.s",	".5s",	"1x",	 "1 s",	  "1S",	 "1ms5", "18446744073709551616ns",
	    "5124096h", "1e3s", "1..5s", "30sec",
	};
	uint64_t v;

	(void) state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		v = 12345;
		assert_int_equal(apsim_duration_parse(ok[i].s, &v), 0);
		assert_true(v == ok[i].ns);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		v = 12345;
		assert_int_equal(apsim_duration_parse(bad[i], &v), -EINVAL);
		assert_true(v == 12345);
	}
	assert_int_equal(apsim_duration_parse(NULL, &v), -EINVAL);
}

static char log_buf[256];
static int log_calls;
static enum apsim_log_level log_last_level;

static void capture_log(enum apsim_log_level level, const char *fmt, va_list ap)
{
	log_calls++;
	log_last_level = level;
	vsnprintf(log_buf, sizeof(log_buf), fmt, ap);
}

static void test_log_level_filter_and_sink(void **state)
{
	(void) state;
	log_calls = 0;
	assert_int_equal(apsim_get_log_level(), APSIM_LOG_WARNING);
	apsim_set_log_fn(capture_log);
	apsim_log(APSIM_LOG_DEBUG, "hidden %d", 1);
	apsim_log(APSIM_LOG_INFO, "hidden %d", 2);
	assert_int_equal(log_calls, 0);
	apsim_log(APSIM_LOG_WARNING, "card%02x %s", 0x0a, "gone");
	assert_int_equal(log_calls, 1);
	assert_int_equal(log_last_level, APSIM_LOG_WARNING);
	assert_string_equal(log_buf, "card0a gone");
	apsim_log(APSIM_LOG_ERR, "err");
	assert_int_equal(log_calls, 2);
	apsim_set_log_level(APSIM_LOG_DEBUG);
	assert_int_equal(apsim_get_log_level(), APSIM_LOG_DEBUG);
	apsim_log(APSIM_LOG_DEBUG, "queue %02x.%04x", 3, 6);
	assert_int_equal(log_calls, 3);
	assert_string_equal(log_buf, "queue 03.0006");
	apsim_set_log_level(APSIM_LOG_ERR);
	apsim_log(APSIM_LOG_WARNING, "hidden");
	assert_int_equal(log_calls, 3);
	apsim_set_log_fn(NULL);
	apsim_set_log_level(APSIM_LOG_WARNING);
}

static void test_log_default_sink_writes_stderr(void **state)
{
	char buf[128];
	FILE *tmp;
	int saved;
	size_t n;

	(void) state;
	tmp = tmpfile();
	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	apsim_log(APSIM_LOG_ERR, "Failed to load '%s'", "m.json");
	apsim_log(APSIM_LOG_WARNING, "already terminated\n");
	apsim_log(APSIM_LOG_INFO, "filtered");
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	assert_string_equal(buf, "apsim: Failed to load 'm.json'\napsim: already terminated\n");
}

int main(void)
{
	const struct CMUnitTest log_tests[] = {
	    cmocka_unit_test(test_log_level_filter_and_sink),
	    cmocka_unit_test(test_log_default_sink_writes_stderr),
	};
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_virtual_clock_moves_only_when_told, setup),
	    cmocka_unit_test_setup(test_timers_fire_in_expiry_order_with_now_at_expiry, setup),
	    cmocka_unit_test_setup(test_callback_rearms_itself_and_others, setup),
	    cmocka_unit_test_setup(test_rearm_and_disarm, setup),
	    cmocka_unit_test_setup(test_monotonic_clock, setup),
	    cmocka_unit_test_setup(test_duration_parse, setup),
	};
	int failed;

	failed = cmocka_run_group_tests_name("clock", tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("log", log_tests, NULL, NULL);
	return failed;
}
