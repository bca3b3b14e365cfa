/* SPDX-License-Identifier: MIT */
/*
 * wire.c - the control socket's wire format (control.c, docs/daemon.md "Control socket"):
 * reply lines ({"out"}, {"err"}, {"rc"}, any JSON object, one per line, text in bounded
 * chunks) and the check of a request line's bytes before the JSON parser sees them. Knows
 * nothing of connections; http.c sends through it too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/fs-util-internal.h"
#include "apsimd.h"

#define CHUNK (32u * 1024) /* bytes of text in one reply line */

/* --- replies ---------------------------------------------------------------------------- */

int apsimd_send_all(int fd, const char *buf, size_t len)
{
	return apsim__send_all(fd, buf, len);
}

int apsimd_send_json(int fd, json_t *o)
{
	char *s;
	int r;

	if (!o)
		return -ENOMEM;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		return -ENOMEM;
	{
		size_t len = strlen(s);
		char *t = realloc(s, len + 2);

		if (!t) {
			/* out of memory for the newline: the line goes out in two sends, so that
			 * the client still gets its answer */
			r = apsimd_send_all(fd, s, len);
			if (r >= 0)
				r = apsimd_send_all(fd, "\n", 1);
			free(s);
			return r;
		}
		s = t;
		s[len] = '\n';
		s[len + 1] = '\0';
		r = apsimd_send_all(fd, s, len + 1);
	}
	free(s);
	return r;
}

/* A JSON string of arbitrary bytes: invalid UTF-8 becomes '?'. */
static json_t *text_json(const char *buf, size_t len)
{
	json_t *s = json_stringn(buf, len);
	char *copy;

	if (s)
		return s;
	copy = malloc(len ? len : 1);
	if (!copy)
		return NULL;
	for (size_t i = 0; i < len; i++)
		copy[i] = (buf[i] & 0x80) || buf[i] == '\0' ? '?' : buf[i];
	s = json_stringn(copy, len);
	free(copy);
	return s;
}

/* key: "out" or "err"; text in chunks so that no reply line grows without bound */
int apsimd_send_text(int fd, const char *key, const char *buf, size_t len)
{
	while (len > 0) {
		size_t n = len > CHUNK ? CHUNK : len;
		int r;

		/* do not split a UTF-8 sequence */
		while (n < len && n > 1 && ((unsigned char) buf[n] & 0xc0) == 0x80)
			n--;
		r = apsimd_send_json(fd, json_pack("{s:o}", key, text_json(buf, n)));
		if (r < 0)
			return r;
		buf += n;
		len -= n;
	}
	return 0;
}

int apsimd_send_rc(int fd, int rc)
{
	return apsimd_send_json(fd, json_pack("{s:i}", "rc", rc));
}

int apsimd_send_error(int fd, int rc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t) n > sizeof(msg) - 2)
		n = (int) sizeof(msg) - 2;
	msg[n++] = '\n';
	(void) apsimd_send_text(fd, "err", msg, (size_t) n);
	return apsimd_send_rc(fd, rc);
}

/* Length of the UTF-8 sequence at s (RFC 3629: no overlong forms, no surrogates, at most
 * U+10FFFF), 0 if there is none. */
static size_t utf8_len(const unsigned char *s, size_t len)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/*
 * The bytes of a request line before the JSON parser sees them: no NUL, no control character
 * but tab and carriage return, valid UTF-8 (RFC 8259 sections 7 and 8.1), not blank. 0, or
 * -EINVAL with the reason sent to the client.
 */
int apsimd_check_bytes(int fd, const char *line, size_t len)
{
	const unsigned char *s = (const unsigned char *) line;
	bool blank = true;

	for (size_t i = 0, n; i < len; i += n) {
		n = utf8_len(s + i, len - i);
		if (s[i] == '\0') {
			(void) apsimd_send_error(fd, -EINVAL,
					  "apsimd: malformed request: NUL byte at offset %zu", i);
			return -EINVAL;
		}
		if (s[i] < 0x20 && s[i] != '\t' && s[i] != '\r') {
			(void) apsimd_send_error(
			    fd, -EINVAL,
			    "apsimd: malformed request: control character 0x%02x at offset %zu",
			    s[i], i);
			return -EINVAL;
		}
		if (n == 0) {
			(void) apsimd_send_error(fd, -EINVAL,
					  "apsimd: malformed request: invalid UTF-8 at offset %zu",
					  i);
			return -EINVAL;
		}
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			blank = false;
	}
	if (blank) {
		(void) apsimd_send_error(fd, -EINVAL, "apsimd: malformed request: empty line");
		return -EINVAL;
	}
	return 0;
}

