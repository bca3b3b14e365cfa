/* SPDX-License-Identifier: MIT */
/*
 * apsimd - serves the simulator's sysfs tree over FUSE, with a control socket and an
 * optional persistent state directory (docs/daemon.md).
 *
 *   apsimd --mount DIR [--state DIR] [--socket PATH] [--guest-dir DIR] [--machine FILE|empty]
 *          [--policy kernel|legacy|coalesced] [--quirks mainline] [--client-timeout SECONDS]
 *          [--foreground] [--no-netlink] [--verbose]
 *
 * Threads: the main thread only waits for signals; each mount has its FUSE loop (which starts
 * its own workers); the control socket has an accept thread and one thread per connection;
 * the timer thread fires the sim's clock timers (config_time rescan, reset polling) on the
 * monotonic clock. Every one of them takes the sim lock around model access.
 *
 * Owns the options, the paths, the timer thread, detaching and the signal loop. The top of
 * the daemon: calls every other daemon file, none calls it.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apsim/apsim.h"
#include "apsimd.h"
#include "base/fs-util-internal.h"

#ifndef APSIMD_VERSION
#define APSIMD_VERSION "unknown"
#endif

#define TIMER_MAX_WAIT_NS      (20 * APSIM_NSEC_PER_MSEC)
#define CLIENT_TIMEOUT_DEFAULT 30
#define CLIENT_TIMEOUT_MAX     86400

/* --- the timer thread ---------------------------------------------------------------------- */

struct timer {
	struct apsim_sim *sim;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* on CLOCK_MONOTONIC */
	bool stop;
};

static void *timer_thread(void *arg)
{
	struct timer *t = arg;
	struct apsim_clock *clock;

	apsim_sim_lock(t->sim);
	clock = apsim_sim_get_clock(t->sim);
	apsim_sim_unlock(t->sim);

	pthread_mutex_lock(&t->lock);
	while (!t->stop) {
		uint64_t next, now, wait;
		struct timespec ts;

		pthread_mutex_unlock(&t->lock);
		apsim_sim_lock(t->sim);
		(void) apsim_clock_run_due(clock);
		next = apsim_clock_next_expiry(clock);
		now = apsim_clock_now(clock);
		apsim_sim_unlock(t->sim);

		/* new timers may be armed by any request: look again at least every 20 ms */
		wait = next > now ? next - now : 0;
		if (wait > TIMER_MAX_WAIT_NS)
			wait = TIMER_MAX_WAIT_NS;
		if (wait < 100000)
			wait = 100000;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += (long) wait;
		while (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&t->lock);
		if (!t->stop)
			(void) pthread_cond_timedwait(&t->cond, &t->lock, &ts);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

static int timer_start(struct timer *t, struct apsim_sim *sim)
{
	pthread_condattr_t ca;
	int r;

	t->sim = sim;
	t->stop = false;
	pthread_mutex_init(&t->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cond, &ca);
	pthread_condattr_destroy(&ca);
	r = pthread_create(&t->thread, NULL, timer_thread, t);
	if (r != 0) {
		pthread_cond_destroy(&t->cond);
		pthread_mutex_destroy(&t->lock);
		return -r;
	}
	return 0;
}

static void timer_stop(struct timer *t)
{
	pthread_mutex_lock(&t->lock);
	t->stop = true;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
}

/* --- options ------------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fputs(
	    "Usage: apsimd --mount DIR [OPTIONS]\n"
	    "Serves the simulated AP bus sysfs tree at DIR over FUSE.\n"
	    "\n"
	    "  --mount DIR          where to mount the tree (an existing, empty directory)\n"
	    "  --state DIR          persist machine, masks, bus and online settings,\n"
	    "                       zcrypt nodes and mdevs in DIR\n"
	    "                       (restored at start; the socket is DIR/control.sock)\n"
	    "  --socket PATH        control socket (default: STATE/control.sock, else\n"
	    "                       /run/apsim/control.sock as root, $XDG_RUNTIME_DIR/apsim/...)\n"
	    "  --guest-dir DIR      where guest trees are mounted (default: SOCKETDIR/guests)\n"
	    "  --machine FILE|empty machine description when there is no saved state\n"
	    "                       (default: the built-in z16)\n"
	    "  --policy P           hot plug policy: kernel (default), legacy, coalesced\n"
	    "  --quirks mainline    reproduce the mainline defects of spec 6.11\n"
	    "  --client-timeout S   drop a control socket client whose request line is not\n"
	    "                       complete S seconds after it connected, or that does not\n"
	    "                       take a reply for S seconds (1 to 86400, default 30)\n"
	    "  --foreground         do not detach\n"
	    "  --no-netlink         no udev events on netlink (in a private network\n"
	    "                       namespace, joined by apsim exec)\n"
	    "  --http [ADDR:]PORT   serve the live AP matrix page on PORT (loopback; see\n"
	    "                       docs/daemon.md); --http-remote allows a non-loopback ADDR\n"
	    "  --verbose            log more\n"
	    "  --help, --version\n",
	    f);
}

struct options {
	const char *mount;
	const char *state;
	const char *socket;
	const char *guest_dir;
	unsigned client_timeout;
	struct apsim_sim_options sim;
	bool foreground;
	bool verbose;
	bool no_netlink;
	const char *http;
	bool http_remote;
};

static int parse_options(int argc, char **argv, struct options *o)
{
	enum {
		OPT_MOUNT = 256,
		OPT_STATE,
		OPT_SOCKET,
		OPT_GUEST_DIR,
		OPT_MACHINE,
		OPT_POLICY,
		OPT_QUIRKS,
		OPT_CLIENT_TIMEOUT,
		OPT_FOREGROUND,
		OPT_VERBOSE,
		OPT_NO_NETLINK,
		OPT_HTTP,
		OPT_HTTP_REMOTE,
		OPT_HELP,
		OPT_VERSION
	};
	static const struct option longopts[] = {
	    {"mount", required_argument, NULL, OPT_MOUNT},
	    {"state", required_argument, NULL, OPT_STATE},
	    {"socket", required_argument, NULL, OPT_SOCKET},
	    {"guest-dir", required_argument, NULL, OPT_GUEST_DIR},
	    {"machine", required_argument, NULL, OPT_MACHINE},
	    {"policy", required_argument, NULL, OPT_POLICY},
	    {"quirks", required_argument, NULL, OPT_QUIRKS},
	    {"client-timeout", required_argument, NULL, OPT_CLIENT_TIMEOUT},
	    {"foreground", no_argument, NULL, OPT_FOREGROUND},
	    {"verbose", no_argument, NULL, OPT_VERBOSE},
	    {"no-netlink", no_argument, NULL, OPT_NO_NETLINK},
	    {"http", required_argument, NULL, OPT_HTTP},
	    {"http-remote", no_argument, NULL, OPT_HTTP_REMOTE},
	    {"help", no_argument, NULL, OPT_HELP},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->sim.policy = APSIM_POLICY_KERNEL;
	o->sim.monotonic_clock = true;
	o->client_timeout = CLIENT_TIMEOUT_DEFAULT;
	while ((c = getopt_long(argc, argv, "fh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_MOUNT:
			o->mount = optarg;
			break;
		case OPT_STATE:
			o->state = optarg;
			break;
		case OPT_SOCKET:
			o->socket = optarg;
			break;
		case OPT_GUEST_DIR:
			o->guest_dir = optarg;
			break;
		case OPT_MACHINE:
			o->sim.machine = optarg;
			break;
		case OPT_POLICY:
			if (apsim_policy_from_name(optarg, &o->sim.policy) < 0) {
				fprintf(stderr,
					"apsimd: unknown policy '%s' (kernel, legacy, coalesced)\n",
					optarg);
				return -EINVAL;
			}
			break;
		case OPT_QUIRKS:
			if (strcmp(optarg, "mainline") == 0) {
				o->sim.quirks |= APSIM_QUIRK_MAINLINE;
			} else if (strcmp(optarg, "none") != 0) {
				fprintf(stderr, "apsimd: unknown quirks '%s' (mainline, none)\n",
					optarg);
				return -EINVAL;
			}
			break;
		case OPT_CLIENT_TIMEOUT: {
			unsigned long v;
			char *end;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (optarg[0] < '0' || optarg[0] > '9' || *end || errno || v < 1 ||
			    v > CLIENT_TIMEOUT_MAX) {
				fprintf(stderr,
					"apsimd: --client-timeout: '%s' is not a number of seconds "
					"from 1 to %d\n",
					optarg, CLIENT_TIMEOUT_MAX);
				return -EINVAL;
			}
			o->client_timeout = (unsigned) v;
			break;
		}
		case 'f':
		case OPT_FOREGROUND:
			o->foreground = true;
			break;
		case OPT_VERBOSE:
			o->verbose = true;
			break;
		case OPT_NO_NETLINK:
			o->no_netlink = true;
			break;
		case OPT_HTTP:
			o->http = optarg;
			break;
		case OPT_HTTP_REMOTE:
			o->http_remote = true;
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			exit(EXIT_SUCCESS);
		case OPT_VERSION:
			printf("apsimd %s\n", APSIMD_VERSION);
			exit(EXIT_SUCCESS);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "apsimd: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (!o->mount) {
		fprintf(stderr, "apsimd: --mount DIR is required\n");
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static char *absolute(const char *path)
{
	char cwd[PATH_MAX];
	char *r;

	if (path[0] == '/')
		return strdup(path);
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	if (asprintf(&r, "%s/%s", cwd, path) < 0)
		return NULL;
	return r;
}

/* Fills the paths of d from the options: absolute, defaults applied, parents created. */
static int setup_paths(struct apsimd *d, const struct options *o)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char *dir, *slash;
	int r;

	d->mountpoint = realpath(o->mount, NULL);
	if (!d->mountpoint)
		return -errno;
	if (o->state) {
		d->state_dir = absolute(o->state);
		if (!d->state_dir)
			return -ENOMEM;
	}
	if (o->socket)
		d->socket_path = absolute(o->socket);
	else if (d->state_dir)
		r = asprintf(&d->socket_path, "%s/control.sock", d->state_dir);
	else if (d->uid == 0)
		d->socket_path = strdup("/run/apsim/control.sock");
	else if (xdg && xdg[0] == '/')
		r = asprintf(&d->socket_path, "%s/apsim/control.sock", xdg);
	else
		r = asprintf(&d->socket_path, "/tmp/apsim-%u/control.sock", (unsigned) d->uid);
	(void) r;
	if (!d->socket_path)
		return -ENOMEM;
	r = apsim__mkdir_p(d->socket_path, 0700, true);
	if (r < 0) {
		fprintf(stderr, "apsimd: cannot create the directory of '%s': %s\n", d->socket_path,
			strerror(-r));
		return r;
	}
	if (o->guest_dir) {
		d->guest_dir = absolute(o->guest_dir);
	} else {
		dir = strdup(d->socket_path);
		if (!dir)
			return -ENOMEM;
		slash = strrchr(dir, '/');
		*slash = '\0';
		r = asprintf(&d->guest_dir, "%s/guests", dir[0] ? dir : "");
		free(dir);
		if (r < 0)
			d->guest_dir = NULL;
	}
	if (!d->guest_dir)
		return -ENOMEM;
	return 0;
}

/* --- start and stop ------------------------------------------------------------------------ */

/* Detaches from the terminal: the parent exits when the child is ready (0) or failed (1). */
static int daemonize(int *ret_ready_fd)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 ? EXIT_SUCCESS : EXIT_FAILURE);
	}
	close(p[0]);
	if (setsid() < 0)
		return -errno;
	*ret_ready_fd = p[1];
	return 0;
}

static void ready(int fd, bool foreground)
{
	if (fd >= 0) {
		(void) !write(fd, "R", 1);
		close(fd);
	}
	if (!foreground) {
		FILE *n;

		apsimd_log_to_syslog();
		n = freopen("/dev/null", "r", stdin);
		n = freopen("/dev/null", "w", stdout);
		n = freopen("/dev/null", "w", stderr);
		(void) n;
	}
}

int main(int argc, char **argv)
{
	struct apsimd d = {0};
	struct options o;
	struct timer timer;
	sigset_t sigs;
	bool restored = false, timer_running = false;
	int ready_fd = -1, sig, r;

	r = parse_options(argc, argv, &o);
	if (r < 0)
		return EXIT_FAILURE;
	d.uid = getuid();
	d.verbose = o.verbose;
	d.client_timeout = o.client_timeout;
	d.start_sec = (uint64_t) time(NULL);
	pthread_mutex_init(&d.mounts_lock, NULL);

	r = apsimd_check_mountpoint(o.mount);
	if (r < 0)
		return EXIT_FAILURE;
	r = setup_paths(&d, &o);
	if (r < 0) {
		fprintf(stderr, "apsimd: %s\n", strerror(-r));
		return EXIT_FAILURE;
	}

	if (!o.foreground) {
		r = daemonize(&ready_fd);
		if (r < 0) {
			fprintf(stderr, "apsimd: cannot detach: %s\n", strerror(-r));
			return EXIT_FAILURE;
		}
	}

	/* Signals are taken by sigwait() in this thread only: block them before any thread. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	d.main_thread = pthread_self();

	r = apsimd_acks_new(&d.acks);
	if (r < 0) {
		fprintf(stderr, "apsimd: %s\n", strerror(-r));
		goto out_free;
	}
	if (d.state_dir) {
		r = apsimd_persist_open(&d, &o.sim, &restored);
	} else {
		r = apsim_sim_new(&o.sim, stderr, &d.sim);
	}
	if (r < 0)
		goto out_free;
	if (d.uid == 0 && !o.no_netlink) {
		r = apsimd_netlink_start(&d, &d.netlink);
		if (r < 0)
			apsimd_log("apsimd: no udev events on netlink: %s", strerror(-r));
	}
	r = apsimd_control_start(&d, &d.control);
	if (r < 0)
		goto out_free_sim;
	if (o.http) {
		r = apsimd_http_start(&d, o.http, o.http_remote, &d.http);
		if (r < 0)
			goto out_stop_control;
	}
	r = timer_start(&timer, d.sim);
	if (r < 0) {
		fprintf(stderr, "apsimd: cannot start the timer thread: %s\n", strerror(-r));
		goto out_stop_control;
	}
	timer_running = true;
	r = apsimd_mount_start(&d, NULL, d.mountpoint, &d.host);
	if (r < 0)
		goto out_stop_control;

	if (o.verbose)
		apsimd_log("apsimd: serving '%s', socket '%s'%s%s%s", d.mountpoint, d.socket_path,
			   d.state_dir ? ", state '" : "", d.state_dir ? d.state_dir : "",
			   d.state_dir ? (restored ? "' (restored)" : "' (new)") : "");
	ready(ready_fd, o.foreground);
	ready_fd = -1;

	for (;;) {
		r = sigwait(&sigs, &sig);
		if (r != 0)
			continue;
		if (sig == SIGUSR1) {
			bool gone;

			pthread_mutex_lock(&d.mounts_lock);
			gone = d.host && apsimd_mount_ended(d.host);
			pthread_mutex_unlock(&d.mounts_lock);
			if (!gone)
				continue;
			if (o.verbose)
				apsimd_log("apsimd: '%s' was unmounted, exiting", d.mountpoint);
			break;
		}
		if (o.verbose)
			apsimd_log("apsimd: %s, exiting", strsignal(sig));
		break;
	}
	r = 0;

out_stop_control:
	apsimd_http_stop(d.http);
	d.http = NULL;
	apsimd_control_stop(d.control);
	d.control = NULL;
	apsimd_mounts_stop(&d);
	if (timer_running)
		timer_stop(&timer);
	apsimd_netlink_stop(d.netlink);
	d.netlink = NULL;
out_free_sim:
	apsimd_persist_close(&d);
	apsim_sim_free(d.sim);
out_free:
	apsimd_acks_free(d.acks);
	free(d.mountpoint);
	free(d.state_dir);
	free(d.socket_path);
	free(d.guest_dir);
	pthread_mutex_destroy(&d.mounts_lock);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
