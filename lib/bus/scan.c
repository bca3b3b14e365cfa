/* SPDX-License-Identifier: MIT */
/*
 * The bus scan (kernel ap_scan_bus(), spec 3.2 - 3.4): QCI compared with the previous answer,
 * the drivers' on_config_changed before and on_scan_complete after the walk, the default
 * domain, every adapter (spec 3.3) and its domains (spec 3.4) by TAPQ, with their card and
 * queue devices created, updated or removed, INITSCAN and then bindings complete; what
 * triggers a scan (spec 3.1): the rescan timer (config_time) and the forced rescan with its
 * recursion rule, and the card config store whose SCLP command asks for one (spec 2.3).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <string.h>

#include "apsim/clock.h"
#include "bus/bus-internal.h"

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
	if (!apsim__bus_rc_has_info(st.response_code) && !st.async) {
		qi->rc = -1;
		return;
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
void apsim__bus_scan_timer_fn(struct apsim_timer *timer)
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
