/* SPDX-License-Identifier: MIT */
/* AP bus internals shared by bus.c, zcrypt.c and vfio_ap.c (kernel ap_bus.h). */
#ifndef APSIM_BUS_INTERNAL_H
#define APSIM_BUS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "apsim/bus.h"
#include "apsim/uevent.h"
#include "macro-internal.h"

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
	unsigned se_bstate;
	enum apsim_dev_state dev_state;
	enum apsim_sm_state sm_state;
	unsigned last_err_rc;
	bool interrupt;                  /* interrupts enabled */
	uint64_t total_request_count;
	int requestq_count;
	int pendingq_count;
};

#define to_apsim_card(d) container_of((d), struct apsim_card, dev)
#define to_apsim_queue(d) container_of((d), struct apsim_queue, dev)

/* The instruction ops, through the bus (so vfio_ap and zcrypt never touch the machine). */
void apsim__bus_tapq(struct apsim_bus *bus, unsigned qid, bool tbit, struct apsim_qstatus *ret_status,
		     uint64_t *ret_hwinfo);
void apsim__bus_zapq(struct apsim_bus *bus, unsigned qid, struct apsim_qstatus *ret_status);
void apsim__bus_rapq(struct apsim_bus *bus, unsigned qid, struct apsim_qstatus *ret_status);

struct apsim_tree *apsim__bus_tree(struct apsim_bus *bus);
struct apsim_uevent_log *apsim__bus_uevents(struct apsim_bus *bus);
struct apsim_clock *apsim__bus_clock(struct apsim_bus *bus);
/* The bus subsystem's directory bus/ap (drivers add their dirs under bus/ap/drivers). */
struct apsim_node *apsim__bus_node(struct apsim_bus *bus);

/*
 * Emits a uevent for a device with the bus's device variables (DEVTYPE, DRIVER if bound,
 * DEV_TYPE/MODALIAS/MODE per spec 2.5). env_extra: NULL-terminated "KEY=VALUE" list or NULL.
 */
int apsim__bus_device_uevent(struct apsim_device *dev, enum apsim_uevent_action action,
			     const char *const *env_extra);
/* Same for the root device /devices/ap (INITSCAN, BINDINGS, APMASK...). */
int apsim__bus_root_uevent(struct apsim_bus *bus, const char *const *env_extra);

/* Unbind the device's driver (if any) and let the driver core find a new one (spec 4.3 step 6). */
void apsim__bus_device_reprobe(struct apsim_device *dev);
/* spec 2.4 ap_queue_init_state: OPERATING, RESET_START, kicks an RAPQ. */
void apsim__bus_queue_init_state(struct apsim_queue *q);
/* True while a scan runs (recursion guard of force rescan). */
bool apsim__bus_in_scan(const struct apsim_bus *bus);

/* zcrypt.c: registers cex4card and cex4queue on the bus (spec 5.3); free unregisters. */
struct apsim_zcrypt;
int apsim__zcrypt_new(struct apsim_bus *bus, struct apsim_zcrypt **ret);
void apsim__zcrypt_free(struct apsim_zcrypt *z);

#endif
