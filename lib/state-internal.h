/* SPDX-License-Identifier: MIT */
/*
 * The daemon's persisted state (design.md "Persistence"): the machine description, the bus's
 * apmask/aqmask and every mdev with its assignments, as one JSON document:
 *
 *   { "apsim-state": 1,
 *     "machine": { ...docs/machine.md... },
 *     "apmask": "0x<64 hex>", "aqmask": "0x<64 hex>",
 *     "mdevs": [ { "uuid": "...", "adapters": "0x<64 hex>", "domains": "0x<64 hex>",
 *                  "control_domains": "0x<64 hex>" }, ... ] }
 *
 * Guests and runtime attributes (online, config_time, ...) are not persisted: a restart is a
 * host reboot with the same hardware, masks and mdev definitions.
 */
#ifndef APSIM_STATE_INTERNAL_H
#define APSIM_STATE_INTERNAL_H

#include <stddef.h>

#include "apsim/sim.h"

#define APSIM_STATE_VERSION 1

/* The state as JSON text (a new string, free() it), sim lock held. -ENOMEM, or the read
 * errors of bus/ap/apmask and aqmask. */
int apsim__state_serialize(struct apsim_sim *sim, char **ret_text);

/*
 * Replaces the file at path by text atomically: a temporary file in the same directory,
 * written and fsync'ed, renamed over path, then the directory fsync'ed. After a crash the
 * file holds either the old or the new content, never a mix. -errno.
 */
int apsim__state_write_file(const char *path, const char *text);

/*
 * Builds a new sim from a saved state: the machine from the document, opts for the rest
 * (opts->machine is ignored), then apmask/aqmask written to the bus and the mdevs recreated
 * with their assignments (apsim__vfio_ap_restore_mdev). On error returns -errno (-EINVAL for
 * a bad document) and writes one line (no newline) into msg naming the file and the problem.
 */
int apsim__state_load(const char *path, const struct apsim_sim_options *opts,
		      struct apsim_sim **ret, char *msg, size_t msg_len);
/* Same from a buffer (need not be NUL-terminated); source names it in messages. */
int apsim__state_load_buffer(const char *buf, size_t len, const char *source,
			     const struct apsim_sim_options *opts, struct apsim_sim **ret,
			     char *msg, size_t msg_len);

#endif
