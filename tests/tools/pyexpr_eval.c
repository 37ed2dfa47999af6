// SPDX-License-Identifier: GPL-2.0-or-later
/* Test tool: evaluate configuration expressions with core/pyexpr and print
 * Python's repr() of the result, for the differential test against
 * CPython (tests/integration/test_pyexpr_differential.py).
 *
 *   pyexpr_eval [--pythonfile FILE] EXPR [ARG...]
 *	Compile EXPR; with ARGs call it with them, else take its value.
 *	Prints the repr, or "error: <message>" (exit status 1).
 *   pyexpr_eval [--pythonfile FILE] --batch
 *	Reads tab-separated lines from stdin, fields percent-encoded
 *	(%XX for '%', tab, newline, CR and control bytes):
 *	  E <expr>		compile (reply "ok" or "error <msg>")
 *	  V			repr of the compiled value
 *	  C <arg>...		call it with the arguments
 *	  S <name>...		pyexpr_sort() the names (reply: repr list)
 *	  L			pyexpr_get_strlist()
 *	Each reply is one line, "ok <repr>" or "error <msg>", encoded the
 *	same way.
 * Exit status 0, 1 for an evaluation error (single mode), 2 for usage or
 * pythonfile errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyexpr/pyexpr.h"
#include "util.h"

static void put_encoded(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '%' || *p == '\t' || *p == '\n' || *p == '\r' ||
		    *p < 0x20)
			printf("%%%02X", *p);
		else
			putchar(*p);
	}
}

static char *decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n) {
			unsigned v;
			char hex[3] = { s[i + 1], s[i + 2], 0 };
			if (sscanf(hex, "%2x", &v) == 1) {
				out[k++] = (char)v;
				i += 2;
				continue;
			}
		}
		out[k++] = s[i];
	}
	out[k] = '\0';
	return out;
}

static void reply(int ok, const char *text)
{
	fputs(ok ? "ok" : "error", stdout);
	if (text) {
		putchar(' ');
		put_encoded(text);
	}
	putchar('\n');
	fflush(stdout);
}

static int batch(struct pyexpr_ctx *ctx)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	struct pyexpr *e = NULL;
	char *compile_err = NULL;
	while ((len = getline(&line, &cap, stdin)) >= 0) {
		while (len > 0 && (line[len - 1] == '\n' ||
				   line[len - 1] == '\r'))
			line[--len] = '\0';
		/* split on tabs */
		size_t nf = 0;
		char **fields = xcalloc((size_t)len + 2, sizeof(*fields));
		char *p = line;
		for (;;) {
			char *t = strchr(p, '\t');
			size_t n = t ? (size_t)(t - p) : strlen(p);
			fields[nf++] = decode(p, n);
			if (!t)
				break;
			p = t + 1;
		}
		char *err = NULL, *out = NULL;
		const char *cmd = fields[0];
		if (!strcmp(cmd, "E")) {
			pyexpr_free(&e);
			FREE(&compile_err);
			struct pyexpr_origin o = { .file = "expr" };
			e = pyexpr_compile(ctx, nf > 1 ? fields[1] : "", &o,
					   &err);
			if (e) {
				reply(1, NULL);
			} else {
				reply(0, err);
				compile_err = err;
				err = NULL;
			}
		} else if (!e) {
			reply(0, compile_err ? compile_err : "not compiled");
		} else if (!strcmp(cmd, "V") || !strcmp(cmd, "C")) {
			bool call = !strcmp(cmd, "C");
			if (pyexpr_eval_repr(e, call, nf - 1,
					     (const char *const *)fields + 1,
					     &out, &err) == 0)
				reply(1, out);
			else
				reply(0, err);
		} else if (!strcmp(cmd, "S")) {
			char **names = xcalloc(nf, sizeof(*names));
			for (size_t i = 1; i < nf; i++)
				names[i - 1] = fields[i];
			if (pyexpr_sort(e, names, nf - 1, &err) == 0) {
				struct strbuf sb;
				strbuf_init(&sb);
				strbuf_addch(&sb, '[');
				for (size_t i = 0; i + 1 < nf; i++)
					strbuf_addf(&sb, "%s%s", i ? "\t" : "",
						    names[i]);
				strbuf_addch(&sb, ']');
				reply(1, sb.buf);
				strbuf_release(&sb);
			} else {
				reply(0, err);
			}
			free(names);
		} else if (!strcmp(cmd, "L")) {
			char **list;
			if (pyexpr_get_strlist(e, &list, &err) == 0) {
				struct strbuf sb;
				strbuf_init(&sb);
				for (size_t i = 0; list[i]; i++)
					strbuf_addf(&sb, "%s%s", i ? "\t" : "",
						    list[i]);
				reply(1, sb.buf ? sb.buf : "");
				strbuf_release(&sb);
				strv_free(&list);
			} else {
				reply(0, err);
			}
		} else {
			reply(0, "unknown command");
		}
		free(err);
		free(out);
		for (size_t i = 0; i < nf; i++)
			free(fields[i]);
		free(fields);
	}
	free(line);
	free(compile_err);
	pyexpr_free(&e);
	return 0;
}

int main(int argc, char **argv)
{
	const char *pyfile = NULL;
	bool batch_mode = false;
	int i = 1;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--pythonfile") && i + 1 < argc)
			pyfile = argv[++i];
		else if (!strcmp(argv[i], "--batch"))
			batch_mode = true;
		else
			break;
	}
	if (!batch_mode && i >= argc) {
		fprintf(stderr, "usage: pyexpr_eval [--pythonfile FILE] "
			"(--batch | EXPR [ARG...])\n");
		return 2;
	}
	struct pyexpr_ctx *ctx = pyexpr_ctx_new(NULL);
	char *err = NULL;
	if (pyfile && pyexpr_ctx_load_file(ctx, pyfile, NULL, &err) < 0) {
		fprintf(stderr, "pyexpr_eval: %s\n", err);
		free(err);
		pyexpr_ctx_unref(&ctx);
		return 2;
	}
	for (const char *const *w = pyexpr_ctx_warnings(ctx); *w; w++)
		fprintf(stderr, "warning: %s\n", *w);
	int rc = 0;
	if (batch_mode) {
		rc = batch(ctx);
	} else {
		struct pyexpr_origin o = { .file = "expr" };
		struct pyexpr *e = pyexpr_compile(ctx, argv[i], &o, &err);
		char *out = NULL;
		if (!e || pyexpr_eval_repr(e, i + 1 < argc,
					   (size_t)(argc - i - 1),
					   (const char *const *)argv + i + 1,
					   &out, &err) < 0) {
			printf("error: %s\n", err);
			rc = 1;
		} else {
			printf("%s\n", out);
		}
		free(out);
		free(err);
		pyexpr_free(&e);
	}
	pyexpr_ctx_unref(&ctx);
	return rc;
}
