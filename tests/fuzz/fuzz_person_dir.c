/* Fuzzes the mapping of a person's display name to a folder name
 * (ln_store_person_dir_len), a pure function that decides what may become a
 * path. Besides not crashing, an accepted name must be safe as one path
 * component: checked here on every input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "leadnotes/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void person_dir_fail(const char *what, const char *name)
{
	fprintf(stderr, "fuzz_person_dir: accepted folder name %s: \"%s\"\n", what, name);
	abort();
}

/* Nonzero when s[0..len) is well-formed UTF-8 (no overlongs, surrogates or
 * code points past U+10FFFF). */
static int person_dir_utf8_ok(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned char c = s[i];
		size_t n, k;
		unsigned long cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *dir = NULL, *again = NULL;
	ln_error err;
	size_t len, i;
	int rc;

	ln_error_clear(&err);
	rc = ln_store_person_dir_len(&dir, (const char *)data, size, &err);
	if (rc != 0) {
		if (dir != NULL)
			person_dir_fail("(an output despite the refusal)", dir);
		if (err.message[0] == '\0') {
			fprintf(stderr, "fuzz_person_dir: refusal %d without a message\n", rc);
			abort();
		}
		return 0;
	}
	if (dir == NULL) {
		fprintf(stderr, "fuzz_person_dir: success without an output\n");
		abort();
	}
	len = strlen(dir);
	if (len == 0)
		person_dir_fail("that is empty", dir);
	if (len > LN_STORE_NAME_MAX)
		person_dir_fail("longer than LN_STORE_NAME_MAX", dir);
	if (dir[0] == '.')
		person_dir_fail("with a leading dot", dir);
	if (strcasecmp(dir, ".git") == 0 || strcmp(dir, "..") == 0)
		person_dir_fail("that is special", dir);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)dir[i];
		if (c == '/' || c == '\\')
			person_dir_fail("with a separator", dir);
		if (c < 0x20 || c == 0x7f)
			person_dir_fail("with a control character", dir);
		if (c == ' ' || c == '\t')
			person_dir_fail("with a space", dir);
	}
	if (!person_dir_utf8_ok((const unsigned char *)dir, len))
		person_dir_fail("that is not UTF-8", dir);

	/* The mapping is a function of the name: the same input, the same folder;
	 * and a folder name maps to itself. */
	rc = ln_store_person_dir_len(&again, (const char *)data, size, &err);
	if (rc != 0 || again == NULL || strcmp(again, dir) != 0)
		person_dir_fail("that changes from one call to the next", dir);
	free(again);
	again = NULL;
	rc = ln_store_person_dir(&again, dir, &err);
	if (rc != 0 || again == NULL || strcmp(again, dir) != 0)
		person_dir_fail("that does not map to itself", dir);
	free(again);
	free(dir);
	return 0;
}
