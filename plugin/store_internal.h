/* Shared by the units of the store and by history.c, which is built on
 * the store; not part of the public API. The units, lowest first; each
 * calls only the units above it in this list, so every dependency between
 * them runs one way:
 *
 *   store_base.c    helpers, the writer lock, stale git locks, spare files,
 *                   the branch update behind a save, kept trees, HEAD
 *   store_pack.c    a commit's objects written as one pack; small packs merged
 *   odb_guard.c     the guard before libgit2 reads a loose object
 *   index_writer.c  the index file and its cache tree, written by us (the flusher's fast path)
 *   store_index.c   the git index, its journal and the thread that writes it
 *   store.c         open, close, paths, names, people, packing
 *   store_files.c   the listing of files with their blob ids
 *   store_read.c    show, diff, blob_id, status
 *   store_commit.c  loading a change, building trees, the commit, save,
 *                   save_all, restore
 *   pack_read.c     a reader of the packs for history's walks (uses no
 *                   other unit; its header is pack_read.h)
 *   history.c       the history index, fed by a commit hook
 *
 * The test layers/store (tests/layers/) checks this order on the compiled
 * objects. The store never calls history: history registers a commit hook
 * (store_hooks) the first time it is used in a process. */
#ifndef LEADNOTES_STORE_INTERNAL_H
#define LEADNOTES_STORE_INTERNAL_H

#include <pthread.h>
#include <sys/stat.h>

#include "leadnotes/store.h"
#include "fsutil.h"

#define STORE_MAX_RETRIES 64
#define STORE_STALE_LOCK_SECONDS 600 /* a git lock file older than this has no live owner */
#define STORE_STALE_LOCK_OPEN_SECONDS 2 /* ... nor one this old that no process has open */
#define STORE_MAINTAIN_EVERY 100     /* saves in a session before closing checks for loose objects */
#define STORE_LOOSE_THRESHOLD 1000
#define STORE_LOCK_MARK "leadnotes " /* + pid: what the store writes into its index.lock */
#define STORE_SMALL_PACK_OBJECTS 4096 /* a pack with fewer objects is merged with the others */
#define STORE_SPARES 8               /* spare files kept ready (a save takes three) */
#define STORE_TREES_KEPT 64          /* trees a store keeps parsed between saves: the folders of a batch of one-on-ones */
#define STORE_ATTR_MEMOS 64          /* folders whose lack of filters a store remembers */
#define STORE_MERGE_EVERY 40          /* commit packs a store writes before it merges the small ones (git gc --auto repacks everything at 50) */

struct ln_history_graph;
struct store_capture;
struct index_tree;

/* A commit the store has just made, as its commit hook hears of it. */
typedef struct store_commit_event {
	const git_oid *id;
	long long time;          /* committer time */
	const git_oid *parent;   /* HEAD before, NULL when it was unborn */
	const git_tree *old_root; /* the parent's tree, NULL when unborn */
	const git_tree *new_root; /* the commit's tree */
	char **paths;            /* folder-relative paths that changed */
	size_t path_count;
} store_commit_event;

/* What a component built on the store (history) asks to hear. Both may be
 * NULL; set by that component, never by the store. */
typedef struct store_hooks {
	void (*committed)(ln_store *store, const store_commit_event *event);
	void (*closing)(ln_store *store); /* frees what the component keeps in the store */
} store_hooks;

struct ln_store {
	git_repository *repo;
	git_index *index;
	char *dir;     /* absolute notes folder, no trailing slash */
	char *workdir; /* repository workdir, with a trailing slash */
	char *gitdir;  /* repository .git folder, with a trailing slash */
	char *prefix;  /* folder relative to workdir: "" or "sub/dir/" */
	char *lockpath; /* <gitdir>/leadnotes/lock: serialises leadnotes writers */
	int lock_fd;
	int lock_depth;
	unsigned saves; /* since open: packs loose objects every so often */
	char notice[256]; /* last thing worth telling the user, or "" */
	struct ln_history_graph *graph; /* history.c's, loaded on first history call */
	struct store_capture *capture; /* store_pack.c's backend in the odb (the odb owns it), or NULL */
	unsigned packs_written;        /* commit packs since the small packs were last merged */
	store_hooks hooks;

	/* The index refresh off the editing path (see store_index.c): save
	 * takes .git/index.lock itself, moves the ref, and a flusher thread
	 * writes `pending_index` (the index as it should be) and renames it over
	 * .git/index before releasing the lock. */
	int deferred;          /* 0 when LEADNOTES_SYNC_INDEX=1: write in save */
	git_index *pending_index; /* the index as the next flush writes it, bound to <gitdir>/leadnotes/index.next */
	struct index_tree *pending_tree; /* its cache tree, kept by index_writer.c (NULL: none) */
	int pending_tree_ok;      /* pending_tree is known: index_writer.c may write the index */
	char *index_path, *index_lock_path, *pending_index_path;
	int index_lock_fd;     /* our .git/index.lock while held, else -1 */
	int index_lock_linked; /* ... held as a hard link to mark_path (index_lock_fd is mark_fd) */
	char *mark_path;       /* <gitdir>/leadnotes/index.lock.mark.<pid>.<store>, made on first use */
	int mark_fd;           /* open on it while it exists, else -1 */
	int mark_failed;       /* no hard links here: index.lock is created each time */
	struct stat stamp;     /* .git/index as we last wrote or read it */
	int stamp_valid, stamp_absent;
	pthread_t flusher;     /* started on the first deferred flush, stopped on close */
	int flusher_started;
	pthread_mutex_t flush_mu; /* guards flush_job and flush_stop */
	pthread_cond_t flush_cv;  /* signalled when either changes */
	int flush_job;         /* a job handed to the flusher and not done yet */
	int flush_stop;
	int flushing;          /* the caller handed a job and has not waited for it yet */
	int flush_failed;      /* the last flush did not land: pending_index is ahead */
	char *journal_path;    /* <gitdir>/leadnotes/index.journal (see store_index.c) */
	int journal_fd;        /* open on it once used, else -1 */

	/* Spare files (store_base.c): <gitdir>/leadnotes/spare/<pid>.<store>.<n>
	 * exist for spare_taken <= n < spare_made. */
	char *spare_dir;
	unsigned spare_made, spare_taken;
	int spare_fd[STORE_SPARES]; /* spare n is open for writing as spare_fd[n % STORE_SPARES] */
	int spare_failed;      /* out of memory for its name */
	int spare_swept;       /* the spares of dead processes were removed */

	/* The branch update a save leaves to the flusher (store_base.c): its
	 * lock is held and holds the new id; the flusher writes the reflog and
	 * renames the lock over the ref, before the index lands. */
	struct store_ref_move {
		int active;
		char *lock_path, *ref_path; /* <gitdir><ref>.lock, <gitdir><ref> */
		char *log_lines;            /* reflog entries ("<old> <new> <who> <when>\t<msg>\n") */
		int log_head;               /* HEAD names the branch: logs/HEAD gets the entry too */
		git_oid id;                 /* the commit the ref moves to (the lock holds it) */
	} ref_move;
	int reflog_all;        /* core.logAllRefUpdates: -1 not read yet */

	/* The trees along the paths the last saves touched, which the next
	 * save starts from (store_base.c): libgit2 caches no tree over 4 KB,
	 * so a team's root tree would be read and inflated at every save. */
	git_tree *trees_kept[STORE_TREES_KEPT];
	unsigned trees_next;

	/* Folders whose notes no clean filter applies to, and a hash of the
	 * attribute files that said so (store_commit.c). */
	struct store_attr_memo {
		char *dir;      /* repository-relative, no trailing slash; "" for the root */
		uint64_t files;
	} attr_memo[STORE_ATTR_MEMOS];
	unsigned attr_memo_next;
	int no_attributes_filters; /* without any attribute file: no filter applies (core.autocrlf); -1 not known */
	char *global_attributes;   /* the global attributes file libgit2 reads, or NULL */
	int global_attributes_known;
};

/* One path of a commit being built. */
typedef struct store_change {
	char *rel;       /* relative to the folder */
	char *repo_path; /* relative to the workdir */
	int exists;      /* the working file exists */
	git_oid blob;
	git_filemode_t mode;
	struct stat st;
	int changed;     /* differs from HEAD */
	int had;         /* HEAD had the path before, as old_blob */
	git_oid old_blob;
} store_change;

/* What HEAD is: the ref to update (a branch, or "HEAD" when detached), and
 * the commit it points at (NULL when unborn). */
typedef struct store_head {
	char refname[1024];
	git_commit *commit;
	git_oid id;
	int unborn;
} store_head;

/* ---- store_base.c */

/* a + b in a malloc'd string; NULL when out of memory. */
char *store_concat(const char *a, const char *b);

/* Takes / releases the leadnotes writer lock (flock on <gitdir>/leadnotes/lock),
 * waiting a bounded time. Nested calls are counted. */
int store_lock(ln_store *store, ln_error *err);
void store_unlock(ln_store *store);
/* Removes a git lock file a dead process left; 1 when it did (with a notice). */
int store_clear_stale_lock(ln_store *store, const char *lockfile);

/* Spare files: empty files made ahead of need by the flusher, so that a
 * save renames one into place instead of creating a file (on ext4, after
 * many deletions, creating a file costs several times more than renaming
 * one). store_spare_place writes data (len bytes; mode, when not 0444)
 * into a spare, made on the spot when none is left, and renames it to
 * dest, which must not exist: 0, 1 when dest already existed (left as it
 * was), -1 with errno. store_spare_fill makes up to STORE_SPARES of them; store_spare_drop
 * removes this store's (on close). */
int store_spare_place(ln_store *store, const char *dest, const void *data, size_t len, unsigned mode);
void store_spare_fill(ln_store *store);
void store_spare_drop(ln_store *store);

/* The branch update behind a save. store_ref_lock takes <ref>.lock for
 * the ref HEAD names (a branch), as git does, holding id, and checks under
 * it that the ref still holds expected: 0 (locked), GIT_ELOCKED (another
 * holds it), GIT_EMODIFIED (the ref moved; unlocked again), or an ln
 * error. store_ref_prepare makes the reflog entry to append (from sig and
 * msg's first line); store_ref_finish (the flusher) appends it and renames
 * the lock over the ref, 0 or -1 with a notice; store_ref_abort releases a
 * lock that will not be used. */
int store_ref_lock(ln_store *store, const char *refname, const git_oid *expected, const git_oid *id, ln_error *err);
int store_ref_prepare(ln_store *store, const git_oid *old, const git_signature *sig, const char *msg,
	ln_error *err);
int store_ref_finish(ln_store *store);
void store_ref_abort(ln_store *store);
/* A branch lock a killed save left, which holds commit (written before
 * save returned, so the save promised it): when commit's parent is where
 * the branch is, the update is completed (reflog, then the lock renamed
 * over the ref) with a notice. 1 when it moved the branch, else 0 (the
 * lock is then a stale lock like any other). */
int store_ref_recover(ln_store *store, const git_oid *commit);

/* A tree by id (the caller frees *out): one of the STORE_TREES_KEPT the
 * store keeps parsed (the trees along the last saved paths, which the next
 * save starts from), else read from the repository and kept in place of
 * the oldest. store_trees_forget frees them (on close). */
int store_tree_get(git_tree **out, ln_store *store, const git_oid *id);
void store_trees_forget(ln_store *store);

/* Reads HEAD into *out (out->commit owned by the caller). */
int store_read_head(store_head *out, ln_store *store, ln_error *err);
/* The commit HEAD points at into *out (NULL when unborn). */
int store_head_commit(git_commit **out, ln_store *store, ln_error *err);

/* ---- store_pack.c */

/* Adds to the repository's object database the backend that keeps a
 * commit's objects in memory (store->capture); on open. */
int store_pack_install(ln_store *store, ln_error *err);
/* From begin to end, every object written through store->repo is kept in
 * memory (and read from there) instead of written loose; end forgets what
 * store_pack_write has not written. */
void store_pack_begin(ln_store *store);
void store_pack_end(ln_store *store);
/* After store_pack_write, the kept objects stay (and serve reads) until
 * this makes libgit2 see the new pack (a rescan of objects/pack) and
 * forgets them: called by the flusher, else by the next begin. */
void store_pack_settle(ln_store *store);
/* Adds an object (type, len bytes of data) to the commit being built,
 * its id into *out: kept in memory between begin and end, else written
 * through the object database. Unlike a write through libgit2, it never
 * rescans objects/pack for the object first (libgit2 does, each time). 0,
 * or -1 with a libgit2 error. */
int store_pack_keep(git_oid *out, ln_store *store, git_object_t type, const void *data, size_t len);
/* Writes the objects kept so far as one pack in objects/pack (nothing to
 * do when none were written; see store_pack_settle). Called before anything on
 * disk names them. LN_EIO when the pack cannot be written. */
int store_pack_write(ln_store *store, ln_error *err);
/* Under the writer lock, merges packs with fewer than
 * STORE_SMALL_PACK_OBJECTS objects into one, then removes them: from the
 * smallest up, as long as each holds at most twice the objects of those
 * before it (git's geometric repack), and only when that makes at least
 * min (>= 2) packs. *merged (may be NULL) is the number of objects they
 * held (0 when nothing was merged). */
int store_pack_merge_small(size_t *merged, ln_store *store, size_t min, ln_error *err);

/* ---- store.c */

/* The author and committer: git config, else a fallback. */
int store_signature(git_signature **out, git_repository *repo);

/* A folder-relative path as the repository names it / as the file system
 * does (malloc'd; NULL when out of memory). */
char *store_repo_path(ln_store *store, const char *rel);
char *store_abs_path(ln_store *store, const char *rel);
/* LN_EINVALID when a component of rel is a symlink leaving the folder. */
int store_check_links(ln_store *store, const char *rel, ln_error *err);

/* ---- store_commit.c */

/* Commits `changes` (rel set) as one commit on HEAD: loads each working
 * file under the writer lock, updates the index, moves the ref. Returns 0,
 * LN_STORE_UNCHANGED or a negative code. The heart of save, save_all and
 * restore. */
int store_commit(ln_store *store, store_change *changes, size_t n, const char *message,
	const char *verb, ln_commit_info *out, ln_error *err);
void store_change_clear(store_change *c);

/* ---- store_read.c */

/* The blob of rel (folder-relative) at revision rev into *out, its mode
 * into *mode when mode is not NULL; *out NULL when the path is not in that
 * revision (not an error). LN_EINVALID for a refused revision or a folder,
 * LN_ENOTFOUND for an unknown revision. The caller frees *out. */
int store_blob_at(git_blob **out, git_filemode_t *mode, ln_store *store, const char *rev, const char *rel,
	ln_error *err);

/* ---- store_index.c */

/* The repository's index, opened on first use. */
int store_index(ln_store *store, ln_error *err);
/* 1 when .git/index is still the file the store wrote last (its identity:
 * inode, device, size, mtime to the nanosecond), so pending_index holds it. */
int store_index_ours(ln_store *store);
/* LN_EIO naming the way to rebuild a damaged .git/index. */
int store_check_index(ln_store *store, ln_error *err);
/* The error for an index that cannot be read, naming the real cause (a
 * split index, too many open files) and never suggesting a command that
 * throws away what is staged. why: libgit2's message. */
int store_index_error(ln_store *store, const char *why, ln_error *err);
/* Synchronous mode: brings the changes' entries up to date and writes the
 * index before the ref moves. */
int store_update_index(ln_store *store, store_change *changes, size_t n, ln_error *err);
/* Applies the changes to idx; *dirty says whether anything changed. */
int store_apply_index(ln_store *store, git_index *idx, store_change *changes, size_t n, int *dirty, ln_error *err);
/* .git/index.lock, taken as git takes it, bounded wait; and its release. */
int store_index_lock(ln_store *store, ln_error *err);
void store_index_unlock(ln_store *store);
/* Makes pending_index equal .git/index unless it already is; under index.lock. */
int store_priv_fresh(ln_store *store, ln_error *err);
/* Writes pending_index over .git/index (in a thread on large indexes), then
 * releases index.lock. */
void store_flush_start(ln_store *store);
/* A failed flush tried once more (on close). */
void store_flush_retry(ln_store *store);
/* Waits for a running index flush; every reader of the index or the
 * repository calls it first. */
void store_flush_wait(ln_store *store);
/* Waits for the flusher and ends its thread (on close). */
void store_flusher_stop(ln_store *store);
/* The crash journal: before the ref moves, what the index must come to
 * hold (appended); emptied once the index has landed. */
int store_journal_append(ln_store *store, const git_oid *commit, const store_change *changes, size_t n,
	ln_error *err);
/* Repairs idx (under index.lock) from a journal a killed process left:
 * an entry of a committed path that still holds the blob from before the
 * commit gets the committed one, so no later `git commit` reverts the
 * save. *dirty set when idx changed. */
int store_journal_repair(ln_store *store, git_index *idx, int *dirty, ln_error *err);
/* Empties the journal (the index on disk holds everything it said). */
void store_journal_clear(ln_store *store);
/* On open: repairs the index from a journal left by a killed process,
 * when .git/index.lock can be had at once. Failures are left for the next
 * save. */
void store_journal_recover(ln_store *store);
/* Removes this store's lock mark (on close). */
void store_mark_remove(ln_store *store);
/* Forgets the store in the at-exit list of stores to flush. */
void store_unregister(ln_store *store);
/* Same file identity: inode, device, size, mtime to the nanosecond. */
int store_stamp_same(const struct stat *a, const struct stat *b);

#endif
