/* A growable, NUL-terminated byte buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadnotes/buf.h"

int ln_buf_grow(ln_buf *buf, size_t extra)
{
	size_t need, asize;
	char *ptr;

	if (buf->failed)
		return -1;
	if (extra > (size_t)-1 - buf->size - 1)
		goto fail;
	need = buf->size + extra + 1;
	if (need <= buf->asize)
		return 0;
	asize = buf->asize ? buf->asize : 64;
	while (asize < need)
		asize = asize > (size_t)-1 / 2 ? need : asize * 2;
	ptr = realloc(buf->ptr, asize);
	if (!ptr)
		goto fail;
	buf->ptr = ptr;
	buf->asize = asize;
	return 0;
fail:
	buf->failed = 1;
	return -1;
}

int ln_buf_put(ln_buf *buf, const char *data, size_t len)
{
	if (ln_buf_grow(buf, len) < 0)
		return -1;
	if (len)
		memcpy(buf->ptr + buf->size, data, len);
	buf->size += len;
	buf->ptr[buf->size] = '\0';
	return 0;
}

int ln_buf_puts(ln_buf *buf, const char *str)
{
	return ln_buf_put(buf, str, strlen(str));
}

int ln_buf_putc(ln_buf *buf, char c)
{
	return ln_buf_put(buf, &c, 1);
}

int ln_buf_vprintf(ln_buf *buf, const char *fmt, va_list ap)
{
	va_list again;
	int len;

	va_copy(again, ap);
	len = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (len < 0 || ln_buf_grow(buf, (size_t)len) < 0)
		return -1;
	vsnprintf(buf->ptr + buf->size, (size_t)len + 1, fmt, ap);
	buf->size += (size_t)len;
	return 0;
}

int ln_buf_printf(ln_buf *buf, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = ln_buf_vprintf(buf, fmt, ap);
	va_end(ap);
	return rc;
}

void ln_buf_clear(ln_buf *buf)
{
	buf->size = 0;
	if (buf->ptr)
		buf->ptr[0] = '\0';
}

char *ln_buf_detach(ln_buf *buf)
{
	char *out;

	if (buf->failed) {
		ln_buf_free(buf);
		return NULL;
	}
	out = buf->ptr ? buf->ptr : calloc(1, 1);
	buf->ptr = NULL;
	buf->size = buf->asize = 0;
	return out;
}

void ln_buf_free(ln_buf *buf)
{
	if (!buf)
		return;
	free(buf->ptr);
	buf->ptr = NULL;
	buf->size = buf->asize = 0;
	buf->failed = 0;
}

int ln_buf_failed(const ln_buf *buf)
{
	return buf->failed;
}
