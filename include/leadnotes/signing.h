/* leadnotes: signed commits and seals, as git makes them. With
 * commit.gpgsign (tag.gpgsign for seals) the configured signing program is
 * run the way git runs it: gpg.format = openpgp runs gpg.openpgp.program or
 * gpg.program (default gpg) with `--status-fd=2 -bsau <user.signingkey>`;
 * gpg.format = ssh runs gpg.ssh.program (default ssh-keygen) with
 * `-Y sign -n git -f <user.signingkey>`. */
#ifndef LEADNOTES_SIGNING_H
#define LEADNOTES_SIGNING_H

#include <git2.h>

#include "leadnotes/common.h"

/* 1 when the repository's configuration asks for signed objects of kind
 * "commit" (commit.gpgsign) or "tag" (tag.gpgsign), else 0. */
LN_API int ln_signing_wanted(git_repository *repo, const char *kind);

/* Writes a commit object as git_commit_create does with no reference to
 * update, signed when commit.gpgsign asks for it. A signature that cannot
 * be made is an error (LN_ERROR naming the program and why): nothing is
 * written, as git refuses the commit. */
LN_API int ln_signing_commit_create(git_oid *out, git_repository *repo, const git_signature *author,
	const git_signature *committer, const char *message, const git_tree *tree, size_t parent_count,
	const git_commit *parents[], ln_error *err);

/* Creates the annotated tag refs/tags/<name> on target as git_tag_create
 * does (never forced), signed when tag.gpgsign asks for it. */
LN_API int ln_signing_tag_create(git_oid *out, git_repository *repo, const char *name, const git_object *target,
	const git_signature *tagger, const char *message, ln_error *err);

/* What a check of a signed object found. */
typedef enum ln_signature_state {
	LN_SIGNATURE_NONE = 0, /* not signed */
	LN_SIGNATURE_GOOD = 1, /* signed, and the signing program says the signature is good */
	LN_SIGNATURE_BAD = 2,  /* signed, but the signature does not match the object */
	LN_SIGNATURE_UNCHECKED = 3 /* signed, but it could not be checked here (no program, no allowed signers) */
} ln_signature_state;

/* Checks the signature of a commit or an annotated tag (id) with the
 * program of its format. *detail (the caller frees it; may be NULL) says
 * who signed or why it could not be checked. */
LN_API int ln_signing_verify(ln_signature_state *state, char **detail, git_repository *repo, const git_oid *id,
	ln_error *err);

#endif
