/*
 * api.c: the calls of include/dcsep/dcsep.h that the other files do not already
 * make public: a model for inference (dc_embedder: dc-embed's steps), clustering
 * with soft masks (dc-kmeans's) and, in mask.c, masking (dc-mask's), each on tensors and
 * returning an error code, so that a program can run the pipeline in process
 * (libdcsep(3), examples/separate.c). Shapes: T frames, F bins, D embedding
 * dimensions, K clusters, C sources of a mask-inference head.
 *
 * The tools keep their own loops over streams; what they compute and what these
 * compute are the same operations in the same order, which tests/sh/libdcsep.sh
 * checks bit for bit on the example mixture.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <dcsep/dcsep.h>
#include "mm.h"
#include "nn.h"
#include "mi.h"
#include "mask.h"


const char *
dc_version(void)
{
	return DC_VERSION;
}

/* ---------------------------------------------------------------- embedding */

struct dc_embedder {
	dc_model m;
	dc_nn *nn;              /* made on the first non-empty utterance, as dc-embed does */
	dc_mm *mm;              /* the mask-inference head's products (C > 0) */
	int threads, prec;
	double level;           /* the level utterances are brought to, dB; NAN: none */
};

int
dc_embedder_open(dc_embedder **ep, const char *path, int threads)
{
	dc_embedder *e;
	int err;

	if (ep == NULL)
		return DC_EPARAM;
	*ep = NULL;
	if (path == NULL || threads < 1 || threads > DC_NN_MAXTHREADS)
		return DC_EPARAM;
	e = dc_xcalloc(1, sizeof *e);
	if ((err = dc_model_load(&e->m, path)) != DC_OK) {
		free(e);
		return err;
	}
	e->threads = threads;
	e->level = dc_model_level(&e->m);
	e->prec = dc_mm_default(1);
	if (e->m.cfg.C > 0)
		e->mm = dc_mm_new(e->prec);
	*ep = e;
	return DC_OK;
}

void
dc_embedder_free(dc_embedder *e)
{
	if (e == NULL)
		return;
	dc_nn_free(e->nn);
	dc_mm_free(e->mm);
	dc_model_free(&e->m);
	free(e);
}

void
dc_embedder_info(const dc_embedder *e, dc_stft_params *p, int *d, int *c)
{
	if (e == NULL) {        /* a failed open's: the defaults, no embeddings */
		if (p)
			dc_stft_defaults(p);
		if (d)
			*d = 0;
		if (c)
			*c = 0;
		return;
	}
	if (p) {
		dc_stft_defaults(p);
		p->rate = e->m.cfg.rate;
		p->nfft = e->m.cfg.nfft;
		p->hop = e->m.cfg.hop;
		p->samples = 0;
		snprintf(p->window, sizeof p->window, "%s", e->m.cfg.window);
	}
	if (d)
		*d = e->m.cfg.D;
	if (c)
		*c = e->m.cfg.C;
}

/* empty: t as dc_tensor_free leaves it. */
static void
empty(dc_tensor *t)
{
	if (t)
		memset(t, 0, sizeof *t);
}

int
dc_embed(dc_embedder *e, const dc_tensor *X, dc_tensor *V, dc_tensor *masks)
{
	const dc_nn_config *mc;
	int64_t T, F;
	float *feat, *h = NULL, *z = NULL;
	int err, head, omp;

	empty(V);
	empty(masks);
	if (e == NULL || V == NULL || !dc_tensor_is(X, DC_C64, 2))
		return DC_EPARAM;
	mc = &e->m.cfg;
	head = masks != NULL && mc->C > 0;
	if (X->shape[1] != mc->F)
		return DC_EPARAM;
	if (dc_tensor_finite(X) != DC_OK)
		return DC_ENONFINITE;
	T = X->shape[0];
	F = X->shape[1];
	if (T > INT_MAX / 2 || T * F * mc->D > dc_limit_elems() || (head && T * F * mc->C > dc_limit_elems()))
		return DC_ELIMIT;
	if ((err = dc_tensor_alloc(V, DC_F32, 3, (int64_t[]){ T, F, mc->D })) != DC_OK)
		return err;
	if (head && (err = dc_tensor_alloc(masks, DC_F32, 3, (int64_t[]){ mc->C, T, F })) != DC_OK) {
		dc_tensor_free(V);
		return err;
	}
	if (T == 0)
		return DC_OK;
	omp = dc_mm_omp_save();
	feat = dc_nn_alloc((size_t)(T * F) * sizeof *feat);
	dc_nn_features(feat, X->data, T, F);
	/* the utterance at the training mixtures' level, as dc-embed brings it */
	dc_nn_features_gain(feat, T * F, dc_nn_level_gain(e->level, dc_nn_level(mc, X->data, T, F)));
	if (head) {     /* the last layer's output, for the head */
		h = dc_nn_alloc((size_t)T * 2 * mc->H * sizeof *h);
		z = dc_nn_alloc((size_t)(T * F) * mc->C * sizeof *z);
	}
	if (e->nn == NULL) {
		e->nn = dc_nn_new(&e->m, 1, (int)T, e->threads, 0);
		dc_nn_precision(e->nn, e->prec);
	}
	dc_nn_forward(e->nn, V->data, h, feat, 1, (int)T);
	if (head) {
		dc_mi_head_forward(e->mm, z, h, e->m.p.mi_w, e->m.p.mi_b, T, 2 * mc->H, mc->C * mc->F);
		dc_mi_masks(masks->data, z, T, mc->C, mc->F);
	}
	free(feat);
	free(h);
	free(z);
	dc_mm_omp_restore(omp);
	/* a model whose activations overflow gives NaN: say so, return nothing of it */
	if (dc_tensor_finite(V) != DC_OK || (head && dc_tensor_finite(masks) != DC_OK)) {
		dc_tensor_free(V);
		if (masks)
			dc_tensor_free(masks);
		return DC_ENONFINITE;
	}
	return DC_OK;
}

int
dc_embedder_set_level(dc_embedder *e, double level)
{
	if (e == NULL || (!isnan(level) && !(level >= -100 && level <= 0)))
		return DC_EPARAM;
	e->level = level;
	return DC_OK;
}

/* ---------------------------------------------------------------- clustering */

/* embeddings_in: what dc_cluster and dc_count_sources ask of V (float32 T x F x D)
 * and X (complex64 T x F, or NULL), and db: DC_EPARAM, DC_ENONFINITE, or DC_OK with
 * the bins to fit, those of X within db dB of its loudest, in *fit (malloc'd; NULL
 * with X NULL: all T F), their count in *m (0 where X is digital silence), and D in
 * *d. */
static int
embeddings_in(const dc_tensor *V, const dc_tensor *X, double db, unsigned char **fit, int64_t *m,
    int *d)
{
	int64_t T, F, N, i;

	*fit = NULL;
	if (!dc_tensor_is(V, DC_F32, 3) || !isfinite(db) || db < 0.0)
		return DC_EPARAM;
	T = V->shape[0];
	F = V->shape[1];
	N = T * F;
	if (V->shape[2] < 1 || V->shape[2] > INT_MAX)
		return DC_EPARAM;
	if (X != NULL && (!dc_tensor_is(X, DC_C64, 2) || X->shape[0] != T || X->shape[1] != F))
		return DC_EPARAM;
	if (dc_tensor_finite(V) != DC_OK || (X != NULL && dc_tensor_finite(X) != DC_OK))
		return DC_ENONFINITE;
	*d = (int)V->shape[2];
	*m = N;
	if (X != NULL) {
		*fit = dc_xmalloc((size_t)N ? (size_t)N : 1);
		if (dc_stft_active(X->data, N, db, *fit) == 0.0)
			*m = 0;
		else
			for (i = 0, *m = 0; i < N; i++)
				*m += (*fit)[i];
	}
	return DC_OK;
}

int
dc_cluster(const dc_tensor *V, const dc_tensor *X, double db, const dc_kmeans_opts *o,
    double beta, dc_tensor *L, dc_tensor *masks)
{
	dc_kmeans_opts ko;
	unsigned char *fit;
	float *cent;
	int64_t T, F, N, m;
	int err, soft, D;

	empty(L);
	empty(masks);
	if (o)
		ko = *o;
	else
		dc_kmeans_defaults(&ko);
	if (L == NULL || ko.k < 1 || ko.k > DC_KMAX || !isfinite(beta) || beta < 0.0)
		return DC_EPARAM;
	if ((err = embeddings_in(V, X, db, &fit, &m, &D)) != DC_OK)
		return err;
	T = V->shape[0];
	F = V->shape[1];
	N = T * F;
	if (m < ko.k) {
		free(fit);
		return DC_EPARAM;
	}
	if ((err = dc_tensor_alloc(L, DC_I32, 2, (int64_t[]){ T, F })) != DC_OK) {
		free(fit);
		return err;
	}
	cent = dc_xmalloc((size_t)ko.k * (size_t)D * sizeof *cent);
	/* with soft masks, the labels come in their pass over V */
	soft = beta > 0.0 && masks != NULL;
	err = dc_kmeans(V->data, N, D, fit, &ko, soft ? NULL : L->data, cent, NULL, NULL);
	if (err == DC_OK && soft) {
		if ((err = dc_tensor_alloc(masks, DC_F32, 3, (int64_t[]){ ko.k, T, F })) == DC_OK)
			dc_kmeans_soft(V->data, N, D, cent, ko.k, beta, masks->data, L->data);
	}
	if (err != DC_OK)
		dc_tensor_free(L);
	free(cent);
	free(fit);
	return err;
}

int
dc_count_sources(const dc_tensor *V, const dc_tensor *X, double db, int kmax, int *k,
    double *spread)
{
	unsigned char *fit;
	int64_t m;
	double s = 0.0;
	int n = 1, d, err;

	if (k != NULL)
		*k = 0;
	if (spread != NULL)
		*spread = 0.0;
	if (k == NULL || kmax < 1 || kmax > DC_COUNT_MAX)
		return DC_EPARAM;
	if ((err = embeddings_in(V, X, db, &fit, &m, &d)) != DC_OK)
		return err;
	/* digital silence (m 0) is one source, as dc-kmeans counts it */
	if (m > 0) {
		s = dc_kmeans_spread(V->data, V->shape[0] * V->shape[1], d, fit);
		n = dc_kmeans_count(s, kmax, NULL);
		if (n > m)
			n = (int)m;
	}
	free(fit);
	*k = n;
	if (spread != NULL)
		*spread = s;
	return DC_OK;
}
