/*
 * dc-stft: audio files in, a dcsep stream of STFTs out (formats/stream.md).
 *
 * Each input file becomes one utterance: a "utt" record and a "stft" record
 * (complex64, T x F). Input in any format libsndfile reads is mixed down to mono
 * and resampled to the analysis rate, and the tool says so on stderr.
 */
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "dc.h"

static const char usage[] = "[-r rate] [-n nfft] [-s hop] [-w window] [-B seconds] [-i id] [file ...]";

static void
help(void)
{
	printf("usage: dc-stft %s\n"
	    "Short-time Fourier transform of audio files into a dcsep stream on stdout.\n"
	    "  -r rate     analysis sample rate in Hz; input is resampled to it (8000)\n"
	    "  -n nfft     window and FFT length in samples, even (256)\n"
	    "  -s hop      hop in samples, at most nfft/2 (64)\n"
	    "  -w window   sqrt-hann or hann (sqrt-hann)\n"
	    "  -B seconds  input longer than this comes in blocks of this length; 0: never\n"
	    "              (without -B: input longer than 60 s, in blocks of 10 s)\n"
	    "  -i id       utterance id (default: the file name without directory and extension)\n"
	    "  -h          this help (--help too; --version: the version)\n"
	    "With no file, or '-', reads stdin. See dc-stft(1).\n", usage);
}

#define CHUNK 65536     /* samples pulled from the reader at a time */
#define FULL_SCALE 0.999f       /* a sample this large is at full scale (-0.009 dB) */
#define CLIP_MIN 16     /* full-scale samples, and 1 in 1000, that say clipped */

/* The options that decide blocks (formats/stream.md, "Blocks"). */
static struct {
	double block;           /* -B: block length, s; 0: never in blocks */
	double over;            /* input longer than this (s) comes in blocks */
} opt = { 10.0, 60.0 };

/* An input opened ahead: stdin, opened (and its first samples read) before the
 * header is written, to know whether it comes in blocks. */
static struct {
	dc_audio_in *a;
	dc_audio_info info;
	int err;                /* of the opening, reported at its turn */
	float *x;               /* its first n samples */
	int64_t n;
	int done;               /* the reader has no more */
} ahead;

/* audio_fail: "prog: name: why" for an error of the audio reader, and exit 1 */
static _Noreturn void
audio_fail(const char *name, int err)
{
	dc_errx(1, "%s: %s", name, dc_errmsg(err));
}

/* long_input: whether an input of frames frames at rate_in (-1: unknown) is
 * longer than opt.over at the analysis rate */
static int
long_input(int64_t frames, int rate_in)
{
	return opt.block > 0 && (frames < 0 || (double)frames / rate_in > opt.over);
}

/* open_ahead: stdin, opened and read as far as deciding whether it is long */
static int
open_ahead(int64_t rate)
{
	int64_t want = (int64_t)(opt.over * (double)rate) + 1, got;

	if ((ahead.err = dc_audio_open("-", (int)rate, &ahead.a, &ahead.info)) != DC_OK)
		return 0;
	if (!long_input(ahead.info.frames_in, ahead.info.rate_in) || ahead.info.frames_in >= 0)
		return long_input(ahead.info.frames_in, ahead.info.rate_in);
	/* a pipe that does not say its length: read on until it is known to be long */
	ahead.x = dc_xmalloc((size_t)want * sizeof *ahead.x);
	if ((ahead.err = dc_audio_pull(ahead.a, ahead.x, want, &got)) != DC_OK)
		return 0;
	ahead.n = got;
	ahead.done = got < want;
	return got == want;
}

/* put_utt: the utt record of an utterance of n samples (-1: no samples key), with
 * blocks: true if blocked */
static void
put_utt(dc_writer *w, const char *path, const char *id, int64_t rate, int64_t n, int blocked,
    int64_t source_rate)
{
	char uid[256], ino[64];
	dc_recb b;

	/* "dir/mix01.wav" -> "mix01"; "-" -> "stdin"; -i's id as given, never cut */
	dc_path_stem(dc_path_name(path), NULL, uid, sizeof uid);
	dc_recb_init(&b, "utt");
	dc_recb_str(&b, "id", id ? id : uid);
	dc_recb_str(&b, "source", path);
	/* the file itself, which dc-istft and dc-plot refuse to replace from any directory */
	if (dc_file_inode(path, ino, sizeof ino))
		dc_recb_str(&b, "source_inode", ino);
	dc_recb_int(&b, "rate", rate);
	/* the recording's own rate, where it was resampled: dc-istft -r source */
	if (source_rate != rate)
		dc_recb_int(&b, "source_rate", source_rate);
	if (n >= 0)
		dc_recb_int(&b, "samples", n);
	if (blocked)
		dc_recb_bool(&b, "blocks", 1);
	dc_write_recb(w, &b);
}

/* put_stft: an stft record of X with parameters p (and, in a block, its block
 * record first) */
static void
put_stft(dc_writer *w, const dc_stft_params *p, const dc_tensor *X, int64_t t0, int last,
    int blocked)
{
	dc_recb b;

	if (blocked) {
		dc_recb_init(&b, "block");
		dc_recb_int(&b, "t0", t0);
		dc_recb_int(&b, "frames", X->shape[0]);
		dc_recb_bool(&b, "last", last);
		dc_write_recb(w, &b);
	}
	dc_recb_init(&b, "stft");
	dc_recb_stft_params(&b, p);
	dc_recb_tensor(&b, X);
	dc_write_recb(w, &b);
}

/* The samples of the utterance at hand, and those at full scale: a clipped
 * recording's flattened peaks are no speech, and it separates less well. */
static int64_t nsamples, nfull;

/* in_range: dc_audio_range's check of x[n] (samples first.. of the utterance),
 * the samples at full scale counted */
static void
in_range(const char *name, const float *x, int64_t n, int64_t first)
{
	int64_t i;

	dc_audio_range(name, x, n, first);
	for (i = 0; i < n; i++)
		nfull += fabsf(x[i]) >= FULL_SCALE;
	nsamples += n;
}

/* put_whole: the utterance of reader a (the first n0 samples x0 already read), whole:
 * every sample read, within the element limit, then one stft record */
static void
put_whole(dc_writer *w, dc_audio_in *a, const dc_audio_info *info, const char *path,
    dc_stft_params *p, const char *id, const float *x0, int64_t n0)
{
	const char *name = dc_path_name(path);
	int64_t lim = dc_limit_elems(), cap = n0 + CHUNK, n = n0, got;
	float *x = dc_xmalloc((size_t)cap * sizeof *x);
	dc_tensor X;
	int err;

	if (n0)
		memcpy(x, x0, (size_t)n0 * sizeof *x);
	for (got = 1; got > 0; n += got) {
		if (cap - n < CHUNK) {
			cap *= 2;
			x = dc_xrealloc(x, (size_t)cap * sizeof *x);
		}
		if ((err = dc_audio_pull(a, x + n, CHUNK, &got)) != DC_OK)
			audio_fail(name, err);
		/* the samples of the file (all channels), and again at the analysis rate */
		if (dc_audio_in_frames(a) * info->channels_in > lim || n + got > lim)
			audio_fail(name, DC_ELIMIT);
	}
	/* a file cut short (a header that gives more samples than there are), as
	 * put_blocks refuses it */
	if (dc_audio_in_exact(a) && dc_audio_in_frames(a) != info->frames_in) {
		free(x);
		dc_errx(1, "%s: %lld samples read, but the file's header gave %lld", name,
		    (long long)dc_audio_in_frames(a), (long long)info->frames_in);
	}
	in_range(name, x, n, 0);
	if (n == 0) {
		free(x);
		dc_errx(1, "%s: no samples", name);
	}
	/* after the checks above: a file refused gets one line */
	dc_audio_notes(name, info, p->rate, 1);
	p->samples = n;
	err = dc_stft(x, p, &X);
	free(x);        /* the buffer is no longer needed, on success or failure */
	if (err != DC_OK)
		dc_errx(1, "%s: %s", name, dc_strerror(err));
	put_utt(w, path, id, p->rate, n, 0, info->rate_in);
	put_stft(w, p, &X, 0, 1, 0);
	dc_tensor_free(&X);
}

/*
 * put_blocks: the utterance of reader a (the first n0 samples x0 already read) in
 * blocks of bf frames, read a chunk at a time: a block is written as soon as the
 * samples its frames cover are read and one more (so that it is known not to be
 * the last); the buffer keeps only the samples from the next block's first frame
 * on (nfft - hop before t0 hop).
 */
static void
put_blocks(dc_writer *w, dc_audio_in *a, const dc_audio_info *info, const char *path,
    dc_stft_params *p, const char *id, const float *x0, int64_t n0)
{
	const char *name = dc_path_name(path);
	int64_t bf = (int64_t)llround(opt.block * (double)p->rate / (double)p->hop);
	int64_t P = p->nfft - p->hop, base = 0, len = n0, cap, t0 = 0, got, need, drop;
	int64_t known = info->resampled || !dc_audio_in_exact(a) ? -1 : info->frames_in;
	int eof = 0, err, started = 0;
	dc_stft_params bp = *p;
	dc_tensor X;
	float *x;

	if (bf < 1)
		bf = 1;
	cap = bf * p->hop + p->nfft + CHUNK + n0;
	x = dc_xmalloc((size_t)cap * sizeof *x);
	if (n0)
		memcpy(x, x0, (size_t)n0 * sizeof *x);
	in_range(name, x, n0, 0);
	for (;;) {
		/* the samples up to the block's end, and one more */
		need = (t0 + bf) * p->hop + 1;
		while (!eof && base + len < need) {
			if (cap - len < CHUNK) {
				cap = len + CHUNK;
				x = dc_xrealloc(x, (size_t)cap * sizeof *x);
			}
			if ((err = dc_audio_pull(a, x + len, CHUNK, &got)) != DC_OK)
				audio_fail(name, err);
			in_range(name, x + len, got, base + len);
			len += got;
			eof = got < CHUNK;
		}
		if (base + len == 0)
			dc_errx(1, "%s: no samples", name);
		if (!started) {
			/* after the first block's samples are checked; a fault further on
			 * comes after the note, as after the blocks written */
			dc_audio_notes(name, info, p->rate, 1);
			put_utt(w, path, id, p->rate, known, 1, info->rate_in);
			started = 1;
		}
		if (base + len >= need) {
			bp.samples = bf * p->hop;
			if ((err = dc_stft_range(x, base, len, &bp, t0, bf, &X)) != DC_OK)
				dc_errx(1, "%s: %s", name, dc_strerror(err));
			put_stft(w, &bp, &X, t0, 0, 1);
			dc_tensor_free(&X);
			if (dc_writer_error(w))
				break;
			t0 += bf;
			/* keep the samples from the next block's first frame on */
			drop = t0 * p->hop - P > base ? t0 * p->hop - P - base : 0;
			memmove(x, x + drop, (size_t)(len - drop) * sizeof *x);
			base += drop;
			len -= drop;
			continue;
		}
		/* the end: the last block, the frames left */
		if (known >= 0 && base + len != known)
			dc_errx(1, "%s: %lld samples read, but the file's header gave %lld", name,
			    (long long)(base + len), (long long)known);
		bp.samples = base + len - t0 * p->hop;
		if ((err = dc_stft_range(x, base, len, &bp, t0, dc_stft_frames(&bp), &X)) != DC_OK)
			dc_errx(1, "%s: %s", name, dc_strerror(err));
		put_stft(w, &bp, &X, t0, 1, 1);
		dc_tensor_free(&X);
		break;
	}
	free(x);
}

/* put_file: the utterance of the audio file at path ("-": stdin) with parameters p,
 * to w, in blocks if blocks is set and the file is long; id names it, or (NULL)
 * the file's name without directory and extension. */
static void
put_file(dc_writer *w, const char *path, dc_stft_params *p, const char *id, int blocks)
{
	const char *name = dc_path_name(path);
	dc_audio_info info;
	dc_audio_in *a;
	int err, isin = strcmp(path, "-") == 0 && (ahead.a || ahead.err);

	if (isin) {
		if (ahead.err)
			audio_fail(name, ahead.err);
		a = ahead.a;
		info = ahead.info;
		ahead.a = NULL;         /* stdin a second time is opened again: empty */
	} else if ((err = dc_audio_open(path, (int)p->rate, &a, &info)) != DC_OK)
		audio_fail(name, err);
	nsamples = nfull = 0;
	/* stdin read ahead: long if it had more than the samples read */
	if (isin && ahead.x ? !ahead.done : blocks && long_input(info.frames_in, info.rate_in))
		put_blocks(w, a, &info, path, p, id, isin ? ahead.x : NULL, isin ? ahead.n : 0);
	else
		put_whole(w, a, &info, path, p, id, isin ? ahead.x : NULL, isin ? ahead.n : 0);
	if (isin) {
		free(ahead.x);
		ahead.x = NULL;
		ahead.n = 0;
	}
	dc_audio_in_close(a);
	if (nfull >= CLIP_MIN && nfull * 1000 > nsamples)
		dc_warnx("%s: %lld of %lld samples (%.1f %%) at full scale: the recording is "
		    "clipped, and separates less well", name, (long long)nfull,
		    (long long)nsamples, 100.0 * (double)nfull / (double)nsamples);
}

/* any_long: whether any of the files is long enough for blocks (the header's
 * version says so before the first utterance): regular files by their header,
 * stdin opened ahead; another file (a FIFO) is taken whole */
static int
any_long(char **files, int nfiles, int64_t rate)
{
	struct stat st;
	int64_t frames;
	int i, r, any = 0, in = 0;

	if (opt.block <= 0)
		return 0;
	for (i = 0; i < nfiles; i++) {
		if (strcmp(files[i], "-") == 0) {
			if (!in++)
				any |= open_ahead(rate);
		} else if (stat(files[i], &st) == 0 && S_ISREG(st.st_mode) &&
		    dc_audio_length(files[i], &frames, &r) == DC_OK && r > 0)
			any |= long_input(frames, r);
	}
	return any;
}

/* One file's utterance id, for same_ids. */
typedef struct {
	char *id;
	int i;                  /* its place among the files */
} file_id;

static int
cmp_file_id(const void *a, const void *b)
{
	const file_id *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* same_ids: two files whose names give one utterance id are refused before
 * anything is read: downstream the id names the utterance's files (dc-istft -o
 * '%u-s%k.wav', dc-plot), which refuse the second utterance's only after the
 * first one's are written, and its line in a list (dc-oracle -l), where the
 * second would take the first's sources unsaid. */
static void
same_ids(char **files, int nfiles)
{
	char stem[256];
	file_id *f;
	int i;

	if (nfiles < 2)
		return;
	f = dc_xmalloc((size_t)nfiles * sizeof *f);
	for (i = 0; i < nfiles; i++) {
		f[i].id = dc_xstrdup(dc_path_stem(dc_path_name(files[i]), NULL, stem, sizeof stem));
		f[i].i = i;
	}
	qsort(f, (size_t)nfiles, sizeof *f, cmp_file_id);
	for (i = 1; i < nfiles; i++)
		if (strcmp(f[i - 1].id, f[i].id) == 0) {
			if (strcmp(files[f[i - 1].i], files[f[i].i]) == 0)
				dc_errx(2, "%s: named twice", files[f[i].i]);
			dc_errx(2, "%s and %s would both be utterance '%s': rename one, or give each "
			    "its own dc-stft -i", files[f[i - 1].i], files[f[i].i], f[i].id);
		}
	for (i = 0; i < nfiles; i++)
		free(f[i].id);
	free(f);
}

int
main(int argc, char **argv)
{
	dc_stft_params p;
	dc_writer *w;
	const char *id = NULL;
	int64_t v;
	double sec;
	int c, i, nfiles, blocks, hop_given = 0;
	static char *stdin_only[] = { "-" };
	char **files;

	dc_setprog(argv[0]);
	dc_stft_defaults(&p);
	while ((c = dc_getopt(argc, argv, "r:n:s:w:B:i:h", usage, help)) != -1) {
		switch (c) {
		case 'r':
			if (dc_parse_int(optarg, 1, 1000000, &v))
				dc_errx(2, "-r: sample rate must be an integer from 1 to 1000000: %s", optarg);
			p.rate = v;
			break;
		case 'n':
			if (dc_parse_int(optarg, 4, 65536, &v) || v % 2)
				dc_errx(2, "-n: nfft must be an even integer from 4 to 65536: %s", optarg);
			p.nfft = v;
			break;
		case 's':
			if (dc_parse_int(optarg, 1, 32768, &v))
				dc_errx(2, "-s: hop must be a positive integer: %s", optarg);
			p.hop = v;
			hop_given = 1;
			break;
		case 'w':
			if (strcmp(optarg, "sqrt-hann") && strcmp(optarg, "hann"))
				dc_errx(2, "-w: window must be sqrt-hann or hann: %s", optarg);
			snprintf(p.window, sizeof p.window, "%s", optarg);
			break;
		case 'i':
			/* what the other tools take (dc_rec_id); the shell gives no NUL byte */
			if (strlen(optarg) >= DC_ID_MAX)
				dc_errx(2, "-i: id longer than %d bytes", DC_ID_MAX - 1);
			id = optarg;
			break;
		case 'B':
			if (dc_parse_num(optarg, 0, 86400, &sec))
				dc_errx(2, "-B: block length must be a number of seconds from 0 to 86400: %s",
				    optarg);
			opt.block = opt.over = sec;
			break;
		}
	}
	if (p.hop > p.nfft / 2 && !hop_given)     /* the default hop, 64, with -n below 128 */
		dc_errx(2, "-n: nfft %lld takes a hop of at most %lld: give -s", (long long)p.nfft,
		    (long long)(p.nfft / 2));
	if (p.hop > p.nfft / 2)
		dc_errx(2, "-s: hop %lld is more than nfft/2 = %lld", (long long)p.hop, (long long)(p.nfft / 2));
	files = argc > optind ? argv + optind : stdin_only;
	nfiles = argc > optind ? argc - optind : 1;
	dc_stdin_audio_not_tty(files, nfiles);
	if (id && nfiles > 1)
		dc_errx(2, "-i: an id for one file only, not %d", nfiles);
	same_ids(files, nfiles);

	dc_stdout_not_tty(NULL);
	w = dc_writer_file(stdout);
	/* version 2 only when some utterance will come in blocks */
	blocks = any_long(files, nfiles, p.rate);
	dc_write_header_version(w, NULL, "dc-stft", blocks ? 2 : 1);
	for (i = 0; i < nfiles; i++) {
		put_file(w, files[i], &p, id, blocks);
		if (dc_writer_error(w))
			break;
	}
	dc_writer_finish(w);
	return 0;
}
