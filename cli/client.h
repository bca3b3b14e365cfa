/* SPDX-License-Identifier: MIT */
/*
 * client.h - the client side of apsimd's control socket protocol (daemon/control.c), shared
 * by cli/remote.c (commands), cli/exec.c (info, guest-mount) and cli/exec-dev.c (events).
 */
#ifndef APSIM_CLI_CLIENT_H
#define APSIM_CLI_CLIENT_H

#include <jansson.h>
#include <stdbool.h>

/* The socket when none is given: $APSIM_SOCKET, else /run/apsim/control.sock for root, else
 * $XDG_RUNTIME_DIR/apsim/control.sock, else /tmp/apsim-UID/control.sock (as apsimd). The
 * result is malloc'ed. */
char *apsim_cli_default_socket(void);

/* Connects to the socket (SOCK_CLOEXEC): the fd, or -errno with a message prefixed who. */
int apsim_cli_connect(const char *path, const char *who);
/* send() until done, without SIGPIPE: 0 or -errno. */
int apsim_cli_send_all(int fd, const char *buf, size_t len);

/*
 * Sends req (a JSON object) to the daemon and reads the reply lines: "out" text is written
 * to stdout (flushed per line, for streams), "err" text to stderr, any other member but
 * "rc" is merged into *ret_extra (a new object, may be NULL). Returns 0 and the daemon's rc
 * in *ret_rc, or -errno if the daemon cannot be reached or broke the protocol (a message is
 * printed on stderr, prefixed with who).
 */
int apsim_cli_request(const char *socket_path, json_t *req, const char *who, int *ret_rc,
		      json_t **ret_extra);

#endif
