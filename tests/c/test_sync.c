/* sync, seal, filters: two clones of a real remote (a bare repository by
 * path, and git daemon on 127.0.0.1) synced through ln_sync_run, every result
 * checked with the git command line. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "leadnotes/sync.h"
#include "leadnotes/filter.h"

#include "check.h"
#include "helpers.h"
static char tmp[512];


/* Writes text to path under dir, making its folders. */
static void write_file(const char *dir, const char *path, const char *text)
{
	char file[1024];
	snprintf(file, sizeof(file), "%s/%s", dir, path);
	th_write_file(file, text, strlen(text));
}

/* The text of path under dir; "" when there is no such file (caller frees). */
static char *read_file(const char *dir, const char *path)
{
	char file[1024];
	char *text;
	snprintf(file, sizeof(file), "%s/%s", dir, path);
	text = th_read_file(file, NULL);
	return text ? text : calloc(1, 1);
}

/* Commits path in clone the way a save does (through git here). */
static void commit(const char *clone, const char *path, const char *text, const char *message)
{
	write_file(clone, path, text);
	th_sh("cd '%s' && git add -- '%s' && git commit -q -m '%s'", clone, path, message);
}

/* Syncs clone with the remote named remote (NULL: the branch's upstream). */
static int run_sync_with(ln_sync_result **res, const char *clone, const char *remote, ln_error *err)
{
	git_repository *repo = NULL;
	ln_sync_options opts = LN_SYNC_OPTIONS_INIT;
	int rc;
	*res = NULL;
	if (git_repository_open(&repo, clone) < 0)
		return ln_error_set(err, LN_ERROR, "cannot open %s", clone);
	opts.remote = remote;
	rc = ln_sync_run(res, repo, "", &opts, err);
	git_repository_free(repo);
	return rc;
}

/* Syncs clone with its branch's upstream. */
static int run_sync(ln_sync_result **res, const char *clone, ln_error *err)
{
	return run_sync_with(res, clone, NULL, err);
}

static int contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

static char *head_of(const char *repo)
{
	return th_out("git -C '%s' rev-parse HEAD 2>/dev/null", repo);
}

/* A remote (by url) with two clones a and b holding one first note. */
static void make_pair(const char *name, const char *url)
{
	th_sh("cd '%s' && git init -q --bare -b main %s.git", tmp, name);
	th_sh("cd '%s' && git clone -q '%s' %s-a 2>/dev/null", tmp, url, name);
	th_sh("cd '%s/%s-a' && git config user.name Ann && git config user.email ann@example.org", tmp, name);
	{
		char a[1024];
		snprintf(a, sizeof(a), "%s/%s-a", tmp, name);
		commit(a, "alice/2026-03-01-one-on-one.org", "* One-on-one\nline one\nline two\nline three\n", "first");
		th_sh("cd '%s' && git push -q origin main 2>/dev/null", a);
	}
	th_sh("cd '%s' && git clone -q '%s' %s-b 2>/dev/null", tmp, url, name);
	th_sh("cd '%s/%s-b' && git config user.name Bob && git config user.email bob@example.org", tmp, name);
}

/* The remote `name` of a test: its clones a and b (made by make_pair) and
 * the bare repository between them. */
typedef struct clones {
	char a[1024], b[1024], bare[1024];
} clones;

static clones clones_of(const char *name)
{
	clones c;
	snprintf(c.a, sizeof(c.a), "%s/%s-a", tmp, name);
	snprintf(c.b, sizeof(c.b), "%s/%s-b", tmp, name);
	snprintf(c.bare, sizeof(c.bare), "%s/%s.git", tmp, name);
	return c;
}

/* Clones that edit different notes push, merge and fast-forward to one
 * history, with no conflict. */
static void sync_merges_different_notes_and_fast_forwards(const char *name)
{
	clones c = clones_of(name);
	ln_sync_result *res = NULL;
	ln_error err;
	char *text, *log;
	int rc;

	/* different notes */
	commit(c.a, "alice/2026-03-08-one-on-one.org", "* alice again\n", "a: alice");
	commit(c.b, "bob/2026-03-08-one-on-one.org", "* bob\n", "b: bob");
	rc = run_sync(&res, c.a, &err);
	CHECK(rc == 0, "sync: a clone ahead of the remote pushes");
	CHECK(res && res->merged == LN_SYNC_UP_TO_DATE && res->pushed == 1 && res->conflict_count == 0,
		"sync: ahead means up-to-date and pushed");
	ln_sync_result_free(res);
	log = th_out("git -C '%s' status -sb | head -1", c.a);
	CHECK(!contains(log, "ahead"), "sync: after a push the remote-tracking branch follows");
	free(log);
	rc = run_sync(&res, c.b, &err);
	if (rc)
		fprintf(stderr, "%s\n", err.message);
	CHECK(rc == 0, "sync: diverged clones merge");
	CHECK(res && res->merged == LN_SYNC_MERGE && res->pushed == 1 && res->conflict_count == 0,
		"sync: different notes merge without conflicts and push");
	CHECK(res && res->fetched > 0, "sync: counts the objects fetched");
	ln_sync_result_free(res);
	text = read_file(c.b, "alice/2026-03-08-one-on-one.org");
	CHECK(strcmp(text, "* alice again\n") == 0, "sync: the other clone's note arrives");
	free(text);
	log = th_out("git -C '%s' log -1 --format=%%P main", c.bare);
	CHECK(strchr(log, ' ') != NULL, "sync: the remote holds a merge commit with two parents");
	free(log);
	CHECK(th_status_clean(c.b), "sync: git status is clean after a merge");
	rc = run_sync(&res, c.a, &err);
	CHECK(rc == 0 && res && res->merged == LN_SYNC_FAST_FORWARD && res->pushed == 0,
		"sync: the first clone fast-forwards and has nothing to push");
	ln_sync_result_free(res);
	text = read_file(c.a, "bob/2026-03-08-one-on-one.org");
	CHECK(strcmp(text, "* bob\n") == 0, "sync: fast-forward brings the note");
	free(text);
	{
		char *ha = head_of(c.a), *hb = head_of(c.b), *hr = head_of(c.bare);
		CHECK(strcmp(ha, hb) == 0 && strcmp(ha, hr) == 0, "sync: both clones and the remote agree");
		free(ha);
		free(hb);
		free(hr);
	}
	CHECK(th_status_clean(c.a), "sync: git status is clean after a fast-forward");
	rc = run_sync(&res, c.a, &err);
	CHECK(rc == 0 && res && res->merged == LN_SYNC_UP_TO_DATE && res->pushed == 0,
		"sync: nothing new is up-to-date");
	ln_sync_result_free(res);
}

/* Both clones change the same line: the sync goes on, the note keeps both
 * sides between conflict markers, and the conflict is listed until resolved. */
static void sync_keeps_both_sides_of_a_conflict_between_markers(const char *name)
{
	clones c = clones_of(name);
	ln_sync_result *res = NULL;
	ln_error err;
	char *text, *log;
	int rc;

	/* the same note, the same line */
	commit(c.a, "alice/2026-03-01-one-on-one.org", "* One-on-one\nline one\nANN CHANGED THIS\nline three\n", "a edit");
	commit(c.b, "alice/2026-03-01-one-on-one.org", "* One-on-one\nline one\nBOB CHANGED THIS\nline three\n", "b edit");
	rc = run_sync(&res, c.a, &err);
	CHECK(rc == 0 && res && res->pushed, "sync: first edit of the note pushed");
	ln_sync_result_free(res);
	rc = run_sync(&res, c.b, &err);
	if (rc)
		fprintf(stderr, "%s\n", err.message);
	CHECK(rc == 0, "sync: a conflict still syncs");
	CHECK(res && res->merged == LN_SYNC_MERGE && res->pushed && res->conflict_count == 1 && res->conflicts &&
		strcmp(res->conflicts[0], "alice/2026-03-01-one-on-one.org") == 0,
		"sync: the conflicting note is listed");
	ln_sync_result_free(res);
	text = read_file(c.b, "alice/2026-03-01-one-on-one.org");
	CHECK(contains(text, "ANN CHANGED THIS") && contains(text, "BOB CHANGED THIS"), "sync: both sides are kept");
	CHECK(contains(text, "<<<<<<< this machine") && contains(text, "=======") && contains(text, ">>>>>>> origin/main"),
		"sync: conflict markers name both sides");
	CHECK(contains(text, "line one") && contains(text, "line three"), "sync: the rest of the note is intact");
	free(text);
	CHECK(th_status_clean(c.b), "sync: the note with markers is committed");
	log = th_out("git -C '%s' log -1 --format=%%B main", c.bare);
	CHECK(contains(log, "alice/2026-03-01-one-on-one.org"), "sync: the merge commit names the note");
	free(log);
	{
		git_repository *repo = NULL;
		char **list = NULL;
		size_t n = 0;
		char *rec = th_out("cat '%s/.git/leadnotes/conflicts'", c.b);
		CHECK(contains(rec, "\talice/2026-03-01-one-on-one.org\n"), "sync: the conflict is recorded for nudges");
		free(rec);
		git_repository_open(&repo, c.b);
		CHECK(ln_sync_conflicts(&list, &n, repo, "", &err) == 0 && n == 1 && strcmp(list[0],
			"alice/2026-03-01-one-on-one.org") == 0, "conflicts: lists a note that still has markers");
		ln_sync_strings_free(list);
		commit(c.b, "alice/2026-03-01-one-on-one.org", "* One-on-one\nline one\nBOTH\nline three\n", "resolved");
		CHECK(ln_sync_conflicts(&list, &n, repo, "", &err) == 0 && n == 0 && list && !list[0],
			"conflicts: a resolved note drops out");
		ln_sync_strings_free(list);
		git_repository_free(repo);
	}
	rc = run_sync(&res, c.a, &err);
	CHECK(rc == 0 && res && res->merged == LN_SYNC_FAST_FORWARD, "sync: the other side fast-forwards");
	ln_sync_result_free(res);
	CHECK(th_fsck_ok(c.a) && th_fsck_ok(c.b) && th_fsck_ok(c.bare), "sync: git fsck --strict passes everywhere");
}

/* A tracked note with uncommitted changes stops the sync; nothing moves. */
static void sync_refuses_to_overwrite_uncommitted_edits(const char *name)
{
	clones c = clones_of(name);
	ln_sync_result *res = NULL;
	ln_error err;
	char *text;
	int rc;

	/* uncommitted edits are never overwritten */
	commit(c.a, "bob/2026-03-08-one-on-one.org", "* bob from a\n", "a edits bob");
	run_sync(&res, c.a, &err);
	ln_sync_result_free(res);
	write_file(c.b, "bob/2026-03-08-one-on-one.org", "* bob unsaved in b\n");
	{
		char *before = head_of(c.b);
		char *after;
		rc = run_sync(&res, c.b, &err);
		CHECK(rc == LN_EEXISTS && res == NULL, "sync: refuses while a tracked note has uncommitted changes");
		CHECK(contains(err.message, "bob/2026-03-08-one-on-one.org"), "sync: the refusal names the note");
		text = read_file(c.b, "bob/2026-03-08-one-on-one.org");
		CHECK(strcmp(text, "* bob unsaved in b\n") == 0, "sync: the unsaved edit is untouched");
		free(text);
		after = head_of(c.b);
		CHECK(strcmp(before, after) == 0, "sync: HEAD did not move");
		free(before);
		free(after);
	}
	th_sh("git -C '%s' checkout -q -- .", c.b);
}

/* Two clones edit different notes, then the same note; sync both ways. */
static void scenario(const char *name)
{
	sync_merges_different_notes_and_fast_forwards(name);
	sync_keeps_both_sides_of_a_conflict_between_markers(name);
	sync_refuses_to_overwrite_uncommitted_edits(name);
}

/* A free TCP port on 127.0.0.1 (the kernel's choice). */
static int free_port(void)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
		getsockname(fd, (struct sockaddr *)&addr, &len) == 0)
		port = ntohs(addr.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int port_open(int port)
{
	struct sockaddr_in addr;
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((unsigned short)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static pid_t start_daemon(int port)
{
	char port_arg[32], base_arg[600];
	pid_t pid;
	int i;
	snprintf(port_arg, sizeof(port_arg), "--port=%d", port);
	snprintf(base_arg, sizeof(base_arg), "--base-path=%s", tmp);
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", 1);
		if (devnull >= 0)
			dup2(devnull, 2);
		execlp("git", "git", "daemon", "--export-all", "--enable=receive-pack", "--reuseaddr", "--listen=127.0.0.1",
			port_arg, base_arg, tmp, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 200 && pid > 0; i++) {
		struct timespec pause = { 0, 25 * 1000 * 1000 };
		if (port_open(port))
			return pid;
		nanosleep(&pause, NULL);
	}
	return pid;
}

static void stop_daemon(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

/* A remote that is not there, a remote name that is not configured and a
 * daemon that is down each fail with a message, and lose nothing. */
static void test_a_missing_remote_fails_and_loses_nothing(const char *name)
{
	char a[1024];
	ln_sync_result *res = NULL;
	ln_error err;
	char *before, *after, *text;

	snprintf(a, sizeof(a), "%s/%s-a", tmp, name);
	commit(a, "carol/2026-04-01-one-on-one.org", "* carol\n", "a: carol");
	before = head_of(a);
	th_sh("git -C '%s' remote add gone '%s/nowhere.git'", a, tmp);
	CHECK(run_sync_with(&res, a, "gone", &err) < 0 && res == NULL, "sync: a missing remote fails");
	CHECK(contains(err.message, "cannot fetch from 'gone'"), "sync: the message names the remote");
	CHECK(run_sync_with(&res, a, "nosuch", &err) == LN_ENOTFOUND && contains(err.message, "git remote add"),
		"sync: an unknown remote name says how to add it");
	th_sh("git -C '%s' remote add down git://127.0.0.1:%d/path.git", a, free_port());
	CHECK(run_sync_with(&res, a, "down", &err) < 0 && res == NULL, "sync: a daemon that is down fails with a message");
	after = head_of(a);
	CHECK(strcmp(before, after) == 0, "sync: a failed fetch leaves HEAD alone");
	text = read_file(a, "carol/2026-04-01-one-on-one.org");
	CHECK(strcmp(text, "* carol\n") == 0 && th_status_clean(a), "sync: a failed fetch loses nothing");
	free(text);
	free(after);
	free(before);
}

/* A remote that refuses the push (git daemon runs the hook; libgit2's local
 * transport for a path does not): the sync fails, the remote and the local
 * commits stay as they were, and the next sync pushes. */
static void test_a_refused_push_keeps_the_local_commits(const char *name)
{
	char a[1024], bare[1024];
	ln_sync_result *res = NULL;
	ln_error err;
	char *before, *after, *remote_before, *remote_after;

	snprintf(a, sizeof(a), "%s/%s-a", tmp, name);
	snprintf(bare, sizeof(bare), "%s/%s.git", tmp, name);
	write_file(bare, "hooks/pre-receive", "#!/bin/sh\necho 'no pushes today' >&2\nexit 1\n");
	th_sh("chmod +x '%s/hooks/pre-receive'", bare);
	before = head_of(a);
	remote_before = head_of(bare);
	CHECK(run_sync(&res, a, &err) < 0 && res == NULL, "sync: a refused push fails");
	CHECK(contains(err.message, "refused") || contains(err.message, "cannot push"), "sync: the refusal is explained");
	remote_after = head_of(bare);
	CHECK(strcmp(remote_before, remote_after) == 0, "sync: the remote did not change");
	after = head_of(a);
	CHECK(strcmp(before, after) == 0 && th_status_clean(a), "sync: a refused push keeps the local commits");
	th_sh("rm -f '%s/hooks/pre-receive'", bare);
	CHECK(run_sync(&res, a, &err) == 0 && res && res->pushed, "sync: once the remote accepts, the commit goes through");
	ln_sync_result_free(res);
	free(remote_before);
	free(remote_after);
	free(after);
	free(before);
}

static int progress_calls;
static int count_progress(const char *stage, size_t received, size_t total, void *payload)
{
	(void)stage;
	(void)received;
	(void)total;
	(void)payload;
	progress_calls++;
	return 0;
}

static int cancel_progress(const char *stage, size_t received, size_t total, void *payload)
{
	(void)stage;
	(void)received;
	(void)total;
	(void)payload;
	return 1;
}

static void test_progress_and_cancel(void)
{
	char a[1024], b[1024];
	git_repository *repo = NULL;
	ln_sync_options opts = LN_SYNC_OPTIONS_INIT;
	ln_sync_result *res = NULL;
	ln_error err;
	char *before, *after;
	int rc;

	snprintf(a, sizeof(a), "%s/path-a", tmp);
	snprintf(b, sizeof(b), "%s/path-b", tmp);
	commit(a, "dave/2026-05-01-one-on-one.org", "* dave\n", "a: dave");
	run_sync(&res, a, &err);
	ln_sync_result_free(res);
	git_repository_open(&repo, b);
	before = head_of(b);
	opts.progress = cancel_progress;
	rc = ln_sync_run(&res, repo, "", &opts, &err);
	CHECK(rc < 0 && res == NULL && contains(err.message, "cancelled"), "sync: the progress callback can cancel");
	after = head_of(b);
	CHECK(strcmp(before, after) == 0, "sync: a cancelled sync changes nothing");
	free(after);
	opts.progress = count_progress;
	rc = ln_sync_run(&res, repo, "", &opts, &err);
	CHECK(rc == 0 && progress_calls > 0, "sync: progress is reported");
	ln_sync_result_free(res);
	free(before);
	git_repository_free(repo);
}

/* Things in the way: an untracked file where the remote adds a note, a
 * detached HEAD. Each refuses with a message and changes nothing. */
/* An untracked file where the update would write is named and refused; nothing moves. */
static void test_sync_refuses_an_untracked_file_in_the_way(void)
{
	char a[1024], b[1024];
	ln_sync_result *res = NULL;
	ln_error err;
	char *before, *after, *text;
	int rc;

	snprintf(a, sizeof(a), "%s/path-a", tmp);
	snprintf(b, sizeof(b), "%s/path-b", tmp);
	run_sync(&res, b, &err);
	ln_sync_result_free(res);
	commit(a, "frank/2026-05-02-one-on-one.org", "* frank from a\n", "a: frank");
	run_sync(&res, a, &err);
	ln_sync_result_free(res);
	write_file(b, "frank/2026-05-02-one-on-one.org", "* frank typed in b, never saved\n");
	before = head_of(b);
	rc = run_sync(&res, b, &err);
	CHECK(rc == LN_EEXISTS && !res && contains(err.message, "frank/2026-05-02-one-on-one.org"),
		"sync: an untracked file in the way is named and refused");
	text = read_file(b, "frank/2026-05-02-one-on-one.org");
	CHECK(strcmp(text, "* frank typed in b, never saved\n") == 0, "sync: the untracked file is untouched");
	free(text);
	after = head_of(b);
	CHECK(strcmp(before, after) == 0, "sync: the branch did not move");
	free(after);
	th_sh("rm -f '%s/frank/2026-05-02-one-on-one.org'", b);
	free(before);
}

/* A detached HEAD is refused; once out of the way the sync writes notes 0600 and folders 0700. */
static void test_sync_refuses_a_detached_head_and_writes_private_modes(void)
{
	char a[1024], b[1024];
	ln_sync_result *res = NULL;
	ln_error err;
	char *text;
	int rc;

	snprintf(a, sizeof(a), "%s/path-a", tmp);
	snprintf(b, sizeof(b), "%s/path-b", tmp);
	th_sh("git -C '%s' checkout -q --detach", b);
	rc = run_sync(&res, b, &err);
	CHECK(rc == LN_EINVALID && contains(err.message, "not on a branch"), "sync: a detached HEAD is refused");
	th_sh("git -C '%s' checkout -q main", b);
	rc = run_sync(&res, b, &err);
	CHECK(rc == 0 && res && res->merged == LN_SYNC_FAST_FORWARD, "sync: once out of the way, it syncs");
	ln_sync_result_free(res);
	text = read_file(b, "frank/2026-05-02-one-on-one.org");
	CHECK(strcmp(text, "* frank from a\n") == 0, "sync: and the note arrives");
	free(text);
	{
		struct stat sb;
		char file[2048];
		snprintf(file, sizeof(file), "%s/frank/2026-05-02-one-on-one.org", b);
		CHECK(stat(file, &sb) == 0 && (sb.st_mode & 0777) == 0600, "sync: notes it writes are 0600");
		snprintf(file, sizeof(file), "%s/frank", b);
		CHECK(stat(file, &sb) == 0 && (sb.st_mode & 0777) == 0700, "sync: folders it creates are 0700");
	}
	(void)a;
}

/* The same when the update also changes .gitattributes (checked out in a pass of its own): the refusal comes before either pass. */
static void test_sync_refuses_a_file_in_the_way_of_new_attributes(void)
{
	char a[1024], b[1024];
	ln_sync_result *res = NULL;
	ln_error err;
	char *before, *after, *text;
	int rc;

	snprintf(a, sizeof(a), "%s/path-a", tmp);
	snprintf(b, sizeof(b), "%s/path-b", tmp);
	/* The same when the update also changes .gitattributes (checked out in
	 * a pass of its own): the refusal comes before either pass. */
	commit(a, ".gitattributes", "*.org text\n", "a: attributes");
	commit(a, "gina/2026-05-03-one-on-one.org", "* gina from a\n", "a: gina");
	run_sync(&res, a, &err);
	ln_sync_result_free(res);
	write_file(b, "gina/2026-05-03-one-on-one.org", "* gina typed in b, never saved\n");
	before = head_of(b);
	rc = run_sync(&res, b, &err);
	CHECK(rc == LN_EEXISTS && !res && contains(err.message, "gina/2026-05-03-one-on-one.org"),
		"sync: with new attributes too, a file in the way is named and refused");
	after = head_of(b);
	text = th_out("git -C '%s' status --porcelain", b);
	CHECK(strcmp(before, after) == 0 && strcmp(text, "?? gina/\n") == 0,
		"sync: and neither the attributes nor anything else changed");
	free(text);
	free(before);
	free(after);
	th_sh("rm -rf '%s/gina'", b);
	rc = run_sync(&res, b, &err);
	text = read_file(b, ".gitattributes");
	CHECK(rc == 0 && res && strcmp(text, "*.org text\n") == 0 && th_status_clean(b),
		"sync: once out of the way, the attributes and the note arrive");
	free(text);
	ln_sync_result_free(res);
}

/* seal: an annotated tag eval/<person>/<date> on the commit of the note's content; sealing again returns it. */
static void test_seal_tags_the_commit_that_holds_the_note(void)
{
	clones c = clones_of("path");
	git_repository *repo = NULL;
	ln_error err;
	char *tag = NULL, *s = NULL;
	const char *eval = "alice/2026-06-30-evaluation.org";
	int rc;

	git_repository_open(&repo, c.a);
	commit(c.a, eval, "* Evaluation\nExceeds expectations.\n", "a: eval");
	s = head_of(c.a);
	commit(c.a, "bob/2026-06-30-one-on-one.org", "* later work\n", "a: later");

	rc = ln_seal_create(&tag, repo, "", eval, &err);
	CHECK(rc == 0 && tag && strcmp(tag, "eval/alice/2026-06-30") == 0, "seal: tag eval/<person>/<date>");
	{
		char *type = th_out("git -C '%s' cat-file -t eval/alice/2026-06-30", c.a);
		char *target = th_out("git -C '%s' rev-parse 'eval/alice/2026-06-30^{commit}'", c.a);
		char *listed = th_out("git -C '%s' tag -n", c.a);
		CHECK(strcmp(type, "tag\n") == 0, "seal: an annotated tag");
		CHECK(strcmp(target, s) == 0, "seal: on the commit that holds the note's content, not a later one");
		CHECK(contains(listed, "eval/alice/2026-06-30") && contains(listed, "Sealed evaluation: " "alice/2026-06-30-evaluation.org"),
			"seal: visible to git tag -n");
		free(type);
		free(target);
		free(listed);
	}
	free(s);
	free(tag);
	tag = NULL;
	rc = ln_seal_create(&tag, repo, "", eval, &err);
	CHECK(rc == 0 && tag && strcmp(tag, "eval/alice/2026-06-30") == 0, "seal: sealing again an unchanged note returns the seal");
	free(tag);
	tag = NULL;
	git_repository_free(repo);
}

/* verify: an untouched note is unchanged, a changed one shows its diff, and a saved change gets a new seal. */
static void test_verify_shows_a_change_and_a_new_seal_follows_it(void)
{
	clones c = clones_of("path");
	git_repository *repo = NULL;
	ln_seal_status *st = NULL;
	ln_error err;
	char *tag = NULL;
	const char *eval = "alice/2026-06-30-evaluation.org";
	int rc;

	git_repository_open(&repo, c.a);
	rc = ln_seal_verify(&st, repo, "", eval, &err);
	CHECK(rc == 0 && st && st->sealed && st->unchanged && st->diff == NULL && st->tag &&
		strcmp(st->tag, "eval/alice/2026-06-30") == 0, "verify: an untouched note is unchanged");
	ln_seal_status_free(st);
	write_file(c.a, eval, "* Evaluation\nMeets expectations.\n");
	rc = ln_seal_verify(&st, repo, "", eval, &err);
	CHECK(rc == 0 && st && st->sealed && !st->unchanged && contains(st->diff, "-Exceeds expectations.") &&
		contains(st->diff, "+Meets expectations."), "verify: a changed note shows the diff");
	ln_seal_status_free(st);
	rc = ln_seal_create(&tag, repo, "", eval, &err);
	CHECK(rc == LN_EINVALID && !tag && contains(err.message, "not saved"), "seal: refuses a note with unsaved changes");
	th_sh("cd '%s' && git commit -q -am 'a: eval changed'", c.a);
	rc = ln_seal_create(&tag, repo, "", eval, &err);
	CHECK(rc == 0 && tag && strcmp(tag, "eval/alice/2026-06-30-2") == 0, "seal: a changed note gets a new seal");
	free(tag);
	tag = NULL;
	rc = ln_seal_verify(&st, repo, "", eval, &err);
	CHECK(rc == 0 && st && st->unchanged && strcmp(st->tag, "eval/alice/2026-06-30-2") == 0, "verify: uses the latest seal");
	ln_seal_status_free(st);
	rc = ln_seal_verify(&st, repo, "", "bob/2026-06-30-one-on-one.org", &err);
	CHECK(rc == 0 && st && !st->sealed && !st->tag && !st->diff, "verify: an unsealed note is sealed=false");
	ln_seal_status_free(st);
	git_repository_free(repo);
}

/* seal: a note never saved, a path outside the folder, a note outside a person folder are refused. */
static void test_seal_refuses_missing_notes_and_paths_outside(void)
{
	clones c = clones_of("path");
	git_repository *repo = NULL;
	ln_error err;
	char *tag = NULL;
	int rc;

	git_repository_open(&repo, c.a);
	rc = ln_seal_create(&tag, repo, "", "alice/never.org", &err);
	CHECK(rc == LN_ENOTFOUND, "seal: a note never saved is not found");
	rc = ln_seal_create(&tag, repo, "", "../etc/passwd", &err);
	CHECK(rc == LN_EINVALID, "seal: refuses a path outside the folder");
	rc = ln_seal_create(&tag, repo, "", "toplevel.org", &err);
	CHECK(rc == LN_EINVALID, "seal: refuses a note outside a person folder");
	git_repository_free(repo);
}

/* seal: tag names pass git check-ref-format for Unicode and hostile folders; no date in the name means today. */
static void test_seal_names_are_valid_refs_for_any_folder(void)
{
	clones c = clones_of("path");
	git_repository *repo = NULL;
	ln_error err;
	char *tag = NULL, *name = NULL;
	int rc;

	git_repository_open(&repo, c.a);
	/* a person folder in Unicode, with spaces and dots */
	commit(c.a, "José Núñez. Jr/2026-07-01-evaluation.org", "* Evaluación\n", "a: jose");
	rc = ln_seal_create(&tag, repo, "", "José Núñez. Jr/2026-07-01-evaluation.org", &err);
	if (rc)
		fprintf(stderr, "%s\n", err.message);
	CHECK(rc == 0 && tag, "seal: a Unicode person folder seals");
	if (tag) {
		CHECK(th_sh("git check-ref-format 'refs/tags/%s'", tag) == 0, "seal: the tag name passes git check-ref-format");
		CHECK(strncmp(tag, "eval/Jos", 8) == 0 && contains(tag, "/2026-07-01"), "seal: the name keeps the person");
		free(tag);
		tag = NULL;
	}
	rc = ln_seal_tag_name(&name, "~^:?*[ \\/undated.org", &err);
	CHECK(rc == 0 && th_sh("git check-ref-format 'refs/tags/%s'", name) == 0, "seal: hostile folder names still give valid refs");
	free(name);
	name = NULL;
	{
		/* the date comes from today when the file name has none */
		char today[16];
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		strftime(today, sizeof(today), "%Y-%m-%d", &tm);
		ln_seal_tag_name(&name, "alice/profile.org", &err);
		CHECK(name && contains(name, today), "seal: a file name without a date uses today");
		free(name);
	}
	git_repository_free(repo);
}

/* sync: pushes the seals, and the other clone fetches and verifies them. */
static void test_seals_travel_with_sync(void)
{
	clones c = clones_of("path");
	git_repository *repo = NULL;
	ln_seal_status *st = NULL;
	ln_sync_result *res = NULL;
	ln_error err;
	char *s = NULL;
	const char *eval = "alice/2026-06-30-evaluation.org";
	int rc;

	git_repository_open(&repo, c.a);
	/* seals travel with sync */
	rc = ln_sync_run(&res, repo, "", NULL, &err);
	CHECK(rc == 0 && res && res->pushed, "sync: pushes the seals");
	ln_sync_result_free(res);
	s = th_out("git -C '%s' tag -l 'eval/*'", c.bare);
	CHECK(contains(s, "eval/alice/2026-06-30\n") && contains(s, "eval/alice/2026-06-30-2\n"), "sync: the remote has the seals");
	free(s);
	git_repository_free(repo);
	repo = NULL;
	git_repository_open(&repo, c.b);
	rc = ln_sync_run(&res, repo, "", NULL, &err);
	ln_sync_result_free(res);
	rc = ln_seal_verify(&st, repo, "", eval, &err);
	CHECK(rc == 0 && st && st->sealed && st->unchanged, "sync: the other clone fetches the seals and verifies them");
	ln_seal_status_free(st);
	git_repository_free(repo);
}

/* both machines seal the same note on their own: the sync goes on and neither seal is overwritten. */
static void test_two_machines_sealing_one_note_keep_both_seals(void)
{
	clones c = clones_of("path");
	git_repository *repo = NULL;
	ln_sync_result *res = NULL;
	ln_error err;
	char *tag = NULL;
	int rc;

	/* both machines seal the same note on their own: same name, two tags */
	commit(c.a, "bob/2026-07-15-evaluation.org", "* bob eval\n", "a: bob eval");
	run_sync(&res, c.a, &err);
	ln_sync_result_free(res);
	run_sync(&res, c.b, &err);
	ln_sync_result_free(res);
	git_repository_open(&repo, c.a);
	CHECK(ln_seal_create(&tag, repo, "", "bob/2026-07-15-evaluation.org", &err) == 0, "seal: first machine seals");
	free(tag);
	tag = NULL;
	git_repository_free(repo);
	th_sh("git -C '%s' config user.name 'Bob on b'", c.b);
	git_repository_open(&repo, c.b);
	CHECK(ln_seal_create(&tag, repo, "", "bob/2026-07-15-evaluation.org", &err) == 0, "seal: second machine seals");
	free(tag);
	tag = NULL;
	git_repository_free(repo);
	repo = NULL;
	run_sync(&res, c.a, &err);
	ln_sync_result_free(res);
	{
		char *mine = th_out("git -C '%s' rev-parse eval/bob/2026-07-15", c.b);
		char *theirs = th_out("git -C '%s' rev-parse eval/bob/2026-07-15", c.bare);
		char *after;
		CHECK(strcmp(mine, theirs) != 0, "seal: the two seals differ");
		rc = run_sync(&res, c.b, &err);
		if (rc)
			fprintf(stderr, "%s\n", err.message);
		CHECK(rc == 0, "sync: a seal that differs from the remote's does not stop the sync");
		ln_sync_result_free(res);
		after = th_out("git -C '%s' rev-parse eval/bob/2026-07-15", c.b);
		CHECK(strcmp(mine, after) == 0, "sync: the local seal is kept, never overwritten");
		free(after);
		after = th_out("git -C '%s' rev-parse eval/bob/2026-07-15", c.bare);
		CHECK(strcmp(theirs, after) == 0, "sync: the remote's seal is kept too");
		free(after);
		free(mine);
		free(theirs);
	}
	CHECK(th_fsck_ok(c.a) && th_fsck_ok(c.bare), "seal: git fsck --strict passes");
	git_repository_free(repo);
}


/* A rot13 "encryption" filter: clean and smudge are the same tr command. */
/* filter: a configured clean/smudge driver is fine; an unconfigured one is refused, by leadnotes and by libgit2, and no plain-text blob is written. */
static void test_filter_refuses_a_note_whose_driver_is_not_configured(void)
{
	clones c = clones_of("path");
	git_repository *repo = NULL;
	ln_error err;
	git_oid id;
	char *s;
	int rc;

	CHECK(ln_filter_register(&err) == 0 && ln_filter_register(&err) == 0,
		"filter: registering twice is fine");
	for (rc = 0; rc < 2; rc++) {
		const char *clone = rc ? c.b : c.a;
		th_sh("git -C '%s' config filter.rot.clean 'tr A-Za-z N-ZA-Mn-za-m'", clone);
		th_sh("git -C '%s' config filter.rot.smudge 'tr A-Za-z N-ZA-Mn-za-m'", clone);
	}
	commit(c.a, ".gitattributes", "secret/** filter=rot\nlocked/** filter=nodriver\n", "attributes");
	git_repository_open(&repo, c.a);
	CHECK(ln_filter_check(repo, "alice/x.org", &err) == 0, "filter: a path without a filter is fine");
	CHECK(ln_filter_check(repo, "secret/x.org", &err) == 0, "filter: a configured driver is fine");
	rc = ln_filter_check(repo, "locked/x.org", &err);
	CHECK(rc == LN_EINVALID && contains(err.message, "filter.nodriver.clean"), "filter: an unconfigured driver is refused");
	write_file(c.a, "locked/2026-08-01-evaluation.org", "Plain words\n");
	CHECK(git_blob_create_from_workdir(&id, repo, "locked/2026-08-01-evaluation.org") < 0 &&
		contains(git_error_last()->message, "filter.nodriver.clean"),
		"filter: libgit2 refuses to store a note whose driver is not configured");
	s = th_out("cd '%s' && git hash-object locked/2026-08-01-evaluation.org | xargs git cat-file -t 2>&1", c.a);
	CHECK(!contains(s, "blob"), "filter: no blob with the plain text was written");
	free(s);
	th_sh("rm -rf '%s/locked'", c.a);
	git_repository_free(repo);
}

/* filter: the blob holds the cleaned text, the remote never sees the plain text, the other clone gets the plain text back. */
static void test_filter_cleans_what_sync_pushes_and_smudges_what_it_checks_out(void)
{
	clones c = clones_of("path");
	git_repository *repo = NULL;
	ln_sync_result *res = NULL;
	ln_error err;
	git_oid id;
	char *s;
	int rc;

	git_repository_open(&repo, c.a);
	write_file(c.a, "secret/2026-08-01-evaluation.org", "Hello Secret\n");
	CHECK(git_blob_create_from_workdir(&id, repo, "secret/2026-08-01-evaluation.org") == 0, "filter: libgit2 stores a filtered blob");
	{
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), &id);
		s = th_out("git -C '%s' cat-file -p %s", c.a, hex);
		CHECK(strcmp(s, "Uryyb Frperg\n") == 0, "filter: the blob holds the cleaned text, not the plain text");
		free(s);
	}
	th_sh("cd '%s' && git add secret && git commit -q -m secret", c.a);
	rc = ln_sync_run(&res, repo, "", NULL, &err);
	CHECK(rc == 0, "filter: sync pushes the filtered note");
	ln_sync_result_free(res);
	s = th_out("git -C '%s' show main:secret/2026-08-01-evaluation.org", c.bare);
	CHECK(strcmp(s, "Uryyb Frperg\n") == 0, "filter: the remote never sees the plain text");
	free(s);
	git_repository_free(repo);
	git_repository_open(&repo, c.b);
	rc = ln_sync_run(&res, repo, "", NULL, &err);
	CHECK(rc == 0 && res && res->merged == LN_SYNC_FAST_FORWARD, "filter: the other clone fast-forwards");
	ln_sync_result_free(res);
	s = read_file(c.b, "secret/2026-08-01-evaluation.org");
	CHECK(strcmp(s, "Hello Secret\n") == 0, "filter: checkout smudges back to the plain text");
	free(s);
	CHECK(th_status_clean(c.b), "filter: git status agrees with the smudged file");
	git_repository_free(repo);
}

/* filter: both sides change the filtered note: markers around the plain text, the merged blob on the remote cleaned. */
static void test_filter_merges_a_conflict_on_the_plain_text(void)
{
	clones c = clones_of("path");
	git_repository *repo = NULL;
	ln_sync_result *res = NULL;
	ln_error err;
	char *s;
	int rc;

	/* both sides change the filtered note: merged on the plain text */
	commit(c.a, "secret/2026-08-01-evaluation.org", "Hello Ann\n", "a secret");
	commit(c.b, "secret/2026-08-01-evaluation.org", "Hello Bob\n", "b secret");
	run_sync(&res, c.a, &err);
	ln_sync_result_free(res);
	git_repository_open(&repo, c.b);
	rc = ln_sync_run(&res, repo, "", NULL, &err);
	CHECK(rc == 0 && res && res->conflict_count == 1, "filter: a conflict in a filtered note is reported");
	ln_sync_result_free(res);
	s = read_file(c.b, "secret/2026-08-01-evaluation.org");
	CHECK(contains(s, "Hello Ann") && contains(s, "Hello Bob") && contains(s, "<<<<<<< this machine"),
		"filter: the markers are around the plain text");
	free(s);
	s = th_out("git -C '%s' show main:secret/2026-08-01-evaluation.org", c.bare);
	CHECK(contains(s, "Uryyb Naa") && contains(s, "Uryyb Obo") && !contains(s, "Hello"),
		"filter: the merged blob on the remote is cleaned");
	free(s);
	CHECK(th_status_clean(c.b), "filter: status clean after a filtered merge");
	git_repository_free(repo);
}

/* git-crypt, when installed: real encryption at rest. */
static void test_git_crypt(void)
{
	char a[1024], b[1024], bare[1024], key[1024];
	ln_sync_result *res = NULL;
	ln_error err;
	char *s;
	int rc;

	if (th_sh("command -v git-crypt >/dev/null 2>&1") != 0) {
		fprintf(stderr, "skip: git-crypt is not installed\n");
		return;
	}
	snprintf(bare, sizeof(bare), "%s/crypt.git", tmp);
	make_pair("crypt", bare);
	snprintf(a, sizeof(a), "%s/crypt-a", tmp);
	snprintf(b, sizeof(b), "%s/crypt-b", tmp);
	snprintf(bare, sizeof(bare), "%s/crypt.git", tmp);
	snprintf(key, sizeof(key), "%s/crypt.key", tmp);
	th_sh("cd '%s' && git-crypt init >/dev/null && git-crypt export-key '%s'", a, key);
	commit(a, ".gitattributes", "private/** filter=git-crypt diff=git-crypt\n", "git-crypt");
	write_file(a, "private/2026-09-01-evaluation.org", "* Confidential review\n");
	th_sh("cd '%s' && git add private && git commit -q -m private", a);
	rc = run_sync(&res, a, &err);
	CHECK(rc == 0, "git-crypt: sync pushes");
	ln_sync_result_free(res);
	s = th_out("git -C '%s' show main:private/2026-09-01-evaluation.org | head -c 10 | od -c | head -1", bare);
	CHECK(contains(s, "G   I   T   C   R   Y   P   T"), "git-crypt: the remote holds ciphertext");
	free(s);
	th_sh("cd '%s' && git pull -q 2>/dev/null; git-crypt unlock '%s'", b, key);
	commit(a, "private/2026-09-01-evaluation.org", "* Confidential review\nfrom a\n", "a private");
	run_sync(&res, a, &err);
	ln_sync_result_free(res);
	rc = run_sync(&res, b, &err);
	if (rc)
		fprintf(stderr, "%s\n", err.message);
	CHECK(rc == 0 && res && res->merged == LN_SYNC_FAST_FORWARD, "git-crypt: the other clone syncs");
	ln_sync_result_free(res);
	s = read_file(b, "private/2026-09-01-evaluation.org");
	CHECK(strcmp(s, "* Confidential review\nfrom a\n") == 0, "git-crypt: the note arrives decrypted");
	free(s);
	CHECK(th_status_clean(b), "git-crypt: status clean");
	commit(a, "private/2026-09-01-evaluation.org", "* Confidential review\nfrom a\nANN\n", "a private 2");
	commit(b, "private/2026-09-01-evaluation.org", "* Confidential review\nfrom a\nBOB\n", "b private 2");
	run_sync(&res, a, &err);
	ln_sync_result_free(res);
	rc = run_sync(&res, b, &err);
	CHECK(rc == 0 && res && res->conflict_count == 1, "git-crypt: a conflict in an encrypted note is reported");
	ln_sync_result_free(res);
	s = read_file(b, "private/2026-09-01-evaluation.org");
	CHECK(contains(s, "<<<<<<< this machine\nBOB\n=======\nANN\n>>>>>>> origin/main"),
		"git-crypt: the markers are around the decrypted text");
	free(s);
	s = th_out("git -C '%s' show main:private/2026-09-01-evaluation.org | head -c 10 | od -c | head -1", bare);
	CHECK(contains(s, "G   I   T   C   R   Y   P   T"), "git-crypt: the merged note is encrypted on the remote");
	free(s);
	CHECK(th_status_clean(b), "git-crypt: status clean after the merge");
	CHECK(th_fsck_ok(bare), "git-crypt: fsck");
}

/* A branch of another name tracking a remote of another name, as
 * `git checkout --track hub/main` sets it up: sync follows git's upstream. */
/* A branch tracking another remote's branch (hub/main) fetches from it and
 * pushes to it, never to a new branch of the local name. */
static void test_upstream_is_the_branch_the_local_one_tracks(void)
{
	char url[1024], a[1024], b[1024], bare[1024];
	ln_sync_result *res = NULL;
	ln_error err;
	char *text, *ours, *theirs;

	snprintf(url, sizeof(url), "%s/up.git", tmp);
	snprintf(a, sizeof(a), "%s/up-a", tmp);
	snprintf(b, sizeof(b), "%s/up-b", tmp);
	snprintf(bare, sizeof(bare), "%s/up.git", tmp);
	make_pair("up", url);
	th_sh("cd '%s' && git remote rename origin hub && git checkout -q -b notes --track hub/main", b);
	commit(a, "carol/2026-06-01-one-on-one.org", "* carol\n", "a: carol");
	run_sync(&res, a, &err);
	ln_sync_result_free(res);
	CHECK(run_sync(&res, b, &err) == 0 && res && res->merged == LN_SYNC_FAST_FORWARD &&
		strcmp(res->branch, "notes") == 0 && strcmp(res->remote, "hub") == 0 && strcmp(res->upstream, "main") == 0,
		"upstream: a branch tracking hub/main fetches from hub's main");
	ln_sync_result_free(res);
	text = read_file(b, "carol/2026-06-01-one-on-one.org");
	CHECK(strcmp(text, "* carol\n") == 0, "upstream: and the note arrives");
	free(text);
	commit(b, "dave/2026-06-02-one-on-one.org", "* dave\n", "b: dave");
	CHECK(run_sync(&res, b, &err) == 0 && res && res->pushed, "upstream: the branch is pushed");
	ln_sync_result_free(res);
	ours = head_of(b);
	theirs = th_out("git -C '%s' rev-parse main", bare);
	CHECK(strcmp(ours, theirs) == 0, "upstream: to the remote's main, not to a new branch of the local name");
	free(theirs);
	theirs = th_out("git -C '%s' for-each-ref --format='%%(refname)' refs/heads/", bare);
	CHECK(strcmp(theirs, "refs/heads/main\n") == 0, "upstream: no branch named after the local one appears");
	free(theirs);
	theirs = th_out("git -C '%s' rev-parse hub/main", b);
	CHECK(strcmp(ours, theirs) == 0, "upstream: the remote-tracking ref follows the push");
	free(theirs);
	free(ours);
}

/* url.<base>.insteadOf rewrites the remote's URL for fetching and pushing;
 * a remote given by name that is not the upstream gets the branch of the
 * same name; upstream settings git would not follow are refused, named. */
static void test_upstream_settings_are_read_as_git_reads_them(void)
{
	char b[1024];
	ln_sync_result *res = NULL;
	ln_error err;
	char *theirs;

	snprintf(b, sizeof(b), "%s/up-b", tmp);
	th_sh("git -C '%s' config remote.hub.url nowhere:up.git && git -C '%s' config url.'%s/'.insteadOf nowhere:", b, b, tmp);
	CHECK(run_sync(&res, b, &err) == 0 && res && res->merged == LN_SYNC_UP_TO_DATE,
		"insteadOf: the remote's URL is rewritten as git does");
	ln_sync_result_free(res);

	th_sh("cd '%s' && git init -q --bare -b main other.git && git -C '%s' remote add other '%s/other.git'", tmp, b, tmp);
	CHECK(run_sync_with(&res, b, "other", &err) == 0 && res && res->pushed && strcmp(res->remote, "other") == 0 &&
		strcmp(res->upstream, "notes") == 0, "upstream: a remote given by name gets the branch of the same name");
	ln_sync_result_free(res);
	theirs = th_out("git -C '%s/other.git' for-each-ref --format='%%(refname)' refs/heads/", tmp);
	CHECK(strcmp(theirs, "refs/heads/notes\n") == 0, "upstream: and only that branch");
	free(theirs);

	th_sh("git -C '%s' config branch.notes.merge main", b);
	CHECK(run_sync(&res, b, &err) == LN_EINVALID && !res && contains(err.message, "branch.notes.merge"),
		"upstream: a merge setting that is not a branch ref is named");
	th_sh("git -C '%s' config branch.notes.merge refs/heads/main && git -C '%s' config branch.notes.remote .", b, b);
	CHECK(run_sync(&res, b, &err) == LN_EINVALID && !res && contains(err.message, "tracks a local branch"),
		"upstream: a branch tracking a local branch is refused with the fix");
}

/* url.<base>.pushInsteadOf rewrites the push URL only. Over git://: libgit2
 * 1.5's local transport pushes to the fetch URL whatever the push URL. */
static void test_push_instead_of(int port)
{
	char b[1024], bare[1024];
	ln_sync_result *res = NULL;
	ln_error err;
	char *ours, *theirs, *before, *after;
	int rc;

	snprintf(b, sizeof(b), "%s/up-b", tmp);
	snprintf(bare, sizeof(bare), "%s/up.git", tmp);
	th_sh("git -C '%s' config branch.notes.remote hub", b);
	th_sh("cd '%s' && git clone -q --bare up.git push-up.git && git -C '%s' config url.git://127.0.0.1:%d/push-.pushInsteadOf nowhere:",
		tmp, b, port);
	commit(b, "erin/2026-06-03-one-on-one.org", "* erin\n", "b: erin");
	before = th_out("git -C '%s' rev-parse main", bare);
	rc = run_sync(&res, b, &err);
	CHECK(rc == 0 && res && res->pushed, "pushInsteadOf: the sync pushes");
	ln_sync_result_free(res);
	ours = head_of(b);
	theirs = th_out("git -C '%s/push-up.git' rev-parse main", tmp);
	after = th_out("git -C '%s' rev-parse main", bare);
	CHECK(strcmp(ours, theirs) == 0 && strcmp(before, after) == 0,
		"pushInsteadOf: the push goes to the rewritten URL, the fetch URL is left alone");
	free(ours);
	free(theirs);
	free(before);
	free(after);

}

/* After git daemon stopped: a sync fails with a message and loses nothing. */
static void test_a_stopped_daemon_loses_nothing(void)
{
	char a[1024];
	char *before, *after, *text;
	ln_sync_result *res = NULL;
	ln_error err;
	snprintf(a, sizeof(a), "%s/daemon-a", tmp);
	commit(a, "erin/2026-04-02-one-on-one.org", "* erin\n", "a: erin");
	before = head_of(a);
	CHECK(run_sync(&res, a, &err) < 0 && !res && contains(err.message, "cannot fetch"),
		"sync: a stopped daemon gives a message");
	after = head_of(a);
	text = read_file(a, "erin/2026-04-02-one-on-one.org");
	CHECK(strcmp(before, after) == 0 && strcmp(text, "* erin\n") == 0 && th_status_clean(a),
		"sync: a stopped daemon loses nothing");
	free(before);
	free(after);
	free(text);
}

/* The same scenarios through git daemon on 127.0.0.1, then with the daemon
 * stopped. */
static void test_sync_through_git_daemon(void)
{
	char url[1024];
	int port = free_port();
	pid_t daemon = start_daemon(port);

	CHECK(daemon > 0 && port_open(port), "git daemon: started on 127.0.0.1");
	snprintf(url, sizeof(url), "git://127.0.0.1:%d/daemon.git", port);
	make_pair("daemon", url);
	scenario("daemon");
	test_push_instead_of(port);
	test_a_missing_remote_fails_and_loses_nothing("daemon");
	test_a_refused_push_keeps_the_local_commits("daemon");
	stop_daemon(daemon);
	test_a_stopped_daemon_loses_nothing();
}

/* A git configuration of the test's own for both git and libgit2: no
 * system or user files, a fixed identity, no background maintenance. */
static void use_a_clean_git_environment(void)
{
	setenv("HOME", tmp, 1);
	setenv("XDG_CONFIG_HOME", tmp, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "Test", 1);
	setenv("GIT_AUTHOR_EMAIL", "test@example.org", 1);
	setenv("GIT_COMMITTER_NAME", "Test", 1);
	setenv("GIT_COMMITTER_EMAIL", "test@example.org", 1);
	setenv("GIT_CONFIG_COUNT", "2", 1);
	setenv("GIT_CONFIG_KEY_0", "maintenance.auto", 1);
	setenv("GIT_CONFIG_VALUE_0", "false", 1);
	setenv("GIT_CONFIG_KEY_1", "gc.auto", 1);
	setenv("GIT_CONFIG_VALUE_1", "0", 1);
	unsetenv("SSH_AUTH_SOCK");
}

int main(void)
{
	char url[1024];

	if (th_tmpdir(tmp, sizeof(tmp), "sync") < 0)
		return 1;
	use_a_clean_git_environment();
	git_libgit2_init();

	snprintf(url, sizeof(url), "%s/path.git", tmp);
	make_pair("path", url);
	scenario("path");
	test_upstream_is_the_branch_the_local_one_tracks();
	test_upstream_settings_are_read_as_git_reads_them();
	test_sync_through_git_daemon();
	test_progress_and_cancel();
	test_sync_refuses_an_untracked_file_in_the_way();
	test_sync_refuses_a_detached_head_and_writes_private_modes();
	test_sync_refuses_a_file_in_the_way_of_new_attributes();
	test_seal_tags_the_commit_that_holds_the_note();
	test_verify_shows_a_change_and_a_new_seal_follows_it();
	test_seal_refuses_missing_notes_and_paths_outside();
	test_seal_names_are_valid_refs_for_any_folder();
	test_seals_travel_with_sync();
	test_two_machines_sealing_one_note_keep_both_seals();
	test_filter_refuses_a_note_whose_driver_is_not_configured();
	test_filter_cleans_what_sync_pushes_and_smudges_what_it_checks_out();
	test_filter_merges_a_conflict_on_the_plain_text();
	test_git_crypt();

	git_libgit2_shutdown();
	if (!failed && !getenv("LEADNOTES_KEEP_TMP"))
		th_remove_tree(tmp);
	else
		fprintf(stderr, "kept %s\n", tmp);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
