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
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "dc.h"
#include "mix.h"
#include "rng.h"

#define MAXK DC_MIX_MAXK

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
	    "  -O template  where the sources go, %%k the source number, as src%%k.wav\n"
	    "               (none: only the mixture is written)\n"
	    "  -n count     make a data set of count mixtures from corpusdir\n"
	    "  -k speakers  speakers per mixture with -n, 1 to %d (2)\n"
	    "  -m minsec    with -n, skip utterances shorter than minsec seconds (1.0)\n"
	    "  -S file      with -n, the speakers to draw from, one per line (all)\n"
	    "  -h           this help (--help too; --version: the version)\n", usage, MAXK);
}

/* ---------------------------------------------------------------- options */

static struct {
	uint64_t seed;
	dc_mix_opts mo;         /* -g, -G, -l, -p, -r: set to dc_mix_defaults in main */
	const char *out;        /* -o */
	const char *tmpl;       /* -O */
	int64_t count;          /* -n; 0 in single mode */
	int k;                  /* -k */
	double minsec;          /* -m */
	const char *spkfile;    /* -S */
} opt = { 0, { 0 }, NULL, NULL, 0, 2, 1.0, NULL };

/* read_input: the file for mixing (mix.h) and, in *info, whether it was mixed
 * down or resampled; exits 1 with "dc-mix: path: why". */
static void
read_input(const char *path, double speed, dc_mix_input *in, dc_audio_info *info)
{
	char msg[DC_MIX_MSG];

	if (dc_mix_read(path, &opt.mo, speed, in, info, msg) != DC_OK)
		dc_errx(1, "%s", msg);
}

/* ---------------------------------------------------------------- output */

/* The run's output files: written under temporary names (outpath.h) and renamed
 * into place together when the whole set is complete (a mixture and its sources
 * in single mode; every mixture and list.tsv with -n), so that an error or a
 * signal on the way leaves what was there before, and no temporary file. */
static dc_outset outs;

/* add_out: path joins the set; exits 1 if it is an input or another output of
 * the set. Returns the temporary name to write to. */
static const char *
add_out(const char *path)
{
	const char *why, *tmp = dc_outset_add(&outs, path, &why);

	if (tmp == NULL)
		dc_errx(1, "%s: %s", path, why ? why : strerror(errno));
	return tmp;
}

static void
put_audio(const char *tmp, const char *path, const float *x, int64_t n)
{
	int err = dc_audio_write(tmp, x, n, 1, opt.mo.rate, DC_FLOAT);

	if (err != DC_OK)
		dc_errx(1, "%s: %s", path, dc_errmsg(err));
}

/* commit: the set renamed into place */
static void
commit(void)
{
	const char *failed;

	if (dc_outset_commit(&outs, &failed) != DC_OK)
		dc_errx(1, "%s: %s", failed, strerror(errno));
	dc_outset_free(&outs);
}

/* field: exits 1 unless name can be a field of list.tsv (text.h, dc_field_bad) */
static void
field(const char *name, int comma, int first)
{
	const char *why = dc_field_bad(name, comma, first);
	char q[1024];

	if (why)
		dc_errx(1, "name \"%s\": %s", dc_esc(name, 1, q, sizeof q), why);
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
	dc_mixrow r = { id, mix, src, orig, gain, opt.mo.perturb ? speed : NULL, k, len };

	dc_list_mixrow(f, &r);
}

/* ---------------------------------------------------------------- single mode */

static int
single(int nin, char **files)
{
	dc_mix_input in[MAXK];
	dc_audio_info info[MAXK];
	dc_mixture mx;
	double gain[MAXK], speed[MAXK];
	char *src[MAXK], id[256];
	dc_xoshiro r;
	int j, e;

	const char *tmix, *tsrc[MAXK];

	for (j = 0; opt.tmpl && j < nin; j++)
		src[j] = expand(opt.tmpl, j + 1);
	/* the id: the mixture's file name without directory and extension */
	dc_path_stem(opt.out, NULL, id, sizeof id);
	/* every name checked, and no output the same file as an input or as another
	 * output, before anything is read */
	field(id, 0, 1);
	field(opt.out, 0, 0);
	for (j = 0; j < nin; j++) {
		field(files[j], 1, 0);
		if (opt.tmpl)
			field(src[j], 1, 0);
		dc_out_input(files[j]);
	}
	/* one recording twice is no mixture of two sources */
	if ((j = dc_same_files(files, nin, &e)) >= 0)
		dc_errx(1, "%s: the same file as source %d: each source once", files[j], e + 1);
	dc_stdin_audio_not_tty(files, nin);
	tmix = add_out(opt.out);
	for (j = 0; opt.tmpl && j < nin; j++)
		tsrc[j] = add_out(src[j]);
	dc_xoshiro_seed(&r, opt.seed);
	dc_mix_gains(&r, &opt.mo, nin, gain);
	dc_mix_speeds(&r, &opt.mo, nin, speed);
	for (j = 0; j < nin; j++)
		read_input(files[j], speed[j], &in[j], &info[j]);
	/* once all are read: an input refused gets one line, not the notes before it */
	for (j = 0; j < nin; j++)
		dc_audio_notes(dc_path_name(files[j]), &info[j], opt.mo.rate, 0);
	dc_mix_make(in, nin, gain, opt.mo.level, &mx);

	put_audio(tmix, opt.out, mx.mix, mx.n);
	for (j = 0; opt.tmpl && j < nin; j++)
		put_audio(tsrc[j], src[j], mx.s[j], mx.n);

	if (!opt.tmpl)
		for (j = 0; j < nin; j++)
			src[j] = "-";
	print_row(stdout, id, opt.out, src, files, gain, speed, nin, mx.n);
	/* a summary that cannot be written fails the run: no file is replaced */
	if (dc_fclose_checked(stdout) != DC_OK)
		dc_errx(1, "stdout: %s", strerror(errno));
	commit();
	for (j = 0; j < nin; j++) {
		free(in[j].x);
		if (opt.tmpl)
			free(src[j]);
	}
	dc_mixture_free(&mx);
	return 0;
}

/* ---------------------------------------------------------------- list mode */

static void
make_dir(const char *path)
{
	struct stat st;

	if (mkdir(path, 0777) != 0 && !(errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
		dc_errx(1, "%s: %s", path, errno == EEXIST ? strerror(ENOTDIR) : strerror(errno));
}

/* open_corpus: the corpus of list mode (mix.h), the speakers with an utterance of
 * at least -m seconds (a warning names those without); exits 1 on an error or if
 * fewer than -k. */
static void
open_corpus(const char *dir, dc_corpus *c)
{
	static const char *skipped;     /* static: reachable at the exit */
	char msg[DC_MIX_MSG];

	if (dc_corpus_open(c, dir, opt.spkfile, opt.minsec, msg) != DC_OK)
		dc_errx(1, "%s", msg);
	if (c->n < opt.k) {
		skipped = c->nskipped ? dc_xasprintf(" (%d skipped:%s)", c->nskipped, c->skipped) : "";
		dc_errx(1, "-k %d: only %d speaker%s with an utterance of at least %g s%s", opt.k, c->n,
		    c->n == 1 ? "" : "s", opt.minsec, skipped);
	}
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
	d = dc_path_join(outdir, "mix");
	make_dir(d);
	free(d);
	for (i = 1; i <= opt.k; i++) {
		snprintf(sub, sizeof sub, "s%d", i);
		d = dc_path_join(outdir, sub);
		make_dir(d);
		free(d);
	}
	return outdir;
}

/*
 * mix_one: mixture m (its id m in width digits) of K speakers drawn from c with
 * r (dc_mix_pick: the speakers by a partial shuffle of perm, kept from one
 * mixture to the next, their utterances, the gains, with -p the speeds),
 * written under outdir, its row to lf.
 */
static void
mix_one(const dc_corpus *c, dc_xoshiro *r, int *perm, int64_t m, int width, const char *outdir,
    FILE *lf)
{
	dc_mix_draw d;
	dc_mixture mx;
	char *rel_src[MAXK], *orig[MAXK], id[32], rel_mix[48], rel[48], *path, msg[DC_MIX_MSG];
	int j;

	dc_mix_pick(r, c, &opt.mo, opt.k, perm, &d);
	if (dc_mix_corpus(c, &d, &opt.mo, &mx, msg) != DC_OK)
		dc_errx(1, "%s", msg);
	for (j = 0; j < opt.k; j++) {
		const char *f = c->sp[d.who[j]].files[d.utt[j]];
		orig[j] = dc_xmalloc(strlen(c->prefix) + strlen(f) + 1);
		sprintf(orig[j], "%s%s", c->prefix, f);
		field(orig[j], 1, 0);
	}

	snprintf(id, sizeof id, "%0*lld", width > 12 ? 12 : width, (long long)m);
	snprintf(rel_mix, sizeof rel_mix, "mix/%s.wav", id);
	path = dc_path_join(outdir, rel_mix);
	put_audio(add_out(path), path, mx.mix, mx.n);
	free(path);
	for (j = 0; j < opt.k; j++) {
		snprintf(rel, sizeof rel, "s%d/%s.wav", j + 1, id);
		rel_src[j] = dc_xstrdup(rel);
		path = dc_path_join(outdir, rel);
		put_audio(add_out(path), path, mx.s[j], mx.n);
		free(path);
	}
	print_row(lf, id, rel_mix, rel_src, orig, d.gain, d.speed, opt.k, mx.n);
	for (j = 0; j < opt.k; j++) {
		free(rel_src[j]);
		free(orig[j]);
	}
	dc_mixture_free(&mx);
}

/* write_list: buf[len] to path, as the last file of the set; the set renamed
 * into place */
static void
write_list(const char *path, const char *buf, size_t len)
{
	const char *tmp = add_out(path);
	FILE *f;

	if ((f = fopen(tmp, "wb")) == NULL)
		dc_errx(1, "%s: %s", path, strerror(errno));
	fwrite(buf, 1, len, f);
	if (dc_fclose_checked(f) != DC_OK)
		dc_errx(1, "%s: %s", path, strerror(errno));
	commit();
}

/*
 * The previous set in the output directory: the files its list.tsv names in the
 * mix and sources columns, those of the names dc-mix writes only
 * (mix/NNNNNN.wav, sK/NNNNNN.wav: a list may come from anyone, and nothing else
 * is ever removed). The old list is opened before the new set is made and read
 * only once the new set is in place (its descriptor still reads the old file
 * after the rename), a line at a time: the files the new set did not write are
 * removed, in mix/ and sK/ as they are in the set's directory (a symbolic link
 * there is not followed), and sK/ directories the new set has no use for go if
 * they are empty; so the directory holds one set, as its list says.
 */

/* own_name: whether rel is a name dc-mix writes in a set: mix/ or sK/ (K 1 to
 * MAXK), then 6 to 12 digits and ".wav"; *k is K, 0 for mix/ */
static int
own_name(const char *rel, int *k)
{
	const char *p = rel;
	int d = 0;

	*k = 0;
	if (strncmp(p, "mix/", 4) == 0)
		p += 4;
	else if (*p == 's' && p[1] >= '1' && p[1] <= '9') {
		for (p++; *p >= '0' && *p <= '9' && *k <= MAXK; p++)
			*k = 10 * *k + (*p - '0');
		if (*k < 1 || *k > MAXK || *p++ != '/')
			return 0;
	} else
		return 0;
	for (; *p >= '0' && *p <= '9'; p++)
		d++;
	return d >= 6 && d <= 12 && strcmp(p, ".wav") == 0;
}

/* old_open: the previous set's list.tsv, a regular file opened without following
 * a link or waiting on a FIFO, or NULL */
static FILE *
old_open(const char *outdir)
{
	char *path = dc_path_join(outdir, "list.tsv");
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	FILE *f;

	free(path);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return NULL;
	}
	return f;
}

/* old_one: removes the old set's file rel (own_name's, in mix/ for k 0, else
 * sK/) unless the new set of count mixtures of opt.k sources, ids of width
 * digits, wrote it; 1 if removed */
static int
old_one(const char *outdir, const char *rel, int k, int64_t count, int width)
{
	char want[32], sub[16], *dir;
	const char *name = strchr(rel, '/') + 1;
	long long m = atoll(name);
	int fd, gone;

	if (m >= 1 && m <= count && k <= opt.k) {
		snprintf(want, sizeof want, "%0*lld.wav", width > 12 ? 12 : width, m);
		if (strcmp(name, want) == 0)
			return 0;
	}
	snprintf(sub, sizeof sub, "%.*s", (int)(name - 1 - rel), rel);
	dir = dc_path_join(outdir, sub);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return 0;
	gone = unlinkat(fd, name, 0) == 0;
	close(fd);
	return gone;
}

#define OLD_LINE ((2 * MAXK + 1) * (PATH_MAX + 1) + 4096)

/* old_remove: the pass over the old list f (closed) once the new set is in place */
static void
old_remove(FILE *f, const char *outdir, int64_t count, int width)
{
	char *line, rel[64], sub[16], *c, *e, *path;
	int whole = 1, start, removed = 0, k, col;
	struct stat st;

	if (f == NULL)
		return;
	/* a row of dc-mix's holds at most 2 MAXK + 1 paths of PATH_MAX and a little
	 * more, within LINE; a longer line (not dc-mix's) is skipped whole, its pieces
	 * never read as rows */
	line = dc_xmalloc(OLD_LINE);
	while (fgets(line, OLD_LINE, f) != NULL) {
		start = whole;
		whole = strchr(line, '\n') != NULL;
		if (!start || !whole)
			continue;
		/* id TAB mix TAB sources TAB ...: the mix, then each source */
		if ((c = strchr(line, '\t')) == NULL)
			continue;
		for (c++, col = 0; col < 2; c = e + 1) {
			e = c + strcspn(c, col == 0 ? "\t\n" : ",\t\n");
			if ((size_t)(e - c) < sizeof rel) {
				memcpy(rel, c, (size_t)(e - c));
				rel[e - c] = '\0';
				if (own_name(rel, &k))
					removed += old_one(outdir, rel, k, count, width);
			}
			if (*e == '\t')
				col++;
			else if (*e != ',')
				break;
		}
	}
	fclose(f);
	free(line);
	for (k = opt.k + 1; k <= MAXK; k++) {
		snprintf(sub, sizeof sub, "s%d", k);
		path = dc_path_join(outdir, sub);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			rmdir(path);    /* only if empty: a file of the user's keeps it */
		free(path);
	}
	if (removed)
		dc_warnx("%s: %d file%s of the previous set removed (its list.tsv named them; "
		    "this set does not)", outdir, removed, removed == 1 ? "" : "s");
}

/* tree_checks: the set's directories, as they are (mix/ or sK/ may be links the
 * user made), are not in the corpus dir: a link there would have the set
 * written over the utterances it reads; and list.tsv, if there, is a regular
 * file (a FIFO would hold the run at its end, a device take the list) */
static void
tree_checks(const char *outdir, const char *dir)
{
	char sub[16], *d;
	struct stat st;
	int k;

	for (k = 0; k <= opt.k; k++) {
		if (k == 0)
			snprintf(sub, sizeof sub, "mix");
		else
			snprintf(sub, sizeof sub, "s%d", k);
		d = dc_path_join(outdir, sub);
		if (dc_path_within(d, dir))
			dc_errx(1, "%s: leads into the corpus %s (a link?): the set would be written "
			    "over what it reads", d, dir);
		free(d);
	}
	d = dc_path_join(outdir, "list.tsv");
	if (lstat(d, &st) == 0 && !S_ISREG(st.st_mode) && !(S_ISLNK(st.st_mode) &&
	    stat(d, &st) == 0 && S_ISREG(st.st_mode)))
		dc_errx(1, "%s: not a regular file (a set's list is one)", d);
	free(d);
}

/* list_mode: -n mixtures drawn from the corpus in dir, under -o with list.tsv. */
static int
list_mode(const char *dir)
{
	char *outdir, *listpath, *listbuf = NULL;
	size_t listlen = 0;
	FILE *oldlist;
	dc_corpus c;
	int i, width, *perm;
	FILE *lf;
	dc_xoshiro r;
	int64_t m;

	open_corpus(dir, &c);
	/* a set made inside the corpus (train/ or not) would be read as speakers
	 * the next time, or change a directory others read */
	if (dc_path_within(opt.out, dir))
		dc_errx(1, "%s: the output directory is in the corpus %s: a set is made "
		    "outside what it is drawn from", opt.out, dir);
	outdir = make_tree();
	tree_checks(outdir, dir);
	/* said once the run goes ahead: a run refused gets its one line */
	if (c.nskipped)
		dc_warnx("%d speaker%s without an utterance of at least %g s skipped:%s", c.nskipped,
		    c.nskipped == 1 ? "" : "s", opt.minsec, c.skipped);
	oldlist = old_open(outdir);
	/* the list is kept in memory and written when the set is complete; the
	 * whole set (list.tsv too) is renamed into place only then, so a failure on
	 * the way leaves the previous set and its list as they were */
	listpath = dc_path_join(outdir, "list.tsv");
	if ((lf = open_memstream(&listbuf, &listlen)) == NULL)
		dc_errx(1, "%s: %s", listpath, strerror(errno));
	dc_list_mixhead(lf, opt.mo.perturb);

	for (width = 6, m = 1000000; m <= opt.count; m *= 10)
		width++;
	perm = dc_xmalloc((size_t)c.n * sizeof *perm);
	for (i = 0; i < c.n; i++)
		perm[i] = i;
	dc_xoshiro_seed(&r, opt.seed);
	for (m = 1; m <= opt.count; m++) {
		mix_one(&c, &r, perm, m, width, outdir, lf);
		dc_progress("%lld/%lld mixtures", (long long)m, (long long)opt.count);
	}
	dc_progress_end();
	if (fclose(lf) != 0)
		dc_errx(1, "%s: %s", listpath, strerror(errno));
	write_list(listpath, listbuf, listlen);
	old_remove(oldlist, outdir, opt.count, width);
	free(listbuf);
	dc_corpus_free(&c);
	free(perm);
	free(outdir);
	free(listpath);
	return 0;
}

/* ---------------------------------------------------------------- main */

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
			if (dc_parse_num(optarg, -60, 60, &opt.mo.snr))
				dc_errx(2, "-g: SNR must be a number of dB from -60 to 60: %s", optarg);
			opt.mo.fixed = 1;
			break;
		case 'G':
			if (dc_parse_range(optarg, -60, 60, &opt.mo.lo, &opt.mo.hi))
				dc_errx(2, "-G: range must be lo,hi in dB, -60 <= lo <= hi <= 60: %s", optarg);
			*have_G = 1;
			break;
		case 'l':
			if (dc_parse_num(optarg, -100, 0, &opt.mo.level))
				dc_errx(2, "-l: level must be a number of dB from -100 to 0: %s", optarg);
			break;
		case 'p':
			if (dc_parse_range(optarg, 0.5, 2, &opt.mo.plo, &opt.mo.phi))
				dc_errx(2, "-p: range must be lo,hi, 0.5 <= lo <= hi <= 2: %s", optarg);
			opt.mo.perturb = 1;
			break;
		case 'r':
			if (dc_parse_int(optarg, 1, 1000000, &v))
				dc_errx(2, "-r: sample rate must be an integer from 1 to 1000000: %s", optarg);
			opt.mo.rate = (int)v;
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
	const char *ext;
	char q[256];

	dc_setprog(argv[0]);
	dc_mix_defaults(&opt.mo);
	parse_opts(argc, argv, &have_G, &have_k, &have_m);
	if (opt.mo.fixed && have_G)
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
	/* a usage error, as dc-istft -o says it, before any input is read */
	if ((ext = dc_audio_unwritable(opt.out)) != NULL)
		dc_errx(2, "-o: %s: no tool writes %s audio (the extension picks the format: "
		    DC_AUDIO_WRITES ")", dc_esc(opt.out, 0, q, sizeof q), ext);
	if (opt.tmpl && (ext = dc_audio_unwritable(opt.tmpl)) != NULL)
		dc_errx(2, "-O: %s: no tool writes %s audio (the extension picks the format: "
		    DC_AUDIO_WRITES ")", dc_esc(opt.tmpl, 0, q, sizeof q), ext);
	if (opt.tmpl) {
		char *t = expand(opt.tmpl, 1);
		if (t == NULL)
			dc_errx(2, "-O: template needs %%k (the source number) and no other %% but %%%%: %s",
			    opt.tmpl);
		free(t);
	}
	return single(nin, argv + optind);
}
