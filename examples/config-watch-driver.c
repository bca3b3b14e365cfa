/* SPDX-License-Identifier: MIT */
/**
 * @file
 * config-watch-driver: an AP driver of your own on the simulated AP bus, written against the
 * public API only. It binds nothing (its probe says "not mine") and prints what every AP
 * configuration change added and removed, from the two callbacks the AP bus calls at the
 * start and at the end of a scan whose QCI changed (on_config_changed, on_scan_complete).
 *
 * Build against an installed libapsim:
 *   cc -o config-watch-driver config-watch-driver.c $(pkg-config --cflags --libs apsim)
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <apsim/apsim.h>

/* The card and queue types the driver is offered: CEX4..CEX8, like zcrypt's cex4 drivers. */
static const struct apsim_device_id watch_ids[] = {
    {.match_flags = APSIM_DEVICE_ID_MATCH_CARD_TYPE, .dev_type = APSIM_AP_TYPE_CEX4},
    {.match_flags = APSIM_DEVICE_ID_MATCH_CARD_TYPE, .dev_type = APSIM_AP_TYPE_CEX5},
    {.match_flags = APSIM_DEVICE_ID_MATCH_CARD_TYPE, .dev_type = APSIM_AP_TYPE_CEX6},
    {.match_flags = APSIM_DEVICE_ID_MATCH_CARD_TYPE, .dev_type = APSIM_AP_TYPE_CEX7},
    {.match_flags = APSIM_DEVICE_ID_MATCH_CARD_TYPE, .dev_type = APSIM_AP_TYPE_CEX8},
    {.match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX4},
    {.match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX5},
    {.match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX6},
    {.match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX7},
    {.match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX8},
    {0},
};

/* Not mine: the driver core tries the next driver; the device stays with zcrypt or vfio_ap. */
static int watch_probe(struct apsim_device *dev)
{
	(void) dev;
	return -ENODEV;
}

/* "+4,5 -3": the ids in now but not in before, and the other way round. */
static void print_diff(const char *what, const struct apsim_mask *now,
		       const struct apsim_mask *before)
{
	struct apsim_mask added, removed;
	bool any;

	apsim_mask_andnot(&added, now, before);
	apsim_mask_andnot(&removed, before, now);
	printf("%s +", what);
	any = false;
	for (int n = apsim_mask_next(&added, 0); n >= 0;
	     n = apsim_mask_next(&added, (unsigned) n + 1)) {
		printf("%s0x%02x", any ? "," : "", n);
		any = true;
	}
	printf("%s -", any ? "" : "none");
	any = false;
	for (int n = apsim_mask_next(&removed, 0); n >= 0;
	     n = apsim_mask_next(&removed, (unsigned) n + 1)) {
		printf("%s0x%02x", any ? "," : "", n);
		any = true;
	}
	printf("%s", any ? "" : "none");
}

static void watch_config_changed(struct apsim_driver *drv, const struct apsim_qci *new_qci,
				 const struct apsim_qci *old_qci)
{
	(void) drv;
	printf("  config changed: ");
	print_diff("adapters", &new_qci->apm, &old_qci->apm);
	print_diff(", domains", &new_qci->aqm, &old_qci->aqm);
	print_diff(", control domains", &new_qci->adm, &old_qci->adm);
	printf("\n");
}

static void watch_scan_complete(struct apsim_driver *drv, const struct apsim_qci *new_qci,
				const struct apsim_qci *old_qci)
{
	(void) drv;
	(void) new_qci;
	(void) old_qci;
	printf("  scan complete\n");
}

static struct apsim_driver watch_driver = {
    .name = "config_watch",
    .ids = watch_ids,
    .probe = watch_probe,
    .on_config_changed = watch_config_changed,
    .on_scan_complete = watch_scan_complete,
};

/* What an operator does on the HMC/SE, and one scan of the bus after a batch of changes. */
static const char *const commands[] = {
    "machine card add 3 CEX8C",
    "machine card add 4 CEX7P",
    "machine lpar add adapter 3",
    "machine lpar add domain 6,0x20",
    "machine lpar add control-domain 6",
    "machine notify off",
    "machine lpar remove adapter 3",
    "machine lpar add adapter 4",
    "machine lpar remove domain 6",
    "scan",
    "scan",
    "machine card remove 4",
    "scan",
    "read bus/ap/ap_adapter_mask",
};

int main(void)
{
	struct apsim_sim_options opts = {.machine = "empty", .policy = APSIM_POLICY_KERNEL};
	struct apsim_sim *sim;
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	r = apsim_sim_new(&opts, stderr, &sim);
	if (r < 0) {
		fprintf(stderr, "config-watch-driver: cannot create the simulator: %d\n", r);
		return 1;
	}
	apsim_sim_lock(sim);
	r = apsim_bus_driver_register(apsim_sim_get_bus(sim), &watch_driver);
	apsim_sim_unlock(sim);
	if (r < 0) {
		fprintf(stderr, "config-watch-driver: cannot register the driver: %d\n", r);
		apsim_sim_free(sim);
		return 1;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		printf("> %s\n", commands[i]);
		r = apsim_sim_exec(sim, commands[i], false, stdout, stderr);
		if (r < 0)
			break;
	}
	apsim_sim_lock(sim);
	apsim_bus_driver_unregister(&watch_driver);
	apsim_sim_unlock(sim);
	apsim_sim_free(sim);
	return r < 0 ? 1 : 0;
}
