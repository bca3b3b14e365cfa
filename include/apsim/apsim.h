/* SPDX-License-Identifier: MIT */
#ifndef APSIM_H
#define APSIM_H

#include "apsim/bus.h"
#include "apsim/clock.h"
#include "apsim/log.h"
#include "apsim/machine.h"
#include "apsim/mask.h"
#include "apsim/script.h"
#include "apsim/sim.h"
#include "apsim/sysfs.h"
#include "apsim/uevent.h"

#endif
