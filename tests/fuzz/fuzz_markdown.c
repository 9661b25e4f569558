/* libFuzzer harness for the Markdown side of the notes parser: the org
 * harness, with the same invariants checked, over ln_org_parse_markdown. */
#define FUZZ_ORG_PARSE ln_org_parse_markdown
#include "fuzz_org.c"
