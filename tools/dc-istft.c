/*
 * dc-istft: a dcsep stream in, waveforms out (formats/stream.md).
 *
 * Per utterance, the last "masked" record (complex64, K x T x F) or, if the
 * utterance has none, its "stft" record (T x F, one source) is turned back into
 * K waveforms of N samples by weighted overlap-add (dc_istft). Each source goes
 * to a file named by the -o pattern, or all K go to one K-channel WAV on stdout.
 *
 * Shapes: K sources, T frames, F = nfft/2+1 bins, N samples.
 *
 * The tool reads one utterance ahead, so that a pattern without %u (or stdout)
 * is refused when a second utterance arrives, before any file of the first is
 * written.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dc.h"

static const char usage[] = "[-e encoding] [-o pattern] [file]";

static void
help(void)
{
	printf("usage: dc-istft %s\n"
	    "Inverse STFT of a dcsep stream: the last masked record of each utterance\n"
	    "(K sources), or its stft record (one source), into waveforms.\n"
	    "  -e encoding  pcm16 or float (pcm16)\n"
	    "  -o pattern   one file per source: %%u utterance id, %%k source 1..K, %%%% a %%;\n"
	    "               the extension picks the format (wav, flac, ...)\n"
	    "  -h           this help\n"
	    "Without -o, writes one K-channel WAV to stdout (one utterance only).\n"
	    "With no file, or '-', reads stdin. See dc-istft(1).\n", usage);
}

/*
 * spectra: the record's spectra checked by dc_check_spectra, in dc-istft's words
 * (the key at fault, shapes as KxTxF); ndim 3 for masked, 2 for stft. Exits on a
 * fault; the caller checks K and finite values.
 */
static void
spectra(const dc_record *r, const char *id, int ndim, dc_tensor *X, dc_stft_params *p)
{
	const char *key;
	char shape[96];
	int err;

	switch (dc_check_spectra(r, ndim, X, p, &key, &err)) {
	case DC_SPEC_KEY:
		if (strcmp(key, "window") == 0)
			dc_errx(1, "%s: %s: key 'window' missing or not a window name", id, r->kind);
		dc_errx(1, "%s: %s: key '%s' missing or not an integer", id, r->kind, key);
	case DC_SPEC_PARAM:
		dc_errx(1, "%s: %s: STFT parameters out of range: rate %lld, nfft %lld, hop %lld, "
		    "samples %lld, window %s", id, r->kind, (long long)p->rate, (long long)p->nfft,
		    (long long)p->hop, (long long)p->samples, p->window);
	case DC_SPEC_TENSOR:
		dc_errx(1, "%s: %s: %s", id, r->kind, dc_strerror(err));
	case DC_SPEC_DTYPE:
		dc_errx(1, "%s: %s: dtype %s, wanted complex64", id, r->kind, dc_dtype_name(X->dtype));
	case DC_SPEC_RANK:
		dc_errx(1, "%s: %s: %d dimensions, wanted %d (%s)", id, r->kind, X->ndim, ndim,
		    ndim == 3 ? "K x T x F" : "T x F");
	case DC_SPEC_SHAPE:
		if (ndim == 3)
			snprintf(shape, sizeof shape, "%lldx%lldx%lld", (long long)X->shape[0],
			    (long long)X->shape[1], (long long)X->shape[2]);
		else
			snprintf(shape, sizeof shape, "%lldx%lld", (long long)X->shape[0],
			    (long long)X->shape[1]);
		dc_errx(1, "%s: %s: shape %s disagrees with its keys: %lld samples, nfft %lld, "
		    "hop %lld give T = %lld frames of F = %lld bins", id, r->kind, shape,
		    (long long)p->samples, (long long)p->nfft, (long long)p->hop,
		    (long long)dc_stft_frames(p), (long long)(p->nfft / 2 + 1));
	}
}

/*
 * invert: the K waveforms of one utterance, source after source, in a fresh
 * y[K*N]; sets *K and the STFT parameters (p->samples is N). Exits on a record
 * that is missing, malformed or disagrees with its keys.
 */
static float *
invert(const dc_utt *u, const char *id, int *K, dc_stft_params *p)
{
	dc_record *r = dc_utt_find(u, "masked");
	int masked = r != NULL, err, k;
	int64_t T, F, kk;
	dc_tensor X;
	float *y;

	if (r == NULL && (r = dc_utt_find(u, "stft")) == NULL)
		dc_errx(1, "%s: no masked or stft record", id);
	spectra(r, id, masked ? 3 : 2, &X, p);
	T = dc_stft_frames(p);
	F = p->nfft / 2 + 1;
	kk = masked ? X.shape[0] : 1;
	if (kk < 1 || kk > 1024)
		dc_errx(1, "%s: %s: %lld sources; dc-istft takes 1 to 1024", id, r->kind, (long long)kk);
	if (masked) {
		int64_t kkey;
		if (dc_rec_get(r, "k") && (dc_rec_int(r, "k", &kkey) != DC_OK || kkey != kk))
			dc_errx(1, "%s: masked: key 'k' disagrees with the shape's K = %lld", id, (long long)kk);
	}
	if (dc_tensor_finite(&X) != DC_OK)
		dc_errx(1, "%s: %s: %s", id, r->kind, dc_strerror(DC_ENONFINITE));
	*K = (int)kk;
	y = dc_xcalloc((size_t)(kk * p->samples) + 1, sizeof *y);
	for (k = 0; k < kk; k++)
		if ((err = dc_istft((const float *)X.data + 2 * k * T * F, T, p,
		    y + k * p->samples)) != DC_OK)
			dc_errx(1, "%s: %s: %s", id, r->kind, dc_strerror(err));
	dc_tensor_free(&X);
	return y;
}

/* clipped: how many samples lie beyond full scale (16-bit output clips them). */
static int64_t
clipped(const float *y, int64_t n)
{
	int64_t i, c = 0;

	for (i = 0; i < n; i++)
		c += fabsf(y[i]) > 1.0f;
	return c;
}

/*
 * The names written so far, to refuse writing one twice (two utterances with one
 * id): an open-addressing hash set of strings (FNV-1a), kept at most half full, so
 * that n utterances cost O(n), not O(n^2) comparisons.
 */
static struct {
	char **slot;
	size_t cap, n;
} written;

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* written_slot: where s is in the set, or the empty slot where it would go */
static char **
written_slot(const char *s)
{
	size_t i = (size_t)fnv1a(s) & (written.cap - 1);

	while (written.slot[i] && strcmp(written.slot[i], s) != 0)
		i = (i + 1) & (written.cap - 1);
	return &written.slot[i];
}

static int
written_has(const char *s)
{
	return written.cap && *written_slot(s) != NULL;
}

/* written_add: adds s (the set owns it from now on) */
static void
written_add(char *s)
{
	size_t i, old = written.cap;
	char **o = written.slot;

	if (2 * (written.n + 1) > written.cap) {
		written.cap = old ? 2 * old : 64;
		written.slot = dc_xmalloc(written.cap * sizeof *written.slot);
		memset(written.slot, 0, written.cap * sizeof *written.slot);
		for (i = 0; i < old; i++)
			if (o[i])
				*written_slot(o[i]) = o[i];
		free(o);
	}
	*written_slot(s) = s;
	written.n++;
}

static void
written_free(void)
{
	size_t i;

	for (i = 0; i < written.cap; i++)
		free(written.slot[i]);
	free(written.slot);
}

/* The options. */
static struct {
	const char *pat;        /* -o, NULL for stdout */
	const char *path;       /* the stream */
	int enc;                /* -e */
	int has_u, has_k;       /* whether pat holds %u, %k */
} opt = { NULL, "-", DC_PCM16, 0, 0 };

/* parse_opts: the options and the file operand into opt; exits 2 on a bad one. */
static void
parse_opts(int argc, char **argv)
{
	const char *path;
	int c, bad, seen;

	while ((c = dc_getopt(argc, argv, "e:o:h", usage, help)) != -1) {
		switch (c) {
		case 'e':
			if (strcmp(optarg, "pcm16") == 0)
				opt.enc = DC_PCM16;
			else if (strcmp(optarg, "float") == 0)
				opt.enc = DC_FLOAT;
			else
				dc_errx(2, "-e: encoding must be pcm16 or float: %s", optarg);
			break;
		case 'o':
			opt.pat = optarg;
			break;
		}
	}
	if ((path = dc_arg_path(argc, argv, usage)) != NULL)
		opt.path = path;
	if (opt.pat && strcmp(opt.pat, "-") == 0)
		opt.pat = NULL;     /* "-o -" is stdout */
	if (opt.pat == NULL) {
		dc_stdout_not_tty();
		return;
	}
	bad = dc_out_pattern(opt.pat, "uk", &seen);
	opt.has_u = seen & 1;
	opt.has_k = (seen & 2) != 0;
	if (*opt.pat == '\0')
		dc_errx(2, "-o: empty pattern");
	if (bad == 0)
		dc_errx(2, "-o: pattern '%s' ends in a lone %%; write %%%% for a %%", opt.pat);
	if (bad > 0)
		dc_errx(2, "-o: unknown conversion %%%c in pattern '%s' (use %%u, %%k or %%%%)", bad,
		    opt.pat);
}

/* put_stdout: the K sources y[K][N] as one K-channel WAV on stdout. */
static void
put_stdout(float *y, int K, const dc_stft_params *p)
{
	float *il = dc_xmalloc(((size_t)(K * p->samples) + 1) * sizeof *il);
	int64_t i;
	int k, err;

	for (i = 0; i < p->samples; i++)
		for (k = 0; k < K; k++)
			il[i * K + k] = y[k * p->samples + i];
	err = dc_audio_write("-", il, p->samples, K, (int)p->rate, opt.enc);
	free(il);
	if (err != DC_OK) {
		free(y);
		dc_errx(1, "stdout: %s", dc_audio_errstr());
	}
}

/* put_files: each source of y[K][N] to its file named by the pattern, written
 * under a temporary name and all K renamed into place only when all are
 * complete (outpath.h): a failure leaves what was under the names. */
static void
put_files(const char *id, float *y, int K, const dc_stft_params *p)
{
	/* static: reachable at an exit midway (LeakSanitizer), grown to the most K */
	static char **out;
	static int cap;
	char q[4 * 256 + 8];
	dc_outset set = { 0 };
	const char *tmp, *why;
	int k;

	if (K > cap) {
		out = dc_xrealloc(out, (size_t)K * sizeof *out);
		cap = K;
	}
	memset(out, 0, (size_t)K * sizeof *out);
	for (k = 0; k < K; k++)
		if ((out[k] = dc_out_expand(opt.pat, id, k + 1, NULL, &why)) == NULL)
			dc_errx(1, "id \"%s\": %s", dc_esc(id, 1, q, sizeof q), why);
	for (k = 0; k < K; k++) {
		if (written_has(out[k]))
			dc_errx(1, "%s: %s was already written for an earlier utterance (two "
			    "utterances with one id?)", id, out[k]);
		if ((tmp = dc_outset_add(&set, out[k], &why)) == NULL) {
			dc_outset_abort(&set);
			if (why)
				dc_errx(1, "%s: %s", out[k], why);
			dc_errx(1, "%s: %s", out[k], strerror(errno));
		}
		if (dc_audio_write(tmp, y + k * p->samples, p->samples, 1, (int)p->rate,
		    opt.enc) != DC_OK) {
			dc_warnx("%s: %s", out[k], dc_audio_errstr());
			dc_outset_abort(&set);
			free(y);
			exit(1);
		}
	}
	if (dc_outset_commit(&set, &why) != DC_OK)
		dc_errx(1, "%s: %s", why, strerror(errno));
	dc_outset_free(&set);
	for (k = 0; k < K; k++)
		written_add(out[k]);
}

/* put_utt: the waveforms of utterance u (whose id is id), the nutt-th, to stdout
 * or files; more says whether another utterance follows. */
static void
put_utt(const dc_utt *u, const char *id, int nutt, int more, const char *name)
{
	dc_stft_params p;
	float *y;
	int K, k;

	if (more && nutt == 0 && (opt.pat == NULL || !opt.has_u))
		dc_errx(2, opt.pat ? "-o: pattern '%s' lacks %%u, and the stream has more than one "
		    "utterance" : "%s: more than one utterance; stdout takes one: name files "
		    "with -o and %%u", opt.pat ? opt.pat : name);
	y = invert(u, id, &K, &p);
	/* finite spectra can still overflow on the way back (sums of 1e38): no tool
	 * writes NaN or Inf it was not given */
	if (dc_floats_finite(y, (int64_t)K * p.samples) != DC_OK)
		dc_errx(1, "%s: the inverse STFT overflows to Inf or NaN (spectrum values too large)", id);
	if (K > 1 && opt.pat && !opt.has_k)
		dc_errx(2, "-o: pattern '%s' lacks %%k, and utterance '%s' has %d sources", opt.pat,
		    id, K);
	if (opt.enc == DC_PCM16)
		for (k = 0; k < K; k++) {
			int64_t nc = clipped(y + k * p.samples, p.samples);
			if (nc)
				dc_warnx("%s: source %d: %lld samples beyond full scale clipped", id, k + 1,
				    (long long)nc);
		}
	if (opt.pat == NULL)
		put_stdout(y, K, &p);
	else
		put_files(id, y, K, &p);
	free(y);
}

int
main(int argc, char **argv)
{
	const char *name;
	int err, nerr, nutt;
	dc_record hdr;
	dc_reader *rd;
	dc_utt cur = { 0 }, next = { 0 }, tmp;
	char id[1024];   /* past NAME_MAX: a longer id, cut, is still refused as too long */

	dc_setprog(argv[0]);
	parse_opts(argc, argv);
	dc_out_input(opt.path);         /* no output may replace the stream */
	rd = dc_open_stream(opt.path, &hdr, &name);
	dc_record_free(&hdr);
	/* the rest (embeddings, labels, masks) is skipped as it arrives, never held */
	dc_reader_select(rd, (const char *const[]){ "stft", "masked", NULL }, NULL, NULL);
	if ((err = dc_read_utt(rd, &cur)) != DC_OK) {
		if (err != DC_EEOF)
			dc_stream_fail(name, rd, err);
		if (opt.pat == NULL)
			dc_errx(1, "%s: no utterance in the stream", name);
		dc_utt_free(&cur);
		dc_reader_free(rd);
		dc_finish_stdout();
		return 0;
	}
	/* one utterance ahead, to refuse a second before writing the first */
	for (nutt = 0;; nutt++) {
		if (dc_utt_id(&cur, id, sizeof id) != DC_OK)
			dc_errx(1, "%s: utterance %d: key 'id' missing or not a string", name, nutt + 1);
		nerr = dc_read_utt(rd, &next);
		put_utt(&cur, id, nutt, nerr == DC_OK, name);
		if (nerr == DC_EEOF)
			break;
		if (nerr != DC_OK)
			dc_stream_fail(name, rd, nerr);
		tmp = cur;
		cur = next;
		next = tmp;
	}
	dc_utt_free(&cur);
	dc_utt_free(&next);
	dc_reader_free(rd);
	written_free();
	dc_finish_stdout();
	return 0;
}
