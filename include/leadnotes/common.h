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
 * and 0 when they do not apply. */
typedef struct ln_error {
	int code;
	int line;
	int column;
	char message[512];
} ln_error;

/* Fills err (which may be NULL) with code and a printf-style message, and
 * returns code so a caller can write `return ln_error_set(err, ...)`. */
LN_API int ln_error_set(ln_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/* Like ln_error_set, with a source position for parse errors. */
LN_API int ln_error_set_at(ln_error *err, int code, int line, int column, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 5, 6)))
#endif
	;

/* Resets err to LN_OK with an empty message. err may be NULL. */
LN_API void ln_error_clear(ln_error *err);

/* The short name of a code ("not found", "locked"...); never NULL. */
LN_API const char *ln_error_name(int code);

#endif
