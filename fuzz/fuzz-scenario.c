/* SPDX-License-Identifier: MIT */
/*
 * fuzz-scenario.c - libFuzzer target for the scenario runner and the command interpreter
 * (docs/cli.md): the input is a scenario file run against a fresh simulator with the empty
 * machine, in the sandbox (no file access, sleeps of at most an hour). It must never crash,
 * leak or hang; every failure is an ordinary -errno with a message naming the line.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apsim/apsim.h"
#include "script/script-internal.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct apsim_sim_options opts = {.machine = "empty", .policy = APSIM_POLICY_KERNEL};
	struct apsim_sim *sim;
	char *out = NULL, *err = NULL;
	size_t out_len = 0, err_len = 0;
	FILE *fout, *ferr;
	int r;

	if (size > 8192)
		return 0;
	/* the first byte picks the policy, so all three hot plug paths are fuzzed */
	if (size > 0 && data[0] < 3 * 16) {
		opts.policy = (enum apsim_policy)(data[0] / 16);
		opts.check_invariants = data[0] & 1;
	}
	CHECK(apsim_sim_new(&opts, stderr, &sim) == 0);
	sim->sandbox = true;
	fout = open_memstream(&out, &out_len);
	ferr = open_memstream(&err, &err_len);
	CHECK(fout && ferr);
	apsim_sim_lock(sim);
	r = apsim__scenario_run_buffer(sim, "fuzz.scn", (const char *) data, size, false, fout,
				       ferr, apsim__command_run_line);
	CHECK(r <= 0);
	/* a failure always says where */
	if (r < 0 && r != -ENOMEM) {
		fflush(ferr);
		CHECK(err_len > 0 && strncmp(err, "fuzz.scn:", 9) == 0);
	}
	/* then every line on its own, going on after failures, for the commands after them */
	for (size_t pos = 0, lineno = 1; pos < size; lineno++) {
		const char *nl = memchr(data + pos, '\n', size - pos);
		size_t n = nl ? (size_t) (nl - (const char *) data) - pos : size - pos;
		char *line = malloc(n + 1);

		CHECK(line != NULL);
		memcpy(line, data + pos, n);
		line[n] = '\0';
		r = apsim__command_run_line(sim, line, lineno & 1, fout, ferr, "line");
		CHECK(r <= 0);
		free(line);
		pos += n + 1;
	}
	apsim_sim_unlock(sim);
	fclose(fout);
	fclose(ferr);
	free(out);
	free(err);
	apsim_sim_free(sim);
	return 0;
}
