/* Replays inputs through a libFuzzer harness without libFuzzer, so every
 * build (gcc, the sanitizer build, valgrind) runs the fuzzing regressions
 * and the seed corpus through the real harness code.
 *
 * Usage: replay_<name> FILE_OR_DIR...  Each regular file is one input;
 * a directory contributes its regular files (not recursively); a path that
 * does not exist contributes nothing (a harness with no regressions yet).
 * A crash is the harness's own failure; a file that cannot be read is an
 * error. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#if defined(__GNUC__)
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
#endif

static int replay_file(const char *path, size_t *count)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	long size;
	int rc = -1;

	if (f == NULL) {
		fprintf(stderr, "replay: cannot open %s\n", path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "replay: cannot size %s\n", path);
		goto cleanup;
	}
	/* One byte more so an empty file is a valid (non-NULL) input. */
	data = malloc((size_t)size + 1);
	if (data == NULL || fread(data, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		goto cleanup;
	}
	LLVMFuzzerTestOneInput(data, (size_t)size);
	(*count)++;
	rc = 0;
cleanup:
	free(data);
	fclose(f);
	return rc;
}

static int replay_path(const char *path, size_t *count)
{
	struct stat st;
	DIR *dir;
	struct dirent *entry;
	int rc = 0;

	if (stat(path, &st) != 0) {
		printf("replay: nothing at %s\n", path);
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path, count);
	dir = opendir(path);
	if (dir == NULL) {
		fprintf(stderr, "replay: cannot list %s\n", path);
		return -1;
	}
	while ((entry = readdir(dir)) != NULL) {
		char child[4096];
		if (entry->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, entry->d_name) >= sizeof(child)) {
			fprintf(stderr, "replay: path too long under %s\n", path);
			rc = -1;
			continue;
		}
		if (stat(child, &st) == 0 && S_ISREG(st.st_mode) && replay_file(child, count) != 0)
			rc = -1;
	}
	closedir(dir);
	return rc;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int i, rc = 0;

#if defined(__GNUC__)
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
#endif
	for (i = 1; i < argc; i++) {
		if (replay_path(argv[i], &count) != 0)
			rc = 1;
	}
	printf("replay: %zu inputs ran through the harness without a crash\n", count);
	return rc;
}
