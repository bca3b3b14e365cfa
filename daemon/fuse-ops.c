/* SPDX-License-Identifier: MIT */
/*
 * fuse-ops.c - the FUSE operations (libfuse 3 high-level API) that serve one of the sim's
 * sysfs trees, with sysfs semantics (docs/daemon.md "FUSE semantics"): modes from the
 * attribute tables, root-only writes, every read a fresh show(), every write() one store().
 * Every operation takes the sim lock around its tree access, so a reader never sees a
 * half-done scan and a writer racing a scan gets the kernel's answer.
 *
 * The kernel caches the host tree's entries and attributes (never contents, never negative
 * entries) until a host uevent invalidates them: struct apsimd_cache, a uevent listener and
 * a flush thread; apsimd_acks_wait() waits for the flush before a write or a control
 * command returns. Guest trees are not cached.
 *
 * Owns the operations table and what an open file keeps; not the mounts (mount.c creates
 * the FUSE session with apsimd_fuse_new() and runs its loop). Calls the library and, after
 * a write of the host tree, persist.c, and acks.c after any write that emitted uevents;
 * nothing above it.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 35

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apsim/apsim.h"
#include "apsimd.h"

/* How long the kernel may keep an entry or the attributes of the host tree: until invalidated. */
#define CACHE_TIMEOUT_S 86400.0
/* A flush that the kernel does not finish in this time is not waited for any longer. */
#define FLUSH_WAIT_MS 2000
#define ROOT_NAMES_MAX 64
/* Devpaths of the events since the last flush, whose own inodes are invalidated as well. */
#define DEVPATHS_MAX 128
#define DEVPATH_LEN 256

/*
 * The kernel's cache of the host tree (entries and attributes, never contents): every host
 * uevent (each node added or removed, each bind, unbind and change) raises want; the flush
 * thread then invalidates every top-level entry of the mount, which drops the kernel's
 * whole cached subtree below it (d_invalidate), and the root's attributes; done follows.
 * d_invalidate leaves the dentries that are in use at that moment (the file being written,
 * e.g. an mdev's remove, and the directories above it), so the thread also invalidates the
 * attributes of each event's device directory: with default_permissions the kernel then asks
 * again for them on the next walk through it, and a removed one answers ENOENT.
 * The uevent listener runs under the sim lock and only takes lock; the thread never holds
 * the sim lock while it talks to the kernel, since the kernel may be waiting for an
 * operation that waits for the sim lock.
 */
struct apsimd_cache {
	struct apsimd_fs *fs;
	struct fuse *f;
	struct fuse_session *se;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* want raised, done raised, or stop */
	uint64_t want;	     /* the last uevent seqnum seen */
	uint64_t done;	     /* the kernel holds nothing older than the events up to this */
	bool stop;
	int listener; /* on the host uevent log */
	pthread_t thread;
	size_t n_devpaths; /* DEVPATHS_MAX + 1: overflowed, the flush of everything has to do */
	char devpaths[DEVPATHS_MAX][DEVPATH_LEN];
};

/* What an open file for reading keeps: the text of the last show() (seq_file's buffer). */
struct open_file {
	pthread_mutex_t lock;
	ssize_t len; /* -1: nothing shown yet */
	char text[APSIM_SYSFS_PAGE];
};

static struct apsimd_fs *current_fs(void)
{
	return fuse_get_context()->private_data;
}

/* The tree served; sim lock held. NULL for a guest that is not running. */
static struct apsim_tree *mount_tree(struct apsimd_fs *fs)
{
	if (!fs->guest)
		return apsim_sim_get_tree(fs->d->sim);
	return apsim_sim_get_guest_tree(fs->d->sim, fs->guest);
}

/* Writes are root's (and the daemon owner's): sysfs attributes are root-owned. */
static bool may_write(const struct apsimd_fs *fs)
{
	uid_t uid = fuse_get_context()->uid;

	return uid == 0 || uid == fs->d->uid;
}

static void fill_stat(const struct apsimd_fs *fs, const struct apsim_node_info *info,
		      struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = (ino_t) info->ino;
	st->st_uid = fs->d->uid;
	st->st_gid = getgid();
	st->st_blksize = APSIM_SYSFS_PAGE;
	st->st_atim.tv_sec = st->st_mtim.tv_sec = st->st_ctim.tv_sec = (time_t) fs->d->start_sec;
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
static void fill_empty_root(const struct apsimd_fs *fs, struct stat *st)
{
	struct apsim_node_info info = {.type = APSIM_NODE_DIR, .mode = 0755, .ino = 1};

	fill_stat(fs, &info, st);
}

static bool is_root(const char *path)
{
	return path[0] == '\0' || strcmp(path, "/") == 0;
}

/* Takes the sim lock and returns the tree; NULL, with the lock released, while the tree is not
 * there (a guest that is not running). */
static struct apsim_tree *lock_tree(struct apsimd_fs *fs)
{
	struct apsim_tree *t;

	apsim_sim_lock(fs->d->sim);
	t = mount_tree(fs);
	if (!t)
		apsim_sim_unlock(fs->d->sim);
	return t;
}

/* The stat of path while the tree is not there: only the (empty) root exists. */
static int stat_missing_tree(const struct apsimd_fs *fs, const char *path, struct stat *st)
{
	if (!is_root(path))
		return -ENOENT;
	fill_empty_root(fs, st);
	return 0;
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct apsimd_fs *fs = current_fs();
	struct apsim_node_info info;
	struct apsim_tree *t;
	int r;

	(void) fi;
	t = lock_tree(fs);
	if (!t)
		return stat_missing_tree(fs, path, st);
	r = apsim_tree_lookup(t, path, &info);
	apsim_sim_unlock(fs->d->sim);
	if (r < 0)
		return r;
	fill_stat(fs, &info, st);
	return 0;
}

static int op_readlink(const char *path, char *buf, size_t size)
{
	struct apsimd_fs *fs = current_fs();
	struct apsim_tree *t;
	int r;

	apsim_sim_lock(fs->d->sim);
	t = mount_tree(fs);
	r = t ? apsim_tree_readlink(t, path, buf, size) : -ENOENT;
	apsim_sim_unlock(fs->d->sim);
	if (r == -ENAMETOOLONG && size > 0) {
		/* readlink(2) truncates; FUSE wants a NUL-terminated prefix */
		r = 0;
	}
	return r < 0 ? r : 0;
}

struct dir_ctx {
	const struct apsimd_fs *fs;
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
	fill_stat(dc->fs, &info, &st);
	if (ent->type == APSIM_NODE_ATTR)
		return dc->filler(dc->buf, ent->name, &st, 0, 0) ? 1 : 0;
	return dc->filler(dc->buf, ent->name, &st, 0, dc->flags & FUSE_FILL_DIR_PLUS) ? 1 : 0;
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct apsimd_fs *fs = current_fs();
	struct dir_ctx dc = {.fs = fs, .buf = buf, .filler = filler};
	struct apsim_node_info info;
	struct apsim_tree *t;
	struct stat st;
	int r;

	(void) off;
	(void) fi;
	if (flags & FUSE_READDIR_PLUS)
		dc.flags = FUSE_FILL_DIR_PLUS;
	t = lock_tree(fs);
	if (!t) {
		r = stat_missing_tree(fs, path, &st);
		if (r < 0)
			return r;
		filler(buf, ".", &st, 0, 0);
		filler(buf, "..", NULL, 0, 0);
		return 0;
	}
	r = apsim_tree_stat(t, path, &info);
	if (r == 0 && info.type != APSIM_NODE_DIR)
		r = -ENOTDIR;
	if (r == 0) {
		fill_stat(fs, &info, &st);
		filler(buf, ".", &st, 0, 0);
		filler(buf, "..", NULL, 0, 0);
		r = apsim_tree_readdir(t, path, dir_entry, &dc);
		if (r > 0)
			r = 0; /* the filler's buffer is full: the high-level lib asks again */
	}
	apsim_sim_unlock(fs->d->sim);
	return r;
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
	struct apsimd_fs *fs = current_fs();
	int acc = fi->flags & O_ACCMODE;
	bool wr = acc != O_RDONLY, rd = acc != O_WRONLY;
	struct apsim_tree *t;
	int r;

	if (wr && !may_write(fs))
		return -EACCES;
	apsim_sim_lock(fs->d->sim);
	t = mount_tree(fs);
	r = t ? apsim_tree_open_check(t, path, rd, wr) : -ENOENT;
	apsim_sim_unlock(fs->d->sim);
	if (r < 0)
		return r;
	/* no page cache: every read at offset 0 is a fresh show(), every write() reaches
	 * store() */
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->nonseekable = 0;
	/* nothing to do at close(): no FLUSH round trip (the kernel still sends RELEASE) */
	fi->noflush = 1;
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
	struct apsimd_fs *fs = current_fs();
	struct open_file *of = (struct open_file *) (uintptr_t) fi->fh;
	char page[APSIM_SYSFS_PAGE];
	struct apsim_tree *t;
	ssize_t n;

	if (of)
		pthread_mutex_lock(&of->lock);
	if (!of || off == 0 || of->len < 0) {
		apsim_sim_lock(fs->d->sim);
		t = mount_tree(fs);
		n = t ? apsim_tree_read(t, path, page, sizeof(page)) : -ENOENT;
		apsim_sim_unlock(fs->d->sim);
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
	struct apsimd_fs *fs = current_fs();
	struct apsim_tree *t;
	uint64_t before, after;
	ssize_t n;
	int r;

	(void) off; /* sysfs_kf_write ignores the position: each write() is one store() */
	(void) fi;
	if (!may_write(fs))
		return -EACCES;
	if (size > INT_MAX)
		return -EINVAL;
	apsim_sim_lock(fs->d->sim);
	before = apsimd_last_seqnum(fs->d->sim);
	t = mount_tree(fs);
	n = t ? apsim_tree_write(t, path, buf, size) : -ENOENT;
	if (n > 0 && !fs->guest) {
		/* persisted before the write is acknowledged */
		r = apsimd_persist_changed(fs->d);
		if (r < 0)
			n = r;
	}
	after = apsimd_last_seqnum(fs->d->sim);
	apsim_sim_unlock(fs->d->sim);
	/* the /dev nodes of apsim exec follow before the writer goes on (acks.c) */
	if (after > before)
		apsimd_acks_wait(fs->d->acks, after);
	return (int) n;
}

/* Looks path up under the sim lock (following a last link with follow_last, as stat does):
 * -ENOENT while the tree is not there. */
static int node_info(struct apsimd_fs *fs, const char *path, bool follow_last,
		     struct apsim_node_info *ret_info)
{
	struct apsim_tree *t;
	int r;

	t = lock_tree(fs);
	if (!t)
		return -ENOENT;
	if (follow_last)
		r = apsim_tree_stat(t, path, ret_info);
	else
		r = apsim_tree_lookup(t, path, ret_info);
	apsim_sim_unlock(fs->d->sim);
	return r;
}

/* O_TRUNC and truncate(2) are accepted and ignored (kernfs ignores ATTR_SIZE). */
static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct apsimd_fs *fs = current_fs();
	struct apsim_node_info info;
	int r;

	(void) size;
	(void) fi;
	if (!may_write(fs))
		return -EACCES;
	r = node_info(fs, path, true, &info);
	if (r < 0)
		return r;
	return info.type == APSIM_NODE_DIR ? -EISDIR : 0;
}

static int op_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	struct apsimd_fs *fs = current_fs();

	(void) tv;
	(void) fi;
	if (!may_write(fs))
		return -EPERM;
	return node_info(fs, path, false, NULL);
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
	struct apsimd_fs *fs = fuse_get_context()->private_data;

	(void) conn;
	/* The host tree: entries and attributes cached until a uevent invalidates them (struct
	 * apsimd_cache). A guest tree: nothing cached, a lookup and a stat always reach the tree
	 * (the guest comes and goes without a host uevent). Never a negative entry (a name that
	 * appears is found at once) and never contents: a read always reaches show(). */
	cfg->entry_timeout = fs->guest ? 0 : CACHE_TIMEOUT_S;
	cfg->attr_timeout = fs->guest ? 0 : CACHE_TIMEOUT_S;
	cfg->negative_timeout = 0;
	cfg->use_ino = 1;
	cfg->readdir_ino = 1;
	cfg->direct_io = 1;
	cfg->kernel_cache = 0;
	cfg->auto_cache = 0;
	cfg->hard_remove = 1;
	return fs;
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

struct fuse *apsimd_fuse_new(struct fuse_args *args, struct apsimd_fs *fs)
{
	return fuse_new(args, &ops, sizeof(ops), fs);
}

/* --- the host tree's kernel cache ------------------------------------------------------ */

static void cache_event(const struct apsim_uevent *ev, void *ctx)
{
	struct apsimd_cache *c = ctx;

	pthread_mutex_lock(&c->lock);
	if (ev->seqnum > c->want) {
		c->want = ev->seqnum;
		pthread_cond_broadcast(&c->cond);
	}
	if (c->n_devpaths < DEVPATHS_MAX && ev->devpath && strlen(ev->devpath) < DEVPATH_LEN) {
		memcpy(c->devpaths[c->n_devpaths], ev->devpath, strlen(ev->devpath) + 1);
		c->n_devpaths++;
	} else {
		c->n_devpaths = DEVPATHS_MAX + 1;
	}
	pthread_mutex_unlock(&c->lock);
}

struct root_names {
	size_t n;
	char name[ROOT_NAMES_MAX][NAME_MAX + 1];
	size_t n_devpaths;
	char devpaths[DEVPATHS_MAX][DEVPATH_LEN];
};

static int root_name(const struct apsim_dirent *ent, void *ctx)
{
	struct root_names *rn = ctx;

	if (rn->n < ROOT_NAMES_MAX) {
		snprintf(rn->name[rn->n], sizeof(rn->name[0]), "%s", ent->name);
		rn->n++;
	}
	return 0;
}

/* Drops every entry the kernel holds: each top-level name's subtree, and the root's attributes.
 * Entries the kernel does not hold answer -ENOENT, which is fine. */
static void cache_flush(struct fuse *f, struct apsimd_cache *c, struct root_names *rn)
{
	rn->n = 0;
	apsim_sim_lock(c->fs->d->sim);
	(void) apsim_tree_readdir(apsim_sim_get_tree(c->fs->d->sim), "", root_name, rn);
	apsim_sim_unlock(c->fs->d->sim);
	for (size_t i = 0; i < rn->n; i++)
		(void) fuse_lowlevel_notify_inval_entry(c->se, FUSE_ROOT_ID, rn->name[i],
							strlen(rn->name[i]));
	(void) fuse_lowlevel_notify_inval_inode(c->se, FUSE_ROOT_ID, 0, 0);
	/* -ENOENT: the kernel does not hold that path */
	for (size_t i = 0; i < rn->n_devpaths && i < DEVPATHS_MAX; i++)
		(void) fuse_invalidate_path(f, rn->devpaths[i]);
}

static void *cache_thread(void *arg)
{
	struct apsimd_cache *c = arg;
	struct root_names *rn = malloc(sizeof(*rn));
	uint64_t target;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->stop && c->done >= c->want)
			pthread_cond_wait(&c->cond, &c->lock);
		if (c->stop)
			break;
		target = c->want;
		if (rn) {
			rn->n_devpaths = c->n_devpaths;
			if (c->n_devpaths <= DEVPATHS_MAX)
				memcpy(rn->devpaths, c->devpaths, c->n_devpaths * DEVPATH_LEN);
		}
		c->n_devpaths = 0;
		pthread_mutex_unlock(&c->lock);
		if (rn)
			cache_flush(c->f, c, rn);
		pthread_mutex_lock(&c->lock);
		c->done = target;
		pthread_cond_broadcast(&c->cond);
	}
	pthread_mutex_unlock(&c->lock);
	free(rn);
	return NULL;
}

/* apsimd_acks_wait's hook: returns once the kernel holds nothing older than seqnum. */
static void cache_wait(void *ctx, uint64_t seqnum)
{
	struct apsimd_cache *c = ctx;
	struct timespec deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += FLUSH_WAIT_MS / 1000;
	pthread_mutex_lock(&c->lock);
	while (!c->stop && c->done < seqnum) {
		if (pthread_cond_timedwait(&c->cond, &c->lock, &deadline) != 0)
			break; /* ETIMEDOUT: the kernel is stuck elsewhere; do not hang the writer */
	}
	pthread_mutex_unlock(&c->lock);
}

int apsimd_fuse_cache_start(struct apsimd_fs *fs, struct fuse *f)
{
	struct apsimd_cache *c;
	pthread_condattr_t attr;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fs = fs;
	c->f = f;
	c->se = fuse_get_session(f);
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cond, &attr);
	pthread_condattr_destroy(&attr);
	apsim_sim_lock(fs->d->sim);
	c->want = c->done = apsimd_last_seqnum(fs->d->sim);
	c->listener = apsim_uevent_log_add_listener(apsim_sim_get_uevents(fs->d->sim), cache_event,
						    c);
	apsim_sim_unlock(fs->d->sim);
	if (c->listener < 0) {
		r = c->listener;
		goto out_free;
	}
	r = -pthread_create(&c->thread, NULL, cache_thread, c);
	if (r < 0)
		goto out_remove_listener;
	fs->cache = c;
	apsimd_acks_set_flush(fs->d->acks, cache_wait, c);
	return 0;

out_remove_listener:
	apsim_sim_lock(fs->d->sim);
	apsim_uevent_log_remove_listener(apsim_sim_get_uevents(fs->d->sim), c->listener);
	apsim_sim_unlock(fs->d->sim);
out_free:
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c);
	return r;
}

void apsimd_fuse_cache_stop(struct apsimd_fs *fs)
{
	struct apsimd_cache *c = fs->cache;

	if (!c)
		return;
	apsimd_acks_set_flush(fs->d->acks, NULL, NULL);
	apsim_sim_lock(fs->d->sim);
	apsim_uevent_log_remove_listener(apsim_sim_get_uevents(fs->d->sim), c->listener);
	apsim_sim_unlock(fs->d->sim);
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c);
	fs->cache = NULL;
}
