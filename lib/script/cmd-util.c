/* SPDX-License-Identifier: MIT */
/*
 * cmd-util.c - what every command group shares: the messages (usage errors, failures, with the
 * scenario's file:line in front) and the parsing of arguments (numbers, on|off, adapter ids,
 * APQNs, tree paths). The bottom of lib/script's command files: it calls nothing above it.
 */
#define _POSIX_C_SOURCE 200809L
#include "script/command-internal.h"

/* --- messages --- */

void apsim__cmd_vmsg(struct ctx *c, const char *fmt, va_list ap)
{
	if (c->where)
		fprintf(c->err, "%s: ", c->where);
	vfprintf(c->err, fmt, ap);
	fputc('\n', c->err);
}

int apsim__cmd_usage_error(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	apsim__cmd_vmsg(c, fmt, ap);
	va_end(ap);
	return -APSIM_EUSAGE;
}

int apsim__cmd_fail(struct ctx *c, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	apsim__cmd_vmsg(c, fmt, ap);
	va_end(ap);
	return r;
}

/* "CMD: strerror" for a failed model call. */
int apsim__cmd_fail_errno(struct ctx *c, int r)
{
	return apsim__cmd_fail(c, r, "%s: %s", c->name, strerror(-r));
}

/* --- argument parsing helpers --- */

int apsim__cmd_parse_ulong(const char *s, unsigned long max, unsigned long *ret)
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
int apsim__cmd_parse_long(const char *s, long *ret)
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

int apsim__cmd_parse_on_off(struct ctx *c, const char *s, bool *ret)
{
	if (strcmp(s, "on") == 0)
		*ret = true;
	else if (strcmp(s, "off") == 0)
		*ret = false;
	else
		return apsim__cmd_usage_error(c, "%s: expected on or off, got '%s'", c->name, s);
	return 0;
}

int apsim__cmd_parse_apid(struct ctx *c, const char *s, unsigned *ret)
{
	unsigned long v;

	if (apsim__cmd_parse_ulong(s, ULONG_MAX, &v) < 0)
		return apsim__cmd_usage_error(c, "%s: bad adapter id '%s' (expected a number 0..255)",
					      c->name, s);
	/* what is right, and what the bus scans (ids above its maximum are never scanned) */
	if (v > 255)
		return apsim__cmd_usage_error(c, "%s: adapter %s: out of range 0x00-0xff "
					      "(ap_max_adapter_id is 0x%02x)",
					      c->name, s, apsim_bus_get_max_adapter_id(c->sim->bus));
	*ret = (unsigned) v;
	return 0;
}

/* "04.0020": the kernel's queue device name (hex) */
int apsim__cmd_parse_apqn(struct ctx *c, const char *s, unsigned *ret)
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
	return apsim__cmd_usage_error(c, "%s: bad APQN '%s' (expected XX.YYYY in hex, e.g. 04.0020)", c->name,
			   s);
}

/* Tree paths: "bus/ap/apmask", "/bus/ap/apmask" and "/sys/bus/ap/apmask" are the same. */
const char *apsim__cmd_tree_path(const char *p)
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
char *apsim__cmd_join_args(int argc, char **argv, int from)
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

/* --json output: VALUE indented, one newline, freed */
int apsim__cmd_print_json(struct ctx *c, json_t *value)
{
	if (!value)
		return apsim__cmd_fail_errno(c, -ENOMEM);
	json_dumpf(value, c->out, JSON_INDENT(2));
	fputc('\n', c->out);
	json_decref(value);
	return 0;
}
