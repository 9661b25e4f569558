/* libFuzzer harness for the Mustache engine: compiles the input, and when it
 * compiles renders it (escaped and raw) against a small fixed data tree.
 * Partials: "self" is the input itself (recursion must stop at the depth
 * limit), "p" a fixed partial, anything else is missing. Public API only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "leadnotes/template.h"

typedef struct fz_value fz_value;
typedef struct fz_field {
	const char *key;
	const fz_value *value;
} fz_field;
struct fz_value {
	int kind;
	const char *text;
	const fz_field *fields;
	size_t nfields;
	const fz_value *items;
	size_t nitems;
};

static const fz_value v_name = { LN_TEMPLATE_SCALAR, "Ada <&> \"L\"", NULL, 0, NULL, 0 };
static const fz_value v_num = { LN_TEMPLATE_SCALAR, "85", NULL, 0, NULL, 0 };
static const fz_value v_true = { LN_TEMPLATE_SCALAR, "true", NULL, 0, NULL, 0 };
static const fz_value v_false = { LN_TEMPLATE_FALSE, "false", NULL, 0, NULL, 0 };
static const fz_value v_self = { LN_TEMPLATE_SCALAR, "self", NULL, 0, NULL, 0 };
static const fz_value v_multi = { LN_TEMPLATE_SCALAR, "line one\nline two\n", NULL, 0, NULL, 0 };
static const fz_field f_a[] = { { "name", &v_num } };
static const fz_field f_b[] = { { "name", &v_name }, { "ok", &v_true } };
static const fz_value v_items[] = {
	{ LN_TEMPLATE_MAP, NULL, f_a, 1, NULL, 0 },
	{ LN_TEMPLATE_MAP, NULL, f_b, 2, NULL, 0 },
	{ LN_TEMPLATE_SCALAR, "plain", NULL, 0, NULL, 0 },
};
static const fz_value v_list = { LN_TEMPLATE_LIST, NULL, NULL, 0, v_items, 3 };
static const fz_value v_empty = { LN_TEMPLATE_LIST, NULL, NULL, 0, NULL, 0 };
static const fz_field f_deep[] = { { "x", &v_multi } };
static const fz_value v_deep = { LN_TEMPLATE_MAP, NULL, f_deep, 1, NULL, 0 };
static const fz_field f_map[] = { { "deep", &v_deep }, { "name", &v_name } };
static const fz_value v_map = { LN_TEMPLATE_MAP, NULL, f_map, 2, NULL, 0 };
static const fz_field f_root[] = {
	{ "name", &v_name }, { "n", &v_num }, { "yes", &v_true }, { "no", &v_false },
	{ "list", &v_list }, { "empty", &v_empty }, { "map", &v_map }, { "dyn", &v_self },
	{ "x", &v_multi },
};
static const fz_value v_root = { LN_TEMPLATE_MAP, NULL, f_root, sizeof(f_root) / sizeof(f_root[0]), NULL, 0 };

typedef struct fz_ctx {
	const ln_template *self;
	const ln_template *fixed;
} fz_ctx;

static int fz_lookup(void *ud, ln_template_value in, const char *key, size_t len, ln_template_value *out)
{
	const fz_value *v = (const fz_value *)in;
	size_t i;
	(void)ud;
	if (v->kind != LN_TEMPLATE_MAP)
		return 0;
	for (i = 0; i < v->nfields; i++) {
		if (strlen(v->fields[i].key) == len && memcmp(v->fields[i].key, key, len) == 0) {
			*out = (ln_template_value)v->fields[i].value;
			return 1;
		}
	}
	return 0;
}

static int fz_kind(void *ud, ln_template_value v)
{
	(void)ud;
	return ((const fz_value *)v)->kind;
}

static const char *fz_text(void *ud, ln_template_value v, size_t *len)
{
	const fz_value *value = (const fz_value *)v;
	(void)ud;
	*len = value->text ? strlen(value->text) : 0;
	return value->text;
}

static size_t fz_length(void *ud, ln_template_value list)
{
	(void)ud;
	return ((const fz_value *)list)->nitems;
}

static int fz_item(void *ud, ln_template_value list, size_t i, ln_template_value *out)
{
	const fz_value *v = (const fz_value *)list;
	(void)ud;
	if (i >= v->nitems)
		return 0;
	*out = (ln_template_value)&v->items[i];
	return 1;
}

static int fz_partial(void *ud, const char *name, size_t len, const ln_template **out, ln_error *err)
{
	fz_ctx *ctx = ud;
	(void)err;
	if (len == 4 && memcmp(name, "self", 4) == 0) {
		*out = ctx->self;
		return 1;
	}
	if (len == 1 && name[0] == 'p' && ctx->fixed) {
		*out = ctx->fixed;
		return 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char fixed_src[] = "[{{name}}]\n  {{#list}}\n  - {{name}}\n  {{/list}}\n{{$b}}d{{/b}}\n";
	ln_template *t = NULL, *fixed = NULL;
	ln_buf out = LN_BUF_INIT;
	ln_error err;
	ln_template_data d;
	fz_ctx ctx;

	if (ln_template_compile(&t, (const char *)data, size, &err) < 0)
		goto cleanup;
	if (ln_template_compile(&fixed, fixed_src, sizeof(fixed_src) - 1, &err) < 0)
		goto cleanup;
	ctx.self = t;
	ctx.fixed = fixed;
	memset(&d, 0, sizeof(d));
	d.ud = &ctx;
	d.lookup = fz_lookup;
	d.kind = fz_kind;
	d.text = fz_text;
	d.length = fz_length;
	d.item = fz_item;
	d.partial = fz_partial;
	d.max_steps = 1024; /* the engine's own limits are tested in test_template.c; small ones keep this fast */
	d.max_output = 1 << 14;
	ln_template_render(&out, t, &d, (ln_template_value)&v_root, 0, &err);
	ln_buf_clear(&out);
	ln_template_render(&out, t, &d, (ln_template_value)&v_root, LN_TEMPLATE_NO_ESCAPE, &err);

cleanup:
	ln_buf_free(&out);
	ln_template_free(fixed);
	ln_template_free(t);
	return 0;
}
