/* leadnotes: sealed evaluations. A seal is an annotated tag
 * eval/<person>/<date> on the commit that introduced a note's committed
 * content; its message records the note's path so verify can find it again
 * and compare the file with the sealed version. */
#include "leadnotes/sync.h"
#include "leadnotes/buf.h"
#include "leadnotes/signing.h"
#include "fsutil.h"

#include <git2.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SEAL_MAX_WALK 1000000
#define SEAL_RECORDS "leadnotes/seals"
#define SEAL_REMOTE_RECORDS "leadnotes/remote-seals"

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

/* ------------------------------------------------------------------ */
/* the records: <gitdir>/leadnotes/seals, one line per seal made here,
 * "<tag object id>\t<tag name>\t<path>"; remote-seals, rewritten at each
 * sync, "<tag object id>\t<tag name>" for every eval/ tag of the remote */

static int seal_records_path(ln_buf *out, git_repository *repo, const char *which)
{
	return ln_buf_printf(out, "%s%s", git_repository_path(repo), which);
}

/* The note at path (relative to the notes folder at prefix) as the
 * repository names it, into repo_path, and as a file, into file. 0, or -1
 * without memory. */
static int seal_note_paths(ln_buf *repo_path, ln_buf *file, git_repository *repo, const char *prefix,
	const char *path)
{
	const char *workdir = git_repository_workdir(repo);
	ln_buf_printf(repo_path, "%s%s", prefix ? prefix : "", path);
	ln_buf_printf(file, "%s%s", workdir ? workdir : "", repo_path->ptr ? repo_path->ptr : "");
	return ln_buf_failed(repo_path) || ln_buf_failed(file) ? -1 : 0;
}

/* Appends a line to a records file (0600), synced to disk. */
static int seal_append(git_repository *repo, const char *which, const char *line, ln_error *err)
{
	ln_buf path = LN_BUF_INIT;
	int fd = -1, rc = LN_OK;
	size_t len = strlen(line);
	seal_records_path(&path, repo, which);
	if (ln_buf_failed(&path)) {
		rc = ln_error_set(err, LN_ENOMEM, "seal: out of memory");
		goto cleanup;
	}
	if ((rc = ln__fs_make_parents(git_repository_path(repo), which, err)) < 0)
		goto cleanup;
	fd = open(path.ptr, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, line, len) != (ssize_t)len || fsync(fd) < 0)
		rc = ln_error_set(err, LN_EIO, "seal: cannot record the seal in %s: %s", path.ptr, strerror(errno));
cleanup:
	if (fd >= 0)
		close(fd);
	ln_buf_free(&path);
	return rc;
}

/* The last record of a records file whose path field is repo_path (when
 * repo_path is not NULL) or whose name is name (when name is not NULL):
 * 1 with *out_name (the caller frees it, may be NULL) and *id, else 0. */
static int seal_recorded(char **out_name, git_oid *id, git_repository *repo, const char *which,
	const char *repo_path, const char *name)
{
	ln_buf path = LN_BUF_INIT;
	char line[4096];
	FILE *f;
	int found = 0;
	if (out_name)
		*out_name = NULL;
	seal_records_path(&path, repo, which);
	f = path.ptr ? fopen(path.ptr, "r") : NULL;
	ln_buf_free(&path);
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *t1 = strchr(line, '\t'), *t2, *nl;
		git_oid oid;
		if (!t1)
			continue;
		*t1++ = '\0';
		if ((nl = strchr(t1, '\n')))
			*nl = '\0';
		t2 = strchr(t1, '\t');
		if (t2)
			*t2++ = '\0';
		if (git_oid_fromstr(&oid, line) < 0)
			continue;
		if ((repo_path && (!t2 || strcmp(t2, repo_path) != 0)) || (name && strcmp(t1, name) != 0))
			continue;
		git_oid_cpy(id, &oid);
		if (out_name) {
			free(*out_name);
			*out_name = ln__strdup(t1);
		}
		found = 1;
	}
	fclose(f);
	return found && (!out_name || *out_name);
}

int ln_seal_record_remote(git_repository *repo, const git_remote_head **heads, size_t count, ln_error *err)
{
	ln_buf text = LN_BUF_INIT, path = LN_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	size_t i;
	int rc = LN_OK;
	for (i = 0; i < count; i++) {
		const char *name = heads[i]->name;
		size_t n = strlen(name);
		if (strncmp(name, "refs/tags/eval/", 15) != 0 || (n > 3 && strcmp(name + n - 3, "^{}") == 0))
			continue;
		git_oid_tostr(hex, sizeof(hex), &heads[i]->oid);
		ln_buf_printf(&text, "%s\t%s\n", hex, name + 10);
	}
	seal_records_path(&path, repo, SEAL_REMOTE_RECORDS);
	if (ln_buf_failed(&text) || ln_buf_failed(&path))
		rc = ln_error_set(err, LN_ENOMEM, "sync: out of memory");
	else if ((rc = ln__fs_make_parents(git_repository_path(repo), SEAL_REMOTE_RECORDS, err)) == LN_OK)
		rc = ln__fs_write_atomic(path.ptr, text.ptr ? text.ptr : "", text.size, 0600, err);
	ln_buf_free(&text);
	ln_buf_free(&path);
	return rc;
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
		rc = ln__error_from_git(err, GIT_ERROR, "seal: cannot list tags");
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
	if (seal_note_paths(&repo_path, &file, repo, prefix, path) < 0) {
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
		rc = ln__error_from_git(err, GIT_ERROR, "seal: no signature");
		goto cleanup;
	}
	/* signed when tag.gpgsign asks for it (signing.c) */
	if ((rc = ln_signing_tag_create(&tag_id, repo, name.ptr, (git_object *)commit, sig, message.ptr, err)) < 0)
		goto cleanup;
	{
		/* what verify compares with: a tag deleted or moved later shows */
		ln_buf line = LN_BUF_INIT;
		git_oid_tostr(hex, sizeof(hex), &tag_id);
		ln_buf_printf(&line, "%s\t%s\t%s\n", hex, name.ptr, repo_path.ptr);
		rc = ln_buf_failed(&line) ? ln_error_set(err, LN_ENOMEM, "seal: out of memory")
			: seal_append(repo, SEAL_RECORDS, line.ptr, err);
		ln_buf_free(&line);
		if (rc < 0)
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
	free(status->problem);
	free(status->signature_detail);
	free(status);
}

/* Adds a sentence to status->problem. */
static void seal_problem(ln_seal_status *status, ln_buf *text)
{
	ln_buf all = LN_BUF_INIT;
	if (ln_buf_failed(text))
		return;
	ln_buf_printf(&all, "%s%s%s", status->problem ? status->problem : "", status->problem ? "; " : "", text->ptr);
	if (!ln_buf_failed(&all)) {
		free(status->problem);
		status->problem = ln_buf_detach(&all);
	}
	ln_buf_free(&all);
	ln_buf_clear(text);
}

/* Checks the seal itself: the tag made here (its record) against what the
 * ref holds now, and the remote's copy seen at the last sync. When the
 * record is the newest seal, *latest becomes the recorded tag object (so
 * the note is compared with what was sealed here). */
static int seal_check_records(ln_seal_status *status, git_tag **latest, git_repository *repo, const char *base,
	const char *repo_path, ln_error *err)
{
	git_reference *ref = NULL;
	git_tag *recorded = NULL;
	ln_buf text = LN_BUF_INIT, refname = LN_BUF_INIT;
	char *rec_name = NULL, a[GIT_OID_HEXSZ + 1], b[GIT_OID_HEXSZ + 1];
	git_oid rec_id, remote_id;
	const git_oid *now = NULL;
	int rc = LN_OK;

	int have_record = seal_recorded(&rec_name, &rec_id, repo, SEAL_RECORDS, repo_path, NULL);
	if (have_record && status->tag && seal_suffix(rec_name, base) < seal_suffix(status->tag, base) &&
		!seal_recorded(NULL, &remote_id, repo, SEAL_REMOTE_RECORDS, NULL, status->tag)) {
		/* a later seal that was neither made here nor seen on the remote */
		ln_buf_printf(&text, "the seal %s was not made on this machine and has not been seen on the remote; "
			"the one made here is %s", status->tag, rec_name);
		seal_problem(status, &text);
	}
	if (have_record && (!status->tag || seal_suffix(rec_name, base) >= seal_suffix(status->tag, base))) {
		git_oid_tostr(a, sizeof(a), &rec_id);
		ln_buf_printf(&refname, "refs/tags/%s", rec_name);
		if (ln_buf_failed(&refname) || git_reference_lookup(&ref, repo, refname.ptr) < 0) {
			ln_buf_printf(&text, "the seal %s was deleted after it was made here (it was tag %.7s)", rec_name, a);
			seal_problem(status, &text);
		} else if ((now = git_reference_target(ref)) == NULL || !git_oid_equal(now, &rec_id)) {
			if (now)
				git_oid_tostr(b, sizeof(b), now);
			ln_buf_printf(&text, "the seal %s was moved: it was tag %.7s when made here and is now %s (git tag -f)",
				rec_name, a, now ? b : "a symbolic reference");
			seal_problem(status, &text);
		}
		if (git_tag_lookup(&recorded, repo, &rec_id) == 0) {
			git_tag_free(*latest);
			*latest = recorded;
			recorded = NULL;
			free(status->tag);
			status->tag = rec_name;
			rec_name = NULL;
			status->sealed = 1;
		} else if (!*latest) {
			ln_buf_printf(&text, "the sealed tag object %.7s is gone from the repository", a);
			seal_problem(status, &text);
			status->sealed = 1;
			free(status->tag);
			status->tag = rec_name;
			rec_name = NULL;
		}
	}
	if (status->tag && seal_recorded(NULL, &remote_id, repo, SEAL_REMOTE_RECORDS, NULL, status->tag)) {
		const git_oid *mine = *latest ? git_tag_id(*latest) : NULL;
		if (!mine || !git_oid_equal(mine, &remote_id)) {
			git_oid_tostr(a, sizeof(a), &remote_id);
			if (mine)
				git_oid_tostr(b, sizeof(b), mine);
			ln_buf_printf(&text, "the remote's %s (at the last sync) is tag %.7s, this machine's is %s", status->tag, a,
				mine ? b : "missing");
			seal_problem(status, &text);
		}
	}
	if (ln_buf_failed(&text))
		rc = ln_error_set(err, LN_ENOMEM, "verify: out of memory");
	git_tag_free(recorded);
	git_reference_free(ref);
	free(rec_name);
	ln_buf_free(&text);
	ln_buf_free(&refname);
	return rc;
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
	status = calloc(1, sizeof(*status));
	if (!status || seal_note_paths(&repo_path, &file, repo, prefix, path) < 0) {
		rc = ln_error_set(err, LN_ENOMEM, "verify: out of memory");
		goto cleanup;
	}
	if ((rc = seal_find(&latest, &latest_name, &highest, repo, base, repo_path.ptr, err)) < 0)
		goto cleanup;
	if (latest) {
		status->sealed = 1;
		status->tag = latest_name;
		latest_name = NULL;
	}
	if ((rc = seal_check_records(status, &latest, repo, base, repo_path.ptr, err)) < 0)
		goto cleanup;
	if (!latest) {
		*out = status;
		status = NULL;
		goto cleanup;
	}
	{
		ln_signature_state state = LN_SIGNATURE_NONE;
		if ((rc = ln_signing_verify(&state, &status->signature_detail, repo, git_tag_id(latest), err)) < 0)
			goto cleanup;
		status->signature = (int)state;
	}
	if (git_tag_target_type(latest) != GIT_OBJECT_COMMIT ||
		git_commit_lookup(&sealed, repo, git_tag_target_id(latest)) < 0 ||
		seal_blob_in(&blob_id, sealed, repo_path.ptr) < 0 || git_blob_lookup(&blob, repo, &blob_id) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "verify: cannot read the sealed version");
		goto cleanup;
	}
	git_blob_filter_options_init(&fo, GIT_BLOB_FILTER_OPTIONS_VERSION);
	if (git_blob_filter(&smudged, blob, repo_path.ptr, &fo) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "verify: the smudge filter failed on the sealed version");
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
			rc = ln__error_from_git(err, GIT_ERROR, "verify: cannot compute the difference");
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
