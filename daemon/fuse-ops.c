/* SPDX-License-Identifier: MIT */
/*
 * fuse-ops.c - the sim's sysfs trees over FUSE (libfuse 3 high-level API, multi-threaded
 * loop), with sysfs semantics (docs/daemon.md "FUSE semantics"): modes from the attribute
 * tables, root-only writes, every read a fresh show(), every write() one store(), no caching.
 * Every operation takes the sim lock around its tree access, so a reader never sees a
 * half-done scan and a writer racing a scan gets the kernel's answer.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 35

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
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
	struct apsimd *d;
	char *guest; /* NULL: the host tree */
	char *path;
	struct fuse *fuse;
	pthread_t thread;
	atomic_bool ended;	   /* the loop returned */
	dev_t dev;		   /* the mounted file system's st_dev */
	struct apsimd_mount *next; /* apsimd.guests */
};

/* What an open file for reading keeps: the text of the last show() (seq_file's buffer). */
struct open_file {
	pthread_mutex_t lock;
	ssize_t len; /* -1: nothing shown yet */
	char text[APSIM_SYSFS_PAGE];
};

static struct apsimd_mount *current_mount(void)
{
	return fuse_get_context()->private_data;
}

/* The mount's tree; sim lock held. NULL for a guest that is not running. */
static struct apsim_tree *mount_tree(struct apsimd_mount *m)
{
	if (!m->guest)
		return apsim_sim_get_tree(m->d->sim);
	return apsim_sim_get_guest_tree(m->d->sim, m->guest);
}

/* Writes are root's (and the daemon owner's): sysfs attributes are root-owned. */
static bool may_write(const struct apsimd_mount *m)
{
	uid_t uid = fuse_get_context()->uid;

	return uid == 0 || uid == m->d->uid;
}

static void fill_stat(const struct apsimd_mount *m, const struct apsim_node_info *info,
		      struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = (ino_t) info->ino;
	st->st_uid = m->d->uid;
	st->st_gid = getgid();
	st->st_blksize = APSIM_SYSFS_PAGE;
	st->st_atim.tv_sec = st->st_mtim.tv_sec = st->st_ctim.tv_sec = (time_t) m->d->start_sec;
	switch (info->type) {
	case APSIM_NODE_DIR:
		st->st_mode = S_IFDIR | (info->mode & 07777);
		st->st_nlink = 2;
		break;
	case APSIM_NODE_LINK:
		st->st_mode = S_IFLNK | 0777;
		st->st_nlink = 1;
		break;
	case APSIM_NODE_ATTR:
		/* sysfs reports PAGE_SIZE for every attribute */
		st->st_mode = S_IFREG | (info->mode & 07777);
		st->st_nlink = 1;
		st->st_size = APSIM_SYSFS_PAGE;
		break;
	}
}

/* A guest tree that is not (or no longer) there shows as an empty root directory. */
static void fill_empty_root(const struct apsimd_mount *m, struct stat *st)
{
	struct apsim_node_info info = {.type = APSIM_NODE_DIR, .mode = 0755, .ino = 1};

	fill_stat(m, &info, st);
}

static bool is_root(const char *path)
{
	return path[0] == '\0' || strcmp(path, "/") == 0;
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct apsimd_mount *m = current_mount();
	struct apsim_node_info info;
	struct apsim_tree *t;
	int r;

	(void) fi;
	apsim_sim_lock(m->d->sim);
	t = mount_tree(m);
	if (!t) {
		apsim_sim_unlock(m->d->sim);
		if (!is_root(path))
			return -ENOENT;
		fill_empty_root(m, st);
		return 0;
	}
	r = apsim_tree_lookup(t, path, &info);
	apsim_sim_unlock(m->d->sim);
	if (r < 0)
		return r;
	fill_stat(m, &info, st);
	return 0;
}

static int op_readlink(const char *path, char *buf, size_t size)
{
	struct apsimd_mount *m = current_mount();
	struct apsim_tree *t;
	int r;

	apsim_sim_lock(m->d->sim);
	t = mount_tree(m);
	r = t ? apsim_tree_readlink(t, path, buf, size) : -ENOENT;
	apsim_sim_unlock(m->d->sim);
	if (r == -ENAMETOOLONG && size > 0) {
		/* readlink(2) truncates; FUSE wants a NUL-terminated prefix */
		r = 0;
	}
	return r < 0 ? r : 0;
}

struct dir_ctx {
	const struct apsimd_mount *m;
	void *buf;
	fuse_fill_dir_t filler;
	enum fuse_fill_dir_flags flags;
};

static int dir_entry(const struct apsim_dirent *ent, void *ctx)
{
	struct dir_ctx *dc = ctx;
	struct apsim_node_info info = {.type = ent->type, .ino = ent->ino};
	struct stat st;

	/* The mode bits of an attribute are not in the dirent; d_type is what readdir needs.
	 * With readdirplus the kernel takes the attributes from here, so plus is only used when
	 * the entry is not an attribute (dirs 0755, links 0777 are fixed). */
	info.mode = ent->type == APSIM_NODE_DIR ? 0755 : 0777;
	fill_stat(dc->m, &info, &st);
	if (ent->type == APSIM_NODE_ATTR)
		return dc->filler(dc->buf, ent->name, &st, 0, 0) ? 1 : 0;
	return dc->filler(dc->buf, ent->name, &st, 0, dc->flags & FUSE_FILL_DIR_PLUS) ? 1 : 0;
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct apsimd_mount *m = current_mount();
	struct dir_ctx dc = {.m = m, .buf = buf, .filler = filler};
	struct apsim_node_info info;
	struct apsim_tree *t;
	struct stat st;
	int r;

	(void) off;
	(void) fi;
	if (flags & FUSE_READDIR_PLUS)
		dc.flags = FUSE_FILL_DIR_PLUS;
	apsim_sim_lock(m->d->sim);
	t = mount_tree(m);
	if (!t) {
		apsim_sim_unlock(m->d->sim);
		if (!is_root(path))
			return -ENOENT;
		fill_empty_root(m, &st);
		filler(buf, ".", &st, 0, 0);
		filler(buf, "..", NULL, 0, 0);
		return 0;
	}
	r = apsim_tree_stat(t, path, &info);
	if (r == 0 && info.type != APSIM_NODE_DIR)
		r = -ENOTDIR;
	if (r == 0) {
		fill_stat(m, &info, &st);
		filler(buf, ".", &st, 0, 0);
		filler(buf, "..", NULL, 0, 0);
		r = apsim_tree_readdir(t, path, dir_entry, &dc);
		if (r > 0)
			r = 0; /* the filler's buffer is full: the high-level lib asks again */
	}
	apsim_sim_unlock(m->d->sim);
	return r;
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
	struct apsimd_mount *m = current_mount();
	int acc = fi->flags & O_ACCMODE;
	bool wr = acc != O_RDONLY, rd = acc != O_WRONLY;
	struct apsim_tree *t;
	int r;

	if (wr && !may_write(m))
		return -EACCES;
	apsim_sim_lock(m->d->sim);
	t = mount_tree(m);
	r = t ? apsim_tree_open_check(t, path, rd, wr) : -ENOENT;
	apsim_sim_unlock(m->d->sim);
	if (r < 0)
		return r;
	/* no page cache: every read at offset 0 is a fresh show(), every write() reaches
	 * store() */
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->nonseekable = 0;
	if (rd) {
		struct open_file *of = calloc(1, sizeof(*of));

		if (!of)
			return -ENOMEM;
		pthread_mutex_init(&of->lock, NULL);
		of->len = -1;
		fi->fh = (uint64_t) (uintptr_t) of;
	}
	return 0;
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
	struct open_file *of = (struct open_file *) (uintptr_t) fi->fh;

	(void) path;
	if (of) {
		pthread_mutex_destroy(&of->lock);
		free(of);
		fi->fh = 0;
	}
	return 0;
}

/*
 * Reads as sysfs (seq_file) does: a read at offset 0 runs show() and keeps the text with the
 * open file; reads at a later offset continue that same text, so a reader that needs several
 * read() calls never gets a torn value. A new open, or a read at offset 0 again (lseek, pread),
 * shows the current state.
 */
static int op_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct apsimd_mount *m = current_mount();
	struct open_file *of = (struct open_file *) (uintptr_t) fi->fh;
	char page[APSIM_SYSFS_PAGE];
	struct apsim_tree *t;
	ssize_t n;

	if (of)
		pthread_mutex_lock(&of->lock);
	if (!of || off == 0 || of->len < 0) {
		apsim_sim_lock(m->d->sim);
		t = mount_tree(m);
		n = t ? apsim_tree_read(t, path, page, sizeof(page)) : -ENOENT;
		apsim_sim_unlock(m->d->sim);
		if (n >= 0 && of) {
			memcpy(of->text, page, (size_t) n);
			of->len = n;
		}
	} else {
		n = of->len;
		memcpy(page, of->text, (size_t) n);
	}
	if (of)
		pthread_mutex_unlock(&of->lock);
	if (n < 0)
		return (int) n;
	if (off < 0 || off >= n)
		return 0;
	if (size > (size_t) (n - off))
		size = (size_t) (n - off);
	memcpy(buf, page + off, size);
	return (int) size;
}

static int op_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct apsimd_mount *m = current_mount();
	struct apsim_tree *t;
	ssize_t n;
	int r;

	(void) off; /* sysfs_kf_write ignores the position: each write() is one store() */
	(void) fi;
	if (!may_write(m))
		return -EACCES;
	if (size > INT_MAX)
		return -EINVAL;
	apsim_sim_lock(m->d->sim);
	t = mount_tree(m);
	n = t ? apsim_tree_write(t, path, buf, size) : -ENOENT;
	if (n > 0 && !m->guest) {
		/* persisted before the write is acknowledged */
		r = apsimd_persist_changed(m->d);
		if (r < 0)
			n = r;
	}
	apsim_sim_unlock(m->d->sim);
	return (int) n;
}

/* O_TRUNC and truncate(2) are accepted and ignored (kernfs ignores ATTR_SIZE). */
static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct apsimd_mount *m = current_mount();
	struct apsim_node_info info;
	struct apsim_tree *t;
	int r;

	(void) size;
	(void) fi;
	if (!may_write(m))
		return -EACCES;
	apsim_sim_lock(m->d->sim);
	t = mount_tree(m);
	r = t ? apsim_tree_stat(t, path, &info) : -ENOENT;
	apsim_sim_unlock(m->d->sim);
	if (r < 0)
		return r;
	return info.type == APSIM_NODE_DIR ? -EISDIR : 0;
}

static int op_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	struct apsimd_mount *m = current_mount();
	struct apsim_tree *t;
	int r;

	(void) tv;
	(void) fi;
	if (!may_write(m))
		return -EPERM;
	apsim_sim_lock(m->d->sim);
	t = mount_tree(m);
	r = t ? apsim_tree_lookup(t, path, NULL) : -ENOENT;
	apsim_sim_unlock(m->d->sim);
	return r;
}

/* Directory operations sysfs refuses: kernfs has no create/mknod/symlink/link/unlink and
 * its mkdir/rmdir/rename need kernfs_syscall_ops, which sysfs does not have: -EPERM; the VFS
 * answers a create (open O_CREAT of a new name) with -EACCES. */
static int op_mkdir(const char *path, mode_t mode)
{
	(void) path;
	(void) mode;
	return -EPERM;
}

static int op_mknod(const char *path, mode_t mode, dev_t rdev)
{
	(void) path;
	(void) mode;
	(void) rdev;
	return -EPERM;
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void) path;
	(void) mode;
	(void) fi;
	return -EACCES;
}

static int op_path1(const char *path)
{
	(void) path;
	return -EPERM;
}

static int op_path2(const char *from, const char *to)
{
	(void) from;
	(void) to;
	return -EPERM;
}

static int op_rename(const char *from, const char *to, unsigned flags)
{
	(void) flags;
	return op_path2(from, to);
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void) mode;
	(void) fi;
	return op_path1(path);
}

static int op_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	(void) uid;
	(void) gid;
	(void) fi;
	return op_path1(path);
}

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void) conn;
	/* nothing cached: a lookup, a stat, a read always reach the tree */
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	cfg->use_ino = 1;
	cfg->readdir_ino = 1;
	cfg->direct_io = 1;
	cfg->kernel_cache = 0;
	cfg->auto_cache = 0;
	cfg->hard_remove = 1;
	return fuse_get_context()->private_data;
}

static const struct fuse_operations ops = {
    .init = op_init,
    .getattr = op_getattr,
    .readlink = op_readlink,
    .readdir = op_readdir,
    .open = op_open,
    .release = op_release,
    .read = op_read,
    .write = op_write,
    .truncate = op_truncate,
    .utimens = op_utimens,
    .mkdir = op_mkdir,
    .mknod = op_mknod,
    .create = op_create,
    .unlink = op_path1,
    .rmdir = op_path1,
    .symlink = op_path2,
    .link = op_path2,
    .rename = op_rename,
    .chmod = op_chmod,
    .chown = op_chown,
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
	if (r != 0 && m->d->verbose)
		apsimd_log("apsimd: FUSE loop of '%s' ended: %d", m->path, r);
	atomic_store(&m->ended, true);
	/* the host tree gone (fusermount -u from outside) ends the daemon */
	if (!m->guest)
		pthread_kill(m->d->main_thread, SIGUSR1);
	return NULL;
}

static void mount_free(struct apsimd_mount *m)
{
	if (!m)
		return;
	if (m->fuse)
		fuse_destroy(m->fuse);
	free(m->guest);
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
	m->d = d;
	atomic_init(&m->ended, false);
	m->path = realpath(path, NULL);
	if (!m->path) {
		r = -errno;
		fprintf(stderr, "apsimd: mountpoint '%s': %s\n", path, strerror(errno));
		goto out_free;
	}
	if (guest) {
		m->guest = strdup(guest);
		if (!m->guest) {
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
	m->fuse = fuse_new(&args, &ops, sizeof(ops), m);
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

const char *apsimd_mount_path(const struct apsimd_mount *m)
{
	return m->path;
}

const char *apsimd_mount_guest(const struct apsimd_mount *m)
{
	return m->guest;
}

struct apsimd_mount *apsimd_mount_next(const struct apsimd_mount *m)
{
	return m->next;
}

void apsimd_mount_set_next(struct apsimd_mount *m, struct apsimd_mount *next)
{
	m->next = next;
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
		if (strcmp(m->guest, guest) == 0 && !atomic_load(&m->ended)) {
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
