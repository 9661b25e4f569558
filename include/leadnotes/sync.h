/* leadnotes: sync with a git remote (fetch, integrate, push), sealed
 * evaluations (annotated tags) and the clean/smudge filter drivers libgit2
 * does not run by itself. Works on a plain git_repository plus the notes
 * folder's place inside its working directory, so it knows nothing of the
 * store's own state. */
#ifndef LEADNOTES_SYNC_H
#define LEADNOTES_SYNC_H

#include <stddef.h>
#include <git2.h>

#include "leadnotes/common.h"

/* How a sync integrated the remote's work. */
typedef enum ln_sync_merge {
	LN_SYNC_UP_TO_DATE = 0,  /* nothing new on the remote */
	LN_SYNC_FAST_FORWARD = 1, /* the local branch moved forward to the remote's */
	LN_SYNC_MERGE = 2        /* both sides had new commits: a merge commit */
} ln_sync_merge;

/* Progress for long transfers. stage is "fetch", "resolve", "checkout" or
 * "push"; received and total count objects (steps for checkout). Return 0
 * to go on, non-zero to cancel the sync (which then fails, nothing lost). */
typedef int (*ln_sync_progress_cb)(const char *stage, size_t received, size_t total, void *payload);

typedef struct ln_sync_options {
	const char *remote;           /* NULL: the branch's upstream remote, else "origin" */
	ln_sync_progress_cb progress; /* may be NULL */
	void *payload;                /* passed to progress */
	size_t committed;             /* notes the caller committed just before (save first):
	                               * a failure then does not say "nothing was changed" */
} ln_sync_options;

#define LN_SYNC_OPTIONS_INIT { NULL, NULL, NULL, 0 }

typedef struct ln_sync_result {
	size_t fetched;      /* objects received from the remote */
	ln_sync_merge merged;
	int pushed;          /* 1 when something was pushed */
	char **conflicts;    /* notes left with conflict markers, relative to the notes folder */
	size_t conflict_count;
	char *branch;        /* the local branch synced ("main") */
	char *remote;        /* the remote synced with ("origin") */
	char *upstream;      /* the remote's branch ("main", or branch.<name>.merge) */
	int followed;        /* 1 when this first contact followed the remote's default
	                      * branch (upstream) rather than the local branch's name */
	char **unsynced;     /* notes in the folder that the branch does not hold (so the
	                      * remote does not have them), relative to the notes folder */
	size_t unsynced_count;
} ln_sync_result;

/* Fetches the upstream of the branch HEAD is on from remote.<name>.url into
 * refs/remotes/<name>/<upstream> (and the eval/ seals not present here),
 * integrates it (fast-forward, else a merge commit; conflicting notes keep
 * both sides between conflict markers and are committed) and pushes the
 * branch to it, with the new seals. The upstream is what git configures
 * (branch.<branch>.remote and .merge, as `git push -u` sets them); without
 * it, the branch of the same name on opts->remote or "origin". Holds the
 * leadnotes writer lock (<gitdir>/leadnotes/lock) throughout. prefix is the
 * notes folder relative to the working directory ("" or "sub/"): conflict
 * paths are reported relative to it. Refuses (LN_EEXISTS) when tracked files
 * have uncommitted changes. On success *out is a result the caller frees with
 * ln_sync_result_free; when conflicts were committed it is also LN_OK (the
 * list says which notes need attention, and they are added to
 * .git/leadnotes/conflicts). On failure *out is NULL and err says why: a
 * failed fetch or integration leaves the branch, index and working tree as
 * they were; a failed push keeps the local merge (nothing is lost). Codes:
 * LN_EEXISTS (uncommitted changes), LN_ECONFLICT (a git operation in
 * progress, see ln_sync_check_state), LN_ELOCKED (another leadnotes holds
 * the writer lock past its timeout), LN_EINVALID, LN_EIO, LN_ENOMEM, and
 * LN_ERROR for what the remote or libgit2 refused. */
LN_API int ln_sync_run(ln_sync_result **out, git_repository *repo, const char *prefix,
	const ln_sync_options *opts, ln_error *err);

/* Frees a result and every string in it; result may be NULL. */
LN_API void ln_sync_result_free(ln_sync_result *result);

/* LN_OK when the repository is in no operation of its own; LN_ECONFLICT
 * with a message naming it while a merge, rebase, cherry-pick, revert, am
 * or bisect is in progress, or the index holds unresolved conflicts: a sync
 * (or the saves before it) would commit and publish the half-done state. */
LN_API int ln_sync_check_state(git_repository *repo, ln_error *err);

/* The notes (files in a person folder, with a note extension, no part of
 * the path starting with '.') that HEAD does not hold although they exist
 * in the working tree: new files, including ones a .gitignore ignores.
 * *out is a NULL-terminated array of paths relative to the notes folder,
 * which the caller frees with ln_sync_strings_free; *count (count may be
 * NULL) its length. Returns 0; LN_EINVALID for a repository without a
 * working tree; LN_ENOMEM, LN_ERROR (*out is NULL then). */
LN_API int ln_sync_untracked_notes(char ***out, size_t *count, git_repository *repo, const char *prefix, ln_error *err);

/* The notes recorded in .git/leadnotes/conflicts that still hold conflict
 * markers in the working tree or in HEAD (a note drops out once a
 * marker-free version is saved), relative to the notes folder. *out is a
 * NULL-terminated array the caller frees with ln_sync_strings_free; *count
 * (count may be NULL) its length. No file: an empty list. Returns 0 or
 * LN_ENOMEM (*out is NULL then). */
LN_API int ln_sync_conflicts(char ***out, size_t *count, git_repository *repo, const char *prefix, ln_error *err);

/* Frees a NULL-terminated string array and its strings; strings may be
 * NULL. */
LN_API void ln_sync_strings_free(char **strings);

/* The result of checking a note against its seal. */
typedef struct ln_seal_status {
	int sealed;      /* 1 when an eval/ tag records this note */
	char *tag;       /* the latest such tag name, or NULL */
	int unchanged;   /* 1 when the file equals the sealed version */
	char *diff;      /* unified diff sealed -> current, or NULL when unchanged or not sealed */
	char *problem;   /* NULL, or what happened to the seal itself: deleted, moved to
	                  * another object (git tag -f), or different from the remote's copy */
	int signature;   /* an ln_signature_state (signing.h) of the seal's tag */
	char *signature_detail; /* who signed it, or why it could not be checked; may be NULL */
} ln_seal_status;

/* Records what the remote holds under refs/tags/eval/ (name and object, as
 * listed by the remote during a sync) in <gitdir>/leadnotes/remote-seals
 * (replaced atomically), for verify to compare with. heads, borrowed, as
 * git_remote_ls gives them. Returns 0, LN_EIO or LN_ENOMEM. */
LN_API int ln_seal_record_remote(git_repository *repo, const git_remote_head **heads, size_t count, ln_error *err);

/* Seals a note: an annotated tag eval/<person>/<date> (date from the file
 * name, else today; "-2", "-3"... when that name is taken by another seal)
 * on the latest commit that introduced the note's committed content. path is
 * relative to the notes folder and starts with the person's folder. Refuses
 * (LN_EINVALID) a note with uncommitted changes or outside a person folder,
 * LN_ENOTFOUND one that was never committed. Sealing again an unchanged,
 * sealed note returns the existing tag. *out_tag is the tag name, freed by
 * the caller with free(). */
LN_API int ln_seal_create(char **out_tag, git_repository *repo, const char *prefix, const char *path, ln_error *err);

/* Checks a note against its latest seal. *out is freed with
 * ln_seal_status_free. A note that was never sealed is sealed=0, not an
 * error; a missing file compares as empty. The seal is checked too: against
 * the tag object recorded when it was made here (<gitdir>/leadnotes/seals:
 * a deleted or re-pointed tag is a problem, and the note is compared with
 * the recorded seal), against the remote's copy seen at the last sync, and
 * its signature with the signing program. Returns 0; LN_EINVALID for a
 * path outside a person folder; LN_ENOMEM; LN_ERROR when the sealed
 * version cannot be read. *out is NULL on failure. */
LN_API int ln_seal_verify(ln_seal_status **out, git_repository *repo, const char *prefix, const char *path, ln_error *err);

/* Frees a status and its strings; status may be NULL. */
LN_API void ln_seal_status_free(ln_seal_status *status);

/* The tag name a seal of path would start from (eval/<person>/<date>), made
 * a valid ref name whatever the person folder holds, into *out, which the
 * caller frees with free(). Returns 0, LN_EINVALID for a path outside a
 * person folder, or LN_ENOMEM. */
LN_API int ln_seal_tag_name(char **out, const char *path, ln_error *err);

#endif
