/*
 * dc-eval: separation quality of estimated sources against references, as the
 * field measures it: SDR, SIR and SAR of BSS Eval v3 (mir_eval's
 * bss_eval_sources), SI-SDR, and, given the mixture, the improvements SDRi and
 * SI-SDRi over the unprocessed mixture.
 *
 * One mixture from the command line, or many from a list (-l): each line
 * "id<TAB>mix<TAB>ref1,ref2,...<TAB>est1,est2,...". Output: a row per mixture
 * (or per source with -s) and a mean row, as an aligned table, TSV (-t) or JSON
 * lines (-j). See dc-eval(1).
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "dc.h"
#include "bsseval.h"

static const char usage[] = "[-jst] [-i id] [-m mix] -r ref [-r ref ...] est ...\n"
    "       dc-eval [-jst] -l list";

#define MAXK DC_BSS_MAXSRC
#define FRAME_MS 32     /* lengths may differ by this much without a word */
#define NMET 6          /* SDR SIR SAR SI-SDR SDRi SI-SDRi */

enum { OUT_TABLE, OUT_TSV, OUT_JSON };

/* One mixture to evaluate. */
typedef struct {
	char *id;
	char *mix;              /* NULL if none */
	int k;
	char *refs[MAXK], *ests[MAXK];
	char where[300];        /* "list.tsv:3: " or "" for messages */
} job;

/* Its scores, per reference r (0..k-1). */
typedef struct {
	int k, hasmix, rate;
	int64_t n;
	double sdr[MAXK], sir[MAXK], sar[MAXK], si[MAXK];
	double sdr_mix[MAXK], si_mix[MAXK], sdri[MAXK], sii[MAXK];
	int perm[MAXK], si_perm[MAXK];
	double mean[NMET];
} result;

static int progress;    /* a progress line is on the terminal */
static job *jobs;       /* file scope, so that an exit midway leaks nothing unreachable */

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
	    "  -s       a row per source instead of per mixture\n"
	    "  -t       tab-separated values instead of the table\n"
	    "  -j       JSON lines: one object per mixture, then a summary\n"
	    "  -h       this help\n"
	    "Estimates are matched to references by the best mean SIR (SI-SDR: best mean\n"
	    "SI-SDR). See dc-eval(1).\n", usage);
}

/* clear_progress: wipes the progress line before anything else goes to the terminal. */
static void
clear_progress(void)
{
	if (progress) {
		fputs("\r\033[K", stderr);
		progress = 0;
	}
}

#define note(...) do { clear_progress(); dc_warnx(__VA_ARGS__); } while (0)
#define fail(...) do { clear_progress(); dc_errx(1, __VA_ARGS__); } while (0)

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
	for (i = 0; i < n; i++)
		p[i] = dc_path_rel(list, p[i]);
	return n;
}

/* read_list: every mixture of the list file into jobs; exits on the first bad line. */
static void
read_list(const char *path, int *njobs)
{
	static dc_list *l;     /* static: reachable at an exit on a bad line */
	char *fld[4];
	int n = 0, lineno, nf, mixline = 0, nomixline = 0, err;
	const char *name = dc_path_name(path);

	if ((l = dc_list_open(path)) == NULL)
		fail("%s: %s", name, strerror(errno));
	while ((err = dc_list_next(l, fld, 4, &nf)) == DC_OK) {
		job *j;
		int nr, ne;
		lineno = dc_list_line(l);
		jobs = dc_xrealloc(jobs, (size_t)(n + 1) * sizeof *jobs);
		j = &jobs[n];
		memset(j, 0, sizeof *j);
		snprintf(j->where, sizeof j->where, "%s:%d: ", name, lineno);
		if (nf > 4)
			fail("%smore than 4 columns, wanted 4: id, mix, refs, ests (tab-separated)", j->where);
		if (nf < 4)
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
		ne = paths(path, fld[3], j->ests, "estimates", j->where);
		if (nr != ne)
			fail("%s%d reference%s but %d estimate%s", j->where, nr, nr == 1 ? "" : "s", ne,
			    ne == 1 ? "" : "s");
		j->k = nr;
		n++;
	}
	if (err != DC_EEOF)
		fail("%s: %s", name, dc_errmsg(err));
	dc_list_close(l);
	l = NULL;
	if (n == 0)
		fail("%s: no mixtures in the list", name);
	*njobs = n;
}

/* ---------------------------------------------------------------- evaluation */

/* load: one file as mono float at its own rate; exits on failure. */
static float *
load(const job *j, const char *path, int64_t *n, int *rate)
{
	dc_audio_info info;
	float *x;
	int err;

	if ((err = dc_audio_read(path, 0, &x, n, &info)) != DC_OK)
		fail("%s%s: %s", j->where, path, dc_errmsg(err));
	if (info.downmixed)
		note("%s%s: %d channels mixed down to mono", j->where, path, info.channels_in);
	if (dc_floats_finite(x, *n) != DC_OK)
		fail("%s%s: %s", j->where, path, dc_strerror(DC_ENONFINITE));
	if (*n == 0)
		fail("%s%s: no samples", j->where, path);
	*rate = info.rate_in;
	return x;
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
 * doubles, each cut to the shortest, *n samples at *rate (refs[k][n], ests[k][n],
 * *mix NULL without one); exits on a file that cannot be read, a rate that differs,
 * or a silent or constant signal.
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
	for (i = 0; i < nf; i++) {
		x[i] = load(j, path[i], &len[i], &r[i]);
		if (r[i] != r[0])
			fail("%s%s: sample rate %d Hz, but %s has %d Hz", j->where, path[i], r[i],
			    path[0], r[0]);
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
		check_signal(j, path[i], i < k ? "reference" : i < 2 * k ? "estimate" : "mixture", d, *n);
	}
}

/* evaluate: the job's scores: BSS Eval and SI-SDR of each source under the best
 * permutation, their improvements over the mixture, and the means. */
static void
evaluate(const job *j, result *res)
{
	int k = j->k, i, r, e, err;
	int64_t n;
	double *refs, *ests, *mix, m[3][MAXK * MAXK], t[3][MAXK];
	dc_bss *b;

	memset(res, 0, sizeof *res);
	signals(j, &refs, &ests, &mix, &n, &res->rate);
	res->k = k;
	res->n = n;
	res->hasmix = mix != NULL;
	if ((err = dc_bss_new(&b, refs, k, n, DC_BSS_FLEN)) != DC_OK)
		fail("%sBSS Eval: %s", j->where, dc_strerror(err));
	for (e = 0; e < k; e++)
		if ((err = dc_bss_crit(b, ests + (size_t)e * n, m[0] + e * k, m[1] + e * k,
		    m[2] + e * k)) != DC_OK)
			fail("%sBSS Eval: %s", j->where, dc_strerror(err));
	dc_best_perm(m[1], k, res->perm);
	for (r = 0; r < k; r++) {
		res->sdr[r] = m[0][res->perm[r] * k + r];
		res->sir[r] = m[1][res->perm[r] * k + r];
		res->sar[r] = m[2][res->perm[r] * k + r];
	}
	if (mix && (err = dc_bss_crit(b, mix, t[0], t[1], t[2])) != DC_OK)
		fail("%sBSS Eval: %s", j->where, dc_strerror(err));
	if (dc_bss_lstsq(b))
		note("%sa Gram matrix of the references is singular: least squares used, as mir_eval does",
		    j->where);
	dc_bss_free(b);
	if ((err = dc_si_sdr_sources(refs, ests, k, n, res->si, res->si_perm)) != DC_OK)
		fail("%sSI-SDR: %s", j->where, dc_strerror(err));
	for (r = 0; r < k; r++) {
		res->sdr_mix[r] = res->sdri[r] = res->si_mix[r] = res->sii[r] = NAN;
		if (mix) {
			res->sdr_mix[r] = t[0][r];
			res->si_mix[r] = dc_si_sdr(refs + (size_t)r * n, mix, n);
			res->sdri[r] = res->sdr[r] - res->sdr_mix[r];
			res->sii[r] = res->si[r] - res->si_mix[r];
		}
	}
	for (r = 0; r < k; r++) {
		res->mean[0] += res->sdr[r];
		res->mean[1] += res->sir[r];
		res->mean[2] += res->sar[r];
		res->mean[3] += res->si[r];
		res->mean[4] += res->sdri[r];
		res->mean[5] += res->sii[r];
	}
	for (i = 0; i < NMET; i++)
		res->mean[i] /= k;
	free(refs);
	free(ests);
	free(mix);
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

static void
json_perm(const char *key, const int *p, int k)
{
	int r;

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
} printer;

static void
put_header(const printer *p)
{
	int i;

	if (p->fmt == OUT_JSON)
		return;
	if (p->fmt == OUT_TSV) {
		fputs(p->per_source ? "id\tsrc\test" : "id", stdout);
		for (i = 0; i < p->nmet; i++)
			printf("\t%s", key_names[i]);
	} else {
		printf("%-*s", p->idw, "id");
		if (p->per_source)
			printf(" %3s %3s", "src", "est");
		for (i = 0; i < p->nmet; i++)
			printf(" %8s", tab_names[i]);
	}
	putchar('\n');
}

/* put_row: one row of values; src, est from 1, or 0 for none. */
static void
put_row(const printer *p, const char *id, int src, int est, const double *v)
{
	int i;

	if (p->fmt == OUT_TSV) {
		fputs(id, stdout);
		if (p->per_source) {
			if (src)
				printf("\t%d\t%d", src, est);
			else
				fputs("\t-\t-", stdout);
		}
		for (i = 0; i < p->nmet; i++)
			printf("\t%.4f", v[i]);
	} else {
		printf("%-*s", p->idw, id);
		if (p->per_source) {
			if (src)
				printf(" %3d %3d", src, est);
			else
				printf(" %3s %3s", "-", "-");
		}
		for (i = 0; i < p->nmet; i++)
			printf(" %8.2f", v[i]);
	}
	putchar('\n');
}

static void
put_result(const printer *p, const job *j, const result *res)
{
	int r;

	if (p->fmt == OUT_JSON) {
		fputs("{\"id\":", stdout);
		dc_json_str(stdout, j->id, strlen(j->id));
		printf(",\"rate\":%d,\"samples\":%lld,\"sources\":%d", res->rate, (long long)res->n, res->k);
		json_arr("sdr", res->sdr, res->k);
		json_arr("sir", res->sir, res->k);
		json_arr("sar", res->sar, res->k);
		json_perm("perm", res->perm, res->k);
		json_arr("si_sdr", res->si, res->k);
		json_perm("si_perm", res->si_perm, res->k);
		if (res->hasmix) {
			json_arr("sdr_mix", res->sdr_mix, res->k);
			json_arr("si_sdr_mix", res->si_mix, res->k);
			json_arr("sdri", res->sdri, res->k);
			json_arr("si_sdri", res->sii, res->k);
		}
		fputs(",\"mean\":{", stdout);
		json_means(res->mean, p->nmet);
		fputs("}}\n", stdout);
		return;
	}
	if (!p->per_source) {
		put_row(p, j->id, 0, 0, res->mean);
		return;
	}
	for (r = 0; r < res->k; r++) {
		double v[NMET] = { res->sdr[r], res->sir[r], res->sar[r], res->si[r], res->sdri[r],
		    res->sii[r] };
		put_row(p, j->id, r + 1, res->perm[r] + 1, v);
	}
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
	put_row(p, "mean", 0, 0, mean);
}

/* ---------------------------------------------------------------- main */

/* The options. */
static struct {
	const char *list, *id, *mix;    /* -l, -i, -m */
	char *refs[MAXK + 1];           /* -r */
	int nref, fmt, per_source;      /* -j or -t, -s */
} opt = { .fmt = OUT_TABLE };

/* parse_opts: the options into opt; the estimates are left in argv[optind..]. */
static void
parse_opts(int argc, char **argv)
{
	int c;

	while ((c = dc_getopt(argc, argv, "r:m:l:i:jsth", usage, help)) != -1) {
		switch (c) {
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
		}
	}
}

/* one_job: the mixture of the command line, its estimates est[nest], in *one. */
static void
one_job(job *one, char **est, int nest)
{
	char idbuf[256];
	int i;

	if (opt.nref == 0 && nest == 0)
		dc_usage_exit(usage);
	if (opt.nref != nest)
		dc_errx(2, "%d reference%s but %d estimate%s: give as many of each", opt.nref,
		    opt.nref == 1 ? "" : "s", nest, nest == 1 ? "" : "s");
	memset(one, 0, sizeof *one);
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
	int i, m, tty;

	p.fmt = opt.fmt;
	p.per_source = opt.per_source;
	p.nmet = jobs[0].mix ? NMET : 4;
	p.idw = 4;
	for (i = 0; i < njobs; i++)
		if ((int)strlen(jobs[i].id) > p.idw)
			p.idw = (int)strlen(jobs[i].id);
	tty = opt.list && njobs > 1 && isatty(STDERR_FILENO);
	/* a table's ids follow list.tsv's rule (text.h), checked before any work;
	 * JSON escapes them instead */
	for (i = 0; p.fmt != OUT_JSON && i < njobs; i++) {
		const char *why = dc_field_bad(jobs[i].id, 0, 1);
		char q[1024];
		if (why)
			dc_errx(1, "id \"%s\": %s; -j writes any id", dc_esc(jobs[i].id, 1, q, sizeof q), why);
	}
	put_header(&p);
	for (i = 0; i < njobs; i++) {
		result res;
		if (tty) {
			char q[1024];
			fprintf(stderr, "\r%s: %d/%d %s\033[K", dc_prog(), i + 1, njobs,
			    dc_esc(jobs[i].id, 0, q, sizeof q));
			progress = 1;
		}
		evaluate(&jobs[i], &res);
		clear_progress();
		put_result(&p, &jobs[i], &res);
		if (tty)
			fflush(stdout);
		for (m = 0; m < NMET; m++)
			total[m] += res.mean[m];
		if (ferror(stdout))
			break;
	}
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
		for (r = 0; opt.list && r < jobs[i].k; r++) {
			free(jobs[i].refs[r]);
			free(jobs[i].ests[r]);
		}
	}
	if (opt.list)
		free(jobs);
	return 0;
}
