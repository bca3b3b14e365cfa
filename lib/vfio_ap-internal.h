/* SPDX-License-Identifier: MIT */
/* vfio_ap (spec 6): the matrix device, mdevs, filtering, hot plug; used by sim.c/command.c. */
#ifndef APSIM_VFIO_AP_INTERNAL_H
#define APSIM_VFIO_AP_INTERNAL_H

#include <stddef.h>

#include "apsim/mask.h"
#include "apsim/sim.h"

struct apsim_bus;
struct apsim_guest;
struct apsim_vfio_ap;

/* Registers the vfio_ap AP driver on bus (probing existing queues) and builds
 * devices/vfio_ap, bus/matrix, class/mdev_bus, bus/mdev in the bus's tree (spec 6.1). */
int apsim__vfio_ap_new(struct apsim_bus *bus, enum apsim_policy policy, unsigned quirks,
		       struct apsim_vfio_ap **ret);
void apsim__vfio_ap_free(struct apsim_vfio_ap *v);

/* Same as writing the uuid to mdev_supported_types/vfio_ap-passthrough/create:
 * -EINVAL bad uuid (the kernel's uuid_is_valid on the first 36 characters; anything after
 * them is ignored here - the sysfs store itself refuses writes that are not 36 or 37 bytes
 * long), -EEXIST exists, -EUSERS no instances left. */
int apsim__vfio_ap_mdev_create(struct apsim_vfio_ap *v, const char *uuid);
/* Same as writing 1 to its remove: -ENODEV unknown, -EBUSY while a guest is attached. */
int apsim__vfio_ap_mdev_remove(struct apsim_vfio_ap *v, const char *uuid);
/* open_device (spec 6.6): -ENODEV unknown mdev, -EPERM mdev taken or guest has another. */
int apsim__vfio_ap_open_device(struct apsim_vfio_ap *v, const char *uuid, struct apsim_guest *g);
/* close_device (spec 6.6). */
void apsim__vfio_ap_close_device(struct apsim_vfio_ap *v, struct apsim_guest *g);

/* Iterate mdevs in list order: fn(uuid, ctx); stops on non-zero. */
int apsim__vfio_ap_for_each_mdev(struct apsim_vfio_ap *v, int (*fn)(const char *uuid, void *ctx),
				 void *ctx);

/* See apsim_sim_check_invariants() (lib/invariants.c). The attached guests are reached
 * through their mdevs. 0, or -EPROTO with the first violation described in msg. */
int apsim__vfio_ap_check_invariants(struct apsim_vfio_ap *v, char *msg, size_t len);

/* Persistence: mdevs (uuid + matrix apm/aqm/adm) in list order. */
struct apsim_mdev_record {
	char uuid[37];
	struct apsim_mask apm, aqm, adm;
};
/* Writes the first min(total, max) records (list order) to out and returns the total number
 * of mdevs; call with max 0 to size the array. */
size_t apsim__vfio_ap_list_mdevs(struct apsim_vfio_ap *v, struct apsim_mdev_record *out, size_t max);
/* Recreate an mdev with its matrix (state restore), bypassing nothing: create, then an
 * ap_config write of the three masks; on a failed write the mdev is removed again and the
 * store's -errno returned. Unlike a create, the mdev goes to the END of the list, so that
 * restoring the records of apsim__vfio_ap_list_mdevs in their order keeps the list order. */
int apsim__vfio_ap_restore_mdev(struct apsim_vfio_ap *v, const struct apsim_mdev_record *rec);

#endif
