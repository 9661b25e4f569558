/* leadnotes: the clean/smudge filter driver libgit2 does not run by itself.
 * For paths whose .gitattributes say filter=<driver> (git-crypt and the
 * like) it runs filter.<driver>.clean and .smudge from the repository's git
 * config, as git does; both the store (saving) and sync (merging,
 * checking out) rely on it. */
#include "leadnotes/filter.h"
#include "leadnotes/buf.h"
#include "fsutil.h"

#include <git2.h>
#include <git2/sys/filter.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* filter drivers: filter.<driver>.clean / .smudge, run with /bin/sh in the
 * working directory with the note on stdin, as git runs them */

typedef struct filter_stream {
	git_writestream parent;
	git_writestream *next;
	ln_buf input;
	const char *command; /* owned by the payload */
	const char *path;
	const char *workdir;
} filter_stream;

/* Runs command over input; the output goes to *output. */
static int filter_run(ln_buf *output, const char *command, const char *path, const char *workdir,
	const char *input, size_t len)
{
	ln_buf cmd = LN_BUF_INIT;
	int in_pair[2] = { -1, -1 }, out_pipe[2] = { -1, -1 };
	size_t written = 0;
	pid_t pid = -1;
	int status = 0, rc = -1, out_open = 1;
	const char *p;

	/* %f is the path, single-quoted for the shell */
	for (p = command; *p; p++) {
		if (p[0] == '%' && p[1] == 'f') {
			const char *q;
			ln_buf_putc(&cmd, '\'');
			for (q = path; *q; q++) {
				if (*q == '\'')
					ln_buf_puts(&cmd, "'\\''");
				else
					ln_buf_putc(&cmd, *q);
			}
			ln_buf_putc(&cmd, '\'');
			p++;
		} else {
			ln_buf_putc(&cmd, *p);
		}
	}
	if (ln_buf_failed(&cmd) || !cmd.ptr)
		goto cleanup;
	/* a socket for stdin so a filter that exits early gives EPIPE, not SIGPIPE */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, in_pair) < 0 || pipe(out_pipe) < 0)
		goto cleanup;
	fcntl(in_pair[0], F_SETFD, FD_CLOEXEC);
	fcntl(out_pipe[0], F_SETFD, FD_CLOEXEC);
	pid = fork();
	if (pid < 0)
		goto cleanup;
	if (pid == 0) {
		if (dup2(in_pair[1], 0) < 0 || dup2(out_pipe[1], 1) < 0)
			_exit(127);
		if (workdir && chdir(workdir) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd.ptr, (char *)NULL);
		_exit(127);
	}
	close(in_pair[1]);
	in_pair[1] = -1;
	close(out_pipe[1]);
	out_pipe[1] = -1;
	if (len == 0)
		shutdown(in_pair[0], SHUT_WR);
	while (out_open) {
		struct pollfd fds[2];
		nfds_t n = 0;
		fds[n].fd = out_pipe[0];
		fds[n].events = POLLIN;
		n++;
		if (written < len) {
			fds[n].fd = in_pair[0];
			fds[n].events = POLLOUT;
			n++;
		}
		if (poll(fds, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			goto cleanup;
		}
		if (n > 1 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = send(in_pair[0], input + written, len - written, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (w < 0 && errno != EAGAIN && errno != EINTR)
				written = len; /* the filter stopped reading: let it finish */
			else if (w > 0)
				written += (size_t)w;
			if (written >= len)
				shutdown(in_pair[0], SHUT_WR);
		}
		if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			char chunk[8192];
			ssize_t r = read(out_pipe[0], chunk, sizeof(chunk));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				out_open = 0;
			else if (ln_buf_put(output, chunk, (size_t)r) < 0)
				goto cleanup;
		}
	}
	rc = 0;

cleanup:
	if (in_pair[0] >= 0)
		close(in_pair[0]);
	if (in_pair[1] >= 0)
		close(in_pair[1]);
	if (out_pipe[0] >= 0)
		close(out_pipe[0]);
	if (out_pipe[1] >= 0)
		close(out_pipe[1]);
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			rc = -1;
	}
	ln_buf_free(&cmd);
	return rc;
}

static int filter_write(git_writestream *s, const char *buffer, size_t len)
{
	filter_stream *fs = (filter_stream *)s;
	return ln_buf_put(&fs->input, buffer, len) < 0 ? -1 : 0;
}

static int filter_close(git_writestream *s)
{
	filter_stream *fs = (filter_stream *)s;
	ln_buf output = LN_BUF_INIT;
	int rc;
	if (filter_run(&output, fs->command, fs->path, fs->workdir, fs->input.ptr ? fs->input.ptr : "",
		    fs->input.size) < 0 || ln_buf_failed(&output)) {
		ln_buf_free(&output);
		git_error_set_str(GIT_ERROR_FILTER, "a filter driver command failed (see filter.<driver> in git config)");
		return -1;
	}
	rc = output.size ? fs->next->write(fs->next, output.ptr, output.size) : 0;
	ln_buf_free(&output);
	if (rc == 0)
		rc = fs->next->close(fs->next);
	return rc;
}

static void filter_stream_free(git_writestream *s)
{
	filter_stream *fs = (filter_stream *)s;
	ln_buf_free(&fs->input);
	free(fs);
}

/* The configured command for driver in this direction, or NULL. */
static char *filter_command(git_repository *repo, const char *driver, int to_odb)
{
	git_config *cfg = NULL;
	git_buf value = GIT_BUF_INIT;
	ln_buf key = LN_BUF_INIT;
	char *command = NULL;
	ln_buf_printf(&key, "filter.%s.%s", driver, to_odb ? "clean" : "smudge");
	if (!ln_buf_failed(&key) && git_repository_config_snapshot(&cfg, repo) == 0 &&
		git_config_get_string_buf(&value, cfg, key.ptr) == 0 && value.size)
		command = ln__strdup(value.ptr);
	git_buf_dispose(&value);
	git_config_free(cfg);
	ln_buf_free(&key);
	return command;
}

static int filter_required(git_repository *repo, const char *driver)
{
	git_config *cfg = NULL;
	ln_buf key = LN_BUF_INIT;
	int required = 0;
	ln_buf_printf(&key, "filter.%s.required", driver);
	if (!ln_buf_failed(&key) && git_repository_config_snapshot(&cfg, repo) == 0 &&
		git_config_get_bool(&required, cfg, key.ptr) < 0)
		required = 0;
	git_config_free(cfg);
	ln_buf_free(&key);
	return required;
}

/* 1 when the working file of path already holds git-crypt's ciphertext
 * (it starts with "\0GITCRYPT\0"): a locked clone's file, stored as it is
 * without leaking anything. Hashing it raw is what lets status (and so
 * save_all, sync) work on a clone that was never unlocked. */
static int filter_is_ciphertext(git_repository *repo, const char *path)
{
	static const char header[10] = { 0, 'G', 'I', 'T', 'C', 'R', 'Y', 'P', 'T', 0 };
	const char *workdir = git_repository_workdir(repo);
	ln_buf file = LN_BUF_INIT;
	char head[sizeof(header)];
	FILE *f;
	int yes = 0;
	if (!workdir || !path || ln_buf_printf(&file, "%s%s", workdir, path) < 0 || ln_buf_failed(&file)) {
		ln_buf_free(&file);
		return 0;
	}
	if ((f = fopen(file.ptr, "rb"))) {
		yes = fread(head, 1, sizeof(head), f) == sizeof(head) && memcmp(head, header, sizeof(header)) == 0;
		fclose(f);
	}
	ln_buf_free(&file);
	return yes;
}

/* Set when the driver was asked about a path with a filter=<driver>
 * attribute on this thread (ln__filter_seen). */
static __thread int filter_attribute_seen;

void ln__filter_seen_reset(void)
{
	filter_attribute_seen = 0;
}

static int filter_check_cb(git_filter *self, void **payload, const git_filter_source *src, const char **attr_values)
{
	const char *driver = attr_values && attr_values[0] ? attr_values[0] : NULL;
	git_repository *repo = git_filter_source_repo(src);
	int to_odb = git_filter_source_mode(src) == GIT_FILTER_TO_ODB;
	char *command;
	(void)self;
	if (driver && GIT_ATTR_HAS_VALUE(driver))
		filter_attribute_seen = 1;
	if (!driver || !GIT_ATTR_HAS_VALUE(driver) || !repo)
		return GIT_PASSTHROUGH;
	command = filter_command(repo, driver, to_odb);
	if (!command) {
		/* Unlike git, never store the unfiltered text: with an
		 * encryption driver (git-crypt) that would be the plain text.
		 * Text that is already git-crypt's ciphertext leaks nothing. */
		if (to_odb && filter_is_ciphertext(repo, git_filter_source_path(src)))
			return GIT_PASSTHROUGH;
		if (to_odb || filter_required(repo, driver)) {
			char msg[256];
			snprintf(msg, sizeof(msg), "%s has filter=%s in .gitattributes but filter.%s.%s is not configured "
				"(for git-crypt: git-crypt unlock); refusing to store it unfiltered",
				git_filter_source_path(src) ? git_filter_source_path(src) : "a file", driver, driver,
				to_odb ? "clean" : "smudge");
			git_error_set_str(GIT_ERROR_FILTER, msg);
			return -1;
		}
		return GIT_PASSTHROUGH;
	}
	*payload = command;
	return 0;
}

static int filter_stream_cb(git_writestream **out, git_filter *self, void **payload,
	const git_filter_source *src, git_writestream *next)
{
	filter_stream *fs = calloc(1, sizeof(*fs));
	(void)self;
	if (!fs)
		return -1;
	fs->parent.write = filter_write;
	fs->parent.close = filter_close;
	fs->parent.free = filter_stream_free;
	fs->next = next;
	fs->command = *payload;
	fs->path = git_filter_source_path(src);
	fs->workdir = git_repository_workdir(git_filter_source_repo(src));
	*out = &fs->parent;
	return 0;
}

static void filter_cleanup_cb(git_filter *self, void *payload)
{
	(void)self;
	free(payload);
}

static git_filter filter_driver_filter;
static int filter_driver_registered;

/* Without the driver registered nothing is seen: say so, to be checked. */
int ln__filter_seen(void)
{
	return filter_attribute_seen || !filter_driver_registered;
}

#define FILTER_NAME "leadnotes-driver"

int ln_filter_register(ln_error *err)
{
	int rc;
	if (filter_driver_registered)
		return LN_OK;
	git_libgit2_init();
	git_filter_init(&filter_driver_filter, GIT_FILTER_VERSION);
	filter_driver_filter.attributes = "filter=*";
	filter_driver_filter.check = filter_check_cb;
	filter_driver_filter.stream = filter_stream_cb;
	filter_driver_filter.cleanup = filter_cleanup_cb;
	rc = git_filter_register(FILTER_NAME, &filter_driver_filter, GIT_FILTER_DRIVER_PRIORITY);
	if (rc < 0 && rc != GIT_EEXISTS)
		return ln__error_from_git(err, GIT_ERROR, "cannot register the filter driver");
	filter_driver_registered = 1;
	return LN_OK;
}

int ln_filter_check(git_repository *repo, const char *repo_path, ln_error *err)
{
	const char *value = NULL;
	char *command;
	if (git_attr_get(&value, repo, GIT_ATTR_CHECK_FILE_THEN_INDEX, repo_path, "filter") < 0)
		return ln__error_from_git(err, GIT_ERROR, "cannot read .gitattributes");
	if (!GIT_ATTR_HAS_VALUE(value))
		return LN_OK;
	command = filter_command(repo, value, 1);
	if (!command)
		return ln_error_set(err, LN_EINVALID, "%s has filter=%s in .gitattributes but filter.%s.clean is not "
			"configured (for git-crypt: git-crypt unlock); not saving it, so the plain text never reaches git",
			repo_path, value, value);
	free(command);
	if (!filter_driver_registered)
		return ln_error_set(err, LN_EINVALID, "%s needs the filter driver '%s', which this program did not "
			"register; not saving it", repo_path, value);
	return LN_OK;
}
