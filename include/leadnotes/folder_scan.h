/* leadnotes: the people's folders of a notes folder and a digest of what
 * each holds, from one pass over the folder (each file stat'd once, no file
 * read, no git), so that a caller can keep what it computed from a folder
 * for as long as the folder's digest stays the same (the team view's
 * entries in <gitdir>/leadnotes/team).
 *
 * A folder is listed when it is a directory directly in the notes folder,
 * its name does not start with '.', and it holds a regular file (at any
 * depth up to 16, names starting with '.' skipped, symbolic links not
 * followed): the folders the store's file list (ln_store_files_list)
 * reports files in. */
#ifndef LEADNOTES_FOLDER_SCAN_H
#define LEADNOTES_FOLDER_SCAN_H

#include <stddef.h>

#include "leadnotes/common.h"

/* One person's folder. */
typedef struct ln_folder_state {
	char *dir;          /* its name, relative to the notes folder */
	char digest[33];    /* hex of 128 bits over its name and, for each regular
	                     * file directly inside it (names starting with '.'
	                     * skipped), its name, size, inode, mtime and ctime
	                     * to the nanosecond */
	size_t files;       /* regular files directly inside it */
	int racy;           /* 1: a file directly inside it changed (ctime) at or
	                     * after racy_after: a later change within the file
	                     * system's timestamp granularity might not change the
	                     * digest, so what is computed now must not be kept */
} ln_folder_state;

typedef struct ln_folder_states {
	ln_folder_state *items; /* sorted by dir (strcmp) */
	size_t count;
} ln_folder_states;

/* Scans the folders of the notes folder `dir` into *out (free with
 * ln_folder_states_free; it is empty on failure). racy_after is a time in
 * seconds since the epoch (see racy above). Returns 0, LN_EINVALID (dir
 * NULL or empty), LN_EIO (dir cannot be listed: err names it) or
 * LN_ENOMEM. A folder or file that vanishes during the scan is skipped. */
LN_API int ln_folder_scan(ln_folder_states *out, const char *dir, long long racy_after, ln_error *err);

/* Releases the list (not the struct itself); states may be NULL. */
LN_API void ln_folder_states_free(ln_folder_states *states);

#endif
