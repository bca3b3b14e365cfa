/* SPDX-License-Identifier: MIT */
/*
 * alloc-fail.c - the allocation hook of the test-only daemon apsimd-alloc-fail (test t0325):
 * linked into it with -Wl,--wrap for malloc, calloc, realloc, strdup, strndup and
 * open_memstream, so that every call the daemon's and the library's objects make comes
 * here. Nothing fails until the daemon gets SIGUSR2: the k-th SIGUSR2 makes the k-th
 * allocation after it fail (ENOMEM), once. Not built into apsimd, not installed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static unsigned long signals; /* SIGUSR2s so far */
static unsigned long fail_at; /* 0: disarmed; else the allocation after arming to fail */
static unsigned long nalloc;  /* allocations since arming */

static int should_fail(void)
{
	unsigned long at = __atomic_load_n(&fail_at, __ATOMIC_ACQUIRE);

	if (!at || __atomic_add_fetch(&nalloc, 1, __ATOMIC_ACQ_REL) != at)
		return 0;
	__atomic_store_n(&fail_at, 0, __ATOMIC_RELEASE);
	errno = ENOMEM;
	return 1;
}

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

static void on_sigusr2(int sig)
{
	(void) sig;
	__atomic_store_n(&nalloc, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&fail_at, ++signals, __ATOMIC_RELEASE);
}

__attribute__((constructor)) static void alloc_fail_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr2;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	(void) sigaction(SIGUSR2, &sa, NULL);
}
