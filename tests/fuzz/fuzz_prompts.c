/* libFuzzer harness for the prompt bank: parses the input (exactly `size`
 * bytes) into a bank twice (the second time every id replaces itself),
 * then chooses prompts with each prompt seen in turn, checking what the
 * API promises. Public API only. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leadnotes/prompts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ln_prompts *bank = NULL;
	ln_prompt_query q;
	const ln_prompt *p;
	const char *seen[8];
	ln_error err;
	size_t i, n, before;
	int rc;
	char *copy = malloc(size ? size : 1);

	if (!copy || ln_prompts_new(&bank) != 0) {
		free(copy);
		return 0;
	}
	if (size)
		memcpy(copy, data, size);
	rc = ln_prompts_add(bank, copy, size, &err);
	if (rc != 0 && rc != LN_EPARSE && rc != LN_ENOMEM)
		abort();
	if (rc == LN_EPARSE && (err.line < 1 || ln_prompts_count(bank) != 0))
		abort(); /* a failed parse names a line and leaves the bank as it was */
	n = ln_prompts_count(bank);
	for (i = 0; i < n; i++) {
		const ln_prompt *x = ln_prompts_at(bank, i);
		if (!x || !x->id[0] || !x->text[0] || x->line < 1 || ln_prompts_find(bank, x->id) != x)
			abort();
		if (x->duties >> LN_DUTY_COUNT || x->contexts >> LN_CONTEXT_COUNT || x->kinds > 3)
			abort();
	}
	if (rc == 0) {
		before = n;
		if (ln_prompts_add(bank, copy, size, &err) != 0 || ln_prompts_count(bank) != before)
			abort(); /* the same text again replaces, never adds */
	}
	memset(&q, 0, sizeof(q));
	q.date = "2026-03-02";
	q.person = "fuzz";
	q.context = LN_CONTEXT_ONE_ON_ONE;
	q.prefer_duties = LN_DUTY_TRAINING;
	q.seen = seen;
	for (i = 0; i < n && i < 8; i++) {
		seen[i] = ln_prompts_at(bank, i)->id;
		q.nseen = i + 1;
		rc = ln_prompts_select(&p, bank, &q, &err);
		if (rc != 0 || !p || !p->enabled)
			abort();
		if (q.nseen < n) {
			size_t k;
			for (k = 0; k < q.nseen; k++)
				if (strcmp(seen[k], p->id) == 0)
					abort(); /* a seen prompt while unseen ones remain */
		}
	}
	if (n == 0 && ln_prompts_select(&p, bank, &q, &err) != LN_ENOTFOUND)
		abort();
	ln_prompts_free(bank);
	free(copy);
	return 0;
}
