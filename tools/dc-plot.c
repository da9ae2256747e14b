/*
 * dc-plot: pictures of a dcsep stream (formats/stream.md), one PNG per utterance
 * and record kind, drawn with cairo.
 *
 *   stft, masked   log magnitude in dB (one panel per source for masked), time in
 *                  seconds across, frequency in Hz up, a colour bar in dB
 *   labels         one colour per cluster; silent bins (more than 40 dB below the
 *                  loudest of the utterance's stft record, as training weighs them)
 *                  dark
 *   masks          one panel per source, 0 to 1, a colour bar
 *   embed          the first three principal components of the embeddings (of the
 *                  bins within -r dB, or all) as red, green and blue
 *
 * Shapes: T frames, F bins, K sources, D embedding dimensions. A picture's plot
 * area is W x H pixels a panel; pixel column x shows frame floor(x T / W), row y
 * (from the top) bin F - 1 - floor(y F / H), so W = T and H = F give one pixel
 * per bin. Each file is written under a temporary name beside it and renamed into
 * place when complete. With -p the stream also goes to standard output unchanged.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo.h>

#include "dc.h"

static const char usage[] = "[-p] [-c viridis | gray] [-k kinds] [-o pattern] [-r dB] [-u id]\n"
    "               [-W width] [-H height] [file]";

#define ML 64   /* margins of the plot area: left (Hz labels) */
#define MR 88   /* right (colour bar and its labels) */
#define MT 26   /* top (title) */
#define MB 40   /* bottom (seconds) */
#define GAP 14  /* between panels */
#define KMAX 8  /* the most panels of one picture */

static struct {
	int w, h, gray, pass;
	double range;
	const char *pattern, *only, *kinds;
	int found;              /* -u's utterance was in the stream */
	int64_t drawn;          /* pictures written */
} opt = { 800, 256, 0, 0, 80.0, "%u-%r.png", NULL, "stft,masked,labels,masks,embed", 0, 0 };

/* ---------------------------------------------------------------- colours */

/* viridis at nine evenly spaced points (the published map's 0, 1/8, ..., 1),
 * linearly interpolated in between */
static const unsigned char viridis[9][3] = {
	{ 0x44, 0x01, 0x54 }, { 0x47, 0x2d, 0x7b }, { 0x3b, 0x52, 0x8b }, { 0x2c, 0x72, 0x8e },
	{ 0x21, 0x91, 0x8c }, { 0x28, 0xae, 0x80 }, { 0x5e, 0xc9, 0x62 }, { 0xad, 0xdc, 0x30 },
	{ 0xfd, 0xe7, 0x25 },
};

/* one colour per cluster (8, then again), and the colour of silent bins */
static const unsigned char palette[8][3] = {
	{ 0x1f, 0x77, 0xb4 }, { 0xff, 0x7f, 0x0e }, { 0x2c, 0xa0, 0x2c }, { 0xd6, 0x27, 0x28 },
	{ 0x94, 0x67, 0xbd }, { 0x8c, 0x56, 0x4b }, { 0xe3, 0x77, 0xc2 }, { 0xbc, 0xbd, 0x22 },
};
static const unsigned char dark[3] = { 0x20, 0x20, 0x20 };

/* cmap: the colour of v in [0, 1] (clipped), as 0xRRGGBB */
static uint32_t
cmap(double v)
{
	double x;
	int i, c;
	uint32_t rgb = 0;

	v = v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
	if (opt.gray) {
		c = (int)lround(v * 255.0);
		return (uint32_t)c << 16 | (uint32_t)c << 8 | (uint32_t)c;
	}
	x = v * 8.0;
	i = x >= 8.0 ? 7 : (int)x;
	x -= i;
	for (c = 0; c < 3; c++)
		rgb = rgb << 8 | (uint32_t)lround(viridis[i][c] + x * (viridis[i + 1][c] - viridis[i][c]));
	return rgb;
}

static uint32_t
rgb3(const unsigned char *c)
{
	return (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2];
}

/* ---------------------------------------------------------------- pictures */

typedef struct {
	cairo_surface_t *s;
	cairo_t *cr;
	unsigned char *px;
	int stride, npanel;
} picture;

static void
pic_new(picture *p, int npanel, const char *title)
{
	int width = ML + opt.w + MR, height = MT + npanel * opt.h + (npanel - 1) * GAP + MB;

	p->npanel = npanel;
	p->s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
	if (cairo_surface_status(p->s) != CAIRO_STATUS_SUCCESS)
		dc_errx(1, "picture of %d x %d: %s", width, height,
		    cairo_status_to_string(cairo_surface_status(p->s)));
	p->cr = cairo_create(p->s);
	cairo_set_source_rgb(p->cr, 1, 1, 1);
	cairo_paint(p->cr);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	cairo_select_font_face(p->cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(p->cr, 13);
	cairo_move_to(p->cr, ML, MT - 8);
	cairo_show_text(p->cr, title);
	cairo_surface_flush(p->s);
	p->px = cairo_image_surface_get_data(p->s);
	p->stride = cairo_image_surface_get_stride(p->s);
}

/* put: pixel (x, y) of panel k's plot area */
static void
put(picture *p, int k, int x, int y, uint32_t rgb)
{
	uint32_t *row = (uint32_t *)(void *)(p->px + (size_t)(MT + k * (opt.h + GAP) + y) * p->stride);

	row[ML + x] = rgb;
}

/* bin_of: the frame and bin shown at pixel (x, y) */
static void
bin_of(int x, int y, int64_t T, int64_t F, int64_t *t, int64_t *f)
{
	*t = (int64_t)x * T / opt.w;
	*f = F - 1 - (int64_t)y * F / opt.h;
}

/* step_near: a round step (1, 2 or 5 times a power of ten) near span / n */
static double
step_near(double span, int n)
{
	double s = span / n, m = pow(10.0, floor(log10(s)));

	return s / m < 1.5 ? m : s / m < 3.5 ? 2 * m : s / m < 7.5 ? 5 * m : 10 * m;
}

static void
text_at(cairo_t *cr, double x, double y, const char *s, int align)
{
	cairo_text_extents_t e;

	cairo_text_extents(cr, s, &e);
	cairo_move_to(cr, x - (align == 1 ? e.width : align == 0 ? e.width / 2 : 0), y);
	cairo_show_text(cr, s);
}

/* axes: seconds under the last panel, Hz (or "bin" when rate is 0) left of each */
static void
axes(picture *p, int64_t T, int64_t F, double hop_s, double hz_per_bin)
{
	cairo_t *cr = p->cr;
	double dur = T * hop_s, fmax = (F - 1) * hz_per_bin, st, v, y0;
	char buf[32];
	int k, base = MT + p->npanel * opt.h + (p->npanel - 1) * GAP;

	cairo_surface_mark_dirty(p->s);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1);
	cairo_set_font_size(cr, 11);
	st = step_near(dur > 0 ? dur : 1, 8);
	for (v = 0; v <= dur + 1e-9; v += st) {
		double x = ML + v / (dur > 0 ? dur : 1) * opt.w;
		cairo_move_to(cr, x + 0.5, base);
		cairo_line_to(cr, x + 0.5, base + 5);
		cairo_stroke(cr);
		snprintf(buf, sizeof buf, "%g", v);
		text_at(cr, x, base + 17, buf, 0);
	}
	text_at(cr, ML + opt.w / 2.0, base + 33, hop_s > 0 && hz_per_bin > 0 ? "time (s)" : "frame", 0);
	for (k = 0; k < p->npanel; k++) {
		y0 = MT + k * (opt.h + GAP) + opt.h;
		st = step_near(fmax > 0 ? fmax : 1, 4);
		for (v = 0; v <= fmax + 1e-9; v += st) {
			double y = y0 - (v / (fmax > 0 ? fmax : 1)) * opt.h;
			cairo_move_to(cr, ML - 5, y + 0.5);
			cairo_line_to(cr, ML, y + 0.5);
			cairo_stroke(cr);
			snprintf(buf, sizeof buf, "%g", v);
			text_at(cr, ML - 8, y + 4, buf, 1);
		}
		cairo_rectangle(cr, ML - 0.5, y0 - opt.h - 0.5, opt.w + 1, opt.h + 1);
		cairo_stroke(cr);
	}
	cairo_save(cr);
	cairo_translate(cr, 18, MT + (base - MT) / 2.0);
	cairo_rotate(cr, -M_PI / 2);
	text_at(cr, 0, 0, hz_per_bin > 0 ? "frequency (Hz)" : "bin", 0);
	cairo_restore(cr);
}

/* colour_bar: the colour map from lo (bottom) to hi (top), ticks in unit */
static void
colour_bar(picture *p, double lo, double hi, const char *unit)
{
	cairo_t *cr = p->cr;
	int x0 = ML + opt.w + 14, top = MT, bot = MT + p->npanel * opt.h + (p->npanel - 1) * GAP, y, x;
	double st, v;
	char buf[32];

	cairo_surface_flush(p->s);
	for (y = top; y < bot; y++) {
		uint32_t c = cmap((double)(bot - 1 - y) / (bot - 1 - top > 0 ? bot - 1 - top : 1));
		uint32_t *row = (uint32_t *)(void *)(p->px + (size_t)y * p->stride);
		for (x = x0; x < x0 + 14; x++)
			row[x] = c;
	}
	cairo_surface_mark_dirty(p->s);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1);
	cairo_rectangle(cr, x0 - 0.5, top - 0.5, 15, bot - top + 1);
	cairo_stroke(cr);
	cairo_set_font_size(cr, 11);
	st = step_near(hi - lo, 5);
	for (v = ceil(lo / st) * st; v <= hi + 1e-9; v += st) {
		double yy = bot - (v - lo) / (hi - lo) * (bot - top);
		cairo_move_to(cr, x0 + 14, yy);
		cairo_line_to(cr, x0 + 18, yy);
		cairo_stroke(cr);
		snprintf(buf, sizeof buf, "%g", fabs(v) < 1e-9 ? 0.0 : v);
		text_at(cr, x0 + 21, yy + 4, buf, -1);
	}
	text_at(cr, x0, top - 8, unit, -1);
}

/* legend: for a labels picture, the colour of each of the K sources (the first
 * 8: the palette repeats after them) and, if quiet, of the quiet bins, in the
 * margin on the right, as many as the panel's height holds */
static void
legend(picture *p, int K, int quiet)
{
	cairo_t *cr = p->cr;
	int x0 = ML + opt.w + 14, y = MT, n = K < 8 ? K : 8, i;
	char buf[32];

	cairo_surface_mark_dirty(p->s);
	cairo_set_font_size(cr, 11);
	for (i = 0; i < n + quiet + (K > 8) && y + 12 <= MT + opt.h; i++, y += 17) {
		const unsigned char *c = i < n ? palette[i] : dark;

		if (i == n && K > 8) {
			cairo_set_source_rgb(cr, 0, 0, 0);
			text_at(cr, x0, y + 10, "(and again)", -1);
			continue;
		}
		cairo_set_source_rgb(cr, c[0] / 255.0, c[1] / 255.0, c[2] / 255.0);
		cairo_rectangle(cr, x0, y, 12, 12);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		if (i < n)
			snprintf(buf, sizeof buf, "source %d", i + 1);
		else
			snprintf(buf, sizeof buf, "quiet");
		text_at(cr, x0 + 17, y + 10, buf, -1);
	}
}

/* panel_names: "source k" over the right end of each of K panels (as dc-istft
 * numbers the files of a masked record); a long title may reach them */
static void
panel_names(picture *p, int K)
{
	char buf[32];
	int k;

	cairo_surface_mark_dirty(p->s);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	cairo_set_font_size(p->cr, 11);
	for (k = 0; k < K; k++) {
		snprintf(buf, sizeof buf, "source %d", k + 1);
		text_at(p->cr, ML + opt.w, MT + k * (opt.h + GAP) - 3, buf, 1);
	}
}

/* ---------------------------------------------------------------- output */

/* expand: the pattern with %u the id, %r the kind, %% a % (dc_out_expand);
 * exits 1 on an id that cannot name a file */
static char *
expand(const char *id, const char *kind)
{
	const char *why;
	char *out = dc_out_expand(opt.pattern, id, 0, kind, &why), q[1100];

	if (out == NULL)
		dc_errx(1, "id \"%s\": %s", dc_esc(id, 1, q, sizeof q), why);
	return out;
}

static cairo_status_t
write_cb(void *f, const unsigned char *data, unsigned int len)
{
	return fwrite(data, 1, len, f) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* save: the picture as a PNG at path, through a temporary file beside it renamed
 * into place when complete (dc_atomic) */
static void
save(picture *p, const char *path)
{
	dc_atomic a;
	FILE *f;
	const char *why;

	cairo_surface_flush(p->s);
	if ((why = dc_out_inwhy(path)) != NULL)
		dc_errx(1, "%s: %s", path, why);
	if ((f = dc_atomic_open(&a, path)) == NULL) {
		int e = errno;  /* a directory named by %u or %r, not there */

		dc_errx(1, "%s: %s%s", path, strerror(e), e == ENOENT ?
		    DC_NO_DIRS : "");
	}
	errno = 0;
	if (cairo_surface_write_to_png_stream(p->s, write_cb, f) != CAIRO_STATUS_SUCCESS || fflush(f) != 0 ||
	    ferror(f)) {
		int e = errno;
		dc_atomic_abort(&a);
		dc_errx(1, "%s: %s", path, e ? strerror(e) : "cannot write the PNG");
	}
	if (dc_atomic_commit(&a) != DC_OK)
		dc_errx(1, "%s: %s", path, strerror(errno));
	cairo_destroy(p->cr);
	cairo_surface_destroy(p->s);
}

/* ---------------------------------------------------------------- kinds */

#define SILENT_DB 40.0  /* below the loudest bin: silent, as training weighs bins */

/* active: per bin, whether its power in the stft record X is within SILENT_DB of
 * the loudest (dc_stft_active); none when X is digital silence */
static unsigned char *
active(const dc_tensor *X)
{
	int64_t n = X->shape[0] * X->shape[1];
	unsigned char *a = dc_xmalloc((size_t)n ? (size_t)n : 1);

	if (dc_stft_active(X->data, n, SILENT_DB, a) == 0.0)
		memset(a, 0, (size_t)n);
	return a;
}

/* spectra: K complex T x F panels (K = 1 for stft) in dB, the loudest at the top of
 * the colour map and -r dB below it at the bottom */
static void
spectra(picture *p, const float *X, int K, int64_t T, int64_t F)
{
	double mx = 0.0, pw, db;
	int64_t i, n = T * F, t, f;
	int k, x, y;

	for (i = 0; i < K * n; i++) {
		pw = (double)X[2 * i] * X[2 * i] + (double)X[2 * i + 1] * X[2 * i + 1];
		mx = pw > mx ? pw : mx;
	}
	for (k = 0; k < K; k++)
		for (y = 0; y < opt.h; y++)
			for (x = 0; x < opt.w; x++) {
				bin_of(x, y, T, F, &t, &f);
				i = (int64_t)k * n + t * F + f;
				pw = (double)X[2 * i] * X[2 * i] + (double)X[2 * i + 1] * X[2 * i + 1];
				db = pw > 0.0 && mx > 0.0 ? 10.0 * log10(pw / mx) : -HUGE_VAL;
				put(p, k, x, y, cmap(1.0 + db / opt.range));
			}
	colour_bar(p, -opt.range, 0.0, "dB");
}

static int
cmpf(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/* pca3: the mean[d] and first three principal directions dirs[3][d] of the rows of
 * E[n][d] with a[i] set (all if a is NULL): power iteration with deflation on the
 * d x d covariance, in double */
static void
pca3(const float *E, int64_t n, int d, const unsigned char *a, double *mean, double *dirs)
{
	double *C = dc_xmalloc((size_t)d * d * sizeof *C), *v = dc_xmalloc((size_t)d * sizeof *v);
	double *w = dc_xmalloc((size_t)d * sizeof *w), s, nrm;
	int64_t i, cnt = 0;
	int j, l, c, it;

	memset(C, 0, (size_t)d * d * sizeof *C);
	memset(mean, 0, (size_t)d * sizeof *mean);
	for (i = 0; i < n; i++)
		if (!a || a[i]) {
			for (j = 0; j < d; j++)
				mean[j] += E[i * d + j];
			cnt++;
		}
	for (j = 0; j < d; j++)
		mean[j] /= cnt ? (double)cnt : 1.0;
	for (i = 0; i < n; i++)
		if (!a || a[i])
			for (j = 0; j < d; j++)
				for (l = 0; l < d; l++)
					C[j * d + l] += (E[i * d + j] - mean[j]) * (E[i * d + l] - mean[l]);
	for (c = 0; c < 3; c++) {
		for (j = 0; j < d; j++)
			v[j] = 1.0 + 0.1 * j * (c + 1);   /* a start not orthogonal to the answer */
		for (it = 0; it < 300; it++) {
			for (j = 0, nrm = 0.0; j < d; j++) {
				for (l = 0, s = 0.0; l < d; l++)
					s += C[j * d + l] * v[l];
				w[j] = s;
				nrm += s * s;
			}
			nrm = sqrt(nrm);
			for (j = 0; j < d; j++)
				v[j] = nrm > 0.0 ? w[j] / nrm : (j == c);
		}
		for (j = 0, s = 0.0; j < d; j++)        /* deflate: C -= lambda v v' */
			for (l = 0; l < d; l++)
				s += v[j] * C[j * d + l] * v[l];
		for (j = 0; j < d; j++)
			for (l = 0; l < d; l++)
				C[j * d + l] -= s * v[j] * v[l];
		memcpy(dirs + (size_t)c * d, v, (size_t)d * sizeof *v);
	}
	free(C);
	free(v);
	free(w);
}

/* embeddings: the first three principal components as red, green and blue, each
 * scaled from its 1st to its 99th percentile over the active bins; silent bins dark */
static void
embeddings(picture *p, const float *E, int64_t T, int64_t F, int d, const unsigned char *a)
{
	double *mean = dc_xmalloc((size_t)d * sizeof *mean), *dirs = dc_xmalloc(3 * (size_t)d * sizeof *dirs);
	double lo[3], hi[3], s, v;
	int64_t i, n = T * F, m, t, f;
	float *proj = dc_xmalloc((size_t)(n > 0 ? n : 1) * 3 * sizeof *proj), *tmp;
	int c, j, x, y;
	uint32_t rgb;

	pca3(E, n, d, a, mean, dirs);
	for (i = 0; i < n; i++)
		for (c = 0; c < 3; c++) {
			for (j = 0, s = 0.0; j < d; j++)
				s += (E[i * d + j] - mean[j]) * dirs[c * d + j];
			proj[i * 3 + c] = (float)s;
		}
	tmp = dc_xmalloc((size_t)(n ? n : 1) * sizeof *tmp);
	for (c = 0; c < 3; c++) {
		for (i = 0, m = 0; i < n; i++)
			if (!a || a[i])
				tmp[m++] = proj[i * 3 + c];
		lo[c] = hi[c] = 0.0;
		if (m > 0) {
			qsort(tmp, (size_t)m, sizeof *tmp, cmpf);
			lo[c] = tmp[(m - 1) / 100];
			hi[c] = tmp[(m - 1) - (m - 1) / 100];
		}
	}
	for (y = 0; y < opt.h; y++)
		for (x = 0; x < opt.w; x++) {
			bin_of(x, y, T, F, &t, &f);
			i = t * F + f;
			if (a && !a[i]) {
				put(p, 0, x, y, rgb3(dark));
				continue;
			}
			for (c = 0, rgb = 0; c < 3; c++) {
				v = hi[c] > lo[c] ? (proj[i * 3 + c] - lo[c]) / (hi[c] - lo[c]) : 0.5;
				v = v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
				rgb = rgb << 8 | (uint32_t)lround(v * 255.0);
			}
			put(p, 0, x, y, rgb);
		}
	free(mean);
	free(dirs);
	free(proj);
	free(tmp);
}

/* labels: one palette colour per label, silent bins dark */
static void
labels(picture *p, const int32_t *L, int64_t T, int64_t F, const unsigned char *a)
{
	int64_t t, f;
	int x, y;

	for (y = 0; y < opt.h; y++)
		for (x = 0; x < opt.w; x++) {
			bin_of(x, y, T, F, &t, &f);
			put(p, 0, x, y, a && !a[t * F + f] ? rgb3(dark) : rgb3(palette[L[t * F + f] & 7]));
		}
}

/* masks: K panels of values in [0, 1] */
static void
masks(picture *p, const float *M, int K, int64_t T, int64_t F)
{
	int64_t t, f;
	int k, x, y;

	for (k = 0; k < K; k++)
		for (y = 0; y < opt.h; y++)
			for (x = 0; x < opt.w; x++) {
				bin_of(x, y, T, F, &t, &f);
				put(p, k, x, y, cmap(M[((int64_t)k * T + t) * F + f]));
			}
	colour_bar(p, 0.0, 1.0, "mask");
}

/* ---------------------------------------------------------------- main */

/* wanted: whether kind is in the -k list */
static int
wanted(const char *kind)
{
	size_t n = strlen(kind);
	const char *s = opt.kinds;

	while (*s) {
		if (strncmp(s, kind, n) == 0 && (s[n] == ',' || s[n] == '\0'))
			return 1;
		s += strcspn(s, ",");
		s += *s == ',';
	}
	return 0;
}

static void
help(void)
{
	printf("usage: dc-plot %s\n"
	    "Draws each utterance's records as PNG pictures: stft and masked spectra in dB,\n"
	    "labels one colour per cluster, soft masks, embeddings' first three principal\n"
	    "components as RGB.\n"
	    "  -o pattern  file of each picture: %%u utterance id, %%r record kind, %%%% a %%\n"
	    "              (%%u-%%r.png)\n"
	    "  -k kinds    the kinds to draw, comma-separated\n"
	    "              (stft,masked,labels,masks,embed)\n"
	    "  -u id       only the utterance with this id\n"
	    "  -W width    plot area's width in pixels, 16 to 8192 (800)\n"
	    "  -H height   each panel's height in pixels, 16 to 4096 (256)\n"
	    "  -r dB       range of the spectra below their loudest bin, 1 to 300 (80)\n"
	    "  -c map      colour map: viridis or gray (viridis)\n"
	    "  -p          also copy the stream to stdout, unchanged\n"
	    "  -h          this help (--help too; --version: the version)\n"
	    "Reads the stream from file, or stdin if none or '-'. See dc-plot(1).\n", usage);
}

static void
plot_utt(const dc_utt *u, const char *id)
{
	static const char *const kinds[] = { "stft", "masked", "labels", "masks", "embed" };
	const dc_record *sr = dc_utt_find(u, "stft"), *r;
	dc_tensor X = { 0 }, Y;
	dc_stft_params sp;
	unsigned char *a = NULL;
	double hop_s = 0.0, hz = 0.0;
	char title[400], esc[300], s1[96], *path;
	int i, K, nl = 0, here = 0;
	int64_t T, F;
	picture p;

	dc_out_source(u->n > 0 ? &u->recs[0] : NULL);
	/* a pattern without %r draws one kind: said before any picture is drawn */
	if (strstr(opt.pattern, "%r") == NULL) {
		const void *bytes;
		dc_tensor h;
		int n = 0;
		for (i = 0; i < 5; i++)
			n += wanted(kinds[i]) && (r = dc_utt_find(u, kinds[i])) != NULL &&
			    dc_rec_tensor_bytes(r, &h, &bytes) == DC_OK && dc_tensor_count(&h) > 0;
		if (n > 1)
			dc_errx(1, "%s: the pattern lacks %%r, and there are %d kinds to draw: give %%r, or "
			    "one kind with -k", id, n);
	}
	if (sr) {
		dc_get_stft(id, sr, &X, &sp);
		hop_s = (double)sp.hop / (double)sp.rate;
		hz = (double)sp.rate / (double)sp.nfft;
		a = active(&X);
	}
	for (i = 0; i < 5; i++) {
		if (!wanted(kinds[i]) || (r = dc_utt_find(u, kinds[i])) == NULL)
			continue;
		switch (i) {
		case 0:
			Y = X;
			break;
		case 1:
			dc_get_tensor(id, r, DC_C64, 3, "[K, T, F]", &Y);
			break;
		case 2:
			dc_get_labels(id, r, sr ? &X : NULL, DC_KMAX, &Y, &nl);
			break;
		case 3:
			dc_get_masks(id, r, sr ? &X : NULL, DC_KMAX, &Y, &K);
			break;
		default:
			dc_get_embed(id, r, sr ? &X : NULL, &Y);
			break;
		}
		K = Y.ndim == 3 && i != 4 ? (int)Y.shape[0] : 1;
		T = Y.shape[Y.ndim == 3 && i != 4 ? 1 : 0];
		F = Y.shape[Y.ndim == 3 && i != 4 ? 2 : 1];
		if (K < 1 || K > KMAX)
			dc_errx(1, "%s: %s record: shape %s, wanted K from 1 to %d", id, kinds[i],
			    dc_shape_str(&Y, s1, sizeof s1), KMAX);
		if (i == 1)
			dc_check_tf(id, r, &Y, 1, sr ? &X : NULL);
		if (T < 1 || F < 1) {
			if (i != 0)
				dc_tensor_free(&Y);
			continue;       /* nothing to draw */
		}
		snprintf(title, sizeof title, "%s: %s, %lld frames x %lld bins", dc_esc(id, 1, esc, sizeof esc),
		    kinds[i], (long long)T, (long long)F);
		pic_new(&p, K, title);
		if (i == 0 || i == 1)
			spectra(&p, Y.data, K, T, F);
		else if (i == 2) {
			labels(&p, Y.data, T, F, a);
			legend(&p, nl, a != NULL);
		}
		else if (i == 3)
			masks(&p, Y.data, K, T, F);
		else
			embeddings(&p, Y.data, T, F, (int)Y.shape[2], a);
		if (K > 1)
			panel_names(&p, K);
		axes(&p, T, F, sr ? hop_s : 0.0, sr ? hz : 0.0);
		path = expand(id, kinds[i]);
		/* one file a picture: a pattern without %r on an utterance's second
		 * kind, or without %u on a second utterance, or two utterances with one
		 * id, would draw over one */
		if (dc_out_written(path))
			dc_errx(1, "%s: %s was drawn already%s", id, path,
			    here > 0 && strstr(opt.pattern, "%r") == NULL ? ": the pattern lacks %r, "
			    "and there is more than one kind to draw" : strstr(opt.pattern, "%u") == NULL ?
			    ": the pattern lacks %u, and the stream has more than one utterance" :
			    " for an earlier utterance (two utterances with one id?)");
		dc_out_wrote(path);
		save(&p, path);
		opt.drawn++;
		here++;
		free(path);
		if (i != 0)
			dc_tensor_free(&Y);
	}
	free(a);
	if (sr)
		dc_tensor_free(&X);
}

/* plot_one: the pictures of one utterance, if -u wants it */
static void
plot_one(dc_utt *u, const char *id, void *arg)
{
	char esc[1100];
	const char *why;

	(void)arg;
	if (opt.only && strcmp(opt.only, id) != 0)
		return;
	opt.found = 1;
	if ((why = dc_out_idbad(id)) != NULL && strstr(opt.pattern, "%u"))
		dc_errx(1, "id \"%s\": %s", dc_esc(id, 1, esc, sizeof esc), why);
	plot_utt(u, id);
}

int
main(int argc, char **argv)
{
	const char *s, *path;
	char esc[1100];
	int64_t v;
	double d;
	int c, seen_pct;

	dc_setprog(argv[0]);
	while ((c = dc_getopt(argc, argv, "c:k:o:pr:u:W:H:h", usage, help)) != -1) {
		switch (c) {
		case 'c':
			if (strcmp(optarg, "viridis") != 0 && strcmp(optarg, "gray") != 0)
				dc_errx(2, "-c: colour map must be viridis or gray: %s", optarg);
			opt.gray = strcmp(optarg, "gray") == 0;
			break;
		case 'k':
			for (s = optarg; *s; s += strcspn(s, ","), s += *s == ',') {
				size_t n = strcspn(s, ",");
				if (!(n == 4 && strncmp(s, "stft", 4) == 0) && !(n == 6 && strncmp(s, "masked", 6) == 0) &&
				    !(n == 6 && strncmp(s, "labels", 6) == 0) && !(n == 5 && strncmp(s, "masks", 5) == 0) &&
				    !(n == 5 && strncmp(s, "embed", 5) == 0))
					dc_errx(2, "-k: kinds must be of stft, masked, labels, masks, embed: %s", optarg);
			}
			if (*optarg == '\0' || optarg[strlen(optarg) - 1] == ',')
				dc_errx(2, "-k: kinds must be of stft, masked, labels, masks, embed: %s", optarg);
			opt.kinds = optarg;
			break;
		case 'o':
			for (s = optarg, seen_pct = 0; *s; s++)
				if (*s == '%') {
					if (s[1] != 'u' && s[1] != 'r' && s[1] != '%')
						dc_errx(2, "-o: pattern '%s': %% must be followed by u, r or %%", optarg);
					seen_pct |= s[1] == 'u';
					s++;
				}
			if (*optarg == '\0')
				dc_errx(2, "-o: empty pattern");
			if (strcmp(optarg, "-") == 0)
				dc_errx(2, "-o -: pictures are written to files, not to standard output");
			opt.pattern = optarg;
			(void)seen_pct;
			break;
		case 'p':
			opt.pass = 1;
			break;
		case 'r':
			if (dc_parse_num(optarg, 1.0, 300.0, &d))
				dc_errx(2, "-r: range must be a number of dB from 1 to 300: %s", optarg);
			opt.range = d;
			break;
		case 'u':
			opt.only = optarg;
			break;
		case 'W':
			if (dc_parse_int(optarg, 16, 8192, &v))
				dc_errx(2, "-W: width must be an integer from 16 to 8192: %s", optarg);
			opt.w = (int)v;
			break;
		case 'H':
			if (dc_parse_int(optarg, 16, 4096, &v))
				dc_errx(2, "-H: height must be an integer from 16 to 4096: %s", optarg);
			opt.h = (int)v;
			break;
		}
	}
	dc_out_input(dc_arg_path(argc, argv, usage) ? argv[optind] : "-");
	path = dc_arg_path(argc, argv, usage);
	dc_pattern_dir(opt.pattern);
	dc_each_utt(path, opt.pass ? "dc-plot" : NULL, plot_one, NULL);
	if (opt.only && !opt.found)
		dc_errx(1, "%s: no utterance '%s'", path && strcmp(path, "-") != 0 ? path : "stdin",
		    dc_esc(opt.only, 0, esc, sizeof esc));
	/* -k labels on a stream without labels: said, not a silent success (with -p,
	 * where the stream goes on, a note) */
	if (opt.drawn == 0) {
		dc_warnx("%s: nothing drawn: no record of the kinds %s with frames and bins",
		    path && strcmp(path, "-") != 0 ? path : "stdin", opt.kinds);
		if (!opt.pass)
			exit(1);
	}
	dc_out_written_free();
	return 0;
}
