/* SPDX-License-Identifier: MIT */
/*
 * Machine descriptions as JSON (docs/machine.md): the --machine FILE of the CLI and the
 * daemon's persisted machine. Loading validates strictly; every error names the source, the
 * JSON path (e.g. "cards[2].type") and what was expected.
 */
#ifndef APSIM_MACHINE_JSON_INTERNAL_H
#define APSIM_MACHINE_JSON_INTERNAL_H

#include <stddef.h>

#include <jansson.h>

#include "apsim/mask.h"

struct apsim_machine;

/*
 * Builds a new machine from a parsed description. source names it in messages ("m.json").
 * On error returns -EINVAL (bad description) or -ENOMEM and writes one line (no newline)
 * into msg, e.g. "m.json: cards[2].type: unknown card type 'CEX9X' (expected CEX4A..CEX8P)".
 */
int apsim__machine_json_load(json_t *root, const char *source, struct apsim_machine **ret,
			     char *msg, size_t msg_len);
/* Same from a file; JSON syntax errors read "FILE:LINE:COLUMN: <jansson's text>". -errno. */
int apsim__machine_json_load_file(const char *path, struct apsim_machine **ret, char *msg,
				  size_t msg_len);
/* Same from a buffer (need not be NUL-terminated). */
int apsim__machine_json_load_buffer(const char *buf, size_t len, const char *source,
				    struct apsim_machine **ret, char *msg, size_t msg_len);

/* The machine as a new JSON object (a new reference in *ret) that load accepts. -ENOMEM. */
int apsim__machine_json_save(const struct apsim_machine *m, json_t **ret);

/* "0,3-5,10" for a mask (ascending, ranges of 3 or more ids joined), "" when empty. buf must
 * hold 1024 bytes. */
void apsim__mask_format_list(const struct apsim_mask *m, char *buf, size_t len);

/* machine-import.c: a description from a copy of a real system's /sys (DIR, or DIR/sys):
 * bus/ap's configuration masks, limits and features, devices/ap's cards. -errno with a
 * message naming the file that is missing or wrong. */
int apsim__machine_import(const char *dir, json_t **ret, char *msg, size_t msg_len);

#endif
