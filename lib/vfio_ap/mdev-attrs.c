/* SPDX-License-Identifier: MIT */
/*
 * mdev-attrs.c - the attributes through which an admin gives an mdev its adapters, domains and
 * control domains (spec 6.3, 6.4): the six assign/unassign files, ap_config, and the read-only
 * control_domains, matrix and guest_matrix, in the kernel's order (vfio_ap_mdev_attrs). A
 * write changes the matrix, then refilters and hot plugs into the guest through hotplug.c.
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


/* kstrtoul(buf, 0) as the six (un)assign attributes parse: -EINVAL / -ERANGE */
static int parse_id(const char *buf, unsigned long *ret)
{
	return apsim__kstrtoul(buf, 0, ret);
}

/* vfio_ap_mdev_validate_masks */
static int validate_masks(struct vfio_ap_mdev *m)
{
	if (apsim_bus_matrix_reserved(m->v->bus, &m->matrix.apm, &m->matrix.aqm))
		return -EADDRNOTAVAIL;
	return apsim__vfio_ap_verify_no_sharing(m->v, m, &m->matrix.apm, &m->matrix.aqm);
}

/*
 * The common head of the six (un)assign stores (spec 6.3): kstrtoul base 0 (-EINVAL,
 * -ERANGE), an id above the maximum is -ENODEV, and assigning an assigned id or unassigning
 * an unassigned one is a successful no-op (spec 8 item 23). Returns 1 with *ret_id to go on,
 * 0 for the no-op, or -errno.
 */
static int assign_prologue(const char *buf, unsigned long max, const struct apsim_mask *mask,
			   bool assign, unsigned *ret_id)
{
	unsigned long id;
	int r;

	r = parse_id(buf, &id);
	if (r < 0)
		return r;
	if (id > max)
		return -ENODEV;
	if (apsim_mask_test(mask, (unsigned) id) == assign)
		return 0;
	*ret_id = (unsigned) id;
	return 1;
}

/* assign_adapter / assign_domain after the prologue: set the bit, validate the whole matrix
 * (undoing the bit on -EADDRNOTAVAIL / -EADDRINUSE), link the queues, re-filter. */
static int assign_usage(struct vfio_ap_mdev *m, struct apsim_mask *mask, unsigned id,
			void (*link)(struct vfio_ap_mdev *m, unsigned id))
{
	int r;

	apsim_mask_set(mask, id);
	r = validate_masks(m);
	if (r < 0) {
		apsim_mask_clear(mask, id);
		return r;
	}
	link(m, id);
	apsim__vfio_ap_refilter(m, false);
	return 0;
}

static ssize_t assign_adapter_store(void *obj, const char *buf, size_t len)
{
	struct vfio_ap_mdev *m = obj;
	unsigned apid;
	int r;

	r = assign_prologue(buf, m->matrix.apm_max, &m->matrix.apm, true, &apid);
	if (r > 0)
		r = assign_usage(m, &m->matrix.apm, apid, apsim__vfio_ap_link_adapter);
	return r < 0 ? r : (ssize_t) len;
}

static ssize_t assign_domain_store(void *obj, const char *buf, size_t len)
{
	struct vfio_ap_mdev *m = obj;
	unsigned apqi;
	int r;

	r = assign_prologue(buf, m->matrix.aqm_max, &m->matrix.aqm, true, &apqi);
	if (r > 0)
		r = assign_usage(m, &m->matrix.aqm, apqi, apsim__vfio_ap_link_domain);
	return r < 0 ? r : (ssize_t) len;
}

/* unassign_adapter / unassign_domain after the prologue: clear the bit, hot-unplug. */
static void unassign_usage(struct vfio_ap_mdev *m, struct apsim_mask *mask, unsigned id,
			   void (*unplug)(struct vfio_ap_mdev *m, const struct apsim_mask *ids))
{
	struct apsim_mask ids;

	apsim_mask_clear(mask, id);
	apsim_mask_zero(&ids);
	apsim_mask_set(&ids, id);
	unplug(m, &ids);
}

static ssize_t unassign_adapter_store(void *obj, const char *buf, size_t len)
{
	struct vfio_ap_mdev *m = obj;
	unsigned apid;
	int r;

	r = assign_prologue(buf, m->matrix.apm_max, &m->matrix.apm, false, &apid);
	if (r > 0)
		unassign_usage(m, &m->matrix.apm, apid, apsim__vfio_ap_hot_unplug_adapters);
	return r < 0 ? r : (ssize_t) len;
}

static ssize_t unassign_domain_store(void *obj, const char *buf, size_t len)
{
	struct vfio_ap_mdev *m = obj;
	unsigned apqi;
	int r;

	r = assign_prologue(buf, m->matrix.aqm_max, &m->matrix.aqm, false, &apqi);
	if (r > 0)
		unassign_usage(m, &m->matrix.aqm, apqi, apsim__vfio_ap_hot_unplug_domains);
	return r < 0 ? r : (ssize_t) len;
}

/* no default-driver or sharing checks for control domains (spec 6.3) */
static ssize_t assign_control_domain_store(void *obj, const char *buf, size_t len)
{
	struct vfio_ap_mdev *m = obj;
	unsigned id;
	int r;

	r = assign_prologue(buf, m->matrix.adm_max, &m->matrix.adm, true, &id);
	if (r > 0) {
		apsim_mask_set(&m->matrix.adm, id);
		if (apsim__vfio_ap_filter_cdoms(m))
			apsim__vfio_ap_update_guest_apcb(m);
	}
	return r < 0 ? r : (ssize_t) len;
}

static ssize_t unassign_control_domain_store(void *obj, const char *buf, size_t len)
{
	struct vfio_ap_mdev *m = obj;
	unsigned id;
	int r;

	r = assign_prologue(buf, m->matrix.adm_max, &m->matrix.adm, false, &id);
	if (r > 0) {
		apsim_mask_clear(&m->matrix.adm, id);
		if (apsim_mask_test(&m->shadow.adm, id)) {
			apsim_mask_clear(&m->shadow.adm, id);
			apsim__vfio_ap_update_guest_apcb(m);
		}
	}
	return r < 0 ? r : (ssize_t) len;
}

/*
 * sysfs_emit_at: append at most what fits before the page's last byte. MODEL: the kernel's
 * vscnprintf(buf + at, PAGE_SIZE - at) truncates the line that does not fit, so a matrix longer
 * than a page reads as its first PAGE_SIZE - 1 bytes, ending in the middle of a line.
 */
static void emit(char *buf, size_t len, size_t *pos, const char *s)
{
	size_t n = strlen(s);

	if (*pos + 1 >= len)
		return;
	if (n > len - 1 - *pos)
		n = len - 1 - *pos;
	memcpy(buf + *pos, s, n);
	*pos += n;
	buf[*pos] = '\0';
}

static ssize_t control_domains_show(void *obj, char *buf, size_t len)
{
	struct vfio_ap_mdev *m = obj;
	size_t pos = 0;

	buf[0] = '\0';
	for (int id = apsim_mask_next(&m->matrix.adm, 0);
	     id >= 0 && (unsigned) id <= m->matrix.adm_max;
	     id = apsim_mask_next(&m->matrix.adm, (unsigned) id + 1)) {
		char line[16];

		snprintf(line, sizeof(line), "%04x\n", (unsigned) id & 0xffff);
		emit(buf, len, &pos, line);
	}
	return (ssize_t) pos;
}

/* vfio_ap_mdev_matrix_show: bits above the maxima are not shown */
static ssize_t matrix_format(const struct vfio_ap_matrix *mx, char *buf, size_t len)
{
	unsigned napm = mx->apm_max + 1, naqm = mx->aqm_max + 1;
	int apid1 = apsim_mask_next(&mx->apm, 0), apqi1 = apsim_mask_next(&mx->aqm, 0);
	bool have_ap = apid1 >= 0 && (unsigned) apid1 < napm;
	bool have_aq = apqi1 >= 0 && (unsigned) apqi1 < naqm;
	size_t pos = 0;
	char line[24];

	buf[0] = '\0';
	for (int apid = have_ap ? apid1 : -1; apid >= 0 && (unsigned) apid < napm;
	     apid = apsim_mask_next(&mx->apm, (unsigned) apid + 1)) {
		if (!have_aq) {
			snprintf(line, sizeof(line), "%02x.\n", (unsigned) apid & 0xff);
			emit(buf, len, &pos, line);
			continue;
		}
		for (int apqi = apqi1; apqi >= 0 && (unsigned) apqi < naqm;
		     apqi = apsim_mask_next(&mx->aqm, (unsigned) apqi + 1)) {
			snprintf(line, sizeof(line), "%02x.%04x\n", (unsigned) apid & 0xff,
				 (unsigned) apqi & 0xffff);
			emit(buf, len, &pos, line);
		}
	}
	if (!have_ap && have_aq) {
		for (int apqi = apqi1; apqi >= 0 && (unsigned) apqi < naqm;
		     apqi = apsim_mask_next(&mx->aqm, (unsigned) apqi + 1)) {
			snprintf(line, sizeof(line), ".%04x\n", (unsigned) apqi & 0xffff);
			emit(buf, len, &pos, line);
		}
	}
	return (ssize_t) pos;
}

static ssize_t matrix_show(void *obj, char *buf, size_t len)
{
	struct vfio_ap_mdev *m = obj;

	return matrix_format(&m->matrix, buf, len);
}

static ssize_t guest_matrix_show(void *obj, char *buf, size_t len)
{
	struct vfio_ap_mdev *m = obj;

	return matrix_format(&m->shadow, buf, len);
}

/* AP_CONFIG_STRLEN = 3 * (256 / 4 + 3) */
#define AP_CONFIG_STRLEN 201

/* spec 6.4: "0x<64>,0x<64>,0x<64>\n" (201 characters) into buf (AP_CONFIG_STRLEN + 1) */
static size_t ap_config_format(const struct apsim_mask *apm, const struct apsim_mask *aqm,
			       const struct apsim_mask *adm, char *buf)
{
	const struct apsim_mask *masks[3] = { apm, aqm, adm };
	size_t pos = 0;

	for (unsigned i = 0; i < 3; i++) {
		char s[APSIM_MASK_STRLEN];

		apsim_mask_format(masks[i], s, sizeof(s));
		memcpy(buf + pos, s, 66);
		pos += 66;
		buf[pos++] = i < 2 ? ',' : '\n';
	}
	buf[pos] = '\0';
	return pos;
}

static ssize_t ap_config_show(void *obj, char *buf, size_t len)
{
	struct vfio_ap_mdev *m = obj;
	char s[AP_CONFIG_STRLEN + 1];
	size_t n = ap_config_format(&m->matrix.apm, &m->matrix.aqm, &m->matrix.adm, s);

	return snprintf(buf, len, "%s", s) < 0 ? -EIO : (ssize_t) n;
}

/* strsep(&rest, ",\n") */
static char *next_token(char **rest)
{
	char *tok = *rest, *p;

	if (!tok)
		return NULL;
	for (p = tok; *p && *p != ',' && *p != '\n'; p++)
		;
	if (*p) {
		*p = '\0';
		*rest = p + 1;
	} else {
		*rest = NULL;
	}
	return tok;
}

static int parse_bitmap(char **rest, struct apsim_mask *ret)
{
	char *tok = next_token(rest);

	if (!tok)
		return -EINVAL;
	apsim_mask_zero(ret);
	return apsim_mask_parse_hex(tok, strlen(tok), ret);
}

static int matrix_overflow_check(const struct vfio_ap_matrix *mx)
{
	int bit;

	bit = apsim_mask_next(&mx->apm, mx->apm_max + 1);
	if (bit >= 0)
		return -ENODEV;
	bit = apsim_mask_next(&mx->aqm, mx->aqm_max + 1);
	if (bit >= 0)
		return -ENODEV;
	bit = apsim_mask_next(&mx->adm, mx->adm_max + 1);
	if (bit >= 0)
		return -ENODEV;
	return 0;
}

/* ap_config_store (spec 6.4, spec 8 item 29) */
static int ap_config_apply(struct vfio_ap_mdev *m, const char *buf, size_t len)
{
	char str[AP_CONFIG_STRLEN + 1], *rest = str;
	struct apsim_mask apm, aqm, adm, rem_apm, rem_aqm, add_apm, add_aqm, filtered;
	struct vfio_ap_matrix old = m->matrix;
	size_t n = 0;
	bool update;
	int r;

	/* kstrndup(buf, AP_CONFIG_STRLEN) */
	while (n < len && n < AP_CONFIG_STRLEN && buf[n]) {
		str[n] = buf[n];
		n++;
	}
	str[n] = '\0';
	if (parse_bitmap(&rest, &apm) < 0 || parse_bitmap(&rest, &aqm) < 0 ||
	    parse_bitmap(&rest, &adm) < 0)
		return -EINVAL;

	apsim_mask_andnot(&rem_apm, &old.apm, &apm);
	apsim_mask_andnot(&rem_aqm, &old.aqm, &aqm);
	apsim_mask_andnot(&add_apm, &apm, &old.apm);
	apsim_mask_andnot(&add_aqm, &aqm, &old.aqm);

	/* the new masks are needed in the mdev for validation */
	m->matrix.apm = apm;
	m->matrix.aqm = aqm;
	m->matrix.adm = adm;
	r = validate_masks(m);
	if (r == 0)
		r = matrix_overflow_check(&m->matrix);   /* only after validation */
	if (r < 0) {
		m->matrix = old;
		return r;
	}

	/* the old masks for the unplug/unlink of what goes away: up to two updates */
	m->matrix = old;
	apsim__vfio_ap_hot_unplug_adapters(m, &rem_apm);
	apsim__vfio_ap_hot_unplug_domains(m, &rem_aqm);

	/* the new ones for linking what comes */
	m->matrix.apm = apm;
	m->matrix.aqm = aqm;
	m->matrix.adm = adm;
	for (int apid = apsim_mask_next(&add_apm, 0); apid >= 0;
	     apid = apsim_mask_next(&add_apm, (unsigned) apid + 1))
		apsim__vfio_ap_link_adapter(m, (unsigned) apid);
	for (int apqi = apsim_mask_next(&add_aqm, 0); apqi >= 0;
	     apqi = apsim_mask_next(&add_aqm, (unsigned) apqi + 1))
		apsim__vfio_ap_link_domain(m, (unsigned) apqi);

	/* the third possible update */
	update = apsim__vfio_ap_filter_matrix(m, &filtered);
	update |= apsim__vfio_ap_filter_cdoms(m);
	if (update) {
		apsim__vfio_ap_update_guest_apcb(m);
		apsim__vfio_ap_reset_queues_for_apids(m, &filtered);
	}
	return 0;
}

static ssize_t ap_config_store(void *obj, const char *buf, size_t len)
{
	int r = ap_config_apply(obj, buf, len);

	return r < 0 ? r : (ssize_t) len;
}

/* vfio_ap_mdev_attrs, in the kernel's order */
const struct apsim_attr apsim__vfio_ap_mdev_attrs[] = {
	APSIM_ATTR_WO(assign_adapter),
	APSIM_ATTR_WO(unassign_adapter),
	APSIM_ATTR_WO(assign_domain),
	APSIM_ATTR_WO(unassign_domain),
	APSIM_ATTR_WO(assign_control_domain),
	APSIM_ATTR_WO(unassign_control_domain),
	APSIM_ATTR_RW(ap_config),
	APSIM_ATTR_RO(control_domains),
	APSIM_ATTR_RO(matrix),
	APSIM_ATTR_RO(guest_matrix),
	{ 0 },
};

/* A restored mdev gets its matrix as a write of ap_config would give it (spec 6.4). */
int apsim__vfio_ap_mdev_set_config(struct vfio_ap_mdev *m, const struct apsim_mask *apm,
				   const struct apsim_mask *aqm, const struct apsim_mask *adm)
{
	char str[AP_CONFIG_STRLEN + 1];

	ap_config_format(apm, aqm, adm, str);
	return ap_config_apply(m, str, strlen(str));
}
