/* Fuzzes the reading of a git index file's cache tree (index_tree_load in
 * plugin/index_writer.c): the store reads it from whatever .git/index holds,
 * which git, another tool or a damaged disk wrote. Each input is written as
 * an index file and loaded; what loads is invalidated along a few paths and
 * written out again, as the flusher does. Besides not crashing, a file that
 * loads must write. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "index_writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char tree_dir[64];
static git_index *tree_empty_index;

static void tree_setup(void)
{
	if (tree_dir[0])
		return;
	snprintf(tree_dir, sizeof(tree_dir), "/tmp/leadnotes-fuzz-tree-XXXXXX");
	if (!mkdtemp(tree_dir) || git_libgit2_init() < 0 || git_index_new(&tree_empty_index) < 0) {
		fprintf(stderr, "fuzz_index_tree: cannot set up\n");
		exit(1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "a/b/c", "a", "", "x/y/", "//" };
	char in[128], out[128];
	index_tree *tree = NULL;
	int declined = 0;
	size_t i;
	FILE *f;
	tree_setup();
	snprintf(in, sizeof(in), "%s/index", tree_dir);
	snprintf(out, sizeof(out), "%s/written", tree_dir);
	f = fopen(in, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	if (index_tree_load(&tree, in) == 0 && tree) {
		for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
			index_tree_invalidate(tree, paths[i]);
		if (index_writer_write(tree_empty_index, tree, out, &declined) < 0) {
			fprintf(stderr, "fuzz_index_tree: a cache tree that loads did not write\n");
			abort();
		}
	}
	index_tree_free(tree);
	return 0;
}
