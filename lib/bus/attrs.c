/* SPDX-License-Identifier: MIT */
/*
 * The sysfs attributes of the AP bus (spec 2.2), its root device, the card (spec 2.3) and
 * queue (spec 2.4) devices, and the driver core's files in bus/ap and bus/ap/drivers/<drv>.
 * Formats byte for byte and store parsing/errno as the kernel's show/store callbacks.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "apsim/sysfs.h"
#include "bus/bus-internal.h"
#include "base/kstrto-internal.h"
#include "sysfs/emit-internal.h"

static ssize_t emit_mask(char *buf, size_t len, const struct apsim_mask *m)
{
	char s[APSIM_MASK_STRLEN];

	apsim_mask_format(m, s, sizeof(s));
	return apsim__sysfs_emit(buf, len, "%s", s);
}

#define ATTR(_name, _mode, _show, _store) { .name = _name, .mode = _mode, .show = _show, .store = _store }

/* ------------------------------------------------------------------------------------- */
/* bus/ap (spec 2.2, 6.x order)                                                           */

static ssize_t ap_domain_show(void *obj, char *buf, size_t len)
{
	struct apsim_bus *bus = obj;

	return apsim__sysfs_emit(buf, len, "%d\n", bus->domain_index);
}

static ssize_t ap_domain_store(void *obj, const char *buf, size_t len)
{
	struct apsim_bus *bus = obj;
	int domain;

	/* sscanf(buf, "%i\n") */
	if (apsim__sscanf_int(buf, 0, &domain) != 1 || domain < 0 || domain > bus->max_domain_id ||
	    !apsim_mask_test(&bus->aqm, (unsigned) domain))
		return -EINVAL;
	bus->domain_index = domain;
	return (ssize_t) len;
}

static ssize_t qci_mask_show(const struct apsim_bus *bus, const struct apsim_mask *m, char *buf,
			     size_t len)
{
	if (!bus->qci.flags)
		return apsim__sysfs_emit(buf, len, "not supported\n");
	return emit_mask(buf, len, m);
}

static ssize_t ap_control_domain_mask_show(void *obj, char *buf, size_t len)
{
	struct apsim_bus *bus = obj;

	return qci_mask_show(bus, &bus->qci.adm, buf, len);
}

static ssize_t ap_usage_domain_mask_show(void *obj, char *buf, size_t len)
{
	struct apsim_bus *bus = obj;

	return qci_mask_show(bus, &bus->qci.aqm, buf, len);
}

static ssize_t ap_adapter_mask_show(void *obj, char *buf, size_t len)
{
	struct apsim_bus *bus = obj;

	return qci_mask_show(bus, &bus->qci.apm, buf, len);
}

static ssize_t config_time_show(void *obj, char *buf, size_t len)
{
	struct apsim_bus *bus = obj;

	return apsim__sysfs_emit(buf, len, "%d\n", bus->config_time);
}

static ssize_t config_time_store(void *obj, const char *buf, size_t len)
{
	struct apsim_bus *bus = obj;
	int t;

	if (apsim__sscanf_int(buf, 10, &t) != 1 || t < 5 || t > 120)
		return -EINVAL;
	bus->config_time = t;
	apsim__bus_rearm_scan_timer(bus);
	return (ssize_t) len;
}

static ssize_t poll_thread_show(void *obj, char *buf, size_t len)
{
	struct apsim_bus *bus = obj;

	return apsim__sysfs_emit(buf, len, "%d\n", bus->poll_thread ? 1 : 0);
}

static ssize_t poll_thread_store(void *obj, const char *buf, size_t len)
{
	struct apsim_bus *bus = obj;
	bool value;
	int r;

	r = apsim__kstrtobool(buf, &value);
	if (r < 0)
		return r;
	/* ap_poll_thread_start() does nothing while adapter interrupts are used */
	if (value) {
		if (!bus->irq_flag)
			bus->poll_thread = true;
	} else {
		bus->poll_thread = false;
	}
	return (ssize_t) len;
}

static ssize_t ap_interrupts_show(void *obj, char *buf, size_t len)
{
	struct apsim_bus *bus = obj;

	return apsim__sysfs_emit(buf, len, "%d\n", bus->irq_flag ? 1 : 0);
}

static ssize_t poll_timeout_show(void *obj, char *buf, size_t len)
{
	struct apsim_bus *bus = obj;

	return apsim__sysfs_emit(buf, len, "%lu\n", bus->poll_timeout);
}

static ssize_t poll_timeout_store(void *obj, const char *buf, size_t len)
{
	struct apsim_bus *bus = obj;
	unsigned long value;
	int r;

	r = apsim__kstrtoul(buf, 0, &value);
	if (r < 0)
		return r;
	/* 120 seconds = maximum poll interval */
	if (value > 120000000000UL)
		return -EINVAL;
	bus->poll_timeout = value;
	return (ssize_t) len;
}

static ssize_t ap_max_domain_id_show(void *obj, char *buf, size_t len)
{
	struct apsim_bus *bus = obj;

	return apsim__sysfs_emit(buf, len, "%d\n", bus->max_domain_id);
}

static ssize_t ap_max_adapter_id_show(void *obj, char *buf, size_t len)
{
	struct apsim_bus *bus = obj;

	return apsim__sysfs_emit(buf, len, "%d\n", bus->max_adapter_id);
}

static ssize_t apmask_show(void *obj, char *buf, size_t len)
{
	struct apsim_bus *bus = obj;

	return emit_mask(buf, len, &bus->apm);
}

static ssize_t apmask_store(void *obj, const char *buf, size_t len)
{
	int r = apsim__bus_mask_store(obj, true, buf);

	return r < 0 ? r : (ssize_t) len;
}

static ssize_t aqmask_show(void *obj, char *buf, size_t len)
{
	struct apsim_bus *bus = obj;

	return emit_mask(buf, len, &bus->aqm);
}

static ssize_t aqmask_store(void *obj, const char *buf, size_t len)
{
	int r = apsim__bus_mask_store(obj, false, buf);

	return r < 0 ? r : (ssize_t) len;
}

static ssize_t scans_show(void *obj, char *buf, size_t len)
{
	struct apsim_bus *bus = obj;

	return apsim__sysfs_emit(buf, len, "%llu\n", (unsigned long long) bus->scan_count);
}

static ssize_t scans_store(void *obj, const char *buf, size_t len)
{
	(void) apsim_bus_force_rescan(obj);
	return (ssize_t) len;
}

static ssize_t bindings_show(void *obj, char *buf, size_t len)
{
	struct apsim_bus *bus = obj;

	if (bus->scan_count >= 1 && bus->n_bound_queues == bus->n_queues)
		return apsim__sysfs_emit(buf, len, "%u/%u (complete)\n", bus->n_bound_queues, bus->n_queues);
	return apsim__sysfs_emit(buf, len, "%u/%u\n", bus->n_bound_queues, bus->n_queues);
}

static ssize_t features_show(void *obj, char *buf, size_t len)
{
	static const struct {
		uint32_t flag;
		const char *name;
	} feats[] = {
		{ APSIM_QCI_APSC, "APSC" }, { APSIM_QCI_APXA, "APXA" }, { APSIM_QCI_QACT, "QACT" },
		{ APSIM_QCI_RC8A, "RC8A" }, { APSIM_QCI_APSB, "APSB" },
	};
	struct apsim_bus *bus = obj;
	size_t n = 0;

	if (!bus->qci.flags)
		return apsim__sysfs_emit(buf, len, "-\n");
	for (size_t i = 0; i < ARRAY_SIZE(feats); i++) {
		if (!(bus->qci.flags & feats[i].flag))
			continue;
		n += (size_t) apsim__sysfs_emit(buf + n, len - n, "%s ", feats[i].name);
	}
	/* the last space becomes the newline; with no flag at all the read is empty */
	if (n)
		buf[n - 1] = '\n';
	return (ssize_t) n;
}

const struct apsim_attr apsim__bus_attrs[] = {
	ATTR("ap_domain", 0644, ap_domain_show, ap_domain_store),
	ATTR("ap_control_domain_mask", 0444, ap_control_domain_mask_show, NULL),
	ATTR("ap_usage_domain_mask", 0444, ap_usage_domain_mask_show, NULL),
	ATTR("ap_adapter_mask", 0444, ap_adapter_mask_show, NULL),
	ATTR("config_time", 0644, config_time_show, config_time_store),
	ATTR("poll_thread", 0644, poll_thread_show, poll_thread_store),
	ATTR("ap_interrupts", 0444, ap_interrupts_show, NULL),
	ATTR("poll_timeout", 0644, poll_timeout_show, poll_timeout_store),
	ATTR("ap_max_domain_id", 0444, ap_max_domain_id_show, NULL),
	ATTR("ap_max_adapter_id", 0444, ap_max_adapter_id_show, NULL),
	ATTR("apmask", 0644, apmask_show, apmask_store),
	ATTR("aqmask", 0644, aqmask_show, aqmask_store),
	ATTR("scans", 0644, scans_show, scans_store),
	ATTR("bindings", 0444, bindings_show, NULL),
	ATTR("features", 0444, features_show, NULL),
	{ 0 },
};

/*
 * /sys/module/ap/parameters (ap_bus.c module_param_named, all 0440). 'domain' is the variable
 * ap_domain_index itself, so it shows the domain the bus picked; the others show the boot
 * values: apsim boots without ap.apmask=/ap.aqmask= (charp NULL prints "(null)"), and
 * poll_thread is the boot flag, not the thread's state that bus/ap/poll_thread shows.
 */
static ssize_t param_domain_show(void *obj, char *buf, size_t len)
{
	const struct apsim_bus *bus = obj;

	return apsim__sysfs_emit(buf, len, "%d\n", bus->domain_index);
}

static ssize_t param_poll_thread_show(void *obj, char *buf, size_t len)
{
	(void) obj;
	return apsim__sysfs_emit(buf, len, "0\n");
}

static ssize_t param_mask_show(void *obj, char *buf, size_t len)
{
	(void) obj;
	return apsim__sysfs_emit(buf, len, "(null)\n");
}

static ssize_t param_useirq_show(void *obj, char *buf, size_t len)
{
	(void) obj;
	return apsim__sysfs_emit(buf, len, "1\n");
}

static ssize_t param_msgpool_min_items_show(void *obj, char *buf, size_t len)
{
	(void) obj;
	return apsim__sysfs_emit(buf, len, "8\n");
}

const struct apsim_attr apsim__bus_module_params[] = {
	ATTR("domain", 0440, param_domain_show, NULL),
	ATTR("poll_thread", 0440, param_poll_thread_show, NULL),
	ATTR("apmask", 0440, param_mask_show, NULL),
	ATTR("aqmask", 0440, param_mask_show, NULL),
	ATTR("useirq", 0440, param_useirq_show, NULL),
	ATTR("msgpool_min_items", 0440, param_msgpool_min_items_show, NULL),
	{ 0 },
};

/* the driver core's bus files (drivers/base/bus.c) */

static ssize_t bus_uevent_store(void *obj, const char *buf, size_t len)
{
	int r = apsim__bus_synth_uevent(obj, NULL, "/bus/ap", "bus", buf, len);

	return r < 0 ? r : (ssize_t) len;
}

static ssize_t drivers_autoprobe_show(void *obj, char *buf, size_t len)
{
	struct apsim_bus *bus = obj;

	return apsim__sysfs_emit(buf, len, "%d\n", bus->drivers_autoprobe ? 1 : 0);
}

static ssize_t drivers_autoprobe_store(void *obj, const char *buf, size_t len)
{
	struct apsim_bus *bus = obj;

	bus->drivers_autoprobe = buf[0] != '0';
	return (ssize_t) len;
}

static ssize_t drivers_probe_store(void *obj, const char *buf, size_t len)
{
	struct apsim_device *dev = apsim__bus_find_device_by_name(obj, buf);

	if (!dev)
		return -ENODEV;
	(void) apsim__bus_device_attach(dev);
	return (ssize_t) len;
}

const struct apsim_attr apsim__bus_core_attrs[] = {
	ATTR("uevent", 0200, NULL, bus_uevent_store),
	ATTR("drivers_autoprobe", 0644, drivers_autoprobe_show, drivers_autoprobe_store),
	ATTR("drivers_probe", 0200, NULL, drivers_probe_store),
	{ 0 },
};

/* devices/ap: the root device has no uevent variables of its own */

static ssize_t root_uevent_show(void *obj, char *buf, size_t len)
{
	(void) obj;
	if (len)
		buf[0] = '\0';
	return 0;
}

static ssize_t root_uevent_store(void *obj, const char *buf, size_t len)
{
	int r = apsim__bus_synth_uevent(obj, NULL, "/devices/ap", "ap", buf, len);

	return r < 0 ? r : (ssize_t) len;
}

const struct apsim_attr apsim__root_attrs[] = {
	ATTR("uevent", 0644, root_uevent_show, root_uevent_store),
	{ 0 },
};

/* ------------------------------------------------------------------------------------- */
/* the uevent file of every AP device                                                     */

static ssize_t dev_uevent_show(void *obj, char *buf, size_t len)
{
	return apsim__bus_device_uevent_vars(obj, buf, len);
}

static ssize_t dev_uevent_store(void *obj, const char *buf, size_t len)
{
	struct apsim_device *dev = obj;
	int r = apsim__bus_synth_uevent(dev->bus, dev, NULL, NULL, buf, len);

	return r < 0 ? r : (ssize_t) len;
}

/* ------------------------------------------------------------------------------------- */
/* cards (spec 2.3, ap_card.c)                                                            */

static struct apsim_card *obj_card(void *obj)
{
	return to_apsim_card((struct apsim_device *) obj);
}

static ssize_t card_hwtype_show(void *obj, char *buf, size_t len)
{
	return apsim__sysfs_emit(buf, len, "%d\n", obj_card(obj)->dev.device_type);
}

static ssize_t card_raw_hwtype_show(void *obj, char *buf, size_t len)
{
	return apsim__sysfs_emit(buf, len, "%d\n", (int) APSIM_HWINFO_AT(obj_card(obj)->hwinfo));
}

static ssize_t card_depth_show(void *obj, char *buf, size_t len)
{
	return apsim__sysfs_emit(buf, len, "%d\n", (int) APSIM_HWINFO_QD(obj_card(obj)->hwinfo));
}

static ssize_t card_ap_functions_show(void *obj, char *buf, size_t len)
{
	return apsim__sysfs_emit(buf, len, "0x%08X\n", (unsigned) APSIM_HWINFO_FAC(obj_card(obj)->hwinfo));
}

static ssize_t card_request_count_show(void *obj, char *buf, size_t len)
{
	return apsim__sysfs_emit(buf, len, "%llu\n",
				 (unsigned long long) obj_card(obj)->total_request_count);
}

static ssize_t card_request_count_store(void *obj, const char *buf, size_t len)
{
	struct apsim_card *ac = obj_card(obj);
	struct apsim_bus *bus = ac->dev.bus;

	/* every queue of the card in the active set (bound), then the card */
	for (unsigned dom = 0; dom < APSIM_MASK_BITS; dom++) {
		struct apsim_queue *aq = bus->queues[APSIM_QID(ac->id, dom)];

		if (aq && aq->dev.driver)
			aq->total_request_count = 0;
	}
	ac->total_request_count = 0;
	return (ssize_t) len;
}

static int card_queue_sum(struct apsim_card *ac, bool pending)
{
	struct apsim_bus *bus = ac->dev.bus;
	unsigned sum = 0;

	for (unsigned dom = 0; dom < APSIM_MASK_BITS; dom++) {
		struct apsim_queue *aq = bus->queues[APSIM_QID(ac->id, dom)];

		if (aq && aq->dev.driver)
			sum += (unsigned) (pending ? aq->pendingq_count : aq->requestq_count);
	}
	return (int) sum;
}

static ssize_t card_requestq_count_show(void *obj, char *buf, size_t len)
{
	return apsim__sysfs_emit(buf, len, "%d\n", card_queue_sum(obj_card(obj), false));
}

static ssize_t card_pendingq_count_show(void *obj, char *buf, size_t len)
{
	return apsim__sysfs_emit(buf, len, "%d\n", card_queue_sum(obj_card(obj), true));
}

static ssize_t card_modalias_show(void *obj, char *buf, size_t len)
{
	return apsim__sysfs_emit(buf, len, "ap:t%02X\n", (unsigned) obj_card(obj)->dev.device_type);
}

static ssize_t card_config_show(void *obj, char *buf, size_t len)
{
	return apsim__sysfs_emit(buf, len, "%d\n", obj_card(obj)->config ? 1 : 0);
}

static ssize_t card_config_store(void *obj, const char *buf, size_t len)
{
	int cfg, r;

	if (apsim__sscanf_int(buf, 10, &cfg) != 1 || cfg < 0 || cfg > 1)
		return -EINVAL;
	r = apsim__bus_card_config(obj_card(obj), cfg == 1);
	return r < 0 ? r : (ssize_t) len;
}

static ssize_t card_chkstop_show(void *obj, char *buf, size_t len)
{
	return apsim__sysfs_emit(buf, len, "%d\n", obj_card(obj)->chkstop ? 1 : 0);
}

static ssize_t card_max_msg_size_show(void *obj, char *buf, size_t len)
{
	return apsim__sysfs_emit(buf, len, "%u\n", obj_card(obj)->max_msg_size);
}

const struct apsim_attr apsim__card_attrs[] = {
	ATTR("uevent", 0644, dev_uevent_show, dev_uevent_store),
	ATTR("hwtype", 0444, card_hwtype_show, NULL),
	ATTR("raw_hwtype", 0444, card_raw_hwtype_show, NULL),
	ATTR("depth", 0444, card_depth_show, NULL),
	ATTR("ap_functions", 0444, card_ap_functions_show, NULL),
	ATTR("request_count", 0644, card_request_count_show, card_request_count_store),
	ATTR("requestq_count", 0444, card_requestq_count_show, NULL),
	ATTR("pendingq_count", 0444, card_pendingq_count_show, NULL),
	ATTR("modalias", 0444, card_modalias_show, NULL),
	ATTR("config", 0644, card_config_show, card_config_store),
	ATTR("chkstop", 0444, card_chkstop_show, NULL),
	ATTR("max_msg_size", 0444, card_max_msg_size_show, NULL),
	{ 0 },
};

/* ------------------------------------------------------------------------------------- */
/* queues (spec 2.4, ap_queue.c)                                                          */

static struct apsim_queue *obj_queue(void *obj)
{
	return to_apsim_queue((struct apsim_device *) obj);
}

static ssize_t queue_request_count_show(void *obj, char *buf, size_t len)
{
	struct apsim_queue *aq = obj_queue(obj);

	if (aq->dev_state > APSIM_DEV_UNINITIATED)
		return apsim__sysfs_emit(buf, len, "%llu\n", (unsigned long long) aq->total_request_count);
	return apsim__sysfs_emit(buf, len, "-\n");
}

static ssize_t queue_request_count_store(void *obj, const char *buf, size_t len)
{
	obj_queue(obj)->total_request_count = 0;
	return (ssize_t) len;
}

static ssize_t queue_requestq_count_show(void *obj, char *buf, size_t len)
{
	struct apsim_queue *aq = obj_queue(obj);

	return apsim__sysfs_emit(buf, len, "%d\n",
				 aq->dev_state > APSIM_DEV_UNINITIATED ? aq->requestq_count : 0);
}

static ssize_t queue_pendingq_count_show(void *obj, char *buf, size_t len)
{
	struct apsim_queue *aq = obj_queue(obj);

	return apsim__sysfs_emit(buf, len, "%d\n",
				 aq->dev_state > APSIM_DEV_UNINITIATED ? aq->pendingq_count : 0);
}

static ssize_t queue_reset_show(void *obj, char *buf, size_t len)
{
	switch (obj_queue(obj)->sm_state) {
	case APSIM_SM_RESET_START:
	case APSIM_SM_RESET_WAIT:
		return apsim__sysfs_emit(buf, len, "Reset in progress.\n");
	case APSIM_SM_WORKING:
	case APSIM_SM_QUEUE_FULL:
		return apsim__sysfs_emit(buf, len, "Reset Timer armed.\n");
	default:
		return apsim__sysfs_emit(buf, len, "No Reset Timer set.\n");
	}
}

static ssize_t queue_reset_store(void *obj, const char *buf, size_t len)
{
	struct apsim_queue *aq = obj_queue(obj);

	/* flush, then restart the reset state machine */
	aq->requestq_count = 0;
	aq->pendingq_count = 0;
	aq->sm_state = APSIM_SM_RESET_START;
	apsim__bus_wait(aq->dev.bus, apsim__bus_sm_event(aq));
	return (ssize_t) len;
}

static ssize_t queue_interrupt_show(void *obj, char *buf, size_t len)
{
	struct apsim_queue *aq = obj_queue(obj);
	struct apsim_qstatus st;

	if (aq->sm_state == APSIM_SM_SETIRQ_WAIT)
		return apsim__sysfs_emit(buf, len, "Enable Interrupt pending.\n");
	apsim__bus_tapq(aq->dev.bus, aq->qid, false, &st, NULL);
	if (st.irq_enabled)
		return apsim__sysfs_emit(buf, len, "Interrupts enabled.\n");
	return apsim__sysfs_emit(buf, len, "Interrupts disabled.\n");
}

static ssize_t queue_config_show(void *obj, char *buf, size_t len)
{
	return apsim__sysfs_emit(buf, len, "%d\n", obj_queue(obj)->config ? 1 : 0);
}

static ssize_t queue_chkstop_show(void *obj, char *buf, size_t len)
{
	return apsim__sysfs_emit(buf, len, "%d\n", obj_queue(obj)->chkstop ? 1 : 0);
}

static ssize_t queue_ap_functions_show(void *obj, char *buf, size_t len)
{
	struct apsim_queue *aq = obj_queue(obj);
	struct apsim_qstatus st;
	uint64_t hw;

	/* live TAPQ; the unmasked facility word */
	apsim__bus_tapq(aq->dev.bus, aq->qid, true, &st, &hw);
	if (st.response_code > APSIM_RC_BUSY)
		return -EIO;
	return apsim__sysfs_emit(buf, len, "0x%08X\n", (unsigned) APSIM_HWINFO_FAC(hw));
}

const struct apsim_attr apsim__queue_attrs[] = {
	ATTR("uevent", 0644, dev_uevent_show, dev_uevent_store),
	ATTR("request_count", 0644, queue_request_count_show, queue_request_count_store),
	ATTR("requestq_count", 0444, queue_requestq_count_show, NULL),
	ATTR("pendingq_count", 0444, queue_pendingq_count_show, NULL),
	ATTR("reset", 0644, queue_reset_show, queue_reset_store),
	ATTR("interrupt", 0444, queue_interrupt_show, NULL),
	ATTR("config", 0444, queue_config_show, NULL),
	ATTR("chkstop", 0444, queue_chkstop_show, NULL),
	ATTR("ap_functions", 0444, queue_ap_functions_show, NULL),
	{ 0 },
};

/* ------------------------------------------------------------------------------------- */
/* bus/ap/drivers/<drv> (drivers/base/bus.c bind_store / unbind_store)                    */

static ssize_t drv_bind_store(void *obj, const char *buf, size_t len)
{
	struct apsim_driver *drv = obj;
	struct apsim_device *dev = apsim__bus_find_device_by_name(drv->bus, buf);
	int r;

	/* no such device, or the driver does not match it */
	if (!dev || !apsim__bus_match(drv, dev))
		return -ENODEV;
	/* -EBUSY if it has a driver, else the probe's answer (-ENODEV for a reservation
	 * mismatch, spec 5.2) */
	r = apsim__bus_driver_attach(drv, dev);
	return r < 0 ? r : (ssize_t) len;
}

static ssize_t drv_unbind_store(void *obj, const char *buf, size_t len)
{
	struct apsim_driver *drv = obj;
	struct apsim_device *dev = apsim__bus_find_device_by_name(drv->bus, buf);

	if (!dev || dev->driver != drv)
		return -ENODEV;
	apsim__bus_device_release_driver(dev);
	return (ssize_t) len;
}

static ssize_t drv_uevent_store(void *obj, const char *buf, size_t len)
{
	struct apsim_driver *drv = obj;
	char path[256];
	int r;

	snprintf(path, sizeof(path), "/bus/ap/drivers/%s", drv->name);
	r = apsim__bus_synth_uevent(drv->bus, NULL, path, "drivers", buf, len);
	return r < 0 ? r : (ssize_t) len;
}

const struct apsim_attr apsim__driver_attrs[] = {
	ATTR("bind", 0200, NULL, drv_bind_store),
	ATTR("uevent", 0200, NULL, drv_uevent_store),
	ATTR("unbind", 0200, NULL, drv_unbind_store),
	{ 0 },
};
