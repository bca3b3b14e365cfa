/* SPDX-License-Identifier: MIT */
/*
 * cmd-watch.c - watch drivers (an AP driver that records every callback the bus makes) and
 * the `expect call(s)` assertions on what they recorded.
 */
#define _POSIX_C_SOURCE 200809L
#include "script/command-internal.h"

/* --- watch drivers --- */

static void print_call(FILE *f, const struct apsim_watch_call *call, bool with_rescan)
{
	static const char *const names[] = {"apm", "aqm", "adm"};
	char list[1024];

	fprintf(f, "%s %s", call->watch,
		call->scan_complete ? "on_scan_complete" : "on_config_changed");
	for (int which = 0; which < 2; which++) {
		const struct apsim_qci *q = which ? &call->new_qci : &call->old_qci;
		const struct apsim_mask *masks[] = {&q->apm, &q->aqm, &q->adm};

		for (int k = 0; k < 3; k++) {
			apsim__mask_format_list(masks[k], list, sizeof(list));
			fprintf(f, " %s.%s=%s", which ? "new" : "old", names[k],
				list[0] ? list : "none");
		}
	}
	fprintf(f, " uevents=%zu", call->uevent_pos);
	if (with_rescan)
		fprintf(f, " rescan=%d", call->rescan_result);
}

static bool watch_has_rescan(struct apsim_sim *sim, const char *name)
{
	for (struct apsim_watch *w = sim->watches; w; w = w->next)
		if (strcmp(w->name, name) == 0)
			return w->rescan;
	return false;
}

static bool watch_exists(struct apsim_sim *sim, const char *name)
{
	for (struct apsim_watch *w = sim->watches; w; w = w->next)
		if (strcmp(w->name, name) == 0)
			return true;
	return false;
}

int apsim__cmd_watch_add(struct ctx *c, int argc, char **argv)
{
	bool rescan = false;
	int r;

	if (argc > 1) {
		if (strcmp(argv[1], "--rescan") != 0)
			return apsim__cmd_usage_error(c, "%s: unknown option '%s' (expected --rescan)",
					   c->name, argv[1]);
		rescan = true;
	}
	r = apsim__sim_watch_add(c->sim, argv[0], rescan);
	if (r == -EEXIST || r == -EBUSY)
		return apsim__cmd_fail(c, r, "%s: a driver named '%s' exists", c->name, argv[0]);
	return r < 0 ? apsim__cmd_fail_errno(c, r) : 0;
}

/* --json: {"watch", "callback", "old": {"apm", "aqm", "adm"}, "new": {...}, "uevents"[, "rescan"]} */
static json_t *call_json(const struct apsim_watch_call *call, bool with_rescan)
{
	json_t *o = json_pack("{s:s, s:s, s:{s:o, s:o, s:o}, s:{s:o, s:o, s:o}, s:I}", "watch",
			      call->watch, "callback",
			      call->scan_complete ? "on_scan_complete" : "on_config_changed", "old",
			      "apm", apsim__cmd_mask_json(&call->old_qci.apm), "aqm",
			      apsim__cmd_mask_json(&call->old_qci.aqm), "adm",
			      apsim__cmd_mask_json(&call->old_qci.adm), "new", "apm",
			      apsim__cmd_mask_json(&call->new_qci.apm), "aqm",
			      apsim__cmd_mask_json(&call->new_qci.aqm), "adm",
			      apsim__cmd_mask_json(&call->new_qci.adm), "uevents",
			      (json_int_t) call->uevent_pos);

	if (o && with_rescan)
		json_object_set_new(o, "rescan", json_integer(call->rescan_result));
	return o;
}

int apsim__cmd_watch_show(struct ctx *c, int argc, char **argv)
{
	json_t *arr = NULL;

	if (argc && !watch_exists(c->sim, argv[0]))
		return apsim__cmd_fail(c, -ENOENT, "%s: no watch driver '%s'", c->name, argv[0]);
	if (c->json && !(arr = json_array()))
		return apsim__cmd_fail_errno(c, -ENOMEM);
	for (size_t i = 0; i < c->sim->n_calls; i++) {
		const struct apsim_watch_call *call = &c->sim->calls[i];
		bool rescan = watch_has_rescan(c->sim, call->watch);

		if (argc && strcmp(call->watch, argv[0]) != 0)
			continue;
		if (arr) {
			if (json_array_append_new(arr, call_json(call, rescan)) < 0) {
				json_decref(arr);
				return apsim__cmd_fail_errno(c, -ENOMEM);
			}
			continue;
		}
		print_call(c->out, call, rescan);
		fputc('\n', c->out);
	}
	if (arr) {
		(void) apsim__cmd_print_json(c, arr);
	}
	return 0;
}

static int parse_callback(struct ctx *c, const char *s, bool *ret_complete)
{
	if (strcmp(s, "on_config_changed") == 0)
		*ret_complete = false;
	else if (strcmp(s, "on_scan_complete") == 0)
		*ret_complete = true;
	else
		return apsim__cmd_usage_error(
		    c, "%s: unknown callback '%s' (expected on_config_changed or on_scan_complete)",
		    c->name, s);
	return 0;
}

static int bad_call_key(struct ctx *c, const char *key)
{
	return apsim__cmd_usage_error(c,
			   "%s: unknown key '%s' (expected old.apm, old.aqm, old.adm, new.apm, "
			   "new.aqm, new.adm, rescan)",
			   c->name, key);
}

static int call_matches(struct ctx *c, const struct apsim_watch_call *call, const struct kv *kvs,
			int n, bool *ret)
{
	bool match = true;

	for (int k = 0; k < n; k++) {
		char key[32];
		const struct apsim_qci *q;
		const struct apsim_mask *m;
		struct apsim_mask want;

		snprintf(key, sizeof(key), "%.*s", (int) kvs[k].key_len, kvs[k].key);
		if (strcmp(key, "rescan") == 0) {
			char buf[16];

			snprintf(buf, sizeof(buf), "%d", call->rescan_result);
			if (strcmp(buf, kvs[k].value) != 0)
				match = false;
			continue;
		}
		if (strncmp(key, "old.", 4) == 0)
			q = &call->old_qci;
		else if (strncmp(key, "new.", 4) == 0)
			q = &call->new_qci;
		else
			return bad_call_key(c, key);
		if (strcmp(key + 4, "apm") == 0)
			m = &q->apm;
		else if (strcmp(key + 4, "aqm") == 0)
			m = &q->aqm;
		else if (strcmp(key + 4, "adm") == 0)
			m = &q->adm;
		else
			return bad_call_key(c, key);
		if (!kvs[k].value[0] || strcmp(kvs[k].value, "none") == 0)
			apsim_mask_zero(&want);
		else if (apsim_mask_parse_list(kvs[k].value, &want) < 0)
			return apsim__cmd_usage_error(
			    c, "%s: bad id list '%s' for %s (expected e.g. 3,5-7 or none)", c->name,
			    kvs[k].value, key);
		if (!apsim_mask_equal(m, &want))
			match = false;
	}
	*ret = match;
	return 0;
}

static void print_recent_calls(FILE *f, const void *a, const void *b)
{
	const struct apsim_sim *sim = a;
	const char *watch = b;
	bool any = false;

	for (size_t i = sim->calls_mark; i < sim->n_calls; i++) {
		if (strcmp(sim->calls[i].watch, watch) != 0)
			continue;
		fputs(any ? "; " : "", f);
		print_call(f, &sim->calls[i], true);
		any = true;
	}
	if (!any)
		fputs("no calls since the last match", f);
}

int apsim__cmd_expect_call(struct ctx *c, int argc, char **argv)
{
	struct apsim_sim *sim = c->sim;
	bool complete = false, match;
	struct kv *kvs;
	char *what, *got;
	int r;

	if (!watch_exists(sim, argv[0]))
		return apsim__cmd_usage_error(c, "%s: no watch driver '%s' (add one with 'watch add NAME')",
				   c->name, argv[0]);
	r = parse_callback(c, argv[1], &complete);
	if (r < 0)
		return r;
	r = apsim__cmd_parse_kvs(c, argc - 2, argv + 2, &kvs);
	if (r < 0)
		return r;
	{
		/* check the keys and lists even when there is no call to compare with */
		struct apsim_watch_call dummy = {.watch = argv[0]};

		r = call_matches(c, &dummy, kvs, argc - 2, &match);
		if (r < 0) {
			apsim__cmd_free_kvs(kvs, argc - 2);
			return r;
		}
	}
	for (size_t i = sim->calls_mark; i < sim->n_calls; i++) {
		const struct apsim_watch_call *call = &sim->calls[i];

		if (strcmp(call->watch, argv[0]) != 0 || call->scan_complete != complete)
			continue;
		r = call_matches(c, call, kvs, argc - 2, &match);
		if (r < 0) {
			apsim__cmd_free_kvs(kvs, argc - 2);
			return r;
		}
		if (!match)
			continue;
		apsim__cmd_free_kvs(kvs, argc - 2);
		sim->calls_mark = i + 1;
		if (call->uevent_pos > sim->events_mark)
			sim->events_mark = call->uevent_pos;
		return 0;
	}
	apsim__cmd_free_kvs(kvs, argc - 2);
	what = apsim__cmd_join_args(argc, argv, 0);
	got = apsim__cmd_capture_text(print_recent_calls, sim, argv[0]);
	r = apsim__cmd_expect_failed(c, "expected call %s, got %s", what ? what : "?", got ? got : "?");
	free(what);
	free(got);
	return r;
}

int apsim__cmd_expect_calls(struct ctx *c, int argc, char **argv)
{
	unsigned long want, got = 0;
	bool complete = false;
	int r;

	(void) argc;
	if (!watch_exists(c->sim, argv[0]))
		return apsim__cmd_usage_error(c, "%s: no watch driver '%s' (add one with 'watch add NAME')",
				   c->name, argv[0]);
	r = parse_callback(c, argv[1], &complete);
	if (r < 0)
		return r;
	if (apsim__cmd_parse_ulong(argv[2], ULONG_MAX, &want) < 0)
		return apsim__cmd_usage_error(c, "%s: bad count '%s'", c->name, argv[2]);
	for (size_t i = 0; i < c->sim->n_calls; i++)
		if (strcmp(c->sim->calls[i].watch, argv[0]) == 0 &&
		    c->sim->calls[i].scan_complete == complete)
			got++;
	if (got == want)
		return 0;
	return apsim__cmd_expect_failed(c, "expected %lu %s calls of %s, got %lu", want, argv[1], argv[0],
			     got);
}
