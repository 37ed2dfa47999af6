/* SPDX-License-Identifier: GPL-2.0-or-later */
/* -P profile mode: per-thread summaries (wall and CPU time per phase,
 * count and wall time per IMAP command, counters) written to files named as 4.0 names its per-thread
 * profiles. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "profile.h"
#include "util.h"

enum prof_kind { PROF_PHASE, PROF_COMMAND, PROF_COUNTER };

struct prof_entry {
	char *name;
	enum prof_kind kind;
	unsigned long long calls;	/* phases, commands: times ended;
					 * counters: sum */
	double wall, cpu;		/* cpu: phases only */
};

struct prof_thread {
	struct prof_entry *v;
	size_t n, cap;
};

static char *profile_dir;		/* set once, before any thread */
static _Thread_local struct timespec thread_wall_start;
static _Thread_local struct prof_thread *thread_data;
static pthread_key_t data_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void data_free(void *p)
{
	struct prof_thread *d = p;
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].name);
	free(d->v);
	free(d);
}

static void make_key(void)
{
	pthread_key_create(&data_key, data_free);
}

int profile_start(const char *dir, char **err_r)
{
	if (mkdir(dir, 0700) != 0) {
		*err_r = sys_errmsg("cannot create profile directory %s", dir);
		return -1;
	}
	profile_dir = xstrdup(dir);
	pthread_once(&key_once, make_key);
	fprintf(stderr, "WARNING: profile mode engaged;\n"
		"Potentially large data will be created in %s\n", dir);
	profile_thread_start();
	return 0;
}

bool profile_enabled(void)
{
	return profile_dir != NULL;
}

void profile_thread_start(void)
{
	clock_gettime(CLOCK_MONOTONIC, &thread_wall_start);
}

static double seconds(const struct timespec *ts)
{
	return (double)ts->tv_sec + (double)ts->tv_nsec / 1e9;
}

/* The calling thread's entry `name`, created (in first-use order, so a
 * file lists phases in the order the thread met them) when missing. */
static struct prof_entry *entry(const char *name, enum prof_kind kind)
{
	if (!thread_data) {
		thread_data = xcalloc(1, sizeof(*thread_data));
		/* Freed at thread exit if profile_thread_done never comes. */
		pthread_setspecific(data_key, thread_data);
	}
	struct prof_thread *d = thread_data;
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].kind == kind &&
		    strcmp(d->v[i].name, name) == 0)
			return &d->v[i];
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 16;
		struct prof_entry *nv = xcalloc(d->cap, sizeof(*nv));
		if (d->n)
			memcpy(nv, d->v, d->n * sizeof(*nv));
		free(d->v);
		d->v = nv;
	}
	struct prof_entry *e = &d->v[d->n++];
	*e = (struct prof_entry){ .name = xstrdup(name), .kind = kind };
	return e;
}

void profile_begin(struct profile_mark *m)
{
	m->on = profile_dir != NULL;
	if (!m->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &m->wall);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &m->cpu);
}

void profile_end(const struct profile_mark *m, const char *phase)
{
	if (!m->on || !profile_dir)
		return;
	struct timespec wall, cpu;
	clock_gettime(CLOCK_MONOTONIC, &wall);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
	struct prof_entry *e = entry(phase, PROF_PHASE);
	e->calls++;
	e->wall += seconds(&wall) - seconds(&m->wall);
	e->cpu += seconds(&cpu) - seconds(&m->cpu);
}

void profile_command(const struct profile_mark *m, const char *command)
{
	if (!m->on || !profile_dir)
		return;
	struct timespec wall;
	clock_gettime(CLOCK_MONOTONIC, &wall);
	struct prof_entry *e = entry(command, PROF_COMMAND);
	e->calls++;
	e->wall += seconds(&wall) - seconds(&m->wall);
}

void profile_count(const char *name, unsigned long long n)
{
	if (!profile_dir)
		return;
	entry(name, PROF_COUNTER)->calls += n;
}

static void write_profile(FILE *f, const char *thread_name, long tid,
			  double wall, double cpu)
{
	fprintf(f, "OfflineIMAP thread profile, format 1\n"
		"thread: %s\nthread id: %ld\n"
		"wall seconds: %.6f\ncpu seconds: %.6f\n", thread_name, tid,
		wall, cpu);
	struct prof_thread *d = thread_data;
	size_t count[3] = { 0 };
	for (size_t i = 0; d && i < d->n; i++)
		count[d->v[i].kind]++;
	if (count[PROF_PHASE]) {
		fprintf(f, "\n%-32s %8s %12s %12s\n", "phase", "calls",
			"wall s", "cpu s");
		for (size_t i = 0; i < d->n; i++)
			if (d->v[i].kind == PROF_PHASE)
				fprintf(f, "%-32s %8llu %12.6f %12.6f\n",
					d->v[i].name, d->v[i].calls,
					d->v[i].wall, d->v[i].cpu);
	}
	if (count[PROF_COMMAND]) {
		fprintf(f, "\n%-32s %8s %12s %12s\n", "IMAP command", "calls",
			"wall s", "mean ms");
		for (size_t i = 0; i < d->n; i++)
			if (d->v[i].kind == PROF_COMMAND)
				fprintf(f, "%-32s %8llu %12.6f %12.3f\n",
					d->v[i].name, d->v[i].calls,
					d->v[i].wall, 1000.0 * d->v[i].wall /
					(double)d->v[i].calls);
	}
	if (count[PROF_COUNTER]) {
		fprintf(f, "\n%-32s %12s\n", "counter", "value");
		for (size_t i = 0; i < d->n; i++)
			if (d->v[i].kind == PROF_COUNTER)
				fprintf(f, "%-32s %12llu\n", d->v[i].name,
					d->v[i].calls);
	}
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
		write_profile(f, thread_name, tid,
			      seconds(&now) - seconds(&thread_wall_start),
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
	data_free(thread_data);
	thread_data = NULL;
	pthread_setspecific(data_key, NULL);
}
