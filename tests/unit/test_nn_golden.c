/*
 * test_nn_golden.c: the network, loss and every gradient against the PyTorch
 * reference (tests/data/dpcl_golden_small.msgpack, written by
 * shared/peers/torch_dpcl.py dump: B = 2, T = 16, F = 129, L = 2, H = 16, D = 8, C = 2).
 *
 * Mapping of the golden arrays onto dcsep's conventions:
 *   feat (B,T,F)       our feat; the golden features are not normalised, so the
 *                      model's feat_mean = 0 and feat_std = 1
 *   param.blstm.* / param.lin.*   a straight copy into the flat parameter buffer
 *                      (dcsep keeps torch's named_parameters order and shapes)
 *   Y (B,T*F,C)        one-hot: our labels (B,T*F) are its argmax
 *   W (B,T*F)          our weights; also recomputed from feat by dc_nn_weights
 *   V, grad_V (B,T*F,D)     our V, dV (B,T,F,D): the same row-major bytes
 *   blstm_out (B,T,2H) the h_out of dc_nn_forward
 * Each tensor passes if max|ours - golden| / max|golden| <= 1e-4 in fp32 (TOL), or
 * 2^-6 with bf16 products (TOL_BF16, derived below; mixed precision rounds a
 * subset of bf16's operands); the test runs with one and with two threads in all
 * three precisions, and on a CPU with AVX-512 also without the
 * AVX-512 recurrent kernel (DCSEP_NO_AVX512).
 */
#include <stdlib.h>
#include <string.h>

#include "dc.h"
#include "mm.h"
#include "nn.h"
#include "recgemm.h"
#include "t.h"

#define TOL 1e-4
/* bf16: the operands of the input, recurrent, output and gradient products rounded
 * to 8 significant bits (unit roundoff u = 2^-8), fp32 accumulation. One such
 * product is off by at most 2u sum|a b| (each operand within u of itself); relative
 * to the largest entry of a result, where sum|a b| and |sum a b| are of one size,
 * about 2u. The longest path here (grad.weight_hh_l0) crosses six GEMMs (three
 * forward, three backward) and a recurrent product at every step, whose rounding
 * errors are independent and partly cancel: we allow 4u = 2^-6 (the largest
 * measured is 2.7u, grad.blstm.weight_hh_l0 in a batch of 10; 3.1u when the
 * recurrent products were fp32). bf16 must also differ from fp32 (checked: more
 * than TOL off on blstm_out). */
#define TOL_BF16 0x1.0p-6

static double tol = TOL;   /* TOL in fp32, TOL_BF16 in bf16 and mixed */

static msgpack_object root;
static void *copies[512];
static int ncopies;

/* arr: the golden array called name (an aligned copy, freed at exit); its element
 * count in *n (and dims in shape). */
static const void *
arr(const char *name, int64_t *n, int64_t *shape, int *ndim)
{
	uint32_t i, j;

	for (i = 0; i < root.via.map.size; i++) {
		const msgpack_object *k = &root.via.map.ptr[i].key, *v = &root.via.map.ptr[i].val;
		const msgpack_object *sh = NULL, *data = NULL;
		int64_t cnt = 1;
		if (k->type != MSGPACK_OBJECT_STR || k->via.str.size != strlen(name) ||
		    memcmp(k->via.str.ptr, name, k->via.str.size) != 0 || v->type != MSGPACK_OBJECT_MAP)
			continue;
		for (j = 0; j < v->via.map.size; j++) {
			const msgpack_object_kv *kv = &v->via.map.ptr[j];
			if (kv->key.via.str.size == 5 && memcmp(kv->key.via.str.ptr, "shape", 5) == 0)
				sh = &kv->val;
			if (kv->key.via.str.size == 4 && memcmp(kv->key.via.str.ptr, "data", 4) == 0)
				data = &kv->val;
		}
		if (sh == NULL || data == NULL)
			return NULL;
		for (j = 0; j < sh->via.array.size; j++) {
			cnt *= (int64_t)sh->via.array.ptr[j].via.u64;
			if (shape && j < 4)
				shape[j] = (int64_t)sh->via.array.ptr[j].via.u64;
		}
		if (ndim)
			*ndim = (int)sh->via.array.size;
		*n = cnt;
		if (ncopies == 512)
			return NULL;
		copies[ncopies] = malloc(data->via.bin.size ? data->via.bin.size : 1);
		memcpy(copies[ncopies], data->via.bin.ptr, data->via.bin.size);
		return copies[ncopies++];
	}
	return NULL;
}

/* cmp: max relative difference of got against the golden array, as one check;
 * returns it (-1 if the array is missing). */
static double
cmp(const char *label, const char *name, const float *got, int64_t n)
{
	int64_t gn, i;
	const float *want = arr(name, &gn, NULL, NULL);
	double md = 0.0, mw = 0.0;
	char buf[160];

	if (want == NULL || gn != n) {
		printf("FAIL: %s %s: golden array missing or of %lld elements, not %lld\n", label, name,
		    (long long)(want ? gn : -1), (long long)n);
		t_failed++;
		return -1.0;
	}
	for (i = 0; i < n; i++) {
		double d = fabs((double)got[i] - (double)want[i]);
		if (!(d <= md))
			md = isnan(d) ? INFINITY : d;
		if (fabs((double)want[i]) > mw)
			mw = fabs((double)want[i]);
	}
	snprintf(buf, sizeof buf, "%s %s max|diff| %.3g, max|golden| %.3g, relative", label, name, md, mw);
	if (md / mw <= tol)
		printf("PASS: %s %.3g\n", buf, md / mw);
	else {
		printf("FAIL: %s %.3g > %g\n", buf, md / mw, tol);
		t_failed++;
	}
	return md / mw;
}

static void
run(const dc_model *m, int nthreads, int prec)
{
	const dc_nn_config *c = &m->cfg;
	int64_t n, shape[4];
	int nd, B, T, C, F = c->F, D = c->D, i;
	const float *feat = arr("feat", &n, shape, &nd), *Y, *W;
	const double *loss_g;
	float *V, *dV, *hout, *grads, *dfeat, *w2;
	int32_t *lab;
	double loss, rel;
	char label[48], name[200];
	dc_nn *nn;

	B = (int)shape[0];
	T = (int)shape[1];
	Y = arr("Y", &n, shape, &nd);
	C = (int)shape[2];
	W = arr("W", &n, NULL, NULL);
	loss_g = arr("loss", &n, NULL, NULL);
	snprintf(label, sizeof label, "threads=%d %s %s", nthreads, dc_nn_avx512() ? "avx512" : "avx2",
	    dc_mm_name(prec));
	tol = prec != DC_MM_F32 ? TOL_BF16 : TOL;

	V = calloc((size_t)B * T * F * D, sizeof *V);
	dV = calloc((size_t)B * T * F * D, sizeof *dV);
	hout = calloc((size_t)B * T * 2 * c->H, sizeof *hout);
	grads = calloc(m->nparams, sizeof *grads);
	dfeat = calloc((size_t)B * T * F, sizeof *dfeat);
	lab = calloc((size_t)B * T * F, sizeof *lab);
	w2 = calloc((size_t)B * T * F, sizeof *w2);
	for (i = 0; i < B * T * F; i++) {
		int k, best = 0;
		for (k = 1; k < C; k++)
			if (Y[(int64_t)i * C + k] > Y[(int64_t)i * C + best])
				best = k;
		lab[i] = best;
	}

	nn = dc_nn_new(m, B, T, nthreads, 1);
	dc_nn_precision(nn, prec);
	dc_nn_forward(nn, V, hout, feat, B, T);
	loss = dc_nn_loss(nn, dV, V, lab, W, B, T, C);
	dc_nn_backward(nn, grads, dfeat, dV, feat, B, T);

	rel = cmp(label, "blstm_out", hout, (int64_t)B * T * 2 * c->H);
	if (prec == DC_MM_BF16 || (prec == DC_MM_MIXED && dc_rec_bf16())) {
		snprintf(name, sizeof name, "%s: bf16 is in use (blstm_out more than %g off)", label, TOL);
		T_OK(name, rel > TOL);
	}
	cmp(label, "V", V, (int64_t)B * T * F * D);
	{
		rel = fabs(loss - loss_g[0]) / fabs(loss_g[0]);
		if (rel <= tol)
			printf("PASS: %s loss %.9g vs golden %.9g, relative %.3g\n", label, loss, loss_g[0], rel);
		else {
			printf("FAIL: %s loss %.9g vs golden %.9g, relative %.3g\n", label, loss, loss_g[0], rel);
			t_failed++;
		}
	}
	cmp(label, "grad_V", dV, (int64_t)B * T * F * D);
	cmp(label, "grad_feat", dfeat, (int64_t)B * T * F);
	for (i = 0; i < dc_nn_ntensors(c); i++) {
		char tn[64];
		int64_t sh[2];
		size_t off;
		int tnd;
		dc_nn_tensor(c, i, tn, sizeof tn, &tnd, sh, &off);
		snprintf(name, sizeof name, "grad.%s", tn);
		cmp(label, name, grads + off, tnd == 2 ? sh[0] * sh[1] : sh[0]);
	}
	/* the 40 dB weights from the features */
	for (i = 0; i < B; i++)
		dc_nn_weights(w2 + (int64_t)i * T * F, feat + (int64_t)i * T * F, (int64_t)T * F, 40.0);
	snprintf(name, sizeof name, "%s dc_nn_weights reproduces W", label);
	T_OK(name, memcmp(w2, W, (size_t)B * T * F * sizeof *W) == 0);

	dc_nn_free(nn);

	/* the same utterances repeated into a batch of 11 (tiles of 8 and 3 sequences
	 * in the recurrent kernel): every copy's V as the golden V */
	{
		enum { BB = 11 };
		float *fb = calloc((size_t)BB * T * F, sizeof *fb), *Vb = calloc((size_t)BB * T * F * D, sizeof *Vb);
		float *Vc = calloc((size_t)B * T * F * D, sizeof *Vc);
		int64_t per = (int64_t)T * F, j;
		dc_nn *nb = dc_nn_new(m, BB, T, nthreads, 0);
		dc_nn_precision(nb, prec);
		for (i = 0; i < BB; i++)
			memcpy(fb + i * per, feat + (i % B) * per, (size_t)per * sizeof *fb);
		dc_nn_forward(nb, Vb, NULL, fb, BB, T);
		memcpy(Vc, Vb, (size_t)B * per * D * sizeof *Vc);    /* then the worst copy of each */
		for (i = B; i < BB; i++)
			for (j = 0; j < per * D; j++)
				if (fabs(Vb[i * per * D + j] - V[(i % B) * per * D + j]) > fabs(Vc[(i % B) * per * D + j] - V[(i % B) * per * D + j]))
					Vc[(i % B) * per * D + j] = Vb[i * per * D + j];
		snprintf(name, sizeof name, "%s batch of 11 copies", label);
		cmp(name, "V", Vc, (int64_t)B * T * F * D);
		dc_nn_free(nb);
		free(fb);
		free(Vb);
		free(Vc);
	}
	/* inference: V a piece of each utterance at a time (dc_nn_embed_rows, as dc-embed
	 * computes it) has the bits of dc_nn_forward's; and when the output layer's weights change
	 * between two passes (dc-train's validation network shares the model it
	 * trains), the second pass uses the new ones, as a new network would (in bf16
	 * they are rounded once per pass) */
	{
		int64_t per = (int64_t)T * F * D, r;
		size_t nw = (size_t)F * D * 2 * c->H;
		float *Vf = calloc((size_t)B * per, sizeof *Vf), *Vp = calloc((size_t)B * per, sizeof *Vp);
		float *Vn = calloc((size_t)B * per, sizeof *Vn), *lw = malloc(nw * sizeof *lw);
		dc_nn *ni = dc_nn_new(m, B, T, nthreads, 0), *nf;
		dc_nn_precision(ni, prec);
		dc_nn_forward(ni, NULL, NULL, feat, B, T);
		for (i = 0; i < B; i++)
			for (r = i * T; r < (i + 1) * T; r += DC_NN_PIECE)
				dc_nn_embed_rows(ni, Vp + r * F * D, r, r + DC_NN_PIECE < (i + 1) * T ?
				    r + DC_NN_PIECE : (i + 1) * T);
		dc_nn_forward(ni, Vf, NULL, feat, B, T);
		snprintf(name, sizeof name, "%s dc_nn_embed_rows, %d rows of an utterance at a time: "
		    "the bits of dc_nn_forward's V", label, DC_NN_PIECE);
		T_OK(name, memcmp(Vp, Vf, (size_t)B * per * sizeof *Vp) == 0);
		memcpy(lw, m->p.lin_w, nw * sizeof *lw);
		for (i = 0; i < (int64_t)nw; i++)
			m->p.lin_w[i] = -0.75f * lw[i];
		dc_nn_forward(ni, Vp, NULL, feat, B, T);
		nf = dc_nn_new(m, B, T, nthreads, 0);
		dc_nn_precision(nf, prec);
		dc_nn_forward(nf, Vn, NULL, feat, B, T);
		snprintf(name, sizeof name, "%s lin_w changed between passes: a new network's V",
		    label);
		T_OK(name, memcmp(Vp, Vn, (size_t)B * per * sizeof *Vp) == 0 &&
		    memcmp(Vp, Vf, (size_t)B * per * sizeof *Vp) != 0);
		memcpy(m->p.lin_w, lw, nw * sizeof *lw);
		dc_nn_free(ni);
		dc_nn_free(nf);
		free(Vf);
		free(Vp);
		free(Vn);
		free(lw);
	}
	/* five copies of the batch (tiles of 8 and 2 in the recurrent kernel, forward
	 * and backward): five times the loss and every gradient */
	{
		enum { NC = 5 };
		int BB = NC * B;
		int64_t per = (int64_t)T * F;
		float *fb = calloc((size_t)BB * per, sizeof *fb), *Vb = calloc((size_t)BB * per * D, sizeof *Vb);
		float *dVb = calloc((size_t)BB * per * D, sizeof *dVb), *wb = calloc((size_t)BB * per, sizeof *wb);
		float *gb = calloc(m->nparams, sizeof *gb);
		int32_t *lb = calloc((size_t)BB * per, sizeof *lb);
		dc_nn *nb = dc_nn_new(m, BB, T, nthreads, 1);
		dc_nn_precision(nb, prec);
		double lossb;
		size_t q;
		for (i = 0; i < BB; i++) {
			memcpy(fb + i * per, feat + (i % B) * per, (size_t)per * sizeof *fb);
			memcpy(wb + i * per, W + (i % B) * per, (size_t)per * sizeof *wb);
			memcpy(lb + i * per, lab + (i % B) * per, (size_t)per * sizeof *lb);
		}
		dc_nn_forward(nb, Vb, NULL, fb, BB, T);
		lossb = dc_nn_loss(nb, dVb, Vb, lb, wb, BB, T, C) / NC;
		dc_nn_backward(nb, gb, NULL, dVb, fb, BB, T);
		for (q = 0; q < m->nparams; q++)
			gb[q] /= NC;
		snprintf(name, sizeof name, "%s batch of %d", label, BB);
		if (fabs(lossb - loss_g[0]) <= tol * fabs(loss_g[0]))
			printf("PASS: %s loss / %d %.9g vs golden %.9g\n", name, NC, lossb, loss_g[0]);
		else {
			printf("FAIL: %s loss / %d %.9g vs golden %.9g\n", name, NC, lossb, loss_g[0]);
			t_failed++;
		}
		for (i = 0; i < dc_nn_ntensors(c); i++) {
			char tn[64], gn[96];
			int64_t sh[2];
			size_t off;
			int tnd;
			dc_nn_tensor(c, i, tn, sizeof tn, &tnd, sh, &off);
			snprintf(gn, sizeof gn, "grad.%s", tn);
			cmp(name, gn, gb + off, tnd == 2 ? sh[0] * sh[1] : sh[0]);
		}
		dc_nn_free(nb);
		free(fb);
		free(Vb);
		free(dVb);
		free(wb);
		free(gb);
		free(lb);
	}
	free(V);
	free(dV);
	free(hout);
	free(grads);
	free(dfeat);
	free(lab);
	free(w2);
}

int
main(void)
{
	const char *path = getenv("ROOT") ? NULL : "tests/data/dpcl_golden_small.msgpack";
	char pbuf[4096];
	FILE *f;
	char *buf;
	long len;
	size_t off = 0;
	msgpack_unpacked u;
	dc_nn_config c;
	dc_model m;
	int64_t n, shape[4], total = 0;
	int nd, i, err;

	if (path == NULL) {
		snprintf(pbuf, sizeof pbuf, "%s/tests/data/dpcl_golden_small.msgpack", getenv("ROOT"));
		path = pbuf;
	}
	if ((f = fopen(path, "rb")) == NULL) {
		printf("FAIL: open %s\n", path);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len);
	if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
		printf("FAIL: read %s\n", path);
		return 1;
	}
	fclose(f);
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, buf, (size_t)len, &off) != MSGPACK_UNPACK_SUCCESS ||
	    u.data.type != MSGPACK_OBJECT_MAP) {
		printf("FAIL: %s is not one msgpack map\n", path);
		return 1;
	}
	root = u.data;

	/* the configuration from the shapes: F from feat, H from weight_hh_l0, D from V */
	memset(&c, 0, sizeof c);
	arr("feat", &n, shape, &nd);
	c.F = (int)shape[2];
	arr("param.blstm.weight_hh_l0", &n, shape, &nd);
	c.H = (int)shape[1];
	arr("V", &n, shape, &nd);
	c.D = (int)shape[2];
	for (c.L = 0; c.L < DC_NN_MAXL; c.L++) {
		char nm[64];
		snprintf(nm, sizeof nm, "param.blstm.weight_ih_l%d", c.L);
		if (arr(nm, &n, NULL, NULL) == NULL)
			break;
	}
	c.nfft = 256;
	c.hop = 64;
	c.rate = 8000;
	strcpy(c.window, "sqrt-hann");
	printf("# golden case L=%d H=%d D=%d F=%d\n", c.L, c.H, c.D, c.F);
	err = dc_model_new(&m, &c, 1);
	T_EQ_INT("model of the golden configuration", err, DC_OK);
	if (err)
		return 1;
	for (i = 0; i < dc_nn_ntensors(&c); i++) {
		char tn[64], nm[80];
		int64_t sh[2], gsh[4];
		size_t off2;
		int tnd, gnd;
		const float *p;
		dc_nn_tensor(&c, i, tn, sizeof tn, &tnd, sh, &off2);
		snprintf(nm, sizeof nm, "param.%s", tn);
		p = arr(nm, &n, gsh, &gnd);
		if (p == NULL || gnd != tnd || gsh[0] != sh[0] || (tnd == 2 && gsh[1] != sh[1])) {
			printf("FAIL: %s: missing in the golden file or of another shape\n", nm);
			return 1;
		}
		memcpy(m.params + off2, p, (size_t)n * sizeof *p);
		total += n;
	}
	T_EQ_INT("the golden parameters fill the flat buffer exactly", total, (long long)m.nparams);

	run(&m, 1, DC_MM_F32);
	run(&m, 2, DC_MM_F32);
	run(&m, 1, DC_MM_BF16);
	run(&m, 2, DC_MM_BF16);
	run(&m, 1, DC_MM_MIXED);        /* bf16 in the recurrent steps only (if the CPU has it) */
	run(&m, 2, DC_MM_MIXED);
	if (dc_nn_avx512()) {   /* the other recurrent kernel */
		setenv("DCSEP_NO_AVX512", "1", 1);
		run(&m, 1, DC_MM_F32);
	}

	dc_model_free(&m);
	for (i = 0; i < ncopies; i++)
		free(copies[i]);
	msgpack_unpacked_destroy(&u);
	free(buf);
	return t_done();
}
