/*
 * tool.c: what the tools share above the library (tool.h): messages, exits, input
 * streams, stdout, and the record getters. It calls the library below it (util,
 * stream, stft, audio); nothing in libcommon calls it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "stream.h"
#include "stft.h"
#include "audio.h"
#include "text.h"
#include "outpath.h"
#include "tool.h"

/* ---------------------------------------------------------------- messages */

#ifndef DC_ASAN
/* quick_exit_: the last exit handler (registered first): stdio flushed, then
 * _exit, skipping the libraries' destructors. OpenBLAS's joins its idle thread,
 * which under a memory limit spins for ever trying to map its buffer: the tool
 * was done, and hung at exit. (Not under the sanitizers: LeakSanitizer checks
 * in a handler that runs after this one.) */
static void
quick_exit_(int status, void *arg)
{
	(void)arg;
	fflush(NULL);
	_exit(status);
}
#endif

void
dc_setprog(const char *argv0)
{
	int fd;

#ifndef DC_ASAN
	on_exit(quick_exit_, NULL);
#endif
	dc_prog_set(dc_path_base(argv0));
	/* a standard stream that is closed gets /dev/null, before any file is opened:
	 * else the next file opened takes its number, and what goes to that stream
	 * (stderr's messages, stdout's stream) would go into that file. Opened for
	 * reading only: a write to stdout still fails (EBADF), as on a closed one,
	 * so output that goes nowhere is an error, not silently lost */
	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
			if (open("/dev/null", O_RDONLY) != fd) {
				static const char m[] = "dcsep: cannot open /dev/null for a closed "
				    "standard stream\n";
				if (write(2, m, sizeof m - 1) < 0)
					_exit(2);
				_exit(2);
			}
		}
	/* a reader that goes away ends the tool quietly, as it ends any filter, even
	 * if the tool was started with SIGPIPE ignored (some shells and job runners
	 * do that): no "Broken pipe" message, whatever started it */
	signal(SIGPIPE, SIG_DFL);
#ifdef __GLIBC__
	/* a tool handles utterance after utterance of buffers of the same sizes: keep
	 * them in the heap, where the next utterance finds them already in memory,
	 * instead of mapping each afresh (every first touch of a page costs a fault) */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
	/* a tool stopped by SIGINT, SIGTERM or SIGHUP leaves no temporary file */
	dc_tmp_signals();
}

/* esc_width: the bytes dc_esc makes of byte c: 1, or 2 to 4 for an escape */
static size_t
esc_width(unsigned char c)
{
	char b[2] = { (char)c, '\0' }, e[8];

	return strlen(dc_esc(b, 0, e, sizeof e));
}

/*
 * vwarn: "prog: " and the message, its control bytes escaped (dc_esc): a name
 * from the input never puts a raw escape sequence or a second line on the
 * terminal. A message over MSGMAX bytes, escaped (a path near PATH_MAX and its
 * error), keeps MSGMAX / 2 bytes of each end with "..." between, so that the
 * reason at its end is still read; the cuts split no escape and no UTF-8
 * character. Without the memory to format it whole, its first 4095 bytes.
 */
#define MSGMAX 4096
static volatile sig_atomic_t progress_shown;   /* a dc_progress line is on the terminal */

/* err_tty: whether stderr is a terminal, asked once */
static int
err_tty(void)
{
	static int tty = -1;

	if (tty < 0)
		tty = isatty(STDERR_FILENO);
	return tty;
}

static void
vwarn(const char *fmt, va_list ap)
{
	char small[MSGMAX], out[MSGMAX + 4], *msg = small, *a, *b;
	size_t n, h, t, w, len;
	va_list aq;
	int r;

	va_copy(aq, ap);
	if ((r = vsnprintf(small, sizeof small, fmt, ap)) < 0)
		snprintf(small, sizeof small, "(a message that could not be formatted: %s)", fmt);
	if (r >= (int)sizeof small && (msg = malloc((size_t)r + 1)) != NULL)
		vsnprintf(msg, (size_t)r + 1, fmt, aq);
	va_end(aq);
	if (msg == NULL)
		msg = small;
	/* on a terminal the line starts clean: this tool's progress line is wiped, and
	 * so is another's, that of a stage before it in the pipeline, which the
	 * message would otherwise follow on the same line */
	if (err_tty()) {
		fputs("\r\033[K", stderr);
		progress_shown = 0;
	}
	len = strlen(msg);
	for (n = h = 0; h < len && n <= MSGMAX; h++)
		n += esc_width((unsigned char)msg[h]);
	if (n <= MSGMAX || (a = malloc(4 * len + 2)) == NULL) {
		fprintf(stderr, "%s: %s\n", dc_prog(), dc_esc(msg, 0, out, sizeof out));
	} else {
		b = a + 2 * len + 1;
		for (n = h = 0; (w = esc_width((unsigned char)msg[h])) + n <= MSGMAX / 2; h++)
			n += w;
		/* a UTF-8 character is 4 bytes at most: bytes that are no UTF-8 (a run
		 * of continuation bytes) move a cut no further */
		for (w = 0; w < 3 && h > 0 && ((unsigned char)msg[h] & 0xc0) == 0x80; w++)
			h--;
		for (n = 0, t = len; (w = esc_width((unsigned char)msg[t - 1])) + n <= MSGMAX / 2; t--)
			n += w;
		for (w = 0; w < 3 && t < len && ((unsigned char)msg[t] & 0xc0) == 0x80; w++)
			t++;
		msg[h] = '\0';         /* the head escaped into a, the tail into b */
		dc_esc(msg, 0, a, 2 * len + 1);
		dc_esc(msg + t, 0, b, 2 * len + 1);
		fprintf(stderr, "%s: %s...%s\n", dc_prog(), a, b);
		free(a);
	}
	if (msg != small)
		free(msg);
}

void
dc_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

double
dc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* progress_wipe: the progress line wiped where no stdio may be used: before the
 * out-of-memory line, and on SIGPIPE (dc_setprog made it fatal and quiet: a
 * reader gone away would leave the line for the shell's prompt to follow) */
static void
progress_wipe(void)
{
	if (progress_shown && write(STDERR_FILENO, "\r\033[K", 4) == 4)
		progress_shown = 0;
}

static void
progress_pipe(int sig)
{
	progress_wipe();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* progress_guard: before the first line, where SIGPIPE is still the default
 * (not where a program using the library chose otherwise) */
static void
progress_guard(void)
{
	struct sigaction sa, old;

	dc_before_oom(progress_wipe);
	if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL) {
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = progress_pipe;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGPIPE, &sa, NULL);
	}
}

/* vprogress: dc_progress's line, throttled (at most 4 a second) or not */
static void
vprogress(int throttle, const char *fmt, va_list ap)
{
	static double first, last;
	char msg[512], out[1024];
	struct winsize ws;
	size_t i, w, cols;
	double t;

	if (!err_tty())
		return;
	t = dc_now();
	if (first == 0)
		first = t;
	if (t - first < DC_PROGRESS_AFTER || (throttle && progress_shown && t - last < 0.25))
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	dc_esc(msg, 0, out, sizeof out);
	/* within the terminal's width: a line that wraps cannot be rewritten */
	cols = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
	cols = cols > strlen(dc_prog()) + 3 ? cols - strlen(dc_prog()) - 3 : 1;
	for (i = w = 0; out[i]; i++)
		if (((unsigned char)out[i] & 0xc0) != 0x80 && ++w > cols)
			break;
	out[i] = '\0';
	if (!progress_shown)
		progress_guard();
	fprintf(stderr, "\r%s: %s\033[K", dc_prog(), out);
	fflush(stderr);
	progress_shown = 1;
	last = t;
}

void
dc_progress(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprogress(1, fmt, ap);
	va_end(ap);
}

void
dc_progress_now(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprogress(0, fmt, ap);
	va_end(ap);
}

void
dc_progress_end(void)
{
	if (progress_shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		progress_shown = 0;
	}
}

static void (*errx_hook)(void);

void
dc_errx_hook(void (*fn)(void))
{
	errx_hook = fn;
}

void
dc_errx(int code, const char *fmt, ...)
{
	void (*fn)(void) = errx_hook;
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	errx_hook = NULL;
	if (fn)
		fn();
	exit(code);
}

void
dc_usage_exit(const char *usage)
{
	/* the program's name without what a rank of dc-train-mpi adds (": rank 1") */
	fprintf(stderr, "usage: %.*s %s\n", (int)strcspn(dc_prog(), ":"), dc_prog(), usage);
	exit(2);
}

/* long_option: --help and --version, as most tools take them; any other word of
 * two dashes is refused by its name (getopt would call it "invalid option -- '-'") */
static void
long_option(const char *arg, const char *usage, void (*help)(void))
{
	char q[256];

	if (strcmp(arg, "--help") == 0)
		help();
	else if (strcmp(arg, "--version") == 0)
		printf("%s (dcsep) %s\n", dc_prog(), DC_VERSION);
	else {
		fprintf(stderr, "%s: %s: unknown option (options are single letters: -h lists "
		    "them)\n", dc_prog(), dc_esc(arg, 0, q, sizeof q));
		dc_usage_exit(usage);
	}
	dc_finish_stdout();     /* output that was not written is an error */
	exit(0);
}

int
dc_getopt(int argc, char **argv, const char *optstring, const char *usage, void (*help)(void))
{
	static const char *last_arg;    /* the last option's argument */
	int c;

	/* where getopt would begin a word of two dashes and more: an option's argument
	 * (-i --help) was taken with its option, and a word in the middle of a cluster
	 * (-ab) begins with one dash and a letter, so this is where an option stands */
	if (optind >= 1 && optind < argc && argv[optind][0] == '-' && argv[optind][1] == '-' &&
	    argv[optind][2] != '\0')
		long_option(argv[optind], usage, help);
	/* getopt's own message names the tool by argv[0] as typed ("./build/bin/dc-mask")
	 * and writes the option's byte raw: this one names it as every other message does */
	opterr = 0;
	c = getopt(argc, argv, optstring);
	if (c == 'h')
		long_option("--help", usage, help);
	if (c == '?' || c == ':') {
		int o = (unsigned char)optopt;
		const char *what = o != ':' && o != 0 && strchr(optstring, o) ?
		    "option requires an argument" : "invalid option";

		if (o > ' ' && o < 0x7f)
			fprintf(stderr, "%s: %s -- '%c'\n", dc_prog(), what, o);
		else
			fprintf(stderr, "%s: %s -- '\\x%02x'\n", dc_prog(), what, o);
		dc_usage_exit(usage);
	}
	/* options come first (POSIX getopt stops at the first operand): an option
	 * after a file name would be taken for a file, the run half done without it.
	 * A "--" that ended the options is no option's argument (-u --) */
	if (c != -1 && c != '?' && c != ':')
		last_arg = optarg;
	if (c == -1 && !(optind > 1 && strcmp(argv[optind - 1], "--") == 0 &&
	    argv[optind - 1] != last_arg)) {
		int i;

		for (i = optind; i < argc; i++)
			if (argv[i][0] == '-' && argv[i][1] != '\0') {
				char q[256];

				fprintf(stderr, "%s: %s: an option after the operands: options come "
				    "first (-- before a file whose name starts with -)\n", dc_prog(),
				    dc_esc(argv[i], 0, q, sizeof q));
				dc_usage_exit(usage);
			}
	}
	return c;
}

/* ---------------------------------------------------------------- streams */

const char *
dc_arg_path(int argc, char **argv, const char *usage)
{
	if (argc - optind > 1) {
		fprintf(stderr, "%s: one stream file at most, not %d (streams join end to end: "
		    "cat a.dcs b.dcs | %s)\n", dc_prog(), argc - optind, dc_prog());
		dc_usage_exit(usage);
	}
	return argc > optind ? argv[optind] : NULL;
}

/* open_in: stdin for "-" or NULL (exits 2 if it is a terminal: a stream is
 * never typed, and the tool would wait without a word), else fopen(path, "rb");
 * NULL + errno on failure. */
static FILE *
open_in(const char *path)
{
	if (path == NULL || strcmp(path, "-") == 0) {
		dc_stdin_not_tty();
		return stdin;
	}
	return fopen(path, "rb");
}

/* stages_to: the pipeline from an audio file to the tool prog, for the message
 * of a tool given audio where a stream is read */
static const char *
stages_to(const char *prog)
{
	static const char *const chain[][2] = {
		{ "dc-kmeans", "dc-stft FILE | dc-embed | dc-kmeans" },
		{ "dc-mask", "dc-stft FILE | dc-embed | dc-kmeans | dc-mask" },
		{ "dc-istft", "dc-stft FILE | dc-embed | dc-kmeans | dc-mask | dc-istft" },
		{ "dc-train", "dc-stft FILE | dc-oracle S1 S2 | dc-train" },
		{ "dc-train-mpi", "dc-stft FILE | dc-oracle S1 S2 | dc-train-mpi" },
		{ "dc-embed", "dc-stft FILE | dc-embed" },
		{ "dc-oracle", "dc-stft FILE | dc-oracle S1 S2" },
	};
	static char any[64];
	size_t i;

	for (i = 0; i < sizeof chain / sizeof *chain; i++)
		if (strcmp(prog, chain[i][0]) == 0)
			return chain[i][1];
	snprintf(any, sizeof any, "dc-stft FILE | %s", prog);
	return any;
}

void
dc_stream_fail(const char *what, dc_reader *rd, int err)
{
	if (err == DC_EIO)
		dc_errx(1, "%s: %s", what, strerror(errno));
	if (rd && err == DC_EORDER)     /* the record was read whole: it is the last one */
		dc_errx(1, "%s: %s (record %llu, byte %llu)", what, dc_strerror(err),
		    (unsigned long long)dc_reader_count(rd),
		    (unsigned long long)dc_reader_record_offset(rd));
	if (rd && err == DC_EVERSION && dc_reader_version(rd) >= 0)
		dc_errx(1, "%s: stream version %lld; this dcsep reads versions 1 and %d (record %llu, "
		    "byte %llu)", what, (long long)dc_reader_version(rd), DC_STREAM_VERSION,
		    (unsigned long long)dc_reader_count(rd),
		    (unsigned long long)dc_reader_record_offset(rd));
	if (rd && (err == DC_ETRUNC || err == DC_EMALFORMED || err == DC_ENOTREC ||
	    err == DC_EDUPKEY || err == DC_EELEMS))
		dc_errx(1, "%s: %s (record %llu, byte %llu)", what, dc_strerror(err),
		    (unsigned long long)dc_reader_count(rd) + 1,
		    (unsigned long long)dc_reader_offset(rd));
	if (rd && (err == DC_EBLOCK || err == DC_EBLOCKED))
		dc_errx(1, "%s: %s", what, dc_reader_detail(rd));
	if (rd && err == DC_ENOHEADER && *dc_reader_detail(rd))
		dc_errx(1, "%s: %s audio, not a stream (dc-stft makes one of it: %s)", what,
		    dc_reader_detail(rd), stages_to(dc_prog()));
	dc_errx(1, "%s: %s", what, dc_strerror(err));
}

/* is_model: whether the file at path begins as a model file does
 * (formats/model.md: a map of 8 or 9 keys, "magic" first, "dcsep-model") */
static int
is_model(const char *path)
{
	static const unsigned char head[] = "\xa5magic\xab" "dcsep-model";
	unsigned char b[sizeof head];
	FILE *f;
	size_t n;

	if (path == NULL || strcmp(path, "-") == 0 || (f = fopen(path, "rb")) == NULL)
		return 0;
	n = fread(b, 1, sizeof head, f);
	fclose(f);
	return n == sizeof head && (b[0] == 0x88 || b[0] == 0x89) &&
	    memcmp(b + 1, head, sizeof head - 1) == 0;
}

const char *
dc_model_errmsg(const char *path, int err)
{
	static const unsigned char head[] = "\xa4kind\xa5" "dcsep";
	unsigned char b[sizeof head];
	FILE *f;
	size_t n;

	/* a stream's header: a map, "kind" first, "dcsep" (formats/stream.md) */
	if (err == DC_EMODEL && path != NULL && strcmp(path, "-") != 0 &&
	    (f = fopen(path, "rb")) != NULL) {
		n = fread(b, 1, sizeof head, f);
		fclose(f);
		if (n == sizeof head && (b[0] & 0xf0) == 0x80 && memcmp(b + 1, head, sizeof head - 1) == 0)
			return "a stream, not a model (dc-dump shows it; dc-embed -m takes a model, "
			    "models/default.dcm)";
	}
	return dc_errmsg(err);
}

dc_reader *
dc_open_stream(const char *path, dc_record *hdr, const char **name)
{
	dc_reader *rd;
	FILE *in;
	int err;

	*name = dc_path_name(path);
	if ((in = open_in(path)) == NULL)
		dc_errx(1, "%s: %s", *name, strerror(errno));
	rd = dc_reader_file(in);
	dc_reader_own_file(rd);
	if ((err = dc_read_header(rd, hdr)) != DC_OK) {
		if (err == DC_ENOHEADER && is_model(path))
			dc_errx(1, "%s: a model file, not a stream (dc-dump -M shows it, dc-embed -m "
			    "uses it)", *name);
		dc_stream_fail(*name, rd, err);
	}
	return rd;
}

void
dc_writer_finish(dc_writer *w)
{
	int err = dc_writer_close(w);

	if (err == DC_EIO)
		dc_errx(1, "stdout: %s", strerror(errno));
	if (err != DC_OK)
		dc_errx(1, "stdout: %s", dc_strerror(err));
	dc_finish_stdout();
}

void
dc_pattern_dir(const char *pat)
{
	const char *sl = strrchr(pat, '/');
	struct stat st;
	char *dir;

	/* a directory named by %u or %k is known only per utterance */
	if (sl == NULL || memchr(pat, '%', (size_t)(sl - pat)) != NULL)
		return;
	dir = dc_xmalloc((size_t)(sl - pat) + 2);
	memcpy(dir, pat, (size_t)(sl - pat) + 1);
	dir[sl - pat + 1] = '\0';
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		char q[256];
		int e = errno;

		dc_errx(1, "%s: %s" DC_NO_DIRS, dc_esc(dir, 0, q, sizeof q),
		    strerror(stat(dir, &st) == 0 ? ENOTDIR : e));
	}
	free(dir);
}

void
dc_stdin_audio_not_tty(char *const *paths, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (paths[i] && strcmp(paths[i], "-") == 0 && isatty(STDIN_FILENO))
			dc_errx(2, "stdin is a terminal: give an audio file, or pipe one in");
}

void
dc_stdin_not_tty(void)
{
	if (isatty(STDIN_FILENO))
		dc_errx(2, "stdin is a terminal: give a stream file, or pipe one in (dc-stft mix.wav | ...)");
}

void
dc_stdout_not_tty(const char *what)
{
	if (!isatty(STDOUT_FILENO))
		return;
	if (what == NULL)
		dc_errx(2, "stdout is a terminal: redirect it to a file or pipe it (dc-dump shows a stream)");
	dc_errx(2, "stdout is a terminal: redirect it to a file or pipe it (it would be %s)", what);
}

void
dc_finish_stdout(void)
{
	if (dc_fclose_checked(stdout) != DC_OK)
		dc_errx(1, "stdout: %s", strerror(errno));
}

/*
 * The loop of dc_each_utt_use and dc_each_unit: its reader, writer, header and
 * records are static, so reachable at an exit midway (LeakSanitizer); one loop a
 * process. loop_open opens the stream (and with tool a writer on stdout, with
 * use the reader's selection) and returns its name; loop_put writes u's records
 * from n0 on and returns the writer's error; loop_close ends the loop after
 * err, the last read's.
 */
static struct {
	dc_reader *rd;
	dc_writer *w;
	dc_record hdr;
	dc_utt u;
	int passed;     /* the reader writes the records it reads (use with a tool) */
	const char *const *later, *const *over;  /* dc_loop_replace's */
} lp;

static const char *
loop_open(const char *path, const char *tool, const char *const *use, const char *const *eat)
{
	const char *name;

	if (tool)
		dc_stdout_not_tty(NULL);
	lp.rd = dc_open_stream(path, &lp.hdr, &name);
	if (tool) {
		lp.w = dc_writer_file(stdout);
		dc_write_header(lp.w, &lp.hdr, tool);
	}
	if (use)
		dc_reader_select(lp.rd, use, eat, lp.w);
	lp.passed = use != NULL && tool != NULL;
	if (lp.later)
		dc_reader_replace(lp.rd, lp.later, lp.over);
	return name;
}

static int
loop_put(const dc_utt *u, int n0)
{
	int i;

	for (i = n0; i < u->n; i++)
		dc_write_record(lp.w, &u->recs[i]);
	return dc_writer_error(lp.w);
}

static void
loop_close(const char *name, const char *tool, int err)
{
	if (err != DC_OK && err != DC_EEOF)
		dc_stream_fail(name, lp.rd, err);
	dc_utt_free(&lp.u);
	dc_record_free(&lp.hdr);
	dc_reader_free(lp.rd);
	if (tool)
		dc_writer_finish(lp.w);
	else
		dc_finish_stdout();
}

void
dc_each_utt_use(const char *path, const char *tool, const char *const *use,
    const char *const *eat, dc_utt_fn *fn, void *arg)
{
	const char *name = loop_open(path, tool, use, eat);
	char id[DC_ID_MAX];
	const char *why;
	int err, n0;

	while ((err = dc_read_utt(lp.rd, &lp.u)) == DC_OK) {
		if ((why = dc_utt_id(&lp.u, id)) != NULL)
			dc_errx(1, "%s: utt record: %s", name, why);
		n0 = use ? lp.u.n : 0;  /* with use, the reader wrote what it read */
		fn(&lp.u, id, arg);
		if (tool && loop_put(&lp.u, n0))
			break;
	}
	loop_close(name, tool, err);
}

void
dc_each_unit(const char *path, const char *tool, const char *const *use,
    const char *const *eat, dc_unit_fn *fn, void *arg)
{
	const char *name = loop_open(path, tool, use, eat);
	char id[DC_ID_MAX];
	const char *why;
	dc_unit b;
	int err, n0;

	while ((err = dc_read_unit(lp.rd, &lp.u, &b)) == DC_OK) {
		if ((why = dc_rec_id(b.utt, id)) != NULL)
			dc_errx(1, "%s: utt record: %s", name, why);
		n0 = use ? lp.u.n : 0;  /* with use, the reader wrote what it read */
		fn(&lp.u, id, &b, arg);
		if (tool) {
			if (!use && b.blocked && b.index == 0) {
				dc_writer_want_blocks(lp.w);
				dc_write_record(lp.w, b.utt);
			}
			if (loop_put(&lp.u, n0))
				break;
		}
	}
	loop_close(name, tool, err);
}

void
dc_loop_replace(const char *const *later, const char *const *over)
{
	lp.later = later;
	lp.over = over;
}

dc_writer *
dc_loop_writer(void)
{
	return lp.passed ? lp.w : NULL;
}

void
dc_release(dc_record *r)
{
	if (lp.passed)
		dc_record_free(r);
}

void
dc_each_utt(const char *path, const char *tool, dc_utt_fn *fn, void *arg)
{
	dc_each_utt_use(path, tool, NULL, NULL, fn, arg);
}

/* refs_of: fn on each string of the utt record's array key that names a file
 * (an element that is no string, empty, or with a NUL byte names none) */
static void
refs_of(const dc_record *utt, const char *key, void (*fn)(const char *))
{
	char s[PATH_MAX];
	const char **v;
	size_t *len;
	int i, n;

	if (utt == NULL || (n = dc_rec_strs(utt, key, NULL, NULL, 0)) <= 0)
		return;
	v = dc_xmalloc((size_t)n * sizeof *v);
	len = dc_xmalloc((size_t)n * sizeof *len);
	dc_rec_strs(utt, key, v, len, n);
	for (i = 0; i < n; i++)
		if (len[i] > 0 && len[i] < sizeof s && memchr(v[i], '\0', len[i]) == NULL) {
			memcpy(s, v[i], len[i]);
			s[len[i]] = '\0';
			fn(s);
		}
	free(v);
	free(len);
}

static void
refs_inode(const char *s)
{
	dc_out_current_inode(s, 3);
}

void
dc_out_source(const dc_record *utt)
{
	char src[PATH_MAX];

	if (utt && dc_rec_str(utt, "source", src, sizeof src) == DC_OK && src[0] && strcmp(src, "-") != 0)
		dc_out_current(src);
	else
		dc_out_current(NULL);
	/* the same files by device and inode, as dc-stft and dc-oracle found them:
	 * from another directory, their relative paths name other files */
	if (utt && dc_rec_str(utt, "source_inode", src, sizeof src) == DC_OK)
		dc_out_current_inode(src, 2);
	/* dc-oracle's references (an element that is no string, or a path with a NUL
	 * byte, names no file) */
	refs_of(utt, "refs", dc_out_current_ref);
	refs_of(utt, "refs_inodes", refs_inode);
}

void
dc_append(dc_utt *u, const char *id, const dc_recb *b)
{
	int err;

	if ((err = dc_utt_append(u, b)) != DC_OK)
		dc_errx(1, "%s: %s: %s", id, b->kind, dc_strerror(err));
}

const char *
dc_shape_str(const dc_tensor *t, char *buf, size_t n)
{
	size_t o = 0;
	int i;

	o += (size_t)snprintf(buf + o, n - o, "[");
	for (i = 0; i < t->ndim && o < n; i++)
		o += (size_t)snprintf(buf + o, n - o, "%s%lld", i ? ", " : "", (long long)t->shape[i]);
	if (o < n)
		snprintf(buf + o, n - o, "]");
	return buf;
}

/* get_tensor: dc_get_tensor, the tensor read in place where view is 1 and it can
 * be (dc_rec_tensor_view). */
static void
get_tensor(const char *id, const dc_record *r, int dtype, int ndim, const char *want,
    dc_tensor *t, int view)
{
	char sb[96];
	int err;

	if ((err = view ? dc_rec_tensor_view(r, t) : dc_rec_tensor(r, t)) != DC_OK)
		dc_errx(1, "%s: %s record: %s", id, r->kind, dc_strerror(err));
	if (t->dtype != dtype)
		dc_errx(1, "%s: %s record: dtype %s, wanted %s", id, r->kind, dc_dtype_name(t->dtype),
		    dc_dtype_name(dtype));
	if (t->ndim != ndim)
		dc_errx(1, "%s: %s record: shape %s, wanted %s", id, r->kind,
		    dc_shape_str(t, sb, sizeof sb), want);
	if (dc_tensor_finite(t) != DC_OK)
		dc_errx(1, "%s: %s record: %s", id, r->kind, dc_strerror(DC_ENONFINITE));
}

void
dc_get_tensor(const char *id, const dc_record *r, int dtype, int ndim, const char *want,
    dc_tensor *t)
{
	get_tensor(id, r, dtype, ndim, want, t, 0);
}

int
dc_check_spectra(const dc_record *r, int ndim, dc_tensor *X, dc_stft_params *p,
    const char **key, int *err)
{
	return dc_check_spectra_unit(r, ndim, NULL, X, p, key, err);
}

int
dc_spectra_fit(int64_t T, const dc_stft_params *p, const dc_unit *b)
{
	if (b == NULL || !b->blocked)
		return T == dc_stft_frames(p);
	if (T != b->frames)
		return 0;
	return b->last ? T == dc_stft_frames(p) : p->samples == T * p->hop;
}

/* check_spectra: dc_check_spectra_unit, the tensor copied into X (bytes NULL) or
 * left in the record (*bytes, X without data) */
static int
check_spectra(const dc_record *r, int ndim, const dc_unit *b, dc_tensor *X,
    const void **bytes, int view, dc_stft_params *p, const char **key, int *err)
{
	static const char *const ikeys[] = { "rate", "nfft", "hop", "samples" };
	int64_t *ivals[] = { &p->rate, &p->nfft, &p->hop, &p->samples };
	size_t i;

	memset(p, 0, sizeof *p);
	*key = NULL;
	*err = DC_OK;
	for (i = 0; i < 4; i++)
		if (dc_rec_int(r, ikeys[i], ivals[i]) != DC_OK) {
			*key = ikeys[i];
			return DC_SPEC_KEY;
		}
	if (dc_rec_str(r, "window", p->window, sizeof p->window) != DC_OK) {
		*key = "window";
		return DC_SPEC_KEY;
	}
	if (dc_stft_check(p) != DC_OK)
		return DC_SPEC_PARAM;
	if ((*err = bytes ? dc_rec_tensor_bytes(r, X, bytes) : view ? dc_rec_tensor_view(r, X) :
	    dc_rec_tensor(r, X)) != DC_OK)
		return DC_SPEC_TENSOR;
	if (X->dtype != DC_C64)
		return DC_SPEC_DTYPE;
	if (X->ndim != ndim)
		return DC_SPEC_RANK;
	if (!dc_spectra_fit(X->shape[ndim - 2], p, b) || X->shape[ndim - 1] != p->nfft / 2 + 1)
		return DC_SPEC_SHAPE;
	return DC_SPEC_OK;
}

int
dc_check_spectra_unit(const dc_record *r, int ndim, const dc_unit *b, dc_tensor *X,
    dc_stft_params *p, const char **key, int *err)
{
	return check_spectra(r, ndim, b, X, NULL, 0, p, key, err);
}

int
dc_check_spectra_bytes(const dc_record *r, int ndim, const dc_unit *b, dc_tensor *X,
    const void **bytes, dc_stft_params *p, const char **key, int *err)
{
	return check_spectra(r, ndim, b, X, bytes, 0, p, key, err);
}

void
dc_get_stft(const char *id, const dc_record *r, dc_tensor *X, dc_stft_params *p)
{
	dc_get_stft_unit(id, r, NULL, X, p);
}

/* get_stft: dc_get_stft_unit, the tensor read in place where view is 1 and it
 * can be (dc_get_stft_view) */
static void
get_stft(const char *id, const dc_record *r, const dc_unit *b, dc_tensor *X,
    dc_stft_params *p, int view)
{
	const char *key;
	char sb[96];
	int64_t i;
	int err, f = check_spectra(r, 2, b, X, NULL, view, p, &key, &err);

	if (f == DC_SPEC_KEY || f == DC_SPEC_PARAM)
		dc_errx(1, "%s: stft record: %s", id, dc_strerror(f == DC_SPEC_KEY ? DC_EKEY : DC_EPARAM));
	/* the tensor's faults as dc_get_tensor words them, finite values before the shape */
	if (f == DC_SPEC_TENSOR)
		dc_errx(1, "%s: %s record: %s", id, r->kind, dc_strerror(err));
	if (f == DC_SPEC_DTYPE)
		dc_errx(1, "%s: %s record: dtype %s, wanted %s", id, r->kind, dc_dtype_name(X->dtype),
		    dc_dtype_name(DC_C64));
	if (f == DC_SPEC_RANK)
		dc_errx(1, "%s: %s record: shape %s, wanted [T, F]", id, r->kind,
		    dc_shape_str(X, sb, sizeof sb));
	if (dc_tensor_finite(X) != DC_OK)
		dc_errx(1, "%s: %s record: %s", id, r->kind, dc_strerror(DC_ENONFINITE));
	/* finite, but a power (re^2 + im^2 in float) would overflow on the way */
	for (i = 0; i < 2 * dc_tensor_count(X); i++)
		if (fabsf(((const float *)X->data)[i]) > DC_SPEC_MAX)
			dc_errx(1, "%s: %s record: value %g at frame %lld, bin %lld is beyond +-%g (its "
			    "square overflows)", id, r->kind, ((const float *)X->data)[i],
			    (long long)(i / 2 / X->shape[1]), (long long)(i / 2 % X->shape[1]),
			    DC_SPEC_MAX);
	if (f == DC_SPEC_SHAPE && b && b->blocked)
		dc_errx(1, "%s: stft record: shape %s disagrees with its block at t0 %lld (%lld "
		    "frames%s) and its samples %lld, nfft and hop", id, dc_shape_str(X, sb, sizeof sb),
		    (long long)b->t0, (long long)b->frames, b->last ? ", the last" : "",
		    (long long)p->samples);
	if (f == DC_SPEC_SHAPE)
		dc_errx(1, "%s: stft record: shape %s disagrees with its samples, nfft and hop "
		    "([%lld, %lld])", id, dc_shape_str(X, sb, sizeof sb), (long long)dc_stft_frames(p),
		    (long long)(p->nfft / 2 + 1));
}

void
dc_get_stft_unit(const char *id, const dc_record *r, const dc_unit *b, dc_tensor *X,
    dc_stft_params *p)
{
	get_stft(id, r, b, X, p, 0);
}

void
dc_get_stft_view(const char *id, const dc_record *r, const dc_unit *b, dc_tensor *X,
    dc_stft_params *p)
{
	get_stft(id, r, b, X, p, 1);
}

void
dc_check_tf(const char *id, const dc_record *r, const dc_tensor *t, int at, const dc_tensor *X)
{
	char s1[96], s2[96];

	if (X && (t->shape[at] != X->shape[0] || t->shape[at + 1] != X->shape[1]))
		dc_errx(1, "%s: %s record: shape %s disagrees with stft record %s", id, r->kind,
		    dc_shape_str(t, s1, sizeof s1), dc_shape_str(X, s2, sizeof s2));
}

int
dc_get_k(const char *id, const dc_record *r, int kmax)
{
	int64_t k;

	if (dc_rec_int(r, "k", &k) != DC_OK)
		dc_errx(1, "%s: %s record: k: %s", id, r->kind, dc_strerror(DC_EKEY));
	if (k < 1 || k > kmax)
		dc_errx(1, "%s: %s record: k = %lld is not from 1 to %d", id, r->kind, (long long)k, kmax);
	return (int)k;
}

void
dc_get_labels(const char *id, const dc_record *r, const dc_tensor *X, int kmax, dc_tensor *L,
    int *k)
{
	const int32_t *l;
	int64_t i, n, F;

	*k = dc_get_k(id, r, kmax);
	get_tensor(id, r, DC_I32, 2, "[T, F]", L, 1);
	dc_check_tf(id, r, L, 0, X);
	l = L->data;
	n = L->shape[0] * L->shape[1];
	F = L->shape[1];
	for (i = 0; i < n; i++)
		if (l[i] < 0 || l[i] >= *k)
			dc_errx(1, "%s: labels record: label %d at frame %lld, bin %lld is not from 0 to "
			    "k - 1 = %d", id, l[i], (long long)(i / F), (long long)(i % F), *k - 1);
}

void
dc_get_masks(const char *id, const dc_record *r, const dc_tensor *X, int kmax, dc_tensor *M,
    int *k)
{
	const float *m;
	char sb[96];
	int64_t i, n, F;

	*k = dc_get_k(id, r, kmax);
	get_tensor(id, r, DC_F32, 3, "[K, T, F]", M, 1);
	dc_check_tf(id, r, M, 1, X);
	if (M->shape[0] != *k)
		dc_errx(1, "%s: masks record: k = %d but shape %s", id, *k, dc_shape_str(M, sb, sizeof sb));
	m = M->data;
	n = M->shape[1] * M->shape[2];
	F = M->shape[2];
	for (i = 0; i < *k * n; i++)
		if (!(m[i] >= 0.0f && m[i] <= 1.0f))
			dc_errx(1, "%s: masks record: value %g at source %lld, frame %lld, bin %lld is not "
			    "in [0, 1]", id, m[i], (long long)(i / n), (long long)(i % n / F),
			    (long long)(i % F));
}

void
dc_get_embed(const char *id, const dc_record *r, const dc_tensor *X, dc_tensor *E)
{
	char sb[96];

	get_tensor(id, r, DC_F32, 3, "[T, F, D]", E, 1);
	if (E->shape[2] < 1)
		dc_errx(1, "%s: embed record: shape %s, wanted D of 1 or more", id,
		    dc_shape_str(E, sb, sizeof sb));
	dc_check_tf(id, r, E, 0, X);
}
