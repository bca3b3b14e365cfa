/* SPDX-License-Identifier: MIT */
/*
 * cmd-machine.c - the operator's commands: `machine show`, cards (add, remove, checkstop,
 * config), the LPAR's AP configuration, notify, limits, QCI and its flags, injected queue
 * response codes. They call the firmware model (lib/machine) only.
 */
#define _POSIX_C_SOURCE 200809L
#include "script/command-internal.h"

/* --- machine --- */

static const char *mode_name(enum apsim_card_mode mode)
{
	switch (mode) {
	case APSIM_MODE_ACCEL:
		return "accel";
	case APSIM_MODE_CCA:
		return "cca";
	case APSIM_MODE_EP11:
		return "ep11";
	}
	return "?";
}

static const struct {
	const char *name;
	uint32_t bit;
} qci_flag_names[] = {
    {"APSC", APSIM_QCI_APSC}, {"APXA", APSIM_QCI_APXA}, {"QACT", APSIM_QCI_QACT},
    {"RC8A", APSIM_QCI_RC8A}, {"APSB", APSIM_QCI_APSB},
};

static void print_list_line(struct ctx *c, const char *label, const struct apsim_mask *m)
{
	char list[1024];

	apsim__mask_format_list(m, list, sizeof(list));
	fprintf(c->out, "%-22s %s\n", label, list[0] ? list : "none");
}

int apsim__cmd_machine_show(struct ctx *c, int argc, char **argv)
{
	struct apsim_machine *m = c->sim->machine;
	struct apsim_mask mask;
	unsigned maxa, maxd;
	uint32_t flags;
	bool any = false;

	(void) argc;
	(void) argv;
	if (c->json) {
		json_t *root;
		int r = apsim__machine_json_save(m, &root);

		if (r < 0)
			return apsim__cmd_fail_errno(c, r);
		return apsim__cmd_print_json(c, root);
	}

	for (unsigned apid = 0; apid < APSIM_MASK_BITS; apid++) {
		const struct apsim_card_spec *spec = apsim_machine_card_get(m, apid);
		char type[16];

		if (!spec)
			continue;
		if (!any)
			fprintf(c->out, "APID TYPE   MODE  FUNCTIONS  DEPTH ML SERIAL           "
					"CHECKSTOP CONFIG\n");
		any = true;
		apsim_card_type_name(spec->raw_type, spec->mode, type, sizeof(type));
		fprintf(c->out, "%02x   %-6s %-5s 0x%08X %5u %2u %-16s %-9s %s\n", apid, type,
			mode_name(spec->mode), spec->functions, spec->depth, spec->ml,
			spec->serial[0] ? spec->serial : "-",
			apsim_machine_card_is_checkstopped(m, apid) ? "on" : "off",
			apsim_machine_card_is_configured(m, apid) ? "on" : "off");
	}
	if (!any)
		fprintf(c->out, "no adapters installed\n");
	apsim_machine_lpar_get(m, APSIM_LPAR_ADAPTER, &mask);
	print_list_line(c, "lpar adapters:", &mask);
	apsim_machine_lpar_get(m, APSIM_LPAR_DOMAIN, &mask);
	print_list_line(c, "lpar domains:", &mask);
	apsim_machine_lpar_get(m, APSIM_LPAR_CONTROL_DOMAIN, &mask);
	print_list_line(c, "lpar control-domains:", &mask);
	apsim_machine_get_limits(m, &maxa, &maxd);
	fprintf(c->out, "%-22s max_adapter_id %u, max_domain_id %u\n", "limits:", maxa, maxd);
	flags = apsim_machine_get_qci_flags(m);
	fprintf(c->out, "%-22s %s (flags",
		"qci:", apsim_machine_get_qci_available(m) ? "on" : "off");
	any = false;
	for (size_t i = 0; i < ARRAY_SIZE(qci_flag_names); i++) {
		if (flags & qci_flag_names[i].bit) {
			fprintf(c->out, " %s", qci_flag_names[i].name);
			any = true;
		}
	}
	fprintf(c->out, "%s)\n", any ? "" : " none");
	fprintf(c->out, "%-22s %s\n", "notify:", apsim_machine_get_notify(m) ? "on" : "off");
	return 0;
}

int apsim__cmd_machine_card_add(struct ctx *c, int argc, char **argv)
{
	struct apsim_card_spec spec;
	unsigned apid = 0;
	int r;

	r = apsim__cmd_parse_apid(c, argv[0], &apid);
	if (r < 0)
		return r;
	if (apsim_card_type_parse(argv[1], &spec) < 0)
		return apsim__cmd_usage_error(c, "%s: unknown card type '%s' (expected CEX4A..CEX8P)", c->name,
				   argv[1]);
	for (int i = 2; i < argc; i += 2) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long v;

		if (!val)
			return apsim__cmd_usage_error(c, "%s: option '%s' needs a value", c->name, opt);
		if (strcmp(opt, "--depth") == 0) {
			if (apsim__cmd_parse_ulong(val, 15, &v) < 0)
				return apsim__cmd_usage_error(c, "%s: bad depth '%s' (expected 0..15)",
						   c->name, val);
			spec.depth = (unsigned) v;
		} else if (strcmp(opt, "--functions") == 0) {
			char *end;
			const char *h = val;

			if (h[0] == '0' && (h[1] == 'x' || h[1] == 'X'))
				h += 2;
			errno = 0;
			v = strtoul(h, &end, 16);
			if (!*h || !isxdigit((unsigned char) *h) || *end || errno ||
			    v > 0xffffffffUL)
				return apsim__cmd_usage_error(c,
						   "%s: bad functions '%s' (expected a 32-bit hex "
						   "word, e.g. 0x92800000)",
						   c->name, val);
			spec.functions = (uint32_t) v;
		} else if (strcmp(opt, "--serial") == 0) {
			if (strlen(val) >= sizeof(spec.serial))
				return apsim__cmd_usage_error(
				    c, "%s: serial '%s' is too long (at most 16 characters)",
				    c->name, val);
			strcpy(spec.serial, val);
		} else if (strcmp(opt, "--ml") == 0) {
			if (apsim__cmd_parse_ulong(val, 15, &v) < 0)
				return apsim__cmd_usage_error(
				    c, "%s: bad ml '%s' (expected 0..15, units of 4 KiB)", c->name,
				    val);
			spec.ml = (unsigned) v;
		} else if (strcmp(opt, "--raw-type") == 0) {
			if (apsim__cmd_parse_ulong(val, 255, &v) < 0)
				return apsim__cmd_usage_error(c, "%s: bad raw type '%s' (expected 0..255)",
						   c->name, val);
			spec.raw_type = (uint8_t) v;
		} else {
			return apsim__cmd_usage_error(c,
					   "%s: unknown option '%s' (expected --depth, "
					   "--functions, --serial, --ml, --raw-type)",
					   c->name, opt);
		}
	}
	r = apsim_machine_card_add(c->sim->machine, apid, &spec);
	if (r == -EEXIST)
		return apsim__cmd_fail(c, r, "%s: adapter %u is already installed", c->name, apid);
	if (r < 0)
		return apsim__cmd_fail_errno(c, r);
	return 0;
}

static int no_card(struct ctx *c, int r, unsigned apid)
{
	if (r == -ENODEV)
		return apsim__cmd_fail(c, r, "%s: no adapter %u installed", c->name, apid);
	return apsim__cmd_fail_errno(c, r);
}

int apsim__cmd_machine_card_remove(struct ctx *c, int argc, char **argv)
{
	unsigned apid = 0;
	int r;

	(void) argc;
	r = apsim__cmd_parse_apid(c, argv[0], &apid);
	if (r < 0)
		return r;
	r = apsim_machine_card_remove(c->sim->machine, apid);
	return r < 0 ? no_card(c, r, apid) : 0;
}

/* "APID on|off" */
static int parse_apid_on_off(struct ctx *c, char **argv, unsigned *apid, bool *on)
{
	int r = apsim__cmd_parse_apid(c, argv[0], apid);

	return r < 0 ? r : apsim__cmd_parse_on_off(c, argv[1], on);
}

int apsim__cmd_machine_card_checkstop(struct ctx *c, int argc, char **argv)
{
	unsigned apid = 0;
	bool on = false;
	int r = parse_apid_on_off(c, argv, &apid, &on);

	if (r < 0)
		return r;
	r = apsim_machine_card_checkstop(c->sim->machine, apid, on);
	return r < 0 ? no_card(c, r, apid) : 0;
}

/* The SE-side configure: the same as writing the card's config attribute (spec 2.3). */
int apsim__cmd_machine_card_config(struct ctx *c, int argc, char **argv)
{
	unsigned apid = 0;
	bool on = false;
	int r;

	(void) argc;
	r = parse_apid_on_off(c, argv, &apid, &on);
	if (r < 0)
		return r;
	if (!apsim_machine_card_get(c->sim->machine, apid))
		return no_card(c, -ENODEV, apid);
	if (apsim_bus_find_card(c->sim->bus, apid)) {
		char path[64];
		ssize_t w;

		snprintf(path, sizeof(path), "devices/ap/card%02x/config", apid);
		w = apsim_tree_write(c->sim->tree, path, on ? "1" : "0", 1);
		if (w < 0)
			return apsim__cmd_fail(c, (int) w, "%s: write %s: %s", c->name, path,
				    strerror((int) -w));
		return 0;
	}
	r = apsim_machine_card_config(c->sim->machine, apid, on);
	return r < 0 ? no_card(c, r, apid) : 0;
}

static int cmd_machine_lpar(struct ctx *c, int argc, char **argv, bool add)
{
	enum apsim_lpar_set set;
	struct apsim_mask ids;
	int r;

	(void) argc;
	if (strcmp(argv[0], "adapter") == 0)
		set = APSIM_LPAR_ADAPTER;
	else if (strcmp(argv[0], "domain") == 0)
		set = APSIM_LPAR_DOMAIN;
	else if (strcmp(argv[0], "control-domain") == 0)
		set = APSIM_LPAR_CONTROL_DOMAIN;
	else
		return apsim__cmd_usage_error(
		    c, "%s: unknown set '%s' (expected adapter, domain or control-domain)", c->name,
		    argv[0]);
	if (apsim_mask_parse_list(argv[1], &ids) < 0)
		return apsim__cmd_usage_error(
		    c, "%s: bad id list '%s' (expected ids 0..255 such as 5, 0x0a, 3-7, 1,4,9)",
		    c->name, argv[1]);
	r = apsim_machine_lpar_change(c->sim->machine, set, add, &ids);
	return r < 0 ? apsim__cmd_fail_errno(c, r) : 0;
}

int apsim__cmd_machine_lpar_add(struct ctx *c, int argc, char **argv)
{
	return cmd_machine_lpar(c, argc, argv, true);
}

int apsim__cmd_machine_lpar_remove(struct ctx *c, int argc, char **argv)
{
	return cmd_machine_lpar(c, argc, argv, false);
}

/* "on|off" handed to one of the machine's switches */
static int machine_switch(struct ctx *c, const char *arg,
			  void (*set)(struct apsim_machine *m, bool on))
{
	bool on = false;
	int r = apsim__cmd_parse_on_off(c, arg, &on);

	if (r < 0)
		return r;
	set(c->sim->machine, on);
	return 0;
}

int apsim__cmd_machine_notify(struct ctx *c, int argc, char **argv)
{
	return machine_switch(c, argv[0], apsim_machine_set_notify);
}

int apsim__cmd_machine_limits(struct ctx *c, int argc, char **argv)
{
	unsigned long a, d;
	int r;

	(void) argc;
	if (apsim__cmd_parse_ulong(argv[0], 255, &a) < 0)
		return apsim__cmd_usage_error(c, "%s: bad max adapter id '%s' (expected 0..255)", c->name,
				   argv[0]);
	if (apsim__cmd_parse_ulong(argv[1], 255, &d) < 0)
		return apsim__cmd_usage_error(c, "%s: bad max domain id '%s' (expected 0..255)", c->name,
				   argv[1]);
	r = apsim_machine_set_limits(c->sim->machine, (unsigned) a, (unsigned) d);
	return r < 0 ? apsim__cmd_fail_errno(c, r) : 0;
}

int apsim__cmd_machine_qci(struct ctx *c, int argc, char **argv)
{
	return machine_switch(c, argv[0], apsim_machine_set_qci_available);
}

int apsim__cmd_machine_flags(struct ctx *c, int argc, char **argv)
{
	uint32_t flags = 0;
	const char *s = argv[0];

	(void) argc;
	if (s[0] == '0' && s[1] == 'x') {
		unsigned long v;
		char *end;

		errno = 0;
		v = strtoul(s + 2, &end, 16);
		if (!s[2] || *end || errno || v > 0xffffffffUL)
			return apsim__cmd_usage_error(
			    c, "%s: bad flags word '%s' (expected 32-bit hex, e.g. 0xf0000000)",
			    c->name, s);
		flags = (uint32_t) v;
	} else if (strcmp(s, "none") != 0) {
		while (*s) {
			size_t n = strcspn(s, ",");
			bool found = false;

			for (size_t i = 0; i < ARRAY_SIZE(qci_flag_names); i++) {
				if (strlen(qci_flag_names[i].name) == n &&
				    strncmp(s, qci_flag_names[i].name, n) == 0) {
					flags |= qci_flag_names[i].bit;
					found = true;
				}
			}
			if (!found)
				return apsim__cmd_usage_error(c,
						   "%s: unknown QCI flag '%.*s' (expected APSC, "
						   "APXA, QACT, RC8A, APSB, none or a hex word)",
						   c->name, (int) n, s);
			s += n;
			if (*s == ',')
				s++;
		}
	}
	apsim_machine_set_qci_flags(c->sim->machine, flags);
	return 0;
}

int apsim__cmd_machine_queue_inject(struct ctx *c, int argc, char **argv)
{
	unsigned long rc, count = 1;
	unsigned qid = 0;
	int r;

	r = apsim__cmd_parse_apqn(c, argv[0], &qid);
	if (r < 0)
		return r;
	if (apsim__cmd_parse_ulong(argv[1], 255, &rc) < 0)
		return apsim__cmd_usage_error(c, "%s: bad response code '%s' (expected 0..255, e.g. 0x03)",
				   c->name, argv[1]);
	if (argc > 2 && apsim__cmd_parse_ulong(argv[2], 65535, &count) < 0)
		return apsim__cmd_usage_error(c, "%s: bad count '%s' (expected 0..65535)", c->name, argv[2]);
	r = apsim_machine_queue_inject_rc(c->sim->machine, qid, (uint8_t) rc, (unsigned) count);
	return r < 0 ? apsim__cmd_fail_errno(c, r) : 0;
}

/* machine import DIR [--out FILE]: the machine JSON of a copy of a real system's /sys */
int apsim__cmd_machine_import(struct ctx *c, int argc, char **argv)
{
	const char *out = NULL;
	char msg[512] = "";
	json_t *root;
	FILE *f;
	int r;

	if (argc == 3 && strcmp(argv[1], "--out") == 0)
		out = argv[2];
	else if (argc != 1)
		return apsim__cmd_usage_error(c, "%s: usage: %s DIR [--out FILE]", c->name, c->name);
	r = apsim__machine_import(argv[0], &root, msg, sizeof(msg));
	if (r < 0)
		return apsim__cmd_fail(c, r, "%s: %s", c->name, msg[0] ? msg : strerror(-r));
	f = out ? fopen(out, "w") : c->out;
	if (!f) {
		r = -errno;
		json_decref(root);
		return apsim__cmd_fail(c, r, "%s: %s: %s", c->name, out, strerror(-r));
	}
	json_dumpf(root, f, JSON_INDENT(2));
	fputc('\n', f);
	json_decref(root);
	if (out && fclose(f) != 0)
		return apsim__cmd_fail(c, -errno, "%s: %s: %s", c->name, out, strerror(errno));
	return 0;
}

/* machine fault after-qci checkstop|deconfigure APID: a fault between the next scan's QCI and
 * its TAPQs */
int apsim__cmd_machine_fault_after_qci(struct ctx *c, int argc, char **argv)
{
	enum apsim_after_qci_fault fault;
	unsigned apid = 0;
	int r;

	(void) argc;
	if (strcmp(argv[0], "checkstop") == 0)
		fault = APSIM_AFTER_QCI_CHECKSTOP;
	else if (strcmp(argv[0], "deconfigure") == 0)
		fault = APSIM_AFTER_QCI_DECONFIGURE;
	else
		return apsim__cmd_usage_error(c, "%s: unknown fault '%s' (expected checkstop or deconfigure)",
					      c->name, argv[0]);
	r = apsim__cmd_parse_apid(c, argv[1], &apid);
	if (r < 0)
		return r;
	r = apsim_machine_fault_after_qci(c->sim->machine, apid, fault);
	return r < 0 ? no_card(c, r, apid) : 0;
}
