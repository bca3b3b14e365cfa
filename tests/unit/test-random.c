/* SPDX-License-Identifier: MIT */
/*
 * Randomized test of the vfio_ap safety invariants (lib/sim/invariants.c): thousands of random
 * operations - LPAR adapter/domain/control-domain changes with notification on and off, scans,
 * the periodic rescan, QCI switched off and on, other APXA maxima, apmask/aqmask writes, (un)assignments and ap_config writes, manual
 * unbind/bind, injected reset failures, card swaps, checkstops and deconfiguration, guest
 * start/stop, mdev create/remove - for each hot plug policy, with the invariant checker run
 * after every step. Every operation is a CLI/scenario command line through apsim_sim_exec,
 * so a failure prints a scenario that replays it.
 *
 * The seed comes from APSIM_SEED (decimal) or the time; each run prints
 * "seed=<n> steps=<n> policy=<p>". APSIM_RANDOM_STEPS overrides the step count,
 * APSIM_RANDOM_VERBOSE=1 prints every command with its result. On a failure the commands that
 * led to it are printed as a scenario file (stderr).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "apsim/apsim.h"
#include "kvm/guest-internal.h"
#include "sim/sim-internal.h"

#define DEFAULT_STEPS 4000
#define HISTORY 4096
#define NR_IDS 8            /* adapters and domains 0..7: small, so that things collide */
#define NR_MDEVS 4
#define NR_GUESTS 3

static const char *const uuids[NR_MDEVS] = {
	"00000000-0000-4000-8000-000000000000",
	"11111111-1111-4111-8111-111111111111",
	"22222222-2222-4222-8222-222222222222",
	"33333333-3333-4333-8333-333333333333",
};

static const char *const card_types[] = { "CEX4C", "CEX5A", "CEX6P", "CEX7C", "CEX8C", "CEX8A", "CEX8P" };

struct rng {
	uint64_t s;
};

static uint64_t next(struct rng *r)
{
	/* xorshift64* */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * UINT64_C(2685821657736338717);
}

static unsigned pick(struct rng *r, unsigned n)
{
	return (unsigned) (next(r) % n);
}

static uint64_t seed_from_env(void)
{
	const char *s = getenv("APSIM_SEED");

	if (s && *s)
		return strtoull(s, NULL, 10);
	return (uint64_t) time(NULL) ^ ((uint64_t) clock() << 20);
}

static unsigned steps_from_env(void)
{
	const char *s = getenv("APSIM_RANDOM_STEPS");

	if (s && *s)
		return (unsigned) strtoul(s, NULL, 10);
	return DEFAULT_STEPS;
}

/* A random list of ids of 0..NR_IDS-1, or of the whole 0..255 range now and then. */
static void id_list(struct rng *r, char *buf, size_t len)
{
	unsigned a = pick(r, NR_IDS), b = pick(r, NR_IDS);

	if (pick(r, 3))
		snprintf(buf, len, "%u", a);
	else
		snprintf(buf, len, "%u-%u", a < b ? a : b, a < b ? b : a);
}

/* A random 256-bit mask over 0..NR_IDS-1 as "0xHH" (ap_config syntax). */
static void hex_mask(struct rng *r, char *buf, size_t len)
{
	snprintf(buf, len, "0x%02x", (unsigned) (next(r) & 0xff));
}

static void random_command(struct rng *r, char *line, size_t len)
{
	char ids[32], m1[8], m2[8], m3[8];
	const char *u = uuids[pick(r, NR_MDEVS)];
	unsigned what = pick(r, 100);
	unsigned id = pick(r, NR_IDS), id2 = pick(r, NR_IDS);
	static const char *const sets[] = { "adapter", "domain", "control-domain" };
	static const char *const attrs[] = { "assign_adapter", "unassign_adapter", "assign_domain",
					     "unassign_domain", "assign_control_domain",
					     "unassign_control_domain" };

	id_list(r, ids, sizeof(ids));
	if (what < 14) {
		snprintf(line, len, "machine lpar %s %s %s", pick(r, 2) ? "add" : "remove", sets[pick(r, 3)], ids);
	} else if (what < 18) {
		snprintf(line, len, "machine notify %s", pick(r, 2) ? "on" : "off");
	} else if (what < 26) {
		snprintf(line, len, "scan");
	} else if (what < 28) {
		snprintf(line, len, "sleep 30s");
	} else if (what < 36) {
		/* releasing more often than reserving keeps queues for vfio_ap */
		snprintf(line, len, "write bus/ap/%s %c%u", pick(r, 2) ? "apmask" : "aqmask", pick(r, 3) ? '-' : '+',
			 id);
	} else if (what < 58) {
		snprintf(line, len, "write devices/vfio_ap/matrix/%s/%s %u", u, attrs[pick(r, 6)], id);
	} else if (what < 63) {
		hex_mask(r, m1, sizeof(m1));
		hex_mask(r, m2, sizeof(m2));
		hex_mask(r, m3, sizeof(m3));
		snprintf(line, len, "write devices/vfio_ap/matrix/%s/ap_config %s,%s,%s\\n", u, m1, m2, m3);
	} else if (what < 70) {
		snprintf(line, len, "guest start g%u %s", pick(r, NR_GUESTS), u);
	} else if (what < 74) {
		snprintf(line, len, "guest stop g%u", pick(r, NR_GUESTS));
	} else if (what < 79) {
		snprintf(line, len, "mdev create %s", u);
	} else if (what < 81) {
		snprintf(line, len, "mdev remove %s", u);
	} else if (what < 84) {
		snprintf(line, len, "write bus/ap/drivers/vfio_ap/%s %02x.%04x", pick(r, 2) ? "bind" : "unbind", id,
			 id2);
	} else if (what < 87) {
		static const unsigned rcs[] = { 2, 5, 6, 3 };

		snprintf(line, len, "machine queue inject %02x.%04x %u %u", id, id2, rcs[pick(r, 4)],
			 1 + pick(r, 3));
	} else if (what < 90) {
		snprintf(line, len, "machine card checkstop %u %s", id, pick(r, 2) ? "on" : "off");
	} else if (what < 93) {
		snprintf(line, len, "machine card config %u %s", id, pick(r, 2) ? "on" : "off");
	} else if (what < 95) {
		snprintf(line, len, "machine card remove %u", id);
	} else if (pick(r, 4) == 0) {
		/* rarely: QCI off/on, or other APXA maxima (ids above them stop answering) */
		if (pick(r, 2))
			snprintf(line, len, "machine qci %s", pick(r, 3) ? "on" : "off");
		else
			snprintf(line, len, "machine limits %u %u", pick(r, 2) ? 255 : 5, pick(r, 2) ? 84 : 5);
	} else {
		snprintf(line, len, "machine card add %u %s", id, card_types[pick(r, 7)]);
	}
}

struct run {
	enum apsim_policy policy;
	uint64_t seed;
	unsigned steps;
	char (*history)[160];
	FILE *devnull;
};

static void dump_history(const struct run *run, unsigned upto)
{
	unsigned first = upto >= HISTORY ? upto - HISTORY + 1 : 0;

	fprintf(stderr, "#@ --machine empty --policy %s\n", apsim_policy_name(run->policy));
	fprintf(stderr, "# replay of seed=%llu up to step %u\n", (unsigned long long) run->seed, upto);
	for (unsigned i = first; i <= upto; i++)
		fprintf(stderr, "%s\n", run->history[i % HISTORY]);
}

static void run_policy(enum apsim_policy policy)
{
	struct apsim_sim_options opts = {
		.machine = "empty",
		.policy = policy,
	};
	struct run run = { .policy = policy };
	struct apsim_sim *sim;
	struct rng rng;
	char msg[512];
	uint64_t total_updates = 0;
	unsigned busy_steps = 0;        /* steps after which some guest had queues in its APCB */

	run.seed = seed_from_env();
	run.steps = steps_from_env();
	run.history = calloc(HISTORY, sizeof(*run.history));
	assert_non_null(run.history);
	run.devnull = fopen("/dev/null", "w");
	assert_non_null(run.devnull);
	rng.s = run.seed * 2654435761u + (uint64_t) policy + 1;
	if (!rng.s)
		rng.s = 1;
	printf("seed=%llu steps=%u policy=%s\n", (unsigned long long) run.seed, run.steps,
	       apsim_policy_name(policy));
	fflush(stdout);

	assert_int_equal(apsim_sim_new(&opts, stderr, &sim), 0);
	/* a starting point with something in it: cards 0-5, three adapters and domains */
	static const char *const start[] = {
		"machine card add 0 CEX8C", "machine card add 1 CEX8C", "machine card add 2 CEX7C",
		"machine card add 3 CEX8A", "machine card add 4 CEX8P", "machine card add 5 CEX6C",
		"machine lpar add adapter 0-3", "machine lpar add domain 1-3",
		"machine lpar add control-domain 1", "write bus/ap/apmask -0-3",
		"mdev create 00000000-0000-4000-8000-000000000000",
		"write devices/vfio_ap/matrix/00000000-0000-4000-8000-000000000000/ap_config 0xc0,0x60,0x40",
		"guest start g0 00000000-0000-4000-8000-000000000000",
	};
	unsigned n = 0;

	for (unsigned i = 0; i < sizeof(start) / sizeof(start[0]); i++, n++) {
		snprintf(run.history[n % HISTORY], sizeof(run.history[0]), "%s", start[i]);
		if (apsim_sim_exec(sim, start[i], false, run.devnull, stderr) != 0)
			fail_msg("set-up command failed: %s", start[i]);
	}
	for (unsigned step = 0; step < run.steps; step++, n++) {
		char *line = run.history[n % HISTORY];
		int r;

		random_command(&rng, line, sizeof(run.history[0]));
		r = apsim_sim_exec(sim, line, false, run.devnull, getenv("APSIM_RANDOM_VERBOSE") ? stderr : run.devnull);
		if (getenv("APSIM_RANDOM_VERBOSE"))
			fprintf(stderr, "%d %s\n", r, line);
		if (r == -EBADMSG) {
			dump_history(&run, n);
			fail_msg("seed=%llu policy=%s step %u: '%s' reported a failed expectation",
				 (unsigned long long) run.seed, apsim_policy_name(policy), step, line);
		}
		for (struct apsim_guest *g = sim->guests; g; g = g->next) {
			if (!apsim_mask_empty(&g->apm) && !apsim_mask_empty(&g->aqm)) {
				busy_steps++;
				break;
			}
		}
		r = apsim_sim_check_invariants(sim, msg, sizeof(msg));
		if (r != 0) {
			dump_history(&run, n);
			fail_msg("seed=%llu policy=%s step %u after '%s': %s", (unsigned long long) run.seed,
				 apsim_policy_name(policy), step, line, msg);
		}
	}
	for (struct apsim_guest *g = sim->guests; g; g = g->next)
		total_updates += g->apcb_updates;
	printf("policy=%s steps with queues in a guest=%u apcb_updates of the running guests=%llu\n",
	       apsim_policy_name(policy), busy_steps, (unsigned long long) total_updates);
	apsim_sim_free(sim);
	fclose(run.devnull);
	free(run.history);
}

static void test_random_kernel(void **state)
{
	(void) state;
	run_policy(APSIM_POLICY_KERNEL);
}

static void test_random_legacy(void **state)
{
	(void) state;
	run_policy(APSIM_POLICY_LEGACY);
}

static void test_random_coalesced(void **state)
{
	(void) state;
	run_policy(APSIM_POLICY_COALESCED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_kernel),
		cmocka_unit_test(test_random_legacy),
		cmocka_unit_test(test_random_coalesced),
	};
	return cmocka_run_group_tests_name("random", tests, NULL, NULL);
}
