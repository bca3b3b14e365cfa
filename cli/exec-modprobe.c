/* SPDX-License-Identifier: MIT */
/*
 * exec-modprobe.c - the modprobe of `apsim exec` (docs/daemon.md "apsim exec"): a POSIX sh
 * script that answers as kmod's modprobe would on the simulated system, found both through
 * PATH (/usr/local/sbin) and at the absolute paths tools use (/usr/sbin/modprobe,
 * /sbin/modprobe).
 *
 * Behaviour: a module of the simulated system (ap, zcrypt, zcrypt_cex4, vfio_ap, vfio,
 * vfio_iommu_type1, mdev, kvm; '-' read as '_') is loaded: exit 0, no output. -r on one of
 * them: "modprobe: FATAL: Module NAME is in use." and exit 1. Any other module:
 * "modprobe: FATAL: Module NAME not found in directory /lib/modules/RELEASE" (with -r
 * "modprobe: FATAL: Module NAME not found."), exit 1. -q
 * keeps the messages back; -a (every argument a module), -v, -n, -b and the rest of kmod's
 * options are accepted; without -a or -r the arguments after the module are its parameters.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec-modprobe.h"
#include "exec-mount.h"

#define WHO "apsim exec"

static int fail(const char *what, const char *path, int err)
{
	fprintf(stderr, WHO ": %s '%s': %s\n", what, path, strerror(err));
	return -err;
}

/*
 * Tools run `modprobe vfio_ap` (or zcrypt, ...) before they start. The modules of the
 * simulated system are all there, so for them modprobe answers as kmod does for a loaded
 * module; anything else does not exist. Names are compared with '-' as '_', as kmod does.
 */
static const char modprobe_sh[] =
    "#!/bin/sh\n"
    "# modprobe of apsim exec: the simulated system's modules are loaded, no other exists.\n"
    "loaded=' ap zcrypt zcrypt_cex4 vfio_ap vfio vfio_iommu_type1 mdev kvm '\n"
    "quiet= remove= all=\n"
    "while [ $# -gt 0 ]; do\n"
    "\tcase $1 in\n"
    "\t--) shift; break ;;\n"
    "\t--quiet) quiet=1 ;;\n"
    "\t--remove) remove=1 ;;\n"
    "\t--all) all=1 ;;\n"
    "\t--config|--dirname|--set-version) shift ;;\n"
    "\t--*) ;;\n"
    "\t-?*)\n"
    "\t\topts=${1#-}\n"
    "\t\twhile [ -n \"$opts\" ]; do\n"
    "\t\t\to=${opts%\"${opts#?}\"}\n"
    "\t\t\topts=${opts#?}\n"
    "\t\t\tcase $o in\n"
    "\t\t\tq) quiet=1 ;;\n"
    "\t\t\tr) remove=1 ;;\n"
    "\t\t\ta) all=1 ;;\n"
    "\t\t\tC|d|S) [ -n \"$opts\" ] || shift; opts= ;;\n"
    "\t\t\tesac\n"
    "\t\tdone ;;\n"
    "\t*) break ;;\n"
    "\tesac\n"
    "\tshift\n"
    "done\n"
    "if [ $# -eq 0 ]; then\n"
    "\t[ -n \"$quiet\" ] || echo 'modprobe: ERROR: missing parameters. See -h.' >&2\n"
    "\texit 1\n"
    "fi\n"
    "# one module and its parameters, unless -a or -r\n"
    "[ -n \"$all$remove\" ] || set -- \"$1\"\n"
    "for m in \"$@\"; do\n"
    "\tname=$(printf '%s' \"$m\" | tr - _)\n"
    "\tcase $loaded in\n"
    "\t*\" $name \"*)\n"
    "\t\t[ -z \"$remove\" ] && continue\n"
    "\t\t[ -n \"$quiet\" ] || echo \"modprobe: FATAL: Module $name is in use.\" >&2 ;;\n"
    "\t*)\n"
    "\t\tif [ -n \"$quiet\" ]; then :\n"
    "\t\telif [ -n \"$remove\" ]; then echo \"modprobe: FATAL: Module $m not found.\" >&2\n"
    "\t\telse echo \"modprobe: FATAL: Module $m not found in directory /lib/modules/$(uname -r)\" >&2\n"
    "\t\tfi ;;\n"
    "\tesac\n"
    "\texit 1\n"
    "done\n"
    "exit 0\n";

#define MODPROBE_DIR "/usr/local/sbin"

/*
 * Mounts file over path itself: the new mount API does not follow path's last component, so
 * a symlink is covered, not its target (Debian's /usr/sbin/modprobe links to the multi-call
 * /bin/kmod, which lsmod, insmod and rmmod must still reach).
 */
static int mount_over(const char *file, const char *path)
{
	int fd, r = 0;

	fd = open_tree(AT_FDCWD, file, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (move_mount(fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* dir/name with dir's links resolved (/sbin/modprobe is /usr/sbin/modprobe where /sbin is
 * a link to usr/sbin), if that exists. */
static bool resolve_dir(const char *dir, const char *name, char ret[PATH_MAX])
{
	char real[PATH_MAX];
	struct stat st;

	return realpath(dir, real) &&
	       (size_t) snprintf(ret, PATH_MAX, "%s/%s", real, name) < PATH_MAX &&
	       lstat(ret, &st) == 0;
}

/*
 * The script as MODPROBE_DIR/modprobe, on a tmpfs that keeps the host's entries there (PATH
 * finds it), and mounted over /usr/sbin/modprobe and /sbin/modprobe where they exist
 * (absolute paths find it).
 */
int apsim_exec_modprobe_setup(void)
{
	static const char *const dirs[] = {"/usr/sbin", "/sbin"};
	static const char script[] = MODPROBE_DIR "/modprobe";
	char over[2][PATH_MAX];
	ssize_t len = (ssize_t) strlen(modprobe_sh);
	int fd, r;

	r = apsim_exec_tmpfs_keep(MODPROBE_DIR, "apsim-modprobe");
	if (r < 0)
		return r;

	/* a host's own MODPROBE_DIR/modprobe is covered, never written to */
	(void) umount2(script, MNT_DETACH);
	(void) unlink(script);
	fd = open(script, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (fd < 0 || write(fd, modprobe_sh, (size_t) len) != len || fchmod(fd, 0755) < 0) {
		r = fail("cannot write", script, errno);
		if (fd >= 0)
			close(fd);
		return r;
	}
	close(fd);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (!resolve_dir(dirs[i], "modprobe", over[i]) ||
		    (i > 0 && strcmp(over[i], over[0]) == 0))
			continue;
		r = mount_over(script, over[i]);
		if (r < 0)
			return fail("cannot mount the modprobe script over", over[i], -r);
	}
	return 0;
}
