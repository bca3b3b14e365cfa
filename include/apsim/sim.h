/* SPDX-License-Identifier: MIT */
/*
 * The whole simulated system: machine (firmware), clock, the host's sysfs tree, uevent log
 * and AP bus with the zcrypt and vfio_ap drivers, and the KVM guests. Every command of the
 * CLI, of scenario files and of the daemon's control socket goes through apsim_sim_exec().
 */
#ifndef APSIM_SIM_H
#define APSIM_SIM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "apsim/export.h"

struct apsim_sim;
struct apsim_bus;
struct apsim_tree;
struct apsim_uevent_log;
struct apsim_machine;
struct apsim_clock;

/* design.md "Hot plug policies" */
enum apsim_policy {
	APSIM_POLICY_KERNEL,
	APSIM_POLICY_LEGACY,
	APSIM_POLICY_COALESCED,
	_APSIM_POLICY_MAX,
};
APSIM_EXPORT const char *apsim_policy_name(enum apsim_policy p);
APSIM_EXPORT int apsim_policy_from_name(const char *name, enum apsim_policy *ret);

/* Virtual time that passes after the first scan of a new sim, so that its queue resets are
 * through (the kernel polls every 40 ms): a new sim's clock reads 100 ms. */
#define APSIM_SIM_BOOT_SETTLE_NS 100000000ull

/* spec 6.11 mainline defects, reproduced on request */
#define APSIM_QUIRK_MAINLINE 0x1u

struct apsim_sim_options {
	const char *machine;        /* JSON machine file, "empty", or NULL for the built-in z16 */
	enum apsim_policy policy;
	unsigned quirks;
	bool monotonic_clock;       /* daemon: real time; default virtual */
	bool check_invariants;      /* run the vfio_ap invariant checker after every command */
};

/*
 * Builds the system and runs the AP bus's initial scan. On error returns -errno and, if
 * err is non-NULL, writes a one-line explanation there (e.g. a bad machine file).
 */
APSIM_EXPORT int apsim_sim_new(const struct apsim_sim_options *opts, FILE *err,
			       struct apsim_sim **ret);
APSIM_EXPORT void apsim_sim_free(struct apsim_sim *sim);

/* The model lock: everything below expects it held when other threads may use the sim. The
 * script layer's apsim_sim_exec* and apsim_sim_run_file (apsim/script.h) take it themselves. */
APSIM_EXPORT void apsim_sim_lock(struct apsim_sim *sim);
APSIM_EXPORT void apsim_sim_unlock(struct apsim_sim *sim);

APSIM_EXPORT struct apsim_machine *apsim_sim_get_machine(struct apsim_sim *sim);
APSIM_EXPORT struct apsim_clock *apsim_sim_get_clock(struct apsim_sim *sim);
APSIM_EXPORT struct apsim_bus *apsim_sim_get_bus(struct apsim_sim *sim);
APSIM_EXPORT struct apsim_tree *apsim_sim_get_tree(struct apsim_sim *sim);
APSIM_EXPORT struct apsim_uevent_log *apsim_sim_get_uevents(struct apsim_sim *sim);
/* A guest's own tree / uevent log; NULL if no such guest. */
APSIM_EXPORT struct apsim_tree *apsim_sim_get_guest_tree(struct apsim_sim *sim, const char *guest);

/*
 * The vfio_ap safety invariants (issue 3): every APQN in a guest's APCB is bound to vfio_ap
 * and linked to that guest's mdev, or outside the host configuration; no APQN assigned to
 * two mdevs; no APQN reserved for the default drivers bound to vfio_ap. Returns 0, or
 * -EPROTO with a description of the first violation in msg.
 */
APSIM_EXPORT int apsim_sim_check_invariants(struct apsim_sim *sim, char *msg, size_t len);

#endif
