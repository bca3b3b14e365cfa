/* SPDX-License-Identifier: MIT */
/*
 * zcrypt multiple device nodes (spec 4.4, clients.md 3.5; kernel zcrypt_api.c, the zcdn_*
 * code): the class "zcrypt" with its write-only 'create' and 'destroy' files, and one
 * character device per node with its own ioctl, adapter, usage-domain and control-domain
 * masks (all zero when created).
 *
 *   class/zcrypt/{create,destroy}
 *   class/zcrypt/NAME -> ../../devices/virtual/zcrypt/NAME
 *   devices/virtual/zcrypt/NAME/{subsystem@,uevent,ioctlmask,apmask,aqmask,admask,dev}
 *   class/misc/z90crypt -> ../../devices/virtual/misc/z90crypt   (dev 10:256, always there)
 *
 * devices/virtual/zcrypt is the driver core's "glue" directory: it exists while a node does.
 */
#ifndef APSIM_ZCDN_INTERNAL_H
#define APSIM_ZCDN_INTERNAL_H

#include "apsim/clock.h"
#include "apsim/mask.h"
#include "apsim/sysfs.h"
#include "apsim/uevent.h"

/* The major alloc_chrdev_region() hands out is dynamic; 243 is what s390 systems show. */
#define APSIM_ZCDN_MAJOR 243
/* ZCRYPT_MAX_MINOR_NODES: minors 0..255 (the region starts at minor 0). */
#define APSIM_ZCDN_MAX_NODES 256
/* ZCDN_MAX_NAME: the name buffer of create/destroy; longer names are cut to 31 bytes. */
#define APSIM_ZCDN_MAX_NAME 32

struct apsim_zcdn;

/* struct ap_perms of one node. */
struct apsim_zcdn_perms {
	struct apsim_mask ioctlm, apm, aqm, adm;
};

/*
 * zcdn_init() and misc_register(z90crypt): creates class/zcrypt with create/destroy (and
 * devices/virtual) and the z90crypt misc device. log and clock may be NULL (no uevents /
 * time 0).
 */
int apsim__zcdn_new(struct apsim_tree *t, struct apsim_uevent_log *log, struct apsim_clock *clock,
		    struct apsim_zcdn **ret);
/* Removes the class and every node, without uevents (teardown). NULL-safe. */
void apsim__zcdn_free(struct apsim_zcdn *z);

/*
 * zcdn_create(name): name as the create store passes it (already trimmed); "" picks
 * "zcrypt_<minor>". The lowest free minor is used. -EEXIST (name taken, or the device name
 * clashes in sysfs), -ENOSPC (256 nodes), -EINVAL (a name sysfs cannot hold: "." / "..").
 * *ret_minor (may be NULL) on success.
 */
int apsim__zcdn_create(struct apsim_zcdn *z, const char *name, unsigned *ret_minor);
/* zcdn_destroy(name): -ENOENT if no node has exactly that name. Sends the remove uevent. */
int apsim__zcdn_destroy(struct apsim_zcdn *z, const char *name);
/* Number of nodes. */
unsigned apsim__zcdn_count(const struct apsim_zcdn *z);
/* The node's masks by name: -ENOENT. */
int apsim__zcdn_get_perms(const struct apsim_zcdn *z, const char *name,
			  struct apsim_zcdn_perms *ret);

#endif
