/* SPDX-License-Identifier: MIT */
/* The library logs at debug level only, through a replaceable sink (style 4.9). */
#ifndef APSIM_LOG_H
#define APSIM_LOG_H

#include <stdarg.h>

#include "apsim/export.h"

enum apsim_log_level { APSIM_LOG_ERR = 3, APSIM_LOG_WARNING = 4, APSIM_LOG_INFO = 6, APSIM_LOG_DEBUG = 7 };
typedef void (*apsim_log_fn)(enum apsim_log_level level, const char *fmt, va_list ap);

APSIM_EXPORT void apsim_set_log_fn(apsim_log_fn fn); /* NULL restores the stderr default */
APSIM_EXPORT void apsim_set_log_level(enum apsim_log_level level);
APSIM_EXPORT enum apsim_log_level apsim_get_log_level(void);
APSIM_EXPORT void apsim_log(enum apsim_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
