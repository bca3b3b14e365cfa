/* SPDX-License-Identifier: MIT */
/*
 * Kernel uevents (spec 2.5), kept in a log in emission order.
 *
 * The log keeps every event until it holds APSIM_UEVENT_LOG_CAP (1,000,000) of them; the
 * next emission then drops the oldest half, so indexes into the log shift but sequence
 * numbers never repeat (they start at 1 and increase by one per event, like the kernel's
 * uevent_seqnum). apsim_uevent_log_set_cap() changes the cap.
 *
 * Storage: an event is one packed, byte-aligned record in a chunked arena that is freed oldest
 * first, so an emission costs no allocation of its own. A record holds its env strings back
 * to back: each short string that many events share is stored once per log (interned) and
 * referred to by a byte, and DEVPATH='s directory ("DEVPATH=/devices/ap/card04") is interned
 * apart and referred to by two bytes, so a queue's record keeps "/04.0020" of its devpath.
 * ACTION= and SEQNUM= are rebuilt from the action and the seqnum; the seqnum is not stored
 * (the log's events have consecutive seqnums) and the timestamp is kept once per run of
 * events that share it. The public struct apsim_uevent of an event is built when it is first
 * asked for; a listener gets one on the stack, valid during the call.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "apsim/uevent.h"
#include "base/chunk-internal.h"
#include "base/macro-internal.h"

#define LOG_MIN_ALLOC 64
#define CHUNK_SIZE    APSIM_CHUNK_SIZE /* lib/base/chunk.c; a larger record is malloc()ed */

struct listener {
	apsim_uevent_listener_fn fn;
	void *ctx;
};

/*
 * One event as the log keeps it: the action and the env count, then the env strings between
 * ACTION= and SEQNUM=. DEVPATH= (env[1]) comes first as two bytes, the interned directory's
 * index + 1 (big-endian), then the rest of it NUL-terminated (with index 0, the whole string).
 * Every other env string is a tag byte, then, for tag 0, the string itself NUL-terminated,
 * else the string is the log's interned string tag - 1. The devpath and subsystem are the
 * values of env[1] and env[2].
 */
struct record {
	unsigned char action;
	unsigned char n_env;
	char data[];
};

/*
 * Interned env strings: short strings that many events carry ("SUBSYSTEM=ap",
 * "DEVTYPE=ap_queue", "DRIVER=cex4queue" ...) are kept once per log, first come first
 * served, up to INTERN_MAX of them.
 */
#define INTERN_MAX    255
#define INTERN_MAXLEN 48
#define INTERN_SLOTS  512 /* hash index, power of two, at most half full */

/* Interned DEVPATH= directories, up to DIR_MAX of them, each at most DIR_MAXLEN bytes. */
#define DIR_MAX	       65535u
#define DIR_MAXLEN     240u
#define DIR_MIN_SLOTS  64u

/* "SEQNUM=" and up to 20 digits */
#define SEQ_ENV_LEN 28
/* a DEVPATH= is split into an interned directory and the rest only when it is shorter */
#define DEVPATH_ENV_MAX 512u

/* The public view of an event, with the SEQNUM= string it points to; a DEVPATH= of an
 * interned directory is rebuilt in a buffer after it (view_devpath_size() bytes). */
struct view {
	struct apsim_uevent ev; /* first: a struct view * is freed as its ev */
	char seq[SEQ_ENV_LEN];
};

/* Records live in chunks, appended in emission order and freed oldest first. */
struct chunk {
	struct chunk *next;
	size_t size, used;
	char data[];
};

/* A chunk goes back where it came from (chunk.c, or malloc for an outsized record). */
static void chunk_release(struct chunk *c)
{
	if (c->size > CHUNK_SIZE - sizeof(*c))
		free(c);
	else
		apsim__chunk_free(c);
}

/* The timestamp of the events from seqnum on (up to the next run's). */
struct usec_run {
	uint64_t seqnum;
	uint64_t usec;
};

struct dir_intern {
	char **s;		/* "DEVPATH=/devices/ap/card04", index + 1 is the record's tag */
	unsigned char *len;
	unsigned n, alloc;
	uint16_t *slots; /* 0: empty, else index + 1; at most half full */
	unsigned n_slots;
};

struct apsim_uevent_log {
	struct record **entries;
	struct view **views; /* NULL until the first apsim_uevent_log_get(), then beside entries */
	size_t n, alloc;
	size_t cap;
	uint64_t next_seqnum; /* entries[i] has seqnum next_seqnum - n + i */
	struct usec_run *runs;
	size_t n_runs, runs_alloc;
	struct chunk *first_chunk, *last_chunk;
	struct view *oom_view; /* what get() returns when it cannot allocate */
	struct listener *listeners;
	size_t n_listeners;
	char *interned[INTERN_MAX];
	unsigned char interned_len[INTERN_MAX];
	unsigned n_interned;
	unsigned char intern_slots[INTERN_SLOTS]; /* 0: empty, else index + 1 */
	struct dir_intern dirs;
};

static const char *const action_names[_APSIM_UEVENT_MAX] = {
    [APSIM_UEVENT_ADD] = "add",	      [APSIM_UEVENT_REMOVE] = "remove",
    [APSIM_UEVENT_CHANGE] = "change", [APSIM_UEVENT_BIND] = "bind",
    [APSIM_UEVENT_UNBIND] = "unbind",
};

static const char *const action_envs[_APSIM_UEVENT_MAX] = {
    [APSIM_UEVENT_ADD] = "ACTION=add",	     [APSIM_UEVENT_REMOVE] = "ACTION=remove",
    [APSIM_UEVENT_CHANGE] = "ACTION=change", [APSIM_UEVENT_BIND] = "ACTION=bind",
    [APSIM_UEVENT_UNBIND] = "ACTION=unbind",
};

const char *apsim_uevent_action_name(enum apsim_uevent_action a)
{
	if ((unsigned) a >= _APSIM_UEVENT_MAX)
		return NULL;
	return action_names[a];
}

int apsim_uevent_action_from_name(const char *name, enum apsim_uevent_action *ret)
{
	unsigned i;

	APSIM_CHECK_ARG(name && ret);
	for (i = 0; i < _APSIM_UEVENT_MAX; i++) {
		if (strcmp(name, action_names[i]) == 0) {
			*ret = (enum apsim_uevent_action) i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Decimal digits of v into buf (at least 21 bytes), NUL-terminated; returns the length. */
static size_t fmt_u64(uint64_t v, char *buf)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char) ('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

/* The seqnum of entries[idx]. */
static uint64_t entry_seqnum(const struct apsim_uevent_log *log, size_t idx)
{
	return log->next_seqnum - log->n + idx;
}

/* The timestamp of the event seqnum: the run that holds it (the last one starting at or
 * before it). */
static uint64_t seq_usec(const struct apsim_uevent_log *log, uint64_t seqnum)
{
	size_t lo = 0, hi = log->n_runs;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (log->runs[mid].seqnum <= seqnum)
			lo = mid;
		else
			hi = mid;
	}
	return log->n_runs ? log->runs[lo].usec : 0;
}

/* The interned directory of a record's DEVPATH= (NULL for none) and where the rest starts. */
static const char *record_dir(const struct apsim_uevent_log *log, const struct record *rec,
			      size_t *ret_len, const char **ret_rest)
{
	const unsigned char *d = (const unsigned char *) rec->data;
	unsigned tag = (unsigned) d[0] << 8 | d[1];

	*ret_rest = rec->data + 2;
	if (!tag) {
		*ret_len = 0;
		return NULL;
	}
	*ret_len = log->dirs.len[tag - 1];
	return log->dirs.s[tag - 1];
}

/* Bytes of the DEVPATH= a view of rec rebuilds (0: it points into the record). */
static size_t view_devpath_size(const struct apsim_uevent_log *log, const struct record *rec)
{
	const char *rest;
	size_t dl;

	return record_dir(log, rec, &dl, &rest) ? dl + strlen(rest) + 1 : 0;
}

/* The public view of a record with the given seqnum; the stored and interned strings stay
 * where they are, an interned DEVPATH= directory and the rest are joined in v->devpath. */
static void record_view(const struct apsim_uevent_log *log, const struct record *rec,
			uint64_t seqnum, struct view *v, char *devpath_buf)
{
	struct apsim_uevent *ev = &v->ev;
	unsigned i, last = rec->n_env - 1u;
	const char *dir, *p;
	size_t dl;

	memset(ev, 0, sizeof(*ev));
	ev->seqnum = seqnum;
	ev->usec = seq_usec(log, seqnum);
	ev->action = (enum apsim_uevent_action) rec->action;
	ev->n_env = rec->n_env;
	ev->env[0] = (char *) action_envs[rec->action];
	dir = record_dir(log, rec, &dl, &p);
	if (dir) {
		size_t rl = strlen(p);

		memcpy(devpath_buf, dir, dl);
		memcpy(devpath_buf + dl, p, rl + 1);
		ev->env[1] = devpath_buf;
	} else {
		ev->env[1] = (char *) p;
	}
	p += strlen(p) + 1;
	for (i = 2; i < last; i++) {
		unsigned char tag = (unsigned char) *p++;

		if (tag) {
			ev->env[i] = log->interned[tag - 1];
		} else {
			ev->env[i] = (char *) p;
			p += strlen(p) + 1;
		}
	}
	memcpy(v->seq, "SEQNUM=", strlen("SEQNUM="));
	fmt_u64(seqnum, v->seq + strlen("SEQNUM="));
	ev->env[last] = v->seq;
	ev->devpath = ev->env[1] + strlen("DEVPATH=");
	ev->subsystem = ev->env[2] + strlen("SUBSYSTEM=");
}

static uint32_t intern_hash(const char *s, size_t len)
{
	uint64_t a = 0, b = 0;
	size_t n = len < 8 ? len : 8;

	memcpy(&a, s, n);
	memcpy(&b, s + len - n, n);
	a = (a ^ len) * UINT64_C(0x9E3779B97F4A7C15);
	b = (b + a) * UINT64_C(0xC2B2AE3D27D4EB4F);
	/* fold the high bytes down (fmix64): strings that differ only in their last bytes, as
	 * "DEVPATH=/devices/ap/card04" and "...card05" do, must not share a slot */
	a ^= b;
	a ^= a >> 33;
	a *= UINT64_C(0xFF51AFD7ED558CCD);
	a ^= a >> 33;
	return (uint32_t) a;
}

/* The tag of s (len bytes): its interned index + 1, 0 if it is not (and cannot be) interned. */
static unsigned char intern(struct apsim_uevent_log *log, const char *s, size_t len)
{
	size_t i;
	char *copy;

	if (len > INTERN_MAXLEN)
		return 0;
	for (i = intern_hash(s, len) & (INTERN_SLOTS - 1); log->intern_slots[i];
	     i = (i + 1) & (INTERN_SLOTS - 1)) {
		unsigned k = log->intern_slots[i] - 1u;

		if (log->interned_len[k] == len && memcmp(log->interned[k], s, len) == 0)
			return log->intern_slots[i];
	}
	if (log->n_interned >= INTERN_MAX)
		return 0;
	copy = malloc(len + 1);
	if (!copy)
		return 0;
	memcpy(copy, s, len);
	copy[len] = '\0';
	log->interned_len[log->n_interned] = (unsigned char) len;
	log->interned[log->n_interned++] = copy;
	log->intern_slots[i] = (unsigned char) log->n_interned;
	return (unsigned char) log->n_interned;
}

static int dirs_grow_slots(struct dir_intern *d)
{
	unsigned n_slots = d->n_slots ? d->n_slots * 2 : DIR_MIN_SLOTS;
	uint16_t *slots = calloc(n_slots, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (unsigned k = 0; k < d->n; k++) {
		unsigned i = intern_hash(d->s[k], d->len[k]) & (n_slots - 1);

		while (slots[i])
			i = (i + 1) & (n_slots - 1);
		slots[i] = (uint16_t) (k + 1);
	}
	free(d->slots);
	d->slots = slots;
	d->n_slots = n_slots;
	return 0;
}

/* The tag of the directory s (len bytes, "DEVPATH=/devices/ap/card04"): its interned index
 * + 1, 0 if it is not (and cannot be) interned. */
static unsigned intern_dir(struct dir_intern *d, const char *s, size_t len)
{
	unsigned i;
	char *copy;

	if (len > DIR_MAXLEN)
		return 0;
	if ((d->n + 1) * 2 > d->n_slots) {
		if (d->n >= DIR_MAX || dirs_grow_slots(d) < 0)
			goto lookup_only;
	}
	for (i = intern_hash(s, len) & (d->n_slots - 1); d->slots[i]; i = (i + 1) & (d->n_slots - 1)) {
		unsigned k = d->slots[i] - 1u;

		if (d->len[k] == len && memcmp(d->s[k], s, len) == 0)
			return d->slots[i];
	}
	if (d->n == d->alloc) {
		unsigned alloc = d->alloc ? d->alloc * 2 : 16;
		char **ns = realloc(d->s, alloc * sizeof(*ns));
		unsigned char *nl;

		if (!ns)
			return 0;
		d->s = ns;
		nl = realloc(d->len, alloc);
		if (!nl)
			return 0;
		d->len = nl;
		d->alloc = alloc;
	}
	copy = malloc(len + 1);
	if (!copy)
		return 0;
	memcpy(copy, s, len);
	copy[len] = '\0';
	d->s[d->n] = copy;
	d->len[d->n] = (unsigned char) len;
	d->slots[i] = (uint16_t) ++d->n;
	return d->n;

lookup_only:
	/* the index is full: only a directory interned before can be used */
	if (!d->n_slots)
		return 0;
	for (i = intern_hash(s, len) & (d->n_slots - 1); d->slots[i]; i = (i + 1) & (d->n_slots - 1)) {
		unsigned k = d->slots[i] - 1u;

		if (d->len[k] == len && memcmp(d->s[k], s, len) == 0)
			return d->slots[i];
	}
	return 0;
}

int apsim_uevent_log_new(struct apsim_uevent_log **ret)
{
	struct apsim_uevent_log *log;

	APSIM_CHECK_ARG(ret);
	log = calloc(1, sizeof(*log));
	if (!log)
		return -ENOMEM;
	log->oom_view = malloc(sizeof(*log->oom_view) + DEVPATH_ENV_MAX);
	if (!log->oom_view) {
		free(log);
		return -ENOMEM;
	}
	log->cap = APSIM_UEVENT_LOG_CAP;
	log->next_seqnum = 1;
	*ret = log;
	return 0;
}

void apsim_uevent_log_free(struct apsim_uevent_log *log)
{
	struct chunk *c, *next;
	size_t i;

	if (!log)
		return;
	if (log->views)
		for (i = 0; i < log->n; i++)
			free(log->views[i]);
	for (i = 0; i < log->n_interned; i++)
		free(log->interned[i]);
	for (i = 0; i < log->dirs.n; i++)
		free(log->dirs.s[i]);
	for (c = log->first_chunk; c; c = next) {
		next = c->next;
		chunk_release(c);
	}
	free(log->dirs.s);
	free(log->dirs.len);
	free(log->dirs.slots);
	free(log->oom_view);
	free(log->runs);
	free(log->views);
	free(log->entries);
	free(log->listeners);
	free(log);
}

int apsim_uevent_log_set_cap(struct apsim_uevent_log *log, size_t cap)
{
	APSIM_CHECK_ARG(log && cap >= 2);
	log->cap = cap;
	return 0;
}

size_t apsim_uevent_log_count(const struct apsim_uevent_log *log)
{
	return log ? log->n : 0;
}

const struct apsim_uevent *apsim_uevent_log_get(const struct apsim_uevent_log *log, size_t idx)
{
	struct apsim_uevent_log *l = (struct apsim_uevent_log *) log;
	const struct record *rec;
	struct view *v;
	size_t size;

	if (!log || idx >= log->n)
		return NULL;
	if (!l->views) {
		l->views = calloc(l->alloc, sizeof(*l->views));
		if (!l->views)
			goto out_oom;
	}
	if (l->views[idx])
		return &l->views[idx]->ev;
	rec = l->entries[idx];
	size = sizeof(*v) + view_devpath_size(l, rec);
	v = malloc(size);
	if (!v)
		goto out_oom;
	record_view(l, rec, entry_seqnum(l, idx), v, (char *) (v + 1));
	l->views[idx] = v;
	return &v->ev;

out_oom:
	/* out of memory: a view valid until the next call */
	record_view(l, l->entries[idx], entry_seqnum(l, idx), l->oom_view,
		    (char *) (l->oom_view + 1));
	return &l->oom_view->ev;
}

int apsim_uevent_log_add_listener(struct apsim_uevent_log *log, apsim_uevent_listener_fn fn,
				  void *ctx)
{
	struct listener *l;
	size_t i;

	APSIM_CHECK_ARG(log && fn);
	for (i = 0; i < log->n_listeners; i++) {
		if (!log->listeners[i].fn) {
			log->listeners[i].fn = fn;
			log->listeners[i].ctx = ctx;
			return (int) i;
		}
	}
	if (log->n_listeners >= INT32_MAX)
		return -ENOSPC;
	l = realloc(log->listeners, (log->n_listeners + 1) * sizeof(*l));
	if (!l)
		return -ENOMEM;
	log->listeners = l;
	l[log->n_listeners].fn = fn;
	l[log->n_listeners].ctx = ctx;
	return (int) log->n_listeners++;
}

void apsim_uevent_log_remove_listener(struct apsim_uevent_log *log, int id)
{
	if (!log || id < 0 || (size_t) id >= log->n_listeners)
		return;
	log->listeners[id].fn = NULL;
	log->listeners[id].ctx = NULL;
}

/* Drops the oldest events up to (not including) index drop, and the chunks they used. */
static void drop_oldest(struct apsim_uevent_log *log, size_t drop)
{
	uint64_t first_kept = entry_seqnum(log, drop);
	uintptr_t keep;
	size_t i, r;

	if (log->views) {
		for (i = 0; i < drop; i++)
			free(log->views[i]);
		memmove(log->views, log->views + drop, (log->n - drop) * sizeof(*log->views));
		memset(log->views + log->n - drop, 0, drop * sizeof(*log->views));
	}
	memmove(log->entries, log->entries + drop, (log->n - drop) * sizeof(*log->entries));
	log->n -= drop;
	/* the runs before the one holding the oldest kept event go */
	for (r = 0; r + 1 < log->n_runs && log->runs[r + 1].seqnum <= first_kept; r++)
		;
	memmove(log->runs, log->runs + r, (log->n_runs - r) * sizeof(*log->runs));
	log->n_runs -= r;
	/* records are appended in order: every chunk before the one holding the oldest kept
	 * record holds dropped records only */
	keep = log->n ? (uintptr_t) log->entries[0] : 0;
	while (log->first_chunk) {
		struct chunk *c = log->first_chunk;

		if (keep && keep >= (uintptr_t) c->data && keep < (uintptr_t) c->data + c->size)
			break;
		if (!keep && c == log->last_chunk) {
			c->used = 0; /* nothing kept: reuse the last chunk */
			break;
		}
		log->first_chunk = c->next;
		chunk_release(c);
	}
	if (!log->first_chunk)
		log->last_chunk = NULL;
}

/* Makes room for one more event: grows the arrays, or drops the oldest half at the cap. */
static int make_room(struct apsim_uevent_log *log)
{
	struct record **ne;
	size_t alloc;

	if (log->n >= log->cap)
		drop_oldest(log, log->n / 2);
	if (log->n < log->alloc)
		return 0;
	alloc = log->alloc ? log->alloc * 2 : LOG_MIN_ALLOC;
	if (alloc > log->cap)
		alloc = log->cap;
	if (alloc <= log->n)
		alloc = log->n + 1;
	if (log->views) {
		struct view **nv = realloc(log->views, alloc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		memset(nv + log->alloc, 0, (alloc - log->alloc) * sizeof(*nv));
		log->views = nv;
	}
	ne = realloc(log->entries, alloc * sizeof(*ne));
	if (!ne)
		return -ENOMEM;
	log->entries = ne;
	log->alloc = alloc;
	return 0;
}

/* The event with seqnum has timestamp usec: a new run unless the last one has it. */
static int note_usec(struct apsim_uevent_log *log, uint64_t seqnum, uint64_t usec)
{
	if (log->n_runs && log->runs[log->n_runs - 1].usec == usec)
		return 0;
	if (log->n_runs == log->runs_alloc) {
		size_t alloc = log->runs_alloc ? log->runs_alloc * 2 : 16;
		struct usec_run *nr = realloc(log->runs, alloc * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		log->runs = nr;
		log->runs_alloc = alloc;
	}
	log->runs[log->n_runs].seqnum = seqnum;
	log->runs[log->n_runs].usec = usec;
	log->n_runs++;
	return 0;
}

/* Room for a record of size bytes at the end of the chunk list. */
static struct record *record_alloc(struct apsim_uevent_log *log, size_t size)
{
	struct chunk *c = log->last_chunk;

	if (!c || c->size - c->used < size) {
		size_t csize = CHUNK_SIZE - sizeof(*c);

		if (size > csize) {
			csize = size;
			c = malloc(sizeof(*c) + csize);
		} else {
			c = apsim__chunk_alloc();
		}
		if (!c)
			return NULL;
		c->next = NULL;
		c->size = csize;
		c->used = 0;
		if (log->last_chunk)
			log->last_chunk->next = c;
		else
			log->first_chunk = c;
		log->last_chunk = c;
	}
	c->used += size;
	return (struct record *) (c->data + c->used - size);
}

/* Appends key + value (vl bytes) and a NUL to a record. */
static char *put_str(char *p, const char *key, size_t kl, const char *value, size_t vl)
{
	memcpy(p, key, kl);
	memcpy(p + kl, value, vl);
	p[kl + vl] = '\0';
	return p + kl + vl + 1;
}

/* Appends one env string (key + value, vl bytes) to a record: its tag, then it if not interned. */
static char *put_env(char *p, unsigned char tag, const char *key, size_t kl, const char *value,
		     size_t vl)
{
	*p++ = (char) tag;
	return tag ? p : put_str(p, key, kl, value, vl);
}

int apsim_uevent_emit(struct apsim_uevent_log *log, uint64_t usec, enum apsim_uevent_action action,
		      const char *devpath, const char *subsystem, const char *const *env_extra,
		      const char *const *dev_vars)
{
	size_t lens[APSIM_UEVENT_MAX_ENV];
	unsigned char tags[APSIM_UEVENT_MAX_ENV];
	char sub[sizeof("SUBSYSTEM=") + INTERN_MAXLEN];
	char dir[DIR_MAXLEN];
	const char *const *list, *rest = devpath, *slash;
	size_t dl, sl, size, i, n_env = 3;
	unsigned dir_tag = 0;
	struct record *rec;
	char *p;
	int r;

	APSIM_CHECK_ARG(log && devpath && subsystem);
	APSIM_CHECK_ARG((unsigned) action < _APSIM_UEVENT_MAX);

	/* kobject_uevent_env order: ACTION, DEVPATH, SUBSYSTEM, envp_ext, bus uevent vars,
	 * SEQNUM; more than APSIM_UEVENT_MAX_ENV: add_uevent_var's "too many keys" */
	for (list = env_extra; list && *list; list++)
		if (n_env++ >= APSIM_UEVENT_MAX_ENV)
			return -ENOMEM;
	for (list = dev_vars; list && *list; list++)
		if (n_env++ >= APSIM_UEVENT_MAX_ENV)
			return -ENOMEM;
	if (n_env >= APSIM_UEVENT_MAX_ENV)
		return -ENOMEM;

	dl = strlen(devpath);
	sl = strlen(subsystem);
	/* DEVPATH=: two bytes for its directory, then the rest, or the whole string */
	slash = strrchr(devpath, '/');
	if (slash && slash > devpath && strlen("DEVPATH=") + (size_t) (slash - devpath) <= DIR_MAXLEN &&
	    sizeof("DEVPATH=") + dl <= DEVPATH_ENV_MAX) {
		size_t k = (size_t) (slash - devpath);

		memcpy(dir, "DEVPATH=", strlen("DEVPATH="));
		memcpy(dir + strlen("DEVPATH="), devpath, k);
		dir_tag = intern_dir(&log->dirs, dir, strlen("DEVPATH=") + k);
		if (dir_tag)
			rest = slash;
	}
	size = sizeof(*rec) + 2 + (dir_tag ? strlen(rest) + 1 : sizeof("DEVPATH=") + dl);
	/* every other stored env string: a tag byte, then the string and its NUL unless
	 * interned */
	size += 1; /* SUBSYSTEM='s tag */
	tags[2] = 0;
	if (strlen("SUBSYSTEM=") + sl <= INTERN_MAXLEN) {
		memcpy(sub, "SUBSYSTEM=", strlen("SUBSYSTEM="));
		memcpy(sub + strlen("SUBSYSTEM="), subsystem, sl);
		tags[2] = intern(log, sub, strlen("SUBSYSTEM=") + sl);
	}
	if (!tags[2])
		size += sizeof("SUBSYSTEM=") + sl;
	i = 3;
	for (list = env_extra; list && *list; list++, i++) {
		lens[i] = strlen(*list);
		tags[i] = intern(log, *list, lens[i]);
		size += 1 + (tags[i] ? 0 : lens[i] + 1);
	}
	for (list = dev_vars; list && *list; list++, i++) {
		lens[i] = strlen(*list);
		tags[i] = intern(log, *list, lens[i]);
		size += 1 + (tags[i] ? 0 : lens[i] + 1);
	}

	r = make_room(log);
	if (r < 0)
		return r;
	r = note_usec(log, log->next_seqnum, usec);
	if (r < 0)
		return r;
	rec = record_alloc(log, size);
	if (!rec)
		return -ENOMEM;
	rec->action = (unsigned char) action;
	rec->n_env = (unsigned char) (n_env + 1);
	p = rec->data;
	*p++ = (char) (dir_tag >> 8);
	*p++ = (char) (dir_tag & 0xff);
	if (dir_tag)
		p = put_str(p, "", 0, rest, strlen(rest));
	else
		p = put_str(p, "DEVPATH=", strlen("DEVPATH="), devpath, dl);
	p = put_env(p, tags[2], "SUBSYSTEM=", strlen("SUBSYSTEM="), subsystem, sl);
	i = 3;
	for (list = env_extra; list && *list; list++, i++)
		p = put_env(p, tags[i], "", 0, *list, lens[i]);
	for (list = dev_vars; list && *list; list++, i++)
		p = put_env(p, tags[i], "", 0, *list, lens[i]);

	log->entries[log->n] = rec;
	log->n++;
	log->next_seqnum++;

	/*
	 * Listeners get a view of their own on the stack: one that emits from its callback may
	 * move the log's arrays. A listener added from a callback is first called for the next
	 * event.
	 */
	if (log->n_listeners) {
		char devpath_buf[DEVPATH_ENV_MAX];
		struct view view;

		record_view(log, rec, log->next_seqnum - 1, &view, devpath_buf);
		for (i = 0; i < log->n_listeners; i++) {
			struct listener l = log->listeners[i];

			if (l.fn)
				l.fn(&view.ev, l.ctx);
		}
	}
	return 0;
}

int apsim_uevent_print(const struct apsim_uevent *ev, FILE *f)
{
	unsigned i;

	APSIM_CHECK_ARG(ev && f);
	/* udevadm-monitor.c print_device(): "%-6s[%llu.%06llu] %-8s %s (%s)\n" */
	if (fprintf(f, "KERNEL[%" PRIu64 ".%06" PRIu64 "] %-8s %s (%s)\n", ev->usec / 1000000,
		    ev->usec % 1000000, apsim_uevent_action_name(ev->action), ev->devpath,
		    ev->subsystem) < 0)
		return -EIO;
	for (i = 0; i < ev->n_env; i++)
		if (fprintf(f, "%s\n", ev->env[i]) < 0)
			return -EIO;
	if (fputc('\n', f) == EOF)
		return -EIO;
	return 0;
}

int apsim_uevent_print_json(const struct apsim_uevent *ev, FILE *f)
{
	json_t *o, *env;
	char *s;
	unsigned i;
	int r = 0;

	APSIM_CHECK_ARG(ev && f);
	env = json_object();
	o = json_object();
	if (!env || !o) {
		r = -ENOMEM;
		goto out_free_json;
	}
	for (i = 0; i < ev->n_env; i++) {
		const char *eq = strchr(ev->env[i], '=');
		size_t kl = eq ? (size_t) (eq - ev->env[i]) : strlen(ev->env[i]);
		char *key = strndup(ev->env[i], kl);

		if (!key || json_object_set_new(env, key, json_string(eq ? eq + 1 : "")) < 0) {
			free(key);
			r = -ENOMEM;
			goto out_free_json;
		}
		free(key);
	}
	if (json_object_set_new(o, "seqnum", json_integer((json_int_t) ev->seqnum)) < 0 ||
	    json_object_set_new(o, "usec", json_integer((json_int_t) ev->usec)) < 0 ||
	    json_object_set_new(o, "action", json_string(apsim_uevent_action_name(ev->action))) <
		0 ||
	    json_object_set_new(o, "devpath", json_string(ev->devpath)) < 0 ||
	    json_object_set_new(o, "subsystem", json_string(ev->subsystem)) < 0) {
		r = -ENOMEM;
		goto out_free_json;
	}
	r = json_object_set(o, "env", env) < 0 ? -ENOMEM : 0;
	if (r < 0)
		goto out_free_json;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!s) {
		r = -ENOMEM;
		goto out_free_json;
	}
	if (fprintf(f, "%s\n", s) < 0)
		r = -EIO;
	free(s);
out_free_json:
	json_decref(o);
	json_decref(env);
	return r;
}
