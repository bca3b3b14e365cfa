/* SPDX-License-Identifier: MIT */
/*
 * apsim: the command line (docs/cli.md). Global options, then one command of the shared
 * grammar (lib/script/command.c) run against a fresh simulator, or sent to a running apsimd with
 * --socket. `apsim run FILE...` gives every scenario file a simulator of its own.
 * Exit codes: 0 ok, 1 failure, 2 usage.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apsim/apsim.h"
#include "exec.h"
#include "remote.h"
#include "script/script-internal.h"

#ifndef APSIM_VERSION
#define APSIM_VERSION "0.1.0"
#endif

#define EXIT_USAGE 2

static void usage(FILE *f)
{
	fputs("Usage: apsim [OPTIONS] COMMAND [ARGS...]\n"
	      "Simulates the IBM Z AP crypto bus (AP bus, zcrypt, vfio_ap) and its sysfs tree.\n"
	      "\n"
	      "Options:\n"
	      "  --machine FILE|empty   the machine: a JSON description (docs/machine.md) or an\n"
	      "                         empty one; default: the built-in z16-like machine\n"
	      "  --policy P             hot plug policy: kernel (default), legacy, coalesced\n"
	      "  --quirks mainline      reproduce the mainline vfio_ap defects (spec 6.11)\n"
	      "  --check-invariants     check the vfio_ap invariants after every command\n"
	      "  --json                 JSON output where a command has it\n"
	      "  --socket PATH          send the command to the apsimd listening on PATH\n"
	      "  -h, --help             this text and the commands\n"
	      "  --version              the version\n"
	      "\n"
	      "Commands (also scenario lines; see docs/cli.md):\n",
	      f);
}

static void help(struct apsim_sim *sim)
{
	char *argv[] = {"help", NULL};

	usage(stdout);
	if (sim) {
		apsim_sim_lock(sim);
		apsim__command_run_at(sim, 1, argv, false, stdout, stderr, "apsim");
		apsim_sim_unlock(sim);
	}
	printf("  %-40s  %s\n\n", "exec PROGRAM [ARGS...]",
	       "with --socket: run a program in the daemon's mount namespace");
	fputs("Exit status: 0 ok, 1 a command or expectation failed, 2 usage error.\n", stdout);
}

struct options {
	struct apsim_sim_options sim;
	bool json;
	const char *socket;
};

/* Returns the index of the command word, or -1 (message printed) on a bad option. */
static int parse_options(int argc, char **argv, struct options *o, bool *ret_help,
			 bool *ret_version)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		const char *eq;
		char name[32];

		if (strcmp(a, "--") == 0)
			return i + 1;
		if (a[0] != '-')
			break;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			*ret_help = true;
			continue;
		}
		if (strcmp(a, "--version") == 0) {
			*ret_version = true;
			continue;
		}
		if (strcmp(a, "--json") == 0) {
			o->json = true;
			continue;
		}
		if (strcmp(a, "--check-invariants") == 0) {
			o->sim.check_invariants = true;
			continue;
		}
		/* options with a value: --opt VALUE or --opt=VALUE */
		eq = strchr(a, '=');
		snprintf(name, sizeof(name), "%.*s", eq ? (int) (eq - a) : (int) strlen(a), a);
		if (strcmp(name, "--machine") != 0 && strcmp(name, "--policy") != 0 &&
		    strcmp(name, "--quirks") != 0 && strcmp(name, "--socket") != 0) {
			fprintf(stderr, "apsim: unknown option '%s' (try 'apsim --help')\n", a);
			return -1;
		}
		if (eq) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			fprintf(stderr, "apsim: option '%s' needs a value\n", a);
			return -1;
		}
		if (strcmp(name, "--machine") == 0) {
			o->sim.machine = val;
		} else if (strcmp(name, "--socket") == 0) {
			o->socket = val;
		} else if (strcmp(name, "--policy") == 0) {
			if (apsim_policy_from_name(val, &o->sim.policy) < 0) {
				fprintf(stderr,
					"apsim: unknown policy '%s' (expected kernel, legacy or "
					"coalesced)\n",
					val);
				return -1;
			}
		} else {
			if (strcmp(val, "mainline") != 0) {
				fprintf(stderr, "apsim: unknown quirks '%s' (expected mainline)\n",
					val);
				return -1;
			}
			o->sim.quirks |= APSIM_QUIRK_MAINLINE;
		}
	}
	return i;
}

/* apsim run FILE...: each file gets a fresh simulator with its own #@ options. */
static int run_files(const struct options *o, int argc, char **argv)
{
	int status = 0;

	if (argc == 0) {
		fprintf(stderr, "apsim: run: usage: run FILE...\n");
		return EXIT_USAGE;
	}
	for (int i = 0; i < argc; i++) {
		struct apsim_sim_options so = o->sim;
		struct apsim_sim *sim;
		char *machine = NULL;
		int r;

		r = apsim__scenario_read_options(argv[i], &so, &machine, stderr);
		if (r >= 0)
			r = apsim_sim_new(&so, stderr, &sim);
		if (r >= 0) {
			r = apsim_sim_run_file(sim, argv[i], o->json, stdout, stderr);
			apsim_sim_free(sim);
		}
		free(machine);
		if (r < 0)
			status = 1;
	}
	return status;
}

int main(int argc, char **argv)
{
	struct options o = {.sim = {.policy = APSIM_POLICY_KERNEL}};
	bool want_help = false, want_version = false;
	struct apsim_sim *sim;
	int first, r;

	first = parse_options(argc, argv, &o, &want_help, &want_version);
	if (first < 0)
		return EXIT_USAGE;
	if (want_version) {
		printf("apsim %s\n", APSIM_VERSION);
		return 0;
	}
	if (want_help || (first < argc && strcmp(argv[first], "help") == 0 && first + 1 == argc)) {
		struct apsim_sim_options so = {.machine = "empty"};

		if (apsim_sim_new(&so, stderr, &sim) < 0)
			sim = NULL;
		help(sim);
		apsim_sim_free(sim);
		return 0;
	}
	if (first >= argc) {
		fprintf(stderr, "Usage: apsim [OPTIONS] COMMAND [ARGS...]\n"
				"apsim: missing command (try 'apsim help')\n");
		return EXIT_USAGE;
	}

	/* $APSIM_SOCKET stands for --socket: set, every command goes to that daemon */
	if (!o.socket && getenv("APSIM_SOCKET") && getenv("APSIM_SOCKET")[0])
		o.socket = getenv("APSIM_SOCKET");
	/* exec needs a daemon: without a socket it takes apsimd's default one (client.h) */
	if (strcmp(argv[first], "exec") == 0)
		return apsim_cli_exec(o.socket, argc - first - 1, argv + first + 1);
	if (o.socket)
		return apsim_cli_remote(o.socket, argc - first, argv + first, o.json);
	if (strcmp(argv[first], "run") == 0)
		return run_files(&o, argc - first - 1, argv + first + 1);

	r = apsim_sim_new(&o.sim, stderr, &sim);
	if (r < 0)
		return 1;
	apsim_sim_lock(sim);
	r = apsim__command_run_at(sim, argc - first, argv + first, o.json, stdout, stderr, "apsim");
	apsim_sim_unlock(sim);
	apsim_sim_free(sim);
	if (fflush(stdout) != 0 && r >= 0) {
		fprintf(stderr, "apsim: writing the output: %s\n", strerror(errno));
		return 1;
	}
	return apsim_sim_exit_code(r);
}
