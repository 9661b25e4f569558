/* leadnotes: HTTP(S) credentials through git's own credential protocol
 * (`git credential fill`, `approve`, `reject`), so the store helper, a
 * forge's CLI and credential managers all serve leadnotes as they serve
 * git. This is the one place leadnotes runs `git`, and only when a server
 * asks for credentials. git runs with GIT_TERMINAL_PROMPT=0: it never
 * prompts. Also the redaction of credentials in URLs for messages. */
#ifndef LEADNOTES_CREDENTIAL_H
#define LEADNOTES_CREDENTIAL_H

#include "leadnotes/common.h"

/* A user name and password from a credential helper. */
typedef struct ln_credential {
	char *git_dir;  /* the repository whose configuration names the helpers */
	char *url;      /* the URL asked for, without credentials */
	char *username;
	char *password;
} ln_credential;

/* Asks git's credential helpers, as configured for the repository at
 * git_dir (NULL: the user's configuration only), for url (any
 * user:password in it is dropped; username, when not NULL or empty, is
 * passed on). On success
 * fills *out (free with ln_credential_clear) and returns 0; LN_ENOTFOUND
 * when no helper has credentials; LN_ERROR when git cannot be run. */
LN_API int ln_credential_fill(ln_credential *out, const char *git_dir, const char *url, const char *username,
	ln_error *err);

/* Tells the helpers that cred worked (approve non-zero: `git credential
 * approve`) or was refused (`git credential reject`, which removes it from
 * the store). Failures are ignored: this is bookkeeping. */
LN_API void ln_credential_report(const ln_credential *cred, int approve);

/* Frees and wipes what ln_credential_fill filled; accepts a zeroed one. */
LN_API void ln_credential_clear(ln_credential *cred);

/* Rewrites text (NUL-terminated, in a buffer of size bytes, in place,
 * truncated to fit) so that no URL in it shows a password or a token:
 * "scheme://user:secret@" becomes "scheme://user:***@", and for http(s)
 * a lone user part (often a token) becomes "***". */
LN_API void ln_credential_redact(char *text, size_t size);

#endif
