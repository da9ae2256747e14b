/*
 * audio_impl.h: what audio.c (out) and audioin.c (in) share, inside the library.
 */
#ifndef DC_AUDIO_IMPL_H
#define DC_AUDIO_IMPL_H

#include <sndfile.h>

/*
 * membuf: a growable buffer that libsndfile reads or writes through SF_VIRTUAL_IO.
 * Writing builds the file in memory, to be copied out, because libsndfile refuses
 * to write WAV (and most containers) to a pipe: it seeks back to patch the header.
 * Reading from memory (dc_audio_read_mem) points p at the caller's bytes; libsndfile
 * never writes to a file opened for reading, so they are not modified.
 */
typedef struct {
	unsigned char *p;
	sf_count_t len, cap, pos;
} membuf;

/* dc_audio_open_mem: libsndfile on m (SF_VIRTUAL_IO), mode SFM_READ or SFM_WRITE */
SNDFILE *dc_audio_open_mem(membuf *m, int mode, SF_INFO *si);

#endif
