/* leadnotes: the clean/smudge filter driver (git-crypt and the like) that
 * libgit2 does not run by itself; used by the store and by sync. */
#ifndef LEADNOTES_FILTER_H
#define LEADNOTES_FILTER_H

#include <git2.h>

#include "leadnotes/common.h"

/* Registers, once per process, a libgit2 filter that runs the
 * filter.<driver>.clean and .smudge commands of the repository's git config
 * for paths whose .gitattributes say filter=<driver> (git-crypt and the
 * like), as git does. Without it libgit2 would store plaintext. Safe to call
 * many times (later calls return 0 at once). Returns 0, or LN_ERROR (or
 * LN_ENOMEM) when libgit2 refuses the filter. */
LN_API int ln_filter_register(ln_error *err);

/* 0 when path (relative to the working directory) can be written to the
 * object database faithfully: no filter attribute, or a driver whose clean
 * command is configured and the filter registered. LN_EINVALID otherwise,
 * with a message naming the driver: the caller must not store the blob. */
LN_API int ln_filter_check(git_repository *repo, const char *repo_path, ln_error *err);


#endif
