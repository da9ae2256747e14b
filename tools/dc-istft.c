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
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dc.h"

static const char usage[] = "[-e encoding] [-o pattern] [file]";
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

/*
 * The utterance being written: its outputs stay open from its first unit to its
 * last, each source's overlap-add carried from block to block.
 */
static struct {
	int K, masked;
	dc_stft_params p;       /* of the first unit (samples: the unit's) */
	int64_t n;              /* samples written */
	int64_t want;           /* the utt record's samples in blocks, -1 if none */
	dc_istft_state **st;    /* K */
	dc_audio_out **o;       /* K files, or one K-channel WAV for stdout */
	char **out;             /* K final names (-o) */
	const char **tmp;       /* their temporary files */
	dc_outset set;
	int64_t *clip;          /* K: samples beyond full scale */
	float *y, *il;          /* CH frames' samples, K x cap; interleaved for stdout */
	int64_t cap;
	float *x;               /* CH frames of a source's spectra (complex64) */
	int64_t xcap;           /* x's complex values */
} cur;

/* grow: room for n samples a source in cur.y (and cur.il, for stdout) */
static void
grow(int64_t n)
{
	if (n <= cur.cap)
		return;
	cur.cap = n;
	cur.y = dc_xrealloc(cur.y, (size_t)(cur.K * n) * sizeof *cur.y);
	if (opt.pat == NULL)
		cur.il = dc_xrealloc(cur.il, (size_t)(cur.K * n) * sizeof *cur.il);
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

/* begin: the outputs of an utterance of K sources with parameters p: its file
 * names expanded and checked, temporary files beside them, a writer each */
static void
begin(const char *id, int K, const dc_stft_params *p)
{
	const char *why;
	char q[4 * 256 + 8];
	int k;

	cur.K = K;
	cur.p = *p;
	cur.n = 0;
	cur.st = dc_xcalloc((size_t)K, sizeof *cur.st);
	cur.clip = dc_xcalloc((size_t)K, sizeof *cur.clip);
	cur.o = dc_xcalloc((size_t)K, sizeof *cur.o);
	cur.cap = 0;
	for (k = 0; k < K; k++)
		cur.st[k] = dc_istft_begin(p);
	if (opt.pat == NULL) {
		if (dc_audio_out_open("-", K, (int)p->rate, opt.enc, &cur.o[0]) != DC_OK)
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
		if (written_has(cur.out[k]))
			dc_errx(1, "%s: %s was already written for an earlier utterance (two "
			    "utterances with one id?)", id, cur.out[k]);
		if ((cur.tmp[k] = dc_outset_add(&cur.set, cur.out[k], &why)) == NULL) {
			dc_outset_abort(&cur.set);
			if (why)
				dc_errx(1, "%s: %s", cur.out[k], why);
			dc_errx(1, "%s: %s", cur.out[k], strerror(errno));
		}
		if (dc_audio_out_open(cur.tmp[k], 1, (int)p->rate, opt.enc, &cur.o[k]) != DC_OK)
			write_fail(k);
	}
}

/* finish: the utterance's clipping notes, then its files complete and in place
 * (all K renamed only when all are written), or stdout's WAV copied out */
static void
finish(const char *id)
{
	const char *why;
	int k;

	if (opt.enc == DC_PCM16)
		for (k = 0; k < cur.K; k++)
			if (cur.clip[k])
				dc_warnx("%s: source %d: %lld samples beyond full scale clipped", id, k + 1,
				    (long long)cur.clip[k]);
	for (k = 0; k < cur.K; k++)
		dc_istft_end(cur.st[k]);
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
		for (k = 0; k < cur.K; k++)
			written_add(cur.out[k]);
		free(cur.out);
		free(cur.tmp);
	}
	free(cur.st);
	free(cur.o);
	free(cur.clip);
	free(cur.y);
	free(cur.il);
	free(cur.x);
	memset(&cur, 0, sizeof cur);
}

/* put_samples: the ny samples of each of the kk sources in cur.y (final, from
 * dc_istft_push) checked, counted and written */
static void
put_samples(const char *id, int kk, int64_t ny)
{
	int64_t i;
	int k;

	/* finite spectra can still overflow on the way back (sums of 1e38): no tool
	 * writes NaN or Inf it was not given */
	for (k = 0; k < kk; k++)
		if (dc_floats_finite(cur.y + k * cur.cap, ny) != DC_OK)
			dc_errx(1, "%s: the inverse STFT overflows to Inf or NaN (spectrum values too large)",
			    id);
	for (k = 0; k < kk; k++)
		cur.clip[k] += clipped(cur.y + k * cur.cap, ny);
	if (opt.pat == NULL) {
		for (i = 0; i < ny; i++)
			for (k = 0; k < kk; k++)
				cur.il[i * kk + k] = cur.y[k * cur.cap + i];
		if (dc_audio_out_put(cur.o[0], cur.il, ny) != DC_OK)
			write_fail(0);
	} else
		for (k = 0; k < kk; k++)
			if (dc_audio_out_put(cur.o[k], cur.y + k * cur.cap, ny) != DC_OK)
				write_fail(k);
	cur.n += ny;
}

/*
 * put_unit: one unit u (b says which) of the utterance id, the nutt-th: its last
 * masked record (or stft record) overlap-added onto the sources' outputs, which
 * the first unit opens and the last completes; want is the utt record's samples
 * (-1: none) for the first block; more says whether another utterance follows
 * (known, and needed, only where a second one is refused: main reads ahead there).
 */
static void
put_unit(const dc_utt *u, const dc_unit *b, const char *id, int64_t want, int nutt, int more,
    const char *name)
{
	dc_record *r = dc_utt_find(u, "masked");
	int masked = r != NULL, k, kk;
	int64_t T, F, N, ny, i, n, t;
	const void *bytes;
	dc_stft_params p;
	dc_tensor X;

	if (b->last && more && nutt == 0 && (opt.pat == NULL || !opt.has_u))
		dc_errx(2, opt.pat ? "-o: pattern '%s' lacks %%u, and the stream has more than one "
		    "utterance" : "%s: more than one utterance; stdout takes one: name files "
		    "with -o and %%u", opt.pat ? opt.pat : name);
	if (r == NULL && (r = dc_utt_find(u, "stft")) == NULL)
		dc_errx(1, "%s: no masked or stft record", id);
	if (b->index > 0 && masked != cur.masked)
		dc_errx(1, "%s: block at t0 %lld: %s, but the blocks before had %s", id,
		    (long long)b->t0, masked ? "a masked record" : "no masked record",
		    cur.masked ? "one" : "none");
	spectra(r, id, masked ? 3 : 2, b, &X, &bytes, &p);
	T = X.shape[masked ? 1 : 0];
	F = p.nfft / 2 + 1;
	kk = masked ? (int)X.shape[0] : 1;
	if (masked && (X.shape[0] < 1 || X.shape[0] > 1024))
		dc_errx(1, "%s: %s: %lld sources; dc-istft takes 1 to 1024", id, r->kind,
		    (long long)X.shape[0]);
	if (masked) {
		int64_t kkey;
		if (dc_rec_get(r, "k") && (dc_rec_int(r, "k", &kkey) != DC_OK || kkey != kk))
			dc_errx(1, "%s: masked: key 'k' disagrees with the shape's K = %d", id, kk);
	}
	/* the spectra are read from the record CH frames at a time, never copied whole */
	if ((kk * T < CH ? kk * T : CH) * F > cur.xcap) {
		cur.xcap = (kk * T < CH ? kk * T : CH) * F;
		cur.x = dc_xrealloc(cur.x, (size_t)(2 * cur.xcap) * sizeof *cur.x);
	}
	for (i = 0; i < kk * T; i += n) {
		n = kk * T - i < CH ? kk * T - i : CH;
		memcpy(cur.x, (const char *)bytes + 8 * i * F, (size_t)(8 * n * F));
		if (dc_floats_finite(cur.x, 2 * n * F) != DC_OK)
			dc_errx(1, "%s: %s: %s", id, r->kind, dc_strerror(DC_ENONFINITE));
	}
	if (b->index == 0) {
		if (kk > 1 && opt.pat && !opt.has_k)
			dc_errx(2, "-o: pattern '%s' lacks %%k, and utterance '%s' has %d sources",
			    opt.pat, id, kk);
		begin(id, kk, &p);
		cur.masked = masked;
		cur.want = want;
	} else if (kk != cur.K || p.rate != cur.p.rate || p.nfft != cur.p.nfft ||
	    p.hop != cur.p.hop || strcmp(p.window, cur.p.window) != 0)
		dc_errx(1, "%s: %s: block at t0 %lld: %d sources, rate %lld, nfft %lld, hop %lld, "
		    "window %s; the blocks before: %d, %lld, %lld, %lld, %s", id, r->kind,
		    (long long)b->t0, kk, (long long)p.rate, (long long)p.nfft, (long long)p.hop,
		    p.window, cur.K, (long long)cur.p.rate, (long long)cur.p.nfft,
		    (long long)cur.p.hop, cur.p.window);
	/* the last unit: every sample up to the utterance's length. CH frames at a
	 * time, each source's in turn, overlap-added and written: the sums and the
	 * samples are those of all T frames at once, in the same order (the sums of a
	 * sample are kept until its last frame is in) */
	N = b->last ? b->t0 * p.hop + p.samples : -1;
	grow((T < CH ? T : CH) * p.hop + 1);
	t = 0;
	do {
		n = T - t < CH ? T - t : CH;
		for (k = 0; k < kk; k++) {
			if (n > 0)
				memcpy(cur.x, (const char *)bytes + 8 * (k * T + t) * F,
				    (size_t)(8 * n * F));
			if (dc_istft_push(cur.st[k], cur.x, n, N, cur.y + k * cur.cap, &ny) != DC_OK)
				dc_errx(1, "%s: %s: %s", id, r->kind, dc_strerror(DC_EPARAM));
		}
		put_samples(id, kk, ny);
		t += n;
	} while (t < T);
	if (!b->last)
		return;
	if (cur.want >= 0 && cur.n != cur.want)
		dc_errx(1, "%s: the blocks end at sample %lld, but the utt record says %lld samples",
		    id, (long long)cur.n, (long long)cur.want);
	finish(id);
}

int
main(int argc, char **argv)
{
	const char *name;
	int err, nerr, nutt, more;
	dc_record hdr;
	dc_reader *rd;
	dc_utt u = { 0 }, next = { 0 }, tmp;
	dc_unit b, nb;
	char id[1024];   /* past NAME_MAX: a longer id, cut, is still refused as too long */
	int64_t want;

	dc_setprog(argv[0]);
	parse_opts(argc, argv);
	dc_out_input(opt.path);         /* no output may replace the stream */
	rd = dc_open_stream(opt.path, &hdr, &name);
	dc_record_free(&hdr);
	/* the rest (embeddings, labels, masks) is skipped as it arrives, never held;
	 * a masked record replaces the stft record (and a masked record) before it */
	dc_reader_select(rd, (const char *const[]){ "stft", "masked", NULL }, NULL, NULL);
	dc_reader_replace(rd, (const char *const[]){ "masked", NULL },
	    (const char *const[]){ "stft", "masked", NULL });
	if ((err = dc_read_unit(rd, &u, &b)) != DC_OK) {
		if (err != DC_EEOF)
			dc_stream_fail(name, rd, err);
		if (opt.pat == NULL)
			dc_errx(1, "%s: no utterance in the stream", name);
		dc_utt_free(&u);
		dc_reader_free(rd);
		dc_finish_stdout();
		return 0;
	}
	/*
	 * One unit ahead where a second utterance is refused (stdout, or -o without
	 * %u), so that it is refused before the first is in place; else each unit is
	 * put before the next is read, and only one is held.
	 */
	for (nutt = 0;;) {
		int ahead = b.last && (opt.pat == NULL || !opt.has_u);

		if (dc_rec_str(b.utt, "id", id, sizeof id) != DC_OK)
			dc_errx(1, "%s: utterance %d: key 'id' missing or not a string", name, nutt + 1);
		/* the utt record's samples, read before the next unit may replace it */
		want = -1;
		if (b.blocked && b.index == 0 && dc_rec_get(b.utt, "samples") &&
		    dc_rec_int(b.utt, "samples", &want) != DC_OK)
			dc_errx(1, "%s: utt record: key 'samples' not an integer", id);
		if (ahead) {
			nerr = dc_read_unit(rd, &next, &nb);
			more = nerr == DC_OK && (!nb.blocked || nb.index == 0);
			put_unit(&u, &b, id, want, nutt, more, name);
		} else {
			put_unit(&u, &b, id, want, nutt, 0, name);
			dc_utt_clear(&u);
			nerr = dc_read_unit(rd, &next, &nb);
		}
		nutt += b.last;
		if (nerr == DC_EEOF)
			break;
		if (nerr != DC_OK)
			dc_stream_fail(name, rd, nerr);
		tmp = u;
		u = next;
		next = tmp;
		b = nb;
	}
	dc_utt_free(&u);
	dc_utt_free(&next);
	dc_reader_free(rd);
	written_free();
	dc_finish_stdout();
	return 0;
}
