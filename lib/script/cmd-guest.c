/* SPDX-License-Identifier: MIT */
/*
 * cmd-guest.c - KVM guests: start (on an mdev), stop, show, and the guest's own view (its tree,
 * read, write, ls, events).
 */
#define _POSIX_C_SOURCE 200809L
#include "script/command-internal.h"

/* --- guests, mdevs --- */

int apsim__cmd_guest_start(struct ctx *c, int argc, char **argv)
{
	bool se = false;
	int r;

	/* --se: a Secure Execution guest (docs/se-guests.md) */
	if (argc > 2) {
		if (strcmp(argv[2], "--se") != 0)
			return apsim__cmd_usage_error(c, "%s: unknown option '%s' (expected --se)", c->name,
					   argv[2]);
		se = true;
	}
	r = apsim__sim_guest_start(c->sim, argv[0], argv[1], se);
	if (r == -EEXIST)
		return apsim__cmd_fail(c, r, "%s: guest '%s' exists", c->name, argv[0]);
	if (r == -ENODEV)
		return apsim__cmd_fail(c, r, "%s: no mdev %s", c->name, argv[1]);
	if (r == -EPERM)
		return apsim__cmd_fail(c, r, "%s: mdev %s is in use by another guest", c->name, argv[1]);
	return r < 0 ? apsim__cmd_fail_errno(c, r) : 0;
}

int apsim__cmd_guest_stop(struct ctx *c, int argc, char **argv)
{
	int r;

	(void) argc;
	r = apsim__sim_guest_stop(c->sim, argv[0]);
	if (r == -ENOENT)
		return apsim__cmd_fail(c, r, "%s: no guest '%s'", c->name, argv[0]);
	return r < 0 ? apsim__cmd_fail_errno(c, r) : 0;
}

json_t *apsim__cmd_mask_json(const struct apsim_mask *m)
{
	char buf[APSIM_MASK_STRLEN];
	int n = apsim_mask_format(m, buf, sizeof(buf));

	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return json_string(buf);
}

int apsim__cmd_guest_show(struct ctx *c, int argc, char **argv)
{
	json_t *array = NULL;

	if (argc && !apsim__cmd_find_guest(c, argv[0]))
		return -ENOENT;
	if (c->json) {
		array = json_array();
		if (!array)
			return apsim__cmd_fail_errno(c, -ENOMEM);
	}
	for (struct apsim_guest *g = c->sim->guests; g; g = g->next) {
		if (argc && strcmp(g->name, argv[0]) != 0)
			continue;
		if (array) {
			json_t *o = json_pack(
			    "{s:s, s:s, s:I, s:o, s:o, s:o}", "name", g->name, "mdev", g->mdev,
			    "apcb_updates", (json_int_t) g->apcb_updates, "apm", apsim__cmd_mask_json(&g->apm),
			    "aqm", apsim__cmd_mask_json(&g->aqm), "adm", apsim__cmd_mask_json(&g->adm));

			/* "se": true only for SE guests, so the other guests' JSON stays as it was */
			if (o && g->se && json_object_set_new(o, "se", json_true()) < 0) {
				json_decref(o);
				o = NULL;
			}

			if (!o || json_array_append_new(array, o) < 0) {
				json_decref(o);
				json_decref(array);
				return apsim__cmd_fail_errno(c, -ENOMEM);
			}
			continue;
		}
		{
			char apm[APSIM_MASK_STRLEN], aqm[APSIM_MASK_STRLEN], adm[APSIM_MASK_STRLEN];

			apsim_mask_format(&g->apm, apm, sizeof(apm));
			apsim_mask_format(&g->aqm, aqm, sizeof(aqm));
			apsim_mask_format(&g->adm, adm, sizeof(adm));
			fprintf(
			    c->out,
			    "guest %s\n  mdev %s\n  apcb_updates %llu\n  apm %s  aqm %s  adm %s",
			    g->name, g->mdev[0] ? g->mdev : "-",
			    (unsigned long long) g->apcb_updates, apm, aqm, adm);
			if (g->se)
				fprintf(c->out, "  secure execution\n");
		}
	}
	if (array) {
		(void) apsim__cmd_print_json(c, array);
	}
	return 0;
}

int apsim__cmd_guest_read(struct ctx *c, int argc, char **argv)
{
	struct apsim_guest *g = apsim__cmd_find_guest(c, argv[0]);

	(void) argc;
	return g ? apsim__cmd_do_read(c, g->tree, argv[1], "guest read") : -ENOENT;
}

/* guest write NAME PATH VALUE: as write, in the guest's own tree */
int apsim__cmd_guest_write(struct ctx *c, int argc, char **argv)
{
	struct apsim_guest *g = apsim__cmd_find_guest(c, argv[0]);

	return g ? apsim__cmd_do_write(c, g->tree, argc - 1, argv + 1, "guest write") : -ENOENT;
}

int apsim__cmd_guest_ls(struct ctx *c, int argc, char **argv)
{
	struct apsim_guest *g = apsim__cmd_find_guest(c, argv[0]);

	return g ? apsim__cmd_do_ls(c, g->tree, argc > 1 ? argv[1] : "", "guest ls") : -ENOENT;
}

int apsim__cmd_guest_events(struct ctx *c, int argc, char **argv)
{
	struct apsim_guest *g = apsim__cmd_find_guest(c, argv[0]);

	(void) argc;
	if (!g)
		return -ENOENT;
	apsim__cmd_print_events(c, g->uevents, 0);
	return 0;
}
