/* SPDX-License-Identifier: MIT */
/*
 * uevent-synth.c - writing an action into a 'uevent' file (lib/kobject_uevent.c:
 * kobject_synth_uevent, kobject_action_type, kobject_action_args). One parse for every uevent
 * store of the tree: the AP bus and its devices and drivers, the zcrypt nodes and vfio_ap's
 * matrix and mdevs; each caller sends the event with its own device's variables.
 *
 * The kernel turns every failure of kobject_action_args, add_uevent_var's "too many keys" and
 * "buffer too small" included, into -EINVAL (r starts as -EINVAL and is returned as is).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/macro-internal.h"
#include "sysfs/uevent-synth-internal.h"

#define UUID_STRING_LEN 36

static const char *const actions[] = {
	"add", "remove", "change", "move", "online", "offline", "bind", "unbind",
};

static const enum apsim_uevent_action action_map[] = {
	APSIM_UEVENT_ADD,  APSIM_UEVENT_REMOVE, APSIM_UEVENT_CHANGE, _APSIM_UEVENT_MAX,
	_APSIM_UEVENT_MAX, _APSIM_UEVENT_MAX,	APSIM_UEVENT_BIND,   APSIM_UEVENT_UNBIND,
};

/* uuid_is_valid() on the first 36 characters */
static bool uuid_valid(const char *s)
{
	for (unsigned i = 0; i < UUID_STRING_LEN; i++) {
		char c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F'))) {
			return false;
		}
	}
	return true;
}

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* action_arg_word_end(): an alnum run up to delim or the end; NULL if empty or not alnum */
static const char *word_end(const char *p, const char *end, char delim)
{
	const char *start = p;

	while (p <= end && *p != delim)
		if (!is_alnum(*p++))
			return NULL;
	return p == start ? NULL : p;
}

/* add_uevent_var(): "PREFIX" NAME "=" VALUE */
static int add_var(struct apsim_uevent_synth *s, size_t *n_env, size_t *pos, const char *prefix,
		   int name_len, const char *name, int value_len, const char *value)
{
	int w;

	if (*n_env >= APSIM_UEVENT_NUM_ENVP)
		return -EINVAL;
	w = snprintf(s->buf + *pos, sizeof(s->buf) - *pos, "%s%.*s=%.*s", prefix, name_len, name,
		     value_len, value);
	if (w < 0 || (size_t) w >= sizeof(s->buf) - *pos)
		return -EINVAL;
	s->env[(*n_env)++] = s->buf + *pos;
	*pos += (size_t) w + 1;
	return 0;
}

/* kobject_action_args(): " UUID[ KEY=VALUE]..." after the action, alen bytes */
static int parse_args(const char *args, size_t alen, struct apsim_uevent_synth *s,
		      size_t *n_env, size_t *pos)
{
	const char *next, *end;

	if (alen && (args[alen - 1] == '\n' || args[alen - 1] == '\0'))
		alen--;
	if (alen < UUID_STRING_LEN || !uuid_valid(args))
		return -EINVAL;
	if (add_var(s, n_env, pos, "SYNTH_UUID", 0, "", UUID_STRING_LEN, args) < 0)
		return -EINVAL;
	next = args + UUID_STRING_LEN;
	end = args + alen - 1;
	while (next <= end) {
		const char *key, *val;
		int klen;

		if (*next != ' ')
			return -EINVAL;
		key = ++next;
		if (key > end)
			return -EINVAL;
		next = word_end(key, end, '=');
		if (!next || next > end || *next != '=')
			return -EINVAL;
		klen = (int) (next - key);
		if (++next > end)
			return -EINVAL;
		val = next;
		next = word_end(val, end, ' ');
		if (!next)
			return -EINVAL;
		if (add_var(s, n_env, pos, "SYNTH_ARG_", klen, key, (int) (next - val), val) < 0)
			return -EINVAL;
	}
	return 0;
}

int apsim__uevent_synth_parse(const char *buf, size_t len, struct apsim_uevent_synth *ret)
{
	size_t count = strnlen(buf, len), first, n_env = 0, pos = 0;
	const char *sp;
	unsigned a;

	/* kobject_action_type(): one trailing '\n' or NUL */
	if (count && buf[count - 1] == '\n')
		count--;
	if (!count)
		return -EINVAL;
	sp = memchr(buf, ' ', count);
	first = sp ? (size_t) (sp - buf) : count;
	for (a = 0; a < ARRAY_SIZE(actions); a++)
		if (strlen(actions[a]) == first && memcmp(actions[a], buf, first) == 0)
			break;
	if (a == ARRAY_SIZE(actions))
		return -EINVAL;
	ret->action = action_map[a];
	if (!sp) {
		ret->env[n_env++] = "SYNTH_UUID=0";
	} else {
		int r = parse_args(sp + 1, strnlen(buf, len) - (size_t) (sp + 1 - buf), ret, &n_env,
				   &pos);

		if (r < 0)
			return r;
	}
	ret->env[n_env] = NULL;
	return 0;
}
