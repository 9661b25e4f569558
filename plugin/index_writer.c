/* The git index file, written by us: the flusher's fast path.
 *
 * libgit2's git_index_write spends most of its time serialising entries
 * one by one through its file buffer and hashing them with its
 * collision-detecting SHA-1: about 12 ms for M's 20,000 entries and 60 ms
 * for L's 100,000, on every save (doc/performance.md). This writes the
 * same entries in git's version 2 format (version 3 when an entry carries
 * intent-to-add or skip-worktree) through one buffer, hashed by OpenSSL's
 * SHA-1, which uses the processor's SHA instructions.
 *
 * It writes no extension. The cache tree (TREE) is an optimisation git
 * rebuilds on its next `git commit`; libgit2 keeps it private, so it
 * cannot be carried over. Indexes this writer cannot reproduce whole are
 * left to libgit2: resolve-undo data (REUC), conflict names (NAME), and
 * version 4's compressed paths. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <git2/sys/index.h>

#include "index_writer.h"

#define INDEX_WRITER_BUFFER (256 * 1024)

typedef struct index_out {
	int fd;
	EVP_MD_CTX *sha;
	unsigned char *buf;
	size_t used;
	int failed; /* errno of the first failed write, else 0 */
} index_out;

static void index_out_flush(index_out *o)
{
	size_t off = 0;
	if (o->failed || o->used == 0)
		return;
	if (EVP_DigestUpdate(o->sha, o->buf, o->used) != 1) {
		o->failed = EIO;
		return;
	}
	while (off < o->used) {
		ssize_t w = write(o->fd, o->buf + off, o->used - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			o->failed = w < 0 ? errno : EIO;
			return;
		}
		off += (size_t)w;
	}
	o->used = 0;
}

/* Room for n more bytes in o->buf (n <= INDEX_WRITER_BUFFER). */
static unsigned char *index_out_room(index_out *o, size_t n)
{
	if (INDEX_WRITER_BUFFER - o->used < n)
		index_out_flush(o);
	return o->buf + o->used;
}

static unsigned char *put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	return p + 4;
}

static unsigned char *put_be16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
	return p + 2;
}

/* 1 when the index holds something this writer does not reproduce. */
static int index_writer_declines(git_index *idx)
{
	return git_index_version(idx) > 3 || git_index_reuc_entrycount(idx) > 0 || git_index_name_entrycount(idx) > 0;
}

/* One entry as git's read-cache.c lays it out: stat data, id, flags,
 * [extended flags], the path, then 1 to 8 NULs to a multiple of 8. */
static void index_out_entry(index_out *o, const git_index_entry *e)
{
	size_t len = strlen(e->path);
	uint16_t extended = e->flags_extended & GIT_INDEX_ENTRY_EXTENDED_FLAGS;
	size_t head = extended ? 64 : 62;
	size_t size = (head + len + 8) & ~(size_t)7;
	uint16_t flags = (uint16_t)(e->flags & (GIT_INDEX_ENTRY_VALID | GIT_INDEX_ENTRY_STAGEMASK));
	unsigned char *p;
	if (size > INDEX_WRITER_BUFFER) { /* a path git itself would refuse */
		o->failed = ENAMETOOLONG;
		return;
	}
	p = index_out_room(o, size);
	p = put_be32(p, (uint32_t)e->ctime.seconds);
	p = put_be32(p, e->ctime.nanoseconds);
	p = put_be32(p, (uint32_t)e->mtime.seconds);
	p = put_be32(p, e->mtime.nanoseconds);
	p = put_be32(p, e->dev);
	p = put_be32(p, e->ino);
	p = put_be32(p, e->mode);
	p = put_be32(p, e->uid);
	p = put_be32(p, e->gid);
	p = put_be32(p, e->file_size);
	memcpy(p, e->id.id, GIT_OID_RAWSZ);
	p += GIT_OID_RAWSZ;
	flags |= (uint16_t)(len < GIT_INDEX_ENTRY_NAMEMASK ? len : GIT_INDEX_ENTRY_NAMEMASK);
	if (extended)
		flags |= GIT_INDEX_ENTRY_EXTENDED;
	p = put_be16(p, flags);
	if (extended)
		p = put_be16(p, extended);
	memcpy(p, e->path, len);
	memset(p + len, 0, size - head - len);
	o->used += size;
}

int index_writer_write(git_index *idx, const char *path, int *declined)
{
	index_out o;
	size_t i, count = git_index_entrycount(idx);
	uint32_t version = 2;
	unsigned char digest[EVP_MAX_MD_SIZE], *p;
	unsigned int digest_len = 0;
	int rc = -1;

	*declined = index_writer_declines(idx);
	if (*declined)
		return 0;
	for (i = 0; i < count; i++)
		if (git_index_get_byindex(idx, i)->flags_extended & GIT_INDEX_ENTRY_EXTENDED_FLAGS)
			version = 3;
	memset(&o, 0, sizeof(o));
	o.fd = -1;
	o.buf = malloc(INDEX_WRITER_BUFFER);
	o.sha = EVP_MD_CTX_new();
	if (!o.buf || !o.sha) {
		errno = ENOMEM;
		goto cleanup;
	}
	if (EVP_DigestInit_ex(o.sha, EVP_sha1(), NULL) != 1) {
		errno = EIO;
		goto cleanup;
	}
	o.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (o.fd < 0)
		goto cleanup;
	p = index_out_room(&o, 12);
	memcpy(p, "DIRC", 4);
	put_be32(put_be32(p + 4, version), (uint32_t)count);
	o.used += 12;
	for (i = 0; i < count && !o.failed; i++)
		index_out_entry(&o, git_index_get_byindex(idx, i));
	index_out_flush(&o);
	if (!o.failed && EVP_DigestFinal_ex(o.sha, digest, &digest_len) != 1)
		o.failed = EIO;
	if (!o.failed) {
		memcpy(o.buf, digest, digest_len);
		o.used = digest_len;
		/* The trailer is not part of what it hashes: written directly. */
		if (write(o.fd, o.buf, o.used) != (ssize_t)o.used)
			o.failed = errno ? errno : EIO;
	}
	if (o.failed) {
		errno = o.failed;
		goto cleanup;
	}
	rc = close(o.fd);
	o.fd = -1;
cleanup:
	if (o.fd >= 0) {
		int saved = errno;
		close(o.fd);
		errno = saved;
	}
	if (rc < 0)
		unlink(path);
	EVP_MD_CTX_free(o.sha);
	free(o.buf);
	return rc;
}
