/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the AP bus scan (lib/bus/bus.c, lib/bus/attrs.c): a bus over an empty emulated
 * machine, its own sysfs tree, uevent log and virtual clock (fixture.h). The tree and its
 * defaults, the first scan, the changes a scan finds (domains, adapters, types, checkstop,
 * configuration), INITSCAN and BINDINGS, the rescan timer and a full machine. Attribute
 * contents, uevent sequences and errnos are compared exactly.
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

static void test_new_tree_and_defaults(void **state)
{
	struct fixture *f = *state;
	char want[128];

	assert_true(exists(f, "bus/ap/devices"));
	assert_true(exists(f, "bus/ap/drivers/cex4card"));
	assert_true(exists(f, "bus/ap/drivers/cex4queue/bind"));
	assert_true(exists(f, "bus/ap/drivers/cex4queue/unbind"));
	assert_true(exists(f, "bus/ap/drivers/cex4queue/uevent"));
	assert_true(exists(f, "devices/ap/uevent"));
	assert_string_equal(rd(f, "bus/ap/ap_domain"), "-1\n");
	assert_string_equal(rd(f, "bus/ap/config_time"), "30\n");
	assert_string_equal(rd(f, "bus/ap/poll_thread"), "0\n");
	assert_string_equal(rd(f, "bus/ap/ap_interrupts"), "1\n");
	assert_string_equal(rd(f, "bus/ap/poll_timeout"), "250000\n");
	/* the empty machine's QCI has APXA with na 255, nd 84 */
	assert_string_equal(rd(f, "bus/ap/ap_max_adapter_id"), "255\n");
	assert_string_equal(rd(f, "bus/ap/ap_max_domain_id"), "84\n");
	assert_string_equal(rd(f, "bus/ap/apmask"),
			    "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n");
	assert_string_equal(rd(f, "bus/ap/aqmask"),
			    "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n");
	assert_string_equal(rd(f, "bus/ap/ap_adapter_mask"),
			    "0x0000000000000000000000000000000000000000000000000000000000000000\n");
	assert_string_equal(rd(f, "bus/ap/scans"), "0\n");
	assert_string_equal(rd(f, "bus/ap/bindings"), "0/0\n");
	assert_string_equal(rd(f, "bus/ap/drivers_autoprobe"), "1\n");
	assert_string_equal(rd(f, "devices/ap/uevent"), "");
	want[0] = '\0';
	uint32_t flags = apsim_machine_get_qci_flags(f->m);
	if (flags & APSIM_QCI_APSC)
		strcat(want, "APSC ");
	if (flags & APSIM_QCI_APXA)
		strcat(want, "APXA ");
	if (flags & APSIM_QCI_QACT)
		strcat(want, "QACT ");
	if (flags & APSIM_QCI_RC8A)
		strcat(want, "RC8A ");
	if (flags & APSIM_QCI_APSB)
		strcat(want, "APSB ");
	assert_true(strlen(want) > 0);
	want[strlen(want) - 1] = '\n';
	assert_string_equal(rd(f, "bus/ap/features"), want);
	/* write-only files */
	assert_int_equal(apsim_tree_read(f->tree, "bus/ap/drivers_probe", f->buf, 10), -EACCES);
	/* no uevents before the first scan */
	assert_int_equal(apsim_uevent_log_count(f->log), 0);
	assert_int_equal(apsim_bus_force_rescan(f->bus), 0);
	assert_string_equal(rd(f, "bus/ap/scans"), "0\n");
}

static void test_first_scan_events_and_attrs(void **state)
{
	struct fixture *f = *state;
	char want[64];

	basic_machine(f);
	assert_int_equal(apsim_bus_scan(f->bus), 1);
	expect_events(f,
		      "add /devices/ap/card04 ap|" CARD4,
		      "bind /devices/ap/card04 ap|" CARD4_BOUND,
		      "add /devices/ap/card04/04.0005 ap|DEVTYPE=ap_queue|MODE=cca",
		      "bind /devices/ap/card04/04.0005 ap|DEVTYPE=ap_queue|DRIVER=cex4queue|MODE=cca",
		      "add /devices/ap/card04/04.0020 ap|DEVTYPE=ap_queue|MODE=cca",
		      "bind /devices/ap/card04/04.0020 ap|DEVTYPE=ap_queue|DRIVER=cex4queue|MODE=cca",
		      "change /devices/ap ap|INITSCAN=done",
		      "change /devices/ap ap|BINDINGS=complete|COMPLETECOUNT=1",
		      NULL);

	/* bus attributes */
	assert_string_equal(rd(f, "bus/ap/scans"), "1\n");
	assert_string_equal(rd(f, "bus/ap/bindings"), "2/2 (complete)\n");
	assert_string_equal(rd(f, "bus/ap/ap_domain"), "5\n");
	assert_string_equal(rd(f, "bus/ap/ap_adapter_mask"),
			    "0x0800000000000000000000000000000000000000000000000000000000000000\n");
	assert_string_equal(rd(f, "bus/ap/ap_usage_domain_mask"),
			    "0x0400000080000000000000000000000000000000000000000000000000000000\n");
	assert_string_equal(rd(f, "bus/ap/ap_control_domain_mask"),
			    "0x04000000c0000000000000000000000000000000000000000000000000000000\n");

	/* card attributes (spec 2.3) */
	assert_string_equal(rd(f, "devices/ap/card04/hwtype"), "14\n");
	assert_string_equal(rd(f, "devices/ap/card04/raw_hwtype"), "14\n");
	assert_string_equal(rd(f, "devices/ap/card04/depth"), "7\n");
	snprintf(want, sizeof(want), "0x%08X\n",
		 (apsim_card_default_functions(14, APSIM_MODE_CCA) | APSIM_FAC_APXA) & 0xFFFF0000u);
	assert_string_equal(rd(f, "devices/ap/card04/ap_functions"), want);
	assert_string_equal(rd(f, "devices/ap/card04/request_count"), "0\n");
	assert_string_equal(rd(f, "devices/ap/card04/requestq_count"), "0\n");
	assert_string_equal(rd(f, "devices/ap/card04/pendingq_count"), "0\n");
	assert_string_equal(rd(f, "devices/ap/card04/modalias"), "ap:t0E\n");
	assert_string_equal(rd(f, "devices/ap/card04/config"), "1\n");
	assert_string_equal(rd(f, "devices/ap/card04/chkstop"), "0\n");
	assert_string_equal(rd(f, "devices/ap/card04/max_msg_size"), "12288\n");
	assert_string_equal(rd(f, "devices/ap/card04/uevent"),
			    "DEVTYPE=ap_card\nDRIVER=cex4card\nDEV_TYPE=000E\nMODALIAS=ap:t0E\nMODE=cca\n");
	/* zcrypt's */
	assert_string_equal(rd(f, "devices/ap/card04/type"), "CEX8C\n");
	assert_string_equal(rd(f, "devices/ap/card04/online"), "1\n");
	assert_string_equal(rd(f, "devices/ap/card04/load"), "0\n");

	/* queue attributes (spec 2.4) */
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/request_count"), "0\n");
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/requestq_count"), "0\n");
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/pendingq_count"), "0\n");
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/config"), "1\n");
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/chkstop"), "0\n");
	snprintf(want, sizeof(want), "0x%08X\n",
		 apsim_card_default_functions(14, APSIM_MODE_CCA) | APSIM_FAC_APXA);
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/ap_functions"), want);
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/online"), "1\n");
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/load"), "0\n");
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/uevent"),
			    "DEVTYPE=ap_queue\nDRIVER=cex4queue\nMODE=cca\n");
	/* the reset the scan started is polled at 25 Hz */
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/reset"), "Reset in progress.\n");
	assert_int_equal(apsim_clock_advance(f->clock, 40 * APSIM_NSEC_PER_MSEC), 0);
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/reset"), "No Reset Timer set.\n");
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/interrupt"), "Interrupts enabled.\n");

	/* links */
	assert_string_equal(lnk(f, "devices/ap/card04/driver"), "../../../bus/ap/drivers/cex4card");
	assert_string_equal(lnk(f, "devices/ap/card04/subsystem"), "../../../bus/ap");
	assert_string_equal(lnk(f, "devices/ap/card04/04.0020/driver"),
			    "../../../../bus/ap/drivers/cex4queue");
	assert_string_equal(lnk(f, "devices/ap/card04/04.0020/subsystem"), "../../../../bus/ap");
	assert_string_equal(lnk(f, "bus/ap/devices/card04"), "../../../devices/ap/card04");
	assert_string_equal(lnk(f, "bus/ap/devices/04.0020"), "../../../devices/ap/card04/04.0020");
	assert_string_equal(lnk(f, "bus/ap/drivers/cex4queue/04.0020"),
			    "../../../../devices/ap/card04/04.0020");
	assert_string_equal(lnk(f, "bus/ap/drivers/cex4card/card04"), "../../../../devices/ap/card04");
	/* chzcrypt reaches queues through the card link */
	assert_string_equal(rd(f, "bus/ap/devices/card04/04.0020/online"), "1\n");

	/* API */
	assert_non_null(apsim_bus_find_card(f->bus, 4));
	assert_null(apsim_bus_find_card(f->bus, 5));
	struct apsim_device *q = apsim_bus_find_queue(f->bus, APSIM_QID(4, 0x20));
	assert_non_null(q);
	assert_string_equal(apsim_device_get_name(q), "04.0020");
	assert_int_equal(apsim_device_get_qid(q), 0x0420);
	assert_int_equal(apsim_device_get_card_id(q), 4);
	assert_int_equal(apsim_device_get_type(q), 14);
	assert_false(apsim_device_is_card(q));
	assert_string_equal(apsim_device_get_driver(q)->name, "cex4queue");
	assert_int_equal(apsim_bus_get_scan_count(f->bus), 1);
}

static void test_rescan_unchanged_is_silent(void **state)
{
	struct fixture *f = *state;

	basic_machine(f);
	apsim_bus_scan(f->bus);
	mark(f);
	assert_int_equal(apsim_bus_scan(f->bus), 0);
	assert_int_equal(nevents(f), 0);
	assert_string_equal(rd(f, "bus/ap/scans"), "2\n");
	/* writing scans forces a synchronous rescan and returns the byte count */
	assert_int_equal(wr(f, "bus/ap/scans", "1"), 1);
	assert_string_equal(rd(f, "bus/ap/scans"), "3\n");
	assert_int_equal(nevents(f), 0);
}

static void test_domain_removal_and_adapter_removal(void **state)
{
	struct fixture *f = *state;

	basic_machine(f);
	apsim_bus_scan(f->bus);
	mark(f);
	lpar(f, APSIM_LPAR_DOMAIN, false, "5");
	apsim_bus_scan(f->bus);
	expect_events(f,
		      "unbind /devices/ap/card04/04.0005 ap|DEVTYPE=ap_queue|MODE=cca",
		      "remove /devices/ap/card04/04.0005 ap|DEVTYPE=ap_queue|MODE=cca",
		      NULL);
	assert_false(exists(f, "devices/ap/card04/04.0005"));
	assert_false(exists(f, "bus/ap/devices/04.0005"));
	assert_false(exists(f, "bus/ap/drivers/cex4queue/04.0005"));
	/* the default domain is never re-selected (spec 8 item 9) */
	assert_string_equal(rd(f, "bus/ap/ap_domain"), "5\n");
	assert_string_equal(rd(f, "bus/ap/bindings"), "1/1 (complete)\n");

	lpar(f, APSIM_LPAR_ADAPTER, false, "4");
	apsim_bus_scan(f->bus);
	expect_events(f,
		      "unbind /devices/ap/card04/04.0020 ap|DEVTYPE=ap_queue|MODE=cca",
		      "remove /devices/ap/card04/04.0020 ap|DEVTYPE=ap_queue|MODE=cca",
		      "unbind /devices/ap/card04 ap|" CARD4,
		      "remove /devices/ap/card04 ap|" CARD4,
		      NULL);
	assert_false(exists(f, "devices/ap/card04"));
	assert_false(exists(f, "bus/ap/devices/card04"));
	assert_string_equal(rd(f, "bus/ap/bindings"), "0/0 (complete)\n");
}

static void test_no_card_without_usable_domain(void **state)
{
	struct fixture *f = *state;

	card_add(f, 4, "CEX8C");
	lpar(f, APSIM_LPAR_ADAPTER, true, "4");
	apsim_bus_scan(f->bus);
	assert_false(exists(f, "devices/ap/card04"));
	/* an adapter in QCI but not installed: TAPQ RC 01 everywhere */
	lpar(f, APSIM_LPAR_ADAPTER, true, "7");
	lpar(f, APSIM_LPAR_DOMAIN, true, "1");
	apsim_bus_scan(f->bus);
	assert_true(exists(f, "devices/ap/card04/04.0001"));
	assert_false(exists(f, "devices/ap/card07"));
	/* a domain above ap_max_domain_id is never scanned */
	lpar(f, APSIM_LPAR_DOMAIN, true, "90");
	apsim_bus_scan(f->bus);
	assert_false(exists(f, "devices/ap/card04/04.005a"));
	/* unsupported type (< CEX4) */
	struct apsim_card_spec spec;
	assert_int_equal(apsim_card_type_parse("CEX8A", &spec), 0);
	spec.raw_type = 9;
	assert_int_equal(apsim_machine_card_add(f->m, 9, &spec), 0);
	lpar(f, APSIM_LPAR_ADAPTER, true, "9");
	apsim_bus_scan(f->bus);
	assert_false(exists(f, "devices/ap/card09"));
}

static void test_initscan_once_and_bindings_complete(void **state)
{
	struct fixture *f = *state;

	basic_machine(f);
	apsim_bus_scan(f->bus);
	mark(f);
	apsim_bus_scan(f->bus);
	assert_int_equal(nevents(f), 0);

	/* releasing adapter 4: no non-default driver, both queues end up unbound */
	assert_int_equal(wr(f, "bus/ap/apmask", "-4"), 2);
	expect_events(f,
		      "unbind /devices/ap/card04/04.0005 ap|DEVTYPE=ap_queue|MODE=cca",
		      "unbind /devices/ap/card04/04.0020 ap|DEVTYPE=ap_queue|MODE=cca",
		      "change /devices/ap ap|APMASK=0xf7ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n",
		      NULL);
	assert_string_equal(rd(f, "bus/ap/bindings"), "0/2\n");
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/request_count"), "-\n");
	/* taking it back: reprobed, bound again, but BINDINGS=complete waits for the next scan */
	assert_int_equal(wr(f, "bus/ap/apmask", "+4\n"), 3);
	expect_events(f,
		      "bind /devices/ap/card04/04.0005 ap|DEVTYPE=ap_queue|DRIVER=cex4queue|MODE=cca",
		      "bind /devices/ap/card04/04.0020 ap|DEVTYPE=ap_queue|DRIVER=cex4queue|MODE=cca",
		      "change /devices/ap ap|APMASK=0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n",
		      NULL);
	assert_string_equal(rd(f, "bus/ap/bindings"), "2/2 (complete)\n");
	apsim_bus_scan(f->bus);
	expect_events(f, "change /devices/ap ap|BINDINGS=complete|COMPLETECOUNT=2", NULL);
	apsim_bus_scan(f->bus);
	assert_int_equal(nevents(f), 0);

	/* new APQIs re-arm it: the next scan that binds them completes again */
	lpar(f, APSIM_LPAR_DOMAIN, true, "6");
	apsim_bus_scan(f->bus);
	expect_events(f,
		      "add /devices/ap/card04/04.0006 ap|DEVTYPE=ap_queue|MODE=cca",
		      "bind /devices/ap/card04/04.0006 ap|DEVTYPE=ap_queue|DRIVER=cex4queue|MODE=cca",
		      "change /devices/ap ap|BINDINGS=complete|COMPLETECOUNT=3",
		      NULL);
}

static void test_type_change_rebuilds(void **state)
{
	struct fixture *f = *state;

	basic_machine(f);
	lpar(f, APSIM_LPAR_DOMAIN, false, "0x20");
	apsim_bus_scan(f->bus);
	mark(f);
	/* a hardware swap without a QCI change (spec 8 item 2) */
	assert_int_equal(apsim_machine_card_remove(f->m, 4), 0);
	card_add(f, 4, "CEX7A");
	assert_int_equal(apsim_bus_scan(f->bus), 0);
	expect_events(f,
		      "unbind /devices/ap/card04/04.0005 ap|DEVTYPE=ap_queue|MODE=cca",
		      "remove /devices/ap/card04/04.0005 ap|DEVTYPE=ap_queue|MODE=cca",
		      "unbind /devices/ap/card04 ap|" CARD4,
		      "remove /devices/ap/card04 ap|" CARD4,
		      "add /devices/ap/card04 ap|DEVTYPE=ap_card|DEV_TYPE=000D|MODALIAS=ap:t0D|MODE=accel",
		      "bind /devices/ap/card04 ap|DEVTYPE=ap_card|DRIVER=cex4card|DEV_TYPE=000D|MODALIAS=ap:t0D|MODE=accel",
		      "add /devices/ap/card04/04.0005 ap|DEVTYPE=ap_queue|MODE=accel",
		      "bind /devices/ap/card04/04.0005 ap|DEVTYPE=ap_queue|DRIVER=cex4queue|MODE=accel",
		      "change /devices/ap ap|BINDINGS=complete|COMPLETECOUNT=2",
		      NULL);
	assert_string_equal(rd(f, "devices/ap/card04/hwtype"), "13\n");
	assert_string_equal(rd(f, "devices/ap/card04/type"), "CEX7A\n");
}

static void test_chkstop_and_config_transitions(void **state)
{
	struct fixture *f = *state;

	basic_machine(f);
	apsim_bus_scan(f->bus);
	mark(f);

	/* checkstop: no uevents (spec 2.5), state visible on card and queues */
	assert_int_equal(apsim_machine_card_checkstop(f->m, 4, true), 0);
	apsim_bus_scan(f->bus);
	assert_int_equal(nevents(f), 0);
	assert_string_equal(rd(f, "devices/ap/card04/chkstop"), "1\n");
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/chkstop"), "1\n");
	assert_string_equal(rd(f, "devices/ap/card04/online"), "0\n");
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/online"), "0\n");
	assert_int_equal(wr(f, "devices/ap/card04/online", "1"), -ENODEV);
	assert_int_equal(wr(f, "devices/ap/card04/04.0005/online", "1"), -ENODEV);
	/* TAPQ RC 04 still carries the facilities; RC > 05 is -EIO */
	assert_string_not_equal(rd(f, "devices/ap/card04/04.0005/ap_functions"), "0x00000000\n");
	assert_int_equal(apsim_machine_queue_inject_rc(f->m, 0x0405, APSIM_RC_INVALID_ADDRESS, 1), 0);
	assert_int_equal(apsim_tree_read(f->tree, "devices/ap/card04/04.0005/ap_functions", f->buf, 100), -EIO);
	assert_int_equal(apsim_machine_card_checkstop(f->m, 4, false), 0);
	apsim_bus_scan(f->bus);
	assert_int_equal(nevents(f), 0);
	assert_string_equal(rd(f, "devices/ap/card04/chkstop"), "0\n");
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/chkstop"), "0\n");
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/online"), "1\n");

	/* deconfigured on the SE: CONFIG=0 for the card, then its queues */
	assert_int_equal(apsim_machine_card_config(f->m, 4, false), 0);
	apsim_bus_scan(f->bus);
	expect_events(f,
		      "change /devices/ap/card04 ap|CONFIG=0|" CARD4_BOUND,
		      "change /devices/ap/card04/04.0005 ap|CONFIG=0|DEVTYPE=ap_queue|DRIVER=cex4queue|MODE=cca",
		      "change /devices/ap/card04/04.0020 ap|CONFIG=0|DEVTYPE=ap_queue|DRIVER=cex4queue|MODE=cca",
		      NULL);
	assert_string_equal(rd(f, "devices/ap/card04/config"), "0\n");
	assert_string_equal(rd(f, "devices/ap/card04/04.0020/config"), "0\n");
	assert_string_equal(rd(f, "devices/ap/card04/04.0020/online"), "0\n");
	/* the card config store: SCLP configure, CONFIG=1, the queues follow at once */
	assert_int_equal(wr(f, "devices/ap/card04/config", "1\n"), 2);
	expect_events(f,
		      "change /devices/ap/card04 ap|CONFIG=1|" CARD4_BOUND,
		      "change /devices/ap/card04/04.0005 ap|CONFIG=1|DEVTYPE=ap_queue|DRIVER=cex4queue|MODE=cca",
		      "change /devices/ap/card04/04.0020 ap|CONFIG=1|DEVTYPE=ap_queue|DRIVER=cex4queue|MODE=cca",
		      NULL);
	assert_true(apsim_machine_card_is_configured(f->m, 4));
	assert_string_equal(rd(f, "devices/ap/card04/04.0020/config"), "1\n");
	assert_string_equal(rd(f, "devices/ap/card04/04.0020/online"), "1\n");
	/* unchanged value: no SCLP, still a CONFIG= uevent, no rescan */
	assert_int_equal(wr(f, "devices/ap/card04/config", "1"), 1);
	expect_events(f, "change /devices/ap/card04 ap|CONFIG=1|" CARD4_BOUND, NULL);
	assert_int_equal(wr(f, "devices/ap/card04/config", "0"), 1);
	assert_false(apsim_machine_card_is_configured(f->m, 4));
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/config"), "0\n");
	assert_int_equal(wr(f, "devices/ap/card04/config", "2"), -EINVAL);
	assert_int_equal(wr(f, "devices/ap/card04/config", "on"), -EINVAL);
	assert_int_equal(wr(f, "devices/ap/card04/config", "-1"), -EINVAL);
	assert_string_equal(rd(f, "devices/ap/card04/config"), "0\n");
}

static void test_timer_rescan(void **state)
{
	struct fixture *f = *state;

	basic_machine(f);
	apsim_bus_scan(f->bus);
	assert_int_equal(apsim_clock_advance(f->clock, 29 * APSIM_NSEC_PER_SEC), 0);
	assert_string_equal(rd(f, "bus/ap/scans"), "1\n");
	assert_int_equal(apsim_clock_advance(f->clock, 1 * APSIM_NSEC_PER_SEC), 0);
	assert_string_equal(rd(f, "bus/ap/scans"), "2\n");
	/* a configuration change shows up with the timer scan */
	lpar(f, APSIM_LPAR_DOMAIN, true, "7");
	assert_int_equal(apsim_clock_advance(f->clock, 30 * APSIM_NSEC_PER_SEC), 0);
	assert_string_equal(rd(f, "bus/ap/scans"), "3\n");
	assert_true(exists(f, "devices/ap/card04/04.0007"));
	/* config_time re-arms the timer to now + time */
	assert_int_equal(wr(f, "bus/ap/config_time", "10"), 2);
	assert_string_equal(rd(f, "bus/ap/config_time"), "10\n");
	assert_int_equal(apsim_clock_advance(f->clock, 10 * APSIM_NSEC_PER_SEC), 0);
	assert_string_equal(rd(f, "bus/ap/scans"), "4\n");
	assert_int_equal(apsim_clock_advance(f->clock, 10 * APSIM_NSEC_PER_SEC), 0);
	assert_string_equal(rd(f, "bus/ap/scans"), "5\n");
}

static int count_queue(struct apsim_device *dev, void *ctx)
{
	assert_false(apsim_device_is_card(dev));
	(*(size_t *) ctx)++;
	return 0;
}

static void test_full_machine(void **state)
{
	struct fixture *f = *state;
	struct apsim_mask all;
	size_t n = 0;

	assert_int_equal(apsim_machine_set_limits(f->m, 255, 255), 0);
	for (unsigned a = 0; a < 256; a++)
		card_add(f, a, "CEX8C");
	apsim_mask_fill(&all);
	apsim_machine_lpar_change(f->m, APSIM_LPAR_ADAPTER, true, &all);
	apsim_machine_lpar_change(f->m, APSIM_LPAR_DOMAIN, true, &all);
	apsim_machine_lpar_change(f->m, APSIM_LPAR_CONTROL_DOMAIN, true, &all);
	/* the maxima come from QCI at bus creation only: a fresh bus sees 255/255 */
	apsim__zcrypt_free(f->zc);
	apsim_bus_free(f->bus);
	struct apsim_bus_config cfg = {
		.ops = apsim_machine_ap_ops(), .ops_ctx = f->m, .tree = f->tree, .uevents = f->log,
		.clock = f->clock, .domain_param = -1,
	};
	assert_int_equal(apsim_bus_new(&cfg, &f->bus), 0);
	assert_int_equal(apsim__zcrypt_new(f->bus, &f->zc), 0);
	mark(f);
	assert_int_equal(apsim_bus_scan(f->bus), 0);
	/* 256 cards + 65536 queues, each added and bound, + INITSCAN + BINDINGS */
	assert_int_equal(nevents(f), 2 * (256 + 65536) + 2);
	for (unsigned a = 0; a < 256; a++)
		assert_non_null(apsim_bus_find_card(f->bus, a));
	assert_int_equal(apsim_bus_for_each_queue(f->bus, count_queue, &n), 0);
	assert_int_equal(n, 65536);
	n = 0;
	for (unsigned qid = 0; qid < 65536; qid++)
		if (apsim_bus_find_queue(f->bus, qid))
			n++;
	assert_int_equal(n, 65536);
	assert_string_equal(rd(f, "bus/ap/bindings"), "65536/65536 (complete)\n");
	assert_string_equal(rd(f, "devices/ap/cardff/ff.00ff/online"), "1\n");
	mark(f);
	assert_int_equal(apsim_bus_scan(f->bus), 0);
	assert_int_equal(nevents(f), 0);
	assert_int_equal(apsim_clock_advance(f->clock, APSIM_NSEC_PER_SEC), 0);
	assert_int_equal(nevents(f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_tree_and_defaults,
						fixture_setup_bus, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_first_scan_events_and_attrs,
						fixture_setup_bus, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_rescan_unchanged_is_silent,
						fixture_setup_bus, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_domain_removal_and_adapter_removal,
						fixture_setup_bus, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_no_card_without_usable_domain,
						fixture_setup_bus, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_initscan_once_and_bindings_complete,
						fixture_setup_bus, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_type_change_rebuilds,
						fixture_setup_bus, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_chkstop_and_config_transitions,
						fixture_setup_bus, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_timer_rescan,
						fixture_setup_bus, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_full_machine,
						fixture_setup_bus, fixture_teardown),
	};

	return cmocka_run_group_tests_name("bus-scan", tests, NULL, NULL);
}
