/* SPDX-License-Identifier: MIT */
/*
 * exec-dev.h - the /dev of `apsim exec` (cli/exec-dev.c), used by cli/exec.c only.
 */
#ifndef APSIM_CLI_EXEC_DEV_H
#define APSIM_CLI_EXEC_DEV_H

struct apsim_exec_dev;

/*
 * Before the namespace is made: with a socket_path, connects to the daemon and follows its
 * uevents synchronously (the daemon has registered us when this returns); NULL follows
 * nothing (a guest's view). -errno with a message on stderr.
 */
int apsim_exec_dev_new(const char *socket_path, struct apsim_exec_dev **ret);
/* Closes the stream. NULL-safe. */
void apsim_exec_dev_free(struct apsim_exec_dev *dev);

/*
 * In the namespace, /sys already the tree: a tmpfs on /dev with the host's entries and a
 * node for every device of /sys that has one. -errno with a message on stderr.
 */
int apsim_exec_dev_setup(struct apsim_exec_dev *dev);

/* The descriptor to poll for events, -1 when nothing is followed (any more). */
int apsim_exec_dev_fd(const struct apsim_exec_dev *dev);
/* The descriptor is readable: applies what came and acknowledges it. Never fails: a broken
 * stream ends the following, with one warning. */
void apsim_exec_dev_process(struct apsim_exec_dev *dev);

#endif
