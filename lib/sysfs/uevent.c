/* SPDX-License-Identifier: MIT */
/*
 * Kernel uevents (spec 2.5), kept in a log in emission order.
 *
 * The log keeps every event until it holds APSIM_UEVENT_LOG_CAP (1,000,000) of them; the
 * next emission then drops the oldest half, so indexes into the log shift but sequence
 * numbers never repeat (they start at 1 and increase by one per event, like the kernel's
 * uevent_seqnum). apsim_uevent_log_set_cap() changes the cap.
 *
 * Storage: an event is one packed record in a chunked arena that is freed oldest first, so an
 * emission costs no allocation of its own. A record holds its DEVPATH= and its other env
 * strings back to back, each short string that many events share stored once per log
 * (interned) and referred to by a byte; ACTION= and SEQNUM= are rebuilt from the action and
 * the seqnum. The public struct apsim_uevent of an event is built when it is first asked for;
 * a listener gets one on the stack, valid during the call.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "apsim/uevent.h"
#include "base/macro-internal.h"

#define LOG_MIN_ALLOC 64
#define CHUNK_SIZE    (256u * 1024u)
#define REC_ALIGN     8u

struct listener {
	apsim_uevent_listener_fn fn;
	void *ctx;
};

/*
 * One event as the log keeps it. ACTION= (from the action) and SEQNUM= (from the seqnum)
 * are not stored; each env string in between is a tag byte, then, for tag 0, the string
 * itself NUL-terminated, else the string is the log's interned string tag - 1. DEVPATH=
 * (env[1]) is always stored in full; the devpath and subsystem are the values of env[1] and
 * env[2]. The public struct apsim_uevent (with its 32 env pointers) is only built for an
 * event that is asked for (apsim_uevent_log_get) or handed to listeners.
 */
struct record {
	uint64_t seqnum;
	uint64_t usec;
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

/* "SEQNUM=" and up to 20 digits */
#define SEQ_ENV_LEN 28

/* The public view of an event, with the SEQNUM= string it points to. */
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

_Static_assert(offsetof(struct chunk, data) % REC_ALIGN == 0 &&
		       _Alignof(struct record) <= REC_ALIGN,
	       "records in a chunk are aligned");

struct entry {
	struct record *rec;
	struct view *view; /* built on the first apsim_uevent_log_get(), else NULL */
};

struct apsim_uevent_log {
	struct entry *entries;
	size_t n, alloc;
	size_t cap;
	uint64_t next_seqnum;
	struct chunk *first_chunk, *last_chunk;
	struct view oom_view; /* what get() returns when it cannot allocate */
	struct listener *listeners;
	size_t n_listeners;
	char *interned[INTERN_MAX];
	unsigned char interned_len[INTERN_MAX];
	unsigned n_interned;
	unsigned char intern_slots[INTERN_SLOTS]; /* 0: empty, else index + 1 */
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

/* The public view of a record; the stored and interned strings stay where they are. */
static void record_view(const struct apsim_uevent_log *log, const struct record *rec,
			struct view *v)
{
	const char *p = rec->data;
	struct apsim_uevent *ev = &v->ev;
	unsigned i, last = rec->n_env - 1u;

	memset(ev, 0, sizeof(*ev));
	ev->seqnum = rec->seqnum;
	ev->usec = rec->usec;
	ev->action = (enum apsim_uevent_action) rec->action;
	ev->n_env = rec->n_env;
	ev->env[0] = (char *) action_envs[rec->action];
	for (i = 1; i < last; i++) {
		unsigned char tag = (unsigned char) *p++;

		if (tag) {
			ev->env[i] = log->interned[tag - 1];
		} else {
			ev->env[i] = (char *) p;
			p += strlen(p) + 1;
		}
	}
	memcpy(v->seq, "SEQNUM=", strlen("SEQNUM="));
	fmt_u64(rec->seqnum, v->seq + strlen("SEQNUM="));
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
	return (uint32_t) ((a ^ b) >> 32);
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

int apsim_uevent_log_new(struct apsim_uevent_log **ret)
{
	struct apsim_uevent_log *log;

	APSIM_CHECK_ARG(ret);
	log = calloc(1, sizeof(*log));
	if (!log)
		return -ENOMEM;
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
	for (i = 0; i < log->n; i++)
		free(log->entries[i].view);
	for (i = 0; i < log->n_interned; i++)
		free(log->interned[i]);
	for (c = log->first_chunk; c; c = next) {
		next = c->next;
		free(c);
	}
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
	struct entry *e;

	if (!log || idx >= log->n)
		return NULL;
	e = &l->entries[idx];
	if (!e->view) {
		e->view = malloc(sizeof(*e->view));
		if (!e->view) {
			/* out of memory: a view valid until the next call */
			record_view(l, e->rec, &l->oom_view);
			return &l->oom_view.ev;
		}
		record_view(l, e->rec, e->view);
	}
	return &e->view->ev;
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
	uintptr_t keep;
	size_t i;

	for (i = 0; i < drop; i++)
		free(log->entries[i].view);
	memmove(log->entries, log->entries + drop, (log->n - drop) * sizeof(*log->entries));
	log->n -= drop;
	/* records are appended in order: every chunk before the one holding the oldest kept
	 * record holds dropped records only */
	keep = log->n ? (uintptr_t) log->entries[0].rec : 0;
	while (log->first_chunk) {
		struct chunk *c = log->first_chunk;

		if (keep && keep >= (uintptr_t) c->data && keep < (uintptr_t) c->data + c->size)
			break;
		if (!keep && c == log->last_chunk) {
			c->used = 0; /* nothing kept: reuse the last chunk */
			break;
		}
		log->first_chunk = c->next;
		free(c);
	}
	if (!log->first_chunk)
		log->last_chunk = NULL;
}

/* Makes room for one more event: grows the array, or drops the oldest half at the cap. */
static int make_room(struct apsim_uevent_log *log)
{
	struct entry *ne;
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
	ne = realloc(log->entries, alloc * sizeof(*ne));
	if (!ne)
		return -ENOMEM;
	log->entries = ne;
	log->alloc = alloc;
	return 0;
}

/* Room for a record of size bytes at the end of the chunk list. */
static struct record *record_alloc(struct apsim_uevent_log *log, size_t size)
{
	struct chunk *c = log->last_chunk;

	size = (size + REC_ALIGN - 1) & ~(size_t) (REC_ALIGN - 1);
	if (!c || c->size - c->used < size) {
		size_t csize = size > CHUNK_SIZE - sizeof(*c) ? size : CHUNK_SIZE - sizeof(*c);

		c = malloc(sizeof(*c) + csize);
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

/* Appends one env string (key + value, vl bytes) to a record: its tag, then it if not interned. */
static char *put_env(char *p, unsigned char tag, const char *key, size_t kl, const char *value,
		     size_t vl)
{
	*p++ = (char) tag;
	if (tag)
		return p;
	memcpy(p, key, kl);
	memcpy(p + kl, value, vl);
	p[kl + vl] = '\0';
	return p + kl + vl + 1;
}

int apsim_uevent_emit(struct apsim_uevent_log *log, uint64_t usec, enum apsim_uevent_action action,
		      const char *devpath, const char *subsystem, const char *const *env_extra,
		      const char *const *dev_vars)
{
	size_t lens[APSIM_UEVENT_MAX_ENV];
	unsigned char tags[APSIM_UEVENT_MAX_ENV];
	char sub[sizeof("SUBSYSTEM=") + INTERN_MAXLEN];
	const char *const *list;
	size_t dl, sl, size, i, n_env = 3;
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
	/* every stored env string: a tag byte, then the string and its NUL unless interned */
	size = sizeof(*rec) + 1 + sizeof("DEVPATH=") + dl;
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
	rec = record_alloc(log, size);
	if (!rec)
		return -ENOMEM;
	rec->seqnum = log->next_seqnum;
	rec->usec = usec;
	rec->action = (unsigned char) action;
	rec->n_env = (unsigned char) (n_env + 1);
	p = rec->data;
	p = put_env(p, 0, "DEVPATH=", strlen("DEVPATH="), devpath, dl);
	p = put_env(p, tags[2], "SUBSYSTEM=", strlen("SUBSYSTEM="), subsystem, sl);
	i = 3;
	for (list = env_extra; list && *list; list++, i++)
		p = put_env(p, tags[i], "", 0, *list, lens[i]);
	for (list = dev_vars; list && *list; list++, i++)
		p = put_env(p, tags[i], "", 0, *list, lens[i]);

	log->entries[log->n].rec = rec;
	log->entries[log->n].view = NULL;
	log->n++;
	log->next_seqnum++;

	/*
	 * Listeners get a view of their own on the stack: one that emits from its callback may
	 * move the log's arrays. A listener added from a callback is first called for the next
	 * event.
	 */
	if (log->n_listeners) {
		struct view view;

		record_view(log, rec, &view);
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
