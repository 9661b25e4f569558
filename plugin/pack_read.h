/* leadnotes: a reader of a repository's packs for one long walk over many
 * objects (the first history call's; see pack_read.c). Internal to the
 * core library. */
#ifndef LEADNOTES_PACK_READ_H
#define LEADNOTES_PACK_READ_H

#include <stddef.h>

#include <git2.h>

#include "leadnotes/common.h"

typedef struct ln_pack_reader ln_pack_reader;

/* Opens the packs in <objects_dir>pack/ (objects_dir ends with '/') into
 * *out, freed with ln_pack_reader_free. A folder without (readable) packs
 * gives a reader that finds nothing. Returns 0, or LN_ENOMEM with err set. */
int ln_pack_reader_open(ln_pack_reader **out, const char *objects_dir, ln_error *err);

/* The object `id`: its type into *type and its bytes into *data / *len,
 * borrowed from the reader; they stay valid until the second read after
 * this one, so two objects read one after the other can be compared.
 * Returns 0, or LN_ENOTFOUND when the object is not in these packs or its
 * entry cannot be decoded here (damaged, or too deep a delta chain): the
 * caller then asks libgit2, which reads it or says what is wrong. */
int ln_pack_reader_read(const char **data, size_t *len, git_object_t *type, ln_pack_reader *r, const git_oid *id);

/* Unmaps the packs and frees the reader; r may be NULL. */
void ln_pack_reader_free(ln_pack_reader *r);

#endif
