/* SPDX-License-Identifier: MIT */
/*
 * bench-disruption: what host configuration changes cost the guests, over a corpus.
 *
 * The corpus (CORPUS_VERSION, seed) is generated here, deterministically: N_SCENARIOS
 * configuration changes on machines with 1, 16 or 256 guests, each guest on its own mdev
 * (a grid layout: guest (r, c) holds an adapter block and a domain block, some guests also a
 * spare adapter or domain that is installed but not configured yet, and two control domains).
 * A change is several commands reaching the bus in one scan (machine notify off, the
 * commands, scan): adapters, domains and control domains removed and added, changes that
 * cancel out within the scan, checkstops and SE-side deconfigurations, changes that touch no
 * guest. Every scenario runs under each policy in a fresh sim.
 *
 * Reported per scenario and policy: APCB updates in all, per affected guest (max, mean),
 * updates to guests the change does not touch, guests that temporarily lost an adapter,
 * domain or control domain they have again at the end, the time of the change (its commands
 * and the scan). Beside them the theoretical minimum, computed here from the mdev matrices
 * and the LPAR masks before and after (not by vfio_ap's code): one update for each guest
 * whose filtered matrix changes, none for the others. Filtered matrix (spec 6.5): the
 * assigned adapters and domains the LPAR has configured, without an adapter one of whose
 * queues on those domains has no vfio_ap queue device (every installed card here is bound to
 * vfio_ap, and a checkstopped or deconfigured card keeps its passable queues: RC 04 / RC 03),
 * and the assigned control domains the LPAR has. The model is checked against the APCB each
 * guest really has before the change (a difference is a "model error", a goal miss) and
 * after it (a guest "off target": its policy did not bring it to its filtered matrix; a
 * scenario is at the minimum only if no guest is off target).
 *
 * Temporary losses are measured by looking at every guest's APCB on every host uevent and
 * on every uevent of the guest's own bus (which rescans on each APCB update): a state that
 * lasts from one update to the next without any uevent in between is not seen (only a
 * control-domain-only update can do that).
 *
 * Usage: bench-disruption [--seed N] [--only INDEX] [--list] [--scenarios]
 *                         [--json FILE] [--dat FILE]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apsim/apsim.h"
#include "bench-util.h"
#include "kvm/guest-internal.h"
#include "sim/sim-internal.h"

/* Bump when the generator changes what a (seed, index) pair means. */
#define CORPUS_VERSION 1
#define DEFAULT_SEED 1
#define N_KINDS 15
#define N_GROUPS 3
#define N_SCENARIOS (N_KINDS * N_GROUPS * 3)
#define MAX_OPS 12
#define MAX_GUESTS 256
#define SPARE 4        /* installed, not configured: adapters NA.., domains ND.. */
#define FREE 4         /* configured, in no mdev: adapters NA+SPARE.., domains ND+SPARE.. */
#define CD_BASE 240    /* control domains 240..243 configured, 244..247 not */

struct layout {
	const char *name;
	int nr, nc, ba, bd; /* nr x nc guests, each ba adapters x bd domains */
};

static const struct layout layouts_1[] = {
	{"one 8x8 mdev", 1, 1, 8, 8},
	{"one 4x12 mdev", 1, 1, 4, 12},
};
static const struct layout layouts_16[] = {
	{"4x4 blocks of 4x4", 4, 4, 4, 4},
	{"16 rows of 1x16", 16, 1, 1, 16},
	{"16 columns of 16x1", 1, 16, 16, 1},
};
static const struct layout layouts_256[] = {
	{"16x16 of 1x1", 16, 16, 1, 1},
	{"64x4 of 1x1", 64, 4, 1, 1},
};

static const struct {
	int guests;
	const struct layout *l;
	int n;
} groups[N_GROUPS] = {
	{1, layouts_1, 2},
	{16, layouts_16, 3},
	{256, layouts_256, 2},
};

static const char *const kind_names[N_KINDS] = {
	"remove-adapters", "remove-domains", "remove-control-domains", "add-adapters",
	"add-domains", "add-control-domains", "mixed", "cancel-remove", "cancel-plus-change",
	"cancel-add", "untouched", "checkstop", "deconfigure", "checkstop-cancel",
	"remove-and-add",
};

enum op_kind { OP_ADD, OP_REMOVE, OP_CHECKSTOP_ON, OP_CHECKSTOP_OFF, OP_CONFIG_OFF };
enum op_set { SET_ADAPTER, SET_DOMAIN, SET_CDOM };

struct op {
	enum op_kind kind;
	enum op_set set;
	struct apsim_mask ids; /* lpar ops; card ops use id */
	int id;
};

struct cfg {
	struct apsim_mask apm, aqm, adm;
};

struct scenario {
	int index, guests, kind;
	const struct layout *l;
	int na, nd; /* owned adapters 0..na-1, domains 0..nd-1 */
	int n_ops;
	struct op ops[MAX_OPS];
	struct cfg before, after; /* the LPAR */
};

struct result {
	unsigned long long updates, untouched, max_affected;
	double mean_affected, ms;
	int affected, temp_lost, mismatches, model_errors; /* mismatches: off target at the end */
	bool minimal;
};

/* --- deterministic generator --- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int rng_below(int n)
{
	return (int) (rng_next() % (uint64_t) n);
}

static struct apsim_mask *cfg_set(struct cfg *c, enum op_set s)
{
	return s == SET_ADAPTER ? &c->apm : s == SET_DOMAIN ? &c->aqm : &c->adm;
}

/* the ids of [lo, lo+n) whose configured state is want, in cur */
static int pool(const struct apsim_mask *cur, int lo, int n, bool want, int *out)
{
	int k = 0;

	for (int i = lo; i < lo + n; i++)
		if (apsim_mask_test(cur, (unsigned) i) == want)
			out[k++] = i;
	return k;
}

static struct op *new_op(struct scenario *s)
{
	struct op *o = &s->ops[s->n_ops++];

	if (s->n_ops > MAX_OPS) {
		fprintf(stderr, "bench-disruption: too many ops\n");
		exit(1);
	}
	memset(o, 0, sizeof(*o));
	return o;
}

/* An LPAR op on up to k ids of [lo, lo+n) that it changes (none: no op). Applied to s->after. */
static bool lpar_op(struct scenario *s, enum op_kind kind, enum op_set set, int lo, int n, int k,
		    const struct apsim_mask *avoid)
{
	struct apsim_mask *cur = cfg_set(&s->after, set);
	int ids[256], m = pool(cur, lo, n, kind == OP_REMOVE, ids), got = 0;
	struct op o = {.kind = kind, .set = set};

	while (m > 0 && got < k) {
		int j = rng_below(m);

		if (!avoid || !apsim_mask_test(avoid, (unsigned) ids[j])) {
			apsim_mask_set(&o.ids, (unsigned) ids[j]);
			got++;
		}
		ids[j] = ids[--m];
	}
	if (!got)
		return false;
	*new_op(s) = o;
	if (kind == OP_ADD)
		apsim_mask_or(cur, cur, &o.ids);
	else
		apsim_mask_andnot(cur, cur, &o.ids);
	return true;
}

static bool rm_adapters(struct scenario *s, int k, const struct apsim_mask *avoid)
{
	return lpar_op(s, OP_REMOVE, SET_ADAPTER, 0, s->na, k, avoid);
}
static bool rm_domains(struct scenario *s, int k)
{
	return lpar_op(s, OP_REMOVE, SET_DOMAIN, 0, s->nd, k, NULL);
}
static bool add_adapters(struct scenario *s, int k)
{
	return lpar_op(s, OP_ADD, SET_ADAPTER, s->na, SPARE, k, NULL);
}
static bool add_domains(struct scenario *s, int k)
{
	return lpar_op(s, OP_ADD, SET_DOMAIN, s->nd, SPARE, k, NULL);
}

/* the op that undoes op i (its ids, the other direction) */
static void undo_op(struct scenario *s, int i)
{
	struct op u = s->ops[i];
	struct apsim_mask *cur = cfg_set(&s->after, u.set);

	u.kind = u.kind == OP_ADD ? OP_REMOVE : OP_ADD;
	*new_op(s) = u;
	if (u.kind == OP_ADD)
		apsim_mask_or(cur, cur, &u.ids);
	else
		apsim_mask_andnot(cur, cur, &u.ids);
}

/* a change that some guest sees (used beside checkstops and cancelled changes) */
static void real_change(struct scenario *s, const struct apsim_mask *avoid)
{
	switch (rng_below(3)) {
	case 0:
		rm_domains(s, 1);
		break;
	case 1:
		add_adapters(s, 1);
		break;
	default:
		rm_adapters(s, 1, avoid);
		break;
	}
}

static void card_ops(struct scenario *s, enum op_kind kind, int k, struct apsim_mask *chosen)
{
	for (int i = 0; i < k; i++) {
		int a = rng_below(s->na);
		struct op *o;

		if (apsim_mask_test(chosen, (unsigned) a))
			continue;
		apsim_mask_set(chosen, (unsigned) a);
		o = new_op(s);
		o->kind = kind;
		o->id = a;
	}
}

static void generate(uint64_t seed, int index, struct scenario *s)
{
	int g = index % N_GROUPS;
	struct apsim_mask chosen;

	memset(s, 0, sizeof(*s));
	rng_state = seed ^ ((uint64_t) CORPUS_VERSION << 48) ^ ((uint64_t) index * 0x100000001b3ull);
	(void) rng_next();
	s->index = index;
	s->guests = groups[g].guests;
	s->kind = (index / N_GROUPS) % N_KINDS;
	s->l = &groups[g].l[rng_below(groups[g].n)];
	s->na = s->l->nr * s->l->ba;
	s->nd = s->l->nc * s->l->bd;
	for (int a = 0; a < s->na; a++)
		apsim_mask_set(&s->before.apm, (unsigned) a);
	for (int a = s->na + SPARE; a < s->na + SPARE + FREE; a++)
		apsim_mask_set(&s->before.apm, (unsigned) a);
	for (int d = 0; d < s->nd; d++)
		apsim_mask_set(&s->before.aqm, (unsigned) d);
	for (int d = s->nd + SPARE; d < s->nd + SPARE + FREE; d++)
		apsim_mask_set(&s->before.aqm, (unsigned) d);
	for (int d = CD_BASE; d < CD_BASE + 4; d++)
		apsim_mask_set(&s->before.adm, (unsigned) d);
	s->after = s->before;
	apsim_mask_zero(&chosen);

	switch (s->kind) {
	case 0:
		rm_adapters(s, 1 + rng_below(3), NULL);
		break;
	case 1:
		rm_domains(s, 1 + rng_below(3));
		break;
	case 2:
		lpar_op(s, OP_REMOVE, SET_CDOM, CD_BASE, 4, 1 + rng_below(2), NULL);
		break;
	case 3:
		add_adapters(s, 1 + rng_below(SPARE));
		break;
	case 4:
		add_domains(s, 1 + rng_below(SPARE));
		break;
	case 5:
		lpar_op(s, OP_ADD, SET_CDOM, CD_BASE + 4, 4, 1 + rng_below(2), NULL);
		break;
	case 6: /* several changes of every kind, one command each, one scan */
		for (int n = 2 + rng_below(5), i = 0; i < n; i++) {
			switch (rng_below(8)) {
			case 0: rm_adapters(s, 1, NULL); break;
			case 1: rm_domains(s, 1); break;
			case 2: lpar_op(s, OP_REMOVE, SET_CDOM, CD_BASE, 4, 1, NULL); break;
			case 3: add_adapters(s, 1); break;
			case 4: add_domains(s, 1); break;
			case 5: lpar_op(s, OP_ADD, SET_CDOM, CD_BASE + 4, 4, 1, NULL); break;
			case 6: lpar_op(s, OP_REMOVE, SET_ADAPTER, s->na + SPARE, FREE, 1, NULL); break;
			default: lpar_op(s, OP_REMOVE, SET_DOMAIN, s->nd + SPARE, FREE, 1, NULL); break;
			}
		}
		break;
	case 7: /* removed and added back in the same scan: no net change */
		for (int n = 1 + rng_below(2), i = 0; i < n; i++) {
			int first = s->n_ops;

			if (rng_below(2) ? rm_adapters(s, 1, NULL) : rm_domains(s, 1))
				undo_op(s, first);
		}
		break;
	case 8: { /* an adapter removed and back, and a real change between */
		int first = s->n_ops;

		if (rm_adapters(s, 1 + rng_below(2), NULL)) {
			if (rng_below(2))
				rm_domains(s, 1);
			else
				add_domains(s, 1);
			undo_op(s, first);
		}
		break;
	}
	case 9: { /* a spare added and removed again, perhaps a real removal beside */
		int first = s->n_ops;

		if (rng_below(2) ? add_adapters(s, 1 + rng_below(2)) : add_domains(s, 1 + rng_below(2)))
			undo_op(s, first);
		if (rng_below(2))
			rm_domains(s, 1);
		break;
	}
	case 10: /* adapters and domains no mdev holds */
		lpar_op(s, OP_REMOVE, SET_ADAPTER, s->na + SPARE, FREE, 1 + rng_below(2), NULL);
		lpar_op(s, OP_REMOVE, SET_DOMAIN, s->nd + SPARE, FREE, 1 + rng_below(2), NULL);
		break;
	case 11: /* checkstops (queues stay passable), perhaps with a real change */
		card_ops(s, OP_CHECKSTOP_ON, 1 + rng_below(2), &chosen);
		if (rng_below(2))
			real_change(s, &chosen);
		break;
	case 12: /* SE-side deconfiguration (a forced rescan each), perhaps with a real change */
		card_ops(s, OP_CONFIG_OFF, 1 + rng_below(2), &chosen);
		if (rng_below(2))
			real_change(s, &chosen);
		break;
	case 13: { /* a checkstop that is over before the scan, and a real change */
		int first = s->n_ops;

		card_ops(s, OP_CHECKSTOP_ON, 1, &chosen);
		real_change(s, &chosen);
		*new_op(s) = s->ops[first];
		s->ops[s->n_ops - 1].kind = OP_CHECKSTOP_OFF;
		break;
	}
	default: /* an adapter and a domain removed, a spare adapter and domain added */
		rm_adapters(s, 1, NULL);
		rm_domains(s, 1);
		add_adapters(s, 1 + rng_below(2));
		add_domains(s, 1 + rng_below(2));
		break;
	}
}

/* --- the guests' mdevs and the model --- */

static void guest_matrix(const struct scenario *s, int g, struct cfg *m)
{
	const struct layout *l = s->l;
	int r = g / l->nc, c = g % l->nc;

	memset(m, 0, sizeof(*m));
	for (int a = r * l->ba; a < (r + 1) * l->ba; a++)
		apsim_mask_set(&m->apm, (unsigned) a);
	for (int d = c * l->bd; d < (c + 1) * l->bd; d++)
		apsim_mask_set(&m->aqm, (unsigned) d);
	/* spare APQN (na + r, nd + c) belongs to guest (r, c) alone */
	if (r < SPARE)
		apsim_mask_set(&m->apm, (unsigned) (s->na + r));
	if (c < SPARE)
		apsim_mask_set(&m->aqm, (unsigned) (s->nd + c));
	apsim_mask_set(&m->adm, (unsigned) (CD_BASE + g % 4));
	apsim_mask_set(&m->adm, (unsigned) (CD_BASE + 4 + (g / 4) % 4));
}

/* The filtered matrix of mdev m under LPAR configuration lp (every installed card, adapters
 * 0..na+SPARE+FREE-1, has vfio_ap queue devices on the configured domains) */
static void filtered(const struct scenario *s, const struct cfg *m, const struct cfg *lp, struct cfg *f)
{
	int installed = s->na + SPARE + FREE;

	apsim_mask_and(&f->apm, &m->apm, &lp->apm);
	apsim_mask_and(&f->aqm, &m->aqm, &lp->aqm);
	apsim_mask_and(&f->adm, &m->adm, &lp->adm);
	for (int a = apsim_mask_next(&f->apm, 0); a >= 0; a = apsim_mask_next(&f->apm, (unsigned) a + 1))
		if (a >= installed)
			apsim_mask_clear(&f->apm, (unsigned) a);
}

static bool cfg_equal(const struct cfg *a, const struct cfg *b)
{
	return apsim_mask_equal(&a->apm, &b->apm) && apsim_mask_equal(&a->aqm, &b->aqm) &&
	       apsim_mask_equal(&a->adm, &b->adm);
}

/* --- running a scenario --- */

static FILE *devnull;
static bool verbose;

static void list_of(const struct apsim_mask *m, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (int i = apsim_mask_next(m, 0); i >= 0 && n + 8 < len; i = apsim_mask_next(m, (unsigned) i + 1))
		n += (size_t) snprintf(buf + n, len - n, "%s%d", n ? "," : "", i);
}

static const char *const set_names[] = {"adapter", "domain", "control-domain"};

static void op_line(const struct op *o, char *buf, size_t len)
{
	char ids[800];

	switch (o->kind) {
	case OP_ADD:
	case OP_REMOVE:
		list_of(&o->ids, ids, sizeof(ids));
		snprintf(buf, len, "machine lpar %s %s %s", o->kind == OP_ADD ? "add" : "remove",
			 set_names[o->set], ids);
		break;
	case OP_CHECKSTOP_ON:
	case OP_CHECKSTOP_OFF:
		snprintf(buf, len, "machine card checkstop %d %s", o->id, o->kind == OP_CHECKSTOP_ON ? "on" : "off");
		break;
	default:
		snprintf(buf, len, "machine card config %d off", o->id);
		break;
	}
}

struct track {
	struct apsim_guest *g;
	struct cfg start, lost;
	uint64_t seen, before;
};

static struct track tracks[MAX_GUESTS];
static int n_tracks;

static void look(struct track *t)
{
	struct apsim_mask gone;

	if (t->g->apcb_updates == t->seen)
		return;
	t->seen = t->g->apcb_updates;
	apsim_mask_andnot(&gone, &t->start.apm, &t->g->apm);
	apsim_mask_or(&t->lost.apm, &t->lost.apm, &gone);
	apsim_mask_andnot(&gone, &t->start.aqm, &t->g->aqm);
	apsim_mask_or(&t->lost.aqm, &t->lost.aqm, &gone);
	apsim_mask_andnot(&gone, &t->start.adm, &t->g->adm);
	apsim_mask_or(&t->lost.adm, &t->lost.adm, &gone);
}

static void on_host_event(const struct apsim_uevent *ev, void *ctx)
{
	(void) ev;
	(void) ctx;
	for (int i = 0; i < n_tracks; i++)
		look(&tracks[i]);
}

static void on_guest_event(const struct apsim_uevent *ev, void *ctx)
{
	(void) ev;
	look(ctx);
}

static void apcb_of(const struct apsim_guest *g, struct cfg *c)
{
	c->apm = g->apm;
	c->aqm = g->aqm;
	c->adm = g->adm;
}

static void run(const struct scenario *s, enum apsim_policy p, struct result *res)
{
	struct apsim_sim_options opts = {.machine = "empty", .policy = p};
	int installed = s->na + SPARE + FREE, n_aff = 0;
	unsigned long long sum_aff = 0;
	struct apsim_sim *sim;
	char ids[800], line[1024];
	double t;

	memset(res, 0, sizeof(*res));
	res->minimal = true;
	if (apsim_sim_new(&opts, stderr, &sim) < 0)
		exit(1);
	bench_sh(sim, devnull, "machine notify off");
	bench_sh(sim, devnull, "machine limits 255 255");
	for (int a = 0; a < installed; a++)
		bench_sh(sim, devnull, "machine card add %d CEX8C", a);
	list_of(&s->before.apm, ids, sizeof(ids));
	bench_sh(sim, devnull, "machine lpar add adapter %s", ids);
	list_of(&s->before.aqm, ids, sizeof(ids));
	bench_sh(sim, devnull, "machine lpar add domain %s", ids);
	list_of(&s->before.adm, ids, sizeof(ids));
	bench_sh(sim, devnull, "machine lpar add control-domain %s", ids);
	bench_sh(sim, devnull, "scan");
	bench_sh(sim, devnull, "write bus/ap/apmask -0-255");
	bench_sh(sim, devnull, "sleep 100ms");
	n_tracks = s->guests;
	for (int g = 0; g < s->guests; g++) {
		struct cfg m;
		char uuid[40];
		static const char *const attr[] = {"assign_adapter", "assign_domain", "assign_control_domain"};

		guest_matrix(s, g, &m);
		snprintf(uuid, sizeof(uuid), "00000000-0000-4000-8000-%012d", g);
		bench_sh(sim, devnull, "mdev create %s", uuid);
		for (int k = 0; k < 3; k++) {
			const struct apsim_mask *mk = k == 0 ? &m.apm : k == 1 ? &m.aqm : &m.adm;

			for (int i = apsim_mask_next(mk, 0); i >= 0; i = apsim_mask_next(mk, (unsigned) i + 1))
				bench_sh(sim, devnull, "write devices/vfio_ap/matrix/%s/%s %d", uuid, attr[k], i);
		}
		snprintf(line, sizeof(line), "g%03d", g);
		bench_sh(sim, devnull, "guest start %s %s", line, uuid);
		tracks[g].g = apsim__sim_find_guest(sim, line);
	}
	for (int g = 0; g < s->guests; g++) {
		struct track *tr = &tracks[g];
		struct cfg m, want;

		guest_matrix(s, g, &m);
		filtered(s, &m, &s->before, &want);
		apcb_of(tr->g, &tr->start);
		if (!cfg_equal(&want, &tr->start)) {
			res->model_errors++;
			if (verbose)
				fprintf(stderr, "bench-disruption: scenario %d %s: guest %d's APCB before the change"
				" differs from the model\n", s->index, apsim_policy_name(p), g);
		}
		memset(&tr->lost, 0, sizeof(tr->lost));
		tr->seen = tr->before = tr->g->apcb_updates;
		(void) apsim_uevent_log_add_listener(tr->g->uevents, on_guest_event, tr);
	}
	(void) apsim_uevent_log_add_listener(apsim_sim_get_uevents(sim), on_host_event, NULL);

	t = bench_now_ms();
	for (int i = 0; i < s->n_ops; i++) {
		op_line(&s->ops[i], line, sizeof(line));
		bench_sh(sim, devnull, "%s", line);
	}
	bench_sh(sim, devnull, "scan");
	res->ms = bench_now_ms() - t;

	for (int g = 0; g < s->guests; g++) {
		struct track *tr = &tracks[g];
		struct cfg m, fb, fa, now, kept;
		unsigned long long d;

		look(tr);
		guest_matrix(s, g, &m);
		filtered(s, &m, &s->before, &fb);
		filtered(s, &m, &s->after, &fa);
		d = tr->g->apcb_updates - tr->before;
		res->updates += d;
		if (!cfg_equal(&fb, &fa)) {
			n_aff++;
			sum_aff += d;
			if (d > res->max_affected)
				res->max_affected = d;
			if (d != 1)
				res->minimal = false;
		} else {
			res->untouched += d;
			if (d)
				res->minimal = false;
		}
		apcb_of(tr->g, &now);
		if (!cfg_equal(&fa, &now)) {
			res->mismatches++;
			char w[3][800], h[3][800];

			list_of(&fa.apm, w[0], sizeof(w[0]));
			list_of(&fa.aqm, w[1], sizeof(w[1]));
			list_of(&fa.adm, w[2], sizeof(w[2]));
			list_of(&now.apm, h[0], sizeof(h[0]));
			list_of(&now.aqm, h[1], sizeof(h[1]));
			list_of(&now.adm, h[2], sizeof(h[2]));
			if (verbose)
				fprintf(stderr, "bench-disruption: scenario %d %s: guest %d's APCB after the"
					" change is apm %s aqm %s adm %s, the model's apm %s aqm %s adm %s\n",
					s->index, apsim_policy_name(p), g, h[0], h[1], h[2], w[0], w[1], w[2]);
		}
		apsim_mask_and(&kept.apm, &tr->lost.apm, &now.apm);
		apsim_mask_and(&kept.aqm, &tr->lost.aqm, &now.aqm);
		apsim_mask_and(&kept.adm, &tr->lost.adm, &now.adm);
		if (!apsim_mask_empty(&kept.apm) || !apsim_mask_empty(&kept.aqm) || !apsim_mask_empty(&kept.adm))
			res->temp_lost++;
	}
	if (res->mismatches)
		res->minimal = false; /* the count is right only if the guests end where they should */
	res->affected = n_aff;
	res->mean_affected = n_aff ? (double) sum_aff / n_aff : 0;
	apsim_sim_free(sim);
}

static void describe(const struct scenario *s, char *buf, size_t len)
{
	size_t n = (size_t) snprintf(buf, len, "#%d %d guest%s (%s), %s:", s->index, s->guests,
				     s->guests == 1 ? "" : "s", s->l->name, kind_names[s->kind]);
	char line[1024];

	for (int i = 0; i < s->n_ops && n < len; i++) {
		op_line(&s->ops[i], line, sizeof(line));
		n += (size_t) snprintf(buf + n, len - n, " %s;", line);
	}
	if (n < len)
		snprintf(buf + n, len - n, " scan");
}

static void json_str(FILE *f, const char *str)
{
	fputc('"', f);
	for (; *str; str++) {
		if (*str == '"' || *str == '\\')
			fputc('\\', f);
		fputc(*str, f);
	}
	fputc('"', f);
}

struct sum {
	int scenarios, minimal, temp_scenarios, temp_lost, mismatches, model_errors;
	unsigned long long updates, untouched, max_affected, minimum;
	double ms;
};

static void add_sum(struct sum *t, const struct result *r)
{
	t->scenarios++;
	t->minimal += r->minimal;
	t->temp_scenarios += r->temp_lost > 0;
	t->temp_lost += r->temp_lost;
	t->mismatches += r->mismatches;
	t->model_errors += r->model_errors;
	t->updates += r->updates;
	t->untouched += r->untouched;
	t->minimum += (unsigned long long) r->affected;
	if (r->max_affected > t->max_affected)
		t->max_affected = r->max_affected;
	t->ms += r->ms;
}

static void json_sum(FILE *f, const struct sum *t)
{
	fprintf(f, "\"scenarios\": %d, \"equal_minimum\": %d, \"apcb_updates\": %llu, \"minimum\": %llu, "
		"\"max_per_affected_guest\": %llu, \"untouched_guest_updates\": %llu, "
		"\"guests_temporarily_losing\": %d, \"scenarios_with_temporary_loss\": %d, "
		"\"guests_off_target\": %d, \"model_errors\": %d, \"scan_ms_total\": %.3f",
		t->scenarios, t->minimal, t->updates, t->minimum, t->max_affected, t->untouched,
		t->temp_lost, t->temp_scenarios, t->mismatches, t->model_errors, t->ms);
}

static struct scenario corpus[N_SCENARIOS];
static struct result results[N_SCENARIOS][_APSIM_POLICY_MAX];
/* policies in table order */
static const enum apsim_policy order[] = {APSIM_POLICY_LEGACY, APSIM_POLICY_KERNEL, APSIM_POLICY_COALESCED};

static void write_json(const char *path, uint64_t seed, int only, const struct sum *tot,
		       struct sum by_g[N_GROUPS][_APSIM_POLICY_MAX])
{
	FILE *f = fopen(path, "w");
	char line[1024];

	if (!f) {
		perror(path);
		exit(1);
	}
	fprintf(f, "{\"corpus_version\": %d, \"seed\": %llu, \"summary\": {", CORPUS_VERSION,
		(unsigned long long) seed);
	for (int k = 0; k < 3; k++) {
		fprintf(f, "%s\"%s\": {", k ? ", " : "", apsim_policy_name(order[k]));
		json_sum(f, &tot[order[k]]);
		fprintf(f, "}");
	}
	fprintf(f, "}, \"by_guests\": [");
	for (int g = 0, first = 1; g < N_GROUPS; g++) {
		if (!by_g[g][APSIM_POLICY_LEGACY].scenarios)
			continue;
		fprintf(f, "%s{\"guests\": %d", first ? "" : ", ", groups[g].guests);
		first = 0;
		for (int k = 0; k < 3; k++) {
			fprintf(f, ", \"%s\": {", apsim_policy_name(order[k]));
			json_sum(f, &by_g[g][order[k]]);
			fprintf(f, "}");
		}
		fprintf(f, "}");
	}
	fprintf(f, "], \"runs\": [");
	for (int i = 0, first = 1; i < N_SCENARIOS; i++) {
		if (only >= 0 && i != only)
			continue;
		fprintf(f, "%s\n{\"index\": %d, \"guests\": %d, \"layout\": ", first ? "" : ",", i,
			corpus[i].guests);
		first = 0;
		json_str(f, corpus[i].l->name);
		fprintf(f, ", \"kind\": \"%s\", \"commands\": [", kind_names[corpus[i].kind]);
		for (int o = 0; o < corpus[i].n_ops; o++) {
			op_line(&corpus[i].ops[o], line, sizeof(line));
			fprintf(f, "%s", o ? ", " : "");
			json_str(f, line);
		}
		fprintf(f, "%s\"scan\"], \"minimum\": %d", corpus[i].n_ops ? ", " : "",
			results[i][APSIM_POLICY_LEGACY].affected);
		for (int k = 0; k < 3; k++) {
			const struct result *r = &results[i][order[k]];

			fprintf(f, ", \"%s\": {\"apcb_updates\": %llu, \"max_per_affected_guest\": %llu, "
				"\"mean_per_affected_guest\": %.3f, \"untouched_guest_updates\": %llu, "
				"\"guests_temporarily_losing\": %d, \"equal_minimum\": %s, "
				"\"guests_off_target\": %d, \"scan_ms\": %.3f}",
				apsim_policy_name(order[k]), r->updates, r->max_affected, r->mean_affected,
				r->untouched, r->temp_lost, r->minimal ? "true" : "false", r->mismatches, r->ms);
		}
		fprintf(f, "}");
	}
	fprintf(f, "\n]}\n");
	fclose(f);
}

static void write_dat(const char *path, struct sum by_g[N_GROUPS][_APSIM_POLICY_MAX])
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(1);
	}
	fprintf(f, "# guests minimum legacy kernel coalesced (APCB updates summed over the group's"
		" scenarios) legacy_max kernel_max coalesced_max scenarios\n");
	for (int g = 0; g < N_GROUPS; g++) {
		const struct sum *t = by_g[g];

		if (!t[APSIM_POLICY_LEGACY].scenarios)
			continue;
		fprintf(f, "%d %llu %llu %llu %llu %llu %llu %llu %d\n", groups[g].guests,
			t[APSIM_POLICY_LEGACY].minimum, t[APSIM_POLICY_LEGACY].updates,
			t[APSIM_POLICY_KERNEL].updates, t[APSIM_POLICY_COALESCED].updates,
			t[APSIM_POLICY_LEGACY].max_affected, t[APSIM_POLICY_KERNEL].max_affected,
			t[APSIM_POLICY_COALESCED].max_affected, t[APSIM_POLICY_LEGACY].scenarios);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	uint64_t seed = DEFAULT_SEED;
	int only = -1, misses = 0;
	bool list = false, per_scenario = false;
	const char *json_path = NULL, *dat_path = NULL;
	static struct sum tot[_APSIM_POLICY_MAX], by_g[N_GROUPS][_APSIM_POLICY_MAX];
	char desc[4096];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--verbose"))
			verbose = true;
		else if (!strcmp(argv[i], "--list"))
			list = true;
		else if (!strcmp(argv[i], "--scenarios"))
			per_scenario = true;
		else if (!strcmp(argv[i], "--json") && i + 1 < argc)
			json_path = argv[++i];
		else if (!strcmp(argv[i], "--dat") && i + 1 < argc)
			dat_path = argv[++i];
		else {
			fprintf(stderr, "usage: bench-disruption [--seed N] [--only INDEX] [--list] [--scenarios] [--verbose]"
				" [--json FILE] [--dat FILE]\n");
			return 2;
		}
	}
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		return 1;
	for (int i = 0; i < N_SCENARIOS; i++)
		generate(seed, i, &corpus[i]);
	if (list) {
		for (int i = 0; i < N_SCENARIOS; i++) {
			describe(&corpus[i], desc, sizeof(desc));
			printf("%s\n", desc);
		}
		return 0;
	}
	printf("corpus version %d, seed %llu, %d scenario%s (1, 16 and 256 guests) x 3 policies\n",
	       CORPUS_VERSION, (unsigned long long) seed, only >= 0 ? 1 : N_SCENARIOS, only >= 0 ? "" : "s");
	if (per_scenario)
		printf("%-5s %-6s %-22s %4s %-10s %8s %8s %6s %9s %5s %9s\n", "#", "guests", "kind", "min",
		       "policy", "updates", "max/aff", "mean", "untouched", "temp", "ms");
	for (int i = 0; i < N_SCENARIOS; i++) {
		if (only >= 0 && i != only)
			continue;
		for (int k = 0; k < 3; k++) {
			enum apsim_policy p = order[k];
			struct result *r = &results[i][p];

			run(&corpus[i], p, r);
			add_sum(&tot[p], r);
			add_sum(&by_g[i % N_GROUPS][p], r);
			if (per_scenario)
				printf("%-5d %-6d %-22s %4d %-10s %8llu %8llu %6.2f %9llu %5d %9.3f%s\n", i,
				       corpus[i].guests, kind_names[corpus[i].kind], r->affected,
				       apsim_policy_name(p), r->updates, r->max_affected, r->mean_affected,
				       r->untouched, r->temp_lost, r->ms, r->minimal ? " =min" : "");
		}
	}

	printf("\n| policy | at the minimum | APCB updates (minimum) | most for one affected guest"
	       " | to untouched guests | guests losing what they keep (scenarios)"
	       " | guests off target at the end | change + scan, sum |\n|---|---|---|---|---|---|---|---|\n");
	for (int k = 0; k < 3; k++) {
		const struct sum *t = &tot[order[k]];

		printf("| %s | %d / %d | %llu (%llu) | %llu | %llu | %d (%d) | %d | %.1f ms |\n",
		       apsim_policy_name(order[k]), t->minimal, t->scenarios, t->updates, t->minimum,
		       t->max_affected, t->untouched, t->temp_lost, t->temp_scenarios, t->mismatches, t->ms);
	}
	printf("\n| guests | scenarios | minimum | legacy | kernel | coalesced | most for one affected guest"
	       " (legacy / kernel / coalesced) |\n|---|---|---|---|---|---|---|\n");
	for (int g = 0; g < N_GROUPS; g++) {
		const struct sum *t = by_g[g];

		if (!t[APSIM_POLICY_LEGACY].scenarios)
			continue;
		printf("| %d | %d | %llu | %llu | %llu | %llu | %llu / %llu / %llu |\n", groups[g].guests,
		       t[APSIM_POLICY_LEGACY].scenarios, t[APSIM_POLICY_LEGACY].minimum,
		       t[APSIM_POLICY_LEGACY].updates, t[APSIM_POLICY_KERNEL].updates,
		       t[APSIM_POLICY_COALESCED].updates, t[APSIM_POLICY_LEGACY].max_affected,
		       t[APSIM_POLICY_KERNEL].max_affected, t[APSIM_POLICY_COALESCED].max_affected);
	}

	/* the goals of issue 10 section 2 */
	printf("\n");
	for (int i = 0; i < N_SCENARIOS; i++) {
		const struct result *c = &results[i][APSIM_POLICY_COALESCED], *kr = &results[i][APSIM_POLICY_KERNEL],
				    *l = &results[i][APSIM_POLICY_LEGACY];

		if (only >= 0 && i != only)
			continue;
		if (c->minimal && kr->max_affected <= 2 && !c->mismatches && !kr->mismatches &&
		    !c->model_errors && !kr->model_errors && !l->model_errors)
			continue;
		misses++;
		describe(&corpus[i], desc, sizeof(desc));
		printf("goal missed: %s\n  minimum %d; coalesced %llu updates (max %llu, untouched %llu);"
		       " kernel max %llu per affected guest; off target kernel %d coalesced %d;"
		       " model errors %d\n",
		       desc, c->affected, c->updates, c->max_affected, c->untouched, kr->max_affected,
		       kr->mismatches, c->mismatches, l->model_errors + kr->model_errors + c->model_errors);
	}
	if (!misses)
		printf("goals: coalesced at the minimum in every scenario, kernel <= 2 updates per affected"
		       " guest, kernel and coalesced end at the model's APCB, the model agrees with every APCB"
		       " before the change\n");
	if (json_path)
		write_json(json_path, seed, only, tot, by_g);
	if (dat_path)
		write_dat(dat_path, by_g);
	fclose(devnull);
	return misses ? 3 : 0;
}
