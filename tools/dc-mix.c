/*
 * dc-mix: wsj0-2mix-style mixtures of K speakers, one at a time or a whole
 * reproducible data set.
 *
 * Each input is normalised to the same active speech level (ITU-T P.56 method B,
 * libcommon/p56.h, measured on the whole input), given a relative gain in dB,
 * cut to the shortest input and summed; if any sample of the mixture or of a
 * source would exceed 0.9 in magnitude, everything is scaled down to a peak of
 * 0.9. The scaled sources are written beside the mixture, in float, so that the
 * mixture is exactly their sum.
 *
 * Relative gains: for K = 2 an SNR drawn uniformly from [lo, hi] dB (0 to 5 by
 * default) puts source 1 at +snr/2 and source 2 at -snr/2 (the wsj0-2mix
 * convention); for K >= 3 each source draws its own gain uniformly from
 * [-(hi-lo)/2, +(hi-lo)/2]. Gains are rounded to 1e-4 dB before use, so the
 * printed gains are the ones applied.
 *
 * Random numbers come from xoshiro256** (Blackman and Vigna, 2018) seeded through
 * splitmix64 (libcommon/rng.h), so a seed gives the same data on every libc.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sndfile.h>

#include "dc.h"
#include "p56.h"
#include "rng.h"

#define MAXK 8          /* most sources in one mixture */
#define PEAK 0.9        /* the largest magnitude a written sample may have */
#define MINLEVEL -70    /* dB: an input with a lower active level is taken as silent */

static const char usage[] =
    "[-s seed] [-g dB | -G lo,hi] [-l level] [-p lo,hi] [-r rate] -o mix.wav [-O template]\n"
    "              file1 file2 [file ...]\n"
    "       dc-mix -n count [-k speakers] [-s seed] [-g dB | -G lo,hi] [-l level] [-p lo,hi]\n"
    "              [-r rate] [-m minsec] [-S speakers.txt] -o outdir corpusdir";

static void
help(void)
{
	printf("usage: dc-mix %s\n"
	    "Mixtures of speakers at random relative levels, as wsj0-2mix; see dc-mix(1).\n"
	    "  -s seed      seed of the random numbers, 0 to 2^63-1 (0)\n"
	    "  -g dB        fixed SNR of source 1 over source 2 (K >= 3: gains spread\n"
	    "               evenly from +dB/2 down to -dB/2)\n"
	    "  -G lo,hi     range of the random SNR in dB (0,5)\n"
	    "  -l level     active speech level every source is normalised to, dBov (-25)\n"
	    "  -p lo,hi     perturb each source's speed and pitch by a random factor in\n"
	    "               [lo, hi], 0.5 to 2 (none); list.tsv gains a speeds column\n"
	    "  -r rate      sample rate in Hz; inputs are resampled to it (8000)\n"
	    "  -o path      the mixture file; with -n, the output directory\n"
	    "  -O template  where the sources go, %%k is the source number (src%%k.wav);\n"
	    "               without -O only the mixture is written\n"
	    "  -n count     make a data set of count mixtures from corpusdir\n"
	    "  -k speakers  speakers per mixture with -n, 1 to %d (2)\n"
	    "  -m minsec    with -n, skip utterances shorter than minsec seconds (1.0)\n"
	    "  -S file      with -n, the speakers to draw from, one per line (all)\n"
	    "  -h           this help\n", usage, MAXK);
}

/* ---------------------------------------------------------------- options */

static struct {
	uint64_t seed;
	int fixed;              /* -g given */
	double snr, lo, hi;     /* -g value; -G range */
	double level;           /* -l */
	int rate;               /* -r */
	const char *out;        /* -o */
	const char *tmpl;       /* -O */
	int64_t count;          /* -n; 0 in single mode */
	int k;                  /* -k */
	double minsec;          /* -m */
	const char *spkfile;    /* -S */
	int perturb;            /* -p given */
	double plo, phi;        /* -p range */
} opt = { 0, 0, 0, 0, 5, -25, 8000, NULL, NULL, 0, 2, 1.0, NULL, 0, 1, 1 };

/* draw_gains: the relative gains of k sources in dB, rounded to 1e-4 dB; 0 for a
 * single source (a one-speaker "mixture", for counting speakers). */
static void
draw_gains(dc_xoshiro *r, int k, double *g)
{
	int i;

	if (k == 1) {
		g[0] = 0.0;     /* one source: nothing to be relative to */
	} else if (k == 2) {
		double snr = opt.fixed ? opt.snr : opt.lo + (opt.hi - opt.lo) * dc_xoshiro_uniform(r);
		g[0] = round(snr / 2 * 1e4) / 1e4;
		g[1] = -g[0];
	} else {
		for (i = 0; i < k; i++) {
			double v = opt.fixed ? opt.snr / 2 - opt.snr * i / (k - 1)
			    : (opt.lo - opt.hi) / 2 + (opt.hi - opt.lo) * dc_xoshiro_uniform(r);
			g[i] = round(v * 1e4) / 1e4;
		}
	}
	for (i = 0; i < k; i++)
		g[i] += 0.0;    /* -0 prints as 0 */
}

/* draw_speeds: with -p, the speed factors of k sources, rounded to 1e-4 so that
 * the printed factors are the ones applied; 1 without -p (and nothing drawn). */
static void
draw_speeds(dc_xoshiro *r, int k, double *f)
{
	int i;

	for (i = 0; i < k; i++)
		f[i] = opt.perturb ? round((opt.plo + (opt.phi - opt.plo) * dc_xoshiro_uniform(r)) * 1e4) / 1e4 : 1;
}

/* ---------------------------------------------------------------- mixing */

typedef struct {
	float *x;
	int64_t n;
	double level;   /* P.56 active level of all n samples, dB */
} input;

/* read_input: the file at the mixing rate, sped up by the factor speed (1: as it
 * is), checked, with its active level; exits 1 with "dc-mix: path: why" on any
 * problem. shown is the name used in messages. */
static void
read_input(const char *path, const char *shown, double speed, input *in, int verbose)
{
	dc_audio_info info;
	dc_p56 r;
	int err;

	if ((err = dc_audio_read(path, opt.rate, &in->x, &in->n, &info)) != DC_OK)
		dc_errx(1, "%s: %s", shown, dc_errmsg(err));
	if (verbose && info.downmixed)
		dc_warnx("%s: %d channels mixed down to mono", shown, info.channels_in);
	if (verbose && info.resampled)
		dc_warnx("%s: resampled from %d Hz to %d Hz", shown, info.rate_in, opt.rate);
	/* read as if recorded at rate*speed and brought back to rate */
	if (speed != 1 && (err = dc_resample(&in->x, &in->n, opt.rate * speed, opt.rate)) != DC_OK) {
		free(in->x);
		dc_errx(1, "%s: %s", shown, dc_errmsg(err));
	}
	if (in->n == 0)
		dc_errx(1, "%s: no samples", shown);
	if (dc_floats_finite(in->x, in->n) != DC_OK)
		dc_errx(1, "%s: %s", shown, dc_strerror(DC_ENONFINITE));
	dc_p56_level(in->x, in->n, opt.rate, &r);
	if (!isfinite(r.level))
		dc_errx(1, "%s: no active speech (the signal is silent)", shown);
	/* 16-bit dither alone measures about -95 dB: not speech */
	if (r.level < MINLEVEL)
		dc_errx(1, "%s: no active speech (active level %.1f dB, below %g dB)", shown, r.level,
		    (double)MINLEVEL);
	in->level = r.level;
}

/* scale_sum: s[j][i] = x_j[i] fac[j] rounded to float, mix[i] their float sum, for
 * i < len; returns the largest magnitude of any of them. */
static double
scale_sum(const input *in, int k, const double *fac, float **s, float *mix, int64_t len)
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

/* make_mix: normalises each input to opt.level, adds gain[j] dB, cuts to the
 * shortest input (returned), sums, and scales everything down if a peak exceeds
 * PEAK. s[j] and *mix are allocated here; fac[j] is the factor input j got. */
static int64_t
make_mix(const input *in, int k, const double *gain, float **s, float **mix, double *fac)
{
	int64_t len = in[0].n;
	double peak;
	int j;

	for (j = 1; j < k; j++)
		if (in[j].n < len)
			len = in[j].n;
	for (j = 0; j < k; j++) {
		fac[j] = pow(10.0, (opt.level - in[j].level + gain[j]) / 20);
		s[j] = dc_xmalloc((size_t)len * sizeof **s);
	}
	*mix = dc_xmalloc((size_t)len * sizeof **mix);
	peak = scale_sum(in, k, fac, s, *mix, len);
	if (peak > PEAK) {
		for (j = 0; j < k; j++)
			fac[j] *= PEAK / peak;
		scale_sum(in, k, fac, s, *mix, len);
	}
	return len;
}

/* ---------------------------------------------------------------- output */

/* Files written by this run for the current mixture: removed if a later one fails,
 * so an error leaves no half set behind. */
static char *written[MAXK + 1];
static int nwritten;

static void
unwind(void)
{
	while (nwritten > 0) {
		unlink(written[--nwritten]);
		free(written[nwritten]);
	}
}

static void
put_audio(const char *path, const float *x, int64_t n)
{
	int err = dc_audio_write(path, x, n, 1, opt.rate, DC_FLOAT);

	if (err != DC_OK) {
		unwind();
		dc_errx(1, "%s: %s", path, dc_errmsg(err));
	}
	written[nwritten++] = dc_xstrdup(path);
}

static void
forget_written(void)
{
	while (nwritten > 0)
		free(written[--nwritten]);
}

/* expand: the template with %k replaced by k and %% by %; NULL if the template
 * has another % sequence or no %k. */
static char *
expand(const char *tmpl, int k)
{
	size_t n = strlen(tmpl) + 32, o = 0;
	char *s = dc_xmalloc(n);
	int seen = 0;

	for (; *tmpl; tmpl++) {
		if (o + 16 >= n)
			s = dc_xrealloc(s, n *= 2);
		if (*tmpl != '%') {
			s[o++] = *tmpl;
		} else if (tmpl[1] == '%') {
			s[o++] = '%';
			tmpl++;
		} else if (tmpl[1] == 'k') {
			o += (size_t)sprintf(s + o, "%d", k);
			tmpl++;
			seen = 1;
		} else {
			free(s);
			return NULL;
		}
	}
	s[o] = '\0';
	if (!seen) {
		free(s);
		return NULL;
	}
	return s;
}

/* print_row: one line of list.tsv, or of single mode's stdout: id, mixture,
 * sources, originals, gains, samples, and with -p the speed factors. */
static void
print_row(FILE *f, const char *id, const char *mix, char *const *src, char *const *orig,
    const double *gain, const double *speed, int k, int64_t len)
{
	dc_mixrow r = { id, mix, src, orig, gain, opt.perturb ? speed : NULL, k, len };

	dc_list_mixrow(f, &r);
}

/* ---------------------------------------------------------------- single mode */

static int
single(int nin, char **files)
{
	input in[MAXK];
	double gain[MAXK], fac[MAXK], speed[MAXK];
	float *s[MAXK], *mix;
	char *src[MAXK], id[256];
	int64_t len;
	dc_xoshiro r;
	int j;

	for (j = 0; opt.tmpl && j < nin; j++)
		src[j] = expand(opt.tmpl, j + 1);
	dc_xoshiro_seed(&r, opt.seed);
	draw_gains(&r, nin, gain);
	draw_speeds(&r, nin, speed);
	for (j = 0; j < nin; j++)
		read_input(files[j], files[j], speed[j], &in[j], 1);
	len = make_mix(in, nin, gain, s, &mix, fac);

	put_audio(opt.out, mix, len);
	for (j = 0; opt.tmpl && j < nin; j++)
		put_audio(src[j], s[j], len);

	/* the id: the mixture's file name without directory and extension */
	dc_path_stem(opt.out, NULL, id, sizeof id);
	if (!opt.tmpl)
		for (j = 0; j < nin; j++)
			src[j] = "-";
	print_row(stdout, id, opt.out, src, files, gain, speed, nin, len);
	/* a summary that cannot be written fails the run: no files stay behind */
	if (dc_fclose_checked(stdout) != DC_OK) {
		int e = errno;
		unwind();
		dc_errx(1, "stdout: %s", strerror(e));
	}
	forget_written();
	for (j = 0; j < nin; j++) {
		free(in[j].x);
		free(s[j]);
		if (opt.tmpl)
			free(src[j]);
	}
	free(mix);
	return 0;
}

/* ---------------------------------------------------------------- list mode */

typedef struct {
	char *name;
	char **files;   /* relative to the speakers' root: "spk/file.flac" */
	int n;
} speaker;

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

static char *
join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *s = dc_xmalloc(n);

	snprintf(s, n, "%s/%s", a, b);
	return s;
}

/* long_enough: whether the file lasts at least opt.minsec, from its header. */
static int
long_enough(const char *path)
{
	SF_INFO si;
	SNDFILE *sf;
	char why[256];
	size_t n;

	memset(&si, 0, sizeof si);
	if ((sf = sf_open(path, SFM_READ, &si)) == NULL) {
		/* libsndfile's message, worded like strerror(3) as dc_audio_errstr() does */
		const char *e = sf_strerror(NULL);
		if (strncmp(e, "System error : ", 15) == 0)
			e += 15;
		snprintf(why, sizeof why, "%s", e);
		for (n = strlen(why); n > 0 && (why[n - 1] == '.' || why[n - 1] == '\n'); n--)
			why[n - 1] = '\0';
		dc_errx(1, "%s: %s", path, why);
	}
	sf_close(sf);
	if (si.samplerate <= 0)
		dc_errx(1, "%s: no sample rate", path);
	return si.frames >= (sf_count_t)ceil(opt.minsec * si.samplerate - 1e-9);
}

/* scan_speaker: the audio files of root/name lasting at least opt.minsec, sorted
 * by name; where names the list line for messages. */
static void
scan_speaker(const char *root, const char *name, const char *where, speaker *sp)
{
	char *dir = join(root, name);
	DIR *d = opendir(dir);
	struct dirent *e;
	int cap = 0, i, keep;

	if (d == NULL)
		dc_errx(1, "%s%s: %s", where, dir, strerror(errno));
	sp->name = dc_xstrdup(name);
	sp->files = NULL;
	sp->n = 0;
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		char *p;
		if (!is_audio_name(e->d_name))
			continue;
		p = join(dir, e->d_name);
		if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(p);
			continue;
		}
		free(p);
		if (sp->n == cap)
			sp->files = dc_xrealloc(sp->files, (size_t)(cap = cap ? 2 * cap : 16) * sizeof *sp->files);
		sp->files[sp->n++] = join(name, e->d_name);
	}
	closedir(d);
	qsort(sp->files, (size_t)sp->n, sizeof *sp->files, cmpstr);
	for (i = keep = 0; i < sp->n; i++) {
		char *p = join(root, sp->files[i]);
		if (long_enough(p))
			sp->files[keep++] = sp->files[i];
		else
			free(sp->files[i]);
		free(p);
	}
	sp->n = keep;
	free(dir);
}

/* speaker_names: the names in opt.spkfile (one a line; blank lines and lines
 * starting with # skipped; surrounding blanks trimmed), or every subdirectory of
 * root; sorted by name when from the directory, in file order otherwise. */
static char **
speaker_names(const char *root, int *n, char ***where)
{
	char **names = NULL, **wh = NULL;
	int cap = 0, i;

	*n = 0;
	if (opt.spkfile) {
		FILE *f = fopen(opt.spkfile, "r");
		char *line = NULL, buf[64];
		size_t lcap = 0;
		ssize_t got;
		long lineno = 0;

		if (f == NULL)
			dc_errx(1, "%s: %s", opt.spkfile, strerror(errno));
		while ((got = getline(&line, &lcap, f)) != -1) {
			char *s = line, *t = line + got;
			lineno++;
			while (*s == ' ' || *s == '\t')
				s++;
			while (t > s && (t[-1] == '\n' || t[-1] == '\r' || t[-1] == ' ' || t[-1] == '\t'))
				*--t = '\0';
			if (*s == '\0' || *s == '#')
				continue;
			if (strchr(s, '/') || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
				dc_errx(1, "%s:%ld: not a speaker name: %s", opt.spkfile, lineno, s);
			for (i = 0; i < *n; i++)
				if (strcmp(names[i], s) == 0)
					dc_errx(1, "%s:%ld: %s listed twice", opt.spkfile, lineno, s);
			if (*n == cap) {
				cap = cap ? 2 * cap : 64;
				names = dc_xrealloc(names, (size_t)cap * sizeof *names);
				wh = dc_xrealloc(wh, (size_t)cap * sizeof *wh);
			}
			snprintf(buf, sizeof buf, "%s:%ld: ", opt.spkfile, lineno);
			wh[*n] = dc_xstrdup(buf);
			names[(*n)++] = dc_xstrdup(s);
		}
		if (ferror(f))
			dc_errx(1, "%s: %s", opt.spkfile, strerror(errno));
		fclose(f);
		free(line);
	} else {
		DIR *d = opendir(root);
		struct dirent *e;

		if (d == NULL)
			dc_errx(1, "%s: %s", root, strerror(errno));
		while ((e = readdir(d)) != NULL) {
			struct stat st;
			char *p;
			if (e->d_name[0] == '.')
				continue;
			p = join(root, e->d_name);
			if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
				if (*n == cap) {
					cap = cap ? 2 * cap : 64;
					names = dc_xrealloc(names, (size_t)cap * sizeof *names);
				}
				names[(*n)++] = dc_xstrdup(e->d_name);
			}
			free(p);
		}
		closedir(d);
		qsort(names, (size_t)*n, sizeof *names, cmpstr);
		wh = dc_xmalloc((size_t)(*n ? *n : 1) * sizeof *wh);
		for (i = 0; i < *n; i++)
			wh[i] = dc_xstrdup("");
	}
	*where = wh;
	return names;
}

static void
make_dir(const char *path)
{
	struct stat st;

	if (mkdir(path, 0777) != 0 && !(errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
		dc_errx(1, "%s: %s", path, errno == EEXIST ? strerror(ENOTDIR) : strerror(errno));
}

/* The corpus of list mode: the speakers with an utterance long enough. */
typedef struct {
	char *root;             /* corpusdir, or corpusdir/train if it has one */
	const char *prefix;     /* "train/" or "": where root lies in corpusdir */
	speaker *sp;
	int n;
} corpus;

/* corpus_root: corpusdir/train/<speaker>/ if there is a train/, else
 * corpusdir/<speaker>/; exits 1 if dir is not a directory. */
static void
corpus_root(const char *dir, corpus *c)
{
	struct stat st;
	char *t;
	int i;

	c->root = dc_xstrdup(dir);
	for (i = (int)strlen(c->root); i > 1 && c->root[i - 1] == '/'; i--)
		c->root[i - 1] = '\0';
	if (stat(c->root, &st) != 0)
		dc_errx(1, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		dc_errx(1, "%s: %s", dir, strerror(ENOTDIR));
	t = join(c->root, "train");
	if (stat(t, &st) == 0 && S_ISDIR(st.st_mode)) {
		free(c->root);
		c->root = t;
		c->prefix = "train/";
	} else {
		free(t);
		c->prefix = "";
	}
}

/* corpus_speakers: the speakers under c->root with an utterance of at least -m
 * seconds (a warning names those without); exits 1 if fewer than -k. */
static void
corpus_speakers(corpus *c)
{
	char **names, **where, skipped[256] = "";
	int nnames, nskipped = 0, i;

	names = speaker_names(c->root, &nnames, &where);
	c->sp = dc_xcalloc((size_t)(nnames ? nnames : 1), sizeof *c->sp);
	c->n = 0;
	for (i = 0; i < nnames; i++) {
		scan_speaker(c->root, names[i], where[i], &c->sp[c->n]);
		if (c->sp[c->n].n > 0) {
			c->n++;
		} else {
			size_t used = strlen(skipped);
			if (nskipped < 4)
				snprintf(skipped + used, sizeof skipped - used, " %s", names[i]);
			else if (nskipped == 4)
				snprintf(skipped + used, sizeof skipped - used, " ...");
			nskipped++;
			free(c->sp[c->n].name);
			free(c->sp[c->n].files);
		}
		free(names[i]);
		free(where[i]);
	}
	free(names);
	free(where);
	if (nskipped)
		dc_warnx("%d speaker%s without an utterance of at least %g s skipped:%s", nskipped,
		    nskipped == 1 ? "" : "s", opt.minsec, skipped);
	if (c->n < opt.k)
		dc_errx(1, "-k %d: only %d speaker%s with an utterance of at least %g s", opt.k, c->n,
		    c->n == 1 ? "" : "s", opt.minsec);
}

static void
corpus_free(corpus *c)
{
	int i, j;

	for (i = 0; i < c->n; i++) {
		for (j = 0; j < c->sp[i].n; j++)
			free(c->sp[i].files[j]);
		free(c->sp[i].files);
		free(c->sp[i].name);
	}
	free(c->sp);
	free(c->root);
}

/* make_tree: the output directory (-o, returned without trailing '/') with mix/
 * and s1/ .. sK/ in it. */
static char *
make_tree(void)
{
	char *outdir = dc_xstrdup(opt.out), sub[16], *d;
	int i;

	for (i = (int)strlen(outdir); i > 1 && outdir[i - 1] == '/'; i--)
		outdir[i - 1] = '\0';
	make_dir(outdir);
	d = join(outdir, "mix");
	make_dir(d);
	free(d);
	for (i = 1; i <= opt.k; i++) {
		snprintf(sub, sizeof sub, "s%d", i);
		d = join(outdir, sub);
		make_dir(d);
		free(d);
	}
	return outdir;
}

/*
 * mix_one: mixture m (its id m in width digits) of K speakers drawn from c with
 * r, written under outdir, its row to lf. The draws, in this order: K distinct
 * speakers (a partial Fisher-Yates shuffle of perm, kept from one mixture to the
 * next), one utterance of each, then the gains, then with -p the speeds.
 */
static void
mix_one(const corpus *c, dc_xoshiro *r, int *perm, int64_t m, int width, const char *outdir,
    FILE *lf)
{
	input in[MAXK];
	double gain[MAXK], fac[MAXK], speed[MAXK];
	float *s[MAXK], *mix;
	char *rel_src[MAXK], *orig[MAXK], id[32], rel_mix[48], rel[48], *path;
	int uidx[MAXK], who[MAXK], j;
	int64_t len;

	for (j = 0; j < opt.k; j++) {
		int t = j + (int)dc_xoshiro_below(r, (uint64_t)(c->n - j)), x = perm[j];
		perm[j] = perm[t];
		perm[t] = x;
		who[j] = perm[j];
	}
	for (j = 0; j < opt.k; j++)
		uidx[j] = (int)dc_xoshiro_below(r, (uint64_t)c->sp[who[j]].n);
	draw_gains(r, opt.k, gain);
	draw_speeds(r, opt.k, speed);

	for (j = 0; j < opt.k; j++) {
		const speaker *p = &c->sp[who[j]];
		char *full = join(c->root, p->files[uidx[j]]);
		read_input(full, full, speed[j], &in[j], 0);
		free(full);
		orig[j] = dc_xmalloc(strlen(c->prefix) + strlen(p->files[uidx[j]]) + 1);
		sprintf(orig[j], "%s%s", c->prefix, p->files[uidx[j]]);
	}
	len = make_mix(in, opt.k, gain, s, &mix, fac);

	snprintf(id, sizeof id, "%0*lld", width > 12 ? 12 : width, (long long)m);
	snprintf(rel_mix, sizeof rel_mix, "mix/%s.wav", id);
	path = join(outdir, rel_mix);
	put_audio(path, mix, len);
	free(path);
	for (j = 0; j < opt.k; j++) {
		snprintf(rel, sizeof rel, "s%d/%s.wav", j + 1, id);
		rel_src[j] = dc_xstrdup(rel);
		path = join(outdir, rel);
		put_audio(path, s[j], len);
		free(path);
	}
	forget_written();
	print_row(lf, id, rel_mix, rel_src, orig, gain, speed, opt.k, len);
	for (j = 0; j < opt.k; j++) {
		free(in[j].x);
		free(s[j]);
		free(rel_src[j]);
		free(orig[j]);
	}
	free(mix);
}

/* write_list: buf[len] to path, renamed into place when complete. */
static void
write_list(const char *path, const char *buf, size_t len)
{
	dc_atomic a;
	FILE *f;

	if ((f = dc_atomic_open(&a, path)) == NULL)
		dc_errx(1, "%s: %s", path, strerror(errno));
	fwrite(buf, 1, len, f);
	if (dc_atomic_commit(&a) != DC_OK)
		dc_errx(1, "%s: %s", path, strerror(errno));
}

/* list_mode: -n mixtures drawn from the corpus in dir, under -o with list.tsv. */
static int
list_mode(const char *dir)
{
	char *outdir, *listpath, *listbuf = NULL;
	size_t listlen = 0;
	corpus c;
	int i, width, tty, *perm;
	FILE *lf;
	dc_xoshiro r;
	int64_t m;

	corpus_root(dir, &c);
	corpus_speakers(&c);
	outdir = make_tree();
	/* the list is kept in memory and written when the set is complete, so a
	 * failure on the way leaves no list.tsv (nor a temporary one) */
	listpath = join(outdir, "list.tsv");
	if ((lf = open_memstream(&listbuf, &listlen)) == NULL)
		dc_errx(1, "%s: %s", listpath, strerror(errno));
	dc_list_mixhead(lf, opt.perturb);

	for (width = 6, m = 1000000; m <= opt.count; m *= 10)
		width++;
	tty = isatty(STDERR_FILENO);
	perm = dc_xmalloc((size_t)c.n * sizeof *perm);
	for (i = 0; i < c.n; i++)
		perm[i] = i;
	dc_xoshiro_seed(&r, opt.seed);
	for (m = 1; m <= opt.count; m++) {
		mix_one(&c, &r, perm, m, width, outdir, lf);
		if (tty)
			fprintf(stderr, "\r%s: %lld/%lld", dc_prog(), (long long)m, (long long)opt.count);
	}
	if (tty)
		fputc('\n', stderr);
	if (fclose(lf) != 0)
		dc_errx(1, "%s: %s", listpath, strerror(errno));
	write_list(listpath, listbuf, listlen);
	free(listbuf);
	corpus_free(&c);
	free(perm);
	free(outdir);
	free(listpath);
	return 0;
}

/* ---------------------------------------------------------------- main */

/* parse_range: "lo,hi" with min <= lo <= hi <= max; non-zero if it is not. */
static int
parse_range(const char *arg, double min, double max, double *lo, double *hi)
{
	const char *comma = strchr(arg, ',');
	char *l;
	int bad;

	if (comma == NULL)
		return 1;
	l = dc_xstrdup(arg);
	l[comma - arg] = '\0';
	bad = dc_parse_num(l, min, max, lo) || dc_parse_num(comma + 1, min, max, hi) || *lo > *hi;
	free(l);
	return bad;
}

/* parse_opts: the options into opt; says which of -G, -k and -m were given. */
static void
parse_opts(int argc, char **argv, int *have_G, int *have_k, int *have_m)
{
	int64_t v;
	int c;

	while ((c = dc_getopt(argc, argv, "s:g:G:l:p:r:o:O:n:k:m:S:h", usage, help)) != -1) {
		switch (c) {
		case 's':
			if (dc_parse_int(optarg, 0, INT64_MAX, &v))
				dc_errx(2, "-s: seed must be an integer from 0 to 2^63-1: %s", optarg);
			opt.seed = (uint64_t)v;
			break;
		case 'g':
			if (dc_parse_num(optarg, -60, 60, &opt.snr))
				dc_errx(2, "-g: SNR must be a number of dB from -60 to 60: %s", optarg);
			opt.fixed = 1;
			break;
		case 'G':
			if (parse_range(optarg, -60, 60, &opt.lo, &opt.hi))
				dc_errx(2, "-G: range must be lo,hi in dB, -60 <= lo <= hi <= 60: %s", optarg);
			*have_G = 1;
			break;
		case 'l':
			if (dc_parse_num(optarg, -100, 0, &opt.level))
				dc_errx(2, "-l: level must be a number of dB from -100 to 0: %s", optarg);
			break;
		case 'p':
			if (parse_range(optarg, 0.5, 2, &opt.plo, &opt.phi))
				dc_errx(2, "-p: range must be lo,hi, 0.5 <= lo <= hi <= 2: %s", optarg);
			opt.perturb = 1;
			break;
		case 'r':
			if (dc_parse_int(optarg, 1, 1000000, &v))
				dc_errx(2, "-r: sample rate must be an integer from 1 to 1000000: %s", optarg);
			opt.rate = (int)v;
			break;
		case 'o':
			opt.out = optarg;
			break;
		case 'O':
			opt.tmpl = optarg;
			break;
		case 'n':
			if (dc_parse_int(optarg, 1, 100000000, &v))
				dc_errx(2, "-n: count must be an integer from 1 to 100000000: %s", optarg);
			opt.count = v;
			break;
		case 'k':
			if (dc_parse_int(optarg, 1, MAXK, &v))
				dc_errx(2, "-k: speakers must be an integer from 1 to %d: %s", MAXK, optarg);
			opt.k = (int)v;
			*have_k = 1;
			break;
		case 'm':
			if (dc_parse_num(optarg, 0, 3600, &opt.minsec))
				dc_errx(2, "-m: minsec must be a number of seconds from 0 to 3600: %s", optarg);
			*have_m = 1;
			break;
		case 'S':
			opt.spkfile = optarg;
			break;
		}
	}
}

int
main(int argc, char **argv)
{
	int nin, have_G = 0, have_k = 0, have_m = 0;

	dc_setprog(argv[0]);
	parse_opts(argc, argv, &have_G, &have_k, &have_m);
	if (opt.fixed && have_G)
		dc_errx(2, "-g and -G exclude each other");
	if (opt.out == NULL)
		dc_errx(2, "-o: an output %s is required", opt.count ? "directory" : "file");
	nin = argc - optind;
	if (opt.count) {
		if (opt.tmpl)
			dc_errx(2, "-O: not with -n (sources go to outdir/s1, outdir/s2, ...)");
		if (nin != 1)
			dc_errx(2, "-n: one corpus directory expected, not %d operands", nin);
		return list_mode(argv[optind]);
	}
	if (have_k || have_m || opt.spkfile)
		dc_errx(2, "-%c: only with -n", have_k ? 'k' : have_m ? 'm' : 'S');
	if (nin < 2)
		dc_errx(2, "at least 2 input files are needed, not %d", nin);
	if (nin > MAXK)
		dc_errx(2, "at most %d input files, not %d", MAXK, nin);
	if (strcmp(opt.out, "-") == 0)
		dc_errx(2, "-o: a file, not stdout (stdout carries the summary line)");
	if (opt.tmpl) {
		char *t = expand(opt.tmpl, 1);
		if (t == NULL)
			dc_errx(2, "-O: template needs %%k (the source number) and no other %% but %%%%: %s",
			    opt.tmpl);
		free(t);
	}
	return single(nin, argv + optind);
}
