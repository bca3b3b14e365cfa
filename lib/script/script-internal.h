/* SPDX-License-Identifier: MIT */
/*
 * The script layer (lib/script): the command language and scenario files on top of the model
 * facade (lib/sim). Reading order, each calling only the ones before it and the layers below:
 * lexer.c (words, escapes, errno names) -> scenario.c (files, line by line) -> command.c with
 * cmd-*.c (the command table and the commands) -> exec.c (the public entry points of
 * apsim/script.h, which take the model lock).
 */
#ifndef APSIM_SCRIPT_INTERNAL_H
#define APSIM_SCRIPT_INTERNAL_H

#include <stdbool.h>
#include <stdio.h>

#include "apsim/script.h"
#include "sim/sim-internal.h"

/* command.c: run one parsed command (lock held). Returns 0 / -errno / -EBADMSG. */
int apsim__command_run(struct apsim_sim *sim, int argc, char **argv, bool json, FILE *out,
		       FILE *err);

/*
 * The same with a location for messages: where is "FILE:LINE" in a scenario, "apsim" for the
 * CLI, NULL for none; messages then read "WHERE: ...". Usage errors (unknown command, bad
 * arguments) return -APSIM_EUSAGE.
 */
int apsim__command_run_at(struct apsim_sim *sim, int argc, char **argv, bool json, FILE *out,
			  FILE *err, const char *where);
/* One command line (scenario grammar: words, rest-of-line values, '#' comments). */
int apsim__command_run_line(struct apsim_sim *sim, const char *line, bool json, FILE *out,
			    FILE *err, const char *where);

/*
 * Splits a command line into words: whitespace separates, a word starting with '#' ends the
 * line; 'write PATH VALUE' and 'expect read PATH TEXT' keep VALUE/TEXT (the rest of the line,
 * trailing whitespace dropped) as one word, and 'expect fail ERRNO' splits the rest as a
 * command line. *ret_argv is one allocation (free() it). 0 words is valid. -ENOMEM.
 */
int apsim__command_split(const char *line, int *ret_argc, char ***ret_argv);

/* C escapes \n \t \r \\ \" \' \0 \xHH into bytes; -EINVAL on a bad escape. *ret malloc'ed. */
int apsim__unescape(const char *s, char **ret, size_t *ret_len);
/* Bytes into a printable string with C escapes, quoted ("..."), into f. */
void apsim__print_escaped(FILE *f, const char *buf, size_t len);
/* errno name <-> number ("EINVAL"); NULL / -EINVAL if unknown. */
const char *apsim__errno_name(int errnum);
int apsim__errno_from_name(const char *name, int *ret);

/*
 * scenario.c: run a scenario file / buffer (lock held), each line through run_line (the
 * command interpreter's apsim__command_run_line: passed in, so that the scenario reader does
 * not call up into the commands that call it). name is used in messages.
 */
typedef int (*apsim__line_runner)(struct apsim_sim *sim, const char *line, bool json, FILE *out,
				  FILE *err, const char *where);
int apsim__scenario_run_file(struct apsim_sim *sim, const char *path, bool json, FILE *out,
			     FILE *err, apsim__line_runner run_line);
int apsim__scenario_run_buffer(struct apsim_sim *sim, const char *name, const char *buf, size_t len,
			       bool json, FILE *out, FILE *err, apsim__line_runner run_line);
/*
 * Reads the '#@ OPTIONS' first line of a scenario file, if any, into opts (starting from
 * *opts as given). Option words: --machine FILE|empty, --policy P, --quirks mainline,
 * --check-invariants. A relative --machine path is taken relative to the file's directory;
 * the string is stored in *ret_machine_buf (free() it). Returns 1 if such a line was found,
 * 0 if not, -errno (with a message on err) on a bad line.
 */
int apsim__scenario_read_options(const char *path, struct apsim_sim_options *opts,
				 char **ret_machine_buf, FILE *err);

#endif
