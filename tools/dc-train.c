/*
 * dc-train: trains a deep clustering model (formats/model.md) on cached streams
 * whose utterances carry an "stft" record (the mixture) and a "labels" record (the
 * dominant source of each bin, e.g. from dc-oracle).
 *
 * Each utterance is cut into segments of -T frames; -u says what becomes of the
 * frames past the last whole segment (dropped, a last segment that ends at the
 * utterance's end, and for shorter utterances a segment padded with weight 0 that
 * the network runs at its own length: dc_nn_lengths). Every epoch shuffles the
 * segments with the seed and the epoch number, and each mini-batch of -b segments
 * makes one Adam step on the deep clustering loss, normalised by sum_b (sum W_b)^2
 * (W, -W: 1 for the bins within 40 dB of the utterance's loudest, 0 below; or for
 * those bins their magnitude over the loudest's), after clipping the
 * gradient's global norm to -g, at Adam's rate -a times -f to the power of the epochs
 * before it (a decay per epoch); -d drops out BLSTM outputs with masks drawn from
 * the seed and the step. After each epoch the validation loss is computed on the
 * whole utterances of -V, a row goes to the TSV log, and a checkpoint (the model
 * plus Adam's state and the position) is written atomically to -o, also every -c
 * minutes inside an epoch and on SIGINT or SIGTERM; -r resumes from it and
 * reaches the same model, bit for bit, as a run that was never interrupted (for
 * the same thread count). -I starts a new run from another model's weights and
 * feature statistics (a curriculum: 100-frame segments, then 400).
 *
 * With a mask-inference head (-M, or a model that has one), the streams also need
 * a "ref" record (dc-oracle -R: the sources' spectra), and the loss is Chimera++'s
 * alpha DC / sum_b (sum W_b)^2 + (1 - alpha) MI / sum |X|: MI the
 * permutation-invariant L1 distance of the masked mixture magnitudes to the
 * sources' truncated phase-sensitive targets (libcommon/mi.h), over every bin.
 *
 * With -X the data is not a stream but a corpus of speaker directories: each
 * epoch draws -N mixtures as dc-mix does (libcommon/mix.h), each one segment of
 * up to -T frames with its features, weights, labels and targets made in memory;
 * mixture i of epoch e depends on the seed, e and i alone, and a helper thread
 * mixes the next batch while the current one trains ("mixing on the fly" below).
 *
 * Compiled by mpicc with -DDC_MPI it is dc-train-mpi (tools/dist.h): rank r of p
 * trains segments r, r + p, ... of each batch (seg_of, mix_batch), and train_step
 * sums the normalisers, the gradient and the losses over the ranks, so that every
 * rank takes one process's step; rank 0 alone writes, logs and validates.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dc.h"
#include "dist.h"
#include "mm.h"
#include "nn.h"
#include "mi.h"
#include "mix.h"
#include "rng.h"

static const char usage[] =
    "[-iqrF] [-I init.dcm] [-x checkpoint.dcm [-w f16 | f32]] [-L layers] [-H units]\n"
    "                [-D dim] [-M sources] [-A alpha] [-T frames] [-u tails] [-b batch]\n"
    "                [-e epochs] [-S steps] [-a rate] [-f factor] [-g clip] [-d dropout]\n"
    "                [-W weights]\n"
    "                [-P bf16 | mixed | f32] [-s seed] [-t threads] [-c minutes]\n"
    "                [-p seconds]\n"
    "                [-V valid.dcs] [-l log.tsv] [-n name] [-m key=value] -o model.dcm\n"
    "                [train.dcs ... | -X corpusdir [-Y speakers.txt] [-K k,...] [-N count]\n"
    "                [-R lo,hi]]";

static void
help(void)
{
	printf("usage: %s %s\n"
	    "Trains a deep clustering model on streams with stft and labels records.\n"
	    "  -o model.dcm  the model and checkpoint, written after each epoch (required)\n"
	    "  -i            only write a randomly initialised model (no training data)\n"
	    "  -r            resume from the checkpoint at -o\n"
	    "  -I init.dcm   start from this model's weights and feature statistics; with -L\n"
	    "                above its layers, those layers and fresh ones above them; with\n"
	    "                -H above its units, the model widened, computing what it did\n"
	    "  -x ckpt.dcm   only write the model of a checkpoint, without its training state;\n"
	    "                with models after the options, the mean of all their weights\n"
	    "  -w f16 | f32  with -x, store the weights as float16 (half the size) or float32\n"
	    "                (default: as in ckpt.dcm)\n"
	    "  -L layers     BLSTM layers, 1 to %d (2)\n"
	    "  -H units      units per direction (300)\n"
	    "  -D dim        embedding dimension (40)\n"
	    "  -M sources    add a mask-inference head of 1 to %d sources (Chimera++); the\n"
	    "                data then needs ref records (dc-oracle -R); with -x, -M 0\n"
	    "                drops the model's head\n"
	    "  -A alpha      with a mask-inference head, the deep clustering loss's weight,\n"
	    "                the head's 1 - alpha; with -r, changes the checkpoint's (0.5)\n"
	    "  -F            train only the mask-inference head, the rest of the model fixed\n"
	    "                (this run only: not kept in the checkpoint)\n"
	    "  -T frames     frames per training segment (100)\n"
	    "  -u tails      frames past an utterance's last whole segment: drop, end, pad (pad)\n"
	    "  -b batch      segments per mini-batch (8)\n"
	    "  -e epochs     epochs in all, counting those of a resumed checkpoint (10)\n"
	    "  -S steps      stop after this many steps in all, 0 for no limit (0)\n"
	    "  -a rate       Adam learning rate (0.001)\n"
	    "  -f factor     the rate of each epoch is the last's times factor; with -r,\n"
	    "                changes the checkpoint's (1)\n"
	    "  -g clip       largest gradient norm, 0 for no clipping (5)\n"
	    "  -d dropout    dropout probability on the BLSTM outputs, 0 to 0.95 (0)\n"
	    "  -W weights    the bins' weights in the loss: vad (1 within 40 dB of the loudest)\n"
	    "                or mag (there, the magnitude over the loudest's) (vad)\n"
	    "  -P prec       the precision of the network's products: bf16 (bf16 operands,\n"
	    "                fp32 sums), mixed (fp32, bf16 in the recurrent steps) or f32;\n"
	    "                weights, Adam and checkpoints stay fp32 (default: the\n"
	    "                checkpoint's with -r, else bf16 where it is faster)\n"
	    "  -s seed       seed of the initial weights, the shuffling and dropout (1)\n"
	    "  -t threads    threads, 1 to %d (1)\n"
	    "  -c minutes    also write the checkpoint this often inside an epoch, 0: never (10)\n"
	    "  -p seconds    a progress line this often if stderr is no terminal, 0: never (60)\n"
	    "  -V valid.dcs  validation stream: its loss after each epoch\n"
	    "  -l log.tsv    append one row per epoch to this file\n"
	    "  -n name       the model's name (default: the file name of -o)\n"
	    "  -m key=value  a metadata entry (repeatable), e.g. attribution=...\n"
	    "  -X corpusdir  train on mixtures drawn on the fly from speaker directories of\n"
	    "                audio files (as dc-mix -n), not on streams\n"
	    "  -Y file       with -X, the speakers to draw from, one per line (all)\n"
	    "  -K k,...      with -X, speakers per mixture, each mixture one of the list (2)\n"
	    "  -N count      with -X, mixtures per epoch, one segment of -T frames each (1000)\n"
	    "  -R lo,hi      with -X, perturb each source's speed by a factor in [lo, hi] (none)\n"
	    "  -q            no progress on stderr\n"
	    "  -h            this help (--help too; --version: the version)\n"
#ifdef DC_MPI
	    "Reads the training streams from the files (stdin, if none or '-', with one rank\n"
	    "alone). See dc-train-mpi(1) and dc-train(1).\n",
#else
	    "Reads the training streams from the files, or stdin if none or '-'. See dc-train(1).\n",
#endif
	    dc_prog(), usage, DC_NN_MAXL, DC_MI_CMAX, DC_NN_MAXTHREADS);
}

/* ---------------------------------------------------------------- data */

/* One utterance in memory: T x F features, labels and 0/1 weights of each bin. */
typedef struct {
	int64_t T;
	float *feat;            /* (T,F), ln(|X| + eps) */
	uint8_t *lab;           /* (T,F) */
	uint8_t *w;             /* (T,F), 1 within 40 dB of the loudest bin */
	float fmax;             /* the largest feat */
	float *mag;             /* (T,F) |X|, with a mask-inference head, else NULL */
	float *A;               /* (C,T,F) the sources' tPSA targets, likewise */
} utt;

enum { WEIGHTS_VAD, WEIGHTS_MAG };
static const char *const weights_name[] = { "vad", "mag" };

/* weight: bin j's weight in the loss (-W). */
static inline float
weight(const utt *u, int64_t j, int mode)
{
	if (!u->w[j])
		return 0.0f;
	return mode == WEIGHTS_MAG ? expf(u->feat[j] - u->fmax) : 1.0f;
}

typedef struct {
	utt *u;
	int n, cap;
	int C;                  /* 1 + the largest label value */
	int64_t frames;
	dc_stft_params p;
	int have_p;
	int mi;                 /* the head's sources: keep ref records' targets; 0: none */
} dataset;

/* load_targets: u's mixture magnitudes and the tPSA targets of the d->mi sources
 * from the ref record of uu (fewer sources: the others' targets are 0). */
static void
load_targets(utt *u, const dataset *d, const dc_utt *uu, const dc_tensor *X, const char *where)
{
	const dc_record *rr = dc_utt_find(uu, "ref");
	int64_t T = X->shape[0], F = X->shape[1];
	dc_tensor S;
	int err;

	if (rr == NULL)
		dc_errx(1, "%s: no ref record (the mask-inference head needs the sources: dc-oracle -R)",
		    where);
	if ((err = dc_rec_tensor(rr, &S)) != DC_OK)
		dc_errx(1, "%s: ref record: %s", where, dc_strerror(err));
	if (S.dtype != DC_C64 || S.ndim != 3 || S.shape[0] < 1 || S.shape[0] > d->mi ||
	    S.shape[1] != T || S.shape[2] != F)
		dc_errx(1, "%s: ref record: wanted complex64 [K, %lld, %lld] with K from 1 to %d, the "
		    "head's sources", where, (long long)T, (long long)F, d->mi);
	if (dc_tensor_finite(&S) != DC_OK)
		dc_errx(1, "%s: ref record: %s", where, dc_strerror(DC_ENONFINITE));
	u->mag = dc_xmalloc((size_t)(T * F) * sizeof *u->mag + 1);
	u->A = dc_xcalloc((size_t)(d->mi * T * F) + 1, sizeof *u->A);
	dc_mi_target(u->A, u->mag, X->data, S.data, (int)S.shape[0], T * F, 1.0);
	dc_tensor_free(&S);
}

/* load: appends the utterances of one stream to d; exits 1 on any problem. */
static void
load(dataset *d, const char *path)
{
	const char *name;
	dc_reader *rd;
	dc_record hdr;
	dc_utt uu = { 0 };
	int err;

	rd = dc_open_stream(path, &hdr, &name);
	while ((err = dc_read_utt(rd, &uu)) == DC_OK) {
		dc_record *sr, *lr;
		dc_stft_params p;
		dc_tensor X, Lt;
		int64_t T, F, i;
		const int32_t *l;
		char id[DC_ID_MAX], where[DC_ID_MAX + 512];
		const char *why;
		int k;
		utt *u;

		if ((why = dc_utt_id(&uu, id)) != NULL)
			dc_errx(1, "%s: utt record: %s", name, why);
		if ((sr = dc_utt_find(&uu, "stft")) == NULL)
			dc_errx(1, "%s: %s: no stft record", name, id);
		if ((lr = dc_utt_find(&uu, "labels")) == NULL)
			dc_errx(1, "%s: %s: no labels record", name, id);
		snprintf(where, sizeof where, "%s: %s", name, id);
		dc_get_stft(where, sr, &X, &p);
		if (!d->have_p) {
			d->p = p;
			d->have_p = 1;
		} else if (p.rate != d->p.rate || p.nfft != d->p.nfft || p.hop != d->p.hop ||
		    strcmp(p.window, d->p.window) != 0)
			dc_errx(1, "%s: %s: stft record: rate %lld, nfft %lld, hop %lld, %s window; the first "
			    "utterance has rate %lld, nfft %lld, hop %lld, %s window", name, id,
			    (long long)p.rate, (long long)p.nfft, (long long)p.hop, p.window,
			    (long long)d->p.rate, (long long)d->p.nfft, (long long)d->p.hop, d->p.window);
		/* labels are kept as bytes: k up to 255 */
		dc_get_labels(where, lr, &X, 255, &Lt, &k);
		T = X.shape[0];
		F = X.shape[1];
		if (d->n == d->cap) {
			d->cap = d->cap ? 2 * d->cap : 64;
			d->u = dc_xrealloc(d->u, (size_t)d->cap * sizeof *d->u);
		}
		u = &d->u[d->n++];
		u->T = T;
		u->feat = dc_xmalloc((size_t)(T * F) * sizeof *u->feat + 1);
		u->lab = dc_xmalloc((size_t)(T * F) + 1);
		u->w = dc_xmalloc((size_t)(T * F) + 1);
		dc_nn_features(u->feat, X.data, T, F);
		{
			float *wf = dc_xmalloc((size_t)(T * F) * sizeof *wf + 1);
			dc_nn_weights(wf, u->feat, T * F, 40.0);
			u->fmax = -INFINITY;
			for (i = 0; i < T * F; i++) {
				u->w[i] = wf[i] != 0.0f;
				u->fmax = u->feat[i] > u->fmax ? u->feat[i] : u->fmax;
			}
			free(wf);
		}
		l = Lt.data;
		for (i = 0; i < T * F; i++)
			u->lab[i] = (uint8_t)l[i];
		if (k > d->C)
			d->C = (int)k;
		u->mag = u->A = NULL;
		if (d->mi > 0)
			load_targets(u, d, &uu, &X, where);
		d->frames += T;
		dc_tensor_free(&X);
		dc_tensor_free(&Lt);
	}
	if (err != DC_EEOF)
		dc_stream_fail(name, rd, err);
	dc_utt_free(&uu);
	dc_record_free(&hdr);
	dc_reader_free(rd);
}

/* utt_free: an utterance's buffers freed; it is empty afterwards. */
static void
utt_free(utt *u)
{
	free(u->feat);
	free(u->lab);
	free(u->w);
	free(u->mag);
	free(u->A);
	memset(u, 0, sizeof *u);
}

static void
dataset_free(dataset *d)
{
	int i;

	for (i = 0; i < d->n; i++)
		utt_free(&d->u[i]);
	free(d->u);
	memset(d, 0, sizeof *d);
}

/* ---------------------------------------------------------------- mixing on the fly */

/*
 * -X: mixtures drawn from a corpus of speaker directories (libcommon/mix.h), N an
 * epoch, each giving one segment of up to T frames. Mixture i of epoch e is a
 * pure function of (seed, e, i): its own xoshiro256** seeded from them draws, in
 * this order, the speaker count from -K, the speakers, utterances, gains and (-R)
 * speeds as dc-mix draws them, then the segment's first frame. So -r resumes
 * inside an epoch with no state beyond the batch, and the helper thread that mixes
 * batch b+1 while batch b trains cannot change what is trained on.
 */
typedef struct {
	const dc_corpus *c;
	dc_mix_opts mo;
	dc_stft_params p;
	int kl[DC_MIX_MAXK], nk;        /* -K's speaker counts, ascending */
	int64_t N, T, B, nbatch;
	uint64_t seed;
	int mi;                         /* the head's sources: targets kept; 0: none */
	int rank, size;                 /* dc-train-mpi: this rank mixes i = rank, rank + size, ... */
} mixspec;

/* mix_key: the seed of mixture i of epoch e. */
static uint64_t
mix_key(uint64_t seed, int64_t e, int64_t i)
{
	return dc_mix64(dc_mix64(seed ^ UINT64_C(0x6f74662d6d697865)) + (uint64_t)e * DC_RNG_GOLDEN) ^
	    dc_mix64((uint64_t)i + 1);
}

/* seg_labels: lab (len*F) the loudest source of each bin of S (k, len*F, complex),
 * the lowest on a tie (dc-oracle -m ibm). */
static void
seg_labels(uint8_t *lab, const float *S, int k, int64_t n)
{
	int64_t i;
	int j;

	for (i = 0; i < n; i++) {
		double best = -1.0;
		const float *s;
		for (j = 0; j < k; j++) {
			double pw;
			s = S + 2 * ((size_t)j * n + i);
			pw = (double)s[0] * s[0] + (double)s[1] * s[1];
			if (pw > best) {
				best = pw;
				lab[i] = (uint8_t)j;
			}
		}
	}
}

/* seg_utt: u from the mixture's STFT X (Tm, F) and the sources' S (k, len, F) of
 * frames t0 .. t0+len-1: features, VAD weights and fmax as load() makes them of the
 * whole mixture, then cut to the segment; labels, and with a head the targets. */
static void
seg_utt(utt *u, const mixspec *ms, const dc_tensor *X, const float *S, int k, int64_t t0,
    int64_t len)
{
	int64_t Tm = X->shape[0], F = X->shape[1], n = len * F, i;
	float *feat = dc_xmalloc((size_t)(Tm * F) * sizeof *feat + 1);
	float *wf = dc_xmalloc((size_t)(Tm * F) * sizeof *wf + 1);

	dc_nn_features(feat, X->data, Tm, F);
	dc_nn_weights(wf, feat, Tm * F, 40.0);
	u->T = len;
	u->fmax = -INFINITY;
	for (i = 0; i < Tm * F; i++)
		u->fmax = feat[i] > u->fmax ? feat[i] : u->fmax;
	u->feat = dc_xmalloc((size_t)n * sizeof *u->feat + 1);
	u->lab = dc_xmalloc((size_t)n + 1);
	u->w = dc_xmalloc((size_t)n + 1);
	memcpy(u->feat, feat + t0 * F, (size_t)n * sizeof *u->feat);
	for (i = 0; i < n; i++)
		u->w[i] = wf[t0 * F + i] != 0.0f;
	seg_labels(u->lab, S, k, n);
	u->mag = u->A = NULL;
	if (ms->mi > 0) {
		u->mag = dc_xmalloc((size_t)n * sizeof *u->mag + 1);
		u->A = dc_xcalloc((size_t)(ms->mi * n) + 1, sizeof *u->A);
		dc_mi_target(u->A, u->mag, (const float *)X->data + 2 * t0 * F, S, k, n, 1.0);
	}
	free(feat);
	free(wf);
}

/* seg_spectra: the STFTs of the mixture (whole, into X) and of its sources (frames
 * t0 .. t0+len-1 only, into S (k, len, F)). */
static int
seg_spectra(const mixspec *ms, const dc_mixture *m, int64_t t0, int64_t len, dc_tensor *X,
    float **S)
{
	dc_stft_params p = ms->p;
	int64_t F = p.nfft / 2 + 1;
	dc_tensor Y;
	int j, err;

	p.samples = m->n;
	if ((err = dc_stft(m->mix, &p, X)) != DC_OK)
		return err;
	*S = dc_xmalloc((size_t)(m->k * len * F) * 2 * sizeof **S + 1);
	for (j = 0; j < m->k; j++) {
		if ((err = dc_stft(m->s[j], &p, &Y)) != DC_OK) {
			free(*S);
			dc_tensor_free(X);
			return err;
		}
		memcpy(*S + 2 * j * len * F, (float *)Y.data + 2 * t0 * F, (size_t)(len * F) * 2 * sizeof **S);
		dc_tensor_free(&Y);
	}
	return DC_OK;
}

/* make_mixture: mixture i of epoch e as one segment u; DC_OK, or an error with msg
 * set ("path: why"). perm has room for the corpus's speakers. */
static int
make_mixture(const mixspec *ms, int64_t e, int64_t i, int *perm, utt *u, char *msg)
{
	dc_xoshiro r;
	dc_mix_draw d;
	dc_mixture m;
	dc_stft_params p = ms->p;
	dc_tensor X;
	float *S;
	int64_t Tm, t0, len;
	int j, err;

	dc_xoshiro_seed(&r, mix_key(ms->seed, e, i));
	for (j = 0; j < ms->c->n; j++)
		perm[j] = j;
	dc_mix_pick(&r, ms->c, &ms->mo, ms->kl[dc_xoshiro_below(&r, (uint64_t)ms->nk)], perm, &d);
	if ((err = dc_mix_corpus(ms->c, &d, &ms->mo, &m, msg)) != DC_OK)
		return err;
	p.samples = m.n;
	Tm = dc_stft_frames(&p);
	t0 = Tm > ms->T ? (int64_t)dc_xoshiro_below(&r, (uint64_t)(Tm - ms->T + 1)) : 0;
	len = Tm < ms->T ? Tm : ms->T;
	if ((err = seg_spectra(ms, &m, t0, len, &X, &S)) != DC_OK) {
		snprintf(msg, DC_MIX_MSG, "mixture %lld of epoch %lld: %s", (long long)i,
		    (long long)e + 1, dc_strerror(err));
		dc_mixture_free(&m);
		return err;
	}
	seg_utt(u, ms, &X, S, m.k, t0, len);
	dc_tensor_free(&X);
	free(S);
	dc_mixture_free(&m);
	return DC_OK;
}

/*
 * The helper thread: two slots, one batch each. The trainer asks for batch (e, b)
 * in a free slot (QUEUED), the thread mixes it (READY) and the trainer takes it
 * (TAKEN) and frees the slot when the step is done. The thread never calls
 * dc_errx: a failure is kept in the slot, for the trainer to report.
 */
enum { SLOT_FREE, SLOT_QUEUED, SLOT_READY, SLOT_TAKEN };

typedef struct {
	int state;
	int64_t e, b, seq;              /* seq: the order of the requests */
	utt *u;                         /* B segments */
	int n, err;
	char msg[DC_MIX_MSG];
} mixslot;

typedef struct {
	mixspec ms;
	mixslot slot[2];
	int *perm;
	int64_t seq;
	int quit;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
} mixer;

/* mix_batch: the mixtures of slot s's batch (at most B, the last batch fewer); of
 * them, this rank's share (dc-train-mpi: every size-th from rank). */
static void
mix_batch(const mixspec *ms, int *perm, mixslot *s)
{
	int64_t i0 = s->b * ms->B, n = ms->N - i0 < ms->B ? ms->N - i0 : ms->B, i;

	s->n = 0;
	s->err = DC_OK;
	for (i = ms->rank; i < n && s->err == DC_OK; i += ms->size)
		if ((s->err = make_mixture(ms, s->e, i0 + i, perm, &s->u[s->n], s->msg)) == DC_OK)
			s->n++;
}

/* mixer_main: the helper thread: the oldest queued batch, until told to quit. */
static void *
mixer_main(void *arg)
{
	mixer *mx = arg;

	pthread_mutex_lock(&mx->mu);
	for (;;) {
		mixslot *s = NULL;
		int j;
		for (j = 0; j < 2; j++)
			if (mx->slot[j].state == SLOT_QUEUED && (s == NULL || mx->slot[j].seq < s->seq))
				s = &mx->slot[j];
		if (mx->quit)
			break;
		if (s == NULL) {
			pthread_cond_wait(&mx->cv, &mx->mu);
			continue;
		}
		pthread_mutex_unlock(&mx->mu);
		mix_batch(&mx->ms, mx->perm, s);
		pthread_mutex_lock(&mx->mu);
		s->state = SLOT_READY;
		pthread_cond_broadcast(&mx->cv);
	}
	pthread_mutex_unlock(&mx->mu);
	return NULL;
}

/* mixer_start: the helper thread, idle until asked for a batch. */
static void
mixer_start(mixer *mx, const mixspec *ms)
{
	int j, err;

	memset(mx, 0, sizeof *mx);
	mx->ms = *ms;
	mx->perm = dc_xmalloc((size_t)ms->c->n * sizeof *mx->perm);
	for (j = 0; j < 2; j++)
		mx->slot[j].u = dc_xcalloc((size_t)ms->B, sizeof *mx->slot[j].u);
	pthread_mutex_init(&mx->mu, NULL);
	pthread_cond_init(&mx->cv, NULL);
	if ((err = pthread_create(&mx->th, NULL, mixer_main, mx)) != 0)
		dc_errx(1, "the mixing thread: %s", strerror(err));
}

/* slot_clear: the segments of a slot freed, the slot free (called with the lock). */
static void
slot_clear(mixslot *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		utt_free(&s->u[i]);
	s->n = 0;
	s->state = SLOT_FREE;
}

/* mixer_ask: batch (e, b) queued, unless it is already; called with the lock. */
static void
mixer_ask(mixer *mx, int64_t e, int64_t b)
{
	int j;

	for (j = 0; j < 2; j++)
		if (mx->slot[j].state != SLOT_FREE && mx->slot[j].e == e && mx->slot[j].b == b)
			return;
	for (j = 0; j < 2; j++)
		if (mx->slot[j].state == SLOT_FREE) {
			mx->slot[j].state = SLOT_QUEUED;
			mx->slot[j].e = e;
			mx->slot[j].b = b;
			mx->slot[j].seq = mx->seq++;
			pthread_cond_broadcast(&mx->cv);
			return;
		}
}

/*
 * mixer_take: batch b of epoch e, mixed (now, if it was not asked for before),
 * after the slot of the last batch is freed; the next batch (or the next epoch's
 * first, if there is one) is asked for before returning, to be mixed while this
 * one trains. Exits 1 with the mixing's message if it failed.
 */
static mixslot *
mixer_take(mixer *mx, int64_t e, int64_t b, int64_t epochs)
{
	mixslot *s = NULL;
	int j;

	pthread_mutex_lock(&mx->mu);
	for (j = 0; j < 2; j++)
		if (mx->slot[j].state == SLOT_TAKEN)
			slot_clear(&mx->slot[j]);
	mixer_ask(mx, e, b);
	for (j = 0; j < 2; j++)
		if (mx->slot[j].state != SLOT_FREE && mx->slot[j].e == e && mx->slot[j].b == b)
			s = &mx->slot[j];
	while (s->state != SLOT_READY)
		pthread_cond_wait(&mx->cv, &mx->mu);
	s->state = SLOT_TAKEN;
	if (b + 1 < mx->ms.nbatch)
		mixer_ask(mx, e, b + 1);
	else if (e + 1 < epochs)
		mixer_ask(mx, e + 1, 0);
	pthread_mutex_unlock(&mx->mu);
	if (s->err != DC_OK)
		dc_errx(1, "%s", s->msg);
	return s;
}

/* mixer_stop: the thread told to quit (after the batch it mixes) and joined; every
 * slot freed. */
static void
mixer_stop(mixer *mx)
{
	int j;

	pthread_mutex_lock(&mx->mu);
	mx->quit = 1;
	pthread_cond_broadcast(&mx->cv);
	pthread_mutex_unlock(&mx->mu);
	pthread_join(mx->th, NULL);
	for (j = 0; j < 2; j++) {
		slot_clear(&mx->slot[j]);
		free(mx->slot[j].u);
	}
	free(mx->perm);
	pthread_mutex_destroy(&mx->mu);
	pthread_cond_destroy(&mx->cv);
}

/* ---------------------------------------------------------------- state */

/* What a checkpoint needs besides the model and Adam: packed into the model's
 * opaque train_state as a msgpack map. */
typedef struct {
	int64_t epoch, batch;   /* the next batch to run */
	int64_t seed, T, B, segments, threads;
	double lr, clip;
	double loss_sum;        /* the current epoch's batch losses so far */
	int64_t loss_n;
	uint64_t data;          /* fingerprint of the training data (0: none recorded) */
	/* optional: checkpoints written before these existed lack them, and resume with
	 * the defaults, which are what dc-train did then */
	int64_t tails;          /* TAILS_DROP (default), TAILS_END, TAILS_PAD */
	double dropout;         /* 0 (default) */
	double decay;           /* 1 (default): epoch e (from 0) runs at lr * decay^e */
	int64_t weights;        /* WEIGHTS_VAD (default), WEIGHTS_MAG */
	int64_t precision;      /* DC_MM_F32 (default), DC_MM_BF16: of the run that wrote it */
	double alpha;           /* 0.5 (default): the DC loss's weight beside the MI head's */
	/* mixing on the fly (-X), only in its checkpoints: segments is then -N, data the
	 * corpus's hash */
	int64_t mix_k;          /* -K as a bit set (bit k: k speakers); 0: cached streams */
	int64_t mix_perturb;    /* 1: -R given */
	double mix_plo, mix_phi; /* -R's range (1, 1) */
} tstate;

enum { TAILS_DROP, TAILS_END, TAILS_PAD };
#define MIX_KSET (((1 << (DC_MIX_MAXK + 1)) - 1) & ~1)     /* the bits of -K: 1 to DC_MIX_MAXK */
static const char *const tails_name[] = { "drop", "end", "pad" };

static void
pack_kv(msgpack_packer *pk, const char *k)
{
	msgpack_pack_str(pk, strlen(k));
	msgpack_pack_str_body(pk, k, strlen(k));
}

static void
state_save(dc_model *m, const tstate *s)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 18 + (s->mix_k ? 4 : 0));
	pack_kv(&pk, "epoch"); msgpack_pack_int64(&pk, s->epoch);
	pack_kv(&pk, "batch"); msgpack_pack_int64(&pk, s->batch);
	pack_kv(&pk, "seed"); msgpack_pack_int64(&pk, s->seed);
	pack_kv(&pk, "T"); msgpack_pack_int64(&pk, s->T);
	pack_kv(&pk, "B"); msgpack_pack_int64(&pk, s->B);
	pack_kv(&pk, "segments"); msgpack_pack_int64(&pk, s->segments);
	pack_kv(&pk, "threads"); msgpack_pack_int64(&pk, s->threads);
	pack_kv(&pk, "lr"); msgpack_pack_double(&pk, s->lr);
	pack_kv(&pk, "clip"); msgpack_pack_double(&pk, s->clip);
	pack_kv(&pk, "loss_sum"); msgpack_pack_double(&pk, s->loss_sum);
	pack_kv(&pk, "loss_n"); msgpack_pack_int64(&pk, s->loss_n);
	pack_kv(&pk, "data"); msgpack_pack_uint64(&pk, s->data);
	pack_kv(&pk, "tails"); msgpack_pack_int64(&pk, s->tails);
	pack_kv(&pk, "dropout"); msgpack_pack_double(&pk, s->dropout);
	pack_kv(&pk, "decay"); msgpack_pack_double(&pk, s->decay);
	pack_kv(&pk, "weights"); msgpack_pack_int64(&pk, s->weights);
	pack_kv(&pk, "precision"); msgpack_pack_int64(&pk, s->precision);
	pack_kv(&pk, "alpha"); msgpack_pack_double(&pk, s->alpha);
	if (s->mix_k) {
		pack_kv(&pk, "mix_k"); msgpack_pack_int64(&pk, s->mix_k);
		pack_kv(&pk, "mix_perturb"); msgpack_pack_int64(&pk, s->mix_perturb);
		pack_kv(&pk, "mix_plo"); msgpack_pack_double(&pk, s->mix_plo);
		pack_kv(&pk, "mix_phi"); msgpack_pack_double(&pk, s->mix_phi);
	}
	free(m->train_state);
	m->train_state = dc_xmalloc(sb.size);
	memcpy(m->train_state, sb.data, sb.size);
	m->train_state_len = sb.size;
	msgpack_sbuffer_destroy(&sb);
}

/* key_is: whether the (string) key of kv is k. */
static int
key_is(const msgpack_object_kv *kv, const char *k)
{
	size_t n = strlen(k);

	return kv->key.via.str.size == n && memcmp(kv->key.via.str.ptr, k, n) == 0;
}

/* opt_int, opt_num: an optional entry k of the state, an integer from 0 to hi or a
 * number from lo to hi, into *v; one of another type or out of range sets *bad. */
static void
opt_int(const msgpack_object_kv *kv, const char *k, uint64_t hi, int64_t *v, int *bad)
{
	if (!key_is(kv, k))
		return;
	if (kv->val.type != MSGPACK_OBJECT_POSITIVE_INTEGER || kv->val.via.u64 > hi)
		*bad = 1;
	else
		*v = (int64_t)kv->val.via.u64;
}

static void
opt_num(const msgpack_object_kv *kv, const char *k, double lo, double hi, double *v, int *bad)
{
	if (!key_is(kv, k))
		return;
	if (kv->val.type != MSGPACK_OBJECT_FLOAT64 || !(kv->val.via.f64 >= lo && kv->val.via.f64 <= hi))
		*bad = 1;
	else
		*v = kv->val.via.f64;
}

/* state_load: DC_OK, or DC_EMODEL if the checkpoint's state is missing or malformed. */
static int
state_load(const dc_model *m, tstate *s)
{
	msgpack_unpacked u;
	size_t off = 0;
	int ok = 0, i;
	static const char *const ik[] = { "epoch", "batch", "seed", "T", "B", "segments", "threads", "loss_n" };
	int64_t *iv[] = { &s->epoch, &s->batch, &s->seed, &s->T, &s->B, &s->segments, &s->threads, &s->loss_n };
	static const char *const dk[] = { "lr", "clip", "loss_sum" };
	double *dv[] = { &s->lr, &s->clip, &s->loss_sum };

	memset(s, 0, sizeof *s);
	s->decay = 1.0;
	s->alpha = 0.5;
	s->mix_plo = s->mix_phi = 1.0;
	if (m->train_state == NULL || m->adam_m == NULL)
		return DC_EMODEL;
	/* a state that claims more entries than its bytes hold is refused before
	 * msgpack-c allocates for the claim */
	if (dc_msgpack_check(m->train_state, m->train_state_len, &off) != DC_OK ||
	    off != m->train_state_len)
		return DC_EMODEL;
	off = 0;
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, m->train_state, m->train_state_len, &off) == MSGPACK_UNPACK_SUCCESS &&
	    u.data.type == MSGPACK_OBJECT_MAP) {
		int found = 0, bad = 0;
		uint32_t j;
		for (j = 0; j < u.data.via.map.size; j++) {
			const msgpack_object_kv *kv = &u.data.via.map.ptr[j];
			if (kv->key.type != MSGPACK_OBJECT_STR)
				continue;
			for (i = 0; i < 8; i++)
				if (key_is(kv, ik[i]) && kv->val.type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
					*iv[i] = (int64_t)kv->val.via.u64;
					found++;
				}
			for (i = 0; i < 3; i++)
				if (key_is(kv, dk[i]) && kv->val.type == MSGPACK_OBJECT_FLOAT64) {
					*dv[i] = kv->val.via.f64;
					found++;
				}
			/* optional: older checkpoints lack them */
			if (key_is(kv, "data") && kv->val.type == MSGPACK_OBJECT_POSITIVE_INTEGER)
				s->data = kv->val.via.u64;
			opt_int(kv, "tails", TAILS_PAD, &s->tails, &bad);
			opt_num(kv, "dropout", 0.0, 0.95, &s->dropout, &bad);
			opt_num(kv, "decay", DBL_TRUE_MIN, 1.0, &s->decay, &bad);      /* above 0 */
			opt_int(kv, "weights", WEIGHTS_MAG, &s->weights, &bad);
			opt_int(kv, "precision", DC_MM_MIXED, &s->precision, &bad);
			opt_num(kv, "alpha", 0.0, 1.0, &s->alpha, &bad);
			opt_int(kv, "mix_k", MIX_KSET, &s->mix_k, &bad);
			opt_int(kv, "mix_perturb", 1, &s->mix_perturb, &bad);
			opt_num(kv, "mix_plo", 0.5, 2.0, &s->mix_plo, &bad);
			opt_num(kv, "mix_phi", 0.5, 2.0, &s->mix_phi, &bad);
		}
		/* and values this dc-train could have written */
		ok = found == 11 && !bad && !(s->mix_k & 1) && s->mix_plo <= s->mix_phi && s->T >= 1 && s->T <= 100000 && s->B >= 1 && s->B <= 10000 &&
		    s->lr > 0.0 && s->lr <= 1.0 && s->clip >= 0.0 && s->threads >= 1;
	}
	msgpack_unpacked_destroy(&u);
	return ok ? DC_OK : DC_EMODEL;
}

/* log_has_precision: whether the first line of an existing log names a precision
 * column (logs of older runs, appended to, keep their columns). */
static int
log_has_precision(const char *path)
{
	char line[256];
	FILE *f = fopen(path, "r");
	int has = 0;

	if (f == NULL)
		return 1;
	if (fgets(line, sizeof line, f) != NULL)
		has = strstr(line, "\tprecision") != NULL;
	fclose(f);
	return has;
}

/* ---------------------------------------------------------------- training */

/* shuffle: the order of the segments in epoch e: Fisher-Yates on splitmix64 seeded
 * from the seed and the epoch. */
static void
shuffle(int64_t *order, int64_t n, uint64_t seed, int64_t e)
{
	dc_rng r;
	int64_t i;

	dc_rng_seed(&r, seed * UINT64_C(0x100000001b3) ^ (uint64_t)e * DC_RNG_GOLDEN);
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; i > 0; i--) {
		int64_t j = (int64_t)(dc_rng_next(&r) % (uint64_t)(i + 1)), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

/* fingerprint: FNV-1a over the utterances' lengths, every label and weight, and
 * every 61st feature, to tell a resumed run that its data changed. */
static uint64_t
fingerprint(const dataset *d, int F)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	int64_t j;
	int i;

#define MIX(v) (h = (h ^ (uint64_t)(v)) * UINT64_C(0x100000001b3))
	for (i = 0; i < d->n; i++) {
		const utt *u = &d->u[i];
		MIX(u->T);
		for (j = 0; j < u->T * F; j++) {
			MIX(u->lab[j] | u->w[j] << 8);
			if (j % 61 == 0) {
				uint32_t b;
				memcpy(&b, &u->feat[j], 4);
				MIX(b);
			}
		}
	}
#undef MIX
	return h ? h : 1;
}

/* feature statistics over every frame of the training data */
static void
feat_stats(dc_model *m, const dataset *d)
{
	int F = m->cfg.F, f, i;
	double *s = dc_xcalloc((size_t)F, sizeof *s), *s2 = dc_xcalloc((size_t)F, sizeof *s2);
	int64_t t;

	for (i = 0; i < d->n; i++)
		for (t = 0; t < d->u[i].T; t++)
			for (f = 0; f < F; f++) {
				double x = d->u[i].feat[t * F + f];
				s[f] += x;
				s2[f] += x * x;
			}
	for (f = 0; f < F; f++) {
		double mean = s[f] / (double)d->frames, var = s2[f] / (double)d->frames - mean * mean;
		m->feat_mean[f] = (float)mean;
		m->feat_std[f] = (float)(var > 1e-6 ? sqrt(var) : 1e-3);
	}
	free(s);
	free(s2);
}

/* join: first, then each of argv, separated by spaces, in buf (truncated to n). */
static void
join(char *buf, size_t n, const char *first, int argc, char **argv)
{
	size_t o = (size_t)snprintf(buf, n, "%s", first);
	int i;

	for (i = 0; i < argc && o < n - 1; i++)
		o += (size_t)snprintf(buf + o, n - o, " %s", argv[i]);
}

/* meta_kv: the -m key=value entries into m's metadata. */
static void
meta_kv(dc_model *m, char *const *kv, int nkv)
{
	int i;

	for (i = 0; i < nkv; i++) {
		char *eq = strchr(kv[i], '=');
		*eq = '\0';
		dc_model_meta_set(m, kv[i], eq + 1);
		*eq = '=';
	}
}

/* meta_common: the metadata of every model dc-train writes: the command, the
 * time, the name and -m's entries. */
static void
meta_common(dc_model *m, int argc, char **argv, const char *name, char *const *kv, int nkv)
{
	char buf[4096], tbuf[64];
	time_t t = time(NULL);
	struct tm tm;

	join(buf, sizeof buf, argv[0], argc - 1, argv + 1);
	dc_model_meta_set(m, "command", buf);
	gmtime_r(&t, &tm);
	strftime(tbuf, sizeof tbuf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	dc_model_meta_set(m, "created", tbuf);
	dc_model_meta_set(m, "name", name);
	meta_kv(m, kv, nkv);
}

static void
save(const dc_model *m, const char *path)
{
	if (dc_dist_rank() != 0)        /* dc-train-mpi: rank 0 alone writes */
		return;
	if (dc_model_save(m, path) != DC_OK)
		dc_errx(1, "%s: %s", path, strerror(errno));
}

/* SIGINT and SIGTERM: finish the step, write the checkpoint, then die of the signal. */
static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	if (got_signal)
		dc_tmp_die(sig);        /* a second signal: no temporary file, then die */
	got_signal = sig;
}

/* The segments: utterance, first frame and frames (< T for a padded one). */
typedef struct {
	int64_t n, padded;
	int64_t *u, *t0;
	int *len;
	int64_t longest;        /* the largest len */
} segments;

/* segment: the segments of d for T frames and a tails mode (dc-train(1), -u):
 * consecutive segments from frame 0; then for TAILS_END and TAILS_PAD one that
 * ends at the utterance's end if frames are left over, and for TAILS_PAD one of
 * each utterance shorter than T. */
static void
segment(segments *s, const dataset *d, int64_t T, int tails)
{
	int64_t n = 0, k, t0;
	int i, pass;

	memset(s, 0, sizeof *s);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0, n = 0; i < d->n; i++) {
			int64_t Tu = d->u[i].T;
#define ADD(tt, ll) do { if (pass) { s->u[n] = i; s->t0[n] = (tt); s->len[n] = (int)(ll); } n++; } while (0)
			for (t0 = 0; t0 + T <= Tu; t0 += T)
				ADD(t0, T);
			if (tails != TAILS_DROP && Tu > T && Tu % T != 0)
				ADD(Tu - T, T);
			if (tails == TAILS_PAD && Tu > 0 && Tu < T)
				ADD(0, Tu);
#undef ADD
		}
		if (pass == 0) {
			s->u = dc_xmalloc((size_t)(n ? n : 1) * sizeof *s->u);
			s->t0 = dc_xmalloc((size_t)(n ? n : 1) * sizeof *s->t0);
			s->len = dc_xmalloc((size_t)(n ? n : 1) * sizeof *s->len);
		}
	}
	s->n = n;
	for (k = 0; k < n; k++) {
		s->padded += s->len[k] < T;
		if (s->len[k] > s->longest)
			s->longest = s->len[k];
	}
}

/* dropout_key: the key of step's masks (dc_nn_dropout), from the seed and the step. */
static uint64_t
dropout_key(uint64_t seed, int64_t step)
{
	dc_rng r;

	dc_rng_seed(&r, seed ^ UINT64_C(0x5851f42d4c957f2d) * (uint64_t)step);
	return dc_rng_next(&r);
}

/* hms: seconds as h:mm:ss into buf. */
static const char *
hms(char *buf, size_t n, double sec)
{
	long long s = sec > 0.0 && sec < 1e9 ? (long long)(sec + 0.5) : 0;

	snprintf(buf, n, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
	return buf;
}

/* replace: m becomes g, a model of m's grown or widened, with m's feature
 * statistics and metadata; m's buffers freed. */
static void
replace(dc_model *m, dc_model *g)
{
	int i;

	memcpy(g->feat_mean, m->feat_mean, (size_t)m->cfg.F * sizeof *g->feat_mean);
	memcpy(g->feat_std, m->feat_std, (size_t)m->cfg.F * sizeof *g->feat_std);
	for (i = 0; i < m->nmeta; i++)
		dc_model_meta_set(g, m->meta[i].key, m->meta[i].val);
	dc_model_free(m);
	*m = *g;
	dc_nn_point(&m->p, m->params, &m->cfg);
}

/* refit: m becomes a model of configuration c whose parameters are drawn from
 * seed as -i draws them, but for the first keep, which are m's (the parameters of
 * the first layers, and all but the mask-inference head's, are a prefix of the
 * buffer, formats/model.md); the feature statistics and metadata kept. A grown
 * model (-L above the layers of -I) keeps the lowest layers and draws those above
 * them and the output layers fresh. */
static void
refit(dc_model *m, const dc_nn_config *c, size_t keep, uint64_t seed, const char *opt)
{
	dc_model g;

	if (dc_model_new(&g, c, seed) != DC_OK)
		dc_errx(2, "%s: the model would be too large", opt);
	memcpy(g.params, m->params, keep * sizeof *g.params);
	replace(m, &g);
}

/* grow: m with L > m->cfg.L layers (refit keeps its first layers). */
static void
grow(dc_model *m, int L, uint64_t seed)
{
	dc_nn_config c = m->cfg;
	char v[32];

	c.L = L;
	snprintf(v, sizeof v, "%d", m->cfg.L);
	refit(m, &c, (size_t)(m->p.lin_w - m->params), seed, "-L");
	dc_model_meta_set(m, "init_layers", v);
}

/* widen_rows: n rows of the old matrix a (columns ca) into the new b (columns cb):
 * the old columns j < h to j, those from h on (the reverse direction's units of
 * the layer below) to j - h + h2, every other column of b 0 */
static void
widen_rows(float *b, int64_t cb, const float *a, int64_t ca, int64_t n, int64_t h, int64_t h2)
{
	int64_t r, j;

	for (r = 0; r < n; r++) {
		float *br = b + r * cb;
		const float *ar = a + r * ca;
		memset(br, 0, (size_t)cb * sizeof *br);
		for (j = 0; j < ca; j++)
			br[j < h ? j : j - h + h2] = ar[j];
	}
}

/*
 * widen: m with H2 > m->cfg.H units per direction, computing what m computes. Each
 * old unit keeps its weights (in each of the four gates' blocks of 4 * H2 rows, its
 * own row) and weighs every new unit's output 0, in its recurrence and in the layer
 * above, as do the output layers; the new units' own rows are drawn from seed as -i
 * draws them. Training then moves the zero weights first (their gradients are the
 * new units' outputs), the rest as it goes.
 */
static void
widen(dc_model *m, int H2, uint64_t seed)
{
	dc_nn_config c = m->cfg;
	dc_model g;
	int64_t H = m->cfg.H, F = m->cfg.F, k, d, q;
	char v[32];

	c.H = H2;
	if (dc_model_new(&g, &c, seed) != DC_OK)
		dc_errx(2, "-H: the model would be too large");
	for (k = 0; k < c.L; k++) {
		int64_t in = k == 0 ? F : 2 * H, in2 = k == 0 ? F : 2 * H2;
		for (d = 0; d < 2; d++) {
			for (q = 0; q < 4; q++) {	/* the gates' blocks: i, f, g, o */
				widen_rows(g.p.w_ih[k][d] + q * H2 * in2, in2, m->p.w_ih[k][d] + q * H * in, in,
				    H, k == 0 ? F : H, k == 0 ? F : H2);
				widen_rows(g.p.w_hh[k][d] + q * H2 * H2, H2, m->p.w_hh[k][d] + q * H * H, H,
				    H, H, H2);
				memcpy(g.p.b_ih[k][d] + q * H2, m->p.b_ih[k][d] + q * H, (size_t)H * sizeof(float));
				memcpy(g.p.b_hh[k][d] + q * H2, m->p.b_hh[k][d] + q * H, (size_t)H * sizeof(float));
			}
		}
	}
	widen_rows(g.p.lin_w, 2 * H2, m->p.lin_w, 2 * H, F * c.D, H, H2);
	memcpy(g.p.lin_b, m->p.lin_b, (size_t)(F * c.D) * sizeof(float));
	if (c.C > 0) {
		widen_rows(g.p.mi_w, 2 * H2, m->p.mi_w, 2 * H, F * c.C, H, H2);
		memcpy(g.p.mi_b, m->p.mi_b, (size_t)(F * c.C) * sizeof(float));
	}
	snprintf(v, sizeof v, "%d", m->cfg.H);
	replace(m, &g);
	dc_model_meta_set(m, "init_units", v);
}

/* add_head: m with a mask-inference head of C sources drawn from seed; every
 * parameter of m kept (the head's come last). */
static void
add_head(dc_model *m, int C, uint64_t seed)
{
	dc_nn_config c = m->cfg;

	c.C = C;
	refit(m, &c, m->nparams, seed, "-M");
}

/* average: m's weights become the mean of its own and those of the n models in
 * paths (same network, same feature statistics), summed in double in the order
 * given; the metadata entry "averaged" names all n + 1 files (its first 4095 bytes). */
static void
average(dc_model *m, const char *first, int n, char **paths)
{
	double *sum = dc_xmalloc(m->nparams * sizeof *sum);
	char names[4096];
	size_t q;
	int i, err;

	for (q = 0; q < m->nparams; q++)
		sum[q] = m->params[q];
	for (i = 0; i < n; i++) {
		dc_model o;
		const dc_nn_config *a = &m->cfg, *b = &o.cfg;
		const char *why = NULL;
		if ((err = dc_model_load(&o, paths[i])) != DC_OK) {
			free(sum);	/* freed before each exit: the sanitizers count it leaked */
			dc_errx(1, "%s: %s", paths[i], dc_errmsg(err));
		}
		if (a->L != b->L || a->H != b->H || a->D != b->D || a->F != b->F ||
		    a->rate != b->rate || a->nfft != b->nfft || a->hop != b->hop ||
		    strcmp(a->window, b->window) != 0)
			why = "another network than";
		else if (memcmp(m->feat_mean, o.feat_mean, (size_t)a->F * sizeof(float)) != 0 ||
		    memcmp(m->feat_std, o.feat_std, (size_t)a->F * sizeof(float)) != 0)
			why = "other feature statistics (other training data) than";
		if (why != NULL) {
			dc_model_free(&o);
			free(sum);
			dc_errx(1, "%s: %s %s's (%dx%d, D = %d): cannot average", paths[i], why, first,
			    a->L, a->H, a->D);
		}
		for (q = 0; q < m->nparams; q++)
			sum[q] += o.params[q];
		dc_model_free(&o);
	}
	for (q = 0; q < m->nparams; q++)
		m->params[q] = (float)(sum[q] / (n + 1));
	free(sum);
	join(names, sizeof names, first, n, paths);
	dc_model_meta_set(m, "averaged", names);
}

/* ---------------------------------------------------------------- options */

/* The options of dc-train(1). given says which groups that a checkpoint fixes were
 * given: 1 the network (-L, -H, -D), 2 the run (-T, -u, -b, -a, -g, -d, -W, -s), 4
 * the mixing (-K, -N, -R). */
typedef struct {
	const char *out, *vpath, *logpath, *name, *ipath, *xpath, *parg;
	char *kv[64];
	int nkv, init, resume, quiet, threads, given, tails, Lgiven, Hgiven, Dgiven, half, fgiven, wmode;
	int Agiven, freeze, Mgiven;
	int64_t epochs, maxsteps, B, T, seed, L, H, D, M;
	double lr, clip, dropout, ckpt_min, prog_s, decay, alpha;
	const char *xdir, *ypath;       /* -X corpusdir, -Y speakers.txt */
	int64_t kset, N;                /* -K as a bit set, -N */
	int perturb;                    /* -R given */
	int mixc;                       /* the last of -K, -N, -R given */
	double rlo, rhi;                /* -R */
	char **files;           /* the training streams (stdin if none) */
	int nfiles;
	char nbuf[256];         /* the default name */
} options;

/* keep_checkpoint: a checkpoint of a run that has taken steps, where -o would
 * replace it, is hours of training that one forgotten -r would lose: only -r goes
 * on from it, and to start anew the user removes it. Anything else at -o (a model,
 * a file that is no model) is replaced, as tools replace their outputs. */
static void
keep_checkpoint(const options *o)
{
	struct stat sb;
	dc_model m;
	int64_t step;

	if (o->resume || stat(o->out, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    dc_model_load(&m, o->out) != DC_OK)
		return;
	step = m.adam_m != NULL ? m.step : 0;
	dc_model_free(&m);
	if (step > 0)
		dc_errx(1, "%s: a checkpoint of %lld steps is there: -r goes on from it; to start "
		    "anew, remove it or give another -o", o->out, (long long)step);
}

/* check_outputs: before anything is read, the model file and the log are
 * refused if one is an input (a training stream, -v, -I, -Y, -x and the models
 * to average, or a file under -X's corpus directory; not -r's checkpoint, which
 * is read to be replaced) or both are one
 * file, and their directories must take a new file: a run never learns after
 * training that it cannot write. */
static void
check_outputs(const options *o, int nop, char **op)
{
	const char *in[] = { o->vpath, o->ipath, o->ypath, o->xpath }, *out[2] = { o->out, o->logpath };
	size_t i;
	int j;

	for (j = 0; j < nop; j++)
		dc_out_input(op[j]);
	for (i = 0; i < sizeof in / sizeof *in; i++)
		if (in[i])
			dc_out_input(in[i]);
	for (i = 0; i < 2; i++) {
		if (out[i] == NULL)
			continue;
		if (dc_out_isinput(out[i]))
			dc_errx(1, "%s: the output is also an input", out[i]);
		/* -X's utterances are inputs too, and any file under its directory may be one */
		if (o->xdir && dc_path_within(out[i], o->xdir))
			dc_errx(1, "%s: the output is in the corpus %s (-X reads it)", out[i], o->xdir);
		if (dc_dir_writable(out[i]) != DC_OK)
			dc_errx(1, "%s: %s", out[i], strerror(errno));
	}
	if (o->logpath && dc_same_file(o->out, o->logpath))
		dc_errx(1, "%s: two outputs are the same file", o->logpath);
	keep_checkpoint(o);
}

/* parse_int, parse_num: arg into *v, or exit 2 with "-c: msg: arg". */
static void
parse_int(int c, const char *arg, int64_t lo, int64_t hi, int64_t *v, const char *msg)
{
	if (dc_parse_int(arg, lo, hi, v))
		dc_errx(2, "-%c: %s: %s", c, msg, arg);
}

static void
parse_num(int c, const char *arg, double lo, double hi, int open, double *v, const char *msg)
{
	if (dc_parse_num(arg, lo, hi, v) || (open && *v <= lo))
		dc_errx(2, "-%c: %s: %s", c, msg, arg);
}

/* parse_name: the index of arg in names[0 .. n), or exit 2 with msg. */
static int
parse_name(int c, const char *arg, const char *const *names, int n, const char *msg)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(arg, names[i]) == 0)
			return i;
	dc_errx(2, "-%c: %s: %s", c, msg, arg);
}

/* parse_kset: -K's comma-separated speaker counts as a bit set; 0 if they are not
 * distinct integers from 1 to DC_MIX_MAXK. */
static int64_t
parse_kset(const char *arg)
{
	char *buf = dc_xstrdup(arg), *tok, *save = NULL;
	int64_t set = 0, v;

	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (dc_parse_int(tok, 1, DC_MIX_MAXK, &v) || (set & (INT64_C(1) << v))) {
			set = 0;
			break;
		}
		set |= INT64_C(1) << v;
	}
	free(buf);
	return arg[0] == ',' || arg[strlen(arg) - 1] == ',' || strstr(arg, ",,") ? 0 : set;
}

/* parse_mixing: the options of mixing on the fly into o (c one of X Y K N R). */
static void
parse_mixing(options *o, int c, char *arg)
{
	switch (c) {
	case 'X': o->xdir = arg; break;
	case 'Y': o->ypath = arg; break;
	case 'K':
		if ((o->kset = parse_kset(arg)) == 0)
			dc_errx(2, "-K: speakers must be distinct integers from 1 to %d, comma-separated: %s",
			    DC_MIX_MAXK, arg);
		o->given |= 4;
		o->mixc = c;
		break;
	case 'N':
		parse_int(c, arg, 1, 100000000, &o->N, "count must be an integer from 1 to 100000000");
		o->given |= 4;
		o->mixc = c;
		break;
	case 'R':
		if (dc_parse_range(arg, 0.5, 2, &o->rlo, &o->rhi))
			dc_errx(2, "-R: range must be lo,hi, 0.5 <= lo <= hi <= 2: %s", arg);
		o->perturb = 1;
		o->given |= 4;
		o->mixc = c;
		break;
	}
}

/* parse_option: option c with its argument into o; exits 2 if it is bad. */
static void
parse_option(options *o, int c, char *arg)
{
	static const char *const wnames[] = { "f32", "f16" };
	int64_t v;

	switch (c) {
	case 'i': o->init = 1; break;
	case 'x': o->xpath = arg; break;
	case 'w': o->half = parse_name(c, arg, wnames, 2, "weights must be f16 or f32"); break;
	case 'q': o->quiet = 1; break;
	case 'r': o->resume = 1; break;
	case 'I': o->ipath = arg; break;
	case 'L':
		if (dc_parse_int(arg, 1, DC_NN_MAXL, &o->L))
			dc_errx(2, "-L: layers must be an integer from 1 to %d: %s", DC_NN_MAXL, arg);
		o->given |= 1;
		o->Lgiven = 1;
		break;
	case 'H':
		parse_int(c, arg, 1, 8192, &o->H, "units must be an integer from 1 to 8192");
		o->given |= 1;
		o->Hgiven = 1;
		break;
	case 'D':
		parse_int(c, arg, 1, 1024, &o->D, "dim must be an integer from 1 to 1024");
		o->given |= 1;
		o->Dgiven = 1;
		break;
	case 'M':
		if (dc_parse_int(arg, 0, DC_MI_CMAX, &o->M))
			dc_errx(2, "-M: sources must be an integer from 1 to %d (0 with -x): %s",
			    DC_MI_CMAX, arg);
		o->Mgiven = 1;
		break;
	case 'A':
		parse_num(c, arg, 0.0, 1.0, 0, &o->alpha, "alpha must be a number from 0 to 1");
		o->Agiven = 1;
		break;
	case 'F': o->freeze = 1; break;
	case 'T':
		parse_int(c, arg, 1, 100000, &o->T, "frames must be an integer from 1 to 100000");
		o->given |= 2;
		break;
	case 'u':
		o->tails = parse_name(c, arg, tails_name, TAILS_PAD + 1, "tails must be drop, end or pad");
		o->given |= 2;
		break;
	case 'b':
		parse_int(c, arg, 1, 10000, &o->B, "batch must be an integer from 1 to 10000");
		o->given |= 2;
		break;
	case 'e':
		parse_int(c, arg, 0, 1000000, &o->epochs, "epochs must be an integer from 0 to 1000000");
		break;
	case 'S': parse_int(c, arg, 0, INT64_MAX, &o->maxsteps, "steps must be a non-negative integer"); break;
	case 'a':
		parse_num(c, arg, 0.0, 1.0, 1, &o->lr, "rate must be a number above 0, at most 1");
		o->given |= 2;
		break;
	case 'f':
		parse_num(c, arg, 0.0, 1.0, 1, &o->decay, "factor must be a number above 0, at most 1");
		o->fgiven = 1;
		break;
	case 'g':
		parse_num(c, arg, 0.0, 1e30, 0, &o->clip, "clip must be a non-negative number");
		o->given |= 2;
		break;
	case 'd':
		parse_num(c, arg, 0.0, 0.95, 0, &o->dropout, "dropout must be a number from 0 to 0.95");
		o->given |= 2;
		break;
	case 'W':
		o->wmode = parse_name(c, arg, weights_name, WEIGHTS_MAG + 1, "weights must be vad or mag");
		o->given |= 2;
		break;
	case 'P':
		if (dc_mm_parse(arg) < 0)
			dc_errx(2, "-P: precision must be bf16, mixed or f32: %s", arg);
		o->parg = arg;
		break;
	case 's':
		parse_int(c, arg, 0, INT64_MAX, &o->seed, "seed must be an integer from 0 to 2^63-1");
		o->given |= 2;
		break;
	case 't':
		if (dc_parse_int(arg, 1, DC_NN_MAXTHREADS, &v))
			dc_errx(2, "-t: threads must be an integer from 1 to %d: %s", DC_NN_MAXTHREADS, arg);
		o->threads = (int)v;
		break;
	case 'c': parse_num(c, arg, 0.0, 1e6, 0, &o->ckpt_min, "minutes must be a number from 0 to 1000000"); break;
	case 'p': parse_num(c, arg, 0.0, 1e6, 0, &o->prog_s, "seconds must be a number from 0 to 1000000"); break;
	case 'V': o->vpath = arg; break;
	case 'l': o->logpath = arg; break;
	case 'n': o->name = arg; break;
	case 'm':
		if (strchr(arg, '=') == NULL || arg[0] == '=')
			dc_errx(2, "-m: wanted key=value: %s", arg);
		if (o->nkv == 64)
			dc_errx(2, "-m: at most 64 entries");
		o->kv[o->nkv++] = arg;
		break;
	case 'o': o->out = arg; break;
	case 'X': case 'Y': case 'K': case 'N': case 'R': parse_mixing(o, c, arg); break;
	default:                /* dc_getopt handles -h and unknown options */
		dc_usage_exit(usage);
	}
}

/* stray: the first option letter marked in seen that is not in ok, else 0 */
static int
stray(const char *seen, const char *ok)
{
	int c;

	for (c = 1; c < 128; c++)
		if (seen[c] && strchr(ok, c) == NULL)
			return c;
	return 0;
}

/* parse_options: the command line into o, with the defaults and the checks of
 * options that exclude each other; exits 2 on a usage error. */
static void
parse_options(options *o, int argc, char **argv)
{
	static char *stdin_only[] = { "-" };
	char seen[128] = { 0 };
	int c;

	memset(o, 0, sizeof *o);
	o->threads = 1;
	o->tails = TAILS_PAD;
	o->half = -1;
	o->wmode = WEIGHTS_VAD;
	o->epochs = 10;
	o->B = 8;
	o->T = 100;
	o->seed = 1;
	o->L = 2;
	o->H = 300;
	o->D = 40;
	o->lr = 1e-3;
	o->clip = 5.0;
	o->ckpt_min = 10.0;
	o->prog_s = 60.0;
	o->decay = 1.0;
	o->alpha = 0.5;
	o->kset = INT64_C(1) << 2;
	o->N = 1000;
	o->rlo = o->rhi = 1.0;
	while ((c = dc_getopt(argc, argv,
	    "iqrFx:w:I:L:H:D:M:A:T:u:b:e:S:a:f:g:d:W:P:s:t:c:p:V:l:n:m:o:X:Y:K:N:R:h", usage, help)) != -1) {
		parse_option(o, c, optarg);
		seen[c & 127] = 1;
	}
	if (o->out == NULL)
		dc_errx(2, "-o: the model file is required");
	if (strcmp(o->out, "-") == 0)
		dc_errx(2, "-o -: a model is written to a file, not to standard output");
	if (o->init && o->resume)
		dc_errx(2, "-i and -r exclude each other");
	if (o->ipath && (o->init || o->resume))
		dc_errx(2, "-I and %s exclude each other", o->init ? "-i" : "-r");
	if (o->resume && o->given)
		dc_errx(2, "-r: the checkpoint fixes %s; leave them out", o->given & 1 ? "-L, -H and -D" :
		    o->given & 2 ? "-T, -u, -b, -a, -g, -d, -W and -s" : "-K, -N and -R");
	if (o->ipath && o->Dgiven)
		dc_errx(2, "-I: the model fixes -D; leave it out");
	if (o->resume && o->M)
		dc_errx(2, "-r: the checkpoint fixes -M; leave it out");
	if (o->init && (argc > optind || o->xdir))
		dc_errx(2, "-i: no training data is read");
	if (o->xdir && argc > optind)
		dc_errx(2, "-X: no training streams with it (the mixtures are drawn from corpusdir)");
	if (!o->xdir && ((o->given & 4) || o->ypath))
		dc_errx(2, "-%c: only with -X", o->ypath ? 'Y' : o->mixc);
	if (o->xpath && (stray(seen, "xwMnmoq") || o->M))
		dc_errx(2, "-x: only -o, -n, -m, -w, -M 0 and models to average go with it");
	if (o->Mgiven && o->M == 0 && !o->xpath)
		dc_errx(2, "-M 0: only with -x");
	if (o->half >= 0 && !o->xpath)
		dc_errx(2, "-w: only with -x");
	if (o->init && (c = stray(seen, "iLHDMsnmoq")) != 0)
		dc_errx(2, "-i: -%c does not go with it (only -L, -H, -D, -M, -s, -n, -m and -o "
		    "do: no training is done)", c);
	o->files = argc > optind ? argv + optind : stdin_only;
	o->nfiles = argc > optind ? argc - optind : 1;
	check_outputs(o, argc - optind, argv + optind);
}

/* ---------------------------------------------------------------- models */

/* strip_state: m without what only training needs (Adam's moments, the position),
 * at step 0. */
static void
strip_state(dc_model *m)
{
	free(m->adam_m);
	free(m->adam_v);
	free(m->train_state);
	m->adam_m = m->adam_v = NULL;
	m->train_state = NULL;
	m->train_state_len = 0;
	m->step = 0;
}

/* export_model: -x, the weights, statistics and metadata of a checkpoint (or the
 * mean of several models) without the optimiser's state. */
static int
export_model(const options *o, int navg, char **avg)
{
	dc_model m;
	char step[32];
	size_t q;
	int ckpt, err;

	if ((err = dc_model_load(&m, o->xpath)) != DC_OK)
		dc_errx(1, "%s: %s", o->xpath, dc_errmsg(err));
	if (navg > 0)
		average(&m, o->xpath, navg, avg);
	if (o->Mgiven && m.cfg.C > 0) {	/* -M 0: the head's tensors are the last */
		m.cfg.C = 0;
		m.nparams = dc_nn_nparams(&m.cfg);
		dc_nn_point(&m.p, m.params, &m.cfg);
	}
	snprintf(step, sizeof step, "%lld", (long long)m.step);
	ckpt = m.adam_m != NULL;
	strip_state(&m);
	/* a model (no optimiser state) re-exported keeps the steps it records */
	if (ckpt || dc_model_meta_get(&m, "trained_steps") == NULL)
		dc_model_meta_set(&m, "trained_steps", step);
	if (o->half >= 0)
		m.f16 = o->half;
	for (q = 0; m.f16 && q < m.nparams; q++)
		if (!(fabsf(m.params[q]) <= 65504.0f))
			dc_errx(1, "%s: a weight beyond the float16 range (65504): use -w f32", o->xpath);
	if (o->name != NULL)
		dc_model_meta_set(&m, "name", o->name);
	meta_kv(&m, o->kv, o->nkv);
	save(&m, o->out);
	dc_model_free(&m);
	return 0;
}

/* config: the network of the options for STFTs of parameters p. */
static dc_nn_config
config(const options *o, const dc_stft_params *p)
{
	dc_nn_config cfg;

	memset(&cfg, 0, sizeof cfg);
	cfg.L = (int)o->L;
	cfg.H = (int)o->H;
	cfg.D = (int)o->D;
	cfg.C = (int)o->M;
	cfg.nfft = p->nfft;
	cfg.hop = p->hop;
	cfg.rate = p->rate;
	cfg.F = (int)(p->nfft / 2 + 1);
	snprintf(cfg.window, sizeof cfg.window, "%s", p->window);
	return cfg;
}

/* init_model: -i, a model drawn from the seed, for the default STFT. */
static int
init_model(const options *o, int argc, char **argv)
{
	dc_stft_params p;
	dc_nn_config cfg;
	dc_model m;

	dc_stft_defaults(&p);
	cfg = config(o, &p);
	if (dc_model_new(&m, &cfg, (uint64_t)o->seed) != DC_OK)
		dc_errx(2, "-L, -H, -D: the model would be too large");
	meta_common(&m, argc, argv, o->name, o->kv, o->nkv);
	dc_model_meta_set(&m, "data", "none: random initialisation");
	save(&m, o->out);
	dc_model_free(&m);
	return 0;
}

/* load_data: the training streams into d, -V's into vd (with one C for both). */
static void
load_data(const options *o, dataset *d, dataset *vd)
{
	int i;

	for (i = 0; i < o->nfiles; i++)
		load(d, o->files[i]);
	if (d->n == 0)
		dc_errx(1, "no training utterances");
	if (o->vpath == NULL)
		return;
	load(vd, o->vpath);
	if (vd->p.rate != d->p.rate || vd->p.nfft != d->p.nfft || vd->p.hop != d->p.hop ||
	    strcmp(vd->p.window, d->p.window) != 0)
		dc_errx(1, "%s: the STFT parameters differ from the training data's", o->vpath);
	if (vd->C > d->C)
		d->C = vd->C;
	vd->C = d->C;
}

#define MIX_MINSEC 1.0      /* -X: the shortest utterance drawn, seconds (dc-mix -m) */

/* kmax: the largest speaker count of a -K bit set. */
static int
kmax(int64_t kset)
{
	int k = DC_MIX_MAXK;

	while (k > 1 && !(kset & (INT64_C(1) << k)))
		k--;
	return k;
}

/* load_mixing: -X's corpus (with at least -K's most speakers) into c; the STFT of
 * m (-r, -I) or else of -V's stream or else the default; -V's stream into vd. */
static void
load_mixing(const options *o, const dc_model *m, dataset *d, dataset *vd, dc_corpus *c)
{
	char msg[DC_MIX_MSG];
	int k = kmax(o->kset);

	if (dc_corpus_open(c, o->xdir, o->ypath, MIX_MINSEC, msg) != DC_OK)
		dc_errx(1, "%s", msg);
	if (c->nskipped)
		dc_warnx("%d speaker%s without an utterance of at least %g s skipped:%s", c->nskipped,
		    c->nskipped == 1 ? "" : "s", MIX_MINSEC, c->skipped);
	if (c->n < k)
		dc_errx(1, "-K %d: only %d speaker%s with an utterance of at least %g s", k, c->n,
		    c->n == 1 ? "" : "s", MIX_MINSEC);
	if (o->vpath)
		load(vd, o->vpath);
	dc_stft_defaults(&d->p);
	if (m) {
		d->p.rate = m->cfg.rate;
		d->p.nfft = m->cfg.nfft;
		d->p.hop = m->cfg.hop;
		snprintf(d->p.window, sizeof d->p.window, "%s", m->cfg.window);
	} else if (vd->have_p) {
		d->p = vd->p;
	}
	d->have_p = 1;
	if (vd->have_p && (vd->p.rate != d->p.rate || vd->p.nfft != d->p.nfft ||
	    vd->p.hop != d->p.hop || strcmp(vd->p.window, d->p.window) != 0))
		dc_errx(1, "%s: the STFT parameters differ from the model's", o->vpath);
	d->C = k > vd->C ? k : vd->C;
	vd->C = d->C;
}

/* load_start: the model to go on from, -r's checkpoint (with its state, whose run
 * settings replace the options') or -I's weights. */
static void
load_start(options *o, dc_model *m, tstate *st)
{
	const char *mp = o->resume ? o->out : o->ipath;
	int err;

	if ((err = dc_model_load(m, mp)) != DC_OK)
		dc_errx(1, "%s: %s", mp, dc_errmsg(err));
	m->f16 = 0;     /* trained in float32; checkpoints keep it */
	if (o->resume && state_load(m, st) != DC_OK)
		dc_errx(1, "%s: not a checkpoint of dc-train (no training state)", o->out);
	if (o->M && m->cfg.C && o->M != m->cfg.C)
		dc_errx(2, "-M %lld: %s has a mask-inference head of %d sources", (long long)o->M, mp,
		    m->cfg.C);
	if (!o->resume)
		return;
	o->T = st->T;
	o->B = st->B;
	o->seed = st->seed;
	o->lr = st->lr;
	o->clip = st->clip;
	o->tails = (int)st->tails;
	o->dropout = st->dropout;
	o->wmode = (int)st->weights;
	if (o->fgiven)
		st->decay = o->decay;
	o->decay = st->decay;
	if (o->Agiven)
		st->alpha = o->alpha;
	o->alpha = st->alpha;
	if (!st->mix_k != !o->xdir)
		dc_errx(1, "%s: the checkpoint was trained on %s; %s", o->out, st->mix_k ?
		    "mixtures made on the fly: give -X corpusdir" : "cached streams: -X does not go on from it",
		    st->mix_k ? "-r resumes with it" : "leave it out");
	if (st->mix_k) {
		o->kset = st->mix_k;
		o->N = st->segments;
		o->perturb = (int)st->mix_perturb;
		o->rlo = st->mix_plo;
		o->rhi = st->mix_phi;
	}
	if (st->threads != o->threads)
		dc_warnx("the checkpoint was made with %lld thread%s, this run uses %d: the result "
		    "differs in rounding from an uninterrupted run", (long long)st->threads,
		    st->threads == 1 ? "" : "s", o->threads);
}

/* from_init: -I's model as the start of a new run: its weights and feature
 * statistics, a fresh optimiser at step 0, layers added for -L. */
static void
from_init(const options *o, dc_model *m)
{
	const char *steps;

	strip_state(m);
	dc_model_meta_set(m, "init", o->ipath);
	/* the steps of -I are not this run's: kept as init_trained_steps */
	if ((steps = dc_model_meta_get(m, "trained_steps")) != NULL) {
		dc_model_meta_set(m, "init_trained_steps", steps);      /* copies before del frees */
		dc_model_meta_del(m, "trained_steps");
	}
	if (o->Lgiven && o->L < m->cfg.L)
		dc_errx(2, "-L %lld: fewer layers than the %d of %s", (long long)o->L, m->cfg.L, o->ipath);
	if (o->Hgiven && o->H < m->cfg.H)
		dc_errx(2, "-H %lld: fewer units than the %d of %s", (long long)o->H, m->cfg.H, o->ipath);
	if (o->Hgiven && o->H > m->cfg.H)
		widen(m, (int)o->H, (uint64_t)o->seed);
	if (o->Lgiven && o->L > m->cfg.L)
		grow(m, (int)o->L, (uint64_t)o->seed);
	if (o->M && m->cfg.C == 0)
		add_head(m, (int)o->M, (uint64_t)o->seed);
}

/* setup_model: the model and the run's state: -r's checkpoint, or a new run from
 * -I's model or from a fresh one; the precision, the metadata. Returns the
 * precision of the products. */
static int
setup_model(options *o, dc_model *m, tstate *st, const dataset *d, int argc, char **argv)
{
	char buf[4096];
	size_t n = 0;
	int i, prec, fallback;

	if ((o->resume || o->ipath) && (m->cfg.rate != d->p.rate || m->cfg.nfft != d->p.nfft ||
	    m->cfg.hop != d->p.hop || strcmp(m->cfg.window, d->p.window) != 0))
		dc_errx(1, "%s: the model reads other STFTs than the training data's",
		    o->resume ? o->out : o->ipath);
	if (!o->resume) {
		if (o->ipath) {
			from_init(o, m);
		} else {
			dc_nn_config cfg = config(o, &d->p);
			if (dc_model_new(m, &cfg, (uint64_t)o->seed) != DC_OK)
				dc_errx(2, "-L, -H, -D: the model would be too large");
			feat_stats(m, d);
		}
		m->adam_m = dc_xcalloc(m->nparams, sizeof(float));
		m->adam_v = dc_xcalloc(m->nparams, sizeof(float));
		memset(st, 0, sizeof *st);
		st->seed = o->seed;
		st->T = o->T;
		st->B = o->B;
		st->lr = o->lr;
		st->clip = o->clip;
		st->tails = o->tails;
		st->dropout = o->dropout;
		st->decay = o->decay;
		st->weights = o->wmode;
		st->alpha = o->alpha;
	}
	/* the precision: -P, else the checkpoint's (-r), else this CPU's default */
	prec = dc_mm_choose(o->parg ? o->parg : o->resume ? dc_mm_name((int)st->precision) : NULL, 0,
	    &fallback);
	if (fallback)
		dc_warnx("%s %s: this CPU has no bf16 products (AVX512_BF16 or AMX-BF16): f32",
		    o->parg ? "-P" : "the checkpoint was made with",
		    o->parg ? o->parg : dc_mm_name((int)st->precision));
	else if (o->resume && prec != st->precision)
		dc_warnx("the checkpoint was made with %s products, this run uses %s: the result differs "
		    "in rounding from an uninterrupted run", dc_mm_name((int)st->precision), dc_mm_name(prec));
	st->precision = prec;
	if (o->freeze && m->cfg.C == 0)
		dc_errx(2, "-F: the model has no mask-inference head to train (-M)");
	if (o->Agiven && m->cfg.C == 0)
		dc_errx(2, "-A: the model has no mask-inference head to weigh against (-M)");
	if (o->freeze) {        /* the fixed parameters' moments 0: Adam does not move them */
		size_t fixed = (size_t)(m->p.mi_w - m->params);
		memset(m->adam_m, 0, fixed * sizeof *m->adam_m);
		memset(m->adam_v, 0, fixed * sizeof *m->adam_v);
	}
	meta_common(m, argc, argv, o->name, o->kv, o->nkv);
	dc_model_meta_set(m, "precision", dc_mm_name(prec));
	if (o->xdir)
		snprintf(buf, sizeof buf, "mixtures drawn on the fly from %s", o->xdir);
	for (i = 0; !o->xdir && i < o->nfiles && n < sizeof buf - 1; i++)
		n += snprintf(buf + n, sizeof buf - n, "%s%s", i ? " " : "", o->files[i]);
	dc_model_meta_set(m, "data", buf);
	return prec;
}

/* setup_segments: the segments of the data for -T and -u, checked against -r's
 * checkpoint (the same count, the same data). */
static void
setup_segments(const options *o, tstate *st, const dataset *d, segments *sg)
{
	uint64_t fp;

	segment(sg, d, o->T, o->tails);
	if (sg->n == 0)
		dc_errx(1, "no utterance has %lld frames or more (-T)", (long long)o->T);
	if (o->resume && st->segments != sg->n)
		dc_errx(1, "%s: the checkpoint was trained on %lld segments, the data now gives %lld",
		    o->out, (long long)st->segments, (long long)sg->n);
	fp = fingerprint(d, (int)(d->p.nfft / 2 + 1));
	if (o->resume && st->data && st->data != fp)
		dc_errx(1, "%s: the checkpoint was trained on other data", o->out);
	st->data = fp;
	st->segments = sg->n;
	st->threads = o->threads;
}

/* mix_spec: -X's mixtures as the options (after -r's checkpoint) say. */
static void
mix_spec(const options *o, const dataset *d, const dc_corpus *c, mixspec *ms)
{
	int k;

	memset(ms, 0, sizeof *ms);
	ms->c = c;
	dc_mix_defaults(&ms->mo);
	ms->mo.rate = (int)d->p.rate;
	ms->mo.perturb = o->perturb;
	ms->mo.plo = o->rlo;
	ms->mo.phi = o->rhi;
	ms->p = d->p;
	for (k = 1; k <= DC_MIX_MAXK; k++)
		if (o->kset & (INT64_C(1) << k))
			ms->kl[ms->nk++] = k;
	ms->N = o->N;
	ms->T = o->T;
	ms->B = o->B;
	ms->nbatch = (o->N + o->B - 1) / o->B;
	ms->seed = (uint64_t)o->seed;
	ms->mi = d->mi;
	ms->rank = dc_dist_rank();
	ms->size = dc_dist_size();
}

/* setup_mixing: -X's run in the state (checked against -r's checkpoint: the same
 * corpus), and one segment of up to -T frames for each of -N mixtures an epoch
 * in sg. */
static void
setup_mixing(const options *o, tstate *st, const dc_corpus *c, segments *sg)
{
	uint64_t h = dc_corpus_hash(c);

	if (o->resume && st->data && st->data != h)
		dc_errx(1, "%s: the checkpoint was trained on other data", o->out);
	st->data = h;
	st->segments = o->N;
	st->threads = o->threads;
	st->mix_k = o->kset;
	st->mix_perturb = o->perturb;
	st->mix_plo = o->rlo;
	st->mix_phi = o->rhi;
	memset(sg, 0, sizeof *sg);
	sg->n = o->N;
	sg->longest = o->T;
}

/* mix_stats: the first mixtures of epoch 0 (up to 64) into d, for the feature
 * statistics of a new model (and dropped after); made before the helper thread
 * starts. */
static void
mix_stats(const mixspec *ms, dataset *d)
{
	int64_t n = ms->N < 64 ? ms->N : 64, i;
	int *perm = dc_xmalloc((size_t)ms->c->n * sizeof *perm);
	char msg[DC_MIX_MSG];

	d->u = dc_xcalloc((size_t)n, sizeof *d->u);
	for (i = 0; i < n; i++) {
		if (make_mixture(ms, 0, i, perm, &d->u[i], msg) != DC_OK)
			dc_errx(1, "%s", msg);
		d->frames += d->u[i].T;
		d->n++;
	}
	free(perm);
}

/* drop_utts: d without its utterances (mix_stats's), its STFT and C kept. */
static void
drop_utts(dataset *d)
{
	dataset keep = *d;

	dataset_free(d);
	d->p = keep.p;
	d->have_p = keep.have_p;
	d->C = keep.C;
	d->mi = keep.mi;
}

/* prepare: the training data (the streams, or -X's corpus), the model and the
 * run's state, the segments; returns the precision of the products. */
static int
prepare(options *o, dc_model *m, tstate *st, dataset *d, dataset *vd, dc_corpus *c, mixspec *ms,
    segments *sg, int argc, char **argv)
{
	int prec;

	if (!o->xdir) {
		load_data(o, d, vd);
		prec = setup_model(o, m, st, d, argc, argv);
		setup_segments(o, st, d, sg);
		return prec;
	}
	if (d->mi && kmax(o->kset) > d->mi)
		dc_errx(2, "-K %d: the mask-inference head has %d sources", kmax(o->kset), d->mi);
	load_mixing(o, o->resume || o->ipath ? m : NULL, d, vd, c);
	mix_spec(o, d, c, ms);
	if (!o->resume && !o->ipath)
		mix_stats(ms, d);
	prec = setup_model(o, m, st, d, argc, argv);
	drop_utts(d);
	setup_mixing(o, st, c, sg);
	return prec;
}

/* ---------------------------------------------------------------- training */

/* A training run: its inputs, the batch's buffers, the networks, the log, the
 * clocks and counters of the progress lines. */
typedef struct {
	const options *o;
	dc_model *m;
	tstate *st;
	const dataset *d, *vd;
	const segments *sg;
	mixer *mx;                              /* -X: the helper thread, else NULL */
	mixslot *cur;                           /* -X: the batch being trained */
	const dc_corpus *corpus;
	int64_t *order, nbatch;
	int *lens;
	float *feat, *w, *V, *dV, *grads;       /* a batch of B segments of up to sg->longest frames */
	int32_t *lab;
	float *vV, *vdV, *vw;                   /* a validation utterance (cap bins) */
	int32_t *vlab;
	int64_t cap;
	/* the mask-inference head (C > 0): the last layer's output and its gradient, the
	 * logits and theirs, magnitudes and targets of the batch or of a validation
	 * utterance (mcap frames), the loss's scratch, the head's products */
	float *h, *dh, *z, *dz, *mag, *A, *scratch;
	int64_t mcap;
	dc_mm *mm;
	double mnorm;                           /* the batch's sum of magnitudes */
	double dc_sum, mi_sum;                  /* the two losses of this epoch's steps in this run */
	int64_t mi_n;
	dc_nn *nn, *vn;
	const char *pname;
	FILE *log;
	int logerr, logprec, tty;
	double t_start, t_epoch, t_prog, t_ckpt, t_run0;  /* t_run0: this epoch in this run */
	double gnorm, rloss;                    /* rloss: the losses since the last line */
	int64_t frames_run, frames_ep, batches_ep, rloss_n;
	int rank, size;                         /* dc-train-mpi's (tools/dist.h); else 0, 1 */
} trainer;

/* open_log: -l's TSV log, its header written if it is new. */
static void
open_log(trainer *tr)
{
	const char *path = tr->o->logpath;

	tr->logprec = 1;
	if (path == NULL)
		return;
	if ((tr->log = fopen(path, "a")) == NULL)
		dc_errx(1, "%s: %s", path, strerror(errno));
	if (ftell(tr->log) == 0)
		fprintf(tr->log, "epoch\tstep\ttrain_loss\tvalid_loss\tgrad_norm\tseconds\tframes_per_s"
		    "\tprecision\n");
	else
		tr->logprec = log_has_precision(path);
	/* a log that cannot be written fails now, not after an epoch */
	if (fflush(tr->log) != 0 || ferror(tr->log))
		dc_errx(1, "%s: %s", path, strerror(errno));
}

/* announce_mixing: -X's part of the first line into buf: the mixtures, the corpus,
 * the batches and what else differs from the defaults. */
static void
announce_mixing(const trainer *tr, char *buf, size_t n)
{
	const options *o = tr->o;
	const mixspec *ms = &tr->mx->ms;
	char ks[32] = "";
	size_t u;
	int j;

	for (j = 0; j < ms->nk; j++)
		snprintf(ks + strlen(ks), sizeof ks - strlen(ks), "%s%d", j == 0 ? "" :
		    j == ms->nk - 1 ? " or " : ", ", ms->kl[j]);
	snprintf(buf, n, "%lld mixtures of %s speakers an epoch, drawn on the fly from %d speakers, "
	    "segments of %lld frames, %lld batches of %lld", (long long)ms->N, ks, tr->corpus->n,
	    (long long)o->T, (long long)tr->nbatch, (long long)o->B);
	u = strlen(buf);
	if (ms->mo.perturb)
		u += (size_t)snprintf(buf + u, n - u, "; speeds %g to %g", ms->mo.plo, ms->mo.phi);
	if (o->dropout > 0.0 && u < n)
		u += (size_t)snprintf(buf + u, n - u, "; dropout %g", o->dropout);
	if (tr->m->cfg.C > 0 && u < n)
		snprintf(buf + u, n - u, "; mask-inference head of %d sources, alpha %g", tr->m->cfg.C,
		    o->alpha);
}

/* announce: one line on what is trained on what. */
static void
announce(const trainer *tr)
{
	const options *o = tr->o;
	const dc_model *m = tr->m;
	char extra[64] = "", more[400] = "";

	if (o->quiet)
		return;
	if (tr->mx) {
		announce_mixing(tr, more, sizeof more);
		dc_warnx("%s; model %dx%d, D = %d, %zu parameters; up to %d sources a mixture; %s "
		    "products", more, m->cfg.L, m->cfg.H, m->cfg.D, m->nparams, tr->d->C, tr->pname);
		return;
	}
	if (tr->sg->padded)
		snprintf(extra, sizeof extra, " (%lld padded)", (long long)tr->sg->padded);
	if (o->dropout > 0.0)
		snprintf(more, sizeof more, "; dropout %g", o->dropout);
	if (o->wmode != WEIGHTS_VAD)
		snprintf(more + strlen(more), sizeof more - strlen(more), "; weights %s",
		    weights_name[o->wmode]);
	if (o->decay < 1.0)
		snprintf(more + strlen(more), sizeof more - strlen(more), "; rate %g, x %g an epoch",
		    o->lr, o->decay);
	if (m->cfg.C > 0)
		snprintf(more + strlen(more), sizeof more - strlen(more),
		    "; mask-inference head of %d sources, alpha %g", m->cfg.C, o->alpha);
	dc_warnx("%d utterances, %lld frames, %lld segments of %lld frames%s, %lld batches of %lld; "
	    "model %dx%d, D = %d, %zu parameters; up to %d sources a mixture%s; %s products", tr->d->n,
	    (long long)tr->d->frames, (long long)tr->sg->n, (long long)o->T, extra,
	    (long long)tr->nbatch, (long long)o->B, m->cfg.L, m->cfg.H, m->cfg.D, m->nparams,
	    tr->d->C, more, tr->pname);
}

/* mi_reserve: the mask-inference head's buffers for rows frames (never shrinks). */
static void
mi_reserve(trainer *tr, int64_t rows)
{
	const dc_nn_config *c = &tr->m->cfg;
	size_t n = (size_t)rows, H2 = 2 * (size_t)c->H, CF = (size_t)c->C * c->F;

	if (rows <= tr->mcap)
		return;
	tr->mcap = rows;
	free(tr->h);
	free(tr->dh);
	free(tr->z);
	free(tr->dz);
	free(tr->mag);
	free(tr->A);
	free(tr->scratch);
	tr->h = dc_xmalloc(n * H2 * sizeof(float));
	tr->dh = dc_xmalloc(n * H2 * sizeof(float));
	tr->z = dc_xmalloc(n * CF * sizeof(float));
	tr->dz = dc_xmalloc(n * CF * sizeof(float));
	tr->mag = dc_xmalloc(n * (size_t)c->F * sizeof(float));
	tr->A = dc_xmalloc(n * CF * sizeof(float));
	tr->scratch = dc_xmalloc(2 * n * CF * sizeof(float));
}

/* trainer_open: the buffers, networks and log of a run; SIGINT and SIGTERM caught;
 * with -X, mx the helper thread that mixes from c. */
static void
trainer_open(trainer *tr, const options *o, dc_model *m, tstate *st, const dataset *d,
    const dataset *vd, const segments *sg, int prec, mixer *mx, const dc_corpus *c)
{
	int64_t N = o->B * sg->longest * m->cfg.F;
	struct sigaction sa;

	memset(tr, 0, sizeof *tr);
	tr->mx = mx;
	tr->corpus = c;
	tr->o = o;
	tr->m = m;
	tr->st = st;
	tr->d = d;
	tr->vd = vd;
	tr->sg = sg;
	tr->order = dc_xmalloc((size_t)sg->n * sizeof *tr->order);
	tr->nbatch = (sg->n + o->B - 1) / o->B;
	/* a batch runs at the length of its longest segment: T, or less if all are padded */
	tr->lens = dc_xmalloc((size_t)o->B * sizeof *tr->lens);
	tr->feat = dc_xmalloc((size_t)N * sizeof *tr->feat);
	tr->w = dc_xmalloc((size_t)N * sizeof *tr->w);
	tr->V = dc_xmalloc((size_t)N * m->cfg.D * sizeof *tr->V);
	tr->dV = dc_xmalloc((size_t)N * m->cfg.D * sizeof *tr->dV);
	tr->grads = dc_xmalloc(m->nparams * sizeof *tr->grads);
	tr->lab = dc_xmalloc((size_t)N * sizeof *tr->lab);
	tr->nn = dc_nn_new(m, (int)o->B, (int)sg->longest, o->threads, 1);
	tr->rank = dc_dist_rank();
	tr->size = dc_dist_size();
	/* dc-train-mpi: rank 0 alone validates */
	tr->vn = o->vpath && tr->rank == 0 ? dc_nn_new(m, 1, (int)o->T, o->threads, 0) : NULL;
	tr->pname = dc_mm_name(prec);
	if (m->cfg.C > 0) {
		tr->mm = dc_mm_new(prec);
		mi_reserve(tr, o->B * sg->longest);
	}
	open_log(tr);
	announce(tr);
	dc_nn_precision(tr->nn, prec);
	if (tr->vn)
		dc_nn_precision(tr->vn, prec);
	tr->t_start = tr->t_epoch = tr->t_prog = tr->t_ckpt = tr->t_run0 = dc_now();
	tr->tty = isatty(2);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;       /* a second signal kills at once (on_signal) */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void
trainer_close(trainer *tr)
{
	dc_nn_free(tr->nn);
	dc_nn_free(tr->vn);
	free(tr->order);
	free(tr->lens);
	free(tr->feat);
	free(tr->w);
	free(tr->V);
	free(tr->dV);
	free(tr->grads);
	free(tr->lab);
	free(tr->vV);
	free(tr->vdV);
	free(tr->vw);
	free(tr->vlab);
	dc_mm_free(tr->mm);
	free(tr->h);
	free(tr->dh);
	free(tr->z);
	free(tr->dz);
	free(tr->mag);
	free(tr->A);
	free(tr->scratch);
}

/* fill_targets: the magnitudes and targets of frames t0 .. t0+len-1 of u as
 * segment b of a batch of Tb frames (mag (B,Tb,F), A (B,C,Tb,F)), zero on the
 * padding; returns the sum of the magnitudes. */
static double
fill_targets(trainer *tr, const utt *u, int64_t b, int64_t Tb, int64_t t0, int64_t len)
{
	int64_t F = tr->m->cfg.F, C = tr->m->cfg.C, n = len * F, rest = (Tb - len) * F, j;
	float *mag = tr->mag + b * Tb * F;
	double sum = 0.0;
	int c;

	memcpy(mag, u->mag + t0 * F, (size_t)n * sizeof *mag);
	memset(mag + n, 0, (size_t)rest * sizeof *mag);
	for (j = 0; j < n; j++)
		sum += mag[j];
	for (c = 0; c < C; c++) {
		float *A = tr->A + (b * C + c) * Tb * F;
		memcpy(A, u->A + (c * u->T + t0) * F, (size_t)n * sizeof *A);
		memset(A + n, 0, (size_t)rest * sizeof *A);
	}
	return sum;
}

/* seg_of: segment b of this rank's share of the batch that starts at b0 in the
 * epoch's order (dc-train-mpi: the batch's segments rank, rank + size, ...; else
 * all): its utterance, first frame and frames (-X: the helper thread's mixture b,
 * which mixes only this rank's share). */
static const utt *
seg_of(const trainer *tr, int64_t b0, int64_t b, int64_t *t0, int64_t *len)
{
	int64_t k;

	if (tr->cur) {
		*t0 = 0;
		*len = tr->cur->u[b].T;
		return &tr->cur->u[b];
	}
	k = tr->order[b0 + b * tr->size + tr->rank];
	*t0 = tr->sg->t0[k];
	*len = tr->sg->len[k];
	return &tr->d->u[tr->sg->u[k]];
}

/* fill_batch: the nb segments of batch b0 into the batch's buffers, at the length
 * *Tb of the longest (a shorter one padded with weight 0). Returns the loss's
 * normaliser, sum over segments of (sum of weights)^2, and with a head the sum of
 * magnitudes in tr->mnorm (either 0 if there are no such bins); *frames the
 * frames; the networks told the lengths if any is padded. */
static double
fill_batch(trainer *tr, int64_t b0, int64_t nb, int64_t *Tb, int64_t *frames)
{
	int64_t F = tr->m->cfg.F, b, j, t0, len;
	double norm = 0.0;
	int pad = 0;

	tr->mnorm = 0.0;
	*Tb = 0;
	*frames = 0;
	for (b = 0; b < nb; b++)
		if (seg_of(tr, b0, b, &t0, &len) && len > *Tb)
			*Tb = len;
	for (b = 0; b < nb; b++) {
		const utt *u = seg_of(tr, b0, b, &t0, &len);
		int64_t off = t0 * F, n = len * F, o = b * *Tb * F, rest = *Tb * F - n;
		double sw = 0.0;
		memcpy(tr->feat + o, u->feat + off, (size_t)n * sizeof *tr->feat);
		for (j = 0; j < n; j++) {
			tr->lab[o + j] = u->lab[off + j];
			tr->w[o + j] = weight(u, off + j, tr->o->wmode);
			sw += tr->w[o + j];
		}
		if (rest > 0) {         /* padding: weight 0 */
			memset(tr->feat + o + n, 0, (size_t)rest * sizeof *tr->feat);
			memset(tr->lab + o + n, 0, (size_t)rest * sizeof *tr->lab);
			memset(tr->w + o + n, 0, (size_t)rest * sizeof *tr->w);
			pad = 1;
		}
		tr->lens[b] = (int)len;
		*frames += len;
		norm += sw * sw;
		if (tr->m->cfg.C > 0)
			tr->mnorm += fill_targets(tr, u, b, *Tb, t0, len);
	}
	dc_nn_lengths(tr->nn, pad ? tr->lens : NULL);
	return norm;
}

/* mi_loss: the head's loss summed over nb segments of Tb frames, from the last
 * layer's output in tr->h and the targets in tr->mag and tr->A; with dz, the
 * gradient times scale goes to tr->dz. */
static double
mi_loss(trainer *tr, const float *mag, const float *A, int64_t nb, int64_t Tb, int dz,
    double scale)
{
	const dc_nn_config *c = &tr->m->cfg;
	int64_t CF = (int64_t)c->C * c->F, b;
	double loss = 0.0;

	dc_mi_head_forward(tr->mm, tr->z, tr->h, tr->m->p.mi_w, tr->m->p.mi_b, nb * Tb, 2 * c->H,
	    (int)CF);
	if (dz)
		memset(tr->dz, 0, (size_t)(nb * Tb * CF) * sizeof *tr->dz);
	for (b = 0; b < nb; b++)
		loss += dc_mi_segment_loss(dz ? tr->dz + b * Tb * CF : NULL, tr->z + b * Tb * CF,
		    mag + b * Tb * c->F, A + b * Tb * CF, NULL, c->C, Tb, c->F, scale, tr->scratch);
	return loss;
}

/* mi_step: with a mask-inference head, the batch's MI loss over mnorm, for the
 * loss alpha DC / norm + (1 - alpha) MI / mnorm: dV scaled by alpha, the head's
 * gradient into grads and the last layer's into tr->dh, each scaled so that the
 * step's 1/norm gives the loss's. */
static double
mi_step(trainer *tr, int64_t nb, int64_t Tb, double norm)
{
	const dc_nn_config *c = &tr->m->cfg;
	double a = tr->o->alpha, mi;
	int64_t rows = nb * Tb, j, nv = rows * c->F * c->D;
	float *g = tr->grads;

	mi = mi_loss(tr, tr->mag, tr->A, nb, Tb, 1, (1.0 - a) * norm / tr->mnorm) / tr->mnorm;
	for (j = 0; j < nv; j++)
		tr->dV[j] *= (float)a;
	memset(tr->dh, 0, (size_t)(rows * 2 * c->H) * sizeof *tr->dh);
	dc_mi_head_backward(tr->mm, g + (tr->m->p.mi_w - tr->m->params), g + (tr->m->p.mi_b -
	    tr->m->params), tr->o->freeze ? NULL : tr->dh, tr->dz, tr->h, tr->m->p.mi_w, rows, 2 * c->H,
	    c->C * c->F);
	return mi;
}

/*
 * train_step: one Adam step on batch b0 (nb segments) at rate lr; returns the
 * batch's frames. Exits 1 if the loss or its gradient is not finite.
 *
 * dc-train-mpi: this rank runs its share of the batch (seg_of); the normalisers,
 * the gradient (unnormalised sums over segments) and the losses are summed over
 * the ranks, so every rank takes the same Adam step as one process on the whole
 * batch, up to the order of the float sums.
 */
static int64_t
train_step(trainer *tr, int64_t b0, int64_t nb, double lr)
{
	const options *o = tr->o;
	dc_model *m = tr->m;
	int64_t Tb, frames, nl = nb > tr->rank ? (nb - tr->rank - 1) / tr->size + 1 : 0;
	double sums[3], part[2] = { 0.0, 0.0 }, norm, loss, scale, a = o->alpha;

	sums[0] = fill_batch(tr, b0, nl, &Tb, &frames);
	sums[1] = tr->mnorm;
	sums[2] = (double)frames;
	dc_dist_sumd(sums, 3);
	norm = sums[0] == 0.0 ? 1.0 : sums[0];
	tr->mnorm = sums[1] == 0.0 ? 1.0 : sums[1];
	frames = (int64_t)sums[2];
	memset(tr->grads, 0, m->nparams * sizeof *tr->grads);
	if (nl > 0) {
		if (o->dropout > 0.0)   /* dc-train-mpi: each rank's own masks */
			dc_nn_dropout(tr->nn, (float)o->dropout, dropout_key((uint64_t)o->seed,
			    (m->step + 1) * tr->size + tr->rank));
		dc_nn_forward(tr->nn, tr->V, tr->h, tr->feat, (int)nl, (int)Tb);
		part[0] = dc_nn_loss(tr->nn, tr->dV, tr->V, tr->lab, tr->w, (int)nl, (int)Tb,
		    tr->d->C) / norm;
		if (m->cfg.C > 0)
			part[1] = mi_step(tr, nl, Tb, norm);
		/* -F: the head's gradient only; Adam leaves parameters of zero gradient
		 * where they are, as long as their moments are 0 (dc-train checks) */
		if (!o->freeze)
			dc_nn_backward_h(tr->nn, tr->grads, NULL, tr->dV, m->cfg.C > 0 ? tr->dh : NULL,
			    tr->feat, (int)nl, (int)Tb);
	}
	dc_dist_sum(tr->grads, m->nparams);
	dc_dist_sumd(part, 2);
	loss = part[0];
	if (m->cfg.C > 0) {
		tr->dc_sum += part[0];
		tr->mi_sum += part[1];
		tr->mi_n++;
		loss = a * part[0] + (1.0 - a) * part[1];
	}
	scale = 1.0 / norm;
	tr->gnorm = sqrt(dc_nn_sumsq(tr->nn, tr->grads, m->nparams)) * scale;
	if (!isfinite(loss) || !isfinite(tr->gnorm))
		dc_errx(1, "step %lld: the loss or its gradient is not finite; try a smaller -a",
		    (long long)m->step + 1);
	if (o->clip > 0.0 && tr->gnorm > o->clip)
		scale *= o->clip / tr->gnorm;
	m->step++;
	dc_nn_adam(tr->nn, m->params, m->adam_m, m->adam_v, tr->grads, m->nparams, (float)scale, lr,
	    m->step);
	tr->st->loss_sum += loss;
	tr->st->loss_n++;
	tr->st->batch++;
	tr->rloss += loss;
	tr->rloss_n++;
	return frames;
}

/* progress: the progress line, if it is time: rewritten in place on a terminal
 * every half second, else a line every -p seconds. */
static void
progress(trainer *tr)
{
	const tstate *st = tr->st;
	double tn = dc_now(), el = tn - tr->t_run0;
	char eta[32];

	if (tr->o->quiet || (tr->tty && tn - tr->t_prog <= 0.5) ||
	    (!tr->tty && !(tr->o->prog_s > 0.0 && tn - tr->t_prog >= tr->o->prog_s)))
		return;
	hms(eta, sizeof eta, el / (double)tr->batches_ep * (double)(tr->nbatch - st->batch));
	if (tr->tty)
		fprintf(stderr, "\r%s: epoch %lld batch %lld/%lld step %lld loss %.5f "
		    "|g| %.3g %.0f frames/s %s ETA %s ", dc_prog(), (long long)st->epoch + 1, (long long)st->batch,
		    (long long)tr->nbatch, (long long)tr->m->step, st->loss_sum / (double)st->loss_n,
		    tr->gnorm, (double)tr->frames_ep / el, tr->pname, eta);
	else
		fprintf(stderr, "%s: epoch %lld batch %lld/%lld step %lld loss %.5f "
		    "recent %.5f |g| %.3g %.0f frames/s %s ETA %s\n", dc_prog(), (long long)st->epoch + 1,
		    (long long)st->batch, (long long)tr->nbatch, (long long)tr->m->step,
		    st->loss_sum / (double)st->loss_n, tr->rloss / (double)tr->rloss_n, tr->gnorm,
		    (double)tr->frames_ep / el, tr->pname, eta);
	tr->t_prog = tn;
	tr->rloss = 0.0;
	tr->rloss_n = 0;
}

/* checkpoint: the model and the run's state, atomically, to -o. */
static void
checkpoint(trainer *tr)
{
	state_save(tr->m, tr->st);
	save(tr->m, tr->o->out);
	tr->t_ckpt = dc_now();
}

/* run_epoch: the batches left of the current epoch. Returns 0 at its end, 1 when
 * stopped by -S, 2 by a signal. */
static int
run_epoch(trainer *tr)
{
	const options *o = tr->o;
	tstate *st = tr->st;
	/* the rate of this epoch: decay^epoch, by repeated products in double (pow may
	 * round differently across libms) */
	double lr = o->lr;
	int64_t e, fr;

	for (e = 0; e < st->epoch; e++)
		lr *= o->decay;
	if (tr->mx == NULL)
		shuffle(tr->order, tr->sg->n, (uint64_t)o->seed, st->epoch);
	while (st->batch < tr->nbatch) {
		int64_t b0 = st->batch * o->B, nb = tr->sg->n - b0 < o->B ? tr->sg->n - b0 : o->B;
		if (o->maxsteps && tr->m->step >= o->maxsteps)
			return 1;
		if (dc_dist_any(got_signal))    /* dc-train-mpi: every rank stops at one step */
			return 2;
		if (tr->mx)
			tr->cur = mixer_take(tr->mx, st->epoch, st->batch, o->epochs);
		fr = train_step(tr, b0, nb, lr);
		tr->frames_run += fr;
		tr->frames_ep += fr;
		tr->batches_ep++;
		progress(tr);
		if (o->ckpt_min > 0.0 && st->batch < tr->nbatch && dc_now() - tr->t_ckpt >= 60.0 * o->ckpt_min)
			checkpoint(tr);
	}
	return 0;
}

/* valid_utt: validation utterance u's DC loss into *dc (its normaliser into
 * *norm) and, with a head, its MI loss into *mi (its normaliser into *mnorm). */
static void
valid_utt(trainer *tr, const utt *u, double *dc, double *norm, double *mi, double *mnorm)
{
	const dc_model *m = tr->m;
	int64_t F = m->cfg.F, D = m->cfg.D, n = u->T * F, j;
	double sw = 0.0;

	if (n > tr->cap) {
		tr->cap = n;
		tr->vV = dc_xrealloc(tr->vV, (size_t)n * D * sizeof *tr->vV);
		tr->vdV = dc_xrealloc(tr->vdV, (size_t)n * D * sizeof *tr->vdV);
		tr->vlab = dc_xrealloc(tr->vlab, (size_t)n * sizeof *tr->vlab);
		tr->vw = dc_xrealloc(tr->vw, (size_t)n * sizeof *tr->vw);
	}
	for (j = 0; j < n; j++) {
		tr->vlab[j] = u->lab[j];
		tr->vw[j] = weight(u, j, tr->o->wmode);
		sw += tr->vw[j];
	}
	if (m->cfg.C > 0)
		mi_reserve(tr, u->T);
	dc_nn_forward(tr->vn, tr->vV, m->cfg.C > 0 ? tr->h : NULL, u->feat, 1, (int)u->T);
	*dc += dc_nn_loss(tr->vn, tr->vdV, tr->vV, tr->vlab, tr->vw, 1, (int)u->T, tr->vd->C);
	*norm += sw * sw;
	if (m->cfg.C == 0)
		return;
	for (j = 0; j < n; j++)
		*mnorm += u->mag[j];
	*mi += mi_loss(tr, u->mag, u->A, 1, u->T, 0, 0.0);       /* the targets read in place */
}

/* valid_loss: the loss over the whole utterances of -V, normalised as in training
 * (alpha DC + (1 - alpha) MI with a head); its two parts in *dc and *mi. */
static double
valid_loss(trainer *tr, double *dc, double *mi)
{
	double norm = 0.0, mnorm = 0.0, a = tr->o->alpha;
	int i;

	*dc = *mi = 0.0;
	for (i = 0; i < tr->vd->n; i++)
		if (tr->vd->u[i].T > 0)
			valid_utt(tr, &tr->vd->u[i], dc, &norm, mi, &mnorm);
	*dc = norm > 0.0 ? *dc / norm : 0.0;
	if (tr->m->cfg.C == 0)
		return *dc;
	*mi = mnorm > 0.0 ? *mi / mnorm : 0.0;
	return a * *dc + (1.0 - a) * *mi;
}

/* end_epoch: the validation loss, the log's row and the epoch's line, then the
 * next epoch's start in the checkpoint. */
static void
end_epoch(trainer *tr)
{
	const options *o = tr->o;
	tstate *st = tr->st;
	double vloss = NAN, vdc = NAN, vmi = NAN, tl, sec = dc_now() - tr->t_epoch, fps;
	char lbuf[64], parts[160] = "";

	if (tr->vn)
		vloss = valid_loss(tr, &vdc, &vmi);
	if (tr->m->cfg.C > 0 && tr->mi_n > 0)
		snprintf(parts, sizeof parts, " (dc %.5f, mi %.5f; valid dc %.5f, mi %.5f)",
		    tr->dc_sum / (double)tr->mi_n, tr->mi_sum / (double)tr->mi_n, vdc, vmi);
	tl = st->loss_n ? st->loss_sum / (double)st->loss_n : NAN;
	fps = (double)tr->frames_run / (dc_now() - tr->t_start);
	if (tr->log) {
		fprintf(tr->log, "%lld\t%lld\t%.6f\t%.6f\t%.6g\t%.2f\t%.0f%s%s\n", (long long)st->epoch + 1,
		    (long long)tr->m->step, tl, vloss, tr->gnorm, sec, fps, tr->logprec ? "\t" : "",
		    tr->logprec ? tr->pname : "");
		if (fflush(tr->log) != 0 && tr->logerr == 0)
			tr->logerr = errno;
	}
	if (!o->quiet)
		fprintf(stderr, "%sdc-train: epoch %lld step %lld train loss %.5f valid loss %.5f%s "
		    "%.1f s %.0f frames/s\n", tr->tty ? "\r\033[K" : "", (long long)st->epoch + 1,
		    (long long)tr->m->step, tl, vloss, parts, sec, fps);
	snprintf(lbuf, sizeof lbuf, "%.6f", isnan(vloss) ? tl : vloss);
	dc_model_meta_set(tr->m, "loss", lbuf);
	tr->t_epoch = tr->t_run0 = tr->t_prog = dc_now();
	tr->frames_ep = tr->batches_ep = 0;
	tr->rloss = 0.0;
	tr->rloss_n = 0;
	tr->dc_sum = tr->mi_sum = 0.0;
	tr->mi_n = 0;
	st->epoch++;
	st->batch = 0;
	st->loss_sum = 0.0;
	st->loss_n = 0;
	checkpoint(tr);
	/* the checkpoint holds the epoch: -r goes on once the log can be written */
	if (tr->logerr != 0)
		dc_errx(1, "%s: %s (the checkpoint is written; -r resumes)", o->logpath,
		    strerror(tr->logerr));
}

/* train: epochs until -e, -S or a signal; the checkpoint written where it stopped.
 * Returns the exit status (a signal's is its own: the process dies of it). */
static int
train(trainer *tr)
{
	int stopped = 0, sig;

	while (tr->st->epoch < tr->o->epochs && !stopped)
		if ((stopped = run_epoch(tr)) == 0)
			end_epoch(tr);
	sig = got_signal ? (int)got_signal : SIGTERM;  /* or another rank's */
	/* stopped inside an epoch by -S or a signal, or nothing to do: write where we are */
	state_save(tr->m, tr->st);
	save(tr->m, tr->o->out);
	if (!tr->o->quiet && tr->tty && stopped)
		fputc('\n', stderr);
	if (stopped == 1 && tr->rank == 0)
		dc_warnx("stopped after step %lld (-S); -r resumes", (long long)tr->m->step);
	if (stopped == 2 && tr->rank == 0)
		dc_warnx("%s after step %lld; the checkpoint is written; -r resumes",
		    sig == SIGINT ? "interrupted" : "terminated", (long long)tr->m->step);
	/* dc-train-mpi: no rank ends the job before rank 0 has written and said so (a
	 * rank that dies of the signal has mpirun kill the others, rank 0 too) */
	dc_dist_barrier();
	if (tr->log && dc_fclose_checked(tr->log) != DC_OK)
		dc_errx(1, "%s: %s", tr->o->logpath, strerror(errno));
	if (stopped == 2) {
		signal(sig, SIG_DFL);
		raise(sig);
		return 128 + sig;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	options o;
	dc_model m;
	dataset d = { 0 }, vd = { 0 };
	tstate st;
	segments sg;
	trainer tr;
	dc_corpus corpus = { 0 };
	mixspec ms;
	mixer mx;
	int prec, rc;

	dc_setprog(argv[0]);
	dc_dist_init(&argc, &argv, dc_prog());
	parse_options(&o, argc, argv);
	/* dc-train-mpi: rank 0 alone speaks and logs; every rank reads the data */
	for (rc = 0; dc_dist_size() > 1 && !o.xdir && !o.xpath && !o.init && rc < o.nfiles; rc++)
		if (strcmp(o.files[rc], "-") == 0) {     /* every rank sees it: no abort */
			/* the other ranks end quietly with 0: a rank that ended with 2 first
			 * had mpirun kill rank 0 before its message went out */
			dc_dist_end();
			if (dc_dist_rank() > 0)
				exit(0);
			dc_errx(2, "the training streams must be files: only rank 0 has stdin");
		}
	if (dc_dist_rank() > 0) {
		o.quiet = 1;
		o.logpath = NULL;
	}
	if (o.xpath) {
		rc = export_model(&o, argc - optind, argv + optind);
		dc_dist_end();
		return rc;
	}
	if (o.name == NULL)
		o.name = dc_path_stem(o.out, ".dcm", o.nbuf, sizeof o.nbuf);
	if (o.init) {
		rc = init_model(&o, argc, argv);
		dc_dist_end();
		return rc;
	}
	if (o.resume || o.ipath)
		load_start(&o, &m, &st);
	/* the head's sources: the model's, else -M's; the data keeps their targets */
	d.mi = vd.mi = (o.resume || o.ipath) && m.cfg.C ? m.cfg.C : (int)o.M;
	prec = prepare(&o, &m, &st, &d, &vd, &corpus, &ms, &sg, argc, argv);
	if (o.xdir)
		mixer_start(&mx, &ms);
	trainer_open(&tr, &o, &m, &st, &d, &vd, &sg, prec, o.xdir ? &mx : NULL, &corpus);
	if ((rc = train(&tr)) != 0)
		return rc;
	if (o.xdir)
		mixer_stop(&mx);
	trainer_close(&tr);
	dc_corpus_free(&corpus);
	free(sg.u);
	free(sg.t0);
	free(sg.len);
	dataset_free(&d);
	dataset_free(&vd);
	dc_model_free(&m);
	dc_dist_end();
	return 0;
}
