/* leadnotes: HTTP(S) credentials through `git credential` (credential.h). */
#include "leadnotes/credential.h"
#include "leadnotes/buf.h"
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void credential_wipe(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* url without any user:password@ part, into out. */
static void credential_bare_url(ln_buf *out, const char *url)
{
	const char *scheme = strstr(url, "://"), *host, *at = NULL, *p;
	if (!scheme) {
		ln_buf_puts(out, url);
		return;
	}
	host = scheme + 3;
	for (p = host; *p && *p != '/' && *p != '?' && *p != '#'; p++)
		if (*p == '@')
			at = p;
	ln_buf_put(out, url, (size_t)(host - url));
	ln_buf_puts(out, at ? at + 1 : host);
}

/* An environment for git: the caller's, with every prompt off: the
 * terminal, askpass programs (an empty GIT_ASKPASS stops git from falling
 * back to core.askPass and SSH_ASKPASS) and Git Credential Manager's UI. */
static char **credential_env(void)
{
	static const char *const quiet[] = { "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "GCM_INTERACTIVE=never" };
	size_t n = 0, i, j, k = 0, nq = sizeof(quiet) / sizeof(quiet[0]);
	char **env;
	while (environ && environ[n])
		n++;
	if (!(env = calloc(n + nq + 1, sizeof(*env))))
		return NULL;
	for (i = 0; i < n; i++) {
		int replaced = 0;
		for (j = 0; j < nq; j++)
			if (strncmp(environ[i], quiet[j], (size_t)(strchr(quiet[j], '=') - quiet[j] + 1)) == 0)
				replaced = 1;
		if (!replaced)
			env[k++] = environ[i];
	}
	for (j = 0; j < nq; j++)
		env[k++] = (char *)quiet[j];
	env[k] = NULL;
	return env;
}

/* Runs `git credential <action>` with input on its stdin; its stdout into
 * *output when not NULL. Returns git's exit status, or -1 when it could
 * not be run. A socket pair carries both ways: a git that quits early is
 * an error on send (MSG_NOSIGNAL), never a SIGPIPE in the editor. */
static int credential_git(ln_buf *output, const char *git_dir, const char *action, const ln_buf *input)
{
	int sv[2] = { -1, -1 }, status = -1, rc = -1, have_fa = 0, i;
	char **env = NULL;
	char *argv[6];
	pid_t pid = 0;
	posix_spawn_file_actions_t fa;
	ln_buf dir_opt = LN_BUF_INIT;
	size_t off = 0, argc = 0;

	argv[argc++] = "git";
	if (git_dir) {
		ln_buf_printf(&dir_opt, "--git-dir=%s", git_dir);
		if (ln_buf_failed(&dir_opt))
			goto cleanup;
		argv[argc++] = dir_opt.ptr;
	}
	argv[argc++] = "credential";
	argv[argc++] = (char *)action;
	argv[argc] = NULL;
	if (!(env = credential_env()) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 ||
		fcntl(sv[0], F_SETFD, FD_CLOEXEC) < 0 || fcntl(sv[1], F_SETFD, FD_CLOEXEC) < 0)
		goto cleanup;
	if (posix_spawn_file_actions_init(&fa) != 0)
		goto cleanup;
	have_fa = 1;
	posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 1);
	/* git's own complaints ("terminal prompts disabled") are not ours */
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, "git", &fa, NULL, argv, env) != 0) {
		pid = 0;
		goto cleanup;
	}
	close(sv[1]);
	sv[1] = -1;
	while (off < input->size) {
		ssize_t n = send(sv[0], input->ptr + off, input->size - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		off += (size_t)n;
	}
	shutdown(sv[0], SHUT_WR);
	for (;;) {
		char chunk[1024];
		ssize_t n = read(sv[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (output)
			ln_buf_put(output, chunk, (size_t)n);
		explicit_bzero(chunk, sizeof(chunk));
	}
	rc = 0;

cleanup:
	if (have_fa)
		posix_spawn_file_actions_destroy(&fa);
	for (i = 0; i < 2; i++)
		if (sv[i] >= 0)
			close(sv[i]);
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	free(env);
	ln_buf_free(&dir_opt);
	if (rc < 0 || pid <= 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The description git credential reads: the URL and the user name. */
static void credential_describe(ln_buf *input, const char *url, const char *username)
{
	ln_buf_puts(input, "url=");
	ln_buf_puts(input, url);
	ln_buf_putc(input, '\n');
	if (username && *username)
		ln_buf_printf(input, "username=%s\n", username);
}

int ln_credential_fill(ln_credential *out, const char *git_dir, const char *url, const char *username,
	ln_error *err)
{
	ln_buf bare = LN_BUF_INIT, input = LN_BUF_INIT, output = LN_BUF_INIT;
	const char *line;
	int status, rc = LN_OK;

	memset(out, 0, sizeof(*out));
	credential_bare_url(&bare, url);
	if (ln_buf_failed(&bare)) {
		rc = ln_error_set(err, LN_ENOMEM, "credentials: out of memory");
		goto cleanup;
	}
	/* a value with a newline would end the description early */
	if (strchr(bare.ptr, '\n') || (username && strchr(username, '\n'))) {
		rc = ln_error_set(err, LN_EINVALID, "credentials: the URL holds a newline");
		goto cleanup;
	}
	credential_describe(&input, bare.ptr, username);
	ln_buf_putc(&input, '\n');
	if (ln_buf_failed(&input)) {
		rc = ln_error_set(err, LN_ENOMEM, "credentials: out of memory");
		goto cleanup;
	}
	status = credential_git(&output, git_dir, "fill", &input);
	if (status < 0) {
		rc = ln_error_set(err, LN_ERROR, "cannot run git for its credential helpers: %s", strerror(errno));
		goto cleanup;
	}
	for (line = output.ptr; status == 0 && line && *line;) {
		size_t n = strcspn(line, "\n");
		if (n > 9 && strncmp(line, "username=", 9) == 0 && !out->username)
			out->username = ln__strndup(line + 9, n - 9);
		else if (n > 9 && strncmp(line, "password=", 9) == 0 && !out->password)
			out->password = ln__strndup(line + 9, n - 9);
		line += n + (line[n] == '\n');
	}
	if (status != 0 || !out->username || !out->password) {
		rc = ln_error_set(err, LN_ENOTFOUND, "no git credential helper has a user name and password for %s",
			bare.ptr);
		goto cleanup;
	}
	if (!(out->url = ln__strndup(bare.ptr, bare.size)) ||
		(git_dir && !(out->git_dir = ln__strndup(git_dir, strlen(git_dir)))))
		rc = ln_error_set(err, LN_ENOMEM, "credentials: out of memory");

cleanup:
	if (rc < 0)
		ln_credential_clear(out);
	if (output.ptr)
		explicit_bzero(output.ptr, output.size);
	ln_buf_free(&bare);
	ln_buf_free(&input);
	ln_buf_free(&output);
	return rc;
}

void ln_credential_report(const ln_credential *cred, int approve)
{
	ln_buf input = LN_BUF_INIT;
	if (!cred || !cred->url || !cred->username || !cred->password)
		return;
	credential_describe(&input, cred->url, cred->username);
	ln_buf_printf(&input, "password=%s\n\n", cred->password);
	if (!ln_buf_failed(&input))
		credential_git(NULL, cred->git_dir, approve ? "approve" : "reject", &input);
	if (input.ptr)
		explicit_bzero(input.ptr, input.size);
	ln_buf_free(&input);
}

void ln_credential_clear(ln_credential *cred)
{
	if (!cred)
		return;
	free(cred->url);
	free(cred->git_dir);
	credential_wipe(cred->username);
	credential_wipe(cred->password);
	memset(cred, 0, sizeof(*cred));
}

void ln_credential_redact(char *text, size_t size)
{
	ln_buf out = LN_BUF_INIT;
	const char *p = text, *scheme;
	if (!text || !size)
		return;
	while ((scheme = strstr(p, "://"))) {
		const char *host = scheme + 3, *end = host, *at = NULL, *colon = NULL, *s;
		int http;
		for (; *end && !strchr("/?# \t\n'\"()<>", *end); end++)
			if (*end == '@')
				at = end;
		for (s = scheme; s > p && ((s[-1] >= 'a' && s[-1] <= 'z') || (s[-1] >= 'A' && s[-1] <= 'Z') ||
			(s[-1] >= '0' && s[-1] <= '9') || s[-1] == '+' || s[-1] == '.' || s[-1] == '-'); s--)
			;
		http = (size_t)(scheme - s) >= 4 && strncasecmp(s, "http", 4) == 0;
		ln_buf_put(&out, p, (size_t)(host - p));
		if (at) {
			colon = memchr(host, ':', (size_t)(at - host));
			if (colon)
				ln_buf_put(&out, host, (size_t)(colon - host + 1));
			if (colon || http)
				ln_buf_puts(&out, "***");
			else
				ln_buf_put(&out, host, (size_t)(at - host));
			p = at;
		} else {
			p = host;
		}
	}
	ln_buf_puts(&out, p);
	if (!ln_buf_failed(&out) && out.ptr) {
		size_t n = out.size < size - 1 ? out.size : size - 1;
		memcpy(text, out.ptr, n);
		text[n] = '\0';
	} else if ((scheme = strstr(text, "://"))) {
		text[scheme - text] = '\0'; /* out of memory: drop every URL rather than show one */
	}
	ln_buf_free(&out);
}
