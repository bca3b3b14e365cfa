/* SPDX-License-Identifier: MIT */
/* bench-util.c - the clock and the command runner of bench-util.h. */
#define _GNU_SOURCE

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-util.h"

double bench_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

void bench_sh(struct apsim_sim *sim, FILE *out, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	r = apsim_sim_exec(sim, line, false, out, stderr);
	if (r < 0) {
		fprintf(stderr, "%s: '%s' failed: %s\n", program_invocation_short_name, line,
			strerror(-r));
		exit(1);
	}
}
