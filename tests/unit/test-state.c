/* SPDX-License-Identifier: MIT */
/*
 * test-state.c - the daemon's persisted state (lib/state.c): serialize, atomic write, load
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
#include "state-internal.h"

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
	};
	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
