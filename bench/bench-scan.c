/* SPDX-License-Identifier: MIT */
/*
 * bench-scan: the AP bus scan on a full machine (256 adapters x 256 domains configured, max
 * ids 255, 65,536 queue devices), with the zcrypt drivers bound as on a real host.
 * Prints the time of the first scan, of a rescan with nothing changed, of a rescan after one
 * adapter and one domain left the configuration, and of one after they came back, plus the
 * peak memory; as a table, and as JSON with --json.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "apsim/apsim.h"
#include "bus/bus-internal.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

struct figures {
	double first_scan_ms;
	double rescan_unchanged_ms;
	double rescan_removed_ms;
	double rescan_added_ms;
	size_t queues;
	size_t uevents_first;
	size_t uevents_removed;
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

/* Best of 'runs' for the rescans; the first scan is measured once per fresh system. */
static int run(struct figures *f, int runs)
{
	struct apsim_machine *m = NULL;
	struct apsim_clock *clock = NULL;
	struct apsim_tree *tree = NULL;
	struct apsim_uevent_log *log = NULL;
	struct apsim_bus *bus = NULL;
	struct apsim_zcrypt *zc = NULL;
	struct apsim_card_spec spec;
	struct apsim_mask all, one;
	double t;
	int r;

	if ((r = apsim_machine_new_empty(&m)) < 0)
		return fail("machine", r);
	apsim_machine_set_notify(m, false); /* scans are triggered here, one at a time */
	if ((r = apsim_machine_set_limits(m, 255, 255)) < 0)
		return fail("limits", r);
	if ((r = apsim_card_type_parse("CEX8C", &spec)) < 0)
		return fail("card type", r);
	for (unsigned a = 0; a < 256; a++)
		if ((r = apsim_machine_card_add(m, a, &spec)) < 0)
			return fail("card add", r);
	apsim_mask_fill(&all);
	apsim_machine_lpar_change(m, APSIM_LPAR_ADAPTER, true, &all);
	apsim_machine_lpar_change(m, APSIM_LPAR_DOMAIN, true, &all);
	apsim_machine_lpar_change(m, APSIM_LPAR_CONTROL_DOMAIN, true, &all);

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

	t = now_ms();
	if ((r = apsim_bus_scan(bus)) < 0)
		return fail("first scan", r);
	f->first_scan_ms = now_ms() - t;
	f->uevents_first = apsim_uevent_log_count(log);
	f->queues = 0;
	apsim_bus_for_each_queue(bus, count_queue, &f->queues);

	f->rescan_unchanged_ms = 1e9;
	f->rescan_removed_ms = 1e9;
	f->rescan_added_ms = 1e9;
	for (int i = 0; i < runs; i++) {
		double d;

		t = now_ms();
		apsim_bus_scan(bus);
		d = now_ms() - t;
		if (d < f->rescan_unchanged_ms)
			f->rescan_unchanged_ms = d;

		/* one adapter and one domain leave the configuration */
		apsim_mask_zero(&one);
		apsim_mask_set(&one, 17);
		apsim_machine_lpar_change(m, APSIM_LPAR_ADAPTER, false, &one);
		apsim_mask_zero(&one);
		apsim_mask_set(&one, 42);
		apsim_machine_lpar_change(m, APSIM_LPAR_DOMAIN, false, &one);
		size_t before = apsim_uevent_log_count(log);
		t = now_ms();
		apsim_bus_scan(bus);
		d = now_ms() - t;
		if (d < f->rescan_removed_ms)
			f->rescan_removed_ms = d;
		f->uevents_removed = apsim_uevent_log_count(log) - before;

		/* and come back */
		apsim_mask_zero(&one);
		apsim_mask_set(&one, 17);
		apsim_machine_lpar_change(m, APSIM_LPAR_ADAPTER, true, &one);
		apsim_mask_zero(&one);
		apsim_mask_set(&one, 42);
		apsim_machine_lpar_change(m, APSIM_LPAR_DOMAIN, true, &one);
		t = now_ms();
		apsim_bus_scan(bus);
		d = now_ms() - t;
		if (d < f->rescan_added_ms)
			f->rescan_added_ms = d;
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
	int json = argc > 1 && strcmp(argv[1], "--json") == 0;
	int runs = 5;

	if (run(&f, runs))
		return 1;
	if (json) {
		printf("{\"queues\": %zu, \"first_scan_ms\": %.2f, \"rescan_unchanged_ms\": %.2f, "
		       "\"rescan_one_adapter_one_domain_removed_ms\": %.2f, "
		       "\"rescan_one_adapter_one_domain_added_ms\": %.2f, \"uevents_first_scan\": %zu, "
		       "\"uevents_removal_scan\": %zu, \"peak_rss_kib\": %ld}\n",
		       f.queues, f.first_scan_ms, f.rescan_unchanged_ms, f.rescan_removed_ms,
		       f.rescan_added_ms, f.uevents_first, f.uevents_removed, f.peak_rss_kib);
		return 0;
	}
	printf("full machine: 256 adapters x 256 domains, %zu queue devices (best of %d rescans)\n",
	       f.queues, runs);
	printf("%-52s %10.2f ms  (%zu uevents)\n", "first scan", f.first_scan_ms, f.uevents_first);
	printf("%-52s %10.2f ms\n", "rescan, nothing changed", f.rescan_unchanged_ms);
	printf("%-52s %10.2f ms  (%zu uevents)\n", "rescan, one adapter + one domain removed",
	       f.rescan_removed_ms, f.uevents_removed);
	printf("%-52s %10.2f ms\n", "rescan, one adapter + one domain added back", f.rescan_added_ms);
	printf("%-52s %10ld KiB\n", "peak memory (max RSS)", f.peak_rss_kib);
	return 0;
}
