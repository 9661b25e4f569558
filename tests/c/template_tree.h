/* A tree of constant values to render templates against, and the
 * ln_template_data callbacks that walk it: shared by the template unit test
 * (tests/c/test_template.c) and its fuzzer (tests/fuzz/fuzz_template.c).
 * Header only, included once per program; its functions are static. */
#ifndef LEADNOTES_TEST_TEMPLATE_TREE_H
#define LEADNOTES_TEST_TEMPLATE_TREE_H

#include <stddef.h>
#include <string.h>

#include "leadnotes/template.h"

typedef struct tree_value tree_value;
typedef struct tree_field {
	const char *key;
	const tree_value *value;
} tree_field;
/* kind is an LN_TEMPLATE_* kind; a map has fields, a list items. */
struct tree_value {
	int kind;
	const char *text;
	const tree_field *fields;
	size_t nfields;
	const tree_value *items;
	size_t nitems;
};

static int tree_lookup(void *ud, ln_template_value in, const char *key, size_t len, ln_template_value *out)
{
	const tree_value *v = (const tree_value *)in;
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

static int tree_kind(void *ud, ln_template_value v)
{
	(void)ud;
	return ((const tree_value *)v)->kind;
}

static const char *tree_text(void *ud, ln_template_value v, size_t *len)
{
	const tree_value *value = (const tree_value *)v;
	(void)ud;
	*len = value->text ? strlen(value->text) : 0;
	return value->text;
}

static size_t tree_length(void *ud, ln_template_value list)
{
	(void)ud;
	return ((const tree_value *)list)->nitems;
}

static int tree_item(void *ud, ln_template_value list, size_t i, ln_template_value *out)
{
	const tree_value *v = (const tree_value *)list;
	(void)ud;
	if (i >= v->nitems)
		return 0;
	*out = (ln_template_value)&v->items[i];
	return 1;
}

/* Data for a render that walks the tree, with ud and partial given. */
static ln_template_data tree_data(void *ud,
	int (*partial)(void *ud, const char *name, size_t len, const ln_template **out, ln_error *err))
{
	ln_template_data d;
	memset(&d, 0, sizeof(d));
	d.ud = ud;
	d.lookup = tree_lookup;
	d.kind = tree_kind;
	d.text = tree_text;
	d.length = tree_length;
	d.item = tree_item;
	d.partial = partial;
	return d;
}

#endif
