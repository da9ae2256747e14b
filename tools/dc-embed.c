/*
 * dc-embed: STFTs in, deep clustering embeddings out (formats/stream.md).
 *
 * For each utterance, the last "stft" record (complex64, T x F) becomes the
 * features log(|X| + 1e-8), with the gain that brings its active level (p56.h,
 * dc_p56f) to -l's (the model's "level", else -21 dBov; the record keys "level"
 * and "gain" say what it was), the network of the model (formats/model.md,
 * libcommon/nn.c) maps them to unit-length D-vectors, and an "embed" record
 * (float32, T x F x D, key model = the model's name) is appended. A model with a
 * mask-inference head (Chimera++) also gives a "masks" record (float32, C x T x F,
 * k = C, by "mi"): its soft masks, which dc-mask uses unless a later labels record
 * (dc-kmeans) replaces them. Every record passes through unchanged.
 *
 * With -w WIN,CTX an utterance longer than WIN + 2 CTX seconds is cut into windows
 * of WIN seconds, each widened by CTX seconds on both sides (at an end of the
 * utterance, by more on the other side: all windows have the same length); the
 * windows go through the network as one batch (several where DC_MAX_ELEMS
 * requires), and each keeps the frames of its centre, so the records have the
 * shapes they have without -w.
 *
 * An utterance in blocks (dc-stft -B: formats/stream.md, "Blocks") streams: each
 * block waits until the blocks after it hold CTX seconds (-w's, else 2) or the
 * utterance ends, goes through the network with up to CTX seconds of the frames
 * before and after it, and goes out, its records as they came and then its own
 * embed (and masks) records of the block's frames, the masks' sources in the
 * order of the block before (block_masks). Memory holds a block, its context and
 * the blocks read ahead for it, whatever the utterance's length.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "dc.h"
#include "mm.h"
#include "nn.h"
#include "mi.h"
#include "kmeans.h"
#include "p56.h"

#ifndef DC_PREFIX
#define DC_PREFIX "/usr/local"
#endif
#define MODEL_REL "share/dcsep/models/default.dcm"

static const char usage[] = "[-b utts] [-l level | none] [-m model] [-P bf16 | mixed | f32] [-t threads]\n"
    "                [-w win,ctx] [file]";

#define WMAX 3600.0             /* the longest window or context of -w, seconds */
#define BCTX 2.0                /* a block's context on each side without -w, seconds */
#define PIECE DC_NN_PIECE       /* frames of embeddings computed and written at a time */
#define BMAX 64                 /* the most utterances of -b */

static void
help(void)
{
	printf("usage: dc-embed %s\n"
	    "Appends the deep clustering embeddings of each utterance's STFT to the stream.\n"
	    "  -b utts     up to utts whole utterances through the network as one batch,\n"
	    "              1 to %d (1): less CPU per hour of audio for batch jobs, each\n"
	    "              utterance out when its batch is done\n"
	    "  -l level    the active speech level, dBov, each utterance is brought to\n"
	    "              before the network, or none: as it is (default: the model's\n"
	    "              level, else %g, that of the training mixtures)\n"
	    "  -m model    model file (default: $DCSEP_MODEL, else the installed default.dcm)\n"
	    "  -P prec     the precision of the network's products: bf16 (bf16 operands,\n"
	    "              fp32 sums), mixed (bf16 in the recurrent steps and, where\n"
	    "              faster, in the output layer and later layers' inputs) or f32\n"
	    "              (default: mixed where the CPU has bf16 products, else f32)\n"
	    "  -t threads  threads, 1 to %d (1)\n"
	    "  -w win,ctx  windows of win seconds with ctx seconds of context on each side,\n"
	    "              run as one batch (default: the whole utterance at once); for an\n"
	    "              utterance in blocks, each block's context (default 2 s)\n"
	    "  -h          this help (--help too; --version: the version)\n"
	    "Reads the stream from file, or stdin if none or '-'. See dc-embed(1).\n", usage,
	    BMAX, DC_FEAT_LEVEL, DC_NN_MAXTHREADS);
}

static int
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/*
 * default_model: $DCSEP_MODEL; else the model beside the running binary,
 * ../share/dcsep/models/default.dcm (an installed copy, whatever its prefix) or
 * ../../models/default.dcm (the build tree: build/bin/dc-embed), so that a binary
 * finds its own model first; else PREFIX/share/dcsep/models/default.dcm. NULL if
 * none of the files exists (the message lists them).
 */
static const char *
default_model(char *buf, size_t n, char *tried, size_t tn)
{
	const char *env = getenv("DCSEP_MODEL");
	char exe[PATH_MAX], *slash;
	ssize_t len;

	if (env && *env)
		return env;
	tried[0] = '\0';
	if ((len = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0) {
		exe[len] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		snprintf(buf, n, "%s/../%s", exe, MODEL_REL);
		if (exists(buf))
			return buf;
		snprintf(tried, tn, "%s, ", buf);
		snprintf(buf, n, "%s/../../models/default.dcm", exe);
		if (exists(buf))
			return buf;
		snprintf(tried + strlen(tried), tn - strlen(tried), "%s, ", buf);
	}
	snprintf(buf, n, "%s/%s", DC_PREFIX, MODEL_REL);
	snprintf(tried + strlen(tried), tn - strlen(tried), "%s", buf);
	if (exists(buf))
		return buf;
	return NULL;
}

/* model_name: the "name" in the model's metadata, else the file name without
 * directory and ".dcm". */
static void
model_name(const dc_model *m, const char *path, char *buf, size_t n)
{
	const char *s = dc_model_meta_get(m, "name");

	if (s && *s)
		snprintf(buf, n, "%s", s);
	else
		dc_path_stem(path, ".dcm", buf, n);
}

/* parse_w: "win,ctx", seconds, 0 < win <= WMAX and 0 <= ctx <= WMAX; DC_EPARAM else. */
static int
parse_w(const char *arg, double *win, double *ctx)
{
	return dc_parse_pair(arg, 0, WMAX, win, ctx) || *win <= 0 ? DC_EPARAM : DC_OK;
}

/* An utterance waiting for its batch (-b): its records as they came, its features. */
typedef struct {
	dc_utt u;
	char id[DC_ID_MAX];
	float *feat;            /* (T, F) */
	int64_t T, fcap;
	double level, gain;     /* its active level and the gain its features had, dB */
} queued;

/* The model, its network and the buffers, grown to the longest utterance and reused. */
typedef struct {
	dc_model m;
	char name[256];         /* the model's, for the embed records */
	dc_nn *nn;
	dc_mm *mm;              /* the mask-inference head's products */
	int threads, prec;
	float *feat, *h, *z, *masks;
	int64_t cap;            /* the bins (T x F) the buffers hold */
	float *emb;             /* -w: the embeddings (T, F, D) the windows give */
	int64_t ecap;           /* the bins it holds */
	float *piece;           /* PIECE frames of embeddings on their way out */
	int64_t win, ctx;       /* -w in frames; win = 0: the whole utterance */
	int64_t bctx;           /* the context of a block, frames */
	float *wfeat, *wh;      /* the windows' batch (B, Tb, ...) */
	int64_t wcap;           /* the bins (B x Tb x F) they hold */
	int bmax;               /* -b */
	queued q[BMAX];         /* the batch so far, in the order read */
	int nq;
	int qlen[BMAX];         /* each one's frames, for dc_nn_lengths */
	int64_t done;           /* the frames embedded so far, for the progress line */
	int nutt;               /* the utterances begun */
	double t0;              /* when the first was read (dc_now) */
	double ref;             /* -l: the level features are brought to, dB; NAN: none */
	double level, gain;     /* those of the unit going out, for its embed record */
} embedder;

/* A block read, waiting for the frames after it: its records as they came. */
typedef struct {
	dc_utt u;
	int64_t index, t0, n;
} pending;

/* The utterance in blocks being read: its utt record, the features of frames
 * [fa, fa + nf) (the context of the blocks waiting, and theirs), and the blocks. */
typedef struct {
	dc_record utt;
	char id[DC_ID_MAX];
	float *feat;
	int64_t fa, nf, fcap;   /* frames held, from fa; room for fcap */
	pending *q;
	int nq, qcap;
	int ended;              /* its last block has been read */
	float *mprev;           /* the head's masks (C, mn, F) of the last mn frames out */
	int64_t mn, mcap;
	dc_p56f lv;             /* the level of the blocks read so far */
} blocks;

/* grow: buffers for T x F bins. */
static void
grow(embedder *e, int64_t T, int64_t F)
{
	const dc_nn_config *mc = &e->m.cfg;

	if (T * F <= e->cap)
		return;
	free(e->feat);
	free(e->h);
	free(e->z);
	free(e->masks);
	e->cap = T * F;
	e->feat = dc_nn_alloc((size_t)e->cap * sizeof *e->feat);
	e->h = e->z = e->masks = NULL;
	if (mc->C > 0) {
		e->h = dc_nn_alloc((size_t)T * 2 * mc->H * sizeof *e->h);
		e->z = dc_nn_alloc((size_t)e->cap * mc->C * sizeof *e->z);
		e->masks = dc_nn_alloc((size_t)e->cap * mc->C * sizeof *e->masks);
	}
}

/* net: the network, made on first use for batches of B sequences of T frames
 * (dc_nn_forward grows it for more) in the precision chosen. */
static dc_nn *
net(embedder *e, int B, int T)
{
	if (e->nn == NULL) {
		e->nn = dc_nn_new(&e->m, B, T, e->threads, 0);
		dc_nn_precision(e->nn, e->prec);
	}
	return e->nn;
}

/*
 * windows: the centre [t0, t1) and the extent [a, a + Tb) of window i of an
 * utterance of T frames: centres of e->win frames (the last one shorter), every
 * extent Tb = min(T, win + 2 ctx) frames, ctx before the centre where the
 * utterance allows, and shifted inside [0, T) where it does not (the context
 * lost at one end goes to the other side): no window is padded.
 */
static void
windows(const embedder *e, int64_t T, int64_t Tb, int64_t i, int64_t *t0, int64_t *t1, int64_t *a)
{
	*t0 = i * e->win;
	*t1 = *t0 + e->win < T ? *t0 + e->win : T;
	*a = *t0 - e->ctx > 0 ? *t0 - e->ctx : 0;
	if (*a > T - Tb)
		*a = T - Tb;
}

/*
 * forward_windows: e->emb (T,F,D) and, with a mask-inference head, e->h (T,2H)
 * from e->feat (T,F), T > win + 2 ctx (else every window would be the whole
 * utterance, which embed_utt runs once instead): the B = ceil(T / win) windows
 * (windows()) of Tb frames through the network as one batch (G, Tb), G = B; or,
 * where that batch would hold more elements than the limit (dc_limit_elems: the
 * embed record's T x F x D fits, so one window does), in batches of as many as
 * fit. The output layer runs on each window's centre frames only.
 */
static void
forward_windows(embedder *e, int64_t T)
{
	const dc_nn_config *mc = &e->m.cfg;
	int64_t B = (T + e->win - 1) / e->win, i, j, g, t0, t1, a, F = mc->F, D = mc->D;
	int64_t H2 = 2 * mc->H, Tb = e->win + 2 * e->ctx < T ? e->win + 2 * e->ctx : T;
	int64_t G = dc_limit_elems() / (Tb * F * D);

	if (G > B)
		G = B;
	if (G > INT_MAX / 2 / Tb)
		G = INT_MAX / 2 / Tb;
	if (G < 1)
		dc_errx(1, "-w: a window: %s", dc_strerror(DC_ELIMIT));
	if (T * F > e->ecap) {
		free(e->emb);
		e->ecap = T * F;
		e->emb = dc_nn_alloc((size_t)e->ecap * D * sizeof *e->emb);
	}
	if (G * Tb * F > e->wcap) {
		free(e->wfeat);
		free(e->wh);
		e->wcap = G * Tb * F;
		e->wfeat = dc_nn_alloc((size_t)e->wcap * sizeof *e->wfeat);
		e->wh = mc->C > 0 ? dc_nn_alloc((size_t)(e->wcap / F) * H2 * sizeof *e->wh) : NULL;
	}
	net(e, (int)G, (int)Tb);
	for (j = 0; j < B; j += G) {
		g = B - j < G ? B - j : G;
		for (i = 0; i < g; i++) {
			windows(e, T, Tb, j + i, &t0, &t1, &a);
			memcpy(e->wfeat + i * Tb * F, e->feat + a * F, (size_t)(Tb * F) * sizeof *e->feat);
		}
		dc_nn_forward(e->nn, NULL, e->wh, e->wfeat, (int)g, (int)Tb);
		for (i = 0; i < g; i++) {
			windows(e, T, Tb, j + i, &t0, &t1, &a);
			dc_nn_embed_rows(e->nn, e->emb + t0 * F * D, i * Tb + t0 - a, i * Tb + t1 - a);
			if (mc->C > 0)
				memcpy(e->h + t0 * H2, e->wh + (i * Tb + t0 - a) * H2,
				    (size_t)((t1 - t0) * H2) * sizeof *e->h);
		}
	}
}

/* tensor: a float32 tensor of the given shape on data (not owned). */
static dc_tensor
tensor(float *data, int64_t d0, int64_t d1, int64_t d2)
{
	dc_tensor t;

	memset(&t, 0, sizeof t);
	t.dtype = DC_F32;
	t.ndim = 3;
	t.shape[0] = d0;
	t.shape[1] = d1;
	t.shape[2] = d2;
	t.data = data;
	return t;
}

/* get_stft: the stft record of unit u (b NULL: a whole utterance) into X, checked
 * against the model's STFT; exits 1 on a fault. */
static void
get_stft(const embedder *e, const dc_utt *u, const dc_unit *b, const char *id, dc_tensor *X)
{
	const dc_nn_config *mc = &e->m.cfg;
	dc_stft_params p;
	dc_record *sr;

	if ((sr = dc_utt_find(u, "stft")) == NULL)
		dc_errx(1, "%s: no stft record", id);
	dc_get_stft_unit(id, sr, b, X, &p);
	if (p.rate != mc->rate || p.nfft != mc->nfft || p.hop != mc->hop ||
	    strcmp(p.window, mc->window) != 0)
		dc_errx(1, "%s: stft record: rate %lld, nfft %lld, hop %lld, %s window; the model "
		    "reads rate %lld, nfft %lld, hop %lld, %s window", id, (long long)p.rate,
		    (long long)p.nfft, (long long)p.hop, p.window, (long long)mc->rate,
		    (long long)mc->nfft, (long long)mc->hop, mc->window);
	if (X->shape[1] != mc->F)
		dc_errx(1, "%s: stft record: %lld bins, the model reads %d", id, (long long)X->shape[1],
		    mc->F);
}

/* nonfinite: exits 1 saying that id's record kind holds a NaN or an infinity. */
static void
nonfinite(const char *id, const char *kind)
{
	dc_errx(1, "%s: %s record: %s", id, kind, dc_strerror(DC_ENONFINITE));
}

/*
 * put_records: the records of u as they came, then an embed record of T x F x D
 * embeddings and, with a mask-inference head, a masks record of the C x T x F
 * masks (the head's masks of those T frames; masks is laid out C x T x F), to w.
 * The embeddings are emb's; or, emb NULL, rows r0 .. r0 + T - 1 of the network's
 * last pass (dc_nn_forward without V), whose output layer runs here PIECE frames
 * at a time as they are written, so that no T x F x D buffer is needed. A model
 * whose activations overflow gives NaN: then it says so and exits 1, writing
 * nothing of the unit (checked on the last BLSTM layer's output, whose finite
 * values give finite embeddings: only a model with weights near the float's
 * largest could still overflow in the output layer, and then the record is cut
 * short before the exit).
 */
static void
put_records(embedder *e, dc_writer *w, const dc_utt *u, const char *id, const float *emb,
    int64_t r0, const float *masks, int64_t T, int64_t F)
{
	const dc_nn_config *mc = &e->m.cfg;
	int64_t D = mc->D, t, n;
	dc_tensor E = tensor((float *)emb, T, F, D), M = tensor((float *)masks, mc->C, T, F);
	dc_tensor P;
	dc_recb b;
	int bad = 0;

	if (emb)
		bad = dc_tensor_finite(&E) != DC_OK;
	else if (T > 0) {
		P = tensor((float *)dc_nn_hidden(e->nn) + r0 * 2 * mc->H, T, 2 * mc->H, 1);
		bad = dc_tensor_finite(&P) != DC_OK;
	}
	if (bad)
		nonfinite(id, "embed");
	if (mc->C > 0 && dc_tensor_finite(&M) != DC_OK)
		nonfinite(id, "masks");
	e->done += T;
	dc_write_utt(w, u);
	dc_recb_init(&b, "embed");
	dc_recb_str(&b, "model", e->name);
	if (isfinite(e->level))
		dc_recb_num(&b, "level", e->level);
	dc_recb_num(&b, "gain", e->gain);
	dc_recb_tensor(&b, &E);
	if (emb || T == 0)
		dc_write_recb(w, &b);
	else {
		if (e->piece == NULL)
			e->piece = dc_nn_alloc((size_t)(PIECE * F * D) * sizeof *e->piece);
		dc_write_recb_head(w, &b);
		for (t = 0; t < T; t += n) {
			n = T - t < PIECE ? T - t : PIECE;
			if (dc_nn_embed_rows(e->nn, e->piece, r0 + t, r0 + t + n) != DC_OK)
				nonfinite(id, "embed");
			dc_write_bytes(w, e->piece, (size_t)(n * F * D) * sizeof *e->piece);
		}
	}
	if (mc->C > 0) {
		dc_recb_init(&b, "masks");
		dc_recb_int(&b, "k", mc->C);
		dc_recb_str(&b, "by", "mi");
		dc_recb_str(&b, "model", e->name);
		dc_recb_tensor(&b, &M);
		dc_write_recb(w, &b);
	}
}

/* progress: on a terminal, the utterances begun, the audio embedded and how
 * fast, once the work has taken a second (dc_progress) */
static void
progress(embedder *e)
{
	double dt = dc_now() - e->t0;
	long long s = (long long)((double)e->done * e->m.cfg.hop / e->m.cfg.rate);
	char hms[64];

	if (s < 3600)
		snprintf(hms, sizeof hms, "%lld:%02lld", s / 60, s % 60);
	else
		snprintf(hms, sizeof hms, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
	if (dt > 0)
		dc_progress("%d utterance%s, %s of audio embedded (%.0fx real time)", e->nutt,
		    e->nutt == 1 ? "" : "s", hms, (double)s / dt);
}

/* embed_utt: the utterance u as it came, then its embed record and, with a
 * mask-inference head, its masks record, to w. Exits 1 on a bad stft record. */
static void
embed_utt(embedder *e, dc_writer *w, const dc_utt *u, const char *id)
{
	const dc_nn_config *mc = &e->m.cfg;
	dc_tensor X;
	int64_t T, F;

	get_stft(e, u, NULL, id, &X);
	T = X.shape[0];
	F = X.shape[1];
	if (T > INT_MAX / 2)
		dc_errx(1, "%s: stft record: %s", id, dc_strerror(DC_ELIMIT));
	if (T * F * mc->D > dc_limit_elems())
		dc_errx(1, "%s: embed record: %s", id, dc_strerror(DC_ELIMIT));
	grow(e, T, F);
	dc_nn_features(e->feat, X.data, T, F);
	e->level = dc_nn_level(&e->m.cfg, X.data, X.shape[0], X.shape[1]);
	e->gain = dc_nn_level_gain(e->ref, e->level);
	dc_nn_features_gain(e->feat, T * F, e->gain);
	dc_tensor_free(&X);
	if (e->win > 0 && e->win + 2 * e->ctx < T) {
		forward_windows(e, T);
		if (mc->C > 0) {
			dc_mi_head_forward(e->mm, e->z, e->h, e->m.p.mi_w, e->m.p.mi_b, T, 2 * mc->H,
			    mc->C * mc->F);
			dc_mi_masks(e->masks, e->z, T, mc->C, mc->F);
		}
		put_records(e, w, u, id, e->emb, 0, e->masks, T, F);
		return;
	}
	if (T > 0) {
		net(e, 1, (int)T);
		dc_nn_forward(e->nn, NULL, e->h, e->feat, 1, (int)T);
		if (mc->C > 0) {
			dc_mi_head_forward(e->mm, e->z, e->h, e->m.p.mi_w, e->m.p.mi_b, T, 2 * mc->H,
			    mc->C * mc->F);
			dc_mi_masks(e->masks, e->z, T, mc->C, mc->F);
		}
	}
	/* the utterance as it came, then the new records at its end */
	put_records(e, w, u, id, NULL, 0, e->masks, T, F);
}

/*
 * run_batch: the utterances waiting (-b) through the network as one batch (B, qT)
 * of features padded with zeros, each sequence its own length (dc_nn_lengths),
 * then out in the order read, each as embed_utt would write it; the queue is
 * emptied first, so that an exit on the way (a non-finite output) cannot run it
 * again from the exit hook.
 */
static void
run_batch(embedder *e, dc_writer *w)
{
	const dc_nn_config *mc = &e->m.cfg;
	int64_t F = mc->F, Tm = 0, H2 = 2 * mc->H, i;
	int B = e->nq, same = 1;

	if (B == 0)
		return;
	e->nq = 0;
	for (i = 0; i < B; i++)
		Tm = e->q[i].T > Tm ? e->q[i].T : Tm;
	grow(e, B * Tm, F);
	for (i = 0; i < B; i++) {
		queued *q = &e->q[i];
		memcpy(e->feat + i * Tm * F, q->feat, (size_t)(q->T * F) * sizeof *e->feat);
		memset(e->feat + (i * Tm + q->T) * F, 0, (size_t)((Tm - q->T) * F) * sizeof *e->feat);
		e->qlen[i] = (int)q->T;
		same &= q->T == Tm;
	}
	net(e, B, (int)Tm);
	dc_nn_lengths(e->nn, same ? NULL : e->qlen);
	dc_nn_forward(e->nn, NULL, e->h, e->feat, B, (int)Tm);
	dc_nn_lengths(e->nn, NULL);
	for (i = 0; i < B; i++) {
		queued *q = &e->q[i];
		if (mc->C > 0) {
			dc_mi_head_forward(e->mm, e->z, e->h + i * Tm * H2, e->m.p.mi_w, e->m.p.mi_b, q->T,
			    H2, mc->C * mc->F);
			dc_mi_masks(e->masks, e->z, q->T, mc->C, mc->F);
		}
		e->level = q->level;
		e->gain = q->gain;
		if (!dc_writer_error(w))
			put_records(e, w, &q->u, q->id, NULL, i * Tm, e->masks, q->T, F);
		dc_utt_free(&q->u);
	}
}

/* The embedder and writer of the exit hook (-b). */
static embedder *hook_e;
static dc_writer *hook_w;

/* flush_hook: on an error exit, the utterances read before the faulty one still
 * go out. */
static void
flush_hook(void)
{
	if (hook_e->nq > 0) {
		run_batch(hook_e, hook_w);
		dc_writer_close(hook_w);
	}
}

/*
 * embed_queue: the whole utterance u (its records taken over) into the batch of
 * -b; the batch runs first where u would make it hold more bins x D than one embed
 * record may (dc_limit_elems), or more than twice its frames once padded to the
 * longest (a long utterance among short ones: the padding is computed, and
 * held, as frames are), and once it holds e->bmax. An utterance of no frames, or
 * one that -w cuts into windows, goes alone (embed_utt), after the batch.
 */
static void
embed_queue(embedder *e, dc_writer *w, dc_utt *u, const char *id)
{
	const dc_nn_config *mc = &e->m.cfg;
	int64_t T, F, Tm, sum;
	dc_tensor X;
	queued *q;
	int i;

	get_stft(e, u, NULL, id, &X);
	T = X.shape[0];
	F = X.shape[1];
	if (T == 0 || T > INT_MAX / 2 / BMAX || T * F * mc->D > dc_limit_elems() ||
	    (e->win > 0 && e->win + 2 * e->ctx < T)) {
		dc_tensor_free(&X);
		run_batch(e, w);
		embed_utt(e, w, u, id);
		return;
	}
	for (i = 0, Tm = sum = T; i < e->nq; i++) {
		Tm = e->q[i].T > Tm ? e->q[i].T : Tm;
		sum += e->q[i].T;
	}
	if (e->nq > 0 && ((e->nq + 1) * Tm * F * mc->D > dc_limit_elems() || (e->nq + 1) * Tm > 2 * sum))
		run_batch(e, w);
	q = &e->q[e->nq];
	if (T * F > q->fcap) {
		free(q->feat);
		q->fcap = T * F;
		q->feat = dc_nn_alloc((size_t)q->fcap * sizeof *q->feat);
	}
	dc_nn_features(q->feat, X.data, T, F);
	q->level = dc_nn_level(&e->m.cfg, X.data, X.shape[0], X.shape[1]);
	q->gain = dc_nn_level_gain(e->ref, q->level);
	dc_nn_features_gain(q->feat, T * F, q->gain);
	dc_tensor_free(&X);
	q->u = *u;
	memset(u, 0, sizeof *u);
	snprintf(q->id, sizeof q->id, "%s", id);
	q->T = T;
	if (++e->nq == e->bmax)
		run_batch(e, w);
}

/*
 * block_masks: the mask-inference head's masks of block pd into e->z (C, n, F),
 * from e->h of its window, whose frame c0 is the block's first. The head orders
 * its sources anew in every window, so the block's sources are put in the order of
 * the block before: the head's masks of the frames both windows hold (the last
 * ones out, at most the context) are compared with those that went out, and the
 * permutation with the most agreement (the largest sum of products, dc_assign)
 * wins. The last frames' masks, so ordered, are kept for the next block.
 */
static void
block_masks(embedder *e, blocks *bl, const pending *pd, int64_t c0)
{
	const dc_nn_config *mc = &e->m.cfg;
	int64_t F = mc->F, C = mc->C, n = pd->n, m = 0, t, f, keep;
	double score[DC_MI_CMAX * DC_MI_CMAX];
	int perm[DC_MI_CMAX], g, j;

	if (pd->index > 0)
		m = c0 < bl->mn ? c0 : bl->mn;  /* frames shared with the masks out */
	dc_mi_head_forward(e->mm, e->z, e->h + (c0 - m) * 2 * mc->H, e->m.p.mi_w, e->m.p.mi_b, m + n,
	    2 * mc->H, (int)(C * F));
	dc_mi_masks(e->masks, e->z, m + n, (int)C, (int)F);
	for (g = 0; g < C; g++)
		perm[g] = g;
	for (g = 0; g < C && m > 0; g++) {
		for (j = 0; j < C; j++) {
			const float *p = bl->mprev + (g * bl->mn + bl->mn - m) * F, *q = e->masks + j * (m + n) * F;
			double sum = 0.0;
			for (t = 0; t < m * F; t++)
				sum += (double)p[t] * q[t];
			score[g * C + j] = sum;
		}
	}
	if (m > 0)
		dc_assign(score, (int)C, perm);
	for (g = 0; g < C; g++)
		memcpy(e->z + g * n * F, e->masks + (perm[g] * (m + n) + m) * F, (size_t)(n * F) * sizeof *e->z);
	keep = n < e->bctx ? n : e->bctx;
	if (C * keep * F > bl->mcap) {
		free(bl->mprev);
		bl->mcap = C * keep * F;
		bl->mprev = dc_xmalloc((size_t)bl->mcap * sizeof *bl->mprev);
	}
	for (g = 0; g < C; g++)
		for (t = 0; t < keep; t++)
			for (f = 0; f < F; f++)
				bl->mprev[(g * keep + t) * F + f] = e->z[(g * n + n - keep + t) * F + f];
	bl->mn = keep;
}

/*
 * block_out: the first waiting block of bl through the network with the frames
 * held around it, at most e->bctx on each side, and out: the utterance's utt
 * record before its first block, the block's records as they came, then its embed
 * (and masks) records.
 */
static void
block_out(embedder *e, dc_writer *w, blocks *bl)
{
	const dc_nn_config *mc = &e->m.cfg;
	pending *pd = &bl->q[0];
	int64_t F = mc->F, end = bl->fa + bl->nf, a, z, Tw, c0;

	a = pd->t0 - e->bctx > bl->fa ? pd->t0 - e->bctx : bl->fa;
	z = pd->t0 + pd->n + e->bctx < end ? pd->t0 + pd->n + e->bctx : end;
	Tw = z - a;
	c0 = pd->t0 - a;
	if (Tw > INT_MAX / 2 || Tw * F * mc->D > dc_limit_elems())
		dc_errx(1, "%s: block %lld with its context: %s", bl->id, (long long)pd->index,
		    dc_strerror(DC_ELIMIT));
	grow(e, Tw, F);
	/* the gain of all the blocks read so far: with a context over the whole
	 * utterance, the whole utterance's, as without blocks */
	e->level = dc_p56f_level(&bl->lv);
	e->gain = dc_nn_level_gain(e->ref, e->level);
	if (Tw > 0) {
		memcpy(e->feat, bl->feat + (a - bl->fa) * F, (size_t)(Tw * F) * sizeof *e->feat);
		dc_nn_features_gain(e->feat, Tw * F, e->gain);
		net(e, 1, (int)Tw);
		dc_nn_forward(e->nn, NULL, e->h, e->feat, 1, (int)Tw);
		if (mc->C > 0)
			block_masks(e, bl, pd, c0);
	}
	if (pd->index == 0) {
		dc_writer_want_blocks(w);
		dc_write_record(w, &bl->utt);
	}
	put_records(e, w, &pd->u, bl->id, NULL, c0, mc->C > 0 ? e->z : NULL, pd->n, F);
	dc_utt_free(&pd->u);
	bl->nq--;
	memmove(bl->q, bl->q + 1, (size_t)bl->nq * sizeof *bl->q);
}

/*
 * embed_block: block b (its records in u, taken over) of an utterance in blocks:
 * its features kept, and every waiting block out whose context has been read (all
 * of them after the last block). Features no waiting block needs are dropped.
 */
static void
embed_block(embedder *e, dc_writer *w, blocks *bl, dc_utt *u, const dc_unit *b, const char *id)
{
	const dc_nn_config *mc = &e->m.cfg;
	int64_t F = mc->F, keep, n;
	dc_tensor X;

	if (b->index == 0) {
		dc_record_free(&bl->utt);
		dc_record_copy(&bl->utt, b->utt);
		snprintf(bl->id, sizeof bl->id, "%s", id);
		bl->fa = bl->nf = 0;
		bl->ended = 0;
		dc_nn_level_begin(mc, &bl->lv);
	}
	get_stft(e, u, b, id, &X);
	n = X.shape[0];
	if (n * F * mc->D > dc_limit_elems())
		dc_errx(1, "%s: block %lld: embed record: %s", id, (long long)b->index, dc_strerror(DC_ELIMIT));
	if (bl->nf + n > bl->fcap) {
		float *f = dc_nn_alloc((size_t)((bl->nf + n) * F) * sizeof *f);
		if (bl->nf > 0)
			memcpy(f, bl->feat, (size_t)(bl->nf * F) * sizeof *f);
		free(bl->feat);
		bl->feat = f;
		bl->fcap = bl->nf + n;
	}
	dc_nn_features(bl->feat + bl->nf * F, X.data, n, F);
	dc_p56f_push(&bl->lv, X.data, n, F);
	bl->nf += n;
	dc_tensor_free(&X);
	if (bl->nq == bl->qcap) {
		bl->qcap = bl->qcap ? 2 * bl->qcap : 4;
		bl->q = dc_xrealloc(bl->q, (size_t)bl->qcap * sizeof *bl->q);
	}
	bl->q[bl->nq].u = *u;           /* the records are the block's now */
	memset(u, 0, sizeof *u);
	bl->q[bl->nq].index = b->index;
	bl->q[bl->nq].t0 = b->t0;
	bl->q[bl->nq].n = n;
	bl->nq++;
	bl->ended = b->last;
	while (bl->nq > 0 && (bl->ended || bl->fa + bl->nf >= bl->q[0].t0 + bl->q[0].n + e->bctx))
		block_out(e, w, bl);
	/* the frames before the context of the first block waiting go */
	keep = bl->nq > 0 ? bl->q[0].t0 - e->bctx : bl->fa + bl->nf;
	if (keep > bl->fa) {
		memmove(bl->feat, bl->feat + (keep - bl->fa) * F, (size_t)((bl->fa + bl->nf - keep) * F) *
		    sizeof *bl->feat);
		bl->nf -= keep - bl->fa;
		bl->fa = keep;
	}
}

int
main(int argc, char **argv)
{
	const char *mpath = NULL, *name = "stdin", *path;
	char pbuf[PATH_MAX + 64], tried[3 * PATH_MAX + 128];
	embedder e;
	dc_reader *rd;
	dc_writer *w;
	dc_record hdr;
	dc_utt u = { 0 };
	dc_unit b;
	blocks bl;
	int64_t v;
	int c, err, fallback;
	const char *parg = NULL, *warg = NULL;
	double wsec = 0, csec = 0;

	dc_setprog(argv[0]);
	memset(&e, 0, sizeof e);
	memset(&bl, 0, sizeof bl);
	e.threads = 1;
	e.bmax = 1;
	e.ref = INFINITY;       /* -l not given: the model's (dc_model_level) */
	while ((c = dc_getopt(argc, argv, "b:l:m:P:t:w:h", usage, help)) != -1) {
		switch (c) {
		case 'b':
			if (dc_parse_int(optarg, 1, BMAX, &v))
				dc_errx(2, "-b: utterances must be an integer from 1 to %d: %s", BMAX, optarg);
			e.bmax = (int)v;
			break;
		case 'l':
			if (strcmp(optarg, "none") == 0)
				e.ref = NAN;
			else if (dc_parse_num(optarg, -100, 0, &e.ref))
				dc_errx(2, "-l: level must be a number of dB from -100 to 0, or none: %s", optarg);
			break;
		case 'm':
			mpath = optarg;
			break;
		case 'P':
			if (dc_mm_parse(optarg) < 0)
				dc_errx(2, "-P: precision must be bf16, mixed or f32: %s", optarg);
			parg = optarg;
			break;
		case 't':
			if (dc_parse_int(optarg, 1, DC_NN_MAXTHREADS, &v))
				dc_errx(2, "-t: threads must be an integer from 1 to %d: %s", DC_NN_MAXTHREADS, optarg);
			e.threads = (int)v;
			break;
		case 'w':
			if (parse_w(optarg, &wsec, &csec))
				dc_errx(2, "-w: must be win,ctx in seconds, win in (0, %g], ctx in [0, %g]: %s",
				    WMAX, WMAX, optarg);
			warg = optarg;
			break;
		}
	}
	path = dc_arg_path(argc, argv, usage);
	e.prec = dc_mm_choose(parg, 1, &fallback);
	if (fallback)
		dc_warnx("-P %s: this CPU has no bf16 products (AVX512_BF16 or AMX-BF16): f32", parg);
	if (mpath == NULL && (mpath = default_model(pbuf, sizeof pbuf, tried, sizeof tried)) == NULL)
		dc_errx(1, "no model: give -m or set DCSEP_MODEL (no file at %s)", tried);
	if ((err = dc_model_load(&e.m, mpath)) != DC_OK) {
		const char *env = getenv("DCSEP_MODEL");

		/* a model the user did not name here: say where it came from */
		if (env && mpath == env)
			dc_errx(1, "DCSEP_MODEL=%s: %s", mpath, dc_model_errmsg(mpath, err));
		dc_errx(1, "%s: %s", mpath, dc_model_errmsg(mpath, err));
	}
	model_name(&e.m, mpath, e.name, sizeof e.name);
	if (isinf(e.ref))
		e.ref = dc_model_level(&e.m);
	{
		/* seconds to frames of the model's STFT, to the nearest */
		double fps = (double)e.m.cfg.rate / (double)e.m.cfg.hop;
		e.bctx = (int64_t)((warg ? csec : BCTX) * fps + 0.5);
	}
	if (warg) {
		double fps = (double)e.m.cfg.rate / (double)e.m.cfg.hop;
		e.win = (int64_t)(wsec * fps + 0.5);
		e.ctx = (int64_t)(csec * fps + 0.5);
		if (e.win < 1)
			dc_errx(2, "-w: a window of %g s is less than one frame of the model (%g s): %s",
			    wsec, 1 / fps, warg);
	}
	if (e.m.cfg.C > 0)
		e.mm = dc_mm_new(e.prec);
	dc_stdout_not_tty(NULL);
	rd = dc_open_stream(path, &hdr, &name);
	w = dc_writer_file(stdout);
	dc_write_header(w, &hdr, "dc-embed");
	if (e.bmax > 1) {
		hook_e = &e;
		hook_w = w;
		dc_errx_hook(flush_hook);
	}
	while ((err = dc_read_unit(rd, &u, &b)) == DC_OK) {
		char id[DC_ID_MAX];
		const char *why = dc_rec_id(b.utt, id);

		if (why != NULL)
			dc_errx(1, "%s: utt record: %s", name, why);
		if (e.nutt == 0)
			e.t0 = dc_now();
		if (!b.blocked || b.index == 0)
			e.nutt++;
		if (b.blocked) {
			run_batch(&e, w);
			embed_block(&e, w, &bl, &u, &b, id);
		} else if (e.bmax > 1)
			embed_queue(&e, w, &u, id);
		else
			embed_utt(&e, w, &u, id);
		if (dc_writer_error(w))
			break;
		progress(&e);
	}
	if (err != DC_OK && err != DC_EEOF)
		dc_stream_fail(name, rd, err);
	if (!dc_writer_error(w))
		run_batch(&e, w);
	dc_progress_end();
	dc_errx_hook(NULL);
	dc_nn_free(e.nn);
	dc_mm_free(e.mm);
	free(e.feat);
	free(e.emb);
	free(e.h);
	free(e.z);
	free(e.masks);
	free(e.wfeat);
	free(e.wh);
	free(e.piece);
	for (c = 0; c < BMAX; c++) {
		free(e.q[c].feat);
		dc_utt_free(&e.q[c].u);
	}
	dc_model_free(&e.m);
	dc_utt_free(&u);
	dc_record_free(&bl.utt);
	free(bl.feat);
	free(bl.q);
	free(bl.mprev);
	dc_record_free(&hdr);
	dc_reader_free(rd);
	dc_writer_finish(w);
	return 0;
}
