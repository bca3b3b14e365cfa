/* SPDX-License-Identifier: MIT */
/*
 * tree.c - the sysfs tree's nodes (include/apsim/sysfs.h): creating and removing directories
 * and symlinks, their names and per-directory tables, finding an attribute in a directory's
 * groups, and resolving a path (lookup, stat). Calls only lib/base.
 *
 * Only directories and symlinks are real nodes. Attributes are virtual: a directory keeps an
 * interned set of attached attribute tables (groups) with their owner objects, and an attribute is
 * found by scanning those few tables. Every directory keeps its children on a doubly-linked
 * list in creation order (readdir order, O(1) removal); a directory with more than
 * SMALL_DIR children also gets its own hash table of them, so lookup, insertion and removal
 * are O(1) on average. A node is one allocation with its name stored inline, from a pool
 * of the tree.
 *
 * The per-directory hash tables are open-addressed (linear probing, backward-shift
 * deletion) and keep each entry's hash next to the node pointer, so a lookup usually
 * touches one cache line of the table and only the node that matches; small directories
 * (queue directories with a handful of links) are searched along their child list, which
 * costs no memory. Per-directory tables keep the working set of a lookup small (one table
 * of bus/ap/devices is 2 MB with 65,792 links) where one tree-wide table would not.
 *
 * Every node keeps the list of symlinks that target it; removing a node also removes those
 * links (a safety net: kernel callers remove their links first), so a link never dangles.
 *
 * The files of the tree, lowest first (each calls only the ones before it, through
 * tree-internal.h): tree.c (nodes, names, directory tables, attribute lookup, path
 * resolution; vlink.c gives a directory its virtual links, group-set.c interns the sets of
 * attached tables), attr.c (groups: attaching and detaching tables; open checks, read and
 * write), path.c (node paths, link targets, readdir).
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "base/asan-internal.h"

#include "apsim/sysfs.h"
#include "base/chunk-internal.h"
#include "base/macro-internal.h"
#include "sysfs/tree-internal.h"

void *apsim__tree_pool_alloc(struct pool *p, size_t size)
{
	size_t cls = (size + POOL_ALIGN - 1) / POOL_ALIGN;
	void *obj = p->free[cls];

	size = cls * POOL_ALIGN;
	if (obj) {
		UNPOISON(obj, size);
		p->free[cls] = *(void **) obj;
		return obj;
	}
	if (p->left < size) {
		struct pool_chunk *c = apsim__chunk_alloc();

		if (!c)
			return NULL;
		c->next = p->chunks;
		p->chunks = c;
		p->cur = (char *) (c + 1);
		p->left = POOL_CHUNK - sizeof(*c);
		POISON(p->cur, p->left);
	}
	obj = p->cur;
	p->cur += size;
	p->left -= size;
	UNPOISON(obj, size);
	return obj;
}

static void pool_free(struct pool *p, void *obj, size_t size)
{
	size_t cls = (size + POOL_ALIGN - 1) / POOL_ALIGN;

	*(void **) obj = p->free[cls];
	p->free[cls] = obj;
	POISON(obj, cls * POOL_ALIGN);
}

static void pool_done(struct pool *p)
{
	struct pool_chunk *c, *next;

	for (c = p->chunks; c; c = next) {
		next = c->next;
		UNPOISON(c, sizeof(*c));
		apsim__chunk_free(c);
	}
	memset(p, 0, sizeof(*p));
}

/* FNV-1a */
static uint32_t hash_name(const char *name, size_t len)
{
	uint64_t h = UINT64_C(14695981039346656037);
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char) name[i];
		h *= UINT64_C(1099511628211);
	}
	return (uint32_t) (h ^ (h >> 32));
}

static bool name_eq(const struct apsim_node *n, const char *name, size_t len)
{
	return n->name_len == len && memcmp(n->name, name, len) == 0;
}

static void slot_put(struct slot *slots, size_t n_slots, struct apsim_node *node, uint32_t hash)
{
	size_t i = hash & (n_slots - 1);

	while (slots[i].node)
		i = (i + 1) & (n_slots - 1);
	slots[i].node = node;
	slots[i].hash = hash;
}

static int table_resize(struct dir_table *tb, size_t n_slots)
{
	struct slot *ns;
	size_t i;

	ns = calloc(n_slots, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (i = 0; i < tb->n_slots; i++)
		if (tb->slots[i].node)
			slot_put(ns, n_slots, tb->slots[i].node, tb->slots[i].hash);
	free(tb->slots);
	tb->slots = ns;
	tb->n_slots = n_slots;
	return 0;
}

/* Builds the table of a directory that outgrew SMALL_DIR. */
static int table_create(struct apsim_node *dir)
{
	struct dir_table *tb;
	struct apsim_node *c;
	int r;

	tb = calloc(1, sizeof(*tb));
	if (!tb)
		return -ENOMEM;
	r = table_resize(tb, 4 * SMALL_DIR);
	if (r < 0) {
		free(tb);
		return r;
	}
	for (c = dir->u.dir.first; c; c = c->next) {
		c->hash = hash_name(c->name, c->name_len);
		slot_put(tb->slots, tb->n_slots, c, c->hash);
		tb->n++;
	}
	dir->u.dir.table = tb;
	return 0;
}

static void table_free(struct apsim_node *dir)
{
	if (dir->u.dir.table) {
		free(dir->u.dir.table->slots);
		free(dir->u.dir.table);
		dir->u.dir.table = NULL;
	}
}

/* The child named name[0..len) of a small directory, or NULL (then *ret_count = children). */
static struct apsim_node *list_find(const struct apsim_node *dir, const char *name, size_t len,
				    size_t *ret_count)
{
	struct apsim_node *c;
	size_t count = 0;

	for (c = dir->u.dir.first; c; c = c->next, count++)
		if (name_eq(c, name, len))
			return c;
	if (ret_count)
		*ret_count = count;
	return NULL;
}

/* The child named name[0..len), which hashes to h, of a directory with a table, or NULL. */
static struct apsim_node *table_find(const struct dir_table *tb, const char *name, size_t len,
				     uint32_t h)
{
	size_t mask, i;

	mask = tb->n_slots - 1;
	for (i = h & mask; tb->slots[i].node; i = (i + 1) & mask) {
		struct apsim_node *n = tb->slots[i].node;

		if (tb->slots[i].hash == h && name_eq(n, name, len))
			return n;
	}
	return NULL;
}

struct apsim_node *apsim__tree_child_find(const struct apsim_node *dir, const char *name,
					  size_t len)
{
	const struct dir_table *tb = dir->u.dir.table;

	if (!tb)
		return list_find(dir, name, len, NULL);
	return table_find(tb, name, len, hash_name(name, len));
}

static void table_unlink(struct dir_table *tb, struct apsim_node *node)
{
	size_t mask = tb->n_slots - 1, i, j;

	for (i = node->hash & mask; tb->slots[i].node != node; i = (i + 1) & mask)
		assert(tb->slots[i].node);
	/* backward-shift deletion: move later entries of the run into the hole when allowed */
	for (j = (i + 1) & mask; tb->slots[j].node; j = (j + 1) & mask) {
		size_t home = tb->slots[j].hash & mask;

		/* the entry at j may move to i unless its home lies cyclically in (i, j] */
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			tb->slots[i] = tb->slots[j];
			i = j;
		}
	}
	tb->slots[i].node = NULL;
	tb->slots[i].hash = 0;
	tb->n--;
}

const struct apsim_attr *apsim__tree_find_attr(const struct apsim_node *dir, const char *name,
					       size_t len, const struct group **ret_group,
					       unsigned *ret_idx)
{
	uint32_t key = name_key(name, len);
	const struct group *g;
	unsigned i;

	for (g = groups_begin(dir); g != groups_end(dir); g++) {
		if (!(g->keys & key))
			continue;
		for (i = 0; i < g->n; i++) {
			if (str_eq(g->attrs[i].name, name, len)) {
				if (ret_group)
					*ret_group = g;
				if (ret_idx)
					*ret_idx = i;
				return &g->attrs[i];
			}
		}
	}
	return NULL;
}

/* A valid node or attribute name: 1..NAME_MAX_LEN bytes, no '/', not "." or "..". */
int apsim__tree_check_name(const char *name, size_t *ret_len)
{
	size_t len;

	if (!name)
		return -EINVAL;
	len = strlen(name);
	if (len == 0 || len > NAME_MAX_LEN || memchr(name, '/', len) ||
	    (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.'))))
		return -EINVAL;
	*ret_len = len;
	return 0;
}

static int new_node(struct apsim_tree *t, struct apsim_node *parent, const char *name,
		    enum apsim_node_type type, struct apsim_node **ret_node)
{
	struct dir_table *tb;
	size_t len, count = 0;
	struct apsim_node *n;
	uint32_t h = 0;
	int r;

	r = apsim__tree_check_name(name, &len);
	if (r < 0)
		return r;
	if (!parent || !is_dir(parent))
		return -ENOTDIR;
	/* names are hashed only in directories with a table */
	tb = parent->u.dir.table;
	if (tb) {
		h = hash_name(name, len);
		if (table_find(tb, name, len, h))
			return -EEXIST;
	} else if (list_find(parent, name, len, &count)) {
		return -EEXIST;
	}
	if (apsim__tree_find_attr(parent, name, len, NULL, NULL) ||
	    vlink_find(parent, name, len, &(struct apsim_vlink){0}))
		return -EEXIST;

	if (!tb && count >= SMALL_DIR) {
		r = table_create(parent);
		if (r < 0)
			return r;
		tb = parent->u.dir.table;
		h = hash_name(name, len);
	}
	if (tb && (tb->n + 1) * 4 > tb->n_slots * 3) {
		r = table_resize(tb, tb->n_slots * 2);
		if (r < 0)
			return r;
	}

	n = apsim__tree_pool_alloc(&t->pool, NODE_SIZE(len));
	if (!n)
		return -ENOMEM;
	memset(n, 0, offsetof(struct apsim_node, name));
	memcpy(n->name, name, len + 1);
	n->name_len = (unsigned char) len;
	n->type = (unsigned char) type;
	n->parent = parent;
	n->ino = t->next_ino++;
	n->hash = h;
	if (tb) {
		slot_put(tb->slots, tb->n_slots, n, h);
		tb->n++;
	}
	t->n_nodes++;

	if (parent->u.dir.first) {
		struct apsim_node *last = parent->u.dir.first->prev;

		last->next = n;
		n->prev = last;
		parent->u.dir.first->prev = n;
	} else {
		parent->u.dir.first = n;
		n->prev = n;
	}

	*ret_node = n;
	return 0;
}

/* The memo of attrs, moved one place to the front (busy tables are found first), or NULL. */
struct table_memo *apsim__tree_memo_find(struct apsim_tree *t, const struct apsim_attr *attrs)
{
	unsigned i;

	for (i = 0; i < t->n_memo; i++) {
		if (t->memo[i].attrs == attrs) {
			if (i > 0) {
				struct table_memo tmp = t->memo[i - 1];

				t->memo[i - 1] = t->memo[i];
				t->memo[i] = tmp;
				i--;
			}
			return &t->memo[i];
		}
	}
	return NULL;
}

/* One more group of a valid table is attached: m is its memo, or NULL to remember it now (if
 * there is room) with its n attributes and their keys. */
void apsim__tree_memo_get(struct apsim_tree *t, struct table_memo *m,
			  const struct apsim_attr *attrs, unsigned n, uint32_t keys)
{
	if (m) {
		m->refs++;
	} else if (t->n_memo < MAX_MEMO) {
		m = &t->memo[t->n_memo++];
		m->attrs = attrs;
		m->n = n;
		m->refs = 1;
		m->keys = keys;
	}
}

/* A group of attrs is detached: the table is forgotten with its last group. */
void apsim__tree_memo_put(struct apsim_tree *t, const struct apsim_attr *attrs)
{
	struct table_memo *m = apsim__tree_memo_find(t, attrs);

	if (m && --m->refs == 0)
		*m = t->memo[--t->n_memo];
}

static void remove_node(struct apsim_tree *t, struct apsim_node *node);

static void remove_links_in(struct apsim_tree *t, struct apsim_node *node)
{
	while (node->links_in)
		remove_node(t, node->links_in);
}

static void remove_node(struct apsim_tree *t, struct apsim_node *node)
{
	struct apsim_node *parent = node->parent;

	if (is_dir(node)) {
		const struct group *g;

		/* the dir goes away: drop its table first, children need no unhashing */
		table_free(node);
		/* always take the first child: removing one may remove a sibling link */
		while (node->u.dir.first)
			remove_node(t, node->u.dir.first);
		for (g = groups_begin(node); g != groups_end(node); g++)
			apsim__tree_memo_put(t, g->attrs);
		apsim__gset_put(t, node->u.dir.groups);
		node->u.dir.groups = NULL;
	} else {
		struct apsim_node *tg = node->u.link.target;

		if (node->u.link.tprev)
			node->u.link.tprev->u.link.tnext = node->u.link.tnext;
		else
			tg->links_in = node->u.link.tnext;
		if (node->u.link.tnext)
			node->u.link.tnext->u.link.tprev = node->u.link.tprev;
	}
	remove_links_in(t, node);

	if (!parent) /* the root */
		return;

	if (parent->u.dir.table)
		table_unlink(parent->u.dir.table, node);
	t->n_nodes--;
	if (node == parent->u.dir.first)
		parent->u.dir.first = node->next;
	else
		node->prev->next = node->next;
	if (node->next)
		node->next->prev = node->prev;
	else if (parent->u.dir.first)
		parent->u.dir.first->prev = node->prev; /* node was the last */
	pool_free(&t->pool, node, NODE_SIZE(node->name_len));
}

int apsim_tree_new(struct apsim_tree **ret)
{
	struct apsim_tree *t;

	APSIM_CHECK_ARG(ret);
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->root = calloc(1, sizeof(*t->root) + 1);
	if (!t->root)
		goto out_free_tree;
	t->root->type = APSIM_NODE_DIR;
	t->root->ino = 1;
	t->next_ino = 2;
	*ret = t;
	return 0;

out_free_tree:
	free(t);
	return -ENOMEM;
}

void apsim_tree_free(struct apsim_tree *t)
{
	if (!t)
		return;
	remove_node(t, t->root);
	free(t->root);
	pool_done(&t->pool);
	apsim__gset_table_free(t);
	free(t);
}

struct apsim_node *apsim_tree_root(struct apsim_tree *t)
{
	return t ? t->root : NULL;
}

size_t apsim_tree_node_count(const struct apsim_tree *t)
{
	return t ? t->n_nodes : 0;
}

int apsim_tree_mkdir(struct apsim_tree *t, struct apsim_node *parent, const char *name,
		     struct apsim_node **ret_node)
{
	struct apsim_node *n;
	int r;

	APSIM_CHECK_ARG(t && parent);
	r = new_node(t, parent, name, APSIM_NODE_DIR, &n);
	if (r < 0)
		return r;
	if (ret_node)
		*ret_node = n;
	return 0;
}

int apsim_tree_symlink(struct apsim_tree *t, struct apsim_node *parent, const char *name,
		       struct apsim_node *target, struct apsim_node **ret_node)
{
	struct apsim_node *n;
	int r;

	APSIM_CHECK_ARG(t && parent && target);
	r = new_node(t, parent, name, APSIM_NODE_LINK, &n);
	if (r < 0)
		return r;
	n->u.link.target = target;
	n->u.link.tnext = target->links_in;
	if (target->links_in)
		target->links_in->u.link.tprev = n;
	target->links_in = n;
	if (ret_node)
		*ret_node = n;
	return 0;
}

void apsim_tree_remove(struct apsim_tree *t, struct apsim_node *node)
{
	if (!t || !node || node == t->root)
		return;
	remove_node(t, node);
}

struct apsim_node *apsim_tree_child(struct apsim_tree *t, struct apsim_node *parent,
				    const char *name)
{
	if (!t || !parent || !name || !is_dir(parent))
		return NULL;
	return apsim__tree_child_find(parent, name, strlen(name));
}

void apsim_tree_remove_child(struct apsim_tree *t, struct apsim_node *parent, const char *name)
{
	apsim_tree_remove(t, apsim_tree_child(t, parent, name));
}

const char *apsim_node_name(const struct apsim_node *node)
{
	return node ? node->name : NULL;
}

struct apsim_node *apsim_node_parent(const struct apsim_node *node)
{
	return node ? node->parent : NULL;
}

/* --- path resolution --- */

static struct apsim_node *follow(struct apsim_node *n, unsigned *nfollow)
{
	while (n->type == APSIM_NODE_LINK) {
		if (++*nfollow > MAX_SYMLINK_FOLLOW)
			return NULL;
		n = n->u.link.target;
	}
	return n;
}

/* Only slashes (or nothing) follow p. */
static bool at_end(const char *p)
{
	while (*p == '/')
		p++;
	return *p == '\0';
}

/*
 * The next component of the path at *p (leading slashes skipped) in *ret_c and *ret_len, *p
 * moved past it: 1, or 0 at the end of the path, -ENAMETOOLONG for a component too long.
 */
static int next_component(const char **p, const char **ret_c, size_t *ret_len)
{
	const char *s = *p, *c;

	while (*s == '/')
		s++;
	if (!*s)
		return 0;
	c = s;
	while (*s && *s != '/')
		s++;
	*p = s;
	if ((size_t) (s - c) > NAME_MAX_LEN)
		return -ENAMETOOLONG;
	*ret_c = c;
	*ret_len = (size_t) (s - c);
	return 1;
}

/* "." stays in *cur, ".." goes to its parent (the root's is the root): true for those two. */
static bool step_dots(struct apsim_node **cur, const char *c, size_t len)
{
	if (len == 1 && c[0] == '.')
		return true;
	if (len == 2 && c[0] == '.' && c[1] == '.') {
		if ((*cur)->parent)
			*cur = (*cur)->parent;
		return true;
	}
	return false;
}

int apsim__tree_resolve(struct apsim_tree *t, const char *path, bool follow_last,
			struct resolved *ret)
{
	struct apsim_node *cur = t->root;
	const char *p = path;
	unsigned nfollow = 0;

	for (;;) {
		const char *c = NULL;
		size_t len = 0;
		bool last, trailing_slash;
		struct apsim_node *child;
		struct apsim_vlink vl;
		const struct group *g;
		unsigned idx;
		int r;

		r = next_component(&p, &c, &len);
		if (r <= 0) {
			if (r < 0)
				return r;
			break;
		}
		last = at_end(p);
		trailing_slash = last && *p == '/';

		/* cur is always a directory here */
		if (step_dots(&cur, c, len))
			continue;

		child = apsim__tree_child_find(cur, c, len);
		if (!child && vlink_find(cur, c, len, &vl)) {
			if (last && !follow_last && !trailing_slash) {
				ret->node = cur;
				ret->group = NULL;
				ret->idx = 0;
				ret->vtarget = vl.target;
				ret->vino = vl.ino;
				return 0;
			}
			/* the virtual link counts as one link followed */
			if (++nfollow > MAX_SYMLINK_FOLLOW)
				return -ELOOP;
			child = follow(vl.target, &nfollow);
			if (!child)
				return -ELOOP;
		} else if (!child) {
			if (!apsim__tree_find_attr(cur, c, len, &g, &idx))
				return -ENOENT;
			if (!last || trailing_slash)
				return -ENOTDIR;
			ret->node = cur;
			ret->group = g;
			ret->idx = idx;
			ret->vtarget = NULL;
			return 0;
		}
		if (child->type == APSIM_NODE_LINK && (!last || follow_last || trailing_slash)) {
			child = follow(child, &nfollow);
			if (!child)
				return -ELOOP;
		}
		if (!last && !is_dir(child))
			return -ENOTDIR;
		if (trailing_slash && !is_dir(child))
			return -ENOTDIR;
		cur = child;
		if (last)
			break;
	}
	ret->node = cur;
	ret->group = NULL;
	ret->idx = 0;
	ret->vtarget = NULL;
	return 0;
}

static void fill_info(const struct resolved *res, struct apsim_node_info *info)
{
	if (res->vtarget) {
		info->type = APSIM_NODE_LINK;
		info->mode = 0777;
		info->ino = res->vino;
	} else if (res->group) {
		info->type = APSIM_NODE_ATTR;
		info->mode = res->group->attrs[res->idx].mode & 07777;
		info->ino = attr_ino(res->node, res->group, res->idx);
	} else {
		info->type = (enum apsim_node_type) res->node->type;
		info->mode = is_dir(res->node) ? 0755 : 0777;
		info->ino = res->node->ino;
	}
}

static int lookup_info(struct apsim_tree *t, const char *path, bool follow_last,
		       struct apsim_node_info *ret_info)
{
	struct resolved res;
	int r;

	APSIM_CHECK_ARG(t && path);
	r = apsim__tree_resolve(t, path, follow_last, &res);
	if (r < 0)
		return r;
	if (ret_info)
		fill_info(&res, ret_info);
	return 0;
}

int apsim_tree_lookup(struct apsim_tree *t, const char *path, struct apsim_node_info *ret_info)
{
	return lookup_info(t, path, false, ret_info);
}

int apsim_tree_stat(struct apsim_tree *t, const char *path, struct apsim_node_info *ret_info)
{
	return lookup_info(t, path, true, ret_info);
}

int apsim_tree_mkdir_p(struct apsim_tree *t, const char *path, struct apsim_node **ret_node)
{
	struct apsim_node *cur;
	const char *p = path;
	char name[NAME_MAX_LEN + 1];
	unsigned nfollow = 0;
	int r;

	APSIM_CHECK_ARG(t && path);
	cur = t->root;
	for (;;) {
		const char *c = NULL;
		size_t len = 0;
		struct apsim_node *child;

		r = next_component(&p, &c, &len);
		if (r <= 0) {
			if (r < 0)
				return r;
			break;
		}
		if (step_dots(&cur, c, len))
			continue;
		child = apsim__tree_child_find(cur, c, len);
		if (!child) {
			struct apsim_vlink vl;

			if (vlink_find(cur, c, len, &vl))
				child = vl.target;
		}
		if (child) {
			child = follow(child, &nfollow);
			if (!child)
				return -ELOOP;
			if (!is_dir(child))
				return -ENOTDIR;
			cur = child;
			continue;
		}
		if (apsim__tree_find_attr(cur, c, len, NULL, NULL))
			return at_end(p) ? -EEXIST : -ENOTDIR;
		memcpy(name, c, len);
		name[len] = '\0';
		r = new_node(t, cur, name, APSIM_NODE_DIR, &child);
		if (r < 0)
			return r;
		cur = child;
	}
	if (ret_node)
		*ret_node = cur;
	return 0;
}
