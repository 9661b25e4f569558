/* leadnotes: a guard in front of libgit2's reads of loose objects.
 *
 * libgit2 1.5 loops forever when it inflates a loose object whose file
 * ends early (libgit2 issue 7342, fixed upstream in 2026): a notes folder
 * damaged by a disk or by a file-syncing tool would freeze the editor on
 * the next save. This object-database backend is asked first. It returns
 * no objects: it inflates the loose file of the object asked for to the end
 * of its zlib stream and answers "not here" when the file is whole (or
 * absent), so libgit2's own backends then read it, or fails with a message
 * naming the object when the file is damaged.
 *
 * It sits after libgit2's pack backend and before its loose one, so a
 * packed object (nearly every object a history walk reads) is found
 * without a look for its loose file: that look (an open that fails) was a
 * third of the first history call at M. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <zlib.h>

#include "leadnotes/buf.h"
#include "odb_guard.h"

typedef struct odb_guard {
	git_odb_backend parent;
	char *objects_dir; /* ends with '/' */
} odb_guard;

/* 0 when the file at path holds a whole zlib stream, GIT_ENOTFOUND when
 * there is no such file, -1 with git's error set when it is damaged. */
static int odb_guard_check_file(const char *path, const char *hex)
{
	unsigned char in[16384], out[16384];
	z_stream zs;
	int fd, zrc = Z_OK, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? GIT_ENOTFOUND : 0; /* libgit2 reports other errors */
	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK) {
		close(fd);
		return 0;
	}
	while (zrc != Z_STREAM_END) {
		ssize_t n = read(fd, in, sizeof(in));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = -1;
			break;
		}
		zs.next_in = in;
		zs.avail_in = (uInt)n;
		do {
			zs.next_out = out;
			zs.avail_out = sizeof(out);
			zrc = inflate(&zs, Z_NO_FLUSH);
		} while (zrc == Z_OK && zs.avail_in > 0);
		if (zrc != Z_OK && zrc != Z_STREAM_END && zrc != Z_BUF_ERROR) {
			rc = -1;
			break;
		}
	}
	inflateEnd(&zs);
	close(fd);
	if (rc < 0)
		git_error_set(GIT_ERROR_ODB, "object %s is damaged: its file %s is cut short or corrupt "
			"(a disk or file-syncing problem?); git fsck lists what else is", hex, path);
	return rc;
}

static int odb_guard_check(odb_guard *g, const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1];
	ln_buf path = LN_BUF_INIT;
	int rc;

	git_oid_tostr(hex, sizeof(hex), id);
	ln_buf_printf(&path, "%s%.2s/%s", g->objects_dir, hex, hex + 2);
	rc = ln_buf_failed(&path) ? 0 : odb_guard_check_file(path.ptr, hex);
	ln_buf_free(&path);
	return rc;
}

static int odb_guard_read(void **data, size_t *len, git_object_t *type, git_odb_backend *backend, const git_oid *id)
{
	int rc = odb_guard_check((odb_guard *)backend, id);
	(void)data;
	(void)len;
	(void)type;
	return rc < 0 && rc != GIT_ENOTFOUND ? rc : GIT_ENOTFOUND;
}

static int odb_guard_read_header(size_t *len, git_object_t *type, git_odb_backend *backend, const git_oid *id)
{
	return odb_guard_read(NULL, len, type, backend, id);
}

/* An abbreviated id: every loose file it may name is checked. */
static int odb_guard_read_prefix(git_oid *out, void **data, size_t *len, git_object_t *type,
	git_odb_backend *backend, const git_oid *prefix, size_t hexlen)
{
	odb_guard *g = (odb_guard *)backend;
	char hex[GIT_OID_HEXSZ + 1];
	ln_buf dir = LN_BUF_INIT, path = LN_BUF_INIT;
	DIR *d;
	struct dirent *e;
	int rc = GIT_ENOTFOUND;

	(void)out;
	(void)data;
	(void)len;
	(void)type;
	git_oid_tostr(hex, sizeof(hex), prefix);
	if (hexlen >= GIT_OID_HEXSZ)
		return odb_guard_read(NULL, NULL, NULL, backend, prefix);
	if (hexlen < 2)
		return GIT_ENOTFOUND;
	ln_buf_printf(&dir, "%s%.2s", g->objects_dir, hex);
	if (ln_buf_failed(&dir) || !(d = opendir(dir.ptr))) {
		ln_buf_free(&dir);
		return GIT_ENOTFOUND;
	}
	while ((e = readdir(d)) != NULL) {
		char full[GIT_OID_HEXSZ + 1];
		if (strlen(e->d_name) != GIT_OID_HEXSZ - 2 || strncmp(e->d_name, hex + 2, hexlen - 2) != 0)
			continue;
		ln_buf_clear(&path);
		ln_buf_printf(&path, "%s/%s", dir.ptr, e->d_name);
		snprintf(full, sizeof(full), "%.2s%.38s", hex, e->d_name);
		if (!ln_buf_failed(&path) && odb_guard_check_file(path.ptr, full) == -1) {
			rc = -1;
			break;
		}
	}
	closedir(d);
	ln_buf_free(&dir);
	ln_buf_free(&path);
	return rc;
}

static void odb_guard_free(git_odb_backend *backend)
{
	odb_guard *g = (odb_guard *)backend;
	free(g->objects_dir);
	free(g);
}

int ln_odb_guard_install(git_repository *repo, ln_error *err)
{
	git_odb *odb = NULL;
	odb_guard *g;
	ln_buf dir = LN_BUF_INIT;

	if (git_repository_odb(&odb, repo) < 0)
		return ln_error_set(err, LN_ERROR, "cannot open the object database");
	ln_buf_printf(&dir, "%sobjects/", git_repository_commondir(repo));
	g = calloc(1, sizeof(*g));
	if (!g || ln_buf_failed(&dir)) {
		free(g);
		ln_buf_free(&dir);
		git_odb_free(odb);
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	}
	g->objects_dir = ln_buf_detach(&dir);
	g->parent.version = GIT_ODB_BACKEND_VERSION;
	g->parent.read = odb_guard_read;
	g->parent.read_header = odb_guard_read_header;
	g->parent.read_prefix = odb_guard_read_prefix;
	g->parent.free = odb_guard_free;
	/* libgit2's pack backend has priority 2, its loose one 1. At 2 too,
	 * the guard is asked after the pack backend (libgit2 sorts backends
	 * with a stable sort, and this one is added after the defaults) and
	 * before the loose backend, the only one that reads loose files. On
	 * success the odb owns it. */
	if (git_odb_add_backend(odb, &g->parent, 2) < 0) {
		odb_guard_free(&g->parent);
		git_odb_free(odb);
		return ln_error_set(err, LN_ERROR, "cannot guard the object database");
	}
	git_odb_free(odb);
	return 0;
}
