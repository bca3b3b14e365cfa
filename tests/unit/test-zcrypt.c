/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the default AP drivers (lib/zcrypt/cex4.c): cex4card / cex4queue binding, the
 * type, online and load attributes, online propagation and its uevents.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apsim/apsim.h"
#include "bus/bus-internal.h"

struct fixture {
	struct apsim_machine *m;
	struct apsim_clock *clock;
	struct apsim_tree *tree;
	struct apsim_uevent_log *log;
	struct apsim_bus *bus;
	struct apsim_zcrypt *zc;
	size_t mark;
	char buf[APSIM_SYSFS_PAGE + 1];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(apsim_machine_new_empty(&f->m), 0);
	apsim_machine_set_notify(f->m, false);
	assert_int_equal(apsim_clock_new_virtual(&f->clock), 0);
	assert_int_equal(apsim_tree_new(&f->tree), 0);
	assert_int_equal(apsim_uevent_log_new(&f->log), 0);
	struct apsim_bus_config cfg = {
		.ops = apsim_machine_ap_ops(), .ops_ctx = f->m, .tree = f->tree, .uevents = f->log,
		.clock = f->clock, .domain_param = -1,
	};
	assert_int_equal(apsim_bus_new(&cfg, &f->bus), 0);
	assert_int_equal(apsim__zcrypt_new(f->bus, &f->zc), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	apsim__zcrypt_free(f->zc);
	apsim_bus_free(f->bus);
	apsim_uevent_log_free(f->log);
	apsim_tree_free(f->tree);
	apsim_clock_free(f->clock);
	apsim_machine_free(f->m);
	free(f);
	return 0;
}

static void card_add(struct fixture *f, unsigned apid, const char *type)
{
	struct apsim_card_spec spec;

	assert_int_equal(apsim_card_type_parse(type, &spec), 0);
	assert_int_equal(apsim_machine_card_add(f->m, apid, &spec), 0);
}

static void lpar(struct fixture *f, enum apsim_lpar_set set, const char *list)
{
	struct apsim_mask m;

	assert_int_equal(apsim_mask_parse_list(list, &m), 0);
	assert_int_equal(apsim_machine_lpar_change(f->m, set, true, &m), 0);
}

static const char *rd(struct fixture *f, const char *path)
{
	ssize_t n = apsim_tree_read(f->tree, path, f->buf, APSIM_SYSFS_PAGE);

	if (n < 0) {
		snprintf(f->buf, sizeof(f->buf), "<error %zd>", n);
		return f->buf;
	}
	f->buf[n] = '\0';
	return f->buf;
}

static ssize_t wr(struct fixture *f, const char *path, const char *s)
{
	return apsim_tree_write(f->tree, path, s, strlen(s));
}

static bool exists(struct fixture *f, const char *path)
{
	struct apsim_node_info info;

	return apsim_tree_lookup(f->tree, path, &info) == 0;
}

/* "action devpath|first extra env" of the events since the mark, then moves the mark */
static void expect_events(struct fixture *f, ...)
{
	const char *want;
	char got[512];
	size_t i = f->mark;
	va_list ap;

	va_start(ap, f);
	while ((want = va_arg(ap, const char *))) {
		const struct apsim_uevent *ev;

		if (i >= apsim_uevent_log_count(f->log))
			fail_msg("missing event: %s", want);
		ev = apsim_uevent_log_get(f->log, i);
		/* env[3] is the first extra variable (after ACTION, DEVPATH, SUBSYSTEM) */
		snprintf(got, sizeof(got), "%s %s|%s", apsim_uevent_action_name(ev->action), ev->devpath,
			 ev->n_env > 3 ? ev->env[3] : "");
		assert_string_equal(got, want);
		i++;
	}
	va_end(ap);
	assert_int_equal(i, apsim_uevent_log_count(f->log));
	f->mark = i;
}

static void mark(struct fixture *f)
{
	f->mark = apsim_uevent_log_count(f->log);
}

/* ------------------------------------------------------------------------------------- */

static void test_type_strings(void **state)
{
	struct fixture *f = *state;
	static const char *const types[] = { "CEX4A", "CEX5C", "CEX6P", "CEX7C", "CEX8P", "CEX8A" };

	for (unsigned i = 0; i < 6; i++)
		card_add(f, i, types[i]);
	lpar(f, APSIM_LPAR_ADAPTER, "0-5");
	lpar(f, APSIM_LPAR_DOMAIN, "1");
	apsim_bus_scan(f->bus);
	for (unsigned i = 0; i < 6; i++) {
		char path[64], want[16];

		snprintf(path, sizeof(path), "devices/ap/card%02x/type", i);
		snprintf(want, sizeof(want), "%s\n", types[i]);
		assert_string_equal(rd(f, path), want);
		snprintf(path, sizeof(path), "devices/ap/card%02x/load", i);
		assert_string_equal(rd(f, path), "0\n");
		snprintf(path, sizeof(path), "devices/ap/card%02x/%02x.0001/load", i, i);
		assert_string_equal(rd(f, path), "0\n");
	}
	assert_string_equal(rd(f, "devices/ap/card02/uevent"),
			    "DEVTYPE=ap_card\nDRIVER=cex4card\nDEV_TYPE=000C\nMODALIAS=ap:t0C\nMODE=ep11\n");
	assert_string_equal(rd(f, "devices/ap/card00/hwtype"), "10\n");
	assert_string_equal(rd(f, "bus/ap/bindings"), "6/6 (complete)\n");
}

static void test_card_without_mode_is_refused(void **state)
{
	struct fixture *f = *state;
	struct apsim_card_spec spec;

	assert_int_equal(apsim_card_type_parse("CEX8C", &spec), 0);
	spec.functions &= ~(APSIM_FAC_ACCEL | APSIM_FAC_CCA | APSIM_FAC_EP11);
	assert_int_equal(apsim_machine_card_add(f->m, 3, &spec), 0);
	lpar(f, APSIM_LPAR_ADAPTER, "3");
	lpar(f, APSIM_LPAR_DOMAIN, "2");
	apsim_bus_scan(f->bus);
	assert_true(exists(f, "devices/ap/card03"));
	assert_false(exists(f, "devices/ap/card03/driver"));
	assert_false(exists(f, "devices/ap/card03/type"));
	assert_false(exists(f, "devices/ap/card03/03.0002/driver"));
	assert_string_equal(rd(f, "bus/ap/bindings"), "0/1\n");
	/* and no MODE= in its uevent variables */
	assert_string_equal(rd(f, "devices/ap/card03/uevent"),
			    "DEVTYPE=ap_card\nDEV_TYPE=000E\nMODALIAS=ap:t0E\n");
	assert_int_equal(wr(f, "bus/ap/drivers/cex4card/bind", "card03"), -ENODEV);
}

static void test_online_propagation(void **state)
{
	struct fixture *f = *state;

	card_add(f, 5, "CEX7C");
	lpar(f, APSIM_LPAR_ADAPTER, "5");
	lpar(f, APSIM_LPAR_DOMAIN, "1,2,3");
	apsim_bus_scan(f->bus);
	mark(f);

	/* one queue offline first: its own ONLINE=0 */
	assert_int_equal(wr(f, "devices/ap/card05/05.0002/online", "0"), 1);
	expect_events(f, "change /devices/ap/card05/05.0002|ONLINE=0", NULL);
	assert_string_equal(rd(f, "devices/ap/card05/05.0002/online"), "0\n");
	/* the same value again: the kernel sends it again */
	assert_int_equal(wr(f, "devices/ap/card05/05.0002/online", "0\n"), 2);
	expect_events(f, "change /devices/ap/card05/05.0002|ONLINE=0", NULL);

	/* card offline: the card's uevent, then those of the queues that changed */
	assert_int_equal(wr(f, "devices/ap/card05/online", "0"), 1);
	expect_events(f,
		      "change /devices/ap/card05|ONLINE=0",
		      "change /devices/ap/card05/05.0001|ONLINE=0",
		      "change /devices/ap/card05/05.0003|ONLINE=0",
		      NULL);
	assert_string_equal(rd(f, "devices/ap/card05/online"), "0\n");
	assert_string_equal(rd(f, "devices/ap/card05/05.0001/online"), "0\n");
	/* a queue cannot go online while its card is offline */
	assert_int_equal(wr(f, "devices/ap/card05/05.0001/online", "1"), -EINVAL);
	/* but offline is always fine */
	assert_int_equal(wr(f, "devices/ap/card05/05.0001/online", "0"), 1);
	expect_events(f, "change /devices/ap/card05/05.0001|ONLINE=0", NULL);

	/* card online: every queue comes back */
	assert_int_equal(wr(f, "devices/ap/card05/online", "1\n"), 2);
	expect_events(f,
		      "change /devices/ap/card05|ONLINE=1",
		      "change /devices/ap/card05/05.0001|ONLINE=1",
		      "change /devices/ap/card05/05.0002|ONLINE=1",
		      "change /devices/ap/card05/05.0003|ONLINE=1",
		      NULL);
	assert_string_equal(rd(f, "devices/ap/card05/05.0002/online"), "1\n");
	/* unchanged card value: only the card's uevent */
	assert_int_equal(wr(f, "devices/ap/card05/online", "1"), 1);
	expect_events(f, "change /devices/ap/card05|ONLINE=1", NULL);

	/* parsing: sscanf %d, 0 or 1 */
	assert_int_equal(wr(f, "devices/ap/card05/online", "2"), -EINVAL);
	assert_int_equal(wr(f, "devices/ap/card05/online", "on"), -EINVAL);
	assert_int_equal(wr(f, "devices/ap/card05/online", "-1"), -EINVAL);
	assert_int_equal(wr(f, "devices/ap/card05/05.0001/online", "x"), -EINVAL);
	assert_int_equal(wr(f, "devices/ap/card05/05.0001/online", " 1 trailing"), 11);
	expect_events(f, "change /devices/ap/card05/05.0001|ONLINE=1", NULL);
	assert_int_equal(wr(f, "devices/ap/card05/load", "1"), -EACCES);
}

static void test_online_and_config(void **state)
{
	struct fixture *f = *state;

	card_add(f, 5, "CEX7C");
	lpar(f, APSIM_LPAR_ADAPTER, "5");
	lpar(f, APSIM_LPAR_DOMAIN, "1");
	apsim_bus_scan(f->bus);
	/* deconfigured: online reads 0 and cannot be set */
	assert_int_equal(wr(f, "devices/ap/card05/config", "0"), 1);
	assert_string_equal(rd(f, "devices/ap/card05/online"), "0\n");
	assert_string_equal(rd(f, "devices/ap/card05/05.0001/online"), "0\n");
	assert_int_equal(wr(f, "devices/ap/card05/online", "1"), -ENODEV);
	assert_int_equal(wr(f, "devices/ap/card05/05.0001/online", "1"), -ENODEV);
	mark(f);
	assert_int_equal(wr(f, "devices/ap/card05/online", "0"), 1);
	expect_events(f,
		      "change /devices/ap/card05|ONLINE=0",
		      "change /devices/ap/card05/05.0001|ONLINE=0",
		      NULL);
	/* configured again: the zcrypt states stay as they were set */
	assert_int_equal(wr(f, "devices/ap/card05/config", "1"), 1);
	assert_string_equal(rd(f, "devices/ap/card05/online"), "0\n");
	assert_int_equal(wr(f, "devices/ap/card05/online", "1"), 1);
	assert_string_equal(rd(f, "devices/ap/card05/05.0001/online"), "1\n");
}

static void test_card_unbound(void **state)
{
	struct fixture *f = *state;

	card_add(f, 5, "CEX7C");
	lpar(f, APSIM_LPAR_ADAPTER, "5");
	lpar(f, APSIM_LPAR_DOMAIN, "1,2");
	apsim_bus_scan(f->bus);
	assert_int_equal(wr(f, "devices/ap/card05/online", "0"), 1);
	/* unbinding the card removes its zcrypt attributes; the queue keeps its own */
	assert_int_equal(wr(f, "bus/ap/drivers/cex4card/unbind", "card05"), 6);
	assert_false(exists(f, "devices/ap/card05/online"));
	assert_false(exists(f, "devices/ap/card05/type"));
	assert_string_equal(rd(f, "devices/ap/card05/05.0001/online"), "0\n");
	assert_int_equal(wr(f, "devices/ap/card05/05.0001/online", "1"), -EINVAL);
	/* a queue cannot bind to cex4queue while its card has no zcrypt card */
	assert_int_equal(wr(f, "bus/ap/drivers/cex4queue/unbind", "05.0002"), 7);
	assert_int_equal(wr(f, "bus/ap/drivers/cex4queue/bind", "05.0002"), -ENODEV);
	/* bound again: a fresh zcrypt card, online */
	assert_int_equal(wr(f, "bus/ap/drivers/cex4card/bind", "card05"), 6);
	assert_string_equal(rd(f, "devices/ap/card05/online"), "1\n");
	assert_int_equal(wr(f, "bus/ap/drivers/cex4queue/bind", "05.0002"), 7);
	assert_string_equal(rd(f, "devices/ap/card05/05.0002/online"), "1\n");
	/* the old queue still refers to the old (offline) zcrypt card */
	assert_int_equal(wr(f, "devices/ap/card05/05.0001/online", "1"), -EINVAL);
	/* but the new card's online store reaches only the queues of the new card object */
	mark(f);
	assert_int_equal(wr(f, "devices/ap/card05/online", "0"), 1);
	expect_events(f,
		      "change /devices/ap/card05|ONLINE=0",
		      "change /devices/ap/card05/05.0002|ONLINE=0",
		      NULL);
}

static void test_unregister(void **state)
{
	struct fixture *f = *state;

	card_add(f, 5, "CEX7C");
	lpar(f, APSIM_LPAR_ADAPTER, "5");
	lpar(f, APSIM_LPAR_DOMAIN, "1");
	apsim_bus_scan(f->bus);
	apsim__zcrypt_free(f->zc);
	f->zc = NULL;
	assert_false(exists(f, "bus/ap/drivers/cex4card"));
	assert_false(exists(f, "bus/ap/drivers/cex4queue"));
	assert_false(exists(f, "devices/ap/card05/online"));
	assert_false(exists(f, "devices/ap/card05/05.0001/online"));
	assert_string_equal(rd(f, "bus/ap/bindings"), "0/1\n");
	/* registered again: everything binds at once */
	assert_int_equal(apsim__zcrypt_new(f->bus, &f->zc), 0);
	assert_string_equal(rd(f, "devices/ap/card05/05.0001/online"), "1\n");
	assert_string_equal(rd(f, "bus/ap/bindings"), "1/1 (complete)\n");
	apsim__zcrypt_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_type_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_card_without_mode_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_online_propagation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_online_and_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_card_unbound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unregister, setup, teardown),
	};

	return cmocka_run_group_tests_name("zcrypt", tests, NULL, NULL);
}
