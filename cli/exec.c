/* SPDX-License-Identifier: MIT */
/*
 * exec.c - `apsim exec [--guest NAME] [--] COMMAND...`: runs COMMAND in a private mount
 * namespace in which the daemon's tree is /sys (spec clients.md 1.4), so that tools with
 * hard-coded paths (mdevctl 1.2, lszcrypt without SYSFS_ROOT) see the simulated system:
 *
 *   /sys             the host tree (bind mount of apsimd's mountpoint), or with --guest the
 *                    guest's tree, which apsimd mounts on request at GUEST_DIR/NAME
 *   /etc/mdevctl.d   STATE/mdevctl.d of the daemon (persistent mdev definitions), or a
 *                    scratch tmpfs when the daemon has no state dir; either way with the
 *                    scripts.d/callouts and scripts.d/notifiers directories mdevctl 1.2 needs
 *   /usr/lib/mdevctl/scripts.d
 *                    a scratch tmpfs with callouts/ and notifiers/: mdevctl >= 1.3 requires
 *                    them and searches them before /etc/mdevctl.d/scripts.d (mdevctl_lib_dirs)
 *   /run/lock        a scratch tmpfs (ap-check's s390apconfig.lock)
 *   /dev             a tmpfs with the host's entries and the simulated devices' nodes
 *                    (/dev/z90crypt, /dev/NAME of every zcrypt node, any DEVNAME of the
 *                    tree), kept current while COMMAND runs: a node is there before the
 *                    write that created it returns (exec-dev.c)
 *   /run/udev        the host's entries and a 'control' file, so that udev monitors listen
 *                    (udev_control())
 *   modprobe         a script answering for the simulated modules (vfio_ap, zcrypt, ...) as
 *                    kmod does for loaded ones, "not found" for others: /usr/local/sbin/
 *                    modprobe, bound over /usr/sbin/modprobe and /sbin/modprobe where they
 *                    exist (exec-modprobe.c)
 *
 * and, when the daemon sends udev events on netlink, in the daemon's private network
 * namespace, so that `udevadm monitor --udev` sees them (--host-net keeps the host's).
 * COMMAND's environment has SYSTEMD_DEVICE_VERIFY_SYSFS=0, without which sd-device
 * (`udevadm info`, libudev) refuses a /sys that is not sysfs.
 *
 * apsim exec forks: COMMAND runs in the child, the parent stays in the namespace to keep
 * /dev current from the daemon's uevents, passes SIGINT, SIGTERM and SIGHUP on, and exits
 * with COMMAND's status (128 + N if signal N killed it, 127 if it cannot be found).
 *
 * Needs root (CAP_SYS_ADMIN for unshare and mount). The namespace ends with COMMAND (and
 * whatever it left running).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "exec-dev.h"
#include "exec-modprobe.h"
#include "exec-mount.h"
#include "exec.h"
#include "base/fs-util-internal.h"

#define WHO "apsim exec"

static void exec_usage(void)
{
	fputs(
	    "Usage: apsim [--socket PATH] exec [--guest NAME] [--host-net] [--] COMMAND [ARG...]\n",
	    stderr);
}

static int mdevctl_subdirs(const char *base)
{
	static const char *const sub[] = {"scripts.d/callouts", "scripts.d/notifiers"};
	char p[PATH_MAX];
	int r;

	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		if ((size_t) snprintf(p, sizeof(p), "%s/%s", base, sub[i]) >= sizeof(p))
			return -ENAMETOOLONG;
		r = apsim__mkdir_p(p, 0755, false);
		if (r < 0)
			return r;
	}
	return 0;
}

static int fail(const char *what, const char *path, int err)
{
	fprintf(stderr, WHO ": %s '%s': %s%s\n", what, path, strerror(err),
		err == EPERM ? " (needs root)" : "");
	return -err;
}

/*
 * mdevctl >= 1.3 (MDEVCTL_SCRIPTDIR of Debian's build) looks for callouts and notifiers in
 * /usr/lib/mdevctl/scripts.d first and refuses to run without its callouts/ and notifiers/.
 * A scratch tmpfs, so that the host's callouts (a host's ap-check) never act on the simulated
 * tree and a callout installed inside the namespace goes with it. A separate directory from
 * /etc/mdevctl.d/scripts.d: mdevctl runs every notifier of both, so one directory bound twice
 * would notify twice. The empty mountpoint is created on the host if missing.
 */
static int mdevctl_lib_dirs(void)
{
	static const char dir[] = "/usr/lib/mdevctl/scripts.d";
	int r;

	r = apsim__mkdir_p(dir, 0755, false);
	if (r < 0)
		return fail("cannot create", dir, -r);
	if (mount("apsim-mdevctl-scripts", dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return fail("cannot mount a tmpfs on", dir, errno);
	r = mdevctl_subdirs("/usr/lib/mdevctl");
	if (r < 0)
		return fail("cannot create the mdevctl directories in", dir, -r);
	return 0;
}

/* Asks the daemon for the tree (host, or a guest's) and its mdevctl dir. */
static int query(const char *socket_path, const char *guest, char **ret_tree, char **ret_mdevctl,
		 char **ret_netns)
{
	json_t *req, *extra = NULL, *info;
	const char *tree = NULL, *mdevctl = NULL, *netns = NULL;
	int rc = 0, r;

	req = json_pack("{s:s}", "op", "info");
	r = apsim_cli_request(socket_path, req, WHO, &rc, &extra);
	json_decref(req);
	if (r < 0)
		return r;
	if (rc < 0) {
		json_decref(extra);
		return rc;
	}
	info = json_object_get(extra, "info");
	tree = json_string_value(json_object_get(info, "mount"));
	mdevctl = json_string_value(json_object_get(info, "mdevctl_dir"));
	netns = json_string_value(json_object_get(info, "netns"));
	if (!tree) {
		fprintf(stderr, WHO ": apsimd did not say where its tree is mounted\n");
		json_decref(extra);
		return -EPROTO;
	}
	*ret_mdevctl = mdevctl ? strdup(mdevctl) : NULL;
	*ret_netns = netns ? strdup(netns) : NULL;
	*ret_tree = strdup(tree);
	json_decref(extra);
	extra = NULL;
	if (!guest)
		return *ret_tree ? 0 : -ENOMEM;

	free(*ret_tree);
	*ret_tree = NULL;
	req = json_pack("{s:s, s:s}", "op", "guest-mount", "guest", guest);
	if (!req)
		return -ENOMEM;
	r = apsim_cli_request(socket_path, req, WHO, &rc, &extra);
	json_decref(req);
	if (r < 0)
		return r;
	if (rc < 0) {
		json_decref(extra);
		return rc;
	}
	tree = json_string_value(json_object_get(extra, "path"));
	if (!tree) {
		fprintf(stderr, WHO ": apsimd did not say where guest '%s' is mounted\n", guest);
		json_decref(extra);
		return -EPROTO;
	}
	*ret_tree = strdup(tree);
	json_decref(extra);
	return *ret_tree ? 0 : -ENOMEM;
}

static int setup_namespace(const char *tree, const char *mdevctl, const char *netns)
{
	int r;

	if (netns) {
		int fd = open(netns, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return fail("cannot open the daemon's network namespace", netns, errno);
		r = setns(fd, CLONE_NEWNET);
		close(fd);
		if (r < 0)
			return fail("cannot join the daemon's network namespace", netns, errno);
	}

	if (unshare(CLONE_NEWNS) < 0)
		return fail("cannot create a mount namespace", "unshare", errno);
	/* nothing of what follows may reach the host's mount table */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail("cannot make the mounts private", "/", errno);
	if (mount(tree, "/sys", NULL, MS_BIND, NULL) < 0)
		return fail("cannot bind the tree over /sys from", tree, errno);

	r = apsim__mkdir_p("/etc/mdevctl.d", 0755, false);
	if (r < 0)
		return fail("cannot create", "/etc/mdevctl.d", -r);
	if (mdevctl) {
		r = mdevctl_subdirs(mdevctl);
		if (r < 0)
			return fail("cannot create the mdevctl directories in", mdevctl, -r);
		if (mount(mdevctl, "/etc/mdevctl.d", NULL, MS_BIND, NULL) < 0)
			return fail("cannot bind over /etc/mdevctl.d from", mdevctl, errno);
	} else {
		if (mount("apsim-mdevctl", "/etc/mdevctl.d", "tmpfs", MS_NOSUID | MS_NODEV,
			  "mode=0755") < 0)
			return fail("cannot mount a tmpfs on", "/etc/mdevctl.d", errno);
		r = mdevctl_subdirs("/etc/mdevctl.d");
		if (r < 0)
			return fail("cannot create the mdevctl directories in", "/etc/mdevctl.d",
				    -r);
	}

	r = mdevctl_lib_dirs();
	if (r < 0)
		return r;

	r = apsim__mkdir_p("/run/lock", 0755, false);
	if (r < 0)
		return fail("cannot create", "/run/lock", -r);
	if (mount("apsim-lock", "/run/lock", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=1777") < 0)
		return fail("cannot mount a tmpfs on", "/run/lock", errno);
	return 0;
}

/*
 * sd-device's monitors (udevadm monitor, libudev's udev_monitor) take udev's events only if
 * udevd runs (/run/udev/control exists) or /dev is a devtmpfs: the /dev of exec is a tmpfs,
 * and apsimd stands in for udevd (its netlink events). So /run/udev keeps the host's entries
 * and gains a control file where the host has none: a plain file, which refuses connections
 * (udevadm settle then does not wait, as without udevd).
 */
static int udev_control(void)
{
	static const char control[] = "/run/udev/control";
	struct stat st;
	int fd, r;

	r = apsim_exec_tmpfs_keep("/run/udev", "apsim-udev");
	if (r < 0)
		return r;
	if (lstat(control, &st) == 0)
		return 0;
	fd = open(control, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail("cannot create", control, errno);
	close(fd);
	return 0;
}

/* --- COMMAND ----------------------------------------------------------------------------- */

/*
 * Forks COMMAND and stays with it in the namespace, keeping /dev current (exec-dev.c) and
 * passing on SIGINT, SIGTERM and SIGHUP that a process sent; those from the terminal
 * (SI_KERNEL) reach COMMAND by themselves, as it shares the process group. Returns the
 * exit code: COMMAND's, 128 + the signal that killed it, 127/126 if it cannot be run.
 */
static int run(char **argv, struct apsim_exec_dev *dev)
{
	sigset_t mask, old;
	int sfd, status;
	pid_t pid;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	signal(SIGCHLD, SIG_DFL); /* an inherited SIG_IGN would reap the child for us */
	sigprocmask(SIG_BLOCK, &mask, &old);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		fprintf(stderr, WHO ": signalfd: %s\n", strerror(errno));
		return 1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, WHO ": fork: %s\n", strerror(errno));
		close(sfd);
		return 1;
	}
	if (pid == 0) {
		int err;

		sigprocmask(SIG_SETMASK, &old, NULL);
		execvp(argv[0], argv);
		err = errno;
		fprintf(stderr, WHO ": cannot run '%s': %s\n", argv[0], strerror(err));
		_exit(err == ENOENT ? 127 : 126);
	}

	for (;;) {
		struct pollfd p[2] = {
		    {.fd = sfd, .events = POLLIN},
		    {.fd = apsim_exec_dev_fd(dev), .events = POLLIN}, /* -1: ignored */
		};
		struct signalfd_siginfo si;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			/* cannot happen with these two descriptors; still wait for COMMAND */
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			break;
		}
		if (p[1].revents)
			apsim_exec_dev_process(dev);
		if (!(p[0].revents & POLLIN) || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD) {
			if (si.ssi_code != SI_KERNEL)
				(void) kill(pid, (int) si.ssi_signo);
			continue;
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	close(sfd);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

int apsim_cli_exec(const char *socket_path, int argc, char **argv)
{
	const char *guest = NULL;
	char *def = NULL, *tree = NULL, *mdevctl = NULL, *netns = NULL;
	struct apsim_exec_dev *dev = NULL;
	bool host_net = false;
	int i, r;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--guest") == 0 && i + 1 < argc) {
			guest = argv[++i];
		} else if (strncmp(argv[i], "--guest=", 8) == 0) {
			guest = argv[i] + 8;
		} else if (strcmp(argv[i], "--host-net") == 0) {
			host_net = true;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, WHO ": unknown option '%s'\n", argv[i]);
			exec_usage();
			return 2;
		} else {
			break;
		}
	}
	if (i >= argc) {
		exec_usage();
		return 2;
	}
	if (!socket_path) {
		def = apsim_cli_default_socket();
		if (!def)
			return 1;
		socket_path = def;
	}
	r = query(socket_path, guest, &tree, &mdevctl, &netns);
	if (r < 0)
		goto out_free;
	/* before the namespace: the socket's path may be covered by its mounts */
	r = apsim_exec_dev_new(guest ? NULL : socket_path, &dev);
	if (r < 0)
		goto out_free;
	r = setup_namespace(tree, mdevctl, host_net ? NULL : netns);
	if (r < 0)
		goto out_free;
	r = apsim_exec_modprobe_setup();
	if (r < 0)
		goto out_free;
	r = apsim_exec_dev_setup(dev);
	if (r < 0)
		goto out_free;
	r = udev_control();
	if (r < 0)
		goto out_free;
	/*
	 * sd-device (udevadm info, libudev) refuses a syspath whose file system is not sysfs
	 * (statfs magic) unless this is set to 0; the tree is FUSE.
	 */
	if (setenv("SYSTEMD_DEVICE_VERIFY_SYSFS", "0", 1) < 0) {
		r = -errno;
		goto out_free;
	}
	free(def);
	free(tree);
	free(mdevctl);
	free(netns);
	r = run(argv + i, dev);
	apsim_exec_dev_free(dev);
	return r;

out_free:
	apsim_exec_dev_free(dev);
	free(def);
	free(tree);
	free(mdevctl);
	free(netns);
	return 1;
}
