/* The store's writes that are not commits: a new note that never
 * overwrites another (ln_store_create_note) and a note written in place
 * through a temporary file (ln_store_write_note). Neither commits: saving
 * is store_commit.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "leadnotes/store.h"

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
	if ((rc = ln__fs_make_parents(ln_store_dir(store), rel, err)) < 0)
		goto cleanup;
	if (!(abs = join_path(ln_store_dir(store), rel))) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	rc = ln__fs_write_atomic(abs, text, len, 0600, err);
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
