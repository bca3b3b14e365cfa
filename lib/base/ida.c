/* SPDX-License-Identifier: MIT */
/*
 * ida.c - lowest-free id allocation (the kernel's ida_alloc/ida_free semantics), a bitmap
 * that grows by doubling, with a hint so that allocating n ids in a row costs O(n).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/ida-internal.h"

static int grow(struct apsim_ida *ida)
{
	size_t n = ida->nwords ? ida->nwords * 2 : 4;
	uint64_t *w = realloc(ida->words, n * sizeof(*w));

	if (!w)
		return -ENOMEM;
	memset(w + ida->nwords, 0, (n - ida->nwords) * sizeof(*w));
	ida->words = w;
	ida->nwords = n;
	return 0;
}

int apsim__ida_alloc(struct apsim_ida *ida)
{
	size_t i = ida->first_free_word;

	while (i < ida->nwords && ida->words[i] == UINT64_MAX)
		i++;
	if (i == ida->nwords) {
		int r = grow(ida);

		if (r < 0)
			return r;
	}
	ida->first_free_word = i;
	for (unsigned b = 0; b < 64; b++) {
		if (!(ida->words[i] & (UINT64_C(1) << b))) {
			ida->words[i] |= UINT64_C(1) << b;
			return (int) (i * 64 + b);
		}
	}
	return -ENOMEM; /* not reached: word i has a clear bit */
}

void apsim__ida_free(struct apsim_ida *ida, int id)
{
	size_t i;

	if (id < 0)
		return;
	i = (size_t) id / 64;
	if (i >= ida->nwords)
		return;
	ida->words[i] &= ~(UINT64_C(1) << (id % 64));
	if (i < ida->first_free_word)
		ida->first_free_word = i;
}

void apsim__ida_destroy(struct apsim_ida *ida)
{
	free(ida->words);
	memset(ida, 0, sizeof(*ida));
}
