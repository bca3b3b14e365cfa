/* SPDX-License-Identifier: MIT */
/*
 * bench-hotplug: what one host reconfiguration costs the guests under each hot plug policy.
 * 16 guests, each with its own mdev of 4 adapters x 8 domains on a 64-adapter machine; the
 * operator then removes one adapter and one domain used by half of the guests and adds an
 * adapter and a domain assigned to the other half, all in one scan. Prints the APCB updates
 * (total, per affected guest, for untouched guests) and the scan time for each policy.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apsim/apsim.h"
#include "bench-util.h"
#include "kvm/guest-internal.h"
#include "sim/sim-internal.h"

#define GUESTS 16

static unsigned long long updates_of(struct apsim_sim *sim, int g)
{
	char name[16];

	snprintf(name, sizeof(name), "g%02d", g);
	return apsim__sim_find_guest(sim, name)->apcb_updates;
}

int main(int argc, char **argv)
{
	int json = argc > 1 && strcmp(argv[1], "--json") == 0;
	FILE *devnull = fopen("/dev/null", "w");

	if (!devnull)
		return 1;
	if (!json)
		printf("%-10s %14s %20s %18s %12s\n", "policy", "APCB updates", "per affected guest",
		       "untouched guests", "scan ms");
	else
		printf("[");
	for (int p = 0; p < _APSIM_POLICY_MAX; p++) {
		struct apsim_sim_options opts = { .machine = "empty", .policy = (enum apsim_policy) p };
		struct apsim_sim *sim;
		unsigned long long before[GUESTS], total = 0, affected = 0, untouched = 0;
		double t;
		int r = apsim_sim_new(&opts, stderr, &sim);

		if (r < 0)
			return 1;
		bench_sh(sim, devnull, "machine limits 255 84");
		for (int a = 0; a < 66; a++)
			bench_sh(sim, devnull, "machine card add %d CEX8C", a);
		bench_sh(sim, devnull, "machine lpar add adapter 0-63");
		bench_sh(sim, devnull, "machine lpar add domain 0-63");
		bench_sh(sim, devnull, "write bus/ap/apmask -0-255");
		for (int g = 0; g < GUESTS; g++) {
			char uuid[40];

			snprintf(uuid, sizeof(uuid), "00000000-0000-4000-8000-%012d", g);
			bench_sh(sim, devnull, "mdev create %s", uuid);
			for (int a = 0; a < 4; a++)
				bench_sh(sim, devnull, "write devices/vfio_ap/matrix/%s/assign_adapter %d", uuid, g * 4 + a);
			for (int d = 0; d < 8; d++)
				bench_sh(sim, devnull, "write devices/vfio_ap/matrix/%s/assign_domain %d", uuid,
				   (g % 8) * 8 + d);
			/* the second half also owns the adapter and domain that will be added */
			if (g >= GUESTS / 2) {
				bench_sh(sim, devnull, "write devices/vfio_ap/matrix/%s/assign_adapter %d", uuid, 64 + (g % 2));
				bench_sh(sim, devnull, "write devices/vfio_ap/matrix/%s/assign_domain %d", uuid, 64 + (g % 8));
			}
			bench_sh(sim, devnull, "guest start g%02d %s", g, uuid);
		}
		for (int g = 0; g < GUESTS; g++)
			before[g] = updates_of(sim, g);

		bench_sh(sim, devnull, "machine notify off");
		/* removed: adapter 0 (guest 0) and domain 8 (guests 1, 9); added: adapters 64, 65
		 * and domains 64..71 (guests 8..15) */
		bench_sh(sim, devnull, "machine lpar remove adapter 0");
		bench_sh(sim, devnull, "machine lpar remove domain 8");
		bench_sh(sim, devnull, "machine lpar add adapter 64,65");
		bench_sh(sim, devnull, "machine lpar add domain 64-71");
		t = bench_now_ms();
		bench_sh(sim, devnull, "scan");
		t = bench_now_ms() - t;

		for (int g = 0; g < GUESTS; g++) {
			unsigned long long d = updates_of(sim, g) - before[g];
			bool touched = g == 0 || g == 1 || g == 9 || g >= GUESTS / 2;

			total += d;
			if (touched && d > affected)
				affected = d;
			if (!touched)
				untouched += d;
		}
		if (json)
			printf("%s{\"policy\": \"%s\", \"apcb_updates\": %llu, \"max_per_affected_guest\": %llu, "
			       "\"untouched_guest_updates\": %llu, \"scan_ms\": %.3f}",
			       p ? ", " : "", apsim_policy_name((enum apsim_policy) p), total, affected,
			       untouched, t);
		else
			printf("%-10s %14llu %20llu %18llu %12.3f\n", apsim_policy_name((enum apsim_policy) p),
			       total, affected, untouched, t);
		apsim_sim_free(sim);
	}
	if (json)
		printf("]\n");
	fclose(devnull);
	return 0;
}
