/* What one note says, read for the team view, nudges and the packet: its
 * action items, prompt ids, career talk, feedback and wins. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "leadnotes/org.h"
#include "leadnotes/team.h"

/* ---- what one note says ---- */

typedef struct strs {
	char **items;
	size_t count, alloc;
	int failed;
} strs;

static void strs_push(strs *list, const char *s, size_t len)
{
	char *copy;

	if (list->failed)
		return;
	if (list->count == list->alloc) {
		size_t n = list->alloc ? list->alloc * 2 : 8;
		char **items = realloc(list->items, n * sizeof(*items));
		if (!items) {
			list->failed = 1;
			return;
		}
		list->items = items;
		list->alloc = n;
	}
	copy = malloc(len + 1);
	if (!copy) {
		list->failed = 1;
		return;
	}
	memcpy(copy, s, len);
	copy[len] = '\0';
	list->items[list->count++] = copy;
}

static void strs_free(strs *list)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		free(list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = list->alloc = 0;
}

typedef struct note_text {
	const char *text;
	size_t len;
	size_t *starts; /* byte offset of each line; starts[nlines] == len + 1 */
	size_t nlines;
} note_text;

/* Line n (1-based) without its line end. */
static void note_line(const note_text *t, size_t n, const char **s, size_t *len)
{
	size_t a = t->starts[n - 1], b = t->starts[n] - 1;

	if (b > t->len)
		b = t->len;
	if (b > a && t->text[b - 1] == '\r')
		b--;
	*s = t->text + a;
	*len = b - a;
}

static int lower_c(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Case-insensitive search of needle (lower case) in s[0..len). */
static const char *find_ci(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle), i, k;

	for (i = 0; n <= len && i <= len - n; i++) {
		for (k = 0; k < n && lower_c((unsigned char)s[i + k]) == needle[k]; k++)
			;
		if (k == n)
			return s + i;
	}
	return NULL;
}

static int is_space_c(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static void trim_span(const char **s, size_t *len)
{
	while (*len && is_space_c(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && is_space_c((*s)[*len - 1]))
		(*len)--;
}

static int only_space(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is_space_c(s[i]))
			return 0;
	return 1;
}

/* Template boilerplate: blank, comments and keywords, drawers, empty
 * bullets and checkboxes, planning lines. */
static int is_boilerplate(const char *s, size_t len)
{
	size_t i, k;

	trim_span(&s, &len);
	if (len == 0)
		return 1;
	if (s[0] == '#') {
		for (k = 0; k < len && s[k] == '#'; k++)
			;
		if (k < len && is_space_c(s[k]))
			return k == 1; /* "# comment" yes, "## Markdown heading" no */
		return 1;
	}
	if (len >= 4 && memcmp(s, "<!--", 4) == 0)
		return 1;
	if (s[0] == ':') {
		for (i = 1; i < len && (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-'); i++)
			;
		if (i > 1 && i < len && s[i] == ':')
			return 1;
	}
	if (s[0] == '-' || s[0] == '+' || s[0] == '*') {
		if (only_space(s + 1, len - 1))
			return 1;
		for (i = 1; i < len && is_space_c(s[i]); i++)
			;
		if (i > 1 && i + 3 <= len && s[i] == '[' && s[i + 2] == ']' && only_space(s + i + 3, len - i - 3))
			return 1;
	}
	if (isdigit((unsigned char)s[0])) {
		for (i = 0; i < len && isdigit((unsigned char)s[i]); i++)
			;
		if (i < len && (s[i] == '.' || s[i] == ')') && only_space(s + i + 1, len - i - 1))
			return 1;
	}
	for (i = 0; i < len && s[i] >= 'A' && s[i] <= 'Z'; i++)
		;
	if (i > 0 && i < len && s[i] == ':') {
		for (i++; i < len && is_space_c(s[i]); i++)
			;
		if (i < len && s[i] == '<')
			return 1;
	}
	return 0;
}

/* The text of a list item without its bullet, trimmed. */
static void bullet_text(const char **s, size_t *len)
{
	size_t i;

	trim_span(s, len);
	if (*len >= 2 && ((*s)[0] == '-' || (*s)[0] == '+' || (*s)[0] == '*') && is_space_c((*s)[1])) {
		(*s)++;
		(*len)--;
	} else {
		for (i = 0; i < *len && isdigit((unsigned char)(*s)[i]); i++)
			;
		if (i > 0 && i + 1 < *len && ((*s)[i] == '.' || (*s)[i] == ')') && is_space_c((*s)[i + 1])) {
			*s += i + 1;
			*len -= i + 1;
		}
	}
	trim_span(s, len);
}

/* Section titles (lower case) whose content is career talk. */
static const char *const career_titles[] = {
	"career", "growth", "development", "training", "learning", "promotion", NULL
};

static int is_career_title(const char *title)
{
	size_t n = strlen(title), i;

	for (i = 0; career_titles[i]; i++)
		if (find_ci(title, n, career_titles[i]))
			return 1;
	return 0;
}

/* A feedback subsection that holds what the report said to the manager:
 * "For me", "From them", "Received", "To me". */
static int is_received_title(const char *title)
{
	size_t n = strlen(title);

	return find_ci(title, n, "for me") || find_ci(title, n, "to me") || find_ci(title, n, "from them") ||
	       find_ci(title, n, "received") || find_ci(title, n, "about me");
}

static int has_tag(const ln_org_headline *h, const char *tag)
{
	size_t i;

	for (i = 0; i < h->tag_count; i++)
		if (strcmp(h->tags[i], tag) == 0)
			return 1;
	return 0;
}

enum { SEC_NONE = 0, SEC_PROMPT, SEC_FEEDBACK, SEC_RECEIVED, SEC_WINS, SEC_BLOCKERS, SEC_CAREER, SEC_CONCERNS };

static int is_prompt_title(const char *title)
{
	size_t n = strlen(title);
	return find_ci(title, n, "prompt") || find_ci(title, n, "leadership") || find_ci(title, n, "reflection");
}

/* "wins" or "win" as a word, "went well", "proud". */
static int is_wins_title(const char *title)
{
	size_t n = strlen(title), i;

	if (find_ci(title, n, "went well") || find_ci(title, n, "proud"))
		return 1;
	for (i = 0; i + 3 <= n; i++) {
		if ((i == 0 || !isalpha((unsigned char)title[i - 1])) && lower_c((unsigned char)title[i]) == 'w' &&
			lower_c((unsigned char)title[i + 1]) == 'i' && lower_c((unsigned char)title[i + 2]) == 'n') {
			size_t e = i + 3;
			if (e < n && lower_c((unsigned char)title[e]) == 's')
				e++;
			if (e == n || !isalpha((unsigned char)title[e]))
				return 1;
		}
	}
	return 0;
}

/* An id after "prompt:" at p (case-insensitive), or 0. */
static size_t prompt_id_after(const char *s, size_t len, const char **id)
{
	size_t i = 0, start;

	if (len < 7 || !find_ci(s, 7, "prompt:") || find_ci(s, 7, "prompt:") != s)
		return 0;
	i = 7;
	while (i < len && is_space_c(s[i]))
		i++;
	start = i;
	while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '_' || s[i] == '-'))
		i++;
	*id = s + start;
	return i - start;
}

static void find_prompt_ids(const char *s, size_t len, strs *out)
{
	const char *id, *at;
	size_t n, i = 0;

	trim_span(&s, &len);
	if (len && s[0] == '#') {
		i = 1;
		if (i < len && s[i] == '+')
			i++;
		while (i < len && is_space_c(s[i]))
			i++;
		if ((n = prompt_id_after(s + i, len - i, &id)) > 0) {
			strs_push(out, id, n);
			return;
		}
	}
	if ((at = find_ci(s, len, "<!--")) != NULL) {
		i = (size_t)(at - s) + 4;
		while (i < len && is_space_c(s[i]))
			i++;
		if ((n = prompt_id_after(s + i, len - i, &id)) > 0) {
			strs_push(out, id, n);
			return;
		}
	}
	if ((at = find_ci(s, len, "leadnotes-prompt:")) != NULL) {
		i = (size_t)(at - s) + 10;
		if ((n = prompt_id_after(s + i, len - i, &id)) > 0)
			strs_push(out, id, n);
	}
}

/* A copy of s, or NULL for NULL; *failed set when out of memory. */
static char *dup_or_null(const char *s, int *failed)
{
	char *copy;

	if (!s)
		return NULL;
	copy = malloc(strlen(s) + 1);
	if (!copy) {
		*failed = 1;
		return NULL;
	}
	strcpy(copy, s);
	return copy;
}

/* The value of property key (case-insensitive) of h, or NULL. */
static const char *headline_property(const ln_org_headline *h, const char *key)
{
	size_t i;

	for (i = 0; i < h->property_count; i++)
		if (strcasecmp(h->properties[i].key, key) == 0 && h->properties[i].value[0])
			return h->properties[i].value;
	return NULL;
}

/* ":a:b:" for h's tags, or NULL when it has none; *failed on no memory. */
static char *joined_tags(const ln_org_headline *h, int *failed)
{
	size_t i, n = 2;
	char *out;

	if (h->tag_count == 0)
		return NULL;
	for (i = 0; i < h->tag_count; i++)
		n += strlen(h->tags[i]) + 1;
	out = malloc(n);
	if (!out) {
		*failed = 1;
		return NULL;
	}
	strcpy(out, ":");
	for (i = 0; i < h->tag_count; i++) {
		strcat(out, h->tags[i]);
		strcat(out, ":");
	}
	return out;
}

static void item_clear(ln_note_item *item)
{
	free(item->text);
	free(item->keyword);
	free(item->id);
	free(item->owner);
	free(item->deadline);
	free(item->scheduled);
	free(item->tags);
	free(item->first_seen);
	free(item->carried);
}

/* Appends an item: a TODO headline h, or (h NULL) a checkbox with box. */
static int push_item(ln_note_summary *sum, size_t *alloc, const char *text, int open, int line,
	const ln_org_headline *h, const char *box)
{
	ln_note_item *item;
	int failed = 0;

	if (sum->item_count == *alloc) {
		size_t n = *alloc ? *alloc * 2 : 8;
		ln_note_item *items = realloc(sum->items, n * sizeof(*items));
		if (!items)
			return LN_ENOMEM;
		sum->items = items;
		*alloc = n;
	}
	item = &sum->items[sum->item_count];
	memset(item, 0, sizeof(*item));
	item->text = dup_or_null(text, &failed);
	item->open = open;
	item->line = line;
	if (h) {
		item->level = h->level;
		item->keyword = dup_or_null(h->todo, &failed);
		item->id = dup_or_null(headline_property(h, "ID"), &failed);
		item->owner = dup_or_null(headline_property(h, "OWNER"), &failed);
		item->deadline = dup_or_null(h->deadline, &failed);
		item->scheduled = dup_or_null(h->scheduled, &failed);
		item->tags = joined_tags(h, &failed);
		item->first_seen = dup_or_null(headline_property(h, "FIRST_SEEN"), &failed);
		item->carried = dup_or_null(headline_property(h, "CARRIED"), &failed);
	} else {
		item->keyword = dup_or_null(box, &failed);
	}
	if (failed || !item->text) {
		item_clear(item);
		return LN_ENOMEM;
	}
	sum->item_count++;
	return LN_OK;
}

int ln_note_summarize(ln_note_summary **out, const char *text, size_t len, int markdown, ln_error *err)
{
	ln_note_summary *sum = NULL;
	ln_org_doc *doc = NULL;
	note_text t = { text, len, NULL, 0 };
	strs prompts = { NULL, 0, 0, 0 }, feedback = { NULL, 0, 0, 0 }, wins = { NULL, 0, 0, 0 };
	strs props = { NULL, 0, 0, 0 };
	strs received = { NULL, 0, 0, 0 }, blockers = { NULL, 0, 0, 0 }, career = { NULL, 0, 0, 0 };
	strs concerns = { NULL, 0, 0, 0 };
	unsigned char *section = NULL; /* headline index -> SEC_* */
	int *head_at = NULL;      /* line -> headline index + 1, 0 for none */
	int *owner = NULL;        /* line -> headline index + 1 it belongs to */
	char *prompt_head = NULL; /* headline index -> is a prompt section */
	size_t nh, i, k, n, item_alloc = 0;
	int rc = LN_OK;

	*out = NULL;
	if (!text)
		len = 0;
	rc = markdown ? ln_org_parse_markdown(&doc, text, len, err) : ln_org_parse(&doc, text, len, err);
	if (rc < 0)
		goto cleanup;
	sum = calloc(1, sizeof(*sum));
	/* Line starts. */
	for (i = 0, n = 1; i < len; i++)
		if (text[i] == '\n')
			n++;
	t.nlines = n;
	t.starts = malloc((n + 1) * sizeof(*t.starts));
	nh = ln_org_headline_count(doc);
	head_at = calloc(n + 2, sizeof(*head_at));
	owner = calloc(n + 2, sizeof(*owner));
	prompt_head = calloc(nh + 1, 1);
	if (!sum || !t.starts || !head_at || !owner || !prompt_head)
		goto nomem;
	t.starts[0] = 0;
	for (i = 0, k = 1; i < len; i++)
		if (text[i] == '\n')
			t.starts[k++] = i + 1;
	t.starts[n] = len + 1;

	for (i = 0; i < nh; i++) {
		const ln_org_headline *h = ln_org_headline_at(doc, i);
		if (h->line >= 1 && (size_t)h->line <= n)
			head_at[h->line] = (int)i + 1;
	}
	for (k = 1, i = 0; k <= n; k++) {
		if (head_at[k])
			i = (size_t)head_at[k];
		owner[k] = (int)i;
	}

	/* Headlines: items and properties; each headline's section (its own
	 * title, else the nearest enclosing one's) decides where the lines of
	 * its body go: feedback given or received, wins, blockers, career. A
	 * TODO headline inside a career section is career talk too. */
	section = calloc(nh + 1, sizeof(*section));
	if (!section)
		goto nomem;
	for (i = 0; i < nh; i++) {
		const ln_org_headline *h = ln_org_headline_at(doc, i);
		int cls = SEC_NONE;
		size_t j;
		strs *bucket = NULL;

		/* An item, or an item's older copy that carry-over moved on (no
		 * keyword, a CARRIED_TO property): it keeps the item's history. */
		if (!h->comment && (h->todo_type != LN_ORG_TODO_NONE || headline_property(h, "CARRIED_TO")) &&
			push_item(sum, &item_alloc, h->title, h->todo_type == LN_ORG_TODO_TODO, h->line, h, NULL) < 0)
			goto nomem;
		for (j = i; j-- > 0;) /* the enclosing headline's section */
			if (ln_org_headline_at(doc, j)->level < h->level) {
				cls = section[j];
				break;
			}
		if (is_prompt_title(h->title) || has_tag(h, "evidence")) {
			/* A prompt, or evidence quoted from other notes (the packet in
			 * an evaluation): nothing in it is this note's own. */
			cls = SEC_PROMPT;
		} else if (h->todo_type == LN_ORG_TODO_NONE && cls != SEC_PROMPT) {
			if (find_ci(h->title, strlen(h->title), "feedback"))
				cls = SEC_FEEDBACK;
			if (cls == SEC_FEEDBACK && is_received_title(h->title))
				cls = SEC_RECEIVED;
			else if (cls == SEC_NONE && is_wins_title(h->title))
				cls = SEC_WINS;
			else if (cls == SEC_NONE && find_ci(h->title, strlen(h->title), "blocker"))
				cls = SEC_BLOCKERS;
			else if (cls == SEC_NONE && is_career_title(h->title))
				cls = SEC_CAREER;
			else if (cls == SEC_NONE && (find_ci(h->title, strlen(h->title), "concern") ||
							    find_ci(h->title, strlen(h->title), "performance")))
				cls = SEC_CONCERNS;
		}
		section[i] = cls;
		prompt_head[i] = cls == SEC_PROMPT;
		if (cls == SEC_CAREER && h->todo_type != LN_ORG_TODO_NONE && !h->comment)
			sum->career = 1;
		bucket = cls == SEC_FEEDBACK ? &feedback : cls == SEC_RECEIVED ? &received : cls == SEC_WINS ? &wins :
			 cls == SEC_BLOCKERS ? &blockers : cls == SEC_CAREER ? &career : cls == SEC_CONCERNS ? &concerns : NULL;
		if (bucket) {
			size_t last = i + 1 < nh ? (size_t)ln_org_headline_at(doc, i + 1)->line - 1 : n;
			for (k = (size_t)h->line + 1; k <= last && k <= n; k++) {
				const char *ls;
				size_t sl;
				note_line(&t, k, &ls, &sl);
				if (is_boilerplate(ls, sl))
					continue;
				bullet_text(&ls, &sl);
				if (sl == 0 || (sl >= 3 && ls[0] == '[' && ls[2] == ']'))
					continue;
				strs_push(bucket, ls, sl);
			}
		}
		for (k = 0; k < h->property_count; k++) {
			strs_push(&props, h->properties[k].key, strlen(h->properties[k].key));
			strs_push(&props, h->properties[k].value, strlen(h->properties[k].value));
		}
	}
	if (career.count > 0)
		sum->career = 1;

	/* Checkboxes, outside prompt sections. */
	for (i = 0; i < ln_org_checkbox_count(doc); i++) {
		const ln_org_checkbox *c = ln_org_checkbox_at(doc, i);
		int o = (c->line >= 1 && (size_t)c->line <= n) ? owner[c->line] : 0;
		if (o && prompt_head[o - 1])
			continue;
		if (push_item(sum, &item_alloc, c->text, c->state != LN_ORG_CHECK_ON, c->line, NULL,
				c->state == LN_ORG_CHECK_ON ? "[X]" : c->state == LN_ORG_CHECK_TRANS ? "[-]" : "[ ]") < 0)
			goto nomem;
	}

	/* Prompt ids: properties, then comment lines. */
	if (find_ci(text, len, "prompt")) {
		for (i = 0; i + 1 < props.count; i += 2) {
			const char *key = props.items[i], *v = props.items[i + 1];
			if (strcasecmp(key, "PROMPT") == 0 || strcasecmp(key, "PROMPT_ID") == 0 ||
				strcasecmp(key, "LEADNOTES_PROMPT") == 0) {
				size_t vl = 0;
				while (v[vl] && (isalnum((unsigned char)v[vl]) || v[vl] == '.' || v[vl] == '_' || v[vl] == '-'))
					vl++;
				if (vl)
					strs_push(&prompts, v, vl);
			}
		}
		for (k = 1; k <= n; k++) {
			const char *s;
			size_t sl;
			note_line(&t, k, &s, &sl);
			if (find_ci(s, sl, "prompt:"))
				find_prompt_ids(s, sl, &prompts);
		}
	}

	/* File keywords (#+KEY: value) after the drawers' properties. */
	for (k = 1; k <= n; k++) {
		const char *s, *v;
		size_t sl, kl, vl;
		note_line(&t, k, &s, &sl);
		if (sl < 3 || s[0] != '#' || s[1] != '+')
			continue;
		for (kl = 2; kl < sl && (isalnum((unsigned char)s[kl]) || s[kl] == '_' || s[kl] == '-'); kl++)
			;
		if (kl == 2 || kl >= sl || s[kl] != ':')
			continue;
		v = s + kl + 1;
		vl = sl - kl - 1;
		trim_span(&v, &vl);
		strs_push(&props, s + 2, kl - 2);
		strs_push(&props, v, vl);
	}

	if (prompts.failed || feedback.failed || wins.failed || props.failed || received.failed || blockers.failed ||
		career.failed || concerns.failed)
		goto nomem;
	sum->prompts = prompts.items;
	sum->prompt_count = prompts.count;
	sum->feedback = feedback.items;
	sum->feedback_count = feedback.count;
	sum->wins = wins.items;
	sum->win_count = wins.count;
	sum->properties = props.items;
	sum->property_count = props.count / 2;
	sum->received = received.items;
	sum->received_count = received.count;
	sum->blockers = blockers.items;
	sum->blocker_count = blockers.count;
	sum->career_lines = career.items;
	sum->career_count = career.count;
	sum->concerns = concerns.items;
	sum->concern_count = concerns.count;
	memset(&concerns, 0, sizeof(concerns));
	memset(&received, 0, sizeof(received));
	memset(&blockers, 0, sizeof(blockers));
	memset(&career, 0, sizeof(career));
	memset(&prompts, 0, sizeof(prompts));
	memset(&feedback, 0, sizeof(feedback));
	memset(&wins, 0, sizeof(wins));
	memset(&props, 0, sizeof(props));
	*out = sum;
	sum = NULL;
	goto cleanup;

nomem:
	rc = ln_error_set(err, LN_ENOMEM, "out of memory reading a note");
cleanup:
	ln_note_summary_free(sum);
	strs_free(&prompts);
	strs_free(&feedback);
	strs_free(&wins);
	strs_free(&props);
	strs_free(&received);
	strs_free(&blockers);
	strs_free(&career);
	strs_free(&concerns);
	free(section);
	free(t.starts);
	free(head_at);
	free(owner);
	free(prompt_head);
	ln_org_free(doc);
	return rc;
}

void ln_note_summary_free(ln_note_summary *summary)
{
	size_t i;

	if (!summary)
		return;
	for (i = 0; i < summary->item_count; i++)
		item_clear(&summary->items[i]);
	free(summary->items);
	for (i = 0; i < summary->prompt_count; i++)
		free(summary->prompts[i]);
	free(summary->prompts);
	for (i = 0; i < summary->feedback_count; i++)
		free(summary->feedback[i]);
	free(summary->feedback);
	for (i = 0; i < summary->win_count; i++)
		free(summary->wins[i]);
	free(summary->wins);
	for (i = 0; i < summary->property_count * 2; i++)
		free(summary->properties[i]);
	free(summary->properties);
	for (i = 0; i < summary->received_count; i++)
		free(summary->received[i]);
	free(summary->received);
	for (i = 0; i < summary->blocker_count; i++)
		free(summary->blockers[i]);
	free(summary->blockers);
	for (i = 0; i < summary->career_count; i++)
		free(summary->career_lines[i]);
	free(summary->career_lines);
	for (i = 0; i < summary->concern_count; i++)
		free(summary->concerns[i]);
	free(summary->concerns);
	free(summary);
}
