/* Error reporting shared by every component. */
#include <stdarg.h>
#include <stdio.h>

#include "leadnotes/common.h"

static void error_vset(ln_error *err, int code, int line, int column, const char *fmt, va_list ap)
{
	if (!err)
		return;
	err->code = code;
	err->line = line;
	err->column = column;
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
}

int ln_error_set(ln_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset(err, code, 0, 0, fmt, ap);
	va_end(ap);
	return code;
}

int ln_error_set_at(ln_error *err, int code, int line, int column, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset(err, code, line, column, fmt, ap);
	va_end(ap);
	return code;
}

void ln_error_clear(ln_error *err)
{
	if (!err)
		return;
	err->code = LN_OK;
	err->line = 0;
	err->column = 0;
	err->message[0] = '\0';
}

const char *ln_error_name(int code)
{
	switch (code) {
	case LN_OK: return "ok";
	case LN_ENOTFOUND: return "not found";
	case LN_EPARSE: return "parse error";
	case LN_ELOCKED: return "locked";
	case LN_EINVALID: return "invalid";
	case LN_ENOMEM: return "out of memory";
	case LN_EEXISTS: return "exists";
	case LN_EIO: return "i/o error";
	case LN_ECONFLICT: return "conflict";
	default: return "error";
	}
}
