/* leadnotes: the parsed-note summaries kept on disk between processes.
 *
 * A file (<gitdir>/leadnotes/summaries) maps a key (a note's git blob id)
 * to opaque bytes (a serialised summary). It starts with a header naming
 * the file format and the caller's schema (the summary's shape); records
 * are appended, each with its own CRC-32. A file of another format or
 * schema, a damaged record or a truncated tail is never believed: reading
 * stops at the first bad record, and the next flush rewrites the file
 * (temporary file + rename). Writers serialise on a lock file beside it.
 * The cache is an optimisation: every failure to read or write it leaves
 * the caller computing summaries as if it were empty. */
#ifndef LEADNOTES_SUMMARY_CACHE_H
#define LEADNOTES_SUMMARY_CACHE_H

#include <stddef.h>

#include "leadnotes/common.h"

/* The version of the file's own layout (not of what the values hold). */
#define LN_SUMMARY_CACHE_FORMAT 1

typedef struct ln_summary_cache ln_summary_cache;

/* Loads the cache file `path` (it may be missing or damaged: the cache is
 * then empty) for values of shape `schema` into *out (free with
 * ln_summary_cache_free). Reads the whole file once. Returns 0, or LN_ENOMEM
 * or LN_EINVALID (empty path or schema). */
LN_API int ln_summary_cache_open(ln_summary_cache **out, const char *path, const char *schema, ln_error *err);

/* The value stored under key, borrowed until the next put or free, and its
 * length in *len; NULL when absent. Marks the entry as in use (see flush). */
LN_API const void *ln_summary_cache_get(ln_summary_cache *cache, const char *key, size_t *len);

/* Remembers value under key (both copied) for the next flush; a key already
 * present keeps its value. Returns 0, LN_EINVALID (key empty or over 255
 * bytes, value over 16 MB) or LN_ENOMEM. */
LN_API int ln_summary_cache_put(ln_summary_cache *cache, const char *key, const void *value, size_t len, ln_error *err);

/* Writes what put added since the last flush: appended to the file, or, when
 * the file is damaged, of another version, or holds over twice the records
 * it needs, a compacted copy renamed over it. With `prune`, the caller has
 * looked up every entry it still needs, and compaction drops the others.
 * Returns 0 (also when another process holds the lock past 100 ms: nothing
 * is written, and the entries wait for the next flush),
 * or LN_EIO / LN_ENOMEM; the file is never left half-written. */
LN_API int ln_summary_cache_flush(ln_summary_cache *cache, int prune, ln_error *err);

/* The number of entries known: read at open plus put since. */
LN_API size_t ln_summary_cache_count(const ln_summary_cache *cache);

/* The number of records read from the file at open (for tests: a damaged
 * file reads as fewer). */
LN_API size_t ln_summary_cache_loaded(const ln_summary_cache *cache);

/* Releases the cache without writing; cache may be NULL. */
LN_API void ln_summary_cache_free(ln_summary_cache *cache);

#endif
