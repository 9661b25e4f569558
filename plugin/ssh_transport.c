/* leadnotes: SSH remotes over the user's own ssh program (see ssh.h). One
 * ssh process per connection: its stdin and stdout are one end of a socket
 * pair (written with MSG_NOSIGNAL, so a dead ssh is an error, never a
 * SIGPIPE in the editor), its stderr a pipe whose text explains a failure. */
#include "leadnotes/ssh.h"
#include "leadnotes/buf.h"
#include "fsutil.h"

#include <git2/sys/transport.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define SSH_STDERR_MAX 8192

static const char *const ssh_schemes[] = { "ssh://", "ssh+git://", "git+ssh://" };

typedef struct ssh_subtransport ssh_subtransport;

typedef struct ssh_stream {
	git_smart_subtransport_stream parent;
	pid_t pid;
	int io;          /* our end of the socket pair: ssh's stdin and stdout */
	int err;         /* read end of ssh's stderr; -1 once at its end */
	int reaped;
	int status;      /* waitpid status once reaped */
	ln_buf errtext;  /* what ssh (and the server) wrote on stderr, capped */
	ln_buf host;     /* [user@]host, as given to ssh */
	ln_buf port;     /* empty: ssh's own default or config */
} ssh_stream;

struct ssh_subtransport {
	git_smart_subtransport parent;
	char *command;   /* a shell command line (shell) or a program */
	int shell;
	ssh_stream *current;
};

typedef struct ssh_params {
	char *command;
	int shell;
} ssh_params;

static const char *ssh_scheme_end(const char *url)
{
	size_t i;
	for (i = 0; i < sizeof(ssh_schemes) / sizeof(ssh_schemes[0]); i++) {
		size_t n = strlen(ssh_schemes[i]);
		if (strncasecmp(url, ssh_schemes[i], n) == 0)
			return url + n;
	}
	return NULL;
}

int ln_ssh_url_is_ssh(const char *url)
{
	const char *colon, *slash;
	if (!url || !*url)
		return 0;
	if (ssh_scheme_end(url))
		return 1;
	if (strstr(url, "://"))
		return 0;
	/* git's rule for scp-like addresses: a ':' before any '/' */
	colon = strchr(url, ':');
	slash = strchr(url, '/');
	return colon && colon != url && (!slash || colon < slash);
}

int ln_ssh_command(char **out, int *shell, git_repository *repo)
{
	const char *env = getenv("GIT_SSH_COMMAND");
	git_config *cfg = NULL;
	git_buf value = GIT_BUF_INIT;
	*out = NULL;
	*shell = 1;
	if (env && *env)
		return (*out = ln__strdup(env)) ? 0 : -1;
	if (repo) {
		if (git_repository_config_snapshot(&cfg, repo) == 0 &&
			git_config_get_string_buf(&value, cfg, "core.sshCommand") == 0 && value.size) {
			*out = ln__strdup(value.ptr);
			git_buf_dispose(&value);
			git_config_free(cfg);
			return *out ? 0 : -1;
		}
		git_buf_dispose(&value);
		git_config_free(cfg);
		git_error_clear(); /* no core.sshCommand is no error */
	}
	*shell = 0;
	env = getenv("GIT_SSH");
	return (*out = ln__strdup(env && *env ? env : "ssh")) ? 0 : -1;
}

/* Splits url into [user@]host, port and the path git-upload-pack gets:
 * ssh://[user@]host[:port]/path ("/~user/x" gives "~user/x") or the
 * scp-like [user@]host:path. -1 with git's error set when malformed. */
static int ssh_parse_url(ln_buf *host, ln_buf *port, ln_buf *path, const char *url)
{
	const char *rest = ssh_scheme_end(url), *end, *at, *h, *colon;
	if (rest) {
		end = strchr(rest, '/');
		if (!end || end == rest)
			goto malformed;
		at = NULL;
		for (h = rest; h < end; h++)
			if (*h == '@')
				at = h;
		h = at ? at + 1 : rest;
		if (*h == '[') { /* [IPv6 address] */
			const char *close = memchr(h, ']', (size_t)(end - h));
			if (!close)
				goto malformed;
			if (at)
				ln_buf_put(host, rest, (size_t)(at - rest + 1));
			ln_buf_put(host, h + 1, (size_t)(close - h - 1));
			colon = close[1] == ':' ? close + 1 : NULL;
		} else {
			colon = memchr(h, ':', (size_t)(end - h));
			ln_buf_put(host, rest, (size_t)((colon ? colon : end) - rest));
		}
		if (colon && colon + 1 < end)
			ln_buf_put(port, colon + 1, (size_t)(end - colon - 1));
		ln_buf_puts(path, end[1] == '~' ? end + 1 : end);
	} else {
		const char *start = url;
		at = strchr(url, '@');
		colon = strchr(url, ':');
		if (at && colon && at < colon)
			start = at + 1;
		if (*start == '[' && (end = strchr(start, ']')) && end[1] == ':') {
			if (start != url)
				ln_buf_put(host, url, (size_t)(start - url));
			ln_buf_put(host, start + 1, (size_t)(end - start - 1));
			colon = end + 1;
		} else {
			if (!colon)
				goto malformed;
			ln_buf_put(host, url, (size_t)(colon - url));
		}
		ln_buf_puts(path, colon + 1);
	}
	if (ln_buf_failed(host) || ln_buf_failed(port) || ln_buf_failed(path)) {
		git_error_set_oom();
		return -1;
	}
	/* an argument ssh would take for an option (CVE-2017-1000117) */
	if (!host->size || host->ptr[0] == '-' || !path->size || path->ptr[0] == '-' ||
		strspn(port->ptr ? port->ptr : "", "0123456789") != port->size)
		goto malformed;
	return 0;
malformed:
	git_error_set(GIT_ERROR_NET, "not an SSH address leadnotes can use: %s", url);
	return -1;
}

/* ------------------------------------------------------------------ */
/* the ssh process */

/* Reads what ssh wrote on stderr, once; at its end closes it. */
static void ssh_read_stderr(ssh_stream *s)
{
	char chunk[1024];
	ssize_t n = read(s->err, chunk, sizeof(chunk));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(s->err);
		s->err = -1;
		return;
	}
	if (s->errtext.size < SSH_STDERR_MAX)
		ln_buf_put(&s->errtext, chunk, (size_t)n);
}

static void ssh_reap(ssh_stream *s)
{
	while (s->err >= 0)
		ssh_read_stderr(s);
	while (!s->reaped && s->pid > 0) {
		if (waitpid(s->pid, &s->status, 0) == s->pid || errno != EINTR)
			s->reaped = 1;
	}
}

/* The last non-empty line of ssh's stderr, without the carriage returns
 * OpenSSH puts there, into out. */
static void ssh_last_line(ln_buf *out, const ssh_stream *s)
{
	const char *text = s->errtext.ptr ? s->errtext.ptr : "";
	size_t end = s->errtext.size, start;
	while (end && (text[end - 1] == '\n' || text[end - 1] == '\r' || text[end - 1] == ' '))
		end--;
	start = end;
	while (start && text[start - 1] != '\n')
		start--;
	for (; start < end; start++)
		if (text[start] != '\r')
			ln_buf_putc(out, text[start]);
}

/* Whether an SSH agent is reachable by the path in SSH_AUTH_SOCK. */
static int ssh_agent_present(void)
{
	const char *sock = getenv("SSH_AUTH_SOCK");
	struct stat sb;
	return sock && *sock && stat(sock, &sb) == 0 && S_ISSOCK(sb.st_mode);
}

/* Sets git's error to what went wrong with ssh, read from its stderr:
 * a changed or unknown host key, refused keys, or ssh's own last line. */
static int ssh_fail(ssh_stream *s)
{
	const ssh_subtransport *t = (const ssh_subtransport *)s->parent.subtransport;
	const char *text, *fix;
	ln_buf msg = LN_BUF_INIT, again = LN_BUF_INIT;
	int code = WIFEXITED(s->status) ? WEXITSTATUS(s->status) : -1;

	text = s->errtext.ptr ? s->errtext.ptr : "";
	/* the command a user runs once to talk to the host and answer ssh */
	ln_buf_printf(&again, "%s%s%s %s", t->command, s->port.size ? " -p " : "", s->port.size ? s->port.ptr : "",
		s->host.ptr);
	if (strstr(text, "HOST IDENTIFICATION HAS CHANGED") || strstr(text, "has changed and you have requested")) {
		ln_buf_printf(&msg, "the host key of %s has CHANGED since known_hosts recorded it: the connection may be "
			"intercepted, or the server was reinstalled. Only if you trust the new key, remove the old one with: ",
			s->host.ptr);
		if ((fix = strstr(text, "ssh-keygen -f "))) {
			size_t n = strcspn(fix, "\r\n");
			ln_buf_put(&msg, fix, n);
		} else {
			ln_buf_printf(&msg, "ssh-keygen -R %s", s->host.ptr);
		}
		ln_buf_printf(&msg, "; then accept the new key with: %s", again.ptr);
	} else if (strstr(text, "Host key verification failed") || strstr(text, "host key is known")) {
		ln_buf_printf(&msg, "the host key of %s is not known yet (not in known_hosts): check its fingerprint and "
			"accept it once with: %s", s->host.ptr, again.ptr);
	} else if (strstr(text, "Permission denied")) {
		if (!ssh_agent_present())
			ln_buf_printf(&msg, "%s refused the keys ssh could use, and no SSH agent is running (SSH_AUTH_SOCK): "
				"a key with a passphrase is used only through an agent: eval \"$(ssh-agent -s)\"; ssh-add",
				s->host.ptr);
		else
			ln_buf_printf(&msg, "%s refused every key the SSH agent and ~/.ssh offered: add yours with ssh-add, "
				"or name it with IdentityFile in ~/.ssh/config", s->host.ptr);
	} else if (code == 127 && !s->errtext.size) {
		ln_buf_printf(&msg, "cannot run the ssh program (%s): install OpenSSH's client or set core.sshCommand",
			t->command);
	} else {
		ln_buf line = LN_BUF_INIT;
		ssh_last_line(&line, s);
		if (code >= 0)
			ln_buf_printf(&msg, "ssh %s failed (exit %d): %s", s->host.ptr, code, line.size ? line.ptr : "no message");
		else
			ln_buf_printf(&msg, "ssh %s was killed by signal %d", s->host.ptr, WTERMSIG(s->status));
		ln_buf_free(&line);
	}
	if (ln_buf_failed(&msg))
		git_error_set_oom();
	else
		git_error_set_str(GIT_ERROR_SSH, msg.ptr);
	ln_buf_free(&msg);
	ln_buf_free(&again);
	return -1;
}

/* ssh closed its end: fine when it exited with 0 (libgit2 then sees the
 * end of the stream), else the reason it failed. */
static int ssh_ended(ssh_stream *s)
{
	ssh_reap(s);
	if (WIFEXITED(s->status) && WEXITSTATUS(s->status) == 0)
		return 0;
	return ssh_fail(s);
}

static int ssh_stream_read(git_smart_subtransport_stream *stream, char *buffer, size_t size, size_t *bytes_read)
{
	ssh_stream *s = (ssh_stream *)stream;
	*bytes_read = 0;
	for (;;) {
		struct pollfd fds[2];
		nfds_t n = 1;
		fds[0].fd = s->io;
		fds[0].events = POLLIN;
		fds[0].revents = 0;
		if (s->err >= 0) {
			fds[1].fd = s->err;
			fds[1].events = POLLIN;
			fds[1].revents = 0;
			n = 2;
		}
		if (poll(fds, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			git_error_set(GIT_ERROR_OS, "ssh: poll failed: %s", strerror(errno));
			return -1;
		}
		if (n == 2 && fds[1].revents)
			ssh_read_stderr(s);
		if (fds[0].revents) {
			ssize_t got = read(s->io, buffer, size);
			if (got < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (got < 0 && errno != ECONNRESET) {
				git_error_set(GIT_ERROR_OS, "ssh: cannot read from ssh: %s", strerror(errno));
				return -1;
			}
			if (got <= 0)
				return ssh_ended(s);
			*bytes_read = (size_t)got;
			return 0;
		}
	}
}

static int ssh_stream_write(git_smart_subtransport_stream *stream, const char *buffer, size_t len)
{
	ssh_stream *s = (ssh_stream *)stream;
	while (len) {
		ssize_t put = send(s->io, buffer, len, MSG_NOSIGNAL);
		if (put < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE || errno == ECONNRESET) {
				ssh_reap(s);
				return ssh_fail(s);
			}
			git_error_set(GIT_ERROR_OS, "ssh: cannot write to ssh: %s", strerror(errno));
			return -1;
		}
		buffer += put;
		len -= (size_t)put;
	}
	return 0;
}

static void ssh_stream_free(git_smart_subtransport_stream *stream)
{
	ssh_stream *s = (ssh_stream *)stream;
	ssh_subtransport *t;
	int i;
	if (!s)
		return;
	t = (ssh_subtransport *)s->parent.subtransport;
	if (t && t->current == s)
		t->current = NULL;
	if (s->io >= 0)
		close(s->io); /* ssh sees the end of its input and exits */
	if (s->err >= 0)
		close(s->err);
	s->err = -1;
	/* give it two seconds, then stop it */
	for (i = 0; !s->reaped && s->pid > 0 && i < 200; i++) {
		pid_t r = waitpid(s->pid, &s->status, WNOHANG);
		if (r == s->pid || (r < 0 && errno != EINTR))
			s->reaped = 1;
		else {
			struct timespec ten_ms = { 0, 10000000L };
			nanosleep(&ten_ms, NULL);
		}
	}
	if (!s->reaped && s->pid > 0) {
		kill(s->pid, SIGTERM);
		ssh_reap(s);
	}
	ln_buf_free(&s->errtext);
	ln_buf_free(&s->host);
	ln_buf_free(&s->port);
	free(s);
}

static int ssh_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);
	return flags < 0 ? -1 : fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

/* Whether command runs PuTTY's plink (or TortoisePlink), whose options
 * differ from OpenSSH's, as git's ssh.variant detection decides. */
static int ssh_is_plink(const char *command)
{
	const char *start = command + strspn(command, " \t"), *end = start + strcspn(start, " \t"), *base = start, *p;
	size_t n;
	for (p = start; p < end; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	n = (size_t)(end - base);
	if (n > 4 && strncasecmp(end - 4, ".exe", 4) == 0)
		n -= 4;
	return (n == 5 && strncasecmp(base, "plink", 5) == 0) || (n == 13 && strncasecmp(base, "tortoiseplink", 13) == 0);
}

/* Starts ssh for service on url into a new stream in *out. */
static int ssh_stream_open(ssh_stream **out, ssh_subtransport *t, const char *url, const char *service)
{
	ssh_stream *s = calloc(1, sizeof(*s));
	ln_buf path = LN_BUF_INIT, remote_cmd = LN_BUF_INIT, shell_line = LN_BUF_INIT;
	const char *argv[12];
	int sv[2] = { -1, -1 }, ep[2] = { -1, -1 }, rc = -1, spawned, have_fa = 0, have_attr = 0;
	size_t argc = 0, i;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, pipe_only;

	*out = NULL;
	if (!s) {
		git_error_set_oom();
		return -1;
	}
	s->parent.subtransport = &t->parent;
	s->parent.read = ssh_stream_read;
	s->parent.write = ssh_stream_write;
	s->parent.free = ssh_stream_free;
	s->io = s->err = -1;
	if (ssh_parse_url(&s->host, &s->port, &path, url) < 0)
		goto cleanup;
	/* the path in single quotes for the remote shell, as git sends it */
	ln_buf_printf(&remote_cmd, "%s '", service);
	for (i = 0; i < path.size; i++) {
		if (path.ptr[i] == '\'')
			ln_buf_puts(&remote_cmd, "'\\''");
		else
			ln_buf_putc(&remote_cmd, path.ptr[i]);
	}
	ln_buf_putc(&remote_cmd, '\'');
	if (t->shell) {
		ln_buf_printf(&shell_line, "%s \"$@\"", t->command);
		argv[argc++] = "/bin/sh";
		argv[argc++] = "-c";
		argv[argc++] = shell_line.ptr;
	}
	argv[argc++] = t->command;
	/* never prompt: no passphrase, password or host-key question */
	if (ssh_is_plink(t->command)) {
		argv[argc++] = "-batch";
	} else {
		argv[argc++] = "-o";
		argv[argc++] = "BatchMode=yes";
	}
	if (s->port.size) {
		argv[argc++] = ssh_is_plink(t->command) ? "-P" : "-p";
		argv[argc++] = s->port.ptr;
	}
	argv[argc++] = s->host.ptr;
	argv[argc++] = remote_cmd.ptr;
	argv[argc] = NULL;
	if (ln_buf_failed(&remote_cmd) || ln_buf_failed(&shell_line) || ln_buf_failed(&s->host)) {
		git_error_set_oom();
		goto cleanup;
	}

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 || pipe(ep) < 0 || ssh_cloexec(sv[0]) < 0 ||
		ssh_cloexec(sv[1]) < 0 || ssh_cloexec(ep[0]) < 0 || ssh_cloexec(ep[1]) < 0) {
		git_error_set(GIT_ERROR_OS, "ssh: cannot create pipes: %s", strerror(errno));
		goto cleanup;
	}
	have_fa = posix_spawn_file_actions_init(&fa) == 0;
	have_attr = have_fa && posix_spawnattr_init(&attr) == 0;
	if (!have_attr) {
		git_error_set_oom();
		goto cleanup;
	}
	posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 1);
	posix_spawn_file_actions_adddup2(&fa, ep[1], 2);
	/* an editor may block or ignore signals; ssh gets the defaults */
	sigemptyset(&none);
	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &pipe_only);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	spawned = posix_spawnp(&s->pid, argv[0], &fa, &attr, (char *const *)argv, environ);
	if (spawned != 0) {
		s->pid = 0;
		git_error_set(GIT_ERROR_OS, "cannot run the ssh program (%s): %s; install OpenSSH's client or set "
			"core.sshCommand", t->command, strerror(spawned));
		goto cleanup;
	}
	s->io = sv[0];
	s->err = ep[0];
	sv[0] = ep[0] = -1;
	*out = s;
	s = NULL;
	rc = 0;

cleanup:
	if (have_fa)
		posix_spawn_file_actions_destroy(&fa);
	if (have_attr)
		posix_spawnattr_destroy(&attr);
	for (i = 0; i < 2; i++) {
		if (sv[i] >= 0)
			close(sv[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	if (s)
		ssh_stream_free(&s->parent);
	ln_buf_free(&path);
	ln_buf_free(&remote_cmd);
	ln_buf_free(&shell_line);
	return rc;
}

/* ------------------------------------------------------------------ */
/* the subtransport */

static int ssh_action(git_smart_subtransport_stream **out, git_smart_subtransport *sub, const char *url,
	git_smart_service_t action)
{
	ssh_subtransport *t = (ssh_subtransport *)sub;
	const char *service;
	ssh_stream *s = NULL;

	*out = NULL;
	switch (action) {
	case GIT_SERVICE_UPLOADPACK:
	case GIT_SERVICE_RECEIVEPACK:
		/* the same conversation goes on after the listing */
		if (!t->current) {
			git_error_set_str(GIT_ERROR_NET, "ssh: no connection to go on with");
			return -1;
		}
		*out = &t->current->parent;
		return 0;
	case GIT_SERVICE_UPLOADPACK_LS:
		service = "git-upload-pack";
		break;
	case GIT_SERVICE_RECEIVEPACK_LS:
		service = "git-receive-pack";
		break;
	default:
		git_error_set_str(GIT_ERROR_NET, "ssh: unknown service");
		return -1;
	}
	if (ssh_stream_open(&s, t, url, service) < 0)
		return -1;
	t->current = s;
	*out = &s->parent;
	return 0;
}

static int ssh_close(git_smart_subtransport *sub)
{
	(void)sub; /* the smart transport frees the stream itself */
	return 0;
}

static void ssh_free(git_smart_subtransport *sub)
{
	ssh_subtransport *t = (ssh_subtransport *)sub;
	if (!t)
		return;
	free(t->command);
	free(t);
}

static int ssh_subtransport_new(git_smart_subtransport **out, git_transport *owner, void *param)
{
	const ssh_params *p = param;
	ssh_subtransport *t = calloc(1, sizeof(*t));
	(void)owner;
	*out = NULL;
	if (!t || !(t->command = ln__strdup(p->command))) {
		free(t);
		git_error_set_oom();
		return -1;
	}
	t->shell = p->shell;
	t->parent.action = ssh_action;
	t->parent.close = ssh_close;
	t->parent.free = ssh_free;
	*out = &t->parent;
	return 0;
}

int ln_ssh_transport(git_transport **out, git_remote *owner, void *param)
{
	git_smart_subtransport_definition def;
	ssh_params p;
	int rc;

	(void)param;
	*out = NULL;
	if (!ln_ssh_url_is_ssh(git_remote_url(owner)))
		return 0; /* libgit2 chooses: local, file://, http(s)://, git:// */
	if (ln_ssh_command(&p.command, &p.shell, git_remote_owner(owner)) < 0) {
		git_error_set_oom();
		return -1;
	}
	def.callback = ssh_subtransport_new;
	def.rpc = 0;
	def.param = &p;
	rc = git_transport_smart(out, owner, &def);
	free(p.command);
	return rc;
}
