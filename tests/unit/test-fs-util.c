/* SPDX-License-Identifier: MIT */
/* fs-util: write_all and mkdir -p */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/fs-util-internal.h"

static char base[64];

static int setup(void **state)
{
	(void) state;
	umask(022); /* the mode assertions below assume the usual umask */
	snprintf(base, sizeof(base), "/tmp/apsim-fs-util.XXXXXX");
	return mkdtemp(base) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void) state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_mkdir_p_creates_every_level(void **state)
{
	char path[PATH_MAX];
	struct stat st;

	(void) state;
	snprintf(path, sizeof(path), "%s/a/b/c", base);
	assert_int_equal(apsim__mkdir_p(path, 0750, false), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0750);
	/* existing directories are fine */
	assert_int_equal(apsim__mkdir_p(path, 0750, false), 0);
}

static void test_mkdir_p_parents_only(void **state)
{
	char path[PATH_MAX], parent[PATH_MAX];
	struct stat st;

	(void) state;
	snprintf(path, sizeof(path), "%s/p/q/control.sock", base);
	snprintf(parent, sizeof(parent), "%s/p/q", base);
	assert_int_equal(apsim__mkdir_p(path, 0700, true), 0);
	assert_int_equal(stat(parent, &st), 0);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_mkdir_p_errors(void **state)
{
	char path[PATH_MAX], file[PATH_MAX];
	int fd;

	(void) state;
	assert_int_equal(apsim__mkdir_p("", 0755, false), -ENAMETOOLONG);
	snprintf(file, sizeof(file), "%s/plain", base);
	fd = open(file, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/plain/sub", base);
	assert_int_equal(apsim__mkdir_p(path, 0755, false), -ENOTDIR);
}

static void test_write_all_writes_everything(void **state)
{
	char file[PATH_MAX], back[70000];
	static char data[65536 + 3];
	int fd;

	(void) state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char) ('a' + i % 26);
	snprintf(file, sizeof(file), "%s/data", base);
	fd = open(file, O_CREAT | O_RDWR | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(apsim__write_all(fd, data, sizeof(data)), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(read(fd, back, sizeof(back)), (ssize_t) sizeof(data));
	assert_memory_equal(back, data, sizeof(data));
	close(fd);
	assert_int_equal(apsim__write_all(fd, data, 1), -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_mkdir_p_creates_every_level, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mkdir_p_parents_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mkdir_p_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_all_writes_everything, setup, teardown),
	};
	return cmocka_run_group_tests_name("fs-util", tests, NULL, NULL);
}
