/* The notes store: a folder of notes inside a git repository, every save a
 * commit built in-process with tree builders along the saved path only. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "leadnotes/buf.h"
#include "leadnotes/filter.h"
#include "odb_guard.h"
#include "store_internal.h"

#define STORE_MAX_RETRIES 64
#define STORE_STALE_LOCK_SECONDS 600 /* a git lock file older than this has no live owner */
#define STORE_STALE_LOCK_OPEN_SECONDS 2 /* ... nor one this old that no process has open */
#define STORE_MAINTAIN_EVERY 100     /* saves in a session before closing checks for loose objects */
#define STORE_LOOSE_THRESHOLD 1000

/* ---------------------------------------------------------------- helpers */

static void store_flush_retry(ln_store *store);
static void store_unregister(ln_store *store);
struct store_change;
static int store_apply_index(git_index *idx, struct store_change *changes, size_t n, int *dirty, ln_error *err);

int store_git_error(ln_error *err, int code, const char *what)
{
	const git_error *e = git_error_last();
	return ln_error_set(err, code, "%s: %s", what, e && e->message ? e->message : "unknown libgit2 error");
}

static char *store_strdup(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n + 1);
	if (p)
		memcpy(p, s, n + 1);
	return p;
}

static char *store_concat(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *p = malloc(na + nb + 1);
	if (!p)
		return NULL;
	memcpy(p, a, na);
	memcpy(p + na, b, nb + 1);
	return p;
}

static long store_lock_timeout_ms(void)
{
	const char *env = getenv("LEADNOTES_LOCK_TIMEOUT_MS");
	if (env && *env) {
		long v = strtol(env, NULL, 10);
		if (v >= 0)
			return v;
	}
	return 5000;
}

static long long store_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps a little more on each attempt (1, 2, 4 ... 100 ms). */
static void store_backoff(int attempt)
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
static int store_mkdirs(const char *path, ln_error *err)
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

/* Whether some process has `path` open: scans /proc/<pid>/fd (Linux; the
 * processes of the same user are all we can see, and all that matter).
 * Returns 1 open, 0 not open, -1 cannot tell. */
static int store_file_has_owner(const char *path)
{
	DIR *proc = opendir("/proc");
	struct dirent *pe;
	int found = 0;
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
			char link[PATH_MAX], target[PATH_MAX];
			ssize_t n;
			if (fe->d_name[0] == '.')
				continue;
			snprintf(link, sizeof(link), "%s/%.30s", fddir, fe->d_name);
			n = readlink(link, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = '\0';
			if (strcmp(target, path) == 0) {
				found = 1;
				break;
			}
		}
		closedir(fds);
	}
	closedir(proc);
	return found;
}

/* A git lock file (index.lock, refs/heads/x.lock) left by a process that
 * died: removed when no process has it open and it is older than
 * STORE_STALE_LOCK_OPEN_SECONDS (libgit2 and git keep the lock open while
 * they write it), or, where that cannot be told, older than
 * STORE_STALE_LOCK_SECONDS. Returns 1 when it removed one, with a notice. */
static int store_clear_stale_lock(ln_store *store, const char *lockfile)
{
	struct stat st;
	long age;
	int owner;
	if (lstat(lockfile, &st) != 0)
		return 0;
	age = (long)(time(NULL) - st.st_mtime);
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

/* ------------------------------------------------------------------- open */

static int store_init_libgit2(void)
{
	static int configured;
	int rc = git_libgit2_init();
	if (rc < 0)
		return rc;
	if (!configured) {
		/* git itself does not re-hash objects it reads; the 2.5-5x cost is
		 * not worth it for a local repository. (Caching the big root trees
		 * of large teams made history indexing 2x slower: cache churn.) */
		git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
		configured = 1;
	}
	return 0;
}

static int store_signature(git_signature **out, git_repository *repo)
{
	if (git_signature_default(out, repo) == 0)
		return 0;
	return git_signature_now(out, "leadnotes", "leadnotes@localhost");
}

/* A new repository gets a first commit (an empty tree) so HEAD is born. */
static int store_first_commit(git_repository *repo, ln_error *err)
{
	git_treebuilder *bld = NULL;
	git_tree *tree = NULL;
	git_signature *sig = NULL;
	git_oid tree_id, commit_id;
	int rc = LN_ERROR;
	if (git_treebuilder_new(&bld, repo, NULL) < 0 || git_treebuilder_write(&tree_id, bld) < 0 ||
	    git_tree_lookup(&tree, repo, &tree_id) < 0 || store_signature(&sig, repo) < 0 ||
	    git_commit_create(&commit_id, repo, "HEAD", sig, sig, NULL, "Start the leadnotes notes folder\n", tree, 0, NULL) < 0) {
		store_git_error(err, LN_ERROR, "cannot make the first commit");
		goto cleanup;
	}
	rc = 0;
cleanup:
	git_treebuilder_free(bld);
	git_tree_free(tree);
	git_signature_free(sig);
	return rc;
}

/* Personnel notes in a folder others can read: leave a notice the editors
 * and the command line show; the folder is the user's, so it is not changed. */
static void store_notice_if_readable(ln_store *store)
{
	struct stat st;
	if (stat(store->dir, &st) == 0 && (st.st_mode & 077))
		snprintf(store->notice, sizeof(store->notice),
			"the notes folder %s is readable by others (mode %03o): chmod 700 %s",
			store->dir, (unsigned)(st.st_mode & 0777), store->dir);
}

int ln_store_open(ln_store **out, const char *dir, ln_error *err)
{
	ln_store *store = NULL;
	char *absdir = NULL;
	char real[PATH_MAX];
	const char *wd;
	size_t nwd, nreal;
	int created = 0, rc;
	struct stat st;

	*out = NULL;
	if (!dir || !*dir)
		return ln_error_set(err, LN_EINVALID, "the notes folder is empty");
	if (store_init_libgit2() < 0)
		return store_git_error(err, LN_ERROR, "cannot start libgit2");
	store = calloc(1, sizeof(*store));
	if (!store) {
		git_libgit2_shutdown();
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	}
	store->lock_fd = -1;
	store->index_lock_fd = -1;
	store->deferred = !(getenv("LEADNOTES_SYNC_INDEX") && strcmp(getenv("LEADNOTES_SYNC_INDEX"), "1") == 0);

	if (dir[0] == '/') {
		absdir = store_strdup(dir);
	} else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd))) {
			rc = ln_error_set(err, LN_EIO, "cannot read the current folder: %s", strerror(errno));
			goto fail;
		}
		absdir = store_concat(cwd, "/");
		if (absdir) {
			char *joined = store_concat(absdir, dir);
			free(absdir);
			absdir = joined;
		}
	}
	if (!absdir) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto fail;
	}
	if (stat(absdir, &st) != 0) {
		if (errno != ENOENT) {
			rc = ln_error_set(err, LN_EIO, "cannot open the notes folder %s: %s", absdir, strerror(errno));
			goto fail;
		}
		if ((rc = store_mkdirs(absdir, err)) < 0)
			goto fail;
		created = 1;
	} else if (!S_ISDIR(st.st_mode)) {
		rc = ln_error_set(err, LN_EINVALID, "the notes folder %s is not a folder", absdir);
		goto fail;
	}
	if (!realpath(absdir, real)) {
		rc = ln_error_set(err, LN_EIO, "cannot resolve %s: %s", absdir, strerror(errno));
		goto fail;
	}
	store->dir = store_strdup(real);
	if (!store->dir) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto fail;
	}

	{
		/* The folder's own .git, even a damaged one, is its repository:
		 * searching past it would commit the notes into a repository
		 * above (a dotfiles repository pushed somewhere), and init over
		 * it would rewrite it. */
		char *own = store_concat(store->dir, "/.git");
		struct stat gst;
		int has_own = own && lstat(own, &gst) == 0;
		free(own);
		rc = git_repository_open_ext(&store->repo, store->dir, has_own ? GIT_REPOSITORY_OPEN_NO_SEARCH : 0, NULL);
		if (rc < 0 && has_own) {
			const git_error *e = git_error_last();
			rc = ln_error_set(err, LN_ERROR, "the repository of the notes folder (%s/.git) is damaged: %s; "
				"nothing was changed (git -C %s status says more)", store->dir,
				e && e->message ? e->message : "it cannot be opened", store->dir);
			goto fail;
		}
	}
	if (rc == GIT_ENOTFOUND) {
		git_repository_init_options opts;
		git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
		opts.flags = GIT_REPOSITORY_INIT_MKPATH;
		if (git_repository_init_ext(&store->repo, store->dir, &opts) < 0) {
			rc = store_git_error(err, LN_ERROR, "cannot create a repository");
			goto fail;
		}
		if ((rc = store_first_commit(store->repo, err)) < 0)
			goto fail;
		(void)created;
	} else if (rc < 0) {
		rc = store_git_error(err, LN_ERROR, "cannot open the repository");
		goto fail;
	}
	if ((rc = ln_odb_guard_install(store->repo, err)) < 0)
		goto fail;
	wd = git_repository_workdir(store->repo);
	if (!wd) {
		rc = ln_error_set(err, LN_EINVALID, "%s is inside a bare repository", store->dir);
		goto fail;
	}
	{
		char realwd[PATH_MAX];
		if (!realpath(wd, realwd)) {
			rc = ln_error_set(err, LN_EIO, "cannot resolve %s: %s", wd, strerror(errno));
			goto fail;
		}
		store->workdir = store_concat(realwd, strcmp(realwd, "/") == 0 ? "" : "/");
	}
	store->gitdir = store_strdup(git_repository_path(store->repo));
	if (!store->workdir || !store->gitdir) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto fail;
	}
	nwd = strlen(store->workdir);
	nreal = strlen(store->dir);
	if (nreal + 1 == nwd && strncmp(store->dir, store->workdir, nreal) == 0) {
		store->prefix = store_strdup("");
	} else if (nreal > nwd && strncmp(store->dir, store->workdir, nwd) == 0) {
		store->prefix = store_concat(store->dir + nwd, "/");
	} else {
		rc = ln_error_set(err, LN_EINVALID, "%s is not inside the work tree of its repository", store->dir);
		goto fail;
	}
	if (!store->prefix) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto fail;
	}
	{
		/* The folder must not be inside .git itself. */
		const char *p = store->prefix;
		while (*p) {
			const char *slash = strchr(p, '/');
			size_t n = slash ? (size_t)(slash - p) : strlen(p);
			if (n == 4 && strncasecmp(p, ".git", 4) == 0) {
				rc = ln_error_set(err, LN_EINVALID, "the notes folder cannot be inside .git");
				goto fail;
			}
			p += n;
			if (*p == '/')
				p++;
		}
	}
	{
		char *ldir = store_concat(store->gitdir, "leadnotes");
		if (!ldir) {
			rc = ln_error_set(err, LN_ENOMEM, "out of memory");
			goto fail;
		}
		if (mkdir(ldir, 0700) != 0 && errno != EEXIST) {
			rc = ln_error_set(err, LN_EIO, "cannot create %s: %s", ldir, strerror(errno));
			free(ldir);
			goto fail;
		}
		store->lockpath = store_concat(ldir, "/lock");
		store->priv_path = store_concat(ldir, "/index.next");
		free(ldir);
		store->index_path = store_concat(store->gitdir, "index");
		store->index_lock_path = store_concat(store->gitdir, "index.lock");
		if (!store->lockpath || !store->priv_path || !store->index_path || !store->index_lock_path) {
			rc = ln_error_set(err, LN_ENOMEM, "out of memory");
			goto fail;
		}
	}
	/* The index is read on first use: at 100,000 files it is a 10 MB file
	 * that history, show and diff never need. */
	store_notice_if_readable(store);
	free(absdir);
	*out = store;
	return 0;
fail:
	free(absdir);
	ln_store_free(store);
	return rc < 0 ? rc : LN_ERROR;
}

void ln_store_free(ln_store *store)
{
	if (!store)
		return;
	store_flush_wait(store);
	if (store->flush_failed)
		store_flush_retry(store);
	store_unregister(store);
	if (store->saves >= STORE_MAINTAIN_EVERY) {
		ln_error ignored;
		ln_store_maintain(store, 0, NULL, &ignored);
	}
	history_graph_free(store->graph);
	git_index_free(store->index);
	git_repository_free(store->repo);
	if (store->lock_fd >= 0)
		close(store->lock_fd);
	free(store->dir);
	free(store->workdir);
	free(store->gitdir);
	free(store->prefix);
	free(store->lockpath);
	free(store->priv_path);
	free(store->index_path);
	free(store->index_lock_path);
	git_index_free(store->priv);
	free(store);
	git_libgit2_shutdown();
}

void ln_store_flush(ln_store *store)
{
	store_flush_wait(store);
}

git_repository *ln_store_repository(ln_store *store)
{
	/* Other components write the index (sync's merges and checkouts):
	 * our pending refresh lands first. */
	store_flush_wait(store);
	return store->repo;
}
const char *ln_store_dir(const ln_store *store) { return store->dir; }
const char *ln_store_prefix(const ln_store *store) { return store->prefix; }
const char *ln_store_notice(const ln_store *store) { return store->notice; }
void ln_store_clear_notice(ln_store *store) { store->notice[0] = '\0'; }

/* ------------------------------------------------------------------ names */

/* Decodes one UTF-8 sequence at s (n bytes left) into *cp; returns its
 * length, or 0 when it is not valid UTF-8. */
static size_t store_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0) { len = 2; c = s[0] & 0x1F; }
	else if ((s[0] & 0xF0) == 0xE0) { len = 3; c = s[0] & 0x0F; }
	else if ((s[0] & 0xF8) == 0xF0) { len = 4; c = s[0] & 0x07; }
	else return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/* Unicode whitespace folded to '-'; other separators refused. */
static int store_is_space(uint32_t c)
{
	return c == ' ' || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
		c == 0x202F || c == 0x205F || c == 0x3000;
}

/* Characters refused in a name: controls, slashes and their look-alikes,
 * format characters that hide what a name is. */
static int store_is_refused(uint32_t c)
{
	return c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == '/' || c == '\\' ||
		c == 0x2044 || c == 0x2215 || c == 0xFF0F || c == 0xFF3C || c == 0x29F8 || c == 0x29F9 ||
		c == 0x200B || c == 0x200C || c == 0x200D || c == 0x200E || c == 0x200F ||
		(c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF ||
		c == 0x2028 || c == 0x2029;
}

int ln_store_person_dir_len(char **out, const char *name, size_t len, ln_error *err)
{
	ln_buf buf = LN_BUF_INIT;
	size_t i = 0;
	int pending_dash = 0;
	*out = NULL;
	if (!name || len == 0)
		return ln_error_set(err, LN_EINVALID, "a person's name cannot be empty");
	while (i < len) {
		uint32_t c;
		size_t n;
		if (name[i] == '\0')
			return ln_buf_free(&buf), ln_error_set(err, LN_EINVALID, "a person's name cannot contain NUL");
		n = store_utf8((const unsigned char *)name + i, len - i, &c);
		if (n == 0)
			return ln_buf_free(&buf), ln_error_set(err, LN_EINVALID, "a person's name must be valid UTF-8");
		if (store_is_space(c) || c == '\t') {
			if (buf.size > 0)
				pending_dash = 1;
		} else if (store_is_refused(c)) {
			ln_buf_free(&buf);
			if (c == '/' || c == '\\' || c == 0x2044 || c == 0x2215 || c == 0xFF0F || c == 0xFF3C || c == 0x29F8 || c == 0x29F9)
				return ln_error_set(err, LN_EINVALID, "a person's name cannot contain a slash");
			return ln_error_set(err, LN_EINVALID, "a person's name cannot contain control or invisible characters");
		} else {
			if (pending_dash)
				ln_buf_putc(&buf, '-');
			pending_dash = 0;
			ln_buf_put(&buf, name + i, n);
		}
		i += n;
	}
	if (ln_buf_failed(&buf)) {
		ln_buf_free(&buf);
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	}
	if (buf.size == 0) {
		ln_buf_free(&buf);
		return ln_error_set(err, LN_EINVALID, "a person's name cannot be empty");
	}
	if (buf.ptr[0] == '.') {
		int dots = strcmp(buf.ptr, ".") == 0 || strcmp(buf.ptr, "..") == 0;
		ln_buf_free(&buf);
		return ln_error_set(err, LN_EINVALID, dots ? "a person's name cannot be '.' or '..'"
			: "a person's name cannot start with '.'");
	}
	if (buf.size > LN_STORE_NAME_MAX) {
		ln_buf_free(&buf);
		return ln_error_set(err, LN_EINVALID, "a person's name cannot be longer than %d bytes", LN_STORE_NAME_MAX);
	}
	if (strncasecmp(buf.ptr, "git~", 4) == 0 && buf.size > 4 && isdigit((unsigned char)buf.ptr[4])) {
		ln_buf_free(&buf);
		return ln_error_set(err, LN_EINVALID, "a person's name cannot be a short name of .git");
	}
	*out = ln_buf_detach(&buf);
	return *out ? 0 : ln_error_set(err, LN_ENOMEM, "out of memory");
}

int ln_store_person_dir(char **out, const char *display_name, ln_error *err)
{
	*out = NULL;
	if (!display_name)
		return ln_error_set(err, LN_EINVALID, "a person's name cannot be empty");
	return ln_store_person_dir_len(out, display_name, strlen(display_name), err);
}

/* ------------------------------------------------------------------ paths */

/* Lexically normalises `path` (relative) into *out: no ".", no "..", no
 * empty components, no .git; refuses climbing above the start. */
static int store_normalise(char **out, const char *path, ln_error *err)
{
	ln_buf buf = LN_BUF_INIT;
	const char *p = path;
	*out = NULL;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		size_t k;
		for (k = 0; k < n; k++) {
			unsigned char ch = (unsigned char)p[k];
			if (ch < 0x20 || ch == 0x7F) {
				ln_buf_free(&buf);
				return ln_error_set(err, LN_EINVALID, "a path cannot contain control characters");
			}
		}
		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* skip */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *last;
			if (buf.size == 0) {
				ln_buf_free(&buf);
				return ln_error_set(err, LN_EINVALID, "path %s leaves the notes folder", path);
			}
			last = strrchr(buf.ptr, '/');
			buf.size = last ? (size_t)(last - buf.ptr) : 0;
			buf.ptr[buf.size] = '\0';
		} else if (n == 4 && strncasecmp(p, ".git", 4) == 0) {
			ln_buf_free(&buf);
			return ln_error_set(err, LN_EINVALID, "path %s is inside .git", path);
		} else {
			if (buf.size > 0)
				ln_buf_putc(&buf, '/');
			ln_buf_put(&buf, p, n);
		}
		p += n;
		if (*p == '/')
			p++;
	}
	if (ln_buf_failed(&buf)) {
		ln_buf_free(&buf);
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	}
	*out = buf.ptr ? ln_buf_detach(&buf) : store_strdup("");
	return *out ? 0 : ln_error_set(err, LN_ENOMEM, "out of memory");
}

/* Refuses a path whose folders are symlinks, or whose final component is a
 * symlink that resolves outside the notes folder. */
static int store_check_links(ln_store *store, const char *rel, ln_error *err)
{
	ln_buf buf = LN_BUF_INIT;
	const char *p = rel;
	int rc = 0;
	ln_buf_puts(&buf, store->dir);
	while (*p && rc == 0) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		struct stat st;
		ln_buf_putc(&buf, '/');
		ln_buf_put(&buf, p, n);
		if (ln_buf_failed(&buf)) {
			rc = ln_error_set(err, LN_ENOMEM, "out of memory");
			break;
		}
		if (lstat(buf.ptr, &st) != 0)
			break; /* does not exist (yet): nothing below it either */
		if (S_ISLNK(st.st_mode)) {
			char real[PATH_MAX];
			size_t nd = strlen(store->dir);
			if (slash) {
				rc = ln_error_set(err, LN_EINVALID, "path %s goes through a symlink", rel);
			} else if (!realpath(buf.ptr, real) || strncmp(real, store->dir, nd) != 0 || real[nd] != '/') {
				rc = ln_error_set(err, LN_EINVALID, "%s is a symlink that leads outside the notes folder", rel);
			}
		}
		p += n;
		if (*p == '/')
			p++;
	}
	ln_buf_free(&buf);
	return rc;
}

int ln_store_relpath(char **out, ln_store *store, const char *path, ln_error *err)
{
	char *norm = NULL;
	int rc;
	*out = NULL;
	if (!path || !*path)
		return ln_error_set(err, LN_EINVALID, "the path is empty");
	if (path[0] == '/') {
		size_t nd = strlen(store->dir);
		char *abs_norm = NULL;
		if ((rc = store_normalise(&abs_norm, path + 1, err)) < 0)
			return rc;
		/* abs_norm is the absolute path without its leading '/'. */
		if (strncmp(abs_norm, store->dir + 1, nd - 1) == 0 &&
		    (abs_norm[nd - 1] == '/' || abs_norm[nd - 1] == '\0')) {
			norm = store_strdup(abs_norm + nd - 1 + (abs_norm[nd - 1] == '/'));
		} else {
			/* The caller may spell the folder through a symlink: resolve the
			 * folder that holds the path and compare again. */
			char real[PATH_MAX];
			char *copy = store_concat("/", abs_norm);
			char *slash = copy ? strrchr(copy, '/') : NULL;
			if (slash && slash != copy) {
				*slash = '\0';
				if (realpath(copy, real) && strncmp(real, store->dir, nd) == 0 &&
				    (real[nd] == '/' || real[nd] == '\0')) {
					char *joined = store_concat(real[nd] ? real + nd + 1 : "", real[nd] ? "/" : "");
					if (joined) {
						norm = store_concat(joined, slash + 1);
						free(joined);
					}
				}
			}
			free(copy);
			if (!norm) {
				free(abs_norm);
				return ln_error_set(err, LN_EINVALID, "path %s is outside the notes folder %s", path, store->dir);
			}
		}
		free(abs_norm);
		if (!norm)
			return ln_error_set(err, LN_ENOMEM, "out of memory");
		/* norm may still hold .git: normalise once more. */
		{
			char *again = NULL;
			rc = store_normalise(&again, norm, err);
			free(norm);
			if (rc < 0)
				return rc;
			norm = again;
		}
	} else if ((rc = store_normalise(&norm, path, err)) < 0) {
		return rc;
	}
	if ((rc = store_check_links(store, norm, err)) < 0) {
		free(norm);
		return rc;
	}
	*out = norm;
	return 0;
}

static char *store_repo_path(ln_store *store, const char *rel)
{
	return store_concat(store->prefix, rel);
}

static char *store_abs_path(ln_store *store, const char *rel)
{
	char *a = store_concat(store->dir, "/");
	char *b = a ? store_concat(a, rel) : NULL;
	free(a);
	return b;
}

/* ----------------------------------------------------------------- people */

static int store_cmp_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int strings_push(ln_strings *list, const char *s)
{
	char **items = realloc(list->items, (list->count + 1) * sizeof(char *));
	if (!items)
		return -1;
	list->items = items;
	items[list->count] = store_strdup(s);
	if (!items[list->count])
		return -1;
	list->count++;
	return 0;
}

void ln_store_strings_free(ln_strings *list)
{
	size_t i;
	if (!list)
		return;
	for (i = 0; i < list->count; i++)
		free(list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

int ln_store_people(ln_strings *out, ln_store *store, ln_error *err)
{
	DIR *d;
	struct dirent *de;
	out->items = NULL;
	out->count = 0;
	d = opendir(store->dir);
	if (!d)
		return ln_error_set(err, LN_EIO, "cannot read %s: %s", store->dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		char *abs;
		int isdir;
		if (de->d_name[0] == '.')
			continue;
		abs = store_abs_path(store, de->d_name);
		isdir = abs && lstat(abs, &st) == 0 && S_ISDIR(st.st_mode);
		free(abs);
		if (isdir && strings_push(out, de->d_name) < 0) {
			closedir(d);
			ln_store_strings_free(out);
			return ln_error_set(err, LN_ENOMEM, "out of memory");
		}
	}
	closedir(d);
	if (out->count > 1)
		qsort(out->items, out->count, sizeof(char *), store_cmp_strings);
	return 0;
}

/* ------------------------------------------------------------------- HEAD */

/* What HEAD is: the ref to update (a branch, or "HEAD" when detached), and
 * the commit it points at (NULL when unborn). */
typedef struct store_head {
	char refname[1024];
	git_commit *commit;
	git_oid id;
	int unborn;
} store_head;

static int store_read_head(store_head *out, ln_store *store, ln_error *err)
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

/* ------------------------------------------------------------------ trees */

/* Writes into *out the tree `base` (may be NULL) with `path` set to
 * blob/mode, or removed when blob is NULL. *empty says the result has no
 * entries (the caller drops it). Only trees along the path are rebuilt. */
static int store_tree_with(git_oid *out, int *empty, git_repository *repo, const git_tree *base,
	const char *path, const git_oid *blob, git_filemode_t mode)
{
	git_treebuilder *bld = NULL;
	git_tree *sub = NULL;
	const char *slash = strchr(path, '/');
	char name[1024];
	size_t n = slash ? (size_t)(slash - path) : strlen(path);
	int rc = -1;
	if (n == 0 || n >= sizeof(name))
		return -1;
	memcpy(name, path, n);
	name[n] = '\0';
	if (git_treebuilder_new(&bld, repo, base) < 0)
		goto cleanup;
	if (!slash) {
		if (blob) {
			if (git_treebuilder_insert(NULL, bld, name, blob, mode) < 0)
				goto cleanup;
		} else if (git_treebuilder_get(bld, name)) {
			if (git_treebuilder_remove(bld, name) < 0)
				goto cleanup;
		}
	} else {
		const git_tree_entry *e = git_treebuilder_get(bld, name);
		git_oid sub_id;
		int sub_empty = 0;
		if (e && git_tree_entry_type(e) == GIT_OBJECT_TREE &&
		    git_tree_lookup(&sub, repo, git_tree_entry_id(e)) < 0)
			goto cleanup;
		if (!sub && !blob) { /* removing below a folder that is not there */
			rc = 0;
			*empty = base ? git_tree_entrycount(base) == 0 : 1;
			if (base)
				git_oid_cpy(out, git_tree_id(base));
			else if (git_treebuilder_write(out, bld) < 0)
				rc = -1;
			goto cleanup;
		}
		if (store_tree_with(&sub_id, &sub_empty, repo, sub, slash + 1, blob, mode) < 0)
			goto cleanup;
		if (sub_empty) {
			if (e && git_treebuilder_remove(bld, name) < 0)
				goto cleanup;
		} else if (git_treebuilder_insert(NULL, bld, name, &sub_id, GIT_FILEMODE_TREE) < 0) {
			goto cleanup;
		}
	}
	*empty = git_treebuilder_entrycount(bld) == 0;
	if (git_treebuilder_write(out, bld) < 0)
		goto cleanup;
	rc = 0;
cleanup:
	git_tree_free(sub);
	git_treebuilder_free(bld);
	return rc;
}

/* ----------------------------------------------------------------- saving */

/* One path of a commit being built. */
typedef struct store_change {
	char *rel;       /* relative to the folder */
	char *repo_path; /* relative to the workdir */
	int exists;      /* the working file exists */
	git_oid blob;
	git_filemode_t mode;
	struct stat st;
	int changed;     /* differs from HEAD */
} store_change;

static void store_change_clear(store_change *c)
{
	free(c->rel);
	free(c->repo_path);
	memset(c, 0, sizeof(*c));
}

/* Whether the file at abs is no longer the one st describes. */
static int store_file_replaced(const char *abs, const struct stat *st)
{
	struct stat now;
	if (lstat(abs, &now) != 0)
		return 1;
	return now.st_ino != st->st_ino || now.st_size != st->st_size ||
		now.st_mtim.tv_sec != st->st_mtim.tv_sec || now.st_mtim.tv_nsec != st->st_mtim.tv_nsec;
}

/* Reads the working file of c->rel into the object database. */
static int store_change_load(ln_store *store, store_change *c, ln_error *err)
{
	char *abs = store_abs_path(store, c->rel);
	int rc = 0, attempts = 0;
	if (!abs)
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	c->repo_path = store_repo_path(store, c->rel);
	if (!c->repo_path) {
		free(abs);
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	}
again:
	if (lstat(abs, &c->st) != 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			rc = ln_error_set(err, LN_EIO, "cannot read %s: %s", c->rel, strerror(errno));
		c->exists = 0;
		goto cleanup;
	}
	if (S_ISDIR(c->st.st_mode)) {
		rc = ln_error_set(err, LN_EINVALID, "%s is a folder, not a note", c->rel);
		goto cleanup;
	}
	if (!S_ISREG(c->st.st_mode) && !S_ISLNK(c->st.st_mode)) {
		rc = ln_error_set(err, LN_EINVALID, "%s is not a regular file", c->rel);
		goto cleanup;
	}
	c->exists = 1;
	c->mode = S_ISLNK(c->st.st_mode) ? GIT_FILEMODE_LINK
		: (c->st.st_mode & S_IXUSR) ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB;
	/* A filter=<driver> attribute (git-crypt) whose clean command is not
	 * configured or not registered would store the plain text: refuse. */
	if ((rc = ln_filter_check(store->repo, c->repo_path, err)) < 0)
		goto cleanup;
	/* Applies the repository's clean filters (.gitattributes), as git add. */
	if (git_blob_create_from_workdir(&c->blob, store->repo, c->repo_path) < 0) {
		/* Another editor may have renamed a new version over the note
		 * while it was read (a short read): read the new one. */
		if (++attempts < 3 && store_file_replaced(abs, &c->st))
			goto again;
		rc = store_git_error(err, LN_EIO, "cannot read the note");
	}
cleanup:
	free(abs);
	return rc;
}

/* The repository's index, opened on first use. */
static int store_index(ln_store *store, ln_error *err)
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
static int store_update_index(ln_store *store, store_change *changes, size_t n, ln_error *err)
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

static void store_unregister(ln_store *store)
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
static int store_index_lock(ln_store *store, ln_error *err)
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

static void store_index_unlock(ln_store *store)
{
	if (store->index_lock_fd < 0)
		return;
	unlink(store->index_lock_path);
	close(store->index_lock_fd);
	store->index_lock_fd = -1;
}

static int store_stamp_same(const struct stat *a, const struct stat *b)
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
static int store_priv_fresh(ln_store *store, ln_error *err)
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

static void store_flush_start(ln_store *store)
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
static void store_flush_retry(ln_store *store)
{
	ln_error ignored;
	if (!store->priv || store_index_lock(store, &ignored) < 0)
		return;
	store_flush_run(store);
}

/* Applies the changes to priv (or, in synchronous mode, to the
 * repository's index); *dirty says whether anything changed. */
static int store_apply_index(git_index *idx, store_change *changes, size_t n, int *dirty, ln_error *err)
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

/* "alice/2026-11-28-one-on-one.org" -> "alice: one-on-one 2026-11-28". */
static void store_default_message(ln_buf *msg, const char *verb, const char *rel)
{
	const char *slash = strchr(rel, '/');
	const char *base = strrchr(rel, '/');
	char stem[256];
	const char *dot;
	size_t n;
	base = base ? base + 1 : rel;
	dot = strrchr(base, '.');
	n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	if (n >= sizeof(stem))
		n = sizeof(stem) - 1;
	memcpy(stem, base, n);
	stem[n] = '\0';
	if (slash)
		ln_buf_put(msg, rel, (size_t)(slash - rel));
	else
		ln_buf_puts(msg, "notes");
	ln_buf_puts(msg, ": ");
	if (verb)
		ln_buf_printf(msg, "%s ", verb);
	if (n >= 11 && isdigit((unsigned char)stem[0]) && stem[4] == '-' && stem[7] == '-' && stem[10] == '-') {
		char date[11];
		memcpy(date, stem, 10);
		date[10] = '\0';
		ln_buf_printf(msg, "%s %s", stem + 11, date);
	} else {
		ln_buf_puts(msg, stem);
	}
	if (slash && strchr(slash + 1, '/'))
		ln_buf_printf(msg, " (%s)", rel);
	ln_buf_putc(msg, '\n');
}

static void store_fill_info(ln_commit_info *out, const git_oid *id, const char *message, long long when)
{
	const char *nl;
	size_t n;
	if (!out)
		return;
	git_oid_tostr(out->id, sizeof(out->id), id);
	memcpy(out->short_id, out->id, 7);
	out->short_id[7] = '\0';
	nl = strchr(message, '\n');
	n = nl ? (size_t)(nl - message) : strlen(message);
	if (n >= sizeof(out->summary))
		n = sizeof(out->summary) - 1;
	memcpy(out->summary, message, n);
	out->summary[n] = '\0';
	out->time = when;
}

/* Counts a save. Packing is not done here: it takes seconds at 100,000
 * files (delta search over the rewritten root trees), so it happens when
 * the store is closed after enough saves, or on ln_store_maintain. */
static void store_maybe_maintain(ln_store *store)
{
	store->saves++;
}

/* Commits `changes` (relative paths set) as one commit on HEAD. The heart
 * of save, restore and save_all. */
static int store_commit(ln_store *store, store_change *changes, size_t n, const char *message,
	const char *verb, ln_commit_info *out, ln_error *err)
{
	git_signature *sig = NULL;
	ln_buf msg = LN_BUF_INIT;
	store_head head;
	git_tree *base = NULL, *tree = NULL;
	git_oid tree_id, commit_id;
	size_t i, attempt = 0;
	long long deadline;
	int rc = 0, any = 0, index_dirty = 0;
	char **changed_paths = NULL;
	size_t changed_count = 0;

	memset(&head, 0, sizeof(head));
	if ((rc = store_lock(store, err)) < 0)
		return rc;
	/* The notes are read under the writer lock: read before it, a save
	 * that waited for another editor's could commit an older version over
	 * the newer one that editor had just committed. */
	for (i = 0; i < n; i++)
		if ((rc = store_change_load(store, &changes[i], err)) < 0)
			goto cleanup;
	if (store->deferred) {
		store_flush_wait(store);
		if ((rc = store_index_lock(store, err)) < 0)
			goto cleanup;
		if ((rc = store_priv_fresh(store, err)) < 0)
			goto cleanup;
	}
	deadline = store_now_ms() + store_lock_timeout_ms();
	if (store_signature(&sig, store->repo) < 0) {
		rc = store_git_error(err, LN_ERROR, "cannot make a signature");
		goto cleanup;
	}
	changed_paths = calloc(n ? n : 1, sizeof(char *));
	if (!changed_paths) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}

	for (;;) {
		git_reference *moved = NULL;
		int empty = 0;
		git_commit_free(head.commit);
		git_tree_free(base);
		base = NULL;
		if ((rc = store_read_head(&head, store, err)) < 0)
			goto cleanup;
		if (head.commit && git_commit_tree(&base, head.commit) < 0) {
			rc = store_git_error(err, LN_ERROR, "cannot read HEAD's tree");
			goto cleanup;
		}
		/* Apply each change on the tree of the previous one. */
		any = 0;
		changed_count = 0;
		git_tree_free(tree);
		tree = NULL;
		for (i = 0; i < n; i++) {
			git_tree_entry *old = NULL;
			const git_tree *from = tree ? tree : base;
			int had = from && git_tree_entry_bypath(&old, from, changes[i].repo_path) == 0;
			changes[i].changed = changes[i].exists
				? !had || !git_oid_equal(git_tree_entry_id(old), &changes[i].blob) ||
				  git_tree_entry_filemode(old) != changes[i].mode
				: had;
			git_tree_entry_free(old);
			if (!changes[i].changed)
				continue;
			if (store_tree_with(&tree_id, &empty, store->repo, from, changes[i].repo_path,
			                    changes[i].exists ? &changes[i].blob : NULL, changes[i].mode) < 0) {
				rc = store_git_error(err, LN_ERROR, "cannot build the tree");
				goto cleanup;
			}
			git_tree_free(tree);
			tree = NULL;
			if (git_tree_lookup(&tree, store->repo, &tree_id) < 0) {
				rc = store_git_error(err, LN_ERROR, "cannot read the new tree");
				goto cleanup;
			}
			changed_paths[changed_count++] = changes[i].rel;
			any = 1;
		}
		/* The index follows the working file even when HEAD already has it. */
		if (store->deferred)
			rc = store_apply_index(store->priv, changes, n, &index_dirty, err);
		else
			rc = store_update_index(store, changes, n, err);
		if (rc < 0)
			goto cleanup;
		if (!any) {
			size_t missing = 0;
			for (i = 0; i < n; i++)
				missing += !changes[i].exists;
			if (n == 1 && missing == 1) {
				git_tree_entry *old = NULL;
				int had = base && git_tree_entry_bypath(&old, base, changes[0].repo_path) == 0;
				git_tree_entry_free(old);
				if (!had) {
					rc = ln_error_set(err, LN_ENOTFOUND, "no note %s, neither on disk nor in the history", changes[0].rel);
					goto cleanup;
				}
			}
			rc = LN_STORE_UNCHANGED;
			goto cleanup;
		}
		ln_buf_clear(&msg);
		if (message && *message) {
			ln_buf_puts(&msg, message);
			if (msg.size == 0 || msg.ptr[msg.size - 1] != '\n')
				ln_buf_putc(&msg, '\n');
		} else if (changed_count == 1) {
			const char *rel = changed_paths[0];
			const char *v = verb;
			for (i = 0; i < n; i++)
				if (changes[i].rel == rel && !changes[i].exists)
					v = "remove";
			store_default_message(&msg, v, rel);
		} else {
			const char *slash = strchr(changed_paths[0], '/');
			if (slash)
				ln_buf_put(&msg, changed_paths[0], (size_t)(slash - changed_paths[0]));
			else
				ln_buf_puts(&msg, "notes");
			ln_buf_printf(&msg, ": save %zu notes\n", changed_count);
		}
		if (ln_buf_failed(&msg)) {
			rc = ln_error_set(err, LN_ENOMEM, "out of memory");
			goto cleanup;
		}
		{
			const git_commit *parents[1];
			parents[0] = head.commit;
			if (git_commit_create(&commit_id, store->repo, NULL, sig, sig, NULL, msg.ptr, tree,
			                      head.commit ? 1 : 0, parents) < 0) {
				rc = store_git_error(err, LN_ERROR, "cannot write the commit");
				goto cleanup;
			}
		}
		{
			ln_buf reflog = LN_BUF_INIT;
			const char *nl = strchr(msg.ptr, '\n');
			ln_buf_printf(&reflog, "%s: %.*s", head.commit ? "commit" : "commit (initial)",
				(int)(nl ? nl - msg.ptr : (long)msg.size), msg.ptr);
			/* Compare-and-swap: the ref moves only if it still points where
			 * we read it; otherwise someone else committed, start again. */
			if (head.unborn)
				rc = git_reference_create(&moved, store->repo, head.refname, &commit_id, 0, reflog.ptr);
			else
				rc = git_reference_create_matching(&moved, store->repo, head.refname, &commit_id, 1, &head.id, reflog.ptr);
			ln_buf_free(&reflog);
		}
		git_reference_free(moved);
		if (rc == 0)
			break;
		if (rc == GIT_ELOCKED) {
			char *lock = store_concat(store->gitdir, head.refname);
			char *lockfile = lock ? store_concat(lock, ".lock") : NULL;
			int cleared = lockfile ? store_clear_stale_lock(store, lockfile) : 0;
			free(lock);
			free(lockfile);
			if (!cleared && store_now_ms() > deadline) {
				rc = ln_error_set(err, LN_ELOCKED, "repository is locked: %s is being updated by another process", head.refname);
				goto cleanup;
			}
			store_backoff((int)attempt);
		} else if (rc != GIT_EMODIFIED && rc != GIT_EEXISTS) {
			rc = store_git_error(err, LN_ERROR, "cannot move HEAD");
			goto cleanup;
		}
		if (++attempt > STORE_MAX_RETRIES) {
			rc = ln_error_set(err, LN_ELOCKED, "repository is locked: HEAD kept moving while saving");
			goto cleanup;
		}
	}
	rc = 0;
	{
		const git_signature *c = sig;
		store_fill_info(out, &commit_id, msg.ptr, (long long)c->when.time);
		history_note_commit(store, &commit_id, (long long)c->when.time,
			head.commit ? &head.id : NULL, base, tree, changed_paths, changed_count);
	}
cleanup:
	if (store->index_lock_fd >= 0) {
		/* The ref has moved (or nothing will): the index lands now, off
		 * the editing path, and the lock goes with it. */
		if (index_dirty || store->flush_failed)
			store_flush_start(store);
		else
			store_index_unlock(store);
	}
	store_unlock(store);
	free(changed_paths);
	git_commit_free(head.commit);
	git_tree_free(base);
	git_tree_free(tree);
	git_signature_free(sig);
	ln_buf_free(&msg);
	if (rc == 0)
		store_maybe_maintain(store);
	return rc;
}

/* A damaged .git/index fails every later step with a puzzling message
 * (about .gitattributes, say): name it and the way to rebuild it. */
static int store_check_index(ln_store *store, ln_error *err)
{
	const git_error *e;
	if (store->index ? git_index_read(store->index, 0) == 0 : git_repository_index(&store->index, store->repo) == 0)
		return 0;
	e = git_error_last();
	return ln_error_set(err, LN_EIO, "the git index %sindex is damaged (%s); the notes are safe. It is a cache: "
		"rebuild it from the last commit with: rm %sindex && git -C %s reset", store->gitdir,
		e && e->message ? e->message : "unreadable", store->gitdir, store->workdir);
}

int ln_store_save(ln_store *store, const char *path, const char *message, ln_commit_info *out, ln_error *err)
{
	store_change c;
	int rc;
	memset(&c, 0, sizeof(c));
	if ((rc = store_check_index(store, err)) < 0)
		return rc;
	if ((rc = ln_store_relpath(&c.rel, store, path, err)) < 0)
		return rc;
	if (!*c.rel) {
		store_change_clear(&c);
		return ln_error_set(err, LN_EINVALID, "cannot save the notes folder itself: give a file");
	}
	rc = store_commit(store, &c, 1, message, NULL, out, err);
	store_change_clear(&c);
	return rc;
}

void ln_store_commits_free(ln_commits *list)
{
	if (!list)
		return;
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

int ln_store_save_all(ln_commits *out, ln_store *store, ln_error *err)
{
	ln_status status;
	size_t i = 0;
	int rc;
	if (out) {
		out->items = NULL;
		out->count = 0;
	}
	if ((rc = store_check_index(store, err)) < 0 || (rc = ln_store_status(&status, store, err)) < 0)
		return rc;
	while (i < status.count) {
		/* One commit per person: the run of entries with the same first
		 * component (status is sorted). Top-level files go one by one. */
		const char *first = status.entries[i].path;
		const char *slash = strchr(first, '/');
		size_t plen = slash ? (size_t)(slash - first) + 1 : strlen(first);
		size_t j = i, k, count;
		store_change *changes;
		ln_commit_info info;
		while (j < status.count && strncmp(status.entries[j].path, first, plen) == 0 &&
		       (slash || status.entries[j].path[plen] == '\0'))
			j++;
		count = j - i;
		changes = calloc(count, sizeof(*changes));
		if (!changes) {
			rc = ln_error_set(err, LN_ENOMEM, "out of memory");
			break;
		}
		for (k = 0; k < count; k++) {
			changes[k].rel = store_strdup(status.entries[i + k].path);
			if (!changes[k].rel)
				rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		}
		for (k = 0; rc == 0 && k < count; k++) {
			if (store_check_links(store, changes[k].rel, err) < 0)
				rc = err ? err->code : LN_EINVALID;
		}
		if (rc == 0)
			rc = store_commit(store, changes, count, NULL, NULL, &info, err);
		for (k = 0; k < count; k++)
			store_change_clear(&changes[k]);
		free(changes);
		/* A new file gone before it was read (an editor's temporary file,
		 * renamed over its note): nothing to commit. */
		if (rc == LN_ENOTFOUND && count == 1 && status.entries[i].state == 'A') {
			ln_error_clear(err);
			rc = 0;
			i = j;
			continue;
		}
		if (rc < 0)
			break;
		if (rc == 0 && out) {
			ln_commit_info *items = realloc(out->items, (out->count + 1) * sizeof(*items));
			if (!items) {
				rc = ln_error_set(err, LN_ENOMEM, "out of memory");
				break;
			}
			out->items = items;
			items[out->count++] = info;
		}
		rc = 0;
		i = j;
	}
	ln_store_status_free(&status);
	return rc < 0 ? rc : 0;
}

/* --------------------------------------------------------------- reading */

/* A revision as a user names one: an id, a tag, a branch, HEAD~3. Refused:
 * options, `rev:path` and message searches (`:/text`, `^{/text}`), which
 * walk every commit and, in libgit2 1.5.1, leak the regex match data. */
static int store_revision_allowed(const char *rev)
{
	return rev && *rev && rev[0] != '-' && !strchr(rev, ':') && !strstr(rev, "{/");
}

/* libgit2 1.5.1 reads a name that matches no object and no ref as `git
 * describe` output (`v1-3-g<hex>`) whenever it holds "-g", and leaks the
 * regex match data when it does not fit. So a base name with "-g" (the part
 * before ~, ^ or @{) must be a ref before revparse sees it. Returns 1 when
 * revparse may be called. */
static int store_revision_named(git_repository *repo, const char *rev)
{
	size_t n = 0;
	git_reference *ref = NULL;
	char *base;
	int named;

	while (rev[n] && rev[n] != '~' && rev[n] != '^' && !(rev[n] == '@' && rev[n + 1] == '{'))
		n++;
	base = malloc(n + 1);
	if (!base)
		return 0;
	memcpy(base, rev, n);
	base[n] = '\0';
	named = !strstr(base, "-g") || git_reference_dwim(&ref, repo, base) == 0;
	git_reference_free(ref);
	free(base);
	return named;
}

/* The tree entry of rel at rev into *out_blob (a blob; NULL when the path
 * is not in that revision, which is not an error here). */
static int store_blob_at(git_blob **out, ln_store *store, const char *rev, const char *rel, ln_error *err)
{
	git_object *obj = NULL;
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	char *repo_path = NULL;
	int rc = 0;
	*out = NULL;
	if (!store_revision_allowed(rev))
		return ln_error_set(err, LN_EINVALID, "bad revision '%s'", rev ? rev : "");
	if (!store_revision_named(store->repo, rev) || git_revparse_single(&obj, store->repo, rev) < 0)
		return ln_error_set(err, LN_ENOTFOUND, "no revision '%s' in the notes repository", rev);
	if (git_object_peel((git_object **)&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		rc = ln_error_set(err, LN_ENOTFOUND, "revision '%s' is not a commit", rev);
		goto cleanup;
	}
	if (git_commit_tree(&tree, commit) < 0) {
		rc = store_git_error(err, LN_ERROR, "cannot read the tree");
		goto cleanup;
	}
	repo_path = store_repo_path(store, rel);
	if (!repo_path) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (git_tree_entry_bypath(&entry, tree, repo_path) < 0)
		goto cleanup; /* not there */
	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB) {
		rc = ln_error_set(err, LN_EINVALID, "%s is a folder at %s, not a note", rel, rev);
		goto cleanup;
	}
	if (git_blob_lookup(out, store->repo, git_tree_entry_id(entry)) < 0)
		rc = store_git_error(err, LN_ERROR, "cannot read the note");
cleanup:
	free(repo_path);
	git_tree_entry_free(entry);
	git_tree_free(tree);
	git_commit_free(commit);
	git_object_free(obj);
	return rc;
}

int ln_store_show(char **out, size_t *out_len, ln_store *store, const char *rev, const char *path, ln_error *err)
{
	char *rel = NULL;
	git_blob *blob = NULL;
	int rc;
	*out = NULL;
	if (out_len)
		*out_len = 0;
	if ((rc = ln_store_relpath(&rel, store, path, err)) < 0)
		return rc;
	if ((rc = store_blob_at(&blob, store, rev, rel, err)) < 0)
		goto cleanup;
	if (!blob) {
		rc = ln_error_set(err, LN_ENOTFOUND, "%s does not exist at %s", rel, rev);
		goto cleanup;
	}
	{
		size_t n = (size_t)git_blob_rawsize(blob);
		*out = malloc(n + 1);
		if (!*out) {
			rc = ln_error_set(err, LN_ENOMEM, "out of memory");
			goto cleanup;
		}
		memcpy(*out, git_blob_rawcontent(blob), n);
		(*out)[n] = '\0';
		if (out_len)
			*out_len = n;
	}
cleanup:
	git_blob_free(blob);
	free(rel);
	return rc;
}

static int store_patch_print(const git_diff_delta *delta, const git_diff_hunk *hunk,
	const git_diff_line *line, void *payload)
{
	ln_buf *buf = payload;
	(void)delta;
	(void)hunk;
	if (line->origin == GIT_DIFF_LINE_CONTEXT || line->origin == GIT_DIFF_LINE_ADDITION ||
	    line->origin == GIT_DIFF_LINE_DELETION)
		ln_buf_putc(buf, line->origin);
	ln_buf_put(buf, line->content, line->content_len);
	return 0;
}

int ln_store_diff(char **out, ln_store *store, const char *rev_a, const char *rev_b, const char *path, ln_error *err)
{
	char *rel = NULL, *repo_path = NULL, *abs = NULL;
	git_blob *a = NULL, *b = NULL;
	git_patch *patch = NULL;
	git_buf work = GIT_BUF_INIT;
	git_filter_list *filters = NULL;
	git_diff_options opts;
	ln_buf text = LN_BUF_INIT;
	int rc, have_work = 0;
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	*out = NULL;
	if ((rc = ln_store_relpath(&rel, store, path, err)) < 0)
		return rc;
	repo_path = store_repo_path(store, rel);
	abs = store_abs_path(store, rel);
	if (!repo_path || !abs) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	if ((rc = store_blob_at(&a, store, rev_a, rel, err)) < 0)
		goto cleanup;
	if (rev_b && (rc = store_blob_at(&b, store, rev_b, rel, err)) < 0)
		goto cleanup;
	if (!rev_b) {
		struct stat st;
		if (lstat(abs, &st) == 0) {
			if (!S_ISREG(st.st_mode)) {
				rc = ln_error_set(err, LN_EINVALID, "%s is not a regular file", rel);
				goto cleanup;
			}
			if (git_filter_list_load(&filters, store->repo, NULL, repo_path, GIT_FILTER_TO_ODB, 0) < 0 ||
			    git_filter_list_apply_to_file(&work, filters, store->repo, repo_path) < 0) {
				rc = store_git_error(err, LN_EIO, "cannot read the working file");
				goto cleanup;
			}
			have_work = 1;
		}
	}
	if (!a && !b && !have_work) {
		rc = ln_error_set(err, LN_ENOTFOUND, "%s exists in neither version", rel);
		goto cleanup;
	}
	opts.flags |= GIT_DIFF_INDENT_HEURISTIC;
	if (rev_b)
		rc = git_patch_from_blobs(&patch, a, a ? repo_path : NULL, b, b ? repo_path : NULL, &opts);
	else
		rc = git_patch_from_blob_and_buffer(&patch, a, a ? repo_path : NULL,
			have_work ? work.ptr : NULL, have_work ? work.size : 0, have_work ? repo_path : NULL, &opts);
	if (rc < 0) {
		rc = store_git_error(err, LN_ERROR, "cannot compute the diff");
		goto cleanup;
	}
	if (git_patch_num_hunks(patch) > 0 || git_patch_get_delta(patch)->flags & GIT_DIFF_FLAG_BINARY) {
		if (git_patch_print(patch, store_patch_print, &text) < 0) {
			rc = store_git_error(err, LN_ERROR, "cannot print the diff");
			goto cleanup;
		}
	}
	if (ln_buf_failed(&text)) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	*out = text.ptr ? ln_buf_detach(&text) : store_strdup("");
	rc = *out ? 0 : ln_error_set(err, LN_ENOMEM, "out of memory");
cleanup:
	ln_buf_free(&text);
	git_patch_free(patch);
	git_buf_dispose(&work);
	git_filter_list_free(filters);
	git_blob_free(a);
	git_blob_free(b);
	free(rel);
	free(repo_path);
	free(abs);
	return rc;
}

int ln_store_blob_id(git_oid *out, int *dirty, ln_store *store, const char *path, ln_error *err)
{
	char *rel = NULL, *repo_path = NULL, *abs = NULL;
	git_commit *head = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	int rc;
	if ((rc = ln_store_relpath(&rel, store, path, err)) < 0)
		return rc;
	repo_path = store_repo_path(store, rel);
	abs = store_abs_path(store, rel);
	if (!repo_path || !abs) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	if ((rc = store_head_commit(&head, store, err)) < 0)
		goto cleanup;
	if (!head || git_commit_tree(&tree, head) < 0 || git_tree_entry_bypath(&entry, tree, repo_path) < 0 ||
	    git_tree_entry_type(entry) != GIT_OBJECT_BLOB) {
		rc = ln_error_set(err, LN_ENOTFOUND, "%s is not committed", rel);
		goto cleanup;
	}
	git_oid_cpy(out, git_tree_entry_id(entry));
	if (dirty) {
		struct stat st;
		const git_index_entry *ie;
		*dirty = 1;
		if (lstat(abs, &st) != 0)
			goto cleanup; /* deleted: dirty */
		/* The index entry vouches for the file when its stat data match
		 * (as git status does); otherwise hash the file. */
		ie = NULL;
		store_flush_wait(store);
		{
			/* priv is the index when we wrote .git/index last; else read
			 * the repository's. */
			struct stat ist;
			if (store->priv && store->stamp_valid && !store->stamp_absent &&
			    stat(store->index_path, &ist) == 0 && store_stamp_same(&ist, &store->stamp))
				ie = git_index_get_bypath(store->priv, repo_path, 0);
			else if (store_index(store, NULL) == 0 && git_index_read(store->index, 0) == 0)
				ie = git_index_get_bypath(store->index, repo_path, 0);
		}
		if (ie && git_oid_equal(&ie->id, out) && ie->file_size == (uint32_t)st.st_size &&
		    ie->mtime.seconds == (int32_t)st.st_mtim.tv_sec &&
		    ie->mtime.nanoseconds == (uint32_t)st.st_mtim.tv_nsec && ie->ino == (uint32_t)st.st_ino) {
			*dirty = 0;
		} else {
			git_oid now;
			if (S_ISREG(st.st_mode) &&
			    git_repository_hashfile(&now, store->repo, abs, GIT_OBJECT_BLOB, repo_path) == 0)
				*dirty = !git_oid_equal(&now, out);
		}
	}
cleanup:
	git_tree_entry_free(entry);
	git_tree_free(tree);
	git_commit_free(head);
	free(rel);
	free(repo_path);
	free(abs);
	return rc;
}

/* Replaces the working file atomically with data (mode 0600). */
static int store_write_file(const char *abs, const char *data, size_t len, ln_error *err)
{
	size_t n = strlen(abs);
	char *tmp = malloc(n + 32);
	int fd, rc = 0;
	if (!tmp)
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	snprintf(tmp, n + 32, "%s.leadnotes-%ld", abs, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = ln_error_set(err, LN_EIO, "cannot write next to %s: %s", abs, strerror(errno));
		goto cleanup;
	}
	while (len > 0) {
		ssize_t w = write(fd, data, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			rc = ln_error_set(err, LN_EIO, "cannot write %s: %s", abs, strerror(errno));
			break;
		}
		data += w;
		len -= (size_t)w;
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = ln_error_set(err, LN_EIO, "cannot write %s: %s", abs, strerror(errno));
	if (close(fd) != 0 && rc == 0)
		rc = ln_error_set(err, LN_EIO, "cannot write %s: %s", abs, strerror(errno));
	if (rc == 0 && rename(tmp, abs) != 0)
		rc = ln_error_set(err, LN_EIO, "cannot replace %s: %s", abs, strerror(errno));
	if (rc != 0)
		unlink(tmp);
cleanup:
	free(tmp);
	return rc;
}

int ln_store_restore(ln_store *store, const char *rev, const char *path, ln_commit_info *out, ln_error *err)
{
	store_change c;
	git_blob *blob = NULL;
	git_buf data = GIT_BUF_INIT;
	git_blob_filter_options fopts;
	char *abs = NULL, *repo_path = NULL;
	ln_buf msg = LN_BUF_INIT;
	int rc;
	git_blob_filter_options_init(&fopts, GIT_BLOB_FILTER_OPTIONS_VERSION);
	memset(&c, 0, sizeof(c));
	if ((rc = ln_store_relpath(&c.rel, store, path, err)) < 0)
		return rc;
	if ((rc = store_blob_at(&blob, store, rev, c.rel, err)) < 0)
		goto cleanup;
	if (!blob) {
		rc = ln_error_set(err, LN_ENOTFOUND, "%s does not exist at %s", c.rel, rev);
		goto cleanup;
	}
	abs = store_abs_path(store, c.rel);
	repo_path = store_repo_path(store, c.rel);
	if (!abs || !repo_path) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	fopts.flags = 0; /* smudge text and binary alike, as checkout does */
	if (git_blob_filter(&data, blob, repo_path, &fopts) < 0) {
		rc = store_git_error(err, LN_ERROR, "cannot prepare the old version");
		goto cleanup;
	}
	{
		/* Make the folders (0700) the file lives in, if it was deleted. */
		char *slash = strrchr(abs, '/');
		*slash = '\0';
		rc = store_mkdirs(abs, err);
		*slash = '/';
		if (rc < 0)
			goto cleanup;
	}
	if ((rc = store_write_file(abs, data.ptr, data.size, err)) < 0)
		goto cleanup;
	{
		char id[GIT_OID_HEXSZ + 1];
		git_oid_tostr(id, sizeof(id), git_blob_id(blob));
		ln_buf_printf(&msg, "Restore %s as it was at %s\n", c.rel, rev);
		(void)id;
	}
	rc = store_commit(store, &c, 1, msg.ptr, NULL, out, err);
cleanup:
	ln_buf_free(&msg);
	git_buf_dispose(&data);
	git_blob_free(blob);
	free(abs);
	free(repo_path);
	store_change_clear(&c);
	return rc;
}

/* ----------------------------------------------------------------- status */

void ln_store_status_free(ln_status *status)
{
	size_t i;
	if (!status)
		return;
	for (i = 0; i < status->count; i++)
		free(status->entries[i].path);
	free(status->entries);
	status->entries = NULL;
	status->count = 0;
}

static int store_cmp_status(const void *a, const void *b)
{
	return strcmp(((const ln_status_entry *)a)->path, ((const ln_status_entry *)b)->path);
}

int ln_store_status(ln_status *out, ln_store *store, ln_error *err)
{
	git_status_options opts;
	git_status_list *list = NULL;
	char *spec;
	size_t i, n, plen = strlen(store->prefix);
	int rc = 0;
	git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
	out->entries = NULL;
	out->count = 0;
	spec = plen ? store_strdup(store->prefix) : NULL;
	if (plen && !spec)
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	if (spec)
		spec[plen - 1] = '\0';
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
		GIT_STATUS_OPT_EXCLUDE_SUBMODULES | GIT_STATUS_OPT_SORT_CASE_SENSITIVELY;
	if (spec) {
		opts.pathspec.strings = &spec;
		opts.pathspec.count = 1;
	}
	store_flush_wait(store);
	if (git_status_list_new(&list, store->repo, &opts) < 0) {
		rc = store_git_error(err, LN_ERROR, "cannot list changes");
		goto cleanup;
	}
	n = git_status_list_entrycount(list);
	out->entries = calloc(n ? n : 1, sizeof(*out->entries));
	if (!out->entries) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		const git_status_entry *e = git_status_byindex(list, i);
		const git_diff_delta *d = e->index_to_workdir ? e->index_to_workdir : e->head_to_index;
		const char *p;
		char state = 'M';
		if (!d || e->status == GIT_STATUS_CURRENT || (e->status & GIT_STATUS_IGNORED))
			continue;
		p = d->new_file.path ? d->new_file.path : d->old_file.path;
		if (strncmp(p, store->prefix, plen) != 0)
			continue;
		if (e->status & (GIT_STATUS_WT_DELETED | GIT_STATUS_INDEX_DELETED)) {
			/* Deleted in the working tree, or deleted in the index and absent. */
			state = 'D';
			if ((e->status & GIT_STATUS_INDEX_DELETED) && (e->status & GIT_STATUS_WT_NEW))
				state = 'M';
		} else if (e->status & (GIT_STATUS_WT_NEW | GIT_STATUS_INDEX_NEW)) {
			state = 'A';
		}
		out->entries[out->count].path = store_strdup(p + plen);
		if (!out->entries[out->count].path) {
			rc = ln_error_set(err, LN_ENOMEM, "out of memory");
			goto cleanup;
		}
		out->entries[out->count].state = state;
		out->count++;
	}
	qsort(out->entries, out->count, sizeof(*out->entries), store_cmp_status);
cleanup:
	git_status_list_free(list);
	free(spec);
	if (rc < 0)
		ln_store_status_free(out);
	return rc;
}

/* ---------------------------------------------------------- maintenance */

typedef struct store_loose {
	git_oid *ids;
	size_t count, alloc;
} store_loose;

static int store_list_loose(store_loose *out, ln_store *store)
{
	char path[PATH_MAX];
	int i;
	for (i = 0; i < 256; i++) {
		DIR *d;
		struct dirent *de;
		snprintf(path, sizeof(path), "%sobjects/%02x", store->gitdir, i);
		d = opendir(path);
		if (!d)
			continue;
		while ((de = readdir(d)) != NULL) {
			char hex[GIT_OID_HEXSZ + 1];
			git_oid id;
			if (strlen(de->d_name) != GIT_OID_HEXSZ - 2)
				continue;
			snprintf(hex, 3, "%02x", i);
			memcpy(hex + 2, de->d_name, GIT_OID_HEXSZ - 2);
			hex[GIT_OID_HEXSZ] = '\0';
			if (git_oid_fromstr(&id, hex) < 0)
				continue;
			if (out->count == out->alloc) {
				size_t na = out->alloc ? out->alloc * 2 : 256;
				git_oid *ids = realloc(out->ids, na * sizeof(*ids));
				if (!ids) {
					closedir(d);
					return -1;
				}
				out->ids = ids;
				out->alloc = na;
			}
			out->ids[out->count++] = id;
		}
		closedir(d);
	}
	return 0;
}

int ln_store_maintain(ln_store *store, size_t threshold, size_t *packed, ln_error *err)
{
	store_loose loose = { NULL, 0, 0 };
	git_packbuilder *pb = NULL;
	size_t i;
	int rc = 0;
	if (packed)
		*packed = 0;
	if (threshold == 0)
		threshold = STORE_LOOSE_THRESHOLD;
	if (store_list_loose(&loose, store) < 0) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (loose.count < threshold)
		goto cleanup;
	if (git_packbuilder_new(&pb, store->repo) < 0) {
		rc = store_git_error(err, LN_ERROR, "cannot start packing");
		goto cleanup;
	}
	for (i = 0; i < loose.count; i++) {
		if (git_packbuilder_insert(pb, &loose.ids[i], NULL) < 0) {
			rc = store_git_error(err, LN_ERROR, "cannot pack an object");
			goto cleanup;
		}
	}
	if (git_packbuilder_write(pb, NULL, 0, NULL, NULL) < 0) {
		rc = store_git_error(err, LN_EIO, "cannot write the pack");
		goto cleanup;
	}
	/* The pack and its index are written: the loose copies can go. */
	for (i = 0; i < loose.count; i++) {
		char hex[GIT_OID_HEXSZ + 1], path[PATH_MAX];
		git_oid_tostr(hex, sizeof(hex), &loose.ids[i]);
		snprintf(path, sizeof(path), "%sobjects/%.2s/%s", store->gitdir, hex, hex + 2);
		unlink(path);
	}
	{
		git_odb *odb = NULL;
		if (git_repository_odb(&odb, store->repo) == 0) {
			git_odb_refresh(odb);
			git_odb_free(odb);
		}
	}
	if (packed)
		*packed = loose.count;
cleanup:
	git_packbuilder_free(pb);
	free(loose.ids);
	return rc;
}
