/*
 * dc-dump: shows what a dcsep stream holds (formats/stream.md), one line per
 * record, as text or as JSON lines; exports one tensor as a .npy file.
 *
 * It reads records one by one (dc_read) after the header, so it shows streams
 * that other tools refuse: records outside an utterance, unknown kinds, tensors
 * whose shape disagrees with their data. Lines for the records before a read
 * error are printed before the error is reported. In an utterance in blocks, a
 * record's utterance is shown with its block's number ("mix#3"; JSON: "block": 3),
 * the block records included, unchecked: dc-dump shows blocks out of order too.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "dc.h"
#include "nn.h"

static const char usage[] = "[-j] [-u id] [file]\n"
    "       dc-dump -H [-j] [file]\n"
    "       dc-dump -x kind[:n] -o file.npy [-u id] [file]\n"
    "       dc-dump -M [-j] [-x tensor -o file.npy] [model.dcm]";

static void
help(void)
{
	printf("usage: dc-dump %s\n"
	    "Shows the records of a dcsep stream, one line each: record number, kind,\n"
	    "utterance, and for a tensor its shape, dtype, min, max, mean and NaN and Inf\n"
	    "counts (of the magnitudes for complex64), then the record's other keys.\n"
	    "  -j             one JSON object per record (JSON lines)\n"
	    "  -H             print the header's history, one tool a line\n"
	    "  -u id          only the records of the utterance with this id\n"
	    "  -x kind[:n]    export the n-th record of that kind (1, the first, by\n"
	    "                 default; counted within -u's utterance if given) ...\n"
	    "  -o file.npy    ... to this NumPy file ('-' is stdout)\n"
	    "  -M             read a model file: its configuration, each tensor's shape\n"
	    "                 and statistics, its metadata; -x names a tensor to export\n"
	    "  -h             this help (--help too; --version: the version)\n"
	    "With no file, or '-', reads stdin. See dc-dump(1).\n", usage);
}

static int jflag;

/* ---------------------------------------------------------------- values */

/* json_str: s[0..n) as a JSON string on stdout (text.h). */
static void
json_str(const char *s, size_t n)
{
	dc_json_str(stdout, s, n);
}

/* text_str: a string as is if it reads as one word, else as a JSON string. */
static void
text_str(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c == '"' || c == '\\' || c == '=' || c == 0x7f || c >= 0x80)
			break;
	}
	if (n > 0 && i == n)
		fwrite(s, 1, n, stdout);
	else
		json_str(s, n);
}

/* num: a double as a JSON number, or null if it is not finite. */
static void
num(double v, int digits)
{
	if (isfinite(v))
		printf("%.*g", digits, v);
	else
		fputs(jflag ? "null" : "-", stdout);
}

static int
is_scalar(const msgpack_object *o)
{
	return o->type != MSGPACK_OBJECT_ARRAY && o->type != MSGPACK_OBJECT_MAP;
}

/* value: one msgpack value, as JSON (-j) or as text (arrays of up to 16 scalars in
 * brackets, larger containers and bins by their size). */
static void
value(const msgpack_object *o)
{
	uint32_t i;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		fputs("null", stdout);
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		fputs(o->via.boolean ? "true" : "false", stdout);
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		printf("%llu", (unsigned long long)o->via.u64);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		printf("%lld", (long long)o->via.i64);
		break;
	case MSGPACK_OBJECT_FLOAT32:
		num(o->via.f64, 9);
		break;
	case MSGPACK_OBJECT_FLOAT64:
		num(o->via.f64, 17);
		break;
	case MSGPACK_OBJECT_STR:
		(jflag ? json_str : text_str)(o->via.str.ptr, o->via.str.size);
		break;
	case MSGPACK_OBJECT_BIN:
		printf(jflag ? "{\"bin\":%u}" : "bin(%u)", o->via.bin.size);
		break;
	case MSGPACK_OBJECT_EXT:
		printf(jflag ? "{\"ext\":%u}" : "ext(%u)", o->via.ext.size);
		break;
	case MSGPACK_OBJECT_ARRAY:
		if (!jflag) {
			for (i = 0; i < o->via.array.size; i++)
				if (!is_scalar(&o->via.array.ptr[i]))
					break;
			if (o->via.array.size > 16 || i < o->via.array.size) {
				printf("array(%u)", o->via.array.size);
				break;
			}
		}
		putchar('[');
		for (i = 0; i < o->via.array.size; i++) {
			if (i)
				putchar(',');
			value(&o->via.array.ptr[i]);
		}
		putchar(']');
		break;
	case MSGPACK_OBJECT_MAP:
		if (!jflag) {
			printf("map(%u)", o->via.map.size);
			break;
		}
		putchar('{');
		for (i = 0; i < o->via.map.size; i++) {
			const msgpack_object *k = &o->via.map.ptr[i].key;
			if (i)
				putchar(',');
			if (k->type == MSGPACK_OBJECT_STR)
				json_str(k->via.str.ptr, k->via.str.size);
			else {      /* JSON keys are strings: a number or other key is quoted */
				putchar('"');
				if (k->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
					printf("%llu", (unsigned long long)k->via.u64);
				else if (k->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
					printf("%lld", (long long)k->via.i64);
				else
					fputs("?", stdout);
				putchar('"');
			}
			putchar(':');
			value(&o->via.map.ptr[i].val);
		}
		putchar('}');
		break;
	}
}

/* keys: the record's keys but kind (and dtype, shape, data of a good tensor):
 * " key=value" each as text, or "key":value pairs as JSON. */
static void
keys(const dc_record *r, int tensor_ok)
{
	const msgpack_object *m = DC_REC_CMAP(r);
	uint32_t i;
	int first = 1;

	for (i = 0; i < m->via.map.size; i++) {
		const msgpack_object *k = &m->via.map.ptr[i].key;
		static const char *const skip[] = { "kind", "dtype", "shape", "data" };
		int j, nskip = tensor_ok ? 4 : 1, skipped = 0;

		if (k->type != MSGPACK_OBJECT_STR)
			continue;
		for (j = 0; j < nskip; j++)
			skipped |= k->via.str.size == strlen(skip[j]) &&
			    memcmp(k->via.str.ptr, skip[j], k->via.str.size) == 0;
		if (skipped)
			continue;
		if (jflag) {
			if (!first)
				putchar(',');
			json_str(k->via.str.ptr, k->via.str.size);
			putchar(':');
		} else {
			putchar(' ');
			text_str(k->via.str.ptr, k->via.str.size);
			putchar('=');
		}
		value(&m->via.map.ptr[i].val);
		first = 0;
	}
}

/* ---------------------------------------------------------------- tensors */

struct stats {
	int64_t nan, inf, fin;
	double min, max, sum;
};

/* stats: min, max and mean of the finite elements (of the magnitudes for
 * complex64), and how many are NaN and how many infinite. */
static void
stats(const dc_tensor *t, struct stats *s)
{
	int64_t i, n = dc_tensor_count(t);

	memset(s, 0, sizeof *s);
	s->min = INFINITY;
	s->max = -INFINITY;
	for (i = 0; i < n; i++) {
		double v = 0;
		switch (t->dtype) {
		case DC_F32:
			v = ((const float *)t->data)[i];
			break;
		case DC_C64:
			v = hypot(((const float *)t->data)[2 * i], ((const float *)t->data)[2 * i + 1]);
			break;
		case DC_I32:
			v = ((const int32_t *)t->data)[i];
			break;
		case DC_U8:
			v = ((const uint8_t *)t->data)[i];
			break;
		case DC_F64:
			v = ((const double *)t->data)[i];
			break;
		case DC_I16:
			v = ((const int16_t *)t->data)[i];
			break;
		}
		if (isnan(v))
			s->nan++;
		else if (isinf(v))
			s->inf++;
		else {
			s->fin++;
			s->sum += v;
			if (v < s->min)
				s->min = v;
			if (v > s->max)
				s->max = v;
		}
	}
}

static int
is_int(int dtype)
{
	return dtype == DC_I32 || dtype == DC_U8 || dtype == DC_I16;
}

static void
print_tensor(const dc_tensor *t)
{
	struct stats s;
	int i, d = t->dtype == DC_F64 ? 17 : 9;
	double mean;

	stats(t, &s);
	mean = s.fin ? s.sum / (double)s.fin : NAN;
	if (!s.fin)
		s.min = s.max = NAN;
	if (jflag) {
		printf(",\"dtype\":\"%s\",\"shape\":[", dc_dtype_name(t->dtype));
		for (i = 0; i < t->ndim; i++)
			printf(i ? ",%lld" : "%lld", (long long)t->shape[i]);
		fputs("],\"min\":", stdout);
	} else {
		putchar(' ');
		for (i = 0; i < t->ndim; i++)
			printf(i ? "x%lld" : "%lld", (long long)t->shape[i]);
		printf(" %s min=", dc_dtype_name(t->dtype));
	}
	if (is_int(t->dtype) && s.fin)
		printf("%lld", (long long)s.min);
	else
		num(s.min, d);
	fputs(jflag ? ",\"max\":" : " max=", stdout);
	if (is_int(t->dtype) && s.fin)
		printf("%lld", (long long)s.max);
	else
		num(s.max, d);
	fputs(jflag ? ",\"mean\":" : " mean=", stdout);
	num(mean, d);
	printf(jflag ? ",\"nan\":%lld,\"inf\":%lld" : " nan=%lld inf=%lld", (long long)s.nan,
	    (long long)s.inf);
}

/* ---------------------------------------------------------------- npy */

/* npy_write: t as a NumPy .npy file (format 1.0), atomically; "-" is stdout. */
static int
npy_write(const char *path, const dc_tensor *t)
{
	static const char *const descr[] = {
		[DC_F32] = "<f4", [DC_C64] = "<c8", [DC_I32] = "<i4", [DC_U8] = "|u1",
		[DC_F64] = "<f8", [DC_I16] = "<i2",
	};
	char h[512], dims[200] = "";
	size_t n = 0, len, bytes = (size_t)dc_tensor_count(t) * dc_dtype_size(t->dtype);
	int i, tostdout = strcmp(path, "-") == 0;
	dc_atomic a;
	FILE *f;

	for (i = 0; i < t->ndim; i++)
		n += (size_t)snprintf(dims + n, sizeof dims - n, i ? ", %lld" : "%lld", (long long)t->shape[i]);
	if (t->ndim == 1)
		strcat(dims, ",");
	memcpy(h, "\x93NUMPY\x01\x00", 8);
	len = 10 + (size_t)snprintf(h + 10, sizeof h - 10,
	    "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr[t->dtype], dims);
	while ((len + 1) % 64)      /* the data starts 64-byte aligned; the header ends in \n */
		h[len++] = ' ';
	h[len++] = '\n';
	h[8] = (char)((len - 10) & 0xff);
	h[9] = (char)((len - 10) >> 8);
	if (tostdout)
		f = stdout;
	else if ((f = dc_atomic_open(&a, path)) == NULL)
		return DC_EIO;
	if (fwrite(h, 1, len, f) != len || (bytes && fwrite(t->data, 1, bytes, f) != bytes)) {
		int e = errno;
		if (!tostdout)
			dc_atomic_abort(&a);
		errno = e;
		return DC_EIO;
	}
	return tostdout ? DC_OK : dc_atomic_commit(&a);
}

/* ---------------------------------------------------------------- models */

/* model_tensor: the i-th tensor of m (-2: feat_mean, -1: feat_std) as a dc_tensor
 * pointing into m, and its name. */
static void
model_tensor(const dc_model *m, int i, dc_tensor *t, char *name, size_t n)
{
	size_t off;
	int64_t shape[2];
	int nd, j;

	memset(t, 0, sizeof *t);
	t->dtype = DC_F32;
	if (i < 0) {
		snprintf(name, n, "%s", i == -2 ? "feat_mean" : "feat_std");
		t->ndim = 1;
		t->shape[0] = m->cfg.F;
		t->data = i == -2 ? m->feat_mean : m->feat_std;
		return;
	}
	dc_nn_tensor(&m->cfg, i, name, n, &nd, shape, &off);
	t->ndim = nd;
	for (j = 0; j < nd; j++)
		t->shape[j] = shape[j];
	t->data = m->params + off;
}

/* dump_model: the -M listing of a model file, or with xname its tensor of that
 * name as a .npy file; exits on an error. */
static void
dump_model(const char *path, const char *xname, const char *out)
{
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
	const dc_nn_config *c;
	dc_model m;
	dc_tensor t;
	char tn[64];
	int err, i, nt;

	if (strcmp(path, "-") == 0)
		err = dc_model_load_fp(&m, stdin);
	else
		err = dc_model_load(&m, path);
	if (err != DC_OK)
		dc_errx(1, "%s: %s", name, dc_model_errmsg(path, err));
	c = &m.cfg;
	nt = dc_nn_ntensors(c);
	if (xname) {
		for (i = -2; i < nt; i++) {
			model_tensor(&m, i, &t, tn, sizeof tn);
			if (strcmp(tn, xname) == 0)
				break;
		}
		if (i == nt)
			dc_errx(1, "%s: no tensor '%s' (feat_mean, feat_std, blstm.*, lin.weight, lin.bias)",
			    name, xname);
		if (npy_write(out, &t) != DC_OK) {
			int e = errno;
			dc_model_free(&m);
			dc_errx(1, "%s: %s", strcmp(out, "-") ? out : "stdout", strerror(e));
		}
		dc_model_free(&m);
		dc_finish_stdout();
		return;
	}
	if (jflag) {
		printf("{\"kind\":\"model\",\"L\":%d,\"H\":%d,\"D\":%d,\"F\":%d,\"rate\":%lld,"
		    "\"nfft\":%lld,\"hop\":%lld,\"window\":", c->L, c->H, c->D, c->F, (long long)c->rate,
		    (long long)c->nfft, (long long)c->hop);
		json_str(c->window, strlen(c->window));
		printf(",\"params\":%zu,\"weights\":\"%s\",\"checkpoint\":%s}\n", m.nparams,
		    m.f16 ? "f16" : "f32", m.adam_m ? "true" : "false");
	} else {
		printf("model L=%d H=%d D=%d F=%d rate=%lld nfft=%lld hop=%lld window=", c->L, c->H,
		    c->D, c->F, (long long)c->rate, (long long)c->nfft, (long long)c->hop);
		text_str(c->window, strlen(c->window));
		printf(" params=%zu weights=%s checkpoint=%s\n", m.nparams, m.f16 ? "f16" : "f32",
		    m.adam_m ? "yes" : "no");
	}
	for (i = -2; i < nt; i++) {
		model_tensor(&m, i, &t, tn, sizeof tn);
		if (jflag) {
			fputs("{\"kind\":\"tensor\",\"name\":", stdout);
			json_str(tn, strlen(tn));
			print_tensor(&t);
			fputs("}\n", stdout);
		} else {
			printf("tensor %s", tn);
			print_tensor(&t);
			putchar('\n');
		}
	}
	for (i = 0; i < m.nmeta; i++) {
		const char *k = m.meta[i].key, *v = m.meta[i].val;
		if (jflag) {
			fputs("{\"kind\":\"meta\",\"key\":", stdout);
			json_str(k, strlen(k));
			fputs(",\"value\":", stdout);
			json_str(v, strlen(v));
			fputs("}\n", stdout);
		} else {
			fputs("meta ", stdout);
			text_str(k, strlen(k));
			putchar('=');
			text_str(v, strlen(v));
			putchar('\n');
		}
	}
	if (m.adam_m)
		printf(jflag ? "{\"kind\":\"train\",\"step\":%lld,\"state_bytes\":%zu}\n" :
		    "train step=%lld state_bytes=%zu\n", (long long)m.step, m.train_state_len);
	dc_model_free(&m);
	dc_finish_stdout();
}

/* ---------------------------------------------------------------- main */

/* kind_msg: the record's kind for a message, control characters as '?'. */
static const char *
kind_msg(const dc_record *r)
{
	static char buf[sizeof r->kind];
	char *p;

	memcpy(buf, r->kind, sizeof buf);
	for (p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return buf;
}

/* utt_id: the "id" of a utt record, or "?" if it has none. */
static void
utt_id(const dc_record *r, char *buf, size_t n)
{
	if (dc_rec_str(r, "id", buf, n) != DC_OK)
		snprintf(buf, n, "?");
}

static void
print_history(const dc_record *hdr)
{
	const msgpack_object *h = dc_rec_get(hdr, "history");
	uint32_t i;

	if (jflag) {
		if (h && h->type == MSGPACK_OBJECT_ARRAY)
			value(h);
		else
			fputs("[]", stdout);
		putchar('\n');
		return;
	}
	if (h && h->type == MSGPACK_OBJECT_ARRAY)
		for (i = 0; i < h->via.array.size; i++) {
			value(&h->via.array.ptr[i]);
			putchar('\n');
		}
}

/* line: one record's line; returns DC_OK, or the error of a tensor record whose
 * dtype, shape or data do not agree (the line then shows the raw keys). blk is
 * the number of the block the record is in (its utterance's, from 0), or -1. */
static int
line(const dc_record *r, uint64_t no, uint64_t off, uint64_t end, const char *utt, int64_t blk)
{
	dc_tensor t;
	int err = DC_OK, tensor = dc_rec_has_tensor(r);

	if (tensor)
		err = dc_rec_tensor(r, &t);
	if (jflag) {
		printf("{\"record\":%llu,\"offset\":%llu,\"bytes\":%llu,\"kind\":", (unsigned long long)no,
		    (unsigned long long)off, (unsigned long long)(end - off));
		json_str(r->kind, strlen(r->kind));
		fputs(",\"utt\":", stdout);
		if (utt)
			json_str(utt, strlen(utt));
		else
			fputs("null", stdout);
		if (blk >= 0)
			printf(",\"block\":%lld", (long long)blk);
		if (tensor && err == DC_OK)
			print_tensor(&t);
		if (err != DC_OK) {
			fputs(",\"error\":", stdout);
			json_str(dc_strerror(err), strlen(dc_strerror(err)));
		}
		fputs(",\"keys\":{", stdout);
		keys(r, tensor && err == DC_OK);
		fputs("}}\n", stdout);
	} else {
		printf("%llu ", (unsigned long long)no);
		text_str(r->kind, strlen(r->kind));
		putchar(' ');
		if (utt)
			text_str(utt, strlen(utt));
		else
			putchar('-');
		if (blk >= 0)
			printf("#%lld", (long long)blk);
		if (tensor && err == DC_OK)
			print_tensor(&t);
		if (err != DC_OK) {
			fputs(" error=", stdout);
			json_str(dc_strerror(err), strlen(dc_strerror(err)));
		}
		keys(r, tensor && err == DC_OK);
		putchar('\n');
	}
	if (tensor && err == DC_OK)
		dc_tensor_free(&t);
	return err;
}

/* The options (jflag, -j, is above). */
static struct {
	const char *path;       /* the stream or model, "-" for stdin */
	const char *uid;        /* -u */
	const char *xarg;       /* -x as given */
	const char *xkind;      /* -x's kind (NULL: no -x) */
	const char *out;        /* -o */
	char xk[32];            /* xkind's storage */
	int64_t xn;             /* -x's n */
	int H, M;               /* -H, -M */
} opt = { .path = "-", .xn = 1 };

/* parse_x: -x kind[:n]. */
static void
parse_x(const char *arg)
{
	const char *colon = strchr(arg, ':');
	size_t kl = colon ? (size_t)(colon - arg) : strlen(arg);

	opt.xarg = arg;
	if (kl == 0 || kl >= sizeof opt.xk)
		dc_errx(2, "-x: a record kind of 1 to %zu characters: %s", sizeof opt.xk - 1, arg);
	if (colon && dc_parse_int(colon + 1, 1, INT64_MAX, &opt.xn))
		dc_errx(2, "-x: n must be a positive integer: %s", arg);
	memcpy(opt.xk, arg, kl);
	opt.xk[kl] = '\0';
	opt.xkind = opt.xk;
}

/* parse_opts: the options and the file operand into opt; exits 2 on a bad one
 * or a combination that does not go together. */
static void
parse_opts(int argc, char **argv)
{
	const char *path;
	int c;

	while ((c = dc_getopt(argc, argv, "jHMu:x:o:h", usage, help)) != -1) {
		switch (c) {
		case 'j':
			jflag = 1;
			break;
		case 'H':
			opt.H = 1;
			break;
		case 'M':
			opt.M = 1;
			break;
		case 'u':
			opt.uid = optarg;
			break;
		case 'x':
			parse_x(optarg);
			break;
		case 'o':
			opt.out = optarg;
			break;
		}
	}
	if ((path = dc_arg_path(argc, argv, usage)) != NULL)
		opt.path = path;
	if (opt.xkind && !opt.out)
		dc_errx(2, "-x: needs -o file.npy");
	if (opt.out && !opt.xkind)
		dc_errx(2, "-o: only with -x");
	if (opt.M && (opt.H || opt.uid))
		dc_errx(2, "-M: not with -H or -u");
	if (opt.H && (opt.xkind || opt.uid))
		dc_errx(2, "-H: not with -x or -u");
	if (opt.xkind && jflag)
		dc_errx(2, "-j: not with -x");
	if (opt.out && strcmp(opt.out, "-") == 0)
		dc_stdout_not_tty("a .npy file");
	/* the file read is never the one -o replaces (device and inode) */
	dc_out_input(opt.path);
	if (opt.out && strcmp(opt.out, "-") != 0 && dc_out_isinput(opt.out))
		dc_errx(1, "%s: the output is also an input", opt.out);
}

/* export: record r's tensor to -o's file, then the end of the run (exit 0, or 1
 * on a failure). */
static _Noreturn void
export(dc_reader *rd, dc_record *r, const char *name)
{
	dc_tensor t;
	int err;

	if (!dc_rec_has_tensor(r))
		dc_errx(1, "%s: record %llu (%s) holds no tensor", name,
		    (unsigned long long)dc_reader_count(rd), kind_msg(r));
	if ((err = dc_rec_tensor(r, &t)) != DC_OK)
		dc_errx(1, "%s: record %llu (%s): %s", name, (unsigned long long)dc_reader_count(rd),
		    kind_msg(r), dc_strerror(err));
	err = npy_write(opt.out, &t) != DC_OK ? errno : 0;
	dc_tensor_free(&t);
	dc_record_free(r);
	dc_reader_free(rd);
	if (err)
		dc_errx(1, "%s: %s", strcmp(opt.out, "-") ? opt.out : "stdout", strerror(err));
	dc_finish_stdout();
	exit(0);
}

/*
 * dump_records: a line for each record after the header (those of -u's utterance
 * only), or with -x the export of the record asked for. Exits 1 on a stream error,
 * a missing utterance or record, or after the lines when a tensor was bad.
 */
static void
dump_records(dc_reader *rd, const char *name)
{
	char cur[256];
	int err, in_utt = 0, seen_utt = 0, nbad = 0, mine, blocks = 0, bv;
	int64_t found = 0, blk = -1;
	const char *uid = opt.uid;
	dc_record r;

	for (;;) {
		uint64_t off = dc_reader_offset(rd);

		if ((err = dc_read(rd, &r)) != DC_OK)
			break;
		if (strcmp(r.kind, "utt") == 0) {
			utt_id(&r, cur, sizeof cur);
			in_utt = 1;
			/* an utterance in blocks: its records after a block record are that block's */
			blocks = dc_rec_bool(&r, "blocks", &bv) == DC_OK && bv;
			blk = -1;
			if (uid && strcmp(cur, uid) == 0)
				seen_utt = 1;
		}
		if (blocks && strcmp(r.kind, "block") == 0)
			blk++;
		mine = uid == NULL || (in_utt && strcmp(cur, uid) == 0);
		if (opt.xkind && mine && strcmp(r.kind, opt.xkind) == 0 && ++found == opt.xn)
			export(rd, &r, name);
		if (!opt.xkind && mine && (err = line(&r, dc_reader_count(rd), off,
		    dc_reader_offset(rd), in_utt ? cur : NULL, blocks ? blk : -1)) != DC_OK) {
			fflush(stdout);
			nbad++;
			dc_warnx("%s: record %llu (%s): %s", name, (unsigned long long)dc_reader_count(rd),
			    kind_msg(&r), dc_strerror(err));
		}
		dc_record_free(&r);
	}
	fflush(stdout);
	if (err != DC_EEOF)
		dc_stream_fail(name, rd, err);
	dc_reader_free(rd);
	if (uid && !seen_utt)
		dc_errx(1, "%s: no utterance '%s'", name, uid);
	if (opt.xkind)
		dc_errx(1, "%s: no record %s:%lld%s%s%s (%lld of that kind)", name, opt.xkind,
		    (long long)opt.xn, uid ? " in utterance '" : "", uid ? uid : "", uid ? "'" : "",
		    (long long)found);
	if (nbad)
		dc_errx(1, "%s: records with a bad tensor: %d", name, nbad);
}

int
main(int argc, char **argv)
{
	const char *name;
	dc_reader *rd;
	dc_record r;

	dc_setprog(argv[0]);
	parse_opts(argc, argv);
	if (opt.M) {
		if ((opt.path == NULL || strcmp(opt.path, "-") == 0) && isatty(STDIN_FILENO))
			dc_errx(2, "stdin is a terminal: give a model file, or pipe one in");
		dump_model(opt.path, opt.xarg, opt.out);
		return 0;
	}
	rd = dc_open_stream(opt.path, &r, &name);
	if (opt.H) {
		print_history(&r);
		dc_record_free(&r);
		dc_reader_free(rd);
		dc_finish_stdout();
		return 0;
	}
	if (!opt.xkind && !opt.uid)
		line(&r, 1, 0, dc_reader_offset(rd), NULL, -1);
	dc_record_free(&r);
	dump_records(rd, name);
	dc_finish_stdout();
	return 0;
}
