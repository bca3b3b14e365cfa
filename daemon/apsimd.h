/* SPDX-License-Identifier: MIT */
/*
 * apsimd.h - the daemon's own declarations: the mounts (FUSE), the control socket and the
 * persistence of the state directory, around one simulator (docs/daemon.md).
 *
 * The sections follow the reading order: each file calls only the files above it.
 *
 *   log.c, wire.c, acks.c  <-  persist.c, netlink.c  <-  fuse-ops.c  <-  mount.c  <-  control.c
 *   <-  http.c  <-  main.c
 */
#ifndef APSIMD_H
#define APSIMD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct apsim_sim;
struct apsimd_mount;
struct apsimd_control;
struct apsimd_persist;
struct apsimd_netlink;
struct apsimd_acks;
struct apsimd_http;

struct apsimd {
	struct apsim_sim *sim;
	char *mountpoint;		/* absolute path of the host tree */
	char *state_dir;		/* NULL: nothing is persisted */
	char *socket_path;		/* control socket */
	char *guest_dir;		/* guest trees are mounted at guest_dir/NAME */
	uid_t uid;			/* the daemon's uid: writes allowed for it and root */
	unsigned client_timeout;	/* seconds: a socket client's request line must be
					 * complete within them, and each reply taken */
	uint64_t start_sec;		/* timestamps of every node */
	struct apsimd_persist *persist; /* NULL without a state dir */
	struct apsimd_control *control;
	struct apsimd_netlink *netlink; /* NULL: no udev events on netlink */
	struct apsimd_acks *acks;	/* synchronous event followers (apsim exec) */
	struct apsimd_http *http;	/* NULL: no --http page */
	pthread_t main_thread;		/* signalled (SIGUSR1) when the host mount goes away */
	pthread_mutex_t mounts_lock;	/* guards host and guests (not the mounts' contents) */
	struct apsimd_mount *host;
	struct apsimd_mount *guests;
	bool stopping; /* under mounts_lock: no new guest mounts */
	bool verbose;
};

/* --- log.c -------------------------------------------------------------------------------- */

/* One message (no trailing newline): on stderr, or to syslog after apsimd_log_to_syslog(). */
void apsimd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* From now on apsimd_log() writes to syslog (the daemon has detached from its terminal). */
void apsimd_log_to_syslog(void);

/* --- wire.c ------------------------------------------------------------------------------- */

/* The control socket's reply lines; each returns 0 or -errno of the send. */
struct json_t;
int apsimd_send_all(int fd, const char *buf, size_t len);
int apsimd_send_json(int fd, struct json_t *o);			 /* then json_decref(o) */
int apsimd_send_text(int fd, const char *key, const char *buf, size_t len); /* "out"/"err" */
int apsimd_send_rc(int fd, int rc);
/* {"err": "MESSAGE\n"} and {"rc": rc} */
int apsimd_send_error(int fd, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A request line's bytes: no NUL or control character, valid UTF-8, not blank; else -EINVAL
 * with the reason sent. */
int apsimd_check_bytes(int fd, const char *line, size_t len);

/* --- acks.c ------------------------------------------------------------------------------- */

int apsimd_acks_new(struct apsimd_acks **ret);
/* After every follower has been removed. NULL-safe. */
void apsimd_acks_free(struct apsimd_acks *a);
/* The seqnum of the last uevent the sim emitted, 0 if none (sim lock held). */
uint64_t apsimd_last_seqnum(struct apsim_sim *sim);
/* Registers a follower that has seen every event up to seen: an id, or -EBUSY. */
int apsimd_acks_add(struct apsimd_acks *a, uint64_t seen);
/* The follower applied every event up to seqnum. Ids out of range are ignored. */
void apsimd_acks_ack(struct apsimd_acks *a, int id, uint64_t seqnum);
void apsimd_acks_remove(struct apsimd_acks *a, int id);
/* Without the sim lock: waits (at most 2 s) until every follower has applied seqnum, and first
 * until the kernel's cache of the host mount no longer holds what events up to seqnum
 * changed (the hook set with apsimd_acks_set_flush). */
void apsimd_acks_wait(struct apsimd_acks *a, uint64_t seqnum);
/* The host mount's cache flush to wait for in apsimd_acks_wait (fn NULL: none). */
void apsimd_acks_set_flush(struct apsimd_acks *a, void (*fn)(void *ctx, uint64_t seqnum),
			   void *ctx);

/* --- follow.c ---------------------------------------------------------------------------- */

/*
 * Serves one events --follow connection until the client goes away, the send fails or
 * stop_fd (an eventfd) becomes readable: json for JSON events, sync for a synchronous
 * follower (acks.c). Returns 0 or the -errno of the last send.
 */
int apsimd_follow(struct apsimd *d, int fd, int stop_fd, bool json, bool sync);

/* --- persist.c ---------------------------------------------------------------------------- */

/*
 * Opens the state dir (created if missing): if it holds a saved state, builds the sim from it
 * (*ret_restored = true), else from opts. Then hooks the sim's on_change to save. -errno with
 * a message on stderr.
 */
struct apsim_sim_options;
int apsimd_persist_open(struct apsimd *d, const struct apsim_sim_options *opts, bool *ret_restored);
void apsimd_persist_close(struct apsimd *d);
/* After a successful FUSE write of the host tree (sim lock held): saves if the persisted
 * state changed. -errno if it could not be saved. */
int apsimd_persist_changed(struct apsimd *d);

/* --- netlink.c ---------------------------------------------------------------------------- */

/* Starts the udev event socket in a private network namespace (needs CAP_SYS_ADMIN and
 * CAP_NET_ADMIN); every host uevent is then sent to its udev multicast group. */
int apsimd_netlink_start(struct apsimd *d, struct apsimd_netlink **ret);
void apsimd_netlink_stop(struct apsimd_netlink *n);
/* "/proc/PID/task/TID/ns/net": the namespace to join to see the events. */
int apsimd_netlink_netns_path(struct apsimd_netlink *n, char *buf, size_t len);

/* --- fuse-ops.c --------------------------------------------------------------------------- */

/* What one FUSE file system serves: its private data, embedded in its struct apsimd_mount. */
struct apsimd_cache;
struct apsimd_fs {
	struct apsimd *d;
	char *guest; /* NULL: the host tree; else looked up on every operation */
	struct apsimd_cache *cache; /* the host tree's kernel cache invalidation, else NULL */
};

struct fuse;
struct fuse_args;
/* fuse_new() with the sysfs operations, serving fs (which must outlive the session). */
struct fuse *apsimd_fuse_new(struct fuse_args *args, struct apsimd_fs *fs);
/* For the host tree, once mounted: from now on every host uevent makes the kernel drop its
 * cached entries and attributes (a thread of its own), and apsimd_acks_wait waits for that.
 * Without the sim lock. */
int apsimd_fuse_cache_start(struct apsimd_fs *fs, struct fuse *f);
/* After the loop ended, before fuse_destroy(); without the sim lock. NULL-safe cache. */
void apsimd_fuse_cache_stop(struct apsimd_fs *fs);

/* --- mount.c ------------------------------------------------------------------------------ */

/*
 * Mounts a tree at path (which must exist): the host tree when guest is NULL, else the tree of
 * that guest (looked up on every operation, so it may stop and start again). Starts the
 * multi-threaded FUSE loop in a thread of its own. -errno with a message on stderr.
 */
int apsimd_mount_start(struct apsimd *d, const char *guest, const char *path,
		       struct apsimd_mount **ret);
/* Unmounts, waits for the loop to end and frees. Safe from any thread but the loop's own. */
void apsimd_mount_stop(struct apsimd_mount *m);
/* True once the mount's loop has ended (unmounted from outside, or a fatal error). */
bool apsimd_mount_ended(struct apsimd_mount *m);
/* Refuses new guest mounts, then stops every guest mount and the host mount. */
void apsimd_mounts_stop(struct apsimd *d);

/*
 * Returns (in *ret_path, malloc'ed) where the guest's tree is mounted, mounting it at
 * guest_dir/NAME first if needed. -ENOENT no such guest, -EINVAL bad name, -ESHUTDOWN.
 */
int apsimd_guest_mount(struct apsimd *d, const char *guest, char **ret_path);

/* Checks a mountpoint: an existing, empty directory that is not a mount point. Prints why
 * not on stderr. */
int apsimd_check_mountpoint(const char *path);

/* --- http.c ------------------------------------------------------------------------------- */

/* Serves the live matrix page on spec ("PORT" or "ADDR:PORT"); a non-loopback address only
 * with remote. -errno with a message on stderr. */
int apsimd_http_start(struct apsimd *d, const char *spec, bool remote, struct apsimd_http **ret);
void apsimd_http_stop(struct apsimd_http *h); /* NULL-safe */

/* --- control.c ---------------------------------------------------------------------------- */

int apsimd_control_start(struct apsimd *d, struct apsimd_control **ret);
/* Closes the socket, ends every connection (streams too) and waits for them. */
void apsimd_control_stop(struct apsimd_control *c);

#endif
