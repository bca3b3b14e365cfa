/* SPDX-License-Identifier: MIT */
/*
 * test-state.c - the daemon's persisted state (lib/sim/state.c): serialize, atomic write, load
 * with the exact error messages, and save/load round trips.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "apsim/apsim.h"
#include "sim/state-internal.h"

#define U1 "11111111-2222-4333-8444-555555555555"
#define U2 "22222222-2222-4333-8444-555555555555"

static const struct apsim_sim_options opts = {.policy = APSIM_POLICY_KERNEL};

struct fixture {
	struct apsim_sim *sim;
	char dir[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(apsim_sim_new(&opts, stderr, &f->sim), 0);
	strcpy(f->dir, "/tmp/test-state.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	apsim_sim_free(f->sim);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void tree_write(struct apsim_sim *sim, const char *path, const char *val)
{
	apsim_sim_lock(sim);
	assert_int_equal(apsim_tree_write(apsim_sim_get_tree(sim), path, val, strlen(val)),
			 (ssize_t) strlen(val));
	apsim_sim_unlock(sim);
}

static char *tree_read(struct apsim_sim *sim, const char *path)
{
	static char buf[APSIM_SYSFS_PAGE];
	ssize_t n;

	apsim_sim_lock(sim);
	n = apsim_tree_read(apsim_sim_get_tree(sim), path, buf, sizeof(buf) - 1);
	apsim_sim_unlock(sim);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static char *serialize(struct apsim_sim *sim)
{
	char *text = NULL;

	apsim_sim_lock(sim);
	assert_int_equal(apsim__state_serialize(sim, &text), 0);
	apsim_sim_unlock(sim);
	assert_non_null(text);
	return text;
}

/* A sim with adapter 10 given to vfio_ap and two mdevs with assignments. */
static void configure(struct apsim_sim *sim)
{
	const char *create =
	    "devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create";

	tree_write(sim, "bus/ap/apmask", "-10");
	tree_write(sim, "bus/ap/aqmask", "-40");
	tree_write(sim, create, U1);
	tree_write(sim, create, U2);
	tree_write(sim, "devices/vfio_ap/matrix/" U1 "/assign_adapter", "10");
	tree_write(sim, "devices/vfio_ap/matrix/" U1 "/assign_domain", "6");
	tree_write(sim, "devices/vfio_ap/matrix/" U1 "/assign_domain", "0x0b");
	tree_write(sim, "devices/vfio_ap/matrix/" U1 "/assign_control_domain", "15");
	tree_write(sim, "devices/vfio_ap/matrix/" U2 "/assign_control_domain", "32");
}

static void test_serialize_fresh_sim(void **state)
{
	struct fixture *f = *state;
	char *text = serialize(f->sim);
	json_error_t jerr;
	json_t *root = json_loads(text, 0, &jerr);

	assert_non_null(root);
	assert_int_equal(json_integer_value(json_object_get(root, "apsim-state")), 1);
	assert_true(json_is_object(json_object_get(root, "machine")));
	assert_string_equal(json_string_value(json_object_get(root, "apmask")),
			    "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
	assert_string_equal(json_string_value(json_object_get(root, "aqmask")),
			    "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
	assert_true(json_is_array(json_object_get(root, "mdevs")));
	assert_int_equal(json_array_size(json_object_get(root, "mdevs")), 0);
	assert_int_equal(text[strlen(text) - 1], '\n');
	json_decref(root);
	free(text);
}

static void test_serialize_mdevs(void **state)
{
	struct fixture *f = *state;
	char *text;
	json_t *root, *mdevs, *m;

	configure(f->sim);
	text = serialize(f->sim);
	root = json_loads(text, 0, NULL);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "apmask")),
			    "0xffdfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
	assert_string_equal(json_string_value(json_object_get(root, "aqmask")),
			    "0xffffffffff7fffffffffffffffffffffffffffffffffffffffffffffffffffff");
	mdevs = json_object_get(root, "mdevs");
	assert_int_equal(json_array_size(mdevs), 2);
	/* vfio_ap's list order (newest first, as the kernel's list_add) */
	m = json_array_get(mdevs, 0);
	if (strcmp(json_string_value(json_object_get(m, "uuid")), U1) != 0)
		m = json_array_get(mdevs, 1);
	assert_string_equal(json_string_value(json_object_get(m, "uuid")), U1);
	assert_string_equal(json_string_value(json_object_get(m, "adapters")),
			    "0x0020000000000000000000000000000000000000000000000000000000000000");
	assert_string_equal(json_string_value(json_object_get(m, "domains")),
			    "0x0210000000000000000000000000000000000000000000000000000000000000");
	assert_string_equal(json_string_value(json_object_get(m, "control_domains")),
			    "0x0001000000000000000000000000000000000000000000000000000000000000");
	assert_string_not_equal(
	    json_string_value(json_object_get(json_array_get(mdevs, 0), "uuid")),
	    json_string_value(json_object_get(json_array_get(mdevs, 1), "uuid")));
	json_decref(root);
	free(text);
}

static void test_write_file_atomic(void **state)
{
	struct fixture *f = *state;
	char path[128], buf[64], cmd[256];
	struct stat st;
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/state.json", f->dir);
	assert_int_equal(apsim__state_write_file(path, "first\n"), 0);
	assert_int_equal(apsim__state_write_file(path, "second\n"), 0);
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	assert_string_equal(buf, "second\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* nothing but the file itself is left in the directory */
	snprintf(cmd, sizeof(cmd), "test \"$(ls -A '%s')\" = state.json", f->dir);
	assert_int_equal(system(cmd), 0);
}

static void test_write_file_missing_dir(void **state)
{
	struct fixture *f = *state;
	char path[128];

	snprintf(path, sizeof(path), "%s/nosuch/state.json", f->dir);
	assert_int_equal(apsim__state_write_file(path, "x"), -ENOENT);
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct apsim_sim *sim2 = NULL;
	char msg[256] = "untouched";
	char *text, *text2;

	configure(f->sim);
	text = serialize(f->sim);
	assert_int_equal(
	    apsim__state_load_buffer(text, strlen(text), "s.json", &opts, &sim2, msg, sizeof(msg)),
	    0);
	assert_string_equal(msg, "");
	text2 = serialize(sim2);
	assert_string_equal(text2, text);
	/* the restored mdev is a real one: its matrix and its queues bound to vfio_ap */
	assert_string_equal(tree_read(sim2, "devices/vfio_ap/matrix/" U1 "/matrix"),
			    "0a.0006\n0a.000b\n");
	assert_string_equal(tree_read(sim2, "devices/vfio_ap/matrix/" U1 "/control_domains"),
			    "000f\n");
	assert_string_equal(tree_read(sim2, "devices/vfio_ap/matrix/" U2 "/control_domains"),
			    "0020\n");
	assert_string_equal(tree_read(sim2, "bus/ap/apmask"),
			    "0xffdfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n");
	free(text);
	free(text2);
	apsim_sim_free(sim2);
}

static void test_load_file(void **state)
{
	struct fixture *f = *state;
	struct apsim_sim *sim2 = NULL;
	char path[128], msg[256];
	char *text;

	configure(f->sim);
	text = serialize(f->sim);
	snprintf(path, sizeof(path), "%s/state.json", f->dir);
	assert_int_equal(apsim__state_write_file(path, text), 0);
	assert_int_equal(apsim__state_load(path, &opts, &sim2, msg, sizeof(msg)), 0);
	assert_string_equal(tree_read(sim2, "devices/vfio_ap/matrix/" U1 "/matrix"),
			    "0a.0006\n0a.000b\n");
	apsim_sim_free(sim2);
	free(text);

	snprintf(path, sizeof(path), "%s/nosuch.json", f->dir);
	assert_int_equal(apsim__state_load(path, &opts, &sim2, msg, sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, "nosuch.json: No such file or directory"));
}

static void expect_load_error(const char *text, int err, const char *want)
{
	struct apsim_sim *sim = (struct apsim_sim *) 0x1;
	char msg[512];

	assert_int_equal(
	    apsim__state_load_buffer(text, strlen(text), "s.json", &opts, &sim, msg, sizeof(msg)),
	    err);
	assert_string_equal(msg, want);
	assert_ptr_equal(sim, (struct apsim_sim *) 0x1); /* untouched on error */
}

static void test_load_errors(void **state)
{
	struct fixture *f = *state;
	char *text = serialize(f->sim);
	json_t *root = json_loads(text, 0, NULL);
	char *bad;

	(void) f;
	expect_load_error("{", -EINVAL, "s.json:1:1: string or '}' expected near end of file");
	expect_load_error("[]", -EINVAL, "s.json: expected a JSON object");
	expect_load_error("{\"apsim-state\": 2}", -EINVAL,
			  "s.json: apsim-state: expected version 1");
	expect_load_error("{\"apsim-state\": 1}", -EINVAL, "s.json: machine: expected an object");

	json_object_set_new(root, "apmask", json_string("0xzz"));
	bad = json_dumps(root, 0);
	expect_load_error(bad, -EINVAL, "s.json: apmask: bad mask '0xzz'");
	free(bad);

	json_object_set_new(root, "apmask", json_string("0xff"));
	json_object_set_new(root, "mdevs", json_pack("[{s:s}]", "uuid", "short"));
	bad = json_dumps(root, 0);
	expect_load_error(bad, -EINVAL, "s.json: mdevs[0].uuid: expected a UUID string");
	free(bad);

	json_object_set_new(
	    root, "mdevs",
	    json_pack("[{s:s, s:s, s:s}]", "uuid", U1, "adapters", "0x00", "domains", "0x00"));
	bad = json_dumps(root, 0);
	expect_load_error(bad, -EINVAL,
			  "s.json: mdevs[0].control_domains: expected a mask string \"0x<hex>\"");
	free(bad);

	json_decref(root);
	free(text);
}

static void test_load_refuses_conflicting_mdevs(void **state)
{
	struct fixture *f = *state;
	const char *mask10 = "0x0020000000000000000000000000000000000000000000000000000000000000";
	const char *mask6 = "0x0200000000000000000000000000000000000000000000000000000000000000";
	char *text = serialize(f->sim), *bad, msg[512];
	json_t *root = json_loads(text, 0, NULL);
	struct apsim_sim *sim = NULL;
	int r;

	/* two mdevs with the same APQN 10.6: the second assignment fails as the store does */
	json_object_set_new(root, "apmask", json_string("0xffdf"));
	json_object_set_new(root, "mdevs",
			    json_pack("[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}]", "uuid", U1,
				      "adapters", mask10, "domains", mask6, "control_domains",
				      "0x00", "uuid", U2, "adapters", mask10, "domains", mask6,
				      "control_domains", "0x00"));
	bad = json_dumps(root, 0);
	r = apsim__state_load_buffer(bad, strlen(bad), "s.json", &opts, &sim, msg, sizeof(msg));
	assert_int_equal(r, -EADDRINUSE);
	assert_string_equal(msg, "s.json: mdevs[1]: cannot recreate mdev " U2
				 ": Address already in use");
	assert_null(sim);
	free(bad);
	json_decref(root);
	free(text);
}

/* --- runtime bus attributes, zcrypt online states, zcrypt nodes ----------------------- */

#define ZERO64 "0x0000000000000000000000000000000000000000000000000000000000000000"
#define ONES64 "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

static json_t *load_json(const char *text)
{
	json_t *root = json_loads(text, 0, NULL);

	assert_non_null(root);
	return root;
}

static struct apsim_sim *load_ok(const char *text)
{
	struct apsim_sim *sim = NULL;
	char msg[512] = "untouched";

	assert_int_equal(
	    apsim__state_load_buffer(text, strlen(text), "s.json", &opts, &sim, msg, sizeof(msg)),
	    0);
	assert_string_equal(msg, "");
	assert_non_null(sim);
	return sim;
}

static void exec_ok(struct apsim_sim *sim, const char *line)
{
	assert_int_equal(apsim_sim_exec(sim, line, false, stderr, stderr), 0);
}

static void test_serialize_runtime_defaults(void **state)
{
	struct fixture *f = *state;
	char *text = serialize(f->sim);
	json_t *root = load_json(text);

	/* the first scan picked the lowest usable domain; the others are the boot values */
	assert_int_equal(json_integer_value(json_object_get(root, "ap_domain")), 6);
	assert_int_equal(json_integer_value(json_object_get(root, "config_time")), 30);
	assert_int_equal(json_integer_value(json_object_get(root, "poll_thread")), 0);
	assert_int_equal(json_integer_value(json_object_get(root, "poll_timeout")), 250000);
	assert_true(json_is_object(json_object_get(root, "online")));
	assert_int_equal(json_object_size(json_object_get(root, "online")), 0);
	assert_true(json_is_array(json_object_get(root, "zcrypt_nodes")));
	assert_int_equal(json_array_size(json_object_get(root, "zcrypt_nodes")), 0);
	json_decref(root);
	free(text);
}

static void test_round_trip_bus_attrs(void **state)
{
	struct fixture *f = *state;
	struct apsim_sim *sim2;
	char *text, *text2;
	json_t *root;

	tree_write(f->sim, "bus/ap/ap_domain", "0xb\n");
	tree_write(f->sim, "bus/ap/config_time", "77\n");
	tree_write(f->sim, "bus/ap/poll_timeout", "0x1000\n");
	tree_write(f->sim, "bus/ap/poll_thread", "1"); /* a no-op with interrupts */
	text = serialize(f->sim);
	root = load_json(text);
	assert_int_equal(json_integer_value(json_object_get(root, "ap_domain")), 11);
	assert_int_equal(json_integer_value(json_object_get(root, "config_time")), 77);
	assert_int_equal(json_integer_value(json_object_get(root, "poll_thread")), 0);
	assert_int_equal(json_integer_value(json_object_get(root, "poll_timeout")), 4096);
	json_decref(root);

	sim2 = load_ok(text);
	assert_string_equal(tree_read(sim2, "bus/ap/ap_domain"), "11\n");
	assert_string_equal(tree_read(sim2, "bus/ap/config_time"), "77\n");
	assert_string_equal(tree_read(sim2, "bus/ap/poll_thread"), "0\n");
	assert_string_equal(tree_read(sim2, "bus/ap/poll_timeout"), "4096\n");
	text2 = serialize(sim2);
	assert_string_equal(text2, text);
	/* config_time re-armed the rescan timer: a scan after 77 s, not after 30 */
	exec_ok(sim2, "expect read bus/ap/scans 1\\n");
	exec_ok(sim2, "sleep 76s");
	exec_ok(sim2, "expect read bus/ap/scans 1\\n");
	exec_ok(sim2, "sleep 2s");
	exec_ok(sim2, "expect read bus/ap/scans 2\\n");
	free(text);
	free(text2);
	apsim_sim_free(sim2);
}

static void test_round_trip_ap_domain_outside_aqmask(void **state)
{
	struct fixture *f = *state;
	struct apsim_sim *sim2;
	char *text, *text2;

	/* an aqmask write never checks ap_domain: this state is reachable and restorable */
	tree_write(f->sim, "bus/ap/ap_domain", "32");
	tree_write(f->sim, "bus/ap/aqmask", "-32");
	text = serialize(f->sim);
	sim2 = load_ok(text);
	assert_string_equal(tree_read(sim2, "bus/ap/ap_domain"), "32\n");
	assert_string_equal(tree_read(sim2, "bus/ap/aqmask"),
			    "0xffffffff7fffffffffffffffffffffffffffffffffffffffffffffffffffffff\n");
	text2 = serialize(sim2);
	assert_string_equal(text2, text);
	free(text);
	free(text2);
	apsim_sim_free(sim2);
}

static void test_round_trip_online(void **state)
{
	struct fixture *f = *state;
	struct apsim_sim *sim2;
	char *text, *text2;
	json_t *root, *online;

	tree_write(f->sim, "devices/ap/card05/online", "0\n");
	tree_write(f->sim, "devices/ap/card03/03.000b/online", "0\n");
	tree_write(f->sim, "devices/ap/card10/10.0020/online", "0");
	tree_write(f->sim, "devices/ap/card10/10.0020/online", "1"); /* back online */
	text = serialize(f->sim);
	root = load_json(text);
	online = json_object_get(root, "online");
	/* only what is offline; card05's queues went with it */
	assert_int_equal(json_object_size(online), 2);
	assert_int_equal(json_integer_value(json_object_get(online, "card05")), 0);
	assert_int_equal(json_integer_value(json_object_get(online, "03.000b")), 0);
	json_decref(root);

	sim2 = load_ok(text);
	assert_string_equal(tree_read(sim2, "devices/ap/card05/online"), "0\n");
	assert_string_equal(tree_read(sim2, "devices/ap/card05/05.0006/online"), "0\n");
	assert_string_equal(tree_read(sim2, "devices/ap/card05/05.0020/online"), "0\n");
	assert_string_equal(tree_read(sim2, "devices/ap/card03/online"), "1\n");
	assert_string_equal(tree_read(sim2, "devices/ap/card03/03.000b/online"), "0\n");
	assert_string_equal(tree_read(sim2, "devices/ap/card03/03.0006/online"), "1\n");
	assert_string_equal(tree_read(sim2, "devices/ap/card10/10.0020/online"), "1\n");
	/* through the store: the ONLINE= uevents of chzcrypt -d */
	exec_ok(sim2, "expect event change /devices/ap/card05 ONLINE=0");
	exec_ok(sim2, "expect event change /devices/ap/card05/05.0020 ONLINE=0");
	exec_ok(sim2, "expect event change /devices/ap/card03/03.000b ONLINE=0");
	text2 = serialize(sim2);
	assert_string_equal(text2, text);
	free(text);
	free(text2);
	apsim_sim_free(sim2);
}

static void test_online_not_visible_not_saved(void **state)
{
	struct fixture *f = *state;
	char *text;
	json_t *root;

	/* a deconfigured or checkstopped card shows 0 whatever zcrypt's flag is: no entry */
	exec_ok(f->sim, "machine card config 5 off");
	exec_ok(f->sim, "machine card checkstop 3 on");
	text = serialize(f->sim);
	root = load_json(text);
	assert_int_equal(json_object_size(json_object_get(root, "online")), 0);
	json_decref(root);
	free(text);
}

static void test_online_gone_devices_dropped(void **state)
{
	struct fixture *f = *state;
	struct apsim_sim *sim2;
	char *text, *bad;
	json_t *root;

	text = serialize(f->sim);
	root = load_json(text);
	/* card 3f and queue 03.0040 do not exist; card0a's queues belong to vfio_ap */
	json_object_set_new(root, "apmask", json_string("0xffdf"));
	json_object_set_new(root, "online",
			    json_pack("{s:i, s:i, s:i, s:i, s:i}", "card3f", 0, "3f.0001", 0,
				      "03.0040", 1, "0a.0006", 0, "card03", 0));
	bad = json_dumps(root, 0);
	sim2 = load_ok(bad);
	assert_string_equal(tree_read(sim2, "devices/ap/card03/online"), "0\n");
	assert_string_equal(tree_read(sim2, "devices/ap/card0a/0a.0006/status"), "unassigned\n");
	free(bad);
	json_decref(root);
	free(text);
	apsim_sim_free(sim2);
}

static void test_round_trip_zcrypt_nodes(void **state)
{
	struct fixture *f = *state;
	struct apsim_sim *sim2;
	char *text, *text2;
	json_t *root, *nodes;

	tree_write(f->sim, "class/zcrypt/create", "first\n");
	tree_write(f->sim, "class/zcrypt/create", "second");
	tree_write(f->sim, "class/zcrypt/create", "third");
	tree_write(f->sim, "class/zcrypt/destroy", "first");
	tree_write(f->sim, "class/zcrypt/create", "\xff\x01"); /* minor 0 again */
	tree_write(f->sim, "class/zcrypt/second/apmask", "+3,+5");
	tree_write(f->sim, "class/zcrypt/second/aqmask", "0x02");
	tree_write(f->sim, "class/zcrypt/second/admask", "+0-255");
	tree_write(f->sim, "class/zcrypt/third/ioctlmask", "+0x41");
	text = serialize(f->sim);
	root = load_json(text);
	nodes = json_object_get(root, "zcrypt_nodes");
	assert_int_equal(json_array_size(nodes), 3);
	/* minor order; a name that is not UTF-8 goes into name_hex */
	assert_null(json_object_get(json_array_get(nodes, 0), "name"));
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(nodes, 0), "name_hex")), "ff01");
	assert_string_equal(json_string_value(json_object_get(json_array_get(nodes, 1), "name")),
			    "second");
	assert_string_equal(json_string_value(json_object_get(json_array_get(nodes, 1), "apmask")),
			    "0x1400000000000000000000000000000000000000000000000000000000000000");
	assert_string_equal(json_string_value(json_object_get(json_array_get(nodes, 1), "aqmask")),
			    "0x0200000000000000000000000000000000000000000000000000000000000000");
	assert_string_equal(json_string_value(json_object_get(json_array_get(nodes, 1), "admask")),
			    ONES64);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(nodes, 1), "ioctlmask")), ZERO64);
	assert_string_equal(json_string_value(json_object_get(json_array_get(nodes, 2), "name")),
			    "third");
	json_decref(root);

	sim2 = load_ok(text);
	assert_string_equal(tree_read(sim2, "class/zcrypt/\xff\x01/dev"), "243:0\n");
	assert_string_equal(tree_read(sim2, "class/zcrypt/second/dev"), "243:1\n");
	assert_string_equal(tree_read(sim2, "class/zcrypt/third/dev"), "243:2\n");
	assert_string_equal(tree_read(sim2, "class/zcrypt/second/apmask"),
			    "0x1400000000000000000000000000000000000000000000000000000000000000\n");
	assert_string_equal(tree_read(sim2, "class/zcrypt/third/ioctlmask"),
			    "0x0000000000000000400000000000000000000000000000000000000000000000\n");
	assert_string_equal(tree_read(sim2, "class/zcrypt/third/apmask"), ZERO64 "\n");
	/* created through the create store: its add uevent */
	exec_ok(sim2, "expect event add /devices/virtual/zcrypt/second MAJOR=243 MINOR=1 "
		      "DEVNAME=second");
	text2 = serialize(sim2);
	assert_string_equal(text2, text);
	free(text);
	free(text2);
	apsim_sim_free(sim2);
}

/* A version 1 file from before the runtime keys: loads, the rest keeps its boot values. */
static void test_load_old_format(void **state)
{
	struct fixture *f = *state;
	struct apsim_sim *sim2;
	char *text, *old, *text2;
	json_t *root;

	configure(f->sim);
	tree_write(f->sim, "bus/ap/config_time", "60");
	tree_write(f->sim, "devices/ap/card03/online", "0");
	tree_write(f->sim, "class/zcrypt/create", "node");
	text = serialize(f->sim);
	root = load_json(text);
	assert_int_equal(json_object_del(root, "ap_domain"), 0);
	assert_int_equal(json_object_del(root, "config_time"), 0);
	assert_int_equal(json_object_del(root, "poll_thread"), 0);
	assert_int_equal(json_object_del(root, "poll_timeout"), 0);
	assert_int_equal(json_object_del(root, "online"), 0);
	assert_int_equal(json_object_del(root, "zcrypt_nodes"), 0);
	old = json_dumps(root, JSON_INDENT(2));
	sim2 = load_ok(old);
	assert_string_equal(tree_read(sim2, "devices/vfio_ap/matrix/" U1 "/matrix"),
			    "0a.0006\n0a.000b\n");
	assert_string_equal(tree_read(sim2, "bus/ap/ap_domain"), "6\n");
	assert_string_equal(tree_read(sim2, "bus/ap/config_time"), "30\n");
	assert_string_equal(tree_read(sim2, "devices/ap/card03/online"), "1\n");
	assert_int_equal(apsim_tree_lookup(apsim_sim_get_tree(sim2), "class/zcrypt/node", NULL),
			 -ENOENT);
	/* and saves with the new keys */
	text2 = serialize(sim2);
	assert_non_null(strstr(text2, "\"config_time\": 30,"));
	assert_non_null(strstr(text2, "\"zcrypt_nodes\": []"));
	free(text2);
	free(old);
	json_decref(root);
	free(text);
	apsim_sim_free(sim2);
}

/* "ap_domain": -1 (no usable domain when saved): no store can set it, the scan's choice stays */
static void test_load_ap_domain_none(void **state)
{
	struct fixture *f = *state;
	char *text = serialize(f->sim), *t2;
	json_t *root = load_json(text);
	struct apsim_sim *sim2;

	json_object_set_new(root, "ap_domain", json_integer(-1));
	t2 = json_dumps(root, 0);
	sim2 = load_ok(t2);
	assert_string_equal(tree_read(sim2, "bus/ap/ap_domain"), "6\n");
	apsim_sim_free(sim2);
	free(t2);
	json_decref(root);
	free(text);
}

/* root with key set to value (taken), as text; expect_load_error on it. */
static void expect_bad(json_t *root, const char *key, json_t *value, int err, const char *want)
{
	json_t *copy = json_deep_copy(root);
	char *text;

	json_object_set_new(copy, key, value);
	text = json_dumps(copy, 0);
	expect_load_error(text, err, want);
	free(text);
	json_decref(copy);
}

static json_t *node(const char *name, const char *apmask)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", name, "ioctlmask", ZERO64, "apmask",
			 apmask, "aqmask", ZERO64, "admask", ZERO64);
}

static void test_load_bad_runtime_values(void **state)
{
	struct fixture *f = *state;
	char *text = serialize(f->sim);
	json_t *root = load_json(text);

	/* bus attributes: the store's own checks, named */
	expect_bad(root, "config_time", json_integer(200), -EINVAL,
		   "s.json: config_time: writing '200' to bus/ap/config_time failed: Invalid "
		   "argument");
	expect_bad(root, "config_time", json_string("30"), -EINVAL,
		   "s.json: config_time: expected an integer");
	expect_bad(root, "ap_domain", json_integer(85), -EINVAL,
		   "s.json: ap_domain: writing '85' to bus/ap/ap_domain failed: Invalid argument");
	expect_bad(root, "ap_domain", json_integer(-2), -EINVAL,
		   "s.json: ap_domain: writing '-2' to bus/ap/ap_domain failed: Invalid argument");
	expect_bad(root, "poll_timeout", json_integer(120000000001LL), -EINVAL,
		   "s.json: poll_timeout: writing '120000000001' to bus/ap/poll_timeout failed: "
		   "Invalid argument");
	expect_bad(root, "poll_timeout", json_integer(-1), -EINVAL,
		   "s.json: poll_timeout: writing '-1' to bus/ap/poll_timeout failed: Invalid "
		   "argument");
	expect_bad(root, "poll_thread", json_integer(7), -EINVAL,
		   "s.json: poll_thread: writing '7' to bus/ap/poll_thread failed: Invalid "
		   "argument");
	expect_bad(root, "poll_thread", json_true(), -EINVAL,
		   "s.json: poll_thread: expected an integer");

	/* online */
	expect_bad(root, "online", json_array(), -EINVAL, "s.json: online: expected an object");
	expect_bad(root, "online", json_pack("{s:i}", "card5", 0), -EINVAL,
		   "s.json: online: 'card5' is not a card or queue name (card%02x, %02x.%04x)");
	expect_bad(root, "online", json_pack("{s:i}", "card0A", 0), -EINVAL,
		   "s.json: online: 'card0A' is not a card or queue name (card%02x, %02x.%04x)");
	expect_bad(root, "online", json_pack("{s:i}", "03.0106", 0), -EINVAL,
		   "s.json: online: '03.0106' is not a card or queue name (card%02x, %02x.%04x)");
	expect_bad(root, "online", json_pack("{s:i}", "card03", 2), -EINVAL,
		   "s.json: online.card03: expected 0 or 1");
	expect_bad(root, "online", json_pack("{s:s}", "03.0006", "0"), -EINVAL,
		   "s.json: online.03.0006: expected 0 or 1");
	/* queue online while its card is offline: the store's EINVAL (cards go first) */
	expect_bad(root, "online", json_pack("{s:i, s:i}", "03.0006", 1, "card03", 0), -EINVAL,
		   "s.json: online.03.0006: writing '1' to devices/ap/card03/03.0006/online "
		   "failed: Invalid argument");

	/* zcrypt nodes */
	expect_bad(root, "zcrypt_nodes", json_object(), -EINVAL,
		   "s.json: zcrypt_nodes: expected an array");
	expect_bad(root, "zcrypt_nodes", json_pack("[i]", 1), -EINVAL,
		   "s.json: zcrypt_nodes[0]: expected an object");
	expect_bad(root, "zcrypt_nodes", json_pack("[o]", node("a/b", ZERO64)), -EINVAL,
		   "s.json: zcrypt_nodes[0].name: expected one of name / name_hex: a node name of "
		   "1 to 31 bytes without '/' or spaces at either end");
	expect_bad(root, "zcrypt_nodes", json_pack("[o]", node(" a", ZERO64)), -EINVAL,
		   "s.json: zcrypt_nodes[0].name: expected one of name / name_hex: a node name of "
		   "1 to 31 bytes without '/' or spaces at either end");
	expect_bad(root, "zcrypt_nodes",
		   json_pack("[o]", node("0123456789abcdef0123456789abcdef", ZERO64)), -EINVAL,
		   "s.json: zcrypt_nodes[0].name: expected one of name / name_hex: a node name of "
		   "1 to 31 bytes without '/' or spaces at either end");
	expect_bad(root, "zcrypt_nodes",
		   json_pack("[{s:s, s:s, s:s, s:s, s:s}]", "name_hex", "6x", "ioctlmask", ZERO64,
			     "apmask", ZERO64, "aqmask", ZERO64, "admask", ZERO64),
		   -EINVAL,
		   "s.json: zcrypt_nodes[0].name_hex: expected one of name / name_hex: a node name "
		   "of 1 to 31 bytes without '/' or spaces at either end");
	expect_bad(root, "zcrypt_nodes",
		   json_pack("[{s:s, s:s, s:s, s:s, s:s}]", "name_hex", "610062", "ioctlmask",
			     ZERO64, "apmask", ZERO64, "aqmask", ZERO64, "admask", ZERO64),
		   -EINVAL,
		   "s.json: zcrypt_nodes[0].name_hex: expected one of name / name_hex: a node name "
		   "of 1 to 31 bytes without '/' or spaces at either end");
	expect_bad(root, "zcrypt_nodes", json_pack("[o]", node("a", "0xzz")), -EINVAL,
		   "s.json: zcrypt_nodes[0].apmask: bad mask '0xzz'");
	expect_bad(root, "zcrypt_nodes", json_pack("[{s:s}]", "name", "a"), -EINVAL,
		   "s.json: zcrypt_nodes[0].ioctlmask: expected a mask string \"0x<hex>\"");
	expect_bad(root, "zcrypt_nodes", json_pack("[o, o]", node("a", ZERO64), node("a", ZERO64)),
		   -EEXIST, "s.json: zcrypt_nodes[1]: cannot create node 'a': File exists");
	expect_bad(root, "zcrypt_nodes", json_pack("[o]", node("create", ZERO64)), -EEXIST,
		   "s.json: zcrypt_nodes[0]: cannot create node 'create': File exists");

	json_decref(root);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_serialize_fresh_sim, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_serialize_mdevs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_file_atomic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_file_missing_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_refuses_conflicting_mdevs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_serialize_runtime_defaults, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_round_trip_bus_attrs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_round_trip_ap_domain_outside_aqmask, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_round_trip_online, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_online_not_visible_not_saved, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_online_gone_devices_dropped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_round_trip_zcrypt_nodes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_old_format, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_ap_domain_none, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_bad_runtime_values, setup, teardown),
	};
	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
