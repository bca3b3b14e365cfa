/* SPDX-License-Identifier: MIT */
/* test-machine.c - the emulated AP firmware: cards, LPAR configuration, QCI, TAPQ & co. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "apsim/bus.h"
#include "apsim/machine.h"

/* lszcrypt's FUNCTIONS column for a fac word (clients.md 3). */
static void functions_letters(uint32_t fac, char *buf)
{
	static const char letters[] = "SMCDAXNHFR";

	for (unsigned i = 0; i < 10; i++)
		buf[i] = (fac & (0x80000000u >> i)) ? letters[i] : '-';
	buf[10] = '\0';
}

static void count_cb(void *ctx)
{
	(*(int *) ctx)++;
}

static struct apsim_mask mask_of(unsigned a, unsigned b)
{
	struct apsim_mask m;

	apsim_mask_zero(&m);
	apsim_mask_set(&m, a);
	apsim_mask_set(&m, b);
	return m;
}

static uint64_t tapq_hw(struct apsim_machine *m, unsigned qid, uint8_t *ret_rc)
{
	struct apsim_qstatus st;
	uint64_t hw = 0xdead;

	apsim_machine_tapq(m, qid, true, &st, &hw);
	*ret_rc = st.response_code;
	return hw;
}

static void test_card_type_parse(void **state)
{
	struct apsim_card_spec s;

	(void) state;
	assert_int_equal(apsim_card_type_parse("CEX8C", &s), 0);
	assert_int_equal(s.raw_type, 14);
	assert_int_equal(s.mode, APSIM_MODE_CCA);
	assert_int_equal(s.functions, 0x90800000u);
	assert_int_equal(s.depth, 7);
	assert_int_equal(s.ml, 0);
	assert_string_equal(s.serial, "");
	assert_int_equal(apsim_card_type_parse("CEX4A", &s), 0);
	assert_int_equal(s.raw_type, 10);
	assert_int_equal(s.mode, APSIM_MODE_ACCEL);
	assert_int_equal(s.functions, 0x68800000u);
	assert_int_equal(apsim_card_type_parse("CEX6P", &s), 0);
	assert_int_equal(s.raw_type, 12);
	assert_int_equal(s.mode, APSIM_MODE_EP11);
	assert_int_equal(s.functions, 0x84800000u);
}

static void test_card_type_parse_invalid(void **state)
{
	static const char *const names[] = {
	    "cex8c", "CEX8c", "CEX3C", "CEX9C", "CEX8", "CEX8CC", "CEX8X", "", " CEX8C", "CEX10A",
	};
	struct apsim_card_spec s;

	(void) state;
	memset(&s, 0x5a, sizeof(s));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_int_equal(apsim_card_type_parse(names[i], &s), -EINVAL);
	assert_int_equal(s.raw_type, 0x5a);
	assert_int_equal(apsim_card_type_parse(NULL, &s), -EINVAL);
}

static void test_card_type_name(void **state)
{
	char buf[16];

	(void) state;
	apsim_card_type_name(14, APSIM_MODE_CCA, buf, sizeof(buf));
	assert_string_equal(buf, "CEX8C");
	apsim_card_type_name(13, APSIM_MODE_EP11, buf, sizeof(buf));
	assert_string_equal(buf, "CEX7P");
	apsim_card_type_name(10, APSIM_MODE_ACCEL, buf, sizeof(buf));
	assert_string_equal(buf, "CEX4A");
	apsim_card_type_name(15, APSIM_MODE_CCA, buf, sizeof(buf));
	assert_string_equal(buf, "CEX9C");
	apsim_card_type_name(7, APSIM_MODE_CCA, buf, sizeof(buf));
	assert_string_equal(buf, "CEX2C");
	apsim_card_type_name(8, APSIM_MODE_ACCEL, buf, sizeof(buf));
	assert_string_equal(buf, "CEX3A");
}

static void test_default_functions_show_lszcrypt_letters(void **state)
{
	struct apsim_machine *m;
	struct apsim_card_spec s;
	char letters[11];
	uint8_t rc;

	(void) state;
	assert_int_equal(apsim_machine_new_empty(&m), 0);
	apsim_machine_set_limits(m, 255, 84);
	struct apsim_mask all;
	apsim_mask_fill(&all);
	assert_int_equal(apsim_machine_lpar_change(m, APSIM_LPAR_ADAPTER, true, &all), 0);
	assert_int_equal(apsim_machine_lpar_change(m, APSIM_LPAR_DOMAIN, true, &all), 0);
	assert_int_equal(apsim_card_type_parse("CEX7C", &s), 0);
	assert_int_equal(apsim_machine_card_add(m, 3, &s), 0);
	assert_int_equal(apsim_card_type_parse("CEX6A", &s), 0);
	assert_int_equal(apsim_machine_card_add(m, 5, &s), 0);
	assert_int_equal(apsim_card_type_parse("CEX7P", &s), 0);
	assert_int_equal(apsim_machine_card_add(m, 10, &s), 0);

	functions_letters(APSIM_HWINFO_FAC(tapq_hw(m, APSIM_QID(3, 6), &rc)), letters);
	assert_string_equal(letters, "S--D--N-F-");
	functions_letters(APSIM_HWINFO_FAC(tapq_hw(m, APSIM_QID(5, 6), &rc)), letters);
	assert_string_equal(letters, "-MC-A-N-F-");
	functions_letters(APSIM_HWINFO_FAC(tapq_hw(m, APSIM_QID(10, 6), &rc)), letters);
	assert_string_equal(letters, "S----XN-F-");

	/* without APXA the N bit goes */
	apsim_machine_set_qci_flags(m, APSIM_QCI_APSC | APSIM_QCI_QACT);
	functions_letters(APSIM_HWINFO_FAC(tapq_hw(m, APSIM_QID(3, 6), &rc)), letters);
	assert_string_equal(letters, "S--D----F-");
	apsim_machine_free(m);
}

static void test_empty_machine_qci(void **state)
{
	struct apsim_machine *m;
	struct apsim_qci q, want;
	unsigned na = 0, nd = 0;

	(void) state;
	assert_int_equal(apsim_machine_new_empty(&m), 0);
	assert_int_equal(apsim_machine_qci(m, &q), 0);
	memset(&want, 0, sizeof(want));
	want.flags = 0xf0000000u;
	want.na = 255;
	want.nd = 84;
	assert_memory_equal(&q, &want, sizeof(q));
	apsim_machine_get_limits(m, &na, &nd);
	assert_int_equal(na, 255);
	assert_int_equal(nd, 84);
	assert_true(apsim_machine_get_qci_available(m));
	assert_int_equal(apsim_machine_get_qci_flags(m),
			 APSIM_QCI_APSC | APSIM_QCI_APXA | APSIM_QCI_QACT | APSIM_QCI_RC8A);
	assert_true(apsim_machine_get_notify(m));
	assert_null(apsim_machine_card_get(m, 0));
	apsim_machine_set_qci_available(m, false);
	assert_int_equal(apsim_machine_qci(m, &q), -EOPNOTSUPP);
	apsim_machine_free(m);
}

static void test_default_machine(void **state)
{
	static const unsigned apids[] = {0x03, 0x05, 0x0a, 0x0b, 0x10};
	static const char *const types[] = {"CEX8C", "CEX8A", "CEX8P", "CEX7C", "CEX8C"};
	struct apsim_machine *m;
	struct apsim_qci q;
	char buf[APSIM_MASK_STRLEN], name[16];
	unsigned cards = 0;

	(void) state;
	assert_int_equal(apsim_machine_new_default(&m), 0);
	assert_int_equal(apsim_machine_qci(m, &q), 0);
	assert_int_equal(q.flags, 0xf0000000u);
	assert_int_equal(q.na, 255);
	assert_int_equal(q.nd, 84);
	apsim_mask_format(&q.apm, buf, sizeof(buf));
	assert_string_equal(buf,
			    "0x1430800000000000000000000000000000000000000000000000000000000000\n");
	apsim_mask_format(&q.aqm, buf, sizeof(buf));
	assert_string_equal(buf,
			    "0x0210000080000000000000000000000000000000000000000000000000000000\n");
	apsim_mask_format(&q.adm, buf, sizeof(buf));
	assert_string_equal(buf,
			    "0x0211000080000000000000000000000000000000000000000000000000000000\n");
	for (unsigned a = 0; a < 256; a++)
		if (apsim_machine_card_get(m, a))
			cards++;
	assert_int_equal(cards, 5);
	for (size_t i = 0; i < 5; i++) {
		const struct apsim_card_spec *s = apsim_machine_card_get(m, apids[i]);

		assert_non_null(s);
		apsim_card_type_name(s->raw_type, s->mode, name, sizeof(name));
		assert_string_equal(name, types[i]);
		assert_true(apsim_machine_card_is_configured(m, apids[i]));
		assert_false(apsim_machine_card_is_checkstopped(m, apids[i]));
	}
	assert_string_equal(apsim_machine_card_get(m, 0x03)->serial, "93AAA003");
	assert_string_equal(apsim_machine_card_get(m, 0x05)->serial, "");
	assert_string_equal(apsim_machine_card_get(m, 0x10)->serial, "93AAA016");
	apsim_machine_free(m);
}

static void test_tapq_rcs(void **state)
{
	struct apsim_machine *m;
	struct apsim_qstatus st;
	uint64_t hw;
	uint8_t rc;

	(void) state;
	assert_int_equal(apsim_machine_new_default(&m), 0);
	/* a usable queue: CEX8C at 3, domain 6 */
	hw = tapq_hw(m, APSIM_QID(3, 6), &rc);
	assert_int_equal(rc, APSIM_RC_NORMAL);
	assert_true(hw == APSIM_HWINFO_MAKE(0x92800000u, 14, 84, 0, 7));
	assert_int_equal(APSIM_HWINFO_AT(hw), 14);
	assert_int_equal(APSIM_HWINFO_ND(hw), 84);
	assert_int_equal(APSIM_HWINFO_QD(hw), 7);
	assert_int_equal(APSIM_HWINFO_BS(hw), 0);
	/* no T-bit: no hwinfo */
	hw = 0xdead;
	apsim_machine_tapq(m, APSIM_QID(3, 6), false, &st, &hw);
	assert_int_equal(st.response_code, APSIM_RC_NORMAL);
	assert_true(st.queue_empty);
	assert_false(st.irq_enabled);
	assert_false(st.replies_waiting);
	assert_true(hw == 0);
	/* domain not in config, adapter not in config, no card */
	assert_true(tapq_hw(m, APSIM_QID(3, 7), &rc) == 0);
	assert_int_equal(rc, APSIM_RC_Q_NOT_AVAIL);
	assert_true(tapq_hw(m, APSIM_QID(4, 6), &rc) == 0);
	assert_int_equal(rc, APSIM_RC_Q_NOT_AVAIL);
	struct apsim_mask ids = mask_of(0x20, 0x21);
	assert_int_equal(apsim_machine_lpar_change(m, APSIM_LPAR_ADAPTER, true, &ids), 0);
	assert_true(tapq_hw(m, APSIM_QID(0x20, 6), &rc) == 0);
	assert_int_equal(rc, APSIM_RC_Q_NOT_AVAIL);
	/* beyond the maxima */
	assert_int_equal(apsim_machine_set_limits(m, 15, 15), 0);
	assert_true(tapq_hw(m, APSIM_QID(0x10, 6), &rc) == 0);
	assert_int_equal(rc, APSIM_RC_Q_NOT_AVAIL);
	assert_true(tapq_hw(m, APSIM_QID(3, 32), &rc) == 0);
	assert_int_equal(rc, APSIM_RC_Q_NOT_AVAIL);
	hw = tapq_hw(m, APSIM_QID(3, 11), &rc);
	assert_int_equal(rc, APSIM_RC_NORMAL);
	assert_int_equal(APSIM_HWINFO_ND(hw), 15);
	apsim_machine_free(m);
}

static void test_tapq_checkstop_and_deconfig(void **state)
{
	struct apsim_machine *m;
	uint64_t hw;
	uint8_t rc;

	(void) state;
	assert_int_equal(apsim_machine_new_default(&m), 0);
	assert_int_equal(apsim_machine_card_config(m, 5, false), 0);
	assert_false(apsim_machine_card_is_configured(m, 5));
	hw = tapq_hw(m, APSIM_QID(5, 11), &rc);
	assert_int_equal(rc, APSIM_RC_DECONFIGURED);
	assert_true(hw == APSIM_HWINFO_MAKE(0x6A800000u, 14, 84, 0, 7));
	assert_int_equal(apsim_machine_card_checkstop(m, 5, true), 0);
	assert_true(apsim_machine_card_is_checkstopped(m, 5));
	/* deconfigured wins over checkstopped (a checkstopped card can be deconfigured) */
	hw = tapq_hw(m, APSIM_QID(5, 11), &rc);
	assert_int_equal(rc, APSIM_RC_DECONFIGURED);
	assert_int_equal(APSIM_HWINFO_AT(hw), 14);
	assert_int_equal(apsim_machine_card_config(m, 5, true), 0);
	hw = tapq_hw(m, APSIM_QID(5, 11), &rc);
	assert_int_equal(rc, APSIM_RC_CHECKSTOPPED);
	assert_int_equal(APSIM_HWINFO_AT(hw), 14);
	assert_int_equal(apsim_machine_card_checkstop(m, 5, false), 0);
	tapq_hw(m, APSIM_QID(5, 11), &rc);
	assert_int_equal(rc, APSIM_RC_NORMAL);
	/* not installed */
	assert_int_equal(apsim_machine_card_config(m, 6, false), -ENODEV);
	assert_int_equal(apsim_machine_card_checkstop(m, 6, true), -ENODEV);
	assert_false(apsim_machine_card_is_configured(m, 6));
	apsim_machine_free(m);
}

static void test_card_add_remove(void **state)
{
	struct apsim_machine *m;
	struct apsim_card_spec s;
	int notified = 0;
	uint8_t rc;

	(void) state;
	assert_int_equal(apsim_machine_new_default(&m), 0);
	apsim_machine_set_cfg_notifier(m, count_cb, &notified);
	assert_int_equal(apsim_card_type_parse("CEX8P", &s), 0);
	assert_int_equal(apsim_machine_card_add(m, 3, &s), -EEXIST);
	assert_int_equal(apsim_machine_card_add(m, 256, &s), -EINVAL);
	assert_int_equal(apsim_machine_card_add(m, 4, NULL), -EINVAL);
	s.depth = 16;
	assert_int_equal(apsim_machine_card_add(m, 4, &s), -EINVAL);
	s.depth = 3;
	s.ml = 6;
	strcpy(s.serial, "MYSERIAL");
	assert_int_equal(apsim_machine_card_add(m, 4, &s), 0);
	assert_string_equal(apsim_machine_card_get(m, 4)->serial, "MYSERIAL");
	/* installed but not in the LPAR's adapters */
	tapq_hw(m, APSIM_QID(4, 6), &rc);
	assert_int_equal(rc, APSIM_RC_Q_NOT_AVAIL);
	struct apsim_mask ids = mask_of(4, 4);
	assert_int_equal(apsim_machine_lpar_change(m, APSIM_LPAR_ADAPTER, true, &ids), 0);
	assert_int_equal(notified, 1);
	uint64_t hw = tapq_hw(m, APSIM_QID(4, 6), &rc);
	assert_int_equal(rc, APSIM_RC_NORMAL);
	assert_int_equal(APSIM_HWINFO_QD(hw), 3);
	assert_int_equal(APSIM_HWINFO_ML(hw), 6);
	/* removal: TAPQ answers RC 01, no notification */
	assert_int_equal(apsim_machine_card_remove(m, 4), 0);
	assert_int_equal(apsim_machine_card_remove(m, 4), -ENODEV);
	assert_null(apsim_machine_card_get(m, 4));
	assert_true(tapq_hw(m, APSIM_QID(4, 6), &rc) == 0);
	assert_int_equal(rc, APSIM_RC_Q_NOT_AVAIL);
	assert_int_equal(notified, 1);
	apsim_machine_free(m);
}

static void test_lpar_change_notifies_once_per_real_change(void **state)
{
	struct apsim_machine *m;
	struct apsim_mask ids, got;
	struct apsim_qci before, after;
	int notified = 0;

	(void) state;
	assert_int_equal(apsim_machine_new_default(&m), 0);
	apsim_machine_set_cfg_notifier(m, count_cb, &notified);
	assert_int_equal(apsim_machine_qci(m, &before), 0);

	ids = mask_of(40, 41);
	assert_int_equal(apsim_machine_lpar_change(m, APSIM_LPAR_DOMAIN, true, &ids), 0);
	assert_int_equal(notified, 1);
	assert_int_equal(apsim_machine_lpar_change(m, APSIM_LPAR_DOMAIN, true, &ids), 0);
	assert_int_equal(notified, 1);
	apsim_machine_lpar_get(m, APSIM_LPAR_DOMAIN, &got);
	assert_int_equal(apsim_mask_weight(&got), 5);
	assert_int_equal(apsim_machine_lpar_change(m, APSIM_LPAR_DOMAIN, false, &ids), 0);
	assert_int_equal(notified, 2);
	assert_int_equal(apsim_machine_qci(m, &after), 0);
	assert_memory_equal(&before, &after, sizeof(before));

	/* control domains, removal of absent ids */
	ids = mask_of(15, 200);
	assert_int_equal(apsim_machine_lpar_change(m, APSIM_LPAR_CONTROL_DOMAIN, false, &ids), 0);
	assert_int_equal(notified, 3);
	apsim_machine_lpar_get(m, APSIM_LPAR_CONTROL_DOMAIN, &got);
	assert_int_equal(apsim_mask_weight(&got), 3);
	assert_false(apsim_mask_test(&got, 15));

	/* limits */
	assert_int_equal(apsim_machine_set_limits(m, 255, 84), 0);
	assert_int_equal(notified, 3);
	assert_int_equal(apsim_machine_set_limits(m, 63, 15), 0);
	assert_int_equal(notified, 4);
	assert_int_equal(apsim_machine_set_limits(m, 256, 15), -EINVAL);

	/* notify off: changes happen silently */
	apsim_machine_set_notify(m, false);
	assert_false(apsim_machine_get_notify(m));
	assert_int_equal(apsim_machine_lpar_change(m, APSIM_LPAR_ADAPTER, false, &ids), 0);
	ids = mask_of(3, 5);
	assert_int_equal(apsim_machine_lpar_change(m, APSIM_LPAR_ADAPTER, false, &ids), 0);
	assert_int_equal(notified, 4);
	apsim_machine_lpar_get(m, APSIM_LPAR_ADAPTER, &got);
	assert_int_equal(apsim_mask_weight(&got), 3);
	apsim_machine_set_notify(m, true);
	/* card actions never notify */
	assert_int_equal(apsim_machine_card_config(m, 0x0a, false), 0);
	assert_int_equal(apsim_machine_card_checkstop(m, 0x0a, true), 0);
	assert_int_equal(apsim_machine_card_remove(m, 0x0a), 0);
	assert_int_equal(notified, 4);
	assert_int_equal(apsim_machine_lpar_change(m, 7, true, &ids), -EINVAL);
	assert_int_equal(apsim_machine_lpar_change(m, APSIM_LPAR_ADAPTER, true, NULL), -EINVAL);
	apsim_machine_free(m);
}

static void test_aqic_and_zapq(void **state)
{
	struct apsim_machine *m;
	struct apsim_qstatus st;
	unsigned qid = APSIM_QID(3, 6);

	(void) state;
	assert_int_equal(apsim_machine_new_default(&m), 0);
	apsim_machine_aqic(m, qid, true, &st);
	assert_int_equal(st.response_code, APSIM_RC_NORMAL);
	assert_true(st.irq_enabled);
	apsim_machine_tapq(m, qid, false, &st, NULL);
	assert_true(st.irq_enabled);
	/* other queues unaffected */
	apsim_machine_tapq(m, APSIM_QID(3, 11), false, &st, NULL);
	assert_false(st.irq_enabled);
	/* RAPQ keeps the registration, ZAPQ clears it */
	apsim_machine_rapq(m, qid, &st);
	assert_int_equal(st.response_code, APSIM_RC_NORMAL);
	assert_true(st.irq_enabled);
	apsim_machine_zapq(m, qid, &st);
	assert_int_equal(st.response_code, APSIM_RC_NORMAL);
	assert_false(st.irq_enabled);
	apsim_machine_aqic(m, qid, true, &st);
	apsim_machine_aqic(m, qid, false, &st);
	assert_false(st.irq_enabled);
	/* unavailable / deconfigured / checkstopped */
	apsim_machine_aqic(m, APSIM_QID(3, 7), true, &st);
	assert_int_equal(st.response_code, APSIM_RC_Q_NOT_AVAIL);
	apsim_machine_zapq(m, APSIM_QID(4, 6), &st);
	assert_int_equal(st.response_code, APSIM_RC_Q_NOT_AVAIL);
	apsim_machine_card_config(m, 3, false);
	apsim_machine_zapq(m, qid, &st);
	assert_int_equal(st.response_code, APSIM_RC_DECONFIGURED);
	apsim_machine_rapq(m, qid, &st);
	assert_int_equal(st.response_code, APSIM_RC_DECONFIGURED);
	apsim_machine_aqic(m, qid, true, &st);
	assert_int_equal(st.response_code, APSIM_RC_DECONFIGURED);
	assert_false(st.irq_enabled);
	apsim_machine_card_checkstop(m, 3, true);
	apsim_machine_zapq(m, qid, &st);
	assert_int_equal(st.response_code, APSIM_RC_DECONFIGURED);
	apsim_machine_card_config(m, 3, true);
	apsim_machine_zapq(m, qid, &st);
	assert_int_equal(st.response_code, APSIM_RC_CHECKSTOPPED);
	/* removing the domain from the LPAR drops the registration */
	apsim_machine_card_config(m, 3, true);
	apsim_machine_card_checkstop(m, 3, false);
	apsim_machine_aqic(m, qid, true, &st);
	assert_true(st.irq_enabled);
	struct apsim_mask ids = mask_of(6, 6);
	apsim_machine_lpar_change(m, APSIM_LPAR_DOMAIN, false, &ids);
	apsim_machine_lpar_change(m, APSIM_LPAR_DOMAIN, true, &ids);
	apsim_machine_tapq(m, qid, false, &st, NULL);
	assert_int_equal(st.response_code, APSIM_RC_NORMAL);
	assert_false(st.irq_enabled);
	apsim_machine_free(m);
}

static void test_inject_rc(void **state)
{
	struct apsim_machine *m;
	struct apsim_qstatus st;
	unsigned qid = APSIM_QID(3, 6);
	uint64_t hw;
	uint8_t rc;

	(void) state;
	assert_int_equal(apsim_machine_new_default(&m), 0);
	assert_int_equal(apsim_machine_queue_inject_rc(m, qid, APSIM_RC_RESET_IN_PROGRESS, 3), 0);
	apsim_machine_zapq(m, qid, &st);
	assert_int_equal(st.response_code, APSIM_RC_RESET_IN_PROGRESS);
	hw = tapq_hw(m, qid, &rc);
	assert_int_equal(rc, APSIM_RC_RESET_IN_PROGRESS);
	assert_int_equal(APSIM_HWINFO_AT(hw), 14);
	/* AQIC does not consume an injection */
	apsim_machine_aqic(m, qid, true, &st);
	assert_int_equal(st.response_code, APSIM_RC_NORMAL);
	apsim_machine_rapq(m, qid, &st);
	assert_int_equal(st.response_code, APSIM_RC_RESET_IN_PROGRESS);
	tapq_hw(m, qid, &rc);
	assert_int_equal(rc, APSIM_RC_NORMAL);
	/* other RCs, hwinfo only for the RCs that carry it */
	assert_int_equal(apsim_machine_queue_inject_rc(m, qid, APSIM_RC_BUSY, 1), 0);
	hw = tapq_hw(m, qid, &rc);
	assert_int_equal(rc, APSIM_RC_BUSY);
	assert_true(hw != 0);
	assert_int_equal(apsim_machine_queue_inject_rc(m, qid, APSIM_RC_INVALID_ADDRESS, 1), 0);
	hw = tapq_hw(m, qid, &rc);
	assert_int_equal(rc, APSIM_RC_INVALID_ADDRESS);
	assert_true(hw == 0);
	/* count 0 clears */
	assert_int_equal(apsim_machine_queue_inject_rc(m, qid, APSIM_RC_BUSY, 5), 0);
	assert_int_equal(apsim_machine_queue_inject_rc(m, qid, APSIM_RC_BUSY, 0), 0);
	tapq_hw(m, qid, &rc);
	assert_int_equal(rc, APSIM_RC_NORMAL);
	assert_int_equal(apsim_machine_queue_inject_rc(m, 65536, APSIM_RC_BUSY, 1), -EINVAL);
	apsim_machine_free(m);
}

static void test_ap_ops_call_the_machine(void **state)
{
	const struct apsim_ap_ops *ops = apsim_machine_ap_ops();
	struct apsim_machine *m;
	struct apsim_qstatus st;
	struct apsim_qci q;
	uint64_t hw = 0;

	(void) state;
	assert_non_null(ops);
	assert_int_equal(apsim_machine_new_default(&m), 0);
	assert_int_equal(ops->qci(m, &q), 0);
	assert_int_equal(q.nd, 84);
	ops->tapq(m, APSIM_QID(0x0b, 32), true, &st, &hw);
	assert_int_equal(st.response_code, 0);
	assert_int_equal(APSIM_HWINFO_AT(hw), 13);
	ops->aqic(m, APSIM_QID(0x0b, 32), true, &st);
	assert_true(st.irq_enabled);
	ops->rapq(m, APSIM_QID(0x0b, 32), &st);
	assert_true(st.irq_enabled);
	ops->zapq(m, APSIM_QID(0x0b, 32), &st);
	assert_false(st.irq_enabled);
	assert_int_equal(ops->sclp_config(m, 0x0b, false), 0);
	assert_false(apsim_machine_card_is_configured(m, 0x0b));
	assert_int_equal(ops->sclp_config(m, 0x0c, true), -ENODEV);
	apsim_machine_set_qci_available(m, false);
	assert_int_equal(ops->qci(m, &q), -EOPNOTSUPP);
	apsim_machine_free(m);
}

static void test_full_scan_is_fast(void **state)
{
	struct apsim_machine *m;
	struct apsim_qstatus st;
	uint64_t hw;
	unsigned normal = 0;

	(void) state;
	assert_int_equal(apsim_machine_new_default(&m), 0);
	for (int round = 0; round < 20; round++)
		for (unsigned qid = 0; qid < 65536; qid++) {
			apsim_machine_tapq(m, qid, true, &st, &hw);
			if (st.response_code == APSIM_RC_NORMAL)
				normal++;
		}
	assert_int_equal(normal, 20 * 5 * 3);
	apsim_machine_free(m);
}

/* spec 1.6: QACT maps a newer adapter onto CEX8 in its own mode only; RC as TAPQ otherwise */
static void test_qact(void **state)
{
	struct apsim_machine *m;
	struct apsim_card_spec spec;
	struct apsim_qstatus st;
	struct apsim_mask ids;
	unsigned cat = 99;

	(void) state;
	assert_int_equal(apsim_machine_new_empty(&m), 0);
	assert_int_equal(apsim_card_type_parse("CEX8C", &spec), 0);
	spec.raw_type = 15;
	assert_int_equal(apsim_machine_card_add(m, 4, &spec), 0);
	assert_int_equal(apsim_card_type_parse("CEX7A", &spec), 0);
	assert_int_equal(apsim_machine_card_add(m, 5, &spec), 0);
	apsim_mask_zero(&ids);
	apsim_mask_set(&ids, 4);
	apsim_mask_set(&ids, 5);
	assert_int_equal(apsim_machine_lpar_change(m, APSIM_LPAR_ADAPTER, true, &ids), 0);
	apsim_mask_zero(&ids);
	apsim_mask_set(&ids, 1);
	assert_int_equal(apsim_machine_lpar_change(m, APSIM_LPAR_DOMAIN, true, &ids), 0);

	apsim_machine_qact(m, APSIM_QID(4, 1), APSIM_FAC_CCA, APSIM_AP_TYPE_CEX8, &st, &cat);
	assert_int_equal(st.response_code, APSIM_RC_NORMAL);
	assert_int_equal(cat, APSIM_AP_TYPE_CEX8);
	/* another mode than the adapter's: no compatible type */
	apsim_machine_qact(m, APSIM_QID(4, 1), APSIM_FAC_ACCEL, APSIM_AP_TYPE_CEX8, &st, &cat);
	assert_int_equal(st.response_code, APSIM_RC_NORMAL);
	assert_int_equal(cat, 0);
	/* an older adapter answers its own type */
	apsim_machine_qact(m, APSIM_QID(5, 1), APSIM_FAC_ACCEL, APSIM_AP_TYPE_CEX8, &st, &cat);
	assert_int_equal(cat, APSIM_AP_TYPE_CEX7);
	/* a queue outside the configuration: RC 01, no type */
	apsim_machine_qact(m, APSIM_QID(5, 2), APSIM_FAC_ACCEL, APSIM_AP_TYPE_CEX8, &st, &cat);
	assert_int_equal(st.response_code, APSIM_RC_Q_NOT_AVAIL);
	assert_int_equal(cat, 0);
	apsim_machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_card_type_parse),
	    cmocka_unit_test(test_card_type_parse_invalid),
	    cmocka_unit_test(test_card_type_name),
	    cmocka_unit_test(test_default_functions_show_lszcrypt_letters),
	    cmocka_unit_test(test_empty_machine_qci),
	    cmocka_unit_test(test_default_machine),
	    cmocka_unit_test(test_tapq_rcs),
	    cmocka_unit_test(test_tapq_checkstop_and_deconfig),
	    cmocka_unit_test(test_card_add_remove),
	    cmocka_unit_test(test_lpar_change_notifies_once_per_real_change),
	    cmocka_unit_test(test_aqic_and_zapq),
	    cmocka_unit_test(test_inject_rc),
	    cmocka_unit_test(test_qact),
	    cmocka_unit_test(test_ap_ops_call_the_machine),
	    cmocka_unit_test(test_full_scan_is_fast),
	};
	return cmocka_run_group_tests_name("machine", tests, NULL, NULL);
}
