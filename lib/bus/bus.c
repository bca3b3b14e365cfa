/* SPDX-License-Identifier: MIT */
/*
 * The Linux AP bus (spec 2-5): the bus and its root device, card and queue devices, the
 * driver core's binding rules as the AP bus uses them, the bus scan with the config-change
 * notification, apmask/aqmask, bindings-complete, uevents, and the queue state machine as
 * far as a simulator without crypto requests needs it (reset, interrupt enablement).
 *
 * The layer owns the bus object (struct apsim_bus in bus-internal.h), its card and queue
 * devices and its drivers' registrations. It calls lib/base (masks, clock, log, parsers),
 * lib/sysfs (the tree, attribute groups, links, uevent log, module directory) and the
 * machine only through the instruction ops of its config (cfg->ops, instr.c), as the kernel
 * only sees PQAP; its drivers only through their ops (events flow up). The bus is not locked:
 * the caller holds the simulator lock (spec 7: the scan "mutex" is the in_scan flag, which
 * also gives the recursion rule of spec 3.1 item 4).
 *
 * This file: apsim_bus_new (the config, the timers, bus/ap, devices/ap and module/ap with
 * their attribute groups), apsim_bus_free, and the getters. The rest of lib/bus, lowest
 * first: instr.c the instructions; queue.c the queue state machine; uevent-env.c the uevents;
 * se.c the SE attributes of queues; driver.c the driver core and apmask/aqmask; device.c the
 * card and queue devices; links.c their sysfs links (virtual links of the tree); scan.c the
 * scan and what triggers it; attrs.c the attributes.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apsim/clock.h"
#include "apsim/sysfs.h"
#include "bus/bus-internal.h"

/* ------------------------------------------------------------------------------------- */
/* the bus object                                                                         */

static void parse_perm_param(const char *param, struct apsim_mask *m)
{
	struct apsim_mask cur;

	/* ap_perms_init(): all ones without a parameter, else zero and the string applied
	 * (a parse error leaves the zero mask) */
	if (!param) {
		apsim_mask_fill(m);
		return;
	}
	apsim_mask_zero(&cur);
	apsim_mask_zero(m);
	(void) apsim_mask_parse_bitmap_str(param, strlen(param), APSIM_MASK_BITS, &cur, m);
}

int apsim_bus_new(const struct apsim_bus_config *cfg, struct apsim_bus **ret)
{
	struct apsim_node *dir;
	struct apsim_bus *bus;
	int r;

	APSIM_CHECK_ARG(cfg && cfg->ops && cfg->tree && ret);
	bus = calloc(1, sizeof(*bus));
	if (!bus)
		return -ENOMEM;
	bus->queues = calloc(NR_QIDS, sizeof(*bus->queues));
	bus->name = strdup(cfg->name ? cfg->name : "host");
	if (!bus->queues || !bus->name) {
		r = -ENOMEM;
		goto out_free;
	}
	bus->ops = cfg->ops;
	bus->ops_ctx = cfg->ops_ctx;
	bus->tree = cfg->tree;
	bus->uevents = cfg->uevents;
	bus->clock = cfg->clock;
	bus->prot_virt_guest = cfg->prot_virt_guest;
	bus->max_adapter_id = 63;
	bus->max_domain_id = 15;
	bus->config_time = 30;
	bus->poll_timeout = 250000;
	bus->poll_thread = false;
	bus->irq_flag = true;
	bus->drivers_autoprobe = true;
	bus->max_msg_size = APSIM_AP_DEFAULT_MAX_MSG_SIZE;
	bus->card_attrs = apsim__card_attrs;
	bus->queue_attrs = apsim__queue_attrs;
	bus->driver_attrs = apsim__driver_attrs;
	apsim_timer_init(&bus->scan_timer, apsim__bus_scan_timer_fn);
	apsim_timer_init(&bus->poll_timer, apsim__bus_poll_timer_fn);

	/* ap_perms_init() */
	parse_perm_param(cfg->apmask_param, &bus->apm);
	parse_perm_param(cfg->aqmask_param, &bus->aqm);

	/* ap_init_qci_info(): the APXA maxima are taken only here */
	if (bus->ops->qci && bus->ops->qci(bus->ops_ctx, &bus->qci) == 0) {
		bus->qci_old = bus->qci;
		if (bus->qci.flags & APSIM_QCI_APXA) {
			if (bus->qci.na)
				bus->max_adapter_id = bus->qci.na;
			if (bus->qci.nd)
				bus->max_domain_id = bus->qci.nd;
		}
	} else {
		memset(&bus->qci, 0, sizeof(bus->qci));
		memset(&bus->qci_old, 0, sizeof(bus->qci_old));
	}

	/* the ap.domain= parameter (spec 2.2 notes) */
	bus->domain_index = cfg->domain_param;
	if (bus->domain_index < -1 || bus->domain_index > bus->max_domain_id ||
	    (bus->domain_index >= 0 && !apsim_mask_test(&bus->aqm, (unsigned) bus->domain_index))) {
		apsim_dbg("ap: %d is not a valid cryptographic domain\n", bus->domain_index);
		bus->domain_index = -1;
	}

	/* bus_register(): /sys/bus/ap */
	r = apsim_tree_mkdir_p(bus->tree, "bus", &dir);
	if (r < 0)
		goto out_free;
	r = apsim_tree_mkdir(bus->tree, dir, "ap", &bus->bus_dir);
	if (r < 0)
		goto out_free;
	r = apsim_tree_mkdir(bus->tree, bus->bus_dir, "devices", &bus->bus_devices_dir);
	if (r < 0)
		goto out_remove_bus;
	r = apsim_tree_mkdir(bus->tree, bus->bus_dir, "drivers", &bus->bus_drivers_dir);
	if (r < 0)
		goto out_remove_bus;
	r = apsim__bus_links_init(bus);
	if (r < 0)
		goto out_remove_bus;
	r = apsim_tree_add_group(bus->tree, bus->bus_dir, apsim__bus_attrs, bus);
	if (r < 0)
		goto out_remove_bus;
	r = apsim_tree_add_group(bus->tree, bus->bus_dir, apsim__bus_core_attrs, bus);
	if (r < 0)
		goto out_remove_bus;

	/* root_device_register("ap"): /sys/devices/ap */
	r = apsim_tree_mkdir_p(bus->tree, "devices", &dir);
	if (r < 0)
		goto out_remove_bus;
	r = apsim_tree_mkdir(bus->tree, dir, "ap", &bus->root_dir);
	if (r < 0)
		goto out_remove_bus;
	r = apsim_tree_add_group(bus->tree, bus->root_dir, apsim__root_attrs, bus);
	if (r < 0)
		goto out_remove_root;

	r = apsim__module_add(bus->tree, "ap", true, &bus->module);
	if (r == 0)
		r = apsim_tree_add_group(bus->tree, bus->module.parameters, apsim__bus_module_params,
					 bus);
	if (r < 0)
		goto out_remove_module;

	*ret = bus;
	return 0;

out_remove_module:
	apsim__module_remove(&bus->module);
out_remove_root:
	apsim_tree_remove(bus->tree, bus->root_dir);
out_remove_bus:
	apsim_tree_remove(bus->tree, bus->bus_dir);
out_free:
	free(bus->name);
	free(bus->queues);
	free(bus);
	return r;
}

void apsim_bus_free(struct apsim_bus *bus)
{
	if (!bus)
		return;
	bus->dying = true;
	bus->in_scan = true;    /* no scans from driver callbacks any more */
	while (bus->drivers)
		apsim_bus_driver_unregister(bus->drivers);
	for (unsigned ap = 0; ap < APSIM_MASK_BITS; ap++)
		if (bus->cards[ap])
			apsim__bus_card_unregister(bus->cards[ap]);
	if (bus->clock) {
		apsim_timer_disarm(bus->clock, &bus->scan_timer);
		apsim_timer_disarm(bus->clock, &bus->poll_timer);
	}
	apsim__module_remove(&bus->module);
	apsim_tree_remove(bus->tree, bus->root_dir);
	apsim_tree_remove(bus->tree, bus->bus_dir);
	apsim__bus_queue_chunks_free(bus);
	free(bus->name);
	free(bus->queues);
	free(bus);
}

/* ------------------------------------------------------------------------------------- */
/* getters                                                                                */

uint64_t apsim_bus_get_scan_count(const struct apsim_bus *bus)
{
	return bus ? bus->scan_count : 0;
}

int apsim_bus_get_qci(const struct apsim_bus *bus, struct apsim_qci *ret)
{
	APSIM_CHECK_ARG(bus && ret);
	if (!bus->qci.flags)
		return -EOPNOTSUPP;
	*ret = bus->qci;
	return 0;
}

void apsim_bus_get_apmask(const struct apsim_bus *bus, struct apsim_mask *ret)
{
	if (bus && ret)
		*ret = bus->apm;
}

void apsim_bus_get_aqmask(const struct apsim_bus *bus, struct apsim_mask *ret)
{
	if (bus && ret)
		*ret = bus->aqm;
}

int apsim_bus_get_max_adapter_id(const struct apsim_bus *bus)
{
	return bus ? bus->max_adapter_id : -EINVAL;
}

int apsim_bus_get_max_domain_id(const struct apsim_bus *bus)
{
	return bus ? bus->max_domain_id : -EINVAL;
}

struct apsim_device *apsim_bus_find_card(struct apsim_bus *bus, unsigned apid)
{
	if (!bus || apid >= APSIM_MASK_BITS || !bus->cards[apid])
		return NULL;
	return &bus->cards[apid]->dev;
}

struct apsim_device *apsim_bus_find_queue(struct apsim_bus *bus, unsigned qid)
{
	if (!bus || qid >= NR_QIDS || !bus->queues[qid])
		return NULL;
	return &bus->queues[qid]->dev;
}

int apsim_bus_for_each_queue(struct apsim_bus *bus, int (*fn)(struct apsim_device *dev, void *ctx),
			     void *ctx)
{
	APSIM_CHECK_ARG(bus && fn);
	for (unsigned ap = 0; ap < APSIM_MASK_BITS; ap++) {
		if (!bus->cards[ap])
			continue;
		for (unsigned dom = 0; dom < APSIM_MASK_BITS; dom++) {
			struct apsim_queue *aq = bus->queues[APSIM_QID(ap, dom)];
			int r;

			if (!aq)
				continue;
			r = fn(&aq->dev, ctx);
			if (r)
				return r;
		}
	}
	return 0;
}

bool apsim_device_is_card(const struct apsim_device *dev)
{
	return dev && dev->is_card;
}

const char *apsim_device_get_name(const struct apsim_device *dev)
{
	return dev ? dev->name : NULL;
}

unsigned apsim_device_get_card_id(const struct apsim_device *dev)
{
	if (!dev)
		return 0;
	return apsim__bus_dev_card(dev)->id;
}

unsigned apsim_device_get_qid(const struct apsim_device *dev)
{
	if (!dev)
		return 0;
	if (dev->is_card)
		return APSIM_QID(to_apsim_card((struct apsim_device *) dev)->id, 0);
	return to_apsim_queue((struct apsim_device *) dev)->qid;
}

int apsim_device_get_type(const struct apsim_device *dev)
{
	return dev ? dev->device_type : -EINVAL;
}

struct apsim_driver *apsim_device_get_driver(const struct apsim_device *dev)
{
	return dev ? dev->driver : NULL;
}

void *apsim_device_get_drvdata(const struct apsim_device *dev)
{
	return dev ? dev->drvdata : NULL;
}

void apsim_device_set_drvdata(struct apsim_device *dev, void *data)
{
	if (dev)
		dev->drvdata = data;
}

struct apsim_bus *apsim_device_get_bus(const struct apsim_device *dev)
{
	return dev ? dev->bus : NULL;
}

bool apsim__bus_in_scan(const struct apsim_bus *bus)
{
	return bus && bus->in_scan;
}

struct apsim_tree *apsim__bus_tree(struct apsim_bus *bus)
{
	return bus->tree;
}

struct apsim_uevent_log *apsim__bus_uevents(struct apsim_bus *bus)
{
	return bus->uevents;
}

struct apsim_clock *apsim__bus_clock(struct apsim_bus *bus)
{
	return bus->clock;
}

struct apsim_node *apsim__bus_node(struct apsim_bus *bus)
{
	return bus->bus_dir;
}
