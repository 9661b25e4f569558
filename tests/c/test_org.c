/* The notes parser: org rules and malformed input (tests/org/ checks the
 * same parser against Emacs on a corpus). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadnotes/org.h"

static int passed, failed;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (cond) {                                                          \
			passed++;                                                    \
		} else {                                                             \
			failed++;                                                    \
			fprintf(stderr, "%s:%d: %s: failed: %s\n", __FILE__, __LINE__, \
			        current, #cond);                                     \
		}                                                                    \
	} while (0)

static const char *current = "";

static int streq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Parses a NUL-terminated literal (without its NUL: the parser must not
 * need one). The copy is exactly len bytes so ASan sees any overread. */
static ln_org_doc *parse_n(const char *text, size_t len, int markdown)
{
	ln_org_doc *doc = NULL;
	ln_error err;
	char *copy = malloc(len ? len : 1);
	int rc;

	if (!copy)
		abort();
	memcpy(copy, text, len);
	rc = markdown ? ln_org_parse_markdown(&doc, copy, len, &err) : ln_org_parse(&doc, copy, len, &err);
	free(copy);
	if (rc != 0 || !doc) {
		fprintf(stderr, "%s: parse failed: %s\n", current, err.message);
		abort();
	}
	return doc;
}

static ln_org_doc *parse(const char *text)
{
	return parse_n(text, strlen(text), 0);
}

static const ln_org_headline *hl(const ln_org_doc *doc, size_t i)
{
	const ln_org_headline *h = ln_org_headline_at(doc, i);
	if (!h) {
		fprintf(stderr, "%s: no headline %zu\n", current, i);
		abort();
	}
	return h;
}

static const ln_org_checkbox *cb(const ln_org_doc *doc, size_t i)
{
	const ln_org_checkbox *c = ln_org_checkbox_at(doc, i);
	if (!c) {
		fprintf(stderr, "%s: no checkbox %zu\n", current, i);
		abort();
	}
	return c;
}

/* org: a headline carries keyword, priority, title and tags */
static void test_a_headline_carries_keyword_priority_title_and_tags(void)
{
	ln_org_doc *doc;
	const ln_org_headline *h;


	current = "org: a headline carries keyword, priority, title and tags";
	doc = parse("* TODO [#A] Write the report   :work:urgent:\n"
	            "SCHEDULED: <2026-11-28 Sat> DEADLINE: <2026-12-01 Tue 10:00 +1w>\n"
	            ":PROPERTIES:\n:ID: abc\n:Effort: 1:00\n:END:\n");
	CHECK(ln_org_headline_count(doc) == 1);
	h = hl(doc, 0);
	CHECK(h->line == 1 && h->level == 1);
	CHECK(streq(h->todo, "TODO") && h->todo_type == LN_ORG_TODO_TODO);
	CHECK(streq(h->priority, "A"));
	CHECK(streq(h->title, "Write the report"));
	CHECK(h->tag_count == 2 && streq(h->tags[0], "work") && streq(h->tags[1], "urgent"));
	CHECK(streq(h->scheduled, "<2026-11-28 Sat>"));
	CHECK(streq(h->deadline, "<2026-12-01 Tue 10:00 +1w>"));
	CHECK(h->closed == NULL);
	CHECK(h->property_count == 2);
	CHECK(streq(h->properties[0].key, "ID") && streq(h->properties[0].value, "abc"));
	CHECK(streq(h->properties[1].key, "Effort") && streq(h->properties[1].value, "1:00"));
	CHECK(h->comment == 0);
	CHECK(ln_org_headline_at(doc, 1) == NULL);
	ln_org_free(doc);
}

/* org: stars need a space, and only at column 0 */
static void test_stars_need_a_space_and_only_at_column_0(void)
{
	ln_org_doc *doc;


	current = "org: stars need a space, and only at column 0";
	doc = parse("*bold*\n**no\n * indented\n*\n** \n");
	CHECK(ln_org_headline_count(doc) == 1);
	CHECK(hl(doc, 0)->line == 5 && hl(doc, 0)->level == 2 && streq(hl(doc, 0)->title, ""));
	ln_org_free(doc);
}

/* org: the keyword needs a following space and exact case */
static void test_the_keyword_needs_a_following_space_and_exact_case(void)
{
	ln_org_doc *doc;


	current = "org: the keyword needs a following space and exact case";
	doc = parse("* TODO\n* todo x\n* TODOS x\n* DONE\tx\n* DONE x\n");
	CHECK(hl(doc, 0)->todo == NULL && streq(hl(doc, 0)->title, "TODO"));
	CHECK(hl(doc, 1)->todo == NULL);
	CHECK(hl(doc, 2)->todo == NULL);
	CHECK(hl(doc, 3)->todo == NULL);
	CHECK(streq(hl(doc, 4)->todo, "DONE") && hl(doc, 4)->todo_type == LN_ORG_TODO_DONE);
	ln_org_free(doc);
}

/* org: COMMENT headlines are flagged */
static void test_comment_headlines_are_flagged(void)
{
	ln_org_doc *doc;


	current = "org: COMMENT headlines are flagged";
	doc = parse("* COMMENT Old\n* TODO [#B] COMMENT x :t:\n* Comment no\n");
	CHECK(hl(doc, 0)->comment == 1 && streq(hl(doc, 0)->title, "Old"));
	CHECK(hl(doc, 1)->comment == 1 && streq(hl(doc, 1)->title, "x") && hl(doc, 1)->tag_count == 1);
	CHECK(hl(doc, 2)->comment == 0);
	ln_org_free(doc);
}

/* org: tags only at the end of the title */
static void test_tags_only_at_the_end_of_the_title(void)
{
	ln_org_doc *doc;


	current = "org: tags only at the end of the title";
	doc = parse("* A :inline: title\n* B :x: :y:\n* :only:\n* C:glued:\n* D ::a::\n");
	CHECK(hl(doc, 0)->tag_count == 0 && streq(hl(doc, 0)->title, "A :inline: title"));
	CHECK(hl(doc, 1)->tag_count == 1 && streq(hl(doc, 1)->tags[0], "y") && streq(hl(doc, 1)->title, "B :x:"));
	CHECK(hl(doc, 2)->tag_count == 1 && streq(hl(doc, 2)->title, ""));
	CHECK(hl(doc, 3)->tag_count == 0);
	CHECK(hl(doc, 4)->tag_count == 3 && streq(hl(doc, 4)->tags[0], "") && streq(hl(doc, 4)->tags[1], "a"));
	ln_org_free(doc);
}

/* org: tag characters are Unicode letters and digits, as [[:alnum:]] in Emacs */
static void test_tag_characters_are_unicode_letters_and_digits_as_alnum(void)
{
	ln_org_doc *doc;


	current = "org: tag characters are Unicode letters and digits, as [[:alnum:]] in Emacs";
	doc = parse("* a :\xc3\xa9quipe:\n* b :x\xe2\x80\x94y:\n* c :\xe6\x97\xa5:\n* d :a\xff" "b:\n");
	CHECK(hl(doc, 0)->tag_count == 1 && streq(hl(doc, 0)->tags[0], "\xc3\xa9quipe"));
	CHECK(hl(doc, 1)->tag_count == 0); /* an em dash is punctuation */
	CHECK(hl(doc, 2)->tag_count == 1);
	CHECK(hl(doc, 3)->tag_count == 0); /* a malformed byte is no letter */
	ln_org_free(doc);
}

/* org: priority is one character in [#.] */
static void test_priority_is_one_character_in_brackets(void)
{
	ln_org_doc *doc;


	current = "org: priority is one character in [#.]";
	doc = parse("* [#1] a\n* [#AB] b\n* [#] c\n* [#\xc3\xa9] d\n");
	CHECK(streq(hl(doc, 0)->priority, "1"));
	CHECK(hl(doc, 1)->priority == NULL);
	CHECK(hl(doc, 2)->priority == NULL);
	CHECK(streq(hl(doc, 3)->priority, "\xc3\xa9") && streq(hl(doc, 3)->title, "d"));
	ln_org_free(doc);
}

static void test_planning_and_properties(void)
{
	ln_org_doc *doc;

	current = "org: the planning line is only the line after the headline";
	doc = parse("* a\n\nSCHEDULED: <2026-11-28 Sat>\n* b\ntext\nDEADLINE: <2026-11-28 Sat>\n"
	            "* c\n  CLOSED: [2026-11-28 Sat 10:00] SCHEDULED: <2026-11-29 Sun>--<2026-11-30 Mon>\n");
	CHECK(hl(doc, 0)->scheduled == NULL);
	CHECK(hl(doc, 1)->deadline == NULL);
	CHECK(streq(hl(doc, 2)->closed, "[2026-11-28 Sat 10:00]"));
	CHECK(streq(hl(doc, 2)->scheduled, "<2026-11-29 Sun>--<2026-11-30 Mon>"));
	ln_org_free(doc);

	current = "org: broken timestamps are no timestamps";
	doc = parse("* a\nSCHEDULED: <soon> DEADLINE: <2026-11-28\n* b\nSCHEDULED: <2026-11-28 Sat");
	CHECK(hl(doc, 0)->scheduled == NULL && hl(doc, 0)->deadline == NULL);
	CHECK(hl(doc, 1)->scheduled == NULL);
	ln_org_free(doc);

	current = "org: a property drawer only right under the headline or planning";
	doc = parse("* a\nSCHEDULED: <2026-11-28 Sat>\n:PROPERTIES:\n:K: v\n:END:\n"
	            "* b\n\n:PROPERTIES:\n:K: v\n:END:\n"
	            "* c\n:PROPERTIES:\n:K: v\n\n:END:\n"
	            "* d\n:PROPERTIES:\n:K: v\n");
	CHECK(hl(doc, 0)->property_count == 1 && streq(hl(doc, 0)->scheduled, "<2026-11-28 Sat>"));
	CHECK(hl(doc, 1)->property_count == 0);
	CHECK(hl(doc, 2)->property_count == 0);
	CHECK(hl(doc, 3)->property_count == 0);
	ln_org_free(doc);

	current = "org: empty property values are empty strings";
	doc = parse("* a\n:PROPERTIES:\n:EMPTY:\n:URL: http://x/a:b  \n:END:\n");
	CHECK(hl(doc, 0)->property_count == 2);
	CHECK(streq(hl(doc, 0)->properties[0].value, ""));
	CHECK(streq(hl(doc, 0)->properties[1].value, "http://x/a:b"));
	ln_org_free(doc);
}

static void test_keywords(void)
{
	ln_org_doc *doc;

	current = "org: defaults are TODO and DONE";
	doc = parse("* x\n");
	CHECK(ln_org_todo_keyword_count(doc) == 1 && streq(ln_org_todo_keyword(doc, 0), "TODO"));
	CHECK(ln_org_done_keyword_count(doc) == 1 && streq(ln_org_done_keyword(doc, 0), "DONE"));
	CHECK(ln_org_todo_keyword(doc, 1) == NULL);
	ln_org_free(doc);

	current = "org: #+TODO lines replace the defaults and accumulate";
	doc = parse("#+SEQ_TODO: NEXT(n) WAIT(w@/!) | DONE(d!) CANCELLED(c@)\n"
	            "#+TODO: IDEA\n#+typ_todo: A B\n"
	            "* TODO x\n* WAIT y\n* CANCELLED z\n* IDEA w\n* B v\n");
	/* TYP_TODO first, then TODO, then SEQ_TODO, as org orders them. */
	CHECK(ln_org_todo_keyword_count(doc) == 3);
	CHECK(streq(ln_org_todo_keyword(doc, 0), "A") && streq(ln_org_todo_keyword(doc, 1), "NEXT") &&
	      streq(ln_org_todo_keyword(doc, 2), "WAIT"));
	CHECK(ln_org_done_keyword_count(doc) == 4);
	CHECK(streq(ln_org_done_keyword(doc, 0), "B") && streq(ln_org_done_keyword(doc, 1), "IDEA") &&
	      streq(ln_org_done_keyword(doc, 2), "DONE") && streq(ln_org_done_keyword(doc, 3), "CANCELLED"));
	CHECK(hl(doc, 0)->todo == NULL && streq(hl(doc, 0)->title, "TODO x"));
	CHECK(streq(hl(doc, 1)->todo, "WAIT") && hl(doc, 1)->todo_type == LN_ORG_TODO_TODO);
	CHECK(streq(hl(doc, 2)->todo, "CANCELLED") && hl(doc, 2)->todo_type == LN_ORG_TODO_DONE);
	CHECK(hl(doc, 3)->todo_type == LN_ORG_TODO_DONE);
	CHECK(hl(doc, 4)->todo_type == LN_ORG_TODO_DONE);
	ln_org_free(doc);

	current = "org: #+STARTUP: odd counts levels as org-odd-levels-only does";
	doc = parse("#+STARTUP: odd\n* a\n*** b\n**** c\n");
	CHECK(hl(doc, 0)->level == 1 && hl(doc, 1)->level == 2 && hl(doc, 2)->level == 3);
	CHECK(ln_org_todo_keyword_count(doc) == 1 && streq(ln_org_todo_keyword(doc, 0), "TODO"));
	ln_org_free(doc);

	current = "org: a #+TODO line inside a src block does not count";
	doc = parse("#+BEGIN_SRC org\n#+TODO: HIDDEN\n#+END_SRC\n* HIDDEN x\n* TODO y\n");
	CHECK(hl(doc, 0)->todo == NULL && streq(hl(doc, 1)->todo, "TODO"));
	ln_org_free(doc);
}

static void test_checkboxes(void)
{
	ln_org_doc *doc;

	current = "org: checkbox bullets and states";
	doc = parse("* h\n- [ ] a\n+ [X] b\n1. [-] c\n2) [ ] d\n * [ ] e\n* [ ] headline\n- [x] no\n- [ ]no\n");
	CHECK(ln_org_checkbox_count(doc) == 5);
	CHECK(cb(doc, 0)->line == 2 && cb(doc, 0)->state == LN_ORG_CHECK_OFF && streq(cb(doc, 0)->text, "a"));
	CHECK(cb(doc, 1)->state == LN_ORG_CHECK_ON && streq(cb(doc, 1)->text, "b"));
	CHECK(cb(doc, 2)->state == LN_ORG_CHECK_TRANS && streq(cb(doc, 2)->text, "c"));
	CHECK(streq(cb(doc, 3)->text, "d") && streq(cb(doc, 4)->text, "e"));
	CHECK(cb(doc, 0)->heading_line == 1 && cb(doc, 4)->heading_line == 1);
	CHECK(ln_org_headline_count(doc) == 2);
	CHECK(ln_org_checkbox_at(doc, 5) == NULL);
	ln_org_free(doc);

	current = "org: checkboxes before any headline have heading line 0";
	doc = parse("- [ ] loose\n");
	CHECK(ln_org_checkbox_count(doc) == 1 && cb(doc, 0)->heading_line == 0);
	ln_org_free(doc);

	current = "org: no checkboxes inside verbatim blocks, yes inside greater ones";
	doc = parse("* h\n#+BEGIN_SRC sh\n- [ ] src\n#+END_SRC\n#+begin_example\n- [ ] ex\n#+end_example\n"
	            "#+BEGIN_QUOTE\n- [ ] quote\n#+END_QUOTE\n:LOGBOOK:\n- [ ] drawer\n:END:\n"
	            "\\begin{itemize}\n- [ ] latex\n\\end{itemize}\n");
	CHECK(ln_org_checkbox_count(doc) == 2);
	CHECK(streq(cb(doc, 0)->text, "quote") && streq(cb(doc, 1)->text, "drawer"));
	ln_org_free(doc);

	current = "org: an unterminated block is plain text, and a headline ends any block";
	doc = parse("#+BEGIN_SRC\n- [ ] one\n* h\n- [ ] two\n#+END_SRC\n");
	CHECK(ln_org_checkbox_count(doc) == 2);
	ln_org_free(doc);
}

/* org: CRLF line ends and a BOM */
static void test_crlf_line_ends_and_a_bom(void)
{
	ln_org_doc *doc;


	current = "org: CRLF line ends and a BOM";
	doc = parse("\xef\xbb\xbf* TODO a :t:\r\nSCHEDULED: <2026-11-28 Sat>\r\n- [ ] x\r\n");
	CHECK(ln_org_headline_count(doc) == 1 && streq(hl(doc, 0)->todo, "TODO"));
	CHECK(hl(doc, 0)->tag_count == 1 && streq(hl(doc, 0)->tags[0], "t"));
	CHECK(streq(hl(doc, 0)->scheduled, "<2026-11-28 Sat>"));
	CHECK(ln_org_checkbox_count(doc) == 1 && streq(cb(doc, 0)->text, "x"));
	ln_org_free(doc);
}

/* org: empty input and NULL with length 0 */
static void test_empty_input_and_null_with_length_0(void)
{
	ln_org_doc *doc;


	current = "org: empty input and NULL with length 0";
	doc = parse_n("", 0, 0);
	CHECK(ln_org_headline_count(doc) == 0 && ln_org_checkbox_count(doc) == 0);
	ln_org_free(doc);
	{
		ln_org_doc *d = NULL;
		ln_error err;
		CHECK(ln_org_parse(&d, NULL, 0, &err) == 0 && d != NULL);
		ln_org_free(d);
		CHECK(ln_org_parse(&d, NULL, 5, &err) == LN_EINVALID && d == NULL);
		CHECK(ln_org_parse(NULL, "x", 1, &err) == LN_EINVALID);
	}
	ln_org_free(NULL);
	CHECK(ln_org_headline_count(NULL) == 0 && ln_org_headline_at(NULL, 0) == NULL);
}

/* org: NUL bytes end a string but not the parse */
static void test_nul_bytes_end_a_string_but_not_the_parse(void)
{
	ln_org_doc *doc;


	current = "org: NUL bytes end a string but not the parse";
	{
		static const char text[] = "* TODO a\0b :t:\n- [ ] x\0y\n* c\n";
		doc = parse_n(text, sizeof(text) - 1, 0);
		CHECK(ln_org_headline_count(doc) == 2);
		CHECK(streq(hl(doc, 0)->title, "a") && hl(doc, 0)->tag_count == 1);
		CHECK(ln_org_checkbox_count(doc) == 1 && streq(cb(doc, 0)->text, "x"));
		ln_org_free(doc);
	}
}

/* org: cut-off input at every length reads nothing past the end */
static void test_cut_off_input_at_every_length_reads_nothing_past_the_end(void)
{
	ln_org_doc *doc;
	size_t n;


	current = "org: cut-off input at every length reads nothing past the end";
	{
		static const char text[] = "#+TODO: A | B\n* A [#A] COMMENT t :x:\nSCHEDULED: <2026-11-28 Sat>--<2026-11-29>\n"
		                           ":PROPERTIES:\n:K: v\n:END:\n#+BEGIN_SRC\n- [ ] a\n#+END_SRC\n"
		                           ":D:\n1. [@3] [X] b\n:END:\n\\begin{x}\n\\end{x}\n+--+\n|  |\n+--+\n";
		for (n = 0; n < sizeof(text); n++) {
			doc = parse_n(text, n, 0);
			ln_org_free(doc);
			doc = parse_n(text, n, 1);
			ln_org_free(doc);
		}
		CHECK(1);
	}
}

/* org: a 1 MB line and many unterminated blocks */
static void test_a_1_mb_line_and_many_unterminated_blocks(void)
{
	ln_org_doc *doc;
	char *big;
	size_t i, n;


	current = "org: a 1 MB line and many unterminated blocks";
	n = 1024 * 1024;
	big = malloc(n);
	if (!big)
		abort();
	memset(big, 'x', n);
	memcpy(big, "* TODO ", 7);
	big[n - 1] = ':';
	doc = parse_n(big, n, 0);
	CHECK(ln_org_headline_count(doc) == 1 && strlen(hl(doc, 0)->title) > 1000000);
	ln_org_free(doc);
	for (i = 0; i + 12 <= n; i += 12)
		memcpy(big + i, "#+BEGIN_SRC\n", 12);
	doc = parse_n(big, i, 0);
	CHECK(ln_org_headline_count(doc) == 0);
	ln_org_free(doc);
	for (i = 0; i + 7 <= n; i += 7)
		memcpy(big + i, ":DRAW:\n", 7);
	doc = parse_n(big, i, 0);
	CHECK(ln_org_checkbox_count(doc) == 0);
	ln_org_free(doc);
	/* Openers whose closing line never comes, among closing lines of
	 * another name: each search is a lookup, not a scan. */
	for (i = 0; i + 24 <= n; i += 24)
		memcpy(big + i, "#+BEGIN_AAAA\n#+END_BBB\n", 24);
	for (i = 0; i + 24 <= n; i += 240)
		memcpy(big + i + 8, "Z", 1);
	doc = parse_n(big, i, 0);
	CHECK(ln_org_headline_count(doc) == 0);
	ln_org_free(doc);
	/* A planning line of keywords that never close. */
	memcpy(big, "* a\nSCHEDULED: ", 16);
	for (i = 16; i + 13 <= n; i += 12)
		memcpy(big + i, "SCHEDULED: <", 12);
	big[i] = '>';
	doc = parse_n(big, i + 1, 0);
	CHECK(ln_org_headline_count(doc) == 1 && hl(doc, 0)->scheduled == NULL);
	ln_org_free(doc);
	free(big);
}

static void test_markdown(void)
{
	ln_org_doc *doc;

	current = "markdown: ATX headings and task items";
	{
		static const char md[] = "# Title\n## TODO Call Bob ##\n### DONE Sent\n####### too deep\n#nospace\n"
		                         "- [ ] a\n* [x] b\n+ [X] c\n1. [ ] d\n- [-] no\n```\n- [ ] code\n"
		                         "# not a heading\n```\n~~~~\n- [ ] tilde\n~~~~\n- [ ] after\n";
		doc = parse_n(md, sizeof(md) - 1, 1);
	}
	CHECK(ln_org_headline_count(doc) == 3);
	CHECK(hl(doc, 0)->level == 1 && streq(hl(doc, 0)->title, "Title") && hl(doc, 0)->todo == NULL);
	CHECK(hl(doc, 1)->level == 2 && streq(hl(doc, 1)->todo, "TODO") && streq(hl(doc, 1)->title, "Call Bob"));
	CHECK(hl(doc, 2)->todo_type == LN_ORG_TODO_DONE && streq(hl(doc, 2)->title, "Sent"));
	CHECK(ln_org_checkbox_count(doc) == 5);
	CHECK(cb(doc, 0)->state == LN_ORG_CHECK_OFF && cb(doc, 0)->heading_line == 3);
	CHECK(cb(doc, 1)->state == LN_ORG_CHECK_ON && cb(doc, 2)->state == LN_ORG_CHECK_ON);
	CHECK(streq(cb(doc, 3)->text, "d") && streq(cb(doc, 4)->text, "after"));
	CHECK(ln_org_todo_keyword_count(doc) == 1 && streq(ln_org_done_keyword(doc, 0), "DONE"));
	ln_org_free(doc);

	current = "markdown: an unterminated fence runs to the end";
	doc = parse_n("```\n# h\n- [ ] x\n", strlen("```\n# h\n- [ ] x\n"), 1);
	CHECK(ln_org_headline_count(doc) == 0 && ln_org_checkbox_count(doc) == 0);
	ln_org_free(doc);
}

int main(void)
{
	test_a_headline_carries_keyword_priority_title_and_tags();
	test_stars_need_a_space_and_only_at_column_0();
	test_the_keyword_needs_a_following_space_and_exact_case();
	test_comment_headlines_are_flagged();
	test_tags_only_at_the_end_of_the_title();
	test_tag_characters_are_unicode_letters_and_digits_as_alnum();
	test_priority_is_one_character_in_brackets();
	test_planning_and_properties();
	test_keywords();
	test_checkboxes();
	test_crlf_line_ends_and_a_bom();
	test_empty_input_and_null_with_length_0();
	test_nul_bytes_end_a_string_but_not_the_parse();
	test_cut_off_input_at_every_length_reads_nothing_past_the_end();
	test_a_1_mb_line_and_many_unterminated_blocks();
	test_markdown();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
