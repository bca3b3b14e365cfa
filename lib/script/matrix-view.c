/* SPDX-License-Identifier: MIT */
/*
 * matrix-view.c - who owns each APQN, collected for `apsim matrix` (matrix-internal.h).
 *
 * Rows are the adapters of the LPAR's configuration (QCI APM), columns its usage and control
 * domains (AQM | ADM). Without QCI, the adapters and domains that have devices. A cell is in
 * a running guest's APCB, else in an mdev's matrix, else whatever the bus says of the queue
 * (its driver, online). Card type, queue online and state come from the tree's own files, so
 * the picture says what lszcrypt would.
 */
#define _POSIX_C_SOURCE 200809L
#include "script/matrix-internal.h"
#include "sysfs/tree-internal.h"

static const struct matrix_state_style styles[_MX_STATE_MAX] = {
	[MX_UNCONFIGURED] = {"unconfigured", "control domain only", ' ', "2", "#ffffff"},
	[MX_NO_DEVICE] = {"no-device", "no queue device", '.', "2", "#e6e6e6"},
	[MX_UNBOUND] = {"unbound", "no driver", '?', "1;33", "#f5c542"},
	[MX_DEFAULT_ONLINE] = {"online", "default driver, online", 'o', "32", "#8fd18f"},
	[MX_DEFAULT_OFFLINE] = {"offline", "default driver, offline", 'x', "31", "#e88a8a"},
	[MX_FREE] = {"free", "vfio_ap, in no mdev", 'v', "36", "#9fd3e6"},
	[MX_MDEV] = {"mdev", "in an mdev, not in a guest", '+', "33", "#f2dc9b"},
	[MX_GUEST] = {"guest", NULL, '*', NULL, NULL},
};

const struct matrix_state_style *apsim__matrix_state_style(enum matrix_state s)
{
	static const struct matrix_state_style unknown = {"?", "?", '?', "0", "#000000"};

	return s < _MX_STATE_MAX ? &styles[s] : &unknown;
}

const char *apsim__matrix_state_name(enum matrix_state s)
{
	return apsim__matrix_state_style(s)->name;
}

/* reads a short attribute without its newline; "" when it cannot be read */
static void read_attr(struct apsim_tree *t, const char *path, char *buf, size_t len)
{
	ssize_t n = apsim_tree_read(t, path, buf, len - 1);

	if (n < 0)
		n = 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static void mask_to_list(const struct apsim_mask *m, unsigned *out, unsigned *n)
{
	*n = 0;
	for (int i = apsim_mask_next(m, 0); i >= 0; i = apsim_mask_next(m, (unsigned) i + 1))
		out[(*n)++] = (unsigned) i;
}

/* the LPAR's adapters and domains, or without QCI those with devices */
static void configured(struct apsim_bus *bus, struct apsim_mask *apm, struct apsim_mask *usage,
		       struct apsim_mask *control)
{
	struct apsim_qci qci;

	apsim_mask_zero(apm);
	apsim_mask_zero(usage);
	apsim_mask_zero(control);
	if (apsim_bus_get_qci(bus, &qci) == 0) {
		*apm = qci.apm;
		*usage = qci.aqm;
		*control = qci.adm;
		return;
	}
	for (unsigned a = 0; a < APSIM_MASK_BITS; a++) {
		if (!apsim_bus_find_card(bus, a))
			continue;
		apsim_mask_set(apm, a);
		for (unsigned d = 0; d < APSIM_MASK_BITS; d++)
			if (apsim_bus_find_queue(bus, APSIM_QID(a, d)))
				apsim_mask_set(usage, d);
	}
}

static int collect_owners(struct apsim_sim *sim, struct matrix_view *v)
{
	size_t n = apsim__vfio_ap_list_mdevs(sim->vfio_ap, NULL, 0);

	if (n) {
		v->mdevs = calloc(n, sizeof(*v->mdevs));
		if (!v->mdevs)
			return -ENOMEM;
		v->n_mdevs = apsim__vfio_ap_list_mdevs(sim->vfio_ap, v->mdevs, n);
	}
	n = 0;
	for (const struct apsim_guest *g = sim->guests; g; g = g->next)
		n++;
	if (n) {
		v->guests = calloc(n, sizeof(*v->guests));
		if (!v->guests)
			return -ENOMEM;
	}
	for (const struct apsim_guest *g = sim->guests; g; g = g->next)
		if (g->mdev[0])
			v->guests[v->n_guests++] = g;
	return 0;
}

static int mdev_of(const struct matrix_view *v, unsigned apid, unsigned apqi)
{
	for (size_t i = 0; i < v->n_mdevs; i++)
		if (apsim_mask_test(&v->mdevs[i].apm, apid) &&
		    (apsim_mask_test(&v->mdevs[i].aqm, apqi) || apsim_mask_test(&v->mdevs[i].adm, apqi)))
			return (int) i;
	return -1;
}

static int guest_of(const struct matrix_view *v, unsigned apid, unsigned apqi)
{
	for (size_t i = 0; i < v->n_guests; i++)
		if (apsim_mask_test(&v->guests[i]->apm, apid) &&
		    apsim_mask_test(&v->guests[i]->aqm, apqi))
			return (int) i;
	return -1;
}

static void fill_cell(struct apsim_sim *sim, const struct matrix_view *v, unsigned apid,
		      unsigned apqi, struct matrix_cell *cell)
{
	struct apsim_device *dev = apsim_bus_find_queue(sim->bus, APSIM_QID(apid, apqi));
	struct apsim_driver *drv = dev ? apsim_device_get_driver(dev) : NULL;

	cell->mdev = mdev_of(v, apid, apqi);
	cell->guest = guest_of(v, apid, apqi);
	cell->device = dev != NULL;
	cell->driver = drv ? drv->name : NULL;
	if (dev) {
		struct apsim_queue *aq = to_apsim_queue(dev);
		char val[8];
		ssize_t n;

		/* what lszcrypt reads, from the device's own node: no path lookup per APQN */
		n = apsim__node_read_attr(dev->node, "online", val, sizeof(val) - 1);
		val[n < 0 ? 0 : n] = '\0';
		cell->online = strcmp(val, "1\n") == 0;
		snprintf(cell->qstate, sizeof(cell->qstate), "%s",
			 aq->chkstop ? "checkstopped" : !aq->config ? "deconfigured" :
			 cell->online ? "online" : "offline");
	}
	if (cell->guest >= 0)
		cell->state = MX_GUEST;
	else if (cell->mdev >= 0 && apsim_mask_test(&v->usage, apqi))
		cell->state = MX_MDEV;
	else if (!apsim_mask_test(&v->usage, apqi))
		cell->state = MX_UNCONFIGURED;
	else if (!dev)
		cell->state = MX_NO_DEVICE;
	else if (!drv)
		cell->state = MX_UNBOUND;
	else if (drv->flags & APSIM_DRIVER_FLAG_DEFAULT)
		cell->state = cell->online ? MX_DEFAULT_ONLINE : MX_DEFAULT_OFFLINE;
	else
		cell->state = cell->mdev >= 0 ? MX_MDEV : MX_FREE;
}

static void card_info(struct apsim_sim *sim, struct matrix_view *v, unsigned row)
{
	struct apsim_device *dev = apsim_bus_find_card(sim->bus, v->apids[row]);
	char path[48];

	v->card_mode[row] = "";
	v->card_type[row][0] = '\0';
	if (!dev)
		return;
	snprintf(path, sizeof(path), "devices/ap/card%02x/type", v->apids[row]);
	read_attr(sim->tree, path, v->card_type[row], sizeof(v->card_type[row]));
	switch (apsim__bus_card_mode(apsim__bus_dev_card(dev))) {
	case 'A':
		v->card_mode[row] = "accel";
		break;
	case 'C':
		v->card_mode[row] = "cca";
		break;
	case 'P':
		v->card_mode[row] = "ep11";
		break;
	}
}

int apsim__matrix_view_build(struct apsim_sim *sim, const char *guest, struct matrix_view *ret)
{
	struct matrix_view v = { 0 };
	struct apsim_mask apm, cols;
	int r;

	configured(sim->bus, &apm, &v.usage, &v.control);
	r = collect_owners(sim, &v);
	if (r < 0)
		goto out_free;
	if (guest) {
		const struct apsim_guest *g = NULL;
		size_t i;

		for (i = 0; i < v.n_guests; i++)
			if (strcmp(v.guests[i]->name, guest) == 0)
				g = v.guests[i];
		for (i = 0; g && i < v.n_mdevs; i++)
			if (strcmp(v.mdevs[i].uuid, g->mdev) == 0)
				break;
		if (!g || i == v.n_mdevs) {
			r = -ENOENT;
			goto out_free;
		}
		/* the guest's mdev: its adapters by its domains, as far as they are configured */
		apsim_mask_and(&apm, &apm, &v.mdevs[i].apm);
		apsim_mask_or(&cols, &v.mdevs[i].aqm, &v.mdevs[i].adm);
		apsim_mask_and(&v.usage, &v.usage, &cols);
		apsim_mask_and(&v.control, &v.control, &cols);
	}
	mask_to_list(&apm, v.apids, &v.n_apids);
	apsim_mask_or(&cols, &v.usage, &v.control);
	mask_to_list(&cols, v.apqis, &v.n_apqis);
	v.cells = calloc((size_t) v.n_apids * v.n_apqis + 1, sizeof(*v.cells));
	if (!v.cells) {
		r = -ENOMEM;
		goto out_free;
	}
	for (unsigned row = 0; row < v.n_apids; row++) {
		card_info(sim, &v, row);
		for (unsigned col = 0; col < v.n_apqis; col++)
			fill_cell(sim, &v, v.apids[row], v.apqis[col], apsim__matrix_cell(&v, row, col));
	}
	*ret = v;
	return 0;
out_free:
	apsim__matrix_view_free(&v);
	return r;
}

void apsim__matrix_view_free(struct matrix_view *v)
{
	free(v->mdevs);
	free(v->guests);
	free(v->cells);
	memset(v, 0, sizeof(*v));
}

void apsim__matrix_cell_describe(const struct matrix_view *v, unsigned row, unsigned col,
				 char *buf, size_t len)
{
	const struct matrix_cell *c = apsim__matrix_cell(v, row, col);
	int n;

	n = snprintf(buf, len, "%02x.%04x", v->apids[row], v->apqis[col]);
	if (v->card_type[row][0])
		n += snprintf(buf + n, len > (size_t) n ? len - (size_t) n : 0, " %s %s",
			      v->card_type[row], v->card_mode[row]);
	if (!apsim_mask_test(&v->usage, v->apqis[col]))
		n += snprintf(buf + n, len > (size_t) n ? len - (size_t) n : 0, ": control domain only");
	else if (!c->device)
		n += snprintf(buf + n, len > (size_t) n ? len - (size_t) n : 0, ": no queue device");
	else
		n += snprintf(buf + n, len > (size_t) n ? len - (size_t) n : 0, ": %s, %s", c->qstate,
			      c->driver ? c->driver : "no driver");
	if (apsim_mask_test(&v->control, v->apqis[col]))
		n += snprintf(buf + n, len > (size_t) n ? len - (size_t) n : 0, ", control domain");
	if (c->mdev >= 0)
		n += snprintf(buf + n, len > (size_t) n ? len - (size_t) n : 0, ", mdev %s",
			      v->mdevs[c->mdev].uuid);
	if (c->guest >= 0)
		(void) snprintf(buf + n, len > (size_t) n ? len - (size_t) n : 0, ", guest %s",
				v->guests[c->guest]->name);
}
