/* The store's writes that are not commits, and the digest readers use to
 * see what changed: a new note that never overwrites another
 * (ln_store_create_note), a note written in place through a temporary file
 * (ln_store_write_note), and one digest per person's folder
 * (ln_store_folders_list). None of them commits: saving is store_commit.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leadnotes/store.h"

/* ---- file helpers (until plugin/fsutil.h lands on main) ---- */

/* Creates the missing parent folders of rel below dir, each with mode 0700. */
static int store_fs_make_parents(const char *dir, const char *rel, ln_error *err)
{
	size_t dlen = strlen(dir), rlen = strlen(rel), i;
	char *path = malloc(dlen + rlen + 2);
	int rc = LN_OK;

	if (!path)
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	memcpy(path, dir, dlen);
	path[dlen] = '/';
	memcpy(path + dlen + 1, rel, rlen + 1);
	for (i = dlen + 1; path[i]; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			rc = ln_error_set(err, LN_EIO, "cannot create a folder for %s: %s", rel, strerror(errno));
			goto cleanup;
		}
		path[i] = '/';
	}
cleanup:
	free(path);
	return rc;
}

/* Writes all of data to fd; 0 or -1 with errno set. */
static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes data to a temporary file beside path, fsyncs it and renames it
 * over path (mode); on failure path is untouched and the temporary gone. */
static int store_fs_write_atomic(const char *path, const void *data, size_t len, unsigned mode, ln_error *err)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 16);
	const char *slash = strrchr(path, '/');
	size_t head = slash ? (size_t)(slash - path) + 1 : 0;
	int fd = -1, rc = LN_OK;

	if (!tmp)
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	/* A hidden temporary beside the file: "<dir>/.<name>.tmp-XXXXXX". */
	snprintf(tmp, plen + 16, "%.*s.%s.tmp-XXXXXX", (int)head, path, path + head);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = ln_error_set(err, LN_EIO, "cannot write %s: %s", path, strerror(errno));
		free(tmp);
		return rc;
	}
	if (fchmod(fd, (mode_t)mode) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		rc = ln_error_set(err, LN_EIO, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		goto cleanup;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0)
		rc = ln_error_set(err, LN_EIO, "cannot write %s: %s", path, strerror(errno));
cleanup:
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* ---- notes ---- */

/* "<dir>/<rel>" into a new string, or NULL. */
static char *join_path(const char *dir, const char *rel)
{
	size_t n = strlen(dir) + strlen(rel) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, rel);
	return p;
}

int ln_store_write_note(ln_store *store, const char *path, const char *text, size_t len, ln_error *err)
{
	char *rel = NULL, *abs = NULL;
	int rc;

	if ((rc = ln_store_relpath(&rel, store, path, err)) < 0)
		return rc;
	if ((rc = store_fs_make_parents(ln_store_dir(store), rel, err)) < 0)
		goto cleanup;
	if (!(abs = join_path(ln_store_dir(store), rel))) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	rc = store_fs_write_atomic(abs, text, len, 0600, err);
cleanup:
	free(rel);
	free(abs);
	return rc;
}

/* Creates file exclusively (0600, never through a symlink) with text in it;
 * 0, or -1 with errno set (EEXIST: the name is taken). A failed write
 * removes the file it created. */
static int create_exclusive(const char *file, const char *text, size_t len)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int saved;

	if (fd < 0)
		return -1;
	if (write_all(fd, text, len) == 0 && fsync(fd) == 0) {
		if (close(fd) == 0)
			return 0;
		fd = -1;
	}
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(file);
	errno = saved == EEXIST ? EIO : saved; /* EEXIST means "taken" to the caller */
	return -1;
}

int ln_store_create_note(char **out, ln_store *store, const char *person_dir, const char *stem, const char *ext,
	const char *text, size_t len, ln_error *err)
{
	char *rel = NULL, *dir = NULL, *file = NULL;
	size_t cap;
	int n, rc = LN_OK;

	*out = NULL;
	if (!*stem || !*ext || strchr(stem, '/') || strchr(ext, '/') || stem[0] == '.')
		return ln_error_set(err, LN_EINVALID, "a note's name and extension must be plain names");
	if ((rc = ln_store_relpath(&rel, store, person_dir, err)) < 0)
		return rc;
	if (!*rel || strchr(rel, '/')) {
		rc = ln_error_set(err, LN_EINVALID, "%s is not a person's folder", person_dir);
		goto cleanup;
	}
	cap = strlen(ln_store_dir(store)) + strlen(rel) + strlen(stem) + strlen(ext) + 32;
	if (!(dir = join_path(ln_store_dir(store), rel)) || !(file = malloc(cap))) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		rc = ln_error_set(err, LN_EIO, "cannot create %s: %s", dir, strerror(errno));
		goto cleanup;
	}
	for (n = 1; n < 1000; n++) {
		if (n == 1)
			snprintf(file, cap, "%s/%s.%s", dir, stem, ext);
		else
			snprintf(file, cap, "%s/%s-%d.%s", dir, stem, n, ext);
		if (create_exclusive(file, text, len) == 0)
			break;
		if (errno != EEXIST) {
			rc = ln_error_set(err, LN_EIO, "cannot write %s: %s", file, strerror(errno));
			goto cleanup;
		}
	}
	if (n == 1000) {
		rc = ln_error_set(err, LN_EEXISTS, "cannot create a note in %s: 999 notes named %s exist", dir, stem);
		goto cleanup;
	}
	if (!(*out = join_path(rel, file + strlen(dir) + 1)))
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
cleanup:
	free(rel);
	free(dir);
	free(file);
	return rc;
}

/* ---- the folder digest ---- */

/* FNV-1a over n bytes of s, then a separator byte, so that ("ab","c") and
 * ("a","bc") differ. */
static uint64_t digest_add(uint64_t h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	h ^= 0xff;
	h *= 1099511628211ull;
	return h;
}

int ln_store_folders_list(ln_store_folders *out, ln_store *store, ln_error *err)
{
	ln_store_files files;
	size_t i = 0;
	int rc;

	out->items = NULL;
	out->count = 0;
	if ((rc = ln_store_files_list(&files, store, NULL, err)) < 0)
		return rc;
	/* at most one folder per file */
	if (files.count && !(out->items = calloc(files.count, sizeof(*out->items)))) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	while (i < files.count) {
		const char *path = files.items[i].path, *slash = strchr(path, '/');
		ln_store_folder *folder;
		uint64_t h = 14695981039346656037ull;
		size_t dlen;

		if (!slash) {
			i++;
			continue; /* a file at the top: nobody's */
		}
		dlen = (size_t)(slash - path);
		folder = &out->items[out->count];
		if (!(folder->dir = malloc(dlen + 1))) {
			rc = ln_error_set(err, LN_ENOMEM, "out of memory");
			goto cleanup;
		}
		memcpy(folder->dir, path, dlen);
		folder->dir[dlen] = '\0';
		out->count++;
		/* files are sorted by path, so a folder's files are together */
		while (i < files.count && strncmp(files.items[i].path, folder->dir, dlen) == 0 &&
			files.items[i].path[dlen] == '/') {
			const ln_store_file *f = &files.items[i];
			h = digest_add(h, f->path, strlen(f->path));
			h = digest_add(h, f->blob, strlen(f->blob));
			h = digest_add(h, f->dirty ? "d" : "c", 1);
			h = digest_add(h, f->stat, strlen(f->stat));
			folder->files++;
			i++;
		}
		snprintf(folder->digest, sizeof(folder->digest), "%016llx", (unsigned long long)h);
	}
cleanup:
	ln_store_files_free(&files);
	if (rc < 0)
		ln_store_folders_free(out);
	return rc;
}

void ln_store_folders_free(ln_store_folders *folders)
{
	size_t i;

	if (!folders)
		return;
	for (i = 0; i < folders->count; i++)
		free(folders->items[i].dir);
	free(folders->items);
	folders->items = NULL;
	folders->count = 0;
}
