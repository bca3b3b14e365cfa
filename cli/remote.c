/* SPDX-License-Identifier: MIT */
/*
 * remote.c - `apsim --socket PATH COMMAND...`: runs a command in a running apsimd through its
 * control socket (docs/daemon.md "Control socket") and prints what it prints.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/fs-util-internal.h"
#include "apsim/apsim.h"
#include "client.h"
#include "remote.h"

#define MAX_REPLY_LINE (4u << 20)

char *apsim_cli_default_socket(void)
{
	const char *env = getenv("APSIM_SOCKET");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char *p = NULL;

	if (env && env[0])
		return strdup(env);
	if (getuid() == 0)
		return strdup("/run/apsim/control.sock");
	if (xdg && xdg[0] == '/') {
		if (asprintf(&p, "%s/apsim/control.sock", xdg) < 0)
			return NULL;
		return p;
	}
	if (asprintf(&p, "/tmp/apsim-%u/control.sock", (unsigned) getuid()) < 0)
		return NULL;
	return p;
}

int apsim_cli_connect(const char *path, const char *who)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "%s: socket path '%s' is too long\n", who, path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
		int r = -errno;

		fprintf(stderr, "%s: cannot connect to apsimd at '%s': %s\n", who, path,
			strerror(errno));
		close(fd);
		return r;
	}
	return fd;
}

int apsim_cli_send_all(int fd, const char *buf, size_t len)
{
	return apsim__send_all(fd, buf, len);
}

int apsim_cli_request(const char *socket_path, json_t *req, const char *who, int *ret_rc,
		      json_t **ret_extra)
{
	json_t *extra = NULL;
	char *text, *line = NULL;
	size_t cap = 0;
	bool have_rc = false;
	int fd, rc = 0, r;
	FILE *in;

	fd = apsim_cli_connect(socket_path, who);
	if (fd < 0)
		return fd;
	text = json_dumps(req, JSON_COMPACT);
	if (!text) {
		close(fd);
		return -ENOMEM;
	}
	r = apsim_cli_send_all(fd, text, strlen(text));
	if (r == 0)
		r = apsim_cli_send_all(fd, "\n", 1);
	free(text);
	if (r < 0) {
		fprintf(stderr, "%s: cannot send the request: %s\n", who, strerror(-r));
		close(fd);
		return r;
	}
	in = fdopen(fd, "r");
	if (!in) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		json_error_t jerr;
		ssize_t n = getline(&line, &cap, in);
		json_t *o, *v;
		const char *key;

		if (n < 0)
			break;
		if ((size_t) n > MAX_REPLY_LINE) {
			fprintf(stderr, "%s: reply line too long\n", who);
			r = -EPROTO;
			break;
		}
		o = json_loadb(line, (size_t) n, 0, &jerr);
		if (!json_is_object(o)) {
			fprintf(stderr, "%s: malformed reply from apsimd: %s\n", who, jerr.text);
			json_decref(o);
			r = -EPROTO;
			break;
		}
		json_object_foreach(o, key, v)
		{
			if (strcmp(key, "out") == 0 && json_is_string(v)) {
				fwrite(json_string_value(v), 1, json_string_length(v), stdout);
				fflush(stdout);
			} else if (strcmp(key, "err") == 0 && json_is_string(v)) {
				fwrite(json_string_value(v), 1, json_string_length(v), stderr);
			} else if (strcmp(key, "rc") == 0 && json_is_integer(v)) {
				rc = (int) json_integer_value(v);
				have_rc = true;
			} else {
				if (!extra)
					extra = json_object();
				if (extra)
					json_object_set(extra, key, v);
			}
		}
		json_decref(o);
		if (have_rc)
			break;
	}
	free(line);
	fclose(in);
	if (r == 0 && !have_rc) {
		fprintf(stderr, "%s: apsimd closed the connection without an answer\n", who);
		r = -ECONNRESET;
	}
	if (r < 0) {
		json_decref(extra);
		return r;
	}
	*ret_rc = rc;
	if (ret_extra)
		*ret_extra = extra;
	else
		json_decref(extra);
	return 0;
}

int apsim_cli_remote(const char *socket_path, int argc, char **argv, bool json)
{
	char *def = NULL;
	json_t *req, *args;
	int rc = 0, r;

	if (!socket_path) {
		def = apsim_cli_default_socket();
		if (!def)
			return 1;
		socket_path = def;
	}
	args = json_array();
	for (int i = 0; args && i < argc; i++)
		if (json_array_append_new(args, json_string(argv[i])) < 0) {
			fprintf(stderr, "apsim: argument %d is not valid UTF-8\n", i + 1);
			json_decref(args);
			free(def);
			return 2;
		}
	req = json_pack("{s:o, s:b}", "argv", args, "json", json);
	if (!req) {
		free(def);
		return 1;
	}
	fflush(stdout);
	r = apsim_cli_request(socket_path, req, "apsim", &rc, NULL);
	json_decref(req);
	free(def);
	if (r < 0)
		return 1;
	return apsim_sim_exit_code(rc);
}
