/* libFuzzer harness for the org parser: parses the input (exactly `size`
 * bytes, no NUL terminator) and reads every field of the result, checking
 * the invariants the API promises. Public API only. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leadnotes/org.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touches every byte of every string so ASan sees a bad pointer. */
static size_t touch(const char *s)
{
	return s ? strlen(s) : 0;
}

static void walk(const ln_org_doc *doc, size_t size)
{
	size_t i, k, total = 0;

	for (i = 0; i < ln_org_headline_count(doc); i++) {
		const ln_org_headline *h = ln_org_headline_at(doc, i);
		if (!h || h->line < 1 || h->level < 1 || !h->title || (size_t)h->line > size + 1)
			abort();
		if ((h->todo == NULL) != (h->todo_type == LN_ORG_TODO_NONE))
			abort();
		if (i > 0 && ln_org_headline_at(doc, i - 1)->line >= h->line)
			abort();
		total += touch(h->title) + touch(h->todo) + touch(h->priority) + touch(h->scheduled) +
		         touch(h->deadline) + touch(h->closed);
		for (k = 0; k < h->tag_count; k++)
			total += touch(h->tags[k]);
		for (k = 0; k < h->property_count; k++)
			total += touch(h->properties[k].key) + touch(h->properties[k].value);
	}
	if (ln_org_headline_at(doc, ln_org_headline_count(doc)) != NULL)
		abort();
	for (i = 0; i < ln_org_checkbox_count(doc); i++) {
		const ln_org_checkbox *c = ln_org_checkbox_at(doc, i);
		if (!c || c->line < 1 || !c->text || c->heading_line >= c->line || c->heading_line < 0)
			abort();
		if (c->state != LN_ORG_CHECK_OFF && c->state != LN_ORG_CHECK_ON && c->state != LN_ORG_CHECK_TRANS)
			abort();
		total += touch(c->text);
	}
	for (i = 0; i < ln_org_todo_keyword_count(doc); i++)
		total += touch(ln_org_todo_keyword(doc, i));
	for (i = 0; i < ln_org_done_keyword_count(doc); i++)
		total += touch(ln_org_done_keyword(doc, i));
	(void)total;
}

/* fuzz_markdown.c includes this file with the Markdown parser instead. */
#ifndef FUZZ_ORG_PARSE
#define FUZZ_ORG_PARSE ln_org_parse
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ln_org_doc *doc = NULL;
	ln_error err;
	/* An exact-size copy: reading past `size` is a heap overflow. */
	char *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	if (FUZZ_ORG_PARSE(&doc, copy, size, &err) != 0 || doc == NULL)
		abort(); /* any input parses; only memory can fail */
	walk(doc, size);
	ln_org_free(doc);
	free(copy);
	return 0;
}
