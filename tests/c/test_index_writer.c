/* index_writer.c, the flusher's own writer of .git/index: for an index
 * libgit2 writes without extensions, the two files must be the same bytes;
 * the git tool must read what it writes (status clean, the same listing);
 * what it cannot reproduce it declines, and a failure leaves no file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>
#include <git2/sys/index.h>

#include "check.h"
#include "helpers.h"
#include "index_writer.h"

static char tmp[512];

/* Paths of every length from 1 to 17 bytes after the folder, so that each
 * of the eight paddings occurs, and one name of 200 bytes. */
static int write_tree_of_notes(const char *dir)
{
	char path[1024], name[320];
	int i;
	for (i = 1; i <= 17; i++) {
		memset(name, 'a' + i % 26, (size_t)i);
		name[i] = '\0';
		snprintf(path, sizeof(path), "%s/p%d/%s", dir, i % 3, name);
		if (th_write_file(path, name, (size_t)i) < 0)
			return -1;
	}
	memset(name, 'z', 200);
	name[200] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return th_write_file(path, "long\n", 5);
}

static int same_file(const char *a, const char *b)
{
	size_t la = 0, lb = 0;
	char *x = th_read_file(a, &la), *y = th_read_file(b, &lb);
	int same = x && y && la == lb && memcmp(x, y, la) == 0;
	free(x);
	free(y);
	return same;
}

static void test_same_bytes_as_libgit2(void)
{
	char dir[600], ours[700], theirs[700];
	git_repository *repo = NULL;
	git_index *idx = NULL;
	int declined = -1, rc;
	char *listing, *expected;
	snprintf(dir, sizeof(dir), "%s/same", tmp);
	CHECK(write_tree_of_notes(dir) == 0, "the notes are written");
	CHECK(git_repository_init(&repo, dir, 0) == 0, "a repository");
	if (!repo)
		return;
	CHECK(git_repository_index(&idx, repo) == 0, "its index");
	CHECK(git_index_add_all(idx, NULL, 0, NULL, NULL) == 0, "every file added");
	CHECK(git_index_write(idx) == 0, "libgit2 writes the index");
	snprintf(theirs, sizeof(theirs), "%s/.git/index", dir);
	snprintf(ours, sizeof(ours), "%s/ours", tmp);
	rc = index_writer_write(idx, ours, &declined);
	CHECK(rc == 0 && declined == 0, "the writer writes it");
	CHECK(same_file(ours, theirs), "the same bytes as libgit2's");

	/* What git reads from ours: the same entries, and a clean status. */
	expected = th_out("git -C '%s' ls-files -s --debug", dir);
	CHECK(th_sh("cp '%s' '%s'", ours, theirs) == 0, "ours replaces .git/index");
	listing = th_out("git -C '%s' ls-files -s --debug", dir);
	CHECK(strcmp(listing, expected) == 0 && strlen(listing) > 100, "git lists the same entries");
	th_sh("git -C '%s' -c user.name=t -c user.email=t@x commit -q -m notes", dir);
	CHECK(th_status_clean(dir), "git status is clean after a commit from it");
	CHECK(th_fsck_ok(dir), "git fsck");
	free(listing);
	free(expected);
	git_index_free(idx);
	git_repository_free(repo);
}

/* An intent-to-add entry needs version 3 and the extended flags. */
static void test_extended_flags(void)
{
	char dir[600], ours[700], theirs[700];
	git_repository *repo = NULL;
	git_index *idx = NULL;
	git_index_entry e;
	int declined = -1;
	char *listing;
	snprintf(dir, sizeof(dir), "%s/ita", tmp);
	CHECK(write_tree_of_notes(dir) == 0, "the notes are written");
	CHECK(git_repository_init(&repo, dir, 0) == 0, "a repository");
	if (!repo)
		return;
	CHECK(git_repository_index(&idx, repo) == 0, "its index");
	CHECK(git_index_add_bypath(idx, "p1/b") == 0, "one file added");
	memset(&e, 0, sizeof(e));
	e.mode = GIT_FILEMODE_BLOB;
	e.path = "p2/later";
	e.flags_extended = GIT_INDEX_ENTRY_INTENT_TO_ADD;
	CHECK(git_blob_create_from_buffer(&e.id, repo, "", 0) == 0, "the empty blob");
	CHECK(git_index_add(idx, &e) == 0, "an intent-to-add entry");
	CHECK(git_index_write(idx) == 0, "libgit2 writes the index");
	snprintf(theirs, sizeof(theirs), "%s/.git/index", dir);
	snprintf(ours, sizeof(ours), "%s/ours-ita", tmp);
	CHECK(index_writer_write(idx, ours, &declined) == 0 && declined == 0, "the writer writes it");
	CHECK(same_file(ours, theirs), "the same bytes as libgit2's, version 3");
	CHECK(th_sh("cp '%s' '%s'", ours, theirs) == 0, "ours replaces .git/index");
	listing = th_out("git -C '%s' ls-files --debug p2/later", dir);
	CHECK(strstr(listing, "p2/later") != NULL, "git reads the intent-to-add entry");
	free(listing);
	git_index_free(idx);
	git_repository_free(repo);
}

static void test_declines_and_failures(void)
{
	char dir[600], ours[700], missing[700];
	git_repository *repo = NULL;
	git_index *idx = NULL;
	git_oid id;
	int declined = -1;
	snprintf(dir, sizeof(dir), "%s/reuc", tmp);
	CHECK(write_tree_of_notes(dir) == 0, "the notes are written");
	CHECK(git_repository_init(&repo, dir, 0) == 0, "a repository");
	if (!repo)
		return;
	CHECK(git_repository_index(&idx, repo) == 0, "its index");
	CHECK(git_index_add_all(idx, NULL, 0, NULL, NULL) == 0, "every file added");

	snprintf(missing, sizeof(missing), "%s/no/such/folder/index", tmp);
	errno = 0;
	CHECK(index_writer_write(idx, missing, &declined) == -1 && errno == ENOENT && declined == 0,
		"a folder that is not there: -1 and ENOENT");

	CHECK(git_odb_hash(&id, "x", 1, GIT_OBJECT_BLOB) == 0, "a blob id");
	CHECK(git_index_reuc_add(idx, "p1/b", 0100644, &id, 0100644, &id, 0100644, &id) == 0, "resolve-undo data");
	snprintf(ours, sizeof(ours), "%s/ours-reuc", tmp);
	CHECK(index_writer_write(idx, ours, &declined) == 0 && declined == 1, "declined: libgit2 writes REUC");
	CHECK(th_read_file(ours, NULL) == NULL, "and nothing was written");
	git_index_free(idx);
	git_repository_free(repo);
}

int main(void)
{
	git_libgit2_init();
	if (th_tmpdir(tmp, sizeof(tmp), "index-writer") < 0)
		return 1;
	test_same_bytes_as_libgit2();
	test_extended_flags();
	test_declines_and_failures();
	git_libgit2_shutdown();
	th_finish_tmpdir(tmp, failed);
	return check_report();
}
