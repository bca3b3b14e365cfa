/* SPDX-License-Identifier: MIT */
/* test-matrix.c - `apsim matrix`: the grid, its wrapping, colours, legend, JSON and SVG. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "apsim/apsim.h"

#include "fixture.h"

#define run	fixture_run
#define run_ok	fixture_run_ok

/* matrix: the grid, wrapped to COLUMNS when not on a terminal, the legend, JSON, SVG */
static void test_matrix(void **state)
{
	struct fixture *f = *state;
	static const char *const setup_lines[] = {
		"machine card add 4 CEX7C",
		"machine card add 5 CEX8P",
		"machine lpar add adapter 4,5,6",
		"machine lpar add domain 0x20,0x21",
		"machine lpar add control-domain 0x30",
		"scan",
		"write bus/ap/apmask -5",
		"mdev create 11111111-1111-4111-8111-111111111111",
		"write devices/vfio_ap/matrix/11111111-1111-4111-8111-111111111111/assign_adapter 5",
		"write devices/vfio_ap/matrix/11111111-1111-4111-8111-111111111111/assign_domain 0x21",
		"mdev create 22222222-2222-4222-8222-222222222222",
		"guest start g1 11111111-1111-4111-8111-111111111111",
		"write devices/ap/card04/04.0021/online 0",
	};
	static const char legend[] =
	    "\nlegend: .  no queue device      o  default driver, online   x  default driver, offline\n"
	    "        ?  no driver            v  vfio_ap, in no mdev      c  control domain (ctl row)\n"
	    "        1..9 a..z  in that mdev  A..Z  in that guest's APCB  blank: control domain only\n"
	    "mdev 1: 22222222-2222-4222-8222-222222222222\n"
	    "mdev 2: 11111111-1111-4111-8111-111111111111, guest g1\n"
	    "guest A: g1 (mdev 11111111-1111-4111-8111-111111111111)\n";
	char want[2048];
	json_error_t jerr;
	json_t *arr, *e;

	for (size_t i = 0; i < sizeof(setup_lines) / sizeof(setup_lines[0]); i++)
		run_ok(f, setup_lines[i]);
	setenv("COLUMNS", "80", 1);
	run_ok(f, "matrix");
	snprintf(want, sizeof(want), "%s%s",
		 "dom 20 21 30\n"
		 "ctl        c\n"
		 "04   o  x\n"
		 "05   v  A\n"
		 "06   .  .\n", legend);
	assert_string_equal(f->out, want);
	/* two columns a block in 10 columns */
	setenv("COLUMNS", "10", 1);
	run_ok(f, "matrix --color=never");
	snprintf(want, sizeof(want), "%s%s",
		 "dom 20 21\n"
		 "ctl\n"
		 "04   o  x\n"
		 "05   v  A\n"
		 "06   .  .\n"
		 "\n"
		 "dom 30\n"
		 "ctl  c\n"
		 "04\n"
		 "05\n"
		 "06\n", legend);
	assert_string_equal(f->out, want);
	unsetenv("COLUMNS");
	/* --color=always: the guest's cell in its colour, the others by state */
	run_ok(f, "matrix --guest g1 --color=always");
	assert_non_null(strstr(f->out, "05   \033[1;35mA\033[0m\n"));
	assert_int_equal(run(f, "matrix --guest nobody"), -ENOENT);
	assert_string_equal(f->err, "matrix: no running guest 'nobody' with an mdev\n");
	assert_int_equal(run(f, "matrix --color=sometimes"), -APSIM_EUSAGE);
	assert_string_equal(f->err,
			    "matrix: bad --color 'sometimes' (expected auto, always or never)\n");

	run_ok(f, "matrix --json");
	arr = json_loads(f->out, 0, &jerr);
	assert_non_null(arr);
	assert_int_equal(json_array_size(arr), 9);
	e = json_array_get(arr, 4); /* 05.0021 */
	assert_string_equal(json_string_value(json_object_get(e, "apqn")), "05.0021");
	assert_string_equal(json_string_value(json_object_get(e, "state")), "guest");
	assert_string_equal(json_string_value(json_object_get(e, "guest")), "g1");
	assert_string_equal(json_string_value(json_object_get(e, "driver")), "vfio_ap");
	assert_string_equal(json_string_value(json_object_get(e, "card_type")), "CEX8P");
	assert_string_equal(json_string_value(json_object_get(e, "mode")), "ep11");
	assert_string_equal(json_string_value(json_object_get(e, "mdev")),
			    "11111111-1111-4111-8111-111111111111");
	e = json_array_get(arr, 1); /* 04.0021: offline under cex4queue */
	assert_string_equal(json_string_value(json_object_get(e, "state")), "offline");
	assert_string_equal(json_string_value(json_object_get(e, "queue_state")), "offline");
	e = json_array_get(arr, 8); /* 06.0030: no card, control domain only */
	assert_string_equal(json_string_value(json_object_get(e, "state")), "unconfigured");
	assert_true(json_is_null(json_object_get(e, "card_type")));
	assert_true(json_is_true(json_object_get(e, "control")));
	json_decref(arr);

	{
		char dir[] = "/tmp/apsim-matrix-XXXXXX", path[64], line[160], *body;
		FILE *in;
		long n;

		assert_non_null(mkdtemp(dir));
		snprintf(path, sizeof(path), "%s/m.svg", dir);
		snprintf(line, sizeof(line), "matrix --svg %s", path);
		run_ok(f, line);
		in = fopen(path, "r");
		assert_non_null(in);
		fseek(in, 0, SEEK_END);
		n = ftell(in);
		rewind(in);
		body = calloc(1, (size_t) n + 1);
		assert_non_null(body);
		assert_int_equal(fread(body, 1, (size_t) n, in), (size_t) n);
		fclose(in);
		assert_non_null(strstr(body, "<rect class=\"apqn\" data-apqn=\"05.0021\" data-state=\"guest\" "
					     "data-guest=\"g1\" x=\"66\" y=\"58\" width=\"20\" height=\"20\" "
					     "fill=\"#b05fc9\" stroke=\"#888\"><title>05.0021 CEX8P ep11: "
					     "offline, vfio_ap, mdev 11111111-1111-4111-8111-111111111111, "
					     "guest g1</title></rect>"));
		assert_non_null(strstr(body, "data-apqn=\"04.0020\" data-state=\"online\""));
		assert_null(strstr(body, "<script"));
		free(body);
		unlink(path);
		rmdir(dir);
	}
	assert_int_equal(run(f, "matrix --svg /nonexistent/dir/m.svg"), -ENOENT);
	assert_string_equal(f->err,
			    "matrix: /nonexistent/dir/m.svg: No such file or directory\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_matrix, fixture_setup_sim, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
