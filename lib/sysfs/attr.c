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
		for (g = dir->u.dir.groups; g; g = g->next) {
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
	struct apsim_vlink vl;
	struct group *g, **pp;
	uint32_t keys = 0;
	unsigned n, i, j;

	APSIM_CHECK_ARG(t && dir && attrs);
	if (!is_dir(dir))
		return -ENOTDIR;
	for (g = dir->u.dir.groups; g; g = g->next)
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

	g = apsim__tree_pool_alloc(&t->pool, sizeof(*g));
	if (!g)
		return -ENOMEM;
	memset(g, 0, sizeof(*g));
	g->attrs = attrs;
	g->obj = obj;
	g->n = (uint16_t) n;
	g->base = (uint16_t) i;
	g->keys = keys;
	apsim__tree_memo_get(t, m, attrs, n, keys);
	for (pp = &dir->u.dir.groups; *pp; pp = &(*pp)->next)
		;
	*pp = g;
	return 0;
}

int apsim_tree_remove_group(struct apsim_tree *t, struct apsim_node *dir,
			    const struct apsim_attr *attrs)
{
	struct group **pp;

	APSIM_CHECK_ARG(t && dir && attrs);
	if (!is_dir(dir))
		return -ENOTDIR;
	for (pp = &dir->u.dir.groups; *pp; pp = &(*pp)->next) {
		if ((*pp)->attrs == attrs) {
			struct group *g = *pp;

			*pp = g->next;
			apsim__tree_free_group(t, g);
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

ssize_t apsim_tree_read(struct apsim_tree *t, const char *path, char *buf, size_t len)
{
	char page[APSIM_SYSFS_PAGE];
	const struct apsim_attr *a;
	struct resolved res;
	ssize_t n;
	int r;

	APSIM_CHECK_ARG(t && path && (buf || len == 0));
	r = resolve_attr(t, path, true, false, &res);
	if (r < 0)
		return r;
	a = &res.group->attrs[res.idx];
	if (!a->show)
		return -EIO; /* dev_attr_show */
	memset(page, 0, sizeof(page));
	n = a->show(res.group->obj, page, sizeof(page));
	if (n < 0)
		return n;
	if (n >= (ssize_t) sizeof(page))
		n = sizeof(page) - 1; /* sysfs_kf_seq_show caps at PAGE_SIZE - 1 */
	if ((size_t) n > len)
		n = (ssize_t) len;
	memcpy(buf, page, (size_t) n);
	return n;
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
	n = a->store(res.group->obj, page, len);
	if (n > (ssize_t) len)
		n = (ssize_t) len;
	return n;
}
