/* SPDX-License-Identifier: MIT */
/*
 * exec-mount.h - tmpfs copies of host directories (cli/exec-mount.c), for cli/exec*.c.
 */
#ifndef APSIM_CLI_EXEC_MOUNT_H
#define APSIM_CLI_EXEC_MOUNT_H

/*
 * In the namespace: mounts a tmpfs named fsname on dir (created on the host if missing) with
 * the host's entries of dir, so that files can be added without hiding what is there.
 * -errno with a message on stderr.
 */
int apsim_exec_tmpfs_keep(const char *dir, const char *fsname);

#endif
