/*
 * mix.c: the corpus, the draws and the mixing of mix.h, for dc-mix and dc-train.
 *
 * Random numbers come from xoshiro256** (rng.h), so a seed gives the same draws
 * on every libc; the order of the draws is part of what a seed means (mix.h).
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "util.h"
#include "audio.h"
#include "text.h"
#include "p56.h"
#include "rng.h"
#include "mix.h"

void
dc_mix_defaults(dc_mix_opts *o)
{
	memset(o, 0, sizeof *o);
	o->rate = 8000;
	o->level = -25;
	o->lo = 0;
	o->hi = 5;
	o->plo = o->phi = 1;
}

/* say: the message into msg (DC_MIX_MSG bytes); returns err. */
static int say(char *msg, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
say(char *msg, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, DC_MIX_MSG, fmt, ap);
	va_end(ap);
	return err;
}

/* ---------------------------------------------------------------- draws */

void
dc_mix_gains(dc_xoshiro *r, const dc_mix_opts *o, int k, double *g)
{
	int i;

	if (k == 1) {
		g[0] = 0.0;     /* one source: nothing to be relative to */
	} else if (k == 2) {
		double snr = o->fixed ? o->snr : o->lo + (o->hi - o->lo) * dc_xoshiro_uniform(r);
		g[0] = round(snr / 2 * 1e4) / 1e4;
		g[1] = -g[0];
	} else {
		for (i = 0; i < k; i++) {
			double v = o->fixed ? o->snr / 2 - o->snr * i / (k - 1)
			    : (o->lo - o->hi) / 2 + (o->hi - o->lo) * dc_xoshiro_uniform(r);
			g[i] = round(v * 1e4) / 1e4;
		}
	}
	for (i = 0; i < k; i++)
		g[i] += 0.0;    /* -0 prints as 0 */
}

void
dc_mix_speeds(dc_xoshiro *r, const dc_mix_opts *o, int k, double *f)
{
	int i;

	for (i = 0; i < k; i++)
		f[i] = o->perturb ? round((o->plo + (o->phi - o->plo) * dc_xoshiro_uniform(r)) * 1e4) / 1e4
		    : 1;
}

void
dc_mix_pick(dc_xoshiro *r, const dc_corpus *c, const dc_mix_opts *o, int k, int *perm,
    dc_mix_draw *d)
{
	int j;

	d->k = k;
	for (j = 0; j < k; j++) {
		int t = j + (int)dc_xoshiro_below(r, (uint64_t)(c->n - j)), x = perm[j];
		perm[j] = perm[t];
		perm[t] = x;
		d->who[j] = perm[j];
	}
	for (j = 0; j < k; j++)
		d->utt[j] = (int)dc_xoshiro_below(r, (uint64_t)c->sp[d->who[j]].n);
	dc_mix_gains(r, o, k, d->gain);
	dc_mix_speeds(r, o, k, d->speed);
}

/* ---------------------------------------------------------------- mixing */

/* remove_mean: x[n] less its mean. A recording's DC offset is no speech, but P.56
 * counts it as such: left in, a source with a large one (the corpus has one of
 * -0.25, its speech at -43 dB) would be mixed far quieter than its draw. */
static void
remove_mean(float *x, int64_t n)
{
	double s = 0;
	float m;
	int64_t i;

	for (i = 0; i < n; i++)
		s += x[i];
	m = (float)(s / (double)n);
	for (i = 0; i < n; i++)
		x[i] -= m;
}

int
dc_mix_read(const char *path, const dc_mix_opts *o, double speed, dc_mix_input *in,
    dc_audio_info *info, char *msg)
{
	const char *name = dc_path_name(path);
	dc_p56 r;
	int64_t i;
	int err;

	in->x = NULL;
	if ((err = dc_audio_read(path, o->rate, &in->x, &in->n, info)) != DC_OK)
		return say(msg, err, "%s: %s", name, dc_errmsg(err));
	/* read as if recorded at rate*speed and brought back to rate */
	if (speed != 1 && (err = dc_resample(&in->x, &in->n, o->rate * speed, o->rate)) != DC_OK) {
		err = say(msg, err, "%s: %s", name, dc_errmsg(err));
	} else if (in->n == 0) {
		err = say(msg, DC_EEMPTY, "%s: no samples", name);
	} else if (dc_floats_finite(in->x, in->n) != DC_OK) {
		err = say(msg, DC_ENONFINITE, "%s: %s", name, dc_strerror(DC_ENONFINITE));
	} else if ((i = dc_audio_beyond(in->x, in->n)) >= 0) {
		err = say(msg, DC_EPARAM, "%s: sample %lld is %g, beyond +-%g (float audio is "
		    "nominally within +-1)", name, (long long)(i + 1), in->x[i], DC_AUDIO_MAX);
	} else {
		remove_mean(in->x, in->n);
		dc_p56_level(in->x, in->n, o->rate, &r);
		in->level = r.level;
		if (!isfinite(r.level))
			err = say(msg, DC_EPARAM, "%s: no active speech (the signal is silent)", name);
		/* 16-bit dither alone measures about -95 dB: not speech */
		else if (r.level < DC_MIX_MINLEVEL)
			err = say(msg, DC_EPARAM, "%s: no active speech (active level %.1f dB, below %g dB)",
			    name, r.level, (double)DC_MIX_MINLEVEL);
	}
	if (err != DC_OK) {
		free(in->x);
		in->x = NULL;
	}
	return err;
}

/* scale_sum: s[j][i] = x_j[i] fac[j] rounded to float, mix[i] their float sum, for
 * i < len; returns the largest magnitude of any of them. */
static double
scale_sum(const dc_mix_input *in, int k, const double *fac, float *const *s, float *mix, int64_t len)
{
	double peak = 0;
	int64_t i;
	int j;

	for (i = 0; i < len; i++) {
		float m = 0;
		for (j = 0; j < k; j++) {
			s[j][i] = (float)(in[j].x[i] * fac[j]);
			m += s[j][i];
			if (fabsf(s[j][i]) > peak)
				peak = fabsf(s[j][i]);
		}
		mix[i] = m;
		if (fabsf(m) > peak)
			peak = fabsf(m);
	}
	return peak;
}

void
dc_mix_make(const dc_mix_input *in, int k, const double *gain, double level, dc_mixture *m)
{
	int64_t len = in[0].n;
	double peak;
	int j;

	for (j = 1; j < k; j++)
		if (in[j].n < len)
			len = in[j].n;
	m->k = k;
	m->n = len;
	for (j = 0; j < k; j++) {
		m->fac[j] = pow(10.0, (level - in[j].level + gain[j]) / 20);
		m->s[j] = dc_xmalloc((size_t)len * sizeof *m->s[j] + 1);
	}
	m->mix = dc_xmalloc((size_t)len * sizeof *m->mix + 1);
	peak = scale_sum(in, k, m->fac, m->s, m->mix, len);
	if (peak > DC_MIX_PEAK) {
		for (j = 0; j < k; j++)
			m->fac[j] *= DC_MIX_PEAK / peak;
		scale_sum(in, k, m->fac, m->s, m->mix, len);
	}
}

void
dc_mixture_free(dc_mixture *m)
{
	int j;

	for (j = 0; j < m->k; j++)
		free(m->s[j]);
	free(m->mix);
	memset(m, 0, sizeof *m);
}

int
dc_mix_corpus(const dc_corpus *c, const dc_mix_draw *d, const dc_mix_opts *o, dc_mixture *m,
    char *msg)
{
	dc_mix_input in[DC_MIX_MAXK];
	dc_audio_info info;
	int j, err = DC_OK;

	for (j = 0; j < d->k && err == DC_OK; j++) {
		char *full = dc_path_join(c->root, c->sp[d->who[j]].files[d->utt[j]]);
		err = dc_mix_read(full, o, d->speed[j], &in[j], &info, msg);
		free(full);
	}
	if (err == DC_OK)
		dc_mix_make(in, d->k, d->gain, o->level, m);
	else
		j--;    /* in[j-1] failed and holds nothing */
	while (j-- > 0)
		free(in[j].x);
	return err;
}

/* ---------------------------------------------------------------- the corpus */

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
is_audio_name(const char *name)
{
	static const char *const ext[] = { "flac", "wav", "ogg", "aiff", "aif", "au", "caf", "w64" };
	const char *dot = strrchr(name, '.');
	size_t i;

	if (name[0] == '.' || dot == NULL)
		return 0;
	for (i = 0; i < sizeof ext / sizeof ext[0]; i++)
		if (strcasecmp(dot + 1, ext[i]) == 0)
			return 1;
	return 0;
}

/* long_enough: whether the file at path lasts at least minsec, from its header:
 * 1 or 0, or an error with msg set. */
static int
long_enough(const char *path, double minsec, char *msg)
{
	int64_t frames;
	int rate, err;

	if ((err = dc_audio_length(path, &frames, &rate)) != DC_OK)
		return -say(msg, err, "%s: %s", path, dc_errmsg(err));
	if (rate <= 0)
		return -say(msg, DC_EAUDIO, "%s: no sample rate", path);
	return frames >= (int64_t)ceil(minsec * rate - 1e-9);
}

static void
speaker_free(dc_mix_speaker *sp)
{
	int j;

	for (j = 0; j < sp->n; j++)
		free(sp->files[j]);
	free(sp->files);
	free(sp->name);
	memset(sp, 0, sizeof *sp);
}

/* list_dir: the names in dir/name that are audio files, "name/file", unsorted. */
static int
list_dir(const char *root, const char *name, const char *where, dc_mix_speaker *sp, char *msg)
{
	char *dir = dc_path_join(root, name);
	DIR *d = opendir(dir);
	struct dirent *e;
	int cap = 0;

	if (d == NULL) {
		int err = say(msg, DC_EIO, "%s%s: %s", where, dir, strerror(errno));
		free(dir);
		return err;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		char *p;
		if (!is_audio_name(e->d_name))
			continue;
		p = dc_path_join(dir, e->d_name);
		if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(p);
			continue;
		}
		free(p);
		if (sp->n == cap)
			sp->files = dc_xrealloc(sp->files, (size_t)(cap = cap ? 2 * cap : 16) * sizeof *sp->files);
		sp->files[sp->n++] = dc_path_join(name, e->d_name);
	}
	closedir(d);
	free(dir);
	return DC_OK;
}

/* scan_speaker: the audio files of root/name lasting at least minsec, sorted by
 * name; where names the list line for messages. */
static int
scan_speaker(const char *root, const char *name, const char *where, double minsec,
    dc_mix_speaker *sp, char *msg)
{
	int i, keep, err, ok = 1, bad = 0;

	memset(sp, 0, sizeof *sp);
	sp->name = dc_xstrdup(name);
	if ((err = list_dir(root, name, where, sp, msg)) != DC_OK) {
		speaker_free(sp);
		return err;
	}
	if (sp->n > 1)  /* qsort(NULL, 0) is undefined */
		qsort(sp->files, (size_t)sp->n, sizeof *sp->files, cmpstr);
	for (i = keep = 0; i < sp->n; i++) {
		char *p = dc_path_join(root, sp->files[i]);
		if (!bad && (ok = long_enough(p, minsec, msg)) < 0)
			bad = -ok;
		if (!bad && ok)
			sp->files[keep++] = sp->files[i];
		else
			free(sp->files[i]);
		free(p);
	}
	sp->n = keep;
	if (bad) {
		speaker_free(sp);
		return bad;
	}
	return DC_OK;
}

/* names: a list of names and where each comes from ("file:line: " or ""). */
typedef struct {
	char **name, **where;
	int n, cap;
} names;

static void
names_add(names *l, const char *name, const char *where)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->name = dc_xrealloc(l->name, (size_t)l->cap * sizeof *l->name);
		l->where = dc_xrealloc(l->where, (size_t)l->cap * sizeof *l->where);
	}
	l->name[l->n] = dc_xstrdup(name);
	l->where[l->n++] = dc_xstrdup(where);
}

static void
names_free(names *l)
{
	int i;

	for (i = 0; i < l->n; i++) {
		free(l->name[i]);
		free(l->where[i]);
	}
	free(l->name);
	free(l->where);
	memset(l, 0, sizeof *l);
}

/* spk_line: one line of a speakers file, s to t (trimmed in place), into l,
 * unless blank or a comment. */
static int
spk_line(char *s, char *t, const char *file, long lineno, names *l, char *msg)
{
	char *buf;
	int i;

	/* a NUL byte would cut the name short: the file is not text */
	if (memchr(s, '\0', (size_t)(t - s)) != NULL)
		return say(msg, DC_EPARAM, "%s: not a text file", file);
	while (*s == ' ' || *s == '\t')
		s++;
	while (t > s && (t[-1] == '\n' || t[-1] == '\r' || t[-1] == ' ' || t[-1] == '\t'))
		*--t = '\0';
	if (*s == '\0' || *s == '#')
		return DC_OK;
	if (strchr(s, '/') || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return say(msg, DC_EPARAM, "%s:%ld: not a speaker name: %s", file, lineno, s);
	for (i = 0; i < l->n; i++)
		if (strcmp(l->name[i], s) == 0)
			return say(msg, DC_EPARAM, "%s:%ld: %s listed twice", file, lineno, s);
	/* the file's whole name, however long, in the messages about this line */
	buf = dc_xasprintf("%s:%ld: ", file, lineno);
	names_add(l, s, buf);
	free(buf);
	return DC_OK;
}

/* spk_file: the names in a speakers file, in file order. */
static int
spk_file(const char *file, names *l, char *msg)
{
	FILE *f = fopen(file, "r");
	char *line = NULL;
	size_t lcap = 0;
	ssize_t got;
	long lineno = 0;
	int err = DC_OK;

	if (f == NULL)
		return say(msg, DC_EIO, "%s: %s", file, strerror(errno));
	while (err == DC_OK && (got = dc_getline(&line, &lcap, f)) >= 0)
		err = spk_line(line, line + got, file, ++lineno, l, msg);
	if (err == DC_OK && got == -2)
		err = say(msg, DC_EPARAM, "%s:%ld: %s", file, lineno + 1, dc_strerror(DC_ELINE));
	if (err == DC_OK && ferror(f))
		err = say(msg, DC_EIO, "%s: %s", file, strerror(errno));
	fclose(f);
	free(line);
	return err;
}

/* spk_dirs: every subdirectory of root not starting with '.', sorted by name. */
static int
spk_dirs(const char *root, names *l, char *msg)
{
	DIR *d = opendir(root);
	struct dirent *e;

	if (d == NULL)
		return say(msg, DC_EIO, "%s: %s", root, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		char *p;
		if (e->d_name[0] == '.')
			continue;
		p = dc_path_join(root, e->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			names_add(l, e->d_name, "");
		free(p);
	}
	closedir(d);
	/* where is "" throughout, so sorting the names alone keeps the pairs */
	qsort(l->name, (size_t)l->n, sizeof *l->name, cmpstr);
	return DC_OK;
}

/* corpus_root: dir/train if there is one, else dir, without trailing '/'. */
static int
corpus_root(const char *dir, dc_corpus *c, char *msg)
{
	struct stat st;
	char *t;
	int i;

	c->root = dc_xstrdup(dir);
	for (i = (int)strlen(c->root); i > 1 && c->root[i - 1] == '/'; i--)
		c->root[i - 1] = '\0';
	if (stat(c->root, &st) != 0)
		return say(msg, DC_EIO, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return say(msg, DC_EIO, "%s: %s", dir, strerror(ENOTDIR));
	t = dc_path_join(c->root, "train");
	if (stat(t, &st) == 0 && S_ISDIR(st.st_mode)) {
		free(c->root);
		c->root = t;
		c->prefix = "train/";
	} else {
		free(t);
		c->prefix = "";
	}
	return DC_OK;
}

/* note_skipped: a speaker without a long enough utterance, in c's count and list. */
static void
note_skipped(dc_corpus *c, const char *name)
{
	size_t used = strlen(c->skipped);

	if (c->nskipped < 4)
		snprintf(c->skipped + used, sizeof c->skipped - used, " %s", name);
	else if (c->nskipped == 4)
		snprintf(c->skipped + used, sizeof c->skipped - used, " ...");
	c->nskipped++;
}

int
dc_corpus_open(dc_corpus *c, const char *dir, const char *spkfile, double minsec, char *msg)
{
	names l = { 0 };
	int i, err;

	memset(c, 0, sizeof *c);
	if ((err = corpus_root(dir, c, msg)) == DC_OK)
		err = spkfile ? spk_file(spkfile, &l, msg) : spk_dirs(c->root, &l, msg);
	if (err == DC_OK)
		c->sp = dc_xcalloc((size_t)(l.n ? l.n : 1), sizeof *c->sp);
	for (i = 0; err == DC_OK && i < l.n; i++) {
		err = scan_speaker(c->root, l.name[i], l.where[i], minsec, &c->sp[c->n], msg);
		if (err == DC_OK && c->sp[c->n].n > 0)
			c->n++;
		else if (err == DC_OK) {
			note_skipped(c, l.name[i]);
			speaker_free(&c->sp[c->n]);
		}
	}
	names_free(&l);
	if (err != DC_OK)
		dc_corpus_free(c);
	return err;
}

void
dc_corpus_free(dc_corpus *c)
{
	int i;

	for (i = 0; i < c->n; i++)
		speaker_free(&c->sp[i]);
	free(c->sp);
	free(c->root);
	memset(c, 0, sizeof *c);
}

uint64_t
dc_corpus_hash(const dc_corpus *c)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	int i, j;

#define MIXS(s) do { const char *p_ = (s); do h = (h ^ (uint8_t)*p_) * UINT64_C(0x100000001b3); \
	while (*p_++); } while (0)
	for (i = 0; i < c->n; i++) {
		MIXS(c->sp[i].name);
		for (j = 0; j < c->sp[i].n; j++)
			MIXS(c->sp[i].files[j]);
	}
#undef MIXS
	return h ? h : 1;
}
