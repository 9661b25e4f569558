/* leadnotes: what the team view and the nudges read: every file of the
 * notes folder with the blob id the index (kept equal to HEAD by the store)
 * holds for it and whether the working file may differ, so unchanged notes
 * are never read twice. */
#ifndef LEADNOTES_TEAM_H
#define LEADNOTES_TEAM_H

#include <git2.h>

#include "leadnotes/common.h"
#include "leadnotes/store.h"

/* One file under the notes folder. */
typedef struct ln_team_file {
	char *path;                      /* relative to the notes folder */
	char blob[GIT_OID_HEXSZ + 1];    /* blob id in the index, "" when it has none */
	int dirty;                       /* 1: the working file may differ from HEAD, or is new */
	char stat[48];                   /* "<mtime s>.<ns>:<size>" of the working file */
} ln_team_file;

typedef struct ln_team_files {
	ln_team_file *items;
	size_t count;
} ln_team_files;

/* Lists into *out (free with ln_team_files_free) every regular file in the
 * working notes folder, or only under `under` (a folder relative to the
 * notes folder, e.g. a person's; NULL for all), names starting with '.'
 * skipped, sorted by path: each with the blob id HEAD holds for it, if any,
 * and dirty unless the index holds that same blob with stat data that
 * still match the file (mtime to the nanosecond, size; not racy). Reads no
 * file content. Returns 0, LN_EINVALID for an `under` that leaves the
 * folder, or another negative code. */
int ln_team_files_list(ln_team_files *out, ln_store *store, const char *under, ln_error *err);

/* Releases the list; files may be NULL. */
void ln_team_files_free(ln_team_files *files);

#endif
