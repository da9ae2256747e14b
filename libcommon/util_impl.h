/*
 * util_impl.h: util.c's big buffers, for the files of libcommon (not installed,
 * not exported): a buffer of n bytes or more, 64-byte aligned, mapped apart from
 * the heap on huge pages from 1 MiB on, and kept when freed for the next (a pool
 * of four): a record's buffer (stream.c) or a big tensor's data (dc_aligned64);
 * and buffers from malloc on huge pages (dc_huge_alloc).
 */
#ifndef DC_UTIL_IMPL_H
#define DC_UTIL_IMPL_H

#include <stddef.h>

/* dc_big_alloc: the buffer, or NULL. Freed by dc_big_free (NULL: nothing). When
 * it is mapped (not in the sanitized build nor with DCSEP_MALLOC_BIG set, where
 * it comes from aligned_alloc), the 64 bytes before it are the pool's, the last
 * of them free for the caller's use (dc_aligned64's mark). */
void *dc_big_alloc(size_t n);
void dc_big_free(void *b);

/* dc_huge_alloc: n bytes (not zeroed) from malloc's aligned_alloc, freed by free():
 * 64-byte aligned, and from DC_HUGE_FROM on whole transparent huge pages on a
 * 2 MiB boundary (MADV_HUGEPAGE), so that a fresh buffer faults in a page per
 * 2 MiB rather than per 4 KiB; prints the size and exits if memory runs out,
 * as dc_xmalloc does. The network's work buffers (dc_nn_alloc) and the
 * products' scratch (mm.c). */
#define DC_HUGE_FROM ((size_t)256 << 10)
void *dc_huge_alloc(size_t n);

#endif
