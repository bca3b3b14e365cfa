/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the AP bus attributes and parameters (lib/bus/attrs.c, lib/bus/bus.c,
 * lib/base/kstrto.c), over the fixture of fixture.h: the stores and their errnos, the uevent
 * files, the default domain and the ap.* parameters, a machine without QCI, and the kernel
 * string parsers the stores use.
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
#include "base/kstrto-internal.h"
#include "fixture.h"

/* ------------------------------------------------------------------------------------- */

static void test_bus_store_errnos(void **state)
{
	struct fixture *f = *state;

	basic_machine(f);
	apsim_bus_scan(f->bus);

	/* ap_domain: sscanf %i */
	assert_int_equal(wr(f, "bus/ap/ap_domain", "abc"), -EINVAL);
	assert_int_equal(wr(f, "bus/ap/ap_domain", ""), 0);   /* empty write: store not called */
	assert_int_equal(wr(f, "bus/ap/ap_domain", "\n"), -EINVAL);
	assert_int_equal(wr(f, "bus/ap/ap_domain", "85"), -EINVAL);
	assert_int_equal(wr(f, "bus/ap/ap_domain", "-1"), -EINVAL);
	assert_int_equal(wr(f, "bus/ap/ap_domain", "+3"), -EINVAL);
	assert_int_equal(wr(f, "bus/ap/ap_domain", " 0x20junk"), 9);
	assert_string_equal(rd(f, "bus/ap/ap_domain"), "32\n");
	assert_int_equal(wr(f, "bus/ap/ap_domain", "010"), 3);
	assert_string_equal(rd(f, "bus/ap/ap_domain"), "8\n");
	assert_int_equal(wr(f, "bus/ap/ap_domain", "84\n"), 3);
	assert_string_equal(rd(f, "bus/ap/ap_domain"), "84\n");
	assert_int_equal(wr(f, "bus/ap/aqmask", "-6"), 2);
	assert_int_equal(wr(f, "bus/ap/ap_domain", "6"), -EINVAL);
	assert_string_equal(rd(f, "bus/ap/ap_domain"), "84\n");

	/* config_time: sscanf %d, 5..120 */
	assert_int_equal(wr(f, "bus/ap/config_time", "4"), -EINVAL);
	assert_int_equal(wr(f, "bus/ap/config_time", "121"), -EINVAL);
	assert_int_equal(wr(f, "bus/ap/config_time", "0x10"), -EINVAL); /* %d reads the 0 */
	assert_string_equal(rd(f, "bus/ap/config_time"), "30\n");
	assert_int_equal(wr(f, "bus/ap/config_time", "x"), -EINVAL);
	assert_int_equal(wr(f, "bus/ap/config_time", "120 seconds"), 11);
	assert_string_equal(rd(f, "bus/ap/config_time"), "120\n");
	assert_int_equal(wr(f, "bus/ap/config_time", "5\n"), 2);

	/* poll_thread: kstrtobool; no poll thread while interrupts are used */
	assert_int_equal(wr(f, "bus/ap/poll_thread", "maybe"), -EINVAL);
	assert_int_equal(wr(f, "bus/ap/poll_thread", "2"), -EINVAL);
	assert_int_equal(wr(f, "bus/ap/poll_thread", "1"), 1);
	assert_string_equal(rd(f, "bus/ap/poll_thread"), "0\n");
	assert_int_equal(wr(f, "bus/ap/poll_thread", "off\n"), 4);
	assert_int_equal(wr(f, "bus/ap/poll_thread", "yes please"), 10);

	/* poll_timeout: kstrtoul base 0, at most 120 s */
	assert_int_equal(wr(f, "bus/ap/poll_timeout", "abc"), -EINVAL);
	assert_int_equal(wr(f, "bus/ap/poll_timeout", "-1"), -EINVAL);
	assert_int_equal(wr(f, "bus/ap/poll_timeout", "12 "), -EINVAL);
	assert_int_equal(wr(f, "bus/ap/poll_timeout", "120000000001"), -EINVAL);
	assert_int_equal(wr(f, "bus/ap/poll_timeout", "99999999999999999999999"), -ERANGE);
	assert_int_equal(wr(f, "bus/ap/poll_timeout", "+0x10\n"), 6);
	assert_string_equal(rd(f, "bus/ap/poll_timeout"), "16\n");
	assert_int_equal(wr(f, "bus/ap/poll_timeout", "120000000000"), 12);
	assert_string_equal(rd(f, "bus/ap/poll_timeout"), "120000000000\n");

	/* masks */
	assert_int_equal(wr(f, "bus/ap/apmask", "+4-2"), -EINVAL);
	assert_int_equal(wr(f, "bus/ap/apmask", "0X12"), -EINVAL);
	assert_int_equal(wr(f, "bus/ap/apmask", "+256"), -EINVAL);

	/* read-only attributes */
	assert_int_equal(wr(f, "bus/ap/bindings", "1"), -EACCES);
	assert_int_equal(wr(f, "bus/ap/features", "1"), -EACCES);
	assert_int_equal(wr(f, "devices/ap/card04/hwtype", "1"), -EACCES);
	assert_int_equal(wr(f, "devices/ap/card04/04.0005/config", "1"), -EACCES);

	/* drivers_probe / drivers_autoprobe */
	assert_int_equal(wr(f, "bus/ap/drivers_probe", "04.0099"), -ENODEV);
	assert_int_equal(wr(f, "bus/ap/drivers_probe", "04.0005\n"), 8);
	assert_int_equal(wr(f, "bus/ap/drivers_autoprobe", "0"), 1);
	assert_string_equal(rd(f, "bus/ap/drivers_autoprobe"), "0\n");
	assert_int_equal(wr(f, "bus/ap/drivers_autoprobe", "x"), 1);
	assert_string_equal(rd(f, "bus/ap/drivers_autoprobe"), "1\n");

	/* request_count resets */
	struct apsim_queue *aq = to_apsim_queue(apsim_bus_find_queue(f->bus, 0x0405));
	aq->total_request_count = 17;
	to_apsim_card(apsim_bus_find_card(f->bus, 4))->total_request_count = 42;
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/request_count"), "17\n");
	assert_string_equal(rd(f, "devices/ap/card04/request_count"), "42\n");
	assert_int_equal(wr(f, "devices/ap/card04/request_count", "x"), 1);
	assert_string_equal(rd(f, "devices/ap/card04/request_count"), "0\n");
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/request_count"), "0\n");
	aq->total_request_count = 3;
	assert_int_equal(wr(f, "devices/ap/card04/04.0005/request_count", "0"), 1);
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/request_count"), "0\n");

	/* queue reset store restarts the reset */
	assert_int_equal(apsim_clock_advance(f->clock, APSIM_NSEC_PER_SEC), 0);
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/reset"), "No Reset Timer set.\n");
	assert_int_equal(wr(f, "devices/ap/card04/04.0005/reset", "1"), 1);
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/reset"), "Reset in progress.\n");
	assert_int_equal(apsim_clock_advance(f->clock, APSIM_NSEC_PER_SEC), 0);
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/reset"), "No Reset Timer set.\n");
}

static void test_uevent_files(void **state)
{
	struct fixture *f = *state;

	basic_machine(f);
	apsim_bus_scan(f->bus);
	mark(f);
	assert_int_equal(wr(f, "devices/ap/card04/uevent", "change"), 6);
	assert_int_equal(wr(f, "devices/ap/card04/04.0005/uevent", "add\n"), 4);
	assert_int_equal(wr(f, "devices/ap/uevent", "change"), 6);
	assert_int_equal(wr(f, "devices/ap/card04/uevent",
			    "change 12345678-1234-abcd-ABCD-123456789abc KEY=v1 X=2\n"), 55);
	assert_int_equal(wr(f, "bus/ap/uevent", "add"), 3);
	assert_int_equal(wr(f, "bus/ap/drivers/cex4card/uevent", "remove"), 6);
	expect_events(f,
		      "change /devices/ap/card04 ap|SYNTH_UUID=0|" CARD4_BOUND,
		      "add /devices/ap/card04/04.0005 ap|SYNTH_UUID=0|DEVTYPE=ap_queue|DRIVER=cex4queue|MODE=cca",
		      "change /devices/ap ap|SYNTH_UUID=0",
		      "change /devices/ap/card04 ap|SYNTH_UUID=12345678-1234-abcd-ABCD-123456789abc|"
		      "SYNTH_ARG_KEY=v1|SYNTH_ARG_X=2|" CARD4_BOUND,
		      "add /bus/ap bus|SYNTH_UUID=0",
		      "remove /bus/ap/drivers/cex4card drivers|SYNTH_UUID=0",
		      NULL);
	assert_int_equal(wr(f, "devices/ap/card04/uevent", "foo"), -EINVAL);
	assert_int_equal(wr(f, "devices/ap/card04/uevent", "chang"), -EINVAL);
	assert_int_equal(wr(f, "devices/ap/card04/uevent", "change "), -EINVAL);
	assert_int_equal(wr(f, "devices/ap/card04/uevent", "change not-a-uuid"), -EINVAL);
	assert_int_equal(wr(f, "devices/ap/card04/uevent",
			    "change 12345678-1234-abcd-ABCD-123456789abc K"), -EINVAL);
	assert_int_equal(wr(f, "devices/ap/card04/uevent",
			    "change 12345678-1234-abcd-ABCD-123456789abc K=v!"), -EINVAL);
	/* valid kernel actions the log cannot show are accepted */
	assert_int_equal(wr(f, "devices/ap/card04/uevent", "online"), 6);
	assert_int_equal(nevents(f), 0);
}

static void test_select_domain_and_param(void **state)
{
	struct fixture *f = *state;
	struct apsim_bus *bus2;
	struct apsim_tree *t2;

	/* a domain in aqmask with no usable queue is skipped */
	card_add(f, 4, "CEX8C");
	lpar(f, APSIM_LPAR_ADAPTER, true, "4,6");
	lpar(f, APSIM_LPAR_DOMAIN, true, "3,9");
	assert_int_equal(apsim_bus_set_aqmask(f->bus, "-3"), 0);
	apsim_bus_scan(f->bus);
	assert_string_equal(rd(f, "bus/ap/ap_domain"), "9\n");

	/* ap.domain=, ap.apmask=, ap.aqmask= parameters */
	assert_int_equal(apsim_tree_new(&t2), 0);
	struct apsim_bus_config cfg = {
		.ops = apsim_machine_ap_ops(), .ops_ctx = f->m, .tree = t2,
		.apmask_param = "+1-3", .aqmask_param = "0x08", .domain_param = 4,
	};
	assert_int_equal(apsim_bus_new(&cfg, &bus2), 0);
	assert_int_equal(apsim_tree_read(t2, "bus/ap/ap_domain", f->buf, 100), 2);
	assert_memory_equal(f->buf, "4\n", 2);
	assert_int_equal(apsim_tree_read(t2, "bus/ap/apmask", f->buf, 100), 67);
	assert_memory_equal(f->buf, "0x7000000000000000000000000000000000000000000000000000000000000000\n", 67);
	apsim_bus_free(bus2);
	/* a domain not in aqmask is not valid: -1 */
	cfg.domain_param = 5;
	assert_int_equal(apsim_bus_new(&cfg, &bus2), 0);
	assert_int_equal(apsim_tree_read(t2, "bus/ap/ap_domain", f->buf, 100), 3);
	assert_memory_equal(f->buf, "-1\n", 3);
	/* a second bus in the same tree is refused */
	assert_int_equal(apsim_bus_new(&cfg, &(struct apsim_bus *) { NULL }), -EEXIST);
	apsim_bus_free(bus2);
	/* no uevent log, no clock: still works */
	cfg.domain_param = -1;
	cfg.apmask_param = NULL;
	cfg.aqmask_param = NULL;
	assert_int_equal(apsim_bus_new(&cfg, &bus2), 0);
	assert_int_equal(apsim_bus_scan(bus2), 0);
	assert_non_null(apsim_bus_find_card(bus2, 4));
	apsim_bus_free(bus2);
	apsim_tree_free(t2);
}

static void test_no_qci(void **state)
{
	struct fixture *f = *state;
	struct apsim_bus *bus2;
	struct apsim_tree *t2;
	struct testdrv td;

	/* without QCI: defaults 63/15, every id up to the maxima is scanned, no callbacks */
	card_add(f, 2, "CEX6P");
	lpar(f, APSIM_LPAR_ADAPTER, true, "2");
	lpar(f, APSIM_LPAR_DOMAIN, true, "1");
	apsim_machine_set_qci_available(f->m, false);
	assert_int_equal(apsim_tree_new(&t2), 0);
	struct apsim_bus_config cfg = {
		.ops = apsim_machine_ap_ops(), .ops_ctx = f->m, .tree = t2, .domain_param = -1,
	};
	assert_int_equal(apsim_bus_new(&cfg, &bus2), 0);
	testdrv_init(&td, f);
	assert_int_equal(apsim_bus_driver_register(bus2, &td.drv), 0);
	assert_int_equal(apsim_bus_scan(bus2), 0);
	assert_int_equal(td.n_config_changed, 0);
	assert_int_equal(apsim_tree_read(t2, "bus/ap/ap_adapter_mask", f->buf, 100), 14);
	assert_memory_equal(f->buf, "not supported\n", 14);
	assert_int_equal(apsim_tree_read(t2, "bus/ap/features", f->buf, 100), 2);
	assert_memory_equal(f->buf, "-\n", 2);
	assert_int_equal(apsim_tree_read(t2, "bus/ap/ap_max_adapter_id", f->buf, 100), 3);
	assert_memory_equal(f->buf, "63\n", 3);
	assert_int_equal(apsim_bus_get_qci(bus2, &(struct apsim_qci) { 0 }), -EOPNOTSUPP);
	assert_non_null(apsim_bus_find_queue(bus2, 0x0201));
	apsim_bus_free(bus2);
	assert_null(td.drv.bus);

	/* QCI present but no flag at all: treated as not supported; features reads empty */
	apsim_machine_set_qci_available(f->m, true);
	apsim_machine_set_qci_flags(f->m, 0);
	assert_int_equal(apsim_bus_new(&cfg, &bus2), 0);
	assert_int_equal(apsim_tree_read(t2, "bus/ap/features", f->buf, 100), 2);
	apsim_bus_free(bus2);
	apsim_machine_set_qci_flags(f->m, APSIM_QCI_APXA);
	assert_int_equal(apsim_bus_new(&cfg, &bus2), 0);
	assert_int_equal(apsim_tree_read(t2, "bus/ap/features", f->buf, 100), 5);
	assert_memory_equal(f->buf, "APXA\n", 5);
	bus2->qci.flags = 0x00010000; /* a reserved flag bit only */
	assert_int_equal(apsim_tree_read(t2, "bus/ap/features", f->buf, 100), 0);
	apsim_bus_free(bus2);
	apsim_tree_free(t2);
}

/* lib/base/kstrto.c, used by the stores above and by vfio_ap */
static void test_kstrto_parsers(void **state)
{
	unsigned long long ull;
	unsigned long ul = 77;
	unsigned u;
	bool b;
	int i;

	(void) state;
	assert_int_equal(apsim__kstrtoul("0", 0, &ul), 0);
	assert_int_equal(ul, 0);
	assert_int_equal(apsim__kstrtoul("+5\n", 0, &ul), 0);
	assert_int_equal(ul, 5);
	assert_int_equal(apsim__kstrtoul("010", 0, &ul), 0);
	assert_int_equal(ul, 8);
	assert_int_equal(apsim__kstrtoul("0X1f", 0, &ul), 0);
	assert_int_equal(ul, 31);
	assert_int_equal(apsim__kstrtoul("0x49", 16, &ul), 0);
	assert_int_equal(ul, 0x49);
	assert_int_equal(apsim__kstrtoul("18446744073709551615", 0, &ul), 0);
	assert_true(ul == 18446744073709551615ul);
	ul = 77;
	assert_int_equal(apsim__kstrtoul("18446744073709551616", 0, &ul), -ERANGE);
	assert_int_equal(apsim__kstrtoul("0x10000000000000000", 0, &ul), -ERANGE);
	assert_int_equal(apsim__kstrtoul("0x", 0, &ul), -EINVAL);
	assert_int_equal(apsim__kstrtoul("09", 0, &ul), -EINVAL);
	assert_int_equal(apsim__kstrtoul("5\n\n", 0, &ul), -EINVAL);
	assert_int_equal(apsim__kstrtoul(" 5", 0, &ul), -EINVAL);
	assert_int_equal(apsim__kstrtoul("5 ", 0, &ul), -EINVAL);
	assert_int_equal(apsim__kstrtoul("-5", 0, &ul), -EINVAL);
	assert_int_equal(apsim__kstrtoul("++5", 0, &ul), -EINVAL);
	assert_int_equal(apsim__kstrtoul("", 0, &ul), -EINVAL);
	assert_int_equal(apsim__kstrtoul("\n", 0, &ul), -EINVAL);
	assert_int_equal(ul, 77);       /* untouched on error */
	assert_int_equal(apsim__kstrtoull("12", 10, &ull), 0);
	assert_true(ull == 12);
	assert_int_equal(apsim__kstrtouint("4294967296", 0, &u), -ERANGE);
	assert_int_equal(apsim__kstrtouint("4294967295", 0, &u), 0);
	assert_true(u == 4294967295u);
	assert_int_equal(apsim__kstrtoint("-2147483648", 0, &i), 0);
	assert_true(i == -2147483647 - 1);
	assert_int_equal(apsim__kstrtoint("-2147483649", 0, &i), -ERANGE);
	assert_int_equal(apsim__kstrtoint("2147483648", 0, &i), -ERANGE);
	assert_int_equal(apsim__kstrtoint("-0x10\n", 0, &i), 0);
	assert_int_equal(i, -16);
	assert_int_equal(apsim__kstrtoint("-+1", 0, &i), -EINVAL);

	/* kstrtobool: the first one or two characters only */
	assert_int_equal(apsim__kstrtobool("Yes", &b), 0);
	assert_true(b);
	assert_int_equal(apsim__kstrtobool("1junk", &b), 0);
	assert_true(b);
	assert_int_equal(apsim__kstrtobool("tRUE", &b), 0);
	assert_true(b);
	assert_int_equal(apsim__kstrtobool("oN", &b), 0);
	assert_true(b);
	assert_int_equal(apsim__kstrtobool("off", &b), 0);
	assert_false(b);
	assert_int_equal(apsim__kstrtobool("F", &b), 0);
	assert_false(b);
	assert_int_equal(apsim__kstrtobool("0\n", &b), 0);
	assert_false(b);
	b = true;
	assert_int_equal(apsim__kstrtobool("o", &b), -EINVAL);
	assert_int_equal(apsim__kstrtobool("", &b), -EINVAL);
	assert_int_equal(apsim__kstrtobool("2", &b), -EINVAL);
	assert_int_equal(apsim__kstrtobool(" 1", &b), -EINVAL);
	assert_true(b);

	/* sscanf %d / %i */
	assert_int_equal(apsim__sscanf_int("  -12abc", 10, &i), 1);
	assert_int_equal(i, -12);
	assert_int_equal(apsim__sscanf_int("\t\n7", 10, &i), 1);
	assert_int_equal(i, 7);
	assert_int_equal(apsim__sscanf_int("0x1F", 10, &i), 1);
	assert_int_equal(i, 0);
	assert_int_equal(apsim__sscanf_int("0x1F", 0, &i), 1);
	assert_int_equal(i, 31);
	assert_int_equal(apsim__sscanf_int("0xg", 0, &i), 1);
	assert_int_equal(i, 0);
	assert_int_equal(apsim__sscanf_int("017", 0, &i), 1);
	assert_int_equal(i, 15);
	assert_int_equal(apsim__sscanf_int("-0x10", 0, &i), 1);
	assert_int_equal(i, -16);
	assert_int_equal(apsim__sscanf_int("4294967297", 10, &i), 1);
	assert_int_equal(i, 1);
	assert_int_equal(apsim__sscanf_int("2147483648", 10, &i), 1);
	assert_true(i == -2147483647 - 1);
	i = 99;
	assert_int_equal(apsim__sscanf_int("+1", 10, &i), 0);
	assert_int_equal(apsim__sscanf_int("-x", 10, &i), 0);
	assert_int_equal(apsim__sscanf_int("-", 10, &i), 0);
	assert_int_equal(apsim__sscanf_int("   ", 10, &i), 0);
	assert_int_equal(apsim__sscanf_int("x1", 0, &i), 0);
	assert_int_equal(i, 99);

	assert_true(apsim__sysfs_streq("04.0005", "04.0005"));
	assert_true(apsim__sysfs_streq("04.0005\n", "04.0005"));
	assert_true(apsim__sysfs_streq("04.0005", "04.0005\n"));
	assert_false(apsim__sysfs_streq("04.0005\n\n", "04.0005"));
	assert_false(apsim__sysfs_streq("04.000", "04.0005"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bus_store_errnos,
						fixture_setup_bus, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_uevent_files,
						fixture_setup_bus, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_select_domain_and_param,
						fixture_setup_bus, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_no_qci, fixture_setup_bus, fixture_teardown),
		cmocka_unit_test(test_kstrto_parsers),
	};

	return cmocka_run_group_tests_name("bus-attrs", tests, NULL, NULL);
}
