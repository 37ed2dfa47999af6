// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target for the configuration-expression evaluator: the input
 * is compiled as an option's value (or loaded as a pythonfile, or used as
 * a %-format), then evaluated every way the sync engine uses a value, with
 * small limits so the limit paths are reached too.  Nothing may crash,
 * leak or hang; errors are fine. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pyexpr/pyexpr.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void limits(struct pyexpr_limits *l)
{
	pyexpr_default_limits(l);
	l->max_steps = 20000;
	l->max_depth = 50;
	l->max_memory = 4 * 1024 * 1024;
	l->max_string = 64 * 1024;
	l->regex_match_limit = 20000;
	l->regex_depth_limit = 1000;
	l->regex_heap_kib = 1024;
}

static void exercise(struct pyexpr *e)
{
	char *out = NULL, *err = NULL;
	static const char *const args[] = { "INBOX.Sent", "Entw&APw-rfe" };
	if (pyexpr_eval_repr(e, false, 0, NULL, &out, &err) == 0)
		FREE(&out);
	FREE(&err);
	if (pyexpr_get_string(e, &out, &err) == 0)
		FREE(&out);
	FREE(&err);
	char **list = NULL;
	if (pyexpr_get_strlist(e, &list, &err) == 0)
		strv_free(&list);
	FREE(&err);
	if (!pyexpr_is_callable(e))
		return;
	if (pyexpr_call_string(e, args[0], &out, &err) == 0)
		FREE(&out);
	FREE(&err);
	bool b;
	pyexpr_call_bool(e, args[1], 2, args, &b, &err);
	FREE(&err);
	int c;
	pyexpr_call_cmp(e, args[0], args[1], &c, &err);
	FREE(&err);
	char *names[4] = { "b", "INBOX", "a", "Sent" };
	pyexpr_sort(e, names, 4, &err);
	FREE(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct pyexpr_limits l;
	limits(&l);
	struct pyexpr_ctx *ctx = pyexpr_ctx_new(&l);
	char *text = xstrndup((const char *)data + 1, size - 1);
	char *err = NULL;
	switch (data[0] % 4) {
	case 0:
	case 1: {
		struct pyexpr_origin o = { .file = "fuzz", .line = 1,
					   .section = "S", .option = "o" };
		struct pyexpr *e = pyexpr_compile(ctx, text, &o, &err);
		FREE(&err);
		if (e)
			exercise(e);
		pyexpr_free(&e);
		break;
	}
	case 2: {
		/* a pythonfile, then expressions using its names */
		if (pyexpr_ctx_load_source(ctx, "fuzz.py", text, &err) == 0) {
			static const char *const uses[] = {
				"f", "lambda x: f(x)", "sorted(globals_list)",
				"g", "x", "[v for v in (a, b)]",
			};
			for (size_t i = 0; i < ARRAY_SIZE(uses); i++) {
				struct pyexpr *e = pyexpr_compile(ctx, uses[i],
								  NULL, &err);
				FREE(&err);
				if (e)
					exercise(e);
				pyexpr_free(&e);
			}
		}
		FREE(&err);
		break;
	}
	default: {
		static const char *const keys[] = { "accountname",
						    "foldername" };
		static const char *const vals[] = { "Work", "INBOX" };
		char *out = NULL;
		if (pyexpr_format_mapping(text, 2, keys, vals, &out, &err) == 0)
			free(out);
		FREE(&err);
		break;
	}
	}
	free(text);
	pyexpr_ctx_unref(&ctx);
	return 0;
}
