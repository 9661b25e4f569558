/* The notes store, the git index: kept consistent with every commit the
 * store makes, and written off the editing path by a flusher thread that
 * holds .git/index.lock until the index has landed. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "leadnotes/buf.h"
#include "store_internal.h"

/* The repository's index, opened on first use. */
int store_index(ln_store *store, ln_error *err)
{
	if (store->index)
		return 0;
	if (git_repository_index(&store->index, store->repo) < 0)
		return store_git_error(err, LN_ERROR, "cannot open the index");
	return 0;
}

static void store_index_entry(git_index_entry *e, const store_change *c)
{
	memset(e, 0, sizeof(*e));
	e->ctime.seconds = (int32_t)c->st.st_ctim.tv_sec;
	e->ctime.nanoseconds = (uint32_t)c->st.st_ctim.tv_nsec;
	e->mtime.seconds = (int32_t)c->st.st_mtim.tv_sec;
	e->mtime.nanoseconds = (uint32_t)c->st.st_mtim.tv_nsec;
	e->dev = (uint32_t)c->st.st_dev;
	e->ino = (uint32_t)c->st.st_ino;
	e->mode = c->mode;
	e->uid = (uint32_t)c->st.st_uid;
	e->gid = (uint32_t)c->st.st_gid;
	e->file_size = (uint32_t)c->st.st_size;
	git_oid_cpy(&e->id, &c->blob);
	e->path = c->repo_path;
}

/* Brings the index entries of the changes up to date and writes the index
 * when something differs. Done before the ref moves: an outside `git commit`
 * in between commits our content rather than reverting it. */
int store_update_index(ln_store *store, store_change *changes, size_t n, ln_error *err)
{
	int dirty = 0, attempt = 0;
	long long deadline = store_now_ms() + store_lock_timeout_ms();
	if (store_index(store, err) < 0)
		return err ? err->code : LN_ERROR;
	for (;;) {
		int rc;
		if (git_index_read(store->index, 0) < 0)
			return store_git_error(err, LN_EIO, "cannot read the index");
		dirty = 0;
		if ((rc = store_apply_index(store->index, changes, n, &dirty, err)) < 0)
			return rc;
		if (!dirty)
			return 0;
		rc = git_index_write(store->index);
		if (rc == 0)
			return 0;
		if (rc != GIT_ELOCKED) {
			git_index_read(store->index, 1);
			return store_git_error(err, LN_EIO, "cannot write the index");
		}
		/* Our changes are only in memory: drop them and start again from
		 * what is on disk once the lock is gone. */
		git_index_read(store->index, 1);
		{
			char *lock = store_concat(store->gitdir, "index.lock");
			int cleared = lock ? store_clear_stale_lock(store, lock) : 0;
			free(lock);
			if (cleared)
				continue;
			if (store_now_ms() > deadline)
				return ln_error_set(err, LN_ELOCKED, "repository is locked: %sindex.lock exists (another git command is running?)", store->gitdir);
		}
		store_backoff(attempt++);
	}
}

/* ------------------------------------------------------------------ index
 *
 * Rewriting the index is most of a save's cost on a large team (libgit2
 * writes the whole file: 10 MB at 100,000 files), so it happens off the
 * editing path without ever opening a window in which an outside `git
 * commit` could use an index that lacks the save (and so revert it):
 *
 *   1. save creates .git/index.lock itself (git's own lock protocol) and
 *      applies the change to `priv`, our copy of the index kept in memory;
 *   2. it writes the commit and moves the ref, and returns;
 *   3. a flusher thread writes priv to <gitdir>/leadnotes/index.next,
 *      renames it over .git/index, then removes index.lock.
 *
 * While the lock is held, git (and other leadnotes processes) wait or fail
 * with "index.lock exists": nothing can commit the old index. The next
 * save, the store's close, ln_store_repository, status and blob_id first
 * wait for the flush. priv is reloaded only when .git/index changed under
 * us (an outside git command). LEADNOTES_SYNC_INDEX=1 writes the index
 * inside save instead (before the ref moves). */

static pthread_mutex_t store_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static ln_store *store_registry[64];
static int store_registry_hooked;

/* At exit (os.exit without closing the store), pending flushes land. */
static void store_at_exit(void)
{
	size_t i;
	pthread_mutex_lock(&store_registry_lock);
	for (i = 0; i < sizeof(store_registry) / sizeof(store_registry[0]); i++)
		if (store_registry[i])
			store_flush_wait(store_registry[i]);
	pthread_mutex_unlock(&store_registry_lock);
}

static void store_register(ln_store *store)
{
	size_t i;
	pthread_mutex_lock(&store_registry_lock);
	if (!store_registry_hooked) {
		atexit(store_at_exit);
		store_registry_hooked = 1;
	}
	for (i = 0; i < sizeof(store_registry) / sizeof(store_registry[0]); i++) {
		if (store_registry[i] == store)
			break;
		if (!store_registry[i]) {
			store_registry[i] = store;
			break;
		}
	}
	pthread_mutex_unlock(&store_registry_lock);
}

void store_unregister(ln_store *store)
{
	size_t i;
	pthread_mutex_lock(&store_registry_lock);
	for (i = 0; i < sizeof(store_registry) / sizeof(store_registry[0]); i++)
		if (store_registry[i] == store)
			store_registry[i] = NULL;
	pthread_mutex_unlock(&store_registry_lock);
}

void store_flush_wait(ln_store *store)
{
	if (store->flushing) {
		pthread_join(store->flusher, NULL);
		store->flushing = 0;
	}
}

/* Takes .git/index.lock for ourselves, as git does (O_EXCL), waiting a
 * bounded time for another holder; a dead holder's lock is cleared. */
int store_index_lock(ln_store *store, ln_error *err)
{
	long long deadline = store_now_ms() + store_lock_timeout_ms();
	int attempt = 0;
	for (;;) {
		int fd = open(store->index_lock_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0) {
			store->index_lock_fd = fd;
			return 0;
		}
		if (errno != EEXIST)
			return ln_error_set(err, LN_EIO, "cannot create %s: %s", store->index_lock_path, strerror(errno));
		if (store_clear_stale_lock(store, store->index_lock_path))
			continue;
		if (store_now_ms() > deadline)
			return ln_error_set(err, LN_ELOCKED, "repository is locked: %s exists (another git command is running?)",
				store->index_lock_path);
		store_backoff(attempt++);
	}
}

void store_index_unlock(ln_store *store)
{
	if (store->index_lock_fd < 0)
		return;
	unlink(store->index_lock_path);
	close(store->index_lock_fd);
	store->index_lock_fd = -1;
}

int store_stamp_same(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
		a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Copies src to dst (replacing it). */
static int store_copy_file(const char *src, const char *dst)
{
	char buf[65536];
	int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, rc = -1;
	ssize_t n;
	if (in < 0)
		return -1;
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		goto cleanup;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		char *p = buf;
		while (n > 0) {
			ssize_t w = write(out, p, (size_t)n);
			if (w <= 0)
				goto cleanup;
			p += w;
			n -= w;
		}
	}
	rc = n == 0 ? 0 : -1;
cleanup:
	if (out >= 0 && close(out) != 0)
		rc = -1;
	close(in);
	return rc;
}

/* Makes priv equal .git/index unless it already is (we wrote it last).
 * Called with index.lock held, so .git/index cannot change meanwhile. */
int store_priv_fresh(ln_store *store, ln_error *err)
{
	struct stat st;
	int absent = stat(store->index_path, &st) != 0;
	if (absent && errno != ENOENT)
		return ln_error_set(err, LN_EIO, "cannot read %s: %s", store->index_path, strerror(errno));
	if (store->priv && store->flush_failed)
		return 0; /* priv is ahead: it is what must be written */
	if (store->priv && store->stamp_valid &&
	    (absent ? store->stamp_absent : (!store->stamp_absent && store_stamp_same(&st, &store->stamp))))
		return 0;
	unlink(store->priv_path);
	if (!absent && store_copy_file(store->index_path, store->priv_path) < 0)
		return ln_error_set(err, LN_EIO, "cannot copy the index: %s", strerror(errno));
	if (!store->priv) {
		if (git_index_open(&store->priv, store->priv_path) < 0)
			return store_git_error(err, LN_EIO, "cannot read the index");
	} else if (git_index_read(store->priv, 1) < 0) {
		return store_git_error(err, LN_EIO, "cannot read the index");
	}
	store->stamp = st;
	store->stamp_absent = absent;
	store->stamp_valid = 1;
	store->flush_failed = 0;
	return 0;
}

/* Writes priv and renames it over .git/index; then releases index.lock.
 * Runs in the flusher thread (or inline when a thread cannot start). */
static void *store_flush_run(void *arg)
{
	ln_store *store = arg;
	int ok;
	/* Only a holder of .git/index.lock writes index.next: a lock of it is
	 * a dead process's. */
	{
		size_t n = strlen(store->priv_path);
		char *lock = malloc(n + 6);
		if (lock) {
			memcpy(lock, store->priv_path, n);
			memcpy(lock + n, ".lock", 6);
			unlink(lock);
			free(lock);
		}
	}
	ok = git_index_write(store->priv) == 0 && rename(store->priv_path, store->index_path) == 0;
	if (ok && stat(store->index_path, &store->stamp) == 0) {
		store->stamp_absent = 0;
		store->stamp_valid = 1;
		store->flush_failed = 0;
	} else {
		/* priv stays ahead of .git/index and is written by the next save
		 * or the close. */
		store->flush_failed = 1;
		snprintf(store->notice, sizeof(store->notice),
			"could not write the git index (%s); it will be written with the next save",
			ok ? strerror(errno) : "libgit2 error");
	}
	store_index_unlock(store);
	return NULL;
}

/* Index files below this size (about 600 files) are written inside save:
 * well under a millisecond, and git status is clean the moment save
 * returns. */
static long store_defer_bytes(void)
{
	const char *env = getenv("LEADNOTES_DEFER_INDEX_BYTES");
	if (env && *env)
		return strtol(env, NULL, 10);
	return 64L * 1024;
}

void store_flush_start(ln_store *store)
{
	if (store->stamp_valid && !store->stamp_absent && (long)store->stamp.st_size < store_defer_bytes()) {
		store_flush_run(store);
		return;
	}
	if (pthread_create(&store->flusher, NULL, store_flush_run, store) == 0) {
		store->flushing = 1;
		store_register(store);
	} else {
		store_flush_run(store);
	}
}

/* A flush that failed (disk full): priv is ahead of .git/index; try once
 * more when closing. */
void store_flush_retry(ln_store *store)
{
	ln_error ignored;
	if (!store->priv || store_index_lock(store, &ignored) < 0)
		return;
	store_flush_run(store);
}

/* Applies the changes to priv (or, in synchronous mode, to the
 * repository's index); *dirty says whether anything changed. */
int store_apply_index(git_index *idx, store_change *changes, size_t n, int *dirty, ln_error *err)
{
	size_t i;
	for (i = 0; i < n; i++) {
		const git_index_entry *cur = git_index_get_bypath(idx, changes[i].repo_path, 0);
		int conflicted = git_index_get_bypath(idx, changes[i].repo_path, 1) ||
			git_index_get_bypath(idx, changes[i].repo_path, 2) ||
			git_index_get_bypath(idx, changes[i].repo_path, 3);
		if (conflicted) {
			git_index_conflict_remove(idx, changes[i].repo_path);
			*dirty = 1;
		}
		if (changes[i].exists) {
			git_index_entry e;
			store_index_entry(&e, &changes[i]);
			if (cur && git_oid_equal(&cur->id, &e.id) && cur->mode == e.mode &&
			    cur->mtime.seconds == e.mtime.seconds && cur->mtime.nanoseconds == e.mtime.nanoseconds &&
			    cur->file_size == e.file_size && cur->ino == e.ino)
				continue;
			if (git_index_add(idx, &e) < 0)
				return store_git_error(err, LN_ERROR, "cannot update the index");
			*dirty = 1;
		} else if (cur) {
			if (git_index_remove(idx, changes[i].repo_path, 0) < 0)
				return store_git_error(err, LN_ERROR, "cannot update the index");
			*dirty = 1;
		}
	}
	return 0;
}


/* A damaged .git/index fails every later step with a puzzling message
 * (about .gitattributes, say): name it and the way to rebuild it. */
int store_check_index(ln_store *store, ln_error *err)
{
	const git_error *e;
	if (store->index ? git_index_read(store->index, 0) == 0 : git_repository_index(&store->index, store->repo) == 0)
		return 0;
	e = git_error_last();
	return store_index_error(store, e && e->message ? e->message : "unreadable", err);
}
