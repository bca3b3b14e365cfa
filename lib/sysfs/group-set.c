/* SPDX-License-Identifier: MIT */
/*
 * group-set.c - the interned group sets of a tree (tree-internal.h): a directory's attached
 * attribute tables are one immutable, reference-counted set, shared by all the directories
 * with the same tables at the same bases with the same objects. Attaching or detaching a
 * table swaps a directory's set for another one, found in (or added to) the tree's hash
 * table. A queue directory then costs one set pointer and one object pointer instead of a
 * 32-byte group per table. Calls nothing else.
 */
#include <stdlib.h>
#include <string.h>

#include "sysfs/tree-internal.h"

char apsim__group_dir_obj;

#define MIN_BUCKETS 64u

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + UINT64_C(0x9E3779B97F4A7C15) + (h << 6) + (h >> 2);
	h ^= h >> 33;
	h *= UINT64_C(0xFF51AFD7ED558CCD);
	return h ^ (h >> 33);
}

static uint64_t hash_group(uint64_t h, const struct group *g)
{
	h = mix(h, (uint64_t) (uintptr_t) g->attrs);
	h = mix(h, (uint64_t) (uintptr_t) g->obj);
	return mix(h, g->base);
}

static bool group_eq(const struct group *a, const struct group *b)
{
	return a->attrs == b->attrs && a->obj == b->obj && a->base == b->base;
}

/* The groups a new set would hold: old's without skip (or all, skip == old->n), then add. */
struct candidate {
	const struct group_set *old;
	unsigned skip;
	const struct group *add;
	unsigned n;
	uint64_t hash;
};

static const struct group *cand_at(const struct candidate *c, unsigned i)
{
	unsigned n_old = c->old ? c->old->n : 0;

	if (c->old && c->skip < n_old && i >= c->skip)
		i++;
	return i < n_old ? &c->old->g[i] : c->add;
}

static void cand_hash(struct candidate *c)
{
	uint64_t h = 0;

	for (unsigned i = 0; i < c->n; i++)
		h = hash_group(h, cand_at(c, i));
	c->hash = h;
}

static bool cand_eq(const struct candidate *c, const struct group_set *gs)
{
	if (gs->hash != c->hash || gs->n != c->n)
		return false;
	for (unsigned i = 0; i < c->n; i++)
		if (!group_eq(&gs->g[i], cand_at(c, i)))
			return false;
	return true;
}

static int table_grow(struct gset_table *tb)
{
	size_t n_buckets = tb->n_buckets ? tb->n_buckets * 2 : MIN_BUCKETS;
	struct group_set **nb = calloc(n_buckets, sizeof(*nb));

	if (!nb)
		return -1;
	for (size_t i = 0; i < tb->n_buckets; i++) {
		struct group_set *gs, *next;

		for (gs = tb->buckets[i]; gs; gs = next) {
			size_t j = gs->hash & (n_buckets - 1);

			next = gs->hnext;
			gs->hnext = nb[j];
			nb[j] = gs;
		}
	}
	free(tb->buckets);
	tb->buckets = nb;
	tb->n_buckets = n_buckets;
	return 0;
}

static size_t gset_size(unsigned n)
{
	return sizeof(struct group_set) + n * sizeof(struct group);
}

/* Makes sure the spare set holds n groups; -1 when out of memory. */
static int spare_reserve(struct gset_table *tb, unsigned n)
{
	struct group_set *gs;

	if (tb->spare && tb->spare_n >= n)
		return 0;
	gs = malloc(gset_size(n));
	if (!gs)
		return -1;
	free(tb->spare);
	tb->spare = gs;
	tb->spare_n = n;
	return 0;
}

/* The interned set of the candidate's groups, one more reference; NULL when out of memory.
 * With use_spare, the spare set stands in for a failed malloc. */
static const struct group_set *intern(struct apsim_tree *t, struct candidate *c, bool use_spare)
{
	struct gset_table *tb = &t->gsets;
	struct group_set *gs;
	size_t b;

	cand_hash(c);
	if (tb->n_buckets) {
		for (gs = tb->buckets[c->hash & (tb->n_buckets - 1)]; gs; gs = gs->hnext) {
			if (cand_eq(c, gs)) {
				gs->refs++;
				return gs;
			}
		}
	}
	if (tb->n >= tb->n_buckets && table_grow(tb) < 0 && !tb->n_buckets)
		return NULL;
	gs = malloc(gset_size(c->n));
	if (!gs && use_spare && tb->spare && tb->spare_n >= c->n) {
		unsigned n = tb->spare_n;

		gs = tb->spare;
		tb->spare = NULL;
		(void) spare_reserve(tb, n); /* best effort: the next detach needs it */
	}
	if (!gs)
		return NULL;
	gs->hash = c->hash;
	gs->refs = 1;
	gs->n = c->n;
	for (unsigned i = 0; i < c->n; i++)
		gs->g[i] = *cand_at(c, i);
	b = gs->hash & (tb->n_buckets - 1);
	gs->hnext = tb->buckets[b];
	tb->buckets[b] = gs;
	tb->n++;
	return gs;
}

const struct group_set *apsim__gset_with(struct apsim_tree *t, const struct group_set *old,
					 const struct group *add)
{
	struct candidate c = {
		.old = old,
		.skip = old ? old->n : 0,
		.add = add,
		.n = (old ? old->n : 0) + 1,
	};

	/* a set this big will have one table detached later: reserve room for that now */
	if (spare_reserve(&t->gsets, c.n) < 0)
		return NULL;
	return intern(t, &c, false);
}

const struct group_set *apsim__gset_without(struct apsim_tree *t, const struct group_set *old,
					    unsigned idx, bool *ret_oom)
{
	struct candidate c = { .old = old, .skip = idx, .n = old->n - 1 };
	const struct group_set *gs;

	*ret_oom = false;
	if (c.n == 0)
		return NULL;
	gs = intern(t, &c, true);
	*ret_oom = !gs;
	return gs;
}

void apsim__gset_put(struct apsim_tree *t, const struct group_set *cgs)
{
	struct gset_table *tb = &t->gsets;
	struct group_set **pp;

	if (!cgs || --((struct group_set *) cgs)->refs > 0)
		return;
	for (pp = &tb->buckets[cgs->hash & (tb->n_buckets - 1)]; *pp; pp = &(*pp)->hnext) {
		if (*pp == cgs) {
			*pp = cgs->hnext;
			tb->n--;
			break;
		}
	}
	free((struct group_set *) cgs);
}

void apsim__gset_table_free(struct apsim_tree *t)
{
	free(t->gsets.buckets);
	free(t->gsets.spare);
	memset(&t->gsets, 0, sizeof(t->gsets));
}
