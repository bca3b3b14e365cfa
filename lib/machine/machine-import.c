/* SPDX-License-Identifier: MIT */
/*
 * machine-import.c - a machine description (docs/machine.md) from a copy of a real system's
 * /sys: the files an admin gets with `tar -C /sys -c bus/ap devices/ap` or a support bundle.
 *
 *   bus/ap/ap_adapter_mask, ap_usage_domain_mask, ap_control_domain_mask   lpar (spec 2.2)
 *   bus/ap/ap_max_adapter_id, ap_max_domain_id                             limits
 *   bus/ap/features (newer kernels; else the empty machine's flags)        flags
 *   devices/ap/cardXX/{type, raw_hwtype, depth, ap_functions, serialnr,
 *                      max_msg_size, config, chkstop}                       cards (spec 2.3)
 *
 * ap_functions has the APXA bit TAPQ adds itself when QCI has APXA (spec 1.5): it is taken out
 * again so that the imported machine reads the same. The description is checked by loading
 * it (machine-json.c) before it is returned. What a machine cannot hold (the host's apmask
 * and aqmask, the state of each queue) is not imported.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "apsim/machine.h"
#include "machine/machine-json-internal.h"

#define APXA_BIT 0x02000000u /* TAPQ GR2 facility bit of APXA */
#define DEFAULT_MAX_MSG_SIZE (12 * 1024)

struct importer {
	char root[4096];
	char *msg;
	size_t msg_len;
};

static int fail(struct importer *im, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct importer *im, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (im->msg && im->msg_len)
		vsnprintf(im->msg, im->msg_len, fmt, ap);
	va_end(ap);
	return r;
}

/* ROOT/rel, at most len - 1 bytes, one trailing newline dropped; -errno with a message */
static int read_file(struct importer *im, const char *rel, char *buf, size_t len, bool required)
{
	char path[4200];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", im->root, rel);
	f = fopen(path, "r");
	if (!f)
		return required ? fail(im, -errno, "%s: %s (a copy of /sys/%s is needed)", path,
				       strerror(errno), rel) : -errno;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

static int read_uint(struct importer *im, const char *rel, unsigned long *ret, bool required)
{
	char buf[64], *end;
	int r = read_file(im, rel, buf, sizeof(buf), required);

	if (r < 0)
		return r;
	errno = 0;
	*ret = strtoul(buf, &end, 0);
	if (errno || end == buf || *end)
		return fail(im, -EINVAL, "%s/%s: '%.32s' is not a number", im->root, rel, buf);
	return 0;
}

/* a 256-bit mask file ("0x" + 64 hex digits) as an id list array */
static int read_mask(struct importer *im, const char *rel, json_t *lpar, const char *key)
{
	struct apsim_mask m;
	char buf[128];
	json_t *arr;
	int r = read_file(im, rel, buf, sizeof(buf), true);

	if (r < 0)
		return r;
	if (apsim_mask_parse_hex(buf, strlen(buf), &m) < 0)
		return fail(im, -EINVAL, "%s/%s: '%.70s' is not a mask (expected 0x and 64 hex digits)",
			    im->root, rel, buf);
	arr = json_array();
	for (int i = apsim_mask_next(&m, 0); arr && i >= 0; i = apsim_mask_next(&m, (unsigned) i + 1))
		json_array_append_new(arr, json_integer(i));
	if (!arr || json_object_set_new(lpar, key, arr) < 0)
		return fail(im, -ENOMEM, "out of memory");
	return 0;
}

static int import_flags(struct importer *im, json_t *root)
{
	char buf[256], *save = NULL;
	json_t *flags;

	if (read_file(im, "bus/ap/features", buf, sizeof(buf), false) < 0)
		return 0; /* older kernels: the empty machine's flags */
	flags = json_array();
	if (!flags)
		return fail(im, -ENOMEM, "out of memory");
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (!strcmp(w, "APSC") || !strcmp(w, "APXA") || !strcmp(w, "QACT") ||
		    !strcmp(w, "RC8A") || !strcmp(w, "APSB"))
			json_array_append_new(flags, json_string(w));
	return json_object_set_new(root, "flags", flags) < 0 ? fail(im, -ENOMEM, "out of memory") : 0;
}

static int import_card(struct importer *im, unsigned apid, bool apxa, json_t *cards)
{
	char rel[64], type[32], serial[64], hex[16];
	unsigned long raw, depth, functions, max_msg, config, chkstop;
	json_t *card;
	int r;

#define CARD_FILE(name) (snprintf(rel, sizeof(rel), "devices/ap/card%02x/%s", apid, name), rel)
	r = read_file(im, CARD_FILE("type"), type, sizeof(type), true);
	if (r == 0)
		r = read_uint(im, CARD_FILE("raw_hwtype"), &raw, true);
	if (r == 0)
		r = read_uint(im, CARD_FILE("depth"), &depth, true);
	if (r == 0)
		r = read_uint(im, CARD_FILE("ap_functions"), &functions, true);
	if (r == 0)
		r = read_uint(im, CARD_FILE("max_msg_size"), &max_msg, true);
	if (r == 0)
		r = read_uint(im, CARD_FILE("config"), &config, true);
	if (r == 0)
		r = read_uint(im, CARD_FILE("chkstop"), &chkstop, true);
	if (r == 0 && read_file(im, CARD_FILE("serialnr"), serial, sizeof(serial), false) < 0)
		serial[0] = '\0';
#undef CARD_FILE
	if (r < 0)
		return r;
	if (apxa)
		functions &= ~(unsigned long) APXA_BIT;
	snprintf(hex, sizeof(hex), "0x%08lx", functions);
	card = json_pack("{s:i, s:s, s:i, s:s, s:i, s:s, s:b, s:b}", "apid", (int) apid, "type", type,
			 "depth", (int) depth, "functions", hex, "ml",
			 max_msg == DEFAULT_MAX_MSG_SIZE ? 0 : (int) (max_msg / 4096), "serial", serial,
			 "checkstop", chkstop != 0, "config", config != 0);
	/* the raw type only where it is not the type's own (CEX4 is 10 ... CEX8 is 14) */
	if (card && strlen(type) == 5 && type[3] - '0' + 6 != (int) raw)
		json_object_set_new(card, "raw_type", json_integer((json_int_t) raw));
	if (!card || json_array_append_new(cards, card) < 0)
		return fail(im, -ENOMEM, "out of memory");
	return 0;
}

static int import_cards(struct importer *im, json_t *root, bool apxa)
{
	char path[4200];
	struct dirent **names;
	json_t *cards = json_array();
	int n, r = 0;

	if (!cards || json_object_set_new(root, "cards", cards) < 0)
		return fail(im, -ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "%s/devices/ap", im->root);
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0)
		return fail(im, -errno, "%s: %s (a copy of /sys/devices/ap is needed)", path,
			    strerror(errno));
	for (int i = 0; i < n; i++) {
		unsigned apid;
		char tail;

		if (r == 0 && sscanf(names[i]->d_name, "card%2x%c", &apid, &tail) == 1 &&
		    strlen(names[i]->d_name) == 6)
			r = import_card(im, apid, apxa, cards);
		free(names[i]);
	}
	free(names);
	return r;
}

int apsim__machine_import(const char *dir, json_t **ret, char *msg, size_t msg_len)
{
	struct importer im = { .msg = msg, .msg_len = msg_len };
	unsigned long max_a, max_d;
	json_t *root, *lpar, *flags;
	struct apsim_machine *check;
	struct stat st;
	bool apxa = true;
	int r;

	/* the copy of /sys itself, or a directory holding one as sys/ */
	snprintf(im.root, sizeof(im.root), "%s/sys/bus/ap", dir);
	snprintf(im.root, sizeof(im.root), "%s%s", dir, stat(im.root, &st) == 0 ? "/sys" : "");
	root = json_object();
	lpar = json_object();
	if (!root || !lpar || json_object_set_new(root, "lpar", lpar) < 0) {
		json_decref(root);
		return fail(&im, -ENOMEM, "out of memory");
	}
	r = read_mask(&im, "bus/ap/ap_adapter_mask", lpar, "adapters");
	if (r == 0)
		r = read_mask(&im, "bus/ap/ap_usage_domain_mask", lpar, "domains");
	if (r == 0)
		r = read_mask(&im, "bus/ap/ap_control_domain_mask", lpar, "control_domains");
	if (r == 0)
		r = read_uint(&im, "bus/ap/ap_max_adapter_id", &max_a, true);
	if (r == 0)
		r = read_uint(&im, "bus/ap/ap_max_domain_id", &max_d, true);
	if (r == 0 && (max_a > 255 || max_d > 255))
		r = fail(&im, -EINVAL, "%s/bus/ap: ap_max_adapter_id %lu or ap_max_domain_id %lu above 255",
			 im.root, max_a, max_d);
	if (r == 0)
		r = import_flags(&im, root);
	if (r == 0) {
		json_object_set_new(root, "max_adapter_id", json_integer((json_int_t) max_a));
		json_object_set_new(root, "max_domain_id", json_integer((json_int_t) max_d));
		flags = json_object_get(root, "flags");
		if (flags) {
			size_t i;
			json_t *f;

			apxa = false;
			json_array_foreach(flags, i, f)
				apxa |= strcmp(json_string_value(f), "APXA") == 0;
		}
		r = import_cards(&im, root, apxa);
	}
	if (r == 0) {
		/* what comes out must load: a file that is there but holds nonsense is named */
		r = apsim__machine_json_load(root, dir, &check, msg, msg_len);
		if (r == 0)
			apsim_machine_free(check);
	}
	if (r < 0) {
		json_decref(root);
		return r;
	}
	*ret = root;
	return 0;
}
