/* The history index: for every commit reachable from HEAD, its parents and
 * the top-level entries of the notes folder (the people) it changed against
 * each parent, kept in an append-only file under <gitdir>/leadnotes/.
 * Indexing reads one root tree per commit, as `git log -- <dir>` does. A
 * history query replays git's own walk (date order, default simplification
 * at merges) over that in-memory graph: a person's history reads no tree at
 * all; a single file's reads trees only for the commits that touched its
 * person. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leadnotes/buf.h"
#include "pack_read.h"
#include "store_internal.h"

#define HIST_MAGIC "LNHIST3\n"
#define HIST_UNRESOLVED (-2)
#define HIST_MISSING (-1)

typedef struct hist_commit {
	git_oid id;
	long long time;
	uint32_t link_start; /* into graph->links */
	uint16_t nparents;   /* real parents */
	uint16_t nlinks;     /* max(nparents, 1): a root compares with the empty tree */
} hist_commit;

typedef struct hist_link {
	git_oid parent;      /* zero for a root's pseudo-parent */
	int32_t index;       /* parent's commit index, HIST_MISSING, HIST_UNRESOLVED */
	uint32_t chg_start;  /* into graph->chg */
	uint32_t chg_count;
} hist_link;

/* A top-level entry a commit changed, with its id before and after (zero
 * when absent), so questions about files below it need no root tree. */
typedef struct hist_change {
	uint32_t path;
	git_oid old_id, new_id;
} hist_change;

struct ln_history_graph {
	hist_commit *commits;
	size_t ncommits, acommits;
	hist_link *links;
	size_t nlinks, alinks;
	hist_change *chg;
	size_t nchg, achg;
	char **paths;
	size_t npaths, apaths;
	uint32_t *path_table; /* open addressing: path id + 1, 0 empty */
	size_t path_table_size;
	uint32_t *oid_table;  /* open addressing: commit index + 1, 0 empty */
	size_t oid_table_size;
	char *file;
	off_t loaded; /* bytes of the file already in memory */
};

/* ------------------------------------------------------------ containers */

static int hist_grow(void **ptr, size_t *alloc, size_t need, size_t size)
{
	size_t na;
	void *p;
	if (need <= *alloc)
		return 0;
	na = *alloc ? *alloc : 64;
	while (na < need)
		na *= 2;
	p = realloc(*ptr, na * size);
	if (!p)
		return -1;
	*ptr = p;
	*alloc = na;
	return 0;
}

/* FNV-1a, 32 bits: the path tables, and the name of the index file (so it
 * must not change). */
static uint32_t hist_hash_str(const char *s, size_t n)
{
	return (uint32_t)ln__fnv1a(LN__FNV32_START, s, n, 32);
}

static uint32_t hist_hash_oid(const git_oid *id)
{
	uint32_t h;
	memcpy(&h, id->id, sizeof(h));
	return h;
}

static int hist_rehash_oids(struct ln_history_graph *g, size_t size)
{
	uint32_t *table = calloc(size, sizeof(uint32_t));
	size_t i;
	if (!table)
		return -1;
	for (i = 0; i < g->ncommits; i++) {
		size_t slot = hist_hash_oid(&g->commits[i].id) & (size - 1);
		while (table[slot])
			slot = (slot + 1) & (size - 1);
		table[slot] = (uint32_t)i + 1;
	}
	free(g->oid_table);
	g->oid_table = table;
	g->oid_table_size = size;
	return 0;
}

static long hist_find(const struct ln_history_graph *g, const git_oid *id)
{
	size_t slot;
	if (!g->oid_table_size)
		return -1;
	slot = hist_hash_oid(id) & (g->oid_table_size - 1);
	while (g->oid_table[slot]) {
		uint32_t idx = g->oid_table[slot] - 1;
		if (git_oid_equal(&g->commits[idx].id, id))
			return (long)idx;
		slot = (slot + 1) & (g->oid_table_size - 1);
	}
	return -1;
}

/* Adds a commit (its links follow with hist_add_link); returns its index or -1. */
static long hist_add_commit(struct ln_history_graph *g, const git_oid *id, long long when, uint16_t nparents)
{
	hist_commit *c;
	size_t slot;
	if (hist_grow((void **)&g->commits, &g->acommits, g->ncommits + 1, sizeof(hist_commit)) < 0)
		return -1;
	if ((g->ncommits + 1) * 2 > g->oid_table_size &&
	    hist_rehash_oids(g, g->oid_table_size ? g->oid_table_size * 2 : 1024) < 0)
		return -1;
	c = &g->commits[g->ncommits];
	git_oid_cpy(&c->id, id);
	c->time = when;
	c->link_start = (uint32_t)g->nlinks;
	c->nparents = nparents;
	c->nlinks = 0;
	slot = hist_hash_oid(id) & (g->oid_table_size - 1);
	while (g->oid_table[slot])
		slot = (slot + 1) & (g->oid_table_size - 1);
	g->oid_table[slot] = (uint32_t)g->ncommits + 1;
	return (long)g->ncommits++;
}

static int hist_rehash_paths(struct ln_history_graph *g, size_t size)
{
	uint32_t *table = calloc(size, sizeof(uint32_t));
	size_t i;
	if (!table)
		return -1;
	for (i = 0; i < g->npaths; i++) {
		size_t slot = hist_hash_str(g->paths[i], strlen(g->paths[i])) & (size - 1);
		while (table[slot])
			slot = (slot + 1) & (size - 1);
		table[slot] = (uint32_t)i + 1;
	}
	free(g->path_table);
	g->path_table = table;
	g->path_table_size = size;
	return 0;
}

/* The id of path (n bytes), added when new; -1 without memory. */
static long hist_intern(struct ln_history_graph *g, const char *path, size_t n)
{
	size_t slot;
	char *copy;
	if ((g->npaths + 1) * 2 > g->path_table_size &&
	    hist_rehash_paths(g, g->path_table_size ? g->path_table_size * 2 : 1024) < 0)
		return -1;
	slot = hist_hash_str(path, n) & (g->path_table_size - 1);
	while (g->path_table[slot]) {
		uint32_t id = g->path_table[slot] - 1;
		if (strncmp(g->paths[id], path, n) == 0 && g->paths[id][n] == '\0')
			return (long)id;
		slot = (slot + 1) & (g->path_table_size - 1);
	}
	if (hist_grow((void **)&g->paths, &g->apaths, g->npaths + 1, sizeof(char *)) < 0)
		return -1;
	copy = malloc(n + 1);
	if (!copy)
		return -1;
	memcpy(copy, path, n);
	copy[n] = '\0';
	g->paths[g->npaths] = copy;
	g->path_table[slot] = (uint32_t)g->npaths + 1;
	return (long)g->npaths++;
}

static int hist_add_link(struct ln_history_graph *g, long commit, const git_oid *parent, int32_t index)
{
	hist_link *l;
	if (hist_grow((void **)&g->links, &g->alinks, g->nlinks + 1, sizeof(hist_link)) < 0)
		return -1;
	l = &g->links[g->nlinks++];
	if (parent)
		git_oid_cpy(&l->parent, parent);
	else
		memset(&l->parent, 0, sizeof(l->parent));
	l->index = index;
	l->chg_start = (uint32_t)g->nchg;
	l->chg_count = 0;
	g->commits[commit].nlinks++;
	return 0;
}

/* Adds a changed path to link `link`, whose changes must be the last ones
 * added. */
static int hist_add_change(struct ln_history_graph *g, size_t link, const char *path, size_t n,
	const git_oid *old_id, const git_oid *new_id)
{
	long id = hist_intern(g, path, n);
	hist_change *c;
	if (id < 0 || hist_grow((void **)&g->chg, &g->achg, g->nchg + 1, sizeof(hist_change)) < 0)
		return -1;
	c = &g->chg[g->nchg++];
	c->path = (uint32_t)id;
	if (old_id)
		git_oid_cpy(&c->old_id, old_id);
	else
		memset(&c->old_id, 0, sizeof(c->old_id));
	if (new_id)
		git_oid_cpy(&c->new_id, new_id);
	else
		memset(&c->new_id, 0, sizeof(c->new_id));
	g->links[link].chg_count++;
	return 0;
}

static void history_graph_free(struct ln_history_graph *g)
{
	size_t i;
	if (!g)
		return;
	for (i = 0; i < g->npaths; i++)
		free(g->paths[i]);
	free(g->paths);
	free(g->path_table);
	free(g->oid_table);
	free(g->commits);
	free(g->links);
	free(g->chg);
	free(g->file);
	free(g);
}

/* ------------------------------------------------------------------- file */

static void put_u16(ln_buf *b, unsigned v)
{
	char c[2] = { (char)(v & 0xff), (char)((v >> 8) & 0xff) };
	ln_buf_put(b, c, 2);
}

static void put_u32(ln_buf *b, uint32_t v)
{
	char c[4];
	int i;
	for (i = 0; i < 4; i++)
		c[i] = (char)((v >> (8 * i)) & 0xff);
	ln_buf_put(b, c, 4);
}

static void put_u64(ln_buf *b, uint64_t v)
{
	put_u32(b, (uint32_t)(v & 0xffffffffu));
	put_u32(b, (uint32_t)(v >> 32));
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned get_u16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* Serialises commit idx as one record. */
static void hist_encode(ln_buf *b, const struct ln_history_graph *g, size_t idx)
{
	const hist_commit *c = &g->commits[idx];
	size_t start, i, k;
	put_u32(b, 0); /* length, patched below */
	start = b->size;
	ln_buf_put(b, (const char *)c->id.id, GIT_OID_RAWSZ);
	put_u64(b, (uint64_t)c->time);
	put_u16(b, c->nparents);
	put_u16(b, c->nlinks);
	for (i = 0; i < c->nlinks; i++) {
		const hist_link *l = &g->links[c->link_start + i];
		ln_buf_put(b, (const char *)l->parent.id, GIT_OID_RAWSZ);
		put_u32(b, l->chg_count);
		for (k = 0; k < l->chg_count; k++) {
			const hist_change *c2 = &g->chg[l->chg_start + k];
			const char *p = g->paths[c2->path];
			size_t n = strlen(p);
			put_u16(b, (unsigned)n);
			ln_buf_put(b, p, n);
			ln_buf_put(b, (const char *)c2->old_id.id, GIT_OID_RAWSZ);
			ln_buf_put(b, (const char *)c2->new_id.id, GIT_OID_RAWSZ);
		}
	}
	if (!ln_buf_failed(b)) {
		uint32_t len = (uint32_t)(b->size - start);
		unsigned char *p = (unsigned char *)b->ptr + start - 4;
		p[0] = (unsigned char)(len & 0xff);
		p[1] = (unsigned char)((len >> 8) & 0xff);
		p[2] = (unsigned char)((len >> 16) & 0xff);
		p[3] = (unsigned char)((len >> 24) & 0xff);
	}
}

/* Parses records from data[0..n); returns bytes consumed (whole records
 * only), or -1 on a malformed record (the file is then rebuilt). */
static long hist_decode(struct ln_history_graph *g, const unsigned char *data, size_t n)
{
	size_t pos = 0;
	while (pos + 4 <= n) {
		uint32_t len = get_u32(data + pos);
		const unsigned char *r = data + pos + 4, *end = r + len;
		unsigned nparents, nlinks, i;
		git_oid id;
		long long when;
		long idx;
		if (len > n - pos - 4)
			break; /* a record still being written, or cut by a crash */
		if (len < GIT_OID_RAWSZ + 12)
			return -1;
		git_oid_fromraw(&id, r);
		r += GIT_OID_RAWSZ;
		when = (long long)((uint64_t)get_u32(r) | (uint64_t)get_u32(r + 4) << 32);
		r += 8;
		nparents = get_u16(r);
		nlinks = get_u16(r + 2);
		r += 4;
		if (nlinks != (nparents ? nparents : 1))
			return -1;
		if (hist_find(g, &id) >= 0) { /* appended twice by two processes */
			pos += 4 + len;
			continue;
		}
		idx = hist_add_commit(g, &id, when, (uint16_t)nparents);
		if (idx < 0)
			return -1;
		for (i = 0; i < nlinks; i++) {
			git_oid parent;
			uint32_t count, k;
			if (end - r < GIT_OID_RAWSZ + 4)
				return -1;
			git_oid_fromraw(&parent, r);
			r += GIT_OID_RAWSZ;
			count = get_u32(r);
			r += 4;
			if (hist_add_link(g, idx, nparents ? &parent : NULL, nparents ? HIST_UNRESOLVED : HIST_MISSING) < 0)
				return -1;
			for (k = 0; k < count; k++) {
				unsigned plen;
				if (end - r < 2)
					return -1;
				plen = get_u16(r);
				r += 2;
				if ((size_t)(end - r) < (size_t)plen + 2 * GIT_OID_RAWSZ)
					return -1;
				{
					git_oid o, nw;
					git_oid_fromraw(&o, r + plen);
					git_oid_fromraw(&nw, r + plen + GIT_OID_RAWSZ);
					if (hist_add_change(g, g->nlinks - 1, (const char *)r, plen, &o, &nw) < 0)
						return -1;
				}
				r += plen + 2 * GIT_OID_RAWSZ;
			}
		}
		if (r != end)
			return -1;
		pos += 4 + len;
	}
	return (long)pos;
}

static void hist_resolve(struct ln_history_graph *g)
{
	size_t i;
	for (i = 0; i < g->nlinks; i++) {
		if (g->links[i].index == HIST_UNRESOLVED) {
			long idx = hist_find(g, &g->links[i].parent);
			if (idx >= 0)
				g->links[i].index = (int32_t)idx;
		}
	}
}

static int hist_header(ln_buf *b, ln_store *store)
{
	ln_buf_puts(b, HIST_MAGIC);
	put_u32(b, (uint32_t)strlen(store->prefix));
	ln_buf_puts(b, store->prefix);
	return ln_buf_failed(b) ? -1 : 0;
}

/* Reads what other processes (or earlier runs) appended since we last
 * looked. A file that is not ours, or malformed, is started afresh. */
static int hist_read_file(ln_store *store, ln_error *err)
{
	struct ln_history_graph *g = store->graph;
	ln_buf header = LN_BUF_INIT;
	unsigned char *data = NULL;
	struct stat st;
	int fd, rc = 0;
	if (hist_header(&header, store) < 0) {
		ln_buf_free(&header);
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	}
	if (g->loaded < 0) {
		ln_buf_free(&header);
		return 0; /* damaged: rewritten whole on the next append */
	}
	fd = open(g->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ln_buf_free(&header);
		return 0; /* no index yet */
	}
	if (fstat(fd, &st) != 0 || st.st_size <= g->loaded)
		goto cleanup;
	if (g->loaded == 0) {
		/* Check the header first. */
		char *h = malloc(header.size);
		ssize_t got = h ? pread(fd, h, header.size, 0) : -1;
		int ok = got == (ssize_t)header.size && memcmp(h, header.ptr, header.size) == 0;
		free(h);
		if (!ok)
			goto cleanup; /* rewritten on the next append */
		g->loaded = (off_t)header.size;
	}
	{
		size_t n = (size_t)(st.st_size - g->loaded), got = 0;
		long used;
		data = malloc(n ? n : 1);
		if (!data) {
			rc = ln_error_set(err, LN_ENOMEM, "out of memory");
			goto cleanup;
		}
		while (got < n) {
			ssize_t r = pread(fd, data + got, n - got, g->loaded + (off_t)got);
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		used = hist_decode(g, data, got);
		if (used < 0) {
			/* Malformed: forget it all and rebuild from git. */
			char *file = g->file;
			g->file = NULL;
			history_graph_free(g);
			store->graph = calloc(1, sizeof(*store->graph));
			if (!store->graph) {
				free(file);
				rc = ln_error_set(err, LN_ENOMEM, "out of memory");
				goto cleanup;
			}
			store->graph->file = file;
			store->graph->loaded = -1; /* rewrite */
			goto cleanup;
		}
		g->loaded += used;
		hist_resolve(g);
	}
cleanup:
	free(data);
	ln_buf_free(&header);
	close(fd);
	return rc;
}

/* Appends records for commits [from, ncommits) to the file (under the
 * store lock). A file with a bad header or a torn tail is rewritten. */
static void hist_append(ln_store *store, size_t from)
{
	struct ln_history_graph *g = store->graph;
	ln_buf b = LN_BUF_INIT;
	ln_error ignored;
	size_t i;
	int fd;
	struct stat st;
	if (from >= g->ncommits)
		return;
	if (store_lock(store, &ignored) < 0)
		return;
	fd = open(g->file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		goto cleanup;
	if (fstat(fd, &st) != 0)
		goto cleanup;
	if (g->loaded <= 0 || st.st_size < g->loaded) {
		/* New, foreign or damaged: write everything we know. */
		if (ftruncate(fd, 0) != 0 || hist_header(&b, store) < 0)
			goto cleanup;
		from = 0;
	} else if (st.st_size > g->loaded) {
		/* Someone appended since we read, or a torn record: read again
		 * first would be better, but appending duplicates is harmless
		 * (the reader skips them). Drop a torn tail only. */
		unsigned char *tail = malloc((size_t)(st.st_size - g->loaded));
		ssize_t got = tail ? pread(fd, tail, (size_t)(st.st_size - g->loaded), g->loaded) : -1;
		if (got > 0) {
			struct ln_history_graph *saved = g;
			long used = hist_decode(g, tail, (size_t)got);
			(void)saved;
			if (used >= 0) {
				g->loaded += used;
				hist_resolve(g);
				if (g->loaded < st.st_size && ftruncate(fd, g->loaded) != 0) {
					free(tail);
					goto cleanup;
				}
			}
		}
		free(tail);
	}
	for (i = from; i < g->ncommits; i++)
		hist_encode(&b, g, i);
	if (ln_buf_failed(&b))
		goto cleanup;
	{
		off_t at = from == 0 ? 0 : g->loaded;
		size_t done = 0;
		while (done < b.size) {
			ssize_t w = pwrite(fd, b.ptr + done, b.size - done, at + (off_t)done);
			if (w <= 0)
				break;
			done += (size_t)w;
		}
		if (done == b.size)
			g->loaded = at + (off_t)b.size;
		else if (ftruncate(fd, at) != 0)
			g->loaded = -1;
	}
cleanup:
	if (fd >= 0)
		close(fd);
	ln_buf_free(&b);
	store_unlock(store);
}

/* The store's closing hook: the graph goes with the store. */
static void history_closing(ln_store *store)
{
	history_graph_free(store->graph);
	store->graph = NULL;
}

static void history_committed(ln_store *store, const store_commit_event *ev);

static int hist_load(ln_store *store, ln_error *err)
{
	char name[64];
	ln_buf path = LN_BUF_INIT;
	/* From now on the store tells history of each commit it makes. */
	store->hooks.committed = history_committed;
	store->hooks.closing = history_closing;
	if (store->graph)
		return hist_read_file(store, err);
	store->graph = calloc(1, sizeof(*store->graph));
	if (!store->graph)
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	if (*store->prefix)
		snprintf(name, sizeof(name), "history-index-%08x", hist_hash_str(store->prefix, strlen(store->prefix)));
	else
		snprintf(name, sizeof(name), "history-index");
	ln_buf_printf(&path, "%sleadnotes/%s", store->gitdir, name);
	if (ln_buf_failed(&path)) {
		ln_buf_free(&path);
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	}
	store->graph->file = ln_buf_detach(&path);
	return hist_read_file(store, err);
}

/* --------------------------------------------------------------- building */

/* The tree of the notes folder in commit c into *out; zero id when absent. */
static int hist_folder_tree(git_oid *out, ln_store *store, const git_commit *c)
{
	git_tree *root = NULL;
	git_tree_entry *e = NULL;
	size_t n = strlen(store->prefix);
	memset(out, 0, sizeof(*out));
	if (n == 0) {
		git_oid_cpy(out, git_commit_tree_id(c));
		return 0;
	}
	if (git_commit_tree(&root, c) < 0)
		return -1;
	{
		char *sub = malloc(n);
		if (!sub) {
			git_tree_free(root);
			return -1;
		}
		memcpy(sub, store->prefix, n - 1);
		sub[n - 1] = '\0';
		if (git_tree_entry_bypath(&e, root, sub) == 0 && git_tree_entry_type(e) == GIT_OBJECT_TREE)
			git_oid_cpy(out, git_tree_entry_id(e));
		free(sub);
	}
	git_tree_entry_free(e);
	git_tree_free(root);
	return 0;
}

/* The tree of the notes folder in the commit whose root tree is `root`
 * into *out; zero id when absent. */
static int hist_folder_tree_of(git_oid *out, ln_store *store, const git_oid *root)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	size_t n = strlen(store->prefix);
	char *sub;
	memset(out, 0, sizeof(*out));
	if (n == 0) {
		git_oid_cpy(out, root);
		return 0;
	}
	if (git_tree_lookup(&tree, store->repo, root) < 0)
		return -1;
	sub = malloc(n);
	if (!sub) {
		git_tree_free(tree);
		return -1;
	}
	memcpy(sub, store->prefix, n - 1);
	sub[n - 1] = '\0';
	if (git_tree_entry_bypath(&e, tree, sub) == 0 && git_tree_entry_type(e) == GIT_OBJECT_TREE)
		git_oid_cpy(out, git_tree_entry_id(e));
	free(sub);
	git_tree_entry_free(e);
	git_tree_free(tree);
	return 0;
}

/* The parents of a commit being indexed (grown as needed). */
typedef struct hist_parents {
	git_oid *ids;
	unsigned char *kept;
	size_t n, alloc;
} hist_parents;

/* Parses a raw commit object: its root tree, its parents and the
 * committer time (as git_commit_time). -1 when it is not well formed. */
static int hist_parse_commit(git_oid *tree, hist_parents *parents, long long *when, const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	int have_tree = 0;
	parents->n = 0;
	*when = 0;
	while (p < end && *p != '\n') {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n;
		if (!nl)
			return -1;
		n = (size_t)(nl - p);
		if (n == 5 + GIT_OID_HEXSZ && memcmp(p, "tree ", 5) == 0) {
			if (git_oid_fromstrn(tree, p + 5, GIT_OID_HEXSZ) < 0)
				return -1;
			have_tree = 1;
		} else if (n == 7 + GIT_OID_HEXSZ && memcmp(p, "parent ", 7) == 0) {
			if (parents->n == parents->alloc) {
				size_t na = parents->alloc ? parents->alloc * 2 : 4;
				git_oid *ids = realloc(parents->ids, na * sizeof(*ids));
				unsigned char *kept;
				if (!ids)
					return -1;
				parents->ids = ids;
				kept = realloc(parents->kept, na);
				if (!kept)
					return -1;
				parents->kept = kept;
				parents->alloc = na;
			}
			if (git_oid_fromstrn(&parents->ids[parents->n], p + 7, GIT_OID_HEXSZ) < 0)
				return -1;
			parents->n++;
		} else if (n > 10 && memcmp(p, "committer ", 10) == 0) {
			/* "committer Name <mail> 1700000000 +0100" */
			const char *gt = nl;
			while (gt > p && gt[-1] != '>')
				gt--;
			if (gt > p) {
				char num[32];
				size_t k = 0;
				while (gt < nl && *gt == ' ')
					gt++;
				while (gt < nl && k + 1 < sizeof(num) && *gt >= '0' && *gt <= '9')
					num[k++] = *gt++;
				num[k] = '\0';
				*when = strtoll(num, NULL, 10);
			}
		}
		p = nl + 1;
	}
	return have_tree ? 0 : -1;
}

/* Adds to link `link` every path that differs between trees a and b
 * (either may be zero = empty). `base` is the folder-relative prefix.
 * With deep 0, only the entries of this level are listed. */
static int hist_diff_trees(struct ln_history_graph *g, size_t link, git_repository *repo, const git_oid *a_id,
	const git_oid *b_id, ln_buf *base, int deep)
{
	git_tree *a = NULL, *b = NULL;
	size_t i = 0, j = 0, na, nb, keep = base->size;
	int rc = -1;
	if (a_id && !git_oid_is_zero(a_id) && git_tree_lookup(&a, repo, a_id) < 0)
		goto cleanup;
	if (b_id && !git_oid_is_zero(b_id) && git_tree_lookup(&b, repo, b_id) < 0)
		goto cleanup;
	na = a ? git_tree_entrycount(a) : 0;
	nb = b ? git_tree_entrycount(b) : 0;
	while (i < na || j < nb) {
		const git_tree_entry *ea = i < na ? git_tree_entry_byindex(a, i) : NULL;
		const git_tree_entry *eb = j < nb ? git_tree_entry_byindex(b, j) : NULL;
		int cmp = !ea ? 1 : !eb ? -1 : git_tree_entry_cmp(ea, eb);
		const git_tree_entry *e = cmp <= 0 ? ea : eb;
		const char *name = git_tree_entry_name(e);
		if (cmp == 0 && git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)) &&
		    git_tree_entry_filemode(ea) == git_tree_entry_filemode(eb)) {
			i++;
			j++;
			continue;
		}
		base->size = keep;
		if (base->ptr)
			base->ptr[keep] = '\0';
		ln_buf_puts(base, name);
		if (ln_buf_failed(base))
			goto cleanup;
		{
			const git_oid *ta = ea && cmp <= 0 && git_tree_entry_type(ea) == GIT_OBJECT_TREE ? git_tree_entry_id(ea) : NULL;
			const git_oid *tb = eb && cmp >= 0 && git_tree_entry_type(eb) == GIT_OBJECT_TREE ? git_tree_entry_id(eb) : NULL;
			int blob = (ea && cmp <= 0 && !ta) || (eb && cmp >= 0 && !tb);
			if ((blob || !deep) && hist_add_change(g, link, base->ptr, base->size,
			        ea && cmp <= 0 ? git_tree_entry_id(ea) : NULL, eb && cmp >= 0 ? git_tree_entry_id(eb) : NULL) < 0)
				goto cleanup;
			if (deep && (ta || tb)) {
				ln_buf_putc(base, '/');
				if (hist_diff_trees(g, link, repo, ta, tb, base, 1) < 0)
					goto cleanup;
			}
		}
		if (cmp <= 0)
			i++;
		if (cmp >= 0)
			j++;
	}
	rc = 0;
cleanup:
	base->size = keep;
	if (base->ptr)
		base->ptr[keep] = '\0';
	git_tree_free(a);
	git_tree_free(b);
	return rc;
}

/* One entry of a raw tree object: "<mode> <name>\0<20-byte id>". */
typedef struct hist_raw_entry {
	const char *name;
	size_t name_len;
	int is_dir;
	const unsigned char *id;
	size_t size; /* bytes of the whole entry */
} hist_raw_entry;

static int hist_raw_parse(hist_raw_entry *e, const char *p, const char *end)
{
	const char *sp = memchr(p, ' ', (size_t)(end - p));
	const char *nul;
	if (!sp)
		return -1;
	nul = memchr(sp + 1, '\0', (size_t)(end - sp - 1));
	if (!nul || end - nul - 1 < GIT_OID_RAWSZ)
		return -1;
	e->is_dir = sp - p == 5 && memcmp(p, "40000", 5) == 0;
	e->name = sp + 1;
	e->name_len = (size_t)(nul - sp - 1);
	e->id = (const unsigned char *)nul + 1;
	e->size = (size_t)(nul + 1 + GIT_OID_RAWSZ - p);
	return 0;
}

/* The end of the raw tree entry at p (its NUL, then the id); NULL when
 * the entry is cut short. */
static const char *hist_raw_skip(const char *p, const char *end)
{
	const char *nul = p < end ? memchr(p, '\0', (size_t)(end - p)) : NULL;
	if (!nul || end - nul - 1 < GIT_OID_RAWSZ)
		return NULL;
	return nul + 1 + GIT_OID_RAWSZ;
}

/* How many leading bytes a and b (n bytes each) have in common. */
static size_t hist_common_prefix(const char *a, const char *b, size_t n)
{
	size_t i = 0;
	while (i + sizeof(uint64_t) <= n) {
		uint64_t x, y;
		memcpy(&x, a + i, sizeof(x));
		memcpy(&y, b + i, sizeof(y));
		if (x != y)
			break;
		i += sizeof(uint64_t);
	}
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/* git's tree order: a folder's name sorts as if it ended in '/'. */
static int hist_raw_cmp(const hist_raw_entry *a, const hist_raw_entry *b)
{
	size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
	int c = memcmp(a->name, b->name, n);
	unsigned char ca, cb;
	if (c)
		return c;
	ca = a->name_len > n ? (unsigned char)a->name[n] : a->is_dir ? '/' : '\0';
	cb = b->name_len > n ? (unsigned char)b->name[n] : b->is_dir ? '/' : '\0';
	return (int)ca - (int)cb;
}

/* The last few root trees read through libgit2 while indexing (those the
 * pack reader did not have: loose ones). A commit's tree is read twice in
 * a row: as the new side of its own change and as the old side of its
 * child's; libgit2 caches no tree over 4 KB (200 people), so without this
 * each one was inflated twice. */
#define HIST_TREE_CACHE 4
typedef struct hist_tree_cache {
	git_oid id[HIST_TREE_CACHE];
	git_odb_object *obj[HIST_TREE_CACHE];
	unsigned long used[HIST_TREE_CACHE], clock;
} hist_tree_cache;

static void hist_tree_cache_free(hist_tree_cache *tc)
{
	size_t i;
	for (i = 0; i < HIST_TREE_CACHE; i++)
		git_odb_object_free(tc->obj[i]);
	memset(tc, 0, sizeof(*tc));
}

/* The raw tree `id` into *data / *end, borrowed from the pack reader (valid
 * until its second read after this one) or else from the cache. */
static int hist_tree_read(const char **data, const char **end, hist_tree_cache *tc, pack_reader *pr,
	git_odb *odb, const git_oid *id)
{
	size_t i, victim = 0, len;
	git_object_t type;
	if (pr && pack_reader_read(data, &len, &type, pr, id) == 0) {
		*end = *data + len;
		return 0;
	}
	for (i = 0; i < HIST_TREE_CACHE; i++) {
		if (tc->obj[i] && git_oid_equal(&tc->id[i], id))
			break;
		if (tc->used[i] < tc->used[victim])
			victim = i;
	}
	if (i == HIST_TREE_CACHE) {
		i = victim;
		git_odb_object_free(tc->obj[i]);
		tc->obj[i] = NULL;
		if (git_odb_read(&tc->obj[i], odb, id) < 0)
			return -1;
		git_oid_cpy(&tc->id[i], id);
	}
	tc->used[i] = ++tc->clock;
	*data = git_odb_object_data(tc->obj[i]);
	*end = *data + git_odb_object_size(tc->obj[i]);
	return 0;
}

/* Adds to link `link` the top-level entries that differ between the raw
 * trees a and b (either may be zero = empty): a merge of two sorted lists
 * in which equal entries are equal bytes, so nothing is parsed twice or
 * allocated. */
static int hist_top_changes(struct ln_history_graph *g, size_t link, pack_reader *pr, git_odb *odb,
	hist_tree_cache *tc, const git_oid *a_id, const git_oid *b_id)
{
	const char *pa = NULL, *ea = NULL, *pb = NULL, *eb = NULL;
	int rc = -1;
	/* b first: it is the tree the previous commit read as its a */
	if (!git_oid_is_zero(b_id) && hist_tree_read(&pb, &eb, tc, pr, odb, b_id) < 0)
		goto cleanup;
	if (!git_oid_is_zero(a_id) && hist_tree_read(&pa, &ea, tc, pr, odb, a_id) < 0)
		goto cleanup;
	while (pa < ea || pb < eb) {
		hist_raw_entry xa, xb;
		int cmp;
		if (pa < ea && pb < eb) {
			/* Most entries are equal: find the first byte that differs,
			 * then step over the whole entries before it, parsing one
			 * side only. */
			size_t d = hist_common_prefix(pa, pb, (size_t)(ea - pa) < (size_t)(eb - pb) ?
				(size_t)(ea - pa) : (size_t)(eb - pb));
			const char *q = pa, *next;
			while ((next = hist_raw_skip(q, ea)) != NULL && (size_t)(next - pa) <= d)
				q = next;
			pb += q - pa;
			pa = q;
			if (pa == ea && pb == eb)
				break;
		}
		if (pa < ea && hist_raw_parse(&xa, pa, ea) < 0)
			goto cleanup;
		if (pb < eb && hist_raw_parse(&xb, pb, eb) < 0)
			goto cleanup;
		if (pa < ea && pb < eb) {
			if (xa.size == xb.size && memcmp(pa, pb, xa.size) == 0) {
				pa += xa.size;
				pb += xb.size;
				continue;
			}
			cmp = hist_raw_cmp(&xa, &xb);
		} else {
			cmp = pa < ea ? -1 : 1;
		}
		{
			git_oid before, after;
			if (cmp <= 0)
				git_oid_fromraw(&before, xa.id);
			if (cmp >= 0)
				git_oid_fromraw(&after, xb.id);
			if (hist_add_change(g, link, cmp <= 0 ? xa.name : xb.name, cmp <= 0 ? xa.name_len : xb.name_len,
			                    cmp <= 0 ? &before : NULL, cmp >= 0 ? &after : NULL) < 0)
				goto cleanup;
		}
		if (cmp <= 0)
			pa += xa.size;
		if (cmp >= 0)
			pb += xb.size;
	}
	rc = 0;
cleanup:
	return rc;
}

/* Makes the graph hold every commit reachable from head, walking git only
 * for the commits it does not know yet. */
static int hist_catch_up(ln_store *store, const git_oid *head, ln_error *err)
{
	struct ln_history_graph *g = store->graph;
	git_oid *stack = NULL, *ftrees = NULL;
	git_odb *odb = NULL;
	pack_reader *pr = NULL;
	ln_buf objects = LN_BUF_INIT;
	hist_tree_cache trees;
	hist_parents parents;
	int shallow;
	size_t nstack = 0, astack = 0, aftrees = 0, from = g->ncommits, i;
	int rc = 0;
	memset(&trees, 0, sizeof(trees));
	memset(&parents, 0, sizeof(parents));
	if (hist_find(g, head) >= 0)
		return 0;
	/* Only a shallow clone lacks parents: elsewhere each is there, and
	 * asking the object database for each was a tenth of indexing. */
	shallow = git_repository_is_shallow(store->repo) != 0;
	if (git_repository_odb(&odb, store->repo) < 0)
		return ln__error_from_git(err, GIT_ERROR, "cannot open the object database");
	/* The commits and trees are read through a reader of the packs of our
	 * own (pack_read.c), libgit2 only for what it does not find there. */
	ln_buf_printf(&objects, "%sobjects/", git_repository_commondir(store->repo));
	if (ln_buf_failed(&objects) || hist_grow((void **)&stack, &astack, 1, sizeof(git_oid)) < 0) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	if ((rc = pack_reader_open(&pr, objects.ptr, err)) < 0)
		goto cleanup; /* its own message */
	stack[nstack++] = *head;
	/* Discover the new commits; record their parents and folder trees.
	 * Each commit is read raw and only its tree, parents and committer
	 * time are parsed: libgit2's full parse (signatures, message) and its
	 * cache of parsed commits were a third of indexing. */
	while (nstack > 0) {
		git_oid id = stack[--nstack];
		git_odb_object *raw = NULL;
		git_oid root;
		unsigned k, kept = 0;
		long long when = 0;
		long idx;
		const char *data;
		size_t len;
		git_object_t type;
		if (hist_find(g, &id) >= 0)
			continue;
		if (pack_reader_read(&data, &len, &type, pr, &id) < 0) {
			if (git_odb_read(&raw, odb, &id) < 0) {
				rc = ln__error_from_git(err, GIT_ERROR, "cannot read a commit of the history");
				goto cleanup;
			}
			data = git_odb_object_data(raw);
			len = git_odb_object_size(raw);
			type = git_odb_object_type(raw);
		}
		if (type != GIT_OBJECT_COMMIT || hist_parse_commit(&root, &parents, &when, data, len) < 0) {
			git_odb_object_free(raw);
			git_error_set_str(GIT_ERROR_ODB, "not a commit");
			rc = ln__error_from_git(err, GIT_ERROR, "cannot read a commit of the history");
			goto cleanup;
		}
		git_odb_object_free(raw);
		for (k = 0; k < parents.n; k++) {
			/* A parent missing from a shallow clone is no parent. */
			parents.kept[k] = !shallow || git_odb_exists(odb, &parents.ids[k]);
			kept += parents.kept[k];
		}
		idx = hist_add_commit(g, &id, when, (uint16_t)kept);
		if (idx < 0 || hist_grow((void **)&ftrees, &aftrees, g->ncommits - from, sizeof(git_oid)) < 0) {
			rc = ln_error_set(err, LN_ENOMEM, "out of memory");
			goto cleanup;
		}
		if (hist_folder_tree_of(&ftrees[idx - (long)from], store, &root) < 0) {
			rc = ln__error_from_git(err, GIT_ERROR, "cannot read a tree of the history");
			goto cleanup;
		}
		for (k = 0; k < parents.n; k++) {
			if (!parents.kept[k])
				continue;
			if (hist_add_link(g, idx, &parents.ids[k], HIST_UNRESOLVED) < 0 ||
			    hist_grow((void **)&stack, &astack, nstack + 1, sizeof(git_oid)) < 0) {
				rc = ln_error_set(err, LN_ENOMEM, "out of memory");
				goto cleanup;
			}
			stack[nstack++] = parents.ids[k];
		}
		if (kept == 0 && hist_add_link(g, idx, NULL, HIST_MISSING) < 0) {
			rc = ln_error_set(err, LN_ENOMEM, "out of memory");
			goto cleanup;
		}
	}
	hist_resolve(g);
	/* The changes of each new commit against each parent. Links were
	 * added in commit order, so a commit's links are contiguous; the change
	 * lists are appended now, after all links, so fix up chg_start. */
	for (i = from; i < g->ncommits; i++) {
		hist_commit *c = &g->commits[i];
		unsigned k;
		for (k = 0; k < c->nlinks; k++) {
			hist_link *l = &g->links[c->link_start + k];
			git_oid ptree;
			const git_oid *ctree = &ftrees[i - from];
			memset(&ptree, 0, sizeof(ptree));
			if (l->index >= 0 && (size_t)l->index >= from) {
				ptree = ftrees[(size_t)l->index - from];
			} else if (l->index >= 0) {
				git_commit *p = NULL;
				if (git_commit_lookup(&p, store->repo, &l->parent) < 0 ||
				    hist_folder_tree(&ptree, store, p) < 0) {
					git_commit_free(p);
					rc = ln__error_from_git(err, GIT_ERROR, "cannot read a tree of the history");
					goto cleanup;
				}
				git_commit_free(p);
			}
			l->chg_start = (uint32_t)g->nchg;
			l->chg_count = 0;
			if (!git_oid_equal(&ptree, ctree) &&
			    hist_top_changes(g, c->link_start + k, pr, odb, &trees, &ptree, ctree) < 0) {
				rc = ln__error_from_git(err, GIT_ERROR, "cannot compare trees of the history");
				goto cleanup;
			}
		}
	}
	hist_append(store, from);
cleanup:
	if (rc < 0) {
		/* Half-learnt commits would mislead later queries: start over. */
		history_graph_free(store->graph);
		store->graph = NULL;
	}
	hist_tree_cache_free(&trees);
	pack_reader_free(pr);
	ln_buf_free(&objects);
	free(parents.ids);
	free(parents.kept);
	git_odb_free(odb);
	free(stack);
	free(ftrees);
	return rc;
}

/* The id of top-level entry `top` (n bytes) of the folder in `root` into
 * *out; zero when absent (or root is NULL). */
static void hist_top_entry(git_oid *out, ln_store *store, const git_tree *root, const char *top, size_t n)
{
	ln_buf path = LN_BUF_INIT;
	git_tree_entry *e = NULL;
	memset(out, 0, sizeof(*out));
	if (!root)
		return;
	ln_buf_puts(&path, store->prefix);
	ln_buf_put(&path, top, n);
	if (!ln_buf_failed(&path) && git_tree_entry_bypath(&e, root, path.ptr) == 0)
		git_oid_cpy(out, git_tree_entry_id(e));
	git_tree_entry_free(e);
	ln_buf_free(&path);
}

/* The store's commit hook: the history index learns about a commit the
 * store just made (see store_commit_event). */
static void history_committed(ln_store *store, const store_commit_event *ev)
{
	const git_oid *id = ev->id, *parent = ev->parent;
	const git_tree *old_root = ev->old_root, *new_root = ev->new_root;
	long long time = ev->time;
	char **paths = ev->paths;
	size_t path_count = ev->path_count;
	struct ln_history_graph *g = store->graph;
	long idx, pidx = -1;
	size_t i;
	if (!g || g->loaded < 0)
		return; /* not loaded in this process: the next query catches up */
	if (parent && (pidx = hist_find(g, parent)) < 0)
		return;
	if (hist_find(g, id) >= 0)
		return;
	idx = hist_add_commit(g, id, time, parent ? 1 : 0);
	if (idx < 0 || hist_add_link(g, idx, parent, parent ? (int32_t)pidx : HIST_MISSING) < 0)
		goto forget;
	for (i = 0; i < path_count; i++) {
		/* the person (top-level entry), once */
		const char *slash = strchr(paths[i], '/');
		size_t n = slash ? (size_t)(slash - paths[i]) : strlen(paths[i]), k;
		int dup = 0;
		git_oid before, after;
		for (k = 0; k < i; k++)
			if (strncmp(paths[k], paths[i], n) == 0 && (paths[k][n] == '/' || paths[k][n] == '\0'))
				dup = 1;
		if (dup)
			continue;
		hist_top_entry(&before, store, old_root, paths[i], n);
		hist_top_entry(&after, store, new_root, paths[i], n);
		if (git_oid_equal(&before, &after))
			continue;
		if (hist_add_change(g, g->nlinks - 1, paths[i], n, &before, &after) < 0)
			goto forget;
	}
	hist_append(store, (size_t)idx);
	return;
forget:
	/* Out of memory half way: drop the graph, it is rebuilt from git. */
	history_graph_free(store->graph);
	store->graph = NULL;
}

/* ------------------------------------------------------------------ query */

typedef struct hist_heap {
	uint32_t *idx;
	uint64_t *seq;
	size_t n, alloc;
} hist_heap;

/* Newer first; among equal times, the one queued first. */
static int hist_before(const struct ln_history_graph *g, const hist_heap *h, size_t a, size_t b)
{
	long long ta = g->commits[h->idx[a]].time, tb = g->commits[h->idx[b]].time;
	if (ta != tb)
		return ta > tb;
	return h->seq[a] < h->seq[b];
}

static void hist_swap(hist_heap *h, size_t a, size_t b)
{
	uint32_t i = h->idx[a];
	uint64_t s = h->seq[a];
	h->idx[a] = h->idx[b];
	h->seq[a] = h->seq[b];
	h->idx[b] = i;
	h->seq[b] = s;
}

static int hist_push(const struct ln_history_graph *g, hist_heap *h, uint32_t idx, uint64_t seq)
{
	size_t i;
	if (h->n == h->alloc) {
		size_t na = h->alloc ? h->alloc * 2 : 64;
		uint32_t *ni = realloc(h->idx, na * sizeof(uint32_t));
		uint64_t *ns;
		if (!ni)
			return -1;
		h->idx = ni;
		ns = realloc(h->seq, na * sizeof(uint64_t));
		if (!ns)
			return -1;
		h->seq = ns;
		h->alloc = na;
	}
	i = h->n++;
	h->idx[i] = idx;
	h->seq[i] = seq;
	while (i > 0 && hist_before(g, h, i, (i - 1) / 2)) {
		hist_swap(h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	return 0;
}

static uint32_t hist_pop(const struct ln_history_graph *g, hist_heap *h)
{
	uint32_t top = h->idx[0];
	size_t i = 0;
	h->n--;
	h->idx[0] = h->idx[h->n];
	h->seq[0] = h->seq[h->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, best = i;
		if (l < h->n && hist_before(g, h, l, best))
			best = l;
		if (r < h->n && hist_before(g, h, r, best))
			best = r;
		if (best == i)
			break;
		hist_swap(h, i, best);
		i = best;
	}
	return top;
}

/* What a query needs while it walks. */
#define HIST_SUB_CACHE 1024
typedef struct hist_sub_slot {
	git_oid tree, entry;
	unsigned mode;
	int used;
} hist_sub_slot;

typedef struct hist_query {
	ln_store *store;
	const struct ln_history_graph *g;
	const char *rel;   /* folder-relative path asked for, "" = everything */
	size_t top_len;    /* length of its first component */
	int deep;          /* rel goes below a top-level entry */
	unsigned char *match; /* per path id: 0 unknown, 1 is rel's top entry, 2 not */
	hist_sub_slot *sub;   /* rel below its top entry, per version of that entry */
} hist_query;

/* The id and mode of the rest of rel (below its top entry) inside the
 * version `tree` of the top entry; zero when absent. */
static int hist_sub_entry(hist_query *q, const git_oid *tree, git_oid *out, unsigned *mode)
{
	hist_sub_slot *slot;
	git_object *obj = NULL;
	git_tree_entry *e = NULL;
	memset(out, 0, sizeof(*out));
	*mode = 0;
	if (git_oid_is_zero(tree))
		return 0;
	slot = &q->sub[hist_hash_oid(tree) & (HIST_SUB_CACHE - 1)];
	if (slot->used && git_oid_equal(&slot->tree, tree)) {
		*out = slot->entry;
		*mode = slot->mode;
		return 0;
	}
	if (git_object_lookup(&obj, q->store->repo, tree, GIT_OBJECT_ANY) < 0)
		return -1;
	if (git_object_type(obj) == GIT_OBJECT_TREE &&
	    git_tree_entry_bypath(&e, (git_tree *)obj, q->rel + q->top_len + 1) == 0) {
		*out = *git_tree_entry_id(e);
		*mode = (unsigned)git_tree_entry_filemode(e);
	}
	git_tree_entry_free(e);
	git_object_free(obj);
	slot->tree = *tree;
	slot->entry = *out;
	slot->mode = *mode;
	slot->used = 1;
	return 0;
}

/* Whether commit idx changed q->rel against its link k: 1 yes, 0 no
 * (TREESAME), -1 on a read error. */
static int hist_link_touches(hist_query *q, uint32_t idx, unsigned k)
{
	const struct ln_history_graph *g = q->g;
	const hist_commit *c = &g->commits[idx];
	const hist_link *l = &g->links[c->link_start + k];
	const hist_change *hit = NULL;
	uint32_t i;
	if (!*q->rel)
		return l->chg_count > 0;
	for (i = 0; i < l->chg_count && !hit; i++) {
		const hist_change *ch = &g->chg[l->chg_start + i];
		if (!q->match[ch->path]) {
			const char *p = g->paths[ch->path];
			q->match[ch->path] = strncmp(p, q->rel, q->top_len) == 0 && p[q->top_len] == '\0' ? 1 : 2;
		}
		if (q->match[ch->path] == 1)
			hit = ch;
	}
	if (!hit)
		return 0;
	if (!q->deep)
		return 1;
	{
		git_oid a, b;
		unsigned ma, mb;
		if (hist_sub_entry(q, &hit->old_id, &a, &ma) < 0 || hist_sub_entry(q, &hit->new_id, &b, &mb) < 0)
			return -1;
		return !git_oid_equal(&a, &b) || ma != mb;
	}
}

/* The changed paths of a shown commit against its first parent: the
 * versions of the people it changed are compared now (only for the
 * commits returned). */
static int hist_paths(ln_history_entry *e, ln_store *store, const struct ln_history_graph *g, uint32_t idx)
{
	const hist_commit *c = &g->commits[idx];
	const hist_link *l = &g->links[c->link_start];
	struct ln_history_graph *scratch = calloc(1, sizeof(*scratch));
	ln_buf base = LN_BUF_INIT;
	uint32_t k;
	int rc = -1;
	long sc;
	if (!scratch)
		return -1;
	sc = hist_add_commit(scratch, &c->id, c->time, 0);
	if (sc < 0 || hist_add_link(scratch, sc, NULL, HIST_MISSING) < 0)
		goto cleanup;
	for (k = 0; k < l->chg_count; k++) {
		const hist_change *ch = &g->chg[l->chg_start + k];
		const char *top = g->paths[ch->path];
		git_object *oa = NULL, *ob = NULL;
		int ta, tb, ok = 1;
		if (!git_oid_is_zero(&ch->old_id) && git_object_lookup(&oa, store->repo, &ch->old_id, GIT_OBJECT_ANY) < 0)
			ok = 0;
		if (ok && !git_oid_is_zero(&ch->new_id) && git_object_lookup(&ob, store->repo, &ch->new_id, GIT_OBJECT_ANY) < 0)
			ok = 0;
		ta = oa && git_object_type(oa) == GIT_OBJECT_TREE;
		tb = ob && git_object_type(ob) == GIT_OBJECT_TREE;
		if (ok && ((oa && !ta) || (ob && !tb)) && hist_add_change(scratch, 0, top, strlen(top), NULL, NULL) < 0)
			ok = 0;
		if (ok && (ta || tb)) {
			ln_buf_clear(&base);
			ln_buf_puts(&base, top);
			ln_buf_putc(&base, '/');
			if (ln_buf_failed(&base) || hist_diff_trees(scratch, 0, store->repo, ta ? &ch->old_id : NULL,
			                                            tb ? &ch->new_id : NULL, &base, 1) < 0)
				ok = 0;
		}
		git_object_free(oa);
		git_object_free(ob);
		if (!ok)
			goto cleanup;
	}
	e->paths = calloc(scratch->nchg ? scratch->nchg : 1, sizeof(char *));
	if (!e->paths)
		goto cleanup;
	for (k = 0; k < scratch->nchg; k++) {
		e->paths[k] = ln__strdup(scratch->paths[scratch->chg[k].path]);
		if (!e->paths[k])
			goto cleanup;
		e->path_count++;
	}
	rc = 0;
cleanup:
	ln_buf_free(&base);
	history_graph_free(scratch);
	return rc;
}

static int hist_emit(ln_history *out, size_t *alloc, ln_store *store, const struct ln_history_graph *g,
	uint32_t idx)
{
	const hist_commit *c = &g->commits[idx];
	ln_history_entry *e;
	git_commit *commit = NULL;
	const git_signature *author;
	const char *summary;
	if (hist_grow((void **)&out->entries, alloc, out->count + 1, sizeof(ln_history_entry)) < 0)
		return -1;
	e = &out->entries[out->count];
	memset(e, 0, sizeof(*e));
	git_oid_tostr(e->id, sizeof(e->id), &c->id);
	memcpy(e->short_id, e->id, 7);
	e->time = c->time;
	if (git_commit_lookup(&commit, store->repo, &c->id) == 0) {
		author = git_commit_author(commit);
		summary = git_commit_summary(commit);
		e->author = ln__strdup(author && author->name ? author->name : "");
		e->summary = ln__strdup(summary ? summary : "");
		git_commit_free(commit);
	} else {
		e->author = ln__strdup("");
		e->summary = ln__strdup("");
	}
	out->count++;
	if (!e->author || !e->summary)
		return -1;
	return hist_paths(e, store, g, idx);
}

void ln_store_history_free(ln_history *history)
{
	size_t i, k;
	if (!history)
		return;
	for (i = 0; i < history->count; i++) {
		ln_history_entry *e = &history->entries[i];
		free(e->author);
		free(e->summary);
		for (k = 0; k < e->path_count; k++)
			free(e->paths[k]);
		free(e->paths);
	}
	free(history->entries);
	history->entries = NULL;
	history->count = 0;
}

int ln_store_history(ln_history *out, ln_store *store, const char *path, const ln_history_opts *opts, ln_error *err)
{
	struct ln_history_graph *g;
	git_commit *head = NULL;
	char *rel = NULL;
	unsigned char *seen = NULL;
	hist_heap heap = { NULL, NULL, 0, 0 };
	hist_query q;
	size_t alloc = 0;
	uint64_t seq = 0;
	long start;
	int rc = 0;
	out->entries = NULL;
	out->count = 0;
	memset(&q, 0, sizeof(q));
	store_flush_wait(store); /* a save's branch may still be moving */
	if (path && *path && !(path[0] == '.' && path[1] == '\0')) {
		if ((rc = ln_store_relpath(&rel, store, path, err)) < 0)
			return rc;
	} else {
		rel = ln__strdup("");
		if (!rel)
			return ln_error_set(err, LN_ENOMEM, "out of memory");
	}
	if ((rc = store_head_commit(&head, store, err)) < 0 || !head)
		goto cleanup; /* unborn HEAD: no history */
	if ((rc = hist_load(store, err)) < 0)
		goto cleanup;
	if ((rc = hist_catch_up(store, git_commit_id(head), err)) < 0)
		goto cleanup;
	g = store->graph;
	start = hist_find(g, git_commit_id(head));
	if (start < 0) {
		rc = ln_error_set(err, LN_ERROR, "the history index lost HEAD");
		goto cleanup;
	}
	q.store = store;
	q.g = g;
	q.rel = rel;
	q.top_len = strcspn(rel, "/");
	q.deep = rel[q.top_len] == '/';
	q.match = calloc(g->npaths ? g->npaths : 1, 1);
	seen = calloc(g->ncommits, 1);
	if (q.deep)
		q.sub = calloc(HIST_SUB_CACHE, sizeof(hist_sub_slot));
	if (!q.match || !seen || (q.deep && !q.sub) ||
	    hist_push(g, &heap, (uint32_t)start, seq++) < 0) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	seen[start] = 1;
	/* git's walk: pop the newest, simplify (a merge follows only its first
	 * parent that is TREESAME for the path), queue parents, show the commit
	 * when it is TREESAME to none. */
	while (heap.n > 0) {
		uint32_t idx = hist_pop(g, &heap);
		const hist_commit *c = &g->commits[idx];
		int show = 0;
		unsigned k, follow = UINT16_MAX;
		if (opts && opts->since && c->time < opts->since)
			continue; /* git stops walking past --since */
		if (c->nparents == 0) {
			show = hist_link_touches(&q, idx, 0);
		} else {
			show = 1;
			for (k = 0; k < c->nparents; k++) {
				int t = hist_link_touches(&q, idx, k);
				if (t < 0) {
					show = -1;
					break;
				}
				if (t == 0) {
					show = 0;
					follow = k;
					break;
				}
			}
		}
		if (show < 0) {
			rc = ln__error_from_git(err, GIT_ERROR, "cannot read the history");
			goto cleanup;
		}
		for (k = 0; k < c->nparents; k++) {
			const hist_link *l = &g->links[c->link_start + k];
			if (follow != UINT16_MAX && k != follow)
				continue;
			if (l->index < 0 || seen[l->index])
				continue;
			seen[l->index] = 1;
			if (hist_push(g, &heap, (uint32_t)l->index, seq++) < 0) {
				rc = ln_error_set(err, LN_ENOMEM, "out of memory");
				goto cleanup;
			}
		}
		if (!show || (opts && opts->until && c->time > opts->until))
			continue;
		if (hist_emit(out, &alloc, store, g, idx) < 0) {
			rc = ln_error_set(err, LN_ENOMEM, "out of memory");
			goto cleanup;
		}
		if (opts && opts->limit && out->count >= opts->limit)
			break;
	}
cleanup:
	if (rc < 0)
		ln_store_history_free(out);
	free(heap.idx);
	free(heap.seq);
	free(q.match);
	free(q.sub);
	free(seen);
	free(rel);
	git_commit_free(head);
	return rc;
}
