/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test.BadABI: a plugin built for a future UI ABI (major 99), which the
 * host must refuse before calling anything in it. */
#include <stdlib.h>

#include "oi_ui.h"

static int bad_isusable(const struct oi_ui_host *host, const char **why_r)
{
	(void)host;
	(void)why_r;
	abort();	/* the host must never get this far */
}

static int bad_open(const struct oi_ui_host *host, void **ctx_r,
		    const char **err_r)
{
	(void)host;
	(void)ctx_r;
	(void)err_r;
	abort();
}

static void bad_close(void *ctx)
{
	(void)ctx;
	abort();
}

static void bad_event(void *ctx, const struct oi_ui_event *ev)
{
	(void)ctx;
	(void)ev;
	abort();
}

OI_UI_EXPORT const struct oi_ui_plugin oi_ui_plugin = {
	.abi_version = OI_UI_ABI_MKVERSION(99, 0),
	.name = "Test.BadABI",
	.isusable = bad_isusable,
	.open = bad_open,
	.close = bad_close,
	.warn = bad_event,
	.error = bad_event,
	.terminate = bad_event,
};
