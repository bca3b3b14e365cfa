/* SPDX-License-Identifier: MIT */
/*
 * The Linux AP bus (spec 2-5): the bus and its root device, card and queue devices, the
 * driver core's binding rules as the AP bus uses them, the bus scan with the config-change
 * notification, apmask/aqmask, bindings-complete, uevents, and the queue state machine as
 * far as a simulator without crypto requests needs it (reset, interrupt enablement).
 *
 * The machine is only seen through the instruction ops (cfg->ops), as the kernel only sees
 * PQAP. The bus is not locked: the caller holds the simulator lock (spec 7: the scan
 * "mutex" is the in_scan flag, which also gives the recursion rule of spec 3.1 item 4).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apsim/clock.h"
#include "apsim/sysfs.h"
#include "apsim/uevent.h"
#include "bus/bus-internal.h"
#include "base/kstrto-internal.h"

/* ------------------------------------------------------------------------------------- */
/* small helpers                                                                          */

static uint32_t hw_fac(uint64_t hw)
{
	return APSIM_HWINFO_FAC(hw);
}

/* kernel ap_test_config_card_id / ap_test_config_usage_domain */
static bool config_card_id(const struct apsim_bus *bus, unsigned id)
{
	if ((int) id > bus->max_adapter_id)
		return false;
	if (bus->qci.flags)
		return apsim_mask_test(&bus->qci.apm, id);
	return true;
}

static bool config_usage_domain(const struct apsim_bus *bus, unsigned dom)
{
	if ((int) dom > bus->max_domain_id)
		return false;
	if (bus->qci.flags)
		return apsim_mask_test(&bus->qci.aqm, dom);
	return true;
}

/* ------------------------------------------------------------------------------------- */
/* the scan (spec 3.2 - 3.4)                                                              */

struct qinfo {
	int rc;                 /* ap_queue_info(): -1, 0, 1 */
	bool decfg;
	bool chkstop;
	uint64_t hwinfo;
};

/* ap_queue_info() (spec 3.4) */
static void queue_info(struct apsim_bus *bus, unsigned qid, struct qinfo *qi)
{
	struct apsim_qstatus st;

	qi->hwinfo = 0;
	qi->decfg = false;
	qi->chkstop = false;
	if ((int) APSIM_QID_CARD(qid) > bus->max_adapter_id ||
	    (int) APSIM_QID_QUEUE(qid) > bus->max_domain_id) {
		qi->rc = -1;
		return;
	}
	apsim__bus_tapq(bus, qid, true, &st, &qi->hwinfo);
	switch (st.response_code) {
	case APSIM_RC_NORMAL:
	case APSIM_RC_RESET_IN_PROGRESS:
	case APSIM_RC_DECONFIGURED:
	case APSIM_RC_CHECKSTOPPED:
	case APSIM_RC_BUSY:
		break;
	default:
		if (!st.async) {
			qi->rc = -1;
			return;
		}
		break;
	}
	if (!qi->hwinfo) {
		qi->rc = 0;
		return;
	}
	qi->decfg = st.response_code == APSIM_RC_DECONFIGURED;
	qi->chkstop = st.response_code == APSIM_RC_CHECKSTOPPED;
	qi->rc = 1;
}

/* ap_get_compatible_type() (spec 1.6): CEX4..CEX8 are themselves; a newer adapter is asked
 * with PQAP(QACT), when QCI says QACT is there, whether it can act as a CEX8 in its mode. */
static int compatible_type(struct apsim_bus *bus, unsigned qid, unsigned rawtype, uint32_t fac)
{
	struct apsim_qstatus st;
	unsigned cat = 0;

	if (rawtype < APSIM_AP_TYPE_CEX4)
		return 0;
	if (rawtype <= APSIM_AP_TYPE_CEX8)
		return (int) rawtype;
	if (!(bus->qci.flags & APSIM_QCI_QACT) || !bus->ops->qact)
		return 0;
	/* mode = the D, A, X bits of fac ((func >> 26) & 7 in the kernel) */
	bus->ops->qact(bus->ops_ctx, qid, fac & (APSIM_FAC_CCA | APSIM_FAC_ACCEL | APSIM_FAC_EP11),
		       APSIM_AP_TYPE_CEX8, &st, &cat);
	if (st.response_code == APSIM_RC_NORMAL && cat >= APSIM_AP_TYPE_CEX4 &&
	    cat <= APSIM_AP_TYPE_CEX8)
		return (int) cat;
	return 0;
}

/* ap_scan_domains() (spec 3.4); cache holds the TAPQ results of domains 0..first already
 * taken by ap_scan_adapter, so every APQN is tested once per scan */
static void scan_domains(struct apsim_card *ac, const struct qinfo *cache, int first)
{
	struct apsim_bus *bus = ac->dev.bus;

	for (int dom = 0; dom <= bus->max_domain_id; dom++) {
		unsigned qid = APSIM_QID(ac->id, (unsigned) dom);
		struct apsim_queue *aq = bus->queues[qid];
		struct qinfo qi;

		if (!config_usage_domain(bus, (unsigned) dom)) {
			if (aq)
				apsim__bus_queue_unregister(aq);
			continue;
		}
		if (dom <= first)
			qi = cache[dom];
		else
			queue_info(bus, qid, &qi);
		if (qi.rc < 0) {
			if (aq)
				apsim__bus_queue_unregister(aq);
			continue;
		}
		if (qi.rc == 0)
			continue;       /* exists but no info: leave it as it is */
		if (!aq) {
			aq = apsim__bus_queue_create(ac, (unsigned) dom, qi.hwinfo, qi.decfg, qi.chkstop);
			if (aq && !qi.decfg && !qi.chkstop)
				apsim__bus_queue_init_state(aq);
			continue;
		}
		aq->se_bstate = APSIM_HWINFO_BS(qi.hwinfo);
		if (qi.chkstop && !aq->chkstop) {
			aq->chkstop = true;
			if (aq->dev_state > APSIM_DEV_UNINITIATED) {
				aq->dev_state = APSIM_DEV_ERROR;
				aq->last_err_rc = APSIM_RC_CHECKSTOPPED;
			}
			apsim__bus_queue_flush(aq);
			continue;
		} else if (!qi.chkstop && aq->chkstop) {
			aq->chkstop = false;
			if (aq->dev_state > APSIM_DEV_UNINITIATED)
				apsim__bus_queue_init_state(aq);
			continue;
		}
		if (qi.decfg && aq->config) {
			aq->config = false;
			if (aq->dev_state > APSIM_DEV_UNINITIATED) {
				aq->dev_state = APSIM_DEV_ERROR;
				aq->last_err_rc = APSIM_RC_DECONFIGURED;
			}
			apsim__bus_send_config_uevent(&aq->dev, false);
			apsim__bus_queue_flush(aq);
			continue;
		} else if (!qi.decfg && !aq->config) {
			aq->config = true;
			if (aq->dev_state > APSIM_DEV_UNINITIATED)
				apsim__bus_queue_init_state(aq);
			apsim__bus_send_config_uevent(&aq->dev, true);
			continue;
		}
		if (!qi.decfg && aq->dev_state == APSIM_DEV_ERROR) {
			/* reinit enforced */
			apsim__bus_queue_flush(aq);
			apsim__bus_queue_init_state(aq);
		}
	}
}

/* ap_scan_adapter() (spec 3.3) */
static void scan_adapter(struct apsim_bus *bus, unsigned ap)
{
	struct apsim_card *ac = bus->cards[ap];
	struct qinfo cache[APSIM_MASK_BITS];
	struct qinfo *qi = NULL;
	uint64_t hw;
	int dom;

	if (!config_card_id(bus, ap)) {
		if (ac)
			apsim__bus_card_unregister(ac);
		return;
	}
	for (dom = 0; dom <= bus->max_domain_id; dom++) {
		if (!config_usage_domain(bus, (unsigned) dom))
			continue;
		queue_info(bus, APSIM_QID(ap, (unsigned) dom), &cache[dom]);
		if (cache[dom].rc > 0) {
			qi = &cache[dom];
			break;
		}
	}
	if (!qi) {
		/* no usable APQN: no card device (spec 8 item 3) */
		if (ac)
			apsim__bus_card_unregister(ac);
		return;
	}
	if (!APSIM_HWINFO_AT(qi->hwinfo)) {
		if (ac)
			apsim__bus_card_unregister(ac);
		return;
	}
	hw = qi->hwinfo & APSIM_TAPQ_CARD_HWINFO_MASK;
	if (ac) {
		if (APSIM_HWINFO_AT(ac->hwinfo) != APSIM_HWINFO_AT(hw) || hw_fac(ac->hwinfo) != hw_fac(hw)) {
			/* type or functions changed: rebuild in this scan (spec 8 item 2) */
			apsim__bus_card_unregister(ac);
			ac = NULL;
		} else {
			ac->chkstop = qi->chkstop;      /* no uevent for chkstop */
			if (qi->decfg && ac->config) {
				ac->config = false;
				apsim__bus_send_config_uevent(&ac->dev, false);
			} else if (!qi->decfg && !ac->config) {
				ac->config = true;
				apsim__bus_send_config_uevent(&ac->dev, true);
			}
		}
	}
	if (!ac) {
		int comp = compatible_type(bus, APSIM_QID(ap, (unsigned) dom), APSIM_HWINFO_AT(hw),
					   APSIM_HWINFO_FAC(hw));

		if (!comp)
			return;
		ac = apsim__bus_card_create(bus, ap, hw, comp, qi->decfg, qi->chkstop);
		if (!ac)
			return;
	}
	scan_domains(ac, cache, dom);
}

/* ap_get_configuration() */
static bool get_configuration(struct apsim_bus *bus)
{
	struct apsim_qci cur;

	if (!bus->qci.flags)
		return false;   /* QCI not supported (spec 8 item 8) */
	bus->qci_old = bus->qci;
	if (!bus->ops->qci || bus->ops->qci(bus->ops_ctx, &cur) < 0)
		return false;   /* nothing fetched: the old block stays current */
	bus->qci = cur;
	return memcmp(&bus->qci, &bus->qci_old, sizeof(bus->qci)) != 0;
}

/* ap_select_domain() (spec 3.2 step 3) */
static void select_domain(struct apsim_bus *bus)
{
	if (bus->domain_index >= 0)
		return;
	for (int dom = 0; dom <= bus->max_domain_id; dom++) {
		if (!config_usage_domain(bus, (unsigned) dom) || !apsim_mask_test(&bus->aqm, (unsigned) dom))
			continue;
		for (int card = 0; card <= bus->max_adapter_id; card++) {
			struct apsim_qstatus st;

			if (!config_card_id(bus, (unsigned) card) ||
			    !apsim_mask_test(&bus->apm, (unsigned) card))
				continue;
			apsim__bus_tapq(bus, APSIM_QID(card, dom), true, &st, NULL);
			if (st.response_code == APSIM_RC_NORMAL) {
				bus->domain_index = dom;
				return;
			}
		}
	}
}

void apsim__bus_rearm_scan_timer(struct apsim_bus *bus)
{
	if (bus->clock)
		apsim_timer_arm(bus->clock, &bus->scan_timer,
				(uint64_t) bus->config_time * APSIM_NSEC_PER_SEC);
}

/* ap_scan_bus() (spec 3.2) */
int apsim_bus_scan(struct apsim_bus *bus)
{
	bool changed;

	APSIM_CHECK_ARG(bus);
	if (bus->in_scan)
		return 0;
	bus->in_scan = true;

	changed = get_configuration(bus);
	if (changed) {
		struct apsim_mask m;

		/* spec 3.2 step 2a / 8 item 7: new APIDs or APQIs re-arm bindings complete */
		if (apsim_mask_andnot(&m, &bus->qci.apm, &bus->qci_old.apm) ||
		    apsim_mask_andnot(&m, &bus->qci.aqm, &bus->qci_old.aqm))
			bus->bindings_done = false;
		for (struct apsim_driver *drv = bus->drivers; drv; drv = drv->next)
			if (drv->on_config_changed)
				drv->on_config_changed(drv, &bus->qci, &bus->qci_old);
	}
	select_domain(bus);
	for (int ap = 0; ap <= bus->max_adapter_id; ap++)
		scan_adapter(bus, (unsigned) ap);
	if (changed)
		for (struct apsim_driver *drv = bus->drivers; drv; drv = drv->next)
			if (drv->on_scan_complete)
				drv->on_scan_complete(drv, &bus->qci, &bus->qci_old);

	if (++bus->scan_count == 1) {
		const char *env[] = { "INITSCAN=done", NULL };

		(void) apsim__bus_root_uevent(bus, env);
	}
	apsim__bus_check_bindings_complete(bus);
	apsim__bus_rearm_scan_timer(bus);
	bus->in_scan = false;
	return changed ? 1 : 0;
}

/* ap_bus_force_rescan() (spec 3.1 item 4) */
int apsim_bus_force_rescan(struct apsim_bus *bus)
{
	APSIM_CHECK_ARG(bus);
	if (bus->scan_count == 0)
		return 0;
	if (bus->in_scan)
		return 0;
	if (bus->defer_rescan) {
		bus->rescan_pending = true;
		return 0;
	}
	return apsim_bus_scan(bus);
}

/* ap_scan_bus_wq_callback(): the trylock path, dropped while a scan runs (spec 3.1 item 5) */
static void scan_timer_fn(struct apsim_timer *timer)
{
	struct apsim_bus *bus = container_of(timer, struct apsim_bus, scan_timer);

	if (bus->in_scan)
		return;
	(void) apsim_bus_scan(bus);
}

/*
 * ap_card.c config_store() after parsing: SCLP (de)configure when the state differs, then
 * config and a CONFIG= uevent even if unchanged. The kernel leaves the queues to the next
 * scan, which on a real machine the AP configuration-change notification following the
 * SCLP command triggers at once. The emulated firmware raises no such notification for an
 * SCLP command, so the bus runs that rescan itself, after the card's own uevent: the
 * queues' config (and their CONFIG= uevents) follow immediately (clients.md 3.4, 3.8).
 * Force rescans requested while the SCLP call runs are postponed until then.
 */
int apsim__bus_card_config(struct apsim_card *ac, bool cfg)
{
	struct apsim_bus *bus = ac->dev.bus;
	bool sclp = cfg != ac->config;
	int r = 0;

	bus->defer_rescan++;
	if (sclp)
		r = bus->ops->sclp_config ? bus->ops->sclp_config(bus->ops_ctx, ac->id, cfg) :
			-EOPNOTSUPP;
	bus->defer_rescan--;
	if (r == 0) {
		ac->config = cfg;
		apsim__bus_send_config_uevent(&ac->dev, cfg);
	}
	if ((r == 0 && sclp) || bus->rescan_pending) {
		bus->rescan_pending = false;
		(void) apsim_bus_force_rescan(bus);
	}
	return r < 0 ? r : 0;
}

/* ------------------------------------------------------------------------------------- */
/* the bus object                                                                         */

static void parse_perm_param(const char *param, struct apsim_mask *m)
{
	struct apsim_mask cur;

	/* ap_perms_init(): all ones without a parameter, else zero and the string applied
	 * (a parse error leaves the zero mask) */
	if (!param) {
		apsim_mask_fill(m);
		return;
	}
	apsim_mask_zero(&cur);
	apsim_mask_zero(m);
	(void) apsim_mask_parse_bitmap_str(param, strlen(param), APSIM_MASK_BITS, &cur, m);
}

int apsim_bus_new(const struct apsim_bus_config *cfg, struct apsim_bus **ret)
{
	struct apsim_node *dir;
	struct apsim_bus *bus;
	int r;

	APSIM_CHECK_ARG(cfg && cfg->ops && cfg->tree && ret);
	bus = calloc(1, sizeof(*bus));
	if (!bus)
		return -ENOMEM;
	bus->queues = calloc(NR_QIDS, sizeof(*bus->queues));
	bus->name = strdup(cfg->name ? cfg->name : "host");
	if (!bus->queues || !bus->name) {
		r = -ENOMEM;
		goto out_free;
	}
	bus->ops = cfg->ops;
	bus->ops_ctx = cfg->ops_ctx;
	bus->tree = cfg->tree;
	bus->uevents = cfg->uevents;
	bus->clock = cfg->clock;
	bus->prot_virt_guest = cfg->prot_virt_guest;
	bus->max_adapter_id = 63;
	bus->max_domain_id = 15;
	bus->config_time = 30;
	bus->poll_timeout = 250000;
	bus->poll_thread = false;
	bus->irq_flag = true;
	bus->drivers_autoprobe = true;
	bus->max_msg_size = APSIM_AP_DEFAULT_MAX_MSG_SIZE;
	apsim_timer_init(&bus->scan_timer, scan_timer_fn);
	apsim_timer_init(&bus->poll_timer, apsim__bus_poll_timer_fn);

	/* ap_perms_init() */
	parse_perm_param(cfg->apmask_param, &bus->apm);
	parse_perm_param(cfg->aqmask_param, &bus->aqm);

	/* ap_init_qci_info(): the APXA maxima are taken only here */
	if (bus->ops->qci && bus->ops->qci(bus->ops_ctx, &bus->qci) == 0) {
		bus->qci_old = bus->qci;
		if (bus->qci.flags & APSIM_QCI_APXA) {
			if (bus->qci.na)
				bus->max_adapter_id = bus->qci.na;
			if (bus->qci.nd)
				bus->max_domain_id = bus->qci.nd;
		}
	} else {
		memset(&bus->qci, 0, sizeof(bus->qci));
		memset(&bus->qci_old, 0, sizeof(bus->qci_old));
	}

	/* the ap.domain= parameter (spec 2.2 notes) */
	bus->domain_index = cfg->domain_param;
	if (bus->domain_index < -1 || bus->domain_index > bus->max_domain_id ||
	    (bus->domain_index >= 0 && !apsim_mask_test(&bus->aqm, (unsigned) bus->domain_index))) {
		apsim_dbg("ap: %d is not a valid cryptographic domain\n", bus->domain_index);
		bus->domain_index = -1;
	}

	/* bus_register(): /sys/bus/ap */
	r = apsim_tree_mkdir_p(bus->tree, "bus", &dir);
	if (r < 0)
		goto out_free;
	r = apsim_tree_mkdir(bus->tree, dir, "ap", &bus->bus_dir);
	if (r < 0)
		goto out_free;
	r = apsim_tree_mkdir(bus->tree, bus->bus_dir, "devices", &bus->bus_devices_dir);
	if (r < 0)
		goto out_remove_bus;
	r = apsim_tree_mkdir(bus->tree, bus->bus_dir, "drivers", &bus->bus_drivers_dir);
	if (r < 0)
		goto out_remove_bus;
	r = apsim_tree_add_group(bus->tree, bus->bus_dir, apsim__bus_attrs, bus);
	if (r < 0)
		goto out_remove_bus;
	r = apsim_tree_add_group(bus->tree, bus->bus_dir, apsim__bus_core_attrs, bus);
	if (r < 0)
		goto out_remove_bus;

	/* root_device_register("ap"): /sys/devices/ap */
	r = apsim_tree_mkdir_p(bus->tree, "devices", &dir);
	if (r < 0)
		goto out_remove_bus;
	r = apsim_tree_mkdir(bus->tree, dir, "ap", &bus->root_dir);
	if (r < 0)
		goto out_remove_bus;
	r = apsim_tree_add_group(bus->tree, bus->root_dir, apsim__root_attrs, bus);
	if (r < 0)
		goto out_remove_root;

	r = apsim__module_add(bus->tree, "ap", true, &bus->module);
	if (r == 0)
		r = apsim_tree_add_group(bus->tree, bus->module.parameters, apsim__bus_module_params,
					 bus);
	if (r < 0)
		goto out_remove_module;

	*ret = bus;
	return 0;

out_remove_module:
	apsim__module_remove(&bus->module);
out_remove_root:
	apsim_tree_remove(bus->tree, bus->root_dir);
out_remove_bus:
	apsim_tree_remove(bus->tree, bus->bus_dir);
out_free:
	free(bus->name);
	free(bus->queues);
	free(bus);
	return r;
}

void apsim_bus_free(struct apsim_bus *bus)
{
	if (!bus)
		return;
	bus->dying = true;
	bus->in_scan = true;    /* no scans from driver callbacks any more */
	while (bus->drivers)
		apsim_bus_driver_unregister(bus->drivers);
	for (unsigned ap = 0; ap < APSIM_MASK_BITS; ap++)
		if (bus->cards[ap])
			apsim__bus_card_unregister(bus->cards[ap]);
	if (bus->clock) {
		apsim_timer_disarm(bus->clock, &bus->scan_timer);
		apsim_timer_disarm(bus->clock, &bus->poll_timer);
	}
	apsim__module_remove(&bus->module);
	apsim_tree_remove(bus->tree, bus->root_dir);
	apsim_tree_remove(bus->tree, bus->bus_dir);
	apsim__bus_queue_chunks_free(bus);
	free(bus->name);
	free(bus->queues);
	free(bus);
}

/* ------------------------------------------------------------------------------------- */
/* getters                                                                                */

uint64_t apsim_bus_get_scan_count(const struct apsim_bus *bus)
{
	return bus ? bus->scan_count : 0;
}

int apsim_bus_get_qci(const struct apsim_bus *bus, struct apsim_qci *ret)
{
	APSIM_CHECK_ARG(bus && ret);
	if (!bus->qci.flags)
		return -EOPNOTSUPP;
	*ret = bus->qci;
	return 0;
}

void apsim_bus_get_apmask(const struct apsim_bus *bus, struct apsim_mask *ret)
{
	if (bus && ret)
		*ret = bus->apm;
}

void apsim_bus_get_aqmask(const struct apsim_bus *bus, struct apsim_mask *ret)
{
	if (bus && ret)
		*ret = bus->aqm;
}

int apsim_bus_get_max_adapter_id(const struct apsim_bus *bus)
{
	return bus ? bus->max_adapter_id : -EINVAL;
}

int apsim_bus_get_max_domain_id(const struct apsim_bus *bus)
{
	return bus ? bus->max_domain_id : -EINVAL;
}

struct apsim_device *apsim_bus_find_card(struct apsim_bus *bus, unsigned apid)
{
	if (!bus || apid >= APSIM_MASK_BITS || !bus->cards[apid])
		return NULL;
	return &bus->cards[apid]->dev;
}

struct apsim_device *apsim_bus_find_queue(struct apsim_bus *bus, unsigned qid)
{
	if (!bus || qid >= NR_QIDS || !bus->queues[qid])
		return NULL;
	return &bus->queues[qid]->dev;
}

int apsim_bus_for_each_queue(struct apsim_bus *bus, int (*fn)(struct apsim_device *dev, void *ctx),
			     void *ctx)
{
	APSIM_CHECK_ARG(bus && fn);
	for (unsigned ap = 0; ap < APSIM_MASK_BITS; ap++) {
		if (!bus->cards[ap])
			continue;
		for (unsigned dom = 0; dom < APSIM_MASK_BITS; dom++) {
			struct apsim_queue *aq = bus->queues[APSIM_QID(ap, dom)];
			int r;

			if (!aq)
				continue;
			r = fn(&aq->dev, ctx);
			if (r)
				return r;
		}
	}
	return 0;
}

bool apsim_device_is_card(const struct apsim_device *dev)
{
	return dev && dev->is_card;
}

const char *apsim_device_get_name(const struct apsim_device *dev)
{
	return dev ? dev->name : NULL;
}

unsigned apsim_device_get_card_id(const struct apsim_device *dev)
{
	if (!dev)
		return 0;
	return apsim__bus_dev_card(dev)->id;
}

unsigned apsim_device_get_qid(const struct apsim_device *dev)
{
	if (!dev)
		return 0;
	if (dev->is_card)
		return APSIM_QID(to_apsim_card((struct apsim_device *) dev)->id, 0);
	return to_apsim_queue((struct apsim_device *) dev)->qid;
}

int apsim_device_get_type(const struct apsim_device *dev)
{
	return dev ? dev->device_type : -EINVAL;
}

struct apsim_driver *apsim_device_get_driver(const struct apsim_device *dev)
{
	return dev ? dev->driver : NULL;
}

void *apsim_device_get_drvdata(const struct apsim_device *dev)
{
	return dev ? dev->drvdata : NULL;
}

void apsim_device_set_drvdata(struct apsim_device *dev, void *data)
{
	if (dev)
		dev->drvdata = data;
}

struct apsim_bus *apsim_device_get_bus(const struct apsim_device *dev)
{
	return dev ? dev->bus : NULL;
}

bool apsim__bus_in_scan(const struct apsim_bus *bus)
{
	return bus && bus->in_scan;
}

struct apsim_tree *apsim__bus_tree(struct apsim_bus *bus)
{
	return bus->tree;
}

struct apsim_uevent_log *apsim__bus_uevents(struct apsim_bus *bus)
{
	return bus->uevents;
}

struct apsim_clock *apsim__bus_clock(struct apsim_bus *bus)
{
	return bus->clock;
}

struct apsim_node *apsim__bus_node(struct apsim_bus *bus)
{
	return bus->bus_dir;
}
