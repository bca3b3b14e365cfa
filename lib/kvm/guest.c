/* SPDX-License-Identifier: MIT */
/*
 * guest.c - KVM guests (design "guests", spec 6.6, 6.13).
 *
 * A guest owns an APCB (adapter, usage-domain and control-domain masks) and counts every
 * APCB update, since each one takes all its vCPUs out of SIE. It runs its own AP bus with the
 * zcrypt drivers, in its own sysfs tree with its own uevent log, over a view of the host
 * machine filtered by the APCB: QCI reports the host's block with the three masks replaced
 * by the APCB (an empty APCB is an empty configuration), and an AP instruction reaches the
 * machine only for an APQN whose adapter and domain are both in the APCB (else RC 01, as the
 * SIE interpretation answers). An APCB change is delivered to the guest the way the newest
 * kernels do it (spec 6.13: config-change eventfd -> QEMU -> CHSC AP config event): the
 * guest's bus rescans at once.
 *
 * A Secure Execution guest (docs/se-guests.md) also sees QCI APSB, and its view adds the
 * Ultravisor's part: a bind state per APQN in TAPQ's bs field (spec 1.5), BAPQ, AAPQ and RAPQ
 * with the F bit (spec 1.7). The state lives here, not in the machine: it belongs to the
 * (guest, APQN) pair and the host never sees it.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apsim/clock.h"
#include "apsim/machine.h"
#include "apsim/sysfs.h"
#include "apsim/uevent.h"
#include "bus/bus-internal.h"
#include "kvm/guest-internal.h"
#include "base/macro-internal.h"

static bool in_apcb(const struct apsim_guest *g, unsigned qid)
{
	return apsim_mask_test(&g->apm, APSIM_QID_CARD(qid)) &&
	       apsim_mask_test(&g->aqm, APSIM_QID_QUEUE(qid));
}

static void not_avail(struct apsim_qstatus *st)
{
	memset(st, 0, sizeof(*st));
	st->response_code = APSIM_RC_Q_NOT_AVAIL;
}

/* --- Secure Execution: the bind state of the guest's APQNs --- */

static struct apsim_guest_se_queue *se_find(struct apsim_guest *g, unsigned qid)
{
	for (size_t i = 0; i < g->n_se_queues; i++)
		if (g->se_queues[i].qid == qid)
			return &g->se_queues[i];
	return NULL;
}

static struct apsim_guest_se_queue *se_get(struct apsim_guest *g, unsigned qid)
{
	struct apsim_guest_se_queue *e = se_find(g, qid);

	if (e)
		return e;
	if (g->n_se_queues == g->cap_se_queues) {
		size_t cap = g->cap_se_queues ? 2 * g->cap_se_queues : 16;
		void *p = realloc(g->se_queues, cap * sizeof(*g->se_queues));

		if (!p)
			return NULL;
		g->se_queues = p;
		g->cap_se_queues = cap;
	}
	e = &g->se_queues[g->n_se_queues++];
	memset(e, 0, sizeof(*e));
	e->qid = qid;
	return e;
}

/* The guest's own RAPQ/ZAPQ without the F bit keep the binding: note them. */
static void se_own_reset(struct apsim_guest *g, unsigned qid)
{
	struct apsim_guest_se_queue *e = se_find(g, qid);

	if (e)
		e->resets = apsim_machine_queue_reset_count(g->machine, qid);
}

/* The binding ends (RAPQ with the F bit, or the APQN leaves the APCB: vfio_ap's ZAPQ). */
static void se_forget(struct apsim_guest *g, unsigned qid)
{
	struct apsim_guest_se_queue *e = se_find(g, qid);

	if (e)
		*e = g->se_queues[--g->n_se_queues];
}

/*
 * The bs an SE guest reads for a queue of a card whose facility word is fac: CCA cards are
 * unusable ("illicit"); EP11 and accelerator queues are available for binding until BAPQ,
 * then an accelerator is usable and an EP11 queue usable without secure key until its
 * association is through.
 */
static unsigned se_bstate(struct apsim_guest *g, unsigned qid, uint32_t fac)
{
	struct apsim_guest_se_queue *e;

	if (!(fac & (APSIM_FAC_EP11 | APSIM_FAC_ACCEL)))
		return APSIM_BS_Q_UNUSABLE;
	e = se_find(g, qid);
	/* a reset from outside (the host's ZAPQ, e.g. VFIO_DEVICE_RESET) ended the binding */
	if (e && e->resets != apsim_machine_queue_reset_count(g->machine, qid)) {
		se_forget(g, qid);
		e = NULL;
	}
	if (!e || !e->bound)
		return APSIM_BS_Q_AVAIL_FOR_BINDING;
	if (fac & APSIM_FAC_ACCEL)
		return APSIM_BS_Q_USABLE;
	if (e->assoc && (!g->clock || apsim_clock_now(g->clock) >= e->assoc_done_ns))
		return APSIM_BS_Q_USABLE;
	return APSIM_BS_Q_USABLE_NO_SECURE_KEY;
}

static int guest_qci(void *ctx, struct apsim_qci *ret)
{
	struct apsim_guest *g = ctx;
	struct apsim_qci qci;
	int r;

	r = apsim_machine_qci(g->machine, &qci);
	if (r < 0)
		return r;
	qci.apm = g->apm;
	qci.aqm = g->aqm;
	qci.adm = g->adm;
	/* the secure-binding facility of an SE guest's configuration (spec 1.2 bit 8) */
	if (g->se)
		qci.flags |= APSIM_QCI_APSB;
	*ret = qci;
	return 0;
}

static void guest_tapq(void *ctx, unsigned qid, bool tbit, struct apsim_qstatus *ret_status,
		       uint64_t *ret_hwinfo)
{
	struct apsim_guest *g = ctx;

	if (!in_apcb(g, qid)) {
		not_avail(ret_status);
		if (ret_hwinfo)
			*ret_hwinfo = 0;
		return;
	}
	apsim_machine_tapq(g->machine, qid, tbit, ret_status, ret_hwinfo);
	if (g->se && ret_hwinfo && *ret_hwinfo)
		*ret_hwinfo = APSIM_HWINFO_WITH_BS(*ret_hwinfo,
						   se_bstate(g, qid, APSIM_HWINFO_FAC(*ret_hwinfo)));
}

/* The start of BAPQ and AAPQ: an SE guest's queue in its APCB whose TAPQ answers RC 00;
 * false with ret_status set otherwise. */
static bool se_queue_usable(struct apsim_guest *g, unsigned qid, struct apsim_qstatus *ret_status,
			    uint64_t *hw)
{
	if (!g->se || !in_apcb(g, qid)) {
		not_avail(ret_status);
		return false;
	}
	apsim_machine_tapq(g->machine, qid, true, ret_status, hw);
	return ret_status->response_code == APSIM_RC_NORMAL;
}

/*
 * BAPQ (PQAP fc 7): synchronous. The queue answers as TAPQ first (not available,
 * deconfigured, ...); a queue that is not available for binding gives RC 30 (BIND_ERROR).
 */
static void guest_bapq(void *ctx, unsigned qid, struct apsim_qstatus *ret_status)
{
	struct apsim_guest *g = ctx;
	struct apsim_guest_se_queue *e;
	uint64_t hw = 0;

	if (!se_queue_usable(g, qid, ret_status, &hw))
		return;
	if (se_bstate(g, qid, APSIM_HWINFO_FAC(hw)) != APSIM_BS_Q_AVAIL_FOR_BINDING) {
		ret_status->response_code = APSIM_RC_Q_BIND_ERROR;
		return;
	}
	e = se_get(g, qid);
	if (!e) {
		ret_status->response_code = APSIM_RC_BUSY;
		return;
	}
	e->bound = true;
	e->assoc = false;
	e->resets = apsim_machine_queue_reset_count(g->machine, qid);
}

/*
 * AAPQ (PQAP fc 8): asynchronous. RC 00 starts the association with the secret sec_idx; it
 * is through APSIM_SE_ASSOC_NS later (bs USABLE). Only bound EP11 queues without an
 * association can be associated (else RC 0B NOT_BOUND or RC 31 NOT_AVAIL_FOR_ASSOC).
 */
static void guest_aapq(void *ctx, unsigned qid, unsigned sec_idx, struct apsim_qstatus *ret_status)
{
	struct apsim_guest *g = ctx;
	struct apsim_guest_se_queue *e;
	uint64_t hw = 0;

	if (!se_queue_usable(g, qid, ret_status, &hw))
		return;
	e = se_find(g, qid);
	if (!(APSIM_HWINFO_FAC(hw) & APSIM_FAC_EP11) || (e && e->assoc)) {
		ret_status->response_code = APSIM_RC_Q_NOT_AVAIL_FOR_ASSOC;
		return;
	}
	if (!e || !e->bound) {
		ret_status->response_code = APSIM_RC_Q_NOT_BOUND;
		return;
	}
	e->assoc = true;
	e->assoc_idx = sec_idx;
	e->assoc_done_ns = (g->clock ? apsim_clock_now(g->clock) : 0) + APSIM_SE_ASSOC_NS;
}

static void guest_rapq(void *ctx, unsigned qid, struct apsim_qstatus *ret_status)
{
	struct apsim_guest *g = ctx;

	if (!in_apcb(g, qid)) {
		not_avail(ret_status);
		return;
	}
	apsim_machine_rapq(g->machine, qid, ret_status);
	se_own_reset(g, qid);
}

/* RAPQ with the F bit: the reset also ends the SE binding and association. */
static void guest_rapq_fbit(void *ctx, unsigned qid, struct apsim_qstatus *ret_status)
{
	struct apsim_guest *g = ctx;

	guest_rapq(ctx, qid, ret_status);
	if (ret_status->response_code == APSIM_RC_NORMAL ||
	    ret_status->response_code == APSIM_RC_RESET_IN_PROGRESS)
		se_forget(g, qid);
}

static void guest_zapq(void *ctx, unsigned qid, struct apsim_qstatus *ret_status)
{
	struct apsim_guest *g = ctx;

	if (!in_apcb(g, qid)) {
		not_avail(ret_status);
		return;
	}
	apsim_machine_zapq(g->machine, qid, ret_status);
	se_own_reset(g, qid);
}

static void guest_aqic(void *ctx, unsigned qid, bool enable, struct apsim_qstatus *ret_status)
{
	struct apsim_guest *g = ctx;

	if (!in_apcb(g, qid)) {
		not_avail(ret_status);
		return;
	}
	apsim_machine_aqic(g->machine, qid, enable, ret_status);
}

static void guest_qact(void *ctx, unsigned qid, uint32_t fac, unsigned target_type,
		       struct apsim_qstatus *ret_status, unsigned *ret_cat)
{
	struct apsim_guest *g = ctx;

	*ret_cat = 0;
	if (!in_apcb(g, qid)) {
		not_avail(ret_status);
		return;
	}
	apsim_machine_qact(g->machine, qid, fac, target_type, ret_status, ret_cat);
}

/* The query goes through one of the guest's APQNs: the adapter must be in its APCB. */
static int guest_card_serial(void *ctx, unsigned apid, char *buf, size_t len)
{
	struct apsim_guest *g = ctx;

	if (!apsim_mask_test(&g->apm, apid) || apsim_mask_empty(&g->aqm))
		return -ENODEV;
	return apsim_machine_ap_ops()->card_serial(g->machine, apid, buf, len);
}

/* A guest has no SCLP access to the host's adapters. */
static int guest_sclp_config(void *ctx, unsigned apid, bool on)
{
	return -EOPNOTSUPP;
}

static const struct apsim_ap_ops guest_ops = {
	.qci = guest_qci,
	.tapq = guest_tapq,
	.rapq = guest_rapq,
	.zapq = guest_zapq,
	.aqic = guest_aqic,
	.sclp_config = guest_sclp_config,
	.qact = guest_qact,
	.card_serial = guest_card_serial,
	.bapq = guest_bapq,
	.aapq = guest_aapq,
	.rapq_fbit = guest_rapq_fbit,
};

int apsim__guest_new(const char *name, struct apsim_machine *machine, struct apsim_clock *clock,
		     struct apsim_guest **ret)
{
	return apsim__guest_new_se(name, machine, clock, false, ret);
}

int apsim__guest_new_se(const char *name, struct apsim_machine *machine, struct apsim_clock *clock,
			bool se, struct apsim_guest **ret)
{
	struct apsim_bus_config cfg;
	struct apsim_guest *g;
	int r;

	APSIM_CHECK_ARG(name && machine && ret);
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->name = strdup(name);
	if (!g->name) {
		r = -ENOMEM;
		goto out_free;
	}
	g->machine = machine;
	g->clock = clock;
	g->se = se;
	r = apsim_tree_new(&g->tree);
	if (r < 0)
		goto out_free;
	r = apsim_uevent_log_new(&g->uevents);
	if (r < 0)
		goto out_free;

	memset(&cfg, 0, sizeof(cfg));
	cfg.name = g->name;
	cfg.ops = &guest_ops;
	cfg.ops_ctx = g;
	cfg.tree = g->tree;
	cfg.uevents = g->uevents;
	cfg.clock = clock;
	cfg.domain_param = -1;
	cfg.prot_virt_guest = se;
	r = apsim_bus_new(&cfg, &g->bus);
	if (r < 0)
		goto out_free;
	r = apsim__zcrypt_new(g->bus, &g->zcrypt);
	if (r < 0)
		goto out_free;
	/* the guest kernel's initial AP bus scan: an empty APCB, an empty configuration */
	r = apsim_bus_scan(g->bus);
	if (r < 0)
		goto out_free;
	*ret = g;
	return 0;

out_free:
	apsim__guest_free(g);
	return r;
}

void apsim__guest_free(struct apsim_guest *g)
{
	if (!g)
		return;
	if (g->zcrypt)
		apsim__zcrypt_free(g->zcrypt);
	if (g->bus)
		apsim_bus_free(g->bus);
	apsim_uevent_log_free(g->uevents);
	apsim_tree_free(g->tree);
	free(g->se_queues);
	free(g->name);
	free(g);
}

/* The guest learns of the change and rescans (ap_bus_cfg_chg -> force rescan). */
static void notify(struct apsim_guest *g)
{
	if (g->bus)
		(void) apsim_bus_force_rescan(g->bus);
}

void apsim__guest_set_masks(struct apsim_guest *g, const struct apsim_mask *apm,
			    const struct apsim_mask *aqm, const struct apsim_mask *adm)
{
	if (!g)
		return;
	g->apcb_updates++;
	g->apm = *apm;
	g->aqm = *aqm;
	g->adm = *adm;
	/* an APQN taken away was reset by vfio_ap (ZAPQ): its binding is gone */
	for (size_t i = g->n_se_queues; i-- > 0;)
		if (!in_apcb(g, g->se_queues[i].qid))
			se_forget(g, g->se_queues[i].qid);
	notify(g);
}

void apsim__guest_clear_masks(struct apsim_guest *g)
{
	if (!g)
		return;
	g->apcb_updates++;
	apsim_mask_zero(&g->apm);
	apsim_mask_zero(&g->aqm);
	apsim_mask_zero(&g->adm);
	g->n_se_queues = 0;
	notify(g);
}

void apsim__guest_signal_cfg_chg(struct apsim_guest *g)
{
	if (g)
		g->cfg_chg_signals++;
}
