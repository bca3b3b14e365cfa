/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/socket.h>

#include "base/fs-util-internal.h"

/* write(2), or send(2) without SIGPIPE, until all of buf is out */
static int out_all(int fd, const void *buf, size_t len, bool sock)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = sock ? send(fd, p, len, MSG_NOSIGNAL) : write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t) n;
	}
	return 0;
}

int apsim__write_all(int fd, const void *buf, size_t len)
{
	return out_all(fd, buf, len, false);
}

int apsim__send_all(int fd, const void *buf, size_t len)
{
	return out_all(fd, buf, len, true);
}

int apsim__mkdir_p(const char *path, mode_t mode, bool parents_only)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (!parents_only && mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}
