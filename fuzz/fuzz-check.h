/* SPDX-License-Identifier: MIT */
/*
 * fuzz-check.h - what every fuzz target shares: libFuzzer's entry point and CHECK(), which
 * aborts with the failed invariant's file, line and text (a finding, under libFuzzer and in
 * the corpus replay of make check alike).
 */
#ifndef APSIM_FUZZ_CHECK_H
#define APSIM_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(expr)                                                                                \
	do {                                                                                       \
		if (!(expr)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,       \
				#expr);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif
