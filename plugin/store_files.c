/* The store: the files of the notes folder with their blob ids, what the
 * team view's cache is keyed by.
 *
 * Like `git status`, but only as far as the team view needs and without
 * reading file contents or trees: a working file is clean when the index
 * (which the store keeps equal to HEAD) holds it with stat data (mtime to
 * the nanosecond, size) that still match the file and are not racy (older
 * than the index file); its blob id is then the index's. Anything else is
 * dirty, reported with a stat signature so that a caller can still avoid
 * reading a file that did not change since it last did. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "leadnotes/store.h"
#include "fsutil.h"

typedef struct work_file {
	char *path; /* relative to the notes folder */
	struct stat st;
} work_file;

typedef struct path_list {
	work_file *items;
	size_t count, alloc;
} path_list;

static char *join3(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *out = malloc(la + lb + lc + 1);

	if (out) {
		memcpy(out, a, la);
		memcpy(out + la, b, lb);
		memcpy(out + la + lb, c, lc + 1);
	}
	return out;
}

static int by_work_path(const void *a, const void *b)
{
	return strcmp(((const work_file *)a)->path, ((const work_file *)b)->path);
}

static int paths_push(path_list *list, char *path, const struct stat *st)
{
	if (list->count == list->alloc) {
		size_t n = list->alloc ? list->alloc * 2 : 256;
		work_file *items = realloc(list->items, n * sizeof(*items));
		if (!items) {
			free(path);
			return LN_ENOMEM;
		}
		list->items = items;
		list->alloc = n;
	}
	list->items[list->count].path = path;
	list->items[list->count].st = *st;
	list->count++;
	return LN_OK;
}

/* Every regular file below base/rel (rel "" or ending in '/'), skipping
 * names starting with '.', appended with its lstat as paths relative to
 * base. One fstatat per entry, relative to the open folder. */
static int walk_dir(path_list *out, const char *base, const char *rel, int depth, ln_error *err)
{
	char *full = join3(base, "/", rel);
	DIR *d = NULL;
	struct dirent *e;
	int rc = LN_OK;

	if (!full)
		return ln_error_set(err, LN_ENOMEM, "out of memory listing notes");
	d = opendir(full);
	if (!d) {
		if (errno != ENOENT && errno != ENOTDIR)
			rc = ln_error_set(err, LN_EIO, "cannot list a folder of the notes: %s", strerror(errno));
		goto cleanup;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		char *child;

		if (e->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* gone since listed */
		if (S_ISDIR(st.st_mode) && depth < 16) {
			child = join3(rel, e->d_name, "/");
			if (!child) {
				rc = ln_error_set(err, LN_ENOMEM, "out of memory listing notes");
				goto cleanup;
			}
			rc = walk_dir(out, base, child, depth + 1, err);
			free(child);
		} else if (S_ISREG(st.st_mode)) {
			child = join3(rel, e->d_name, "");
			if (!child || paths_push(out, child, &st) < 0)
				rc = ln_error_set(err, LN_ENOMEM, "out of memory listing notes");
		}
		if (rc < 0)
			goto cleanup;
	}
cleanup:
	if (d)
		closedir(d);
	free(full);
	return rc;
}

/* A folder inside the notes folder: no leading '/', no empty, "." or ".."
 * part (a trailing '/' is fine). */
static int safe_under(const char *under)
{
	const char *p = under;

	if (!*under || *under == '/')
		return 0;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (!end)
			break;
		p = end + 1;
	}
	return 1;
}

static int stat_newer_or_equal(const struct stat *a, const struct stat *b)
{
	if (a->st_mtim.tv_sec != b->st_mtim.tv_sec)
		return a->st_mtim.tv_sec > b->st_mtim.tv_sec;
	return a->st_mtim.tv_nsec >= b->st_mtim.tv_nsec;
}

int ln_store_files_list(ln_store_files *out, ln_store *store, const char *under, ln_error *err)
{
	git_repository *repo = ln_store_repository(store);
	const char *prefix = ln_store_prefix(store);
	const char *dir = ln_store_dir(store);
	git_index *index = NULL;
	path_list work = { NULL, 0, 0 };
	char *under_slash = NULL;
	struct stat index_st;
	int have_index_st = 0, rc = LN_OK;
	size_t n, i, plen = strlen(prefix);

	out->items = NULL;
	out->count = 0;

	if (under && !safe_under(under)) {
		rc = ln_error_set(err, LN_EINVALID, "not a folder inside the notes folder");
		goto cleanup;
	}
	n = under ? strlen(under) : 0;
	while (n && under[n - 1] == '/')
		n--;
	under_slash = malloc(n + 2);
	if (!under_slash) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory listing notes");
		goto cleanup;
	}
	memcpy(under_slash, under ? under : "", n);
	under_slash[n] = '/';
	under_slash[n ? n + 1 : 0] = '\0';

	/* The index, re-read only when it changed on disk. */
	if (git_repository_index(&index, repo) < 0 || git_index_read(index, 0) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "cannot read the index");
		goto cleanup;
	}
	if (git_index_path(index) && stat(git_index_path(index), &index_st) == 0)
		have_index_st = 1;

	/* The working files. */
	rc = walk_dir(&work, dir, under_slash, 0, err);
	if (rc < 0)
		goto cleanup;
	if (work.count)
		qsort(work.items, work.count, sizeof(*work.items), by_work_path);

	out->items = calloc(work.count ? work.count : 1, sizeof(*out->items));
	if (!out->items) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory listing notes");
		goto cleanup;
	}
	for (i = 0; i < work.count; i++) {
		const char *path = work.items[i].path;
		const struct stat *st = &work.items[i].st;
		ln_store_file *f = &out->items[out->count];
		const git_index_entry *ie = NULL;
		int clean = 0;

		if (plen) {
			char *repo_path = join3(prefix, path, "");
			if (!repo_path) {
				rc = ln_error_set(err, LN_ENOMEM, "out of memory listing notes");
				goto cleanup;
			}
			ie = git_index_get_bypath(index, repo_path, 0);
			free(repo_path);
		} else {
			ie = git_index_get_bypath(index, path, 0);
		}
		if (ie && ie->file_size == (uint32_t)st->st_size &&
			(int64_t)ie->mtime.seconds == (int64_t)st->st_mtim.tv_sec &&
			ie->mtime.nanoseconds == (uint32_t)st->st_mtim.tv_nsec &&
			(!have_index_st || !stat_newer_or_equal(st, &index_st)))
			clean = 1;
		f->path = work.items[i].path;
		work.items[i].path = NULL;
		if (ie)
			git_oid_tostr(f->blob, sizeof(f->blob), &ie->id);
		else
			f->blob[0] = '\0';
		f->dirty = !clean;
		snprintf(f->stat, sizeof(f->stat), "%lld.%09ld:%lld", (long long)st->st_mtim.tv_sec,
			(long)st->st_mtim.tv_nsec, (long long)st->st_size);
		out->count++;
	}

cleanup:
	if (rc < 0)
		ln_store_files_free(out);
	for (i = 0; i < work.count; i++)
		free(work.items[i].path);
	free(work.items);
	git_index_free(index);
	free(under_slash);
	return rc;
}

void ln_store_files_free(ln_store_files *files)
{
	size_t i;

	if (!files)
		return;
	for (i = 0; files->items && i < files->count; i++)
		free(files->items[i].path);
	free(files->items);
	files->items = NULL;
	files->count = 0;
}
