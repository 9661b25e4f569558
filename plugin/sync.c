/* leadnotes: sync the notes repository with a git remote, in-process through
 * libgit2: fetch, integrate (fast-forward or a merge commit whose
 * conflicting notes keep both sides between markers), push. The
 * clean/smudge filter driver it relies on is filter.c. */
#include "leadnotes/sync.h"
#include "leadnotes/store.h"
#include "leadnotes/signing.h"
#include "leadnotes/buf.h"
#include "leadnotes/credential.h"
#include "leadnotes/ssh.h"
#include "fsutil.h"

#include <git2.h>
#include <git2/sys/filter.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SYNC_CONFLICTS_FILE "leadnotes/conflicts"
#define SYNC_MARKER "<<<<<<< "

/* ------------------------------------------------------------------ */
/* small helpers */

void ln_sync_strings_free(char **strings)
{
	size_t i;
	if (!strings)
		return;
	for (i = 0; strings[i]; i++)
		free(strings[i]);
	free(strings);
}

/* A growable NULL-terminated list of owned strings. */
typedef struct sync_list {
	char **items;
	size_t count;
	size_t cap;
} sync_list;

static int sync_list_has(const sync_list *list, const char *s)
{
	size_t i;
	for (i = 0; i < list->count; i++)
		if (strcmp(list->items[i], s) == 0)
			return 1;
	return 0;
}

static int sync_list_add(sync_list *list, const char *s)
{
	if (sync_list_has(list, s))
		return 0;
	if (list->count + 2 > list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 8;
		char **items = realloc(list->items, cap * sizeof(*items));
		if (!items)
			return -1;
		list->items = items;
		list->cap = cap;
	}
	if (!(list->items[list->count] = ln__strdup(s)))
		return -1;
	list->count++;
	list->items[list->count] = NULL;
	return 0;
}

static void sync_list_free(sync_list *list)
{
	size_t i;
	for (i = 0; i < list->count; i++)
		free(list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = list->cap = 0;
}

/* The path relative to the notes folder when it lies inside it, else the
 * path relative to the working directory. */
static const char *sync_note_path(const char *repo_path, const char *prefix)
{
	size_t n = prefix ? strlen(prefix) : 0;
	if (n && strncmp(repo_path, prefix, n) == 0)
		return repo_path + n;
	return repo_path;
}

static int sync_has_marker(const char *data, size_t len)
{
	size_t mlen = strlen(SYNC_MARKER), i;
	if (len < mlen)
		return 0;
	for (i = 0; i + mlen <= len; i++) {
		if ((i == 0 || data[i - 1] == '\n') && memcmp(data + i, SYNC_MARKER, mlen) == 0)
			return 1;
	}
	return 0;
}

/* 1 when HEAD's version of repo_path (relative to the working directory)
 * holds a conflict marker line. */
static int sync_head_has_marker(git_repository *repo, const char *repo_path)
{
	git_object *tree = NULL;
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	int found = 0;
	if (git_revparse_single(&tree, repo, "HEAD^{tree}") == 0 &&
		git_tree_entry_bypath(&entry, (git_tree *)tree, repo_path) == 0 &&
		git_tree_entry_type(entry) == GIT_OBJECT_BLOB && git_blob_lookup(&blob, repo, git_tree_entry_id(entry)) == 0)
		found = sync_has_marker(git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	git_tree_entry_free(entry);
	git_object_free(tree);
	return found;
}

/* 1 when the working file holds a conflict marker line. */
static int sync_file_has_marker(const char *file)
{
	FILE *f = fopen(file, "rb");
	ln_buf buf = LN_BUF_INIT;
	char chunk[8192];
	size_t n;
	int found = 0;
	if (!f)
		return 0;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ln_buf_put(&buf, chunk, n);
	fclose(f);
	if (!ln_buf_failed(&buf) && buf.ptr)
		found = sync_has_marker(buf.ptr, buf.size);
	ln_buf_free(&buf);
	return found;
}

/* ------------------------------------------------------------------ */
/* the conflicts record: .git/leadnotes/conflicts, one line per note,
 * "<UTC time>\t<path relative to the notes folder>" */

static int sync_conflicts_path(ln_buf *out, git_repository *repo)
{
	return ln_buf_printf(out, "%s%s", git_repository_path(repo), SYNC_CONFLICTS_FILE);
}

/* Adds to paths the recorded notes that still hold markers. */
static int sync_conflicts_read(sync_list *paths, git_repository *repo, const char *prefix)
{
	ln_buf file = LN_BUF_INIT, note = LN_BUF_INIT;
	const char *workdir = git_repository_workdir(repo);
	char line[4096];
	FILE *f;
	int rc = 0;
	if (sync_conflicts_path(&file, repo) < 0) {
		ln_buf_free(&file);
		return -1;
	}
	f = fopen(file.ptr, "r");
	ln_buf_free(&file);
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t'), *nl;
		if (!tab)
			continue;
		if ((nl = strchr(tab + 1, '\n')))
			*nl = '\0';
		if (!tab[1] || sync_list_has(paths, tab + 1) || !workdir)
			continue;
		ln_buf_clear(&note);
		ln_buf_printf(&note, "%s%s%s", workdir, prefix ? prefix : "", tab + 1);
		if (ln_buf_failed(&note)) {
			rc = -1;
			break;
		}
		/* still in conflict while the file or its committed version has
		 * markers: resolving it means saving a marker-free version */
		if ((sync_file_has_marker(note.ptr) || sync_head_has_marker(repo, note.ptr + strlen(workdir))) &&
			sync_list_add(paths, tab + 1) < 0) {
			rc = -1;
			break;
		}
	}
	fclose(f);
	ln_buf_free(&note);
	return rc;
}

/* Rewrites the record: the notes still in conflict plus the new ones. */
static int sync_conflicts_record(git_repository *repo, const char *prefix, const sync_list *fresh, ln_error *err)
{
	sync_list old = { NULL, 0, 0 };
	ln_buf path = LN_BUF_INIT, text = LN_BUF_INIT;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;
	int rc = LN_OK;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (sync_conflicts_read(&old, repo, prefix) < 0) {
		rc = ln_error_set(err, LN_ENOMEM, "sync: out of memory");
		goto cleanup;
	}
	for (i = 0; i < old.count; i++)
		if (!sync_list_has(fresh, old.items[i]))
			ln_buf_printf(&text, "%s\t%s\n", stamp, old.items[i]);
	for (i = 0; i < fresh->count; i++)
		ln_buf_printf(&text, "%s\t%s\n", stamp, fresh->items[i]);
	sync_conflicts_path(&path, repo);
	if (ln_buf_failed(&text) || ln_buf_failed(&path)) {
		rc = ln_error_set(err, LN_ENOMEM, "sync: out of memory");
		goto cleanup;
	}
	if ((rc = ln__fs_make_parents(git_repository_path(repo), SYNC_CONFLICTS_FILE, err)) < 0)
		goto cleanup;
	if (text.size == 0) {
		if (unlink(path.ptr) < 0 && errno != ENOENT)
			rc = ln_error_set(err, LN_EIO, "sync: cannot remove %s: %s", path.ptr, strerror(errno));
		goto cleanup;
	}
	rc = ln__fs_write_atomic(path.ptr, text.ptr, text.size, 0600, err);

cleanup:
	sync_list_free(&old);
	ln_buf_free(&path);
	ln_buf_free(&text);
	return rc;
}

int ln_sync_conflicts(char ***out, size_t *count, git_repository *repo, const char *prefix, ln_error *err)
{
	sync_list paths = { NULL, 0, 0 };
	*out = NULL;
	if (count)
		*count = 0;
	if (sync_conflicts_read(&paths, repo, prefix) < 0) {
		sync_list_free(&paths);
		return ln_error_set(err, LN_ENOMEM, "conflicts: out of memory");
	}
	if (!paths.items && !(paths.items = calloc(1, sizeof(char *))))
		return ln_error_set(err, LN_ENOMEM, "conflicts: out of memory");
	*out = paths.items;
	if (count)
		*count = paths.count;
	return LN_OK;
}

/* The operations git leaves half-done in a repository, with the git
 * command that finishes or aborts each (NULL: none that takes --continue). */
static const struct {
	git_repository_state_t state;
	const char *what, *cmd;
} sync_operations[] = {
	{ GIT_REPOSITORY_STATE_MERGE, "a merge", "merge" },
	{ GIT_REPOSITORY_STATE_REVERT, "a revert", "revert" },
	{ GIT_REPOSITORY_STATE_REVERT_SEQUENCE, "a revert", "revert" },
	{ GIT_REPOSITORY_STATE_CHERRYPICK, "a cherry-pick", "cherry-pick" },
	{ GIT_REPOSITORY_STATE_CHERRYPICK_SEQUENCE, "a cherry-pick", "cherry-pick" },
	{ GIT_REPOSITORY_STATE_REBASE, "a rebase", "rebase" },
	{ GIT_REPOSITORY_STATE_REBASE_INTERACTIVE, "a rebase", "rebase" },
	{ GIT_REPOSITORY_STATE_REBASE_MERGE, "a rebase", "rebase" },
	{ GIT_REPOSITORY_STATE_APPLY_MAILBOX, "git am", "am" },
	{ GIT_REPOSITORY_STATE_APPLY_MAILBOX_OR_REBASE, "git am", "am" },
};

int ln_sync_check_state(git_repository *repo, ln_error *err)
{
	const char *what = NULL, *cmd = NULL;
	git_index *index = NULL;
	int conflicted = 0, state = git_repository_state(repo);
	size_t i;

	if (state == GIT_REPOSITORY_STATE_BISECT)
		return ln_error_set(err, LN_ECONFLICT, "sync: a bisect is in progress in the notes repository; end it "
			"with git bisect reset, then sync; nothing was synced");
	if (state != GIT_REPOSITORY_STATE_NONE)
		what = "a git operation";
	for (i = 0; i < sizeof(sync_operations) / sizeof(sync_operations[0]); i++) {
		if ((int)sync_operations[i].state == state) {
			what = sync_operations[i].what;
			cmd = sync_operations[i].cmd;
		}
	}
	if (what && cmd)
		return ln_error_set(err, LN_ECONFLICT, "sync: %s is in progress in the notes repository; finish it "
			"(git %s --continue) or abort it (git %s --abort), then sync; nothing was synced or committed",
			what, cmd, cmd);
	if (what)
		return ln_error_set(err, LN_ECONFLICT, "sync: %s is in progress in the notes repository; finish it, "
			"then sync; nothing was synced or committed", what);
	if (git_repository_index(&index, repo) == 0) {
		conflicted = git_index_has_conflicts(index);
		git_index_free(index);
	}
	if (conflicted)
		return ln_error_set(err, LN_ECONFLICT, "sync: the index holds unresolved conflicts (git status lists "
			"them); resolve and commit them, then sync; nothing was synced or committed");
	return LN_OK;
}

/* Adds to notes the files under dir (the working directory's rel, "" or
 * ending in '/') that are notes and that the index does not hold. Walks
 * the folder itself rather than asking for a status: a status hashes
 * tracked files through their filters (a locked git-crypt clone refuses). */
static int sync_walk_untracked(sync_list *notes, git_index *index, const char *workdir, const char *prefix,
	const char *rel, int depth)
{
	ln_buf dir = LN_BUF_INIT, child = LN_BUF_INIT;
	DIR *d;
	struct dirent *e;
	int rc = 0;
	if (depth > 16 || ln_buf_printf(&dir, "%s%s%s", workdir, prefix, rel) < 0 || !(d = opendir(dir.ptr))) {
		ln_buf_free(&dir);
		return 0;
	}
	while (rc == 0 && (e = readdir(d))) {
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		ln_buf_clear(&child);
		if (ln_buf_printf(&child, "%s%s", rel, e->d_name) < 0) {
			rc = -1;
			break;
		}
		ln_buf_clear(&dir);
		if (ln_buf_printf(&dir, "%s%s%s", workdir, prefix, child.ptr) < 0) {
			rc = -1;
			break;
		}
		if (lstat(dir.ptr, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (ln_buf_puts(&child, "/") < 0) {
				rc = -1;
				break;
			}
			rc = sync_walk_untracked(notes, index, workdir, prefix, child.ptr, depth + 1);
		} else if (S_ISREG(st.st_mode) && ln_store_is_note(child.ptr)) {
			ln_buf full = LN_BUF_INIT;
			if (ln_buf_printf(&full, "%s%s", prefix, child.ptr) < 0)
				rc = -1;
			else if (!git_index_get_bypath(index, full.ptr, 0) && sync_list_add(notes, child.ptr) < 0)
				rc = -1;
			ln_buf_free(&full);
		}
	}
	closedir(d);
	ln_buf_free(&dir);
	ln_buf_free(&child);
	return rc;
}

int ln_sync_untracked_notes(char ***out, size_t *count, git_repository *repo, const char *prefix, ln_error *err)
{
	git_index *index = NULL;
	sync_list notes = { NULL, 0, 0 };
	const char *workdir = git_repository_workdir(repo);
	int rc = LN_OK;

	*out = NULL;
	if (count)
		*count = 0;
	if (!prefix)
		prefix = "";
	if (!workdir)
		return ln_error_set(err, LN_EINVALID, "sync: the notes repository has no working tree");
	if (git_repository_index(&index, repo) < 0 || git_index_read(index, 0) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot read the index");
		goto cleanup;
	}
	if (sync_walk_untracked(&notes, index, workdir, prefix, "", 0) < 0 ||
		(!notes.items && !(notes.items = calloc(1, sizeof(char *))))) {
		rc = ln_error_set(err, LN_ENOMEM, "sync: out of memory");
		goto cleanup;
	}
	*out = notes.items;
	if (count)
		*count = notes.count;
	notes.items = NULL;
	notes.count = 0;

cleanup:
	sync_list_free(&notes);
	git_index_free(index);
	return rc;
}

/* ------------------------------------------------------------------ */
/* remote callbacks */

typedef struct sync_state {
	const ln_sync_options *opts;
	int cancelled;
	int attempts;        /* credential requests on this connection so far */
	ln_credential credential; /* from git's credential helpers, for this connection */
	const char *git_dir;      /* whose configuration names the helpers */
	size_t fetched;
	ln_buf rejected;     /* refs the remote refused, with its reasons */
} sync_state;

static int sync_report(sync_state *st, const char *stage, size_t received, size_t total)
{
	if (!st->opts || !st->opts->progress)
		return 0;
	if (st->opts->progress(stage, received, total, st->opts->payload) != 0) {
		st->cancelled = 1;
		git_error_set_str(GIT_ERROR_CALLBACK, "cancelled by the progress callback");
		return -1;
	}
	return 0;
}

/* HTTP(S) credentials, asked for only when the server wants them: the
 * user name git's credential helpers have for the URL (`git credential
 * fill`), else the system's Negotiate/NTLM credentials. A second request
 * on the same connection means the server refused the first: the helpers
 * are told (`git credential reject`) and the sync fails. SSH never comes
 * here: the user's ssh program authenticates (ssh_transport.c). */
static int sync_credentials(git_credential **out, const char *url, const char *username_from_url,
	unsigned int allowed_types, void *payload)
{
	sync_state *st = payload;
	ln_error cerr;
	int rc;

	if (allowed_types & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, username_from_url && *username_from_url ? username_from_url : "git");
	st->attempts++;
	if (st->attempts > 1) {
		if (st->credential.username) {
			ln_credential_report(&st->credential, 0);
			ln_credential_clear(&st->credential);
			git_error_set_str(GIT_ERROR_NET, "authentication failed: the server refused the user name and password "
				"from git's credential helper, which now forgets them; store the right ones with: git fetch "
				"(once, in the notes folder)");
		} else {
			git_error_set_str(GIT_ERROR_NET, "authentication failed: the server refused the credentials");
		}
		return GIT_EAUTH;
	}
	if (allowed_types & GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
		ln_credential_clear(&st->credential);
		rc = ln_credential_fill(&st->credential, st->git_dir, url, username_from_url, &cerr);
		if (rc == LN_OK)
			return git_credential_userpass_plaintext_new(out, st->credential.username, st->credential.password);
		if (!(allowed_types & GIT_CREDENTIAL_DEFAULT)) {
			if (rc == LN_ENOTFOUND)
				git_error_set(GIT_ERROR_NET, "authentication required: %s; set one up (git config --global "
					"credential.helper store, or your forge's CLI, e.g. gh auth setup-git), then run git fetch once "
					"in the notes folder", cerr.message);
			else
				git_error_set_str(GIT_ERROR_NET, cerr.message);
			return GIT_EAUTH;
		}
	}
	if (allowed_types & GIT_CREDENTIAL_DEFAULT)
		return git_credential_default_new(out);
	git_error_set_str(GIT_ERROR_NET, "authentication failed: the server asks for a kind of credential leadnotes "
		"does not offer (for SSH, use an ssh:// or host:path URL)");
	return GIT_EAUTH;
}

/* After a connection: credentials from a helper that worked are approved,
 * as git does, so a helper that caches them keeps them. */
static void sync_credentials_settle(sync_state *st)
{
	if (st->credential.username)
		ln_credential_report(&st->credential, 1);
	ln_credential_clear(&st->credential);
	st->attempts = 0;
}

static int sync_transfer_progress(const git_indexer_progress *stats, void *payload)
{
	sync_state *st = payload;
	st->fetched = stats->received_objects;
	if (stats->received_objects < stats->total_objects)
		return sync_report(st, "fetch", stats->received_objects, stats->total_objects);
	return sync_report(st, "resolve", stats->indexed_deltas, stats->total_deltas);
}

static int sync_push_progress(unsigned int current, unsigned int total, size_t bytes, void *payload)
{
	(void)bytes;
	return sync_report(payload, "push", current, total);
}

static int sync_push_update(const char *refname, const char *status, void *payload)
{
	sync_state *st = payload;
	if (status)
		ln_buf_printf(&st->rejected, "%s%s (%s)", st->rejected.size ? ", " : "", refname, status);
	return 0;
}

static void sync_checkout_progress(const char *path, size_t completed, size_t total, void *payload)
{
	(void)path;
	sync_report(payload, "checkout", completed, total);
}

typedef struct sync_checkout_note {
	ln_buf paths;
	size_t count;
} sync_checkout_note;

static int sync_checkout_notify(git_checkout_notify_t why, const char *path, const git_diff_file *baseline,
	const git_diff_file *target, const git_diff_file *workdir, void *payload)
{
	sync_checkout_note *note = payload;
	(void)baseline;
	(void)target;
	(void)workdir;
	if (why == GIT_CHECKOUT_NOTIFY_CONFLICT && note->count++ < 3)
		ln_buf_printf(&note->paths, "%s%s", note->paths.size ? ", " : "", path);
	return 0;
}

static void sync_callbacks(git_remote_callbacks *cb, sync_state *st)
{
	cb->credentials = sync_credentials;
	cb->transport = ln_ssh_transport; /* SSH through the user's ssh program */
	cb->transfer_progress = sync_transfer_progress;
	cb->push_transfer_progress = sync_push_progress;
	cb->push_update_reference = sync_push_update;
	cb->payload = st;
}

/* ------------------------------------------------------------------ */
/* sync steps */

/* Refuses when tracked files differ from HEAD (in the index or the working
 * tree): integrating would have to overwrite or mix them. */
static int sync_check_clean(git_repository *repo, ln_error *err)
{
	git_status_options so;
	git_status_list *list = NULL;
	ln_buf names = LN_BUF_INIT;
	size_t i, n, dirty = 0;
	int rc = LN_OK;

	git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
	so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	so.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (git_status_list_new(&list, repo, &so) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot read the status of the notes");
		goto cleanup;
	}
	n = git_status_list_entrycount(list);
	for (i = 0; i < n; i++) {
		const git_status_entry *e = git_status_byindex(list, i);
		const char *path;
		if (e->status == GIT_STATUS_CURRENT || e->status == GIT_STATUS_WT_NEW || e->status == GIT_STATUS_IGNORED)
			continue;
		path = e->head_to_index ? e->head_to_index->old_file.path
			: e->index_to_workdir ? e->index_to_workdir->old_file.path : "?";
		if (dirty++ < 3)
			ln_buf_printf(&names, "%s%s", names.size ? ", " : "", path);
	}
	if (dirty)
		rc = ln_error_set(err, LN_EEXISTS, "sync: %zu file%s changed but not committed (%s%s); save them "
			"first, nothing was synced", dirty, dirty == 1 ? "" : "s", names.ptr ? names.ptr : "",
			dirty > 3 ? ", ..." : "");

cleanup:
	git_status_list_free(list);
	ln_buf_free(&names);
	return rc;
}

/* url as git rewrites it with url.<base>.<which> (which: "insteadof" or
 * "pushinsteadof"): the longest matching prefix is replaced by its base.
 * Into *out (the caller's, left empty when nothing matches). */
static int sync_rewrite_url(ln_buf *out, git_config *cfg, const char *url, const char *which)
{
	git_config_iterator *it = NULL;
	git_config_entry *entry;
	size_t best = 0, wlen = strlen(which);

	ln_buf_clear(out);
	if (git_config_iterator_new(&it, cfg) < 0)
		return -1;
	while (git_config_next(&entry, it) == 0) {
		const char *name = entry->name, *value = entry->value ? entry->value : "";
		size_t nlen = strlen(name), vlen = strlen(value);
		/* url.<base>.<which>: git lowercases the section and the key, not the base */
		if (nlen <= 4 + 1 + wlen || strncmp(name, "url.", 4) != 0 || name[nlen - wlen - 1] != '.' ||
			strcmp(name + nlen - wlen, which) != 0)
			continue;
		if (vlen > best && strncmp(url, value, vlen) == 0) {
			best = vlen;
			ln_buf_clear(out);
			ln_buf_put(out, name + 4, nlen - 4 - 1 - wlen);
			ln_buf_puts(out, url + vlen);
		}
	}
	git_config_iterator_free(it);
	return ln_buf_failed(out) ? -1 : 0;
}

/* An in-memory remote for remote.<name>.url, rewritten by
 * url.<base>.insteadOf as git does; for pushing (push non-zero): for
 * remote.<name>.pushurl through insteadOf, else for the URL through
 * pushInsteadOf when one matches. A push URL gets a remote of its own:
 * libgit2 keeps the fetch URL's transport for a push on the same remote.
 * Not git_remote_lookup: libgit2 1.5 leaks PCRE2 match data (about 20 KB)
 * for every config entry its insteadOf scan looks at (fixed upstream in
 * libgit2 PR 6382), which a long-running editor would pay on every sync;
 * the rewriting here reads the entries without a pattern. */
static int sync_open_remote(git_remote **out, git_repository *repo, git_config *cfg, const char *name, int push,
	ln_error *err)
{
	git_remote_create_options ro;
	git_buf url = GIT_BUF_INIT, pushurl = GIT_BUF_INIT;
	ln_buf key = LN_BUF_INIT, rewritten = LN_BUF_INIT;
	const char *chosen;
	int rc = LN_OK, valid = 0;

	*out = NULL;
	ln_buf_printf(&key, "remote.%s.url", name);
	if (ln_buf_failed(&key)) {
		rc = ln_error_set(err, LN_ENOMEM, "sync: out of memory");
		goto cleanup;
	}
	if (git_remote_name_is_valid(&valid, name) < 0 || !valid || git_config_get_string_buf(&url, cfg, key.ptr) < 0 ||
		url.size == 0) {
		rc = ln_error_set(err, LN_ENOTFOUND, "sync: no remote named '%s'; add one with: git remote add %s <url>",
			name, name);
		goto cleanup;
	}
	ln_buf_clear(&key);
	ln_buf_printf(&key, "remote.%s.pushurl", name);
	if (push && !ln_buf_failed(&key) && git_config_get_string_buf(&pushurl, cfg, key.ptr) == 0 && pushurl.size) {
		rc = sync_rewrite_url(&rewritten, cfg, pushurl.ptr, "insteadof");
	} else {
		rc = push ? sync_rewrite_url(&rewritten, cfg, url.ptr, "pushinsteadof") : 0;
		if (rc == 0 && !rewritten.size)
			rc = sync_rewrite_url(&rewritten, cfg, url.ptr, "insteadof");
	}
	if (rc < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot read url.<base>.insteadOf");
		goto cleanup;
	}
	chosen = rewritten.size ? rewritten.ptr : pushurl.size ? pushurl.ptr : url.ptr;
	git_remote_create_options_init(&ro, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	ro.repository = repo;
	ro.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if (git_remote_create_with_opts(out, chosen, &ro) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, push ? "sync: cannot use the remote's push URL"
			: "sync: cannot use the remote's URL");
		goto cleanup;
	}
	rc = LN_OK;

cleanup:
	if (rc < 0) {
		git_remote_free(*out);
		*out = NULL;
	}
	git_buf_dispose(&url);
	git_buf_dispose(&pushurl);
	ln_buf_free(&key);
	ln_buf_free(&rewritten);
	return rc;
}

/* The paths that differ between baseline (NULL: the index) and target, or
 * only the .gitattributes files among them: NUL-separated in *names (caller
 * frees), pointers into it in *paths (caller frees), their number in
 * *count. */
static int sync_changed_paths(git_repository *repo, git_tree *target, git_tree *baseline, int attributes_only,
	ln_buf *names, char ***paths, size_t *count)
{
	git_diff *diff = NULL;
	size_t i, n, at = 0;
	int rc;

	*paths = NULL;
	*count = 0;
	rc = baseline ? git_diff_tree_to_tree(&diff, repo, baseline, target, NULL)
	              : git_diff_tree_to_index(&diff, repo, target, NULL, NULL);
	if (rc < 0)
		return rc;
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *path = d->new_file.path ? d->new_file.path : d->old_file.path;
		const char *slash = strrchr(path, '/');
		if (!attributes_only || strcmp(slash ? slash + 1 : path, ".gitattributes") == 0) {
			ln_buf_put(names, path, strlen(path) + 1);
			(*count)++;
		}
	}
	git_diff_free(diff);
	if (*count == 0)
		return 0;
	if (ln_buf_failed(names) || !(*paths = calloc(*count, sizeof(**paths))))
		return -1;
	for (i = 0; i < *count; i++) {
		(*paths)[i] = names->ptr + at;
		at += strlen(names->ptr + at) + 1;
	}
	return 0;
}

/* baseline with the count paths set as target has them (removed where it has
 * none), into *out (caller frees). */
static int sync_baseline_with_attributes(git_tree **out, git_repository *repo, git_tree *baseline,
	git_tree *target, char **paths, size_t count)
{
	git_tree_update *updates = calloc(count, sizeof(*updates));
	git_tree_entry **entries = calloc(count, sizeof(*entries));
	git_oid id;
	size_t i;
	int rc = -1;

	*out = NULL;
	if (!updates || !entries)
		goto cleanup;
	for (i = 0; i < count; i++) {
		updates[i].path = paths[i];
		if (git_tree_entry_bypath(&entries[i], target, paths[i]) == 0) {
			updates[i].action = GIT_TREE_UPDATE_UPSERT;
			git_oid_cpy(&updates[i].id, git_tree_entry_id(entries[i]));
			updates[i].filemode = git_tree_entry_filemode(entries[i]);
		} else {
			updates[i].action = GIT_TREE_UPDATE_REMOVE;
		}
	}
	if (git_tree_create_updated(&id, repo, baseline, count, updates) == 0)
		rc = git_tree_lookup(out, repo, &id);
cleanup:
	for (i = 0; entries && i < count; i++)
		git_tree_entry_free(entries[i]);
	free(entries);
	free(updates);
	return rc;
}

/* After a checkout of target over baseline failed part way (a full disk):
 * puts back, forced, the paths that differ between the two, so the working
 * tree and the index are as before (the sync promises it). Only those
 * paths: an edit made meanwhile to another note is left alone. NULL
 * baseline (an unborn branch): the paths target added are removed. */
static int sync_checkout_undo(git_repository *repo, git_tree *target, git_tree *baseline)
{
	git_checkout_options co;
	git_treebuilder *builder = NULL;
	git_tree *empty = NULL;
	git_index *index = NULL;
	ln_buf names = LN_BUF_INIT;
	char **paths = NULL;
	size_t count = 0;
	git_oid id;
	int rc = -1;

	/* what libgit2 changed in the index in memory is dropped first */
	if (git_repository_index(&index, repo) == 0)
		git_index_read(index, 1);
	git_index_free(index);
	if (!baseline) {
		if (git_treebuilder_new(&builder, repo, NULL) < 0 || git_treebuilder_write(&id, builder) < 0 ||
			git_tree_lookup(&empty, repo, &id) < 0)
			goto cleanup;
		baseline = empty;
	}
	if (sync_changed_paths(repo, target, baseline, 0, &names, &paths, &count) < 0)
		goto cleanup;
	git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
	/* The failed checkout did not write the index (reread above): leave
	 * it, so undoing needs no space beyond what it puts back. */
	co.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_DISABLE_PATHSPEC_MATCH | GIT_CHECKOUT_DONT_UPDATE_INDEX;
	co.baseline = target;
	co.dir_mode = 0700;
	co.file_mode = 0600;
	co.paths.strings = paths;
	co.paths.count = count;
	rc = count ? git_checkout_tree(repo, (const git_object *)baseline, &co) : 0;
cleanup:
	git_treebuilder_free(builder);
	git_tree_free(empty);
	free(paths);
	ln_buf_free(&names);
	return rc;
}

/* Checks target out over the working tree, from baseline (NULL: the index),
 * refusing to overwrite anything not committed. libgit2 reads .gitattributes
 * once per checkout, sometimes before it writes the new one, so a note whose
 * filter changes in the same update could be smudged by the old rule (seen:
 * a git-crypt ciphertext run through the previous filter). Git takes the
 * attributes from what it checks out; here the changed .gitattributes files
 * are checked out first, then the rest in a pass that reads them, from a
 * baseline that already holds the new files. A dry run before both finds
 * what is in the way, so a refusal changes nothing. */
static int sync_checkout(git_repository *repo, git_tree *target, git_tree *baseline, sync_state *st, ln_error *err)
{
	git_checkout_options co;
	sync_checkout_note note = { LN_BUF_INIT, 0 };
	ln_buf names = LN_BUF_INIT;
	char **paths = NULL;
	size_t count = 0;
	git_tree *between = NULL;
	int rc = LN_OK, pass;

	if (sync_changed_paths(repo, target, baseline, 1, &names, &paths, &count) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot compare the attributes files");
		goto cleanup;
	}
	if (count && baseline && sync_baseline_with_attributes(&between, repo, baseline, target, paths, count) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot prepare the attributes files");
		goto cleanup;
	}
	/* pass 0: dry run; 1: the attributes files; 2: everything */
	for (pass = count ? 0 : 2; pass < 3 && rc == LN_OK; pass++) {
		git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
		co.checkout_strategy = GIT_CHECKOUT_SAFE;
		co.baseline = pass == 2 && between ? between : baseline;
		co.dir_mode = 0700;
		co.file_mode = 0600;
		co.progress_cb = sync_checkout_progress;
		co.progress_payload = st;
		co.notify_flags = GIT_CHECKOUT_NOTIFY_CONFLICT;
		co.notify_cb = sync_checkout_notify;
		co.notify_payload = &note;
		if (pass == 0)
			co.checkout_strategy |= GIT_CHECKOUT_DRY_RUN;
		if (pass == 1) {
			co.checkout_strategy |= GIT_CHECKOUT_DISABLE_PATHSPEC_MATCH;
			co.paths.strings = paths;
			co.paths.count = count;
		}
		if (git_checkout_tree(repo, (const git_object *)target, &co) < 0) {
			if (note.count) {
				rc = ln_error_set(err, LN_EEXISTS, "sync: files that are not committed are in the way (%s%s); "
					"save or move them and sync again, nothing was changed", note.paths.ptr ? note.paths.ptr : "",
					note.count > 3 ? ", ..." : "");
			} else {
				const git_error *e = git_error_last();
				ln_buf why = LN_BUF_INIT;
				ln_buf_puts(&why, e && e->message ? e->message : "unknown error");
				if (pass > 0 && sync_checkout_undo(repo, target, baseline) < 0)
					rc = ln_error_set(err, LN_ERROR, "sync: cannot update the notes folder: %s; some files of "
						"the update may be left (git status shows them), sync again once it is fixed",
						why.ptr ? why.ptr : "out of memory");
				else
					rc = ln_error_set(err, LN_ERROR, "sync: cannot update the notes folder: %s; nothing was "
						"changed", why.ptr ? why.ptr : "out of memory");
				ln_buf_free(&why);
			}
		}
	}

cleanup:
	git_tree_free(between);
	free(paths);
	ln_buf_free(&names);
	ln_buf_free(&note.paths);
	return rc;
}

/* Filtered content of an index entry's blob as the working tree holds it
 * (smudged), or an empty input for a missing side. */
static int sync_side(git_merge_file_input *in, git_buf *buf, git_repository *repo, const git_index_entry *entry)
{
	git_blob *blob = NULL;
	git_blob_filter_options fo;
	int rc;
	in->ptr = NULL;
	in->size = 0;
	in->path = NULL;
	in->mode = 0;
	if (!entry)
		return 0;
	if ((rc = git_blob_lookup(&blob, repo, &entry->id)) < 0)
		return rc;
	/* every filter, even on binary-looking content: git-crypt's
	 * ciphertext is binary and must be smudged before merging */
	git_blob_filter_options_init(&fo, GIT_BLOB_FILTER_OPTIONS_VERSION);
	fo.flags = 0;
	rc = git_blob_filter(buf, blob, entry->path, &fo);
	git_blob_free(blob);
	if (rc < 0)
		return rc;
	in->ptr = buf->ptr;
	in->size = buf->size;
	in->path = entry->path;
	in->mode = entry->mode;
	return 0;
}

/* Resolves one conflict: both sides' text merged with markers (or the
 * surviving side when the other deleted the file), cleaned through the
 * path's filters into a blob. *entry_out gets path, mode and id. */
static int sync_resolve(git_index_entry *entry_out, int *marked, git_repository *repo, const git_index_entry *ancestor,
	const git_index_entry *ours, const git_index_entry *theirs, const char *their_label, ln_error *err)
{
	git_buf b_anc = GIT_BUF_INIT, b_ours = GIT_BUF_INIT, b_theirs = GIT_BUF_INIT, cleaned = GIT_BUF_INIT;
	git_merge_file_input in_anc, in_ours, in_theirs;
	git_merge_file_options fo;
	git_merge_file_result res = { 0 };
	git_filter_list *filters = NULL;
	const git_index_entry *side = ours ? ours : theirs;
	const char *data;
	size_t size;
	int rc = LN_OK;

	*marked = 0;
	memset(entry_out, 0, sizeof(*entry_out));
	entry_out->path = side->path;
	entry_out->mode = side->mode;
	if (!ours || !theirs) {
		/* deleted on one side, changed on the other: keep the changed note */
		entry_out->id = side->id;
		return LN_OK;
	}
	if (sync_side(&in_anc, &b_anc, repo, ancestor) < 0 || sync_side(&in_ours, &b_ours, repo, ours) < 0 ||
		sync_side(&in_theirs, &b_theirs, repo, theirs) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot read both sides of a note");
		goto cleanup;
	}
	git_merge_file_options_init(&fo, GIT_MERGE_FILE_OPTIONS_VERSION);
	fo.ancestor_label = "common version";
	fo.our_label = "this machine";
	fo.their_label = their_label;
	fo.flags = GIT_MERGE_FILE_STYLE_MERGE;
	if (git_merge_file(&res, ancestor ? &in_anc : NULL, &in_ours, &in_theirs, &fo) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot merge a note");
		goto cleanup;
	}
	if (res.ptr && (res.automergeable || sync_has_marker(res.ptr, res.len))) {
		data = res.ptr;
		size = res.len;
		*marked = !res.automergeable;
	} else {
		/* binary: no text merge; keep both as whole copies */
		ln_buf both = LN_BUF_INIT;
		ln_buf_printf(&both, "%sthis machine\n", SYNC_MARKER);
		ln_buf_put(&both, in_ours.ptr, in_ours.size);
		ln_buf_printf(&both, "\n=======\n");
		ln_buf_put(&both, in_theirs.ptr, in_theirs.size);
		ln_buf_printf(&both, "\n>>>>>>> %s\n", their_label);
		if (ln_buf_failed(&both)) {
			ln_buf_free(&both);
			rc = ln_error_set(err, LN_ENOMEM, "sync: out of memory");
			goto cleanup;
		}
		git_merge_file_result_free(&res);
		memset(&res, 0, sizeof(res));
		res.ptr = ln_buf_detach(&both);
		res.len = strlen(res.ptr);
		data = res.ptr;
		size = res.len;
		*marked = 1;
	}
	if (git_filter_list_load(&filters, repo, NULL, side->path, GIT_FILTER_TO_ODB, GIT_FILTER_DEFAULT) < 0 ||
		(filters && git_filter_list_apply_to_buffer(&cleaned, filters, data, size) < 0)) {
		rc = ln__error_from_git(err, GIT_ERROR, "sync: the clean filter failed on a merged note");
		goto cleanup;
	}
	if (filters) {
		data = cleaned.ptr;
		size = cleaned.size;
	}
	if (git_blob_create_from_buffer(&entry_out->id, repo, data, size) < 0)
		rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot store a merged note");
	if (res.mode)
		entry_out->mode = res.mode;

cleanup:
	git_filter_list_free(filters);
	git_buf_dispose(&cleaned);
	git_buf_dispose(&b_anc);
	git_buf_dispose(&b_ours);
	git_buf_dispose(&b_theirs);
	git_merge_file_result_free(&res);
	return rc;
}

/* Merges theirs into ours in memory; conflicts are resolved with markers
 * and their paths added to conflicts. *tree_out is the merged tree. */
static int sync_merge_tree(git_oid *tree_out, git_repository *repo, git_commit *ours, git_commit *theirs,
	const char *their_label, const char *prefix, sync_list *conflicts, ln_error *err)
{
	git_merge_options mo;
	git_index *index = NULL;
	git_index_conflict_iterator *it = NULL;
	const git_index_entry *anc, *our, *their;
	git_index_entry *resolved = NULL;
	size_t count = 0, cap = 0, i;
	int rc = LN_OK, marked;

	git_merge_options_init(&mo, GIT_MERGE_OPTIONS_VERSION);
	if (git_merge_commits(&index, repo, ours, theirs, &mo) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot merge the remote's notes");
		goto cleanup;
	}
	if (git_index_has_conflicts(index)) {
		if (git_index_conflict_iterator_new(&it, index) < 0) {
			rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot list conflicts");
			goto cleanup;
		}
		while (git_index_conflict_next(&anc, &our, &their, it) == 0) {
			if (count == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				git_index_entry *grown = realloc(resolved, ncap * sizeof(*grown));
				if (!grown) {
					rc = ln_error_set(err, LN_ENOMEM, "sync: out of memory");
					goto cleanup;
				}
				resolved = grown;
				cap = ncap;
			}
			if ((rc = sync_resolve(&resolved[count], &marked, repo, anc, our, their, their_label, err)) < 0)
				goto cleanup;
			/* the path points into the index: copy it before the index changes */
			if (!(resolved[count].path = ln__strdup(resolved[count].path))) {
				rc = ln_error_set(err, LN_ENOMEM, "sync: out of memory");
				goto cleanup;
			}
			count++;
			if (sync_list_add(conflicts, sync_note_path(resolved[count - 1].path, prefix)) < 0) {
				rc = ln_error_set(err, LN_ENOMEM, "sync: out of memory");
				goto cleanup;
			}
		}
		git_index_conflict_iterator_free(it);
		it = NULL;
		for (i = 0; i < count; i++) {
			if (git_index_conflict_remove(index, resolved[i].path) < 0 || git_index_add(index, &resolved[i]) < 0) {
				rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot record a merged note");
				goto cleanup;
			}
		}
	}
	if (git_index_write_tree_to(tree_out, index, repo) < 0)
		rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot write the merged tree");

cleanup:
	for (i = 0; i < count; i++)
		free((char *)resolved[i].path);
	free(resolved);
	git_index_conflict_iterator_free(it);
	git_index_free(index);
	return rc;
}

static int sync_signature(git_signature **out, git_repository *repo)
{
	if (git_signature_default(out, repo) == 0)
		return 0;
	return git_signature_now(out, "leadnotes", "leadnotes@localhost");
}

/* Makes the merge commit, checks it out and moves the branch. */
static int sync_merge(git_repository *repo, git_reference *branch, git_commit *ours, git_commit *theirs,
	const char *remote_name, const char *branch_name, const char *prefix, sync_list *conflicts, sync_state *st,
	ln_error *err)
{
	git_oid tree_id, commit_id;
	git_tree *tree = NULL, *our_tree = NULL;
	git_signature *sig = NULL;
	git_reference *moved = NULL;
	ln_buf label = LN_BUF_INIT, message = LN_BUF_INIT;
	const git_commit *parents[2];
	size_t i;
	int rc;

	ln_buf_printf(&label, "%s/%s", remote_name, branch_name);
	if (ln_buf_failed(&label)) {
		rc = ln_error_set(err, LN_ENOMEM, "sync: out of memory");
		goto cleanup;
	}
	if ((rc = sync_merge_tree(&tree_id, repo, ours, theirs, label.ptr, prefix, conflicts, err)) < 0)
		goto cleanup;
	ln_buf_printf(&message, "leadnotes sync: merge %s\n", label.ptr);
	if (conflicts->count) {
		ln_buf_printf(&message, "\nNotes with both versions kept between conflict markers:\n");
		for (i = 0; i < conflicts->count; i++)
			ln_buf_printf(&message, "\t%s\n", conflicts->items[i]);
	}
	if (ln_buf_failed(&message)) {
		rc = ln_error_set(err, LN_ENOMEM, "sync: out of memory");
		goto cleanup;
	}
	parents[0] = ours;
	parents[1] = theirs;
	if (git_tree_lookup(&tree, repo, &tree_id) < 0 || git_commit_tree(&our_tree, ours) < 0 ||
		sync_signature(&sig, repo) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot create the merge commit");
		goto cleanup;
	}
	if ((rc = ln_signing_commit_create(&commit_id, repo, sig, sig, message.ptr, tree, 2, parents, err)) < 0)
		goto cleanup;
	if ((rc = sync_checkout(repo, tree, our_tree, st, err)) < 0)
		goto cleanup;
	if (git_reference_set_target(&moved, branch, &commit_id, "leadnotes sync: merge") < 0)
		rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot move the branch to the merge commit");

cleanup:
	git_reference_free(moved);
	git_signature_free(sig);
	git_tree_free(tree);
	git_tree_free(our_tree);
	ln_buf_free(&label);
	ln_buf_free(&message);
	return rc;
}

/* Moves the branch (or creates it, when unborn) to theirs. */
static int sync_fast_forward(git_repository *repo, git_reference *branch, const char *branch_ref, git_commit *ours,
	git_commit *theirs, sync_state *st, ln_error *err)
{
	git_tree *target = NULL, *baseline = NULL;
	git_reference *moved = NULL;
	int rc;

	if (git_commit_tree(&target, theirs) < 0 || (ours && git_commit_tree(&baseline, ours) < 0)) {
		rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot read the remote's notes");
		goto cleanup;
	}
	if ((rc = sync_checkout(repo, target, baseline, st, err)) < 0)
		goto cleanup;
	if (branch)
		rc = git_reference_set_target(&moved, branch, git_commit_id(theirs), "leadnotes sync: fast-forward");
	else
		rc = git_reference_create(&moved, repo, branch_ref, git_commit_id(theirs), 0, "leadnotes sync: first fetch");
	if (rc < 0)
		rc = ln__error_from_git(err, rc, "sync: cannot move the branch forward");

cleanup:
	git_reference_free(moved);
	git_tree_free(target);
	git_tree_free(baseline);
	return rc;
}

/* Fetches the branch into its remote-tracking ref and the remote's eval/
 * tags that do not exist here. A seal that exists here under the same name
 * is never overwritten (libgit2 1.5 would force even a non-forced refspec).
 * LN_ERROR with git's error set when the transfer fails. */
static int sync_fetch(git_remote *remote, git_repository *repo, const char *remote_name, ln_buf *merge_ref,
	int follow_default, int *followed, ln_buf *tracking_name, git_fetch_options *fo, sync_state *st, ln_error *err)
{
	const git_remote_head **heads = NULL;
	size_t nheads = 0, i;
	sync_list specs = { NULL, 0, 0 };
	ln_buf spec = LN_BUF_INIT;
	git_buf remote_head = GIT_BUF_INIT;
	git_strarray refspecs;
	int rc = LN_OK, has_ours = 0, has_branches = 0;

	(void)st;
	*followed = 0;
	if (git_remote_connect(remote, GIT_DIRECTION_FETCH, &fo->callbacks, &fo->proxy_opts, &fo->custom_headers) < 0 ||
		git_remote_ls(&heads, &nheads, remote) < 0) {
		rc = LN_ERROR;
		goto cleanup;
	}
	/* what the remote holds as seals, for verify to compare with */
	if ((rc = ln_seal_record_remote(repo, heads, nheads, err)) < 0)
		goto cleanup;
	/* First contact (no upstream configured) with a remote that has
	 * branches but not one of ours' name: follow its default branch (a
	 * bare repository whose HEAD is trunk) instead of pushing a second,
	 * unrelated branch next to it. */
	for (i = 0; i < nheads; i++) {
		has_branches |= strncmp(heads[i]->name, "refs/heads/", 11) == 0;
		has_ours |= strcmp(heads[i]->name, merge_ref->ptr) == 0;
	}
	if (follow_default && has_branches && !has_ours) {
		if (git_remote_default_branch(&remote_head, remote) < 0 || strncmp(remote_head.ptr, "refs/heads/", 11) != 0) {
			rc = ln_error_set(err, LN_EINVALID, "sync: '%s' has no branch '%s' and no default branch to follow; "
				"name the branch to sync with: git branch --set-upstream-to=%s/<branch>; nothing was changed",
				remote_name, merge_ref->ptr + 11, remote_name);
			goto cleanup;
		}
		ln_buf_clear(merge_ref);
		ln_buf_puts(merge_ref, remote_head.ptr);
		*followed = 1;
	}
	ln_buf_clear(tracking_name);
	ln_buf_printf(tracking_name, "refs/remotes/%s/%s", remote_name, merge_ref->ptr ? merge_ref->ptr + 11 : "");
	ln_buf_printf(&spec, "+%s:%s", merge_ref->ptr ? merge_ref->ptr : "", tracking_name->ptr ? tracking_name->ptr : "");
	if (ln_buf_failed(merge_ref) || ln_buf_failed(tracking_name) || ln_buf_failed(&spec) ||
		sync_list_add(&specs, spec.ptr) < 0) {
		rc = ln_error_set(err, LN_ENOMEM, "sync: out of memory");
		goto cleanup;
	}
	for (i = 0; i < nheads; i++) {
		const char *name = heads[i]->name;
		git_reference *local = NULL;
		size_t n = strlen(name);
		if (strncmp(name, "refs/tags/eval/", 15) != 0 || (n > 3 && strcmp(name + n - 3, "^{}") == 0))
			continue;
		if (git_reference_lookup(&local, repo, name) == 0) {
			git_reference_free(local);
			continue;
		}
		ln_buf_clear(&spec);
		ln_buf_printf(&spec, "%s:%s", name, name);
		if (ln_buf_failed(&spec) || sync_list_add(&specs, spec.ptr) < 0) {
			rc = ln_error_set(err, LN_ENOMEM, "sync: out of memory");
			goto cleanup;
		}
	}
	refspecs.strings = specs.items;
	refspecs.count = specs.count;
	fo->download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	if (git_remote_download(remote, &refspecs, fo) < 0 ||
		git_remote_update_tips(remote, &fo->callbacks, 0, GIT_REMOTE_DOWNLOAD_TAGS_NONE, "leadnotes sync: fetch") < 0)
		rc = LN_ERROR;

cleanup:
	git_remote_disconnect(remote);
	sync_list_free(&specs);
	ln_buf_free(&spec);
	git_buf_dispose(&remote_head);
	return rc;
}

/* Adds to specs the local eval/ tags the remote does not have. */
static int sync_tag_specs(sync_list *specs, git_repository *repo, git_remote *remote)
{
	const git_remote_head **heads = NULL;
	git_strarray tags = { NULL, 0 };
	size_t nheads = 0, i, j;
	ln_buf spec = LN_BUF_INIT;
	int rc = 0;

	if (git_tag_list_match(&tags, "eval/*", repo) < 0)
		return -1;
	if (git_remote_ls(&heads, &nheads, remote) < 0)
		nheads = 0;
	for (i = 0; i < tags.count && rc == 0; i++) {
		int present = 0;
		ln_buf_clear(&spec);
		ln_buf_printf(&spec, "refs/tags/%s", tags.strings[i]);
		for (j = 0; j < nheads && !present; j++)
			present = spec.ptr && strcmp(heads[j]->name, spec.ptr) == 0;
		if (present)
			continue;
		ln_buf_printf(&spec, ":refs/tags/%s", tags.strings[i]);
		if (ln_buf_failed(&spec) || sync_list_add(specs, spec.ptr) < 0)
			rc = -1;
	}
	git_strarray_dispose(&tags);
	ln_buf_free(&spec);
	return rc;
}

/* The leadnotes writer lock (flock on <gitdir>/leadnotes/lock, the file the
 * store serialises its saves with), waited for as the store waits.
 * Returns the open descriptor, or a negative code. */
static int sync_lock(git_repository *repo, ln_error *err)
{
	ln_buf file = LN_BUF_INIT;
	int fd;
	ln_buf_printf(&file, "%sleadnotes/lock", git_repository_path(repo));
	if (ln_buf_failed(&file))
		fd = ln_error_set(err, LN_ENOMEM, "sync: out of memory");
	else if ((fd = ln__fs_make_parents(git_repository_path(repo), "leadnotes/lock", err)) == LN_OK)
		fd = ln__lock_open(file.ptr, ln__lock_timeout_ms(), err);
	ln_buf_free(&file);
	return fd;
}

void ln_sync_result_free(ln_sync_result *result)
{
	if (!result)
		return;
	ln_sync_strings_free(result->conflicts);
	ln_sync_strings_free(result->unsynced);
	free(result->branch);
	free(result->remote);
	free(result->upstream);
	free(result);
}

/* The upstream git configured for branch_name: the remote's name into
 * *remote (empty when unset) and the remote's branch ref into *merge
 * (empty when unset, or when `given` names another remote than the
 * configured one: then the branch of the same name is meant). Both are
 * the caller's git_bufs. */
static int sync_upstream(git_config *cfg, const char *branch_name, const char *given, git_buf *remote,
	git_buf *merge, ln_error *err)
{
	ln_buf key = LN_BUF_INIT;
	int rc = LN_OK;

	ln_buf_printf(&key, "branch.%s.remote", branch_name);
	if (!ln_buf_failed(&key) && git_config_get_string_buf(remote, cfg, key.ptr) == 0 && !given &&
		strcmp(remote->ptr, ".") == 0) {
		rc = ln_error_set(err, LN_EINVALID, "sync: branch '%s' tracks a local branch (branch.%s.remote is '.'); "
			"set a remote with: git branch --set-upstream-to=origin/%s", branch_name, branch_name, branch_name);
		goto cleanup;
	}
	if (given && (!remote->size || strcmp(remote->ptr, given) != 0))
		goto cleanup;
	ln_buf_clear(&key);
	ln_buf_printf(&key, "branch.%s.merge", branch_name);
	if (!ln_buf_failed(&key) && git_config_get_string_buf(merge, cfg, key.ptr) == 0 &&
		(strncmp(merge->ptr, "refs/heads/", 11) != 0 || !merge->ptr[11])) {
		rc = ln_error_set(err, LN_EINVALID, "sync: branch.%s.merge is '%s', not a branch (refs/heads/...)",
			branch_name, merge->ptr);
		goto cleanup;
	}
	if (ln_buf_failed(&key))
		rc = ln_error_set(err, LN_ENOMEM, "sync: out of memory");
cleanup:
	ln_buf_free(&key);
	return rc;
}

/* A remote that is a folder on this machine (a path, file://) and does not
 * exist: libgit2 calls it an "unsupported URL protocol"; say what it is. */
static int sync_check_local_url(const char *remote_name, const char *url, ln_error *err)
{
	const char *path = url;
	const char *colon = strchr(url, ':'), *slash = strchr(url, '/');
	struct stat st;
	if (strncmp(url, "file://", 7) == 0)
		path = url + 7;
	else if (colon && (!slash || colon < slash))
		return LN_OK; /* a URL (ssh://, https://) or scp-like host:path */
	if (!*path || stat(path, &st) == 0)
		return LN_OK;
	if (errno == ENOENT || errno == ENOTDIR)
		return ln_error_set(err, LN_ENOTFOUND, "sync: cannot fetch from '%s': it is the folder %s, which does not "
			"exist; check it with git remote get-url %s (or create it: git init --bare %s); nothing was changed",
			remote_name, path, remote_name, path);
	return ln_error_set(err, LN_EIO, "sync: cannot reach the remote '%s' (%s): %s; nothing was changed",
		remote_name, path, strerror(errno));
}

/* After a first contact that followed the remote's default branch: records
 * it as the branch's upstream (what `git push -u` does), so that the next
 * sync, and git itself, use the same branch. */
static int sync_record_upstream(git_repository *repo, const char *branch_name, const char *remote_name,
	const char *merge_ref, ln_error *err)
{
	git_config *cfg = NULL;
	ln_buf key = LN_BUF_INIT;
	int rc = LN_OK;
	if (git_repository_config(&cfg, repo) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot open the git configuration");
		goto cleanup;
	}
	ln_buf_printf(&key, "branch.%s.remote", branch_name);
	if (ln_buf_failed(&key) || git_config_set_string(cfg, key.ptr, remote_name) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot record the upstream branch");
		goto cleanup;
	}
	ln_buf_clear(&key);
	ln_buf_printf(&key, "branch.%s.merge", branch_name);
	if (ln_buf_failed(&key) || git_config_set_string(cfg, key.ptr, merge_ref) < 0)
		rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot record the upstream branch");
cleanup:
	ln_buf_free(&key);
	git_config_free(cfg);
	return rc;
}

/* Adds to conflicts the notes that changed between ours (NULL: nothing)
 * and the branch as it is now and that hold conflict markers: a note
 * pushed unresolved from another machine arrives as a conflict here. */
static int sync_marked_arrivals(sync_list *conflicts, git_repository *repo, git_commit *ours, const char *prefix,
	ln_error *err)
{
	git_object *now = NULL;
	git_tree *before = NULL;
	git_diff *diff = NULL;
	git_diff_options dopts;
	size_t i, n, plen = strlen(prefix);
	int rc = LN_OK;

	git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
	if (git_revparse_single(&now, repo, "HEAD^{tree}") < 0 || (ours && git_commit_tree(&before, ours) < 0) ||
		git_diff_tree_to_tree(&diff, repo, before, (git_tree *)now, &dopts) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot compare the notes with the remote's");
		goto cleanup;
	}
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		git_blob *blob = NULL;
		int marked = 0;
		if (d->status != GIT_DELTA_ADDED && d->status != GIT_DELTA_MODIFIED)
			continue;
		if (strncmp(d->new_file.path, prefix, plen) != 0)
			continue;
		if (git_blob_lookup(&blob, repo, &d->new_file.id) == 0)
			marked = sync_has_marker(git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
		git_blob_free(blob);
		if (marked && sync_list_add(conflicts, d->new_file.path + plen) < 0) {
			rc = ln_error_set(err, LN_ENOMEM, "sync: out of memory");
			goto cleanup;
		}
	}
cleanup:
	git_diff_free(diff);
	git_tree_free(before);
	git_object_free(now);
	return rc;
}

/* A failure after the caller committed notes for this sync must not say
 * "nothing was changed": those commits stay (and nothing is lost). */
static void sync_say_committed(ln_error *err, size_t committed)
{
	char *at = strstr(err->message, "nothing was changed");
	char note[128];
	snprintf(note, sizeof(note), "the remote was not changed; the %zu note%s saved for this sync %s committed here",
		committed, committed == 1 ? "" : "s", committed == 1 ? "is" : "are");
	if (at) {
		*at = '\0';
		snprintf(at, sizeof(err->message) - (size_t)(at - err->message), "%s", note);
	} else {
		size_t len = strlen(err->message);
		snprintf(err->message + len, sizeof(err->message) - len, "; %s", note);
	}
}

int ln_sync_run(ln_sync_result **out, git_repository *repo, const char *prefix, const ln_sync_options *opts,
	ln_error *err)
{
	sync_state st;
	git_remote *remote = NULL, *push_remote = NULL;
	git_config *cfg = NULL;
	git_reference *head = NULL, *branch = NULL, *tracking = NULL;
	git_commit *ours = NULL, *theirs = NULL;
	ln_buf tracking_name = LN_BUF_INIT, merge_buf = LN_BUF_INIT;
	git_buf upstream_remote = GIT_BUF_INIT, upstream_ref = GIT_BUF_INIT;
	git_fetch_options fo;
	git_push_options po;
	sync_list conflicts = { NULL, 0, 0 }, specs = { NULL, 0, 0 };
	ln_sync_result *result = NULL;
	const char *remote_name = opts && opts->remote ? opts->remote : "origin";
	const char *branch_ref, *branch_name, *merge_ref, *merge_name, *url;
	int rc = LN_OK, lock_fd = -1, followed = 0;

	memset(&st, 0, sizeof(st));
	st.opts = opts;
	st.git_dir = git_repository_path(repo);
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	*out = NULL;
	if (!prefix)
		prefix = "";
	if (git_repository_is_bare(repo))
		return ln_error_set(err, LN_EINVALID, "sync: the notes repository has no working tree");
	if ((lock_fd = sync_lock(repo, err)) < 0)
		return lock_fd;
	if ((rc = ln_sync_check_state(repo, err)) < 0)
		goto cleanup;

	/* the branch HEAD names */
	if (git_reference_lookup(&head, repo, "HEAD") < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot read HEAD");
		goto cleanup;
	}
	if (git_reference_type(head) != GIT_REFERENCE_SYMBOLIC ||
		strncmp(git_reference_symbolic_target(head), "refs/heads/", 11) != 0) {
		rc = ln_error_set(err, LN_EINVALID, "sync: HEAD is not on a branch; check out a branch, then sync");
		goto cleanup;
	}
	branch_ref = git_reference_symbolic_target(head);
	branch_name = branch_ref + 11;
	rc = git_reference_lookup(&branch, repo, branch_ref);
	if (rc < 0 && rc != GIT_ENOTFOUND) {
		rc = ln__error_from_git(err, rc, "sync: cannot read the branch");
		goto cleanup;
	}
	rc = LN_OK;
	if (branch && git_commit_lookup(&ours, repo, git_reference_target(branch)) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot read the branch's commit");
		goto cleanup;
	}
	if ((rc = sync_check_clean(repo, err)) < 0)
		goto cleanup;
	/* one reading of the configuration serves the upstream and both remotes */
	if (git_repository_config_snapshot(&cfg, repo) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot read the git configuration");
		goto cleanup;
	}
	if ((rc = sync_upstream(cfg, branch_name, opts ? opts->remote : NULL, &upstream_remote, &upstream_ref, err)) < 0)
		goto cleanup;
	if (!(opts && opts->remote) && upstream_remote.size)
		remote_name = upstream_remote.ptr;
	if (ln_buf_puts(&merge_buf, upstream_ref.size ? upstream_ref.ptr : branch_ref) < 0) {
		rc = ln_error_set(err, LN_ENOMEM, "sync: out of memory");
		goto cleanup;
	}

	/* fetch */
	if ((rc = sync_open_remote(&remote, repo, cfg, remote_name, 0, err)) < 0)
		goto cleanup;
	url = git_remote_url(remote) ? git_remote_url(remote) : "";
	if ((rc = sync_check_local_url(remote_name, url, err)) < 0)
		goto cleanup;
	sync_callbacks(&fo.callbacks, &st);
	if ((rc = sync_fetch(remote, repo, remote_name, &merge_buf, !upstream_ref.size, &followed, &tracking_name, &fo,
		&st, err)) < 0) {
		const git_error *e = git_error_last();
		if (rc == LN_ERROR)
			ln_error_set(err, LN_ERROR, "sync: cannot fetch from '%s' (%s): %s; nothing was changed",
				remote_name, url, st.cancelled ? "cancelled" : e && e->message ? e->message : "unknown error");
		goto cleanup;
	}
	sync_credentials_settle(&st);
	merge_ref = merge_buf.ptr;
	merge_name = merge_ref + 11;

	/* integrate */
	result = calloc(1, sizeof(*result));
	if (!result || !(result->branch = ln__strdup(branch_name)) || !(result->remote = ln__strdup(remote_name)) ||
		!(result->upstream = ln__strdup(merge_name))) {
		rc = ln_error_set(err, LN_ENOMEM, "sync: out of memory");
		goto cleanup;
	}
	result->fetched = st.fetched;
	result->merged = LN_SYNC_UP_TO_DATE;
	rc = git_reference_lookup(&tracking, repo, tracking_name.ptr);
	if (rc < 0 && rc != GIT_ENOTFOUND) {
		rc = ln__error_from_git(err, rc, "sync: cannot read the remote's branch");
		goto cleanup;
	}
	if (rc == 0 && git_commit_lookup(&theirs, repo, git_reference_target(tracking)) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot read the remote's commit");
		goto cleanup;
	}
	rc = LN_OK;
	if (theirs) {
		const git_oid *their_id = git_commit_id(theirs);
		if (!ours) {
			rc = sync_fast_forward(repo, NULL, branch_ref, NULL, theirs, &st, err);
			result->merged = LN_SYNC_FAST_FORWARD;
		} else if (git_oid_equal(git_commit_id(ours), their_id) ||
			git_graph_descendant_of(repo, git_commit_id(ours), their_id) == 1) {
			result->merged = LN_SYNC_UP_TO_DATE;
		} else if (git_graph_descendant_of(repo, their_id, git_commit_id(ours)) == 1) {
			rc = sync_fast_forward(repo, branch, branch_ref, ours, theirs, &st, err);
			result->merged = LN_SYNC_FAST_FORWARD;
		} else {
			rc = sync_merge(repo, branch, ours, theirs, remote_name, merge_name, prefix, &conflicts, &st, err);
			result->merged = LN_SYNC_MERGE;
		}
		if (rc < 0)
			goto cleanup;
	}
	result->followed = followed;
	if (followed && (rc = sync_record_upstream(repo, branch_name, remote_name, merge_ref, err)) < 0)
		goto cleanup;
	/* a note that arrives with conflict markers is a conflict here too */
	if (theirs && result->merged != LN_SYNC_UP_TO_DATE &&
		(rc = sync_marked_arrivals(&conflicts, repo, ours, prefix, err)) < 0)
		goto cleanup;
	if (conflicts.count && (rc = sync_conflicts_record(repo, prefix, &conflicts, err)) < 0)
		goto cleanup;

	/* push: the branch when the remote lacks some of it, and new seals */
	git_reference_free(branch);
	branch = NULL;
	rc = git_reference_lookup(&branch, repo, branch_ref);
	if (rc == 0 && (!theirs || !git_oid_equal(git_reference_target(branch), git_commit_id(theirs)))) {
		ln_buf spec = LN_BUF_INIT;
		ln_buf_printf(&spec, "%s:%s", branch_ref, merge_ref);
		if (ln_buf_failed(&spec) || sync_list_add(&specs, spec.ptr) < 0) {
			ln_buf_free(&spec);
			rc = ln_error_set(err, LN_ENOMEM, "sync: out of memory");
			goto cleanup;
		}
		ln_buf_free(&spec);
	}
	rc = LN_OK;
	if (sync_tag_specs(&specs, repo, remote) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "sync: cannot list the sealed evaluations");
		goto cleanup;
	}
	if (specs.count) {
		git_strarray refspecs;
		refspecs.strings = specs.items;
		refspecs.count = specs.count;
		sync_callbacks(&po.callbacks, &st);
		/* the push is a new connection: its credentials start again from
		 * the first, not after the ones the fetch used */
		sync_credentials_settle(&st);
		if ((rc = sync_open_remote(&push_remote, repo, cfg, remote_name, 1, err)) < 0)
			goto cleanup;
		if (git_remote_push(push_remote, &refspecs, &po) < 0) {
			const git_error *e = git_error_last();
			rc = ln_error_set(err, LN_ERROR, "sync: cannot push to '%s' (%s): %s; the local notes are safe%s",
				remote_name, url, st.cancelled ? "cancelled" : e && e->message ? e->message : "unknown error",
				result->merged != LN_SYNC_UP_TO_DATE ? " and already include the remote's" : "");
			goto cleanup;
		}
		if (st.rejected.size) {
			rc = ln_error_set(err, LN_ERROR, "sync: '%s' refused %s; the local notes are safe, sync again",
				remote_name, st.rejected.ptr);
			goto cleanup;
		}
		sync_credentials_settle(&st);
		result->pushed = 1;
		if (branch) {
			/* what git's own push does: the remote-tracking ref follows */
			git_reference *moved = NULL;
			git_reference_create(&moved, repo, tracking_name.ptr, git_reference_target(branch), 1,
				"leadnotes sync: push");
			git_reference_free(moved);
		}
	}
	if (!(result->conflicts = calloc(conflicts.count + 1, sizeof(char *)))) {
		rc = ln_error_set(err, LN_ENOMEM, "sync: out of memory");
		goto cleanup;
	}
	if (conflicts.count)
		memcpy(result->conflicts, conflicts.items, conflicts.count * sizeof(char *));
	result->conflict_count = conflicts.count;
	free(conflicts.items);
	conflicts.items = NULL;
	conflicts.count = 0;
	/* what the branch (so the remote) does not hold: never "pushed" silently */
	if ((rc = ln_sync_untracked_notes(&result->unsynced, &result->unsynced_count, repo, prefix, err)) < 0)
		goto cleanup;
	*out = result;
	result = NULL;
	rc = LN_OK;

cleanup:
	if (rc < 0 && opts && opts->committed)
		sync_say_committed(err, opts->committed);
	ln_sync_result_free(result);
	sync_list_free(&conflicts);
	sync_list_free(&specs);
	ln_buf_free(&st.rejected);
	ln_buf_free(&tracking_name);
	ln_buf_free(&merge_buf);
	git_buf_dispose(&upstream_remote);
	git_buf_dispose(&upstream_ref);
	git_commit_free(ours);
	git_commit_free(theirs);
	git_reference_free(tracking);
	git_reference_free(branch);
	git_reference_free(head);
	git_remote_free(remote);
	git_remote_free(push_remote);
	git_config_free(cfg);
	close(lock_fd);
	ln_credential_clear(&st.credential);
	/* a URL with user:token@ in it, or libgit2 quoting one, shows no secret */
	if (rc < 0 && err)
		ln_credential_redact(err->message, sizeof(err->message));
	return rc;
}
