/* SPDX-License-Identifier: MIT */
/*
 * Scenario files (docs/cli.md "Scenario files"): one command or expectation per line, '#'
 * comments, an optional first line "#@ OPTIONS" with the simulator options the file needs.
 * Runs stop at the first failing line; every message names FILE:LINE.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apsim/apsim.h"
#include "script/script-internal.h"

/*
 * A progress line for long scenarios, on a terminal only (docs/cli.md): "FILE: line N of M",
 * first after 200 ms, then at most every 100 ms, rewritten in place and cleared at the end.
 * Nothing when stderr is not a terminal, so logs and pipes stay as they were.
 */
struct progress {
	FILE *err;
	bool on;     /* stderr is a terminal */
	bool shown;
	size_t total;
	double start, last;
};

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void progress_init(struct progress *p, FILE *err, const char *buf, size_t len)
{
	memset(p, 0, sizeof(*p));
	p->err = err;
	p->on = isatty(fileno(err));
	if (!p->on)
		return;
	for (size_t i = 0; i < len; i++)
		p->total += buf[i] == '\n';
	p->start = p->last = now_sec();
}

static void progress_update(struct progress *p, const char *name, size_t lineno)
{
	double t;

	if (!p->on)
		return;
	t = now_sec();
	if (t - p->start < 0.2 || t - p->last < 0.1)
		return;
	fprintf(p->err, "\r\033[K%s: line %zu of %zu", name, lineno, p->total);
	fflush(p->err);
	p->shown = true;
	p->last = t;
}

static void progress_done(struct progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", p->err);
		fflush(p->err);
	}
}

int apsim__scenario_run_buffer(struct apsim_sim *sim, const char *name, const char *buf, size_t len,
			       bool json, FILE *out, FILE *err, apsim__line_runner run_line)
{
	size_t pos = 0, lineno = 0;
	char *where, *line = NULL;
	const char *saved = sim->scenario_path;
	struct progress progress;
	int r = 0;

	progress_init(&progress, err, buf, len);
	where = malloc(strlen(name) + 32);
	if (!where)
		return -ENOMEM;
	sim->scenario_path = name;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t) (nl - (buf + pos)) : len - pos;

		lineno++;
		free(line);
		line = malloc(n + 1);
		if (!line) {
			r = -ENOMEM;
			break;
		}
		memcpy(line, buf + pos, n);
		line[n] = '\0'; /* a NUL byte inside the line ends it */
		pos += n + (nl ? 1 : 0);

		sprintf(where, "%s:%zu", name, lineno);
		progress_update(&progress, name, lineno);
		r = run_line(sim, line, json, out, err, where);
		if (r < 0) {
			/* a bad line makes the scenario fail (exit 1), not the command line */
			if (r == -APSIM_EUSAGE)
				r = -EINVAL;
			break;
		}
	}
	progress_done(&progress);
	free(line);
	free(where);
	sim->scenario_path = saved;
	return r;
}

static int read_file(const char *path, char **ret, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f = fopen(path, "r");
	int r = 0;

	if (!f)
		return -errno;
	for (;;) {
		size_t n;

		if (len + 4096 > cap) {
			char *nb = realloc(buf, cap + 65536);

			if (!nb) {
				r = -ENOMEM;
				goto out_close;
			}
			buf = nb;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				r = -EIO;
			break;
		}
	}
out_close:
	fclose(f);
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

int apsim__scenario_run_file(struct apsim_sim *sim, const char *path, bool json, FILE *out,
			     FILE *err, apsim__line_runner run_line)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	r = read_file(path, &buf, &len);
	if (r < 0) {
		fprintf(err, "%s: %s\n", path, strerror(-r));
		return r;
	}
	r = apsim__scenario_run_buffer(sim, path, buf, len, json, out, err, run_line);
	free(buf);
	return r;
}

int apsim__scenario_read_options(const char *path, struct apsim_sim_options *opts,
				 char **ret_machine_buf, FILE *err)
{
	struct apsim_sim_options o = *opts;
	char *line = NULL, **argv = NULL, *machine = NULL;
	size_t cap = 0;
	ssize_t n;
	int argc, r;
	FILE *f = fopen(path, "r");

	if (!f) {
		r = -errno;
		fprintf(err, "%s: %s\n", path, strerror(-r));
		return r;
	}
	n = getline(&line, &cap, f);
	fclose(f);
	if (n < 2 || strncmp(line, "#@", 2) != 0) {
		free(line);
		return 0;
	}
	r = apsim__command_split(line + 2, &argc, &argv);
	if (r < 0)
		goto out_free_line;
	for (int i = 0; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(opt, "--check-invariants") == 0) {
			o.check_invariants = true;
			continue;
		}
		if (strcmp(opt, "--machine") != 0 && strcmp(opt, "--policy") != 0 &&
		    strcmp(opt, "--quirks") != 0) {
			fprintf(err,
				"%s:1: unknown option '%s' in the #@ line (expected --machine, "
				"--policy, --quirks, --check-invariants)\n",
				path, opt);
			r = -EINVAL;
			goto out_free_argv;
		}
		if (!val) {
			fprintf(err, "%s:1: option '%s' needs a value\n", path, opt);
			r = -EINVAL;
			goto out_free_argv;
		}
		i++;
		if (strcmp(opt, "--policy") == 0) {
			if (apsim_policy_from_name(val, &o.policy) < 0) {
				fprintf(err,
					"%s:1: unknown policy '%s' (expected kernel, legacy or "
					"coalesced)\n",
					path, val);
				r = -EINVAL;
				goto out_free_argv;
			}
		} else if (strcmp(opt, "--quirks") == 0) {
			if (strcmp(val, "mainline") != 0) {
				fprintf(err, "%s:1: unknown quirks '%s' (expected mainline)\n",
					path, val);
				r = -EINVAL;
				goto out_free_argv;
			}
			o.quirks |= APSIM_QUIRK_MAINLINE;
		} else {
			const char *slash = strrchr(path, '/');

			free(machine);
			if (strcmp(val, "empty") == 0 || val[0] == '/' || !slash) {
				machine = strdup(val);
			} else {
				/* relative to the scenario's directory */
				machine = malloc((size_t) (slash - path) + strlen(val) + 2);
				if (machine)
					sprintf(machine, "%.*s/%s", (int) (slash - path), path,
						val);
			}
			if (!machine) {
				r = -ENOMEM;
				goto out_free_argv;
			}
			o.machine = machine;
		}
	}
	*opts = o;
	*ret_machine_buf = machine;
	machine = NULL;
	r = 1;
out_free_argv:
	free(machine);
	free(argv);
out_free_line:
	free(line);
	return r;
}
