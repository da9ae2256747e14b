/*
 * dcsep.h: libdcsep, the library under the dcsep tools, for a program that
 * separates speech in process (libdcsep(3) documents every call listed here).
 *
 * The pipeline of the tools, as calls:
 *
 *   dc-stft    dc_audio_read, dc_stft             audio.h, stft.h
 *   dc-embed   dc_embedder_open, dc_embed         this header
 *   dc-kmeans  dc_cluster                         this header (kmeans.h below it)
 *   dc-mask    dc_mask                            this header
 *   dc-istft   dc_istft, dc_audio_write           stft.h, audio.h
 *   dc-eval    dc_bss_eval_sources                bsseval.h
 *   streams    dc_reader_*, dc_read_utt, dc_writer_*, dc_write_*   stream.h
 *
 * Shapes: T frames, F bins (nfft/2 + 1), D embedding dimensions, K sources or
 * clusters, C sources of a model's mask-inference head, N samples. Tensors
 * (dc_tensor, util.h) are row-major; complex64 holds re and im interleaved.
 *
 * Errors: every call that can fail returns DC_OK (0) or a code of util.h's table,
 * whose message is dc_strerror(code); DC_EIO leaves errno set, DC_EAUDIO and
 * DC_ERESAMPLE leave dc_audio_errstr() set. The library never prints and never
 * exits, except that it aborts with one line on stderr when memory runs out.
 * Ownership: a dc_tensor filled by a call is the caller's, to release with
 * dc_tensor_free; the call overwrites it without freeing what it held (free it
 * before reusing it). A handle is released by its own call: dc_embedder_open's
 * and dc_reader_*'s by *_free, dc_writer_*'s by dc_writer_close,
 * dc_audio_open's by dc_audio_in_close,
 * dc_audio_out_open's by dc_audio_out_close, dc_istft_begin's by dc_istft_end;
 * each of them, like dc_tensor_free, dc_record_free and dc_utt_free, accepts NULL.
 *
 * Build: cc prog.c $(pkg-config --cflags --libs dcsep)
 */
#ifndef DCSEP_H
#define DCSEP_H

#ifdef __cplusplus
extern "C" {
#endif

#include "util.h"
#include "stream.h"
#include "stft.h"
#include "audio.h"
#include "kmeans.h"
#include "bsseval.h"

/* dc_version: the library's version, "0.1.0" (config.mk's VERSION). */
const char *dc_version(void);

/* ---------------------------------------------------------------- embedding */

/* A model loaded for inference (formats/model.md) with its network's workspace.
 * One thread at a time per handle. */
typedef struct dc_embedder dc_embedder;

/*
 * dc_embedder_open: loads the model file at path and sets *ep to a handle that
 * runs it on threads threads (1 to 64), as dc-embed -t does: with the same
 * count, the same bits as dc-embed.
 * The products are in the precision dc-embed picks by default (mixed where the
 * CPU has bf16 products, else fp32; DCSEP_PRECISION f32, mixed or bf16 in the
 * environment decides).
 * DC_EPARAM (threads, a NULL pointer), DC_EIO (errno), DC_EMODEL; *ep is NULL
 * on failure.
 */
int dc_embedder_open(dc_embedder **ep, const char *path, int threads);
/* dc_embedder_free: releases the handle and its model; NULL is fine. */
void dc_embedder_free(dc_embedder *e);
/*
 * dc_embedder_info: the STFT the model reads, into p (rate, nfft, hop, window;
 * samples 0), and the embedding dimension D and head sources C (0: no head) into
 * *d and *c; any pointer may be NULL.
 */
void dc_embedder_info(const dc_embedder *e, dc_stft_params *p, int *d, int *c);
/*
 * dc_embed: the embeddings of a mixture's STFT X (complex64, T x F, made with the
 * model's parameters): V becomes a fresh float32 tensor T x F x D of unit-length
 * vectors, as dc-embed's "embed" record. If masks is not NULL and the model has a
 * mask-inference head, *masks becomes a fresh float32 tensor C x T x F, its soft
 * masks (dc-embed's "masks" record); without a head, *masks is left empty
 * (dtype DC_NONE, data NULL). DC_EPARAM for e, X or V NULL or X not complex64
 * T x F with the model's F, DC_ELIMIT past the element limit, DC_ENONFINITE for NaN or
 * Inf in X or if the network's output is not finite. On failure V and masks are left
 * empty.
 */
int dc_embed(dc_embedder *e, const dc_tensor *X, dc_tensor *V, dc_tensor *masks);
/*
 * dc_embedder_set_level: the active speech level, dB re full scale (-100 to 0),
 * that dc_embed brings each spectrum to before the network, as dc-embed -l does;
 * NAN: none, the features as they are. The default is dc-embed's: the model's
 * "level" metadata if it has one (formats/model.md), else -21, the level of the
 * shipped model's training mixtures. DC_EPARAM for e NULL or a level out of range.
 */
int dc_embedder_set_level(dc_embedder *e, double level);

/* ---------------------------------------------------------------- clustering */

/*
 * dc_cluster: dc-kmeans on embeddings V (float32, T x F x D): k-means (options o,
 * NULL for dc_kmeans_defaults) fitted on the bins of the mixture X (complex64,
 * T x F, or NULL for all bins) within db dB of its loudest (dc_stft_active), then
 * every bin labelled with its nearest centroid: L becomes a fresh int32 tensor
 * T x F of labels 0 to K-1. If beta > 0 and masks is not NULL, *masks becomes a
 * fresh float32 tensor K x T x F of soft masks, exp(-beta d_k) / sum_j
 * exp(-beta d_j) for a bin's squared distances d_j to the centroids (dc-kmeans -b).
 * DC_EPARAM for V or L NULL, shapes that disagree, K outside 1 to 1000 or more
 * than the fitted bins, or beta or db negative or not finite; DC_ENONFINITE for
 * NaN or Inf in V or X. On failure L and masks are left empty.
 */
int dc_cluster(const dc_tensor *V, const dc_tensor *X, double db, const dc_kmeans_opts *o,
    double beta, dc_tensor *L, dc_tensor *masks);

/*
 * dc_count_sources: dc-kmeans -k auto:kmax: the number of sources in a mixture,
 * counted from embeddings V (float32, T x F x D) over the bins of the mixture X
 * (complex64, T x F, or NULL for all bins) within db dB of its loudest, for
 * dc_cluster's K. *k becomes 1 plus the thresholds of dc_kmeans_cuts (kmeans.h)
 * that their spread 1 - |mean|^2 reaches, from 1 to kmax (1 to DC_COUNT_MAX, 8) and at
 * most the bins counted over; 1 when X is digital silence. *spread, if spread is
 * not NULL, becomes the spread (0 for silence). The thresholds were chosen with
 * the shipped model on mixtures of 1 to 4 speakers (dc-kmeans(1), -k auto).
 * DC_EPARAM for k NULL, V not float32 T x F x D, X not complex64 T x F, kmax out
 * of range, or db negative or not finite; DC_ENONFINITE for NaN or Inf in V or X.
 */
int dc_count_sources(const dc_tensor *V, const dc_tensor *X, double db, int kmax, int *k,
    double *spread);

/* ---------------------------------------------------------------- masks */

/*
 * dc_mask: dc-mask: Y becomes a fresh complex64 tensor K x T x F of the mixture X
 * (complex64, T x F) masked by M, either int32 labels T x F with values 0 to k-1
 * (Y[l] = X where the label is l, 0 elsewhere) or float32 masks K x T x F
 * (Y[j] = X M[j]; k is then ignored). Each Y[j] is a spectrum for dc_istft.
 * DC_EPARAM for a NULL pointer, shapes or dtypes that disagree, k outside 1 to
 * 1000 or a label outside 0 to k-1; DC_ENONFINITE for NaN or Inf in X or M. On
 * failure Y is left empty.
 */
int dc_mask(const dc_tensor *X, const dc_tensor *M, int k, dc_tensor *Y);

#ifdef __cplusplus
}
#endif

#endif
