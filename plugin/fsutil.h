/* leadnotes: private helpers that several C components share (files,
 * strings, libgit2's errors). Not part of the public API: every name
 * carries the private prefix ln__ and none is exported from core.so.
 * Each function follows the ln_error rule of common.h: it fills *err
 * only when it fails, and err may be NULL. */
#ifndef LEADNOTES_FSUTIL_H
#define LEADNOTES_FSUTIL_H

#include <stddef.h>

#include "leadnotes/common.h"

/* A malloc'd copy of s, which the caller frees; NULL when s is NULL or
 * there is no memory. */
char *ln__strdup(const char *s);

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

/* Copies libgit2's last error message into err at once, as "<what>: <its
 * message>", and returns the LN_ code for git_rc (the value the libgit2
 * call returned): GIT_ENOTFOUND is LN_ENOTFOUND, GIT_EEXISTS LN_EEXISTS,
 * GIT_ELOCKED LN_ELOCKED, GIT_EINVALIDSPEC LN_EINVALID; any other failure
 * is LN_ENOMEM or LN_EIO when libgit2 says memory or the system failed,
 * else LN_ERROR. what is a short phrase such as "cannot read the index". */
int ln__error_from_git(ln_error *err, int git_rc, const char *what);

#endif
