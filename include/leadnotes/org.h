/* leadnotes: the notes parser. Reads an org-mode (or Markdown) note and
 * returns its outline: headlines with their TODO keyword, priority, tags,
 * planning timestamps and properties, and every checkbox item.
 *
 * The org rules are org-mode's own (org-element of Org 9.5, as bundled with
 * Emacs 28); tests/org/ compares the two on a corpus. In short:
 *   - a headline is a line starting at column 0 with one or more `*` and a
 *     space; it ends whatever block, drawer or list was open;
 *   - `#+TODO:`, `#+SEQ_TODO:` and `#+TYP_TODO:` lines anywhere in the file
 *     (outside verbatim blocks) replace the default TODO / DONE set;
 *   - the TODO keyword must be followed by a space; `[#X]` is the priority;
 *     `COMMENT` right after them marks a commented headline; tags are a
 *     `:a:b:` group at the very end of the line;
 *   - the planning line (SCHEDULED/DEADLINE/CLOSED) is only the line right
 *     after the headline, and the property drawer only the lines right
 *     after the headline or its planning line;
 *   - checkbox items (`- [ ]`, `+ [X]`, `1. [-]`, ` * [ ]`) count everywhere
 *     except inside src, example, export, comment and verse blocks, LaTeX
 *     environments and table.el tables; `[x]` in lowercase is no checkbox
 *     for org (it is for Markdown).
 * Input is a pointer and a length (not NUL-terminated). A UTF-8 byte order
 * mark is skipped, "\r\n" counts as one line end. Any input parses: broken
 * constructs are read as plain text the way org-mode reads them. A NUL byte
 * inside a title, tag, value or text ends that string.
 *
 * The parser keeps no state between calls: parsing is reentrant, and a
 * parsed note is read-only, so threads may share one.
 *
 *   ln_org_doc *doc;
 *   ln_error err;
 *   if (ln_org_parse(&doc, text, len, &err) < 0)
 *           return err.code;            (only LN_ENOMEM in practice)
 *   for (size_t i = 0; i < ln_org_headline_count(doc); i++) {
 *           const ln_org_headline *h = ln_org_headline_at(doc, i);
 *           if (h->todo_type == LN_ORG_TODO_TODO && !h->comment) ...
 *   }
 *   ln_org_free(doc);                   (every pointer read from doc dies here)
 */
#ifndef LEADNOTES_ORG_H
#define LEADNOTES_ORG_H

#include <stddef.h>

#include "leadnotes/common.h"

/* A parsed note. Opaque; everything read from it is borrowed and lives
 * until ln_org_free. */
typedef struct ln_org_doc ln_org_doc;

typedef enum ln_org_todo_type {
	LN_ORG_TODO_NONE = 0, /* no TODO keyword */
	LN_ORG_TODO_TODO = 1, /* an open keyword (TODO, NEXT, WAITING...) */
	LN_ORG_TODO_DONE = 2  /* a done keyword (DONE, CANCELLED...) */
} ln_org_todo_type;

typedef enum ln_org_check {
	LN_ORG_CHECK_OFF = 0,  /* [ ] */
	LN_ORG_CHECK_ON = 1,   /* [X] (Markdown: [x] or [X]) */
	LN_ORG_CHECK_TRANS = 2 /* [-] */
} ln_org_check;

/* One line of a property drawer, in file order; key as written (without
 * the colons), value trimmed ("" when empty). */
typedef struct ln_org_property {
	const char *key;
	const char *value;
} ln_org_property;

/* One headline. Strings are never NULL unless said so. */
typedef struct ln_org_headline {
	int line;                  /* 1-based line of the headline */
	int level;                 /* number of stars (Markdown: of `#`) */
	const char *title;         /* without keyword, priority, COMMENT, tags; trimmed */
	const char *todo;          /* the TODO keyword, or NULL */
	ln_org_todo_type todo_type;
	const char *priority;      /* the character inside [#.] (UTF-8), or NULL */
	const char *const *tags;   /* tag_count tags, in order */
	size_t tag_count;
	const char *scheduled;     /* timestamps as written ("<2026-11-28 Sat>"), or NULL */
	const char *deadline;
	const char *closed;
	const ln_org_property *properties;
	size_t property_count;
	int comment;               /* 1 for a COMMENT headline */
} ln_org_headline;

/* One checkbox item. */
typedef struct ln_org_checkbox {
	int line;          /* 1-based line of the item's bullet */
	ln_org_check state;
	const char *text;  /* rest of the bullet's line after the box, trimmed */
	int heading_line;  /* line of the headline it belongs to, 0 before any */
} ln_org_checkbox;

/* Parses len bytes of org text into *out, which the caller releases with
 * ln_org_free. text may be NULL when len is 0. Returns 0, or LN_ENOMEM /
 * LN_EINVALID (NULL out) with err filled; *out is NULL on failure. */
LN_API int ln_org_parse(ln_org_doc **out, const char *text, size_t len, ln_error *err);

/* Parses len bytes of Markdown into *out, the same shape as ln_org_parse,
 * which the caller releases with ln_org_free: ATX headings (`#` to
 * `######`) are headlines; a leading `TODO` or `DONE` word in a heading is
 * its keyword; task items (`- [ ]`, `* [x]`, `+ [X]`, `1. [ ]`) are
 * checkboxes; fenced code blocks (``` or ~~~) are skipped. No priority,
 * tags, planning or properties. Returns 0, or LN_ENOMEM / LN_EINVALID (NULL
 * out) with err filled; *out is NULL on failure. */
LN_API int ln_org_parse_markdown(ln_org_doc **out, const char *text, size_t len, ln_error *err);

/* Releases a parsed note; doc may be NULL. */
LN_API void ln_org_free(ln_org_doc *doc);

/* The number of headlines of doc. */
LN_API size_t ln_org_headline_count(const ln_org_doc *doc);

/* The i-th headline (0-based, file order), borrowed from doc until
 * ln_org_free; NULL when i is past the end. */
LN_API const ln_org_headline *ln_org_headline_at(const ln_org_doc *doc, size_t i);

/* The number of checkbox items of doc. */
LN_API size_t ln_org_checkbox_count(const ln_org_doc *doc);

/* The i-th checkbox item (0-based, file order), borrowed from doc until
 * ln_org_free; NULL when i is past the end. */
LN_API const ln_org_checkbox *ln_org_checkbox_at(const ln_org_doc *doc, size_t i);

/* The number of open TODO keywords in effect, each name once (from the
 * #+TODO: lines; by default 1: TODO). */
LN_API size_t ln_org_todo_keyword_count(const ln_org_doc *doc);

/* The i-th open keyword in the order declared, borrowed from doc; NULL
 * when i is past the end. */
LN_API const char *ln_org_todo_keyword(const ln_org_doc *doc, size_t i);

/* The number of done keywords in effect, each name once (from the
 * #+TODO: lines; by default 1: DONE). */
LN_API size_t ln_org_done_keyword_count(const ln_org_doc *doc);

/* The i-th done keyword in the order declared, borrowed from doc; NULL
 * when i is past the end. */
LN_API const char *ln_org_done_keyword(const ln_org_doc *doc, size_t i);

#endif
