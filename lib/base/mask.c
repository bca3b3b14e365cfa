/* SPDX-License-Identifier: MIT */
/*
 * mask.c - 256-bit MSB0 AP masks (spec 1.3): set helpers, the kernel's "0x"+64 hex format,
 * the apmask/aqmask write syntax (spec 4.2) and the CLI id-list syntax.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "apsim/mask.h"
#include "base/kstrto-internal.h"

void apsim_mask_zero(struct apsim_mask *m)
{
	memset(m->b, 0, sizeof(m->b));
}

void apsim_mask_fill(struct apsim_mask *m)
{
	memset(m->b, 0xff, sizeof(m->b));
}

bool apsim_mask_empty(const struct apsim_mask *m)
{
	for (size_t i = 0; i < APSIM_MASK_BYTES; i++)
		if (m->b[i])
			return false;
	return true;
}

bool apsim_mask_equal(const struct apsim_mask *a, const struct apsim_mask *b)
{
	return memcmp(a->b, b->b, APSIM_MASK_BYTES) == 0;
}

unsigned apsim_mask_weight(const struct apsim_mask *m)
{
	unsigned n = 0;

	for (size_t i = 0; i < APSIM_MASK_BYTES; i++)
		for (unsigned v = m->b[i]; v; v &= v - 1)
			n++;
	return n;
}

bool apsim_mask_and(struct apsim_mask *ret, const struct apsim_mask *a, const struct apsim_mask *b)
{
	uint8_t any = 0;

	for (size_t i = 0; i < APSIM_MASK_BYTES; i++) {
		ret->b[i] = a->b[i] & b->b[i];
		any |= ret->b[i];
	}
	return any != 0;
}

bool apsim_mask_andnot(struct apsim_mask *ret, const struct apsim_mask *a,
		       const struct apsim_mask *b)
{
	uint8_t any = 0;

	for (size_t i = 0; i < APSIM_MASK_BYTES; i++) {
		ret->b[i] = a->b[i] & (uint8_t) ~b->b[i];
		any |= ret->b[i];
	}
	return any != 0;
}

void apsim_mask_or(struct apsim_mask *ret, const struct apsim_mask *a, const struct apsim_mask *b)
{
	for (size_t i = 0; i < APSIM_MASK_BYTES; i++)
		ret->b[i] = a->b[i] | b->b[i];
}

bool apsim_mask_intersects(const struct apsim_mask *a, const struct apsim_mask *b)
{
	for (size_t i = 0; i < APSIM_MASK_BYTES; i++)
		if (a->b[i] & b->b[i])
			return true;
	return false;
}

int apsim_mask_next(const struct apsim_mask *m, unsigned from)
{
	for (unsigned n = from; n < APSIM_MASK_BITS; n++) {
		if (!(n & 7) && !m->b[n >> 3]) {
			n += 7; /* skip a zero byte */
			continue;
		}
		if (m->b[n >> 3] & (0x80u >> (n & 7)))
			return (int) n;
	}
	return -1;
}

/* spec 1.3: the byte view of an MSB0 mask is exactly the kernel's %016lx x 4 text. */
int apsim_mask_format(const struct apsim_mask *m, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char *p = buf;

	if (!m || !buf || len < APSIM_MASK_STRLEN)
		return -EINVAL;
	*p++ = '0';
	*p++ = 'x';
	for (size_t i = 0; i < APSIM_MASK_BYTES; i++) {
		*p++ = hex[m->b[i] >> 4];
		*p++ = hex[m->b[i] & 0xf];
	}
	*p++ = '\n';
	*p = '\0';
	return (int) (p - buf);
}

/*
 * The kernel hands sysfs stores a NUL-terminated copy of the written bytes and its parsers
 * stop at the first NUL, so a NUL inside the written data ends the value there.
 * MODEL: kernfs write buffer + ap_bus.c ap_parse_bitmap_str() reading a C string.
 */
static size_t effective_len(const char *str, size_t len)
{
	const char *nul = memchr(str, '\0', len);

	return nul ? (size_t) (nul - str) : len;
}

/*
 * spec 4.2 absolute syntax on a zeroed *ret. MODEL: ap_bus.c ap_hex2bitmap(): skip "0" of a
 * leading "0x", then one "x"; at most nbits/4 hex digits (the digit loop stops at nbits,
 * the next digit is then "anything else left"); one optional "\n"; nothing after it.
 */
static int parse_hex_bits(const char *s, size_t len, unsigned nbits, struct apsim_mask *ret)
{
	struct apsim_mask m;
	size_t i = 0;
	unsigned bit = 0;
	int v;

	apsim_mask_zero(&m);
	if (len >= 2 && s[0] == '0' && s[1] == 'x')
		i = 1;
	if (i < len && s[i] == 'x')
		i++;
	for (; i < len && bit < nbits && (v = apsim__hex_to_bin(s[i])) >= 0; i++, bit += 4)
		for (unsigned n = 0; n < 4; n++)
			if (v & (0x08 >> n))
				apsim_mask_set(&m, bit + n);
	if (i < len && s[i] == '\n')
		i++;
	if (i != len)
		return -EINVAL;
	*ret = m;
	return 0;
}

int apsim_mask_parse_hex(const char *str, size_t len, struct apsim_mask *ret)
{
	if (!ret || (!str && len))
		return -EINVAL;
	if (!str)
		str = "";
	return parse_hex_bits(str, effective_len(str, len), APSIM_MASK_BITS, ret);
}

/*
 * The kernel's simple_strtoul(s, &end, 0): "0x"/"0X" followed by a hex digit selects hex,
 * another leading "0" octal, else decimal; no sign, no blanks. The value wraps modulo 2^64
 * on overflow (simple_strtoul ignores its overflow flag on 64-bit s390), so
 * "+18446744073709551617" means bit 1 there - we do the same (decided: bug-for-bug here is
 * harmless and keeps "same input, same answer"). *ret_overflow tells whether it wrapped.
 * Returns the number of characters consumed (0 = no number).
 */
static size_t parse_ulong_base0(const char *s, size_t len, uint64_t *ret, bool *ret_overflow)
{
	bool overflow = false;
	unsigned base = 10;
	uint64_t v = 0;
	size_t i = 0;
	int d;

	if (len >= 1 && s[0] == '0') {
		if (len >= 3 && (s[1] == 'x' || s[1] == 'X') && apsim__hex_to_bin(s[2]) >= 0) {
			base = 16;
			i = 2;
		} else {
			base = 8;
		}
	}
	for (; i < len; i++) {
		d = apsim__hex_to_bin(s[i]);
		if (d < 0 || (unsigned) d >= base)
			break;
		if (v > (UINT64_MAX - (unsigned) d) / base)
			overflow = true;
		v = v * base + (unsigned) d;
	}
	*ret = v;
	*ret_overflow = overflow;
	return i;
}

/*
 * spec 4.2 relative syntax. MODEL: ap_bus.c modify_bitmap(). Decisions that follow the
 * kernel code rather than its comment:
 *  - terms need no comma between them: "+1+2" and "+5-7-9" (set 5..7, clear 9) are valid;
 *  - "+", "+5-", "+5-x", "-0x" (parsed as 0 followed by the garbage "x") are -EINVAL;
 *  - "0X" is accepted as a hex prefix here (unlike the absolute syntax);
 *  - a term may be followed by any run of ',' and '\n', including at the very end.
 */
static int modify_bits(const char *s, size_t len, unsigned nbits, struct apsim_mask *m)
{
	size_t i = 0, n;
	uint64_t a, z;
	bool ovf;
	char sign;

	while (i < len) {
		sign = s[i++];
		if (sign != '+' && sign != '-')
			return -EINVAL;
		n = parse_ulong_base0(s + i, len - i, &a, &ovf);
		if (n == 0 || a >= nbits)
			return -EINVAL;
		i += n;
		z = a;
		if (i < len && s[i] == '-') {
			i++;
			n = parse_ulong_base0(s + i, len - i, &z, &ovf);
			if (n == 0 || a > z || z >= nbits)
				return -EINVAL;
			i += n;
		}
		for (uint64_t b = a; b <= z; b++) {
			if (sign == '+')
				apsim_mask_set(m, (unsigned) b);
			else
				apsim_mask_clear(m, (unsigned) b);
		}
		while (i < len && (s[i] == ',' || s[i] == '\n'))
			i++;
	}
	return 0;
}

int apsim_mask_parse_bitmap_str(const char *str, size_t len, unsigned nbits,
				const struct apsim_mask *cur, struct apsim_mask *ret)
{
	struct apsim_mask m;
	int r;

	/* MODEL: the kernel parsers refuse a width that is not a multiple of 8 */
	if (!cur || !ret || (!str && len) || nbits > APSIM_MASK_BITS || (nbits & 7))
		return -EINVAL;
	if (!str)
		str = "";
	len = effective_len(str, len);
	if (len > 0 && (str[0] == '+' || str[0] == '-')) {
		m = *cur;
		r = modify_bits(str, len, nbits, &m);
	} else {
		r = parse_hex_bits(str, len, nbits, &m);
	}
	if (r < 0)
		return r;
	*ret = m;
	return 0;
}

/* A number of the CLI list syntax: decimal, 0x/0X-hex or 0-octal, < 256, nothing else. */
static const char *parse_list_number(const char *s, unsigned *ret)
{
	uint64_t v;
	bool overflow;
	size_t n;

	/* parse_ulong_base0 accepts no sign and no blank */
	n = parse_ulong_base0(s, strlen(s), &v, &overflow);
	if (n == 0 || overflow || v >= APSIM_MASK_BITS)
		return NULL;
	*ret = (unsigned) v;
	return s + n;
}

int apsim_mask_parse_list(const char *str, struct apsim_mask *ret)
{
	struct apsim_mask m;
	const char *p = str;
	unsigned a, z;

	if (!str || !ret || !*str)
		return -EINVAL;
	apsim_mask_zero(&m);
	for (;;) {
		p = parse_list_number(p, &a);
		if (!p)
			return -EINVAL;
		z = a;
		if (*p == '-') {
			p = parse_list_number(p + 1, &z);
			if (!p || z < a)
				return -EINVAL;
		}
		for (unsigned b = a; b <= z; b++)
			apsim_mask_set(&m, b);
		if (*p == '\0')
			break;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
	*ret = m;
	return 0;
}
