/*
 * stream.h: records and streams (stream.c), the format of formats/stream.md: a
 * record is one msgpack map with a string "kind"; a stream is a header record,
 * then utterances. The reader checks every length claim against the bytes it has
 * before it allocates; the writer keeps its first error.
 */
#ifndef DC_STREAM_H
#define DC_STREAM_H


#include "util.h"

#ifdef __cplusplus
extern "C" {
#endif

/* the newest version read and written: 2, streams with utterances in blocks; a
 * stream without blocks is written as version 1, as before (formats/stream.md) */
#define DC_STREAM_VERSION 2
/* the most msgpack elements (keys, values, array items) of one record: the objects
 * msgpack-c makes of them take 24 bytes each, whatever the element's size */
#define DC_REC_ELEMS 4096

/* ---------------------------------------------------------------- records */

/*
 * A record is one msgpack map with a string "kind". A dc_record owns the
 * unpacked object; accessors read keys from it. Reading into a record again, or
 * dc_record_free(), invalidates what the accessors returned.
 */
struct msgpack_zone;
typedef struct {
	char kind[32];
	/* the unpacked map, msgpack-c's object (stream_impl.h: DC_REC_MAP), held
	 * here in its bytes so that this header needs no msgpack.h */
	union {
		unsigned char bytes[24];
		void *p;
		double d;
		int64_t i;
	} map_;
	struct msgpack_zone *zone;      /* owns the map */
	int sunk;               /* its data went to a sink (dc_reader_sink): "data" is nil */
	uint64_t sunklen;       /* ... and was this many bytes */
} dc_record;

void dc_record_free(dc_record *r);
/* dc_record_copy: deep copy of src into dst (dst is overwritten, not freed). */
void dc_record_copy(dc_record *dst, const dc_record *src);
/* dc_record_set_strs: r made again with key an array of the n strings v, after
 * its other keys (where r had key, it goes). */
void dc_record_set_strs(dc_record *r, const char *key, const char *const *v, int n);
/* dc_rec_strs: the strings of key, an array: the first max of its elements in
 * v[], not NUL-terminated, their lengths in lens[] (an element that is not a
 * string: NULL and 0); returns how many elements there are, or -1 where key is
 * absent or not an array. */
int dc_rec_strs(const dc_record *r, const char *key, const char **v, size_t *lens, int max);

/* Each returns DC_EKEY if the key is missing or of another type; dc_rec_str also
 * for a string of n bytes or more, or one with a NUL byte in it. */
int dc_rec_int(const dc_record *r, const char *key, int64_t *v);
int dc_rec_num(const dc_record *r, const char *key, double *v);  /* int or float */
int dc_rec_str(const dc_record *r, const char *key, char *buf, size_t n);
int dc_rec_bool(const dc_record *r, const char *key, int *v);   /* 1 or 0 */
/* dc_rec_tensor: the "dtype", "shape", "data" of a record as a fresh tensor,
 * checked: known dtype, 1 to DC_MAXDIM non-negative dims, elements within the
 * limit, data length equal to the shape's. */
int dc_rec_tensor(const dc_record *r, dc_tensor *t);
/* dc_rec_tensor_bytes: the same checks, without the copy: t gets the dtype and
 * shape (data NULL), *data the record's bytes of the tensor in place: valid while
 * r is, and not aligned (read them with memcpy). A sunk record's shape is checked
 * against the length its data had, and *data is NULL (dc_rec_tensor and
 * dc_rec_tensor_view refuse it: DC_EMISSING). */
int dc_rec_tensor_bytes(const dc_record *r, dc_tensor *t, const void **data);
/* dc_rec_tensor_view: dc_rec_tensor without the copy where the record's bytes of
 * the tensor are 64-byte aligned (the reader places a big record's tensor so):
 * then t->view is 1 and t->data lies in r, valid while r is (dc_tensor_free leaves
 * it); else a fresh copy, as dc_rec_tensor. Either way the tensor is read-only. */
int dc_rec_tensor_view(const dc_record *r, dc_tensor *t);
int dc_rec_has_tensor(const dc_record *r);

/* ---------------------------------------------------------------- reader */

typedef struct dc_reader dc_reader;
typedef struct dc_writer dc_writer;

/* dc_reader_file, dc_reader_mem: a reader on an open file or on memory (which
 * must outlive the reader). dc_reader_file and dc_writer_file grow a pipe to
 * 256 KiB where the system lets them (F_SETPIPE_SZ). dc_reader_file makes f
 * unbuffered (setvbuf), so nothing may have been read from f before, and where
 * f is a pipe reads it with splice and tee where it can (dc_reader_moved). */
dc_reader *dc_reader_file(FILE *f);
dc_reader *dc_reader_mem(const void *buf, size_t len);
void dc_reader_free(dc_reader *rd);
/* dc_reader_own_file: dc_reader_free will also fclose the file (unless stdin). */
void dc_reader_own_file(dc_reader *rd);
/* dc_read: the next record. DC_EEOF at a clean end; after any other error the
 * reader stays in that error. */
int dc_read(dc_reader *rd, dc_record *r);
/* dc_read_header: the first record, which must be the stream header. */
int dc_read_header(dc_reader *rd, dc_record *hdr);
/* dc_reader_offset: bytes consumed by complete records so far. */
uint64_t dc_reader_offset(const dc_reader *rd);
/* dc_reader_version: the version of the last header read (-1: none or no version). */
int64_t dc_reader_version(const dc_reader *rd);
/* dc_reader_count: records read so far. */
uint64_t dc_reader_count(const dc_reader *rd);
/* dc_reader_moved: bytes of the records passed on or dropped unread, and of those
 * read and passed on (dc_reader_select), that the kernel moved (splice) or
 * duplicated (tee) from the input's descriptor rather than the reader copying
 * them: 0 from memory or a file, and where the system refuses those calls. */
uint64_t dc_reader_moved(const dc_reader *rd);
/* dc_msgpack_check: whether buf[0..len) begins with one complete msgpack object,
 * nested at most 32 deep; *objlen its length. DC_OK, DC_ETRUNC or DC_EMALFORMED.
 * Walks the bytes without allocating: msgpack-c allocates what a container claims
 * before it reads the elements, so a reader of untrusted bytes checks them first
 * (a complete object's containers cannot claim more elements than it has bytes). */
int dc_msgpack_check(const void *buf, size_t len, size_t *objlen);
/* dc_reader_record_offset: where the last record read begins (the record that
 * DC_EORDER refuses). */
uint64_t dc_reader_record_offset(const dc_reader *rd);

/*
 * An utterance is a "utt" record and every record after it up to the next "utt"
 * record or the end of the stream.
 */
typedef struct {
	dc_record *recs;
	int n, cap;
} dc_utt;

/* dc_read_utt: the next utterance; DC_EEOF when there is none. u is cleared first.
 * An utterance in blocks is refused: DC_EBLOCKED, dc_reader_detail saying which. */
int dc_read_utt(dc_reader *rd, dc_utt *u);

/*
 * Units: what a tool that reads utterances in blocks handles at a time
 * (formats/stream.md, "Blocks"). A unit is a whole utterance, or one block of an
 * utterance in blocks. dc_read_unit puts the unit's records in u: for a whole
 * utterance, its "utt" record and the records after it (as dc_read_utt); for a
 * block, its "block" record and the records after it up to the next "block" or
 * "utt" record. b says which, with the utterance's "utt" record (valid until the
 * next unit is read). The reader checks the blocks: present in a version 2 stream
 * only, contiguous, in order, from t0 0, ending in a last block, and no "block"
 * record in an utterance not in blocks; else DC_EBLOCK and dc_reader_detail says
 * how. The keys of a block's records (T = frames) are the tool's to check
 * (tool.h, dc_get_stft_unit). DC_EEOF when there is no unit left.
 *
 * With dc_reader_select and a writer, "utt" and "block" records are always
 * handed out and written to it as they are read.
 */
typedef struct {
	const dc_record *utt;   /* the utterance's utt record */
	int blocked;            /* 1: a block of an utterance in blocks; 0: a whole utterance */
	int64_t index;          /* block number in the utterance, from 0 (0 when whole) */
	int64_t t0;             /* the block's first frame in the utterance (0 when whole) */
	int64_t frames;         /* the block's frames (-1 when whole: the stft record's T) */
	int last;               /* the utterance's last block (1 when whole) */
} dc_unit;
int dc_read_unit(dc_reader *rd, dc_utt *u, dc_unit *b);
/*
 * dc_reader_sink: for a tool that reads big tensors once, front to back: from
 * then on, dc_read_unit hands each record of the kinds listed (NULL-terminated)
 * whose last key is "data", a bin (every dcsep writer puts it last), to fn as it
 * is read, instead of holding its bytes: first fn(ctx, b, r, NULL, 0), r the
 * record with its other keys ("data" nil, r->sunk 1, r->sunklen the data's
 * length) and b the unit so far (b->utt valid during the call); then fn(ctx, b,
 * NULL, p, n) with the data's bytes in order, n > 0 each time, sunklen in all.
 * fn returns DC_OK, or an error that the read then returns. The unit then holds
 * r, keys without data (see dc_rec_tensor_bytes). A record of those kinds whose
 * data is not its last key, or whose keys before it take more than 64 KB, is
 * read whole as before; so is one that the reader would pass on to a writer
 * (dc_reader_select's w; unless its kind is eaten). fn NULL: no sink.
 */
typedef int (*dc_sink_fn)(void *ctx, const dc_unit *b, const dc_record *r, const void *p,
    size_t n);
void dc_reader_sink(dc_reader *rd, const char *const *kinds, dc_sink_fn fn, void *ctx);
/* dc_reader_detail: what the last DC_EBLOCK or DC_EBLOCKED was about, one line;
 * after DC_ENOHEADER, the audio format the input begins as ("WAV", "FLAC", "Ogg",
 * "AIFF", "AU", "CAF", "NIST SPHERE", "MP3"), or "" if none. */
const char *dc_reader_detail(const dc_reader *rd);
/* dc_reader_headers: the header records read so far: 1 after dc_read_header,
 * more where streams were joined end to end (cat a.dcs b.dcs), each later one
 * counted when the reading reaches it (the look-ahead of a unit may). */
uint64_t dc_reader_headers(const dc_reader *rd);
/*
 * dc_reader_select: from the first utterance on, dc_read_utt hands out only the
 * records whose kind is listed in use (NULL-terminated; "utt" always); each other
 * record is copied to w byte for byte as it arrives, or dropped if w is NULL,
 * and never held whole, so a tool's memory does not grow with records it does
 * not read. With w, dc_read_utt also writes to w each record it hands out, except
 * those whose kind is listed in eat, so that w gets every utterance in its order:
 * the caller then writes only the records it adds. A record of 64 KB or more it
 * writes a piece at a time as it arrives, as it came, and checks once whole (one
 * then refused has gone to w, whole or in part); dc_read called on its own writes
 * nothing. use NULL: no selection.
 */
void dc_reader_select(dc_reader *rd, const char *const *use, const char *const *eat,
    dc_writer *w);
/*
 * dc_reader_replace: for a tool that uses only the last of some records: from
 * then on, a record whose kind is listed in later (NULL-terminated) replaces the
 * records of the kinds listed in over that its utterance or block holds so far:
 * dc_read_utt and dc_read_unit free them when they see its kind, before they read
 * it, so that the two are never held together. The unit's first record (utt or
 * block) is never replaced. Records passed on by dc_reader_select were written
 * when read, so the output is the same.
 */
void dc_reader_replace(dc_reader *rd, const char *const *later, const char *const *over);
/* dc_utt_find: the last record of that kind in the utterance, or NULL. */
dc_record *dc_utt_find(const dc_utt *u, const char *kind);
/* DC_ID_MAX: the room for an utterance's id, its NUL byte included (formats/stream.md) */
#define DC_ID_MAX 1024
/* dc_rec_id: the id of utt record r into buf (DC_ID_MAX bytes). NULL, or why there is
 * none, for a message: "key 'id' missing or not a string", "id longer than 1023
 * bytes", "id holds a NUL byte" (C would cut it there: "a\0/../x" read as "a"). */
const char *dc_rec_id(const dc_record *r, char *buf);
/* dc_utt_id: dc_rec_id of the utterance's first record (its utt record). */
const char *dc_utt_id(const dc_utt *u, char *buf);
/* dc_utt_drop: removes every record of that kind from the utterance. */
void dc_utt_drop(dc_utt *u, const char *kind);
void dc_utt_clear(dc_utt *u);   /* frees the records, keeps the array */
void dc_utt_free(dc_utt *u);

/* ---------------------------------------------------------------- writer */

dc_writer *dc_writer_file(FILE *f);
dc_writer *dc_writer_mem(void);
/* dc_writer_buf: for a memory writer, the bytes written so far. */
const void *dc_writer_buf(const dc_writer *w, size_t *len);
/* dc_writer_error: the first error (sticky), DC_OK if none.
 * A call of the writer refused for its arguments writes nothing and makes its
 * code (DC_EPARAM, or the one said) the writer's error, as a failed write does;
 * with w NULL, each returns DC_EPARAM. */
int dc_writer_error(const dc_writer *w);
/* dc_writer_close: flushes, returns the sticky error (errno set for DC_EIO), frees
 * the writer (not the file); NULL is fine (DC_OK). */
int dc_writer_close(dc_writer *w);

/* dc_write_header: a header naming this tool; in (may be NULL) is the header
 * read upstream, whose history is kept and extended, and whose version (1 or 2)
 * it keeps: a tool that reads version 2 writes version 2; with in NULL, 1. */
int dc_write_header(dc_writer *w, const dc_record *in, const char *tool);
/* dc_write_header_version: the same with the version given (1 or 2). DC_EPARAM
 * for another version or tool NULL; DC_EELEMS if the history would take the
 * header past DC_REC_ELEMS elements. */
int dc_write_header_version(dc_writer *w, const dc_record *in, const char *tool, int version);
/* dc_writer_want_blocks: before the records of an utterance in blocks: if the
 * last header written was of version 1 (an input of cat v1.dcs v2.dcs), writes a
 * header of version 2 naming the same tool, so that the output stays readable. */
int dc_writer_want_blocks(dc_writer *w);
/* dc_write_record: a record as read (pass-through); a sunk one, whose data is
 * gone, is refused (DC_EMISSING, the writer's error from then on), and so is
 * one that is not a record (DC_EPARAM: r NULL, no map, no valid "kind"). */
int dc_write_record(dc_writer *w, const dc_record *r);
int dc_write_utt(dc_writer *w, const dc_utt *u);

/* A record to write: the kind, then up to DC_MAXFIELDS fields in order. The
 * builder keeps pointers: strings and tensors must live until it is written.
 * Writing it (dc_write_recb, dc_write_recb_head, dc_recb_to_record) refuses, with
 * nothing written: DC_EPARAM for a kind not of 1 to 31 bytes, more than
 * DC_MAXFIELDS fields (a field past them is not kept), a NULL key or string, a
 * tensor NULL, of an unknown dtype, 0 or more than DC_MAXDIM dimensions, a
 * negative one, or no data for its elements; DC_ELIMIT for a tensor past the
 * element limit; DC_EDUPKEY for a key twice (a tensor's keys are "dtype",
 * "shape" and "data", so one tensor a record). */
#define DC_MAXFIELDS 24
enum { DC_FINT = 1, DC_FNUM, DC_FSTR, DC_FTENSOR, DC_FBOOL };
typedef struct {
	const char *kind;
	int n;
	struct {
		const char *key;
		int type;
		int64_t i;
		double f;
		const char *s;
		const dc_tensor *t;
	} f[DC_MAXFIELDS];
} dc_recb;

void dc_recb_init(dc_recb *b, const char *kind);
void dc_recb_int(dc_recb *b, const char *key, int64_t v);
void dc_recb_num(dc_recb *b, const char *key, double v);
void dc_recb_str(dc_recb *b, const char *key, const char *v);
void dc_recb_bool(dc_recb *b, const char *key, int v);
/* dc_recb_tensor: adds "dtype", "shape" and "data". */
void dc_recb_tensor(dc_recb *b, const dc_tensor *t);
int dc_write_recb(dc_writer *w, const dc_recb *b);
/* dc_write_recb_head, dc_write_bytes: a record whose tensor is written a piece at
 * a time: b's last field must be its tensor (dc_recb_tensor; data unused), of
 * which dc_write_recb_head writes the bin header (DC_EPARAM if the last field is
 * not a tensor); the caller then writes exactly the tensor's bytes with
 * dc_write_bytes, in order, and nothing else in between. */
int dc_write_recb_head(dc_writer *w, const dc_recb *b);
int dc_write_bytes(dc_writer *w, const void *buf, size_t len);
/* dc_recb_to_record: builds a record in memory (to append to a dc_utt). */
int dc_recb_to_record(const dc_recb *b, dc_record *r);
/* dc_utt_append: appends a copy of the built record to the utterance. */
int dc_utt_append(dc_utt *u, const dc_recb *b);

#ifdef __cplusplus
}
#endif
#endif
