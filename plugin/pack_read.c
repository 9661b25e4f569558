/* leadnotes: a reader of a repository's packs for one long walk.
 *
 * The first history call reads every commit and every root tree of the
 * history once (history.c). Through libgit2 each of those reads costs
 * more than its inflate: a zlib stream set up and torn down (two
 * allocations, one of 32 KB), the object hashed again to verify it, a copy
 * kept in the repository's object cache, and the deltas' bases kept in the
 * pack's cache. On a first call in a fresh process that memory is new to
 * the process, and faulting it in was a fifth of the call at S. git itself
 * does less per object, which is why `git log -- <dir>` was faster.
 *
 * This reader does what a walk needs and no more: it maps each pack and
 * its index (version 2) once, inflates with one zlib stream that it resets
 * (an inflate that ends in one call needs no window), resolves delta
 * chains itself, and keeps the objects it made in a small cache by pack
 * offset, so that a chain of trees, each a delta on the next, is resolved
 * one step per tree. It trusts the packs as git does: zlib's checksum and
 * the pack's bounds are checked, an object's hash is not recomputed.
 *
 * It never reports damage itself: whatever it cannot find or decode it
 * answers with LN_ENOTFOUND, and the caller asks libgit2, which reads the
 * object (loose, in another object database, in an older pack format) or
 * says precisely what is wrong. */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZLIB_CONST
#include <zlib.h>

#include "leadnotes/buf.h"
#include "fsutil.h"
#include "pack_read.h"

#define PACK_SETS 64      /* the cache: PACK_SETS x PACK_WAYS objects */
#define PACK_WAYS 2
#define PACK_MAX_CHAIN 10000 /* git makes chains of at most 4095 */
#define PACK_MAX_OBJECT ((size_t)1 << 30)
#define PACK_IDX_HEADER (8 + 256 * 4)

enum { OBJ_OFS_DELTA = 6, OBJ_REF_DELTA = 7 };

typedef struct pack_bytes {
	unsigned char *ptr;
	size_t size, alloc;
} pack_bytes;

typedef struct pack_file {
	const unsigned char *idx, *data; /* mapped, or borrowed when !mapped */
	size_t idx_len, data_len;
	uint32_t count;
	size_t nlarge; /* 8-byte offsets after the 4-byte ones */
	int mapped;
} pack_file;

typedef struct pack_slot {
	size_t pack;
	uint64_t offset;
	git_object_t type;
	pack_bytes obj;
	unsigned long used; /* 0: empty */
} pack_slot;

/* One step of a chain being resolved: a delta entry and where its data starts. */
typedef struct pack_step {
	size_t pack;
	uint64_t offset, data_at;
	size_t size;
} pack_step;

struct pack_reader {
	pack_file *packs;
	size_t npacks, apacks;
	z_stream zs;
	int zs_ready;
	pack_slot slots[PACK_SETS * PACK_WAYS];
	unsigned long clock;
	pack_slot *pinned; /* the last object returned: not evicted by the next read */
	pack_bytes scratch, delta;
	pack_step *chain;
	size_t achain;
};

static int bytes_reserve(pack_bytes *b, size_t n)
{
	unsigned char *p;
	if (n == 0)
		n = 1; /* zlib wants somewhere to write even nothing */
	if (n <= b->alloc)
		return 0;
	p = realloc(b->ptr, n);
	if (!p)
		return -1;
	b->ptr = p;
	b->alloc = n;
	return 0;
}

static const unsigned char *map_file(size_t *len, const char *path)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || st.st_size <= 0) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	*len = (size_t)st.st_size;
	return p;
}

/* Checks that p->idx is an index (version 2) and p->data the pack it was
 * made for, and reads the index's counts: 0, or -1 when they cannot be used. */
static int pack_check(pack_file *p)
{
	size_t tables;
	if (p->idx_len < PACK_IDX_HEADER + 40 || memcmp(p->idx, "\377tOc\0\0\0\2", 8) != 0)
		return -1; /* version 1 indexes are left to libgit2 */
	p->count = ln__be32(p->idx + PACK_IDX_HEADER - 4);
	tables = (size_t)p->count * (20 + 4 + 4);
	if (p->idx_len - PACK_IDX_HEADER - 40 < tables)
		return -1;
	p->nlarge = (p->idx_len - PACK_IDX_HEADER - 40 - tables) / 8;
	/* the pack must be the one the index was made for */
	if (p->data_len < 12 + 20 || memcmp(p->data, "PACK", 4) != 0 ||
	    (ln__be32(p->data + 4) != 2 && ln__be32(p->data + 4) != 3) || ln__be32(p->data + 8) != p->count ||
	    memcmp(p->data + p->data_len - 20, p->idx + p->idx_len - 40, 20) != 0)
		return -1;
	return 0;
}

/* Maps the index `name` (pack-<hash>.idx) in folder dir and its pack; 0,
 * or -1 when they cannot be used (then nothing stays mapped). */
static int pack_open(pack_file *p, const char *dir, const char *name)
{
	ln_buf path = LN_BUF_INIT;
	memset(p, 0, sizeof(*p));
	if (ln_buf_printf(&path, "%s%s", dir, name) < 0)
		return -1;
	p->idx = map_file(&p->idx_len, path.ptr);
	if (!p->idx)
		goto fail;
	path.size -= 3; /* "idx" -> "pack" */
	ln_buf_puts(&path, "pack");
	if (ln_buf_failed(&path))
		goto fail;
	p->data = map_file(&p->data_len, path.ptr);
	if (!p->data || pack_check(p) < 0)
		goto fail;
	p->mapped = 1;
	ln_buf_free(&path);
	return 0;
fail:
	if (p->data)
		munmap((void *)(uintptr_t)p->data, p->data_len);
	if (p->idx)
		munmap((void *)(uintptr_t)p->idx, p->idx_len);
	memset(p, 0, sizeof(*p));
	ln_buf_free(&path);
	return -1;
}

/* Biggest first: most objects are found in the first pack asked. */
static int pack_cmp(const void *a, const void *b)
{
	const pack_file *x = a, *y = b;
	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

/* One more slot in r->packs: 0, or -1 when out of memory. */
static int packs_grow(pack_reader *r)
{
	size_t na = r->apacks ? r->apacks * 2 : 4;
	pack_file *np;
	if (r->npacks < r->apacks)
		return 0;
	np = realloc(r->packs, na * sizeof(*np));
	if (!np)
		return -1;
	r->packs = np;
	r->apacks = na;
	return 0;
}

int pack_reader_open(pack_reader **out, const char *objects_dir, ln_error *err)
{
	pack_reader *r = calloc(1, sizeof(*r));
	ln_buf dir = LN_BUF_INIT;
	DIR *d = NULL;
	struct dirent *de;
	*out = NULL;
	if (!r || ln_buf_printf(&dir, "%spack/", objects_dir) < 0) {
		free(r);
		ln_buf_free(&dir);
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	}
	if (inflateInit(&r->zs) == Z_OK) {
		r->zs_ready = 1;
		d = opendir(dir.ptr);
	}
	while (d && (de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (n < 9 || strncmp(de->d_name, "pack-", 5) != 0 || strcmp(de->d_name + n - 4, ".idx") != 0)
			continue;
		if (packs_grow(r) < 0)
			break; /* the packs found so far still serve */
		if (pack_open(&r->packs[r->npacks], dir.ptr, de->d_name) == 0)
			r->npacks++;
	}
	if (d)
		closedir(d);
	ln_buf_free(&dir);
	if (r->npacks > 1)
		qsort(r->packs, r->npacks, sizeof(*r->packs), pack_cmp);
	*out = r;
	return 0;
}

int pack_reader_add_buffers(pack_reader *r, const unsigned char *idx, size_t idx_len, const unsigned char *data,
	size_t data_len)
{
	pack_file *p;
	if (packs_grow(r) < 0)
		return LN_ENOMEM;
	p = &r->packs[r->npacks];
	memset(p, 0, sizeof(*p));
	p->idx = idx;
	p->idx_len = idx_len;
	p->data = data;
	p->data_len = data_len;
	if (pack_check(p) < 0)
		return LN_EINVALID;
	r->npacks++;
	qsort(r->packs, r->npacks, sizeof(*r->packs), pack_cmp);
	return 0;
}

void pack_reader_free(pack_reader *r)
{
	size_t i;
	if (!r)
		return;
	for (i = 0; i < r->npacks; i++) {
		if (!r->packs[i].mapped)
			continue;
		munmap((void *)(uintptr_t)r->packs[i].data, r->packs[i].data_len);
		munmap((void *)(uintptr_t)r->packs[i].idx, r->packs[i].idx_len);
	}
	free(r->packs);
	for (i = 0; i < PACK_SETS * PACK_WAYS; i++)
		free(r->slots[i].obj.ptr);
	if (r->zs_ready)
		inflateEnd(&r->zs);
	free(r->scratch.ptr);
	free(r->delta.ptr);
	free(r->chain);
	free(r);
}

/* Where object id starts in some pack: 0, or -1 when in none. */
static int pack_find(size_t *pack, uint64_t *offset, const pack_reader *r, const git_oid *id)
{
	size_t k;
	for (k = 0; k < r->npacks; k++) {
		const pack_file *p = &r->packs[k];
		const unsigned char *fan = p->idx + 8, *ids = p->idx + PACK_IDX_HEADER;
		uint32_t lo = id->id[0] ? ln__be32(fan + 4 * (id->id[0] - 1)) : 0, hi = ln__be32(fan + 4 * id->id[0]);
		if (hi > p->count || lo > hi)
			continue;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			int c = memcmp(ids + (size_t)mid * 20, id->id, 20);
			if (c < 0) {
				lo = mid + 1;
			} else if (c > 0) {
				hi = mid;
			} else {
				const unsigned char *offs = ids + (size_t)p->count * 24;
				uint64_t o = ln__be32(offs + (size_t)mid * 4);
				if (o & 0x80000000u) {
					const unsigned char *big = offs + (size_t)p->count * 4;
					size_t i = (size_t)(o & 0x7fffffffu);
					if (i >= p->nlarge)
						return -1;
					o = (uint64_t)ln__be32(big + i * 8) << 32 | ln__be32(big + i * 8 + 4);
				}
				if (o < 12 || o >= p->data_len - 20)
					return -1;
				*pack = k;
				*offset = o;
				return 0;
			}
		}
	}
	return -1;
}

/* The first slot of the set (pack, offset) belongs to. */
static size_t cache_set(size_t pack, uint64_t offset)
{
	return (size_t)(((offset + pack) * 0x9e3779b97f4a7c15ull) >> 40) % PACK_SETS * PACK_WAYS;
}

static pack_slot *cache_find(pack_reader *r, size_t pack, uint64_t offset)
{
	size_t set = cache_set(pack, offset), w;
	for (w = 0; w < PACK_WAYS; w++) {
		pack_slot *s = &r->slots[set + w];
		if (s->used && s->pack == pack && s->offset == offset)
			return s;
	}
	return NULL;
}

/* Files the object in r->scratch under (pack, offset): its buffer is
 * swapped with the evicted slot's, which becomes the new scratch. The
 * pinned slot is never evicted. */
static pack_slot *cache_put(pack_reader *r, size_t pack, uint64_t offset, git_object_t type)
{
	size_t set = cache_set(pack, offset), w;
	pack_slot *victim = NULL;
	pack_bytes tmp;
	for (w = 0; w < PACK_WAYS; w++) {
		pack_slot *s = &r->slots[set + w];
		if (s == r->pinned)
			continue;
		if (!victim || s->used < victim->used)
			victim = s;
	}
	tmp = victim->obj;
	victim->obj = r->scratch;
	r->scratch = tmp;
	r->scratch.size = 0;
	victim->pack = pack;
	victim->offset = offset;
	victim->type = type;
	victim->used = ++r->clock;
	return victim;
}

/* Parses the entry header at *at: type and inflated size; *at moves past
 * it (and past a delta's base reference, into *base_*). -1 when malformed. */
static int entry_header(int *type, size_t *size, uint64_t *base_offset, git_oid *base_id, const pack_file *p,
	uint64_t offset, uint64_t *at)
{
	const unsigned char *d = p->data;
	uint64_t end = p->data_len - 20, pos = offset, sz;
	unsigned shift = 4;
	unsigned char c;
	if (pos >= end)
		return -1;
	c = d[pos++];
	*type = (c >> 4) & 7;
	sz = c & 15;
	while (c & 0x80) {
		if (pos >= end || shift > 57)
			return -1;
		c = d[pos++];
		sz |= (uint64_t)(c & 0x7f) << shift;
		shift += 7;
	}
	if (sz > PACK_MAX_OBJECT)
		return -1;
	*size = (size_t)sz;
	if (*type == OBJ_OFS_DELTA) {
		uint64_t back;
		if (pos >= end)
			return -1;
		c = d[pos++];
		back = c & 0x7f;
		while (c & 0x80) {
			if (pos >= end || back >= (UINT64_MAX >> 7) - 1)
				return -1;
			c = d[pos++];
			back = ((back + 1) << 7) | (c & 0x7f);
		}
		if (back == 0 || back > offset)
			return -1;
		*base_offset = offset - back;
	} else if (*type == OBJ_REF_DELTA) {
		if (end - pos < 20)
			return -1;
		git_oid_fromraw(base_id, d + pos);
		pos += 20;
	} else if (*type < GIT_OBJECT_COMMIT || *type > GIT_OBJECT_TAG) {
		return -1;
	}
	*at = pos;
	return 0;
}

/* Inflates the zlib stream at `at` of pack p, which must hold exactly
 * size bytes, into out. */
static int inflate_at(pack_reader *r, pack_bytes *out, const pack_file *p, uint64_t at, size_t size)
{
	uint64_t avail = p->data_len - 20 - at;
	/* deflate shrinks at most 1032:1: a larger size is a damaged header */
	if (size / 1032 > avail || bytes_reserve(out, size) < 0)
		return -1;
	if (inflateReset(&r->zs) != Z_OK)
		return -1;
	r->zs.next_in = p->data + at;
	r->zs.avail_in = avail > UINT32_MAX ? UINT32_MAX : (uInt)avail;
	r->zs.next_out = out->ptr;
	r->zs.avail_out = (uInt)size;
	if (inflate(&r->zs, Z_FINISH) != Z_STREAM_END || r->zs.total_out != size)
		return -1;
	out->size = size;
	return 0;
}

static int delta_size(size_t *out, const unsigned char **p, const unsigned char *end)
{
	uint64_t v = 0;
	unsigned shift = 0;
	unsigned char c;
	do {
		if (*p >= end || shift > 57)
			return -1;
		c = *(*p)++;
		v |= (uint64_t)(c & 0x7f) << shift;
		shift += 7;
	} while (c & 0x80);
	if (v > PACK_MAX_OBJECT)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* Applies git's delta d (n bytes) to base into out. */
static int delta_apply(pack_bytes *out, const unsigned char *base, size_t base_len, const unsigned char *d, size_t n)
{
	const unsigned char *p = d, *end = d + n;
	unsigned char *o, *oend;
	size_t want_base, size;
	if (delta_size(&want_base, &p, end) < 0 || want_base != base_len || delta_size(&size, &p, end) < 0)
		return -1;
	/* each instruction of at least one byte makes at most 64 KB */
	if (size / 0x10000 > n || bytes_reserve(out, size) < 0)
		return -1;
	o = out->ptr;
	oend = o + size;
	while (p < end) {
		unsigned char op = *p++;
		if (op & 0x80) {
			uint64_t off = 0, len = 0;
			unsigned i;
			for (i = 0; i < 4; i++) {
				if (op & (1u << i)) {
					if (p >= end)
						return -1;
					off |= (uint64_t)*p++ << (8 * i);
				}
			}
			for (i = 0; i < 3; i++) {
				if (op & (0x10u << i)) {
					if (p >= end)
						return -1;
					len |= (uint64_t)*p++ << (8 * i);
				}
			}
			if (len == 0)
				len = 0x10000;
			if (off > base_len || len > base_len - off || len > (uint64_t)(oend - o))
				return -1;
			memcpy(o, base + off, (size_t)len);
			o += len;
		} else if (op) {
			if (op > end - p || op > oend - o)
				return -1;
			memcpy(o, p, op);
			o += op;
			p += op;
		} else {
			return -1; /* reserved */
		}
	}
	if (o != oend)
		return -1;
	out->size = size;
	return 0;
}

/* The object at offset of pack, made and filed in the cache; NULL when it
 * cannot be. The chain of deltas is followed down to an object that is
 * cached or whole, then applied back up, each step filed on the way. */
static pack_slot *resolve(pack_reader *r, size_t pack, uint64_t offset)
{
	pack_slot *base = NULL;
	size_t n = 0;
	for (;;) {
		const pack_file *p = &r->packs[pack];
		uint64_t at, base_offset = 0;
		git_oid base_id;
		size_t size;
		int type;
		if ((base = cache_find(r, pack, offset)) != NULL)
			break;
		if (entry_header(&type, &size, &base_offset, &base_id, p, offset, &at) < 0)
			return NULL;
		if (type != OBJ_OFS_DELTA && type != OBJ_REF_DELTA) {
			if (inflate_at(r, &r->scratch, p, at, size) < 0)
				return NULL;
			base = cache_put(r, pack, offset, (git_object_t)type);
			break;
		}
		if (n == PACK_MAX_CHAIN)
			return NULL;
		if (n == r->achain) {
			pack_step *nc = ln__array_grow(r->chain, &r->achain, n, sizeof(*nc), 64);
			if (!nc)
				return NULL;
			r->chain = nc;
		}
		r->chain[n].pack = pack;
		r->chain[n].offset = offset;
		r->chain[n].data_at = at;
		r->chain[n].size = size;
		n++;
		if (type == OBJ_REF_DELTA) {
			if (pack_find(&pack, &offset, r, &base_id) < 0)
				return NULL;
		} else {
			offset = base_offset;
		}
	}
	while (n > 0) {
		const pack_step *s = &r->chain[--n];
		if (inflate_at(r, &r->delta, &r->packs[s->pack], s->data_at, s->size) < 0 ||
		    delta_apply(&r->scratch, base->obj.ptr, base->obj.size, r->delta.ptr, r->delta.size) < 0)
			return NULL;
		base = cache_put(r, s->pack, s->offset, base->type);
	}
	return base;
}

int pack_reader_read(const char **data, size_t *len, git_object_t *type, pack_reader *r, const git_oid *id)
{
	size_t pack;
	uint64_t offset;
	pack_slot *s;
	if (!r->zs_ready || pack_find(&pack, &offset, r, id) < 0 || (s = resolve(r, pack, offset)) == NULL)
		return LN_ENOTFOUND;
	s->used = ++r->clock;
	r->pinned = s;
	*data = (const char *)s->obj.ptr;
	*len = s->obj.size;
	*type = s->type;
	return 0;
}
