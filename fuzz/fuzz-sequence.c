/* SPDX-License-Identifier: MIT */
/*
 * fuzz-sequence.c - libFuzzer target that drives one model through a sequence of operations
 * decoded from the input: operator changes (adapters, domains and control domains configured
 * on and off, checkstops, card config), scans, apmask/aqmask writes, driver bind/unbind, mdev
 * create/assign/unassign/remove, guest start/stop and clock advances, under the hot plug
 * policy the first byte chooses.
 *
 * After every operation the vfio_ap safety invariants must hold (apsim_sim_check_invariants).
 * While the saved state is all there is (no guest runs: guests are not persisted, a daemon
 * restart is a host reboot; no firmware change waits for a scan; no driver binding was made
 * by hand), every operation is also replayed on a fresh model rebuilt from the state saved just before it
 * (the daemon's persistence round trip): both must return the same result and save the same
 * state afterwards. Any difference aborts with the operation and both states.
 *
 * Input: byte 0 policy; then 3 bytes per operation (opcode, a, b). At most 48 operations.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apsim/apsim.h"
#include "sim/state-internal.h"
#include "fuzz-check.h"

#define MAX_OPS 48
#define N_ADAPTERS 6
#define N_DOMAINS 6
#define N_MDEVS 3
#define N_GUESTS 2

/* A small machine: six adapters of mixed types, the LPAR holding most of them. */
static const char *const setup[] = {
	"machine notify off",
	"machine card add 0 CEX8C",
	"machine card add 1 CEX7P",
	"machine card add 2 CEX8A",
	"machine card add 3 CEX6C",
	"machine card add 4 CEX8C",
	"machine card add 5 CEX7C",
	"machine lpar add adapter 0-4",
	"machine lpar add domain 0-4",
	"machine lpar add control-domain 0-5",
	"scan",
	"machine notify on",
};

static const char *const uuids[N_MDEVS] = {
	"11111111-2222-4333-8444-000000000001",
	"11111111-2222-4333-8444-000000000002",
	"11111111-2222-4333-8444-000000000003",
};

static const char *const lpar_what[] = { "adapter", "domain", "control-domain" };
static const char *const assign_what[] = { "adapter", "domain", "control_domain" };

struct fuzz_run {
	FILE *devnull;
	bool guest_running[N_GUESTS];
	bool notify_off;
	/* the firmware changed since the bus last looked: a restart would scan it in first */
	bool unscanned;
	/* a driver bind/unbind by hand: a restart probes every device afresh */
	bool hand_bound;
};

static void die(const char *what, const char *line, const char *a, const char *b)
{
	fprintf(stderr, "fuzz-sequence: %s after '%s'\n--- A ---\n%s\n--- B ---\n%s\n", what, line,
		a ? a : "", b ? b : "");
	abort();
}

/* Decodes one operation (opcode, a, b) into a command line. */
static void decode(uint8_t op, uint8_t a, uint8_t b, char *line, size_t len)
{
	unsigned adapter = a % (N_ADAPTERS + 1), domain = b % (N_DOMAINS + 1);
	const char *uuid = uuids[a % N_MDEVS];

	switch (op % 16) {
	case 0:
	case 1:
		snprintf(line, len, "machine lpar %s %s %u", op % 16 ? "add" : "remove",
			 lpar_what[b % 3], b % 3 == 0 ? adapter : domain);
		break;
	case 2:
		snprintf(line, len, "machine card checkstop %u %s", adapter, b & 1 ? "on" : "off");
		break;
	case 3:
		snprintf(line, len, "machine card config %u %s", adapter, b & 1 ? "on" : "off");
		break;
	case 4:
		snprintf(line, len, "scan");
		break;
	case 5:
		snprintf(line, len, "write bus/ap/%s %c%u", b & 1 ? "aqmask" : "apmask",
			 b & 2 ? '+' : '-', b & 1 ? domain : adapter);
		break;
	case 6:
		snprintf(line, len, "write bus/ap/drivers/%s/%s %02x.%04x",
			 b & 1 ? "vfio_ap" : "cex4queue", b & 2 ? "bind" : "unbind", adapter,
			 domain);
		break;
	case 7:
		snprintf(line, len, "mdev create %s", uuid);
		break;
	case 8:
		snprintf(line, len, "mdev remove %s", uuid);
		break;
	case 9:
	case 10:
		snprintf(line, len, "write devices/vfio_ap/matrix/%s/%sassign_%s %u", uuid,
			 op % 16 == 9 ? "" : "un", assign_what[b % 3],
			 b % 3 == 0 ? adapter : domain);
		break;
	case 11:
		snprintf(line, len, "guest start g%u %s", b % N_GUESTS, uuid);
		break;
	case 12:
		snprintf(line, len, "guest stop g%u", b % N_GUESTS);
		break;
	case 13:
		snprintf(line, len, "sleep %ums", (unsigned) b * 4);
		break;
	case 14:
		snprintf(line, len, "machine notify %s", b & 1 ? "on" : "off");
		break;
	default:
		snprintf(line, len, "write devices/vfio_ap/matrix/%s/ap_config "
			 "0x%02x00000000000000000000000000000000000000000000000000000000000000,"
			 "0x%02x00000000000000000000000000000000000000000000000000000000000000,"
			 "0x0000000000000000000000000000000000000000000000000000000000000000",
			 uuid, a & 0xfc, b & 0xf8);
		break;
	}
}

static void track(struct fuzz_run *run, const char *line, int r)
{
	unsigned g;

	if (r != 0)
		return;
	if (sscanf(line, "guest start g%u", &g) == 1 && g < N_GUESTS)
		run->guest_running[g] = true;
	else if (sscanf(line, "guest stop g%u", &g) == 1 && g < N_GUESTS)
		run->guest_running[g] = false;
	else if (strcmp(line, "machine notify off") == 0)
		run->notify_off = true;
	else if (strcmp(line, "machine notify on") == 0)
		run->notify_off = false;
	else if (strcmp(line, "scan") == 0)
		run->unscanned = false;
	else if (strncmp(line, "machine lpar", 12) == 0)
		run->unscanned |= run->notify_off;      /* with notify on the bus rescans at once */
	else if (strncmp(line, "machine card", 12) == 0)
		run->unscanned = true;                  /* checkstops are found by the next scan */
	else if (strncmp(line, "write bus/ap/drivers/", 21) == 0)
		run->hand_bound = true;
}

/* The live model and one restored from its saved state can only agree while the saved
 * state is all there is: no guest (not persisted), no firmware change the bus has not
 * scanned yet (a restarted daemon scans it in at once) and no binding made by hand (a
 * restart probes every device as a boot does). */
static bool comparable(const struct fuzz_run *run)
{
	for (unsigned g = 0; g < N_GUESTS; g++)
		if (run->guest_running[g])
			return false;
	return !run->unscanned && !run->hand_bound;
}

static char *save(struct apsim_sim *sim)
{
	char *text = NULL;

	apsim_sim_lock(sim);
	if (apsim__state_serialize(sim, &text) < 0)
		text = NULL;
	apsim_sim_unlock(sim);
	if (!text)
		die("state does not serialize", "", NULL, NULL);
	return text;
}

/* The persistence round trip for one operation: a model restored from `before` gives the
 * same result and ends in the same saved state. */
static void replay(struct fuzz_run *run, const struct apsim_sim_options *opts, const char *before,
		   const char *line, int r_live, const char *after_live)
{
	struct apsim_sim *sim = NULL;
	char msg[512], *after = NULL;
	int r;

	r = apsim__state_load_buffer(before, strlen(before), "saved.state", opts, &sim, msg,
				     sizeof(msg));
	if (r < 0)
		die("saved state does not load", line, before, msg);
	r = apsim_sim_exec(sim, line, false, run->devnull, run->devnull);
	if (r != r_live) {
		snprintf(msg, sizeof(msg), "live %d, restored %d", r_live, r);
		die("restored model answers differently", line, msg, before);
	}
	after = save(sim);
	if (strcmp(after, after_live) != 0)
		die("restored model saves another state", line, after_live, after);
	free(after);
	apsim_sim_free(sim);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum apsim_policy policies[] = {
		APSIM_POLICY_KERNEL, APSIM_POLICY_LEGACY, APSIM_POLICY_COALESCED,
	};
	struct apsim_sim_options opts = { .machine = "empty" };
	struct fuzz_run run = { 0 };
	static FILE *devnull;
	struct apsim_sim *sim = NULL;
	char line[512], msg[512], *saved = NULL;
	size_t n_ops;

	if (size < 1)
		return 0;
	opts.policy = policies[data[0] % 3];
	/* opened once: every input writes its output there */
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	run.devnull = devnull;
	if (apsim_sim_new(&opts, run.devnull, &sim) < 0)
		abort();
	for (size_t i = 0; i < sizeof(setup) / sizeof(setup[0]); i++)
		if (apsim_sim_exec(sim, setup[i], false, run.devnull, stderr) != 0)
			die("setup failed", setup[i], NULL, NULL);

	n_ops = (size - 1) / 3;
	if (n_ops > MAX_OPS)
		n_ops = MAX_OPS;
	for (size_t i = 0; i < n_ops; i++) {
		const uint8_t *p = data + 1 + 3 * i;
		bool check_restore = comparable(&run);
		char *before;
		int r;

		/* the state saved after the previous operation is the state before this one */
		if (check_restore && !saved)
			saved = save(sim);
		if (!check_restore)
			free(saved);
		before = check_restore ? saved : NULL;
		saved = NULL;

		decode(p[0], p[1], p[2], line, sizeof(line));
		r = apsim_sim_exec(sim, line, false, run.devnull, run.devnull);
		if (getenv("APSIM_FUZZ_VERBOSE"))
			fprintf(stderr, "%d %s\n", r, line);
		track(&run, line, r);

		apsim_sim_lock(sim);
		if (apsim_sim_check_invariants(sim, msg, sizeof(msg)) != 0) {
			apsim_sim_unlock(sim);
			die("invariant violated", line, msg, NULL);
		}
		apsim_sim_unlock(sim);

		/* a guest start or an unscanned firmware change: nothing to compare against */
		if (check_restore && comparable(&run)) {
			saved = save(sim);
			replay(&run, &opts, before, line, r, saved);
		}
		free(before);
	}
	free(saved);
	apsim_sim_free(sim);
	return 0;
}
