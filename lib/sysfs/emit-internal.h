/* SPDX-License-Identifier: MIT */
/* emit-internal.h - sysfs_emit() for the show callbacks of every layer above lib/sysfs. */
#ifndef APSIM_SYSFS_EMIT_INTERNAL_H
#define APSIM_SYSFS_EMIT_INTERNAL_H

#include <sys/types.h>

/* printf into a show buffer of len bytes: the length written, cut to len - 1 as sysfs_emit()
 * cuts at a page; -EIO on an encoding error */
ssize_t apsim__sysfs_emit(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
