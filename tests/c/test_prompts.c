/* prompts: the bank in templates/prompts.org and the choice of a prompt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadnotes/prompts.h"

#include "check.h"
#include "helpers.h"

static ln_prompts *load_bank(void)
{
	ln_prompts *bank = NULL;
	ln_error err;
	size_t len = 0;
	char *text = th_read_file("templates/prompts.org", &len);

	if (!text || ln_prompts_new(&bank) < 0 || ln_prompts_parse(bank, text, len, &err) < 0) {
		fprintf(stderr, "cannot load templates/prompts.org: %s\n", text ? err.message : "unreadable");
		ln_prompts_free(bank);
		bank = NULL;
	}
	free(text);
	return bank;
}

static void test_bank_counts(ln_prompts *bank)
{
	size_t i, n = ln_prompts_count(bank);
	int per_duty[LN_DUTY_COUNT] = { 0 };
	int per_context[LN_CONTEXT_COUNT] = { 0 };
	int manage = 0, lead = 0, untagged = 0, d;

	CHECK(n >= 120, "prompts: the bank holds at least 120 prompts");
	for (i = 0; i < n; i++) {
		const ln_prompt *p = ln_prompts_at(bank, i);
		for (d = 0; d < LN_DUTY_COUNT; d++)
			if (p->duties & (1u << d))
				per_duty[d]++;
		for (d = 0; d < LN_CONTEXT_COUNT; d++)
			if (p->contexts & (1u << d))
				per_context[d]++;
		manage += !!(p->kinds & LN_KIND_MANAGE);
		lead += !!(p->kinds & LN_KIND_LEAD);
		if (!p->duties || !p->kinds || !p->contexts || strlen(p->text) < 10) {
			untagged++;
			fprintf(stderr, "prompt %s lacks a duty, a kind, a context or text\n", p->id);
		}
		CHECK(ln_prompts_find(bank, p->id) == p, "prompts: every id is unique and found");
	}
	for (d = 0; d < LN_DUTY_COUNT; d++) {
		if (per_duty[d] < 10)
			fprintf(stderr, "duty %s has only %d prompts\n", ln_prompts_duty_name(1u << d), per_duty[d]);
		CHECK(per_duty[d] >= 10, "prompts: every duty has at least 10 prompts");
	}
	for (d = 0; d < LN_CONTEXT_COUNT; d++)
		CHECK(per_context[d] >= 5, "prompts: every context has prompts");
	CHECK(manage >= 30 && lead >= 30, "prompts: both managing and leading are well represented");
	CHECK(untagged == 0, "prompts: every prompt has a duty, a kind, a context and text");
	printf("bank: %zu prompts\n", n);
}

/* A one-on-one query for alice on 2026-03-02. */
static void one_on_one_with_alice(ln_prompt_query *q)
{
	memset(q, 0, sizeof(*q));
	q->context = LN_CONTEXT_ONE_ON_ONE;
	q->person = "alice";
	q->date = "2026-03-02";
}

#define DAYS 28

/* The prompts chosen for q on each of the first DAYS days of month
 * ("2026-03") into picks (NULL for a day that got none). */
static void pick_each_day(const ln_prompt *picks[DAYS], const ln_prompts *bank, ln_prompt_query q, const char *month)
{
	char date[16];
	ln_error err;
	int day;
	for (day = 1; day <= DAYS; day++) {
		snprintf(date, sizeof(date), "%s-%02d", month, day);
		q.date = date;
		if (ln_prompts_select(&picks[day - 1], bank, &q, &err) != 0)
			picks[day - 1] = NULL;
	}
}

/* The same person, context and day give the same one-on-one prompt; another day another. */
static void test_a_day_gives_one_prompt_and_another_day_another(ln_prompts *bank)
{
	ln_prompt_query q;
	const ln_prompt *a = NULL, *b = NULL, *picks[DAYS];
	size_t i;
	ln_error err;
	int rc, differs = 0;

	one_on_one_with_alice(&q);
	rc = ln_prompts_select(&a, bank, &q, &err);
	CHECK(rc == 0 && a, "prompts: a one-on-one prompt is chosen");
	rc = ln_prompts_select(&b, bank, &q, &err);
	CHECK(rc == 0 && a == b, "prompts: the same person, context and day give the same prompt");
	CHECK(a && (a->contexts & LN_CONTEXT_ONE_ON_ONE), "prompts: a one-on-one gets a one-on-one prompt");

	pick_each_day(picks, bank, q, "2026-03");
	for (i = 0; i < DAYS; i++)
		if (picks[i] && picks[i] != a)
			differs = 1;
	CHECK(differs, "prompts: another day brings another prompt");
}

/* An evaluation always brings an evaluating prompt. */
static void test_an_evaluation_always_brings_an_evaluating_prompt(ln_prompts *bank)
{
	ln_prompt_query q;
	const ln_prompt *picks[DAYS];
	size_t i;
	int same_eval = 1;

	one_on_one_with_alice(&q);
	q.context = LN_CONTEXT_EVALUATION;
	pick_each_day(picks, bank, q, "2026-04");
	for (i = 0; i < DAYS; i++)
		if (!picks[i] || !(picks[i]->duties & LN_DUTY_EVALUATING))
			same_eval = 0;
	CHECK(same_eval, "prompts: an evaluation always brings an evaluating prompt");
}

/* A career gap brings a training prompt; a new report an onboarding one. */
static void test_a_career_gap_or_a_new_report_brings_its_prompts(ln_prompts *bank)
{
	ln_prompt_query q;
	const ln_prompt *p = NULL;
	ln_error err;
	int rc;

	one_on_one_with_alice(&q);
	/* Career gap: training prompts; onboarding: onboarding prompts. */
	q.context = LN_CONTEXT_ONE_ON_ONE;
	q.date = "2026-05-05";
	q.prefer_duties = LN_DUTY_TRAINING;
	rc = ln_prompts_select(&p, bank, &q, &err);
	CHECK(rc == 0 && (p->duties & LN_DUTY_TRAINING), "prompts: a career gap brings a training prompt");
	q.prefer_duties = 0;
	q.prefer_contexts = LN_CONTEXT_ONBOARDING;
	rc = ln_prompts_select(&p, bank, &q, &err);
	CHECK(rc == 0 && (p->contexts & LN_CONTEXT_ONBOARDING), "prompts: a new report brings an onboarding prompt");
	q.prefer_contexts = 0;
}

/* No prompt repeats while unseen prompts remain. */
static void test_no_prompt_repeats_until_every_one_was_seen(ln_prompts *bank)
{
	ln_prompt_query q;
	const ln_prompt *p = NULL;
	const char *seen[200];
	size_t nseen = 0, i;
	ln_error err;
	int rc;

	one_on_one_with_alice(&q);
	/* No repeat while unseen prompts remain: mark each chosen one seen. */
	q.context = LN_CONTEXT_ONE_ON_ONE;
	q.date = "2026-06-01";
	nseen = 0;
	for (i = 0; i < ln_prompts_count(bank) && nseen < 200; i++) {
		size_t j;
		int repeat = 0;
		q.seen = seen;
		q.nseen = nseen;
		if (ln_prompts_select(&p, bank, &q, &err) != 0)
			break;
		for (j = 0; j < nseen; j++)
			if (strcmp(seen[j], p->id) == 0)
				repeat = 1;
		if (repeat)
			break;
		seen[nseen++] = p->id;
	}
	CHECK(nseen == ln_prompts_count(bank), "prompts: no prompt repeats until every one was seen");
	q.seen = seen;
	q.nseen = nseen;
	rc = ln_prompts_select(&p, bank, &q, &err);
	CHECK(rc == 0 && p, "prompts: once every prompt was seen, one is chosen again");
	q.seen = NULL;
	q.nseen = 0;
}

/* A malformed date, or a word, is refused. */
static void test_a_malformed_date_or_a_word_is_refused(ln_prompts *bank)
{
	ln_prompt_query q;
	const ln_prompt *p = NULL;
	ln_error err;
	int rc;

	one_on_one_with_alice(&q);
	q.date = "2026-13-01";
	rc = ln_prompts_select(&p, bank, &q, &err);
	CHECK(rc == LN_EINVALID && p == NULL, "prompts: a malformed date is refused");
	q.date = "tomorrow";
	CHECK(ln_prompts_select(&p, bank, &q, &err) == LN_EINVALID, "prompts: a word is not a date");
}

static void test_user_file(void)
{
	ln_prompts *bank = NULL;
	ln_prompt_query q;
	const ln_prompt *p;
	ln_error err;
	const char *base =
		"#+TITLE: mine\n"
		"* Group heading\n"
		"** First prompt text here :hiring:lead:one_on_one:\n"
		"   :PROPERTIES:\n   :ID: my-1\n   :END:\n"
		"** Second prompt text :firing:manage:evaluation:\r\n"
		"SCHEDULED: <2026-01-01 Thu>\r\n"
		":PROPERTIES:\r\n:id: my-2\r\n:END:\r\n"
		"** Not a prompt, no id\n";
	const char *user =
		"* Replaced first prompt :training:lead:weekly:\n:PROPERTIES:\n:ID: my-1\n:END:\n"
		"* A new one :planning:manage:weekly:\n:PROPERTIES:\n:ID: my-3\n:END:\n";

	CHECK(ln_prompts_new(&bank) == 0, "prompts: a new bank");
	CHECK(ln_prompts_parse(bank, base, strlen(base), &err) == 0, "prompts: a small file parses");
	CHECK(ln_prompts_count(bank) == 2, "prompts: headlines without an id are not prompts");
	p = ln_prompts_find(bank, "my-2");
	CHECK(p && strcmp(p->text, "Second prompt text") == 0, "prompts: text has no tags and no CR");
	CHECK(p && p->duties == LN_DUTY_FIRING && p->kinds == LN_KIND_MANAGE &&
			p->contexts == LN_CONTEXT_EVALUATION,
		"prompts: tags after a planning line and a CRLF drawer");
	CHECK(ln_prompts_parse(bank, user, strlen(user), &err) == 0, "prompts: a user file adds");
	CHECK(ln_prompts_count(bank) == 3, "prompts: same id replaces, new id adds");
	p = ln_prompts_find(bank, "my-1");
	CHECK(p && strcmp(p->text, "Replaced first prompt") == 0 && p->duties == LN_DUTY_TRAINING,
		"prompts: the user's prompt replaces the built-in one");

	CHECK(ln_prompts_disable(bank, "my-1") == 0 && ln_prompts_disable(bank, "my-3") == 0,
		"prompts: prompts switch off by id");
	CHECK(ln_prompts_disable(bank, "nope") == LN_ENOTFOUND, "prompts: an unknown id is not found");
	memset(&q, 0, sizeof(q));
	q.context = LN_CONTEXT_WEEKLY;
	q.date = "2026-02-02";
	CHECK(ln_prompts_select(&p, bank, &q, &err) == 0 && strcmp(p->id, "my-2") == 0,
		"prompts: a switched-off prompt is never chosen");
	ln_prompts_disable(bank, "my-2");
	CHECK(ln_prompts_select(&p, bank, &q, &err) == LN_ENOTFOUND, "prompts: nothing enabled is not found");

	{
		const char *dup = "* a b :hiring:\n:PROPERTIES:\n:ID: x\n:END:\n* c d :hiring:\n:PROPERTIES:\n:ID: x\n:END:\n";
		const char *bad = "* a b\n:PROPERTIES:\n:ID: has space\n:END:\n";
		const char *empty = "* :hiring:\n:PROPERTIES:\n:ID: e\n:END:\n";
		size_t before = ln_prompts_count(bank);
		CHECK(ln_prompts_parse(bank, dup, strlen(dup), &err) == LN_EPARSE && err.line == 5,
			"prompts: an id given twice is a parse error with its line");
		CHECK(ln_prompts_parse(bank, bad, strlen(bad), &err) == LN_EPARSE && err.line == 1,
			"prompts: a malformed id is a parse error");
		CHECK(ln_prompts_parse(bank, empty, strlen(empty), &err) == LN_EPARSE,
			"prompts: a prompt without text is a parse error");
		CHECK(ln_prompts_count(bank) == before, "prompts: a failed parse leaves the bank unchanged");
	}
	ln_prompts_free(bank);
	ln_prompts_free(NULL);
}

static void test_hostile_input(void)
{
	ln_prompts *bank = NULL;
	ln_error err;
	char buf[4096];
	unsigned seed = 12345;
	int round, ok = 1;
	const char *pieces[] = { "*", "** ", ":PROPERTIES:", ":ID: a", ":END:", "\n", "\r", ":hiring:",
		" ", "\0", "SCHEDULED:", "x", ":", "\t" };

	ln_prompts_new(&bank);
	for (round = 0; round < 2000; round++) {
		size_t len = 0;
		while (len < sizeof(buf) - 16) {
			const char *piece;
			size_t plen;
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 40 == 0)
				break;
			piece = pieces[(seed >> 16) % (sizeof(pieces) / sizeof(pieces[0]))];
			plen = piece[0] ? strlen(piece) : 1;
			memcpy(buf + len, piece, plen);
			len += plen;
		}
		if (ln_prompts_parse(bank, buf, len, &err) < 0 && err.code != LN_EPARSE)
			ok = 0;
	}
	CHECK(ok, "prompts: random input parses or fails with a parse error");
	ln_prompts_free(bank);
}

int main(void)
{
	ln_prompts *bank = load_bank();

	CHECK(bank != NULL, "prompts: templates/prompts.org loads");
	if (bank) {
		test_bank_counts(bank);
		test_a_day_gives_one_prompt_and_another_day_another(bank);
		test_an_evaluation_always_brings_an_evaluating_prompt(bank);
		test_a_career_gap_or_a_new_report_brings_its_prompts(bank);
		test_no_prompt_repeats_until_every_one_was_seen(bank);
		test_a_malformed_date_or_a_word_is_refused(bank);
		ln_prompts_free(bank);
	}
	test_user_file();
	test_hostile_input();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
