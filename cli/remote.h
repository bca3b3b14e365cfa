/* SPDX-License-Identifier: MIT */
#ifndef APSIM_CLI_REMOTE_H
#define APSIM_CLI_REMOTE_H

#include <stdbool.h>

/* Sends argv to the daemon at socket_path and prints its output; returns the exit code. */
int apsim_cli_remote(const char *socket_path, int argc, char **argv, bool json);

#endif
