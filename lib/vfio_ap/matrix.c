/* SPDX-License-Identifier: MIT */
/*
 * matrix.c - the bottom of vfio_ap: what every other file of the driver stands on. The matrix
 * of an mdev (spec 1.1), the driver's queues and their links to the mdev that holds them
 * (spec 6.2, 6.8), the exclusivity of APQNs between mdevs (spec 6.3), the queue reset of
 * spec 6.7 and the helper that sends a vfio_ap device's uevent. Calls only the bus, the tree
 * and the uevent log below vfio_ap.
 *
 * vfio_ap's reading order, top to bottom (each file calls only the ones after it):
 *   driver.c     the AP driver: registration with its callback table, probe/remove, in_use
 *   mdev.c       the matrix device, mdev create/remove, guests, VFIO ioctls, persistence
 *   mdev-attrs.c the assignment attributes of an mdev (spec 6.3, 6.4)
 *   hotplug.c    filtering, APCB updates, the config-change callbacks (spec 6.5, 6.6, 6.11)
 *   vfio-core.c  what the VFIO and IOMMU cores add to an mdev (iommu group, vfio-dev)
 *   matrix.c     this file
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apsim/clock.h"
#include "apsim/uevent.h"
#include "bus/bus-internal.h"
#include "kvm/guest-internal.h"
#include "base/kstrto-internal.h"
#include "base/macro-internal.h"
#include "vfio_ap/vfio_ap-internal.h"
#include "vfio_ap/vfio_ap-private.h"

void apsim__vfio_ap_uevent(struct apsim_vfio_ap *v, struct apsim_node *node,
			   enum apsim_uevent_action action, const char *subsystem,
			   const char *const *env_extra, const char *const *dev_vars)
{
	char path[512];

	if (!v->uevents || apsim_node_path(node, path, sizeof(path)) < 0)
		return;
	(void) apsim_uevent_emit(v->uevents, v->clock ? apsim_clock_now(v->clock) / 1000 : 0, action,
				 path, subsystem, env_extra, dev_vars);
}

/* spec 1.1: vfio_ap_matrix_init */
void apsim__vfio_ap_matrix_init(const struct apsim_qci *info, struct vfio_ap_matrix *m)
{
	bool apxa = (info->flags & APSIM_QCI_APXA) != 0;

	m->apm_max = apxa ? info->na : 63;
	m->aqm_max = apxa ? info->nd : 15;
	m->adm_max = apxa ? info->nd : 15;
}

struct vfio_ap_queue *apsim__vfio_ap_find_queue(struct apsim_vfio_ap *v, unsigned apqn)
{
	return v->queues[apqn & 0xffff];
}

struct vfio_ap_queue *apsim__vfio_ap_mdev_get_queue(struct vfio_ap_mdev *m, unsigned apqn)
{
	struct vfio_ap_queue *q = apsim__vfio_ap_find_queue(m->v, apqn);

	return q && q->qtable == m ? q : NULL;
}

/* vfio_ap_mdev_link_queue: both directions, once */
void apsim__vfio_ap_link_queue(struct vfio_ap_mdev *m, struct vfio_ap_queue *q)
{
	if (!q || q->qtable == m)
		return;
	q->matrix_mdev = m;
	q->qtable = m;
}

void apsim__vfio_ap_link_apqn(struct vfio_ap_mdev *m, unsigned apqn)
{
	apsim__vfio_ap_link_queue(m, apsim__vfio_ap_find_queue(m->v, apqn));
}

void apsim__vfio_ap_link_adapter(struct vfio_ap_mdev *m, unsigned apid)
{
	for (int apqi = apsim_mask_next(&m->matrix.aqm, 0); apqi >= 0;
	     apqi = apsim_mask_next(&m->matrix.aqm, (unsigned) apqi + 1))
		apsim__vfio_ap_link_apqn(m, APSIM_QID(apid, apqi));
}

void apsim__vfio_ap_link_domain(struct vfio_ap_mdev *m, unsigned apqi)
{
	for (int apid = apsim_mask_next(&m->matrix.apm, 0); apid >= 0;
	     apid = apsim_mask_next(&m->matrix.apm, (unsigned) apid + 1))
		apsim__vfio_ap_link_apqn(m, APSIM_QID(apid, apqi));
}

struct vfio_ap_mdev *apsim__vfio_ap_find_mdev(struct apsim_vfio_ap *v, const char *uuid)
{
	for (struct vfio_ap_mdev *m = v->mdevs; m; m = m->next)
		if (strcmp(m->uuid, uuid) == 0)
			return m;
	return NULL;
}

struct vfio_ap_mdev *apsim__vfio_ap_mdev_for_apqn(struct apsim_vfio_ap *v, unsigned apqn)
{
	for (struct vfio_ap_mdev *m = v->mdevs; m; m = m->next)
		if (apsim_mask_test(&m->matrix.apm, APSIM_QID_CARD(apqn)) &&
		    apsim_mask_test(&m->matrix.aqm, APSIM_QID_QUEUE(apqn)))
			return m;
	return NULL;
}

/* vfio_ap_mdev_verify_no_sharing (spec 6.3 / 6.10) */
int apsim__vfio_ap_verify_no_sharing(struct apsim_vfio_ap *v, struct vfio_ap_mdev *assignee,
				     const struct apsim_mask *apm, const struct apsim_mask *aqm)
{
	struct apsim_mask ap, aq;

	for (struct vfio_ap_mdev *m = v->mdevs; m; m = m->next) {
		if (m == assignee)
			continue;
		if (!apsim_mask_and(&ap, apm, &m->matrix.apm))
			continue;
		if (!apsim_mask_and(&aq, aqm, &m->matrix.aqm))
			continue;
		if (apsim_get_log_level() >= APSIM_LOG_DEBUG) {
			int apid = apsim_mask_next(&ap, 0), apqi = apsim_mask_next(&aq, 0);

			if (assignee)
				apsim_dbg("vfio_ap: Userspace may not assign queue %02x.%04x to mdev: already assigned to %s",
					  apid, apqi, m->uuid);
			else
				apsim_dbg("vfio_ap: Can not reserve queue %02x.%04x for host driver: in use by mdev",
					  apid, apqi);
		}
		return -EADDRINUSE;
	}
	return 0;
}

/* --- spec 6.7: queue reset --- */

static bool reset_busy_rc(uint8_t rc)
{
	return rc == APSIM_RC_RESET_IN_PROGRESS || rc == APSIM_RC_BUSY ||
	       rc == APSIM_RC_STATE_CHANGE_IN_PROGRESS;
}

/*
 * apq_reset_check, run synchronously (the kernel queues it on system_long_wq and every caller
 * flushes the work right away, so the result is the same). The 20 ms sleeps are simulated:
 * the global clock does not move. The kernel polls forever; we give up after
 * VFIO_AP_RESET_MAX_POLLS polls (1 s of simulated waiting), leaving reset_status at the last
 * ZAPQ's status - the queue then stays unpassable (spec 6.5) until a later reset succeeds,
 * which is what a guest would observe while the kernel's worker keeps waiting.
 */
static void reset_check(struct apsim_vfio_ap *v, struct vfio_ap_queue *q)
{
	unsigned elapsed = 0;

	for (unsigned i = 0; i < VFIO_AP_RESET_MAX_POLLS; i++) {
		struct apsim_qstatus st;
		uint64_t hw;
		int ret;

		elapsed += VFIO_AP_RESET_INTERVAL_MS;
		apsim__bus_tapq(v->bus, q->apqn, false, &st, &hw);
		switch (st.response_code) {
		case APSIM_RC_NORMAL:
		case APSIM_RC_DECONFIGURED:
		case APSIM_RC_CHECKSTOPPED:
			ret = 0;
			break;
		case APSIM_RC_RESET_IN_PROGRESS:
		case APSIM_RC_BUSY:
			ret = -EBUSY;
			break;
		case 0x35: /* ASSOC_SECRET_NOT_UNIQUE */
		case 0x36: /* ASSOC_FAILED */
			ret = -EAGAIN;
			break;
		default:
			apsim_dbg("vfio_ap: failed to verify reset of queue %02x.%04x: TAPQ rc=%u",
				  APSIM_QID_CARD(q->apqn), APSIM_QID_QUEUE(q->apqn), st.response_code);
			return;
		}
		if (ret == -EBUSY) {
			apsim_dbg("vfio_ap: Waited %ums for reset of queue %02x.%04x (%u, %u, %u)", elapsed,
				  APSIM_QID_CARD(q->apqn), APSIM_QID_QUEUE(q->apqn), st.response_code,
				  st.queue_empty, st.irq_enabled);
			continue;
		}
		if (reset_busy_rc(q->reset_status.response_code) || ret == -EAGAIN) {
			apsim__bus_zapq(v->bus, q->apqn, &q->reset_status);
			q->resets++;
			v->total_resets++;
			continue;
		}
		return;         /* done; AQIC resources would be freed here */
	}
	apsim_dbg("vfio_ap: gave up waiting for the reset of queue %02x.%04x after %ums",
		  APSIM_QID_CARD(q->apqn), APSIM_QID_QUEUE(q->apqn), elapsed);
}

/* vfio_ap_mdev_reset_queue + flush_work */
void apsim__vfio_ap_reset_queue(struct apsim_vfio_ap *v, struct vfio_ap_queue *q)
{
	if (!q)
		return;
	apsim__bus_zapq(v->bus, q->apqn, &q->reset_status);
	q->resets++;
	v->total_resets++;
	switch (q->reset_status.response_code) {
	case APSIM_RC_NORMAL:
	case APSIM_RC_RESET_IN_PROGRESS:
	case APSIM_RC_BUSY:
	case APSIM_RC_STATE_CHANGE_IN_PROGRESS:
		reset_check(v, q);
		break;
	case APSIM_RC_DECONFIGURED:
	case APSIM_RC_CHECKSTOPPED:
		break;  /* AQIC resources freed */
	default:
		apsim_dbg("vfio_ap: PQAP/ZAPQ for %02x.%04x failed with invalid rc=%u",
			  APSIM_QID_CARD(q->apqn), APSIM_QID_QUEUE(q->apqn),
			  q->reset_status.response_code);
		break;
	}
}

/* vfio_ap_mdev_reset_queues: every queue in M's qtable (ascending APQN) */
int apsim__vfio_ap_reset_mdev_queues(struct vfio_ap_mdev *m)
{
	struct apsim_vfio_ap *v = m->v;
	int ret = 0;

	for (struct vfio_ap_queue *q = v->queues_list; q; q = q->next)
		if (q->qtable == m)
			apsim__vfio_ap_reset_queue(v, q);
	for (struct vfio_ap_queue *q = v->queues_list; q; q = q->next)
		if (q->qtable == m && q->reset_status.response_code)
			ret = -EIO;
	return ret;
}
