/* Error reporting shared by every component. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "leadnotes/common.h"

/* Failures of the system whose words (strerror's, inside libgit2's or our
 * message) come last in a long sentence: the cause is put first. */
static const struct {
	const char *os;
	const char *cause;
} error_causes[] = {
	{ "No space left on device", "the disk is full" },
	{ "Disk quota exceeded", "the disk quota is used up" },
	{ "Too many open files", "too many open files (raise the limit, ulimit -n, or close programs)" },
};

static void error_vset(ln_error *err, int code, int line, int column, const char *fmt, va_list ap)
{
	char raw[sizeof(err->message)];
	size_t i, len;
	if (!err)
		return;
	err->code = code;
	err->line = line;
	err->column = column;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	for (i = 0; i < sizeof(error_causes) / sizeof(error_causes[0]); i++) {
		if (strstr(raw, error_causes[i].os) && strncmp(raw, error_causes[i].cause, strlen(error_causes[i].cause)) != 0) {
			size_t n = strlen(error_causes[i].cause);
			memcpy(err->message, error_causes[i].cause, n);
			memcpy(err->message + n, ": ", 2);
			n += 2;
			len = strlen(raw);
			if (len > sizeof(err->message) - n - 1)
				len = sizeof(err->message) - n - 1;
			memcpy(err->message + n, raw, len);
			err->message[n + len] = '\0';
			return;
		}
	}
	memcpy(err->message, raw, sizeof(raw));
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
	case LN_EDIRTY: return "dirty";
	default: return "error";
	}
}
