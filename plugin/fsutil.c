/* leadnotes: the one home of jobs several C components share: copying a
 * string, replacing a file atomically, making folders, and turning
 * libgit2's last error into an ln_error. See fsutil.h. */
#include "fsutil.h"

#include <git2.h>
#include <openssl/evp.h>
#include <utf8proc.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FS_LOCK_TIMEOUT_MS 5000

char *ln__strdup(const char *s)
{
	size_t n;
	char *copy;
	if (!s)
		return NULL;
	n = strlen(s) + 1;
	copy = malloc(n);
	if (copy)
		memcpy(copy, s, n);
	return copy;
}

char *ln__strndup(const char *s, size_t n)
{
	char *copy = malloc(n + 1);
	if (copy) {
		if (n)
			memcpy(copy, s, n);
		copy[n] = '\0';
	}
	return copy;
}

void *ln__array_grow(void *items, size_t *alloc, size_t count, size_t size, size_t first)
{
	size_t n;
	void *grown;
	if (count < *alloc)
		return items;
	n = *alloc ? *alloc * 2 : (first ? first : 1);
	if (n < *alloc || n > (size_t)-1 / size)
		return NULL;
	grown = realloc(items, n * size);
	if (grown)
		*alloc = n;
	return grown;
}

uint64_t ln__fnv1a(uint64_t h, const void *data, size_t n, int bits)
{
	const unsigned char *p = data;
	size_t i;
	for (i = 0; i < n; i++) {
		h ^= p[i];
		h = bits == 32 ? (uint32_t)(h * 16777619u) : h * 1099511628211ull;
	}
	return h;
}

/* Writes all len bytes of data to fd, retrying short writes and EINTR;
 * 0, or -1 with errno set. */
int ln__write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int ln__fs_write_atomic(const char *path, const void *data, size_t len, unsigned mode, ln_error *err)
{
	const char *slash = strrchr(path, '/');
	size_t head = slash ? (size_t)(slash - path) + 1 : 0, size = strlen(path) + sizeof(".tmp-XXXXXX") + 1;
	char *tmp = malloc(size);
	int fd = -1, created = 0, rc = LN_OK;

	if (!tmp)
		return ln_error_set(err, LN_ENOMEM, "cannot write %s: out of memory", path);
	/* A hidden temporary in the same folder, so the rename stays on one
	 * file system: "<folder>/.<name>.tmp-XXXXXX". */
	snprintf(tmp, size, "%.*s.%s.tmp-XXXXXX", (int)head, path, path + head);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = ln_error_set(err, LN_EIO, "cannot write next to %s: %s", path, strerror(errno));
		goto cleanup;
	}
	created = 1;
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (fchmod(fd, (mode_t)mode) != 0 || ln__write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		rc = ln_error_set(err, LN_EIO, "cannot write %s: %s", path, strerror(errno));
		goto cleanup;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = ln_error_set(err, LN_EIO, "cannot write %s: %s", path, strerror(errno));
		goto cleanup;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		rc = ln_error_set(err, LN_EIO, "cannot replace %s: %s", path, strerror(errno));
cleanup:
	if (fd >= 0)
		close(fd);
	if (rc != LN_OK && created)
		(void)unlink(tmp);
	free(tmp);
	return rc;
}

/* mkdir with mode 0700 of path, which may exist already (as a folder). */
static int fs_make_one(const char *path, ln_error *err)
{
	struct stat st;
	if (mkdir(path, 0700) == 0)
		return LN_OK;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return LN_OK;
	if (errno == EEXIST)
		return ln_error_set(err, LN_EIO, "cannot create folder %s: a file of that name is in the way", path);
	return ln_error_set(err, LN_EIO, "cannot create folder %s: %s", path, strerror(errno));
}

/* Creates every folder of path that ends before a '/' at or after from,
 * and path itself when whole is set. path is modified and put back. */
static int fs_make_along(char *path, size_t from, int whole, ln_error *err)
{
	size_t i;
	for (i = from; path[i]; i++) {
		int rc;
		if (path[i] != '/' || i == 0 || path[i - 1] == '/')
			continue;
		path[i] = '\0';
		rc = fs_make_one(path, err);
		path[i] = '/';
		if (rc < 0)
			return rc;
	}
	if (whole && i > 0 && path[i - 1] != '/')
		return fs_make_one(path, err);
	return LN_OK;
}

int ln__fs_make_parents(const char *dir, const char *rel, ln_error *err)
{
	size_t dlen = strlen(dir), rlen = strlen(rel);
	char *path = malloc(dlen + rlen + 2);
	int rc;

	if (!path)
		return ln_error_set(err, LN_ENOMEM, "cannot create the folders of %s: out of memory", rel);
	memcpy(path, dir, dlen);
	path[dlen] = '/';
	memcpy(path + dlen + 1, rel, rlen + 1);
	rc = fs_make_along(path, dlen + 1, 0, err);
	free(path);
	return rc;
}

int ln__fs_make_dirs(const char *path, ln_error *err)
{
	char *copy = ln__strdup(path);
	int rc;

	if (!copy)
		return ln_error_set(err, LN_ENOMEM, "cannot create folder %s: out of memory", path);
	rc = fs_make_along(copy, 0, 1, err);
	free(copy);
	return rc;
}

size_t ln__utf8_decode(const char *s, size_t n, uint32_t *cp)
{
	utf8proc_int32_t c;
	utf8proc_ssize_t len;
	if (n == 0)
		return 0;
	len = utf8proc_iterate((const utf8proc_uint8_t *)s, n > 4 ? 4 : (utf8proc_ssize_t)n, &c);
	if (len <= 0)
		return 0;
	*cp = (uint32_t)c;
	return (size_t)len;
}

long ln__lock_timeout_ms(void)
{
	const char *env = getenv("LEADNOTES_LOCK_TIMEOUT_MS");
	if (env && *env) {
		long v = strtol(env, NULL, 10);
		if (v >= 0)
			return v;
	}
	return FS_LOCK_TIMEOUT_MS;
}

long long ln__now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ln__backoff(int attempt)
{
	long ms = 1L << (attempt < 7 ? (attempt < 0 ? 0 : attempt) : 7);
	struct timespec ts;
	if (ms > 100)
		ms = 100;
	ts.tv_sec = 0;
	ts.tv_nsec = ms * 1000000L;
	nanosleep(&ts, NULL);
}

int ln__flock_wait(int fd, const char *path, long timeout_ms, ln_error *err)
{
	long long deadline = ln__now_ms() + timeout_ms;
	int attempt = 0;
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return ln_error_set(err, LN_EIO, "cannot lock %s: %s", path, strerror(errno));
		if (ln__now_ms() >= deadline)
			return ln_error_set(err, LN_ELOCKED, "repository is locked: another leadnotes is saving or syncing "
				"(%s); try again", path);
		ln__backoff(attempt++);
	}
	return LN_OK;
}

int ln__lock_open(const char *path, long timeout_ms, ln_error *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600), rc;
	if (fd < 0)
		return ln_error_set(err, LN_EIO, "cannot open %s: %s", path, strerror(errno));
	if ((rc = ln__flock_wait(fd, path, timeout_ms, err)) < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

int ln__error_from_git(ln_error *err, int git_rc, const char *what)
{
	const git_error *e = git_error_last();
	int code;

	switch (git_rc) {
	case GIT_ENOTFOUND:
		code = LN_ENOTFOUND;
		break;
	case GIT_EEXISTS:
		code = LN_EEXISTS;
		break;
	case GIT_ELOCKED:
		code = LN_ELOCKED;
		break;
	case GIT_EINVALIDSPEC:
		code = LN_EINVALID;
		break;
	default:
		if (e && e->klass == GIT_ERROR_NOMEMORY)
			code = LN_ENOMEM;
		else if (e && e->klass == GIT_ERROR_OS)
			code = LN_EIO;
		else
			code = LN_ERROR;
		break;
	}
	return ln_error_set(err, code, "%s: %s", what, e && e->message ? e->message : "libgit2 failed");
}

uint32_t ln__be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* SHA-1 as OpenSSL 3 implements it, looked up once: EVP_sha1() makes
 * each digest look the implementation up again (a tenth of a small save). */
static EVP_MD *fs_sha1_md;
static pthread_once_t fs_sha1_once = PTHREAD_ONCE_INIT;

static void fs_sha1_fetch(void)
{
	fs_sha1_md = EVP_MD_fetch(NULL, "SHA1", NULL);
}

int ln__sha1(unsigned char out[20], const void *a, size_t alen, const void *b, size_t blen)
{
	unsigned int len = 0;
	EVP_MD_CTX *sha;
	int ok;
	pthread_once(&fs_sha1_once, fs_sha1_fetch);
	sha = EVP_MD_CTX_new();
	ok = sha && EVP_DigestInit_ex(sha, fs_sha1_md ? fs_sha1_md : EVP_sha1(), NULL) == 1 &&
		EVP_DigestUpdate(sha, a, alen) == 1 && (blen == 0 || EVP_DigestUpdate(sha, b, blen) == 1) &&
		EVP_DigestFinal_ex(sha, out, &len) == 1 && len == 20;
	EVP_MD_CTX_free(sha);
	return ok ? 0 : -1;
}

int ln__git_blob_id(char out[41], const char *data, size_t len)
{
	char header[32];
	unsigned char digest[20];
	int header_len = snprintf(header, sizeof(header), "blob %zu", len), i;
	if (ln__sha1(digest, header, (size_t)header_len + 1, data, len) < 0)
		return -1;
	for (i = 0; i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
	return 0;
}
