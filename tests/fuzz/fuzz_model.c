/*
 * fuzz_model.c: the model loader on hostile bytes (dc_model_load_mem), with the
 * invariants formats/model.md promises of a model it accepts; a small accepted
 * model also runs a forward pass, as dc-embed would run it.
 */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "nn.h"

/* moderate: every weight below 1e3 in magnitude, feat_std at least 1e-3 and
 * feat_mean below 1e3. */
static int
moderate(const dc_model *m)
{
	size_t i;
	int f;

	for (i = 0; i < m->nparams; i++)
		if (!(fabsf(m->params[i]) < 1e3f))
			return 0;
	for (f = 0; f < m->cfg.F; f++)
		if (!(m->feat_std[f] >= 1e-3f && fabsf(m->feat_mean[f]) < 1e3f))
			return 0;
	return 1;
}

int
fuzz_model(const uint8_t *data, size_t size)
{
	dc_model m;
	size_t i;
	int err = dc_model_load_mem(&m, data, size), f, j;

	FUZZ_CHECK(err == DC_OK || err == DC_EMODEL);
	if (err != DC_OK) {
		FUZZ_CHECK(m.params == NULL && m.meta == NULL && m.adam_m == NULL);
		return 0;
	}
	FUZZ_CHECK(dc_nn_config_check(&m.cfg) == DC_OK);
	FUZZ_CHECK(m.cfg.F == m.cfg.nfft / 2 + 1);
	/* float16 weights take 2 bytes each, and only a model (no checkpoint) has them */
	FUZZ_CHECK(m.nparams == dc_nn_nparams(&m.cfg) && m.nparams * (m.f16 ? 2 : 4) <= size);
	FUZZ_CHECK(!m.f16 || m.adam_m == NULL);
	for (i = 0; i < m.nparams; i++)
		FUZZ_CHECK(isfinite(m.params[i]));
	for (f = 0; f < m.cfg.F; f++)
		FUZZ_CHECK(isfinite(m.feat_mean[f]) && isfinite(m.feat_std[f]) && m.feat_std[f] > 0.0f);
	FUZZ_CHECK((m.adam_m == NULL) == (m.adam_v == NULL));
	for (i = 0; m.adam_v && i < m.nparams; i++)
		FUZZ_CHECK(isfinite(m.adam_m[i]) && m.adam_v[i] >= 0.0f);
	for (j = 0; j < m.nmeta; j++)
		FUZZ_CHECK(m.meta[j].key && m.meta[j].val &&
		    dc_model_meta_get(&m, m.meta[j].key) != NULL);
	/* a forward pass over three frames of a fixed spectrum, for models of the
	 * sizes and magnitudes training makes: weights of 1e38 or a feat_std of 1e-38,
	 * which the format allows, overflow to Inf and NaN inside the network (see
	 * tests/data/fuzz-regress/model/README) */
	if (m.nparams < 200000 && moderate(&m)) {
		int T = 3, F = m.cfg.F, D = m.cfg.D;
		float *X = calloc((size_t)(T * F) * 2, sizeof *X), *feat = malloc((size_t)(T * F) * sizeof *feat);
		float *V = malloc((size_t)(T * F * D) * sizeof *V);
		dc_nn *nn = dc_nn_new(&m, 1, T, 1, 0);
		for (i = 0; i < (size_t)(T * F); i++)
			X[2 * i] = (float)(i % 7) * 0.25f;
		dc_nn_features(feat, X, T, F);
		dc_nn_forward(nn, V, NULL, feat, 1, T);
		for (i = 0; i < (size_t)(T * F); i++) {
			double s = 0.0;
			int d, fin = 1;
			for (d = 0; d < D; d++) {
				s += (double)V[i * D + d] * V[i * D + d];
				fin &= isfinite(V[i * D + d]);
			}
			/* each embedding is divided by max(|v|, 1e-12): of unit length, or
			 * shorter if |v| < 1e-12 (when finite: NaN or Inf can come out of
			 * finite weights of extreme size) */
			FUZZ_CHECK(!fin || s < 1.0 + 1e-3);
		}
		dc_nn_free(nn);
		free(X);
		free(feat);
		free(V);
	}
	dc_model_free(&m);
	return 0;
}

#ifndef FUZZ_NO_MAIN
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_model(data, size);
}
#endif
