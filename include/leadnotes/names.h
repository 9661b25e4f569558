/* leadnotes: people's names as the manager typed them. A name becomes a
 * folder in NFC (so "José" typed as e + combining accent and as é is one
 * folder), and two spellings of one person share a key: case-folded,
 * accents and other marks stripped (utf8proc, Unicode's own tables). */
#ifndef LEADNOTES_NAMES_H
#define LEADNOTES_NAMES_H

#include <stddef.h>

#include "leadnotes/common.h"

/* The NFC form of len bytes of UTF-8 (name may be NULL when len is 0) into
 * *out, NUL-terminated, which the caller frees. Returns 0, LN_EINVALID for
 * invalid UTF-8, or LN_ENOMEM; *out is NULL on failure. */
LN_API int ln_names_nfc(char **out, const char *name, size_t len, ln_error *err);

/* The key a name is found by: NFC, case-folded, marks stripped ("José
 * MARÍA" and "jose maria" share one), from len bytes of UTF-8 into *out,
 * which the caller frees. Returns 0, LN_EINVALID for invalid UTF-8, or
 * LN_ENOMEM; *out is NULL on failure. */
LN_API int ln_names_key(char **out, const char *name, size_t len, ln_error *err);

#endif
