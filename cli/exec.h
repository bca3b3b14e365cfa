/* SPDX-License-Identifier: MIT */
#ifndef APSIM_CLI_EXEC_H
#define APSIM_CLI_EXEC_H

/* `apsim --socket PATH exec ...`, argv after "exec": runs via the daemon; returns the exit code. */
int apsim_cli_exec(const char *socket_path, int argc, char **argv);

#endif
