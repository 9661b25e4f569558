/* Mustache: a template is tokenized, its standalone lines are found, and it
 * is built into a flat pre-order tree (each node knows where its subtree
 * ends). Rendering walks the tree with fixed-size stacks, so it allocates
 * nothing but output.
 *
 * Indentation. Every line of the template that survives standalone removal
 * starts with a LINE node. A standalone partial, parent or block pushes its
 * indentation while it renders; a LINE node writes the pushed indentation
 * when the output is at the start of a line. A block whose opening tag ends a
 * standalone line has an intrinsic indentation, that of the line after it:
 * its content lines lose that much at compile time and regain the
 * indentation of whichever block site renders them. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* opendir when built outside CMake */
#endif
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "leadnotes/template.h"
#include "fsutil.h"

enum node_type {
	N_TEXT,
	N_LINE,
	N_VAR,
	N_RAW,
	N_SECTION,
	N_INVERTED,
	N_PARTIAL,
	N_PARENT,
	N_BLOCK
};

typedef struct node {
	unsigned char type;
	unsigned char dedented; /* block: content lost its intrinsic indentation */
	unsigned char dynamic;  /* partial, parent: the name is looked up in the data */
	const char *str;        /* text, or name */
	size_t len;
	const char *indent;     /* partial, parent, block: indentation to push */
	size_t indent_len;
	size_t end;             /* index just past this node's subtree */
	int line, column;
} node;

struct ln_template {
	char *src;
	size_t src_len;
	node *nodes;
	size_t count, cap;
};

/* ---- tokens ---------------------------------------------------------- */

enum token_type {
	T_TEXT,
	T_VAR,
	T_RAW,
	T_SECTION,
	T_INVERTED,
	T_CLOSE,
	T_COMMENT,
	T_PARTIAL,
	T_DELIM,
	T_PARENT,
	T_BLOCK
};

typedef struct token {
	unsigned char type;
	unsigned char dynamic;
	const char *str; /* text, or name */
	size_t len;
	int line, column;
} token;

typedef struct tokens {
	token *items;
	size_t count, cap;
} tokens;

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *find_bytes(const char *hay, size_t hay_len, const char *needle, size_t needle_len)
{
	size_t i;

	if (needle_len == 0 || needle_len > hay_len)
		return NULL;
	for (i = 0; i + needle_len <= hay_len; i++) {
		const char *p = memchr(hay + i, needle[0], hay_len - needle_len + 1 - i);
		if (!p)
			return NULL;
		i = (size_t)(p - hay);
		if (memcmp(p, needle, needle_len) == 0)
			return p;
	}
	return NULL;
}

static int tokens_add(tokens *tk, int type, const char *str, size_t len, int line, int column)
{
	token *t;

	if (tk->count == tk->cap) {
		size_t cap = tk->cap ? tk->cap * 2 : 64;
		token *items = realloc(tk->items, cap * sizeof(*items));
		if (!items)
			return -1;
		tk->items = items;
		tk->cap = cap;
	}
	t = &tk->items[tk->count++];
	t->type = (unsigned char)type;
	t->dynamic = 0;
	t->str = str;
	t->len = len;
	t->line = line;
	t->column = column;
	return 0;
}

/* Advances line/column over len bytes of s. */
static void advance(const char *s, size_t len, int *line, int *column)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n') {
			(*line)++;
			*column = 1;
		} else {
			(*column)++;
		}
	}
}

/* Text becomes one token per line piece: each ends with '\n' or at a tag. */
static int add_text(tokens *tk, const char *s, size_t len, int *line, int *column)
{
	while (len > 0) {
		const char *nl = memchr(s, '\n', len);
		size_t piece = nl ? (size_t)(nl - s) + 1 : len;
		if (tokens_add(tk, T_TEXT, s, piece, *line, *column) < 0)
			return -1;
		advance(s, piece, line, column);
		s += piece;
		len -= piece;
	}
	return 0;
}

static void trim(const char **s, size_t *len)
{
	while (*len > 0 && is_blank(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_blank((*s)[*len - 1]))
		(*len)--;
}

/* A name is "." or dot-separated non-empty parts without blanks. */
static int valid_name(const char *s, size_t len)
{
	size_t i;
	int part = 0;

	if (len == 1 && s[0] == '.')
		return 1;
	for (i = 0; i < len; i++) {
		if (is_blank(s[i]))
			return 0;
		if (s[i] == '.') {
			if (!part)
				return 0;
			part = 0;
		} else {
			part = 1;
		}
	}
	return part;
}

static int tokenize(tokens *tk, const char *src, size_t len, ln_error *err)
{
	const char *otag = "{{", *ctag = "}}";
	size_t olen = 2, clen = 2;
	size_t pos = 0;
	int line = 1, column = 1;

	while (pos < len) {
		const char *open = find_bytes(src + pos, len - pos, otag, olen);
		const char *body, *close, *name;
		size_t body_len, name_len, tag_len;
		int type, tag_line, tag_column;
		char sigil;

		if (!open)
			return add_text(tk, src + pos, len - pos, &line, &column) < 0 ? LN_ENOMEM : 0;
		if (add_text(tk, src + pos, (size_t)(open - (src + pos)), &line, &column) < 0)
			return LN_ENOMEM;
		tag_line = line;
		tag_column = column;
		body = open + olen;
		body_len = len - (size_t)(body - src);
		sigil = body_len > 0 ? body[0] : '\0';
		if (sigil == '{') {
			/* {{{name}}}: the closing delimiter is preceded by '}'. */
			const char *p = body + 1;
			close = NULL;
			while ((size_t)(p - src) < len) {
				const char *c = find_bytes(p, len - (size_t)(p - src), ctag, clen);
				if (!c)
					break;
				if (c > body + 1 && c[-1] == '}') {
					close = c - 1;
					break;
				}
				p = c + 1;
			}
			if (!close)
				return ln_error_set_at(err, LN_EPARSE, tag_line, tag_column, "unclosed tag");
			tag_len = (size_t)(close - open) + 1 + clen;
		} else {
			close = find_bytes(body, body_len, ctag, clen);
			if (!close)
				return ln_error_set_at(err, LN_EPARSE, tag_line, tag_column, "unclosed tag");
			tag_len = (size_t)(close - open) + clen;
		}
		name = body;
		name_len = (size_t)(close - body);
		/* With set delimiters the closing one may begin with a sigil
		 * character ("<%>=" under <% >=): nothing is inside such a tag. */
		if (name_len == 0)
			return ln_error_set_at(err, LN_EPARSE, tag_line, tag_column, "empty tag");
		switch (sigil) {
		case '{': type = T_RAW; break;
		case '&': type = T_RAW; break;
		case '#': type = T_SECTION; break;
		case '^': type = T_INVERTED; break;
		case '/': type = T_CLOSE; break;
		case '!': type = T_COMMENT; break;
		case '>': type = T_PARTIAL; break;
		case '=': type = T_DELIM; break;
		case '<': type = T_PARENT; break;
		case '$': type = T_BLOCK; break;
		default: type = T_VAR; break;
		}
		if (type != T_VAR) {
			name++;
			name_len--;
		}
		if (type == T_DELIM) {
			/* {{=<% %>=}}: two delimiters separated by blanks. */
			const char *o, *c;
			size_t i = 0, ol, cl;
			if (name_len == 0 || name[name_len - 1] != '=')
				return ln_error_set_at(err, LN_EPARSE, tag_line, tag_column, "invalid set-delimiter tag");
			name_len--;
			trim(&name, &name_len);
			o = name;
			while (i < name_len && !is_blank(name[i]))
				i++;
			ol = i;
			while (i < name_len && is_blank(name[i]))
				i++;
			c = name + i;
			cl = name_len - i;
			if (ol == 0 || cl == 0 || memchr(c, ' ', cl) || memchr(c, '\t', cl) ||
			    memchr(o, '=', ol) || memchr(c, '=', cl))
				return ln_error_set_at(err, LN_EPARSE, tag_line, tag_column, "invalid set-delimiter tag");
			otag = o;
			olen = ol;
			ctag = c;
			clen = cl;
			if (tokens_add(tk, T_DELIM, NULL, 0, tag_line, tag_column) < 0)
				return LN_ENOMEM;
		} else if (type != T_COMMENT) {
			int dynamic = 0;
			trim(&name, &name_len);
			if ((type == T_PARTIAL || type == T_PARENT) && name_len > 0 && name[0] == '*') {
				dynamic = 1;
				name++;
				name_len--;
				trim(&name, &name_len);
			}
			if (name_len == 0)
				return ln_error_set_at(err, LN_EPARSE, tag_line, tag_column, "empty tag");
			if (type != T_PARTIAL && type != T_PARENT && type != T_BLOCK && !dynamic &&
			    !valid_name(name, name_len))
				return ln_error_set_at(err, LN_EPARSE, tag_line, tag_column,
					"invalid name \"%.*s\"", (int)(name_len > 64 ? 64 : name_len), name);
			if (dynamic && !valid_name(name, name_len))
				return ln_error_set_at(err, LN_EPARSE, tag_line, tag_column,
					"invalid name \"%.*s\"", (int)(name_len > 64 ? 64 : name_len), name);
			if (tokens_add(tk, type, name, name_len, tag_line, tag_column) < 0)
				return LN_ENOMEM;
			tk->items[tk->count - 1].dynamic = (unsigned char)dynamic;
		} else if (tokens_add(tk, type, name, name_len, tag_line, tag_column) < 0) {
			return LN_ENOMEM;
		}
		advance(open, tag_len, &line, &column);
		pos = (size_t)(open - src) + tag_len;
	}
	return 0;
}

/* ---- tree ------------------------------------------------------------ */

typedef struct open_entry {
	size_t node;      /* index of the open node */
	size_t dedent;    /* bytes of leading blanks content lines lose */
	int type;         /* node type */
} open_entry;

typedef struct builder {
	ln_template *t;
	open_entry stack[LN_TEMPLATE_MAX_DEPTH];
	size_t depth;
} builder;

static int add_node(ln_template *t, int type, const char *str, size_t len, int line, int column)
{
	node *n;

	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		node *nodes = realloc(t->nodes, cap * sizeof(*nodes));
		if (!nodes)
			return -1;
		t->nodes = nodes;
		t->cap = cap;
	}
	n = &t->nodes[t->count++];
	memset(n, 0, sizeof(*n));
	n->type = (unsigned char)type;
	n->str = str;
	n->len = len;
	n->end = t->count;
	n->line = line;
	n->column = column;
	return 0;
}

static size_t current_dedent(const builder *b)
{
	return b->depth ? b->stack[b->depth - 1].dedent : 0;
}

/* Only blanks, optionally ending a line with "\n" or "\r\n". */
static int blank_text(const token *tk)
{
	size_t i, len = tk->len;

	if (len > 0 && tk->str[len - 1] == '\n') {
		len--;
		if (len > 0 && tk->str[len - 1] == '\r')
			len--;
	}
	for (i = 0; i < len; i++)
		if (!is_space(tk->str[i]))
			return 0;
	return 1;
}

static int ends_line(const token *tk)
{
	return tk->type == T_TEXT && tk->len > 0 && tk->str[tk->len - 1] == '\n';
}

static size_t leading_blanks(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && is_space(s[i]))
		i++;
	return i;
}

/* Is the line of tokens [from, to) standalone? Only blank text and tags that
 * print nothing; one such tag, or several when one of them opens or closes a
 * parent (everything else inside a parent tag prints nothing). */
static int standalone_line(const builder *b, const token *tk, size_t from, size_t to)
{
	int opened[LN_TEMPLATE_MAX_DEPTH];
	size_t nopened = 0, outer = b->depth, i;
	int tags = 0, parent = 0;

	for (i = from; i < to; i++) {
		const token *t = &tk[i];
		switch (t->type) {
		case T_TEXT:
			if (!blank_text(t))
				return 0;
			break;
		case T_VAR:
		case T_RAW:
			return 0;
		case T_SECTION:
		case T_INVERTED:
		case T_PARENT:
		case T_BLOCK:
			tags++;
			if (t->type == T_PARENT)
				parent = 1;
			if (nopened < LN_TEMPLATE_MAX_DEPTH)
				opened[nopened++] = t->type;
			break;
		case T_CLOSE:
			tags++;
			if (nopened > 0) {
				if (opened[--nopened] == T_PARENT)
					parent = 1;
			} else if (outer > 0) {
				if (b->stack[--outer].type == N_PARENT)
					parent = 1;
			}
			break;
		default:
			tags++;
			break;
		}
	}
	return tags == 1 || (tags > 1 && parent);
}

static int open_node(builder *b, const token *tk, int type, size_t dedent)
{
	if (b->depth >= LN_TEMPLATE_MAX_DEPTH)
		return -2;
	if (add_node(b->t, type, tk->str, tk->len, tk->line, tk->column) < 0)
		return -1;
	b->stack[b->depth].node = b->t->count - 1;
	b->stack[b->depth].dedent = dedent;
	b->stack[b->depth].type = type;
	b->depth++;
	return 0;
}

/* Adds the node for tag token tk. standalone: its line is standalone; ws:
 * the blanks before it when only blanks precede it on its line (else NULL);
 * next: the token after its line when tk ends a standalone line (else NULL). */
static int add_tag(builder *b, const token *tk, int standalone, const char *ws, size_t ws_len,
	const token *next, int last_on_line, ln_error *err)
{
	ln_template *t = b->t;
	size_t dedent = current_dedent(b);
	int rc = 0;

	switch (tk->type) {
	case T_COMMENT:
	case T_DELIM:
		return 0;
	case T_VAR:
	case T_RAW:
		rc = add_node(t, tk->type == T_VAR ? N_VAR : N_RAW, tk->str, tk->len, tk->line, tk->column);
		break;
	case T_SECTION:
	case T_INVERTED:
		rc = open_node(b, tk, tk->type == T_SECTION ? N_SECTION : N_INVERTED, dedent);
		break;
	case T_PARTIAL:
	case T_PARENT:
		if (tk->type == T_PARENT)
			rc = open_node(b, tk, N_PARENT, dedent);
		else
			rc = add_node(t, N_PARTIAL, tk->str, tk->len, tk->line, tk->column);
		if (rc == 0) {
			node *n = tk->type == T_PARENT ? &t->nodes[b->stack[b->depth - 1].node] : &t->nodes[t->count - 1];
			n->dynamic = tk->dynamic;
			if (standalone && ws) {
				size_t cut = dedent < ws_len ? dedent : ws_len;
				n->indent = ws + cut;
				n->indent_len = ws_len - cut;
			}
		}
		break;
	case T_BLOCK:
		if (standalone && last_on_line) {
			/* Intrinsic indentation: that of the line after the tag. */
			size_t d = 0;
			const char *dp = tk->str;
			if (next && next->type == T_TEXT) {
				d = leading_blanks(next->str, next->len);
				dp = next->str;
			}
			rc = open_node(b, tk, N_BLOCK, d);
			if (rc == 0) {
				node *n = &t->nodes[t->count - 1];
				n->dedented = 1;
				n->indent = dp + (dedent < d ? dedent : d);
				n->indent_len = d > dedent ? d - dedent : 0;
			}
		} else {
			rc = open_node(b, tk, N_BLOCK, dedent);
			if (rc == 0 && !standalone && ws) {
				node *n = &t->nodes[t->count - 1];
				n->indent = ws;
				n->indent_len = ws_len;
			}
		}
		break;
	case T_CLOSE: {
		open_entry *top;
		node *n;
		if (b->depth == 0)
			return ln_error_set_at(err, LN_EPARSE, tk->line, tk->column,
				"closing tag \"%.*s\" without an open section", (int)(tk->len > 64 ? 64 : tk->len), tk->str);
		top = &b->stack[b->depth - 1];
		n = &t->nodes[top->node];
		if (n->len != tk->len || memcmp(n->str, tk->str, tk->len) != 0)
			return ln_error_set_at(err, LN_EPARSE, tk->line, tk->column,
				"closing tag \"%.*s\" does not match section \"%.*s\" opened at %d:%d",
				(int)(tk->len > 64 ? 64 : tk->len), tk->str,
				(int)(n->len > 64 ? 64 : n->len), n->str, n->line, n->column);
		n->end = t->count;
		b->depth--;
		return 0;
	}
	default:
		return 0;
	}
	if (rc == -2)
		return ln_error_set_at(err, LN_EPARSE, tk->line, tk->column,
			"sections nested deeper than %d levels", LN_TEMPLATE_MAX_DEPTH);
	if (rc < 0)
		return ln_error_set(err, LN_ENOMEM, "out of memory compiling a template");
	return 0;
}

static int build(builder *b, const tokens *tks, ln_error *err)
{
	const token *tk = tks->items;
	size_t i = 0, n = tks->count;
	int rc;

	while (i < n) {
		size_t j = i, k;
		while (j < n && !ends_line(&tk[j]))
			j++;
		if (j < n)
			j++; /* the token that ends the line belongs to it */

		if (standalone_line(b, tk, i, j)) {
			const char *ws = NULL;
			size_t ws_len = 0, last_tag = i;
			for (k = i; k < j; k++)
				if (tk[k].type != T_TEXT)
					last_tag = k;
			if (tk[i].type == T_TEXT) {
				ws = tk[i].str;
				ws_len = leading_blanks(tk[i].str, tk[i].len);
			} else {
				ws = tk[i].str;
				ws_len = 0;
			}
			for (k = i; k < j; k++) {
				if (tk[k].type == T_TEXT)
					continue;
				rc = add_tag(b, &tk[k], 1, ws, ws_len, j < n ? &tk[j] : NULL, k == last_tag, err);
				if (rc < 0)
					return rc;
				ws = NULL; /* only the first tag has the indentation */
			}
		} else {
			int only_blanks = 1;
			const char *ws = NULL;
			size_t ws_len = 0;
			if (add_node(b->t, N_LINE, NULL, 0, tk[i].line, tk[i].column) < 0)
				return ln_error_set(err, LN_ENOMEM, "out of memory compiling a template");
			for (k = i; k < j; k++) {
				if (tk[k].type == T_TEXT) {
					const char *s = tk[k].str;
					size_t len = tk[k].len;
					if (k == i) {
						size_t cut = leading_blanks(s, len), dedent = current_dedent(b);
						if (cut > dedent)
							cut = dedent;
						s += cut;
						len -= cut;
					}
					if (only_blanks) {
						if (leading_blanks(s, len) == len) {
							ws = s;
							ws_len = len;
						} else {
							only_blanks = 0;
						}
					}
					if (len > 0 && add_node(b->t, N_TEXT, s, len, tk[k].line, tk[k].column) < 0)
						return ln_error_set(err, LN_ENOMEM, "out of memory compiling a template");
				} else {
					rc = add_tag(b, &tk[k], 0, only_blanks ? (ws ? ws : tk[k].str) : NULL,
						only_blanks ? ws_len : 0, NULL, 0, err);
					if (rc < 0)
						return rc;
					if (tk[k].type != T_COMMENT && tk[k].type != T_DELIM)
						only_blanks = 0;
				}
			}
		}
		i = j;
	}
	if (b->depth > 0) {
		const node *open = &b->t->nodes[b->stack[b->depth - 1].node];
		return ln_error_set_at(err, LN_EPARSE, open->line, open->column,
			"unclosed section \"%.*s\"", (int)(open->len > 64 ? 64 : open->len), open->str);
	}
	return 0;
}

int ln_template_compile(ln_template **out, const char *src, size_t len, ln_error *err)
{
	ln_template *t = NULL;
	tokens tks = { NULL, 0, 0 };
	builder *b = NULL;
	int rc;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	b = calloc(1, sizeof(*b));
	if (!t || !b) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory compiling a template");
		goto cleanup;
	}
	t->src = malloc(len + 1);
	if (!t->src) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory compiling a template");
		goto cleanup;
	}
	if (len)
		memcpy(t->src, src, len);
	t->src[len] = '\0';
	t->src_len = len;

	rc = tokenize(&tks, t->src, len, err);
	if (rc == LN_ENOMEM)
		ln_error_set(err, LN_ENOMEM, "out of memory compiling a template");
	if (rc < 0)
		goto cleanup;
	b->t = t;
	rc = build(b, &tks, err);
	if (rc < 0)
		goto cleanup;
	*out = t;
	t = NULL;

cleanup:
	free(tks.items);
	free(b);
	ln_template_free(t);
	return rc;
}

void ln_template_free(ln_template *t)
{
	if (!t)
		return;
	free(t->nodes);
	free(t->src);
	free(t);
}

size_t ln_template_node_count(const ln_template *t)
{
	return t ? t->count : 0;
}

/* ---- rendering ------------------------------------------------------- */

typedef struct slice {
	const char *s;
	size_t len;
} slice;

typedef struct frame {
	const ln_template *t;
	size_t node; /* a parent node: its block children override */
} frame;

typedef struct render_state {
	ln_buf *out;
	const ln_template_data *data;
	unsigned flags;
	ln_error *err;
	ln_template_value ctx[LN_TEMPLATE_MAX_DEPTH + 1];
	size_t nctx;
	slice indent[LN_TEMPLATE_MAX_DEPTH + 1];
	size_t nindent;
	frame frames[LN_TEMPLATE_MAX_DEPTH + 1];
	size_t nframes;
	int depth;
	size_t steps, max_steps;
	size_t start, max_output; /* out->size when the render began; its bound */
} render_state;

int ln_template_escape_html(ln_buf *out, const char *s, size_t len)
{
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		const char *entity;
		switch (s[i]) {
		case '&': entity = "&amp;"; break;
		case '<': entity = "&lt;"; break;
		case '>': entity = "&gt;"; break;
		case '"': entity = "&quot;"; break;
		default: continue;
		}
		if (ln_buf_put(out, s + start, i - start) < 0 || ln_buf_puts(out, entity) < 0)
			return -1;
		start = i + 1;
	}
	return ln_buf_put(out, s + start, len - start);
}

static size_t mark(render_state *st)
{
	return st->data->mark ? st->data->mark(st->data->ud) : 0;
}

static void release(render_state *st, size_t m)
{
	if (st->data->release)
		st->data->release(st->data->ud, m);
}

/* Resolves a (dotted) name through the context stack. 1 found, 0 not. */
static int resolve(render_state *st, const char *name, size_t len, ln_template_value *out)
{
	const ln_template_data *d = st->data;
	const char *dot;
	size_t seg;
	ln_template_value v = 0;
	int found = 0;

	if (len == 1 && name[0] == '.') {
		*out = st->ctx[st->nctx - 1];
		return 1;
	}
	dot = memchr(name, '.', len);
	seg = dot ? (size_t)(dot - name) : len;
	{
		size_t k = st->nctx;
		while (k-- > 0) {
			if (d->lookup(d->ud, st->ctx[k], name, seg, &v)) {
				found = 1;
				break;
			}
		}
	}
	if (!found)
		return 0;
	while (dot) {
		name = dot + 1;
		len -= seg + 1;
		dot = memchr(name, '.', len);
		seg = dot ? (size_t)(dot - name) : len;
		if (!d->lookup(d->ud, v, name, seg, &v))
			return 0;
	}
	*out = v;
	return 1;
}

static int render_range(render_state *st, const ln_template *t, size_t from, size_t to);

static int deeper(render_state *st)
{
	if (st->depth >= LN_TEMPLATE_MAX_DEPTH)
		return ln_error_set(st->err, LN_EINVALID,
			"template nesting deeper than %d levels (a partial that includes itself?)",
			LN_TEMPLATE_MAX_DEPTH);
	st->depth++;
	return 0;
}

static int with_context(render_state *st, const ln_template *t, size_t from, size_t to, ln_template_value v)
{
	int rc;

	st->ctx[st->nctx++] = v;
	rc = render_range(st, t, from, to);
	st->nctx--;
	return rc;
}

static int render_section(render_state *st, const ln_template *t, size_t i)
{
	const ln_template_data *d = st->data;
	const node *n = &t->nodes[i];
	ln_template_value v;
	size_t m = mark(st);
	int rc = 0, kind = LN_TEMPLATE_NULL;

	if (resolve(st, n->str, n->len, &v))
		kind = d->kind(d->ud, v);
	if (n->type == N_INVERTED) {
		int falsy = kind == LN_TEMPLATE_NULL || kind == LN_TEMPLATE_FALSE ||
		            (kind == LN_TEMPLATE_LIST && d->length(d->ud, v) == 0);
		if (falsy)
			rc = render_range(st, t, i + 1, n->end);
	} else if (kind == LN_TEMPLATE_LIST) {
		size_t count = d->length(d->ud, v), k;
		for (k = 0; k < count && rc == 0; k++) {
			size_t m2 = mark(st);
			ln_template_value item;
			if (d->item(d->ud, v, k, &item))
				rc = with_context(st, t, i + 1, n->end, item);
			release(st, m2);
		}
	} else if (kind == LN_TEMPLATE_SCALAR || kind == LN_TEMPLATE_MAP) {
		rc = with_context(st, t, i + 1, n->end, v);
	}
	release(st, m);
	return rc;
}

static int render_value(render_state *st, const node *n)
{
	const ln_template_data *d = st->data;
	ln_template_value v;
	size_t m = mark(st);

	if (resolve(st, n->str, n->len, &v)) {
		int kind = d->kind(d->ud, v);
		if (kind == LN_TEMPLATE_SCALAR || kind == LN_TEMPLATE_FALSE) {
			size_t len = 0;
			const char *s = d->text(d->ud, v, &len);
			if (s && len) {
				if (n->type == N_RAW || (st->flags & LN_TEMPLATE_NO_ESCAPE))
					ln_buf_put(st->out, s, len);
				else
					ln_template_escape_html(st->out, s, len);
			}
		}
	}
	release(st, m);
	return 0;
}

/* The template a partial or parent node names, or NULL. */
static int find_partial(render_state *st, const node *n, const ln_template **out)
{
	const ln_template_data *d = st->data;
	const char *name = n->str;
	size_t len = n->len, m = mark(st);
	int rc = 0;

	*out = NULL;
	if (!d->partial)
		goto cleanup;
	if (n->dynamic) {
		ln_template_value v;
		name = NULL;
		if (resolve(st, n->str, n->len, &v) && d->kind(d->ud, v) == LN_TEMPLATE_SCALAR)
			name = d->text(d->ud, v, &len);
		if (!name || len == 0)
			goto cleanup;
	}
	rc = d->partial(d->ud, name, len, out, st->err);
	if (rc < 0)
		goto cleanup;
	rc = 0;
cleanup:
	release(st, m);
	return rc;
}

static int with_indent(render_state *st, const ln_template *t, size_t from, size_t to,
	const char *indent, size_t indent_len)
{
	int rc;

	st->indent[st->nindent].s = indent;
	st->indent[st->nindent].len = indent_len;
	st->nindent++;
	rc = render_range(st, t, from, to);
	st->nindent--;
	return rc;
}

/* The override of block `n` from the outermost parent that has one. */
static int find_override(render_state *st, const node *n, const ln_template **ot, size_t *oi)
{
	size_t f;

	for (f = 0; f < st->nframes; f++) {
		const ln_template *t = st->frames[f].t;
		const node *p = &t->nodes[st->frames[f].node];
		size_t j;
		for (j = st->frames[f].node + 1; j < p->end; j = t->nodes[j].end) {
			const node *c = &t->nodes[j];
			if (c->type == N_BLOCK && c->len == n->len && memcmp(c->str, n->str, n->len) == 0) {
				*ot = t;
				*oi = j;
				return 1;
			}
		}
	}
	return 0;
}

static int render_node(render_state *st, const ln_template *t, size_t i)
{
	const node *n = &t->nodes[i];
	int rc = 0;

	if (++st->steps > st->max_steps)
		return ln_error_set(st->err, LN_EINVALID,
			"template rendering took more than %zu steps (nested loops over long lists?)", st->max_steps);
	if (st->out->size - st->start > st->max_output)
		return ln_error_set(st->err, LN_EINVALID,
			"template output grew past %zu bytes (a partial including itself?)", st->max_output);
	switch (n->type) {
	case N_TEXT:
		ln_buf_put(st->out, n->str, n->len);
		return 0;
	case N_LINE:
		if (st->nindent && (st->out->size == 0 || st->out->ptr[st->out->size - 1] == '\n')) {
			size_t k;
			for (k = 0; k < st->nindent && st->out->size - st->start <= st->max_output; k++)
				ln_buf_put(st->out, st->indent[k].s, st->indent[k].len);
		}
		return 0;
	case N_VAR:
	case N_RAW:
		return render_value(st, n);
	default:
		break;
	}

	if ((rc = deeper(st)) < 0)
		return rc;
	switch (n->type) {
	case N_SECTION:
	case N_INVERTED:
		rc = render_section(st, t, i);
		break;
	case N_PARTIAL:
	case N_PARENT: {
		const ln_template *p;
		rc = find_partial(st, n, &p);
		if (rc < 0 || !p)
			break;
		if (n->type == N_PARENT) {
			st->frames[st->nframes].t = t;
			st->frames[st->nframes].node = i;
			st->nframes++;
		}
		rc = with_indent(st, p, 0, p->count, n->indent, n->indent_len);
		if (n->type == N_PARENT)
			st->nframes--;
		break;
	}
	case N_BLOCK: {
		const ln_template *ot;
		size_t oi;
		if (find_override(st, n, &ot, &oi))
			rc = with_indent(st, ot, oi + 1, ot->nodes[oi].end, n->indent, n->indent_len);
		else if (n->dedented)
			rc = with_indent(st, t, i + 1, n->end, n->indent, n->indent_len);
		else
			rc = render_range(st, t, i + 1, n->end);
		break;
	}
	default:
		break;
	}
	st->depth--;
	return rc;
}

static int render_range(render_state *st, const ln_template *t, size_t from, size_t to)
{
	size_t i;
	int rc;

	for (i = from; i < to; i = t->nodes[i].end) {
		if ((rc = render_node(st, t, i)) < 0)
			return rc;
	}
	return 0;
}

int ln_template_render(ln_buf *out, const ln_template *t, const ln_template_data *data,
	ln_template_value root, unsigned flags, ln_error *err)
{
	/* The state (fixed stacks, about 10 KB) lives on the C stack: a
	 * callback that longjmps out of the render leaves nothing to free. */
	render_state st;
	int rc = 0;

	st.out = out;
	st.data = data;
	st.flags = flags;
	st.err = err;
	st.ctx[0] = root;
	st.nctx = 1;
	st.nindent = 0;
	st.nframes = 0;
	st.depth = 0;
	st.steps = 0;
	st.max_steps = data->max_steps ? data->max_steps : LN_TEMPLATE_MAX_STEPS;
	st.start = out->size;
	st.max_output = data->max_output ? data->max_output : LN_TEMPLATE_MAX_OUTPUT;
	if (ln_buf_put(out, "", 0) == 0) /* out->ptr is never NULL from here on */
		rc = render_range(&st, t, 0, t->count);
	if (rc == 0 && ln_buf_failed(out))
		rc = ln_error_set(err, LN_ENOMEM, "out of memory rendering a template");
	return rc;
}

/* ---- the templates folder ------------------------------------------- */

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ln_template_list_dir(ln_buf *out, const char *dir, ln_error *err)
{
	DIR *d = NULL;
	struct dirent *e;
	char **names = NULL;
	size_t count = 0, cap = 0, i;
	ln_buf path = LN_BUF_INIT;
	int rc = 0;

	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR)
			return ln_error_set(err, LN_ENOTFOUND, "no templates folder %s", dir);
		return ln_error_set(err, LN_EIO, "cannot read templates folder %s: %s", dir, strerror(errno));
	}
	while ((e = readdir(d)) != NULL) {
		struct stat sb;
		if (e->d_name[0] == '.')
			continue;
		ln_buf_clear(&path);
		ln_buf_printf(&path, "%s/%s", dir, e->d_name);
		if (ln_buf_failed(&path)) {
			rc = ln_error_set(err, LN_ENOMEM, "out of memory listing templates");
			goto cleanup;
		}
		if (stat(path.ptr, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **n = realloc(names, ncap * sizeof(*n));
			if (!n) {
				rc = ln_error_set(err, LN_ENOMEM, "out of memory listing templates");
				goto cleanup;
			}
			names = n;
			cap = ncap;
		}
		names[count] = ln__strdup(e->d_name);
		if (!names[count]) {
			rc = ln_error_set(err, LN_ENOMEM, "out of memory listing templates");
			goto cleanup;
		}
		count++;
	}
	if (count)
		qsort(names, count, sizeof(*names), compare_names);
	for (i = 0; i < count; i++)
		ln_buf_put(out, names[i], strlen(names[i]) + 1);
	if (ln_buf_failed(out))
		rc = ln_error_set(err, LN_ENOMEM, "out of memory listing templates");

cleanup:
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	ln_buf_free(&path);
	closedir(d);
	return rc;
}
