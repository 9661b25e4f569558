/* leadnotes: SSH remotes through the user's own OpenSSH, as git reaches
 * them. A libgit2 smart subtransport runs the ssh program (GIT_SSH_COMMAND,
 * core.sshCommand, GIT_SSH, else `ssh`) with git-upload-pack or
 * git-receive-pack and speaks the pack protocol over its pipes, so the
 * agent, ~/.ssh/config (Host aliases, Port, IdentityFile, ProxyJump) and
 * known_hosts all apply. ssh runs with BatchMode=yes: it never prompts. */
#ifndef LEADNOTES_SSH_H
#define LEADNOTES_SSH_H

#include <git2.h>

#include "leadnotes/common.h"

/* 1 when url names an SSH remote: ssh://, ssh+git://, git+ssh://, or the
 * scp-like [user@]host:path (no "://", a ':' before any '/'); else 0. */
LN_API int ln_ssh_url_is_ssh(const char *url);

/* A git_transport_cb for git_remote_callbacks.transport: for an SSH URL
 * (of owner), a smart transport over the ssh program into *out, which
 * libgit2 owns and frees with the remote; for any other URL *out is left
 * NULL and libgit2 picks its own transport. param is unused. The ssh
 * command is read from the environment and owner's repository config now.
 * Returns 0, or a negative libgit2 code (GIT_ERROR) with git's error set:
 * this is libgit2's callback, so it reports no LN_E codes and no ln_error. */
LN_API int ln_ssh_transport(git_transport **out, git_remote *owner, void *param);

/* The command that runs ssh for repo (NULL: no repository config):
 * GIT_SSH_COMMAND, core.sshCommand, GIT_SSH, else "ssh". A new string in
 * *out (the caller frees it); *shell is 1 when it is a shell command line,
 * 0 when it is a program. Returns 0 or -1 (out of memory). */
LN_API int ln_ssh_command(char **out, int *shell, git_repository *repo);

#endif
