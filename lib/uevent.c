/* SPDX-License-Identifier: MIT */
/*
 * Kernel uevents (spec 2.5), kept in a log in emission order.
 *
 * The log keeps every event until it holds APSIM_UEVENT_LOG_CAP (1,000,000) of them; the
 * next emission then drops the oldest half, so indexes into the log shift but sequence
 * numbers never repeat (they start at 1 and increase by one per event, like the kernel's
 * uevent_seqnum). apsim_uevent_log_set_cap() changes the cap.
 *
 * Storage: an event is one packed record (its env strings back to back) in a chunked arena
 * that is freed oldest first, so an emission costs no allocation of its own; the public
 * struct apsim_uevent of an event is built when it is first asked for.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "apsim/uevent.h"
#include "macro-internal.h"

#define LOG_MIN_ALLOC 64
#define CHUNK_SIZE    (256u * 1024u)
#define REC_ALIGN     8u

struct listener {
	apsim_uevent_listener_fn fn;
	void *ctx;
};

/*
 * One event as the log keeps it: its n_env "KEY=VALUE" strings packed one after the other,
 * each NUL-terminated (the devpath and subsystem are the values of env[1] and env[2]). The
 * public struct apsim_uevent (with its 32 env pointers) is only built for an event that is
 * asked for (apsim_uevent_log_get) or handed to listeners.
 */
struct record {
	uint64_t seqnum;
	uint64_t usec;
	unsigned char action;
	unsigned char n_env;
	char strings[];
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
	struct apsim_uevent *ev; /* built on the first apsim_uevent_log_get(), else NULL */
};

struct apsim_uevent_log {
	struct entry *entries;
	size_t n, alloc;
	size_t cap;
	uint64_t next_seqnum;
	struct chunk *first_chunk, *last_chunk;
	struct apsim_uevent oom_ev; /* what get() returns when it cannot allocate */
	struct listener *listeners;
	size_t n_listeners;
};

static const char *const action_names[_APSIM_UEVENT_MAX] = {
    [APSIM_UEVENT_ADD] = "add",	      [APSIM_UEVENT_REMOVE] = "remove",
    [APSIM_UEVENT_CHANGE] = "change", [APSIM_UEVENT_BIND] = "bind",
    [APSIM_UEVENT_UNBIND] = "unbind",
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

/* The public view of a record; its strings stay where they are. */
static void record_view(const struct record *rec, struct apsim_uevent *ev)
{
	char *s = (char *) rec->strings;
	unsigned i;

	ev->seqnum = rec->seqnum;
	ev->usec = rec->usec;
	ev->action = (enum apsim_uevent_action) rec->action;
	ev->n_env = rec->n_env;
	for (i = 0; i < rec->n_env; i++) {
		ev->env[i] = s;
		s += strlen(s) + 1;
	}
	ev->devpath = ev->env[1] + strlen("DEVPATH=");
	ev->subsystem = ev->env[2] + strlen("SUBSYSTEM=");
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
		free(log->entries[i].ev);
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
	if (!e->ev) {
		e->ev = malloc(sizeof(*e->ev));
		if (!e->ev) {
			/* out of memory: a view valid until the next call */
			memset(&l->oom_ev, 0, sizeof(l->oom_ev));
			record_view(e->rec, &l->oom_ev);
			return &l->oom_ev;
		}
		memset(e->ev, 0, sizeof(*e->ev));
		record_view(e->rec, e->ev);
	}
	return e->ev;
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
	const char *keep;
	size_t i;

	for (i = 0; i < drop; i++)
		free(log->entries[i].ev);
	memmove(log->entries, log->entries + drop, (log->n - drop) * sizeof(*log->entries));
	log->n -= drop;
	/* records are appended in order: every chunk before the one holding the oldest kept
	 * record holds dropped records only */
	keep = log->n ? (const char *) log->entries[0].rec : NULL;
	while (log->first_chunk) {
		struct chunk *c = log->first_chunk;

		if (keep && keep >= c->data && keep < c->data + c->size)
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

static char *put_str(char *p, const char *key, size_t kl, const char *value, size_t vl)
{
	memcpy(p, key, kl);
	memcpy(p + kl, value, vl);
	p[kl + vl] = '\0';
	return p + kl + vl + 1;
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

int apsim_uevent_emit(struct apsim_uevent_log *log, uint64_t usec, enum apsim_uevent_action action,
		      const char *devpath, const char *subsystem, const char *const *env_extra,
		      const char *const *dev_vars)
{
	size_t lens[APSIM_UEVENT_MAX_ENV];
	const char *const *list;
	size_t al, dl, sl, ql, size, i, n_env = 3;
	struct record *rec;
	char seq[24], *p;
	int r;

	APSIM_CHECK_ARG(log && devpath && subsystem);
	APSIM_CHECK_ARG((unsigned) action < _APSIM_UEVENT_MAX);

	/* kobject_uevent_env order: ACTION, DEVPATH, SUBSYSTEM, envp_ext, bus uevent vars,
	 * SEQNUM; more than APSIM_UEVENT_MAX_ENV: add_uevent_var's "too many keys" */
	al = strlen(action_names[action]);
	dl = strlen(devpath);
	sl = strlen(subsystem);
	size = sizeof(*rec) + sizeof("ACTION=") + al + sizeof("DEVPATH=") + dl +
	       sizeof("SUBSYSTEM=") + sl;
	for (list = env_extra; list && *list; list++) {
		if (n_env >= APSIM_UEVENT_MAX_ENV)
			return -ENOMEM;
		lens[n_env] = strlen(*list);
		size += lens[n_env++] + 1;
	}
	for (list = dev_vars; list && *list; list++) {
		if (n_env >= APSIM_UEVENT_MAX_ENV)
			return -ENOMEM;
		lens[n_env] = strlen(*list);
		size += lens[n_env++] + 1;
	}
	if (n_env >= APSIM_UEVENT_MAX_ENV)
		return -ENOMEM;
	ql = fmt_u64(log->next_seqnum, seq);
	size += sizeof("SEQNUM=") + ql;

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
	p = rec->strings;
	p = put_str(p, "ACTION=", strlen("ACTION="), action_names[action], al);
	p = put_str(p, "DEVPATH=", strlen("DEVPATH="), devpath, dl);
	p = put_str(p, "SUBSYSTEM=", strlen("SUBSYSTEM="), subsystem, sl);
	i = 3;
	for (list = env_extra; list && *list; list++, i++)
		p = put_str(p, "", 0, *list, lens[i]);
	for (list = dev_vars; list && *list; list++, i++)
		p = put_str(p, "", 0, *list, lens[i]);
	(void) put_str(p, "SEQNUM=", strlen("SEQNUM="), seq, ql);

	log->entries[log->n].rec = rec;
	log->entries[log->n].ev = NULL;
	log->n++;
	log->next_seqnum++;

	/*
	 * Listeners get a view of their own on the stack: one that emits from its callback may
	 * move the log's arrays. A listener added from a callback is first called for the next
	 * event.
	 */
	if (log->n_listeners) {
		struct apsim_uevent view = {0};

		record_view(rec, &view);
		for (i = 0; i < log->n_listeners; i++) {
			struct listener l = log->listeners[i];

			if (l.fn)
				l.fn(&view, l.ctx);
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
