/* SPDX-License-Identifier: MIT */
/*
 * The default AP drivers (spec 5.3): zcrypt_cex4's cex4card and cex4queue, with the zcrypt
 * card and queue attributes type/online/load (spec 2.3, zcrypt_card.c, zcrypt_queue.c).
 * No crypto requests are processed: load stays 0.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "apsim/sysfs.h"
#include "bus/bus-internal.h"
#include "base/kstrto-internal.h"

struct apsim_zcrypt {
	struct apsim_bus *bus;
	struct apsim_driver card_drv;
	struct apsim_driver queue_drv;
};

/* struct zcrypt_card: lives while the card is bound or one of its zcrypt queues exists */
struct zcard {
	unsigned refs;
	bool online;
	int load;
	char type[16];
};

/* struct zcrypt_queue */
struct zqueue {
	struct zcard *zc;
	bool online;
	int load;
};

static const struct apsim_device_id card_ids[] = {
	{ .match_flags = APSIM_DEVICE_ID_MATCH_CARD_TYPE, .dev_type = APSIM_AP_TYPE_CEX4 },
	{ .match_flags = APSIM_DEVICE_ID_MATCH_CARD_TYPE, .dev_type = APSIM_AP_TYPE_CEX5 },
	{ .match_flags = APSIM_DEVICE_ID_MATCH_CARD_TYPE, .dev_type = APSIM_AP_TYPE_CEX6 },
	{ .match_flags = APSIM_DEVICE_ID_MATCH_CARD_TYPE, .dev_type = APSIM_AP_TYPE_CEX7 },
	{ .match_flags = APSIM_DEVICE_ID_MATCH_CARD_TYPE, .dev_type = APSIM_AP_TYPE_CEX8 },
	{ 0 },
};

static const struct apsim_device_id queue_ids[] = {
	{ .match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX4 },
	{ .match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX5 },
	{ .match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX6 },
	{ .match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX7 },
	{ .match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX8 },
	{ 0 },
};

static void zcard_put(struct zcard *zc)
{
	if (zc && --zc->refs == 0)
		free(zc);
}

static ssize_t emit_int(char *buf, size_t len, int v)
{
	int n = snprintf(buf, len, "%d\n", v);

	return n < 0 ? -EIO : (ssize_t) n;
}

/* ------------------------------------------------------------------------------------- */
/* card attributes (zcrypt_card.c)                                                        */

static ssize_t card_type_show(void *obj, char *buf, size_t len)
{
	struct zcard *zc = apsim_device_get_drvdata(obj);
	int n = snprintf(buf, len, "%s\n", zc->type);

	return n < 0 ? -EIO : (ssize_t) n;
}

static ssize_t card_online_show(void *obj, char *buf, size_t len)
{
	struct apsim_card *ac = to_apsim_card((struct apsim_device *) obj);
	struct zcard *zc = ac->dev.drvdata;

	return emit_int(buf, len, ac->config && !ac->chkstop && zc->online);
}

static ssize_t card_online_store(void *obj, const char *buf, size_t len)
{
	struct apsim_card *ac = to_apsim_card((struct apsim_device *) obj);
	struct apsim_bus *bus = ac->dev.bus;
	struct zcard *zc = ac->dev.drvdata;
	struct apsim_zcrypt *z = ac->dev.driver->priv;
	int online;

	if (apsim__sscanf_int(buf, 10, &online) != 1 || online < 0 || online > 1)
		return -EINVAL;
	if (online && (!ac->config || ac->chkstop))
		return -ENODEV;
	zc->online = online;
	/* the card's ONLINE= first, then one for every zcrypt queue whose state changed */
	apsim__bus_send_online_uevent(&ac->dev, online);
	for (unsigned dom = 0; dom < APSIM_MASK_BITS; dom++) {
		struct apsim_device *qdev = apsim_bus_find_queue(bus, APSIM_QID(ac->id, dom));
		struct zqueue *zq;

		if (!qdev || qdev->driver != &z->queue_drv)
			continue;
		zq = qdev->drvdata;
		if (zq->zc != zc || zq->online == (online != 0))
			continue;
		/* zcrypt_queue_force_online() */
		zq->online = online;
		apsim__bus_send_online_uevent(qdev, online);
	}
	return (ssize_t) len;
}

static ssize_t card_load_show(void *obj, char *buf, size_t len)
{
	struct zcard *zc = apsim_device_get_drvdata(obj);

	return emit_int(buf, len, zc->load);
}

static const struct apsim_attr zcard_attrs[] = {
	{ .name = "type", .mode = 0444, .show = card_type_show },
	{ .name = "online", .mode = 0644, .show = card_online_show, .store = card_online_store },
	{ .name = "load", .mode = 0444, .show = card_load_show },
	{ 0 },
};

/*
 * zcrypt_cex4.c: CCA and EP11 cards get a serialnr attribute. The kernel asks the adapter
 * with a query CPRB through the default domain (CCA) or any APQN (EP11); when the card is
 * offline or does not answer, the zeroed info prints as an empty (CCA) or blank (EP11)
 * serial.
 */
static int card_serial(struct apsim_card *ac, char *buf, size_t len)
{
	struct apsim_bus *bus = ac->dev.bus;
	struct zcard *zc = ac->dev.drvdata;

	buf[0] = '\0';
	if (!zc || !zc->online || !ac->config || ac->chkstop || !bus->ops->card_serial)
		return -EIO;
	return bus->ops->card_serial(bus->ops_ctx, ac->id, buf, len);
}

static ssize_t cca_serialnr_show(void *obj, char *buf, size_t len)
{
	struct apsim_card *ac = to_apsim_card((struct apsim_device *) obj);
	char serial[32];

	if (ac->dev.bus->domain_index < 0 || card_serial(ac, serial, sizeof(serial)) < 0)
		serial[0] = '\0';
	return snprintf(buf, len, "%s\n", serial);
}

static ssize_t ep11_serialnr_show(void *obj, char *buf, size_t len)
{
	struct apsim_card *ac = to_apsim_card((struct apsim_device *) obj);
	char serial[32];

	if (card_serial(ac, serial, sizeof(serial)) < 0)
		serial[0] = '\0';
	return snprintf(buf, len, "%-16.16s\n", serial);
}

static const struct apsim_attr cca_card_attrs[] = {
	{ .name = "serialnr", .mode = 0444, .show = cca_serialnr_show },
	{ 0 },
};

static const struct apsim_attr ep11_card_attrs[] = {
	{ .name = "serialnr", .mode = 0444, .show = ep11_serialnr_show },
	{ 0 },
};

static const struct apsim_attr *card_mode_attrs(char mode)
{
	return mode == 'C' ? cca_card_attrs : mode == 'P' ? ep11_card_attrs : NULL;
}

/* ------------------------------------------------------------------------------------- */
/* queue attributes (zcrypt_queue.c)                                                      */

static ssize_t queue_online_show(void *obj, char *buf, size_t len)
{
	struct apsim_queue *aq = to_apsim_queue((struct apsim_device *) obj);
	struct zqueue *zq = aq->dev.drvdata;

	return emit_int(buf, len, aq->config && !aq->chkstop && zq->online);
}

static ssize_t queue_online_store(void *obj, const char *buf, size_t len)
{
	struct apsim_queue *aq = to_apsim_queue((struct apsim_device *) obj);
	struct zqueue *zq = aq->dev.drvdata;
	int online;

	if (apsim__sscanf_int(buf, 10, &online) != 1 || online < 0 || online > 1)
		return -EINVAL;
	if (online && (!aq->config || !aq->card->config || aq->chkstop || aq->card->chkstop))
		return -ENODEV;
	if (online && !zq->zc->online)
		return -EINVAL;
	zq->online = online;
	apsim__bus_send_online_uevent(&aq->dev, online);
	return (ssize_t) len;
}

static ssize_t queue_load_show(void *obj, char *buf, size_t len)
{
	struct zqueue *zq = apsim_device_get_drvdata(obj);

	return emit_int(buf, len, zq->load);
}

static const struct apsim_attr zqueue_attrs[] = {
	{ .name = "online", .mode = 0644, .show = queue_online_show, .store = queue_online_store },
	{ .name = "load", .mode = 0444, .show = queue_load_show },
	{ 0 },
};

/* ------------------------------------------------------------------------------------- */
/* probe / remove (zcrypt_cex4.c)                                                         */

static int card_probe(struct apsim_device *dev)
{
	struct apsim_card *ac = to_apsim_card(dev);
	char mode = apsim__bus_card_mode(ac);
	struct zcard *zc;

	/* neither accelerator, CCA nor EP11: not ours */
	if (!mode)
		return -ENODEV;
	zc = calloc(1, sizeof(*zc));
	if (!zc)
		return -ENOMEM;
	zc->refs = 1;
	zc->online = true;      /* zcrypt_card_register(): online = 1 */
	snprintf(zc->type, sizeof(zc->type), "CEX%d%c", dev->device_type - 6, mode);
	dev->drvdata = zc;
	if (card_mode_attrs(mode))
		(void) apsim_tree_add_group(apsim__bus_tree(dev->bus), dev->node,
					    card_mode_attrs(mode), dev);
	return 0;
}

static void card_remove(struct apsim_device *dev)
{
	const struct apsim_attr *attrs = card_mode_attrs(apsim__bus_card_mode(to_apsim_card(dev)));

	if (attrs)
		apsim_tree_remove_group(apsim__bus_tree(dev->bus), dev->node, attrs);
	zcard_put(dev->drvdata);
}

static int queue_probe(struct apsim_device *dev)
{
	struct apsim_queue *aq = to_apsim_queue(dev);
	struct apsim_zcrypt *z = dev->driver->priv;
	struct zqueue *zq;

	if (!apsim__bus_card_mode(aq->card))
		return -ENODEV;
	/* zcrypt_queue_register() takes the card's zcrypt object; the kernel assumes the card
	 * is bound to cex4card (it would crash otherwise): refuse the queue instead */
	if (aq->card->dev.driver != &z->card_drv || !aq->card->dev.drvdata)
		return -ENODEV;
	zq = calloc(1, sizeof(*zq));
	if (!zq)
		return -ENOMEM;
	zq->zc = aq->card->dev.drvdata;
	zq->zc->refs++;
	zq->online = true;      /* new devices are online by default */
	dev->drvdata = zq;
	apsim__bus_queue_init_state(aq);
	/* ap_queue_init_reply(): one more poll of the state machine */
	apsim__bus_wait(dev->bus, apsim__bus_sm_event(aq));
	return 0;
}

static void queue_remove(struct apsim_device *dev)
{
	struct zqueue *zq = dev->drvdata;

	if (!zq)
		return;
	zcard_put(zq->zc);
	free(zq);
}

int apsim__zcrypt_new(struct apsim_bus *bus, struct apsim_zcrypt **ret)
{
	struct apsim_zcrypt *z;
	int r;

	APSIM_CHECK_ARG(bus && ret);
	z = calloc(1, sizeof(*z));
	if (!z)
		return -ENOMEM;
	z->bus = bus;
	z->card_drv = (struct apsim_driver) {
		.name = "cex4card",
		.ids = card_ids,
		.flags = APSIM_DRIVER_FLAG_DEFAULT,
		.probe = card_probe,
		.remove = card_remove,
		.dev_attrs = zcard_attrs,
		.priv = z,
	};
	z->queue_drv = (struct apsim_driver) {
		.name = "cex4queue",
		.ids = queue_ids,
		.flags = APSIM_DRIVER_FLAG_DEFAULT,
		.probe = queue_probe,
		.remove = queue_remove,
		.dev_attrs = zqueue_attrs,
		.priv = z,
	};
	/* zcrypt_cex4_init(): the card driver first */
	r = apsim_bus_driver_register(bus, &z->card_drv);
	if (r < 0)
		goto out_free;
	r = apsim_bus_driver_register(bus, &z->queue_drv);
	if (r < 0)
		goto out_unregister_card;
	*ret = z;
	return 0;

out_unregister_card:
	apsim_bus_driver_unregister(&z->card_drv);
out_free:
	free(z);
	return r;
}

void apsim__zcrypt_free(struct apsim_zcrypt *z)
{
	if (!z)
		return;
	/* zcrypt_cex4_exit(): the queue driver first */
	apsim_bus_driver_unregister(&z->queue_drv);
	apsim_bus_driver_unregister(&z->card_drv);
	free(z);
}
