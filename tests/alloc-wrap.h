/* SPDX-License-Identifier: MIT */
/*
 * alloc-wrap.h - the allocator wrappers shared by the allocation failure tests
 * (tests/unit/test-alloc-fail.c, tests/t/alloc-fail.c): each binary is linked with
 * -Wl,--wrap=malloc,calloc,realloc,strdup,strndup,open_memstream and includes this header
 * once, after defining should_fail(), which says (and counts) whether this allocation fails.
 * A failed allocation returns NULL with errno ENOMEM, set by should_fail().
 */
#ifndef APSIM_TESTS_ALLOC_WRAP_H
#define APSIM_TESTS_ALLOC_WRAP_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
FILE *__real_open_memstream(char **buf, size_t *len);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
FILE *__wrap_open_memstream(char **buf, size_t *len);

static bool should_fail(void);

void *__wrap_malloc(size_t n)
{
	return should_fail() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n)
{
	return should_fail() ? NULL : __real_calloc(k, n);
}

void *__wrap_realloc(void *p, size_t n)
{
	return should_fail() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return should_fail() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return should_fail() ? NULL : __real_strndup(s, n);
}

FILE *__wrap_open_memstream(char **buf, size_t *len)
{
	return should_fail() ? NULL : __real_open_memstream(buf, len);
}

#endif
