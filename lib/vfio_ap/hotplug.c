/* SPDX-License-Identifier: MIT */
/*
 * hotplug.c - from the admin's matrix to the guest's APCB: filtering (spec 6.5),
 * guest APCB updates (spec 6.6), hot unplug with queue resets (spec 6.3, 6.7), and the host
 * configuration-change handling of spec 6.11 under the three policies of design.md:
 *
 *  kernel     mainline v6.x, intended semantics: on_config_changed unplugs the removed
 *             adapters/domains/control domains (<= 1 APCB update per guest) and records the
 *             additions; the probes of the scan link new queues without filtering;
 *             on_scan_complete filters and plugs (<= 1 update per guest).
 *  legacy     the driver registers without the two callbacks (driver.c): every probe and
 *             remove filters and updates on its own, with the QCI copy refreshed per probe.
 *  coalesced  ours: at most one APCB update per affected guest per config-change scan, none
 *             for guests the change does not touch. See the comment above coalesced_plug().
 *
 * APSIM_QUIRK_MAINLINE reproduces the mainline defects of spec 6.11 in the removal path.
 * Called by driver.c, mdev.c and mdev-attrs.c; calls only matrix.c within vfio_ap.
 */
#include <errno.h>
#include <string.h>

#include "bus/bus-internal.h"
#include "kvm/guest-internal.h"
#include "base/macro-internal.h"
#include "vfio_ap/vfio_ap-private.h"

static bool queue_passable(const struct vfio_ap_queue *q)
{
	if (!q)
		return false;
	/* spec 6.5, newest: RC 0, 3 and 4 of the last reset are passable */
	switch (q->reset_status.response_code) {
	case APSIM_RC_NORMAL:
	case APSIM_RC_DECONFIGURED:
	case APSIM_RC_CHECKSTOPPED:
		return true;
	default:
		return false;
	}
}

/* vfio_ap_mdev_filter_matrix (spec 6.5) */
bool apsim__vfio_ap_filter_matrix(struct vfio_ap_mdev *m, struct apsim_mask *apm_filtered)
{
	struct apsim_vfio_ap *v = m->v;
	struct apsim_mask prev_apm = m->shadow.apm, prev_aqm = m->shadow.aqm;

	apsim__vfio_ap_matrix_init(&v->info, &m->shadow);
	apsim_mask_zero(apm_filtered);
	apsim_mask_and(&m->shadow.apm, &m->matrix.apm, &v->info.apm);
	apsim_mask_and(&m->shadow.aqm, &m->matrix.aqm, &v->info.aqm);

	for (int apid = apsim_mask_next(&m->shadow.apm, 0); apid >= 0;
	     apid = apsim_mask_next(&m->shadow.apm, (unsigned) apid + 1)) {
		for (int apqi = apsim_mask_next(&m->shadow.aqm, 0); apqi >= 0;
		     apqi = apsim_mask_next(&m->shadow.aqm, (unsigned) apqi + 1)) {
			struct vfio_ap_queue *q = apsim__vfio_ap_mdev_get_queue(m, APSIM_QID(apid, apqi));

			if (queue_passable(q))
				continue;
			/* an APQN cannot be filtered alone: filter the adapter */
			apsim_mask_clear(&m->shadow.apm, (unsigned) apid);
			if (apsim_mask_test(&prev_apm, (unsigned) apid))
				apsim_mask_set(apm_filtered, (unsigned) apid);
			break;
		}
	}
	return !apsim_mask_equal(&prev_apm, &m->shadow.apm) ||
	       !apsim_mask_equal(&prev_aqm, &m->shadow.aqm);
}

/* vfio_ap_mdev_filter_cdoms (spec 6.5) */
bool apsim__vfio_ap_filter_cdoms(struct vfio_ap_mdev *m)
{
	struct apsim_mask prev = m->shadow.adm;

	apsim_mask_and(&m->shadow.adm, &m->matrix.adm, &m->v->info.adm);
	return !apsim_mask_equal(&prev, &m->shadow.adm);
}

/* vfio_ap_mdev_update_guest_apcb (spec 6.6): one disruptive update, plus the eventfd */
void apsim__vfio_ap_update_guest_apcb(struct vfio_ap_mdev *m)
{
	m->defer_push = false;
	if (!m->kvm)
		return;
	apsim__guest_set_masks(m->kvm, &m->shadow.apm, &m->shadow.aqm, &m->shadow.adm);
	apsim__vfio_ap_signal_cfg_chg(m);
}

/* signal_guest_ap_cfg_changed (spec 6.13): the guest learns of the change; the mdev's
 * trigger counts the signal only while one is registered */
void apsim__vfio_ap_signal_cfg_chg(struct vfio_ap_mdev *m)
{
	apsim__guest_signal_cfg_chg(m->kvm);
	if (m->cfg_chg_trigger.registered)
		m->cfg_chg_trigger.signals++;
}

/* reset_queues_for_apids: the queues of M's shadow AQM on the listed adapters */
int apsim__vfio_ap_reset_queues_for_apids(struct vfio_ap_mdev *m, const struct apsim_mask *apids)
{
	struct vfio_ap_queue *list[APSIM_MASK_BITS];
	int ret = 0;

	for (int apid = apsim_mask_next(apids, 0); apid >= 0;
	     apid = apsim_mask_next(apids, (unsigned) apid + 1)) {
		size_t n = 0;

		for (int apqi = apsim_mask_next(&m->shadow.aqm, 0); apqi >= 0;
		     apqi = apsim_mask_next(&m->shadow.aqm, (unsigned) apqi + 1)) {
			struct vfio_ap_queue *q = apsim__vfio_ap_mdev_get_queue(m, APSIM_QID(apid, apqi));

			if (q)
				list[n++] = q;
		}
		for (size_t i = 0; i < n; i++)
			apsim__vfio_ap_reset_queue(m->v, list[i]);
		for (size_t i = 0; i < n; i++)
			if (list[i]->reset_status.response_code)
				ret = -EIO;
	}
	return ret;
}

void apsim__vfio_ap_refilter(struct vfio_ap_mdev *m, bool cdoms_too)
{
	struct apsim_mask filtered;
	bool changed = apsim__vfio_ap_filter_matrix(m, &filtered);

	if (cdoms_too)
		changed |= apsim__vfio_ap_filter_cdoms(m);
	if (changed) {
		apsim__vfio_ap_update_guest_apcb(m);
		apsim__vfio_ap_reset_queues_for_apids(m, &filtered);
	}
}

/* A set of queues to reset, kept in ascending APQN order. */
struct qset {
	uint8_t bits[VFIO_AP_NR_APQNS / 8];
};

static void qset_add(struct qset *s, unsigned apqn)
{
	s->bits[apqn >> 3] |= (uint8_t) (1u << (apqn & 7));
}

/* Reset the collected queues, then drop their back-links (vfio_ap_unlink_mdev_fr_queue). */
static void qset_reset_and_unlink(struct apsim_vfio_ap *v, const struct qset *s)
{
	for (unsigned apqn = 0; apqn < VFIO_AP_NR_APQNS; apqn++)
		if (s->bits[apqn >> 3] & (1u << (apqn & 7)))
			apsim__vfio_ap_reset_queue(v, apsim__vfio_ap_find_queue(v, apqn));
	for (unsigned apqn = 0; apqn < VFIO_AP_NR_APQNS; apqn++) {
		struct vfio_ap_queue *q;

		if (!(s->bits[apqn >> 3] & (1u << (apqn & 7))))
			continue;
		q = apsim__vfio_ap_find_queue(v, apqn);
		if (q)
			q->matrix_mdev = NULL;
	}
}

/* Unlink (apid, apqi) from M's qtable; collect it for reset if it is in the guest. */
static void unlink_apqn(struct vfio_ap_mdev *m, unsigned apid, unsigned apqi, struct qset *resets,
			bool *any)
{
	struct vfio_ap_queue *q = apsim__vfio_ap_mdev_get_queue(m, APSIM_QID(apid, apqi));

	if (!q)
		return;
	q->qtable = NULL;       /* the back-link stays (spec 8 item 22) */
	if (apsim_mask_test(&m->shadow.apm, apid) && apsim_mask_test(&m->shadow.aqm, apqi)) {
		qset_add(resets, q->apqn);
		*any = true;
	}
}

/* vfio_ap_mdev_hot_unplug_adapters (spec 6.3 unassign_adapter, 6.4 step 4) */
void apsim__vfio_ap_hot_unplug_adapters(struct vfio_ap_mdev *m, const struct apsim_mask *apids)
{
	struct qset resets;
	bool update = false, any = false;

	if (apsim_mask_empty(apids))
		return;
	memset(&resets, 0, sizeof(resets));
	for (int apid = apsim_mask_next(apids, 0); apid >= 0;
	     apid = apsim_mask_next(apids, (unsigned) apid + 1)) {
		for (int apqi = apsim_mask_next(&m->matrix.aqm, 0); apqi >= 0;
		     apqi = apsim_mask_next(&m->matrix.aqm, (unsigned) apqi + 1))
			unlink_apqn(m, (unsigned) apid, (unsigned) apqi, &resets, &any);
		if (apsim_mask_test(&m->shadow.apm, (unsigned) apid)) {
			apsim_mask_clear(&m->shadow.apm, (unsigned) apid);
			update = true;
		}
	}
	/* only update the APCB if needed, to avoid disturbing the guest */
	if (update)
		apsim__vfio_ap_update_guest_apcb(m);
	if (any)
		qset_reset_and_unlink(m->v, &resets);
}

/* vfio_ap_mdev_hot_unplug_domains */
void apsim__vfio_ap_hot_unplug_domains(struct vfio_ap_mdev *m, const struct apsim_mask *apqis)
{
	struct qset resets;
	bool update = false, any = false;

	if (apsim_mask_empty(apqis))
		return;
	memset(&resets, 0, sizeof(resets));
	for (int apqi = apsim_mask_next(apqis, 0); apqi >= 0;
	     apqi = apsim_mask_next(apqis, (unsigned) apqi + 1)) {
		for (int apid = apsim_mask_next(&m->matrix.apm, 0); apid >= 0;
		     apid = apsim_mask_next(&m->matrix.apm, (unsigned) apid + 1))
			unlink_apqn(m, (unsigned) apid, (unsigned) apqi, &resets, &any);
		if (apsim_mask_test(&m->shadow.aqm, (unsigned) apqi)) {
			apsim_mask_clear(&m->shadow.aqm, (unsigned) apqi);
			update = true;
		}
	}
	if (update)
		apsim__vfio_ap_update_guest_apcb(m);
	if (any)
		qset_reset_and_unlink(m->v, &resets);
}

/* --- spec 6.11: host configuration changes --- */

/*
 * Push the shadow to the guest now (kernel), or at on_scan_complete (coalesced: the APQNs
 * removed here are outside the host configuration from this moment on, so leaving them in
 * the guest's APCB until the end of the scan exposes nothing - the firmware answers RC 01
 * for them - and the removal and the addition then cost one update together).
 */
static void push_or_defer(struct vfio_ap_mdev *m)
{
	if (m->v->policy == APSIM_POLICY_COALESCED)
		m->defer_push = true;
	else
		apsim__vfio_ap_update_guest_apcb(m);
}

/* shadow -= rem; returns "changed" (intended) or "result non-empty" (mainline's return
 * value of bitmap_andnot, which is what mainline ORs into do_hotplug) */
static bool shadow_andnot(struct vfio_ap_mdev *m, struct apsim_mask *shadow,
			  const struct apsim_mask *rem)
{
	struct apsim_mask prev = *shadow;
	bool nonempty = apsim_mask_andnot(shadow, shadow, rem);

	if (m->v->quirks & APSIM_QUIRK_MAINLINE)
		return nonempty;
	return !apsim_mask_equal(&prev, shadow);
}

/* vfio_ap_mdev_hot_unplug_cfg: no queue resets, the queues are leaving the configuration */
static void hot_unplug_cfg(struct vfio_ap_mdev *m, const struct apsim_mask *aprem,
			   const struct apsim_mask *aqrem, const struct apsim_mask *cdrem)
{
	bool update = false;

	if (!apsim_mask_empty(aprem))
		update |= shadow_andnot(m, &m->shadow.apm, aprem);
	if (!apsim_mask_empty(aqrem))
		update |= shadow_andnot(m, &m->shadow.aqm, aqrem);
	if (!apsim_mask_empty(cdrem))
		update |= shadow_andnot(m, &m->shadow.adm, cdrem);
	if (update)
		push_or_defer(m);
}

/*
 * vfio_ap_mdev_on_cfg_remove + cfg_remove. Mainline (APSIM_QUIRK_MAINLINE) computes the
 * control domains as cd_remove & ~M.adm and ORs do_remove across mdevs without resetting it;
 * the intended semantics use cd_remove & M.adm and a fresh do_remove per mdev. Mainline also
 * locks M->kvm->lock of mdevs without a guest (a NULL dereference); we skip that lock and
 * still update the shadow, as spec 6.11 recommends.
 */
static void cfg_remove(struct apsim_vfio_ap *v, const struct apsim_qci *cur, const struct apsim_qci *prev)
{
	bool quirk = (v->quirks & APSIM_QUIRK_MAINLINE) != 0;
	struct apsim_mask aprem, aqrem, cdrem;
	bool do_remove = false;

	if (!(apsim_mask_andnot(&aprem, &prev->apm, &cur->apm) |
	      apsim_mask_andnot(&aqrem, &prev->aqm, &cur->aqm) |
	      apsim_mask_andnot(&cdrem, &prev->adm, &cur->adm)))
		return;
	for (struct vfio_ap_mdev *m = v->mdevs; m; m = m->next) {
		struct apsim_mask ap, aq, cd;
		bool any;

		any = apsim_mask_and(&ap, &aprem, &m->matrix.apm);
		any |= apsim_mask_and(&aq, &aqrem, &m->matrix.aqm);
		if (quirk)
			any |= apsim_mask_andnot(&cd, &cdrem, &m->matrix.adm);
		else
			any |= apsim_mask_and(&cd, &cdrem, &m->matrix.adm);
		do_remove = quirk ? (do_remove || any) : any;
		if (do_remove)
			hot_unplug_cfg(m, &ap, &aq, &cd);
	}
}

/* vfio_ap_filter_apid_by_qtype (spec 6.11 step 3a; quirk of spec 8 item 27 included) */
static void filter_apid_by_qtype(struct apsim_vfio_ap *v, struct apsim_mask *apm,
				 const struct apsim_mask *aqm)
{
	for (int apid = apsim_mask_next(apm, 0); apid >= 0; apid = apsim_mask_next(apm, (unsigned) apid + 1)) {
		for (int apqi = apsim_mask_next(aqm, 0); apqi >= 0;
		     apqi = apsim_mask_next(aqm, (unsigned) apqi + 1)) {
			struct apsim_qstatus st;
			uint64_t hw = 0;

			/* the kernel keeps testing the remaining APQIs after clearing the APID */
			apsim__bus_tapq(v->bus, APSIM_QID(apid, apqi), true, &st, &hw);
			if (!apsim__bus_rc_has_info(st.response_code) ||
			    APSIM_HWINFO_AT(hw) < APSIM_AP_TYPE_CEX4)
				apsim_mask_clear(apm, (unsigned) apid);
		}
	}
}

/* vfio_ap_mdev_on_cfg_add + cfg_add */
static void cfg_add(struct apsim_vfio_ap *v, const struct apsim_qci *cur, const struct apsim_qci *prev)
{
	struct apsim_mask apm_add, aqm_add, adm_add;

	if (!(apsim_mask_andnot(&apm_add, &cur->apm, &prev->apm) |
	      apsim_mask_andnot(&aqm_add, &cur->aqm, &prev->aqm) |
	      apsim_mask_andnot(&adm_add, &cur->adm, &prev->adm)))
		return;
	if (!v->mdevs)
		return;
	filter_apid_by_qtype(v, &apm_add, &aqm_add);
	for (struct vfio_ap_mdev *m = v->mdevs; m; m = m->next) {
		apsim_mask_and(&m->apm_add, &m->matrix.apm, &apm_add);
		apsim_mask_and(&m->aqm_add, &m->matrix.aqm, &aqm_add);
		apsim_mask_and(&m->adm_add, &m->matrix.adm, &adm_add);
	}
}

/* vfio_ap_on_cfg_changed (spec 6.11), start of a scan whose QCI changed */
void apsim__vfio_ap_on_config_changed(struct apsim_driver *drv, const struct apsim_qci *new_qci,
				      const struct apsim_qci *old_qci)
{
	struct apsim_vfio_ap *v = drv->priv;

	if (!new_qci || !old_qci)
		return;
	if (v->policy == APSIM_POLICY_COALESCED)
		v->cfg_window = true;
	cfg_remove(v, new_qci, old_qci);
	cfg_add(v, new_qci, old_qci);
	v->info = *new_qci;
}

/* vfio_ap_mdev_hot_plug_cfg */
static void hot_plug_cfg(struct vfio_ap_mdev *m)
{
	struct apsim_mask filtered;
	bool fa, fd, fc, update = false;

	fa = apsim_mask_intersects(&m->matrix.apm, &m->apm_add);
	fd = apsim_mask_intersects(&m->matrix.aqm, &m->aqm_add);
	fc = apsim_mask_intersects(&m->matrix.adm, &m->adm_add);
	/* mainline leaves apm_filtered uninitialised when only control domains were added;
	 * intended (and here): empty, no resets */
	apsim_mask_zero(&filtered);
	if (fa || fd)
		update = apsim__vfio_ap_filter_matrix(m, &filtered);
	if (fc)
		update |= apsim__vfio_ap_filter_cdoms(m);
	if (update)
		apsim__vfio_ap_update_guest_apcb(m);
	apsim__vfio_ap_reset_queues_for_apids(m, &filtered);
}

/*
 * The coalesced policy, end of a config-change scan. Over the whole scan each guest gets at
 * most one APCB update, holding the removals and the additions together:
 *
 *  - on_config_changed removes the adapters/domains/control domains that left the host
 *    configuration from the shadow at once (so nothing later in the scan re-plugs them or
 *    resets them) but only marks the push as pending (push_or_defer): those APQNs are outside
 *    the host configuration from now on, the firmware refuses them to the guest anyway, so
 *    keeping them in the APCB a little longer is safe;
 *  - the probes of the scan link the new queues and never filter (plugging later is safe);
 *  - here every mdev with additions, new probes or a pending push is filtered once and the
 *    guest gets one update if its shadow changed in this scan at all.
 *
 * The one push that cannot wait is a queue that leaves vfio_ap while it is still in the host
 * configuration and in the guest (a card swapped in the same scan, a queue gone from TAPQ):
 * vfio_ap.c's remove unplugs its adapter at once (that update also carries the pending
 * removals), as safety requires. A scan without a QCI change gets no on_scan_complete from
 * the bus, so probes and removes outside config-change scans behave as in the kernel policy.
 */
static void coalesced_plug(struct vfio_ap_mdev *m)
{
	struct apsim_mask filtered;
	bool fa, fd, fc, update = m->defer_push;

	fa = apsim_mask_intersects(&m->matrix.apm, &m->apm_add);
	fd = apsim_mask_intersects(&m->matrix.aqm, &m->aqm_add);
	fc = apsim_mask_intersects(&m->matrix.adm, &m->adm_add);
	apsim_mask_zero(&filtered);
	if (fa || fd || m->defer_filter)
		update |= apsim__vfio_ap_filter_matrix(m, &filtered);
	if (fc)
		update |= apsim__vfio_ap_filter_cdoms(m);
	if (update)
		apsim__vfio_ap_update_guest_apcb(m);
	apsim__vfio_ap_reset_queues_for_apids(m, &filtered);
}

/* vfio_ap_on_scan_complete (spec 6.11), end of that scan */
void apsim__vfio_ap_on_scan_complete(struct apsim_driver *drv, const struct apsim_qci *new_qci,
				     const struct apsim_qci *old_qci)
{
	struct apsim_vfio_ap *v = drv->priv;
	bool coalesced = v->policy == APSIM_POLICY_COALESCED;

	(void) new_qci;
	(void) old_qci;
	v->cfg_window = false;
	for (struct vfio_ap_mdev *m = v->mdevs; m; m = m->next) {
		bool adds = !apsim_mask_empty(&m->apm_add) || !apsim_mask_empty(&m->aqm_add) ||
			    !apsim_mask_empty(&m->adm_add);

		if (coalesced && (adds || m->defer_filter || m->defer_push))
			coalesced_plug(m);
		else if (!coalesced && adds)
			hot_plug_cfg(m);
		else
			continue;
		apsim_mask_zero(&m->apm_add);
		apsim_mask_zero(&m->aqm_add);
		apsim_mask_zero(&m->adm_add);
		m->defer_filter = false;
		m->defer_push = false;
	}
}
