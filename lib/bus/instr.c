/* SPDX-License-Identifier: MIT */
/*
 * The queue instructions as the bus issues them (kernel asm/ap.h: ap_tapq, ap_rapq, ap_zapq,
 * ap_aqic, ap_bapq, ap_aapq): through the machine's ops table, the bus's only view of the
 * machine, as the kernel's is PQAP. An op the machine leaves out answers as the firmware does
 * for a queue that is not there (TAPQ, RAPQ, ZAPQ, AQIC) or a facility that is not installed
 * (BAPQ, AAPQ).
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "bus/bus-internal.h"

static void status_not_avail(struct apsim_qstatus *st)
{
	memset(st, 0, sizeof(*st));
	st->response_code = APSIM_RC_Q_NOT_AVAIL;
}

void apsim__bus_tapq(struct apsim_bus *bus, unsigned qid, bool tbit, struct apsim_qstatus *ret_status,
		     uint64_t *ret_hwinfo)
{
	uint64_t hw = 0;

	if (bus->ops->tapq)
		bus->ops->tapq(bus->ops_ctx, qid, tbit, ret_status, &hw);
	else
		status_not_avail(ret_status);
	if (ret_hwinfo)
		*ret_hwinfo = hw;
}

void apsim__bus_zapq(struct apsim_bus *bus, unsigned qid, struct apsim_qstatus *ret_status)
{
	if (bus->ops->zapq)
		bus->ops->zapq(bus->ops_ctx, qid, ret_status);
	else
		status_not_avail(ret_status);
}

void apsim__bus_rapq(struct apsim_bus *bus, unsigned qid, struct apsim_qstatus *ret_status)
{
	if (bus->ops->rapq)
		bus->ops->rapq(bus->ops_ctx, qid, ret_status);
	else
		status_not_avail(ret_status);
}

/* ap_rapq(qid, 1): the F bit also ends an SE binding (se_bind store of 0) */
void apsim__bus_rapq_fbit(struct apsim_bus *bus, unsigned qid, struct apsim_qstatus *ret_status)
{
	if (bus->ops->rapq_fbit)
		bus->ops->rapq_fbit(bus->ops_ctx, qid, ret_status);
	else
		apsim__bus_rapq(bus, qid, ret_status);
}

static void status_fac_not_inst(struct apsim_qstatus *st)
{
	memset(st, 0, sizeof(*st));
	st->response_code = APSIM_RC_REQ_FAC_NOT_INST;
}

void apsim__bus_bapq(struct apsim_bus *bus, unsigned qid, struct apsim_qstatus *ret_status)
{
	if (bus->ops->bapq)
		bus->ops->bapq(bus->ops_ctx, qid, ret_status);
	else
		status_fac_not_inst(ret_status);
}

void apsim__bus_aapq(struct apsim_bus *bus, unsigned qid, unsigned sec_idx,
		     struct apsim_qstatus *ret_status)
{
	if (bus->ops->aapq)
		bus->ops->aapq(bus->ops_ctx, qid, sec_idx, ret_status);
	else
		status_fac_not_inst(ret_status);
}

/* ap_is_se_guest() (ap_bus.c): is_prot_virt_guest() && ap_sb_available() */
bool apsim__bus_is_se_guest(const struct apsim_bus *bus)
{
	return bus->prot_virt_guest && (bus->qci.flags & APSIM_QCI_APSB);
}

void apsim__bus_aqic(struct apsim_bus *bus, unsigned qid, bool enable, struct apsim_qstatus *st)
{
	if (bus->ops->aqic)
		bus->ops->aqic(bus->ops_ctx, qid, enable, st);
	else
		status_not_avail(st);
}
