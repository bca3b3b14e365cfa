/* SPDX-License-Identifier: MIT */
/*
 * matrix-internal.h - the AP matrix as `apsim matrix` shows it: one cell per APQN of the
 * configured adapters by the configured (usage or control) domains, saying who owns it.
 * Collected from the model by matrix-view.c, drawn as text and JSON by cmd-matrix.c and as
 * SVG/HTML by matrix-svg.c.
 */
#ifndef APSIM_MATRIX_INTERNAL_H
#define APSIM_MATRIX_INTERNAL_H

#include <stdbool.h>
#include <stdio.h>

#include "script/command-internal.h"

enum matrix_state {
	MX_UNCONFIGURED,   /* the domain is a control domain only: no usage APQN */
	MX_NO_DEVICE,      /* configured, but there is no queue device (yet) */
	MX_UNBOUND,        /* a queue device without a driver */
	MX_DEFAULT_ONLINE, /* bound to a default driver (cex4queue), online */
	MX_DEFAULT_OFFLINE,
	MX_FREE,           /* bound to vfio_ap, in no mdev */
	MX_MDEV,           /* in an mdev's matrix, not in a running guest's APCB */
	MX_GUEST,          /* in a running guest's APCB */
	_MX_STATE_MAX,
};

struct matrix_cell {
	enum matrix_state state;
	bool device;         /* a queue device exists */
	bool online;         /* its online attribute reads 1 */
	const char *driver;  /* NULL: unbound or no device */
	char qstate[16];     /* "online", "offline", "checkstopped", "deconfigured", "" */
	int mdev;            /* index into mdevs, -1 */
	int guest;           /* index into guests, -1 */
};

struct matrix_view {
	unsigned apids[APSIM_MASK_BITS], n_apids; /* rows */
	unsigned apqis[APSIM_MASK_BITS], n_apqis; /* columns: usage and control domains */
	struct apsim_mask usage, control;         /* the LPAR's domains */
	char card_type[APSIM_MASK_BITS][16];      /* by row: "CEX8C", or "" without a card */
	const char *card_mode[APSIM_MASK_BITS];   /* by row: "cca", "ep11", "accel", "" */
	struct apsim_mdev_record *mdevs;
	size_t n_mdevs;
	const struct apsim_guest **guests;        /* running guests with an mdev */
	size_t n_guests;
	struct matrix_cell *cells;                /* n_apids * n_apqis, row by row */
};

/* matrix-view.c: the view of the whole system, or of one guest's mdev (guest != NULL);
 * -ENOENT for an unknown guest, -ENOMEM. */
int apsim__matrix_view_build(struct apsim_sim *sim, const char *guest, struct matrix_view *ret);
void apsim__matrix_view_free(struct matrix_view *v);
static inline struct matrix_cell *apsim__matrix_cell(const struct matrix_view *v, unsigned row,
						     unsigned col)
{
	return &v->cells[row * v->n_apqis + col];
}
/* How each state is named and drawn: the one table of them (matrix-view.c). */
struct matrix_state_style {
	const char *name;   /* in JSON and data-state: "no-device" */
	const char *label;  /* in the SVG legend: "no queue device"; NULL for MX_GUEST */
	char symbol;        /* in the text grid; MX_MDEV and MX_GUEST use the mdev's/guest's */
	const char *sgr;    /* ANSI colour in the text grid; MX_GUEST uses the guest's */
	const char *fill;   /* SVG fill; MX_GUEST uses the guest's */
};
const struct matrix_state_style *apsim__matrix_state_style(enum matrix_state s);
const char *apsim__matrix_state_name(enum matrix_state s);
/* the one-line description of a cell ("03.0005 CEX8C cca: online, cex4queue, ...") */
void apsim__matrix_cell_describe(const struct matrix_view *v, unsigned row, unsigned col,
				 char *buf, size_t len);

/* matrix-svg.c: the grid as a self-contained SVG image, or an HTML page holding it */
int apsim__matrix_write_svg(const struct matrix_view *v, FILE *f);
int apsim__matrix_write_html(const struct matrix_view *v, FILE *f);

#endif
