/* SPDX-License-Identifier: MIT */
/*
 * machine.c - the emulated AP firmware (spec 1): installed adapters, the LPAR's AP
 * configuration reported by QCI, per-queue state and the AP instructions QCI, TAPQ, RAPQ,
 * ZAPQ and AQIC. Not thread-safe: callers serialise (the simulation holds its lock).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apsim/bus.h"
#include "apsim/machine.h"
#include "base/macro-internal.h"

#define NR_APIDS  256
#define NR_QUEUES (NR_APIDS * 256)

/* per-queue state bits */
#define QS_IRQ_ENABLED 0x01

struct machine_card {
	bool installed;
	bool checkstopped;
	bool configured; /* SE side (SCLP) configured */
	struct apsim_card_spec spec;
};

struct apsim_machine {
	struct machine_card cards[NR_APIDS];
	struct apsim_mask apm, aqm, adm; /* the LPAR configuration */
	uint32_t qci_flags;
	uint8_t na, nd;
	bool qci_available;
	bool notify;
	apsim_machine_cfg_chg_fn notifier;
	void *notifier_ctx;
	/* per APQN, indexed by qid */
	uint8_t qstate[NR_QUEUES];
	uint8_t inject_rc[NR_QUEUES];
	uint16_t inject_count[NR_QUEUES];
	uint16_t reset_count[NR_QUEUES];   /* completed RAPQ/ZAPQ, for SE bindings */
	/* apsim_machine_fault_after_qci(): applied when the host bus's next QCI returns */
	bool fault_pending;
	unsigned fault_apid;
	enum apsim_after_qci_fault fault;
};

/* --- card types --- */

/*
 * Default fac words, chosen so that lszcrypt's FUNCTIONS column (letters S M C D A X N H F R
 * for 0x80000000 .. 0x00400000, clients.md 3) shows what real cards show once TAPQ adds the
 * APXA bit (N): CCA "S--D--N-F-", accelerator "-MC-A-N-F-", EP11 "S----XN-F-". The same
 * for every generation CEX4..CEX8.
 */
uint32_t apsim_card_default_functions(uint8_t raw_type, enum apsim_card_mode mode)
{
	(void) raw_type;
	switch (mode) {
	case APSIM_MODE_CCA:
		return APSIM_FAC_APSC | APSIM_FAC_CCA | 0x00800000u;
	case APSIM_MODE_ACCEL:
		return APSIM_FAC_MEX4K | APSIM_FAC_CRT4K | APSIM_FAC_ACCEL | 0x00800000u;
	case APSIM_MODE_EP11:
		return APSIM_FAC_APSC | APSIM_FAC_EP11 | 0x00800000u;
	}
	return 0;
}

int apsim_card_type_parse(const char *name, struct apsim_card_spec *ret)
{
	struct apsim_card_spec spec;

	/* case-sensitive, like the zcrypt 'type' attribute: "CEX4A" .. "CEX8P" */
	if (!name || !ret || strlen(name) != 5 || strncmp(name, "CEX", 3) != 0)
		return -EINVAL;
	if (name[3] < '4' || name[3] > '8')
		return -EINVAL;
	memset(&spec, 0, sizeof(spec));
	spec.raw_type = (uint8_t) (APSIM_AP_TYPE_CEX4 + (name[3] - '4'));
	switch (name[4]) {
	case 'A':
		spec.mode = APSIM_MODE_ACCEL;
		break;
	case 'C':
		spec.mode = APSIM_MODE_CCA;
		break;
	case 'P':
		spec.mode = APSIM_MODE_EP11;
		break;
	default:
		return -EINVAL;
	}
	spec.functions = apsim_card_default_functions(spec.raw_type, spec.mode);
	spec.depth = 7;
	spec.ml = 0;
	*ret = spec;
	return 0;
}

void apsim_card_type_name(uint8_t raw_type, enum apsim_card_mode mode, char *buf, size_t len)
{
	char letter = mode == APSIM_MODE_ACCEL ? 'A' : mode == APSIM_MODE_CCA ? 'C' : 'P';
	unsigned gen;

	if (!buf || len == 0)
		return;
	if (raw_type >= APSIM_AP_TYPE_CEX4)
		gen = raw_type - 6u; /* 10 -> CEX4, 14 -> CEX8, 15 -> CEX9 */
	else if (raw_type >= 6)
		gen = 2 + (raw_type - 6u) / 2; /* 6,7 CEX2; 8,9 CEX3 */
	else
		gen = 0;
	if (gen)
		snprintf(buf, len, "CEX%u%c", gen, letter);
	else
		snprintf(buf, len, "UNKNOWN");
}

/* --- machine life cycle --- */

int apsim_machine_new_empty(struct apsim_machine **ret)
{
	struct apsim_machine *m;

	if (!ret)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->qci_flags = APSIM_QCI_APSC | APSIM_QCI_APXA | APSIM_QCI_QACT | APSIM_QCI_RC8A;
	m->na = 255;
	m->nd = 84;
	m->qci_available = true;
	m->notify = true;
	*ret = m;
	return 0;
}

/*
 * The built-in machine, shaped like a z16 LPAR with APXA (na 255, nd 84):
 *   adapter 0x03 CEX8C  serial 93AAA003
 *   adapter 0x05 CEX8A
 *   adapter 0x0a CEX8P  serial 93AAA01000000010
 *   adapter 0x0b CEX7C  serial 93AAA011
 *   adapter 0x10 CEX8C  serial 93AAA016
 * all five in the LPAR's adapter set; usage domains 6, 11 (0x0b), 32 (0x20); control
 * domains 6, 11, 15 (0x0f), 32. Every card is configured, none checkstopped, depth 7.
 */
int apsim_machine_new_default(struct apsim_machine **ret)
{
	static const struct {
		unsigned apid;
		const char *type;
	} cards[] = {
	    {0x03, "CEX8C"}, {0x05, "CEX8A"}, {0x0a, "CEX8P"}, {0x0b, "CEX7C"}, {0x10, "CEX8C"},
	};
	static const unsigned usage[] = {6, 11, 32};
	static const unsigned control[] = {6, 11, 15, 32};
	struct apsim_card_spec spec;
	struct apsim_machine *m;
	int r;

	if (!ret)
		return -EINVAL;
	r = apsim_machine_new_empty(&m);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(cards); i++) {
		r = apsim_card_type_parse(cards[i].type, &spec);
		if (r >= 0)
			r = apsim_machine_card_add(m, cards[i].apid, &spec);
		if (r < 0)
			goto out_free_machine;
		apsim_mask_set(&m->apm, cards[i].apid);
	}
	for (size_t i = 0; i < ARRAY_SIZE(usage); i++)
		apsim_mask_set(&m->aqm, usage[i]);
	for (size_t i = 0; i < ARRAY_SIZE(control); i++)
		apsim_mask_set(&m->adm, control[i]);
	*ret = m;
	return 0;

out_free_machine:
	apsim_machine_free(m);
	return r;
}

void apsim_machine_free(struct apsim_machine *m)
{
	free(m);
}

void apsim_machine_set_cfg_notifier(struct apsim_machine *m, apsim_machine_cfg_chg_fn fn, void *ctx)
{
	if (!m)
		return;
	m->notifier = fn;
	m->notifier_ctx = ctx;
}

void apsim_machine_set_notify(struct apsim_machine *m, bool on)
{
	if (m)
		m->notify = on;
}

bool apsim_machine_get_notify(const struct apsim_machine *m)
{
	return m && m->notify;
}

static void notify_cfg_changed(struct apsim_machine *m)
{
	if (m->notify && m->notifier)
		m->notifier(m->notifier_ctx);
}

/* Forget the per-queue state (interrupts, injections) of one APQN. */
static void queue_forget(struct apsim_machine *m, unsigned qid)
{
	m->qstate[qid] = 0;
	m->inject_rc[qid] = 0;
	m->inject_count[qid] = 0;
}

/* --- HMC / SE actions --- */

int apsim_machine_card_add(struct apsim_machine *m, unsigned apid,
			   const struct apsim_card_spec *spec)
{
	struct machine_card *card;

	APSIM_CHECK_ARG(m && spec && apid < NR_APIDS);
	APSIM_CHECK_ARG(spec->mode == APSIM_MODE_ACCEL || spec->mode == APSIM_MODE_CCA ||
			spec->mode == APSIM_MODE_EP11);
	APSIM_CHECK_ARG(spec->depth <= 15 && spec->ml <= 15);
	APSIM_CHECK_ARG(memchr(spec->serial, '\0', sizeof(spec->serial)));
	card = &m->cards[apid];
	if (card->installed)
		return -EEXIST;
	card->spec = *spec;
	/* CCA serials have 8 characters, EP11 serials 16 (struct ep11_card_info) */
	if (!card->spec.serial[0] && spec->mode == APSIM_MODE_CCA)
		snprintf(card->spec.serial, sizeof(card->spec.serial), "93AAA%03u", apid);
	else if (!card->spec.serial[0] && spec->mode == APSIM_MODE_EP11)
		snprintf(card->spec.serial, sizeof(card->spec.serial), "93AAA%03u%08u", apid, apid);
	card->installed = true;
	card->checkstopped = false;
	card->configured = true;
	for (unsigned q = 0; q < 256; q++)
		queue_forget(m, APSIM_QID(apid, q));
	return 0;
}

int apsim_machine_card_remove(struct apsim_machine *m, unsigned apid)
{
	APSIM_CHECK_ARG(m && apid < NR_APIDS);
	if (!m->cards[apid].installed)
		return -ENODEV;
	memset(&m->cards[apid], 0, sizeof(m->cards[apid]));
	for (unsigned q = 0; q < 256; q++)
		queue_forget(m, APSIM_QID(apid, q));
	return 0;
}

int apsim_machine_card_checkstop(struct apsim_machine *m, unsigned apid, bool on)
{
	APSIM_CHECK_ARG(m && apid < NR_APIDS);
	if (!m->cards[apid].installed)
		return -ENODEV;
	m->cards[apid].checkstopped = on;
	return 0;
}

int apsim_machine_card_config(struct apsim_machine *m, unsigned apid, bool on)
{
	APSIM_CHECK_ARG(m && apid < NR_APIDS);
	if (!m->cards[apid].installed)
		return -ENODEV;
	if (m->cards[apid].configured && !on) {
		/* a deconfigured adapter loses its queues' interrupt registrations */
		for (unsigned q = 0; q < 256; q++)
			m->qstate[APSIM_QID(apid, q)] &= (uint8_t) ~QS_IRQ_ENABLED;
	}
	m->cards[apid].configured = on;
	return 0;
}

const struct apsim_card_spec *apsim_machine_card_get(const struct apsim_machine *m, unsigned apid)
{
	if (!m || apid >= NR_APIDS || !m->cards[apid].installed)
		return NULL;
	return &m->cards[apid].spec;
}

bool apsim_machine_card_is_checkstopped(const struct apsim_machine *m, unsigned apid)
{
	return m && apid < NR_APIDS && m->cards[apid].installed && m->cards[apid].checkstopped;
}

bool apsim_machine_card_is_configured(const struct apsim_machine *m, unsigned apid)
{
	return m && apid < NR_APIDS && m->cards[apid].installed && m->cards[apid].configured;
}

static struct apsim_mask *lpar_set(struct apsim_machine *m, enum apsim_lpar_set set)
{
	switch (set) {
	case APSIM_LPAR_ADAPTER:
		return &m->apm;
	case APSIM_LPAR_DOMAIN:
		return &m->aqm;
	case APSIM_LPAR_CONTROL_DOMAIN:
		return &m->adm;
	}
	return NULL;
}

int apsim_machine_lpar_change(struct apsim_machine *m, enum apsim_lpar_set set, bool add,
			      const struct apsim_mask *ids)
{
	struct apsim_mask *cur, next, removed;

	APSIM_CHECK_ARG(m && ids);
	cur = lpar_set(m, set);
	APSIM_CHECK_ARG(cur);
	if (add)
		apsim_mask_or(&next, cur, ids);
	else
		apsim_mask_andnot(&next, cur, ids);
	if (apsim_mask_equal(&next, cur))
		return 0;
	/* adapters or usage domains taken away: their queues lose interrupt registrations */
	if (apsim_mask_andnot(&removed, cur, &next) && set != APSIM_LPAR_CONTROL_DOMAIN) {
		for (int n = apsim_mask_next(&removed, 0); n >= 0;
		     n = apsim_mask_next(&removed, (unsigned) n + 1)) {
			for (unsigned o = 0; o < 256; o++) {
				unsigned qid =
				    set == APSIM_LPAR_ADAPTER ? APSIM_QID(n, o) : APSIM_QID(o, n);

				m->qstate[qid] &= (uint8_t) ~QS_IRQ_ENABLED;
			}
		}
	}
	*cur = next;
	notify_cfg_changed(m);
	return 0;
}

int apsim_machine_set_limits(struct apsim_machine *m, unsigned max_adapter_id,
			     unsigned max_domain_id)
{
	APSIM_CHECK_ARG(m && max_adapter_id < NR_APIDS && max_domain_id < 256);
	if (m->na == max_adapter_id && m->nd == max_domain_id)
		return 0;
	m->na = (uint8_t) max_adapter_id;
	m->nd = (uint8_t) max_domain_id;
	notify_cfg_changed(m);
	return 0;
}

void apsim_machine_lpar_get(const struct apsim_machine *m, enum apsim_lpar_set set,
			    struct apsim_mask *ret)
{
	const struct apsim_mask *cur;

	if (!m || !ret)
		return;
	cur = lpar_set((struct apsim_machine *) m, set);
	if (cur)
		*ret = *cur;
}

void apsim_machine_get_limits(const struct apsim_machine *m, unsigned *ret_max_adapter_id,
			      unsigned *ret_max_domain_id)
{
	if (!m)
		return;
	if (ret_max_adapter_id)
		*ret_max_adapter_id = m->na;
	if (ret_max_domain_id)
		*ret_max_domain_id = m->nd;
}

bool apsim_machine_get_qci_available(const struct apsim_machine *m)
{
	return m && m->qci_available;
}

uint32_t apsim_machine_get_qci_flags(const struct apsim_machine *m)
{
	return m ? m->qci_flags : 0;
}

void apsim_machine_set_qci_available(struct apsim_machine *m, bool on)
{
	if (m)
		m->qci_available = on;
}

void apsim_machine_set_qci_flags(struct apsim_machine *m, uint32_t flags)
{
	if (m)
		m->qci_flags = flags;
}

/* --- AP instructions --- */

int apsim_machine_qci(const struct apsim_machine *m, struct apsim_qci *ret)
{
	APSIM_CHECK_ARG(m && ret);
	if (!m->qci_available)
		return -EOPNOTSUPP;
	memset(ret, 0, sizeof(*ret));
	ret->flags = m->qci_flags;
	ret->na = m->na;
	ret->nd = m->nd;
	ret->apm = m->apm;
	ret->aqm = m->aqm;
	ret->adm = m->adm;
	return 0;
}

/* spec 1.4: the response code the firmware gives for this APQN, without injections. */
static uint8_t queue_rc(const struct apsim_machine *m, unsigned qid)
{
	unsigned apid = APSIM_QID_CARD(qid), apqi = APSIM_QID_QUEUE(qid);
	const struct machine_card *card = &m->cards[apid];

	if (!apsim_mask_test(&m->apm, apid) || !apsim_mask_test(&m->aqm, apqi) ||
	    !card->installed || apid > m->na || apqi > m->nd)
		return APSIM_RC_Q_NOT_AVAIL;
	/* a deconfigured adapter is out of the usable configuration: RC 03 even while it is
	 * checkstopped (otherwise a checkstopped card could never be deconfigured, spec 8 item 4) */
	if (!card->configured)
		return APSIM_RC_DECONFIGURED;
	if (card->checkstopped)
		return APSIM_RC_CHECKSTOPPED;
	return APSIM_RC_NORMAL;
}

/* The natural RC, or the injected one while injections are pending (consumed here). */
static uint8_t queue_rc_consume(struct apsim_machine *m, unsigned qid)
{
	if (m->inject_count[qid]) {
		m->inject_count[qid]--;
		return m->inject_rc[qid];
	}
	return queue_rc(m, qid);
}

/* Written as a whole and straight into the caller's status: a copy of a status just built
 * byte by byte would stall on store forwarding, once per instruction of a scan. */
static void fill_status(const struct apsim_machine *m, unsigned qid, uint8_t rc,
			struct apsim_qstatus *ret)
{
	*ret = (struct apsim_qstatus) {
	    .queue_empty = true,
	    .irq_enabled = (m->qstate[qid] & QS_IRQ_ENABLED) != 0,
	    .response_code = rc,
	};
}

void apsim_machine_tapq(struct apsim_machine *m, unsigned qid, bool tbit,
			struct apsim_qstatus *ret_status, uint64_t *ret_hwinfo)
{
	const struct machine_card *card;
	uint64_t hw = 0;
	uint32_t fac;
	uint8_t rc;

	if (!m || !ret_status)
		return;
	qid &= 0xffff;
	rc = queue_rc_consume(m, qid);
	fill_status(m, qid, rc, ret_status);
	card = &m->cards[APSIM_QID_CARD(qid)];
	/* spec 1.5 / 3.4: these RCs carry the facility information (BUSY too) */
	if (tbit && card->installed &&
	    (rc == APSIM_RC_NORMAL || rc == APSIM_RC_RESET_IN_PROGRESS ||
	     rc == APSIM_RC_DECONFIGURED || rc == APSIM_RC_CHECKSTOPPED || rc == APSIM_RC_BUSY)) {
		fac = card->spec.functions;
		if (m->qci_flags & APSIM_QCI_APXA)
			fac |= APSIM_FAC_APXA;
		hw = APSIM_HWINFO_MAKE(fac, card->spec.raw_type, m->nd, card->spec.ml,
				       card->spec.depth);
	}
	if (ret_hwinfo)
		*ret_hwinfo = hw;
}

/* RAPQ and ZAPQ: the reset completes at once (no reset-in-progress window) unless injected. */
static void queue_reset(struct apsim_machine *m, unsigned qid, bool zeroize,
			struct apsim_qstatus *ret_status)
{
	uint8_t rc;

	qid &= 0xffff;
	rc = queue_rc_consume(m, qid);
	if (zeroize && (rc == APSIM_RC_NORMAL || rc == APSIM_RC_RESET_IN_PROGRESS))
		m->qstate[qid] &= (uint8_t) ~QS_IRQ_ENABLED;
	if (rc == APSIM_RC_NORMAL || rc == APSIM_RC_RESET_IN_PROGRESS)
		m->reset_count[qid]++;
	fill_status(m, qid, rc, ret_status);
}

unsigned apsim_machine_queue_reset_count(const struct apsim_machine *m, unsigned qid)
{
	return m ? m->reset_count[qid & 0xffff] : 0;
}

void apsim_machine_rapq(struct apsim_machine *m, unsigned qid, struct apsim_qstatus *ret_status)
{
	if (!m || !ret_status)
		return;
	queue_reset(m, qid, false, ret_status);
}

void apsim_machine_zapq(struct apsim_machine *m, unsigned qid, struct apsim_qstatus *ret_status)
{
	if (!m || !ret_status)
		return;
	queue_reset(m, qid, true, ret_status);
}

void apsim_machine_aqic(struct apsim_machine *m, unsigned qid, bool enable,
			struct apsim_qstatus *ret_status)
{
	uint8_t rc;

	if (!m || !ret_status)
		return;
	qid &= 0xffff;
	rc = queue_rc(m, qid); /* injections model resets: AQIC does not consume them */
	if (rc == APSIM_RC_NORMAL) {
		if (enable)
			m->qstate[qid] |= QS_IRQ_ENABLED;
		else
			m->qstate[qid] &= (uint8_t) ~QS_IRQ_ENABLED;
	}
	fill_status(m, qid, rc, ret_status);
}

void apsim_machine_qact(struct apsim_machine *m, unsigned qid, uint32_t fac,
			unsigned target_type, struct apsim_qstatus *ret_status, unsigned *ret_cat)
{
	const struct apsim_card_spec *spec;
	uint8_t rc;

	if (!m || !ret_status || !ret_cat)
		return;
	qid &= 0xffff;
	rc = queue_rc(m, qid);
	fill_status(m, qid, rc, ret_status);
	*ret_cat = 0;
	spec = apsim_machine_card_get(m, APSIM_QID_CARD(qid));
	if (rc != APSIM_RC_NORMAL || !spec)
		return;
	/* the requested mode must be the adapter's own (D, A, X bits of fac) */
	if ((fac & (APSIM_FAC_CCA | APSIM_FAC_ACCEL | APSIM_FAC_EP11)) !=
	    (spec->functions & (APSIM_FAC_CCA | APSIM_FAC_ACCEL | APSIM_FAC_EP11)))
		return;
	*ret_cat = spec->raw_type < target_type ? spec->raw_type : target_type;
}

int apsim_machine_queue_inject_rc(struct apsim_machine *m, unsigned qid, uint8_t rc, unsigned count)
{
	APSIM_CHECK_ARG(m && qid < NR_QUEUES && count <= UINT16_MAX);
	m->inject_rc[qid] = count ? rc : 0;
	m->inject_count[qid] = (uint16_t) count;
	return 0;
}

/* --- the ops table the host bus uses (bus.h) --- */

int apsim_machine_fault_after_qci(struct apsim_machine *m, unsigned apid,
				  enum apsim_after_qci_fault fault)
{
	APSIM_CHECK_ARG(m && apid < NR_APIDS &&
			(fault == APSIM_AFTER_QCI_CHECKSTOP || fault == APSIM_AFTER_QCI_DECONFIGURE));
	if (!m->cards[apid].installed)
		return -ENODEV;
	m->fault_pending = true;
	m->fault_apid = apid;
	m->fault = fault;
	return 0;
}

/* the host bus's QCI; a pending fault lands between it and the scan's TAPQs */
static int ops_qci(void *ctx, struct apsim_qci *ret)
{
	struct apsim_machine *m = ctx;
	int r = apsim_machine_qci(m, ret);

	if (m->fault_pending) {
		m->fault_pending = false;
		if (m->fault == APSIM_AFTER_QCI_CHECKSTOP)
			(void) apsim_machine_card_checkstop(m, m->fault_apid, true);
		else
			(void) apsim_machine_card_config(m, m->fault_apid, false);
	}
	return r;
}

static void ops_tapq(void *ctx, unsigned qid, bool tbit, struct apsim_qstatus *ret_status,
		     uint64_t *ret_hwinfo)
{
	apsim_machine_tapq(ctx, qid, tbit, ret_status, ret_hwinfo);
}

static void ops_rapq(void *ctx, unsigned qid, struct apsim_qstatus *ret_status)
{
	apsim_machine_rapq(ctx, qid, ret_status);
}

static void ops_zapq(void *ctx, unsigned qid, struct apsim_qstatus *ret_status)
{
	apsim_machine_zapq(ctx, qid, ret_status);
}

static void ops_aqic(void *ctx, unsigned qid, bool enable, struct apsim_qstatus *ret_status)
{
	apsim_machine_aqic(ctx, qid, enable, ret_status);
}

static void ops_qact(void *ctx, unsigned qid, uint32_t fac, unsigned target_type,
		     struct apsim_qstatus *ret_status, unsigned *ret_cat)
{
	apsim_machine_qact(ctx, qid, fac, target_type, ret_status, ret_cat);
}

/* A CPRB query answers only from an installed, configured, running adapter. */
static int ops_card_serial(void *ctx, unsigned apid, char *buf, size_t len)
{
	const struct apsim_card_spec *spec = apsim_machine_card_get(ctx, apid);

	if (!spec)
		return -ENODEV;
	if (!apsim_machine_card_is_configured(ctx, apid) ||
	    apsim_machine_card_is_checkstopped(ctx, apid))
		return -EIO;
	snprintf(buf, len, "%s", spec->serial);
	return 0;
}

static int ops_sclp_config(void *ctx, unsigned apid, bool on)
{
	return apsim_machine_card_config(ctx, apid, on);
}

static const struct apsim_ap_ops machine_ops = {
    .qci = ops_qci,
    .tapq = ops_tapq,
    .rapq = ops_rapq,
    .zapq = ops_zapq,
    .aqic = ops_aqic,
    .sclp_config = ops_sclp_config,
    .qact = ops_qact,
    .card_serial = ops_card_serial,
};

const struct apsim_ap_ops *apsim_machine_ap_ops(void)
{
	return &machine_ops;
}
