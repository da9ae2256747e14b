/*
 * stream.c: records, the stream reader and writer, utterances (formats/stream.md).
 *
 * The reader feeds a msgpack_unpacker from a file or a memory buffer in chunks
 * and hands out one record per msgpack object. It counts the bytes of complete
 * records so that a stream ending inside one is told apart from a clean end, and
 * it refuses a record that grows past the size limit before buffering more.
 */
#define _GNU_SOURCE             /* F_SETPIPE_SZ, splice, tee */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "util_impl.h"
#include "stream.h"
#include "stream_impl.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "dcsep streams are little-endian; this build assumes a little-endian host"
#endif

#define CHUNK (1 << 16)
#define SCAN_DEPTH 32   /* deepest nesting a record may have */
#define BIG CHUNK       /* a record this long is read into a buffer of its own */
#define TEE (256u << 10)        /* a teed record's bytes are passed on this many at a time
	                         * (the pipes' size: dc_reader_file) */

struct dc_reader {
	FILE *f;                /* file source, or NULL */
	const char *mem;        /* memory source */
	size_t memlen, mempos;
	msgpack_unpacker up;
	uint64_t fed;           /* bytes given to the unpacker */
	uint64_t done;          /* bytes of complete records */
	uint64_t start;         /* where the last record read begins */
	uint64_t count;
	int err;                /* sticky */
	int eof;
	dc_record pending;      /* look-ahead of dc_read_utt */
	int has_pending;
	int owns_f;             /* dc_reader_free closes f */
	const char *const *use; /* dc_reader_select: kinds handed out (NULL: all) */
	const char *const *eat; /* of those, kinds not copied to pass */
	dc_writer *pass;        /* where the others go, byte for byte (NULL: dropped) */
	const char *const *later;       /* dc_reader_replace: kinds that replace ... */
	const char *const *over;        /* ... the records of these held in the unit */
	int in_utt;             /* an utterance has begun: selection applies */
	int64_t version;        /* of the last header read */
	/* dc_read_unit: the utterance in blocks being read */
	dc_record utt;          /* its utt record */
	int blocked;            /* one is being read */
	int last_seen;          /* its last block has begun */
	int64_t next_t0, bindex;        /* the next block's t0 and number */
	char detail[256];       /* what DC_EBLOCK or DC_EBLOCKED was about */
	unsigned char head[12]; /* the input's first bytes, for what it is if no stream */
	uint64_t headers;       /* header records read: the first, and later ones (cat) */
	char *big;              /* the big record being read, in a buffer of its own ... */
	char *bigbase;          /* ... which begins here: big is placed so that its big
	                         * payload (a tensor's data) is 64-byte aligned */
	size_t biglen, bigcap;
	uint64_t bigpay;        /* where in the record that payload begins */
	int tee_ok;             /* dc_read is called by an utterance's loop, which writes
	                         * what it hands out to pass: a big record may be teed */
	int tee;                /* the big record being read goes to pass as it arrives */
	int teed;               /* the record dc_read returned last went so: not again */
	int fd;                 /* f's descriptor (-1: none), read unbuffered ... */
	int can_splice, can_tee;        /* ... by splice and tee where they work (zc_move) */
	int nullfd;             /* /dev/null, where dropped bytes are spliced (-1: not open) */
	uint64_t moved;         /* bytes spliced or teed (dc_reader_moved) */
	const char *const *sink_kinds;  /* dc_reader_sink */
	dc_sink_fn sink_fn;
	void *sink_ctx;
	dc_utt *unit_u;         /* the unit dc_read_unit is reading, for the sink */
	dc_unit *unit_b;
	struct scan {           /* how far the next object has been scanned */
		uint64_t pos;   /* bytes of it accounted for (may run past what is buffered) */
		uint64_t gone;  /* bytes of it already passed on and dropped from the buffer */
		uint64_t elems; /* elements of it seen */
		uint64_t pstart; /* where the last payload scanned begins */
		int depth;
		uint64_t left[SCAN_DEPTH];  /* elements still to come in each open container */
	} sc;
};

struct dc_writer {
	FILE *f;
	msgpack_sbuffer *sb;
	msgpack_packer pk;
	int err;
	int errnum;             /* errno of the first failed write */
	int version;            /* of the last header written (0: none) */
	char tool[64];          /* the tool that header named */
};

/* ---------------------------------------------------------------- records */

void
dc_record_free(dc_record *r)
{
	if (r == NULL)
		return;
	if (r->zone)
		msgpack_zone_free(r->zone);
	memset(r, 0, sizeof *r);
}

static int
key_is(const msgpack_object *k, const char *key)
{
	size_t n = strlen(key);

	return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
	    memcmp(k->via.str.ptr, key, n) == 0;
}

static const msgpack_object *
map_get(const msgpack_object *map, const char *key)
{
	uint32_t i;

	if (map->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (i = 0; i < map->via.map.size; i++)
		if (key_is(&map->via.map.ptr[i].key, key))
			return &map->via.map.ptr[i].val;
	return NULL;
}

const msgpack_object *
dc_rec_get(const dc_record *r, const char *key)
{
	return r == NULL || key == NULL ? NULL : map_get(DC_REC_CMAP(r), key);
}

int
dc_rec_int(const dc_record *r, const char *key, int64_t *v)
{
	const msgpack_object *o = dc_rec_get(r, key);

	if (o == NULL)
		return DC_EKEY;
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		if (o->via.u64 > INT64_MAX)
			return DC_EKEY;
		*v = (int64_t)o->via.u64;
	} else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		*v = o->via.i64;
	else
		return DC_EKEY;
	return DC_OK;
}

int
dc_rec_num(const dc_record *r, const char *key, double *v)
{
	const msgpack_object *o = dc_rec_get(r, key);
	int64_t i;

	if (o == NULL)
		return DC_EKEY;
	if (o->type == MSGPACK_OBJECT_FLOAT32 || o->type == MSGPACK_OBJECT_FLOAT64) {
		*v = o->via.f64;
		return DC_OK;
	}
	if (dc_rec_int(r, key, &i) != DC_OK)
		return DC_EKEY;
	*v = (double)i;
	return DC_OK;
}

int
dc_rec_str(const dc_record *r, const char *key, char *buf, size_t n)
{
	const msgpack_object *o = dc_rec_get(r, key);

	/* a NUL byte would cut the C string short ("a\0/../x" read as "a") */
	if (o == NULL || o->type != MSGPACK_OBJECT_STR || o->via.str.size >= n ||
	    (o->via.str.size > 0 && memchr(o->via.str.ptr, '\0', o->via.str.size) != NULL))
		return DC_EKEY;
	memcpy(buf, o->via.str.ptr, o->via.str.size);
	buf[o->via.str.size] = '\0';
	return DC_OK;
}

int
dc_rec_bool(const dc_record *r, const char *key, int *v)
{
	const msgpack_object *o = dc_rec_get(r, key);

	if (o == NULL || o->type != MSGPACK_OBJECT_BOOLEAN)
		return DC_EKEY;
	*v = o->via.boolean;
	return DC_OK;
}

int
dc_rec_has_tensor(const dc_record *r)
{
	return dc_rec_get(r, "data") != NULL;
}

int
dc_rec_tensor_bytes(const dc_record *r, dc_tensor *t, const void **data)
{
	const msgpack_object *dt = dc_rec_get(r, "dtype");
	const msgpack_object *sh = dc_rec_get(r, "shape");
	const msgpack_object *da = dc_rec_get(r, "data");
	int64_t shape[DC_MAXDIM], count = 1, lim = dc_limit_elems();
	int dtype;
	uint32_t i;

	if (t == NULL || data == NULL)
		return DC_EPARAM;
	memset(t, 0, sizeof *t);
	*data = NULL;
	if (r == NULL)
		return DC_EPARAM;
	if (dt == NULL || sh == NULL || da == NULL || dt->type != MSGPACK_OBJECT_STR ||
	    sh->type != MSGPACK_OBJECT_ARRAY ||
	    da->type != (r->sunk ? MSGPACK_OBJECT_NIL : MSGPACK_OBJECT_BIN))
		return DC_EKEY;
	if ((dtype = dc_dtype_parse(dt->via.str.ptr, dt->via.str.size)) == DC_NONE)
		return DC_EDTYPE;
	if (sh->via.array.size < 1 || sh->via.array.size > DC_MAXDIM)
		return DC_ESHAPE;
	for (i = 0; i < sh->via.array.size; i++) {
		const msgpack_object *d = &sh->via.array.ptr[i];
		if (d->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			return DC_ESHAPE;
		if (d->via.u64 > (uint64_t)lim)
			return DC_ELIMIT;
		shape[i] = (int64_t)d->via.u64;
		if (shape[i] != 0 && count > lim / shape[i])
			return DC_ELIMIT;
		count *= shape[i];
	}
	if ((uint64_t)count * dc_dtype_size(dtype) != (r->sunk ? r->sunklen : da->via.bin.size))
		return DC_ESHAPE;
	t->dtype = dtype;
	t->ndim = (int)sh->via.array.size;
	memcpy(t->shape, shape, (size_t)t->ndim * sizeof *shape);
	*data = r->sunk ? NULL : da->via.bin.ptr;
	return DC_OK;
}

int
dc_rec_tensor(const dc_record *r, dc_tensor *t)
{
	const void *data;
	dc_tensor h;
	int err;

	if (t == NULL)
		return DC_EPARAM;
	memset(t, 0, sizeof *t);
	if (r == NULL)
		return DC_EPARAM;
	if (r->sunk)
		return DC_EMISSING;     /* its bytes went to the sink */
	if ((err = dc_rec_tensor_bytes(r, &h, &data)) != DC_OK)
		return err;
	if ((err = dc_tensor_alloc(t, h.dtype, h.ndim, h.shape)) != DC_OK)
		return err;
	if (dc_tensor_count(t) > 0)
		memcpy(t->data, data, (size_t)dc_tensor_count(t) * dc_dtype_size(t->dtype));
	return DC_OK;
}

int
dc_rec_tensor_view(const dc_record *r, dc_tensor *t)
{
	const void *data;
	int err;

	if (t != NULL)
		memset(t, 0, sizeof *t);
	if (r == NULL || t == NULL)
		return DC_EPARAM;
	if (r->sunk)
		return DC_EMISSING;
	if ((err = dc_rec_tensor_bytes(r, t, &data)) != DC_OK)
		return err;
	if (dc_tensor_count(t) == 0 || (uintptr_t)data % 64 != 0)
		return dc_rec_tensor(r, t);
	t->data = (void *)data;
	t->view = 1;
	return DC_OK;
}

/* kind_ok: a record's "kind": a string of 1 to n-1 bytes without NUL, which
 * would cut it short in the record's C string ("utt\0x" is no "utt"). */
static int
kind_ok(const msgpack_object *kind, size_t n)
{
	return kind != NULL && kind->type == MSGPACK_OBJECT_STR && kind->via.str.size > 0 &&
	    kind->via.str.size < n && memchr(kind->via.str.ptr, '\0', kind->via.str.size) == NULL;
}

/* rec_from_sbuffer: a record of the one object packed in sb, whose bytes it takes
 * over (sb is left empty): the record's zone frees them, so they are not copied. */
static int
rec_from_sbuffer(dc_record *r, msgpack_sbuffer *sb)
{
	msgpack_zone *z = msgpack_zone_new(4096);
	size_t off = 0, len = sb->size;
	const msgpack_object *kind;
	char *buf;

	memset(r, 0, sizeof *r);
	if (z == NULL)
		return DC_ENOMEM;
	if (!msgpack_zone_push_finalizer(z, free, sb->data)) {
		msgpack_zone_free(z);
		return DC_ENOMEM;
	}
	buf = msgpack_sbuffer_release(sb);
	if (msgpack_unpack(buf, len, &off, z, DC_REC_MAP(r)) != MSGPACK_UNPACK_SUCCESS) {
		msgpack_zone_free(z);
		return DC_EMALFORMED;
	}
	r->zone = z;
	kind = map_get(DC_REC_MAP(r), "kind");
	if (!kind_ok(kind, sizeof r->kind)) {
		dc_record_free(r);
		return DC_ENOTREC;
	}
	memcpy(r->kind, kind->via.str.ptr, kind->via.str.size);
	r->kind[kind->via.str.size] = '\0';
	return DC_OK;
}

void
dc_record_copy(dc_record *dst, const dc_record *src)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_object(&pk, *DC_REC_CMAP(src));
	if (rec_from_sbuffer(dst, &sb) != DC_OK)
		dc_oom(sb.size);
	msgpack_sbuffer_destroy(&sb);
	dst->sunk = src->sunk;
	dst->sunklen = src->sunklen;
}

void
dc_record_set_strs(dc_record *r, const char *key, const char *const *v, int n)
{
	const msgpack_object_map *mp = &DC_REC_CMAP(r)->via.map;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	dc_record nr;
	uint32_t i, m = 0;
	size_t l;
	int j;

	for (i = 0; i < mp->size; i++)
		m += !key_is(&mp->ptr[i].key, key);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, m + 1);
	for (i = 0; i < mp->size; i++)
		if (!key_is(&mp->ptr[i].key, key)) {
			msgpack_pack_object(&pk, mp->ptr[i].key);
			msgpack_pack_object(&pk, mp->ptr[i].val);
		}
	l = strlen(key);
	msgpack_pack_str(&pk, l);
	msgpack_pack_str_body(&pk, key, l);
	msgpack_pack_array(&pk, (size_t)n);
	for (j = 0; j < n; j++) {
		l = strlen(v[j]);
		msgpack_pack_str(&pk, l);
		msgpack_pack_str_body(&pk, v[j], l);
	}
	if (rec_from_sbuffer(&nr, &sb) != DC_OK)
		dc_oom(sb.size);
	msgpack_sbuffer_destroy(&sb);
	nr.sunk = r->sunk;
	nr.sunklen = r->sunklen;
	dc_record_free(r);
	*r = nr;
}

int
dc_rec_strs(const dc_record *r, const char *key, const char **v, size_t *lens, int max)
{
	const msgpack_object *o = dc_rec_get(r, key);
	uint32_t i;

	if (o == NULL || o->type != MSGPACK_OBJECT_ARRAY)
		return -1;
	for (i = 0; i < o->via.array.size && (int)i < max; i++) {
		const msgpack_object *e = &o->via.array.ptr[i];

		v[i] = e->type == MSGPACK_OBJECT_STR ? e->via.str.ptr : NULL;
		lens[i] = e->type == MSGPACK_OBJECT_STR ? e->via.str.size : 0;
	}
	return (int)o->via.array.size;
}

/* ---------------------------------------------------------------- reader */

static dc_reader *
reader_new(void)
{
	dc_reader *rd = dc_xcalloc(1, sizeof *rd);

	rd->version = -1;
	rd->fd = rd->nullfd = -1;
	if (!msgpack_unpacker_init(&rd->up, CHUNK))
		dc_oom(CHUNK);
	return rd;
}

/*
 * grow_pipe: a pipe the stream goes through is grown to PIPE_BYTES (from Linux's
 * 64 KiB), so that a stage moves a big record in 4 times fewer wake-ups of the
 * stages beside it: the README's pipeline on a 10-s mixture, whose embeddings
 * cross three pipes (27 MB), took 15 to 70 ms less (3 to 12 %) in six
 * interleaved rounds of perf stat -r 8 or 10 (Zen 5, 2 cores), and with 4 KiB
 * pipes 0.8 s, twice as long. Never shrunk; any error (another system, or an
 * unprivileged user past fs.pipe-user-pages-soft) leaves the pipe as it is.
 * 1 MiB (fs.pipe-max-size) gained no more, for 4 times the pages counted
 * against that limit.
 */
#define PIPE_BYTES (256 << 10)
static void
grow_pipe(FILE *f)
{
#ifdef F_SETPIPE_SZ
	struct stat st;
	int fd = fileno(f), n;

	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) &&
	    (n = fcntl(fd, F_GETPIPE_SZ)) >= 0 && n < PIPE_BYTES)
		(void)fcntl(fd, F_SETPIPE_SZ, PIPE_BYTES);
#else
	(void)f;
#endif
}

dc_reader *
dc_reader_file(FILE *f)
{
	dc_reader *rd;
	struct stat st;

	if (f == NULL)
		return NULL;
	rd = reader_new();
	grow_pipe(f);
	rd->f = f;
	/* unbuffered, so that the bytes not yet read are all the descriptor's:
	 * fread of a whole chunk reads it into place as before. Only a pipe is
	 * spliced from: a file's bytes would go on as pages of its cache, which
	 * show what a writer puts in place later until the reader takes them */
	if ((rd->fd = fileno(f)) >= 0 && setvbuf(f, NULL, _IONBF, 0) == 0 &&
	    fstat(rd->fd, &st) == 0 && S_ISFIFO(st.st_mode))
		rd->can_splice = rd->can_tee = 1;
	return rd;
}

void
dc_reader_own_file(dc_reader *rd)
{
	rd->owns_f = rd->f != NULL && rd->f != stdin;
}

dc_reader *
dc_reader_mem(const void *buf, size_t len)
{
	dc_reader *rd = reader_new();

	rd->mem = buf;
	rd->memlen = len;
	return rd;
}

void
dc_reader_free(dc_reader *rd)
{
	if (rd == NULL)
		return;
	if (rd->has_pending)
		dc_record_free(&rd->pending);
	dc_record_free(&rd->utt);
	if (rd->owns_f)
		fclose(rd->f);
	if (rd->nullfd >= 0)
		close(rd->nullfd);
	dc_big_free(rd->bigbase);
	msgpack_unpacker_destroy(&rd->up);
	free(rd);
}

uint64_t
dc_reader_offset(const dc_reader *rd)
{
	return rd->done;
}

uint64_t
dc_reader_record_offset(const dc_reader *rd)
{
	return rd->start;
}

uint64_t
dc_reader_count(const dc_reader *rd)
{
	return rd->count;
}

uint64_t
dc_reader_moved(const dc_reader *rd)
{
	return rd->moved;
}

/* feed: more bytes into the unpacker; 0 at end of input, -1 on error. */
static int
feed(dc_reader *rd)
{
	size_t want = CHUNK, got;
	if (!msgpack_unpacker_reserve_buffer(&rd->up, want)) {
		rd->err = DC_ENOMEM;
		return -1;
	}
	if (rd->f) {
		got = fread(msgpack_unpacker_buffer(&rd->up), 1, want, rd->f);
		if (got == 0 && ferror(rd->f)) {
			rd->err = DC_EIO;
			return -1;
		}
	} else {
		got = rd->memlen - rd->mempos;
		if (got > want)
			got = want;
		if (got == 0)   /* no pointer arithmetic on an empty buffer, which may be NULL */
			return 0;
		memcpy(msgpack_unpacker_buffer(&rd->up), rd->mem + rd->mempos, got);
		rd->mempos += got;
	}
	if (got == 0)
		return 0;
	if (rd->fed < sizeof rd->head)
		memcpy(rd->head + rd->fed, msgpack_unpacker_buffer(&rd->up),
		    got < sizeof rd->head - rd->fed ? got : sizeof rd->head - (size_t)rd->fed);
	msgpack_unpacker_buffer_consumed(&rd->up, got);
	rd->fed += got;
	return 1;
}

/*
 * Zero-copy passing on. Where the input is a pipe (dc_reader_file), the bytes of
 * a big record that go on unread (pass_raw: dc-mask's embeddings) are moved to
 * the writer's descriptor, or to /dev/null where they are dropped (dc-istft's),
 * by splice(2); those of a record read and passed on (a tee, feed_big:
 * dc-kmeans's embeddings) are duplicated to the writer by tee(2) before they are
 * read (its payload's bytes: the few of the headers after it are copied). The
 * kernel then hands the pipes' pages on instead of copying each byte out to the
 * tool and back in. Any refusal (EINVAL: for tee an output that is no pipe; an
 * output opened to append; or anything else) turns the call off for the reader,
 * and the bytes are copied as before, which also meets any error the call met
 * and reports it as a copy would. The stream is the same byte for byte.
 */
#define ZC_MIN (64u << 10)      /* a payload's rest of fewer bytes is copied, not spliced */

/* zc_out: the descriptor for the bytes pass_raw and a tee pass on, flushed, or
 * -1 where they are copied: a writer in memory or with an error (which drops
 * them, as a copy would), and for dropped ones, /dev/null that cannot be opened */
static int
zc_out(dc_reader *rd)
{
	dc_writer *w = rd->pass;

	if (w == NULL || w->err) {
		if (rd->nullfd < 0 && (rd->nullfd = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
			rd->can_splice = 0;
		return rd->nullfd;
	}
	if (w->f == NULL || fileno(w->f) < 0)
		return -1;
	if (fflush(w->f) != 0) {
		w->err = DC_EIO;
		w->errnum = errno;
		return -1;
	}
	return fileno(w->f);
}

/* zc_move: up to n bytes of the input moved by splice to where pass_raw would
 * write them; the bytes moved (fewer at the end of the input, or none once
 * splice is refused: then the caller copies) */
static uint64_t
zc_move(dc_reader *rd, uint64_t n)
{
	uint64_t moved = 0;
	ssize_t r;
	int out;

	while (moved < n && rd->can_splice && (out = zc_out(rd)) >= 0) {
		size_t want = n - moved < (1u << 30) ? (size_t)(n - moved) : (1u << 30);
		if ((r = splice(rd->fd, NULL, out, NULL, want, SPLICE_F_MOVE)) > 0)
			moved += (uint64_t)r;
		else if (r == 0)
			break;
		else if (errno != EINTR)
			rd->can_splice = 0;
	}
	return moved;
}

/* zc_tee: up to want bytes of the input duplicated to pass by tee, then read into
 * buf: the bytes read, 0 at the end of the input, -1 where tee is refused (the
 * caller copies), -2 on a read error (rd->err) */
static ssize_t
zc_tee(dc_reader *rd, char *buf, size_t want)
{
	ssize_t r, got;
	size_t n = 0;
	int out;

	if (rd->pass == NULL || rd->pass->err || (out = zc_out(rd)) < 0)
		return -1;
	while ((r = tee(rd->fd, out, want, 0)) < 0 && errno == EINTR)
		;
	if (r < 0) {
		rd->can_tee = 0;
		return -1;
	}
	while (n < (size_t)r) {         /* the bytes just duplicated are there */
		if ((got = read(rd->fd, buf + n, (size_t)r - n)) > 0)
			n += (size_t)got;
		else if (got == 0 || errno != EINTR) {
			rd->err = DC_EIO;
			return -2;
		}
	}
	return r;
}

static uint64_t
be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

/*
 * head: the header of the msgpack element at p, of which avail bytes are there:
 * its header length hl, payload length pl (str, bin, ext) and the number of
 * elements that follow it as its children cnt (2 per map entry). Returns 1, 0 if
 * the header is not all there, or -1 for the byte 0xc1, which msgpack never uses.
 */
static int
head(const unsigned char *p, uint64_t avail, uint64_t *hl, uint64_t *pl, uint64_t *cnt)
{
	static const unsigned char hlen[32] = {
		/* c0 */ 1, 0, 1, 1, 2, 3, 5, 3, 4, 6, 5, 9, 2, 3, 5, 9,
		/* d0 */ 2, 3, 5, 9, 3, 4, 6, 10, 18, 2, 3, 5, 3, 5, 3, 5,
	};
	unsigned b = p[0];

	*pl = *cnt = 0;
	if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
		*hl = 1;
		return 1;
	}
	if (b <= 0x8f) {
		*hl = 1, *cnt = 2 * (uint64_t)(b & 0x0f);
		return 1;
	}
	if (b <= 0x9f) {
		*hl = 1, *cnt = b & 0x0f;
		return 1;
	}
	if (b <= 0xbf) {
		*hl = 1, *pl = b & 0x1f;
		return 1;
	}
	if ((*hl = hlen[b - 0xc0]) == 0)
		return -1;
	if (*hl > avail)
		return 0;
	switch (b) {
	case 0xc4: case 0xc5: case 0xc6:        /* bin */
		*pl = be(p + 1, (int)*hl - 1);
		break;
	case 0xc7: case 0xc8: case 0xc9:        /* ext: length, then type */
		*pl = be(p + 1, (int)*hl - 2);
		break;
	case 0xd9: case 0xda: case 0xdb:        /* str */
		*pl = be(p + 1, (int)*hl - 1);
		break;
	case 0xdc: case 0xdd:                   /* array */
		*cnt = be(p + 1, (int)*hl - 1);
		break;
	case 0xde: case 0xdf:                   /* map */
		*cnt = 2 * be(p + 1, (int)*hl - 1);
		break;
	}
	return 1;
}

/*
 * scan: walks the buffered bytes of the next object without allocating, so that
 * msgpack-c is only asked to unpack an object that is complete. A container can
 * then claim no more elements than there are bytes, and a bin or str that claims
 * more bytes than the limit is refused before they are read. Resumes where the
 * last call stopped. Returns 1 when the object is complete, 0 when more bytes are
 * needed, or -1 with rd->err set.
 */
static int
scan_bytes(dc_reader *rd, const unsigned char *base, uint64_t avail)
{
	struct scan *sc = &rd->sc;
	uint64_t maxbytes = (uint64_t)dc_limit_elems() * 8 + (1 << 20);

	/* every element already accounted for, only its last payload was short */
	if (sc->depth == 0 && sc->pos > 0)
		return sc->pos <= avail ? 1 : 0;
	for (;;) {
		const unsigned char *p = base + sc->pos;
		uint64_t hl, pl, cnt;
		int h;

		if (sc->pos >= avail)
			return 0;
		if (sc->pos == 0 && sc->gone == 0 && !(p[0] >= 0x80 && p[0] <= 0x8f) && p[0] != 0xde && p[0] != 0xdf) {
			rd->err = DC_ENOTREC;       /* a record is a map */
			return -1;
		}
		if ((h = head(p, avail - sc->pos, &hl, &pl, &cnt)) < 0) {
			rd->err = DC_EMALFORMED;
			return -1;
		}
		if (h == 0)
			return 0;
		if (++sc->elems > DC_REC_ELEMS) {
			rd->err = DC_EELEMS;
			return -1;
		}
		if (pl > 0)
			sc->pstart = sc->pos + hl;
		sc->pos += hl + pl;
		if (sc->gone + sc->pos > maxbytes) {
			rd->err = DC_ELIMIT;
			return -1;
		}
		if (cnt > 0) {
			if (sc->depth == SCAN_DEPTH) {
				rd->err = DC_EMALFORMED;
				return -1;
			}
			sc->left[sc->depth++] = cnt;
			continue;
		}
		/* an element is complete: close the containers it completes */
		while (sc->depth > 0 && --sc->left[sc->depth - 1] == 0)
			sc->depth--;
		if (sc->depth == 0)
			return sc->pos <= avail ? 1 : 0;
	}
}

/* scan: scan_bytes on the bytes the record being read has so far: its own buffer
 * (a big record), or the unpacker's. */
static int
scan(dc_reader *rd)
{
	if (rd->big)
		return scan_bytes(rd, (const unsigned char *)rd->big, rd->biglen);
	return scan_bytes(rd, (const unsigned char *)rd->up.buffer + rd->up.off,
	    rd->up.used - rd->up.off);
}

/* big_shift: where in rd->bigbase the record begins, so that its big payload is
 * 64-byte aligned (a tensor read in place: dc_rec_tensor_view). */
static size_t
big_shift(const dc_reader *rd)
{
	return (size_t)((64 - ((uintptr_t)rd->bigbase + rd->bigpay) % 64) % 64);
}

static int peek_kind(const dc_reader *rd, char *buf, size_t n);
static int listed(const char *kind, const char *const *list);
static void write_raw(dc_writer *w, const void *buf, size_t len);

/* tee_kind: whether the big record beginning the buffered bytes is one that the
 * tool uses and that also goes on to pass (dc_reader_select), so that its bytes
 * can go out as they arrive: downstream tools then take them in while this one
 * still waits for the rest (dc-kmeans passes the 27 MB of embeddings of 10 s on
 * while dc-embed computes them, not after). Its kind must come first, as every
 * writer here puts it; otherwise it goes out whole once read, as small ones do.
 * Only inside dc_read_utt's and dc_read_unit's loops (tee_ok), which would write
 * it anyway: dc_read called on its own writes nothing. The record's checks come
 * once it is whole, so one that is then refused (a key twice after its data, too
 * many elements) has gone on, whole or in part, before the tool says so; the next
 * reader refuses it too. */
static int
tee_kind(const dc_reader *rd)
{
	char kind[32];

	return rd->use && rd->pass && rd->tee_ok && peek_kind(rd, kind, sizeof kind) == 1 &&
	    listed(kind, rd->use) && !listed(kind, rd->eat) && strcmp(kind, "utt") != 0 &&
	    strcmp(kind, "block") != 0 && strcmp(kind, "dcsep") != 0;
}

/*
 * feed_big: the record being read, once the scan has accounted for BIG bytes of
 * it, moves to a buffer of its own, grown to what the scan says it needs and fed
 * no further than the record goes: the unpacker's buffer stays small, and the
 * record's memory is its size, freed with it. The payload that made the record
 * big is placed 64-byte aligned. A record to tee (tee_kind) is read TEE bytes at
 * a time and each piece written to pass at once. Returns as feed does.
 */
static int
feed_big(dc_reader *rd)
{
	uint64_t want;
	size_t got;
	ssize_t zt;
	int dup = 0;            /* the piece went on by tee already */

	if (rd->big == NULL) {  /* every buffered byte is this record's: it is not complete */
		rd->tee = tee_kind(rd);
		rd->biglen = rd->up.used - rd->up.off;
		/* the scan has seen the big payload's header: its end is known, and a
		 * few keys may follow it */
		rd->bigcap = (rd->sc.pos > rd->biglen ? rd->sc.pos : rd->biglen) + 4096;
		rd->bigpay = rd->sc.pstart;
		if ((rd->bigbase = dc_big_alloc(rd->bigcap + 64)) == NULL) {
			rd->err = DC_ENOMEM;
			return -1;
		}
		rd->big = rd->bigbase + big_shift(rd);
		memcpy(rd->big, rd->up.buffer + rd->up.off, rd->biglen);
		rd->up.off = rd->up.used;
		if (rd->tee)
			write_raw(rd->pass, rd->big, rd->biglen);
	}
	/* the rest of a payload, or one byte of the next element's header */
	want = rd->sc.pos > rd->biglen ? rd->sc.pos - rd->biglen : 1;
	if (rd->tee && want > TEE)
		want = TEE;
	if (rd->biglen + want > rd->bigcap) {
		size_t cap = rd->biglen + want + CHUNK;
		char *b = dc_big_alloc(cap + 64), *was = rd->bigbase, *from = rd->big;
		if (b == NULL) {
			rd->err = DC_ENOMEM;
			return -1;
		}
		rd->bigbase = b;
		rd->big = b + big_shift(rd);
		memcpy(rd->big, from, rd->biglen);
		dc_big_free(was);
		rd->bigcap = cap;
	}
	if (rd->tee && rd->can_tee && rd->sc.pos > rd->biglen &&
	    (zt = zc_tee(rd, rd->big + rd->biglen, (size_t)want)) != -1) {
		if (zt == -2)
			return -1;
		got = (size_t)zt;
		rd->moved += got;
		dup = 1;
	} else if (rd->f) {
		got = fread(rd->big + rd->biglen, 1, want, rd->f);
		if (got == 0 && ferror(rd->f)) {
			rd->err = DC_EIO;
			return -1;
		}
	} else {
		got = rd->memlen - rd->mempos < want ? rd->memlen - rd->mempos : want;
		if (got > 0)
			memcpy(rd->big + rd->biglen, rd->mem + rd->mempos, got);
		rd->mempos += got;
	}
	if (got == 0)
		return 0;
	if (rd->tee && !dup)
		write_raw(rd->pass, rd->big + rd->biglen, got);
	rd->biglen += got;
	rd->fed += got;
	return 1;
}

/* unpack_big: the complete record in rd->big unpacked into res, whose zone takes
 * the buffer over. */
static int
unpack_big(dc_reader *rd, msgpack_unpacked *res)
{
	msgpack_zone *z = msgpack_zone_new(4096);
	size_t off = 0;
	char *b = rd->big, *base = rd->bigbase;

	rd->big = rd->bigbase = NULL;
	if (z == NULL || !msgpack_zone_push_finalizer(z, dc_big_free, base)) {
		if (z)
			msgpack_zone_free(z);
		dc_big_free(base);
		return rd->err = DC_ENOMEM;
	}
	if (msgpack_unpack(b, rd->biglen, &off, z, &res->data) != MSGPACK_UNPACK_SUCCESS ||
	    off != rd->biglen) {
		msgpack_zone_free(z);
		return rd->err = DC_EMALFORMED;
	}
	res->zone = z;
	return DC_OK;
}

/* check_obj: dc_msgpack_check, counting the object's elements in *elems */
static int
check_obj(const void *buf, size_t len, size_t *objlen, uint64_t *elems)
{
	const unsigned char *p = buf;
	uint64_t pos = 0, left[SCAN_DEPTH], hl, pl, cnt;
	int depth = 0, h;

	*elems = 0;
	for (;;) {
		if (pos >= len)
			return DC_ETRUNC;
		if ((h = head(p + pos, len - pos, &hl, &pl, &cnt)) < 0)
			return DC_EMALFORMED;
		if (h == 0 || pl > len - pos - hl)
			return DC_ETRUNC;
		pos += hl + pl;
		++*elems;
		if (cnt > 0) {
			if (depth == SCAN_DEPTH)
				return DC_EMALFORMED;
			left[depth++] = cnt;
			continue;
		}
		while (depth > 0 && --left[depth - 1] == 0)
			depth--;
		if (depth == 0) {
			*objlen = (size_t)pos;
			return DC_OK;
		}
	}
}

int
dc_msgpack_check(const void *buf, size_t len, size_t *objlen)
{
	uint64_t elems;

	return check_obj(buf, len, objlen, &elems);
}

static int
is_str(unsigned char b)
{
	return (b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb);
}

/*
 * peek_kind: the kind of the record that begins the buffered bytes, read without
 * unpacking it: 1 with the kind in buf when the record is a map whose first key
 * is "kind" with a string value (as every dcsep writer puts it), 0 when more bytes
 * are needed, -1 when it is not such a map (the full reader then decides).
 */
/* peek_str: the str element at p[*pos], of avail bytes in all: 1 with *s, *len
 * and *pos past it, 0 if it is not all there, -1 if it is not a str. */
static int
peek_str(const unsigned char *p, uint64_t avail, uint64_t *pos, const unsigned char **s,
    uint64_t *len)
{
	uint64_t hl, cnt;
	int h;

	if (*pos >= avail)
		return 0;
	if (!is_str(p[*pos]))
		return -1;
	if ((h = head(p + *pos, avail - *pos, &hl, len, &cnt)) <= 0)
		return h;
	if (*pos + hl + *len > avail)
		return 0;
	*s = p + *pos + hl;
	*pos += hl + *len;
	return 1;
}

static int
peek_kind(const dc_reader *rd, char *buf, size_t n)
{
	const unsigned char *p = (const unsigned char *)rd->up.buffer + rd->up.off, *s;
	uint64_t avail = rd->up.used - rd->up.off, pos, hl, pl, cnt, len;
	int h;

	if (avail == 0)
		return 0;
	if (!(p[0] >= 0x80 && p[0] <= 0x8f) && p[0] != 0xde && p[0] != 0xdf)
		return -1;
	if ((h = head(p, avail, &hl, &pl, &cnt)) <= 0)
		return h;
	if (cnt == 0)
		return -1;
	pos = hl;
	if ((h = peek_str(p, avail, &pos, &s, &len)) <= 0)
		return h;
	if (len != 4 || memcmp(s, "kind", 4) != 0)
		return -1;
	if ((h = peek_str(p, avail, &pos, &s, &len)) <= 0)
		return h;
	if (len == 0 || len >= n)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return memchr(buf, '\0', len) == NULL ? 1 : -1;
}

static int
listed(const char *kind, const char *const *list)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(kind, *list) == 0)
			return 1;
	return 0;
}


/*
 * pass_raw: the record that begins the buffered bytes, checked by the scan as a
 * read would check it, but copied to rd->pass (or dropped) chunk by chunk as it
 * arrives: the buffer holds a chunk of it, never all of it.
 */
static int
pass_raw(dc_reader *rd)
{
	for (;;) {
		int sr = scan(rd);
		uint64_t avail = rd->up.used - rd->up.off, n;

		if (sr < 0)
			return rd->err;
		n = sr == 1 || rd->sc.pos < avail ? rd->sc.pos : avail;
		if (n > 0 && rd->pass)
			write_raw(rd->pass, rd->up.buffer + rd->up.off, (size_t)n);
		rd->up.off += (size_t)n;
		rd->sc.pos -= n;
		rd->sc.gone += n;
		/* the buffer is empty and a payload's rest is still to come: moved on
		 * by the kernel where it can (zc_move), what it moved is accounted for
		 * as if copied, and a payload that ends the record ends it */
		if (sr == 0 && rd->sc.pos >= ZC_MIN && rd->can_splice) {
			uint64_t m = zc_move(rd, rd->sc.pos);
			rd->sc.pos -= m;
			rd->sc.gone += m;
			rd->fed += m;
			rd->moved += m;
			if (m > 0 && rd->sc.pos == 0 && rd->sc.depth == 0)
				sr = 1;
		}
		if (sr == 1) {
			memset(&rd->sc, 0, sizeof rd->sc);
			rd->start = rd->done;
			rd->done = rd->fed - (rd->up.used - rd->up.off);
			rd->count++;
			return DC_OK;
		}
		switch (feed(rd)) {
		case -1:
			return rd->err;
		case 0:
			return rd->err = DC_ETRUNC;
		}
	}
}

/* peek_fed: peek_kind, fed more bytes until the kind is there: 1 with the kind in
 * buf; -1 when the record is not such a map or 64 bytes hold no kind of ours (the
 * full reader's to judge); 0 at the end of the input; -2 on a read error (rd->err). */
static int
peek_fed(dc_reader *rd, char *kind, size_t n)
{
	int k;

	while ((k = peek_kind(rd, kind, n)) == 0) {
		if (rd->up.used - rd->up.off >= 64)
			return -1;
		switch (feed(rd)) {
		case -1:
			return -2;
		case 0:
			return 0;
		}
	}
	return k;
}

/* pass_unused: within an utterance, passes on every record whose kind is not
 * selected, up to the next record that is (or the end). */
static int
pass_unused(dc_reader *rd)
{
	char kind[32];
	int k;

	while (rd->use != NULL && rd->in_utt) {
		/* at the end, the full reader tells an end from a cut */
		if ((k = peek_fed(rd, kind, sizeof kind)) == -2)
			return rd->err;
		if (k != 1 || listed(kind, rd->use) || strcmp(kind, "utt") == 0 ||
		    strcmp(kind, "block") == 0 || strcmp(kind, "dcsep") == 0)
			return DC_OK;
		if (pass_raw(rd) != DC_OK)
			return rd->err;
	}
	return DC_OK;
}

/* replace_held: with dc_reader_replace, when the next record's kind (peeked past
 * the records passed on) is one of rd->later, the records of the kinds in
 * rd->over that u holds are freed before it is read. Only memory is at stake:
 * a kind that cannot be peeked replaces nothing, and errors are dc_read's. */
static void
replace_held(dc_reader *rd, dc_utt *u)
{
	char kind[32];
	int i, j;

	if (rd->later == NULL || rd->err || pass_unused(rd) != DC_OK ||
	    peek_fed(rd, kind, sizeof kind) != 1 || !listed(kind, rd->later))
		return;
	for (i = j = 0; i < u->n; i++) {
		if (i > 0 && listed(u->recs[i].kind, rd->over))
			dc_record_free(&u->recs[i]);
		else
			u->recs[j++] = u->recs[i];
	}
	u->n = j;
}

/* check_header: a header record's version (kept in rd) */
static int
check_header(dc_reader *rd, const dc_record *r)
{
	int64_t v;

	rd->version = -1;
	if (dc_rec_int(r, "version", &v) != DC_OK)
		return DC_ENOHEADER;
	rd->version = v;
	if (v < 1 || v > DC_STREAM_VERSION)
		return DC_EVERSION;
	return DC_OK;
}

/* dup_key: whether a map of the record, its own or one nested in it (at most 32
 * deep: the scan), has a string key twice (a record's keys are few: pairs) */
static int
dup_key(const msgpack_object *o)
{
	uint32_t i, j;

	if (o->type == MSGPACK_OBJECT_ARRAY) {
		for (i = 0; i < o->via.array.size; i++)
			if (dup_key(&o->via.array.ptr[i]))
				return 1;
		return 0;
	}
	if (o->type != MSGPACK_OBJECT_MAP)
		return 0;
	for (i = 0; i < o->via.map.size; i++) {
		const msgpack_object *a = &o->via.map.ptr[i].key;
		if (dup_key(&o->via.map.ptr[i].val))
			return 1;
		for (j = i + 1; j < o->via.map.size; j++) {
			const msgpack_object *b = &o->via.map.ptr[j].key;
			if (a->type == MSGPACK_OBJECT_STR && b->type == MSGPACK_OBJECT_STR &&
			    a->via.str.size == b->via.str.size &&
			    memcmp(a->via.str.ptr, b->via.str.ptr, a->via.str.size) == 0)
				return 1;
		}
	}
	return 0;
}

/*
 * sink_head: where the data of the record that begins the buffered bytes begins,
 * for dc_reader_sink: 1 when the buffered bytes hold the record's map header,
 * every key and value but the last complete, then the key "data" (at *keyend)
 * and the header of its bin (to *hlen), whose length is *len; 0 when more bytes
 * are needed; -1 when the record is not one to sink (the full reader reads it,
 * and judges it: its elements and length are held to the same limits here).
 */
static int
sink_head(const dc_reader *rd, uint64_t *keyend, uint64_t *hlen, uint64_t *len)
{
	const unsigned char *p = (const unsigned char *)rd->up.buffer + rd->up.off, *s;
	uint64_t avail = rd->up.used - rd->up.off, pos, hl, pl, cnt, pairs, i, elems = 1, e;
	uint64_t maxbytes = (uint64_t)dc_limit_elems() * 8 + (1 << 20);
	size_t ol;
	int h, j;

	if (avail == 0 || (h = head(p, avail, &hl, &pl, &cnt)) == 0)
		return 0;
	if (h < 0 || cnt == 0 || !((p[0] >= 0x80 && p[0] <= 0x8f) || p[0] == 0xde || p[0] == 0xdf))
		return -1;
	pairs = cnt / 2;
	pos = hl;
	for (i = 0; i + 1 < pairs; i++)
		for (j = 0; j < 2; j++) {
			switch (check_obj(p + pos, (size_t)(avail - pos), &ol, &e)) {
			case DC_ETRUNC:
				return 0;
			case DC_OK:
				break;
			default:
				return -1;
			}
			pos += ol;
			elems += e;
		}
	if ((h = peek_str(p, avail, &pos, &s, &pl)) <= 0)
		return h;
	if (pl != 4 || memcmp(s, "data", 4) != 0)
		return -1;
	*keyend = pos;
	if (pos >= avail)
		return 0;
	if (p[pos] < 0xc4 || p[pos] > 0xc6)
		return -1;
	if ((h = head(p + pos, avail - pos, &hl, len, &cnt)) <= 0)
		return h;
	*hlen = pos + hl;
	elems += 2;
	return elems <= DC_REC_ELEMS && *hlen + *len <= maxbytes ? 1 : -1;
}

/* sunk_record: the record's keys, bytes p[0..keyend) with nil for the data, into r */
static int
sunk_record(dc_record *r, const unsigned char *p, uint64_t keyend, uint64_t len)
{
	msgpack_zone *z = msgpack_zone_new(4096);
	const msgpack_object *kind;
	char *b = malloc(keyend + 1);
	size_t off = 0;

	memset(r, 0, sizeof *r);
	if (z == NULL || b == NULL || !msgpack_zone_push_finalizer(z, free, b)) {
		free(b);
		if (z)
			msgpack_zone_free(z);
		return DC_ENOMEM;
	}
	memcpy(b, p, keyend);
	b[keyend] = (char)0xc0;
	r->zone = z;
	if (msgpack_unpack(b, keyend + 1, &off, z, DC_REC_MAP(r)) != MSGPACK_UNPACK_SUCCESS ||
	    off != keyend + 1 || !kind_ok(kind = map_get(DC_REC_MAP(r), "kind"), sizeof r->kind) ||
	    dup_key(DC_REC_MAP(r))) {
		dc_record_free(r);
		return DC_EMALFORMED;
	}
	memcpy(r->kind, kind->via.str.ptr, kind->via.str.size);
	r->kind[kind->via.str.size] = '\0';
	r->sunk = 1;
	r->sunklen = len;
	return DC_OK;
}

/*
 * read_sunk: with dc_reader_sink, inside dc_read_unit: the next record, if it is
 * one to sink, its keys into r and its data handed to the sink as it arrives.
 * 1 when it was; 0 when it is not one to sink (nothing consumed: dc_read reads
 * it); -1 on an error (rd->err).
 */
static int
read_sunk(dc_reader *rd, dc_record *r)
{
	dc_unit *b = rd->unit_b;
	uint64_t keyend, hlen, len, left, n;
	char kind[32];
	int k, err;

	if (rd->sink_fn == NULL || b == NULL || rd->unit_u->n == 0)
		return 0;       /* not in a unit, or before its first record */
	if ((k = peek_fed(rd, kind, sizeof kind)) == -2)
		return -1;
	if (k != 1 || !listed(kind, rd->sink_kinds) || (rd->pass && !listed(kind, rd->eat)))
		return 0;
	while ((k = sink_head(rd, &keyend, &hlen, &len)) == 0) {
		if (rd->up.used - rd->up.off >= CHUNK)
			return 0;
		switch (feed(rd)) {
		case -1:
			return -1;
		case 0:
			return 0;       /* cut short: the full reader says so */
		}
	}
	if (k < 0 || sunk_record(r, (const unsigned char *)rd->up.buffer + rd->up.off, keyend,
	    len) != DC_OK)
		return 0;
	rd->up.off += (size_t)hlen;
	if (!b->blocked)
		b->utt = &rd->unit_u->recs[0];
	if ((err = rd->sink_fn(rd->sink_ctx, b, r, NULL, 0)) != DC_OK)
		goto fail;
	for (left = len; left > 0;) {
		if ((n = rd->up.used - rd->up.off) > 0) {
			n = n < left ? n : left;
			err = rd->sink_fn(rd->sink_ctx, b, NULL, rd->up.buffer + rd->up.off, (size_t)n);
			if (err != DC_OK)
				goto fail;
			rd->up.off += (size_t)n;
			left -= n;
			continue;
		}
		switch (feed(rd)) {
		case -1:
			dc_record_free(r);
			return -1;
		case 0:
			err = DC_ETRUNC;
			goto fail;
		}
	}
	rd->start = rd->done;
	rd->done = rd->fed - (rd->up.used - rd->up.off);
	rd->count++;
	return 1;
fail:
	dc_record_free(r);
	rd->err = err;
	return -1;
}

int
dc_read(dc_reader *rd, dc_record *r)
{
	msgpack_unpacked res;
	msgpack_unpack_return ret;
	const msgpack_object *kind;
	int big = 0;

	if (r == NULL || rd == NULL) {
		if (r != NULL)
			memset(r, 0, sizeof *r);
		return DC_EPARAM;
	}
	memset(r, 0, sizeof *r);
	rd->teed = rd->tee = 0;
	if (rd->err || pass_unused(rd) != DC_OK)
		return rd->err;
	switch (read_sunk(rd, r)) {
	case 1:
		return DC_OK;
	case -1:
		return rd->err;
	}
	msgpack_unpacked_init(&res);
	for (;;) {
		int sr = scan(rd);
		if (sr < 0)
			goto fail;
		if (sr == 1 && rd->big) {
			if (unpack_big(rd, &res) != DC_OK)
				goto fail;
			big = 1;
			break;
		}
		if (sr == 0) {
			switch (rd->big || rd->sc.pos >= BIG ? feed_big(rd) : feed(rd)) {
			case -1:
				goto fail;
			case 0:
				rd->err = rd->fed > rd->done ? DC_ETRUNC : DC_EEOF;
				goto fail;
			}
			continue;
		}
		ret = msgpack_unpacker_next(&rd->up, &res);
		if (ret == MSGPACK_UNPACK_SUCCESS)
			break;
		if (ret == MSGPACK_UNPACK_NOMEM_ERROR) {
			rd->err = DC_ENOMEM;
			goto fail;
		}
		/* the scan found a whole object: msgpack-c must not want more of it */
		rd->err = DC_EMALFORMED;
		goto fail;
	}
	memset(&rd->sc, 0, sizeof rd->sc);
	kind = map_get(&res.data, "kind");
	if (!kind_ok(kind, sizeof r->kind)) {
		rd->err = DC_ENOTREC;   /* rd->done stays where the refused object begins */
		goto fail;
	}
	if (dup_key(&res.data)) {
		rd->err = DC_EDUPKEY;
		goto fail;
	}
	rd->start = rd->done;
	rd->done = rd->fed - (rd->up.used - rd->up.off);   /* bytes not yet parsed */
	memcpy(r->kind, kind->via.str.ptr, kind->via.str.size);
	r->kind[kind->via.str.size] = '\0';
	*DC_REC_MAP(r) = res.data;
	r->zone = msgpack_unpacked_release_zone(&res);
	msgpack_unpacked_destroy(&res);
	/* a record in the unpacker's buffer keeps that buffer alive: the reader then
	 * takes a fresh one, above what the tool allocates next, and the holes the
	 * tool leaves cannot merge. A copy (of a small record, under BIG bytes)
	 * leaves the buffer free to be reused. */
	if (!big) {
		dc_record c;
		dc_record_copy(&c, r);
		dc_record_free(r);
		*r = c;
	}
	rd->count++;
	rd->teed = rd->tee;
	/* a header, first or later (cat a.dcs b.dcs): its version, wherever it is */
	if (strcmp(r->kind, "dcsep") == 0 && (rd->err = check_header(rd, r)) != DC_OK) {
		dc_record_free(r);
		return rd->err;
	}
	return DC_OK;
fail:
	msgpack_unpacked_destroy(&res);
	return rd->err;
}


int64_t
dc_reader_version(const dc_reader *rd)
{
	return rd->version;
}

/* audio_kind: the audio format that bytes b (n of them) begin as, by the marks
 * libsndfile and MP3 decoders look for, or NULL */
static const char *
audio_kind(const unsigned char *b, size_t n)
{
	if (n >= 12 && (memcmp(b, "RIFF", 4) == 0 || memcmp(b, "RIFX", 4) == 0 ||
	    memcmp(b, "RF64", 4) == 0) && memcmp(b + 8, "WAVE", 4) == 0)
		return "WAV";
	if (n >= 12 && memcmp(b, "FORM", 4) == 0 && (memcmp(b + 8, "AIFF", 4) == 0 ||
	    memcmp(b + 8, "AIFC", 4) == 0))
		return "AIFF";
	if (n >= 4 && memcmp(b, "fLaC", 4) == 0)
		return "FLAC";
	if (n >= 4 && memcmp(b, "OggS", 4) == 0)
		return "Ogg";
	if (n >= 4 && memcmp(b, ".snd", 4) == 0)
		return "AU";
	if (n >= 4 && memcmp(b, "caff", 4) == 0)
		return "CAF";
	if (n >= 8 && memcmp(b, "NIST_1A\n", 8) == 0)
		return "NIST SPHERE";
	/* an ID3 tag, or an MPEG audio frame header: sync, a version, a layer, a
	 * bit rate and a sample rate that are not the reserved ones */
	if (n >= 3 && (memcmp(b, "ID3", 3) == 0 || (b[0] == 0xff && (b[1] & 0xe0) == 0xe0 &&
	    (b[1] & 0x18) != 0x08 && (b[1] & 0x06) != 0 && (b[2] & 0xf0) != 0xf0 &&
	    (b[2] & 0x0c) != 0x0c)))
		return "MP3";
	return NULL;
}

int
dc_read_header(dc_reader *rd, dc_record *hdr)
{
	int err = dc_read(rd, hdr);

	if (err == DC_EPARAM)
		return err;
	if (err == DC_ENOTREC || err == DC_EEOF)
		err = err == DC_EEOF ? DC_EEMPTY : DC_ENOHEADER;
	else if (err == DC_OK && strcmp(hdr->kind, "dcsep") != 0) {
		dc_record_free(hdr);    /* dc_read checked a header's version */
		err = DC_ENOHEADER;
	}
	if (err == DC_ENOHEADER) {
		const char *a = audio_kind(rd->head, rd->fed < sizeof rd->head ? (size_t)rd->fed :
		    sizeof rd->head);
		rd->detail[0] = '\0';
		if (a)
			snprintf(rd->detail, sizeof rd->detail, "%s", a);
	}
	if (err != DC_OK)
		rd->err = err;
	else
		rd->headers++;
	return err;
}

uint64_t
dc_reader_headers(const dc_reader *rd)
{
	return rd->headers;
}

static void
utt_push(dc_utt *u, dc_record *r)
{
	if (u->n == u->cap) {
		u->cap = u->cap ? 2 * u->cap : 8;
		u->recs = dc_xrealloc(u->recs, (size_t)u->cap * sizeof *u->recs);
	}
	u->recs[u->n++] = *r;
	memset(r, 0, sizeof *r);
}

/* rec_id: a utt record's id for a message, "?" if it has none */
static void
rec_id(const dc_record *r, char *buf, size_t n)
{
	if (dc_rec_str(r, "id", buf, n) != DC_OK)
		snprintf(buf, n, "?");
}

/* block_fail: DC_EBLOCK, with the detail (and where, if at is set: the record
 * just read) for dc_reader_detail */
static int
block_fail(dc_reader *rd, int at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int
block_fail(dc_reader *rd, int at, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(rd->detail, sizeof rd->detail, fmt, ap);
	va_end(ap);
	n = strlen(rd->detail);
	if (at && n < sizeof rd->detail)
		snprintf(rd->detail + n, sizeof rd->detail - n, " (record %llu, byte %llu)",
		    (unsigned long long)rd->count, (unsigned long long)rd->start);
	return rd->err = DC_EBLOCK;
}

/* utt_blocks: whether a utt record says its utterance is in blocks (key
 * "blocks" true); DC_EBLOCK if the key is there but not true or false */
static int
utt_blocks(dc_reader *rd, const dc_record *r, int *blocks)
{
	char id[128];

	*blocks = 0;
	if (dc_rec_get(r, "blocks") == NULL)
		return DC_OK;
	if (dc_rec_bool(r, "blocks", blocks) != DC_OK) {
		rec_id(r, id, sizeof id);
		return block_fail(rd, 1, "utterance '%s': utt record: key 'blocks' is not true or false", id);
	}
	return DC_OK;
}

/* stray_block: a block record in an utterance not in blocks (u's) */
static int
stray_block(dc_reader *rd, const dc_utt *u)
{
	char id[128];

	rec_id(&u->recs[0], id, sizeof id);
	return block_fail(rd, 1, "a block record in utterance '%s', which is not in blocks", id);
}

/* hold: r becomes the reader's look-ahead, as a copy made now: where it lands in
 * the heap matters (dc-kmeans on 20 utterances: 109 MB peak with the copy, 158 MB
 * with the copy dc_read made, 133 MB with neither) */
static void
hold(dc_reader *rd, dc_record *r)
{
	dc_record_copy(&rd->pending, r);
	dc_record_free(r);
	rd->has_pending = 1;
}

int
dc_read_utt(dc_reader *rd, dc_utt *u)
{
	dc_record r;
	char id[128];
	int err, blocks;

	if (u == NULL || rd == NULL)
		return DC_EPARAM;
	dc_utt_clear(u);
	/* the first record: the pending "utt", or the next one that is not a header */
	if (rd->has_pending) {
		r = rd->pending;
		rd->has_pending = 0;
	} else {
		for (;;) {
			if ((err = dc_read(rd, &r)) != DC_OK)
				return err;
			if (strcmp(r.kind, "dcsep") != 0)
				break;
			dc_record_free(&r);     /* a later header (cat a.dcs b.dcs), checked by dc_read */
			rd->headers++;
		}
	}
	if (strcmp(r.kind, "utt") != 0) {
		dc_record_free(&r);
		return rd->err = DC_EORDER;
	}
	if ((err = utt_blocks(rd, &r, &blocks)) != DC_OK || blocks) {
		if (err == DC_OK) {
			rec_id(&r, id, sizeof id);
			snprintf(rd->detail, sizeof rd->detail, "%s: %s", id, dc_strerror(DC_EBLOCKED));
			err = rd->err = DC_EBLOCKED;
		}
		dc_record_free(&r);
		return err;
	}
	if (rd->use && rd->pass)
		dc_write_record(rd->pass, &r);
	utt_push(u, &r);
	rd->in_utt = 1;
	for (;;) {
		replace_held(rd, u);
		rd->tee_ok = 1;
		err = dc_read(rd, &r);
		rd->tee_ok = 0;
		if (err == DC_EEOF)
			return DC_OK;
		if (err != DC_OK)
			return err;
		if (strcmp(r.kind, "dcsep") == 0) {
			dc_record_free(&r);     /* a later header, checked by dc_read */
			rd->headers++;
			continue;
		}
		if (strcmp(r.kind, "utt") == 0) {
			hold(rd, &r);
			return DC_OK;
		}
		if (strcmp(r.kind, "block") == 0) {
			dc_record_free(&r);
			return stray_block(rd, u);
		}
		if (rd->use && rd->pass && !listed(r.kind, rd->eat) && !rd->teed)
			dc_write_record(rd->pass, &r);
		utt_push(u, &r);
	}
}

/* next_rec: the next record but a header: the look-ahead, or a fresh one */
static int
next_rec(dc_reader *rd, dc_record *r)
{
	int err;

	if (rd->has_pending) {
		*r = rd->pending;
		rd->has_pending = 0;
		return DC_OK;
	}
	for (;;) {
		if ((err = dc_read(rd, r)) != DC_OK)
			return err;
		if (strcmp(r->kind, "dcsep") != 0)
			return DC_OK;
		dc_record_free(r);      /* a later header, checked by dc_read */
		rd->headers++;
	}
}

/*
 * read_block: the next block of the utterance in blocks being read: its block
 * record, checked against the ones before, and the records after it up to the
 * next block or utt record (held as the look-ahead), into u.
 */
static int
read_block(dc_reader *rd, dc_utt *u, dc_unit *b)
{
	dc_record r;
	char id[128];
	int64_t t0, frames;
	int err, last;

	rec_id(&rd->utt, id, sizeof id);
	err = next_rec(rd, &r);
	if (err == DC_EEOF || (err == DC_OK && strcmp(r.kind, "utt") == 0)) {
		if (err == DC_OK)
			dc_record_free(&r);
		return block_fail(rd, 0, "utterance '%s' ends before its last block (next t0 %lld)",
		    id, (long long)rd->next_t0);
	}
	if (err != DC_OK)
		return err;
	if (strcmp(r.kind, "block") != 0) {
		err = block_fail(rd, 1, "utterance '%s' is in blocks: a %s record before its first "
		    "block", id, r.kind);
		dc_record_free(&r);
		return err;
	}
	if (dc_rec_int(&r, "t0", &t0) != DC_OK || t0 < 0) {
		dc_record_free(&r);
		return block_fail(rd, 1, "block record: key 't0' missing or not an integer from 0");
	}
	if (dc_rec_int(&r, "frames", &frames) != DC_OK || frames < 1 || frames > (INT64_C(1) << 40)) {
		dc_record_free(&r);
		return block_fail(rd, 1, "block record: key 'frames' missing or not an integer from 1");
	}
	if (dc_rec_bool(&r, "last", &last) != DC_OK) {
		dc_record_free(&r);
		return block_fail(rd, 1, "block record: key 'last' missing or not true or false");
	}
	if (t0 != rd->next_t0) {
		dc_record_free(&r);
		return block_fail(rd, 1, "utterance '%s': block t0 %lld, expected %lld", id,
		    (long long)t0, (long long)rd->next_t0);
	}
	if (rd->use && rd->pass)
		dc_write_record(rd->pass, &r);
	utt_push(u, &r);
	b->utt = &rd->utt;
	b->blocked = 1;
	b->index = rd->bindex++;
	b->t0 = t0;
	b->frames = frames;
	b->last = last;
	rd->next_t0 = t0 + frames;
	rd->last_seen = last;
	for (;;) {
		replace_held(rd, u);
		rd->tee_ok = 1;
		err = dc_read(rd, &r);
		rd->tee_ok = 0;
		if (err == DC_EEOF)
			return DC_OK;   /* without the last block, the next call says so */
		if (err != DC_OK)
			return err;
		if (strcmp(r.kind, "dcsep") == 0) {
			dc_record_free(&r);
			continue;
		}
		if (strcmp(r.kind, "utt") == 0 || strcmp(r.kind, "block") == 0) {
			if (strcmp(r.kind, "block") == 0 && last) {
				dc_record_free(&r);
				return block_fail(rd, 1, "utterance '%s': a block after its last block", id);
			}
			hold(rd, &r);
			return DC_OK;
		}
		if (rd->use && rd->pass && !listed(r.kind, rd->eat) && !rd->teed)
			dc_write_record(rd->pass, &r);
		utt_push(u, &r);
	}
}

/* read_unit: dc_read_unit, with the unit being read known to the sink */
static int
read_unit(dc_reader *rd, dc_utt *u, dc_unit *b)
{
	dc_record r;
	char id[128];
	int err, blocks;

	if (rd->blocked && !rd->last_seen)
		return read_block(rd, u, b);
	rd->blocked = 0;
	if ((err = next_rec(rd, &r)) != DC_OK)
		return err;
	if (strcmp(r.kind, "utt") != 0) {
		dc_record_free(&r);
		return rd->err = DC_EORDER;
	}
	if ((err = utt_blocks(rd, &r, &blocks)) != DC_OK) {
		dc_record_free(&r);
		return err;
	}
	rd->in_utt = 1;
	if (blocks) {
		if (rd->version < 2) {
			rec_id(&r, id, sizeof id);
			dc_record_free(&r);
			return block_fail(rd, 1, "utterance '%s' in blocks in a version %lld stream "
			    "(blocks need version 2)", id, (long long)rd->version);
		}
		dc_record_free(&rd->utt);
		rd->utt = r;
		if (rd->use && rd->pass) {
			dc_writer_want_blocks(rd->pass);
			dc_write_record(rd->pass, &rd->utt);
		}
		rd->blocked = 1;
		rd->last_seen = 0;
		rd->next_t0 = 0;
		rd->bindex = 0;
		return read_block(rd, u, b);
	}
	/* a whole utterance: dc_read_utt's reading, the utt record handed back */
	rd->pending = r;
	rd->has_pending = 1;
	b->frames = -1;
	b->last = 1;
	if ((err = dc_read_utt(rd, u)) != DC_OK)
		return err;
	b->utt = &u->recs[0];
	return DC_OK;
}

int
dc_read_unit(dc_reader *rd, dc_utt *u, dc_unit *b)
{
	int err;

	dc_utt_clear(u);
	memset(b, 0, sizeof *b);
	rd->unit_u = u;
	rd->unit_b = b;
	err = read_unit(rd, u, b);
	rd->unit_u = NULL;
	rd->unit_b = NULL;
	return err;
}

void
dc_reader_sink(dc_reader *rd, const char *const *kinds, dc_sink_fn fn, void *ctx)
{
	rd->sink_kinds = kinds;
	rd->sink_fn = fn;
	rd->sink_ctx = ctx;
}

const char *
dc_reader_detail(const dc_reader *rd)
{
	return rd->detail;
}

void
dc_reader_select(dc_reader *rd, const char *const *use, const char *const *eat, dc_writer *w)
{
	rd->use = use;
	rd->eat = eat;
	rd->pass = w;
}

void
dc_reader_replace(dc_reader *rd, const char *const *later, const char *const *over)
{
	rd->later = later;
	rd->over = over;
}

dc_record *
dc_utt_find(const dc_utt *u, const char *kind)
{
	int i;

	if (u == NULL || kind == NULL)
		return NULL;
	for (i = u->n - 1; i >= 0; i--)
		if (strcmp(u->recs[i].kind, kind) == 0)
			return &u->recs[i];
	return NULL;
}

const char *
dc_rec_id(const dc_record *r, char *buf)
{
	const msgpack_object *o = dc_rec_get(r, "id");

	buf[0] = '\0';
	if (o == NULL || o->type != MSGPACK_OBJECT_STR)
		return "key 'id' missing or not a string";
	if (o->via.str.size >= DC_ID_MAX)
		return "id longer than 1023 bytes";    /* DC_ID_MAX - 1 */
	if (dc_rec_str(r, "id", buf, DC_ID_MAX) != DC_OK)
		return "id holds a NUL byte";
	return NULL;
}

const char *
dc_utt_id(const dc_utt *u, char *buf)
{
	if (u->n == 0) {
		buf[0] = '\0';
		return "no utt record";
	}
	return dc_rec_id(&u->recs[0], buf);
}

void
dc_utt_drop(dc_utt *u, const char *kind)
{
	int i, j = 0;

	for (i = 0; i < u->n; i++) {
		if (strcmp(u->recs[i].kind, kind) == 0)
			dc_record_free(&u->recs[i]);
		else
			u->recs[j++] = u->recs[i];
	}
	u->n = j;
}

void
dc_utt_clear(dc_utt *u)
{
	int i;

	for (i = 0; i < u->n; i++)
		dc_record_free(&u->recs[i]);
	u->n = 0;
}

void
dc_utt_free(dc_utt *u)
{
	if (u == NULL)
		return;
	dc_utt_clear(u);
	free(u->recs);
	memset(u, 0, sizeof *u);
}

/* ---------------------------------------------------------------- writer */

static int
writer_cb(void *data, const char *buf, size_t len)
{
	dc_writer *w = data;

	if (w->err)
		return -1;
	if (len == 0)   /* an empty bin's data: buf may be NULL, which fwrite may not take */
		return 0;
	if (w->sb) {
		/* out of memory: kept, so that later writes do not hide it */
		if (msgpack_sbuffer_write(w->sb, buf, len) != 0)
			w->err = DC_ENOMEM;
		return w->err ? -1 : 0;
	}
	if (fwrite(buf, 1, len, w->f) != len) {
		w->err = DC_EIO;
		w->errnum = errno;
		return -1;
	}
	return 0;
}

static void
write_raw(dc_writer *w, const void *buf, size_t len)
{
	writer_cb(w, buf, len);
}

dc_writer *
dc_writer_file(FILE *f)
{
	dc_writer *w;

	if (f == NULL)
		return NULL;
	w = dc_xcalloc(1, sizeof *w);
	grow_pipe(f);
	w->f = f;
	msgpack_packer_init(&w->pk, w, writer_cb);
	return w;
}

dc_writer *
dc_writer_mem(void)
{
	dc_writer *w = dc_xcalloc(1, sizeof *w);

	w->sb = msgpack_sbuffer_new();
	msgpack_packer_init(&w->pk, w, writer_cb);
	return w;
}

const void *
dc_writer_buf(const dc_writer *w, size_t *len)
{
	*len = w->sb ? w->sb->size : 0;
	return w->sb ? w->sb->data : NULL;
}

int
dc_writer_error(const dc_writer *w)
{
	return w ? w->err : DC_EPARAM;
}

int
dc_writer_close(dc_writer *w)
{
	int err;

	if (w == NULL)
		return DC_OK;
	if (w->f && !w->err && fflush(w->f) != 0) {
		w->err = DC_EIO;
		w->errnum = errno;
	}
	err = w->err;
	if (err == DC_EIO)
		errno = w->errnum;
	if (w->sb)
		msgpack_sbuffer_free(w->sb);
	free(w);
	return err;
}

static void
pack_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

/* refuse: a call refused for its arguments (err), nothing written: err is the
 * writer's error from then on, unless it had one already, which it returns */
static int
refuse(dc_writer *w, int err)
{
	if (w->err == DC_OK)
		w->err = err;
	return w->err;
}

int
dc_write_header(dc_writer *w, const dc_record *in, const char *tool)
{
	int64_t v = 1;

	if (in && dc_rec_int(in, "version", &v) == DC_OK && v == 2)
		return dc_write_header_version(w, in, tool, 2);
	return dc_write_header_version(w, in, tool, 1);
}

int
dc_writer_want_blocks(dc_writer *w)
{
	if (w == NULL)
		return DC_EPARAM;
	if (w->version == 1)
		dc_write_header_version(w, NULL, w->tool, 2);
	return w->err;
}

int
dc_write_header_version(dc_writer *w, const dc_record *in, const char *tool, int version)
{
	const msgpack_object *h = in ? dc_rec_get(in, "history") : NULL;
	uint32_t i, nh = 0;

	if (w == NULL)
		return DC_EPARAM;
	if (tool == NULL || version < 1 || version > DC_STREAM_VERSION)
		return refuse(w, DC_EPARAM);
	if (h && h->type == MSGPACK_OBJECT_ARRAY)
		for (i = 0; i < h->via.array.size; i++)
			nh += h->via.array.ptr[i].type == MSGPACK_OBJECT_STR;
	/* the map, 2 keys and values, "history", its array, nh + 1 names */
	if ((uint64_t)nh + 8 > DC_REC_ELEMS)
		return refuse(w, DC_EELEMS);
	w->version = version;
	if (tool != w->tool)
		snprintf(w->tool, sizeof w->tool, "%s", tool);
	msgpack_pack_map(&w->pk, 3);
	pack_str(&w->pk, "kind");
	pack_str(&w->pk, "dcsep");
	pack_str(&w->pk, "version");
	msgpack_pack_int(&w->pk, version);
	pack_str(&w->pk, "history");
	msgpack_pack_array(&w->pk, nh + 1);
	if (nh)
		for (i = 0; i < h->via.array.size; i++)
			if (h->via.array.ptr[i].type == MSGPACK_OBJECT_STR)
				msgpack_pack_object(&w->pk, h->via.array.ptr[i]);
	pack_str(&w->pk, tool);
	return w->err;
}

int
dc_write_record(dc_writer *w, const dc_record *r)
{
	if (w == NULL)
		return DC_EPARAM;
	if (r == NULL || !kind_ok(map_get(DC_REC_CMAP(r), "kind"), sizeof r->kind))
		return refuse(w, DC_EPARAM);
	if (r->sunk)            /* its data is gone */
		return refuse(w, DC_EMISSING);
	msgpack_pack_object(&w->pk, *DC_REC_CMAP(r));
	return w->err;
}

int
dc_write_utt(dc_writer *w, const dc_utt *u)
{
	int i;

	if (w == NULL)
		return DC_EPARAM;
	if (u == NULL)
		return refuse(w, DC_EPARAM);
	for (i = 0; i < u->n; i++)
		dc_write_record(w, &u->recs[i]);
	return w->err;
}

void
dc_recb_init(dc_recb *b, const char *kind)
{
	if (b == NULL)
		return;
	memset(b, 0, sizeof *b);
	b->kind = kind;
}

/* recb_add: the index of b's next field, or -1 past DC_MAXFIELDS: b->n then
 * stays at DC_MAXFIELDS + 1, which recb_check refuses */
static int
recb_add(dc_recb *b, const char *key, int type)
{
	if (b == NULL)
		return -1;
	if (b->n < 0 || b->n >= DC_MAXFIELDS) {
		b->n = DC_MAXFIELDS + 1;
		return -1;
	}
	memset(&b->f[b->n], 0, sizeof b->f[b->n]);
	b->f[b->n].key = key;
	b->f[b->n].type = type;
	return b->n++;
}

void
dc_recb_int(dc_recb *b, const char *key, int64_t v)
{
	int i = recb_add(b, key, DC_FINT);

	if (i >= 0)
		b->f[i].i = v;
}

void
dc_recb_num(dc_recb *b, const char *key, double v)
{
	int i = recb_add(b, key, DC_FNUM);

	if (i >= 0)
		b->f[i].f = v;
}

void
dc_recb_str(dc_recb *b, const char *key, const char *v)
{
	int i = recb_add(b, key, DC_FSTR);

	if (i >= 0)
		b->f[i].s = v;
}

void
dc_recb_bool(dc_recb *b, const char *key, int v)
{
	int i = recb_add(b, key, DC_FBOOL);

	if (i >= 0)
		b->f[i].i = v != 0;
}

void
dc_recb_tensor(dc_recb *b, const dc_tensor *t)
{
	int i = recb_add(b, "data", DC_FTENSOR);

	if (i >= 0)
		b->f[i].t = t;
}

/*
 * recb_check: whether b makes a record of formats/stream.md, before a byte of it
 * is written: a kind of 1 to 31 bytes, at most DC_MAXFIELDS fields of a known
 * type, every key and string given, each tensor of a known dtype, 1 to DC_MAXDIM
 * dimensions of 0 or more and data unless it is empty (or it is the last field
 * and body is 0: dc_write_recb_head, which also wants it there). DC_EPARAM,
 * DC_ELIMIT for a tensor past the element limit, DC_EDUPKEY for a key twice
 * ("kind", and a tensor's "dtype", "shape" and "data", count too).
 */
static int
recb_check(const dc_recb *b, int body)
{
	const char *keys[1 + 3 * DC_MAXFIELDS];
	size_t len;
	int i, j, nk = 0;

	if (b == NULL || b->kind == NULL || b->n < 0 || b->n > DC_MAXFIELDS)
		return DC_EPARAM;
	len = strlen(b->kind);
	if (len == 0 || len >= sizeof ((dc_record *)0)->kind)
		return DC_EPARAM;
	if (!body && (b->n == 0 || b->f[b->n - 1].type != DC_FTENSOR))
		return DC_EPARAM;
	keys[nk++] = "kind";
	for (i = 0; i < b->n; i++) {
		const dc_tensor *t = b->f[i].t;
		int64_t n = 1, lim = dc_limit_elems();

		switch (b->f[i].type) {
		case DC_FSTR:
			if (b->f[i].s == NULL)
				return DC_EPARAM;
			/* FALLTHROUGH */
		case DC_FINT:
		case DC_FNUM:
		case DC_FBOOL:
			if (b->f[i].key == NULL)
				return DC_EPARAM;
			keys[nk++] = b->f[i].key;
			break;
		case DC_FTENSOR:
			if (t == NULL || dc_dtype_size(t->dtype) == 0 || t->ndim < 1 || t->ndim > DC_MAXDIM)
				return DC_EPARAM;
			for (j = 0; j < t->ndim; j++) {
				if (t->shape[j] < 0)
					return DC_EPARAM;
				if (t->shape[j] && n > lim / t->shape[j])
					return DC_ELIMIT;
				n *= t->shape[j];
			}
			if (n > 0 && t->data == NULL && (body || i < b->n - 1))
				return DC_EPARAM;
			keys[nk++] = "dtype";
			keys[nk++] = "shape";
			keys[nk++] = "data";
			break;
		default:
			return DC_EPARAM;
		}
	}
	for (i = 0; i < nk; i++)
		for (j = i + 1; j < nk; j++)
			if (strcmp(keys[i], keys[j]) == 0)
				return DC_EDUPKEY;
	return DC_OK;
}

/* pack_recb: b packed; with body 0, of its last field, a tensor, only the bin
 * header (dc_write_recb_head) */
static void
pack_recb(msgpack_packer *pk, const dc_recb *b, int body)
{
	int i, j, nkeys = 1;

	for (i = 0; i < b->n; i++)
		nkeys += b->f[i].type == DC_FTENSOR ? 3 : 1;
	msgpack_pack_map(pk, (size_t)nkeys);
	pack_str(pk, "kind");
	pack_str(pk, b->kind);
	for (i = 0; i < b->n; i++) {
		const dc_tensor *t = b->f[i].t;
		switch (b->f[i].type) {
		case DC_FINT:
			pack_str(pk, b->f[i].key);
			msgpack_pack_int64(pk, b->f[i].i);
			break;
		case DC_FNUM:
			pack_str(pk, b->f[i].key);
			msgpack_pack_double(pk, b->f[i].f);
			break;
		case DC_FSTR:
			pack_str(pk, b->f[i].key);
			pack_str(pk, b->f[i].s);
			break;
		case DC_FBOOL:
			pack_str(pk, b->f[i].key);
			if (b->f[i].i)
				msgpack_pack_true(pk);
			else
				msgpack_pack_false(pk);
			break;
		case DC_FTENSOR: {
			size_t nb = (size_t)dc_tensor_count(t) * dc_dtype_size(t->dtype);
			pack_str(pk, "dtype");
			pack_str(pk, dc_dtype_name(t->dtype));
			pack_str(pk, "shape");
			msgpack_pack_array(pk, (size_t)t->ndim);
			for (j = 0; j < t->ndim; j++)
				msgpack_pack_int64(pk, t->shape[j]);
			pack_str(pk, "data");
			msgpack_pack_bin(pk, nb);
			if (body || i < b->n - 1)
				msgpack_pack_bin_body(pk, t->data, nb);
			break;
		}
		}
	}
}

int
dc_write_recb(dc_writer *w, const dc_recb *b)
{
	int err;

	if (w == NULL)
		return DC_EPARAM;
	if ((err = recb_check(b, 1)) != DC_OK)
		return refuse(w, err);
	pack_recb(&w->pk, b, 1);
	return w->err;
}

int
dc_write_recb_head(dc_writer *w, const dc_recb *b)
{
	int err;

	if (w == NULL)
		return DC_EPARAM;
	if ((err = recb_check(b, 0)) != DC_OK)
		return refuse(w, err);
	pack_recb(&w->pk, b, 0);
	return w->err;
}

int
dc_write_bytes(dc_writer *w, const void *buf, size_t len)
{
	if (w == NULL)
		return DC_EPARAM;
	if (buf == NULL && len > 0)
		return refuse(w, DC_EPARAM);
	write_raw(w, buf, len);
	return w->err;
}

int
dc_recb_to_record(const dc_recb *b, dc_record *r)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int err;

	if (r == NULL)
		return DC_EPARAM;
	memset(r, 0, sizeof *r);
	if ((err = recb_check(b, 1)) != DC_OK)
		return err;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	pack_recb(&pk, b, 1);
	err = rec_from_sbuffer(r, &sb);
	msgpack_sbuffer_destroy(&sb);
	return err;
}

int
dc_utt_append(dc_utt *u, const dc_recb *b)
{
	dc_record r;
	int err;

	if (u == NULL)
		return DC_EPARAM;
	if ((err = dc_recb_to_record(b, &r)) != DC_OK)
		return err;
	utt_push(u, &r);
	return DC_OK;
}
