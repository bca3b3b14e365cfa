/* SPDX-License-Identifier: MIT */
#ifndef APSIM_SIM_INTERNAL_H
#define APSIM_SIM_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "apsim/sim.h"

struct apsim_zcrypt;
struct apsim_vfio_ap;
struct apsim_guest;

struct apsim_sim {
	pthread_mutex_t lock;
	struct apsim_sim_options opts;
	struct apsim_machine *machine;
	struct apsim_clock *clock;
	struct apsim_tree *tree;
	struct apsim_uevent_log *uevents;
	struct apsim_bus *bus;
	struct apsim_zcrypt *zcrypt;
	struct apsim_vfio_ap *vfio_ap;
	struct apsim_guest *guests;       /* in creation order */
	size_t events_mark;               /* uevent index after the last 'expect event' match */
	/* called after every successful state-changing command (daemon persistence) */
	void (*on_change)(struct apsim_sim *sim, void *ctx);
	void *on_change_ctx;
};

struct apsim_guest *apsim__sim_find_guest(struct apsim_sim *sim, const char *name);

/* command.c: run one parsed command (lock held). Returns 0 / -errno / -EBADMSG. */
int apsim__command_run(struct apsim_sim *sim, int argc, char **argv, bool json, FILE *out,
		       FILE *err);

#endif
