/*
 * nn.h: the deep clustering network (Hershey et al. 2016), its loss, and the
 * model file (formats/model.md). Used by dc-embed and dc-train.
 *
 * Shapes: B utterances in a batch, T frames, F bins, D embedding dimensions,
 * H hidden units per direction, L BLSTM layers, C sources (label values).
 *
 *   feat (B,T,F)  log(|X| + 1e-8) of the mixture STFT
 *   x0   (B,T,F)  (feat - feat_mean) / feat_std, per bin
 *   h_k  (B,T,2H) BLSTM layer k: [forward | backward], layer k > 0 reads h_{k-1}
 *   z    (B,T,F*D) h_{L-1} lin_w^T + lin_b, index f*D + d
 *   V    (B,T,F,D) tanh(z), each D-vector divided by max(|v|, 1e-12)
 *
 * The LSTM follows torch.nn.LSTM: gate order i, f, g, o; both biases added;
 * c' = f*c + i*g; h' = o*tanh(c'). The parameters lie in one flat float buffer in
 * the order and shapes of torch's named_parameters() of
 * nn.LSTM(F, H, L, bidirectional=True) followed by nn.Linear(2H, F*D).
 *
 * Like the rest of libcommon, nothing here prints or exits (except the dc_x*
 * allocators on out of memory).
 *
 * Where it is: the passes, dropout and features in nn.c, the loss and the bins'
 * weights in dcloss.c, Adam and sumsq in adam.c, dc_nn_avx512 in recgemm.c, the
 * model file in model.c (libcommon/README.md).
 */
#ifndef DC_NN_H
#define DC_NN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "stft.h"

#define DC_NN_MAXL 8            /* most BLSTM layers */
#define DC_NN_MAXTHREADS 64
#define DC_MODEL_VERSION 2      /* 2: an optional mask-inference head (C > 0) */
#define DC_NN_EPS 1e-12f        /* normalisation floor of the embeddings */

/* ---------------------------------------------------------------- model */

typedef struct {
	int L, H, D, F;         /* layers, units per direction, embedding dim, bins */
	int C;                  /* sources of the mask-inference head (mi.h), 0: no head */
	int64_t rate, nfft, hop;        /* the STFT the model reads; F = nfft/2 + 1 */
	char window[16];
} dc_nn_config;

/* Named pointers into the flat parameter buffer (torch order):
 * for k in 0..L-1, for dir in (forward, reverse):
 *   w_ih[k][dir] (4H, in_k)  in_0 = F, in_k = 2H
 *   w_hh[k][dir] (4H, H)
 *   b_ih[k][dir] (4H)
 *   b_hh[k][dir] (4H)
 * then lin_w (F*D, 2H) and lin_b (F*D); with a mask-inference head (C > 0),
 * then mi_w (C*F, 2H) and mi_b (C*F), else those two are NULL. */
typedef struct {
	float *w_ih[DC_NN_MAXL][2];
	float *w_hh[DC_NN_MAXL][2];
	float *b_ih[DC_NN_MAXL][2];
	float *b_hh[DC_NN_MAXL][2];
	float *lin_w;
	float *lin_b;
	float *mi_w;
	float *mi_b;
} dc_nn_params;

/* One free-form metadata entry of a model (formats/model.md). */
typedef struct {
	char *key, *val;
} dc_model_kv;

typedef struct {
	dc_nn_config cfg;
	size_t nparams;
	float *params;          /* nparams, 64-byte aligned */
	size_t maplen;          /* params start a mapping of maplen bytes (an f16 model
	                         * read from a file, in place), else 0 (malloc's) */
	dc_nn_params p;         /* points into params */
	float *feat_mean;       /* F */
	float *feat_std;        /* F, > 0 */
	dc_model_kv *meta;
	int nmeta;
	int f16;                /* params stored as IEEE float16 in the file (a model, not a
	                         * checkpoint): set by dc_model_load, obeyed by dc_model_save */
	/* training state, present in checkpoints (formats/model.md), else NULL/0 */
	float *adam_m, *adam_v; /* nparams each */
	int64_t step;
	char *train_state;      /* opaque msgpack bytes that dc-train keeps for itself */
	size_t train_state_len;
} dc_model;

/* dc_nn_config_check: DC_OK if the configuration is usable, else DC_EMODEL. */
int dc_nn_config_check(const dc_nn_config *c);
/* dc_nn_nparams: the number of floats in the flat parameter buffer. */
size_t dc_nn_nparams(const dc_nn_config *c);
/* dc_nn_point: sets the named pointers of p into buf (dc_nn_nparams floats). */
void dc_nn_point(dc_nn_params *p, float *buf, const dc_nn_config *c);
/* dc_nn_ntensors: how many parameter tensors (8L + 2, and 2 more with a mask-inference
 * head); dc_nn_tensor: the i-th one's torch name ("blstm.weight_ih_l0", ...,
 * "lin.bias", "mi.weight", "mi.bias"), shape and offset in floats. */
int dc_nn_ntensors(const dc_nn_config *c);
void dc_nn_tensor(const dc_nn_config *c, int i, char *name, size_t n, int *ndim,
    int64_t shape[2], size_t *offset);

/* dc_model_new: a model with this configuration, parameters drawn as torch draws
 * them (U(-1/sqrt(H), 1/sqrt(H)) for the LSTM, U(-1/sqrt(2H), 1/sqrt(2H)) for the
 * linear layer) from a generator seeded with seed; feature mean 0, std 1. */
int dc_model_new(dc_model *m, const dc_nn_config *c, uint64_t seed);
void dc_model_free(dc_model *m);
/* dc_model_meta_set: adds or replaces a metadata entry (copies both strings). */
void dc_model_meta_set(dc_model *m, const char *key, const char *val);
/* dc_model_meta_del: removes an entry, if there is one (the last entry takes its place). */
void dc_model_meta_del(dc_model *m, const char *key);
/* dc_model_meta_get: the value, or NULL. */
const char *dc_model_meta_get(const dc_model *m, const char *key);
/* dc_model_save: writes the model (and its training state, if any) atomically;
 * with m->f16 the parameters go as float16, rounded to nearest even (DC_EPARAM if
 * one is beyond float16's range, 65504, or m has a training state):
 * nothing appears under path unless all of it was written. DC_EIO (errno set). */
int dc_model_save(const dc_model *m, const char *path);
/* dc_model_load: reads and validates a model file; DC_EIO (errno set) if it cannot
 * be read, DC_EMODEL on any problem with its contents. m is zeroed on failure. */
int dc_model_load(dc_model *m, const char *path);
/* dc_model_load_fp: the same from an open file (a regular file whole from its
 * start, whatever f's position, mapped if over 1 GiB; else read to the model's
 * end); f is left open. */
int dc_model_load_fp(dc_model *m, FILE *f);
/* dc_model_load_mem: the same from memory. */
int dc_model_load_mem(dc_model *m, const void *buf, size_t len);

/* ---------------------------------------------------------------- network */

/*
 * A dc_nn is the workspace of forward and backward passes for one model: the
 * activations of up to Bmax sequences of Tmax frames, and a pool of threads.
 * It keeps a pointer to the model (whose parameters may change between calls, as
 * in training) and allocates only in dc_nn_new and dc_nn_reserve.
 */
typedef struct dc_nn dc_nn;

/* dc_nn_new: train = 1 keeps every activation for dc_nn_backward; train = 0 keeps
 * only what a forward pass needs. nthreads >= 1; OpenBLAS is set to one thread,
 * the parallelism is the pool's (directions, row blocks, utterances). */
dc_nn *dc_nn_new(const dc_model *m, int Bmax, int Tmax, int nthreads, int train);
void dc_nn_free(dc_nn *n);
/* dc_nn_reserve: grows the workspace to hold B sequences of T frames (never
 * shrinks; sized by B and by B x T, so that long sequences one time and many short
 * ones another do not take their product). */
void dc_nn_reserve(dc_nn *n, int B, int T);

/* dc_nn_forward: V (B,T,F,D) from feat (B,T,F). h_out, if not NULL, receives the
 * last BLSTM layer's output (B,T,2H). V NULL (inference only): the BLSTM layers
 * alone; dc_nn_embed_rows then computes V a piece at a time. In inference V is
 * computed DC_NN_PIECE rows of each utterance at a time, from its first, as
 * dc-embed asks dc_nn_embed_rows for them. */
#define DC_NN_PIECE 32
void dc_nn_forward(dc_nn *n, float *V, float *h_out, const float *feat, int B, int T);
/* dc_nn_hidden: the last BLSTM layer's output (B,T,2H) of the last dc_nn_forward,
 * before dropout; valid until the next pass. */
const float *dc_nn_hidden(const dc_nn *n);
/* dc_nn_embed_rows: after dc_nn_forward in inference, rows [r0, r1) of its B*T
 * rows of V into V (r1 - r0, F, D): the same bits as dc_nn_forward's where the
 * rows are one of its pieces (a product's bits may depend on its row count). The
 * weights must not change in between (in bf16 the output layer's are rounded
 * once per pass). Returns DC_ENONFINITE if those rows of V hold a NaN or an
 * infinity, else DC_OK. */
int dc_nn_embed_rows(dc_nn *n, float *V, int64_t r0, int64_t r1);
/* dc_nn_backward: after dc_nn_forward with the same feat, B and T, accumulates
 * (+=) dloss/dparams into grads (nparams floats) and, if dfeat is not NULL,
 * dloss/dfeat into dfeat (B,T,F). dV (B,T,F,D) is dloss/dV. Overwrites the stored
 * activations: run forward again before another backward. */
void dc_nn_backward(dc_nn *n, float *grads, float *dfeat, const float *dV, const float *feat,
    int B, int T);
/* dc_nn_backward_h: dc_nn_backward with dh (B,T,2H), if not NULL, added to the
 * gradient of the last BLSTM layer's output as dc_nn_forward's h_out gives it
 * (before dropout): the gradient of a second head on h_out, such as the
 * mask-inference head (mi.h). */
void dc_nn_backward_h(dc_nn *n, float *grads, float *dfeat, const float *dV, const float *dh,
    const float *feat, int B, int T);

/* dc_nn_precision: the products in the passes that follow (mm.h): DC_MM_F32 (the
 * default of dc_nn_new) throughout; DC_MM_BF16, operands rounded to bfloat16 with
 * fp32 accumulation in the GEMMs over all frames (input and output layers and their
 * gradients) and in the recurrent steps; DC_MM_MIXED, the recurrent steps and, in
 * inference (train = 0), the output layer's product and the input projections of
 * the third BLSTM layer on (nn.c, MIXED_IN_BF16) with bf16 operands, the other GEMMs
 * (the first two layers' input projections, the gradients') in fp32. The recurrent
 * steps are bf16 only where the CPU has AVX512_BF16 (dc_rec_bf16), the output layer
 * and the input projections only where bf16 products are the faster
 * (dc_mm_bf16_fast). Everything else (gates, cell state, loss, gradient sums) stays
 * fp32. */
void dc_nn_precision(dc_nn *n, int prec);

/* dc_nn_lengths: sequences shorter than the batch's T, for the passes that follow:
 * len (B) holds each sequence's frames, 1 to T (NULL: every one has T). Frames
 * t >= len[b] of sequence b are padding: in every BLSTM layer both directions run
 * on frames 0 .. len[b]-1 only (the reverse one starts at frame len[b]-1 from a
 * zero state) and the layer's output is 0 on the padding, so V and the gradients
 * of the other frames are those of sequence b alone (to rounding); give the
 * padding weight 0 in dc_nn_loss. The array is read by each pass: it must stay
 * valid, and hold B entries, until replaced. */
void dc_nn_lengths(dc_nn *n, const int *len);

/* dc_nn_dropout: dropout in the passes that follow, on a train workspace only
 * (train = 0 ignores it): each element of each BLSTM layer's output (B,T,2H), as
 * the next layer and the linear layer read it, is kept and multiplied by 1/(1-p)
 * with probability 1 - p, else set to 0; the recurrent state is not dropped, and
 * h_out of dc_nn_forward is the output before dropout. Whether an element is kept
 * is a hash of key, the layer and the element's position (b, t, unit) in the
 * batch: the same key gives the same masks, whatever the thread count, so a step
 * can be repeated exactly. p outside (0, 1) turns dropout off. */
void dc_nn_dropout(dc_nn *n, float p, uint64_t key);

/* dc_nn_loss: the deep clustering loss, summed over the batch,
 *   sum_b ||V'^T V'||^2 - 2 ||V'^T Y'||^2 + ||Y'^T Y'||^2,  V' = sqrt(W) V, Y' = sqrt(W) Y,
 * in O(N D^2) for N = T*F bins per utterance. V (B,N,D); lab (B,N), values 0..C-1
 * (Y one-hot of lab); w (B,N) >= 0 or NULL for all ones. Writes dV (B,N,D) =
 * sqrt(W) 4 (V'(V'^T V') - Y'(Y'^T V')) and returns the loss. */
double dc_nn_loss(dc_nn *n, float *dV, const float *V, const int32_t *lab, const float *w,
    int B, int T, int C);

/* dc_nn_adam: one step of Adam (b1 = 0.9, b2 = 0.999, eps = 1e-8, bias correction
 * for step >= 1) on np parameters, with g = gscale * grads:
 *   m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,
 *   params -= lr / (1 - b1^step) * m / (sqrt(v) / sqrt(1 - b2^step) + eps).
 * Element-wise on the pool's threads: the result does not depend on their number. */
void dc_nn_adam(dc_nn *n, float *params, float *m, float *v, const float *grads, size_t np,
    float gscale, double lr, int64_t step);
/* dc_nn_sumsq: the sum of the squares of x[0..np), accumulated in double on the
 * pool's threads (the same for the same number of threads). */
double dc_nn_sumsq(dc_nn *n, const float *x, size_t np);

/* dc_nn_avx512: 1 if the recurrent steps use their AVX-512 kernel (the CPU has
 * AVX-512F and the environment variable DCSEP_NO_AVX512 is unset or empty), else 0
 * (the AVX2 one). */
int dc_nn_avx512(void);

/* dc_nn_alloc: a zeroed buffer of bytes, 64-byte aligned; from 256 KiB on, on
 * transparent huge pages (a first touch of each 4 KiB page is slow on the machines
 * we run on). Release with free(). Prints the size and aborts if memory runs out. */
void *dc_nn_alloc(size_t bytes);

/* ---------------------------------------------------------------- features */

/* dc_nn_features: feat (T,F) = log(|X| + 1e-8) of a complex64 STFT X (T,F). */
void dc_nn_features(float *feat, const float *X, int64_t T, int64_t F);
/* dc_nn_features_gain: the features of X scaled by db decibels, from those of X:
 * ln 10^(db/20) added to every feature above ln 1e-8 (a bin of 0 stays one),
 * none below it: as scaling X would give them where |X| is well above 1e-8 (to
 * their rounding), not within a few orders of it.
 * DC_FEAT_LEVEL: the active level (p56.h, dc_p56f) of the training mixtures of the
 * shipped models, dB, which dc-embed brings each utterance to by default. */
void dc_nn_features_gain(float *feat, int64_t n, double db);
#define DC_FEAT_LEVEL -21.0
/* dc_nn_level_gain: the gain, dB, that brings an active level (dB, p56.h dc_p56f:
 * -INFINITY if silent) to the level to: 0 if silent or to is NAN (none), else
 * within DC_LEVEL_GAINMAX either way. */
#define DC_LEVEL_GAINMAX 60.0
double dc_nn_level_gain(double to, double level);
/* dc_model_level: the level of the model's metadata "level" (formats/model.md):
 * a number of dB from -100 to 0, NAN for "none", else DC_FEAT_LEVEL */
double dc_model_level(const dc_model *m);
/* dc_nn_level: the active level (p56.h dc_p56f) of the T x F STFT X made as the
 * model of config c reads, dB; -INFINITY if silent. dc_nn_level_begin: s made
 * ready for such spectra, to push them a block at a time. */
struct dc_p56f;
double dc_nn_level(const dc_nn_config *c, const float *X, int64_t T, int64_t F);
void dc_nn_level_begin(const dc_nn_config *c, struct dc_p56f *s);
/* dc_nn_weights: w (T*F) = 1 for the active bins (stft.h: 20 log10(|X| + 1e-8)
 * within db decibels of its maximum over the utterance), else 0, from feat. */
void dc_nn_weights(float *w, const float *feat, int64_t n, double db);

#endif
