/* SPDX-License-Identifier: MIT */
/*
 * vfio_ap internals shared by the files of lib/vfio_ap and by invariants.c
 * (kernel drivers/s390/crypto/vfio_ap_private.h, spec 6.2).
 *
 * Locking: the kernel's guests_lock / kvm->lock / mdevs_lock (spec 7) are all subsumed by the
 * simulator lock, which every entry point (sysfs store/show, scan, guest start/stop) holds;
 * the code keeps the kernel's order of operations so the observable sequence is the same.
 */
#ifndef APSIM_VFIO_AP_PRIVATE_H
#define APSIM_VFIO_AP_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "apsim/bus.h"
#include "apsim/machine.h"
#include "apsim/mask.h"
#include "apsim/sim.h"
#include "apsim/sysfs.h"
#include "apsim/uevent.h"
#include "base/ida-internal.h"
#include "sysfs/module-internal.h"

struct apsim_guest;
struct apsim_clock;
struct apsim_uevent_log;

#define VFIO_AP_DRV_NAME "vfio_ap"
#define VFIO_AP_MDEV_DRV_NAME "vfio_ap_mdev"
#define VFIO_AP_MDEV_TYPE "vfio_ap-passthrough"
#define VFIO_AP_MDEV_TYPE_NAME "VFIO AP Passthrough Device"
#define VFIO_AP_DEVICE_API "vfio-ap"
/* spec 6.1: MAX_ZDEV_ENTRIES_EXT = 256 * 256 */
#define VFIO_AP_MAX_INSTANCES 65536ul
#define VFIO_AP_NR_APQNS 65536u
/* spec 6.7: AP_RESET_INTERVAL, and our bound on the (in the kernel endless) poll loop */
#define VFIO_AP_RESET_INTERVAL_MS 20u
#define VFIO_AP_RESET_MAX_POLLS 50u
#define UUID_STRLEN 36

/* struct ap_matrix (spec 6.2) */
struct vfio_ap_matrix {
	unsigned apm_max, aqm_max, adm_max;
	struct apsim_mask apm, aqm, adm;
};

struct vfio_ap_mdev;

/* spec 6.13: an eventfd trigger of an mdev, registered with VFIO_DEVICE_SET_IRQS or not;
 * signals counts the signals while registered */
struct vfio_ap_trigger {
	bool registered;
	int fd;
	uint64_t signals;
};

/* struct vfio_ap_queue: drvdata of a queue device bound to vfio_ap (spec 6.2) */
struct vfio_ap_queue {
	struct apsim_device *dev;
	unsigned apqn;
	/* q->matrix_mdev: the back-link; may go stale after an unassign (spec 8 item 22) */
	struct vfio_ap_mdev *matrix_mdev;
	/* the mdev whose qtable holds q (the kernel's hash membership), NULL if none */
	struct vfio_ap_mdev *qtable;
	struct apsim_qstatus reset_status;     /* status of the last ZAPQ (spec 6.7) */
	uint64_t resets;                       /* ZAPQs vfio_ap issued for this queue */
	struct vfio_ap_queue *next;            /* v->queues_list, ascending APQN */
};

/* What the VFIO and IOMMU cores hold for one mdev (vfio-core.c); ids -1 while unregistered */
struct vfio_core_dev {
	int iommu_group;                       /* kernel/iommu_groups/N, and the vfio group's name */
	int group_minor;                       /* minor of /dev/vfio/N */
	int index;                             /* vfio-dev/vfioM */
	struct apsim_node *group_dir;          /* kernel/iommu_groups/N */
	struct apsim_node *group_dev;          /* devices/virtual/vfio/N */
	struct apsim_node *vfio_dev_glue;      /* <mdev>/vfio-dev */
	struct apsim_node *vfio_dev;           /* <mdev>/vfio-dev/vfioM */
};

/* struct ap_matrix_mdev (spec 6.2) */
struct vfio_ap_mdev {
	struct apsim_vfio_ap *v;
	char uuid[UUID_STRLEN + 1];
	struct vfio_ap_matrix matrix;          /* what the admin assigned */
	struct vfio_ap_matrix shadow;          /* shadow_apcb: what the guest gets */
	struct apsim_guest *kvm;               /* attached guest or NULL */
	struct apsim_mask apm_add, aqm_add, adm_add;    /* spec 6.11 pending hot plug */
	/* coalesced policy: changes of this scan not pushed to the guest yet */
	bool defer_push;
	bool defer_filter;
	struct vfio_ap_trigger req_trigger;     /* spec 6.13 index 0 */
	struct vfio_ap_trigger cfg_chg_trigger; /* spec 6.13 index 1 */
	struct apsim_node *node;               /* devices/vfio_ap/matrix/<uuid> */
	struct vfio_core_dev vfio;             /* iommu group, vfio group, vfio-dev */
	struct vfio_ap_mdev *next;             /* mdev_list, newest first */
};

/* struct ap_matrix_dev + the vfio_ap AP driver + the mdev parent (spec 6.1) */
struct apsim_vfio_ap {
	struct apsim_bus *bus;
	struct apsim_tree *tree;
	struct apsim_uevent_log *uevents;
	struct apsim_clock *clock;
	enum apsim_policy policy;
	unsigned quirks;
	struct apsim_driver drv;               /* the "vfio_ap" AP driver */
	bool drv_registered;
	struct apsim_qci info;                 /* matrix_dev->info */
	struct vfio_ap_mdev *mdevs;            /* mdev_list */
	unsigned long available_instances;
	struct vfio_ap_queue **queues;         /* VFIO_AP_NR_APQNS entries, bound queues */
	struct vfio_ap_queue *queues_list;     /* the same, ascending APQN */
	bool cfg_window;                       /* coalesced: inside a config-change scan */
	uint64_t total_resets;
	/* sysfs nodes */
	struct apsim_node *root;               /* devices/vfio_ap */
	struct apsim_node *matrix_node;        /* devices/vfio_ap/matrix */
	struct apsim_node *type_node;          /* .../mdev_supported_types/vfio_ap-passthrough */
	struct apsim_node *type_devices;       /* .../vfio_ap-passthrough/devices */
	struct apsim_node *matrix_bus;         /* bus/matrix */
	struct apsim_node *matrix_drv;         /* bus/matrix/drivers/vfio_ap */
	struct apsim_node *mdev_bus;           /* bus/mdev */
	struct apsim_node *mdev_bus_devices;   /* bus/mdev/devices */
	struct apsim_node *mdev_drv;           /* bus/mdev/drivers/vfio_ap_mdev */
	struct apsim_node *class_mdev_bus;     /* class/mdev_bus */
	struct apsim_module module;            /* module/vfio_ap */
	/* the VFIO and IOMMU cores (vfio-core.c) */
	struct apsim_node *iommu_groups;       /* kernel/iommu_groups */
	struct apsim_node *virtual_dir;        /* devices/virtual */
	struct apsim_node *vfio_glue;          /* devices/virtual/vfio, while a group exists */
	struct apsim_node *class_vfio;         /* class/vfio */
	struct apsim_node *vfio_misc;          /* devices/virtual/misc/vfio: /dev/vfio/vfio */
	struct apsim_node *class_misc;         /* class/misc (shared with zcrypt's z90crypt) */
	struct apsim_node *class_vfio_dev;     /* class/vfio-dev */
	struct apsim_ida iommu_group_ida, vfio_group_ida, vfio_device_ida;
	unsigned n_vfio_groups;
};

/* --- matrix.c --- */
void apsim__vfio_ap_matrix_init(const struct apsim_qci *info, struct vfio_ap_matrix *m);
/* vfio_ap_find_queue: the queue bound to vfio_ap with this APQN, or NULL */
struct vfio_ap_queue *apsim__vfio_ap_find_queue(struct apsim_vfio_ap *v, unsigned apqn);
/* vfio_ap_mdev_get_queue: only if in M's qtable */
struct vfio_ap_queue *apsim__vfio_ap_mdev_get_queue(struct vfio_ap_mdev *m, unsigned apqn);
void apsim__vfio_ap_link_queue(struct vfio_ap_mdev *m, struct vfio_ap_queue *q);
void apsim__vfio_ap_link_apqn(struct vfio_ap_mdev *m, unsigned apqn);
void apsim__vfio_ap_link_adapter(struct vfio_ap_mdev *m, unsigned apid);
void apsim__vfio_ap_link_domain(struct vfio_ap_mdev *m, unsigned apqi);
/* spec 6.7: ZAPQ and the synchronous reset check. */
void apsim__vfio_ap_reset_queue(struct apsim_vfio_ap *v, struct vfio_ap_queue *q);
/* reset every queue in M's qtable; -EIO if any last status is not 0 */
int apsim__vfio_ap_reset_mdev_queues(struct vfio_ap_mdev *m);
/* the first mdev whose matrix holds the APQN (vfio_ap_mdev_for_queue) */
struct vfio_ap_mdev *apsim__vfio_ap_mdev_for_apqn(struct apsim_vfio_ap *v, unsigned apqn);
/* verify_no_sharing(assignee, apm, aqm): -EADDRINUSE */
int apsim__vfio_ap_verify_no_sharing(struct apsim_vfio_ap *v, struct vfio_ap_mdev *assignee,
				     const struct apsim_mask *apm, const struct apsim_mask *aqm);
struct vfio_ap_mdev *apsim__vfio_ap_find_mdev(struct apsim_vfio_ap *v, const char *uuid);

/* --- hotplug.c --- */
bool apsim__vfio_ap_filter_matrix(struct vfio_ap_mdev *m, struct apsim_mask *apm_filtered);
bool apsim__vfio_ap_filter_cdoms(struct vfio_ap_mdev *m);
void apsim__vfio_ap_update_guest_apcb(struct vfio_ap_mdev *m);
/* spec 6.13: signal the config-change eventfd (the guest, and M's trigger if registered) */
void apsim__vfio_ap_signal_cfg_chg(struct vfio_ap_mdev *m);
/* reset the queues of M's shadow AQM on each listed adapter */
int apsim__vfio_ap_reset_queues_for_apids(struct vfio_ap_mdev *m, const struct apsim_mask *apids);
void apsim__vfio_ap_hot_unplug_adapters(struct vfio_ap_mdev *m, const struct apsim_mask *apids);
void apsim__vfio_ap_hot_unplug_domains(struct vfio_ap_mdev *m, const struct apsim_mask *apqis);
/* filter_matrix + update + reset of filtered adapters (assign, probe) */
void apsim__vfio_ap_refilter(struct vfio_ap_mdev *m, bool cdoms_too);
void apsim__vfio_ap_on_config_changed(struct apsim_driver *drv, const struct apsim_qci *new_qci,
				      const struct apsim_qci *old_qci);
void apsim__vfio_ap_on_scan_complete(struct apsim_driver *drv, const struct apsim_qci *new_qci,
				     const struct apsim_qci *old_qci);

/* --- mdev-attrs.c: the assignment attributes of an mdev, added to it on create --- */
extern const struct apsim_attr apsim__vfio_ap_mdev_attrs[];
/* set M's matrix as a write of ap_config would (restoring from the state file) */
int apsim__vfio_ap_mdev_set_config(struct vfio_ap_mdev *m, const struct apsim_mask *apm,
				   const struct apsim_mask *aqm, const struct apsim_mask *adm);

/* --- mdev.c --- */
/* The matrix device (before the AP driver registers) and the mdev parent (after). */
int apsim__vfio_ap_mdev_tree_init(struct apsim_vfio_ap *v);
int apsim__vfio_ap_mdev_register(struct apsim_vfio_ap *v);
void apsim__vfio_ap_mdev_tree_done(struct apsim_vfio_ap *v);
/* Drop every mdev without touching guests (teardown). */
void apsim__vfio_ap_mdevs_free_all(struct apsim_vfio_ap *v);

/* --- vfio-core.c --- */
int apsim__vfio_core_init(struct apsim_vfio_ap *v);
void apsim__vfio_core_done(struct apsim_vfio_ap *v);
/* vfio_register_emulated_iommu_dev(): iommu group, vfio group, vfio-dev, with their uevents */
int apsim__vfio_core_register(struct apsim_vfio_ap *v, struct vfio_ap_mdev *m);
/* vfio_unregister_group_dev(): the reverse */
void apsim__vfio_core_unregister(struct apsim_vfio_ap *v, struct vfio_ap_mdev *m, bool events);
/* matrix.c: emit a uevent for a node of the host tree. */
void apsim__vfio_ap_uevent(struct apsim_vfio_ap *v, struct apsim_node *node,
			   enum apsim_uevent_action action, const char *subsystem,
			   const char *const *env_extra, const char *const *dev_vars);

#endif
