/* SPDX-License-Identifier: MIT */
#ifndef APSIM_MACRO_INTERNAL_H
#define APSIM_MACRO_INTERNAL_H

#include <stddef.h>

#include "apsim/log.h"

#define container_of(ptr, type, member) ((type *) (void *) ((char *) (ptr) - offsetof(type, member)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* style 4.5: public entry points validate their arguments */
#define APSIM_CHECK_ARG(expr)           \
	do {                            \
		if (!(expr))            \
			return -EINVAL; \
	} while (0)

/* style 4.9: check the level before evaluating the arguments; the library logs at debug */
#define apsim_dbg(...)                                           \
	do {                                                     \
		if (apsim_get_log_level() >= APSIM_LOG_DEBUG)    \
			apsim_log(APSIM_LOG_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
