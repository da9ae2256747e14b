/*
 * model.c: the model in memory (configuration, feature statistics, the flat
 * parameter buffer, metadata, optional training state) and its file, specified in
 * formats/model.md: one msgpack map, written atomically, validated on reading.
 */
#include <errno.h>
#include <math.h>
#ifdef __F16C__
#include <immintrin.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "outpath.h"
#include "stream.h"
#include "stream_impl.h"
#include "rng.h"
#include "nn.h"
#include "mi.h"

#include <msgpack/fbuffer.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "model.c reads and writes float32 little-endian data in place: a little-endian host is needed"
#endif

#define MAGIC "dcsep-model"
#define HUGE ((size_t)2 << 20)   /* a transparent huge page */
#define READMAX ((size_t)1 << 30) /* a regular file read whole, at most; past any
                                   * model or checkpoint this project makes */

/* ---------------------------------------------------------------- memory */

static float *
falloc(size_t n)
{
	return dc_nn_alloc(n * sizeof(float));
}

/* model_alloc: buffers for the configuration c; parameters zero, mean 0, std 1;
 * or, if place is not NULL, the parameters in place, not zeroed (a mapping of
 * maplen bytes that m now owns). */
static void
model_place(dc_model *m, const dc_nn_config *c, float *place, size_t maplen)
{
	int f;

	memset(m, 0, sizeof *m);
	m->cfg = *c;
	m->nparams = dc_nn_nparams(c);
	m->params = place ? place : falloc(m->nparams);
	m->maplen = place ? maplen : 0;
	dc_nn_point(&m->p, m->params, c);
	m->feat_mean = falloc((size_t)c->F);
	m->feat_std = falloc((size_t)c->F);
	for (f = 0; f < c->F; f++)
		m->feat_std[f] = 1.0f;
}

static void
model_alloc(dc_model *m, const dc_nn_config *c)
{
	model_place(m, c, NULL, 0);
}

int
dc_model_new(dc_model *m, const dc_nn_config *c, uint64_t seed)
{
	dc_rng r;
	size_t i, nlstm;
	float bl, bo;

	memset(m, 0, sizeof *m);
	if (dc_nn_config_check(c) != DC_OK)
		return DC_EMODEL;
	model_alloc(m, c);
	dc_rng_seed(&r, seed);
	nlstm = (size_t)(m->p.lin_w - m->params);
	bl = 1.0f / sqrtf((float)c->H);
	bo = 1.0f / sqrtf(2.0f * (float)c->H);
	for (i = 0; i < m->nparams; i++) {
		double u = dc_rng_uniform(&r);
		float bound = i < nlstm ? bl : bo;
		m->params[i] = (float)((2.0 * u - 1.0) * bound);
	}
	return DC_OK;
}

void
dc_model_free(dc_model *m)
{
	int i;

	if (m->maplen)
		munmap(m->params, m->maplen);
	else
		free(m->params);
	free(m->feat_mean);
	free(m->feat_std);
	free(m->adam_m);
	free(m->adam_v);
	free(m->train_state);
	for (i = 0; i < m->nmeta; i++) {
		free(m->meta[i].key);
		free(m->meta[i].val);
	}
	free(m->meta);
	memset(m, 0, sizeof *m);
}

void
dc_model_meta_set(dc_model *m, const char *key, const char *val)
{
	int i;

	for (i = 0; i < m->nmeta; i++)
		if (strcmp(m->meta[i].key, key) == 0) {
			free(m->meta[i].val);
			m->meta[i].val = dc_xstrdup(val);
			return;
		}
	m->meta = dc_xrealloc(m->meta, (size_t)(m->nmeta + 1) * sizeof *m->meta);
	m->meta[m->nmeta].key = dc_xstrdup(key);
	m->meta[m->nmeta].val = dc_xstrdup(val);
	m->nmeta++;
}

void
dc_model_meta_del(dc_model *m, const char *key)
{
	int i;

	for (i = 0; i < m->nmeta; i++)
		if (strcmp(m->meta[i].key, key) == 0) {
			free(m->meta[i].key);
			free(m->meta[i].val);
			m->meta[i] = m->meta[--m->nmeta];
			return;
		}
}

const char *
dc_model_meta_get(const dc_model *m, const char *key)
{
	int i;

	for (i = 0; i < m->nmeta; i++)
		if (strcmp(m->meta[i].key, key) == 0)
			return m->meta[i].val;
	return NULL;
}

/* ---------------------------------------------------------------- float16 */

/* to_half: x (finite, |x| <= 65504) as IEEE 754 binary16, rounded to nearest,
 * ties to even; subnormals kept. */
static uint16_t
to_half(float x)
{
	uint32_t u, sign, mant;
	int e;

	memcpy(&u, &x, sizeof u);
	sign = (u >> 16) & 0x8000u;
	e = (int)((u >> 23) & 0xff) - 127 + 15;
	mant = u & 0x7fffffu;
	if (e >= 31)
		return (uint16_t)(sign | 0x7c00u);      /* not reached: checked before */
	if (e <= 0) {
		/* subnormal or zero: shift the mantissa with its hidden bit */
		uint32_t m, shift, half, rest, q;
		if (e < -10)
			return (uint16_t)sign;
		m = mant | 0x800000u;
		shift = (uint32_t)(14 - e);
		q = m >> shift;
		rest = m & ((1u << shift) - 1);
		half = 1u << (shift - 1);
		if (rest > half || (rest == half && (q & 1)))
			q++;
		return (uint16_t)(sign | q);
	}
	{
		uint32_t h = ((uint32_t)e << 10) | (mant >> 13), rest = mant & 0x1fffu;
		if (rest > 0x1000u || (rest == 0x1000u && (h & 1)))
			h++;    /* a carry into the exponent is right, up to infinity */
		return (uint16_t)(sign | h);
	}
}

/* from_half: the float of an IEEE 754 binary16. */
static float
from_half(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1f, mant = h & 0x3ffu, u;
	float x;

	if (e == 0) {
		x = ldexpf((float)mant, -24);
		return sign ? -x : x;
	}
	if (e == 31)
		u = sign | 0x7f800000u | (mant << 13);
	else
		u = sign | ((e - 15 + 127) << 23) | (mant << 13);
	memcpy(&x, &u, sizeof x);
	return x;
}

/*
 * halves_to_floats: x[n] from the little-endian binary16 values b[2n], exactly;
 * DC_EMODEL if any of them is Inf or NaN (exponent bits all ones). With F16C (in
 * x86-64-v3), eight at a time.
 */
static int
halves_to_floats(float *x, const unsigned char *b, size_t n)
{
	size_t i = 0;
	uint16_t h;
#ifdef __F16C__
	const __m128i e = _mm_set1_epi16(0x7c00);
	__m128i bad = _mm_setzero_si128(), v;

	for (; i + 8 <= n; i += 8) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(b + 2 * i));
		bad = _mm_or_si128(bad, _mm_cmpeq_epi16(_mm_and_si128(v, e), e));
		_mm256_storeu_ps(x + i, _mm256_cvtph_ps(v));
	}
	if (!_mm_testz_si128(bad, bad))
		return DC_EMODEL;
#endif
	for (; i < n; i++) {
		h = (uint16_t)(b[2 * i] | b[2 * i + 1] << 8);
		if ((h & 0x7c00u) == 0x7c00u)
			return DC_EMODEL;
		x[i] = from_half(h);
	}
	return DC_OK;
}

/* ---------------------------------------------------------------- writing */

static void
pack_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

static void
pack_kint(msgpack_packer *pk, const char *key, int64_t v)
{
	pack_str(pk, key);
	msgpack_pack_int64(pk, v);
}

static void
pack_kfloats(msgpack_packer *pk, const char *key, const float *x, size_t n)
{
	pack_str(pk, key);
	msgpack_pack_bin(pk, n * sizeof *x);
	msgpack_pack_bin_body(pk, x, n * sizeof *x);
}

/* test_pause: for tests only (tests/sh/train_kill.sh): if DCSEP_TEST_SAVE_SLEEP
 * holds a number of milliseconds, flush f and sleep that long, so that a test can
 * kill a process while a model file is half written. */
static void
test_pause(FILE *f)
{
	const char *e = getenv("DCSEP_TEST_SAVE_SLEEP");
	long ms;

	if (e == NULL || *e == '\0' || (ms = strtol(e, NULL, 10)) <= 0 || ms > 60000)
		return;
	fflush(f);
	{
		struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };
		nanosleep(&ts, NULL);
	}
}

int
dc_model_save(const dc_model *m, const char *path)
{
	const dc_nn_config *c = &m->cfg;
	msgpack_packer pk;
	dc_atomic a;
	FILE *f;
	int i, nt = dc_nn_ntensors(c), train = m->adam_m && m->adam_v;
	size_t k;

	if (m->f16) {
		if (train)
			return DC_EPARAM;
		for (k = 0; k < m->nparams; k++)
			if (!(fabsf(m->params[k]) <= 65504.0f))
				return DC_EPARAM;
	}
	if ((f = dc_atomic_open(&a, path)) == NULL)
		return DC_EIO;
	msgpack_packer_init(&pk, f, msgpack_fbuffer_write);
	msgpack_pack_map(&pk, (train ? 9 : 8) + (m->f16 != 0));
	pack_str(&pk, "magic");
	pack_str(&pk, MAGIC);
	/* version 1 as long as there is no mask-inference head: what readers before it read */
	pack_kint(&pk, "version", c->C > 0 ? 2 : 1);
	pack_str(&pk, "config");
	msgpack_pack_map(&pk, 8 + (c->C > 0));
	pack_kint(&pk, "L", c->L);
	pack_kint(&pk, "H", c->H);
	pack_kint(&pk, "D", c->D);
	pack_kint(&pk, "F", c->F);
	pack_kint(&pk, "nfft", c->nfft);
	pack_kint(&pk, "hop", c->hop);
	pack_kint(&pk, "rate", c->rate);
	pack_str(&pk, "window");
	pack_str(&pk, c->window);
	if (c->C > 0)
		pack_kint(&pk, "mi_sources", c->C);
	pack_kfloats(&pk, "feat_mean", m->feat_mean, (size_t)c->F);
	pack_kfloats(&pk, "feat_std", m->feat_std, (size_t)c->F);
	pack_str(&pk, "tensors");
	msgpack_pack_array(&pk, (size_t)nt);
	for (i = 0; i < nt; i++) {
		char name[64];
		int64_t shape[2];
		size_t off;
		int nd, j;
		dc_nn_tensor(c, i, name, sizeof name, &nd, shape, &off);
		msgpack_pack_array(&pk, 2);
		pack_str(&pk, name);
		msgpack_pack_array(&pk, (size_t)nd);
		for (j = 0; j < nd; j++)
			msgpack_pack_int64(&pk, shape[j]);
	}
	if (m->f16) {
		unsigned char *b = dc_xmalloc(m->nparams * 2);
		pack_str(&pk, "params_dtype");
		pack_str(&pk, "f16");
		for (k = 0; k < m->nparams; k++) {
			uint16_t h = to_half(m->params[k]);
			b[2 * k] = (unsigned char)(h & 0xff);
			b[2 * k + 1] = (unsigned char)(h >> 8);
		}
		pack_str(&pk, "params");
		msgpack_pack_bin(&pk, m->nparams * 2);
		msgpack_pack_bin_body(&pk, b, m->nparams * 2);
		free(b);
	} else {
		pack_kfloats(&pk, "params", m->params, m->nparams);
	}
	test_pause(f);
	pack_str(&pk, "meta");
	msgpack_pack_map(&pk, (size_t)m->nmeta);
	for (i = 0; i < m->nmeta; i++) {
		pack_str(&pk, m->meta[i].key);
		pack_str(&pk, m->meta[i].val);
	}
	if (train) {
		pack_str(&pk, "train");
		msgpack_pack_map(&pk, 4);
		pack_kint(&pk, "step", m->step);
		pack_kfloats(&pk, "adam_m", m->adam_m, m->nparams);
		pack_kfloats(&pk, "adam_v", m->adam_v, m->nparams);
		pack_str(&pk, "state");
		msgpack_pack_bin(&pk, m->train_state_len);
		msgpack_pack_bin_body(&pk, m->train_state, m->train_state_len);
	}
	/* on the disk before the rename, so that a crash of the machine, too, leaves
	 * either the old file or the new one */
	if (ferror(f) || fflush(f) != 0 || (a.tmp && fsync(fileno(f)) != 0)) {
		int e = errno;
		dc_atomic_abort(&a);
		errno = e ? e : EIO;
		return DC_EIO;
	}
	return dc_atomic_commit(&a);
}

/* ---------------------------------------------------------------- reading */

static const msgpack_object *
get(const msgpack_object *map, const char *key)
{
	uint32_t i;
	size_t n = strlen(key);

	if (map->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;
		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
		    memcmp(k->via.str.ptr, key, n) == 0)
			return &map->via.map.ptr[i].val;
	}
	return NULL;
}

static int
get_int(const msgpack_object *map, const char *key, int64_t lo, int64_t hi, int64_t *v)
{
	const msgpack_object *o = get(map, key);

	if (o == NULL || o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > (uint64_t)hi ||
	    (int64_t)o->via.u64 < lo)
		return DC_EMODEL;
	*v = (int64_t)o->via.u64;
	return DC_OK;
}

static int
get_str(const msgpack_object *map, const char *key, char *buf, size_t n)
{
	const msgpack_object *o = get(map, key);

	if (o == NULL || o->type != MSGPACK_OBJECT_STR || o->via.str.size >= n)
		return DC_EMODEL;
	memcpy(buf, o->via.str.ptr, o->via.str.size);
	buf[o->via.str.size] = '\0';
	return DC_OK;
}

/* bin_of: whether the key holds a bin of exactly n float32. */
static int
bin_of(const msgpack_object *map, const char *key, size_t n)
{
	const msgpack_object *o = get(map, key);

	return o != NULL && o->type == MSGPACK_OBJECT_BIN && n <= UINT32_MAX / sizeof(float) &&
	    o->via.bin.size == n * sizeof(float);
}

/* get_floats: n finite float32 from a bin of exactly 4n bytes. */
static int
get_floats(const msgpack_object *map, const char *key, float *x, size_t n)
{
	const msgpack_object *o = get(map, key);
	size_t i;

	if (o == NULL || o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != n * sizeof *x)
		return DC_EMODEL;
	memcpy(x, o->via.bin.ptr, n * sizeof *x);
	for (i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return DC_EMODEL;
	return DC_OK;
}

static char *
strdup_obj(const msgpack_object *o)
{
	char *s = dc_xmalloc(o->via.str.size + 1);

	memcpy(s, o->via.str.ptr, o->via.str.size);
	s[o->via.str.size] = '\0';
	return s;
}

/* check_tensors: the "tensors" table, names and shapes, agrees with the config. */
static int
check_tensors(const msgpack_object *t, const dc_nn_config *c)
{
	int i, nt = dc_nn_ntensors(c);

	if (t->type != MSGPACK_OBJECT_ARRAY || t->via.array.size != (uint32_t)nt)
		return DC_EMODEL;
	for (i = 0; i < nt; i++) {
		const msgpack_object *e = &t->via.array.ptr[i], *nm, *sh;
		char name[64];
		int64_t shape[2];
		size_t off;
		int nd, j;
		dc_nn_tensor(c, i, name, sizeof name, &nd, shape, &off);
		if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != 2)
			return DC_EMODEL;
		nm = &e->via.array.ptr[0];
		sh = &e->via.array.ptr[1];
		if (nm->type != MSGPACK_OBJECT_STR || nm->via.str.size != strlen(name) ||
		    memcmp(nm->via.str.ptr, name, nm->via.str.size) != 0)
			return DC_EMODEL;
		if (sh->type != MSGPACK_OBJECT_ARRAY || sh->via.array.size != (uint32_t)nd)
			return DC_EMODEL;
		for (j = 0; j < nd; j++)
			if (sh->via.array.ptr[j].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
			    sh->via.array.ptr[j].via.u64 != (uint64_t)shape[j])
				return DC_EMODEL;
	}
	return DC_OK;
}

/* load_config: the "config" map of root, checked (version: the file's). */
static int
load_config(const msgpack_object *root, int64_t version, dc_nn_config *c)
{
	const msgpack_object *cfg;
	static const struct {
		const char *key;
		int64_t lo, hi;
	} ints[] = { { "L", 1, DC_NN_MAXL }, { "H", 1, 8192 }, { "D", 1, 1024 }, { "F", 1, 32769 } };
	int *dst[] = { &c->L, &c->H, &c->D, &c->F };
	int64_t v;
	size_t i;

	memset(c, 0, sizeof *c);
	if ((cfg = get(root, "config")) == NULL || cfg->type != MSGPACK_OBJECT_MAP)
		return DC_EMODEL;
	for (i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		if (get_int(cfg, ints[i].key, ints[i].lo, ints[i].hi, &v))
			return DC_EMODEL;
		*dst[i] = (int)v;
	}
	if (get_int(cfg, "nfft", 4, 65536, &c->nfft) || get_int(cfg, "hop", 1, 32768, &c->hop) ||
	    get_int(cfg, "rate", 1, 1000000, &c->rate) ||
	    get_str(cfg, "window", c->window, sizeof c->window))
		return DC_EMODEL;
	if (get(cfg, "mi_sources") != NULL) {     /* the mask-inference head: version 2 */
		if (version < 2 || get_int(cfg, "mi_sources", 1, DC_MI_CMAX, &v))
			return DC_EMODEL;
		c->C = (int)v;
	}
	return dc_nn_config_check(c) != DC_OK ? DC_EMODEL : DC_OK;
}

/*
 * load_obj: m from the model object root. place, if not NULL, is the writable
 * mapping of room bytes that holds the file (formats/model.md) at its end: an f16
 * model's parameters are then converted into its start in place of a buffer of
 * their own (41 MB of fresh memory less for the shipped model, the kernel's
 * zeroing of which took a third of dc-embed's start), and *placed says that m owns
 * the mapping. In place, the fp32 value i (bytes 4i to 4i + 3) is written after
 * the halves up to i are read, and overwrites none of those after it as long as
 * the halves begin 2 nparams bytes or more from the start; the conversion is the
 * last thing read from the object, as the file's start lies under the values.
 */
static int
load_obj(dc_model *m, const msgpack_object *root, char *place, size_t room, int *placed)
{
	const msgpack_object *o, *tr;
	dc_nn_config c;
	char magic[32];
	int64_t ver;
	uint32_t i;
	size_t j, np;
	int f, half = 0;
	const unsigned char *hb;

	if (root->type != MSGPACK_OBJECT_MAP || get_str(root, "magic", magic, sizeof magic) ||
	    strcmp(magic, MAGIC) != 0)
		return DC_EMODEL;
	if (get_int(root, "version", 1, DC_MODEL_VERSION, &ver))
		return DC_EMODEL;
	if (load_config(root, ver, &c) != DC_OK)
		return DC_EMODEL;
	if ((o = get(root, "tensors")) != NULL && check_tensors(o, &c) != DC_OK)
		return DC_EMODEL;
	/* the float arrays hold what the configuration implies, checked before the
	 * buffers are allocated: a small file cannot ask for a large model */
	np = dc_nn_nparams(&c);
	if ((o = get(root, "params_dtype")) != NULL) {
		char dt[8];
		if (get_str(root, "params_dtype", dt, sizeof dt) ||
		    (strcmp(dt, "f16") != 0 && strcmp(dt, "f32") != 0))
			return DC_EMODEL;
		half = strcmp(dt, "f16") == 0;
	}
	if (!bin_of(root, "feat_mean", (size_t)c.F) || !bin_of(root, "feat_std", (size_t)c.F))
		return DC_EMODEL;
	if (half) {
		o = get(root, "params");
		if (o == NULL || o->type != MSGPACK_OBJECT_BIN || np > UINT32_MAX / 2 ||
		    o->via.bin.size != np * 2 || get(root, "train") != NULL)
			return DC_EMODEL;
	} else if (!bin_of(root, "params", np)) {
		return DC_EMODEL;
	}
	if ((tr = get(root, "train")) != NULL && (tr->type != MSGPACK_OBJECT_MAP ||
	    !bin_of(tr, "adam_m", np) || !bin_of(tr, "adam_v", np)))
		return DC_EMODEL;
	hb = half ? (const unsigned char *)get(root, "params")->via.bin.ptr : NULL;
	if (place && half && hb >= (const unsigned char *)place + 2 * np + 64 &&
	    hb + 2 * np <= (const unsigned char *)place + room) {
		model_place(m, &c, (float *)(void *)place, room);
		*placed = 1;
	} else
		model_alloc(m, &c);
	m->f16 = half;
	if (get_floats(root, "feat_mean", m->feat_mean, (size_t)c.F) ||
	    get_floats(root, "feat_std", m->feat_std, (size_t)c.F))
		return DC_EMODEL;
	if (!half && get_floats(root, "params", m->params, m->nparams))
		return DC_EMODEL;
	for (f = 0; f < c.F; f++)
		if (!(m->feat_std[f] > 0.0f))
			return DC_EMODEL;
	if ((o = get(root, "meta")) != NULL) {
		if (o->type != MSGPACK_OBJECT_MAP)
			return DC_EMODEL;
		for (i = 0; i < o->via.map.size; i++) {
			const msgpack_object_kv *kv = &o->via.map.ptr[i];
			char *k, *val;
			if (kv->key.type != MSGPACK_OBJECT_STR || kv->val.type != MSGPACK_OBJECT_STR)
				return DC_EMODEL;
			k = strdup_obj(&kv->key);
			val = strdup_obj(&kv->val);
			if (strlen(k) != kv->key.via.str.size || strlen(val) != kv->val.via.str.size) {
				free(k);        /* an embedded NUL */
				free(val);
				return DC_EMODEL;
			}
			dc_model_meta_set(m, k, val);
			free(k);
			free(val);
		}
	}
	if ((tr = get(root, "train")) != NULL) {
		const msgpack_object *st;
		if (tr->type != MSGPACK_OBJECT_MAP || get_int(tr, "step", 0, INT64_MAX, &m->step))
			return DC_EMODEL;
		m->adam_m = falloc(m->nparams);
		m->adam_v = falloc(m->nparams);
		if (get_floats(tr, "adam_m", m->adam_m, m->nparams) ||
		    get_floats(tr, "adam_v", m->adam_v, m->nparams))
			return DC_EMODEL;
		for (j = 0; j < m->nparams; j++)
			if (m->adam_v[j] < 0.0f)
				return DC_EMODEL;
		if ((st = get(tr, "state")) != NULL) {
			if (st->type != MSGPACK_OBJECT_BIN)
				return DC_EMODEL;
			m->train_state = dc_xmalloc(st->via.bin.size);
			memcpy(m->train_state, st->via.bin.ptr, st->via.bin.size);
			m->train_state_len = st->via.bin.size;
		}
	}
	if (half)       /* last: in place, it overwrites the object's bytes */
		return halves_to_floats(m->params, hb, np);
	return DC_OK;
}

/* load_buf: dc_model_load_mem, with load_obj's place, room and placed */
static int
load_buf(dc_model *m, const void *buf, size_t len, char *place, size_t room, int *placed)
{
	msgpack_unpacked u;
	size_t off = 0;
	int err = DC_EMODEL;

	memset(m, 0, sizeof *m);
	*placed = 0;
	/* one complete object and nothing after it, before msgpack-c allocates for it */
	if (dc_msgpack_check(buf, len, &off) != DC_OK || off != len)
		return DC_EMODEL;
	off = 0;
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, buf, len, &off) == MSGPACK_UNPACK_SUCCESS && off == len)
		err = load_obj(m, &u.data, place, room, placed);
	msgpack_unpacked_destroy(&u);
	if (err != DC_OK)
		dc_model_free(m);
	return err;
}

int
dc_model_load_mem(dc_model *m, const void *buf, size_t len)
{
	int placed;

	return load_buf(m, buf, len, NULL, 0, &placed);
}

int
dc_model_load_fp(dc_model *m, FILE *f)
{
	char *buf = NULL;
	size_t len = 0, cap = 0, got;
	struct stat st;
	int err;

	memset(m, 0, sizeof *m);
	/*
	 * A regular file is read whole, from its start, into the end of a mapping
	 * of twice its size on transparent huge pages, where an f16 model's
	 * parameters are converted in place (load_obj): in the VMs we run on, the
	 * first pass over a mapped file's 4 KiB pages took 13-18 ms for the 21 MB
	 * model (MAP_POPULATE or not), reading it into huge pages 8-9 ms and a pass
	 * over them 1 ms. A file over READMAX is mapped instead: only the bytes
	 * looked at are read, so that a large (or sparse) file that is no model
	 * costs neither the time nor the memory of its size.
	 */
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size < ((uint64_t)1 << 34)) {
		size_t n = (size_t)st.st_size, room = (2 * n + 128 + HUGE - 1) / HUGE * HUGE;
		char *p, *at;   /* the mapping, and the file in its end */
		ssize_t r;
		int placed;
		if (n > READMAX) {
			void *map = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fileno(f), 0);
			if (map != MAP_FAILED) {
				err = dc_model_load_mem(m, map, n);
				munmap(map, n);
				return err;
			}
		} else if ((p = mmap(NULL, room, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0)) != MAP_FAILED) {
			at = p + room - n;
#ifdef MADV_HUGEPAGE
			madvise(p, room, MADV_HUGEPAGE);
#endif
			while (len < n) {       /* a file cut short meanwhile reads short */
				if ((r = pread(fileno(f), at + len, n - len, (off_t)len)) > 0)
					len += (size_t)r;
				else if (r == 0)
					break;
				else if (errno != EINTR) {
					int e = errno;
					munmap(p, room);
					errno = e;
					return DC_EIO;
				}
			}
			err = load_buf(m, at, len, p, room, &placed);
			if (!placed)
				munmap(p, room);
			return err;
		}
	}
	/*
	 * A pipe or a device, read into memory: a model is one msgpack map, so the
	 * reading stops at the first complete object, or at bytes that cannot begin
	 * one (/dev/zero's first byte is a whole object), and at 1 GiB, past any
	 * model or checkpoint this project makes (4x600 in f32 with Adam's moments
	 * is 430 MB); a regular file is read or mapped above, whatever its size.
	 */
	for (;;) {
		if (len == cap) {
			size_t off;
			char c;
			int chk = len > 0 ? dc_msgpack_check(buf, len, &off) : DC_ETRUNC;
			if (len > 0 && ((unsigned char)buf[0] & 0xf0) != 0x80 &&
			    (unsigned char)buf[0] != 0xde && (unsigned char)buf[0] != 0xdf) {
				free(buf);
				return DC_EMODEL;   /* not a map */
			}
			if (chk != DC_ETRUNC) {
				/* complete: it is the whole model only if the input ends here */
				if (chk != DC_OK || off < len || fread(&c, 1, 1, f) == 1) {
					free(buf);
					return DC_EMODEL;
				}
				break;
			}
			if (cap >= ((size_t)1 << 30)) {
				free(buf);
				return DC_EMODEL;
			}
			cap = cap ? 2 * cap : (size_t)1 << 20;
			buf = dc_xrealloc(buf, cap);
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno;
		free(buf);
		errno = e;
		return DC_EIO;
	}
	err = dc_model_load_mem(m, buf, len);
	free(buf);
	return err;
}

int
dc_model_load(dc_model *m, const char *path)
{
	FILE *f;
	int err, e;

	memset(m, 0, sizeof *m);
	if ((f = fopen(path, "rb")) == NULL)
		return DC_EIO;
	err = dc_model_load_fp(m, f);
	e = errno;
	fclose(f);
	errno = e;
	return err;
}
