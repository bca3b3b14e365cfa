/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of vfio_ap's matrix device and mdevs (lib/vfio_ap*.c), over the fixture of
 * fixture.h: the matrix device and mdev sysfs layout, the mdev attributes with their exact
 * errno (spec 6.3, 6.4) and the persistence helpers.
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
#include "kvm/guest-internal.h"
#include "vfio_ap/vfio_ap-internal.h"
#include "vfio_ap/vfio_ap-private.h"
#include "fixture.h"

/* ------------------------------------------------------------------------------------- */

static void test_matrix_device(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(rd(f, "devices/vfio_ap/matrix/features"), "guest_matrix hotplug ap_config\n");
	assert_string_equal(rd(f, "devices/vfio_ap/matrix/uevent"), "DRIVER=vfio_ap\n");
	assert_string_equal(lnk(f, "devices/vfio_ap/matrix/subsystem"), "../../../bus/matrix");
	assert_string_equal(lnk(f, "devices/vfio_ap/matrix/driver"), "../../../bus/matrix/drivers/vfio_ap");
	assert_string_equal(lnk(f, "bus/matrix/devices/matrix"), "../../../devices/vfio_ap/matrix");
	assert_string_equal(lnk(f, "bus/matrix/drivers/vfio_ap/matrix"), "../../../../devices/vfio_ap/matrix");
	assert_string_equal(lnk(f, "class/mdev_bus/matrix"), "../../devices/vfio_ap/matrix");
	assert_true(exists(f, "bus/mdev/devices"));
	assert_true(exists(f, "bus/mdev/drivers/vfio_ap_mdev"));
	assert_true(exists(f, "bus/ap/drivers/vfio_ap"));

	assert_string_equal(rd(f, "devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/name"),
			    "VFIO AP Passthrough Device\n");
	assert_string_equal(rd(f, "devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/device_api"),
			    "vfio-ap\n");
	assert_string_equal(
		rd(f, "devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/available_instances"),
		"65536\n");
	assert_string_equal(rd(f, "devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create"),
			    "<error -13>");

	/* the registration's events, in order, before the first scan's */
	f->mark = 0;
	const struct apsim_uevent *ev = apsim_uevent_log_get(f->log, 0);
	assert_string_equal(apsim_uevent_action_name(ev->action), "add");
	assert_string_equal(ev->devpath, "/devices/vfio_ap/matrix");
	assert_string_equal(ev->subsystem, "matrix");
	ev = apsim_uevent_log_get(f->log, 1);
	assert_string_equal(apsim_uevent_action_name(ev->action), "bind");
	assert_string_equal(ev->env[3], "DRIVER=vfio_ap");
	ev = apsim_uevent_log_get(f->log, 2);
	assert_string_equal(apsim_uevent_action_name(ev->action), "change");
	assert_string_equal(ev->env[3], "MDEV_STATE=registered");
	assert_string_equal(ev->env[4], "DRIVER=vfio_ap");

	/* the uevent file synthesizes events */
	mark(f);
	wr_ok(f, "devices/vfio_ap/matrix/uevent", "change\n");
	expect_events(f, "change /devices/vfio_ap/matrix|SYNTH_UUID=0,DRIVER=vfio_ap", NULL);
	assert_int_equal(wr(f, "devices/vfio_ap/matrix/uevent", "bogus"), -EINVAL);
	assert_int_equal(wr(f, "devices/vfio_ap/matrix/features", "x"), -EACCES);
}

static void test_mdev_create_remove(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"11111111-1111-4111-8111-11111111111",   /* 35 characters */
		"11111111_1111-4111-8111-111111111111",
		"111111111111-4111-8111-1111111111111",
		"1111111g-1111-4111-8111-111111111111",
		" 11111111-1111-4111-8111-111111111111",
		"\n",
	};
	const char *create = "devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create";

	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(wr(f, create, bad[i]), -EINVAL);
	mark(f);
	wr_ok(f, create, U1 "\n");
	/* the probe registers the vfio device between the mdev's add and bind */
	expect_events(f, "add /devices/vfio_ap/matrix/" U1 "|",
		      "add /devices/virtual/vfio/0|MAJOR=241,MINOR=0,DEVNAME=vfio/0",
		      "add /devices/vfio_ap/matrix/" U1 "/vfio-dev/vfio0|",
		      "bind /devices/vfio_ap/matrix/" U1 "|DRIVER=vfio_ap_mdev", NULL);
	/* the kernel takes 36 or 37 bytes and parses the first 36 only; the name is lowercase */
	assert_int_equal(wr(f, create, "2222222A-2222-4222-8222-222222222222junk"), -EINVAL);
	assert_int_equal(wr(f, create, "2222222A-2222-4222-8222-222222222222\n\n"), -EINVAL);
	assert_false(exists(f, "devices/vfio_ap/matrix/2222222a-2222-4222-8222-222222222222"));
	wr_ok(f, create, "2222222A-2222-4222-8222-222222222222j");
	assert_true(exists(f, "devices/vfio_ap/matrix/2222222a-2222-4222-8222-222222222222"));
	assert_int_equal(wr(f, create, "2222222a-2222-4222-8222-222222222222"), -EEXIST);
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U1), -EEXIST);
	assert_string_equal(
		rd(f, "devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/available_instances"),
		"65534\n");

	/* layout */
	assert_string_equal(lnk(f, MDEV(U1, "subsystem")), "../../../../bus/mdev");
	assert_string_equal(lnk(f, MDEV(U1, "driver")), "../../../../bus/mdev/drivers/vfio_ap_mdev");
	assert_string_equal(lnk(f, MDEV(U1, "mdev_type")), "../mdev_supported_types/vfio_ap-passthrough");
	assert_string_equal(lnk(f, "bus/mdev/devices/" U1), "../../../devices/vfio_ap/matrix/" U1);
	assert_string_equal(lnk(f, "bus/mdev/drivers/vfio_ap_mdev/" U1),
			    "../../../../devices/vfio_ap/matrix/" U1);
	assert_string_equal(lnk(f, "devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/devices/" U1),
			    "../../../" U1);
	assert_string_equal(rd(f, MDEV(U1, "uevent")), "DRIVER=vfio_ap_mdev\n");
	/* the VFIO and IOMMU cores: U1 got group 0 and vfio0, the second mdev group 1 */
	assert_string_equal(lnk(f, MDEV(U1, "iommu_group")), "../../../../kernel/iommu_groups/0");
	assert_string_equal(lnk(f, "kernel/iommu_groups/0/devices/" U1),
			    "../../../../devices/vfio_ap/matrix/" U1);
	assert_string_equal(rd(f, "kernel/iommu_groups/0/name"), "vfio-noiommu\n");
	assert_string_equal(rd(f, "kernel/iommu_groups/0/type"), "unknown\n");
	assert_string_equal(rd(f, "kernel/iommu_groups/0/reserved_regions"), "");
	assert_string_equal(lnk(f, "devices/vfio_ap/matrix/2222222a-2222-4222-8222-222222222222/iommu_group"),
			    "../../../../kernel/iommu_groups/1");
	assert_string_equal(rd(f, "devices/virtual/vfio/0/dev"), "241:0\n");
	assert_string_equal(rd(f, "devices/virtual/vfio/1/uevent"), "MAJOR=241\nMINOR=1\nDEVNAME=vfio/1\n");
	assert_string_equal(lnk(f, "class/vfio/0"), "../../devices/virtual/vfio/0");
	assert_string_equal(lnk(f, MDEV(U1, "vfio-dev/vfio0/subsystem")), "../../../../../../class/vfio-dev");
	assert_string_equal(lnk(f, MDEV(U1, "vfio-dev/vfio0/device")), "../../../" U1);
	assert_string_equal(lnk(f, "class/vfio-dev/vfio0"),
			    "../../devices/vfio_ap/matrix/" U1 "/vfio-dev/vfio0");
	mark(f);
	wr_ok(f, MDEV(U1, "uevent"), "add");
	expect_events(f, "add /devices/vfio_ap/matrix/" U1 "|SYNTH_UUID=0,DRIVER=vfio_ap_mdev", NULL);
	assert_int_equal(wr(f, MDEV(U1, "uevent"), "\n"), -EINVAL);
	assert_string_equal(rd(f, MDEV(U1, "assign_adapter")), "<error -13>");
	assert_string_equal(rd(f, MDEV(U1, "remove")), "<error -13>");
	assert_int_equal(wr(f, MDEV(U1, "matrix"), "1"), -EACCES);

	/* list order: newest first */
	struct apsim_mdev_record recs[4];
	assert_int_equal(apsim__vfio_ap_list_mdevs(f->v, recs, 4), 2);
	assert_string_equal(recs[0].uuid, "2222222a-2222-4222-8222-222222222222");
	assert_string_equal(recs[1].uuid, U1);
	assert_int_equal(apsim__vfio_ap_list_mdevs(f->v, NULL, 0), 2);

	/* remove: 0 does nothing, parse errors are EINVAL */
	assert_int_equal(wr(f, MDEV(U1, "remove"), "0"), 1);
	assert_int_equal(wr(f, MDEV(U1, "remove"), "x"), -EINVAL);
	assert_int_equal(wr(f, MDEV(U1, "remove"), "99999999999999999999999"), -EINVAL);
	mark(f);
	assert_int_equal(wr(f, MDEV(U1, "remove"), "1\n"), 2);
	expect_events(f, "remove /devices/vfio_ap/matrix/" U1 "/vfio-dev/vfio0|",
		      "remove /devices/virtual/vfio/0|MAJOR=241,MINOR=0,DEVNAME=vfio/0",
		      "unbind /devices/vfio_ap/matrix/" U1 "|", "remove /devices/vfio_ap/matrix/" U1 "|",
		      NULL);
	assert_false(exists(f, "kernel/iommu_groups/0"));
	assert_false(exists(f, "class/vfio/0"));
	assert_false(exists(f, "class/vfio-dev/vfio0"));
	assert_true(exists(f, "kernel/iommu_groups/1"));
	assert_false(exists(f, "devices/vfio_ap/matrix/" U1));
	assert_false(exists(f, "bus/mdev/devices/" U1));
	assert_false(exists(f, "bus/mdev/drivers/vfio_ap_mdev/" U1));
	assert_false(exists(f, "devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/devices/" U1));
	assert_int_equal(apsim__vfio_ap_mdev_remove(f->v, U1), -ENODEV);
	assert_string_equal(
		rd(f, "devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/available_instances"),
		"65535\n");
	/* the lowest free ids again (ida_alloc), the glue dir goes with the last group */
	wr_ok(f, create, U2);
	assert_string_equal(lnk(f, MDEV(U2, "iommu_group")), "../../../../kernel/iommu_groups/0");
	assert_true(exists(f, MDEV(U2, "vfio-dev/vfio0")));
	assert_int_equal(apsim__vfio_ap_mdev_remove(f->v, U2), 0);
	assert_int_equal(apsim__vfio_ap_mdev_remove(f->v, "2222222a-2222-4222-8222-222222222222"), 0);
	assert_false(exists(f, "devices/virtual/vfio"));
	assert_true(exists(f, "kernel/iommu_groups"));
}

static void test_modules(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(lnk(f, "devices/vfio_ap/module"), "../../module/vfio_ap");
	assert_string_equal(rd(f, "devices/vfio_ap/uevent"), "");
	assert_int_equal(wr(f, "devices/vfio_ap/uevent", "add"), 3);
	assert_int_equal(wr(f, "devices/vfio_ap/uevent", "bogus"), -EINVAL);
	assert_string_equal(rd(f, "module/vfio_ap/initstate"), "live\n");
	assert_string_equal(rd(f, "module/vfio_ap/refcnt"), "0\n");
	assert_string_equal(lnk(f, "module/vfio_ap/drivers/ap:vfio_ap"), "../../../bus/ap/drivers/vfio_ap");
	assert_string_equal(lnk(f, "module/vfio_ap/drivers/matrix:vfio_ap"),
			    "../../../bus/matrix/drivers/vfio_ap");
	assert_string_equal(lnk(f, "module/vfio_ap/drivers/mdev:vfio_ap_mdev"),
			    "../../../bus/mdev/drivers/vfio_ap_mdev");
	assert_string_equal(lnk(f, "bus/ap/drivers/vfio_ap/module"), "../../../../module/vfio_ap");
	assert_true(exists(f, "module/vfio_ap/holders"));
	assert_false(exists(f, "module/vfio_ap/parameters/domain"));
}

static void test_available_instances_run_out(void **state)
{
	struct fixture *f = *state;

	f->v->available_instances = 1;
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U1), 0);
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U2), -EUSERS);
	assert_int_equal(apsim__vfio_ap_mdev_remove(f->v, U1), 0);
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U2), 0);
}

static void test_parsing(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *in;
		ssize_t ret;
	} cases[] = {
		{ "10", 2 }, { "0x0b", 4 }, { "0X0c", 4 }, { "015", 3 }, { "+14\n", 4 }, { "0", 1 },
		{ "\n", -EINVAL }, { "0x", -EINVAL }, { "08", -EINVAL }, { "-1", -EINVAL },
		{ "+-1", -EINVAL }, { " 1", -EINVAL }, { "1 ", -EINVAL }, { "1\n\n", -EINVAL },
		{ "abc", -EINVAL }, { "18446744073709551616", -ERANGE }, { "0x1ffffffffffffffff", -ERANGE },
		{ "18446744073709551615", -ENODEV }, { "256", -ENODEV }, { "0400", -ENODEV },
	};

	assert_int_equal(apsim_bus_set_apmask(f->bus, "0x"), 0);
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U1), 0);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ssize_t r = wr(f, MDEV(U1, "assign_adapter"), cases[i].in);

		if (r != cases[i].ret)
			fail_msg("assign_adapter '%s': %zd, expected %zd", cases[i].in, r, cases[i].ret);
	}
	assert_string_equal(rd(f, MDEV(U1, "matrix")), "00.\n0a.\n0b.\n0c.\n0d.\n0e.\n");
	/* a NUL ends the kernel's string */
	assert_int_equal(apsim_tree_write(f->tree, MDEV(U1, "assign_domain"), "5\0x", 3), 3);
	assert_string_equal(rd(f, MDEV(U1, "matrix")), "00.0005\n0a.0005\n0b.0005\n0c.0005\n0d.0005\n0e.0005\n");
	/* the other five parse the same way */
	assert_int_equal(wr(f, MDEV(U1, "unassign_adapter"), "x"), -EINVAL);
	assert_int_equal(wr(f, MDEV(U1, "unassign_domain"), "99999999999999999999"), -ERANGE);
	assert_int_equal(wr(f, MDEV(U1, "assign_control_domain"), "85"), -ENODEV);
	assert_int_equal(wr(f, MDEV(U1, "unassign_control_domain"), "0x55"), -ENODEV);
	assert_int_equal(wr(f, MDEV(U1, "assign_domain"), "85"), -ENODEV);
	assert_int_equal(wr(f, MDEV(U1, "unassign_domain"), "85"), -ENODEV);
	wr_ok(f, MDEV(U1, "assign_control_domain"), "84");
	assert_string_equal(rd(f, MDEV(U1, "control_domains")), "0054\n");
}

static void test_validation(void **state)
{
	struct fixture *f = *state;

	host(f);
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U1), 0);
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U2), 0);
	/* 07.0020 is reserved (apmask bit 7, aqmask bit 0x20): only once both are assigned */
	wr_ok(f, MDEV(U1, "assign_adapter"), "7");
	assert_int_equal(wr(f, MDEV(U1, "assign_domain"), "0x20"), -EADDRNOTAVAIL);
	assert_string_equal(rd(f, MDEV(U1, "matrix")), "07.\n");
	wr_ok(f, MDEV(U1, "unassign_adapter"), "7");
	wr_ok(f, MDEV(U1, "assign_domain"), "0x20");
	assert_int_equal(wr(f, MDEV(U1, "assign_adapter"), "7"), -EADDRNOTAVAIL);
	wr_ok(f, MDEV(U1, "assign_adapter"), "4");
	/* sharing */
	wr_ok(f, MDEV(U2, "assign_adapter"), "4");
	assert_int_equal(wr(f, MDEV(U2, "assign_domain"), "0x20"), -EADDRINUSE);
	assert_string_equal(rd(f, MDEV(U2, "matrix")), "04.\n");
	wr_ok(f, MDEV(U2, "assign_domain"), "0x21");
	assert_int_equal(wr(f, MDEV(U1, "assign_domain"), "0x21"), -EADDRINUSE);
	/* control domains: neither reserved nor exclusive */
	wr_ok(f, MDEV(U1, "assign_control_domain"), "0x20");
	wr_ok(f, MDEV(U2, "assign_control_domain"), "0x20");
	invariants_hold(f);
	/* links: 04.0020 to U1, 04.0021 to U2 */
	assert_ptr_equal(vq(f, 4, 0x20)->qtable, apsim__vfio_ap_find_mdev(f->v, U1));
	assert_ptr_equal(vq(f, 4, 0x21)->qtable, apsim__vfio_ap_find_mdev(f->v, U2));
	assert_null(vq(f, 5, 0x20)->qtable);
}

static void test_matrix_formats(void **state)
{
	struct fixture *f = *state;

	host(f);
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U1), 0);
	assert_string_equal(rd(f, MDEV(U1, "matrix")), "");
	assert_string_equal(rd(f, MDEV(U1, "guest_matrix")), "");
	assert_string_equal(rd(f, MDEV(U1, "control_domains")), "");
	assert_string_equal(rd(f, MDEV(U1, "ap_config")), "0x" Z62 "00,0x" Z62 "00,0x" Z62 "00\n");
	wr_ok(f, MDEV(U1, "assign_adapter"), "5");
	wr_ok(f, MDEV(U1, "assign_adapter"), "6");
	assert_string_equal(rd(f, MDEV(U1, "matrix")), "05.\n06.\n");
	assert_string_equal(rd(f, MDEV(U1, "guest_matrix")), "05.\n");
	wr_ok(f, MDEV(U1, "unassign_adapter"), "5");
	wr_ok(f, MDEV(U1, "unassign_adapter"), "6");
	assert_int_equal(apsim_bus_set_aqmask(f->bus, "-0x20-0x22"), 0);
	wr_ok(f, MDEV(U1, "assign_domain"), "0x22");
	wr_ok(f, MDEV(U1, "assign_domain"), "0x21");
	assert_string_equal(rd(f, MDEV(U1, "matrix")), ".0021\n.0022\n");
	assert_string_equal(rd(f, MDEV(U1, "guest_matrix")), ".0021\n");
	wr_ok(f, MDEV(U1, "assign_adapter"), "5");
	wr_ok(f, MDEV(U1, "assign_adapter"), "4");
	assert_string_equal(rd(f, MDEV(U1, "matrix")), "04.0021\n04.0022\n05.0021\n05.0022\n");
	assert_string_equal(rd(f, MDEV(U1, "guest_matrix")), "04.0021\n05.0021\n");
	wr_ok(f, MDEV(U1, "assign_control_domain"), "0x40");
	wr_ok(f, MDEV(U1, "assign_control_domain"), "3");
	assert_string_equal(rd(f, MDEV(U1, "control_domains")), "0003\n0040\n");
	{
		struct apsim_mask a, q, d;
		char sa[APSIM_MASK_STRLEN], sq[APSIM_MASK_STRLEN], sd[APSIM_MASK_STRLEN], want[256];

		ids("4,5", &a);
		ids("0x21,0x22", &q);
		ids("3,0x40", &d);
		mask_str(&a, sa);
		mask_str(&q, sq);
		mask_str(&d, sd);
		sa[66] = sq[66] = '\0';
		snprintf(want, sizeof(want), "%s,%s,%s", sa, sq, sd);
		assert_string_equal(rd(f, MDEV(U1, "ap_config")), want);
	}
	assert_int_equal(strlen(f->buf), 201);

	/* more than a page: sysfs_emit_at cuts the text at PAGE_SIZE - 1 bytes, mid-line.
	 * Adapters 0x00-0x0f x domains 0x00-0x27: 640 lines of 8 bytes. */
	assert_int_equal(apsim_bus_set_apmask(f->bus, "0x"), 0);
	assert_int_equal(apsim_bus_set_aqmask(f->bus, "0x"), 0);
	wr_ok(f, MDEV(U1, "ap_config"), "0xffff,0xffffffffff,0x0\n");
	{
		static char want[640 * 8 + 1];
		size_t pos = 0;

		for (unsigned a = 0; a < 16; a++)
			for (unsigned q = 0; q < 40; q++)
				pos += (size_t) snprintf(want + pos, sizeof(want) - pos, "%02x.%04x\n", a, q);
		want[APSIM_SYSFS_PAGE - 1] = '\0';
		assert_string_equal(rd(f, MDEV(U1, "matrix")), want);
		assert_int_equal(strlen(f->buf), 4095);
		assert_string_equal(f->buf + 4088, "0c.001f");
	}
}

static void test_ap_config(void **state)
{
	struct fixture *f = *state;
	struct apsim_guest *g;

	host(f);
	lpar(f, APSIM_LPAR_ADAPTER, true, "6");
	assert_int_equal(apsim_bus_scan(f->bus), 1);
	assert_int_equal(apsim_bus_set_aqmask(f->bus, "-0x20-0x21"), 0);
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U1), 0);
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U2), 0);

	assert_int_equal(wr(f, MDEV(U1, "ap_config"), "0x08,0x0000000080"), -EINVAL);
	assert_int_equal(wr(f, MDEV(U1, "ap_config"), "0x08"), -EINVAL);
	assert_int_equal(wr(f, MDEV(U1, "ap_config"), "0X08,0,0"), -EINVAL);
	assert_int_equal(wr(f, MDEV(U1, "ap_config"), "0x08,0x0z,0"), -EINVAL);
	/* empty third token */
	assert_int_equal(wr(f, MDEV(U1, "ap_config"), "0x08,0x0000000080\n"), 18);
	assert_string_equal(rd(f, MDEV(U1, "matrix")), "04.0020\n");
	/* reservation (07.0022) before sharing (04.0020 is U1's) before range (0x55) */
	assert_int_equal(wr(f, MDEV(U2, "ap_config"), "0x09,0x00000000a0,0x0000000000000000000004"),
			 -EADDRNOTAVAIL);
	assert_int_equal(wr(f, MDEV(U2, "ap_config"), "0x08,0x0000000080,0x0000000000000000000004"),
			 -EADDRINUSE);
	assert_int_equal(wr(f, MDEV(U2, "ap_config"), "0x04,0x0000000080,0x0000000000000000000004"), -ENODEV);
	assert_string_equal(rd(f, MDEV(U2, "ap_config")), "0x" Z62 "00,0x" Z62 "00,0x" Z62 "00\n");

	wr_ok(f, MDEV(U1, "ap_config"), "0x0c,0x00000000c0,0x0000000080\n");
	g = guest_start(f, 0, "g", U1);
	expect_apcb(g, "4,5", "0x20,0x21", "0x20");
	assert_int_equal(g->apcb_updates, 1);
	/* unchanged: no update */
	wr_ok(f, MDEV(U1, "ap_config"), "0x0c,0x00000000c0,0x0000000080\n");
	assert_int_equal(g->apcb_updates, 1);
	/* 4 and 0x20 out, 6 and 0x22 in: three updates */
	assert_int_equal(apsim_bus_set_aqmask(f->bus, "-0x22"), 0);
	lpar(f, APSIM_LPAR_DOMAIN, true, "0x22");
	assert_int_equal(apsim_bus_scan(f->bus), 1);
	assert_int_equal(g->apcb_updates, 1);
	wr_ok(f, MDEV(U1, "ap_config"), "0x06,0x0000000060,0x0000000080\n");
	assert_int_equal(g->apcb_updates, 4);
	assert_int_equal(g->cfg_chg_signals, 4);
	expect_apcb(g, "5,6", "0x21,0x22", "0x20");
	assert_string_equal(rd(f, MDEV(U1, "guest_matrix")), "05.0021\n05.0022\n06.0021\n06.0022\n");
	invariants_hold(f);
}

static void test_list_and_restore(void **state)
{
	struct fixture *f = *state;
	struct apsim_mdev_record rec, out[2];

	host(f);
	memset(&rec, 0, sizeof(rec));
	snprintf(rec.uuid, sizeof(rec.uuid), "%s", U1);
	apsim_mask_set(&rec.apm, 4);
	apsim_mask_set(&rec.aqm, 0x20);
	apsim_mask_set(&rec.adm, 0x21);
	assert_int_equal(apsim__vfio_ap_restore_mdev(f->v, &rec), 0);
	assert_string_equal(rd(f, MDEV(U1, "matrix")), "04.0020\n");
	assert_string_equal(rd(f, MDEV(U1, "control_domains")), "0021\n");
	assert_int_equal(apsim__vfio_ap_restore_mdev(f->v, &rec), -EEXIST);
	/* a record that fails the stores leaves nothing behind */
	snprintf(rec.uuid, sizeof(rec.uuid), "%s", U2);
	assert_int_equal(apsim__vfio_ap_restore_mdev(f->v, &rec), -EADDRINUSE);
	assert_false(exists(f, "devices/vfio_ap/matrix/" U2));
	apsim_mask_zero(&rec.apm);
	apsim_mask_set(&rec.apm, 7);
	assert_int_equal(apsim__vfio_ap_restore_mdev(f->v, &rec), -EADDRNOTAVAIL);
	assert_int_equal(apsim__vfio_ap_list_mdevs(f->v, out, 2), 1);
	assert_string_equal(out[0].uuid, U1);
	/* restored mdevs keep the order of the records (appended), created ones go first */
	memset(&rec, 0, sizeof(rec));
	snprintf(rec.uuid, sizeof(rec.uuid), "%s", U2);
	assert_int_equal(apsim__vfio_ap_restore_mdev(f->v, &rec), 0);
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, "33333333-3333-4333-8333-333333333333"), 0);
	struct apsim_mdev_record three[3];
	assert_int_equal(apsim__vfio_ap_list_mdevs(f->v, three, 3), 3);
	assert_string_equal(three[0].uuid, "33333333-3333-4333-8333-333333333333");
	assert_string_equal(three[1].uuid, U1);
	assert_string_equal(three[2].uuid, U2);
	assert_true(apsim_mask_test(&out[0].apm, 4));
	assert_true(apsim_mask_test(&out[0].aqm, 0x20));
	assert_true(apsim_mask_test(&out[0].adm, 0x21));
	assert_int_equal(apsim_mask_weight(&out[0].apm), 1);
}

static int count_cb(const char *uuid, void *ctx)
{
	int *n = ctx;

	(*n)++;
	return strcmp(uuid, U1) == 0 ? 7 : 0;
}

static void test_for_each(void **state)
{
	struct fixture *f = *state;
	int n = 0;

	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U1), 0);
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U2), 0);
	/* newest (U2) first, stops at U1 with its value */
	assert_int_equal(apsim__vfio_ap_for_each_mdev(f->v, count_cb, &n), 7);
	assert_int_equal(n, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_matrix_device,
						fixture_setup_vfio_ap, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_mdev_create_remove,
						fixture_setup_vfio_ap, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_modules,
						fixture_setup_vfio_ap, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_available_instances_run_out,
						fixture_setup_vfio_ap, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_parsing,
						fixture_setup_vfio_ap, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_validation,
						fixture_setup_vfio_ap, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_matrix_formats,
						fixture_setup_vfio_ap, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_ap_config,
						fixture_setup_vfio_ap, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_list_and_restore,
						fixture_setup_vfio_ap, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_for_each,
						fixture_setup_vfio_ap, fixture_teardown),
	};

	return cmocka_run_group_tests_name("vfio_ap-mdev", tests, NULL, NULL);
}
