/* SPDX-License-Identifier: MIT */
/*
 * bench-util.h - what every benchmark program needs: a monotonic clock in milliseconds and
 * a command runner that gives up loudly (a benchmark whose set-up failed measures nothing).
 */
#ifndef APSIM_BENCH_UTIL_H
#define APSIM_BENCH_UTIL_H

#include <stdio.h>

#include "apsim/apsim.h"

/* CLOCK_MONOTONIC in milliseconds. */
double bench_now_ms(void);

/*
 * Runs one command line (printf-formatted) on sim, its output to out; on failure prints the
 * line and the error, prefixed with the program's name, and exits 1.
 */
void bench_sh(struct apsim_sim *sim, FILE *out, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
