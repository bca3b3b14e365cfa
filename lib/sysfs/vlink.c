/* SPDX-License-Identifier: MIT */
/*
 * vlink.c - virtual symlinks (vlink-internal.h): a directory's owner computes its links
 * instead of keeping a node per link. tree.c resolves them, path.c reads and lists them.
 * Calls nothing else.
 */
#include <errno.h>

#include "base/macro-internal.h"
#include "sysfs/tree-internal.h"

int apsim__tree_set_vlinks(struct apsim_tree *t, struct apsim_node *dir,
			   const struct apsim_vlink_ops *ops, void *obj)
{
	APSIM_CHECK_ARG(t && dir);
	if (!is_dir(dir))
		return -ENOTDIR;
	if (ops && (!ops->lookup || !ops->next))
		return -EINVAL;
	dir->u.dir.vops = ops;
	dir->u.dir.vobj = ops ? obj : NULL;
	return 0;
}

uint64_t apsim__tree_take_ino(struct apsim_tree *t)
{
	return t->next_ino++;
}
