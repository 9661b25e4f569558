/* The on-disk cache of note summaries (see include/leadnotes/summary_cache.h).
 *
 * File layout, all integers little-endian u32:
 *   header: "LNSCACHE" format schema_len schema crc(of the bytes before it)
 *   record: key_len value_len crc(of both lengths, key and value) key value
 * Records are only ever appended under the lock (<path>.lock, flock), and a
 * failed append is cut back off; a rewrite goes to <path>.tmp.<pid> and is
 * renamed over the file. Readers take no lock: they stop at the first record
 * that does not check out (an append in progress, a crash, damage). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "leadnotes/summary_cache.h"
#include "fsutil.h"

#define MAGIC "LNSCACHE"
#define MAGIC_LEN 8
#define KEY_MAX 255u
#define VALUE_MAX (16u * 1024u * 1024u)
#define FILE_MAX ((size_t)512 * 1024 * 1024)
#define LOCK_WAIT_MS 100 /* then the pending entries wait for the next flush */

typedef struct entry {
	const char *key; /* into the file's bytes, or owned (owned = 1) */
	const unsigned char *value;
	uint32_t key_len;
	uint32_t value_len;
	unsigned owned : 1;   /* key and value are one malloc'd block at key */
	unsigned used : 1;    /* looked up or put by this process */
	unsigned pending : 1; /* put, not yet written */
} entry;

struct ln_summary_cache {
	char *path;
	char *schema;
	unsigned char *data; /* the file as read at open */
	size_t data_len;
	entry *entries;
	size_t count, alloc;
	size_t *slots; /* open addressing: entry index + 1, 0 = empty */
	size_t slot_count;
	size_t loaded;   /* records read at open */
	size_t on_disk;  /* records in the file as far as this process knows */
	size_t pending;
	int rewrite;     /* the file is damaged, foreign or missing its header */
};

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t crc(uint32_t c, const void *p, size_t n)
{
	return (uint32_t)crc32((uLong)c, (const Bytef *)p, (uInt)n);
}

static size_t hash_key(const char *key, size_t len)
{
	uint64_t h = ln__fnv1a(LN__FNV64_START, key, len, 64);
	return (size_t)(h ^ (h >> 29));
}

static entry *find(ln_summary_cache *cache, const char *key, size_t len)
{
	size_t i;

	if (!cache->slot_count)
		return NULL;
	for (i = hash_key(key, len) & (cache->slot_count - 1); cache->slots[i];
	     i = (i + 1) & (cache->slot_count - 1)) {
		entry *e = &cache->entries[cache->slots[i] - 1];
		if (e->key_len == len && memcmp(e->key, key, len) == 0)
			return e;
	}
	return NULL;
}

static int grow_slots(ln_summary_cache *cache)
{
	size_t n = cache->slot_count ? cache->slot_count * 2 : 1024, i, j;
	size_t *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -1;
	for (j = 0; j < cache->count; j++) {
		entry *e = &cache->entries[j];
		for (i = hash_key(e->key, e->key_len) & (n - 1); slots[i]; i = (i + 1) & (n - 1))
			;
		slots[i] = j + 1;
	}
	free(cache->slots);
	cache->slots = slots;
	cache->slot_count = n;
	return 0;
}

/* Adds an entry for a key known to be absent. */
static entry *add(ln_summary_cache *cache, const entry *e)
{
	entry *grown = ln__array_grow(cache->entries, &cache->alloc, cache->count, sizeof(*grown), 256);
	size_t i;

	if (!grown)
		return NULL;
	cache->entries = grown;
	if ((cache->count + 1) * 2 > cache->slot_count && grow_slots(cache) < 0)
		return NULL;
	cache->entries[cache->count] = *e;
	for (i = hash_key(e->key, e->key_len) & (cache->slot_count - 1); cache->slots[i];
	     i = (i + 1) & (cache->slot_count - 1))
		;
	cache->slots[i] = ++cache->count;
	return &cache->entries[cache->count - 1];
}

/* The header this cache writes, into *out (malloc'd), its length in *len. */
static unsigned char *make_header(const char *schema, size_t *len)
{
	size_t slen = strlen(schema), n = MAGIC_LEN + 8 + slen + 4;
	unsigned char *h = malloc(n);

	if (!h)
		return NULL;
	memcpy(h, MAGIC, MAGIC_LEN);
	put_u32(h + MAGIC_LEN, LN_SUMMARY_CACHE_FORMAT);
	put_u32(h + MAGIC_LEN + 4, (uint32_t)slen);
	memcpy(h + MAGIC_LEN + 8, schema, slen);
	put_u32(h + n - 4, crc(0, h, n - 4));
	*len = n;
	return h;
}

/* Reads the whole regular file at path into *out (malloc'd; NULL when it is
 * missing, not a regular file, or too large). */
static int read_file(const char *path, unsigned char **out, size_t *len)
{
	struct stat st;
	unsigned char *buf = NULL;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	*out = NULL;
	*len = 0;
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > FILE_MAX)
		goto fail;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		goto fail;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*out = buf;
	*len = got;
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
}

/* Parses data into cache's entries (pointing into data). Returns the number
 * of valid records; sets cache->rewrite when the file is not entirely ours. */
static size_t parse(ln_summary_cache *cache, const unsigned char *data, size_t len, const unsigned char *header,
                    size_t header_len)
{
	size_t pos = header_len, records = 0;

	if (len < header_len || memcmp(data, header, header_len) != 0) {
		cache->rewrite = 1;
		return 0;
	}
	while (pos < len) {
		uint32_t kl, vl, sum;
		entry e;
		if (len - pos < 12)
			break;
		kl = get_u32(data + pos);
		vl = get_u32(data + pos + 4);
		sum = get_u32(data + pos + 8);
		if (kl == 0 || kl > KEY_MAX || vl > VALUE_MAX || len - pos - 12 < (size_t)kl + vl)
			break;
		if (crc(crc(0, data + pos, 8), data + pos + 12, (size_t)kl + vl) != sum)
			break;
		records++;
		if (!find(cache, (const char *)data + pos + 12, kl)) {
			memset(&e, 0, sizeof(e));
			e.key = (const char *)data + pos + 12;
			e.value = data + pos + 12 + kl;
			e.key_len = kl;
			e.value_len = vl;
			if (!add(cache, &e))
				break;
		}
		pos += 12 + (size_t)kl + vl;
	}
	if (pos != len)
		cache->rewrite = 1;
	return records;
}

int ln_summary_cache_open(ln_summary_cache **out, const char *path, const char *schema, ln_error *err)
{
	ln_summary_cache *cache = NULL;
	unsigned char *header = NULL;
	size_t header_len = 0;
	int rc = 0;

	*out = NULL;
	if (!path || !*path || !schema || !*schema || strlen(schema) > 4096)
		return ln_error_set(err, LN_EINVALID, "summary cache: empty path or schema");
	cache = calloc(1, sizeof(*cache));
	if (!cache || !(cache->path = ln__strdup(path)) || !(cache->schema = ln__strdup(schema)) ||
	    !(header = make_header(schema, &header_len))) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (read_file(path, &cache->data, &cache->data_len) < 0) {
		cache->rewrite = 1; /* unreadable: replaced at the next flush */
	} else if (cache->data) {
		cache->loaded = cache->on_disk = parse(cache, cache->data, cache->data_len, header, header_len);
	}
	*out = cache;
	cache = NULL;
cleanup:
	free(header);
	ln_summary_cache_free(cache);
	return rc;
}

const void *ln_summary_cache_get(ln_summary_cache *cache, const char *key, size_t *len)
{
	entry *e = find(cache, key, strlen(key));

	if (!e)
		return NULL;
	e->used = 1;
	*len = e->value_len;
	return e->value;
}

int ln_summary_cache_put(ln_summary_cache *cache, const char *key, const void *value, size_t len, ln_error *err)
{
	size_t kl = strlen(key);
	entry e, *found;
	char *block;

	if (kl == 0 || kl > KEY_MAX || len > VALUE_MAX)
		return ln_error_set(err, LN_EINVALID, "summary cache: key or value out of bounds");
	if ((found = find(cache, key, kl)) != NULL) {
		found->used = 1;
		return 0;
	}
	block = malloc(kl + len + 1);
	if (!block)
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	memcpy(block, key, kl);
	if (len)
		memcpy(block + kl, value, len);
	memset(&e, 0, sizeof(e));
	e.key = block;
	e.value = (const unsigned char *)block + kl;
	e.key_len = (uint32_t)kl;
	e.value_len = (uint32_t)len;
	e.owned = e.used = e.pending = 1;
	if (!add(cache, &e)) {
		free(block);
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	}
	cache->pending++;
	return 0;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Appends one record for e to buf (grown as needed). */
static int append_record(unsigned char **buf, size_t *len, size_t *alloc, const char *key, uint32_t kl,
                         const unsigned char *value, uint32_t vl)
{
	size_t need = *len + 12 + kl + vl;
	unsigned char *p;

	if (need > *alloc) {
		size_t n = *alloc ? *alloc : 65536;
		while (n < need)
			n *= 2;
		p = realloc(*buf, n);
		if (!p)
			return -1;
		*buf = p;
		*alloc = n;
	}
	p = *buf + *len;
	put_u32(p, kl);
	put_u32(p + 4, vl);
	memcpy(p + 12, key, kl);
	if (vl)
		memcpy(p + 12 + kl, value, vl);
	put_u32(p + 8, crc(crc(0, p, 8), p + 12, (size_t)kl + vl));
	*len = need;
	return 0;
}

/* Takes the writers' lock, waiting up to LOCK_WAIT_MS; -1 when not taken. */
static int take_lock(const char *path)
{
	size_t n = strlen(path) + sizeof(".lock");
	char *lock = malloc(n);
	int fd;

	if (!lock)
		return -1;
	snprintf(lock, n, "%s.lock", path);
	fd = ln__lock_open(lock, LOCK_WAIT_MS, NULL);
	free(lock);
	return fd < 0 ? -1 : fd;
}

/* Appends the pending records to the file, which starts with `header`. */
static int flush_append(ln_summary_cache *cache, ln_error *err)
{
	unsigned char *buf = NULL;
	size_t len = 0, alloc = 0, i;
	struct stat st;
	int fd = -1, rc = 0;

	for (i = 0; i < cache->count; i++) {
		entry *e = &cache->entries[i];
		if (e->pending && append_record(&buf, &len, &alloc, e->key, e->key_len, e->value, e->value_len) < 0) {
			rc = ln_error_set(err, LN_ENOMEM, "out of memory");
			goto cleanup;
		}
	}
	fd = open(cache->path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = ln_error_set(err, LN_EIO, "cannot write the summary cache: %s", strerror(errno));
		goto cleanup;
	}
	if (write_all(fd, buf, len) < 0) {
		int saved = errno;
		/* Disk full: cut the partial record back off. */
		if (ftruncate(fd, st.st_size) != 0)
			cache->rewrite = 1;
		rc = ln_error_set(err, LN_EIO, "cannot write the summary cache: %s", strerror(saved));
		goto cleanup;
	}
	cache->on_disk += cache->pending;
cleanup:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

/* Writes a fresh file: the entries this process keeps, plus those another
 * process added to the current file since this one read it. */
static int flush_rewrite(ln_summary_cache *cache, int prune, const unsigned char *header, size_t header_len,
                         ln_error *err)
{
	ln_summary_cache *current = NULL;
	unsigned char *buf = NULL;
	size_t len = 0, alloc = 0, i, records = 0;
	int rc = 0;

	if (ln_summary_cache_open(&current, cache->path, cache->schema, err) < 0) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (!(buf = malloc(header_len)))
		goto nomem;
	alloc = header_len;
	memcpy(buf, header, header_len);
	len = header_len;
	for (i = 0; i < cache->count; i++) {
		entry *e = &cache->entries[i];
		if (prune && !e->used)
			continue;
		if (append_record(&buf, &len, &alloc, e->key, e->key_len, e->value, e->value_len) < 0)
			goto nomem;
		records++;
	}
	for (i = 0; i < current->count; i++) {
		entry *e = &current->entries[i];
		if (find(cache, e->key, e->key_len))
			continue;
		if (append_record(&buf, &len, &alloc, e->key, e->key_len, e->value, e->value_len) < 0)
			goto nomem;
		records++;
	}
	if ((rc = ln__fs_write_atomic(cache->path, buf, len, 0600, err)) < 0)
		goto cleanup;
	cache->on_disk = records;
	cache->rewrite = 0;
	goto cleanup;
nomem:
	rc = ln_error_set(err, LN_ENOMEM, "out of memory");
cleanup:
	free(buf);
	ln_summary_cache_free(current);
	return rc;
}

int ln_summary_cache_flush(ln_summary_cache *cache, int prune, ln_error *err)
{
	unsigned char *header = NULL, *head = NULL;
	size_t header_len = 0, needed = 0, i;
	int lock = -1, rc = 0, compact;

	for (i = 0; i < cache->count; i++)
		if (!prune || cache->entries[i].used)
			needed++;
	compact = cache->rewrite || cache->on_disk + cache->pending > 2 * needed + 1024;
	if (!cache->pending && !compact)
		return 0;
	if (!(header = make_header(cache->schema, &header_len)))
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	if ((lock = take_lock(cache->path)) < 0)
		goto cleanup; /* another process is writing it: leave it to them */
	if (!compact) {
		/* Append only to a file that still starts with our header. */
		int fd = open(cache->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		ssize_t n = -1;
		head = malloc(header_len);
		if (fd >= 0 && head)
			n = read(fd, head, header_len);
		if (fd >= 0)
			close(fd);
		if (n != (ssize_t)header_len || memcmp(head, header, header_len) != 0)
			compact = 1;
	}
	rc = compact ? flush_rewrite(cache, prune, header, header_len, err) : flush_append(cache, err);
	if (rc == 0) {
		for (i = 0; i < cache->count; i++)
			cache->entries[i].pending = 0;
		cache->pending = 0;
	}
cleanup:
	if (lock >= 0)
		close(lock);
	free(head);
	free(header);
	return rc;
}

size_t ln_summary_cache_count(const ln_summary_cache *cache) { return cache->count; }
size_t ln_summary_cache_loaded(const ln_summary_cache *cache) { return cache->loaded; }

void ln_summary_cache_free(ln_summary_cache *cache)
{
	size_t i;

	if (!cache)
		return;
	for (i = 0; i < cache->count; i++)
		if (cache->entries[i].owned)
			free((void *)cache->entries[i].key);
	free(cache->entries);
	free(cache->slots);
	free(cache->data);
	free(cache->path);
	free(cache->schema);
	free(cache);
}
