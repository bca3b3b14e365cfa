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
#include "fixture.h"

/* ------------------------------------------------------------------------------------- */

static void test_type_strings(void **state)
{
	struct fixture *f = *state;
	static const char *const types[] = { "CEX4A", "CEX5C", "CEX6P", "CEX7C", "CEX8P", "CEX8A" };

	for (unsigned i = 0; i < 6; i++)
		card_add(f, i, types[i]);
	lpar(f, APSIM_LPAR_ADAPTER, true, "0-5");
	lpar(f, APSIM_LPAR_DOMAIN, true, "1");
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
	lpar(f, APSIM_LPAR_ADAPTER, true, "3");
	lpar(f, APSIM_LPAR_DOMAIN, true, "2");
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
	lpar(f, APSIM_LPAR_ADAPTER, true, "5");
	lpar(f, APSIM_LPAR_DOMAIN, true, "1,2,3");
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
	lpar(f, APSIM_LPAR_ADAPTER, true, "5");
	lpar(f, APSIM_LPAR_DOMAIN, true, "1");
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
	lpar(f, APSIM_LPAR_ADAPTER, true, "5");
	lpar(f, APSIM_LPAR_DOMAIN, true, "1,2");
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
	lpar(f, APSIM_LPAR_ADAPTER, true, "5");
	lpar(f, APSIM_LPAR_DOMAIN, true, "1");
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
		cmocka_unit_test_setup_teardown(test_type_strings,
						fixture_setup_zcrypt, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_card_without_mode_is_refused,
						fixture_setup_zcrypt, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_online_propagation,
						fixture_setup_zcrypt, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_online_and_config,
						fixture_setup_zcrypt, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_card_unbound,
						fixture_setup_zcrypt, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_unregister,
						fixture_setup_zcrypt, fixture_teardown),
	};

	return cmocka_run_group_tests_name("zcrypt", tests, NULL, NULL);
}
