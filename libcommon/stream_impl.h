/*
 * stream_impl.h: a record's msgpack-c objects, for libcommon and the tools (not
 * installed: the public stream.h holds the map in its bytes, so that a program
 * needs no msgpack.h).
 */
#ifndef DC_STREAM_IMPL_H
#define DC_STREAM_IMPL_H

#include <msgpack.h>

#include "stream.h"

/* DC_REC_MAP: record r's map as the msgpack_object it is */
#define DC_REC_MAP(r) ((msgpack_object *)(void *)&(r)->map_)
#define DC_REC_CMAP(r) ((const msgpack_object *)(const void *)&(r)->map_)

_Static_assert(sizeof(msgpack_object) <= sizeof(((dc_record *)0)->map_),
    "dc_record's map_ holds a msgpack_object");
_Static_assert(_Alignof(msgpack_object) <= _Alignof(dc_record), "and aligns it");

/* dc_rec_get: the value of key in r's map, or NULL */
const msgpack_object *dc_rec_get(const dc_record *r, const char *key);

#endif
