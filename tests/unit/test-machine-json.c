/* SPDX-License-Identifier: MIT */
/* Machine descriptions as JSON (docs/machine.md): valid files, the exact error messages. */
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

#include "apsim/apsim.h"
#include "machine/machine-json-internal.h"

static struct apsim_machine *load_ok(const char *text)
{
	struct apsim_machine *m = NULL;
	char msg[512];
	int r = apsim__machine_json_load_buffer(text, strlen(text), "t.json", &m, msg, sizeof(msg));

	if (r < 0)
		fail_msg("load failed: %s", msg);
	assert_non_null(m);
	return m;
}

/* Loading text fails with -EINVAL and exactly this message. */
static void load_fails(const char *text, const char *want)
{
	struct apsim_machine *m = NULL;
	char msg[512];
	int r = apsim__machine_json_load_buffer(text, strlen(text), "t.json", &m, msg, sizeof(msg));

	assert_int_equal(r, -EINVAL);
	assert_null(m);
	assert_string_equal(msg, want);
}

static char *save_compact(const struct apsim_machine *m)
{
	json_t *root = NULL;
	char *s;

	assert_int_equal(apsim__machine_json_save(m, &root), 0);
	s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	assert_non_null(s);
	return s;
}

static void test_empty_object_is_the_empty_machine(void **state)
{
	struct apsim_machine *m = load_ok("{}");
	char *s = save_compact(m);

	(void) state;
	assert_string_equal(s, "{\"qci\":true,\"flags\":[\"APSC\",\"APXA\",\"QACT\",\"RC8A\"],"
			       "\"max_adapter_id\":255,\"max_domain_id\":84,\"notify\":true,"
			       "\"cards\":[],\"lpar\":{\"adapters\":\"\",\"domains\":\"\","
			       "\"control_domains\":\"\"}}");
	free(s);
	apsim_machine_free(m);
}

static const char full[] =
    "{\n"
    "  \"qci\": true,\n"
    "  \"flags\": [\"APSC\", \"APXA\", \"APSB\"],\n"
    "  \"max_adapter_id\": 63,\n"
    "  \"max_domain_id\": 15,\n"
    "  \"notify\": false,\n"
    "  \"cards\": [\n"
    "    {\"apid\": 3, \"type\": \"CEX8C\", \"serial\": \"93AAXY01\"},\n"
    "    {\"apid\": 5, \"type\": \"CEX6A\", \"depth\": 3, \"ml\": 6, \"functions\": "
    "\"0x68800000\"},\n"
    "    {\"apid\": 10, \"type\": \"CEX7P\", \"checkstop\": true, \"config\": false},\n"
    "    {\"apid\": 12, \"type\": \"CEX8C\", \"raw_type\": 15}\n"
    "  ],\n"
    "  \"lpar\": {\"adapters\": \"3,5,10\", \"domains\": [6, 11], \"control_domains\": "
    "\"6,11-15\"}\n"
    "}\n";

static void test_full_description(void **state)
{
	struct apsim_machine *m = load_ok(full);
	const struct apsim_card_spec *c;
	struct apsim_mask mask, want;
	unsigned maxa = 0, maxd = 0;

	(void) state;
	assert_true(apsim_machine_get_qci_available(m));
	assert_int_equal(apsim_machine_get_qci_flags(m),
			 APSIM_QCI_APSC | APSIM_QCI_APXA | APSIM_QCI_APSB);
	apsim_machine_get_limits(m, &maxa, &maxd);
	assert_int_equal(maxa, 63);
	assert_int_equal(maxd, 15);
	assert_false(apsim_machine_get_notify(m));

	c = apsim_machine_card_get(m, 3);
	assert_non_null(c);
	assert_int_equal(c->raw_type, APSIM_AP_TYPE_CEX8);
	assert_int_equal(c->mode, APSIM_MODE_CCA);
	assert_int_equal(c->depth, 7);
	assert_int_equal(c->functions,
			 apsim_card_default_functions(APSIM_AP_TYPE_CEX8, APSIM_MODE_CCA));
	assert_string_equal(c->serial, "93AAXY01");
	assert_true(apsim_machine_card_is_configured(m, 3));
	assert_false(apsim_machine_card_is_checkstopped(m, 3));

	c = apsim_machine_card_get(m, 5);
	assert_non_null(c);
	assert_int_equal(c->raw_type, APSIM_AP_TYPE_CEX6);
	assert_int_equal(c->mode, APSIM_MODE_ACCEL);
	assert_int_equal(c->depth, 3);
	assert_int_equal(c->ml, 6);
	assert_int_equal(c->functions, 0x68800000u);

	assert_true(apsim_machine_card_is_checkstopped(m, 10));
	assert_false(apsim_machine_card_is_configured(m, 10));
	assert_int_equal(apsim_machine_card_get(m, 12)->raw_type, 15);
	assert_null(apsim_machine_card_get(m, 4));

	apsim_machine_lpar_get(m, APSIM_LPAR_ADAPTER, &mask);
	assert_int_equal(apsim_mask_parse_list("3,5,10", &want), 0);
	assert_true(apsim_mask_equal(&mask, &want));
	apsim_machine_lpar_get(m, APSIM_LPAR_DOMAIN, &mask);
	assert_int_equal(apsim_mask_parse_list("6,11", &want), 0);
	assert_true(apsim_mask_equal(&mask, &want));
	apsim_machine_lpar_get(m, APSIM_LPAR_CONTROL_DOMAIN, &mask);
	assert_int_equal(apsim_mask_parse_list("6,11-15", &want), 0);
	assert_true(apsim_mask_equal(&mask, &want));
	apsim_machine_free(m);
}

static void test_save_exact(void **state)
{
	struct apsim_machine *m = load_ok(full);
	char *s = save_compact(m);

	(void) state;
	assert_string_equal(
	    s, "{\"qci\":true,\"flags\":[\"APSC\",\"APXA\",\"APSB\"],\"max_adapter_id\":63,"
	       "\"max_domain_id\":15,\"notify\":false,\"cards\":["
	       "{\"apid\":3,\"type\":\"CEX8C\",\"depth\":7,\"functions\":\"0x90800000\",\"ml\":0,"
	       "\"serial\":\"93AAXY01\",\"checkstop\":false,\"config\":true},"
	       "{\"apid\":5,\"type\":\"CEX6A\",\"depth\":3,\"functions\":\"0x68800000\",\"ml\":6,"
	       "\"serial\":\"\",\"checkstop\":false,\"config\":true},"
	       "{\"apid\":10,\"type\":\"CEX7P\",\"depth\":7,\"functions\":\"0x84800000\",\"ml\":0,"
	       "\"serial\":\"93AAA01000000010\",\"checkstop\":true,\"config\":false},"
	       "{\"apid\":12,\"type\":\"CEX8C\",\"depth\":7,\"functions\":\"0x90800000\",\"ml\":0,"
	       "\"serial\":\"93AAA012\",\"checkstop\":false,\"config\":true,\"raw_type\":15}],"
	       "\"lpar\":{\"adapters\":\"3,5,10\",\"domains\":\"6,11\",\"control_domains\":\"6,11-"
	       "15\"}}");
	free(s);
	apsim_machine_free(m);
}

/* save -> load -> save gives the same text, for the built-in machine too */
static void test_round_trip(void **state)
{
	struct apsim_machine *m, *m2;
	char *s1, *s2;

	(void) state;
	assert_int_equal(apsim_machine_new_default(&m), 0);
	s1 = save_compact(m);
	m2 = load_ok(s1);
	s2 = save_compact(m2);
	assert_string_equal(s1, s2);
	free(s1);
	free(s2);
	apsim_machine_free(m);
	apsim_machine_free(m2);
}

static void test_qci_off_and_no_flags(void **state)
{
	struct apsim_machine *m = load_ok("{\"qci\": false, \"flags\": []}");

	(void) state;
	assert_false(apsim_machine_get_qci_available(m));
	assert_int_equal(apsim_machine_get_qci_flags(m), 0);
	apsim_machine_free(m);
}

static void test_syntax_errors_have_line_and_column(void **state)
{
	(void) state;
	load_fails("{\n  \"qci\": tru\n}", "t.json:2:12: invalid token near 'tru'");
	load_fails("{\"qci\": true, \"qci\": false}",
		   "t.json:1:19: duplicate object key near '\"qci\"'");
	load_fails("", "t.json:1:0: '[' or '{' expected near end of file");
}

static void test_top_level_errors(void **state)
{
	(void) state;
	load_fails("[]", "t.json: expected a JSON object describing the machine, got an array");
	load_fails("{\"cpus\": 4}", "t.json: unknown key 'cpus' (expected qci, flags, "
				    "max_adapter_id, max_domain_id, notify, cards, lpar)");
	load_fails("{\"qci\": \"yes\"}", "t.json: qci: expected true or false, got 'yes'");
	load_fails("{\"notify\": 1}", "t.json: notify: expected true or false, got 1");
	load_fails("{\"max_adapter_id\": 256}",
		   "t.json: max_adapter_id: expected an integer 0..255, got 256");
	load_fails("{\"max_domain_id\": -1}",
		   "t.json: max_domain_id: expected an integer 0..255, got -1");
	load_fails(
	    "{\"max_domain_id\": 1.5}",
	    "t.json: max_domain_id: expected an integer 0..255, got a number with a fraction");
	load_fails("{\"flags\": \"APSC\"}",
		   "t.json: flags: expected an array of QCI flag names, got 'APSC'");
	load_fails("{\"flags\": [\"APSC\", \"FOO\"]}",
		   "t.json: flags[1]: expected a QCI flag name (APSC, APXA, QACT, RC8A or APSB), "
		   "got 'FOO'");
	load_fails("{\"cards\": {}}",
		   "t.json: cards: expected an array of adapters, got an object");
}

static void test_card_errors(void **state)
{
	(void) state;
	load_fails("{\"cards\": [7]}",
		   "t.json: cards[0]: expected an object describing an adapter, got 7");
	load_fails("{\"cards\": [{\"type\": \"CEX8C\"}]}",
		   "t.json: cards[0]: missing key 'apid' (the adapter id 0..255)");
	load_fails("{\"cards\": [{\"apid\": 1}]}",
		   "t.json: cards[0]: missing key 'type' (CEX4A..CEX8P)");
	load_fails(
	    "{\"cards\": [{\"apid\": 1, \"type\": \"CEX8C\"}, {\"apid\": 2, \"type\": \"CEX8C\"},"
	    " {\"apid\": 3, \"type\": \"CEX9X\"}]}",
	    "t.json: cards[2].type: unknown card type 'CEX9X' (expected CEX4A..CEX8P)");
	load_fails("{\"cards\": [{\"apid\": 1, \"type\": 8}]}",
		   "t.json: cards[0].type: expected a card type CEX4A..CEX8P, got 8");
	load_fails("{\"cards\": [{\"apid\": 256, \"type\": \"CEX8C\"}]}",
		   "t.json: cards[0].apid: expected an integer 0..255, got 256");
	load_fails(
	    "{\"cards\": [{\"apid\": 1, \"type\": \"CEX8C\"}, {\"apid\": 1, \"type\": \"CEX8A\"}]}",
	    "t.json: cards[1].apid: adapter 1 is listed twice");
	load_fails("{\"cards\": [{\"apid\": 1, \"type\": \"CEX8C\", \"depth\": 16}]}",
		   "t.json: cards[0].depth: expected an integer 0..15, got 16");
	load_fails("{\"cards\": [{\"apid\": 1, \"type\": \"CEX8C\", \"ml\": true}]}",
		   "t.json: cards[0].ml: expected an integer 0..15, got true");
	load_fails("{\"cards\": [{\"apid\": 1, \"type\": \"CEX8C\", \"functions\": 42}]}",
		   "t.json: cards[0].functions: expected a 32-bit hex string such as "
		   "\"0x92800000\", got 42");
	load_fails(
	    "{\"cards\": [{\"apid\": 1, \"type\": \"CEX8C\", \"functions\": \"0x123456789\"}]}",
	    "t.json: cards[0].functions: expected a 32-bit hex string such as \"0x92800000\", got "
	    "'0x123456789'");
	load_fails("{\"cards\": [{\"apid\": 1, \"type\": \"CEX8C\", \"functions\": \"92800000\"}]}",
		   "t.json: cards[0].functions: expected a 32-bit hex string such as "
		   "\"0x92800000\", got '92800000'");
	load_fails(
	    "{\"cards\": [{\"apid\": 1, \"type\": \"CEX8C\", \"serial\": \"12345678901234567\"}]}",
	    "t.json: cards[0].serial: expected a serial number of at most 16 printable characters "
	    "without spaces, got '12345678901234567'");
	load_fails("{\"cards\": [{\"apid\": 1, \"type\": \"CEX8C\", \"serial\": \"a b\"}]}",
		   "t.json: cards[0].serial: expected a serial number of at most 16 printable "
		   "characters without spaces, got 'a b'");
	load_fails("{\"cards\": [{\"apid\": 1, \"type\": \"CEX8C\", \"checkstop\": \"no\"}]}",
		   "t.json: cards[0].checkstop: expected true or false, got 'no'");
	load_fails("{\"cards\": [{\"apid\": 1, \"type\": \"CEX8C\", \"config\": null}]}",
		   "t.json: cards[0].config: expected true or false, got null");
	load_fails("{\"cards\": [{\"apid\": 1, \"type\": \"CEX8C\", \"raw_type\": 300}]}",
		   "t.json: cards[0].raw_type: expected an integer 0..255, got 300");
	load_fails("{\"cards\": [{\"apid\": 1, \"type\": \"CEX8C\", \"mode\": \"cca\"}]}",
		   "t.json: cards[0]: unknown key 'mode' (expected apid, type, depth, functions, "
		   "ml, serial, raw_type, checkstop, config)");
}

static void test_lpar_errors(void **state)
{
	(void) state;
	load_fails(
	    "{\"lpar\": \"3\"}",
	    "t.json: lpar: expected an object with adapters, domains, control_domains, got '3'");
	load_fails("{\"lpar\": {\"usage_domains\": \"3\"}}",
		   "t.json: lpar: unknown key 'usage_domains' (expected adapters, domains, "
		   "control_domains)");
	load_fails("{\"lpar\": {\"adapters\": \"3,x\"}}",
		   "t.json: lpar.adapters: expected an id list such as \"3,5,10-12\" (ids 0..255), "
		   "got '3,x'");
	load_fails("{\"lpar\": {\"domains\": \"256\"}}",
		   "t.json: lpar.domains: expected an id list such as \"3,5,10-12\" (ids 0..255), "
		   "got '256'");
	load_fails("{\"lpar\": {\"control_domains\": [1, 2, 256]}}",
		   "t.json: lpar.control_domains[2]: expected an integer 0..255, got 256");
	load_fails("{\"lpar\": {\"adapters\": 3}}",
		   "t.json: lpar.adapters: expected an id list: a string such as \"3,5,10-12\" or "
		   "an array of integers, got 3");
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/apsim-test-machine-XXXXXX";
	struct apsim_machine *m = NULL;
	char msg[512], want[600];
	int fd = mkstemp(path);
	FILE *f;

	(void) state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("{\"cards\": [{\"apid\": 4, \"type\": \"CEX7C\"}],\n \"lpar\": {\"adapters\": "
	      "\"4\"}}\n",
	      f);
	fclose(f);
	assert_int_equal(apsim__machine_json_load_file(path, &m, msg, sizeof(msg)), 0);
	assert_non_null(apsim_machine_card_get(m, 4));
	apsim_machine_free(m);
	m = NULL;

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"cards\": [{\"apid\": 4, \"type\": \"CEX7X\"}]}\n", f);
	fclose(f);
	assert_int_equal(apsim__machine_json_load_file(path, &m, msg, sizeof(msg)), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s: cards[0].type: unknown card type 'CEX7X' (expected CEX4A..CEX8P)", path);
	assert_string_equal(msg, want);
	unlink(path);

	assert_int_equal(apsim__machine_json_load_file(path, &m, msg, sizeof(msg)), -ENOENT);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_string_equal(msg, want);
	assert_null(m);
}

static void test_format_list(void **state)
{
	struct apsim_mask m;
	char buf[1024];

	(void) state;
	apsim_mask_zero(&m);
	apsim__mask_format_list(&m, buf, sizeof(buf));
	assert_string_equal(buf, "");
	assert_int_equal(apsim_mask_parse_list("0,3-5,7,8,10,255", &m), 0);
	apsim__mask_format_list(&m, buf, sizeof(buf));
	assert_string_equal(buf, "0,3-5,7,8,10,255");
	apsim_mask_fill(&m);
	apsim__mask_format_list(&m, buf, sizeof(buf));
	assert_string_equal(buf, "0-255");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty_object_is_the_empty_machine),
	    cmocka_unit_test(test_full_description),
	    cmocka_unit_test(test_save_exact),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_qci_off_and_no_flags),
	    cmocka_unit_test(test_syntax_errors_have_line_and_column),
	    cmocka_unit_test(test_top_level_errors),
	    cmocka_unit_test(test_card_errors),
	    cmocka_unit_test(test_lpar_errors),
	    cmocka_unit_test(test_load_file),
	    cmocka_unit_test(test_format_list),
	};
	return cmocka_run_group_tests_name("machine-json", tests, NULL, NULL);
}
