/* SPDX-License-Identifier: MIT */
/*
 * netlink.c - the host's uevents as udev-processed events on a NETLINK_KOBJECT_UEVENT socket,
 * multicast to the udev group, in a private network namespace of the daemon's (so that
 * nothing on the host sees them, and `udevadm monitor --udev --property` run through
 * `apsim exec` does). The namespace belongs to a thread that only keeps it alive; its
 * /proc/PID/task/TID/ns/net is what `apsim exec` joins (docs/daemon.md "Events for udev
 * clients").
 *
 * The message is the one systemd-udevd sends to its monitors: a "libudev" header (magic
 * 0xfeedcafe, big-endian fields, MurmurHash2 of subsystem and devtype for the monitors'
 * socket filters, an empty tag bloom) followed by the properties as NUL-terminated
 * KEY=VALUE strings.
 *
 * Owns struct apsimd_netlink (apsimd.netlink). Calls the library only; control.c (the
 * namespace's path) and main.c call it.
 */
#define _GNU_SOURCE

#include <endian.h>
#include <errno.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "apsim/apsim.h"
#include "apsimd.h"

#define UDEV_GROUP 2u
#define UDEV_MAGIC 0xfeedcafeu
#define MAX_MSG	   8192

struct udev_header {
	char prefix[8]; /* "libudev" */
	uint32_t magic; /* htobe32(UDEV_MAGIC) */
	uint32_t header_size;
	uint32_t properties_off;
	uint32_t properties_len;
	uint32_t filter_subsystem_hash; /* big-endian MurmurHash2, seed 0 */
	uint32_t filter_devtype_hash;
	uint32_t filter_tag_bloom_hi;
	uint32_t filter_tag_bloom_lo;
};

struct apsimd_netlink {
	struct apsimd *d;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool ready, stop;
	int err;
	int fd;
	pid_t tid;
	int listener;
};

/* MurmurHash2 (Austin Appleby), 32 bits, as udev's filter hashes use it. */
static uint32_t murmur2(const char *s, uint32_t seed)
{
	const uint32_t m = 0x5bd1e995;
	size_t len = strlen(s);
	const unsigned char *p = (const unsigned char *) s;
	uint32_t h = seed ^ (uint32_t) len;

	while (len >= 4) {
		uint32_t k = (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 |
			     (uint32_t) p[3] << 24;

		k *= m;
		k ^= k >> 24;
		k *= m;
		h *= m;
		h ^= k;
		p += 4;
		len -= 4;
	}
	switch (len) {
	case 3:
		h ^= (uint32_t) p[2] << 16;
		/* fall through */
	case 2:
		h ^= (uint32_t) p[1] << 8;
		/* fall through */
	case 1:
		h ^= p[0];
		h *= m;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	return h;
}

static int append(char *buf, size_t *len, const char *s)
{
	size_t n = strlen(s) + 1;

	if (*len + n > MAX_MSG - sizeof(struct udev_header))
		return -E2BIG;
	memcpy(buf + *len, s, n);
	*len += n;
	return 0;
}

/* Runs under the sim lock, synchronously with the emission: one sendmsg, never blocking. */
static void on_uevent(const struct apsim_uevent *ev, void *ctx)
{
	struct apsimd_netlink *n = ctx;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = UDEV_GROUP};
	struct udev_header hdr;
	char props[MAX_MSG], usec[64];
	const char *devtype = NULL;
	size_t len = 0;
	struct iovec iov[2];
	struct msghdr mh = {0};

	for (unsigned i = 0; i < ev->n_env; i++) {
		const char *e = ev->env[i];

		if (strncmp(e, "SEQNUM=", 7) == 0) {
			/* udevd adds USEC_INITIALIZED to what it processed */
			snprintf(usec, sizeof(usec), "USEC_INITIALIZED=%llu",
				 (unsigned long long) ev->usec);
			if (append(props, &len, usec) < 0)
				return;
		}
		if (strncmp(e, "DEVTYPE=", 8) == 0)
			devtype = e + 8;
		if (append(props, &len, e) < 0)
			return;
	}

	memset(&hdr, 0, sizeof(hdr));
	memcpy(hdr.prefix, "libudev", 8);
	hdr.magic = htobe32(UDEV_MAGIC);
	hdr.header_size = sizeof(hdr);
	hdr.properties_off = sizeof(hdr);
	hdr.properties_len = (uint32_t) len;
	hdr.filter_subsystem_hash = htobe32(murmur2(ev->subsystem ? ev->subsystem : "", 0));
	if (devtype)
		hdr.filter_devtype_hash = htobe32(murmur2(devtype, 0));

	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = props;
	iov[1].iov_len = len;
	mh.msg_name = &sa;
	mh.msg_namelen = sizeof(sa);
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	/* ECONNREFUSED: nobody listens; that is fine */
	(void) sendmsg(n->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void *ns_thread(void *arg)
{
	struct apsimd_netlink *n = arg;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	int err = 0, fd = -1;

	if (unshare(CLONE_NEWNET) < 0) {
		err = -errno;
		goto out_ready;
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (fd < 0) {
		err = -errno;
		goto out_ready;
	}
	if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
		err = -errno;
		close(fd);
		fd = -1;
	}
out_ready:
	pthread_mutex_lock(&n->lock);
	n->err = err;
	n->fd = fd;
	n->tid = gettid();
	n->ready = true;
	pthread_cond_broadcast(&n->cond);
	/* keep the namespace (and /proc/PID/task/TID/ns/net) alive until the daemon ends */
	while (!n->stop && err == 0)
		pthread_cond_wait(&n->cond, &n->lock);
	pthread_mutex_unlock(&n->lock);
	return NULL;
}

int apsimd_netlink_start(struct apsimd *d, struct apsimd_netlink **ret)
{
	struct apsimd_netlink *n;
	int r;

	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->d = d;
	n->fd = -1;
	n->listener = -1;
	pthread_mutex_init(&n->lock, NULL);
	pthread_cond_init(&n->cond, NULL);
	r = pthread_create(&n->thread, NULL, ns_thread, n);
	if (r != 0) {
		r = -r;
		goto out_free;
	}
	pthread_mutex_lock(&n->lock);
	while (!n->ready)
		pthread_cond_wait(&n->cond, &n->lock);
	r = n->err;
	pthread_mutex_unlock(&n->lock);
	if (r < 0) {
		pthread_join(n->thread, NULL);
		goto out_free;
	}

	apsim_sim_lock(d->sim);
	n->listener = apsim_uevent_log_add_listener(apsim_sim_get_uevents(d->sim), on_uevent, n);
	apsim_sim_unlock(d->sim);
	if (n->listener < 0) {
		r = n->listener;
		n->listener = -1;
		apsimd_netlink_stop(n);
		return r;
	}
	*ret = n;
	return 0;

out_free:
	pthread_cond_destroy(&n->cond);
	pthread_mutex_destroy(&n->lock);
	free(n);
	return r;
}

int apsimd_netlink_netns_path(struct apsimd_netlink *n, char *buf, size_t len)
{
	if (!n)
		return -ENOENT;
	if ((size_t) snprintf(buf, len, "/proc/%d/task/%d/ns/net", (int) getpid(), (int) n->tid) >=
	    len)
		return -ENAMETOOLONG;
	return 0;
}

void apsimd_netlink_stop(struct apsimd_netlink *n)
{
	if (!n)
		return;
	if (n->listener >= 0) {
		apsim_sim_lock(n->d->sim);
		apsim_uevent_log_remove_listener(apsim_sim_get_uevents(n->d->sim), n->listener);
		apsim_sim_unlock(n->d->sim);
	}
	pthread_mutex_lock(&n->lock);
	n->stop = true;
	pthread_cond_broadcast(&n->cond);
	pthread_mutex_unlock(&n->lock);
	pthread_join(n->thread, NULL);
	if (n->fd >= 0)
		close(n->fd);
	pthread_cond_destroy(&n->cond);
	pthread_mutex_destroy(&n->lock);
	free(n);
}
