/*
 * test_model_io.c: the model file (formats/model.md): save and load round trip bit
 * for bit, checkpoints with training state, atomic writes, and every validation
 * rule of the loader, on files packed here independently of model.c.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "dc.h"
#include "nn.h"
#include "t.h"

static dc_nn_config cfg;

/* The faults pack_model can put into an otherwise valid file. */
enum {
	OK_FILE, BAD_MAGIC, BAD_VERSION, NO_CONFIG_H, BAD_F, BAD_WINDOW, SHORT_PARAMS,
	NAN_PARAM, INF_MEAN, ZERO_STD, BAD_TENSORS, META_NOT_STR, L_TOO_BIG, BAD_TRAIN,
	NEG_ADAM_V, NO_TENSORS, NFAULTS
};
static const char *const fault_name[NFAULTS] = {
	"valid file", "wrong magic", "version 3", "config without H", "F != nfft/2+1",
	"unknown window", "params one float short", "NaN parameter", "infinite feat_mean",
	"zero feat_std", "tensors table of another shape", "meta value not a string",
	"L = 9", "train map without step", "negative adam_v", "no tensors table (optional)",
};

static void
str(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

static void
floats(msgpack_packer *pk, const float *x, size_t n)
{
	msgpack_pack_bin(pk, 4 * n);
	msgpack_pack_bin_body(pk, x, 4 * n);
}

/* pack_model: a model file for cfg with parameters 0.001 i, holding fault. */
static void
pack_model(msgpack_sbuffer *sb, int fault)
{
	msgpack_packer pk;
	size_t np = dc_nn_nparams(&cfg), i;
	float *p = calloc(np, sizeof *p), *mean = calloc((size_t)cfg.F, 4), *std = calloc((size_t)cfg.F, 4);
	int k, nt = dc_nn_ntensors(&cfg);

	for (i = 0; i < np; i++)
		p[i] = 0.001f * (float)i;
	for (k = 0; k < cfg.F; k++) {
		mean[k] = 0.5f;
		std[k] = 2.0f;
	}
	if (fault == NAN_PARAM)
		p[np / 2] = NAN;
	if (fault == INF_MEAN)
		mean[1] = INFINITY;
	if (fault == ZERO_STD)
		std[2] = 0.0f;
	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, fault == NO_TENSORS ? 7 : fault == BAD_TRAIN || fault == NEG_ADAM_V ? 9 : 8);
	str(&pk, "magic");
	str(&pk, fault == BAD_MAGIC ? "dcsep-modem" : "dcsep-model");
	str(&pk, "version");
	msgpack_pack_int(&pk, fault == BAD_VERSION ? 3 : 1);
	str(&pk, "config");
	msgpack_pack_map(&pk, fault == NO_CONFIG_H ? 7 : 8);
	str(&pk, "L");
	msgpack_pack_int(&pk, fault == L_TOO_BIG ? 9 : cfg.L);
	if (fault != NO_CONFIG_H) {
		str(&pk, "H");
		msgpack_pack_int(&pk, cfg.H);
	}
	str(&pk, "D");
	msgpack_pack_int(&pk, cfg.D);
	str(&pk, "F");
	msgpack_pack_int(&pk, fault == BAD_F ? cfg.F + 1 : cfg.F);
	str(&pk, "nfft");
	msgpack_pack_int(&pk, (int)cfg.nfft);
	str(&pk, "hop");
	msgpack_pack_int(&pk, (int)cfg.hop);
	str(&pk, "rate");
	msgpack_pack_int(&pk, (int)cfg.rate);
	str(&pk, "window");
	str(&pk, fault == BAD_WINDOW ? "kaiser" : cfg.window);
	str(&pk, "feat_mean");
	floats(&pk, mean, (size_t)cfg.F);
	str(&pk, "feat_std");
	floats(&pk, std, (size_t)cfg.F);
	if (fault != NO_TENSORS) {
		str(&pk, "tensors");
		msgpack_pack_array(&pk, (size_t)nt);
		for (k = 0; k < nt; k++) {
			char name[64];
			int64_t sh[2];
			size_t off;
			int nd, j;
			dc_nn_tensor(&cfg, k, name, sizeof name, &nd, sh, &off);
			msgpack_pack_array(&pk, 2);
			str(&pk, name);
			msgpack_pack_array(&pk, (size_t)nd);
			for (j = 0; j < nd; j++)
				msgpack_pack_int64(&pk, sh[j] + (fault == BAD_TENSORS && k == 1 && j == 1));
		}
	}
	str(&pk, "params");
	floats(&pk, p, fault == SHORT_PARAMS ? np - 1 : np);
	str(&pk, "meta");
	msgpack_pack_map(&pk, 2);
	str(&pk, "name");
	str(&pk, "tiny");
	str(&pk, "data");
	if (fault == META_NOT_STR)
		msgpack_pack_int(&pk, 3);
	else
		str(&pk, "none");
	if (fault == BAD_TRAIN || fault == NEG_ADAM_V) {
		str(&pk, "train");
		msgpack_pack_map(&pk, fault == BAD_TRAIN ? 2 : 3);
		if (fault != BAD_TRAIN) {
			str(&pk, "step");
			msgpack_pack_int(&pk, 5);
		}
		for (i = 0; i < np; i++)
			p[i] = -1.0f;
		str(&pk, "adam_m");
		floats(&pk, p, np);
		str(&pk, "adam_v");
		floats(&pk, p, np);
	}
	free(p);
	free(mean);
	free(std);
}

static int
same_model(const dc_model *a, const dc_model *b)
{
	int i;

	if (memcmp(&a->cfg, &b->cfg, sizeof a->cfg) != 0 || a->nparams != b->nparams ||
	    memcmp(a->params, b->params, a->nparams * sizeof(float)) != 0 ||
	    memcmp(a->feat_mean, b->feat_mean, (size_t)a->cfg.F * sizeof(float)) != 0 ||
	    memcmp(a->feat_std, b->feat_std, (size_t)a->cfg.F * sizeof(float)) != 0 ||
	    a->nmeta != b->nmeta)
		return 0;
	for (i = 0; i < a->nmeta; i++)
		if (strcmp(a->meta[i].key, b->meta[i].key) || strcmp(a->meta[i].val, b->meta[i].val))
			return 0;
	return 1;
}

int
main(void)
{
	char dir[] = "/tmp/dcsep-model-XXXXXX", path[256], path2[256], name[128];
	dc_model m, r;
	msgpack_sbuffer sb;
	int fault, err;
	size_t i;

	memset(&cfg, 0, sizeof cfg);
	cfg.L = 2;
	cfg.H = 3;
	cfg.D = 2;
	cfg.nfft = 8;
	cfg.F = 5;
	cfg.hop = 4;
	cfg.rate = 16000;
	strcpy(cfg.window, "hann");
	if (mkdtemp(dir) == NULL) {
		printf("FAIL: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(path, sizeof path, "%s/m.dcm", dir);
	snprintf(path2, sizeof path2, "%s/no/such/dir/m.dcm", dir);

	/* round trip */
	T_EQ_INT("dc_model_new", dc_model_new(&m, &cfg, 42), DC_OK);
	for (i = 0; i < (size_t)cfg.F; i++) {
		m.feat_mean[i] = (float)i - 1.5f;
		m.feat_std[i] = 0.25f + (float)i;
	}
	dc_model_meta_set(&m, "name", "tiny");
	dc_model_meta_set(&m, "command", "test_model_io");
	dc_model_meta_set(&m, "name", "tiny2");     /* replaces */
	T_OK("meta replaced, not duplicated", m.nmeta == 2 && strcmp(dc_model_meta_get(&m, "name"), "tiny2") == 0);
	T_OK("meta of a missing key is NULL", dc_model_meta_get(&m, "nope") == NULL);
	T_EQ_INT("save", dc_model_save(&m, path), DC_OK);
	T_EQ_INT("load", dc_model_load(&r, path), DC_OK);
	T_OK("loaded model equals the saved one bit for bit", same_model(&m, &r));
	T_OK("no training state in a plain model", r.adam_m == NULL && r.adam_v == NULL && r.step == 0);
	T_OK("pointers set into the loaded buffer", r.p.lin_b == r.params + r.nparams - (size_t)cfg.F * cfg.D);
	dc_model_free(&r);
	{
		FILE *f = fopen(path, "rb");
		unsigned char head[20];
		T_OK("file starts with a fixed map header, \"magic\", \"dcsep-model\"",
		    f && fread(head, 1, 19, f) == 19 && head[0] == 0x88 && memcmp(head + 2, "magic", 5) == 0 &&
		    memcmp(head + 8, "dcsep-model", 11) == 0);
		if (f)
			fclose(f);
	}

	/* an f16 model read from a file: its parameters converted in place, at the
	 * start of the mapping the file was read into (model.c), equal bit for bit to
	 * the copying path's and to the values saved (k / 64, exact in f16) */
	{
		float *keep = malloc(m.nparams * sizeof *keep);
		dc_model r2;
		FILE *f;
		long at;
		unsigned char *b = NULL;
		size_t n = 0;

		memcpy(keep, m.params, m.nparams * sizeof *keep);
		for (i = 0; i < m.nparams; i++)
			m.params[i] = (float)((int)(i % 201) - 100) / 64.0f;
		m.f16 = 1;
		T_EQ_INT("save f16", dc_model_save(&m, path), DC_OK);
		T_EQ_INT("load f16 from a file", dc_model_load(&r, path), DC_OK);
		T_OK("f16 from a file: parameters in place (maplen set, 64-byte aligned)",
		    r.maplen >= 2 * r.nparams * sizeof(float) && ((uintptr_t)r.params & 63) == 0);
		T_OK("f16 from a file: equal to the saved model bit for bit", same_model(&m, &r) && r.f16 == 1);
		if ((f = fopen(path, "rb")) != NULL) {
			b = malloc(1 << 20);
			n = fread(b, 1, 1 << 20, f);
			fclose(f);
		}
		T_EQ_INT("load f16 from memory (copied)", dc_model_load_mem(&r2, b, n), DC_OK);
		T_OK("... not in place, and equal to the in-place one", r2.maplen == 0 && same_model(&r, &r2));
		dc_model_free(&r2);
		dc_model_free(&r);
		f = fopen(path, "rb");
		at = f && fseek(f, 100, SEEK_SET) == 0 ? ftell(f) : -1;
		T_EQ_INT("load_fp of a file read from position 100: the whole file", f && at == 100 ?
		    dc_model_load_fp(&r, f) : -1, DC_OK);
		T_OK("... equal to the saved model", same_model(&m, &r));
		if (f)
			fclose(f);
		dc_model_free(&r);
		/* the last parameter made +Inf (0x7c00) in the file: refused, m zeroed */
		if (b && n > 8) {
			size_t j, last = 0;
			for (j = 0; j + 8 < n; j++)     /* "params", then bin 8, 16 or 32 */
				if (memcmp(b + j, "\xa6params", 7) == 0 && b[j + 7] >= 0xc4 && b[j + 7] <= 0xc6)
					last = j + 8 + (1u << (b[j + 7] - 0xc4)) + 2 * (m.nparams - 1);
			T_OK("the f16 params found in the file", last > 0 && last + 2 <= n);
			if (last > 0 && last + 2 <= n && (f = fopen(path, "wb")) != NULL) {
				b[last] = 0x00;
				b[last + 1] = 0x7c;
				fwrite(b, 1, n, f);
				fclose(f);
			}
			T_EQ_INT("load f16 with an infinite parameter from a file: DC_EMODEL",
			    dc_model_load(&r, path), DC_EMODEL);
			T_OK("... model zeroed", r.params == NULL && r.maplen == 0 && r.nmeta == 0);
		}
		free(b);
		memcpy(m.params, keep, m.nparams * sizeof *keep);
		free(keep);
		m.f16 = 0;
	}

	/* a file over 1 GiB, sparse (one msgpack map of a 1 GiB bin, no model), is
	 * refused without being read into memory: a large file costs what is looked
	 * at, as a mapped file did (model.c reads a regular file up to 1 GiB whole) */
	{
		static const unsigned char head[] = { 0x81, 0xa1, 'x', 0xc6, 0x40, 0x00, 0x00, 0x00 };
		struct rusage u0, u1;
		FILE *f = fopen(path, "wb");
		int ok = f && fwrite(head, 1, sizeof head, f) == sizeof head && fflush(f) == 0 &&
		    ftruncate(fileno(f), (off_t)sizeof head + ((off_t)1 << 30)) == 0;

		if (f)
			fclose(f);
		T_OK("a sparse file of 1 GiB and 8 bytes", ok);
		getrusage(RUSAGE_SELF, &u0);
		T_EQ_INT("load a sparse 1 GiB file that is no model: DC_EMODEL", ok ?
		    dc_model_load(&r, path) : -1, DC_EMODEL);
		getrusage(RUSAGE_SELF, &u1);
		T_OK("... without reading it into memory (peak RSS up by less than 64 MB)",
		    u1.ru_maxrss - u0.ru_maxrss < 64 * 1024);
		unlink(path);
	}

	/* checkpoint: training state round trip */
	m.adam_m = calloc(m.nparams, sizeof(float));
	m.adam_v = calloc(m.nparams, sizeof(float));
	for (i = 0; i < m.nparams; i++) {
		m.adam_m[i] = -0.5f * (float)i;
		m.adam_v[i] = 0.25f * (float)i;
	}
	m.step = 1234;
	m.train_state = dc_xstrdup("opaque\001state");
	m.train_state_len = 12;
	T_EQ_INT("save checkpoint", dc_model_save(&m, path), DC_OK);
	T_EQ_INT("load checkpoint", dc_model_load(&r, path), DC_OK);
	T_OK("checkpoint: model equal", same_model(&m, &r));
	T_OK("checkpoint: Adam moments, step and state equal", r.adam_m && r.adam_v && r.step == 1234 &&
	    memcmp(r.adam_m, m.adam_m, m.nparams * 4) == 0 && memcmp(r.adam_v, m.adam_v, m.nparams * 4) == 0 &&
	    r.train_state_len == 12 && memcmp(r.train_state, "opaque\001state", 12) == 0);
	dc_model_free(&r);

	/* I/O errors */
	errno = 0;
	T_EQ_INT("load of a missing file: DC_EIO", dc_model_load(&r, path2), DC_EIO);
	T_EQ_INT("... with errno ENOENT", errno, ENOENT);
	T_EQ_INT("save into a missing directory: DC_EIO", dc_model_save(&m, path2), DC_EIO);
	T_EQ_INT("save to /dev/full: DC_EIO", dc_model_save(&m, "/dev/full"), DC_EIO);
	{
		/* an unwritable directory leaves the old model in place and no temporary */
		struct stat st;
		int ok;
		if (geteuid() != 0) {
			chmod(dir, 0500);
			err = dc_model_save(&m, path);
			chmod(dir, 0700);
			T_EQ_INT("save into a read-only directory: DC_EIO", err, DC_EIO);
		}
		ok = dc_model_load(&r, path) == DC_OK;
		T_OK("the previous model is intact after failed saves", ok && same_model(&m, &r));
		if (ok)
			dc_model_free(&r);
		snprintf(name, sizeof name, "%s/no", dir);
		T_OK("no stray directory made", stat(name, &st) != 0);
	}
	dc_model_free(&m);

	/* the loader's validation, on files packed here */
	for (fault = 0; fault < NFAULTS; fault++) {
		pack_model(&sb, fault);
		err = dc_model_load_mem(&r, sb.data, sb.size);
		snprintf(name, sizeof name, "load: %s", fault_name[fault]);
		if (fault == OK_FILE || fault == NO_TENSORS) {
			T_EQ_INT(name, err, DC_OK);
			if (err == DC_OK) {
				snprintf(name, sizeof name, "load: %s: values", fault_name[fault]);
				T_OK(name, r.params[10] == 0.001f * 10.0f && r.feat_std[0] == 2.0f &&
				    strcmp(dc_model_meta_get(&r, "name"), "tiny") == 0);
				dc_model_free(&r);
			}
		} else {
			T_EQ_INT(name, err, DC_EMODEL);
			snprintf(name, sizeof name, "load: %s: model zeroed", fault_name[fault]);
			T_OK(name, r.params == NULL && r.nmeta == 0);
		}
		if (fault == OK_FILE) {
			/* truncations and a trailing byte */
			size_t cut[] = { 0, 1, 20, sb.size / 2, sb.size - 1 };
			char *big = malloc(sb.size + 1);
			int j;
			for (j = 0; j < 5; j++) {
				snprintf(name, sizeof name, "load: truncated to %zu of %zu bytes", cut[j], sb.size);
				T_EQ_INT(name, dc_model_load_mem(&r, sb.data, cut[j]), DC_EMODEL);
			}
			memcpy(big, sb.data, sb.size);
			big[sb.size] = 0;
			T_EQ_INT("load: a trailing byte", dc_model_load_mem(&r, big, sb.size + 1), DC_EMODEL);
			free(big);
		}
		msgpack_sbuffer_destroy(&sb);
	}
	T_OK("every error code has a message", strcmp(dc_strerror(DC_EMODEL), "unknown error") != 0);

	unlink(path);
	rmdir(dir);
	return t_done();
}
