/* SPDX-License-Identifier: MIT */
/*
 * Kernel-faithful number parsers for sysfs stores (lib/kstrtox.c, lib/vsprintf.c vsscanf).
 * Every function reads a NUL-terminated string, as a kernel store callback sees its buffer.
 * Outputs are written only on success.
 */
#ifndef APSIM_KSTRTO_INTERNAL_H
#define APSIM_KSTRTO_INTERNAL_H

#include <stdbool.h>

/*
 * kstrtoull(): optional leading '+', base 0 auto-detects "0x"/"0X" hex (only when a hex
 * digit follows) and a leading "0" octal; at least one digit; one trailing '\n' allowed and
 * nothing else. -EINVAL on bad syntax, -ERANGE on overflow.
 */
int apsim__kstrtoull(const char *s, unsigned base, unsigned long long *ret);
int apsim__kstrtoul(const char *s, unsigned base, unsigned long *ret);
int apsim__kstrtouint(const char *s, unsigned base, unsigned *ret);
/* kstrtoint(): a leading '-' is allowed, range INT_MIN..INT_MAX else -ERANGE. */
int apsim__kstrtoint(const char *s, unsigned base, int *ret);

/*
 * kstrtobool() (v6.x): looks only at the first one or two characters: [yYtT1] true,
 * [nNfF0] false, [oO][nN] true, [oO][fF] false, anything else -EINVAL.
 */
int apsim__kstrtobool(const char *s, bool *ret);

/*
 * sscanf(s, "%d") (base 10) or sscanf(s, "%i") (base 0) as the kernel's vsscanf does it:
 * leading white space skipped, an optional '-' (no '+'), a digit must follow, the number
 * stops at the first character that is no digit of the base (trailing garbage is accepted),
 * the value wraps like simple_strtoull and is truncated to int. Returns the number of
 * conversions (1, or 0 when nothing could be converted).
 */
int apsim__sscanf_int(const char *s, unsigned base, int *ret);

/* hex_to_bin(): the value of one hex digit, -1 for anything else. */
int apsim__hex_to_bin(int c);

/* sysfs_streq(): equal, ignoring one trailing '\n' on either side. */
bool apsim__sysfs_streq(const char *a, const char *b);

#endif
