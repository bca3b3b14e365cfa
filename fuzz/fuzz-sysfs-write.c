/* SPDX-License-Identifier: MIT */
/*
 * fuzz-sysfs-write.c - libFuzzer target (style 4.14): arbitrary bytes written to every
 * writable attribute of a small AP bus (bus/ap, devices/ap and the driver dirs), with the
 * bus's invariants checked after every write.
 *
 * Each input builds a fresh system: an empty machine with a CEX8C in adapter 1 and a CEX7A
 * in adapter 2, domains 0, 3 and 5 configured, the zcrypt drivers and a non-default test
 * driver ("fuzzdrv", in use for adapter 2), one initial scan. The input is then one of:
 *
 *  - text (first byte '/' or '!'): lines "PATH VALUE" (PATH relative to the tree root, VALUE
 *    up to the end of the line with \n, \t, \\ and \xHH escapes), "!scan" and "!tick" (30 s
 *    of virtual time);
 *  - binary: records [selector][length][length bytes]; the selector picks one of the
 *    writable attributes currently in the tree (modulo their number), selector 0xff runs a
 *    scan instead, 0xfe advances the clock by 30 s.
 *
 * Invariants: every readable attribute reads without error (but -EIO from a queue's
 * ap_functions) and within a page; bindings matches the devices and their driver links;
 * every device has its bus/ap/devices link, a bound one its two driver links; a bound
 * queue's driver agrees with apmask x aqmask; the masks read back as the bus holds them;
 * ap_domain, config_time and poll_timeout stay in their ranges.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apsim/apsim.h"
#include "bus/bus-internal.h"
#include "fuzz-check.h"

#define MAX_RECORDS 64
#define MAX_ATTRS 512
#define PATH_LEN 160

struct sys {
	struct apsim_machine *m;
	struct apsim_clock *clock;
	struct apsim_tree *tree;
	struct apsim_uevent_log *log;
	struct apsim_bus *bus;
	struct apsim_zcrypt *zc;
	struct apsim_driver fuzzdrv;
	char paths[MAX_ATTRS][PATH_LEN];
	bool writable[MAX_ATTRS];
	bool readable[MAX_ATTRS];
	unsigned n_paths;
};

/* --- the non-default test driver --- */

static const struct apsim_device_id fuzz_ids[] = {
	{ .match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX8 },
	{ .match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX7 },
	{ 0 },
};

static int fuzz_probe(struct apsim_device *dev)
{
	return 0;
}

static void fuzz_remove(struct apsim_device *dev)
{
}

/* adapter 2 is "assigned": taking it back for the default drivers is refused */
static int fuzz_in_use(struct apsim_driver *drv, const struct apsim_mask *apm,
		       const struct apsim_mask *aqm)
{
	return apsim_mask_test(apm, 2) && !apsim_mask_empty(aqm);
}

/* --- system --- */

static void sys_build(struct sys *s)
{
	struct apsim_card_spec spec;
	struct apsim_mask m;

	memset(s, 0, sizeof(*s));
	CHECK(apsim_machine_new_empty(&s->m) == 0);
	apsim_machine_set_notify(s->m, false);
	CHECK(apsim_card_type_parse("CEX8C", &spec) == 0);
	CHECK(apsim_machine_card_add(s->m, 1, &spec) == 0);
	CHECK(apsim_card_type_parse("CEX7A", &spec) == 0);
	CHECK(apsim_machine_card_add(s->m, 2, &spec) == 0);
	CHECK(apsim_mask_parse_list("1,2", &m) == 0);
	CHECK(apsim_machine_lpar_change(s->m, APSIM_LPAR_ADAPTER, true, &m) == 0);
	CHECK(apsim_mask_parse_list("0,3,5", &m) == 0);
	CHECK(apsim_machine_lpar_change(s->m, APSIM_LPAR_DOMAIN, true, &m) == 0);
	CHECK(apsim_machine_lpar_change(s->m, APSIM_LPAR_CONTROL_DOMAIN, true, &m) == 0);

	CHECK(apsim_clock_new_virtual(&s->clock) == 0);
	CHECK(apsim_tree_new(&s->tree) == 0);
	CHECK(apsim_uevent_log_new(&s->log) == 0);
	struct apsim_bus_config cfg = {
		.name = "fuzz",
		.ops = apsim_machine_ap_ops(),
		.ops_ctx = s->m,
		.tree = s->tree,
		.uevents = s->log,
		.clock = s->clock,
		.aqmask_param = "+0,+3",    /* domain 5 is left to fuzzdrv */
		.domain_param = -1,
	};
	CHECK(apsim_bus_new(&cfg, &s->bus) == 0);
	CHECK(apsim__zcrypt_new(s->bus, &s->zc) == 0);
	s->fuzzdrv = (struct apsim_driver) {
		.name = "fuzzdrv",
		.ids = fuzz_ids,
		.probe = fuzz_probe,
		.remove = fuzz_remove,
		.in_use = fuzz_in_use,
	};
	CHECK(apsim_bus_driver_register(s->bus, &s->fuzzdrv) == 0);
	CHECK(apsim_bus_scan(s->bus) >= 0);
}

static void sys_free(struct sys *s)
{
	apsim_bus_driver_unregister(&s->fuzzdrv);
	apsim__zcrypt_free(s->zc);
	apsim_bus_free(s->bus);
	apsim_uevent_log_free(s->log);
	apsim_tree_free(s->tree);
	apsim_clock_free(s->clock);
	apsim_machine_free(s->m);
}

/* --- attribute list --- */

/* The directories still to walk: a stack shared by every walk (one walk at a time), so that
 * listing the tree after each write allocates nothing. */
#define MAX_DIRS 256

struct walk {
	struct sys *s;
	const char *dir;
	char (*stack)[PATH_LEN];
	unsigned *n_stack;
};

static char dir_stack[MAX_DIRS][PATH_LEN];

static int walk_entry(const struct apsim_dirent *ent, void *ctx)
{
	struct walk *w = ctx;
	struct apsim_node_info info;
	char path[PATH_LEN];

	snprintf(path, sizeof(path), "%s/%s", w->dir, ent->name);
	if (ent->type == APSIM_NODE_DIR) {
		if (*w->n_stack < MAX_DIRS)
			snprintf(w->stack[(*w->n_stack)++], PATH_LEN, "%s", path);
	} else if (ent->type == APSIM_NODE_ATTR && w->s->n_paths < MAX_ATTRS) {
		CHECK(apsim_tree_lookup(w->s->tree, path, &info) == 0);
		snprintf(w->s->paths[w->s->n_paths], PATH_LEN, "%s", path);
		w->s->writable[w->s->n_paths] = (info.mode & 0222) != 0;
		w->s->readable[w->s->n_paths] = (info.mode & 0444) != 0;
		w->s->n_paths++;
	}
	return 0;
}

/* every attribute below dir, not following links (depth first, a directory's own attributes
 * before those of its subdirectories) */
static void walk_dir(struct sys *s, const char *dir)
{
	unsigned n_stack = 1;
	char cur[PATH_LEN];
	struct walk w = {.s = s, .dir = cur, .stack = dir_stack, .n_stack = &n_stack};

	snprintf(dir_stack[0], PATH_LEN, "%s", dir);
	while (n_stack > 0) {
		unsigned first;

		memcpy(cur, dir_stack[--n_stack], PATH_LEN);
		first = n_stack;
		CHECK(apsim_tree_readdir(s->tree, cur, walk_entry, &w) == 0);
		/* the subdirectories in readdir order, as the recursive walk took them */
		for (unsigned i = first, j = n_stack; i + 1 < j; i++, j--) {
			char tmp[PATH_LEN];

			memcpy(tmp, dir_stack[i], PATH_LEN);
			memcpy(dir_stack[i], dir_stack[j - 1], PATH_LEN);
			memcpy(dir_stack[j - 1], tmp, PATH_LEN);
		}
	}
}

static void collect(struct sys *s)
{
	s->n_paths = 0;
	walk_dir(s, "bus/ap");
	walk_dir(s, "devices/ap");
}

/* --- invariants --- */

static bool is_link(struct sys *s, const char *path)
{
	struct apsim_node_info info;

	return apsim_tree_lookup(s->tree, path, &info) == 0 && info.type == APSIM_NODE_LINK;
}

static void check_device(struct sys *s, struct apsim_device *dev, const char *dir,
			 unsigned *n_queues, unsigned *n_bound)
{
	char path[PATH_LEN], target[PATH_LEN];
	struct apsim_driver *drv = apsim_device_get_driver(dev);

	snprintf(path, sizeof(path), "bus/ap/devices/%s", apsim_device_get_name(dev));
	CHECK(is_link(s, path));
	snprintf(path, sizeof(path), "%s/subsystem", dir);
	CHECK(is_link(s, path));
	snprintf(path, sizeof(path), "%s/driver", dir);
	CHECK(is_link(s, path) == (drv != NULL));
	if (drv) {
		snprintf(target, sizeof(target), "bus/ap/drivers/%s/%s", drv->name,
			 apsim_device_get_name(dev));
		CHECK(is_link(s, target));
	}
	if (!apsim_device_is_card(dev)) {
		unsigned qid = apsim_device_get_qid(dev);
		bool reserved = apsim_bus_apqn_reserved(s->bus, APSIM_QID_CARD(qid),
							APSIM_QID_QUEUE(qid));

		(*n_queues)++;
		if (drv) {
			(*n_bound)++;
			CHECK(reserved == ((drv->flags & APSIM_DRIVER_FLAG_DEFAULT) != 0));
		}
	}
}

static void check_invariants(struct sys *s)
{
	static char buf[APSIM_SYSFS_PAGE + 1];
	char want[APSIM_MASK_STRLEN + 16], path[32];
	struct apsim_mask m;
	unsigned n_queues = 0, n_bound = 0;

	collect(s);
	for (unsigned i = 0; i < s->n_paths; i++) {
		ssize_t n;

		/* walk_entry() looked the attribute up a moment ago */
		if (!s->readable[i])
			continue;
		n = apsim_tree_read(s->tree, s->paths[i], buf, APSIM_SYSFS_PAGE);
		if (n == -EIO) {
			size_t l = strlen(s->paths[i]);

			CHECK(l > 13 && strcmp(s->paths[i] + l - 13, "/ap_functions") == 0);
			continue;
		}
		CHECK(n >= 0 && n < APSIM_SYSFS_PAGE);
	}

	for (unsigned ap = 0; ap < 256; ap++) {
		struct apsim_device *card = apsim_bus_find_card(s->bus, ap);

		if (!card)
			continue;
		snprintf(path, sizeof(path), "devices/ap/card%02x", ap);
		check_device(s, card, path, &n_queues, &n_bound);
		for (unsigned dom = 0; dom < 256; dom++) {
			struct apsim_device *q = apsim_bus_find_queue(s->bus, APSIM_QID(ap, dom));
			char qpath[PATH_LEN];

			if (!q)
				continue;
			snprintf(qpath, sizeof(qpath), "%s/%02x.%04x", path, ap, dom);
			check_device(s, q, qpath, &n_queues, &n_bound);
		}
	}
	snprintf(want, sizeof(want), "%u/%u", n_bound, n_queues);
	CHECK(apsim_tree_read(s->tree, "bus/ap/bindings", buf, APSIM_SYSFS_PAGE) > 0);
	CHECK(strncmp(buf, want, strlen(want)) == 0);
	CHECK(buf[strlen(want)] == '\n' || buf[strlen(want)] == ' ');

	CHECK(apsim_tree_read(s->tree, "bus/ap/apmask", buf, APSIM_SYSFS_PAGE) == 67);
	apsim_bus_get_apmask(s->bus, &m);
	CHECK(apsim_mask_format(&m, want, sizeof(want)) == 67 && memcmp(buf, want, 67) == 0);
	CHECK(apsim_tree_read(s->tree, "bus/ap/aqmask", buf, APSIM_SYSFS_PAGE) == 67);
	apsim_bus_get_aqmask(s->bus, &m);
	CHECK(apsim_mask_format(&m, want, sizeof(want)) == 67 && memcmp(buf, want, 67) == 0);

	CHECK(s->bus->domain_index >= -1 && s->bus->domain_index <= s->bus->max_domain_id);
	CHECK(s->bus->config_time >= 5 && s->bus->config_time <= 120);
	CHECK(s->bus->poll_timeout <= 120000000000UL);
	CHECK(s->bus->n_queues == n_queues && s->bus->n_bound_queues == n_bound);
}

/* --- one step --- */

static void do_write(struct sys *s, const char *path, const uint8_t *val, size_t len)
{
	ssize_t r = apsim_tree_write(s->tree, path, (const char *) val, len);

	/* a store answers the byte count or a negative errno, never more */
	CHECK(r <= (ssize_t) len);
	CHECK(r >= -4095);
	check_invariants(s);
}

static void do_scan(struct sys *s)
{
	CHECK(apsim_bus_scan(s->bus) >= 0);
	check_invariants(s);
}

static void do_tick(struct sys *s)
{
	CHECK(apsim_clock_advance(s->clock, 30 * APSIM_NSEC_PER_SEC) == 0);
	check_invariants(s);
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void run_text(struct sys *s, const uint8_t *data, size_t size)
{
	size_t pos = 0;
	unsigned records = 0;

	while (pos < size && records++ < MAX_RECORDS) {
		size_t end = pos, sp;
		char path[PATH_LEN];
		uint8_t val[APSIM_SYSFS_PAGE];
		size_t vlen = 0;

		while (end < size && data[end] != '\n')
			end++;
		if (end - pos == 5 && memcmp(data + pos, "!scan", 5) == 0) {
			do_scan(s);
		} else if (end - pos == 5 && memcmp(data + pos, "!tick", 5) == 0) {
			do_tick(s);
		} else {
			for (sp = pos; sp < end && data[sp] != ' '; sp++)
				;
			if (sp - pos > 0 && sp - pos < PATH_LEN) {
				memcpy(path, data + pos, sp - pos);
				path[sp - pos] = '\0';
				for (size_t i = sp + 1; i < end && vlen < sizeof(val); i++) {
					uint8_t c = data[i];

					if (c == '\\' && i + 1 < end) {
						uint8_t e = data[++i];

						if (e == 'n')
							c = '\n';
						else if (e == 't')
							c = '\t';
						else if (e == 'x' && i + 2 < end && hexval(data[i + 1]) >= 0 &&
							 hexval(data[i + 2]) >= 0) {
							c = (uint8_t) (hexval(data[i + 1]) * 16 + hexval(data[i + 2]));
							i += 2;
						} else {
							c = e;
						}
					}
					val[vlen++] = c;
				}
				do_write(s, path[0] == '/' ? path + 1 : path, val, vlen);
			}
		}
		pos = end + 1;
	}
}

static void run_binary(struct sys *s, const uint8_t *data, size_t size)
{
	size_t pos = 0;
	unsigned records = 0;

	while (pos + 2 <= size && records++ < MAX_RECORDS) {
		uint8_t sel = data[pos], len = data[pos + 1];
		unsigned n_writable = 0, k;

		pos += 2;
		if (len > size - pos)
			len = (uint8_t) (size - pos);
		if (sel == 0xff) {
			do_scan(s);
			pos += len;
			continue;
		}
		if (sel == 0xfe) {
			do_tick(s);
			pos += len;
			continue;
		}
		/* the tree as check_invariants() listed it after the previous step */
		for (unsigned i = 0; i < s->n_paths; i++)
			n_writable += s->writable[i];
		if (n_writable) {
			k = sel % n_writable;
			for (unsigned i = 0; i < s->n_paths; i++) {
				if (!s->writable[i])
					continue;
				if (k-- == 0) {
					char path[PATH_LEN];

					memcpy(path, s->paths[i], PATH_LEN);
					do_write(s, path, data + pos, len);
					break;
				}
			}
		}
		pos += len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sys *s = malloc(sizeof(*s));

	if (!s)
		return 0;
	sys_build(s);
	check_invariants(s);
	if (size && (data[0] == '/' || data[0] == '!'))
		run_text(s, data, size);
	else
		run_binary(s, data, size);
	sys_free(s);
	free(s);
	return 0;
}
