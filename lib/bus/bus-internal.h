/* SPDX-License-Identifier: MIT */
/* AP bus internals shared by the files of lib/bus, zcrypt and vfio_ap (kernel ap_bus.h). */
#ifndef APSIM_BUS_INTERNAL_H
#define APSIM_BUS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "apsim/bus.h"
#include "apsim/clock.h"
#include "apsim/uevent.h"
#include "base/macro-internal.h"
#include "sysfs/module-internal.h"

/* spec 2.4 / ap_bus.h */
enum apsim_dev_state {
	APSIM_DEV_UNINITIATED,
	APSIM_DEV_OPERATING,
	APSIM_DEV_SHUTDOWN,
	APSIM_DEV_ERROR,
	_APSIM_DEV_STATE_MAX,
};

enum apsim_sm_state {
	APSIM_SM_RESET_START,
	APSIM_SM_RESET_WAIT,
	APSIM_SM_SETIRQ_WAIT,
	APSIM_SM_IDLE,
	APSIM_SM_WORKING,
	APSIM_SM_QUEUE_FULL,
	APSIM_SM_ASSOC_WAIT,             /* SE: AAPQ issued, polling until the bs shows USABLE */
	_APSIM_SM_STATE_MAX,
};

/* kernel struct ap_device */
struct apsim_device {
	struct apsim_bus *bus;
	bool is_card;
	int device_type;                 /* comp type */
	char name[12];                   /* "card04" / "04.0020" */
	struct apsim_node *node;         /* its directory under devices/ap */
	struct apsim_driver *driver;     /* NULL = unbound */
	void *drvdata;
	uint64_t bind_seq;               /* order of binding (driver_detach unbinds newest first) */
	/* the driver core's links as virtual links (links.c): bus/ap/devices/NAME has inode
	 * link_ino and NAME/subsystem link_ino + 1 (0: not linked); the driver's
	 * drivers/DRIVER/NAME has drv_link_ino and NAME/driver drv_link_ino + 1 */
	uint64_t link_ino;
	uint64_t drv_link_ino;
	struct apsim_device *bus_prev, *bus_next; /* bus/ap/devices, in registration order */
	struct apsim_device *drv_prev, *drv_next; /* the driver's devices, in binding order */
};

/* kernel struct ap_card */
struct apsim_card {
	struct apsim_device dev;
	unsigned id;
	uint8_t raw_type;
	uint64_t hwinfo;                 /* masked with APSIM_TAPQ_CARD_HWINFO_MASK */
	bool config;
	bool chkstop;
	unsigned max_msg_size;
	uint64_t total_request_count;
};

/* kernel struct ap_queue */
struct apsim_queue {
	struct apsim_device dev;
	struct apsim_card *card;
	unsigned qid;
	bool config;
	bool chkstop;
	bool interrupt;                  /* interrupts enabled */
	unsigned se_bstate;
	unsigned assoc_idx;              /* SE association index, APSIM_ASSOC_IDX_INVALID = none */
	bool rapq_fbit;                  /* the next RAPQ of the state machine sets the F bit */
	enum apsim_dev_state dev_state;
	enum apsim_sm_state sm_state;
	unsigned last_err_rc;
	uint64_t total_request_count;
	int requestq_count;
	int pendingq_count;
};

/* kernel enum ap_sm_wait: what the queue state machine asks for next (min wins) */
enum apsim_sm_wait {
	APSIM_SM_WAIT_AGAIN,
	APSIM_SM_WAIT_HIGH_TIMEOUT,
	APSIM_SM_WAIT_LOW_TIMEOUT,
	APSIM_SM_WAIT_INTERRUPT,
	APSIM_SM_WAIT_NONE,
};

#define APSIM_AP_DEFAULT_MAX_MSG_SIZE (12 * 1024)
#define APSIM_ASSOC_IDX_INVALID 0x10000                 /* kernel ap_bus.h ASSOC_IDX_INVALID */
#define APSIM_POLL_LOW_TIMEOUT_NS 40000000ull        /* 25 Hz, kernel poll_low_timeout */
#define NR_QIDS (APSIM_MASK_BITS * APSIM_MASK_BITS)     /* every APQN: the size of bus->queues */

/*
 * The bus itself (kernel: the statics of ap_bus.c). For the files of lib/bus (zcrypt's cex4.c
 * and vfio_ap's driver.c still read the ops, ops_ctx and domain_index); other modules use the
 * functions below.
 */
struct apsim_bus {
	char *name;
	const struct apsim_ap_ops *ops;
	void *ops_ctx;
	struct apsim_tree *tree;
	struct apsim_uevent_log *uevents;
	struct apsim_clock *clock;

	struct apsim_node *bus_dir;          /* bus/ap */
	struct apsim_module module;          /* module/ap: built in (CONFIG_AP=y) */
	struct apsim_node *bus_devices_dir;  /* bus/ap/devices */
	struct apsim_node *bus_drivers_dir;  /* bus/ap/drivers */
	struct apsim_node *root_dir;         /* devices/ap */

	struct apsim_qci qci;                /* ap_qci_info; flags == 0: QCI not supported */
	struct apsim_qci qci_old;            /* ap_qci_info_old */
	int max_adapter_id;
	int max_domain_id;
	struct apsim_mask apm;               /* ap_perms.apm */
	struct apsim_mask aqm;               /* ap_perms.aqm */
	int domain_index;                    /* ap_domain_index */
	int config_time;                     /* seconds */
	unsigned long poll_timeout;          /* poll_high_timeout, ns */
	bool poll_thread;
	bool irq_flag;                       /* ap_interrupts */
	bool drivers_autoprobe;
	bool prot_virt_guest;                /* is_prot_virt_guest() */
	unsigned max_msg_size;               /* ap_max_msg_size */

	uint64_t scan_count;
	bool in_scan;
	bool dying;                          /* apsim_bus_free: no more uevents */
	bool bindings_done;                  /* ap_apqn_bindings_complete completed */
	uint64_t bindings_complete_count;
	uint64_t bind_seq;
	unsigned defer_rescan;               /* force rescans are postponed while > 0 */
	bool rescan_pending;

	struct apsim_timer scan_timer;       /* ap_scan_bus_timer */
	struct apsim_timer poll_timer;       /* ap_poll_timer (the tasklet) */

	/*
	 * The attribute groups of card and queue devices and of drivers (attrs.c), set by
	 * apsim_bus_new: their stores call into the scan and the driver core, so device.c and
	 * driver.c take them from here rather than naming attrs.c (no circle between files).
	 */
	const struct apsim_attr *card_attrs;
	const struct apsim_attr *queue_attrs;
	const struct apsim_attr *driver_attrs;

	struct apsim_driver *drivers;        /* registration order */
	struct apsim_device *dev_first, *dev_last; /* linked devices, registration order */
	struct apsim__drv_links *drv_links;  /* per registered driver: its bound devices */
	struct apsim_card *cards[APSIM_MASK_BITS];
	struct apsim_queue **queues;         /* 65536, indexed by qid */
	unsigned n_queues;
	unsigned n_bound_queues;

	/* queue objects come from chunks of the bus (dense, so a scan walks them in order) */
	struct apsim_queue *queue_free;      /* freed ones, reused first */
	struct queue_chunk *queue_chunks;    /* newest first */
	unsigned queue_chunk_used;           /* objects handed out of the newest chunk */
};

#define to_apsim_card(d) container_of((d), struct apsim_card, dev)
#define to_apsim_queue(d) container_of((d), struct apsim_queue, dev)

/* The card of a card device, or the card a queue device belongs to. */
/* The TAPQ response codes after which GR2's hardware info is valid (ap_test_queue callers:
 * ap_queue_info(), vfio_ap's filter_apid_by_qtype()): the queue exists, in whatever state. */
static inline bool apsim__bus_rc_has_info(uint8_t rc)
{
	return rc == APSIM_RC_NORMAL || rc == APSIM_RC_RESET_IN_PROGRESS ||
	       rc == APSIM_RC_DECONFIGURED || rc == APSIM_RC_CHECKSTOPPED || rc == APSIM_RC_BUSY;
}

static inline struct apsim_card *apsim__bus_dev_card(const struct apsim_device *dev)
{
	if (dev->is_card)
		return to_apsim_card((struct apsim_device *) dev);
	return to_apsim_queue((struct apsim_device *) dev)->card;
}

/* --- bus.c: the bus object (apsim_bus_new, apsim_bus_free and the getters) --- */
struct apsim_tree *apsim__bus_tree(struct apsim_bus *bus);
struct apsim_uevent_log *apsim__bus_uevents(struct apsim_bus *bus);
struct apsim_clock *apsim__bus_clock(struct apsim_bus *bus);
/* The bus subsystem's directory bus/ap (drivers add their dirs under bus/ap/drivers). */
struct apsim_node *apsim__bus_node(struct apsim_bus *bus);
/* True while a scan runs (recursion guard of force rescan). */
bool apsim__bus_in_scan(const struct apsim_bus *bus);

/* --- instr.c: the instruction ops, through the bus (zcrypt, vfio_ap never see the machine) --- */
void apsim__bus_tapq(struct apsim_bus *bus, unsigned qid, bool tbit, struct apsim_qstatus *ret_status,
		     uint64_t *ret_hwinfo);
void apsim__bus_zapq(struct apsim_bus *bus, unsigned qid, struct apsim_qstatus *ret_status);
void apsim__bus_rapq(struct apsim_bus *bus, unsigned qid, struct apsim_qstatus *ret_status);
/* ap_rapq(qid, 1): RAPQ with the F bit, which also ends an SE binding */
void apsim__bus_rapq_fbit(struct apsim_bus *bus, unsigned qid, struct apsim_qstatus *ret_status);
void apsim__bus_bapq(struct apsim_bus *bus, unsigned qid, struct apsim_qstatus *ret_status);
void apsim__bus_aapq(struct apsim_bus *bus, unsigned qid, unsigned sec_idx,
		     struct apsim_qstatus *ret_status);
/* ap_is_se_guest(): an SE guest's kernel and QCI reports APSB (ap_sb_available()) */
bool apsim__bus_is_se_guest(const struct apsim_bus *bus);
/* ap_aqic(): enable or disable the queue's adapter interrupts */
void apsim__bus_aqic(struct apsim_bus *bus, unsigned qid, bool enable, struct apsim_qstatus *st);

/* --- queue.c: the queue state machine --- */
/* spec 2.4 ap_queue_init_state: OPERATING, RESET_START, kicks an RAPQ. */
void apsim__bus_queue_init_state(struct apsim_queue *q);
/* The queue state machine (kernel ap_sm_event / ap_wait). */
enum apsim_sm_wait apsim__bus_sm_event(struct apsim_queue *q);
void apsim__bus_wait(struct apsim_bus *bus, enum apsim_sm_wait wait);
/* ap_tasklet_fn(): the poll timer's function, polls the bound queues */
void apsim__bus_poll_timer_fn(struct apsim_timer *timer);
/* ap_flush_queue(): no requests are ever queued in the simulator, the counts drop to 0 */
void apsim__bus_queue_flush(struct apsim_queue *aq);

/* --- uevent-env.c: uevents (spec 2.5) --- */
/*
 * Emits a uevent for a device with the bus's device variables (DEVTYPE, DRIVER if bound,
 * DEV_TYPE/MODALIAS/MODE per spec 2.5). env_extra: NULL-terminated "KEY=VALUE" list or NULL.
 */
int apsim__bus_device_uevent(struct apsim_device *dev, enum apsim_uevent_action action,
			     const char *const *env_extra);
/* Same for the root device /devices/ap (INITSCAN, BINDINGS, APMASK...). */
int apsim__bus_root_uevent(struct apsim_bus *bus, const char *const *env_extra);
/* ap_send_config_uevent / ap_send_online_uevent: CHANGE with CONFIG=%d / ONLINE=%d */
void apsim__bus_send_config_uevent(struct apsim_device *dev, bool cfg);
void apsim__bus_send_online_uevent(struct apsim_device *dev, bool online);
/* kobject_synth_uevent() for a device (dev, with its uevent variables) or, with dev NULL, any
 * other kobject by devpath/subsystem (root device, bus, driver); returns 0 or -EINVAL. */
int apsim__bus_synth_uevent(struct apsim_bus *bus, struct apsim_device *dev, const char *devpath,
			    const char *subsystem, const char *buf, size_t len);
/* The device's uevent variables, one "KEY=VALUE\n" each, into buf (uevent attribute). */
int apsim__bus_device_uevent_vars(const struct apsim_device *dev, char *buf, size_t len);
/* card hwinfo mode bits: 'A', 'C', 'P' or 0 (spec 1.5 priority A > D > X) */
char apsim__bus_card_mode(const struct apsim_card *ac);

/* --- driver.c: the driver core, apmask/aqmask --- */
/* ap_bus_match() (spec 3.7) */
bool apsim__bus_match(const struct apsim_driver *drv, const struct apsim_device *dev);
/* Driver core: device_driver_attach() (bind_store: -EBUSY if bound, else the probe's 0 or
 * -errno) and __device_release_driver() (unbind_store, reprobe, removal). */
int apsim__bus_driver_attach(struct apsim_driver *drv, struct apsim_device *dev);
void apsim__bus_device_release_driver(struct apsim_device *dev);
/* device_attach(): 1 bound, 0 no driver took it. */
int apsim__bus_device_attach(struct apsim_device *dev);
/* ap_check_bindings_complete() (spec 3.6): BINDINGS=complete once every queue is bound */
void apsim__bus_check_bindings_complete(struct apsim_bus *bus);
/* Unbind the device's driver (if any) and let the driver core find a new one (spec 4.3 step 6). */
void apsim__bus_device_reprobe(struct apsim_device *dev);
/* The apmask/aqmask store of spec 4.3 on the NUL-terminated str; 0 or -errno. */
int apsim__bus_mask_store(struct apsim_bus *bus, bool adapters, const char *str);

/* --- device.c: card and queue devices --- */
/*
 * ap_card_create() / ap_queue_create() with the registration (spec 3.3 step 7, 3.4 step 4):
 * the new device, or NULL if it could not be registered. A card's unregistration removes its
 * queues first. The queue objects' chunks are freed with the bus.
 */
struct apsim_card *apsim__bus_card_create(struct apsim_bus *bus, unsigned id, uint64_t hwinfo,
					  int comp_type, bool decfg, bool chkstop);
struct apsim_queue *apsim__bus_queue_create(struct apsim_card *ac, unsigned dom, uint64_t hwinfo,
					    bool decfg, bool chkstop);
void apsim__bus_card_unregister(struct apsim_card *ac);
void apsim__bus_queue_unregister(struct apsim_queue *aq);
void apsim__bus_queue_chunks_free(struct apsim_bus *bus);
/* A device by its sysfs name ("card04", "04.0020", one trailing '\n' ignored), or NULL. */
struct apsim_device *apsim__bus_find_device_by_name(struct apsim_bus *bus, const char *name);
/* driver.c: the id table of the CEX4..CEX8 queue devices (cex4queue, vfio_ap) */
extern const struct apsim_device_id apsim__bus_cex4_queue_ids[];

/* --- links.c: the links of devices and drivers, as virtual links of the tree --- */
/* bus/ap/devices lists the linked devices (apsim_bus_new) */
int apsim__bus_links_init(struct apsim_bus *bus);
/* bus/ap/devices/NAME and NAME/subsystem appear (device_add) or go (device_del) */
int apsim__bus_device_link(struct apsim_device *dev);
void apsim__bus_device_unlink(struct apsim_device *dev);
/* a registered driver's directory lists its bound devices; freed at unregistration */
int apsim__bus_driver_links_new(struct apsim_bus *bus, struct apsim_driver *drv);
void apsim__bus_driver_links_free(struct apsim_bus *bus, struct apsim_driver *drv);
/* driver_sysfs_add() / driver_sysfs_remove(): drivers/DRIVER/NAME and NAME/driver */
int apsim__bus_driver_link(struct apsim_device *dev, struct apsim_driver *drv);
void apsim__bus_driver_unlink(struct apsim_device *dev);

/* --- scan.c: the scan and what triggers it --- */
/* Card 'config' store after parsing (spec 2.3): SCLP, config, CONFIG= uevent. */
int apsim__bus_card_config(struct apsim_card *ac, bool cfg);
/* Re-arm the rescan timer to now + config_time. */
void apsim__bus_rearm_scan_timer(struct apsim_bus *bus);
/* ap_scan_bus_wq_callback(): the rescan timer's function, no scan while one runs */
void apsim__bus_scan_timer_fn(struct apsim_timer *timer);

/* --- attrs.c: the attribute tables (obj = struct apsim_bus / apsim_device / driver) --- */
extern const struct apsim_attr apsim__bus_attrs[];
extern const struct apsim_attr apsim__bus_core_attrs[];   /* uevent, drivers_autoprobe, drivers_probe */
extern const struct apsim_attr apsim__bus_module_params[]; /* module/ap/parameters */
extern const struct apsim_attr apsim__root_attrs[];       /* devices/ap: uevent */
extern const struct apsim_attr apsim__card_attrs[];
extern const struct apsim_attr apsim__queue_attrs[];
extern const struct apsim_attr apsim__driver_attrs[];     /* bind, uevent, unbind */
/* --- se.c: se_bind, se_associate (ap_queue_dev_sb_attr_group), whether a queue gets them --- */
extern const struct apsim_attr apsim__queue_se_attrs[];
bool apsim__queue_has_se_attrs(const struct apsim_queue *aq);

/* zcrypt.c: registers cex4card and cex4queue on the bus (spec 5.3); free unregisters. */
struct apsim_zcrypt;
int apsim__zcrypt_new(struct apsim_bus *bus, struct apsim_zcrypt **ret);
void apsim__zcrypt_free(struct apsim_zcrypt *z);

#endif
