/* SPDX-License-Identifier: MIT */
/*
 * invariants.c - the vfio_ap safety invariants (apsim_sim_check_invariants, issue 3), checked
 * between commands, i.e. never in the middle of a scan:
 *
 *  1. every APQN of an attached guest's APCB (apm x aqm) is bound to vfio_ap and linked to
 *     that guest's mdev, or is outside the host configuration;
 *  2. no APQN is assigned to two mdevs;
 *  3. no queue reserved for the default drivers (apmask x aqmask) is bound to vfio_ap;
 *  4. without APSIM_QUIRK_MAINLINE: an attached guest's APCB equals its mdev's shadow APCB
 *     (guest_matrix) - every policy pushes each shadow change before its entry point returns.
 *     Mainline can leave them apart (its bitmap_andnot return value quirk), so the check is
 *     off with the quirks.
 *
 * "The host configuration" in 1 is the AP bus's current QCI (ap_qci_info), not the machine's
 * live LPAR configuration: vfio_ap can only act on what the bus reported. After every scan
 * the two agree; they differ only between an HMC change made with notification off and the
 * next scan, a window in which the host cannot know of the change - and in which the queue
 * devices, links and APCB still describe the last scanned configuration, so clause 1 holds
 * through the bound queues anyway. Without QCI support every APQN counts as configured.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "apsim/bus.h"
#include "kvm/guest-internal.h"
#include "base/macro-internal.h"
#include "vfio_ap/vfio_ap-internal.h"
#include "vfio_ap/vfio_ap-private.h"

static int fail(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (msg && len) {
		va_start(ap, fmt);
		vsnprintf(msg, len, fmt, ap);
		va_end(ap);
	}
	return -EPROTO;
}

static int check_guest(struct apsim_vfio_ap *v, struct vfio_ap_mdev *m, const struct apsim_qci *qci,
		       bool have_qci, char *msg, size_t len)
{
	struct apsim_guest *g = m->kvm;

	for (int apid = apsim_mask_next(&g->apm, 0); apid >= 0;
	     apid = apsim_mask_next(&g->apm, (unsigned) apid + 1)) {
		for (int apqi = apsim_mask_next(&g->aqm, 0); apqi >= 0;
		     apqi = apsim_mask_next(&g->aqm, (unsigned) apqi + 1)) {
			struct vfio_ap_queue *q = apsim__vfio_ap_find_queue(v, APSIM_QID(apid, apqi));

			if (q && q->qtable == m && q->matrix_mdev == m)
				continue;
			if (have_qci && (!apsim_mask_test(&qci->apm, (unsigned) apid) ||
					 !apsim_mask_test(&qci->aqm, (unsigned) apqi)))
				continue;
			return fail(msg, len,
				    "guest '%s': APQN %02x.%04x is in its APCB and in the host configuration but %s",
				    g->name, apid, apqi,
				    !q ? "not bound to vfio_ap" : "not linked to its mdev");
		}
	}
	if (!(v->quirks & APSIM_QUIRK_MAINLINE) &&
	    (!apsim_mask_equal(&g->apm, &m->shadow.apm) || !apsim_mask_equal(&g->aqm, &m->shadow.aqm) ||
	     !apsim_mask_equal(&g->adm, &m->shadow.adm)))
		return fail(msg, len, "guest '%s': APCB differs from the guest_matrix of mdev %s", g->name,
			    m->uuid);
	return 0;
}

int apsim__vfio_ap_check_invariants(struct apsim_vfio_ap *v, char *msg, size_t len)
{
	struct apsim_qci qci;
	bool have_qci;
	int r;

	if (msg && len)
		msg[0] = '\0';
	if (!v)
		return 0;
	have_qci = apsim_bus_get_qci(v->bus, &qci) == 0;

	for (struct vfio_ap_mdev *m = v->mdevs; m; m = m->next) {
		if (!m->kvm)
			continue;
		r = check_guest(v, m, &qci, have_qci, msg, len);
		if (r < 0)
			return r;
	}

	for (struct vfio_ap_mdev *a = v->mdevs; a; a = a->next) {
		for (struct vfio_ap_mdev *b = a->next; b; b = b->next) {
			struct apsim_mask apm, aqm;

			if (!apsim_mask_and(&apm, &a->matrix.apm, &b->matrix.apm) ||
			    !apsim_mask_and(&aqm, &a->matrix.aqm, &b->matrix.aqm))
				continue;
			return fail(msg, len, "APQN %02x.%04x is assigned to mdev %s and mdev %s",
				    apsim_mask_next(&apm, 0), apsim_mask_next(&aqm, 0), b->uuid, a->uuid);
		}
	}

	for (struct vfio_ap_queue *q = v->queues_list; q; q = q->next) {
		unsigned apid = APSIM_QID_CARD(q->apqn), apqi = APSIM_QID_QUEUE(q->apqn);

		if (apsim_bus_apqn_reserved(v->bus, apid, apqi))
			return fail(msg, len,
				    "queue %02x.%04x is reserved for the default drivers but bound to vfio_ap",
				    apid, apqi);
	}
	return 0;
}
