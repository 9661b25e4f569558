/* leadnotes: the git index file written by us (index_writer.c), the fast
 * path of the flusher that keeps .git/index up to date, and the cache tree
 * it carries over. Private: not exported from core.so. */
#ifndef LEADNOTES_INDEX_WRITER_H
#define LEADNOTES_INDEX_WRITER_H

#include <git2.h>

/* An index's cache tree (its TREE extension), as this writer carries it. */
typedef struct index_tree index_tree;

/* Reads the cache tree of the index file at index_path into *out (the
 * caller frees it with index_tree_free). Returns 0 with *out set, or with
 * *out NULL when the file has none or does not exist; -1 (and *out NULL)
 * when the file is an index this writer does not reproduce (version 4) or
 * cannot read, and then the caller leaves the writing to libgit2. */
int index_tree_load(index_tree **out, const char *index_path);

/* Marks invalid the root and each folder on the way to path (a path
 * relative to the work tree, '/'-separated), as libgit2 and git do when an
 * entry is added, changed or removed. tree may be NULL. */
void index_tree_invalidate(index_tree *tree, const char *path);

/* Frees tree (NULL is allowed). */
void index_tree_free(index_tree *tree);

/* Writes idx's entries to path (created or truncated) as a git index file,
 * version 2 (3 when an entry needs extended flags), with tree as its TREE
 * extension (none when tree is NULL). When idx holds what this writer does
 * not reproduce (resolve-undo or conflict-name data, version 4), writes
 * nothing, sets *declined to 1 and returns 0: the caller then writes with
 * git_index_write. Otherwise sets *declined to 0 and returns 0 when the
 * file is complete, or -1 with errno set (and path removed) when it could
 * not be written. */
int index_writer_write(git_index *idx, const index_tree *tree, const char *path, int *declined);

#endif
