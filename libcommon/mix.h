/*
 * mix.h: wsj0-2mix-style mixtures (mix.c): the corpus of speaker directories,
 * the draws of one mixture, and the mixing itself, in memory. dc-mix writes what
 * it makes to files; dc-train -X trains on mixtures made on the fly.
 *
 * Shapes: K sources of N samples, mono float at the mixing rate.
 *
 * A mixture: each input is read at the mixing rate (with a speed factor f, read as
 * if recorded at rate*f and brought back to rate: speed and pitch times f),
 * normalised to the same active speech level (ITU-T P.56, p56.h, measured on the
 * whole input), given a relative gain in dB, cut to the shortest input and
 * summed; if any sample of the mixture or of a source would pass DC_MIX_PEAK in
 * magnitude, everything is scaled down to a peak of DC_MIX_PEAK. The mixture is
 * the float sum of the scaled sources, exactly.
 *
 * Relative gains: for K = 2 an SNR drawn uniformly from [lo, hi] dB puts source 1
 * at +snr/2 and source 2 at -snr/2 (the wsj0-2mix convention); for K >= 3 each
 * source draws its own gain uniformly from [-(hi-lo)/2, +(hi-lo)/2]; with a fixed
 * SNR the gains spread evenly from +snr/2 down to -snr/2. Gains and speed factors
 * are rounded to 1e-4 before use, so that printed values are the ones applied.
 *
 * The corpus: corpusdir/<speaker>/<file> (or corpusdir/train/<speaker>/<file> if
 * there is a train/), audio files by extension, those lasting at least minsec
 * seconds (from their headers); the speakers every subdirectory (sorted by name)
 * or those named in a list file (in its order). A draw of one mixture from a
 * generator takes, in this order: K distinct speakers (a partial Fisher-Yates
 * shuffle of a permutation the caller keeps), one utterance of each, the gains,
 * then with perturbation the speed factors.
 *
 * Errors: functions return DC_OK or an error code and leave a message of the form
 * "path: why" in a buffer of the caller (DC_MIX_MSG bytes); they never print.
 */
#ifndef DC_MIX_H
#define DC_MIX_H

#include <stdint.h>

#include "audio.h"
#include "rng.h"

#define DC_MIX_MAXK 8           /* most sources in one mixture */
#define DC_MIX_PEAK 0.9         /* the largest magnitude a sample may have */
#define DC_MIX_MINLEVEL -70     /* dB: an input with a lower active level is taken as silent */
#define DC_MIX_MSG 4096         /* the size of a message buffer: as long as the
                                 * tools print (tool.c), so that a long path does
                                 * not cut off the reason */

/* The settings of the draws and of the mixing (dc-mix's options). */
typedef struct {
	int rate;               /* the mixing rate, Hz (8000) */
	double level;           /* active level of every source before its gain, dBov (-25) */
	int fixed;              /* 1: the fixed SNR snr, 0: drawn from [lo, hi] */
	double snr, lo, hi;     /* dB (0; 0, 5) */
	int perturb;            /* 1: speed factors drawn from [plo, phi] (0) */
	double plo, phi;        /* (1, 1) */
} dc_mix_opts;

/* dc_mix_defaults: dc-mix's defaults, given above in parentheses. */
void dc_mix_defaults(dc_mix_opts *o);

/* ---------------------------------------------------------------- the corpus */

typedef struct {
	char *name;
	char **files;           /* relative to the root: "spk/file.flac", sorted by name */
	int n;
} dc_mix_speaker;

typedef struct {
	char *root;             /* corpusdir, or corpusdir/train if it has one */
	const char *prefix;     /* "train/" or "": where root lies in corpusdir */
	dc_mix_speaker *sp;     /* the speakers with an utterance of at least minsec */
	int n;
	int nskipped;           /* speakers without one */
	char skipped[256];      /* the first four of their names, " a b c d ..." */
} dc_corpus;

/*
 * dc_corpus_open: the corpus in dir, its speakers those of spkfile (one a line;
 * blank lines and lines starting with # skipped; surrounding blanks trimmed) or,
 * if spkfile is NULL, every subdirectory; each with its files of at least minsec
 * seconds. Speakers without one are left out and counted in nskipped. DC_EIO
 * (errno's reason), DC_EAUDIO (a file libsndfile cannot open) or DC_EPARAM (a bad
 * line of spkfile), with msg set; *c is then empty. Release with dc_corpus_free.
 */
int dc_corpus_open(dc_corpus *c, const char *dir, const char *spkfile, double minsec, char *msg);
void dc_corpus_free(dc_corpus *c);

/* dc_corpus_hash: FNV-1a of the speakers' names and files, to tell whether two
 * runs drew from the same corpus; never 0. */
uint64_t dc_corpus_hash(const dc_corpus *c);

/* ---------------------------------------------------------------- draws */

/* One mixture's draws: the speakers (indices into the corpus), their utterances,
 * gains in dB and speed factors (1 without perturbation). */
typedef struct {
	int k;
	int who[DC_MIX_MAXK], utt[DC_MIX_MAXK];
	double gain[DC_MIX_MAXK], speed[DC_MIX_MAXK];
} dc_mix_draw;

/* dc_mix_gains: the relative gains of k sources in dB from r (none drawn for k = 1,
 * whose gain is 0, nor with a fixed SNR). */
void dc_mix_gains(dc_xoshiro *r, const dc_mix_opts *o, int k, double *g);
/* dc_mix_speeds: the speed factors of k sources, drawn only with perturbation. */
void dc_mix_speeds(dc_xoshiro *r, const dc_mix_opts *o, int k, double *f);
/* dc_mix_pick: the draws of a mixture of k speakers (k <= c->n) from c; perm holds
 * a permutation of 0 .. c->n-1, reshuffled in part (identity for a fresh one). */
void dc_mix_pick(dc_xoshiro *r, const dc_corpus *c, const dc_mix_opts *o, int k, int *perm,
    dc_mix_draw *d);

/* ---------------------------------------------------------------- mixing */

/* One input read for mixing: n samples at the mixing rate and their active level. */
typedef struct {
	float *x;
	int64_t n;
	double level;           /* P.56 active level of all n samples, dB */
} dc_mix_input;

/* A mixture: k sources of n samples as scaled, their sum, and each one's factor. */
typedef struct {
	int k;
	int64_t n;
	float *s[DC_MIX_MAXK];
	float *mix;
	double fac[DC_MIX_MAXK];
} dc_mixture;

/*
 * dc_mix_read: the audio file at path at o->rate, sped up by speed (1: as it is),
 * checked (samples, finite, active speech at or above DC_MIX_MINLEVEL), its mean
 * (a DC offset) taken out, with its level. *info says what reading did, also when
 * a later check fails. On an error msg is "path: why" and in->x is NULL.
 */
int dc_mix_read(const char *path, const dc_mix_opts *o, double speed, dc_mix_input *in,
    dc_audio_info *info, char *msg);
/* dc_mix_make: the mixture of k inputs at the gains (dB) into *m (its buffers
 * allocated here); the inputs are left as they are. */
void dc_mix_make(const dc_mix_input *in, int k, const double *gain, double level, dc_mixture *m);
/* dc_mix_corpus: the mixture of draw d from c (the files read, mixed and freed);
 * on an error msg names the file by its path under c->root. */
int dc_mix_corpus(const dc_corpus *c, const dc_mix_draw *d, const dc_mix_opts *o, dc_mixture *m,
    char *msg);
void dc_mixture_free(dc_mixture *m);

#endif
