/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of vfio_ap (lib/vfio_ap*.c, lib/sim/invariants.c): the matrix device and mdev sysfs
 * layout, the mdev attributes with their exact errno (spec 6.3, 6.4), filtering (6.5), guest
 * attach/detach (6.6), resets (6.7), probe/remove (6.8), status (6.9), in_use (6.10), the three
 * hot plug policies and the mainline quirks (6.11), persistence helpers and the invariants.
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

#define U1 "11111111-1111-4111-8111-111111111111"
#define U2 "22222222-2222-4222-8222-222222222222"
#define MDEV(u, attr) "devices/vfio_ap/matrix/" u "/" attr

struct fixture {
	enum apsim_policy policy;
	unsigned quirks;
	struct apsim_machine *m;
	struct apsim_clock *clock;
	struct apsim_tree *tree;
	struct apsim_uevent_log *log;
	struct apsim_bus *bus;
	struct apsim_zcrypt *zc;
	struct apsim_vfio_ap *v;
	struct apsim_guest *guests[4];
	size_t mark;
	char buf[APSIM_SYSFS_PAGE + 1];
};

static int setup_policy(void **state, enum apsim_policy policy, unsigned quirks)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->policy = policy;
	f->quirks = quirks;
	assert_int_equal(apsim_machine_new_empty(&f->m), 0);
	apsim_machine_set_notify(f->m, false);
	assert_int_equal(apsim_clock_new_virtual(&f->clock), 0);
	assert_int_equal(apsim_tree_new(&f->tree), 0);
	assert_int_equal(apsim_uevent_log_new(&f->log), 0);
	struct apsim_bus_config cfg = {
		.name = "host", .ops = apsim_machine_ap_ops(), .ops_ctx = f->m, .tree = f->tree,
		.uevents = f->log, .clock = f->clock, .domain_param = -1,
	};
	assert_int_equal(apsim_bus_new(&cfg, &f->bus), 0);
	assert_int_equal(apsim__zcrypt_new(f->bus, &f->zc), 0);
	assert_int_equal(apsim__vfio_ap_new(f->bus, policy, quirks, &f->v), 0);
	assert_int_equal(apsim_bus_scan(f->bus), 0);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_policy(state, APSIM_POLICY_KERNEL, 0);
}

static int setup_legacy(void **state)
{
	return setup_policy(state, APSIM_POLICY_LEGACY, 0);
}

static int setup_coalesced(void **state)
{
	return setup_policy(state, APSIM_POLICY_COALESCED, 0);
}

static int setup_quirks(void **state)
{
	return setup_policy(state, APSIM_POLICY_KERNEL, APSIM_QUIRK_MAINLINE);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	for (unsigned i = 0; i < 4; i++) {
		if (!f->guests[i])
			continue;
		apsim__vfio_ap_close_device(f->v, f->guests[i]);
		apsim__guest_free(f->guests[i]);
	}
	apsim__vfio_ap_free(f->v);
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

static void lpar(struct fixture *f, enum apsim_lpar_set set, bool add, const char *list)
{
	struct apsim_mask m;

	assert_int_equal(apsim_mask_parse_list(list, &m), 0);
	assert_int_equal(apsim_machine_lpar_change(f->m, set, add, &m), 0);
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

static void wr_ok(struct fixture *f, const char *path, const char *s)
{
	assert_int_equal(wr(f, path, s), (ssize_t) strlen(s));
}

static const char *grd(struct fixture *f, struct apsim_guest *g, const char *path)
{
	ssize_t n = apsim_tree_read(g->tree, path, f->buf, APSIM_SYSFS_PAGE);

	if (n < 0) {
		snprintf(f->buf, sizeof(f->buf), "<error %zd>", n);
		return f->buf;
	}
	f->buf[n] = '\0';
	return f->buf;
}

static const char *lnk(struct fixture *f, const char *path)
{
	if (apsim_tree_readlink(f->tree, path, f->buf, sizeof(f->buf)) < 0)
		return "<error>";
	return f->buf;
}

static bool exists(struct fixture *f, const char *path)
{
	struct apsim_node_info info;

	return apsim_tree_lookup(f->tree, path, &info) == 0;
}

/* "action devpath|env after SUBSYSTEM" of the events since the mark, then moves the mark */
static void expect_events(struct fixture *f, ...)
{
	const char *want;
	char got[512];
	size_t i = f->mark;
	va_list ap;

	va_start(ap, f);
	while ((want = va_arg(ap, const char *))) {
		const struct apsim_uevent *ev;
		size_t pos;

		if (i >= apsim_uevent_log_count(f->log))
			fail_msg("missing event: %s", want);
		ev = apsim_uevent_log_get(f->log, i);
		pos = (size_t) snprintf(got, sizeof(got), "%s %s|", apsim_uevent_action_name(ev->action),
					ev->devpath);
		/* env[0..2] are ACTION, DEVPATH, SUBSYSTEM; the last is SEQNUM */
		for (unsigned k = 3; k + 1 < ev->n_env && pos < sizeof(got); k++)
			pos += (size_t) snprintf(got + pos, sizeof(got) - pos, "%s%s", k > 3 ? "," : "",
						 ev->env[k]);
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

static struct apsim_guest *guest_start(struct fixture *f, unsigned slot, const char *name,
				       const char *uuid)
{
	struct apsim_guest *g;

	assert_int_equal(apsim__guest_new(name, f->m, f->clock, &g), 0);
	assert_int_equal(apsim__vfio_ap_open_device(f->v, uuid, g), 0);
	f->guests[slot] = g;
	return g;
}

static void guest_stop(struct fixture *f, unsigned slot)
{
	apsim__vfio_ap_close_device(f->v, f->guests[slot]);
	apsim__guest_free(f->guests[slot]);
	f->guests[slot] = NULL;
}

static const char *mask_str(const struct apsim_mask *m, char buf[APSIM_MASK_STRLEN])
{
	apsim_mask_format(m, buf, APSIM_MASK_STRLEN);
	return buf;
}

static void ids(const char *list, struct apsim_mask *ret)
{
	apsim_mask_zero(ret);
	if (*list)
		assert_int_equal(apsim_mask_parse_list(list, ret), 0);
}

/* The guest's APCB, as id lists ("" = empty) */
static void expect_apcb(struct apsim_guest *g, const char *apm, const char *aqm, const char *adm)
{
	struct apsim_mask m;
	char want[APSIM_MASK_STRLEN], got[APSIM_MASK_STRLEN];

	ids(apm, &m);
	assert_string_equal(mask_str(&g->apm, got), mask_str(&m, want));
	ids(aqm, &m);
	assert_string_equal(mask_str(&g->aqm, got), mask_str(&m, want));
	ids(adm, &m);
	assert_string_equal(mask_str(&g->adm, got), mask_str(&m, want));
}

static struct vfio_ap_queue *vq(struct fixture *f, unsigned apid, unsigned apqi)
{
	return apsim__vfio_ap_find_queue(f->v, APSIM_QID(apid, apqi));
}

static void invariants_hold(struct fixture *f)
{
	char msg[256];

	assert_int_equal(apsim__vfio_ap_check_invariants(f->v, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");
}

#define Z62 "00000000000000000000000000000000000000000000000000000000000000"
#define ZERO_MASK "0x" Z62 "00\n"

/*
 * The usual host: CEX8C cards 4 and 5 (and 6 installed but not configured), domains 0x20 and
 * 0x21, control domain 0x20; adapters 4-6 released from zcrypt.
 */
static void host(struct fixture *f)
{
	card_add(f, 4, "CEX8C");
	card_add(f, 5, "CEX8C");
	card_add(f, 6, "CEX8C");
	lpar(f, APSIM_LPAR_ADAPTER, true, "4,5");
	lpar(f, APSIM_LPAR_DOMAIN, true, "0x20,0x21");
	lpar(f, APSIM_LPAR_CONTROL_DOMAIN, true, "0x20");
	assert_int_equal(apsim_bus_scan(f->bus), 1);
	assert_int_equal(apsim_bus_set_apmask(f->bus, "-4-6"), 0);
}

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

static void test_filtering_and_resets(void **state)
{
	struct fixture *f = *state;
	struct apsim_guest *g;
	uint64_t r4_20, r5_20, r5_21;

	host(f);
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U1), 0);
	wr_ok(f, MDEV(U1, "assign_adapter"), "4");
	wr_ok(f, MDEV(U1, "assign_adapter"), "5");
	wr_ok(f, MDEV(U1, "assign_domain"), "0x20");
	g = guest_start(f, 0, "g", U1);
	assert_int_equal(g->apcb_updates, 1);
	/* spec 6.5: 05.0021 unbound, assigning 0x21 filters adapter 5 and resets 05.0020 */
	wr_ok(f, "bus/ap/drivers/vfio_ap/unbind", "05.0021");
	assert_null(vq(f, 5, 0x21));
	r4_20 = vq(f, 4, 0x20)->resets;
	r5_20 = vq(f, 5, 0x20)->resets;
	wr_ok(f, MDEV(U1, "assign_domain"), "0x21");
	assert_int_equal(g->apcb_updates, 2);
	expect_apcb(g, "4", "0x20,0x21", "");
	assert_int_equal(vq(f, 5, 0x20)->resets, r5_20 + 1);
	assert_int_equal(vq(f, 4, 0x20)->resets, r4_20);
	assert_string_equal(rd(f, "devices/ap/card05/05.0020/status"), "assigned\n");
	/* probe re-plugs */
	wr_ok(f, "bus/ap/drivers/vfio_ap/bind", "05.0021");
	assert_int_equal(g->apcb_updates, 3);
	expect_apcb(g, "4,5", "0x20,0x21", "");
	/* unassign a domain: the queues in the guest are reset, exactly once each */
	r4_20 = vq(f, 4, 0x20)->resets;
	r5_20 = vq(f, 5, 0x20)->resets;
	r5_21 = vq(f, 5, 0x21)->resets;
	wr_ok(f, MDEV(U1, "unassign_domain"), "0x20");
	assert_int_equal(g->apcb_updates, 4);
	assert_int_equal(vq(f, 4, 0x20)->resets, r4_20 + 1);
	assert_int_equal(vq(f, 5, 0x20)->resets, r5_20 + 1);
	assert_int_equal(vq(f, 5, 0x21)->resets, r5_21);
	/* the reset queues lose their back-link too */
	assert_null(vq(f, 4, 0x20)->matrix_mdev);
	assert_null(vq(f, 4, 0x20)->qtable);
	invariants_hold(f);
}

static void test_reset_polling(void **state)
{
	struct fixture *f = *state;
	struct apsim_guest *g;
	uint64_t before, now;

	host(f);
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U1), 0);
	wr_ok(f, MDEV(U1, "ap_config"), "0x0c,0x0000000080,0x0");
	g = guest_start(f, 0, "g", U1);
	/* RC 2 from ZAPQ, then two busy polls: a second ZAPQ, final status 0 */
	before = vq(f, 4, 0x20)->resets;
	now = apsim_clock_now(f->clock);
	assert_int_equal(apsim_machine_queue_inject_rc(f->m, APSIM_QID(4, 0x20), 2, 3), 0);
	wr_ok(f, MDEV(U1, "unassign_adapter"), "4");
	wr_ok(f, MDEV(U1, "assign_adapter"), "4");
	assert_int_equal(vq(f, 4, 0x20)->resets, before + 2);
	assert_int_equal(vq(f, 4, 0x20)->reset_status.response_code, 0);
	assert_int_equal(apsim_clock_now(f->clock), now);
	assert_int_equal(g->apcb_updates, 3);
	/* BUSY for ever: one ZAPQ, 50 polls, give up with RC 5 stored: adapter filtered */
	before = vq(f, 5, 0x20)->resets;
	assert_int_equal(apsim_machine_queue_inject_rc(f->m, APSIM_QID(5, 0x20), 5, 52), 0);
	wr_ok(f, MDEV(U1, "unassign_adapter"), "5");
	assert_int_equal(vq(f, 5, 0x20)->resets, before + 1);
	assert_int_equal(vq(f, 5, 0x20)->reset_status.response_code, 5);
	/* one injection left: the next TAPQ answers BUSY, then the machine's own RC */
	struct apsim_qstatus st;
	apsim_machine_tapq(f->m, APSIM_QID(5, 0x20), false, &st, NULL);
	assert_int_equal(st.response_code, 5);
	apsim_machine_tapq(f->m, APSIM_QID(5, 0x20), false, &st, NULL);
	assert_int_equal(st.response_code, 0);
	wr_ok(f, MDEV(U1, "assign_adapter"), "5");
	assert_string_equal(rd(f, MDEV(U1, "guest_matrix")), "04.0020\n");
	assert_int_equal(g->apcb_updates, 4);
	/* RC 6: WARN, stored, not passable */
	assert_int_equal(apsim_machine_queue_inject_rc(f->m, APSIM_QID(4, 0x20), 6, 1), 0);
	wr_ok(f, MDEV(U1, "unassign_adapter"), "4");
	assert_int_equal(vq(f, 4, 0x20)->reset_status.response_code, 6);
	wr_ok(f, MDEV(U1, "assign_adapter"), "4");
	assert_string_equal(rd(f, MDEV(U1, "guest_matrix")), ".0020\n");
	/* close_device resets every linked queue (-EIO-free now), the statuses are 0 again */
	guest_stop(f, 0);
	assert_int_equal(vq(f, 4, 0x20)->reset_status.response_code, 0);
	assert_int_equal(vq(f, 5, 0x20)->reset_status.response_code, 0);
}

static void test_guests(void **state)
{
	struct fixture *f = *state;
	struct apsim_guest *g, *h;

	host(f);
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U1), 0);
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U2), 0);
	wr_ok(f, MDEV(U1, "ap_config"), "0x08,0x0000000080,0x0000000080");
	assert_int_equal(apsim__guest_new("g", f->m, f->clock, &g), 0);
	f->guests[0] = g;
	assert_int_equal(apsim__vfio_ap_open_device(f->v, "33333333-3333-4333-8333-333333333333", g), -ENODEV);
	assert_int_equal(g->apcb_updates, 0);
	assert_int_equal(apsim__vfio_ap_open_device(f->v, U1, g), 0);
	assert_string_equal(g->mdev, U1);
	assert_int_equal(g->apcb_updates, 1);
	assert_int_equal(g->cfg_chg_signals, 1);
	expect_apcb(g, "4", "0x20", "0x20");
	/* one guest, two mdevs: EPERM (spec 8 item 25); one mdev, two guests: EPERM */
	assert_int_equal(apsim__vfio_ap_open_device(f->v, U2, g), -EPERM);
	assert_int_equal(apsim__guest_new("h", f->m, f->clock, &h), 0);
	f->guests[1] = h;
	assert_int_equal(apsim__vfio_ap_open_device(f->v, U1, h), -EPERM);
	assert_int_equal(g->apcb_updates, 1);
	assert_int_equal(h->apcb_updates, 0);
	/* remove while attached: refused, but the request callback signals config change
	 * (spec 6.13), once per attempt; the APCB is left alone */
	assert_int_equal(apsim__vfio_ap_mdev_remove(f->v, U1), -EBUSY);
	assert_int_equal(wr(f, MDEV(U1, "remove"), "1"), -EBUSY);
	assert_int_equal(g->cfg_chg_signals, 3);
	assert_int_equal(g->apcb_updates, 1);
	/* the guest's own AP bus sees its APCB */
	assert_string_equal(grd(f, g, "devices/ap/card04/04.0020/online"), "1\n");
	{
		struct apsim_mask m;
		char want[APSIM_MASK_STRLEN];

		ids("0x20", &m);
		assert_string_equal(grd(f, g, "bus/ap/ap_control_domain_mask"), mask_str(&m, want));
		ids("4", &m);
		assert_string_equal(grd(f, g, "bus/ap/ap_adapter_mask"), mask_str(&m, want));
	}
	/* close: cleared (one update, no eventfd signal), queues reset, detached */
	uint64_t resets = vq(f, 4, 0x20)->resets;
	apsim__vfio_ap_close_device(f->v, g);
	assert_int_equal(g->apcb_updates, 2);
	assert_int_equal(g->cfg_chg_signals, 3);
	assert_string_equal(g->mdev, "");
	expect_apcb(g, "", "", "");
	assert_int_equal(vq(f, 4, 0x20)->resets, resets + 1);
	assert_string_equal(rd(f, "devices/ap/card04/04.0020/status"), "assigned\n");
	assert_int_equal(apsim_tree_lookup(g->tree, "devices/ap/card04", &(struct apsim_node_info){ 0 }), -ENOENT);
	/* closing again is a no-op */
	apsim__vfio_ap_close_device(f->v, g);
	assert_int_equal(g->apcb_updates, 2);
	/* h can have it now, and g U2 */
	assert_int_equal(apsim__vfio_ap_open_device(f->v, U1, h), 0);
	assert_int_equal(apsim__vfio_ap_open_device(f->v, U2, g), 0);
	assert_int_equal(g->apcb_updates, 3);
	expect_apcb(g, "", "", "");
	invariants_hold(f);
}

static void test_status_and_in_use(void **state)
{
	struct fixture *f = *state;

	host(f);
	assert_false(exists(f, "devices/ap/card04/04.0020/online"));
	assert_string_equal(rd(f, "devices/ap/card04/04.0020/status"), "unassigned\n");
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U1), 0);
	wr_ok(f, MDEV(U1, "assign_adapter"), "4");
	wr_ok(f, MDEV(U1, "assign_domain"), "0x20");
	assert_int_equal(apsim_bus_set_aqmask(f->bus, "-0x22"), 0);
	wr_ok(f, MDEV(U1, "assign_domain"), "0x22");
	assert_string_equal(rd(f, "devices/ap/card04/04.0020/status"), "assigned\n");
	assert_string_equal(rd(f, "devices/ap/card04/04.0021/status"), "unassigned\n");
	guest_start(f, 0, "g", U1);
	assert_string_equal(rd(f, "devices/ap/card04/04.0020/status"), "in use\n");
	/* in_use: EADDRINUSE from the driver, EBUSY from the bus, even for 04.0022 (absent) */
	struct apsim_mask apm, aqm;
	assert_int_equal(apsim_mask_parse_list("4", &apm), 0);
	assert_int_equal(apsim_mask_parse_list("0x22", &aqm), 0);
	assert_int_equal(f->v->drv.in_use(&f->v->drv, &apm, &aqm), -EADDRINUSE);
	assert_int_equal(apsim_mask_parse_list("5", &apm), 0);
	assert_int_equal(f->v->drv.in_use(&f->v->drv, &apm, &aqm), 0);
	assert_int_equal(wr(f, "bus/ap/apmask", "+4"), -EBUSY);
	/* reserving 0x22 only reserves it on adapters in apmask: 04.0022 stays free */
	assert_int_equal(wr(f, "bus/ap/aqmask", "+0x22"), 5);
	assert_string_equal(rd(f, "devices/ap/card04/04.0020/status"), "in use\n");
	/* 05.* are vfio_ap's but nobody's: they go back to cex4queue */
	wr_ok(f, "bus/ap/apmask", "+5");
	assert_null(vq(f, 5, 0x20));
	assert_true(exists(f, "devices/ap/card05/05.0020/online"));
	invariants_hold(f);
}

/* spec 6.8: the remove paths */
static void test_remove_paths(void **state)
{
	struct fixture *f = *state;
	struct apsim_guest *g;
	uint64_t reset_total;

	host(f);
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U1), 0);
	wr_ok(f, MDEV(U1, "ap_config"), "0x0c,0x00000000c0,0x0");
	g = guest_start(f, 0, "g", U1);
	/* host removes adapter 5: unplugged in on_config_changed, its queue removals are silent */
	reset_total = f->v->total_resets;
	lpar(f, APSIM_LPAR_ADAPTER, false, "5");
	assert_int_equal(apsim_bus_scan(f->bus), 1);
	assert_int_equal(g->apcb_updates, 2);
	assert_int_equal(f->v->total_resets, reset_total);
	expect_apcb(g, "4", "0x20,0x21", "");
	/* card 4 pulled (stays configured): the first removal unplugs and resets the adapter's
	 * queues in the guest (2), the second is merely reset (1) */
	reset_total = f->v->total_resets;
	assert_int_equal(apsim_machine_card_remove(f->m, 4), 0);
	assert_int_equal(apsim_bus_scan(f->bus), 0);
	assert_int_equal(g->apcb_updates, 3);
	assert_int_equal(f->v->total_resets, reset_total + 3);
	expect_apcb(g, "", "0x20,0x21", "");
	assert_null(f->v->queues_list);
	invariants_hold(f);
}

/* The change set of tests/scenarios/6.11-policy-*.scn: adapter 2 and domain 6 out, adapter 3
 * and domain 7 in, one scan; guest a's mdev holds 1-3 x 5-7, guest b's 04.0009. */
static void policy_change_set(struct fixture *f, uint64_t want_a, uint64_t want_signals_a)
{
	struct apsim_guest *a, *b;

	for (unsigned i = 1; i <= 4; i++)
		card_add(f, i, "CEX8C");
	lpar(f, APSIM_LPAR_ADAPTER, true, "1,2,4");
	lpar(f, APSIM_LPAR_DOMAIN, true, "5,6,9");
	assert_int_equal(apsim_bus_scan(f->bus), 1);
	assert_int_equal(apsim_bus_set_apmask(f->bus, "-1-4"), 0);
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U1), 0);
	wr_ok(f, MDEV(U1, "ap_config"), "0x70,0x07,0x0");
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U2), 0);
	wr_ok(f, MDEV(U2, "ap_config"), "0x08,0x0040,0x0");
	a = guest_start(f, 0, "a", U1);
	b = guest_start(f, 1, "b", U2);
	expect_apcb(a, "1,2", "5,6", "");

	lpar(f, APSIM_LPAR_ADAPTER, false, "2");
	lpar(f, APSIM_LPAR_DOMAIN, false, "6");
	lpar(f, APSIM_LPAR_ADAPTER, true, "3");
	lpar(f, APSIM_LPAR_DOMAIN, true, "7");
	assert_int_equal(apsim_bus_scan(f->bus), 1);
	expect_apcb(a, "1,3", "5,7", "");
	expect_apcb(b, "4", "9", "");
	assert_int_equal(a->apcb_updates, want_a);
	assert_int_equal(a->cfg_chg_signals, want_signals_a);
	assert_int_equal(b->apcb_updates, 1);
	assert_int_equal(b->cfg_chg_signals, 1);
	assert_false(f->v->cfg_window);
	invariants_hold(f);
	/* the guest's bus followed: cards 1 and 3 with domains 5 and 7 */
	assert_int_equal(apsim_tree_lookup(a->tree, "devices/ap/card03/03.0007", &(struct apsim_node_info){ 0 }), 0);
	assert_int_equal(apsim_tree_lookup(a->tree, "devices/ap/card02", &(struct apsim_node_info){ 0 }), -ENOENT);
}

static void test_policy_kernel(void **state)
{
	policy_change_set(*state, 3, 3);
}

static void test_policy_coalesced(void **state)
{
	policy_change_set(*state, 2, 2);
}

static void test_policy_legacy(void **state)
{
	struct fixture *f = *state;

	assert_null(f->v->drv.on_config_changed);
	assert_null(f->v->drv.on_scan_complete);
	policy_change_set(f, 4, 4);
}

/* coalesced: a pure removal and a pure addition cost one update each, an untouched guest none */
static void test_coalesced_single_direction(void **state)
{
	struct fixture *f = *state;
	struct apsim_guest *g;

	host(f);
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U1), 0);
	wr_ok(f, MDEV(U1, "ap_config"), "0x0e,0x00000000c0,0x00000000c0");
	g = guest_start(f, 0, "g", U1);
	assert_int_equal(g->apcb_updates, 1);
	lpar(f, APSIM_LPAR_ADAPTER, false, "5");
	lpar(f, APSIM_LPAR_CONTROL_DOMAIN, false, "0x20");
	assert_int_equal(apsim_bus_scan(f->bus), 1);
	assert_int_equal(g->apcb_updates, 2);
	expect_apcb(g, "4", "0x20,0x21", "");
	lpar(f, APSIM_LPAR_ADAPTER, true, "5,6");
	lpar(f, APSIM_LPAR_CONTROL_DOMAIN, true, "0x20,0x21");
	assert_int_equal(apsim_bus_scan(f->bus), 1);
	assert_int_equal(g->apcb_updates, 3);
	expect_apcb(g, "4-6", "0x20,0x21", "0x20,0x21");
	lpar(f, APSIM_LPAR_DOMAIN, true, "0x30");
	assert_int_equal(apsim_bus_scan(f->bus), 1);
	assert_int_equal(g->apcb_updates, 3);
	invariants_hold(f);
}

/* spec 6.11 mainline quirks: control-domain removal is not unplugged, the useless update of
 * another mdev, the missing update when a mask becomes empty */
static void test_mainline_quirks(void **state)
{
	struct fixture *f = *state;
	struct apsim_guest *n, *o;

	host(f);
	lpar(f, APSIM_LPAR_CONTROL_DOMAIN, true, "0x21");
	assert_int_equal(apsim_bus_scan(f->bus), 1);
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U1), 0);
	wr_ok(f, MDEV(U1, "ap_config"), "0x04,0x0000000080,0x0000000040");
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U2), 0);
	wr_ok(f, MDEV(U2, "ap_config"), "0x08,0x0000000080,0x0000000080");
	o = guest_start(f, 0, "o", U1);
	n = guest_start(f, 1, "n", U2);
	lpar(f, APSIM_LPAR_CONTROL_DOMAIN, false, "0x20");
	assert_int_equal(apsim_bus_scan(f->bus), 1);
	/* n keeps control domain 0x20, o gets an update that changes nothing */
	assert_int_equal(n->apcb_updates, 1);
	assert_int_equal(o->apcb_updates, 2);
	assert_true(apsim_mask_test(&n->adm, 0x20));
	/* adapter 4 leaves: n's APM becomes empty: no update, n keeps adapter 4 */
	lpar(f, APSIM_LPAR_ADAPTER, false, "4");
	assert_int_equal(apsim_bus_scan(f->bus), 1);
	assert_int_equal(n->apcb_updates, 1);
	assert_true(apsim_mask_test(&n->apm, 4));
	assert_string_equal(rd(f, MDEV(U2, "guest_matrix")), ".0020\n");
	/* harmless only because the host does not have adapter 4 any more */
	invariants_hold(f);
}

static void test_invariants_detect(void **state)
{
	struct fixture *f = *state;
	struct apsim_guest *g;
	struct vfio_ap_mdev *m1, *m2;
	char msg[256];

	host(f);
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U1), 0);
	assert_int_equal(apsim__vfio_ap_mdev_create(f->v, U2), 0);
	wr_ok(f, MDEV(U1, "ap_config"), "0x08,0x0000000080,0x0");
	g = guest_start(f, 0, "g", U1);
	invariants_hold(f);
	/* an APQN in the APCB, in the host configuration, not bound */
	apsim_mask_set(&g->apm, 5);
	wr_ok(f, "bus/ap/drivers/vfio_ap/unbind", "05.0020");
	assert_int_equal(apsim__vfio_ap_check_invariants(f->v, msg, sizeof(msg)), -EPROTO);
	assert_string_equal(msg, "guest 'g': APQN 05.0020 is in its APCB and in the host configuration but "
				 "not bound to vfio_ap");
	/* bound but not linked to its mdev */
	wr_ok(f, "bus/ap/drivers/vfio_ap/bind", "05.0020");
	assert_int_equal(apsim__vfio_ap_check_invariants(f->v, msg, sizeof(msg)), -EPROTO);
	assert_string_equal(msg, "guest 'g': APQN 05.0020 is in its APCB and in the host configuration but "
				 "not linked to its mdev");
	/* outside the host configuration: fine as far as clause 1 goes; the APCB != shadow */
	lpar(f, APSIM_LPAR_ADAPTER, true, "6");
	apsim_mask_clear(&g->apm, 5);
	apsim_mask_set(&g->apm, 7);
	assert_int_equal(apsim__vfio_ap_check_invariants(f->v, msg, sizeof(msg)), -EPROTO);
	assert_string_equal(msg, "guest 'g': APCB differs from the guest_matrix of mdev " U1);
	apsim_mask_clear(&g->apm, 7);
	invariants_hold(f);
	/* two mdevs holding the same APQN */
	m1 = apsim__vfio_ap_find_mdev(f->v, U1);
	m2 = apsim__vfio_ap_find_mdev(f->v, U2);
	m2->matrix.apm = m1->matrix.apm;
	m2->matrix.aqm = m1->matrix.aqm;
	assert_int_equal(apsim__vfio_ap_check_invariants(f->v, msg, sizeof(msg)), -EPROTO);
	assert_string_equal(msg, "APQN 04.0020 is assigned to mdev " U1 " and mdev " U2);
	apsim_mask_zero(&m2->matrix.apm);
	apsim_mask_zero(&m2->matrix.aqm);
	/* a reserved queue bound to vfio_ap (forged entry) */
	struct vfio_ap_queue fake = { .apqn = APSIM_QID(7, 0x20) };
	fake.next = f->v->queues_list;
	f->v->queues_list = &fake;
	assert_int_equal(apsim__vfio_ap_check_invariants(f->v, msg, sizeof(msg)), -EPROTO);
	assert_string_equal(msg, "queue 07.0020 is reserved for the default drivers but bound to vfio_ap");
	f->v->queues_list = fake.next;
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
		cmocka_unit_test_setup_teardown(test_matrix_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mdev_create_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_available_instances_run_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parsing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_matrix_formats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ap_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filtering_and_resets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_polling, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_and_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_coalesced, setup_coalesced, teardown),
		cmocka_unit_test_setup_teardown(test_policy_legacy, setup_legacy, teardown),
		cmocka_unit_test_setup_teardown(test_coalesced_single_direction, setup_coalesced, teardown),
		cmocka_unit_test_setup_teardown(test_mainline_quirks, setup_quirks, teardown),
		cmocka_unit_test_setup_teardown(test_invariants_detect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_and_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_for_each, setup, teardown),
	};
	return cmocka_run_group_tests_name("vfio_ap", tests, NULL, NULL);
}
