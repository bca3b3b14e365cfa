/* SPDX-License-Identifier: MIT */
/*
 * Which driver a device is bound to: the driver core as the AP bus uses it (drivers/base/dd.c
 * and bus.c): matching by the id table (spec 3.7), the bus's probe with the reservation rule
 * (spec 5.2) and remove, binding and unbinding with their links and KOBJ_BIND/UNBIND (spec
 * 3.5), driver registration and unregistration, bindings complete (spec 3.6); and apmask /
 * aqmask, which decide which queues belong to the default drivers, with the in-use veto and
 * the re-probing of a store (spec 4.3).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apsim/sysfs.h"
#include "apsim/uevent.h"
#include "bus/bus-internal.h"

/* ------------------------------------------------------------------------------------- */
/* the driver core as the AP bus uses it                                                  */

/* ap_bus_match() (spec 3.7) */
bool apsim__bus_match(const struct apsim_driver *drv, const struct apsim_device *dev)
{
	const struct apsim_device_id *id;

	for (id = drv->ids; id && id->match_flags; id++) {
		if (dev->is_card && (id->match_flags & APSIM_DEVICE_ID_MATCH_CARD_TYPE) &&
		    id->dev_type == dev->device_type)
			return true;
		if (!dev->is_card && (id->match_flags & APSIM_DEVICE_ID_MATCH_QUEUE_TYPE) &&
		    id->dev_type == dev->device_type)
			return true;
	}
	return false;
}

/* ap_device_probe() (spec 5.2) */
static int ap_device_probe(struct apsim_device *dev, struct apsim_driver *drv)
{
	struct apsim_bus *bus = dev->bus;

	if (!dev->is_card) {
		unsigned qid = to_apsim_queue(dev)->qid;
		bool devres = apsim_bus_apqn_reserved(bus, APSIM_QID_CARD(qid), APSIM_QID_QUEUE(qid));
		bool drvres = (drv->flags & APSIM_DRIVER_FLAG_DEFAULT) != 0;

		if (devres != drvres)
			return -ENODEV;
	}
	/* re-arm the bindings complete completion (spec 3.6 (a)) */
	bus->bindings_done = false;
	return drv->probe ? drv->probe(dev) : -ENODEV;
}

static void driver_sysfs_remove(struct apsim_device *dev)
{
	apsim__bus_driver_unlink(dev);
}

/* really_probe(): 0 bound, else the probe's (or the links') -errno */
static int really_probe(struct apsim_device *dev, struct apsim_driver *drv)
{
	struct apsim_bus *bus = dev->bus;
	int r;

	dev->driver = drv;
	/* driver_sysfs_add(): both links exist while the driver probes */
	r = apsim__bus_driver_link(dev, drv);
	if (r < 0)
		goto out_unset;

	r = ap_device_probe(dev, drv);
	if (r) {
		if (r > 0)
			r = -EINVAL;
		if (r != -ENODEV && r != -ENXIO)
			apsim_dbg("%s: probe of %s failed with error %d\n", drv->name, dev->name, r);
		goto out_remove_links;
	}
	if (drv->dev_attrs) {
		r = apsim_tree_add_group(bus->tree, dev->node, drv->dev_attrs, dev);
		if (r < 0) {
			/* device_add_groups() failed: the driver is removed again */
			if (drv->remove)
				drv->remove(dev);
			goto out_remove_links;
		}
	}
	dev->bind_seq = ++bus->bind_seq;
	if (!dev->is_card)
		bus->n_bound_queues++;
	/* driver_bound(): KOBJ_BIND carries DRIVER= */
	(void) apsim__bus_device_uevent(dev, APSIM_UEVENT_BIND, NULL);
	return 0;

out_remove_links:
	driver_sysfs_remove(dev);
out_unset:
	dev->driver = NULL;
	dev->drvdata = NULL;
	return r;
}

/* __device_attach(): drivers in registration order, first that binds wins */
int apsim__bus_device_attach(struct apsim_device *dev)
{
	struct apsim_driver *drv;

	if (dev->driver)
		return 1;
	for (drv = dev->bus->drivers; drv; drv = drv->next) {
		if (!apsim__bus_match(drv, dev))
			continue;
		/* any probe error lets the next driver try its luck (dd.c) */
		if (really_probe(dev, drv) == 0)
			return 1;
	}
	return 0;
}

/* device_driver_attach() for bind_store: -EBUSY if bound, else the probe result */
int apsim__bus_driver_attach(struct apsim_driver *drv, struct apsim_device *dev)
{
	if (dev->driver)
		return -EBUSY;
	return really_probe(dev, drv);
}

/* __device_release_driver() with the bus's ap_device_remove() (spec 3.5) */
void apsim__bus_device_release_driver(struct apsim_device *dev)
{
	struct apsim_driver *drv = dev->driver;
	struct apsim_bus *bus = dev->bus;

	if (!drv)
		return;
	driver_sysfs_remove(dev);
	if (drv->dev_attrs)
		(void) apsim_tree_remove_group(bus->tree, dev->node, drv->dev_attrs);
	if (!dev->is_card) {
		/* ap_queue_prepare_remove() */
		struct apsim_queue *aq = to_apsim_queue(dev);

		apsim__bus_queue_flush(aq);
		aq->dev_state = APSIM_DEV_SHUTDOWN;
	}
	if (drv->remove)
		drv->remove(dev);
	if (!dev->is_card) {
		/* ap_queue_remove(): ZAPQ, which also clears the IRQ registration */
		struct apsim_queue *aq = to_apsim_queue(dev);
		struct apsim_qstatus st;

		apsim__bus_zapq(bus, aq->qid, &st);
		aq->dev_state = APSIM_DEV_UNINITIATED;
		bus->n_bound_queues--;
	}
	dev->driver = NULL;
	dev->drvdata = NULL;
	/* KOBJ_UNBIND is sent after dev->driver is cleared: no DRIVER= */
	(void) apsim__bus_device_uevent(dev, APSIM_UEVENT_UNBIND, NULL);
}

/* device_reprobe() */
void apsim__bus_device_reprobe(struct apsim_device *dev)
{
	if (dev->driver)
		apsim__bus_device_release_driver(dev);
	(void) apsim__bus_device_attach(dev);
}

/* Calls fn for every device in bus order (each card, then its queues). */
static void for_each_device(struct apsim_bus *bus, void (*fn)(struct apsim_device *dev, void *ctx),
			    void *ctx)
{
	for (unsigned ap = 0; ap < APSIM_MASK_BITS; ap++) {
		if (!bus->cards[ap])
			continue;
		fn(&bus->cards[ap]->dev, ctx);
		for (unsigned dom = 0; dom < APSIM_MASK_BITS; dom++) {
			struct apsim_queue *aq = bus->queues[APSIM_QID(ap, dom)];

			if (aq)
				fn(&aq->dev, ctx);
		}
	}
}

static void driver_attach_one(struct apsim_device *dev, void *ctx)
{
	struct apsim_driver *drv = ctx;

	if (!dev->driver && apsim__bus_match(drv, dev))
		(void) really_probe(dev, drv);
}

/* ap_check_bindings_complete() (spec 3.6) */
void apsim__bus_check_bindings_complete(struct apsim_bus *bus)
{
	char count[48];
	const char *env[] = { "BINDINGS=complete", count, NULL };

	if (bus->scan_count < 1 || bus->n_bound_queues != bus->n_queues || bus->bindings_done)
		return;
	bus->bindings_done = true;
	snprintf(count, sizeof(count), "COMPLETECOUNT=%llu",
		 (unsigned long long) ++bus->bindings_complete_count);
	(void) apsim__bus_root_uevent(bus, env);
}

int apsim_bus_driver_register(struct apsim_bus *bus, struct apsim_driver *drv)
{
	struct apsim_driver **pp;
	struct apsim_node *node;
	int r;

	APSIM_CHECK_ARG(bus && drv && drv->name && !drv->bus);
	/* driver_register(): a second driver of the same name is refused */
	if (apsim_tree_child(bus->tree, bus->bus_drivers_dir, drv->name))
		return -EBUSY;
	r = apsim_tree_mkdir(bus->tree, bus->bus_drivers_dir, drv->name, &node);
	if (r < 0)
		return r;
	r = apsim_tree_add_group(bus->tree, node, bus->driver_attrs, drv);
	if (r < 0) {
		apsim_tree_remove(bus->tree, node);
		return r;
	}
	drv->node = node;
	r = apsim__bus_driver_links_new(bus, drv);
	if (r < 0) {
		drv->node = NULL;
		apsim_tree_remove(bus->tree, node);
		return r;
	}
	drv->bus = bus;
	drv->next = NULL;
	for (pp = &bus->drivers; *pp; pp = &(*pp)->next)
		;
	*pp = drv;

	if (bus->drivers_autoprobe)
		for_each_device(bus, driver_attach_one, drv);
	apsim__bus_check_bindings_complete(bus);
	return 0;
}

struct bound_list {
	struct apsim_driver *drv;
	struct apsim_device **devs;
	size_t n;
};

static void collect_bound(struct apsim_device *dev, void *ctx)
{
	struct bound_list *bl = ctx;

	if (dev->driver == bl->drv && bl->devs)
		bl->devs[bl->n++] = dev;
}

static int cmp_bind_seq_desc(const void *a, const void *b)
{
	const struct apsim_device *da = *(const struct apsim_device *const *) a;
	const struct apsim_device *db = *(const struct apsim_device *const *) b;

	return da->bind_seq < db->bind_seq ? 1 : da->bind_seq > db->bind_seq ? -1 : 0;
}

/* driver_detach(): newest binding first */
static void driver_detach(struct apsim_bus *bus, struct apsim_driver *drv)
{
	struct bound_list bl = { .drv = drv };

	bl.devs = calloc((size_t) bus->n_queues + APSIM_MASK_BITS, sizeof(*bl.devs));
	if (!bl.devs) {
		/* out of memory: unbind in bus order instead */
		for (unsigned ap = 0; ap < APSIM_MASK_BITS; ap++) {
			for (unsigned dom = 0; dom < APSIM_MASK_BITS; dom++) {
				struct apsim_queue *aq = bus->queues[APSIM_QID(ap, dom)];

				if (aq && aq->dev.driver == drv)
					apsim__bus_device_release_driver(&aq->dev);
			}
			if (bus->cards[ap] && bus->cards[ap]->dev.driver == drv)
				apsim__bus_device_release_driver(&bus->cards[ap]->dev);
		}
		return;
	}
	for_each_device(bus, collect_bound, &bl);
	qsort(bl.devs, bl.n, sizeof(*bl.devs), cmp_bind_seq_desc);
	for (size_t i = 0; i < bl.n; i++)
		if (bl.devs[i]->driver == drv)
			apsim__bus_device_release_driver(bl.devs[i]);
	free(bl.devs);
}

void apsim_bus_driver_unregister(struct apsim_driver *drv)
{
	struct apsim_bus *bus;
	struct apsim_driver **pp;

	if (!drv || !drv->bus)
		return;
	bus = drv->bus;
	for (pp = &bus->drivers; *pp; pp = &(*pp)->next) {
		if (*pp == drv) {
			*pp = drv->next;
			break;
		}
	}
	driver_detach(bus, drv);
	apsim__bus_driver_links_free(bus, drv);
	if (drv->node)
		apsim_tree_remove(bus->tree, drv->node);
	drv->node = NULL;
	drv->next = NULL;
	drv->bus = NULL;
}

/* ------------------------------------------------------------------------------------- */
/* apmask / aqmask (spec 4.3): the queues reserved for the default drivers                */

bool apsim_bus_apqn_reserved(const struct apsim_bus *bus, unsigned apid, unsigned apqi)
{
	if (!bus)
		return false;
	return apsim_mask_test(&bus->apm, apid) && apsim_mask_test(&bus->aqm, apqi);
}

bool apsim_bus_matrix_reserved(const struct apsim_bus *bus, const struct apsim_mask *apm,
			       const struct apsim_mask *aqm)
{
	if (!bus || !apm || !aqm)
		return false;
	/* ap_apqn_in_matrix_owned_by_def_drv: some a in apm & apmask and q in aqm & aqmask */
	return apsim_mask_intersects(apm, &bus->apm) && apsim_mask_intersects(aqm, &bus->aqm);
}

/* In bus order, as before, but only the adapters that have a card: a queue has a card as its
 * parent, and walking all 65,536 APQNs made every mask write cost a full-machine scan. */
static void revise_bindings(struct apsim_bus *bus)
{
	for (unsigned ap = 0; ap < APSIM_MASK_BITS; ap++) {
		if (!bus->cards[ap])
			continue;
		for (unsigned dom = 0; dom < APSIM_MASK_BITS; dom++) {
			struct apsim_queue *aq = bus->queues[APSIM_QID(ap, dom)];
			bool devres, drvres;

			if (!aq)
				continue;
			devres = apsim_bus_apqn_reserved(bus, ap, dom);
			/* spec 4.3 step 6: an unbound queue counts as non-default */
			drvres = aq->dev.driver && (aq->dev.driver->flags & APSIM_DRIVER_FLAG_DEFAULT);
			if (devres != drvres)
				apsim__bus_device_reprobe(&aq->dev);
		}
	}
}

int apsim__bus_mask_store(struct apsim_bus *bus, bool adapters, const char *str)
{
	struct apsim_mask *cur = adapters ? &bus->apm : &bus->aqm;
	struct apsim_mask newm, reserved;
	char fmt[APSIM_MASK_STRLEN];
	char env0[8 + APSIM_MASK_STRLEN];
	const char *env[] = { env0, NULL };

	if (apsim_mask_parse_bitmap_str(str, strlen(str), APSIM_MASK_BITS, cur, &newm) < 0)
		return -EINVAL;
	if (apsim_mask_equal(&newm, cur))
		return 0;
	/* apmask_commit(): only newly reserved bits are checked, crossed with the other mask */
	if (apsim_mask_andnot(&reserved, &newm, cur)) {
		for (struct apsim_driver *drv = bus->drivers; drv; drv = drv->next) {
			if (!drv->in_use)
				continue;
			if (adapters ? drv->in_use(drv, &reserved, &bus->aqm) :
			    drv->in_use(drv, &bus->apm, &reserved))
				return -EBUSY;
		}
	}
	*cur = newm;
	revise_bindings(bus);
	/* ap_send_mask_changed_uevent(): the value keeps its trailing '\n' */
	apsim_mask_format(cur, fmt, sizeof(fmt));
	snprintf(env0, sizeof(env0), "%s=%s", adapters ? "APMASK" : "AQMASK", fmt);
	(void) apsim__bus_root_uevent(bus, env);
	return 0;
}

int apsim_bus_set_apmask(struct apsim_bus *bus, const char *str)
{
	APSIM_CHECK_ARG(bus && str);
	return apsim__bus_mask_store(bus, true, str);
}

int apsim_bus_set_aqmask(struct apsim_bus *bus, const char *str)
{
	APSIM_CHECK_ARG(bus && str);
	return apsim__bus_mask_store(bus, false, str);
}

/* spec 5.4: the queue devices of CEX4..CEX8, which both cex4queue and vfio_ap match */
const struct apsim_device_id apsim__bus_cex4_queue_ids[] = {
	{ .match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX4 },
	{ .match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX5 },
	{ .match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX6 },
	{ .match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX7 },
	{ .match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX8 },
	{ 0 },
};
