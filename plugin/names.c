/* People's names: NFC and the lookup key, both from utf8proc. */
#include <stdlib.h>

#include <utf8proc.h>

#include "leadnotes/names.h"

static int names_map(char **out, const char *name, size_t len, utf8proc_option_t options, ln_error *err)
{
	utf8proc_uint8_t *mapped = NULL;
	utf8proc_ssize_t n;

	*out = NULL;
	if (len > (size_t)0x7fffffff)
		return ln_error_set(err, LN_EINVALID, "name too long");
	n = utf8proc_map((const utf8proc_uint8_t *)(name ? name : ""), (utf8proc_ssize_t)len, &mapped,
		options | UTF8PROC_STABLE);
	if (n < 0) {
		if (n == UTF8PROC_ERROR_NOMEM)
			return ln_error_set(err, LN_ENOMEM, "out of memory normalising a name");
		return ln_error_set(err, LN_EINVALID, "a name is not valid UTF-8");
	}
	*out = (char *)mapped;
	return LN_OK;
}

int ln_names_nfc(char **out, const char *name, size_t len, ln_error *err)
{
	return names_map(out, name, len, UTF8PROC_COMPOSE, err);
}

int ln_names_key(char **out, const char *name, size_t len, ln_error *err)
{
	return names_map(out, name, len, UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK, err);
}
