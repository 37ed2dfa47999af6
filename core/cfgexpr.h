/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The options of this run that are Python expressions (SPEC 2.3), compiled
 * once at start-up so that a mistake is reported with file, line and column
 * before any sync begins, and shared read-only by every thread after. */
#ifndef OI_CFGEXPR_H
#define OI_CFGEXPR_H

#include "pyexpr/pyexpr.h"

struct config;

/* Load [general] pythonfile (once) and compile every expression option of
 * the repositories of `accounts` (nametrans, folderfilter, folderincludes,
 * foldersort, remotehosteval, remoteusereval, remotepasseval,
 * remoteporteval) and, when [mbnames] is enabled, its header, sep, footer
 * and folderfilter.  Callables are checked to take the right number of
 * arguments.  pythonfile statements outside the supported subset are
 * reported through `warn` (may be NULL).  Returns 0, or -1 with *err_r
 * (malloc'd, "<file>:<line>: [<section>] <option>: column <n>: ..."). */
int cfgexpr_init(const struct config *cfg, const char *const *accounts,
		 void (*warn)(const char *msg), char **err_r);

/* The compiled value of `option` in `section` (DEFAULT included), or NULL
 * when the option is not set.  Valid until cfgexpr_free. */
const struct pyexpr *cfgexpr_get(const char *section, const char *option);

void cfgexpr_free(void);

#endif
