/*
 * dc-kmeans: embeddings in, cluster labels out (formats/stream.md).
 *
 * For each utterance, the last "embed" record (float32, T x F x D) is clustered
 * into K clusters with k-means (libcommon/kmeans.c) and a "labels" record
 * (int32, T x F, by "kmeans") is appended. Bins whose mixture magnitude, from the
 * "stft" record, lies more than -t dB below the utterance's loudest bin are left
 * out of the fit (they carry little energy and noisy embeddings), then labelled
 * with their nearest centroid like the others. Every fitted bin weighs 1; with
 * -w mag, its magnitude over the loudest's (dc_stft_weights), so that the
 * centroids are weighted means, placed by the loud bins that make most of each
 * separated signal.
 *
 * With -b beta, a "masks" record (float32, K x T x F, by "kmeans-soft") follows the
 * labels: bin i's mask for cluster k is exp(-beta d_ik) / sum_j exp(-beta d_ij),
 * d_ij its squared distance to centroid j (soft k-means, as in Isik et al.,
 * Interspeech 2016). dc-mask uses the later record, so the masks win.
 *
 * With -k auto[:MAX], K is counted per utterance before the fit, from the spread of
 * the fitted embeddings, s = 1 - |mean|^2 (formats/stream.md, labels): 1 plus the
 * number of thresholds s reaches (dc_kmeans_count, kmeans.c, which says why).
 *
 * An utterance in blocks (formats/stream.md) is clustered block by block, each
 * speaker keeping its label (dc_kmeans_block): the last TAIL frames of the block
 * before (embeddings, bins fitted, labels) go in front of the block's, so that
 * the labels of the frames both hold decide which cluster is which; the labels
 * and masks written are the block's own frames'.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dc.h"
#include "kmeans.h"

#define KMAX DC_KMAX    /* the most clusters, -k */
#define AUTOMAX DC_COUNT_MAX /* the most clusters -k auto counts to */
#define TAIL 100        /* frames of the block before clustered again with a block */

static const char usage[] = "[-dv] [-b beta] [-c s1,s2,...] [-k K | auto[:MAX]] [-r restarts] [-s seed]\n"
    "                 [-i maxiter] [-t dB] [-w mag | none] [file]";

/* -k auto's spread thresholds, dc_kmeans_cuts's unless -c gives others */
static double cut[AUTOMAX - 1];

/* parse_cuts: -c's comma-separated thresholds, each above the last, into cut[]. */
static int
parse_cuts(const char *arg)
{
	char buf[256], *p, *q, *save = NULL;
	double v, last = 0.0;
	int n = 0;

	if (strlen(arg) >= sizeof buf)
		return -1;
	strcpy(buf, arg);
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (n == AUTOMAX - 1 || dc_parse_num(p, 0.0, 1.0, &v) || (n > 0 && v <= last))
			return -1;
		cut[n++] = last = v;
	}
	q = strchr(arg, '\0');
	/* strtok_r skips empty fields: ",0.5", "0.5," and "0.3,,0.5" are refused */
	if (n == 0 || q[-1] == ',' || arg[0] == ',' || strstr(arg, ",,"))
		return -1;
	/* thresholds not given stay above the last one given */
	for (; n < AUTOMAX - 1; n++)
		if (cut[n] <= last)
			cut[n] = last = (1.0 + last) / 2;
	return 0;
}

static void
help(void)
{
	printf("usage: dc-kmeans %s\n"
	    "Clusters the embeddings of each utterance and appends a labels record.\n"
	    "  -k K         clusters (2); auto[:MAX]: counted per utterance, 1 to MAX (4)\n"
	    "  -c s1,...    -k auto's spread thresholds for K > 1, K > 2, ...\n"
	    "               (0.345,0.575,0.67,0.72,0.753,0.777,0.795)\n"
	    "  -r restarts  k-means++ seedings; the lowest inertia wins (3)\n"
	    "  -s seed      seed of the splitmix64 generator (1)\n"
	    "  -i maxiter   most centroid updates per restart (100)\n"
	    "  -t dB        leave out of the fit the bins more than dB below the loudest (20)\n"
	    "  -w mag|none  weigh each fitted bin by its magnitude over the loudest's, or\n"
	    "               every one by 1 (none)\n"
	    "  -b beta      also append soft masks, softmax of -beta x squared distance\n"
	    "               (none: dc-mask makes binary masks of the labels; 3: the README's)\n"
	    "  -d           drop the embed record once clustered (a smaller stream downstream)\n"
	    "  -v           report each utterance's fit on stderr\n"
	    "  -h           this help (--help too; --version: the version)\n"
	    "Reads the stream from file, or stdin if none or '-'. See dc-kmeans(1).\n", usage);
}

/* The options. */
static struct {
	dc_kmeans_opts km;      /* -k K, -r, -s, -i */
	double db, beta;        /* -t, -b (0: no soft masks) */
	int verbose, kmax;      /* -v; -k auto's MAX (0: K fixed) */
	int drop;               /* -d */
	int mag;                /* -w mag */
} opt = { .db = 20.0 };

/* parse_k: -k's argument, K or auto[:MAX]. */
static void
parse_k(const char *arg)
{
	int64_t v;

	if (strcmp(arg, "auto") == 0) {
		opt.kmax = 4;
		return;
	}
	if (strncmp(arg, "auto:", 5) == 0) {
		if (dc_parse_int(arg + 5, 1, AUTOMAX, &v))
			dc_errx(2, "-k: auto's MAX must be an integer from 1 to %d: %s", AUTOMAX, arg);
		opt.kmax = (int)v;
		return;
	}
	opt.kmax = 0;
	if (dc_parse_int(arg, 1, KMAX, &v))
		dc_errx(2, "-k: K must be an integer from 1 to %d, or auto[:MAX]: %s", KMAX, arg);
	opt.km.k = (int)v;
}

/* parse_opts: the options into opt; returns the file operand (NULL: stdin). */
static const char *
parse_opts(int argc, char **argv)
{
	int64_t v;
	int c;

	dc_kmeans_defaults(&opt.km);
	dc_kmeans_cuts(cut);
	while ((c = dc_getopt(argc, argv, "b:c:dk:r:s:i:t:vw:h", usage, help)) != -1) {
		switch (c) {
		case 'c':
			if (parse_cuts(optarg))
				dc_errx(2, "-c: thresholds must be 1 to %d increasing numbers from 0 to 1, "
				    "comma-separated: %s", AUTOMAX - 1, optarg);
			break;
		case 'b':
			if (dc_parse_num(optarg, 1e-6, 1e6, &opt.beta))
				dc_errx(2, "-b: beta must be a number from 1e-6 to 1e6: %s", optarg);
			break;
		case 'k':
			parse_k(optarg);
			break;
		case 'r':
			if (dc_parse_int(optarg, 1, 1000, &v))
				dc_errx(2, "-r: restarts must be an integer from 1 to 1000: %s", optarg);
			opt.km.restarts = (int)v;
			break;
		case 's':
			if (dc_parse_int(optarg, 0, INT64_MAX, &v))
				dc_errx(2, "-s: seed must be an integer from 0 to 2^63-1: %s", optarg);
			opt.km.seed = (uint64_t)v;
			break;
		case 'i':
			if (dc_parse_int(optarg, 0, 1000000, &v))
				dc_errx(2, "-i: maxiter must be an integer from 0 to 1000000: %s", optarg);
			opt.km.maxiter = (int)v;
			break;
		case 't':
			if (dc_parse_num(optarg, 0.0, 1000.0, &opt.db))
				dc_errx(2, "-t: threshold must be a number of dB from 0 to 1000: %s", optarg);
			break;
		case 'w':
			if (strcmp(optarg, "mag") == 0)
				opt.mag = 1;
			else if (strcmp(optarg, "none") == 0)
				opt.mag = 0;
			else
				dc_errx(2, "-w: weights must be mag or none: %s", optarg);
			break;
		case 'd':
			opt.drop = 1;
			break;
		case 'v':
			opt.verbose = 1;
			break;
		}
	}
	return dc_arg_path(argc, argv, usage);
}

/*
 * fit_bins: the bins to fit, from the utterance's (or block bl's) stft record
 * (checked against the embeddings E of record er): those within -t dB of the
 * loudest; NULL (all N) when the utterance has no stft record. Sets *m to their
 * number and *silent when the mixture is digital silence; with -w mag, *w to
 * their weights ([N], malloc'd; NULL with -w none), and no stft record is an
 * error.
 */
static unsigned char *
fit_bins(const dc_utt *u, const char *id, const dc_unit *bl, const dc_record *er,
    const dc_tensor *E, int64_t *m, int *silent, float **w)
{
	const dc_record *sr = dc_utt_find(u, "stft");
	int64_t i, N = E->shape[0] * E->shape[1];
	unsigned char *fit;
	dc_stft_params p;
	dc_tensor X;

	*m = N;
	*silent = 0;
	*w = NULL;
	if (sr == NULL && opt.mag)
		dc_errx(1, "%s: -w mag: no stft record to weigh the bins by", id);
	if (sr == NULL)
		return NULL;
	dc_get_stft_view(id, sr, bl, &X, &p);
	dc_check_tf(id, er, E, 0, &X);
	fit = dc_xmalloc((size_t)N ? (size_t)N : 1);
	*silent = dc_stft_active(X.data, N, opt.db, fit) == 0.0;
	for (i = 0, *m = 0; i < N; i++)
		*m += fit[i];
	if (opt.mag) {
		*w = dc_xmalloc((size_t)N ? (size_t)N * sizeof **w : 1);
		dc_stft_weights(X.data, N, fit, *w);
	}
	dc_tensor_free(&X);
	return fit;
}

/* count_k: -k auto's K for embeddings E[N][D] of which m bins are fitted; sets
 * *sp to their spread. Digital silence is one source, and K is at most m. */
static int
count_k(const char *id, const dc_tensor *E, const unsigned char *fit, int64_t m, int silent,
    double *sp)
{
	int k;

	*sp = silent ? 0.0 : dc_kmeans_spread(E->data, E->shape[0] * E->shape[1], (int)E->shape[2],
	    fit);
	k = silent ? 1 : dc_kmeans_count(*sp, opt.kmax, cut);
	if (k > m && m > 0)
		k = (int)m;
	if (opt.verbose && silent)
		dc_warnx("%s: K = 1 counted (digital silence)", id);
	else if (opt.verbose)
		dc_warnx("%s: K = %d counted (spread %.4f of %lld bins, at most %d)", id, k, *sp,
		    (long long)m, opt.kmax);
	return k;
}

/* append: the record of kind (labels or masks) with tensor t, its k and by, and
 * with -k auto, on labels, k_max and the spread sp. Written at once from t where
 * the loop passes the records on as it reads them (the utterance's are out
 * already): no copy of the tensor into a record, whose fresh pages cost more than
 * the packing (dc-kmeans's last 5 ms on 10 s). A write error is the loop's to
 * report, after this unit. */
static void
append(dc_utt *u, const char *id, const char *kind, const char *by, int k, double sp, dc_tensor *t)
{
	dc_writer *w = dc_loop_writer();
	dc_recb b;
	int err;

	dc_recb_init(&b, kind);
	dc_recb_int(&b, "k", k);
	dc_recb_str(&b, "by", by);
	if (opt.kmax && strcmp(kind, "labels") == 0) {
		dc_recb_int(&b, "k_max", opt.kmax);
		dc_recb_num(&b, "spread", sp);
	}
	dc_recb_tensor(&b, t);
	if (w == NULL)
		dc_append(u, id, &b);
	else if ((err = dc_write_recb(w, &b)) != DC_OK && err != DC_EIO)
		dc_errx(1, "%s: %s: %s", id, kind, dc_strerror(err));
}

/* cluster_utt: labels (and with -b soft masks) of one utterance, appended to it. */
static void
cluster_utt(dc_utt *u, const char *id, void *arg)
{
	const dc_record *er = dc_utt_find(u, "embed");
	dc_kmeans_opts o = opt.km;
	dc_kmeans_info info;
	dc_tensor E, L, M;
	unsigned char *fit;
	float *cent, *w;
	double sp = 0.0;
	int64_t T, F, D, N, m;
	int silent, err;

	(void)arg;
	if (er == NULL)
		dc_errx(1, "%s: no embed record (dc-embed makes it)", id);
	dc_get_embed(id, er, NULL, &E);
	T = E.shape[0];
	F = E.shape[1];
	D = E.shape[2];
	N = T * F;
	fit = fit_bins(u, id, NULL, er, &E, &m, &silent, &w);
	if (opt.kmax)
		o.k = count_k(id, &E, fit, m, silent, &sp);
	if (m < o.k)
		dc_errx(1, "%s: K = %d is more than the %lld active bin%s", id, o.k, (long long)m,
		    m == 1 ? "" : "s");
	if ((err = dc_tensor_alloc(&L, DC_I32, 2, (int64_t[]){ T, F })) != DC_OK)
		dc_errx(1, "%s: labels: %s", id, dc_strerror(err));
	cent = dc_xmalloc((size_t)o.k * (size_t)D * sizeof *cent);
	/* with -b, the labels come in the soft masks' pass over the embeddings */
	if ((err = dc_kmeans_w(E.data, N, (int)D, fit, w, &o, opt.beta > 0.0 ? NULL : L.data, cent,
	    &info, NULL)) != DC_OK)
		dc_errx(1, "%s: k-means: %s", id, dc_strerror(err));
	if (opt.verbose)
		dc_warnx("%s: %lld of %lld bins fitted; restart %d of %d won with inertia %.6g "
		    "after %d iteration%s%s", id, (long long)info.nfit, (long long)N, info.restart + 1,
		    o.restarts, info.inertia, info.iters, info.iters == 1 ? "" : "s",
		    info.converged ? "" : " (not converged)");
	if (opt.beta > 0.0) {
		if ((err = dc_tensor_alloc(&M, DC_F32, 3, (int64_t[]){ o.k, T, F })) != DC_OK)
			dc_errx(1, "%s: masks: %s", id, dc_strerror(err));
		dc_kmeans_soft(E.data, N, (int)D, cent, o.k, opt.beta, M.data, L.data);
	}
	append(u, id, "labels", "kmeans", o.k, sp, &L);
	if (opt.beta > 0.0) {
		append(u, id, "masks", "kmeans-soft", o.k, sp, &M);
		dc_tensor_free(&M);
	}
	free(cent);
	dc_tensor_free(&L);
	dc_tensor_free(&E);
	free(fit);
	free(w);
}

/* What an utterance in blocks carries from one block to the next. */
typedef struct {
	dc_stitch st;
	int k;                  /* K: -k's, or with -k auto counted on the first block */
	double sp;              /* -k auto: the first block's spread */
	int64_t F, D, tf;       /* tf: frames in the tail */
	float *tail;            /* [TAIL][F][D]: the last frames' embeddings */
	unsigned char *tfit;    /* [TAIL][F]: fitted or not */
	float *tw;              /* [TAIL][F]: their weights (-w mag) */
	int32_t *tlab;          /* [TAIL][F]: their labels */
} carry;

static void
carry_free(carry *c)
{
	dc_stitch_free(&c->st);
	free(c->tail);
	free(c->tfit);
	free(c->tw);
	free(c->tlab);
	memset(c, 0, sizeof *c);
}

/*
 * cluster_block: labels (and with -b soft masks) of one block of an utterance in
 * blocks, appended to it: the tail of the block before and this block's frames
 * clustered by dc_kmeans_block; the tail then becomes this block's last frames.
 * A block (with its tail) of fewer active bins than K takes the labels of the
 * nearest carried centroids (0 before any). With -k auto, K is counted on the
 * first block and kept for the utterance: the clusters are carried from block
 * to block, so their number cannot change.
 */
static void
cluster_block(dc_utt *u, const char *id, const dc_unit *bl, carry *c)
{
	const dc_record *er = dc_utt_find(u, "embed");
	dc_kmeans_opts o = opt.km;
	dc_kmeans_info info;
	dc_tensor E, L, M;
	unsigned char *fit, *xf;
	float *w, *xw = NULL;   /* -w mag: the block's weights, the tail's and the block's */
	const float *e;
	int32_t *lab;
	int64_t T, N, n, off, m = 0, i, keep, FD;
	int silent, err;

	if (er == NULL)
		dc_errx(1, "%s: no embed record (dc-embed makes it)", id);
	dc_get_embed(id, er, NULL, &E);
	fit = fit_bins(u, id, bl, er, &E, &m, &silent, &w);
	if (bl->index == 0) {
		carry_free(c);
		c->F = E.shape[1];
		c->D = E.shape[2];
		c->k = opt.kmax ? count_k(id, &E, fit, m, silent, &c->sp) : o.k;
		if ((err = dc_stitch_init(&c->st, c->k, (int)c->D)) != DC_OK)
			dc_errx(1, "%s: k-means: %s", id, dc_strerror(err));
		c->tail = dc_xmalloc((size_t)(TAIL * c->F * c->D) * sizeof *c->tail);
		c->tfit = dc_xmalloc((size_t)(TAIL * c->F));
		if (opt.mag)
			c->tw = dc_xmalloc((size_t)(TAIL * c->F) * sizeof *c->tw);
		c->tlab = dc_xmalloc((size_t)(TAIL * c->F) * sizeof *c->tlab);
	} else if (E.shape[1] != c->F || E.shape[2] != c->D)
		dc_errx(1, "%s: embed record: [%lld, %lld, %lld] in block %lld, but [T, %lld, %lld] "
		    "before", id, (long long)E.shape[0], (long long)E.shape[1], (long long)E.shape[2],
		    (long long)bl->index, (long long)c->F, (long long)c->D);
	o.k = c->k;
	e = E.data;
	T = E.shape[0];
	N = T * c->F;
	off = c->tf * c->F;
	n = off + N;
	xf = dc_xmalloc((size_t)n);
	lab = dc_xmalloc((size_t)n * sizeof *lab);
	memcpy(xf, c->tfit, (size_t)off);
	for (i = 0; i < N; i++)
		xf[off + i] = fit == NULL || fit[i];
	for (i = 0, m = 0; i < n; i++)
		m += xf[i];
	/* -w mag's weights: the tail's as they were, the block's against its own
	 * loudest bin */
	if (w) {
		xw = dc_xmalloc((size_t)n * sizeof *xw);
		memcpy(xw, c->tw, (size_t)off * sizeof *xw);
		memcpy(xw + off, w, (size_t)N * sizeof *xw);
	}
	if (m >= o.k) {
		/* the tail and the block where they lie: the block's embeddings are
		 * its record's (dc_get_embed's view), not a copy */
		if ((err = dc_kmeans_block_w(&c->st, c->tail, off, e, N, xf, xw, &o, c->tlab, lab,
		    NULL, &info)) != DC_OK)
			dc_errx(1, "%s: k-means: %s", id, dc_strerror(err));
		if (opt.verbose)
			dc_warnx("%s: block %lld: %lld of %lld bins fitted (%lld frames of the block "
			    "before with them); restart %d of %d won with inertia %.6g after %d "
			    "iteration%s%s", id, (long long)bl->index, (long long)info.nfit, (long long)n,
			    (long long)c->tf, info.restart + 1, o.restarts, info.inertia, info.iters,
			    info.iters == 1 ? "" : "s", info.converged ? "" : " (not converged)");
	} else {
		for (i = 0; i < n; i++) {
			const float *xi = i < off ? c->tail + i * c->D : e + (i - off) * c->D;
			int j, best = 0;
			double bd = HUGE_VAL;
			for (j = 0; c->st.started && j < o.k; j++) {
				double d2 = 0, t;
				int l;
				for (l = 0; l < c->D; l++) {
					t = (double)xi[l] - c->st.c[(size_t)j * c->D + l];
					d2 += t * t;
				}
				if (d2 < bd) {
					bd = d2;
					best = j;
				}
			}
			lab[i] = best;
		}
		if (opt.verbose)
			dc_warnx("%s: block %lld: %lld active bins, fewer than K = %d: nearest labels", id,
			    (long long)bl->index, (long long)m, o.k);
	}
	if ((err = dc_tensor_alloc(&L, DC_I32, 2, (int64_t[]){ T, c->F })) != DC_OK)
		dc_errx(1, "%s: labels: %s", id, dc_strerror(err));
	memcpy(L.data, lab + off, (size_t)N * sizeof *lab);
	append(u, id, "labels", "kmeans", o.k, c->sp, &L);
	if (opt.beta > 0.0) {
		if ((err = dc_tensor_alloc(&M, DC_F32, 3, (int64_t[]){ o.k, T, c->F })) != DC_OK)
			dc_errx(1, "%s: masks: %s", id, dc_strerror(err));
		/* before any centroid (a silent first block), the same mask for every cluster */
		float *cz = c->st.started ? c->st.c : dc_xcalloc((size_t)(o.k * c->D), sizeof *cz);
		dc_kmeans_soft(E.data, N, (int)c->D, cz, o.k, opt.beta, M.data, NULL);
		if (cz != c->st.c)
			free(cz);
		append(u, id, "masks", "kmeans-soft", o.k, c->sp, &M);
		dc_tensor_free(&M);
	}
	/* the tail: the last TAIL frames of tail and block together */
	keep = c->tf + T < TAIL ? c->tf + T : TAIL;
	FD = c->F * c->D;
	if (T == 0)
		;       /* a block of no frames leaves the tail as it is (e may be NULL) */
	else if (T >= keep)
		memcpy(c->tail, e + (T - keep) * FD, (size_t)(keep * FD) * sizeof *c->tail);
	else {
		memmove(c->tail, c->tail + (c->tf - (keep - T)) * FD,
		    (size_t)((keep - T) * FD) * sizeof *c->tail);
		memcpy(c->tail + (keep - T) * FD, e, (size_t)(T * FD) * sizeof *c->tail);
	}
	memmove(c->tfit, xf + (n - keep * c->F), (size_t)(keep * c->F));
	if (xw)
		memmove(c->tw, xw + (n - keep * c->F), (size_t)(keep * c->F) * sizeof *xw);
	memmove(c->tlab, lab + (n - keep * c->F), (size_t)(keep * c->F) * sizeof *lab);
	c->tf = keep;
	if (bl->last)
		carry_free(c);
	dc_tensor_free(&L);
	dc_tensor_free(&E);
	free(fit);
	free(w);
	free(xf);
	free(xw);
	free(lab);
}

/* cluster_unit: a whole utterance (cluster_utt) or one block of one. */
static void
cluster_unit(dc_utt *u, const char *id, const dc_unit *bl, void *arg)
{
	if (bl->blocked)
		cluster_block(u, id, bl, arg);
	else
		cluster_utt(u, id, NULL);
}

int
main(int argc, char **argv)
{
	static carry c;         /* static: reachable at an exit midway */
	const char *path;

	dc_setprog(argv[0]);
	path = parse_opts(argc, argv);
	dc_each_unit(path, "dc-kmeans", (const char *const[]){ "stft", "embed", NULL },
	    opt.drop ? (const char *const[]){ "embed", NULL } : NULL, cluster_unit, &c);
	carry_free(&c);
	return 0;
}
