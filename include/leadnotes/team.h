/* leadnotes: what the team view and the nudges read from one note. The
 * list of files with their blob ids is the store's (ln_store_files_list). */
#ifndef LEADNOTES_TEAM_H
#define LEADNOTES_TEAM_H

#include <stddef.h>

#include "leadnotes/common.h"

/* One action item of a note: an open or done TODO headline, a headline
 * carry-over moved on (no keyword, a CARRIED_TO property), or a checkbox. */
typedef struct ln_note_item {
	char *text;      /* the headline title or the checkbox text, as written */
	int open;        /* 1: TODO keyword, [ ] or [-]; 0: done keyword or [X] */
	int line;        /* 1-based */
	int level;       /* the headline's stars; 0 for a checkbox */
	char *keyword;   /* the TODO keyword as written (NULL for a moved copy), or the box: "[ ]", "[X]", "[-]" */
	char *id;        /* the ID property, or NULL */
	char *owner;     /* the OWNER property, or NULL */
	char *deadline;  /* planning timestamps as written, or NULL */
	char *scheduled;
	char *tags;      /* ":a:b:", or NULL when untagged */
	char *first_seen; /* the FIRST_SEEN and CARRIED properties carry-over writes, or NULL */
	char *carried;
} ln_note_item;

/* Changes whenever ln_note_summarize reads notes differently or its
 * summary changes shape: summaries cached on disk from another version are
 * then never used (summary_cache.h). */
#define LN_NOTE_SUMMARY_VERSION 1

/* What the insights read from one note. */
typedef struct ln_note_summary {
	ln_note_item *items;   /* in file order: headlines first, then checkboxes */
	size_t item_count;
	char **prompts;        /* prompt ids recorded in the note */
	size_t prompt_count;
	int career;            /* 1 when a career section has content (or a TODO) */
	char **feedback;       /* lines under "Feedback" headlines (whole subtree), given to the report */
	size_t feedback_count;
	char **wins;           /* lines under "Wins" / "Went well" / "Proud" headlines */
	size_t win_count;
	char **properties;     /* key, value, key, value...: drawers, then #+KEY: lines */
	size_t property_count; /* number of pairs */
	char **received;       /* feedback received: under "For me" / "From them" inside a feedback section */
	size_t received_count;
	char **blockers;       /* lines under "Blockers" headlines */
	size_t blocker_count;
	char **career_lines;   /* lines under career / growth / training / development headlines */
	size_t career_count;
	char **concerns;       /* lines under "Concern" / "Performance" headlines: a recorded concern */
	size_t concern_count;
} ln_note_summary;

/* Reads len bytes of an org (markdown 0) or Markdown (1) note into *out
 * (free with ln_note_summary_free): its action items (with, for a
 * headline, its keyword, ID, OWNER, planning, tags, FIRST_SEEN and
 * CARRIED; for a checkbox, its box); the prompt ids it
 * records (a PROMPT, PROMPT_ID or LEADNOTES_PROMPT property, a "# prompt:
 * <id>" comment, "<!-- prompt: <id> -->"); the lines written (not template
 * boilerplate: comments, empty bullets, drawers) in its sections: feedback
 * given and received, wins, blockers, concerns, career (a headline titled career,
 * growth, development, training, learning or promotion); whether it talks
 * of career (that section has content or a TODO: a stray word elsewhere
 * does not count); properties. Any input is read. Returns 0 or LN_ENOMEM. */
LN_API int ln_note_summarize(ln_note_summary **out, const char *text, size_t len, int markdown, ln_error *err);

/* Releases a summary; summary may be NULL. */
LN_API void ln_note_summary_free(ln_note_summary *summary);

#endif
