/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of vfio_ap with guests (lib/vfio_ap*.c, lib/sim/invariants.c), over the fixture
 * of fixture.h: filtering (spec 6.5), guest attach/detach (6.6), resets (6.7), probe/remove
 * (6.8), status (6.9), in_use (6.10), the three hot plug policies and the mainline quirks
 * (6.11), and the invariants.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_filtering_and_resets,
						fixture_setup_vfio_ap, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_reset_polling,
						fixture_setup_vfio_ap, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_guests,
						fixture_setup_vfio_ap, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_status_and_in_use,
						fixture_setup_vfio_ap, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_remove_paths,
						fixture_setup_vfio_ap, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_policy_kernel,
						fixture_setup_vfio_ap, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_policy_coalesced,
						fixture_setup_vfio_ap_coalesced, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_policy_legacy,
						fixture_setup_vfio_ap_legacy, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_coalesced_single_direction,
						fixture_setup_vfio_ap_coalesced, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_mainline_quirks,
						fixture_setup_vfio_ap_quirks, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_invariants_detect,
						fixture_setup_vfio_ap, fixture_teardown),
	};

	return cmocka_run_group_tests_name("vfio_ap-hotplug", tests, NULL, NULL);
}
