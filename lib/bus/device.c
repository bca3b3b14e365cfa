/* SPDX-License-Identifier: MIT */
/*
 * The card and queue devices (kernel ap_card.c, ap_queue.c and the driver core's device_add /
 * device_del): creating and registering them with their directory under devices/ap, their
 * attribute groups, the bus/ap/devices and subsystem links, KOBJ_ADD and the probe (spec 3.3
 * step 7, 3.4 step 4), unregistering them (a card's queues first), their names, finding one by
 * its name, and the memory of the queue objects.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "apsim/sysfs.h"
#include "apsim/uevent.h"
#include "base/chunk-internal.h"
#include "bus/bus-internal.h"
#include "base/asan-internal.h"

/*
 * device_add() + bus_probe_device(): dir, attributes, links, KOBJ_ADD, then probing. extra is
 * a second attribute group (device.groups, after the type's groups) or NULL.
 */
static int device_register(struct apsim_device *dev, struct apsim_node *parent,
			   const struct apsim_attr *attrs, const struct apsim_attr *extra)
{
	struct apsim_bus *bus = dev->bus;
	int r;

	r = apsim_tree_mkdir(bus->tree, parent, dev->name, &dev->node);
	if (r < 0)
		return r;
	r = apsim_tree_add_group(bus->tree, dev->node, attrs, dev);
	if (r < 0)
		goto out_rmdir;
	if (extra) {
		r = apsim_tree_add_group(bus->tree, dev->node, extra, dev);
		if (r < 0)
			goto out_rmdir;
	}
	/* bus/ap/devices/NAME and NAME/subsystem */
	r = apsim__bus_device_link(dev);
	if (r < 0)
		goto out_rmdir;

	(void) apsim__bus_device_uevent(dev, APSIM_UEVENT_ADD, NULL);
	if (bus->drivers_autoprobe)
		(void) apsim__bus_device_attach(dev);
	return 0;

out_rmdir:
	apsim_tree_remove(bus->tree, dev->node);
	dev->node = NULL;
	return r;
}

/* device_del(): unlink, release the driver (UNBIND), KOBJ_REMOVE, remove the dir */
static void device_unregister(struct apsim_device *dev)
{
	struct apsim_bus *bus = dev->bus;

	apsim__bus_device_unlink(dev);
	apsim__bus_device_release_driver(dev);
	(void) apsim__bus_device_uevent(dev, APSIM_UEVENT_REMOVE, NULL);
	apsim_tree_remove(bus->tree, dev->node);
	dev->node = NULL;
}

/*
 * Queue objects: chunks of lib/base/chunk.c (64 KiB, huge pages), handed out in order, freed
 * ones reused first. A full machine's 65,536 queues lie in qid order in a few MB, so a
 * rescan reads them as a stream.
 */

struct queue_chunk {
	struct queue_chunk *next;
	unsigned size;
	struct apsim_queue q[];
};

static struct apsim_queue *queue_alloc(struct apsim_bus *bus)
{
	struct queue_chunk *c = bus->queue_chunks;
	struct apsim_queue *aq = bus->queue_free;

	if (aq) {
		UNPOISON(aq, sizeof(*aq));
		memcpy(&bus->queue_free, aq, sizeof(bus->queue_free));
	} else {
		if (!c || bus->queue_chunk_used == c->size) {
			unsigned size = (unsigned) ((APSIM_CHUNK_SIZE - sizeof(*c)) / sizeof(c->q[0]));

			c = apsim__chunk_alloc();
			if (!c)
				return NULL;
			c->next = bus->queue_chunks;
			c->size = size;
			POISON(c->q, size * sizeof(c->q[0]));
			bus->queue_chunks = c;
			bus->queue_chunk_used = 0;
		}
		aq = &c->q[bus->queue_chunk_used++];
		UNPOISON(aq, sizeof(*aq));
	}
	memset(aq, 0, sizeof(*aq));
	return aq;
}

static void queue_release(struct apsim_bus *bus, struct apsim_queue *aq)
{
	memcpy(aq, &bus->queue_free, sizeof(bus->queue_free));
	bus->queue_free = aq;
	POISON(aq, sizeof(*aq));
}

void apsim__bus_queue_chunks_free(struct apsim_bus *bus)
{
	struct queue_chunk *c, *next;

	for (c = bus->queue_chunks; c; c = next) {
		next = c->next;
		UNPOISON(c->q, c->size * sizeof(c->q[0]));
		apsim__chunk_free(c);
	}
	bus->queue_chunks = NULL;
	bus->queue_free = NULL;
}

void apsim__bus_queue_unregister(struct apsim_queue *aq)
{
	struct apsim_bus *bus = aq->dev.bus;

	device_unregister(&aq->dev);
	bus->queues[aq->qid] = NULL;
	bus->n_queues--;
	queue_release(bus, aq);
}

/* ap_scan_rm_card_dev_and_queue_devs(): the queues first, then the card */
void apsim__bus_card_unregister(struct apsim_card *ac)
{
	struct apsim_bus *bus = ac->dev.bus;

	for (unsigned dom = 0; dom < APSIM_MASK_BITS; dom++) {
		struct apsim_queue *aq = bus->queues[APSIM_QID(ac->id, dom)];

		if (aq)
			apsim__bus_queue_unregister(aq);
	}
	device_unregister(&ac->dev);
	bus->cards[ac->id] = NULL;
	free(ac);
}

static const char hex_lower[] = "0123456789abcdef";

/* "card%02x" (id < 256) */
static void fmt_card_name(char *buf, unsigned id)
{
	memcpy(buf, "card", 4);
	buf[4] = hex_lower[(id >> 4) & 0xf];
	buf[5] = hex_lower[id & 0xf];
	buf[6] = '\0';
}

/* "%02x.%04x" (card and domain < 256) */
static void fmt_queue_name(char *buf, unsigned card, unsigned dom)
{
	buf[0] = hex_lower[(card >> 4) & 0xf];
	buf[1] = hex_lower[card & 0xf];
	buf[2] = '.';
	buf[3] = '0';
	buf[4] = '0';
	buf[5] = hex_lower[(dom >> 4) & 0xf];
	buf[6] = hex_lower[dom & 0xf];
	buf[7] = '\0';
}

/* ap_card_create() + registration (spec 3.3 step 7) */
struct apsim_card *apsim__bus_card_create(struct apsim_bus *bus, unsigned id, uint64_t hwinfo,
					  int comp_type, bool decfg, bool chkstop)
{
	struct apsim_card *ac;
	int r;

	ac = calloc(1, sizeof(*ac));
	if (!ac)
		return NULL;
	ac->dev.bus = bus;
	ac->dev.is_card = true;
	ac->dev.device_type = comp_type;
	fmt_card_name(ac->dev.name, id);
	ac->id = id;
	ac->raw_type = (uint8_t) APSIM_HWINFO_AT(hwinfo);
	ac->hwinfo = hwinfo;
	ac->max_msg_size = APSIM_HWINFO_ML(hwinfo) > 0 ? APSIM_HWINFO_ML(hwinfo) * 4096u :
		APSIM_AP_DEFAULT_MAX_MSG_SIZE;
	ac->config = !decfg;
	ac->chkstop = chkstop;
	if (ac->max_msg_size > bus->max_msg_size)
		bus->max_msg_size = ac->max_msg_size;
	bus->cards[id] = ac;
	r = device_register(&ac->dev, bus->root_dir, bus->card_attrs, NULL);
	if (r < 0) {
		apsim_dbg("ap: %s: device_register() failed: %d\n", ac->dev.name, r);
		bus->cards[id] = NULL;
		free(ac);
		return NULL;
	}
	return ac;
}

/* ap_queue_create() + registration (spec 3.4 step 4) */
struct apsim_queue *apsim__bus_queue_create(struct apsim_card *ac, unsigned dom, uint64_t hwinfo,
					    bool decfg, bool chkstop)
{
	struct apsim_bus *bus = ac->dev.bus;
	unsigned qid = APSIM_QID(ac->id, dom);
	struct apsim_queue *aq;
	int r;

	aq = queue_alloc(bus);
	if (!aq)
		return NULL;
	aq->dev.bus = bus;
	aq->dev.is_card = false;
	aq->dev.device_type = ac->dev.device_type;
	fmt_queue_name(aq->dev.name, ac->id, dom);
	aq->card = ac;
	aq->qid = qid;
	aq->config = !decfg;
	aq->chkstop = chkstop;
	aq->se_bstate = APSIM_HWINFO_BS(hwinfo);
	aq->dev_state = APSIM_DEV_UNINITIATED;
	aq->sm_state = APSIM_SM_RESET_START;
	aq->assoc_idx = APSIM_ASSOC_IDX_INVALID;
	aq->rapq_fbit = false;
	bus->queues[qid] = aq;
	bus->n_queues++;
	/* ap_queue_create(): the SE group only in an SE guest for EP11/accel queues (6.12+) */
	r = device_register(&aq->dev, ac->dev.node, bus->queue_attrs,
			    apsim__queue_has_se_attrs(aq) ? apsim__queue_se_attrs : NULL);
	if (r < 0) {
		apsim_dbg("ap: %s: device_register() failed: %d\n", aq->dev.name, r);
		bus->queues[qid] = NULL;
		bus->n_queues--;
		queue_release(bus, aq);
		return NULL;
	}
	return aq;
}
