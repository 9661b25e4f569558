/* The people's folders and their digests (see include/leadnotes/folder_scan.h).
 *
 * One readdir per folder and one fstatat per entry, relative to the open
 * folder. The digest is two 64-bit FNV-1a hashes with different starting
 * values over the folder's name and, per regular file, its name and stat
 * fields as 8-byte little-endian integers, each hash finished with a
 * bit mixer. readdir's order is not stable across changes, so the files'
 * records are hashed in name order. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "leadnotes/folder_scan.h"

#define DEPTH_MAX 16 /* as the store's file list: folders below are not read */
#define SCAN_THREADS 2

typedef struct digest {
	uint64_t a, b;
} digest;

typedef struct file_record {
	char *name;
	struct stat st;
} file_record;

typedef struct file_list {
	file_record *items;
	size_t count, alloc;
} file_list;

static void digest_bytes(digest *d, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len; i++) {
		d->a = (d->a ^ p[i]) * 1099511628211ull;
		d->b = (d->b ^ p[i]) * 1099511628211ull;
	}
}

static void digest_u64(digest *d, uint64_t v)
{
	unsigned char le[8];
	int i;

	for (i = 0; i < 8; i++)
		le[i] = (unsigned char)(v >> (8 * i));
	digest_bytes(d, le, sizeof(le));
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const file_record *)a)->name, ((const file_record *)b)->name);
}

static int by_dir(const void *a, const void *b)
{
	return strcmp(((const ln_folder_state *)a)->dir, ((const ln_folder_state *)b)->dir);
}

/* 1 when the folder open at fd (at depth `depth`) holds a regular file at
 * any depth up to DEPTH_MAX; closes fd. */
static int holds_a_file(int fd, int depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	int found = 0;

	if (!d) {
		close(fd);
		return 0;
	}
	while (!found && (e = readdir(d)) != NULL) {
		struct stat st;
		if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(st.st_mode)) {
			found = 1;
		} else if (S_ISDIR(st.st_mode) && depth < DEPTH_MAX) {
			int child = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (child >= 0)
				found = holds_a_file(child, depth + 1);
		}
	}
	closedir(d);
	return found;
}

/* Reads the person's folder `name` (open at fd, which this closes) into
 * *state; *listed is 0 when it holds no file at all. */
static int scan_folder(ln_folder_state *state, int *listed, int fd, const char *name, long long racy_after,
                       file_list *files, ln_error *err)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	digest dg = { 14695981039346656037ull, 0x6c62272e07bb0142ull };
	int has_subfolder_file = 0, rc = LN_OK;
	size_t i;

	*listed = 0;
	files->count = 0;
	if (!d) {
		close(fd);
		return LN_OK; /* gone or unreadable since listed: not a person's folder now */
	}
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(st.st_mode)) {
			if (files->count == files->alloc) {
				size_t n = files->alloc ? files->alloc * 2 : 128;
				file_record *grown = realloc(files->items, n * sizeof(*grown));
				if (!grown) {
					rc = ln_error_set(err, LN_ENOMEM, "out of memory scanning the notes folder");
					goto cleanup;
				}
				files->items = grown;
				files->alloc = n;
			}
			files->items[files->count].name = ln__strdup(e->d_name);
			if (!files->items[files->count].name) {
				rc = ln_error_set(err, LN_ENOMEM, "out of memory scanning the notes folder");
				goto cleanup;
			}
			files->items[files->count].st = st;
			files->count++;
		} else if (S_ISDIR(st.st_mode) && !has_subfolder_file && !files->count) {
			int child = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (child >= 0)
				has_subfolder_file = holds_a_file(child, 2);
		}
	}
	if (!files->count && !has_subfolder_file)
		goto cleanup;
	qsort(files->items, files->count, sizeof(*files->items), by_name);
	digest_bytes(&dg, name, strlen(name) + 1);
	state->racy = 0;
	for (i = 0; i < files->count; i++) {
		const struct stat *st = &files->items[i].st;
		digest_bytes(&dg, files->items[i].name, strlen(files->items[i].name) + 1);
		digest_u64(&dg, (uint64_t)st->st_size);
		digest_u64(&dg, (uint64_t)st->st_ino);
		digest_u64(&dg, (uint64_t)st->st_mtim.tv_sec);
		digest_u64(&dg, (uint64_t)st->st_mtim.tv_nsec);
		digest_u64(&dg, (uint64_t)st->st_ctim.tv_sec);
		digest_u64(&dg, (uint64_t)st->st_ctim.tv_nsec);
		if ((long long)st->st_ctim.tv_sec >= racy_after || (long long)st->st_mtim.tv_sec >= racy_after)
			state->racy = 1;
	}
	snprintf(state->digest, sizeof(state->digest), "%016llx%016llx", (unsigned long long)mix(dg.a),
		(unsigned long long)mix(dg.b));
	state->files = files->count;
	state->dir = ln__strdup(name);
	if (!state->dir) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory scanning the notes folder");
		goto cleanup;
	}
	*listed = 1;
cleanup:
	for (i = 0; i < files->count; i++)
		free(files->items[i].name);
	files->count = 0;
	closedir(d);
	return rc;
}

/* The work of one thread: the folders i, i + step, i + 2 step... of the
 * candidates, each into its slot of states (listed[i] = 1 when it is a
 * person's folder). */
typedef struct scan_job {
	int root_fd;
	char **names;
	ln_folder_state *states;
	int *listed;
	size_t count, first, step;
	long long racy_after;
	int rc;
	ln_error err;
} scan_job;

static void *scan_part(void *arg)
{
	scan_job *job = arg;
	file_list files = { NULL, 0, 0 };
	size_t i;

	job->rc = LN_OK;
	for (i = job->first; i < job->count && job->rc == LN_OK; i += job->step) {
		int fd = openat(job->root_fd, job->names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue; /* gone since listed, or not a folder after all */
		job->rc = scan_folder(&job->states[i], &job->listed[i], fd, job->names[i], job->racy_after, &files,
			&job->err);
	}
	free(files.items);
	return NULL;
}

/* The names of the top-level folders that may be people's, into *names. */
static int list_candidates(char ***names, size_t *count, DIR *root, ln_error *err)
{
	struct dirent *e;
	size_t alloc = 0;

	*names = NULL;
	*count = 0;
	while ((e = readdir(root)) != NULL) {
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		/* d_type saves the stat of the top-level files; DT_UNKNOWN asks. */
		if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
			continue;
		if (e->d_type == DT_UNKNOWN &&
		    (fstatat(dirfd(root), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)))
			continue;
		if (*count == alloc) {
			size_t n = alloc ? alloc * 2 : 64;
			char **grown = realloc(*names, n * sizeof(*grown));
			if (!grown)
				return ln_error_set(err, LN_ENOMEM, "out of memory scanning the notes folder");
			*names = grown;
			alloc = n;
		}
		if (!((*names)[*count] = ln__strdup(e->d_name)))
			return ln_error_set(err, LN_ENOMEM, "out of memory scanning the notes folder");
		(*count)++;
	}
	return LN_OK;
}

int ln_folder_scan(ln_folder_states *out, const char *dir, long long racy_after, ln_error *err)
{
	DIR *root = NULL;
	char **names = NULL;
	int *listed = NULL;
	scan_job jobs[SCAN_THREADS];
	pthread_t threads[SCAN_THREADS];
	int started[SCAN_THREADS] = { 0 };
	size_t count = 0, nthreads, i, kept = 0;
	int rc = LN_OK;

	out->items = NULL;
	out->count = 0;
	if (!dir || !*dir)
		return ln_error_set(err, LN_EINVALID, "folder scan: no notes folder given");
	root = opendir(dir);
	if (!root)
		return ln_error_set(err, LN_EIO, "cannot list the notes folder %s: %s", dir, strerror(errno));
	if ((rc = list_candidates(&names, &count, root, err)) < 0)
		goto cleanup;
	out->items = calloc(count ? count : 1, sizeof(*out->items));
	listed = calloc(count ? count : 1, sizeof(*listed));
	if (!out->items || !listed) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory scanning the notes folder");
		goto cleanup;
	}
	/* The stat calls are most of the time (the kernel's name lookups):
	 * a second thread halves the wait on a machine with two cores. */
	nthreads = count >= 16 ? SCAN_THREADS : 1;
	for (i = 0; i < nthreads; i++) {
		jobs[i].root_fd = dirfd(root);
		jobs[i].names = names;
		jobs[i].states = out->items;
		jobs[i].listed = listed;
		jobs[i].count = count;
		jobs[i].first = i;
		jobs[i].step = nthreads;
		jobs[i].racy_after = racy_after;
		jobs[i].rc = LN_OK;
		if (i > 0)
			started[i] = pthread_create(&threads[i], NULL, scan_part, &jobs[i]) == 0;
	}
	/* A thread that could not start leaves its share to this one. */
	for (i = 1; i < nthreads; i++)
		if (!started[i])
			scan_part(&jobs[i]);
	scan_part(&jobs[0]);
	for (i = 1; i < nthreads; i++)
		if (started[i])
			pthread_join(threads[i], NULL);
	for (i = 0; i < nthreads; i++) {
		if (jobs[i].rc < 0) {
			rc = jobs[i].rc;
			if (err)
				*err = jobs[i].err;
			goto cleanup;
		}
	}
	/* Keep the people's folders, in order. */
	for (i = 0; i < count; i++) {
		if (listed[i])
			out->items[kept++] = out->items[i];
		else
			free(out->items[i].dir);
	}
	out->count = kept;
	if (out->count)
		qsort(out->items, out->count, sizeof(*out->items), by_dir);
cleanup:
	if (rc < 0) {
		/* Every slot may hold a name: free them all. */
		for (i = 0; out->items && i < count; i++)
			free(out->items[i].dir);
		free(out->items);
		out->items = NULL;
		out->count = 0;
	}
	for (i = 0; names && i < count; i++)
		free(names[i]);
	free(names);
	free(listed);
	closedir(root);
	return rc;
}

void ln_folder_states_free(ln_folder_states *states)
{
	size_t i;

	if (!states)
		return;
	for (i = 0; states->items && i < states->count; i++)
		free(states->items[i].dir);
	free(states->items);
	states->items = NULL;
	states->count = 0;
}
