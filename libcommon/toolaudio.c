/*
 * toolaudio.c: the tools' audio helpers (tool.h), apart from
 * tool.c so that a tool that reads no audio (dc-mask, dc-kmeans) does not link
 * libsndfile, its codecs and libsoxr, nor map them at start (1.2 MB of dc-mask's
 * peak RSS, and their loading at each start).
 */
#include <math.h>

#include "util.h"
#include "stream.h"
#include "stft.h"
#include "audio.h"
#include "tool.h"

void
dc_audio_notes(const char *name, const dc_audio_info *info, int64_t rate, int back)
{
	if (info->frames_claimed > 0)
		dc_warnx("%s: " DC_CUT_SHORT, name, (long long)info->frames_claimed,
		    (long long)info->frames_in);
	if (info->downmixed)
		dc_warnx("%s: %d channels mixed down to mono", name, info->channels_in);
	if (info->resampled && back) {
		char above[48] = "";    /* what a downsampling left out */

		if (info->rate_in > rate)
			snprintf(above, sizeof above, ", with nothing above %lld Hz",
			    (long long)(rate / 2));
		dc_warnx("%s: resampled from %d Hz to %lld Hz (dc-istft -r %d writes the sources at "
		    "%d Hz%s)", name, info->rate_in, (long long)rate, info->rate_in, info->rate_in,
		    above);
	} else if (info->resampled)
		dc_warnx("%s: resampled from %d Hz to %lld Hz", name, info->rate_in, (long long)rate);
}

void
dc_audio_range(const char *name, const float *x, int64_t n, int64_t first)
{
	int64_t i;

	/* float audio is nominally within +-1; far beyond, squares and sums overflow
	 * on the way (a spectrum of Inf and NaN): refused where it enters */
	if ((i = dc_audio_beyond(x, n)) >= 0)
		dc_errx(1, "%s: sample %lld is %g, beyond +-%g (float audio is nominally within "
		    "+-1)", name, (long long)(first + i + 1), x[i], DC_AUDIO_MAX);
}

float *
dc_get_audio(const char *path, const char *name, int64_t rate, int64_t *n,
    dc_audio_info *info)
{
	float *x;
	int err;

	if ((err = dc_audio_read(path, (int)rate, &x, n, info)) != DC_OK)
		dc_errx(1, "%s: %s", name, dc_errmsg(err));
	if (dc_floats_finite(x, *n) != DC_OK)
		dc_errx(1, "%s: %s", name, dc_strerror(DC_ENONFINITE));
	dc_audio_range(name, x, *n, 0);
	return x;
}
