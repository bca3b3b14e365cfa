/* SPDX-License-Identifier: MIT */
/*
 * The emulated AP firmware (spec 1): installed adapters, the LPAR's AP configuration that
 * QCI reports, per-queue state, and the AP instructions QCI, TAPQ, RAPQ, ZAPQ, AQIC, QACT.
 * Everything an operator does on the HMC/SE is a machine call.
 */
#ifndef APSIM_MACHINE_H
#define APSIM_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "apsim/export.h"
#include "apsim/mask.h"

/* QCI flag bits, MSB0 within the 32-bit word (spec 1.2). */
#define APSIM_QCI_APSC 0x80000000u
#define APSIM_QCI_APXA 0x40000000u
#define APSIM_QCI_QACT 0x20000000u
#define APSIM_QCI_RC8A 0x10000000u
#define APSIM_QCI_APSB 0x00800000u

/* The 128-byte QCI block (spec 1.2). Compared with memcmp as a whole. */
struct apsim_qci {
	uint32_t flags;
	uint8_t na;             /* max APID */
	uint8_t nd;             /* max domain id */
	uint8_t reserved1[10];
	struct apsim_mask apm;  /* adapters */
	struct apsim_mask aqm;  /* usage domains */
	struct apsim_mask adm;  /* control domains */
	uint8_t reserved2[16];
};
_Static_assert(sizeof(struct apsim_qci) == 128, "QCI block is 128 bytes");

/* AP response codes (spec 1.4). */
enum {
	APSIM_RC_NORMAL = 0x00,
	APSIM_RC_Q_NOT_AVAIL = 0x01,
	APSIM_RC_RESET_IN_PROGRESS = 0x02,
	APSIM_RC_DECONFIGURED = 0x03,
	APSIM_RC_CHECKSTOPPED = 0x04,
	APSIM_RC_BUSY = 0x05,
	APSIM_RC_INVALID_ADDRESS = 0x06,
	APSIM_RC_OTHERWISE_CHANGED = 0x07,
	APSIM_RC_INVALID_GISA = 0x08,
	APSIM_RC_Q_BOUND_TO_ANOTHER = 0x09,
	APSIM_RC_STATE_CHANGE_IN_PROGRESS = 0x0a,
	APSIM_RC_Q_NOT_BOUND = 0x0b,
	APSIM_RC_REQ_FAC_NOT_INST = 0x16,
	/* SE bind / associate (BAPQ, AAPQ) */
	APSIM_RC_Q_BIND_ERROR = 0x30,
	APSIM_RC_Q_NOT_AVAIL_FOR_ASSOC = 0x31,
	APSIM_RC_Q_NOT_EMPTY = 0x32,
	APSIM_RC_BIND_LIMIT_EXCEEDED = 0x33,
	APSIM_RC_INVALID_ASSOC_SECRET = 0x34,
	APSIM_RC_ASSOC_SECRET_NOT_UNIQUE = 0x35,
	APSIM_RC_ASSOC_FAILED = 0x36,
};

/* The queue status word (spec 1.4), unpacked. */
struct apsim_qstatus {
	bool queue_empty;
	bool replies_waiting;
	bool queue_full;
	bool async;
	bool irq_enabled;
	uint8_t response_code;
};

/* TAPQ GR2 hwinfo (spec 1.5): 64 bits MSB0. Bits 0-31 are the 'fac' word. */
#define APSIM_FAC_APSC  0x80000000u
#define APSIM_FAC_MEX4K 0x40000000u
#define APSIM_FAC_CRT4K 0x20000000u
#define APSIM_FAC_CCA   0x10000000u
#define APSIM_FAC_ACCEL 0x08000000u
#define APSIM_FAC_EP11  0x04000000u
#define APSIM_FAC_APXA  0x02000000u
#define APSIM_FAC_SLCF  0x01000000u
/* lszcrypt also shows N (0x00800000, full CCA function set) H, F (0x00200000?), R */

#define APSIM_HWINFO_FAC(hw)  ((uint32_t) ((hw) >> 32))
#define APSIM_HWINFO_BS(hw)   ((unsigned) (((hw) >> 46) & 0x3))
/* hw with its bs field (bits 16-17, fac word 0x0000C000) replaced by bs */
#define APSIM_HWINFO_WITH_BS(hw, bs) (((hw) & ~(3ull << 46)) | ((uint64_t) ((bs) & 0x3) << 46))
#define APSIM_HWINFO_AT(hw)   ((unsigned) (((hw) >> 24) & 0xff))
#define APSIM_HWINFO_ND(hw)   ((unsigned) (((hw) >> 16) & 0xff))
#define APSIM_HWINFO_ML(hw)   ((unsigned) (((hw) >> 8) & 0xf))
#define APSIM_HWINFO_QD(hw)   ((unsigned) ((hw) & 0xf))
#define APSIM_HWINFO_MAKE(fac, at, nd, ml, qd)                                      \
	(((uint64_t) (fac) << 32) | ((uint64_t) ((at) & 0xff) << 24) |               \
	 ((uint64_t) ((nd) & 0xff) << 16) | ((uint64_t) ((ml) & 0xf) << 8) |         \
	 ((uint64_t) ((qd) & 0xf)))
/* SE bind state, hwinfo bs (spec 1.5; kernel ap.h AP_BS_Q_*); lszcrypt's SESTAT column */
enum {
	APSIM_BS_Q_USABLE = 0,                /* "usable": bound (and associated for EP11) */
	APSIM_BS_Q_USABLE_NO_SECURE_KEY = 1,  /* "bound": bound, EP11 not associated yet */
	APSIM_BS_Q_AVAIL_FOR_BINDING = 2,     /* "unbound" */
	APSIM_BS_Q_UNUSABLE = 3,              /* "illicit": CCA in an SE guest */
};

/* spec 1.5: card-level hwinfo keeps fac bits 0-15, at, nd, ml, qd */
#define APSIM_TAPQ_CARD_HWINFO_MASK 0xFFFF0000FFFF0F0Full

/* Raw AP types (spec 1.6). */
enum {
	APSIM_AP_TYPE_CEX4 = 10,
	APSIM_AP_TYPE_CEX5 = 11,
	APSIM_AP_TYPE_CEX6 = 12,
	APSIM_AP_TYPE_CEX7 = 13,
	APSIM_AP_TYPE_CEX8 = 14,
};

enum apsim_card_mode {
	APSIM_MODE_ACCEL,  /* "A" */
	APSIM_MODE_CCA,    /* "C" */
	APSIM_MODE_EP11,   /* "P" */
};

struct apsim_machine;

/* Description of an adapter to install. */
struct apsim_card_spec {
	uint8_t raw_type;          /* 10..14 (CEX4..CEX8), others allowed to model old/unknown */
	enum apsim_card_mode mode;
	uint32_t functions;        /* fac word (bits 0-31 of hwinfo) */
	unsigned depth;            /* hwinfo qd, 0..15 (real cards report 7: 8 slots, 'depth' shows 7) */
	unsigned ml;               /* max message length in 4 KiB units, 0 = default 12 KiB */
	char serial[17];           /* "" = generated */
};

/*
 * Parses "CEX8C", "CEX7A", "CEX6P", ... (CEX4..CEX8, A/C/P) into a complete spec with the
 * real defaults: functions for type and mode, depth 7, ml 0, serial "".
 * Returns -EINVAL for anything else; *ret untouched then.
 */
APSIM_EXPORT int apsim_card_type_parse(const char *name, struct apsim_card_spec *ret);
/* "CEX8C" etc. into buf (>= 8 bytes). */
APSIM_EXPORT void apsim_card_type_name(uint8_t raw_type, enum apsim_card_mode mode, char *buf,
				       size_t len);
/* Default fac word for a raw type and mode, as real CEXnX report it. */
APSIM_EXPORT uint32_t apsim_card_default_functions(uint8_t raw_type, enum apsim_card_mode mode);

/* Called (synchronously) after every change of the LPAR configuration while notify is on. */
typedef void (*apsim_machine_cfg_chg_fn)(void *ctx);

/* An empty machine: no cards, empty LPAR configuration, QCI with APXA, na=255, nd=84. */
APSIM_EXPORT int apsim_machine_new_empty(struct apsim_machine **ret);
/* The built-in machine shaped like a z16 LPAR (see machine.c for what it holds). */
APSIM_EXPORT int apsim_machine_new_default(struct apsim_machine **ret);
APSIM_EXPORT void apsim_machine_free(struct apsim_machine *m);

APSIM_EXPORT void apsim_machine_set_cfg_notifier(struct apsim_machine *m, apsim_machine_cfg_chg_fn fn,
						 void *ctx);
APSIM_EXPORT void apsim_machine_set_notify(struct apsim_machine *m, bool on);
APSIM_EXPORT bool apsim_machine_get_notify(const struct apsim_machine *m);

/* -EINVAL bad id/spec, -EEXIST already installed. Installing does not change the LPAR config. */
APSIM_EXPORT int apsim_machine_card_add(struct apsim_machine *m, unsigned apid,
					const struct apsim_card_spec *spec);
/* -ENODEV if not installed. */
APSIM_EXPORT int apsim_machine_card_remove(struct apsim_machine *m, unsigned apid);
APSIM_EXPORT int apsim_machine_card_checkstop(struct apsim_machine *m, unsigned apid, bool on);
/* SE-side configure/deconfigure (spec 2.3 card 'config' / SCLP): -ENODEV if not installed. */
APSIM_EXPORT int apsim_machine_card_config(struct apsim_machine *m, unsigned apid, bool on);
/* Borrowed; NULL if not installed. */
APSIM_EXPORT const struct apsim_card_spec *apsim_machine_card_get(const struct apsim_machine *m,
								 unsigned apid);
APSIM_EXPORT bool apsim_machine_card_is_checkstopped(const struct apsim_machine *m, unsigned apid);
APSIM_EXPORT bool apsim_machine_card_is_configured(const struct apsim_machine *m, unsigned apid);

enum apsim_lpar_set { APSIM_LPAR_ADAPTER, APSIM_LPAR_DOMAIN, APSIM_LPAR_CONTROL_DOMAIN };
/*
 * One configuration change: add (or remove) every id of 'ids' to the set. One call raises at
 * most one config-changed event (none when nothing changed). Ids above the QCI maxima are
 * accepted (firmware knows them) but the bus never scans them.
 */
APSIM_EXPORT int apsim_machine_lpar_change(struct apsim_machine *m, enum apsim_lpar_set set,
					   bool add, const struct apsim_mask *ids);
/* Changes QCI na/nd (the APXA maxima). Raises a config change. */
APSIM_EXPORT int apsim_machine_set_limits(struct apsim_machine *m, unsigned max_adapter_id,
					  unsigned max_domain_id);
/* Current LPAR configuration set (what QCI reports, whatever the maxima). */
APSIM_EXPORT void apsim_machine_lpar_get(const struct apsim_machine *m, enum apsim_lpar_set set,
					 struct apsim_mask *ret);
APSIM_EXPORT void apsim_machine_get_limits(const struct apsim_machine *m, unsigned *ret_max_adapter_id,
					   unsigned *ret_max_domain_id);
APSIM_EXPORT bool apsim_machine_get_qci_available(const struct apsim_machine *m);
APSIM_EXPORT uint32_t apsim_machine_get_qci_flags(const struct apsim_machine *m);
/* Switch QCI off (old machines): the QCI instruction is then unavailable. */
APSIM_EXPORT void apsim_machine_set_qci_available(struct apsim_machine *m, bool on);
APSIM_EXPORT void apsim_machine_set_qci_flags(struct apsim_machine *m, uint32_t flags);

/* --- AP instructions (the bus sees the machine only through these) --- */

/* Returns -EOPNOTSUPP when QCI is not available (facility 12 off). */
APSIM_EXPORT int apsim_machine_qci(const struct apsim_machine *m, struct apsim_qci *ret);
/* TAPQ; tbit requests hwinfo. *ret_hwinfo is 0 when the RC carries no info. */
APSIM_EXPORT void apsim_machine_tapq(struct apsim_machine *m, unsigned qid, bool tbit,
				     struct apsim_qstatus *ret_status, uint64_t *ret_hwinfo);
APSIM_EXPORT void apsim_machine_rapq(struct apsim_machine *m, unsigned qid,
				     struct apsim_qstatus *ret_status);
APSIM_EXPORT void apsim_machine_zapq(struct apsim_machine *m, unsigned qid,
				     struct apsim_qstatus *ret_status);
/* AQIC: enable (true) or disable interrupts. */
APSIM_EXPORT void apsim_machine_aqic(struct apsim_machine *m, unsigned qid, bool enable,
				     struct apsim_qstatus *ret_status);

/*
 * QACT (PQAP fc 5, spec 1.6): asks which compatible type (<= target_type) the adapter can act
 * as in the mode given by fac's D/A/X bits. *ret_cat is the answer when the RC is NORMAL: the
 * raw type itself up to target_type, target_type for newer adapters, 0 for another mode.
 * RC as TAPQ otherwise.
 */
APSIM_EXPORT void apsim_machine_qact(struct apsim_machine *m, unsigned qid, uint32_t fac,
				     unsigned target_type, struct apsim_qstatus *ret_status,
				     unsigned *ret_cat);

/*
 * Optional test knob: the next 'count' TAPQ, RAPQ or ZAPQ instructions on qid answer rc
 * instead of the natural response code (count 0 clears a pending injection; count is at
 * most 65535). Models a reset in progress (RC 02), a busy queue (RC 05) or failures. With
 * the T-bit, an injected RC 00/02/03/04/05 still carries the card's hwinfo when a card is
 * installed; any other injected RC gives hwinfo 0. An injected RC 00 or 02 on ZAPQ still
 * clears the interrupt registration. AQIC ignores injections. Card add/remove forgets them.
 * -EINVAL for a qid > 0xffff.
 */
APSIM_EXPORT int apsim_machine_queue_inject_rc(struct apsim_machine *m, unsigned qid, uint8_t rc,
					       unsigned count);

/*
 * A fault that arrives in the middle of the next bus scan, right after its QCI and before its
 * TAPQs (issue 10 fault injection): the adapter is checkstopped (checkstop) or deconfigured
 * on the SE side (!checkstop) once the host bus's next QCI has returned. -ENODEV without
 * such an adapter. One pending fault at a time; a new call replaces it.
 */
enum apsim_after_qci_fault {
	APSIM_AFTER_QCI_CHECKSTOP,
	APSIM_AFTER_QCI_DECONFIGURE,
};
APSIM_EXPORT int apsim_machine_fault_after_qci(struct apsim_machine *m, unsigned apid,
					       enum apsim_after_qci_fault fault);

/*
 * How many RAPQ/ZAPQ reset qid so far (mod 65536). An SE guest's view compares it with its
 * own resets: a reset from outside (vfio_ap's ZAPQ on the host) ends the queue's binding.
 */
APSIM_EXPORT unsigned apsim_machine_queue_reset_count(const struct apsim_machine *m, unsigned qid);

#define APSIM_QID(apid, apqi) ((((unsigned) (apid) & 0xff) << 8) | ((unsigned) (apqi) & 0xff))
#define APSIM_QID_CARD(qid) (((qid) >> 8) & 0xff)
#define APSIM_QID_QUEUE(qid) ((qid) & 0xff)

#endif
