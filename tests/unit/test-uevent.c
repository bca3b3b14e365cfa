/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apsim/uevent.h"

/* Renders with fn into a string (open_memstream). */
static char *render(int (*fn)(const struct apsim_uevent *, FILE *), const struct apsim_uevent *ev,
		    int *ret)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	assert_non_null(f);
	*ret = fn(ev, f);
	fclose(f);
	return s;
}

static void test_action_names(void **state)
{
	static const char *const names[] = {"add", "remove", "change", "bind", "unbind"};
	enum apsim_uevent_action a;
	unsigned i;

	(void) state;
	for (i = 0; i < 5; i++) {
		assert_string_equal(apsim_uevent_action_name((enum apsim_uevent_action) i),
				    names[i]);
		assert_int_equal(apsim_uevent_action_from_name(names[i], &a), 0);
		assert_int_equal(a, i);
	}
	assert_null(apsim_uevent_action_name(_APSIM_UEVENT_MAX));
	assert_int_equal(apsim_uevent_action_from_name("move", &a), -EINVAL);
	assert_int_equal(apsim_uevent_action_from_name("ADD", &a), -EINVAL);
}

static void test_emit_env_order_and_print(void **state)
{
	struct apsim_uevent_log *log;
	const struct apsim_uevent *ev;
	const char *const dev_vars[] = {"DEV_TYPE=000D", "MODALIAS=ap:t0D", "MODE=cca", NULL};
	const char *const extra[] = {"APMASK=0xff00\n", NULL};
	char *s;
	int r;

	(void) state;
	assert_int_equal(apsim_uevent_log_new(&log), 0);
	assert_int_equal(apsim_uevent_log_count(log), 0);
	assert_null(apsim_uevent_log_get(log, 0));
	assert_int_equal(apsim_uevent_emit(log, 12345678, APSIM_UEVENT_ADD, "/devices/ap/card04",
					   "ap", NULL, dev_vars),
			 0);
	assert_int_equal(
	    apsim_uevent_emit(log, 2000001, APSIM_UEVENT_CHANGE, "/devices/ap", "ap", extra, NULL),
	    0);
	assert_int_equal(apsim_uevent_log_count(log), 2);

	ev = apsim_uevent_log_get(log, 0);
	assert_non_null(ev);
	assert_int_equal(ev->seqnum, 1);
	assert_int_equal(ev->usec, 12345678);
	assert_int_equal(ev->action, APSIM_UEVENT_ADD);
	assert_string_equal(ev->devpath, "/devices/ap/card04");
	assert_string_equal(ev->subsystem, "ap");
	assert_int_equal(ev->n_env, 7);
	assert_string_equal(ev->env[0], "ACTION=add");
	assert_string_equal(ev->env[1], "DEVPATH=/devices/ap/card04");
	assert_string_equal(ev->env[2], "SUBSYSTEM=ap");
	assert_string_equal(ev->env[3], "DEV_TYPE=000D");
	assert_string_equal(ev->env[4], "MODALIAS=ap:t0D");
	assert_string_equal(ev->env[5], "MODE=cca");
	assert_string_equal(ev->env[6], "SEQNUM=1");

	s = render(apsim_uevent_print, ev, &r);
	assert_int_equal(r, 0);
	assert_string_equal(s, "KERNEL[12.345678] add      /devices/ap/card04 (ap)\n"
			       "ACTION=add\n"
			       "DEVPATH=/devices/ap/card04\n"
			       "SUBSYSTEM=ap\n"
			       "DEV_TYPE=000D\n"
			       "MODALIAS=ap:t0D\n"
			       "MODE=cca\n"
			       "SEQNUM=1\n"
			       "\n");
	free(s);
	s = render(apsim_uevent_print_json, ev, &r);
	assert_int_equal(r, 0);
	assert_string_equal(s, "{\"seqnum\":1,\"usec\":12345678,\"action\":\"add\","
			       "\"devpath\":\"/devices/ap/card04\",\"subsystem\":\"ap\","
			       "\"env\":{\"ACTION\":\"add\",\"DEVPATH\":\"/devices/ap/card04\","
			       "\"SUBSYSTEM\":\"ap\",\"DEV_TYPE\":\"000D\",\"MODALIAS\":\"ap:t0D\","
			       "\"MODE\":\"cca\",\"SEQNUM\":\"1\"}}\n");
	free(s);

	/* spec 2.5: the APMASK value ends with a newline, printed as is */
	ev = apsim_uevent_log_get(log, 1);
	assert_int_equal(ev->seqnum, 2);
	s = render(apsim_uevent_print, ev, &r);
	assert_int_equal(r, 0);
	assert_string_equal(s, "KERNEL[2.000001] change   /devices/ap (ap)\n"
			       "ACTION=change\n"
			       "DEVPATH=/devices/ap\n"
			       "SUBSYSTEM=ap\n"
			       "APMASK=0xff00\n\n"
			       "SEQNUM=2\n"
			       "\n");
	free(s);
	s = render(apsim_uevent_print_json, ev, &r);
	assert_int_equal(r, 0);
	assert_string_equal(s,
			    "{\"seqnum\":2,\"usec\":2000001,\"action\":\"change\","
			    "\"devpath\":\"/devices/ap\",\"subsystem\":\"ap\","
			    "\"env\":{\"ACTION\":\"change\",\"DEVPATH\":\"/devices/ap\","
			    "\"SUBSYSTEM\":\"ap\",\"APMASK\":\"0xff00\\n\",\"SEQNUM\":\"2\"}}\n");
	free(s);
	apsim_uevent_log_free(log);
}

static void test_unbind_padding(void **state)
{
	struct apsim_uevent_log *log;
	const char *const vars[] = {"DRIVER=vfio_ap", NULL};
	char *s;
	int r;

	(void) state;
	assert_int_equal(apsim_uevent_log_new(&log), 0);
	assert_int_equal(apsim_uevent_emit(log, 0, APSIM_UEVENT_UNBIND,
					   "/devices/ap/card04/04.0020", "ap", NULL, vars),
			 0);
	s = render(apsim_uevent_print, apsim_uevent_log_get(log, 0), &r);
	assert_int_equal(r, 0);
	assert_string_equal(s, "KERNEL[0.000000] unbind   /devices/ap/card04/04.0020 (ap)\n"
			       "ACTION=unbind\n"
			       "DEVPATH=/devices/ap/card04/04.0020\n"
			       "SUBSYSTEM=ap\n"
			       "DRIVER=vfio_ap\n"
			       "SEQNUM=1\n"
			       "\n");
	free(s);
	apsim_uevent_log_free(log);
}

struct seen {
	uint64_t seqnums[16];
	char devpaths[16][64];
	size_t count_at_call[16];
	int n;
	struct apsim_uevent_log *log;
	int self_id;
	int remove_self;
};

static void listener(const struct apsim_uevent *ev, void *ctx)
{
	struct seen *s = ctx;

	s->seqnums[s->n] = ev->seqnum;
	snprintf(s->devpaths[s->n], sizeof(s->devpaths[s->n]), "%s", ev->devpath);
	s->count_at_call[s->n] = apsim_uevent_log_count(s->log);
	s->n++;
	if (s->remove_self)
		apsim_uevent_log_remove_listener(s->log, s->self_id);
}

static void test_listeners_and_seqnums(void **state)
{
	struct apsim_uevent_log *log;
	struct seen a = {0}, b = {0};
	int ida, idb, i;

	(void) state;
	assert_int_equal(apsim_uevent_log_new(&log), 0);
	a.log = b.log = log;
	ida = apsim_uevent_log_add_listener(log, listener, &a);
	idb = apsim_uevent_log_add_listener(log, listener, &b);
	assert_int_equal(ida, 0);
	assert_int_equal(idb, 1);
	assert_int_equal(apsim_uevent_log_add_listener(log, NULL, &b), -EINVAL);
	b.self_id = idb;
	b.remove_self = 1;

	for (i = 0; i < 3; i++) {
		char p[32];

		snprintf(p, sizeof(p), "/devices/ap/card%02x", i);
		assert_int_equal(
		    apsim_uevent_emit(log, (uint64_t) i, APSIM_UEVENT_REMOVE, p, "ap", NULL, NULL),
		    0);
	}
	/* a saw all three, after each was appended; b removed itself after the first */
	assert_int_equal(a.n, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(a.seqnums[i], (uint64_t) i + 1);
		assert_int_equal(a.count_at_call[i], (size_t) i + 1);
	}
	assert_string_equal(a.devpaths[2], "/devices/ap/card02");
	assert_int_equal(b.n, 1);
	/* the freed id is reused */
	assert_int_equal(apsim_uevent_log_add_listener(log, listener, &b), idb);
	apsim_uevent_log_remove_listener(log, ida);
	apsim_uevent_log_remove_listener(log, 99);
	b.remove_self = 0;
	assert_int_equal(
	    apsim_uevent_emit(log, 9, APSIM_UEVENT_BIND, "/devices/ap/card00", "ap", NULL, NULL),
	    0);
	assert_int_equal(a.n, 3);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.seqnums[1], 4);

	/* argument errors emit nothing and consume no seqnum */
	assert_int_equal(apsim_uevent_emit(log, 0, APSIM_UEVENT_ADD, NULL, "ap", NULL, NULL),
			 -EINVAL);
	assert_int_equal(apsim_uevent_emit(log, 0, _APSIM_UEVENT_MAX, "/x", "ap", NULL, NULL),
			 -EINVAL);
	assert_int_equal(apsim_uevent_log_count(log), 4);
	assert_int_equal(apsim_uevent_emit(log, 0, APSIM_UEVENT_ADD, "/x", "ap", NULL, NULL), 0);
	assert_int_equal(apsim_uevent_log_get(log, 4)->seqnum, 5);
	apsim_uevent_log_free(log);
}

static void test_too_many_env(void **state)
{
	struct apsim_uevent_log *log;
	const char *vars[APSIM_UEVENT_MAX_ENV];
	unsigned i;

	(void) state;
	assert_int_equal(apsim_uevent_log_new(&log), 0);
	/* 3 fixed + 28 + SEQNUM = 32 fits; one more does not */
	for (i = 0; i < 28; i++)
		vars[i] = "K=V";
	vars[28] = NULL;
	assert_int_equal(apsim_uevent_emit(log, 0, APSIM_UEVENT_ADD, "/x", "ap", NULL, vars), 0);
	assert_int_equal(apsim_uevent_log_get(log, 0)->n_env, APSIM_UEVENT_MAX_ENV);
	vars[28] = "K=V";
	vars[29] = NULL;
	assert_int_equal(apsim_uevent_emit(log, 0, APSIM_UEVENT_ADD, "/x", "ap", NULL, vars),
			 -ENOMEM);
	assert_int_equal(apsim_uevent_log_count(log), 1);
	apsim_uevent_log_free(log);
}

static void test_cap_drops_oldest_half(void **state)
{
	struct apsim_uevent_log *log;
	unsigned i;

	(void) state;
	assert_int_equal(apsim_uevent_log_new(&log), 0);
	assert_int_equal(apsim_uevent_log_set_cap(log, 1), -EINVAL);
	assert_int_equal(apsim_uevent_log_set_cap(log, 100), 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(
		    apsim_uevent_emit(log, i, APSIM_UEVENT_CHANGE, "/devices/ap", "ap", NULL, NULL),
		    0);
	assert_int_equal(apsim_uevent_log_count(log), 100);
	assert_int_equal(apsim_uevent_log_get(log, 0)->seqnum, 1);
	/* the 101st drops events 1..50 */
	assert_int_equal(
	    apsim_uevent_emit(log, 100, APSIM_UEVENT_CHANGE, "/devices/ap", "ap", NULL, NULL), 0);
	assert_int_equal(apsim_uevent_log_count(log), 51);
	assert_int_equal(apsim_uevent_log_get(log, 0)->seqnum, 51);
	assert_int_equal(apsim_uevent_log_get(log, 50)->seqnum, 101);
	assert_string_equal(apsim_uevent_log_get(log, 50)->env[3], "SEQNUM=101");
	assert_null(apsim_uevent_log_get(log, 51));
	apsim_uevent_log_free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_action_names),   cmocka_unit_test(test_emit_env_order_and_print),
	    cmocka_unit_test(test_unbind_padding), cmocka_unit_test(test_listeners_and_seqnums),
	    cmocka_unit_test(test_too_many_env),   cmocka_unit_test(test_cap_drops_oldest_half),
	};
	return cmocka_run_group_tests_name("uevent", tests, NULL, NULL);
}
