/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the AP bus (lib/bus): a bus over an empty emulated machine, its own sysfs
 * tree, uevent log and virtual clock. Attribute contents, uevent sequences and errnos are
 * compared exactly.
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

/* --- a test driver that records the notification callbacks --- */

struct testdrv {
	struct apsim_driver drv;
	struct fixture *f;
	int n_config_changed, n_scan_complete;
	size_t ev_at_config_changed, ev_at_scan_complete;
	struct apsim_qci cc_new, cc_old, sc_new, sc_old;
	int in_use_result;
	int n_in_use;
	struct apsim_mask in_use_apm, in_use_aqm;
	int n_probe, n_remove;
	int probe_result;
};

static const struct apsim_device_id testdrv_ids[] = {
	{ .match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX8 },
	{ .match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX7 },
	{ 0 },
};

static struct testdrv *to_td(struct apsim_driver *drv)
{
	return container_of(drv, struct testdrv, drv);
}

static int td_probe(struct apsim_device *dev)
{
	struct testdrv *td = to_td(apsim_device_get_driver(dev));

	td->n_probe++;
	return td->probe_result;
}

static void td_remove(struct apsim_device *dev)
{
	to_td(apsim_device_get_driver(dev))->n_remove++;
}

static int td_in_use(struct apsim_driver *drv, const struct apsim_mask *apm, const struct apsim_mask *aqm)
{
	struct testdrv *td = to_td(drv);

	td->n_in_use++;
	td->in_use_apm = *apm;
	td->in_use_aqm = *aqm;
	return td->in_use_result;
}

static void td_config_changed(struct apsim_driver *drv, const struct apsim_qci *n, const struct apsim_qci *o)
{
	struct testdrv *td = to_td(drv);

	td->n_config_changed++;
	td->cc_new = *n;
	td->cc_old = *o;
	td->ev_at_config_changed = apsim_uevent_log_count(td->f->log);
}

static void td_scan_complete(struct apsim_driver *drv, const struct apsim_qci *n, const struct apsim_qci *o)
{
	struct testdrv *td = to_td(drv);

	td->n_scan_complete++;
	td->sc_new = *n;
	td->sc_old = *o;
	td->ev_at_scan_complete = apsim_uevent_log_count(td->f->log);
}

static void testdrv_init(struct testdrv *td, struct fixture *f)
{
	memset(td, 0, sizeof(*td));
	td->f = f;
	td->drv.name = "testdrv";
	td->drv.ids = testdrv_ids;
	td->drv.flags = 0;
	td->drv.probe = td_probe;
	td->drv.remove = td_remove;
	td->drv.in_use = td_in_use;
	td->drv.on_config_changed = td_config_changed;
	td->drv.on_scan_complete = td_scan_complete;
}

/* --- fixture --- */

static int setup_common(void **state, bool zcrypt)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(apsim_machine_new_empty(&f->m), 0);
	apsim_machine_set_notify(f->m, false);
	assert_int_equal(apsim_clock_new_virtual(&f->clock), 0);
	assert_int_equal(apsim_tree_new(&f->tree), 0);
	assert_int_equal(apsim_uevent_log_new(&f->log), 0);
	struct apsim_bus_config cfg = {
		.name = "host",
		.ops = apsim_machine_ap_ops(),
		.ops_ctx = f->m,
		.tree = f->tree,
		.uevents = f->log,
		.clock = f->clock,
		.domain_param = -1,
	};
	assert_int_equal(apsim_bus_new(&cfg, &f->bus), 0);
	if (zcrypt)
		assert_int_equal(apsim__zcrypt_new(f->bus, &f->zc), 0);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_common(state, true);
}

static int setup_nodrivers(void **state)
{
	return setup_common(state, false);
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

/* --- helpers --- */

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

static const char *rdlink(struct fixture *f, const char *path)
{
	int r = apsim_tree_readlink(f->tree, path, f->buf, sizeof(f->buf));

	if (r < 0)
		snprintf(f->buf, sizeof(f->buf), "<error %d>", r);
	return f->buf;
}

static bool exists(struct fixture *f, const char *path)
{
	struct apsim_node_info info;

	return apsim_tree_lookup(f->tree, path, &info) == 0;
}

/* "action devpath subsystem|KEY=VAL|..." without ACTION, DEVPATH, SUBSYSTEM and SEQNUM */
static void ev_format(const struct apsim_uevent *ev, char *out, size_t len)
{
	size_t off = (size_t) snprintf(out, len, "%s %s %s", apsim_uevent_action_name(ev->action),
				       ev->devpath, ev->subsystem);

	for (unsigned i = 0; i < ev->n_env && off < len; i++) {
		const char *e = ev->env[i];

		if (!strncmp(e, "ACTION=", 7) || !strncmp(e, "DEVPATH=", 8) ||
		    !strncmp(e, "SUBSYSTEM=", 10) || !strncmp(e, "SEQNUM=", 7))
			continue;
		off += (size_t) snprintf(out + off, len - off, "|%s", e);
	}
}

static size_t nevents(struct fixture *f)
{
	return apsim_uevent_log_count(f->log) - f->mark;
}

static void mark(struct fixture *f)
{
	f->mark = apsim_uevent_log_count(f->log);
}

/* The events since the mark, exactly (NULL-terminated list), then moves the mark. */
static void expect_events(struct fixture *f, ...)
{
	char got[1024];
	const char *want;
	size_t i = f->mark;
	va_list ap;

	va_start(ap, f);
	while ((want = va_arg(ap, const char *))) {
		if (i >= apsim_uevent_log_count(f->log))
			fail_msg("missing event #%zu: %s", i - f->mark, want);
		ev_format(apsim_uevent_log_get(f->log, i), got, sizeof(got));
		assert_string_equal(got, want);
		i++;
	}
	va_end(ap);
	if (i != apsim_uevent_log_count(f->log)) {
		ev_format(apsim_uevent_log_get(f->log, i), got, sizeof(got));
		fail_msg("unexpected extra event: %s", got);
	}
	f->mark = i;
}

/* card 4 CEX8C with domains 5 and 0x20, scanned */
static void basic_machine(struct fixture *f)
{
	card_add(f, 4, "CEX8C");
	lpar(f, APSIM_LPAR_ADAPTER, true, "4");
	lpar(f, APSIM_LPAR_DOMAIN, true, "5,0x20");
	lpar(f, APSIM_LPAR_CONTROL_DOMAIN, true, "5,0x20,0x21");
}

#define CARD4 "DEVTYPE=ap_card|DEV_TYPE=000E|MODALIAS=ap:t0E|MODE=cca"
#define CARD4_BOUND "DEVTYPE=ap_card|DRIVER=cex4card|DEV_TYPE=000E|MODALIAS=ap:t0E|MODE=cca"

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
	assert_string_equal(rdlink(f, "devices/ap/card04/driver"), "../../../bus/ap/drivers/cex4card");
	assert_string_equal(rdlink(f, "devices/ap/card04/subsystem"), "../../../bus/ap");
	assert_string_equal(rdlink(f, "devices/ap/card04/04.0020/driver"),
			    "../../../../bus/ap/drivers/cex4queue");
	assert_string_equal(rdlink(f, "devices/ap/card04/04.0020/subsystem"), "../../../../bus/ap");
	assert_string_equal(rdlink(f, "bus/ap/devices/card04"), "../../../devices/ap/card04");
	assert_string_equal(rdlink(f, "bus/ap/devices/04.0020"), "../../../devices/ap/card04/04.0020");
	assert_string_equal(rdlink(f, "bus/ap/drivers/cex4queue/04.0020"),
			    "../../../../devices/ap/card04/04.0020");
	assert_string_equal(rdlink(f, "bus/ap/drivers/cex4card/card04"), "../../../../devices/ap/card04");
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
	assert_string_equal(rdlink(f, "devices/ap/card04/04.0020/driver"), "../../../../bus/ap/drivers/testdrv");
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
	assert_string_equal(rdlink(f, "devices/ap/card04/04.0005/driver"), "../../../../bus/ap/drivers/testdrv");
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
		cmocka_unit_test_setup_teardown(test_new_tree_and_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_scan_events_and_attrs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rescan_unchanged_is_silent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_callbacks_old_new, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domain_removal_and_adapter_removal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_card_without_usable_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initscan_once_and_bindings_complete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_driver_register_after_scan, setup_nodrivers, teardown),
		cmocka_unit_test_setup_teardown(test_apmask_in_use_and_reprobe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_type_change_rebuilds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chkstop_and_config_transitions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer_rescan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bus_store_errnos, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_unbind_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uevent_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_domain_and_param, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_qci, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_machine, setup, teardown),
		cmocka_unit_test(test_kstrto_parsers),
	};

	return cmocka_run_group_tests_name("bus", tests, NULL, NULL);
}
