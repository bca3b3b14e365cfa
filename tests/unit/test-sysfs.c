/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "apsim/sysfs.h"

/* --- a small model object behind the attributes --- */

struct obj {
	int online;
	size_t last_store_len;
	int last_store_nul; /* buf[len] == '\0' seen by store */
	int stores;
	const char *big; /* show output when non-NULL */
};

static ssize_t online_show(void *o, char *buf, size_t len)
{
	return snprintf(buf, len, "%d\n", ((struct obj *) o)->online);
}

static ssize_t online_store(void *o, const char *buf, size_t len)
{
	struct obj *ob = o;

	ob->stores++;
	ob->last_store_len = len;
	ob->last_store_nul = buf[len] == '\0';
	if (len >= 1 && (buf[0] == '0' || buf[0] == '1')) {
		ob->online = buf[0] - '0';
		return (ssize_t) len;
	}
	if (len == APSIM_SYSFS_PAGE)
		return (ssize_t) len;
	return -EINVAL;
}

static ssize_t hwtype_show(void *o, char *buf, size_t len)
{
	(void) o;
	return snprintf(buf, len, "%d\n", 13);
}

static ssize_t rescan_store(void *o, const char *buf, size_t len)
{
	((struct obj *) o)->stores++;
	(void) buf;
	return (ssize_t) len;
}

static ssize_t big_show(void *o, char *buf, size_t len)
{
	memset(buf, 'x', len);
	(void) o;
	return (ssize_t) len; /* claims a full page: capped to 4095 */
}

static ssize_t err_show(void *o, char *buf, size_t len)
{
	(void) o;
	(void) buf;
	(void) len;
	return -ENODEV;
}

static const struct apsim_attr queue_attrs[] = {
    APSIM_ATTR_RW(online),
    APSIM_ATTR_RO(hwtype),
    {.name = "big", .mode = 0444, .show = big_show},
    {.name = "broken", .mode = 0444, .show = err_show},
    {0},
};

static const struct apsim_attr extra_attrs[] = {
    APSIM_ATTR_WO(rescan),
    {.name = "noshow", .mode = 0644, .store = rescan_store},
    {.name = "nostore", .mode = 0644, .show = hwtype_show},
    {.name = "ronly", .mode = 0444, .show = hwtype_show, .store = rescan_store},
    {0},
};

static const struct apsim_attr clash_attrs[] = {
    {.name = "subsystem", .mode = 0444, .show = hwtype_show},
    {0},
};

struct fixture {
	struct apsim_tree *t;
	struct apsim_node *devices_ap, *card, *queue, *bus_ap, *bus_devices, *drv;
	struct obj obj;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(apsim_tree_new(&f->t), 0);
	assert_int_equal(apsim_tree_mkdir_p(f->t, "devices/ap", &f->devices_ap), 0);
	assert_int_equal(apsim_tree_mkdir(f->t, f->devices_ap, "card04", &f->card), 0);
	assert_int_equal(apsim_tree_mkdir(f->t, f->card, "04.0020", &f->queue), 0);
	assert_int_equal(apsim_tree_mkdir_p(f->t, "/bus//ap/devices", &f->bus_devices), 0);
	f->bus_ap = apsim_node_parent(f->bus_devices);
	assert_int_equal(apsim_tree_mkdir_p(f->t, "bus/ap/drivers/cex4card", &f->drv), 0);
	assert_int_equal(apsim_tree_symlink(f->t, f->bus_devices, "card04", f->card, NULL), 0);
	assert_int_equal(apsim_tree_symlink(f->t, f->bus_devices, "04.0020", f->queue, NULL), 0);
	assert_int_equal(apsim_tree_symlink(f->t, f->card, "driver", f->drv, NULL), 0);
	assert_int_equal(apsim_tree_symlink(f->t, f->queue, "subsystem", f->bus_ap, NULL), 0);
	assert_int_equal(apsim_tree_add_group(f->t, f->queue, queue_attrs, &f->obj), 0);
	assert_int_equal(apsim_tree_add_group(f->t, f->queue, extra_attrs, &f->obj), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	apsim_tree_free(f->t);
	free(f);
	return 0;
}

static void test_paths_and_names(void **state)
{
	struct fixture *f = *state;
	char buf[256];

	assert_string_equal(apsim_node_name(f->card), "card04");
	assert_ptr_equal(apsim_node_parent(f->card), f->devices_ap);
	assert_int_equal(apsim_node_path(f->queue, buf, sizeof(buf)), 26);
	assert_string_equal(buf, "/devices/ap/card04/04.0020");
	assert_int_equal(apsim_node_path(apsim_tree_root(f->t), buf, sizeof(buf)), 1);
	assert_string_equal(buf, "/");
	assert_int_equal(apsim_node_path(f->queue, buf, 10), -ENAMETOOLONG);
	assert_ptr_equal(apsim_tree_child(f->t, f->card, "04.0020"), f->queue);
	assert_null(apsim_tree_child(f->t, f->card, "online"));
	assert_null(apsim_tree_child(f->t, f->card, "nope"));
}

static void test_lookup_through_links(void **state)
{
	struct fixture *f = *state;
	struct apsim_node_info info;
	char buf[64];

	assert_int_equal(apsim_tree_lookup(f->t, "", &info), 0);
	assert_int_equal(info.type, APSIM_NODE_DIR);
	assert_int_equal(info.ino, 1);
	assert_int_equal(apsim_tree_lookup(f->t, "/", &info), 0);
	assert_int_equal(info.type, APSIM_NODE_DIR);

	/* last component not followed */
	assert_int_equal(apsim_tree_lookup(f->t, "bus/ap/devices/card04", &info), 0);
	assert_int_equal(info.type, APSIM_NODE_LINK);
	assert_int_equal(info.mode, 0777);
	/* stat follows it */
	assert_int_equal(apsim_tree_stat(f->t, "bus/ap/devices/card04", &info), 0);
	assert_int_equal(info.type, APSIM_NODE_DIR);
	assert_int_equal(info.mode, 0755);

	/* intermediate links are followed */
	assert_int_equal(apsim_tree_lookup(f->t, "bus/ap/devices/card04/04.0020/online", &info), 0);
	assert_int_equal(info.type, APSIM_NODE_ATTR);
	assert_int_equal(info.mode, 0644);
	assert_int_equal(
	    apsim_tree_read(f->t, "bus/ap/devices/card04/04.0020/online", buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "0\n", 2);
	assert_int_equal(apsim_tree_read(f->t,
					 "//bus/./ap/devices/04.0020/../../../ap/card04"
					 "/04.0020//online",
					 buf, sizeof(buf)),
			 2);
	/* ".." after a link goes to the target's parent, ".." at the root stays there */
	assert_int_equal(apsim_tree_lookup(f->t, "bus/ap/devices/card04/../card04/04.0020", &info),
			 0);
	assert_int_equal(info.type, APSIM_NODE_DIR);
	assert_int_equal(apsim_tree_lookup(f->t, "../../devices", &info), 0);
	/* a link through a link */
	assert_int_equal(apsim_tree_lookup(f->t,
					   "devices/ap/card04/04.0020/subsystem/devices/card04"
					   "/driver",
					   &info),
			 0);
	assert_int_equal(info.type, APSIM_NODE_LINK);
	/* trailing slash on a link follows it */
	assert_int_equal(apsim_tree_lookup(f->t, "bus/ap/devices/card04/", &info), 0);
	assert_int_equal(info.type, APSIM_NODE_DIR);

	assert_int_equal(apsim_tree_lookup(f->t, "bus/ap/devices/card05", &info), -ENOENT);
	assert_int_equal(apsim_tree_lookup(f->t, "bus/nope/devices", &info), -ENOENT);
	assert_int_equal(apsim_tree_lookup(f->t, "devices/ap/card04/04.0020/online/x", &info),
			 -ENOTDIR);
	assert_int_equal(apsim_tree_lookup(f->t, "devices/ap/card04/04.0020/online/", &info),
			 -ENOTDIR);
}

static void test_readlink(void **state)
{
	struct fixture *f = *state;
	char buf[128];

	assert_int_equal(apsim_tree_readlink(f->t, "bus/ap/devices/card04", buf, sizeof(buf)), 26);
	assert_string_equal(buf, "../../../devices/ap/card04");
	assert_int_equal(apsim_tree_readlink(f->t, "devices/ap/card04/driver", buf, sizeof(buf)),
			 32);
	assert_string_equal(buf, "../../../bus/ap/drivers/cex4card");
	assert_int_equal(
	    apsim_tree_readlink(f->t, "devices/ap/card04/04.0020/subsystem", buf, sizeof(buf)), 18);
	assert_string_equal(buf, "../../../../bus/ap");
	/* through a link to the link's own name */
	assert_int_equal(
	    apsim_tree_readlink(f->t, "bus/ap/devices/card04/driver", buf, sizeof(buf)), 32);
	assert_string_equal(buf, "../../../bus/ap/drivers/cex4card");
	assert_int_equal(apsim_tree_readlink(f->t, "bus/ap/devices/card04", buf, 26),
			 -ENAMETOOLONG);
	assert_int_equal(apsim_tree_readlink(f->t, "devices/ap/card04", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(
	    apsim_tree_readlink(f->t, "devices/ap/card04/04.0020/online", buf, sizeof(buf)),
	    -EINVAL);
	assert_int_equal(apsim_tree_readlink(f->t, "devices/ap/card04/nope", buf, sizeof(buf)),
			 -ENOENT);
}

static void test_readlink_ancestor_and_sibling(void **state)
{
	struct fixture *f = *state;
	struct apsim_node *d;
	char buf[128];

	/* to an ancestor, to the parent itself, to a sibling; kernfs_get_target_path searches
	 * the common ancestor among the target's parents, so ancestors are named, never ".." */
	assert_int_equal(apsim_tree_symlink(f->t, f->queue, "up", f->devices_ap, NULL), 0);
	assert_int_equal(
	    apsim_tree_readlink(f->t, "devices/ap/card04/04.0020/up", buf, sizeof(buf)), 11);
	assert_string_equal(buf, "../../../ap");
	assert_int_equal(apsim_tree_symlink(f->t, f->queue, "self", f->queue, NULL), 0);
	assert_int_equal(
	    apsim_tree_readlink(f->t, "devices/ap/card04/04.0020/self", buf, sizeof(buf)), 10);
	assert_string_equal(buf, "../04.0020");
	assert_int_equal(apsim_tree_mkdir(f->t, f->card, "04.0021", &d), 0);
	assert_int_equal(apsim_tree_symlink(f->t, f->card, "sib", d, NULL), 0);
	assert_int_equal(apsim_tree_readlink(f->t, "devices/ap/card04/sib", buf, sizeof(buf)), 7);
	assert_string_equal(buf, "04.0021");
}

static void test_read_write_errors(void **state)
{
	struct fixture *f = *state;
	char buf[8192];
	const char *q = "devices/ap/card04/04.0020/";
	char p[128];

#define P(name) (snprintf(p, sizeof(p), "%s%s", q, name), p)
	/* directories */
	assert_int_equal(apsim_tree_read(f->t, "devices/ap/card04", buf, sizeof(buf)), -EISDIR);
	assert_int_equal(apsim_tree_write(f->t, "devices/ap/card04", "1", 1), -EISDIR);
	assert_int_equal(apsim_tree_read(f->t, "bus/ap/devices/card04", buf, sizeof(buf)), -EISDIR);
	assert_int_equal(apsim_tree_read(f->t, P("nope"), buf, sizeof(buf)), -ENOENT);
	assert_int_equal(apsim_tree_write(f->t, P("nope"), "1", 1), -ENOENT);
	assert_int_equal(apsim_tree_read(f->t, P("online/x"), buf, sizeof(buf)), -ENOTDIR);
	/* write-only 0200: no read bit -> EACCES (kernfs_fop_open) */
	assert_int_equal(apsim_tree_read(f->t, P("rescan"), buf, sizeof(buf)), -EACCES);
	assert_int_equal(apsim_tree_open_check(f->t, P("rescan"), true, false), -EACCES);
	assert_int_equal(apsim_tree_open_check(f->t, P("rescan"), false, true), 0);
	/* readable mode but no show -> EIO (dev_attr_show) */
	assert_int_equal(apsim_tree_read(f->t, P("noshow"), buf, sizeof(buf)), -EIO);
	/* writable mode but no store -> EIO (dev_attr_store) */
	assert_int_equal(apsim_tree_write(f->t, P("nostore"), "1", 1), -EIO);
	/* read-only mode -> EACCES, even with a store */
	assert_int_equal(apsim_tree_write(f->t, P("ronly"), "1", 1), -EACCES);
	assert_int_equal(apsim_tree_write(f->t, P("hwtype"), "1", 1), -EACCES);
	assert_int_equal(apsim_tree_open_check(f->t, P("hwtype"), false, true), -EACCES);
	assert_int_equal(apsim_tree_open_check(f->t, "devices", true, false), 0);
	assert_int_equal(apsim_tree_open_check(f->t, "devices", false, true), -EISDIR);
	assert_int_equal(f->obj.stores, 0);
	/* show errors pass through */
	assert_int_equal(apsim_tree_read(f->t, P("broken"), buf, sizeof(buf)), -ENODEV);
	/* store errors pass through */
	assert_int_equal(apsim_tree_write(f->t, P("online"), "x", 1), -EINVAL);
	assert_int_equal(f->obj.stores, 1);

	/* 4097 bytes: EINVAL before store; 4096 bytes reach store, NUL-terminated */
	memset(buf, 'z', sizeof(buf));
	assert_int_equal(apsim_tree_write(f->t, P("online"), buf, 4097), -EINVAL);
	assert_int_equal(f->obj.stores, 1);
	assert_int_equal(apsim_tree_write(f->t, P("online"), buf, 4096), 4096);
	assert_int_equal(f->obj.stores, 2);
	assert_int_equal(f->obj.last_store_len, 4096);
	assert_int_equal(f->obj.last_store_nul, 1);
	assert_int_equal(apsim_tree_write(f->t, P("online"), "1\n", 2), 2);
	assert_int_equal(f->obj.last_store_len, 2);
	assert_int_equal(f->obj.last_store_nul, 1);
	assert_int_equal(apsim_tree_read(f->t, P("online"), buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "1\n", 2);
	/* zero-length write stores nothing */
	assert_int_equal(apsim_tree_write(f->t, P("online"), "", 0), 0);
	assert_int_equal(f->obj.stores, 3);
	/* write-only attribute works through a link path */
	assert_int_equal(apsim_tree_write(f->t, "bus/ap/devices/04.0020/rescan", "1", 1), 1);
	assert_int_equal(f->obj.stores, 4);

	/* show capped at PAGE_SIZE - 1; short buffers get a prefix */
	assert_int_equal(apsim_tree_read(f->t, P("big"), buf, sizeof(buf)), 4095);
	assert_int_equal(buf[4094], 'x');
	assert_int_equal(apsim_tree_read(f->t, P("hwtype"), buf, 1), 1);
	assert_int_equal(buf[0], '1');
#undef P
}

static void test_eloop(void **state)
{
	struct fixture *f = *state;
	struct apsim_node *prev = f->queue, *l;
	struct apsim_node_info info;
	char name[16];
	int i;

	/* a chain of 41 links: following all of them exceeds the limit of 40 */
	for (i = 0; i < 41; i++) {
		snprintf(name, sizeof(name), "l%d", i);
		assert_int_equal(apsim_tree_symlink(f->t, f->devices_ap, name, prev, &l), 0);
		prev = l;
	}
	assert_int_equal(apsim_tree_lookup(f->t, "devices/ap/l40", &info), 0);
	assert_int_equal(info.type, APSIM_NODE_LINK);
	assert_int_equal(apsim_tree_stat(f->t, "devices/ap/l40", &info), -ELOOP);
	assert_int_equal(apsim_tree_lookup(f->t, "devices/ap/l40/online", &info), -ELOOP);
	assert_int_equal(apsim_tree_lookup(f->t, "devices/ap/l39/online", &info), 0);
}

struct collect {
	char names[64][32];
	enum apsim_node_type types[64];
	uint64_t inos[64];
	int n;
	int stop_at;
};

static int collect_fn(const struct apsim_dirent *ent, void *ctx)
{
	struct collect *c = ctx;

	snprintf(c->names[c->n], sizeof(c->names[c->n]), "%s", ent->name);
	c->types[c->n] = ent->type;
	c->inos[c->n] = ent->ino;
	c->n++;
	return c->n == c->stop_at ? 42 : 0;
}

static void test_readdir_order_and_types(void **state)
{
	struct fixture *f = *state;
	struct collect c = {.stop_at = -1};
	struct apsim_node_info info;
	static const char *const expect[] = {
	    "subsystem", "online", "hwtype",  "big",   "broken",
	    "rescan",	 "noshow", "nostore", "ronly",
	};
	int i, j;

	assert_int_equal(apsim_tree_readdir(f->t, "bus/ap/devices/card04/04.0020", collect_fn, &c),
			 0);
	assert_int_equal(c.n, 9);
	for (i = 0; i < 9; i++) {
		char p[128];

		assert_string_equal(c.names[i], expect[i]);
		assert_int_equal(c.types[i], i == 0 ? APSIM_NODE_LINK : APSIM_NODE_ATTR);
		snprintf(p, sizeof(p), "devices/ap/card04/04.0020/%s", expect[i]);
		assert_int_equal(apsim_tree_lookup(f->t, p, &info), 0);
		assert_int_equal(info.ino, c.inos[i]);
		for (j = 0; j < i; j++)
			assert_true(c.inos[i] != c.inos[j]);
	}
	/* attribute inodes never collide with node inodes */
	assert_true(c.inos[1] > UINT64_C(1) << 62);

	c.n = 0;
	assert_int_equal(apsim_tree_readdir(f->t, "devices/ap/card04", collect_fn, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.names[0], "04.0020");
	assert_int_equal(c.types[0], APSIM_NODE_DIR);
	assert_string_equal(c.names[1], "driver");
	assert_int_equal(c.types[1], APSIM_NODE_LINK);

	/* early stop returns the callback's value */
	c.n = 0;
	c.stop_at = 3;
	assert_int_equal(apsim_tree_readdir(f->t, "devices/ap/card04/04.0020", collect_fn, &c), 42);
	assert_int_equal(c.n, 3);

	assert_int_equal(
	    apsim_tree_readdir(f->t, "devices/ap/card04/04.0020/online", collect_fn, &c), -ENOTDIR);
	assert_int_equal(apsim_tree_readdir(f->t, "devices/nope", collect_fn, &c), -ENOENT);

	/* removing a group drops its attributes, the other group's inodes stay */
	assert_int_equal(apsim_tree_lookup(f->t, "devices/ap/card04/04.0020/ronly", &info), 0);
	assert_int_equal(apsim_tree_remove_group(f->t, f->queue, queue_attrs), 0);
	assert_int_equal(apsim_tree_remove_group(f->t, f->queue, queue_attrs), -ENOENT);
	c.n = 0;
	c.stop_at = -1;
	assert_int_equal(apsim_tree_readdir(f->t, "devices/ap/card04/04.0020", collect_fn, &c), 0);
	assert_int_equal(c.n, 5);
	assert_string_equal(c.names[1], "rescan");
	assert_int_equal(c.inos[4], info.ino);
	assert_int_equal(apsim_tree_lookup(f->t, "devices/ap/card04/04.0020/online", &info),
			 -ENOENT);
	/* re-attaching appends it after the other group, without inode clashes */
	assert_int_equal(apsim_tree_add_group(f->t, f->queue, queue_attrs, &f->obj), 0);
	c.n = 0;
	assert_int_equal(apsim_tree_readdir(f->t, "devices/ap/card04/04.0020", collect_fn, &c), 0);
	assert_int_equal(c.n, 9);
	assert_string_equal(c.names[5], "online");
	for (i = 0; i < 9; i++)
		for (j = 0; j < i; j++)
			assert_true(c.inos[i] != c.inos[j]);
}

static void test_creation_errors(void **state)
{
	struct fixture *f = *state;
	struct apsim_node *n;

	assert_int_equal(apsim_tree_mkdir(f->t, f->card, "04.0020", &n), -EEXIST);
	assert_int_equal(apsim_tree_mkdir(f->t, f->card, "driver", &n), -EEXIST);
	assert_int_equal(apsim_tree_mkdir(f->t, f->queue, "online", &n), -EEXIST);
	assert_int_equal(apsim_tree_symlink(f->t, f->queue, "online", f->card, &n), -EEXIST);
	assert_int_equal(apsim_tree_add_group(f->t, f->queue, queue_attrs, &f->obj), -EEXIST);
	assert_int_equal(apsim_tree_add_group(f->t, f->queue, clash_attrs, &f->obj), -EEXIST);
	assert_int_equal(apsim_tree_mkdir(f->t, f->card, "a/b", &n), -EINVAL);
	assert_int_equal(apsim_tree_mkdir(f->t, f->card, "..", &n), -EINVAL);
	assert_int_equal(apsim_tree_mkdir(f->t, f->card, "", &n), -EINVAL);
	assert_int_equal(apsim_tree_mkdir(f->t, apsim_tree_child(f->t, f->card, "driver"), "x", &n),
			 -ENOTDIR);
	assert_int_equal(apsim_tree_add_group(f->t, apsim_tree_child(f->t, f->card, "driver"),
					      clash_attrs, NULL),
			 -ENOTDIR);
	assert_int_equal(apsim_tree_mkdir(NULL, f->card, "x", &n), -EINVAL);
	/* mkdir -p: existing path (through a link) returns the existing dir */
	assert_int_equal(apsim_tree_mkdir_p(f->t, "bus/ap/devices/card04/04.0020", &n), 0);
	assert_ptr_equal(n, f->queue);
	assert_int_equal(apsim_tree_mkdir_p(f->t, "devices/ap/card04/04.0020/online", &n), -EEXIST);
	assert_int_equal(apsim_tree_mkdir_p(f->t, "devices/ap/card04/04.0020/online/x", &n),
			 -ENOTDIR);
	assert_int_equal(apsim_tree_mkdir_p(f->t, "", &n), 0);
	assert_ptr_equal(n, apsim_tree_root(f->t));
	assert_int_equal(apsim_tree_node_count(f->t), 13);
}

static void test_remove_removes_links(void **state)
{
	struct fixture *f = *state;
	struct apsim_node_info info;
	size_t before = apsim_tree_node_count(f->t);

	/* 13 nodes: devices ap card04 04.0020 bus ap devices drivers cex4card + 4 links */
	assert_int_equal(before, 13);
	/* removing card04 removes 04.0020, its subsystem link, driver link, and both links in
	 * bus/ap/devices (to card04 and into it, to 04.0020) */
	apsim_tree_remove(f->t, f->card);
	assert_int_equal(apsim_tree_node_count(f->t), before - 6);
	assert_int_equal(apsim_tree_lookup(f->t, "bus/ap/devices/card04", &info), -ENOENT);
	assert_int_equal(apsim_tree_lookup(f->t, "bus/ap/devices/04.0020", &info), -ENOENT);
	assert_null(apsim_tree_child(f->t, f->bus_devices, "card04"));
	/* removing a driver dir with links pointing at it from elsewhere */
	assert_int_equal(apsim_tree_mkdir(f->t, f->devices_ap, "card05", &f->card), 0);
	assert_int_equal(apsim_tree_symlink(f->t, f->card, "driver", f->drv, NULL), 0);
	assert_int_equal(apsim_tree_symlink(f->t, f->drv, "card05", f->card, NULL), 0);
	apsim_tree_remove_child(f->t, apsim_node_parent(f->drv), "cex4card");
	assert_int_equal(apsim_tree_lookup(f->t, "devices/ap/card05/driver", &info), -ENOENT);
	assert_int_equal(apsim_tree_lookup(f->t, "devices/ap/card05", &info), 0);
	assert_int_equal(apsim_tree_node_count(f->t), before - 6);
	apsim_tree_remove_child(f->t, f->devices_ap, "nope");
	apsim_tree_remove(f->t, apsim_tree_root(f->t)); /* ignored */
	assert_int_equal(apsim_tree_node_count(f->t), before - 6);
}

static void test_scale(void **state)
{
	struct apsim_tree *t;
	struct apsim_node *devices, *bus_devices, *subsys, *drv, *card, *q, *cards[256];
	struct collect c = {.stop_at = 2};
	struct apsim_obj_dummy {
		int x;
	} o = {0};
	char name[16], buf[16];
	unsigned i, a, d;

	(void) state;
	assert_int_equal(apsim_tree_new(&t), 0);
	assert_int_equal(apsim_tree_mkdir_p(t, "devices/ap", &devices), 0);
	assert_int_equal(apsim_tree_mkdir_p(t, "bus/ap/devices", &bus_devices), 0);
	assert_int_equal(apsim_tree_mkdir_p(t, "bus/ap/drivers/cex4queue", &drv), 0);
	subsys = apsim_node_parent(bus_devices);
	for (a = 0; a < 256; a++) {
		snprintf(name, sizeof(name), "card%02x", a);
		assert_int_equal(apsim_tree_mkdir(t, devices, name, &card), 0);
		assert_int_equal(apsim_tree_add_group(t, card, extra_attrs, &o), 0);
		assert_int_equal(apsim_tree_symlink(t, bus_devices, name, card, NULL), 0);
		cards[a] = card;
		for (d = 0; d < 256; d++) {
			snprintf(name, sizeof(name), "%02x.%04x", a, d);
			assert_int_equal(apsim_tree_mkdir(t, card, name, &q), 0);
			assert_int_equal(apsim_tree_add_group(t, q, extra_attrs, &o), 0);
			assert_int_equal(apsim_tree_symlink(t, bus_devices, name, q, NULL), 0);
			assert_int_equal(apsim_tree_symlink(t, q, "subsystem", subsys, NULL), 0);
			assert_int_equal(apsim_tree_symlink(t, q, "driver", drv, NULL), 0);
			assert_int_equal(apsim_tree_symlink(t, drv, name, q, NULL), 0);
		}
	}
	/* 7 fixed dirs, 256 * (card + link) + 65536 * (dir + 4 links) */
	assert_int_equal(apsim_tree_node_count(t), 7 + 512 + 65536 * 5);
	assert_int_equal(apsim_tree_read(t, "bus/ap/devices/ab.00cd/nostore", buf, sizeof(buf)), 3);
	assert_int_equal(apsim_tree_readdir(t, "bus/ap/devices", collect_fn, &c), 42);
	assert_string_equal(c.names[0], "card00");
	assert_string_equal(c.names[1], "00.0000");
	for (a = 0; a < 256; a++)
		apsim_tree_remove(t, cards[a]);
	assert_int_equal(apsim_tree_node_count(t), 7);
	c.n = 0;
	c.stop_at = -1;
	assert_int_equal(apsim_tree_readdir(t, "bus/ap/devices", collect_fn, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(apsim_tree_readdir(t, "bus/ap/drivers/cex4queue", collect_fn, &c), 0);
	assert_int_equal(c.n, 0);
	for (i = 0; i < 3; i++) { /* the tree still works after growing and emptying */
		snprintf(name, sizeof(name), "x%u", i);
		assert_int_equal(apsim_tree_mkdir(t, devices, name, NULL), 0);
	}
	assert_int_equal(apsim_tree_node_count(t), 10);
	apsim_tree_free(t);
}

static int count_fn(const struct apsim_dirent *ent, void *ctx)
{
	unsigned *expect_next = ctx;
	unsigned v = (unsigned) strtoul(ent->name + 1, NULL, 10);

	/* survivors come in creation order */
	if (v < *expect_next)
		return -1;
	*expect_next = v + 1;
	return 0;
}

static void test_big_dir_random_removal(void **state)
{
	struct apsim_tree *t;
	struct apsim_node *root, *d;
	static struct apsim_node *nodes[5000];
	unsigned i, x = 12345, removed = 0, next = 0;
	char name[16];

	(void) state;
	assert_int_equal(apsim_tree_new(&t), 0);
	root = apsim_tree_root(t);
	assert_int_equal(apsim_tree_mkdir(t, root, "d", &d), 0);
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "n%u", i);
		assert_int_equal(apsim_tree_mkdir(t, d, name, &nodes[i]), 0);
	}
	for (i = 0; i < 5000; i++) {
		x = x * 1103515245u + 12345u;
		if ((x >> 16) & 1) {
			apsim_tree_remove(t, nodes[i]);
			nodes[i] = NULL;
			removed++;
		}
	}
	assert_true(removed > 2000 && removed < 3000);
	assert_int_equal(apsim_tree_node_count(t), 1 + 5000 - removed);
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "n%u", i);
		assert_ptr_equal(apsim_tree_child(t, d, name), nodes[i]);
	}
	assert_int_equal(apsim_tree_readdir(t, "d", count_fn, &next), 0);
	/* names of removed nodes can be created again */
	for (i = 0; i < 5000; i++) {
		if (nodes[i])
			continue;
		snprintf(name, sizeof(name), "n%u", i);
		assert_int_equal(apsim_tree_mkdir(t, d, name, &nodes[i]), 0);
		assert_ptr_equal(apsim_tree_child(t, d, name), nodes[i]);
	}
	assert_int_equal(apsim_tree_node_count(t), 5001);
	apsim_tree_free(t);
}

static void test_dump(void **state)
{
	struct fixture *f = *state;
	char tmpl[] = "/tmp/apsim-dump-XXXXXX", p[512], buf[256];
	struct stat st;
	ssize_t n;
	int fd;

	f->obj.online = 1;
	assert_non_null(mkdtemp(tmpl));
	assert_int_equal(apsim_tree_dump(f->t, tmpl), 0);

	snprintf(p, sizeof(p), "%s/devices/ap/card04/04.0020/online", tmpl);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_int_equal(n, 2);
	assert_memory_equal(buf, "1\n", 2);

	snprintf(p, sizeof(p), "%s/devices/ap/card04/04.0020/rescan", tmpl);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0200);
	assert_int_equal(st.st_size, 0);
	snprintf(p, sizeof(p), "%s/devices/ap/card04/04.0020/broken", tmpl);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0444);
	assert_int_equal(st.st_size, 0);
	snprintf(p, sizeof(p), "%s/devices/ap/card04/04.0020/big", tmpl);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_size, 4095);

	snprintf(p, sizeof(p), "%s/devices/ap/card04", tmpl);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);

	snprintf(p, sizeof(p), "%s/bus/ap/devices/card04", tmpl);
	n = readlink(p, buf, sizeof(buf));
	assert_int_equal(n, 26);
	assert_memory_equal(buf, "../../../devices/ap/card04", 26);
	snprintf(p, sizeof(p), "%s/devices/ap/card04/driver", tmpl);
	n = readlink(p, buf, sizeof(buf));
	assert_int_equal(n, 32);
	assert_memory_equal(buf, "../../../bus/ap/drivers/cex4card", 32);
	snprintf(p, sizeof(p), "%s/devices/ap/card04/04.0020/subsystem", tmpl);
	n = readlink(p, buf, sizeof(buf));
	assert_int_equal(n, 18);
	assert_memory_equal(buf, "../../../../bus/ap", 18);
	/* the copy resolves like the tree */
	snprintf(p, sizeof(p), "%s/bus/ap/devices/card04/04.0020/hwtype", tmpl);
	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_int_equal(n, 3);
	assert_memory_equal(buf, "13\n", 3);

	/* a non-empty directory is refused */
	assert_int_equal(apsim_tree_dump(f->t, tmpl), -ENOTEMPTY);
	snprintf(p, sizeof(p), "rm -rf '%s'", tmpl);
	assert_int_equal(system(p), 0);
	/* missing parent */
	assert_int_equal(apsim_tree_dump(f->t, "/nonexistent-apsim/x/y"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_paths_and_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lookup_through_links, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_readlink, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_readlink_ancestor_and_sibling, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_write_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_eloop, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_readdir_order_and_types, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_creation_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remove_removes_links, setup, teardown),
	    cmocka_unit_test(test_scale),
	    cmocka_unit_test(test_big_dir_random_removal),
	    cmocka_unit_test_setup_teardown(test_dump, setup, teardown),
	};
	return cmocka_run_group_tests_name("sysfs", tests, NULL, NULL);
}
