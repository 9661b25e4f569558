/* The lowest layer of the store, which every other unit of it builds on:
 * a string helper, the leadnotes writer lock, clearing git lock files that
 * dead processes left, and reading HEAD. It calls no other unit of the
 * store (see store_internal.h). */
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
