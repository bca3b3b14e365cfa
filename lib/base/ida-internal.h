/* SPDX-License-Identifier: MIT */
/*
 * An id allocator that hands out the lowest free id, as the kernel's ida_alloc() does (iommu
 * group numbers, vfio group minors, vfio device indexes).
 */
#ifndef APSIM_IDA_INTERNAL_H
#define APSIM_IDA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

struct apsim_ida {
	uint64_t *words; /* bit i set: id i in use */
	size_t nwords;
	size_t first_free_word; /* no free id below 64 * first_free_word */
};

/* The lowest free id (>= 0), or -ENOMEM. */
int apsim__ida_alloc(struct apsim_ida *ida);
/* Releases id; an id not allocated is ignored. */
void apsim__ida_free(struct apsim_ida *ida, int id);
void apsim__ida_destroy(struct apsim_ida *ida);

#endif
