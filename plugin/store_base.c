/* The lowest layer of the store, which every other unit of it builds on:
 * error and string helpers, clocks and back-off, the leadnotes writer lock,
 * clearing git lock files that dead processes left, and reading HEAD. It
 * calls no other unit of the store (see store_internal.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "store_internal.h"

/* ---------------------------------------------------------------- helpers */

int store_git_error(ln_error *err, int code, const char *what)
{
	const git_error *e = git_error_last();
	return ln_error_set(err, code, "%s: %s", what, e && e->message ? e->message : "unknown libgit2 error");
}

char *store_strdup(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n + 1);
	if (p)
		memcpy(p, s, n + 1);
	return p;
}

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

long store_lock_timeout_ms(void)
{
	const char *env = getenv("LEADNOTES_LOCK_TIMEOUT_MS");
	if (env && *env) {
		long v = strtol(env, NULL, 10);
		if (v >= 0)
			return v;
	}
	return 5000;
}

long long store_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps a little more on each attempt (1, 2, 4 ... 100 ms). */
void store_backoff(int attempt)
{
	long ms = 1L << (attempt < 7 ? attempt : 7);
	struct timespec ts;
	if (ms > 100)
		ms = 100;
	ts.tv_sec = 0;
	ts.tv_nsec = ms * 1000000L;
	nanosleep(&ts, NULL);
}

/* mkdir -p with mode 0700 for the folders it creates. */
int store_mkdirs(const char *path, ln_error *err)
{
	char *copy = store_strdup(path);
	char *p;
	int rc = 0;
	if (!copy)
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	for (p = copy + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;
			*p = '\0';
			if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
				rc = ln_error_set(err, LN_EIO, "cannot create folder %s: %s", copy, strerror(errno));
				break;
			}
			*p = saved;
			if (saved == '\0')
				break;
		}
	}
	free(copy);
	return rc;
}

/* ----------------------------------------------------------------- locking */

int store_lock(ln_store *store, ln_error *err)
{
	long long deadline;
	int attempt = 0;
	if (store->lock_depth > 0) {
		store->lock_depth++;
		return 0;
	}
	if (store->lock_fd < 0) {
		store->lock_fd = open(store->lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (store->lock_fd < 0)
			return ln_error_set(err, LN_EIO, "cannot open %s: %s", store->lockpath, strerror(errno));
	}
	deadline = store_now_ms() + store_lock_timeout_ms();
	while (flock(store->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return ln_error_set(err, LN_EIO, "cannot lock %s: %s", store->lockpath, strerror(errno));
		if (store_now_ms() > deadline)
			return ln_error_set(err, LN_ELOCKED, "repository is locked: another leadnotes is saving (%s)", store->lockpath);
		store_backoff(attempt++);
	}
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

/* ------------------------------------------------------------------- HEAD */


int store_read_head(store_head *out, ln_store *store, ln_error *err)
{
	git_reference *head = NULL, *target = NULL;
	int rc = 0;
	memset(out, 0, sizeof(*out));
	if (git_reference_lookup(&head, store->repo, "HEAD") < 0)
		return store_git_error(err, LN_ERROR, "cannot read HEAD");
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
			rc = store_git_error(err, LN_ERROR, "cannot read the branch HEAD points to");
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
		rc = store_git_error(err, LN_ERROR, "cannot read the commit HEAD points to");
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


