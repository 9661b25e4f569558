/* The one home of what the C unit tests share: shell commands, files,
 * temporary folders, and the checks every test that touches git makes with
 * the git tool (fsck, status). Linked into every tests/c/test_*.c. Names
 * carry th_ ("test helper"); strings a th_ function returns are the
 * caller's to free and are never NULL. */
#ifndef LEADNOTES_TEST_HELPERS_H
#define LEADNOTES_TEST_HELPERS_H

#include <stddef.h>

#if defined(__GNUC__)
#define TH_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define TH_PRINTF(fmt, args)
#endif

/* Runs the /bin/sh command built printf-style; returns its standard output
 * (caller frees; "" when it printed nothing or could not start) and sets
 * *status to its exit code (-1 when it did not exit normally). */
char *th_run(int *status, const char *fmt, ...) TH_PRINTF(2, 3);

/* Runs the command built printf-style, its output not captured; returns
 * its exit code (-1 when it did not exit normally). */
int th_sh(const char *fmt, ...) TH_PRINTF(1, 2);

/* The standard output of the command built printf-style (caller frees),
 * whatever its exit code. */
char *th_out(const char *fmt, ...) TH_PRINTF(1, 2);

/* Writes len bytes of data to path, making its missing folders (0700);
 * returns 0, or -1 when it could not (and says why on stderr). */
int th_write_file(const char *path, const void *data, size_t len);

/* The contents of path, NUL-terminated (caller frees), its length in *len
 * when len is not NULL; NULL when it cannot be read. */
char *th_read_file(const char *path, size_t *len);

/* Makes a fresh folder /tmp/leadnotes-ctest-<tag>-XXXXXX and writes its
 * path to out (size bytes); returns 0, or -1 (and says why on stderr). */
int th_tmpdir(char *out, size_t size, const char *tag);

/* Removes dir and everything below it, read-only parts too. */
void th_remove_tree(const char *dir);

/* The end of a test run: removes tmp when every check passed (failed == 0)
 * and LEADNOTES_KEEP_TMP is unset, else says on stderr where it was kept. */
void th_finish_tmpdir(const char *tmp, int failed);

/* Whether `git fsck --strict` finds the repository at dir sound; prints
 * git's output when not. */
int th_fsck_ok(const char *dir);

/* Whether `git status --porcelain` shows the work tree at dir clean; prints
 * what it shows when not. */
int th_status_clean(const char *dir);

#endif
