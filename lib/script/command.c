/* SPDX-License-Identifier: MIT */
/*
 * The command interpreter: one grammar for the CLI, scenario lines and the daemon's control
 * socket (docs/cli.md). Commands only translate (design.md "front ends"): machine commands
 * call the firmware model, read/write/ls go through the sysfs tree exactly as a process
 * would, expectations compare what the tree, the uevent log and the guests show.
 * Runs with the simulator lock held.
 */
#define _POSIX_C_SOURCE 200809L
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

#define CMD_CHANGES 0x1u /* changes the model: on_change hook afterwards */
#define CMD_JSON    0x2u /* accepts --json among its arguments */

struct ctx {
	struct apsim_sim *sim;
	bool json;
	FILE *out;
	FILE *err;
	const char *where;
	const char *name; /* the command's name, e.g. "machine card add" */
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

static int dispatch(struct ctx *c, int argc, char **argv);

/* --- messages --- */

static void vmsg(struct ctx *c, const char *fmt, va_list ap)
{
	if (c->where)
		fprintf(c->err, "%s: ", c->where);
	vfprintf(c->err, fmt, ap);
	fputc('\n', c->err);
}

static int usage_error(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_error(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, fmt, ap);
	va_end(ap);
	return -APSIM_EUSAGE;
}

static int fail(struct ctx *c, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct ctx *c, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, fmt, ap);
	va_end(ap);
	return r;
}

/* "CMD: strerror" for a failed model call. */
static int fail_errno(struct ctx *c, int r)
{
	return fail(c, r, "%s: %s", c->name, strerror(-r));
}

/* --- escapes, errno names --- */

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int apsim__unescape(const char *s, char **ret, size_t *ret_len)
{
	size_t n = strlen(s), o = 0;
	char *buf = malloc(n + 1);

	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\') {
			buf[o++] = s[i];
			continue;
		}
		i++;
		switch (s[i]) {
		case 'n':
			buf[o++] = '\n';
			break;
		case 't':
			buf[o++] = '\t';
			break;
		case 'r':
			buf[o++] = '\r';
			break;
		case '0':
			buf[o++] = '\0';
			break;
		case '\\':
		case '"':
		case '\'':
			buf[o++] = s[i];
			break;
		case 'x': {
			int hi = i + 1 < n ? hexval((unsigned char) s[i + 1]) : -1;
			int lo = i + 2 < n ? hexval((unsigned char) s[i + 2]) : -1;

			if (hi < 0 || lo < 0)
				goto out_free_buf;
			buf[o++] = (char) (hi * 16 + lo);
			i += 2;
			break;
		}
		default:
			goto out_free_buf;
		}
	}
	buf[o] = '\0';
	*ret = buf;
	if (ret_len)
		*ret_len = o;
	return 0;

out_free_buf:
	free(buf);
	return -EINVAL;
}

void apsim__print_escaped(FILE *f, const char *buf, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char) buf[i];

		switch (ch) {
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '"':
			fputs("\\\"", f);
			break;
		default:
			if (ch < 0x20 || ch >= 0x7f)
				fprintf(f, "\\x%02x", ch);
			else
				fputc(ch, f);
		}
	}
	fputc('"', f);
}

/* clang-format off */
#define ERRNO_ENTRY(e) { #e, e }
static const struct {
	const char *name;
	int num;
} errno_names[] = {
	ERRNO_ENTRY(EPERM), ERRNO_ENTRY(ENOENT), ERRNO_ENTRY(ESRCH), ERRNO_ENTRY(EINTR),
	ERRNO_ENTRY(EIO), ERRNO_ENTRY(ENXIO), ERRNO_ENTRY(E2BIG), ERRNO_ENTRY(ENOEXEC),
	ERRNO_ENTRY(EBADF), ERRNO_ENTRY(ECHILD), ERRNO_ENTRY(EAGAIN), ERRNO_ENTRY(ENOMEM),
	ERRNO_ENTRY(EACCES), ERRNO_ENTRY(EFAULT), ERRNO_ENTRY(EBUSY), ERRNO_ENTRY(EEXIST),
	ERRNO_ENTRY(EXDEV), ERRNO_ENTRY(ENODEV), ERRNO_ENTRY(ENOTDIR), ERRNO_ENTRY(EISDIR),
	ERRNO_ENTRY(EINVAL), ERRNO_ENTRY(ENFILE), ERRNO_ENTRY(EMFILE), ERRNO_ENTRY(ENOTTY),
	ERRNO_ENTRY(ETXTBSY), ERRNO_ENTRY(EFBIG), ERRNO_ENTRY(ENOSPC), ERRNO_ENTRY(ESPIPE),
	ERRNO_ENTRY(EROFS), ERRNO_ENTRY(EMLINK), ERRNO_ENTRY(EPIPE), ERRNO_ENTRY(EDOM),
	ERRNO_ENTRY(ERANGE), ERRNO_ENTRY(EDEADLK), ERRNO_ENTRY(ENAMETOOLONG), ERRNO_ENTRY(ENOLCK),
	ERRNO_ENTRY(ENOSYS), ERRNO_ENTRY(ENOTEMPTY), ERRNO_ENTRY(ELOOP), ERRNO_ENTRY(ENOMSG),
	ERRNO_ENTRY(EIDRM), ERRNO_ENTRY(ENODATA), ERRNO_ENTRY(ETIME), ERRNO_ENTRY(ENOLINK),
	ERRNO_ENTRY(EPROTO), ERRNO_ENTRY(EBADMSG), ERRNO_ENTRY(EOVERFLOW), ERRNO_ENTRY(EILSEQ),
	ERRNO_ENTRY(ENOTSOCK), ERRNO_ENTRY(EDESTADDRREQ), ERRNO_ENTRY(EMSGSIZE),
	ERRNO_ENTRY(EPROTOTYPE), ERRNO_ENTRY(ENOPROTOOPT), ERRNO_ENTRY(EPROTONOSUPPORT),
	ERRNO_ENTRY(EOPNOTSUPP), ERRNO_ENTRY(EAFNOSUPPORT), ERRNO_ENTRY(EADDRINUSE),
	ERRNO_ENTRY(EADDRNOTAVAIL), ERRNO_ENTRY(ENETDOWN), ERRNO_ENTRY(ENETUNREACH),
	ERRNO_ENTRY(ENETRESET), ERRNO_ENTRY(ECONNABORTED), ERRNO_ENTRY(ECONNRESET),
	ERRNO_ENTRY(ENOBUFS), ERRNO_ENTRY(EISCONN), ERRNO_ENTRY(ENOTCONN), ERRNO_ENTRY(ETIMEDOUT),
	ERRNO_ENTRY(ECONNREFUSED), ERRNO_ENTRY(EHOSTUNREACH), ERRNO_ENTRY(EALREADY),
	ERRNO_ENTRY(EINPROGRESS), ERRNO_ENTRY(ESTALE), ERRNO_ENTRY(EDQUOT), ERRNO_ENTRY(ECANCELED),
	ERRNO_ENTRY(EOWNERDEAD), ERRNO_ENTRY(ENOTRECOVERABLE),
	/* aliases: accepted as names, never printed */
	ERRNO_ENTRY(EWOULDBLOCK), ERRNO_ENTRY(ENOTSUP), ERRNO_ENTRY(EDEADLOCK),
};
/* clang-format on */

const char *apsim__errno_name(int errnum)
{
	for (size_t i = 0; i < ARRAY_SIZE(errno_names); i++)
		if (errno_names[i].num == errnum)
			return errno_names[i].name;
	return NULL;
}

int apsim__errno_from_name(const char *name, int *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(errno_names); i++) {
		if (strcmp(errno_names[i].name, name) == 0) {
			*ret = errno_names[i].num;
			return 0;
		}
	}
	return -EINVAL;
}

/* "EINVAL (Invalid argument)" */
static const char *errno_desc(int errnum, char *buf, size_t len)
{
	const char *n = apsim__errno_name(errnum);

	snprintf(buf, len, "%s (%s)", n ? n : "?", strerror(errnum));
	return buf;
}

/* --- line splitting --- */

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f';
}

int apsim__command_split(const char *line, int *ret_argc, char ***ret_argv)
{
	size_t len = strlen(line), max_words = len / 2 + 2;
	char **argv;
	char *s;
	int argc = 0, start = 0;
	const char *p = line;

	argv = malloc((max_words + 1) * sizeof(char *) + len + max_words + 1);
	if (!argv)
		return -ENOMEM;
	s = (char *) (argv + max_words + 1);

	for (;;) {
		bool rest = false;
		int n = argc - start;

		while (*p && is_space(*p))
			p++;
		if (!*p)
			break;
		/* rest-of-line values ('#' included) */
		if (n == 2 && strcmp(argv[start], "write") == 0)
			rest = true;
		else if (n == 3 && strcmp(argv[start], "expect") == 0 &&
			 strcmp(argv[start + 1], "read") == 0)
			rest = true;
		else if (n == 3 && strcmp(argv[start], "expect") == 0 &&
			 strcmp(argv[start + 1], "fail") == 0)
			start = argc; /* the rest is a command line of its own */
		if (!rest && *p == '#')
			break;
		if (rest) {
			const char *e = p + strlen(p);

			while (e > p && is_space(e[-1]))
				e--;
			argv[argc++] = s;
			memcpy(s, p, (size_t) (e - p));
			s += e - p;
			*s++ = '\0';
			break;
		}
		argv[argc++] = s;
		while (*p && !is_space(*p))
			*s++ = *p++;
		*s++ = '\0';
	}
	argv[argc] = NULL;
	*ret_argc = argc;
	*ret_argv = argv;
	return 0;
}

/* --- argument parsing helpers --- */

static int parse_ulong(const char *s, unsigned long max, unsigned long *ret)
{
	unsigned long v;
	char *end;

	if (!*s || !isdigit((unsigned char) s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* a signed decimal/hex/octal long, the whole string */
static int parse_long(const char *s, long *ret)
{
	long v;
	char *end;

	if (!*s || !(isdigit((unsigned char) s[0]) || s[0] == '-'))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_on_off(struct ctx *c, const char *s, bool *ret)
{
	if (strcmp(s, "on") == 0)
		*ret = true;
	else if (strcmp(s, "off") == 0)
		*ret = false;
	else
		return usage_error(c, "%s: expected on or off, got '%s'", c->name, s);
	return 0;
}

static int parse_apid(struct ctx *c, const char *s, unsigned *ret)
{
	unsigned long v;

	if (parse_ulong(s, 255, &v) < 0)
		return usage_error(c, "%s: bad adapter id '%s' (expected 0..255)", c->name, s);
	*ret = (unsigned) v;
	return 0;
}

/* "04.0020": the kernel's queue device name (hex) */
static int parse_apqn(struct ctx *c, const char *s, unsigned *ret)
{
	unsigned long a, d;
	char *end;

	if (!isxdigit((unsigned char) s[0]))
		goto out_bad;
	a = strtoul(s, &end, 16);
	if (*end != '.' || a > 255 || !isxdigit((unsigned char) end[1]))
		goto out_bad;
	d = strtoul(end + 1, &end, 16);
	if (*end || d > 255)
		goto out_bad;
	*ret = APSIM_QID(a, d);
	return 0;
out_bad:
	return usage_error(c, "%s: bad APQN '%s' (expected XX.YYYY in hex, e.g. 04.0020)", c->name,
			   s);
}

/* Tree paths: "bus/ap/apmask", "/bus/ap/apmask" and "/sys/bus/ap/apmask" are the same. */
static const char *tree_path(const char *p)
{
	if (strncmp(p, "/sys/", 5) == 0)
		p += 5;
	else if (strcmp(p, "/sys") == 0)
		p += 4;
	while (*p == '/')
		p++;
	return p;
}

/* Joins argv[from..argc) with single spaces into a new string. */
static char *join_args(int argc, char **argv, int from)
{
	size_t len = 1;
	char *s;

	for (int i = from; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (int i = from; i < argc; i++) {
		if (i > from)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

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

static int cmd_machine_show(struct ctx *c, int argc, char **argv)
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
			return fail_errno(c, r);
		json_dumpf(root, c->out, JSON_INDENT(2));
		fputc('\n', c->out);
		json_decref(root);
		return 0;
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

static int cmd_machine_card_add(struct ctx *c, int argc, char **argv)
{
	struct apsim_card_spec spec;
	unsigned apid = 0;
	int r;

	r = parse_apid(c, argv[0], &apid);
	if (r < 0)
		return r;
	if (apsim_card_type_parse(argv[1], &spec) < 0)
		return usage_error(c, "%s: unknown card type '%s' (expected CEX4A..CEX8P)", c->name,
				   argv[1]);
	for (int i = 2; i < argc; i += 2) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long v;

		if (!val)
			return usage_error(c, "%s: option '%s' needs a value", c->name, opt);
		if (strcmp(opt, "--depth") == 0) {
			if (parse_ulong(val, 15, &v) < 0)
				return usage_error(c, "%s: bad depth '%s' (expected 0..15)",
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
				return usage_error(c,
						   "%s: bad functions '%s' (expected a 32-bit hex "
						   "word, e.g. 0x92800000)",
						   c->name, val);
			spec.functions = (uint32_t) v;
		} else if (strcmp(opt, "--serial") == 0) {
			if (strlen(val) >= sizeof(spec.serial))
				return usage_error(
				    c, "%s: serial '%s' is too long (at most 16 characters)",
				    c->name, val);
			strcpy(spec.serial, val);
		} else if (strcmp(opt, "--ml") == 0) {
			if (parse_ulong(val, 15, &v) < 0)
				return usage_error(
				    c, "%s: bad ml '%s' (expected 0..15, units of 4 KiB)", c->name,
				    val);
			spec.ml = (unsigned) v;
		} else if (strcmp(opt, "--raw-type") == 0) {
			if (parse_ulong(val, 255, &v) < 0)
				return usage_error(c, "%s: bad raw type '%s' (expected 0..255)",
						   c->name, val);
			spec.raw_type = (uint8_t) v;
		} else {
			return usage_error(c,
					   "%s: unknown option '%s' (expected --depth, "
					   "--functions, --serial, --ml, --raw-type)",
					   c->name, opt);
		}
	}
	r = apsim_machine_card_add(c->sim->machine, apid, &spec);
	if (r == -EEXIST)
		return fail(c, r, "%s: adapter %u is already installed", c->name, apid);
	if (r < 0)
		return fail_errno(c, r);
	return 0;
}

static int no_card(struct ctx *c, int r, unsigned apid)
{
	if (r == -ENODEV)
		return fail(c, r, "%s: no adapter %u installed", c->name, apid);
	return fail_errno(c, r);
}

static int cmd_machine_card_remove(struct ctx *c, int argc, char **argv)
{
	unsigned apid = 0;
	int r;

	(void) argc;
	r = parse_apid(c, argv[0], &apid);
	if (r < 0)
		return r;
	r = apsim_machine_card_remove(c->sim->machine, apid);
	return r < 0 ? no_card(c, r, apid) : 0;
}

static int cmd_machine_card_checkstop(struct ctx *c, int argc, char **argv)
{
	unsigned apid = 0;
	bool on = false;
	int r;

	(void) argc;
	r = parse_apid(c, argv[0], &apid);
	if (r < 0)
		return r;
	r = parse_on_off(c, argv[1], &on);
	if (r < 0)
		return r;
	r = apsim_machine_card_checkstop(c->sim->machine, apid, on);
	return r < 0 ? no_card(c, r, apid) : 0;
}

/* The SE-side configure: the same as writing the card's config attribute (spec 2.3). */
static int cmd_machine_card_config(struct ctx *c, int argc, char **argv)
{
	unsigned apid = 0;
	bool on = false;
	int r;

	(void) argc;
	r = parse_apid(c, argv[0], &apid);
	if (r < 0)
		return r;
	r = parse_on_off(c, argv[1], &on);
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
			return fail(c, (int) w, "%s: write %s: %s", c->name, path,
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
		return usage_error(
		    c, "%s: unknown set '%s' (expected adapter, domain or control-domain)", c->name,
		    argv[0]);
	if (apsim_mask_parse_list(argv[1], &ids) < 0)
		return usage_error(
		    c, "%s: bad id list '%s' (expected ids 0..255 such as 5, 0x0a, 3-7, 1,4,9)",
		    c->name, argv[1]);
	r = apsim_machine_lpar_change(c->sim->machine, set, add, &ids);
	return r < 0 ? fail_errno(c, r) : 0;
}

static int cmd_machine_lpar_add(struct ctx *c, int argc, char **argv)
{
	return cmd_machine_lpar(c, argc, argv, true);
}

static int cmd_machine_lpar_remove(struct ctx *c, int argc, char **argv)
{
	return cmd_machine_lpar(c, argc, argv, false);
}

static int cmd_machine_notify(struct ctx *c, int argc, char **argv)
{
	bool on = false;
	int r;

	(void) argc;
	r = parse_on_off(c, argv[0], &on);
	if (r < 0)
		return r;
	apsim_machine_set_notify(c->sim->machine, on);
	return 0;
}

static int cmd_machine_limits(struct ctx *c, int argc, char **argv)
{
	unsigned long a, d;
	int r;

	(void) argc;
	if (parse_ulong(argv[0], 255, &a) < 0)
		return usage_error(c, "%s: bad max adapter id '%s' (expected 0..255)", c->name,
				   argv[0]);
	if (parse_ulong(argv[1], 255, &d) < 0)
		return usage_error(c, "%s: bad max domain id '%s' (expected 0..255)", c->name,
				   argv[1]);
	r = apsim_machine_set_limits(c->sim->machine, (unsigned) a, (unsigned) d);
	return r < 0 ? fail_errno(c, r) : 0;
}

static int cmd_machine_qci(struct ctx *c, int argc, char **argv)
{
	bool on = false;
	int r;

	(void) argc;
	r = parse_on_off(c, argv[0], &on);
	if (r < 0)
		return r;
	apsim_machine_set_qci_available(c->sim->machine, on);
	return 0;
}

static int cmd_machine_flags(struct ctx *c, int argc, char **argv)
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
			return usage_error(
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
				return usage_error(c,
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

static int cmd_machine_queue_inject(struct ctx *c, int argc, char **argv)
{
	unsigned long rc, count = 1;
	unsigned qid = 0;
	int r;

	r = parse_apqn(c, argv[0], &qid);
	if (r < 0)
		return r;
	if (parse_ulong(argv[1], 255, &rc) < 0)
		return usage_error(c, "%s: bad response code '%s' (expected 0..255, e.g. 0x03)",
				   c->name, argv[1]);
	if (argc > 2 && parse_ulong(argv[2], 65535, &count) < 0)
		return usage_error(c, "%s: bad count '%s' (expected 0..65535)", c->name, argv[2]);
	r = apsim_machine_queue_inject_rc(c->sim->machine, qid, (uint8_t) rc, (unsigned) count);
	return r < 0 ? fail_errno(c, r) : 0;
}

/* --- bus, clock --- */

static int cmd_scan(struct ctx *c, int argc, char **argv)
{
	int r;

	(void) argc;
	(void) argv;
	r = apsim_bus_scan(c->sim->bus);
	return r < 0 ? fail_errno(c, r) : 0;
}

/* In the sandbox (fuzzing) a sleep may not run more than this many timer periods. */
#define SANDBOX_MAX_SLEEP_NS (3600ull * APSIM_NSEC_PER_SEC)

static int cmd_sleep(struct ctx *c, int argc, char **argv)
{
	uint64_t ns;
	int r;

	(void) argc;
	if (apsim_duration_parse(argv[0], &ns) < 0)
		return usage_error(
		    c, "%s: bad duration '%s' (expected e.g. 30s, 20ms, 1.5s, 100us, 5m)", c->name,
		    argv[0]);
	if (c->sim->sandbox && ns > SANDBOX_MAX_SLEEP_NS)
		return fail(c, -ERANGE, "%s: at most 1h here", c->name);
	if (!apsim_clock_is_virtual(c->sim->clock))
		return fail(c, -EOPNOTSUPP, "%s: the clock is not virtual (time runs by itself)",
			    c->name);
	r = apsim_clock_advance(c->sim->clock, ns);
	return r < 0 ? fail_errno(c, r) : 0;
}

/* --- the tree --- */

static int do_read(struct ctx *c, struct apsim_tree *tree, const char *path, const char *what)
{
	char buf[APSIM_SYSFS_PAGE + 1];
	ssize_t n = apsim_tree_read(tree, tree_path(path), buf, APSIM_SYSFS_PAGE);

	if (n < 0)
		return fail(c, (int) n, "%s %s: %s", what, path, strerror((int) -n));
	fwrite(buf, 1, (size_t) n, c->out);
	return 0;
}

static int cmd_read(struct ctx *c, int argc, char **argv)
{
	(void) argc;
	return do_read(c, c->sim->tree, argv[0], "read");
}

static int cmd_write(struct ctx *c, int argc, char **argv)
{
	char *value, *raw;
	size_t len;
	ssize_t n;
	int r;

	raw = join_args(argc, argv, 1);
	if (!raw)
		return fail_errno(c, -ENOMEM);
	r = apsim__unescape(raw, &value, &len);
	free(raw);
	if (r == -EINVAL)
		return usage_error(
		    c, "write %s: bad escape in value (expected \\n \\t \\r \\\\ \\\" \\0 \\xHH)",
		    argv[0]);
	if (r < 0)
		return fail_errno(c, r);
	n = apsim_tree_write(c->sim->tree, tree_path(argv[0]), value, len);
	free(value);
	if (n < 0)
		return fail(c, (int) n, "write %s: %s", argv[0], strerror((int) -n));
	return 0;
}

static const char *node_type_name(enum apsim_node_type t)
{
	switch (t) {
	case APSIM_NODE_DIR:
		return "dir";
	case APSIM_NODE_ATTR:
		return "attr";
	case APSIM_NODE_LINK:
		return "link";
	}
	return "?";
}

struct ls_state {
	struct apsim_tree *tree;
	const char *dir;
	FILE *out;
	json_t *array;
	bool text_one_line; /* "a/ b@ c" instead of one per line */
	bool first;
	int error;
};

static int ls_entry(const struct apsim_dirent *ent, void *ctx)
{
	struct ls_state *ls = ctx;

	if (ls->array) {
		json_t *o = json_object();
		char path[4096], target[4096];

		if (!o || json_array_append_new(ls->array, o) < 0) {
			json_decref(o);
			ls->error = -ENOMEM;
			return 1;
		}
		json_object_set_new(o, "name", json_string(ent->name));
		json_object_set_new(o, "type", json_string(node_type_name(ent->type)));
		if (ent->type == APSIM_NODE_LINK) {
			snprintf(path, sizeof(path), "%s%s%s", ls->dir, ls->dir[0] ? "/" : "",
				 ent->name);
			if (apsim_tree_readlink(ls->tree, path, target, sizeof(target)) >= 0)
				json_object_set_new(o, "target", json_string(target));
			else
				json_object_set_new(o, "target", json_null());
		} else {
			json_object_set_new(o, "target", json_null());
		}
		return 0;
	}
	if (ls->text_one_line && !ls->first)
		fputc(' ', ls->out);
	ls->first = false;
	fputs(ent->name, ls->out);
	if (ent->type == APSIM_NODE_DIR)
		fputc('/', ls->out);
	else if (ent->type == APSIM_NODE_LINK)
		fputc('@', ls->out);
	if (!ls->text_one_line)
		fputc('\n', ls->out);
	return 0;
}

static int do_ls(struct ctx *c, struct apsim_tree *tree, const char *path, const char *what)
{
	struct ls_state ls = {.tree = tree, .dir = tree_path(path), .out = c->out, .first = true};
	int r;

	if (c->json) {
		ls.array = json_array();
		if (!ls.array)
			return fail_errno(c, -ENOMEM);
	}
	r = apsim_tree_readdir(tree, ls.dir, ls_entry, &ls);
	if (r < 0) {
		json_decref(ls.array);
		return fail(c, r, "%s %s: %s", what, path, strerror(-r));
	}
	if (ls.error) {
		json_decref(ls.array);
		return fail_errno(c, ls.error);
	}
	if (ls.array) {
		json_dumpf(ls.array, c->out, JSON_INDENT(2));
		fputc('\n', c->out);
		json_decref(ls.array);
	}
	return 0;
}

static int cmd_ls(struct ctx *c, int argc, char **argv)
{
	return do_ls(c, c->sim->tree, argc ? argv[0] : "", "ls");
}

static void print_events(struct ctx *c, struct apsim_uevent_log *log, size_t from)
{
	size_t n = apsim_uevent_log_count(log);

	for (size_t i = from; i < n; i++) {
		const struct apsim_uevent *ev = apsim_uevent_log_get(log, i);

		if (c->json)
			apsim_uevent_print_json(ev, c->out);
		else
			apsim_uevent_print(ev, c->out);
	}
}

static int cmd_events(struct ctx *c, int argc, char **argv)
{
	size_t from = 0;

	if (argc == 1) {
		if (strcmp(argv[0], "--since-mark") != 0)
			return usage_error(c, "events: unknown option '%s' (expected --since-mark or --json)",
				     argv[0]);
		from = c->sim->events_mark;
	}
	print_events(c, c->sim->uevents, from);
	return 0;
}

static int cmd_events_mark(struct ctx *c, int argc, char **argv)
{
	(void) argc;
	(void) argv;
	c->sim->events_mark = apsim_uevent_log_count(c->sim->uevents);
	c->sim->calls_mark = c->sim->n_calls;
	return 0;
}

static int cmd_dump(struct ctx *c, int argc, char **argv)
{
	int r;

	(void) argc;
	if (c->sim->sandbox)
		return fail(c, -EPERM, "%s: no file access here", c->name);
	r = apsim_tree_dump(c->sim->tree, argv[0]);
	return r < 0 ? fail(c, r, "dump %s: %s", argv[0], strerror(-r)) : 0;
}

#define MAX_RUN_DEPTH 8

static int cmd_run(struct ctx *c, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		const char *cur = c->sim->scenario_path;
		char *path = NULL;
		int r;

		if (c->sim->sandbox)
			return fail(c, -EPERM, "%s: no file access here", c->name);
		if (c->sim->run_depth >= MAX_RUN_DEPTH)
			return fail(c, -ELOOP, "%s %s: scenarios nested too deeply (at most %d)",
				    c->name, argv[i], MAX_RUN_DEPTH);
		/* a relative path inside a scenario is relative to that scenario's directory */
		if (argv[i][0] != '/' && cur && strrchr(cur, '/')) {
			size_t dl = (size_t) (strrchr(cur, '/') - cur);

			path = malloc(dl + strlen(argv[i]) + 2);
			if (!path)
				return fail_errno(c, -ENOMEM);
			sprintf(path, "%.*s/%s", (int) dl, cur, argv[i]);
		}
		c->sim->run_depth++;
		r = apsim__scenario_run_file(c->sim, path ? path : argv[i], c->json, c->out,
					     c->err);
		c->sim->run_depth--;
		c->sim->scenario_path = cur;
		free(path);
		if (r < 0)
			return r;
	}
	return 0;
}

/* --- expectations --- */

static int expect_failed(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int expect_failed(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/* Runs fn(f, arg) into a memory stream and returns the text (malloc'ed) or NULL. */
static char *capture_text(void (*fn)(FILE *f, const void *a, const void *b), const void *a,
			  const void *b)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	fn(f, a, b);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static void escaped_pair(FILE *f, const void *a, const void *b)
{
	apsim__print_escaped(f, a, *(const size_t *) b);
}

/* expect read PATH TEXT on one tree (the host's or a guest's); argv[0] is PATH. */
static int expect_read_in(struct ctx *c, struct apsim_tree *tree, int argc, char **argv)
{
	char buf[APSIM_SYSFS_PAGE + 1];
	char *want, *raw, *want_s, *got_s;
	size_t want_len;
	ssize_t n;
	int r;

	raw = join_args(argc, argv, 1);
	if (!raw)
		return fail_errno(c, -ENOMEM);
	r = apsim__unescape(raw, &want, &want_len);
	free(raw);
	if (r == -EINVAL)
		return usage_error(
		    c,
		    "expect read %s: bad escape in TEXT (expected \\n \\t \\r \\\\ \\\" \\0 \\xHH)",
		    argv[0]);
	if (r < 0)
		return fail_errno(c, r);
	want_s = capture_text(escaped_pair, want, &want_len);
	n = apsim_tree_read(tree, tree_path(argv[0]), buf, APSIM_SYSFS_PAGE);
	if (n < 0) {
		char d[128];

		r = expect_failed(c, "expected %s to read %s, got error %s", argv[0],
				  want_s ? want_s : "?", errno_desc((int) -n, d, sizeof(d)));
	} else if ((size_t) n != want_len || memcmp(buf, want, want_len) != 0) {
		size_t got_len = (size_t) n;

		got_s = capture_text(escaped_pair, buf, &got_len);
		r = expect_failed(c, "expected %s to read %s, got %s", argv[0],
				  want_s ? want_s : "?", got_s ? got_s : "?");
		free(got_s);
	} else {
		r = 0;
	}
	free(want_s);
	free(want);
	return r;
}

static int cmd_expect_read(struct ctx *c, int argc, char **argv)
{
	return expect_read_in(c, c->sim->tree, argc, argv);
}

static struct apsim_guest *find_guest(struct ctx *c, const char *name);

/* expect guest-read NAME PATH TEXT: the same in the guest's own tree */
static int cmd_expect_guest_read(struct ctx *c, int argc, char **argv)
{
	struct apsim_guest *g = find_guest(c, argv[0]);

	if (!g)
		return -ENOENT;
	return expect_read_in(c, g->tree, argc - 1, argv + 1);
}

static int cmd_expect_fail(struct ctx *c, int argc, char **argv)
{
	struct ctx inner = *c;
	char *msg = NULL, *cmdline;
	size_t msg_len = 0;
	int want, r;
	char d[128];

	if (apsim__errno_from_name(argv[0], &want) < 0)
		return usage_error(c,
				   "expect fail: unknown errno name '%s' (expected a name such as "
				   "EINVAL, EBUSY, ENODEV)",
				   argv[0]);
	inner.err = open_memstream(&msg, &msg_len);
	if (!inner.err)
		return fail_errno(c, -ENOMEM);
	inner.where = NULL;
	r = dispatch(&inner, argc - 1, argv + 1);
	fclose(inner.err);
	/* strip the newline of the captured message */
	if (msg_len && msg[msg_len - 1] == '\n')
		msg[--msg_len] = '\0';

	cmdline = join_args(argc, argv, 1);
	if (r == -APSIM_EUSAGE) {
		r = usage_error(c, "expect fail: %s", msg ? msg : "bad command");
	} else if (r == -want) {
		r = 0;
	} else if (r >= 0) {
		r = expect_failed(c, "expected '%s' to fail with %s, got success",
				  cmdline ? cmdline : "?", argv[0]);
	} else if (r == -EBADMSG) {
		/* an expectation inside expect fail failed: it said why */
		r = expect_failed(c, "expected '%s' to fail with %s, got a failed expectation: %s",
				  cmdline ? cmdline : "?", argv[0], msg ? msg : "");
	} else {
		r = expect_failed(c, "expected '%s' to fail with %s, got %s: %s",
				  cmdline ? cmdline : "?", argv[0], errno_desc(-r, d, sizeof(d)),
				  msg ? msg : "");
	}
	free(cmdline);
	free(msg);
	return r;
}

struct kv {
	const char *key;
	size_t key_len;
	char *value; /* unescaped */
};

static void free_kvs(struct kv *kvs, int n)
{
	for (int i = 0; i < n; i++)
		free(kvs[i].value);
	free(kvs);
}

static int parse_kvs(struct ctx *c, int argc, char **argv, struct kv **ret)
{
	struct kv *kvs = calloc((size_t) argc + 1, sizeof(*kvs));

	if (!kvs)
		return fail_errno(c, -ENOMEM);
	for (int i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');

		if (!eq || eq == argv[i]) {
			free_kvs(kvs, i);
			return usage_error(c, "%s: bad '%s' (expected KEY=VALUE)", c->name,
					   argv[i]);
		}
		kvs[i].key = argv[i];
		kvs[i].key_len = (size_t) (eq - argv[i]);
		if (apsim__unescape(eq + 1, &kvs[i].value, NULL) < 0) {
			free_kvs(kvs, i);
			return usage_error(c, "%s: bad escape in '%s'", c->name, argv[i]);
		}
	}
	*ret = kvs;
	return 0;
}

static bool event_matches(const struct apsim_uevent *ev, enum apsim_uevent_action action,
			  const char *devpath, const struct kv *kvs, int n)
{
	if (ev->action != action || strcmp(ev->devpath, devpath) != 0)
		return false;
	for (int k = 0; k < n; k++) {
		bool found = false;

		for (unsigned e = 0; e < ev->n_env && !found; e++) {
			const char *env = ev->env[e];

			found = strncmp(env, kvs[k].key, kvs[k].key_len) == 0 &&
				env[kvs[k].key_len] == '=' &&
				strcmp(env + kvs[k].key_len + 1, kvs[k].value) == 0;
		}
		if (!found)
			return false;
	}
	return true;
}

/* The events since the mark, "add /devices/ap/card04, change /devices/ap CONFIG=1, ...". */
static void print_recent_events(FILE *f, const void *a, const void *b)
{
	const struct apsim_sim *sim = a;
	size_t n = apsim_uevent_log_count(sim->uevents), from = sim->events_mark, shown = 0;

	(void) b;
	if (from >= n) {
		fputs("no events since the last match", f);
		return;
	}
	fprintf(f, "%zu event%s since the last match:", n - from, n - from == 1 ? "" : "s");
	for (size_t i = from; i < n && shown < 12; i++, shown++) {
		const struct apsim_uevent *ev = apsim_uevent_log_get(sim->uevents, i);

		fprintf(f, "%s %s %s", shown ? ";" : "", apsim_uevent_action_name(ev->action),
			ev->devpath);
		/* the env after ACTION, DEVPATH, SUBSYSTEM and before SEQNUM: what expect can test
		 */
		for (unsigned e = 0; e < ev->n_env; e++) {
			const char *env = ev->env[e];

			if (strncmp(env, "ACTION=", 7) == 0 || strncmp(env, "DEVPATH=", 8) == 0 ||
			    strncmp(env, "SUBSYSTEM=", 10) == 0 || strncmp(env, "SEQNUM=", 7) == 0)
				continue;
			fputc(' ', f);
			fputs(env, f); /* keep it on one line: escape control characters */
		}
	}
	if (n - from > shown)
		fprintf(f, "; ... (%zu more)", n - from - shown);
}

/* One line for messages: control characters escaped. */
static char *one_line(char *s)
{
	char *esc;
	size_t len;

	if (!s)
		return NULL;
	len = strlen(s);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char) s[i] < 0x20)
			goto escape;
	return s;
escape:
	esc = capture_text(escaped_pair, s, &len);
	free(s);
	if (!esc)
		return NULL;
	/* drop the quotes */
	memmove(esc, esc + 1, strlen(esc));
	esc[strlen(esc) - 1] = '\0';
	return esc;
}

static void advance_mark_to_event(struct apsim_sim *sim, size_t idx)
{
	sim->events_mark = idx + 1;
	/* calls that happened before this event can no longer match */
	while (sim->calls_mark < sim->n_calls && sim->calls[sim->calls_mark].uevent_pos <= idx)
		sim->calls_mark++;
}

static int expect_event(struct ctx *c, int argc, char **argv, bool want_present)
{
	enum apsim_uevent_action action;
	struct apsim_sim *sim = c->sim;
	size_t n = apsim_uevent_log_count(sim->uevents);
	struct kv *kvs;
	char *what, *got;
	int r;

	if (apsim_uevent_action_from_name(argv[0], &action) < 0)
		return usage_error(
		    c, "%s: unknown action '%s' (expected add, remove, change, bind or unbind)",
		    c->name, argv[0]);
	r = parse_kvs(c, argc - 2, argv + 2, &kvs);
	if (r < 0)
		return r;
	for (size_t i = sim->events_mark; i < n; i++) {
		const struct apsim_uevent *ev = apsim_uevent_log_get(sim->uevents, i);

		if (!event_matches(ev, action, argv[1], kvs, argc - 2))
			continue;
		free_kvs(kvs, argc - 2);
		if (!want_present) {
			what = one_line(join_args(argc, argv, 0));
			r = expect_failed(
			    c, "expected no event %s, got it as event %zu since the last match",
			    what ? what : "?", i - sim->events_mark + 1);
			free(what);
			return r;
		}
		advance_mark_to_event(sim, i);
		return 0;
	}
	free_kvs(kvs, argc - 2);
	if (!want_present)
		return 0;
	what = one_line(join_args(argc, argv, 0));
	got = one_line(capture_text(print_recent_events, sim, NULL));
	r = expect_failed(c, "expected event %s, got %s", what ? what : "?", got ? got : "?");
	free(what);
	free(got);
	return r;
}

static int cmd_expect_event(struct ctx *c, int argc, char **argv)
{
	return expect_event(c, argc, argv, true);
}

static int cmd_expect_no_event(struct ctx *c, int argc, char **argv)
{
	return expect_event(c, argc, argv, false);
}

static int cmd_expect_events_count(struct ctx *c, int argc, char **argv)
{
	size_t n = apsim_uevent_log_count(c->sim->uevents);
	unsigned long want;
	char *got;
	int r;

	(void) argc;
	if (parse_ulong(argv[0], ULONG_MAX, &want) < 0)
		return usage_error(c, "%s: bad count '%s'", c->name, argv[0]);
	if (n - c->sim->events_mark == want)
		return 0;
	got = one_line(capture_text(print_recent_events, c->sim, NULL));
	r = expect_failed(c, "expected %lu events since the last match, got %s", want,
			  got ? got : "?");
	free(got);
	return r;
}

static struct apsim_guest *find_guest(struct ctx *c, const char *name)
{
	struct apsim_guest *g = apsim__sim_find_guest(c->sim, name);

	if (!g)
		fail(c, -ENOENT, "%s: no guest '%s'", c->name, name);
	return g;
}

static int cmd_expect_apcb_updates(struct ctx *c, int argc, char **argv)
{
	struct apsim_guest *g;
	unsigned long want;

	(void) argc;
	if (parse_ulong(argv[1], ULONG_MAX, &want) < 0)
		return usage_error(c, "%s: bad count '%s'", c->name, argv[1]);
	g = find_guest(c, argv[0]);
	if (!g)
		return -ENOENT;
	if (g->apcb_updates == want)
		return 0;
	return expect_failed(c, "expected guest '%s' to have %lu APCB updates, got %llu", argv[0],
			     want, (unsigned long long) g->apcb_updates);
}

static int cmd_expect_invariants(struct ctx *c, int argc, char **argv)
{
	char msg[512];
	int r;

	(void) argc;
	(void) argv;
	r = apsim_sim_check_invariants(c->sim, msg, sizeof(msg));
	if (r == -EPROTO)
		return expect_failed(c, "expected the vfio_ap invariants to hold, got: %s", msg);
	return r < 0 ? fail_errno(c, r) : 0;
}

static int cmd_expect_exists(struct ctx *c, int argc, char **argv)
{
	struct apsim_node_info info;
	char d[128];
	int r;

	(void) argc;
	r = apsim_tree_lookup(c->sim->tree, tree_path(argv[0]), &info);
	if (r < 0)
		return expect_failed(c, "expected %s to exist, got %s", argv[0],
				     errno_desc(-r, d, sizeof(d)));
	return 0;
}

static int cmd_expect_missing(struct ctx *c, int argc, char **argv)
{
	struct apsim_node_info info;
	int r;

	(void) argc;
	r = apsim_tree_lookup(c->sim->tree, tree_path(argv[0]), &info);
	if (r >= 0)
		return expect_failed(c, "expected %s to be missing, got a %s", argv[0],
				     info.type == APSIM_NODE_DIR    ? "directory"
				     : info.type == APSIM_NODE_LINK ? "symlink"
								    : "attribute");
	return 0;
}

static int cmd_expect_link(struct ctx *c, int argc, char **argv)
{
	char target[4096], d[128];
	int r;

	(void) argc;
	r = apsim_tree_readlink(c->sim->tree, tree_path(argv[0]), target, sizeof(target));
	if (r < 0)
		return expect_failed(c, "expected %s to link to %s, got %s", argv[0], argv[1],
				     errno_desc(-r, d, sizeof(d)));
	if (strcmp(target, argv[1]) != 0)
		return expect_failed(c, "expected %s to link to %s, got %s", argv[0], argv[1],
				     target);
	return 0;
}

static int cmd_expect_ls(struct ctx *c, int argc, char **argv)
{
	struct ls_state ls = {
	    .tree = c->sim->tree, .dir = tree_path(argv[0]), .first = true, .text_one_line = true};
	char *got = NULL, *want;
	size_t got_len = 0;
	int r;

	ls.out = open_memstream(&got, &got_len);
	if (!ls.out)
		return fail_errno(c, -ENOMEM);
	r = apsim_tree_readdir(c->sim->tree, ls.dir, ls_entry, &ls);
	fclose(ls.out);
	want = join_args(argc, argv, 1);
	if (r < 0) {
		char d[128];

		r = expect_failed(c, "expected ls %s to show '%s', got %s", argv[0],
				  want ? want : "?", errno_desc(-r, d, sizeof(d)));
	} else if (!want || !got || strcmp(want, got) != 0) {
		r = expect_failed(c, "expected ls %s to show '%s', got '%s'", argv[0],
				  want ? want : "?", got ? got : "?");
	}
	free(want);
	free(got);
	return r;
}

/* --- watch drivers --- */

static void print_call(FILE *f, const struct apsim_watch_call *call, bool with_rescan)
{
	static const char *const names[] = {"apm", "aqm", "adm"};
	char list[1024];

	fprintf(f, "%s %s", call->watch,
		call->scan_complete ? "on_scan_complete" : "on_config_changed");
	for (int which = 0; which < 2; which++) {
		const struct apsim_qci *q = which ? &call->new_qci : &call->old_qci;
		const struct apsim_mask *masks[] = {&q->apm, &q->aqm, &q->adm};

		for (int k = 0; k < 3; k++) {
			apsim__mask_format_list(masks[k], list, sizeof(list));
			fprintf(f, " %s.%s=%s", which ? "new" : "old", names[k],
				list[0] ? list : "none");
		}
	}
	fprintf(f, " uevents=%zu", call->uevent_pos);
	if (with_rescan)
		fprintf(f, " rescan=%d", call->rescan_result);
}

static bool watch_has_rescan(struct apsim_sim *sim, const char *name)
{
	for (struct apsim_watch *w = sim->watches; w; w = w->next)
		if (strcmp(w->name, name) == 0)
			return w->rescan;
	return false;
}

static bool watch_exists(struct apsim_sim *sim, const char *name)
{
	for (struct apsim_watch *w = sim->watches; w; w = w->next)
		if (strcmp(w->name, name) == 0)
			return true;
	return false;
}

static int cmd_watch_add(struct ctx *c, int argc, char **argv)
{
	bool rescan = false;
	int r;

	if (argc > 1) {
		if (strcmp(argv[1], "--rescan") != 0)
			return usage_error(c, "%s: unknown option '%s' (expected --rescan)",
					   c->name, argv[1]);
		rescan = true;
	}
	r = apsim__sim_watch_add(c->sim, argv[0], rescan);
	if (r == -EEXIST || r == -EBUSY)
		return fail(c, r, "%s: a driver named '%s' exists", c->name, argv[0]);
	return r < 0 ? fail_errno(c, r) : 0;
}

static int cmd_watch_show(struct ctx *c, int argc, char **argv)
{
	if (argc && !watch_exists(c->sim, argv[0]))
		return fail(c, -ENOENT, "%s: no watch driver '%s'", c->name, argv[0]);
	for (size_t i = 0; i < c->sim->n_calls; i++) {
		const struct apsim_watch_call *call = &c->sim->calls[i];

		if (argc && strcmp(call->watch, argv[0]) != 0)
			continue;
		print_call(c->out, call, watch_has_rescan(c->sim, call->watch));
		fputc('\n', c->out);
	}
	return 0;
}

static int parse_callback(struct ctx *c, const char *s, bool *ret_complete)
{
	if (strcmp(s, "on_config_changed") == 0)
		*ret_complete = false;
	else if (strcmp(s, "on_scan_complete") == 0)
		*ret_complete = true;
	else
		return usage_error(
		    c, "%s: unknown callback '%s' (expected on_config_changed or on_scan_complete)",
		    c->name, s);
	return 0;
}

static int bad_call_key(struct ctx *c, const char *key)
{
	return usage_error(c,
			   "%s: unknown key '%s' (expected old.apm, old.aqm, old.adm, new.apm, "
			   "new.aqm, new.adm, rescan)",
			   c->name, key);
}

static int call_matches(struct ctx *c, const struct apsim_watch_call *call, const struct kv *kvs,
			int n, bool *ret)
{
	bool match = true;

	for (int k = 0; k < n; k++) {
		char key[32];
		const struct apsim_qci *q;
		const struct apsim_mask *m;
		struct apsim_mask want;

		snprintf(key, sizeof(key), "%.*s", (int) kvs[k].key_len, kvs[k].key);
		if (strcmp(key, "rescan") == 0) {
			char buf[16];

			snprintf(buf, sizeof(buf), "%d", call->rescan_result);
			if (strcmp(buf, kvs[k].value) != 0)
				match = false;
			continue;
		}
		if (strncmp(key, "old.", 4) == 0)
			q = &call->old_qci;
		else if (strncmp(key, "new.", 4) == 0)
			q = &call->new_qci;
		else
			return bad_call_key(c, key);
		if (strcmp(key + 4, "apm") == 0)
			m = &q->apm;
		else if (strcmp(key + 4, "aqm") == 0)
			m = &q->aqm;
		else if (strcmp(key + 4, "adm") == 0)
			m = &q->adm;
		else
			return bad_call_key(c, key);
		if (!kvs[k].value[0] || strcmp(kvs[k].value, "none") == 0)
			apsim_mask_zero(&want);
		else if (apsim_mask_parse_list(kvs[k].value, &want) < 0)
			return usage_error(
			    c, "%s: bad id list '%s' for %s (expected e.g. 3,5-7 or none)", c->name,
			    kvs[k].value, key);
		if (!apsim_mask_equal(m, &want))
			match = false;
	}
	*ret = match;
	return 0;
}

static void print_recent_calls(FILE *f, const void *a, const void *b)
{
	const struct apsim_sim *sim = a;
	const char *watch = b;
	bool any = false;

	for (size_t i = sim->calls_mark; i < sim->n_calls; i++) {
		if (strcmp(sim->calls[i].watch, watch) != 0)
			continue;
		fputs(any ? "; " : "", f);
		print_call(f, &sim->calls[i], true);
		any = true;
	}
	if (!any)
		fputs("no calls since the last match", f);
}

static int cmd_expect_call(struct ctx *c, int argc, char **argv)
{
	struct apsim_sim *sim = c->sim;
	bool complete = false, match;
	struct kv *kvs;
	char *what, *got;
	int r;

	if (!watch_exists(sim, argv[0]))
		return usage_error(c, "%s: no watch driver '%s' (add one with 'watch add NAME')",
				   c->name, argv[0]);
	r = parse_callback(c, argv[1], &complete);
	if (r < 0)
		return r;
	r = parse_kvs(c, argc - 2, argv + 2, &kvs);
	if (r < 0)
		return r;
	{
		/* check the keys and lists even when there is no call to compare with */
		struct apsim_watch_call dummy = {.watch = argv[0]};

		r = call_matches(c, &dummy, kvs, argc - 2, &match);
		if (r < 0) {
			free_kvs(kvs, argc - 2);
			return r;
		}
	}
	for (size_t i = sim->calls_mark; i < sim->n_calls; i++) {
		const struct apsim_watch_call *call = &sim->calls[i];

		if (strcmp(call->watch, argv[0]) != 0 || call->scan_complete != complete)
			continue;
		r = call_matches(c, call, kvs, argc - 2, &match);
		if (r < 0) {
			free_kvs(kvs, argc - 2);
			return r;
		}
		if (!match)
			continue;
		free_kvs(kvs, argc - 2);
		sim->calls_mark = i + 1;
		if (call->uevent_pos > sim->events_mark)
			sim->events_mark = call->uevent_pos;
		return 0;
	}
	free_kvs(kvs, argc - 2);
	what = join_args(argc, argv, 0);
	got = capture_text(print_recent_calls, sim, argv[0]);
	r = expect_failed(c, "expected call %s, got %s", what ? what : "?", got ? got : "?");
	free(what);
	free(got);
	return r;
}

static int cmd_expect_calls(struct ctx *c, int argc, char **argv)
{
	unsigned long want, got = 0;
	bool complete = false;
	int r;

	(void) argc;
	if (!watch_exists(c->sim, argv[0]))
		return usage_error(c, "%s: no watch driver '%s' (add one with 'watch add NAME')",
				   c->name, argv[0]);
	r = parse_callback(c, argv[1], &complete);
	if (r < 0)
		return r;
	if (parse_ulong(argv[2], ULONG_MAX, &want) < 0)
		return usage_error(c, "%s: bad count '%s'", c->name, argv[2]);
	for (size_t i = 0; i < c->sim->n_calls; i++)
		if (strcmp(c->sim->calls[i].watch, argv[0]) == 0 &&
		    c->sim->calls[i].scan_complete == complete)
			got++;
	if (got == want)
		return 0;
	return expect_failed(c, "expected %lu %s calls of %s, got %lu", want, argv[1], argv[0],
			     got);
}

/* --- guests, mdevs --- */

static int cmd_guest_start(struct ctx *c, int argc, char **argv)
{
	bool se = false;
	int r;

	/* --se: a Secure Execution guest (docs/se-guests.md) */
	if (argc > 2) {
		if (strcmp(argv[2], "--se") != 0)
			return usage_error(c, "%s: unknown option '%s' (expected --se)", c->name,
					   argv[2]);
		se = true;
	}
	r = apsim__sim_guest_start(c->sim, argv[0], argv[1], se);
	if (r == -EEXIST)
		return fail(c, r, "%s: guest '%s' exists", c->name, argv[0]);
	if (r == -ENODEV)
		return fail(c, r, "%s: no mdev %s", c->name, argv[1]);
	if (r == -EPERM)
		return fail(c, r, "%s: mdev %s is in use by another guest", c->name, argv[1]);
	return r < 0 ? fail_errno(c, r) : 0;
}

static int cmd_guest_stop(struct ctx *c, int argc, char **argv)
{
	int r;

	(void) argc;
	r = apsim__sim_guest_stop(c->sim, argv[0]);
	if (r == -ENOENT)
		return fail(c, r, "%s: no guest '%s'", c->name, argv[0]);
	return r < 0 ? fail_errno(c, r) : 0;
}

static json_t *mask_json(const struct apsim_mask *m)
{
	char buf[APSIM_MASK_STRLEN];
	int n = apsim_mask_format(m, buf, sizeof(buf));

	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return json_string(buf);
}

static int cmd_guest_show(struct ctx *c, int argc, char **argv)
{
	json_t *array = NULL;

	if (argc && !find_guest(c, argv[0]))
		return -ENOENT;
	if (c->json) {
		array = json_array();
		if (!array)
			return fail_errno(c, -ENOMEM);
	}
	for (struct apsim_guest *g = c->sim->guests; g; g = g->next) {
		if (argc && strcmp(g->name, argv[0]) != 0)
			continue;
		if (array) {
			json_t *o = json_pack(
			    "{s:s, s:s, s:I, s:o, s:o, s:o}", "name", g->name, "mdev", g->mdev,
			    "apcb_updates", (json_int_t) g->apcb_updates, "apm", mask_json(&g->apm),
			    "aqm", mask_json(&g->aqm), "adm", mask_json(&g->adm));

			/* "se": true only for SE guests, so the other guests' JSON stays as it was */
			if (o && g->se && json_object_set_new(o, "se", json_true()) < 0) {
				json_decref(o);
				o = NULL;
			}

			if (!o || json_array_append_new(array, o) < 0) {
				json_decref(o);
				json_decref(array);
				return fail_errno(c, -ENOMEM);
			}
			continue;
		}
		{
			char apm[APSIM_MASK_STRLEN], aqm[APSIM_MASK_STRLEN], adm[APSIM_MASK_STRLEN];

			apsim_mask_format(&g->apm, apm, sizeof(apm));
			apsim_mask_format(&g->aqm, aqm, sizeof(aqm));
			apsim_mask_format(&g->adm, adm, sizeof(adm));
			fprintf(
			    c->out,
			    "guest %s\n  mdev %s\n  apcb_updates %llu\n  apm %s  aqm %s  adm %s",
			    g->name, g->mdev[0] ? g->mdev : "-",
			    (unsigned long long) g->apcb_updates, apm, aqm, adm);
			if (g->se)
				fprintf(c->out, "  secure execution\n");
		}
	}
	if (array) {
		json_dumpf(array, c->out, JSON_INDENT(2));
		fputc('\n', c->out);
		json_decref(array);
	}
	return 0;
}

static int cmd_guest_read(struct ctx *c, int argc, char **argv)
{
	struct apsim_guest *g = find_guest(c, argv[0]);

	(void) argc;
	return g ? do_read(c, g->tree, argv[1], "guest read") : -ENOENT;
}

/* guest write NAME PATH VALUE: as write, in the guest's own tree */
static int cmd_guest_write(struct ctx *c, int argc, char **argv)
{
	struct apsim_guest *g = find_guest(c, argv[0]);
	char *value, *raw;
	size_t len;
	ssize_t n;
	int r;

	if (!g)
		return -ENOENT;
	raw = join_args(argc - 1, argv + 1, 1);
	if (!raw)
		return fail_errno(c, -ENOMEM);
	r = apsim__unescape(raw, &value, &len);
	free(raw);
	if (r == -EINVAL)
		return usage_error(
		    c, "guest write %s: bad escape in value (expected \\n \\t \\r \\\\ \\\" \\0 \\xHH)",
		    argv[1]);
	if (r < 0)
		return fail_errno(c, r);
	n = apsim_tree_write(g->tree, tree_path(argv[1]), value, len);
	free(value);
	if (n < 0)
		return fail(c, (int) n, "guest write %s: %s", argv[1], strerror((int) -n));
	return 0;
}

static int cmd_guest_ls(struct ctx *c, int argc, char **argv)
{
	struct apsim_guest *g = find_guest(c, argv[0]);

	return g ? do_ls(c, g->tree, argc > 1 ? argv[1] : "", "guest ls") : -ENOENT;
}

static int cmd_guest_events(struct ctx *c, int argc, char **argv)
{
	struct apsim_guest *g = find_guest(c, argv[0]);

	(void) argc;
	if (!g)
		return -ENOENT;
	print_events(c, g->uevents, 0);
	return 0;
}

static void random_uuid(char *buf)
{
	unsigned char b[16];
	FILE *f = fopen("/dev/urandom", "rb");

	if (!f || fread(b, 1, sizeof(b), f) != sizeof(b)) {
		static unsigned seed;

		if (!seed)
			seed = (unsigned) time(NULL) ^ (unsigned) (uintptr_t) buf;
		for (size_t i = 0; i < sizeof(b); i++) {
			seed = seed * 1103515245u + 12345u;
			b[i] = (unsigned char) (seed >> 16);
		}
	}
	if (f)
		fclose(f);
	b[6] = (unsigned char) ((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char) ((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	sprintf(buf, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
		b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
		b[14], b[15]);
}

static int cmd_mdev_create(struct ctx *c, int argc, char **argv)
{
	char uuid[37];
	int r;

	if (argc)
		snprintf(uuid, sizeof(uuid), "%s", argv[0]);
	else
		random_uuid(uuid);
	if (argc && strlen(argv[0]) >= sizeof(uuid))
		return usage_error(c, "%s: bad UUID '%s'", c->name, argv[0]);
	r = apsim__vfio_ap_mdev_create(c->sim->vfio_ap, uuid);
	if (r == -EINVAL)
		return usage_error(
		    c, "%s: bad UUID '%s' (expected e.g. 5f0b9c4e-1111-4c22-9a33-0123456789ab)",
		    c->name, uuid);
	if (r == -EEXIST)
		return fail(c, r, "%s: mdev %s exists", c->name, uuid);
	if (r < 0)
		return fail_errno(c, r);
	if (!argc)
		fprintf(c->out, "%s\n", uuid);
	return 0;
}

static int cmd_mdev_remove(struct ctx *c, int argc, char **argv)
{
	int r;

	(void) argc;
	r = apsim__vfio_ap_mdev_remove(c->sim->vfio_ap, argv[0]);
	if (r == -ENODEV)
		return fail(c, r, "%s: no mdev %s", c->name, argv[0]);
	if (r == -EBUSY)
		return fail(c, r, "%s: mdev %s is in use by a guest", c->name, argv[0]);
	return r < 0 ? fail_errno(c, r) : 0;
}

static int count_mdev(const char *uuid, void *ctx)
{
	(void) uuid;
	(*(size_t *) ctx)++;
	return 0;
}

static int cmd_mdev_list(struct ctx *c, int argc, char **argv)
{
	struct apsim_mdev_record *recs;
	size_t n = 0;
	json_t *array = NULL;

	(void) argc;
	(void) argv;
	apsim__vfio_ap_for_each_mdev(c->sim->vfio_ap, count_mdev, &n);
	recs = calloc(n + 1, sizeof(*recs));
	if (!recs)
		return fail_errno(c, -ENOMEM);
	n = apsim__vfio_ap_list_mdevs(c->sim->vfio_ap, recs, n);
	if (c->json) {
		array = json_array();
		if (!array) {
			free(recs);
			return fail_errno(c, -ENOMEM);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!array) {
			fprintf(c->out, "%s\n", recs[i].uuid);
			continue;
		}
		json_array_append_new(array, json_pack("{s:s, s:o, s:o, s:o}", "uuid", recs[i].uuid,
						       "apm", mask_json(&recs[i].apm), "aqm",
						       mask_json(&recs[i].aqm), "adm",
						       mask_json(&recs[i].adm)));
	}
	if (array) {
		json_dumpf(array, c->out, JSON_INDENT(2));
		fputc('\n', c->out);
		json_decref(array);
	}
	free(recs);
	return 0;
}

/* spec 6.13: the VFIO ioctls of an mdev */
static int cmd_mdev_ioctl(struct ctx *c, int argc, char **argv)
{
	struct apsim_vfio_ap *v = c->sim->vfio_ap;
	const char *uuid = argv[0], *name = argv[1];
	long index = 0, fd = 0;
	unsigned a, b, n;
	int nargs, r;

	if (strcmp(name, "get-info") == 0 || strcmp(name, "reset") == 0)
		nargs = 0;
	else if (strcmp(name, "get-irq-info") == 0)
		nargs = 1;
	else if (strcmp(name, "set-irqs") == 0)
		nargs = 2;
	else
		nargs = argc - 2;
	if (argc - 2 != nargs)
		return usage_error(c, "%s: %s takes %d argument(s)", c->name, name, nargs);
	if ((strcmp(name, "get-irq-info") == 0 || strcmp(name, "set-irqs") == 0) &&
	    parse_long(argv[2], &index) < 0)
		return usage_error(c, "%s: bad index '%s'", c->name, argv[2]);
	if (strcmp(name, "set-irqs") == 0 && parse_long(argv[3], &fd) < 0)
		return usage_error(c, "%s: bad fd '%s'", c->name, argv[3]);

	if (strcmp(name, "get-info") == 0)
		r = apsim__vfio_ap_ioctl_get_info(v, uuid, &a, &n, &b);
	else if (strcmp(name, "get-irq-info") == 0)
		r = apsim__vfio_ap_ioctl_get_irq_info(v, uuid, index, &a, &b);
	else if (strcmp(name, "set-irqs") == 0)
		r = apsim__vfio_ap_ioctl_set_irqs(v, uuid, index, fd);
	else if (strcmp(name, "reset") == 0)
		r = apsim__vfio_ap_ioctl_reset(v, uuid);
	else
		r = apsim__vfio_ap_ioctl_other(v, uuid);
	if (r == -ENODEV)
		return fail(c, r, "%s: no mdev %s", c->name, uuid);
	if (r == -EOPNOTSUPP)
		return fail(c, r, "%s: %s: not supported by vfio_ap", c->name, name);
	if (r == -EINVAL && strcmp(name, "set-irqs") == 0)
		return fail(c, r, "%s: set-irqs: bad index %ld or fd %ld", c->name, index, fd);
	if (r == -EINVAL)
		return fail(c, r, "%s: %s: bad index %ld", c->name, name, index);
	if (r == -EIO)
		return fail(c, r, "%s: reset: a queue reset failed", c->name);
	if (r < 0)
		return fail_errno(c, r);
	if (strcmp(name, "get-info") == 0)
		fprintf(c->out, "flags=AP,RESET num_regions=%u num_irqs=%u\n", n, b);
	else if (strcmp(name, "get-irq-info") == 0)
		fprintf(c->out, "count=%u flags=EVENTFD\n", a);
	return 0;
}

static int cmd_mdev_show(struct ctx *c, int argc, char **argv)
{
	struct apsim_vfio_ap_triggers t;
	int r;

	(void) argc;
	r = apsim__vfio_ap_get_triggers(c->sim->vfio_ap, argv[0], &t);
	if (r == -ENODEV)
		return fail(c, r, "%s: no mdev %s", c->name, argv[0]);
	if (r < 0)
		return fail_errno(c, r);
	fprintf(c->out,
		"mdev %s\n  req_trigger %s signals %llu\n  cfg_chg_trigger %s signals %llu\n", argv[0], t.req_registered ? "registered" : "none",
		(unsigned long long) t.req_signals, t.cfg_chg_registered ? "registered" : "none",
		(unsigned long long) t.cfg_chg_signals);
	return 0;
}

static int cmd_expect_cfg_chg_signals(struct ctx *c, int argc, char **argv)
{
	struct apsim_vfio_ap_triggers t;
	unsigned long want;
	int r;

	(void) argc;
	if (parse_ulong(argv[1], ULONG_MAX, &want) < 0)
		return usage_error(c, "%s: bad count '%s'", c->name, argv[1]);
	r = apsim__vfio_ap_get_triggers(c->sim->vfio_ap, argv[0], &t);
	if (r == -ENODEV)
		return fail(c, r, "%s: no mdev %s", c->name, argv[0]);
	if (r < 0)
		return fail_errno(c, r);
	if (t.cfg_chg_signals == want)
		return 0;
	return expect_failed(c, "expected mdev %s to have %lu config-change signals, got %llu",
			     argv[0], want, (unsigned long long) t.cfg_chg_signals);
}

/* --- the table --- */

static int cmd_help(struct ctx *c, int argc, char **argv);

/* clang-format off */
static const struct command commands[] = {
	{ "help", "[COMMAND]", "show the commands (or those starting with COMMAND)", 0, -1, 0, cmd_help },
	{ "machine show", "[--json]", "the installed adapters, the LPAR's configuration, limits, QCI, notify",
	  0, 0, CMD_JSON, cmd_machine_show },
	{ "machine card add", "APID TYPE [--depth N] [--functions HEX] [--serial S] [--ml N] [--raw-type N]",
	  "install an adapter (TYPE CEX4A..CEX8P)", 2, 12, CMD_CHANGES, cmd_machine_card_add },
	{ "machine card remove", "APID", "uninstall an adapter", 1, 1, CMD_CHANGES, cmd_machine_card_remove },
	{ "machine card checkstop", "APID on|off", "checkstop an adapter, or end it", 2, 2, CMD_CHANGES,
	  cmd_machine_card_checkstop },
	{ "machine card config", "APID on|off", "SE-side configure/deconfigure (as writing its config)",
	  2, 2, CMD_CHANGES, cmd_machine_card_config },
	{ "machine lpar add", "adapter|domain|control-domain LIST",
	  "add ids to the LPAR's AP configuration (one change)", 2, 2, CMD_CHANGES, cmd_machine_lpar_add },
	{ "machine lpar remove", "adapter|domain|control-domain LIST",
	  "remove ids from the LPAR's AP configuration (one change)", 2, 2, CMD_CHANGES,
	  cmd_machine_lpar_remove },
	{ "machine notify", "on|off", "whether configuration changes are signalled to the bus", 1, 1,
	  CMD_CHANGES, cmd_machine_notify },
	{ "machine limits", "MAX_ADAPTER_ID MAX_DOMAIN_ID", "QCI na/nd (the APXA maxima)", 2, 2,
	  CMD_CHANGES, cmd_machine_limits },
	{ "machine qci", "on|off", "QCI available (facility 12)", 1, 1, CMD_CHANGES, cmd_machine_qci },
	{ "machine flags", "FLAG,...|none|0xHEX", "QCI flags (APSC, APXA, QACT, RC8A, APSB)", 1, 1, CMD_CHANGES,
	  cmd_machine_flags },
	{ "machine queue inject", "APQN RC [COUNT]", "the next COUNT (1) TAPQs/ZAPQs of APQN answer RC",
	  2, 3, CMD_CHANGES, cmd_machine_queue_inject },
	{ "scan", "", "run one AP bus scan", 0, 0, CMD_CHANGES, cmd_scan },
	{ "sleep", "DURATION", "advance the virtual clock (30s, 20ms, 1.5s, 5m), firing timers", 1, 1,
	  CMD_CHANGES, cmd_sleep },
	{ "read", "PATH", "print an attribute as is", 1, 1, 0, cmd_read },
	{ "write", "PATH VALUE", "write VALUE (C escapes allowed) to an attribute", 2, -1, CMD_CHANGES,
	  cmd_write },
	{ "ls", "[PATH] [--json]", "list a directory: dirs end in /, links in @", 0, 1, CMD_JSON, cmd_ls },
	{ "events", "[--since-mark] [--json]", "every uevent so far (or since the expect mark)", 0, 1,
	  CMD_JSON, cmd_events },
	{ "events mark", "", "move the expect mark past every event and call so far", 0, 0, 0,
	  cmd_events_mark },
	{ "dump", "DIR", "write the tree as plain files and symlinks under DIR", 1, 1, 0, cmd_dump },
	{ "run", "FILE...", "run scenario files", 1, -1, CMD_CHANGES, cmd_run },
	{ "expect read", "PATH TEXT", "the attribute's whole content is TEXT (C escapes)", 1, -1, 0,
	  cmd_expect_read },
	{ "expect guest-read", "NAME PATH TEXT", "the same in the guest's own tree", 2, -1, 0,
	  cmd_expect_guest_read },
	{ "expect fail", "ERRNO COMMAND...", "COMMAND fails with exactly ERRNO (e.g. EINVAL)", 2, -1,
	  CMD_CHANGES, cmd_expect_fail },
	{ "expect event", "ACTION DEVPATH [KEY=VALUE...]", "such a uevent came since the last match",
	  2, -1, 0, cmd_expect_event },
	{ "expect no-event", "ACTION DEVPATH [KEY=VALUE...]", "no such uevent came since the last match",
	  2, -1, 0, cmd_expect_no_event },
	{ "expect events-count", "N", "N uevents came since the last match", 1, 1, 0,
	  cmd_expect_events_count },
	{ "expect apcb-updates", "GUEST N", "the guest's APCB was updated N times", 2, 2, 0,
	  cmd_expect_apcb_updates },
	{ "expect cfg-chg-signals", "UUID N", "the mdev's config-change trigger was signalled N times",
	  2, 2, 0, cmd_expect_cfg_chg_signals },
	{ "expect invariants", "", "the vfio_ap safety invariants hold", 0, 0, 0, cmd_expect_invariants },
	{ "expect exists", "PATH", "PATH exists in the tree", 1, 1, 0, cmd_expect_exists },
	{ "expect missing", "PATH", "PATH does not exist", 1, 1, 0, cmd_expect_missing },
	{ "expect link", "PATH TARGET", "PATH is a symlink to TARGET", 2, 2, 0, cmd_expect_link },
	{ "expect ls", "PATH [NAME...]", "the listing of PATH is exactly NAME... (ls format)", 1, -1, 0,
	  cmd_expect_ls },
	{ "expect call", "WATCH CALLBACK [KEY=VALUE...]",
	  "the watch driver saw such a call since the last match", 2, -1, 0, cmd_expect_call },
	{ "expect calls", "WATCH CALLBACK N", "the watch driver saw N such calls in all", 3, 3, 0,
	  cmd_expect_calls },
	{ "watch add", "NAME [--rescan]", "register an AP driver that records the config callbacks",
	  1, 2, CMD_CHANGES, cmd_watch_add },
	{ "watch show", "[NAME]", "the recorded callback calls", 0, 1, 0, cmd_watch_show },
	{ "guest start", "NAME UUID [--se]", "start a KVM guest on an mdev (--se: a Secure Execution guest)",
	  2, 3, CMD_CHANGES, cmd_guest_start },
	{ "guest stop", "NAME", "stop a guest", 1, 1, CMD_CHANGES, cmd_guest_stop },
	{ "guest show", "[NAME] [--json]", "guests with their mdev, APCB and update count", 0, 1,
	  CMD_JSON, cmd_guest_show },
	{ "guest read", "NAME PATH", "read an attribute of the guest's own tree", 2, 2, 0,
	  cmd_guest_read },
	{ "guest write", "NAME PATH VALUE", "write VALUE (C escapes allowed) to an attribute of the guest's tree",
	  3, -1, CMD_CHANGES, cmd_guest_write },
	{ "guest ls", "NAME [PATH] [--json]", "list a directory of the guest's tree", 1, 2, CMD_JSON,
	  cmd_guest_ls },
	{ "guest events", "NAME [--json]", "the guest's uevents", 1, 1, CMD_JSON, cmd_guest_events },
	{ "mdev create", "[UUID]", "create a vfio_ap-passthrough mdev (random UUID printed if none)", 0,
	  1, CMD_CHANGES, cmd_mdev_create },
	{ "mdev remove", "UUID", "remove an mdev", 1, 1, CMD_CHANGES, cmd_mdev_remove },
	{ "mdev list", "[--json]", "the mdevs in list order", 0, 0, CMD_JSON, cmd_mdev_list },
	{ "mdev show", "UUID", "the mdev's eventfd triggers and their signal counts", 1, 1, 0,
	  cmd_mdev_show },
	{ "mdev ioctl", "UUID NAME [ARG...]",
	  "a VFIO ioctl: get-info, get-irq-info INDEX, set-irqs INDEX FD, reset", 2, -1, CMD_CHANGES,
	  cmd_mdev_ioctl },
};
/* clang-format on */

/* Number of leading words of name matched by argv (all of name's words, or fewer). */
static int words_matched(const char *name, int argc, char **argv, int *ret_total)
{
	int matched = 0, total = 0;
	bool all = true;
	const char *p = name;

	while (*p) {
		size_t n = strcspn(p, " ");

		if (all && matched < argc && strlen(argv[matched]) == n &&
		    strncmp(argv[matched], p, n) == 0)
			matched++;
		else
			all = false;
		total++;
		p += n;
		while (*p == ' ')
			p++;
	}
	*ret_total = total;
	return matched;
}

static int cmd_help(struct ctx *c, int argc, char **argv)
{
	size_t width = 0;

	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		size_t w = strlen(commands[i].name) + 1 + strlen(commands[i].args);

		if (w > width)
			width = w;
	}
	if (width > 40)
		width = 40;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		const struct command *cmd = &commands[i];
		char head[256];
		int total;

		if (argc &&
		    words_matched(cmd->name, argc, argv, &total) < (argc < total ? argc : total))
			continue;
		snprintf(head, sizeof(head), "%s%s%s", cmd->name, cmd->args[0] ? " " : "",
			 cmd->args);
		if (strlen(head) > width)
			fprintf(c->out, "  %s\n  %-*s  %s\n", head, (int) width, "", cmd->help);
		else
			fprintf(c->out, "  %-*s  %s\n", (int) width, head, cmd->help);
	}
	return 0;
}

static void print_subcommands(FILE *f, const void *a, const void *b)
{
	const int *depth = a;
	char *const *argv = b;
	const char *last = NULL;
	size_t last_len = 0;
	bool first = true;

	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		const char *p = commands[i].name;
		int total, d;
		size_t n;

		if (words_matched(p, *depth, (char **) argv, &total) != *depth || total <= *depth)
			continue;
		for (d = 0; d < *depth; d++) {
			p += strcspn(p, " ");
			p++;
		}
		n = strcspn(p, " ");
		if (last && n == last_len && strncmp(p, last, n) == 0)
			continue;
		fprintf(f, "%s%.*s", first ? "" : ", ", (int) n, p);
		first = false;
		last = p;
		last_len = n;
	}
}

static int dispatch(struct ctx *c, int argc, char **argv)
{
	const struct command *best = NULL;
	int best_words = 0, prefix = 0, r;
	char **args = NULL;
	int nargs;

	if (argc == 0)
		return usage_error(c, "missing command (try 'help')");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		int total, m = words_matched(commands[i].name, argc, argv, &total);

		if (m == total && total > best_words) {
			best = &commands[i];
			best_words = total;
		}
		if (m > prefix)
			prefix = m;
	}
	if (!best || prefix > best_words) {
		char *list, *known;

		known = join_args(prefix, argv, 0);
		list = capture_text(print_subcommands, &prefix, argv);
		if (prefix == 0)
			r = usage_error(c, "unknown command '%s' (try 'help')", argv[0]);
		else if (prefix >= argc)
			r = usage_error(c, "%s: missing subcommand (expected %s)",
					known ? known : "?", list ? list : "?");
		else
			r = usage_error(c, "%s: unknown subcommand '%s' (expected %s)",
					known ? known : "?", argv[prefix], list ? list : "?");
		free(known);
		free(list);
		return r;
	}

	c->name = best->name;
	nargs = argc - best_words;
	args = malloc(((size_t) nargs + 1) * sizeof(char *));
	if (!args)
		return fail_errno(c, -ENOMEM);
	{
		int n = 0;

		for (int i = best_words; i < argc; i++) {
			if ((best->flags & CMD_JSON) && strcmp(argv[i], "--json") == 0) {
				c->json = true;
				continue;
			}
			args[n++] = argv[i];
		}
		args[n] = NULL;
		nargs = n;
	}
	if (nargs < best->min_args || (best->max_args >= 0 && nargs > best->max_args))
		r = usage_error(c, "%s: usage: %s %s", best->name, best->name, best->args);
	else
		r = best->fn(c, nargs, args);
	free(args);
	return r;
}

static bool command_changes(int argc, char **argv)
{
	const struct command *best = NULL;
	int best_words = 0;

	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		int total, m = words_matched(commands[i].name, argc, argv, &total);

		if (m == total && total > best_words) {
			best = &commands[i];
			best_words = total;
		}
	}
	return best && (best->flags & CMD_CHANGES);
}

int apsim__command_run_at(struct apsim_sim *sim, int argc, char **argv, bool json, FILE *out,
			  FILE *err, const char *where)
{
	struct ctx c = {.sim = sim, .json = json, .out = out, .err = err, .where = where};
	int r = dispatch(&c, argc, argv);

	if (r == -APSIM_EUSAGE)
		return r;
	/* --check-invariants: after every command */
	if (sim->opts.check_invariants) {
		char msg[512];
		int v = apsim_sim_check_invariants(sim, msg, sizeof(msg));

		if (v < 0) {
			char *cmd = join_args(argc, argv, 0);

			c.name = NULL;
			fail(&c, v, "invariant violated after '%s': %s", cmd ? cmd : "?", msg);
			free(cmd);
			return v;
		}
	}
	if (r >= 0 && sim->on_change && command_changes(argc, argv)) {
		int s = sim->on_change(sim, sim->on_change_ctx);

		if (s < 0) {
			char *cmd = join_args(argc, argv, 0);

			c.name = NULL;
			r = fail(&c, s, "'%s' was applied but the state could not be saved: %s",
				 cmd ? cmd : "?", strerror(-s));
			free(cmd);
		}
	}
	return r;
}

int apsim__command_run(struct apsim_sim *sim, int argc, char **argv, bool json, FILE *out,
		       FILE *err)
{
	return apsim__command_run_at(sim, argc, argv, json, out, err, NULL);
}

int apsim__command_run_line(struct apsim_sim *sim, const char *line, bool json, FILE *out,
			    FILE *err, const char *where)
{
	char **argv;
	int argc, r;

	r = apsim__command_split(line, &argc, &argv);
	if (r < 0)
		return r;
	r = argc ? apsim__command_run_at(sim, argc, argv, json, out, err, where) : 0;
	free(argv);
	return r;
}
