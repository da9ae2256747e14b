/*
 * fuzz_audio.c: the audio input path on hostile bytes: libsndfile reading from
 * memory (dc_audio_read_mem), then what dc_audio_read does after it: the checks
 * for NaN, Inf and the element limit, the mixdown to mono and resampling to
 * 8 kHz, as dc-stft, dc-oracle and dc-mix read their inputs; dc-eval keeps the
 * file's rate, which the first byte of the input chooses half of the time.
 */
#include <math.h>
#include <string.h>

#include "fuzz.h"

int
fuzz_audio(const uint8_t *data, size_t size)
{
	dc_audio_info info;
	float *x = NULL;
	int64_t n = -1, i;
	int rate = size > 0 && (data[0] & 1) ? 0 : 8000;
	int err = dc_audio_read_mem(data, size, rate, &x, &n, &info);

	FUZZ_CHECK(fuzz_err_ok(err));
	if (err != DC_OK) {
		FUZZ_CHECK(err == DC_EAUDIO || err == DC_ERESAMPLE || err == DC_ELIMIT ||
		    err == DC_ENONFINITE);
		if (err == DC_EAUDIO || err == DC_ERESAMPLE)
			FUZZ_CHECK(dc_audio_errstr()[0] != '\0' && strchr(dc_audio_errstr(), '\n') == NULL);
		return 0;
	}
	FUZZ_CHECK(x != NULL && n >= 0 && n <= dc_limit_elems());
	FUZZ_CHECK(info.rate_in > 0 && info.channels_in > 0 && info.frames_in >= 0);
	FUZZ_CHECK(info.downmixed == (info.channels_in > 1));
	FUZZ_CHECK(info.resampled == (rate > 0 && info.rate_in != rate));
	if (!info.resampled)
		FUZZ_CHECK(n == info.frames_in);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(isfinite(x[i]));
	free(x);
	return 0;
}

#ifndef FUZZ_NO_MAIN
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_audio(data, size);
}
#endif
