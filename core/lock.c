/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Metadata directory creation and the kernel-held instance lock. */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include "lock.h"
#include "util.h"

int metadata_dir_ensure(const char *dir, char **err_r)
{
	struct stat st;
	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	if (errno == EEXIST)
		errno = ENOTDIR;
	*err_r = sys_errmsg("cannot create metadata directory %s", dir);
	return -1;
}

int instance_lock(const char *dir, char **err_r)
{
	char *path = xasprintf("%s/lock", dir);
	/* The descriptor is deliberately never closed: the lock lives as long
	 * as the process.  O_CLOEXEC keeps it out of tunnel children, which
	 * would otherwise hold the lock after we die. */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		*err_r = sys_errmsg("cannot open lock file %s", path);
		free(path);
		return -1;
	}
	free(path);
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	int saved = errno;
	close(fd);
	if (saved == EWOULDBLOCK)
		return 1;
	errno = saved;
	*err_r = sys_errmsg("cannot lock %s/lock", dir);
	return -1;
}
