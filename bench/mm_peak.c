/*
 * mm_peak.c: what dc_mm_gemm (oneDNN's matmul, libcommon/mm.c) reaches on this
 * machine on one thread, in fp32 and with bf16 operands, beside each other for
 * make bench; and whether the CPU runs bf16 products natively.
 *
 * usage: mm_peak [-n size] [-s seconds]
 * Times C = A B for square float matrices of the given size (default 2048) in each
 * precision (bf16 includes rounding the operands, n^2 work beside the product's
 * n^3), repeating for at least the given seconds (default 2), and prints the best
 * GFLOP/s (2 n^3 FLOP per product).
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "dc.h"
#include "mm.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	int64_t n = 2048, i;
	double secs = 2;
	float *a, *b, *c;
	int opt, prec;

	dc_setprog(argv[0]);
	while ((opt = getopt(argc, argv, "n:s:")) != -1) {
		switch (opt) {
		case 'n':
			if (dc_parse_int(optarg, 64, 16384, &n))
				dc_errx(2, "-n: size from 64 to 16384: %s", optarg);
			break;
		case 's':
			if (dc_parse_num(optarg, 0.1, 600, &secs))
				dc_errx(2, "-s: seconds from 0.1 to 600: %s", optarg);
			break;
		default:
			dc_usage_exit("[-n size] [-s seconds]");
		}
	}
	a = dc_xmalloc((size_t)(n * n) * sizeof *a);
	b = dc_xmalloc((size_t)(n * n) * sizeof *b);
	c = dc_xmalloc((size_t)(n * n) * sizeof *c);
	for (i = 0; i < n * n; i++) {
		a[i] = (float)(i % 7) * 0.1f;
		b[i] = (float)(i % 5) * 0.1f;
		c[i] = 0;
	}
	printf("bf16 products: %s, default precision %s in training, %s in inference\n",
	    dc_mm_bf16_cpu() ? "yes" : "no", dc_mm_name(dc_mm_default(0)), dc_mm_name(dc_mm_default(1)));
	for (prec = DC_MM_F32; prec <= DC_MM_BF16; prec++) {
		dc_mm *x = dc_mm_new(prec);
		double best = 0, t0, t, start = now();
		if (prec == DC_MM_BF16 && !dc_mm_bf16_cpu()) {
			dc_mm_free(x);
			break;
		}
		do {
			t0 = now();
			dc_mm_gemm(x, 0, 0, (int)n, (int)n, (int)n, a, n, b, n, 0, c, n);
			t = now() - t0;
			if (2.0 * n * n * n / t / 1e9 > best)
				best = 2.0 * n * n * n / t / 1e9;
		} while (now() - start < secs);
		printf("mm n=%lld %s threads=1: %.1f GFLOP/s\n", (long long)n, dc_mm_name(prec), best);
		dc_mm_free(x);
	}
	free(a);
	free(b);
	free(c);
	return 0;
}
