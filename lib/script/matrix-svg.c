/* SPDX-License-Identifier: MIT */
/*
 * matrix-svg.c - the AP matrix as a picture: an SVG grid of adapters by domains, one colour
 * per state and one per guest, a legend, and a tooltip (<title>) per APQN naming card type
 * and mode, queue state, driver, mdev and guest. Self-contained: inline styles, no script,
 * no font or image from anywhere. Every cell carries data-apqn, data-state and (in a guest)
 * data-guest, so that a test can read the picture back from the DOM.
 */
#define _POSIX_C_SOURCE 200809L
#include "script/matrix-internal.h"

#define CELL_PX	 22
#define LABEL_PX 44
#define HEAD_PX	 36

/* one per guest, distinct from the state colours */
static const char *const guest_fill[] = { "#b05fc9", "#4a6fd1", "#d1694a", "#2e9e8f",
					  "#c94f86", "#7a8a2e", "#5c4ad1", "#a0702a" };

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static const char *cell_fill(const struct matrix_cell *c)
{
	if (c->state == MX_GUEST)
		return guest_fill[(size_t) c->guest % ARRAY_SIZE(guest_fill)];
	return apsim__matrix_state_style(c->state)->fill;
}

static void swatch(FILE *f, int x, int y, const char *fill, const char *label, const char *guest)
{
	fputs("<g class=\"legend\"", f);
	if (guest) {
		fputs(" data-guest=\"", f);
		xml_text(f, guest);
		fputc('"', f);
	}
	fprintf(f,
		"><rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\" stroke=\"#555\"/>"
		"<text x=\"%d\" y=\"%d\">",
		x, y, fill, x + 20, y + 12);
	xml_text(f, label);
	fputs("</text></g>\n", f);
}

int apsim__matrix_write_svg(const struct matrix_view *v, FILE *f)
{
	int grid_w = LABEL_PX + (int) v->n_apqis * CELL_PX, grid_h = HEAD_PX + (int) v->n_apids * CELL_PX;
	int legend_rows = _MX_STATE_MAX - 1 + (int) v->n_guests;
	int width = grid_w + 10, height = grid_h + 24 + legend_rows * 20;
	char tip[512];

	/* wide enough for the longest legend line: about 7 px a character at 11 px monospace */
	for (int s = 0; s < _MX_STATE_MAX; s++)
	{
		const char *label = apsim__matrix_state_style((enum matrix_state) s)->label;

		if (label && 30 + 7 * (int) strlen(label) > width)
			width = 30 + 7 * (int) strlen(label);
	}
	for (size_t g = 0; g < v->n_guests; g++) {
		int w = 30 + 7 * (int) (strlen(v->guests[g]->name) + strlen(v->guests[g]->mdev) + 14);

		if (w > width)
			width = w;
	}

	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"ap-matrix\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"monospace\" font-size=\"11\">\n",
		width, height, width, height);
	fputs("<title>AP matrix: adapters (rows) by domains (columns)</title>\n", f);
	for (unsigned col = 0; col < v->n_apqis; col++) {
		int x = LABEL_PX + (int) col * CELL_PX;

		fprintf(f, "<text class=\"dom\" x=\"%d\" y=\"14\">%02x</text>", x + 4, v->apqis[col]);
		if (apsim_mask_test(&v->control, v->apqis[col]))
			fprintf(f, "<text class=\"ctl\" x=\"%d\" y=\"30\">c</text>", x + 8);
		fputc('\n', f);
	}
	for (unsigned row = 0; row < v->n_apids; row++) {
		int y = HEAD_PX + (int) row * CELL_PX;

		fprintf(f, "<text class=\"adapter\" x=\"4\" y=\"%d\">%02x</text>\n", y + 15,
			v->apids[row]);
		for (unsigned col = 0; col < v->n_apqis; col++) {
			const struct matrix_cell *c = apsim__matrix_cell(v, row, col);

			apsim__matrix_cell_describe(v, row, col, tip, sizeof(tip));
			fprintf(f,
				"<rect class=\"apqn\" data-apqn=\"%02x.%04x\" data-state=\"%s\"",
				v->apids[row], v->apqis[col], apsim__matrix_state_name(c->state));
			if (c->guest >= 0) {
				fputs(" data-guest=\"", f);
				xml_text(f, v->guests[c->guest]->name);
				fputc('"', f);
			}
			fprintf(f,
				" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" "
				"stroke=\"#888\"><title>",
				LABEL_PX + (int) col * CELL_PX, y, CELL_PX - 2, CELL_PX - 2, cell_fill(c));
			xml_text(f, tip);
			fputs("</title></rect>\n", f);
		}
	}
	for (int s = 0, y = grid_h + 14; s < _MX_STATE_MAX; s++) {
		if (s == MX_GUEST)
			continue;
		swatch(f, 4, y, apsim__matrix_state_style((enum matrix_state) s)->fill,
		       apsim__matrix_state_style((enum matrix_state) s)->label, NULL);
		y += 20;
	}
	for (size_t g = 0; g < v->n_guests; g++) {
		char label[160];
		int y = grid_h + 14 + (_MX_STATE_MAX - 1 + (int) g) * 20;

		snprintf(label, sizeof(label), "guest %s (mdev %s)", v->guests[g]->name, v->guests[g]->mdev);
		swatch(f, 4, y, guest_fill[g % ARRAY_SIZE(guest_fill)], label, v->guests[g]->name);
	}
	fputs("</svg>\n", f);
	return ferror(f) ? -EIO : 0;
}

int apsim__matrix_write_html(const struct matrix_view *v, FILE *f)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<title>apsim: AP matrix</title>\n<style>\n"
	      "body { font-family: sans-serif; margin: 1em; }\n"
	      "svg.ap-matrix rect.apqn:hover { stroke: #000; stroke-width: 2; }\n"
	      "p.note { color: #555; font-size: 90%; }\n"
	      "</style>\n</head>\n<body>\n<h1>AP matrix</h1>\n"
	      "<p class=\"note\">Adapters (rows) by domains (columns, c: control domain). "
	      "Point at a cell for its card, queue, driver, mdev and guest.</p>\n",
	      f);
	if (apsim__matrix_write_svg(v, f) < 0)
		return -EIO;
	fputs("</body>\n</html>\n", f);
	return ferror(f) ? -EIO : 0;
}
