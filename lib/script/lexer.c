/* SPDX-License-Identifier: MIT */
/*
 * lexer.c - the command line's words (apsim__command_split), C escapes both ways, errno names.
 * Knows nothing of the commands.
 */
#define _POSIX_C_SOURCE 200809L
#include "script/command-internal.h"
#include "base/kstrto-internal.h"

/* --- escapes, errno names --- */

int apsim__unescape(const char *s, char **ret, size_t *ret_len)
{
	size_t n = strlen(s), o = 0;
	char *buf = malloc(n + 1);

	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\') {
			buf[o++] = s[i];
			continue;
		}
		i++;
		switch (s[i]) {
		case 'n':
			buf[o++] = '\n';
			break;
		case 't':
			buf[o++] = '\t';
			break;
		case 'r':
			buf[o++] = '\r';
			break;
		case '0':
			buf[o++] = '\0';
			break;
		case '\\':
		case '"':
		case '\'':
			buf[o++] = s[i];
			break;
		case 'x': {
			int hi = i + 1 < n ? apsim__hex_to_bin((unsigned char) s[i + 1]) : -1;
			int lo = i + 2 < n ? apsim__hex_to_bin((unsigned char) s[i + 2]) : -1;

			if (hi < 0 || lo < 0)
				goto out_free_buf;
			buf[o++] = (char) (hi * 16 + lo);
			i += 2;
			break;
		}
		default:
			goto out_free_buf;
		}
	}
	buf[o] = '\0';
	*ret = buf;
	if (ret_len)
		*ret_len = o;
	return 0;

out_free_buf:
	free(buf);
	return -EINVAL;
}

void apsim__print_escaped(FILE *f, const char *buf, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char) buf[i];

		switch (ch) {
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '"':
			fputs("\\\"", f);
			break;
		default:
			if (ch < 0x20 || ch >= 0x7f)
				fprintf(f, "\\x%02x", ch);
			else
				fputc(ch, f);
		}
	}
	fputc('"', f);
}

/* clang-format off */
#define ERRNO_ENTRY(e) { #e, e }
static const struct {
	const char *name;
	int num;
} errno_names[] = {
	ERRNO_ENTRY(EPERM), ERRNO_ENTRY(ENOENT), ERRNO_ENTRY(ESRCH), ERRNO_ENTRY(EINTR),
	ERRNO_ENTRY(EIO), ERRNO_ENTRY(ENXIO), ERRNO_ENTRY(E2BIG), ERRNO_ENTRY(ENOEXEC),
	ERRNO_ENTRY(EBADF), ERRNO_ENTRY(ECHILD), ERRNO_ENTRY(EAGAIN), ERRNO_ENTRY(ENOMEM),
	ERRNO_ENTRY(EACCES), ERRNO_ENTRY(EFAULT), ERRNO_ENTRY(EBUSY), ERRNO_ENTRY(EEXIST),
	ERRNO_ENTRY(EXDEV), ERRNO_ENTRY(ENODEV), ERRNO_ENTRY(ENOTDIR), ERRNO_ENTRY(EISDIR),
	ERRNO_ENTRY(EINVAL), ERRNO_ENTRY(ENFILE), ERRNO_ENTRY(EMFILE), ERRNO_ENTRY(ENOTTY),
	ERRNO_ENTRY(ETXTBSY), ERRNO_ENTRY(EFBIG), ERRNO_ENTRY(ENOSPC), ERRNO_ENTRY(ESPIPE),
	ERRNO_ENTRY(EROFS), ERRNO_ENTRY(EMLINK), ERRNO_ENTRY(EPIPE), ERRNO_ENTRY(EDOM),
	ERRNO_ENTRY(ERANGE), ERRNO_ENTRY(EDEADLK), ERRNO_ENTRY(ENAMETOOLONG), ERRNO_ENTRY(ENOLCK),
	ERRNO_ENTRY(ENOSYS), ERRNO_ENTRY(ENOTEMPTY), ERRNO_ENTRY(ELOOP), ERRNO_ENTRY(ENOMSG),
	ERRNO_ENTRY(EIDRM), ERRNO_ENTRY(ENODATA), ERRNO_ENTRY(ETIME), ERRNO_ENTRY(ENOLINK),
	ERRNO_ENTRY(EPROTO), ERRNO_ENTRY(EBADMSG), ERRNO_ENTRY(EOVERFLOW), ERRNO_ENTRY(EILSEQ),
	ERRNO_ENTRY(ENOTSOCK), ERRNO_ENTRY(EDESTADDRREQ), ERRNO_ENTRY(EMSGSIZE),
	ERRNO_ENTRY(EPROTOTYPE), ERRNO_ENTRY(ENOPROTOOPT), ERRNO_ENTRY(EPROTONOSUPPORT),
	ERRNO_ENTRY(EOPNOTSUPP), ERRNO_ENTRY(EAFNOSUPPORT), ERRNO_ENTRY(EADDRINUSE),
	ERRNO_ENTRY(EADDRNOTAVAIL), ERRNO_ENTRY(ENETDOWN), ERRNO_ENTRY(ENETUNREACH),
	ERRNO_ENTRY(ENETRESET), ERRNO_ENTRY(ECONNABORTED), ERRNO_ENTRY(ECONNRESET),
	ERRNO_ENTRY(ENOBUFS), ERRNO_ENTRY(EISCONN), ERRNO_ENTRY(ENOTCONN), ERRNO_ENTRY(ETIMEDOUT),
	ERRNO_ENTRY(ECONNREFUSED), ERRNO_ENTRY(EHOSTUNREACH), ERRNO_ENTRY(EALREADY),
	ERRNO_ENTRY(EINPROGRESS), ERRNO_ENTRY(ESTALE), ERRNO_ENTRY(EDQUOT), ERRNO_ENTRY(ECANCELED),
	ERRNO_ENTRY(EOWNERDEAD), ERRNO_ENTRY(ENOTRECOVERABLE),
	/* aliases: accepted as names, never printed */
	ERRNO_ENTRY(EWOULDBLOCK), ERRNO_ENTRY(ENOTSUP), ERRNO_ENTRY(EDEADLOCK),
};
/* clang-format on */

const char *apsim__errno_name(int errnum)
{
	for (size_t i = 0; i < ARRAY_SIZE(errno_names); i++)
		if (errno_names[i].num == errnum)
			return errno_names[i].name;
	return NULL;
}

int apsim__errno_from_name(const char *name, int *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(errno_names); i++) {
		if (strcmp(errno_names[i].name, name) == 0) {
			*ret = errno_names[i].num;
			return 0;
		}
	}
	return -EINVAL;
}

/* "EINVAL (Invalid argument)" */
const char *apsim__cmd_errno_desc(int errnum, char *buf, size_t len)
{
	const char *n = apsim__errno_name(errnum);

	snprintf(buf, len, "%s (%s)", n ? n : "?", strerror(errnum));
	return buf;
}

/* --- line splitting --- */

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f';
}

int apsim__command_split(const char *line, int *ret_argc, char ***ret_argv)
{
	size_t len = strlen(line), max_words = len / 2 + 2;
	char **argv;
	char *s;
	int argc = 0, start = 0;
	const char *p = line;

	argv = malloc((max_words + 1) * sizeof(char *) + len + max_words + 1);
	if (!argv)
		return -ENOMEM;
	s = (char *) (argv + max_words + 1);

	for (;;) {
		bool rest = false;
		int n = argc - start;

		while (*p && is_space(*p))
			p++;
		if (!*p)
			break;
		/* rest-of-line values ('#' included) */
		if (n == 2 && strcmp(argv[start], "write") == 0)
			rest = true;
		else if (n == 3 && strcmp(argv[start], "expect") == 0 &&
			 strcmp(argv[start + 1], "read") == 0)
			rest = true;
		else if (n == 3 && strcmp(argv[start], "expect") == 0 &&
			 strcmp(argv[start + 1], "fail") == 0)
			start = argc; /* the rest is a command line of its own */
		if (!rest && *p == '#')
			break;
		if (rest) {
			const char *e = p + strlen(p);

			while (e > p && is_space(e[-1]))
				e--;
			argv[argc++] = s;
			memcpy(s, p, (size_t) (e - p));
			s += e - p;
			*s++ = '\0';
			break;
		}
		argv[argc++] = s;
		while (*p && !is_space(*p))
			*s++ = *p++;
		*s++ = '\0';
	}
	argv[argc] = NULL;
	*ret_argc = argc;
	*ret_argv = argv;
	return 0;
}
