/* SPDX-License-Identifier: MIT */
/*
 * The sysfs tree: directories, attributes (show/store callbacks declared as tables, style
 * 4.8) and symlinks. Every access from outside (CLI, scenario, FUSE) goes through this API.
 * The tree is not locked here: callers hold the simulator lock (apsim_sim_lock()).
 */
#ifndef APSIM_SYSFS_H
#define APSIM_SYSFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "apsim/export.h"

/* PAGE_SIZE: reads return at most this, writes of more fail with EINVAL. */
#define APSIM_SYSFS_PAGE 4096

struct apsim_tree;
struct apsim_node;

/*
 * An attribute. show() renders into buf (APSIM_SYSFS_PAGE bytes) and returns the length or
 * -errno. store() gets exactly the written bytes (not NUL-terminated; buf[len] is readable
 * and is '\0'), returns len (or bytes consumed) or -errno. obj is the owner object given
 * when the attribute's group was attached to a directory.
 */
struct apsim_attr {
	const char *name;
	unsigned mode; /* 0444, 0644, 0200 ... */
	ssize_t (*show)(void *obj, char *buf, size_t len);
	ssize_t (*store)(void *obj, const char *buf, size_t len);
};

#define APSIM_ATTR_RO(_name) { .name = #_name, .mode = 0444, .show = _name##_show }
#define APSIM_ATTR_RW(_name) { .name = #_name, .mode = 0644, .show = _name##_show, .store = _name##_store }
#define APSIM_ATTR_WO(_name) { .name = #_name, .mode = 0200, .store = _name##_store }

enum apsim_node_type { APSIM_NODE_DIR, APSIM_NODE_ATTR, APSIM_NODE_LINK };

/* What stat/lookup returns about one path. */
struct apsim_node_info {
	enum apsim_node_type type;
	unsigned mode;      /* permission bits (0755 for dirs, 0777 for links, attr's mode) */
	uint64_t ino;       /* stable while the node exists */
};

APSIM_EXPORT int apsim_tree_new(struct apsim_tree **ret);
APSIM_EXPORT void apsim_tree_free(struct apsim_tree *t);
APSIM_EXPORT struct apsim_node *apsim_tree_root(struct apsim_tree *t);

/* --- building (library side) --- */

/* -EEXIST if name exists in parent. *ret_node borrowed, valid until removed. */
APSIM_EXPORT int apsim_tree_mkdir(struct apsim_tree *t, struct apsim_node *parent, const char *name,
				  struct apsim_node **ret_node);
/* mkdir -p of a slash-separated path under the root; returns the last dir. */
APSIM_EXPORT int apsim_tree_mkdir_p(struct apsim_tree *t, const char *path,
				    struct apsim_node **ret_node);
/*
 * Attach an attribute table (terminated by an entry with name == NULL) to a directory; the
 * attributes appear as files, in table order, after the directory's earlier groups.
 * Attributes are virtual: no node per attribute. -EEXIST if the same table is attached.
 */
APSIM_EXPORT int apsim_tree_add_group(struct apsim_tree *t, struct apsim_node *dir,
				      const struct apsim_attr *attrs, void *obj);
APSIM_EXPORT int apsim_tree_remove_group(struct apsim_tree *t, struct apsim_node *dir,
					 const struct apsim_attr *attrs);
/* A symlink named name in parent pointing at target; readlink yields the relative path. */
APSIM_EXPORT int apsim_tree_symlink(struct apsim_tree *t, struct apsim_node *parent, const char *name,
				    struct apsim_node *target, struct apsim_node **ret_node);
/* Remove a node (recursively for dirs). Links pointing at removed dirs are the caller's job. */
APSIM_EXPORT void apsim_tree_remove(struct apsim_tree *t, struct apsim_node *node);
/* Remove the child named name of parent, if any. */
APSIM_EXPORT void apsim_tree_remove_child(struct apsim_tree *t, struct apsim_node *parent,
					  const char *name);
APSIM_EXPORT struct apsim_node *apsim_tree_child(struct apsim_tree *t, struct apsim_node *parent,
						 const char *name);
APSIM_EXPORT const char *apsim_node_name(const struct apsim_node *node);
APSIM_EXPORT struct apsim_node *apsim_node_parent(const struct apsim_node *node);
/* Absolute path of a node from the tree root, e.g. "/devices/ap/card04". */
APSIM_EXPORT int apsim_node_path(const struct apsim_node *node, char *buf, size_t len);

/* --- access (front-end side); paths are relative to the root, "" or "/" = root --- */

/* Follows symlinks in intermediate components, not in the last one (like lstat). */
APSIM_EXPORT int apsim_tree_lookup(struct apsim_tree *t, const char *path,
				   struct apsim_node_info *ret_info);
/* Reads an attribute: -ENOENT, -EISDIR, -EACCES (no show / write-only), or the show errno. */
APSIM_EXPORT ssize_t apsim_tree_read(struct apsim_tree *t, const char *path, char *buf, size_t len);
/* Writes an attribute: -EINVAL when len > APSIM_SYSFS_PAGE, -EACCES (read-only), or the store's. */
APSIM_EXPORT ssize_t apsim_tree_write(struct apsim_tree *t, const char *path, const char *buf,
				      size_t len);
/* Relative link target, e.g. "../../../bus/ap/drivers/cex4card". */
APSIM_EXPORT int apsim_tree_readlink(struct apsim_tree *t, const char *path, char *buf, size_t len);

struct apsim_dirent {
	const char *name;   /* borrowed, valid until the next tree change */
	enum apsim_node_type type;
	uint64_t ino;
};
/* Calls fn for each entry (dirs and links in creation order, then attributes in group order;
 * no "." / ".."). Stops when fn returns non-zero and returns that value. */
APSIM_EXPORT int apsim_tree_readdir(struct apsim_tree *t, const char *path,
				    int (*fn)(const struct apsim_dirent *ent, void *ctx), void *ctx);

/* Writes the tree as plain files (attribute contents; write-only ones as empty files) and
 * symlinks under dir, which is created if missing. */
APSIM_EXPORT int apsim_tree_dump(struct apsim_tree *t, const char *dir);

/* --- additions (tree) --- */

/* Number of real nodes (directories and symlinks, root excluded). */
APSIM_EXPORT size_t apsim_tree_node_count(const struct apsim_tree *t);
/* Like apsim_tree_lookup but follows a symlink in the last component too (stat semantics). */
APSIM_EXPORT int apsim_tree_stat(struct apsim_tree *t, const char *path,
				 struct apsim_node_info *ret_info);
/*
 * The checks sysfs makes at open(2) (kernfs_fop_open): follows the last component; 0 for a
 * directory opened for reading; -EISDIR for a directory opened for writing; -EACCES for an
 * attribute opened for reading without any read bit or for writing without any write bit
 * (even for root). apsim_tree_read/write make the same checks; a readable attribute without
 * show() reads -EIO and a writable one without store() writes -EIO (dev_attr_show/store).
 * apsim_tree_readlink NUL-terminates and returns the length, -EINVAL if not a link,
 * -ENAMETOOLONG if buf is too small. apsim_node_path returns the length likewise.
 */
APSIM_EXPORT int apsim_tree_open_check(struct apsim_tree *t, const char *path, bool rd, bool wr);

#endif
