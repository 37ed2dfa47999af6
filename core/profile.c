/* SPDX-License-Identifier: GPL-2.0-or-later */
/* -P profile mode: per-thread wall and CPU time summaries written to files
 * named as 4.0 names its per-thread profiles. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "profile.h"
#include "util.h"

static char *profile_dir;		/* set once, before any thread */
static _Thread_local struct timespec thread_wall_start;

int profile_start(const char *dir, char **err_r)
{
	if (mkdir(dir, 0700) != 0) {
		*err_r = sys_errmsg("cannot create profile directory %s", dir);
		return -1;
	}
	profile_dir = xstrdup(dir);
	fprintf(stderr, "WARNING: profile mode engaged;\n"
		"Potentially large data will be created in %s\n", dir);
	profile_thread_start();
	return 0;
}

void profile_thread_start(void)
{
	clock_gettime(CLOCK_MONOTONIC, &thread_wall_start);
}

static double seconds(const struct timespec *ts)
{
	return (double)ts->tv_sec + (double)ts->tv_nsec / 1e9;
}

void profile_thread_done(const char *thread_name)
{
	if (!profile_dir)
		return;
	struct timespec now, cpu;
	clock_gettime(CLOCK_MONOTONIC, &now);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);

	/* Thread names hold folder names: keep them inside the directory. */
	char *safe = xstrdup(thread_name);
	for (char *p = safe; *p; p++)
		if (*p == '/' || (unsigned char)*p < 0x20)
			*p = '_';
	long tid = (long)syscall(SYS_gettid);
	char *path = xasprintf("%s/%ld_%s.prof", profile_dir, tid, safe);
	FILE *f = fopen(path, "w");
	if (f) {
		fprintf(f, "thread: %s\nthread id: %ld\n"
			"wall seconds: %.6f\ncpu seconds: %.6f\n", thread_name,
			tid, seconds(&now) - seconds(&thread_wall_start),
			seconds(&cpu));
		if (fclose(f) != 0)
			fprintf(stderr, "warning: cannot write %s: %s\n", path,
				strerror(errno));
	} else {
		fprintf(stderr, "warning: cannot write %s: %s\n", path,
			strerror(errno));
	}
	free(path);
	free(safe);
}
