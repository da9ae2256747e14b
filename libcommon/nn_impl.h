/*
 * nn_impl.h: the inside of a dc_nn workspace, shared by the files of the network:
 * nn.c (which makes it and runs the passes), dcloss.c (the loss's scratch) and
 * adam.c (the pool). Not for tools: they see the opaque dc_nn of nn.h.
 */
#ifndef DC_NN_IMPL_H
#define DC_NN_IMPL_H

#include <stdint.h>

#include "mm.h"
#include "recgemm.h"
#include "nn.h"
#include "pool.h"

_Static_assert(DC_NN_MAXTHREADS <= DC_POOL_MAXTHREADS, "a pool for every thread count");

struct dc_nn {
	const dc_model *m;
	dc_nn_config c;
	int train, nth;
	int Bmax;                       /* the (B,T,...) buffers hold any B <= Bmax */
	int64_t rows;                   /* sequences of B x T <= rows frames */
	/* activations: layer index k of the per-layer arrays is k (train) or 0/k&1 (inference) */
	float *x0;                      /* (B,T,F) normalised features; (B,T,F) dx0 in backward */
	float *h[DC_NN_MAXL];           /* (B,T,2H) layer outputs */
	float *gates[DC_NN_MAXL][2];    /* (B,T,4H) gate activations; their gradients in backward
	                                 * (direction 1's is direction 0's in inference on one
	                                 * thread, as pack and ab are: nn_alloc) */
	float *cell[DC_NN_MAXL][2];     /* (B,T,H) c, train only; inference: (B,H) carry */
	float *tcell[DC_NN_MAXL][2];    /* (B,T,H) tanh(c), train only; inference: (B,H) scratch */
	float *a;                       /* (B,T,FD) tanh of the output layer (train only) */
	uint16_t *linbf;                /* (FD,2H) the output layer's weights in bf16 (inference
	                                 * in bf16 or mixed: rounded once per forward pass, not
	                                 * per piece of dc_nn_embed_rows), or NULL */
	int linbf_ok;                   /* linbf holds this pass's rounding */
	/* padding and dropout (dc_nn_lengths, dc_nn_dropout) */
	const int *len;                 /* (B) frames of each sequence, or NULL: all T */
	float dp, dscale;               /* dropout probability, 1/(1-dp) */
	uint64_t dkey;                  /* the masks' key */
	float *hd[DC_NN_MAXL];          /* (B,T,2H) dropped layer outputs (train, dp > 0) */
	uint8_t *dmask[DC_NN_MAXL];     /* (B,T,2H) 1 where kept */
	float *dh[2];                   /* (B,T,max(2H,F)) gradient ping-pong */
	float *dcarry[2];               /* (B,H) dL/dc carried backwards in time, per direction */
	float *bias[DC_NN_MAXL][2];     /* (4H) b_ih + b_hh */
	float *zero;                    /* (max(H, 1)) zeros: the state before the first step */
	float *pack[2];                 /* per direction: W_hh packed for the recurrent steps */
	uint32_t *ab[2];                /* per direction: their bf16 scratch (recgemm.h) */
	dc_rec rec[2];                  /* per direction: pack, ab and the kernel (fp32 or bf16) */
	int prec;                       /* DC_MM_F32, DC_MM_BF16 or DC_MM_MIXED (dc_nn_precision) */
	dc_mm *mm[DC_NN_MAXTHREADS];    /* per thread (and direction): the large products */
	dc_mm *mmo[DC_NN_MAXTHREADS];   /* in mixed inference where bf16 products are the
	                                 * faster (dc_mm_bf16_fast): per thread, bf16
	                                 * contexts for the output layer; else NULL */
	/* loss scratch, per thread */
	int lossC;
	float *lossA[DC_NN_MAXTHREADS]; /* (D,D) + (C,D) */
	double *lossB[DC_NN_MAXTHREADS];        /* (C,D) + (C) */
	double *lossb;                  /* (lossBmax) per-utterance loss */
	int lossBmax;
	/* the shape of the last forward pass, which dc_nn_backward must match */
	int B, T;
	dc_pool *pool;                  /* nth threads, or fewer if some could not start */
};

#endif
