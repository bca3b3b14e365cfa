/* SPDX-License-Identifier: MIT */
/*
 * mdev.c - the matrix device and the mediated devices (spec 6.1 - 6.4, 6.6, 6.13): their tree,
 * create and remove, guests opening them, the VFIO ioctls, listing and restoring for the state
 * file. The assignment attributes of spec 6.3/6.4 are in mdev-attrs.c (below this file):
 *
 *   devices/vfio_ap/matrix                     features, uevent, subsystem, driver
 *     mdev_supported_types/vfio_ap-passthrough create, device_api, name, available_instances,
 *                                              devices/<uuid> links
 *     <uuid>/                                  the attributes of spec 6.3/6.4, remove, uevent,
 *                                              mdev_type, subsystem, driver links
 *   bus/matrix/{devices/matrix, drivers/vfio_ap}
 *   bus/mdev/{devices/<uuid>, drivers/vfio_ap_mdev/<uuid>}
 *   class/mdev_bus/matrix -> ../../devices/vfio_ap/matrix
 *
 * plus the mdev core's uevents (drivers/vfio/mdev): "add" and "bind" (DRIVER=vfio_ap_mdev) on
 * create, "unbind" and "remove" on remove; the matrix device's "add", "bind" (DRIVER=vfio_ap)
 * and the parent registration "change" with MDEV_STATE=registered.
 *
 * Calls down into mdev-attrs.c, hotplug.c, vfio-core.c and matrix.c; only driver.c calls it.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apsim/clock.h"
#include "apsim/uevent.h"
#include "bus/bus-internal.h"
#include "kvm/guest-internal.h"
#include "base/kstrto-internal.h"
#include "base/macro-internal.h"
#include "vfio_ap/vfio_ap-internal.h"
#include "vfio_ap/vfio_ap-private.h"
#include "sysfs/uevent-synth-internal.h"

/* The driver core's 'uevent' file: show lists the device's variables, a write synthesizes an
 * event (kobject_synth_uevent, lib/sysfs/uevent-synth.c). */
static ssize_t synth_uevent(struct apsim_vfio_ap *v, struct apsim_node *node, const char *subsystem,
			    const char *const *dev_vars, const char *buf, size_t len)
{
	struct apsim_uevent_synth synth;
	int r = apsim__uevent_synth_parse(buf, len, &synth);

	if (r < 0)
		return r;
	if (synth.action != _APSIM_UEVENT_MAX)
		apsim__vfio_ap_uevent(v, node, synth.action, subsystem, synth.env, dev_vars);
	return (ssize_t) len;
}

/* --- the matrix device (spec 6.1) --- */

static const char *const matrix_vars[] = { "DRIVER=" VFIO_AP_DRV_NAME, NULL };

static ssize_t matrix_uevent_show(void *obj, char *buf, size_t len)
{
	return snprintf(buf, len, "DRIVER=%s\n", VFIO_AP_DRV_NAME);
}

static ssize_t matrix_uevent_store(void *obj, const char *buf, size_t len)
{
	struct apsim_vfio_ap *v = obj;

	return synth_uevent(v, v->matrix_node, "matrix", matrix_vars, buf, len);
}

static const struct apsim_attr matrix_uevent_attrs[] = {
	{ .name = "uevent", .mode = 0644, .show = matrix_uevent_show, .store = matrix_uevent_store },
	{ 0 },
};

/* newest (DRVN): the code prints "hotplug", the documentation says "dyn" */
static ssize_t features_show(void *obj, char *buf, size_t len)
{
	return snprintf(buf, len, "guest_matrix hotplug ap_config\n");
}

static const struct apsim_attr matrix_attrs[] = {
	APSIM_ATTR_RO(features),
	{ 0 },
};

/* --- the mdev type (drivers/vfio/mdev/mdev_sysfs.c) --- */

/* MODEL: mdev_sysfs.c create_store(): 36 or 37 bytes (the UUID and one more character, usually
 * "\n"), else -EINVAL before any parsing */
static ssize_t create_store(void *obj, const char *buf, size_t len)
{
	int r;

	if (len < UUID_STRLEN || len > UUID_STRLEN + 1)
		return -EINVAL;
	r = apsim__vfio_ap_mdev_create(obj, buf);
	return r < 0 ? r : (ssize_t) len;
}

static ssize_t device_api_show(void *obj, char *buf, size_t len)
{
	return snprintf(buf, len, "%s\n", VFIO_AP_DEVICE_API);
}

static ssize_t name_show(void *obj, char *buf, size_t len)
{
	return snprintf(buf, len, "%s\n", VFIO_AP_MDEV_TYPE_NAME);
}

static ssize_t available_instances_show(void *obj, char *buf, size_t len)
{
	struct apsim_vfio_ap *v = obj;

	return snprintf(buf, len, "%lu\n", v->available_instances);
}

static const struct apsim_attr type_attrs[] = {
	APSIM_ATTR_WO(create),
	APSIM_ATTR_RO(device_api),
	APSIM_ATTR_RO(name),
	APSIM_ATTR_RO(available_instances),
	{ 0 },
};

/* devices/vfio_ap/uevent: a root device has no bus or class, so the file is empty and a write
 * sends nothing (dev_uevent_filter drops the event) */
static ssize_t root_uevent_show(void *obj, char *buf, size_t len)
{
	(void) obj;
	(void) buf;
	(void) len;
	return 0;
}

static ssize_t root_uevent_store(void *obj, const char *buf, size_t len)
{
	struct apsim_uevent_synth synth;
	int r = apsim__uevent_synth_parse(buf, len, &synth);

	(void) obj;
	return r < 0 ? r : (ssize_t) len;
}

static const struct apsim_attr root_attrs[] = {
	{ .name = "uevent", .mode = 0644, .show = root_uevent_show, .store = root_uevent_store },
	{ 0 },
};

int apsim__vfio_ap_mdev_tree_init(struct apsim_vfio_ap *v)
{
	struct apsim_tree *t = v->tree;
	struct apsim_node *matrix_devices;
	int r;

	/* root_device_register("vfio_ap"): no bus, no class, so no uevent */
	r = apsim_tree_mkdir_p(t, "devices/vfio_ap", &v->root);
	if (r < 0)
		return r;
	r = apsim_tree_add_group(t, v->root, root_attrs, v);
	if (r < 0)
		goto out_remove;
	r = apsim_tree_mkdir_p(t, "bus/matrix/devices", &matrix_devices);
	if (r < 0)
		goto out_remove;
	v->matrix_bus = apsim_node_parent(matrix_devices);
	r = apsim_tree_mkdir_p(t, "bus/matrix/drivers", NULL);
	if (r < 0)
		goto out_remove;

	/* device_register(matrix) */
	r = apsim_tree_mkdir(t, v->root, "matrix", &v->matrix_node);
	if (r < 0)
		goto out_remove;
	r = apsim_tree_symlink(t, v->matrix_node, "subsystem", v->matrix_bus, NULL);
	if (r < 0)
		goto out_remove;
	r = apsim_tree_add_group(t, v->matrix_node, matrix_uevent_attrs, v);
	if (r < 0)
		goto out_remove;
	r = apsim_tree_symlink(t, matrix_devices, "matrix", v->matrix_node, NULL);
	if (r < 0)
		goto out_remove;
	apsim__vfio_ap_uevent(v, v->matrix_node, APSIM_UEVENT_ADD, "matrix", NULL, NULL);

	/* driver_register(matrix_driver "vfio_ap", suppress_bind_attrs): binds the matrix */
	r = apsim_tree_mkdir_p(t, "bus/matrix/drivers/" VFIO_AP_DRV_NAME, &v->matrix_drv);
	if (r < 0)
		goto out_remove;
	r = apsim_tree_add_group(t, v->matrix_node, matrix_attrs, v);
	if (r < 0)
		goto out_remove;
	r = apsim_tree_symlink(t, v->matrix_drv, "matrix", v->matrix_node, NULL);
	if (r < 0)
		goto out_remove;
	r = apsim_tree_symlink(t, v->matrix_node, "driver", v->matrix_drv, NULL);
	if (r < 0)
		goto out_remove;
	apsim__vfio_ap_uevent(v, v->matrix_node, APSIM_UEVENT_BIND, "matrix", NULL, matrix_vars);
	return 0;

out_remove:
	apsim__vfio_ap_mdev_tree_done(v);
	return r;
}

/* mdev_register_driver + mdev_register_parent */
int apsim__vfio_ap_mdev_register(struct apsim_vfio_ap *v)
{
	static const char *const registered[] = { "MDEV_STATE=registered", NULL };
	struct apsim_tree *t = v->tree;
	struct apsim_node *types;
	int r;

	r = apsim_tree_mkdir_p(t, "bus/mdev/devices", &v->mdev_bus_devices);
	if (r < 0)
		return r;
	v->mdev_bus = apsim_node_parent(v->mdev_bus_devices);
	r = apsim_tree_mkdir_p(t, "bus/mdev/drivers/" VFIO_AP_MDEV_DRV_NAME, &v->mdev_drv);
	if (r < 0)
		return r;
	r = apsim_tree_mkdir(t, v->matrix_node, "mdev_supported_types", &types);
	if (r < 0)
		return r;
	r = apsim_tree_mkdir(t, types, VFIO_AP_MDEV_TYPE, &v->type_node);
	if (r < 0)
		return r;
	r = apsim_tree_add_group(t, v->type_node, type_attrs, v);
	if (r < 0)
		return r;
	r = apsim_tree_mkdir(t, v->type_node, "devices", &v->type_devices);
	if (r < 0)
		return r;
	r = apsim_tree_mkdir_p(t, "class/mdev_bus", &v->class_mdev_bus);
	if (r < 0)
		return r;
	r = apsim_tree_symlink(t, v->class_mdev_bus, "matrix", v->matrix_node, NULL);
	if (r < 0)
		return r;
	apsim__vfio_ap_uevent(v, v->matrix_node, APSIM_UEVENT_CHANGE, "matrix", registered, matrix_vars);
	return 0;
}

void apsim__vfio_ap_mdev_tree_done(struct apsim_vfio_ap *v)
{
	struct apsim_tree *t = v->tree;

	if (!t)
		return;
	if (v->class_mdev_bus) {
		apsim_tree_remove(t, v->class_mdev_bus);
		v->class_mdev_bus = NULL;
	}
	if (v->mdev_bus) {
		apsim_tree_remove(t, v->mdev_bus);
		v->mdev_bus = NULL;
	}
	if (v->matrix_bus) {
		apsim_tree_remove(t, v->matrix_bus);
		v->matrix_bus = NULL;
	}
	if (v->root) {
		apsim_tree_remove(t, v->root);
		v->root = NULL;
	}
	v->mdev_bus_devices = v->mdev_drv = v->matrix_drv = NULL;
	v->matrix_node = v->type_node = v->type_devices = NULL;
}

/* the mdev core's 'remove' (mdev_sysfs.c remove_store) */
static ssize_t remove_store(void *obj, const char *buf, size_t len)
{
	struct vfio_ap_mdev *m = obj;
	unsigned long val;
	int r;

	if (apsim__kstrtoul(buf, 0, &val) < 0)
		return -EINVAL;
	if (!val)
		return (ssize_t) len;
	r = apsim__vfio_ap_mdev_remove(m->v, m->uuid);
	return r < 0 ? r : (ssize_t) len;
}

static const struct apsim_attr mdev_core_attrs[] = {
	APSIM_ATTR_WO(remove),
	{ 0 },
};

static const char *const mdev_vars[] = { "DRIVER=" VFIO_AP_MDEV_DRV_NAME, NULL };

static ssize_t mdev_uevent_show(void *obj, char *buf, size_t len)
{
	return snprintf(buf, len, "DRIVER=%s\n", VFIO_AP_MDEV_DRV_NAME);
}

static ssize_t mdev_uevent_store(void *obj, const char *buf, size_t len)
{
	struct vfio_ap_mdev *m = obj;

	return synth_uevent(m->v, m->node, "mdev", mdev_vars, buf, len);
}

static const struct apsim_attr mdev_uevent_attrs[] = {
	{ .name = "uevent", .mode = 0644, .show = mdev_uevent_show, .store = mdev_uevent_store },
	{ 0 },
};

/* --- create / remove --- */

/* uuid_is_valid on the first 36 characters (guid_parse); create_store has already limited the
 * write to 37 bytes. The device name is the lowercase form ("%pUl"). */
static int uuid_parse(const char *s, char ret[UUID_STRLEN + 1])
{
	for (unsigned i = 0; i < UUID_STRLEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -EINVAL;
		} else if (!isxdigit((unsigned char) s[i])) {
			return -EINVAL;
		}
	}
	for (unsigned i = 0; i < UUID_STRLEN; i++)
		ret[i] = (char) tolower((unsigned char) s[i]);
	ret[UUID_STRLEN] = '\0';
	return 0;
}

static void mdev_list_del(struct apsim_vfio_ap *v, struct vfio_ap_mdev *m)
{
	for (struct vfio_ap_mdev **p = &v->mdevs; *p; p = &(*p)->next) {
		if (*p == m) {
			*p = m->next;
			return;
		}
	}
}

/* Forget every pointer a queue still holds to m (the kernel leaves stale back-links). */
static void queues_forget_mdev(struct apsim_vfio_ap *v, struct vfio_ap_mdev *m)
{
	for (struct vfio_ap_queue *q = v->queues_list; q; q = q->next) {
		if (q->matrix_mdev == m)
			q->matrix_mdev = NULL;
		if (q->qtable == m)
			q->qtable = NULL;
	}
}

static void mdev_remove_links(struct apsim_vfio_ap *v, const char *uuid)
{
	if (v->type_devices)
		apsim_tree_remove_child(v->tree, v->type_devices, uuid);
	if (v->mdev_drv)
		apsim_tree_remove_child(v->tree, v->mdev_drv, uuid);
	if (v->mdev_bus_devices)
		apsim_tree_remove_child(v->tree, v->mdev_bus_devices, uuid);
}

int apsim__vfio_ap_mdev_create(struct apsim_vfio_ap *v, const char *str)
{
	struct apsim_tree *t;
	struct vfio_ap_mdev *m;
	char uuid[UUID_STRLEN + 1];
	int r;

	APSIM_CHECK_ARG(v && str);
	t = v->tree;
	r = uuid_parse(str, uuid);
	if (r < 0)
		return r;
	if (apsim__vfio_ap_find_mdev(v, uuid))
		return -EEXIST;
	if (!v->available_instances)
		return -EUSERS;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->v = v;
	m->req_trigger.fd = -1;
	m->cfg_chg_trigger.fd = -1;
	memcpy(m->uuid, uuid, sizeof(uuid));

	/* device_add */
	r = apsim_tree_mkdir(t, v->matrix_node, uuid, &m->node);
	if (r < 0)
		goto out_free;
	r = apsim_tree_symlink(t, m->node, "subsystem", v->mdev_bus, NULL);
	if (r < 0)
		goto out_remove;
	r = apsim_tree_add_group(t, m->node, mdev_uevent_attrs, m);
	if (r < 0)
		goto out_remove;
	r = apsim_tree_symlink(t, v->mdev_bus_devices, uuid, m->node, NULL);
	if (r < 0)
		goto out_remove;
	v->available_instances--;
	apsim__vfio_ap_uevent(v, m->node, APSIM_UEVENT_ADD, "mdev", NULL, NULL);

	/* device_driver_attach(vfio_ap_mdev): vfio_ap_mdev_probe + init_dev, which registers the
	 * vfio device (vfio-core.c) before the driver core's "bind" */
	apsim__vfio_ap_matrix_init(&v->info, &m->matrix);
	apsim__vfio_ap_matrix_init(&v->info, &m->shadow);
	r = apsim__vfio_core_register(v, m);
	if (r < 0)
		goto out_remove_uevent;
	r = apsim_tree_add_group(t, m->node, apsim__vfio_ap_mdev_attrs, m);
	if (r < 0)
		goto out_unregister_vfio;
	r = apsim_tree_symlink(t, v->mdev_drv, uuid, m->node, NULL);
	if (r < 0)
		goto out_unregister_vfio;
	r = apsim_tree_symlink(t, m->node, "driver", v->mdev_drv, NULL);
	if (r < 0)
		goto out_unregister_vfio;
	m->next = v->mdevs;     /* list_add: newest first */
	v->mdevs = m;
	apsim__vfio_ap_uevent(v, m->node, APSIM_UEVENT_BIND, "mdev", NULL, mdev_vars);

	/* mdev_create_sysfs_files */
	r = apsim_tree_symlink(t, v->type_devices, uuid, m->node, NULL);
	if (r == 0)
		r = apsim_tree_symlink(t, m->node, "mdev_type", v->type_node, NULL);
	if (r == 0)
		r = apsim_tree_add_group(t, m->node, mdev_core_attrs, m);
	if (r < 0) {
		mdev_list_del(v, m);
		apsim__vfio_core_unregister(v, m, true);
		apsim__vfio_ap_uevent(v, m->node, APSIM_UEVENT_UNBIND, "mdev", NULL, NULL);
		goto out_remove_uevent;
	}
	apsim_dbg("vfio_ap: mdev %s created", uuid);
	return 0;

out_unregister_vfio:
	apsim__vfio_core_unregister(v, m, true);
out_remove_uevent:
	apsim__vfio_ap_uevent(v, m->node, APSIM_UEVENT_REMOVE, "mdev", NULL, NULL);
	v->available_instances++;
out_remove:
	mdev_remove_links(v, uuid);
	apsim_tree_remove(t, m->node);
out_free:
	free(m);
	return r;
}

/* Tear one mdev down (vfio_ap_mdev_remove + device_del), no checks. */
static void mdev_destroy(struct apsim_vfio_ap *v, struct vfio_ap_mdev *m, bool events)
{
	struct apsim_tree *t = v->tree;

	/* mdev_remove_sysfs_files */
	if (v->type_devices)
		apsim_tree_remove_child(t, v->type_devices, m->uuid);
	if (m->node) {
		apsim_tree_remove_child(t, m->node, "mdev_type");
		apsim_tree_remove_group(t, m->node, mdev_core_attrs);
	}

	/* unbind: vfio_ap_mdev_remove unregisters the vfio device first, then resets and
	 * unlinks the queues, list_del */
	if (m->node)
		apsim__vfio_core_unregister(v, m, events);
	(void) apsim__vfio_ap_reset_mdev_queues(m);
	for (int apid = apsim_mask_next(&m->matrix.apm, 0); apid >= 0;
	     apid = apsim_mask_next(&m->matrix.apm, (unsigned) apid + 1)) {
		for (int apqi = apsim_mask_next(&m->matrix.aqm, 0); apqi >= 0;
		     apqi = apsim_mask_next(&m->matrix.aqm, (unsigned) apqi + 1)) {
			struct vfio_ap_queue *q = apsim__vfio_ap_mdev_get_queue(m, APSIM_QID(apid, apqi));

			if (q)
				q->matrix_mdev = NULL;
		}
	}
	mdev_list_del(v, m);
	queues_forget_mdev(v, m);
	if (m->node) {
		apsim_tree_remove_group(t, m->node, apsim__vfio_ap_mdev_attrs);
		apsim_tree_remove_child(t, m->node, "driver");
	}
	if (v->mdev_drv)
		apsim_tree_remove_child(t, v->mdev_drv, m->uuid);
	if (events && m->node)
		apsim__vfio_ap_uevent(v, m->node, APSIM_UEVENT_UNBIND, "mdev", NULL, NULL);

	/* device_del */
	if (v->mdev_bus_devices)
		apsim_tree_remove_child(t, v->mdev_bus_devices, m->uuid);
	if (events && m->node)
		apsim__vfio_ap_uevent(v, m->node, APSIM_UEVENT_REMOVE, "mdev", NULL, NULL);
	if (m->node)
		apsim_tree_remove(t, m->node);
	v->available_instances++;
	free(m);
}

/*
 * Writing 1 to remove while a guest uses the mdev: the real vfio core blocks the write (it
 * calls the driver's request callback, which clears the guest's APCB and signals the
 * request eventfd, then waits until the user - QEMU - releases the device). A simulator
 * cannot block a write on a guest that is only a data structure, so the write fails with
 * -EBUSY; only the request callback's signals are modelled (config-change eventfd to the
 * guest and the mdev's trigger, request eventfd if registered), the APCB is left alone:
 * stop the guest first.
 */
int apsim__vfio_ap_mdev_remove(struct apsim_vfio_ap *v, const char *uuid)
{
	struct vfio_ap_mdev *m;

	APSIM_CHECK_ARG(v && uuid);
	m = apsim__vfio_ap_find_mdev(v, uuid);
	if (!m)
		return -ENODEV;
	if (m->kvm) {
		/* vfio_ap_mdev_request (spec 6.13): config-change eventfd and request eventfd */
		apsim__vfio_ap_signal_cfg_chg(m);
		if (m->req_trigger.registered)
			m->req_trigger.signals++;
		return -EBUSY;
	}
	mdev_destroy(v, m, true);
	apsim_dbg("vfio_ap: mdev %s removed", uuid);
	return 0;
}

void apsim__vfio_ap_mdevs_free_all(struct apsim_vfio_ap *v)
{
	while (v->mdevs) {
		v->mdevs->kvm = NULL;
		mdev_destroy(v, v->mdevs, false);
	}
}

/* --- guests (spec 6.6) --- */

int apsim__vfio_ap_open_device(struct apsim_vfio_ap *v, const char *uuid, struct apsim_guest *g)
{
	struct vfio_ap_mdev *m;

	APSIM_CHECK_ARG(v && uuid && g);
	m = apsim__vfio_ap_find_mdev(v, uuid);
	if (!m)
		return -ENODEV;
	if (m->kvm)
		return -EPERM;
	for (struct vfio_ap_mdev *o = v->mdevs; o; o = o->next)
		if (o->kvm == g)
			return -EPERM;
	m->kvm = g;
	snprintf(g->mdev, sizeof(g->mdev), "%s", m->uuid);
	/* no re-filtering at attach: the current shadow is pushed as it is (one update) */
	apsim__vfio_ap_update_guest_apcb(m);
	return 0;
}

void apsim__vfio_ap_close_device(struct apsim_vfio_ap *v, struct apsim_guest *g)
{
	if (!v || !g)
		return;
	for (struct vfio_ap_mdev *m = v->mdevs; m; m = m->next) {
		if (m->kvm != g)
			continue;
		apsim__guest_clear_masks(g);
		(void) apsim__vfio_ap_reset_mdev_queues(m);
		m->kvm = NULL;
		g->mdev[0] = '\0';
		return;
	}
}

/* --- VFIO ioctls (spec 6.13) --- */

int apsim__vfio_ap_ioctl_get_info(struct apsim_vfio_ap *v, const char *uuid, unsigned *ret_flags,
				  unsigned *ret_num_regions, unsigned *ret_num_irqs)
{
	APSIM_CHECK_ARG(v && uuid && ret_flags && ret_num_regions && ret_num_irqs);
	if (!apsim__vfio_ap_find_mdev(v, uuid))
		return -ENODEV;
	*ret_flags = APSIM_VFIO_DEVICE_FLAGS_AP | APSIM_VFIO_DEVICE_FLAGS_RESET;
	*ret_num_regions = 0;
	*ret_num_irqs = APSIM_VFIO_AP_NUM_IRQS;
	return 0;
}

int apsim__vfio_ap_ioctl_get_irq_info(struct apsim_vfio_ap *v, const char *uuid, long index,
				      unsigned *ret_count, unsigned *ret_flags)
{
	APSIM_CHECK_ARG(v && uuid && ret_count && ret_flags);
	if (!apsim__vfio_ap_find_mdev(v, uuid))
		return -ENODEV;
	if (index != APSIM_VFIO_AP_REQ_IRQ_INDEX && index != APSIM_VFIO_AP_CFG_CHG_IRQ_INDEX)
		return -EINVAL;
	*ret_count = 1;
	*ret_flags = APSIM_VFIO_IRQ_INFO_EVENTFD;
	return 0;
}

int apsim__vfio_ap_ioctl_set_irqs(struct apsim_vfio_ap *v, const char *uuid, long index, long fd)
{
	struct vfio_ap_trigger *t;
	struct vfio_ap_mdev *m;

	APSIM_CHECK_ARG(v && uuid);
	m = apsim__vfio_ap_find_mdev(v, uuid);
	if (!m)
		return -ENODEV;
	if (index == APSIM_VFIO_AP_REQ_IRQ_INDEX)
		t = &m->req_trigger;
	else if (index == APSIM_VFIO_AP_CFG_CHG_IRQ_INDEX)
		t = &m->cfg_chg_trigger;
	else
		return -EINVAL;
	if (fd < -1 || fd > INT_MAX)
		return -EINVAL;
	/* a replaced or released eventfd is dropped; the count is of the mdev's index */
	t->registered = fd >= 0;
	t->fd = (int) fd;
	return 0;
}

int apsim__vfio_ap_ioctl_reset(struct apsim_vfio_ap *v, const char *uuid)
{
	struct vfio_ap_mdev *m;

	APSIM_CHECK_ARG(v && uuid);
	m = apsim__vfio_ap_find_mdev(v, uuid);
	if (!m)
		return -ENODEV;
	return apsim__vfio_ap_reset_mdev_queues(m);
}

int apsim__vfio_ap_ioctl_other(struct apsim_vfio_ap *v, const char *uuid)
{
	APSIM_CHECK_ARG(v && uuid);
	if (!apsim__vfio_ap_find_mdev(v, uuid))
		return -ENODEV;
	return -EOPNOTSUPP;
}

int apsim__vfio_ap_get_triggers(struct apsim_vfio_ap *v, const char *uuid,
				struct apsim_vfio_ap_triggers *ret)
{
	struct vfio_ap_mdev *m;

	APSIM_CHECK_ARG(v && uuid && ret);
	m = apsim__vfio_ap_find_mdev(v, uuid);
	if (!m)
		return -ENODEV;
	ret->req_registered = m->req_trigger.registered;
	ret->req_signals = m->req_trigger.signals;
	ret->cfg_chg_registered = m->cfg_chg_trigger.registered;
	ret->cfg_chg_signals = m->cfg_chg_trigger.signals;
	return 0;
}

/* --- iteration, persistence --- */

int apsim__vfio_ap_for_each_mdev(struct apsim_vfio_ap *v, int (*fn)(const char *uuid, void *ctx),
				 void *ctx)
{
	APSIM_CHECK_ARG(v && fn);
	for (struct vfio_ap_mdev *m = v->mdevs, *next; m; m = next) {
		int r;

		next = m->next;
		r = fn(m->uuid, ctx);
		if (r)
			return r;
	}
	return 0;
}

size_t apsim__vfio_ap_list_mdevs(struct apsim_vfio_ap *v, struct apsim_mdev_record *out, size_t max)
{
	size_t n = 0;

	if (!v)
		return 0;
	for (struct vfio_ap_mdev *m = v->mdevs; m; m = m->next, n++) {
		if (n >= max || !out)
			continue;
		memcpy(out[n].uuid, m->uuid, sizeof(out[n].uuid));
		out[n].apm = m->matrix.apm;
		out[n].aqm = m->matrix.aqm;
		out[n].adm = m->matrix.adm;
	}
	return n;
}

int apsim__vfio_ap_restore_mdev(struct apsim_vfio_ap *v, const struct apsim_mdev_record *rec)
{
	struct vfio_ap_mdev *m;
	int r;

	APSIM_CHECK_ARG(v && rec);
	r = apsim__vfio_ap_mdev_create(v, rec->uuid);
	if (r < 0)
		return r;
	/* the newest is at the head: move it to the tail, so that restoring the records of
	 * apsim__vfio_ap_list_mdevs in their order gives the same list order back */
	m = v->mdevs;
	if (m->next) {
		struct vfio_ap_mdev **tail = &m->next;

		v->mdevs = m->next;
		while (*tail)
			tail = &(*tail)->next;
		*tail = m;
		m->next = NULL;
	}
	r = apsim__vfio_ap_mdev_set_config(m, &rec->apm, &rec->aqm, &rec->adm);
	if (r < 0)
		(void) apsim__vfio_ap_mdev_remove(v, m->uuid);
	return r;
}
