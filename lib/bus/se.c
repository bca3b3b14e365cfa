/* SPDX-License-Identifier: MIT */
/*
 * se.c - the Secure Execution attributes of AP queues: se_bind and se_associate, the
 * kernel's ap_queue_dev_sb_attr_group (drivers/s390/crypto/ap_queue.c).
 *
 * Which queues have them follows v6.12 (78f636e82b22, also in 6.11.y): ap_queue_create()
 * adds the group when ap_is_se_guest() and the card is in EP11 or accelerator mode
 * (ap_q_supported_in_se()). From their introduction (2023) up to that fix every queue of an
 * SE guest had them. The show/store bodies follow the newer code (struct ap_tapq_hwinfo; the
 * spec's Q6, gregkh/linux@ecd929caff09, still has ap_tapq_gr2 and tests the state machine
 * before the bind state): the stores test the bind state with TAPQ first. There is no
 * se_state file in any kernel version: the bind state is the bs field of TAPQ GR2 (spec
 * 1.5), shown in the queue's ap_functions (0x0000C000, lszcrypt's SESTAT column).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "apsim/sysfs.h"
#include "bus/bus-internal.h"
#include "base/kstrto-internal.h"
#include "sysfs/emit-internal.h"

static struct apsim_queue *obj_queue(void *obj)
{
	return to_apsim_queue((struct apsim_device *) obj);
}

/* ap_q_supports_bind(): EP11 or accelerator card (== ap_q_supported_in_se()) */
static bool supports_bind(const struct apsim_queue *aq)
{
	uint32_t fac = APSIM_HWINFO_FAC(aq->card->hwinfo);

	return fac & (APSIM_FAC_EP11 | APSIM_FAC_ACCEL);
}

/* ap_q_supports_assoc(): EP11 only */
static bool supports_assoc(const struct apsim_queue *aq)
{
	return APSIM_HWINFO_FAC(aq->card->hwinfo) & APSIM_FAC_EP11;
}

bool apsim__queue_has_se_attrs(const struct apsim_queue *aq)
{
	return apsim__bus_is_se_guest(aq->dev.bus) && supports_bind(aq);
}

/* ap_test_queue(qid, 1, &hwinfo): the queue's bind state into aq->se_bstate, -EIO when TAPQ
 * answers a response code above max_rc */
static int read_bs(struct apsim_queue *aq, uint8_t max_rc)
{
	struct apsim_qstatus st;
	uint64_t hw;

	apsim__bus_tapq(aq->dev.bus, aq->qid, true, &st, &hw);
	if (st.response_code > max_rc)
		return -EIO;
	aq->se_bstate = APSIM_HWINFO_BS(hw);
	return 0;
}

static ssize_t se_bind_show(void *obj, char *buf, size_t len)
{
	struct apsim_queue *aq = obj_queue(obj);

	if (!supports_bind(aq))
		return apsim__sysfs_emit(buf, len, "-\n");
	if (read_bs(aq, APSIM_RC_BUSY) < 0)
		return -EIO;
	switch (aq->se_bstate) {
	case APSIM_BS_Q_USABLE:
	case APSIM_BS_Q_USABLE_NO_SECURE_KEY:
		return apsim__sysfs_emit(buf, len, "bound\n");
	default:
		return apsim__sysfs_emit(buf, len, "unbound\n");
	}
}

static ssize_t se_bind_store(void *obj, const char *buf, size_t len)
{
	struct apsim_queue *aq = obj_queue(obj);
	struct apsim_qstatus st;
	bool value;
	int r;

	if (!supports_bind(aq))
		return -EINVAL;
	r = apsim__kstrtobool(buf, &value);
	if (r < 0)
		return r;

	if (!value) {
		/* unbind: flush, then a reset with the F bit (_ap_queue_init_state) */
		aq->requestq_count = 0;
		aq->pendingq_count = 0;
		aq->rapq_fbit = true;
		apsim__bus_queue_init_state(aq);
		return (ssize_t) len;
	}

	/* bind: the queue must be available for binding and its state machine through reset */
	if (read_bs(aq, APSIM_RC_NORMAL) < 0)
		return -EIO;
	if (aq->se_bstate != APSIM_BS_Q_AVAIL_FOR_BINDING)
		return -EINVAL;
	if (aq->sm_state < APSIM_SM_IDLE)
		return -EBUSY;
	apsim__bus_bapq(aq->dev.bus, aq->qid, &st);
	if (st.response_code)
		return -EIO;
	aq->assoc_idx = APSIM_ASSOC_IDX_INVALID;

	/* verify: BAPQ is synchronous, the bs must show bound now */
	if (read_bs(aq, APSIM_RC_NORMAL) < 0)
		return -EIO;
	if (aq->se_bstate != APSIM_BS_Q_USABLE && aq->se_bstate != APSIM_BS_Q_USABLE_NO_SECURE_KEY)
		return -EIO;
	return (ssize_t) len;
}

static ssize_t se_associate_show(void *obj, char *buf, size_t len)
{
	struct apsim_queue *aq = obj_queue(obj);

	if (!supports_assoc(aq))
		return apsim__sysfs_emit(buf, len, "-\n");
	if (read_bs(aq, APSIM_RC_BUSY) < 0)
		return -EIO;
	switch (aq->se_bstate) {
	case APSIM_BS_Q_USABLE:
		/* usable without an index: the kernel warns and fails the read */
		if (aq->assoc_idx == APSIM_ASSOC_IDX_INVALID)
			return -EIO;
		return apsim__sysfs_emit(buf, len, "associated %u\n", aq->assoc_idx);
	case APSIM_BS_Q_USABLE_NO_SECURE_KEY:
		if (aq->assoc_idx != APSIM_ASSOC_IDX_INVALID)
			return apsim__sysfs_emit(buf, len, "association pending\n");
		/* fall through */
	default:
		return apsim__sysfs_emit(buf, len, "unassociated\n");
	}
}

static ssize_t se_associate_store(void *obj, const char *buf, size_t len)
{
	struct apsim_queue *aq = obj_queue(obj);
	struct apsim_qstatus st;
	unsigned value;
	int r;

	if (!supports_assoc(aq))
		return -EINVAL;
	/* kstrtouint(base 0): -EINVAL, or -ERANGE above UINT_MAX; the index is below 0x10000 */
	r = apsim__kstrtouint(buf, 0, &value);
	if (r < 0)
		return r;
	if (value >= APSIM_ASSOC_IDX_INVALID)
		return -EINVAL;

	if (read_bs(aq, APSIM_RC_NORMAL) < 0)
		return -EIO;
	if (aq->se_bstate != APSIM_BS_Q_USABLE_NO_SECURE_KEY)
		return -EINVAL;
	if (aq->sm_state != APSIM_SM_IDLE)
		return -EBUSY;

	/* the asynchronous association request; the state machine polls for its end */
	apsim__bus_aapq(aq->dev.bus, aq->qid, value, &st);
	switch (st.response_code) {
	case APSIM_RC_NORMAL:
	case APSIM_RC_STATE_CHANGE_IN_PROGRESS:
		aq->sm_state = APSIM_SM_ASSOC_WAIT;
		aq->assoc_idx = value;
		apsim__bus_wait(aq->dev.bus, apsim__bus_sm_event(aq));
		return (ssize_t) len;
	default:
		return -EIO;
	}
}

#define ATTR(_name, _mode, _show, _store) { .name = _name, .mode = _mode, .show = _show, .store = _store }

const struct apsim_attr apsim__queue_se_attrs[] = {
	ATTR("se_bind", 0644, se_bind_show, se_bind_store),
	ATTR("se_associate", 0644, se_associate_show, se_associate_store),
	{ 0 },
};
