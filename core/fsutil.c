/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Crash-safe file helpers: atomic replacement, fsync policy, 0700
 * directories, confined opens and crash injection for tests. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fsutil.h"
#include "util.h"

static atomic_bool fsync_on = true;

void fsutil_set_fsync(bool enabled)
{
	atomic_store(&fsync_on, enabled);
}

bool fsutil_fsync_enabled(void)
{
	return atomic_load(&fsync_on);
}

int fsutil_fsync(int fd)
{
	if (!atomic_load(&fsync_on))
		return 0;
	for (;;) {
		if (fsync(fd) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		/* Special files and read-only mounts cannot be synced; there
		 * is nothing to make durable there. */
		if (errno == EINVAL || errno == EROFS)
			return 0;
		return -1;
	}
}

int fsutil_fsync_dirfd(int dirfd, const char *what, char **err_r)
{
	if (fsutil_fsync(dirfd) < 0) {
		*err_r = sys_errmsg("cannot sync directory %s", what);
		return -1;
	}
	return 0;
}

int fsutil_fsync_dir(const char *dir, char **err_r)
{
	if (!atomic_load(&fsync_on))
		return 0;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		*err_r = sys_errmsg("cannot open directory %s", dir);
		return -1;
	}
	int ret = fsutil_fsync_dirfd(fd, dir, err_r);
	close(fd);
	return ret;
}

int fsutil_mkdirat_0700(int dirfd, const char *name, const char *display,
			bool *created_r, char **err_r)
{
	struct stat st;
	if (created_r)
		*created_r = false;
	if (mkdirat(dirfd, name, 0700) == 0) {
		fsutil_checkpoint("mkdir");
		if (created_r)
			*created_r = true;
		/* The new entry lives in the parent: sync it so that files
		 * later made durable inside the new directory are reachable
		 * after a crash. */
		return fsutil_fsync_dirfd(dirfd, display, err_r);
	}
	if (errno == EEXIST) {
		if (fstatat(dirfd, name, &st, 0) == 0 && S_ISDIR(st.st_mode))
			return 0;
		errno = ENOTDIR;
	}
	*err_r = sys_errmsg("cannot create directory %s", display);
	return -1;
}

int fsutil_mkdir_0700(const char *path, bool *created_r, char **err_r)
{
	/* Split into parent and last component so the parent can be
	 * synced; trailing slashes are ignored. */
	char *copy = xstrdup(path);
	size_t n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	char *slash = strrchr(copy, '/');
	const char *parent, *last;
	if (!slash) {
		parent = ".";
		last = copy;
	} else if (slash == copy) {
		parent = "/";
		last = copy + 1;
	} else {
		*slash = '\0';
		parent = copy;
		last = slash + 1;
	}
	int ret = -1;
	int dfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		*err_r = sys_errmsg("cannot create directory %s", path);
	} else {
		ret = fsutil_mkdirat_0700(dfd, *last ? last : ".", path,
					  created_r, err_r);
		close(dfd);
	}
	free(copy);
	return ret;
}

int fsutil_write_file_atomic_at(int dirfd, const char *display,
				const char *name, const void *data,
				size_t len, char **err_r)
{
	char *tmp = xasprintf("%s.tmp", name);
	int ret = -1;
	int fd = openat(dirfd, tmp,
			O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
			0666);
	if (fd < 0) {
		*err_r = sys_errmsg("cannot create %s/%s", display, tmp);
		goto out;
	}
	if (write_full(fd, data, len) < 0) {
		*err_r = sys_errmsg("cannot write %s/%s", display, tmp);
		goto fail;
	}
	/* The data must be on disk before the rename can be: otherwise a
	 * crash could leave the new name pointing at an empty file (the
	 * classic zero-length-file-after-power-loss). */
	if (fsutil_fsync(fd) < 0) {
		*err_r = sys_errmsg("cannot sync %s/%s", display, tmp);
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		*err_r = sys_errmsg("cannot write %s/%s", display, tmp);
		goto fail;
	}
	fd = -1;
	fsutil_checkpoint("write tmp file");
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		*err_r = sys_errmsg("cannot rename %s/%s to %s", display, tmp,
				    name);
		goto fail;
	}
	fsutil_checkpoint("rename");
	ret = fsutil_fsync_dirfd(dirfd, display, err_r);
	goto out;
fail:
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp, 0);
out:
	free(tmp);
	return ret;
}

int fsutil_write_file_atomic(const char *dir, const char *name,
			     const void *data, size_t len, char **err_r)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		*err_r = sys_errmsg("cannot open directory %s", dir);
		return -1;
	}
	int ret = fsutil_write_file_atomic_at(dfd, dir, name, data, len,
					      err_r);
	close(dfd);
	return ret;
}

static int read_fd(int fd, const char *display, char **data_r, size_t *len_r,
		   char **err_r)
{
	struct strbuf sb;
	char buf[65536];
	strbuf_init(&sb);
	strbuf_add(&sb, "", 0);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			*err_r = sys_errmsg("cannot read %s", display);
			strbuf_release(&sb);
			return -1;
		}
		if (n == 0)
			break;
		strbuf_add(&sb, buf, (size_t)n);
	}
	*len_r = sb.len;
	*data_r = strbuf_detach(&sb);
	return 0;
}

int fsutil_read_file_at(int dirfd, const char *display, const char *name,
			char **data_r, size_t *len_r, char **err_r)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		*err_r = sys_errmsg("cannot open %s/%s", display, name);
		return -1;
	}
	char *what = xasprintf("%s/%s", display, name);
	int ret = read_fd(fd, what, data_r, len_r, err_r);
	free(what);
	close(fd);
	return ret;
}

int fsutil_read_file(const char *path, char **data_r, size_t *len_r,
		     char **err_r)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		*err_r = sys_errmsg("cannot open %s", path);
		return -1;
	}
	int ret = read_fd(fd, path, data_r, len_r, err_r);
	close(fd);
	return ret;
}

bool fsutil_relpath_is_safe(const char *relpath)
{
	if (!*relpath || *relpath == '/')
		return false;
	const char *p = relpath;
	for (;;) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
				return false;
		if (!p[n])
			return true;
		p += n + 1;
	}
}

/* -1: not known yet, 0: unavailable (ENOSYS), 1: works. */
static atomic_int have_openat2 = -1;

void fsutil_use_openat2(bool use)
{
	atomic_store(&have_openat2, use ? -1 : 0);
}

/* The portable walk: every intermediate component must be a real
 * directory and the last one must not be a symbolic link, so nothing can
 * lead outside the root. */
static int open_walk(int rootfd, const char *relpath, int flags, mode_t mode)
{
	int dfd = rootfd;
	const char *p = relpath;
	for (;;) {
		size_t n = strcspn(p, "/");
		char *comp = xstrndup(p, n);
		int fd;
		if (!p[n]) {
			fd = openat(dfd, comp, flags | O_NOFOLLOW | O_CLOEXEC,
				    mode);
		} else {
			fd = openat(dfd, comp,
				    O_PATH | O_DIRECTORY | O_NOFOLLOW |
				    O_CLOEXEC);
		}
		int saved = errno;
		free(comp);
		if (dfd != rootfd)
			close(dfd);
		if (fd < 0) {
			errno = saved;
			return -1;
		}
		if (!p[n])
			return fd;
		dfd = fd;
		p += n + 1;
	}
}

int fsutil_open_beneath(int rootfd, const char *relpath, int flags,
			mode_t mode, char **err_r)
{
	if (!fsutil_relpath_is_safe(relpath)) {
		*err_r = xasprintf("refusing unsafe path \"%s\": it could "
				   "lead outside its directory", relpath);
		return -1;
	}
	int fd = -1;
	if (atomic_load(&have_openat2) != 0) {
		struct open_how how;
		memset(&how, 0, sizeof(how));
		how.flags = (unsigned long long)(flags | O_CLOEXEC);
		how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
		fd = (int)syscall(SYS_openat2, rootfd, relpath, &how,
				  sizeof(how));
		if (fd >= 0) {
			atomic_store(&have_openat2, 1);
			return fd;
		}
		if (errno == ENOSYS || errno == EPERM) {
			/* Old kernel, or a seccomp filter denying it. */
			atomic_store(&have_openat2, 0);
		} else {
			goto fail;
		}
	}
	fd = open_walk(rootfd, relpath, flags, mode);
	if (fd >= 0)
		return fd;
fail:
	if (errno == EXDEV || errno == ELOOP)
		*err_r = xasprintf("refusing to open \"%s\": it leads "
				   "outside its directory through a "
				   "symbolic link", relpath);
	else
		*err_r = sys_errmsg("cannot open %s", relpath);
	return -1;
}

static atomic_ulong crash_at;
static atomic_ulong checkpoints;

void fsutil_crash_after(unsigned long n)
{
	atomic_store(&crash_at, n ? atomic_load(&checkpoints) + n : 0);
}

void fsutil_checkpoint(const char *what)
{
	unsigned long n = atomic_fetch_add(&checkpoints, 1) + 1;
	unsigned long at = atomic_load(&crash_at);
	if (at && n == at) {
		char msg[200];
		int len = snprintf(msg, sizeof(msg),
				   "offlineimap: crash injected after step "
				   "%lu (%s)\n", n, what);
		if (len > 0)
			(void)!write(2, msg, (size_t)len < sizeof(msg) ?
				     (size_t)len : sizeof(msg) - 1);
		kill(getpid(), SIGKILL);
		_exit(137);	/* not reached */
	}
}

unsigned long fsutil_checkpoints(void)
{
	return atomic_load(&checkpoints);
}
