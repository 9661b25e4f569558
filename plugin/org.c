/* The notes parser: org-mode (org-element's rules, Org 9.5) and Markdown
 * into one outline of headlines and checkbox items. See leadnotes/org.h.
 *
 * The org side works line by line. A first pass finds every headline and
 * walks each section the way org-element does for what matters here:
 * verbatim blocks (src, example, export, comment, verse), LaTeX
 * environments and table.el tables hide their lines; greater blocks, dynamic
 * blocks and drawers only bound the search for the end of what they hold; a
 * construct without its closing line is plain text. It records checkbox
 * items and the #+TODO-style keyword lines. Once the keyword sets are known,
 * each headline line is read with them, with its planning line and property
 * drawer. Every read is bounded by the line's length: the input need not be
 * NUL-terminated and may hold any bytes. */
#include <stdlib.h>
#include <string.h>

#include "leadnotes/org.h"

/* ---- memory: an arena of chunks that never move --------------------- */

typedef struct arena_chunk {
	struct arena_chunk *next;
	size_t used;
	size_t size;
} arena_chunk;

#define ARENA_HDR ((sizeof(arena_chunk) + 15) & ~(size_t)15)
#define ARENA_MIN (64 * 1024)

struct ln_org_doc {
	arena_chunk *arena;
	ln_org_headline *headlines;
	size_t headline_count, headline_cap;
	ln_org_checkbox *checkboxes;
	size_t checkbox_count, checkbox_cap;
	const char **todo_kw;
	size_t todo_count;
	const char **done_kw;
	size_t done_count;
	size_t arena_hint; /* size of the first chunk: small notes, small chunks */
	int failed;        /* an allocation failed */
};

static void *arena_alloc(ln_org_doc *doc, size_t size)
{
	arena_chunk *c = doc->arena;
	size_t need = (size + 15) & ~(size_t)15;

	if (doc->failed || need < size)
		return NULL;
	if (!c || c->size - c->used < need) {
		size_t csize = doc->arena ? ARENA_MIN : doc->arena_hint;
		if (csize < need)
			csize = need;
		if (csize > (size_t)-1 - ARENA_HDR)
			goto fail;
		c = malloc(ARENA_HDR + csize);
		if (!c)
			goto fail;
		c->next = doc->arena;
		c->used = 0;
		c->size = csize;
		doc->arena = c;
	}
	c->used += need;
	return (char *)c + ARENA_HDR + c->used - need;
fail:
	doc->failed = 1;
	return NULL;
}

/* A NUL-terminated copy of len bytes; "" on failure (doc->failed is set). */
static const char *arena_strndup(ln_org_doc *doc, const char *s, size_t len)
{
	char *p = arena_alloc(doc, len + 1);
	if (!p)
		return "";
	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Grows an array of elem-sized items so one more fits. */
static int grow(ln_org_doc *doc, void **items, size_t count, size_t *cap, size_t elem)
{
	void *p;
	size_t ncap;

	if (count < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > (size_t)-1 / elem) {
		doc->failed = 1;
		return -1;
	}
	p = realloc(*items, ncap * elem);
	if (!p) {
		doc->failed = 1;
		return -1;
	}
	*items = p;
	*cap = ncap;
	return 0;
}

void ln_org_free(ln_org_doc *doc)
{
	arena_chunk *c, *next;

	if (!doc)
		return;
	for (c = doc->arena; c; c = next) {
		next = c->next;
		free(c);
	}
	free(doc->headlines);
	free(doc->checkboxes);
	free(doc->todo_kw);
	free(doc->done_kw);
	free(doc);
}

size_t ln_org_headline_count(const ln_org_doc *doc)
{
	return doc ? doc->headline_count : 0;
}

const ln_org_headline *ln_org_headline_at(const ln_org_doc *doc, size_t i)
{
	return doc && i < doc->headline_count ? &doc->headlines[i] : NULL;
}

size_t ln_org_checkbox_count(const ln_org_doc *doc)
{
	return doc ? doc->checkbox_count : 0;
}

const ln_org_checkbox *ln_org_checkbox_at(const ln_org_doc *doc, size_t i)
{
	return doc && i < doc->checkbox_count ? &doc->checkboxes[i] : NULL;
}

size_t ln_org_todo_keyword_count(const ln_org_doc *doc)
{
	return doc ? doc->todo_count : 0;
}

const char *ln_org_todo_keyword(const ln_org_doc *doc, size_t i)
{
	return doc && i < doc->todo_count ? doc->todo_kw[i] : NULL;
}

size_t ln_org_done_keyword_count(const ln_org_doc *doc)
{
	return doc ? doc->done_count : 0;
}

const char *ln_org_done_keyword(const ln_org_doc *doc, size_t i)
{
	return doc && i < doc->done_count ? doc->done_kw[i] : NULL;
}

/* ---- text helpers ---------------------------------------------------- */

typedef struct org_line {
	const char *s;
	size_t n;
} org_line;

/* A slice of the input. */
typedef struct slice {
	const char *s;
	size_t n;
} slice;

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Whitespace for split-string and \S- in Emacs' text syntax. */
static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* [[:alnum:]] and word constituents: ASCII letters and digits, and any
 * byte of a multibyte UTF-8 character (letters in most scripts). */
static int is_word(char c)
{
	return is_alpha(c) || is_digit(c) || (unsigned char)c >= 0x80;
}

static char upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* Case-insensitive (ASCII) comparison of n bytes of s with word. */
static int ieq(const char *s, size_t n, const char *word)
{
	size_t i;
	if (strlen(word) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (upper(s[i]) != upper(word[i]))
			return 0;
	return 1;
}

/* Does s (n bytes) start with word, case-insensitively? */
static int iprefix(const char *s, size_t n, const char *word)
{
	size_t len = strlen(word);
	return n >= len && ieq(s, len, word);
}

static size_t skip_blanks(const char *s, size_t n, size_t i)
{
	while (i < n && is_blank(s[i]))
		i++;
	return i;
}

/* Trims [ \t\r\n] at both ends of s[b, e) into *out_b, *out_e. */
static void trim(const char *s, size_t *b, size_t *e)
{
	while (*b < *e && (is_blank(s[*b]) || s[*b] == '\r' || s[*b] == '\n'))
		(*b)++;
	while (*e > *b && (is_blank(s[*e - 1]) || s[*e - 1] == '\r' || s[*e - 1] == '\n'))
		(*e)--;
}

/* Is the line only blanks from i on? */
static int rest_blank(const char *s, size_t n, size_t i)
{
	return skip_blanks(s, n, i) == n;
}

/* Splits text into lines: a leading UTF-8 BOM is dropped, "\n" ends a line
 * and a "\r" before it is not part of the line. A final line without "\n"
 * counts. *has_final_newline says whether the text ends with "\n". */
static org_line *split_lines(const char *text, size_t len, size_t *count, int *has_final_newline)
{
	size_t i, start, n = 0, cap = 0;
	org_line *lines = NULL, *p;

	*count = 0;
	*has_final_newline = 0;
	if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
	    (unsigned char)text[2] == 0xBF) {
		text += 3;
		len -= 3;
	}
	/* Count first, then fill: one allocation. */
	for (i = 0; i < len; i++)
		if (text[i] == '\n')
			cap++;
	if (len && text[len - 1] != '\n')
		cap++;
	if (cap == 0)
		cap = 1;
	lines = malloc(cap * sizeof(*lines));
	if (!lines)
		return NULL;
	start = 0;
	for (i = 0; i <= len; i++) {
		if (i < len && text[i] != '\n')
			continue;
		if (i == len && start == len)
			break;
		p = &lines[n++];
		p->s = text + start;
		p->n = i - start;
		if (p->n && p->s[p->n - 1] == '\r')
			p->n--;
		start = i + 1;
	}
	*count = n;
	*has_final_newline = len > 0 && text[len - 1] == '\n';
	return lines;
}

/* ---- org: line classification --------------------------------------- */

/* A headline: one or more stars at column 0, then a space. Returns the
 * level, 0 when the line is no headline. */
static int headline_level(const org_line *l)
{
	size_t i = 0;
	while (i < l->n && l->s[i] == '*')
		i++;
	if (i == 0 || i >= l->n || l->s[i] != ' ')
		return 0;
	return i > 1000000 ? 1000000 : (int)i;
}

/* `^[ \t]*:END:[ \t]*$`, case-insensitive. */
static int is_drawer_end(const org_line *l)
{
	size_t i = skip_blanks(l->s, l->n, 0);
	if (!iprefix(l->s + i, l->n - i, ":END:"))
		return 0;
	return rest_blank(l->s, l->n, i + 5);
}

/* `^[ \t]*:([-_[:word:]]+):[ \t]*$`: a drawer's first line. */
static int is_drawer_start(const org_line *l)
{
	size_t i = skip_blanks(l->s, l->n, 0), j;
	if (i >= l->n || l->s[i] != ':')
		return 0;
	j = i + 1;
	while (j < l->n && (is_word(l->s[j]) || l->s[j] == '-' || l->s[j] == '_'))
		j++;
	if (j == i + 1 || j >= l->n || l->s[j] != ':')
		return 0;
	return rest_blank(l->s, l->n, j + 1);
}

/* `^[ \t]*\+(-+\+)+[ \t]*$`: a table.el rule. */
static int is_table_rule(const org_line *l)
{
	size_t i = skip_blanks(l->s, l->n, 0);
	int dashes = 0, segments = 0;
	if (i >= l->n || l->s[i] != '+')
		return 0;
	for (i++; i < l->n && (l->s[i] == '-' || l->s[i] == '+'); i++) {
		if (l->s[i] == '-') {
			dashes = 1;
		} else {
			if (!dashes)
				return 0;
			dashes = 0;
			segments++;
		}
	}
	return segments > 0 && !dashes && rest_blank(l->s, l->n, i);
}

/* A line that ends a table.el table: blank, or not starting with + or |. */
static int is_table_el_break(const org_line *l)
{
	size_t i = skip_blanks(l->s, l->n, 0);
	return i >= l->n || (l->s[i] != '+' && l->s[i] != '|');
}

/* org-item-re with default settings: `[ \t]*([-+]|[0-9]+[.)])([ \t]+|$)`
 * or `[ \t]+\*([ \t]+|$)`. On a match, *after is the index after the
 * bullet's blanks. */
static int is_item(const org_line *l, size_t *after)
{
	size_t i = skip_blanks(l->s, l->n, 0), j;
	if (i >= l->n)
		return 0;
	if (l->s[i] == '-' || l->s[i] == '+' || (l->s[i] == '*' && i > 0)) {
		j = i + 1;
	} else if (is_digit(l->s[i])) {
		j = i;
		while (j < l->n && is_digit(l->s[j]))
			j++;
		if (j >= l->n || (l->s[j] != '.' && l->s[j] != ')'))
			return 0;
		j++;
	} else {
		return 0;
	}
	if (j < l->n && !is_blank(l->s[j]))
		return 0;
	*after = skip_blanks(l->s, l->n, j);
	return 1;
}

/* The checkbox of an item (org-list-full-item-re): an optional counter
 * `[@3]` / `[@start:3]`, then `[ ]`, `[X]` or `[-]` followed by a blank or
 * the end of the line. Returns 1 and fills state and the text's start. */
static int item_checkbox(const org_line *l, size_t i, ln_org_check *state, size_t *text)
{
	const char *s = l->s;
	size_t n = l->n;

	if (i + 1 < n && s[i] == '[' && s[i + 1] == '@') {
		size_t j = i + 2;
		if (iprefix(s + j, n - j, "start:"))
			j += 6;
		if (j < n && is_digit(s[j])) {
			while (j < n && is_digit(s[j]))
				j++;
		} else if (j < n && is_alpha(s[j])) {
			j++;
		} else {
			j = 0;
		}
		if (j && j < n && s[j] == ']')
			i = skip_blanks(s, n, j + 1);
	}
	if (i + 2 >= n || s[i] != '[' || s[i + 2] != ']')
		return 0;
	if (i + 3 < n && !is_blank(s[i + 3]))
		return 0;
	switch (s[i + 1]) {
	case ' ':
		*state = LN_ORG_CHECK_OFF;
		break;
	case 'X':
		*state = LN_ORG_CHECK_ON;
		break;
	case '-':
		*state = LN_ORG_CHECK_TRANS;
		break;
	default:
		return 0; /* "[x]" matches org's regexp but is no checkbox */
	}
	*text = i + 3;
	return 1;
}

/* ---- org: the structure pass ---------------------------------------- */

enum { KW_TYP = 0, KW_TODO = 1, KW_SEQ = 2, KW_STARTUP = 3 };

typedef struct kw_line {
	int kind;
	slice value;
} kw_line;

/* A line that closes a named construct (`#+END_<name>`, `\end{<name>}`). */
typedef struct end_line {
	const char *name;
	size_t name_len;
	size_t line;
} end_line;

/* The closing lines of the whole text, indexed once, so that finding the
 * end of a block is a binary search however many blocks never close. */
typedef struct end_index {
	end_line *blocks; /* sorted by name (ASCII case-insensitive), then line */
	size_t nblocks;
	end_line *latex;  /* same */
	size_t nlatex;
	size_t *drawers;  /* `:END:` lines, ascending */
	size_t ndrawers;
	size_t *dynamics; /* `#+END:` lines, ascending */
	size_t ndynamics;
} end_index;

typedef struct scan {
	ln_org_doc *doc;
	const org_line *lines;
	size_t nlines;
	int final_newline;
	end_index ends;
	kw_line *kws;
	size_t nkws, kws_cap;
	size_t *containers; /* end lines of open greater elements */
	size_t ncontainers, containers_cap;
	size_t table_from, table_limit, table_hit; /* last table.el scan */
} scan;

enum { FIND_BLOCK = 1, FIND_DYNAMIC, FIND_DRAWER, FIND_LATEX };

/* Orders names ASCII case-insensitively, shorter first on a common prefix. */
static int name_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i, n = an < bn ? an : bn;
	for (i = 0; i < n; i++) {
		unsigned char x = (unsigned char)upper(a[i]), y = (unsigned char)upper(b[i]);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return an < bn ? -1 : an > bn ? 1 : 0;
}

static int end_line_cmp(const void *pa, const void *pb)
{
	const end_line *a = pa, *b = pb;
	int c = name_cmp(a->name, a->name_len, b->name, b->name_len);
	if (c)
		return c;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* Records line li in the index when it closes something. The arrays
 * have room for every line. */
static void index_end(end_index *ix, const org_line *l, size_t li)
{
	const char *s = l->s;
	size_t n = l->n, p = skip_blanks(s, n, 0), e = n, k;

	while (e > p && is_blank(s[e - 1]))
		e--;
	if (iprefix(s + p, e - p, "#+END_")) {
		/* The name is what follows, up to the trailing blanks; a name
		 * with a space inside closes nothing. */
		for (k = p + 6; k < e && !is_space(s[k]); k++)
			;
		if (k == e && e > p + 6) {
			end_line *x = &ix->blocks[ix->nblocks++];
			x->name = s + p + 6;
			x->name_len = e - p - 6;
			x->line = li;
		}
	} else if (ieq(s + p, e - p, "#+END") || ieq(s + p, e - p, "#+END:")) {
		ix->dynamics[ix->ndynamics++] = li;
	} else if (ieq(s + p, e - p, ":END:")) {
		ix->drawers[ix->ndrawers++] = li;
	}
	/* `\end{<name>}` at the end of the line, anywhere in it. */
	if (e >= 7 && s[e - 1] == '}') {
		k = e - 1;
		while (k > 0 && (is_alpha(s[k - 1]) || is_digit(s[k - 1]) || s[k - 1] == '*'))
			k--;
		if (k < e - 1 && k >= 5 && s[k - 1] == '{' && iprefix(s + k - 5, 4, "\\end")) {
			end_line *x = &ix->latex[ix->nlatex++];
			x->name = s + k;
			x->name_len = e - 1 - k;
			x->line = li;
		}
	}
}

/* First index in a[0, n) whose line is >= from. */
static size_t lower_line(const size_t *a, size_t n, size_t from)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a[mid] < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* First entry of a[0, n) at or after (name, from). */
static size_t lower_named(const end_line *a, size_t n, const char *name, size_t name_len, size_t from)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = name_cmp(a[mid].name, a[mid].name_len, name, name_len);
		if (c < 0 || (c == 0 && a[mid].line < from))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* First line in [from, limit) that closes `kind name`, or limit. */
static size_t find_end(const scan *sc, int kind, const char *name, size_t name_len, size_t from, size_t limit)
{
	const end_index *ix = &sc->ends;
	const end_line *arr = kind == FIND_BLOCK ? ix->blocks : ix->latex;
	size_t n = kind == FIND_BLOCK ? ix->nblocks : ix->nlatex, k, line = limit;

	if (from >= limit)
		return limit;
	switch (kind) {
	case FIND_DRAWER:
		k = lower_line(ix->drawers, ix->ndrawers, from);
		if (k < ix->ndrawers)
			line = ix->drawers[k];
		break;
	case FIND_DYNAMIC:
		k = lower_line(ix->dynamics, ix->ndynamics, from);
		if (k < ix->ndynamics)
			line = ix->dynamics[k];
		break;
	default:
		k = lower_named(arr, n, name, name_len, from);
		if (k < n && name_cmp(arr[k].name, arr[k].name_len, name, name_len) == 0)
			line = arr[k].line;
		break;
	}
	return line < limit ? line : limit;
}

/* A table.el table starting at line i (a rule): the index of its last
 * line, or (size_t)-1 when org would not read one there. */
static size_t table_el_end(scan *sc, size_t i, size_t limit)
{
	size_t j;

	if (i + 1 >= limit)
		return (size_t)-1;
	if (sc->table_limit == limit && sc->table_from <= i + 1 && sc->table_hit >= i + 1) {
		j = sc->table_hit;
	} else {
		for (j = i + 1; j < limit; j++)
			if (is_table_el_break(&sc->lines[j]))
				break;
		/* At the end of a text ending with a newline, the empty last
		 * "line" is a break as well. */
		sc->table_from = i + 1;
		sc->table_limit = limit;
		sc->table_hit = j;
	}
	if (j < limit || (limit == sc->nlines && sc->final_newline)) {
		if (j == i + 1)
			return (size_t)-1;
	}
	return is_table_rule(&sc->lines[j - 1]) ? j - 1 : (size_t)-1;
}

static int push_container(scan *sc, size_t end)
{
	if (grow(sc->doc, (void **)&sc->containers, sc->ncontainers, &sc->containers_cap, sizeof(size_t)) < 0)
		return -1;
	sc->containers[sc->ncontainers++] = end;
	return 0;
}

/* `#+KEY: value` where KEY is TODO, SEQ_TODO, TYP_TODO or STARTUP: the key runs to
 * the last colon of the first word, as org's keyword parser reads it. */
static int keyword_line(scan *sc, const org_line *l, size_t i)
{
	size_t j = i + 2, last = (size_t)-1, b, e;
	int kind;

	while (j < l->n && !is_space(l->s[j])) {
		if (l->s[j] == ':')
			last = j;
		j++;
	}
	if (last == (size_t)-1)
		return 0;
	if (ieq(l->s + i + 2, last - i - 2, "TODO"))
		kind = KW_TODO;
	else if (ieq(l->s + i + 2, last - i - 2, "SEQ_TODO"))
		kind = KW_SEQ;
	else if (ieq(l->s + i + 2, last - i - 2, "TYP_TODO"))
		kind = KW_TYP;
	else if (ieq(l->s + i + 2, last - i - 2, "STARTUP"))
		kind = KW_STARTUP;
	else
		return 0;
	b = last + 1;
	e = l->n;
	trim(l->s, &b, &e);
	if (grow(sc->doc, (void **)&sc->kws, sc->nkws, &sc->kws_cap, sizeof(kw_line)) < 0)
		return -1;
	sc->kws[sc->nkws].kind = kind;
	sc->kws[sc->nkws].value.s = l->s + b;
	sc->kws[sc->nkws].value.n = e - b;
	sc->nkws++;
	return 0;
}

static int add_checkbox(scan *sc, size_t line, ln_org_check state, const char *text, size_t len, size_t heading)
{
	ln_org_doc *doc = sc->doc;
	ln_org_checkbox *c;
	size_t b = 0, e = len;

	if (grow(doc, (void **)&doc->checkboxes, doc->checkbox_count, &doc->checkbox_cap, sizeof(*c)) < 0)
		return -1;
	trim(text, &b, &e);
	c = &doc->checkboxes[doc->checkbox_count++];
	c->line = line + 1 > 0x7fffffff ? 0x7fffffff : (int)(line + 1);
	c->state = state;
	c->text = arena_strndup(doc, text + b, e - b);
	c->heading_line = heading > 0x7fffffff ? 0x7fffffff : (int)heading;
	return 0;
}

/* Walks one section, lines [from, section_end). heading is the 1-based
 * line of its headline, 0 for the text before the first one. */
static int scan_section(scan *sc, size_t from, size_t section_end, size_t heading)
{
	size_t i = from;

	sc->ncontainers = 0;
	while (i < section_end && !sc->doc->failed) {
		const org_line *l = &sc->lines[i];
		size_t limit = sc->ncontainers ? sc->containers[sc->ncontainers - 1] : section_end;
		size_t p, after, j;
		ln_org_check state;

		if (sc->ncontainers && i >= limit) {
			/* The closing line of a greater element. */
			sc->ncontainers--;
			i++;
			continue;
		}
		p = skip_blanks(l->s, l->n, 0);
		if (p + 1 < l->n && l->s[p] == '#' && l->s[p + 1] == '+') {
			const char *r = l->s + p + 2;
			size_t rn = l->n - p - 2;
			if (iprefix(r, rn, "BEGIN_") && rn > 6 && !is_space(r[6])) {
				const char *name = r + 6;
				size_t name_len = 0;
				while (6 + name_len < rn && !is_space(name[name_len]))
					name_len++;
				j = find_end(sc, FIND_BLOCK, name, name_len, i + 1, limit);
				if (j < limit) {
					if (ieq(name, name_len, "SRC") || ieq(name, name_len, "EXAMPLE") ||
					    ieq(name, name_len, "EXPORT") || ieq(name, name_len, "COMMENT") ||
					    ieq(name, name_len, "VERSE")) {
						i = j + 1;
					} else {
						if (push_container(sc, j) < 0)
							return -1;
						i++;
					}
					continue;
				}
			} else if (iprefix(r, rn, "BEGIN ") || iprefix(r, rn, "BEGIN: ")) {
				j = find_end(sc, FIND_DYNAMIC, "", 0, i + 1, limit);
				if (j < limit) {
					if (push_container(sc, j) < 0)
						return -1;
					i++;
					continue;
				}
			} else if (keyword_line(sc, l, p) < 0) {
				return -1;
			}
			i++;
			continue;
		}
		if (is_drawer_start(l)) {
			j = find_end(sc, FIND_DRAWER, "", 0, i + 1, limit);
			if (j < limit && push_container(sc, j) < 0)
				return -1;
			i++;
			continue;
		}
		if (iprefix(l->s + p, l->n - p, "\\begin{")) {
			const char *name = l->s + p + 7;
			size_t name_len = 0;
			while (p + 7 + name_len < l->n &&
			       (is_alpha(name[name_len]) || is_digit(name[name_len]) || name[name_len] == '*'))
				name_len++;
			if (name_len && p + 7 + name_len < l->n && name[name_len] == '}') {
				j = find_end(sc, FIND_LATEX, name, name_len, i, limit);
				if (j < limit) {
					i = j + 1;
					continue;
				}
			}
		}
		if (is_table_rule(l)) {
			j = table_el_end(sc, i, limit);
			if (j != (size_t)-1) {
				i = j + 1;
				continue;
			}
		}
		if (is_item(l, &after) && item_checkbox(l, after, &state, &j)) {
			if (add_checkbox(sc, i, state, l->s + j, l->n - j, heading) < 0)
				return -1;
		}
		i++;
	}
	return 0;
}

/* ---- org: keyword sets ---------------------------------------------- */

typedef struct kwset {
	slice *names; /* every keyword, in order (org-todo-keywords-1) */
	size_t nnames, names_cap;
	slice *done;
	size_t ndone, done_cap;
	slice *sorted_names; /* the same, sorted, for lookups */
	slice *sorted_done;
} kwset;

static int kw_push(ln_org_doc *doc, slice **arr, size_t *n, size_t *cap, slice v)
{
	if (grow(doc, (void **)arr, *n, cap, sizeof(slice)) < 0)
		return -1;
	(*arr)[(*n)++] = v;
	return 0;
}

/* One #+TODO-style value: words separated by whitespace, "|" between the
 * open and the done ones (without it, the last word is the done one), a
 * "(...)" suffix (fast-access key, logging) stripped from each. */
static int kw_sequence(ln_org_doc *doc, kwset *set, slice value)
{
	size_t i = 0, first_name = set->nnames;
	int seen_bar = 0;

	while (i < value.n) {
		slice w;
		while (i < value.n && is_space(value.s[i]))
			i++;
		if (i >= value.n)
			break;
		w.s = value.s + i;
		while (i < value.n && !is_space(value.s[i]))
			i++;
		w.n = (size_t)(value.s + i - w.s);
		if (w.n == 1 && w.s[0] == '|') {
			/* A second "|" is, for org, a done keyword of its own
			 * (though never in a headline). */
			if (seen_bar && kw_push(doc, &set->done, &set->ndone, &set->done_cap, w) < 0)
				return -1;
			seen_bar = 1;
			continue;
		}
		{
			/* Name: up to the first "(" when the word ends with ")"
			 * (org strips done names the same way). */
			slice name = w;
			const char *open = memchr(w.s, '(', w.n);
			if (open && w.s[w.n - 1] == ')')
				name.n = (size_t)(open - w.s);
			if (name.n && kw_push(doc, &set->names, &set->nnames, &set->names_cap, name) < 0)
				return -1;
			if (seen_bar && name.n && kw_push(doc, &set->done, &set->ndone, &set->done_cap, name) < 0)
				return -1;
		}
	}
	if (!seen_bar && set->nnames > first_name) {
		if (kw_push(doc, &set->done, &set->ndone, &set->done_cap, set->names[set->nnames - 1]) < 0)
			return -1;
	}
	return 0;
}

/* Orders slices bytewise, shorter first on a common prefix. */
static int slice_cmp(const void *pa, const void *pb)
{
	const slice *a = pa, *b = pb;
	size_t n = a->n < b->n ? a->n : b->n;
	int c = n ? memcmp(a->s, b->s, n) : 0;
	if (c)
		return c;
	return a->n < b->n ? -1 : a->n > b->n;
}

/* Is v in the sorted array? */
static int kw_contains(const slice *sorted, size_t n, slice v)
{
	return n && bsearch(&v, sorted, n, sizeof(slice), slice_cmp) != NULL;
}

/* A sorted copy of arr, or NULL without memory (n may be 0). */
static slice *kw_sorted(ln_org_doc *doc, const slice *arr, size_t n)
{
	slice *copy = malloc((n + 1) * sizeof(slice));
	if (!copy) {
		doc->failed = 1;
		return NULL;
	}
	if (n) {
		memcpy(copy, arr, n * sizeof(slice));
		qsort(copy, n, sizeof(slice), slice_cmp);
	}
	return copy;
}

/* A position in a keyword list, to find first occurrences by sorting. */
typedef struct kw_pos {
	slice word;
	size_t at;
} kw_pos;

static int kw_pos_cmp(const void *pa, const void *pb)
{
	const kw_pos *a = pa, *b = pb;
	int c = slice_cmp(&a->word, &b->word);
	if (c)
		return c;
	return a->at < b->at ? -1 : a->at > b->at;
}

/* Marks in first[i] whether arr[i] is the first occurrence of its word. */
static int kw_first(ln_org_doc *doc, const slice *arr, size_t n, unsigned char *first)
{
	kw_pos *pos = malloc((n + 1) * sizeof(kw_pos));
	size_t i;

	if (!pos) {
		doc->failed = 1;
		return -1;
	}
	for (i = 0; i < n; i++) {
		pos[i].word = arr[i];
		pos[i].at = i;
		first[i] = 0;
	}
	qsort(pos, n, sizeof(kw_pos), kw_pos_cmp);
	for (i = 0; i < n; i++)
		if (i == 0 || slice_cmp(&pos[i - 1].word, &pos[i].word) != 0)
			first[pos[i].at] = 1;
	free(pos);
	return 0;
}

/* Fills set from the keyword lines (TYP_TODO first, then TODO, then
 * SEQ_TODO, as org does) or with TODO / DONE when there are none. */
static int kw_build(ln_org_doc *doc, const scan *sc, kwset *set)
{
	static const int order[3] = { KW_TYP, KW_TODO, KW_SEQ };
	size_t i, o;

	for (i = 0; i < sc->nkws; i++)
		if (sc->kws[i].kind != KW_STARTUP)
			break;
	if (i == sc->nkws) {
		slice todo = { "TODO", 4 }, done = { "DONE", 4 };
		if (kw_push(doc, &set->names, &set->nnames, &set->names_cap, todo) < 0 ||
		    kw_push(doc, &set->names, &set->nnames, &set->names_cap, done) < 0 ||
		    kw_push(doc, &set->done, &set->ndone, &set->done_cap, done) < 0)
			return -1;
		return 0;
	}
	for (o = 0; o < 3; o++)
		for (i = 0; i < sc->nkws; i++)
			if (sc->kws[i].kind == order[o] && kw_sequence(doc, set, sc->kws[i].value) < 0)
				return -1;
	if (set->ndone == 0 && set->nnames > 0 &&
	    kw_push(doc, &set->done, &set->ndone, &set->done_cap, set->names[set->nnames - 1]) < 0)
		return -1;
	return 0;
}

/* Copies the sets into doc: open keywords (every name that is not done)
 * and done keywords, each once, in order; and sorts set for lookups. */
static int kw_publish(ln_org_doc *doc, kwset *set)
{
	size_t i, most = set->nnames > set->ndone ? set->nnames : set->ndone;
	unsigned char *first = malloc(most + 1);
	int rc = -1;

	doc->todo_kw = malloc((set->nnames + 1) * sizeof(char *));
	doc->done_kw = malloc((set->ndone + 1) * sizeof(char *));
	set->sorted_names = kw_sorted(doc, set->names, set->nnames);
	set->sorted_done = kw_sorted(doc, set->done, set->ndone);
	if (!first || !doc->todo_kw || !doc->done_kw || !set->sorted_names || !set->sorted_done) {
		doc->failed = 1;
		goto cleanup;
	}
	if (kw_first(doc, set->names, set->nnames, first) < 0)
		goto cleanup;
	for (i = 0; i < set->nnames; i++)
		if (first[i] && !kw_contains(set->sorted_done, set->ndone, set->names[i]))
			doc->todo_kw[doc->todo_count++] = arena_strndup(doc, set->names[i].s, set->names[i].n);
	if (kw_first(doc, set->done, set->ndone, first) < 0)
		goto cleanup;
	for (i = 0; i < set->ndone; i++)
		if (first[i])
			doc->done_kw[doc->done_count++] = arena_strndup(doc, set->done[i].s, set->done[i].n);
	rc = doc->failed ? -1 : 0;
cleanup:
	free(first);
	return rc;
}

/* #+STARTUP: odd (org-odd-levels-only) makes a headline of n stars level
 * 1 + n / 2; a later "oddeven" undoes it. */
static int startup_odd(const scan *sc)
{
	size_t i, k;
	int odd = 0;

	for (i = 0; i < sc->nkws; i++) {
		slice v = sc->kws[i].value;
		if (sc->kws[i].kind != KW_STARTUP)
			continue;
		for (k = 0; k < v.n;) {
			size_t b;
			while (k < v.n && is_space(v.s[k]))
				k++;
			b = k;
			while (k < v.n && !is_space(v.s[k]))
				k++;
			if (ieq(v.s + b, k - b, "odd"))
				odd = 1;
			else if (ieq(v.s + b, k - b, "oddeven"))
				odd = 0;
		}
	}
	return odd;
}

/* ---- org: headlines -------------------------------------------------- */

/* Bytes of the UTF-8 character at s[i] (1 for anything malformed). */
static size_t utf8_len(const char *s, size_t n, size_t i)
{
	unsigned char c = (unsigned char)s[i];
	size_t len, k;
	if (c < 0xC2)
		return 1;
	len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 1;
	if (i + len > n)
		return 1;
	for (k = 1; k < len; k++)
		if (((unsigned char)s[i + k] & 0xC0) != 0x80)
			return 1;
	return len;
}

/* Timestamp at s[t] (org-element-timestamp-parser): returns its length as
 * written, or 0 when org would not read a timestamp there. */
static size_t timestamp_at(const char *s, size_t n, size_t t)
{
	size_t i, e, ok = 0;

	if (t >= n || (s[t] != '<' && s[t] != '['))
		return 0;
	/* [[<]YYYY-MM-DD( .*?)?[]>] */
	i = t + 1;
	if (i + 10 <= n && is_digit(s[i]) && is_digit(s[i + 1]) && is_digit(s[i + 2]) && is_digit(s[i + 3]) &&
	    s[i + 4] == '-' && is_digit(s[i + 5]) && is_digit(s[i + 6]) && s[i + 7] == '-' && is_digit(s[i + 8]) &&
	    is_digit(s[i + 9])) {
		i += 10;
		if (i < n && (s[i] == ']' || s[i] == '>')) {
			ok = 1;
		} else if (i < n && s[i] == ' ') {
			for (i++; i < n; i++)
				if (s[i] == ']' || s[i] == '>')
					break;
			ok = i < n;
		}
	}
	if (!ok && s[t] == '<') {
		size_t g = t + 1;
		while (g < n && s[g] != '>')
			g++;
		if (g < n) {
			/* <%%(...)> */
			if (g >= t + 6 && s[t + 1] == '%' && s[t + 2] == '%' && s[t + 3] == '(' && s[g - 1] == ')')
				ok = 1;
			/* <D+-D+-D+ F+ +D+[dwmy]> */
			if (!ok) {
				size_t k = t + 1, groups = 0;
				while (groups < 3) {
					size_t d = k;
					while (k < g && is_digit(s[k]))
						k++;
					if (k == d)
						break;
					groups++;
					if (groups < 3) {
						if (k >= g || s[k] != '-')
							break;
						k++;
					}
				}
				if (groups == 3) {
					/* k is past the third digit group; it needs one digit,
					 * then at least one filler byte before "+N[dwmy]". */
					size_t third_first = k;
					size_t q = g;
					while (third_first > t + 1 && is_digit(s[third_first - 1]))
						third_first--;
					if (q > 0 && (s[q - 1] == 'd' || s[q - 1] == 'w' || s[q - 1] == 'm' || s[q - 1] == 'y')) {
						size_t de = --q;
						while (q > 0 && is_digit(s[q - 1]))
							q--;
						if (q < de && q > 0 && s[q - 1] == '+' && q - 1 >= third_first + 2)
							ok = 1;
					}
				}
			}
		}
	}
	if (!ok)
		return 0;
	/* As written: up to the first ] or >, and a "--<...>" range after it. */
	for (e = t + 1; e < n && s[e] != ']' && s[e] != '>'; e++)
		;
	if (e >= n)
		return 0;
	e++;
	if (e + 2 < n && s[e] == '-' && s[e + 1] == '-' && (s[e + 2] == '<' || s[e + 2] == '[')) {
		size_t f;
		for (f = e + 3; f < n && s[f] != ']' && s[f] != '>'; f++)
			;
		if (f < n)
			e = f + 1;
	}
	return e - t;
}

/* Is line l a planning line: `^[ \t]*(CLOSED:|DEADLINE:|SCHEDULED:)`? */
static int is_planning(const org_line *l)
{
	size_t i = skip_blanks(l->s, l->n, 0);
	return iprefix(l->s + i, l->n - i, "CLOSED:") || iprefix(l->s + i, l->n - i, "DEADLINE:") ||
	       iprefix(l->s + i, l->n - i, "SCHEDULED:");
}

/* Reads the planning line l into h, as org-element--get-time-properties
 * does. Org's search is quadratic on hostile lines; here the bracket search
 * only moves forward and at most PLANNING_MAX keywords are read per line
 * (a real planning line has three). */
#define PLANNING_MAX 16

static void planning(ln_org_doc *doc, ln_org_headline *h, const org_line *l)
{
	static const char *const keys[3] = { "SCHEDULED:", "DEADLINE:", "CLOSED:" };
	const char *s = l->s;
	size_t n = l->n, pos = 0, close_at = 0, rounds;
	int close_known = 0;

	for (rounds = 0; pos < n && rounds < PLANNING_MAX; rounds++) {
		size_t k, found = (size_t)-1, klen = 0, t, e;
		/* re-search-forward `\<(SCHEDULED:|DEADLINE:|CLOSED:) *[[<][^]>]+[]>]` */
		for (k = pos; k < n && found == (size_t)-1; k++) {
			size_t w;
			if (k > 0 && is_word(s[k - 1]))
				continue;
			for (w = 0; w < 3; w++) {
				size_t len = strlen(keys[w]), q;
				if (!iprefix(s + k, n - k, keys[w]))
					continue;
				q = k + len;
				while (q < n && s[q] == ' ')
					q++;
				if (q >= n || (s[q] != '[' && s[q] != '<'))
					continue;
				q++;
				/* The first ] or > from q on; q only grows. */
				if (!close_known || close_at < q) {
					for (close_at = q; close_at < n && s[close_at] != ']' && s[close_at] != '>'; close_at++)
						;
					close_known = 1;
				}
				if (close_at >= n || close_at == q)
					continue;
				found = k;
				klen = len;
				break;
			}
		}
		if (found == (size_t)-1)
			return;
		t = skip_blanks(s, n, found + klen);
		e = timestamp_at(s, n, t);
		{
			const char *value = e ? arena_strndup(doc, s + t, e) : NULL;
			if (klen == 10 && memcmp(s + found, "SCHEDULED:", 10) == 0)
				h->scheduled = value;
			else if (klen == 9 && memcmp(s + found, "DEADLINE:", 9) == 0)
				h->deadline = value;
			else
				h->closed = value;
		}
		pos = t;
	}
}

/* A line inside a property drawer (org-property-drawer-re):
 * `[ \t]*:\S-+:( .*)?[ \t]*`. Fills key and value when it is one. */
static int property_line(const org_line *l, slice *key, slice *value)
{
	size_t i = skip_blanks(l->s, l->n, 0), j, b, e;

	if (i >= l->n || l->s[i] != ':')
		return 0;
	j = i + 1;
	while (j < l->n && !is_space(l->s[j]))
		j++;
	if (j - i < 3 || l->s[j - 1] != ':')
		return 0;
	if (j < l->n && l->s[j] != ' ' && !rest_blank(l->s, l->n, j))
		return 0;
	key->s = l->s + i + 1;
	key->n = j - i - 2;
	b = j;
	e = l->n;
	trim(l->s, &b, &e);
	value->s = l->s + b;
	value->n = e - b;
	return 1;
}

/* The property drawer starting at line p, if it is a complete one. */
static void properties(ln_org_doc *doc, ln_org_headline *h, const org_line *lines, size_t nlines, size_t p)
{
	size_t i, end, count;
	ln_org_property *props;

	if (p >= nlines)
		return;
	{
		const org_line *l = &lines[p];
		size_t k = skip_blanks(l->s, l->n, 0);
		if (!iprefix(l->s + k, l->n - k, ":PROPERTIES:") || !rest_blank(l->s, l->n, k + 12))
			return;
	}
	for (end = p + 1; end < nlines; end++) {
		slice key, value;
		if (is_drawer_end(&lines[end]))
			break;
		if (!property_line(&lines[end], &key, &value))
			return;
	}
	if (end >= nlines)
		return;
	count = end - p - 1;
	if (count == 0)
		return;
	props = arena_alloc(doc, count * sizeof(*props));
	if (!props)
		return;
	for (i = 0; i < count; i++) {
		slice key, value;
		property_line(&lines[p + 1 + i], &key, &value);
		props[i].key = arena_strndup(doc, key.s, key.n);
		props[i].value = arena_strndup(doc, value.s, value.n);
	}
	h->properties = props;
	h->property_count = count;
}

static int tag_char(char c)
{
	return is_word(c) || c == '_' || c == '@' || c == '#' || c == '%' || c == ':';
}

static int add_headline(ln_org_doc *doc, const kwset *set, int odd, const org_line *lines, size_t nlines, size_t li)
{
	const org_line *l = &lines[li];
	const char *s = l->s;
	size_t n = l->n, p = 0, title_start, title_end, q;
	ln_org_headline *h;
	int has_todo = 0, has_priority = 0;

	if (grow(doc, (void **)&doc->headlines, doc->headline_count, &doc->headline_cap, sizeof(*h)) < 0)
		return -1;
	h = &doc->headlines[doc->headline_count++];
	memset(h, 0, sizeof(*h));
	h->line = li + 1 > 0x7fffffff ? 0x7fffffff : (int)(li + 1);
	h->level = headline_level(l);
	if (odd)
		h->level = 1 + h->level / 2;
	while (p < n && s[p] == '*')
		p++;
	p = skip_blanks(s, n, p);

	/* The keyword: the word up to the next space, followed by that space. */
	q = p;
	while (q < n && s[q] != ' ')
		q++;
	if (q < n && q > p) {
		slice w = { s + p, q - p };
		if (kw_contains(set->sorted_names, set->nnames, w)) {
			h->todo = arena_strndup(doc, w.s, w.n);
			h->todo_type = kw_contains(set->sorted_done, set->ndone, w) ? LN_ORG_TODO_DONE : LN_ORG_TODO_TODO;
			has_todo = 1;
			p = skip_blanks(s, n, q);
		}
	}
	/* [#X] */
	if (p + 1 < n && s[p] == '[' && s[p + 1] == '#' && p + 2 < n) {
		size_t cl = utf8_len(s, n, p + 2);
		if (p + 2 + cl < n && s[p + 2 + cl] == ']') {
			h->priority = arena_strndup(doc, s + p + 2, cl);
			has_priority = 1;
			p = skip_blanks(s, n, p + 3 + cl);
		}
	}
	if (n - p >= 7 && memcmp(s + p, "COMMENT", 7) == 0) {
		h->comment = 1;
		p += 7;
	}
	title_start = p;
	if (!has_todo && !has_priority && !h->comment)
		while (title_start > 0 && is_blank(s[title_start - 1]))
			title_start--;

	/* Tags: `[ \t]+(:[[:alnum:]_@#%:]+:)[ \t]*$` from title_start on. */
	title_end = n;
	{
		size_t e = n, r;
		while (e > title_start && is_blank(s[e - 1]))
			e--;
		r = e;
		while (r > title_start && tag_char(s[r - 1]))
			r--;
		if (e - r >= 3 && s[r] == ':' && s[e - 1] == ':' && r > title_start && is_blank(s[r - 1])) {
			size_t w = r, count = 0, k, t;
			const char **tags;
			while (w > title_start && is_blank(s[w - 1]))
				w--;
			title_end = w;
			/* Tags are the pieces between colons, empty ones included
			 * (org-split-string keeps them). */
			for (k = r + 1; k < e; k++)
				if (s[k] == ':')
					count++;
			tags = arena_alloc(doc, count * sizeof(*tags));
			if (!tags)
				return -1;
			for (k = r + 1, t = 0; t < count; t++) {
				size_t m = k;
				while (m < e && s[m] != ':')
					m++;
				tags[t] = arena_strndup(doc, s + k, m - k);
				k = m + 1;
			}
			h->tags = tags;
			h->tag_count = count;
		}
	}
	if (title_end < title_start)
		title_end = title_start;
	{
		size_t b = title_start, e = title_end;
		trim(s, &b, &e);
		h->title = arena_strndup(doc, s + b, e - b);
	}

	/* Planning on the next line only; properties right after. */
	if (li + 1 < nlines && is_planning(&lines[li + 1])) {
		planning(doc, h, &lines[li + 1]);
		properties(doc, h, lines, nlines, li + 2);
	} else {
		properties(doc, h, lines, nlines, li + 1);
	}
	return doc->failed ? -1 : 0;
}

/* ---- entry points ---------------------------------------------------- */

static ln_org_doc *doc_new(size_t len)
{
	ln_org_doc *doc = calloc(1, sizeof(ln_org_doc));
	if (doc)
		doc->arena_hint = len < ARENA_MIN - 1024 ? len + 1024 : ARENA_MIN;
	return doc;
}

int ln_org_parse(ln_org_doc **out, const char *text, size_t len, ln_error *err)
{
	ln_org_doc *doc = NULL;
	org_line *lines = NULL;
	size_t nlines = 0, *heads = NULL, nheads = 0, heads_cap = 0, i;
	scan sc;
	kwset set;
	int final_newline = 0, odd, rc = LN_ENOMEM;

	memset(&sc, 0, sizeof(sc));
	memset(&set, 0, sizeof(set));
	if (!out)
		return ln_error_set(err, LN_EINVALID, "ln_org_parse: out is NULL");
	*out = NULL;
	if (!text && len)
		return ln_error_set(err, LN_EINVALID, "ln_org_parse: text is NULL");
	if (!text)
		text = "";
	doc = doc_new(len);
	if (!doc)
		goto cleanup;
	lines = split_lines(text, len, &nlines, &final_newline);
	if (!lines)
		goto cleanup;

	sc.doc = doc;
	sc.lines = lines;
	sc.nlines = nlines;
	sc.final_newline = final_newline;
	sc.ends.blocks = malloc((nlines + 1) * sizeof(end_line));
	sc.ends.latex = malloc((nlines + 1) * sizeof(end_line));
	sc.ends.drawers = malloc((nlines + 1) * sizeof(size_t));
	sc.ends.dynamics = malloc((nlines + 1) * sizeof(size_t));
	if (!sc.ends.blocks || !sc.ends.latex || !sc.ends.drawers || !sc.ends.dynamics)
		goto cleanup;
	for (i = 0; i < nlines; i++) {
		if (headline_level(&lines[i])) {
			if (grow(doc, (void **)&heads, nheads, &heads_cap, sizeof(size_t)) < 0)
				goto cleanup;
			heads[nheads++] = i;
		} else {
			index_end(&sc.ends, &lines[i], i);
		}
	}
	qsort(sc.ends.blocks, sc.ends.nblocks, sizeof(end_line), end_line_cmp);
	qsort(sc.ends.latex, sc.ends.nlatex, sizeof(end_line), end_line_cmp);
	/* The structure pass, section by section. */
	{
		size_t from = 0, heading = 0, h;
		for (h = 0; h <= nheads; h++) {
			size_t end = h < nheads ? heads[h] : nlines;
			if (scan_section(&sc, from, end, heading) < 0)
				goto cleanup;
			if (h < nheads) {
				from = heads[h] + 1;
				heading = heads[h] + 1;
			}
		}
	}
	if (kw_build(doc, &sc, &set) < 0 || kw_publish(doc, &set) < 0)
		goto cleanup;
	odd = startup_odd(&sc);
	for (i = 0; i < nheads; i++)
		if (add_headline(doc, &set, odd, lines, nlines, heads[i]) < 0)
			goto cleanup;
	if (doc->failed)
		goto cleanup;
	*out = doc;
	doc = NULL;
	rc = 0;

cleanup:
	if (rc < 0)
		ln_error_set(err, rc, "ln_org_parse: out of memory");
	ln_org_free(doc);
	free(lines);
	free(heads);
	free(sc.ends.blocks);
	free(sc.ends.latex);
	free(sc.ends.drawers);
	free(sc.ends.dynamics);
	free(sc.kws);
	free(sc.containers);
	free(set.names);
	free(set.done);
	free(set.sorted_names);
	free(set.sorted_done);
	return rc;
}

/* ---- Markdown --------------------------------------------------------- */

/* A fence line (``` or ~~~, three or more): its character and length. */
static int md_fence(const org_line *l, char *c, size_t *count)
{
	size_t i = skip_blanks(l->s, l->n, 0), j;
	if (i >= l->n || (l->s[i] != '`' && l->s[i] != '~'))
		return 0;
	for (j = i; j < l->n && l->s[j] == l->s[i]; j++)
		;
	if (j - i < 3)
		return 0;
	*c = l->s[i];
	*count = j - i;
	if (*c == '`' && memchr(l->s + j, '`', l->n - j))
		return 0; /* a backtick fence's info string has no backtick */
	return 1;
}

static int md_heading(ln_org_doc *doc, const org_line *l, size_t li)
{
	const char *s = l->s;
	size_t n = l->n, i = 0, level, b, e;
	ln_org_headline *h;

	while (i < n && i < 4 && s[i] == ' ')
		i++;
	if (i > 3)
		return 0;
	b = i;
	while (i < n && s[i] == '#')
		i++;
	level = i - b;
	if (level < 1 || level > 6 || (i < n && !is_blank(s[i])))
		return 0;
	if (grow(doc, (void **)&doc->headlines, doc->headline_count, &doc->headline_cap, sizeof(*h)) < 0)
		return -1;
	h = &doc->headlines[doc->headline_count++];
	memset(h, 0, sizeof(*h));
	h->line = li + 1 > 0x7fffffff ? 0x7fffffff : (int)(li + 1);
	h->level = (int)level;
	b = i;
	e = n;
	trim(s, &b, &e);
	/* A closing run of # preceded by a blank (or the whole title). */
	{
		size_t k = e;
		while (k > b && s[k - 1] == '#')
			k--;
		if (k < e && (k == b || is_blank(s[k - 1]))) {
			e = k;
			trim(s, &b, &e);
		}
	}
	if (e - b > 5 && (memcmp(s + b, "TODO ", 5) == 0 || memcmp(s + b, "DONE ", 5) == 0)) {
		h->todo = s[b] == 'T' ? "TODO" : "DONE";
		h->todo_type = s[b] == 'T' ? LN_ORG_TODO_TODO : LN_ORG_TODO_DONE;
		b += 5;
		trim(s, &b, &e);
	}
	h->title = arena_strndup(doc, s + b, e - b);
	return doc->failed ? -1 : 1;
}

static int md_task(const org_line *l, ln_org_check *state, size_t *text)
{
	const char *s = l->s;
	size_t n = l->n, i = skip_blanks(s, n, 0), j;

	if (i >= n)
		return 0;
	if (s[i] == '-' || s[i] == '*' || s[i] == '+') {
		j = i + 1;
	} else if (is_digit(s[i])) {
		j = i;
		while (j < n && j - i < 9 && is_digit(s[j]))
			j++;
		if (j >= n || (s[j] != '.' && s[j] != ')'))
			return 0;
		j++;
	} else {
		return 0;
	}
	if (j >= n || !is_blank(s[j]))
		return 0;
	j = skip_blanks(s, n, j);
	if (j + 2 >= n || s[j] != '[' || s[j + 2] != ']')
		return 0;
	if (j + 3 < n && !is_blank(s[j + 3]))
		return 0;
	if (s[j + 1] == ' ')
		*state = LN_ORG_CHECK_OFF;
	else if (s[j + 1] == 'x' || s[j + 1] == 'X')
		*state = LN_ORG_CHECK_ON;
	else
		return 0;
	*text = j + 3;
	return 1;
}

int ln_org_parse_markdown(ln_org_doc **out, const char *text, size_t len, ln_error *err)
{
	ln_org_doc *doc = NULL;
	org_line *lines = NULL;
	size_t nlines = 0, i, heading = 0, fence_len = 0;
	char fence_char = 0;
	int final_newline, rc = LN_ENOMEM;
	scan sc;

	memset(&sc, 0, sizeof(sc));
	if (!out)
		return ln_error_set(err, LN_EINVALID, "ln_org_parse_markdown: out is NULL");
	*out = NULL;
	if (!text && len)
		return ln_error_set(err, LN_EINVALID, "ln_org_parse_markdown: text is NULL");
	if (!text)
		text = "";
	doc = doc_new(len);
	if (!doc)
		goto cleanup;
	lines = split_lines(text, len, &nlines, &final_newline);
	if (!lines)
		goto cleanup;
	sc.doc = doc;
	for (i = 0; i < nlines; i++) {
		const org_line *l = &lines[i];
		char c;
		size_t count, t;
		ln_org_check state;
		int r;

		if (fence_char) {
			if (md_fence(l, &c, &count) && c == fence_char && count >= fence_len &&
			    rest_blank(l->s, l->n, skip_blanks(l->s, l->n, 0) + count))
				fence_char = 0;
			continue;
		}
		if (md_fence(l, &c, &count)) {
			fence_char = c;
			fence_len = count;
			continue;
		}
		r = md_heading(doc, l, i);
		if (r < 0)
			goto cleanup;
		if (r > 0) {
			heading = i + 1;
			continue;
		}
		if (md_task(l, &state, &t) && add_checkbox(&sc, i, state, l->s + t, l->n - t, heading) < 0)
			goto cleanup;
	}
	doc->todo_kw = malloc(sizeof(char *));
	doc->done_kw = malloc(sizeof(char *));
	if (!doc->todo_kw || !doc->done_kw || doc->failed)
		goto cleanup;
	doc->todo_kw[doc->todo_count++] = "TODO";
	doc->done_kw[doc->done_count++] = "DONE";
	*out = doc;
	doc = NULL;
	rc = 0;

cleanup:
	if (rc < 0)
		ln_error_set(err, rc, "ln_org_parse_markdown: out of memory");
	ln_org_free(doc);
	free(lines);
	return rc;
}
