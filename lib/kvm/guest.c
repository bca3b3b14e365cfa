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
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
}

static void guest_rapq(void *ctx, unsigned qid, struct apsim_qstatus *ret_status)
{
	struct apsim_guest *g = ctx;

	if (!in_apcb(g, qid)) {
		not_avail(ret_status);
		return;
	}
	apsim_machine_rapq(g->machine, qid, ret_status);
}

static void guest_zapq(void *ctx, unsigned qid, struct apsim_qstatus *ret_status)
{
	struct apsim_guest *g = ctx;

	if (!in_apcb(g, qid)) {
		not_avail(ret_status);
		return;
	}
	apsim_machine_zapq(g->machine, qid, ret_status);
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
};

int apsim__guest_new(const char *name, struct apsim_machine *machine, struct apsim_clock *clock,
		     struct apsim_guest **ret)
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
	notify(g);
}

void apsim__guest_signal_cfg_chg(struct apsim_guest *g)
{
	if (g)
		g->cfg_chg_signals++;
}
