/* Fuzzes the pack reader of the first history call (plugin/pack_read.c):
 * git's pack index (version 2) and pack formats, zlib streams, and the
 * OFS and REF delta chains it resolves itself, with its cache.
 *
 * Input: a byte k, then k % PR_MAX_PACKS + 1 pairs, each
 *     u32 big-endian n, n bytes of .idx, u32 big-endian m, m bytes of .pack
 * (a length past the end takes what is left); the bytes after the last pair
 * are extra ids to look up, 20 bytes each. Each part is copied into a
 * buffer of its exact size and given to the reader in memory
 * (ln_pack_reader_add_buffers), so a read past a part's end is a heap
 * overflow that ASan reports: in a mapped file it would go unseen.
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

#include "leadnotes/common.h"
#include "pack_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PR_MAX_PACKS 3
#define PR_MAX_EXTRA 16
#define PR_MAX_READS 4096 /* per pass over the listed ids */

typedef struct pr_state {
	ln_pack_reader *r;
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
	if (ln_pack_reader_read(&obj, &len, &type, s->r, &id) != 0) {
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *parts[2 * PR_MAX_PACKS];
	size_t lens[2 * PR_MAX_PACKS], nparts = 0, npacks = 0, want, i, k;
	const uint8_t *p = data, *end = data + size;
	pr_state s;
	ln_error err;

	memset(&s, 0, sizeof(s));
	if (size < 1)
		return 0;
	want = (size_t)(*p++ % PR_MAX_PACKS) + 1;
	/* An empty folder: a reader with no packs of its own. */
	if (ln_pack_reader_open(&s.r, "/nonexistent/leadnotes-fuzz/", &err) != 0)
		return 0;
	while (npacks < want) {
		if (pr_take(&parts[nparts], &lens[nparts], &p, end) < 0)
			break;
		nparts++;
		if (pr_take(&parts[nparts], &lens[nparts], &p, end) < 0)
			break;
		nparts++;
		npacks++;
		/* a refused pair is one the reader never looks at again */
		(void)ln_pack_reader_add_buffers(s.r, parts[nparts - 2], lens[nparts - 2], parts[nparts - 1],
			lens[nparts - 1]);
	}

	/* Each id the indexes list, in order, then backwards. Only a pair the
	 * reader took has a well-formed table; ids are read from our copy. */
	for (k = 0; k < 2 * npacks; k += 2) {
		const unsigned char *idx = parts[k];
		uint32_t count;
		if (lens[k] < 8 + 256 * 4 + 40)
			continue;
		count = pr_be32(idx + 8 + 255 * 4);
		if ((size_t)count * 28 > lens[k] - (8 + 256 * 4 + 40))
			continue;
		for (i = 0; i < count && i < PR_MAX_READS; i++)
			pr_read(&s, idx + 8 + 256 * 4 + i * 20);
		for (i = count < PR_MAX_READS ? count : PR_MAX_READS; i-- > 0;)
			pr_read(&s, idx + 8 + 256 * 4 + i * 20);
		/* ids next to the listed ones: a binary search that misses */
		for (i = 0; i < count && i < 8; i++) {
			unsigned char near[20];
			memcpy(near, idx + 8 + 256 * 4 + i * 20, 20);
			near[19] ^= 1;
			pr_read(&s, near);
		}
	}
	for (i = 0; i < PR_MAX_EXTRA && end - p >= 20; i++, p += 20)
		pr_read(&s, p);

	ln_pack_reader_free(s.r);
	free(s.prev_copy);
	for (i = 0; i < nparts; i++)
		free(parts[i]);
	return 0;
}
