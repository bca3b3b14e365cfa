/* SPDX-License-Identifier: MIT */
/* The command interpreter and the scenario runner (docs/cli.md): exact output and messages. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "apsim/apsim.h"
#include "script/script-internal.h"

#include "fixture.h"

/* the fixture's model and command runner (fixture.h) under short names */
#define setup	 fixture_setup_sim
#define teardown fixture_teardown
#define run_where fixture_run_where
#define run	 fixture_run
#define run_ok	 fixture_run_ok

/* A small machine: adapter 4 (CEX7C) with domain 0x20. */
static void small_machine(struct fixture *f)
{
	run_ok(f, "machine card add 4 CEX7C --serial 93AAXY01");
	run_ok(f, "machine lpar add adapter 4");
	run_ok(f, "machine lpar add domain 0x20");
}

/* --- splitting, escapes, errno names --- */

static void assert_split(const char *line, int want_argc, const char *const *want)
{
	char **argv;
	int argc;

	assert_int_equal(apsim__command_split(line, &argc, &argv), 0);
	assert_int_equal(argc, want_argc);
	for (int i = 0; i < argc; i++)
		assert_string_equal(argv[i], want[i]);
	assert_null(argv[argc]);
	free(argv);
}

static void test_split(void **state)
{
	(void) state;
	assert_split("", 0, NULL);
	assert_split("   # just a comment", 0, NULL);
	assert_split("machine  card\tadd 4 CEX8C  # trailing comment", 5,
		     (const char *const[]){"machine", "card", "add", "4", "CEX8C"});
	/* the value of write is the rest of the line, spaces and '#' included */
	assert_split("write bus/ap/apmask  +1 +2 # x  \r", 3,
		     (const char *const[]){"write", "bus/ap/apmask", "+1 +2 # x"});
	assert_split("write bus/ap/apmask", 2, (const char *const[]){"write", "bus/ap/apmask"});
	assert_split("expect read a/b  hello  world\\n", 4,
		     (const char *const[]){"expect", "read", "a/b", "hello  world\\n"});
	/* expect fail: the rest is a command line of its own */
	assert_split("expect fail EINVAL write x a b", 6,
		     (const char *const[]){"expect", "fail", "EINVAL", "write", "x", "a b"});
	assert_split("expect fail EBUSY expect fail EINVAL write p v w", 9,
		     (const char *const[]){"expect", "fail", "EBUSY", "expect", "fail", "EINVAL",
					   "write", "p", "v w"});
	assert_split("a#b c", 2, (const char *const[]){"a#b", "c"});
}

static void test_escapes(void **state)
{
	char *s = NULL, *text = NULL;
	size_t len = 0, tl = 0;
	FILE *f;

	(void) state;
	assert_int_equal(apsim__unescape("a\\n\\t\\r\\\\\\\"\\'\\x41\\x7e\\0z", &s, &len), 0);
	assert_int_equal(len, 11);
	assert_memory_equal(s, "a\n\t\r\\\"'A~\0z", 11);
	f = open_memstream(&text, &tl);
	apsim__print_escaped(f, s, len);
	fclose(f);
	assert_string_equal(text, "\"a\\n\\t\\r\\\\\\\"'A~\\x00z\"");
	free(s);
	free(text);
	assert_int_equal(apsim__unescape("bad\\q", &s, &len), -EINVAL);
	assert_int_equal(apsim__unescape("bad\\x4", &s, &len), -EINVAL);
	assert_int_equal(apsim__unescape("bad\\", &s, &len), -EINVAL);
}

static void test_errno_names(void **state)
{
	int e = 0;

	(void) state;
	assert_string_equal(apsim__errno_name(EADDRINUSE), "EADDRINUSE");
	assert_string_equal(apsim__errno_name(EAGAIN), "EAGAIN");
	assert_null(apsim__errno_name(100000));
	assert_int_equal(apsim__errno_from_name("EADDRNOTAVAIL", &e), 0);
	assert_int_equal(e, EADDRNOTAVAIL);
	assert_int_equal(apsim__errno_from_name("EWOULDBLOCK", &e), 0);
	assert_int_equal(e, EAGAIN);
	assert_int_equal(apsim__errno_from_name("einval", &e), -EINVAL);
}

static void test_exit_codes(void **state)
{
	(void) state;
	assert_int_equal(apsim_sim_exit_code(0), 0);
	assert_int_equal(apsim_sim_exit_code(-EINVAL), 1);
	assert_int_equal(apsim_sim_exit_code(-EBADMSG), 1);
	assert_int_equal(apsim_sim_exit_code(-APSIM_EUSAGE), 2);
}

/* --- usage errors --- */

static void test_usage_errors(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run_where(f, "apsim", false, "frobnicate"), -APSIM_EUSAGE);
	assert_string_equal(f->err, "apsim: unknown command 'frobnicate' (try 'help')\n");
	assert_int_equal(run(f, "machine"), -APSIM_EUSAGE);
	assert_string_equal(f->err,
			    "machine: missing subcommand (expected show, card, lpar, notify, "
			    "limits, qci, flags, queue, fault, import)\n");
	assert_int_equal(run(f, "machine card frob 4"), -APSIM_EUSAGE);
	assert_string_equal(f->err,
			    "machine card: unknown subcommand 'frob' (expected add, remove, "
			    "checkstop, config)\n");
	assert_int_equal(run_where(f, "scn.scn:4", false, "machine card add 4 CEX9X"),
			 -APSIM_EUSAGE);
	assert_string_equal(f->err, "scn.scn:4: machine card add: unknown card type 'CEX9X' "
				    "(expected CEX4A..CEX8P)\n");
	assert_int_equal(run(f, "machine card add 256 CEX8C"), -APSIM_EUSAGE);
	assert_string_equal(f->err, "machine card add: adapter 256: out of range 0x00-0xff "
				    "(ap_max_adapter_id is 0xff)\n");
	assert_int_equal(run(f, "machine card add 0x1ff CEX8C"), -APSIM_EUSAGE);
	assert_string_equal(f->err, "machine card add: adapter 0x1ff: out of range 0x00-0xff "
				    "(ap_max_adapter_id is 0xff)\n");
	assert_int_equal(run(f, "machine card add four CEX8C"), -APSIM_EUSAGE);
	assert_string_equal(f->err,
			    "machine card add: bad adapter id 'four' (expected a number 0..255)\n");
	assert_int_equal(run(f, "machine card add 4 CEX8C --depth 16"), -APSIM_EUSAGE);
	assert_string_equal(f->err, "machine card add: bad depth '16' (expected 0..15)\n");
	assert_int_equal(run(f, "machine card add 4 CEX8C --depth"), -APSIM_EUSAGE);
	assert_string_equal(f->err, "machine card add: option '--depth' needs a value\n");
	assert_int_equal(run(f, "machine card add 4"), -APSIM_EUSAGE);
	assert_string_equal(f->err,
			    "machine card add: usage: machine card add APID TYPE [--depth N] "
			    "[--functions HEX] [--serial S] [--ml N] [--raw-type N]\n");
	assert_int_equal(run(f, "machine notify maybe"), -APSIM_EUSAGE);
	assert_string_equal(f->err, "machine notify: expected on or off, got 'maybe'\n");
	assert_int_equal(run(f, "machine lpar add cards 1"), -APSIM_EUSAGE);
	assert_string_equal(f->err,
			    "machine lpar add: unknown set 'cards' (expected adapter, domain or "
			    "control-domain)\n");
	assert_int_equal(run(f, "machine lpar add domain 1-300"), -APSIM_EUSAGE);
	assert_string_equal(f->err,
			    "machine lpar add: bad id list '1-300' (expected ids 0..255 such as "
			    "5, 0x0a, 3-7, 1,4,9)\n");
	assert_int_equal(run(f, "sleep forever"), -APSIM_EUSAGE);
	assert_string_equal(f->err, "sleep: bad duration 'forever' (expected e.g. 30s, 20ms, 1.5s, "
				    "100us, 5m)\n");
	assert_int_equal(run(f, "write bus/ap/apmask \\q"), -APSIM_EUSAGE);
	assert_string_equal(f->err,
			    "write bus/ap/apmask: bad escape in value (expected \\n \\t \\r \\\\ "
			    "\\\" \\0 \\xHH)\n");
	assert_int_equal(run(f, "expect fail EWHAT scan"), -APSIM_EUSAGE);
	assert_string_equal(f->err,
			    "expect fail: unknown errno name 'EWHAT' (expected a name such as "
			    "EINVAL, EBUSY, ENODEV)\n");
	assert_int_equal(run(f, "ls a b"), -APSIM_EUSAGE);
	assert_string_equal(f->err, "ls: usage: ls [PATH] [--json]\n");
	assert_int_equal(run(f, "machine card add 4 CEX8C --json 1"), -APSIM_EUSAGE);
	assert_string_equal(f->err, "machine card add: unknown option '--json' (expected --depth, "
				    "--functions, --serial, --ml, --raw-type)\n");
	assert_string_equal(f->out, "");
}

/* --- machine --- */

static void test_machine_show(void **state)
{
	struct fixture *f = *state;

	run_ok(f, "machine show");
	assert_string_equal(f->out, "no adapters installed\n"
				    "lpar adapters:         none\n"
				    "lpar domains:          none\n"
				    "lpar control-domains:  none\n"
				    "limits:                max_adapter_id 255, max_domain_id 84\n"
				    "qci:                   on (flags APSC APXA QACT RC8A)\n"
				    "notify:                on\n");
	small_machine(f);
	run_ok(f, "machine card add 0x10 CEX8A --depth 3 --ml 2");
	run_ok(f, "machine card checkstop 16 on");
	run_ok(f, "machine lpar add control-domain 1,2,3,7");
	run_ok(f, "machine notify off");
	run_ok(f, "machine flags APSC,APSB");
	run_ok(f, "machine show");
	assert_string_equal(
	    f->out, "APID TYPE   MODE  FUNCTIONS  DEPTH ML SERIAL           CHECKSTOP CONFIG\n"
		    "04   CEX7C  cca   0x90800000     7  0 93AAXY01         off       on\n"
		    "10   CEX8A  accel 0x68800000     3  2 -                on        on\n"
		    "lpar adapters:         4\n"
		    "lpar domains:          32\n"
		    "lpar control-domains:  1-3,7\n"
		    "limits:                max_adapter_id 255, max_domain_id 84\n"
		    "qci:                   on (flags APSC APSB)\n"
		    "notify:                off\n");
	run_ok(f, "machine flags none");
	run_ok(f, "machine qci off");
	run_ok(f, "machine show");
	assert_non_null(strstr(f->out, "qci:                   off (flags none)\n"));
}

static void test_machine_show_json(void **state)
{
	struct fixture *f = *state;
	json_error_t error;
	json_t *root;

	small_machine(f);
	assert_int_equal(run_where(f, NULL, true, "machine show"), 0);
	root = json_loads(f->out, 0, &error);
	assert_non_null(root);
	assert_int_equal(json_integer_value(json_object_get(root, "max_domain_id")), 84);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(root, "lpar"), "domains")), "32");
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(root, "cards"), 0), "serial")),
			    "93AAXY01");
	json_decref(root);
	/* --json as an argument of the command */
	run_ok(f, "machine show --json");
	assert_int_equal(f->out[0], '{');
}

static void test_machine_errors(void **state)
{
	struct fixture *f = *state;

	run_ok(f, "machine card add 4 CEX8C");
	assert_int_equal(run(f, "machine card add 4 CEX8A"), -EEXIST);
	assert_string_equal(f->err, "machine card add: adapter 4 is already installed\n");
	assert_int_equal(run_where(f, "apsim", false, "machine card remove 5"), -ENODEV);
	assert_string_equal(f->err, "apsim: machine card remove: no adapter 5 installed\n");
	assert_int_equal(run(f, "machine card config 5 on"), -ENODEV);
	assert_string_equal(f->err, "machine card config: no adapter 5 installed\n");
	run_ok(f, "machine card remove 4");
	/* config of an installed card without a device: the machine call */
	run_ok(f, "machine card add 6 CEX8C");
	run_ok(f, "machine card config 6 off");
	assert_false(apsim_machine_card_is_configured(apsim_sim_get_machine(f->sim), 6));
}

/* machine card config is the write of the card's config attribute when the device exists */
static void test_machine_card_config_writes_attribute(void **state)
{
	struct fixture *f = *state;
	struct apsim_uevent_log *log = apsim_sim_get_uevents(f->sim);
	size_t n;

	small_machine(f);
	n = apsim_uevent_log_count(log);
	run_ok(f, "machine card config 4 off");
	run_ok(f, "read devices/ap/card04/config");
	assert_string_equal(f->out, "0\n");
	assert_true(apsim_uevent_log_count(log) > n);
	assert_int_equal(apsim_uevent_log_get(log, n)->action, APSIM_UEVENT_CHANGE);
	assert_string_equal(apsim_uevent_log_get(log, n)->devpath, "/devices/ap/card04");
}

/* --- the tree --- */

static void test_read_write(void **state)
{
	struct fixture *f = *state;

	run_ok(f, "read bus/ap/ap_domain");
	assert_string_equal(f->out, "-1\n");
	run_ok(f, "read /sys/bus/ap/config_time");
	assert_string_equal(f->out, "30\n");
	run_ok(f, "write /bus/ap/config_time 60\\n");
	run_ok(f, "read bus/ap/config_time");
	assert_string_equal(f->out, "60\n");
	assert_int_equal(run(f, "write bus/ap/config_time 4"), -EINVAL);
	assert_string_equal(f->err, "write bus/ap/config_time: Invalid argument\n");
	assert_int_equal(run_where(f, "x.scn:9", false, "write bus/ap/ap_max_domain_id 1"),
			 -EACCES);
	assert_string_equal(f->err, "x.scn:9: write bus/ap/ap_max_domain_id: Permission denied\n");
	assert_int_equal(run(f, "read bus/ap/nothing"), -ENOENT);
	assert_string_equal(f->err, "read bus/ap/nothing: No such file or directory\n");
	assert_string_equal(f->out, "");
	/* spaces in the value: apmask relative syntax rejects them */
	assert_int_equal(run(f, "write bus/ap/apmask +1, +2"), -EINVAL);
	/* the CLI form: the words after PATH joined by single spaces */
	{
		char *argv[] = {"write", "bus/ap/poll_timeout", "0x10", NULL};

		apsim_sim_lock(f->sim);
		assert_int_equal(apsim__command_run(f->sim, 3, argv, false, stdout, stderr), 0);
		apsim_sim_unlock(f->sim);
	}
	run_ok(f, "read bus/ap/poll_timeout");
	assert_string_equal(f->out, "16\n");
}

static void test_ls(void **state)
{
	struct fixture *f = *state;

	small_machine(f);
	run_ok(f, "ls devices/ap/card04");
	assert_non_null(strstr(f->out, "subsystem@\ndriver@\n04.0020/\nuevent\nhwtype\n"));
	run_ok(f, "ls bus/ap/devices --json");
	assert_string_equal(f->out, "[\n"
				    "  {\n"
				    "    \"name\": \"card04\",\n"
				    "    \"type\": \"link\",\n"
				    "    \"target\": \"../../../devices/ap/card04\"\n"
				    "  },\n"
				    "  {\n"
				    "    \"name\": \"04.0020\",\n"
				    "    \"type\": \"link\",\n"
				    "    \"target\": \"../../../devices/ap/card04/04.0020\"\n"
				    "  }\n"
				    "]\n");
	run_ok(f, "ls");
	assert_string_equal(f->out, "bus/\ndevices/\nmodule/\nclass/\nkernel/\n");
	assert_int_equal(run(f, "ls bus/ap/scans"), -ENOTDIR);
	assert_string_equal(f->err, "ls bus/ap/scans: Not a directory\n");
}

static void test_events(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run_where(f, NULL, true, "events"), 0);
	assert_non_null(strstr(
	    f->out,
	    "{\"seqnum\":4,\"usec\":0,\"action\":\"change\",\"devpath\":\"/devices/ap\","
	    "\"subsystem\":\"ap\",\"env\":{\"ACTION\":\"change\",\"DEVPATH\":\"/devices/ap\","
	    "\"SUBSYSTEM\":\"ap\",\"INITSCAN\":\"done\",\"SEQNUM\":\"4\"}}\n"));
	run_ok(f, "events");
	assert_non_null(strstr(f->out,
			       "KERNEL[0.000000] change   /devices/ap (ap)\nACTION=change\n"
			       "DEVPATH=/devices/ap\nSUBSYSTEM=ap\nINITSCAN=done\nSEQNUM=4\n\n"));
}

static void test_sleep_and_scan(void **state)
{
	struct fixture *f = *state;

	run_ok(f, "sleep 30s");
	run_ok(f, "read bus/ap/scans");
	assert_string_equal(f->out, "2\n");
	run_ok(f, "scan");
	run_ok(f, "read bus/ap/scans");
	assert_string_equal(f->out, "3\n");
	/* a new sim starts after the boot settle time */
	assert_int_equal(apsim_clock_now(apsim_sim_get_clock(f->sim)),
			 30 * APSIM_NSEC_PER_SEC + APSIM_SIM_BOOT_SETTLE_NS);
}

/* --- expectations --- */

static void test_expect_read(void **state)
{
	struct fixture *f = *state;

	run_ok(f, "expect read bus/ap/ap_domain -1\\n");
	assert_int_equal(run_where(f, "t.scn:3", false, "expect read bus/ap/ap_domain 5\\n"),
			 -EBADMSG);
	assert_string_equal(f->err,
			    "t.scn:3: expected bus/ap/ap_domain to read \"5\\n\", got \"-1\\n\"\n");
	assert_int_equal(run(f, "expect read bus/ap/none x"), -EBADMSG);
	assert_string_equal(f->err,
			    "expected bus/ap/none to read \"x\", got error ENOENT (No such file "
			    "or directory)\n");
	/* no TEXT: an empty file */
	assert_int_equal(run(f, "expect read bus/ap/scans"), -EBADMSG);
	assert_string_equal(f->err, "expected bus/ap/scans to read \"\", got \"1\\n\"\n");
}

static void test_expect_fail(void **state)
{
	struct fixture *f = *state;

	run_ok(f, "expect fail EINVAL write bus/ap/apmask +4-2");
	run_ok(f, "expect fail EACCES write bus/ap/bindings 1 2");
	run_ok(f, "expect fail ENOENT read bus/ap/nothing");
	assert_int_equal(run(f, "expect fail EBUSY write bus/ap/apmask +4-2"), -EBADMSG);
	assert_string_equal(f->err,
			    "expected 'write bus/ap/apmask +4-2' to fail with EBUSY, got EINVAL "
			    "(Invalid argument): write bus/ap/apmask: Invalid argument\n");
	assert_int_equal(
	    run_where(f, "t.scn:2", false, "expect fail EINVAL write bus/ap/apmask +4"), -EBADMSG);
	assert_string_equal(f->err,
			    "t.scn:2: expected 'write bus/ap/apmask +4' to fail with EINVAL, got "
			    "success\n");
	/* a usage error is not a failure of the command */
	assert_int_equal(run(f, "expect fail EINVAL machine card add 1 CEX1A"), -APSIM_EUSAGE);
	assert_string_equal(f->err,
			    "expect fail: machine card add: unknown card type 'CEX1A' (expected "
			    "CEX4A..CEX8P)\n");
	/* an expectation that fails, expected */
	run_ok(f, "expect fail EBADMSG expect read bus/ap/scans 7\\n");
}

static void test_expect_event(void **state)
{
	struct fixture *f = *state;

	run_ok(f, "expect event change /devices/ap INITSCAN=done");
	/* the mark moved past it */
	assert_int_equal(run(f, "expect event change /devices/ap INITSCAN=done"), -EBADMSG);
	assert_string_equal(
	    f->err, "expected event change /devices/ap INITSCAN=done, got 1 event since "
		    "the last match: change /devices/ap BINDINGS=complete COMPLETECOUNT=1\n");
	run_ok(f, "expect events-count 1");
	run_ok(f, "expect no-event add /devices/ap/card04");
	small_machine(f);
	run_ok(f, "expect event add /devices/ap/card04/04.0020 MODE=cca SUBSYSTEM=ap");
	assert_int_equal(run(f, "expect event add /devices/ap/card04"), -EBADMSG);
	assert_int_equal(run(f, "expect no-event bind /devices/ap/card04/04.0020"), -EBADMSG);
	assert_string_equal(f->err,
			    "expected no event bind /devices/ap/card04/04.0020, got it as event 1 "
			    "since the last match\n");
	run_ok(f, "events mark");
	run_ok(f, "expect events-count 0");
	run_ok(f, "write bus/ap/apmask -4");
	/* values with escapes */
	run_ok(f, "expect event change /devices/ap "
		  "APMASK=0xf7ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\\n");
	assert_int_equal(run(f, "expect event frob /x"), -APSIM_EUSAGE);
	assert_string_equal(f->err,
			    "expect event: unknown action 'frob' (expected add, remove, change, "
			    "bind or unbind)\n");
	assert_int_equal(run(f, "expect event add /x NOEQUALS"), -APSIM_EUSAGE);
	assert_string_equal(f->err, "expect event: bad 'NOEQUALS' (expected KEY=VALUE)\n");
}

static void test_expect_tree(void **state)
{
	struct fixture *f = *state;

	small_machine(f);
	run_ok(f, "expect exists devices/ap/card04/04.0020");
	assert_int_equal(run(f, "expect exists devices/ap/card05"), -EBADMSG);
	assert_string_equal(f->err,
			    "expected devices/ap/card05 to exist, got ENOENT (No such file or "
			    "directory)\n");
	run_ok(f, "expect missing devices/ap/card05");
	assert_int_equal(run(f, "expect missing devices/ap/card04"), -EBADMSG);
	assert_string_equal(f->err, "expected devices/ap/card04 to be missing, got a directory\n");
	run_ok(f, "expect link bus/ap/devices/card04 ../../../devices/ap/card04");
	assert_int_equal(run(f, "expect link bus/ap/devices/card04 x"), -EBADMSG);
	assert_string_equal(f->err, "expected bus/ap/devices/card04 to link to x, got "
				    "../../../devices/ap/card04\n");
	run_ok(f, "expect ls bus/ap/devices card04@ 04.0020@");
	assert_int_equal(run(f, "expect ls bus/ap/devices card04@"), -EBADMSG);
	assert_string_equal(
	    f->err, "expected ls bus/ap/devices to show 'card04@', got 'card04@ 04.0020@'\n");
}

static void test_watch(void **state)
{
	struct fixture *f = *state;

	run_ok(f, "watch add w");
	assert_int_equal(run(f, "watch add w"), -EEXIST);
	assert_string_equal(f->err, "watch add: a driver named 'w' exists\n");
	assert_int_equal(run(f, "watch add cex4card"), -EBUSY);
	assert_string_equal(f->err, "watch add: a driver named 'cex4card' exists\n");
	small_machine(f);
	run_ok(f, "watch show");
	assert_string_equal(f->out, "w on_config_changed old.apm=none old.aqm=none old.adm=none "
				    "new.apm=4 new.aqm=none new.adm=none uevents=5\n"
				    "w on_scan_complete old.apm=none old.aqm=none old.adm=none "
				    "new.apm=4 new.aqm=none new.adm=none uevents=5\n"
				    "w on_config_changed old.apm=4 old.aqm=none old.adm=none "
				    "new.apm=4 new.aqm=32 new.adm=none uevents=6\n"
				    "w on_scan_complete old.apm=4 old.aqm=none old.adm=none "
				    "new.apm=4 new.aqm=32 new.adm=none uevents=10\n");
	run_ok(f, "watch show w --json");
	{
		json_t *arr = json_loads(f->out, 0, NULL), *e = json_array_get(arr, 3);

		assert_int_equal(json_array_size(arr), 4);
		assert_string_equal(json_string_value(json_object_get(e, "callback")), "on_scan_complete");
		assert_string_equal(
		    json_string_value(json_object_get(json_object_get(e, "new"), "aqm")),
		    "0x0000000080000000000000000000000000000000000000000000000000000000");
		assert_int_equal(json_integer_value(json_object_get(e, "uevents")), 10);
		json_decref(arr);
	}
	run_ok(f, "expect call w on_config_changed new.aqm=32 old.aqm=");
	/* the events of that scan come after the call */
	run_ok(f, "expect event add /devices/ap/card04");
	run_ok(f, "expect call w on_scan_complete new.aqm=32");
	/* the add came before this call: the mark moved past it */
	assert_int_equal(run(f, "expect event add /devices/ap/card04/04.0020"), -EBADMSG);
	run_ok(f, "expect calls w on_config_changed 2");
	assert_int_equal(run(f, "expect calls w on_scan_complete 3"), -EBADMSG);
	assert_string_equal(f->err, "expected 3 on_scan_complete calls of w, got 2\n");
	assert_int_equal(run(f, "expect call w on_scan_complete"), -EBADMSG);
	assert_string_equal(
	    f->err, "expected call w on_scan_complete, got no calls since the last match\n");
	assert_int_equal(run(f, "expect call w on_config_changed new.xyz=1"), -APSIM_EUSAGE);
	assert_string_equal(f->err,
			    "expect call: unknown key 'new.xyz' (expected old.apm, old.aqm, "
			    "old.adm, new.apm, new.aqm, new.adm, rescan)\n");
	assert_int_equal(run(f, "expect calls nobody on_scan_complete 1"), -APSIM_EUSAGE);
	assert_string_equal(
	    f->err, "expect calls: no watch driver 'nobody' (add one with 'watch add NAME')\n");
}

#define UUID "5f0b9c4e-1111-4c22-9a33-0123456789ab"

static void test_mdev_and_guest(void **state)
{
	struct fixture *f = *state;

	small_machine(f);
	run_ok(f, "write bus/ap/apmask -4");
	run_ok(f, "mdev create " UUID);
	assert_string_equal(f->out, "");
	assert_int_equal(run(f, "mdev create " UUID), -EEXIST);
	assert_string_equal(f->err, "mdev create: mdev " UUID " exists\n");
	assert_int_equal(run(f, "mdev create not-a-uuid"), -APSIM_EUSAGE);
	run_ok(f, "write devices/vfio_ap/matrix/" UUID "/assign_adapter 4");
	run_ok(f, "write devices/vfio_ap/matrix/" UUID "/assign_domain 0x20");
	run_ok(f, "mdev list");
	assert_string_equal(f->out, UUID "\n");
	assert_int_equal(run(f, "guest start g1 00000000-0000-4000-8000-000000000000"), -ENODEV);
	run_ok(f, "guest start g1 " UUID);
	assert_int_equal(run(f, "guest start g1 " UUID), -EEXIST);
	assert_string_equal(f->err, "guest start: guest 'g1' exists\n");
	run_ok(f, "guest show");
	assert_string_equal(
	    f->out, "guest g1\n  mdev " UUID "\n  apcb_updates 1\n"
		    "  apm 0x0800000000000000000000000000000000000000000000000000000000000000\n"
		    "  aqm 0x0000000080000000000000000000000000000000000000000000000000000000\n"
		    "  adm 0x0000000000000000000000000000000000000000000000000000000000000000\n");
	assert_int_equal(run_where(f, NULL, true, "guest show g1"), 0);
	assert_string_equal(
	    f->out,
	    "[\n  {\n    \"name\": \"g1\",\n    \"mdev\": \"" UUID "\",\n    \"apcb_updates\": 1,\n"
	    "    \"apm\": \"0x0800000000000000000000000000000000000000000000000000000000000000\",\n"
	    "    \"aqm\": \"0x0000000080000000000000000000000000000000000000000000000000000000\",\n"
	    "    \"adm\": \"0x0000000000000000000000000000000000000000000000000000000000000000\"\n"
	    "  }\n]\n");
	run_ok(f, "expect apcb-updates g1 1");
	assert_int_equal(run(f, "expect apcb-updates g1 2"), -EBADMSG);
	assert_string_equal(f->err, "expected guest 'g1' to have 2 APCB updates, got 1\n");
	/* the guest's own tree */
	run_ok(f, "guest read g1 bus/ap/ap_adapter_mask");
	assert_string_equal(f->out,
			    "0x0800000000000000000000000000000000000000000000000000000000000000\n");
	run_ok(f, "guest ls g1 bus/ap/devices");
	assert_string_equal(f->out, "card04@\n04.0020@\n");
	assert_int_equal(run(f, "guest read g2 bus/ap/scans"), -ENOENT);
	assert_string_equal(f->err, "guest read: no guest 'g2'\n");
	assert_int_equal(run(f, "mdev remove " UUID), -EBUSY);
	run_ok(f, "guest stop g1");
	assert_int_equal(run(f, "guest stop g1"), -ENOENT);
	run_ok(f, "mdev remove " UUID);
	run_ok(f, "mdev list");
	assert_string_equal(f->out, "");
}

/* spec 6.13: the ioctls' output and errno, mdev show, expect cfg-chg-signals */
static void test_mdev_ioctl(void **state)
{
	struct fixture *f = *state;

	small_machine(f);
	run_ok(f, "scan");
	run_ok(f, "write bus/ap/apmask -4");
	run_ok(f, "mdev create " UUID);
	run_ok(f, "mdev ioctl " UUID " get-info");
	assert_string_equal(f->out, "flags=AP,RESET num_regions=0 num_irqs=2\n");
	run_ok(f, "mdev ioctl " UUID " get-irq-info 1");
	assert_string_equal(f->out, "count=1 flags=EVENTFD\n");
	assert_int_equal(run(f, "mdev ioctl " UUID " get-irq-info 2"), -EINVAL);
	assert_string_equal(f->err, "mdev ioctl: get-irq-info: bad index 2\n");
	assert_int_equal(run(f, "mdev ioctl " UUID " set-irqs 1 -2"), -EINVAL);
	assert_string_equal(f->err, "mdev ioctl: set-irqs: bad index 1 or fd -2\n");
	assert_int_equal(run(f, "mdev ioctl " UUID " get-irq-info x"), -APSIM_EUSAGE);
	assert_string_equal(f->err, "mdev ioctl: bad index 'x'\n");
	assert_int_equal(run(f, "mdev ioctl " UUID " set-irqs 1"), -APSIM_EUSAGE);
	assert_string_equal(f->err, "mdev ioctl: set-irqs takes 2 argument(s)\n");
	assert_int_equal(run(f, "mdev ioctl " UUID " migration 1"), -EOPNOTSUPP);
	assert_string_equal(f->err, "mdev ioctl: migration: not supported by vfio_ap\n");
	assert_int_equal(run(f, "mdev ioctl 00000000-0000-4000-8000-000000000000 reset"), -ENODEV);
	assert_string_equal(f->err, "mdev ioctl: no mdev 00000000-0000-4000-8000-000000000000\n");
	assert_int_equal(run(f, "mdev show 00000000-0000-4000-8000-000000000000"), -ENODEV);
	assert_string_equal(f->err, "mdev show: no mdev 00000000-0000-4000-8000-000000000000\n");

	run_ok(f, "mdev ioctl " UUID " set-irqs 1 4");
	run_ok(f, "write devices/vfio_ap/matrix/" UUID "/assign_adapter 4");
	run_ok(f, "write devices/vfio_ap/matrix/" UUID "/assign_domain 0x20");
	run_ok(f, "guest start g " UUID);
	run_ok(f, "mdev ioctl " UUID " reset");
	assert_string_equal(f->out, "");
	run_ok(f, "mdev show " UUID);
	assert_string_equal(f->out, "mdev " UUID "\n"
				    "  req_trigger none signals 0\n"
				    "  cfg_chg_trigger registered signals 1\n");
	run_ok(f, "mdev show " UUID " --json");
	{
		json_t *o = json_loads(f->out, 0, NULL);

		assert_string_equal(json_string_value(json_object_get(o, "uuid")), UUID);
		assert_true(json_is_true(json_object_get(json_object_get(o, "cfg_chg_trigger"),
							 "registered")));
		assert_int_equal(json_integer_value(json_object_get(
				     json_object_get(o, "cfg_chg_trigger"), "signals")), 1);
		assert_true(json_is_false(json_object_get(json_object_get(o, "req_trigger"),
							  "registered")));
		json_decref(o);
	}
	run_ok(f, "expect cfg-chg-signals " UUID " 1");
	assert_int_equal(run(f, "expect cfg-chg-signals " UUID " 2"), -EBADMSG);
	assert_string_equal(f->err,
			    "expected mdev " UUID
			    " to have 2 config-change signals, got 1\n");
}

static void test_mdev_create_random(void **state)
{
	struct fixture *f = *state;

	run_ok(f, "mdev create");
	assert_int_equal(strlen(f->out), 37);
	assert_int_equal(f->out[14], '4');
	assert_int_equal(f->out[36], '\n');
	assert_true(strchr("89ab", f->out[19]) != NULL);
}

/* --- scenario files --- */

static int run_buffer(struct fixture *f, const char *text)
{
	return fixture_run_scenario(f, "s.scn", text);
}

static void test_scenario_buffer(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(
	    run_buffer(f, "# comment\n\n  read bus/ap/scans\nexpect read bus/ap/scans 1\\n\n"), 0);
	assert_string_equal(f->out, "1\n");
	/* stops at the first failure, which names the line */
	assert_int_equal(run_buffer(f, "scan\nexpect read bus/ap/scans 9\\n\nread bus/ap/scans\n"),
			 -EBADMSG);
	assert_string_equal(f->err,
			    "s.scn:2: expected bus/ap/scans to read \"9\\n\", got \"2\\n\"\n");
	assert_string_equal(f->out, "");
	/* a bad line fails the scenario (EINVAL), not the command line (usage) */
	assert_int_equal(run_buffer(f, "\n\nmachine frob\n"), -EINVAL);
	assert_string_equal(f->err,
			    "s.scn:3: machine: unknown subcommand 'frob' (expected show, card, "
			    "lpar, notify, limits, qci, flags, queue, fault, import)\n");
	assert_int_equal(run_buffer(f, "write bus/ap/apmask +300"), -EINVAL);
	assert_string_equal(f->err, "s.scn:1: write bus/ap/apmask: Invalid argument\n");
	/* the sandbox refuses file access */
	f->sim->sandbox = true;
	assert_int_equal(run_buffer(f, "run /etc/passwd\n"), -EPERM);
	assert_string_equal(f->err, "s.scn:1: run: no file access here\n");
	assert_int_equal(run_buffer(f, "sleep 2h\n"), -ERANGE);
	f->sim->sandbox = false;
}

static void test_scenario_file_and_options(void **state)
{
	struct fixture *f = *state;
	char dir[] = "/tmp/apsim-test-command-XXXXXX", path[128], inner[128], err_text[256];
	struct apsim_sim_options opts = {.policy = APSIM_POLICY_KERNEL};
	char *machine = NULL, *e = NULL;
	size_t el = 0;
	FILE *fp, *ef;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.scn", dir);
	snprintf(inner, sizeof(inner), "%s/b.scn", dir);
	fp = fopen(inner, "w");
	fputs("expect read bus/ap/scans 1\\n\nexpect read bus/ap/scans 2\\n\n", fp);
	fclose(fp);
	fp = fopen(path, "w");
	fputs(
	    "#@ --machine m.json --policy legacy --check-invariants --quirks mainline\nrun b.scn\n",
	    fp);
	fclose(fp);

	assert_int_equal(apsim__scenario_read_options(path, &opts, &machine, stderr), 1);
	snprintf(err_text, sizeof(err_text), "%s/m.json", dir);
	assert_string_equal(opts.machine, err_text);
	assert_int_equal(opts.policy, APSIM_POLICY_LEGACY);
	assert_true(opts.check_invariants);
	assert_int_equal(opts.quirks, APSIM_QUIRK_MAINLINE);
	free(machine);

	/* a nested run is relative to the including file and names its own lines */
	ef = open_memstream(&e, &el);
	apsim_sim_lock(f->sim);
	assert_int_equal(apsim__scenario_run_file(f->sim, path, false, stdout, ef, apsim__command_run_line),
			 -EBADMSG);
	apsim_sim_unlock(f->sim);
	fclose(ef);
	snprintf(err_text, sizeof(err_text),
		 "%s:2: expected bus/ap/scans to read \"2\\n\", got \"1\\n\"\n", inner);
	assert_string_equal(e, err_text);
	free(e);

	fp = fopen(path, "w");
	fputs("#@ --policy fast\n", fp);
	fclose(fp);
	e = NULL;
	ef = open_memstream(&e, &el);
	assert_int_equal(apsim__scenario_read_options(path, &opts, &machine, ef), -EINVAL);
	fclose(ef);
	snprintf(err_text, sizeof(err_text),
		 "%s:1: unknown policy 'fast' (expected kernel, legacy or coalesced)\n", path);
	assert_string_equal(e, err_text);
	free(e);

	unlink(path);
	unlink(inner);
	rmdir(dir);
}

static int count_change(struct apsim_sim *sim, void *ctx)
{
	(void) sim;
	(*(unsigned *) ctx)++;
	return 0;
}

static int failing_save(struct apsim_sim *sim, void *ctx)
{
	(void) sim;
	(void) ctx;
	return -ENOSPC;
}

static void test_on_change_hook(void **state)
{
	struct fixture *f = *state;

	f->sim->on_change = count_change;
	f->sim->on_change_ctx = &f->changes;
	run_ok(f, "read bus/ap/scans");
	run_ok(f, "machine show");
	assert_int_equal(f->changes, 0);
	run_ok(f, "machine card add 4 CEX8C");
	run_ok(f, "write bus/ap/apmask -4");
	assert_int_equal(f->changes, 2);
	assert_int_equal(run(f, "write bus/ap/apmask +300"), -EINVAL);
	assert_int_equal(f->changes, 2);
}

/* a change that could not be made durable is not acknowledged: the command fails */
static void test_on_change_failure_fails_the_command(void **state)
{
	struct fixture *f = *state;

	f->sim->on_change = failing_save;
	assert_int_equal(run(f, "write bus/ap/apmask -4"), -ENOSPC);
	assert_string_equal(f->err, "'write bus/ap/apmask -4' was applied but the state "
				    "could not be saved: No space left on device\n");
	/* reads change nothing and need no save */
	run_ok(f, "read bus/ap/scans");
}

static void test_help(void **state)
{
	struct fixture *f = *state;

	run_ok(f, "help machine card");
	assert_string_equal(
	    f->out,
	    "  machine card add APID TYPE [--depth N] [--functions HEX] [--serial S] [--ml N] "
	    "[--raw-type N]\n"
	    "                                            install an adapter (TYPE CEX4A..CEX8P)\n"
	    "  machine card remove APID                  uninstall an adapter\n"
	    "  machine card checkstop APID on|off        checkstop an adapter, or end it\n"
	    "  machine card config APID on|off           SE-side configure/deconfigure (as writing "
	    "its config)\n");
	/* --list: the names only, in table order; --json: the table, parsed back */
	run_ok(f, "help --list mdev");
	assert_string_equal(f->out, "mdev create\nmdev remove\nmdev list\nmdev show\nmdev ioctl\n");
	run_ok(f, "help --json machine card remove");
	{
		json_error_t jerr;
		json_t *arr = json_loads(f->out, 0, &jerr), *e;

		assert_non_null(arr);
		assert_int_equal(json_array_size(arr), 1);
		e = json_array_get(arr, 0);
		assert_string_equal(json_string_value(json_object_get(e, "name")), "machine card remove");
		assert_string_equal(json_string_value(json_object_get(e, "args")), "APID");
		assert_string_equal(json_string_value(json_object_get(e, "help")), "uninstall an adapter");
		assert_true(json_is_true(json_object_get(e, "changes")));
		json_decref(arr);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split),
	    cmocka_unit_test(test_escapes),
	    cmocka_unit_test(test_errno_names),
	    cmocka_unit_test(test_exit_codes),
	    cmocka_unit_test_setup_teardown(test_usage_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_machine_show, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_machine_show_json, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_machine_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_machine_card_config_writes_attribute, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_read_write, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ls, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_events, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sleep_and_scan, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expect_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expect_fail, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expect_event, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expect_tree, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_watch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mdev_and_guest, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mdev_ioctl, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mdev_create_random, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scenario_buffer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scenario_file_and_options, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_on_change_failure_fails_the_command, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_on_change_hook, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_help, setup, teardown),
	};
	return cmocka_run_group_tests_name("command", tests, NULL, NULL);
}
