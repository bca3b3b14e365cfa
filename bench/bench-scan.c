/* SPDX-License-Identifier: MIT */
/*
 * bench-scan: the AP bus scan on a machine of A adapters x D domains configured (default the
 * full 256 x 256, max ids 255, 65,536 queue devices), with the zcrypt drivers bound as on a
 * real host. Prints the time of the first scan, of a rescan with nothing changed, of a
 * rescan after one adapter and one domain left the configuration, and of one after they came
 * back, each with its minor page faults (getrusage ru_minflt), plus the peak memory of the
 * process and that per queue device; as a table, and as JSON with --json.
 *
 *   bench-scan [--json] [--adapters A] [--domains D]
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "apsim/apsim.h"
#include "bus/bus-internal.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* The resident set now, KiB (/proc/self/statm), or -1. */
static long rss_now_kib(void)
{
	long size, resident;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &resident) != 2)
		resident = -1;
	fclose(f);
	return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

struct timed {
	double ms;   /* best of the runs (the first scan: its only run) */
	long minflt; /* summed over the runs */
};

struct figures {
	struct timed first, unchanged, removed, added;
	size_t queues;
	size_t uevents_first;
	size_t uevents_removed;
	long rss_before_scan_kib;
	long peak_rss_kib;
};

static int count_queue(struct apsim_device *dev, void *ctx)
{
	(void) dev;
	(*(size_t *) ctx)++;
	return 0;
}

static int fail(const char *what, int r)
{
	fprintf(stderr, "bench-scan: %s: %s\n", what, strerror(-r));
	return 1;
}

static void timed_scan(struct apsim_bus *bus, struct timed *t)
{
	long flt = minflt();
	double start = now_ms(), d;

	apsim_bus_scan(bus);
	d = now_ms() - start;
	t->minflt += minflt() - flt;
	if (d < t->ms)
		t->ms = d;
}

/* One adapter and one domain leave (on == false) or rejoin the configuration. */
static void one_change(struct apsim_machine *m, unsigned ap, unsigned dom, bool on)
{
	struct apsim_mask one;

	apsim_mask_zero(&one);
	apsim_mask_set(&one, ap);
	apsim_machine_lpar_change(m, APSIM_LPAR_ADAPTER, on, &one);
	apsim_mask_zero(&one);
	apsim_mask_set(&one, dom);
	apsim_machine_lpar_change(m, APSIM_LPAR_DOMAIN, on, &one);
}

/* Best of 'runs' for the rescans; the first scan is measured once per fresh system. */
static int run(struct figures *f, int runs, unsigned adapters, unsigned domains)
{
	struct apsim_machine *m = NULL;
	struct apsim_clock *clock = NULL;
	struct apsim_tree *tree = NULL;
	struct apsim_uevent_log *log = NULL;
	struct apsim_bus *bus = NULL;
	struct apsim_zcrypt *zc = NULL;
	struct apsim_card_spec spec;
	struct apsim_mask mask;
	unsigned gone_ap = 17 % adapters, gone_dom = 42 % domains;
	int r;

	if ((r = apsim_machine_new_empty(&m)) < 0)
		return fail("machine", r);
	apsim_machine_set_notify(m, false); /* scans are triggered here, one at a time */
	if ((r = apsim_machine_set_limits(m, 255, 255)) < 0)
		return fail("limits", r);
	if ((r = apsim_card_type_parse("CEX8C", &spec)) < 0)
		return fail("card type", r);
	for (unsigned a = 0; a < adapters; a++)
		if ((r = apsim_machine_card_add(m, a, &spec)) < 0)
			return fail("card add", r);
	apsim_mask_zero(&mask);
	for (unsigned a = 0; a < adapters; a++)
		apsim_mask_set(&mask, a);
	apsim_machine_lpar_change(m, APSIM_LPAR_ADAPTER, true, &mask);
	apsim_mask_zero(&mask);
	for (unsigned d = 0; d < domains; d++)
		apsim_mask_set(&mask, d);
	apsim_machine_lpar_change(m, APSIM_LPAR_DOMAIN, true, &mask);
	apsim_machine_lpar_change(m, APSIM_LPAR_CONTROL_DOMAIN, true, &mask);

	if (apsim_clock_new_virtual(&clock) < 0 || apsim_tree_new(&tree) < 0 ||
	    apsim_uevent_log_new(&log) < 0)
		return fail("setup", -ENOMEM);
	struct apsim_bus_config cfg = {
		.name = "host", .ops = apsim_machine_ap_ops(), .ops_ctx = m, .tree = tree,
		.uevents = log, .clock = clock, .domain_param = -1,
	};
	if ((r = apsim_bus_new(&cfg, &bus)) < 0)
		return fail("bus", r);
	if ((r = apsim__zcrypt_new(bus, &zc)) < 0)
		return fail("zcrypt", r);

	f->rss_before_scan_kib = rss_now_kib();
	f->first = f->unchanged = f->removed = f->added = (struct timed){ .ms = 1e9 };
	timed_scan(bus, &f->first);
	f->uevents_first = apsim_uevent_log_count(log);
	f->queues = 0;
	apsim_bus_for_each_queue(bus, count_queue, &f->queues);

	for (int i = 0; i < runs; i++) {
		timed_scan(bus, &f->unchanged);
		one_change(m, gone_ap, gone_dom, false);
		size_t before = apsim_uevent_log_count(log);
		timed_scan(bus, &f->removed);
		f->uevents_removed = apsim_uevent_log_count(log) - before;
		one_change(m, gone_ap, gone_dom, true);
		timed_scan(bus, &f->added);
	}

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	f->peak_rss_kib = ru.ru_maxrss;

	apsim__zcrypt_free(zc);
	apsim_bus_free(bus);
	apsim_uevent_log_free(log);
	apsim_tree_free(tree);
	apsim_clock_free(clock);
	apsim_machine_free(m);
	return 0;
}

int main(int argc, char **argv)
{
	struct figures f;
	unsigned adapters = 256, domains = 256;
	int json = 0;
	int runs = 5;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "--adapters") == 0 && i + 1 < argc) {
			adapters = (unsigned) strtoul(argv[++i], NULL, 0);
		} else if (strcmp(argv[i], "--domains") == 0 && i + 1 < argc) {
			domains = (unsigned) strtoul(argv[++i], NULL, 0);
		} else {
			fprintf(stderr, "usage: bench-scan [--json] [--adapters A] [--domains D]\n");
			return 2;
		}
	}
	if (adapters < 1 || adapters > 256 || domains < 1 || domains > 256) {
		fprintf(stderr, "bench-scan: 1 to 256 adapters and domains\n");
		return 2;
	}
	if (run(&f, runs, adapters, domains))
		return 1;
	double bpq = f.queues ? (double) f.peak_rss_kib * 1024.0 / (double) f.queues : 0;
	if (json) {
		printf("{\"adapters\": %u, \"domains\": %u, \"queues\": %zu, "
		       "\"first_scan_ms\": %.2f, \"first_scan_minflt\": %ld, "
		       "\"rescan_unchanged_ms\": %.3f, \"rescan_unchanged_minflt\": %ld, "
		       "\"rescan_one_adapter_one_domain_removed_ms\": %.3f, "
		       "\"rescan_removed_minflt\": %ld, "
		       "\"rescan_one_adapter_one_domain_added_ms\": %.3f, "
		       "\"rescan_added_minflt\": %ld, \"uevents_first_scan\": %zu, "
		       "\"uevents_removal_scan\": %zu, \"rss_before_scan_kib\": %ld, "
		       "\"peak_rss_kib\": %ld, \"peak_rss_bytes_per_queue\": %.0f}\n",
		       adapters, domains, f.queues, f.first.ms, f.first.minflt, f.unchanged.ms,
		       f.unchanged.minflt, f.removed.ms, f.removed.minflt, f.added.ms, f.added.minflt,
		       f.uevents_first, f.uevents_removed, f.rss_before_scan_kib, f.peak_rss_kib, bpq);
		return 0;
	}
	printf("%u adapters x %u domains, %zu queue devices (rescans: best of %d, minflt of all %d)\n",
	       adapters, domains, f.queues, runs, runs);
	printf("%-46s %9.2f ms %7ld minflt  (%zu uevents)\n", "first scan", f.first.ms,
	       f.first.minflt, f.uevents_first);
	printf("%-46s %9.3f ms %7ld minflt\n", "rescan, nothing changed", f.unchanged.ms,
	       f.unchanged.minflt);
	printf("%-46s %9.3f ms %7ld minflt  (%zu uevents)\n",
	       "rescan, one adapter + one domain removed", f.removed.ms, f.removed.minflt,
	       f.uevents_removed);
	printf("%-46s %9.3f ms %7ld minflt\n", "rescan, one adapter + one domain added back",
	       f.added.ms, f.added.minflt);
	printf("%-46s %9ld KiB\n", "memory before the first scan (RSS)", f.rss_before_scan_kib);
	printf("%-46s %9ld KiB  (%.0f B per queue device)\n", "peak memory (max RSS)", f.peak_rss_kib,
	       bpq);
	return 0;
}
