/* SPDX-License-Identifier: MIT */
/*
 * fuzz-mask.c - libFuzzer target for the mask parsers (style 4.14): parse_hex,
 * parse_bitmap_str against a fixed current mask (two widths) and parse_list, with their
 * invariants checked on every input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apsim/mask.h"
#include "fuzz-check.h"

/* format -> parse_hex gives the same mask back */
static void check_round_trip(const struct apsim_mask *m)
{
	char buf[APSIM_MASK_STRLEN];
	struct apsim_mask back;

	CHECK(apsim_mask_format(m, buf, sizeof(buf)) == 67);
	CHECK(strlen(buf) == 67 && buf[0] == '0' && buf[1] == 'x' && buf[66] == '\n');
	CHECK(apsim_mask_parse_hex(buf, 67, &back) == 0);
	CHECK(apsim_mask_equal(&back, m));
	/* without the newline, and without the prefix, too */
	CHECK(apsim_mask_parse_hex(buf + 2, 64, &back) == 0);
	CHECK(apsim_mask_equal(&back, m));
}

static void fill_pattern(struct apsim_mask *m, uint8_t seed)
{
	for (size_t i = 0; i < APSIM_MASK_BYTES; i++)
		m->b[i] = (uint8_t) (seed + 37 * i);
}

static void check_bitmap_str(const char *s, size_t size, unsigned nbits,
			     const struct apsim_mask *cur, const struct apsim_mask *hex, int hex_r)
{
	struct apsim_mask out, sentinel, alias;
	bool relative = size > 0 && s[0] != '\0' && (s[0] == '+' || s[0] == '-');
	int r;

	fill_pattern(&sentinel, 0xa5);
	out = sentinel;
	r = apsim_mask_parse_bitmap_str(s, size, nbits, cur, &out);
	CHECK(r == 0 || r == -22);
	if (r < 0) {
		CHECK(apsim_mask_equal(&out, &sentinel)); /* untouched on error */
	} else {
		check_round_trip(&out);
		/* bits at or above the width come from cur (relative) or are zero */
		for (unsigned n = nbits; n < APSIM_MASK_BITS; n++)
			CHECK(apsim_mask_test(&out, n) == (relative && apsim_mask_test(cur, n)));
	}
	/* the absolute syntax is parse_hex at full width */
	if (!relative && nbits == APSIM_MASK_BITS) {
		CHECK(r == hex_r);
		if (r == 0)
			CHECK(apsim_mask_equal(&out, hex));
	}
	/* ret may alias cur, with the same result */
	alias = *cur;
	CHECK(apsim_mask_parse_bitmap_str(s, size, nbits, &alias, &alias) == r);
	CHECK(apsim_mask_equal(&alias, r == 0 ? &out : cur));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *) data;
	struct apsim_mask cur, hex, sentinel, list;
	char *str;
	int hex_r, r;

	if (size > 8192)
		return 0;

	/* parse_hex */
	fill_pattern(&sentinel, 0x3c);
	hex = sentinel;
	hex_r = apsim_mask_parse_hex(s, size, &hex);
	CHECK(hex_r == 0 || hex_r == -22);
	if (hex_r < 0)
		CHECK(apsim_mask_equal(&hex, &sentinel));
	else
		check_round_trip(&hex);

	/* parse_bitmap_str against a fixed current mask, full width and 64 bits */
	fill_pattern(&cur, 0x11);
	check_bitmap_str(s, size, APSIM_MASK_BITS, &cur, &hex, hex_r);
	check_bitmap_str(s, size, 64, &cur, &hex, hex_r);

	/* parse_list on the NUL-terminated input */
	str = malloc(size + 1);
	if (!str)
		return 0;
	memcpy(str, data, size);
	str[size] = '\0';
	fill_pattern(&sentinel, 0x77);
	list = sentinel;
	r = apsim_mask_parse_list(str, &list);
	CHECK(r == 0 || r == -22);
	if (r < 0) {
		CHECK(apsim_mask_equal(&list, &sentinel));
	} else {
		CHECK(!apsim_mask_empty(&list));
		check_round_trip(&list);
	}
	free(str);
	return 0;
}
