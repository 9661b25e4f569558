/* leadnotes: the git index file written by us (index_writer.c), the fast
 * path of the flusher that keeps .git/index up to date. Private: not
 * exported from core.so. */
#ifndef LEADNOTES_INDEX_WRITER_H
#define LEADNOTES_INDEX_WRITER_H

#include <git2.h>

/* Writes idx's entries to path (created or truncated) as a git index file,
 * version 2 (3 when an entry needs extended flags), with no extension.
 * When idx holds what this writer does not reproduce (resolve-undo or
 * conflict-name data, version 4), writes nothing, sets *declined to 1 and
 * returns 0: the caller then writes with git_index_write. Otherwise sets
 * *declined to 0 and returns 0 when the file is complete, or -1 with errno
 * set (and path removed) when it could not be written. */
int index_writer_write(git_index *idx, const char *path, int *declined);

#endif
