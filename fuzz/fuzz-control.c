/* SPDX-License-Identifier: MIT */
/*
 * fuzz-control.c - libFuzzer target for the daemon's control socket (daemon/control.c,
 * docs/daemon.md "Control socket"): the input is the whole byte stream a client sends on one
 * connection, against a live in-process server (apsimd_control_start() on a socket in a
 * temporary directory, the same accept thread and per-connection thread real clients get)
 * over a small simulator in the sandbox (no file access, bounded sleeps).
 *
 * The client sends the bytes, shuts its side down (so a request without its newline ends at
 * EOF instead of the client timeout) and reads the reply to EOF. Every reply line must be a
 * JSON object, the reply must end with {"rc": N}, N 0 or a negative errno, and the daemon must
 * go on serving. Guest mounts are refused (d.stopping: no FUSE mount from a fuzzer); the
 * model is rebuilt every REBUILD_EVERY inputs so that it does not grow without bound.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "apsim/apsim.h"
#include "apsimd.h"
#include "sim/sim-internal.h"
#include "fuzz-check.h"

#define MAX_INPUT     (70u * 1024) /* a little over the 64 KiB request limit */
#define MAX_REPLY     (8u << 20)
#define REBUILD_EVERY 2048

static const char *const setup[] = {
	"machine notify off",
	"machine card add 0 CEX8C",
	"machine card add 1 CEX7A",
	"machine lpar add adapter 0-1",
	"machine lpar add domain 0-3",
	"machine lpar add control-domain 0-3",
	"scan",
	"machine notify on",
	"mdev create 11111111-2222-4333-8444-000000000001",
};

static struct apsimd d;
static char dir[64];
static char sock[128];
static unsigned inputs;

static void server_start(void)
{
	struct apsim_sim_options opts = {.machine = "empty", .policy = APSIM_POLICY_KERNEL};
	FILE *devnull = fopen("/dev/null", "w");

	CHECK(devnull);
	CHECK(apsim_sim_new(&opts, stderr, &d.sim) == 0);
	d.sim->sandbox = true;
	for (size_t i = 0; i < sizeof(setup) / sizeof(setup[0]); i++)
		CHECK(apsim_sim_exec(d.sim, setup[i], false, devnull, stderr) == 0);
	fclose(devnull);
	CHECK(apsimd_acks_new(&d.acks) == 0);
	CHECK(apsimd_control_start(&d, &d.control) == 0);
}

static void server_stop(void)
{
	apsimd_control_stop(d.control);
	d.control = NULL;
	apsimd_acks_free(d.acks);
	d.acks = NULL;
	apsim_sim_free(d.sim);
	d.sim = NULL;
}

static void cleanup(void)
{
	if (d.control)
		server_stop();
	unlink(sock);
	rmdir(dir);
}

static void init(void)
{
	strcpy(dir, "/tmp/fuzz-control.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(sock, sizeof(sock), "%s/control.sock", dir);
	d.mountpoint = dir;
	d.socket_path = sock;
	d.guest_dir = dir;
	d.uid = getuid();
	d.client_timeout = 5;
	d.stopping = true; /* guest-mount answers -ESHUTDOWN */
	pthread_mutex_init(&d.mounts_lock, NULL);
	server_start();
	atexit(cleanup);
}

/* One reply line: a JSON object; *ret_rc set from a {"rc": N} line. */
static void check_line(const char *line, size_t len, bool *ret_has_rc)
{
	json_error_t jerr;
	json_t *o = json_loadb(line, len, JSON_ALLOW_NUL, &jerr);
	json_t *rc;

	if (!o)
		fprintf(stderr, "fuzz-control: reply line is not JSON (%s): %.*s\n", jerr.text,
			(int) len, line);
	CHECK(o != NULL);
	CHECK(json_is_object(o));
	CHECK(!*ret_has_rc); /* nothing after the rc line */
	rc = json_object_get(o, "rc");
	if (rc) {
		CHECK(json_is_integer(rc));
		CHECK(json_integer_value(rc) <= 0 && json_integer_value(rc) >= -4095);
		*ret_has_rc = true;
	}
	json_decref(o);
}

static int connect_server(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	CHECK(fd >= 0);
	strcpy(sa.sun_path, sock);
	CHECK(connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0);
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *reply;
	size_t len = 0, sent = 0, start = 0;
	bool has_rc = false, follow;
	int fd;

	if (size > MAX_INPUT)
		return 0;
	if (!d.sim)
		init();
	if (!reply)
		CHECK((reply = malloc(MAX_REPLY)) != NULL);
	if (++inputs % REBUILD_EVERY == 0) {
		server_stop();
		server_start();
	}
	fd = connect_server();
	/* an events --follow request only ends when the client goes away: the reply is what the
	 * daemon had sent by then */
	follow = memmem(data, size, "follow", 6) != NULL || memmem(data, size, "\"-f\"", 4) != NULL;
	while (sent < size || !follow || len == 0) {
		struct pollfd p = {.fd = fd, .events = POLLIN | (sent < size ? POLLOUT : 0)};

		if (poll(&p, 1, follow && sent == size ? 20 : 5000) <= 0)
			break;
		if ((p.revents & POLLOUT) && sent < size) {
			ssize_t n = send(fd, data + sent, size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);

			if (n < 0 && errno != EAGAIN && errno != EINTR)
				sent = size; /* the daemon closed: read what it said */
			else if (n > 0)
				sent += (size_t) n;
			if (sent == size)
				shutdown(fd, SHUT_WR);
		}
		if (p.revents & (POLLIN | POLLHUP)) {
			ssize_t n = recv(fd, reply + len, MAX_REPLY - len, MSG_DONTWAIT);

			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
				break;
			if (n > 0)
				len += (size_t) n;
			CHECK(len < MAX_REPLY);
		}
	}
	close(fd);

	/* whole lines only; a follower's stream may stop mid-line when the client leaves */
	for (size_t i = 0; i < len; i++) {
		if (reply[i] != '\n')
			continue;
		check_line(reply + start, i - start, &has_rc);
		start = i + 1;
	}
	if (!follow) {
		CHECK(start == len);
		CHECK(has_rc);
	}
	/* the daemon goes on serving */
	CHECK(d.sim != NULL);
	return 0;
}
