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
 * "commit" (commit.gpgsign) or "tag" (tag.gpgsign), else 0 (also when the
 * configuration cannot be read). */
LN_API int ln_signing_wanted(git_repository *repo, const char *kind);

/* Writes a commit object as git_commit_create does with no reference to
 * update, signed when commit.gpgsign asks for it, and puts its id in *out.
 * Every argument is borrowed. Returns 0; a signature that cannot be made is
 * an error (LN_ERROR or LN_EINVALID naming the program and why; LN_EIO for
 * its temporary files): nothing is written, as git refuses the commit.
 * LN_ENOMEM without memory; LN_ERROR when libgit2 cannot write it. */
LN_API int ln_signing_commit_create(git_oid *out, git_repository *repo, const git_signature *author,
	const git_signature *committer, const char *message, const git_tree *tree, size_t parent_count,
	const git_commit *parents[], ln_error *err);

/* Creates the annotated tag refs/tags/<name> on target as git_tag_create
 * does (never forced), signed when tag.gpgsign asks for it, and puts the
 * tag object's id in *out. Every argument is borrowed. Returns 0, or the
 * codes of ln_signing_commit_create; a name already taken fails (LN_ERROR
 * with libgit2's message). */
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
 * program of its format into *state (LN_SIGNATURE_NONE when unsigned).
 * *detail, when detail is not NULL, is a string the caller frees, or NULL:
 * who signed or why it could not be checked. Returns 0 whatever the
 * verdict; LN_ERROR when the object cannot be read, LN_EIO or LN_ENOMEM
 * when the check cannot be run. */
LN_API int ln_signing_verify(ln_signature_state *state, char **detail, git_repository *repo, const git_oid *id,
	ln_error *err);

#endif
