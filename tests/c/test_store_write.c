/* What moved from the Lua binding into the C core (issue 15 item 1): note
 * creation, atomic note writes, the lookup of
 * a caller's word for a place, the saves before a sync and the LN_EDIRTY
 * code that replaces matching a message's text. Each result is checked with
 * the git tool as well. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <git2.h>

#include "leadnotes/store.h"
#include "leadnotes/sync.h"

#include "check.h"
#include "helpers.h"

static char tmp[512];

static int contains(const char *hay, const char *needle)
{
	return hay && needle && strstr(hay, needle) != NULL;
}

/* A fresh store in <tmp>/<name>; NULL when it cannot be opened. */
static ln_store *fresh_store(const char *name, char *dir, size_t size)
{
	ln_store *s = NULL;
	ln_error err;
	snprintf(dir, size, "%s/%s", tmp, name);
	if (ln_store_open(&s, dir, &err) < 0) {
		fprintf(stderr, "cannot open %s: %s\n", dir, err.message);
		return NULL;
	}
	return s;
}

static char *read_at(const char *dir, const char *rel)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return th_read_file(path, NULL);
}

static unsigned mode_of(const char *dir, const char *rel)
{
	char path[1024];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return stat(path, &st) == 0 ? (unsigned)(st.st_mode & 0777) : 0;
}

static void test_create_note_never_overwrites(void)
{
	char dir[600];
	ln_store *s = fresh_store("create", dir, sizeof(dir));
	char *rel = NULL, *text;
	ln_error err;
	int rc;

	if (!s)
		return;
	rc = ln_store_create_note(&rel, s, "ana", "2026-03-02-one-on-one", "org", "* first\n", 8, &err);
	CHECK(rc == LN_OK && rel && strcmp(rel, "ana/2026-03-02-one-on-one.org") == 0,
		"create_note: the first note of the day takes the plain name");
	CHECK(mode_of(dir, "ana") == 0700 && mode_of(dir, "ana/2026-03-02-one-on-one.org") == 0600,
		"create_note: the folder is 0700 and the note 0600");
	free(rel);
	rc = ln_store_create_note(&rel, s, "ana", "2026-03-02-one-on-one", "org", "* second\n", 9, &err);
	CHECK(rc == LN_OK && rel && strcmp(rel, "ana/2026-03-02-one-on-one-2.org") == 0,
		"create_note: a second note the same day gets -2");
	free(rel);
	text = read_at(dir, "ana/2026-03-02-one-on-one.org");
	CHECK(text && strcmp(text, "* first\n") == 0, "create_note: the first note is untouched");
	free(text);
	text = read_at(dir, "ana/2026-03-02-one-on-one-2.org");
	CHECK(text && strcmp(text, "* second\n") == 0, "create_note: the second holds its own text");
	free(text);

	rc = ln_store_create_note(&rel, s, "../out", "x", "org", "x", 1, &err);
	CHECK(rc == LN_EINVALID && rel == NULL, "create_note: a folder outside the notes is invalid");
	rc = ln_store_create_note(&rel, s, "ana/sub", "x", "org", "x", 1, &err);
	CHECK(rc == LN_EINVALID && contains(err.message, "not a person's folder"),
		"create_note: a folder below a person's is refused");
	rc = ln_store_create_note(&rel, s, "ana", "a/b", "org", "x", 1, &err);
	CHECK(rc == LN_EINVALID, "create_note: a stem with a slash is refused");
	rc = ln_store_create_note(&rel, s, "ana", "x", "", "x", 1, &err);
	CHECK(rc == LN_EINVALID, "create_note: an empty extension is refused");
	{
		char *status = th_out("git -C '%s' status --porcelain -uall", dir);
		CHECK(contains(status, "?? ana/2026-03-02-one-on-one-2.org"),
			"create_note: does not commit (git status shows the new note)");
		free(status);
	}
	CHECK(th_fsck_ok(dir), "create_note: the repository is sound");
	ln_store_free(s);
}

static void test_write_note_replaces_atomically(void)
{
	char dir[600], *text, *listing;
	ln_store *s = fresh_store("write", dir, sizeof(dir));
	ln_error err;
	int rc;

	if (!s)
		return;
	rc = ln_store_write_note(s, "bo/deep/profile.org", "* v1\n", 5, &err);
	CHECK(rc == LN_OK, "write_note: writes a note, making its folders");
	CHECK(mode_of(dir, "bo") == 0700 && mode_of(dir, "bo/deep") == 0700 &&
		mode_of(dir, "bo/deep/profile.org") == 0600, "write_note: folders 0700, file 0600");
	rc = ln_store_write_note(s, "bo/deep/profile.org", "* v2\n", 5, &err);
	text = read_at(dir, "bo/deep/profile.org");
	CHECK(rc == LN_OK && text && strcmp(text, "* v2\n") == 0, "write_note: replaces the text");
	free(text);
	listing = th_out("ls -A '%s/bo/deep'", dir);
	CHECK(strcmp(listing, "profile.org\n") == 0, "write_note: leaves no temporary file behind");
	free(listing);
	rc = ln_store_write_note(s, "../escape.org", "x", 1, &err);
	CHECK(rc == LN_EINVALID && contains(err.message, "escape.org"),
		"write_note: a path outside the folder is invalid, named in the message");
	CHECK(!contains(err.message, "x\n"), "write_note: the message holds no content");
	rc = ln_store_save(NULL, s, "bo/deep/profile.org", NULL, &err);
	CHECK(rc == LN_OK, "write_note: what it wrote can be saved");
	CHECK(th_status_clean(dir), "write_note: after the save git status is clean");
	ln_store_free(s);
}

static void test_resolve_reads_a_word_as_a_path_or_a_person(void)
{
	char dir[600], *rel = NULL;
	ln_store *s = fresh_store("resolve", dir, sizeof(dir));
	ln_error err;
	int rc;

	if (!s)
		return;
	ln_store_write_note(s, "Notes/a.org", "* a\n", 4, &err);
	rc = ln_store_resolve(&rel, s, "José Pérez", &err);
	CHECK(rc == LN_OK && rel && strcmp(rel, "José-Pérez") == 0, "resolve: a display name is the person's folder");
	free(rel);
	rc = ln_store_resolve(&rel, s, "Notes", &err);
	CHECK(rc == LN_OK && rel && strcmp(rel, "Notes") == 0, "resolve: a word naming an existing folder is that folder");
	free(rel);
	rc = ln_store_resolve(&rel, s, "Notes/a.org", &err);
	CHECK(rc == LN_OK && rel && strcmp(rel, "Notes/a.org") == 0, "resolve: a word with a slash is a path");
	free(rel);
	rc = ln_store_resolve(&rel, s, "", &err);
	CHECK(rc == LN_OK && rel && strcmp(rel, "") == 0, "resolve: the empty word is the whole folder");
	free(rel);
	rel = NULL;
	rc = ln_store_resolve(&rel, s, "../x", &err);
	CHECK(rc == LN_EINVALID && rel == NULL, "resolve: a path outside the folder is invalid");
	ln_store_free(s);
}

/* A store in <tmp>/<name>/notes whose origin is the bare <tmp>/<name>/remote.git. */
static ln_store *store_with_remote(const char *name, char *dir, size_t size, char *bare, size_t bare_size)
{
	char sub[600];
	ln_store *s;
	snprintf(sub, sizeof(sub), "%s/notes", name);
	if (!(s = fresh_store(sub, dir, size)))
		return NULL;
	snprintf(bare, bare_size, "%s/%s/remote.git", tmp, name);
	th_sh("git init -q --bare '%s' && git -C '%s' remote add origin '%s'", bare, dir, bare);
	return s;
}

static void test_sync_store_saves_first_or_refuses_with_edirty(void)
{
	char dir[600], bare[600], *shown;
	ln_store *s = store_with_remote("syncsave", dir, sizeof(dir), bare, sizeof(bare));
	ln_sync_result *res = NULL;
	ln_error err;
	int rc;

	if (!s)
		return;
	ln_store_write_note(s, "ana/2026-02-02-one-on-one.org", "* saved by sync\n", 16, &err);
	ln_store_save(NULL, s, "ana/2026-02-02-one-on-one.org", NULL, &err);
	ln_store_write_note(s, "ana/2026-02-02-one-on-one.org", "* edited\n", 9, &err);
	rc = ln_sync_store(&res, s, NULL, 0, &err);
	CHECK(rc == LN_EDIRTY && res == NULL && contains(err.message, "ana/2026-02-02-one-on-one.org"),
		"sync_store: without save, a changed note is LN_EDIRTY naming it");
	CHECK(strcmp(ln_error_name(LN_EDIRTY), "dirty") == 0, "sync_store: LN_EDIRTY's name is \"dirty\"");
	rc = ln_sync_store(&res, s, NULL, 1, &err);
	CHECK(rc == LN_OK && res && res->saved == 1 && res->pushed, "sync_store: with save, it commits the note and pushes");
	if (res) {
		shown = th_out("git -C '%s' show '%s:ana/2026-02-02-one-on-one.org'", bare, res->branch);
		CHECK(strcmp(shown, "* edited\n") == 0, "sync_store: the remote holds the saved edit (git show)");
		free(shown);
	}
	ln_sync_result_free(res);
	CHECK(th_fsck_ok(bare) && th_status_clean(dir), "sync_store: both repositories sound, status clean");
	ln_store_free(s);
}

static void test_sync_store_retries_a_bounded_number_of_times(void)
{
	char repo[600], notes[700], bare[700];
	ln_store *s = NULL;
	ln_sync_result *res = NULL;
	ln_error err;
	int rc;

	/* The notes share a repository with a tracked file outside their
	 * folder, which leadnotes never saves: every attempt finds it changed. */
	snprintf(repo, sizeof(repo), "%s/shared", tmp);
	snprintf(notes, sizeof(notes), "%s/notes", repo);
	snprintf(bare, sizeof(bare), "%s/remote.git", tmp);
	th_sh("git init -q '%s' && cd '%s' && echo one > outside.txt && git add outside.txt && git commit -q -m outside"
		" && git init -q --bare '%s' && git remote add origin '%s' && echo two > outside.txt", repo, repo, bare, bare);
	if (ln_store_open_ext(&s, notes, LN_STORE_OPEN_CREATE | LN_STORE_OPEN_SHARED, &err) < 0) {
		CHECK(0, "sync_store: the shared store opens");
		return;
	}
	ln_store_write_note(s, "ana/2026-02-04-one-on-one.org", "* kept\n", 7, &err);
	rc = ln_sync_store(&res, s, NULL, 1, &err);
	CHECK(rc == LN_EDIRTY && res == NULL && contains(err.message, "outside.txt"),
		"sync_store: a change it cannot save ends the retries with LN_EDIRTY naming the file");
	CHECK(!contains(err.message, "* kept"), "sync_store: the message holds no note content");
	{
		char *log = th_out("git -C '%s' log --format=%%s -- notes/ana", repo);
		CHECK(log[0] != '\0', "sync_store: the note was saved all the same (git log)");
		free(log);
	}
	CHECK(th_fsck_ok(repo), "sync_store: the repository is sound");
	ln_store_free(s);
}

static void test_save_notes_commits_ignored_notes_too(void)
{
	char dir[600], *log;
	ln_store *s = fresh_store("ignored", dir, sizeof(dir));
	ln_commits commits = { NULL, 0 };
	char **ignored = NULL;
	size_t count = 0;
	ln_error err;
	int rc;

	if (!s)
		return;
	th_sh("cd '%s' && printf 'secret*\\n' > .gitignore && git add .gitignore && git commit -q -m ignore", dir);
	ln_store_write_note(s, "ana/secret-2026.org", "* ignored by .gitignore\n", 24, &err);
	ln_store_write_note(s, "ana/2026-02-03-one-on-one.org", "* plain\n", 8, &err);
	rc = ln_sync_save_notes(&commits, &ignored, &count, s, &err);
	CHECK(rc == LN_OK && commits.count == 1, "save_notes: save_all commits the plain note");
	CHECK(count == 1 && ignored && strcmp(ignored[0], "ana/secret-2026.org") == 0,
		"save_notes: the ignored note is committed and named");
	ln_store_commits_free(&commits);
	ln_sync_strings_free(ignored);
	log = th_out("git -C '%s' log --format=%%s -- ana/secret-2026.org", dir);
	CHECK(log[0] != '\0', "save_notes: git log shows the ignored note's commit");
	free(log);
	CHECK(th_status_clean(dir) && th_fsck_ok(dir), "save_notes: status clean, repository sound");
	ln_store_free(s);
}

static void test_seal_note_saves_a_changed_note_first(void)
{
	char dir[600], *tag = NULL, *shown;
	ln_store *s = fresh_store("seal", dir, sizeof(dir));
	ln_error err;
	int rc;

	if (!s)
		return;
	ln_store_write_note(s, "ana/2026-06-30-evaluation.org", "* Evaluation\nfinal\n", 19, &err);
	rc = ln_sync_seal_note(&tag, s, "ana/2026-06-30-evaluation.org", &err);
	CHECK(rc == LN_OK && tag != NULL, "seal_note: seals a note that was never saved");
	if (tag) {
		shown = th_out("git -C '%s' show '%s:ana/2026-06-30-evaluation.org'", dir, tag);
		CHECK(strcmp(shown, "* Evaluation\nfinal\n") == 0, "seal_note: the tag holds the text the user wrote (git show)");
		free(shown);
	}
	free(tag);
	tag = NULL;
	rc = ln_sync_seal_note(&tag, s, "../x.org", &err);
	CHECK(rc == LN_EINVALID && tag == NULL, "seal_note: a path outside the folder is invalid");
	CHECK(th_status_clean(dir) && th_fsck_ok(dir), "seal_note: status clean, repository sound");
	ln_store_free(s);
}

int main(void)
{
	git_libgit2_init();
	if (th_tmpdir(tmp, sizeof(tmp), "store-write") < 0)
		return 1;
	test_create_note_never_overwrites();
	test_write_note_replaces_atomically();
	test_resolve_reads_a_word_as_a_path_or_a_person();
	test_sync_store_saves_first_or_refuses_with_edirty();
	test_sync_store_retries_a_bounded_number_of_times();
	test_save_notes_commits_ignored_notes_too();
	test_seal_note_saves_a_changed_note_first();
	git_libgit2_shutdown();
	th_finish_tmpdir(tmp, failed);
	return check_report();
}
