/* SPDX-License-Identifier: MIT */
/*
 * alloc-fail.c - the allocation hook of the test-only daemon apsimd-alloc-fail (test t0325):
 * linked into it with -Wl,--wrap for malloc, calloc, realloc, strdup, strndup and
 * open_memstream, so that every call the daemon's and the library's objects make goes
 * through ../alloc-wrap.h. Nothing fails until the daemon gets SIGUSR2: the k-th SIGUSR2
 * makes the k-th allocation after it fail (ENOMEM), once. Not built into apsimd, not installed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long signals; /* SIGUSR2s so far */
static unsigned long fail_at; /* 0: disarmed; else the allocation after arming to fail */
static unsigned long nalloc;  /* allocations since arming */

static bool should_fail(void)
{
	unsigned long at = __atomic_load_n(&fail_at, __ATOMIC_ACQUIRE);

	if (!at || __atomic_add_fetch(&nalloc, 1, __ATOMIC_ACQ_REL) != at)
		return false;
	__atomic_store_n(&fail_at, 0, __ATOMIC_RELEASE);
	errno = ENOMEM;
	return true;
}

#include "../alloc-wrap.h"

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
