/* SPDX-License-Identifier: MIT */
/*
 * The default AP drivers (spec 5.3): zcrypt_cex4's cex4card and cex4queue, with the zcrypt
 * card and queue attributes type/online/load (spec 2.3, zcrypt_card.c, zcrypt_queue.c).
 * No crypto requests are processed: load stays 0.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "apsim/sysfs.h"
#include <string.h>

#include "base/chunk-internal.h"
#include "base/kstrto-internal.h"
#include "bus/bus-internal.h"

/* zqueue objects come from chunks (lib/base/chunk.c): one per bound queue, 65,536 on a
 * full machine, without a malloc header each and on huge pages */
struct zqueue_chunk {
	struct zqueue_chunk *next;
};

struct apsim_zcrypt {
	struct apsim_bus *bus;
	struct zqueue_chunk *zq_chunks;
	struct zqueue *zq_free;      /* freed ones, reused first (linked through zc) */
	char *zq_cur;                /* the next unused object of the newest chunk */
	size_t zq_left;
	struct apsim_driver card_drv;
	struct apsim_driver queue_drv;
	struct apsim_module zcrypt_mod; /* module/zcrypt: zcrypt_api and the device nodes */
	struct apsim_module cex4_mod;   /* module/zcrypt_cex4: the two drivers */
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

static struct zqueue *zqueue_alloc(struct apsim_zcrypt *z)
{
	struct zqueue *zq = z->zq_free;

	if (zq) {
		z->zq_free = (struct zqueue *) (void *) zq->zc;
	} else {
		if (z->zq_left < sizeof(*zq)) {
			struct zqueue_chunk *c = apsim__chunk_alloc();

			if (!c)
				return NULL;
			c->next = z->zq_chunks;
			z->zq_chunks = c;
			/* objects start at the first multiple of their alignment after the header */
			z->zq_cur = (char *) c + sizeof(struct zqueue);
			z->zq_left = APSIM_CHUNK_SIZE - sizeof(struct zqueue);
		}
		zq = (struct zqueue *) (void *) z->zq_cur;
		z->zq_cur += sizeof(*zq);
		z->zq_left -= sizeof(*zq);
	}
	memset(zq, 0, sizeof(*zq));
	return zq;
}

static void zqueue_release(struct apsim_zcrypt *z, struct zqueue *zq)
{
	zq->zc = (struct zcard *) (void *) z->zq_free;
	z->zq_free = zq;
}

static void zqueue_chunks_free(struct apsim_zcrypt *z)
{
	struct zqueue_chunk *c, *next;

	for (c = z->zq_chunks; c; c = next) {
		next = c->next;
		apsim__chunk_free(c);
	}
	z->zq_chunks = NULL;
	z->zq_free = NULL;
	z->zq_left = 0;
}

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
 * zcrypt_cex4.c's CCA and EP11 attribute groups (current kernel, v6.x): CCA cards get
 * serialnr, CCA queues mkvps; EP11 cards get API_ordinalnr, FW_version, serialnr and
 * op_modes, EP11 queues mkvps and op_modes. The kernel asks the adapter with a query CPRB
 * (cca_get_info through the default domain for the card, ep11_get_card_info and
 * ep11_get_domain_info); when the device is offline or the adapter does not answer, the
 * zeroed info prints as the kernel prints it: an empty serial, "- -" master key lines, empty
 * EP11 fields ("\n", since v5.10: the serial was once printed as 16 blanks).
 *
 * The adapter's answers are simulated: the serial is the machine's (machine card add
 * --serial), everything else derives from it and the domain, so it is stable across runs
 * and differs between adapters and domains (docs/clients.md "s390-tools versions").
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

/* FNV-1a over the serial and a salt: the simulated verification patterns */
static uint64_t card_hash(const char *serial, unsigned salt)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const char *p = serial; *p; p++)
		h = (h ^ (unsigned char) *p) * 0x100000001b3ull;
	for (int i = 0; i < 4; i++)
		h = (h ^ ((salt >> (8 * i)) & 0xff)) * 0x100000001b3ull;
	return h;
}

static ssize_t cca_serialnr_show(void *obj, char *buf, size_t len)
{
	struct apsim_card *ac = to_apsim_card((struct apsim_device *) obj);
	char serial[32];

	if (ac->dev.bus->domain_index < 0 || card_serial(ac, serial, sizeof(serial)) < 0)
		serial[0] = '\0';
	return snprintf(buf, len, "%s\n", serial);
}

/* struct ep11_card_info: API ordinal number and firmware version by adapter generation */
static bool ep11_card_info(struct apsim_card *ac, char *serial, size_t len, unsigned *ret_api,
			   unsigned *ret_fw)
{
	unsigned gen = ac->dev.device_type >= 10 ? (unsigned) ac->dev.device_type - 6 : 4;

	if (card_serial(ac, serial, len) < 0 || !serial[0])
		return false;
	*ret_api = gen + 2;                     /* CEX8P: 10 */
	*ret_fw = ((gen - 3) << 8) | (gen * 2); /* CEX8P: 5.16 */
	return true;
}

static ssize_t ep11_api_ordinalnr_show(void *obj, char *buf, size_t len)
{
	struct apsim_card *ac = to_apsim_card((struct apsim_device *) obj);
	unsigned api, fw;
	char serial[32];

	if (!ep11_card_info(ac, serial, sizeof(serial), &api, &fw))
		return snprintf(buf, len, "\n");
	return snprintf(buf, len, "%u\n", api);
}

static ssize_t ep11_fw_version_show(void *obj, char *buf, size_t len)
{
	struct apsim_card *ac = to_apsim_card((struct apsim_device *) obj);
	unsigned api, fw;
	char serial[32];

	if (!ep11_card_info(ac, serial, sizeof(serial), &api, &fw))
		return snprintf(buf, len, "\n");
	return snprintf(buf, len, "%d.%d\n", (int) (fw >> 8), (int) (fw & 0xff));
}

static ssize_t ep11_serialnr_show(void *obj, char *buf, size_t len)
{
	struct apsim_card *ac = to_apsim_card((struct apsim_device *) obj);
	char serial[32];

	if (card_serial(ac, serial, sizeof(serial)) < 0 || !serial[0])
		return snprintf(buf, len, "\n");
	return snprintf(buf, len, "%16.16s\n", serial);
}

/* ep11_card_op_modes_show(), ep11_queue_op_modes_show(): the simulated adapters run in none
 * of the certified modes (FIPS2009 BSI2009 FIPS2011 BSI2011 BSICC2017), as a new adapter */
static ssize_t ep11_op_modes_show(void *obj, char *buf, size_t len)
{
	(void) obj;
	return snprintf(buf, len, "\n");
}

static const struct apsim_attr cca_card_attrs[] = {
	{ .name = "serialnr", .mode = 0444, .show = cca_serialnr_show },
	{ 0 },
};

static const struct apsim_attr ep11_card_attrs[] = {
	{ .name = "API_ordinalnr", .mode = 0444, .show = ep11_api_ordinalnr_show },
	{ .name = "FW_version", .mode = 0444, .show = ep11_fw_version_show },
	{ .name = "serialnr", .mode = 0444, .show = ep11_serialnr_show },
	{ .name = "op_modes", .mode = 0444, .show = ep11_op_modes_show },
	{ 0 },
};

static const struct apsim_attr *card_mode_attrs(char mode)
{
	return mode == 'C' ? cca_card_attrs : mode == 'P' ? ep11_card_attrs : NULL;
}

/* The queue's serial when the adapter answers a query through this queue */
static bool queue_serial(struct apsim_queue *aq, char *serial, size_t len)
{
	struct zqueue *zq = aq->dev.drvdata;

	if (!zq || !zq->online || !aq->config || aq->chkstop)
		return false;
	return card_serial(aq->card, serial, len) == 0 && serial[0];
}

/* cca_mkvps_show(): a configured domain has an empty new, a valid current and no old
 * master key register, for AES, APKA and ASYM (the ASYM lines as current kernels print them) */
static ssize_t cca_mkvps_show(void *obj, char *buf, size_t len)
{
	struct apsim_queue *aq = to_apsim_queue((struct apsim_device *) obj);
	unsigned dom = apsim_device_get_qid(obj) & 0xff;
	char serial[32];

	if (!queue_serial(aq, serial, sizeof(serial)))
		return snprintf(buf, len, "AES NEW: - -\nAES CUR: - -\nAES OLD: - -\n"
				"APKA NEW: - -\nAPKA CUR: - -\nAPKA OLD: - -\n"
				"ASYM NEW: - -\nASYM CUR: - -\nASYM OLD: - -\n");
	/* the ASYM register's verification pattern is 16 bytes, printed as two u64 */
	return snprintf(buf, len,
			"AES NEW: empty 0x%016llx\nAES CUR: valid 0x%016llx\nAES OLD: - -\n"
			"APKA NEW: empty 0x%016llx\nAPKA CUR: valid 0x%016llx\nAPKA OLD: - -\n"
			"ASYM NEW: empty 0x%016llx%016llx\nASYM CUR: valid 0x%016llx%016llx\n"
			"ASYM OLD: - -\n",
			0ull, (unsigned long long) card_hash(serial, 0x100 | dom), 0ull,
			(unsigned long long) card_hash(serial, 0x200 | dom), 0ull, 0ull,
			(unsigned long long) card_hash(serial, 0x700 | dom),
			(unsigned long long) card_hash(serial, 0x800 | dom));
}

/* ep11_mkvps_show(): a valid current wrapping key (32 bytes of verification pattern), no
 * new one; nothing is asked of an offline queue */
static ssize_t ep11_mkvps_show(void *obj, char *buf, size_t len)
{
	struct apsim_queue *aq = to_apsim_queue((struct apsim_device *) obj);
	unsigned dom = apsim_device_get_qid(obj) & 0xff;
	char serial[32];

	if (!queue_serial(aq, serial, sizeof(serial)))
		return snprintf(buf, len, "WK CUR: - -\nWK NEW: - -\n");
	return snprintf(buf, len, "WK CUR: valid 0x%016llx%016llx%016llx%016llx\nWK NEW: empty -\n",
			(unsigned long long) card_hash(serial, 0x300 | dom),
			(unsigned long long) card_hash(serial, 0x400 | dom),
			(unsigned long long) card_hash(serial, 0x500 | dom),
			(unsigned long long) card_hash(serial, 0x600 | dom));
}

static const struct apsim_attr cca_queue_attrs[] = {
	{ .name = "mkvps", .mode = 0444, .show = cca_mkvps_show },
	{ 0 },
};

static const struct apsim_attr ep11_queue_attrs[] = {
	{ .name = "mkvps", .mode = 0444, .show = ep11_mkvps_show },
	{ .name = "op_modes", .mode = 0444, .show = ep11_op_modes_show },
	{ 0 },
};

static const struct apsim_attr *queue_mode_attrs(char mode)
{
	return mode == 'C' ? cca_queue_attrs : mode == 'P' ? ep11_queue_attrs : NULL;
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
	if (card_mode_attrs(mode)) {
		/* MODEL: zcrypt_cex4.c zcrypt_cex4_card_probe(): a failed sysfs_create_group()
		 * fails the probe */
		int r = apsim_tree_add_group(apsim__bus_tree(dev->bus), dev->node,
					     card_mode_attrs(mode), dev);

		if (r < 0) {
			zcard_put(zc);
			return r;
		}
	}
	dev->drvdata = zc;
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
	zq = zqueue_alloc(z);
	if (!zq)
		return -ENOMEM;
	if (queue_mode_attrs(apsim__bus_card_mode(aq->card))) {
		/* MODEL: zcrypt_cex4.c zcrypt_cex4_queue_probe(), as for the card */
		int r = apsim_tree_add_group(apsim__bus_tree(dev->bus), dev->node,
					     queue_mode_attrs(apsim__bus_card_mode(aq->card)), dev);

		if (r < 0) {
			zqueue_release(z, zq);
			return r;
		}
	}
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
	const struct apsim_attr *attrs;

	if (!zq)
		return;
	attrs = queue_mode_attrs(apsim__bus_card_mode(to_apsim_queue(dev)->card));
	if (attrs)
		apsim_tree_remove_group(apsim__bus_tree(dev->bus), dev->node, attrs);
	zcard_put(zq->zc);
	zqueue_release(dev->driver->priv, zq);
}

/* zcrypt_api.c: module_param_named(mempool_threshold, ..., uint, 0440), default 5 */
static ssize_t mempool_threshold_show(void *obj, char *buf, size_t len)
{
	(void) obj;
	return snprintf(buf, len, "5\n");
}

static const struct apsim_attr zcrypt_params[] = {
	APSIM_ATTR_RO(mempool_threshold),
	{ 0 },
};

/* the two modules and their sysfs links; zcrypt_cex4 uses zcrypt's symbols, so it holds it */
static int modules_add(struct apsim_zcrypt *z)
{
	struct apsim_tree *t = apsim__bus_tree(z->bus);
	int r;

	r = apsim__module_add(t, "zcrypt", false, &z->zcrypt_mod);
	if (r == 0)
		r = apsim_tree_add_group(t, z->zcrypt_mod.parameters, zcrypt_params, z);
	if (r == 0)
		r = apsim__module_add(t, "zcrypt_cex4", false, &z->cex4_mod);
	if (r == 0)
		r = apsim__module_add_holder(&z->zcrypt_mod, &z->cex4_mod);
	if (r == 0)
		r = apsim__module_add_driver(&z->cex4_mod, "ap", z->card_drv.node);
	if (r == 0)
		r = apsim__module_add_driver(&z->cex4_mod, "ap", z->queue_drv.node);
	return r;
}

static void modules_remove(struct apsim_zcrypt *z)
{
	apsim__module_remove(&z->cex4_mod);
	apsim__module_remove(&z->zcrypt_mod);
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
		.ids = apsim__bus_cex4_queue_ids,
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
	r = modules_add(z);
	if (r < 0)
		goto out_unregister_queue;
	*ret = z;
	return 0;

out_unregister_queue:
	modules_remove(z);
	apsim_bus_driver_unregister(&z->queue_drv);
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
	modules_remove(z);
	zqueue_chunks_free(z);
	free(z);
}
