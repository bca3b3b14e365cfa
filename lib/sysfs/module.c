/* SPDX-License-Identifier: MIT */
/*
 * module.c - /sys/module/NAME of the simulated modules (see module-internal.h). Tools test
 * that the directory exists (scripts checking /sys/module/vfio_ap before use) or read
 * initstate and parameters; coresize, initsize, sections/ and notes/ describe a real build
 * and are left out rather than invented.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/macro-internal.h"
#include "sysfs/module-internal.h"

static ssize_t initstate_show(void *obj, char *buf, size_t len)
{
	(void) obj;
	return snprintf(buf, len, "live\n");
}

static ssize_t refcnt_show(void *obj, char *buf, size_t len)
{
	const struct apsim_module *mod = obj;

	return snprintf(buf, len, "%u\n", mod->refcnt);
}

/* print_modules_taint: nothing when untainted, then the newline */
static ssize_t taint_show(void *obj, char *buf, size_t len)
{
	(void) obj;
	return snprintf(buf, len, "\n");
}

/* module_uevent: write-only, an action name synthesizes an event we do not model */
static ssize_t uevent_store(void *obj, const char *buf, size_t len)
{
	(void) obj;
	(void) buf;
	return (ssize_t) len;
}

static const struct apsim_attr loaded_attrs[] = {
	APSIM_ATTR_RO(initstate), APSIM_ATTR_RO(refcnt), APSIM_ATTR_RO(taint), APSIM_ATTR_WO(uevent),
	{ 0 },
};

static const struct apsim_attr builtin_attrs[] = {
	APSIM_ATTR_WO(uevent),
	{ 0 },
};

int apsim__module_add(struct apsim_tree *t, const char *name, bool builtin, struct apsim_module *mod)
{
	struct apsim_node *modules;
	int r;

	APSIM_CHECK_ARG(t && name && mod);
	memset(mod, 0, sizeof(*mod));
	mod->tree = t;
	mod->builtin = builtin;
	r = apsim_tree_mkdir_p(t, "module", &modules);
	if (r < 0)
		return r;
	r = apsim_tree_mkdir(t, modules, name, &mod->dir);
	if (r < 0)
		return r;
	r = apsim_tree_add_group(t, mod->dir, builtin ? builtin_attrs : loaded_attrs, mod);
	if (r == 0)
		r = apsim_tree_mkdir(t, mod->dir, "parameters", &mod->parameters);
	if (r == 0 && !builtin)
		r = apsim_tree_mkdir(t, mod->dir, "holders", &mod->holders);
	if (r < 0)
		apsim__module_remove(mod);
	return r;
}

int apsim__module_add_driver(struct apsim_module *mod, const char *bus, struct apsim_node *drv_dir)
{
	char name[128];
	int r;

	APSIM_CHECK_ARG(mod && mod->dir && bus && drv_dir);
	if (!mod->drivers) {
		r = apsim_tree_mkdir(mod->tree, mod->dir, "drivers", &mod->drivers);
		if (r < 0)
			return r;
	}
	if ((size_t) snprintf(name, sizeof(name), "%s:%s", bus, apsim_node_name(drv_dir)) >=
	    sizeof(name))
		return -ENAMETOOLONG;
	r = apsim_tree_symlink(mod->tree, mod->drivers, name, drv_dir, NULL);
	if (r < 0)
		return r;
	r = apsim_tree_symlink(mod->tree, drv_dir, "module", mod->dir, NULL);
	if (r < 0)
		apsim_tree_remove_child(mod->tree, mod->drivers, name);
	return r;
}

int apsim__module_add_holder(struct apsim_module *mod, const struct apsim_module *holder)
{
	int r;

	APSIM_CHECK_ARG(mod && mod->holders && holder && holder->dir);
	r = apsim_tree_symlink(mod->tree, mod->holders, apsim_node_name(holder->dir), holder->dir,
			       NULL);
	if (r == 0)
		mod->refcnt++;
	return r;
}

void apsim__module_remove(struct apsim_module *mod)
{
	if (!mod || !mod->dir)
		return;
	apsim_tree_remove(mod->tree, mod->dir);
	mod->dir = mod->parameters = mod->holders = mod->drivers = NULL;
}
