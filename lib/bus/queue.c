/* SPDX-License-Identifier: MIT */
/*
 * The queue state machine (kernel ap_queue.c) as far as a simulator without crypto requests
 * needs it: the reset (RAPQ, then TAPQ until it is through), the interrupt enablement (AQIC),
 * the SE association wait and the error state; ap_wait() and the poll timer it arms (the
 * tasklet, which polls the bound queues); a queue's init and flush (spec 2.4).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>

#include "apsim/clock.h"
#include "bus/bus-internal.h"

/* ap_queue_enable_irq() */
static int queue_enable_irq(struct apsim_queue *aq)
{
	struct apsim_qstatus st;

	apsim__bus_aqic(aq->dev.bus, aq->qid, true, &st);
	if (st.async)
		return -EPERM;
	switch (st.response_code) {
	case APSIM_RC_NORMAL:
	case APSIM_RC_OTHERWISE_CHANGED:
		return 0;
	case APSIM_RC_Q_NOT_AVAIL:
	case APSIM_RC_DECONFIGURED:
	case APSIM_RC_CHECKSTOPPED:
	case APSIM_RC_INVALID_ADDRESS:
		return -EOPNOTSUPP;
	default:
		return -EBUSY;
	}
}

static enum apsim_sm_wait queue_error(struct apsim_queue *aq, unsigned rc)
{
	aq->dev_state = APSIM_DEV_ERROR;
	aq->last_err_rc = rc;
	apsim_dbg("ap: RC 0x%02x on %s -> ERROR\n", rc, aq->dev.name);
	return APSIM_SM_WAIT_NONE;
}

/* ap_sm_reset(): RAPQ */
static enum apsim_sm_wait sm_reset(struct apsim_queue *aq)
{
	struct apsim_qstatus st;

	if (aq->rapq_fbit)
		apsim__bus_rapq_fbit(aq->dev.bus, aq->qid, &st);
	else
		apsim__bus_rapq(aq->dev.bus, aq->qid, &st);
	if (st.async)
		return APSIM_SM_WAIT_NONE;
	switch (st.response_code) {
	case APSIM_RC_NORMAL:
	case APSIM_RC_RESET_IN_PROGRESS:
		aq->sm_state = APSIM_SM_RESET_WAIT;
		aq->rapq_fbit = false;
		return APSIM_SM_WAIT_LOW_TIMEOUT;
	default:
		return queue_error(aq, st.response_code);
	}
}

/* ap_sm_reset_wait(): TAPQ until the reset is through, then enable interrupts */
static enum apsim_sm_wait sm_reset_wait(struct apsim_queue *aq)
{
	struct apsim_bus *bus = aq->dev.bus;
	struct apsim_qstatus st;
	uint64_t hw;

	apsim__bus_tapq(bus, aq->qid, true, &st, &hw);
	switch (st.response_code) {
	case APSIM_RC_NORMAL:
		aq->se_bstate = APSIM_HWINFO_BS(hw);
		if (bus->irq_flag && queue_enable_irq(aq) == 0)
			aq->sm_state = APSIM_SM_SETIRQ_WAIT;
		else
			aq->sm_state = APSIM_SM_IDLE;
		return APSIM_SM_WAIT_AGAIN;
	case APSIM_RC_BUSY:
	case APSIM_RC_RESET_IN_PROGRESS:
		return APSIM_SM_WAIT_LOW_TIMEOUT;
	default:
		return queue_error(aq, st.response_code);
	}
}

/* ap_sm_setirq_wait(): TAPQ until the interrupt registration shows */
static enum apsim_sm_wait sm_setirq_wait(struct apsim_queue *aq)
{
	struct apsim_qstatus st;

	apsim__bus_tapq(aq->dev.bus, aq->qid, false, &st, NULL);
	if (st.irq_enabled)
		aq->sm_state = APSIM_SM_IDLE;
	switch (st.response_code) {
	case APSIM_RC_NORMAL:
	case 0x10:      /* NO_PENDING_REPLY */
		return APSIM_SM_WAIT_LOW_TIMEOUT;
	default:
		return queue_error(aq, st.response_code);
	}
}

/*
 * ap_sm_assoc_wait() (ap_queue.c, the ap_tapq_hwinfo form): TAPQ until the association
 * shows: bs USABLE is through, USABLE_NO_SECURE_KEY still pending, anything else is a reset
 * from outside.
 */
static enum apsim_sm_wait sm_assoc_wait(struct apsim_queue *aq)
{
	struct apsim_qstatus st;
	uint64_t hw;

	apsim__bus_tapq(aq->dev.bus, aq->qid, true, &st, &hw);
	if ((st.async && st.response_code) || st.response_code > APSIM_RC_BUSY)
		return queue_error(aq, st.response_code);
	aq->se_bstate = APSIM_HWINFO_BS(hw);
	switch (aq->se_bstate) {
	case APSIM_BS_Q_USABLE:
		aq->sm_state = APSIM_SM_IDLE;
		return APSIM_SM_WAIT_NONE;
	case APSIM_BS_Q_USABLE_NO_SECURE_KEY:
		return APSIM_SM_WAIT_LOW_TIMEOUT;
	default:
		aq->assoc_idx = APSIM_ASSOC_IDX_INVALID;
		return queue_error(aq, st.response_code);
	}
}

/* ap_sm_event(aq, AP_SM_EVENT_POLL) */
enum apsim_sm_wait apsim__bus_sm_event(struct apsim_queue *aq)
{
	if (!aq->config || aq->chkstop || aq->dev_state == APSIM_DEV_UNINITIATED)
		return APSIM_SM_WAIT_NONE;
	switch (aq->sm_state) {
	case APSIM_SM_RESET_START:
		return sm_reset(aq);
	case APSIM_SM_RESET_WAIT:
		return sm_reset_wait(aq);
	case APSIM_SM_SETIRQ_WAIT:
		return sm_setirq_wait(aq);
	case APSIM_SM_ASSOC_WAIT:
		return sm_assoc_wait(aq);
	default:
		/* IDLE / WORKING / QUEUE_FULL: no requests to send or receive here */
		return APSIM_SM_WAIT_NONE;
	}
}

static enum apsim_sm_wait sm_event_loop(struct apsim_queue *aq)
{
	enum apsim_sm_wait w;

	while ((w = apsim__bus_sm_event(aq)) == APSIM_SM_WAIT_AGAIN)
		;
	return w;
}

/* ap_wait() */
void apsim__bus_wait(struct apsim_bus *bus, enum apsim_sm_wait wait)
{
	switch (wait) {
	case APSIM_SM_WAIT_AGAIN:
	case APSIM_SM_WAIT_INTERRUPT:
		if (bus->irq_flag)
			break;
		if (bus->poll_thread)
			break;  /* the poll thread sleeps: nothing is pending without requests */
		/* fall through */
	case APSIM_SM_WAIT_LOW_TIMEOUT:
	case APSIM_SM_WAIT_HIGH_TIMEOUT:
		if (bus->clock && !bus->poll_timer.armed)
			apsim_timer_arm(bus->clock, &bus->poll_timer,
					wait == APSIM_SM_WAIT_LOW_TIMEOUT ? APSIM_POLL_LOW_TIMEOUT_NS :
					(uint64_t) bus->poll_timeout);
		break;
	default:
		break;
	}
}

/* ap_tasklet_fn(): poll every queue in the active set (the bound ones) */
void apsim__bus_poll_timer_fn(struct apsim_timer *timer)
{
	struct apsim_bus *bus = container_of(timer, struct apsim_bus, poll_timer);
	enum apsim_sm_wait wait = APSIM_SM_WAIT_NONE;

	for (unsigned ap = 0; ap < APSIM_MASK_BITS; ap++) {
		if (!bus->cards[ap])
			continue;
		for (unsigned dom = 0; dom < APSIM_MASK_BITS; dom++) {
			struct apsim_queue *aq = bus->queues[APSIM_QID(ap, dom)];
			enum apsim_sm_wait w;

			if (!aq || !aq->dev.driver)
				continue;
			w = sm_event_loop(aq);
			if (w < wait)
				wait = w;
		}
	}
	apsim__bus_wait(bus, wait);
}

/* _ap_queue_init_state() */
void apsim__bus_queue_init_state(struct apsim_queue *aq)
{
	aq->dev_state = APSIM_DEV_OPERATING;
	aq->sm_state = APSIM_SM_RESET_START;
	aq->last_err_rc = 0;
	aq->assoc_idx = APSIM_ASSOC_IDX_INVALID;
	apsim__bus_wait(aq->dev.bus, apsim__bus_sm_event(aq));
}

/* ap_flush_queue(): no requests are ever queued in the simulator */
void apsim__bus_queue_flush(struct apsim_queue *aq)
{
	aq->requestq_count = 0;
	aq->pendingq_count = 0;
}
