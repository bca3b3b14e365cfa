/* SPDX-License-Identifier: MIT */
/*
 * fuzz-state.c - libFuzzer target for the daemon's state loader (lib/sim/state.c): any input
 * either fails with -EINVAL and a message naming the source, or builds a sim whose state
 * serializes to a document that loads again and serializes to the same text.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apsim/sim.h"
#include "sim/state-internal.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct apsim_sim_options opts = { .policy = APSIM_POLICY_KERNEL };
	struct apsim_sim *sim = NULL, *sim2 = NULL;
	char msg[512];
	char *s1 = NULL, *s2 = NULL;
	int r;

	if (size > 16384)
		return 0;
	r = apsim__state_load_buffer((const char *) data, size, "fuzz.state", &opts, &sim, msg,
				     sizeof(msg));
	if (r < 0) {
		/* a bad document, or a well-formed one the model refuses (EADDRINUSE...) */
		CHECK(sim == NULL);
		CHECK(strncmp(msg, "fuzz.state", 10) == 0);
		return 0;
	}
	CHECK(apsim__state_serialize(sim, &s1) == 0);
	r = apsim__state_load_buffer(s1, strlen(s1), "saved.state", &opts, &sim2, msg, sizeof(msg));
	if (r < 0) {
		fprintf(stderr, "saved state does not load: %s\n%s\n", msg, s1);
		abort();
	}
	CHECK(apsim__state_serialize(sim2, &s2) == 0);
	CHECK(strcmp(s1, s2) == 0);
	free(s1);
	free(s2);
	apsim_sim_free(sim);
	apsim_sim_free(sim2);
	return 0;
}
