/* SPDX-License-Identifier: MIT */
/*
 * persist.c - the daemon's state directory (design.md "Persistence"): restore the sim from
 * STATE/state.json at start, save it after every change before it is acknowledged (a FUSE
 * write of the host tree, or a state-changing command through the sim's on_change hook),
 * atomically, and only when the saved content would change. The format is lib/sim/state.c's.
 *
 * A change whose save fails is refused, not rolled back: the writer gets the save's errno
 * (a command's reply says "was applied but the state could not be saved"), the model keeps
 * the change, and the file keeps the state of the last save that succeeded. Taking the
 * change back is not possible honestly: its uevents, probes, /dev nodes and guest updates
 * have happened, and the inverse write is a change of its own that the stores may refuse.
 * The next save that succeeds writes the whole model, that change included
 * (docs/daemon.md "Persistence").
 *
 * Owns struct apsimd_persist (apsimd.persist). Calls log.c and the library only; fuse-ops.c
 * and main.c call it.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apsim/apsim.h"
#include "apsimd.h"
#include "sim/sim-internal.h"
#include "sim/state-internal.h"

struct apsimd_persist {
	char *path;	     /* STATE/state.json */
	char *last;	     /* what the file holds now */
	unsigned long saves; /* files written */
	bool failed;	     /* the last save failed: logged once until one succeeds */
};

/* sim lock held */
static int save(struct apsimd *d)
{
	struct apsimd_persist *p = d->persist;
	char *text;
	int r;

	r = apsim__state_serialize(d->sim, &text);
	if (r < 0)
		goto out_fail;
	if (p->last && strcmp(p->last, text) == 0) {
		free(text);
		return 0;
	}
	r = apsim__state_write_file(p->path, text);
	if (r < 0) {
		/*
		 * The file may hold text now although the save failed: the rename is done before
		 * the directory's fsync. Forget what it held, so that the next save writes in any
		 * case: else a change back to the old content would be taken as saved and
		 * acknowledged while the file holds the failed one.
		 */
		free(p->last);
		p->last = NULL;
		free(text);
		goto out_fail;
	}
	free(p->last);
	p->last = text;
	p->saves++;
	if (p->failed)
		apsimd_log("apsimd: state saved to '%s' again", p->path);
	p->failed = false;
	return 0;

out_fail:
	if (!p->failed)
		apsimd_log("apsimd: cannot save the state to '%s': %s", p->path, strerror(-r));
	p->failed = true;
	return r;
}

static int on_change(struct apsim_sim *sim, void *ctx)
{
	struct apsimd *d = ctx;

	(void) sim;
	return save(d);
}

int apsimd_persist_changed(struct apsimd *d)
{
	if (!d->persist)
		return 0;
	return save(d);
}

/* Temporary files of a save interrupted by a crash: ".state.json.XXXXXX" (state.c). */
static void remove_stale_temps(const char *dir)
{
	struct dirent *e;
	DIR *dh = opendir(dir);
	char p[PATH_MAX];

	if (!dh)
		return;
	while ((e = readdir(dh))) {
		if (strncmp(e->d_name, ".state.json.", 12) != 0 || strlen(e->d_name) != 18)
			continue;
		if ((size_t) snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) < sizeof(p))
			(void) unlink(p);
	}
	closedir(dh);
}

int apsimd_persist_open(struct apsimd *d, const struct apsim_sim_options *opts, bool *ret_restored)
{
	struct apsimd_persist *p;
	char msg[1024];
	bool restored = false;
	int r;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (mkdir(d->state_dir, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		fprintf(stderr, "apsimd: state directory '%s': %s\n", d->state_dir,
			strerror(errno));
		goto out_free;
	}
	remove_stale_temps(d->state_dir);
	if (asprintf(&p->path, "%s/state.json", d->state_dir) < 0) {
		p->path = NULL;
		r = -ENOMEM;
		goto out_free;
	}
	if (access(p->path, F_OK) == 0) {
		msg[0] = '\0';
		r = apsim__state_load(p->path, opts, &d->sim, msg, sizeof(msg));
		if (r < 0) {
			fprintf(stderr, "apsimd: cannot restore the state: %s\n",
				msg[0] ? msg : strerror(-r));
			goto out_free;
		}
		restored = true;
	} else {
		r = apsim_sim_new(opts, stderr, &d->sim);
		if (r < 0)
			goto out_free;
	}
	d->persist = p;

	apsim_sim_lock(d->sim);
	/* what the file holds (or the first save, with the initial machine) */
	r = save(d);
	d->sim->on_change = on_change;
	d->sim->on_change_ctx = d;
	apsim_sim_unlock(d->sim);
	if (r < 0) {
		fprintf(stderr, "apsimd: cannot write the state file '%s': %s\n", p->path,
			strerror(-r));
		d->persist = NULL;
		apsim_sim_free(d->sim);
		d->sim = NULL;
		goto out_free;
	}
	*ret_restored = restored;
	return 0;

out_free:
	free(p->path);
	free(p);
	return r;
}

void apsimd_persist_close(struct apsimd *d)
{
	struct apsimd_persist *p = d->persist;

	if (!p)
		return;
	if (d->sim) {
		apsim_sim_lock(d->sim);
		d->sim->on_change = NULL;
		d->sim->on_change_ctx = NULL;
		apsim_sim_unlock(d->sim);
	}
	d->persist = NULL;
	free(p->last);
	free(p->path);
	free(p);
}
