/* SPDX-License-Identifier: MIT */
/*
 * The Linux AP bus (spec 2-5): card and queue devices, the scan with the config-change
 * notification, driver registration (as the kernel's struct ap_driver), apmask/aqmask.
 * A program linking libapsim can register its own AP driver here.
 */
#ifndef APSIM_BUS_H
#define APSIM_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include "apsim/export.h"
#include "apsim/machine.h"
#include "apsim/mask.h"
#include "apsim/sysfs.h"

struct apsim_bus;
struct apsim_device;
struct apsim_driver;
struct apsim_clock;
struct apsim_uevent_log;

/* spec 3.7 */
#define APSIM_DEVICE_ID_MATCH_CARD_TYPE 0x01
#define APSIM_DEVICE_ID_MATCH_QUEUE_TYPE 0x02

struct apsim_device_id {
	uint16_t match_flags;   /* 0 terminates the table */
	uint8_t dev_type;       /* comp type, e.g. APSIM_AP_TYPE_CEX8 */
	unsigned long driver_info;
};

/* spec 5.1 */
#define APSIM_DRIVER_FLAG_DEFAULT 0x0001

struct apsim_driver {
	const char *name;
	const struct apsim_device_id *ids;
	unsigned flags;
	/* 0 = bound; -ENODEV = not mine (silently); other -errno = refused (logged) */
	int (*probe)(struct apsim_device *dev);
	void (*remove)(struct apsim_device *dev);
	/* non-zero if any APQN of apm x aqm is in use by this driver (vetoes apmask/aqmask) */
	int (*in_use)(struct apsim_driver *drv, const struct apsim_mask *apm,
		      const struct apsim_mask *aqm);
	/* Start of a scan whose QCI changed (spec 3.2 step 2b). */
	void (*on_config_changed)(struct apsim_driver *drv, const struct apsim_qci *new_qci,
				  const struct apsim_qci *old_qci);
	/* End of that scan (spec 3.2 step 5), same two blocks. */
	void (*on_scan_complete)(struct apsim_driver *drv, const struct apsim_qci *new_qci,
				 const struct apsim_qci *old_qci);
	/* Attributes added to every device bound to this driver (kernel dev_groups); may be NULL.
	 * Each attribute's obj is the struct apsim_device. */
	const struct apsim_attr *dev_attrs;
	void *priv;             /* the driver's own context */

	/* private to the bus */
	struct apsim_bus *bus;
	struct apsim_node *node;
	struct apsim_driver *next;
};

/* The AP instructions as the bus sees them (design: the bus's only view of the machine). */
struct apsim_ap_ops {
	/* -EOPNOTSUPP when QCI is not available */
	int (*qci)(void *ctx, struct apsim_qci *ret);
	void (*tapq)(void *ctx, unsigned qid, bool tbit, struct apsim_qstatus *ret_status,
		     uint64_t *ret_hwinfo);
	void (*rapq)(void *ctx, unsigned qid, struct apsim_qstatus *ret_status);
	void (*zapq)(void *ctx, unsigned qid, struct apsim_qstatus *ret_status);
	void (*aqic)(void *ctx, unsigned qid, bool enable, struct apsim_qstatus *ret_status);
	/* SCLP configure / deconfigure of an adapter (card 'config' store); -errno */
	int (*sclp_config)(void *ctx, unsigned apid, bool on);
	/* PQAP(QACT) (spec 1.6), optional: NULL means types above CEX8 are unsupported */
	void (*qact)(void *ctx, unsigned qid, uint32_t fac, unsigned target_type,
		     struct apsim_qstatus *ret_status, unsigned *ret_cat);
	/* The serial number a CCA or EP11 query request (CPRB) to the adapter answers, NUL
	 * terminated in buf; -errno when it does not answer. Optional. */
	int (*card_serial)(void *ctx, unsigned apid, char *buf, size_t len);
	/* Secure Execution (spec 1.7 fc 7/8; kernel ap.h ap_bapq, ap_aapq, ap_rapq with the F
	 * bit), optional: NULL bapq/aapq answer RC 16 (facility not installed), a NULL rapq_fbit
	 * is a plain rapq. Only an SE guest's view implements them (lib/guest.c). */
	void (*bapq)(void *ctx, unsigned qid, struct apsim_qstatus *ret_status);
	void (*aapq)(void *ctx, unsigned qid, unsigned sec_idx, struct apsim_qstatus *ret_status);
	void (*rapq_fbit)(void *ctx, unsigned qid, struct apsim_qstatus *ret_status);
};

/* Ops over a real machine (host LPAR). */
APSIM_EXPORT const struct apsim_ap_ops *apsim_machine_ap_ops(void);

struct apsim_bus_config {
	const char *name;                  /* "host" or the guest's name, for logs */
	const struct apsim_ap_ops *ops;
	void *ops_ctx;
	struct apsim_tree *tree;           /* the bus creates bus/ap and devices/ap in it */
	struct apsim_uevent_log *uevents;
	struct apsim_clock *clock;
	const char *apmask_param;          /* ap.apmask= ; NULL = all ones */
	const char *aqmask_param;          /* ap.aqmask= ; NULL = all ones */
	int domain_param;                  /* ap.domain= ; -1 = none */
	bool prot_virt_guest;              /* is_prot_virt_guest(): the kernel of an SE guest */
};

/* Creates the bus and its sysfs directories; no scan yet (apsim_bus_scan does the first). */
APSIM_EXPORT int apsim_bus_new(const struct apsim_bus_config *cfg, struct apsim_bus **ret);
/* Unregisters all devices (and drivers' bindings) and frees. */
APSIM_EXPORT void apsim_bus_free(struct apsim_bus *bus);

/* Register / unregister an AP driver (spec 5.1): probes existing devices at once. */
APSIM_EXPORT int apsim_bus_driver_register(struct apsim_bus *bus, struct apsim_driver *drv);
APSIM_EXPORT void apsim_bus_driver_unregister(struct apsim_driver *drv);

/*
 * One scan (spec 3.2), synchronous. Returns 1 if the QCI changed, 0 if not, <0 on error.
 * A recursive call from inside a scan returns 0 at once (spec 3.1 item 4).
 */
APSIM_EXPORT int apsim_bus_scan(struct apsim_bus *bus);
/* The force-rescan path (spec 3.1 item 4): nothing before the first scan. */
APSIM_EXPORT int apsim_bus_force_rescan(struct apsim_bus *bus);
APSIM_EXPORT uint64_t apsim_bus_get_scan_count(const struct apsim_bus *bus);
/* The bus's current QCI copy (ap_qci_info); -EOPNOTSUPP without QCI. */
APSIM_EXPORT int apsim_bus_get_qci(const struct apsim_bus *bus, struct apsim_qci *ret);
APSIM_EXPORT void apsim_bus_get_apmask(const struct apsim_bus *bus, struct apsim_mask *ret);
APSIM_EXPORT void apsim_bus_get_aqmask(const struct apsim_bus *bus, struct apsim_mask *ret);
APSIM_EXPORT int apsim_bus_get_max_adapter_id(const struct apsim_bus *bus);
APSIM_EXPORT int apsim_bus_get_max_domain_id(const struct apsim_bus *bus);
/* The mask stores of spec 4.3 (same as writing bus/ap/apmask); returns 0 or -errno. */
APSIM_EXPORT int apsim_bus_set_apmask(struct apsim_bus *bus, const char *str);
APSIM_EXPORT int apsim_bus_set_aqmask(struct apsim_bus *bus, const char *str);
/* spec 4.1: APQN reserved for the default drivers */
APSIM_EXPORT bool apsim_bus_apqn_reserved(const struct apsim_bus *bus, unsigned apid, unsigned apqi);
/* spec 4.1 for a whole matrix: any APQN of apm x aqm reserved */
APSIM_EXPORT bool apsim_bus_matrix_reserved(const struct apsim_bus *bus, const struct apsim_mask *apm,
					    const struct apsim_mask *aqm);

/* Devices. Borrowed pointers, valid until the device is removed. */
APSIM_EXPORT struct apsim_device *apsim_bus_find_card(struct apsim_bus *bus, unsigned apid);
APSIM_EXPORT struct apsim_device *apsim_bus_find_queue(struct apsim_bus *bus, unsigned qid);
/* Calls fn for every queue device in ascending APQN order; stops on non-zero. */
APSIM_EXPORT int apsim_bus_for_each_queue(struct apsim_bus *bus,
					  int (*fn)(struct apsim_device *dev, void *ctx), void *ctx);

APSIM_EXPORT bool apsim_device_is_card(const struct apsim_device *dev);
APSIM_EXPORT const char *apsim_device_get_name(const struct apsim_device *dev); /* "card04", "04.0020" */
APSIM_EXPORT unsigned apsim_device_get_card_id(const struct apsim_device *dev);
APSIM_EXPORT unsigned apsim_device_get_qid(const struct apsim_device *dev);       /* queues */
APSIM_EXPORT int apsim_device_get_type(const struct apsim_device *dev);           /* comp type */
APSIM_EXPORT struct apsim_driver *apsim_device_get_driver(const struct apsim_device *dev);
APSIM_EXPORT void *apsim_device_get_drvdata(const struct apsim_device *dev);
APSIM_EXPORT void apsim_device_set_drvdata(struct apsim_device *dev, void *data);
APSIM_EXPORT struct apsim_bus *apsim_device_get_bus(const struct apsim_device *dev);

#endif
