/* index_writer.c, the flusher's own writer of .git/index: for an index
 * libgit2 writes without extensions, and for one whose cache tree (TREE)
 * both carry through the same changes, the two files must be the same bytes;
 * the git tool must read what it writes (status clean, the same listing);
 * what it cannot reproduce it declines, and a failure leaves no file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* A repository at <tmp>/<name> (path in dir) with the notes added to its
 * index through libgit2; 0, or -1 (the checks say what failed). */
static int repo_with_notes(git_repository **repo, git_index **idx, char *dir, size_t size, const char *name)
{
	snprintf(dir, size, "%s/%s", tmp, name);
	CHECK(write_tree_of_notes(dir) == 0, "the notes are written");
	CHECK(git_repository_init(repo, dir, 0) == 0, "a repository");
	if (!*repo)
		return -1;
	CHECK(git_repository_index(idx, *repo) == 0, "its index");
	CHECK(git_index_add_all(*idx, NULL, 0, NULL, NULL) == 0, "every file added");
	return *idx ? 0 : -1;
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
	if (repo_with_notes(&repo, &idx, dir, sizeof(dir), "same") < 0)
		goto cleanup;
	CHECK(git_index_write(idx) == 0, "libgit2 writes the index");
	snprintf(theirs, sizeof(theirs), "%s/.git/index", dir);
	snprintf(ours, sizeof(ours), "%s/ours", tmp);
	rc = index_writer_write(idx, NULL, ours, &declined);
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
cleanup:
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
	CHECK(index_writer_write(idx, NULL, ours, &declined) == 0 && declined == 0, "the writer writes it");
	CHECK(same_file(ours, theirs), "the same bytes as libgit2's, version 3");
	CHECK(th_sh("cp '%s' '%s'", ours, theirs) == 0, "ours replaces .git/index");
	listing = th_out("git -C '%s' ls-files --debug p2/later", dir);
	CHECK(strstr(listing, "p2/later") != NULL, "git reads the intent-to-add entry");
	free(listing);
	git_index_free(idx);
	git_repository_free(repo);
}

static void write_note(const char *dir, const char *rel, const char *text)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	th_write_file(path, text, strlen(text));
}

static void unlink_note(const char *dir, const char *rel)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	unlink(path);
}

/* The changes a save makes, to libgit2's index and to our cache tree. */
static void change_both(git_index *idx, index_tree *tree, git_repository *repo, const char *dir)
{
	static const char *const added[] = { "a/b/c", "new-dir/deep/f", "a.b/x" };
	size_t i;
	for (i = 0; i < sizeof(added) / sizeof(added[0]); i++) {
		git_index_entry e;
		memset(&e, 0, sizeof(e));
		write_note(dir, added[i], "changed\n");
		e.mode = GIT_FILEMODE_BLOB;
		e.path = added[i];
		CHECK(git_blob_create_from_buffer(&e.id, repo, "changed\n", 8) == 0 && git_index_add(idx, &e) == 0, "a change");
		index_tree_invalidate(tree, added[i]);
	}
	CHECK(git_index_remove(idx, "a-b", 0) == 0, "a removal");
	index_tree_invalidate(tree, "a-b");
	unlink_note(dir, "a-b");
}

/* git's own cache tree, read, carried through changes and written: the
 * same bytes as libgit2's, and a commit made by git from it is right. */
static void test_cache_tree_as_libgit2(void)
{
	static const char *const notes[] = { "a!", "a-b", "a.b/x", "a/b/c", "a/b/d", "a/e", "b/f", "zed/g/h/i" };
	char dir[600], theirs[700], ours[700], index_path[700];
	git_repository *repo = NULL;
	git_index *idx = NULL;
	index_tree *tree = NULL;
	int declined = -1;
	size_t i;
	char *status, *tree_head, *tree_written;
	snprintf(dir, sizeof(dir), "%s/tree", tmp);
	for (i = 0; i < sizeof(notes) / sizeof(notes[0]); i++)
		write_note(dir, notes[i], notes[i]);
	CHECK(th_sh("cd '%s' && git init -q && git add -A && git -c user.name=t -c user.email=t@x commit -q -m one", dir) == 0,
		"git commits the notes (and writes a full cache tree)");
	CHECK(git_repository_open(&repo, dir) == 0, "libgit2 opens it");
	if (!repo)
		return;
	snprintf(index_path, sizeof(index_path), "%s/.git/index", dir);
	snprintf(theirs, sizeof(theirs), "%s/theirs", tmp);
	snprintf(ours, sizeof(ours), "%s/ours-tree", tmp);
	CHECK(th_sh("cp '%s' '%s'", index_path, theirs) == 0, "a copy of git's index");
	CHECK(index_tree_load(&tree, theirs) == 0 && tree != NULL, "its cache tree is read");
	CHECK(git_index_open(&idx, theirs) == 0, "libgit2 reads the copy");
	if (!idx || !tree)
		goto cleanup;
	CHECK(git_index_write(idx) == 0 && index_writer_write(idx, tree, ours, &declined) == 0 && declined == 0,
		"both write it unchanged");
	CHECK(same_file(ours, theirs), "unchanged: the same bytes as libgit2's, cache tree and all");

	change_both(idx, tree, repo, dir);
	CHECK(git_index_write(idx) == 0 && index_writer_write(idx, tree, ours, &declined) == 0 && declined == 0,
		"both write it changed");
	CHECK(same_file(ours, theirs), "changed: the same bytes as libgit2's, the nodes on the changed paths invalid");

	/* git trusts the valid nodes: a commit it makes from our index holds
	 * exactly the files, and git write-tree agrees with that commit. */
	CHECK(th_sh("cp '%s' '%s'", ours, index_path) == 0, "ours replaces .git/index");
	CHECK(th_sh("cd '%s' && git -c user.name=t -c user.email=t@x commit -q -m two", dir) == 0, "git commits from it");
	status = th_out("git -C '%s' status --porcelain", dir);
	CHECK(strcmp(status, "") == 0, "git status is clean after that commit");
	tree_head = th_out("git -C '%s' rev-parse 'HEAD^{tree}'", dir);
	th_sh("cd '%s' && rm .git/index && git read-tree HEAD && git add -A", dir);
	tree_written = th_out("cd '%s' && git write-tree", dir);
	CHECK(strcmp(tree_head, tree_written) == 0 && strlen(tree_head) == 41, "HEAD's tree is the tree of the files");
	CHECK(th_fsck_ok(dir), "git fsck");
	free(status);
	free(tree_head);
	free(tree_written);
cleanup:
	index_tree_free(tree);
	git_index_free(idx);
	git_repository_free(repo);
}

/* Cache trees this writer does not take: damaged, or in a version 4 index. */
static void test_cache_tree_refused(void)
{
	char dir[600], path[700];
	index_tree *tree = NULL;
	size_t len = 0;
	char *data;
	snprintf(dir, sizeof(dir), "%s/v4", tmp);
	write_note(dir, "p/n", "n\n");
	CHECK(th_sh("cd '%s' && git init -q && git add -A && git -c user.name=t -c user.email=t@x commit -q -m one", dir) == 0,
		"a repository");
	snprintf(path, sizeof(path), "%s/.git/index", dir);
	CHECK(index_tree_load(&tree, path) == 0 && tree != NULL, "version 2: read");
	index_tree_free(tree);
	tree = NULL;
	data = th_read_file(path, &len);
	if (data && len > 40) {
		char *tree_at = NULL;
		size_t k;
		for (k = 0; k + 4 < len; k++)
			if (memcmp(data + k, "TREE", 4) == 0)
				tree_at = data + k;
		if (tree_at) {
			tree_at[9] = 'x'; /* inside the root's entry count */
			th_write_file(path, data, len);
			CHECK(index_tree_load(&tree, path) == -1 && tree == NULL, "a damaged cache tree: refused");
		}
		CHECK(tree_at != NULL, "git wrote a cache tree");
	}
	free(data);
	CHECK(th_sh("cd '%s' && rm .git/index && git -c index.version=4 read-tree HEAD", dir) == 0, "a version 4 index");
	CHECK(index_tree_load(&tree, path) == -1 && tree == NULL, "version 4: refused");
	snprintf(path, sizeof(path), "%s/no-such-index", dir);
	CHECK(index_tree_load(&tree, path) == 0 && tree == NULL, "no index: no cache tree");
}

static void test_declines_and_failures(void)
{
	char dir[600], ours[700], missing[700];
	git_repository *repo = NULL;
	git_index *idx = NULL;
	git_oid id;
	int declined = -1;
	if (repo_with_notes(&repo, &idx, dir, sizeof(dir), "reuc") < 0)
		goto cleanup;

	snprintf(missing, sizeof(missing), "%s/no/such/folder/index", tmp);
	errno = 0;
	CHECK(index_writer_write(idx, NULL, missing, &declined) == -1 && errno == ENOENT && declined == 0,
		"a folder that is not there: -1 and ENOENT");

	CHECK(git_odb_hash(&id, "x", 1, GIT_OBJECT_BLOB) == 0, "a blob id");
	CHECK(git_index_reuc_add(idx, "p1/b", 0100644, &id, 0100644, &id, 0100644, &id) == 0, "resolve-undo data");
	snprintf(ours, sizeof(ours), "%s/ours-reuc", tmp);
	CHECK(index_writer_write(idx, NULL, ours, &declined) == 0 && declined == 1, "declined: libgit2 writes REUC");
	CHECK(th_read_file(ours, NULL) == NULL, "and nothing was written");
cleanup:
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
	test_cache_tree_as_libgit2();
	test_cache_tree_refused();
	git_libgit2_shutdown();
	th_finish_tmpdir(tmp, failed);
	return check_report();
}
