/*
 * dc-oracle: ideal masks from the reference sources (formats/stream.md).
 *
 * For each utterance, the reference source files S_1 .. S_K are read at the
 * stream's rate and transformed with the stft record's own parameters, and the
 * tool appends what an oracle would have estimated:
 *   -m ibm     labels (int32, T x F): argmax_k |S_k[t,f]|, lowest k on a tie
 *   -m irm     masks (float32, K x T x F): |S_k| / sum_j |S_j|
 *   -m wiener  masks (float32, K x T x F): |S_k|^2 / sum_j |S_j|^2
 * A bin where every source is zero gets label 0 or mask 1/K. With -R it appends
 * the sources' spectra too, as a "ref" record (complex64, K x T x F).
 *
 * The references of a single utterance are the arguments; for a stream of many,
 * -l names a list (dc-mix's list.tsv: id, mixture, sources comma-separated, tab
 * between columns) and each utterance takes the row of its id.
 *
 * An utterance in blocks (dc-stft -B) streams: the sources are read a chunk at a
 * time, as far as each block's frames reach, and each block gets its own records,
 * the same numbers as the whole utterance's (dc_stft_range).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dc.h"

static const char usage[] = "[-R] [-m ibm | irm | wiener] ref ... | -l list.tsv";

enum { IBM, IRM, WIENER };
static const char *const by_name[] = { "oracle-ibm", "oracle-irm", "oracle-wiener" };

static void
help(void)
{
	printf("usage: dc-oracle %s\n"
	    "Appends oracle labels or masks, computed from the reference sources, to the stream.\n"
	    "  -m ibm      ideal binary mask: a labels record, the loudest source per bin (default)\n"
	    "  -m irm      ideal ratio mask: a masks record, |S_k| / sum |S_j|\n"
	    "  -m wiener   Wiener-like mask: a masks record, |S_k|^2 / sum |S_j|^2\n"
	    "  -R          also append a ref record with the sources' spectra\n"
	    "  -l list     a list.tsv of id, mixture and comma-separated sources per line;\n"
	    "              each utterance takes the sources of its id\n"
	    "  -h          this help (--help too; --version: the version)\n"
	    "Without -l the stream on stdin holds one utterance and its sources are the\n"
	    "arguments, two or more. See dc-oracle(1).\n", usage);
}

/* One row of the list: an utterance id and its K source paths (all owned). */
typedef struct {
	char *id;
	char **src;
	int k;
	int line;
} row;

typedef struct {
	row *rows;
	int n, cap;
	dc_list *l;     /* the file, while it is read */
} list;

static int
row_cmp(const void *a, const void *b)
{
	return strcmp(((const row *)a)->id, ((const row *)b)->id);
}

/* twice: exits 1 if two of the k sources src are one file (their oracle would
 * split each bin between copies of one signal); where: "" or "list:line: ". */
static void
twice(char *const *src, int k, const char *where)
{
	int i, e;

	if ((i = dc_same_files(src, k, &e)) >= 0)
		dc_errx(1, "%s%s: the same file as reference %d: each source's reference once", where,
		    src[i], e + 1);
}

/* stream_operand: exits 1 if the operand path is a dcsep stream: the other
 * stream tools take their stream as an operand, and dc-oracle's operands are
 * the sources (its stream comes on stdin), so say that. */
static void
stream_operand(const char *path)
{
	unsigned char buf[4096];
	struct stat st;
	dc_reader *rd;
	dc_record r;
	size_t n;
	int err;
	FILE *f;

	/* a regular file only: what a pipe (<(...)) gives is read once, by the oracle */
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || (f = fopen(path, "rb")) == NULL)
		return;         /* said when it is read */
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	rd = dc_reader_mem(buf, n);
	err = dc_read_header(rd, &r);
	dc_record_free(&r);
	dc_reader_free(rd);
	if (err == DC_OK)
		dc_errx(1, "%s: a dcsep stream, not audio: the operands are the sources, and the "
		    "stream comes on stdin (dc-oracle s1.wav s2.wav <%s)", path, path);
}

/* read_list: the rows of a list.tsv (text.h: blank and comment lines skipped),
 * and a first row whose id is "id" (a column header). Columns after the third are
 * ignored. Relative source paths are taken relative to the list's directory.
 * Exits 1 on a malformed line. */
static void
read_list(const char *path, list *L)
{
	dc_list *l = dc_list_open(path);
	char *col[3], *s;
	int lineno, ncol, err, i;

	if (l == NULL)
		dc_errx(1, "%s: %s", path, strerror(errno));
	L->l = l;
	while ((err = dc_list_next(l, col, 3, &ncol)) == DC_OK) {
		row r = { 0 };

		lineno = dc_list_line(l);
		if (dc_list_nul(l))
			dc_errx(1, "%s: not a text file", path);
		if (L->n == 0 && strcmp(col[0], "id") == 0)
			continue;
		if (ncol < 3 || *col[0] == '\0' || *col[2] == '\0')
			dc_errx(1, "%s:%d: wanted an id, a mixture and sources, separated by tabs", path, lineno);
		r.id = dc_xstrdup(col[0]);
		r.line = lineno;
		for (s = col[2], r.k = 1; *s; s++)
			r.k += *s == ',';
		r.src = dc_xmalloc((size_t)r.k * sizeof *r.src);
		for (s = col[2], i = 0; i < r.k; i++) {
			char *src = s;
			if ((s = strchr(s, ',')) != NULL)
				*s++ = '\0';
			if (*src == '\0')
				dc_errx(1, "%s:%d: an empty source path", path, lineno);
			if (strcmp(src, "-") == 0)
				dc_errx(1, "%s:%d: no source files ('-')", path, lineno);
			/* relative to the list's directory, as dc-mix writes them */
			r.src[i] = dc_path_rel(path, src);
		}
		if (r.k < 2)
			dc_errx(1, "%s:%d: %d source, wanted 2 or more", path, lineno, r.k);
		{
			char where[4200];
			snprintf(where, sizeof where, "%s:%d: ", path, lineno);
			twice(r.src, r.k, where);
		}
		if (L->n == L->cap)
			L->rows = dc_xrealloc(L->rows, (size_t)(L->cap = L->cap ? 2 * L->cap : 64) * sizeof *L->rows);
		L->rows[L->n++] = r;
	}
	if (err != DC_EEOF)
		dc_errx(1, "%s: %s", path, dc_errmsg(err));
	dc_list_close(l);
	L->l = NULL;
	/* sorted by id, for bsearch; a repeated id is then next to its first */
	qsort(L->rows, (size_t)L->n, sizeof *L->rows, row_cmp);
	for (i = 1; i < L->n; i++)
		if (strcmp(L->rows[i - 1].id, L->rows[i].id) == 0) {
			row *a = &L->rows[i - 1], *b = &L->rows[i];
			if (a->line > b->line)
				a = b, b = &L->rows[i - 1];
			dc_errx(1, "%s:%d: id %s again (first on line %d)", path, b->line, b->id, a->line);
		}
}

/* find_row: the row of an utterance id, or NULL. */
static const row *
find_row(const list *L, const char *id)
{
	row key = { 0 };

	key.id = (char *)id;
	return L->n ? bsearch(&key, L->rows, (size_t)L->n, sizeof *L->rows, row_cmp) : NULL;
}

static void
free_list(list *L)
{
	int i, j;

	for (i = 0; i < L->n; i++) {
		for (j = 0; j < L->rows[i].k; j++)
			free(L->rows[i].src[j]);
		free(L->rows[i].src);
		free(L->rows[i].id);
	}
	free(L->rows);
	dc_list_close(L->l);
}

/* ref_spectra: R (complex64, K x T x F), the STFT with the mixture's parameters p
 * of each source file src[k], which must have the mixture's samples. */
static void
ref_spectra(const char *id, char *const *src, int K, const dc_stft_params *p, int64_t T,
    int64_t F, dc_tensor *R)
{
	dc_tensor S;
	dc_audio_info *info = dc_xcalloc((size_t)K, sizeof *info);
	float *x;
	int64_t n;
	int k, err;

	if ((err = dc_tensor_alloc(R, DC_C64, 3, (int64_t[]){ K, T, F })) != DC_OK)
		dc_errx(1, "%s: ref: %s", id, dc_strerror(err));
	for (k = 0; k < K; k++) {
		x = dc_get_audio(src[k], src[k], p->rate, &n, &info[k]);
		if (n != p->samples) {
			free(x);
			dc_errx(1, "%s: %lld samples at %lld Hz, but utterance %s has %lld", src[k],
			    (long long)n, (long long)p->rate, id, (long long)p->samples);
		}
		err = dc_stft(x, p, &S);
		free(x);
		if (err != DC_OK)
			dc_errx(1, "%s: %s", src[k], dc_strerror(err));
		memcpy((float *)R->data + 2 * (size_t)k * T * F, S.data, (size_t)(T * F) * 8);
		dc_tensor_free(&S);
	}
	/* resampled or mixed down: said once every reference is taken */
	for (k = 0; k < K; k++)
		dc_audio_notes(src[k], &info[k], p->rate, 0);
	free(info);
}

/*
 * The sources of the utterance in blocks being read, each read a chunk at a time:
 * samples [x0, x0 + xn) of source k held in x[k], and the samples read so far.
 */
static struct {
	dc_audio_in **a;
	float **x;
	int64_t *x0, *xn, *cap;
	dc_audio_info *info;     /* each source's, for the notes at the end */
	int K;
} bs;

static void
bs_close(void)
{
	int k;

	for (k = 0; k < bs.K; k++) {
		dc_audio_in_close(bs.a[k]);
		free(bs.x[k]);
	}
	free(bs.a);
	free(bs.x);
	free(bs.x0);
	free(bs.xn);
	free(bs.cap);
	free(bs.info);
	memset(&bs, 0, sizeof bs);
}

static void
bs_open(char *const *src, int K, int64_t rate)
{
	int k, err;

	bs_close();
	bs.K = K;
	bs.a = dc_xcalloc((size_t)K, sizeof *bs.a);
	bs.x = dc_xcalloc((size_t)K, sizeof *bs.x);
	bs.x0 = dc_xcalloc((size_t)K, sizeof *bs.x0);
	bs.xn = dc_xcalloc((size_t)K, sizeof *bs.xn);
	bs.cap = dc_xcalloc((size_t)K, sizeof *bs.cap);
	bs.info = dc_xcalloc((size_t)K, sizeof *bs.info);
	for (k = 0; k < K; k++)
		if ((err = dc_audio_open(src[k], (int)rate, &bs.a[k], &bs.info[k])) != DC_OK)
			dc_errx(1, "%s: %s", src[k], dc_errmsg(err));
}

/* bs_fill: source k's samples from lo (those before it dropped) up to hi, or to
 * its end if hi < 0; exits 1 on a fault of the file. Returns the samples held. */
static int64_t
bs_fill(const char *name, int k, int64_t lo, int64_t hi)
{
	int64_t got, drop = lo - bs.x0[k];
	int err;

	if (drop > 0) {
		drop = drop < bs.xn[k] ? drop : bs.xn[k];
		memmove(bs.x[k], bs.x[k] + drop, (size_t)(bs.xn[k] - drop) * sizeof *bs.x[k]);
		bs.x0[k] += drop;
		bs.xn[k] -= drop;
	}
	for (;;) {
		int64_t want = hi < 0 ? 65536 : hi - (bs.x0[k] + bs.xn[k]);
		if (want <= 0)
			break;
		if (bs.xn[k] + want > bs.cap[k]) {
			bs.cap[k] = bs.xn[k] + want > 2 * bs.cap[k] ? bs.xn[k] + want : 2 * bs.cap[k];
			bs.x[k] = dc_xrealloc(bs.x[k], (size_t)bs.cap[k] * sizeof *bs.x[k]);
		}
		if ((err = dc_audio_pull(bs.a[k], bs.x[k] + bs.xn[k], want, &got)) != DC_OK)
			dc_errx(1, "%s: %s", name, dc_errmsg(err));
		dc_audio_range(name, bs.x[k] + bs.xn[k], got, bs.x0[k] + bs.xn[k]);
		bs.xn[k] += got;
		if (got < want)
			break;
	}
	return bs.xn[k];
}

/* ref_block: R (K x T x F) of block b, frames t0 .. t0 + T - 1, of the utterance
 * whose sources are src: each source read as far as the block's frames reach
 * (its last sample, after the last block), and checked to end where the utterance
 * does: t0 hop + the last block's samples. */
static void
ref_block(const char *id, char *const *src, int K, const dc_stft_params *p, const dc_unit *b,
    int64_t T, int64_t F, dc_tensor *R)
{
	int64_t P = p->nfft - p->hop, lo = b->t0 * p->hop - P, hi = (b->t0 + T) * p->hop, end;
	dc_tensor S;
	int k, err;

	if (b->index == 0)
		bs_open(src, K, p->rate);
	if (K != bs.K)
		dc_errx(1, "%s: block %lld: %d sources, the utterance's first block had %d", id,
		    (long long)b->index, K, bs.K);
	if ((err = dc_tensor_alloc(R, DC_C64, 3, (int64_t[]){ K, T, F })) != DC_OK)
		dc_errx(1, "%s: ref: %s", id, dc_strerror(err));
	for (k = 0; k < K; k++) {
		bs_fill(src[k], k, lo, b->last ? -1 : hi);
		end = bs.x0[k] + bs.xn[k];
		if (b->last ? end != b->t0 * p->hop + p->samples : end < hi)
			dc_errx(1, "%s: %s%lld samples at %lld Hz, but utterance %s has %s%lld", src[k],
			    b->last ? "" : "only ", (long long)end, (long long)p->rate, id,
			    b->last ? "" : "at least ", (long long)(b->last ? b->t0 * p->hop + p->samples : hi));
		if ((err = dc_stft_range(bs.x[k], bs.x0[k], bs.xn[k], p, b->t0, T, &S)) != DC_OK)
			dc_errx(1, "%s: %s", src[k], dc_strerror(err));
		memcpy((float *)R->data + 2 * (size_t)k * T * F, S.data, (size_t)(T * F) * 8);
		dc_tensor_free(&S);
	}
	if (b->last) {
		/* resampled or mixed down: said once every source has ended where the
		 * utterance does */
		for (k = 0; k < K; k++)
			dc_audio_notes(src[k], &bs.info[k], p->rate, 0);
		bs_close();
	}
}

/* ideal: the mode's labels (int32, T x F: the loudest source of each bin, the
 * lowest k on a tie) or masks (float32, K x T x F) from the sources' spectra R. */
static void
ideal(const char *id, const dc_tensor *R, int mode, dc_tensor *O)
{
	const float *r = R->data;
	int64_t K = R->shape[0], T = R->shape[1], F = R->shape[2], N = T * F, i;
	double *pw = dc_xmalloc((size_t)K * sizeof *pw);    /* the sources' powers in one bin */
	int k, err;

	if (mode == IBM)
		err = dc_tensor_alloc(O, DC_I32, 2, (int64_t[]){ T, F });
	else
		err = dc_tensor_alloc(O, DC_F32, 3, (int64_t[]){ K, T, F });
	if (err != DC_OK)
		dc_errx(1, "%s: %s: %s", id, mode == IBM ? "labels" : "masks", dc_strerror(err));
	for (i = 0; i < N; i++) {
		double sum = 0.0, best = -1.0;
		int bk = 0;

		for (k = 0; k < K; k++) {
			const float *s = r + 2 * ((size_t)k * N + i);
			pw[k] = (double)s[0] * s[0] + (double)s[1] * s[1];
			if (pw[k] > best) {
				best = pw[k];
				bk = k;
			}
			if (mode == IRM)
				pw[k] = sqrt(pw[k]);
			sum += pw[k];
		}
		if (mode == IBM) {
			((int32_t *)O->data)[i] = bk;
			continue;
		}
		for (k = 0; k < K; k++)
			((float *)O->data)[(size_t)k * N + i] = (float)(sum > 0.0 ? pw[k] / sum : 1.0 / K);
	}
	free(pw);
}

/* oracle: appends the mode's record (and with keep_ref the ref record) to the
 * unit u (bu: which; NULL, a whole utterance), from the K source files src. */
static void
oracle(dc_utt *u, const char *id, const dc_unit *bu, char *const *src, int K, int mode, int keep_ref)
{
	dc_record *sr;
	dc_tensor X, R, O;
	dc_stft_params p;
	dc_recb b;
	int64_t T, F;

	if ((sr = dc_utt_find(u, "stft")) == NULL)
		dc_errx(1, "%s: no stft record", id);
	dc_get_stft_unit(id, sr, bu, &X, &p);
	T = X.shape[0];
	F = X.shape[1];
	dc_tensor_free(&X);
	if (bu && bu->blocked)
		ref_block(id, src, K, &p, bu, T, F, &R);
	else
		ref_spectra(id, src, K, &p, T, F, &R);
	ideal(id, &R, mode, &O);
	dc_recb_init(&b, mode == IBM ? "labels" : "masks");
	dc_recb_int(&b, "k", K);
	dc_recb_str(&b, "by", by_name[mode]);
	dc_recb_tensor(&b, &O);
	dc_append(u, id, &b);
	if (keep_ref) {
		dc_recb_init(&b, "ref");
		dc_recb_stft_params(&b, &p);
		dc_recb_int(&b, "k", K);
		dc_recb_tensor(&b, &R);
		dc_append(u, id, &b);
	}
	dc_tensor_free(&O);
	dc_tensor_free(&R);
}

/* The options. */
static struct {
	int mode;               /* -m */
	int keep_ref;           /* -R */
	const char *lpath;      /* -l */
	list L;                 /* -l's rows */
} opt = { IBM, 0, NULL, { 0 } };

/* parse_opts: the options into opt; checks the reference operands, which are
 * left in argv[optind..]. */
static void
parse_opts(int argc, char **argv)
{
	int c, i, nref;

	while ((c = dc_getopt(argc, argv, "m:Rl:h", usage, help)) != -1) {
		switch (c) {
		case 'm':
			if (strcmp(optarg, "ibm") == 0)
				opt.mode = IBM;
			else if (strcmp(optarg, "irm") == 0)
				opt.mode = IRM;
			else if (strcmp(optarg, "wiener") == 0)
				opt.mode = WIENER;
			else
				dc_errx(2, "-m: mode must be ibm, irm or wiener: %s", optarg);
			break;
		case 'R':
			opt.keep_ref = 1;
			break;
		case 'l':
			opt.lpath = optarg;
			break;
		}
	}
	nref = argc - optind;
	if (opt.lpath && nref > 0)
		dc_errx(2, "-l: the sources come from %s: no reference arguments with it", opt.lpath);
	if (opt.lpath == NULL && nref == 0) {
		dc_warnx("no references: give the sources' files, or -l list.tsv");
		dc_usage_exit(usage);
	}
	if (opt.lpath == NULL && nref < 2)
		dc_errx(2, "%d reference, wanted 2 or more", nref);
	for (i = optind; i < argc; i++)
		if (strcmp(argv[i], "-") == 0)
			dc_errx(2, "a reference cannot be '-': the stream comes on stdin");
	if (opt.lpath && strcmp(opt.lpath, "-") == 0)
		dc_errx(2, "-l: the list cannot be '-': the stream comes on stdin");
}

/*
 * oracle_stream: the stream on stdin with each unit's oracle record appended, to
 * stdout; each utt record gains "refs", the sources' paths, so that dc-istft and
 * dc-plot do not write over them. With -l the sources of each utterance are its
 * list row's; without, src[k] (the operands), and the stream must hold one
 * utterance: a whole one is known to be the only one before anything is
 * written; one in blocks goes out block by block, and an utterance after it is
 * refused when it comes.
 */
/* set_refs: the utt record's "refs", the references' paths, and "refs_inodes",
 * the same files by device and inode (dc_file_inode), after its other keys */
static void
set_refs(dc_record *utt, char *const *src, int k)
{
	char (*ino)[64] = dc_xmalloc((size_t)k * sizeof *ino);
	const char **v = dc_xmalloc((size_t)k * sizeof *v);
	int i;

	for (i = 0; i < k; i++) {
		dc_file_inode(src[i], ino[i], sizeof ino[i]);
		v[i] = ino[i];
	}
	dc_record_set_strs(utt, "refs", (const char *const *)src, k);
	dc_record_set_strs(utt, "refs_inodes", v, k);
	free(v);
	free(ino);
}

static void
oracle_stream(char *const *args, int nargs)
{
	static dc_reader *rd;   /* static: reachable at an exit midway */
	static dc_writer *w;
	static dc_record hdr, utt;
	static dc_utt u, next;
	char *const *src = args;
	const row *rw;
	dc_unit b, nb;
	char id[DC_ID_MAX];
	const char *why;
	int err, k = nargs;

	/* its operands are references, not a stream: the stream comes on stdin only */
	if (isatty(STDIN_FILENO))
		dc_errx(2, "stdin is a terminal: pipe a stream in (dc-stft mix.wav | dc-oracle s1.wav s2.wav)");
	rd = dc_reader_file(stdin);
	if ((err = dc_read_header(rd, &hdr)) != DC_OK)
		dc_stream_fail("stdin", rd, err);
	w = dc_writer_file(stdout);
	dc_write_header(w, &hdr, "dc-oracle");
	if ((err = dc_read_unit(rd, &u, &b)) == DC_EEOF && opt.lpath == NULL)
		dc_errx(1, "stdin: no utterance");
	while (err != DC_EEOF) {
		if (err != DC_OK)
			dc_stream_fail("stdin", rd, err);
		if ((why = dc_rec_id(b.utt, id)) != NULL)
			dc_errx(1, "stdin: utt record: %s", why);
		if (opt.lpath) {
			if ((rw = find_row(&opt.L, id)) == NULL)
				dc_errx(1, "%s: no line with this id in %s", id, opt.lpath);
			src = rw->src;
			k = rw->k;
		} else if (!b.blocked || b.last) {
			/* the utterance's last unit: make sure no other follows */
			if ((err = dc_read_unit(rd, &next, &nb)) == DC_OK)
				dc_errx(1, "stdin: more than one utterance; give the sources of each with -l list.tsv");
			if (err != DC_EEOF)
				dc_stream_fail("stdin", rd, err);
		}
		oracle(&u, id, &b, src, k, opt.mode, opt.keep_ref);
		if (b.blocked && b.index == 0) {
			dc_writer_want_blocks(w);
			dc_record_copy(&utt, b.utt);
			set_refs(&utt, src, k);
			dc_write_record(w, &utt);
			dc_record_free(&utt);
		} else if (!b.blocked)
			set_refs(&u.recs[0], src, k);
		dc_write_utt(w, &u);
		if (dc_writer_error(w))
			break;
		if (opt.lpath == NULL && b.last)
			break;
		err = dc_read_unit(rd, &u, &b);
	}
	dc_utt_free(&u);
	dc_utt_free(&next);
	dc_record_free(&hdr);
	dc_reader_free(rd);
	dc_writer_finish(w);
}

int
main(int argc, char **argv)
{
	dc_setprog(argv[0]);
	parse_opts(argc, argv);
	dc_stdout_not_tty(NULL);
	if (opt.lpath)
		read_list(opt.lpath, &opt.L);
	else {
		for (int i = optind; i < argc; i++)
			stream_operand(argv[i]);
		twice(argv + optind, argc - optind, "");
	}
	oracle_stream(argv + optind, argc - optind);
	free_list(&opt.L);
	return 0;
}
