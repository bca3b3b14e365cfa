/* SPDX-License-Identifier: MIT */
/*
 * The script layer: the command language of the CLI, of scenario files and of the daemon's
 * control socket (docs/cli.md), run on a sim. These functions take the model lock.
 */
#ifndef APSIM_SCRIPT_H
#define APSIM_SCRIPT_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "apsim/export.h"
#include "apsim/sim.h"

/*
 * Runs one command line (the CLI grammar, also a scenario line) and prints its output to
 * out, errors to err. json selects JSON output where a command has it. Returns 0, or a
 * negative errno (the failed command's), or -EBADMSG for a failed expectation.
 */
APSIM_EXPORT int apsim_sim_exec(struct apsim_sim *sim, const char *line, bool json, FILE *out,
				FILE *err);
/* What apsim_sim_exec returns for a usage error: unknown command, bad or missing arguments. */
#define APSIM_EUSAGE ENOTTY
/* The apsim exit code for an apsim_sim_exec result: 0 ok, 2 usage error, 1 anything else. */
APSIM_EXPORT int apsim_sim_exit_code(int r);
/* Same with an argv vector (the CLI passes its words unparsed). */
APSIM_EXPORT int apsim_sim_exec_argv(struct apsim_sim *sim, int argc, char **argv, bool json,
				     FILE *out, FILE *err);
/* Runs a scenario file; errors are reported as "FILE:LINE: ..." on err. 0 or -errno. */
APSIM_EXPORT int apsim_sim_run_file(struct apsim_sim *sim, const char *path, bool json, FILE *out,
				    FILE *err);

#endif
