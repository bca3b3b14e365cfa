/* SPDX-License-Identifier: MIT */
/*
 * Kernel uevents (spec 2.5): KOBJ_ADD/REMOVE/CHANGE/BIND/UNBIND with their environment, in
 * emission order, with sequence numbers. Printable in the `udevadm monitor -k -p` layout and
 * as JSON.
 */
#ifndef APSIM_UEVENT_H
#define APSIM_UEVENT_H

#include <stdint.h>
#include <stdio.h>

#include "apsim/export.h"

enum apsim_uevent_action {
	APSIM_UEVENT_ADD,
	APSIM_UEVENT_REMOVE,
	APSIM_UEVENT_CHANGE,
	APSIM_UEVENT_BIND,
	APSIM_UEVENT_UNBIND,
	_APSIM_UEVENT_MAX,
};

#define APSIM_UEVENT_MAX_ENV 32

/*
 * One event. env[] holds "KEY=VALUE" strings in the kernel's order: ACTION, DEVPATH,
 * SUBSYSTEM, the extra env of kobject_uevent_env, then the device's uevent vars (DEVTYPE,
 * DRIVER, the bus's DEV_TYPE/MODALIAS/MODE), then SEQNUM.
 */
struct apsim_uevent {
	uint64_t seqnum;
	uint64_t usec;                  /* clock time of emission */
	enum apsim_uevent_action action;
	char *devpath;                  /* "/devices/ap/card04" */
	char *subsystem;                /* "ap", "vfio_ap", "mdev", ... */
	unsigned n_env;
	char *env[APSIM_UEVENT_MAX_ENV];
};

struct apsim_uevent_log;

typedef void (*apsim_uevent_listener_fn)(const struct apsim_uevent *ev, void *ctx);

APSIM_EXPORT const char *apsim_uevent_action_name(enum apsim_uevent_action a);
/* -EINVAL for an unknown name. */
APSIM_EXPORT int apsim_uevent_action_from_name(const char *name, enum apsim_uevent_action *ret);

APSIM_EXPORT int apsim_uevent_log_new(struct apsim_uevent_log **ret);
APSIM_EXPORT void apsim_uevent_log_free(struct apsim_uevent_log *log);
APSIM_EXPORT size_t apsim_uevent_log_count(const struct apsim_uevent_log *log);
/* Borrowed; index 0 is the oldest kept event. */
APSIM_EXPORT const struct apsim_uevent *apsim_uevent_log_get(const struct apsim_uevent_log *log,
							     size_t idx);
/* One listener at a time per id; returns an id >= 0 for removal. Listeners run synchronously
 * on emission, under the simulator lock. The event passed to a listener is only valid during
 * the call: copy what you keep. apsim_uevent_log_get's pointer stays valid until that event
 * is dropped from the log. */
APSIM_EXPORT int apsim_uevent_log_add_listener(struct apsim_uevent_log *log,
					       apsim_uevent_listener_fn fn, void *ctx);
APSIM_EXPORT void apsim_uevent_log_remove_listener(struct apsim_uevent_log *log, int id);

/*
 * Emit an event. env_extra is a NULL-terminated list of "KEY=VALUE" strings placed after
 * SUBSYSTEM; dev_vars likewise after them (the device's own uevent variables). usec is the
 * timestamp. Copies everything.
 */
APSIM_EXPORT int apsim_uevent_emit(struct apsim_uevent_log *log, uint64_t usec,
				   enum apsim_uevent_action action, const char *devpath,
				   const char *subsystem, const char *const *env_extra,
				   const char *const *dev_vars);

/*
 * udevadm monitor -k -p layout:
 *   KERNEL[12.345678] add      /devices/ap/card04 (ap)\n
 *   ACTION=add\n ... SEQNUM=7\n
 *   \n
 */
APSIM_EXPORT int apsim_uevent_print(const struct apsim_uevent *ev, FILE *f);
/* One JSON object on one line: {"seqnum":7,"action":"add","devpath":...,"subsystem":...,
 * "env":{"KEY":"VALUE",...}} followed by "\n". */
APSIM_EXPORT int apsim_uevent_print_json(const struct apsim_uevent *ev, FILE *f);

/* --- additions (tree) --- */

/*
 * The log keeps every event up to its cap (APSIM_UEVENT_LOG_CAP by default); the emission
 * that finds it full first drops the oldest half (indexes shift, seqnums never repeat).
 */
#define APSIM_UEVENT_LOG_CAP 1000000
/* -EINVAL if cap < 2. */
APSIM_EXPORT int apsim_uevent_log_set_cap(struct apsim_uevent_log *log, size_t cap);

#endif
