/* The prompt bank: parsing org files of prompts and choosing one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leadnotes/prompts.h"
#include "fsutil.h"

struct ln_prompts {
	ln_prompt *items; /* id and text of each are malloc'd */
	size_t count;
	size_t alloc;
};

static const char *const duty_names[LN_DUTY_COUNT] = {
	"hiring", "communicating", "planning", "organizing",
	"training", "monitoring", "evaluating", "firing"
};
static const char *const context_names[LN_CONTEXT_COUNT] = {
	"one-on-one", "evaluation", "weekly", "onboarding"
};
static const char *const context_tags[LN_CONTEXT_COUNT] = {
	"one_on_one", "evaluation", "weekly", "onboarding"
};

int ln_prompts_new(ln_prompts **out)
{
	*out = calloc(1, sizeof(ln_prompts));
	return *out ? LN_OK : LN_ENOMEM;
}

static void prompt_clear(ln_prompt *p)
{
	free((char *)p->id);
	free((char *)p->text);
	p->id = NULL;
	p->text = NULL;
}

void ln_prompts_free(ln_prompts *bank)
{
	size_t i;

	if (!bank)
		return;
	for (i = 0; i < bank->count; i++)
		prompt_clear(&bank->items[i]);
	free(bank->items);
	free(bank);
}

static unsigned bit_of(const char *name, size_t len, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			return 1u << i;
	return 0;
}

unsigned ln_prompts_duty_bit(const char *name)
{
	return name ? bit_of(name, strlen(name), duty_names, LN_DUTY_COUNT) : 0;
}

unsigned ln_prompts_context_bit(const char *name)
{
	unsigned bit;

	if (!name)
		return 0;
	bit = bit_of(name, strlen(name), context_names, LN_CONTEXT_COUNT);
	return bit ? bit : bit_of(name, strlen(name), context_tags, LN_CONTEXT_COUNT);
}

static const char *name_of(unsigned bit, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (bit == 1u << i)
			return names[i];
	return NULL;
}

const char *ln_prompts_duty_name(unsigned duty)
{
	return name_of(duty, duty_names, LN_DUTY_COUNT);
}

const char *ln_prompts_kind_name(unsigned kind)
{
	if (kind == LN_KIND_MANAGE)
		return "manage";
	if (kind == LN_KIND_LEAD)
		return "lead";
	return NULL;
}

const char *ln_prompts_context_name(unsigned context)
{
	return name_of(context, context_names, LN_CONTEXT_COUNT);
}

/* ---- parsing ---- */

typedef struct line_t {
	const char *ptr;
	size_t len; /* without the newline or a trailing CR */
} line_t;

/* The next line of text at *pos, or 0 at the end. */
static int next_line(const char *text, size_t len, size_t *pos, line_t *line)
{
	size_t start = *pos, end;

	if (start >= len)
		return 0;
	end = start;
	while (end < len && text[end] != '\n')
		end++;
	*pos = end < len ? end + 1 : end;
	line->ptr = text + start;
	line->len = end - start;
	if (line->len && line->ptr[line->len - 1] == '\r')
		line->len--;
	return 1;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *len)
{
	while (*len && is_blank(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && is_blank((*s)[*len - 1]))
		(*len)--;
}

static int is_tag_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '_' || c == '@' || c == '#' || c == '%';
}

/* Splits a headline title into text and the tag string (":a:b:") that ends
 * it after a blank, as org does. */
static void split_tags(const char *title, size_t len, size_t *text_len, const char **tags, size_t *tags_len)
{
	size_t i;

	*text_len = len;
	*tags = NULL;
	*tags_len = 0;
	if (len < 3 || title[len - 1] != ':')
		return;
	i = len - 1;
	while (i > 0 && (is_tag_char(title[i - 1]) || title[i - 1] == ':'))
		i--;
	if (title[i] != ':' || (i > 0 && !is_blank(title[i - 1])))
		return;
	*tags = title + i;
	*tags_len = len - i;
	*text_len = i;
	while (*text_len && is_blank(title[*text_len - 1]))
		(*text_len)--;
}

static void apply_tags(ln_prompt *p, const char *tags, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t start, tlen;
		unsigned bit;

		while (i < len && tags[i] == ':')
			i++;
		start = i;
		while (i < len && tags[i] != ':')
			i++;
		tlen = i - start;
		if (!tlen)
			continue;
		if ((bit = bit_of(tags + start, tlen, duty_names, LN_DUTY_COUNT)))
			p->duties |= bit;
		else if ((bit = bit_of(tags + start, tlen, context_tags, LN_CONTEXT_COUNT)))
			p->contexts |= bit;
		else if (tlen == 6 && memcmp(tags + start, "manage", 6) == 0)
			p->kinds |= LN_KIND_MANAGE;
		else if (tlen == 4 && memcmp(tags + start, "lead", 4) == 0)
			p->kinds |= LN_KIND_LEAD;
	}
}

static int starts_with_ci(const char *s, size_t len, const char *prefix)
{
	size_t i, n = strlen(prefix);

	if (len < n)
		return 0;
	for (i = 0; i < n; i++) {
		char a = s[i], b = prefix[i];
		if (a >= 'a' && a <= 'z')
			a = (char)(a - 'a' + 'A');
		if (a != b)
			return 0;
	}
	return 1;
}

static int is_planning(const char *s, size_t len)
{
	return starts_with_ci(s, len, "SCHEDULED:") || starts_with_ci(s, len, "DEADLINE:") ||
		starts_with_ci(s, len, "CLOSED:");
}

static int valid_id(const char *id, size_t len)
{
	size_t i;

	if (len == 0 || len > 64)
		return 0;
	for (i = 0; i < len; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			    c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static int push_prompt(ln_prompts *bank, const ln_prompt *p)
{
	ln_prompt *items = ln__array_grow(bank->items, &bank->alloc, bank->count, sizeof(*items), 64);
	if (!items)
		return LN_ENOMEM;
	bank->items = items;
	bank->items[bank->count++] = *p;
	return LN_OK;
}

/* Looks in the drawer right under a headline (after an optional planning
 * line) for :ID:. On return *pos is unchanged: the caller goes on reading
 * line by line. */
static void find_id(const char *text, size_t len, size_t pos, const char **id, size_t *id_len)
{
	line_t line;
	int in_drawer = 0, first = 1;

	*id = NULL;
	*id_len = 0;
	while (next_line(text, len, &pos, &line)) {
		const char *s = line.ptr;
		size_t n = line.len;

		trim(&s, &n);
		if (!in_drawer) {
			if (first && is_planning(s, n)) {
				first = 0;
				continue;
			}
			if (n == 12 && starts_with_ci(s, n, ":PROPERTIES:")) {
				in_drawer = 1;
				continue;
			}
			return;
		}
		if (n == 5 && starts_with_ci(s, n, ":END:"))
			return;
		if (line.len && line.ptr[0] == '*')
			return; /* a headline ends an unterminated drawer */
		if (starts_with_ci(s, n, ":ID:")) {
			s += 4;
			n -= 4;
			trim(&s, &n);
			*id = s;
			*id_len = n;
			return;
		}
	}
}

int ln_prompts_parse(ln_prompts *bank, const char *text, size_t len, ln_error *err)
{
	ln_prompts parsed = { NULL, 0, 0 };
	size_t pos = 0, i, j;
	int lineno = 0, rc = LN_OK;
	line_t line;

	while (next_line(text, len, &pos, &line)) {
		size_t level = 0, title_len, text_len, tags_len, id_len;
		const char *title, *tags, *id;
		ln_prompt p;

		lineno++;
		while (level < line.len && line.ptr[level] == '*')
			level++;
		if (level == 0 || level >= line.len || line.ptr[level] != ' ')
			continue;
		find_id(text, len, pos, &id, &id_len);
		if (!id)
			continue; /* a heading that groups prompts */
		if (!valid_id(id, id_len)) {
			rc = ln_error_set_at(err, LN_EPARSE, lineno, 1,
				"prompt id must be 1 to 64 letters, digits, '-', '_' or '.'");
			goto cleanup;
		}
		title = line.ptr + level;
		title_len = line.len - level;
		trim(&title, &title_len);
		split_tags(title, title_len, &text_len, &tags, &tags_len);
		if (text_len == 0 || memchr(title, '\0', text_len)) {
			rc = ln_error_set_at(err, LN_EPARSE, lineno, 1,
				"prompt %.*s has no text or a NUL byte in it", (int)id_len, id);
			goto cleanup;
		}
		for (i = 0; i < parsed.count; i++) {
			if (strlen(parsed.items[i].id) == id_len && memcmp(parsed.items[i].id, id, id_len) == 0) {
				rc = ln_error_set_at(err, LN_EPARSE, lineno, 1,
					"prompt id %.*s is given twice (first on line %d)", (int)id_len, id,
					parsed.items[i].line);
				goto cleanup;
			}
		}
		memset(&p, 0, sizeof(p));
		p.line = lineno;
		p.enabled = 1;
		apply_tags(&p, tags, tags_len);
		p.id = ln__strndup(id, id_len);
		p.text = ln__strndup(title, text_len);
		if (!p.id || !p.text || push_prompt(&parsed, &p) < 0) {
			prompt_clear(&p);
			rc = ln_error_set(err, LN_ENOMEM, "out of memory reading prompts");
			goto cleanup;
		}
	}

	/* Merge: same id replaces, new ids go at the end. Reserve first so the
	 * merge itself cannot fail halfway. */
	if (bank->count + parsed.count > bank->alloc) {
		size_t alloc = bank->count + parsed.count;
		ln_prompt *items = realloc(bank->items, alloc * sizeof(*items));
		if (!items) {
			rc = ln_error_set(err, LN_ENOMEM, "out of memory reading prompts");
			goto cleanup;
		}
		bank->items = items;
		bank->alloc = alloc;
	}
	for (i = 0; i < parsed.count; i++) {
		for (j = 0; j < bank->count; j++)
			if (strcmp(bank->items[j].id, parsed.items[i].id) == 0)
				break;
		if (j < bank->count) {
			prompt_clear(&bank->items[j]);
			bank->items[j] = parsed.items[i];
		} else {
			bank->items[bank->count++] = parsed.items[i];
		}
	}
	parsed.count = 0;

cleanup:
	for (i = 0; i < parsed.count; i++)
		prompt_clear(&parsed.items[i]);
	free(parsed.items);
	return rc;
}

int ln_prompts_disable(ln_prompts *bank, const char *id)
{
	size_t i;

	for (i = 0; i < bank->count; i++) {
		if (strcmp(bank->items[i].id, id) == 0) {
			bank->items[i].enabled = 0;
			return LN_OK;
		}
	}
	return LN_ENOTFOUND;
}

size_t ln_prompts_count(const ln_prompts *bank)
{
	return bank->count;
}

const ln_prompt *ln_prompts_at(const ln_prompts *bank, size_t i)
{
	return i < bank->count ? &bank->items[i] : NULL;
}

const ln_prompt *ln_prompts_find(const ln_prompts *bank, const char *id)
{
	size_t i;

	for (i = 0; i < bank->count; i++)
		if (strcmp(bank->items[i].id, id) == 0)
			return &bank->items[i];
	return NULL;
}

/* ---- selection ---- */

static int valid_date(const char *d)
{
	int i, month, day;

	if (!d || strlen(d) != 10 || d[4] != '-' || d[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
			return 0;
	month = (d[5] - '0') * 10 + (d[6] - '0');
	day = (d[8] - '0') * 10 + (d[9] - '0');
	return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/* Hash h continued over s and a separator byte, so that "ab"+"c" differs
 * from "a"+"bc". */
static uint64_t hash_field(uint64_t h, const char *s)
{
	return ln__fnv1a(ln__fnv1a(h, s, strlen(s), 64), "\xff", 1, 64);
}

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int was_seen(const ln_prompt *p, const ln_prompt_query *q)
{
	size_t i;

	for (i = 0; i < q->nseen; i++)
		if (q->seen[i] && strcmp(q->seen[i], p->id) == 0)
			return 1;
	return 0;
}

typedef enum { BY_DUTY, BY_CONTEXT } filter_kind;

/* Keeps in pool only the prompts that have bit, when at least one does. */
static size_t narrow(const ln_prompt **pool, size_t n, filter_kind kind, unsigned bit)
{
	size_t i, kept = 0;

	for (i = 0; i < n; i++)
		if ((kind == BY_DUTY ? pool[i]->duties : pool[i]->contexts) & bit)
			kept++;
	if (kept == 0)
		return n;
	kept = 0;
	for (i = 0; i < n; i++)
		if ((kind == BY_DUTY ? pool[i]->duties : pool[i]->contexts) & bit)
			pool[kept++] = pool[i];
	return kept;
}

int ln_prompts_select(const ln_prompt **out, const ln_prompts *bank, const ln_prompt_query *q,
	ln_error *err)
{
	const ln_prompt **pool = NULL;
	const char *context_name;
	size_t i, n = 0;
	unsigned bit;
	uint64_t h;
	int rc = LN_OK;

	*out = NULL;
	if (!valid_date(q->date)) {
		rc = ln_error_set(err, LN_EINVALID, "date must be YYYY-MM-DD");
		goto cleanup;
	}
	if (q->context && !ln_prompts_context_name(q->context)) {
		rc = ln_error_set(err, LN_EINVALID, "unknown prompt context");
		goto cleanup;
	}
	pool = malloc((bank->count ? bank->count : 1) * sizeof(*pool));
	if (!pool) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory choosing a prompt");
		goto cleanup;
	}
	for (i = 0; i < bank->count; i++)
		if (bank->items[i].enabled && !was_seen(&bank->items[i], q))
			pool[n++] = &bank->items[i];
	if (n == 0) /* every prompt was seen recently: repeats are allowed again */
		for (i = 0; i < bank->count; i++)
			if (bank->items[i].enabled)
				pool[n++] = &bank->items[i];
	if (n == 0) {
		rc = ln_error_set(err, LN_ENOTFOUND, "no prompt is enabled");
		goto cleanup;
	}

	if (q->context == LN_CONTEXT_EVALUATION)
		n = narrow(pool, n, BY_DUTY, LN_DUTY_EVALUATING);
	for (bit = 1; bit < (1u << LN_CONTEXT_COUNT); bit <<= 1)
		if (q->prefer_contexts & bit)
			n = narrow(pool, n, BY_CONTEXT, bit);
	for (bit = 1; bit < (1u << LN_DUTY_COUNT); bit <<= 1)
		if (q->prefer_duties & bit)
			n = narrow(pool, n, BY_DUTY, bit);
	if (q->context)
		n = narrow(pool, n, BY_CONTEXT, q->context);

	context_name = q->context ? ln_prompts_context_name(q->context) : "";
	h = hash_field(LN__FNV64_START, q->person ? q->person : "");
	h = hash_field(h, context_name);
	h = hash_field(h, q->date);
	*out = pool[mix(h) % n];

cleanup:
	free(pool);
	return rc;
}
