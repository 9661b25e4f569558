/* libFuzzer harness for the Mustache engine: compiles the input, and when it
 * compiles renders it (escaped and raw) against a small fixed data tree.
 * Partials: "self" is the input itself (recursion must stop at the depth
 * limit), "p" a fixed partial, anything else is missing. Public API only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "leadnotes/template.h"

#include "../c/template_tree.h"

typedef tree_value fz_value;
typedef tree_field fz_field;

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
	d = tree_data(&ctx, fz_partial);
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
