/* SPDX-License-Identifier: MIT */
/*
 * KVM guests (design "guests"): a guest has an APCB and counts every APCB update; it runs
 * its own AP bus (with zcrypt) over a view of the machine filtered by its APCB, in its own
 * sysfs tree, and rescans when told its APCB changed (spec 6.13 config-change eventfd).
 */
#ifndef APSIM_GUEST_INTERNAL_H
#define APSIM_GUEST_INTERNAL_H

#include <stdint.h>

#include "apsim/mask.h"

struct apsim_machine;
struct apsim_clock;
struct apsim_tree;
struct apsim_uevent_log;
struct apsim_bus;
struct apsim_zcrypt;

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
	struct apsim_guest *next;
};

int apsim__guest_new(const char *name, struct apsim_machine *machine, struct apsim_clock *clock,
		     struct apsim_guest **ret);
void apsim__guest_free(struct apsim_guest *g);
/* kvm_arch_crypto_set_masks: one APCB update; the guest's bus then rescans. */
void apsim__guest_set_masks(struct apsim_guest *g, const struct apsim_mask *apm,
			    const struct apsim_mask *aqm, const struct apsim_mask *adm);
/* kvm_arch_crypto_clear_masks: one APCB update. */
void apsim__guest_clear_masks(struct apsim_guest *g);
/* The config-change eventfd (spec 6.13). */
void apsim__guest_signal_cfg_chg(struct apsim_guest *g);

#endif
