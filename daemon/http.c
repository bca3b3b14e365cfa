/* SPDX-License-Identifier: MIT */
/*
 * http.c - `apsimd --http [ADDR:]PORT`: the AP matrix as a live web page (docs/daemon.md).
 *
 *   GET /             the page: the matrix picture (lib/script/matrix-svg.c) and a small
 *                     inline script that polls /matrix.svg twice a second and swaps it in,
 *                     so a scan, an assign or a guest start shows up without a reload
 *   GET /matrix.svg   the picture alone          GET /matrix.json   `apsim matrix --json`
 *   ?guest=NAME       on each of them: one running guest's mdev only
 *
 * Off by default, on loopback unless a non-loopback address is asked for together with
 * --http-remote: the page has no access control. One thread, one request per connection
 * (Connection: close), a request head of at most 8 KiB read within 5 s. A malformed request
 * gets 400, an unknown path or guest 404, another method than GET 405, a longer head 431;
 * the daemon goes on. Each body is built under the simulator lock and sent without it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "apsim/apsim.h"
#include "base/kstrto-internal.h"
#include "script/matrix-internal.h"
#include "script/script-internal.h"

#include "apsimd.h"

#define REQUEST_MAX	 8192
#define REQUEST_TIMEOUT_MS 5000

struct apsimd_http {
	struct apsimd *d;
	int fd;
	int stop_pipe[2];
	pthread_t thread;
};

static const char page_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<title>apsim: AP matrix</title>\n<style>\n"
	"body { font-family: sans-serif; margin: 1em; }\n"
	"svg.ap-matrix rect.apqn:hover { stroke: #000; stroke-width: 2; }\n"
	"#status { color: #555; font-size: 90%; }\n"
	"</style>\n</head>\n<body>\n<h1>AP matrix</h1>\n"
	"<p id=\"status\">live: updated twice a second</p>\n<div id=\"matrix\">\n";
/* the picture's own URL keeps the page's query (?guest=NAME) */
static const char page_tail[] =
	"</div>\n<script>\n"
	"(function () {\n"
	"  var box = document.getElementById('matrix'), last = box.innerHTML;\n"
	"  function poll() {\n"
	"    fetch('/matrix.svg' + location.search, { cache: 'no-store' })\n"
	"      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })\n"
	"      .then(function (t) { if (t !== last) { box.innerHTML = t; last = t; }\n"
	"                           document.getElementById('status').textContent = 'live'; })\n"
	"      .catch(function () { document.getElementById('status').textContent = 'offline'; })\n"
	"      .then(function () { setTimeout(poll, 500); });\n"
	"  }\n"
	"  setTimeout(poll, 500);\n"
	"})();\n</script>\n</body>\n</html>\n";

static void respond(int fd, int status, const char *reason, const char *type, const char *body,
		    size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
			 status, reason, type, len);

	(void) apsimd_send_all(fd, head, (size_t) n);
	(void) apsimd_send_all(fd, body, len);
}

static void respond_error(int fd, int status, const char *reason, const char *why)
{
	char body[256];
	int n = snprintf(body, sizeof(body), "%d %s: %s\n", status, reason, why);

	respond(fd, status, reason, "text/plain; charset=utf-8", body, (size_t) n);
}

/* "%XX" and '+' undone; false on a bad escape or a NUL */
static bool url_decode(const char *s, size_t len, char *out, size_t out_len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		int c = s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return false;
			hi = apsim__hex_to_bin(s[i + 1]);
			lo = apsim__hex_to_bin(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return false;
			c = hi * 16 + lo;
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (o + 1 >= out_len)
			return false;
		out[o++] = (char) c;
	}
	out[o] = '\0';
	return true;
}

/* The body of a page for the target, in *ret (malloc'ed): 0, or the HTTP status. */
static int build(struct apsimd *d, const char *what, const char *guest, char **ret, size_t *len)
{
	FILE *f = open_memstream(ret, len);
	struct matrix_view v;
	int r, status = 0;

	if (!f)
		return 500;
	apsim_sim_lock(d->sim);
	if (strcmp(what, "json") == 0) {
		char line[300];
		FILE *err = fopen("/dev/null", "w");

		snprintf(line, sizeof(line), "matrix%s%s --json", guest ? " --guest " : "",
			 guest ? guest : "");
		r = apsim__command_run_line(d->sim, line, false, f, err ? err : stderr, NULL);
		if (err)
			fclose(err);
		status = r == -ENOENT ? 404 : r == -APSIM_EUSAGE ? 400 : r < 0 ? 500 : 0;
	} else {
		r = apsim__matrix_view_build(d->sim, guest, &v);
		if (r == 0) {
			if (strcmp(what, "page") == 0)
				fputs(page_head, f);
			r = apsim__matrix_write_svg(&v, f);
			if (strcmp(what, "page") == 0)
				fputs(page_tail, f);
			apsim__matrix_view_free(&v);
		}
		status = r == -ENOENT ? 404 : r < 0 ? 500 : 0;
	}
	apsim_sim_unlock(d->sim);
	if (fclose(f) != 0 && !status)
		status = 500;
	if (status) {
		free(*ret);
		*ret = NULL;
	}
	return status;
}

/* The request line "GET TARGET HTTP/1.x": 0 with the path and the guest of its query, else
 * the answer has been sent. */
static int parse_request(int fd, char *req, const char **path, size_t *path_len, char *guest,
			 size_t guest_len)
{
	char *sp1 = strchr(req, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL, *query;

	if (!sp2 || sp1[1] != '/' || strncmp(sp2 + 1, "HTTP/1.", 7) != 0) {
		respond_error(fd, 400, "Bad Request", "expected 'GET /PATH HTTP/1.1'");
		return -1;
	}
	if ((size_t) (sp1 - req) != 3 || strncmp(req, "GET", 3) != 0) {
		respond_error(fd, 405, "Method Not Allowed", "only GET is served");
		return -1;
	}
	*sp2 = '\0';
	*path = sp1 + 1;
	query = strchr(sp1 + 1, '?');
	*path_len = query ? (size_t) (query - sp1 - 1) : strlen(sp1 + 1);
	guest[0] = '\0';
	if (query && (strncmp(query, "?guest=", 7) != 0 ||
		      !url_decode(query + 7, strlen(query + 7), guest, guest_len) || !guest[0] ||
		      strchr(guest, ' '))) {
		respond_error(fd, 400, "Bad Request", "the only query is ?guest=NAME (a guest's name)");
		return -1;
	}
	return 0;
}

static void serve(struct apsimd_http *h, int fd, char *req)
{
	static const struct {
		const char *path, *what, *type;
	} routes[] = {
		{ "/", "page", "text/html; charset=utf-8" },
		{ "/matrix.svg", "svg", "image/svg+xml" },
		{ "/matrix.json", "json", "application/json" },
	};
	const char *path;
	char guest[128], *body = NULL;
	size_t path_len, len = 0;
	int status;

	if (parse_request(fd, req, &path, &path_len, guest, sizeof(guest)) < 0)
		return;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strlen(routes[i].path) != path_len || strncmp(routes[i].path, path, path_len))
			continue;
		status = build(h->d, routes[i].what, guest[0] ? guest : NULL, &body, &len);
		if (status == 404)
			respond_error(fd, 404, "Not Found", "no running guest with that name and an mdev");
		else if (status)
			respond_error(fd, 500, "Internal Server Error", "the matrix could not be built");
		else
			respond(fd, 200, "OK", routes[i].type, body, len);
		free(body);
		return;
	}
	respond_error(fd, 404, "Not Found", "expected /, /matrix.svg or /matrix.json");
}

/* Reads up to the end of the request head, within the limits. */
static void handle(struct apsimd_http *h, int fd)
{
	char *req = malloc(REQUEST_MAX + 1);
	size_t got = 0;

	if (!req)
		return;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, REQUEST_TIMEOUT_MS) <= 0)
			break; /* too slow: closed without an answer */
		n = recv(fd, req + got, REQUEST_MAX - got, 0);
		if (n <= 0)
			break;
		got += (size_t) n;
		req[got] = '\0';
		if (memchr(req, '\0', got)) {
			respond_error(fd, 400, "Bad Request", "NUL byte in the request");
			break;
		}
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n")) {
			req[strcspn(req, "\r\n")] = '\0';
			serve(h, fd, req);
			break;
		}
		if (got == REQUEST_MAX) {
			respond_error(fd, 431, "Request Header Fields Too Large",
				      "the request head is limited to 8192 bytes");
			break;
		}
	}
	free(req);
}

static void *http_thread(void *arg)
{
	struct apsimd_http *h = arg;

	for (;;) {
		struct pollfd p[2] = { { .fd = h->fd, .events = POLLIN },
				       { .fd = h->stop_pipe[0], .events = POLLIN } };
		int fd;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		fd = accept4(h->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		handle(h, fd);
		close(fd);
	}
	return NULL;
}

/* "PORT" or "ADDR:PORT" (IPv4) */
static int parse_listen(const char *spec, struct sockaddr_in *sa)
{
	const char *colon = strrchr(spec, ':'), *port = colon ? colon + 1 : spec;
	char addr[64];
	char *end;
	unsigned long p;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	errno = 0;
	p = strtoul(port, &end, 10);
	if (!*port || *end || errno || p == 0 || p > 65535)
		return -EINVAL;
	sa->sin_port = htons((uint16_t) p);
	if (colon) {
		if ((size_t) (colon - spec) >= sizeof(addr))
			return -EINVAL;
		memcpy(addr, spec, (size_t) (colon - spec));
		addr[colon - spec] = '\0';
		if (inet_pton(AF_INET, addr, &sa->sin_addr) != 1)
			return -EINVAL;
	}
	return 0;
}

int apsimd_http_start(struct apsimd *d, const char *spec, bool remote, struct apsimd_http **ret)
{
	struct apsimd_http *h;
	struct sockaddr_in sa;
	int one = 1, r;

	if (parse_listen(spec, &sa) < 0) {
		fprintf(stderr, "apsimd: --http %s: expected PORT or ADDR:PORT (IPv4, port 1-65535)\n",
			spec);
		return -EINVAL;
	}
	if ((ntohl(sa.sin_addr.s_addr) >> 24) != 127 && !remote) {
		fprintf(stderr,
			"apsimd: --http %s: not a loopback address; the page has no access control, "
			"add --http-remote to serve it beyond this machine anyway\n",
			spec);
		return -EPERM;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->d = d;
	h->stop_pipe[0] = h->stop_pipe[1] = -1;
	h->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (h->fd < 0 || setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(h->fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(h->fd, 16) < 0 ||
	    pipe2(h->stop_pipe, O_CLOEXEC) < 0) {
		r = -errno;
		fprintf(stderr, "apsimd: --http %s: %s\n", spec, strerror(-r));
		goto out_free;
	}
	r = -pthread_create(&h->thread, NULL, http_thread, h);
	if (r < 0) {
		fprintf(stderr, "apsimd: --http: cannot start its thread: %s\n", strerror(-r));
		goto out_free;
	}
	*ret = h;
	return 0;
out_free:
	if (h->fd >= 0)
		close(h->fd);
	if (h->stop_pipe[0] >= 0) {
		close(h->stop_pipe[0]);
		close(h->stop_pipe[1]);
	}
	free(h);
	return r;
}

void apsimd_http_stop(struct apsimd_http *h)
{
	if (!h)
		return;
	(void) !write(h->stop_pipe[1], "x", 1);
	pthread_join(h->thread, NULL);
	close(h->fd);
	close(h->stop_pipe[0]);
	close(h->stop_pipe[1]);
	free(h);
}
