/* SPDX-License-Identifier: MIT */
/*
 * The command interpreter's insides, shared by lib/script/command.c (the one command table and
 * dispatch), cmd-util.c (messages, argument parsing) and the files of each command group
 * (cmd-*.c). Every
 * command runs with the simulator lock held and reaches the model only through the facade
 * (sim-internal.h) and the layers below it.
 */
#ifndef APSIM_COMMAND_INTERNAL_H
#define APSIM_COMMAND_INTERNAL_H

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "apsim/apsim.h"
#include "bus/bus-internal.h"
#include "kvm/guest-internal.h"
#include "machine/machine-json-internal.h"
#include "sim/sim-internal.h"
#include "vfio_ap/vfio_ap-internal.h"
#include "script/script-internal.h"

#define CMD_CHANGES 0x1u /* changes the model: on_change hook afterwards */
#define CMD_JSON    0x2u /* accepts --json among its arguments */

struct ctx {
	struct apsim_sim *sim;
	bool json;
	FILE *out;
	FILE *err;
	const char *where;
	const char *name; /* the command's name, e.g. "machine card add" */
	/* set by command.c, so that `expect fail` and `run` run commands without calling up */
	int (*dispatch)(struct ctx *c, int argc, char **argv);
	apsim__line_runner run_line;
};

struct command {
	const char *name;
	const char *args;
	const char *help;
	int min_args;
	int max_args; /* -1: any */
	unsigned flags;
	int (*fn)(struct ctx *c, int argc, char **argv);
};

struct ls_state {
	struct apsim_tree *tree;
	const char *dir;
	FILE *out;
	json_t *array;
	bool text_one_line; /* "a/ b@ c" instead of one per line */
	bool first;
	int error;
};

struct kv {
	const char *key;
	size_t key_len;
	char *value; /* unescaped */
};

/* messages (cmd-util.c) */
void apsim__cmd_vmsg(struct ctx *c, const char *fmt, va_list ap);
int apsim__cmd_usage_error(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int apsim__cmd_fail(struct ctx *c, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int apsim__cmd_fail_errno(struct ctx *c, int r);

/* argument parsing (cmd-util.c) */
int apsim__cmd_parse_ulong(const char *s, unsigned long max, unsigned long *ret);
int apsim__cmd_parse_long(const char *s, long *ret);
int apsim__cmd_parse_on_off(struct ctx *c, const char *s, bool *ret);
int apsim__cmd_parse_apid(struct ctx *c, const char *s, unsigned *ret);
int apsim__cmd_parse_apqn(struct ctx *c, const char *s, unsigned *ret);
const char *apsim__cmd_tree_path(const char *p);
char *apsim__cmd_join_args(int argc, char **argv, int from);
/* --json output: value (NULL: out of memory) indented with a newline, then freed */
int apsim__cmd_print_json(struct ctx *c, json_t *value);

/* the table and dispatch (command.c) */
int apsim__cmd_dispatch(struct ctx *c, int argc, char **argv);

/* lexer.c */
const char *apsim__cmd_errno_desc(int errnum, char *buf, size_t len);

/* cmd-machine.c: machine commands */
int apsim__cmd_machine_show(struct ctx *c, int argc, char **argv);
int apsim__cmd_machine_card_add(struct ctx *c, int argc, char **argv);
int apsim__cmd_machine_card_remove(struct ctx *c, int argc, char **argv);
int apsim__cmd_machine_card_checkstop(struct ctx *c, int argc, char **argv);
int apsim__cmd_machine_card_config(struct ctx *c, int argc, char **argv);
int apsim__cmd_machine_lpar_add(struct ctx *c, int argc, char **argv);
int apsim__cmd_machine_lpar_remove(struct ctx *c, int argc, char **argv);
int apsim__cmd_machine_notify(struct ctx *c, int argc, char **argv);
int apsim__cmd_machine_limits(struct ctx *c, int argc, char **argv);
int apsim__cmd_machine_qci(struct ctx *c, int argc, char **argv);
int apsim__cmd_machine_flags(struct ctx *c, int argc, char **argv);
int apsim__cmd_machine_queue_inject(struct ctx *c, int argc, char **argv);
int apsim__cmd_machine_import(struct ctx *c, int argc, char **argv);
int apsim__cmd_machine_fault_after_qci(struct ctx *c, int argc, char **argv);

/* cmd-tree.c: scan, sleep, read, write, ls, events, dump, run */
int apsim__cmd_scan(struct ctx *c, int argc, char **argv);
int apsim__cmd_sleep(struct ctx *c, int argc, char **argv);
int apsim__cmd_do_read(struct ctx *c, struct apsim_tree *tree, const char *path, const char *what);
int apsim__cmd_read(struct ctx *c, int argc, char **argv);
int apsim__cmd_do_write(struct ctx *c, struct apsim_tree *tree, int argc, char **argv,
			const char *what);
int apsim__cmd_write(struct ctx *c, int argc, char **argv);
int apsim__cmd_ls_entry(const struct apsim_dirent *ent, void *ctx);
int apsim__cmd_do_ls(struct ctx *c, struct apsim_tree *tree, const char *path, const char *what);
int apsim__cmd_ls(struct ctx *c, int argc, char **argv);
void apsim__cmd_print_events(struct ctx *c, struct apsim_uevent_log *log, size_t from);
int apsim__cmd_events(struct ctx *c, int argc, char **argv);
int apsim__cmd_events_mark(struct ctx *c, int argc, char **argv);
int apsim__cmd_dump(struct ctx *c, int argc, char **argv);
int apsim__cmd_run(struct ctx *c, int argc, char **argv);

/* cmd-expect.c: expectations */
int apsim__cmd_expect_failed(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *apsim__cmd_capture_text(void (*fn)(FILE *f, const void *a, const void *b), const void *a,
			  const void *b);
int apsim__cmd_expect_read(struct ctx *c, int argc, char **argv);
int apsim__cmd_expect_guest_read(struct ctx *c, int argc, char **argv);
int apsim__cmd_expect_fail(struct ctx *c, int argc, char **argv);
void apsim__cmd_free_kvs(struct kv *kvs, int n);
int apsim__cmd_parse_kvs(struct ctx *c, int argc, char **argv, struct kv **ret);
int apsim__cmd_expect_event(struct ctx *c, int argc, char **argv);
int apsim__cmd_expect_no_event(struct ctx *c, int argc, char **argv);
int apsim__cmd_expect_events_count(struct ctx *c, int argc, char **argv);
struct apsim_guest *apsim__cmd_find_guest(struct ctx *c, const char *name);
int apsim__cmd_expect_apcb_updates(struct ctx *c, int argc, char **argv);
int apsim__cmd_expect_invariants(struct ctx *c, int argc, char **argv);
int apsim__cmd_expect_exists(struct ctx *c, int argc, char **argv);
int apsim__cmd_expect_missing(struct ctx *c, int argc, char **argv);
int apsim__cmd_expect_link(struct ctx *c, int argc, char **argv);
int apsim__cmd_expect_ls(struct ctx *c, int argc, char **argv);

/* cmd-watch.c: watch drivers and their expectations */
int apsim__cmd_watch_add(struct ctx *c, int argc, char **argv);
int apsim__cmd_watch_show(struct ctx *c, int argc, char **argv);
int apsim__cmd_expect_call(struct ctx *c, int argc, char **argv);
int apsim__cmd_expect_calls(struct ctx *c, int argc, char **argv);

/* cmd-guest.c: guests */
int apsim__cmd_guest_start(struct ctx *c, int argc, char **argv);
int apsim__cmd_guest_stop(struct ctx *c, int argc, char **argv);
json_t *apsim__cmd_mask_json(const struct apsim_mask *m);
int apsim__cmd_guest_show(struct ctx *c, int argc, char **argv);
int apsim__cmd_guest_read(struct ctx *c, int argc, char **argv);
int apsim__cmd_guest_write(struct ctx *c, int argc, char **argv);
int apsim__cmd_guest_ls(struct ctx *c, int argc, char **argv);
int apsim__cmd_guest_events(struct ctx *c, int argc, char **argv);

/* cmd-mdev.c: mdevs */
int apsim__cmd_mdev_create(struct ctx *c, int argc, char **argv);
int apsim__cmd_mdev_remove(struct ctx *c, int argc, char **argv);
int apsim__cmd_mdev_list(struct ctx *c, int argc, char **argv);
int apsim__cmd_mdev_ioctl(struct ctx *c, int argc, char **argv);
int apsim__cmd_mdev_show(struct ctx *c, int argc, char **argv);
int apsim__cmd_expect_cfg_chg_signals(struct ctx *c, int argc, char **argv);

/* cmd-matrix.c: the AP matrix */
int apsim__cmd_matrix(struct ctx *c, int argc, char **argv);

#endif
