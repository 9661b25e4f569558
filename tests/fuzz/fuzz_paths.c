/* Fuzzes the path handling of show and diff: a path (and a revision) given
 * by a caller, as an editor or the command line passes them on. One notes
 * repository is made at start-up, with a note, a subfolder, and a symlink
 * pointing outside the folder. Besides not crashing, an accepted path must
 * be relative, normalised and inside the folder, never under .git. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* nftw */
#endif
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leadnotes/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static ln_store *paths_store;
static char paths_root[256];

static void paths_fail(const char *what, const char *input, const char *rel)
{
	fprintf(stderr, "fuzz_paths: %s: input \"%s\" gave \"%s\"\n", what, input, rel ? rel : "(null)");
	abort();
}

static void paths_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "fuzz_paths: cannot write %s\n", path);
		exit(1);
	}
}

static int paths_remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* The repository goes when the process ends normally (not after a crash:
 * then it is evidence). */
static void paths_cleanup(void)
{
	ln_store_free(paths_store);
	paths_store = NULL;
	if (paths_root[0])
		nftw(paths_root, paths_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[512];
	ln_error err;
	(void)argc;
	(void)argv;

	snprintf(paths_root, sizeof(paths_root), "%s/leadnotes-fuzz-paths-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(paths_root) == NULL) {
		perror("fuzz_paths: mkdtemp");
		exit(1);
	}
	atexit(paths_cleanup);
	snprintf(path, sizeof(path), "%s/outside", paths_root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/outside/secret.org", paths_root);
	paths_write(path, "* outside the notes\n");
	snprintf(path, sizeof(path), "%s/notes", paths_root);
	if (ln_store_open(&paths_store, path, &err) != 0) {
		fprintf(stderr, "fuzz_paths: cannot open a store: %s\n", err.message);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/notes/alice", paths_root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/notes/alice/2026-11-02-one-on-one.org", paths_root);
	paths_write(path, "* one-on-one\n** TODO send the plan\n");
	if (ln_store_save(NULL, paths_store, "alice/2026-11-02-one-on-one.org", NULL, &err) < 0) {
		fprintf(stderr, "fuzz_paths: cannot save: %s\n", err.message);
		exit(1);
	}
	paths_write(path, "* one-on-one\n** DONE send the plan\n");
	snprintf(path, sizeof(path), "%s/notes/away", paths_root);
	if (symlink("../outside", path) != 0) {
		perror("fuzz_paths: symlink");
		exit(1);
	}
	return 0;
}

/* Checks a path the store accepted, relative to the notes folder. */
static void paths_check(const char *input, const char *rel)
{
	const char *p = rel;
	if (rel[0] == '/')
		paths_fail("accepted path is absolute", input, rel);
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == 0 && end)
			paths_fail("accepted path has an empty component", input, rel);
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			paths_fail("accepted path has . or ..", input, rel);
		if (n == 4 && strncasecmp(p, ".git", 4) == 0)
			paths_fail("accepted path goes into .git", input, rel);
		if (n == 4 && p == rel && strncmp(p, "away", 4) == 0)
			paths_fail("accepted path goes through the symlink out of the folder", input, rel);
		p += n;
		if (*p == '/')
			p++;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *input, *rev = NULL, *path, *nl, *rel = NULL, *out = NULL;
	size_t out_len = 0;
	ln_error err;
	int accepted = 0, shown = 0;

	/* The input as C strings: "REV\nPATH" or just "PATH" (against HEAD).
	 * A NUL inside ends the string, as it would through the Lua binding's
	 * own check; the binding refuses embedded NULs before the store. */
	input = malloc(size + 1);
	if (input == NULL)
		return 0;
	memcpy(input, data, size);
	input[size] = '\0';
	nl = strchr(input, '\n');
	if (nl != NULL) {
		*nl = '\0';
		rev = input;
		path = nl + 1;
	} else {
		path = input;
	}

	ln_error_clear(&err);
	if (ln_store_relpath(&rel, paths_store, path, &err) == 0) {
		if (rel == NULL)
			paths_fail("success without an output", path, rel);
		paths_check(path, rel);
		accepted = 1;
	} else if (err.message[0] == '\0') {
		paths_fail("refusal without a message", path, NULL);
	}
	free(rel);

	ln_error_clear(&err);
	if (ln_store_show(&out, &out_len, paths_store, rev ? rev : "HEAD", path, &err) == 0) {
		if (out == NULL)
			paths_fail("show succeeded without an output", path, NULL);
		if (strstr(out, "outside the notes") != NULL)
			paths_fail("show read a file outside the folder", path, NULL);
		shown = 1;
	}
	free(out);
	out = NULL;
	if (shown && !accepted)
		paths_fail("show read a path that relpath refuses", path, NULL);

	/* diff is ten times the cost of show: run it where the path got
	 * through (and on one input in eight, to see it refuse the rest). */
	ln_error_clear(&err);
	if ((accepted || (size & 7) == 0) && ln_store_diff(&out, paths_store, rev ? rev : "HEAD", NULL, path, &err) == 0) {
		if (out == NULL)
			paths_fail("diff succeeded without an output", path, NULL);
		if (strstr(out, "outside the notes") != NULL)
			paths_fail("diff read a file outside the folder", path, NULL);
	}
	free(out);
	free(input);
	return 0;
}
