/* The people's folders and their digests (folder_scan.c): the folders the
 * store's file list reports files in, and no other; a digest that changes
 * with any change to a file directly inside (also one keeping its size),
 * a file added or removed, and only then; the racy flag. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "helpers.h"
#include "leadnotes/folder_scan.h"

static char dir[256];

static void put(const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	th_write_file(path, text, strlen(text));
}

/* The scan with nothing racy; count and names joined by ',' into names. */
static int scan(ln_folder_states *out, char *names, size_t size)
{
	ln_error err;
	size_t i;
	int rc = ln_folder_scan(out, dir, (long long)time(NULL) + 3600, &err);

	names[0] = '\0';
	for (i = 0; rc == 0 && i < out->count; i++) {
		if (i)
			strncat(names, ",", size - strlen(names) - 1);
		strncat(names, out->items[i].dir, size - strlen(names) - 1);
	}
	return rc;
}

/* The digest of folder name in a fresh scan, into out (33 bytes). */
static void digest_of(const char *name, char *out)
{
	ln_folder_states states;
	char names[256];
	size_t i;

	out[0] = '\0';
	if (scan(&states, names, sizeof(names)) < 0)
		return;
	for (i = 0; i < states.count; i++)
		if (strcmp(states.items[i].dir, name) == 0)
			memcpy(out, states.items[i].digest, sizeof(states.items[i].digest));
	ln_folder_states_free(&states);
}

static void test_the_folders_listed_are_those_holding_a_file(void)
{
	ln_folder_states states;
	char names[256], path[512];
	ln_error err;

	put("alice/2026-01-05-one-on-one.org", "* a\n");
	put("bob/profile.org", "* b\n");
	put("carol/old/2025-01-01-one-on-one.org", "* c\n"); /* only in a subfolder: listed */
	put(".hidden/2026-01-05-one-on-one.org", "* h\n");   /* a dot folder: not a person */
	put("dave/.swap", "x");                             /* only a dot file: nobody */
	put("top.org", "* t\n");                            /* a file at the top: nobody's */
	snprintf(path, sizeof(path), "%s/empty", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/link", dir);
	CHECK(symlink("alice", path) == 0, "a link to a folder");
	CHECK(scan(&states, names, sizeof(names)) == 0, "the scan succeeds");
	CHECK(strcmp(names, "alice,bob,carol") == 0, "alice, bob and carol, sorted; no link, dot or empty folder");
	CHECK(states.count == 3 && states.items[0].files == 1 && states.items[2].files == 0,
	      "files counts the files directly inside");
	CHECK(states.count == 3 && strlen(states.items[0].digest) == 32, "a digest is 32 hex digits");
	CHECK(states.count == 3 && !states.items[0].racy, "nothing is racy before racy_after");
	ln_folder_states_free(&states);
	ln_folder_states_free(NULL);
	CHECK(ln_folder_scan(&states, "", 0, &err) == LN_EINVALID, "an empty folder name is refused");
	CHECK(ln_folder_scan(&states, "/nonexistent/leadnotes", 0, &err) == LN_EIO && states.count == 0,
	      "a missing notes folder is an error naming it");
}

static void test_the_digest_follows_every_change_and_only_those(void)
{
	char before[33], after[33], bob[33], bob_after[33], path[512];
	struct timespec pause = { 0, 20 * 1000 * 1000 };

	digest_of("alice", before);
	digest_of("bob", bob);
	digest_of("alice", after);
	CHECK(before[0] && strcmp(before, after) == 0, "unchanged folder, same digest");
	nanosleep(&pause, NULL);
	put("alice/2026-01-05-one-on-one.org", "* A\n"); /* same size */
	digest_of("alice", after);
	CHECK(strcmp(before, after) != 0, "a same-size edit changes the digest");
	digest_of("bob", bob_after);
	CHECK(strcmp(bob, bob_after) == 0, "another folder's digest stays");
	memcpy(before, after, sizeof(before));
	put("alice/.2026-01-05-one-on-one.org.swp", "swap");
	digest_of("alice", after);
	CHECK(strcmp(before, after) == 0, "a dot file does not count");
	put("alice/2026-02-05-one-on-one.org", "* new\n");
	digest_of("alice", after);
	CHECK(strcmp(before, after) != 0, "a new note changes the digest");
	snprintf(path, sizeof(path), "%s/alice/2026-02-05-one-on-one.org", dir);
	unlink(path);
	digest_of("alice", after);
	CHECK(strcmp(before, after) == 0, "removing it gives the digest back");
}

static void test_a_recent_change_is_racy(void)
{
	ln_folder_states states;
	ln_error err;
	size_t i;
	int alice_racy = 0;

	put("alice/2026-03-05-one-on-one.org", "* now\n");
	CHECK(ln_folder_scan(&states, dir, (long long)time(NULL) - 2, &err) == 0, "the scan succeeds");
	for (i = 0; i < states.count; i++) {
		if (strcmp(states.items[i].dir, "alice") == 0)
			alice_racy = states.items[i].racy;
	}
	CHECK(alice_racy, "a folder with a file changed within racy_after is racy");
	ln_folder_states_free(&states);
	CHECK(ln_folder_scan(&states, dir, (long long)time(NULL) + 3600, &err) == 0 && states.count == 3 &&
	      !states.items[0].racy, "not racy when racy_after is later");
	ln_folder_states_free(&states);
}

int main(void)
{
	if (th_tmpdir(dir, sizeof(dir), "folder-scan") < 0)
		return 1;
	test_the_folders_listed_are_those_holding_a_file();
	test_the_digest_follows_every_change_and_only_those();
	test_a_recent_change_is_racy();
	th_remove_tree(dir);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
