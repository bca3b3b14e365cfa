/* SPDX-License-Identifier: MIT */
/* Small file-system helpers shared by the library, the CLI and the daemon. */
#ifndef APSIM_FS_UTIL_INTERNAL_H
#define APSIM_FS_UTIL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* write(2) all of buf, retrying on EINTR and short writes. 0 or -errno. */
int apsim__write_all(int fd, const void *buf, size_t len);
/* The same with send(2) and MSG_NOSIGNAL: a socket whose peer is gone gives -EPIPE, no signal. */
int apsim__send_all(int fd, const void *buf, size_t len);
/* mkdir -p: creates every missing directory of path with mode (the last one too unless
 * parents_only). 0 or -errno; an existing directory is not an error. */
int apsim__mkdir_p(const char *path, mode_t mode, bool parents_only);

#endif
