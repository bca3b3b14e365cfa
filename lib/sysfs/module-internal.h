/* SPDX-License-Identifier: MIT */
/*
 * /sys/module/NAME, as the module loader shows a module (kernel/module/sysfs.c, params.c):
 *
 *   module/NAME/{initstate, refcnt, taint, uevent, holders/, drivers/, parameters/}
 *                                     a loadable module, loaded ("live")
 *   module/NAME/{parameters/, uevent} a built-in one
 *
 * A driver of the module links itself: module/NAME/drivers/BUS:DRIVER -> its driver directory,
 * and the driver directory's 'module' -> module/NAME (module_add_driver). Parameters are
 * static attribute tables of their owner, added with apsim_tree_add_group on 'parameters'.
 */
#ifndef APSIM_MODULE_INTERNAL_H
#define APSIM_MODULE_INTERNAL_H

#include <stdbool.h>

#include "apsim/sysfs.h"

struct apsim_module {
	struct apsim_tree *tree;
	struct apsim_node *dir;        /* module/NAME */
	struct apsim_node *parameters; /* module/NAME/parameters */
	struct apsim_node *holders;    /* module/NAME/holders (NULL when built in) */
	struct apsim_node *drivers;    /* module/NAME/drivers, created with the first driver */
	unsigned refcnt;               /* what 'refcnt' shows */
	bool builtin;
};

/* Creates module/NAME (and module/ itself if needed) into *mod. */
int apsim__module_add(struct apsim_tree *t, const char *name, bool builtin, struct apsim_module *mod);
/* module_add_driver: drivers/BUS:DRIVER and the driver's 'module' link. */
int apsim__module_add_driver(struct apsim_module *mod, const char *bus, struct apsim_node *drv_dir);
/* holders/HOLDER -> module/HOLDER: HOLDER uses symbols of mod (and holds a reference). */
int apsim__module_add_holder(struct apsim_module *mod, const struct apsim_module *holder);
/* Removes module/NAME (the 'module' links of drivers are their directories' business). */
void apsim__module_remove(struct apsim_module *mod);

#endif
