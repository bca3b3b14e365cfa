/* SPDX-License-Identifier: MIT */
/*
 * exec-modprobe.h - the modprobe of `apsim exec` (cli/exec-modprobe.c), used by cli/exec.c.
 */
#ifndef APSIM_CLI_EXEC_MODPROBE_H
#define APSIM_CLI_EXEC_MODPROBE_H

/* In the namespace: installs the script (see the .c). -errno with a message on stderr. */
int apsim_exec_modprobe_setup(void);

#endif
