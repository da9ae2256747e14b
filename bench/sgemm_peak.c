/*
 * sgemm_peak.c: what OpenBLAS's sgemm reaches on this machine, the yardstick for
 * the network's GFLOP/s in make bench.
 *
 * usage: sgemm_peak [-t threads] [-n size] [-s seconds]
 * Times C = A B for square float matrices of the given size (default 2048) with
 * OpenBLAS on the given number of threads, repeating for at least the given
 * seconds (default 2), and prints the best GFLOP/s (2 n^3 FLOP per product).
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "dc.h"

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
	int64_t threads = 1, n = 2048, i;
	double secs = 2, best = 0, t0, t, start;
	float *a, *b, *c;
	int opt;

	dc_setprog(argv[0]);
	while ((opt = getopt(argc, argv, "t:n:s:")) != -1) {
		switch (opt) {
		case 't':
			if (dc_parse_int(optarg, 1, 256, &threads))
				dc_errx(2, "-t: threads from 1 to 256: %s", optarg);
			break;
		case 'n':
			if (dc_parse_int(optarg, 64, 16384, &n))
				dc_errx(2, "-n: size from 64 to 16384: %s", optarg);
			break;
		case 's':
			if (dc_parse_num(optarg, 0.1, 600, &secs))
				dc_errx(2, "-s: seconds from 0.1 to 600: %s", optarg);
			break;
		default:
			dc_usage_exit("[-t threads] [-n size] [-s seconds]");
		}
	}
	openblas_set_num_threads((int)threads);
	a = dc_xmalloc((size_t)(n * n) * sizeof *a);
	b = dc_xmalloc((size_t)(n * n) * sizeof *b);
	c = dc_xmalloc((size_t)(n * n) * sizeof *c);
	for (i = 0; i < n * n; i++) {
		a[i] = (float)(i % 7) * 0.1f;
		b[i] = (float)(i % 5) * 0.1f;
		c[i] = 0;
	}
	start = now();
	do {
		t0 = now();
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0f, a,
		    (int)n, b, (int)n, 0.0f, c, (int)n);
		t = now() - t0;
		if (2.0 * n * n * n / t / 1e9 > best)
			best = 2.0 * n * n * n / t / 1e9;
	} while (now() - start < secs);
	printf("sgemm n=%lld threads=%lld core=%s: %.1f GFLOP/s\n", (long long)n, (long long)threads,
	    openblas_get_corename(), best);
	free(a);
	free(b);
	free(c);
	return 0;
}
