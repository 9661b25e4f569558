/* libFuzzer harness for what the insights read from a note
 * (ln_note_summarize): the input (exactly `size` bytes) as org, then as
 * Markdown; every string of the result is read and checked. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leadnotes/team.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const ln_note_summary *s)
{
	size_t i, total = 0;

	for (i = 0; i < s->item_count; i++) {
		if (!s->items[i].text || s->items[i].line < 1 || (s->items[i].open != 0 && s->items[i].open != 1))
			abort();
		total += strlen(s->items[i].text);
	}
	for (i = 0; i < s->prompt_count; i++)
		if (!s->prompts[i][0])
			abort(); /* an id is never empty */
	for (i = 0; i < s->feedback_count; i++)
		total += strlen(s->feedback[i]);
	for (i = 0; i < s->win_count; i++)
		total += strlen(s->wins[i]);
	for (i = 0; i < s->property_count * 2; i++)
		total += strlen(s->properties[i]);
	if (s->career != 0 && s->career != 1)
		abort();
	(void)total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ln_note_summary *s = NULL;
	ln_error err;
	int markdown;
	char *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	for (markdown = 0; markdown <= 1; markdown++) {
		if (ln_note_summarize(&s, copy, size, markdown, &err) != 0 || !s)
			abort(); /* any input is read; only memory can fail */
		walk(s);
		ln_note_summary_free(s);
		s = NULL;
	}
	free(copy);
	return 0;
}
