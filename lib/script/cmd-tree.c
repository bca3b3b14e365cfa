/* SPDX-License-Identifier: MIT */
/*
 * cmd-tree.c - the bus and the clock (`scan`, `sleep`), the tree as a process sees it (`read`,
 * `write`, `ls`, `dump`), the uevent log (`events`) and nested scenarios (`run`).
 */
#define _POSIX_C_SOURCE 200809L
#include "script/command-internal.h"

/* --- bus, clock --- */

int apsim__cmd_scan(struct ctx *c, int argc, char **argv)
{
	int r;

	(void) argc;
	(void) argv;
	r = apsim_bus_scan(c->sim->bus);
	return r < 0 ? apsim__cmd_fail_errno(c, r) : 0;
}

/* In the sandbox (fuzzing) a sleep may not run more than this many timer periods. */
#define SANDBOX_MAX_SLEEP_NS (3600ull * APSIM_NSEC_PER_SEC)

int apsim__cmd_sleep(struct ctx *c, int argc, char **argv)
{
	uint64_t ns;
	int r;

	(void) argc;
	if (apsim_duration_parse(argv[0], &ns) < 0)
		return apsim__cmd_usage_error(
		    c, "%s: bad duration '%s' (expected e.g. 30s, 20ms, 1.5s, 100us, 5m)", c->name,
		    argv[0]);
	if (c->sim->sandbox && ns > SANDBOX_MAX_SLEEP_NS)
		return apsim__cmd_fail(c, -ERANGE, "%s: at most 1h here", c->name);
	if (!apsim_clock_is_virtual(c->sim->clock))
		return apsim__cmd_fail(c, -EOPNOTSUPP, "%s: the clock is not virtual (time runs by itself)",
			    c->name);
	r = apsim_clock_advance(c->sim->clock, ns);
	return r < 0 ? apsim__cmd_fail_errno(c, r) : 0;
}

/* --- the tree --- */

int apsim__cmd_do_read(struct ctx *c, struct apsim_tree *tree, const char *path, const char *what)
{
	char buf[APSIM_SYSFS_PAGE + 1];
	ssize_t n = apsim_tree_read(tree, apsim__cmd_tree_path(path), buf, APSIM_SYSFS_PAGE);

	if (n < 0)
		return apsim__cmd_fail(c, (int) n, "%s %s: %s", what, path, strerror((int) -n));
	fwrite(buf, 1, (size_t) n, c->out);
	return 0;
}

int apsim__cmd_read(struct ctx *c, int argc, char **argv)
{
	(void) argc;
	return apsim__cmd_do_read(c, c->sim->tree, argv[0], "read");
}

/* "write PATH VALUE..." into tree: the value words joined, C escapes undone; what names the
 * command in messages ("write", "guest write") */
int apsim__cmd_do_write(struct ctx *c, struct apsim_tree *tree, int argc, char **argv,
			const char *what)
{
	char *value, *raw;
	size_t len;
	ssize_t n;
	int r;

	raw = apsim__cmd_join_args(argc, argv, 1);
	if (!raw)
		return apsim__cmd_fail_errno(c, -ENOMEM);
	r = apsim__unescape(raw, &value, &len);
	free(raw);
	if (r == -EINVAL)
		return apsim__cmd_usage_error(
		    c, "%s %s: bad escape in value (expected \\n \\t \\r \\\\ \\\" \\0 \\xHH)", what,
		    argv[0]);
	if (r < 0)
		return apsim__cmd_fail_errno(c, r);
	n = apsim_tree_write(tree, apsim__cmd_tree_path(argv[0]), value, len);
	free(value);
	if (n < 0)
		return apsim__cmd_fail(c, (int) n, "%s %s: %s", what, argv[0], strerror((int) -n));
	return 0;
}

int apsim__cmd_write(struct ctx *c, int argc, char **argv)
{
	return apsim__cmd_do_write(c, c->sim->tree, argc, argv, "write");
}

static const char *node_type_name(enum apsim_node_type t)
{
	switch (t) {
	case APSIM_NODE_DIR:
		return "dir";
	case APSIM_NODE_ATTR:
		return "attr";
	case APSIM_NODE_LINK:
		return "link";
	}
	return "?";
}


int apsim__cmd_ls_entry(const struct apsim_dirent *ent, void *ctx)
{
	struct ls_state *ls = ctx;

	if (ls->array) {
		json_t *o = json_object();
		char path[4096], target[4096];

		if (!o || json_array_append_new(ls->array, o) < 0) {
			json_decref(o);
			ls->error = -ENOMEM;
			return 1;
		}
		json_object_set_new(o, "name", json_string(ent->name));
		json_object_set_new(o, "type", json_string(node_type_name(ent->type)));
		if (ent->type == APSIM_NODE_LINK) {
			snprintf(path, sizeof(path), "%s%s%s", ls->dir, ls->dir[0] ? "/" : "",
				 ent->name);
			if (apsim_tree_readlink(ls->tree, path, target, sizeof(target)) >= 0)
				json_object_set_new(o, "target", json_string(target));
			else
				json_object_set_new(o, "target", json_null());
		} else {
			json_object_set_new(o, "target", json_null());
		}
		return 0;
	}
	if (ls->text_one_line && !ls->first)
		fputc(' ', ls->out);
	ls->first = false;
	fputs(ent->name, ls->out);
	if (ent->type == APSIM_NODE_DIR)
		fputc('/', ls->out);
	else if (ent->type == APSIM_NODE_LINK)
		fputc('@', ls->out);
	if (!ls->text_one_line)
		fputc('\n', ls->out);
	return 0;
}

int apsim__cmd_do_ls(struct ctx *c, struct apsim_tree *tree, const char *path, const char *what)
{
	struct ls_state ls = {.tree = tree, .dir = apsim__cmd_tree_path(path), .out = c->out, .first = true};
	int r;

	if (c->json) {
		ls.array = json_array();
		if (!ls.array)
			return apsim__cmd_fail_errno(c, -ENOMEM);
	}
	r = apsim_tree_readdir(tree, ls.dir, apsim__cmd_ls_entry, &ls);
	if (r < 0) {
		json_decref(ls.array);
		return apsim__cmd_fail(c, r, "%s %s: %s", what, path, strerror(-r));
	}
	if (ls.error) {
		json_decref(ls.array);
		return apsim__cmd_fail_errno(c, ls.error);
	}
	return ls.array ? apsim__cmd_print_json(c, ls.array) : 0;
}

int apsim__cmd_ls(struct ctx *c, int argc, char **argv)
{
	return apsim__cmd_do_ls(c, c->sim->tree, argc ? argv[0] : "", "ls");
}

void apsim__cmd_print_events(struct ctx *c, struct apsim_uevent_log *log, size_t from)
{
	size_t n = apsim_uevent_log_count(log);

	for (size_t i = from; i < n; i++) {
		const struct apsim_uevent *ev = apsim_uevent_log_get(log, i);

		if (c->json)
			apsim_uevent_print_json(ev, c->out);
		else
			apsim_uevent_print(ev, c->out);
	}
}

int apsim__cmd_events(struct ctx *c, int argc, char **argv)
{
	size_t from = 0;

	if (argc == 1) {
		if (strcmp(argv[0], "--since-mark") != 0)
			return apsim__cmd_usage_error(c, "events: unknown option '%s' (expected --since-mark or --json)",
				     argv[0]);
		from = c->sim->events_mark;
	}
	apsim__cmd_print_events(c, c->sim->uevents, from);
	return 0;
}

int apsim__cmd_events_mark(struct ctx *c, int argc, char **argv)
{
	(void) argc;
	(void) argv;
	c->sim->events_mark = apsim_uevent_log_count(c->sim->uevents);
	c->sim->calls_mark = c->sim->n_calls;
	return 0;
}

int apsim__cmd_dump(struct ctx *c, int argc, char **argv)
{
	int r;

	(void) argc;
	if (c->sim->sandbox)
		return apsim__cmd_fail(c, -EPERM, "%s: no file access here", c->name);
	r = apsim_tree_dump(c->sim->tree, argv[0]);
	return r < 0 ? apsim__cmd_fail(c, r, "dump %s: %s", argv[0], strerror(-r)) : 0;
}

#define MAX_RUN_DEPTH 8

int apsim__cmd_run(struct ctx *c, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		const char *cur = c->sim->scenario_path;
		char *path = NULL;
		int r;

		if (c->sim->sandbox)
			return apsim__cmd_fail(c, -EPERM, "%s: no file access here", c->name);
		if (c->sim->run_depth >= MAX_RUN_DEPTH)
			return apsim__cmd_fail(c, -ELOOP, "%s %s: scenarios nested too deeply (at most %d)",
				    c->name, argv[i], MAX_RUN_DEPTH);
		/* a relative path inside a scenario is relative to that scenario's directory */
		if (argv[i][0] != '/' && cur && strrchr(cur, '/')) {
			size_t dl = (size_t) (strrchr(cur, '/') - cur);

			path = malloc(dl + strlen(argv[i]) + 2);
			if (!path)
				return apsim__cmd_fail_errno(c, -ENOMEM);
			sprintf(path, "%.*s/%s", (int) dl, cur, argv[i]);
		}
		c->sim->run_depth++;
		r = apsim__scenario_run_file(c->sim, path ? path : argv[i], c->json, c->out,
					     c->err, c->run_line);
		c->sim->run_depth--;
		c->sim->scenario_path = cur;
		free(path);
		if (r < 0)
			return r;
	}
	return 0;
}
