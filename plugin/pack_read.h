/* leadnotes: a reader of a repository's packs for one long walk over many
 * objects (the first history call's; see pack_read.c). Internal to the
 * core library. */
#ifndef LEADNOTES_PACK_READ_H
#define LEADNOTES_PACK_READ_H

#include <stddef.h>

#include <git2.h>

#include "leadnotes/common.h"

typedef struct pack_reader pack_reader;

/* Opens the packs in <objects_dir>pack/ (objects_dir ends with '/') into
 * *out, freed with pack_reader_free. A folder without (readable) packs
 * gives a reader that finds nothing. Returns 0, or LN_ENOMEM with err set. */
int pack_reader_open(pack_reader **out, const char *objects_dir, ln_error *err);

/* Adds to r an index (version 2) and its pack held in memory, borrowed:
 * they must outlive r. For the fuzzer, whose exact-size buffers let the
 * sanitizers see a read past their end, which a mapping hides. Call before
 * the first read. Returns 0, LN_EINVALID when the pair fails the checks a
 * mapped pair must pass (r then unchanged), or LN_ENOMEM. */
int pack_reader_add_buffers(pack_reader *r, const unsigned char *idx, size_t idx_len, const unsigned char *data,
	size_t data_len);

/* The object `id`: its type into *type and its bytes into *data / *len,
 * borrowed from the reader; they stay valid until the second read after
 * this one, so two objects read one after the other can be compared.
 * Returns 0, or LN_ENOTFOUND when the object is not in these packs or its
 * entry cannot be decoded here (damaged, or too deep a delta chain): the
 * caller then asks libgit2, which reads it or says what is wrong. */
int pack_reader_read(const char **data, size_t *len, git_object_t *type, pack_reader *r, const git_oid *id);

/* Unmaps the packs and frees the reader; r may be NULL. */
void pack_reader_free(pack_reader *r);

#endif
