/*
 * golden.h: reading a golden file of the unit tests (one msgpack map from array
 * name to {shape, dtype, data}, as ../shared/reference's and tests/data's), and
 * comparing an array against it. Header-only, for one test file each.
 *
 *   golden_open(file)             loads tests/data/file (under $ROOT when set);
 *                                 0, or -1 after a FAIL line
 *   golden_arr(name, &n, shape)   an aligned copy of the array's data (NULL if
 *                                 absent), its element count, its shape (up to 4)
 *   golden_cmp(label, name, got, n, tol)   one check: max|got - golden| over
 *                                 max|golden| within tol (float32 arrays)
 */
#ifndef GOLDEN_H
#define GOLDEN_H

#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "t.h"

static msgpack_object golden_root;
static msgpack_unpacked golden_u;
static char *golden_buf;

static int
golden_open(const char *file)
{
	char path[4096];
	size_t off = 0;
	long len;
	FILE *f;

	snprintf(path, sizeof path, "%s%stests/data/%s", getenv("ROOT") ? getenv("ROOT") : "",
	    getenv("ROOT") ? "/" : "", file);
	if ((f = fopen(path, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) <= 0) {
		printf("FAIL: open %s\n", path);
		t_failed++;
		return -1;
	}
	rewind(f);
	golden_buf = malloc((size_t)len);
	if (golden_buf == NULL || fread(golden_buf, 1, (size_t)len, f) != (size_t)len) {
		printf("FAIL: read %s\n", path);
		t_failed++;
		fclose(f);
		return -1;
	}
	fclose(f);
	msgpack_unpacked_init(&golden_u);
	if (msgpack_unpack_next(&golden_u, golden_buf, (size_t)len, &off) != MSGPACK_UNPACK_SUCCESS ||
	    golden_u.data.type != MSGPACK_OBJECT_MAP) {
		printf("FAIL: %s is not one msgpack map\n", path);
		t_failed++;
		return -1;
	}
	golden_root = golden_u.data;
	return 0;
}

/* golden_key: the value of key in the map m, or NULL */
static const msgpack_object *
golden_key(const msgpack_object *m, const char *key)
{
	uint32_t i;

	for (i = 0; i < m->via.map.size; i++) {
		const msgpack_object *k = &m->via.map.ptr[i].key;
		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(key) &&
		    memcmp(k->via.str.ptr, key, k->via.str.size) == 0)
			return &m->via.map.ptr[i].val;
	}
	return NULL;
}

static void *golden_copies[256];
static int golden_ncopies;

static const void *
golden_arr(const char *name, int64_t *n, int64_t *shape)
{
	const msgpack_object *v = golden_key(&golden_root, name), *sh, *data;
	int64_t cnt = 1;
	uint32_t j;

	if (v == NULL || v->type != MSGPACK_OBJECT_MAP || (sh = golden_key(v, "shape")) == NULL ||
	    (data = golden_key(v, "data")) == NULL || golden_ncopies == 256)
		return NULL;
	for (j = 0; j < sh->via.array.size; j++) {
		cnt *= (int64_t)sh->via.array.ptr[j].via.u64;
		if (shape && j < 4)
			shape[j] = (int64_t)sh->via.array.ptr[j].via.u64;
	}
	*n = cnt;
	golden_copies[golden_ncopies] = malloc(data->via.bin.size ? data->via.bin.size : 1);
	memcpy(golden_copies[golden_ncopies], data->via.bin.ptr, data->via.bin.size);
	return golden_copies[golden_ncopies++];
}

static void
golden_cmp(const char *label, const char *name, const float *got, int64_t n, double tol)
{
	int64_t gn, i;
	const float *want = golden_arr(name, &gn, NULL);
	double md = 0.0, mw = 0.0, d;

	if (want == NULL || gn != n) {
		printf("FAIL: %s %s: golden array missing or of %lld elements, not %lld\n", label, name,
		    (long long)(want ? gn : -1), (long long)n);
		t_failed++;
		return;
	}
	for (i = 0; i < n; i++) {
		d = fabs((double)got[i] - (double)want[i]);
		if (!(d <= md))
			md = isnan(d) ? INFINITY : d;
		if (fabs((double)want[i]) > mw)
			mw = fabs((double)want[i]);
	}
	if (mw > 0.0 && md / mw <= tol) {
		printf("PASS: %s %s max|diff| %.3g, max|golden| %.3g, relative %.3g\n", label, name, md, mw,
		    md / mw);
	} else {
		printf("FAIL: %s %s max|diff| %.3g, max|golden| %.3g, relative %.3g > %g\n", label, name,
		    md, mw, mw > 0.0 ? md / mw : INFINITY, tol);
		t_failed++;
	}
}

static void
golden_close(void)
{
	while (golden_ncopies > 0)
		free(golden_copies[--golden_ncopies]);
	msgpack_unpacked_destroy(&golden_u);
	free(golden_buf);
}

#endif
