/* SPDX-License-Identifier: MIT */
/*
 * The uevents of the AP bus (spec 2.5): the variables of a card or queue device (dev_uevent()
 * with the bus's ap_uevent(): DEVTYPE, DRIVER if bound, DEV_TYPE and MODALIAS of a card, MODE),
 * the events of a device, the bus's CHANGE events on its root device /devices/ap (INITSCAN,
 * BINDINGS, APMASK, AQMASK) and the CONFIG= and ONLINE= events, and the events written to a
 * uevent file (kobject_synth_uevent(), parsed by lib/sysfs/uevent-synth.c). A dying bus sends none. The card's mode, which MODE=
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
#include "sysfs/uevent-synth-internal.h"

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

/* kobject_synth_uevent() on an AP device (dev), or on the bus or a driver (devpath) */
int apsim__bus_synth_uevent(struct apsim_bus *bus, struct apsim_device *dev, const char *devpath,
			    const char *subsystem, const char *buf, size_t len)
{
	struct apsim_uevent_synth synth;
	char path[256];
	int r = apsim__uevent_synth_parse(buf, len, &synth);

	if (r < 0)
		return r;
	if (synth.action == _APSIM_UEVENT_MAX || !bus->uevents || bus->dying)
		return 0;
	if (dev) {
		struct dev_vars dv;

		r = apsim_node_path(dev->node, path, sizeof(path));
		if (r < 0)
			return r;
		get_dev_vars(dev, &dv);
		return apsim_uevent_emit(bus->uevents, now_usec(bus), synth.action, path, "ap",
					 synth.env, dv.v);
	}
	return apsim_uevent_emit(bus->uevents, now_usec(bus), synth.action, devpath, subsystem,
				 synth.env, NULL);
}
