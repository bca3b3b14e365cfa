/* SPDX-License-Identifier: MIT */
/*
 * fault-io.c - an LD_PRELOAD shim for the tests (t0320-persist-faults.sh): write() and fsync()
 * on files whose path matches a pattern fail with a chosen errno, after N calls that succeed.
 * Built by tests/meson.build only, never installed.
 *
 *   APSIM_FAULT_PATH   fnmatch(3) pattern, no flags ('*' matches '/' too), for the path of the
 *                      call's file descriptor as /proc/self/fd/FD names it; unset: no faults
 *   APSIM_FAULT_CALLS  which calls may fail: "write", "fsync" or "write,fsync" (the default)
 *   APSIM_FAULT_ERRNO  ENOSPC, EIO, EDQUOT, EROFS, EFBIG or a number (default EIO)
 *   APSIM_FAULT_AFTER  N: the first N matching calls go through (default 0)
 *   APSIM_FAULT_COUNT  M: then M calls fail, and the following go through again (default:
 *                      every one fails)
 *   APSIM_FAULT_LOG    a file: a line "CALL PATH ERRNONAME" for every failure made
 *
 * The calls are counted together, over every kind listed, in the order the process makes
 * them. A program under AddressSanitizer needs its runtime first: LD_PRELOAD="libasan.so.N
 * fault-io.so".
 */
#define _GNU_SOURCE

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CALL_WRITE 0x1u
#define CALL_FSYNC 0x2u

static const struct {
	const char *name;
	int value;
} errnos[] = {
    {"ENOSPC", ENOSPC}, {"EIO", EIO}, {"EDQUOT", EDQUOT}, {"EROFS", EROFS}, {"EFBIG", EFBIG},
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_fsync)(int);
static const char *pattern;    /* NULL: no faults */
static unsigned calls;	       /* CALL_* that may fail */
static int fault_errno;	       /* positive */
static const char *errno_name; /* for the log */
static unsigned long after, count;
static bool count_set;
static const char *log_path;
static atomic_ulong seen; /* matching calls so far */

static unsigned long env_ulong(const char *name, unsigned long def, bool *ret_set)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (!s || !*s)
		return def;
	v = strtoul(s, &end, 10);
	if (*end)
		return def;
	if (ret_set)
		*ret_set = true;
	return v;
}

static void init(void)
{
	const char *s;

	/* POSIX's way to store dlsym()'s object pointer in a function pointer */
	*(void **) &real_write = dlsym(RTLD_NEXT, "write");
	*(void **) &real_fsync = dlsym(RTLD_NEXT, "fsync");
	pattern = getenv("APSIM_FAULT_PATH");
	if (pattern && !*pattern)
		pattern = NULL;
	s = getenv("APSIM_FAULT_CALLS");
	if (!s || !*s)
		s = "write,fsync";
	calls = (strstr(s, "write") ? CALL_WRITE : 0) | (strstr(s, "fsync") ? CALL_FSYNC : 0);
	fault_errno = EIO;
	errno_name = "EIO";
	s = getenv("APSIM_FAULT_ERRNO");
	if (s && *s) {
		char *end;
		long v = strtol(s, &end, 10);

		if (!*end && v > 0) {
			fault_errno = (int) v;
			errno_name = s;
		}
		for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++) {
			if (strcmp(s, errnos[i].name) == 0) {
				fault_errno = errnos[i].value;
				errno_name = errnos[i].name;
			}
		}
	}
	after = env_ulong("APSIM_FAULT_AFTER", 0, NULL);
	count = env_ulong("APSIM_FAULT_COUNT", 0, &count_set);
	log_path = getenv("APSIM_FAULT_LOG");
}

/* true: this call fails (fd's path matches and the count says so) */
static bool fault(unsigned call, int fd, const char *name)
{
	char link[64], path[PATH_MAX + 1];
	unsigned long n;
	ssize_t len;

	pthread_once(&once, init);
	if (!pattern || !(calls & call))
		return false;
	(void) snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, path, sizeof(path) - 1);
	if (len < 0)
		return false;
	path[len] = '\0';
	if (fnmatch(pattern, path, 0) != 0)
		return false;
	n = atomic_fetch_add(&seen, 1);
	if (n < after || (count_set && n - after >= count))
		return false;
	if (log_path) {
		char line[PATH_MAX + 64];
		int lfd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		int l = snprintf(line, sizeof(line), "%s %s %s\n", name, path, errno_name);

		if (lfd >= 0) {
			if (l > 0)
				(void) !real_write(lfd, line, (size_t) l);
			close(lfd);
		}
	}
	return true;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	if (fault(CALL_WRITE, fd, "write")) {
		errno = fault_errno;
		return -1;
	}
	return real_write(fd, buf, len);
}

int fsync(int fd)
{
	if (fault(CALL_FSYNC, fd, "fsync")) {
		errno = fault_errno;
		return -1;
	}
	return real_fsync(fd);
}
