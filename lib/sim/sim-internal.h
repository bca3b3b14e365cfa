/* SPDX-License-Identifier: MIT */
#ifndef APSIM_SIM_INTERNAL_H
#define APSIM_SIM_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "apsim/bus.h"
#include "apsim/machine.h"
#include "apsim/sim.h"

struct apsim_zcrypt;
struct apsim_zcdn;
struct apsim_vfio_ap;
struct apsim_guest;

/* One recorded call of a watch driver's config callbacks ("watch add", docs/cli.md). */
struct apsim_watch_call {
	const char *watch;  /* the watch driver's name (borrowed) */
	bool scan_complete; /* false: on_config_changed */
	struct apsim_qci new_qci, old_qci;
	size_t uevent_pos; /* uevents in the host log when the call happened */
	int rescan_result; /* --rescan: what the nested force rescan returned */
};

/* A test AP driver that binds nothing and records the config callbacks (spec 5.1). */
struct apsim_watch {
	struct apsim_driver drv;
	struct apsim_sim *sim;
	char *name;
	bool rescan; /* call apsim_bus_force_rescan inside the callbacks */
	struct apsim_watch *next;
};

struct apsim_sim {
	pthread_mutex_t lock;
	struct apsim_sim_options opts;
	char *machine_path; /* copy of opts.machine */
	struct apsim_machine *machine;
	struct apsim_clock *clock;
	struct apsim_tree *tree;
	struct apsim_uevent_log *uevents;
	struct apsim_bus *bus;
	struct apsim_zcrypt *zcrypt;
	struct apsim_zcdn *zcdn; /* zcrypt multiple device nodes, class/zcrypt (spec 4.4) */
	struct apsim_vfio_ap *vfio_ap;
	struct apsim_guest *guests; /* in creation order */
	size_t events_mark; /* uevent index after the last 'expect event'/'expect call' match */
	struct apsim_watch *watches;	/* in registration order */
	struct apsim_watch_call *calls; /* every watch driver callback, in call order */
	size_t n_calls, calls_cap;
	size_t calls_mark;	   /* index in calls after the last match */
	bool sandbox;		   /* fuzzing: no file access (run, dump), bounded sleep */
	int run_depth;		   /* nested 'run' */
	const char *scenario_path; /* the scenario file being run (nested run paths) */
	/* called after every successful state-changing command (daemon persistence) */
	/* 0, or -errno when the change could not be made durable: the command then fails, so
	 * nothing is acknowledged that a crash could lose */
	int (*on_change)(struct apsim_sim *sim, void *ctx);
	void *on_change_ctx;
};

/*
 * Builds a sim around an existing machine, which it takes (freed with the sim, also on
 * failure). opts->machine is ignored. Used by the daemon to restore a persisted machine.
 */
int apsim__sim_new_take_machine(const struct apsim_sim_options *opts, struct apsim_machine *m,
				FILE *err, struct apsim_sim **ret);

struct apsim_guest *apsim__sim_find_guest(struct apsim_sim *sim, const char *name);
/* guest start (se: a Secure Execution guest) / stop (lock held). */
int apsim__sim_guest_start(struct apsim_sim *sim, const char *name, const char *uuid, bool se);
int apsim__sim_guest_stop(struct apsim_sim *sim, const char *name);
/* watch add (lock held): -EEXIST if a watch driver of that name exists. */
int apsim__sim_watch_add(struct apsim_sim *sim, const char *name, bool rescan);

#endif
