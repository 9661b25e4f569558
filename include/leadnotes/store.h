/* leadnotes: the notes store, a folder of notes inside a git repository.
 * Every change is a commit made in-process with libgit2 that touches only
 * the saved path; history is answered from an index kept under .git/. */
#ifndef LEADNOTES_STORE_H
#define LEADNOTES_STORE_H

#include <git2.h>

#include "leadnotes/common.h"

typedef struct ln_store ln_store;

/* ln_store_save returns this (positive) instead of 0 when the file equals
 * what HEAD holds: no commit was made. */
#define LN_STORE_UNCHANGED 1

/* Longest name a person's folder may have, in bytes. */
#define LN_STORE_NAME_MAX 100

/* What a commit made by the store is. */
typedef struct ln_commit_info {
	char id[GIT_OID_HEXSZ + 1];  /* full hex id */
	char short_id[8];            /* first 7 hex digits */
	char summary[256];           /* first line of the message, cut to fit */
	long long time;              /* committer time, seconds since the epoch */
} ln_commit_info;

/* One commit of a history, newest first. */
typedef struct ln_history_entry {
	char id[GIT_OID_HEXSZ + 1];
	char short_id[8];
	long long time;    /* committer time, seconds since the epoch */
	char *author;      /* author name */
	char *summary;     /* first line of the message */
	char **paths;      /* changed paths under the notes folder (relative to it) */
	size_t path_count;
} ln_history_entry;

typedef struct ln_history {
	ln_history_entry *entries;
	size_t count;
} ln_history;

/* Limits of a history query; zero fields mean "no limit". */
typedef struct ln_history_opts {
	size_t limit;
	long long since; /* committer time >= since */
	long long until; /* committer time <= until */
} ln_history_opts;

/* A list of strings the caller owns (ln_store_strings_free). */
typedef struct ln_strings {
	char **items;
	size_t count;
} ln_strings;

/* One uncommitted change under the folder. */
typedef struct ln_status_entry {
	char *path;   /* relative to the notes folder */
	char state;   /* 'M' modified, 'A' new (untracked or added), 'D' deleted */
} ln_status_entry;

typedef struct ln_status {
	ln_status_entry *entries;
	size_t count;
} ln_status;

/* How ln_store_open_ext treats a folder that is not a repository of its own. */
#define LN_STORE_OPEN_CREATE 1u /* a missing or empty folder is created 0700 as a repository of its own */
#define LN_STORE_OPEN_SHARED 2u /* a folder inside another repository is used as part of it */
#define LN_STORE_OPEN_ADOPT 4u  /* an existing folder with files becomes a repository (leadnotes init) */

/* Opens the notes folder `dir` into *out (free with ln_store_free). A folder
 * with its own .git is opened as it is. Otherwise, by flags: a missing or
 * empty folder is created (0700) as a repository of its own with a first
 * commit, even under another repository (CREATE; without it LN_ENOTFOUND:
 * there are no notes yet); a folder inside another repository is used as
 * part of it (SHARED; without it LN_EINVALID naming that repository); an
 * existing folder with files that is in no repository is made one (ADOPT;
 * without it LN_EINVALID). Also LN_EINVALID for an empty dir, a file in its
 * place, or a repository git refuses (another owner, SHA-256); LN_EIO when
 * the file system fails; LN_ENOMEM; LN_ERROR when libgit2 fails. *out is
 * NULL on failure. */
LN_API int ln_store_open_ext(ln_store **out, const char *dir, unsigned flags, ln_error *err);

/* ln_store_open_ext with LN_STORE_OPEN_CREATE: opens dir into *out (free
 * with ln_store_free), creating it as a repository of its own when it is
 * missing or empty. Returns 0, or LN_EINVALID, LN_EIO, LN_ENOMEM, LN_ERROR
 * as ln_store_open_ext; *out is NULL on failure. */
LN_API int ln_store_open(ln_store **out, const char *dir, ln_error *err);

/* The git hooks of the notes repository that a git commit or push would
 * run and leadnotes does not (pre-commit, prepare-commit-msg, commit-msg,
 * post-commit, pre-merge-commit, post-merge, pre-push): those present and
 * executable in core.hooksPath or <gitdir>/hooks, into *out (free with
 * ln_store_strings_free; empty when there are none). Returns 0 or
 * LN_ENOMEM (*out empty then). */
LN_API int ln_store_skipped_hooks(ln_strings *out, ln_store *store, ln_error *err);

/* 1 when rel (relative to the notes folder) names a note: a file inside a
 * person's folder, ending in .org or .md, no part of it starting with '.';
 * else 0. A pure function of the string. save_all and sync add only notes. */
LN_API int ln_store_is_note(const char *rel);

/* 1 when the store's folder is part of a repository whose working tree is
 * larger than the folder (the notes share it), else 0. */
LN_API int ln_store_is_shared(const ln_store *store);

/* Closes the store: waits for a pending index write, packs loose objects
 * after many saves (ln_store_maintain), releases the repository and every
 * borrowed pointer taken from the store. store may be NULL. */
LN_API void ln_store_free(ln_store *store);

/* The store's repository: borrowed, valid as long as the store; the caller
 * must not free it. Waits for a pending index write first (see
 * ln_store_flush), so callers may write the index themselves. */
LN_API git_repository *ln_store_repository(ln_store *store);
/* On large repositories (an index over 64 KB, LEADNOTES_DEFER_INDEX_BYTES)
 * save returns once its commit is written and the branch locked for it;
 * the store's flusher thread then moves the branch and writes the git
 * index, holding .git/index.lock throughout. This waits until both have
 * landed (git log shows the commit, git status is clean). Every store
 * function that reads the repository waits first, and so does closing. */
LN_API void ln_store_flush(ln_store *store);
/* The notes folder, absolute, without a trailing slash; borrowed, valid as
 * long as the store. */
LN_API const char *ln_store_dir(const ln_store *store);
/* The notes folder relative to the repository's workdir: "" for the root,
 * else "sub/dir/"; borrowed, valid as long as the store. */
LN_API const char *ln_store_prefix(const ln_store *store);

/* The last notice worth telling the user ("removed a stale lock ..."), or
 * "" when there is none; borrowed until the next call on the store. */
LN_API const char *ln_store_notice(const ln_store *store);

/* Forgets the notice, so ln_store_notice returns "" until the next one. */
LN_API void ln_store_clear_notice(ln_store *store);

/* Maps a person's display name (NUL-terminated) to a folder name into *out
 * (caller frees): Unicode letters kept, whitespace runs folded to '-'.
 * Refuses (LN_EINVALID) empty names, ".", "..", '/', '\\', control or
 * invisible characters, a leading '.', ".git" in any case, invalid UTF-8,
 * more than LN_STORE_NAME_MAX bytes; LN_ENOMEM. *out is NULL on failure.
 * A pure function. */
LN_API int ln_store_person_dir(char **out, const char *display_name, ln_error *err);

/* ln_store_person_dir for len bytes of name, which may hold a NUL byte
 * (refused, LN_EINVALID): *out, which the caller frees, and the same codes. */
LN_API int ln_store_person_dir_len(char **out, const char *name, size_t len, ln_error *err);

/* Turns a path given by a caller (absolute, or relative to the notes folder)
 * into the path relative to the folder, normalised, into *out (caller
 * frees). Returns 0; LN_EINVALID for anything outside the folder, under
 * .git, or reached through a symlink that leaves the folder; LN_ENOMEM.
 * *out is NULL on failure. */
LN_API int ln_store_relpath(char **out, ln_store *store, const char *path, ln_error *err);

/* Top-level folders of the notes folder (the people; names starting with
 * '.' skipped), sorted bytewise, into *out (free with
 * ln_store_strings_free). Returns 0, LN_EIO when the folder cannot be
 * read, or LN_ENOMEM; *out is empty on failure. */
LN_API int ln_store_people(ln_strings *out, ln_store *store, ln_error *err);

/* Frees the strings of list and empties it (the struct itself is the
 * caller's); list may be NULL. */
LN_API void ln_store_strings_free(ln_strings *list);

/* Commits the current content of `path` (or its deletion) as one commit that
 * touches only that path, updating that one index entry. message NULL means
 * the default ("<person>: <kind> <date>"). Returns 0 with *out filled (out may
 * be NULL), LN_STORE_UNCHANGED when HEAD already holds that content, or a
 * negative code: LN_EINVALID for a path outside the folder (see
 * ln_store_relpath) or a filter that would store plaintext, LN_ENOTFOUND for
 * a path that is neither a file nor committed, LN_ELOCKED after bounded
 * retries, LN_EIO, LN_ENOMEM, LN_ERROR. Never writes the file. */
LN_API int ln_store_save(ln_commit_info *out, ln_store *store, const char *path, const char *message, ln_error *err);

/* The commits ln_store_save_all made (free with ln_store_commits_free). */
typedef struct ln_commits {
	ln_commit_info *items;
	size_t count;
} ln_commits;

/* Commits every uncommitted note under the folder, one commit per person
 * (top-level folder; files at the top level make one more). The commits
 * made are appended to *out (out may be NULL; free with
 * ln_store_commits_free), also those made before a failure. Returns 0, or
 * the codes of ln_store_save (LN_ELOCKED, LN_EIO, LN_ENOMEM...). */
LN_API int ln_store_save_all(ln_commits *out, ln_store *store, ln_error *err);

/* Frees the commits of list and empties it (the struct itself is the
 * caller's); list may be NULL. */
LN_API void ln_store_commits_free(ln_commits *list);

/* The blob id of `path` at HEAD into *out, and in *dirty whether the working
 * file differs from it (1) or not (0); dirty may be NULL. Returns 0;
 * LN_ENOTFOUND when HEAD has no such file; LN_EINVALID for a path outside
 * the folder; LN_ENOMEM, LN_ERROR. */
LN_API int ln_store_blob_id(git_oid *out, int *dirty, ln_store *store, const char *path, ln_error *err);

/* The content of `path` at revision `rev` (anything git rev-parse takes)
 * into *out and *out_len (caller frees *out; NUL-terminated). Raw blob, as
 * `git show rev:path`. Returns 0; LN_ENOTFOUND for an unknown revision or
 * path; LN_EINVALID for a path outside the folder; LN_ENOMEM, LN_ERROR.
 * *out is NULL on failure. */
LN_API int ln_store_show(char **out, size_t *out_len, ln_store *store, const char *rev, const char *path, ln_error *err);

/* Unified diff of `path` between rev_a and rev_b (NULL: the working file),
 * as `git diff rev_a rev_b -- path` prints it, into *out (caller frees; ""
 * when equal). Returns 0, or the codes of ln_store_show; LN_EIO when the
 * working file cannot be read. *out is NULL on failure. */
LN_API int ln_store_diff(char **out, ln_store *store, const char *rev_a, const char *rev_b, const char *path, ln_error *err);

/* Writes the version of `path` at `rev` back to the working file (0600,
 * atomically, its folders made when gone) and commits it with a message
 * saying so, filling *out (out may be NULL). Returns as ln_store_save;
 * also LN_ENOTFOUND when `rev` has no such file, LN_EINVALID when it is a
 * symbolic link there. */
LN_API int ln_store_restore(ln_commit_info *out, ln_store *store, const char *rev, const char *path, ln_error *err);

/* Commits touching `path` (a file or a folder, relative to the notes
 * folder, or absolute) reachable from HEAD, newest first, as
 * `git log -- <path>` lists them (default history simplification), into
 * *out (free with ln_store_history_free). opts
 * may be NULL. Uses and extends the history index in <gitdir>/leadnotes/.
 * Returns 0; LN_EINVALID for a path outside the folder; LN_ENOMEM,
 * LN_ERROR. */
LN_API int ln_store_history(ln_history *out, ln_store *store, const char *path, const ln_history_opts *opts, ln_error *err);

/* Frees the entries of history and empties it (the struct itself is the
 * caller's); history may be NULL. */
LN_API void ln_store_history_free(ln_history *history);

/* Uncommitted changes under the folder, sorted by path, into *out (free
 * with ln_store_status_free). Returns 0, LN_ENOMEM or LN_ERROR; *out is
 * empty on failure. */
LN_API int ln_store_status(ln_status *out, ln_store *store, ln_error *err);

/* Frees the entries of status and empties it (the struct itself is the
 * caller's); status may be NULL. */
LN_API void ln_store_status_free(ln_status *status);

/* Packs loose objects when more than `threshold` have piled up (0: the
* default, 1000), and merges small packs (each save writes its commit as
 * one pack) geometrically, as `git repack --geometric=2` does. Sets *packed
 * (may be NULL) to the number of objects packed or merged. Packing loose
 * objects takes seconds on a large team, so it is never done inside a
 * save: ln_store_free does it after 100 saves or more in a session, and
 * merges the small packs when the session wrote any (as does a save after
 * 40 commit packs in one session); editors may call it when idle.
 * Returns 0, LN_EIO when a pack cannot be written, LN_ENOMEM, LN_ERROR. */
LN_API int ln_store_maintain(size_t *packed, ln_store *store, size_t threshold, ln_error *err);

/* One file under the notes folder. */
typedef struct ln_store_file {
	char *path;                      /* relative to the notes folder */
	char blob[GIT_OID_HEXSZ + 1];    /* blob id in the index, "" when it has none */
	int dirty;                       /* 1: the working file may differ from HEAD, or is new */
	char stat[48];                   /* "<mtime s>.<ns>:<size>" of the working file */
} ln_store_file;

typedef struct ln_store_files {
	ln_store_file *items;
	size_t count;
} ln_store_files;

/* Lists into *out (free with ln_store_files_free) every regular file in the
 * working notes folder, or only under `under` (a folder relative to the
 * notes folder, e.g. a person's; NULL for all), names starting with '.'
 * skipped, sorted by path: each with the blob id HEAD holds for it, if any,
 * and dirty unless the index holds that same blob with stat data that
 * still match the file (mtime to the nanosecond, size; not racy). Reads no
 * file content. Returns 0, LN_EINVALID for an `under` that leaves the
 * folder, or another negative code. */
LN_API int ln_store_files_list(ln_store_files *out, ln_store *store, const char *under, ln_error *err);

/* Frees the items of files and empties it (the struct itself is the
 * caller's); files may be NULL. */
LN_API void ln_store_files_free(ln_store_files *files);

/* What a caller's word for a place in the notes means, into *out (caller
 * frees), relative to the notes folder: "" or NULL stays "" (the whole
 * folder); a word with a '/', or naming a file or folder that exists (lstat:
 * a symlink is not followed), is a path (ln_store_relpath); any other word is
 * a person's display name, mapped to a folder (ln_store_person_dir).
 * LN_EINVALID when it is neither (a path outside the folder). */
LN_API int ln_store_resolve(char **out, ln_store *store, const char *what, ln_error *err);

/* Creates a new note <person_dir>/<stem>.<ext> holding text (len bytes),
 * mode 0600, creating the person's folder (0700) when missing. Never
 * overwrites: when the name is taken it tries <stem>-2.<ext>, -3 ... up to
 * 999 (then LN_EEXISTS). person_dir is a folder directly under the notes
 * folder, absolute or relative to it. On success *out is the new note's path
 * relative to the notes folder (caller frees). LN_EINVALID for an empty stem
 * or ext, one holding '/', a stem starting with '.', or a person_dir that is
 * outside the folder or not a top-level folder; LN_EIO when the file system
 * fails (no partial file is left). Does not commit. In store_write.c. */
LN_API int ln_store_create_note(char **out, ln_store *store, const char *person_dir, const char *stem, const char *ext,
	const char *text, size_t len, ln_error *err);

/* Writes text (len bytes) to path (absolute or relative to the notes
 * folder) through a temporary file renamed over it, mode 0600, creating the
 * missing folders (0700). On failure the old file is untouched. LN_EINVALID
 * for a path outside the folder; LN_EIO, LN_ENOMEM. Does not commit. */
LN_API int ln_store_write_note(ln_store *store, const char *path, const char *text, size_t len, ln_error *err);

#endif
