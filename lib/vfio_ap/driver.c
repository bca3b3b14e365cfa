/* SPDX-License-Identifier: MIT */
/*
 * driver.c - the top of vfio_ap: the AP driver (spec 5.4, 6) with its callback table, its
 * registration on the host AP bus, probe and remove of queue devices (spec 6.8), the queue
 * 'status' attribute (spec 6.9) and the in_use veto (spec 6.10).
 *
 * Below it, in reading order: the matrix device and mdevs in mdev.c, their assignment
 * attributes in mdev-attrs.c, filtering, APCB updates and the config-change callbacks in
 * hotplug.c, the VFIO core's part in vfio-core.c, and queues, links and the queue reset of
 * spec 6.7 in matrix.c. The bus calls up into this driver only through the ops table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apsim/clock.h"
#include "apsim/uevent.h"
#include "bus/bus-internal.h"
#include "kvm/guest-internal.h"
#include "base/macro-internal.h"
#include "vfio_ap/vfio_ap-internal.h"
#include "vfio_ap/vfio_ap-private.h"

/* --- the AP driver (spec 6.8 - 6.10) --- */

static struct apsim_vfio_ap *dev_to_vfio_ap(struct apsim_device *dev)
{
	struct apsim_driver *drv = apsim_device_get_driver(dev);

	if (!drv)
		return NULL;
	return drv->priv;
}

static void queue_list_add(struct apsim_vfio_ap *v, struct vfio_ap_queue *q)
{
	struct vfio_ap_queue **p = &v->queues_list;

	while (*p && (*p)->apqn < q->apqn)
		p = &(*p)->next;
	q->next = *p;
	*p = q;
	v->queues[q->apqn] = q;
}

static void queue_list_del(struct apsim_vfio_ap *v, struct vfio_ap_queue *q)
{
	for (struct vfio_ap_queue **p = &v->queues_list; *p; p = &(*p)->next) {
		if (*p == q) {
			*p = q->next;
			break;
		}
	}
	if (v->queues[q->apqn] == q)
		v->queues[q->apqn] = NULL;
}

/* vfio_ap_mdev_probe_queue (spec 6.8) */
static int vfio_ap_probe(struct apsim_device *dev)
{
	struct apsim_vfio_ap *v = dev_to_vfio_ap(dev);
	struct vfio_ap_queue *q;
	struct vfio_ap_mdev *m;

	if (!v)
		return -ENODEV;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->dev = dev;
	q->apqn = apsim_device_get_qid(dev) & 0xffff;
	/* reset_status zeroed: RC 0, passable until a reset says otherwise */
	queue_list_add(v, q);

	/* legacy policy: no config callbacks, so the QCI copy is refreshed at every probe */
	if (v->policy == APSIM_POLICY_LEGACY) {
		struct apsim_qci qci;

		if (apsim_bus_get_qci(v->bus, &qci) == 0)
			v->info = qci;
	}

	m = apsim__vfio_ap_mdev_for_apqn(v, q->apqn);
	if (m) {
		apsim__vfio_ap_link_queue(m, q);
		if (v->policy == APSIM_POLICY_COALESCED && v->cfg_window) {
			/* coalesced: plugging is deferred to on_scan_complete (always safe) */
			m->defer_filter = true;
		} else if (apsim_mask_empty(&m->apm_add) && apsim_mask_empty(&m->aqm_add)) {
			apsim__vfio_ap_refilter(m, false);
		}
		/* else: a config addition is being processed, on_scan_complete plugs */
	}
	apsim_device_set_drvdata(dev, q);
	return 0;
}

/* vfio_ap_mdev_remove_queue (spec 6.8) */
static void vfio_ap_remove(struct apsim_device *dev)
{
	struct apsim_vfio_ap *v = dev_to_vfio_ap(dev);
	struct vfio_ap_queue *q = apsim_device_get_drvdata(dev);
	struct vfio_ap_mdev *m;
	unsigned apid, apqi;

	if (!v || !q)
		return;
	m = q->matrix_mdev;     /* the kernel uses the back-link, stale or not */
	apid = APSIM_QID_CARD(q->apqn);
	apqi = APSIM_QID_QUEUE(q->apqn);

	if (m && apsim_mask_test(&m->shadow.apm, apid) && apsim_mask_test(&m->shadow.aqm, apqi)) {
		struct apsim_mask apids;

		/* a single queue cannot be unplugged: unplug the adapter (the kernel's own
		 * words). Under the legacy policy this is the only unplug, so a domain that
		 * leaves the configuration takes every adapter of the guest with it and stays
		 * in the aqm itself, as in the kernel (docs/benchmarks.md). In the coalesced
		 * policy this push cannot be deferred either: the queue is still in the host
		 * configuration and is about to leave vfio_ap. */
		apsim_mask_clear(&m->shadow.apm, apid);
		apsim__vfio_ap_update_guest_apcb(m);
		apsim_mask_zero(&apids);
		apsim_mask_set(&apids, apid);
		apsim__vfio_ap_reset_queues_for_apids(m, &apids);
	} else if (apsim_mask_test(&v->info.apm, apid) && apsim_mask_test(&v->info.aqm, apqi)) {
		/* still in the host configuration: reset it (else ZAPQ fails with RC 01) */
		apsim__vfio_ap_reset_queue(v, q);
	}
	if (m)
		q->qtable = NULL;
	apsim_device_set_drvdata(dev, NULL);
	queue_list_del(v, q);
	free(q);
}

/* vfio_ap_mdev_resource_in_use (spec 6.10): the bus turns it into -EBUSY */
static int vfio_ap_in_use(struct apsim_driver *drv, const struct apsim_mask *apm,
			  const struct apsim_mask *aqm)
{
	struct apsim_vfio_ap *v = drv->priv;

	return apsim__vfio_ap_verify_no_sharing(v, NULL, apm, aqm);
}

/* spec 6.9 */
static ssize_t status_show(void *obj, char *buf, size_t len)
{
	struct apsim_device *dev = obj;
	struct apsim_vfio_ap *v = dev_to_vfio_ap(dev);
	struct vfio_ap_queue *q = apsim_device_get_drvdata(dev);
	struct vfio_ap_mdev *m;
	unsigned apid, apqi;

	if (!v || !q)
		return -ENODEV;
	apid = APSIM_QID_CARD(q->apqn);
	apqi = APSIM_QID_QUEUE(q->apqn);
	m = apsim__vfio_ap_mdev_for_apqn(v, q->apqn);
	if (!m)
		return snprintf(buf, len, "unassigned\n");
	if (m->kvm && apsim_mask_test(&m->shadow.apm, apid) && apsim_mask_test(&m->shadow.aqm, apqi))
		return snprintf(buf, len, "in use\n");
	return snprintf(buf, len, "assigned\n");
}

static const struct apsim_attr vfio_ap_queue_attrs[] = {
	APSIM_ATTR_RO(status),
	{ 0 },
};

/* vfio_ap_init (spec 6.1): matrix device, AP driver, mdev parent */
/* module/vfio_ap: no parameters; its three drivers, and root_device_register()'s 'module' link
 * of devices/vfio_ap (a root device registered by a module links to it) */
static int module_add(struct apsim_vfio_ap *v)
{
	int r;

	r = apsim__module_add(v->tree, "vfio_ap", false, &v->module);
	if (r == 0)
		r = apsim__module_add_driver(&v->module, "ap", v->drv.node);
	if (r == 0)
		r = apsim__module_add_driver(&v->module, "matrix", v->matrix_drv);
	if (r == 0)
		r = apsim__module_add_driver(&v->module, "mdev", v->mdev_drv);
	if (r == 0)
		r = apsim_tree_symlink(v->tree, v->root, "module", v->module.dir, NULL);
	return r;
}

int apsim__vfio_ap_new(struct apsim_bus *bus, enum apsim_policy policy, unsigned quirks,
		       struct apsim_vfio_ap **ret)
{
	struct apsim_vfio_ap *v;
	int r;

	APSIM_CHECK_ARG(bus && ret && (unsigned) policy < _APSIM_POLICY_MAX);
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->queues = calloc(VFIO_AP_NR_APQNS, sizeof(*v->queues));
	if (!v->queues) {
		r = -ENOMEM;
		goto out_free_v;
	}
	v->bus = bus;
	v->tree = apsim__bus_tree(bus);
	v->uevents = apsim__bus_uevents(bus);
	v->clock = apsim__bus_clock(bus);
	v->policy = policy;
	v->quirks = quirks;
	v->available_instances = VFIO_AP_MAX_INSTANCES;
	/*
	 * spec 6.1: the module's own PQAP(QCI) at load (MODEL: vfio_ap_drv.c calls ap_qci()
	 * itself when facility 12 is installed), so the raw block: a QCI whose flag bits are all
	 * zero, which the bus treats as "not supported" (spec 8 item 8), still gives vfio_ap its
	 * masks. Only without QCI does the copy stay all-zero. The instruction goes through the
	 * bus's ops table, the way the kernel's inline ap_qci() reaches the firmware.
	 */
	if (!bus->ops || !bus->ops->qci || bus->ops->qci(bus->ops_ctx, &v->info) < 0)
		memset(&v->info, 0, sizeof(v->info));

	r = apsim__vfio_core_init(v);
	if (r == 0)
		r = apsim__vfio_ap_mdev_tree_init(v);
	if (r < 0)
		goto out_free_queues;

	v->drv.name = VFIO_AP_DRV_NAME;
	v->drv.ids = apsim__bus_cex4_queue_ids; /* spec 5.4: queues only, cards go to cex4card */
	v->drv.flags = 0;
	v->drv.probe = vfio_ap_probe;
	v->drv.remove = vfio_ap_remove;
	v->drv.in_use = vfio_ap_in_use;
	if (policy != APSIM_POLICY_LEGACY) {
		/* legacy: the driver as before v6.0 registered, without the two callbacks */
		v->drv.on_config_changed = apsim__vfio_ap_on_config_changed;
		v->drv.on_scan_complete = apsim__vfio_ap_on_scan_complete;
	}
	v->drv.dev_attrs = vfio_ap_queue_attrs;
	v->drv.priv = v;
	r = apsim_bus_driver_register(bus, &v->drv);
	if (r < 0)
		goto out_tree;
	v->drv_registered = true;

	r = apsim__vfio_ap_mdev_register(v);
	if (r == 0)
		r = module_add(v);
	if (r < 0)
		goto out_unregister;
	*ret = v;
	return 0;

out_unregister:
	apsim_bus_driver_unregister(&v->drv);
out_tree:
	apsim__module_remove(&v->module);
	apsim__vfio_ap_mdev_tree_done(v);
out_free_queues:
	apsim__vfio_core_done(v);
	free(v->queues);
out_free_v:
	free(v);
	return r;
}

void apsim__vfio_ap_free(struct apsim_vfio_ap *v)
{
	if (!v)
		return;
	/* Teardown never touches guests (they may be gone): detach silently first, so that
	 * the removes of the unregistration below update nobody. */
	for (struct vfio_ap_mdev *m = v->mdevs; m; m = m->next)
		m->kvm = NULL;
	if (v->drv_registered)
		apsim_bus_driver_unregister(&v->drv);
	apsim__vfio_ap_mdevs_free_all(v);
	apsim__module_remove(&v->module);
	apsim__vfio_ap_mdev_tree_done(v);
	apsim__vfio_core_done(v);
	while (v->queues_list) {
		struct vfio_ap_queue *q = v->queues_list;

		v->queues_list = q->next;
		free(q);
	}
	free(v->queues);
	free(v);
}
