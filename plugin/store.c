/* The notes store: a folder of notes inside a git repository, every save a
 * commit built in-process with tree builders along the saved path only.
 * This unit opens and closes the store, turns names and paths into the
 * folder's, lists the people and packs loose objects. The other units are
 * listed in store_internal.h. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "leadnotes/buf.h"
#include "odb_guard.h"
#include "store_internal.h"
#include "index_writer.h"
#include "leadnotes/filter.h"
#include "leadnotes/signing.h"

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
		/* Nor does it look up every object a new tree or commit names: the
		 * store names only objects it has just read or made. */
		git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0);
		/* The clean/smudge filter drivers (filter.c): registered with the
		 * first repository, not when the module loads, since initialising
		 * libgit2 costs every process that opens none (the team view). */
		ln_filter_register(NULL);
		configured = 1;
	}
	return 0;
}

int store_signature(git_signature **out, git_repository *repo)
{
	/* user.name and user.email as git_signature_default reads them, from
	 * the repository's live configuration, which rereads a file only when
	 * it changed: a snapshot copies every setting, at every save. */
	git_config *cfg = NULL;
	git_buf name = GIT_BUF_INIT, email = GIT_BUF_INIT;
	int rc = -1;
	if (git_repository_config(&cfg, repo) == 0 && git_config_get_string_buf(&name, cfg, "user.name") == 0 &&
	    git_config_get_string_buf(&email, cfg, "user.email") == 0)
		rc = git_signature_now(out, name.ptr, email.ptr);
	git_buf_dispose(&name);
	git_buf_dispose(&email);
	git_config_free(cfg);
	if (rc == 0)
		return 0;
	git_error_clear();
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
	git_reference *head = NULL;
	if (git_treebuilder_new(&bld, repo, NULL) < 0 || git_treebuilder_write(&tree_id, bld) < 0 ||
	    git_tree_lookup(&tree, repo, &tree_id) < 0 || store_signature(&sig, repo) < 0) {
		ln__error_from_git(err, GIT_ERROR, "cannot make the first commit");
		goto cleanup;
	}
	if ((rc = ln_signing_commit_create(&commit_id, repo, sig, sig, "Start the leadnotes notes folder\n", tree, 0,
	                                   NULL, err)) < 0)
		goto cleanup;
	rc = LN_ERROR;
	{
		/* the branch HEAD names (init.defaultBranch), born at this commit */
		git_reference *born = NULL;
		if (git_reference_lookup(&head, repo, "HEAD") < 0 || git_reference_type(head) != GIT_REFERENCE_SYMBOLIC ||
		    git_reference_create(&born, repo, git_reference_symbolic_target(head), &commit_id, 0,
		                         "commit (initial): Start the leadnotes notes folder") < 0) {
			git_reference_free(head);
			ln__error_from_git(err, GIT_ERROR, "cannot make the first commit");
			goto cleanup;
		}
		git_reference_free(born);
		git_reference_free(head);
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

/* 1 when the folder holds no entry at all (an empty folder the user made
 * for the notes: nothing in it can leak into a repository). */
static int store_dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;
	if (!d)
		return 0;
	while (empty && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = 0;
	closedir(d);
	return empty;
}

/* The message for a repository that cannot be opened, naming the real
 * cause where git's words do not: another owner (safe.directory), the
 * SHA-256 object format. what: "the repository of the notes folder". */
static int store_open_error(ln_error *err, int git_rc, const char *dir, const char *gitdir)
{
	const git_error *e = git_error_last();
	const char *msg = e && e->message ? e->message : "it cannot be opened";
	struct stat st;
	if (git_rc == GIT_EOWNER || strstr(msg, "safe.directory") || strstr(msg, "not owned by current user"))
		return ln_error_set(err, LN_EINVALID, "the repository of the notes folder (%s) belongs to another user "
			"(uid %ld, you are %ld): git refuses it as unsafe. If it is yours to use, trust it with: "
			"git config --global --add safe.directory %s; nothing was changed", gitdir,
			stat(gitdir, &st) == 0 ? (long)st.st_uid : -1L, (long)geteuid(), dir);
	if (strstr(msg, "objectformat"))
		return ln_error_set(err, LN_EINVALID, "the repository of the notes folder (%s) uses the SHA-256 object "
			"format, which this libgit2 (%d.%d) cannot read; use a SHA-1 repository for the notes "
			"(git init --object-format=sha1); nothing was changed", gitdir, LIBGIT2_VER_MAJOR, LIBGIT2_VER_MINOR);
	if (strstr(msg, "Too many open files") || errno == EMFILE || errno == ENFILE)
		return ln_error_set(err, LN_EIO, "cannot open the notes repository %s: too many open files (the limit "
			"is `ulimit -n`); close some programs or raise the limit; nothing was changed", gitdir);
	return ln_error_set(err, LN_ERROR, "the repository of the notes folder (%s) is damaged: %s; nothing was "
		"changed (git -C %s status says more)", gitdir, msg, dir);
}

static int strings_push(ln_strings *list, const char *s);

int ln_store_skipped_hooks(ln_strings *out, ln_store *store, ln_error *err)
{
	static const char *const names[] = { "pre-commit", "prepare-commit-msg", "commit-msg", "post-commit",
		"pre-merge-commit", "post-merge", "pre-push" };
	git_config *cfg = NULL;
	git_buf configured = GIT_BUF_INIT;
	ln_buf dir = LN_BUF_INIT, hook = LN_BUF_INIT;
	size_t i;
	int rc = LN_OK;

	out->items = NULL;
	out->count = 0;
	if (git_repository_config_snapshot(&cfg, store->repo) == 0 &&
	    git_config_get_path(&configured, cfg, "core.hooksPath") == 0 && configured.size) {
		if (configured.ptr[0] == '/')
			ln_buf_puts(&dir, configured.ptr);
		else /* relative to the working tree, as git reads it */
			ln_buf_printf(&dir, "%s%s", store->workdir, configured.ptr);
	} else {
		ln_buf_printf(&dir, "%shooks", store->gitdir);
	}
	for (i = 0; rc == LN_OK && i < sizeof(names) / sizeof(names[0]); i++) {
		struct stat st;
		ln_buf_clear(&hook);
		ln_buf_printf(&hook, "%s/%s", dir.ptr ? dir.ptr : "", names[i]);
		if (ln_buf_failed(&hook) || ln_buf_failed(&dir))
			rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		else if (stat(hook.ptr, &st) == 0 && S_ISREG(st.st_mode) && access(hook.ptr, X_OK) == 0 &&
		         strings_push(out, names[i]) < 0)
			rc = ln_error_set(err, LN_ENOMEM, "out of memory");
	}
	if (rc < 0)
		ln_store_strings_free(out);
	git_buf_dispose(&configured);
	git_config_free(cfg);
	ln_buf_free(&dir);
	ln_buf_free(&hook);
	return rc;
}

int ln_store_is_note(const char *rel)
{
	size_t n = strlen(rel);
	const char *p = rel;
	if (!strchr(rel, '/'))
		return 0;
	for (;;) {
		if (*p == '.' || *p == '/' || *p == '\0')
			return 0;
		if (!(p = strchr(p, '/')))
			break;
		p++;
	}
	return (n > 4 && strcmp(rel + n - 4, ".org") == 0) || (n > 3 && strcmp(rel + n - 3, ".md") == 0);
}

int ln_store_is_shared(const ln_store *store)
{
	return store && store->prefix && *store->prefix;
}

int ln_store_open(ln_store **out, const char *dir, ln_error *err)
{
	return ln_store_open_ext(out, dir, LN_STORE_OPEN_CREATE, err);
}

int ln_store_open_ext(ln_store **out, const char *dir, unsigned flags, ln_error *err)
{
	ln_store *store = NULL;
	char *absdir = NULL;
	char real[PATH_MAX];
	const char *wd;
	size_t nwd, nreal;
	int created = 0, own_repo = 0, rc;
	struct stat st;

	*out = NULL;
	if (!dir || !*dir)
		return ln_error_set(err, LN_EINVALID, "the notes folder is empty");
	if (store_init_libgit2() < 0)
		return ln__error_from_git(err, GIT_ERROR, "cannot start libgit2");
	store = calloc(1, sizeof(*store));
	if (!store) {
		git_libgit2_shutdown();
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	}
	store->lock_fd = -1;
	store->index_lock_fd = -1;
	store->mark_fd = -1;
	store->journal_fd = -1;
	store->reflog_all = -1;
	store->no_attributes_filters = -1;
	store->deferred = !(getenv("LEADNOTES_SYNC_INDEX") && strcmp(getenv("LEADNOTES_SYNC_INDEX"), "1") == 0);

	if (dir[0] == '/') {
		absdir = ln__strdup(dir);
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
		if (!(flags & LN_STORE_OPEN_CREATE)) {
			rc = ln_error_set(err, LN_ENOTFOUND, "there are no notes yet in %s; start with: leadnotes new "
				"one-on-one NAME (in an editor: :Lead one-on-one NAME)", absdir);
			goto fail;
		}
		/* Under another repository, a new folder is a repository of its
		 * own unless the user asked to share that repository. */
		if (!(flags & LN_STORE_OPEN_SHARED))
			own_repo = 1;
		if ((rc = ln__fs_make_dirs(absdir, err)) < 0)
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
	store->dir = ln__strdup(real);
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
		int empty = !has_own && !created && store_dir_is_empty(store->dir);
		if (empty && !(flags & LN_STORE_OPEN_CREATE)) {
			free(own);
			rc = ln_error_set(err, LN_ENOTFOUND, "there are no notes yet in %s; start with: leadnotes new "
				"one-on-one NAME (in an editor: :Lead one-on-one NAME)", store->dir);
			goto fail;
		}
		if (empty && !(flags & LN_STORE_OPEN_SHARED))
			own_repo = 1;
		if (own_repo) {
			rc = GIT_ENOTFOUND;
		} else {
			errno = 0;
			rc = git_repository_open_ext(&store->repo, store->dir, has_own ? GIT_REPOSITORY_OPEN_NO_SEARCH : 0,
				NULL);
		}
		if (rc < 0 && (rc != GIT_ENOTFOUND || has_own)) {
			/* its own .git, even one git does not recognise, is its
			 * repository: never searched past, never initialised over */
			rc = store_open_error(err, rc, store->dir, has_own && own ? own : store->dir);
			free(own);
			goto fail;
		}
		free(own);
		if (rc == GIT_ENOTFOUND && !own_repo && !created && !empty && !(flags & LN_STORE_OPEN_ADOPT)) {
			rc = ln_error_set(err, LN_EINVALID, "%s is not a git repository and already holds files; leadnotes "
				"does not turn a folder into a repository on its own. To keep notes there, adopt it with: "
				"leadnotes init %s (leadnotes.init(dir)); only the notes in person folders are ever committed",
				store->dir, store->dir);
			goto fail;
		}
		if (rc == 0 && !has_own && !(flags & LN_STORE_OPEN_SHARED)) {
			const char *enclosing = git_repository_workdir(store->repo);
			if (flags & LN_STORE_OPEN_ADOPT) {
				/* leadnotes init of a folder inside another repository:
				 * a repository of its own, as asked */
				git_repository_free(store->repo);
				store->repo = NULL;
				rc = GIT_ENOTFOUND;
			} else {
				rc = ln_error_set(err, LN_EINVALID, "the notes folder %s is inside the git repository %s; leadnotes "
					"keeps notes in a repository of their own. To keep them in %s anyway, set "
					"shared_repository = true (command line: --shared-repo); else choose a folder outside it",
					store->dir, enclosing ? enclosing : git_repository_path(store->repo),
					enclosing ? enclosing : git_repository_path(store->repo));
				goto fail;
			}
		}
	}
	if (rc == GIT_ENOTFOUND) {
		git_repository_init_options opts;
		git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
		opts.flags = GIT_REPOSITORY_INIT_MKPATH;
		if (git_repository_init_ext(&store->repo, store->dir, &opts) < 0) {
			rc = ln__error_from_git(err, GIT_ERROR, "cannot create a repository");
			goto fail;
		}
		if ((rc = store_first_commit(store->repo, err)) < 0)
			goto fail;
		(void)created;
	} else if (rc < 0) {
		rc = ln__error_from_git(err, rc, "cannot open the repository");
		goto fail;
	}
	if ((rc = ln_odb_guard_install(store->repo, err)) < 0)
		goto fail;
	if ((rc = store_pack_install(store, err)) < 0)
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
	store->gitdir = ln__strdup(git_repository_path(store->repo));
	if (!store->workdir || !store->gitdir) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto fail;
	}
	nwd = strlen(store->workdir);
	nreal = strlen(store->dir);
	if (nreal + 1 == nwd && strncmp(store->dir, store->workdir, nreal) == 0) {
		store->prefix = ln__strdup("");
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
		store->pending_index_path = store_concat(ldir, "/index.next");
		store->journal_path = store_concat(ldir, "/index.journal");
		free(ldir);
		store->index_path = store_concat(store->gitdir, "index");
		store->index_lock_path = store_concat(store->gitdir, "index.lock");
		if (!store->lockpath || !store->pending_index_path || !store->index_path || !store->index_lock_path ||
		    !store->journal_path) {
			rc = ln_error_set(err, LN_ENOMEM, "out of memory");
			goto fail;
		}
	}
	/* The index is read on first use: at 100,000 files it is a 10 MB file
	 * that history, show and diff never need; unless a killed save left it
	 * behind its commit. */
	store_journal_recover(store);
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
		ln_store_maintain(NULL, store, 0, &ignored);
	}
	if (store->packs_written > 0) {
		/* This store's commit packs join the other small ones. */
		ln_error ignored;
		store_pack_merge_small(NULL, store, 2, &ignored);
	}
	if (store->hooks.closing)
		store->hooks.closing(store);
	store_flusher_stop(store);
	store_ref_abort(store); /* only a flush that never ran leaves it */
	store_trees_forget(store);
	for (size_t i = 0; i < STORE_ATTR_MEMOS; i++)
		free(store->attr_memo[i].dir);
	free(store->global_attributes);
	store_spare_drop(store);
	git_index_free(store->index);
	git_repository_free(store->repo);
	store_mark_remove(store);
	if (store->lock_fd >= 0)
		close(store->lock_fd);
	free(store->dir);
	free(store->workdir);
	free(store->gitdir);
	free(store->prefix);
	free(store->lockpath);
	free(store->pending_index_path);
	free(store->journal_path);
	if (store->journal_fd >= 0)
		close(store->journal_fd);
	free(store->index_path);
	free(store->index_lock_path);
	git_index_free(store->pending_index);
	index_tree_free(store->pending_tree);
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
		n = ln__utf8_decode(name + i, len - i, &c);
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
	*out = buf.ptr ? ln_buf_detach(&buf) : ln__strdup("");
	return *out ? 0 : ln_error_set(err, LN_ENOMEM, "out of memory");
}

/* Refuses a path whose folders are symlinks, or whose final component is a
 * symlink that resolves outside the notes folder. */
int store_check_links(ln_store *store, const char *rel, ln_error *err)
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
			norm = ln__strdup(abs_norm + nd - 1 + (abs_norm[nd - 1] == '/'));
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

char *store_repo_path(ln_store *store, const char *rel)
{
	return store_concat(store->prefix, rel);
}

char *store_abs_path(ln_store *store, const char *rel)
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
	items[list->count] = ln__strdup(s);
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

int ln_store_maintain(size_t *packed, ln_store *store, size_t threshold, ln_error *err)
{
	store_loose loose = { NULL, 0, 0 };
	git_packbuilder *pb = NULL;
	size_t i;
	int rc = 0;
	if (packed)
		*packed = 0;
	if (threshold == 0)
		threshold = STORE_LOOSE_THRESHOLD;
	store_flush_wait(store);
	if (store_list_loose(&loose, store) < 0) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (loose.count < threshold)
		goto merge;
	if (git_packbuilder_new(&pb, store->repo) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "cannot start packing");
		goto cleanup;
	}
	for (i = 0; i < loose.count; i++) {
		if (git_packbuilder_insert(pb, &loose.ids[i], NULL) < 0) {
			rc = ln__error_from_git(err, GIT_ERROR, "cannot pack an object");
			goto cleanup;
		}
	}
	if (git_packbuilder_write(pb, NULL, 0, NULL, NULL) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "cannot write the pack");
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
merge:
	{
		/* The commits' own packs (store_pack.c) and any other small ones. */
		size_t merged = 0;
		rc = store_pack_merge_small(&merged, store, 2, err);
		if (packed)
			*packed += merged;
	}
cleanup:
	git_packbuilder_free(pb);
	free(loose.ids);
	return rc;
}

/* ------------------------------------------------- a caller's word for a place */

int ln_store_resolve(char **out, ln_store *store, const char *what, ln_error *err)
{
	char *rel = NULL;
	struct stat st;
	int exists = 0;

	*out = NULL;
	if (!what || !*what) {
		if (!(*out = ln__strdup("")))
			return ln_error_set(err, LN_ENOMEM, "out of memory");
		return LN_OK;
	}
	if (strchr(what, '/'))
		return ln_store_relpath(out, store, what, err);
	/* A word that names something in the folder is that thing; any other
	 * is a person's display name ("José Pérez") for their folder. */
	if (ln_store_relpath(&rel, store, what, NULL) == LN_OK) {
		char *abs = store_concat(store->dir, "/");
		char *full = abs ? store_concat(abs, rel) : NULL;
		exists = full && lstat(full, &st) == 0;
		free(abs);
		free(full);
	}
	if (exists) {
		*out = rel;
		return LN_OK;
	}
	free(rel);
	if (ln_store_person_dir(out, what, NULL) == LN_OK)
		return LN_OK;
	return ln_store_relpath(out, store, what, err);
}
