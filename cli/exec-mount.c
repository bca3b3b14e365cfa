/* SPDX-License-Identifier: MIT */
/*
 * exec-mount.c - tmpfs copies of host directories for `apsim exec` (cli/exec-modprobe.c puts
 * modprobe into /usr/local/sbin, cli/exec.c udev's control file into /run/udev): a tmpfs on
 * the directory that still shows what the host has there, its symlinks copied and every
 * other entry bind-mounted from the host's directory, reached through a descriptor opened
 * before the tmpfs covers it. Entries that cannot be copied are left out.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec-mount.h"
#include "base/fs-util-internal.h"

/* Bind-mounts dirfd/name (through /proc/self/fd) onto path. */
static int bind_entry(int dirfd, const char *name, const char *path)
{
	char src[64];
	int fd, r = 0;

	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	if (mount(src, path, NULL, MS_BIND | MS_REC, NULL) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* The host's entries of dir (read through hostfd) in the tmpfs now on dir. */
static void keep_host_entries(int hostfd, const char *dir)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d;
	int fd;

	fd = openat(hostfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d))) {
		ssize_t n;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    fstatat(hostfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    (size_t) snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
			sizeof(path))
			continue;
		if (S_ISLNK(st.st_mode)) {
			n = readlinkat(hostfd, e->d_name, target, sizeof(target) - 1);
			if (n >= 0) {
				target[n] = '\0';
				(void) !symlink(target, path);
			}
			continue;
		}
		/* a mountpoint of the same kind, then the host's entry on it */
		if (S_ISDIR(st.st_mode)) {
			if (mkdir(path, 0755) < 0)
				continue;
		} else {
			fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			if (fd < 0)
				continue;
			close(fd);
		}
		(void) bind_entry(hostfd, e->d_name, path);
	}
	closedir(d);
}

int apsim_exec_tmpfs_keep(const char *dir, const char *fsname)
{
	int host, r;

	r = apsim__mkdir_p(dir, 0755, false);
	if (r < 0) {
		fprintf(stderr, "apsim exec: cannot create '%s': %s\n", dir, strerror(-r));
		return r;
	}
	host = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (host < 0) {
		r = -errno;
		fprintf(stderr, "apsim exec: cannot open '%s': %s\n", dir, strerror(-r));
		return r;
	}
	if (mount(fsname, dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0) {
		r = -errno;
		fprintf(stderr, "apsim exec: cannot mount a tmpfs on '%s': %s\n", dir, strerror(-r));
		close(host);
		return r;
	}
	keep_host_entries(host, dir);
	close(host);
	return 0;
}
