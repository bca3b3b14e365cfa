/* SPDX-License-Identifier: MIT */
/*
 * KVM guests (design "guests"): a guest has an APCB and counts every APCB update; it runs
 * its own AP bus (with zcrypt) over a view of the machine filtered by its APCB, in its own
 * sysfs tree, and rescans when told its APCB changed (spec 6.13 config-change eventfd).
 */
#ifndef APSIM_GUEST_INTERNAL_H
#define APSIM_GUEST_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apsim/mask.h"

struct apsim_machine;
struct apsim_clock;
struct apsim_tree;
struct apsim_uevent_log;
struct apsim_bus;
struct apsim_zcrypt;

/* What the Ultravisor and firmware keep of an SE guest's binding to one APQN (docs/se-guests.md) */
struct apsim_guest_se_queue {
	unsigned qid;
	bool bound;                      /* BAPQ done, no RAPQ with the F bit since */
	bool assoc;                      /* AAPQ done: associated from assoc_done_ns on */
	unsigned assoc_idx;
	uint64_t assoc_done_ns;
	unsigned resets;                 /* the machine's reset count after our own last reset */
};

/* An association completes this long after AAPQ (firmware time, on the guest's clock). */
#define APSIM_SE_ASSOC_NS 100000000ull

struct apsim_guest {
	char *name;
	char mdev[37];                   /* uuid of the attached mdev, "" when detached */
	struct apsim_mask apm, aqm, adm; /* the APCB */
	uint64_t apcb_updates;           /* every set/clear of the masks */
	uint64_t cfg_chg_signals;        /* config-change eventfd signals */
	struct apsim_machine *machine;   /* host firmware, seen through the APCB */
	struct apsim_tree *tree;
	struct apsim_uevent_log *uevents;
	struct apsim_bus *bus;
	struct apsim_zcrypt *zcrypt;
	struct apsim_clock *clock;
	bool se;                         /* a Secure Execution guest: QCI APSB, BAPQ/AAPQ */
	struct apsim_guest_se_queue *se_queues; /* the bound APQNs, unordered */
	size_t n_se_queues, cap_se_queues;
	struct apsim_guest *next;
};

int apsim__guest_new(const char *name, struct apsim_machine *machine, struct apsim_clock *clock,
		     struct apsim_guest **ret);
/* The same; se starts it as a Secure Execution guest. */
int apsim__guest_new_se(const char *name, struct apsim_machine *machine, struct apsim_clock *clock,
			bool se, struct apsim_guest **ret);
void apsim__guest_free(struct apsim_guest *g);
/* kvm_arch_crypto_set_masks: one APCB update; the guest's bus then rescans. */
void apsim__guest_set_masks(struct apsim_guest *g, const struct apsim_mask *apm,
			    const struct apsim_mask *aqm, const struct apsim_mask *adm);
/* kvm_arch_crypto_clear_masks: one APCB update. */
void apsim__guest_clear_masks(struct apsim_guest *g);
/* The config-change eventfd (spec 6.13). */
void apsim__guest_signal_cfg_chg(struct apsim_guest *g);

#endif
