/* SPDX-License-Identifier: MIT */
/*
 * The driver core's 'uevent' store (lib/sysfs/uevent-synth.c): the parse of
 * kobject_synth_uevent() that every device's, driver's and bus's uevent file shares.
 */
#ifndef APSIM_UEVENT_SYNTH_INTERNAL_H
#define APSIM_UEVENT_SYNTH_INTERNAL_H

#include <stddef.h>

#include "apsim/uevent.h"

#define APSIM_UEVENT_NUM_ENVP	 64   /* struct kobj_uevent_env: UEVENT_NUM_ENVP */
#define APSIM_UEVENT_BUFFER_SIZE 2048 /* UEVENT_BUFFER_SIZE */

struct apsim_uevent_synth {
	/* _APSIM_UEVENT_MAX for move, online and offline: valid actions the log cannot hold */
	enum apsim_uevent_action action;
	const char *env[APSIM_UEVENT_NUM_ENVP + 1]; /* SYNTH_UUID=..., SYNTH_ARG_K=V..., NULL */
	char buf[APSIM_UEVENT_BUFFER_SIZE];          /* the strings of env, packed */
};

/*
 * "ACTION[ UUID[ KEY=VALUE]...]" with one trailing '\n' or NUL dropped; no UUID gives
 * SYNTH_UUID=0. 0, or -EINVAL for anything the kernel refuses (unknown action, bad UUID,
 * malformed argument, more variables or bytes than a kobj_uevent_env holds).
 */
int apsim__uevent_synth_parse(const char *buf, size_t len, struct apsim_uevent_synth *ret);

#endif
