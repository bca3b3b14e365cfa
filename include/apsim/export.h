/* SPDX-License-Identifier: MIT */
#ifndef APSIM_EXPORT_H
#define APSIM_EXPORT_H

/* Library symbols are hidden unless marked (style 4.15). */
#define APSIM_EXPORT __attribute__((visibility("default")))

#endif
