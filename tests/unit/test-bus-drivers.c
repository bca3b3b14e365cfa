/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the AP bus and its drivers (lib/bus/bus.c, lib/bus/attrs.c), over the fixture
 * of fixture.h: the on_config_changed / on_scan_complete callbacks, drivers registered after
 * the scan, apmask / aqmask with the in_use veto and re-probing, and the bind / unbind files.
 * Uevent sequences and errnos are compared exactly.
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

static void test_callbacks_old_new(void **state)
{
	struct fixture *f = *state;
	struct testdrv td;
	struct apsim_qci q;

	testdrv_init(&td, f);
	basic_machine(f);
	assert_int_equal(apsim_bus_driver_register(f->bus, &td.drv), 0);
	apsim_bus_scan(f->bus);
	assert_int_equal(td.n_config_changed, 1);
	assert_int_equal(td.n_scan_complete, 1);
	/* old = the QCI read at bus creation (empty), new = now */
	assert_true(apsim_mask_empty(&td.cc_old.apm));
	assert_true(apsim_mask_test(&td.cc_new.apm, 4));
	assert_memory_equal(&td.cc_new, &td.sc_new, sizeof(td.cc_new));
	assert_memory_equal(&td.cc_old, &td.sc_old, sizeof(td.cc_old));
	/* on_config_changed before any device event of the scan, on_scan_complete after them */
	assert_int_equal(td.ev_at_config_changed, 0);
	assert_int_equal(td.ev_at_scan_complete, 6);
	assert_int_equal(apsim_bus_get_qci(f->bus, &q), 0);
	assert_memory_equal(&q, &td.cc_new, sizeof(q));

	/* nothing changed: no callbacks */
	apsim_bus_scan(f->bus);
	assert_int_equal(td.n_config_changed, 1);
	assert_int_equal(td.n_scan_complete, 1);

	/* a removal and an addition in one change: one pair, old/new the preceding pair */
	struct apsim_qci before = q;
	lpar(f, APSIM_LPAR_DOMAIN, false, "5");
	lpar(f, APSIM_LPAR_DOMAIN, true, "6");
	assert_int_equal(apsim_bus_scan(f->bus), 1);
	assert_int_equal(td.n_config_changed, 2);
	assert_int_equal(td.n_scan_complete, 2);
	assert_memory_equal(&td.cc_old, &before, sizeof(before));
	assert_false(apsim_mask_test(&td.cc_new.aqm, 5));
	assert_true(apsim_mask_test(&td.cc_new.aqm, 6));

	/* a change that comes and goes between two scans is invisible (spec 8 item 1) */
	lpar(f, APSIM_LPAR_ADAPTER, false, "4");
	lpar(f, APSIM_LPAR_ADAPTER, true, "4");
	assert_int_equal(apsim_bus_scan(f->bus), 0);
	assert_int_equal(td.n_config_changed, 2);
	/* only non-mask bytes changed: callbacks still run (spec 3.2 (ii)) */
	lpar(f, APSIM_LPAR_CONTROL_DOMAIN, true, "0x40");
	assert_int_equal(apsim_bus_scan(f->bus), 1);
	assert_int_equal(td.n_config_changed, 3);
	assert_int_equal(td.n_scan_complete, 3);
	apsim_bus_driver_unregister(&td.drv);
}

static void test_driver_register_after_scan(void **state)
{
	struct fixture *f = *state;

	basic_machine(f);
	apsim_bus_scan(f->bus);
	expect_events(f,
		      "add /devices/ap/card04 ap|" CARD4,
		      "add /devices/ap/card04/04.0005 ap|DEVTYPE=ap_queue|MODE=cca",
		      "add /devices/ap/card04/04.0020 ap|DEVTYPE=ap_queue|MODE=cca",
		      "change /devices/ap ap|INITSCAN=done",
		      NULL);
	assert_string_equal(rd(f, "bus/ap/bindings"), "0/2\n");
	/* the bus initialised the queues at creation (6.x), bound or not */
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/request_count"), "0\n");
	/* registering probes the existing devices and checks bindings complete */
	assert_int_equal(apsim__zcrypt_new(f->bus, &f->zc), 0);
	expect_events(f,
		      "bind /devices/ap/card04 ap|" CARD4_BOUND,
		      "bind /devices/ap/card04/04.0005 ap|DEVTYPE=ap_queue|DRIVER=cex4queue|MODE=cca",
		      "bind /devices/ap/card04/04.0020 ap|DEVTYPE=ap_queue|DRIVER=cex4queue|MODE=cca",
		      "change /devices/ap ap|BINDINGS=complete|COMPLETECOUNT=1",
		      NULL);
	/* a second driver with the same name is refused */
	struct testdrv td;
	testdrv_init(&td, f);
	td.drv.name = "cex4queue";
	assert_int_equal(apsim_bus_driver_register(f->bus, &td.drv), -EBUSY);
	/* unregistering the drivers unbinds, newest binding first */
	apsim__zcrypt_free(f->zc);
	f->zc = NULL;
	expect_events(f,
		      "unbind /devices/ap/card04/04.0020 ap|DEVTYPE=ap_queue|MODE=cca",
		      "unbind /devices/ap/card04/04.0005 ap|DEVTYPE=ap_queue|MODE=cca",
		      "unbind /devices/ap/card04 ap|" CARD4,
		      NULL);
	assert_false(exists(f, "bus/ap/drivers/cex4card"));
	assert_false(exists(f, "devices/ap/card04/driver"));
	assert_false(exists(f, "devices/ap/card04/online"));
}

static void test_apmask_in_use_and_reprobe(void **state)
{
	struct fixture *f = *state;
	struct testdrv td;

	testdrv_init(&td, f);
	basic_machine(f);
	assert_int_equal(apsim_bus_driver_register(f->bus, &td.drv), 0);
	apsim_bus_scan(f->bus);
	mark(f);

	/* unchanged value: no-op, no uevent, no in_use */
	assert_int_equal(wr(f, "bus/ap/apmask", "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"), 66);
	assert_int_equal(nevents(f), 0);
	assert_int_equal(td.n_in_use, 0);

	/* releasing never asks in_use; the queues move to the non-default driver */
	assert_int_equal(wr(f, "bus/ap/aqmask", "-0x20"), 5);
	assert_int_equal(td.n_in_use, 0);
	expect_events(f,
		      "unbind /devices/ap/card04/04.0020 ap|DEVTYPE=ap_queue|MODE=cca",
		      "bind /devices/ap/card04/04.0020 ap|DEVTYPE=ap_queue|DRIVER=testdrv|MODE=cca",
		      "change /devices/ap ap|AQMASK=0xffffffff7fffffffffffffffffffffffffffffffffffffffffffffffffffffff\n",
		      NULL);
	assert_string_equal(lnk(f, "devices/ap/card04/04.0020/driver"), "../../../../bus/ap/drivers/testdrv");
	assert_false(exists(f, "devices/ap/card04/04.0020/online"));
	assert_int_equal(td.n_probe, 1);

	/* taking it back while in use: -EBUSY, mask unchanged, in_use saw (apm, newly reserved) */
	td.in_use_result = -EADDRINUSE;
	assert_int_equal(wr(f, "bus/ap/aqmask", "+32"), -EBUSY);
	assert_int_equal(td.n_in_use, 1);
	assert_string_equal(rd(f, "bus/ap/aqmask"),
			    "0xffffffff7fffffffffffffffffffffffffffffffffffffffffffffffffffffff\n");
	struct apsim_mask want;
	apsim_mask_zero(&want);
	apsim_mask_set(&want, 32);
	assert_memory_equal(&td.in_use_aqm, &want, sizeof(want));
	apsim_mask_fill(&want);
	assert_memory_equal(&td.in_use_apm, &want, sizeof(want));
	assert_int_equal(nevents(f), 0);
	/* a parse error leaves it untouched too */
	assert_int_equal(wr(f, "bus/ap/aqmask", "+32,junk"), -EINVAL);

	/* not in use: committed, reprobed back to cex4queue */
	td.in_use_result = 0;
	assert_int_equal(apsim_bus_set_aqmask(f->bus, "+32"), 0);
	expect_events(f,
		      "unbind /devices/ap/card04/04.0020 ap|DEVTYPE=ap_queue|MODE=cca",
		      "bind /devices/ap/card04/04.0020 ap|DEVTYPE=ap_queue|DRIVER=cex4queue|MODE=cca",
		      "change /devices/ap ap|AQMASK=0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n",
		      NULL);
	assert_int_equal(td.n_remove, 1);
	assert_true(apsim_bus_apqn_reserved(f->bus, 4, 32));

	/* apmask: an absolute value; in_use gets the newly reserved adapters and aqmask */
	assert_int_equal(apsim_bus_set_apmask(f->bus, "0x0"), 0);
	assert_false(apsim_bus_apqn_reserved(f->bus, 4, 32));
	struct apsim_mask a, q;
	apsim_mask_zero(&a);
	apsim_mask_set(&a, 4);
	apsim_mask_fill(&q);
	assert_false(apsim_bus_matrix_reserved(f->bus, &a, &q));
	td.in_use_result = 1;
	assert_int_equal(apsim_bus_set_apmask(f->bus, "0x08"), -EBUSY);
	assert_memory_equal(&td.in_use_apm, &a, sizeof(a));
	td.in_use_result = 0;
	assert_int_equal(apsim_bus_set_apmask(f->bus, "0x08"), 0);
	assert_true(apsim_bus_matrix_reserved(f->bus, &a, &q));
	apsim_bus_driver_unregister(&td.drv);
}

static void test_bind_unbind_files(void **state)
{
	struct fixture *f = *state;
	struct testdrv td;

	testdrv_init(&td, f);
	basic_machine(f);
	apsim_bus_scan(f->bus);
	assert_int_equal(apsim_bus_driver_register(f->bus, &td.drv), 0);
	mark(f);

	assert_int_equal(wr(f, "bus/ap/drivers/cex4queue/unbind", "04.0099"), -ENODEV);
	assert_int_equal(wr(f, "bus/ap/drivers/testdrv/unbind", "04.0005"), -ENODEV);
	assert_int_equal(wr(f, "bus/ap/drivers/cex4queue/unbind", "04.0005\n"), 8);
	expect_events(f, "unbind /devices/ap/card04/04.0005 ap|DEVTYPE=ap_queue|MODE=cca", NULL);
	assert_false(exists(f, "devices/ap/card04/04.0005/driver"));
	assert_false(exists(f, "bus/ap/drivers/cex4queue/04.0005"));
	assert_false(exists(f, "devices/ap/card04/04.0005/online"));
	assert_string_equal(rd(f, "bus/ap/bindings"), "1/2\n");
	/* a scan never rebinds it (spec 8 item 13) */
	apsim_bus_scan(f->bus);
	assert_int_equal(nevents(f), 0);

	/* reserved queue: the non-default driver's probe is refused by the bus */
	assert_int_equal(wr(f, "bus/ap/drivers/testdrv/bind", "04.0005"), -ENODEV);
	assert_int_equal(td.n_probe, 0);
	/* no such device, wrong type of device, name with junk */
	assert_int_equal(wr(f, "bus/ap/drivers/cex4queue/bind", "04.0099"), -ENODEV);
	assert_int_equal(wr(f, "bus/ap/drivers/cex4queue/bind", "card04"), -ENODEV);
	assert_int_equal(wr(f, "bus/ap/drivers/cex4queue/bind", "04.0005\n\n"), -ENODEV);
	assert_int_equal(wr(f, "bus/ap/drivers/cex4queue/bind", "04.0005 "), -ENODEV);
	/* bound device of a matching driver: -EBUSY */
	assert_int_equal(wr(f, "bus/ap/drivers/cex4queue/bind", "04.0020"), -EBUSY);
	assert_int_equal(wr(f, "bus/ap/drivers/cex4queue/bind", "04.0005"), 7);
	expect_events(f,
		      "bind /devices/ap/card04/04.0005 ap|DEVTYPE=ap_queue|DRIVER=cex4queue|MODE=cca",
		      NULL);
	assert_string_equal(rd(f, "devices/ap/card04/04.0005/online"), "1\n");
	apsim_bus_scan(f->bus);
	expect_events(f, "change /devices/ap ap|BINDINGS=complete|COMPLETECOUNT=2", NULL);

	/* a probe error other than -ENODEV comes back from bind as is */
	assert_int_equal(wr(f, "bus/ap/aqmask", "-5"), 2);
	mark(f);
	assert_string_equal(lnk(f, "devices/ap/card04/04.0005/driver"), "../../../../bus/ap/drivers/testdrv");
	assert_int_equal(wr(f, "bus/ap/drivers/testdrv/unbind", "04.0005"), 7);
	td.probe_result = -EIO;
	assert_int_equal(wr(f, "bus/ap/drivers/testdrv/bind", "04.0005"), -EIO);
	assert_false(exists(f, "devices/ap/card04/04.0005/driver"));
	td.probe_result = 0;
	assert_int_equal(wr(f, "bus/ap/drivers/testdrv/bind", "04.0005"), 7);
	expect_events(f,
		      "unbind /devices/ap/card04/04.0005 ap|DEVTYPE=ap_queue|MODE=cca",
		      "bind /devices/ap/card04/04.0005 ap|DEVTYPE=ap_queue|DRIVER=testdrv|MODE=cca",
		      NULL);
	apsim_bus_driver_unregister(&td.drv);
	assert_false(exists(f, "bus/ap/drivers/testdrv"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_callbacks_old_new,
						fixture_setup_bus, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_driver_register_after_scan,
						fixture_setup_bus_nodrivers, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_apmask_in_use_and_reprobe,
						fixture_setup_bus, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_bind_unbind_files,
						fixture_setup_bus, fixture_teardown),
	};

	return cmocka_run_group_tests_name("bus-drivers", tests, NULL, NULL);
}
