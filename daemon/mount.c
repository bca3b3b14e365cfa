/* SPDX-License-Identifier: MIT */
/*
 * mount.c - the mount lifecycle: the host tree and the guest trees, each a FUSE session
 * (fuse-ops.c's operations) with a multi-threaded loop in a thread of its own; mountpoint
 * checks; mounting a guest's tree on request and unmounting every tree at the end.
 *
 * Owns struct apsimd_mount and the daemon's mount list (apsimd.host, apsimd.guests under
 * mounts_lock). Calls fuse-ops.c, log.c and the library; control.c and main.c call it.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 35

#include <dirent.h>
#include <errno.h>
#include <fuse.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apsim/apsim.h"
#include "apsimd.h"
#include "base/fs-util-internal.h"

extern char **environ;

struct apsimd_mount {
	struct apsimd_fs fs; /* what the FUSE operations serve: fs.guest NULL for the host */
	char *path;
	struct fuse *fuse;
	pthread_t thread;
	atomic_bool ended;	   /* the loop returned */
	dev_t dev;		   /* the mounted file system's st_dev */
	struct apsimd_mount *next; /* apsimd.guests */
};

/* --- mountpoints ----------------------------------------------------------------------- */

/* Decodes the octal escapes (\040) of /proc/self/mountinfo in place. */
static void unescape_mountinfo(char *s)
{
	char *o = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char) ((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
}

/* Whether abs is a mount point; *ret_dev gets the device of the last mount there. Never
 * stat()s it: our own mount is not served yet when this is called. */
static bool find_mount(const char *abs, dev_t *ret_dev)
{
	char line[4096], mp[4096];
	unsigned maj, min;
	bool found = false;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... */
		if (sscanf(line, "%*s %*s %u:%u %*s %4095s", &maj, &min, mp) != 3)
			continue;
		unescape_mountinfo(mp);
		if (strcmp(mp, abs) == 0) {
			found = true;
			if (ret_dev)
				*ret_dev = makedev(maj, min);
		}
	}
	fclose(f);
	return found;
}

int apsimd_check_mountpoint(const char *path)
{
	char abs[PATH_MAX];
	struct stat st;
	bool empty = true;
	DIR *dir;
	struct dirent *e;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "apsimd: mountpoint '%s': %s\n", path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "apsimd: mountpoint '%s' is not a directory\n", path);
		return -ENOTDIR;
	}
	if (!realpath(path, abs)) {
		fprintf(stderr, "apsimd: mountpoint '%s': %s\n", path, strerror(errno));
		return -errno;
	}
	if (find_mount(abs, NULL)) {
		fprintf(stderr, "apsimd: mountpoint '%s' is busy: something is mounted there\n",
			path);
		return -EBUSY;
	}
	dir = opendir(abs);
	if (!dir) {
		fprintf(stderr, "apsimd: mountpoint '%s': %s\n", path, strerror(errno));
		return -errno;
	}
	while ((e = readdir(dir))) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			empty = false;
			break;
		}
	}
	closedir(dir);
	if (!empty) {
		fprintf(stderr, "apsimd: mountpoint '%s' is not empty\n", path);
		return -ENOTEMPTY;
	}
	return 0;
}

/* --- mounts ---------------------------------------------------------------------------- */

static void *loop_thread(void *arg)
{
	struct apsimd_mount *m = arg;
	struct fuse_loop_config cfg = {.clone_fd = 0, .max_idle_threads = 10};
	int r;

	r = fuse_loop_mt(m->fuse, &cfg);
	if (r != 0 && m->fs.d->verbose)
		apsimd_log("apsimd: FUSE loop of '%s' ended: %d", m->path, r);
	atomic_store(&m->ended, true);
	/* the host tree gone (fusermount -u from outside) ends the daemon */
	if (!m->fs.guest)
		pthread_kill(m->fs.d->main_thread, SIGUSR1);
	return NULL;
}

static void mount_free(struct apsimd_mount *m)
{
	if (!m)
		return;
	apsimd_fuse_cache_stop(&m->fs);
	if (m->fuse)
		fuse_destroy(m->fuse);
	free(m->fs.guest);
	free(m->path);
	free(m);
}

int apsimd_mount_start(struct apsimd *d, const char *guest, const char *path,
		       struct apsimd_mount **ret)
{
	char opts[PATH_MAX + 256];
	char *argv[4];
	struct fuse_args args;
	struct apsimd_mount *m;
	int r;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->fs.d = d;
	atomic_init(&m->ended, false);
	m->path = realpath(path, NULL);
	if (!m->path) {
		r = -errno;
		fprintf(stderr, "apsimd: mountpoint '%s': %s\n", path, strerror(errno));
		goto out_free;
	}
	if (guest) {
		m->fs.guest = strdup(guest);
		if (!m->fs.guest) {
			r = -ENOMEM;
			goto out_free;
		}
	}

	/* allow_other: the tree is for every user, as /sys is; default_permissions: the kernel
	 * checks the mode bits (non-root writes fail with EACCES before reaching us). A
	 * non-root daemon can only use allow_other when fuse.conf says user_allow_other. */
	snprintf(opts, sizeof(opts), "%sdefault_permissions,fsname=apsim%s%s,subtype=apsim",
		 (d->uid == 0 || access("/etc/fuse.conf", R_OK) == 0) ? "allow_other," : "",
		 guest ? "-" : "", guest ? guest : "");
	if (d->uid != 0) {
		FILE *f = fopen("/etc/fuse.conf", "re");
		char line[256];
		bool ok = false;

		while (f && fgets(line, sizeof(line), f))
			if (strncmp(line, "user_allow_other", 16) == 0)
				ok = true;
		if (f)
			fclose(f);
		if (!ok)
			snprintf(opts, sizeof(opts),
				 "default_permissions,fsname=apsim%s%s,subtype=apsim",
				 guest ? "-" : "", guest ? guest : "");
	}
	argv[0] = (char *) "apsimd";
	argv[1] = (char *) "-o";
	argv[2] = opts;
	argv[3] = NULL;
	args.argc = 3;
	args.argv = argv;
	args.allocated = 0;
	m->fuse = apsimd_fuse_new(&args, &m->fs);
	fuse_opt_free_args(&args);
	if (!m->fuse) {
		fprintf(stderr, "apsimd: cannot create the FUSE session for '%s'\n", m->path);
		r = -EIO;
		goto out_free;
	}
	if (fuse_mount(m->fuse, m->path) != 0) {
		fprintf(stderr, "apsimd: cannot mount '%s' (is /dev/fuse usable?)\n", m->path);
		r = -EIO;
		goto out_free;
	}
	(void) find_mount(m->path, &m->dev);
	if (!guest) {
		r = apsimd_fuse_cache_start(&m->fs, m->fuse);
		if (r < 0) {
			fuse_unmount(m->fuse);
			goto out_free;
		}
	}
	r = pthread_create(&m->thread, NULL, loop_thread, m);
	if (r != 0) {
		r = -r;
		fuse_unmount(m->fuse);
		goto out_free;
	}
	*ret = m;
	return 0;

out_free:
	mount_free(m);
	return r;
}

/* Detaches the mount so the kernel ends the connection and the loop's reads fail. */
static void detach(struct apsimd_mount *m)
{
	char *argv[] = {(char *) "fusermount3", (char *) "-u", (char *) "-q",
			(char *) "-z",		m->path,       NULL};
	pid_t pid;
	int status;

	if (umount2(m->path, MNT_DETACH) == 0 || errno == EINVAL)
		return;
	if (posix_spawnp(&pid, "fusermount3", NULL, NULL, argv, environ) == 0)
		(void) waitpid(pid, &status, 0);
}

/* The connection's abort file ends a loop whose mount is still referenced. */
static void abort_connection(struct apsimd_mount *m)
{
	char p[128];
	FILE *f;

	if (major(m->dev) != 0)
		return;
	snprintf(p, sizeof(p), "/sys/fs/fuse/connections/%u/abort", minor(m->dev));
	f = fopen(p, "we");
	if (!f && errno == ENOENT && geteuid() == 0) {
		/* fusectl is usually mounted by systemd; mount it if not */
		(void) mount("fusectl", "/sys/fs/fuse/connections", "fusectl", 0, NULL);
		f = fopen(p, "we");
	}
	if (!f)
		return;
	fputs("1", f);
	fclose(f);
}

void apsimd_mount_stop(struct apsimd_mount *m)
{
	struct timespec ts;

	if (!m)
		return;
	if (!atomic_load(&m->ended)) {
		fuse_exit(m->fuse);
		detach(m);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 3;
		if (pthread_timedjoin_np(m->thread, NULL, &ts) != 0) {
			abort_connection(m);
			pthread_join(m->thread, NULL);
		}
	} else {
		pthread_join(m->thread, NULL);
	}
	/* the connection is gone: this only closes the device fd */
	fuse_unmount(m->fuse);
	mount_free(m);
}

bool apsimd_mount_ended(struct apsimd_mount *m)
{
	return atomic_load(&m->ended);
}

static bool guest_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > 64 || name[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

int apsimd_guest_mount(struct apsimd *d, const char *guest, char **ret_path)
{
	struct apsimd_mount *m;
	char path[PATH_MAX];
	bool exists;
	char *p;
	int r;

	if (!guest_name_ok(guest))
		return -EINVAL;
	apsim_sim_lock(d->sim);
	exists = apsim_sim_get_guest_tree(d->sim, guest) != NULL;
	apsim_sim_unlock(d->sim);

	pthread_mutex_lock(&d->mounts_lock);
	if (d->stopping) {
		r = -ESHUTDOWN;
		goto out_unlock;
	}
	for (m = d->guests; m; m = m->next) {
		if (strcmp(m->fs.guest, guest) == 0 && !atomic_load(&m->ended)) {
			p = strdup(m->path);
			r = p ? 0 : -ENOMEM;
			if (p)
				*ret_path = p;
			goto out_unlock;
		}
	}
	if (!exists) {
		r = -ENOENT;
		goto out_unlock;
	}
	if ((size_t) snprintf(path, sizeof(path), "%s/%s", d->guest_dir, guest) >= sizeof(path)) {
		r = -ENAMETOOLONG;
		goto out_unlock;
	}
	r = apsim__mkdir_p(path, 0755, false);
	if (r < 0)
		goto out_unlock;
	r = apsimd_mount_start(d, guest, path, &m);
	if (r < 0)
		goto out_unlock;
	m->next = d->guests;
	d->guests = m;
	p = strdup(m->path);
	if (!p) {
		r = -ENOMEM;
		goto out_unlock;
	}
	*ret_path = p;
	r = 0;
out_unlock:
	pthread_mutex_unlock(&d->mounts_lock);
	return r;
}

void apsimd_mounts_stop(struct apsimd *d)
{
	struct apsimd_mount *m, *next, *host;

	pthread_mutex_lock(&d->mounts_lock);
	d->stopping = true;
	m = d->guests;
	d->guests = NULL;
	host = d->host;
	d->host = NULL;
	pthread_mutex_unlock(&d->mounts_lock);
	for (; m; m = next) {
		next = m->next;
		apsimd_mount_stop(m);
	}
	apsimd_mount_stop(host);
}
