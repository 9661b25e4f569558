/* People's names: NFC before a name becomes a folder, and the key two
 * spellings of one person share. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "leadnotes/names.h"

static int nfc_is(const char *in, const char *want)
{
	char *out = NULL;
	ln_error err;
	int ok = ln_names_nfc(&out, in, strlen(in), &err) == 0 && out && strcmp(out, want) == 0;
	free(out);
	return ok;
}

static int key_is(const char *in, const char *want)
{
	char *out = NULL;
	ln_error err;
	int ok = ln_names_key(&out, in, strlen(in), &err) == 0 && out && strcmp(out, want) == 0;
	free(out);
	return ok;
}

int main(void)
{
	char *out = (char *)1;
	ln_error err;

	CHECK(nfc_is("Nu\xcc\x81n\xcc\x83" "ez", "N\xc3\xba\xc3\xb1" "ez"), "names: combining marks compose (NFD to NFC)");
	CHECK(nfc_is("Jose\xcc\x81", "Jos\xc3\xa9"), "names: e + combining acute is é");
	CHECK(nfc_is("Jos\xc3\xa9 Mar\xc3\xad" "a", "Jos\xc3\xa9 Mar\xc3\xad" "a"), "names: NFC stays as it is");
	CHECK(key_is("Jos\xc3\xa9 MAR\xc3\x8d" "A N\xc3\xba\xc3\xb1" "ez", "jose maria nunez"),
		"names: the key folds case and strips accents");
	CHECK(key_is("Jose\xcc\x81", "jose"), "names: NFD and NFC share a key");
	CHECK(key_is("Stra\xc3\x9f" "e", "strasse"), "names: ß folds to ss");
	CHECK(ln_names_nfc(&out, "\xff\xfe", 2, &err) == LN_EINVALID && out == NULL && err.code == LN_EINVALID,
		"names: invalid UTF-8 is refused, nothing allocated");
	CHECK(ln_names_nfc(&out, "a\0b", 3, &err) == LN_EINVALID && out == NULL && strstr(err.message, "NUL"),
		"names: a NUL inside a name is refused, not cut off");
	CHECK(ln_names_key(&out, "", 0, &err) == 0 && out && out[0] == '\0', "names: the empty name");
	free(out);
	return check_report();
}
