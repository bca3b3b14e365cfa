/* SPDX-License-Identifier: MIT */
/*
 * chunk-internal.h - fixed-size memory chunks for the library's pools (tree nodes, queue
 * objects, uevent records), carved from 2 MiB blocks that ask for transparent huge pages
 * (lib/base/chunk.c).
 */
#ifndef APSIM_CHUNK_INTERNAL_H
#define APSIM_CHUNK_INTERNAL_H

#include <stddef.h>

/* Every chunk has this size and is aligned to it. */
#define APSIM_CHUNK_SIZE (64u * 1024u)

/* A chunk of APSIM_CHUNK_SIZE bytes (contents undefined), or NULL when out of memory. */
void *apsim__chunk_alloc(void);
/* Gives a chunk back for the next apsim__chunk_alloc(); NULL is ignored. */
void apsim__chunk_free(void *chunk);

#endif
