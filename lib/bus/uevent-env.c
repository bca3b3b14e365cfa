/* SPDX-License-Identifier: MIT */
/*
 * The uevents of the AP bus (spec 2.5): the variables of a card or queue device (dev_uevent()
 * with the bus's ap_uevent(): DEVTYPE, DRIVER if bound, DEV_TYPE and MODALIAS of a card, MODE),
 * the events of a device, the bus's CHANGE events on its root device /devices/ap (INITSCAN,
 * BINDINGS, APMASK, AQMASK) and the CONFIG= and ONLINE= events, and the events written to a
 * uevent file (kobject_synth_uevent()). A dying bus sends none. The card's mode, which MODE=
 * names, is here too: zcrypt reads it as well.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "apsim/clock.h"
#include "apsim/sysfs.h"
#include "apsim/uevent.h"
#include "bus/bus-internal.h"

static uint64_t now_usec(const struct apsim_bus *bus)
{
	return bus->clock ? apsim_clock_now(bus->clock) / 1000 : 0;
}

static uint32_t hw_fac(uint64_t hw)
{
	return APSIM_HWINFO_FAC(hw);
}

char apsim__bus_card_mode(const struct apsim_card *ac)
{
	uint32_t fac = hw_fac(ac->hwinfo);

	/* spec 1.5: accel if A, else CCA if D, else EP11 if X */
	if (fac & APSIM_FAC_ACCEL)
		return 'A';
	if (fac & APSIM_FAC_CCA)
		return 'C';
	if (fac & APSIM_FAC_EP11)
		return 'P';
	return 0;
}

struct dev_vars {
	char driver[160];
	char dev_type[24];
	char modalias[24];
	const char *v[6];
};

/* prefix, then v in upper-case hex with at least min_digits digits ("%0*X"), into buf */
static void fmt_hex(char *buf, const char *prefix, unsigned v, unsigned min_digits)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t pl = strlen(prefix);
	unsigned n = 1;

	while (n < 2 * sizeof(v) && (v >> (4 * n)))
		n++;
	if (n < min_digits)
		n = min_digits;
	memcpy(buf, prefix, pl);
	buf[pl + n] = '\0';
	while (n--) {
		buf[pl + n] = digits[v & 0xf];
		v >>= 4;
	}
}

/* dev_uevent(): DEVTYPE, DRIVER if bound, then the bus's ap_uevent() variables */
static void get_dev_vars(const struct apsim_device *dev, struct dev_vars *dv)
{
	const struct apsim_card *ac = apsim__bus_dev_card(dev);
	unsigned n = 0;
	char mode = apsim__bus_card_mode(ac);

	dv->v[n++] = dev->is_card ? "DEVTYPE=ap_card" : "DEVTYPE=ap_queue";
	if (dev->driver) {
		/* "DRIVER=%s", truncated to the buffer like snprintf */
		size_t l = strlen(dev->driver->name);

		if (l > sizeof(dv->driver) - sizeof("DRIVER="))
			l = sizeof(dv->driver) - sizeof("DRIVER=");
		memcpy(dv->driver, "DRIVER=", strlen("DRIVER="));
		memcpy(dv->driver + strlen("DRIVER="), dev->driver->name, l);
		dv->driver[strlen("DRIVER=") + l] = '\0';
		dv->v[n++] = dv->driver;
	}
	if (dev->is_card) {
		fmt_hex(dv->dev_type, "DEV_TYPE=", (unsigned) dev->device_type, 4);
		dv->v[n++] = dv->dev_type;
		fmt_hex(dv->modalias, "MODALIAS=ap:t", (unsigned) dev->device_type, 2);
		dv->v[n++] = dv->modalias;
	}
	if (mode)
		dv->v[n++] = mode == 'A' ? "MODE=accel" : mode == 'C' ? "MODE=cca" : "MODE=ep11";
	dv->v[n] = NULL;
}

int apsim__bus_device_uevent_vars(const struct apsim_device *dev, char *buf, size_t len)
{
	struct dev_vars dv;
	size_t off = 0;

	get_dev_vars(dev, &dv);
	for (unsigned i = 0; dv.v[i]; i++) {
		int n = snprintf(buf + off, off < len ? len - off : 0, "%s\n", dv.v[i]);

		if (n < 0)
			return -EIO;
		off += (size_t) n;
	}
	return off < len ? (int) off : (int) (len ? len - 1 : 0);
}

int apsim__bus_device_uevent(struct apsim_device *dev, enum apsim_uevent_action action,
			     const char *const *env_extra)
{
	struct apsim_bus *bus = dev->bus;
	struct dev_vars dv;
	char path[256];
	int r;

	if (!bus->uevents || bus->dying)
		return 0;
	r = apsim_node_path(dev->node, path, sizeof(path));
	if (r < 0)
		return r;
	get_dev_vars(dev, &dv);
	return apsim_uevent_emit(bus->uevents, now_usec(bus), action, path, "ap", env_extra, dv.v);
}

int apsim__bus_root_uevent(struct apsim_bus *bus, const char *const *env_extra)
{
	if (!bus->uevents || bus->dying)
		return 0;
	/* ap_uevent: "Uevents from ap bus core don't need extensions to the env" */
	return apsim_uevent_emit(bus->uevents, now_usec(bus), APSIM_UEVENT_CHANGE, "/devices/ap", "ap",
				 env_extra, NULL);
}

void apsim__bus_send_config_uevent(struct apsim_device *dev, bool cfg)
{
	const char *env[] = { cfg ? "CONFIG=1" : "CONFIG=0", NULL };

	(void) apsim__bus_device_uevent(dev, APSIM_UEVENT_CHANGE, env);
}

void apsim__bus_send_online_uevent(struct apsim_device *dev, bool online)
{
	const char *env[] = { online ? "ONLINE=1" : "ONLINE=0", NULL };

	(void) apsim__bus_device_uevent(dev, APSIM_UEVENT_CHANGE, env);
}

static bool uuid_valid(const char *s)
{
	for (unsigned i = 0; i < 36; i++) {
		char c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
			return false;
		}
	}
	return true;
}

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* action_arg_word_end(): alnum run up to delim (or the end); NULL if empty or not alnum */
static const char *word_end(const char *p, const char *end, char delim)
{
	const char *start = p;

	while (p <= end && *p != delim)
		if (!is_alnum(*p++))
			return NULL;
	return p == start ? NULL : p;
}

#define SYNTH_MAX_ENV 16
#define SYNTH_ENV_LEN 256

static const char *const synth_actions[] = {
	"add", "remove", "change", "move", "online", "offline", "bind", "unbind",
};

/*
 * kobject_synth_uevent(): "<action>[ <uuid>[ KEY=VALUE]...]" with one optional trailing
 * '\n'. Without arguments the event carries SYNTH_UUID=0, else SYNTH_UUID=<uuid> and
 * SYNTH_ARG_KEY=VALUE. move/online/offline are valid kernel actions the uevent log cannot
 * represent (uevent.h has no such action): they are accepted and dropped.
 */
int apsim__bus_synth_uevent(struct apsim_bus *bus, struct apsim_device *dev, const char *devpath,
			    const char *subsystem, const char *buf, size_t len)
{
	static const enum apsim_uevent_action map[] = {
		APSIM_UEVENT_ADD, APSIM_UEVENT_REMOVE, APSIM_UEVENT_CHANGE, _APSIM_UEVENT_MAX,
		_APSIM_UEVENT_MAX, _APSIM_UEVENT_MAX, APSIM_UEVENT_BIND, APSIM_UEVENT_UNBIND,
	};
	char store[SYNTH_MAX_ENV][SYNTH_ENV_LEN];
	const char *env[SYNTH_MAX_ENV + 1];
	size_t count = strnlen(buf, len), first, n_env = 0;
	const char *args, *sp;
	unsigned action;
	char path[256];

	if (count && buf[count - 1] == '\n')
		count--;
	if (!count)
		return -EINVAL;
	sp = memchr(buf, ' ', count);
	first = sp ? (size_t) (sp - buf) : count;
	for (action = 0; action < ARRAY_SIZE(synth_actions); action++)
		if (strlen(synth_actions[action]) == first && memcmp(synth_actions[action], buf, first) == 0)
			break;
	if (action == ARRAY_SIZE(synth_actions))
		return -EINVAL;

	if (!sp) {
		snprintf(store[n_env], SYNTH_ENV_LEN, "SYNTH_UUID=0");
		n_env++;
	} else {
		/* kobject_action_args() on the rest, which may end in its own '\n' */
		size_t alen = strnlen(buf, len) - (size_t) (sp + 1 - buf);
		const char *end, *next, *key;

		args = sp + 1;
		if (alen && args[alen - 1] == '\n')
			alen--;
		if (!alen || alen < 36 || !uuid_valid(args))
			return -EINVAL;
		snprintf(store[n_env++], SYNTH_ENV_LEN, "SYNTH_UUID=%.36s", args);
		next = args + 36;
		end = args + alen - 1;
		while (next <= end) {
			const char *val;
			size_t klen;

			if (*next != ' ')
				return -EINVAL;
			key = ++next;
			if (key > end)
				return -EINVAL;
			next = word_end(key, end, '=');
			if (!next || next > end || *next != '=')
				return -EINVAL;
			klen = (size_t) (next - key);
			if (++next > end)
				return -EINVAL;
			val = next;
			next = word_end(val, end, ' ');
			if (!next)
				return -EINVAL;
			if (n_env >= SYNTH_MAX_ENV)
				return -ENOMEM;   /* add_uevent_var: too many keys */
			if (snprintf(store[n_env], SYNTH_ENV_LEN, "SYNTH_ARG_%.*s=%.*s", (int) klen, key,
				     (int) (next - val), val) >= SYNTH_ENV_LEN)
				return -ENOMEM;   /* add_uevent_var: buffer too small */
			n_env++;
		}
	}
	for (size_t i = 0; i < n_env; i++)
		env[i] = store[i];
	env[n_env] = NULL;

	if (map[action] == _APSIM_UEVENT_MAX || !bus->uevents || bus->dying)
		return 0;
	if (dev) {
		struct dev_vars dv;
		int r = apsim_node_path(dev->node, path, sizeof(path));

		if (r < 0)
			return r;
		get_dev_vars(dev, &dv);
		return apsim_uevent_emit(bus->uevents, now_usec(bus), map[action], path, "ap", env, dv.v);
	}
	return apsim_uevent_emit(bus->uevents, now_usec(bus), map[action], devpath, subsystem, env, NULL);
}
