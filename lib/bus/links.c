/* SPDX-License-Identifier: MIT */
/*
 * The sysfs links the driver core keeps for every AP device (device_add, driver_sysfs_add):
 * bus/ap/devices/NAME and NAME/subsystem while the device is registered, drivers/DRIVER/NAME
 * and NAME/driver while it is bound. They are virtual links of the tree
 * (sysfs/vlink-internal.h), computed from the device lists kept here, not four tree nodes per
 * device: a full machine has 65,536 queues. Each link takes its inode number when it
 * appears, so listings and inode numbers are those the nodes had. The lookup of a device by
 * its name (bus_find_device_by_name) lives here too, below device.c and attrs.c.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus/bus-internal.h"
#include "sysfs/vlink-internal.h"

/* per registered driver: its bound devices in binding order */
struct apsim__drv_links {
	struct apsim_bus *bus;
	struct apsim_driver *drv;
	struct apsim_device *first, *last;
	struct apsim__drv_links *next;
};

/* --- device names: the devices a link or a bind/unbind write names --- */

static bool lower_xdigit(char c, unsigned *v)
{
	if (c >= '0' && c <= '9')
		*v = (unsigned) (c - '0');
	else if (c >= 'a' && c <= 'f')
		*v = (unsigned) (c - 'a' + 10);
	else
		return false;
	return true;
}

struct apsim_device *apsim__bus_find_device_by_name(struct apsim_bus *bus, const char *name)
{
	size_t n = strlen(name);
	unsigned v[6];

	/* bus_find_device_by_name() compares with sysfs_streq(): one trailing '\n' is fine */
	if (n && name[n - 1] == '\n')
		n--;
	if (n == 6 && memcmp(name, "card", 4) == 0 && lower_xdigit(name[4], &v[0]) &&
	    lower_xdigit(name[5], &v[1])) {
		struct apsim_card *ac = bus->cards[v[0] * 16 + v[1]];

		return ac ? &ac->dev : NULL;
	}
	if (n == 7 && name[2] == '.' && lower_xdigit(name[0], &v[0]) && lower_xdigit(name[1], &v[1]) &&
	    lower_xdigit(name[3], &v[2]) && lower_xdigit(name[4], &v[3]) &&
	    lower_xdigit(name[5], &v[4]) && lower_xdigit(name[6], &v[5])) {
		unsigned dom = ((v[2] * 16 + v[3]) * 16 + v[4]) * 16 + v[5];
		struct apsim_queue *aq;

		if (dom >= APSIM_MASK_BITS)
			return NULL;
		aq = bus->queues[APSIM_QID(v[0] * 16 + v[1], dom)];
		return aq ? &aq->dev : NULL;
	}
	return NULL;
}

/* The device named name[0..len) exactly ("card04", "04.0020"), or NULL. */
static struct apsim_device *device_by_name(struct apsim_bus *bus, const char *name, size_t len)
{
	struct apsim_device *dev;
	char buf[8];

	if (len >= sizeof(buf))
		return NULL;
	memcpy(buf, name, len);
	buf[len] = '\0';
	dev = apsim__bus_find_device_by_name(bus, buf);
	return dev && strcmp(dev->name, buf) == 0 ? dev : NULL;
}

/* bus/ap/devices */

static void devices_entry(struct apsim_device *dev, struct apsim_vlink *ret)
{
	ret->name = dev->name;
	ret->target = dev->node;
	ret->ino = dev->link_ino;
}

static int devices_lookup(void *obj, const char *name, size_t len, struct apsim_vlink *ret)
{
	struct apsim_device *dev = device_by_name(obj, name, len);

	if (!dev || !dev->link_ino)
		return 0;
	devices_entry(dev, ret);
	return 1;
}

static int devices_next(void *obj, void **cursor, struct apsim_vlink *ret)
{
	struct apsim_bus *bus = obj;
	struct apsim_device *dev = *cursor ? ((struct apsim_device *) *cursor)->bus_next :
		bus->dev_first;

	if (!dev)
		return 0;
	*cursor = dev;
	devices_entry(dev, ret);
	return 1;
}

static const struct apsim_vlink_ops devices_ops = {
	.lookup = devices_lookup,
	.next = devices_next,
};

/* a device's own directory: subsystem, then driver */

static int dev_lookup(void *obj, const char *name, size_t len, struct apsim_vlink *ret)
{
	struct apsim_device *dev = obj;

	if (len == strlen("subsystem") && memcmp(name, "subsystem", len) == 0 && dev->link_ino) {
		ret->name = "subsystem";
		ret->target = dev->bus->bus_dir;
		ret->ino = dev->link_ino + 1;
		return 1;
	}
	if (len == strlen("driver") && memcmp(name, "driver", len) == 0 && dev->drv_link_ino) {
		ret->name = "driver";
		ret->target = dev->driver->node;
		ret->ino = dev->drv_link_ino + 1;
		return 1;
	}
	return 0;
}

static int dev_next(void *obj, void **cursor, struct apsim_vlink *ret)
{
	struct apsim_device *dev = obj;
	/* the cursor counts the links listed: subsystem is older than driver */
	uintptr_t i = (uintptr_t) *cursor;

	if (i == 0 && dev->link_ino) {
		*cursor = (void *) (uintptr_t) 1;
		return dev_lookup(dev, "subsystem", strlen("subsystem"), ret);
	}
	if (i <= 1 && dev->drv_link_ino) {
		*cursor = (void *) (uintptr_t) 2;
		return dev_lookup(dev, "driver", strlen("driver"), ret);
	}
	return 0;
}

static const struct apsim_vlink_ops dev_ops = {
	.lookup = dev_lookup,
	.next = dev_next,
};

/* a driver's directory: its bound devices */

static void drv_entry(struct apsim_device *dev, struct apsim_vlink *ret)
{
	ret->name = dev->name;
	ret->target = dev->node;
	ret->ino = dev->drv_link_ino;
}

static int drv_lookup(void *obj, const char *name, size_t len, struct apsim_vlink *ret)
{
	struct apsim__drv_links *dl = obj;
	struct apsim_device *dev = device_by_name(dl->bus, name, len);

	if (!dev || !dev->drv_link_ino || dev->driver != dl->drv)
		return 0;
	drv_entry(dev, ret);
	return 1;
}

static int drv_next(void *obj, void **cursor, struct apsim_vlink *ret)
{
	struct apsim__drv_links *dl = obj;
	struct apsim_device *dev = *cursor ? ((struct apsim_device *) *cursor)->drv_next :
		dl->first;

	if (!dev)
		return 0;
	*cursor = dev;
	drv_entry(dev, ret);
	return 1;
}

static const struct apsim_vlink_ops drv_ops = {
	.lookup = drv_lookup,
	.next = drv_next,
};

int apsim__bus_links_init(struct apsim_bus *bus)
{
	return apsim__tree_set_vlinks(bus->tree, bus->bus_devices_dir, &devices_ops, bus);
}

int apsim__bus_device_link(struct apsim_device *dev)
{
	struct apsim_bus *bus = dev->bus;
	int r;

	r = apsim__tree_set_vlinks(bus->tree, dev->node, &dev_ops, dev);
	if (r < 0)
		return r;
	/* two inodes, as sysfs_create_link() twice: devices/NAME, then NAME/subsystem */
	dev->link_ino = apsim__tree_take_ino(bus->tree);
	(void) apsim__tree_take_ino(bus->tree);
	dev->bus_next = NULL;
	dev->bus_prev = bus->dev_last;
	if (bus->dev_last)
		bus->dev_last->bus_next = dev;
	else
		bus->dev_first = dev;
	bus->dev_last = dev;
	return 0;
}

void apsim__bus_device_unlink(struct apsim_device *dev)
{
	struct apsim_bus *bus = dev->bus;

	if (!dev->link_ino)
		return;
	if (dev->bus_prev)
		dev->bus_prev->bus_next = dev->bus_next;
	else
		bus->dev_first = dev->bus_next;
	if (dev->bus_next)
		dev->bus_next->bus_prev = dev->bus_prev;
	else
		bus->dev_last = dev->bus_prev;
	dev->bus_prev = dev->bus_next = NULL;
	dev->link_ino = 0;
}

static struct apsim__drv_links *drv_links_of(struct apsim_bus *bus, const struct apsim_driver *drv)
{
	struct apsim__drv_links *dl;

	for (dl = bus->drv_links; dl; dl = dl->next)
		if (dl->drv == drv)
			return dl;
	return NULL;
}

int apsim__bus_driver_links_new(struct apsim_bus *bus, struct apsim_driver *drv)
{
	struct apsim__drv_links *dl = calloc(1, sizeof(*dl));
	int r;

	if (!dl)
		return -ENOMEM;
	dl->bus = bus;
	dl->drv = drv;
	r = apsim__tree_set_vlinks(bus->tree, drv->node, &drv_ops, dl);
	if (r < 0) {
		free(dl);
		return r;
	}
	dl->next = bus->drv_links;
	bus->drv_links = dl;
	return 0;
}

void apsim__bus_driver_links_free(struct apsim_bus *bus, struct apsim_driver *drv)
{
	struct apsim__drv_links **pp;

	for (pp = &bus->drv_links; *pp; pp = &(*pp)->next) {
		if ((*pp)->drv == drv) {
			struct apsim__drv_links *dl = *pp;

			*pp = dl->next;
			if (drv->node)
				(void) apsim__tree_set_vlinks(bus->tree, drv->node, NULL, NULL);
			free(dl);
			return;
		}
	}
}

int apsim__bus_driver_link(struct apsim_device *dev, struct apsim_driver *drv)
{
	struct apsim__drv_links *dl = drv_links_of(dev->bus, drv);

	if (!dl)
		return -ENOENT;
	/* two inodes: drivers/DRIVER/NAME, then NAME/driver */
	dev->drv_link_ino = apsim__tree_take_ino(dev->bus->tree);
	(void) apsim__tree_take_ino(dev->bus->tree);
	dev->drv_next = NULL;
	dev->drv_prev = dl->last;
	if (dl->last)
		dl->last->drv_next = dev;
	else
		dl->first = dev;
	dl->last = dev;
	return 0;
}

void apsim__bus_driver_unlink(struct apsim_device *dev)
{
	struct apsim__drv_links *dl;

	if (!dev->drv_link_ino)
		return;
	dl = drv_links_of(dev->bus, dev->driver);
	if (dl) {
		if (dev->drv_prev)
			dev->drv_prev->drv_next = dev->drv_next;
		else
			dl->first = dev->drv_next;
		if (dev->drv_next)
			dev->drv_next->drv_prev = dev->drv_prev;
		else
			dl->last = dev->drv_prev;
	}
	dev->drv_prev = dev->drv_next = NULL;
	dev->drv_link_ino = 0;
}
