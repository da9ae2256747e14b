/*
 * fuzz_stream.c: the stream reader on hostile bytes, as the tools use it:
 * dc_reader_mem, dc_read_header, dc_read_utt, and on every record dc_rec_tensor
 * and dc_rec_stft_params with the checks the tools make; then the records read are
 * written again and read back (the same kinds, in the same order), and the bytes
 * are read a second time record by record, as dc-dump reads them, and a third
 * time as dc-mask reads them (dc_reader_select: records it does not read are
 * passed on unparsed).
 */
#include <math.h>
#include <string.h>

#include "fuzz.h"

/* check_record: what the tools ask of a record, with the invariants of the answers. */
static void
check_record(const dc_record *r)
{
	dc_tensor t;
	dc_stft_params p;
	dc_record c;
	int64_t v;
	double d;
	char buf[256];
	int err, terr, perr;

	FUZZ_CHECK(r->kind[0] != '\0' && strlen(r->kind) < sizeof r->kind);
	terr = dc_rec_tensor(r, &t);
	FUZZ_CHECK(terr == DC_OK || terr == DC_EKEY || terr == DC_EDTYPE || terr == DC_ESHAPE ||
	    terr == DC_ELIMIT);
	if (terr == DC_OK) {
		const msgpack_object *da = dc_rec_get(r, "data");
		int64_t n = dc_tensor_count(&t);
		FUZZ_CHECK(t.ndim >= 1 && t.ndim <= DC_MAXDIM && dc_dtype_size(t.dtype) > 0);
		FUZZ_CHECK(n >= 0 && n <= dc_limit_elems());
		FUZZ_CHECK(da != NULL && (uint64_t)n * dc_dtype_size(t.dtype) == da->via.bin.size);
		FUZZ_CHECK((n == 0) == (t.data == NULL));
		err = dc_tensor_finite(&t);
		FUZZ_CHECK(err == DC_OK || err == DC_ENONFINITE);
		dc_tensor_free(&t);
	} else
		FUZZ_CHECK(t.data == NULL && t.ndim == 0);
	perr = dc_rec_stft_params(r, &p);
	FUZZ_CHECK(perr == DC_OK || perr == DC_EKEY || perr == DC_EPARAM);
	if (perr == DC_OK) {
		int64_t T = dc_stft_frames(&p);
		FUZZ_CHECK(dc_stft_check(&p) == DC_OK);
		FUZZ_CHECK(T >= 0 && T <= p.samples + p.nfft);
	}
	/* the keys the tools read, of any type */
	dc_rec_int(r, "k", &v);
	dc_rec_num(r, "rate", &d);
	if (dc_rec_str(r, "id", buf, sizeof buf) == DC_OK)
		FUZZ_CHECK(strlen(buf) < sizeof buf);
	dc_record_copy(&c, r);
	FUZZ_CHECK(strcmp(c.kind, r->kind) == 0);
	dc_record_free(&c);
}

int
fuzz_stream(const uint8_t *data, size_t size)
{
	dc_reader *rd = dc_reader_mem(data, size), *rd2;
	dc_writer *w = dc_writer_mem();
	dc_record hdr, r;
	dc_utt u = { 0 };
	char kinds[4096];
	size_t nk = 0, len, i;
	const void *buf;
	int err, nutt = 0;

	err = dc_read_header(rd, &hdr);
	if (err == DC_OK) {
		dc_write_header(w, &hdr, "fuzz");
		dc_record_free(&hdr);
		while ((err = dc_read_utt(rd, &u)) == DC_OK) {
			char id[DC_ID_MAX];
			const char *why;

			FUZZ_CHECK(u.n >= 1 && strcmp(u.recs[0].kind, "utt") == 0);
			why = dc_utt_id(&u, id);
			FUZZ_CHECK(why != NULL || strlen(id) < DC_ID_MAX);
			dc_utt_find(&u, "stft");
			for (i = 0; i < (size_t)u.n; i++) {
				check_record(&u.recs[i]);
				if (nk < sizeof kinds)
					kinds[nk++] = u.recs[i].kind[0];
			}
			FUZZ_CHECK(dc_write_utt(w, &u) == DC_OK);
			nutt++;
		}
	}
	FUZZ_CHECK(err != DC_OK && fuzz_err_ok(err));
	FUZZ_CHECK(dc_reader_offset(rd) <= size);
	if (err == DC_EEOF)
		FUZZ_CHECK(dc_reader_offset(rd) == size);
	/* what was read is written again and reads back the same */
	buf = dc_writer_buf(w, &len);
	rd2 = dc_reader_mem(buf, len);
	if (dc_read_header(rd2, &hdr) == DC_OK) {
		size_t j = 0;
		int n2 = 0;
		dc_record_free(&hdr);
		while ((err = dc_read_utt(rd2, &u)) == DC_OK) {
			for (i = 0; i < (size_t)u.n; i++, j++)
				FUZZ_CHECK(j >= nk || u.recs[i].kind[0] == kinds[j]);
			n2++;
		}
		FUZZ_CHECK(err == DC_EEOF && n2 == nutt);
	} else
		FUZZ_CHECK(len == 0);
	dc_reader_free(rd2);
	dc_utt_free(&u);
	dc_reader_free(rd);
	FUZZ_CHECK(dc_writer_close(w) == DC_OK);

	/* as dc-mask reads: the rest passed on; what it writes reads back whole */
	rd = dc_reader_mem(data, size);
	w = dc_writer_mem();
	if (dc_read_header(rd, &hdr) == DC_OK) {
		dc_write_header(w, &hdr, "fuzz");
		dc_record_free(&hdr);
		dc_reader_select(rd, (const char *const[]){ "stft", "labels", NULL }, NULL, w);
		while ((err = dc_read_utt(rd, &u)) == DC_OK)
			FUZZ_CHECK(u.n >= 1 && strcmp(u.recs[0].kind, "utt") == 0);
		FUZZ_CHECK(fuzz_err_ok(err) && dc_reader_offset(rd) <= size);
		if (err == DC_EEOF) {
			FUZZ_CHECK(dc_reader_offset(rd) == size);
			buf = dc_writer_buf(w, &len);
			rd2 = dc_reader_mem(buf, len);
			FUZZ_CHECK(dc_read_header(rd2, &hdr) == DC_OK);
			dc_record_free(&hdr);
			while ((err = dc_read_utt(rd2, &u)) == DC_OK)
				;
			/* a record passed on unparsed had its keys unchecked: the next
			 * reader is the one to refuse a key twice (formats/stream.md) */
			FUZZ_CHECK(err == DC_EEOF || err == DC_EDUPKEY);
			dc_reader_free(rd2);
		}
	}
	dc_utt_free(&u);
	dc_reader_free(rd);
	FUZZ_CHECK(dc_writer_close(w) == DC_OK);

	/* record by record, as dc-dump reads */
	rd = dc_reader_mem(data, size);
	if (dc_read_header(rd, &hdr) == DC_OK) {
		dc_record_free(&hdr);
		while ((err = dc_read(rd, &r)) == DC_OK) {
			check_record(&r);
			dc_record_free(&r);
		}
		FUZZ_CHECK(fuzz_err_ok(err));
	}
	dc_reader_free(rd);
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
	return fuzz_stream(data, size);
}
#endif
