/*
 * dc-eval: separation quality of estimated sources against references, as the
 * field measures it: SDR, SIR and SAR of BSS Eval v3 (mir_eval's
 * bss_eval_sources), SI-SDR, and, given the mixture, the improvements SDRi and
 * SI-SDRi over the unprocessed mixture.
 *
 * One mixture from the command line, or many from a list (-l): each line
 * "id<TAB>mix<TAB>ref1,ref2,...<TAB>est1,est2,...". Output: a row per mixture
 * (or per source with -s) and a mean row, as an aligned table, TSV (-t) or JSON
 * lines (-j); with -w, the same figures for consecutive segments of each file
 * too. Files longer than LONG_SAMPLES are read twice in chunks (dc_bsslong), so
 * that memory does not grow with their length. See dc-eval(1).
 */
#include <sys/stat.h>

#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "dc.h"
#include "bsseval.h"

static const char usage[] = "[-jst] [-i id] [-m mix] [-w seconds] -r ref [-r ref ...] est ...\n"
    "       dc-eval [-jst] [-w seconds] -l list [-e pattern]";

#define MAXK DC_BSS_MAXSRC
#define FRAME_MS 32     /* lengths may differ by this much without a word */
#define NMET 6          /* SDR SIR SAR SI-SDR SDRi SI-SDRi */
#define LONG_SAMPLES (INT64_C(1) << 19)       /* longer files: read in two passes */
#define CHUNK 65536     /* samples a read of the two passes without -w */

enum { OUT_TABLE, OUT_TSV, OUT_JSON };

/* One mixture to evaluate. */
typedef struct {
	char *id;
	char *mix;              /* NULL if none */
	int k;
	char *refs[MAXK], *ests[MAXK];
	char *where;            /* "list.tsv:3: " or "" for messages (malloc'd: a list's
	                         * path may be as long as PATH_MAX) */
	int line;               /* the list's line, 0 for the command line's */
} job;

/* Scores of a file or a segment, per reference r (0..k-1); a perm[0] of -1
 * says there is none (a segment where a signal is silent or constant). */
typedef struct {
	int64_t start, n;       /* the samples scored */
	double sdr[MAXK], sir[MAXK], sar[MAXK], si[MAXK];
	double sdr_mix[MAXK], si_mix[MAXK], sdri[MAXK], sii[MAXK];
	int perm[MAXK], si_perm[MAXK];
	double mean[NMET];
} scores;

/* A mixture's scores: the whole file, and its segments with -w. */
typedef struct {
	int k, hasmix, rate;
	int64_t n, win;         /* win: samples a segment, 0 without -w */
	double wsec;            /* -w */
	scores all;
	scores *seg;
	int nseg;
} result;

static job *jobs;       /* file scope, so that an exit midway leaks nothing unreachable */

/* The options. */
static struct {
	const char *list, *id, *mix;    /* -l, -i, -m */
	const char *epat;               /* -e */
	char *refs[MAXK + 1];           /* -r */
	int nref, fmt, per_source;      /* -j or -t, -s */
	double win;                     /* -w, seconds; 0 without */
} opt = { .fmt = OUT_TABLE };

static void
help(void)
{
	printf("usage: dc-eval %s\n"
	    "Separation quality of estimated sources: SDR, SIR, SAR (BSS Eval v3, as\n"
	    "mir_eval.separation.bss_eval_sources), SI-SDR, and with the mixture SDRi, SI-SDRi.\n"
	    "  -r ref   a reference source, once per source, in the order of the sources\n"
	    "  -m mix   the mixture: adds the improvements over it (SDRi, SI-SDRi)\n"
	    "  -i id    the mixture's name in the output (default: file name of mix or est1)\n"
	    "  -l list  many mixtures, one a line: id TAB mix TAB ref,ref... TAB est,est...\n"
	    "           (mix '-' for none; '#' starts a comment line)\n"
	    "  -e pat   with -l, the estimates are pat with %%u the id and %%k the source,\n"
	    "           and the list's later columns are not read (dc-mix's list.tsv)\n"
	    "  -s       a row per source instead of per mixture\n"
	    "  -w sec   also the figures of consecutive segments of sec seconds\n"
	    "  -t       tab-separated values instead of the table\n"
	    "  -j       JSON lines: one object per mixture, then a summary\n"
	    "  -h       this help (--help too; --version: the version)\n"
	    "Estimates are matched to references by the best mean SIR (SI-SDR: best mean\n"
	    "SI-SDR). See dc-eval(1).\n", usage);
}

/* A mixture's notes (a file resampled or mixed down, lengths that differ, a
 * singular Gram matrix) are held until its scores are done: a mixture refused
 * gets its one line, not the notes before it. */
static char **held;
static int nheld;

static void
hold(char *line)
{
	held = dc_xrealloc(held, (size_t)(nheld + 1) * sizeof *held);
	held[nheld++] = line;
}

/* flush_notes: the held notes on stderr, in order */
static void
flush_notes(void)
{
	int i;

	for (i = 0; i < nheld; i++) {
		dc_warnx("%s", held[i]);
		free(held[i]);
	}
	nheld = 0;
}

#define note(...) hold(dc_xasprintf(__VA_ARGS__))
#define fail(...) dc_errx(1, __VA_ARGS__)

/* ---------------------------------------------------------------- the list */

/* paths: a comma-separated column into p[]; its count, or exits on an empty path
 * or too many. */
static int
paths(const char *list, char *col, char **p, const char *what, const char *where)
{
	int n = dc_split(col, ',', p, MAXK), i;

	if (n > MAXK)
		fail("%smore than %d %s: at most %d sources", where, MAXK, what, MAXK);
	for (i = 0; i < n; i++)
		if (p[i][0] == '\0')
			fail("%san empty path among the %s", where, what);
		else if (strcmp(p[i], "-") == 0)  /* stdin: read once, if at all */
			fail("%s'-' among the %s: a list names files, not stdin", where, what);
	for (i = 0; i < n; i++)
		p[i] = dc_path_rel(list, p[i]);
	return n;
}

/* estimates: -e's pattern for j's k sources into j->ests (paths as given: relative
 * to the current directory, not to the list's); k, or exits on an id that cannot
 * name a file */
static int
estimates(job *j, int k)
{
	const char *why;
	char q[256];
	int i;

	for (i = 0; i < k; i++)
		if ((j->ests[i] = dc_out_expand(opt.epat, j->id, i + 1, NULL, &why)) == NULL)
			fail("%sid \"%s\": %s (-e)", j->where, dc_esc(j->id, 1, q, sizeof q), why);
	return k;
}

/* by_id: jobs (pointers to them) by id, then by line */
static int
by_id(const void *a, const void *b)
{
	const job *x = *(const job *const *)a, *y = *(const job *const *)b;
	int c = strcmp(x->id, y->id);

	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* repeated_id: exits if two of jobs[n] have one id (a row and the mean would
 * count that mixture twice, and its rows could not be told apart), naming both
 * lines as dc-oracle does. */
static void
repeated_id(const char *name, int n)
{
	const job **s = dc_xmalloc((size_t)n * sizeof *s);
	int i;

	for (i = 0; i < n; i++)
		s[i] = &jobs[i];
	qsort(s, (size_t)n, sizeof *s, by_id);
	for (i = 1; i < n; i++)
		if (strcmp(s[i - 1]->id, s[i]->id) == 0) {
			const job *j = s[i];
			int first = s[i - 1]->line;
			free(s);
			fail("%s:%d: id %s again (first on line %d)", name, j->line, j->id, first);
		}
	free(s);
}

/* read_list: every mixture of the list file into jobs; exits on the first bad line. */
static void
read_list(const char *path, int *njobs)
{
	static dc_list *l;     /* static: reachable at an exit on a bad line */
	char *fld[4];
	int n = 0, lineno, nf, mixline = 0, nomixline = 0, err, want = opt.epat ? 3 : 4;
	const char *name = dc_path_name(path);

	if ((l = dc_list_open(path)) == NULL)
		fail("%s: %s", name, strerror(errno));
	while ((err = dc_list_next(l, fld, want, &nf)) == DC_OK) {
		job *j;
		int nr, ne;
		lineno = dc_list_line(l);
		/* a NUL byte would end a field early and the message name a cut path */
		if (dc_list_nul(l))
			fail("%s: not a text file", name);
		/* dc-mix's list.tsv begins with a header; a mixture named "id" is
		 * no header */
		if (lineno == 1 && nf >= 3 && strcmp(fld[0], "id") == 0 &&
		    strcmp(fld[1], "mix") == 0 && strcmp(fld[2], "sources") == 0)
			continue;
		jobs = dc_xrealloc(jobs, (size_t)(n + 1) * sizeof *jobs);
		j = &jobs[n];
		memset(j, 0, sizeof *j);
		j->where = dc_xasprintf("%s:%d: ", name, lineno);
		j->line = lineno;
		if (opt.epat && nf < 3)
			fail("%s%d column%s, wanted 3 or more with -e: id, mix, refs (tab-separated)",
			    j->where, nf, nf == 1 ? "" : "s");
		if (!opt.epat && nf > 4)
			fail("%smore than 4 columns, wanted 4: id, mix, refs, ests (tab-separated; "
			    "-e takes the estimates from a pattern)", j->where);
		if (!opt.epat && nf < 4)
			fail("%s%d column%s, wanted 4: id, mix, refs, ests (tab-separated)", j->where, nf,
			    nf == 1 ? "" : "s");
		if (fld[0][0] == '\0')
			fail("%sempty id", j->where);
		j->id = dc_xstrdup(fld[0]);
		if (fld[1][0] != '\0' && strcmp(fld[1], "-") != 0) {
			j->mix = dc_path_rel(path, fld[1]);
			if (!mixline)
				mixline = lineno;
		} else if (!nomixline)
			nomixline = lineno;
		if (mixline && nomixline)
			fail("%sline %d names a mixture and line %d none: give a mixture on every line or on none",
			    j->where, mixline, nomixline);
		nr = paths(path, fld[2], j->refs, "references", j->where);
		ne = opt.epat ? estimates(j, nr) : paths(path, fld[3], j->ests, "estimates", j->where);
		if (nr != ne)
			fail("%s%d reference%s but %d estimate%s", j->where, nr, nr == 1 ? "" : "s", ne,
			    ne == 1 ? "" : "s");
		j->k = nr;
		n++;
	}
	if (err != DC_EEOF)
		fail("%s: %s", name, dc_errmsg(err));
	if (dc_list_nul(l))
		fail("%s: not a text file", name);
	dc_list_close(l);
	l = NULL;
	if (n == 0)
		fail("%s: no mixtures in the list", name);
	repeated_id(name, n);
	*njobs = n;
}

/* ---------------------------------------------------------------- evaluation */

/* input_notes: the notes held for a file as read (cut short, mixed down) */
static void
input_notes(const job *j, const char *name, const dc_audio_info *info)
{
	if (info->frames_claimed > 0)
		note("%s%s: " DC_CUT_SHORT, j->where, name, (long long)info->frames_claimed,
		    (long long)info->frames_in);
	if (info->downmixed)
		note("%s%s: %d channels mixed down to mono", j->where, name, info->channels_in);
}

/* load: one file as mono float at its own rate; exits on failure. */
static float *
load(const job *j, const char *path, int64_t *n, int *rate)
{
	dc_audio_info info;
	float *x;
	const char *name = dc_path_name(path);     /* "stdin" for "-" */
	int64_t i;
	int err;

	if ((err = dc_audio_read(path, 0, &x, n, &info)) != DC_OK)
		fail("%s%s: %s", j->where, name, dc_errmsg(err));
	input_notes(j, name, &info);
	if (dc_floats_finite(x, *n) != DC_OK)
		fail("%s%s: %s", j->where, name, dc_strerror(DC_ENONFINITE));
	if ((i = dc_audio_beyond(x, *n)) >= 0)
		fail("%s%s: sample %lld is %g, beyond +-%g (float audio is nominally within +-1)",
		    j->where, name, (long long)(i + 1), x[i], DC_AUDIO_MAX);
	if (*n == 0)
		fail("%s%s: no samples", j->where, name);
	*rate = info.rate_in;
	return x;
}

/* files_there: exits, as load would, where one of the job's files is missing, a
 * directory, or cannot be looked up; stdin ("-") is read when its turn comes. */
static void
files_there(const job *j)
{
	const char *p[2 * MAXK + 1];
	struct stat st;
	int i, e, n = 0;

	for (i = 0; i < j->k; i++)      /* in load's order: the same file named first */
		p[n++] = j->refs[i];
	for (i = 0; i < j->k; i++)
		p[n++] = j->ests[i];
	if (j->mix)
		p[n++] = j->mix;
	for (i = 0; i < n; i++) {
		if (strcmp(p[i], "-") == 0)
			continue;
		if (stat(p[i], &st) != 0)
			fail("%s%s: %s", j->where, p[i], strerror(errno));
		if (S_ISDIR(st.st_mode))
			fail("%s%s: %s", j->where, p[i], strerror(EISDIR));
	}
	/* one source twice among the references (-r s1.wav -r s1.wav) scores as
	 * nothing real: the other source's estimate would be matched to a copy */
	if ((i = dc_same_files(j->refs, j->k, &e)) >= 0)
		fail("%s%s: the same file as reference %d: each source's reference once", j->where,
		    j->refs[i], e + 1);
}

/* check_signal: a silent or constant signal has no defined score. */
static void
check_signal(const job *j, const char *path, const char *what, const double *x, int64_t n)
{
	if (dc_bss_silent(x, n))
		fail("%s%s: %s is silent (all zeros)", j->where, path, what);
	if (dc_bss_constant(x, n))
		fail("%s%s: %s is constant", j->where, path, what);
}

/*
 * signals: the job's references, estimates and (if it names one) mixture as
 * doubles, each cut to the shortest, *n samples at *rate, the estimates' (refs[k][n],
 * ests[k][n], *mix NULL without one): a reference or mixture at another rate is
 * resampled to it, with a note; exits on a file that cannot be read, estimates of
 * two rates, or a silent or constant signal.
 */
static void
signals(const job *j, double **refs, double **ests, double **mix, int64_t *n, int *rate)
{
	int k = j->k, nf = 2 * k + (j->mix != NULL), i;
	const char *path[2 * MAXK + 1];
	float *x[2 * MAXK + 1];
	int64_t len[2 * MAXK + 1], nmax, s;
	int r[2 * MAXK + 1] = { 0 };

	for (i = 0; i < k; i++) {
		path[i] = j->refs[i];
		path[k + i] = j->ests[i];
	}
	if (j->mix)
		path[2 * k] = j->mix;
	for (i = 0; i < nf; i++)
		x[i] = load(j, path[i], &len[i], &r[i]);
	for (i = k + 1; i < 2 * k; i++)
		if (r[i] != r[k])
			fail("%s%s: sample rate %d Hz, but %s has %d Hz", j->where, dc_path_name(path[i]),
			    r[i], dc_path_name(path[k]), r[k]);
	/* a reference or the mixture at another rate: brought to the estimates' */
	for (i = 0; i < nf; i++) {
		int err;

		if (r[i] == r[k])
			continue;
		if ((err = dc_resample(&x[i], &len[i], r[i], r[k])) != DC_OK)
			fail("%s%s: %s", j->where, dc_path_name(path[i]), dc_errmsg(err));
		note("%s%s: resampled from %d Hz to %d Hz", j->where, dc_path_name(path[i]), r[i], r[k]);
		r[i] = r[k];
	}
	*n = nmax = len[0];
	for (i = 1; i < nf; i++) {
		if (len[i] < *n)
			*n = len[i];
		if (len[i] > nmax)
			nmax = len[i];
	}
	if (nmax - *n > (int64_t)r[0] * FRAME_MS / 1000)
		note("%slengths differ by %lld samples (%lld to %lld): all truncated to %lld", j->where,
		    (long long)(nmax - *n), (long long)*n, (long long)nmax, (long long)*n);
	*rate = r[0];
	*refs = dc_xmalloc((size_t)k * *n * sizeof **refs);
	*ests = dc_xmalloc((size_t)k * *n * sizeof **ests);
	*mix = NULL;
	for (i = 0; i < nf; i++) {
		double *d = i < k ? *refs + (size_t)i * *n : i < 2 * k ? *ests + (size_t)(i - k) * *n :
		    (*mix = dc_xmalloc((size_t)*n * sizeof **mix));
		for (s = 0; s < *n; s++)
			d[s] = x[i][s];
		free(x[i]);
		check_signal(j, dc_path_name(path[i]),
		    i < k ? "reference" : i < 2 * k ? "estimate" : "mixture", d, *n);
	}
}

/* finish: the improvements over the mixture (NaN without one) and the means of sc. */
static void
finish(scores *sc, int k, int hasmix)
{
	int r, i;

	for (r = 0; r < k; r++) {
		if (!hasmix)
			sc->sdr_mix[r] = sc->si_mix[r] = NAN;
		sc->sdri[r] = hasmix ? sc->sdr[r] - sc->sdr_mix[r] : NAN;
		sc->sii[r] = hasmix ? sc->si[r] - sc->si_mix[r] : NAN;
	}
	memset(sc->mean, 0, sizeof sc->mean);
	for (r = 0; r < k; r++) {
		sc->mean[0] += sc->sdr[r];
		sc->mean[1] += sc->sir[r];
		sc->mean[2] += sc->sar[r];
		sc->mean[3] += sc->si[r];
		sc->mean[4] += sc->sdri[r];
		sc->mean[5] += sc->sii[r];
	}
	for (i = 0; i < NMET; i++)
		sc->mean[i] /= k;
}

/*
 * segment: the scores of the n samples from start, sig[2k+1] pointing at them
 * (references, estimates, then the mixture or NULL), as bss_eval_sources and
 * SI-SDR of those samples alone. Where a reference or an estimate is silent in
 * the segment, BSS Eval's figures are NaN and perm[0] is -1 (mir_eval's
 * bss_eval_sources_framewise leaves such a frame NaN too); where one is
 * constant, SI-SDR's; where the mixture is, its own.
 */
static void
segment(double *const *sig, int k, int64_t start, int64_t n, scores *sc)
{
	double *R = dc_xmalloc((size_t)k * n * sizeof *R), *E = dc_xmalloc((size_t)k * n * sizeof *E);
	double m[3][MAXK * MAXK], t[3][MAXK];
	const double *mix = sig[2 * k];
	int r, e, silent = 0, constant = 0, mixok = 0;
	dc_bss *b = NULL;

	memset(sc, 0, sizeof *sc);
	sc->start = start;
	sc->n = n;
	for (r = 0; r < k; r++) {
		memcpy(R + (size_t)r * n, sig[r], (size_t)n * sizeof *R);
		memcpy(E + (size_t)r * n, sig[k + r], (size_t)n * sizeof *E);
		silent |= dc_bss_silent(sig[r], n) || dc_bss_silent(sig[k + r], n);
		constant |= dc_bss_constant(sig[r], n) || dc_bss_constant(sig[k + r], n);
	}
	if (!silent && dc_bss_new(&b, R, k, n, DC_BSS_FLEN) != DC_OK)
		silent = 1;
	for (e = 0; !silent && e < k; e++)
		if (dc_bss_crit(b, E + (size_t)e * n, m[0] + e * k, m[1] + e * k, m[2] + e * k) != DC_OK)
			silent = 1;
	if (!silent) {
		dc_best_perm(m[1], k, sc->perm);
		mixok = mix && dc_bss_crit(b, mix, t[0], t[1], t[2]) == DC_OK;
	}
	dc_bss_free(b);
	for (r = 0; r < k; r++) {
		sc->sdr[r] = silent ? NAN : m[0][sc->perm[r] * k + r];
		sc->sir[r] = silent ? NAN : m[1][sc->perm[r] * k + r];
		sc->sar[r] = silent ? NAN : m[2][sc->perm[r] * k + r];
		sc->sdr_mix[r] = mixok ? t[0][r] : NAN;
	}
	if (silent)
		sc->perm[0] = -1;
	if (constant || dc_si_sdr_sources(R, E, k, n, sc->si, sc->si_perm) != DC_OK) {
		for (r = 0; r < k; r++)
			sc->si[r] = NAN;
		sc->si_perm[0] = -1;
	}
	for (r = 0; r < k; r++)
		sc->si_mix[r] = mix && !dc_bss_constant(mix, n) && !dc_bss_constant(sig[r], n) ?
		    dc_si_sdr(sig[r], mix, n) : NAN;
	finish(sc, k, mix != NULL);
	free(R);
	free(E);
}

/*
 * segments: how n samples fall into segments of w: consecutive windows of w
 * from the start; what is left at the end is a segment of its own if it is at
 * least half a window, else part of the last; fewer than w samples in all, one
 * segment. The count, and the longest in *most.
 */
static int
segments(int64_t n, int64_t w, int64_t *most)
{
	int64_t full = n / w, rem = n % w;

	if (full == 0) {
		*most = n;
		return 1;
	}
	if (rem >= (w + 1) / 2) {
		*most = w;
		return (int)full + 1;
	}
	*most = w + rem;
	return (int)full;
}

/* seg_len: the length of segment i of nseg (see segments). */
static int64_t
seg_len(int64_t n, int64_t w, int i, int nseg)
{
	return i < nseg - 1 ? w : n - (int64_t)(nseg - 1) * w;
}

/* set_win: the window in samples at the job's rate (at least 1), 0 without -w. */
static void
set_win(result *res)
{
	if (res->wsec > 0)
		res->win = (int64_t)llround(res->wsec * res->rate) > 1 ?
		    (int64_t)llround(res->wsec * res->rate) : 1;
}

/* evaluate_mem: the job's scores, its signals held whole (dc_bss). */
static void
evaluate_mem(const job *j, result *res)
{
	int k = j->k, i, r, e, err;
	int64_t n;
	double *refs, *ests, *mix, m[3][MAXK * MAXK], t[3][MAXK];
	scores *a = &res->all;
	dc_bss *b;

	signals(j, &refs, &ests, &mix, &n, &res->rate);
	res->n = n;
	res->hasmix = mix != NULL;
	a->n = n;
	if ((err = dc_bss_new(&b, refs, k, n, DC_BSS_FLEN)) != DC_OK)
		fail("%sBSS Eval: %s", j->where, dc_strerror(err));
	for (e = 0; e < k; e++)
		if ((err = dc_bss_crit(b, ests + (size_t)e * n, m[0] + e * k, m[1] + e * k,
		    m[2] + e * k)) != DC_OK)
			fail("%sBSS Eval: %s", j->where, dc_strerror(err));
	dc_best_perm(m[1], k, a->perm);
	for (r = 0; r < k; r++) {
		a->sdr[r] = m[0][a->perm[r] * k + r];
		a->sir[r] = m[1][a->perm[r] * k + r];
		a->sar[r] = m[2][a->perm[r] * k + r];
	}
	if (mix && (err = dc_bss_crit(b, mix, t[0], t[1], t[2])) != DC_OK)
		fail("%sBSS Eval: %s", j->where, dc_strerror(err));
	if (dc_bss_lstsq(b))
		note("%sa Gram matrix of the references is singular: least squares used, as mir_eval does",
		    j->where);
	dc_bss_free(b);
	if ((err = dc_si_sdr_sources(refs, ests, k, n, a->si, a->si_perm)) != DC_OK)
		fail("%sSI-SDR: %s", j->where, dc_strerror(err));
	for (r = 0; mix && r < k; r++) {
		a->sdr_mix[r] = t[0][r];
		a->si_mix[r] = dc_si_sdr(refs + (size_t)r * n, mix, n);
	}
	finish(a, k, mix != NULL);
	set_win(res);
	if (res->win) {
		int64_t most, start = 0;
		res->nseg = segments(n, res->win, &most);
		res->seg = dc_xmalloc((size_t)res->nseg * sizeof *res->seg);
		for (i = 0; i < res->nseg; i++) {
			int64_t len = seg_len(n, res->win, i, res->nseg);
			double *sig[2 * MAXK + 1];
			for (r = 0; r < k; r++) {
				sig[r] = refs + (size_t)r * n + start;
				sig[k + r] = ests + (size_t)r * n + start;
			}
			sig[2 * k] = mix ? mix + start : NULL;
			segment(sig, k, start, len, &res->seg[i]);
			start += len;
		}
	}
	free(refs);
	free(ests);
	free(mix);
}

/* open_all: the job's nf files a[] opened to be read in chunks, in the order of
 * path[], hdr[] their lengths by their headers; on the first pass (first), the
 * notes and checks of load and signals. */
static void
open_all(const job *j, const char *const *path, int nf, dc_audio_in **a, int64_t *hdr, int64_t *n,
    int *rate, int first)
{
	dc_audio_info info;
	int64_t nmax = 0;
	int i, err;

	for (i = 0; i < nf; i++) {
		if ((err = dc_audio_open(path[i], 0, &a[i], &info)) != DC_OK)
			fail("%s%s: %s", j->where, path[i], dc_errmsg(err));
		hdr[i] = info.frames_in;
		if (!first)
			continue;
		input_notes(j, path[i], &info);
		if (i == 0) {
			*rate = info.rate_in;
			*n = nmax = info.frames_in;
		}
		if (info.rate_in != *rate)
			fail("%s%s: sample rate %d Hz, but %s has %d Hz", j->where, path[i], info.rate_in,
			    path[0], *rate);
		if (info.frames_in < *n)
			*n = info.frames_in;
		if (info.frames_in > nmax)
			nmax = info.frames_in;
	}
	if (first && nmax - *n > (int64_t)*rate * FRAME_MS / 1000)
		note("%slengths differ by %lld samples (%lld to %lld): all truncated to %lld", j->where,
		    (long long)(nmax - *n), (long long)*n, (long long)nmax, (long long)*n);
}

/*
 * evaluate_long: the job's scores from two passes over its files, read in
 * chunks (a segment at a time with -w) into dc_bsslong; the segments' scores
 * in the first pass. Memory: the chunks and dc_bsslong's blocks, whatever the
 * files' length.
 */
static void
evaluate_long(const job *j, result *res)
{
	int k = j->k, nf = 2 * k + (j->mix != NULL), i, r, e, p, nseg = 1, err;
	const char *path[2 * MAXK + 1];
	dc_audio_in *a[2 * MAXK + 1];
	double *x[2 * MAXK + 1], m[3][MAXK * MAXK], msi[MAXK * MAXK], t[3][MAXK];
	int nonzero[2 * MAXK + 1] = { 0 }, varies[2 * MAXK + 1] = { 0 };
	double first[2 * MAXK + 1] = { 0 };
	int64_t n = 0, most = CHUNK, done, len, s, hdr[2 * MAXK + 1];
	float *fb;
	scores *sc = &res->all;
	dc_bsslong *bl;

	for (i = 0; i < k; i++) {
		path[i] = j->refs[i];
		path[k + i] = j->ests[i];
	}
	if (j->mix)
		path[2 * k] = j->mix;
	res->hasmix = j->mix != NULL;
	open_all(j, path, nf, a, hdr, &n, &res->rate, 1);
	res->n = sc->n = n;
	set_win(res);
	if (res->win) {
		nseg = segments(n, res->win, &most);
		res->nseg = nseg;
		res->seg = dc_xmalloc((size_t)nseg * sizeof *res->seg);
	}
	if ((err = dc_bsslong_new(&bl, k, nf - k, DC_BSS_FLEN, 0)) != DC_OK)
		fail("%sBSS Eval: %s", j->where, dc_strerror(err));
	fb = dc_xmalloc((size_t)most * sizeof *fb);
	for (i = 0; i < nf; i++)
		x[i] = dc_xmalloc((size_t)most * sizeof *x[i]);
	x[nf] = NULL;
	for (p = 0; p < 2; p++) {
		if (p == 1)
			open_all(j, path, nf, a, hdr, &n, &res->rate, 0);
		for (done = 0, e = 0; done < n; done += len, e++) {
			len = res->win ? seg_len(n, res->win, e, nseg) : n - done < CHUNK ? n - done : CHUNK;
			for (i = 0; i < nf; i++) {
				int64_t got;
				if ((err = dc_audio_pull(a[i], fb, len, &got)) != DC_OK)
					fail("%s%s: %s", j->where, path[i], dc_errmsg(err));
				if (got < len)
					fail("%s%s: ended after %lld samples, fewer than its header says (%lld)",
					    j->where, path[i], (long long)(done + got), (long long)hdr[i]);
				for (s = 0; s < len; s++)
					x[i][s] = fb[s];
				if (p == 1)
					continue;
				if (done == 0)
					first[i] = x[i][0];
				for (s = 0; s < len; s++) {
					nonzero[i] |= x[i][s] != 0;
					varies[i] |= x[i][s] != first[i];
				}
			}
			if ((err = dc_bsslong_feed(bl, (const double *const *)x, len)) != DC_OK)
				fail("%sBSS Eval: %s", j->where, dc_strerror(err));
			if (p == 0 && res->win) {
				double *sig[2 * MAXK + 1];
				for (i = 0; i < 2 * k; i++)
					sig[i] = x[i];
				sig[2 * k] = j->mix ? x[2 * k] : NULL;
				segment(sig, k, done, len, &res->seg[e]);
			}
		}
		for (i = 0; i < nf; i++)
			dc_audio_in_close(a[i]);
		for (i = 0; p == 0 && i < nf; i++) {
			const char *what = i < k ? "reference" : i < 2 * k ? "estimate" : "mixture";
			if (!nonzero[i])
				fail("%s%s: %s is silent (all zeros)", j->where, path[i], what);
			if (!varies[i])
				fail("%s%s: %s is constant", j->where, path[i], what);
		}
		if ((err = dc_bsslong_end(bl)) != DC_OK)
			fail("%sBSS Eval: %s", j->where, dc_strerror(err));
	}
	for (e = 0; e < k; e++) {
		dc_bsslong_crit(bl, e, m[0] + e * k, m[1] + e * k, m[2] + e * k);
		dc_bsslong_si(bl, e, msi + e * k);
	}
	dc_best_perm(m[1], k, sc->perm);
	dc_best_perm_inf(msi, k, sc->si_perm);
	for (r = 0; r < k; r++) {
		sc->sdr[r] = m[0][sc->perm[r] * k + r];
		sc->sir[r] = m[1][sc->perm[r] * k + r];
		sc->sar[r] = m[2][sc->perm[r] * k + r];
		sc->si[r] = msi[sc->si_perm[r] * k + r];
	}
	if (j->mix) {
		dc_bsslong_crit(bl, k, t[0], t[1], t[2]);
		dc_bsslong_si(bl, k, sc->si_mix);
		for (r = 0; r < k; r++)
			sc->sdr_mix[r] = t[0][r];
	}
	if (dc_bsslong_lstsq(bl))
		note("%sa Gram matrix of the references is singular: least squares used, as mir_eval does",
		    j->where);
	finish(sc, k, j->mix != NULL);
	dc_bsslong_free(bl);
	free(fb);
	for (i = 0; i < nf; i++)
		free(x[i]);
}

/* is_long: every file of the job a regular file (it can be read twice) of more
 * than LONG_SAMPLES frames by its header, all at one rate (a file to resample is
 * read whole). */
static int
is_long(const job *j)
{
	const char *path[2 * MAXK + 1];
	int k = j->k, nf = 2 * k + (j->mix != NULL), i, rate, rate0 = 0;
	int64_t len;
	struct stat st;

	for (i = 0; i < k; i++) {
		path[i] = j->refs[i];
		path[k + i] = j->ests[i];
	}
	if (j->mix)
		path[2 * k] = j->mix;
	for (i = 0; i < nf; i++) {
		if (strcmp(path[i], "-") == 0 || stat(path[i], &st) != 0 || !S_ISREG(st.st_mode) ||
		    dc_audio_length(path[i], &len, &rate) != DC_OK || len <= LONG_SAMPLES ||
		    len == INT64_MAX)   /* a length the header does not give: read whole */
			return 0;
		if (i == 0)
			rate0 = rate;
		else if (rate != rate0)
			return 0;
	}
	return 1;
}

/* evaluate: the job's scores, whole and (with -w) by segments of win seconds. */
static void
evaluate(const job *j, double win, result *res)
{
	int i, few = 0, whole;
	int64_t most = (int64_t)(j->k - 1) * DC_BSS_FLEN + 1;

	memset(res, 0, sizeof *res);
	res->k = j->k;
	res->wsec = win;
	if (is_long(j))
		evaluate_long(j, res);
	else
		evaluate_mem(j, res);
	/* BSS Eval's fit of 512 taps a reference leaves no artifacts to measure
	 * in fewer samples than this (bsseval.h, dc_bss_spans) */
	if ((whole = dc_bss_spans(j->k, res->n, DC_BSS_FLEN)))
		note("%s%lld samples: SAR undefined (nan): %d sources' 512-tap fit leaves no "
		    "artifacts in %lld or fewer", j->where, (long long)res->n, j->k,
		    (long long)most);
	for (i = 0; i < res->nseg; i++)
		few += dc_bss_spans(j->k, res->seg[i].n, DC_BSS_FLEN);
	if (few && !whole)
		note("%s%d segment%s of %lld samples or fewer: SAR undefined (nan) there: %d "
		    "sources' 512-tap fit leaves no artifacts that short", j->where, few,
		    few == 1 ? "" : "s", (long long)most, j->k);
}

/* ---------------------------------------------------------------- output */

static const char *const tab_names[NMET] = { "SDR", "SIR", "SAR", "SI-SDR", "SDRi", "SI-SDRi" };
static const char *const key_names[NMET] = { "sdr", "sir", "sar", "si_sdr", "sdri", "si_sdri" };

/* json_num: a number as JSON; +-inf as 1e999 (read back as infinity by Python and
 * jq alike), NaN as null. */
static void
json_num(double v)
{
	if (isnan(v))
		fputs("null", stdout);
	else if (isinf(v))
		fputs(v > 0 ? "1e999" : "-1e999", stdout);
	else
		printf("%.17g", v);
}

static void
json_arr(const char *key, const double *v, int k)
{
	int r;

	printf(",\"%s\":[", key);
	for (r = 0; r < k; r++) {
		if (r)
			putchar(',');
		json_num(v[r]);
	}
	putchar(']');
}

/* json_perm: p[k] from 1, or null if there is none (p[0] -1). */
static void
json_perm(const char *key, const int *p, int k)
{
	int r;

	if (p[0] < 0) {
		printf(",\"%s\":null", key);
		return;
	}
	printf(",\"%s\":[", key);
	for (r = 0; r < k; r++)
		printf("%s%d", r ? "," : "", p[r] + 1);
	putchar(']');
}

static void
json_means(const double *mean, int nmet)
{
	int i;

	for (i = 0; i < nmet; i++) {
		printf("%s\"%s\":", i ? "," : "", key_names[i]);
		json_num(mean[i]);
	}
}

/* Printing state: the format and the columns. */
typedef struct {
	int fmt, per_source, nmet, idw;
	int win, permw;         /* with -w: start and end columns; the perm column's width */
} printer;

static void
put_header(const printer *p)
{
	int i;

	if (p->fmt == OUT_JSON)
		return;
	if (p->fmt == OUT_TSV) {
		fputs(p->per_source ? "id\tsrc\test" : "id", stdout);
		if (p->win)
			fputs(p->per_source ? "\tstart\tend" : "\tstart\tend\tperm", stdout);
		for (i = 0; i < p->nmet; i++)
			printf("\t%s", key_names[i]);
	} else {
		printf("%-*s", p->idw, "id");
		if (p->per_source)
			printf(" %3s %3s", "src", "est");
		if (p->win)
			printf(" %8s %8s", "start", "end");
		if (p->win && !p->per_source)
			printf(" %*s", p->permw, "perm");
		for (i = 0; i < p->nmet; i++)
			printf(" %8s", tab_names[i]);
	}
	putchar('\n');
}

/* perm_str: perm[k] from 1, comma-separated, or "-" for none (NULL, or a first -1). */
static const char *
perm_str(const int *perm, int k, char *buf, size_t size)
{
	size_t at = 0;
	int r;

	if (perm == NULL || perm[0] < 0)
		return "-";
	buf[0] = '\0';
	for (r = 0; r < k && at < size; r++)
		at += (size_t)snprintf(buf + at, size - at, "%s%d", r ? "," : "", perm[r] + 1);
	return buf;
}

/*
 * put_row: one row of values v; src, est from 1, or 0 for none; with -w, the
 * segment's start and end in seconds (seg NULL: "-", the whole file or the
 * mean) and, a row per mixture, the permutation (NULL: "-").
 */
static void
put_row(const printer *p, const char *id, int src, int est, const scores *seg, int rate,
    const int *perm, int k, const double *v)
{
	char pb[4 * MAXK];
	const char *ps = perm_str(perm, k, pb, sizeof pb);
	int i, tsv = p->fmt == OUT_TSV;

	if (tsv)
		fputs(id, stdout);
	else
		printf("%-*s", p->idw, id);
	if (p->per_source) {
		if (src && est)
			printf(tsv ? "\t%d\t%d" : " %3d %3d", src, est);
		else if (src)
			printf(tsv ? "\t%d\t-" : " %3d %3s", src, "-");
		else
			printf(tsv ? "\t-\t-" : " %3s %3s", "-", "-");
	}
	if (p->win) {
		if (seg)
			printf(tsv ? "\t%.3f\t%.3f" : " %8.2f %8.2f", (double)seg->start / rate,
			    (double)(seg->start + seg->n) / rate);
		else
			printf(tsv ? "\t-\t-" : " %8s %8s", "-", "-");
		if (!p->per_source && tsv)
			printf("\t%s", ps);
		else if (!p->per_source)
			printf(" %*s", p->permw, ps);
	}
	for (i = 0; i < p->nmet; i++)
		printf(tsv ? "\t%.4f" : " %8.2f", v[i]);
	putchar('\n');
}

/* put_rows: the rows of one set of scores (a mixture's, or one segment's). */
static void
put_rows(const printer *p, const char *id, const result *res, const scores *sc, const scores *seg)
{
	int r;

	if (!p->per_source) {
		put_row(p, id, 0, 0, seg, res->rate, sc->perm, res->k, sc->mean);
		return;
	}
	for (r = 0; r < res->k; r++) {
		double v[NMET] = { sc->sdr[r], sc->sir[r], sc->sar[r], sc->si[r], sc->sdri[r],
		    sc->sii[r] };
		put_row(p, id, r + 1, sc->perm[0] < 0 ? 0 : sc->perm[r] + 1, seg, res->rate, NULL,
		    res->k, v);
	}
}

/* json_scores: the members of one set of scores, after others. */
static void
json_scores(const printer *p, const result *res, const scores *sc)
{
	int k = res->k;

	json_arr("sdr", sc->sdr, k);
	json_arr("sir", sc->sir, k);
	json_arr("sar", sc->sar, k);
	json_perm("perm", sc->perm, k);
	json_arr("si_sdr", sc->si, k);
	json_perm("si_perm", sc->si_perm, k);
	if (res->hasmix) {
		json_arr("sdr_mix", sc->sdr_mix, k);
		json_arr("si_sdr_mix", sc->si_mix, k);
		json_arr("sdri", sc->sdri, k);
		json_arr("si_sdri", sc->sii, k);
	}
	fputs(",\"mean\":{", stdout);
	json_means(sc->mean, p->nmet);
	putchar('}');
}

static void
put_result(const printer *p, const job *j, const result *res)
{
	int i;

	if (p->fmt == OUT_JSON) {
		fputs("{\"id\":", stdout);
		dc_json_str(stdout, j->id, strlen(j->id));
		printf(",\"rate\":%d,\"samples\":%lld,\"sources\":%d", res->rate, (long long)res->n, res->k);
		json_scores(p, res, &res->all);
		if (res->win) {
			printf(",\"window\":%lld,\"segments\":[", (long long)res->win);
			for (i = 0; i < res->nseg; i++) {
				printf("%s{\"start\":%lld,\"samples\":%lld", i ? "," : "",
				    (long long)res->seg[i].start, (long long)res->seg[i].n);
				json_scores(p, res, &res->seg[i]);
				putchar('}');
			}
			putchar(']');
		}
		fputs("}\n", stdout);
		return;
	}
	put_rows(p, j->id, res, &res->all, NULL);
	for (i = 0; i < res->nseg; i++)
		put_rows(p, j->id, res, &res->seg[i], &res->seg[i]);
}

static void
put_summary(const printer *p, int nfiles, const double *mean)
{
	if (p->fmt == OUT_JSON) {
		printf("{\"summary\":true,\"files\":%d,", nfiles);
		json_means(mean, p->nmet);
		fputs("}\n", stdout);
		return;
	}
	put_row(p, "mean", 0, 0, NULL, 1, NULL, 0, mean);
}

/* ---------------------------------------------------------------- main */

/* parse_opts: the options into opt; the estimates are left in argv[optind..]. */
static void
parse_opts(int argc, char **argv)
{
	int c, seen;

	while ((c = dc_getopt(argc, argv, "r:m:l:i:e:jstw:h", usage, help)) != -1) {
		switch (c) {
		case 'e':
			opt.epat = optarg;
			break;
		case 'r':
			if (opt.nref == MAXK)
				dc_errx(2, "-r: more than %d references: at most %d sources", MAXK, MAXK);
			opt.refs[opt.nref++] = optarg;
			break;
		case 'm':
			opt.mix = optarg;
			break;
		case 'l':
			opt.list = optarg;
			break;
		case 'i':
			opt.id = optarg;
			break;
		case 'j':
		case 't':
			if (opt.fmt != OUT_TABLE && opt.fmt != (c == 'j' ? OUT_JSON : OUT_TSV))
				dc_errx(2, "-j and -t exclude each other");
			opt.fmt = c == 'j' ? OUT_JSON : OUT_TSV;
			break;
		case 's':
			opt.per_source = 1;
			break;
		case 'w':
			/* a segment's fit costs as much as a file's, whatever its
			 * length: below 0.1 s, the count of segments and no figure grows */
			if (dc_parse_num(optarg, 0.1, 1e6, &opt.win))
				dc_errx(2, "-w: the segment must be a number of seconds from 0.1 to 1e6: %s",
				    optarg);
			break;
		}
	}
	if (opt.epat && !opt.list)
		dc_errx(2, "-e: only with -l (the estimates of a list's mixtures)");
	if (opt.epat && (dc_out_pattern(opt.epat, "uk", &seen) >= 0 || seen != 3))
		dc_errx(2, "-e: the pattern takes %%u (the id) and %%k (the source number), and "
		    "%%%% for a %%: %s", opt.epat);
}

/* one_job: the mixture of the command line, its estimates est[nest], in *one. */
static void
one_job(job *one, char **est, int nest)
{
	char idbuf[256];
	int i, stdins;

	if (opt.nref == 0 && nest == 0) {
		dc_warnx("nothing to measure: give -r ref ... est ..., or -l list");
		dc_usage_exit(usage);
	}
	if (opt.nref != nest)
		dc_errx(2, "%d reference%s but %d estimate%s: give as many of each", opt.nref,
		    opt.nref == 1 ? "" : "s", nest, nest == 1 ? "" : "s");
	/* stdin can be read once */
	for (i = 0, stdins = opt.mix && strcmp(opt.mix, "-") == 0; i < opt.nref; i++)
		stdins += (strcmp(opt.refs[i], "-") == 0) + (strcmp(est[i], "-") == 0);
	if (stdins > 1)
		dc_errx(2, "stdin ('-') named %d times: it can be read once", stdins);
	if (stdins) {
		char *dash[] = { "-" };
		dc_stdin_audio_not_tty(dash, 1);
	}
	memset(one, 0, sizeof *one);
	one->where = dc_xstrdup("");
	one->k = opt.nref;
	for (i = 0; i < opt.nref; i++) {
		one->refs[i] = opt.refs[i];
		one->ests[i] = est[i];
	}
	one->mix = opt.mix ? dc_xstrdup(opt.mix) : NULL;
	/* "dir/mix01.wav" -> "mix01" */
	one->id = dc_xstrdup(opt.id ? opt.id : dc_path_stem(dc_path_name(opt.mix ? opt.mix : est[0]),
	    NULL, idbuf, sizeof idbuf));
}

/* run_jobs: evaluates jobs[njobs], a row each as it goes, then the summary. */
static void
run_jobs(int njobs)
{
	double total[NMET] = { 0 };
	printer p;
	int i, m, tty, outtty = isatty(STDOUT_FILENO);

	p.fmt = opt.fmt;
	p.per_source = opt.per_source;
	p.nmet = jobs[0].mix ? NMET : 4;
	p.idw = 4;
	p.win = opt.win > 0;
	p.permw = 4;
	for (i = 0; i < njobs; i++) {
		if ((int)strlen(jobs[i].id) > p.idw)
			p.idw = (int)strlen(jobs[i].id);
		if (2 * jobs[i].k - 1 > p.permw)
			p.permw = 2 * jobs[i].k - 1;
	}
	tty = opt.list && njobs > 1 && isatty(STDERR_FILENO);
	/* a table's ids follow list.tsv's rule (text.h), checked before any work;
	 * JSON escapes them instead */
	for (i = 0; p.fmt != OUT_JSON && i < njobs; i++) {
		const char *why = dc_field_bad(jobs[i].id, 0, 1);
		char q[1024];
		if (why)
			dc_errx(1, "%sid \"%s\": %s; -j writes any id", jobs[i].where,
			    dc_esc(jobs[i].id, 1, q, sizeof q), why);
	}
	/* every file there before any is measured: a name mistyped on a list's last
	 * line costs no run (what a file holds is found as its mixture is measured) */
	for (i = 0; i < njobs; i++)
		files_there(&jobs[i]);
	for (i = 0; i < njobs; i++) {
		result res;
		if (tty)
			dc_progress_now("%d/%d %s", i + 1, njobs, jobs[i].id);
		evaluate(&jobs[i], opt.win, &res);
		flush_notes();
		if (outtty)     /* the row goes on a clean line */
			dc_progress_end();
		if (i == 0)     /* after the first scores: a run refused writes no table */
			put_header(&p);
		put_result(&p, &jobs[i], &res);
		free(res.seg);
		if (tty)
			fflush(stdout);
		for (m = 0; m < NMET; m++)
			total[m] += res.all.mean[m];
		if (ferror(stdout))
			break;
	}
	dc_progress_end();
	for (i = 0; i < NMET; i++)
		total[i] /= njobs;
	put_summary(&p, njobs, total);
}

int
main(int argc, char **argv)
{
	job one;
	int i, r, njobs;

	dc_setprog(argv[0]);
	parse_opts(argc, argv);
	argc -= optind;
	argv += optind;
	if (opt.list) {
		if (opt.nref || opt.mix || opt.id || argc)
			dc_errx(2, "-l: the list names the files: no -r, -m, -i or estimates with it");
		read_list(opt.list, &njobs);
	} else {
		one_job(&one, argv, argc);
		jobs = &one;
		njobs = 1;
	}
	run_jobs(njobs);
	dc_finish_stdout();
	for (i = 0; i < njobs; i++) {
		free(jobs[i].id);
		free(jobs[i].mix);
		free(jobs[i].where);
		for (r = 0; opt.list && r < jobs[i].k; r++) {
			free(jobs[i].refs[r]);
			free(jobs[i].ests[r]);
		}
	}
	if (opt.list)
		free(jobs);
	return 0;
}
