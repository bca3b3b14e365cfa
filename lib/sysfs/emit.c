/* SPDX-License-Identifier: MIT */
/* emit.c - sysfs_emit() (fs/sysfs/file.c) for the show callbacks. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "sysfs/emit-internal.h"

ssize_t apsim__sysfs_emit(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EIO;
	if ((size_t) n >= len)
		n = len ? (int) len - 1 : 0;
	return n;
}
