/* SPDX-License-Identifier: MIT */
/*
 * exec.c - the script layer's public entry points (apsim/script.h): one command line, one argv
 * vector, one scenario file, each run with the model lock held for its duration.
 */
#include <errno.h>

#include "base/macro-internal.h"
#include "script/script-internal.h"

int apsim_sim_exit_code(int r)
{
	if (r >= 0)
		return 0;
	if (r == -APSIM_EUSAGE)
		return 2;
	return 1;
}

int apsim_sim_exec(struct apsim_sim *sim, const char *line, bool json, FILE *out, FILE *err)
{
	int r;

	APSIM_CHECK_ARG(sim && line && out && err);
	apsim_sim_lock(sim);
	r = apsim__command_run_line(sim, line, json, out, err, NULL);
	apsim_sim_unlock(sim);
	return r;
}

int apsim_sim_exec_argv(struct apsim_sim *sim, int argc, char **argv, bool json, FILE *out,
			FILE *err)
{
	int r;

	APSIM_CHECK_ARG(sim && argc >= 0 && (argv || argc == 0) && out && err);
	apsim_sim_lock(sim);
	r = apsim__command_run_at(sim, argc, argv, json, out, err, NULL);
	apsim_sim_unlock(sim);
	return r;
}

int apsim_sim_run_file(struct apsim_sim *sim, const char *path, bool json, FILE *out, FILE *err)
{
	int r;

	APSIM_CHECK_ARG(sim && path && out && err);
	apsim_sim_lock(sim);
	r = apsim__scenario_run_file(sim, path, json, out, err, apsim__command_run_line);
	apsim_sim_unlock(sim);
	return r;
}
