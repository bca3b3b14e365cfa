/* SPDX-License-Identifier: MIT */
/*
 * The whole simulated system (design.md "Layers"): machine, clock, host sysfs tree, uevent
 * log, host AP bus with zcrypt and vfio_ap, the KVM guests, and the test "watch" drivers.
 * It knows nothing of the command language: lib/script runs commands on it (apsim/script.h),
 * taking the model lock once per command; nothing here takes it again (no recursive mutex).
 * Calls the layers below only (lib/base, machine, sysfs, bus, zcrypt, kvm, vfio_ap).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apsim/apsim.h"
#include "bus/bus-internal.h"
#include "kvm/guest-internal.h"
#include "machine/machine-json-internal.h"
#include "base/macro-internal.h"
#include "sim/sim-internal.h"
#include "vfio_ap/vfio_ap-internal.h"
#include "zcrypt/zcdn-internal.h"

static const char *const policy_names[_APSIM_POLICY_MAX] = {
    [APSIM_POLICY_KERNEL] = "kernel",
    [APSIM_POLICY_LEGACY] = "legacy",
    [APSIM_POLICY_COALESCED] = "coalesced",
};

const char *apsim_policy_name(enum apsim_policy p)
{
	if ((unsigned) p >= _APSIM_POLICY_MAX)
		return NULL;
	return policy_names[p];
}

int apsim_policy_from_name(const char *name, enum apsim_policy *ret)
{
	APSIM_CHECK_ARG(name && ret);
	for (unsigned i = 0; i < _APSIM_POLICY_MAX; i++) {
		if (strcmp(name, policy_names[i]) == 0) {
			*ret = (enum apsim_policy) i;
			return 0;
		}
	}
	return -EINVAL;
}

/* spec 3.1 item 3: the AP configuration change event forces a rescan of the host bus. */
static void machine_cfg_changed(void *ctx)
{
	struct apsim_sim *sim = ctx;

	if (sim->bus)
		(void) apsim_bus_force_rescan(sim->bus);
}

static void report(FILE *err, const char *what, int r)
{
	if (err)
		fprintf(err, "cannot create the simulator: %s: %s\n", what, strerror(-r));
}

int apsim__sim_new_take_machine(const struct apsim_sim_options *opts, struct apsim_machine *m,
				FILE *err, struct apsim_sim **ret)
{
	struct apsim_bus_config cfg = {0};
	struct apsim_sim *sim;
	int r;

	if (!m)
		return -EINVAL;
	if (!opts || !ret || (unsigned) opts->policy >= _APSIM_POLICY_MAX) {
		apsim_machine_free(m);
		return -EINVAL;
	}

	sim = calloc(1, sizeof(*sim));
	if (!sim) {
		apsim_machine_free(m);
		return -ENOMEM;
	}
	sim->opts = *opts;
	sim->opts.machine = NULL;
	if (opts->machine) {
		sim->machine_path = strdup(opts->machine);
		if (!sim->machine_path) {
			r = -ENOMEM;
			goto out_free_sim;
		}
		sim->opts.machine = sim->machine_path;
	}
	r = pthread_mutex_init(&sim->lock, NULL);
	if (r != 0) {
		r = -r;
		goto out_free_sim;
	}
	sim->machine = m;
	m = NULL;

	r = opts->monotonic_clock ? apsim_clock_new_monotonic(&sim->clock)
				  : apsim_clock_new_virtual(&sim->clock);
	if (r < 0) {
		report(err, "clock", r);
		goto out_free;
	}
	r = apsim_tree_new(&sim->tree);
	if (r < 0) {
		report(err, "sysfs tree", r);
		goto out_free;
	}
	r = apsim_uevent_log_new(&sim->uevents);
	if (r < 0) {
		report(err, "uevent log", r);
		goto out_free;
	}

	cfg.name = "host";
	cfg.ops = apsim_machine_ap_ops();
	cfg.ops_ctx = sim->machine;
	cfg.tree = sim->tree;
	cfg.uevents = sim->uevents;
	cfg.clock = sim->clock;
	cfg.domain_param = -1;
	r = apsim_bus_new(&cfg, &sim->bus);
	if (r < 0) {
		report(err, "AP bus", r);
		goto out_free;
	}
	r = apsim__zcrypt_new(sim->bus, &sim->zcrypt);
	if (r < 0) {
		report(err, "zcrypt", r);
		goto out_free;
	}
	r = apsim__zcdn_new(sim->tree, sim->uevents, sim->clock, &sim->zcdn);
	if (r < 0) {
		report(err, "zcrypt device nodes", r);
		goto out_free;
	}
	r = apsim__vfio_ap_new(sim->bus, opts->policy, opts->quirks, &sim->vfio_ap);
	if (r < 0) {
		report(err, "vfio_ap", r);
		goto out_free;
	}
	apsim_machine_set_cfg_notifier(sim->machine, machine_cfg_changed, sim);

	/* spec 3.1 item 1: the initial scan */
	r = apsim_bus_scan(sim->bus);
	if (r < 0) {
		report(err, "initial AP bus scan", r);
		goto out_free;
	}
	/* Boot settles: the queue resets the first scan started finish on the kernel's 40 ms poll
	 * (RESET_WAIT, SETIRQ_WAIT), so the system starts as a booted LPAR looks, not frozen in
	 * the middle of its first scan. */
	if (apsim_clock_is_virtual(sim->clock))
		apsim_clock_advance(sim->clock, APSIM_SIM_BOOT_SETTLE_NS);
	*ret = sim;
	return 0;

out_free:
	apsim_sim_free(sim);
	return r;
out_free_sim:
	free(sim->machine_path);
	free(sim);
	apsim_machine_free(m);
	return r;
}

int apsim_sim_new(const struct apsim_sim_options *opts, FILE *err, struct apsim_sim **ret)
{
	static const struct apsim_sim_options defaults = {.policy = APSIM_POLICY_KERNEL};
	struct apsim_machine *m = NULL;
	char msg[512];
	int r;

	APSIM_CHECK_ARG(ret);
	if (!opts)
		opts = &defaults;
	APSIM_CHECK_ARG((unsigned) opts->policy < _APSIM_POLICY_MAX);

	if (!opts->machine) {
		r = apsim_machine_new_default(&m);
	} else if (strcmp(opts->machine, "empty") == 0) {
		r = apsim_machine_new_empty(&m);
	} else {
		r = apsim__machine_json_load_file(opts->machine, &m, msg, sizeof(msg));
		if (r < 0) {
			if (err)
				fprintf(err, "%s\n", msg);
			return r;
		}
	}
	if (r < 0) {
		report(err, "machine", r);
		return r;
	}
	return apsim__sim_new_take_machine(opts, m, err, ret);
}

void apsim_sim_free(struct apsim_sim *sim)
{
	if (!sim)
		return;
	if (sim->machine)
		apsim_machine_set_cfg_notifier(sim->machine, NULL, NULL);
	while (sim->guests) {
		struct apsim_guest *g = sim->guests;

		sim->guests = g->next;
		if (sim->vfio_ap)
			apsim__vfio_ap_close_device(sim->vfio_ap, g);
		apsim__guest_free(g);
	}
	while (sim->watches) {
		struct apsim_watch *w = sim->watches;

		sim->watches = w->next;
		apsim_bus_driver_unregister(&w->drv);
		free(w->name);
		free(w);
	}
	apsim__vfio_ap_free(sim->vfio_ap);
	apsim__zcdn_free(sim->zcdn);
	apsim__zcrypt_free(sim->zcrypt);
	apsim_bus_free(sim->bus);
	apsim_uevent_log_free(sim->uevents);
	apsim_tree_free(sim->tree);
	apsim_clock_free(sim->clock);
	apsim_machine_free(sim->machine);
	free(sim->calls);
	free(sim->machine_path);
	pthread_mutex_destroy(&sim->lock);
	free(sim);
}

void apsim_sim_lock(struct apsim_sim *sim)
{
	if (sim)
		pthread_mutex_lock(&sim->lock);
}

void apsim_sim_unlock(struct apsim_sim *sim)
{
	if (sim)
		pthread_mutex_unlock(&sim->lock);
}

struct apsim_machine *apsim_sim_get_machine(struct apsim_sim *sim)
{
	return sim ? sim->machine : NULL;
}

struct apsim_clock *apsim_sim_get_clock(struct apsim_sim *sim)
{
	return sim ? sim->clock : NULL;
}

struct apsim_bus *apsim_sim_get_bus(struct apsim_sim *sim)
{
	return sim ? sim->bus : NULL;
}

struct apsim_tree *apsim_sim_get_tree(struct apsim_sim *sim)
{
	return sim ? sim->tree : NULL;
}

struct apsim_uevent_log *apsim_sim_get_uevents(struct apsim_sim *sim)
{
	return sim ? sim->uevents : NULL;
}

struct apsim_guest *apsim__sim_find_guest(struct apsim_sim *sim, const char *name)
{
	for (struct apsim_guest *g = sim->guests; g; g = g->next)
		if (strcmp(g->name, name) == 0)
			return g;
	return NULL;
}

struct apsim_tree *apsim_sim_get_guest_tree(struct apsim_sim *sim, const char *guest)
{
	struct apsim_guest *g;

	if (!sim || !guest)
		return NULL;
	g = apsim__sim_find_guest(sim, guest);
	return g ? g->tree : NULL;
}

int apsim_sim_check_invariants(struct apsim_sim *sim, char *msg, size_t len)
{
	APSIM_CHECK_ARG(sim && (msg || len == 0));
	if (len)
		msg[0] = '\0';
	return apsim__vfio_ap_check_invariants(sim->vfio_ap, msg, len);
}

/* --- guests (design "guests", spec 6.6) --- */

int apsim__sim_guest_start(struct apsim_sim *sim, const char *name, const char *uuid, bool se)
{
	struct apsim_guest *g, **tail;
	int r;

	if (apsim__sim_find_guest(sim, name))
		return -EEXIST;
	r = apsim__guest_new_se(name, sim->machine, sim->clock, se, &g);
	if (r < 0)
		return r;
	r = apsim__vfio_ap_open_device(sim->vfio_ap, uuid, g);
	if (r < 0) {
		apsim__guest_free(g);
		return r;
	}
	for (tail = &sim->guests; *tail; tail = &(*tail)->next)
		;
	g->next = NULL;
	*tail = g;
	return 0;
}

int apsim__sim_guest_stop(struct apsim_sim *sim, const char *name)
{
	for (struct apsim_guest **p = &sim->guests; *p; p = &(*p)->next) {
		struct apsim_guest *g = *p;

		if (strcmp(g->name, name) != 0)
			continue;
		apsim__vfio_ap_close_device(sim->vfio_ap, g);
		*p = g->next;
		apsim__guest_free(g);
		return 0;
	}
	return -ENOENT;
}

/* --- watch drivers: bind nothing, record the config callbacks (spec 5.1) --- */

static const struct apsim_device_id watch_ids[] = {
    {.match_flags = APSIM_DEVICE_ID_MATCH_CARD_TYPE, .dev_type = APSIM_AP_TYPE_CEX4},
    {.match_flags = APSIM_DEVICE_ID_MATCH_CARD_TYPE, .dev_type = APSIM_AP_TYPE_CEX5},
    {.match_flags = APSIM_DEVICE_ID_MATCH_CARD_TYPE, .dev_type = APSIM_AP_TYPE_CEX6},
    {.match_flags = APSIM_DEVICE_ID_MATCH_CARD_TYPE, .dev_type = APSIM_AP_TYPE_CEX7},
    {.match_flags = APSIM_DEVICE_ID_MATCH_CARD_TYPE, .dev_type = APSIM_AP_TYPE_CEX8},
    {.match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX4},
    {.match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX5},
    {.match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX6},
    {.match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX7},
    {.match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX8},
    {0},
};

static int watch_probe(struct apsim_device *dev)
{
	(void) dev;
	return -ENODEV;
}

static void watch_record(struct apsim_driver *drv, bool complete, const struct apsim_qci *new_qci,
			 const struct apsim_qci *old_qci)
{
	struct apsim_watch *w = container_of(drv, struct apsim_watch, drv);
	struct apsim_sim *sim = w->sim;
	struct apsim_watch_call *c;

	if (sim->n_calls == sim->calls_cap) {
		size_t cap = sim->calls_cap ? 2 * sim->calls_cap : 16;
		struct apsim_watch_call *n = realloc(sim->calls, cap * sizeof(*n));

		if (!n)
			return; /* the record is lost; nothing else depends on it */
		sim->calls = n;
		sim->calls_cap = cap;
	}
	c = &sim->calls[sim->n_calls++];
	memset(c, 0, sizeof(*c));
	c->watch = w->name;
	c->scan_complete = complete;
	if (new_qci)
		c->new_qci = *new_qci;
	if (old_qci)
		c->old_qci = *old_qci;
	c->uevent_pos = apsim_uevent_log_count(sim->uevents);
	/* spec 3.1 item 4 / 8 item 10: a force rescan from inside the scan returns at once */
	if (w->rescan)
		c->rescan_result = apsim_bus_force_rescan(sim->bus);
}

static void watch_on_config_changed(struct apsim_driver *drv, const struct apsim_qci *new_qci,
				    const struct apsim_qci *old_qci)
{
	watch_record(drv, false, new_qci, old_qci);
}

static void watch_on_scan_complete(struct apsim_driver *drv, const struct apsim_qci *new_qci,
				   const struct apsim_qci *old_qci)
{
	watch_record(drv, true, new_qci, old_qci);
}

int apsim__sim_watch_add(struct apsim_sim *sim, const char *name, bool rescan)
{
	struct apsim_watch *w, **tail;
	int r;

	for (tail = &sim->watches; *tail; tail = &(*tail)->next)
		if (strcmp((*tail)->name, name) == 0)
			return -EEXIST;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->name = strdup(name);
	if (!w->name) {
		r = -ENOMEM;
		goto out_free_watch;
	}
	w->sim = sim;
	w->rescan = rescan;
	w->drv.name = w->name;
	w->drv.ids = watch_ids;
	w->drv.probe = watch_probe;
	w->drv.on_config_changed = watch_on_config_changed;
	w->drv.on_scan_complete = watch_on_scan_complete;
	r = apsim_bus_driver_register(sim->bus, &w->drv);
	if (r < 0)
		goto out_free_name;
	*tail = w;
	return 0;

out_free_name:
	free(w->name);
out_free_watch:
	free(w);
	return r;
}
