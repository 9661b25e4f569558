/* leadnotes: a growable byte buffer, always NUL-terminated. */
#ifndef LEADNOTES_BUF_H
#define LEADNOTES_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "leadnotes/common.h"

/* A buffer the caller owns. Start from LN_BUF_INIT; release with
 * ln_buf_free. After an allocation failure `failed` is set, further appends
 * do nothing and ln_buf_failed reports it once at the end. */
typedef struct ln_buf {
	char *ptr;   /* NUL-terminated contents, or NULL before the first append */
	size_t size; /* bytes used, not counting the NUL */
	size_t asize;
	int failed;
} ln_buf;

#define LN_BUF_INIT { NULL, 0, 0, 0 }

/* Appends len bytes of data (which may hold NUL bytes; may be NULL when
 * len is 0) and keeps the contents NUL-terminated. Returns 0, or -1 and
 * sets failed when out of memory (and does nothing once failed is set). */
LN_API int ln_buf_put(ln_buf *buf, const char *data, size_t len);

/* Appends the NUL-terminated string str (not NULL). Returns as ln_buf_put. */
LN_API int ln_buf_puts(ln_buf *buf, const char *str);

/* Appends the byte c. Returns as ln_buf_put. */
LN_API int ln_buf_putc(ln_buf *buf, char c);

/* Appends printf-style. Returns 0, or -1: out of memory (failed is set),
 * or a format vsnprintf refuses (failed is not set, nothing appended). */
LN_API int ln_buf_printf(ln_buf *buf, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* ln_buf_printf with a va_list, which it consumes (the caller va_ends it
 * and must not use it again). Returns as ln_buf_printf. */
LN_API int ln_buf_vprintf(ln_buf *buf, const char *fmt, va_list ap);

/* Makes room for at least extra more bytes (and the NUL) without changing
 * the contents. Returns 0, or -1 and sets failed when out of memory. */
LN_API int ln_buf_grow(ln_buf *buf, size_t extra);

/* Empties the buffer but keeps its memory (and a failed state); buf must
 * not be NULL. */
LN_API void ln_buf_clear(ln_buf *buf);

/* Hands the contents to the caller, who frees them with free(), and resets
 * buf to LN_BUF_INIT. Returns an empty malloc'd string for an empty buffer;
 * NULL when an append had failed (the memory is released then) or without
 * memory. */
LN_API char *ln_buf_detach(ln_buf *buf);

/* Releases the memory and resets buf to LN_BUF_INIT (failed cleared too);
 * buf may be NULL. The struct itself is the caller's. */
LN_API void ln_buf_free(ln_buf *buf);

/* Nonzero when an append or grow ran out of memory since LN_BUF_INIT or
 * the last ln_buf_free: check once after a run of appends. */
LN_API int ln_buf_failed(const ln_buf *buf);

#endif
