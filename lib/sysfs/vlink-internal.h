/* SPDX-License-Identifier: MIT */
/*
 * vlink-internal.h - virtual symlinks: the links of a directory that its owner computes
 * instead of keeping one node per link (lib/sysfs/vlink.c). The AP bus uses them for the
 * links every device has (bus/ap/devices/NAME, drivers/DRIVER/NAME, NAME/subsystem and
 * NAME/driver): 65,536 queues would otherwise need four nodes each.
 *
 * A virtual link reads, resolves, lists and dumps exactly like a node made by
 * apsim_tree_symlink(): its inode number is taken from the tree's node counter when its owner
 * "creates" it (apsim__tree_take_ino), so the listing of a directory, which merges its nodes
 * and its virtual links in inode (= creation) order, is the same as with real links.
 * apsim_tree_child() and apsim_tree_remove_child() see nodes only.
 */
#ifndef APSIM_SYSFS_VLINK_INTERNAL_H
#define APSIM_SYSFS_VLINK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "apsim/sysfs.h"

struct apsim_vlink {
	const char *name;	   /* borrowed, valid until the next tree change */
	struct apsim_node *target; /* a directory or a link node */
	uint64_t ino;		   /* from apsim__tree_take_ino() */
};

struct apsim_vlink_ops {
	/* The link named name[0..len) (not NUL-terminated) into *ret: 1, or 0 if none. */
	int (*lookup)(void *obj, const char *name, size_t len, struct apsim_vlink *ret);
	/* The links in ascending ino order: *cursor is NULL for the first one, and is moved on;
	 * 1 with the link in *ret, 0 after the last one. */
	int (*next)(void *obj, void **cursor, struct apsim_vlink *ret);
};

/* Gives dir its virtual links (ops == NULL: none); one set per directory. */
int apsim__tree_set_vlinks(struct apsim_tree *t, struct apsim_node *dir,
			   const struct apsim_vlink_ops *ops, void *obj);
/* An inode number for a virtual link created now: the next one a node would get. */
uint64_t apsim__tree_take_ino(struct apsim_tree *t);

#endif
