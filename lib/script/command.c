/* SPDX-License-Identifier: MIT */
/*
 * command.c - the command interpreter's top: one grammar for the CLI, scenario lines and the
 * daemon's control socket (docs/cli.md), one table listing every command with its arguments
 * and help line (from which dispatch, `help` and usage errors are driven). The commands
 * themselves live by noun in cmd-machine.c, cmd-tree.c, cmd-expect.c, cmd-watch.c, cmd-guest.c
 * and cmd-mdev.c, on top of the messages and argument parsing of cmd-util.c; the line lexer in
 * lexer.c. This file is the top of lib/script's command files: it calls down into them, and the
 * two commands that run other commands (`expect fail`, `run`) reach back only through the
 * pointers it puts in struct ctx. Commands only translate (design.md "front ends"). Runs with
 * the simulator lock held.
 */
#define _POSIX_C_SOURCE 200809L
#include "script/command-internal.h"

/* --- the table --- */

static int cmd_help(struct ctx *c, int argc, char **argv);

/* clang-format off */
static const struct command commands[] = {
	{ "help", "[--list] [--json] [COMMAND]",
	  "show the commands (or those starting with COMMAND); --list: their names only", 0, -1, CMD_JSON,
	  cmd_help },
	{ "machine show", "[--json]", "the installed adapters, the LPAR's configuration, limits, QCI, notify",
	  0, 0, CMD_JSON, apsim__cmd_machine_show },
	{ "machine card add", "APID TYPE [--depth N] [--functions HEX] [--serial S] [--ml N] [--raw-type N]",
	  "install an adapter (TYPE CEX4A..CEX8P)", 2, 12, CMD_CHANGES, apsim__cmd_machine_card_add },
	{ "machine card remove", "APID", "uninstall an adapter", 1, 1, CMD_CHANGES, apsim__cmd_machine_card_remove },
	{ "machine card checkstop", "APID on|off", "checkstop an adapter, or end it", 2, 2, CMD_CHANGES,
	  apsim__cmd_machine_card_checkstop },
	{ "machine card config", "APID on|off", "SE-side configure/deconfigure (as writing its config)",
	  2, 2, CMD_CHANGES, apsim__cmd_machine_card_config },
	{ "machine lpar add", "adapter|domain|control-domain LIST",
	  "add ids to the LPAR's AP configuration (one change)", 2, 2, CMD_CHANGES, apsim__cmd_machine_lpar_add },
	{ "machine lpar remove", "adapter|domain|control-domain LIST",
	  "remove ids from the LPAR's AP configuration (one change)", 2, 2, CMD_CHANGES,
	  apsim__cmd_machine_lpar_remove },
	{ "machine notify", "on|off", "whether configuration changes are signalled to the bus", 1, 1,
	  CMD_CHANGES, apsim__cmd_machine_notify },
	{ "machine limits", "MAX_ADAPTER_ID MAX_DOMAIN_ID", "QCI na/nd (the APXA maxima)", 2, 2,
	  CMD_CHANGES, apsim__cmd_machine_limits },
	{ "machine qci", "on|off", "QCI available (facility 12)", 1, 1, CMD_CHANGES, apsim__cmd_machine_qci },
	{ "machine flags", "FLAG,...|none|0xHEX", "QCI flags (APSC, APXA, QACT, RC8A, APSB)", 1, 1, CMD_CHANGES,
	  apsim__cmd_machine_flags },
	{ "machine queue inject", "APQN RC [COUNT]", "the next COUNT (1) TAPQs/ZAPQs of APQN answer RC",
	  2, 3, CMD_CHANGES, apsim__cmd_machine_queue_inject },
	{ "machine fault after-qci", "checkstop|deconfigure APID",
	  "the adapter fails between the next scan's QCI and its TAPQs", 2, 2, CMD_CHANGES,
	  apsim__cmd_machine_fault_after_qci },
	{ "machine import", "DIR [--out FILE]",
	  "a machine JSON from a copy of a real system's /sys/bus/ap and /sys/devices/ap", 1, 3, 0,
	  apsim__cmd_machine_import },
	{ "scan", "", "run one AP bus scan", 0, 0, CMD_CHANGES, apsim__cmd_scan },
	{ "sleep", "DURATION", "advance the virtual clock (30s, 20ms, 1.5s, 5m), firing timers", 1, 1,
	  CMD_CHANGES, apsim__cmd_sleep },
	{ "read", "PATH", "print an attribute as is", 1, 1, 0, apsim__cmd_read },
	{ "write", "PATH VALUE", "write VALUE (C escapes allowed) to an attribute", 2, -1, CMD_CHANGES,
	  apsim__cmd_write },
	{ "ls", "[PATH] [--json]", "list a directory: dirs end in /, links in @", 0, 1, CMD_JSON, apsim__cmd_ls },
	{ "events", "[--since-mark] [--json]", "every uevent so far (or since the expect mark)", 0, 1,
	  CMD_JSON, apsim__cmd_events },
	{ "events mark", "", "move the expect mark past every event and call so far", 0, 0, 0,
	  apsim__cmd_events_mark },
	{ "dump", "DIR", "write the tree as plain files and symlinks under DIR", 1, 1, 0, apsim__cmd_dump },
	{ "run", "FILE...", "run scenario files", 1, -1, CMD_CHANGES, apsim__cmd_run },
	{ "expect read", "PATH TEXT", "the attribute's whole content is TEXT (C escapes)", 1, -1, 0,
	  apsim__cmd_expect_read },
	{ "expect guest-read", "NAME PATH TEXT", "the same in the guest's own tree", 2, -1, 0,
	  apsim__cmd_expect_guest_read },
	{ "expect fail", "ERRNO COMMAND...", "COMMAND fails with exactly ERRNO (e.g. EINVAL)", 2, -1,
	  CMD_CHANGES, apsim__cmd_expect_fail },
	{ "expect event", "ACTION DEVPATH [KEY=VALUE...]", "such a uevent came since the last match",
	  2, -1, 0, apsim__cmd_expect_event },
	{ "expect no-event", "ACTION DEVPATH [KEY=VALUE...]", "no such uevent came since the last match",
	  2, -1, 0, apsim__cmd_expect_no_event },
	{ "expect events-count", "N", "N uevents came since the last match", 1, 1, 0,
	  apsim__cmd_expect_events_count },
	{ "expect apcb-updates", "GUEST N", "the guest's APCB was updated N times", 2, 2, 0,
	  apsim__cmd_expect_apcb_updates },
	{ "expect cfg-chg-signals", "UUID N", "the mdev's config-change trigger was signalled N times",
	  2, 2, 0, apsim__cmd_expect_cfg_chg_signals },
	{ "expect invariants", "", "the vfio_ap safety invariants hold", 0, 0, 0, apsim__cmd_expect_invariants },
	{ "expect exists", "PATH", "PATH exists in the tree", 1, 1, 0, apsim__cmd_expect_exists },
	{ "expect missing", "PATH", "PATH does not exist", 1, 1, 0, apsim__cmd_expect_missing },
	{ "expect link", "PATH TARGET", "PATH is a symlink to TARGET", 2, 2, 0, apsim__cmd_expect_link },
	{ "expect ls", "PATH [NAME...]", "the listing of PATH is exactly NAME... (ls format)", 1, -1, 0,
	  apsim__cmd_expect_ls },
	{ "expect call", "WATCH CALLBACK [KEY=VALUE...]",
	  "the watch driver saw such a call since the last match", 2, -1, 0, apsim__cmd_expect_call },
	{ "expect calls", "WATCH CALLBACK N", "the watch driver saw N such calls in all", 3, 3, 0,
	  apsim__cmd_expect_calls },
	{ "watch add", "NAME [--rescan]", "register an AP driver that records the config callbacks",
	  1, 2, CMD_CHANGES, apsim__cmd_watch_add },
	{ "watch show", "[NAME] [--json]", "the recorded callback calls", 0, 1, CMD_JSON,
	  apsim__cmd_watch_show },
	{ "guest start", "NAME UUID [--se]", "start a KVM guest on an mdev (--se: a Secure Execution guest)",
	  2, 3, CMD_CHANGES, apsim__cmd_guest_start },
	{ "guest stop", "NAME", "stop a guest", 1, 1, CMD_CHANGES, apsim__cmd_guest_stop },
	{ "guest show", "[NAME] [--json]", "guests with their mdev, APCB and update count", 0, 1,
	  CMD_JSON, apsim__cmd_guest_show },
	{ "guest read", "NAME PATH", "read an attribute of the guest's own tree", 2, 2, 0,
	  apsim__cmd_guest_read },
	{ "guest write", "NAME PATH VALUE", "write VALUE (C escapes allowed) to an attribute of the guest's tree",
	  3, -1, CMD_CHANGES, apsim__cmd_guest_write },
	{ "guest ls", "NAME [PATH] [--json]", "list a directory of the guest's tree", 1, 2, CMD_JSON,
	  apsim__cmd_guest_ls },
	{ "guest events", "NAME [--json]", "the guest's uevents", 1, 1, CMD_JSON, apsim__cmd_guest_events },
	{ "matrix", "[--guest NAME] [--json] [--color=auto|always|never] [--html FILE | --svg FILE]",
	  "the AP matrix: adapters by domains, who owns each APQN", 0, 5, CMD_JSON, apsim__cmd_matrix },
	{ "mdev create", "[UUID]", "create a vfio_ap-passthrough mdev (random UUID printed if none)", 0,
	  1, CMD_CHANGES, apsim__cmd_mdev_create },
	{ "mdev remove", "UUID", "remove an mdev", 1, 1, CMD_CHANGES, apsim__cmd_mdev_remove },
	{ "mdev list", "[--json]", "the mdevs in list order", 0, 0, CMD_JSON, apsim__cmd_mdev_list },
	{ "mdev show", "UUID [--json]", "the mdev's eventfd triggers and their signal counts", 1, 1,
	  CMD_JSON, apsim__cmd_mdev_show },
	{ "mdev ioctl", "UUID NAME [ARG...]",
	  "a VFIO ioctl: get-info, get-irq-info INDEX, set-irqs INDEX FD, reset", 2, -1, CMD_CHANGES,
	  apsim__cmd_mdev_ioctl },
};
/* clang-format on */

/* Number of leading words of name matched by argv (all of name's words, or fewer). */
static int words_matched(const char *name, int argc, char **argv, int *ret_total)
{
	int matched = 0, total = 0;
	bool all = true;
	const char *p = name;

	while (*p) {
		size_t n = strcspn(p, " ");

		if (all && matched < argc && strlen(argv[matched]) == n &&
		    strncmp(argv[matched], p, n) == 0)
			matched++;
		else
			all = false;
		total++;
		p += n;
		while (*p == ' ')
			p++;
	}
	*ret_total = total;
	return matched;
}

static bool help_selects(const struct command *cmd, int argc, char **argv)
{
	int total;

	return !argc || words_matched(cmd->name, argc, argv, &total) >= (argc < total ? argc : total);
}

/* help --json: the table itself, for completion and the man page check */
static int help_json(struct ctx *c, int argc, char **argv)
{
	json_t *arr = json_array();

	if (!arr)
		return apsim__cmd_fail_errno(c, -ENOMEM);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		const struct command *cmd = &commands[i];

		if (help_selects(cmd, argc, argv) &&
		    json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:b, s:b}", "name", cmd->name,
							 "args", cmd->args, "help", cmd->help,
							 "changes", (cmd->flags & CMD_CHANGES) != 0,
							 "json", (cmd->flags & CMD_JSON) != 0)) < 0) {
			json_decref(arr);
			return apsim__cmd_fail_errno(c, -ENOMEM);
		}
	}
	return apsim__cmd_print_json(c, arr);
}

static int cmd_help(struct ctx *c, int argc, char **argv)
{
	bool list = false;
	size_t width = 0;

	if (argc && strcmp(argv[0], "--list") == 0) {
		list = true;
		argc--;
		argv++;
	}
	if (c->json)
		return help_json(c, argc, argv);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		size_t w = strlen(commands[i].name) + 1 + strlen(commands[i].args);

		if (w > width)
			width = w;
	}
	if (width > 40)
		width = 40;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		const struct command *cmd = &commands[i];
		char head[256];

		if (!help_selects(cmd, argc, argv))
			continue;
		if (list) {
			fprintf(c->out, "%s\n", cmd->name);
			continue;
		}
		snprintf(head, sizeof(head), "%s%s%s", cmd->name, cmd->args[0] ? " " : "",
			 cmd->args);
		if (strlen(head) > width)
			fprintf(c->out, "  %s\n  %-*s  %s\n", head, (int) width, "", cmd->help);
		else
			fprintf(c->out, "  %-*s  %s\n", (int) width, head, cmd->help);
	}
	return 0;
}

static void print_subcommands(FILE *f, const void *a, const void *b)
{
	const int *depth = a;
	char *const *argv = b;
	const char *last = NULL;
	size_t last_len = 0;
	bool first = true;

	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		const char *p = commands[i].name;
		int total, d;
		size_t n;

		if (words_matched(p, *depth, (char **) argv, &total) != *depth || total <= *depth)
			continue;
		for (d = 0; d < *depth; d++) {
			p += strcspn(p, " ");
			p++;
		}
		n = strcspn(p, " ");
		if (last && n == last_len && strncmp(p, last, n) == 0)
			continue;
		fprintf(f, "%s%.*s", first ? "" : ", ", (int) n, p);
		first = false;
		last = p;
		last_len = n;
	}
}

int apsim__cmd_dispatch(struct ctx *c, int argc, char **argv)
{
	const struct command *best = NULL;
	int best_words = 0, prefix = 0, r;
	char **args = NULL;
	int nargs;

	if (argc == 0)
		return apsim__cmd_usage_error(c, "missing command (try 'help')");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		int total, m = words_matched(commands[i].name, argc, argv, &total);

		if (m == total && total > best_words) {
			best = &commands[i];
			best_words = total;
		}
		if (m > prefix)
			prefix = m;
	}
	if (!best || prefix > best_words) {
		char *list, *known;

		known = apsim__cmd_join_args(prefix, argv, 0);
		list = apsim__cmd_capture_text(print_subcommands, &prefix, argv);
		if (prefix == 0)
			r = apsim__cmd_usage_error(c, "unknown command '%s' (try 'help')", argv[0]);
		else if (prefix >= argc)
			r = apsim__cmd_usage_error(c, "%s: missing subcommand (expected %s)",
					known ? known : "?", list ? list : "?");
		else
			r = apsim__cmd_usage_error(c, "%s: unknown subcommand '%s' (expected %s)",
					known ? known : "?", argv[prefix], list ? list : "?");
		free(known);
		free(list);
		return r;
	}

	c->name = best->name;
	nargs = argc - best_words;
	args = malloc(((size_t) nargs + 1) * sizeof(char *));
	if (!args)
		return apsim__cmd_fail_errno(c, -ENOMEM);
	{
		int n = 0;

		for (int i = best_words; i < argc; i++) {
			if ((best->flags & CMD_JSON) && strcmp(argv[i], "--json") == 0) {
				c->json = true;
				continue;
			}
			args[n++] = argv[i];
		}
		args[n] = NULL;
		nargs = n;
	}
	if (nargs < best->min_args || (best->max_args >= 0 && nargs > best->max_args))
		r = apsim__cmd_usage_error(c, "%s: usage: %s %s", best->name, best->name, best->args);
	else
		r = best->fn(c, nargs, args);
	free(args);
	return r;
}

static bool command_changes(int argc, char **argv)
{
	const struct command *best = NULL;
	int best_words = 0;

	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		int total, m = words_matched(commands[i].name, argc, argv, &total);

		if (m == total && total > best_words) {
			best = &commands[i];
			best_words = total;
		}
	}
	return best && (best->flags & CMD_CHANGES);
}

int apsim__command_run_at(struct apsim_sim *sim, int argc, char **argv, bool json, FILE *out,
			  FILE *err, const char *where)
{
	struct ctx c = {.sim = sim,
			.json = json,
			.out = out,
			.err = err,
			.where = where,
			.dispatch = apsim__cmd_dispatch,
			.run_line = apsim__command_run_line};
	int r = apsim__cmd_dispatch(&c, argc, argv);

	if (r == -APSIM_EUSAGE)
		return r;
	/* --check-invariants: after every command */
	if (sim->opts.check_invariants) {
		char msg[512];
		int v = apsim_sim_check_invariants(sim, msg, sizeof(msg));

		if (v < 0) {
			char *cmd = apsim__cmd_join_args(argc, argv, 0);

			c.name = NULL;
			apsim__cmd_fail(&c, v, "invariant violated after '%s': %s", cmd ? cmd : "?", msg);
			free(cmd);
			return v;
		}
	}
	if (r >= 0 && sim->on_change && command_changes(argc, argv)) {
		int s = sim->on_change(sim, sim->on_change_ctx);

		if (s < 0) {
			char *cmd = apsim__cmd_join_args(argc, argv, 0);

			c.name = NULL;
			r = apsim__cmd_fail(&c, s, "'%s' was applied but the state could not be saved: %s",
				 cmd ? cmd : "?", strerror(-s));
			free(cmd);
		}
	}
	return r;
}

int apsim__command_run(struct apsim_sim *sim, int argc, char **argv, bool json, FILE *out,
		       FILE *err)
{
	return apsim__command_run_at(sim, argc, argv, json, out, err, NULL);
}

int apsim__command_run_line(struct apsim_sim *sim, const char *line, bool json, FILE *out,
			    FILE *err, const char *where)
{
	char **argv;
	int argc, r;

	r = apsim__command_split(line, &argc, &argv);
	if (r < 0)
		return r;
	r = argc ? apsim__command_run_at(sim, argc, argv, json, out, err, where) : 0;
	free(argv);
	return r;
}
