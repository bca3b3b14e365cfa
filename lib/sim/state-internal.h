/* SPDX-License-Identifier: MIT */
/*
 * The daemon's persisted state (design.md "Persistence", docs/daemon.md): everything a
 * restart (= a host reboot with the same hardware) must keep, as one JSON document:
 *
 *   { "apsim-state": 1,
 *     "machine": { ...docs/machine.md... },
 *     "apmask": "0x<64 hex>", "aqmask": "0x<64 hex>",
 *     "ap_domain": 6, "config_time": 30, "poll_thread": 0, "poll_timeout": 250000,
 *     "online": { "card05": 0, "03.000b": 0 },
 *     "zcrypt_nodes": [ { "name": "...", "ioctlmask": "0x<64 hex>", "apmask": "0x<64 hex>",
 *                         "aqmask": "0x<64 hex>", "admask": "0x<64 hex>" }, ... ],
 *     "mdevs": [ { "uuid": "...", "adapters": "0x<64 hex>", "domains": "0x<64 hex>",
 *                  "control_domains": "0x<64 hex>" }, ... ] }
 *
 * ap_domain ... zcrypt_nodes were added within version 1 and are optional on load (a file
 * without them restores the boot values). "online" lists the zcrypt cards and queues that
 * are offline and visibly so (configured, not checkstopped); queues of an offline card are
 * left out, the card's write takes them along. "zcrypt_nodes" are in minor order; a name
 * that is not UTF-8 is saved as "name_hex" instead of "name".
 *
 * Guests, request counters and the uevent log are not persisted: after a restart the mdevs
 * are defined and no guest runs.
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
 * (opts->machine is ignored), then after the first scan, each through the attribute's store
 * (apsim_tree_write, so the kernel's checks, errno and uevents apply): ap_domain, apmask,
 * aqmask, config_time, poll_thread, poll_timeout, the online states (cards, then queues;
 * entries of devices without an online attribute now are dropped), the zcrypt nodes
 * (class/zcrypt/create, then their masks), and last the mdevs with their assignments
 * (apsim__vfio_ap_restore_mdev). On error returns -errno (-EINVAL for a bad document, else
 * the failed store's) and writes one line (no newline) into msg naming the file, the key
 * and the problem.
 */
int apsim__state_load(const char *path, const struct apsim_sim_options *opts,
		      struct apsim_sim **ret, char *msg, size_t msg_len);
/* Same from a buffer (need not be NUL-terminated); source names it in messages. */
int apsim__state_load_buffer(const char *buf, size_t len, const char *source,
			     const struct apsim_sim_options *opts, struct apsim_sim **ret,
			     char *msg, size_t msg_len);

#endif
