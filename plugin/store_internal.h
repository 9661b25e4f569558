/* Shared between store.c and history.c; not part of the public API. */
#ifndef LEADNOTES_STORE_INTERNAL_H
#define LEADNOTES_STORE_INTERNAL_H

#include <pthread.h>
#include <sys/stat.h>

#include "leadnotes/store.h"

struct ln_history_graph;

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
	struct ln_history_graph *graph; /* loaded on first history call */

	/* The index refresh off the editing path (see store.c, "index"):
	 * save takes .git/index.lock itself, moves the ref, and a flusher
	 * thread writes `priv` (the index as it should be) and renames it over
	 * .git/index before releasing the lock. */
	int deferred;          /* 0 when LEADNOTES_SYNC_INDEX=1: write in save */
	git_index *priv;       /* bound to <gitdir>/leadnotes/index.next */
	char *index_path, *index_lock_path, *priv_path;
	int index_lock_fd;     /* our .git/index.lock while held, else -1 */
	struct stat stamp;     /* .git/index as we last wrote or read it */
	int stamp_valid, stamp_absent;
	pthread_t flusher;
	int flushing;          /* a flusher thread runs (join before anything) */
	int flush_failed;      /* the last flush did not land: priv is ahead */
};

/* Waits for a running index flush; every reader of the index or the
 * repository calls it first. */
void store_flush_wait(ln_store *store);

/* Copies git's last error into err with code, prefixed by what failed. */
int store_git_error(ln_error *err, int code, const char *what);

/* Takes / releases the leadnotes writer lock (flock on <gitdir>/leadnotes/lock),
 * waiting a bounded time. Nested calls are counted. */
int store_lock(ln_store *store, ln_error *err);
void store_unlock(ln_store *store);

/* The commit HEAD points at into *out (NULL when unborn). */
int store_head_commit(git_commit **out, ln_store *store, ln_error *err);

/* The history index learns about a commit the store just made: `parent`
 * (may be NULL) was HEAD before, with tree old_root (NULL when unborn);
 * new_root is the commit's tree; `paths` (folder-relative) changed. */
void history_note_commit(ln_store *store, const git_oid *id, long long time, const git_oid *parent,
	const git_tree *old_root, const git_tree *new_root, char **paths, size_t path_count);

void history_graph_free(struct ln_history_graph *graph);

#endif
