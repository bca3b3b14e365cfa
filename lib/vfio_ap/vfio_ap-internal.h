/* SPDX-License-Identifier: MIT */
/* vfio_ap (spec 6): the matrix device, mdevs, filtering, hot plug; used by sim.c/command.c. */
#ifndef APSIM_VFIO_AP_INTERNAL_H
#define APSIM_VFIO_AP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* VFIO ioctls on an mdev (spec 6.13); all return -ENODEV for an unknown mdev. */
#define APSIM_VFIO_DEVICE_FLAGS_RESET (1u << 0)
#define APSIM_VFIO_DEVICE_FLAGS_AP (1u << 6)
#define APSIM_VFIO_IRQ_INFO_EVENTFD (1u << 0)
#define APSIM_VFIO_AP_REQ_IRQ_INDEX 0
#define APSIM_VFIO_AP_CFG_CHG_IRQ_INDEX 1
#define APSIM_VFIO_AP_NUM_IRQS 2
int apsim__vfio_ap_ioctl_get_info(struct apsim_vfio_ap *v, const char *uuid, unsigned *ret_flags,
				  unsigned *ret_num_regions, unsigned *ret_num_irqs);
/* -EINVAL for an index other than 0 and 1 */
int apsim__vfio_ap_ioctl_get_irq_info(struct apsim_vfio_ap *v, const char *uuid, long index,
				      unsigned *ret_count, unsigned *ret_flags);
/* DATA_EVENTFD | ACTION_TRIGGER: fd -1 releases, fd >= 0 installs (replacing); -EINVAL for
 * another negative fd or an index other than 0 and 1 */
int apsim__vfio_ap_ioctl_set_irqs(struct apsim_vfio_ap *v, const char *uuid, long index, long fd);
/* VFIO_DEVICE_RESET: reset the linked queues (spec 6.7), -EIO if any reset failed */
int apsim__vfio_ap_ioctl_reset(struct apsim_vfio_ap *v, const char *uuid);
/* any other ioctl: -EOPNOTSUPP */
int apsim__vfio_ap_ioctl_other(struct apsim_vfio_ap *v, const char *uuid);
/* the triggers of an mdev (spec 6.13) */
struct apsim_vfio_ap_triggers {
	bool req_registered, cfg_chg_registered;
	uint64_t req_signals, cfg_chg_signals;
};
int apsim__vfio_ap_get_triggers(struct apsim_vfio_ap *v, const char *uuid,
				struct apsim_vfio_ap_triggers *ret);

/* Iterate mdevs in list order: fn(uuid, ctx); stops on non-zero. */
int apsim__vfio_ap_for_each_mdev(struct apsim_vfio_ap *v, int (*fn)(const char *uuid, void *ctx),
				 void *ctx);

/* See apsim_sim_check_invariants() (lib/sim/invariants.c). The attached guests are reached
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
