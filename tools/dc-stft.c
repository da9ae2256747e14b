/*
 * dc-stft: audio files in, a dcsep stream of STFTs out (formats/stream.md).
 *
 * Each input file becomes one utterance: a "utt" record and a "stft" record
 * (complex64, T x F). Input in any format libsndfile reads is mixed down to mono
 * and resampled to the analysis rate, and the tool says so on stderr.
 */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "dc.h"

static const char usage[] = "[-r rate] [-n nfft] [-s hop] [-w window] [-i id] [file ...]";

static void
help(void)
{
	printf("usage: dc-stft %s\n"
	    "Short-time Fourier transform of audio files into a dcsep stream on stdout.\n"
	    "  -r rate    analysis sample rate in Hz; input is resampled to it (8000)\n"
	    "  -n nfft    window and FFT length in samples, even (256)\n"
	    "  -s hop     hop in samples, at most nfft/2 (64)\n"
	    "  -w window  sqrt-hann or hann (sqrt-hann)\n"
	    "  -i id      utterance id (default: the file name without directory and extension)\n"
	    "  -h         this help\n"
	    "With no file, or '-', reads stdin. See dc-stft(1).\n", usage);
}

/* put_file: the utterance of the audio file at path ("-": stdin), an utt and an
 * stft record with parameters p (its samples set here), to w; id names it, or
 * (NULL) the file's name without directory and extension. */
static void
put_file(dc_writer *w, const char *path, dc_stft_params *p, const char *id)
{
	const char *name = dc_path_name(path);
	dc_tensor X;
	dc_recb b;
	float *x;
	int64_t n;
	char uid[256];
	int err;

	x = dc_get_audio(path, name, p->rate, &n);
	if (n == 0)
		dc_errx(1, "%s: no samples", name);
	p->samples = n;
	if ((err = dc_stft(x, p, &X)) != DC_OK)
		dc_errx(1, "%s: %s", name, dc_strerror(err));
	/* "dir/mix01.wav" -> "mix01"; "-" -> "stdin"; -i's id as given, never cut */
	dc_path_stem(name, NULL, uid, sizeof uid);
	dc_recb_init(&b, "utt");
	dc_recb_str(&b, "id", id ? id : uid);
	dc_recb_str(&b, "source", path);
	dc_recb_int(&b, "rate", p->rate);
	dc_recb_int(&b, "samples", n);
	dc_write_recb(w, &b);
	dc_recb_init(&b, "stft");
	dc_recb_stft_params(&b, p);
	dc_recb_tensor(&b, &X);
	dc_write_recb(w, &b);
	dc_tensor_free(&X);
	free(x);
}

int
main(int argc, char **argv)
{
	dc_stft_params p;
	dc_writer *w;
	const char *id = NULL;
	int64_t v;
	int c, i, nfiles;
	static char *stdin_only[] = { "-" };
	char **files;

	dc_setprog(argv[0]);
	dc_stft_defaults(&p);
	while ((c = dc_getopt(argc, argv, "r:n:s:w:i:h", usage, help)) != -1) {
		switch (c) {
		case 'r':
			if (dc_parse_int(optarg, 1, 1000000, &v))
				dc_errx(2, "-r: sample rate must be an integer from 1 to 1000000: %s", optarg);
			p.rate = v;
			break;
		case 'n':
			if (dc_parse_int(optarg, 4, 65536, &v) || v % 2)
				dc_errx(2, "-n: nfft must be an even integer from 4 to 65536: %s", optarg);
			p.nfft = v;
			break;
		case 's':
			if (dc_parse_int(optarg, 1, 32768, &v))
				dc_errx(2, "-s: hop must be a positive integer: %s", optarg);
			p.hop = v;
			break;
		case 'w':
			if (strcmp(optarg, "sqrt-hann") && strcmp(optarg, "hann"))
				dc_errx(2, "-w: window must be sqrt-hann or hann: %s", optarg);
			snprintf(p.window, sizeof p.window, "%s", optarg);
			break;
		case 'i':
			id = optarg;
			break;
		}
	}
	if (p.hop > p.nfft / 2)
		dc_errx(2, "-s: hop %lld is more than nfft/2 = %lld", (long long)p.hop, (long long)(p.nfft / 2));
	files = argc > optind ? argv + optind : stdin_only;
	nfiles = argc > optind ? argc - optind : 1;
	if (id && nfiles > 1)
		dc_errx(2, "-i: an id for one file only, not %d", nfiles);

	dc_stdout_not_tty();
	w = dc_writer_file(stdout);
	dc_write_header(w, NULL, "dc-stft");
	for (i = 0; i < nfiles; i++) {
		put_file(w, files[i], &p, id);
		if (dc_writer_error(w))
			break;
	}
	dc_writer_finish(w);
	return 0;
}
