/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Curses.Blinkenlights (SPEC 7.6): a full-screen terminal UI with one light
 * per thread in the manual's colours, a scrolling log, one row per account
 * with its hotkey and countdown, and a status line.
 *
 * Screen, top to bottom (H rows, W columns):
 *
 *   row 0        title bar: product and version left, copyright right
 *   log pane     the last messages, each in the colour its thread's light
 *                had; long lines wrap; scroll back with the arrow keys,
 *                PgUp/PgDn, Home/End.  [ui.Curses.Blinkenlights] loglines
 *                limits its height (unset: all free rows), bufferlines is
 *                how many lines are kept for scrolling back (default 500)
 *   account rows "<KEY>: [active] <NAME>: <lights>", alphabetically last
 *                account at the bottom with key 1; *Control (the main
 *                thread) on top; the bracket reads [ wait ] before an
 *                account starts, [MMM:SS] while it sleeps between syncs and
 *                [ done ] once it finished
 *   last row     status: current account and folder with what this cycle
 *                copied, deleted and flagged, and the key help
 *
 * When the terminal is too small the log shrinks first, then the top
 * account rows are hidden (their hotkeys still work), then the status
 * line; every text is clipped to the window, nothing is drawn outside it.
 * Without colours (or with NO_COLOR set) lights are letters with
 * attributes and the bars are in reverse video.
 *
 * When the screen ends (normal end, error, signal) the terminal is
 * restored first; then the run's warnings, errors and exception reports
 * are printed on it, so that they can still be read.
 *
 * Keys: an account's hotkey ends that account's sleep so it syncs now
 * (*Control's hotkey: every account); q quits cleanly (the current step
 * ends, status is saved); Up/Down/PgUp/PgDn/Home/End scroll the log;
 * Ctrl-L redraws; Ctrl-Z suspends.  A password prompt takes the keyboard
 * until Enter (Esc refuses, Backspace and Ctrl-U edit); nothing typed is
 * drawn.
 *
 * Threads: the host serialises callbacks, but the keyboard thread started
 * in open() touches curses as well, so every curses call happens under
 * this plugin's own lock.  That thread never calls into the host while
 * holding it and only uses the host's request functions, which take no
 * lock of the callbacks, so the two locks never nest the wrong way.
 * Curses runs with a thread-local LC_CTYPE taken from the environment:
 * the process locale the core relies on is never changed. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>
#include <term.h>

#include "oi_ui.h"

#define CONTROL_ACCOUNT "*Control"
#define PASSWORD_MAX 1024
/* Bytes kept of one log line; a 5000-UID deletion list would otherwise
 * fill the whole pane with numbers. */
#define LOGLINE_MAX 2000
#define BUFFERLINES_DEFAULT 500
#define BUFFERLINES_MAX 100000
/* Warning, error and report lines kept for printing once the terminal is
 * restored. */
#define LATER_MAX 200
#define NAME_COLS 13
/* Screen updates are coalesced: at most one per DRAW_MS; the keyboard
 * thread draws what is still pending. */
#define DRAW_MS 40
#define IDLE_POLL_MS 250
/* How long close() waits for a callback that holds the screen before it
 * restores the terminal without it. */
#define LOCK_WAIT_MS 3000
/* Ctrl-Z: how long to wait for the stop to take this thread. */
#define SUSPEND_WAIT_MS 150

/* Hotkeys in SPEC 7.6 order: no q, which quits. */
static const char hotkeys[] =
	"1234567890abcdefghijklmnoprstuvwxyz"
	"ABCDEFGHIJKLMNOPQRSTUVWXYZ-=;/.,";

/* Light states (the manual's colours, SPEC 7.6 table). */
enum light {
	L_BLACK,	/* idle, thread ended */
	L_MAIN,		/* red: the main thread */
	L_ACCOUNT,	/* purple: account thread watching its folders */
	L_CONNECT,	/* gray: opening an IMAP connection */
	L_SYNC,		/* blue: folder structure / message-sync controller */
	L_FOLDER,	/* cyan: syncing a folder */
	L_LIST,		/* green: loading a message list */
	L_COPY,		/* orange: copying a message */
	L_FAKE,		/* fuchsia: copying a message without a server UID */
	L_DELETE,	/* red: deleting messages */
	L_ADDFLAGS,	/* yellow: adding flags */
	L_DELFLAGS,	/* pink: removing flags */
	L_PASSWORD,	/* white: waiting for password input */
	L_SLEEP,	/* red half of the red/black countdown blink */
	N_LIGHTS
};

/* How a light is drawn: on 8-colour terminals as SPEC 7.6 renders it on
 * black, on 256-colour terminals with the manual's own colour where the
 * basic eight have none, on monochrome terminals as a letter with an
 * attribute so that the states stay distinguishable. */
static const struct light_style {
	short fg8;
	short fg256;
	bool bold;
	char mono_glyph;
	attr_t mono_attr;
} light_styles[N_LIGHTS] = {
	[L_BLACK] = { COLOR_BLACK, COLOR_BLACK, false, ' ', A_NORMAL },
	[L_MAIN] = { COLOR_RED, COLOR_RED, false, '*', A_BOLD },
	[L_ACCOUNT] = { COLOR_MAGENTA, 129, false, 'a', A_NORMAL },
	[L_CONNECT] = { COLOR_WHITE, 250, false, 'c', A_DIM },
	[L_SYNC] = { COLOR_BLUE, COLOR_BLUE, false, 's', A_NORMAL },
	[L_FOLDER] = { COLOR_CYAN, COLOR_CYAN, false, 'f', A_NORMAL },
	[L_LIST] = { COLOR_GREEN, COLOR_GREEN, false, 'l', A_NORMAL },
	[L_COPY] = { COLOR_YELLOW, 208, false, 'C', A_BOLD },
	[L_FAKE] = { COLOR_MAGENTA, 201, true, 'C', A_BOLD | A_UNDERLINE },
	[L_DELETE] = { COLOR_RED, COLOR_RED, false, 'D', A_BOLD },
	[L_ADDFLAGS] = { COLOR_YELLOW, 226, true, '+', A_BOLD },
	[L_DELFLAGS] = { COLOR_RED, 211, true, '-', A_BOLD },
	[L_PASSWORD] = { COLOR_WHITE, 15, true, 'P', A_BOLD | A_REVERSE },
	[L_SLEEP] = { COLOR_RED, COLOR_RED, false, 'z', A_BOLD },
};

enum { PAIR_BASE = 1, PAIR_TITLE, PAIR_LIGHT0 };
#define PAIRS_NEEDED (PAIR_LIGHT0 + N_LIGHTS)

/* What a log line is, beyond the colour of its thread. */
enum kind {
	K_PLAIN,
	K_MINOR,	/* minor warning: thread colour */
	K_NOTE,		/* this UI's own notices */
	K_ALERT,	/* drawn as an error, not repeated after the end */
	K_WARN,
	K_ERROR,
};

struct logline {
	char *text;
	unsigned char light;
	unsigned char kind;
};

struct cell {
	unsigned tid;
	bool owned;
	enum light state;
};

enum frame_state { F_WAIT, F_ACTIVE, F_SLEEP, F_DONE };

/* One account row. */
struct frame {
	char *name;
	char key;		/* 0: ran out of hotkeys */
	bool control;
	enum frame_state state;
	int remaining;		/* seconds, while sleeping */
	struct cell *cells;
	size_t n_cells;
	/* This cycle, for the status line. */
	unsigned long copied, deleted, flagged;
	unsigned errors;
	char *folder;
};

/* A password request waiting for the keyboard. */
struct pwreq {
	unsigned id;
	unsigned tid;
	char *account;
	char *repo;
};

/* What the keyboard thread asks of the host once it let go of the lock. */
struct actions {
	bool quit;
	bool sync_all;
	char **sync;
	size_t n_sync;
	struct answer {
		unsigned id;
		char *password;		/* NULL refuses */
		const char *reason;
	} *answers;
	size_t n_answers;
};

struct blink {
	const struct oi_ui_host *host;
	pthread_mutex_t lock;
	locale_t loc;

	/* Curses; under lock. */
	SCREEN *screen;
	bool curses_on;
	bool colour, c256;
	bool dirty;
	bool wake_sent;			/* the keyboard thread was told */
	long long last_draw_ms;
	long long redraw_at_ms;		/* a second full redraw after resize */
	int cursor_shown;

	/* Layout settings. */
	int loglines;			/* 0: every free row */
	size_t buf_cap;

	/* Log ring. */
	struct logline *ring;
	size_t ring_start, ring_len;
	size_t scroll;			/* lines scrolled back; 0 follows */

	/* Account frames, sorted by name. */
	struct frame **frames;
	size_t n_frames;
	struct frame *current;		/* the status line's account */

	/* Password prompt: queue, the first is being asked. */
	struct pwreq *pw;
	size_t n_pw;
	char pwbuf[PASSWORD_MAX];
	size_t pwlen;

	bool quitting;

	/* Printed on the normal terminal after curses ends. */
	char **later;
	size_t n_later;
	size_t later_dropped;

	/* Scratch for converting a line to wide characters. */
	wchar_t wc[LOGLINE_MAX + 16];
	signed char wd[LOGLINE_MAX + 16];

	/* Keyboard thread. */
	pthread_t kbd;
	bool kbd_started;
	int wake[2];
	atomic_bool stop;
	bool input_dead;

	/* Restoring the terminal without curses when a callback is stuck. */
	struct termios shell_tio;
	bool have_tio;
	char *exit_seq;

	/* Signal handlers ncurses installs, to put back what was there. */
	struct sigaction old_sa[3], nc_sa[3];
};

static const int nc_signals[3] = { SIGINT, SIGTERM, SIGWINCH };

/* ------------------------------------------------------------------ */
/* Small helpers */

static void *zalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		abort();
	return p;
}

static void *grow(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

static char *dupstr(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		abort();
	return d;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Take the screen lock and switch this thread to the UI's LC_CTYPE. */
static locale_t enter(struct blink *b)
{
	pthread_mutex_lock(&b->lock);
	return uselocale(b->loc);
}

static void leave(struct blink *b, locale_t prev)
{
	uselocale(prev);
	pthread_mutex_unlock(&b->lock);
}

/* ------------------------------------------------------------------ */
/* isusable */

/* ncurses must stay loaded once used: its signal handlers and the memory
 * it keeps would otherwise vanish with this plugin's dlclose (a crash on
 * the next resize, a leak report). */
static void pin_library(void *symbol)
{
	Dl_info info;
	if (dladdr(symbol, &info) && info.dli_fname)
		dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
}

/* isusable's answer must be a static sentence; this one names TERM. */
static char why_buf[256];

static const char *why_term(const char *fmt, const char *term)
{
	char clean[64];
	size_t n = 0;
	for (const char *p = term; *p && n + 1 < sizeof(clean); p++)
		clean[n++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
	clean[n] = '\0';
	snprintf(why_buf, sizeof(why_buf), fmt, clean);
	return why_buf;
}

static bool capability_present(const char *name)
{
	char *s = tigetstr(name);
	return s && s != (char *)-1 && *s;
}

/* Usable when both standard input and output are the terminal we are in
 * the foreground of, and terminfo knows how to move the cursor there
 * (SPEC 7.6 with 4.0's precedence slip fixed). */
static int bl_isusable(const struct oi_ui_host *host, const char **why_r)
{
	(void)host;
	if (!isatty(STDIN_FILENO)) {
		*why_r = "standard input is not a terminal";
		return 0;
	}
	if (!isatty(STDOUT_FILENO)) {
		*why_r = "standard output is not a terminal";
		return 0;
	}
	pid_t fg = tcgetpgrp(STDOUT_FILENO);
	if (fg != -1 && fg != getpgrp()) {
		*why_r = "the program runs in the background of its terminal";
		return 0;
	}
	const char *term = getenv("TERM");
	if (!term || !*term) {
		*why_r = "TERM is not set";
		return 0;
	}
	if (strcmp(term, "dumb") == 0) {
		*why_r = "TERM is \"dumb\": that terminal cannot move the "
			 "cursor";
		return 0;
	}
	/* Pinned before the first terminfo lookup: what it keeps must not
	 * vanish with this plugin when the host unloads an unusable UI. */
	pin_library((void *)newterm);
	pin_library((void *)setupterm);
	int err = 0;
	if (setupterm(term, STDOUT_FILENO, &err) != OK) {
		if (err == 1)
			*why_r = why_term("TERM \"%s\" is a hardcopy terminal",
					  term);
		else if (err == 0)
			*why_r = why_term("no terminfo entry for TERM \"%s\"",
					  term);
		else
			*why_r = "the terminfo database cannot be found";
		return 0;
	}
	bool ok = capability_present("cup");
	del_curterm(cur_term);
	if (!ok) {
		*why_r = why_term("TERM \"%s\" cannot address the cursor",
				  term);
		return 0;
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* Text */

/* Convert `s` (UTF-8 or whatever LC_CTYPE says) into b->wc / b->wd, one
 * printable character each with its column width; bytes that do not
 * decode become '?'.  Returns the count. */
static size_t to_cells(struct blink *b, const char *s)
{
	mbstate_t st;
	size_t n = 0, left = strlen(s);

	memset(&st, 0, sizeof(st));
	while (left && n < LOGLINE_MAX + 8) {
		wchar_t wc;
		size_t r = mbrtowc(&wc, s, left, &st);
		if (r == 0)
			break;
		if (r == (size_t)-1 || r == (size_t)-2) {
			wc = L'?';
			r = 1;
			memset(&st, 0, sizeof(st));
		}
		s += r;
		left -= r;
		int w = wcwidth(wc);
		if (w < 0) {
			wc = L'?';
			w = 1;
		}
		if (w == 0 && n == 0)
			continue;	/* a combining mark with nothing to mark */
		b->wc[n] = wc;
		b->wd[n] = (signed char)w;
		n++;
	}
	return n;
}

/* How many cells from `start` fit in `width` columns, and their width.
 * Zero when even the first does not fit (a wide character in one column):
 * callers decide what to do then. */
static size_t fit(const struct blink *b, size_t start, size_t n, int width,
		  int *cols_r)
{
	int cols = 0;
	size_t i = start;
	while (i < n) {
		int w = b->wd[i];
		if (cols + w > width)
			break;
		cols += w;
		i++;
		/* Combining marks stay with their base character. */
		while (i < n && b->wd[i] == 0)
			i++;
	}
	*cols_r = cols;
	return i - start;
}

/* Draw `s` at (row, col), at most `width` columns, with `attr`.  Returns
 * the columns used. */
static int put_text(struct blink *b, int row, int col, int width,
		    const char *s, attr_t attr)
{
	if (width <= 0 || row < 0 || row >= LINES || col >= COLS)
		return 0;
	if (col + width > COLS)
		width = COLS - col;
	size_t n = to_cells(b, s);
	int cols = 0;
	size_t k = fit(b, 0, n, width, &cols);
	if (!k)
		return 0;
	wattrset(stdscr, attr);
	mvwaddnwstr(stdscr, row, col, b->wc, (int)k);
	return cols;
}

/* Rows a line takes when wrapped at `width`. */
static int line_rows(struct blink *b, const char *s, int width)
{
	size_t n = to_cells(b, s);
	int rows = 0;
	size_t i = 0;
	do {
		int cols;
		size_t k = fit(b, i, n, width, &cols);
		if (!k && i < n) {
			/* A wide character on a one-column screen. */
			k = 1;
		}
		i += k;
		rows++;
	} while (i < n);
	return rows;
}

/* Draw the wrapped rows of `s` whose screen row lies in [top, bottom],
 * the line's first row being `first`. */
static void draw_wrapped(struct blink *b, const char *s, int width, int first,
			 int top, int bottom, attr_t attr)
{
	size_t n = to_cells(b, s);
	size_t i = 0;
	int row = first;
	wattrset(stdscr, attr);
	do {
		int cols;
		size_t k = fit(b, i, n, width, &cols);
		if (!k && i < n) {
			b->wc[i] = L'?';
			b->wd[i] = 1;
			k = 1;
		}
		if (row >= top && row <= bottom && k)
			mvwaddnwstr(stdscr, row, 0, b->wc + i, (int)k);
		i += k;
		row++;
	} while (i < n && row <= bottom);
}

/* ------------------------------------------------------------------ */
/* Frames and lights */

static struct frame *frame_find(struct blink *b, const char *name)
{
	for (size_t i = 0; i < b->n_frames; i++)
		if (strcmp(b->frames[i]->name, name) == 0)
			return b->frames[i];
	return NULL;
}

/* Hotkeys from the bottom row up: the alphabetically last account gets
 * the first key. */
static void assign_keys(struct blink *b)
{
	size_t nkeys = sizeof(hotkeys) - 1;
	for (size_t i = 0; i < b->n_frames; i++) {
		size_t pos = b->n_frames - 1 - i;
		b->frames[pos]->key = i < nkeys ? hotkeys[i] : 0;
	}
}

static struct frame *frame_get(struct blink *b, const char *name)
{
	if (!name || !*name)
		name = CONTROL_ACCOUNT;
	struct frame *f = frame_find(b, name);
	if (f)
		return f;
	f = zalloc(sizeof(*f));
	f->name = dupstr(name);
	f->control = strcmp(name, CONTROL_ACCOUNT) == 0;
	f->state = f->control ? F_ACTIVE : F_WAIT;
	size_t pos = 0;
	while (pos < b->n_frames && strcmp(b->frames[pos]->name, name) < 0)
		pos++;
	b->frames = grow(b->frames, (b->n_frames + 1) * sizeof(*b->frames));
	memmove(b->frames + pos + 1, b->frames + pos,
		(b->n_frames - pos) * sizeof(*b->frames));
	b->frames[pos] = f;
	b->n_frames++;
	assign_keys(b);
	/* A new row changes the layout: repaint everything. */
	if (b->curses_on)
		clearok(curscr, TRUE);
	return f;
}

/* The light of thread `tid` in frame `f`, given one at the thread's first
 * event: a light freed by an ended thread is reused, rows never shrink. */
static struct cell *cell_get(struct blink *b, struct frame *f, unsigned tid)
{
	/* Thread ids are unique among live threads: the same id in another
	 * row belongs to a thread that has gone. */
	for (size_t i = 0; i < b->n_frames; i++) {
		struct frame *o = b->frames[i];
		if (o == f)
			continue;
		for (size_t j = 0; j < o->n_cells; j++) {
			if (o->cells[j].owned && o->cells[j].tid == tid) {
				o->cells[j].owned = false;
				o->cells[j].state = L_BLACK;
			}
		}
	}
	struct cell *c = NULL;
	for (size_t j = 0; j < f->n_cells; j++) {
		if (f->cells[j].owned && f->cells[j].tid == tid)
			return &f->cells[j];
		if (!c && !f->cells[j].owned)
			c = &f->cells[j];
	}
	if (!c) {
		f->cells = grow(f->cells, (f->n_cells + 1) * sizeof(*f->cells));
		c = &f->cells[f->n_cells++];
	}
	c->tid = tid;
	c->owned = true;
	c->state = L_BLACK;
	return c;
}

/* The frame and light of the thread behind `ev`. */
static struct cell *ev_cell(struct blink *b, const struct oi_ui_event *ev,
			    struct frame **f_r)
{
	struct frame *f = frame_get(b, ev->account);
	if (f_r)
		*f_r = f;
	return cell_get(b, f, ev->thread_id);
}

static struct cell *set_light(struct blink *b, const struct oi_ui_event *ev,
			      enum light l)
{
	struct cell *c = ev_cell(b, ev, NULL);
	c->state = l;
	return c;
}

static void release_light(struct blink *b, const struct oi_ui_event *ev)
{
	struct frame *f = frame_find(b, ev->account ? ev->account
						    : CONTROL_ACCOUNT);
	if (!f)
		return;
	for (size_t j = 0; j < f->n_cells; j++) {
		if (f->cells[j].owned && f->cells[j].tid == ev->thread_id) {
			f->cells[j].owned = false;
			f->cells[j].state = L_BLACK;
		}
	}
}

static void set_current(struct blink *b, const struct oi_ui_event *ev,
			const char *folder)
{
	struct frame *f = frame_get(b, ev->account);
	if (f->control)
		return;
	b->current = f;
	if (folder) {
		free(f->folder);
		f->folder = dupstr(folder);
	}
}

/* ------------------------------------------------------------------ */
/* Attributes */

static attr_t light_attr(const struct blink *b, enum light l)
{
	if (!b->colour)
		return A_NORMAL;
	if (l == L_BLACK)
		return COLOR_PAIR(PAIR_BASE);
	return COLOR_PAIR(PAIR_LIGHT0 + l) |
	       (light_styles[l].bold ? A_BOLD : A_NORMAL);
}

static attr_t line_attr(const struct blink *b, const struct logline *ln)
{
	switch (ln->kind) {
	case K_ALERT:
	case K_ERROR:
		return b->colour ? COLOR_PAIR(PAIR_LIGHT0 + L_DELETE) | A_BOLD
				 : A_BOLD;
	case K_WARN:
		return b->colour ? COLOR_PAIR(PAIR_LIGHT0 + L_ADDFLAGS) |
				   A_BOLD : A_BOLD;
	case K_NOTE:
		return b->colour ? COLOR_PAIR(PAIR_BASE) | A_BOLD : A_BOLD;
	default:
		return light_attr(b, (enum light)ln->light);
	}
}

static attr_t bar_attr(const struct blink *b, bool bold)
{
	attr_t a = b->colour ? COLOR_PAIR(PAIR_TITLE) : A_REVERSE;
	return bold ? a | A_BOLD : a;
}

/* ------------------------------------------------------------------ */
/* Drawing */

struct layout {
	int log_top, log_rows;
	int frames_top;
	size_t first_frame;	/* frames before it are hidden */
	int status_row;		/* -1: none */
};

static void compute_layout(const struct blink *b, int h, struct layout *lay)
{
	int avail = h - 1;
	lay->status_row = -1;
	if (h >= 3) {
		lay->status_row = h - 1;
		avail--;
	}
	if (avail < 0)
		avail = 0;
	int nf = (int)b->n_frames;
	/* Account rows first, but the log keeps one row when it can. */
	int fr = avail >= 2 ? avail - 1 : avail;
	if (fr > nf)
		fr = nf;
	int log_rows = avail - fr;
	if (b->loglines > 0 && log_rows > b->loglines)
		log_rows = b->loglines;
	lay->frames_top = 1 + avail - fr;
	lay->log_rows = log_rows;
	lay->log_top = lay->frames_top - log_rows;
	lay->first_frame = (size_t)(nf - fr);
}

static const struct logline *ring_at(const struct blink *b, size_t i)
{
	return &b->ring[(b->ring_start + i) % b->buf_cap];
}

/* The largest scroll-back that still fills the pane from the top. */
static size_t max_scroll(struct blink *b, int rows, int width)
{
	if (rows <= 0 || width <= 0)
		return 0;
	int used = 0;
	size_t k = 0;
	while (k < b->ring_len && used < rows) {
		used += line_rows(b, ring_at(b, k)->text, width);
		k++;
	}
	return b->ring_len - k;
}

static void clamp_scroll(struct blink *b)
{
	if (!b->curses_on) {
		b->scroll = 0;
		return;
	}
	struct layout lay;
	compute_layout(b, LINES, &lay);
	int rows = lay.log_rows - (b->n_pw ? 1 : 0);
	size_t m = max_scroll(b, rows, COLS);
	if (b->scroll > m)
		b->scroll = m;
}

static void prompt_text(const struct blink *b, char *buf, size_t size)
{
	snprintf(buf, size, " *** Please enter password for account %s: ",
		 b->pw[0].repo);
}

static void draw_title(struct blink *b, int w)
{
	char left[128];
	attr_t a = bar_attr(b, true);
	wattrset(stdscr, a);
	mvwhline(stdscr, 0, 0, ' ' | a, w);
	snprintf(left, sizeof(left), "%s %s", b->host->product,
		 b->host->version);
	int used = put_text(b, 0, 0, w, left, a);
	const char *copy = b->host->copyright;
	int cw = (int)strlen(copy);
	/* Right-aligned, ending one column before the right edge. */
	if (used + 2 + cw + 1 <= w)
		put_text(b, 0, w - 1 - cw, cw, copy, a);
}

static void draw_log(struct blink *b, const struct layout *lay, int w)
{
	int rows = lay->log_rows;
	if (rows <= 0)
		return;
	int bottom = lay->log_top + rows - 1;
	if (b->n_pw) {
		char prompt[PASSWORD_MAX];
		prompt_text(b, prompt, sizeof(prompt));
		/* Leave a column for the cursor. */
		put_text(b, bottom, 0, w - 1, prompt,
			 b->colour ? COLOR_PAIR(PAIR_BASE) | A_BOLD : A_BOLD);
		bottom--;
	}
	int row = bottom + 1;
	size_t end = b->ring_len - (b->scroll < b->ring_len ? b->scroll : 0);
	for (size_t i = end; i > 0 && row > lay->log_top; i--) {
		const struct logline *ln = ring_at(b, i - 1);
		int h = line_rows(b, ln->text, w);
		row -= h;
		draw_wrapped(b, ln->text, w, row, lay->log_top, bottom,
			     line_attr(b, ln));
	}
}

static void draw_frame(struct blink *b, const struct frame *f, int row, int w)
{
	char head[64], bracket[16];
	attr_t base = b->colour ? COLOR_PAIR(PAIR_BASE) : A_NORMAL;

	switch (f->state) {
	case F_WAIT:
		snprintf(bracket, sizeof(bracket), "[ wait ]");
		break;
	case F_SLEEP: {
		int m = f->remaining / 60, s = f->remaining % 60;
		if (m > 999)
			m = 999;
		snprintf(bracket, sizeof(bracket), "[%3d:%02d]", m, s);
		break;
	}
	case F_DONE:
		snprintf(bracket, sizeof(bracket), "[ done ]");
		break;
	default:
		snprintf(bracket, sizeof(bracket), "[active]");
		break;
	}
	snprintf(head, sizeof(head), "%c: %s ", f->key ? f->key : ' ',
		 bracket);
	int col = put_text(b, row, 0, w, head, base);
	if (col >= w)
		return;

	/* The name right-aligned in 13 columns and cut to 13. */
	size_t n = to_cells(b, f->name);
	int cols = 0;
	size_t k = fit(b, 0, n, NAME_COLS, &cols);
	int pad = NAME_COLS - cols;
	if (pad > w - col)
		pad = w - col;
	col += pad;
	attr_t name_attr = base;
	if (f->errors)
		name_attr = b->colour ? COLOR_PAIR(PAIR_LIGHT0 + L_DELETE) |
					A_BOLD : A_BOLD | A_UNDERLINE;
	if (col < w && k) {
		int room = w - col;
		size_t kk = fit(b, 0, k, room, &cols);
		wattrset(stdscr, name_attr);
		mvwaddnwstr(stdscr, row, col, b->wc, (int)kk);
		col += cols;
	}
	col += put_text(b, row, col, w - col, ": ", base);

	for (size_t j = 0; j < f->n_cells && col < w; j++, col++) {
		enum light l = f->cells[j].state;
		if (col == w - 1 && j + 1 < f->n_cells) {
			/* More lights than room: say so instead. */
			wattrset(stdscr, base | A_BOLD);
			mvwaddch(stdscr, row, col, '>');
			break;
		}
		if (b->colour) {
			wattrset(stdscr, light_attr(b, l));
			mvwaddch(stdscr, row, col, l == L_BLACK ? ' ' : '.');
		} else {
			wattrset(stdscr, light_styles[l].mono_attr);
			mvwaddch(stdscr, row, col,
				 (chtype)(unsigned char)
				 light_styles[l].mono_glyph);
		}
	}
}

static void key_range(const struct blink *b, char *buf, size_t size)
{
	char first = 0, last = 0;
	for (size_t i = b->n_frames; i > 0; i--) {
		char k = b->frames[i - 1]->key;
		if (!k)
			continue;
		if (!first)
			first = k;
		last = k;
	}
	if (!first)
		snprintf(buf, size, "q quit");
	else if (first == last)
		snprintf(buf, size, "%c sync now  q quit", first);
	else
		snprintf(buf, size, "%c-%c sync now  q quit", first, last);
}

static void draw_status(struct blink *b, const struct layout *lay, int w)
{
	int row = lay->status_row;
	if (row < 0)
		return;
	attr_t a = bar_attr(b, false);
	wattrset(stdscr, a);
	mvwhline(stdscr, row, 0, ' ' | a, w);

	char left[512], right[160];
	const struct frame *f = b->current;
	if (b->quitting)
		snprintf(left, sizeof(left), " Quitting: finishing the "
			 "current step...");
	else if (b->n_pw)
		snprintf(left, sizeof(left), " Password for %s (account %s)%s",
			 b->pw[0].repo, b->pw[0].account,
			 b->n_pw > 1 ? ", more waiting" : "");
	else if (f)
		snprintf(left, sizeof(left), " %s%s%s  copied %lu  deleted "
			 "%lu  flags %lu", f->name, f->folder ? ": " : "",
			 f->folder ? f->folder : "", f->copied, f->deleted,
			 f->flagged);
	else
		snprintf(left, sizeof(left), " Starting");

	if (b->n_pw) {
		snprintf(right, sizeof(right), "Enter send  Esc refuse ");
	} else if (b->scroll) {
		snprintf(right, sizeof(right), "scrolled back %zu  End "
			 "follows ", b->scroll);
	} else {
		char keys[64];
		key_range(b, keys, sizeof(keys));
		snprintf(right, sizeof(right), "%s  PgUp/PgDn scroll ", keys);
	}
	if (lay->first_frame) {
		char more[64];
		snprintf(more, sizeof(more), " (+%zu rows hidden)",
			 lay->first_frame);
		strncat(left, more, sizeof(left) - strlen(left) - 1);
	}
	int used = put_text(b, row, 0, w, left, a);
	int rw = (int)strlen(right);
	if (used + 1 + rw <= w)
		put_text(b, row, w - rw, rw, right, a);
}

/* Draw everything now (under lock, curses on). */
static void draw_now(struct blink *b)
{
	b->dirty = false;
	b->last_draw_ms = now_ms();
	int h = LINES, w = COLS;
	werase(stdscr);
	if (h > 0 && w > 0) {
		struct layout lay;
		compute_layout(b, h, &lay);
		draw_title(b, w);
		draw_log(b, &lay, w);
		for (size_t i = lay.first_frame; i < b->n_frames; i++)
			draw_frame(b, b->frames[i],
				   lay.frames_top + (int)(i - lay.first_frame),
				   w);
		draw_status(b, &lay, w);

		int want = 0;
		if (b->n_pw && w >= 1) {
			/* The cursor after the prompt shows where typing
			 * goes; what is typed is never drawn. */
			char prompt[PASSWORD_MAX];
			prompt_text(b, prompt, sizeof(prompt));
			int row = lay.log_rows > 0
				  ? lay.log_top + lay.log_rows - 1
				  : lay.status_row;
			if (row >= 0) {
				size_t n = to_cells(b, prompt);
				int cols;
				fit(b, 0, n, w - 1, &cols);
				wmove(stdscr, row, cols);
				want = 1;
			}
		}
		if (want != b->cursor_shown) {
			curs_set(want);
			b->cursor_shown = want;
		}
		if (!want)
			wmove(stdscr, h - 1, 0);
	}
	wnoutrefresh(stdscr);
	doupdate();
}

/* Draw soon: at once unless the screen was drawn a moment ago, in which
 * case the keyboard thread does it (bursts of events cost one update). */
static void redraw(struct blink *b)
{
	if (!b->curses_on)
		return;
	if (now_ms() - b->last_draw_ms >= DRAW_MS) {
		draw_now(b);
		return;
	}
	b->dirty = true;
	if (!b->wake_sent && b->wake[1] >= 0 &&
	    write(b->wake[1], "d", 1) == 1)
		b->wake_sent = true;
}

static void redraw_full(struct blink *b)
{
	if (!b->curses_on)
		return;
	clearok(curscr, TRUE);
	clamp_scroll(b);
	draw_now(b);
}

/* ------------------------------------------------------------------ */
/* The log */

static void later_add(struct blink *b, const char *line)
{
	if (b->n_later >= LATER_MAX) {
		b->later_dropped++;
		return;
	}
	b->later = grow(b->later, (b->n_later + 1) * sizeof(*b->later));
	b->later[b->n_later++] = dupstr(line);
}

/* One line: control characters become '?' (a tab a space), and at most
 * LOGLINE_MAX bytes are kept, cut on a character boundary. */
static char *clean_line(const char *s, size_t n)
{
	bool cut = n > LOGLINE_MAX;
	if (cut) {
		n = LOGLINE_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	char *out = zalloc(n + 8);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r')
			continue;
		if (c == '\t')
			c = ' ';
		else if (c < 0x20 || c == 0x7f)
			c = '?';
		out[o++] = (char)c;
	}
	if (cut)
		memcpy(out + o, " [...]", 7);
	else
		out[o] = '\0';
	return out;
}

static void log_line(struct blink *b, const char *s, size_t n,
		     enum light light, enum kind kind)
{
	char *text = clean_line(s, n);
	if (!b->curses_on) {
		/* After shutdown: plainly on the normal terminal. */
		fprintf(stdout, "%s\n", text);
		fflush(stdout);
		free(text);
		return;
	}
	struct logline *ln;
	if (b->ring_len == b->buf_cap) {
		ln = &b->ring[b->ring_start];
		free(ln->text);
		b->ring_start = (b->ring_start + 1) % b->buf_cap;
	} else {
		ln = &b->ring[(b->ring_start + b->ring_len) % b->buf_cap];
		b->ring_len++;
		/* Someone reading back keeps seeing the same lines. */
		if (b->scroll)
			b->scroll++;
	}
	ln->text = text;
	ln->light = (unsigned char)light;
	ln->kind = (unsigned char)kind;
	if (kind == K_WARN || kind == K_ERROR)
		later_add(b, text);
}

/* Add a message, one log line per line of text. */
static void log_msg(struct blink *b, const char *text, enum light light,
		    enum kind kind)
{
	if (!text)
		return;
	const char *p = text;
	for (;;) {
		size_t n = strcspn(p, "\n");
		log_line(b, p, n, light, kind);
		if (!p[n] || !p[n + 1])
			break;
		p += n + 1;
	}
	if (b->scroll)
		clamp_scroll(b);
}

/* The message of an event, in its thread's current colour.  Only what a
 * verbosity-0 UI shows reaches the log (see .verbosity below). */
static void log_event(struct blink *b, const struct oi_ui_event *ev,
		      enum kind kind)
{
	if (ev->level > OI_UI_NORMAL)
		return;
	struct cell *c = ev_cell(b, ev, NULL);
	log_msg(b, ev->text, c->state, kind);
}

/* ------------------------------------------------------------------ */
/* Curses start and stop */

static bool same_handler(const struct sigaction *a, const struct sigaction *b)
{
	if ((a->sa_flags & SA_SIGINFO) != (b->sa_flags & SA_SIGINFO))
		return false;
	if (a->sa_flags & SA_SIGINFO)
		return a->sa_sigaction == b->sa_sigaction;
	return a->sa_handler == b->sa_handler;
}

static void append_cap(char **seq, const char *name)
{
	char *s = tigetstr(name);
	if (!s || s == (char *)-1)
		return;
	size_t old = *seq ? strlen(*seq) : 0;
	*seq = grow(*seq, old + strlen(s) + 1);
	strcpy(*seq + old, s);
}

static void setup_colours(struct blink *b)
{
	const char *no_color = getenv("NO_COLOR");
	b->colour = has_colors() && !(no_color && *no_color);
	if (!b->colour)
		return;
	if (start_color() != OK || COLOR_PAIRS < PAIRS_NEEDED ||
	    COLORS < 8) {
		b->colour = false;
		return;
	}
	b->c256 = COLORS >= 256;
	init_pair(PAIR_BASE, COLOR_WHITE, COLOR_BLACK);
	init_pair(PAIR_TITLE, COLOR_WHITE, COLOR_BLUE);
	for (int l = 0; l < N_LIGHTS; l++)
		init_pair((short)(PAIR_LIGHT0 + l),
			  b->c256 ? light_styles[l].fg256 : light_styles[l].fg8,
			  COLOR_BLACK);
	wbkgdset(stdscr, ' ' | COLOR_PAIR(PAIR_BASE));
}

static int start_curses(struct blink *b, const char **err_r)
{
	struct sigaction tstp_old, tstp_nc;

	b->have_tio = tcgetattr(STDIN_FILENO, &b->shell_tio) == 0;
	for (int i = 0; i < 3; i++)
		sigaction(nc_signals[i], NULL, &b->old_sa[i]);
	sigaction(SIGTSTP, NULL, &tstp_old);

	b->screen = newterm(NULL, stdout, stdin);
	if (!b->screen) {
		*err_r = "curses cannot initialise this terminal";
		return -1;
	}
	set_term(b->screen);
	for (int i = 0; i < 3; i++)
		sigaction(nc_signals[i], NULL, &b->nc_sa[i]);
	/* Ctrl-Z is read as a key and suspends from the keyboard thread,
	 * between screen updates: ncurses' own SIGTSTP handler would redraw
	 * from inside a signal handler while a callback draws. */
	sigaction(SIGTSTP, NULL, &tstp_nc);
	if (!same_handler(&tstp_old, &tstp_nc))
		sigaction(SIGTSTP, &tstp_old, NULL);

	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	meta(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	idlok(stdscr, TRUE);
	scrollok(stdscr, FALSE);
	set_escdelay(25);
	struct termios tio;
	if (tcgetattr(STDIN_FILENO, &tio) == 0) {
		tio.c_cc[VSUSP] = _POSIX_VDISABLE;
		tcsetattr(STDIN_FILENO, TCSANOW, &tio);
	}
	def_prog_mode();
	b->cursor_shown = 1;
	setup_colours(b);

	append_cap(&b->exit_seq, "sgr0");
	append_cap(&b->exit_seq, "cnorm");
	append_cap(&b->exit_seq, "rmcup");
	b->curses_on = true;
	draw_now(b);
	return 0;
}

/* Back to the normal terminal (under lock): last picture drawn, modes
 * restored, alternate screen left, ncurses' signal handlers replaced by
 * what was there before unless someone changed them since; then what
 * should stay visible is printed. */
static void stop_curses(struct blink *b)
{
	if (b->curses_on) {
		draw_now(b);
		curs_set(1);
		endwin();
		delscreen(b->screen);
		b->screen = NULL;
		b->curses_on = false;
		for (int i = 0; i < 3; i++) {
			struct sigaction cur;
			sigaction(nc_signals[i], NULL, &cur);
			if (same_handler(&cur, &b->nc_sa[i]) &&
			    !same_handler(&cur, &b->old_sa[i]))
				sigaction(nc_signals[i], &b->old_sa[i], NULL);
		}
		fflush(stdout);
	}
	for (size_t i = 0; i < b->n_later; i++) {
		fprintf(stdout, "%s\n", b->later[i]);
		free(b->later[i]);
	}
	if (b->later_dropped)
		fprintf(stdout, "(%zu more warning and error lines not "
			"shown)\n", b->later_dropped);
	b->n_later = 0;
	b->later_dropped = 0;
	fflush(stdout);
}

/* Ctrl-Z (under lock): normal terminal, stop, and a fresh screen once
 * continued.  The whole process group stops, as with the terminal's own
 * suspend character: a shell script that started us is part of the job
 * the user's shell resumes with fg.  The group stop reaches this thread
 * asynchronously, so it waits a moment for it instead of redrawing over
 * the shell; where job control does not apply (an orphaned process
 * group) the screen just comes back after that moment. */
static void suspend(struct blink *b)
{
	struct timespec pause = { 0, SUSPEND_WAIT_MS * 1000000L };
	sigset_t tstp, old;
	endwin();
	fflush(stdout);
	/* This thread may take the signal too, in case no other can. */
	sigemptyset(&tstp);
	sigaddset(&tstp, SIGTSTP);
	pthread_sigmask(SIG_UNBLOCK, &tstp, &old);
	kill(0, SIGTSTP);
	while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
		;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	redraw_full(b);
}

/* ------------------------------------------------------------------ */
/* Keyboard thread */

static void act_sync(struct actions *act, const struct frame *f)
{
	if (f->control) {
		act->sync_all = true;
		return;
	}
	act->sync = grow(act->sync, (act->n_sync + 1) * sizeof(*act->sync));
	act->sync[act->n_sync++] = dupstr(f->name);
}

static void act_answer(struct actions *act, unsigned id, const char *pw,
		       const char *reason)
{
	act->answers = grow(act->answers,
			    (act->n_answers + 1) * sizeof(*act->answers));
	struct answer *a = &act->answers[act->n_answers++];
	a->id = id;
	a->password = pw ? dupstr(pw) : NULL;
	a->reason = reason;
}

static void wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
}

static void prompt_start(struct blink *b)
{
	if (!b->n_pw)
		return;
	b->scroll = 0;
	b->pwlen = 0;
	log_msg(b, " *** Input Required", L_PASSWORD, K_NOTE);
}

/* The current request is answered: log the prompt line (never the
 * answer), give the thread its connecting light back, ask the next. */
static void prompt_finish(struct blink *b, bool answered)
{
	char prompt[PASSWORD_MAX];
	prompt_text(b, prompt, sizeof(prompt));
	log_msg(b, prompt, L_PASSWORD, K_NOTE);
	if (!answered)
		log_msg(b, " *** Password entry cancelled", L_PASSWORD,
			K_NOTE);
	struct frame *f = frame_find(b, b->pw[0].account);
	if (f) {
		for (size_t j = 0; j < f->n_cells; j++)
			if (f->cells[j].owned &&
			    f->cells[j].tid == b->pw[0].tid &&
			    f->cells[j].state == L_PASSWORD)
				f->cells[j].state = L_CONNECT;
	}
	free(b->pw[0].account);
	free(b->pw[0].repo);
	memmove(b->pw, b->pw + 1, (b->n_pw - 1) * sizeof(*b->pw));
	b->n_pw--;
	wipe(b->pwbuf, sizeof(b->pwbuf));
	b->pwlen = 0;
	prompt_start(b);
}

static void prompt_key(struct blink *b, int c, struct actions *act)
{
	if (c == '\n' || c == '\r' || c == KEY_ENTER) {
		b->pwbuf[b->pwlen] = '\0';
		act_answer(act, b->pw[0].id, b->pwbuf, NULL);
		prompt_finish(b, true);
	} else if (c == 27) {
		act_answer(act, b->pw[0].id, NULL,
			   "password entry was cancelled at the prompt");
		prompt_finish(b, false);
	} else if (c == KEY_BACKSPACE || c == 127 || c == 8) {
		/* A whole character, not one byte of it. */
		while (b->pwlen > 0 &&
		       ((unsigned char)b->pwbuf[b->pwlen - 1] & 0xc0) == 0x80)
			b->pwlen--;
		if (b->pwlen > 0)
			b->pwlen--;
		wipe(b->pwbuf + b->pwlen, sizeof(b->pwbuf) - b->pwlen);
	} else if (c == 21) {	/* Ctrl-U */
		wipe(b->pwbuf, sizeof(b->pwbuf));
		b->pwlen = 0;
	} else if (c >= 0x20 && c < 0x100 && c != 0x7f) {
		if (b->pwlen + 1 < sizeof(b->pwbuf))
			b->pwbuf[b->pwlen++] = (char)c;
	}
}

static void scroll_by(struct blink *b, long delta)
{
	if (delta < 0 && (size_t)-delta > b->scroll)
		b->scroll = 0;
	else
		b->scroll = (size_t)((long)b->scroll + delta);
	clamp_scroll(b);
}

static void normal_key(struct blink *b, int c, struct actions *act)
{
	struct layout lay;
	compute_layout(b, LINES, &lay);
	long page = lay.log_rows > 2 ? lay.log_rows - 1 : 1;

	switch (c) {
	case KEY_UP:
		scroll_by(b, 1);
		return;
	case KEY_DOWN:
		scroll_by(b, -1);
		return;
	case KEY_PPAGE:
		scroll_by(b, page);
		return;
	case KEY_NPAGE:
		scroll_by(b, -page);
		return;
	case KEY_HOME:
		b->scroll = b->ring_len;
		clamp_scroll(b);
		return;
	case KEY_END:
		b->scroll = 0;
		return;
	case 12:	/* Ctrl-L */
		clearok(curscr, TRUE);
		return;
	case 26:	/* Ctrl-Z */
		suspend(b);
		return;
	case 'q':
		if (!b->quitting) {
			b->quitting = true;
			act->quit = true;
			log_msg(b, "Quit requested: finishing the current "
				"step, then exiting", L_MAIN, K_NOTE);
		}
		return;
	default:
		break;
	}
	if (c <= 0 || c > 0xff)
		return;
	for (size_t i = 0; i < b->n_frames; i++) {
		struct frame *f = b->frames[i];
		if (f->key != (char)c)
			continue;
		if (f->control) {
			log_msg(b, "Sync now requested for every sleeping "
				"account", L_MAIN, K_NOTE);
		} else if (f->state == F_SLEEP) {
			char note[256];
			snprintf(note, sizeof(note), "Sync now requested for "
				 "account %s", f->name);
			log_msg(b, note, L_MAIN, K_NOTE);
		}
		act_sync(act, f);
		return;
	}
}

/* Under lock: every key waiting, and a resize if there was one. */
static void read_keys(struct blink *b, struct actions *act)
{
	for (int i = 0; i < 512; i++) {
		int c = wgetch(stdscr);
		if (c == ERR)
			break;
		if (c == KEY_RESIZE) {
			redraw_full(b);
			b->redraw_at_ms = now_ms() + 1000;
			continue;
		}
		if (b->n_pw)
			prompt_key(b, c, act);
		else
			normal_key(b, c, act);
		b->dirty = true;
	}
}

/* The terminal changed size without ncurses noticing (SIGWINCH blocked
 * everywhere, or LINES/COLUMNS in the environment). */
static void check_size(struct blink *b)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || !ws.ws_row ||
	    !ws.ws_col)
		return;
	if (ws.ws_row == LINES && ws.ws_col == COLS)
		return;
	resizeterm(ws.ws_row, ws.ws_col);
	redraw_full(b);
	b->redraw_at_ms = now_ms() + 1000;
}

static void perform(struct blink *b, struct actions *act)
{
	for (size_t i = 0; i < act->n_answers; i++) {
		struct answer *a = &act->answers[i];
		b->host->answer_password(a->id, a->password, a->reason);
		if (a->password) {
			wipe(a->password, strlen(a->password));
			free(a->password);
		}
	}
	for (size_t i = 0; i < act->n_sync; i++) {
		b->host->request_sync_now(act->sync[i]);
		free(act->sync[i]);
	}
	if (act->sync_all)
		b->host->request_sync_now(NULL);
	if (act->quit)
		b->host->request_quit(0);
	free(act->answers);
	free(act->sync);
	memset(act, 0, sizeof(*act));
}

/* The lock, unless close() wants us gone. */
static bool kbd_lock(struct blink *b)
{
	while (!atomic_load(&b->stop)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (pthread_mutex_timedlock(&b->lock, &ts) == 0)
			return true;
	}
	return false;
}

static void drain(int fd)
{
	char buf[64];
	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/* Reads keys, notices resizes, and draws what callbacks left pending.
 * It sleeps in poll() on the terminal and a pipe that callbacks (a draw
 * is due) and close() (stop) write to. */
static void *kbd_main(void *arg)
{
	struct blink *b = arg;
	struct actions act = { 0 };
	int timeout = IDLE_POLL_MS;

	uselocale(b->loc);
	while (!atomic_load(&b->stop)) {
		struct pollfd fds[2] = {
			{ .fd = b->wake[0], .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = POLLIN },
		};
		nfds_t nfds = b->input_dead ? 1 : 2;
		int r = poll(fds, nfds, timeout);
		if (atomic_load(&b->stop))
			break;
		if (r > 0 && (fds[0].revents & POLLIN))
			drain(b->wake[0]);
		bool hup = r > 0 && nfds == 2 &&
			   (fds[1].revents & (POLLHUP | POLLERR | POLLNVAL)) &&
			   !(fds[1].revents & POLLIN);
		if (!kbd_lock(b))
			break;
		if (!b->curses_on) {
			pthread_mutex_unlock(&b->lock);
			break;
		}
		b->wake_sent = false;
		if (hup)
			b->input_dead = true;
		check_size(b);
		if (!b->input_dead)
			read_keys(b, &act);
		long long now = now_ms();
		timeout = IDLE_POLL_MS;
		if (b->redraw_at_ms && now >= b->redraw_at_ms) {
			b->redraw_at_ms = 0;
			redraw_full(b);
		} else if (b->dirty) {
			long long wait = b->last_draw_ms + DRAW_MS - now;
			if (wait <= 0)
				draw_now(b);
			else
				timeout = (int)wait;
		}
		pthread_mutex_unlock(&b->lock);
		/* Host requests only with the screen lock released. */
		perform(b, &act);
	}
	perform(b, &act);
	return NULL;
}

static void stop_keyboard(struct blink *b)
{
	if (!b->kbd_started)
		return;
	atomic_store(&b->stop, true);
	if (write(b->wake[1], "x", 1) < 0) {
		/* The thread also wakes on its poll timeout. */
	}
	pthread_join(b->kbd, NULL);
	b->kbd_started = false;
}

static int start_keyboard(struct blink *b)
{
	if (pipe2(b->wake, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	/* The thread gets no asynchronous signal but SIGWINCH (for the
	 * resize flag): the core's signal handling keeps working. */
	sigset_t all, old;
	sigfillset(&all);
	sigdelset(&all, SIGWINCH);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGABRT);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int e = pthread_create(&b->kbd, NULL, kbd_main, b);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		close(b->wake[0]);
		close(b->wake[1]);
		b->wake[0] = b->wake[1] = -1;
		return -1;
	}
	b->kbd_started = true;
	return 0;
}

/* ------------------------------------------------------------------ */
/* open, close */

static int config_int(const struct oi_ui_host *host, const char *option,
		      int dflt, int min, int max)
{
	const char *v = host->config_get(option);
	if (!v)
		return dflt;
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	if (errno || end == v || *end || n < min)
		return dflt;
	return n > max ? max : (int)n;
}

static void free_blink(struct blink *b)
{
	for (size_t i = 0; i < b->ring_len; i++)
		free(b->ring[(b->ring_start + i) % b->buf_cap].text);
	free(b->ring);
	for (size_t i = 0; i < b->n_frames; i++) {
		free(b->frames[i]->name);
		free(b->frames[i]->cells);
		free(b->frames[i]->folder);
		free(b->frames[i]);
	}
	free(b->frames);
	for (size_t i = 0; i < b->n_pw; i++) {
		free(b->pw[i].account);
		free(b->pw[i].repo);
	}
	free(b->pw);
	for (size_t i = 0; i < b->n_later; i++)
		free(b->later[i]);
	free(b->later);
	free(b->exit_seq);
	wipe(b->pwbuf, sizeof(b->pwbuf));
	if (b->wake[0] >= 0)
		close(b->wake[0]);
	if (b->wake[1] >= 0)
		close(b->wake[1]);
	if (b->loc)
		freelocale(b->loc);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

static int bl_open(const struct oi_ui_host *host, void **ctx_r,
		   const char **err_r)
{
	struct blink *b = zalloc(sizeof(*b));
	b->host = host;
	b->wake[0] = b->wake[1] = -1;
	pthread_mutex_init(&b->lock, NULL);
	b->loc = newlocale(LC_CTYPE_MASK, "", (locale_t)0);
	if (!b->loc)
		b->loc = newlocale(LC_CTYPE_MASK, "C", (locale_t)0);
	if (!b->loc) {
		free_blink(b);
		*err_r = "cannot set up the character set";
		return -1;
	}
	b->loglines = config_int(host, "loglines", 0, 1, 10000);
	b->buf_cap = (size_t)config_int(host, "bufferlines",
					BUFFERLINES_DEFAULT, 1,
					BUFFERLINES_MAX);
	if (b->loglines > 0 && b->buf_cap < (size_t)b->loglines)
		b->buf_cap = (size_t)b->loglines;
	b->ring = zalloc(b->buf_cap * sizeof(*b->ring));

	/* Every row from the start, so hotkeys never move under the
	 * user's fingers. */
	frame_get(b, CONTROL_ACCOUNT);
	for (const char *const *a = host->accounts(); *a; a++)
		frame_get(b, *a);

	locale_t prev = enter(b);
	int rc = start_curses(b, err_r);
	leave(b, prev);
	if (rc < 0) {
		free_blink(b);
		return -1;
	}
	if (start_keyboard(b) < 0) {
		prev = enter(b);
		stop_curses(b);
		leave(b, prev);
		free_blink(b);
		*err_r = "cannot start the keyboard thread";
		return -1;
	}
	*ctx_r = b;
	return 0;
}

/* Restore the terminal without curses and without the lock: a callback
 * is stuck drawing (a terminal stopped with Ctrl-S, say). */
static void emergency_restore(struct blink *b)
{
	if (b->have_tio)
		tcsetattr(STDIN_FILENO, TCSANOW, &b->shell_tio);
	int fd = open("/dev/tty", O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0 && b->exit_seq) {
		if (write(fd, b->exit_seq, strlen(b->exit_seq)) < 0) {
			/* Nothing more can be done for this terminal. */
		}
	}
	if (fd >= 0)
		close(fd);
}

static void bl_close(void *ctx)
{
	struct blink *b = ctx;
	stop_keyboard(b);

	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += LOCK_WAIT_MS / 1000;
	if (pthread_mutex_timedlock(&b->lock, &ts) != 0) {
		/* The context stays allocated: the stuck callback uses it. */
		emergency_restore(b);
		return;
	}
	locale_t prev = uselocale(b->loc);
	/* Nobody will answer these any more. */
	struct actions act = { 0 };
	for (size_t i = 0; i < b->n_pw; i++)
		act_answer(&act, b->pw[i].id, NULL,
			   "the user interface was closed");
	stop_curses(b);
	uselocale(prev);
	pthread_mutex_unlock(&b->lock);
	perform(b, &act);
	free_blink(b);
}

/* ------------------------------------------------------------------ */
/* Event callbacks */

static void cb_text(void *ctx, const struct oi_ui_event *ev)
{
	struct blink *b = ctx;
	locale_t prev = enter(b);
	log_event(b, ev, K_PLAIN);
	redraw(b);
	leave(b, prev);
}

static void cb_banner(void *ctx, const struct oi_ui_event *ev)
{
	struct blink *b = ctx;
	locale_t prev = enter(b);
	set_light(b, ev, L_MAIN);
	log_event(b, ev, K_PLAIN);
	redraw(b);
	leave(b, prev);
}

static void cb_warn(void *ctx, const struct oi_ui_event *ev)
{
	struct blink *b = ctx;
	locale_t prev = enter(b);
	log_event(b, ev, ev->status == 1 ? K_MINOR : K_WARN);
	redraw(b);
	leave(b, prev);
}

static void cb_error(void *ctx, const struct oi_ui_event *ev)
{
	struct blink *b = ctx;
	locale_t prev = enter(b);
	struct frame *f;
	ev_cell(b, ev, &f);
	f->errors++;
	log_event(b, ev, K_ERROR);
	redraw(b);
	leave(b, prev);
}

static void cb_register(void *ctx, const struct oi_ui_event *ev)
{
	struct blink *b = ctx;
	locale_t prev = enter(b);
	set_light(b, ev, L_BLACK);
	redraw(b);
	leave(b, prev);
}

static void cb_exited(void *ctx, const struct oi_ui_event *ev)
{
	struct blink *b = ctx;
	locale_t prev = enter(b);
	release_light(b, ev);
	redraw(b);
	leave(b, prev);
}

/* Returns at once: the keyboard thread reads the answer and hands it to
 * the host, which waits for it without holding the callback lock. */
static void cb_getpass(void *ctx, const struct oi_ui_event *ev,
		       unsigned request)
{
	struct blink *b = ctx;
	locale_t prev = enter(b);
	const char *repo = ev->folder ? ev->folder : "?";
	if (!b->curses_on || !b->kbd_started) {
		leave(b, prev);
		b->host->answer_password(request, NULL,
					 "the terminal screen is closed");
		return;
	}
	set_light(b, ev, L_PASSWORD);
	if (ev->title) {
		size_t n = strlen(repo) + strlen(ev->title) + 3;
		char *line = zalloc(n);
		snprintf(line, n, "%s: %s", repo, ev->title);
		log_msg(b, line, L_PASSWORD, K_ALERT);
		free(line);
	}
	b->pw = grow(b->pw, (b->n_pw + 1) * sizeof(*b->pw));
	b->pw[b->n_pw++] = (struct pwreq){
		.id = request,
		.tid = ev->thread_id,
		.account = dupstr(ev->account ? ev->account : CONTROL_ACCOUNT),
		.repo = dupstr(repo),
	};
	if (b->n_pw == 1)
		prompt_start(b);
	draw_now(b);
	leave(b, prev);
}

static void cb_connecting(void *ctx, const struct oi_ui_event *ev)
{
	struct blink *b = ctx;
	locale_t prev = enter(b);
	set_light(b, ev, L_CONNECT);
	log_event(b, ev, K_PLAIN);
	redraw(b);
	leave(b, prev);
}

static void cb_acct(void *ctx, const struct oi_ui_event *ev)
{
	struct blink *b = ctx;
	locale_t prev = enter(b);
	struct frame *f;
	ev_cell(b, ev, &f)->state = L_ACCOUNT;
	f->state = F_ACTIVE;
	f->copied = f->deleted = f->flagged = 0;
	f->errors = 0;
	set_current(b, ev, NULL);
	log_event(b, ev, K_PLAIN);
	redraw(b);
	leave(b, prev);
}

static void cb_acctdone(void *ctx, const struct oi_ui_event *ev)
{
	struct blink *b = ctx;
	locale_t prev = enter(b);
	struct frame *f;
	ev_cell(b, ev, &f);
	if (!f->control)
		f->state = F_DONE;
	log_event(b, ev, K_PLAIN);
	redraw(b);
	leave(b, prev);
}

/* Start of a cycle: the status line counts from here. */
static void cb_syncfolders(void *ctx, const struct oi_ui_event *ev)
{
	struct blink *b = ctx;
	locale_t prev = enter(b);
	struct frame *f;
	ev_cell(b, ev, &f)->state = L_SYNC;
	if (!f->control)
		f->state = F_ACTIVE;
	f->copied = f->deleted = f->flagged = 0;
	f->errors = 0;
	set_current(b, ev, NULL);
	log_event(b, ev, K_PLAIN);
	redraw(b);
	leave(b, prev);
}

static void cb_syncingfolder(void *ctx, const struct oi_ui_event *ev)
{
	struct blink *b = ctx;
	locale_t prev = enter(b);
	set_light(b, ev, L_FOLDER);
	set_current(b, ev, ev->folder);
	log_event(b, ev, K_PLAIN);
	redraw(b);
	leave(b, prev);
}

static void cb_validity(void *ctx, const struct oi_ui_event *ev)
{
	struct blink *b = ctx;
	locale_t prev = enter(b);
	log_event(b, ev, K_WARN);
	redraw(b);
	leave(b, prev);
}

/* Green, and SPEC 7.6's "Scanning folder" line, shown whatever the
 * verbosity. */
static void cb_loadmessagelist(void *ctx, const struct oi_ui_event *ev)
{
	struct blink *b = ctx;
	locale_t prev = enter(b);
	set_light(b, ev, L_LIST);
	set_current(b, ev, ev->folder);
	size_t n = strlen(ev->src_type ? ev->src_type : "") +
		   strlen(ev->folder ? ev->folder : "") + 32;
	char *line = zalloc(n);
	snprintf(line, n, "Scanning folder [%s/%s]",
		 ev->src_type ? ev->src_type : "?",
		 ev->folder ? ev->folder : "?");
	log_msg(b, line, L_LIST, K_PLAIN);
	free(line);
	redraw(b);
	leave(b, prev);
}

static void cb_syncingmessages(void *ctx, const struct oi_ui_event *ev)
{
	struct blink *b = ctx;
	locale_t prev = enter(b);
	set_light(b, ev, L_SYNC);
	log_event(b, ev, K_PLAIN);
	redraw(b);
	leave(b, prev);
}

/* Orange; fuchsia for a "fake" message, one that has no server UID yet
 * (a negative UID, as for a new local message). */
static void cb_copying(void *ctx, const struct oi_ui_event *ev)
{
	struct blink *b = ctx;
	locale_t prev = enter(b);
	struct frame *f;
	ev_cell(b, ev, &f)->state = ev->uid > 0 ? L_COPY : L_FAKE;
	f->copied++;
	set_current(b, ev, ev->folder);
	log_event(b, ev, K_PLAIN);
	redraw(b);
	leave(b, prev);
}

/* A deletion or flag change: the thread's light takes `state`, and the
 * account's deletion or flag counter grows by the event's count. */
static void count_event(void *ctx, const struct oi_ui_event *ev,
			enum light state, bool deletion)
{
	struct blink *b = ctx;
	locale_t prev = enter(b);
	struct frame *f;
	ev_cell(b, ev, &f)->state = state;
	if (deletion)
		f->deleted += ev->count;
	else
		f->flagged += ev->count;
	log_event(b, ev, K_PLAIN);
	redraw(b);
	leave(b, prev);
}

static void cb_deleting(void *ctx, const struct oi_ui_event *ev)
{
	count_event(ctx, ev, L_DELETE, true);
}

static void cb_addingflags(void *ctx, const struct oi_ui_event *ev)
{
	count_event(ctx, ev, L_ADDFLAGS, false);
}

static void cb_deletingflags(void *ctx, const struct oi_ui_event *ev)
{
	count_event(ctx, ev, L_DELFLAGS, false);
}

/* The countdown starts: red light, "Next sync in M:SS". */
static void cb_sleep(void *ctx, const struct oi_ui_event *ev)
{
	struct blink *b = ctx;
	locale_t prev = enter(b);
	struct frame *f;
	ev_cell(b, ev, &f)->state = L_SLEEP;
	f->state = F_SLEEP;
	f->remaining = ev->seconds;
	char line[64];
	snprintf(line, sizeof(line), "Next sync in %d:%02d",
		 ev->seconds / 60, ev->seconds % 60);
	log_msg(b, line, L_SLEEP, K_PLAIN);
	redraw(b);
	leave(b, prev);
}

/* Each second: the light blinks red/black and the bracket counts down;
 * at 0 the light goes black and the account is active again. */
static void cb_sleeping(void *ctx, const struct oi_ui_event *ev)
{
	struct blink *b = ctx;
	locale_t prev = enter(b);
	struct frame *f;
	struct cell *c = ev_cell(b, ev, &f);
	if (ev->seconds > 0) {
		c->state = c->state == L_SLEEP ? L_BLACK : L_SLEEP;
		f->state = F_SLEEP;
		f->remaining = ev->seconds;
	} else {
		c->state = L_BLACK;
		if (f->state == F_SLEEP)
			f->state = F_ACTIVE;
		f->remaining = 0;
	}
	redraw(b);
	leave(b, prev);
}

/* Reports go to the log and are printed again once the terminal is
 * restored, where they can be read and copied. */
static void cb_report(void *ctx, const struct oi_ui_event *ev)
{
	struct blink *b = ctx;
	locale_t prev = enter(b);
	struct frame *f;
	ev_cell(b, ev, &f);
	f->errors++;
	log_msg(b, ev->text, L_DELETE, K_ERROR);
	redraw(b);
	leave(b, prev);
}

/* The end: back to the normal terminal first (SPEC 7.6), then the
 * warnings, errors and reports of the run, then the error text. */
static void cb_terminate(void *ctx, const struct oi_ui_event *ev)
{
	struct blink *b = ctx;
	stop_keyboard(b);
	locale_t prev = enter(b);
	stop_curses(b);
	leave(b, prev);
	if (!ev->text)
		return;
	if (ev->title)
		fprintf(stderr, "ERROR: %s\n\n%s\n", ev->title, ev->text);
	else
		fprintf(stderr, "%s\n", ev->text);
}

/* Verbosity 1 so that the verbose-level events (loading a message list,
 * the message-sync controller) still reach us and turn their lights
 * green and blue; log_event() shows only what verbosity 0 would. */
OI_UI_EXPORT const struct oi_ui_plugin oi_ui_plugin = {
	.abi_version = OI_UI_ABI_VERSION,
	.name = "Curses.Blinkenlights",
	.verbosity = OI_UI_VERBOSE,

	.isusable = bl_isusable,
	.open = bl_open,
	.close = bl_close,

	.init_banner = cb_banner,
	.debugging = cb_text,
	.invaliddebug = cb_warn,
	.debug = cb_text,
	.warn = cb_warn,
	.error = cb_error,
	.info = cb_text,
	.registerthread = cb_register,
	.unregisterthread = cb_exited,
	.getpass = cb_getpass,
	.connecting = cb_connecting,
	.acct = cb_acct,
	.acctdone = cb_acctdone,
	.syncfolders = cb_syncfolders,
	.syncingfolder = cb_syncingfolder,
	.validityproblem = cb_validity,
	.loadmessagelist = cb_loadmessagelist,
	.messagelistloaded = NULL,
	.syncingmessages = cb_syncingmessages,
	.copyingmessage = cb_copying,
	.deletingmessages = cb_deleting,
	.addingflags = cb_addingflags,
	.deletingflags = cb_deletingflags,
	.msgtoreadonly = cb_validity,
	.flagstoreadonly = cb_validity,
	.deletereadonly = cb_validity,
	.sleep = cb_sleep,
	.sleeping = cb_sleeping,
	.threadexited = cb_exited,
	.threadexception = cb_report,
	.mainexception = cb_report,
	.terminate = cb_terminate,
};
