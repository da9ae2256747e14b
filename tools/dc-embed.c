/*
 * dc-embed: STFTs in, deep clustering embeddings out (formats/stream.md).
 *
 * For each utterance, the last "stft" record (complex64, T x F) becomes the
 * features log(|X| + 1e-8), the network of the model (formats/model.md,
 * libcommon/nn.c) maps them to unit-length D-vectors, and an "embed" record
 * (float32, T x F x D, key model = the model's name) is appended. Every record
 * passes through unchanged.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "dc.h"
#include "mm.h"
#include "nn.h"

#ifndef DC_PREFIX
#define DC_PREFIX "/usr/local"
#endif
#define MODEL_REL "share/dcsep/models/default.dcm"

static const char usage[] = "[-m model] [-P bf16 | f32] [-t threads] [file]";

static void
help(void)
{
	printf("usage: dc-embed %s\n"
	    "Appends the deep clustering embeddings of each utterance's STFT to the stream.\n"
	    "  -m model    model file (default: $DCSEP_MODEL, else the installed default.dcm)\n"
	    "  -P bf16|f32 the precision of the network's large products: bf16 operands\n"
	    "              with fp32 sums, or fp32 (default: bf16 where it is faster)\n"
	    "  -t threads  threads, 1 to %d (1)\n"
	    "  -h          this help\n"
	    "Reads the stream from file, or stdin if none or '-'. See dc-embed(1).\n", usage,
	    DC_NN_MAXTHREADS);
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
		snprintf(buf, n, "%s/../../models/default.dcm", exe);
		if (exists(buf))
			return buf;
		snprintf(tried, tn, "%s, ", buf);
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

int
main(int argc, char **argv)
{
	const char *mpath = NULL, *name = "stdin";
	char pbuf[PATH_MAX + 64], tried[2 * PATH_MAX + 128], mname[256];
	dc_model m;
	dc_nn *nn = NULL;
	dc_reader *rd;
	dc_writer *w;
	dc_record hdr;
	dc_utt u = { 0 };
	float *feat = NULL, *emb = NULL;
	size_t featcap = 0, embcap = 0;
	int64_t v;
	int c, err, threads = 1, prec, fallback;
	const char *parg = NULL;

	dc_setprog(argv[0]);
	while ((c = getopt(argc, argv, "m:P:t:h")) != -1) {
		switch (c) {
		case 'm':
			mpath = optarg;
			break;
		case 'P':
			if (dc_mm_parse(optarg) < 0)
				dc_errx(2, "-P: precision must be bf16 or f32: %s", optarg);
			parg = optarg;
			break;
		case 't':
			if (dc_parse_int(optarg, 1, DC_NN_MAXTHREADS, &v))
				dc_errx(2, "-t: threads must be an integer from 1 to %d: %s", DC_NN_MAXTHREADS, optarg);
			threads = (int)v;
			break;
		case 'h':
			help();
			return 0;
		default:
			dc_usage_exit(usage);
		}
	}
	if (argc - optind > 1)
		dc_usage_exit(usage);
	prec = dc_mm_choose(parg, &fallback);
	if (fallback)
		dc_warnx("-P bf16: this CPU has no bf16 products (AVX512_BF16 or AMX-BF16): f32");
	if (mpath == NULL && (mpath = default_model(pbuf, sizeof pbuf, tried, sizeof tried)) == NULL)
		dc_errx(1, "no model: give -m or set DCSEP_MODEL (no file at %s)", tried);
	if ((err = dc_model_load(&m, mpath)) != DC_OK)
		dc_errx(1, "%s: %s", mpath, dc_errmsg(err));
	model_name(&m, mpath, mname, sizeof mname);
	dc_stdout_not_tty();
	rd = dc_open_stream(argc > optind ? argv[optind] : NULL, &hdr, &name);
	w = dc_writer_file(stdout);
	dc_write_header(w, &hdr, "dc-embed");
	while ((err = dc_read_utt(rd, &u)) == DC_OK) {
		const dc_nn_config *mc = &m.cfg;
		dc_stft_params p;
		dc_record *sr;
		dc_tensor X, E;
		dc_recb b;
		int64_t T, F;
		char id[256];

		if (dc_utt_id(&u, id, sizeof id) != DC_OK)
			dc_errx(1, "%s: utt record: %s", name, dc_strerror(DC_EKEY));
		if ((sr = dc_utt_find(&u, "stft")) == NULL)
			dc_errx(1, "%s: no stft record", id);
		dc_get_stft(id, sr, &X, &p);
		if (p.rate != mc->rate || p.nfft != mc->nfft || p.hop != mc->hop ||
		    strcmp(p.window, mc->window) != 0)
			dc_errx(1, "%s: stft record: rate %lld, nfft %lld, hop %lld, %s window; the model "
			    "reads rate %lld, nfft %lld, hop %lld, %s window", id, (long long)p.rate,
			    (long long)p.nfft, (long long)p.hop, p.window, (long long)mc->rate,
			    (long long)mc->nfft, (long long)mc->hop, mc->window);
		T = X.shape[0];
		F = X.shape[1];
		if (F != mc->F)
			dc_errx(1, "%s: stft record: %lld bins, the model reads %d", id, (long long)F, mc->F);
		if (T > INT_MAX / 2)
			dc_errx(1, "%s: stft record: %s", id, dc_strerror(DC_ELIMIT));
		if (T * F * mc->D > dc_limit_elems())
			dc_errx(1, "%s: embed record: %s", id, dc_strerror(DC_ELIMIT));
		/* the buffers grow to the longest utterance and are reused */
		if ((size_t)(T * F) > featcap) {
			free(feat);
			free(emb);
			featcap = (size_t)(T * F);
			embcap = featcap * (size_t)mc->D;
			feat = dc_nn_alloc(featcap * sizeof *feat);
			emb = dc_nn_alloc(embcap * sizeof *emb);
		}
		dc_nn_features(feat, X.data, T, F);
		dc_tensor_free(&X);
		if (T > 0) {
			if (nn == NULL) {
				nn = dc_nn_new(&m, 1, (int)T, threads, 0);
				dc_nn_precision(nn, prec);
			}
			dc_nn_forward(nn, emb, NULL, feat, 1, (int)T);
		}
		memset(&E, 0, sizeof E);
		E.dtype = DC_F32;
		E.ndim = 3;
		E.shape[0] = T;
		E.shape[1] = F;
		E.shape[2] = mc->D;
		E.data = emb;
		/* a model whose activations overflow gives NaN: say so, write nothing of it */
		if (dc_tensor_finite(&E) != DC_OK)
			dc_errx(1, "%s: embed record: %s", id, dc_strerror(DC_ENONFINITE));
		/* the utterance as it came, then the new record at its end */
		dc_write_utt(w, &u);
		dc_recb_init(&b, "embed");
		dc_recb_str(&b, "model", mname);
		dc_recb_tensor(&b, &E);
		dc_write_recb(w, &b);
		if (dc_writer_error(w))
			break;
	}
	if (err != DC_OK && err != DC_EEOF)
		dc_stream_fail(name, rd, err);
	dc_nn_free(nn);
	free(feat);
	free(emb);
	dc_model_free(&m);
	dc_utt_free(&u);
	dc_record_free(&hdr);
	dc_reader_free(rd);
	dc_writer_finish(w);
	return 0;
}
