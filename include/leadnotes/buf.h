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

/* Append len bytes of data. Returns 0, or -1 (and sets failed) without memory. */
LN_API int ln_buf_put(ln_buf *buf, const char *data, size_t len);
/* Append a NUL-terminated string. */
LN_API int ln_buf_puts(ln_buf *buf, const char *str);
/* Append one byte. */
LN_API int ln_buf_putc(ln_buf *buf, char c);
/* Append printf-style. */
LN_API int ln_buf_printf(ln_buf *buf, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
LN_API int ln_buf_vprintf(ln_buf *buf, const char *fmt, va_list ap);
/* Make room for at least `extra` more bytes. */
LN_API int ln_buf_grow(ln_buf *buf, size_t extra);
/* Empty the buffer but keep its memory. */
LN_API void ln_buf_clear(ln_buf *buf);
/* Hand the contents to the caller (who frees them with free()) and reset
 * buf. Returns an empty malloc'd string for an empty buffer, NULL without
 * memory. */
LN_API char *ln_buf_detach(ln_buf *buf);
/* Release the memory; buf may be NULL. */
LN_API void ln_buf_free(ln_buf *buf);
/* Nonzero when an append ran out of memory. */
LN_API int ln_buf_failed(const ln_buf *buf);

#endif
