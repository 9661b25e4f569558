/* The notes store, packing: the objects of one commit written as one small
 * pack instead of loose files, and the small packs merged now and then.
 *
 * A save makes a blob, the trees along the saved path and a commit. As
 * loose objects that is four new files and, in a freshly packed
 * repository, a new fan-out folder for most of them; on ext4 each new
 * inode is most of a save's cost (doc/performance.md). Here an object
 * database backend asked before all others keeps, while a commit is being
 * built (store_pack_begin), every object written through the repository
 * in memory, and serves reads of them; store_pack_write then writes them
 * as one pack in objects/pack (libgit2's packbuilder and indexer: a
 * temporary pack file and the index's lock file, renamed into place) and
 * forgets them. The commit code writes the pack before the ref moves and
 * before the index names a new blob, so neither ever names an object that
 * is not on disk; a commit that fails before then leaves nothing behind
 * (store_pack_end discards what was kept).
 *
 * Reads stay fast only while the packs are few, and git's own `gc --auto`
 * repacks everything once a repository has 50 packs. So the packs with
 * fewer than STORE_SMALL_PACK_OBJECTS objects are merged when the store is
 * closed, by ln_store_maintain, and every STORE_MERGE_EVERY packs a store
 * writes in one session; which of them are merged follows git's geometric
 * repack (store_small_packs_choose), so that a merge costs in proportion
 * to what it merges. A merge writes the new pack before it removes the
 * ones it replaces, so every object is on disk throughout, and it runs
 * under the writer lock. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2/sys/odb_backend.h>
#include <zlib.h>

#include "leadnotes/buf.h"
#include "store_internal.h"

typedef struct store_kept {
	git_oid id;
	git_object_t type;
	size_t len;
	unsigned char *data;
} store_kept;

struct store_capture {
	git_odb_backend parent;
	int active;          /* writes are kept (between begin and end) */
	int unsettled;       /* objects is on disk as a pack libgit2 has not seen yet */
	store_kept *objects; /* what was written since the last pack */
	size_t count, alloc;
	z_stream z;          /* the packs' deflate stream, set up once (a quarter of a megabyte) */
	int z_ready;
};

static store_kept *store_capture_find(struct store_capture *c, const git_oid *id)
{
	size_t i;
	for (i = 0; i < c->count; i++)
		if (git_oid_equal(&c->objects[i].id, id))
			return &c->objects[i];
	return NULL;
}

static void store_capture_forget(struct store_capture *c)
{
	size_t i;
	for (i = 0; i < c->count; i++)
		free(c->objects[i].data);
	c->count = 0;
}

static int store_capture_read(void **data, size_t *len, git_object_t *type, git_odb_backend *backend,
	const git_oid *id)
{
	store_kept *k = store_capture_find((struct store_capture *)backend, id);
	if (!k)
		return GIT_ENOTFOUND;
	*data = git_odb_backend_data_alloc(backend, k->len ? k->len : 1);
	if (!*data)
		return -1;
	memcpy(*data, k->data, k->len);
	*len = k->len;
	*type = k->type;
	return 0;
}

static int store_capture_read_header(size_t *len, git_object_t *type, git_odb_backend *backend, const git_oid *id)
{
	store_kept *k = store_capture_find((struct store_capture *)backend, id);
	if (!k)
		return GIT_ENOTFOUND;
	*len = k->len;
	*type = k->type;
	return 0;
}

static int store_capture_exists(git_odb_backend *backend, const git_oid *id)
{
	return store_capture_find((struct store_capture *)backend, id) != NULL;
}

/* 0 when the object is kept here (nothing to refresh), else not found. */
static int store_capture_freshen(git_odb_backend *backend, const git_oid *id)
{
	return store_capture_find((struct store_capture *)backend, id) ? 0 : GIT_ENOTFOUND;
}

/* Outside a commit, GIT_PASSTHROUGH: libgit2 then writes to the next
 * backend (the loose one), as without this backend. */
static int store_capture_write(git_odb_backend *backend, const git_oid *id, const void *data, size_t len,
	git_object_t type)
{
	struct store_capture *c = (struct store_capture *)backend;
	store_kept *k;
	if (!c->active)
		return GIT_PASSTHROUGH;
	if (store_capture_find(c, id))
		return 0;
	if (c->count == c->alloc) {
		size_t na = c->alloc ? c->alloc * 2 : 8;
		store_kept *grown = realloc(c->objects, na * sizeof(*grown));
		if (!grown)
			return GIT_PASSTHROUGH;
		c->objects = grown;
		c->alloc = na;
	}
	k = &c->objects[c->count];
	k->data = malloc(len ? len : 1);
	if (!k->data)
		return GIT_PASSTHROUGH; /* written loose instead */
	memcpy(k->data, data, len);
	git_oid_cpy(&k->id, id);
	k->len = len;
	k->type = type;
	c->count++;
	return 0;
}

/* A streamed write (git_odb_open_wstream, used by libgit2 for files it
 * reads from disk): gathered in memory, then kept as by a plain write. */
typedef struct store_capture_stream {
	git_odb_stream parent;
	unsigned char *data;
	size_t size, used;
	git_object_t type;
} store_capture_stream;

static int store_capture_stream_write(git_odb_stream *stream, const char *buffer, size_t len)
{
	store_capture_stream *s = (store_capture_stream *)stream;
	if (len > s->size - s->used) {
		git_error_set_str(GIT_ERROR_ODB, "the object is longer than announced");
		return -1;
	}
	memcpy(s->data + s->used, buffer, len);
	s->used += len;
	return 0;
}

static int store_capture_stream_finalize(git_odb_stream *stream, const git_oid *id)
{
	store_capture_stream *s = (store_capture_stream *)stream;
	if (s->used != s->size) {
		git_error_set_str(GIT_ERROR_ODB, "the object is shorter than announced");
		return -1;
	}
	if (store_capture_write(stream->backend, id, s->data, s->size, s->type) < 0) {
		git_error_set_str(GIT_ERROR_NOMEMORY, "out of memory");
		return -1;
	}
	return 0;
}

static void store_capture_stream_free(git_odb_stream *stream)
{
	store_capture_stream *s = (store_capture_stream *)stream;
	free(s->data);
	free(s);
}

/* Outside a commit, GIT_PASSTHROUGH: the loose backend streams it. */
static int store_capture_writestream(git_odb_stream **out, git_odb_backend *backend, git_object_size_t size,
	git_object_t type)
{
	store_capture_stream *s;
	if (!((struct store_capture *)backend)->active || size > (git_object_size_t)SIZE_MAX - 1)
		return GIT_PASSTHROUGH;
	s = calloc(1, sizeof(*s));
	if (s)
		s->data = malloc((size_t)size ? (size_t)size : 1);
	if (!s || !s->data) {
		free(s);
		return GIT_PASSTHROUGH;
	}
	s->size = (size_t)size;
	s->type = type;
	s->parent.backend = backend;
	s->parent.mode = GIT_STREAM_WRONLY;
	s->parent.write = store_capture_stream_write;
	s->parent.finalize_write = store_capture_stream_finalize;
	s->parent.free = store_capture_stream_free;
	*out = &s->parent;
	return 0;
}

int store_pack_keep(git_oid *out, ln_store *store, git_object_t type, const void *data, size_t len)
{
	git_odb *odb = NULL;
	char header[64];
	int n = snprintf(header, sizeof(header), "%s %zu", git_object_type2string(type), len), rc;
	/* git's id: SHA-1 of "<type> <len>\0" and the data (OpenSSL's, several
	 * times faster than libgit2's collision-detecting one) */
	if (ln__sha1(out->id, header, (size_t)n + 1, data, len) < 0) {
		git_error_set_str(GIT_ERROR_OBJECT, "cannot hash the object");
		return -1;
	}
	if (store->capture && store->capture->active &&
	    store_capture_write(&store->capture->parent, out, data, len, type) == 0)
		return 0;
	/* no commit under way, or no memory: the object database's own way */
	if (git_repository_odb(&odb, store->repo) < 0)
		return -1;
	rc = git_odb_write(out, odb, data, len, type);
	git_odb_free(odb);
	return rc;
}

static void store_capture_free(git_odb_backend *backend)
{
	struct store_capture *c = (struct store_capture *)backend;
	store_capture_forget(c);
	if (c->z_ready)
		deflateEnd(&c->z);
	free(c->objects);
	free(c);
}

int store_pack_install(ln_store *store, ln_error *err)
{
	git_odb *odb = NULL;
	struct store_capture *c;
	if (git_repository_odb(&odb, store->repo) < 0)
		return ln__error_from_git(err, GIT_ERROR, "cannot open the object database");
	c = calloc(1, sizeof(*c));
	if (!c) {
		git_odb_free(odb);
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	}
	c->parent.version = GIT_ODB_BACKEND_VERSION;
	c->parent.read = store_capture_read;
	c->parent.read_header = store_capture_read_header;
	c->parent.exists = store_capture_exists;
	c->parent.freshen = store_capture_freshen;
	c->parent.write = store_capture_write;
	c->parent.writestream = store_capture_writestream;
	c->parent.free = store_capture_free;
	/* Above libgit2's pack (2) and loose (1) backends and the guard (2):
	 * asked first for reads and writes. On success the odb owns it. */
	if (git_odb_add_backend(odb, &c->parent, 1000) < 0) {
		store_capture_free(&c->parent);
		git_odb_free(odb);
		return ln__error_from_git(err, GIT_ERROR, "cannot extend the object database");
	}
	git_odb_free(odb);
	store->capture = c;
	return 0;
}

static void store_pack_refresh(ln_store *store);

void store_pack_settle(ln_store *store)
{
	if (!store->capture || !store->capture->unsettled)
		return;
	/* The pack backend must know the pack before the copies here go. */
	store_pack_refresh(store);
	store_capture_forget(store->capture);
	store->capture->unsettled = 0;
}

void store_pack_begin(ln_store *store)
{
	if (!store->capture)
		return;
	store_pack_settle(store); /* nothing settled it (no flusher ran) */
	store->capture->active = 1;
}

void store_pack_end(ln_store *store)
{
	if (!store->capture)
		return;
	store->capture->active = 0;
	if (!store->capture->unsettled)
		store_capture_forget(store->capture); /* what no pack holds, nothing names */
}

/* Makes the odb see the packs now in objects/pack. */
static void store_pack_refresh(ln_store *store)
{
	git_odb *odb = NULL;
	if (git_repository_odb(&odb, store->repo) == 0) {
		git_odb_refresh(odb);
		git_odb_free(odb);
	}
}

/* The pack entry header of an object: its type, and its size in git's
 * variable-length encoding (4 bits, then 7 per byte). */
static void store_pack_entry_header(ln_buf *pack, git_object_t type, size_t len)
{
	char h[16];
	size_t n = 0;
	unsigned char c = (unsigned char)(((unsigned)type << 4) | (len & 15));
	for (len >>= 4; len; len >>= 7) {
		h[n++] = (char)(c | 0x80);
		c = (unsigned char)(len & 0x7f);
	}
	h[n++] = (char)c;
	ln_buf_put(pack, h, n);
}

static void store_put_be32(ln_buf *b, uint32_t v)
{
	char p[4] = { (char)(v >> 24), (char)(v >> 16), (char)(v >> 8), (char)v };
	ln_buf_put(b, p, 4);
}

/* One object of a pack as its index lists it. */
typedef struct store_idx_entry {
	git_oid id;
	uint32_t crc, offset;
} store_idx_entry;

static int store_idx_entry_cmp(const void *a, const void *b)
{
	return git_oid_cmp(&((const store_idx_entry *)a)->id, &((const store_idx_entry *)b)->id);
}


/* The kept objects as a version-2 pack (each a zlib stream of stored
 * blocks, no deltas: a commit's few objects are new) and its version-2 index, in *pack and
 * *idx; the pack's checksum, which names both, in sum. 0, or -1 out of
 * memory. */
static int store_pack_build(ln_buf *pack, ln_buf *idx, unsigned char sum[20], struct store_capture *c)
{
	store_idx_entry *entries = malloc(c->count * sizeof(*entries));
	uint32_t fan[256] = { 0 };
	unsigned char idx_sum[20];
	z_stream *z = &c->z;
	size_t i;
	int rc = -1;
	/* Stored, not compressed (a fifth of a save's time at level 1): these
	 * small packs live until the next merge, which compresses every
	 * object it writes. */
	if (!c->z_ready && deflateInit(z, Z_NO_COMPRESSION) == Z_OK)
		c->z_ready = 1;
	if (!entries || !c->z_ready) {
		free(entries);
		return -1;
	}
	ln_buf_put(pack, "PACK", 4);
	store_put_be32(pack, 2);
	store_put_be32(pack, (uint32_t)c->count);
	for (i = 0; i < c->count; i++) {
		const store_kept *k = &c->objects[i];
		size_t room = deflateBound(z, (uLong)k->len), start = pack->size;
		store_pack_entry_header(pack, k->type, k->len);
		if (ln_buf_grow(pack, room) < 0 || deflateReset(z) != Z_OK)
			goto cleanup;
		z->next_in = k->data;
		z->avail_in = (uInt)k->len;
		z->next_out = (Bytef *)pack->ptr + pack->size;
		z->avail_out = (uInt)room;
		if (deflate(z, Z_FINISH) != Z_STREAM_END)
			goto cleanup;
		pack->size += room - z->avail_out;
		git_oid_cpy(&entries[i].id, &k->id);
		entries[i].offset = (uint32_t)start;
		entries[i].crc = (uint32_t)crc32(0, (const Bytef *)pack->ptr + start, (uInt)(pack->size - start));
		fan[k->id.id[0]]++;
	}
	if (ln_buf_failed(pack) || pack->size > 0x7fffffff || ln__sha1(sum, pack->ptr, pack->size, NULL, 0) < 0)
		goto cleanup;
	ln_buf_put(pack, (const char *)sum, 20);

	qsort(entries, c->count, sizeof(*entries), store_idx_entry_cmp);
	ln_buf_put(idx, "\377tOc", 4);
	store_put_be32(idx, 2);
	for (i = 1; i < 256; i++)
		fan[i] += fan[i - 1];
	for (i = 0; i < 256; i++)
		store_put_be32(idx, fan[i]);
	for (i = 0; i < c->count; i++)
		ln_buf_put(idx, (const char *)entries[i].id.id, GIT_OID_RAWSZ);
	for (i = 0; i < c->count; i++)
		store_put_be32(idx, entries[i].crc);
	for (i = 0; i < c->count; i++)
		store_put_be32(idx, entries[i].offset);
	ln_buf_put(idx, (const char *)sum, 20);
	if (ln_buf_failed(idx) || ln__sha1(idx_sum, idx->ptr, idx->size, NULL, 0) < 0)
		goto cleanup;
	ln_buf_put(idx, (const char *)idx_sum, 20);
	rc = ln_buf_failed(pack) || ln_buf_failed(idx) ? -1 : 0;
cleanup:
	free(entries);
	return rc;
}

int store_pack_write(ln_store *store, ln_error *err)
{
	struct store_capture *c = store->capture;
	ln_buf pack = LN_BUF_INIT, idx = LN_BUF_INIT;
	unsigned char sum[20];
	char hex[GIT_OID_HEXSZ + 1];
	char *base = NULL, *path = NULL;
	git_oid name;
	int rc = 0;
	if (!c || c->count == 0)
		return 0;
	if (store_pack_build(&pack, &idx, sum, c) < 0) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	git_oid_fromraw(&name, sum);
	git_oid_tostr(hex, sizeof(hex), &name);
	base = malloc(strlen(git_repository_commondir(store->repo)) + 64);
	path = base ? malloc(strlen(git_repository_commondir(store->repo)) + 64) : NULL;
	if (!path) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	sprintf(base, "%sobjects/pack/pack-%s", git_repository_commondir(store->repo), hex);
	/* The pack before its index: git and libgit2 find packs by their index.
	 * An existing name holds the same objects. Read-only, as git makes them. */
	sprintf(path, "%s.pack", base);
	if (store_spare_place(store, path, pack.ptr, pack.size, 0444) >= 0) {
		sprintf(path, "%s.idx", base);
		if (store_spare_place(store, path, idx.ptr, idx.size, 0444) < 0)
			rc = -1;
	} else {
		rc = -1;
	}
	if (rc < 0) {
		rc = ln_error_set(err, LN_EIO, "cannot write the commit's objects to %s: %s", path, strerror(errno));
		goto cleanup;
	}
	/* The copies here serve reads until libgit2 has seen the pack
	 * (store_pack_settle: by the flusher, off the editing path). */
	c->unsettled = 1;
	store->packs_written++;
cleanup:
	ln_buf_free(&pack);
	ln_buf_free(&idx);
	free(base);
	free(path);
	return rc;
}

/* ------------------------------------------------------------ merging */

typedef struct store_small_pack {
	char *name;   /* "pack-<hash>" */
	git_oid *ids; /* its objects */
	size_t count;
	int chosen;   /* merged this time */
} store_small_pack;

typedef struct store_small_packs {
	store_small_pack *packs;
	size_t count, alloc;
} store_small_packs;

/* Adds the objects of one version-2 pack index to *out when it lists
 * fewer than STORE_SMALL_PACK_OBJECTS; 1 when it did, 0 when the pack is
 * not small (or not readable as such), -1 out of memory. */
static int store_small_pack_add(store_small_packs *out, const char *idx_path, const char *name)
{
	unsigned char head[8 + 256 * 4];
	unsigned char *raw = NULL;
	store_small_pack *p;
	uint32_t count, i;
	int fd, rc = 0;
	fd = open(idx_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (read(fd, head, sizeof(head)) != (ssize_t)sizeof(head) || memcmp(head, "\377tOc", 4) != 0 ||
	    ln__be32(head + 4) != 2)
		goto cleanup;
	count = ln__be32(head + 8 + 255 * 4);
	if (count == 0 || count >= STORE_SMALL_PACK_OBJECTS)
		goto cleanup;
	raw = malloc((size_t)count * GIT_OID_RAWSZ);
	if (!raw) {
		rc = -1;
		goto cleanup;
	}
	if (read(fd, raw, (size_t)count * GIT_OID_RAWSZ) != (ssize_t)((size_t)count * GIT_OID_RAWSZ))
		goto cleanup;
	if (out->count == out->alloc) {
		size_t na = out->alloc ? out->alloc * 2 : 16;
		store_small_pack *grown = realloc(out->packs, na * sizeof(*grown));
		if (!grown) {
			rc = -1;
			goto cleanup;
		}
		out->packs = grown;
		out->alloc = na;
	}
	p = &out->packs[out->count];
	memset(p, 0, sizeof(*p));
	p->name = ln__strdup(name);
	p->ids = malloc((size_t)count * sizeof(*p->ids));
	if (!p->name || !p->ids) {
		free(p->name);
		free(p->ids);
		rc = -1;
		goto cleanup;
	}
	for (i = 0; i < count; i++)
		git_oid_fromraw(&p->ids[i], raw + (size_t)i * GIT_OID_RAWSZ);
	p->count = count;
	out->count++;
	rc = 1;
cleanup:
	free(raw);
	close(fd);
	return rc;
}

static int store_small_pack_cmp(const void *a, const void *b)
{
	const store_small_pack *x = a, *y = b;
	return x->count < y->count ? -1 : x->count > y->count;
}

/* Chooses the packs to merge, as git's geometric repack does: from the
 * smallest up, each next pack joins while it holds at most twice the
 * objects of those already chosen. So a merge rewrites objects in
 * proportion to what it merges, the packs stay few (about log2 of the
 * objects), and a pack that grew large is left alone until the small ones
 * add up to half of it. Returns how many were chosen. */
static size_t store_small_packs_choose(store_small_packs *s)
{
	size_t i, sum, chosen = 0;
	if (s->count < 2)
		return 0;
	qsort(s->packs, s->count, sizeof(*s->packs), store_small_pack_cmp);
	sum = s->packs[0].count;
	for (i = 1; i < s->count && s->packs[i].count <= 2 * sum; i++)
		sum += s->packs[i].count;
	if (i >= 2) {
		for (chosen = 0; chosen < i; chosen++)
			s->packs[chosen].chosen = 1;
	}
	return chosen;
}

/* 1 when the pack `name` has a file beside it that says it is more than a
 * plain pack (.mtimes, .promisor, .bitmap): left to git. */
static int store_pack_has_extra(ln_buf *path, const char *dir, const char *name)
{
	static const char *const extras[] = { ".mtimes", ".promisor", ".bitmap" };
	size_t i;
	struct stat st;
	for (i = 0; i < sizeof(extras) / sizeof(extras[0]); i++) {
		ln_buf_clear(path);
		ln_buf_printf(path, "%s%s%s", dir, name, extras[i]);
		if (ln_buf_failed(path) || stat(path->ptr, &st) == 0)
			return 1;
	}
	return 0;
}

static void store_small_packs_free(store_small_packs *s)
{
	size_t i;
	for (i = 0; i < s->count; i++) {
		free(s->packs[i].name);
		free(s->packs[i].ids);
	}
	free(s->packs);
}

int store_pack_merge_small(size_t *merged, ln_store *store, size_t min, ln_error *err)
{
	store_small_packs small;
	git_packbuilder *pb = NULL;
	ln_buf dir = LN_BUF_INIT, path = LN_BUF_INIT;
	DIR *d = NULL;
	struct dirent *de;
	const char *written;
	size_t i, merged_objects = 0;
	int rc;
	memset(&small, 0, sizeof(small));
	if (merged)
		*merged = 0;
	if (min < 2)
		min = 2;
	if ((rc = store_lock(store, err)) < 0)
		return rc;
	ln_buf_printf(&dir, "%sobjects/pack/", store->gitdir);
	if (ln_buf_failed(&dir)) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	d = opendir(dir.ptr);
	if (!d)
		goto cleanup; /* no packs */
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		struct stat st;
		char name[256];
		if (n < 10 || n - 4 >= sizeof(name) || strncmp(de->d_name, "pack-", 5) != 0 ||
		    strcmp(de->d_name + n - 4, ".idx") != 0)
			continue;
		memcpy(name, de->d_name, n - 4);
		name[n - 4] = '\0';
		ln_buf_clear(&path);
		ln_buf_printf(&path, "%s%s.keep", dir.ptr, name);
		if (ln_buf_failed(&path)) {
			rc = ln_error_set(err, LN_ENOMEM, "out of memory");
			goto cleanup;
		}
		if (stat(path.ptr, &st) == 0)
			continue; /* kept on purpose */
		if (store_pack_has_extra(&path, dir.ptr, name)) /* a cruft, promisor or bitmapped pack: git's */
			continue;
		ln_buf_clear(&path);
		ln_buf_printf(&path, "%s%s", dir.ptr, de->d_name);
		if (ln_buf_failed(&path) || store_small_pack_add(&small, path.ptr, name) < 0) {
			rc = ln_error_set(err, LN_ENOMEM, "out of memory");
			goto cleanup;
		}
	}
	if (store_small_packs_choose(&small) < min)
		goto cleanup;
	store_pack_refresh(store);
	if (git_packbuilder_new(&pb, store->repo) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "cannot start merging packs");
		goto cleanup;
	}
	git_packbuilder_set_threads(pb, 1);
	for (i = 0; i < small.count && small.packs[i].chosen; i++) {
		size_t k;
		for (k = 0; k < small.packs[i].count; k++) {
			if (git_packbuilder_insert(pb, &small.packs[i].ids[k], NULL) < 0) {
				rc = ln__error_from_git(err, GIT_ERROR, "cannot merge packs");
				goto cleanup;
			}
		}
		merged_objects += small.packs[i].count;
	}
	if (git_packbuilder_write(pb, NULL, 0, NULL, NULL) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "cannot write the merged pack");
		goto cleanup;
	}
	/* Every object of the small packs is now in the new one: they can go,
	 * the index first so that no reader finds a pack without its data. */
	written = git_packbuilder_name(pb);
	for (i = 0; i < small.count && small.packs[i].chosen; i++) {
		if (written && strcmp(small.packs[i].name + 5, written) == 0)
			continue; /* the same objects: the new pack is this one */
		ln_buf_clear(&path);
		ln_buf_printf(&path, "%s%s.idx", dir.ptr, small.packs[i].name);
		if (ln_buf_failed(&path) || unlink(path.ptr) != 0)
			continue;
		ln_buf_clear(&path);
		ln_buf_printf(&path, "%s%s.pack", dir.ptr, small.packs[i].name);
		if (!ln_buf_failed(&path))
			unlink(path.ptr);
		ln_buf_clear(&path);
		ln_buf_printf(&path, "%s%s.rev", dir.ptr, small.packs[i].name);
		if (!ln_buf_failed(&path))
			unlink(path.ptr);
	}
	store_pack_refresh(store);
	if (merged)
		*merged = merged_objects;
	store->packs_written = 0;
cleanup:
	if (d)
		closedir(d);
	git_packbuilder_free(pb);
	store_small_packs_free(&small);
	ln_buf_free(&dir);
	ln_buf_free(&path);
	store_unlock(store);
	return rc;
}
