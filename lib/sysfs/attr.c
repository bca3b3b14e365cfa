/* SPDX-License-Identifier: MIT */
/*
 * attr.c - the sysfs tree's attributes (include/apsim/sysfs.h): attaching and detaching
 * attribute tables (groups) to directories, the checks of open(2), and reading and writing
 * an attribute through its show() and store(). Calls tree.c (tree-internal.h) only.
 *
 * Error conventions follow the kernel's sysfs/kernfs (fs/kernfs/file.c kernfs_fop_open,
 * fs/sysfs/file.c sysfs_kf_*): opening for read a file without any read bit, or for write a
 * file without any write bit, fails with -EACCES even for root; a readable attribute without
 * show() or a writable one without store() fails with -EIO; writes of more than PAGE_SIZE
 * fail with -EINVAL (design.md); show() output is capped at PAGE_SIZE - 1 bytes.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "apsim/sysfs.h"
#include "base/macro-internal.h"
#include "sysfs/tree-internal.h"

static unsigned group_base(const struct apsim_node *dir, unsigned n)
{
	unsigned base = 0;
	bool moved;

	/* lowest base whose range [base, base + n) overlaps no attached group */
	do {
		const struct group *g;

		moved = false;
		for (g = groups_begin(dir); g != groups_end(dir); g++) {
			if (base < g->base + g->n && g->base < base + n) {
				base = g->base + g->n;
				moved = true;
			}
		}
	} while (moved);
	return base;
}

int apsim_tree_add_group(struct apsim_tree *t, struct apsim_node *dir,
			 const struct apsim_attr *attrs, void *obj)
{
	struct table_memo *m;
	const struct group_set *gs;
	const struct group *g;
	struct apsim_vlink vl;
	struct group add;
	uint32_t keys = 0;
	unsigned n, i, j;

	APSIM_CHECK_ARG(t && dir && attrs);
	if (!is_dir(dir))
		return -ENOTDIR;
	for (g = groups_begin(dir); g != groups_end(dir); g++)
		if (g->attrs == attrs)
			return -EEXIST;
	m = apsim__tree_memo_find(t, attrs);
	if (m) {
		/* names known valid and distinct: only the clashes with this directory remain */
		n = m->n;
		keys = m->keys;
		if (dir->u.dir.first || dir->u.dir.groups || dir->u.dir.vops) {
			for (j = 0; j < n; j++) {
				const char *name = attrs[j].name;
				size_t len = strlen(name);

				if ((dir->u.dir.first && apsim__tree_child_find(dir, name, len)) ||
				    (dir->u.dir.groups &&
				     apsim__tree_find_attr(dir, name, len, NULL, NULL)) ||
				    vlink_find(dir, name, len, &vl))
					return -EEXIST;
			}
		}
	} else {
		for (n = 0; attrs[n].name; n++) {
			size_t len;

			if (apsim__tree_check_name(attrs[n].name, &len) < 0)
				return -EINVAL;
			keys |= name_key(attrs[n].name, len);
			if ((dir->u.dir.first && apsim__tree_child_find(dir, attrs[n].name, len)) ||
			    (dir->u.dir.groups &&
			     apsim__tree_find_attr(dir, attrs[n].name, len, NULL, NULL)) ||
			    vlink_find(dir, attrs[n].name, len, &vl))
				return -EEXIST;
			for (j = 0; j < n; j++)
				if (str_eq(attrs[j].name, attrs[n].name, len))
					return -EEXIST;
		}
	}
	i = group_base(dir, n);
	if (i + n > ATTR_IDX_MAX)
		return -ENOSPC;

	/* the directory's first group sets its object: groups of that object share sets */
	if (!dir->u.dir.groups)
		dir->u.dir.gobj = obj;
	add = (struct group){
		.attrs = attrs,
		.obj = obj == dir->u.dir.gobj ? GROUP_DIR_OBJ : obj,
		.n = (uint16_t) n,
		.base = (uint16_t) i,
		.keys = keys,
	};
	gs = apsim__gset_with(t, dir->u.dir.groups, &add);
	if (!gs)
		return -ENOMEM;
	apsim__gset_put(t, dir->u.dir.groups);
	dir->u.dir.groups = gs;
	apsim__tree_memo_get(t, m, attrs, n, keys);
	return 0;
}

int apsim_tree_remove_group(struct apsim_tree *t, struct apsim_node *dir,
			    const struct apsim_attr *attrs)
{
	const struct group_set *gs;
	const struct group *g;

	APSIM_CHECK_ARG(t && dir && attrs);
	if (!is_dir(dir))
		return -ENOTDIR;
	for (g = groups_begin(dir); g != groups_end(dir); g++) {
		if (g->attrs == attrs) {
			bool oom;

			gs = apsim__gset_without(t, dir->u.dir.groups,
						 (unsigned) (g - groups_begin(dir)), &oom);
			if (oom)
				return -ENOMEM;
			apsim__tree_memo_put(t, attrs);
			apsim__gset_put(t, dir->u.dir.groups);
			dir->u.dir.groups = gs;
			return 0;
		}
	}
	return -ENOENT;
}

static int check_access(const struct resolved *res, bool rd, bool wr)
{
	const struct apsim_attr *a;

	if (!res->group)
		return wr ? -EISDIR : 0;
	a = &res->group->attrs[res->idx];
	/* kernfs_fop_open: no read/write bit at all -> -EACCES, even for root */
	if (wr && !(a->mode & 0222))
		return -EACCES;
	if (rd && !(a->mode & 0444))
		return -EACCES;
	return 0;
}

int apsim_tree_open_check(struct apsim_tree *t, const char *path, bool rd, bool wr)
{
	struct resolved res;
	int r;

	APSIM_CHECK_ARG(t && path);
	r = apsim__tree_resolve(t, path, true, &res);
	if (r < 0)
		return r;
	return check_access(&res, rd, wr);
}

/* The open(2) of an attribute for reading or writing: follows links, -EISDIR for a
 * directory, then the kernel's permission checks. */
static int resolve_attr(struct apsim_tree *t, const char *path, bool rd, bool wr,
			struct resolved *ret)
{
	int r = apsim__tree_resolve(t, path, true, ret);

	if (r < 0)
		return r;
	if (!ret->group)
		return -EISDIR;
	return check_access(ret, rd, wr);
}

/* One read of attribute idx of group g of dir through its show(), as apsim_tree_read. */
static ssize_t show_attr(const struct apsim_node *dir, const struct group *g, unsigned idx,
			 char *buf, size_t len)
{
	const struct apsim_attr *a = &g->attrs[idx];
	char page[APSIM_SYSFS_PAGE];
	ssize_t n;

	if (!a->show)
		return -EIO; /* dev_attr_show */
	memset(page, 0, sizeof(page));
	n = a->show(group_obj(dir, g), page, sizeof(page));
	if (n < 0)
		return n;
	if (n >= (ssize_t) sizeof(page))
		n = sizeof(page) - 1; /* sysfs_kf_seq_show caps at PAGE_SIZE - 1 */
	if ((size_t) n > len)
		n = (ssize_t) len;
	memcpy(buf, page, (size_t) n);
	return n;
}

ssize_t apsim_tree_read(struct apsim_tree *t, const char *path, char *buf, size_t len)
{
	struct resolved res;
	int r;

	APSIM_CHECK_ARG(t && path && (buf || len == 0));
	r = resolve_attr(t, path, true, false, &res);
	if (r < 0)
		return r;
	return show_attr(res.node, res.group, res.idx, buf, len);
}

ssize_t apsim__node_read_attr(const struct apsim_node *dir, const char *name, char *buf,
			      size_t len)
{
	const struct apsim_attr *a;
	const struct group *g;
	unsigned idx;

	a = apsim__tree_find_attr(dir, name, strlen(name), &g, &idx);
	if (!a)
		return -ENOENT;
	if (!(a->mode & 0444))
		return -EACCES;
	return show_attr(dir, g, idx, buf, len);
}

ssize_t apsim_tree_write(struct apsim_tree *t, const char *path, const char *buf, size_t len)
{
	char page[APSIM_SYSFS_PAGE + 1];
	const struct apsim_attr *a;
	struct resolved res;
	ssize_t n;
	int r;

	APSIM_CHECK_ARG(t && path && (buf || len == 0));
	r = resolve_attr(t, path, false, true, &res);
	if (r < 0)
		return r;
	if (len > APSIM_SYSFS_PAGE)
		return -EINVAL;
	if (len == 0)
		return 0; /* sysfs_kf_write: nothing to store */
	a = &res.group->attrs[res.idx];
	if (!a->store)
		return -EIO; /* dev_attr_store */
	memcpy(page, buf, len);
	page[len] = '\0';
	n = a->store(group_obj(res.node, res.group), page, len);
	if (n > (ssize_t) len)
		n = (ssize_t) len;
	return n;
}
