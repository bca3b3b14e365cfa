/* SPDX-License-Identifier: MIT */
/*
 * cmd-matrix.c - `matrix [--guest NAME] [--json] [--color=auto|always|never]
 * [--html FILE | --svg FILE]`: the AP matrix as a grid of adapters (rows) by domains
 * (columns), one cell per APQN saying who owns it (matrix-view.c), wrapped to the terminal's
 * width, coloured only on a terminal, with a legend; --json the same facts, one object per
 * APQN; --svg/--html a self-contained picture (matrix-svg.c).
 */
#define _POSIX_C_SOURCE 200809L
#include <sys/ioctl.h>
#include <unistd.h>

#include "script/matrix-internal.h"

#define ROW_LABEL 4 /* "0a  " */
#define CELL	  3 /* " 05" */

/* ANSI SGR colours, one per guest (the states' are in their style) */
static const char *const guest_colour[] = { "1;35", "1;34", "1;36", "1;32", "1;33", "1;31" };

static const char mdev_symbols[] = "123456789abcdefghijklmnopqrstuvwxyz";
static const char guest_symbols[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

static char cell_symbol(const struct matrix_cell *c)
{
	if (c->state == MX_MDEV && c->mdev < (int) sizeof(mdev_symbols) - 1)
		return mdev_symbols[c->mdev];
	if (c->state == MX_GUEST && c->guest < (int) sizeof(guest_symbols) - 1)
		return guest_symbols[c->guest];
	return apsim__matrix_state_style(c->state)->symbol;
}

static void colour_on(FILE *f, bool colour, const struct matrix_cell *c)
{
	if (!colour)
		return;
	if (c->state == MX_GUEST)
		fprintf(f, "\033[%sm",
			guest_colour[(size_t) c->guest % ARRAY_SIZE(guest_colour)]);
	else
		fprintf(f, "\033[%sm", apsim__matrix_state_style(c->state)->sgr);
}

static unsigned terminal_width(FILE *out)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");
	unsigned long v;

	if (isatty(fileno(out)) && ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		return ws.ws_col;
	if (env && apsim__cmd_parse_ulong(env, 100000, &v) == 0 && v >= ROW_LABEL + CELL)
		return (unsigned) v;
	return 80;
}

/* one past the last column in [from, to) whose mark is not blank */
static unsigned ctl_end(const struct matrix_view *v, unsigned from, unsigned to)
{
	while (to > from && !apsim_mask_test(&v->control, v->apqis[to - 1]))
		to--;
	return to;
}

static unsigned row_end(const struct matrix_view *v, unsigned row, unsigned from, unsigned to)
{
	while (to > from && apsim__matrix_cell(v, row, to - 1)->state == MX_UNCONFIGURED)
		to--;
	return to;
}

static void print_grid(FILE *f, const struct matrix_view *v, bool colour, unsigned width)
{
	unsigned per = width > ROW_LABEL + CELL ? (width - ROW_LABEL) / CELL : 1;

	for (unsigned from = 0; from < v->n_apqis; from += per) {
		unsigned to = from + per < v->n_apqis ? from + per : v->n_apqis;

		if (from)
			fputc('\n', f);
		fputs("dom", f);
		for (unsigned col = from; col < to; col++)
			fprintf(f, " %02x", v->apqis[col]);
		fputc('\n', f);
		/* no trailing blanks: a line ends at its last mark */
		fputs("ctl", f);
		for (unsigned col = from, end = ctl_end(v, from, to); col < end; col++)
			fprintf(f, "  %c", apsim_mask_test(&v->control, v->apqis[col]) ? 'c' : ' ');
		fputc('\n', f);
		for (unsigned row = 0; row < v->n_apids; row++) {
			unsigned end = row_end(v, row, from, to);

			fprintf(f, end > from ? "%02x " : "%02x", v->apids[row]);
			for (unsigned col = from; col < end; col++) {
				const struct matrix_cell *c = apsim__matrix_cell(v, row, col);

				fputs("  ", f);
				colour_on(f, colour, c);
				fputc(cell_symbol(c), f);
				if (colour)
					fputs("\033[0m", f);
			}
			fputc('\n', f);
		}
	}
}

static void print_legend(FILE *f, const struct matrix_view *v)
{
	fputs("\nlegend: .  no queue device      o  default driver, online   x  default driver, offline\n"
	      "        ?  no driver            v  vfio_ap, in no mdev      c  control domain (ctl row)\n"
	      "        1..9 a..z  in that mdev  A..Z  in that guest's APCB  blank: control domain only\n",
	      f);
	for (size_t i = 0; i < v->n_mdevs; i++) {
		const char *guest = NULL;

		for (size_t g = 0; g < v->n_guests; g++)
			if (strcmp(v->guests[g]->mdev, v->mdevs[i].uuid) == 0)
				guest = v->guests[g]->name;
		fprintf(f, "mdev %c: %s%s%s\n", i < sizeof(mdev_symbols) - 1 ? mdev_symbols[i] : '+',
			v->mdevs[i].uuid, guest ? ", guest " : "", guest ? guest : "");
	}
	for (size_t g = 0; g < v->n_guests; g++)
		fprintf(f, "guest %c: %s (mdev %s)\n",
			g < sizeof(guest_symbols) - 1 ? guest_symbols[g] : '*', v->guests[g]->name,
			v->guests[g]->mdev);
}

static json_t *cell_json(const struct matrix_view *v, unsigned row, unsigned col)
{
	const struct matrix_cell *c = apsim__matrix_cell(v, row, col);
	char apqn[16];

	snprintf(apqn, sizeof(apqn), "%02x.%04x", v->apids[row], v->apqis[col]);
	return json_pack("{s:s, s:i, s:i, s:b, s:b, s:s, s:s?, s:s?, s:b, s:s?, s:s?, s:s?, s:s?}",
			 "apqn", apqn, "adapter", (int) v->apids[row], "domain", (int) v->apqis[col],
			 "usage", apsim_mask_test(&v->usage, v->apqis[col]), "control",
			 apsim_mask_test(&v->control, v->apqis[col]), "state",
			 apsim__matrix_state_name(c->state), "card_type",
			 v->card_type[row][0] ? v->card_type[row] : NULL, "mode",
			 v->card_mode[row][0] ? v->card_mode[row] : NULL, "device", c->device,
			 "queue_state", c->device ? c->qstate : NULL, "driver", c->driver, "mdev",
			 c->mdev >= 0 ? v->mdevs[c->mdev].uuid : NULL, "guest",
			 c->guest >= 0 ? v->guests[c->guest]->name : NULL);
}

static int print_json(struct ctx *c, const struct matrix_view *v)
{
	json_t *arr = json_array();

	if (!arr)
		return apsim__cmd_fail_errno(c, -ENOMEM);
	for (unsigned row = 0; row < v->n_apids; row++)
		for (unsigned col = 0; col < v->n_apqis; col++)
			if (json_array_append_new(arr, cell_json(v, row, col)) < 0) {
				json_decref(arr);
				return apsim__cmd_fail_errno(c, -ENOMEM);
			}
	return apsim__cmd_print_json(c, arr);
}

static int write_picture(struct ctx *c, const struct matrix_view *v, const char *path, bool html)
{
	FILE *f = fopen(path, "w");
	int r;

	if (!f)
		return apsim__cmd_fail(c, -errno, "%s: %s: %s", c->name, path, strerror(errno));
	r = html ? apsim__matrix_write_html(v, f) : apsim__matrix_write_svg(v, f);
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r < 0)
		return apsim__cmd_fail(c, r, "%s: writing %s: %s", c->name, path, strerror(-r));
	return 0;
}

int apsim__cmd_matrix(struct ctx *c, int argc, char **argv)
{
	const char *guest = NULL, *svg = NULL, *html = NULL, *colour = "auto";
	struct matrix_view v;
	bool use_colour;
	int r;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--guest") == 0 && i + 1 < argc)
			guest = argv[++i];
		else if (strcmp(argv[i], "--svg") == 0 && i + 1 < argc)
			svg = argv[++i];
		else if (strcmp(argv[i], "--html") == 0 && i + 1 < argc)
			html = argv[++i];
		else if (strncmp(argv[i], "--color=", 8) == 0)
			colour = argv[i] + 8;
		else
			return apsim__cmd_usage_error(
			    c, "%s: unknown argument '%s' (expected --guest NAME, --json, "
			       "--color=auto|always|never, --html FILE or --svg FILE)",
			    c->name, argv[i]);
	}
	if (strcmp(colour, "auto") != 0 && strcmp(colour, "always") != 0 &&
	    strcmp(colour, "never") != 0)
		return apsim__cmd_usage_error(c, "%s: bad --color '%s' (expected auto, always or never)",
					      c->name, colour);
	if (svg && html)
		return apsim__cmd_usage_error(c, "%s: --html and --svg exclude each other", c->name);
	r = apsim__matrix_view_build(c->sim, guest, &v);
	if (r == -ENOENT)
		return apsim__cmd_fail(c, r, "%s: no running guest '%s' with an mdev", c->name, guest);
	if (r < 0)
		return apsim__cmd_fail_errno(c, r);
	if (svg || html)
		r = write_picture(c, &v, svg ? svg : html, html != NULL);
	else if (c->json)
		r = print_json(c, &v);
	else {
		use_colour = strcmp(colour, "always") == 0 ||
			     (strcmp(colour, "auto") == 0 && isatty(fileno(c->out)));
		print_grid(c->out, &v, use_colour, terminal_width(c->out));
		print_legend(c->out, &v);
	}
	apsim__matrix_view_free(&v);
	return r;
}
