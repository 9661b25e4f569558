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
#include "fsutil.h"

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

/* A word constituent in a drawer name (\w): ASCII letters and digits, and
 * any byte of a multibyte UTF-8 character (Emacs gives most non-ASCII
 * characters word syntax). */
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

/* The code point of the UTF-8 character at s[i] (bounded by n) and its
 * length; a malformed byte is one character that is no letter. */
static size_t utf8_decode(const char *s, size_t n, size_t i, unsigned int *cp)
{
	uint32_t c;
	size_t len = ln__utf8_decode(s + i, n - i, &c);
	if (len == 0) {
		*cp = (unsigned char)s[i] < 0x80 ? (unsigned char)s[i] : 0xFFFFFFFFu;
		return 1;
	}
	*cp = c;
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

/* Is there a word boundary (`\<`) before s[k], for a keyword in ASCII
 * letters? Not after an ASCII letter or digit, nor after a word character
 * of the Latin script (Emacs sees no boundary there; after another script
 * or punctuation it does). */
static int word_boundary_before(const char *s, size_t n, size_t k)
{
	size_t b = k, len;
	unsigned int cp;

	if (k == 0)
		return 1;
	if ((unsigned char)s[k - 1] < 0x80)
		return !(is_alpha(s[k - 1]) || is_digit(s[k - 1]));
	while (b > 0 && k - b < 4 && ((unsigned char)s[b - 1] & 0xC0) == 0x80)
		b--;
	if (b > 0)
		b--;
	len = utf8_decode(s, n, b, &cp);
	if (b + len != k)
		return 1; /* a stray byte */
	if (cp == 0xA5 || cp == 0xB2 || cp == 0xB3 || cp == 0xB5 || cp == 0xB7 || cp == 0xB9)
		return 0;
	if (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7)
		return 0;
	if (cp >= 0x1E00 && cp <= 0x1EFF)
		return 0;
	if (cp >= 0x2B0 && cp <= 0x2FF && cp != 0x2C7 && cp != 0x2C9 && cp != 0x2D0 && !(cp >= 0x2D8 && cp <= 0x2DB) &&
	    cp != 0x2DD)
		return 0;
	return 1;
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
			if (!word_boundary_before(s, n, k))
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

/* Emacs' [[:alnum:]] beyond ASCII: letters, marks, letter numbers and
 * decimal digits of Unicode (Emacs' alphanumericp). */
/* Generated by tests/org/gen_alnum.py (Unicode 14.0.0): 745 ranges. */
static const unsigned int alnum_ranges[][2] = {
	{ 0xAA, 0xAA }, { 0xB5, 0xB5 }, { 0xBA, 0xBA }, { 0xC0, 0xD6 }, { 0xD8, 0xF6 }, { 0xF8, 0x2C1 },
	{ 0x2C6, 0x2D1 }, { 0x2E0, 0x2E4 }, { 0x2EC, 0x2EC }, { 0x2EE, 0x2EE }, { 0x300, 0x374 },
	{ 0x376, 0x377 }, { 0x37A, 0x37D }, { 0x37F, 0x37F }, { 0x386, 0x386 }, { 0x388, 0x38A },
	{ 0x38C, 0x38C }, { 0x38E, 0x3A1 }, { 0x3A3, 0x3F5 }, { 0x3F7, 0x481 }, { 0x483, 0x52F },
	{ 0x531, 0x556 }, { 0x559, 0x559 }, { 0x560, 0x588 }, { 0x591, 0x5BD }, { 0x5BF, 0x5BF },
	{ 0x5C1, 0x5C2 }, { 0x5C4, 0x5C5 }, { 0x5C7, 0x5C7 }, { 0x5D0, 0x5EA }, { 0x5EF, 0x5F2 },
	{ 0x610, 0x61A }, { 0x620, 0x669 }, { 0x66E, 0x6D3 }, { 0x6D5, 0x6DC }, { 0x6DF, 0x6E8 },
	{ 0x6EA, 0x6FC }, { 0x6FF, 0x6FF }, { 0x710, 0x74A }, { 0x74D, 0x7B1 }, { 0x7C0, 0x7F5 },
	{ 0x7FA, 0x7FA }, { 0x7FD, 0x7FD }, { 0x800, 0x82D }, { 0x840, 0x85B }, { 0x860, 0x86A },
	{ 0x870, 0x887 }, { 0x889, 0x88E }, { 0x898, 0x8E1 }, { 0x8E3, 0x963 }, { 0x966, 0x96F },
	{ 0x971, 0x983 }, { 0x985, 0x98C }, { 0x98F, 0x990 }, { 0x993, 0x9A8 }, { 0x9AA, 0x9B0 },
	{ 0x9B2, 0x9B2 }, { 0x9B6, 0x9B9 }, { 0x9BC, 0x9C4 }, { 0x9C7, 0x9C8 }, { 0x9CB, 0x9CE },
	{ 0x9D7, 0x9D7 }, { 0x9DC, 0x9DD }, { 0x9DF, 0x9E3 }, { 0x9E6, 0x9F1 }, { 0x9FC, 0x9FC },
	{ 0x9FE, 0x9FE }, { 0xA01, 0xA03 }, { 0xA05, 0xA0A }, { 0xA0F, 0xA10 }, { 0xA13, 0xA28 },
	{ 0xA2A, 0xA30 }, { 0xA32, 0xA33 }, { 0xA35, 0xA36 }, { 0xA38, 0xA39 }, { 0xA3C, 0xA3C },
	{ 0xA3E, 0xA42 }, { 0xA47, 0xA48 }, { 0xA4B, 0xA4D }, { 0xA51, 0xA51 }, { 0xA59, 0xA5C },
	{ 0xA5E, 0xA5E }, { 0xA66, 0xA75 }, { 0xA81, 0xA83 }, { 0xA85, 0xA8D }, { 0xA8F, 0xA91 },
	{ 0xA93, 0xAA8 }, { 0xAAA, 0xAB0 }, { 0xAB2, 0xAB3 }, { 0xAB5, 0xAB9 }, { 0xABC, 0xAC5 },
	{ 0xAC7, 0xAC9 }, { 0xACB, 0xACD }, { 0xAD0, 0xAD0 }, { 0xAE0, 0xAE3 }, { 0xAE6, 0xAEF },
	{ 0xAF9, 0xAFF }, { 0xB01, 0xB03 }, { 0xB05, 0xB0C }, { 0xB0F, 0xB10 }, { 0xB13, 0xB28 },
	{ 0xB2A, 0xB30 }, { 0xB32, 0xB33 }, { 0xB35, 0xB39 }, { 0xB3C, 0xB44 }, { 0xB47, 0xB48 },
	{ 0xB4B, 0xB4D }, { 0xB55, 0xB57 }, { 0xB5C, 0xB5D }, { 0xB5F, 0xB63 }, { 0xB66, 0xB6F },
	{ 0xB71, 0xB71 }, { 0xB82, 0xB83 }, { 0xB85, 0xB8A }, { 0xB8E, 0xB90 }, { 0xB92, 0xB95 },
	{ 0xB99, 0xB9A }, { 0xB9C, 0xB9C }, { 0xB9E, 0xB9F }, { 0xBA3, 0xBA4 }, { 0xBA8, 0xBAA },
	{ 0xBAE, 0xBB9 }, { 0xBBE, 0xBC2 }, { 0xBC6, 0xBC8 }, { 0xBCA, 0xBCD }, { 0xBD0, 0xBD0 },
	{ 0xBD7, 0xBD7 }, { 0xBE6, 0xBEF }, { 0xC00, 0xC0C }, { 0xC0E, 0xC10 }, { 0xC12, 0xC28 },
	{ 0xC2A, 0xC39 }, { 0xC3C, 0xC44 }, { 0xC46, 0xC48 }, { 0xC4A, 0xC4D }, { 0xC55, 0xC56 },
	{ 0xC58, 0xC5A }, { 0xC5D, 0xC5D }, { 0xC60, 0xC63 }, { 0xC66, 0xC6F }, { 0xC80, 0xC83 },
	{ 0xC85, 0xC8C }, { 0xC8E, 0xC90 }, { 0xC92, 0xCA8 }, { 0xCAA, 0xCB3 }, { 0xCB5, 0xCB9 },
	{ 0xCBC, 0xCC4 }, { 0xCC6, 0xCC8 }, { 0xCCA, 0xCCD }, { 0xCD5, 0xCD6 }, { 0xCDD, 0xCDE },
	{ 0xCE0, 0xCE3 }, { 0xCE6, 0xCEF }, { 0xCF1, 0xCF2 }, { 0xD00, 0xD0C }, { 0xD0E, 0xD10 },
	{ 0xD12, 0xD44 }, { 0xD46, 0xD48 }, { 0xD4A, 0xD4E }, { 0xD54, 0xD57 }, { 0xD5F, 0xD63 },
	{ 0xD66, 0xD6F }, { 0xD7A, 0xD7F }, { 0xD81, 0xD83 }, { 0xD85, 0xD96 }, { 0xD9A, 0xDB1 },
	{ 0xDB3, 0xDBB }, { 0xDBD, 0xDBD }, { 0xDC0, 0xDC6 }, { 0xDCA, 0xDCA }, { 0xDCF, 0xDD4 },
	{ 0xDD6, 0xDD6 }, { 0xDD8, 0xDDF }, { 0xDE6, 0xDEF }, { 0xDF2, 0xDF3 }, { 0xE01, 0xE3A },
	{ 0xE40, 0xE4E }, { 0xE50, 0xE59 }, { 0xE81, 0xE82 }, { 0xE84, 0xE84 }, { 0xE86, 0xE8A },
	{ 0xE8C, 0xEA3 }, { 0xEA5, 0xEA5 }, { 0xEA7, 0xEBD }, { 0xEC0, 0xEC4 }, { 0xEC6, 0xEC6 },
	{ 0xEC8, 0xECD }, { 0xED0, 0xED9 }, { 0xEDC, 0xEDF }, { 0xF00, 0xF00 }, { 0xF18, 0xF19 },
	{ 0xF20, 0xF29 }, { 0xF35, 0xF35 }, { 0xF37, 0xF37 }, { 0xF39, 0xF39 }, { 0xF3E, 0xF47 },
	{ 0xF49, 0xF6C }, { 0xF71, 0xF84 }, { 0xF86, 0xF97 }, { 0xF99, 0xFBC }, { 0xFC6, 0xFC6 },
	{ 0x1000, 0x1049 }, { 0x1050, 0x109D }, { 0x10A0, 0x10C5 }, { 0x10C7, 0x10C7 },
	{ 0x10CD, 0x10CD }, { 0x10D0, 0x10FA }, { 0x10FC, 0x1248 }, { 0x124A, 0x124D },
	{ 0x1250, 0x1256 }, { 0x1258, 0x1258 }, { 0x125A, 0x125D }, { 0x1260, 0x1288 },
	{ 0x128A, 0x128D }, { 0x1290, 0x12B0 }, { 0x12B2, 0x12B5 }, { 0x12B8, 0x12BE },
	{ 0x12C0, 0x12C0 }, { 0x12C2, 0x12C5 }, { 0x12C8, 0x12D6 }, { 0x12D8, 0x1310 },
	{ 0x1312, 0x1315 }, { 0x1318, 0x135A }, { 0x135D, 0x135F }, { 0x1380, 0x138F },
	{ 0x13A0, 0x13F5 }, { 0x13F8, 0x13FD }, { 0x1401, 0x166C }, { 0x166F, 0x167F },
	{ 0x1681, 0x169A }, { 0x16A0, 0x16EA }, { 0x16EE, 0x16F8 }, { 0x1700, 0x1715 },
	{ 0x171F, 0x1734 }, { 0x1740, 0x1753 }, { 0x1760, 0x176C }, { 0x176E, 0x1770 },
	{ 0x1772, 0x1773 }, { 0x1780, 0x17D3 }, { 0x17D7, 0x17D7 }, { 0x17DC, 0x17DD },
	{ 0x17E0, 0x17E9 }, { 0x180B, 0x180D }, { 0x180F, 0x1819 }, { 0x1820, 0x1878 },
	{ 0x1880, 0x18AA }, { 0x18B0, 0x18F5 }, { 0x1900, 0x191E }, { 0x1920, 0x192B },
	{ 0x1930, 0x193B }, { 0x1946, 0x196D }, { 0x1970, 0x1974 }, { 0x1980, 0x19AB },
	{ 0x19B0, 0x19C9 }, { 0x19D0, 0x19D9 }, { 0x1A00, 0x1A1B }, { 0x1A20, 0x1A5E },
	{ 0x1A60, 0x1A7C }, { 0x1A7F, 0x1A89 }, { 0x1A90, 0x1A99 }, { 0x1AA7, 0x1AA7 },
	{ 0x1AB0, 0x1ACE }, { 0x1B00, 0x1B4C }, { 0x1B50, 0x1B59 }, { 0x1B6B, 0x1B73 },
	{ 0x1B80, 0x1BF3 }, { 0x1C00, 0x1C37 }, { 0x1C40, 0x1C49 }, { 0x1C4D, 0x1C7D },
	{ 0x1C80, 0x1C88 }, { 0x1C90, 0x1CBA }, { 0x1CBD, 0x1CBF }, { 0x1CD0, 0x1CD2 },
	{ 0x1CD4, 0x1CFA }, { 0x1D00, 0x1F15 }, { 0x1F18, 0x1F1D }, { 0x1F20, 0x1F45 },
	{ 0x1F48, 0x1F4D }, { 0x1F50, 0x1F57 }, { 0x1F59, 0x1F59 }, { 0x1F5B, 0x1F5B },
	{ 0x1F5D, 0x1F5D }, { 0x1F5F, 0x1F7D }, { 0x1F80, 0x1FB4 }, { 0x1FB6, 0x1FBC },
	{ 0x1FBE, 0x1FBE }, { 0x1FC2, 0x1FC4 }, { 0x1FC6, 0x1FCC }, { 0x1FD0, 0x1FD3 },
	{ 0x1FD6, 0x1FDB }, { 0x1FE0, 0x1FEC }, { 0x1FF2, 0x1FF4 }, { 0x1FF6, 0x1FFC },
	{ 0x2071, 0x2071 }, { 0x207F, 0x207F }, { 0x2090, 0x209C }, { 0x20D0, 0x20F0 },
	{ 0x2102, 0x2102 }, { 0x2107, 0x2107 }, { 0x210A, 0x2113 }, { 0x2115, 0x2115 },
	{ 0x2119, 0x211D }, { 0x2124, 0x2124 }, { 0x2126, 0x2126 }, { 0x2128, 0x2128 },
	{ 0x212A, 0x212D }, { 0x212F, 0x2139 }, { 0x213C, 0x213F }, { 0x2145, 0x2149 },
	{ 0x214E, 0x214E }, { 0x2160, 0x2188 }, { 0x2C00, 0x2CE4 }, { 0x2CEB, 0x2CF3 },
	{ 0x2D00, 0x2D25 }, { 0x2D27, 0x2D27 }, { 0x2D2D, 0x2D2D }, { 0x2D30, 0x2D67 },
	{ 0x2D6F, 0x2D6F }, { 0x2D7F, 0x2D96 }, { 0x2DA0, 0x2DA6 }, { 0x2DA8, 0x2DAE },
	{ 0x2DB0, 0x2DB6 }, { 0x2DB8, 0x2DBE }, { 0x2DC0, 0x2DC6 }, { 0x2DC8, 0x2DCE },
	{ 0x2DD0, 0x2DD6 }, { 0x2DD8, 0x2DDE }, { 0x2DE0, 0x2DFF }, { 0x2E2F, 0x2E2F },
	{ 0x3005, 0x3007 }, { 0x3021, 0x302F }, { 0x3031, 0x3035 }, { 0x3038, 0x303C },
	{ 0x3041, 0x3096 }, { 0x3099, 0x309A }, { 0x309D, 0x309F }, { 0x30A1, 0x30FA },
	{ 0x30FC, 0x30FF }, { 0x3105, 0x312F }, { 0x3131, 0x318E }, { 0x31A0, 0x31BF },
	{ 0x31F0, 0x31FF }, { 0x3400, 0x4DBF }, { 0x4E00, 0xA48C }, { 0xA4D0, 0xA4FD },
	{ 0xA500, 0xA60C }, { 0xA610, 0xA62B }, { 0xA640, 0xA672 }, { 0xA674, 0xA67D },
	{ 0xA67F, 0xA6F1 }, { 0xA717, 0xA71F }, { 0xA722, 0xA788 }, { 0xA78B, 0xA7CA },
	{ 0xA7D0, 0xA7D1 }, { 0xA7D3, 0xA7D3 }, { 0xA7D5, 0xA7D9 }, { 0xA7F2, 0xA827 },
	{ 0xA82C, 0xA82C }, { 0xA840, 0xA873 }, { 0xA880, 0xA8C5 }, { 0xA8D0, 0xA8D9 },
	{ 0xA8E0, 0xA8F7 }, { 0xA8FB, 0xA8FB }, { 0xA8FD, 0xA92D }, { 0xA930, 0xA953 },
	{ 0xA960, 0xA97C }, { 0xA980, 0xA9C0 }, { 0xA9CF, 0xA9D9 }, { 0xA9E0, 0xA9FE },
	{ 0xAA00, 0xAA36 }, { 0xAA40, 0xAA4D }, { 0xAA50, 0xAA59 }, { 0xAA60, 0xAA76 },
	{ 0xAA7A, 0xAAC2 }, { 0xAADB, 0xAADD }, { 0xAAE0, 0xAAEF }, { 0xAAF2, 0xAAF6 },
	{ 0xAB01, 0xAB06 }, { 0xAB09, 0xAB0E }, { 0xAB11, 0xAB16 }, { 0xAB20, 0xAB26 },
	{ 0xAB28, 0xAB2E }, { 0xAB30, 0xAB5A }, { 0xAB5C, 0xAB69 }, { 0xAB70, 0xABEA },
	{ 0xABEC, 0xABED }, { 0xABF0, 0xABF9 }, { 0xAC00, 0xD7A3 }, { 0xD7B0, 0xD7C6 },
	{ 0xD7CB, 0xD7FB }, { 0xF900, 0xFA6D }, { 0xFA70, 0xFAD9 }, { 0xFB00, 0xFB06 },
	{ 0xFB13, 0xFB17 }, { 0xFB1D, 0xFB28 }, { 0xFB2A, 0xFB36 }, { 0xFB38, 0xFB3C },
	{ 0xFB3E, 0xFB3E }, { 0xFB40, 0xFB41 }, { 0xFB43, 0xFB44 }, { 0xFB46, 0xFBB1 },
	{ 0xFBD3, 0xFD3D }, { 0xFD50, 0xFD8F }, { 0xFD92, 0xFDC7 }, { 0xFDF0, 0xFDFB },
	{ 0xFE00, 0xFE0F }, { 0xFE20, 0xFE2F }, { 0xFE70, 0xFE74 }, { 0xFE76, 0xFEFC },
	{ 0xFF10, 0xFF19 }, { 0xFF21, 0xFF3A }, { 0xFF41, 0xFF5A }, { 0xFF66, 0xFFBE },
	{ 0xFFC2, 0xFFC7 }, { 0xFFCA, 0xFFCF }, { 0xFFD2, 0xFFD7 }, { 0xFFDA, 0xFFDC },
	{ 0x10000, 0x1000B }, { 0x1000D, 0x10026 }, { 0x10028, 0x1003A }, { 0x1003C, 0x1003D },
	{ 0x1003F, 0x1004D }, { 0x10050, 0x1005D }, { 0x10080, 0x100FA }, { 0x10140, 0x10174 },
	{ 0x101FD, 0x101FD }, { 0x10280, 0x1029C }, { 0x102A0, 0x102D0 }, { 0x102E0, 0x102E0 },
	{ 0x10300, 0x1031F }, { 0x1032D, 0x1034A }, { 0x10350, 0x1037A }, { 0x10380, 0x1039D },
	{ 0x103A0, 0x103C3 }, { 0x103C8, 0x103CF }, { 0x103D1, 0x103D5 }, { 0x10400, 0x1049D },
	{ 0x104A0, 0x104A9 }, { 0x104B0, 0x104D3 }, { 0x104D8, 0x104FB }, { 0x10500, 0x10527 },
	{ 0x10530, 0x10563 }, { 0x10570, 0x1057A }, { 0x1057C, 0x1058A }, { 0x1058C, 0x10592 },
	{ 0x10594, 0x10595 }, { 0x10597, 0x105A1 }, { 0x105A3, 0x105B1 }, { 0x105B3, 0x105B9 },
	{ 0x105BB, 0x105BC }, { 0x10600, 0x10736 }, { 0x10740, 0x10755 }, { 0x10760, 0x10767 },
	{ 0x10780, 0x10785 }, { 0x10787, 0x107B0 }, { 0x107B2, 0x107BA }, { 0x10800, 0x10805 },
	{ 0x10808, 0x10808 }, { 0x1080A, 0x10835 }, { 0x10837, 0x10838 }, { 0x1083C, 0x1083C },
	{ 0x1083F, 0x10855 }, { 0x10860, 0x10876 }, { 0x10880, 0x1089E }, { 0x108E0, 0x108F2 },
	{ 0x108F4, 0x108F5 }, { 0x10900, 0x10915 }, { 0x10920, 0x10939 }, { 0x10980, 0x109B7 },
	{ 0x109BE, 0x109BF }, { 0x10A00, 0x10A03 }, { 0x10A05, 0x10A06 }, { 0x10A0C, 0x10A13 },
	{ 0x10A15, 0x10A17 }, { 0x10A19, 0x10A35 }, { 0x10A38, 0x10A3A }, { 0x10A3F, 0x10A3F },
	{ 0x10A60, 0x10A7C }, { 0x10A80, 0x10A9C }, { 0x10AC0, 0x10AC7 }, { 0x10AC9, 0x10AE6 },
	{ 0x10B00, 0x10B35 }, { 0x10B40, 0x10B55 }, { 0x10B60, 0x10B72 }, { 0x10B80, 0x10B91 },
	{ 0x10C00, 0x10C48 }, { 0x10C80, 0x10CB2 }, { 0x10CC0, 0x10CF2 }, { 0x10D00, 0x10D27 },
	{ 0x10D30, 0x10D39 }, { 0x10E80, 0x10EA9 }, { 0x10EAB, 0x10EAC }, { 0x10EB0, 0x10EB1 },
	{ 0x10F00, 0x10F1C }, { 0x10F27, 0x10F27 }, { 0x10F30, 0x10F50 }, { 0x10F70, 0x10F85 },
	{ 0x10FB0, 0x10FC4 }, { 0x10FE0, 0x10FF6 }, { 0x11000, 0x11046 }, { 0x11066, 0x11075 },
	{ 0x1107F, 0x110BA }, { 0x110C2, 0x110C2 }, { 0x110D0, 0x110E8 }, { 0x110F0, 0x110F9 },
	{ 0x11100, 0x11134 }, { 0x11136, 0x1113F }, { 0x11144, 0x11147 }, { 0x11150, 0x11173 },
	{ 0x11176, 0x11176 }, { 0x11180, 0x111C4 }, { 0x111C9, 0x111CC }, { 0x111CE, 0x111DA },
	{ 0x111DC, 0x111DC }, { 0x11200, 0x11211 }, { 0x11213, 0x11237 }, { 0x1123E, 0x1123E },
	{ 0x11280, 0x11286 }, { 0x11288, 0x11288 }, { 0x1128A, 0x1128D }, { 0x1128F, 0x1129D },
	{ 0x1129F, 0x112A8 }, { 0x112B0, 0x112EA }, { 0x112F0, 0x112F9 }, { 0x11300, 0x11303 },
	{ 0x11305, 0x1130C }, { 0x1130F, 0x11310 }, { 0x11313, 0x11328 }, { 0x1132A, 0x11330 },
	{ 0x11332, 0x11333 }, { 0x11335, 0x11339 }, { 0x1133B, 0x11344 }, { 0x11347, 0x11348 },
	{ 0x1134B, 0x1134D }, { 0x11350, 0x11350 }, { 0x11357, 0x11357 }, { 0x1135D, 0x11363 },
	{ 0x11366, 0x1136C }, { 0x11370, 0x11374 }, { 0x11400, 0x1144A }, { 0x11450, 0x11459 },
	{ 0x1145E, 0x11461 }, { 0x11480, 0x114C5 }, { 0x114C7, 0x114C7 }, { 0x114D0, 0x114D9 },
	{ 0x11580, 0x115B5 }, { 0x115B8, 0x115C0 }, { 0x115D8, 0x115DD }, { 0x11600, 0x11640 },
	{ 0x11644, 0x11644 }, { 0x11650, 0x11659 }, { 0x11680, 0x116B8 }, { 0x116C0, 0x116C9 },
	{ 0x11700, 0x1171A }, { 0x1171D, 0x1172B }, { 0x11730, 0x11739 }, { 0x11740, 0x11746 },
	{ 0x11800, 0x1183A }, { 0x118A0, 0x118E9 }, { 0x118FF, 0x11906 }, { 0x11909, 0x11909 },
	{ 0x1190C, 0x11913 }, { 0x11915, 0x11916 }, { 0x11918, 0x11935 }, { 0x11937, 0x11938 },
	{ 0x1193B, 0x11943 }, { 0x11950, 0x11959 }, { 0x119A0, 0x119A7 }, { 0x119AA, 0x119D7 },
	{ 0x119DA, 0x119E1 }, { 0x119E3, 0x119E4 }, { 0x11A00, 0x11A3E }, { 0x11A47, 0x11A47 },
	{ 0x11A50, 0x11A99 }, { 0x11A9D, 0x11A9D }, { 0x11AB0, 0x11AF8 }, { 0x11C00, 0x11C08 },
	{ 0x11C0A, 0x11C36 }, { 0x11C38, 0x11C40 }, { 0x11C50, 0x11C59 }, { 0x11C72, 0x11C8F },
	{ 0x11C92, 0x11CA7 }, { 0x11CA9, 0x11CB6 }, { 0x11D00, 0x11D06 }, { 0x11D08, 0x11D09 },
	{ 0x11D0B, 0x11D36 }, { 0x11D3A, 0x11D3A }, { 0x11D3C, 0x11D3D }, { 0x11D3F, 0x11D47 },
	{ 0x11D50, 0x11D59 }, { 0x11D60, 0x11D65 }, { 0x11D67, 0x11D68 }, { 0x11D6A, 0x11D8E },
	{ 0x11D90, 0x11D91 }, { 0x11D93, 0x11D98 }, { 0x11DA0, 0x11DA9 }, { 0x11EE0, 0x11EF6 },
	{ 0x11FB0, 0x11FB0 }, { 0x12000, 0x12399 }, { 0x12400, 0x1246E }, { 0x12480, 0x12543 },
	{ 0x12F90, 0x12FF0 }, { 0x13000, 0x1342E }, { 0x14400, 0x14646 }, { 0x16800, 0x16A38 },
	{ 0x16A40, 0x16A5E }, { 0x16A60, 0x16A69 }, { 0x16A70, 0x16ABE }, { 0x16AC0, 0x16AC9 },
	{ 0x16AD0, 0x16AED }, { 0x16AF0, 0x16AF4 }, { 0x16B00, 0x16B36 }, { 0x16B40, 0x16B43 },
	{ 0x16B50, 0x16B59 }, { 0x16B63, 0x16B77 }, { 0x16B7D, 0x16B8F }, { 0x16E40, 0x16E7F },
	{ 0x16F00, 0x16F4A }, { 0x16F4F, 0x16F87 }, { 0x16F8F, 0x16F9F }, { 0x16FE0, 0x16FE1 },
	{ 0x16FE3, 0x16FE4 }, { 0x16FF0, 0x16FF1 }, { 0x17000, 0x187F7 }, { 0x18800, 0x18CD5 },
	{ 0x18D00, 0x18D08 }, { 0x1AFF0, 0x1AFF3 }, { 0x1AFF5, 0x1AFFB }, { 0x1AFFD, 0x1AFFE },
	{ 0x1B000, 0x1B122 }, { 0x1B150, 0x1B152 }, { 0x1B164, 0x1B167 }, { 0x1B170, 0x1B2FB },
	{ 0x1BC00, 0x1BC6A }, { 0x1BC70, 0x1BC7C }, { 0x1BC80, 0x1BC88 }, { 0x1BC90, 0x1BC99 },
	{ 0x1BC9D, 0x1BC9E }, { 0x1CF00, 0x1CF2D }, { 0x1CF30, 0x1CF46 }, { 0x1D165, 0x1D169 },
	{ 0x1D16D, 0x1D172 }, { 0x1D17B, 0x1D182 }, { 0x1D185, 0x1D18B }, { 0x1D1AA, 0x1D1AD },
	{ 0x1D242, 0x1D244 }, { 0x1D400, 0x1D454 }, { 0x1D456, 0x1D49C }, { 0x1D49E, 0x1D49F },
	{ 0x1D4A2, 0x1D4A2 }, { 0x1D4A5, 0x1D4A6 }, { 0x1D4A9, 0x1D4AC }, { 0x1D4AE, 0x1D4B9 },
	{ 0x1D4BB, 0x1D4BB }, { 0x1D4BD, 0x1D4C3 }, { 0x1D4C5, 0x1D505 }, { 0x1D507, 0x1D50A },
	{ 0x1D50D, 0x1D514 }, { 0x1D516, 0x1D51C }, { 0x1D51E, 0x1D539 }, { 0x1D53B, 0x1D53E },
	{ 0x1D540, 0x1D544 }, { 0x1D546, 0x1D546 }, { 0x1D54A, 0x1D550 }, { 0x1D552, 0x1D6A5 },
	{ 0x1D6A8, 0x1D6C0 }, { 0x1D6C2, 0x1D6DA }, { 0x1D6DC, 0x1D6FA }, { 0x1D6FC, 0x1D714 },
	{ 0x1D716, 0x1D734 }, { 0x1D736, 0x1D74E }, { 0x1D750, 0x1D76E }, { 0x1D770, 0x1D788 },
	{ 0x1D78A, 0x1D7A8 }, { 0x1D7AA, 0x1D7C2 }, { 0x1D7C4, 0x1D7CB }, { 0x1D7CE, 0x1D7FF },
	{ 0x1DA00, 0x1DA36 }, { 0x1DA3B, 0x1DA6C }, { 0x1DA75, 0x1DA75 }, { 0x1DA84, 0x1DA84 },
	{ 0x1DA9B, 0x1DA9F }, { 0x1DAA1, 0x1DAAF }, { 0x1DF00, 0x1DF1E }, { 0x1E000, 0x1E006 },
	{ 0x1E008, 0x1E018 }, { 0x1E01B, 0x1E021 }, { 0x1E023, 0x1E024 }, { 0x1E026, 0x1E02A },
	{ 0x1E100, 0x1E12C }, { 0x1E130, 0x1E13D }, { 0x1E140, 0x1E149 }, { 0x1E14E, 0x1E14E },
	{ 0x1E290, 0x1E2AE }, { 0x1E2C0, 0x1E2F9 }, { 0x1E7E0, 0x1E7E6 }, { 0x1E7E8, 0x1E7EB },
	{ 0x1E7ED, 0x1E7EE }, { 0x1E7F0, 0x1E7FE }, { 0x1E800, 0x1E8C4 }, { 0x1E8D0, 0x1E8D6 },
	{ 0x1E900, 0x1E94B }, { 0x1E950, 0x1E959 }, { 0x1EE00, 0x1EE03 }, { 0x1EE05, 0x1EE1F },
	{ 0x1EE21, 0x1EE22 }, { 0x1EE24, 0x1EE24 }, { 0x1EE27, 0x1EE27 }, { 0x1EE29, 0x1EE32 },
	{ 0x1EE34, 0x1EE37 }, { 0x1EE39, 0x1EE39 }, { 0x1EE3B, 0x1EE3B }, { 0x1EE42, 0x1EE42 },
	{ 0x1EE47, 0x1EE47 }, { 0x1EE49, 0x1EE49 }, { 0x1EE4B, 0x1EE4B }, { 0x1EE4D, 0x1EE4F },
	{ 0x1EE51, 0x1EE52 }, { 0x1EE54, 0x1EE54 }, { 0x1EE57, 0x1EE57 }, { 0x1EE59, 0x1EE59 },
	{ 0x1EE5B, 0x1EE5B }, { 0x1EE5D, 0x1EE5D }, { 0x1EE5F, 0x1EE5F }, { 0x1EE61, 0x1EE62 },
	{ 0x1EE64, 0x1EE64 }, { 0x1EE67, 0x1EE6A }, { 0x1EE6C, 0x1EE72 }, { 0x1EE74, 0x1EE77 },
	{ 0x1EE79, 0x1EE7C }, { 0x1EE7E, 0x1EE7E }, { 0x1EE80, 0x1EE89 }, { 0x1EE8B, 0x1EE9B },
	{ 0x1EEA1, 0x1EEA3 }, { 0x1EEA5, 0x1EEA9 }, { 0x1EEAB, 0x1EEBB }, { 0x1FBF0, 0x1FBF9 },
	{ 0x20000, 0x2A6DF }, { 0x2A700, 0x2B738 }, { 0x2B740, 0x2B81D }, { 0x2B820, 0x2CEA1 },
	{ 0x2CEB0, 0x2EBE0 }, { 0x2F800, 0x2FA1D }, { 0x30000, 0x3134A }, { 0xE0100, 0xE01EF }
};

static int unicode_alnum(unsigned int cp)
{
	size_t lo = 0, hi = sizeof(alnum_ranges) / sizeof(alnum_ranges[0]);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp > alnum_ranges[mid][1])
			lo = mid + 1;
		else if (cp < alnum_ranges[mid][0])
			hi = mid;
		else
			return 1;
	}
	return 0;
}

/* A character of a tag group: [[:alnum:]_@#%:]. */
static int tag_char(unsigned int cp)
{
	if (cp < 0x80)
		return is_alpha((char)cp) || is_digit((char)cp) || cp == '_' || cp == '@' || cp == '#' ||
		       cp == '%' || cp == ':';
	return cp != 0xFFFFFFFFu && unicode_alnum(cp);
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
		unsigned int cp;
		size_t cl = utf8_decode(s, n, p + 2, &cp);
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
		size_t e = n, r, k0;
		while (e > title_start && is_blank(s[e - 1]))
			e--;
		/* r: where the run of tag characters that ends the line starts. */
		r = title_start;
		for (k0 = title_start; k0 < e;) {
			unsigned int cp;
			size_t len = utf8_decode(s, e, k0, &cp);
			k0 += len;
			if (!tag_char(cp))
				r = k0;
		}
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

/* The start both parsers share: checks out and text (NULL only when len is
 * 0), then makes the empty document and the lines of text. Returns 0 with
 * *doc and *lines (the caller frees both), or LN_EINVALID / LN_ENOMEM with
 * err filled and nothing to free. */
static int parse_start(ln_org_doc **out, ln_org_doc **doc, org_line **lines, size_t *nlines, int *final_newline,
	const char *text, size_t len, const char *fn, ln_error *err)
{
	*doc = NULL;
	*lines = NULL;
	if (!out)
		return ln_error_set(err, LN_EINVALID, "%s: out is NULL", fn);
	*out = NULL;
	if (!text && len)
		return ln_error_set(err, LN_EINVALID, "%s: text is NULL", fn);
	*doc = doc_new(len);
	if (*doc)
		*lines = split_lines(text ? text : "", len, nlines, final_newline);
	if (!*lines) {
		ln_org_free(*doc);
		*doc = NULL;
		return ln_error_set(err, LN_ENOMEM, "%s: out of memory", fn);
	}
	return LN_OK;
}

/* The end both parsers share: with rc 0 and no allocation failed along the
 * way, hands doc to *out; else frees it and says so in err. Frees lines.
 * Returns 0 or LN_ENOMEM. */
static int parse_finish(ln_org_doc **out, ln_org_doc *doc, org_line *lines, int rc, const char *fn, ln_error *err)
{
	free(lines);
	if (rc == 0 && !doc->failed) {
		*out = doc;
		return LN_OK;
	}
	ln_org_free(doc);
	return ln_error_set(err, LN_ENOMEM, "%s: out of memory", fn);
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
	if ((rc = parse_start(out, &doc, &lines, &nlines, &final_newline, text, len, "ln_org_parse", err)) < 0)
		return rc;
	rc = LN_ENOMEM;
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
	rc = 0;

cleanup:
	rc = parse_finish(out, doc, lines, rc, "ln_org_parse", err);
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
	if ((rc = parse_start(out, &doc, &lines, &nlines, &final_newline, text, len, "ln_org_parse_markdown", err)) < 0)
		return rc;
	rc = LN_ENOMEM;
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
	if (!doc->todo_kw || !doc->done_kw)
		goto cleanup;
	doc->todo_kw[doc->todo_count++] = "TODO";
	doc->done_kw[doc->done_count++] = "DONE";
	rc = 0;

cleanup:
	return parse_finish(out, doc, lines, rc, "ln_org_parse_markdown", err);
}
