/* SPDX-License-Identifier: MIT */
/*
 * chunk.c - the memory of the library's pools: 64 KiB chunks carved in order from 2 MiB
 * blocks, each block mapped aligned to 2 MiB with MADV_HUGEPAGE, so that the kernel backs it
 * with one transparent huge page (THP in 'madvise' mode) and a full machine's scan takes a
 * page fault per 2 MiB instead of one per 4 KiB (about 9 us each). Freed chunks go on a free
 * list and are handed out again first; blocks are never unmapped. Without THP the blocks are
 * plain anonymous memory: only the pages touched count.
 *
 * One allocator per process, behind a mutex: pools of several simulators may live in
 * several threads. Under AddressSanitizer chunks that are not handed out are poisoned.
 */
#define _DEFAULT_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>

#include "base/chunk-internal.h"
#include "base/asan-internal.h"

#define BLOCK_SIZE (2u * 1024u * 1024u)

struct free_chunk {
	struct free_chunk *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct free_chunk *free_list;
static char *block_cur; /* the next chunk of the newest block */
static size_t block_left;

/* A new block of BLOCK_SIZE bytes aligned to BLOCK_SIZE, or NULL. */
static char *block_map(void)
{
	size_t len = 2 * BLOCK_SIZE;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t start, end;

	if (p == MAP_FAILED)
		return NULL;
	/* keep the aligned BLOCK_SIZE in the middle, give back the rest */
	start = ((uintptr_t) p + BLOCK_SIZE - 1) & ~(uintptr_t) (BLOCK_SIZE - 1);
	end = start + BLOCK_SIZE;
	if (start > (uintptr_t) p)
		munmap(p, start - (uintptr_t) p);
	if ((uintptr_t) p + len > end)
		munmap((void *) end, (uintptr_t) p + len - end);
#ifdef MADV_HUGEPAGE
	(void) madvise((void *) start, BLOCK_SIZE, MADV_HUGEPAGE);
#endif
	REGISTER_ROOT((void *) start, BLOCK_SIZE);
	POISON((void *) start, BLOCK_SIZE);
	return (char *) start;
}

void *apsim__chunk_alloc(void)
{
	void *c = NULL;

	pthread_mutex_lock(&lock);
	if (free_list) {
		c = free_list;
		UNPOISON(c, sizeof(struct free_chunk));
		free_list = free_list->next;
		POISON(c, sizeof(struct free_chunk));
	} else {
		if (block_left == 0) {
			block_cur = block_map();
			block_left = block_cur ? BLOCK_SIZE : 0;
		}
		if (block_left) {
			c = block_cur;
			block_cur += APSIM_CHUNK_SIZE;
			block_left -= APSIM_CHUNK_SIZE;
		}
	}
	pthread_mutex_unlock(&lock);
	if (c)
		UNPOISON(c, APSIM_CHUNK_SIZE);
	return c;
}

void apsim__chunk_free(void *chunk)
{
	struct free_chunk *f = chunk;

	if (!f)
		return;
	POISON(f, APSIM_CHUNK_SIZE);
	pthread_mutex_lock(&lock);
	UNPOISON(f, sizeof(*f));
	f->next = free_list;
	POISON(f, sizeof(*f));
	free_list = f;
	pthread_mutex_unlock(&lock);
}
