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
 * The tool reads one unit ahead (a whole utterance, or a block of one in blocks:
 * formats/stream.md), so that a pattern without %u (or stdout) is refused when a
 * second utterance arrives, before any file of the first is in place. An
 * utterance in blocks is overlap-added block by block (dc_istft_push): its
 * samples are written as they become final, to temporary files that are copied
 * into place when the last block is done; memory holds a block, not the utterance.
 * With -r, each source's samples go through a resampler (libsoxr, dc-stft's
 * filter) on their way to the file, a chunk at a time.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dc.h"

static const char usage[] = "[-e encoding] [-o pattern] [-r rate | source] [file]";
/* the frames read from a record and overlap-added at a time */
#define CH 64

static void
help(void)
{
	printf("usage: dc-istft %s\n"
	    "Inverse STFT of a dcsep stream: the last masked record of each utterance\n"
	    "(K sources), or its stft record (one source), into waveforms.\n"
	    "  -e encoding  pcm16 or float (pcm16)\n"
	    "  -o pattern   one file per source: %%u utterance id, %%k source 1..K, %%%% a %%;\n"
	    "               the extension picks the format (wav, flac, ...)\n"
	    "  -r rate      write at rate Hz, resampled (the spectra's rate); source: at\n"
	    "               the rate of the recording each utterance came from\n"
	    "  -h           this help (--help too; --version: the version)\n"
	    "Without -o, writes one K-channel WAV to stdout (one utterance only).\n"
	    "With no file, or '-', reads stdin. See dc-istft(1).\n", usage);
}

/*
 * spectra: the record's spectra checked by dc_check_spectra, in dc-istft's words
 * (the key at fault, shapes as KxTxF); ndim 3 for masked, 2 for stft. Exits on a
 * fault; the caller checks K and finite values.
 */
static void
spectra(const dc_record *r, const char *id, int ndim, const dc_unit *b, dc_tensor *X,
    const void **bytes, dc_stft_params *p)
{
	const char *key;
	char shape[96];
	int err;

	switch (dc_check_spectra_bytes(r, ndim, b, X, bytes, p, &key, &err)) {
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
		if (b->blocked)
			dc_errx(1, "%s: %s: shape %s disagrees with its block at t0 %lld (%lld frames%s) "
			    "and its keys: %lld samples, nfft %lld, hop %lld", id, r->kind, shape,
			    (long long)b->t0, (long long)b->frames, b->last ? ", the last" : "",
			    (long long)p->samples, (long long)p->nfft, (long long)p->hop);
		dc_errx(1, "%s: %s: shape %s disagrees with its keys: %lld samples, nfft %lld, "
		    "hop %lld give T = %lld frames of F = %lld bins", id, r->kind, shape,
		    (long long)p->samples, (long long)p->nfft, (long long)p->hop,
		    (long long)dc_stft_frames(p), (long long)(p->nfft / 2 + 1));
	}
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

/* The options. */
static struct {
	const char *pat;        /* -o, NULL for stdout */
	const char *path;       /* the stream */
	int enc;                /* -e */
	int has_u, has_k;       /* whether pat holds %u, %k */
	int rate;               /* -r, 0: the spectra's, -1: each source_rate */
} opt = { NULL, "-", DC_PCM16, 0, 0, 0 };

/* parse_opts: the options and the file operand into opt; exits 2 on a bad one. */
static void
parse_opts(int argc, char **argv)
{
	const char *path, *ext;
	char q[256];
	int64_t v;
	int c, bad, seen;

	while ((c = dc_getopt(argc, argv, "e:o:r:h", usage, help)) != -1) {
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
		case 'r':
			if (strcmp(optarg, "source") == 0)
				opt.rate = -1;
			else if (dc_parse_int(optarg, 1, 1000000, &v))
				dc_errx(2, "-r: sample rate must be an integer from 1 to 1000000, or "
				    "source: %s", optarg);
			else
				opt.rate = (int)v;
			break;
		}
	}
	if ((path = dc_arg_path(argc, argv, usage)) != NULL)
		opt.path = path;
	if (opt.pat && strcmp(opt.pat, "-") == 0)
		opt.pat = NULL;     /* "-o -" is stdout */
	if (opt.pat == NULL) {
		dc_stdout_not_tty("WAV audio");
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
	if ((ext = dc_audio_unwritable(opt.pat)) != NULL)
		dc_errx(2, "-o: %s: no tool writes %s audio (the extension picks the format: "
		    DC_AUDIO_WRITES ")", dc_esc(opt.pat, 0, q, sizeof q), ext);
	dc_pattern_dir(opt.pat);
}

/*
 * The utterance being written: its outputs stay open from its first unit to its
 * last.
 */
static struct {
	int K, masked;
	dc_stft_params p;       /* of the first unit (samples: the unit's) */
	int64_t n;              /* samples written */
	int64_t want;           /* the utt record's samples in blocks, -1 if none */
	dc_audio_out **o;       /* K files, or one K-channel WAV for stdout */
	char **out;             /* K final names (-o) */
	const char **tmp;       /* their temporary files */
	dc_outset set;
	int64_t *clip;          /* K: samples beyond full scale */
	float *il;              /* CH frames' samples interleaved, for stdout */
	int rate;               /* the files' rate */
	dc_resampler **rs;      /* K resamplers to it, or NULL */
	const float **y;        /* K: each source's samples on their way out */
	size_t ilcap;           /* il's room, in samples */
} cur;

/* The run: the stream's name, the utterances put so far, and the units read. */
static struct {
	const char *name;
	int nutt;
	int ahead;              /* the unit being read follows one not yet put */
	uint64_t serial;        /* the number of the unit being read, from 1 */
	const char *unmasked;   /* the stage after dc-stft whose output no dc-mask
				 * turned into sources (history), or NULL */
	int mask_ran;           /* the history names dc-mask: every unit has a masked record */
	dc_reader *rd;          /* the stream */
} run;

/* unmasked_by: the last tool of the header's history that makes what dc-mask
 * takes (labels, masks, embeddings) when no dc-mask came after it, else NULL: a
 * stream without masked records then holds the mixture only, by a forgotten stage;
 * *mask_ran: whether dc-mask is in the history at all */
static const char *
unmasked_by(const dc_record *hdr, int *mask_ran)
{
	static const char *const makers[] = { "dc-kmeans", "dc-oracle", "dc-embed" };
	const char **v, *last = NULL;
	size_t *len;
	int n = dc_rec_strs(hdr, "history", NULL, NULL, 0), i, j;

	*mask_ran = 0;
	if (n <= 0)
		return NULL;
	v = dc_xmalloc((size_t)n * sizeof *v);
	len = dc_xmalloc((size_t)n * sizeof *len);
	dc_rec_strs(hdr, "history", v, len, n);
	for (i = 0; i < n; i++) {
		if (len[i] == 7 && memcmp(v[i], "dc-mask", 7) == 0) {
			last = NULL;
			*mask_ran = 1;
		}
		for (j = 0; j < 3; j++)
			if (len[i] == strlen(makers[j]) && memcmp(v[i], makers[j], len[i]) == 0)
				last = makers[j];
	}
	free(v);
	free(len);
	return last;
}

/* refuse: a second utterance where one is taken (stdout, or -o without %u) */
static _Noreturn void
refuse(void)
{
	dc_errx(2, opt.pat ? "-o: pattern '%s' lacks %%u, and the stream has more than one "
	    "utterance" : "%s: more than one utterance; stdout takes one: name files with -o "
	    "and %%u", opt.pat ? opt.pat : run.name);
}

/*
 * The spectra of a unit turned into samples, source after source, as their
 * frames arrive: a masked record's data from the reader's sink
 * (dc_reader_sink), never held whole, or at put_unit a record held whole (an
 * stft record, or a masked record whose data is not its last key). sp holds the
 * unit's samples until the unit is put: a quarter of its spectra's bytes. A
 * later masked record of the same unit (the reader keeps the last:
 * dc_reader_replace) starts over from the states the unit began with.
 */
static struct {
	uint64_t unit;          /* the unit these samples are of (0: none) */
	char kind[32];
	char id[DC_ID_MAX];
	int K;
	dc_stft_params p;
	int64_t T, F, N;        /* frames and bins a source; the samples it ends at (-1) */
	dc_istft_state **st;    /* K: each source's overlap-add, carried from block to block */
	dc_istft_state **snap;  /* K: the states as a block after the first began */
	int nst;                /* states made in st (and room in snap) */
	float **y;              /* the unit's samples of each source, ny[k] of them */
	int64_t *ny, *ycap;
	int ky;                 /* sources y has room for */
	float *x;               /* CH frames of a source's spectra (complex64) */
	int64_t xcap;           /* x's complex values */
	int64_t xf, fb;         /* the frames in x, and the bytes of the next one so far */
	int k, t;               /* the source, and its frame, that the next frame is */
	int skip;               /* the record is not one to put (spec_begin, soft) */
	int nonfinite;          /* it holds NaN or Inf (in a frame not pushed) */
} sp;

/* states_free: the states of the utterance that was put */
static void
states_free(void)
{
	int k;

	for (k = 0; k < sp.nst; k++) {
		dc_istft_end(sp.st[k]);
		if (sp.snap)
			dc_istft_end(sp.snap[k]);
	}
	free(sp.st);
	free(sp.snap);
	sp.st = sp.snap = NULL;
	sp.nst = 0;
}

/* unit_states: a block after the first keeps the states it began with at its
 * first record, and goes back to them at a later one (unit: its number) */
static void
unit_states(const dc_unit *b, uint64_t unit)
{
	int k;

	for (k = 0; b->index > 0 && k < sp.nst; k++) {
		if (sp.unit != unit) {
			if (sp.snap[k] == NULL)
				sp.snap[k] = dc_istft_begin(&cur.p);
			dc_istft_copy(sp.snap[k], sp.st[k]);
		} else
			dc_istft_copy(sp.st[k], sp.snap[k]);
	}
	sp.unit = unit;
}

/*
 * spec_begin: the record r (masked or stft) of the unit b, number unit, of the
 * utterance id checked, its states ready and its samples emptied; *bytes its
 * data where it is held (NULL for a sunk record; bytes itself is never NULL).
 * A fault exits, or with soft (a sunk record, which a later one may replace)
 * leaves sp.skip set: put_unit calls again without soft if r is the one put.
 */
static void
spec_begin(const dc_unit *b, const dc_record *r, const char *id, uint64_t unit,
    const void **bytes, int soft)
{
	int masked = strcmp(r->kind, "masked") == 0, k, kk, err;
	const char *key;
	dc_stft_params p;
	dc_tensor X;
	int64_t T, F, kkey;

	unit_states(b, unit);
	snprintf(sp.kind, sizeof sp.kind, "%s", r->kind);
	snprintf(sp.id, sizeof sp.id, "%s", id);
	sp.skip = 1;
	sp.nonfinite = 0;
	sp.K = 0;
	if (b->index > 0 && masked != cur.masked) {
		if (soft)
			return;
		dc_errx(1, "%s: block at t0 %lld: %s, but the blocks before had %s", id,
		    (long long)b->t0, masked ? "a masked record" : "no masked record",
		    cur.masked ? "one" : "none");
	}
	if (soft) {
		if (dc_check_spectra_bytes(r, masked ? 3 : 2, b, &X, bytes, &p, &key, &err) != DC_SPEC_OK)
			return;
	} else
		spectra(r, id, masked ? 3 : 2, b, &X, bytes, &p);
	T = X.shape[masked ? 1 : 0];
	F = p.nfft / 2 + 1;
	kk = masked ? (int)X.shape[0] : 1;
	if (masked && (X.shape[0] < 1 || X.shape[0] > 1024)) {
		if (soft)
			return;
		dc_errx(1, "%s: %s: %lld sources; dc-istft takes 1 to 1024", id, r->kind,
		    (long long)X.shape[0]);
	}
	if (masked && dc_rec_get(r, "k") && (dc_rec_int(r, "k", &kkey) != DC_OK || kkey != kk)) {
		if (soft)
			return;
		dc_errx(1, "%s: masked: key 'k' disagrees with the shape's K = %d", id, kk);
	}
	if (b->index > 0 && (kk != cur.K || p.rate != cur.p.rate || p.nfft != cur.p.nfft ||
	    p.hop != cur.p.hop || strcmp(p.window, cur.p.window) != 0)) {
		if (soft)
			return;
		dc_errx(1, "%s: %s: block at t0 %lld: %d sources, rate %lld, nfft %lld, hop %lld, "
		    "window %s; the blocks before: %d, %lld, %lld, %lld, %s", id, r->kind,
		    (long long)b->t0, kk, (long long)p.rate, (long long)p.nfft, (long long)p.hop,
		    p.window, cur.K, (long long)cur.p.rate, (long long)cur.p.nfft,
		    (long long)cur.p.hop, cur.p.window);
	}
	if (b->index == 0) {            /* an utterance begins: fresh states */
		states_free();
		sp.st = dc_xcalloc((size_t)kk, sizeof *sp.st);
		sp.snap = dc_xcalloc((size_t)kk, sizeof *sp.snap);
		for (k = 0; k < kk; k++)
			sp.st[k] = dc_istft_begin(&p);
		sp.nst = kk;
	}
	sp.skip = 0;
	sp.K = kk;
	sp.p = p;
	sp.T = T;
	sp.F = F;
	sp.N = b->last ? b->t0 * p.hop + p.samples : -1;
	if (kk > sp.ky) {
		sp.y = dc_xrealloc(sp.y, (size_t)kk * sizeof *sp.y);
		sp.ycap = dc_xrealloc(sp.ycap, (size_t)kk * sizeof *sp.ycap);
		sp.ny = dc_xrealloc(sp.ny, (size_t)kk * sizeof *sp.ny);
		for (k = sp.ky; k < kk; k++)
			sp.y[k] = NULL, sp.ycap[k] = 0;
		sp.ky = kk;
	}
	/* a push of n frames hands out at most n hop samples */
	for (k = 0; k < kk; k++)
		if (T * p.hop + 1 > sp.ycap[k]) {
			sp.ycap[k] = T * p.hop + 1;
			sp.y[k] = dc_xrealloc(sp.y[k], (size_t)sp.ycap[k] * sizeof *sp.y[k]);
		}
	if (CH * F > sp.xcap) {
		sp.xcap = CH * F;
		sp.x = dc_xrealloc(sp.x, (size_t)(2 * sp.xcap) * sizeof *sp.x);
	}
	for (k = 0; k < kk; k++)
		sp.ny[k] = 0;
	sp.xf = sp.fb = 0;
	sp.k = sp.t = 0;
}

/* spec_push: the xf frames in x overlap-added onto source k's samples */
static void
spec_push(int k, int64_t xf)
{
	int64_t got;

	if (dc_istft_push(sp.st[k], sp.x, xf, sp.N, sp.y[k] + sp.ny[k], &got) != DC_OK)
		dc_errx(1, "%s: %s: %s", sp.id, sp.kind, dc_strerror(DC_EPARAM));
	sp.ny[k] += got;
}

/* spec_bytes: the next n bytes of the unit's spectra (K x T x F complex64, in
 * order), each frame checked as it is complete and pushed CH frames at a time */
static void
spec_bytes(const void *buf, size_t n)
{
	const unsigned char *q = buf;
	int64_t fbytes = 8 * sp.F;
	float *f;
	size_t m;

	while (n > 0 && sp.k < sp.K && !sp.nonfinite) {
		m = (size_t)(fbytes - sp.fb) < n ? (size_t)(fbytes - sp.fb) : n;
		memcpy((unsigned char *)(sp.x + 2 * sp.F * sp.xf) + sp.fb, q, m);
		sp.fb += (int64_t)m;
		q += m;
		n -= m;
		if (sp.fb < fbytes)
			break;
		sp.fb = 0;
		f = sp.x + 2 * sp.F * sp.xf++;
		if (dc_floats_finite(f, 2 * sp.F) != DC_OK) {
			sp.nonfinite = 1;       /* an error where it is the record put */
			return;
		}
		if (++sp.t == sp.T || sp.xf == CH) {
			spec_push(sp.k, sp.xf);
			sp.xf = 0;
			if (sp.t == sp.T)
				sp.k++, sp.t = 0;
		}
	}
}

/* spec_end: the unit's spectra all in: every sample of each source that is
 * final (all of them at the utterance's last unit) */
static void
spec_end(void)
{
	int k;

	for (k = 0; k < sp.K; k++)
		spec_push(k, 0);
}

/* sink: the reader's sink of stft and masked records (dc_reader_sink): the
 * record, then its data piece by piece, into samples. A record refused here is
 * refused at put_unit if it is the one put; an stft record after a masked one
 * in the same unit is not put (put_unit takes the masked), and is passed over. */
static int
sink(void *ctx, const dc_unit *b, const dc_record *r, const void *buf, size_t n)
{
	static int over;        /* the record being read is passed over */
	char id[DC_ID_MAX];
	const char *why;
	const void *none;

	(void)ctx;
	if (r == NULL) {
		if (!over)
			spec_bytes(buf, n);
		return DC_OK;
	}
	if (run.ahead)
		refuse();
	over = sp.unit == run.serial && strcmp(sp.kind, "masked") == 0 &&
	    strcmp(r->kind, "masked") != 0;
	if (over)
		return DC_OK;
	if ((why = dc_rec_id(b->utt, id)) != NULL)
		dc_errx(1, "%s: utterance %d: %s", run.name, run.nutt + 1, why);
	spec_begin(b, r, id, run.serial, &none, 1);
	return DC_OK;
}

/* write_fail: a source's file could not be written: nothing goes in place */
static _Noreturn void
write_fail(int k)
{
	if (opt.pat == NULL)
		dc_errx(1, "stdout: %s", dc_audio_errstr());
	dc_warnx("%s: %s", cur.out[k], dc_audio_errstr());
	dc_outset_abort(&cur.set);
	exit(1);
}

/* begin: the outputs of an utterance of sp.K sources with sp's parameters: its
 * file names expanded and checked, temporary files beside them, a writer each */
static void
begin(const char *id, const dc_record *utt)
{
	const char *why;
	char q[4 * 256 + 8];
	int k, e, K = sp.K;

	cur.K = K;
	cur.p = sp.p;
	cur.n = 0;
	cur.clip = dc_xcalloc((size_t)K, sizeof *cur.clip);
	cur.o = dc_xcalloc((size_t)K, sizeof *cur.o);
	cur.y = dc_xcalloc((size_t)K, sizeof *cur.y);
	cur.rate = opt.rate > 0 ? opt.rate : (int)sp.p.rate;
	if (opt.rate < 0 && utt && dc_rec_get(utt, "source_rate")) {
		int64_t sr;

		if (dc_rec_int(utt, "source_rate", &sr) != DC_OK || sr < 1 || sr > 1000000)
			dc_errx(1, "%s: utt record: key 'source_rate' is not a sample rate from 1 to "
			    "1000000 Hz", id);
		cur.rate = (int)sr;
	}
	if (cur.rate != sp.p.rate) {
		cur.rs = dc_xcalloc((size_t)K, sizeof *cur.rs);
		for (k = 0; k < K; k++)
			if (dc_resampler_new((double)sp.p.rate, cur.rate, &cur.rs[k]) != DC_OK)
				dc_errx(1, "%s: -r %d: %s", id, cur.rate, dc_audio_errstr());
	}
	if (opt.pat == NULL) {
		cur.ilcap = (size_t)(K * CH * sp.p.hop);
		cur.il = dc_xmalloc(cur.ilcap * sizeof *cur.il);
		if (dc_audio_out_open("-", K, cur.rate, opt.enc, &cur.o[0]) != DC_OK)
			dc_errx(1, "stdout: %s", dc_audio_errstr());
		return;
	}
	cur.out = dc_xcalloc((size_t)K, sizeof *cur.out);
	cur.tmp = dc_xcalloc((size_t)K, sizeof *cur.tmp);
	memset(&cur.set, 0, sizeof cur.set);
	for (k = 0; k < K; k++)
		if ((cur.out[k] = dc_out_expand(opt.pat, id, k + 1, NULL, &why)) == NULL)
			dc_errx(1, "id \"%s\": %s", dc_esc(id, 1, q, sizeof q), why);
	for (k = 0; k < K; k++) {
		if (dc_out_written(cur.out[k]))
			dc_errx(1, "%s: %s was already written for an earlier utterance (two "
			    "utterances with one id?)", id, cur.out[k]);
		if ((cur.tmp[k] = dc_outset_add(&cur.set, cur.out[k], &why)) == NULL) {
			e = errno;      /* before the abort's unlinks; ENOENT: a directory
					 * named by %u or %k, not there */
			dc_outset_abort(&cur.set);
			if (why)
				dc_errx(1, "%s: %s", cur.out[k], why);
			dc_errx(1, "%s: %s%s", cur.out[k], strerror(e), e == ENOENT ?
			    DC_NO_DIRS : "");
		}
		if (dc_audio_out_open(cur.tmp[k], 1, cur.rate, opt.enc, &cur.o[k]) != DC_OK)
			write_fail(k);
	}
}

/* put_out: ny samples of each source, y[k] (at the files' rate), counted and
 * written */
static void
put_out(const float *const *y, int64_t ny)
{
	int64_t i;
	int k, kk = cur.K;

	for (k = 0; k < kk; k++)
		cur.clip[k] += clipped(y[k], ny);
	if (opt.pat == NULL) {
		if ((size_t)(ny * kk) > cur.ilcap) {
			cur.ilcap = (size_t)(ny * kk);
			cur.il = dc_xrealloc(cur.il, cur.ilcap * sizeof *cur.il);
		}
		for (i = 0; i < ny; i++)
			for (k = 0; k < kk; k++)
				cur.il[i * kk + k] = y[k][i];
		if (dc_audio_out_put(cur.o[0], cur.il, ny) != DC_OK)
			write_fail(0);
	} else
		for (k = 0; k < kk; k++)
			if (dc_audio_out_put(cur.o[k], y[k], ny) != DC_OK)
				write_fail(k);
}

/* resampled: the next samples of each source from its resampler, given x[k][n]
 * (n 0: the end), into y[k]; returns how many (the same for every source: their
 * resamplers are alike and fed alike) */
static int64_t
resampled(const char *id, const float *const *x, int64_t n, const float **y)
{
	int64_t m = 0, mk;
	int k, err;

	for (k = 0; k < cur.K; k++) {
		if ((err = dc_resampler_put(cur.rs[k], n ? x[k] : NULL, n, &y[k], &mk)) != DC_OK)
			dc_errx(1, "%s: -r %d: %s", id, cur.rate, err == DC_ERESAMPLE ?
			    dc_audio_errstr() : dc_strerror(err));
		if (k > 0 && mk != m)
			abort();
		m = mk;
	}
	return m;
}

/* finish: the utterance's clipping notes, then its files complete and in place
 * (all K renamed only when all are written), or stdout's WAV copied out */
static void
finish(const char *id)
{
	const char *why;
	int k;

	if (cur.rs) {
		/* the resamplers' last samples */
		int64_t m;

		while ((m = resampled(id, cur.y, 0, cur.y)) > 0)
			put_out(cur.y, m);
		for (k = 0; k < cur.K; k++)
			dc_resampler_free(cur.rs[k]);
		free(cur.rs);
	}
	if (opt.enc == DC_PCM16)
		for (k = 0; k < cur.K; k++)
			if (cur.clip[k])
				dc_warnx("%s: source %d: %lld sample%s beyond full scale clipped", id, k + 1,
				    (long long)cur.clip[k], cur.clip[k] == 1 ? "" : "s");
	if (opt.pat == NULL) {
		if (dc_audio_out_close(cur.o[0], "-") != DC_OK)
			dc_errx(1, "stdout: %s", dc_audio_errstr());
	} else {
		for (k = 0; k < cur.K; k++) {
			int err = dc_audio_out_close(cur.o[k], cur.tmp[k]);
			cur.o[k] = NULL;
			if (err != DC_OK)
				write_fail(k);
		}
		if (dc_outset_commit(&cur.set, &why) != DC_OK)
			dc_errx(1, "%s: %s", why, strerror(errno));
		dc_outset_free(&cur.set);
		for (k = 0; k < cur.K; k++) {
			dc_out_wrote(cur.out[k]);
			free(cur.out[k]);
		}
		free(cur.out);
		free(cur.tmp);
	}
	free(cur.o);
	free(cur.y);
	free(cur.clip);
	free(cur.il);
	memset(&cur, 0, sizeof cur);
}

/* put_samples: the ny samples of each source from sample off of sp.y (final,
 * from dc_istft_push) checked, resampled with -r, and written */
static void
put_samples(const char *id, int64_t off, int64_t ny)
{
	const float **y = cur.y;
	int k;

	/* finite spectra can still overflow on the way back (sums of 1e38): no tool
	 * writes NaN or Inf it was not given */
	for (k = 0; k < cur.K; k++)
		if (dc_floats_finite(sp.y[k] + off, ny) != DC_OK)
			dc_errx(1, "%s: the inverse STFT overflows to Inf or NaN (spectrum values too large)",
			    id);
	for (k = 0; k < cur.K; k++)
		y[k] = sp.y[k] + off;
	if (cur.rs)
		put_out(y, resampled(id, y, ny, y));
	else
		put_out(y, ny);
	cur.n += ny;
}

/*
 * put_unit: one unit u (b says which, number unit) of the utterance id: the
 * samples of its last masked record (or stft record), made as it was read (a
 * sunk record) or now, written onto the sources' outputs, which the first unit
 * opens and the last completes; want is the utt record's samples (-1: none) for
 * the first block; more says whether another utterance follows (known, and
 * needed, only where a second one is refused: main reads ahead there).
 */
static void
put_unit(const dc_utt *u, const dc_unit *b, const char *id, int64_t want, int more,
    uint64_t unit)
{
	dc_record *r = dc_utt_find(u, "masked");
	int masked = r != NULL;
	const void *bytes;
	int64_t i, n, step;

	if (b->last && more && run.nutt == 0 && (opt.pat == NULL || !opt.has_u))
		refuse();
	if (r == NULL && (r = dc_utt_find(u, "stft")) == NULL)
		dc_errx(1, "%s: no masked or stft record", id);
	/* dc-mask appends a masked record to every unit it writes: a unit without
	 * one is where it, or a stage before it, failed (a pipeline's exit status is
	 * its last stage's), and the mixture written as a source would pass for one.
	 * Only in a stream of one header: streams joined end to end (cat) each have
	 * their own history, which the reader passes over */
	if (!masked && run.mask_ran && dc_reader_headers(run.rd) == 1)
		dc_errx(1, "%s: no masked record, though the stream passed dc-mask: a stage before "
		    "dc-istft failed on this utterance (its message is above); nothing written", id);
	if (!r->sunk || sp.skip) {
		spec_begin(b, r, id, unit, &bytes, 0);  /* a sunk one refused: why, and exit */
		if (r->sunk)    /* spec_begin refuses what it refused as the record was read */
			abort();
		spec_bytes(bytes, (size_t)(8 * sp.K * sp.T * sp.F));
	}
	if (sp.nonfinite)
		dc_errx(1, "%s: %s: %s", id, r->kind, dc_strerror(DC_ENONFINITE));
	spec_end();
	if (b->index == 0) {
		if (sp.K > 1 && opt.pat && !opt.has_k)
			dc_errx(2, "-o: pattern '%s' lacks %%k, and utterance '%s' has %d sources",
			    opt.pat, id, sp.K);
		if (opt.pat)
			dc_out_source(b->utt);  /* the recording it came from stays */
		begin(id, b->utt);
		cur.masked = masked;
		cur.want = want;
	}
	/* every sample up to the utterance's length at its last unit, CH frames'
	 * worth at a time */
	step = CH * sp.p.hop;
	for (i = 0; i < sp.ny[0]; i += n) {
		n = sp.ny[0] - i < step ? sp.ny[0] - i : step;
		put_samples(id, i, n);
	}
	if (!b->last)
		return;
	if (cur.want >= 0 && cur.n != cur.want)
		dc_errx(1, "%s: the blocks end at sample %lld, but the utt record says %lld samples",
		    id, (long long)cur.n, (long long)cur.want);
	finish(id);
	if (!masked && run.unmasked) {
		/* once a run, once written: the mixture as it was, a stage forgotten */
		dc_warnx("%s: no masked record: the mixture was written as it is (the stream "
		    "passed %s, but no dc-mask after it: dc-mask makes the sources)", id, run.unmasked);
		run.unmasked = NULL;
	}
}

int
main(int argc, char **argv)
{
	int err, nerr, more;
	dc_record hdr;
	dc_reader *rd;
	dc_utt u = { 0 }, next = { 0 }, tmp;
	dc_unit b, nb;
	char id[DC_ID_MAX];
	const char *why;
	int64_t want;
	uint64_t unit, nunit;

	dc_setprog(argv[0]);
	parse_opts(argc, argv);
	dc_out_input(opt.path);         /* no output may replace the stream */
	rd = dc_open_stream(opt.path, &hdr, &run.name);
	run.rd = rd;
	run.unmasked = unmasked_by(&hdr, &run.mask_ran);
	dc_record_free(&hdr);
	/* the rest (embeddings, labels, masks) is skipped as it arrives, never held;
	 * a masked record replaces the stft record (and a masked record) before it,
	 * and its data goes into samples as it is read */
	dc_reader_select(rd, (const char *const[]){ "stft", "masked", NULL }, NULL, NULL);
	dc_reader_replace(rd, (const char *const[]){ "masked", NULL },
	    (const char *const[]){ "stft", "masked", NULL });
	dc_reader_sink(rd, (const char *const[]){ "stft", "masked", NULL }, sink, NULL);
	unit = run.serial = 1;
	if ((err = dc_read_unit(rd, &u, &b)) != DC_OK) {
		if (err != DC_EEOF)
			dc_stream_fail(run.name, rd, err);
		/* with -o too: a stage before that failed after the header (dc-stft on
		 * a file it cannot read) would otherwise end the pipeline in success */
		dc_errx(1, "%s: no utterance in the stream", run.name);
	}
	/*
	 * One unit ahead where a second utterance is refused (stdout, or -o without
	 * %u), so that it is refused before the first is in place; else each unit is
	 * put before the next is read, and only one is held.
	 */
	for (;;) {
		int ahead = b.last && (opt.pat == NULL || !opt.has_u);

		if ((why = dc_rec_id(b.utt, id)) != NULL)
			dc_errx(1, "%s: utterance %d: %s", run.name, run.nutt + 1, why);
		/* the utt record's samples, read before the next unit may replace it */
		want = -1;
		if (b.blocked && b.index == 0 && dc_rec_get(b.utt, "samples") &&
		    dc_rec_int(b.utt, "samples", &want) != DC_OK)
			dc_errx(1, "%s: utt record: key 'samples' not an integer", id);
		nunit = ++run.serial;
		if (ahead) {
			run.ahead = 1;
			nerr = dc_read_unit(rd, &next, &nb);
			run.ahead = 0;
			more = nerr == DC_OK && (!nb.blocked || nb.index == 0);
			put_unit(&u, &b, id, want, more, unit);
			run.nutt += b.last;
		} else {
			put_unit(&u, &b, id, want, 0, unit);
			dc_utt_clear(&u);
			/* counted before the next unit is read: the sink names its utterance */
			run.nutt += b.last;
			nerr = dc_read_unit(rd, &next, &nb);
		}
		if (nerr == DC_EEOF)
			break;
		if (nerr != DC_OK)
			dc_stream_fail(run.name, rd, nerr);
		tmp = u;
		u = next;
		next = tmp;
		b = nb;
		unit = nunit;
	}
	dc_utt_free(&u);
	dc_utt_free(&next);
	dc_reader_free(rd);
	dc_out_written_free();
	states_free();
	for (err = 0; err < sp.ky; err++)
		free(sp.y[err]);
	free(sp.y);
	free(sp.ny);
	free(sp.ycap);
	free(sp.x);
	dc_finish_stdout();
	return 0;
}
