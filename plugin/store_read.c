/* The notes store, reading: old versions (show), diffs, the blob id of a
 * note, and the uncommitted changes (status). It never commits: restoring
 * an old version, which commits, is in store_commit.c. */
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
int store_blob_at(git_blob **out, git_filemode_t *mode, ln_store *store, const char *rev, const char *rel,
	ln_error *err)
{
	git_object *obj = NULL;
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	char *repo_path = NULL;
	int rc = 0;
	store_flush_wait(store); /* a save's branch may still be moving */
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
		rc = ln__error_from_git(err, GIT_ERROR, "cannot read the tree");
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
	if (mode)
		*mode = git_tree_entry_filemode(entry);
	if (git_blob_lookup(out, store->repo, git_tree_entry_id(entry)) < 0)
		rc = ln__error_from_git(err, GIT_ERROR, "cannot read the note");
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
	if ((rc = store_blob_at(&blob, NULL, store, rev, rel, err)) < 0)
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

/* A caller's path three ways (each freed by the caller): relative to the
 * notes folder, to the repository, and absolute. Returns 0, or the codes of
 * ln_store_relpath, or LN_ENOMEM; nothing to free on failure. */
static int store_read_paths(char **rel, char **repo_path, char **abs, ln_store *store, const char *path,
	ln_error *err)
{
	int rc;
	*repo_path = *abs = NULL;
	if ((rc = ln_store_relpath(rel, store, path, err)) < 0)
		return rc;
	*repo_path = store_repo_path(store, *rel);
	*abs = store_abs_path(store, *rel);
	if (*repo_path && *abs)
		return LN_OK;
	free(*rel);
	free(*repo_path);
	free(*abs);
	*rel = *repo_path = *abs = NULL;
	return ln_error_set(err, LN_ENOMEM, "out of memory");
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
	if ((rc = store_read_paths(&rel, &repo_path, &abs, store, path, err)) < 0)
		return rc;
	if ((rc = store_blob_at(&a, NULL, store, rev_a, rel, err)) < 0)
		goto cleanup;
	if (rev_b && (rc = store_blob_at(&b, NULL, store, rev_b, rel, err)) < 0)
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
				rc = ln__error_from_git(err, GIT_ERROR, "cannot read the working file");
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
		rc = ln__error_from_git(err, GIT_ERROR, "cannot compute the diff");
		goto cleanup;
	}
	if (git_patch_num_hunks(patch) > 0 || git_patch_get_delta(patch)->flags & GIT_DIFF_FLAG_BINARY) {
		if (git_patch_print(patch, store_patch_print, &text) < 0) {
			rc = ln__error_from_git(err, GIT_ERROR, "cannot print the diff");
			goto cleanup;
		}
	}
	if (ln_buf_failed(&text)) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	*out = text.ptr ? ln_buf_detach(&text) : ln__strdup("");
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
	if ((rc = store_read_paths(&rel, &repo_path, &abs, store, path, err)) < 0)
		return rc;
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
			/* pending_index is the index when we wrote .git/index last; else read
			 * the repository's. */
			struct stat ist;
			if (store->pending_index && store->stamp_valid && !store->stamp_absent &&
			    stat(store->index_path, &ist) == 0 && store_stamp_same(&ist, &store->stamp))
				ie = git_index_get_bypath(store->pending_index, repo_path, 0);
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
	spec = plen ? ln__strdup(store->prefix) : NULL;
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
		rc = ln__error_from_git(err, GIT_ERROR, "cannot list changes");
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
		out->entries[out->count].path = ln__strdup(p + plen);
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

