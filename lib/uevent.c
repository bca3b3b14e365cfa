/* SPDX-License-Identifier: MIT */
/*
 * Kernel uevents (spec 2.5), kept in a log in emission order.
 *
 * The log keeps every event until it holds APSIM_UEVENT_LOG_CAP (1,000,000) of them; the
 * next emission then drops the oldest half, so indexes into the log shift but sequence
 * numbers never repeat (they start at 1 and increase by one per event, like the kernel's
 * uevent_seqnum). apsim_uevent_log_set_cap() changes the cap.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "apsim/uevent.h"
#include "macro-internal.h"

#define LOG_MIN_ALLOC 64

struct listener {
	apsim_uevent_listener_fn fn;
	void *ctx;
};

struct apsim_uevent_log {
	struct apsim_uevent *events;
	size_t n, alloc;
	size_t cap;
	uint64_t next_seqnum;
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

static void event_done(struct apsim_uevent *ev)
{
	unsigned i;

	free(ev->devpath);
	free(ev->subsystem);
	for (i = 0; i < ev->n_env; i++)
		free(ev->env[i]);
	memset(ev, 0, sizeof(*ev));
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
	size_t i;

	if (!log)
		return;
	for (i = 0; i < log->n; i++)
		event_done(&log->events[i]);
	free(log->events);
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
	if (!log || idx >= log->n)
		return NULL;
	return &log->events[idx];
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

static int add_env(struct apsim_uevent *ev, const char *key, const char *value)
{
	size_t kl, vl;
	char *s;

	if (ev->n_env >= APSIM_UEVENT_MAX_ENV)
		return -ENOMEM; /* add_uevent_var: "too many keys" */
	kl = key ? strlen(key) : 0;
	vl = strlen(value);
	s = malloc(kl + vl + 1);
	if (!s)
		return -ENOMEM;
	if (kl)
		memcpy(s, key, kl);
	memcpy(s + kl, value, vl + 1);
	ev->env[ev->n_env++] = s;
	return 0;
}

static int add_env_list(struct apsim_uevent *ev, const char *const *list)
{
	int r;

	for (; list && *list; list++) {
		r = add_env(ev, NULL, *list);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Makes room for one more event: grows the array, or drops the oldest half at the cap. */
static int make_room(struct apsim_uevent_log *log)
{
	struct apsim_uevent *ne;
	size_t alloc, i, drop;

	if (log->n >= log->cap) {
		drop = log->n / 2;
		for (i = 0; i < drop; i++)
			event_done(&log->events[i]);
		memmove(log->events, log->events + drop, (log->n - drop) * sizeof(*log->events));
		log->n -= drop;
	}
	if (log->n < log->alloc)
		return 0;
	alloc = log->alloc ? log->alloc * 2 : LOG_MIN_ALLOC;
	if (alloc > log->cap)
		alloc = log->cap;
	if (alloc <= log->n)
		alloc = log->n + 1;
	ne = realloc(log->events, alloc * sizeof(*ne));
	if (!ne)
		return -ENOMEM;
	log->events = ne;
	log->alloc = alloc;
	return 0;
}

int apsim_uevent_emit(struct apsim_uevent_log *log, uint64_t usec, enum apsim_uevent_action action,
		      const char *devpath, const char *subsystem, const char *const *env_extra,
		      const char *const *dev_vars)
{
	struct apsim_uevent ev = {0}, copy;
	char seq[32];
	size_t i;
	int r;

	APSIM_CHECK_ARG(log && devpath && subsystem);
	APSIM_CHECK_ARG((unsigned) action < _APSIM_UEVENT_MAX);

	ev.seqnum = log->next_seqnum;
	ev.usec = usec;
	ev.action = action;
	ev.devpath = strdup(devpath);
	ev.subsystem = strdup(subsystem);
	if (!ev.devpath || !ev.subsystem) {
		r = -ENOMEM;
		goto out_free_event;
	}
	/* kobject_uevent_env order: ACTION, DEVPATH, SUBSYSTEM, envp_ext, bus uevent vars */
	r = add_env(&ev, "ACTION=", action_names[action]);
	if (r < 0)
		goto out_free_event;
	r = add_env(&ev, "DEVPATH=", devpath);
	if (r < 0)
		goto out_free_event;
	r = add_env(&ev, "SUBSYSTEM=", subsystem);
	if (r < 0)
		goto out_free_event;
	r = add_env_list(&ev, env_extra);
	if (r < 0)
		goto out_free_event;
	r = add_env_list(&ev, dev_vars);
	if (r < 0)
		goto out_free_event;
	snprintf(seq, sizeof(seq), "%" PRIu64, ev.seqnum);
	r = add_env(&ev, "SEQNUM=", seq);
	if (r < 0)
		goto out_free_event;
	r = make_room(log);
	if (r < 0)
		goto out_free_event;

	log->events[log->n++] = ev;
	log->next_seqnum++;

	/*
	 * Listeners get a copy: one that emits from its callback may move the array. A
	 * listener added from a callback is first called for the next event.
	 */
	copy = ev;
	for (i = 0; i < log->n_listeners; i++) {
		struct listener l = log->listeners[i];

		if (l.fn)
			l.fn(&copy, l.ctx);
	}
	return 0;

out_free_event:
	event_done(&ev);
	return r;
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
