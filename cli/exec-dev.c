/* SPDX-License-Identifier: MIT */
/*
 * exec-dev.c - the /dev of `apsim exec` (docs/daemon.md "apsim exec"): a tmpfs with the
 * host's entries and the simulated system's device nodes, kept current while COMMAND runs.
 *
 *  - The host's entries, copied from the host's /dev (still reachable through a descriptor
 *    opened before the tmpfs covers it): character and block devices made again with mknod
 *    (same numbers, mode and owner), symlinks and directories copied; whatever is a mount of
 *    its own (pts, shm, mqueue, hugepages, a bind-mounted node or file) and anything else
 *    (sockets, fifos, files) bind-mounted from there. Entries that cannot be copied are left
 *    out.
 *  - The simulated devices, as devtmpfs makes them: every device in /sys/class/CLASS/ and
 *    /sys/bus/BUS/devices/ whose uevent has DEVNAME, MAJOR and MINOR gets /dev/DEVNAME
 *    (directories of a DEVNAME like vfio/3 made 0755), mode DEVMODE or else 0600, owner
 *    DEVUID:DEVGID or else root; a block device in class "block", else a character device.
 *    A simulated device takes the place of a host entry of the same name.
 *  - Then the daemon's uevents, followed with {"argv": ["events", "--follow"], "json": true,
 *    "sync": true}: "add" makes the node, "remove" takes it away (if it still is that device)
 *    with the directories that it leaves empty. After each batch the highest seqnum applied
 *    is acknowledged with {"ack": N}, and the daemon holds the write that caused the events
 *    until then (daemon/acks.c): a node is there before the write that created it returns.
 *
 * The follow request goes out before /sys is scanned, and the daemon answers {"seqnum": N}
 * once it queues every later event for us, so no change falls between the scan and the
 * stream: each event says what one name is now, and replaying them over the scan gives the
 * present state.
 *
 * Nothing read from the socket is trusted: a line that is not JSON, an event without the
 * fields, a DEVNAME that is absolute or has an empty, "." or ".." component, numbers out of
 * range: each is skipped. If the stream ends (the daemon stopped, or dropped a reader too
 * slow), one warning says so and COMMAND goes on with /dev as it is.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "client.h"
#include "exec-dev.h"

#define WHO		"apsim exec"
#define MAX_LINE	(1u << 20) /* a reply line, an event line */
#define MAX_DEVNAME	256
#define MAX_DEPTH	16	   /* of the host's /dev */
#define FOLLOW_TIMEOUT	10000	   /* ms for the daemon's {"seqnum"} */
#define MAX_MAJOR	4095u	   /* MAJOR(dev_t) is 12 bits, MINOR 20 */
#define MAX_MINOR	1048575u

/* A growing buffer of the current, incomplete line. */
struct linebuf {
	char *buf;
	size_t len, cap;
	bool skipping; /* inside a line longer than MAX_LINE: dropped */
};

struct apsim_exec_dev {
	int fd;		      /* the event stream; -1 when nothing is followed */
	bool ended;	      /* the daemon sent its {"rc"} */
	struct linebuf reply; /* reply lines of the socket */
	struct linebuf text;  /* their "out" text: one event (JSON) per line */
	uint64_t applied;     /* highest seqnum applied */
	uint64_t acked;	      /* highest seqnum acknowledged */
};

/* What devtmpfs needs of a device. */
struct devnode {
	char name[MAX_DEVNAME]; /* DEVNAME, relative to /dev */
	mode_t type;		/* S_IFCHR or S_IFBLK */
	dev_t rdev;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

/* --- the nodes -------------------------------------------------------------------------- */

static bool parse_uint(const char *s, int base, unsigned long max, unsigned long *ret)
{
	unsigned long v;
	char *end;

	if (!s || s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || *end || v > max)
		return false;
	*ret = v;
	return true;
}

/* Relative, each component neither empty nor "." nor "..". */
static bool devname_valid(const char *s, size_t len)
{
	const char *c = s, *end = s + len;

	if (len == 0 || len >= MAX_DEVNAME || strlen(s) != len)
		return false;
	while (c <= end) {
		const char *slash = memchr(c, '/', (size_t) (end - c));
		size_t l = slash ? (size_t) (slash - c) : (size_t) (end - c);

		if (l == 0 || (l == 1 && c[0] == '.') || (l == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += l + 1;
	}
	return true;
}

/* The uevent variables of a device (NULL when missing): true if it has a node. */
static bool devnode_parse(struct devnode *n, const char *subsystem, const char *devname,
			  size_t devname_len, const char *major, const char *minor,
			  const char *devmode, const char *devuid, const char *devgid)
{
	unsigned long ma, mi, mode = 0600, uid = 0, gid = 0;

	if (!devname || !devname_valid(devname, devname_len) ||
	    !parse_uint(major, 10, MAX_MAJOR, &ma) || !parse_uint(minor, 10, MAX_MINOR, &mi))
		return false;
	if (devmode && !parse_uint(devmode, 8, 07777, &mode))
		return false;
	if ((devuid && !parse_uint(devuid, 10, UINT32_MAX - 1, &uid)) ||
	    (devgid && !parse_uint(devgid, 10, UINT32_MAX - 1, &gid)))
		return false;
	memcpy(n->name, devname, devname_len + 1);
	n->type = subsystem && strcmp(subsystem, "block") == 0 ? S_IFBLK : S_IFCHR;
	n->rdev = makedev(ma, mi);
	n->mode = (mode_t) mode;
	n->uid = (uid_t) uid;
	n->gid = (gid_t) gid;
	return true;
}

static bool is_node(const struct stat *st, const struct devnode *n)
{
	return (st->st_mode & S_IFMT) == n->type && st->st_rdev == n->rdev;
}

/* The directories of path below /dev, 0755 as devtmpfs makes them. */
static int make_parents(char *path)
{
	for (char *p = path + strlen("/dev/"); (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) == 0)
			(void) chmod(path, 0755);
		else if (errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	return 0;
}

static void node_make(const struct devnode *n)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/%s", n->name);
	if (make_parents(path) < 0)
		return;
	if (lstat(path, &st) == 0 && !is_node(&st, n)) {
		if (S_ISDIR(st.st_mode) || unlink(path) < 0)
			return;
	}
	if (mknod(path, n->type | n->mode, n->rdev) < 0 && errno != EEXIST)
		return;
	(void) lchown(path, n->uid, n->gid);
	(void) chmod(path, n->mode);
}

static void node_remove(const struct devnode *n)
{
	char path[PATH_MAX], *slash;
	struct stat st;

	snprintf(path, sizeof(path), "/dev/%s", n->name);
	if (lstat(path, &st) < 0 || !is_node(&st, n) || unlink(path) < 0)
		return;
	/* devtmpfs's delete_path(): the directories that are empty now */
	while ((slash = strrchr(path, '/')) && slash > path + strlen("/dev")) {
		*slash = '\0';
		if (rmdir(path) < 0)
			break;
	}
}

/* --- /sys --------------------------------------------------------------------------------- */

/* One device's uevent file: KEY=VALUE lines. */
static void sys_device(const char *dir, const char *name, const char *subsystem)
{
	const char *devname = NULL, *major = NULL, *minor = NULL, *mode = NULL, *uid = NULL,
		   *gid = NULL;
	char path[PATH_MAX], buf[4097], *line, *next;
	struct devnode n;
	ssize_t len;
	int fd;

	if (name[0] == '.' ||
	    (size_t) snprintf(path, sizeof(path), "%s/%s/uevent", dir, name) >= sizeof(path))
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return;
	buf[len] = '\0';
	for (line = buf; line && *line; line = next) {
		char *eq;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq++ = '\0';
		if (strcmp(line, "DEVNAME") == 0)
			devname = eq;
		else if (strcmp(line, "MAJOR") == 0)
			major = eq;
		else if (strcmp(line, "MINOR") == 0)
			minor = eq;
		else if (strcmp(line, "DEVMODE") == 0)
			mode = eq;
		else if (strcmp(line, "DEVUID") == 0)
			uid = eq;
		else if (strcmp(line, "DEVGID") == 0)
			gid = eq;
	}
	if (devnode_parse(&n, subsystem, devname, devname ? strlen(devname) : 0, major, minor,
			  mode, uid, gid))
		node_make(&n);
}

/* Every device of /sys/class/CLASS/ (sub NULL) or /sys/bus/BUS/devices/ (sub "devices"). */
static void sys_scan(const char *top, const char *sub)
{
	char dir[PATH_MAX];
	struct dirent *e, *de;
	DIR *d, *dd;

	d = opendir(top);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' ||
		    (size_t) snprintf(dir, sizeof(dir), "%s/%s%s%s", top, e->d_name, sub ? "/" : "",
				      sub ? sub : "") >= sizeof(dir))
			continue;
		dd = opendir(dir);
		if (!dd)
			continue;
		while ((de = readdir(dd)))
			sys_device(dir, de->d_name, e->d_name);
		closedir(dd);
	}
	closedir(d);
}

/* --- the host's /dev ---------------------------------------------------------------------- */

/* Bind-mounts dirfd/name (reached through /proc/self/fd) onto path. */
static int bind_from(int dirfd, const char *name, const char *path, bool rec)
{
	char src[64];
	int fd, r = 0;

	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	if (mount(src, path, NULL, MS_BIND | (rec ? MS_REC : 0), NULL) < 0)
		r = -errno;
	close(fd);
	return r;
}

static void set_attrs(const char *path, const struct stat *st)
{
	(void) lchown(path, st->st_uid, st->st_gid);
	(void) chmod(path, st->st_mode & 07777);
}

static void copy_dir(int srcfd, const char *dst, dev_t fs, unsigned depth);

/* One entry of the host's /dev (fs: its file system) as path. */
static void copy_entry(int srcfd, const char *name, const struct stat *st, const char *path,
		       dev_t fs, unsigned depth)
{
	char target[PATH_MAX];
	ssize_t n;
	int fd;

	if (S_ISLNK(st->st_mode)) {
		n = readlinkat(srcfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return;
		target[n] = '\0';
		if (symlink(target, path) == 0)
			(void) lchown(path, st->st_uid, st->st_gid);
		return;
	}
	if (S_ISDIR(st->st_mode)) {
		if (mkdir(path, 0700) < 0)
			return;
		set_attrs(path, st);
		if (st->st_dev != fs) {
			(void) bind_from(srcfd, name, path, true); /* pts, shm, mqueue, ... */
		} else if (depth < MAX_DEPTH) {
			fd = openat(srcfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0) {
				copy_dir(fd, path, fs, depth + 1);
				close(fd);
			}
		}
		return;
	}
	if ((S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) && st->st_dev == fs &&
	    mknod(path, st->st_mode & (S_IFMT | 07777), st->st_rdev) == 0) {
		set_attrs(path, st);
		return;
	}
	/* a mount of its own, or a node mknod refuses, a socket, a fifo, a file: bound */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	close(fd);
	if (bind_from(srcfd, name, path, false) < 0)
		(void) unlink(path);
}

static void copy_dir(int srcfd, const char *dst, dev_t fs, unsigned depth)
{
	char path[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d;
	int fd;

	fd = openat(srcfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(srcfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if ((size_t) snprintf(path, sizeof(path), "%s/%s", dst, e->d_name) >= sizeof(path))
			continue;
		copy_entry(srcfd, e->d_name, &st, path, fs, depth);
	}
	closedir(d);
}

int apsim_exec_dev_setup(struct apsim_exec_dev *dev)
{
	struct stat st;
	int host, err;

	(void) dev;
	host = open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (host < 0 || fstat(host, &st) < 0) {
		err = errno;
		fprintf(stderr, WHO ": cannot open '/dev': %s\n", strerror(err));
		if (host >= 0)
			close(host);
		return -err;
	}
	if (mount("apsim-dev", "/dev", "tmpfs", MS_NOSUID, "mode=0755") < 0) {
		err = errno;
		fprintf(stderr, WHO ": cannot mount a tmpfs on '/dev': %s\n", strerror(err));
		close(host);
		return -err;
	}
	copy_dir(host, "/dev", st.st_dev, 0);
	close(host);
	sys_scan("/sys/class", NULL);
	sys_scan("/sys/bus", "devices");
	return 0;
}

/* --- the event stream --------------------------------------------------------------------- */

typedef void (*line_fn)(struct apsim_exec_dev *dev, const char *line, size_t len);

/* Appends data to lb and calls fn for every line it completes (without the newline). */
static void feed(struct apsim_exec_dev *dev, struct linebuf *lb, const char *data, size_t n,
		 line_fn fn)
{
	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t part = nl ? (size_t) (nl - data) : n;

		if (!lb->skipping && lb->len + part > MAX_LINE) {
			lb->skipping = true;
		} else if (!lb->skipping && lb->len + part + 1 > lb->cap) {
			size_t cap = (lb->len + part + 1) * 2;
			char *b = realloc(lb->buf, cap);

			if (!b)
				lb->skipping = true;
			else {
				lb->buf = b;
				lb->cap = cap;
			}
		}
		if (!lb->skipping) {
			memcpy(lb->buf + lb->len, data, part);
			lb->len += part;
		}
		if (!nl)
			return;
		if (!lb->skipping) {
			lb->buf[lb->len] = '\0';
			fn(dev, lb->buf, lb->len);
		}
		lb->len = 0;
		lb->skipping = false;
		data = nl + 1;
		n -= part + 1;
	}
}

static const char *env_str(json_t *env, const char *key)
{
	return json_string_value(json_object_get(env, key));
}

/* One event: {"seqnum":N,"action":"add","devpath":...,"subsystem":...,"env":{...}} */
static void on_event(struct apsim_exec_dev *dev, const char *line, size_t len)
{
	json_t *ev = json_loadb(line, len, 0, NULL);
	json_t *seq = json_object_get(ev, "seqnum"), *env = json_object_get(ev, "env");
	json_t *devname = json_object_get(env, "DEVNAME");
	const char *action = json_string_value(json_object_get(ev, "action"));
	struct devnode n;

	if (json_is_integer(seq) && json_integer_value(seq) > 0 &&
	    (uint64_t) json_integer_value(seq) > dev->applied)
		dev->applied = (uint64_t) json_integer_value(seq);
	if (action && json_is_object(env) && json_is_string(devname) &&
	    devnode_parse(&n, json_string_value(json_object_get(ev, "subsystem")),
			  json_string_value(devname), json_string_length(devname),
			  env_str(env, "MAJOR"), env_str(env, "MINOR"), env_str(env, "DEVMODE"),
			  env_str(env, "DEVUID"), env_str(env, "DEVGID"))) {
		/* devtmpfs acts on device_add() and device_del() only */
		if (strcmp(action, "add") == 0)
			node_make(&n);
		else if (strcmp(action, "remove") == 0)
			node_remove(&n);
	}
	json_decref(ev);
}

/* One reply line: {"out": text}, {"err": text} or the last, {"rc": N}. */
static void on_reply(struct apsim_exec_dev *dev, const char *line, size_t len)
{
	json_t *o = json_loadb(line, len, 0, NULL);
	json_t *out = json_object_get(o, "out"), *err = json_object_get(o, "err");

	if (json_is_string(out))
		feed(dev, &dev->text, json_string_value(out), json_string_length(out), on_event);
	if (json_is_string(err))
		fwrite(json_string_value(err), 1, json_string_length(err), stderr);
	if (json_object_get(o, "rc"))
		dev->ended = true;
	json_decref(o);
}

static void follow_end(struct apsim_exec_dev *dev)
{
	if (dev->fd < 0)
		return;
	close(dev->fd);
	dev->fd = -1;
	fprintf(stderr, WHO ": apsimd ended the event stream: /dev is no longer kept current\n");
}

/* Reads the first reply line, which must be {"seqnum": N}. */
static int follow_confirmed(struct apsim_exec_dev *dev)
{
	char line[4096];
	size_t len = 0;
	json_t *o, *seq;

	while (len < sizeof(line) - 1) {
		struct pollfd p = {.fd = dev->fd, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, FOLLOW_TIMEOUT) == 0)
			return -ETIMEDOUT;
		n = recv(dev->fd, line + len, 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		if (line[len] == '\n')
			break;
		len++;
	}
	o = json_loadb(line, len, 0, NULL);
	seq = json_object_get(o, "seqnum");
	if (!json_is_integer(seq) || json_integer_value(seq) < 0) {
		/* a refusal: {"err": ...} (then {"rc"}) */
		on_reply(dev, line, len);
		json_decref(o);
		return -EPROTO;
	}
	dev->applied = dev->acked = (uint64_t) json_integer_value(seq);
	json_decref(o);
	return 0;
}

int apsim_exec_dev_new(const char *socket_path, struct apsim_exec_dev **ret)
{
	static const char req[] =
	    "{\"argv\": [\"events\", \"--follow\"], \"json\": true, \"sync\": true}\n";
	struct apsim_exec_dev *dev = calloc(1, sizeof(*dev));
	int r;

	if (!dev)
		return -ENOMEM;
	dev->fd = -1;
	if (socket_path) {
		dev->fd = apsim_cli_connect(socket_path, WHO);
		if (dev->fd < 0) {
			r = dev->fd;
			goto out_free;
		}
		r = apsim_cli_send_all(dev->fd, req, strlen(req));
		if (r == 0)
			r = follow_confirmed(dev);
		if (r < 0) {
			fprintf(stderr, WHO ": cannot follow the events of apsimd: %s\n",
				strerror(-r));
			goto out_free;
		}
	}
	*ret = dev;
	return 0;

out_free:
	apsim_exec_dev_free(dev);
	return r;
}

void apsim_exec_dev_free(struct apsim_exec_dev *dev)
{
	if (!dev)
		return;
	if (dev->fd >= 0)
		close(dev->fd);
	free(dev->reply.buf);
	free(dev->text.buf);
	free(dev);
}

int apsim_exec_dev_fd(const struct apsim_exec_dev *dev)
{
	return dev ? dev->fd : -1;
}

void apsim_exec_dev_process(struct apsim_exec_dev *dev)
{
	char buf[16384], ack[64];
	ssize_t n;
	int len;

	if (!dev || dev->fd < 0)
		return;
	for (;;) {
		n = recv(dev->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			feed(dev, &dev->reply, buf, (size_t) n, on_reply);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		follow_end(dev); /* EOF, or the connection broke */
		return;
	}
	if (dev->applied > dev->acked) {
		len = snprintf(ack, sizeof(ack), "{\"ack\": %llu}\n",
			       (unsigned long long) dev->applied);
		if (apsim_cli_send_all(dev->fd, ack, (size_t) len) < 0) {
			follow_end(dev);
			return;
		}
		dev->acked = dev->applied;
	}
	if (dev->ended)
		follow_end(dev);
}
