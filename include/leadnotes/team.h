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

/* One action item of a note: an open or done TODO headline, or a checkbox. */
typedef struct ln_note_item {
	char *text; /* the headline title or the checkbox text, as written */
	int open;   /* 1: TODO keyword, [ ] or [-]; 0: done keyword or [X] */
	int line;   /* 1-based */
} ln_note_item;

/* What the insights read from one note. */
typedef struct ln_note_summary {
	ln_note_item *items;   /* in file order: headlines first, then checkboxes */
	size_t item_count;
	char **prompts;        /* prompt ids recorded in the note */
	size_t prompt_count;
	int career;            /* 1 when the note talks of career or training */
	char **feedback;       /* lines under "Feedback" headlines (whole subtree) */
	size_t feedback_count;
	char **wins;           /* lines under "Wins" / "Went well" / "Proud" headlines */
	size_t win_count;
	char **properties;     /* key, value, key, value...: drawers, then #+KEY: lines */
	size_t property_count; /* number of pairs */
} ln_note_summary;

/* Reads len bytes of an org (markdown 0) or Markdown (1) note into *out
 * (free with ln_note_summary_free): its action items; the prompt ids it
 * records (a PROMPT, PROMPT_ID or LEADNOTES_PROMPT property, a "# prompt:
 * <id>" comment, "<!-- prompt: <id> -->"); whether it talks of career or
 * training (a career word on a line that is not template boilerplate —
 * comments, empty bullets, drawers — nor in a leadership-prompt section, or
 * a career headline with something under it); feedback and wins lines;
 * properties. Any input is read. Returns 0 or LN_ENOMEM. */
int ln_note_summarize(ln_note_summary **out, const char *text, size_t len, int markdown, ln_error *err);

/* Releases a summary; summary may be NULL. */
void ln_note_summary_free(ln_note_summary *summary);

#endif
