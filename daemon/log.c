/* SPDX-License-Identifier: MIT */
/*
 * log.c - the daemon's log: one line per message, on stderr while apsimd runs in the
 * foreground, to syslog (LOG_DAEMON, LOG_ERR) once it has detached. The lowest daemon file:
 * it calls nothing of the daemon, and every other daemon file may call it.
 *
 * Not lib/base/log.c: that is the library's sink (style 4.9), filtered by level and printing
 * "apsim: " before every message; the daemon's messages carry their own "apsimd: " and are
 * never filtered, and routing them through the library's sink would put the library's
 * debug output into the daemon's syslog as well.
 */
#define _GNU_SOURCE /* vsyslog */

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <syslog.h>

#include "apsimd.h"

static atomic_bool use_syslog;

void apsimd_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (atomic_load(&use_syslog)) {
		vsyslog(LOG_ERR, fmt, ap);
	} else {
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

void apsimd_log_to_syslog(void)
{
	openlog("apsimd", LOG_PID, LOG_DAEMON);
	atomic_store(&use_syslog, true);
}
