/* SPDX-License-Identifier: MIT */
/* test-mask.c - mask helpers, format, the apmask syntax of spec 4.2 and the CLI lists. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "apsim/mask.h"

/* Format m and compare with "0x" + expected 64 digits + "\n". */
static void assert_mask_str(const struct apsim_mask *m, const char *hex64)
{
	char buf[APSIM_MASK_STRLEN];
	char want[APSIM_MASK_STRLEN];

	assert_int_equal(strlen(hex64), 64);
	snprintf(want, sizeof(want), "0x%s\n", hex64);
	assert_int_equal(apsim_mask_format(m, buf, sizeof(buf)), 67);
	assert_string_equal(buf, want);
}

static int parse_rel(const char *s, const struct apsim_mask *cur, struct apsim_mask *ret)
{
	return apsim_mask_parse_bitmap_str(s, strlen(s), 256, cur, ret);
}

static void test_set_test_clear_msb0(void **state)
{
	struct apsim_mask m;

	(void) state;
	apsim_mask_zero(&m);
	apsim_mask_set(&m, 0);
	assert_int_equal(m.b[0], 0x80);
	apsim_mask_set(&m, 7);
	assert_int_equal(m.b[0], 0x81);
	apsim_mask_set(&m, 255);
	assert_int_equal(m.b[31], 0x01);
	apsim_mask_set(&m, 256); /* out of range: ignored */
	assert_true(apsim_mask_test(&m, 0));
	assert_false(apsim_mask_test(&m, 1));
	assert_false(apsim_mask_test(&m, 256));
	apsim_mask_clear(&m, 0);
	assert_int_equal(m.b[0], 0x01);
	assert_int_equal(apsim_mask_weight(&m), 2);
}

static void test_format_adapters_1_and_7_is_0x41(void **state)
{
	struct apsim_mask m;

	(void) state;
	apsim_mask_zero(&m);
	apsim_mask_set(&m, 1);
	apsim_mask_set(&m, 7);
	assert_mask_str(&m, "41000000000000000000000000000000"
			    "00000000000000000000000000000000");
}

static void test_format_zero_full_and_small_buffer(void **state)
{
	struct apsim_mask m;
	char buf[APSIM_MASK_STRLEN];

	(void) state;
	apsim_mask_zero(&m);
	assert_mask_str(&m, "00000000000000000000000000000000"
			    "00000000000000000000000000000000");
	apsim_mask_fill(&m);
	assert_mask_str(&m, "ffffffffffffffffffffffffffffffff"
			    "ffffffffffffffffffffffffffffffff");
	assert_int_equal(apsim_mask_format(&m, buf, APSIM_MASK_STRLEN - 1), -EINVAL);
}

static void test_set_operations(void **state)
{
	struct apsim_mask a, b, r;

	(void) state;
	apsim_mask_zero(&a);
	apsim_mask_zero(&b);
	assert_true(apsim_mask_empty(&a));
	apsim_mask_set(&a, 3);
	apsim_mask_set(&a, 100);
	apsim_mask_set(&b, 100);
	apsim_mask_set(&b, 200);
	assert_false(apsim_mask_empty(&a));
	assert_true(apsim_mask_intersects(&a, &b));
	assert_true(apsim_mask_and(&r, &a, &b));
	assert_int_equal(apsim_mask_weight(&r), 1);
	assert_true(apsim_mask_test(&r, 100));
	assert_true(apsim_mask_andnot(&r, &a, &b));
	assert_int_equal(apsim_mask_weight(&r), 1);
	assert_true(apsim_mask_test(&r, 3));
	apsim_mask_or(&r, &a, &b);
	assert_int_equal(apsim_mask_weight(&r), 3);
	assert_false(apsim_mask_equal(&r, &a));
	/* aliasing */
	assert_false(apsim_mask_andnot(&a, &a, &r));
	assert_true(apsim_mask_empty(&a));
	assert_false(apsim_mask_intersects(&a, &b));
	assert_false(apsim_mask_and(&b, &b, &a));
	assert_true(apsim_mask_equal(&a, &b));
	apsim_mask_fill(&a);
	assert_int_equal(apsim_mask_weight(&a), 256);
}

static void test_next_iterates_ascending(void **state)
{
	static const unsigned bits[] = {0, 7, 8, 63, 64, 130, 255};
	struct apsim_mask m;
	unsigned i = 0;

	(void) state;
	apsim_mask_zero(&m);
	assert_int_equal(apsim_mask_next(&m, 0), -1);
	for (size_t k = 0; k < sizeof(bits) / sizeof(bits[0]); k++)
		apsim_mask_set(&m, bits[k]);
	for (int n = apsim_mask_next(&m, 0); n >= 0; n = apsim_mask_next(&m, (unsigned) n + 1))
		assert_int_equal(n, bits[i++]);
	assert_int_equal(i, 7);
	assert_int_equal(apsim_mask_next(&m, 131), 255);
	assert_int_equal(apsim_mask_next(&m, 256), -1);
	assert_int_equal(apsim_mask_next(&m, 1000), -1);
}

static void test_parse_hex_valid(void **state)
{
	struct apsim_mask m;

	(void) state;
	assert_int_equal(apsim_mask_parse_hex("0x41", 4, &m), 0);
	assert_mask_str(&m, "41000000000000000000000000000000"
			    "00000000000000000000000000000000");
	/* bare x, uppercase digits, trailing newline */
	assert_int_equal(apsim_mask_parse_hex("xAbC\n", 5, &m), 0);
	assert_mask_str(&m, "abc00000000000000000000000000000"
			    "00000000000000000000000000000000");
	/* no prefix; the digit k sets bits 4k..4k+3 MSB first */
	assert_int_equal(apsim_mask_parse_hex("1", 1, &m), 0);
	assert_true(apsim_mask_test(&m, 3));
	assert_int_equal(apsim_mask_weight(&m), 1);
	assert_int_equal(apsim_mask_parse_hex("08", 2, &m), 0);
	assert_true(apsim_mask_test(&m, 4));
	assert_int_equal(apsim_mask_weight(&m), 1);
	/* exactly 64 digits */
	assert_int_equal(apsim_mask_parse_hex("0xffffffffffffffffffffffffffffffff"
					      "ffffffffffffffffffffffffffffffff\n",
					      67, &m),
			 0);
	assert_int_equal(apsim_mask_weight(&m), 256);
}

static void test_parse_hex_empty_forms_give_zero(void **state)
{
	static const char *const inputs[] = {"", "\n", "0x", "x", "0x\n", "x\n", "0"};
	struct apsim_mask m;

	(void) state;
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		apsim_mask_fill(&m);
		assert_int_equal(apsim_mask_parse_hex(inputs[i], strlen(inputs[i]), &m), 0);
		assert_true(apsim_mask_empty(&m));
	}
}

static void test_parse_hex_invalid_leaves_mask(void **state)
{
	static const char *const inputs[] = {
	    "0X12",
	    "0x12\n\n",
	    " 0x12",
	    "0x12 ",
	    "0xg",
	    "0xx1",
	    "xx",
	    "+",
	    "0x1,",
	    "\n\n",
	    "0x12\nx",
	    "-1",
	    "12h",
	    /* 65 digits */
	    "0x00000000000000000000000000000000000000000000000000000000000000000",
	};
	struct apsim_mask m, before;

	(void) state;
	apsim_mask_zero(&before);
	apsim_mask_set(&before, 42);
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		m = before;
		assert_int_equal(apsim_mask_parse_hex(inputs[i], strlen(inputs[i]), &m), -EINVAL);
		assert_true(apsim_mask_equal(&m, &before));
	}
}

static void test_parse_hex_uses_len_and_stops_at_nul(void **state)
{
	struct apsim_mask m;

	(void) state;
	/* only the first 3 bytes */
	assert_int_equal(apsim_mask_parse_hex("0x8zzz", 3, &m), 0);
	assert_true(apsim_mask_test(&m, 0));
	assert_int_equal(apsim_mask_weight(&m), 1);
	/* the kernel's C-string view: an embedded NUL ends the value */
	assert_int_equal(apsim_mask_parse_hex("0x8\0zz", 6, &m), 0);
	assert_int_equal(apsim_mask_weight(&m), 1);
	assert_int_equal(apsim_mask_parse_hex(NULL, 0, &m), 0);
	assert_true(apsim_mask_empty(&m));
	assert_int_equal(apsim_mask_parse_hex(NULL, 1, &m), -EINVAL);
}

static void test_spec_4_2_examples(void **state)
{
	struct apsim_mask cur, m;

	(void) state;
	apsim_mask_zero(&cur);
	/* +0-15,+32,-128,-0xFF on an empty mask: bits 0-15 and 32 */
	assert_int_equal(parse_rel("+0-15,+32,-128,-0xFF", &cur, &m), 0);
	assert_mask_str(&m, "ffff000080000000000000000000000000000000000000000000000000000000");

	/* -0-255,+1-16,+0x128 from all ones: 0x128 = 296 is beyond 256 bits */
	apsim_mask_fill(&cur);
	assert_int_equal(parse_rel("-0-255,+1-16,+0x128", &cur, &m), -EINVAL);
	assert_int_equal(parse_rel("-0-255,+1-16,+0x12", &cur, &m), 0);
	assert_mask_str(&m, "7fffa00000000000000000000000000000000000000000000000000000000000");

	/* +1,+2,+3,+4,-5,-7-10 on bits 5..12 set */
	assert_int_equal(parse_rel("+5-12", &(struct apsim_mask){{0}}, &cur), 0);
	assert_int_equal(parse_rel("+1,+2,+3,+4,-5,-7-10", &cur, &m), 0);
	assert_mask_str(&m, "7a18000000000000000000000000000000000000000000000000000000000000");

	/* +0x41 = bit 65 */
	apsim_mask_zero(&cur);
	assert_int_equal(parse_rel("+0x41", &cur, &m), 0);
	assert_int_equal(apsim_mask_weight(&m), 1);
	assert_true(apsim_mask_test(&m, 65));
	assert_mask_str(&m, "0000000000000000400000000000000000000000000000000000000000000000");
}

static void test_relative_separators(void **state)
{
	struct apsim_mask cur, m;

	(void) state;
	apsim_mask_zero(&cur);
	assert_int_equal(parse_rel("+1,,+2\n", &cur, &m), 0);
	assert_int_equal(apsim_mask_weight(&m), 2);
	assert_true(apsim_mask_test(&m, 1) && apsim_mask_test(&m, 2));
	assert_int_equal(parse_rel("+3,", &cur, &m), 0);
	assert_true(apsim_mask_test(&m, 3));
	assert_int_equal(parse_rel("+3\n,\n,", &cur, &m), 0);
	/* the kernel needs no comma between terms */
	assert_int_equal(parse_rel("+1+2", &cur, &m), 0);
	assert_int_equal(apsim_mask_weight(&m), 2);
	assert_int_equal(parse_rel("+5-7-6", &cur, &m), 0);
	assert_int_equal(apsim_mask_weight(&m), 2);
	assert_true(apsim_mask_test(&m, 5) && apsim_mask_test(&m, 7));
	/* last one wins, bases */
	assert_int_equal(parse_rel("+0-255,-128", &cur, &m), 0);
	assert_int_equal(apsim_mask_weight(&m), 255);
	assert_false(apsim_mask_test(&m, 128));
	assert_int_equal(parse_rel("+010,+0X10,+10", &cur, &m), 0);
	assert_true(apsim_mask_test(&m, 8) && apsim_mask_test(&m, 16) && apsim_mask_test(&m, 10));
	assert_int_equal(apsim_mask_weight(&m), 3);
	assert_int_equal(parse_rel("+0", &cur, &m), 0);
	assert_true(apsim_mask_test(&m, 0));
	/* 2^64 + 1 wraps to 1, as simple_strtoul does */
	assert_int_equal(parse_rel("+18446744073709551617", &cur, &m), 0);
	assert_true(apsim_mask_test(&m, 1));
	assert_int_equal(apsim_mask_weight(&m), 1);
}

static void test_relative_invalid_all_or_nothing(void **state)
{
	static const char *const inputs[] = {
	    "+",      "-",   "+5-",  "-0x",  "+0x",  "+4-2",	"+256",	 "+0-256",
	    "+1, +2", " +1", "+ 1",  "+1,2", "++1",  "+-1",	"+1-+2", "+1--2",
	    "+08",    "+1x", "+1,;", "+1 ",  "+0xg", "+1,-300", "+a",
	};
	struct apsim_mask cur, m;

	(void) state;
	apsim_mask_zero(&cur);
	apsim_mask_set(&cur, 9);
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		apsim_mask_fill(&m);
		assert_int_equal(parse_rel(inputs[i], &cur, &m), -EINVAL);
		assert_int_equal(apsim_mask_weight(&m), 256);
	}
	/* a failing parse into the current mask itself leaves it as it was */
	assert_int_equal(parse_rel("+1,+2,+999", &cur, &cur), -EINVAL);
	assert_int_equal(apsim_mask_weight(&cur), 1);
	assert_int_equal(parse_rel("+1,+2", &cur, &cur), 0);
	assert_int_equal(apsim_mask_weight(&cur), 3);
}

static void test_bitmap_str_absolute(void **state)
{
	struct apsim_mask cur, m;

	(void) state;
	apsim_mask_fill(&cur);
	assert_int_equal(parse_rel("0x8", &cur, &m), 0);
	assert_int_equal(apsim_mask_weight(&m), 1);
	assert_true(apsim_mask_test(&m, 0));
	/* echo > apmask */
	assert_int_equal(parse_rel("\n", &cur, &m), 0);
	assert_true(apsim_mask_empty(&m));
	assert_int_equal(parse_rel("", &cur, &m), 0);
	assert_true(apsim_mask_empty(&m));
	apsim_mask_fill(&m);
	assert_int_equal(parse_rel("0X12", &cur, &m), -EINVAL);
	assert_int_equal(parse_rel(",+1", &cur, &m), -EINVAL);
	assert_int_equal(parse_rel("0x00000000000000000000000000000000"
				   "000000000000000000000000000000000",
				   &cur, &m),
			 -EINVAL);
	assert_int_equal(apsim_mask_weight(&m), 256);
}

static void test_bitmap_str_narrow_width(void **state)
{
	struct apsim_mask cur, m;

	(void) state;
	apsim_mask_zero(&cur);
	apsim_mask_set(&cur, 200);
	assert_int_equal(apsim_mask_parse_bitmap_str("+63", 3, 64, &cur, &m), 0);
	assert_int_equal(apsim_mask_weight(&m), 2);
	assert_int_equal(apsim_mask_parse_bitmap_str("+64", 3, 64, &cur, &m), -EINVAL);
	/* 16 digits fit 64 bits, 17 do not */
	assert_int_equal(apsim_mask_parse_bitmap_str("ffffffffffffffff", 16, 64, &cur, &m), 0);
	assert_int_equal(apsim_mask_weight(&m), 64);
	assert_int_equal(apsim_mask_parse_bitmap_str("ffffffffffffffff0", 17, 64, &cur, &m),
			 -EINVAL);
	/* widths the kernel refuses */
	assert_int_equal(apsim_mask_parse_bitmap_str("+1", 2, 12, &cur, &m), -EINVAL);
	assert_int_equal(apsim_mask_parse_bitmap_str("+1", 2, 264, &cur, &m), -EINVAL);
	assert_int_equal(apsim_mask_parse_bitmap_str("+1", 2, 256, NULL, &m), -EINVAL);
}

static void test_parse_list(void **state)
{
	struct apsim_mask m;

	(void) state;
	assert_int_equal(apsim_mask_parse_list("5", &m), 0);
	assert_int_equal(apsim_mask_weight(&m), 1);
	assert_true(apsim_mask_test(&m, 5));
	assert_int_equal(apsim_mask_parse_list("0x0a", &m), 0);
	assert_int_equal(apsim_mask_weight(&m), 1);
	assert_true(apsim_mask_test(&m, 10));
	assert_int_equal(apsim_mask_parse_list("3-7", &m), 0);
	assert_int_equal(apsim_mask_weight(&m), 5);
	assert_true(apsim_mask_test(&m, 3) && apsim_mask_test(&m, 7));
	assert_int_equal(apsim_mask_parse_list("1,4,9", &m), 0);
	assert_int_equal(apsim_mask_weight(&m), 3);
	assert_int_equal(apsim_mask_parse_list("1,3-5,0x10", &m), 0);
	assert_int_equal(apsim_mask_weight(&m), 5);
	assert_true(apsim_mask_test(&m, 16));
	assert_int_equal(apsim_mask_parse_list("010,255", &m), 0);
	assert_true(apsim_mask_test(&m, 8) && apsim_mask_test(&m, 255));
	assert_int_equal(apsim_mask_parse_list("0-255", &m), 0);
	assert_int_equal(apsim_mask_weight(&m), 256);
	assert_int_equal(apsim_mask_parse_list("4-4", &m), 0);
	assert_int_equal(apsim_mask_weight(&m), 1);
}

static void test_parse_list_invalid(void **state)
{
	static const char *const inputs[] = {
	    "",
	    ",",
	    "1,",
	    ",1",
	    "1,,2",
	    "256",
	    "0x100",
	    "7-3",
	    "1-",
	    "-1",
	    "+1",
	    " 1",
	    "1 ",
	    "1\n",
	    "0x",
	    "08",
	    "a",
	    "1-2-3",
	    "99999999999999999999999",
	    "1;2",
	};
	struct apsim_mask m;

	(void) state;
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		apsim_mask_fill(&m);
		assert_int_equal(apsim_mask_parse_list(inputs[i], &m), -EINVAL);
		assert_int_equal(apsim_mask_weight(&m), 256);
	}
	assert_int_equal(apsim_mask_parse_list(NULL, &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_set_test_clear_msb0),
	    cmocka_unit_test(test_format_adapters_1_and_7_is_0x41),
	    cmocka_unit_test(test_format_zero_full_and_small_buffer),
	    cmocka_unit_test(test_set_operations),
	    cmocka_unit_test(test_next_iterates_ascending),
	    cmocka_unit_test(test_parse_hex_valid),
	    cmocka_unit_test(test_parse_hex_empty_forms_give_zero),
	    cmocka_unit_test(test_parse_hex_invalid_leaves_mask),
	    cmocka_unit_test(test_parse_hex_uses_len_and_stops_at_nul),
	    cmocka_unit_test(test_spec_4_2_examples),
	    cmocka_unit_test(test_relative_separators),
	    cmocka_unit_test(test_relative_invalid_all_or_nothing),
	    cmocka_unit_test(test_bitmap_str_absolute),
	    cmocka_unit_test(test_bitmap_str_narrow_width),
	    cmocka_unit_test(test_parse_list),
	    cmocka_unit_test(test_parse_list_invalid),
	};
	return cmocka_run_group_tests_name("mask", tests, NULL, NULL);
}
