/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the KVM guests (lib/kvm/guest.c): the APCB and its update counter, the guest's own
 * AP bus over the host machine seen through the APCB (QCI masks, TAPQ/ZAPQ RC 01 outside the
 * APCB, no SCLP), its own tree and uevent log, and the rescan on every APCB change.
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
#include "fixture.h"

/* Host: CEX8C 4, CEX7A 5, CEX8P 6; adapters 4-6, domains 1 and 0x20, control domain 0x20.
 * rd() and exists() look at the guest's own tree. */
static int setup(void **state)
{
	struct fixture *f;

	fixture_setup_machine(state);
	f = *state;
	card_add(f, 4, "CEX8C");
	card_add(f, 5, "CEX7A");
	card_add(f, 6, "CEX8P");
	lpar(f, APSIM_LPAR_ADAPTER, true, "4-6");
	lpar(f, APSIM_LPAR_DOMAIN, true, "1,0x20");
	lpar(f, APSIM_LPAR_CONTROL_DOMAIN, true, "0x20");
	assert_int_equal(apsim__guest_new("web", f->m, f->clock, &f->g), 0);
	f->tree = f->g->tree;
	return 0;
}

static const char *mask_of(const char *list, char buf[APSIM_MASK_STRLEN])
{
	struct apsim_mask m;

	ids(list, &m);
	apsim_mask_format(&m, buf, APSIM_MASK_STRLEN);
	return buf;
}

static void set(struct fixture *f, const char *apm, const char *aqm, const char *adm)
{
	struct apsim_mask a, q, d;

	ids(apm, &a);
	ids(aqm, &q);
	ids(adm, &d);
	apsim__guest_set_masks(f->g, &a, &q, &d);
}

/* ------------------------------------------------------------------------------------- */

static void test_new_guest_is_empty(void **state)
{
	struct fixture *f = *state;
	char want[APSIM_MASK_STRLEN];

	assert_string_equal(f->g->name, "web");
	assert_string_equal(f->g->mdev, "");
	assert_int_equal(f->g->apcb_updates, 0);
	assert_int_equal(f->g->cfg_chg_signals, 0);
	assert_true(apsim_mask_empty(&f->g->apm));
	/* its own tree: a bus that scanned once, an empty configuration */
	assert_true(exists(f, "bus/ap"));
	assert_true(exists(f, "bus/ap/drivers/cex4queue"));
	assert_false(exists(f, "bus/ap/drivers/vfio_ap"));
	assert_false(exists(f, "devices/vfio_ap"));
	assert_string_equal(rd(f, "bus/ap/ap_adapter_mask"), mask_of("", want));
	assert_string_equal(rd(f, "bus/ap/ap_usage_domain_mask"), mask_of("", want));
	assert_string_equal(rd(f, "bus/ap/scans"), "1\n");
	assert_false(exists(f, "devices/ap/card04"));
	/* its own uevent log: INITSCAN=done came */
	size_t n = apsim_uevent_log_count(f->g->uevents);
	assert_true(n >= 1);
	bool initscan = false;
	for (size_t i = 0; i < n; i++) {
		const struct apsim_uevent *ev = apsim_uevent_log_get(f->g->uevents, i);

		for (unsigned k = 0; k < ev->n_env; k++)
			if (strcmp(ev->env[k], "INITSCAN=done") == 0)
				initscan = true;
	}
	assert_true(initscan);
	/* the host's QCI flags and maxima are seen */
	assert_string_equal(rd(f, "bus/ap/ap_max_adapter_id"), "255\n");
	assert_string_equal(rd(f, "bus/ap/ap_max_domain_id"), "84\n");
}

static void test_set_masks_rescans(void **state)
{
	struct fixture *f = *state;
	char want[APSIM_MASK_STRLEN];

	set(f, "4,5", "0x20", "0x20");
	assert_int_equal(f->g->apcb_updates, 1);
	assert_string_equal(rd(f, "bus/ap/scans"), "2\n");
	assert_string_equal(rd(f, "bus/ap/ap_adapter_mask"), mask_of("4,5", want));
	assert_string_equal(rd(f, "bus/ap/ap_usage_domain_mask"), mask_of("0x20", want));
	assert_string_equal(rd(f, "bus/ap/ap_control_domain_mask"), mask_of("0x20", want));
	/* exactly APCB x host: 04.0020 and 05.0020, not domain 1, not card 6 */
	assert_true(exists(f, "devices/ap/card04/04.0020"));
	assert_true(exists(f, "devices/ap/card05/05.0020"));
	assert_false(exists(f, "devices/ap/card04/04.0001"));
	assert_false(exists(f, "devices/ap/card06"));
	assert_string_equal(rd(f, "devices/ap/card05/type"), "CEX7A\n");
	assert_string_equal(rd(f, "devices/ap/card04/04.0020/online"), "1\n");
	assert_string_equal(rd(f, "bus/ap/bindings"), "2/2 (complete)\n");

	/* an APCB listing ids the host does not have: they simply do not answer */
	set(f, "4,7", "1,0x20,0x30", "");
	assert_int_equal(f->g->apcb_updates, 2);
	assert_true(exists(f, "devices/ap/card04/04.0001"));
	assert_true(exists(f, "devices/ap/card04/04.0020"));
	assert_false(exists(f, "devices/ap/card04/04.0030"));
	assert_false(exists(f, "devices/ap/card05"));
	assert_false(exists(f, "devices/ap/card07"));

	/* the same masks again still count as an update (the vCPUs leave SIE all the same) */
	set(f, "4,7", "1,0x20,0x30", "");
	assert_int_equal(f->g->apcb_updates, 3);

	apsim__guest_clear_masks(f->g);
	assert_int_equal(f->g->apcb_updates, 4);
	assert_true(apsim_mask_empty(&f->g->apm));
	assert_true(apsim_mask_empty(&f->g->aqm));
	assert_true(apsim_mask_empty(&f->g->adm));
	assert_false(exists(f, "devices/ap/card04"));
	assert_string_equal(rd(f, "bus/ap/ap_adapter_mask"), mask_of("", want));
	assert_int_equal(f->g->cfg_chg_signals, 0);
	apsim__guest_signal_cfg_chg(f->g);
	apsim__guest_signal_cfg_chg(f->g);
	assert_int_equal(f->g->cfg_chg_signals, 2);
}

static void test_instructions_filtered_by_apcb(void **state)
{
	struct fixture *f = *state;
	struct apsim_qstatus st;
	uint64_t hw = 1;

	set(f, "4", "0x20", "");
	/* inside the APCB: the machine answers */
	apsim__bus_tapq(f->g->bus, APSIM_QID(4, 0x20), true, &st, &hw);
	assert_int_equal(st.response_code, APSIM_RC_NORMAL);
	assert_int_equal(APSIM_HWINFO_AT(hw), APSIM_AP_TYPE_CEX8);
	apsim__bus_zapq(f->g->bus, APSIM_QID(4, 0x20), &st);
	assert_int_equal(st.response_code, APSIM_RC_NORMAL);
	apsim__bus_rapq(f->g->bus, APSIM_QID(4, 0x20), &st);
	assert_int_equal(st.response_code, APSIM_RC_NORMAL);
	/* in the host configuration, outside the APCB: RC 01 and no info */
	apsim__bus_tapq(f->g->bus, APSIM_QID(5, 0x20), true, &st, &hw);
	assert_int_equal(st.response_code, APSIM_RC_Q_NOT_AVAIL);
	assert_int_equal(hw, 0);
	apsim__bus_tapq(f->g->bus, APSIM_QID(4, 1), true, &st, &hw);
	assert_int_equal(st.response_code, APSIM_RC_Q_NOT_AVAIL);
	apsim__bus_zapq(f->g->bus, APSIM_QID(5, 0x20), &st);
	assert_int_equal(st.response_code, APSIM_RC_Q_NOT_AVAIL);
	apsim__bus_rapq(f->g->bus, APSIM_QID(4, 1), &st);
	assert_int_equal(st.response_code, APSIM_RC_Q_NOT_AVAIL);
	/* an injected RC is not consumed by a refused instruction */
	assert_int_equal(apsim_machine_queue_inject_rc(f->m, APSIM_QID(5, 0x20), 6, 1), 0);
	apsim__bus_zapq(f->g->bus, APSIM_QID(5, 0x20), &st);
	assert_int_equal(st.response_code, APSIM_RC_Q_NOT_AVAIL);
	apsim_machine_zapq(f->m, APSIM_QID(5, 0x20), &st);
	assert_int_equal(st.response_code, 6);
	/* a deconfigured card is seen as such through the APCB */
	assert_int_equal(apsim_machine_card_config(f->m, 4, false), 0);
	apsim__bus_tapq(f->g->bus, APSIM_QID(4, 0x20), false, &st, NULL);
	assert_int_equal(st.response_code, APSIM_RC_DECONFIGURED);
}

static void test_no_sclp_in_guest(void **state)
{
	struct fixture *f = *state;

	set(f, "4", "0x20", "");
	assert_string_equal(rd(f, "devices/ap/card04/config"), "1\n");
	assert_int_equal(apsim_tree_write(f->g->tree, "devices/ap/card04/config", "0", 1), -EOPNOTSUPP);
	assert_string_equal(rd(f, "devices/ap/card04/config"), "1\n");
}

static void test_host_without_qci(void **state)
{
	struct fixture *f = *state;
	struct apsim_guest *g;

	apsim_machine_set_qci_available(f->m, false);
	assert_int_equal(apsim__guest_new("old", f->m, f->clock, &g), 0);
	assert_int_equal(apsim_tree_read(g->tree, "bus/ap/ap_adapter_mask", f->buf, 64), 14);
	f->buf[14] = '\0';
	assert_string_equal(f->buf, "not supported\n");
	/* the bus scans every id up to its maxima: only the APCB's answer */
	struct apsim_mask a, q, d;
	ids("6", &a);
	ids("1", &q);
	ids("", &d);
	apsim__guest_set_masks(g, &a, &q, &d);
	assert_int_equal(g->apcb_updates, 1);
	assert_int_equal(apsim_tree_lookup(g->tree, "devices/ap/card06/06.0001", &(struct apsim_node_info){ 0 }),
			 0);
	assert_int_equal(apsim_tree_lookup(g->tree, "devices/ap/card04", &(struct apsim_node_info){ 0 }), -ENOENT);
	apsim__guest_free(g);
}

static void test_two_guests_are_independent(void **state)
{
	struct fixture *f = *state;
	struct apsim_guest *g2;
	struct apsim_mask a, q, d;

	assert_int_equal(apsim__guest_new("db", f->m, f->clock, &g2), 0);
	set(f, "4", "0x20", "");
	ids("5", &a);
	ids("1", &q);
	ids("", &d);
	apsim__guest_set_masks(g2, &a, &q, &d);
	assert_true(exists(f, "devices/ap/card04/04.0020"));
	assert_false(exists(f, "devices/ap/card05"));
	assert_int_equal(apsim_tree_lookup(g2->tree, "devices/ap/card05/05.0001", &(struct apsim_node_info){ 0 }),
			 0);
	assert_int_equal(apsim_tree_lookup(g2->tree, "devices/ap/card04", &(struct apsim_node_info){ 0 }), -ENOENT);
	assert_int_equal(f->g->apcb_updates, 1);
	assert_int_equal(g2->apcb_updates, 1);
	apsim__guest_free(g2);
	apsim__guest_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_guest_is_empty, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_set_masks_rescans, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_instructions_filtered_by_apcb,
						setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_no_sclp_in_guest, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_host_without_qci, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_two_guests_are_independent,
						setup, fixture_teardown),
	};
	return cmocka_run_group_tests_name("guest", tests, NULL, NULL);
}
