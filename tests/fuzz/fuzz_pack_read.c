/* Fuzzes the pack reader of the first history call (plugin/pack_read.c):
 * git's pack index (version 2) and pack formats, zlib streams, and the
 * OFS and REF delta chains it resolves itself, with its cache.
 *
 * Input, first byte k:
 *
 * - k < 0x80, packs as they are: k % PR_MAX_PACKS + 1 pairs, each
 *       u32 big-endian n, n bytes of .idx, u32 big-endian m, m bytes of .pack
 *   (a length past the end takes what is left); the bytes after the last
 *   pair are extra ids to look up, 20 bytes each. Each part is copied into
 *   a buffer of its exact size and given to the reader in memory
 *   (pack_reader_add_buffers), so a read past a part's end is a heap
 *   overflow that ASan reports: in a mapped file it would go unseen.
 *
 * - k >= 0x80, a pack to build: entries, each
 *       h, u16 big-endian length n, [base], n bytes of payload
 *   with the type in h & 7 and a zlib level in (h >> 3) & 3. An OFS delta
 *   (6) has a byte b for its base: entry i - b when 1 <= b <= i, else b
 *   bytes back; a REF delta (7) a byte j: the id of entry j. The harness
 *   deflates each payload and writes a pack and its index (entry i has a
 *   made-up id), so the reader gets well-formed zlib streams and the
 *   fuzzer's mutations reach what is inside them, the delta instructions
 *   above all: in packs as they are, a mutated stream fails its checksum.
 *
 * Every id the indexes list is read, in order and then backwards (the
 * second pass meets the cache), then each listed id with its last byte
 * changed and the extra ids. Whatever the input, the reader must not
 * crash, leak or read out of bounds; LN_ENOTFOUND is its answer for
 * damage. Checked on every read: a found object has a git object type
 * (commit, tree, blob, tag), and the object returned by the read before
 * still holds the same bytes (pack_read.h: valid until the second read
 * after it). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>
#include <zlib.h>

#include "leadnotes/common.h"
#include "pack_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PR_MAX_PACKS 3
#define PR_MAX_EXTRA 16
#define PR_MAX_READS 4096 /* per pass over the listed ids */
#define PR_MAX_ENTRIES 64 /* in a pack the harness builds */
#define PR_IDX_HEADER (8 + 256 * 4)

typedef struct pr_state {
	pack_reader *r;
	/* a copy of the object the previous read returned, and where it lives */
	const char *prev;
	unsigned char *prev_copy;
	size_t prev_len, prev_alloc;
	size_t found;
} pr_state;

static void pr_fail(const char *what)
{
	fprintf(stderr, "fuzz_pack_read: %s\n", what);
	abort();
}

static uint32_t pr_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The next length-prefixed part of the input, copied into an exact-size
 * buffer (*out, freed by the caller; never NULL when 0 is returned). */
static int pr_take(unsigned char **out, size_t *len, const uint8_t **p, const uint8_t *end)
{
	size_t n;
	if (end - *p < 4)
		return -1;
	n = pr_be32(*p);
	*p += 4;
	if (n > (size_t)(end - *p))
		n = (size_t)(end - *p);
	*out = malloc(n ? n : 1);
	if (!*out)
		return -1;
	memcpy(*out, *p, n);
	*len = n;
	*p += n;
	return 0;
}

/* The object the read before returned must still be there, unchanged. */
static void pr_check_prev(const pr_state *s)
{
	if (s->prev && s->prev_len > 0 && memcmp(s->prev, s->prev_copy, s->prev_len) != 0)
		pr_fail("the previous object changed under the next read");
}

static void pr_read(pr_state *s, const unsigned char *raw)
{
	const char *obj;
	size_t len;
	git_object_t type;
	git_oid id;
	git_oid_fromraw(&id, raw);
	if (pack_reader_read(&obj, &len, &type, s->r, &id) != 0) {
		pr_check_prev(s);
		s->prev = NULL; /* the read after this one may reuse it */
		return;
	}
	if (type != GIT_OBJECT_COMMIT && type != GIT_OBJECT_TREE && type != GIT_OBJECT_BLOB && type != GIT_OBJECT_TAG)
		pr_fail("an object of no git type");
	if (len > 0 && obj == NULL)
		pr_fail("an object without bytes");
	pr_check_prev(s);
	if (len > s->prev_alloc) {
		unsigned char *np = realloc(s->prev_copy, len);
		if (!np) {
			s->prev = NULL;
			return;
		}
		s->prev_copy = np;
		s->prev_alloc = len;
	}
	if (len > 0)
		memcpy(s->prev_copy, obj, len);
	s->prev = obj;
	s->prev_len = len;
	s->found++;
}

/* Reads each id the index idx (len bytes, checked by the reader) lists,
 * in order, then backwards, then a few ids next to them. */
static void pr_read_listed(pr_state *s, const unsigned char *idx, size_t len)
{
	uint32_t count;
	size_t i;
	if (len < PR_IDX_HEADER + 40)
		return;
	count = pr_be32(idx + PR_IDX_HEADER - 4);
	if ((size_t)count * 28 > len - (PR_IDX_HEADER + 40))
		return;
	for (i = 0; i < count && i < PR_MAX_READS; i++)
		pr_read(s, idx + PR_IDX_HEADER + i * 20);
	for (i = count < PR_MAX_READS ? count : PR_MAX_READS; i-- > 0;)
		pr_read(s, idx + PR_IDX_HEADER + i * 20);
	/* ids next to the listed ones: a binary search that misses */
	for (i = 0; i < count && i < 8; i++) {
		unsigned char near[20];
		memcpy(near, idx + PR_IDX_HEADER + i * 20, 20);
		near[19] ^= 1;
		pr_read(s, near);
	}
}

/* The made-up id of entry i of a built pack: spread over the fan-out. */
static void pr_made_id(unsigned char *id, size_t i)
{
	memset(id, 0x5a, 20);
	id[0] = (unsigned char)(i * 97 + 13);
	id[1] = (unsigned char)(i >> 8);
	id[2] = (unsigned char)i;
}

typedef struct pr_out {
	unsigned char *ptr;
	size_t size, alloc;
	int failed;
} pr_out;

static unsigned char *pr_room(pr_out *o, size_t n)
{
	if (o->failed)
		return NULL;
	if (o->alloc - o->size < n) {
		size_t na = (o->size + n) * 2;
		unsigned char *np = realloc(o->ptr, na);
		if (!np) {
			o->failed = 1;
			return NULL;
		}
		o->ptr = np;
		o->alloc = na;
	}
	o->size += n;
	return o->ptr + o->size - n;
}

static void pr_put(pr_out *o, const void *p, size_t n)
{
	unsigned char *at = pr_room(o, n);
	if (at && n)
		memcpy(at, p, n);
}

static void pr_put32(pr_out *o, uint32_t v)
{
	unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
		(unsigned char)v};
	pr_put(o, b, 4);
}

/* Shrinks o's buffer to its size, so that ASan bounds it exactly. */
static unsigned char *pr_exact(pr_out *o)
{
	unsigned char *p;
	if (o->failed)
		return NULL;
	p = realloc(o->ptr, o->size ? o->size : 1);
	if (p)
		o->ptr = p;
	return o->ptr;
}

/* Builds a pack and its index from the entries described at p (see the
 * top of this file) into *pack and *idx: 0, or -1 when out of memory. */
static int pr_build(pr_out *pack, pr_out *idx, const uint8_t *p, const uint8_t *end)
{
	uint64_t offsets[PR_MAX_ENTRIES];
	unsigned char ids[PR_MAX_ENTRIES][20], *z = NULL;
	size_t n = 0, i, k, order[PR_MAX_ENTRIES];
	uint32_t fan[256];
	static const int levels[4] = {0, 1, 6, 9};
	pr_put(pack, "PACK", 4);
	pr_put32(pack, 2);
	pr_put32(pack, 0); /* the count, once known */
	while (n < PR_MAX_ENTRIES && end - p >= 3) {
		unsigned h = p[0], type = h & 7;
		size_t len = (size_t)p[1] << 8 | p[2];
		uLongf zlen;
		unsigned char *nz;
		unsigned char head[16];
		size_t nh = 0;
		uint64_t sz;
		p += 3;
		offsets[n] = pack->size;
		pr_made_id(ids[n], n);
		if (type == 6 || type == 7) {
			if (p >= end)
				break;
		}
		/* type and size: 4 bits, then 7 a byte */
		sz = len > (size_t)(end - p) - (type >= 6) ? (size_t)(end - p) - (type >= 6) : len;
		len = (size_t)sz;
		head[nh++] = (unsigned char)(type << 4 | (sz & 15) | (sz >> 4 ? 0x80 : 0));
		for (sz >>= 4; sz; sz >>= 7)
			head[nh++] = (unsigned char)((sz & 0x7f) | (sz >> 7 ? 0x80 : 0));
		pr_put(pack, head, nh);
		if (type == 6) {
			/* git's offset encoding: base 128, each more byte one more */
			unsigned char b = *p++, enc[10];
			uint64_t back = b >= 1 && b <= n ? offsets[n] - offsets[n - b] : b;
			size_t at = sizeof(enc) - 1;
			enc[at] = back & 0x7f;
			while (back >>= 7)
				enc[--at] = (unsigned char)(0x80 | (--back & 0x7f));
			pr_put(pack, enc + at, sizeof(enc) - at);
		} else if (type == 7) {
			unsigned char base[20];
			pr_made_id(base, *p++);
			pr_put(pack, base, 20);
		}
		zlen = compressBound((uLong)len);
		if ((nz = realloc(z, zlen)) == NULL ||
		    compress2(nz, &zlen, p, (uLong)len, levels[(h >> 3) & 3]) != Z_OK) {
			free(nz ? nz : z);
			return -1;
		}
		z = nz;
		pr_put(pack, z, zlen);
		p += len;
		n++;
	}
	free(z);
	if (pack->failed)
		return -1;
	pack->ptr[8] = (unsigned char)(n >> 24);
	pack->ptr[9] = (unsigned char)(n >> 16);
	pack->ptr[10] = (unsigned char)(n >> 8);
	pack->ptr[11] = (unsigned char)n;
	pr_put(pack, "pack checksum, unread", 20);

	/* the index: ids sorted (insertion sort: at most 64), fan-out, ids,
	 * CRCs (unread), offsets, the pack's checksum and its own */
	for (i = 0; i < n; i++) {
		for (k = i; k > 0 && memcmp(ids[order[k - 1]], ids[i], 20) > 0; k--)
			order[k] = order[k - 1];
		order[k] = i;
	}
	memset(fan, 0, sizeof(fan));
	for (i = 0; i < n; i++)
		for (k = ids[i][0]; k < 256; k++)
			fan[k]++;
	pr_put(idx, "\377tOc\0\0\0\2", 8);
	for (k = 0; k < 256; k++)
		pr_put32(idx, fan[k]);
	for (i = 0; i < n; i++)
		pr_put(idx, ids[order[i]], 20);
	for (i = 0; i < n; i++)
		pr_put32(idx, 0);
	for (i = 0; i < n; i++)
		pr_put32(idx, (uint32_t)offsets[order[i]]);
	pr_put(idx, "pack checksum, unread", 20);
	pr_put(idx, "index checksum, too", 20);
	if (!pr_exact(pack) || !pr_exact(idx))
		return -1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *parts[2 * PR_MAX_PACKS];
	size_t lens[2 * PR_MAX_PACKS], nparts = 0, npacks = 0, want, i;
	const uint8_t *p = data, *end = data + size;
	pr_state s;
	ln_error err;

	memset(&s, 0, sizeof(s));
	if (size < 1)
		return 0;
	/* An empty folder: a reader with no packs of its own. */
	if (pack_reader_open(&s.r, "/nonexistent/leadnotes-fuzz/", &err) != 0)
		return 0;
	if (*p & 0x80) {
		pr_out pack = {NULL, 0, 0, 0}, idx = {NULL, 0, 0, 0};
		if (pr_build(&pack, &idx, p + 1, end) == 0 &&
		    pack_reader_add_buffers(s.r, idx.ptr, idx.size, pack.ptr, pack.size) == 0)
			pr_read_listed(&s, idx.ptr, idx.size);
		pack_reader_free(s.r);
		free(s.prev_copy);
		free(pack.ptr);
		free(idx.ptr);
		return 0;
	}
	want = (size_t)(*p++ % PR_MAX_PACKS) + 1;
	while (npacks < want) {
		if (pr_take(&parts[nparts], &lens[nparts], &p, end) < 0)
			break;
		nparts++;
		if (pr_take(&parts[nparts], &lens[nparts], &p, end) < 0)
			break;
		nparts++;
		npacks++;
		/* a refused pair is one the reader never looks at again */
		(void)pack_reader_add_buffers(s.r, parts[nparts - 2], lens[nparts - 2], parts[nparts - 1],
			lens[nparts - 1]);
	}
	/* Only a pair the reader took has a well-formed table; the ids are
	 * read from our copy. */
	for (i = 0; i < 2 * npacks; i += 2)
		pr_read_listed(&s, parts[i], lens[i]);
	for (i = 0; i < PR_MAX_EXTRA && end - p >= 20; i++, p += 20)
		pr_read(&s, p);

	pack_reader_free(s.r);
	free(s.prev_copy);
	for (i = 0; i < nparts; i++)
		free(parts[i]);
	return 0;
}
