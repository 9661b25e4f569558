/* The notes store, committing: loads the saved files into the object
 * database (clean filters applied, as git add), builds the new tree along
 * the saved paths only, writes the commit and moves the ref by
 * compare-and-swap; ln_store_save, ln_store_save_all and ln_store_restore
 * (an old version written back and committed). Reads through store_read.c
 * (status, old blobs), never the other way. */
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
#include "leadnotes/filter.h"
#include "store_internal.h"
#include "leadnotes/signing.h"

/* ------------------------------------------------------------------ trees */

/* The entry at path (folder names, then a file's) below tree: its id and
 * mode into *id / *mode; 1 when there is one, 0 when not, -1 on error. */
static int store_tree_entry_at(git_oid *id, git_filemode_t *mode, ln_store *store, const git_tree *tree,
	const char *path)
{
	git_tree *held = NULL;
	int rc = 0;
	for (;;) {
		const char *slash = strchr(path, '/');
		char name[1024];
		size_t n = slash ? (size_t)(slash - path) : strlen(path);
		const git_tree_entry *e;
		git_tree *next = NULL;
		if (n == 0 || n >= sizeof(name))
			break;
		memcpy(name, path, n);
		name[n] = '\0';
		if (!(e = git_tree_entry_byname(tree, name)))
			break;
		if (!slash) {
			git_oid_cpy(id, git_tree_entry_id(e));
			*mode = git_tree_entry_filemode(e);
			rc = 1;
			break;
		}
		if (git_tree_entry_type(e) != GIT_OBJECT_TREE)
			break;
		if (store_tree_get(&next, store, git_tree_entry_id(e)) < 0) {
			rc = -1;
			break;
		}
		git_tree_free(held);
		tree = held = next;
		path = slash + 1;
	}
	git_tree_free(held);
	return rc;
}

/* git's order of tree entries: by name, a folder's name compared as if
 * it ended in '/'. */
static int store_entry_cmp(const char *a, size_t alen, int a_tree, const char *b, size_t blen, int b_tree)
{
	size_t n = alen < blen ? alen : blen;
	int c = memcmp(a, b, n);
	unsigned char ca, cb;
	if (c)
		return c;
	ca = alen > n ? (unsigned char)a[n] : (a_tree ? '/' : '\0');
	cb = blen > n ? (unsigned char)b[n] : (b_tree ? '/' : '\0');
	return (int)ca - (int)cb;
}

static void store_tree_put(ln_buf *out, unsigned mode, const char *name, size_t len, const git_oid *id)
{
	char octal[16];
	size_t at = sizeof(octal);
	octal[--at] = ' ';
	do {
		octal[--at] = (char)('0' + (mode & 7));
		mode >>= 3;
	} while (mode);
	ln_buf_put(out, octal + at, sizeof(octal) - at);
	ln_buf_put(out, name, len);
	ln_buf_putc(out, '\0');
	ln_buf_put(out, (const char *)id->id, GIT_OID_RAWSZ);
}

/* The bytes of tree `base` (may be NULL) with the entry `name` set to
 * id/mode, or removed when id is NULL; the other entries as they were
 * (their modes too), in git's order. *count: the entries written. */
static void store_tree_edit(ln_buf *out, size_t *count, const git_tree *base, const char *name, const git_oid *id,
	git_filemode_t mode)
{
	size_t i, n = base ? git_tree_entrycount(base) : 0, len = strlen(name);
	int placed = id == NULL, is_tree = mode == GIT_FILEMODE_TREE;
	*count = 0;
	for (i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(base, i);
		const char *en = git_tree_entry_name(e);
		size_t elen = strlen(en);
		if (elen == len && memcmp(en, name, len) == 0)
			continue; /* replaced, or removed */
		if (!placed && store_entry_cmp(name, len, is_tree, en, elen, git_tree_entry_type(e) == GIT_OBJECT_TREE) < 0) {
			store_tree_put(out, (unsigned)mode, name, len, id);
			++*count;
			placed = 1;
		}
		store_tree_put(out, (unsigned)git_tree_entry_filemode_raw(e), en, elen, git_tree_entry_id(e));
		++*count;
	}
	if (!placed) {
		store_tree_put(out, (unsigned)mode, name, len, id);
		++*count;
	}
}

/* Writes into *out the tree `base` (may be NULL) with `path` set to
 * blob/mode, or removed when blob is NULL. *empty says the result has no
 * entries (the caller drops it). Only the trees along the path are
 * rebuilt, from their bytes (what libgit2's tree builder would write), and
 * kept with the commit's objects (store_pack_keep). */
static int store_tree_with(git_oid *out, int *empty, ln_store *store, const git_tree *base,
	const char *path, const git_oid *blob, git_filemode_t mode)
{
	git_tree *sub = NULL;
	ln_buf bytes = LN_BUF_INIT;
	const char *slash = strchr(path, '/');
	char name[1024];
	size_t n = slash ? (size_t)(slash - path) : strlen(path), count = 0;
	int rc = -1;
	if (n == 0 || n >= sizeof(name))
		return -1;
	memcpy(name, path, n);
	name[n] = '\0';
	if (!slash) {
		store_tree_edit(&bytes, &count, base, name, blob, mode);
	} else {
		const git_tree_entry *e = base ? git_tree_entry_byname(base, name) : NULL;
		git_oid sub_id;
		int sub_empty = 0;
		if (e && git_tree_entry_type(e) == GIT_OBJECT_TREE && store_tree_get(&sub, store, git_tree_entry_id(e)) < 0)
			goto cleanup;
		if (!sub && !blob) { /* removing below a folder that is not there */
			*empty = base ? git_tree_entrycount(base) == 0 : 1;
			if (base) {
				git_oid_cpy(out, git_tree_id(base));
				rc = 0;
			} else {
				rc = store_pack_keep(out, store, GIT_OBJECT_TREE, "", 0);
			}
			goto cleanup;
		}
		if (store_tree_with(&sub_id, &sub_empty, store, sub, slash + 1, blob, mode) < 0)
			goto cleanup;
		store_tree_edit(&bytes, &count, base, name, sub_empty ? NULL : &sub_id, GIT_FILEMODE_TREE);
	}
	if (ln_buf_failed(&bytes)) {
		git_error_set_str(GIT_ERROR_NOMEMORY, "out of memory");
		goto cleanup;
	}
	*empty = count == 0;
	rc = store_pack_keep(out, store, GIT_OBJECT_TREE, bytes.ptr ? bytes.ptr : "", bytes.size);
	if (rc == 0 && !*empty) {
		/* kept parsed: the next save of a note here starts from it */
		git_tree *kept = NULL;
		if (store_tree_get(&kept, store, out) == 0)
			git_tree_free(kept);
	}
cleanup:
	git_tree_free(sub);
	ln_buf_free(&bytes);
	return rc;
}


/* ----------------------------------------------------------------- saving */

void store_change_clear(store_change *c)
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
/* Reads the regular file at abs into a new buffer (*out, *len), through a
 * descriptor opened without blocking and without following a link, and
 * checks it is the file `st` describes: a FIFO, socket or device put in
 * its place is refused at once, never waited on. 1 when the file was
 * replaced meanwhile (read it again), 0 read, negative on failure. */
static int store_read_note(char **out, size_t *len, const char *abs, const char *rel, const struct stat *st,
	ln_error *err)
{
	struct stat fst;
	size_t cap, n = 0;
	char *buf = NULL;
	int fd = open(abs, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC), rc = 0;
	*out = NULL;
	*len = 0;
	if (fd < 0) {
		if (errno == ENOENT || errno == ELOOP)
			return 1; /* gone or became a link since lstat */
		return ln_error_set(err, LN_EIO, "cannot read %s: %s", rel, strerror(errno));
	}
	if (fstat(fd, &fst) != 0) {
		rc = ln_error_set(err, LN_EIO, "cannot read %s: %s", rel, strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(fst.st_mode)) {
		rc = ln_error_set(err, LN_EINVALID, "%s is not a regular file", rel);
		goto cleanup;
	}
	if (fst.st_ino != st->st_ino || fst.st_dev != st->st_dev) {
		rc = 1;
		goto cleanup;
	}
	cap = (size_t)fst.st_size + 1;
	buf = malloc(cap);
	if (!buf) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (;;) {
		ssize_t r;
		if (n == cap) {
			char *grown = realloc(buf, cap * 2);
			if (!grown) {
				rc = ln_error_set(err, LN_ENOMEM, "out of memory");
				goto cleanup;
			}
			buf = grown;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = ln_error_set(err, LN_EIO, "cannot read %s: %s", rel, strerror(errno));
			goto cleanup;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = buf;
	*len = n;
	buf = NULL;
cleanup:
	free(buf);
	close(fd);
	return rc;
}

/* The blob of a regular file's content with the repository's clean
 * filters applied (.gitattributes: eol, ident, filter drivers), as git add
 * stores it. */
/* 1 when no clean filter can apply to repo_path: none of the attributes
 * libgit2's filters look at (crlf, eol, text, ident, filter) is set for
 * it, and core.autocrlf is unset or false. One reading of the attributes;
 * loading the filter list reads them once per registered filter. */
static int store_no_filters(ln_store *store, const char *repo_path)
{
	static const char *names[] = { "crlf", "eol", "text", "ident", "filter" };
	const char *values[5];
	git_config *cfg = NULL;
	int autocrlf = 0, rc, i;
	if (git_attr_get_many(values, store->repo, GIT_ATTR_CHECK_FILE_THEN_INDEX, repo_path, 5, names) < 0) {
		git_error_clear();
		return 0;
	}
	for (i = 0; i < 5; i++)
		if (git_attr_value(values[i]) != GIT_ATTR_VALUE_UNSPECIFIED)
			return 0;
	if (git_repository_config(&cfg, store->repo) < 0) {
		git_error_clear();
		return 0;
	}
	rc = git_config_get_bool(&autocrlf, cfg, "core.autocrlf");
	git_config_free(cfg);
	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		return 1;
	}
	git_error_clear();
	return rc == 0 && !autocrlf; /* "input" is no boolean: filters */
}

/* The global attributes file libgit2 reads (core.attributesFile, else
 * $XDG_CONFIG_HOME/git/attributes or ~/.config/git/attributes), found
 * once per store as libgit2 finds it once per repository; malloc'd, or
 * NULL when there is none to look at. */
static char *store_global_attributes(ln_store *store)
{
	git_config *cfg = NULL;
	git_buf path = GIT_BUF_INIT;
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char *out = NULL;
	if (git_repository_config(&cfg, store->repo) == 0 && git_config_get_path(&path, cfg, "core.attributesfile") == 0)
		out = ln__strdup(path.ptr);
	git_buf_dispose(&path);
	git_config_free(cfg);
	git_error_clear();
	if (!out && ((xdg && *xdg) || (home && *home))) {
		size_t n = strlen(xdg && *xdg ? xdg : home) + 32;
		if ((out = malloc(n)) != NULL)
			snprintf(out, n, "%s%s", xdg && *xdg ? xdg : home, xdg && *xdg ? "/git/attributes" : "/.config/git/attributes");
	}
	return out;
}

/* Adds to *h what stat says of path (absent, or its inode, size and
 * times); *none stays 1 while every file so far is absent. Returns
 * whether the file exists. */
static int store_attr_file(uint64_t *h, int *none, const char *path)
{
	struct stat st;
	int exists = stat(path, &st) == 0;
	if (!exists)
		memset(&st, 0, sizeof(st));
	else
		*none = 0;
	*h = ln__fnv1a(*h, &st.st_ino, sizeof(st.st_ino), 64);
	*h = ln__fnv1a(*h, &st.st_size, sizeof(st.st_size), 64);
	*h = ln__fnv1a(*h, &st.st_mtim, sizeof(st.st_mtim), 64);
	*h = ln__fnv1a(*h, &st.st_ctim, sizeof(st.st_ctim), 64);
	return exists;
}

/* The attribute files that decide repo_path's attributes, as a hash of
 * what stat says of each: the .gitattributes of the root and of every
 * folder down to the note's, info/attributes, the global file and the
 * system's (/etc/gitattributes); *none when all are absent. 0 when it
 * cannot be told from the files alone: a .gitattributes missing from the
 * working tree but in the index (libgit2 then reads the index's), or a
 * path too long. */
static uint64_t store_attr_files_hash(int *none, ln_store *store, const char *repo_path)
{
	char path[PATH_MAX];
	const char *slash = repo_path;
	size_t wlen = strlen(store->workdir);
	uint64_t h = LN__FNV64_START;
	*none = 1;
	for (;;) {
		size_t dlen = (size_t)(slash - repo_path);
		if (wlen + dlen + 16 >= sizeof(path))
			return 0;
		memcpy(path, store->workdir, wlen);
		memcpy(path + wlen, repo_path, dlen);
		memcpy(path + wlen + dlen, ".gitattributes", 15);
		if (!store_attr_file(&h, none, path) &&
		    (!store->pending_index || git_index_get_bypath(store->pending_index, path + wlen, 0)))
			return 0;
		if (!(slash = strchr(slash, '/')))
			break;
		slash++;
	}
	snprintf(path, sizeof(path), "%sinfo/attributes", git_repository_commondir(store->repo));
	store_attr_file(&h, none, path);
	if (!store->global_attributes_known) {
		store->global_attributes = store_global_attributes(store);
		store->global_attributes_known = 1;
	}
	if (store->global_attributes)
		store_attr_file(&h, none, store->global_attributes);
	store_attr_file(&h, none, "/etc/gitattributes");
	return h ? h : 1;
}

/* store_no_filters, remembered per folder for as long as the attribute
 * files that decided it stay as they were (it costs a tenth of a small
 * save); with no attribute file at all, only core.autocrlf decides, which
 * libgit2 too reads once per repository. */
static int store_no_filters_memo(ln_store *store, const char *repo_path)
{
	const char *end = strrchr(repo_path, '/');
	size_t dlen = end ? (size_t)(end - repo_path) : 0, i;
	int none = 0;
	uint64_t h = store_attr_files_hash(&none, store, repo_path);
	struct store_attr_memo *m;
	if (h && none) {
		if (store->no_attributes_filters < 0)
			store->no_attributes_filters = store_no_filters(store, repo_path);
		return store->no_attributes_filters;
	}
	if (h)
		for (i = 0; i < STORE_ATTR_MEMOS; i++) {
			m = &store->attr_memo[i];
			if (m->files == h && m->dir && strlen(m->dir) == dlen && memcmp(m->dir, repo_path, dlen) == 0)
				return 1;
		}
	if (!store_no_filters(store, repo_path))
		return 0;
	if (h) {
		m = &store->attr_memo[store->attr_memo_next];
		store->attr_memo_next = (store->attr_memo_next + 1) % STORE_ATTR_MEMOS;
		free(m->dir);
		m->dir = ln__strndup(repo_path, dlen);
		m->files = m->dir ? h : 0;
	}
	return 1;
}

static int store_blob_from_buffer(git_oid *out, ln_store *store, const char *repo_path, const char *data,
	size_t len, ln_error *err)
{
	git_filter_list *filters = NULL;
	git_buf cleaned = GIT_BUF_INIT;
	int rc = 0, loaded;
	/* A filter=<driver> attribute (git-crypt) whose clean command is not
	 * configured or not registered would store the plain text: refuse.
	 * Loading the filters tells whether there is one at all, so the
	 * attributes are read once when there is none. */
	if (store_no_filters_memo(store, repo_path))
		goto keep;
	ln__filter_seen_reset();
	loaded = git_filter_list_load(&filters, store->repo, NULL, repo_path, GIT_FILTER_TO_ODB, GIT_FILTER_DEFAULT);
	if (ln__filter_seen() && (rc = ln_filter_check(store->repo, repo_path, err)) < 0)
		goto cleanup;
	if (loaded < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "cannot read the note's attributes");
		goto cleanup;
	}
	if (filters) {
		if (git_filter_list_apply_to_buffer(&cleaned, filters, data, len) < 0) {
			rc = ln__error_from_git(err, GIT_ERROR, "cannot read the note");
			goto cleanup;
		}
		data = cleaned.ptr;
		len = cleaned.size;
	}
keep:
	if (store_pack_keep(out, store, GIT_OBJECT_BLOB, data, len) < 0)
		rc = ln__error_from_git(err, GIT_ERROR, "cannot store the note");
cleanup:
	git_buf_dispose(&cleaned);
	git_filter_list_free(filters);
	return rc;
}

/* Reads the working file of c->rel into the object database. */
static int store_change_load(ln_store *store, store_change *c, ln_error *err)
{
	char *abs = store_abs_path(store, c->rel);
	char *data = NULL;
	size_t len = 0;
	int rc = 0, attempts = 0;
	if (!abs)
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	c->repo_path = store_repo_path(store, c->rel);
	if (!c->repo_path) {
		free(abs);
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	}
again:
	free(data);
	data = NULL;
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
	if (S_ISLNK(c->st.st_mode)) {
		if ((rc = ln_filter_check(store->repo, c->repo_path, err)) < 0)
			goto cleanup;
		/* The link itself (its target as text), as git stores it. */
		if (git_blob_create_from_workdir(&c->blob, store->repo, c->repo_path) < 0) {
			if (++attempts < 3 && store_file_replaced(abs, &c->st))
				goto again;
			rc = ln__error_from_git(err, GIT_ERROR, "cannot read the note");
		}
		goto cleanup;
	}
	rc = store_read_note(&data, &len, abs, c->rel, &c->st, err);
	/* Another editor renamed a new version over the note while it was
	 * read (or just before): read the new one. */
	if (rc == 1 || (rc == 0 && store_file_replaced(abs, &c->st))) {
		rc = 0;
		if (++attempts < 5)
			goto again;
		rc = ln_error_set(err, LN_EIO, "%s kept changing while it was read; save again", c->rel);
		goto cleanup;
	}
	if (rc < 0)
		goto cleanup;
	rc = store_blob_from_buffer(&c->blob, store, c->repo_path, data, len, err);
cleanup:
	free(data);
	free(abs);
	return rc;
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
	/* a flusher thread merges them itself once its flush has landed */
	if (store->packs_written >= STORE_MERGE_EVERY && !store->flushing) {
		ln_error ignored;
		store_pack_merge_small(NULL, store, 2, &ignored);
	}
}

/* Brings the index's entries of the changes up to date: in pending_index, written
 * later by the flusher (deferred), or in .git/index now. */
static int store_index_follow(ln_store *store, store_change *changes, size_t n, int *index_dirty, ln_error *err)
{
	if (store->deferred)
		return store_apply_index(store, store->pending_index, changes, n, index_dirty, err);
	return store_update_index(store, changes, n, err);
}

/* The commit object, kept with the commit's other objects; signed (by
 * signing.c) when commit.gpgsign asks for it. */
static int store_commit_object(git_oid *out, ln_store *store, const git_signature *sig, const char *msg,
	const git_tree *tree, size_t parent_count, const git_commit *parents[], ln_error *err)
{
	git_buf content = GIT_BUF_INIT;
	int rc = LN_OK;
	if (ln_signing_wanted(store->repo, "commit"))
		return ln_signing_commit_create(out, store->repo, sig, sig, msg, tree, parent_count, parents, err);
	if (git_commit_create_buffer(&content, store->repo, sig, sig, NULL, msg, tree, parent_count, parents) < 0 ||
	    store_pack_keep(out, store, GIT_OBJECT_COMMIT, content.ptr, content.size) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "cannot write the commit");
	} else {
		/* parsed now, from memory, into libgit2's cache: the next save
		 * reads HEAD's commit from there */
		git_commit *parsed = NULL;
		if (git_commit_lookup(&parsed, store->repo, out) == 0)
			git_commit_free(parsed);
	}
	git_buf_dispose(&content);
	return rc;
}

/* Moves the ref HEAD names to id now, through libgit2 (an unborn or
 * detached HEAD, the synchronous mode), as a compare-and-swap: it moves
 * only if it still points where head says; else GIT_EMODIFIED (someone
 * else committed: start again) or GIT_ELOCKED. */
static int store_ref_move_now(ln_store *store, const store_head *head, const git_oid *id, const char *msg)
{
	git_reference *moved = NULL;
	ln_buf reflog = LN_BUF_INIT;
	const char *nl = strchr(msg, '\n');
	int rc;
	ln_buf_printf(&reflog, "%s: %.*s", head->commit ? "commit" : "commit (initial)",
		(int)(nl ? nl - msg : (long)strlen(msg)), msg);
	if (head->unborn)
		rc = git_reference_create(&moved, store->repo, head->refname, id, 0, reflog.ptr);
	else
		rc = git_reference_create_matching(&moved, store->repo, head->refname, id, 1, &head->id, reflog.ptr);
	ln_buf_free(&reflog);
	git_reference_free(moved);
	return rc;
}

/* Commits `changes` (relative paths set) as one commit on HEAD. The heart
 * of save, restore and save_all. */
int store_commit(ln_store *store, store_change *changes, size_t n, const char *message,
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
	/* The last save's flusher first: it moves the branch, and may merge
	 * packs under the writer lock. */
	store_flush_wait(store);
	if ((rc = store_lock(store, err)) < 0)
		return rc;
	/* The notes are read under the writer lock: read before it, a save
	 * that waited for another editor's could commit an older version over
	 * the newer one that editor had just committed. */
	store_pack_begin(store); /* the objects below are written as one pack (store_pack.c) */
	for (i = 0; i < n; i++)
		if ((rc = store_change_load(store, &changes[i], err)) < 0)
			goto cleanup;
	if (store->deferred) {
		if ((rc = store_index_lock(store, err)) < 0)
			goto cleanup;
		if ((rc = store_priv_fresh(store, err)) < 0)
			goto cleanup;
		/* A save killed before its index landed: put its entries back
		 * first, or this save's index would carry the reversal on. */
		if ((rc = store_journal_repair(store, store->pending_index, &index_dirty, err)) < 0)
			goto cleanup;
	}
	deadline = ln__now_ms() + ln__lock_timeout_ms();
	if (store_signature(&sig, store->repo) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "cannot make a signature");
		goto cleanup;
	}
	changed_paths = calloc(n ? n : 1, sizeof(char *));
	if (!changed_paths) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}

	for (;;) {
		int empty = 0, behind;
		git_commit_free(head.commit);
		git_tree_free(base);
		base = NULL;
		if ((rc = store_read_head(&head, store, err)) < 0)
			goto cleanup;
		/* A branch moves behind the save (under index.lock, which only
		 * the deferred mode holds); an unborn or detached HEAD in place. */
		behind = store->deferred && !head.unborn && strncmp(head.refname, "refs/heads/", 11) == 0;
		if (head.commit && store_tree_get(&base, store, git_commit_tree_id(head.commit)) < 0) {
			rc = ln__error_from_git(err, GIT_ERROR, "cannot read HEAD's tree");
			goto cleanup;
		}
		/* Apply each change on the tree of the previous one. */
		any = 0;
		changed_count = 0;
		git_tree_free(tree);
		tree = NULL;
		for (i = 0; i < n; i++) {
			const git_tree *from = tree ? tree : base;
			git_filemode_t old_mode = 0;
			int had = from ? store_tree_entry_at(&changes[i].old_blob, &old_mode, store, from, changes[i].repo_path) : 0;
			if (had < 0) {
				rc = ln__error_from_git(err, GIT_ERROR, "cannot read HEAD's tree");
				goto cleanup;
			}
			changes[i].had = had;
			changes[i].changed = changes[i].exists
				? !had || !git_oid_equal(&changes[i].old_blob, &changes[i].blob) || old_mode != changes[i].mode
				: had;
			if (!changes[i].changed)
				continue;
			if (store_tree_with(&tree_id, &empty, store, from, changes[i].repo_path,
			                    changes[i].exists ? &changes[i].blob : NULL, changes[i].mode) < 0) {
				rc = ln__error_from_git(err, GIT_ERROR, "cannot build the tree");
				goto cleanup;
			}
			git_tree_free(tree);
			tree = NULL;
			if (store_tree_get(&tree, store, &tree_id) < 0) {
				rc = ln__error_from_git(err, GIT_ERROR, "cannot read the new tree");
				goto cleanup;
			}
			changed_paths[changed_count++] = changes[i].rel;
			any = 1;
		}
		if (!any) {
			/* The index follows the working file even when HEAD already
			 * has it (its blob is on disk: it is HEAD's). */
			if ((rc = store_index_follow(store, changes, n, &index_dirty, err)) < 0)
				goto cleanup;
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
			/* signed when commit.gpgsign asks for it (signing.c) */
			if ((rc = store_commit_object(&commit_id, store, sig, msg.ptr, tree, head.commit ? 1 : 0,
			                              parents, err)) < 0)
				goto cleanup;
		}
		if (behind) {
			/* The branch is locked, and checked, first: from then on
			 * nothing else can move it, so this commit is the one the
			 * flusher puts on it (store_base.c). */
			rc = store_ref_lock(store, head.refname, &head.id, &commit_id, err);
			if (rc == 0) {
				if ((rc = store_pack_write(store, err)) < 0 ||
				    (rc = store_index_follow(store, changes, n, &index_dirty, err)) < 0)
					goto cleanup;
				store_journal_append(store, &commit_id, changes, n, err);
				if ((rc = store_ref_prepare(store, &head.id, sig, msg.ptr, err)) < 0)
					goto cleanup;
				break;
			}
			if (rc != GIT_ELOCKED && rc != GIT_EMODIFIED)
				goto cleanup;
		} else {
			/* The blob, trees and commit reach the disk as one pack before
			 * the index names the blob and before the ref names the commit. */
			if ((rc = store_pack_write(store, err)) < 0)
				goto cleanup;
			if ((rc = store_index_follow(store, changes, n, &index_dirty, err)) < 0)
				goto cleanup;
			/* The index lands after the ref moves: say what it must hold,
			 * so a kill in between can be repaired (store_index.c). */
			if (store->deferred)
				store_journal_append(store, &commit_id, changes, n, err);
			if ((rc = store_ref_move_now(store, &head, &commit_id, msg.ptr)) == 0)
				break;
		}
		if (rc == GIT_ELOCKED) {
			char *lock = store_concat(store->gitdir, head.refname);
			char *lockfile = lock ? store_concat(lock, ".lock") : NULL;
			int cleared = lockfile ? store_clear_stale_lock(store, lockfile) : 0;
			free(lock);
			free(lockfile);
			if (!cleared && ln__now_ms() > deadline) {
				rc = ln_error_set(err, LN_ELOCKED, "repository is locked: %s is being updated by another process", head.refname);
				goto cleanup;
			}
			ln__backoff((int)attempt);
		} else if (rc != GIT_EMODIFIED && rc != GIT_EEXISTS) {
			rc = ln__error_from_git(err, GIT_ERROR, "cannot move HEAD");
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
		if (store->hooks.committed) {
			store_commit_event ev;
			ev.id = &commit_id;
			ev.time = (long long)c->when.time;
			ev.parent = head.commit ? &head.id : NULL;
			ev.old_root = base;
			ev.new_root = tree;
			ev.paths = changed_paths;
			ev.path_count = changed_count;
			store->hooks.committed(store, &ev);
		}
	}
cleanup:
	store_pack_end(store); /* what no pack holds, nothing names */
	if (rc != 0)
		store_ref_abort(store);
	if (store->index_lock_fd >= 0) {
		/* The ref has moved or is about to (or nothing will): the index
		 * lands now, off the editing path, and the lock goes with it. */
		if (index_dirty || store->flush_failed || store->ref_move.active) {
			store_flush_start(store);
		} else {
			store_journal_clear(store); /* the index on disk holds it all */
			store_index_unlock(store);
		}
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

int ln_store_save(ln_commit_info *out, ln_store *store, const char *path, const char *message, ln_error *err)
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
	{
		/* Only notes are ever added: a new file that is not one (a dot-file,
		 * a key, a file outside the person folders) is left alone. */
		size_t from, to = 0;
		for (from = 0; from < status.count; from++) {
			if (status.entries[from].state == 'A' && !ln_store_is_note(status.entries[from].path))
				free(status.entries[from].path);
			else
				status.entries[to++] = status.entries[from];
		}
		status.count = to;
	}
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
			changes[k].rel = ln__strdup(status.entries[i + k].path);
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

/* ---------------------------------------------------------------- restore */

int ln_store_restore(ln_commit_info *out, ln_store *store, const char *rev, const char *path, ln_error *err)
{
	store_change c;
	git_blob *blob = NULL;
	git_buf data = GIT_BUF_INIT;
	git_blob_filter_options fopts;
	char *abs = NULL, *repo_path = NULL;
	ln_buf msg = LN_BUF_INIT;
	git_filemode_t mode = GIT_FILEMODE_BLOB;
	int rc;
	git_blob_filter_options_init(&fopts, GIT_BLOB_FILTER_OPTIONS_VERSION);
	memset(&c, 0, sizeof(c));
	if ((rc = ln_store_relpath(&c.rel, store, path, err)) < 0)
		return rc;
	if ((rc = store_blob_at(&blob, &mode, store, rev, c.rel, err)) < 0)
		goto cleanup;
	if (!blob) {
		rc = ln_error_set(err, LN_ENOTFOUND, "%s does not exist at %s", c.rel, rev);
		goto cleanup;
	}
	if (mode == GIT_FILEMODE_LINK) {
		/* Written as a file it would hold the link's target as its text. */
		rc = ln_error_set(err, LN_EINVALID, "%s is a symbolic link at %s, not a note: not restored", c.rel, rev);
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
		rc = ln__error_from_git(err, GIT_ERROR, "cannot prepare the old version");
		goto cleanup;
	}
	/* The folders (0700) the file lives in, if it was deleted. */
	if ((rc = ln__fs_make_parents(store->dir, c.rel, err)) < 0)
		goto cleanup;
	if ((rc = ln__fs_write_atomic(abs, data.ptr, data.size, 0600, err)) < 0)
		goto cleanup;
	ln_buf_printf(&msg, "Restore %s as it was at %s\n", c.rel, rev);
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
