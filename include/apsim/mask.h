/* SPDX-License-Identifier: MIT */
/*
 * 256-bit AP masks in MSB0 (IBM) bit numbering: bit n is byte n>>3, mask 0x80 >> (n&7)
 * (spec 1.3). Adapter, usage-domain and control-domain masks, apmask/aqmask and the
 * vfio_ap matrices all use this type.
 */
#ifndef APSIM_MASK_H
#define APSIM_MASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apsim/export.h"

#define APSIM_MASK_BITS 256
#define APSIM_MASK_BYTES (APSIM_MASK_BITS / 8)
/* "0x" + 64 hex digits + "\n" + NUL */
#define APSIM_MASK_STRLEN (2 + 64 + 1 + 1)

struct apsim_mask {
	uint8_t b[APSIM_MASK_BYTES];
};

static inline bool apsim_mask_test(const struct apsim_mask *m, unsigned nr)
{
	return nr < APSIM_MASK_BITS && (m->b[nr >> 3] & (0x80u >> (nr & 7)));
}

static inline void apsim_mask_set(struct apsim_mask *m, unsigned nr)
{
	if (nr < APSIM_MASK_BITS)
		m->b[nr >> 3] |= (uint8_t) (0x80u >> (nr & 7));
}

static inline void apsim_mask_clear(struct apsim_mask *m, unsigned nr)
{
	if (nr < APSIM_MASK_BITS)
		m->b[nr >> 3] &= (uint8_t) ~(0x80u >> (nr & 7));
}

APSIM_EXPORT void apsim_mask_zero(struct apsim_mask *m);
APSIM_EXPORT void apsim_mask_fill(struct apsim_mask *m);
APSIM_EXPORT bool apsim_mask_empty(const struct apsim_mask *m);
APSIM_EXPORT bool apsim_mask_equal(const struct apsim_mask *a, const struct apsim_mask *b);
/* Number of set bits. */
APSIM_EXPORT unsigned apsim_mask_weight(const struct apsim_mask *m);
/* ret = a & b; ret may alias a or b. Returns true if the result is non-empty. */
APSIM_EXPORT bool apsim_mask_and(struct apsim_mask *ret, const struct apsim_mask *a,
				 const struct apsim_mask *b);
/* ret = a & ~b. Returns true if the result is non-empty. */
APSIM_EXPORT bool apsim_mask_andnot(struct apsim_mask *ret, const struct apsim_mask *a,
				    const struct apsim_mask *b);
APSIM_EXPORT void apsim_mask_or(struct apsim_mask *ret, const struct apsim_mask *a,
				const struct apsim_mask *b);
/* True if a & b is non-empty. */
APSIM_EXPORT bool apsim_mask_intersects(const struct apsim_mask *a, const struct apsim_mask *b);
/* Lowest set bit >= from, or -1. Iterate: for (n = next(m, 0); n >= 0; n = next(m, n + 1)) */
APSIM_EXPORT int apsim_mask_next(const struct apsim_mask *m, unsigned from);

/*
 * "0x" + 64 lowercase hex digits + "\n" (spec 1.3), the kernel's %016lx x 4 format.
 * buf must hold APSIM_MASK_STRLEN bytes. Returns the length written (67), without NUL.
 */
APSIM_EXPORT int apsim_mask_format(const struct apsim_mask *m, char *buf, size_t len);

/*
 * The kernel's ap_hex2bitmap (spec 4.2 absolute syntax): optional "0x" or bare "x", up to
 * 64 hex digits (right-padded with zeros), optionally one trailing "\n". Empty / "0x" give
 * an all-zero mask. On error returns -EINVAL and leaves *ret untouched.
 * The input is the first len bytes of str (need not be NUL-terminated).
 */
APSIM_EXPORT int apsim_mask_parse_hex(const char *str, size_t len, struct apsim_mask *ret);

/*
 * The kernel's ap_parse_bitmap_str (spec 4.2): absolute if the first char is not '+'/'-',
 * else relative terms applied to a copy of *cur. Bits must be < nbits (256 for apmask).
 * All or nothing: on error returns -EINVAL and *ret is untouched. ret may alias cur.
 */
APSIM_EXPORT int apsim_mask_parse_bitmap_str(const char *str, size_t len, unsigned nbits,
					     const struct apsim_mask *cur, struct apsim_mask *ret);

/*
 * The CLI/scenario id list syntax: "5", "0x0a", "3-7", "1,4,9", "1,3-5,0x10". Numbers are
 * decimal, 0x-hex or 0-octal, each < 256. Returns -EINVAL on anything else.
 */
APSIM_EXPORT int apsim_mask_parse_list(const char *str, struct apsim_mask *ret);

#endif
