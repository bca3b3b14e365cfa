/* SPDX-License-Identifier: MIT */
/*
 * cmd-expect.c - the `expect` assertions of scenarios: attribute contents, failures with their
 * errno, uevents, APCB update counts, invariants, existence, links and listings.
 */
#define _POSIX_C_SOURCE 200809L
#include "script/command-internal.h"

/* --- expectations --- */

int apsim__cmd_expect_failed(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	apsim__cmd_vmsg(c, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/* Runs fn(f, arg) into a memory stream and returns the text (malloc'ed) or NULL. */
char *apsim__cmd_capture_text(void (*fn)(FILE *f, const void *a, const void *b), const void *a,
			  const void *b)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	fn(f, a, b);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static void escaped_pair(FILE *f, const void *a, const void *b)
{
	apsim__print_escaped(f, a, *(const size_t *) b);
}

/* expect read PATH TEXT on one tree (the host's or a guest's); argv[0] is PATH. */
static int expect_read_in(struct ctx *c, struct apsim_tree *tree, int argc, char **argv)
{
	char buf[APSIM_SYSFS_PAGE + 1];
	char *want, *raw, *want_s, *got_s;
	size_t want_len;
	ssize_t n;
	int r;

	raw = apsim__cmd_join_args(argc, argv, 1);
	if (!raw)
		return apsim__cmd_fail_errno(c, -ENOMEM);
	r = apsim__unescape(raw, &want, &want_len);
	free(raw);
	if (r == -EINVAL)
		return apsim__cmd_usage_error(
		    c,
		    "expect read %s: bad escape in TEXT (expected \\n \\t \\r \\\\ \\\" \\0 \\xHH)",
		    argv[0]);
	if (r < 0)
		return apsim__cmd_fail_errno(c, r);
	want_s = apsim__cmd_capture_text(escaped_pair, want, &want_len);
	n = apsim_tree_read(tree, apsim__cmd_tree_path(argv[0]), buf, APSIM_SYSFS_PAGE);
	if (n < 0) {
		char d[128];

		r = apsim__cmd_expect_failed(c, "expected %s to read %s, got error %s", argv[0],
				  want_s ? want_s : "?", apsim__cmd_errno_desc((int) -n, d, sizeof(d)));
	} else if ((size_t) n != want_len || memcmp(buf, want, want_len) != 0) {
		size_t got_len = (size_t) n;

		got_s = apsim__cmd_capture_text(escaped_pair, buf, &got_len);
		r = apsim__cmd_expect_failed(c, "expected %s to read %s, got %s", argv[0],
				  want_s ? want_s : "?", got_s ? got_s : "?");
		free(got_s);
	} else {
		r = 0;
	}
	free(want_s);
	free(want);
	return r;
}

int apsim__cmd_expect_read(struct ctx *c, int argc, char **argv)
{
	return expect_read_in(c, c->sim->tree, argc, argv);
}


/* expect guest-read NAME PATH TEXT: the same in the guest's own tree */
int apsim__cmd_expect_guest_read(struct ctx *c, int argc, char **argv)
{
	struct apsim_guest *g = apsim__cmd_find_guest(c, argv[0]);

	if (!g)
		return -ENOENT;
	return expect_read_in(c, g->tree, argc - 1, argv + 1);
}

int apsim__cmd_expect_fail(struct ctx *c, int argc, char **argv)
{
	struct ctx inner = *c;
	char *msg = NULL, *cmdline;
	size_t msg_len = 0;
	int want, r;
	char d[128];

	if (apsim__errno_from_name(argv[0], &want) < 0)
		return apsim__cmd_usage_error(c,
				   "expect fail: unknown errno name '%s' (expected a name such as "
				   "EINVAL, EBUSY, ENODEV)",
				   argv[0]);
	inner.err = open_memstream(&msg, &msg_len);
	if (!inner.err)
		return apsim__cmd_fail_errno(c, -ENOMEM);
	inner.where = NULL;
	r = c->dispatch(&inner, argc - 1, argv + 1);
	fclose(inner.err);
	/* strip the newline of the captured message */
	if (msg_len && msg[msg_len - 1] == '\n')
		msg[--msg_len] = '\0';

	cmdline = apsim__cmd_join_args(argc, argv, 1);
	if (r == -APSIM_EUSAGE) {
		r = apsim__cmd_usage_error(c, "expect fail: %s", msg ? msg : "bad command");
	} else if (r == -want) {
		r = 0;
	} else if (r >= 0) {
		r = apsim__cmd_expect_failed(c, "expected '%s' to fail with %s, got success",
				  cmdline ? cmdline : "?", argv[0]);
	} else if (r == -EBADMSG) {
		/* an expectation inside expect fail failed: it said why */
		r = apsim__cmd_expect_failed(c, "expected '%s' to fail with %s, got a failed expectation: %s",
				  cmdline ? cmdline : "?", argv[0], msg ? msg : "");
	} else {
		r = apsim__cmd_expect_failed(c, "expected '%s' to fail with %s, got %s: %s",
				  cmdline ? cmdline : "?", argv[0], apsim__cmd_errno_desc(-r, d, sizeof(d)),
				  msg ? msg : "");
	}
	free(cmdline);
	free(msg);
	return r;
}


void apsim__cmd_free_kvs(struct kv *kvs, int n)
{
	for (int i = 0; i < n; i++)
		free(kvs[i].value);
	free(kvs);
}

int apsim__cmd_parse_kvs(struct ctx *c, int argc, char **argv, struct kv **ret)
{
	struct kv *kvs = calloc((size_t) argc + 1, sizeof(*kvs));

	if (!kvs)
		return apsim__cmd_fail_errno(c, -ENOMEM);
	for (int i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');

		if (!eq || eq == argv[i]) {
			apsim__cmd_free_kvs(kvs, i);
			return apsim__cmd_usage_error(c, "%s: bad '%s' (expected KEY=VALUE)", c->name,
					   argv[i]);
		}
		kvs[i].key = argv[i];
		kvs[i].key_len = (size_t) (eq - argv[i]);
		if (apsim__unescape(eq + 1, &kvs[i].value, NULL) < 0) {
			apsim__cmd_free_kvs(kvs, i);
			return apsim__cmd_usage_error(c, "%s: bad escape in '%s'", c->name, argv[i]);
		}
	}
	*ret = kvs;
	return 0;
}

static bool event_matches(const struct apsim_uevent *ev, enum apsim_uevent_action action,
			  const char *devpath, const struct kv *kvs, int n)
{
	if (ev->action != action || strcmp(ev->devpath, devpath) != 0)
		return false;
	for (int k = 0; k < n; k++) {
		bool found = false;

		for (unsigned e = 0; e < ev->n_env && !found; e++) {
			const char *env = ev->env[e];

			found = strncmp(env, kvs[k].key, kvs[k].key_len) == 0 &&
				env[kvs[k].key_len] == '=' &&
				strcmp(env + kvs[k].key_len + 1, kvs[k].value) == 0;
		}
		if (!found)
			return false;
	}
	return true;
}

/* The events since the mark, "add /devices/ap/card04, change /devices/ap CONFIG=1, ...". */
static void print_recent_events(FILE *f, const void *a, const void *b)
{
	const struct apsim_sim *sim = a;
	size_t n = apsim_uevent_log_count(sim->uevents), from = sim->events_mark, shown = 0;

	(void) b;
	if (from >= n) {
		fputs("no events since the last match", f);
		return;
	}
	fprintf(f, "%zu event%s since the last match:", n - from, n - from == 1 ? "" : "s");
	for (size_t i = from; i < n && shown < 12; i++, shown++) {
		const struct apsim_uevent *ev = apsim_uevent_log_get(sim->uevents, i);

		fprintf(f, "%s %s %s", shown ? ";" : "", apsim_uevent_action_name(ev->action),
			ev->devpath);
		/* the env after ACTION, DEVPATH, SUBSYSTEM and before SEQNUM: what expect can test
		 */
		for (unsigned e = 0; e < ev->n_env; e++) {
			const char *env = ev->env[e];

			if (strncmp(env, "ACTION=", 7) == 0 || strncmp(env, "DEVPATH=", 8) == 0 ||
			    strncmp(env, "SUBSYSTEM=", 10) == 0 || strncmp(env, "SEQNUM=", 7) == 0)
				continue;
			fputc(' ', f);
			fputs(env, f); /* keep it on one line: escape control characters */
		}
	}
	if (n - from > shown)
		fprintf(f, "; ... (%zu more)", n - from - shown);
}

/* One line for messages: control characters escaped. */
static char *one_line(char *s)
{
	char *esc;
	size_t len;

	if (!s)
		return NULL;
	len = strlen(s);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char) s[i] < 0x20)
			goto escape;
	return s;
escape:
	esc = apsim__cmd_capture_text(escaped_pair, s, &len);
	free(s);
	if (!esc)
		return NULL;
	/* drop the quotes */
	memmove(esc, esc + 1, strlen(esc));
	esc[strlen(esc) - 1] = '\0';
	return esc;
}

static void advance_mark_to_event(struct apsim_sim *sim, size_t idx)
{
	sim->events_mark = idx + 1;
	/* calls that happened before this event can no longer match */
	while (sim->calls_mark < sim->n_calls && sim->calls[sim->calls_mark].uevent_pos <= idx)
		sim->calls_mark++;
}

static int expect_event(struct ctx *c, int argc, char **argv, bool want_present)
{
	enum apsim_uevent_action action;
	struct apsim_sim *sim = c->sim;
	size_t n = apsim_uevent_log_count(sim->uevents);
	struct kv *kvs;
	char *what, *got;
	int r;

	if (apsim_uevent_action_from_name(argv[0], &action) < 0)
		return apsim__cmd_usage_error(
		    c, "%s: unknown action '%s' (expected add, remove, change, bind or unbind)",
		    c->name, argv[0]);
	r = apsim__cmd_parse_kvs(c, argc - 2, argv + 2, &kvs);
	if (r < 0)
		return r;
	for (size_t i = sim->events_mark; i < n; i++) {
		const struct apsim_uevent *ev = apsim_uevent_log_get(sim->uevents, i);

		if (!event_matches(ev, action, argv[1], kvs, argc - 2))
			continue;
		apsim__cmd_free_kvs(kvs, argc - 2);
		if (!want_present) {
			what = one_line(apsim__cmd_join_args(argc, argv, 0));
			r = apsim__cmd_expect_failed(
			    c, "expected no event %s, got it as event %zu since the last match",
			    what ? what : "?", i - sim->events_mark + 1);
			free(what);
			return r;
		}
		advance_mark_to_event(sim, i);
		return 0;
	}
	apsim__cmd_free_kvs(kvs, argc - 2);
	if (!want_present)
		return 0;
	what = one_line(apsim__cmd_join_args(argc, argv, 0));
	got = one_line(apsim__cmd_capture_text(print_recent_events, sim, NULL));
	r = apsim__cmd_expect_failed(c, "expected event %s, got %s", what ? what : "?", got ? got : "?");
	free(what);
	free(got);
	return r;
}

int apsim__cmd_expect_event(struct ctx *c, int argc, char **argv)
{
	return expect_event(c, argc, argv, true);
}

int apsim__cmd_expect_no_event(struct ctx *c, int argc, char **argv)
{
	return expect_event(c, argc, argv, false);
}

int apsim__cmd_expect_events_count(struct ctx *c, int argc, char **argv)
{
	size_t n = apsim_uevent_log_count(c->sim->uevents);
	unsigned long want;
	char *got;
	int r;

	(void) argc;
	if (apsim__cmd_parse_ulong(argv[0], ULONG_MAX, &want) < 0)
		return apsim__cmd_usage_error(c, "%s: bad count '%s'", c->name, argv[0]);
	if (n - c->sim->events_mark == want)
		return 0;
	got = one_line(apsim__cmd_capture_text(print_recent_events, c->sim, NULL));
	r = apsim__cmd_expect_failed(c, "expected %lu events since the last match, got %s", want,
			  got ? got : "?");
	free(got);
	return r;
}

struct apsim_guest *apsim__cmd_find_guest(struct ctx *c, const char *name)
{
	struct apsim_guest *g = apsim__sim_find_guest(c->sim, name);

	if (!g)
		apsim__cmd_fail(c, -ENOENT, "%s: no guest '%s'", c->name, name);
	return g;
}

int apsim__cmd_expect_apcb_updates(struct ctx *c, int argc, char **argv)
{
	struct apsim_guest *g;
	unsigned long want;

	(void) argc;
	if (apsim__cmd_parse_ulong(argv[1], ULONG_MAX, &want) < 0)
		return apsim__cmd_usage_error(c, "%s: bad count '%s'", c->name, argv[1]);
	g = apsim__cmd_find_guest(c, argv[0]);
	if (!g)
		return -ENOENT;
	if (g->apcb_updates == want)
		return 0;
	return apsim__cmd_expect_failed(c, "expected guest '%s' to have %lu APCB updates, got %llu", argv[0],
			     want, (unsigned long long) g->apcb_updates);
}

int apsim__cmd_expect_invariants(struct ctx *c, int argc, char **argv)
{
	char msg[512];
	int r;

	(void) argc;
	(void) argv;
	r = apsim_sim_check_invariants(c->sim, msg, sizeof(msg));
	if (r == -EPROTO)
		return apsim__cmd_expect_failed(c, "expected the vfio_ap invariants to hold, got: %s", msg);
	return r < 0 ? apsim__cmd_fail_errno(c, r) : 0;
}

int apsim__cmd_expect_exists(struct ctx *c, int argc, char **argv)
{
	struct apsim_node_info info;
	char d[128];
	int r;

	(void) argc;
	r = apsim_tree_lookup(c->sim->tree, apsim__cmd_tree_path(argv[0]), &info);
	if (r < 0)
		return apsim__cmd_expect_failed(c, "expected %s to exist, got %s", argv[0],
				     apsim__cmd_errno_desc(-r, d, sizeof(d)));
	return 0;
}

int apsim__cmd_expect_missing(struct ctx *c, int argc, char **argv)
{
	struct apsim_node_info info;
	int r;

	(void) argc;
	r = apsim_tree_lookup(c->sim->tree, apsim__cmd_tree_path(argv[0]), &info);
	if (r >= 0)
		return apsim__cmd_expect_failed(c, "expected %s to be missing, got a %s", argv[0],
				     info.type == APSIM_NODE_DIR    ? "directory"
				     : info.type == APSIM_NODE_LINK ? "symlink"
								    : "attribute");
	return 0;
}

int apsim__cmd_expect_link(struct ctx *c, int argc, char **argv)
{
	char target[4096], d[128];
	int r;

	(void) argc;
	r = apsim_tree_readlink(c->sim->tree, apsim__cmd_tree_path(argv[0]), target, sizeof(target));
	if (r < 0)
		return apsim__cmd_expect_failed(c, "expected %s to link to %s, got %s", argv[0], argv[1],
				     apsim__cmd_errno_desc(-r, d, sizeof(d)));
	if (strcmp(target, argv[1]) != 0)
		return apsim__cmd_expect_failed(c, "expected %s to link to %s, got %s", argv[0], argv[1],
				     target);
	return 0;
}

int apsim__cmd_expect_ls(struct ctx *c, int argc, char **argv)
{
	struct ls_state ls = {
	    .tree = c->sim->tree, .dir = apsim__cmd_tree_path(argv[0]), .first = true, .text_one_line = true};
	char *got = NULL, *want;
	size_t got_len = 0;
	int r;

	ls.out = open_memstream(&got, &got_len);
	if (!ls.out)
		return apsim__cmd_fail_errno(c, -ENOMEM);
	r = apsim_tree_readdir(c->sim->tree, ls.dir, apsim__cmd_ls_entry, &ls);
	fclose(ls.out);
	want = apsim__cmd_join_args(argc, argv, 1);
	if (r < 0) {
		char d[128];

		r = apsim__cmd_expect_failed(c, "expected ls %s to show '%s', got %s", argv[0],
				  want ? want : "?", apsim__cmd_errno_desc(-r, d, sizeof(d)));
	} else if (!want || !got || strcmp(want, got) != 0) {
		r = apsim__cmd_expect_failed(c, "expected ls %s to show '%s', got '%s'", argv[0],
				  want ? want : "?", got ? got : "?");
	}
	free(want);
	free(got);
	return r;
}
