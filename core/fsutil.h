/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Crash-safe file helpers: atomic replacement, fsync policy, 0700
 * directories, opening paths confined beneath a root, and the test-only
 * crash-injection counter. */
#ifndef OI_FSUTIL_H
#define OI_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* [general] fsync: when disabled, fsutil_fsync() and the fsyncs inside the
 * other helpers are skipped (faster, but a power loss may then lose or
 * tear recent writes).  Enabled by default.  The setting is process-wide
 * and may be changed at any time (an atomic flag). */
void fsutil_set_fsync(bool enabled);
bool fsutil_fsync_enabled(void);

/* fsync(fd) when enabled, retrying on EINTR.  File systems that cannot
 * sync (EINVAL, EROFS on a read-only tree) count as success.  Returns 0
 * or -1 with errno. */
int fsutil_fsync(int fd);

/* Make the directory entries of `dir` (a path or an open descriptor)
 * durable: needed after creating, renaming or unlinking a file in it.
 * Returns 0 or -1 with *err_r naming `dir` (or `what` for the fd form). */
int fsutil_fsync_dir(const char *dir, char **err_r);
int fsutil_fsync_dirfd(int dirfd, const char *what, char **err_r);

/* Create one directory level with mode 0700 (SPEC 5.1: the parent must
 * exist).  An existing directory is fine; an existing non-directory is an
 * error.  The new entry is made durable by fsyncing the parent.
 * *created_r (may be NULL) tells whether it was created now.  The *at form
 * creates `name` (a single component) in `dirfd`; `display` names it in
 * messages. */
int fsutil_mkdir_0700(const char *path, bool *created_r, char **err_r);
int fsutil_mkdirat_0700(int dirfd, const char *name, const char *display,
			bool *created_r, char **err_r);

/* Replace `dir`/`name` atomically with `len` bytes of `data`: write
 * `name`.tmp (created with mode 0666 & ~umask, as 4.0 did), fsync it,
 * rename it over `name`, fsync `dir`.  A crash at any point leaves either
 * the old or the new complete file (plus possibly a stale .tmp, which the
 * next write truncates).  `name` must be a single path component.  The *at
 * form works relative to an open directory; `display` names the directory
 * in messages.  Returns 0 or -1 with *err_r. */
int fsutil_write_file_atomic(const char *dir, const char *name,
			     const void *data, size_t len, char **err_r);
int fsutil_write_file_atomic_at(int dirfd, const char *display,
				const char *name, const void *data,
				size_t len, char **err_r);

/* Read the whole file `name` in `dirfd` (or the path `path`) into a
 * malloc'd NUL-terminated buffer (*data_r; its size without the NUL in
 * *len_r).  Symbolic links are not followed for the *at form.  Returns 0;
 * 1 when the file does not exist (nothing stored); -1 with *err_r. */
int fsutil_read_file(const char *path, char **data_r, size_t *len_r,
		     char **err_r);
int fsutil_read_file_at(int dirfd, const char *display, const char *name,
			char **data_r, size_t *len_r, char **err_r);

/* True when `relpath` is a relative path that cannot leave its starting
 * directory by name: non-empty, not absolute, no empty, "." or ".."
 * component, no control character. */
bool fsutil_relpath_is_safe(const char *relpath);

/* Open `relpath` beneath the directory `rootfd`, like openat(), refusing
 * anything that could resolve outside it: the path must pass
 * fsutil_relpath_is_safe(), and symbolic links are resolved only while
 * they stay beneath the root (openat2 with RESOLVE_BENEATH where the
 * kernel has it; otherwise a component-by-component walk that refuses
 * every symbolic link).  Returns the descriptor (O_CLOEXEC is added) or
 * -1 with *err_r. */
int fsutil_open_beneath(int rootfd, const char *relpath, int flags,
			mode_t mode, char **err_r);
/* For tests: false forces the portable walk even where openat2 works. */
void fsutil_use_openat2(bool use);

/* Crash injection for the interrupt-at-every-step tests.  Every durable
 * step of the modules built on these helpers (a journal line, a file
 * written, a rename, a link, an unlink, a directory created) calls
 * fsutil_checkpoint() right after performing it.  After
 * fsutil_crash_after(n) with n > 0, the n-th checkpoint from then on
 * prints one line naming the step to stderr and kills the process with
 * SIGKILL, as abruptly as a crash (no atexit handlers, no stdio flush, no
 * leak report from a sanitizer or valgrind); 0 disables it.
 * fsutil_checkpoints() is the number of checkpoints passed so far, so a
 * test can count the steps of an uninterrupted run.  Thread-safe. */
void fsutil_crash_after(unsigned long n);
void fsutil_checkpoint(const char *what);
unsigned long fsutil_checkpoints(void);

#endif
