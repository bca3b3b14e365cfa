/* SPDX-License-Identifier: MIT */
/*
 * test-alloc-fail.c - fail the Nth allocation of each operation of a scenario, for every N
 * (issue 10 §5). The executable is linked with -Wl,--wrap for malloc, calloc, realloc,
 * strdup, strndup, open_memstream, fopen and mmap (tests/unit/meson.build), so every call the
 * library objects make goes through the __wrap_ functions (../alloc-wrap.h, fopen and mmap
 * below); jansson's allocator is pointed at them too. Nothing fails unless armed, and arming is per operation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>
#include <jansson.h>

#include "apsim/apsim.h"
#include "script/script-internal.h"

/* --- the allocation hook ------------------------------------------------------------ */

FILE *__real_fopen(const char *path, const char *mode);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);

FILE *__wrap_fopen(const char *path, const char *mode);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);

static unsigned long fail_at; /* 0: disarmed; else the allocation number that fails */
static unsigned long nalloc;  /* allocations since arming */
static bool hit;              /* the armed allocation was reached (and failed) */

static bool should_fail(void)
{
	if (!fail_at)
		return false;
	if (++nalloc != fail_at)
		return false;
	hit = true;
	errno = ENOMEM;
	return true;
}

#include "../alloc-wrap.h"

FILE *__wrap_fopen(const char *path, const char *mode)
{
	return should_fail() ? NULL : __real_fopen(path, mode);
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return should_fail() ? MAP_FAILED : __real_mmap(addr, len, prot, flags, fd, off);
}

static void arm(unsigned long n)
{
	nalloc = 0;
	hit = false;
	fail_at = n;
}

static void disarm(void)
{
	fail_at = 0;
}

/* --- the snapshot: the whole host tree, the machine, the mdevs and the guests ---------- */

struct snap {
	char *buf;
	size_t len;
	FILE *f;
};

struct names {
	char **v;
	size_t n;
	enum apsim_node_type *t;
};

static int collect(const struct apsim_dirent *ent, void *ctx)
{
	struct names *ns = ctx;

	ns->v = realloc(ns->v, (ns->n + 1) * sizeof(*ns->v));
	ns->t = realloc(ns->t, (ns->n + 1) * sizeof(*ns->t));
	assert_non_null(ns->v);
	assert_non_null(ns->t);
	ns->v[ns->n] = strdup(ent->name);
	assert_non_null(ns->v[ns->n]);
	ns->t[ns->n++] = ent->type;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Entries in name order: a registration that a later scan completes comes later in
 * creation order, which readdir() follows, and that is no difference of state. */
static void walk(struct apsim_tree *t, const char *dir, FILE *f)
{
	struct names ns = {0};
	char path[1024], buf[APSIM_SYSFS_PAGE + 1];
	struct apsim_node_info info;

	assert_int_equal(apsim_tree_readdir(t, dir, collect, &ns), 0);
	if (ns.n)
		qsort(ns.v, ns.n, sizeof(*ns.v), by_name);
	for (size_t i = 0; i < ns.n; i++) {
		snprintf(path, sizeof(path), "%s%s%s", dir, *dir ? "/" : "", ns.v[i]);
		assert_int_equal(apsim_tree_lookup(t, path, &info), 0);
		ns.t[i] = info.type;
	}
	for (size_t i = 0; i < ns.n; i++) {
		ssize_t r;

		snprintf(path, sizeof(path), "%s%s%s", dir, *dir ? "/" : "", ns.v[i]);
		switch (ns.t[i]) {
		case APSIM_NODE_DIR:
			fprintf(f, "d %s\n", path);
			walk(t, path, f);
			break;
		case APSIM_NODE_LINK:
			r = apsim_tree_readlink(t, path, buf, sizeof(buf));
			fprintf(f, "l %s -> %s (%zd)\n", path, r >= 0 ? buf : "", r);
			break;
		case APSIM_NODE_ATTR:
			r = apsim_tree_read(t, path, buf, sizeof(buf) - 1);
			buf[r > 0 ? (size_t) r : 0] = '\0';
			fprintf(f, "a %s (%zd) %s\n", path, r, buf);
			break;
		}
		free(ns.v[i]);
	}
	free(ns.v);
	free(ns.t);
}

static void cmd_into(struct apsim_sim *sim, const char *line, FILE *f)
{
	int r;

	fprintf(f, "$ %s\n", line);
	r = apsim__command_run_line(sim, line, true, f, f, NULL);
	fprintf(f, "= %d\n", r);
}

/* Returns a new string: everything a client could compare before and after an operation. */
static char *snapshot(struct apsim_sim *sim)
{
	struct snap s = {0};

	s.f = open_memstream(&s.buf, &s.len);
	assert_non_null(s.f);
	apsim_sim_lock(sim);
	walk(apsim_sim_get_tree(sim), "", s.f);
	cmd_into(sim, "machine show --json", s.f);
	cmd_into(sim, "mdev list --json", s.f);
	cmd_into(sim, "guest show --json", s.f);
	apsim_sim_unlock(sim);
	fclose(s.f);
	return s.buf;
}

/* --- the scenario --------------------------------------------------------------------- */

#define UUID "33333333-3333-4333-8333-333333333333"
#define MDEV "devices/vfio_ap/matrix/" UUID

/*
 * The rules.
 *
 * An operation either fails with ENOMEM and leaves the state exactly as before, or
 * succeeds with the state of the unfaulted run, but for the devices whose probe failed on
 * the way: the driver core does not fail a bind, a mask write (ap_bus_revise_bindings(),
 * spec 4.3) or a scan because a probe did (dd.c really_probe()), the device stays unbound.
 * Those are probed again through bus/ap/drivers_probe, as an administrator would, before
 * the comparison.
 *
 * A scan is a sequence of independent device registrations (spec 3.1, 3.4): a registration
 * that fails leaves the ones before it in place, as in the kernel, and the next scan
 * completes the rest. So for an operation marked .scan, a failure must be ENOMEM (or, as
 * ap_scan_bus() returns nothing, a success), the invariants must hold, and one more
 * unfaulted scan, the probes above and 1 s for the queue resets must give exactly the state
 * of the unfaulted run followed by the same. A scan that failed before it counted itself
 * in bus/ap/scans is one scan less: then the state must be that of the unfaulted run alone.
 */
struct op {
	const char *line;
	bool scan; /* runs a bus scan: the scan rule applies */
};

static const struct op ops[] = {
    {"machine notify off", false},
    {"machine card add 3 CEX8C", false},
    {"machine card add 4 CEX8A", false},
    {"machine lpar add adapter 3,4", false},
    {"machine lpar add domain 5-6", false},
    {"machine lpar add control-domain 5", false},
    {"scan", true},
    {"write bus/ap/apmask -3", false},
    {"write bus/ap/aqmask -5", false},
    {"mdev create " UUID, false},
    {"write " MDEV "/assign_adapter 3", false},
    {"write " MDEV "/assign_domain 5", false},
    {"write " MDEV "/assign_control_domain 5", false},
    {"guest start g1 " UUID, false},
    {"machine lpar add domain 7", false},
    {"scan", true},
    {"write " MDEV "/assign_domain 7", false},
    {"write " MDEV "/unassign_domain 5", false},
    {"write bus/ap/drivers/cex4queue/unbind 04.0006", false},
    {"write bus/ap/drivers/cex4queue/bind 04.0006", false},
    {"guest stop g1", false},
    {"write " MDEV "/unassign_adapter 3", false},
    {"mdev remove " UUID, false},
    {"write bus/ap/apmask +3", false},
    {"machine card remove 4", false},
    {"scan", true},
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

static FILE *devnull;

static int run(struct apsim_sim *sim, const char *line)
{
	int r;

	apsim_sim_lock(sim);
	r = apsim__command_run_line(sim, line, false, devnull, devnull, NULL);
	apsim_sim_unlock(sim);
	return r;
}

static struct apsim_sim *build(size_t nops)
{
	struct apsim_sim_options o = {.machine = "empty", .check_invariants = false};
	struct apsim_sim *sim;

	assert_int_equal(apsim_sim_new(&o, NULL, &sim), 0);
	for (size_t i = 0; i < nops; i++)
		if (run(sim, ops[i].line) != 0)
			fail_msg("unfaulted '%s' failed", ops[i].line);
	return sim;
}

static void invariants(struct apsim_sim *sim, const char *line, unsigned long n)
{
	char msg[512];

	apsim_sim_lock(sim);
	if (apsim_sim_check_invariants(sim, msg, sizeof(msg)) != 0)
		fail_msg("'%s' with allocation %lu failing: invariants: %s", line, n, msg);
	apsim_sim_unlock(sim);
}

static void same(const char *want, const char *got, const char *line, unsigned long n,
		 const char *what)
{
	size_t i = 0;

	if (!strcmp(want, got))
		return;
	while (want[i] && want[i] == got[i])
		i++;
	while (i > 0 && want[i - 1] != '\n')
		i--;
	fail_msg("'%s' with allocation %lu failing: %s; first difference:\nwant: %.200s\ngot:  %.200s",
		 line, n, what, want + i, got + i);
}

/* Whether the host device (card03, 03.0005) has a driver in the snapshot want; NULL: yes. */
static bool bound_in(const char *want, const char *dev)
{
	char line[128];

	if (!want)
		return true;
	if (!strncmp(dev, "card", 4))
		snprintf(line, sizeof(line), "\nl devices/ap/%s/driver ", dev);
	else
		snprintf(line, sizeof(line), "\nl devices/ap/card%.2s/%s/driver ", dev, dev);
	return strstr(want, line) != NULL;
}

/* The devices a failed probe left unbound get probed again through bus/ap/drivers_probe,
 * as an administrator would (the driver core does not retry a probe that failed): on the
 * host, and in the guest (g1), whose own AP bus probes its queues as the host's does. */
static void probe_unbound_in(struct apsim_sim *sim, struct apsim_tree *t, const char *guest,
			     const char *want)
{
	struct apsim_node_info info;
	struct names ns = {0};
	char path[512];

	assert_int_equal(apsim_tree_readdir(t, "bus/ap/devices", collect, &ns), 0);
	for (size_t i = 0; i < ns.n; i++) {
		snprintf(path, sizeof(path), "bus/ap/devices/%s/driver", ns.v[i]);
		if (apsim_tree_lookup(t, path, &info) != 0 && bound_in(want, ns.v[i])) {
			if (guest)
				snprintf(path, sizeof(path), "guest write %s bus/ap/drivers_probe %s",
					 guest, ns.v[i]);
			else
				snprintf(path, sizeof(path), "write bus/ap/drivers_probe %s",
					 ns.v[i]);
			assert_int_equal(run(sim, path), 0);
		}
		free(ns.v[i]);
	}
	free(ns.v);
	free(ns.t);
}

static void probe_unbound(struct apsim_sim *sim, const char *want)
{
	struct apsim_tree *gt;

	probe_unbound_in(sim, apsim_sim_get_tree(sim), NULL, want);
	apsim_sim_lock(sim);
	gt = apsim_sim_get_guest_tree(sim, "g1");
	apsim_sim_unlock(sim);
	if (gt) {
		/* the guest's own scans follow the scan rule: its next scan completes them */
		assert_int_equal(run(sim, "guest write g1 bus/ap/scans 1"), 0);
		probe_unbound_in(sim, gt, "g1", NULL);
	}
}

static unsigned long total_runs;

static void test_every_allocation_of_every_operation_fails_cleanly(void **state)
{
	struct apsim_sim *sim = build(0);

	for (size_t i = 0; i < NOPS; i++) {
		const char *line = ops[i].line;
		char *before = snapshot(sim), *after, *settled = NULL, *rescanned = NULL;
		struct apsim_sim *ref;
		unsigned long n;

		/* the unfaulted run gives the state to reach */
		ref = build(i);
		assert_int_equal(run(ref, line), 0);
		after = snapshot(ref);
		apsim_sim_free(ref);
		if (ops[i].scan) {
			/* the states the scan rule allows: one scan or two (bus/ap/scans counts
			 * them), then time for the resets of late probes to finish */
			ref = build(i);
			assert_int_equal(run(ref, line), 0);
			assert_int_equal(run(ref, "sleep 1s"), 0);
			settled = snapshot(ref);
			assert_int_equal(run(ref, "scan"), 0);
			assert_int_equal(run(ref, "sleep 1s"), 0);
			rescanned = snapshot(ref);
			apsim_sim_free(ref);
		}

		for (n = 1;; n++) {
			char *now;
			int r;

			arm(n);
			r = run(sim, line);
			disarm();
			total_runs++;
			invariants(sim, line, n);
			if (ops[i].scan && hit && (r == 0 || r == -ENOMEM)) {
				/* ap_scan_bus() is void in the kernel: a scan may also report
				 * success with a device missing */
				assert_int_equal(run(sim, "scan"), 0);
				probe_unbound(sim, rescanned);
				assert_int_equal(run(sim, "sleep 1s"), 0);
				now = snapshot(sim);
				/* a scan that gave up before it counted itself in bus/ap/scans
				 * is one scan less */
				if (strcmp(now, settled))
					same(rescanned, now, line, n,
					     "the next scan did not complete it");
				free(now);
				apsim_sim_free(sim);
				sim = build(i);
				continue;
			}
			if (r == 0) {
				if (hit)
					probe_unbound(sim, after);
				now = snapshot(sim);
				same(after, now, line, n, "succeeded in another state");
				free(now);
				if (!hit)
					break;
				/* it coped with the failure: start again from before the op */
				apsim_sim_free(sim);
				sim = build(i);
				continue;
			}
			if (r != -ENOMEM)
				fail_msg("'%s' with allocation %lu failing: %d, not -ENOMEM", line,
					 n, r);
			assert_true(hit);
			now = snapshot(sim);
			same(before, now, line, n, "failed and changed the state");
			free(now);
		}
		print_message("%-60s %lu allocations\n", line, n - 1);
		/* sim is now the state after the op, as checked: the next op starts there */
		free(before);
		free(after);
		free(settled);
		free(rescanned);
	}
	apsim_sim_free(sim);
	print_message("%zu operations, %lu faulted runs\n", NOPS, total_runs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_allocation_of_every_operation_fails_cleanly),
	};

	devnull = __real_fopen("/dev/null", "w");
	if (!devnull)
		return 1;
	json_set_alloc_funcs(__wrap_malloc, free);
	return cmocka_run_group_tests_name("alloc-fail", tests, NULL, NULL);
}
