/* The lowest layer of the store, which every other unit of it builds on:
 * a string helper, the leadnotes writer lock, clearing git lock files that
 * dead processes left, spare files, the branch update a save leaves to the
 * flusher, and reading HEAD. It calls no other unit of the store (see
 * store_internal.h). */
#define _GNU_SOURCE /* renameat2 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "leadnotes/buf.h"
#include "store_internal.h"

/* ---------------------------------------------------------------- helpers */

char *store_concat(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *p = malloc(na + nb + 1);
	if (!p)
		return NULL;
	memcpy(p, a, na);
	memcpy(p + na, b, nb + 1);
	return p;
}

/* ----------------------------------------------------------------- locking */

int store_lock(ln_store *store, ln_error *err)
{
	int rc;
	if (store->lock_depth > 0) {
		store->lock_depth++;
		return 0;
	}
	if (store->lock_fd < 0) {
		store->lock_fd = open(store->lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (store->lock_fd < 0)
			return ln_error_set(err, LN_EIO, "cannot open %s: %s", store->lockpath, strerror(errno));
	}
	if ((rc = ln__flock_wait(store->lock_fd, store->lockpath, ln__lock_timeout_ms(), err)) < 0)
		return rc;
	store->lock_depth = 1;
	return 0;
}

void store_unlock(ln_store *store)
{
	if (store->lock_depth == 0)
		return;
	if (--store->lock_depth == 0 && store->lock_fd >= 0)
		flock(store->lock_fd, LOCK_UN);
}

/* Whether some process has the file at `path` open, under any of its
 * names (a leadnotes index.lock is a hard link to a file its holder keeps
 * open): scans /proc/<pid>/fd (Linux; the processes of the same user are
 * all we can see, and all that matter). Returns 1 open, 0 not open, -1
 * cannot tell. */
static int store_file_has_owner(const char *path)
{
	DIR *proc;
	struct dirent *pe;
	struct stat want;
	int found = 0;
	if (lstat(path, &want) != 0)
		return 0;
	proc = opendir("/proc");
	if (!proc)
		return -1;
	while (!found && (pe = readdir(proc)) != NULL) {
		char fddir[64];
		DIR *fds;
		struct dirent *fe;
		if (pe->d_name[0] < '0' || pe->d_name[0] > '9')
			continue;
		snprintf(fddir, sizeof(fddir), "/proc/%.20s/fd", pe->d_name);
		fds = opendir(fddir);
		if (!fds)
			continue;
		while ((fe = readdir(fds)) != NULL) {
			char link[PATH_MAX];
			struct stat st;
			if (fe->d_name[0] == '.')
				continue;
			snprintf(link, sizeof(link), "%s/%.30s", fddir, fe->d_name);
			if (stat(link, &st) == 0 && st.st_ino == want.st_ino && st.st_dev == want.st_dev &&
			    S_ISREG(st.st_mode)) {
				found = 1;
				break;
			}
		}
		closedir(fds);
	}
	closedir(proc);
	return found;
}

/* Whether lockfile is an index.lock a leadnotes process took (it writes
 * "leadnotes <pid>" into it until the index lands) and that process is
 * gone. Git never reads another's lock file, so the mark costs nothing. */
static int store_lock_owner_dead(const char *lockfile)
{
	char buf[64];
	ssize_t n;
	long pid;
	int fd = open(lockfile, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, STORE_LOCK_MARK "%ld\n", &pid) != 1 || pid <= 0 || pid == (long)getpid())
		return 0;
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* A git lock file (index.lock, refs/heads/x.lock) left by a process that
 * died: removed when no process has it open and it is older than
 * STORE_STALE_LOCK_OPEN_SECONDS (libgit2 and git keep the lock open while
 * they write it), or, where that cannot be told, older than
 * STORE_STALE_LOCK_SECONDS. Returns 1 when it removed one, with a notice. */
int store_clear_stale_lock(ln_store *store, const char *lockfile)
{
	struct stat st;
	long age;
	int owner;
	if (lstat(lockfile, &st) != 0)
		return 0;
	age = (long)(time(NULL) - st.st_mtime);
	if (store_lock_owner_dead(lockfile))
		age = STORE_STALE_LOCK_SECONDS; /* a leadnotes that was killed: no need to wait */
	if (age < STORE_STALE_LOCK_OPEN_SECONDS)
		return 0;
	if (age < STORE_STALE_LOCK_SECONDS) {
		owner = store_file_has_owner(lockfile);
		if (owner != 0)
			return 0;
	}
	if (unlink(lockfile) != 0)
		return 0;
	snprintf(store->notice, sizeof(store->notice),
		"removed a stale lock %s left by a process that stopped", lockfile);
	return 1;
}

/* ------------------------------------------------------------ spare files
 *
 * A save writes three new files: its pack, the pack's index and the
 * branch's lock. On ext4 that has freed many inodes (every save also
 * removes a few files), creating one costs about half a millisecond, most
 * of it the search for a free inode; renaming an existing file into place
 * costs a tenth of that. So the flusher, after a save, makes empty files
 * in <gitdir>/leadnotes/spare/, named <pid>.<store>.<n>, read-only as git
 * makes packs, and keeps them open for writing; the next save writes into
 * them and renames them into place. Without spares (the first save of a
 * process) a file is made there on the spot. */

static char *store_spare_path(ln_store *store, unsigned n)
{
	char *p;
	if (!store->spare_dir && !store->spare_failed) {
		store->spare_dir = store_concat(store->gitdir, "leadnotes/spare");
		store->spare_failed = !store->spare_dir;
	}
	if (store->spare_failed || !(p = malloc(strlen(store->spare_dir) + 64)))
		return NULL;
	/* the store's address tells apart two stores of one process */
	sprintf(p, "%s/%ld.%lx.%u", store->spare_dir, (long)getpid(), (unsigned long)(uintptr_t)store, n);
	return p;
}

/* Renames from to dest unless dest exists: 0, 1 when it exists, -1. */
static int store_rename_new(const char *from, const char *dest)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, dest, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EEXIST)
		return 1;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* no RENAME_NOREPLACE on this file system: link is exclusive too */
	if (link(from, dest) != 0)
		return errno == EEXIST ? 1 : -1;
	unlink(from);
	return 0;
}

/* Makes spare number spare_made (and the folder when missing), open for
 * writing in spare_fd; 0, or -1 with errno. */
static int store_spare_make(ln_store *store)
{
	char *path = store_spare_path(store, store->spare_made);
	int fd;
	if (!path)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
	if (fd < 0 && errno == ENOENT && mkdir(store->spare_dir, 0700) == 0)
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
	/* A killed process that had this pid (and this address) left it: no
	 * live spare has this name, which the counter makes unique. */
	if (fd < 0 && errno == EEXIST && unlink(path) == 0)
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
	free(path);
	if (fd < 0)
		return -1;
	store->spare_fd[store->spare_made++ % STORE_SPARES] = fd;
	return 0;
}

int store_spare_place(ln_store *store, const char *dest, const void *data, size_t len, unsigned mode)
{
	char *path;
	unsigned n;
	int fd, rc = -1, saved;
	if (store->spare_taken == store->spare_made && store_spare_make(store) < 0)
		return -1;
	n = store->spare_taken++;
	fd = store->spare_fd[n % STORE_SPARES];
	if (!(path = store_spare_path(store, n))) {
		close(fd);
		return -1;
	}
	if ((len == 0 || ln__write_all(fd, data, len) == 0) && (mode == 0444 || fchmod(fd, (mode_t)mode) == 0))
		rc = 0;
	if (close(fd) != 0)
		rc = -1;
	if (rc == 0)
		rc = store_rename_new(path, dest);
	saved = errno;
	if (rc != 0)
		unlink(path);
	free(path);
	errno = saved;
	return rc;
}

/* Removes the spares of processes that are gone. */
static void store_spare_sweep(ln_store *store)
{
	DIR *d = opendir(store->spare_dir);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		char *end, *path;
		long pid = strtol(e->d_name, &end, 10);
		if (pid <= 0 || *end != '.' || pid == (long)getpid() || !(kill((pid_t)pid, 0) != 0 && errno == ESRCH))
			continue;
		if ((path = malloc(strlen(store->spare_dir) + strlen(e->d_name) + 2)) != NULL) {
			sprintf(path, "%s/%s", store->spare_dir, e->d_name);
			unlink(path);
			free(path);
		}
	}
	if (d)
		closedir(d);
}

void store_spare_fill(ln_store *store)
{
	while (!store->spare_failed && store->spare_made - store->spare_taken < STORE_SPARES) {
		if (store_spare_make(store) < 0)
			return; /* the next save makes its own */
		if (!store->spare_swept) {
			store_spare_sweep(store);
			store->spare_swept = 1;
		}
	}
}

void store_spare_drop(ln_store *store)
{
	while (store->spare_taken < store->spare_made) {
		unsigned n = store->spare_taken++;
		char *path = store_spare_path(store, n);
		close(store->spare_fd[n % STORE_SPARES]);
		if (path)
			unlink(path);
		free(path);
	}
	free(store->spare_dir);
	store->spare_dir = NULL;
}

/* ------------------------------------------------------- the branch update
 *
 * git moves a branch by creating <ref>.lock exclusively, writing the new
 * id into it, appending the reflog and renaming the lock over the ref. A
 * save does the first two itself (the lock is a spare holding the id when
 * it is renamed into place), so that nothing
 * can move the branch after it has checked where the branch is; the
 * flusher does the rest, where replacing the ref (ext4 then writes the
 * lock's data out first) costs the editor nothing. Readers in this process
 * wait for the flusher; other programs see the branch locked meanwhile, as
 * during any git commit. */

static void store_ref_forget(struct store_ref_move *m)
{
	free(m->lock_path);
	free(m->ref_path);
	free(m->log_lines);
	memset(m, 0, sizeof(*m));
}

int store_ref_lock(ln_store *store, const char *refname, const git_oid *expected, const git_oid *id, ln_error *err)
{
	struct store_ref_move *m = &store->ref_move;
	const char *common = git_repository_commondir(store->repo);
	char hex[GIT_OID_HEXSZ + 1];
	git_oid now;
	int rc;
	git_oid_tostr(hex, sizeof(hex), id);
	hex[GIT_OID_HEXSZ] = '\n';
	store_ref_forget(m);
	m->ref_path = store_concat(common, refname);
	m->lock_path = m->ref_path ? store_concat(m->ref_path, ".lock") : NULL;
	if (!m->lock_path) {
		store_ref_forget(m);
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	}
	rc = store_spare_place(store, m->lock_path, hex, sizeof(hex), 0644);
	if (rc < 0 && errno == ENOENT) {
		/* a branch git keeps only in packed-refs, in a folder of its own */
		char *slash = strrchr(m->lock_path, '/');
		*slash = '\0';
		rc = ln__fs_make_dirs(m->lock_path, NULL);
		*slash = '/';
		if (rc == 0)
			rc = store_spare_place(store, m->lock_path, hex, sizeof(hex), 0644);
	}
	if (rc != 0) {
		int saved = errno;
		store_ref_forget(m);
		if (rc == 1)
			return GIT_ELOCKED;
		return ln_error_set(err, LN_EIO, "cannot lock %s: %s", refname, strerror(saved));
	}
	m->active = 1;
	git_oid_cpy(&m->id, id);
	if (git_reference_name_to_id(&now, store->repo, refname) < 0 || !git_oid_equal(&now, expected)) {
		store_ref_abort(store);
		return GIT_EMODIFIED;
	}
	return 0;
}

/* core.logAllRefUpdates: unset means true outside a bare repository;
 * "always" (not a boolean) is true too. */
static int store_reflog_all(ln_store *store)
{
	if (store->reflog_all < 0) {
		git_config *cfg = NULL;
		int v = !git_repository_is_bare(store->repo);
		if (git_repository_config_snapshot(&cfg, store->repo) == 0) {
			const char *s = NULL;
			if (git_config_get_bool(&v, cfg, "core.logallrefupdates") < 0) {
				v = !git_repository_is_bare(store->repo);
				if (git_config_get_string(&s, cfg, "core.logallrefupdates") == 0 && strcmp(s, "always") == 0)
					v = 1;
			}
			git_config_free(cfg);
		}
		git_error_clear();
		store->reflog_all = v;
	}
	return store->reflog_all;
}

/* The reflog entry of a commit, as git commit writes it:
 * "<old> <new> <name> <<email>> <time> <zone>\tcommit: <msg's first line>\n". */
static void store_reflog_line(ln_buf *out, const git_oid *old, const git_oid *id, const git_signature *who,
	const char *msg)
{
	char hex[GIT_OID_HEXSZ + 1], old_hex[GIT_OID_HEXSZ + 1];
	const char *nl = strchr(msg, '\n');
	int offset = who->when.offset;
	git_oid_tostr(hex, sizeof(hex), id);
	git_oid_tostr(old_hex, sizeof(old_hex), old);
	ln_buf_printf(out, "%s %s %s <%s> %lld %c%02d%02d\tcommit: %.*s\n", old_hex, hex, who->name, who->email,
		(long long)who->when.time, offset < 0 ? '-' : '+', abs(offset) / 60, abs(offset) % 60,
		(int)(nl ? nl - msg : (long)strlen(msg)), msg);
}

int store_ref_prepare(ln_store *store, const git_oid *old, const git_signature *sig, const char *msg,
	ln_error *err)
{
	struct store_ref_move *m = &store->ref_move;
	ln_buf line = LN_BUF_INIT;
	store_reflog_line(&line, old, &m->id, sig, msg);
	if (ln_buf_failed(&line))
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	m->log_lines = ln_buf_detach(&line);
	m->log_head = 1;
	store_reflog_all(store); /* read here, on the caller's thread, not by the flusher */
	return 0;
}

/* Appends line to the reflog at gitdir + "logs/" + name: when the log
 * exists, or when every update is logged (then the log is created). */
static void store_reflog_append(ln_store *store, const char *gitdir, const char *name, const char *line)
{
	char *path = malloc(strlen(gitdir) + strlen(name) + 8);
	int fd;
	if (!path)
		return;
	sprintf(path, "%slogs/%s", gitdir, name);
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | (store->reflog_all ? O_CREAT : 0), 0644);
	if (fd < 0 && errno == ENOENT && store->reflog_all) {
		*strrchr(path, '/') = '\0';
		if (ln__fs_make_dirs(path, NULL) == 0) {
			path[strlen(path)] = '/';
			fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		}
	}
	if (fd >= 0) {
		if (ln__write_all(fd, line, strlen(line)) != 0) {
			/* the reflog is a convenience: the branch still moves */
		}
		close(fd);
	}
	free(path);
}

int store_ref_finish(ln_store *store)
{
	struct store_ref_move *m = &store->ref_move;
	const char *common = git_repository_commondir(store->repo);
	int rc = 0;
	if (!m->active)
		return 0;
	store_reflog_append(store, common, m->ref_path + strlen(common), m->log_lines);
	if (m->log_head)
		store_reflog_append(store, store->gitdir, "HEAD", m->log_lines);
	if (rename(m->lock_path, m->ref_path) != 0) {
		snprintf(store->notice, sizeof(store->notice),
			"could not move the branch (%s): the note is on disk but not committed; save it again",
			strerror(errno));
		unlink(m->lock_path);
		rc = -1;
	}
	store_ref_forget(m);
	return rc;
}

int store_ref_recover(ln_store *store, const git_oid *commit)
{
	git_reference *head = NULL;
	git_commit *c = NULL;
	const char *common = git_repository_commondir(store->repo);
	char want[GIT_OID_HEXSZ + 2], got[GIT_OID_HEXSZ + 2];
	char *ref = NULL, *lock = NULL;
	git_oid now;
	int fd, done = 0;
	ssize_t n = 0;
	if (git_reference_lookup(&head, store->repo, "HEAD") < 0 || git_reference_type(head) != GIT_REFERENCE_SYMBOLIC ||
	    !(ref = store_concat(common, git_reference_symbolic_target(head))) || !(lock = store_concat(ref, ".lock")))
		goto cleanup;
	git_oid_tostr(want, sizeof(want), commit);
	want[GIT_OID_HEXSZ] = '\n';
	if ((fd = open(lock, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		goto cleanup;
	n = read(fd, got, sizeof(got));
	close(fd);
	if (n != GIT_OID_HEXSZ + 1 || memcmp(got, want, GIT_OID_HEXSZ + 1) != 0 ||
	    git_commit_lookup(&c, store->repo, commit) < 0 || git_commit_parentcount(c) != 1 ||
	    git_reference_name_to_id(&now, store->repo, git_reference_symbolic_target(head)) < 0 ||
	    !git_oid_equal(&now, git_commit_parent_id(c, 0)))
		goto cleanup;
	{
		ln_buf line = LN_BUF_INIT;
		store_reflog_line(&line, &now, commit, git_commit_committer(c), git_commit_message(c));
		if (!ln_buf_failed(&line)) {
			store_reflog_all(store);
			store_reflog_append(store, common, git_reference_symbolic_target(head), line.ptr);
			store_reflog_append(store, store->gitdir, "HEAD", line.ptr);
		}
		ln_buf_free(&line);
	}
	if (rename(lock, ref) == 0) {
		done = 1;
		snprintf(store->notice, sizeof(store->notice),
			"completed a save that was interrupted: the branch now holds commit %.8s", want);
	}
cleanup:
	git_error_clear();
	git_commit_free(c);
	git_reference_free(head);
	free(ref);
	free(lock);
	return done;
}

void store_ref_abort(ln_store *store)
{
	if (store->ref_move.active)
		unlink(store->ref_move.lock_path);
	store_ref_forget(&store->ref_move);
}

/* ------------------------------------------------------------------ trees */

int store_tree_get(git_tree **out, ln_store *store, const git_oid *id)
{
	git_tree **slot;
	size_t i;
	for (i = 0; i < STORE_TREES_KEPT; i++)
		if (store->trees_kept[i] && git_oid_equal(git_tree_id(store->trees_kept[i]), id))
			return git_object_dup((git_object **)out, (git_object *)store->trees_kept[i]);
	if (git_tree_lookup(out, store->repo, id) < 0)
		return -1;
	slot = &store->trees_kept[store->trees_next];
	store->trees_next = (store->trees_next + 1) % STORE_TREES_KEPT;
	git_tree_free(*slot);
	if (git_object_dup((git_object **)slot, (git_object *)*out) < 0)
		*slot = NULL;
	return 0;
}

void store_trees_forget(ln_store *store)
{
	size_t i;
	for (i = 0; i < STORE_TREES_KEPT; i++) {
		git_tree_free(store->trees_kept[i]);
		store->trees_kept[i] = NULL;
	}
}

/* ------------------------------------------------------------------- HEAD */

int store_read_head(store_head *out, ln_store *store, ln_error *err)
{
	git_reference *head = NULL, *target = NULL;
	int rc = 0;
	memset(out, 0, sizeof(*out));
	if (git_reference_lookup(&head, store->repo, "HEAD") < 0)
		return ln__error_from_git(err, GIT_ERROR, "cannot read HEAD");
	if (git_reference_type(head) == GIT_REFERENCE_SYMBOLIC) {
		const char *name = git_reference_symbolic_target(head);
		snprintf(out->refname, sizeof(out->refname), "%s", name);
		rc = git_reference_lookup(&target, store->repo, name);
		if (rc == GIT_ENOTFOUND) {
			out->unborn = 1;
			rc = 0;
			goto cleanup;
		}
		if (rc < 0) {
			rc = ln__error_from_git(err, rc, "cannot read the branch HEAD points to");
			goto cleanup;
		}
		if (git_reference_type(target) != GIT_REFERENCE_DIRECT) {
			rc = ln_error_set(err, LN_ERROR, "HEAD points to a symbolic reference chain");
			goto cleanup;
		}
		git_oid_cpy(&out->id, git_reference_target(target));
	} else {
		snprintf(out->refname, sizeof(out->refname), "HEAD");
		git_oid_cpy(&out->id, git_reference_target(head));
	}
	if (git_commit_lookup(&out->commit, store->repo, &out->id) < 0)
		rc = ln__error_from_git(err, GIT_ERROR, "cannot read the commit HEAD points to");
cleanup:
	git_reference_free(head);
	git_reference_free(target);
	return rc;
}

int store_head_commit(git_commit **out, ln_store *store, ln_error *err)
{
	store_head head;
	int rc = store_read_head(&head, store, err);
	*out = rc == 0 ? head.commit : NULL;
	return rc;
}
