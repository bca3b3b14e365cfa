/* SPDX-License-Identifier: MIT */
/*
 * The kernel's small string-to-number helpers, as sysfs stores use them (lib/kstrtox.c,
 * vsscanf in lib/vsprintf.c, sysfs_streq in lib/string.c). Written from their documented
 * behaviour; the details that decide an errno are commented where they matter.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>

#include "base/kstrto-internal.h"

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static bool is_xdigit(int c)
{
	c = lower(c);
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int digit_value(int c)
{
	c = lower(c);
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return 99;
}

int apsim__hex_to_bin(int c)
{
	int v = digit_value(c);

	return v < 16 ? v : -1;
}

/* _parse_integer_fixup_radix(): "0x" + hex digit -> 16, "0" -> 8, else 10; skips "0x". */
static const char *fixup_radix(const char *s, unsigned *base)
{
	if (*base == 0) {
		if (s[0] == '0') {
			if (lower(s[1]) == 'x' && is_xdigit(s[2]))
				*base = 16;
			else
				*base = 8;
		} else {
			*base = 10;
		}
	}
	if (*base == 16 && s[0] == '0' && lower(s[1]) == 'x')
		s += 2;
	return s;
}

/* _parse_integer(): digits consumed; *overflow set when the value does not fit 64 bits
 * (the result then wraps, as simple_strtoull's does). */
static unsigned parse_digits(const char *s, unsigned base, unsigned long long *res,
			     bool *overflow)
{
	unsigned long long v = 0;
	unsigned n = 0;

	*overflow = false;
	for (;; n++, s++) {
		int d = digit_value((unsigned char) *s);

		if (d >= (int) base)
			break;
		if (v > (ULLONG_MAX - (unsigned long long) d) / base)
			*overflow = true;
		v = v * base + (unsigned long long) d;
	}
	*res = v;
	return n;
}

static int kstrtoull_noplus(const char *s, unsigned base, unsigned long long *ret)
{
	unsigned long long v;
	bool overflow;
	unsigned n;

	s = fixup_radix(s, &base);
	n = parse_digits(s, base, &v, &overflow);
	if (overflow)
		return -ERANGE;
	if (n == 0)
		return -EINVAL;
	s += n;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*ret = v;
	return 0;
}

int apsim__kstrtoull(const char *s, unsigned base, unsigned long long *ret)
{
	if (!s || !ret || base == 1 || base > 16)
		return -EINVAL;
	if (s[0] == '+')
		s++;
	return kstrtoull_noplus(s, base, ret);
}

int apsim__kstrtoul(const char *s, unsigned base, unsigned long *ret)
{
	unsigned long long v;
	int r;

	r = apsim__kstrtoull(s, base, &v);
	if (r < 0)
		return r;
	if (v > ULONG_MAX)
		return -ERANGE;
	*ret = (unsigned long) v;
	return 0;
}

int apsim__kstrtouint(const char *s, unsigned base, unsigned *ret)
{
	unsigned long long v;
	int r;

	r = apsim__kstrtoull(s, base, &v);
	if (r < 0)
		return r;
	if (v > UINT_MAX)
		return -ERANGE;
	*ret = (unsigned) v;
	return 0;
}

int apsim__kstrtoint(const char *s, unsigned base, int *ret)
{
	unsigned long long v;
	int r;

	if (!s || !ret)
		return -EINVAL;
	if (s[0] == '-') {
		/* kstrtoll: no '+' after the '-' */
		if (base == 1 || base > 16)
			return -EINVAL;
		r = kstrtoull_noplus(s + 1, base, &v);
		if (r < 0)
			return r;
		if (v > (unsigned long long) INT_MAX + 1)
			return -ERANGE;
		*ret = v == (unsigned long long) INT_MAX + 1 ? INT_MIN : -(int) v;
		return 0;
	}
	r = apsim__kstrtoull(s, base, &v);
	if (r < 0)
		return r;
	if (v > INT_MAX)
		return -ERANGE;
	*ret = (int) v;
	return 0;
}

int apsim__kstrtobool(const char *s, bool *ret)
{
	if (!s || !ret)
		return -EINVAL;
	switch (s[0]) {
	case 'y':
	case 'Y':
	case 't':
	case 'T':
	case '1':
		*ret = true;
		return 0;
	case 'n':
	case 'N':
	case 'f':
	case 'F':
	case '0':
		*ret = false;
		return 0;
	case 'o':
	case 'O':
		switch (s[1]) {
		case 'n':
		case 'N':
			*ret = true;
			return 0;
		case 'f':
		case 'F':
			*ret = false;
			return 0;
		default:
			break;
		}
		break;
	default:
		break;
	}
	return -EINVAL;
}

int apsim__sscanf_int(const char *s, unsigned base, int *ret)
{
	unsigned long long v;
	bool neg = false, overflow;
	uint32_t low;
	int first;

	if (!s || !ret)
		return 0;
	while (is_space((unsigned char) *s))
		s++;
	if (!*s)
		return 0;
	first = (unsigned char) *s;
	if (first == '-')
		first = (unsigned char) s[1];
	/* vsscanf: the first character after the sign must be a digit of the base
	 * (for %i any decimal digit) */
	if (!(first >= '0' && first <= '9'))
		return 0;
	if (*s == '-') {
		neg = true;
		s++;
	}
	s = fixup_radix(s, &base);
	(void) parse_digits(s, base, &v, &overflow);        /* wraps silently */
	if (neg)
		v = 0 - v;
	low = (uint32_t) v;
	*ret = low > INT32_MAX ? (int) ((int64_t) low - 4294967296LL) : (int) low;
	return 1;
}

bool apsim__sysfs_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	if (*a == *b)
		return true;
	if (!*a && *b == '\n' && !b[1])
		return true;
	if (*a == '\n' && !a[1] && !*b)
		return true;
	return false;
}
