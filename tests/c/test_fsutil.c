/* The private helpers every C component shares (fsutil.c): a string copy,
 * a file replaced atomically or not at all, folders made with mode 0700,
 * libgit2's last error turned into an ln_error with a code of ours, the
 * writer lock and its timeout, UTF-8 decoding, array growth and FNV-1a. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "check.h"
#include "fsutil.h"
#include "helpers.h"

static char dir[256];

/* The number of entries in folder d other than "." and "..". */
static int entries_in(const char *d)
{
	DIR *h = opendir(d);
	struct dirent *e;
	int n = 0;
	if (!h)
		return -1;
	while ((e = readdir(h)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(h);
	return n;
}

static int mode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static int is_folder(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int file_is(const char *path, const char *want)
{
	size_t len = 0;
	char *text = th_read_file(path, &len);
	int same = text && len == strlen(want) && memcmp(text, want, len) == 0;
	free(text);
	return same;
}

static void test_strdup_copies_and_passes_null_through(void)
{
	const char *s = "Dana's notes";
	char *copy = ln__strdup(s);
	CHECK(copy && copy != s && strcmp(copy, s) == 0, "strdup: the copy holds the same text in new memory");
	free(copy);
	copy = ln__strdup("");
	CHECK(copy && copy[0] == '\0', "strdup: the empty string is copied");
	free(copy);
	CHECK(ln__strdup(NULL) == NULL, "strdup: NULL gives NULL");
}

static void test_strndup_copies_n_bytes_and_ends_them(void)
{
	char *copy = ln__strndup("Dana\0and more", 6);
	CHECK(copy && memcmp(copy, "Dana\0a", 6) == 0 && copy[6] == '\0', "strndup: n bytes, NUL bytes too, then a NUL");
	free(copy);
	copy = ln__strndup(NULL, 0);
	CHECK(copy && copy[0] == '\0', "strndup: zero bytes is the empty string");
	free(copy);
}

static void test_array_grow_doubles_only_when_full(void)
{
	int *items = NULL, *grown;
	size_t alloc = 0, count;
	int ok = 1;
	for (count = 0; count < 100; count++) {
		grown = ln__array_grow(items, &alloc, count, sizeof(*items), 4);
		if (!grown) {
			ok = 0;
			break;
		}
		items = grown;
		items[count] = (int)count;
	}
	CHECK(ok && alloc == 128 && items[99] == 99 && items[0] == 0, "array_grow: 4, 8 ... 128 items, contents kept");
	CHECK(ln__array_grow(items, &alloc, 100, sizeof(*items), 4) == items && alloc == 128,
		"array_grow: an array with room is returned as it is");
	free(items);
}

static void test_fnv1a_matches_the_reference_values(void)
{
	CHECK(ln__fnv1a(LN__FNV32_START, "", 0, 32) == 0x811c9dc5u, "fnv1a: 32 bits of nothing is the offset basis");
	CHECK(ln__fnv1a(LN__FNV32_START, "a", 1, 32) == 0xe40c292cu, "fnv1a: 32 bits of \"a\"");
	CHECK(ln__fnv1a(LN__FNV32_START, "foobar", 6, 32) == 0xbf9cf968u, "fnv1a: 32 bits of \"foobar\"");
	CHECK(ln__fnv1a(LN__FNV64_START, "a", 1, 64) == 0xaf63dc4c8601ec8cull, "fnv1a: 64 bits of \"a\"");
	CHECK(ln__fnv1a(LN__FNV64_START, "foobar", 6, 64) == 0x85944171f73967e8ull, "fnv1a: 64 bits of \"foobar\"");
	CHECK(ln__fnv1a(ln__fnv1a(LN__FNV64_START, "foo", 3, 64), "bar", 3, 64) == 0x85944171f73967e8ull,
		"fnv1a: a hash continues where the last call stopped");
}

static void test_write_atomic_creates_and_replaces_with_its_mode(void)
{
	char folder[300], path[320];
	ln_error err;
	snprintf(folder, sizeof(folder), "%s/write", dir);
	snprintf(path, sizeof(path), "%s/note.org", folder);
	CHECK(ln__fs_make_dirs(folder, &err) == LN_OK, "write_atomic: its folder is made");
	CHECK(ln__fs_write_atomic(path, "first\n", 6, 0600, &err) == LN_OK && file_is(path, "first\n"),
		"write_atomic: a new file holds the data");
	CHECK(mode_of(path) == 0600, "write_atomic: the new file has the mode asked for");
	CHECK(ln__fs_write_atomic(path, "second, longer\n", 15, 0644, &err) == LN_OK && file_is(path, "second, longer\n"),
		"write_atomic: an existing file is replaced whole");
	CHECK(mode_of(path) == 0644, "write_atomic: the replaced file has the mode asked for");
	CHECK(ln__fs_write_atomic(path, "", 0, 0600, &err) == LN_OK && file_is(path, ""),
		"write_atomic: no data makes an empty file");
	CHECK(entries_in(folder) == 1, "write_atomic: no temporary file is left beside it");
}

static void test_write_atomic_failing_leaves_the_target_untouched(void)
{
	char folder[300], path[320], missing[320], inside[340];
	ln_error err;
	snprintf(folder, sizeof(folder), "%s/fail", dir);
	snprintf(path, sizeof(path), "%s/taken", folder);
	snprintf(missing, sizeof(missing), "%s/no-such-folder/note.org", dir);
	memset(&err, 0, sizeof(err));
	CHECK(ln__fs_write_atomic(missing, "secret words", 12, 0600, &err) == LN_EIO && err.code == LN_EIO,
		"write_atomic: a missing folder is an i/o error");
	CHECK(strstr(err.message, missing) != NULL, "write_atomic: the message names the path");
	CHECK(strstr(err.message, "secret") == NULL, "write_atomic: the message never holds the content");

	/* A folder that is not empty cannot be renamed over: the rename is
	 * the step that fails, after the data was written and synced. */
	snprintf(inside, sizeof(inside), "%s/inside", path);
	CHECK(th_write_file(inside, "x", 1) == 0, "write_atomic: the folder in the way is made");
	CHECK(ln__fs_write_atomic(path, "new text", 8, 0600, &err) == LN_EIO, "write_atomic: a failed rename is an i/o error");
	CHECK(is_folder(path) && entries_in(path) == 1, "write_atomic: the target is untouched after a failure");
	CHECK(entries_in(folder) == 1, "write_atomic: the temporary is gone after a failure");
}

static void test_make_parents_makes_only_the_folders_leading_to_rel(void)
{
	char base[300], p[400];
	ln_error err;
	snprintf(base, sizeof(base), "%s/parents", dir);
	CHECK(ln__fs_make_dirs(base, &err) == LN_OK && mode_of(base) == 0700, "make_dirs: a new folder has mode 0700");
	CHECK(ln__fs_make_parents(base, "dana/2026/note.org", &err) == LN_OK, "make_parents: succeeds");
	snprintf(p, sizeof(p), "%s/dana/2026", base);
	CHECK(is_folder(p) && mode_of(p) == 0700, "make_parents: every missing parent is made with mode 0700");
	snprintf(p, sizeof(p), "%s/dana/2026/note.org", base);
	CHECK(!is_folder(p) && mode_of(p) == -1, "make_parents: the last part is not made");
	CHECK(ln__fs_make_parents(base, "dana/2026/other.org", &err) == LN_OK, "make_parents: existing folders are fine");
	CHECK(ln__fs_make_parents(base, "erin/", &err) == LN_OK, "make_parents: a trailing slash makes the last part");
	snprintf(p, sizeof(p), "%s/erin", base);
	CHECK(is_folder(p), "make_parents: the folder before a trailing slash exists");
	CHECK(ln__fs_make_parents(base, "top.org", &err) == LN_OK, "make_parents: nothing to make is fine");
}

static void test_make_parents_refuses_a_file_in_the_way(void)
{
	char base[300], file[320];
	ln_error err;
	snprintf(base, sizeof(base), "%s/blocked", dir);
	snprintf(file, sizeof(file), "%s/frank", base);
	CHECK(th_write_file(file, "x", 1) == 0, "make_parents: the file in the way is written");
	CHECK(ln__fs_make_parents(base, "frank/note.org", &err) == LN_EIO && strstr(err.message, file) != NULL,
		"make_parents: a file where a folder must go is an i/o error naming it");
	CHECK(ln__fs_make_dirs(file, &err) == LN_EIO, "make_dirs: a file where the folder must go is an i/o error");
}

static void test_error_from_git_maps_codes_and_copies_the_message(void)
{
	git_repository *repo = NULL;
	char missing[320];
	ln_error err;
	int rc;

	snprintf(missing, sizeof(missing), "%s/not-a-repository", dir);
	rc = git_repository_open_ext(&repo, missing, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	CHECK(rc == GIT_ENOTFOUND, "error_from_git: libgit2 reports the missing repository");
	CHECK(ln__error_from_git(&err, rc, "cannot open") == LN_ENOTFOUND && err.code == LN_ENOTFOUND,
		"error_from_git: GIT_ENOTFOUND is LN_ENOTFOUND");
	CHECK(strncmp(err.message, "cannot open: ", 13) == 0 && strlen(err.message) > 13,
		"error_from_git: the message is what failed, then libgit2's words");
	CHECK(ln__error_from_git(&err, GIT_ELOCKED, "x") == LN_ELOCKED, "error_from_git: GIT_ELOCKED is LN_ELOCKED");
	CHECK(ln__error_from_git(&err, GIT_EEXISTS, "x") == LN_EEXISTS, "error_from_git: GIT_EEXISTS is LN_EEXISTS");
	CHECK(ln__error_from_git(&err, GIT_EINVALIDSPEC, "x") == LN_EINVALID,
		"error_from_git: GIT_EINVALIDSPEC is LN_EINVALID");
	git_error_set_str(GIT_ERROR_OS, "failed to write: No space left on device");
	CHECK(ln__error_from_git(&err, GIT_ERROR, "cannot store the note") == LN_EIO,
		"error_from_git: a failure of the system is LN_EIO");
	git_error_set_str(GIT_ERROR_NOMEMORY, "out of memory");
	CHECK(ln__error_from_git(&err, GIT_ERROR, "x") == LN_ENOMEM, "error_from_git: no memory is LN_ENOMEM");
	git_error_set_str(GIT_ERROR_REFERENCE, "the reference is odd");
	CHECK(ln__error_from_git(&err, GIT_ERROR, "cannot read HEAD") == LN_ERROR &&
		strcmp(err.message, "cannot read HEAD: the reference is odd") == 0,
		"error_from_git: any other failure is LN_ERROR with libgit2's message");
	git_error_clear();
	CHECK(ln__error_from_git(&err, GIT_ERROR, "cannot read HEAD") == LN_ERROR &&
		strcmp(err.message, "cannot read HEAD: libgit2 failed") == 0,
		"error_from_git: without a libgit2 message it still says what failed");
	CHECK(ln__error_from_git(NULL, GIT_ENOTFOUND, "x") == LN_ENOTFOUND, "error_from_git: err may be NULL");
}

static void test_lock_open_excludes_a_second_holder_until_closed(void)
{
	char path[300];
	ln_error err;
	int first, second;
	snprintf(path, sizeof(path), "%s/writer.lock", dir);
	first = ln__lock_open(path, 0, &err);
	CHECK(first >= 0 && mode_of(path) == 0600, "lock: a missing lock file is made (0600) and taken");
	second = ln__lock_open(path, 0, &err);
	CHECK(second == LN_ELOCKED && err.code == LN_ELOCKED && strstr(err.message, path) != NULL,
		"lock: a second holder is refused with LN_ELOCKED naming the lock");
	CHECK(ln__lock_open(path, 30, &err) == LN_ELOCKED, "lock: waiting a while does not take a held lock");
	if (first >= 0)
		close(first);
	second = ln__lock_open(path, 0, &err);
	CHECK(second >= 0, "lock: once closed, the lock can be taken again");
	if (second >= 0)
		close(second);
	snprintf(path, sizeof(path), "%s/no-such-folder/writer.lock", dir);
	CHECK(ln__lock_open(path, 0, &err) == LN_EIO, "lock: a lock file that cannot be made is an i/o error");
}

static void test_lock_timeout_comes_from_the_environment(void)
{
	unsetenv("LEADNOTES_LOCK_TIMEOUT_MS");
	CHECK(ln__lock_timeout_ms() == 5000, "lock timeout: 5 s by default");
	setenv("LEADNOTES_LOCK_TIMEOUT_MS", "250", 1);
	CHECK(ln__lock_timeout_ms() == 250, "lock timeout: LEADNOTES_LOCK_TIMEOUT_MS sets it");
	setenv("LEADNOTES_LOCK_TIMEOUT_MS", "-4", 1);
	CHECK(ln__lock_timeout_ms() == 5000, "lock timeout: a negative value is ignored");
	unsetenv("LEADNOTES_LOCK_TIMEOUT_MS");
}

static int decodes_to(const char *s, size_t n, size_t want_len, uint32_t want_cp)
{
	uint32_t cp = 0xDEAD;
	size_t len = ln__utf8_decode(s, n, &cp);
	return len == want_len && (len == 0 ? cp == 0xDEAD : cp == want_cp);
}

static void test_utf8_decode_takes_valid_characters_and_refuses_the_rest(void)
{
	CHECK(decodes_to("a", 1, 1, 'a'), "utf8: ASCII is one byte");
	CHECK(decodes_to("\xc3\xa9t\xc3\xa9", 5, 2, 0xE9), "utf8: é is two bytes");
	CHECK(decodes_to("\xe2\x82\xac", 3, 3, 0x20AC), "utf8: € is three bytes");
	CHECK(decodes_to("\xf0\x9f\x99\x82", 4, 4, 0x1F642), "utf8: an emoji is four bytes");
	CHECK(decodes_to("\xc3\xa9", 1, 0, 0), "utf8: a character cut short by n is refused");
	CHECK(decodes_to("\x80", 1, 0, 0), "utf8: a stray continuation byte is refused");
	CHECK(decodes_to("\xc0\xaf", 2, 0, 0), "utf8: an overlong form is refused");
	CHECK(decodes_to("\xed\xa0\x80", 3, 0, 0), "utf8: a surrogate is refused");
	CHECK(decodes_to("\xf4\x90\x80\x80", 4, 0, 0), "utf8: beyond U+10FFFF is refused");
	CHECK(decodes_to("", 0, 0, 0), "utf8: nothing to read is refused");
}

int main(void)
{
	if (th_tmpdir(dir, sizeof(dir), "fsutil") < 0)
		return 1;
	git_libgit2_init();
	test_strdup_copies_and_passes_null_through();
	test_strndup_copies_n_bytes_and_ends_them();
	test_array_grow_doubles_only_when_full();
	test_fnv1a_matches_the_reference_values();
	test_write_atomic_creates_and_replaces_with_its_mode();
	test_write_atomic_failing_leaves_the_target_untouched();
	test_make_parents_makes_only_the_folders_leading_to_rel();
	test_make_parents_refuses_a_file_in_the_way();
	test_error_from_git_maps_codes_and_copies_the_message();
	test_lock_open_excludes_a_second_holder_until_closed();
	test_lock_timeout_comes_from_the_environment();
	test_utf8_decode_takes_valid_characters_and_refuses_the_rest();
	git_libgit2_shutdown();
	th_remove_tree(dir);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
