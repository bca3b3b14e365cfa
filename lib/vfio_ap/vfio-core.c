/* SPDX-License-Identifier: MIT */
/*
 * vfio-core.c - what the VFIO and IOMMU cores give an mdev when vfio_ap_mdev_probe registers it
 * with vfio_register_emulated_iommu_dev() (drivers/vfio/group.c vfio_noiommu_group_alloc,
 * vfio_main.c vfio_device_add, drivers/iommu/iommu.c iommu_group_alloc/add_device):
 *
 *   kernel/iommu_groups/N/{devices/<uuid>@, name, reserved_regions, type}
 *   devices/vfio_ap/matrix/<uuid>/iommu_group -> ../../../../kernel/iommu_groups/N
 *   devices/virtual/vfio/N/{dev, uevent, subsystem@}      the group's /dev/vfio/N
 *   class/vfio/N -> ../../devices/virtual/vfio/N
 *   devices/vfio_ap/matrix/<uuid>/vfio-dev/vfioM/{uevent, subsystem@, device@}
 *   class/vfio-dev/vfioM -> ../../devices/vfio_ap/matrix/<uuid>/vfio-dev/vfioM
 *   devices/virtual/misc/vfio/{dev, uevent, subsystem@}, class/misc/vfio   the VFIO
 *       container /dev/vfio/vfio (vfio_main.c vfio_init: misc_register of VFIO_MINOR 196,
 *       nodename "vfio/vfio", mode 0666), there while the module is loaded
 *
 * N (iommu group), the group's minor and M (vfio device index) are each the lowest free id
 * of their own ida, as the kernel allocates them; the group's device is named after N.
 * Registration sends "add" for devices/virtual/vfio/N, then "add" for vfio-dev/vfioM (the
 * iommu group is a plain kobject: no uevent); unregistration "remove" in the reverse order.
 * All of this happens inside the mdev's probe, so between the mdev's "add" and "bind".
 *
 * libvirt's udev backend drops an mdev without iommu_group, and reads N from the link
 * (virMediatedDeviceGetIOMMUGroupNum), so this is what makes mdevs visible to libvirt.
 * libvirt's start of a guest with an mdev hostdev opens /dev/vfio/vfio first.
 * Not modelled: vfio-dev character devices (CONFIG_VFIO_DEVICE_CDEV), power/ directories.
 */
#include <errno.h>
#include <stdio.h>

#include "vfio_ap/vfio_ap-private.h"
#include "sysfs/uevent-synth-internal.h"

/* alloc_chrdev_region(&vfio.group_devt, 0, MINORMASK + 1, "vfio"): dynamic, this is ours */
#define VFIO_GROUP_MAJOR 241u

/* --- kernel/iommu_groups/N (iommu.c iommu_group_attr_*) --- */

static ssize_t name_show(void *obj, char *buf, size_t len)
{
	(void) obj;
	return snprintf(buf, len, "vfio-noiommu\n");
}

/* no reserved region on an emulated IOMMU: an empty read */
static ssize_t reserved_regions_show(void *obj, char *buf, size_t len)
{
	(void) obj;
	(void) buf;
	(void) len;
	return 0;
}

/* iommu_group_show_type: "unknown" without a default domain */
static ssize_t type_show(void *obj, char *buf, size_t len)
{
	(void) obj;
	return snprintf(buf, len, "unknown\n");
}

static const struct apsim_attr group_attrs[] = {
	APSIM_ATTR_RO(name),
	APSIM_ATTR_RO(reserved_regions),
	APSIM_ATTR_RO(type),
	{ 0 },
};

/* --- devices/virtual/vfio/N (the vfio group's character device) --- */

static ssize_t group_dev_show(void *obj, char *buf, size_t len)
{
	const struct vfio_ap_mdev *m = obj;

	return snprintf(buf, len, "%u:%d\n", VFIO_GROUP_MAJOR, m->vfio.group_minor);
}

static ssize_t group_uevent_show(void *obj, char *buf, size_t len)
{
	const struct vfio_ap_mdev *m = obj;

	return snprintf(buf, len, "MAJOR=%u\nMINOR=%d\nDEVNAME=vfio/%d\n", VFIO_GROUP_MAJOR,
			m->vfio.group_minor, m->vfio.iommu_group);
}

static const struct apsim_attr group_dev_attrs[] = {
	{ .name = "dev", .mode = 0444, .show = group_dev_show },
	{ .name = "uevent", .mode = 0644, .show = group_uevent_show },
	{ 0 },
};

/* --- devices/virtual/misc/vfio: the VFIO container --- */

#define MISC_MAJOR 10
#define VFIO_MINOR 196

static const char *const container_vars[] = { "MAJOR=10", "MINOR=196", "DEVNAME=vfio/vfio",
					       "DEVMODE=0666", NULL };

static ssize_t container_dev_show(void *obj, char *buf, size_t len)
{
	(void) obj;
	return snprintf(buf, len, "%u:%u\n", MISC_MAJOR, VFIO_MINOR);
}

static ssize_t container_uevent_show(void *obj, char *buf, size_t len)
{
	size_t n = 0;

	(void) obj;
	for (const char *const *v = container_vars; *v && n < len; v++)
		n += (size_t) snprintf(buf + n, len - n, "%s\n", *v);
	return n < len ? (ssize_t) n : (ssize_t) len - 1;
}

static ssize_t container_uevent_store(void *obj, const char *buf, size_t len)
{
	struct apsim_vfio_ap *v = obj;
	struct apsim_uevent_synth synth;
	int r = apsim__uevent_synth_parse(buf, len, &synth);

	if (r < 0)
		return r;
	if (synth.action != _APSIM_UEVENT_MAX)
		apsim__vfio_ap_uevent(v, v->vfio_misc, synth.action, "misc", synth.env, container_vars);
	return (ssize_t) len;
}

static const struct apsim_attr container_attrs[] = {
	{ .name = "dev", .mode = 0444, .show = container_dev_show },
	{ .name = "uevent", .mode = 0644, .show = container_uevent_show,
	  .store = container_uevent_store },
	{ 0 },
};

static int container_add(struct apsim_vfio_ap *v)
{
	struct apsim_tree *t = v->tree;
	struct apsim_node *glue;
	int r;

	r = apsim_tree_mkdir_p(t, "class/misc", &v->class_misc);
	if (r == 0)
		r = apsim_tree_mkdir_p(t, "devices/virtual/misc", &glue);
	if (r == 0)
		r = apsim_tree_mkdir(t, glue, "vfio", &v->vfio_misc);
	if (r < 0)
		return r;
	r = apsim_tree_symlink(t, v->vfio_misc, "subsystem", v->class_misc, NULL);
	if (r == 0)
		r = apsim_tree_add_group(t, v->vfio_misc, container_attrs, v);
	if (r == 0)
		r = apsim_tree_symlink(t, v->class_misc, "vfio", v->vfio_misc, NULL);
	return r;
}

/* --- <mdev>/vfio-dev/vfioM: no devt, so an empty uevent file --- */

static ssize_t vfio_dev_uevent_show(void *obj, char *buf, size_t len)
{
	(void) obj;
	(void) buf;
	(void) len;
	return 0;
}

static const struct apsim_attr vfio_dev_attrs[] = {
	{ .name = "uevent", .mode = 0644, .show = vfio_dev_uevent_show },
	{ 0 },
};

int apsim__vfio_core_init(struct apsim_vfio_ap *v)
{
	struct apsim_tree *t = v->tree;
	int r;

	r = apsim_tree_mkdir_p(t, "kernel/iommu_groups", &v->iommu_groups);
	if (r == 0)
		r = apsim_tree_mkdir_p(t, "devices/virtual", &v->virtual_dir);
	if (r == 0)
		r = apsim_tree_mkdir_p(t, "class/vfio", &v->class_vfio);
	if (r == 0)
		r = apsim_tree_mkdir_p(t, "class/vfio-dev", &v->class_vfio_dev);
	if (r == 0)
		r = container_add(v);
	return r;
}

void apsim__vfio_core_done(struct apsim_vfio_ap *v)
{
	/* kernel/iommu_groups, devices/virtual and class/misc stay: other code may share them */
	if (v->class_misc)
		apsim_tree_remove_child(v->tree, v->class_misc, "vfio");
	if (v->vfio_misc)
		apsim_tree_remove(v->tree, v->vfio_misc);
	v->vfio_misc = v->class_misc = NULL;
	if (v->class_vfio_dev)
		apsim_tree_remove(v->tree, v->class_vfio_dev);
	if (v->class_vfio)
		apsim_tree_remove(v->tree, v->class_vfio);
	if (v->vfio_glue)
		apsim_tree_remove(v->tree, v->vfio_glue);
	v->class_vfio_dev = v->class_vfio = v->vfio_glue = NULL;
	apsim__ida_destroy(&v->iommu_group_ida);
	apsim__ida_destroy(&v->vfio_group_ida);
	apsim__ida_destroy(&v->vfio_device_ida);
}

static void dev_vars(const struct vfio_ap_mdev *m, char major[24], char minor[24], char name[40],
		     const char *vars[4])
{
	snprintf(major, 24, "MAJOR=%u", VFIO_GROUP_MAJOR);
	snprintf(minor, 24, "MINOR=%d", m->vfio.group_minor);
	snprintf(name, 40, "DEVNAME=vfio/%d", m->vfio.iommu_group);
	vars[0] = major;
	vars[1] = minor;
	vars[2] = name;
	vars[3] = NULL;
}

/* iommu_group_alloc + iommu_group_set_name + iommu_group_add_device */
static int iommu_group_add(struct apsim_vfio_ap *v, struct vfio_ap_mdev *m)
{
	struct apsim_tree *t = v->tree;
	struct apsim_node *devices;
	char name[16];
	int r;

	m->vfio.iommu_group = apsim__ida_alloc(&v->iommu_group_ida);
	if (m->vfio.iommu_group < 0)
		return m->vfio.iommu_group;
	snprintf(name, sizeof(name), "%d", m->vfio.iommu_group);
	r = apsim_tree_mkdir(t, v->iommu_groups, name, &m->vfio.group_dir);
	if (r == 0)
		r = apsim_tree_mkdir(t, m->vfio.group_dir, "devices", &devices);
	if (r == 0)
		r = apsim_tree_add_group(t, m->vfio.group_dir, group_attrs, m);
	if (r == 0)
		r = apsim_tree_symlink(t, m->node, "iommu_group", m->vfio.group_dir, NULL);
	if (r == 0)
		r = apsim_tree_symlink(t, devices, m->uuid, m->node, NULL);
	return r;
}

/* vfio_create_group: the class device "N" (no parent: devices/virtual/vfio/N) */
static int vfio_group_add(struct apsim_vfio_ap *v, struct vfio_ap_mdev *m)
{
	struct apsim_tree *t = v->tree;
	char name[16], major[24], minor[24], devname[40];
	const char *vars[4];
	int r;

	m->vfio.group_minor = apsim__ida_alloc(&v->vfio_group_ida);
	if (m->vfio.group_minor < 0)
		return m->vfio.group_minor;
	if (!v->vfio_glue) {
		r = apsim_tree_mkdir(t, v->virtual_dir, "vfio", &v->vfio_glue);
		if (r < 0)
			return r;
	}
	snprintf(name, sizeof(name), "%d", m->vfio.iommu_group);
	r = apsim_tree_mkdir(t, v->vfio_glue, name, &m->vfio.group_dev);
	if (r < 0)
		return r;
	v->n_vfio_groups++;
	r = apsim_tree_add_group(t, m->vfio.group_dev, group_dev_attrs, m);
	if (r == 0)
		r = apsim_tree_symlink(t, m->vfio.group_dev, "subsystem", v->class_vfio, NULL);
	if (r == 0)
		r = apsim_tree_symlink(t, v->class_vfio, name, m->vfio.group_dev, NULL);
	if (r == 0) {
		dev_vars(m, major, minor, devname, vars);
		apsim__vfio_ap_uevent(v, m->vfio.group_dev, APSIM_UEVENT_ADD, "vfio", NULL, vars);
	}
	return r;
}

/* vfio_device_add: "vfioM" of class vfio-dev, child of the mdev (glue dir vfio-dev) */
static int vfio_device_add(struct apsim_vfio_ap *v, struct vfio_ap_mdev *m)
{
	struct apsim_tree *t = v->tree;
	char name[16];
	int r;

	m->vfio.index = apsim__ida_alloc(&v->vfio_device_ida);
	if (m->vfio.index < 0)
		return m->vfio.index;
	snprintf(name, sizeof(name), "vfio%d", m->vfio.index);
	r = apsim_tree_mkdir(t, m->node, "vfio-dev", &m->vfio.vfio_dev_glue);
	if (r == 0)
		r = apsim_tree_mkdir(t, m->vfio.vfio_dev_glue, name, &m->vfio.vfio_dev);
	if (r == 0)
		r = apsim_tree_add_group(t, m->vfio.vfio_dev, vfio_dev_attrs, m);
	if (r == 0)
		r = apsim_tree_symlink(t, m->vfio.vfio_dev, "subsystem", v->class_vfio_dev, NULL);
	if (r == 0)
		r = apsim_tree_symlink(t, m->vfio.vfio_dev, "device", m->node, NULL);
	if (r == 0)
		r = apsim_tree_symlink(t, v->class_vfio_dev, name, m->vfio.vfio_dev, NULL);
	if (r == 0)
		apsim__vfio_ap_uevent(v, m->vfio.vfio_dev, APSIM_UEVENT_ADD, "vfio-dev", NULL, NULL);
	return r;
}

int apsim__vfio_core_register(struct apsim_vfio_ap *v, struct vfio_ap_mdev *m)
{
	int r;

	m->vfio.iommu_group = m->vfio.group_minor = m->vfio.index = -1;
	r = iommu_group_add(v, m);
	if (r == 0)
		r = vfio_group_add(v, m);
	if (r == 0)
		r = vfio_device_add(v, m);
	if (r < 0)
		apsim__vfio_core_unregister(v, m, m->vfio.vfio_dev != NULL);
	return r;
}

void apsim__vfio_core_unregister(struct apsim_vfio_ap *v, struct vfio_ap_mdev *m, bool events)
{
	struct apsim_tree *t = v->tree;
	char name[16], major[24], minor[24], devname[40];
	const char *vars[4];

	/* vfio_device_del */
	if (m->vfio.vfio_dev) {
		if (events)
			apsim__vfio_ap_uevent(v, m->vfio.vfio_dev, APSIM_UEVENT_REMOVE, "vfio-dev",
					      NULL, NULL);
		snprintf(name, sizeof(name), "vfio%d", m->vfio.index);
		apsim_tree_remove_child(t, v->class_vfio_dev, name);
	}
	if (m->vfio.vfio_dev_glue)
		apsim_tree_remove(t, m->vfio.vfio_dev_glue);
	m->vfio.vfio_dev = m->vfio.vfio_dev_glue = NULL;
	apsim__ida_free(&v->vfio_device_ida, m->vfio.index);
	m->vfio.index = -1;

	/* vfio_device_remove_group: iommu_group_remove_device, then the group's cdev_device_del */
	if (m->vfio.group_dir) {
		apsim_tree_remove_child(t, m->node, "iommu_group");
		apsim_tree_remove(t, m->vfio.group_dir);
		m->vfio.group_dir = NULL;
	}
	if (m->vfio.group_dev) {
		if (events) {
			dev_vars(m, major, minor, devname, vars);
			apsim__vfio_ap_uevent(v, m->vfio.group_dev, APSIM_UEVENT_REMOVE, "vfio", NULL,
					      vars);
		}
		snprintf(name, sizeof(name), "%d", m->vfio.iommu_group);
		apsim_tree_remove_child(t, v->class_vfio, name);
		apsim_tree_remove(t, m->vfio.group_dev);
		m->vfio.group_dev = NULL;
		/* cleanup_glue_dir: devices/virtual/vfio goes with its last group */
		if (--v->n_vfio_groups == 0 && v->vfio_glue) {
			apsim_tree_remove(t, v->vfio_glue);
			v->vfio_glue = NULL;
		}
	}
	apsim__ida_free(&v->vfio_group_ida, m->vfio.group_minor);
	apsim__ida_free(&v->iommu_group_ida, m->vfio.iommu_group);
	m->vfio.group_minor = m->vfio.iommu_group = -1;
}
