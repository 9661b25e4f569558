/* The on-disk summary cache (summary_cache.c): values survive a reopen; a
 * file with a bad record, a cut tail, another format or another schema is
 * never believed and is rewritten; a prune keeps the file bounded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "helpers.h"
#include "leadnotes/summary_cache.h"

static char dir[256], path[300];

static long file_size(void)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static ln_summary_cache *reopen(const char *schema)
{
	ln_summary_cache *c = NULL;
	ln_error err;
	if (ln_summary_cache_open(&c, path, schema, &err) < 0)
		return NULL;
	return c;
}

static int has(ln_summary_cache *c, const char *key, const char *value)
{
	size_t len = 0;
	const void *v = ln_summary_cache_get(c, key, &len);
	return v && len == strlen(value) && memcmp(v, value, len) == 0;
}

/* Rewrites byte `at` of the file (negative: from the end) with b. */
static void poke(long at, unsigned char b)
{
	FILE *f = fopen(path, "r+b");
	if (!f)
		return;
	fseek(f, at, at < 0 ? SEEK_END : SEEK_SET);
	fputc(b, f);
	fclose(f);
}

/* Values survive a reopen; appended records are read with the others. */
static void test_values_survive_a_reopen_and_appends_are_read_back(void)
{
	ln_summary_cache *c = NULL;
	ln_error err;
	char key[64], value[64];
	int i, all;

	CHECK(ln_summary_cache_open(&c, "", "s1", &err) == LN_EINVALID, "an empty path is refused");
	c = reopen("s1");
	CHECK(c && ln_summary_cache_count(c) == 0, "a missing file is an empty cache");
	CHECK(ln_summary_cache_put(c, "", "v", 1, &err) == LN_EINVALID, "an empty key is refused");
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "blob%03d", i);
		snprintf(value, sizeof(value), "summary of %d", i);
		CHECK(ln_summary_cache_put(c, key, value, strlen(value), &err) == 0, "put");
	}
	CHECK(ln_summary_cache_put(c, "empty", "", 0, &err) == 0, "an empty value is kept");
	CHECK(ln_summary_cache_flush(c, 0, &err) == 0, "flush writes the file");
	CHECK(ln_summary_cache_flush(c, 0, &err) == 0, "a second flush has nothing to do");
	ln_summary_cache_free(c);

	c = reopen("s1");
	CHECK(c && ln_summary_cache_loaded(c) == 101, "every record is read back");
	all = 1;
	for (i = 0; c && i < 100; i++) {
		snprintf(key, sizeof(key), "blob%03d", i);
		snprintf(value, sizeof(value), "summary of %d", i);
		all = all && has(c, key, value);
	}
	CHECK(all, "every value is as it was put");
	CHECK(c && has(c, "empty", ""), "the empty value too");
	CHECK(c && !has(c, "blob999", ""), "an unknown key is absent");
	/* Appends, then the file is read whole again. */
	CHECK(c && ln_summary_cache_put(c, "later", "x", 1, &err) == 0 && ln_summary_cache_flush(c, 0, &err) == 0,
	      "a new entry is appended");
	ln_summary_cache_free(c);
	c = reopen("s1");
	CHECK(c && ln_summary_cache_loaded(c) == 102 && has(c, "later", "x") && has(c, "blob000", "summary of 0"),
	      "an appended record is read with the others");
	ln_summary_cache_free(c);
}

/* Another schema: nothing is believed; the next flush replaces the file. */
static void test_another_schema_believes_nothing_and_rewrites_the_file(void)
{
	ln_summary_cache *c = NULL;
	ln_error err;

	/* Another schema: nothing is believed; the next flush replaces the file. */
	c = reopen("s2");
	CHECK(c && ln_summary_cache_count(c) == 0, "a file of another schema is empty to this one");
	CHECK(c && ln_summary_cache_put(c, "blob000", "new shape", 9, &err) == 0 && ln_summary_cache_flush(c, 0, &err) == 0,
	      "flush under another schema");
	ln_summary_cache_free(c);
	c = reopen("s2");
	CHECK(c && ln_summary_cache_loaded(c) == 1 && has(c, "blob000", "new shape"), "the file was rewritten for it");
	ln_summary_cache_free(c);
	c = reopen("s1");
	CHECK(c && ln_summary_cache_count(c) == 0, "and the old schema no longer reads it");
	ln_summary_cache_free(c);
}

/* A damaged byte in the last record: that record is dropped, the file rewritten whole. */
static void test_a_record_whose_checksum_fails_is_dropped(void)
{
	ln_summary_cache *c = NULL;
	ln_error err;

	/* A damaged byte in the last record's value: that record is dropped. */
	c = reopen("s2");
	CHECK(c && ln_summary_cache_put(c, "blob001", "second", 6, &err) == 0 && ln_summary_cache_flush(c, 0, &err) == 0,
	      "a second record");
	ln_summary_cache_free(c);
	poke(-2, 'Z');
	c = reopen("s2");
	CHECK(c && has(c, "blob000", "new shape") && !ln_summary_cache_get(c, "blob001", &(size_t){ 0 }),
	      "a record whose checksum fails is not believed, the ones before it are");
	CHECK(c && ln_summary_cache_put(c, "blob001", "second", 6, &err) == 0 && ln_summary_cache_flush(c, 0, &err) == 0,
	      "flush after damage");
	ln_summary_cache_free(c);
	c = reopen("s2");
	CHECK(c && ln_summary_cache_loaded(c) == 2 && has(c, "blob001", "second"), "the damaged file was rewritten whole");
	ln_summary_cache_free(c);
}

/* A cut tail drops the cut record; a damaged header empties the cache. */
static void test_a_cut_tail_or_another_format_is_not_believed(void)
{
	ln_summary_cache *c = NULL;
	long size;

	/* A cut tail, and a damaged header. */
	size = file_size();
	CHECK(size > 0 && truncate(path, size - 3) == 0, "cut the tail");
	c = reopen("s2");
	CHECK(c && ln_summary_cache_loaded(c) == 1 && has(c, "blob000", "new shape"), "a cut record is dropped");
	ln_summary_cache_free(c);
	poke(9, 0x7f);
	c = reopen("s2");
	CHECK(c && ln_summary_cache_count(c) == 0, "a file of another format version is empty");
	ln_summary_cache_free(c);
}

/* With prune, the file stays bounded: entries not looked up are dropped. */
static void test_a_prune_keeps_only_what_was_looked_up(void)
{
	ln_summary_cache *c = NULL;
	ln_error err;
	char key[64];
	int i;

	/* Bounded: with prune, entries not looked up are dropped once the file
	 * holds over twice the records needed. */
	unlink(path);
	c = reopen("s3");
	for (i = 0; c && i < 3000; i++) {
		snprintf(key, sizeof(key), "old%04d", i);
		ln_summary_cache_put(c, key, "v", 1, &err);
	}
	CHECK(c && ln_summary_cache_flush(c, 0, &err) == 0, "many entries");
	ln_summary_cache_free(c);
	c = reopen("s3");
	CHECK(c && ln_summary_cache_get(c, "old0001", &(size_t){ 0 }) != NULL, "one is looked up");
	CHECK(c && ln_summary_cache_flush(c, 1, &err) == 0, "a prune");
	ln_summary_cache_free(c);
	c = reopen("s3");
	CHECK(c && ln_summary_cache_loaded(c) == 1 && ln_summary_cache_get(c, "old0001", &(size_t){ 0 }),
	      "only what was used is kept");
	ln_summary_cache_free(c);
	ln_summary_cache_free(NULL);
}

int main(void)
{
	if (th_tmpdir(dir, sizeof(dir), "summary-cache") < 0)
		return 1;
	snprintf(path, sizeof(path), "%s/summaries", dir);

	test_values_survive_a_reopen_and_appends_are_read_back();
	test_another_schema_believes_nothing_and_rewrites_the_file();
	test_a_record_whose_checksum_fails_is_dropped();
	test_a_cut_tail_or_another_format_is_not_believed();
	test_a_prune_keeps_only_what_was_looked_up();
	th_remove_tree(dir);
	return check_report();
}
