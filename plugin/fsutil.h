/* leadnotes: private helpers that several C components share (files,
 * strings, UTF-8, locks, libgit2's errors). Not part of the public API: every name
 * carries the private prefix ln__ and none is exported from core.so.
 * Each function follows the ln_error rule of common.h: it fills *err
 * only when it fails, and err may be NULL. */
#ifndef LEADNOTES_FSUTIL_H
#define LEADNOTES_FSUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "leadnotes/common.h"

/* A malloc'd copy of s, which the caller frees; NULL when s is NULL or
 * there is no memory. */
char *ln__strdup(const char *s);

/* A malloc'd, NUL-terminated copy of the first n bytes of s (which may
 * hold NUL bytes), which the caller frees; NULL when there is no memory. */
char *ln__strndup(const char *s, size_t n);

/* Room for one more item in items, an array of *alloc items of size bytes
 * each, count of them used: when it is full, *alloc doubles (first when it
 * is 0) through realloc. Returns the array to use from now on, or NULL
 * when there is no memory (items and *alloc are then unchanged). */
void *ln__array_grow(void *items, size_t *alloc, size_t count, size_t size, size_t first);

/* FNV-1a over n bytes of data, continuing hash h: 64 bits (bits 64, h
 * starting from LN__FNV64_START) or 32 bits (bits 32, from
 * LN__FNV32_START; the result fits a uint32_t). Fast and stable across
 * processes and versions (history's index file is named by one), not a
 * defence against chosen collisions. */
#define LN__FNV64_START 14695981039346656037ull
#define LN__FNV32_START 2166136261u
uint64_t ln__fnv1a(uint64_t h, const void *data, size_t n, int bits);

/* The big-endian 32-bit number at p (git's index and pack files). */
uint32_t ln__be32(const unsigned char *p);

/* The SHA-1 of a's alen bytes followed by b's blen bytes (b may be NULL
 * when blen is 0) into out; 0, or -1 when it could not be computed.
 * Thread-safe; needs no libgit2 initialisation. */
int ln__sha1(unsigned char out[20], const void *a, size_t alen, const void *b, size_t blen);

/* The id git gives a blob holding the len bytes of data (the SHA-1 of
 * "blob <len>\0" and data), as 40 hex digits and a NUL in out; 0, or -1
 * when the hash could not be computed. Needs no libgit2 initialisation. */
int ln__git_blob_id(char out[41], const char *data, size_t len);

/* Writes all len bytes of data to fd, retrying short writes and EINTR;
 * 0, or -1 with errno set. */
int ln__write_all(int fd, const char *data, size_t len);

/* Writes len bytes of data to a temporary file beside path, fsyncs it and
 * renames it over path, with permissions mode (0600 for notes). Returns 0;
 * on failure path is untouched, the temporary is gone, and err says what
 * failed (LN_EIO, LN_ENOMEM), naming the path, never the content. */
int ln__fs_write_atomic(const char *path, const void *data, size_t len, unsigned mode, ln_error *err);

/* Creates the missing folders that lead to rel below dir, each with mode
 * 0700: for "a/b/c.org", dir/a and dir/a/b; for "a/b/", dir/a/b too. dir
 * itself must exist. Returns 0, or LN_EIO / LN_ENOMEM naming the folder. */
int ln__fs_make_parents(const char *dir, const char *rel, ln_error *err);

/* Creates the folder path and any missing folder above it, each with mode
 * 0700 (mkdir -p). Returns 0, or LN_EIO / LN_ENOMEM naming the folder. */
int ln__fs_make_dirs(const char *path, ln_error *err);

/* Decodes the UTF-8 character at s (n bytes available) into *cp and
 * returns its length, 1 to 4; returns 0 when n is 0 or the bytes there
 * are not valid UTF-8 (a stray or missing continuation byte, an overlong
 * form, a surrogate, beyond U+10FFFF), leaving *cp alone. */
size_t ln__utf8_decode(const char *s, size_t n, uint32_t *cp);

/* How long a writer waits for the leadnotes writer lock (the store's saves,
 * history's indexing, sync) and for git's own lock files: the milliseconds
 * in LEADNOTES_LOCK_TIMEOUT_MS when it is set (>= 0), else 5000. */
long ln__lock_timeout_ms(void);

/* Milliseconds on a monotonic clock (for deadlines, not dates). */
long long ln__now_ms(void);

/* Sleeps before retry number attempt (0, 1, ...): 1, 2, 4 ... ms, at most
 * 100 ms, so a short wait is cheap and a long one does not spin. */
void ln__backoff(int attempt);

/* Takes flock(LOCK_EX) on fd, the open lock file path, retrying with
 * ln__backoff for up to timeout_ms. Returns 0; LN_ELOCKED when another
 * process still holds it after that ("another leadnotes is saving or
 * syncing"), LN_EIO when flock fails otherwise; err names path. */
int ln__flock_wait(int fd, const char *path, long timeout_ms, ln_error *err);

/* Opens the lock file path (created with mode 0600 when missing, never
 * through a symlink) and takes it as ln__flock_wait does. Returns the
 * descriptor, which the caller closes to release the lock, or a negative
 * code: LN_ELOCKED, LN_EIO. */
int ln__lock_open(const char *path, long timeout_ms, ln_error *err);

/* Copies libgit2's last error message into err at once, as "<what>: <its
 * message>", and returns the LN_ code for git_rc (the value the libgit2
 * call returned): GIT_ENOTFOUND is LN_ENOTFOUND, GIT_EEXISTS LN_EEXISTS,
 * GIT_ELOCKED LN_ELOCKED, GIT_EINVALIDSPEC LN_EINVALID; any other failure
 * is LN_ENOMEM or LN_EIO when libgit2 says memory or the system failed,
 * else LN_ERROR. what is a short phrase such as "cannot read the index". */
int ln__error_from_git(ln_error *err, int git_rc, const char *what);

/* For the store, from filter.c: whether, since the last reset on
 * this thread, the registered driver was asked about a path that has a
 * filter=<driver> attribute (always 1 when the driver is not registered).
 * After git_filter_list_load, 0 means what ln_filter_check would find: no
 * filter attribute (the store then skips that second reading of the
 * attributes). */
void ln__filter_seen_reset(void);
int ln__filter_seen(void);

#endif
