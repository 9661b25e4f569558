/* The notes store, the git index: kept consistent with every commit the
 * store makes, and written off the editing path by a flusher thread that
 * holds .git/index.lock until the index has landed. */
#define _GNU_SOURCE /* SCHED_BATCH */
#include <ctype.h>
#include <sched.h>
#include <signal.h>
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
#include "index_writer.h"
#include "store_internal.h"

/* The repository's index, opened on first use. */
int store_index(ln_store *store, ln_error *err)
{
	if (store->index)
		return 0;
	if (git_repository_index(&store->index, store->repo) < 0)
		return ln__error_from_git(err, GIT_ERROR, "cannot open the index");
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
	long long deadline = ln__now_ms() + ln__lock_timeout_ms();
	if (store_index(store, err) < 0)
		return err ? err->code : LN_ERROR;
	for (;;) {
		int rc;
		if (git_index_read(store->index, 0) < 0)
			return ln__error_from_git(err, GIT_ERROR, "cannot read the index");
		dirty = 0;
		if ((rc = store_journal_repair(store, store->index, &dirty, err)) < 0 ||
		    (rc = store_apply_index(store, store->index, changes, n, &dirty, err)) < 0)
			return rc;
		if (!dirty)
			return 0;
		rc = git_index_write(store->index);
		if (rc == 0) {
			store_journal_clear(store);
			return 0;
		}
		if (rc != GIT_ELOCKED) {
			git_index_read(store->index, 1);
			return ln__error_from_git(err, GIT_ERROR, "cannot write the index");
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
			if (ln__now_ms() > deadline)
				return ln_error_set(err, LN_ELOCKED, "repository is locked: %sindex.lock exists (another git command is running?)", store->gitdir);
		}
		ln__backoff(attempt++);
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
 *      applies the change to `pending_index`, our copy of the index kept in memory;
 *   2. it writes the commit and moves the ref, and returns;
 *   3. a flusher thread writes pending_index to <gitdir>/leadnotes/index.next,
 *      renames it over .git/index, then removes index.lock.
 *
 * While the lock is held, git (and other leadnotes processes) wait or fail
 * with "index.lock exists": nothing can commit the old index. The next
 * save, the store's close, ln_store_repository, status and blob_id first
 * wait for the flush. pending_index is reloaded only when .git/index changed under
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
		pthread_mutex_lock(&store->flush_mu);
		while (store->flush_job)
			pthread_cond_wait(&store->flush_cv, &store->flush_mu);
		pthread_mutex_unlock(&store->flush_mu);
		store->flushing = 0;
	}
}

/* ------------------------------------------------------------ lock mark
 *
 * Creating a file is most of a save's cost on a file system that has just
 * freed many inodes (ext4 then skips each recently freed inode). So
 * .git/index.lock is taken as a hard link to a mark file this store makes
 * once, <gitdir>/leadnotes/index.lock.mark.<pid>.<store>, holding
 * "leadnotes <pid>" and kept open: link() fails when index.lock exists, as
 * O_EXCL does, git sees the same lock, and a killed holder's lock is
 * recognised by its mark as before. The mark's time is renewed at each
 * lock, so a lock's age is still the time it was taken. Marks of dead
 * processes are removed when a store makes its own. Where hard links are
 * refused, index.lock is created each time. */

static int store_mark_pid(const char *name, long *pid)
{
	static const char prefix[] = "index.lock.mark.";
	char *end;
	if (strncmp(name, prefix, sizeof(prefix) - 1) != 0)
		return 0;
	*pid = strtol(name + sizeof(prefix) - 1, &end, 10);
	return *pid > 0 && *end == '.';
}

/* Removes the marks that processes which are gone left behind. */
static void store_mark_sweep(ln_store *store)
{
	size_t n = strlen(store->journal_path);
	char *dir = malloc(n + 1);
	DIR *d;
	struct dirent *e;
	if (!dir)
		return;
	memcpy(dir, store->journal_path, n + 1);
	*strrchr(dir, '/') = '\0';
	d = opendir(dir);
	while (d && (e = readdir(d)) != NULL) {
		long pid;
		char *path;
		if (!store_mark_pid(e->d_name, &pid) || pid == (long)getpid() ||
		    !(kill((pid_t)pid, 0) != 0 && errno == ESRCH))
			continue;
		path = malloc(strlen(dir) + strlen(e->d_name) + 2);
		if (path) {
			sprintf(path, "%s/%s", dir, e->d_name);
			unlink(path);
			free(path);
		}
	}
	if (d)
		closedir(d);
	free(dir);
}

/* The mark, made on first use; 0, or -1 when there is none to link. */
static int store_mark_ready(ln_store *store)
{
	if (store->mark_failed)
		return -1;
	if (store->mark_fd < 0) {
		char mark[48];
		size_t n = strlen(store->journal_path);
		int len;
		store_mark_sweep(store);
		free(store->mark_path);
		store->mark_path = malloc(n + 64);
		if (!store->mark_path)
			return -1;
		memcpy(store->mark_path, store->journal_path, n + 1);
		/* the store's address tells apart two stores of one process */
		sprintf(strrchr(store->mark_path, '/') + 1, "index.lock.mark.%ld.%lx", (long)getpid(),
			(unsigned long)(uintptr_t)store);
		store->mark_fd = open(store->mark_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (store->mark_fd < 0) {
			store->mark_failed = 1;
			return -1;
		}
		len = snprintf(mark, sizeof(mark), STORE_LOCK_MARK "%ld\n", (long)getpid());
		if (write(store->mark_fd, mark, (size_t)len) != len) {
			store_mark_remove(store);
			store->mark_failed = 1;
			return -1;
		}
	}
	/* the lock's age, as other processes judge it, starts now */
	if (futimens(store->mark_fd, NULL) != 0) {
		/* an old time only makes others look for its holder sooner */
	}
	return 0;
}

void store_mark_remove(ln_store *store)
{
	if (store->index_lock_linked)
		store_index_unlock(store);
	if (store->mark_fd >= 0) {
		unlink(store->mark_path);
		close(store->mark_fd);
		store->mark_fd = -1;
	}
	free(store->mark_path);
	store->mark_path = NULL;
}

/* Takes .git/index.lock for ourselves, as git does (exclusively: a hard
 * link to our mark, or a new file), waiting a bounded time for another
 * holder; a dead holder's lock is cleared. */
int store_index_lock(ln_store *store, ln_error *err)
{
	long long deadline = ln__now_ms() + ln__lock_timeout_ms();
	int attempt = 0;
	for (;;) {
		int fd;
		if (store_mark_ready(store) == 0) {
			if (link(store->mark_path, store->index_lock_path) == 0) {
				store->index_lock_fd = store->mark_fd;
				store->index_lock_linked = 1;
				return 0;
			}
			if (errno != EEXIST) {
				store->mark_failed = 1; /* no hard links here */
				store_mark_remove(store);
				continue;
			}
			fd = -1;
		} else {
			fd = open(store->index_lock_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		}
		if (fd >= 0) {
			/* Who holds it: a later leadnotes clears it at once if we die. */
			char mark[48];
			int len = snprintf(mark, sizeof(mark), STORE_LOCK_MARK "%ld\n", (long)getpid());
			if (write(fd, mark, (size_t)len) != len) {
				/* unmarked: cleared by age alone, as git's own */
			}
			store->index_lock_fd = fd;
			return 0;
		}
		if (errno != EEXIST)
			return ln_error_set(err, LN_EIO, "cannot create %s: %s", store->index_lock_path, strerror(errno));
		if (store_clear_stale_lock(store, store->index_lock_path))
			continue;
		if (ln__now_ms() > deadline)
			return ln_error_set(err, LN_ELOCKED, "repository is locked: %s exists (another git command is running?)",
				store->index_lock_path);
		ln__backoff(attempt++);
	}
}

void store_index_unlock(ln_store *store)
{
	if (store->index_lock_fd < 0)
		return;
	unlink(store->index_lock_path);
	if (!store->index_lock_linked)
		close(store->index_lock_fd);
	store->index_lock_fd = -1;
	store->index_lock_linked = 0;
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

int store_index_ours(ln_store *store)
{
	struct stat st;
	store_flush_wait(store); /* the flusher sets the stamp */
	if (!store->deferred || !store->pending_index || !store->stamp_valid || store->flush_failed)
		return 0;
	if (stat(store->index_path, &st) != 0)
		return errno == ENOENT && store->stamp_absent;
	return !store->stamp_absent && store_stamp_same(&st, &store->stamp);
}

/* Makes pending_index equal .git/index unless it already is (we wrote it last).
 * Called with index.lock held, so .git/index cannot change meanwhile. */
int store_priv_fresh(ln_store *store, ln_error *err)
{
	struct stat st;
	int absent = stat(store->index_path, &st) != 0;
	if (absent && errno != ENOENT)
		return ln_error_set(err, LN_EIO, "cannot read %s: %s", store->index_path, strerror(errno));
	if (store->pending_index && store->flush_failed)
		return 0; /* pending_index is ahead: it is what must be written */
	if (store->pending_index && store->stamp_valid &&
	    (absent ? store->stamp_absent : (!store->stamp_absent && store_stamp_same(&st, &store->stamp))))
		return 0;
	unlink(store->pending_index_path);
	if (!absent && store_copy_file(store->index_path, store->pending_index_path) < 0)
		return ln_error_set(err, LN_EIO, "cannot copy the index: %s", strerror(errno));
	if (!store->pending_index) {
		if (git_index_open(&store->pending_index, store->pending_index_path) < 0)
			return ln__error_from_git(err, GIT_ERROR, "cannot read the index");
	} else if (git_index_read(store->pending_index, 1) < 0) {
		return ln__error_from_git(err, GIT_ERROR, "cannot read the index");
	}
	/* Its cache tree, for index_writer.c: unknown, libgit2 writes. */
	index_tree_free(store->pending_tree);
	store->pending_tree_ok = index_tree_load(&store->pending_tree, store->pending_index_path) == 0;
	store->stamp = st;
	store->stamp_absent = absent;
	store->stamp_valid = 1;
	store->flush_failed = 0;
	return 0;
}

/* Writes pending_index to index.next: by index_writer.c when it can (a
 * third of libgit2's time), else by libgit2 (through index.next.lock).
 * 0, or -1. */
static int store_write_pending(ln_store *store)
{
	int declined = 1;
	if (store->pending_tree_ok &&
	    index_writer_write(store->pending_index, store->pending_tree, store->pending_index_path, &declined) < 0)
		return -1;
	return declined ? git_index_write(store->pending_index) : 0;
}

/* Writes pending_index and renames it over .git/index; then releases index.lock.
 * Runs in the flusher thread (or inline when a thread cannot start). */
static void *store_flush_run(void *arg)
{
	ln_store *store = arg;
	int ok;
	/* Only a holder of .git/index.lock writes index.next: a lock of it is
	 * a dead process's. */
	{
		size_t n = strlen(store->pending_index_path);
		char *lock = malloc(n + 6);
		if (lock) {
			memcpy(lock, store->pending_index_path, n);
			memcpy(lock + n, ".lock", 6);
			unlink(lock);
			free(lock);
		}
	}
	/* The branch first (a save left it locked, holding the commit), then
	 * the index: the lock on the index is held throughout. */
	store_ref_finish(store);
	store_pack_settle(store);
	ok = store_write_pending(store) == 0 && rename(store->pending_index_path, store->index_path) == 0;
	if (ok)
		store_journal_clear(store); /* landed: nothing left to repair */
	if (ok && stat(store->index_path, &store->stamp) == 0) {
		store->stamp_absent = 0;
		store->stamp_valid = 1;
		store->flush_failed = 0;
	} else {
		/* pending_index stays ahead of .git/index and is written by the next save
		 * or the close. */
		store->flush_failed = 1;
		snprintf(store->notice, sizeof(store->notice),
			"could not write the git index (%s); it will be written with the next save",
			ok ? strerror(errno) : "libgit2 error");
	}
	store_index_unlock(store);
	return NULL;
}

/* The flusher thread: the flush, then the spare files the next save
 * takes, and every STORE_MERGE_EVERY saves the merge of the small packs,
 * made here rather than in the editor's save. */
static void store_flush_job(ln_store *store)
{
	store_flush_run(store);
	store_spare_fill(store);
	if (store->packs_written >= STORE_MERGE_EVERY) {
		ln_error ignored;
		store_pack_merge_small(NULL, store, 2, &ignored);
	}
}

/* The flusher: one thread for the store's life (starting a thread per
 * save cost the editor a tenth of a small save), which runs a job each
 * time store_flush_start hands it one and says when it is done. */
static void *store_flush_thread(void *arg)
{
	ln_store *store = arg;
	struct sched_param batch;
	/* A batch thread does not preempt the editor's thread when a save
	 * wakes it on the same core (it would, as an ordinary thread, in the
	 * middle of the save). */
	memset(&batch, 0, sizeof(batch));
	if (pthread_setschedparam(pthread_self(), SCHED_BATCH, &batch) != 0) {
		/* an ordinary thread then */
	}
	pthread_mutex_lock(&store->flush_mu);
	for (;;) {
		while (!store->flush_job && !store->flush_stop)
			pthread_cond_wait(&store->flush_cv, &store->flush_mu);
		if (!store->flush_job)
			break; /* stopping, nothing left to do */
		pthread_mutex_unlock(&store->flush_mu);
		store_flush_job(store);
		pthread_mutex_lock(&store->flush_mu);
		store->flush_job = 0;
		pthread_cond_broadcast(&store->flush_cv);
	}
	pthread_mutex_unlock(&store->flush_mu);
	return NULL;
}

void store_flusher_stop(ln_store *store)
{
	if (!store->flusher_started)
		return;
	store_flush_wait(store);
	pthread_mutex_lock(&store->flush_mu);
	store->flush_stop = 1;
	pthread_cond_broadcast(&store->flush_cv);
	pthread_mutex_unlock(&store->flush_mu);
	pthread_join(store->flusher, NULL);
	pthread_cond_destroy(&store->flush_cv);
	pthread_mutex_destroy(&store->flush_mu);
	store->flusher_started = 0;
}

/* Index files below this size (about 600 files), and a repository with no
 * index yet (a new notes folder), are written inside save: well under a
 * millisecond, and git status is clean the moment save returns. */
static long store_defer_bytes(void)
{
	const char *env = getenv("LEADNOTES_DEFER_INDEX_BYTES");
	if (env && *env)
		return strtol(env, NULL, 10);
	return 64L * 1024;
}

void store_flush_start(ln_store *store)
{
	if (store->stamp_valid && (store->stamp_absent || (long)store->stamp.st_size < store_defer_bytes())) {
		store_flush_run(store);
		return;
	}
	if (!store->flusher_started) {
		store->flush_job = store->flush_stop = 0;
		if (pthread_mutex_init(&store->flush_mu, NULL) == 0) {
			if (pthread_cond_init(&store->flush_cv, NULL) == 0) {
				if (pthread_create(&store->flusher, NULL, store_flush_thread, store) == 0)
					store->flusher_started = 1;
				else
					pthread_cond_destroy(&store->flush_cv);
			}
			if (!store->flusher_started)
				pthread_mutex_destroy(&store->flush_mu);
		}
	}
	if (store->flusher_started) {
		pthread_mutex_lock(&store->flush_mu);
		store->flush_job = 1;
		pthread_cond_signal(&store->flush_cv);
		pthread_mutex_unlock(&store->flush_mu);
		store->flushing = 1;
		store_register(store);
	} else {
		store_flush_run(store);
	}
}

/* A flush that failed (disk full): pending_index is ahead of .git/index; try once
 * more when closing. */
void store_flush_retry(ln_store *store)
{
	ln_error ignored;
	if (!store->pending_index || store_index_lock(store, &ignored) < 0)
		return;
	store_flush_run(store);
}

/* Applies the changes to pending_index (or, in synchronous mode, to the
 * repository's index); *dirty says whether anything changed. */
int store_apply_index(ln_store *store, git_index *idx, store_change *changes, size_t n, int *dirty, ln_error *err)
{
	struct index_tree *tree = idx == store->pending_index ? store->pending_tree : NULL;
	size_t i;
	for (i = 0; i < n; i++) {
		const git_index_entry *cur = git_index_get_bypath(idx, changes[i].repo_path, 0);
		int conflicted = git_index_get_bypath(idx, changes[i].repo_path, 1) ||
			git_index_get_bypath(idx, changes[i].repo_path, 2) ||
			git_index_get_bypath(idx, changes[i].repo_path, 3);
		if (conflicted) {
			git_index_conflict_remove(idx, changes[i].repo_path);
			index_tree_invalidate(tree, changes[i].repo_path); /* as libgit2 does in its copy */
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
				return ln__error_from_git(err, GIT_ERROR, "cannot update the index");
			index_tree_invalidate(tree, changes[i].repo_path);
			*dirty = 1;
		} else if (cur) {
			if (git_index_remove(idx, changes[i].repo_path, 0) < 0)
				return ln__error_from_git(err, GIT_ERROR, "cannot update the index");
			index_tree_invalidate(tree, changes[i].repo_path);
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
	/* The index we wrote last is known good: while .git/index is still
	 * that file (same inode, size, mtime to the nanosecond), nothing is
	 * read. Reading 10 MB at 100,000 files was most of a save's cost. */
	if (store_index_ours(store))
		return 0;
	if (store->index ? git_index_read(store->index, 0) == 0 : git_repository_index(&store->index, store->repo) == 0)
		return 0;
	e = git_error_last();
	return store_index_error(store, e && e->message ? e->message : "unreadable", err);
}

/* ------------------------------------------------------------ crash journal
 *
 * Between the ref update and the landing of the index (the flusher's
 * rename), a process killed with SIGKILL leaves .git/index with the blobs
 * from before its commit: a staged reversal that the next `git commit`
 * would commit. So before the ref moves, save appends to
 * <gitdir>/leadnotes/index.journal what each committed path held before
 * and what the index must come to hold; the journal is emptied once the
 * index has landed. A later open, or the next save of any note, finds a
 * journal that is not empty and puts back every entry that still holds a
 * "before" blob while HEAD holds the committed one. An entry someone else
 * staged since (another blob) is left alone.
 *
 * One line per path, appended with one write (O_APPEND, under index.lock):
 *   E <new|-> <old|-> <mode> <ctime s ns> <mtime s ns> <dev> <ino> <uid> <gid> <size> <len>:<path>
 * A torn last line is ignored. */

typedef struct journal_entry {
	git_oid new_id, old_id;
	int has_new, has_old;
	unsigned mode;
	long long cs, cns, ms, mns;
	unsigned long dev, ino;
	unsigned uid, gid;
	unsigned long long size;
	const char *path; /* NUL-terminated, inside the read buffer */
} journal_entry;

static int journal_open(ln_store *store)
{
	if (store->journal_fd < 0)
		store->journal_fd = open(store->journal_path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	return store->journal_fd;
}

int store_journal_append(ln_store *store, const git_oid *commit, const store_change *changes, size_t n,
	ln_error *err)
{
	ln_buf b = LN_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1], old[GIT_OID_HEXSZ + 1];
	size_t i;
	int rc = 0;
	(void)err;
	git_oid_tostr(hex, sizeof(hex), commit);
	ln_buf_printf(&b, "C %ld %s\n", (long)getpid(), hex);
	for (i = 0; i < n; i++) {
		const store_change *c = &changes[i];
		if (!c->changed)
			continue;
		if (c->exists)
			git_oid_tostr(hex, sizeof(hex), &c->blob);
		else
			strcpy(hex, "-");
		if (c->had)
			git_oid_tostr(old, sizeof(old), &c->old_blob);
		else
			strcpy(old, "-");
		ln_buf_printf(&b, "E %s %s %o %lld %ld %lld %ld %lu %lu %u %u %llu %zu:", hex, old, (unsigned)c->mode,
			(long long)c->st.st_ctim.tv_sec, (long)c->st.st_ctim.tv_nsec,
			(long long)c->st.st_mtim.tv_sec, (long)c->st.st_mtim.tv_nsec,
			(unsigned long)c->st.st_dev, (unsigned long)c->st.st_ino, (unsigned)c->st.st_uid,
			(unsigned)c->st.st_gid, (unsigned long long)c->st.st_size, strlen(c->repo_path));
		ln_buf_puts(&b, c->repo_path);
		ln_buf_putc(&b, '\n');
	}
	/* A journal that cannot be written (disk full) leaves the save as it
	 * was before journals existed; the index write will fail and say so. */
	if (!ln_buf_failed(&b) && journal_open(store) >= 0) {
		ssize_t w = write(store->journal_fd, b.ptr, b.size);
		(void)w;
	}
	ln_buf_free(&b);
	return rc;
}

void store_journal_clear(ln_store *store)
{
	struct stat st;
	if (journal_open(store) < 0 || fstat(store->journal_fd, &st) != 0 || st.st_size == 0)
		return;
	if (ftruncate(store->journal_fd, 0) != 0) {
		/* left: the next save repairs nothing and tries again */
	}
}

static int journal_oid(git_oid *out, int *has, const char *hex)
{
	if (strcmp(hex, "-") == 0) {
		*has = 0;
		memset(out, 0, sizeof(*out));
		return 0;
	}
	*has = 1;
	return git_oid_fromstr(out, hex);
}

/* Parses buf (len bytes, modified: paths get their NUL) into *out. */
static int journal_parse(journal_entry **out, size_t *count, char *buf, size_t len)
{
	journal_entry *list = NULL;
	size_t n = 0, cap = 0;
	char *p = buf, *end = buf + len;
	*out = NULL;
	*count = 0;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		journal_entry e;
		char newhex[GIT_OID_HEXSZ + 2], oldhex[GIT_OID_HEXSZ + 2];
		size_t plen;
		int used = 0;
		if (!nl)
			break; /* torn tail */
		if (p[0] != 'E') {
			p = nl + 1;
			continue;
		}
		memset(&e, 0, sizeof(e));
		if (sscanf(p, "E %41s %41s %o %lld %lld %lld %lld %lu %lu %u %u %llu %zu:%n", newhex, oldhex, &e.mode,
		           &e.cs, &e.cns, &e.ms, &e.mns, &e.dev, &e.ino, &e.uid, &e.gid, &e.size, &plen, &used) < 13 ||
		    used == 0 || journal_oid(&e.new_id, &e.has_new, newhex) < 0 ||
		    journal_oid(&e.old_id, &e.has_old, oldhex) < 0) {
			p = nl + 1;
			continue;
		}
		/* the path may hold a newline: its length says where it ends */
		if ((size_t)(end - (p + used)) < plen + 1 || p[used + plen] != '\n')
			break;
		p[used + plen] = '\0';
		e.path = p + used;
		if (strlen(e.path) == plen) {
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 8;
				journal_entry *grown = realloc(list, nc * sizeof(*grown));
				if (!grown) {
					free(list);
					return -1;
				}
				list = grown;
				cap = nc;
			}
			list[n++] = e;
		}
		p += used + plen + 1;
	}
	*out = list;
	*count = n;
	return 0;
}

int store_journal_repair(ln_store *store, git_index *idx, int *dirty, ln_error *err)
{
	struct stat st;
	char *buf = NULL;
	journal_entry *ents = NULL;
	size_t count = 0, got = 0, i, k;
	store_head head;
	git_tree *tree = NULL;
	int rc = 0;
	memset(&head, 0, sizeof(head));
	if (journal_open(store) < 0 || fstat(store->journal_fd, &st) != 0 || st.st_size == 0)
		return 0;
	if (st.st_size > 64L * 1024 * 1024)
		return 0; /* not ours */
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	while (got < (size_t)st.st_size) {
		ssize_t r = pread(store->journal_fd, buf + got, (size_t)st.st_size - got, (off_t)got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	{
		/* The newest commit line: a save killed after it returned, before
		 * its flusher moved the branch, left the branch locked with the
		 * commit in the lock. Complete it first (store_base.c). */
		char *c = NULL, *p;
		long pid;
		git_oid commit;
		buf[got] = '\0';
		for (p = buf; (p = strstr(p, "C ")) != NULL; p += 2)
			if (p == buf || p[-1] == '\n')
				c = p;
		if (c && sscanf(c, "C %ld", &pid) == 1 && pid != (long)getpid() && kill((pid_t)pid, 0) != 0 &&
		    errno == ESRCH && (p = strchr(c + 2, ' ')) != NULL && git_oid_fromstrn(&commit, p + 1, GIT_OID_HEXSZ) == 0)
			store_ref_recover(store, &commit);
	}
	if (journal_parse(&ents, &count, buf, got) < 0) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (count == 0)
		goto cleanup;
	if ((rc = store_read_head(&head, store, err)) < 0)
		goto cleanup;
	if (!head.commit || git_commit_tree(&tree, head.commit) < 0)
		goto cleanup;
	for (i = count; i-- > 0;) {
		const journal_entry *e = &ents[i];
		const git_index_entry *ie;
		git_tree_entry *te = NULL;
		int later = 0, in_head, match = 0;
		for (k = i + 1; k < count && !later; k++)
			later = strcmp(ents[k].path, e->path) == 0;
		if (later)
			continue; /* the newest line of a path decides */
		in_head = git_tree_entry_bypath(&te, tree, e->path) == 0;
		if (e->has_new ? !(in_head && git_oid_equal(git_tree_entry_id(te), &e->new_id)) : in_head) {
			git_tree_entry_free(te);
			continue; /* the commit did not land, or HEAD moved on: nothing of ours to restore */
		}
		git_tree_entry_free(te);
		ie = git_index_get_bypath(idx, e->path, 0);
		if (e->has_new ? (ie && git_oid_equal(&ie->id, &e->new_id)) : !ie)
			continue; /* the index landed */
		for (k = 0; k <= i && !match; k++) {
			const journal_entry *o = &ents[k];
			if (strcmp(o->path, e->path) != 0)
				continue;
			match = o->has_old ? (ie && git_oid_equal(&ie->id, &o->old_id)) : !ie;
		}
		if (!match)
			continue; /* staged by someone else since: theirs */
		if (e->has_new) {
			git_index_entry ne;
			memset(&ne, 0, sizeof(ne));
			ne.ctime.seconds = (int32_t)e->cs;
			ne.ctime.nanoseconds = (uint32_t)e->cns;
			ne.mtime.seconds = (int32_t)e->ms;
			ne.mtime.nanoseconds = (uint32_t)e->mns;
			ne.dev = (uint32_t)e->dev;
			ne.ino = (uint32_t)e->ino;
			ne.mode = e->mode;
			ne.uid = e->uid;
			ne.gid = e->gid;
			ne.file_size = (uint32_t)e->size;
			git_oid_cpy(&ne.id, &e->new_id);
			ne.path = e->path;
			if (git_index_add(idx, &ne) < 0) {
				rc = ln__error_from_git(err, GIT_ERROR, "cannot repair the index");
				goto cleanup;
			}
		} else if (git_index_remove(idx, e->path, 0) < 0) {
			rc = ln__error_from_git(err, GIT_ERROR, "cannot repair the index");
			goto cleanup;
		}
		if (idx == store->pending_index)
			index_tree_invalidate(store->pending_tree, e->path);
		*dirty = 1;
		snprintf(store->notice, sizeof(store->notice),
			"repaired the git index after a save was interrupted (the saved notes stay committed)");
	}
cleanup:
	git_tree_free(tree);
	git_commit_free(head.commit);
	free(ents);
	free(buf);
	return rc;
}

void store_journal_recover(ln_store *store)
{
	struct stat st;
	ln_error ignored;
	int dirty = 0;
	if (stat(store->journal_path, &st) != 0 || st.st_size == 0)
		return;
	if (store_lock(store, &ignored) < 0)
		return;
	/* A lock the killed saver left is cleared at once (its mark names a
	 * dead process); a live holder's is respected: the next save repairs. */
	store_clear_stale_lock(store, store->index_lock_path);
	if (store_index(store, &ignored) == 0 && git_index_read(store->index, 1) == 0 &&
	    store_journal_repair(store, store->index, &dirty, &ignored) == 0 &&
	    (!dirty || git_index_write(store->index) == 0))
		store_journal_clear(store);
	else if (store->index)
		git_index_read(store->index, 1);
	store_unlock(store);
}

int store_index_error(ln_store *store, const char *why, ln_error *err)
{
	if (strstr(why, "'link'") || strstr(why, "sharedindex")) {
		return ln_error_set(err, LN_EIO, "the git index %sindex is a split index (core.splitIndex), which this "
			"libgit2 cannot read; nothing was changed and what is staged is safe. git can turn it back into one "
			"file, keeping what is staged: git -C %s config core.splitIndex false && git -C %s update-index "
			"--no-split-index", store->gitdir, store->workdir, store->workdir);
	}
	if (strstr(why, "Too many open files"))
		return ln_error_set(err, LN_EIO, "cannot read the git index %sindex: too many open files (the limit is "
			"`ulimit -n`); close some programs or raise the limit; nothing was changed", store->gitdir);
	return ln_error_set(err, LN_EIO, "the git index %sindex is damaged (%s); the notes are safe, nothing was "
		"changed. If git status still reads it, git update-index --index-version 2 rewrites it keeping what is "
		"staged; else rebuild it from the last commit (staged changes become unstaged) with: mv %sindex "
		"%sindex.broken && git -C %s read-tree HEAD", store->gitdir, why, store->gitdir, store->gitdir,
		store->workdir);
}
