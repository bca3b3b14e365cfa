/* SPDX-License-Identifier: MIT */
/*
 * apsim_tree_dump: a static copy of the sysfs tree as plain files, directories and symlinks,
 * so that `SYSFS_ROOT=<dir> lszcrypt` works on it (clients.md 1.1). Readable attributes get
 * their current content; write-only or unreadable ones (any read error) an empty file. Files
 * carry the attribute's mode bits, directories 0755, symlinks the tree's relative targets.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apsim/sysfs.h"
#include "base/macro-internal.h"
#include "base/fs-util-internal.h"

#define DUMP_PATH_MAX 4096

struct dump_ctx {
	struct apsim_tree *t;
	int dfd;    /* directory being filled */
	char *path; /* tree path of that directory, shared buffer */
	size_t path_len;
	int err; /* first failure, -errno */
};

static int dump_dir(struct apsim_tree *t, int dfd, char *path, size_t path_len);

static int dump_attr(struct dump_ctx *c, const char *name)
{
	char page[APSIM_SYSFS_PAGE];
	struct apsim_node_info info;
	ssize_t n;
	int fd, r;

	r = apsim_tree_lookup(c->t, c->path, &info);
	if (r < 0)
		return r;
	n = apsim_tree_read(c->t, c->path, page, sizeof(page));
	if (n < 0)
		n = 0; /* write-only or unreadable: empty file */

	fd = openat(c->dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = apsim__write_all(fd, page, (size_t) n);
	if (r < 0)
		goto out_close;
	if (fchmod(fd, info.mode & 07777) < 0)
		r = -errno;
out_close:
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

static int dump_link(struct dump_ctx *c, const char *name)
{
	char target[DUMP_PATH_MAX];
	int r;

	r = apsim_tree_readlink(c->t, c->path, target, sizeof(target));
	if (r < 0)
		return r;
	if (symlinkat(target, c->dfd, name) < 0)
		return -errno;
	return 0;
}

static int dump_subdir(struct dump_ctx *c, const char *name)
{
	int fd, r;

	if (mkdirat(c->dfd, name, 0755) < 0)
		return -errno;
	if (fchmodat(c->dfd, name, 0755, 0) < 0)
		return -errno;
	fd = openat(c->dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = dump_dir(c->t, fd, c->path, strlen(c->path));
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

static int dump_entry(const struct apsim_dirent *ent, void *ctx)
{
	struct dump_ctx *c = ctx;
	size_t nl = strlen(ent->name);
	int r;

	if (c->path_len + 1 + nl + 1 > DUMP_PATH_MAX) {
		c->err = -ENAMETOOLONG;
		return 1;
	}
	c->path[c->path_len] = '/';
	memcpy(c->path + c->path_len + 1, ent->name, nl + 1);

	switch (ent->type) {
	case APSIM_NODE_DIR:
		r = dump_subdir(c, ent->name);
		break;
	case APSIM_NODE_LINK:
		r = dump_link(c, ent->name);
		break;
	default:
		r = dump_attr(c, ent->name);
		break;
	}
	c->path[c->path_len] = '\0';
	if (r < 0) {
		c->err = r;
		return 1;
	}
	return 0;
}

static int dump_dir(struct apsim_tree *t, int dfd, char *path, size_t path_len)
{
	struct dump_ctx c = {
	    .t = t,
	    .dfd = dfd,
	    .path = path,
	    .path_len = path_len,
	    .err = 0,
	};
	int r;

	r = apsim_tree_readdir(t, path_len ? path : "/", dump_entry, &c);
	if (c.err < 0)
		return c.err;
	return r < 0 ? r : 0;
}

/* 0 if the directory at fd has no entries, -ENOTEMPTY if it has, -errno on failure. */
static int check_empty(int fd)
{
	DIR *d;
	struct dirent *de;
	int dup_fd, r = 0;

	dup_fd = dup(fd);
	if (dup_fd < 0)
		return -errno;
	d = fdopendir(dup_fd);
	if (!d) {
		r = -errno;
		close(dup_fd);
		return r;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			r = -ENOTEMPTY;
			break;
		}
	}
	closedir(d);
	return r;
}

int apsim_tree_dump(struct apsim_tree *t, const char *dir)
{
	char path[DUMP_PATH_MAX];
	int fd, r;

	APSIM_CHECK_ARG(t && dir && *dir);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = check_empty(fd);
	if (r < 0)
		goto out_close;
	path[0] = '\0';
	r = dump_dir(t, fd, path, 0);
out_close:
	close(fd);
	return r;
}
