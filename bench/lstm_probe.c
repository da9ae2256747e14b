/*
 * lstm_probe.c: oneDNN's LSTM primitive against dcsep's own recurrent layer, to
 * choose between them (issue 16): one bidirectional layer (outputs concatenated,
 * as in the network) of H units on inputs of 2H, forward, in fp32 and bf16, one
 * thread. oneDNN's time is its primitive's; dcsep's is the forward pass of a
 * 2-layer network less that of a 1-layer one (its second layer; dc_nn_forward).
 *
 * usage: lstm_probe    (shapes: T=400 B=8 H=300 and H=600 in training, T=1250 B=1
 * H=300 in inference; the best of 5 runs each)
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dnnl.h>

#include "dc.h"
#include "mm.h"
#include "nn.h"

#define CK(x) do { if ((x) != dnnl_success) dc_errx(1, "%s failed", #x); } while (0)

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* mem: a memory object for the primitive's argument of query q (index i), or NULL. */
static dnnl_memory_t
mem(const_dnnl_primitive_desc_t pd, dnnl_query_t q, int i, dnnl_engine_t e)
{
	const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, q, i);
	dnnl_memory_t m;

	if (md == NULL || md->ndims == 0)
		return NULL;
	CK(dnnl_memory_create(&m, md, e, DNNL_MEMORY_ALLOCATE));
	return m;
}

static double
onednn(dnnl_engine_t e, dnnl_stream_t st, int T, int N, int H, int prec, int train)
{
	dnnl_data_type_t dt = prec == DC_MM_BF16 ? dnnl_bf16 : dnnl_f32;
	dnnl_memory_desc_t src, wl, wi, b, dst;
	dnnl_dims_t ds = { T, N, 2 * H }, dw = { 1, 2, 2 * H, 4, H }, dwi = { 1, 2, H, 4, H };
	dnnl_dims_t db = { 1, 2, 4, H }, dd = { T, N, 2 * H };
	dnnl_rnn_desc_t rd;
	dnnl_primitive_desc_t pd;
	dnnl_primitive_t p;
	dnnl_exec_arg_t a[8];
	static const struct { int arg; dnnl_query_t q; int i; } args[] = {
		{ DNNL_ARG_SRC_LAYER, dnnl_query_src_md, 0 }, { DNNL_ARG_WEIGHTS_LAYER, dnnl_query_weights_md, 0 },
		{ DNNL_ARG_WEIGHTS_ITER, dnnl_query_weights_md, 1 }, { DNNL_ARG_BIAS, dnnl_query_weights_md, 2 },
		{ DNNL_ARG_DST_LAYER, dnnl_query_dst_md, 0 }, { DNNL_ARG_WORKSPACE, dnnl_query_workspace_md, 0 },
		{ DNNL_ARG_SCRATCHPAD, dnnl_query_scratchpad_md, 0 },
	};
	const char *impl = "?";
	double best = 1e30, t0;
	int na = 0, i, r;

	CK(dnnl_memory_desc_init_by_tag(&src, 3, ds, dt, dnnl_tnc));
	CK(dnnl_memory_desc_init_by_tag(&wl, 5, dw, dt, dnnl_format_tag_any));
	CK(dnnl_memory_desc_init_by_tag(&wi, 5, dwi, dt, dnnl_format_tag_any));
	CK(dnnl_memory_desc_init_by_tag(&b, 4, db, dnnl_f32, dnnl_ldgo));
	CK(dnnl_memory_desc_init_by_tag(&dst, 3, dd, dt, dnnl_tnc));
	CK(dnnl_lstm_forward_desc_init(&rd, train ? dnnl_forward_training : dnnl_forward_inference,
	    dnnl_bidirectional_concat, &src, NULL, NULL, &wl, &wi, &b, &dst, NULL, NULL, 0));
	CK(dnnl_primitive_desc_create(&pd, &rd, NULL, e, NULL));
	dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
	CK(dnnl_primitive_create(&p, pd));
	for (i = 0; i < (int)(sizeof args / sizeof args[0]); i++) {
		dnnl_memory_t m = mem(pd, args[i].q, args[i].i, e);
		if (m) {
			a[na].arg = args[i].arg;
			a[na++].memory = m;
		}
	}
	for (r = 0; r < 6; r++) {
		t0 = now();
		CK(dnnl_primitive_execute(p, st, na, a));
		CK(dnnl_stream_wait(st));
		if (r > 0 && now() - t0 < best)
			best = now() - t0;
	}
	printf("oneDNN LSTM [%s] ", impl);
	for (i = 0; i < na; i++)
		dnnl_memory_destroy(a[i].memory);
	dnnl_primitive_destroy(p);
	dnnl_primitive_desc_destroy(pd);
	return best;
}

/* fwd: the best of 5 forward passes of an L x H network on B x T frames. */
static double
fwd(int L, int H, int B, int T, int train, int prec)
{
	dc_nn_config c;
	dc_model m;
	float *feat, *V;
	dc_nn *n;
	double best = 1e30, t0;
	int64_t i;
	int r;

	memset(&c, 0, sizeof c);
	c.L = L;
	c.H = H;
	c.D = 40;
	c.F = 129;
	c.nfft = 256;
	c.hop = 64;
	c.rate = 8000;
	strcpy(c.window, "sqrt-hann");
	if (dc_model_new(&m, &c, 1) != DC_OK)
		dc_errx(1, "model");
	feat = dc_xcalloc((size_t)B * T * c.F, sizeof *feat);
	V = dc_xcalloc((size_t)B * T * c.F * c.D, sizeof *V);
	for (i = 0; i < (int64_t)B * T * c.F; i++)
		feat[i] = (float)(i % 17) * 0.1f;
	n = dc_nn_new(&m, B, T, 1, train);
	dc_nn_precision(n, prec);
	for (r = 0; r < 6; r++) {
		t0 = now();
		dc_nn_forward(n, V, NULL, feat, B, T);
		if (r > 0 && now() - t0 < best)
			best = now() - t0;
	}
	dc_nn_free(n);
	dc_model_free(&m);
	free(feat);
	free(V);
	return best;
}

int
main(int argc, char **argv)
{
	static const int sh[][4] = { { 400, 8, 300, 1 }, { 1250, 1, 300, 0 }, { 400, 8, 600, 1 } };
	dnnl_engine_t e;
	dnnl_stream_t st;
	int i, prec;

	dc_setprog(argv[0]);
	CK(dnnl_engine_create(&e, dnnl_cpu, 0));
	CK(dnnl_stream_create(&st, e, dnnl_stream_default_flags));
	for (i = 0; i < 3; i++)
		for (prec = DC_MM_F32; prec <= DC_MM_BF16; prec++) {
			int T = sh[i][0], N = sh[i][1], H = sh[i][2], tr = sh[i][3];
			double o = onednn(e, st, T, N, H, prec, tr), d = fwd(2, H, N, T, tr, prec) - fwd(1, H, N, T, tr, prec);
			printf("%.1f ms, dcsep %.1f ms: T=%d B=%d H=%d %s forward (%s)\n", 1e3 * o, 1e3 * d, T, N, H,
			    dc_mm_name(prec), tr ? "training" : "inference");
		}
	dnnl_stream_destroy(st);
	dnnl_engine_destroy(e);
	return 0;
}
