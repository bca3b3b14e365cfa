/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the zcrypt multiple device nodes (lib/zcrypt/zcdn.c, spec 4.4, clients.md 3.5):
 * class/zcrypt create/destroy, node naming and minors, the sysfs layout, the four masks with
 * the spec 4.2 grammar, the dev/uevent attributes and the add/remove/synthetic uevents.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apsim/apsim.h"
#include "zcrypt/zcdn-internal.h"
#include "fixture.h"

#define ZERO_MASK "0x0000000000000000000000000000000000000000000000000000000000000000\n"

static int ls_fn(const struct apsim_dirent *ent, void *ctx)
{
	char *out = ctx;

	strcat(out, ent->name);
	strcat(out, ent->type == APSIM_NODE_DIR ? "/ " : ent->type == APSIM_NODE_LINK ? "@ " : " ");
	return 0;
}

static const char *ls(struct fixture *f, const char *path)
{
	f->buf[0] = '\0';
	assert_int_equal(apsim_tree_readdir(f->tree, path, ls_fn, f->buf), 0);
	return f->buf;
}

/* --- the class --------------------------------------------------------------------- */

static void test_class_layout(void **state)
{
	struct fixture *f = *state;
	struct apsim_node_info info;

	assert_string_equal(ls(f, "class/zcrypt"), "create destroy ");
	assert_int_equal(apsim_tree_lookup(f->tree, "class/zcrypt/create", &info), 0);
	assert_int_equal(info.type, APSIM_NODE_ATTR);
	/* MODEL: write-only 0200 (the kernel: 0600 without show, a read gives EIO) */
	assert_int_equal(info.mode, 0200);
	assert_int_equal(apsim_tree_lookup(f->tree, "class/zcrypt/destroy", &info), 0);
	assert_int_equal(info.mode, 0200);
	assert_int_equal(apsim_tree_read(f->tree, "class/zcrypt/create", f->buf, 100), -EACCES);
	assert_int_equal(apsim_tree_read(f->tree, "class/zcrypt/destroy", f->buf, 100), -EACCES);
	/* the glue directory appears with the first node only */
	assert_true(exists(f, "devices/virtual"));
	assert_false(exists(f, "devices/virtual/zcrypt"));
	assert_int_equal(apsim__zcdn_count(f->z), 0);
	assert_int_equal(nevents(f), 0);
}

/* zcrypt_api_init's misc device: there from the start, no uevent */
static void test_misc_z90crypt(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(ls(f, "class/misc"), "z90crypt@ ");
	assert_string_equal(lnk(f, "class/misc/z90crypt"), "../../devices/virtual/misc/z90crypt");
	assert_string_equal(ls(f, "devices/virtual/misc/z90crypt"), "subsystem@ uevent dev ");
	assert_string_equal(lnk(f, "devices/virtual/misc/z90crypt/subsystem"),
			    "../../../../class/misc");
	assert_string_equal(rd(f, "class/misc/z90crypt/dev"), "10:256\n");
	assert_string_equal(rd(f, "class/misc/z90crypt/uevent"),
			    "MAJOR=10\nMINOR=256\nDEVNAME=z90crypt\n");
	assert_int_equal(nevents(f), 0);
	/* kobject_synth_uevent() as for the nodes, in the misc subsystem */
	wr_ok(f, "class/misc/z90crypt/uevent", "change\n");
	assert_string_equal(next_event(f),
			    "change /devices/virtual/misc/z90crypt | ACTION=change "
			    "DEVPATH=/devices/virtual/misc/z90crypt SUBSYSTEM=misc SYNTH_UUID=0 "
			    "MAJOR=10 MINOR=256 DEVNAME=z90crypt");
	/* nodes count from minor 0 of their own major */
	wr_ok(f, "class/zcrypt/create", "\n");
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_0/dev"), "243:0\n");
}

/* --- create -------------------------------------------------------------------------- */

static void test_create_automatic_name(void **state)
{
	struct fixture *f = *state;

	/* zcryptctl create writes "\n\n" */
	wr_ok(f, "class/zcrypt/create", "\n\n");
	assert_int_equal(apsim__zcdn_count(f->z), 1);
	assert_string_equal(ls(f, "class/zcrypt"), "zcrypt_0@ create destroy ");
	assert_string_equal(lnk(f, "class/zcrypt/zcrypt_0"),
			    "../../devices/virtual/zcrypt/zcrypt_0");
	assert_string_equal(ls(f, "devices/virtual/zcrypt/zcrypt_0"),
			    "subsystem@ uevent ioctlmask apmask aqmask admask dev ");
	assert_string_equal(lnk(f, "devices/virtual/zcrypt/zcrypt_0/subsystem"),
			    "../../../../class/zcrypt");
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_0/dev"), "243:0\n");
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_0/uevent"),
			    "MAJOR=243\nMINOR=0\nDEVNAME=zcrypt_0\n");
	/* kzalloc: everything disabled */
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_0/ioctlmask"), ZERO_MASK);
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_0/apmask"), ZERO_MASK);
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_0/aqmask"), ZERO_MASK);
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_0/admask"), ZERO_MASK);
	assert_string_equal(next_event(f),
			    "add /devices/virtual/zcrypt/zcrypt_0 | ACTION=add "
			    "DEVPATH=/devices/virtual/zcrypt/zcrypt_0 SUBSYSTEM=zcrypt "
			    "MAJOR=243 MINOR=0 DEVNAME=zcrypt_0");
	assert_int_equal(nevents(f), 0);

	/* blanks only also mean "automatic"; an empty write never reaches the store */
	wr_ok(f, "class/zcrypt/create", "");
	assert_int_equal(apsim__zcdn_count(f->z), 1);
	wr_ok(f, "class/zcrypt/create", " \t\n");
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_1/dev"), "243:1\n");
	assert_int_equal(apsim__zcdn_count(f->z), 2);
}

static void test_create_named_trimmed(void **state)
{
	struct fixture *f = *state;
	unsigned minor = 99;

	wr_ok(f, "class/zcrypt/create", "  myzc \t\n");
	assert_true(exists(f, "devices/virtual/zcrypt/myzc"));
	assert_string_equal(rd(f, "class/zcrypt/myzc/dev"), "243:0\n");
	assert_string_equal(next_event(f), "add /devices/virtual/zcrypt/myzc | ACTION=add "
					   "DEVPATH=/devices/virtual/zcrypt/myzc SUBSYSTEM=zcrypt "
					   "MAJOR=243 MINOR=0 DEVNAME=myzc");
	/* inner blanks stay; the kernel's isspace() includes NBSP (0xa0) */
	wr_ok(f, "class/zcrypt/create", "\xa0my node\xa0\n");
	assert_true(exists(f, "class/zcrypt/my node"));
	assert_int_equal(apsim__zcdn_create(f->z, "third", &minor), 0);
	assert_int_equal(minor, 2);
	/* the string ends at a NUL inside the written data */
	assert_int_equal(apsim_tree_write(f->tree, "class/zcrypt/create", "four\0five", 9), 9);
	assert_true(exists(f, "class/zcrypt/four"));
	assert_false(exists(f, "class/zcrypt/five"));
}

static void test_create_duplicate_name(void **state)
{
	struct fixture *f = *state;

	wr_ok(f, "class/zcrypt/create", "myzc\n");
	f->mark = apsim_uevent_log_count(f->log);
	assert_int_equal(wr(f, "class/zcrypt/create", "myzc\n"), -EEXIST);
	assert_int_equal(wr(f, "class/zcrypt/create", " myzc"), -EEXIST);
	assert_int_equal(nevents(f), 0);
	assert_int_equal(apsim__zcdn_count(f->z), 1);
}

static void test_create_automatic_name_taken(void **state)
{
	struct fixture *f = *state;

	/* "zcrypt_1" takes minor 0; the next automatic node gets minor 1 and the same name:
	 * kobject_add fails with EEXIST before any uevent */
	wr_ok(f, "class/zcrypt/create", "zcrypt_1\n");
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_1/dev"), "243:0\n");
	f->mark = apsim_uevent_log_count(f->log);
	assert_int_equal(wr(f, "class/zcrypt/create", "\n"), -EEXIST);
	assert_int_equal(nevents(f), 0);
	assert_int_equal(apsim__zcdn_count(f->z), 1);
	/* a named one takes minor 1 and then the automatic one gets zcrypt_2 */
	wr_ok(f, "class/zcrypt/create", "other\n");
	wr_ok(f, "class/zcrypt/create", "\n");
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_2/dev"), "243:2\n");
}

static void test_create_class_file_names(void **state)
{
	struct fixture *f = *state;

	/* the class symlink clashes with the create file: device_add's error path sends a
	 * remove uevent for the device it never announced, and the glue dir goes again */
	assert_int_equal(wr(f, "class/zcrypt/create", "create\n"), -EEXIST);
	assert_string_equal(next_event(f),
			    "remove /devices/virtual/zcrypt/create | ACTION=remove "
			    "DEVPATH=/devices/virtual/zcrypt/create SUBSYSTEM=zcrypt "
			    "MAJOR=243 MINOR=0 DEVNAME=create");
	assert_int_equal(nevents(f), 0);
	assert_false(exists(f, "devices/virtual/zcrypt"));
	assert_string_equal(ls(f, "class/zcrypt"), "create destroy ");
	/* with another node present the glue dir stays */
	wr_ok(f, "class/zcrypt/create", "\n");
	assert_int_equal(wr(f, "class/zcrypt/create", "destroy"), -EEXIST);
	assert_string_equal(ls(f, "devices/virtual/zcrypt"), "zcrypt_0/ ");
	assert_int_equal(apsim__zcdn_count(f->z), 1);
	/* the minor was not used up */
	wr_ok(f, "class/zcrypt/create", "\n");
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_1/dev"), "243:1\n");
}

static void test_create_slash_in_name(void **state)
{
	struct fixture *f = *state;

	/* kobject names cannot hold '/': it becomes '!', and DEVNAME turns it back */
	wr_ok(f, "class/zcrypt/create", "crypto/a\n");
	assert_true(exists(f, "devices/virtual/zcrypt/crypto!a"));
	assert_string_equal(lnk(f, "class/zcrypt/crypto!a"),
			    "../../devices/virtual/zcrypt/crypto!a");
	assert_string_equal(rd(f, "class/zcrypt/crypto!a/uevent"),
			    "MAJOR=243\nMINOR=0\nDEVNAME=crypto/a\n");
	assert_string_equal(next_event(f), "add /devices/virtual/zcrypt/crypto!a | ACTION=add "
					   "DEVPATH=/devices/virtual/zcrypt/crypto!a "
					   "SUBSYSTEM=zcrypt MAJOR=243 MINOR=0 DEVNAME=crypto/a");
	/* the name lookup compares with the device name: "crypto/a" is not found... */
	assert_int_equal(wr(f, "class/zcrypt/destroy", "crypto/a\n"), -ENOENT);
	/* ...so a second create passes the name check and fails in sysfs */
	assert_int_equal(wr(f, "class/zcrypt/create", "crypto/a\n"), -EEXIST);
	assert_int_equal(wr(f, "class/zcrypt/create", "crypto!a\n"), -EEXIST);
	wr_ok(f, "class/zcrypt/destroy", "crypto!a\n");
	assert_int_equal(apsim__zcdn_count(f->z), 0);
}

static void test_create_long_name_cut(void **state)
{
	struct fixture *f = *state;
	const char *n40 = "  abcdefghijklmnopqrstuvwxyz0123456789ABCD\n";

	/* strscpy into char name[32] after skip_spaces: 31 bytes remain */
	wr_ok(f, "class/zcrypt/create", n40);
	assert_true(exists(f, "class/zcrypt/abcdefghijklmnopqrstuvwxyz01234"));
	assert_int_equal(wr(f, "class/zcrypt/create", n40), -EEXIST);
	/* destroy cuts the same way */
	wr_ok(f, "class/zcrypt/destroy", n40);
	assert_int_equal(apsim__zcdn_count(f->z), 0);
	/* blanks cut off at the end of the 31 bytes are trimmed too */
	wr_ok(f, "class/zcrypt/create", "abcdefghijklmnopqrstuvwxyz0123 56789");
	assert_true(exists(f, "class/zcrypt/abcdefghijklmnopqrstuvwxyz0123"));
	/* the internal API refuses what the store could never pass */
	assert_int_equal(apsim__zcdn_create(f->z, "abcdefghijklmnopqrstuvwxyz0123456", NULL),
			 -EINVAL);
}

static void test_create_dot_names(void **state)
{
	struct fixture *f = *state;

	/* MODEL: kernfs would make "." and ".." nodes nobody can reach; the tree refuses them */
	assert_int_equal(wr(f, "class/zcrypt/create", ".\n"), -EINVAL);
	assert_int_equal(wr(f, "class/zcrypt/create", "..\n"), -EINVAL);
	assert_int_equal(apsim__zcdn_count(f->z), 0);
	assert_false(exists(f, "devices/virtual/zcrypt"));
	assert_int_equal(nevents(f), 0);
	wr_ok(f, "class/zcrypt/create", "...\n");
	assert_true(exists(f, "class/zcrypt/..."));
}

static void test_create_max_nodes(void **state)
{
	struct fixture *f = *state;
	char path[64];

	for (unsigned i = 0; i < APSIM_ZCDN_MAX_NODES; i++)
		wr_ok(f, "class/zcrypt/create", "\n");
	assert_int_equal(apsim__zcdn_count(f->z), 256);
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_255/dev"), "243:255\n");
	f->mark = apsim_uevent_log_count(f->log);
	/* the name check comes first, then the minor search */
	assert_int_equal(wr(f, "class/zcrypt/create", "zcrypt_7\n"), -EEXIST);
	assert_int_equal(wr(f, "class/zcrypt/create", "\n"), -ENOSPC);
	assert_int_equal(wr(f, "class/zcrypt/create", "fresh\n"), -ENOSPC);
	assert_int_equal(nevents(f), 0);
	/* a freed minor is reused, lowest first */
	wr_ok(f, "class/zcrypt/destroy", "zcrypt_100\n");
	wr_ok(f, "class/zcrypt/destroy", "zcrypt_7\n");
	wr_ok(f, "class/zcrypt/create", "fresh\n");
	assert_string_equal(rd(f, "class/zcrypt/fresh/dev"), "243:7\n");
	wr_ok(f, "class/zcrypt/create", "\n");
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_100/dev"), "243:100\n");
	for (unsigned i = 0; i < APSIM_ZCDN_MAX_NODES; i++) {
		snprintf(path, sizeof(path), "zcrypt_%u", i);
		(void) apsim__zcdn_destroy(f->z, path);
	}
	assert_int_equal(apsim__zcdn_destroy(f->z, "fresh"), 0);
	assert_int_equal(apsim__zcdn_count(f->z), 0);
	assert_false(exists(f, "devices/virtual/zcrypt"));
}

/* --- destroy ------------------------------------------------------------------------- */

static void test_destroy(void **state)
{
	struct fixture *f = *state;

	wr_ok(f, "class/zcrypt/create", "\n");
	wr_ok(f, "class/zcrypt/create", "myzc\n");
	f->mark = apsim_uevent_log_count(f->log);
	assert_int_equal(wr(f, "class/zcrypt/destroy", "nosuch\n"), -ENOENT);
	assert_int_equal(wr(f, "class/zcrypt/destroy", "\n"), -ENOENT);
	assert_int_equal(wr(f, "class/zcrypt/destroy", "create\n"), -ENOENT);
	assert_int_equal(nevents(f), 0);

	/* zcryptctl destroy writes "<name>\n" */
	wr_ok(f, "class/zcrypt/destroy", "zcrypt_0\n");
	assert_string_equal(next_event(f),
			    "remove /devices/virtual/zcrypt/zcrypt_0 | ACTION=remove "
			    "DEVPATH=/devices/virtual/zcrypt/zcrypt_0 "
			    "SUBSYSTEM=zcrypt MAJOR=243 MINOR=0 DEVNAME=zcrypt_0");
	assert_int_equal(nevents(f), 0);
	assert_false(exists(f, "class/zcrypt/zcrypt_0"));
	assert_false(exists(f, "devices/virtual/zcrypt/zcrypt_0"));
	assert_string_equal(ls(f, "devices/virtual/zcrypt"), "myzc/ ");
	assert_int_equal(wr(f, "class/zcrypt/destroy", "zcrypt_0\n"), -ENOENT);

	/* the last node takes the glue directory with it */
	wr_ok(f, "class/zcrypt/destroy", " myzc ");
	assert_string_equal(next_event(f), "remove /devices/virtual/zcrypt/myzc | ACTION=remove "
					   "DEVPATH=/devices/virtual/zcrypt/myzc "
					   "SUBSYSTEM=zcrypt MAJOR=243 MINOR=1 DEVNAME=myzc");
	assert_false(exists(f, "devices/virtual/zcrypt"));
	assert_true(exists(f, "devices/virtual"));
	assert_string_equal(ls(f, "class/zcrypt"), "create destroy ");

	/* the freed minor 0 is the next one */
	wr_ok(f, "class/zcrypt/create", "\n");
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_0/dev"), "243:0\n");
}

/* --- masks --------------------------------------------------------------------------- */

static void test_masks_relative_and_absolute(void **state)
{
	struct fixture *f = *state;
	struct apsim_zcdn_perms p;

	wr_ok(f, "class/zcrypt/create", "\n");
	f->mark = apsim_uevent_log_count(f->log);
	/* what zcryptctl writes: "+N\n" / "-N\n" */
	wr_ok(f, "class/zcrypt/zcrypt_0/apmask", "+3\n");
	wr_ok(f, "class/zcrypt/zcrypt_0/apmask", "+5\n");
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_0/apmask"),
			    "0x1400000000000000000000000000000000000000000000000000000000000000\n");
	wr_ok(f, "class/zcrypt/zcrypt_0/apmask", "-3\n");
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_0/apmask"),
			    "0x0400000000000000000000000000000000000000000000000000000000000000\n");
	wr_ok(f, "class/zcrypt/zcrypt_0/aqmask", "+0-15,+0x20,-1");
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_0/aqmask"),
			    "0xbfff000080000000000000000000000000000000000000000000000000000000\n");
	wr_ok(f, "class/zcrypt/zcrypt_0/admask", "+255\n");
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_0/admask"),
			    "0x0000000000000000000000000000000000000000000000000000000000000001\n");
	/* ioctl numbers: ZSECSENDCPRB 0x81 = 129, ZSENDEP11CPRB 4, ICARSAMODEXPO 5 */
	wr_ok(f, "class/zcrypt/zcrypt_0/ioctlmask", "+129\n");
	wr_ok(f, "class/zcrypt/zcrypt_0/ioctlmask", "+4,+5\n");
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_0/ioctlmask"),
			    "0x0c00000000000000000000000000000040000000000000000000000000000000\n");
	/* absolute: hex digits, right-padded; an empty value clears */
	wr_ok(f, "class/zcrypt/zcrypt_0/apmask", "0xf0\n");
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_0/apmask"),
			    "0xf000000000000000000000000000000000000000000000000000000000000000\n");
	wr_ok(f, "class/zcrypt/zcrypt_0/admask", "\n");
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_0/admask"), ZERO_MASK);
	/* ALL as zcryptctl does it: 256 single writes */
	for (unsigned i = 0; i < 256; i++) {
		char v[16];

		snprintf(v, sizeof(v), "+%u\n", i);
		wr_ok(f, "class/zcrypt/zcrypt_0/ioctlmask", v);
	}
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_0/ioctlmask"),
			    "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n");
	/* no uevents, no rebinding: the bus is not involved */
	assert_int_equal(nevents(f), 0);
	assert_int_equal(apsim__zcdn_get_perms(f->z, "zcrypt_0", &p), 0);
	assert_true(apsim_mask_test(&p.apm, 0) && apsim_mask_test(&p.apm, 3));
	assert_false(apsim_mask_test(&p.apm, 4));
	assert_true(apsim_mask_test(&p.aqm, 32));
	assert_int_equal(apsim_mask_weight(&p.ioctlm), 256);
	assert_int_equal(apsim__zcdn_get_perms(f->z, "nosuch", &p), -ENOENT);
}

static void test_masks_invalid_all_or_nothing(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
	    "+256\n",
	    "+1,+2,x",
	    "+1 ",
	    "0X12",
	    "+1-0",
	    "+300",
	    "-",
	    "0xg",
	    "0x00000000000000000000000000000000000000000000000000000000000000000",
	};
	char big[APSIM_SYSFS_PAGE + 2];

	wr_ok(f, "class/zcrypt/create", "\n");
	wr_ok(f, "class/zcrypt/zcrypt_0/aqmask", "+6\n");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(wr(f, "class/zcrypt/zcrypt_0/aqmask", bad[i]), -EINVAL);
		assert_int_equal(wr(f, "class/zcrypt/zcrypt_0/ioctlmask", bad[i]), -EINVAL);
	}
	/* "+1,+2,x" set nothing */
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_0/aqmask"),
			    "0x0200000000000000000000000000000000000000000000000000000000000000\n");
	assert_string_equal(rd(f, "class/zcrypt/zcrypt_0/ioctlmask"), ZERO_MASK);
	/* more than a page: the write is refused whole */
	memset(big, '+', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(wr(f, "class/zcrypt/zcrypt_0/apmask", big), -EINVAL);
	/* dev is read-only */
	assert_int_equal(wr(f, "class/zcrypt/zcrypt_0/dev", "1:1"), -EACCES);
}

static void test_nodes_have_their_own_masks(void **state)
{
	struct fixture *f = *state;

	wr_ok(f, "class/zcrypt/create", "a\n");
	wr_ok(f, "class/zcrypt/create", "b\n");
	wr_ok(f, "class/zcrypt/a/apmask", "+1\n");
	wr_ok(f, "class/zcrypt/b/apmask", "+2\n");
	assert_string_equal(rd(f, "class/zcrypt/a/apmask"),
			    "0x4000000000000000000000000000000000000000000000000000000000000000\n");
	assert_string_equal(rd(f, "class/zcrypt/b/apmask"),
			    "0x2000000000000000000000000000000000000000000000000000000000000000\n");
	/* a new node with a reused minor starts from zero again */
	wr_ok(f, "class/zcrypt/destroy", "a\n");
	wr_ok(f, "class/zcrypt/create", "a\n");
	assert_string_equal(rd(f, "class/zcrypt/a/apmask"), ZERO_MASK);
}

/* --- uevent attribute ------------------------------------------------------------------ */

static void test_synthetic_uevents(void **state)
{
	struct fixture *f = *state;
	const char *p = "devices/virtual/zcrypt/zcrypt_0/uevent";

	wr_ok(f, "class/zcrypt/create", "\n");
	f->mark = apsim_uevent_log_count(f->log);
	wr_ok(f, p, "change\n");
	assert_string_equal(next_event(f),
			    "change /devices/virtual/zcrypt/zcrypt_0 | ACTION=change "
			    "DEVPATH=/devices/virtual/zcrypt/zcrypt_0 "
			    "SUBSYSTEM=zcrypt SYNTH_UUID=0 MAJOR=243 MINOR=0 "
			    "DEVNAME=zcrypt_0");
	wr_ok(f, p, "add 12345678-1234-1234-1234-123456789abc A=1 bB=x2\n");
	assert_string_equal(next_event(f),
			    "add /devices/virtual/zcrypt/zcrypt_0 | ACTION=add "
			    "DEVPATH=/devices/virtual/zcrypt/zcrypt_0 "
			    "SUBSYSTEM=zcrypt SYNTH_UUID=12345678-1234-1234-1234-123456789abc "
			    "SYNTH_ARG_A=1 SYNTH_ARG_bB=x2 MAJOR=243 MINOR=0 "
			    "DEVNAME=zcrypt_0");
	/* valid but not representable: accepted, no event */
	wr_ok(f, p, "move");
	wr_ok(f, p, "online\n");
	assert_int_equal(nevents(f), 0);
	/* refused */
	assert_int_equal(wr(f, p, "\n"), -EINVAL);
	assert_int_equal(wr(f, p, "chang"), -EINVAL);
	assert_int_equal(wr(f, p, "change now"), -EINVAL);
	assert_int_equal(wr(f, p, "change 12345678-1234-1234-1234-123456789abc A"), -EINVAL);
	assert_int_equal(wr(f, p, "change 12345678-1234-1234-1234-123456789abc A="), -EINVAL);
	assert_int_equal(wr(f, p, "change 12345678-1234-1234-1234-123456789abc A=b-c"), -EINVAL);
	assert_int_equal(wr(f, p, "change 12345678-1234-1234-1234-123456789abcX"), -EINVAL);
	assert_int_equal(nevents(f), 0);
}

/* --- lifetime -------------------------------------------------------------------------- */

static void test_free_with_nodes(void **state)
{
	struct fixture *f = *state;
	size_t n;

	wr_ok(f, "class/zcrypt/create", "\n");
	wr_ok(f, "class/zcrypt/create", "x\n");
	n = apsim_uevent_log_count(f->log);
	apsim__zcdn_free(f->z);
	f->z = NULL;
	/* teardown: no uevents, the class and the nodes are gone */
	assert_int_equal(apsim_uevent_log_count(f->log), n);
	assert_false(exists(f, "class/zcrypt"));
	assert_false(exists(f, "devices/virtual/zcrypt"));
	assert_false(exists(f, "class/misc/z90crypt"));
	assert_false(exists(f, "devices/virtual/misc/z90crypt"));
}

static void test_args(void **state)
{
	struct fixture *f = *state;
	struct apsim_zcdn *z2;

	assert_int_equal(apsim__zcdn_new(NULL, NULL, NULL, &z2), -EINVAL);
	assert_int_equal(apsim__zcdn_create(NULL, "x", NULL), -EINVAL);
	assert_int_equal(apsim__zcdn_create(f->z, NULL, NULL), -EINVAL);
	assert_int_equal(apsim__zcdn_destroy(f->z, NULL), -EINVAL);
	assert_int_equal(apsim__zcdn_count(NULL), 0);
	apsim__zcdn_free(NULL);
}

static void test_without_uevent_log(void **state)
{
	struct apsim_tree *t;
	struct apsim_zcdn *z;
	char buf[16];
	unsigned minor;

	(void) state;
	assert_int_equal(apsim_tree_new(&t), 0);
	assert_int_equal(apsim__zcdn_new(t, NULL, NULL, &z), 0);
	assert_int_equal(apsim__zcdn_create(z, "", &minor), 0);
	assert_int_equal(minor, 0);
	assert_int_equal(apsim_tree_write(t, "devices/virtual/zcrypt/zcrypt_0/uevent", "add", 3),
			 3);
	assert_int_equal(apsim_tree_read(t, "class/zcrypt/zcrypt_0/dev", buf, sizeof(buf)), 6);
	assert_int_equal(apsim__zcdn_destroy(z, "zcrypt_0"), 0);
	apsim__zcdn_free(z);
	apsim_tree_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_class_layout,
					    fixture_setup_zcdn, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_misc_z90crypt,
					    fixture_setup_zcdn, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_create_automatic_name,
					    fixture_setup_zcdn, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_create_named_trimmed,
					    fixture_setup_zcdn, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_create_duplicate_name,
					    fixture_setup_zcdn, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_create_automatic_name_taken,
					    fixture_setup_zcdn, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_create_class_file_names,
					    fixture_setup_zcdn, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_create_slash_in_name,
					    fixture_setup_zcdn, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_create_long_name_cut,
					    fixture_setup_zcdn, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_create_dot_names,
					    fixture_setup_zcdn, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_create_max_nodes,
					    fixture_setup_zcdn, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_destroy, fixture_setup_zcdn, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_masks_relative_and_absolute,
					    fixture_setup_zcdn, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_masks_invalid_all_or_nothing,
					    fixture_setup_zcdn, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_nodes_have_their_own_masks,
					    fixture_setup_zcdn, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_synthetic_uevents,
					    fixture_setup_zcdn, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_free_with_nodes,
					    fixture_setup_zcdn, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_args, fixture_setup_zcdn, fixture_teardown),
	    cmocka_unit_test(test_without_uevent_log),
	};
	return cmocka_run_group_tests_name("zcdn", tests, NULL, NULL);
}
