/* leadnotes: Mustache templates. A template is compiled once into a tree and
 * rendered many times. The engine knows nothing of Lua: it reads the data
 * through the callbacks of an ln_template_data, which the Lua binding
 * implements over Lua tables and a C caller over its own structures.
 *
 * Supported: variables ({{x}} escaped, {{{x}}} and {{&x}} raw), dotted names,
 * the implicit iterator {{.}}, sections, inverted sections, comments,
 * set-delimiter, partials with standalone indentation, inheritance
 * ({{<parent}}{{$block}}...{{/block}}{{/parent}}) with block reindentation,
 * and dynamic names ({{>*name}}, {{<*name}}). Lambdas are not supported. */
#ifndef LEADNOTES_TEMPLATE_H
#define LEADNOTES_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

#include "leadnotes/buf.h"
#include "leadnotes/common.h"

typedef struct ln_template ln_template;

/* How deep sections, partials and blocks may nest, at compile time and at
 * render time (a partial that includes itself stops here with an error). */
#define LN_TEMPLATE_MAX_DEPTH 256

/* The default budget of node visits for one render. */
#define LN_TEMPLATE_MAX_STEPS ((size_t)1 << 27)
/* The most bytes one render appends by default: indented partials that
 * include themselves multiply their text, so the steps alone do not bound it. */
#define LN_TEMPLATE_MAX_OUTPUT ((size_t)1 << 28)

/* Render flags. */
#define LN_TEMPLATE_NO_ESCAPE 1u /* {{x}} inserts values as they are, like {{{x}}} */

/* What a value is, as the engine needs to know it. A data source reports an
 * empty string as LN_TEMPLATE_NULL: it prints nothing and is false. */
enum {
	LN_TEMPLATE_NULL = 0, /* nil, null, "" or anything unprintable: false, prints nothing */
	LN_TEMPLATE_FALSE,    /* false: false, prints through text() */
	LN_TEMPLATE_SCALAR,   /* a string, number or true: true, prints through text() */
	LN_TEMPLATE_LIST,     /* a sequence: a section repeats per item; empty is false */
	LN_TEMPLATE_MAP       /* a record with named fields: true, prints nothing */
};

/* A value of the data source: whatever the source wants it to be (a pointer,
 * an index into a stack). The engine only passes it back. */
typedef uintptr_t ln_template_value;

/* The data a template is rendered against. Every callback receives `ud`.
 * Values handed out by lookup/item stay valid until the engine calls
 * release() with a mark taken before they were handed out.
 *
 * Callbacks may also not return at all (a longjmp, as a Lua error does): the
 * engine allocates nothing during a render, so the only state to clean up is
 * the caller's own (`out` and what the callbacks hold). */
typedef struct ln_template_data {
	void *ud;
	/* Finds field `key` (len bytes, not NUL-terminated) of value `in`.
	 * Returns 1 and sets *out when it exists, 0 when it does not (or `in`
	 * has no fields). */
	int (*lookup)(void *ud, ln_template_value in, const char *key, size_t len, ln_template_value *out);
	/* One of LN_TEMPLATE_NULL... */
	int (*kind)(void *ud, ln_template_value v);
	/* The text of a scalar or false, borrowed until the next release(); NULL
	 * or *len == 0 prints nothing. */
	const char *(*text)(void *ud, ln_template_value v, size_t *len);
	/* Number of items of a list, and item i (0-based) of it. */
	size_t (*length)(void *ud, ln_template_value list);
	int (*item)(void *ud, ln_template_value list, size_t i, ln_template_value *out);
	/* Optional (both NULL or both set): mark() before a lookup, release(mark)
	 * when the values obtained since are no longer used. */
	size_t (*mark)(void *ud);
	void (*release)(void *ud, size_t mark);
	/* Optional: the compiled partial (or parent) named `name`. Returns 1 and
	 * sets *out (owned by the data source, alive until the render ends), 0
	 * when there is no such partial (it renders as nothing), or a negative
	 * code after filling err. */
	int (*partial)(void *ud, const char *name, size_t len, const ln_template **out, ln_error *err);
	/* Optional: the most nodes one render may visit (nested loops over
	 * long lists grow exponentially); 0 means LN_TEMPLATE_MAX_STEPS. */
	size_t max_steps;
	/* Optional: the most bytes one render may append; 0 means
	 * LN_TEMPLATE_MAX_OUTPUT. */
	size_t max_output;
} ln_template_data;

/* Compiles len bytes of src into *out, which the caller frees with
 * ln_template_free. The source is copied. Returns 0, or LN_EPARSE with
 * err->line/column (1-based; the column counts bytes) and a message such as
 * `unclosed section "items"`, or LN_ENOMEM. *out is NULL on failure. */
LN_API int ln_template_compile(ln_template **out, const char *src, size_t len, ln_error *err);

/* Releases a compiled template; t may be NULL. */
LN_API void ln_template_free(ln_template *t);

/* Renders t against `root` (the bottom of the context stack), appending to
 * out, which the caller owns. flags: LN_TEMPLATE_NO_ESCAPE or 0. Returns 0,
 * LN_EINVALID when nesting passes LN_TEMPLATE_MAX_DEPTH or the render
 * visits more than max_steps nodes or appends more than max_output bytes,
 * LN_ENOMEM, or what
 * the partial callback returned; err says why. On failure out holds partial
 * output, still NUL-terminated and owned by the caller. */
LN_API int ln_template_render(ln_buf *out, const ln_template *t, const ln_template_data *data,
	ln_template_value root, unsigned flags, ln_error *err);

/* Appends len bytes of s to out with & < > " written as HTML entities.
 * Returns 0 or -1 without memory. */
LN_API int ln_template_escape_html(ln_buf *out, const char *s, size_t len);

/* Appends to out the names of the regular files in dir (not starting with
 * '.'), sorted bytewise, each followed by a NUL byte. Returns 0,
 * LN_ENOTFOUND when dir does not exist, LN_EIO or LN_ENOMEM. */
LN_API int ln_template_list_dir(ln_buf *out, const char *dir, ln_error *err);

/* Number of nodes in the compiled tree (for tests and diagnostics). */
LN_API size_t ln_template_node_count(const ln_template *t);

#endif
