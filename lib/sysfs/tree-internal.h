/* SPDX-License-Identifier: MIT */
/*
 * tree-internal.h - what the files of the sysfs tree share: the node, group and tree
 * structures and the few functions of tree.c that attr.c and path.c call. Nothing outside
 * lib/sysfs includes it.
 */
#ifndef APSIM_SYSFS_TREE_INTERNAL_H
#define APSIM_SYSFS_TREE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apsim/sysfs.h"
#include "base/chunk-internal.h"
#include "sysfs/vlink-internal.h"

#define NAME_MAX_LEN	   255
#define MAX_SYMLINK_FOLLOW 40
#define SMALL_DIR	   8

/* Attribute inodes: bit 63 set, the directory's inode above ATTR_IDX_BITS, the index below. */
#define ATTR_IDX_BITS 12
#define ATTR_IDX_MAX  (1u << ATTR_IDX_BITS)
#define ATTR_INO_FLAG (UINT64_C(1) << 63)

/* One attribute table attached to a directory. */
struct group {
	const struct apsim_attr *attrs;
	void *obj;     /* its owner object, or GROUP_DIR_OBJ: the directory's u.dir.gobj */
	uint16_t n;    /* attributes in the table (at most ATTR_IDX_MAX) */
	uint16_t base; /* index of attrs[0] for inode numbers */
	uint32_t keys; /* name_key() of every attribute name */
};

extern char apsim__group_dir_obj;
#define GROUP_DIR_OBJ ((void *) &apsim__group_dir_obj)

/*
 * The groups of a directory, in attachment order: an immutable set interned per tree
 * (group-set.c) and shared by every directory with the same tables, bases and objects.
 * The owner object that most directories give all their groups (the device) is the
 * directory's gobj, so 65,536 queue directories share a handful of sets.
 */
struct group_set {
	struct group_set *hnext; /* the tree's hash chain */
	uint64_t hash;
	unsigned refs;		 /* directories using it */
	unsigned n;
	struct group g[];
};

struct gset_table {
	struct group_set **buckets;
	size_t n_buckets; /* power of two, or 0 */
	size_t n;
	/* Room for one set of up to spare_n groups, kept so that detaching a table (which
	 * builds a smaller set) does not fail for want of memory: sysfs_remove_group() does
	 * not fail. Reserved by every attach, refilled after use. */
	struct group_set *spare;
	unsigned spare_n;
};

_Static_assert(ATTR_IDX_MAX <= UINT16_MAX, "group indexes fit 16 bits");

struct apsim_node {
	struct apsim_node *parent;
	/* siblings in creation order; the first child's prev is the last child */
	struct apsim_node *prev, *next;
	struct apsim_node *links_in; /* first symlink targeting this node */
	uint64_t ino;
	union {
		struct {
			struct apsim_node *first;
			const struct group_set *groups; /* NULL: none */
			void *gobj;			/* the object of GROUP_DIR_OBJ groups */
			struct dir_table *table; /* NULL while the dir is small */
			const struct apsim_vlink_ops *vops; /* virtual links (vlink.c), or NULL */
			void *vobj;
		} dir;
		struct {
			struct apsim_node *target;
			struct apsim_node *tprev, *tnext; /* target's links_in list */
		} link;
	} u;
	uint32_t hash;		/* of the name, while the parent has a table */
	unsigned char type;	/* enum apsim_node_type */
	unsigned char name_len; /* at most NAME_MAX_LEN */
	char name[];
};

struct slot {
	struct apsim_node *node; /* NULL: empty */
	uint32_t hash;
};

struct dir_table {
	struct slot *slots;
	size_t n_slots; /* power of two, at most 3/4 full */
	size_t n;
};

/*
 * A table known to be valid (names valid and distinct) because a group of it is attached
 * somewhere: attached tables are borrowed and stay unchanged, so attaching the same table
 * again need not check its names once more.
 */
struct table_memo {
	const struct apsim_attr *attrs;
	unsigned n;    /* attributes */
	unsigned refs; /* groups of this table attached */
	uint32_t keys; /* name_key() of every attribute name */
};

#define MAX_MEMO 64

/*
 * Nodes and groups come from a pool per tree: chunks carved in POOL_ALIGN steps, and a free
 * list per size class that later allocations of the same size reuse. No per-object malloc
 * header or call; the chunks are freed with the tree.
 */
#define POOL_ALIGN   8
#define POOL_CHUNK   APSIM_CHUNK_SIZE /* lib/base/chunk.c */
#define NODE_SIZE(l) (offsetof(struct apsim_node, name) + (l) + 1)
#define POOL_CLASSES ((NODE_SIZE(NAME_MAX_LEN) + POOL_ALIGN - 1) / POOL_ALIGN + 1)

struct pool_chunk {
	struct pool_chunk *next;
	size_t pad; /* keeps the data aligned to 16 */
};

struct pool {
	void *free[POOL_CLASSES];
	struct pool_chunk *chunks;
	char *cur;
	size_t left;
};

struct apsim_tree {
	struct apsim_node *root;
	size_t n_nodes; /* root excluded */
	uint64_t next_ino;
	struct table_memo memo[MAX_MEMO];
	unsigned n_memo;
	struct pool pool;
	struct gset_table gsets;
};

struct resolved {
	struct apsim_node *node;   /* the node, or the directory owning the attribute or vlink */
	const struct group *group; /* non-NULL for an attribute */
	unsigned idx;
	struct apsim_node *vtarget; /* non-NULL for a virtual link (vlink-internal.h) */
	uint64_t vino;
};

/* s equals the first len bytes of name (which holds no NUL there) and ends after them */
static inline bool str_eq(const char *s, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != name[i])
			return false;
	return s[len] == '\0';
}
/* One of 32 bits for a name of len bytes, so a group can be skipped without comparing names. */
static inline uint32_t name_key(const char *name, size_t len)
{
	return UINT32_C(1) << (((unsigned) (unsigned char) name[0] + 7u * (unsigned) len) & 31u);
}
/* The groups of dir: for (g = groups_begin(dir); g != groups_end(dir); g++) */
static inline const struct group *groups_begin(const struct apsim_node *dir)
{
	return dir->u.dir.groups ? dir->u.dir.groups->g : NULL;
}
static inline const struct group *groups_end(const struct apsim_node *dir)
{
	return dir->u.dir.groups ? dir->u.dir.groups->g + dir->u.dir.groups->n : NULL;
}
/* The owner object of group g of dir. */
static inline void *group_obj(const struct apsim_node *dir, const struct group *g)
{
	return g->obj == GROUP_DIR_OBJ ? dir->u.dir.gobj : g->obj;
}
static inline bool is_dir(const struct apsim_node *n)
{
	return n->type == APSIM_NODE_DIR;
}
static inline uint64_t attr_ino(const struct apsim_node *dir, const struct group *g, unsigned i)
{
	return ATTR_INO_FLAG | (dir->ino << ATTR_IDX_BITS) | (g->base + i);
}

/* --- vlink.c --- */

/* The virtual link of dir named name[0..len) into *ret: true, or false if none. */
static inline bool vlink_find(const struct apsim_node *dir, const char *name, size_t len,
			      struct apsim_vlink *ret)
{
	return dir->u.dir.vops && dir->u.dir.vops->lookup(dir->u.dir.vobj, name, len, ret) > 0;
}

/* --- tree.c --- */

/* Pool memory for a node or a group of the tree; NULL when out of memory. */
void *apsim__tree_pool_alloc(struct pool *p, size_t size);
/* 0 for a valid node or attribute name (its length in *ret_len), else -EINVAL. */
int apsim__tree_check_name(const char *name, size_t *ret_len);
/* The child named name[0..len) of directory dir, or NULL. */
struct apsim_node *apsim__tree_child_find(const struct apsim_node *dir, const char *name,
					  size_t len);
/* The attribute named name[0..len) in the groups of dir (with its group and index), or NULL. */
const struct apsim_attr *apsim__tree_find_attr(const struct apsim_node *dir, const char *name,
					       size_t len, const struct group **ret_group,
					       unsigned *ret_idx);
/* Reads attribute name of directory dir as apsim_tree_read reads it, without a path lookup:
 * for a caller that holds the device's node. -ENOENT, -EACCES, -EIO, or the show errno. */
ssize_t apsim__node_read_attr(const struct apsim_node *dir, const char *name, char *buf,
			      size_t len);
/* The memo of a table (moved one place to the front), or NULL. */
struct table_memo *apsim__tree_memo_find(struct apsim_tree *t, const struct apsim_attr *attrs);
/* One more group of a valid table is attached (m its memo, or NULL to remember it). */
void apsim__tree_memo_get(struct apsim_tree *t, struct table_memo *m,
			  const struct apsim_attr *attrs, unsigned n, uint32_t keys);
/* A group of attrs is detached: the table is forgotten with its last group. */
void apsim__tree_memo_put(struct apsim_tree *t, const struct apsim_attr *attrs);

/* --- group-set.c --- */

/* The interned set of old's groups and then add (old NULL: none), with one more reference;
 * NULL when out of memory. old keeps its reference. */
const struct group_set *apsim__gset_with(struct apsim_tree *t, const struct group_set *old,
					 const struct group *add);
/* The interned set of old's groups but the one at idx (NULL when none is left), with one more
 * reference; NULL also when out of memory (*ret_oom set). old keeps its reference. */
const struct group_set *apsim__gset_without(struct apsim_tree *t, const struct group_set *old,
					    unsigned idx, bool *ret_oom);
/* Drops a reference; the set is freed with its last one. NULL is ignored. */
void apsim__gset_put(struct apsim_tree *t, const struct group_set *gs);
/* Frees the tree's (empty) set table. */
void apsim__gset_table_free(struct apsim_tree *t);
/* Resolves path from the root, following links in every component but the last one unless
 * follow_last: -ENOENT, -ENOTDIR, -ELOOP, -ENAMETOOLONG. */
int apsim__tree_resolve(struct apsim_tree *t, const char *path, bool follow_last,
			struct resolved *ret);

#endif
