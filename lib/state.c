/* SPDX-License-Identifier: MIT */
/*
 * state.c - the daemon's persisted state as JSON (state-internal.h): serialize under the sim
 * lock, write atomically (temp + fsync + rename + directory fsync), load into a new sim.
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
#include "machine-json-internal.h"
#include "macro-internal.h"
#include "sim-internal.h"
#include "state-internal.h"
#include "vfio_ap-internal.h"
#include "fs-util-internal.h"

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

int apsim__state_serialize(struct apsim_sim *sim, char **ret_text)
{
	struct apsim_mdev_record *recs = NULL;
	json_t *root, *machine = NULL, *mdevs;
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

static int restore(struct apsim_sim *sim, json_t *root, const char *source, char *msg,
		   size_t msg_len)
{
	json_t *mdevs, *o;
	size_t i;
	int r;

	r = restore_mask_attr(sim, root, "apmask", "bus/ap/apmask", source, msg, msg_len);
	if (r < 0)
		return r;
	r = restore_mask_attr(sim, root, "aqmask", "bus/ap/aqmask", source, msg, msg_len);
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
