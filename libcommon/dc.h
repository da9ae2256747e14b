/*
 * dc.h: the header the tools include: every part of libcommon below the network,
 * each with its own header that says what it owns (libcommon/README.md maps them):
 *
 *   util.h    errors, memory, tensors, numbers (util.c)
 *   stream.h  records, the stream reader and writer (stream.c); stream_impl.h
 *             their msgpack objects, which the installed headers do not show
 *   stft.h    the STFT and its inverse (stft.c)
 *   audio.h   audio files and resampling (audio.c)
 *   text.h    ids from file names, escapes, text fields, JSON strings, list
 *             files (text.c)
 *   outpath.h output patterns, temporary files, atomic files and output sets,
 *             file identity (outpath.c)
 *   tool.h    the tools' messages, exits, streams in and out, record getters
 *             (tool.c)
 *
 * The random numbers (rng.h), the network (nn.h), k-means (kmeans.h), P.56
 * (p56.h) and BSS Eval (bsseval.h) have their own headers, included by the tools
 * that use them.
 */
#ifndef DC_H
#define DC_H

#include "util.h"
#include "stream.h"
#include "stream_impl.h"
#include "stft.h"
#include "audio.h"
#include "text.h"
#include "outpath.h"
#include "tool.h"

#endif
