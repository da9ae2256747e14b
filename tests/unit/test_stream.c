/*
 * test_stream.c: the stream reader and writer on memory buffers: round trips,
 * pass-through identity, every truncation, garbage, bad tensors, the error table,
 * the STFT's exact inverse, and records handed to a sink as they are read.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dc.h"
#include "t.h"

/* make_stream: header, then nutt utterances of a utt and a stft-like record. */
static dc_writer *
make_stream(int nutt)
{
	dc_writer *w = dc_writer_mem();
	int64_t shape[2] = { 3, 5 };
	dc_tensor t;
	dc_recb b;
	int u, i;
	char id[16];

	dc_write_header(w, NULL, "test");
	for (u = 0; u < nutt; u++) {
		snprintf(id, sizeof id, "u%d", u);
		dc_recb_init(&b, "utt");
		dc_recb_str(&b, "id", id);
		dc_recb_int(&b, "rate", 8000);
		dc_recb_int(&b, "samples", 100);
		dc_write_recb(w, &b);
		dc_tensor_alloc(&t, DC_F32, 2, shape);
		for (i = 0; i < 15; i++)
			((float *)t.data)[i] = (float)(u * 100 + i) * 0.5f;
		dc_recb_init(&b, "thing");
		dc_recb_num(&b, "x", 1.25);
		dc_recb_tensor(&b, &t);
		dc_write_recb(w, &b);
		dc_tensor_free(&t);
	}
	return w;
}

static void
test_roundtrip(void)
{
	dc_writer *w = make_stream(3);
	size_t len;
	const void *buf = dc_writer_buf(w, &len);
	dc_reader *rd = dc_reader_mem(buf, len);
	dc_record hdr;
	dc_utt u = { 0 };
	dc_tensor t;
	double x;
	char id[DC_ID_MAX];
	int n = 0, ok = 1, err;

	T_EQ_INT("header reads", dc_read_header(rd, &hdr), DC_OK);
	{
		const msgpack_object *h = dc_rec_get(&hdr, "history");
		T_OK("history has the tool", h && h->type == MSGPACK_OBJECT_ARRAY && h->via.array.size == 1 &&
		    h->via.array.ptr[0].via.str.size == 4 && memcmp(h->via.array.ptr[0].via.str.ptr, "test", 4) == 0);
	}
	while ((err = dc_read_utt(rd, &u)) == DC_OK) {
		dc_record *r = dc_utt_find(&u, "thing");
		char want[16];
		snprintf(want, sizeof want, "u%d", n);
		ok &= u.n == 2 && r != NULL && dc_utt_id(&u, id) == NULL && strcmp(id, want) == 0;
		ok &= dc_rec_num(r, "x", &x) == DC_OK && x == 1.25;
		ok &= dc_rec_tensor(r, &t) == DC_OK && t.shape[0] == 3 && t.shape[1] == 5 &&
		    ((float *)t.data)[14] == (float)(n * 100 + 14) * 0.5f;
		dc_tensor_free(&t);
		n++;
	}
	T_EQ_INT("clean end after the last utterance", err, DC_EEOF);
	T_EQ_INT("three utterances", n, 3);
	T_OK("records, ids and tensors round-trip", ok);
	T_EQ_INT("offset is the whole stream", (long long)dc_reader_offset(rd), (long long)len);
	dc_record_free(&hdr);
	dc_utt_free(&u);
	dc_reader_free(rd);
	dc_writer_close(w);
}

static void
test_passthrough(void)
{
	dc_writer *w = make_stream(2), *w2 = dc_writer_mem();
	size_t len, len2;
	const void *buf = dc_writer_buf(w, &len);
	dc_reader *rd = dc_reader_mem(buf, len);
	dc_record r;

	while (dc_read(rd, &r) == DC_OK) {
		dc_write_record(w2, &r);
		dc_record_free(&r);
	}
	const void *buf2 = dc_writer_buf(w2, &len2);
	T_OK("pass-through is byte for byte", len == len2 && memcmp(buf, buf2, len) == 0);
	dc_reader_free(rd);
	dc_writer_close(w);
	dc_writer_close(w2);
}

/* read_all: reads a whole stream by utterances; returns the first error or DC_EEOF. */
static int
read_all(const void *buf, size_t len)
{
	dc_reader *rd = dc_reader_mem(buf, len);
	dc_record hdr;
	dc_utt u = { 0 };
	int err = dc_read_header(rd, &hdr);

	if (err == DC_OK) {
		dc_record_free(&hdr);
		while ((err = dc_read_utt(rd, &u)) == DC_OK)
			;
	}
	dc_utt_free(&u);
	dc_reader_free(rd);
	return err;
}

static void
test_truncation(void)
{
	dc_writer *w = make_stream(2);
	size_t len, cut;
	const char *buf = dc_writer_buf(w, &len);
	int bad = 0;

	T_EQ_INT("empty stream", read_all(buf, 0), DC_EEMPTY);
	for (cut = 1; cut < len; cut++) {
		int err = read_all(buf, cut);
		/* a cut between records is a clean end of a shorter stream; anywhere else, truncation */
		if (err != DC_ETRUNC && err != DC_EEOF)
			bad++;
	}
	T_EQ_INT("every truncation is reported as such", bad, 0);
	T_EQ_INT("truncated inside the last record", read_all(buf, len - 1), DC_ETRUNC);
	dc_writer_close(w);
}

static void
test_garbage(void)
{
	unsigned char buf[4096];
	uint64_t s = 42;
	int i, trial, ok = 1;

	for (trial = 0; trial < 200; trial++) {
		for (i = 0; i < (int)sizeof buf; i++) {
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			buf[i] = (unsigned char)(s >> 56);
		}
		ok &= read_all(buf, sizeof buf) != DC_OK;
	}
	T_OK("random bytes are refused, never read", ok);
	{
		/* a msgpack integer is not a record; a map without kind is not either */
		static const char notrec[] = { 0x05 };
		static const char nokind[] = { (char)0x81, (char)0xa1, 'a', 0x01 };
		T_EQ_INT("a bare integer is not a header", read_all(notrec, 1), DC_ENOHEADER);
		T_EQ_INT("a map without kind is not a header", read_all(nokind, 4), DC_ENOHEADER);
	}
}

/* one_record: a stream of header, utt, and a record built by the caller. */
static int
tensor_error(const char *dtype, const int64_t *shape, int ndim, size_t nbytes)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	dc_reader *rd;
	dc_record r;
	dc_tensor t;
	char *data = calloc(1, nbytes + 1);
	int i, err;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 4);
	msgpack_pack_str_with_body(&pk, "kind", 4);
	msgpack_pack_str_with_body(&pk, "x", 1);
	msgpack_pack_str_with_body(&pk, "dtype", 5);
	msgpack_pack_str_with_body(&pk, dtype, strlen(dtype));
	msgpack_pack_str_with_body(&pk, "shape", 5);
	msgpack_pack_array(&pk, (size_t)ndim);
	for (i = 0; i < ndim; i++)
		msgpack_pack_int64(&pk, shape[i]);
	msgpack_pack_str_with_body(&pk, "data", 4);
	msgpack_pack_bin_with_body(&pk, data, nbytes);
	rd = dc_reader_mem(sb.data, sb.size);
	err = dc_read(rd, &r);
	if (err == DC_OK) {
		err = dc_rec_tensor(&r, &t);
		dc_tensor_free(&t);
		dc_record_free(&r);
	}
	dc_reader_free(rd);
	msgpack_sbuffer_destroy(&sb);
	free(data);
	return err;
}

static void
test_tensors(void)
{
	int64_t s2[2] = { 3, 4 }, huge[3] = { 1 << 20, 1 << 20, 1 << 20 }, neg[1] = { -1 };

	T_EQ_INT("a good tensor", tensor_error("float32", s2, 2, 48), DC_OK);
	T_EQ_INT("data shorter than the shape", tensor_error("float32", s2, 2, 44), DC_ESHAPE);
	T_EQ_INT("unknown dtype", tensor_error("float128", s2, 2, 48), DC_EDTYPE);
	T_EQ_INT("shape past the limit, before any allocation", tensor_error("float32", huge, 3, 8), DC_ELIMIT);
	T_EQ_INT("negative dimension", tensor_error("float32", neg, 1, 0), DC_ESHAPE);
	T_EQ_INT("five dimensions", tensor_error("uint8", (int64_t[5]){ 1, 1, 1, 1, 1 }, 5, 1), DC_ESHAPE);
}

static void
test_errtab(void)
{
	int e, ok = 1;

	for (e = 0; e < DC_NERR; e++)
		ok &= strcmp(dc_strerror(e), "unknown error") != 0 && dc_strerror(e)[0] != '\0';
	T_OK("every error code has a message", ok);
	T_OK("out of range codes have one too", strcmp(dc_strerror(DC_NERR), "unknown error") == 0 &&
	    strcmp(dc_strerror(-1), "unknown error") == 0);
}

static void
test_concat_and_order(void)
{
	dc_writer *a = make_stream(2), *b = make_stream(1), *c = dc_writer_mem();
	size_t la, lb, lc;
	const char *ba = dc_writer_buf(a, &la), *bb = dc_writer_buf(b, &lb);
	char *cat = malloc(la + lb);
	dc_reader *rd;
	dc_record hdr;
	dc_utt u = { 0 };
	dc_recb rb;
	int n = 0;

	memcpy(cat, ba, la);
	memcpy(cat + la, bb, lb);
	rd = dc_reader_mem(cat, la + lb);
	dc_read_header(rd, &hdr);
	while (dc_read_utt(rd, &u) == DC_OK)
		n++;
	T_EQ_INT("concatenated streams read as one", n, 3);
	dc_record_free(&hdr);
	dc_reader_free(rd);

	dc_write_header(c, NULL, "test");
	dc_recb_init(&rb, "stft");
	dc_write_recb(c, &rb);
	{
		const char *bc = dc_writer_buf(c, &lc);
		T_EQ_INT("a record before any utt", read_all(bc, lc), DC_EORDER);
	}
	dc_utt_free(&u);
	free(cat);
	dc_writer_close(a);
	dc_writer_close(b);
	dc_writer_close(c);
}

static void
test_stft_inverse(void)
{
	static const int cfg[][2] = { { 256, 64 }, { 512, 128 }, { 256, 128 }, { 64, 16 } };
	int c, lens[] = { 1, 100, 257, 8000 }, li;
	uint64_t s = 7;

	for (c = 0; c < 4; c++) {
		for (li = 0; li < 4; li++) {
			dc_stft_params p;
			dc_tensor X;
			int64_t n = lens[li], i;
			float *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n * sizeof *y);
			double e = 0, sig = 0;
			char name[96];

			for (i = 0; i < n; i++) {
				s = s * 6364136223846793005ULL + 1442695040888963407ULL;
				x[i] = (float)((double)(s >> 11) / 9007199254740992.0 - 0.5);
			}
			dc_stft_defaults(&p);
			p.nfft = cfg[c][0];
			p.hop = cfg[c][1];
			p.samples = n;
			dc_stft(x, &p, &X);
			dc_istft(X.data, X.shape[0], &p, y);
			for (i = 0; i < n; i++) {
				e += (double)(x[i] - y[i]) * (x[i] - y[i]);
				sig += (double)x[i] * x[i];
			}
			snprintf(name, sizeof name, "istft(stft(x)) = x, nfft %d hop %d N %d: %.1f dB", cfg[c][0],
			    cfg[c][1], lens[li], 10 * log10(e / sig + 1e-30));
			T_OK(name, 10 * log10(e / sig + 1e-30) < -120 &&
			    X.shape[0] == (n - 1 + p.nfft - p.hop) / p.hop + 1);
			dc_tensor_free(&X);
			free(x);
			free(y);
		}
	}
}

/* a record larger than the reader's 64 KiB chunk, ending exactly at the end of input */
static void
test_big_record(void)
{
	dc_writer *w = dc_writer_mem();
	int64_t shape[1] = { 100003 }, i;
	dc_tensor t, u;
	dc_recb b;
	size_t len;
	const void *buf;
	dc_reader *rd;
	dc_record hdr, r;
	int ok;

	dc_tensor_alloc(&t, DC_F32, 1, shape);
	for (i = 0; i < shape[0]; i++)
		((float *)t.data)[i] = (float)i;
	dc_write_header(w, NULL, "test");
	dc_recb_init(&b, "big");
	dc_recb_tensor(&b, &t);
	dc_write_recb(w, &b);
	buf = dc_writer_buf(w, &len);
	rd = dc_reader_mem(buf, len);
	ok = dc_read_header(rd, &hdr) == DC_OK && dc_read(rd, &r) == DC_OK && dc_rec_tensor(&r, &u) == DC_OK;
	T_OK("a 400 kB record reads whole", ok && u.shape[0] == shape[0] &&
	    memcmp(u.data, t.data, (size_t)shape[0] * 4) == 0);
	dc_record_free(&r);
	T_EQ_INT("then a clean end", dc_read(rd, &r), DC_EEOF);
	dc_tensor_free(&t);
	dc_tensor_free(&u);
	dc_record_free(&hdr);
	dc_reader_free(rd);
	dc_writer_close(w);
}

/* put_rec: a record of kind with a float32 tensor of n elements (n 0: none). */
static void
put_rec(dc_writer *w, const char *kind, int64_t n, float base)
{
	dc_tensor t;
	dc_recb b;
	int64_t i;

	dc_recb_init(&b, kind);
	if (n > 0) {
		dc_tensor_alloc(&t, DC_F32, 1, (int64_t[]){ n });
		for (i = 0; i < n; i++)
			((float *)t.data)[i] = base + (float)i;
		dc_recb_tensor(&b, &t);
	}
	dc_write_recb(w, &b);
	if (n > 0)
		dc_tensor_free(&t);
}

/* put_big: a "big" record of k (3), then n values from base, then with after the
 * key after (1) behind its data */
static void
put_big(dc_writer *w, int64_t n, float base, int after)
{
	dc_tensor t;
	dc_recb b;
	int64_t i;

	dc_tensor_alloc(&t, DC_F32, 1, (int64_t[]){ n });
	for (i = 0; i < n; i++)
		((float *)t.data)[i] = base + (float)i;
	dc_recb_init(&b, "big");
	dc_recb_int(&b, "k", 3);
	dc_recb_tensor(&b, &t);
	if (after)
		dc_recb_int(&b, "after", 1);
	dc_write_recb(w, &b);
	dc_tensor_free(&t);
}

/* first_utt: a stream in memory of a header, then an utterance u0 begun with a
 * stft record of 10 values and an embed record of 300000 (1.2 MB) */
static dc_writer *
first_utt(void)
{
	dc_writer *w = dc_writer_mem();
	dc_recb b;

	dc_write_header(w, NULL, "test");
	dc_recb_init(&b, "utt");
	dc_recb_str(&b, "id", "u0");
	dc_write_recb(w, &b);
	put_rec(w, "stft", 10, 1.0f);
	put_rec(w, "embed", 300000, 2.0f);
	return w;
}

/* second_utt: an utterance u1 of an embed record of n values and a labels record
 * after the stream w has, and w */
static dc_writer *
second_utt(dc_writer *w, int64_t n, float base)
{
	dc_recb b;

	dc_recb_init(&b, "utt");
	dc_recb_str(&b, "id", "u1");
	dc_write_recb(w, &b);
	put_rec(w, "embed", n, base);
	put_rec(w, "labels", 10, base + 1.0f);
	return w;
}

/* select_stream: two utterances with records a tool reads (stft, labels), one it
 * does not (embed, of 1.2 MB in the first: many chunks), an unknown kind, and a
 * record whose "kind" is not its first key (which the reader must unpack to know). */
static dc_writer *
select_stream(void)
{
	dc_writer *w = first_utt();
	msgpack_sbuffer sb;
	msgpack_packer pk;
	dc_record late;
	size_t off = 0;
	msgpack_zone *z = msgpack_zone_new(4096);

	put_rec(w, "labels", 10, 3.0f);
	put_rec(w, "xyz", 0, 0.0f);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	msgpack_pack_str(&pk, 4);
	msgpack_pack_str_body(&pk, "data", 4);
	msgpack_pack_int(&pk, 7);
	msgpack_pack_str(&pk, 4);
	msgpack_pack_str_body(&pk, "kind", 4);
	msgpack_pack_str(&pk, 4);
	msgpack_pack_str_body(&pk, "late", 4);
	memset(&late, 0, sizeof late);
	msgpack_unpack(sb.data, sb.size, &off, z, DC_REC_MAP(&late));
	dc_write_record(w, &late);
	msgpack_zone_free(z);
	msgpack_sbuffer_destroy(&sb);
	return second_utt(w, 50, 4.0f);
}

/* add_kinds: the kinds of u's records, each followed by a space, appended to got[n]. */
static void
add_kinds(char *got, size_t n, const dc_utt *u)
{
	int i;

	for (i = 0; i < u->n; i++) {
		strncat(got, u->recs[i].kind, n - strlen(got) - 1);
		strncat(got, " ", n - strlen(got) - 1);
	}
}

/* select_read: the stream through dc_reader_select(use, eat, out), its header
 * written to out first as a tool would; the kinds handed out, space-separated,
 * into got. Returns the first error other than DC_EEOF. */
static int
select_read(const void *buf, size_t len, const char *const *use, const char *const *eat,
    dc_writer *out, char *got, size_t n)
{
	dc_reader *rd = dc_reader_mem(buf, len);
	dc_record hdr;
	dc_utt u = { 0 };
	int err;

	got[0] = '\0';
	if ((err = dc_read_header(rd, &hdr)) == DC_OK) {
		if (out)
			dc_write_header(out, NULL, "test");
		dc_record_free(&hdr);
		dc_reader_select(rd, use, eat, out);
		while ((err = dc_read_utt(rd, &u)) == DC_OK)
			add_kinds(got, n, &u);
	}
	dc_utt_free(&u);
	dc_reader_free(rd);
	return err == DC_EEOF ? DC_OK : err;
}

static void
test_select(void)
{
	static const char *const use[] = { "stft", "labels", NULL }, *const eat[] = { "labels", NULL };
	static const char *const use2[] = { "stft", "embed", NULL };
	dc_writer *w = select_stream(), *out = dc_writer_mem();
	size_t len, olen, cut;
	const char *buf = dc_writer_buf(w, &len), *obuf;
	char got[256], kinds[256];
	int bad = 0, err;

	T_EQ_INT("selected read", select_read(buf, len, use, NULL, out, got, sizeof got), DC_OK);
	T_OK("only the kinds asked for (and one the reader had to unpack) are handed out",
	    strcmp(got, "utt stft labels late utt labels ") == 0);
	obuf = dc_writer_buf(out, &olen);
	T_OK("the rest is passed on byte for byte, in its order", olen == len &&
	    memcmp(obuf, buf, len) == 0);
	dc_writer_close(out);

	out = dc_writer_mem();
	select_read(buf, len, use, eat, out, got, sizeof got);
	obuf = dc_writer_buf(out, &olen);
	select_read(obuf, olen, NULL, NULL, NULL, kinds, sizeof kinds);
	T_OK("eaten kinds are handed out but not passed on",
	    strcmp(got, "utt stft labels late utt labels ") == 0 &&
	    strcmp(kinds, "utt stft embed xyz late utt embed ") == 0);
	dc_writer_close(out);

	/* a big record handed out and passed on (embed, 1.2 MB) goes on a piece at a
	 * time as it arrives, as it came: the stream byte for byte; cut inside it, a
	 * prefix of the stream, at most a piece (256 KiB) and a chunk short of the cut */
	out = dc_writer_mem();
	T_EQ_INT("selected read, embed handed out and passed on", select_read(buf, len, use2, NULL,
	    out, got, sizeof got), DC_OK);
	obuf = dc_writer_buf(out, &olen);
	T_OK("the big record handed out and passed on: the stream byte for byte",
	    strcmp(got, "utt stft embed late utt embed ") == 0 && olen == len &&
	    memcmp(obuf, buf, len) == 0);
	dc_writer_close(out);
	for (cut = len / 10; cut < len * 9 / 10; cut += 50021) {
		out = dc_writer_mem();
		err = select_read(buf, cut, use2, NULL, out, got, sizeof got);
		obuf = dc_writer_buf(out, &olen);
		if (err != DC_ETRUNC || olen > cut || memcmp(obuf, buf, olen) != 0 ||
		    olen + (256 << 10) + (64 << 10) < cut)
			bad++;
		dc_writer_close(out);
	}
	T_EQ_INT("cuts inside it: a truncation, and what went on a prefix of the stream up to "
	    "the last piece read", bad, 0);

	T_EQ_INT("with no writer the rest is dropped", select_read(buf, len, use, NULL, NULL, got,
	    sizeof got), DC_OK);
	T_OK("and the same records are handed out", strcmp(got, "utt stft labels late utt labels ") == 0);

	/* cuts inside the 1.2 MB record passed on, and around every other record */
	for (cut = 1; cut < len; cut += cut < 200 || len - cut < 400 ? 1 : 4099) {
		err = select_read(buf, cut, use, NULL, NULL, got, sizeof got);
		if (err != DC_ETRUNC && err != DC_OK)
			bad++;
	}
	T_EQ_INT("every cut is a truncation or a clean end", bad, 0);
	T_EQ_INT("cut inside the passed record", select_read(buf, len / 2, use, NULL, NULL, got,
	    sizeof got), DC_ETRUNC);
	setenv("DC_MAX_ELEMS", "1000", 1);
	T_EQ_INT("a passed record is held to the size limit too", select_read(buf, len, use, NULL,
	    NULL, got, sizeof got), DC_ELIMIT);
	unsetenv("DC_MAX_ELEMS");
	dc_writer_close(w);
}

/* replace_read: the kinds of each unit of buf (records after the header) read with
 * dc_reader_replace(later, over) and use selected, space-separated, units split by
 * '|', into got; a record's tensor sum checks that what is handed out is whole. */
static int
replace_read(const void *buf, size_t len, const char *const *use, const char *const *later,
    const char *const *over, char *got, size_t n)
{
	dc_reader *rd = dc_reader_mem(buf, len);
	dc_record hdr;
	dc_utt u = { 0 };
	dc_unit b;
	int err;

	got[0] = '\0';
	if ((err = dc_read_header(rd, &hdr)) == DC_OK) {
		dc_record_free(&hdr);
		dc_reader_select(rd, use, NULL, NULL);
		dc_reader_replace(rd, later, over);
		while ((err = dc_read_unit(rd, &u, &b)) == DC_OK) {
			add_kinds(got, n, &u);
			strncat(got, "| ", n - strlen(got) - 1);
		}
	}
	dc_utt_free(&u);
	dc_reader_free(rd);
	return err == DC_EEOF ? DC_OK : err;
}

/* test_replace: dc_reader_replace frees the records a later one replaces, in whole
 * utterances and in blocks, and never the unit's first record; a record it does
 * not select, or a kind not listed, replaces nothing. */
static void
test_replace(void)
{
	static const char *const later[] = { "masked", NULL }, *const over[] = { "stft", "masked", NULL };
	static const char *const lm[] = { "labels", "masks", NULL };
	dc_writer *w = dc_writer_mem();
	const char *buf;
	char got[512];
	size_t len;
	dc_recb b;

	dc_write_header_version(w, NULL, "test", 2);
	dc_recb_init(&b, "utt");
	dc_recb_str(&b, "id", "a");
	dc_write_recb(w, &b);
	put_rec(w, "stft", 20000, 1.0f);        /* 80 KB: read in a buffer of its own */
	put_rec(w, "labels", 10, 2.0f);
	put_rec(w, "masked", 10, 3.0f);
	put_rec(w, "embed", 10, 4.0f);
	put_rec(w, "masks", 10, 5.0f);
	put_rec(w, "masked", 30000, 6.0f);
	put_rec(w, "stft", 10, 7.0f);
	dc_recb_init(&b, "utt");
	dc_recb_str(&b, "id", "b");
	dc_recb_bool(&b, "blocks", 1);
	dc_write_recb(w, &b);
	dc_recb_init(&b, "block");
	dc_recb_int(&b, "t0", 0);
	dc_recb_int(&b, "frames", 1);
	dc_recb_bool(&b, "last", 0);
	dc_write_recb(w, &b);
	put_rec(w, "stft", 10, 1.0f);
	put_rec(w, "masked", 10, 2.0f);
	dc_recb_init(&b, "block");
	dc_recb_int(&b, "t0", 1);
	dc_recb_int(&b, "frames", 1);
	dc_recb_bool(&b, "last", 1);
	dc_write_recb(w, &b);
	put_rec(w, "masks", 10, 1.0f);
	put_rec(w, "labels", 10, 2.0f);
	buf = dc_writer_buf(w, &len);

	T_EQ_INT("replace: read", replace_read(buf, len, NULL, later, over, got, sizeof got), DC_OK);
	T_OK("a masked record replaces the stft and masked records before it, not after",
	    strcmp(got, "utt labels embed masks masked stft | block masked | block masks labels | ") == 0);
	replace_read(buf, len, NULL, lm, lm, got, sizeof got);
	T_OK("labels and masks: only the later is held, in blocks too", strcmp(got,
	    "utt stft masked embed masks masked stft | block stft masked | block labels | ") == 0);
	replace_read(buf, len, (const char *const[]){ "stft", "masked", NULL }, later, over, got,
	    sizeof got);
	T_OK("with a selection: what it hands out, less what is replaced",
	    strcmp(got, "utt masked stft | block masked | block | ") == 0);
	replace_read(buf, len, NULL, NULL, NULL, got, sizeof got);
	T_OK("without replace, every record", strcmp(got, "utt stft labels masked embed masks "
	    "masked stft | block stft masked | block masks labels | ") == 0);
	dc_writer_close(w);
}

/* test_write_pieces: a record written as its head (dc_write_recb_head) and its
 * tensor's bytes in pieces (dc_write_bytes) is the record dc_write_recb writes;
 * dc_rec_tensor_bytes reads it back in place, checked as dc_rec_tensor checks. */
static void
test_write_pieces(void)
{
	dc_writer *w1 = dc_writer_mem(), *w2 = dc_writer_mem();
	const char *b1, *b2;
	size_t l1, l2;
	dc_tensor t, h;
	const void *data;
	dc_reader *rd;
	dc_record r;
	dc_recb b;
	int64_t i;
	float x[8];

	dc_tensor_alloc(&t, DC_C64, 2, (int64_t[]){ 3, 40000 });        /* 960 KB */
	for (i = 0; i < 2 * 3 * 40000; i++)
		((float *)t.data)[i] = (float)i * 0.25f - 7.0f;
	dc_recb_init(&b, "masked");
	dc_recb_int(&b, "rate", 8000);
	dc_recb_str(&b, "window", "hann");
	dc_recb_tensor(&b, &t);
	dc_write_recb(w1, &b);
	dc_write_recb_head(w2, &b);
	for (i = 0; i < 3 * 40000; i += 7000) {
		size_t n = (size_t)(3 * 40000 - i < 7000 ? 3 * 40000 - i : 7000);
		dc_write_bytes(w2, (const float *)t.data + 2 * i, 8 * n);
	}
	b1 = dc_writer_buf(w1, &l1);
	b2 = dc_writer_buf(w2, &l2);
	T_OK("a record written in pieces: the bytes of one written whole",
	    l1 == l2 && memcmp(b1, b2, l1) == 0 && dc_writer_error(w2) == DC_OK);
	rd = dc_reader_mem(b2, l2);
	T_EQ_INT("read back", dc_read(rd, &r), DC_OK);
	T_EQ_INT("dc_rec_tensor_bytes", dc_rec_tensor_bytes(&r, &h, &data), DC_OK);
	memcpy(x, (const char *)data + 8 * 3 * 40000 - sizeof x, sizeof x);
	T_OK("its dtype, shape and bytes, in place", h.dtype == DC_C64 && h.ndim == 2 &&
	    h.shape[0] == 3 && h.shape[1] == 40000 && h.data == NULL &&
	    memcmp(data, t.data, 8 * 3 * 40000) == 0 && x[7] == (float)(2 * 3 * 40000 - 1) * 0.25f - 7.0f);
	dc_record_free(&r);
	dc_reader_free(rd);
	setenv("DC_MAX_ELEMS", "1000", 1);
	rd = dc_reader_mem(b1, l1);
	dc_read(rd, &r);
	T_EQ_INT("dc_rec_tensor_bytes: the element limit as dc_rec_tensor's",
	    dc_rec_tensor_bytes(&r, &h, &data), DC_ELIMIT);
	unsetenv("DC_MAX_ELEMS");
	T_OK("and nothing handed out", data == NULL && h.ndim == 0);
	dc_record_free(&r);
	dc_reader_free(rd);
	dc_tensor_free(&t);
	dc_writer_close(w1);
	dc_writer_close(w2);
}

/* raw_begin: sb holds a stream's header, pk packs what follows into sb (raw
 * msgpack, for records the record builder would not write) */
static void
raw_begin(msgpack_sbuffer *sb, msgpack_packer *pk)
{
	dc_writer *w = dc_writer_mem();
	const void *buf;
	size_t len;

	dc_write_header(w, NULL, "test");
	buf = dc_writer_buf(w, &len);
	msgpack_sbuffer_init(sb);
	msgpack_sbuffer_write(sb, buf, len);
	msgpack_packer_init(pk, sb, msgpack_sbuffer_write);
	dc_writer_close(w);
}

/* elems_stream: a header, then a utt record with an array of n nils: 2 + 2 + 1 + n
 * elements in all (kind, "utt", key "x", the array, its items). */
static int
read_elems(uint32_t n)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	dc_reader *rd;
	dc_record hdr, r;
	uint32_t i;
	int err;

	raw_begin(&sb, &pk);
	msgpack_pack_map(&pk, 2);
	msgpack_pack_str(&pk, 4);
	msgpack_pack_str_body(&pk, "kind", 4);
	msgpack_pack_str(&pk, 3);
	msgpack_pack_str_body(&pk, "utt", 3);
	msgpack_pack_str(&pk, 1);
	msgpack_pack_str_body(&pk, "x", 1);
	msgpack_pack_array(&pk, n);
	for (i = 0; i < n; i++)
		msgpack_pack_nil(&pk);
	rd = dc_reader_mem(sb.data, sb.size);
	err = dc_read_header(rd, &hdr);
	if (err == DC_OK) {
		dc_record_free(&hdr);
		if ((err = dc_read(rd, &r)) == DC_OK)
			dc_record_free(&r);
	}
	dc_reader_free(rd);
	msgpack_sbuffer_destroy(&sb);
	return err;
}

static void
test_formats(void)
{
	dc_writer *w = dc_writer_mem();
	dc_recb b;
	dc_record r;
	dc_reader *rd;
	size_t len;
	const void *buf;
	msgpack_sbuffer sb;
	msgpack_packer pk;

	T_EQ_INT("a record of 4096 elements reads", read_elems(4096 - 5), DC_OK);
	T_EQ_INT("one more is refused", read_elems(4096 - 4), DC_EELEMS);

	/* a later header of version 3 */
	dc_write_header(w, NULL, "test");
	dc_recb_init(&b, "utt");
	dc_recb_str(&b, "id", "a");
	dc_write_recb(w, &b);
	dc_recb_init(&b, "dcsep");
	dc_recb_int(&b, "version", 3);
	dc_write_recb(w, &b);
	buf = dc_writer_buf(w, &len);
	T_EQ_INT("a later header of version 3: read", read_all(buf, len), DC_EVERSION);
	rd = dc_reader_mem(buf, len);
	dc_read(rd, &r);
	dc_record_free(&r);
	dc_read(rd, &r);
	dc_record_free(&r);
	T_OK("record by record too, with its version", dc_read(rd, &r) == DC_EVERSION &&
	    dc_reader_version(rd) == 3);
	dc_reader_free(rd);
	dc_writer_close(w);

	/* a key twice */
	raw_begin(&sb, &pk);
	msgpack_pack_map(&pk, 3);
	msgpack_pack_str(&pk, 4);
	msgpack_pack_str_body(&pk, "kind", 4);
	msgpack_pack_str(&pk, 3);
	msgpack_pack_str_body(&pk, "utt", 3);
	msgpack_pack_str(&pk, 2);
	msgpack_pack_str_body(&pk, "id", 2);
	msgpack_pack_int(&pk, 1);
	msgpack_pack_str(&pk, 2);
	msgpack_pack_str_body(&pk, "id", 2);
	msgpack_pack_int(&pk, 2);
	T_EQ_INT("a key twice", read_all(sb.data, sb.size), DC_EDUPKEY);
	msgpack_sbuffer_destroy(&sb);
}

/* id_why: dc_rec_id of a utt record whose id is the n bytes at s (s NULL: no id) */
static const char *
id_why(const char *s, size_t n, char *id)
{
	dc_reader *rd;
	dc_record r;
	const char *why = "unread";
	msgpack_sbuffer sb;
	msgpack_packer pk;

	raw_begin(&sb, &pk);
	msgpack_pack_map(&pk, s ? 2 : 1);
	msgpack_pack_str_with_body(&pk, "kind", 4);
	msgpack_pack_str_with_body(&pk, "utt", 3);
	if (s) {
		msgpack_pack_str_with_body(&pk, "id", 2);
		msgpack_pack_str_with_body(&pk, s, n);
	}
	rd = dc_reader_mem(sb.data, sb.size);
	if (dc_read(rd, &r) == DC_OK) {
		dc_record_free(&r);
		if (dc_read(rd, &r) == DC_OK) {
			why = dc_rec_id(&r, id);
			dc_record_free(&r);
		}
	}
	dc_reader_free(rd);
	msgpack_sbuffer_destroy(&sb);
	return why;
}

/* test_ids: an id of up to DC_ID_MAX - 1 bytes without a NUL byte, or why not */
static void
test_ids(void)
{
	static char big[DC_ID_MAX + 1];
	char id[DC_ID_MAX];
	const char *why;

	memset(big, 'a', sizeof big);
	T_OK("an id of 3 bytes", id_why("u01", 3, id) == NULL && strcmp(id, "u01") == 0);
	T_OK("an empty id", id_why("", 0, id) == NULL && id[0] == '\0');
	T_OK("an id of 1023 bytes", id_why(big, DC_ID_MAX - 1, id) == NULL && strlen(id) == DC_ID_MAX - 1);
	why = id_why(big, DC_ID_MAX, id);
	T_OK("an id of 1024 bytes", why && strcmp(why, "id longer than 1023 bytes") == 0 && id[0] == '\0');
	why = id_why("a\0/../x", 7, id);
	T_OK("an id with a NUL byte", why && strcmp(why, "id holds a NUL byte") == 0 && id[0] == '\0');
	why = id_why(NULL, 0, id);
	T_OK("no id", why && strcmp(why, "key 'id' missing or not a string") == 0);
}

/* test_big_path: records over 1 MB are read into buffers of their own; from
 * memory and from a file, followed by small records (nothing read past the big
 * one), and cut anywhere inside it. */
static void
test_big_path(void)
{
	dc_writer *w = dc_writer_mem();
	size_t len, cut;
	const char *buf;
	dc_reader *rd;
	dc_record hdr, r;
	dc_tensor t;
	FILE *f;
	int64_t n;
	int pass, ok, bad = 0, err;

	dc_write_header(w, NULL, "test");
	put_rec(w, "big", 700000, 1.0f);        /* 2.8 MB */
	put_rec(w, "small", 3, 9.0f);
	put_big(w, 300000, 5.0f, 1);    /* 1.2 MB, then a key after its data: read a byte
	                                 * at a time past it */
	put_rec(w, "small", 2, 1.0f);
	buf = dc_writer_buf(w, &len);
	for (pass = 0; pass < 2; pass++) {
		f = pass ? fmemopen((void *)buf, len, "r") : NULL;
		rd = pass ? dc_reader_file(f) : dc_reader_mem(buf, len);
		ok = dc_read_header(rd, &hdr) == DC_OK;
		dc_record_free(&hdr);
		ok = ok && dc_read(rd, &r) == DC_OK && dc_rec_tensor(&r, &t) == DC_OK &&
		    t.shape[0] == 700000 && ((float *)t.data)[699999] == 700000.0f;
		if (ok)
			dc_tensor_free(&t);
		dc_record_free(&r);
		ok = ok && dc_read(rd, &r) == DC_OK && strcmp(r.kind, "small") == 0 &&
		    dc_rec_tensor(&r, &t) == DC_OK && ((float *)t.data)[2] == 11.0f;
		if (ok)
			dc_tensor_free(&t);
		dc_record_free(&r);
		ok = ok && dc_read(rd, &r) == DC_OK && dc_rec_tensor(&r, &t) == DC_OK &&
		    ((float *)t.data)[0] == 5.0f && ((float *)t.data)[299999] == 300004.0f;
		ok = ok && dc_rec_int(&r, "after", &n) == DC_OK && n == 1;
		if (ok)
			dc_tensor_free(&t);
		dc_record_free(&r);
		ok = ok && dc_read(rd, &r) == DC_OK && strcmp(r.kind, "small") == 0;
		dc_record_free(&r);
		T_OK(pass ? "big records from a file, and what follows them" :
		    "big records from memory, and what follows them", ok &&
		    dc_read(rd, &r) == DC_EEOF && dc_reader_offset(rd) == len);
		dc_reader_free(rd);
		if (f)
			fclose(f);
	}
	for (cut = 40; cut < len; cut += 99991) {
		rd = dc_reader_mem(buf, cut);
		dc_read_header(rd, &hdr);
		dc_record_free(&hdr);
		while ((err = dc_read(rd, &r)) == DC_OK)
			dc_record_free(&r);
		bad += err != DC_ETRUNC && err != DC_EEOF;
		dc_reader_free(rd);
	}
	T_EQ_INT("cut inside big records: a truncation or a clean end", bad, 0);
	rd = dc_reader_mem(buf, len - 1);
	dc_read_header(rd, &hdr);
	dc_record_free(&hdr);
	while ((err = dc_read(rd, &r)) == DC_OK)
		dc_record_free(&r);
	T_EQ_INT("the last record one byte short", err, DC_ETRUNC);
	dc_reader_free(rd);
	dc_writer_close(w);
}

/* test_units: dc_read_unit on an utterance in blocks between two whole ones, with
 * selection and a pass-through writer: units in order, the block fields, the
 * records of each unit, every record passed on; dc_read_utt refuses the blocks. */
static void
test_units(void)
{
	dc_writer *w = dc_writer_mem(), *pass;
	int64_t shape[2] = { 2, 3 }, t0s[3] = { 0, 2, 4 };
	const void *buf, *pbuf;
	size_t len, plen;
	dc_reader *rd;
	dc_record hdr;
	dc_tensor t;
	dc_utt u = { 0 };
	dc_unit b;
	dc_recb rb;
	char got[256] = "";
	int i, err;

	dc_write_header_version(w, NULL, "test", 2);
	for (i = 0; i < 3; i++) {
		dc_recb_init(&rb, "utt");
		dc_recb_str(&rb, "id", i == 1 ? "long" : i ? "c" : "a");
		dc_recb_int(&rb, "rate", 8000);
		if (i == 1)
			dc_recb_bool(&rb, "blocks", 1);
		dc_write_recb(w, &rb);
		if (i == 1) {
			int j;
			for (j = 0; j < 3; j++) {
				dc_recb_init(&rb, "block");
				dc_recb_int(&rb, "t0", t0s[j]);
				dc_recb_int(&rb, "frames", 2);
				dc_recb_bool(&rb, "last", j == 2);
				dc_write_recb(w, &rb);
				dc_tensor_alloc(&t, DC_F32, 2, shape);
				dc_recb_init(&rb, "stft");
				dc_recb_tensor(&rb, &t);
				dc_write_recb(w, &rb);
				dc_recb_init(&rb, "other");
				dc_write_recb(w, &rb);
				dc_tensor_free(&t);
			}
		} else {
			dc_recb_init(&rb, "stft");
			dc_write_recb(w, &rb);
		}
	}
	buf = dc_writer_buf(w, &len);
	rd = dc_reader_mem(buf, len);
	pass = dc_writer_mem();
	T_EQ_INT("units: the header", dc_read_header(rd, &hdr), DC_OK);
	dc_write_header(pass, &hdr, "test");
	dc_reader_select(rd, (const char *const[]){ "stft", NULL }, NULL, pass);
	while ((err = dc_read_unit(rd, &u, &b)) == DC_OK) {
		char id[16], one[64];
		dc_rec_str(b.utt, "id", id, sizeof id);
		snprintf(one, sizeof one, "%s:%d:%lld:%lld:%lld:%d:%d ", id, b.blocked, (long long)b.index,
		    (long long)b.t0, (long long)b.frames, b.last, u.n);
		strncat(got, one, sizeof got - strlen(got) - 1);
	}
	T_EQ_INT("units: a clean end", err, DC_EEOF);
	T_OK("units: whole, three blocks, whole, with their fields and records",
	    strcmp(got, "a:0:0:0:-1:1:2 long:1:0:0:2:0:2 long:1:1:2:2:0:2 long:1:2:4:2:1:2 "
	    "c:0:0:0:-1:1:2 ") == 0);
	pbuf = dc_writer_buf(pass, &plen);
	{
		size_t h1, h2;
		dc_reader *pr = dc_reader_mem(pbuf, plen);
		dc_record ph;
		dc_msgpack_check(buf, len, &h1);
		dc_msgpack_check(pbuf, plen, &h2);
		T_OK("units: every record passed on byte for byte",
		    plen - h2 == len - h1 && memcmp((const char *)pbuf + h2, (const char *)buf + h1,
		    len - h1) == 0);
		T_OK("units: the header's version 2 kept", dc_read_header(pr, &ph) == DC_OK &&
		    dc_reader_version(pr) == 2);
		dc_record_free(&ph);
		dc_reader_free(pr);
	}
	dc_record_free(&hdr);
	dc_utt_free(&u);
	dc_reader_free(rd);
	dc_writer_close(pass);

	rd = dc_reader_mem(buf, len);
	dc_read_header(rd, &hdr);
	T_EQ_INT("dc_read_utt: the whole one", dc_read_utt(rd, &u), DC_OK);
	T_EQ_INT("dc_read_utt: refuses the one in blocks", dc_read_utt(rd, &u), DC_EBLOCKED);
	T_OK("dc_read_utt: says which", strcmp(dc_reader_detail(rd), "long: an utterance in blocks; "
	    "this tool reads whole utterances (dc-stft -B 0)") == 0);
	dc_record_free(&hdr);
	dc_utt_free(&u);
	dc_reader_free(rd);
	dc_writer_close(w);
}

/* test_stft_blocks: dc_stft_range over uneven blocks, and dc_istft_push over
 * uneven blocks, give the whole signal's numbers bit for bit. */
static void
test_stft_blocks(void)
{
	static const int64_t cuts[] = { 1, 7, 8, 30, 31, 33 };
	dc_stft_params p;
	dc_tensor X, B;
	int64_t N = 1003, T, F, t0 = 0, n = 0, ny, i;
	float *x = malloc((size_t)N * sizeof *x), *y = malloc((size_t)N * sizeof *y);
	float *z = malloc((size_t)N * sizeof *z);
	dc_istft_state *st;
	int same = 1;
	size_t c;

	dc_stft_defaults(&p);
	p.nfft = 32;
	p.hop = 8;
	p.samples = N;
	for (i = 0; i < N; i++)
		x[i] = (float)sin(0.01 * (double)(i * i % 997)) + 0.25f * (float)(i % 7);
	dc_stft(x, &p, &X);
	dc_istft(X.data, X.shape[0], &p, y);
	T = X.shape[0];
	F = X.shape[1];
	st = dc_istft_begin(&p);
	for (c = 0; t0 < T; c++) {
		int64_t bt = c < sizeof cuts / sizeof cuts[0] ? cuts[c] - t0 : T - t0;
		dc_stft_range(x, 0, N, &p, t0, bt, &B);
		same &= memcmp(B.data, (const float *)X.data + 2 * t0 * F,
		    (size_t)(bt * F) * 2 * sizeof(float)) == 0;
		dc_istft_push(st, B.data, bt, t0 + bt == T ? N : -1, z + n, &ny);
		n += ny;
		dc_tensor_free(&B);
		t0 += bt;
	}
	dc_istft_end(st);
	T_OK("dc_stft_range: uneven blocks are the whole STFT's frames bit for bit", same);
	T_EQ_INT("dc_istft_push: every sample handed out", n, N);
	T_OK("dc_istft_push: the whole inverse's samples bit for bit",
	    n == N && memcmp(y, z, (size_t)N * sizeof *y) == 0);
	dc_tensor_free(&X);
	free(x);
	free(y);
	free(z);
}

/*
 * test_view: dc_rec_tensor_view reads a big record's tensor in place, 64-byte
 * aligned whatever precedes it in the record (pads of 0 to 70 bytes) and when
 * more than the reader's slack follows it (a 10,000-byte string after the data:
 * the buffer grows and the record moves), from memory and from a file; a small
 * record's tensor is a copy or aligned. The values are the record's either way,
 * and dc_tensor_free leaves a view alone (the record frees it: ASan checks).
 */
static void
test_view(void)
{
	static char pad[71], tail[10001];
	dc_writer *w = dc_writer_mem();
	const char *buf;
	size_t len;
	int pass, p, aligned = 1, same = 1, views = 1, small = 1, n = 0;

	memset(pad, 'p', sizeof pad - 1);
	memset(tail, 't', sizeof tail - 1);
	dc_write_header(w, NULL, "test");
	for (p = 0; p <= 70; p += 7) {
		dc_tensor t;
		dc_recb b;
		int64_t i, m = 20000 + p;

		dc_tensor_alloc(&t, DC_F32, 1, (int64_t[]){ m });
		for (i = 0; i < m; i++)
			((float *)t.data)[i] = (float)(i * 3 + p);
		dc_recb_init(&b, "big");
		pad[p] = '\0';         /* the builder keeps the pointer: cut until written */
		dc_recb_str(&b, "pad", pad);
		dc_recb_tensor(&b, &t);
		if (p == 35)
			dc_recb_str(&b, "tail", tail);
		dc_write_recb(w, &b);
		pad[p] = 'p';
		dc_tensor_free(&t);
		put_rec(w, "small", 5 + p, (float)p);
	}
	buf = dc_writer_buf(w, &len);
	for (pass = 0; pass < 2; pass++) {
		FILE *f = pass ? fmemopen((void *)buf, len, "r") : NULL;
		dc_reader *rd = pass ? dc_reader_file(f) : dc_reader_mem(buf, len);
		dc_record hdr, r;
		dc_tensor t;
		int64_t i;

		dc_read_header(rd, &hdr);
		dc_record_free(&hdr);
		for (p = 0; p <= 70; p += 7) {
			if (dc_read(rd, &r) != DC_OK || dc_rec_tensor_view(&r, &t) != DC_OK) {
				same = 0;
				break;
			}
			views &= t.view == 1;
			aligned &= (uintptr_t)t.data % 64 == 0;
			for (i = 0; i < t.shape[0]; i++)
				same &= ((float *)t.data)[i] == (float)(i * 3 + p);
			dc_tensor_free(&t);
			dc_record_free(&r);
			if (dc_read(rd, &r) != DC_OK || dc_rec_tensor_view(&r, &t) != DC_OK) {
				same = 0;
				break;
			}
			small &= !t.view || (uintptr_t)t.data % 64 == 0;
			for (i = 0; i < t.shape[0]; i++)
				same &= ((float *)t.data)[i] == (float)p + (float)i;
			dc_tensor_free(&t);
			dc_record_free(&r);
			n++;
		}
		dc_reader_free(rd);
		if (f)
			fclose(f);
	}
	T_EQ_INT("dc_rec_tensor_view: 11 big and 11 small records, from memory and a file", n, 22);
	T_OK("dc_rec_tensor_view: a big record's tensor read in place", views);
	T_OK("dc_rec_tensor_view: 64-byte aligned after pads of 0 to 70 bytes and a grown buffer",
	    aligned);
	T_OK("dc_rec_tensor_view: a small record's tensor a copy, or aligned", small);
	T_OK("dc_rec_tensor_view: the records' values", same);
	dc_writer_close(w);
}

/*
 * test_pool: big records' buffers, kept and reused (libcommon/stream.c's pool).
 * POOLN records of 70 KB to 1.2 MB, every third with 100 KB of string after
 * its tensor (the buffer grows and the record moves), and one of 34 MB (past
 * the largest kept), read by two threads at once, three times each, holding
 * three records and freeing them out of their order: every tensor is read in
 * place, 64-byte aligned, with its own values and string, and the stream ends
 * where it should. Then dc_aligned64 at sizes 0 to 4 KB: aligned, writable
 * (ASan's build checks the bounds), freed.
 */
#define POOLN 25
static const char *pool_buf;
static size_t pool_len;

static int64_t
pool_count(int i)
{
	return i == 12 ? 8500000 : 17500 + (int64_t)(i * 7919 % 25) * 11500;
}

static void *
pool_reader(void *arg)
{
	int *ok = arg, rep, i, h;

	for (rep = 0; rep < 3; rep++) {
		dc_reader *rd = dc_reader_mem(pool_buf, pool_len);
		dc_record hdr, held[3];

		memset(held, 0, sizeof held);
		if (dc_read_header(rd, &hdr) != DC_OK) {
			*ok = 0;
			dc_reader_free(rd);
			return NULL;
		}
		dc_record_free(&hdr);
		for (i = 0; i < POOLN; i++) {
			dc_record *r = &held[(i * 2) % 3];      /* freed out of order */
			const msgpack_object *o;
			dc_tensor t;
			int64_t j, n = pool_count(i);

			dc_record_free(r);
			if (dc_read(rd, r) != DC_OK || dc_rec_tensor_view(r, &t) != DC_OK) {
				*ok = 0;
				break;
			}
			*ok &= t.view == 1 && (uintptr_t)t.data % 64 == 0 && t.shape[0] == n;
			for (j = 0; j < n && *ok; j += 97)
				*ok &= ((float *)t.data)[j] == (float)(i * 4096 + j % 4096);
			o = dc_rec_get(r, "tail");
			*ok &= i % 3 != 0 ? o == NULL : o != NULL && o->type == MSGPACK_OBJECT_STR &&
			    o->via.str.size == 100000 && o->via.str.ptr[99999] == 'a' + i % 26;
			dc_tensor_free(&t);
		}
		for (h = 0; h < 3; h++)
			dc_record_free(&held[h]);
		*ok &= dc_read(rd, &held[0]) == DC_EEOF;
		dc_reader_free(rd);
	}
	return NULL;
}

/*
 * big_tensors: dc_aligned64 from 1 MiB on takes its buffers from the big pool
 * (util.c), below it from malloc: sizes about the boundary, in and out of order,
 * each aligned, its own (written whole and read back), freed by the one free;
 * six at once, more than the pool keeps; and a buffer freed then asked for again
 * of a size it holds.
 */
static void
big_tensors(void)
{
	static const size_t sz[] = { (1u << 20) - 64, (1u << 20) - 1, 1u << 20, (1u << 20) + 1,
	    (3u << 20) + 7, 5u << 20 };
	unsigned char *p[6], *q[6];
	int i, ok = 1, marks = 1;
	size_t j;

	for (i = 0; i < 6; i++) {
		p[i] = dc_aligned64(sz[i]);
		ok &= p[i] != NULL && (uintptr_t)p[i] % 64 == 0;
		if (p[i] != NULL)
			memset(p[i], 'A' + i, sz[i]);
	}
	for (i = 0; i < 6; i++)
		for (j = 0; p[i] != NULL && j < sz[i]; j += 4093)
			ok &= p[i][j] == 'A' + i && p[i][sz[i] - 1] == 'A' + i;
	for (i = 0; i < 6; i += 2)
		dc_aligned64_free(p[i]);
	for (i = 0; i < 6; i += 2) {
		p[i] = dc_aligned64(sz[5 - i]);
		ok &= p[i] != NULL && (uintptr_t)p[i] % 64 == 0;
		if (p[i] != NULL)
			memset(p[i], 'a' + i, sz[5 - i]);
	}
	for (i = 1; i < 6; i += 2)
		for (j = 0; p[i] != NULL && j < sz[i]; j += 4093)
			ok &= p[i][j] == 'A' + i;
	for (i = 5; i >= 0; i--)
		dc_aligned64_free(p[i]);
	T_OK("dc_aligned64: 1 MiB - 64 to 5 MiB, six at once, freed and taken again: aligned, "
	    "each its own", ok);
	/* from 1 MiB on from the pool (the 0 before the buffer), below from malloc (its
	 * offset, 1 to 64): where the pool maps, not in the sanitized build nor with
	 * DCSEP_MALLOC_BIG (valgrind's runs), where it leaves all to malloc; six of 1
	 * MiB and more at once, more than the pool's four, freed in and out of order */
#ifndef DC_ASAN
	if (getenv("DCSEP_MALLOC_BIG") == NULL) {
		for (i = 0; i < 6; i++) {
			p[i] = dc_aligned64(sz[i]);
			q[i] = dc_aligned64((1u << 20) + (size_t)i * 77777);
			marks &= p[i] != NULL && q[i] != NULL && (p[i][-1] == 0) == (sz[i] >= (1u << 20)) &&
			    q[i][-1] == 0;
			if (p[i] != NULL && q[i] != NULL) {
				memset(p[i], 'P', sz[i]);
				memset(q[i], 'Q', (1u << 20) + (size_t)i * 77777);
			}
		}
		for (i = 0; i < 6; i++) {
			dc_aligned64_free(q[(i * 5) % 6]);
			dc_aligned64_free(p[i]);
		}
		T_OK("dc_aligned64: from 1 MiB on from the big pool, below from malloc; twelve at "
		    "once", marks);
	} else {
		for (i = 0; i < 6; i++) {
			p[i] = dc_aligned64(sz[i]);
			marks &= p[i] != NULL && p[i][-1] >= 1 && p[i][-1] <= 64;
		}
		for (i = 0; i < 6; i++)
			dc_aligned64_free(p[i]);
		T_OK("dc_aligned64 with DCSEP_MALLOC_BIG: all from malloc, big ones too", marks);
	}
#else
	(void)q;
	(void)marks;
#endif
}

/* test_finite: dc_floats_finite and dc_tensor_finite against isfinite, a NaN,
 * an Inf or a -Inf at each place about the 1024-float blocks, and the largest
 * finite floats and subnormals, which are finite */
static void
test_finite(void)
{
	static const int64_t ns[] = { 0, 1, 1023, 1024, 1025, 3000, 4096 };
	static const int64_t at[] = { 0, 1, 511, 1022, 1023, 1024, 1025, 2047, 2048, 2999, 4095 };
	float bad[3] = { NAN, INFINITY, -INFINITY }, *x = malloc(4096 * sizeof *x);
	dc_tensor t = { 0 };
	int a, b, k, ok = 1, cases = 0;
	int64_t i;

	for (k = 0; k < 7; k++) {
		int64_t n = ns[k];
		for (i = 0; i < n; i++)
			x[i] = i % 3 == 0 ? 3.4028235e38f : i % 3 == 1 ? -1e-45f : (float)i;
		ok &= dc_floats_finite(x, n) == DC_OK;
		for (a = 0; a < 11; a++)
			for (b = 0; b < 3 && at[a] < n; b++) {
				float keep = x[at[a]];
				x[at[a]] = bad[b];
				ok &= dc_floats_finite(x, n) == DC_ENONFINITE;
				x[at[a]] = keep;
				cases++;
			}
	}
	T_OK("dc_floats_finite: 0 to 4096 floats, NaN, Inf and -Inf at 11 places about the "
	    "blocks (111 cases), the largest and subnormal floats finite", ok && cases == 111);
	dc_tensor_alloc(&t, DC_C64, 2, (int64_t[]){ 3, 700 });
	((float *)t.data)[4199] = NAN;
	a = dc_tensor_finite(&t) == DC_ENONFINITE;
	((float *)t.data)[4199] = 0.0f;
	a &= dc_tensor_finite(&t) == DC_OK;
	T_OK("dc_tensor_finite: complex64, NaN in the last imaginary part", a);
	dc_tensor_free(&t);
	free(x);
}

static void
test_pool(void)
{
	static char tail[100001];
	dc_writer *w = dc_writer_mem();
	pthread_t th[2];
	int i, ok[2] = { 1, 1 }, aligned = 1;
	void *p[64];

	dc_write_header(w, NULL, "test");
	for (i = 0; i < POOLN; i++) {
		dc_tensor t;
		dc_recb b;
		int64_t j, n = pool_count(i);

		dc_tensor_alloc(&t, DC_F32, 1, (int64_t[]){ n });
		for (j = 0; j < n; j++)
			((float *)t.data)[j] = (float)(i * 4096 + j % 4096);
		dc_recb_init(&b, "big");
		dc_recb_tensor(&b, &t);
		memset(tail, 'a' + i % 26, sizeof tail - 1);
		if (i % 3 == 0)
			dc_recb_str(&b, "tail", tail);
		dc_write_recb(w, &b);
		dc_tensor_free(&t);
	}
	pool_buf = dc_writer_buf(w, &pool_len);
	for (i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, pool_reader, &ok[i]);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	T_OK("pool: two readers at once, records held and freed out of order: every tensor in "
	    "place, aligned, its own", ok[0] && ok[1]);
	for (i = 0; i < 64; i++) {
		p[i] = dc_aligned64((size_t)i * 67);
		aligned &= p[i] != NULL && (uintptr_t)p[i] % 64 == 0;
		if (p[i] != NULL)
			memset(p[i], 0x5a, (size_t)i * 67);
	}
	for (i = 63; i >= 0; i--)
		dc_aligned64_free(p[i]);
	dc_aligned64_free(NULL);
	T_OK("dc_aligned64: 0 to 4221 bytes, 64-byte aligned", aligned);
	dc_writer_close(w);
	big_tensors();
}

/*
 * test_sink: dc_reader_sink. A stream of an utterance (a "big" record of 280 KB
 * with its data last, a "big" one with a key after its data, a small record)
 * and an utterance in two blocks (a "big" record each): the first kind of big
 * record goes to the sink, its keys first and then its bytes in order, in
 * pieces, with the unit so far; the unit holds its keys, and its tensor's shape
 * without the bytes; the other is read whole. A sink's error, a cut in the data
 * and a big record before any utterance are what dc_read_unit says.
 */
struct sinkctx {
	unsigned char *got;
	size_t n, cap;
	int begins, pieces, bad, fail_at;
	char ids[64];
};

static int
sink_fn(void *ctx, const dc_unit *b, const dc_record *r, const void *p, size_t n)
{
	struct sinkctx *c = ctx;
	char id[16];
	int64_t k;

	if (r != NULL) {
		c->begins++;
		if (!r->sunk || dc_rec_int(r, "k", &k) != DC_OK || k != 3 ||
		    dc_rec_str(b->utt, "id", id, sizeof id) != DC_OK)
			c->bad = 1;
		else
			snprintf(c->ids + strlen(c->ids), sizeof c->ids - strlen(c->ids), "%s%lld ", id,
			    (long long)(b->blocked ? b->t0 : -1));
		return DC_OK;
	}
	if (n == 0 || c->begins == 0)
		c->bad = 1;
	if (++c->pieces == c->fail_at)
		return DC_EIO;
	if (c->n + n > c->cap) {
		c->cap = 2 * (c->n + n);
		c->got = realloc(c->got, c->cap);
	}
	memcpy(c->got + c->n, p, n);
	c->n += n;
	return DC_OK;
}


/* sink_read: every unit of buf[0..len) read with the sink; the kinds of the
 * records and whether each was sunk, into got; the last error */
static int
sink_read(const void *buf, size_t len, struct sinkctx *c, char *got, size_t gn)
{
	dc_reader *rd = dc_reader_mem(buf, len);
	dc_record hdr;
	dc_utt u = { 0 };
	dc_unit b;
	int err, i;

	memset(c->ids, 0, sizeof c->ids);
	*got = '\0';
	if ((err = dc_read_header(rd, &hdr)) == DC_OK) {
		dc_record_free(&hdr);
		dc_reader_sink(rd, (const char *const[]){ "big", NULL }, sink_fn, c);
		while ((err = dc_read_unit(rd, &u, &b)) == DC_OK)
			for (i = 0; i < u.n; i++)
				snprintf(got + strlen(got), gn - strlen(got), "%s%s ", u.recs[i].kind,
				    u.recs[i].sunk ? "*" : "");
	}
	dc_utt_free(&u);
	dc_reader_free(rd);
	return err;
}

static void
test_sink(void)
{
	dc_writer *w = dc_writer_mem(), *w2 = dc_writer_mem();
	struct sinkctx c = { 0 };
	const void *buf;
	size_t len, i;
	char got[256];
	dc_reader *rd;
	dc_record hdr, r;
	dc_tensor t;
	const void *data;
	dc_utt u = { 0 };
	dc_unit b;
	dc_recb rb;
	int err, same = 1, j;

	dc_write_header_version(w, NULL, "test", 2);
	dc_recb_init(&rb, "utt");
	dc_recb_str(&rb, "id", "a");
	dc_write_recb(w, &rb);
	put_big(w, 70000, 0.0f, 0);
	put_big(w, 1000, 5.0f, 1);
	dc_recb_init(&rb, "other");
	dc_write_recb(w, &rb);
	dc_recb_init(&rb, "utt");
	dc_recb_str(&rb, "id", "b");
	dc_recb_bool(&rb, "blocks", 1);
	dc_write_recb(w, &rb);
	for (j = 0; j < 2; j++) {
		dc_recb_init(&rb, "block");
		dc_recb_int(&rb, "t0", 4 * j);
		dc_recb_int(&rb, "frames", 4);
		dc_recb_bool(&rb, "last", j == 1);
		dc_write_recb(w, &rb);
		put_big(w, 20000, 1e6f * (float)(j + 1), 0);
	}
	buf = dc_writer_buf(w, &len);

	err = sink_read(buf, len, &c, got, sizeof got);
	T_EQ_INT("sink: the stream read to its end", err, DC_EEOF);
	T_OK("sink: the records with their data last sunk, the other read whole",
	    strcmp(got, "utt big* big other block big* block big* ") == 0);
	T_OK("sink: each record's keys first, with its unit (the utterance's id, the block's t0)",
	    !c.bad && c.begins == 3 && strcmp(c.ids, "a-1 b0 b4 ") == 0);
	T_OK("sink: the data in pieces", c.pieces > 3);
	for (i = 0; i < 70000 && same; i++) {
		float f;
		memcpy(&f, c.got + 4 * i, 4);
		same = f == (float)i;
	}
	for (i = 0; i < 40000 && same; i++) {
		float f;
		memcpy(&f, c.got + 280000 + 4 * i, 4);
		same = f == 1e6f * (float)(i / 20000 + 1) + (float)(i % 20000);
	}
	T_OK("sink: every byte of the data, in order", c.n == 440000 && same);

	/* the unit's record: keys, the shape against the data's length, no bytes */
	rd = dc_reader_mem(buf, len);
	dc_read_header(rd, &hdr);
	dc_record_free(&hdr);
	dc_reader_sink(rd, (const char *const[]){ "big", NULL }, sink_fn, &c);
	err = dc_read_unit(rd, &u, &b);
	T_OK("sink: the unit read", err == DC_OK && u.n == 4);
	if (err == DC_OK && u.n == 4) {
		T_OK("sink: the sunk record's tensor: its shape, no bytes",
		    dc_rec_tensor_bytes(&u.recs[1], &t, &data) == DC_OK && t.shape[0] == 70000 &&
		    data == NULL && u.recs[1].sunklen == 280000);
		T_EQ_INT("sink: dc_rec_tensor of a sunk record", dc_rec_tensor(&u.recs[1], &t),
		    DC_EMISSING);
		T_EQ_INT("sink: dc_rec_tensor_view of a sunk record",
		    dc_rec_tensor_view(&u.recs[1], &t), DC_EMISSING);
		dc_record_copy(&r, &u.recs[1]);
		T_OK("sink: a copy is sunk too", r.sunk && r.sunklen == 280000);
		dc_record_free(&r);
		T_EQ_INT("sink: a sunk record is not written", dc_write_record(w2, &u.recs[1]),
		    DC_EMISSING);
		T_OK("sink: the record with a key after its data, whole",
		    dc_rec_tensor(&u.recs[2], &t) == DC_OK && t.shape[0] == 1000 &&
		    ((float *)t.data)[999] == 1004.0f);
		dc_tensor_free(&t);
	}
	dc_utt_free(&u);
	dc_reader_free(rd);

	c.fail_at = 2;
	c.n = c.pieces = c.begins = 0;
	T_EQ_INT("sink: its error is the read's", sink_read(buf, len, &c, got, sizeof got), DC_EIO);
	c.fail_at = 0;
	c.n = c.pieces = c.begins = 0;
	T_EQ_INT("sink: a stream cut inside a sunk record's data",
	    sink_read(buf, 200000, &c, got, sizeof got), DC_ETRUNC);

	/* a big record before the first utterance: not sunk, refused as before */
	dc_writer_close(w2);
	w2 = dc_writer_mem();
	dc_write_header(w2, NULL, "test");
	put_big(w2, 70000, 0.0f, 0);
	buf = dc_writer_buf(w2, &len);
	c.n = c.pieces = c.begins = 0;
	T_OK("sink: a big record before any utterance: not sunk, DC_EORDER",
	    sink_read(buf, len, &c, got, sizeof got) == DC_EORDER && c.begins == 0);
	free(c.got);
	dc_writer_close(w);
	dc_writer_close(w2);
}

/*
 * refused: a call the writer refused for its arguments (formats/stream.md's
 * rules), on a fresh memory writer w: got is want, nothing was written, and
 * want stays the writer's error (dc_writer_close, which frees w, returns it).
 */
static void
refused(const char *name, int got, dc_writer *w, int want)
{
	char n2[160];
	size_t len;

	T_EQ_INT(name, got, want);
	dc_writer_buf(w, &len);
	snprintf(n2, sizeof n2, "%s: nothing written", name);
	T_EQ_INT(n2, (long long)len, 0);
	snprintf(n2, sizeof n2, "%s: the writer's error", name);
	T_EQ_INT(n2, dc_writer_close(w), want);
}

static void
test_writer_refused(void)
{
	static const char *const keys[] = { "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k",
	    "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y" };
	int64_t shape[2] = { 2, 3 };
	dc_tensor t, t2;
	dc_record hdr, r;
	dc_writer *w;
	dc_recb b;
	size_t len;
	const void *buf;
	dc_reader *rd;
	int i;

	dc_tensor_alloc(&t, DC_F32, 2, shape);
	dc_tensor_alloc(&t2, DC_I32, 1, shape);
	w = dc_writer_mem();
	refused("header version 3: DC_EPARAM", dc_write_header_version(w, NULL, "test", 3), w, DC_EPARAM);
	w = dc_writer_mem();
	refused("header version 0: DC_EPARAM", dc_write_header_version(w, NULL, "test", 0), w, DC_EPARAM);
	w = dc_writer_mem();
	refused("header, tool NULL: DC_EPARAM", dc_write_header(w, NULL, NULL), w, DC_EPARAM);

	w = dc_writer_mem();
	dc_recb_init(&b, "utt");
	dc_recb_str(&b, "id", "a");
	dc_recb_int(&b, "id", 3);
	refused("a key twice: DC_EDUPKEY", dc_write_recb(w, &b), w, DC_EDUPKEY);
	w = dc_writer_mem();
	dc_recb_init(&b, "utt");
	dc_recb_str(&b, "kind", "x");
	refused("a field named kind: DC_EDUPKEY", dc_write_recb(w, &b), w, DC_EDUPKEY);
	w = dc_writer_mem();
	dc_recb_init(&b, "stft");
	dc_recb_str(&b, "dtype", "float32");
	dc_recb_tensor(&b, &t);
	refused("a field named dtype beside a tensor: DC_EDUPKEY", dc_write_recb(w, &b), w, DC_EDUPKEY);
	w = dc_writer_mem();
	dc_recb_init(&b, "stft");
	dc_recb_tensor(&b, &t);
	dc_recb_tensor(&b, &t2);
	refused("two tensors: DC_EDUPKEY", dc_write_recb(w, &b), w, DC_EDUPKEY);
	w = dc_writer_mem();
	dc_recb_init(&b, "");
	refused("kind empty: DC_EPARAM", dc_write_recb(w, &b), w, DC_EPARAM);
	w = dc_writer_mem();
	dc_recb_init(&b, "a-kind-of-thirty-two-bytes-long!");
	refused("kind of 32 bytes: DC_EPARAM", dc_write_recb(w, &b), w, DC_EPARAM);
	w = dc_writer_mem();
	dc_recb_init(&b, NULL);
	refused("kind NULL: DC_EPARAM", dc_write_recb(w, &b), w, DC_EPARAM);
	w = dc_writer_mem();
	dc_recb_init(&b, "utt");
	dc_recb_str(&b, NULL, "a");
	refused("key NULL: DC_EPARAM", dc_write_recb(w, &b), w, DC_EPARAM);
	w = dc_writer_mem();
	dc_recb_init(&b, "utt");
	dc_recb_str(&b, "id", NULL);
	refused("string NULL: DC_EPARAM", dc_write_recb(w, &b), w, DC_EPARAM);
	w = dc_writer_mem();
	dc_recb_init(&b, "utt");
	dc_recb_int(&b, "rate", 8000);
	b.f[0].type = 9;
	refused("field type 9: DC_EPARAM", dc_write_recb(w, &b), w, DC_EPARAM);
	w = dc_writer_mem();
	dc_recb_init(&b, "utt");
	for (i = 0; i < DC_MAXFIELDS + 1; i++)
		dc_recb_int(&b, keys[i], i);
	T_EQ_INT("25 fields: the 25th not kept", b.n, DC_MAXFIELDS + 1);
	refused("25 fields: DC_EPARAM", dc_write_recb(w, &b), w, DC_EPARAM);
	{
		dc_utt u = { 0 };
		T_EQ_INT("25 fields to an utterance: DC_EPARAM", dc_utt_append(&u, &b), DC_EPARAM);
		T_EQ_INT("... nothing appended", u.n, 0);
		dc_utt_free(&u);
	}
	w = dc_writer_mem();
	dc_recb_init(&b, "utt");
	for (i = 0; i < DC_MAXFIELDS; i++)
		dc_recb_int(&b, keys[i], i);
	T_EQ_INT("24 fields: written", dc_write_recb(w, &b), DC_OK);
	T_EQ_INT("24 fields: close", dc_writer_close(w), DC_OK);

	w = dc_writer_mem();
	dc_recb_init(&b, "stft");
	dc_recb_tensor(&b, NULL);
	refused("tensor NULL: DC_EPARAM", dc_write_recb(w, &b), w, DC_EPARAM);
	w = dc_writer_mem();
	t.dtype = 99;
	dc_recb_init(&b, "stft");
	dc_recb_tensor(&b, &t);
	refused("dtype 99: DC_EPARAM", dc_write_recb(w, &b), w, DC_EPARAM);
	t.dtype = DC_F32;
	w = dc_writer_mem();
	t.shape[0] = -2;
	refused("a negative dimension: DC_EPARAM", dc_write_recb(w, &b), w, DC_EPARAM);
	t.shape[0] = 2;
	w = dc_writer_mem();
	t.ndim = 5;
	refused("5 dimensions: DC_EPARAM", dc_write_recb(w, &b), w, DC_EPARAM);
	t.ndim = 2;
	w = dc_writer_mem();
	t.shape[0] = INT64_C(1) << 40;
	refused("2^41 elements: DC_ELIMIT", dc_write_recb(w, &b), w, DC_ELIMIT);
	t.shape[0] = 2;
	w = dc_writer_mem();
	refused("a tensor without data: DC_EPARAM",
	    dc_write_recb(w, &(dc_recb){ "stft", 1, { { "data", DC_FTENSOR, 0, 0, NULL,
	    &(dc_tensor){ DC_F32, 1, { 4 }, NULL, 0 } } } }), w, DC_EPARAM);
	w = dc_writer_mem();
	dc_recb_init(&b, "stft");
	dc_recb_tensor(&b, &t);
	dc_recb_int(&b, "k", 2);
	refused("head: the last field not a tensor: DC_EPARAM", dc_write_recb_head(w, &b), w, DC_EPARAM);
	w = dc_writer_mem();
	refused("bytes NULL: DC_EPARAM", dc_write_bytes(w, NULL, 4), w, DC_EPARAM);
	w = dc_writer_mem();
	memset(&r, 0, sizeof r);
	refused("an empty dc_record: DC_EPARAM", dc_write_record(w, &r), w, DC_EPARAM);
	w = dc_writer_mem();
	refused("utterance NULL: DC_EPARAM", dc_write_utt(w, NULL), w, DC_EPARAM);
	/* a history that would take the header past DC_REC_ELEMS: a header of n names
	 * has 7 + n elements (the map, two keys and values, "history" and its array),
	 * the one written one more */
	for (i = 0; i < 2; i++) {
		msgpack_sbuffer sb;
		msgpack_packer pk;
		int j, nh = DC_REC_ELEMS - 7 - i;

		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 3);
		msgpack_pack_str_with_body(&pk, "kind", 4);
		msgpack_pack_str_with_body(&pk, "dcsep", 5);
		msgpack_pack_str_with_body(&pk, "version", 7);
		msgpack_pack_int(&pk, 1);
		msgpack_pack_str_with_body(&pk, "history", 7);
		msgpack_pack_array(&pk, (size_t)nh);
		for (j = 0; j < nh; j++)
			msgpack_pack_str_with_body(&pk, "t", 1);
		rd = dc_reader_mem(sb.data, sb.size);
		T_EQ_INT(i ? "a header of 4095 elements reads" : "a header of 4096 elements reads",
		    dc_read_header(rd, &hdr), DC_OK);
		w = dc_writer_mem();
		if (i == 0) {
			refused("its history and one more tool: DC_EELEMS", dc_write_header(w, &hdr, "test"), w,
			    DC_EELEMS);
		} else {
			T_EQ_INT("its history and one more tool: 4096 elements", dc_write_header(w, &hdr, "test"),
			    DC_OK);
			dc_record_free(&hdr);
			dc_reader_free(rd);
			buf = dc_writer_buf(w, &len);
			rd = dc_reader_mem(buf, len);
			T_EQ_INT("... which reads", dc_read_header(rd, &hdr), DC_OK);
			dc_writer_close(w);
		}
		dc_record_free(&hdr);
		dc_reader_free(rd);
		msgpack_sbuffer_destroy(&sb);
	}

	T_EQ_INT("writer NULL: DC_EPARAM", dc_write_recb(NULL, &b), DC_EPARAM);
	T_EQ_INT("dc_writer_close(NULL): DC_OK", dc_writer_close(NULL), DC_OK);

	/* the first error stays: a refused record, then a good one is not written */
	w = dc_writer_mem();
	T_EQ_INT("header", dc_write_header_version(w, NULL, "test", 2), DC_OK);
	dc_writer_buf(w, &len);
	dc_recb_init(&b, "utt");
	dc_recb_str(&b, "id", "a");
	dc_recb_str(&b, "id", "b");
	T_EQ_INT("after a header: a key twice", dc_write_recb(w, &b), DC_EDUPKEY);
	dc_recb_init(&b, "utt");
	dc_recb_str(&b, "id", "a");
	T_EQ_INT("a good record after it: the first error", dc_write_recb(w, &b), DC_EDUPKEY);
	buf = dc_writer_buf(w, &len);
	rd = dc_reader_mem(buf, len);
	T_EQ_INT("the header alone was written", dc_read_header(rd, &hdr), DC_OK);
	T_EQ_INT("... and reads as version 2", dc_reader_version(rd), 2);
	T_EQ_INT("... then the end", dc_read(rd, &r), DC_EEOF);
	dc_record_free(&hdr);
	dc_reader_free(rd);
	dc_writer_close(w);
	dc_tensor_free(&t);
	dc_tensor_free(&t2);
}

/*
 * Zero-copy passing on (stream.c, zc_move and zc_tee): the reader on a pipe or a
 * file, its writer on a pipe or a file (or none), the bytes moved by splice or
 * duplicated by tee where the kernel takes them, copied where it does not.
 */
struct feed {
	int fd;
	const char *buf;
	size_t len;
};

static void *
feeder(void *arg)
{
	struct feed *f = arg;
	size_t off = 0;
	ssize_t r;

	while (off < f->len && (r = write(f->fd, f->buf + off, f->len - off)) > 0)
		off += (size_t)r;
	close(f->fd);
	return NULL;
}

struct drain {
	int fd;
	char *buf;
	size_t len, cap;
};

static void *
drainer(void *arg)
{
	struct drain *d = arg;
	ssize_t r;

	for (;;) {
		if (d->len + 65536 > d->cap) {
			d->cap = 2 * d->cap + 65536;
			d->buf = realloc(d->buf, d->cap);
		}
		if ((r = read(d->fd, d->buf + d->len, 65536)) <= 0)
			break;
		d->len += (size_t)r;
	}
	close(d->fd);
	return NULL;
}

/* zc_stream: an utterance with a big record whose tensor ends it (embed, 1.2 MB),
 * one with a key after its tensor (big, 1.6 MB), small ones about them; a second
 * utterance with a record of 200 kB */
static dc_writer *
zc_stream(void)
{
	dc_writer *w = first_utt();

	put_big(w, 400000, 3.0f, 1);
	put_rec(w, "labels", 10, 4.0f);
	return second_utt(w, 50000, 5.0f);
}

/* sum_of: the sum of the values of u's records' tensors, to check what is handed
 * out is whole */
static double
sum_of(const dc_utt *u)
{
	double s = 0.0;
	int i;
	int64_t j;

	for (i = 0; i < u->n; i++) {
		dc_tensor t;
		if (!dc_rec_has_tensor(&u->recs[i]) || dc_rec_tensor_view(&u->recs[i], &t) != DC_OK)
			continue;
		for (j = 0; j < t.shape[0]; j++)
			s += ((float *)t.data)[j];
		dc_tensor_free(&t);
	}
	return s;
}

/* mem_sum: sum_of every utterance of buf[0..len) read from memory with use selected */
static double
mem_sum(const char *buf, size_t len, const char *const *use)
{
	dc_reader *rd = dc_reader_mem(buf, len);
	dc_record hdr;
	dc_utt u = { 0 };
	double s = 0.0;

	if (dc_read_header(rd, &hdr) == DC_OK) {
		dc_record_free(&hdr);
		dc_reader_select(rd, use, NULL, NULL);
		while (dc_read_utt(rd, &u) == DC_OK)
			s += sum_of(&u);
	}
	dc_utt_free(&u);
	dc_reader_free(rd);
	return s;
}

/* zc_read: buf[0..len) through dc_reader_select(use, NULL, writer) as select_read
 * does, read from a pipe (in 0) or a file (1), the writer on a pipe (out 0), a
 * file (1) or none (2): what went out into *ob (malloc'd, *olen), the kinds handed
 * out into got, the sum of their tensors' values into *sum, the bytes moved into
 * *moved. Returns the first error other than DC_EEOF. */
static int
zc_read(const char *buf, size_t len, int in, int out, const char *const *use, char **ob,
    size_t *olen, char *got, size_t n, double *sum, uint64_t *moved)
{
	char path[] = "/tmp/dcsep-test-zc-XXXXXX";
	int ip[2] = { -1, -1 }, op[2] = { -1, -1 }, fd, err;
	pthread_t ft, dt;
	struct feed fe = { 0 };
	struct drain dr = { 0 };
	FILE *fin, *fout = NULL;
	dc_writer *w = NULL;
	dc_reader *rd;
	dc_record hdr;
	dc_utt u = { 0 };

	*ob = NULL;
	*olen = 0;
	got[0] = '\0';
	*sum = 0.0;
	if (in == 0) {
		if (pipe(ip) != 0)
			return DC_EIO;
		fe.fd = ip[1];
		fe.buf = buf;
		fe.len = len;
		pthread_create(&ft, NULL, feeder, &fe);
		fin = fdopen(ip[0], "r");
	} else {
		if ((fd = mkstemp(path)) < 0 || write(fd, buf, len) != (ssize_t)len)
			return DC_EIO;
		close(fd);
		fin = fopen(path, "r");
		unlink(path);
	}
	if (out == 0) {
		if (pipe(op) != 0)
			return DC_EIO;
		dr.fd = op[0];
		pthread_create(&dt, NULL, drainer, &dr);
		fout = fdopen(op[1], "w");
	} else if (out == 1) {
		fout = tmpfile();
	}
	if (fout)
		w = dc_writer_file(fout);
	rd = dc_reader_file(fin);
	if ((err = dc_read_header(rd, &hdr)) == DC_OK) {
		if (w)
			dc_write_header(w, NULL, "test");
		dc_record_free(&hdr);
		dc_reader_select(rd, use, NULL, w);
		while ((err = dc_read_utt(rd, &u)) == DC_OK) {
			add_kinds(got, n, &u);
			*sum += sum_of(&u);
		}
	}
	*moved = dc_reader_moved(rd);
	dc_utt_free(&u);
	dc_reader_free(rd);
	fclose(fin);
	if (w && dc_writer_close(w) != DC_OK)
		err = DC_EIO;
	if (out == 1) {
		long sz = ftell(fout);
		*ob = malloc(sz > 0 ? (size_t)sz : 1);
		rewind(fout);
		*olen = fread(*ob, 1, (size_t)sz, fout);
	}
	if (fout)
		fclose(fout);
	if (out == 0) {
		pthread_join(dt, NULL);
		*ob = dr.buf;
		*olen = dr.len;
	}
	if (in == 0)
		pthread_join(ft, NULL);
	return err == DC_EEOF ? DC_OK : err;
}

static void
test_zero_copy(void)
{
	static const char *const pass[] = { "stft", "labels", NULL };
	static const char *const tee[] = { "stft", "embed", "big", "labels", NULL };
	static const char *const inn[] = { "a pipe", "a file" }, *const outn[] = { "a pipe",
	    "a file", "none" };
	dc_writer *w = zc_stream();
	size_t len, olen, cut;
	const char *buf = dc_writer_buf(w, &len);
	char *ob, got[256], want[256], name[200];
	double sum, wsum, wtee;
	uint64_t moved;
	int in, out, bad, err;

	/* the reference: from memory, with the copying reader */
	wtee = mem_sum(buf, len, tee);
	wsum = mem_sum(buf, len, pass);
	select_read(buf, len, pass, NULL, NULL, want, sizeof want);
	for (in = 0; in < 2; in++)
		for (out = 0; out < 3; out++) {
			/* records not handed out: spliced on (or to /dev/null) */
			err = zc_read(buf, len, in, out, pass, &ob, &olen, got, sizeof got, &sum,
			    &moved);
			snprintf(name, sizeof name, "from %s to %s, big records passed on unread: the "
			    "stream byte for byte, the same records handed out", inn[in], outn[out]);
			T_OK(name, err == DC_OK && strcmp(got, want) == 0 && sum == wsum &&
			    (out == 2 ? olen == 0 : olen == len && memcmp(ob, buf, len) == 0));
			/* the kernel moves them from a pipe (a file is copied from, not
			 * to share its cache's pages): all but what the reader holds of
			 * each of the three big records when it knows them (a chunk, 64
			 * KiB, at most) and the small records */
			snprintf(name, sizeof name, "from %s to %s: %s", inn[in], outn[out],
			    in == 1 ? "copied" : "moved by splice, but a chunk of each");
			T_OK(name, in == 1 ? moved == 0 : moved > len - 4 * 65536 && moved < len);
			free(ob);
			/* records handed out and passed on: teed between pipes */
			err = zc_read(buf, len, in, out, tee, &ob, &olen, got, sizeof got, &sum, &moved);
			snprintf(name, sizeof name, "from %s to %s, big records handed out and passed "
			    "on: the stream byte for byte, the records whole", inn[in], outn[out]);
			T_OK(name, err == DC_OK && sum == wtee &&
			    strcmp(got, "utt stft embed big labels utt embed labels ") == 0 &&
			    (out == 2 ? olen == 0 : olen == len && memcmp(ob, buf, len) == 0));
			snprintf(name, sizeof name, "from %s to %s: %s", inn[in], outn[out],
			    in == 0 && out == 0 ? "duplicated by tee, but a chunk of each" :
			    "copied (tee takes two pipes)");
			T_OK(name, in == 0 && out == 0 ? moved > len - 4 * 65536 && moved < len :
			    moved == 0);
			free(ob);
		}
	/* cut inside each big record, from a pipe into a pipe: a truncation, and what
	 * went on a prefix of the stream */
	bad = 0;
	for (cut = 100000; cut < len; cut += 397731) {
		err = zc_read(buf, cut, 0, 0, pass, &ob, &olen, got, sizeof got, &sum, &moved);
		bad += err != DC_ETRUNC || olen > cut || memcmp(ob, buf, olen) != 0;
		free(ob);
		err = zc_read(buf, cut, 0, 0, tee, &ob, &olen, got, sizeof got, &sum, &moved);
		bad += err != DC_ETRUNC || olen > cut || memcmp(ob, buf, olen) != 0;
		free(ob);
	}
	T_EQ_INT("cut inside the big records between pipes: a truncation, a prefix passed on", bad,
	    0);
	dc_writer_close(w);
}

/* test_strs: dc_record_set_strs adds an array of strings after a record's keys,
 * or puts it where the key was; dc_rec_strs reads it back, an element that is no
 * string as NULL, no more than max, and -1 for a key absent or not an array */
static void
test_strs(void)
{
	dc_recb b;
	dc_record r;
	const char *v[4];
	const char *in[3] = { "s1.wav", "", "dir/s 3.wav" };
	size_t len[4];
	const msgpack_object_map *mp;
	int64_t x;
	char s[32];

	dc_recb_init(&b, "utt");
	dc_recb_str(&b, "id", "u");
	dc_recb_int(&b, "rate", 8000);
	dc_recb_to_record(&b, &r);
	T_EQ_INT("strs: absent: -1", dc_rec_strs(&r, "refs", v, len, 4), -1);
	T_EQ_INT("strs: a string is no array: -1", dc_rec_strs(&r, "id", v, len, 4), -1);
	dc_record_set_strs(&r, "refs", in, 3);
	mp = &DC_REC_CMAP(&r)->via.map;
	T_OK("strs: added after the keys, which keep their values", mp->size == 4 &&
	    strcmp(r.kind, "utt") == 0 && dc_rec_str(&r, "id", s, sizeof s) == DC_OK && strcmp(s, "u") == 0 &&
	    dc_rec_int(&r, "rate", &x) == DC_OK && x == 8000 && mp->ptr[3].key.via.str.size == 4 &&
	    memcmp(mp->ptr[3].key.via.str.ptr, "refs", 4) == 0);
	T_EQ_INT("strs: 3 read back", dc_rec_strs(&r, "refs", v, len, 4), 3);
	T_OK("strs: each string and its length", len[0] == 6 && memcmp(v[0], "s1.wav", 6) == 0 &&
	    len[1] == 0 && len[2] == 11 && memcmp(v[2], "dir/s 3.wav", 11) == 0);
	T_EQ_INT("strs: max 1: the count, one read", dc_rec_strs(&r, "refs", v, len, 1), 3);
	T_EQ_INT("strs: max 0, no arrays: the count", dc_rec_strs(&r, "refs", NULL, NULL, 0), 3);
	dc_record_set_strs(&r, "refs", in + 2, 1);
	T_OK("strs: set again: the key once, its new value", DC_REC_CMAP(&r)->via.map.size == 4 &&
	    dc_rec_strs(&r, "refs", v, len, 4) == 1 && len[0] == 11);
	dc_record_set_strs(&r, "id", in, 2);
	T_OK("strs: a key of another type replaced", DC_REC_CMAP(&r)->via.map.size == 4 &&
	    dc_rec_str(&r, "id", s, sizeof s) != DC_OK && dc_rec_strs(&r, "id", v, len, 4) == 2);
	dc_record_free(&r);

	/* an array with a number among its strings: that element NULL */
	{
		msgpack_sbuffer sb;
		msgpack_packer pk;
		dc_reader *rd;

		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 2);
		msgpack_pack_str_with_body(&pk, "kind", 4);
		msgpack_pack_str_with_body(&pk, "utt", 3);
		msgpack_pack_str_with_body(&pk, "refs", 4);
		msgpack_pack_array(&pk, 2);
		msgpack_pack_int(&pk, 1);
		msgpack_pack_str_with_body(&pk, "s1.wav", 6);
		rd = dc_reader_mem(sb.data, sb.size);
		T_EQ_INT("strs: a record with [1, \"s1.wav\"] read", dc_read(rd, &r), DC_OK);
		T_OK("strs: the number NULL, the string kept", dc_rec_strs(&r, "refs", v, len, 4) == 2 &&
		    v[0] == NULL && len[0] == 0 && len[1] == 6 && memcmp(v[1], "s1.wav", 6) == 0);
		dc_record_free(&r);
		dc_reader_free(rd);
		msgpack_sbuffer_destroy(&sb);
	}
}

int
main(void)
{
	test_big_record();
	test_view();
	test_pool();
	test_finite();
	test_roundtrip();
	test_passthrough();
	test_select();
	test_zero_copy();
	test_replace();
	test_write_pieces();
	test_formats();
	test_ids();
	test_big_path();
	test_truncation();
	test_garbage();
	test_tensors();
	test_errtab();
	test_concat_and_order();
	test_stft_inverse();
	test_units();
	test_stft_blocks();
	test_sink();
	test_writer_refused();
	test_strs();
	return t_done();
}
