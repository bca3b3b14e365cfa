/* SPDX-License-Identifier: MIT */
/*
 * zcrypt multiple device nodes (spec 4.4, clients.md 3.5): the kernel's zcdn_* code of
 * zcrypt_api.c on top of the driver core's class devices. Everything runs under the
 * simulator lock (the kernel's ap_perms_mutex is implied by it).
 *
 * What the driver core contributes, as device_register()/device_unregister() of a class
 * device without parent or bus:
 *  - the device lives in the class's glue directory devices/virtual/zcrypt, created with
 *    the first node and removed with the last (get_device_parent / cleanup_glue_dir);
 *  - kobject names cannot hold '/': dev_set_name() turns it into '!' and DEVNAME turns it
 *    back (device_get_devnode);
 *  - the class directory gets a symlink named after the device, so a node named "create" or
 *    "destroy" fails there with EEXIST, after the device directory was made: device_add's
 *    error path then sends a "remove" uevent for the device that never was added;
 *  - "add" and "remove" uevents with MAJOR, MINOR and DEVNAME (dev_uevent), the 'dev' and
 *    'uevent' attributes and the 'subsystem' link.
 *
 * zcrypt_api_init() also registers the misc device z90crypt (the node every zcrypt ioctl
 * user opens, /dev/z90crypt): class/misc/z90crypt -> devices/virtual/misc/z90crypt with
 * 'dev', 'uevent' and 'subsystem', as misc_register() makes it. It is there from the start,
 * without an "add" uevent: the module loads at boot, before anyone listens, and the uevent
 * log starts with the AP bus's own events.
 *
 * Not modelled: the power/ directory, /sys/dev/char links, the rest of the misc class, and
 * the deferred release of a node that is still open (destroy only unregisters it).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro-internal.h"
#include "sysfs/uevent-synth-internal.h"
#include "zcrypt/zcdn-internal.h"

#define ZCRYPT_NAME "zcrypt"

/* include/uapi/linux/major.h */
#define MISC_MAJOR 10
/*
 * zcrypt_misc_device has MISC_DYNAMIC_MINOR. Current kernels hand dynamic misc minors out from
 * MISC_DYNAMIC_MINOR + 1 = 256 upwards (older ones from 127 downwards), so the number depends
 * on what registered first; clients read it from 'dev' or the uevent, as they must on Linux.
 */
#define Z90CRYPT_MINOR 256

/* lib/kobject_uevent.c */

/* struct zcdn_device */
struct zcdn_node {
	struct apsim_zcdn *z;
	const char *subsystem;		/* "zcrypt"; "misc" for z90crypt */
	unsigned major, minor;
	char name[APSIM_ZCDN_MAX_NAME]; /* the device (kobject) name */
	struct apsim_node *dir;		/* devices/virtual/zcrypt/<name> */
	struct apsim_zcdn_perms perms;
};

struct apsim_zcdn {
	struct apsim_tree *tree;
	struct apsim_uevent_log *uevents;
	struct apsim_clock *clock;
	struct apsim_node *class_dir;	/* class/zcrypt */
	struct apsim_node *virtual_dir; /* devices/virtual */
	struct apsim_node *glue_dir;	/* devices/virtual/zcrypt, while a node exists */
	struct zcdn_node *nodes[APSIM_ZCDN_MAX_NODES]; /* by minor */
	unsigned n_nodes;
	struct apsim_node *misc_class_dir; /* class/misc */
	struct zcdn_node *misc;		   /* z90crypt, in devices/virtual/misc */
};

/* the kernel's isspace() (lib/ctype.c): \t \n \v \f \r, blank, and Latin-1 NBSP */
static bool k_isspace(unsigned char c)
{
	return (c >= '\t' && c <= '\r') || c == ' ' || c == 0xa0;
}

/* class_find_device_by_name(): exact match on the device name */
static struct zcdn_node *find_by_name(const struct apsim_zcdn *z, const char *name)
{
	for (unsigned i = 0; i < APSIM_ZCDN_MAX_NODES; i++)
		if (z->nodes[i] && strcmp(z->nodes[i]->name, name) == 0)
			return z->nodes[i];
	return NULL;
}

/* ------------------------------------------------------------------------------------- */
/* uevents (dev_uevent: MAJOR, MINOR, DEVNAME)                                            */

struct dev_vars {
	char major[24], minor[24], devname[8 + APSIM_ZCDN_MAX_NAME];
	const char *v[4];
};

static void get_dev_vars(const struct zcdn_node *n, struct dev_vars *dv)
{
	char *p;

	snprintf(dv->major, sizeof(dv->major), "MAJOR=%u", n->major);
	snprintf(dv->minor, sizeof(dv->minor), "MINOR=%u", n->minor);
	snprintf(dv->devname, sizeof(dv->devname), "DEVNAME=%s", n->name);
	/* device_get_devnode(): '!' in the device name back to '/' */
	for (p = dv->devname + 8; *p; p++)
		if (*p == '!')
			*p = '/';
	dv->v[0] = dv->major;
	dv->v[1] = dv->minor;
	dv->v[2] = dv->devname;
	dv->v[3] = NULL;
}

static int node_uevent(const struct zcdn_node *n, enum apsim_uevent_action action,
		       const char *const *env_extra)
{
	const struct apsim_zcdn *z = n->z;
	struct dev_vars dv;
	char path[512];
	int r;

	if (!z->uevents)
		return 0;
	r = apsim_node_path(n->dir, path, sizeof(path));
	if (r < 0)
		return r;
	get_dev_vars(n, &dv);
	return apsim_uevent_emit(z->uevents, z->clock ? apsim_clock_now(z->clock) / 1000 : 0,
				 action, path, n->subsystem, env_extra, dv.v);
}

/* The 'uevent' store: kobject_synth_uevent() (lib/sysfs/uevent-synth.c) with the node's
 * variables. */
static int synth_uevent(const struct zcdn_node *n, const char *buf, size_t count)
{
	struct apsim_uevent_synth synth;
	int r = apsim__uevent_synth_parse(buf, count, &synth);

	if (r < 0)
		return r;
	if (synth.action == _APSIM_UEVENT_MAX)
		return 0;
	return node_uevent(n, synth.action, synth.env);
}

/* ------------------------------------------------------------------------------------- */
/* node attributes                                                                        */

static ssize_t emit_mask(const struct apsim_mask *m, char *buf, size_t len)
{
	int n = apsim_mask_format(m, buf, len);

	return n < 0 ? n : (ssize_t) n;
}

/* ap_parse_mask_str(): spec 4.2 grammar, all or nothing; no in_use check, no rebinding */
static ssize_t store_mask(struct apsim_mask *m, const char *buf, size_t len)
{
	int r = apsim_mask_parse_bitmap_str(buf, len, APSIM_MASK_BITS, m, m);

	return r < 0 ? r : (ssize_t) len;
}

/* the four masks of a node, each a show and a store of 256 bits (AP_IOCTLS has 256 too) */
#define ZCDN_MASK_ATTR(name, field)                                                   \
	static ssize_t name##_show(void *obj, char *buf, size_t len)                    \
	{                                                                               \
		return emit_mask(&((struct zcdn_node *) obj)->perms.field, buf, len);   \
	}                                                                               \
	static ssize_t name##_store(void *obj, const char *buf, size_t len)             \
	{                                                                               \
		return store_mask(&((struct zcdn_node *) obj)->perms.field, buf, len);  \
	}

ZCDN_MASK_ATTR(ioctlmask, ioctlm)
ZCDN_MASK_ATTR(apmask, apm)
ZCDN_MASK_ATTR(aqmask, aqm)
ZCDN_MASK_ATTR(admask, adm)

/* dev_show(): print_dev_t */
static ssize_t dev_show(void *obj, char *buf, size_t len)
{
	const struct zcdn_node *n = obj;
	int w = snprintf(buf, len, "%u:%u\n", n->major, n->minor);

	return w < 0 ? -EIO : (ssize_t) w;
}

/* uevent_show(): the device's uevent variables, one "KEY=VALUE\n" each */
static ssize_t uevent_show(void *obj, char *buf, size_t len)
{
	struct dev_vars dv;
	int w;

	get_dev_vars(obj, &dv);
	w = snprintf(buf, len, "%s\n%s\n%s\n", dv.v[0], dv.v[1], dv.v[2]);
	return w < 0 ? -EIO : (ssize_t) w;
}

static ssize_t uevent_store(void *obj, const char *buf, size_t len)
{
	int r = synth_uevent(obj, buf, len);

	return r < 0 ? r : (ssize_t) len;
}

/* device_add order: uevent, the class's groups (zcdn_dev_attrs), then dev */
static const struct apsim_attr zcdn_dev_attrs[] = {
    {.name = "uevent", .mode = 0644, .show = uevent_show, .store = uevent_store},
    {.name = "ioctlmask", .mode = 0644, .show = ioctlmask_show, .store = ioctlmask_store},
    {.name = "apmask", .mode = 0644, .show = apmask_show, .store = apmask_store},
    {.name = "aqmask", .mode = 0644, .show = aqmask_show, .store = aqmask_store},
    {.name = "admask", .mode = 0644, .show = admask_show, .store = admask_store},
    {.name = "dev", .mode = 0444, .show = dev_show},
    {0},
};

/* misc_class: a misc device has no attributes of its own (z90crypt has no groups) */
static const struct apsim_attr misc_dev_attrs[] = {
    {.name = "uevent", .mode = 0644, .show = uevent_show, .store = uevent_store},
    {.name = "dev", .mode = 0444, .show = dev_show},
    {0},
};

/* ------------------------------------------------------------------------------------- */
/* device_register / device_unregister                                                   */

/* cleanup_glue_dir(): the glue directory goes with its last child */
static void cleanup_glue_dir(struct apsim_zcdn *z)
{
	if (z->glue_dir && z->n_nodes == 0) {
		apsim_tree_remove(z->tree, z->glue_dir);
		z->glue_dir = NULL;
	}
}

/* a character device of the class subsystem, name at most the size of n->name */
static struct zcdn_node *node_new(struct apsim_zcdn *z, const char *subsystem, unsigned major,
				  unsigned minor, const char *name)
{
	struct zcdn_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->z = z;
	n->subsystem = subsystem;
	n->major = major;
	n->minor = minor;
	snprintf(n->name, sizeof(n->name), "%s", name);
	return n;
}

static int node_register(struct apsim_zcdn *z, const char *devname, unsigned minor)
{
	struct zcdn_node *n;
	int r;

	n = node_new(z, ZCRYPT_NAME, APSIM_ZCDN_MAJOR, minor, devname);
	if (!n)
		return -ENOMEM;

	/* get_device_parent(): the class's glue directory under devices/virtual */
	if (!z->glue_dir) {
		r = apsim_tree_mkdir(z->tree, z->virtual_dir, ZCRYPT_NAME, &z->glue_dir);
		if (r < 0)
			goto out_free;
	}
	/* kobject_add(): a clash here fails before any uevent */
	r = apsim_tree_mkdir(z->tree, z->glue_dir, devname, &n->dir);
	if (r < 0)
		goto out_cleanup_glue;
	/* device_add_class_symlinks() */
	r = apsim_tree_symlink(z->tree, n->dir, "subsystem", z->class_dir, NULL);
	if (r < 0)
		goto out_del;
	r = apsim_tree_symlink(z->tree, z->class_dir, devname, n->dir, NULL);
	if (r < 0)
		goto out_del;
	r = apsim_tree_add_group(z->tree, n->dir, zcdn_dev_attrs, n);
	if (r < 0)
		goto out_remove_link;

	z->nodes[minor] = n;
	z->n_nodes++;
	(void) node_uevent(n, APSIM_UEVENT_ADD, NULL);
	return 0;

out_remove_link:
	apsim_tree_remove_child(z->tree, z->class_dir, devname);
out_del:
	/* device_add() error path after kobject_add: KOBJ_REMOVE, then kobject_del */
	(void) node_uevent(n, APSIM_UEVENT_REMOVE, NULL);
	apsim_tree_remove(z->tree, n->dir);
out_cleanup_glue:
	cleanup_glue_dir(z);
out_free:
	free(n);
	return r;
}

/* device_unregister(): class link and attributes go, KOBJ_REMOVE, then the directory */
static void node_unregister(struct zcdn_node *n, bool uevent)
{
	struct apsim_zcdn *z = n->z;

	apsim_tree_remove_child(z->tree, z->class_dir, n->name);
	if (uevent)
		(void) node_uevent(n, APSIM_UEVENT_REMOVE, NULL);
	apsim_tree_remove(z->tree, n->dir);
	z->nodes[n->minor] = NULL;
	z->n_nodes--;
	cleanup_glue_dir(z);
	free(n);
}

int apsim__zcdn_create(struct apsim_zcdn *z, const char *name, unsigned *ret_minor)
{
	char devname[APSIM_ZCDN_MAX_NAME];
	unsigned minor;
	size_t len;
	int r;

	APSIM_CHECK_ARG(z && name);
	len = strlen(name);
	APSIM_CHECK_ARG(len < APSIM_ZCDN_MAX_NAME);

	/* a node with this name already exists */
	if (name[0] && find_by_name(z, name))
		return -EEXIST;
	/* the lowest unused minor */
	for (minor = 0; minor < APSIM_ZCDN_MAX_NODES; minor++)
		if (!z->nodes[minor])
			break;
	if (minor == APSIM_ZCDN_MAX_NODES)
		return -ENOSPC;

	if (name[0]) {
		/* dev_set_name("%s") -> kobject_set_name_vargs(): '/' becomes '!' */
		for (size_t i = 0; i <= len; i++)
			devname[i] = name[i] == '/' ? '!' : name[i];
	} else {
		snprintf(devname, sizeof(devname), ZCRYPT_NAME "_%u", minor);
	}
	r = node_register(z, devname, minor);
	if (r < 0)
		return r;
	if (ret_minor)
		*ret_minor = minor;
	return 0;
}

int apsim__zcdn_destroy(struct apsim_zcdn *z, const char *name)
{
	struct zcdn_node *n;

	APSIM_CHECK_ARG(z && name);
	n = find_by_name(z, name);
	if (!n)
		return -ENOENT;
	node_unregister(n, true);
	return 0;
}

unsigned apsim__zcdn_count(const struct apsim_zcdn *z)
{
	return z ? z->n_nodes : 0;
}

int apsim__zcdn_get_perms(const struct apsim_zcdn *z, const char *name,
			  struct apsim_zcdn_perms *ret)
{
	const struct zcdn_node *n;

	APSIM_CHECK_ARG(z && name && ret);
	n = find_by_name(z, name);
	if (!n)
		return -ENOENT;
	*ret = n->perms;
	return 0;
}

/* ------------------------------------------------------------------------------------- */
/* the class attributes create / destroy                                                  */

/* strscpy(name, skip_spaces(buf), ZCDN_MAX_NAME) then strim(name) */
static void store_name(const char *buf, char name[APSIM_ZCDN_MAX_NAME])
{
	size_t n;

	while (k_isspace((unsigned char) *buf))
		buf++;
	n = strnlen(buf, APSIM_ZCDN_MAX_NAME - 1);
	memcpy(name, buf, n);
	name[n] = '\0';
	while (n && k_isspace((unsigned char) name[n - 1]))
		name[--n] = '\0';
}

static ssize_t create_store(void *obj, const char *buf, size_t len)
{
	char name[APSIM_ZCDN_MAX_NAME];
	int r;

	store_name(buf, name);
	r = apsim__zcdn_create(obj, name, NULL);
	return r < 0 ? r : (ssize_t) len;
}

static ssize_t destroy_store(void *obj, const char *buf, size_t len)
{
	char name[APSIM_ZCDN_MAX_NAME];
	int r;

	store_name(buf, name);
	r = apsim__zcdn_destroy(obj, name);
	return r < 0 ? r : (ssize_t) len;
}

/*
 * MODEL: the kernel declares both __ATTR(create, 0600, NULL, ...): readable by mode but
 * without show(), so a read gives EIO. We make them 0200 (a read is refused with EACCES at
 * open), as the other write-only files of the tree are; switching to the kernel's value is
 * this one constant (ZCDN_CLASS_ATTR_MODE 0600).
 */
#define ZCDN_CLASS_ATTR_MODE 0200

static const struct apsim_attr zcdn_class_attrs[] = {
    {.name = "create", .mode = ZCDN_CLASS_ATTR_MODE, .store = create_store},
    {.name = "destroy", .mode = ZCDN_CLASS_ATTR_MODE, .store = destroy_store},
    {0},
};

/* ------------------------------------------------------------------------------------- */
/* misc_register(&zcrypt_misc_device)                                                     */

/* device_create() in misc_class: devices/virtual/misc/z90crypt and its class link */
static int misc_register(struct apsim_zcdn *z)
{
	struct apsim_node *glue;
	struct zcdn_node *n;
	int r;

	n = node_new(z, "misc", MISC_MAJOR, Z90CRYPT_MINOR, "z90crypt");
	if (!n)
		return -ENOMEM;

	r = apsim_tree_mkdir_p(z->tree, "class/misc", &z->misc_class_dir);
	if (r < 0)
		goto out_free;
	r = apsim_tree_mkdir_p(z->tree, "devices/virtual/misc", &glue);
	if (r < 0)
		goto out_free;
	r = apsim_tree_mkdir(z->tree, glue, n->name, &n->dir);
	if (r < 0)
		goto out_free;
	r = apsim_tree_symlink(z->tree, n->dir, "subsystem", z->misc_class_dir, NULL);
	if (r < 0)
		goto out_del;
	r = apsim_tree_symlink(z->tree, z->misc_class_dir, n->name, n->dir, NULL);
	if (r < 0)
		goto out_del;
	r = apsim_tree_add_group(z->tree, n->dir, misc_dev_attrs, n);
	if (r < 0)
		goto out_remove_link;
	z->misc = n;
	return 0;

out_remove_link:
	apsim_tree_remove_child(z->tree, z->misc_class_dir, n->name);
out_del:
	apsim_tree_remove(z->tree, n->dir);
out_free:
	free(n);
	return r;
}

/* teardown: the class link and the device directory, no uevent */
static void misc_unregister(struct apsim_zcdn *z)
{
	if (!z->misc)
		return;
	apsim_tree_remove_child(z->tree, z->misc_class_dir, z->misc->name);
	apsim_tree_remove(z->tree, z->misc->dir);
	free(z->misc);
	z->misc = NULL;
}

/* ------------------------------------------------------------------------------------- */

int apsim__zcdn_new(struct apsim_tree *t, struct apsim_uevent_log *log, struct apsim_clock *clock,
		    struct apsim_zcdn **ret)
{
	struct apsim_zcdn *z;
	int r;

	APSIM_CHECK_ARG(t && ret);
	z = calloc(1, sizeof(*z));
	if (!z)
		return -ENOMEM;
	z->tree = t;
	z->uevents = log;
	z->clock = clock;

	r = apsim_tree_mkdir_p(t, "devices/virtual", &z->virtual_dir);
	if (r < 0)
		goto out_free;
	/* class_create("zcrypt") + class_create_file(create, destroy) */
	r = apsim_tree_mkdir_p(t, "class/" ZCRYPT_NAME, &z->class_dir);
	if (r < 0)
		goto out_free;
	r = apsim_tree_add_group(t, z->class_dir, zcdn_class_attrs, z);
	if (r < 0)
		goto out_remove_class;
	r = misc_register(z);
	if (r < 0)
		goto out_remove_class;
	*ret = z;
	return 0;

out_remove_class:
	apsim_tree_remove(t, z->class_dir);
out_free:
	free(z);
	return r;
}

void apsim__zcdn_free(struct apsim_zcdn *z)
{
	if (!z)
		return;
	for (unsigned i = 0; i < APSIM_ZCDN_MAX_NODES; i++)
		if (z->nodes[i])
			node_unregister(z->nodes[i], false);
	misc_unregister(z);
	apsim_tree_remove(z->tree, z->class_dir);
	free(z);
}
