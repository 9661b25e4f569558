/* leadnotes: sealed evaluations. A seal is an annotated tag
 * eval/<person>/<date> on the commit that introduced a note's committed
 * content; its message records the note's path so verify can find it again
 * and compare the file with the sealed version. */
#include "leadnotes/sync.h"
#include "leadnotes/buf.h"

#include <git2.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEAL_MAX_WALK 1000000

static int seal_git_error(ln_error *err, int code, const char *what)
{
	const git_error *e = git_error_last();
	return ln_error_set(err, code, "%s: %s", what, e && e->message ? e->message : "libgit2 failed");
}

/* A note path must be relative, inside the notes folder, and start with a
 * person's folder. */
static int seal_check_path(const char *path, const char *fn, ln_error *err)
{
	const char *p = path;
	if (!path || !*path || path[0] == '/')
		return ln_error_set(err, LN_EINVALID, "%s: the path must be relative to the notes folder", fn);
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return ln_error_set(err, LN_EINVALID, "%s: refused path '%s' (empty, '.' or '..' part)", fn, path);
		p += n;
		if (*p)
			p++;
	}
	if (!strchr(path, '/'))
		return ln_error_set(err, LN_EINVALID, "%s: '%s' is not inside a person's folder", fn, path);
	return LN_OK;
}

int ln_seal_tag_name(char **out, const char *path, ln_error *err)
{
	ln_buf name = LN_BUF_INIT;
	const char *slash, *base, *p;
	char date[11];
	size_t start, i;
	int rc;

	*out = NULL;
	if ((rc = seal_check_path(path, "seal", err)) < 0)
		return rc;
	slash = strchr(path, '/');
	base = strrchr(path, '/') + 1;
	if (isdigit((unsigned char)base[0]) && isdigit((unsigned char)base[1]) && isdigit((unsigned char)base[2]) &&
		isdigit((unsigned char)base[3]) && base[4] == '-' && isdigit((unsigned char)base[5]) &&
		isdigit((unsigned char)base[6]) && base[7] == '-' && isdigit((unsigned char)base[8]) &&
		isdigit((unsigned char)base[9])) {
		memcpy(date, base, 10);
		date[10] = '\0';
	} else {
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	}
	ln_buf_puts(&name, "eval/");
	start = name.size;
	/* the person folder as one ref component: letters, digits, '-', '_'
	 * and any non-ASCII (UTF-8) byte stay; everything else becomes '-' */
	for (p = path; p < slash; p++) {
		unsigned char c = (unsigned char)*p;
		ln_buf_putc(&name, (char)(c >= 0x80 || isalnum(c) || c == '-' || c == '_' ? c : '-'));
	}
	if (name.size == start)
		ln_buf_puts(&name, "person");
	ln_buf_printf(&name, "/%s", date);
	if (ln_buf_failed(&name))
		return ln_error_set(err, LN_ENOMEM, "seal: out of memory");
	for (i = 0; i < name.size; i++)
		if ((unsigned char)name.ptr[i] < 0x20)
			name.ptr[i] = '-';
	{
		ln_buf ref = LN_BUF_INIT;
		int valid = 0;
		ln_buf_printf(&ref, "refs/tags/%s", name.ptr);
		if (ln_buf_failed(&ref) || git_reference_name_is_valid(&valid, ref.ptr) < 0 || !valid) {
			ln_buf_free(&ref);
			ln_buf_free(&name);
			return ln_error_set(err, LN_EINVALID, "seal: cannot make a tag name for '%s'", path);
		}
		ln_buf_free(&ref);
	}
	*out = ln_buf_detach(&name);
	return *out ? LN_OK : ln_error_set(err, LN_ENOMEM, "seal: out of memory");
}

/* The blob id of repo_path in commit's tree; GIT_ENOTFOUND when absent. */
static int seal_blob_in(git_oid *out, git_commit *commit, const char *repo_path)
{
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	int rc = git_commit_tree(&tree, commit);
	if (rc == 0)
		rc = git_tree_entry_bypath(&entry, tree, repo_path);
	if (rc == 0) {
		if (git_tree_entry_type(entry) == GIT_OBJECT_BLOB)
			git_oid_cpy(out, git_tree_entry_id(entry));
		else
			rc = GIT_ENOTFOUND;
	}
	git_tree_entry_free(entry);
	git_tree_free(tree);
	return rc;
}

/* The suffix number of a seal tag name: 1 for base itself, N for base-N,
 * 0 when name is not one of base's. */
static unsigned long seal_suffix(const char *name, const char *base)
{
	size_t n = strlen(base);
	const char *p;
	unsigned long v = 0;
	if (strncmp(name, base, n) != 0)
		return 0;
	if (name[n] == '\0')
		return 1;
	if (name[n] != '-' || !name[n + 1])
		return 0;
	for (p = name + n + 1; *p; p++) {
		if (!isdigit((unsigned char)*p) || v > 100000000UL)
			return 0;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	return v >= 2 ? v : 0;
}

/* 1 when the tag's message records repo_path. */
static int seal_tag_records(git_tag *tag, const char *repo_path)
{
	const char *msg = git_tag_message(tag);
	size_t n = strlen(repo_path);
	const char *p = msg;
	while (p && *p) {
		if (strncmp(p, "path: ", 6) == 0 && strncmp(p + 6, repo_path, n) == 0 && (p[6 + n] == '\n' || !p[6 + n]))
			return 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

/* Finds the latest seal of repo_path among base's tags: *latest (owned by
 * the caller) and its name in *latest_name; *highest is the highest suffix
 * in use by any seal of base (for the next free name). */
static int seal_find(git_tag **latest, char **latest_name, unsigned long *highest, git_repository *repo,
	const char *base, const char *repo_path, ln_error *err)
{
	git_strarray names = { NULL, 0 };
	ln_buf pattern = LN_BUF_INIT;
	unsigned long best = 0;
	size_t i;
	int rc = LN_OK;

	*latest = NULL;
	*latest_name = NULL;
	*highest = 0;
	ln_buf_printf(&pattern, "%s*", base);
	if (ln_buf_failed(&pattern))
		return ln_error_set(err, LN_ENOMEM, "seal: out of memory");
	if (git_tag_list_match(&names, pattern.ptr, repo) < 0) {
		rc = seal_git_error(err, LN_ERROR, "seal: cannot list tags");
		goto cleanup;
	}
	for (i = 0; i < names.count; i++) {
		unsigned long suffix = seal_suffix(names.strings[i], base);
		git_object *obj = NULL;
		ln_buf ref = LN_BUF_INIT;
		if (!suffix)
			continue;
		if (suffix > *highest)
			*highest = suffix;
		ln_buf_printf(&ref, "refs/tags/%s", names.strings[i]);
		if (!ln_buf_failed(&ref) && git_revparse_single(&obj, repo, ref.ptr) == 0 &&
			git_object_type(obj) == GIT_OBJECT_TAG && seal_tag_records((git_tag *)obj, repo_path) && suffix > best) {
			char *copy = malloc(strlen(names.strings[i]) + 1);
			if (!copy) {
				git_object_free(obj);
				ln_buf_free(&ref);
				rc = ln_error_set(err, LN_ENOMEM, "seal: out of memory");
				goto cleanup;
			}
			strcpy(copy, names.strings[i]);
			git_tag_free(*latest);
			free(*latest_name);
			*latest = (git_tag *)obj;
			*latest_name = copy;
			obj = NULL;
			best = suffix;
		}
		git_object_free(obj);
		ln_buf_free(&ref);
	}

cleanup:
	if (rc < 0) {
		git_tag_free(*latest);
		free(*latest_name);
		*latest = NULL;
		*latest_name = NULL;
	}
	git_strarray_dispose(&names);
	ln_buf_free(&pattern);
	return rc;
}

int ln_seal_create(char **out_tag, git_repository *repo, const char *prefix, const char *path, ln_error *err)
{
	git_reference *head = NULL;
	git_commit *commit = NULL;
	git_tag *latest = NULL;
	git_signature *sig = NULL;
	git_oid blob, disk, tag_id;
	ln_buf repo_path = LN_BUF_INIT, file = LN_BUF_INIT, name = LN_BUF_INIT, message = LN_BUF_INIT;
	char *base = NULL, *latest_name = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	unsigned long highest = 0, walked = 0;
	int rc;

	*out_tag = NULL;
	if ((rc = ln_seal_tag_name(&base, path, err)) < 0)
		return rc;
	ln_buf_printf(&repo_path, "%s%s", prefix ? prefix : "", path);
	ln_buf_printf(&file, "%s%s", git_repository_workdir(repo) ? git_repository_workdir(repo) : "", repo_path.ptr);
	if (ln_buf_failed(&repo_path) || ln_buf_failed(&file)) {
		rc = ln_error_set(err, LN_ENOMEM, "seal: out of memory");
		goto cleanup;
	}
	if (git_repository_head(&head, repo) < 0 || git_commit_lookup(&commit, repo, git_reference_target(head)) < 0) {
		rc = ln_error_set(err, LN_ENOTFOUND, "seal: %s was never saved (the notes have no commits)", path);
		goto cleanup;
	}
	if (seal_blob_in(&blob, commit, repo_path.ptr) < 0) {
		rc = ln_error_set(err, LN_ENOTFOUND, "seal: %s was never saved", path);
		goto cleanup;
	}
	if (git_repository_hashfile(&disk, repo, file.ptr, GIT_OBJECT_BLOB, repo_path.ptr) < 0) {
		rc = ln_error_set(err, LN_EINVALID, "seal: %s is missing from the notes folder; restore it first", path);
		goto cleanup;
	}
	if (!git_oid_equal(&disk, &blob)) {
		rc = ln_error_set(err, LN_EINVALID, "seal: %s has changes that are not saved; save it, then seal", path);
		goto cleanup;
	}
	/* back to the commit that introduced this content */
	while (walked++ < SEAL_MAX_WALK) {
		unsigned int i, n = git_commit_parentcount(commit);
		git_commit *older = NULL;
		for (i = 0; i < n && !older; i++) {
			git_commit *parent = NULL;
			git_oid there;
			if (git_commit_parent(&parent, commit, i) < 0)
				continue;
			if (seal_blob_in(&there, parent, repo_path.ptr) == 0 && git_oid_equal(&there, &blob))
				older = parent;
			else
				git_commit_free(parent);
		}
		if (!older)
			break;
		git_commit_free(commit);
		commit = older;
	}
	if ((rc = seal_find(&latest, &latest_name, &highest, repo, base, repo_path.ptr, err)) < 0)
		goto cleanup;
	if (latest) {
		git_commit *sealed = NULL;
		git_oid there;
		int same = git_tag_target_type(latest) == GIT_OBJECT_COMMIT &&
			git_commit_lookup(&sealed, repo, git_tag_target_id(latest)) == 0 &&
			seal_blob_in(&there, sealed, repo_path.ptr) == 0 && git_oid_equal(&there, &blob);
		git_commit_free(sealed);
		if (same) {
			*out_tag = latest_name;
			latest_name = NULL;
			rc = LN_OK;
			goto cleanup;
		}
	}
	if (highest == 0)
		ln_buf_puts(&name, base);
	else
		ln_buf_printf(&name, "%s-%lu", base, highest + 1);
	git_oid_tostr(hex, sizeof(hex), &blob);
	ln_buf_printf(&message, "Sealed evaluation: %s\n\npath: %s\nblob: %s\n", path, repo_path.ptr, hex);
	if (ln_buf_failed(&name) || ln_buf_failed(&message)) {
		rc = ln_error_set(err, LN_ENOMEM, "seal: out of memory");
		goto cleanup;
	}
	if (git_signature_default(&sig, repo) < 0 && git_signature_now(&sig, "leadnotes", "leadnotes@localhost") < 0) {
		rc = seal_git_error(err, LN_ERROR, "seal: no signature");
		goto cleanup;
	}
	if (git_tag_create(&tag_id, repo, name.ptr, (git_object *)commit, sig, message.ptr, 0) < 0) {
		rc = seal_git_error(err, LN_ERROR, "seal: cannot create the tag");
		goto cleanup;
	}
	*out_tag = ln_buf_detach(&name);
	rc = *out_tag ? LN_OK : ln_error_set(err, LN_ENOMEM, "seal: out of memory");

cleanup:
	git_signature_free(sig);
	git_tag_free(latest);
	free(latest_name);
	free(base);
	git_commit_free(commit);
	git_reference_free(head);
	ln_buf_free(&repo_path);
	ln_buf_free(&file);
	ln_buf_free(&name);
	ln_buf_free(&message);
	return rc;
}

static int seal_read_file(ln_buf *out, const char *file)
{
	FILE *f = fopen(file, "rb");
	char chunk[8192];
	size_t n;
	if (!f)
		return 0; /* missing: compares as empty */
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ln_buf_put(out, chunk, n);
	fclose(f);
	return ln_buf_failed(out) ? -1 : 0;
}

void ln_seal_status_free(ln_seal_status *status)
{
	if (!status)
		return;
	free(status->tag);
	free(status->diff);
	free(status);
}

int ln_seal_verify(ln_seal_status **out, git_repository *repo, const char *prefix, const char *path, ln_error *err)
{
	ln_seal_status *status = NULL;
	git_tag *latest = NULL;
	git_commit *sealed = NULL;
	git_blob *blob = NULL;
	git_patch *patch = NULL;
	git_buf smudged = GIT_BUF_INIT, text = GIT_BUF_INIT;
	git_blob_filter_options fo;
	git_diff_options dopts;
	ln_buf repo_path = LN_BUF_INIT, file = LN_BUF_INIT, current = LN_BUF_INIT, a = LN_BUF_INIT, b = LN_BUF_INIT;
	char *base = NULL, *latest_name = NULL;
	unsigned long highest = 0;
	git_oid blob_id;
	int rc;

	*out = NULL;
	if ((rc = seal_check_path(path, "verify", err)) < 0 || (rc = ln_seal_tag_name(&base, path, err)) < 0)
		return rc;
	ln_buf_printf(&repo_path, "%s%s", prefix ? prefix : "", path);
	ln_buf_printf(&file, "%s%s", git_repository_workdir(repo) ? git_repository_workdir(repo) : "",
		repo_path.ptr ? repo_path.ptr : "");
	status = calloc(1, sizeof(*status));
	if (!status || ln_buf_failed(&repo_path) || ln_buf_failed(&file)) {
		rc = ln_error_set(err, LN_ENOMEM, "verify: out of memory");
		goto cleanup;
	}
	if ((rc = seal_find(&latest, &latest_name, &highest, repo, base, repo_path.ptr, err)) < 0)
		goto cleanup;
	if (!latest) {
		*out = status;
		status = NULL;
		goto cleanup;
	}
	status->sealed = 1;
	status->tag = latest_name;
	latest_name = NULL;
	if (git_tag_target_type(latest) != GIT_OBJECT_COMMIT ||
		git_commit_lookup(&sealed, repo, git_tag_target_id(latest)) < 0 ||
		seal_blob_in(&blob_id, sealed, repo_path.ptr) < 0 || git_blob_lookup(&blob, repo, &blob_id) < 0) {
		rc = seal_git_error(err, LN_ERROR, "verify: cannot read the sealed version");
		goto cleanup;
	}
	git_blob_filter_options_init(&fo, GIT_BLOB_FILTER_OPTIONS_VERSION);
	if (git_blob_filter(&smudged, blob, repo_path.ptr, &fo) < 0) {
		rc = seal_git_error(err, LN_ERROR, "verify: the smudge filter failed on the sealed version");
		goto cleanup;
	}
	if (seal_read_file(&current, file.ptr) < 0) {
		rc = ln_error_set(err, LN_ENOMEM, "verify: out of memory");
		goto cleanup;
	}
	if (current.size == smudged.size && (current.size == 0 || memcmp(current.ptr, smudged.ptr, current.size) == 0)) {
		status->unchanged = 1;
	} else {
		git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
		ln_buf_printf(&a, "%s", repo_path.ptr);
		ln_buf_printf(&b, "%s", repo_path.ptr);
		if (ln_buf_failed(&a) || ln_buf_failed(&b) ||
			git_patch_from_buffers(&patch, smudged.ptr, smudged.size, a.ptr, current.ptr ? current.ptr : "",
				current.size, b.ptr, &dopts) < 0 || git_patch_to_buf(&text, patch) < 0) {
			rc = seal_git_error(err, LN_ERROR, "verify: cannot compute the difference");
			goto cleanup;
		}
		if (!(status->diff = malloc(text.size + 1))) {
			rc = ln_error_set(err, LN_ENOMEM, "verify: out of memory");
			goto cleanup;
		}
		memcpy(status->diff, text.ptr ? text.ptr : "", text.size);
		status->diff[text.size] = '\0';
	}
	*out = status;
	status = NULL;
	rc = LN_OK;

cleanup:
	ln_seal_status_free(status);
	git_patch_free(patch);
	git_buf_dispose(&smudged);
	git_buf_dispose(&text);
	git_blob_free(blob);
	git_commit_free(sealed);
	git_tag_free(latest);
	free(latest_name);
	free(base);
	ln_buf_free(&repo_path);
	ln_buf_free(&file);
	ln_buf_free(&current);
	ln_buf_free(&a);
	ln_buf_free(&b);
	return rc;
}
