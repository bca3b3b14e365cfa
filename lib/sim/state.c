/* SPDX-License-Identifier: MIT */
/*
 * state.c - the daemon's persisted state as JSON (state-internal.h): serialize under the sim
 * lock, write atomically (temp + fsync + rename + directory fsync), load into a new sim.
 * Everything is read back through the tree's show callbacks and restored through its store
 * callbacks (apsim_tree_write), so formats, checks, errno and uevents stay the kernel's.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apsim/apsim.h"
#include "bus/bus-internal.h"
#include "base/fs-util-internal.h"
#include "machine/machine-json-internal.h"
#include "base/macro-internal.h"
#include "sim/sim-internal.h"
#include "sim/state-internal.h"
#include "vfio_ap/vfio_ap-internal.h"
#include "zcrypt/zcdn-internal.h"
#include "base/kstrto-internal.h"

#define MAX_STATE_SIZE (16u << 20)
#define MAX_MDEVS      4096

static void set_msg(char *msg, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_msg(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!msg || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
}

static int read_mask_attr(struct apsim_sim *sim, const char *path, json_t *obj, const char *key)
{
	char buf[APSIM_SYSFS_PAGE];
	ssize_t n;

	n = apsim_tree_read(sim->tree, path, buf, sizeof(buf) - 1);
	if (n < 0)
		return (int) n;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	return json_object_set_new(obj, key, json_stringn(buf, (size_t) n)) < 0 ? -ENOMEM : 0;
}

static json_t *mask_json(const struct apsim_mask *m)
{
	char buf[APSIM_MASK_STRLEN];
	int n = apsim_mask_format(m, buf, sizeof(buf));

	if (n < 0)
		return NULL;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	return json_stringn(buf, (size_t) n);
}

/* All mdev records, in list order; *ret malloc'ed. */
static int list_mdevs(struct apsim_sim *sim, struct apsim_mdev_record **ret, size_t *ret_n)
{
	struct apsim_mdev_record *recs = NULL, *n;
	size_t cap = 64, count;

	for (;;) {
		n = realloc(recs, cap * sizeof(*recs));
		if (!n) {
			free(recs);
			return -ENOMEM;
		}
		recs = n;
		count = apsim__vfio_ap_list_mdevs(sim->vfio_ap, recs, cap);
		if (count < cap)
			break;
		if (cap >= MAX_MDEVS)
			break;
		cap = count > cap ? count + 1 : cap * 2;
	}
	*ret = recs;
	*ret_n = count < cap ? count : cap;
	return 0;
}

/* An attribute that shows one decimal number ("%d\n", "%lu\n"), as a JSON integer. */
static int read_int_attr(struct apsim_sim *sim, const char *path, json_t *obj, const char *key)
{
	char buf[APSIM_SYSFS_PAGE], *end;
	long long v;
	ssize_t n;

	n = apsim_tree_read(sim->tree, path, buf, sizeof(buf) - 1);
	if (n < 0)
		return (int) n;
	buf[n] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (end == buf || errno != 0 || strcmp(end, "\n") != 0)
		return -EIO;
	return json_object_set_new(obj, key, json_integer(v)) < 0 ? -ENOMEM : 0;
}

/* The runtime bus attributes (spec 2.2), as the show callbacks give them. */
static const struct {
	const char *key, *path;
} bus_ints[] = {
    {"ap_domain", "bus/ap/ap_domain"},
    {"config_time", "bus/ap/config_time"},
    {"poll_thread", "bus/ap/poll_thread"},
    {"poll_timeout", "bus/ap/poll_timeout"},
};

/*
 * A zcrypt device's online attribute (spec 2.3, cards and queues bound to cex4card /
 * cex4queue): *ret_online 0 or 1, or -1 if the device has none (not bound to zcrypt).
 */
static int read_online(struct apsim_sim *sim, const char *path, int *ret_online)
{
	char buf[APSIM_SYSFS_PAGE];
	ssize_t n;

	n = apsim_tree_read(sim->tree, path, buf, sizeof(buf) - 1);
	if (n == -ENOENT) {
		*ret_online = -1;
		return 0;
	}
	if (n < 0)
		return (int) n;
	if (n != 2 || (buf[0] != '0' && buf[0] != '1') || buf[1] != '\n')
		return -EIO;
	*ret_online = buf[0] - '0';
	return 0;
}

struct online_ctx {
	struct apsim_sim *sim;
	json_t *online;
	bool card_offline[APSIM_MASK_BITS];
};

static int online_queue(struct apsim_device *dev, void *data)
{
	struct online_ctx *c = data;
	struct apsim_queue *aq = container_of(dev, struct apsim_queue, dev);
	char path[64];
	int online, r;

	/* the show is config && !chkstop && online: the flag itself is not visible otherwise;
	 * a card's offline write took all its queues offline with it */
	if (!aq->config || aq->chkstop || c->card_offline[APSIM_QID_CARD(aq->qid)])
		return 0;
	snprintf(path, sizeof(path), "devices/ap/card%02x/%s/online", APSIM_QID_CARD(aq->qid),
		 dev->name);
	r = read_online(c->sim, path, &online);
	if (r < 0)
		return r;
	if (online != 0)
		return 0;
	return json_object_set_new(c->online, dev->name, json_integer(0)) < 0 ? -ENOMEM : 0;
}

/*
 * "online": the zcrypt cards and queues that are offline (chzcrypt -d), cards first; new
 * devices are online, so the others need no entry.
 */
static int online_json(struct apsim_sim *sim, json_t **ret)
{
	struct online_ctx *c;
	int max = apsim_bus_get_max_adapter_id(sim->bus), r = 0;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->sim = sim;
	c->online = json_object();
	if (!c->online) {
		r = -ENOMEM;
		goto out_free;
	}
	for (int apid = 0; apid <= max && apid < APSIM_MASK_BITS; apid++) {
		struct apsim_device *dev = apsim_bus_find_card(sim->bus, (unsigned) apid);
		struct apsim_card *ac;
		char path[64];
		int online;

		if (!dev)
			continue;
		ac = container_of(dev, struct apsim_card, dev);
		if (!ac->config || ac->chkstop)
			continue;
		snprintf(path, sizeof(path), "devices/ap/%s/online", dev->name);
		r = read_online(sim, path, &online);
		if (r < 0)
			goto out_free;
		if (online != 0)
			continue;
		c->card_offline[apid] = true;
		if (json_object_set_new(c->online, dev->name, json_integer(0)) < 0) {
			r = -ENOMEM;
			goto out_free;
		}
	}
	r = apsim_bus_for_each_queue(sim->bus, online_queue, c);
	if (r < 0)
		goto out_free;
	*ret = c->online;
	c->online = NULL;
out_free:
	json_decref(c->online);
	free(c);
	return r;
}

struct zcdn_entry {
	char name[APSIM_ZCDN_MAX_NAME];
	unsigned minor;
};

struct zcdn_list {
	struct zcdn_entry *e;
	unsigned n;
};

static int collect_zcdn(const struct apsim_dirent *ent, void *data)
{
	struct zcdn_list *l = data;
	size_t len = strlen(ent->name);

	/* class/zcrypt: create, destroy and one link per node */
	if (ent->type != APSIM_NODE_LINK)
		return 0;
	if (l->n >= APSIM_ZCDN_MAX_NODES || len >= APSIM_ZCDN_MAX_NAME)
		return -EOVERFLOW;
	memcpy(l->e[l->n].name, ent->name, len + 1);
	l->n++;
	return 0;
}

static int cmp_minor(const void *a, const void *b)
{
	const struct zcdn_entry *x = a, *y = b;

	return (x->minor > y->minor) - (x->minor < y->minor);
}

/* A node name that is not UTF-8 (JSON strings must be) goes into "name_hex" instead. */
static int zcdn_name_json(json_t *o, const char *name)
{
	size_t len = strlen(name);
	char hex[2 * APSIM_ZCDN_MAX_NAME + 1];
	json_t *v = json_stringn(name, len);

	if (v)
		return json_object_set_new(o, "name", v) < 0 ? -ENOMEM : 0;
	for (size_t i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char) name[i]);
	hex[2 * len] = '\0';
	return json_object_set_new(o, "name_hex", json_string(hex)) < 0 ? -ENOMEM : 0;
}

/*
 * "zcrypt_nodes": the class/zcrypt nodes (spec 4.4) in minor order, each with its four
 * masks, so that restoring them in this order gives them the same minors when the minors
 * have no gaps.
 */
static int zcdn_json(struct apsim_sim *sim, json_t **ret)
{
	struct zcdn_list l = {0};
	json_t *arr;
	int r;

	arr = json_array();
	l.e = calloc(APSIM_ZCDN_MAX_NODES, sizeof(*l.e));
	if (!arr || !l.e) {
		r = -ENOMEM;
		goto out_free;
	}
	r = apsim_tree_readdir(sim->tree, "class/zcrypt", collect_zcdn, &l);
	if (r < 0)
		goto out_free;
	for (unsigned i = 0; i < l.n; i++) {
		char path[64 + APSIM_ZCDN_MAX_NAME], buf[APSIM_SYSFS_PAGE];
		unsigned major, minor;
		ssize_t n;

		snprintf(path, sizeof(path), "class/zcrypt/%s/dev", l.e[i].name);
		n = apsim_tree_read(sim->tree, path, buf, sizeof(buf) - 1);
		if (n < 0) {
			r = (int) n;
			goto out_free;
		}
		buf[n] = '\0';
		if (sscanf(buf, "%u:%u", &major, &minor) != 2) {
			r = -EIO;
			goto out_free;
		}
		l.e[i].minor = minor;
	}
	qsort(l.e, l.n, sizeof(*l.e), cmp_minor);
	for (unsigned i = 0; i < l.n; i++) {
		struct apsim_zcdn_perms p;
		json_t *o;

		r = apsim__zcdn_get_perms(sim->zcdn, l.e[i].name, &p);
		if (r < 0)
			goto out_free;
		o = json_object();
		if (!o || json_array_append_new(arr, o) < 0) {
			r = -ENOMEM;
			goto out_free;
		}
		r = zcdn_name_json(o, l.e[i].name);
		if (r < 0)
			goto out_free;
		if (json_object_set_new(o, "ioctlmask", mask_json(&p.ioctlm)) < 0 ||
		    json_object_set_new(o, "apmask", mask_json(&p.apm)) < 0 ||
		    json_object_set_new(o, "aqmask", mask_json(&p.aqm)) < 0 ||
		    json_object_set_new(o, "admask", mask_json(&p.adm)) < 0) {
			r = -ENOMEM;
			goto out_free;
		}
	}
	*ret = arr;
	arr = NULL;
	r = 0;
out_free:
	free(l.e);
	json_decref(arr);
	return r;
}

int apsim__state_serialize(struct apsim_sim *sim, char **ret_text)
{
	struct apsim_mdev_record *recs = NULL;
	json_t *root, *machine = NULL, *mdevs, *v;
	size_t n = 0;
	char *text;
	int r;

	APSIM_CHECK_ARG(sim && ret_text);
	root = json_object();
	mdevs = json_array();
	if (!root || !mdevs) {
		r = -ENOMEM;
		goto out_free;
	}
	if (json_object_set_new(root, "apsim-state", json_integer(APSIM_STATE_VERSION)) < 0) {
		r = -ENOMEM;
		goto out_free;
	}
	r = apsim__machine_json_save(sim->machine, &machine);
	if (r < 0)
		goto out_free;
	if (json_object_set_new(root, "machine", machine) < 0) {
		r = -ENOMEM;
		goto out_free;
	}
	r = read_mask_attr(sim, "bus/ap/apmask", root, "apmask");
	if (r < 0)
		goto out_free;
	r = read_mask_attr(sim, "bus/ap/aqmask", root, "aqmask");
	if (r < 0)
		goto out_free;
	for (size_t i = 0; i < ARRAY_SIZE(bus_ints); i++) {
		r = read_int_attr(sim, bus_ints[i].path, root, bus_ints[i].key);
		if (r < 0)
			goto out_free;
	}
	r = online_json(sim, &v);
	if (r < 0)
		goto out_free;
	if (json_object_set_new(root, "online", v) < 0) {
		r = -ENOMEM;
		goto out_free;
	}
	if (sim->zcdn) {
		r = zcdn_json(sim, &v);
		if (r < 0)
			goto out_free;
		if (json_object_set_new(root, "zcrypt_nodes", v) < 0) {
			r = -ENOMEM;
			goto out_free;
		}
	}

	r = list_mdevs(sim, &recs, &n);
	if (r < 0)
		goto out_free;
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_pack("{s:s, s:o*, s:o*, s:o*}", "uuid", recs[i].uuid, "adapters",
				      mask_json(&recs[i].apm), "domains", mask_json(&recs[i].aqm),
				      "control_domains", mask_json(&recs[i].adm));

		if (!o || json_object_size(o) != 4 || json_array_append_new(mdevs, o) < 0) {
			json_decref(o);
			r = -ENOMEM;
			goto out_free;
		}
	}
	if (json_object_set(root, "mdevs", mdevs) < 0) {
		r = -ENOMEM;
		goto out_free;
	}
	text = json_dumps(root, JSON_INDENT(2));
	if (!text) {
		r = -ENOMEM;
		goto out_free;
	}
	/* a text file ends with a newline */
	{
		size_t len = strlen(text);
		char *t = realloc(text, len + 2);

		if (!t) {
			free(text);
			r = -ENOMEM;
			goto out_free;
		}
		t[len] = '\n';
		t[len + 1] = '\0';
		text = t;
	}
	*ret_text = text;
	r = 0;
out_free:
	free(recs);
	json_decref(mdevs);
	json_decref(root);
	return r;
}

int apsim__state_write_file(const char *path, const char *text)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *slash;
	int fd, dfd, r;

	APSIM_CHECK_ARG(path && text);
	slash = strrchr(path, '/');
	if (slash) {
		size_t dlen = slash == path ? 1 : (size_t) (slash - path);

		if (dlen >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, dlen);
		dir[dlen] = '\0';
	} else {
		strcpy(dir, ".");
	}
	if ((size_t) snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, slash ? slash + 1 : path) >=
	    sizeof(tmp))
		return -ENAMETOOLONG;

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0600) < 0) {
		r = -errno;
		goto out_unlink;
	}
	r = apsim__write_all(fd, text, strlen(text));
	if (r < 0)
		goto out_unlink;
	if (fsync(fd) < 0) {
		r = -errno;
		goto out_unlink;
	}
	if (close(fd) < 0) {
		fd = -1;
		r = -errno;
		goto out_unlink;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		r = -errno;
		goto out_unlink;
	}
	/* the rename itself is durable only once the directory is */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	r = fsync(dfd) < 0 ? -errno : 0;
	close(dfd);
	return r;

out_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
}

static int get_mask(json_t *obj, const char *key, const char *where, const char *source,
		    struct apsim_mask *ret, char *msg, size_t msg_len)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v)) {
		set_msg(msg, msg_len, "%s: %s%s: expected a mask string \"0x<hex>\"", source, where,
			key);
		return -EINVAL;
	}
	if (apsim_mask_parse_hex(json_string_value(v), json_string_length(v), ret) < 0) {
		set_msg(msg, msg_len, "%s: %s%s: bad mask '%s'", source, where, key,
			json_string_value(v));
		return -EINVAL;
	}
	return 0;
}

static int restore_mask_attr(struct apsim_sim *sim, json_t *root, const char *key, const char *path,
			     const char *source, char *msg, size_t msg_len)
{
	struct apsim_mask m;
	ssize_t n;
	int r;

	r = get_mask(root, key, "", source, &m, msg, msg_len);
	if (r < 0)
		return r;
	n = apsim_tree_write(sim->tree, path, json_string_value(json_object_get(root, key)),
			     json_string_length(json_object_get(root, key)));
	if (n < 0) {
		set_msg(msg, msg_len, "%s: %s: writing it to %s failed: %s", source, key, path,
			strerror((int) -n));
		return (int) n;
	}
	return 0;
}

/* A runtime bus attribute (spec 2.2), written as a user would; absent keys are skipped. */
static int restore_int_attr(struct apsim_sim *sim, json_t *root, const char *key, const char *path,
			    const char *source, char *msg, size_t msg_len)
{
	json_t *v = json_object_get(root, key);
	char buf[32];
	ssize_t n;

	if (!v)
		return 0; /* optional: state files from before it was saved */
	if (!json_is_integer(v)) {
		set_msg(msg, msg_len, "%s: %s: expected an integer", source, key);
		return -EINVAL;
	}
	/* -1 = no default domain yet: no store can set that, the first scan's choice stays */
	if (strcmp(key, "ap_domain") == 0 && json_integer_value(v) == -1)
		return 0;
	snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	n = apsim_tree_write(sim->tree, path, buf, strlen(buf));
	if (n < 0) {
		set_msg(msg, msg_len, "%s: %s: writing '%s' to %s failed: %s", source, key, buf,
			path, strerror((int) -n));
		return (int) n;
	}
	return 0;
}

/* Two lowercase hex digits (device names are "card%02x" and "%02x.%04x"). */
static int hex2(const char *s)
{
	int hi = apsim__hex_to_bin(s[0]), lo = apsim__hex_to_bin(s[1]);

	if (hi < 0 || lo < 0 || (s[0] >= 'A' && s[0] <= 'F') || (s[1] >= 'A' && s[1] <= 'F'))
		return -1;
	return hi << 4 | lo;
}

/* The online attribute's path of a card or queue name; false if key is neither. */
static bool online_path(const char *key, size_t len, bool *ret_card, char *path, size_t path_len)
{
	if (len == 6 && memcmp(key, "card", 4) == 0 && hex2(key + 4) >= 0) {
		snprintf(path, path_len, "devices/ap/%s/online", key);
		*ret_card = true;
		return true;
	}
	/* apqi 00..ff as %04x */
	if (len == 7 && hex2(key) >= 0 && memcmp(key + 2, ".00", 3) == 0 && hex2(key + 5) >= 0) {
		snprintf(path, path_len, "devices/ap/card%.2s/%s/online", key, key);
		*ret_card = false;
		return true;
	}
	return false;
}

/*
 * "online" (spec 2.3): cards first (a card's write takes its queues along), then queues.
 * Entries of devices that do not exist after the first scan, or are no zcrypt devices, are
 * dropped.
 */
static int restore_online(struct apsim_sim *sim, json_t *root, const char *source, char *msg,
			  size_t msg_len)
{
	json_t *online = json_object_get(root, "online"), *v;
	const char *key;
	size_t key_len;

	if (!online)
		return 0;
	if (!json_is_object(online)) {
		set_msg(msg, msg_len, "%s: online: expected an object", source);
		return -EINVAL;
	}
	for (int pass = 0; pass < 2; pass++) {
		json_object_keylen_foreach(online, key, key_len, v)
		{
			struct apsim_node_info info;
			char path[64];
			bool card;
			ssize_t n;

			if (!online_path(key, key_len, &card, path, sizeof(path))) {
				set_msg(msg, msg_len,
					"%s: online: '%s' is not a card or queue name (card%%02x, "
					"%%02x.%%04x)",
					source, key);
				return -EINVAL;
			}
			if (!json_is_integer(v) ||
			    (json_integer_value(v) != 0 && json_integer_value(v) != 1)) {
				set_msg(msg, msg_len, "%s: online.%s: expected 0 or 1", source,
					key);
				return -EINVAL;
			}
			if (card != (pass == 0))
				continue;
			if (apsim_tree_lookup(sim->tree, path, &info) < 0)
				continue; /* gone since, or not bound to zcrypt */
			n = apsim_tree_write(sim->tree, path, json_integer_value(v) ? "1" : "0", 1);
			if (n < 0) {
				set_msg(msg, msg_len,
					"%s: online.%s: writing '%d' to %s failed: %s", source, key,
					(int) json_integer_value(v), path, strerror((int) -n));
				return (int) n;
			}
		}
	}
	return 0;
}

/* the kernel's isspace(), which the create store trims (lib/ctype.c) */
static bool k_isspace(unsigned char c)
{
	return (c >= '\t' && c <= '\r') || c == ' ' || c == 0xa0;
}

/*
 * A node's name from "name" or "name_hex": one the create store keeps as it is (1 to 31
 * bytes, no '/' which would become '!', no space at either end which it would trim).
 */
static int get_zcdn_name(json_t *o, const char *where, const char *source,
			 char name[APSIM_ZCDN_MAX_NAME], char *msg, size_t msg_len)
{
	json_t *v = json_object_get(o, "name"), *h = json_object_get(o, "name_hex");
	const char *key = h ? "name_hex" : "name";
	size_t len = 0;

	if ((v && h) || (!v && !h))
		goto out_bad;
	if (v) {
		if (!json_is_string(v) || json_string_length(v) >= APSIM_ZCDN_MAX_NAME)
			goto out_bad;
		len = json_string_length(v);
		memcpy(name, json_string_value(v), len);
	} else {
		const char *s = json_string_value(h);

		if (!json_is_string(h) || json_string_length(h) % 2 ||
		    json_string_length(h) / 2 >= APSIM_ZCDN_MAX_NAME)
			goto out_bad;
		len = json_string_length(h) / 2;
		for (size_t i = 0; i < len; i++) {
			int hi = apsim__hex_to_bin(s[2 * i]), lo = apsim__hex_to_bin(s[2 * i + 1]);

			if (hi < 0 || lo < 0)
				goto out_bad;
			name[i] = (char) (hi << 4 | lo);
		}
	}
	name[len] = '\0';
	if (len == 0 || strlen(name) != len || strchr(name, '/') ||
	    k_isspace((unsigned char) name[0]) || k_isspace((unsigned char) name[len - 1]))
		goto out_bad;
	return 0;

out_bad:
	set_msg(msg, msg_len,
		"%s: %s%s: expected one of name / name_hex: a node name of 1 to 31 bytes without "
		"'/' or spaces at either end",
		source, where, key);
	return -EINVAL;
}

/* "zcrypt_nodes" (spec 4.4): each node created through class/zcrypt/create, then its masks. */
static int restore_zcdn(struct apsim_sim *sim, json_t *root, const char *source, char *msg,
			size_t msg_len)
{
	static const char *const masks[] = {"ioctlmask", "apmask", "aqmask", "admask"};
	json_t *nodes = json_object_get(root, "zcrypt_nodes"), *o;
	size_t i;

	if (!nodes)
		return 0;
	if (!json_is_array(nodes)) {
		set_msg(msg, msg_len, "%s: zcrypt_nodes: expected an array", source);
		return -EINVAL;
	}
	json_array_foreach(nodes, i, o)
	{
		char where[40], name[APSIM_ZCDN_MAX_NAME], path[64 + APSIM_ZCDN_MAX_NAME];
		struct apsim_mask m;
		ssize_t n;
		int r;

		snprintf(where, sizeof(where), "zcrypt_nodes[%zu].", i);
		if (!json_is_object(o)) {
			set_msg(msg, msg_len, "%s: zcrypt_nodes[%zu]: expected an object", source,
				i);
			return -EINVAL;
		}
		r = get_zcdn_name(o, where, source, name, msg, msg_len);
		for (size_t k = 0; r == 0 && k < ARRAY_SIZE(masks); k++)
			r = get_mask(o, masks[k], where, source, &m, msg, msg_len);
		if (r < 0)
			return r;
		n = apsim_tree_write(sim->tree, "class/zcrypt/create", name, strlen(name));
		if (n < 0) {
			set_msg(msg, msg_len, "%s: zcrypt_nodes[%zu]: cannot create node '%s': %s",
				source, i, name, strerror((int) -n));
			return (int) n;
		}
		for (size_t k = 0; k < ARRAY_SIZE(masks); k++) {
			json_t *v = json_object_get(o, masks[k]);

			snprintf(path, sizeof(path), "class/zcrypt/%s/%s", name, masks[k]);
			n = apsim_tree_write(sim->tree, path, json_string_value(v),
					     json_string_length(v));
			if (n < 0) {
				set_msg(msg, msg_len, "%s: %s%s: writing it to %s failed: %s",
					source, where, masks[k], path, strerror((int) -n));
				return (int) n;
			}
		}
	}
	return 0;
}

static int restore(struct apsim_sim *sim, json_t *root, const char *source, char *msg,
		   size_t msg_len)
{
	json_t *mdevs, *o;
	size_t i;
	int r;

	/*
	 * ap_domain first: its store checks the domain against aqmask (spec 2.2) while an aqmask
	 * write never looks at ap_domain, so a saved domain that the saved aqmask excludes is
	 * reachable, and restorable only before aqmask (which is all ones until then).
	 */
	r = restore_int_attr(sim, root, "ap_domain", "bus/ap/ap_domain", source, msg, msg_len);
	if (r < 0)
		return r;
	r = restore_mask_attr(sim, root, "apmask", "bus/ap/apmask", source, msg, msg_len);
	if (r < 0)
		return r;
	r = restore_mask_attr(sim, root, "aqmask", "bus/ap/aqmask", source, msg, msg_len);
	if (r < 0)
		return r;
	for (size_t k = 1; k < ARRAY_SIZE(bus_ints); k++) {
		r = restore_int_attr(sim, root, bus_ints[k].key, bus_ints[k].path, source, msg,
				     msg_len);
		if (r < 0)
			return r;
	}
	/* after the masks: they decide which devices zcrypt has */
	r = restore_online(sim, root, source, msg, msg_len);
	if (r < 0)
		return r;
	r = restore_zcdn(sim, root, source, msg, msg_len);
	if (r < 0)
		return r;

	mdevs = json_object_get(root, "mdevs");
	if (!mdevs)
		return 0;
	if (!json_is_array(mdevs)) {
		set_msg(msg, msg_len, "%s: mdevs: expected an array", source);
		return -EINVAL;
	}
	json_array_foreach(mdevs, i, o)
	{
		struct apsim_mdev_record rec;
		char where[32];
		json_t *u;

		memset(&rec, 0, sizeof(rec));
		snprintf(where, sizeof(where), "mdevs[%zu].", i);
		u = json_object_get(o, "uuid");
		if (!json_is_object(o) || !json_is_string(u) ||
		    json_string_length(u) != sizeof(rec.uuid) - 1) {
			set_msg(msg, msg_len, "%s: %suuid: expected a UUID string", source, where);
			return -EINVAL;
		}
		memcpy(rec.uuid, json_string_value(u), sizeof(rec.uuid) - 1);
		r = get_mask(o, "adapters", where, source, &rec.apm, msg, msg_len);
		if (r == 0)
			r = get_mask(o, "domains", where, source, &rec.aqm, msg, msg_len);
		if (r == 0)
			r = get_mask(o, "control_domains", where, source, &rec.adm, msg, msg_len);
		if (r < 0)
			return r;
		r = apsim__vfio_ap_restore_mdev(sim->vfio_ap, &rec);
		if (r < 0) {
			set_msg(msg, msg_len, "%s: mdevs[%zu]: cannot recreate mdev %s: %s", source,
				i, rec.uuid, strerror(-r));
			return r;
		}
	}
	return 0;
}

int apsim__state_load_buffer(const char *buf, size_t len, const char *source,
			     const struct apsim_sim_options *opts, struct apsim_sim **ret,
			     char *msg, size_t msg_len)
{
	struct apsim_machine *m = NULL;
	struct apsim_sim *sim = NULL;
	char mmsg[512], msource[PATH_MAX + 16];
	json_error_t jerr;
	json_t *root, *v;
	char *errbuf = NULL;
	size_t errlen = 0;
	FILE *err;
	int r;

	APSIM_CHECK_ARG(buf && source && opts && ret);
	if (msg_len)
		msg[0] = '\0';
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		set_msg(msg, msg_len, "%s:%d:%d: %s", source, jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	r = -EINVAL;
	if (!json_is_object(root)) {
		set_msg(msg, msg_len, "%s: expected a JSON object", source);
		goto out_decref;
	}
	v = json_object_get(root, "apsim-state");
	if (!json_is_integer(v) || json_integer_value(v) != APSIM_STATE_VERSION) {
		set_msg(msg, msg_len, "%s: apsim-state: expected version %d", source,
			APSIM_STATE_VERSION);
		goto out_decref;
	}
	v = json_object_get(root, "machine");
	if (!json_is_object(v)) {
		set_msg(msg, msg_len, "%s: machine: expected an object", source);
		goto out_decref;
	}
	snprintf(msource, sizeof(msource), "%s: machine", source);
	mmsg[0] = '\0';
	r = apsim__machine_json_load(v, msource, &m, mmsg, sizeof(mmsg));
	if (r < 0) {
		set_msg(msg, msg_len, "%s", mmsg[0] ? mmsg : strerror(-r));
		goto out_decref;
	}

	err = open_memstream(&errbuf, &errlen);
	r = apsim__sim_new_take_machine(opts, m, err, &sim);
	if (err)
		fclose(err);
	if (r < 0) {
		while (errlen > 0 && errbuf[errlen - 1] == '\n')
			errbuf[--errlen] = '\0';
		set_msg(msg, msg_len, "%s: %s", source, errlen ? errbuf : strerror(-r));
		goto out_free_errbuf;
	}

	apsim_sim_lock(sim);
	r = restore(sim, root, source, msg, msg_len);
	apsim_sim_unlock(sim);
	if (r < 0) {
		apsim_sim_free(sim);
		goto out_free_errbuf;
	}
	*ret = sim;
	r = 0;
out_free_errbuf:
	free(errbuf);
out_decref:
	json_decref(root);
	return r;
}

int apsim__state_load(const char *path, const struct apsim_sim_options *opts,
		      struct apsim_sim **ret, char *msg, size_t msg_len)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t got = 0;
	int fd, r;

	APSIM_CHECK_ARG(path && opts && ret);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		set_msg(msg, msg_len, "%s: %s", path, strerror(errno));
		return r;
	}
	if (fstat(fd, &st) < 0 || st.st_size > MAX_STATE_SIZE) {
		r = st.st_size > MAX_STATE_SIZE ? -EFBIG : -errno;
		set_msg(msg, msg_len, "%s: %s", path, strerror(-r));
		close(fd);
		return r;
	}
	buf = malloc((size_t) st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t) st.st_size) {
		n = read(fd, buf + got, (size_t) st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t) n;
	}
	close(fd);
	r = apsim__state_load_buffer(buf, got, path, opts, ret, msg, msg_len);
	free(buf);
	return r;
}
