/*
 * bench_nn.c: speed of the network on this machine, in the units of the peer
 * (shared/peers/README.md): training frames/s (forward + loss + backward + Adam
 * step) for a batch of B utterances of T frames, and the real-time factor of
 * inference on one utterance of Ti frames (10 s at 8 kHz, hop 64: 1250).
 *
 * usage: bench_nn [-c 2x300|4x600] [-P f32|mixed|bf16] [-t threads] [-b B] [-T T] [-i Ti] [-n steps]
 * -P: the precision of the large products (dc_nn_precision; default f32). Ends
 * with the process's peak resident memory.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include <cblas.h>

#include "dc.h"
#include "mm.h"
#include "nn.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	dc_nn_config c;
	dc_model m;
	dc_nn *nn;
	int opt, threads = 1, B = 8, T = 400, Ti = 1250, steps = 5, s, L = 2, H = 300, prec = DC_MM_F32;
	struct rusage ru;
	int64_t i, NF;
	float *feat, *V, *dV, *w, *grads, *mo, *vo;
	int32_t *lab;
	double times[64], t0, med;

	dc_setprog(argv[0]);
	while ((opt = getopt(argc, argv, "c:P:t:b:T:i:n:")) != -1) {
		switch (opt) {
		case 'c':
			if (strcmp(optarg, "4x600") == 0)
				L = 4, H = 600;
			else if (strcmp(optarg, "2x300") != 0)
				dc_errx(2, "-c: 2x300 or 4x600");
			break;
		case 'P':
			if ((prec = dc_mm_parse(optarg)) < 0)
				dc_errx(2, "-P: bf16, mixed or f32");
			break;
		case 't': threads = atoi(optarg); break;
		case 'b': B = atoi(optarg); break;
		case 'T': T = atoi(optarg); break;
		case 'i': Ti = atoi(optarg); break;
		case 'n': steps = atoi(optarg); break;
		default:
			dc_usage_exit("[-c 2x300|4x600] [-P f32|mixed|bf16] [-t threads] [-b B] [-T T] [-i Ti] [-n steps]");
		}
	}
	if (steps < 1 || steps > 64)
		steps = 5;
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
	printf("# config %dx%d D=%d, %zu parameters, threads %d, products %s (oneDNN), recurrent "
	    "steps %s, openblas core %s\n", L, H, c.D, m.nparams, threads, dc_mm_name(prec),
	    dc_nn_avx512() ? "AVX-512" : "AVX2", openblas_get_corename());

	if (B > 0) {
		NF = (int64_t)B * T * c.F;
		feat = malloc((size_t)NF * sizeof *feat);
		w = malloc((size_t)NF * sizeof *w);
		lab = malloc((size_t)NF * sizeof *lab);
		V = malloc((size_t)NF * c.D * sizeof *V);
		dV = malloc((size_t)NF * c.D * sizeof *dV);
		grads = calloc(m.nparams, sizeof *grads);
		mo = calloc(m.nparams, sizeof *mo);
		vo = calloc(m.nparams, sizeof *vo);
		srand(1);
		for (i = 0; i < NF; i++) {
			feat[i] = (float)rand() / RAND_MAX * 4.0f - 2.0f;
			lab[i] = rand() & 1;
			w[i] = rand() % 5 ? 1.0f : 0.0f;
		}
		nn = dc_nn_new(&m, B, T, threads, 1);
		dc_nn_precision(nn, prec);
		for (s = -1; s < steps; s++) {
			double loss;
			t0 = now();
			memset(grads, 0, m.nparams * sizeof *grads);
			dc_nn_forward(nn, V, NULL, feat, B, T);
			loss = dc_nn_loss(nn, dV, V, lab, w, B, T, 2);
			dc_nn_backward(nn, grads, NULL, dV, feat, B, T);
			/* clipping and Adam, as dc-train does them */
			(void)sqrt(dc_nn_sumsq(nn, grads, m.nparams));
			dc_nn_adam(nn, m.params, mo, vo, grads, m.nparams, 1e-6f, 1e-5, s + 2);
			if (s >= 0)
				times[s] = now() - t0;
			(void)loss;
		}
		qsort(times, (size_t)steps, sizeof *times, cmpd);
		med = times[steps / 2];
		printf("train %dx%d B=%d T=%d threads=%d: %.1f ms/step (min %.1f) -> %.0f frames/s\n", L, H,
		    B, T, threads, 1e3 * med, 1e3 * times[0], B * T / med);
		dc_nn_free(nn);
		free(feat);
		free(w);
		free(lab);
		free(V);
		free(dV);
		free(grads);
		free(mo);
		free(vo);
	}
	if (Ti > 0) {
		NF = (int64_t)Ti * c.F;
		feat = malloc((size_t)NF * sizeof *feat);
		V = malloc((size_t)NF * c.D * sizeof *V);
		for (i = 0; i < NF; i++)
			feat[i] = (float)rand() / RAND_MAX * 4.0f - 2.0f;
		t0 = now();
		nn = dc_nn_new(&m, 1, Ti, threads, 0);
		dc_nn_precision(nn, prec);
		dc_nn_forward(nn, V, NULL, feat, 1, Ti);
		printf("infer first call (with workspace allocation) %.1f ms\n", 1e3 * (now() - t0));
		for (s = 0; s < steps; s++) {
			t0 = now();
			dc_nn_forward(nn, V, NULL, feat, 1, Ti);
			times[s] = now() - t0;
		}
		qsort(times, (size_t)steps, sizeof *times, cmpd);
		med = times[steps / 2];
		printf("infer %dx%d T=%d (%.1f s) threads=%d: %.1f ms (min %.1f) -> RTF %.4f\n", L, H, Ti,
		    Ti * 64 / 8000.0, threads, 1e3 * med, 1e3 * times[0], med / (Ti * 64 / 8000.0));
		dc_nn_free(nn);
		free(feat);
		free(V);
	}
	dc_model_free(&m);
	getrusage(RUSAGE_SELF, &ru);
	printf("peak memory %.0f MiB\n", ru.ru_maxrss / 1024.0);
	return 0;
}
