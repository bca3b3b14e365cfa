/* SPDX-License-Identifier: MIT */
/*
 * path.c - paths in the sysfs tree (include/apsim/sysfs.h): the absolute path of a node, the
 * relative target of a symlink (as sysfs links read), and listing a directory (readdir: its
 * nodes, then its attributes). Calls tree.c (tree-internal.h) only.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "apsim/sysfs.h"
#include "base/macro-internal.h"
#include "sysfs/tree-internal.h"

int apsim_node_path(const struct apsim_node *node, char *buf, size_t len)
{
	const struct apsim_node *n;
	size_t total = 0, pos;

	APSIM_CHECK_ARG(node && buf);
	for (n = node; n->parent; n = n->parent)
		total += 1 + n->name_len;
	if (total == 0)
		total = 1;
	if (total + 1 > len)
		return -ENAMETOOLONG;
	buf[0] = '/';
	buf[total] = '\0';
	pos = total;
	for (n = node; n->parent; n = n->parent) {
		size_t l = n->name_len;

		pos -= l;
		memcpy(buf + pos, n->name, l);
		buf[--pos] = '/';
	}
	return (int) total;
}

/* Relative path from directory from to node to, as kernfs writes sysfs symlinks. */
static int relative_path(const struct apsim_node *from, const struct apsim_node *to, char *buf,
			 size_t len)
{
	const struct apsim_node *a = from, *b = to, *n;
	size_t da = 0, db = 0, ups = 0, pos = 0, tail = 0, i;

	for (n = from; n->parent; n = n->parent)
		da++;
	for (n = to; n->parent; n = n->parent)
		db++;
	while (da > db) {
		a = a->parent;
		da--;
		ups++;
	}
	while (db > da) {
		b = b->parent;
		db--;
	}
	while (a != b) {
		a = a->parent;
		b = b->parent;
		ups++;
	}
	/* kernfs_get_target_path looks for the common ancestor among the target's parents only,
	 * so a link to an ancestor of its own directory reads "../../../NAME", not "../.." */
	if (b == to && to->parent) {
		b = to->parent;
		ups++;
	}
	/* b is the common ancestor; tail = length of "x/y/z" from it down to "to" */
	for (n = to; n != b; n = n->parent)
		tail += n->name_len + 1u;
	if (tail)
		tail--;
	if (ups == 0 && tail == 0) {
		if (len < 2)
			return -ENAMETOOLONG;
		memcpy(buf, ".", 2);
		return 1;
	}
	pos = ups * 3 + tail;
	if (tail == 0)
		pos--; /* no trailing slash after the last ".." */
	if (pos + 1 > len)
		return -ENAMETOOLONG;
	for (i = 0; i < ups; i++)
		memcpy(buf + i * 3, "../", 3);
	buf[pos] = '\0';
	{
		size_t end = pos;

		for (n = to; n != b; n = n->parent) {
			size_t l = n->name_len;

			end -= l;
			memcpy(buf + end, n->name, l);
			if (end > 0)
				buf[--end] = '/';
		}
	}
	return (int) pos;
}

int apsim_tree_readlink(struct apsim_tree *t, const char *path, char *buf, size_t len)
{
	struct resolved res;
	int r;

	APSIM_CHECK_ARG(t && path && buf);
	r = apsim__tree_resolve(t, path, false, &res);
	if (r < 0)
		return r;
	if (res.vtarget)
		return relative_path(res.node, res.vtarget, buf, len);
	if (res.group || res.node->type != APSIM_NODE_LINK)
		return -EINVAL;
	return relative_path(res.node->parent, res.node->u.link.target, buf, len);
}

int apsim_tree_readdir(struct apsim_tree *t, const char *path,
		       int (*fn)(const struct apsim_dirent *ent, void *ctx), void *ctx)
{
	struct resolved res;
	const struct apsim_vlink_ops *vops;
	struct apsim_node *dir, *n;
	struct apsim_vlink vl;
	void *cursor = NULL;
	bool have_vl;
	const struct group *g;
	unsigned i;
	int r;

	APSIM_CHECK_ARG(t && path && fn);
	r = apsim__tree_resolve(t, path, true, &res);
	if (r < 0)
		return r;
	if (res.group)
		return -ENOTDIR;
	dir = res.node;
	/* nodes and virtual links merged in inode order, which is their creation order */
	vops = dir->u.dir.vops;
	have_vl = vops && vops->next(dir->u.dir.vobj, &cursor, &vl) > 0;
	for (n = dir->u.dir.first; n || have_vl; ) {
		struct apsim_dirent ent;

		if (n && (!have_vl || n->ino < vl.ino)) {
			ent = (struct apsim_dirent){
			    .name = n->name,
			    .type = (enum apsim_node_type) n->type,
			    .ino = n->ino,
			};
			n = n->next;
		} else {
			ent = (struct apsim_dirent){
			    .name = vl.name,
			    .type = APSIM_NODE_LINK,
			    .ino = vl.ino,
			};
			/* the next link is found before fn runs, as the next node is */
			have_vl = vops->next(dir->u.dir.vobj, &cursor, &vl) > 0;
		}
		r = fn(&ent, ctx);
		if (r)
			return r;
	}
	for (g = groups_begin(dir); g != groups_end(dir); g++) {
		for (i = 0; i < g->n; i++) {
			struct apsim_dirent ent = {
			    .name = g->attrs[i].name,
			    .type = APSIM_NODE_ATTR,
			    .ino = attr_ino(dir, g, i),
			};

			r = fn(&ent, ctx);
			if (r)
				return r;
		}
	}
	return 0;
}
