/* SPDX-License-Identifier: MIT */
/*
 * asan-internal.h - the pools (base/chunk.c, the tree's and the bus's free lists) poison the
 * memory they do not hand out, so that AddressSanitizer catches a use after free inside a
 * pool too. Without AddressSanitizer the macros compile to nothing.
 */
#ifndef APSIM_ASAN_INTERNAL_H
#define APSIM_ASAN_INTERNAL_H

#if defined(__SANITIZE_ADDRESS__)
#define APSIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define APSIM_ASAN 1
#endif
#endif

#ifdef APSIM_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/lsan_interface.h>
#define POISON(p, n)	    ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n)	    ASAN_UNPOISON_MEMORY_REGION((p), (n))
/* LeakSanitizer does not scan mappings of its own accord: what the pools point to is live */
#define REGISTER_ROOT(p, n) __lsan_register_root_region((p), (n))
#else
#define POISON(p, n)	    ((void) (p), (void) (n))
#define UNPOISON(p, n)	    ((void) (p), (void) (n))
#define REGISTER_ROOT(p, n) ((void) (p), (void) (n))
#endif

#endif
