/* SPDX-License-Identifier: MIT */
/*
 * log.c - the library's log sink: a level filter and a replaceable output function
 * (style 4.9). The default sink writes "apsim: <msg>\n" to stderr.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apsim/log.h"

static _Atomic int log_level = APSIM_LOG_WARNING;
static _Atomic(apsim_log_fn) log_fn;

/* One write per message, so that messages of concurrent threads do not interleave. */
static void log_stderr(enum apsim_log_level level, const char *fmt, va_list ap)
{
	char small[512];
	char *msg = small;
	va_list aq;
	size_t n;
	int r;

	(void) level;
	va_copy(aq, ap);
	r = vsnprintf(small, sizeof(small), fmt, aq);
	va_end(aq);
	if (r < 0)
		return;
	if ((size_t) r >= sizeof(small)) {
		msg = malloc((size_t) r + 1);
		if (!msg)
			return;
		(void) vsnprintf(msg, (size_t) r + 1, fmt, ap);
	}
	n = strlen(msg);
	flockfile(stderr);
	fputs("apsim: ", stderr);
	fputs(msg, stderr);
	if (n == 0 || msg[n - 1] != '\n')
		fputc('\n', stderr);
	funlockfile(stderr);
	if (msg != small)
		free(msg);
}

void apsim_set_log_fn(apsim_log_fn fn)
{
	atomic_store(&log_fn, fn);
}

void apsim_set_log_level(enum apsim_log_level level)
{
	atomic_store(&log_level, (int) level);
}

enum apsim_log_level apsim_get_log_level(void)
{
	return (enum apsim_log_level) atomic_load(&log_level);
}

void apsim_log(enum apsim_log_level level, const char *fmt, ...)
{
	apsim_log_fn fn;
	va_list ap;

	if ((int) level > atomic_load(&log_level))
		return;
	fn = atomic_load(&log_fn);
	if (!fn)
		fn = log_stderr;
	va_start(ap, fmt);
	fn(level, fmt, ap);
	va_end(ap);
}
