/* leadnotes: the guard against libgit2 1.5's endless loop on a damaged
 * loose object (see odb_guard.c). Internal to the core library. */
#ifndef LEADNOTES_ODB_GUARD_H
#define LEADNOTES_ODB_GUARD_H

#include <git2.h>

#include "leadnotes/common.h"

/* Puts the guard in front of repo's object database: a read of a loose
 * object whose file is cut short fails with a message naming it, instead
 * of never returning. Returns 0, or LN_ERROR / LN_ENOMEM with err set. */
int ln_odb_guard_install(git_repository *repo, ln_error *err);

#endif
