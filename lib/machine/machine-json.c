/* SPDX-License-Identifier: MIT */
/*
 * Machine descriptions as JSON (docs/machine.md), with jansson. Strict: unknown keys, wrong
 * types and bad values are errors naming the source, the JSON path and what was expected.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apsim/machine.h"
#include "apsim/mask.h"
#include "machine/machine-json-internal.h"
#include "base/macro-internal.h"

struct loader {
	const char *source;
	char *msg;
	size_t msg_len;
};

static int bad(struct loader *l, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(struct loader *l, const char *path, const char *fmt, ...)
{
	char text[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (l->msg && l->msg_len) {
		if (path && path[0])
			snprintf(l->msg, l->msg_len, "%s: %s: %s", l->source, path, text);
		else
			snprintf(l->msg, l->msg_len, "%s: %s", l->source, text);
	}
	return -EINVAL;
}

static const char *type_desc(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number with a fraction";
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	case JSON_NULL:
		return "null";
	}
	return "something else";
}

/* The value for messages: integers as numbers, strings quoted (shortened), else the type. */
static const char *value_desc(const json_t *v, char *buf, size_t len)
{
	if (json_is_integer(v))
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_string(v))
		snprintf(buf, len, "'%.40s%s'", json_string_value(v),
			 json_string_length(v) > 40 ? "..." : "");
	else
		snprintf(buf, len, "%s", type_desc(v));
	return buf;
}

static int get_uint(struct loader *l, const char *path, const json_t *v, unsigned max,
		    unsigned *ret)
{
	char d[64];

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > (json_int_t) max)
		return bad(l, path, "expected an integer 0..%u, got %s", max,
			   value_desc(v, d, sizeof(d)));
	*ret = (unsigned) json_integer_value(v);
	return 0;
}

static int get_bool(struct loader *l, const char *path, const json_t *v, bool *ret)
{
	char d[64];

	if (!json_is_boolean(v))
		return bad(l, path, "expected true or false, got %s", value_desc(v, d, sizeof(d)));
	*ret = json_is_true(v);
	return 0;
}

/* Rejects keys not in the NULL-terminated list. */
static int check_keys(struct loader *l, const char *path, json_t *obj, const char *const *keys,
		      const char *expected)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		bool known = false;

		for (size_t i = 0; keys[i] && !known; i++)
			known = strcmp(key, keys[i]) == 0;
		if (!known)
			return bad(l, path, "unknown key '%.40s' (expected %s)", key, expected);
	}
	return 0;
}

static const struct {
	const char *name;
	uint32_t bit;
} flag_names[] = {
    {"APSC", APSIM_QCI_APSC}, {"APXA", APSIM_QCI_APXA}, {"QACT", APSIM_QCI_QACT},
    {"RC8A", APSIM_QCI_RC8A}, {"APSB", APSIM_QCI_APSB},
};

static int load_flags(struct loader *l, json_t *v, uint32_t *ret)
{
	uint32_t flags = 0;
	char path[32], d[64];
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return bad(l, "flags", "expected an array of QCI flag names, got %s",
			   value_desc(v, d, sizeof(d)));
	json_array_foreach(v, i, e)
	{
		bool found = false;

		snprintf(path, sizeof(path), "flags[%zu]", i);
		for (size_t k = 0; k < ARRAY_SIZE(flag_names) && json_is_string(e); k++) {
			if (strcmp(json_string_value(e), flag_names[k].name) == 0) {
				flags |= flag_names[k].bit;
				found = true;
			}
		}
		if (!found)
			return bad(
			    l, path,
			    "expected a QCI flag name (APSC, APXA, QACT, RC8A or APSB), got %s",
			    value_desc(e, d, sizeof(d)));
	}
	*ret = flags;
	return 0;
}

static int load_id_list(struct loader *l, const char *path, json_t *v, struct apsim_mask *ret)
{
	char d[64], ep[96];
	size_t i;
	json_t *e;

	apsim_mask_zero(ret);
	if (json_is_string(v)) {
		if (json_string_length(v) == 0)
			return 0;
		if (strlen(json_string_value(v)) != json_string_length(v) ||
		    apsim_mask_parse_list(json_string_value(v), ret) < 0)
			return bad(l, path,
				   "expected an id list such as \"3,5,10-12\" (ids 0..255), got %s",
				   value_desc(v, d, sizeof(d)));
		return 0;
	}
	if (!json_is_array(v))
		return bad(l, path,
			   "expected an id list: a string such as \"3,5,10-12\" or an array of "
			   "integers, got %s",
			   value_desc(v, d, sizeof(d)));
	json_array_foreach(v, i, e)
	{
		unsigned id;
		int r;

		snprintf(ep, sizeof(ep), "%s[%zu]", path, i);
		r = get_uint(l, ep, e, 255, &id);
		if (r < 0)
			return r;
		apsim_mask_set(ret, id);
	}
	return 0;
}

static const char *const card_keys[] = {"apid",	  "type",     "depth",	   "functions", "ml",
					"serial", "raw_type", "checkstop", "config",	NULL};

static int load_card(struct loader *l, struct apsim_machine *m, size_t idx, json_t *card)
{
	struct apsim_card_spec spec;
	char path[48], kp[64], d[64];
	bool on = false;
	unsigned apid, v;
	json_t *e;
	int r;

	snprintf(path, sizeof(path), "cards[%zu]", idx);
	if (!json_is_object(card))
		return bad(l, path, "expected an object describing an adapter, got %s",
			   value_desc(card, d, sizeof(d)));
	r = check_keys(l, path, card, card_keys,
		       "apid, type, depth, functions, ml, serial, raw_type, checkstop, config");
	if (r < 0)
		return r;

	snprintf(kp, sizeof(kp), "%s.apid", path);
	e = json_object_get(card, "apid");
	if (!e)
		return bad(l, path, "missing key 'apid' (the adapter id 0..255)");
	r = get_uint(l, kp, e, 255, &apid);
	if (r < 0)
		return r;
	if (apsim_machine_card_get(m, apid))
		return bad(l, kp, "adapter %u is listed twice", apid);

	snprintf(kp, sizeof(kp), "%s.type", path);
	e = json_object_get(card, "type");
	if (!e)
		return bad(l, path, "missing key 'type' (CEX4A..CEX8P)");
	if (!json_is_string(e))
		return bad(l, kp, "expected a card type CEX4A..CEX8P, got %s",
			   value_desc(e, d, sizeof(d)));
	if (apsim_card_type_parse(json_string_value(e), &spec) < 0)
		return bad(l, kp, "unknown card type %s (expected CEX4A..CEX8P)",
			   value_desc(e, d, sizeof(d)));

	if ((e = json_object_get(card, "depth"))) {
		snprintf(kp, sizeof(kp), "%s.depth", path);
		r = get_uint(l, kp, e, 15, &spec.depth);
		if (r < 0)
			return r;
	}
	if ((e = json_object_get(card, "ml"))) {
		snprintf(kp, sizeof(kp), "%s.ml", path);
		r = get_uint(l, kp, e, 15, &spec.ml);
		if (r < 0)
			return r;
	}
	if ((e = json_object_get(card, "raw_type"))) {
		snprintf(kp, sizeof(kp), "%s.raw_type", path);
		r = get_uint(l, kp, e, 255, &v);
		if (r < 0)
			return r;
		spec.raw_type = (uint8_t) v;
	}
	if ((e = json_object_get(card, "functions"))) {
		const char *s = json_is_string(e) ? json_string_value(e) : NULL;
		unsigned long f = 0;
		char *end = NULL;

		snprintf(kp, sizeof(kp), "%s.functions", path);
		if (s && s[0] == '0' && s[1] == 'x' && s[2] && strlen(s) <= 10 &&
		    strspn(s + 2, "0123456789abcdefABCDEF") == strlen(s + 2))
			f = strtoul(s + 2, &end, 16);
		if (!end || *end)
			return bad(l, kp,
				   "expected a 32-bit hex string such as \"0x92800000\", got %s",
				   value_desc(e, d, sizeof(d)));
		spec.functions = (uint32_t) f;
	}
	if ((e = json_object_get(card, "serial"))) {
		const char *s = json_is_string(e) ? json_string_value(e) : NULL;
		bool printable = s && strlen(s) == json_string_length(e);

		snprintf(kp, sizeof(kp), "%s.serial", path);
		for (size_t i = 0; printable && s[i]; i++)
			printable = s[i] > ' ' && s[i] < 0x7f;
		if (!printable || strlen(s) >= sizeof(spec.serial))
			return bad(l, kp,
				   "expected a serial number of at most 16 printable characters "
				   "without spaces, got %s",
				   value_desc(e, d, sizeof(d)));
		strcpy(spec.serial, s);
	}
	r = apsim_machine_card_add(m, apid, &spec);
	if (r < 0)
		return r == -ENOMEM ? r
				    : bad(l, path, "cannot install the adapter: %s", strerror(-r));

	if ((e = json_object_get(card, "checkstop"))) {
		snprintf(kp, sizeof(kp), "%s.checkstop", path);
		r = get_bool(l, kp, e, &on);
		if (r < 0)
			return r;
		(void) apsim_machine_card_checkstop(m, apid, on);
	}
	if ((e = json_object_get(card, "config"))) {
		snprintf(kp, sizeof(kp), "%s.config", path);
		r = get_bool(l, kp, e, &on);
		if (r < 0)
			return r;
		(void) apsim_machine_card_config(m, apid, on);
	}
	return 0;
}

static const char *const lpar_keys[] = {"adapters", "domains", "control_domains", NULL};

static int load_lpar(struct loader *l, struct apsim_machine *m, json_t *lpar)
{
	static const enum apsim_lpar_set sets[] = {APSIM_LPAR_ADAPTER, APSIM_LPAR_DOMAIN,
						   APSIM_LPAR_CONTROL_DOMAIN};
	char d[64], path[48];
	int r;

	if (!json_is_object(lpar))
		return bad(l, "lpar",
			   "expected an object with adapters, domains, control_domains, got %s",
			   value_desc(lpar, d, sizeof(d)));
	r = check_keys(l, "lpar", lpar, lpar_keys, "adapters, domains, control_domains");
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
		json_t *e = json_object_get(lpar, lpar_keys[i]);
		struct apsim_mask ids;

		if (!e)
			continue;
		snprintf(path, sizeof(path), "lpar.%s", lpar_keys[i]);
		r = load_id_list(l, path, e, &ids);
		if (r < 0)
			return r;
		r = apsim_machine_lpar_change(m, sets[i], true, &ids);
		if (r < 0)
			return r;
	}
	return 0;
}

static const char *const top_keys[] = {"qci",	 "flags", "max_adapter_id", "max_domain_id",
				       "notify", "cards", "lpar",	    NULL};

int apsim__machine_json_load(json_t *root, const char *source, struct apsim_machine **ret,
			     char *msg, size_t msg_len)
{
	struct loader l = {.source = source ? source : "machine", .msg = msg, .msg_len = msg_len};
	struct apsim_machine *m;
	unsigned maxa, maxd;
	char d[64];
	bool on = false;
	json_t *e;
	int r;

	if (msg && msg_len)
		msg[0] = '\0';
	if (!root || !ret)
		return -EINVAL;
	if (!json_is_object(root))
		return bad(&l, NULL, "expected a JSON object describing the machine, got %s",
			   value_desc(root, d, sizeof(d)));
	r = check_keys(&l, NULL, root, top_keys,
		       "qci, flags, max_adapter_id, max_domain_id, notify, cards, lpar");
	if (r < 0)
		return r;
	r = apsim_machine_new_empty(&m);
	if (r < 0)
		return r;

	apsim_machine_get_limits(m, &maxa, &maxd);
	if ((e = json_object_get(root, "max_adapter_id"))) {
		r = get_uint(&l, "max_adapter_id", e, 255, &maxa);
		if (r < 0)
			goto out_free_machine;
	}
	if ((e = json_object_get(root, "max_domain_id"))) {
		r = get_uint(&l, "max_domain_id", e, 255, &maxd);
		if (r < 0)
			goto out_free_machine;
	}
	r = apsim_machine_set_limits(m, maxa, maxd);
	if (r < 0)
		goto out_free_machine;
	if ((e = json_object_get(root, "qci"))) {
		r = get_bool(&l, "qci", e, &on);
		if (r < 0)
			goto out_free_machine;
		apsim_machine_set_qci_available(m, on);
	}
	if ((e = json_object_get(root, "flags"))) {
		uint32_t flags = 0;

		r = load_flags(&l, e, &flags);
		if (r < 0)
			goto out_free_machine;
		apsim_machine_set_qci_flags(m, flags);
	}
	if ((e = json_object_get(root, "notify"))) {
		r = get_bool(&l, "notify", e, &on);
		if (r < 0)
			goto out_free_machine;
		apsim_machine_set_notify(m, on);
	}
	if ((e = json_object_get(root, "cards"))) {
		size_t i;
		json_t *card;

		if (!json_is_array(e)) {
			r = bad(&l, "cards", "expected an array of adapters, got %s",
				value_desc(e, d, sizeof(d)));
			goto out_free_machine;
		}
		json_array_foreach(e, i, card)
		{
			r = load_card(&l, m, i, card);
			if (r < 0)
				goto out_free_machine;
		}
	}
	if ((e = json_object_get(root, "lpar"))) {
		r = load_lpar(&l, m, e);
		if (r < 0)
			goto out_free_machine;
	}
	*ret = m;
	return 0;

out_free_machine:
	if (r == -ENOMEM && msg && msg_len)
		snprintf(msg, msg_len, "%s: %s", l.source, strerror(ENOMEM));
	apsim_machine_free(m);
	return r;
}

static int load_text(json_t *root, const json_error_t *error, const char *source,
		     struct apsim_machine **ret, char *msg, size_t msg_len)
{
	int r;

	if (!root) {
		if (msg && msg_len)
			snprintf(msg, msg_len, "%s:%d:%d: %s", source, error->line, error->column,
				 error->text);
		return -EINVAL;
	}
	r = apsim__machine_json_load(root, source, ret, msg, msg_len);
	json_decref(root);
	return r;
}

int apsim__machine_json_load_buffer(const char *buf, size_t len, const char *source,
				    struct apsim_machine **ret, char *msg, size_t msg_len)
{
	json_error_t error;
	json_t *root;

	if (!buf || !ret)
		return -EINVAL;
	if (!source)
		source = "machine";
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &error);
	return load_text(root, &error, source, ret, msg, msg_len);
}

int apsim__machine_json_load_file(const char *path, struct apsim_machine **ret, char *msg,
				  size_t msg_len)
{
	json_error_t error;
	json_t *root;
	FILE *f;

	if (!path || !ret)
		return -EINVAL;
	f = fopen(path, "r");
	if (!f) {
		int r = -errno;

		if (msg && msg_len)
			snprintf(msg, msg_len, "%s: %s", path, strerror(-r));
		return r;
	}
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &error);
	fclose(f);
	return load_text(root, &error, path, ret, msg, msg_len);
}

void apsim__mask_format_list(const struct apsim_mask *m, char *buf, size_t len)
{
	size_t o = 0;
	int n = apsim_mask_next(m, 0);

	if (len)
		buf[0] = '\0';
	while (n >= 0 && o < len) {
		int end = n;

		while (end < APSIM_MASK_BITS - 1 && apsim_mask_test(m, (unsigned) end + 1))
			end++;
		if (end - n >= 2)
			o += (size_t) snprintf(buf + o, len - o, "%s%d-%d", o ? "," : "", n, end);
		else if (end > n)
			o += (size_t) snprintf(buf + o, len - o, "%s%d,%d", o ? "," : "", n, end);
		else
			o += (size_t) snprintf(buf + o, len - o, "%s%d", o ? "," : "", n);
		n = end + 1 < APSIM_MASK_BITS ? apsim_mask_next(m, (unsigned) end + 1) : -1;
	}
}

static json_t *lpar_list(const struct apsim_machine *m, enum apsim_lpar_set set)
{
	struct apsim_mask mask;
	char buf[1024];

	apsim_machine_lpar_get(m, set, &mask);
	apsim__mask_format_list(&mask, buf, sizeof(buf));
	return json_string(buf);
}

int apsim__machine_json_save(const struct apsim_machine *m, json_t **ret)
{
	json_t *root, *flags, *cards, *lpar;
	uint32_t qf = apsim_machine_get_qci_flags(m);
	unsigned maxa, maxd;

	if (!m || !ret)
		return -EINVAL;
	apsim_machine_get_limits(m, &maxa, &maxd);
	flags = json_array();
	cards = json_array();
	lpar = json_pack("{s:o, s:o, s:o}", "adapters", lpar_list(m, APSIM_LPAR_ADAPTER), "domains",
			 lpar_list(m, APSIM_LPAR_DOMAIN), "control_domains",
			 lpar_list(m, APSIM_LPAR_CONTROL_DOMAIN));
	root = json_pack("{s:b, s:o, s:i, s:i, s:b, s:o, s:o}", "qci",
			 apsim_machine_get_qci_available(m), "flags", flags, "max_adapter_id",
			 (int) maxa, "max_domain_id", (int) maxd, "notify",
			 apsim_machine_get_notify(m), "cards", cards, "lpar", lpar);
	if (!root)
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(flag_names); i++)
		if ((qf & flag_names[i].bit) &&
		    json_array_append_new(flags, json_string(flag_names[i].name)) < 0)
			goto out_nomem;
	for (unsigned apid = 0; apid < APSIM_MASK_BITS; apid++) {
		const struct apsim_card_spec *spec = apsim_machine_card_get(m, apid);
		bool standard;
		char type[16], functions[16];
		json_t *card;

		if (!spec)
			continue;
		standard =
		    spec->raw_type >= APSIM_AP_TYPE_CEX4 && spec->raw_type <= APSIM_AP_TYPE_CEX8;
		apsim_card_type_name(standard ? spec->raw_type : APSIM_AP_TYPE_CEX8, spec->mode,
				     type, sizeof(type));
		snprintf(functions, sizeof(functions), "0x%08x", spec->functions);
		card = json_pack("{s:i, s:s, s:i, s:s, s:i, s:s, s:b, s:b}", "apid", (int) apid,
				 "type", type, "depth", (int) spec->depth, "functions", functions,
				 "ml", (int) spec->ml, "serial", spec->serial, "checkstop",
				 apsim_machine_card_is_checkstopped(m, apid), "config",
				 apsim_machine_card_is_configured(m, apid));
		if (!card || json_array_append_new(cards, card) < 0)
			goto out_nomem;
		if (!standard &&
		    json_object_set_new(card, "raw_type", json_integer(spec->raw_type)) < 0)
			goto out_nomem;
	}
	*ret = root;
	return 0;

out_nomem:
	json_decref(root);
	return -ENOMEM;
}
