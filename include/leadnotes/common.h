/* leadnotes: types and error codes shared by every component. */
#ifndef LEADNOTES_COMMON_H
#define LEADNOTES_COMMON_H

#include <stddef.h>

/* Marks a function of the public API: the library is built with
 * -fvisibility=hidden, so only these (and luaopen_leadnotes_core) are
 * exported from core.so; private helpers carry the prefix ln__ and stay
 * hidden. */
#if defined(__GNUC__)
#define LN_API __attribute__((visibility("default")))
#else
#define LN_API
#endif

/* Every public function returns 0 on success or one of these on failure.
 * Expected failures have their own code so callers can act on them. */
enum {
	LN_OK = 0,
	LN_ERROR = -1,     /* anything not listed below */
	LN_ENOTFOUND = -2, /* file, person, revision or template that does not exist */
	LN_EPARSE = -3,    /* malformed input; line and column are set */
	LN_ELOCKED = -4,   /* repository locked by another process, after retries */
	LN_EINVALID = -5,  /* refused argument: hostile name, path outside the folder */
	LN_ENOMEM = -6,    /* out of memory */
	LN_EEXISTS = -7,   /* would overwrite something that exists */
	LN_EIO = -8,       /* the file system failed (disk full, permissions) */
	LN_ECONFLICT = -9  /* sync left conflicts to resolve */
};

/* Where a failing function explains itself. The message never holds note
 * content: only names, paths and what went wrong. line/column are 1-based
 * and 0 when they do not apply.
 *
 * The rule every function that takes an `ln_error *err` follows: it fills
 * *err only when it fails (returns a negative code), and then err->code is
 * that code. On success *err is left as it was, so a caller need not clear
 * it before a call and must not read it after a success. ln_error_clear is
 * for a caller that reuses one struct and wants it empty. err may be NULL
 * wherever the caller does not want the message. */
typedef struct ln_error {
	int code;
	int line;
	int column;
	char message[512];
} ln_error;

/* Fills err (which may be NULL) with code, line and column 0, and the
 * printf-style message (cut to fit message[]), and returns code so a
 * caller can write `return ln_error_set(err, ...)`. A system cause the
 * message ends with ("No space left on device") is put first, in words. */
LN_API int ln_error_set(ln_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/* Like ln_error_set, with the 1-based line and column of a parse error;
 * returns code. */
LN_API int ln_error_set_at(ln_error *err, int code, int line, int column, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 5, 6)))
#endif
	;

/* Resets err to LN_OK, line and column 0 and an empty message, for a
 * caller that reuses one struct (see the rule above); err may be NULL. */
LN_API void ln_error_clear(ln_error *err);

/* The short name of a code ("not found", "locked"...): a static string,
 * never NULL ("error" for a code it does not know). */
LN_API const char *ln_error_name(int code);

#endif
