/* template: the Mustache engine's internals, against a tiny hand-made data
 * tree: compile errors with line and column, escaping, standalone lines,
 * indentation, inheritance, depth and work limits, the templates folder. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leadnotes/template.h"

#include "check.h"
#include "helpers.h"
#include "template_tree.h"


/* ---- a tiny data tree ---- */

typedef tree_value tv;
typedef tree_field tfield;

static const tv v_name = { LN_TEMPLATE_SCALAR, "Ada & <Bo>", NULL, 0, NULL, 0 };
static const tv v_85 = { LN_TEMPLATE_SCALAR, "85", NULL, 0, NULL, 0 };
static const tv v_false = { LN_TEMPLATE_FALSE, "false", NULL, 0, NULL, 0 };
static const tv v_null = { LN_TEMPLATE_NULL, NULL, NULL, 0, NULL, 0 };
static const tv v_two_lines = { LN_TEMPLATE_SCALAR, "one\ntwo", NULL, 0, NULL, 0 };
static const tfield f_item1[] = { { "text", &v_85 } };
static const tfield f_item2[] = { { "text", &v_name } };
static const tv v_items[] = {
	{ LN_TEMPLATE_MAP, NULL, f_item1, 1, NULL, 0 },
	{ LN_TEMPLATE_MAP, NULL, f_item2, 1, NULL, 0 },
};
static const tv v_list = { LN_TEMPLATE_LIST, NULL, NULL, 0, v_items, 2 };
static const tv v_empty = { LN_TEMPLATE_LIST, NULL, NULL, 0, NULL, 0 };
static const tfield f_person[] = { { "name", &v_name }, { "dir", &v_85 } };
static const tv v_person = { LN_TEMPLATE_MAP, NULL, f_person, 2, NULL, 0 };
static const tfield f_root[] = {
	{ "name", &v_name }, { "score", &v_85 }, { "no", &v_false }, { "nothing", &v_null },
	{ "items", &v_list }, { "empty", &v_empty }, { "person", &v_person }, { "lines", &v_two_lines },
};
static const tv v_root = { LN_TEMPLATE_MAP, NULL, f_root, sizeof(f_root) / sizeof(f_root[0]), NULL, 0 };

typedef struct partials {
	const char *names[4];
	ln_template *templates[4];
	int calls;
} partials;

static int t_partial(void *ud, const char *name, size_t len, const ln_template **out, ln_error *err)
{
	partials *p = ud;
	int i;
	(void)err;
	p->calls++;
	for (i = 0; i < 4 && p->names[i]; i++) {
		if (strlen(p->names[i]) == len && memcmp(p->names[i], name, len) == 0) {
			*out = p->templates[i];
			return 1;
		}
	}
	return 0;
}

static ln_template_data data_for(partials *p)
{
	return tree_data(p, t_partial);
}

/* Renders src with the named partials (NULL-terminated name, text pairs);
 * returns the output (caller frees) or NULL, with the code in *rc. */
static char *render(const char *src, unsigned flags, int *rc_out, ln_error *err, ...)
{
	partials p;
	ln_template *t = NULL;
	ln_template_data d;
	ln_buf out = LN_BUF_INIT;
	char *result = NULL;
	const char *name;
	va_list ap;
	int rc, n = 0, i;

	memset(&p, 0, sizeof(p));
	va_start(ap, err);
	while ((name = va_arg(ap, const char *)) != NULL && n < 4) {
		const char *text = va_arg(ap, const char *);
		p.names[n] = name;
		if (ln_template_compile(&p.templates[n], text, strlen(text), err) < 0)
			fprintf(stderr, "partial %s: %s\n", name, err->message);
		n++;
	}
	va_end(ap);
	rc = ln_template_compile(&t, src, strlen(src), err);
	if (rc == 0) {
		d = data_for(&p);
		rc = ln_template_render(&out, t, &d, (ln_template_value)&v_root, flags, err);
	}
	if (rc == 0)
		result = ln_buf_detach(&out);
	ln_buf_free(&out);
	ln_template_free(t);
	for (i = 0; i < n; i++)
		ln_template_free(p.templates[i]);
	if (rc_out)
		*rc_out = rc;
	return result;
}

static void check_render(const char *src, const char *expected, const char *name)
{
	ln_error err;
	int rc;
	char *out = render(src, 0, &rc, &err, NULL);
	CHECK(rc == 0 && out && strcmp(out, expected) == 0, name);
	if (!out || strcmp(out, expected) != 0)
		fprintf(stderr, "  got: [%s] (%s)\n  expected: [%s]\n", out ? out : "(null)", err.message, expected);
	free(out);
}

static void check_error(const char *src, int code, int line, int column, const char *message, const char *name)
{
	ln_template *t = NULL;
	ln_error err;
	int rc = ln_template_compile(&t, src, strlen(src), &err);
	CHECK(rc == code && t == NULL && err.code == code && err.line == line && err.column == column &&
	      strstr(err.message, message) != NULL, name);
	if (rc != code || err.line != line || err.column != column || !strstr(err.message, message))
		fprintf(stderr, "  got %d at %d:%d: %s\n", rc, err.line, err.column, err.message);
	ln_template_free(t);
}

static void test_errors(void)
{
	char *deep;
	size_t i;

	check_error("a\n{{#items}}\n  x\n", LN_EPARSE, 2, 1, "unclosed section \"items\"",
		"template: an unclosed section names itself and where it opened");
	check_error("line\n  {{#a}}{{/b}}", LN_EPARSE, 2, 9, "closing tag \"b\" does not match section \"a\" opened at 2:3",
		"template: a mismatched closing tag says which section is open");
	check_error("x {{/a}}", LN_EPARSE, 1, 3, "without an open section",
		"template: a closing tag without a section is an error");
	check_error("ok\nnot {{ok", LN_EPARSE, 2, 5, "unclosed tag", "template: an unclosed tag is an error at its start");
	check_error("{{}}", LN_EPARSE, 1, 1, "empty tag", "template: an empty tag is an error");
	check_error("{{=<% >=}}<%>=", LN_EPARSE, 1, 11, "empty tag",
		"template: an empty tag whose closing delimiter begins with a sigil is an error");
	check_error("{{= x =}}", LN_EPARSE, 1, 1, "set-delimiter", "template: a set-delimiter tag needs two delimiters");
	check_error("{{a..b}}", LN_EPARSE, 1, 1, "invalid name", "template: a dotted name with an empty part is an error");
	check_error("{{{x}}", LN_EPARSE, 1, 1, "unclosed tag", "template: a triple mustache needs its third brace");
	check_error("{{! comment\n}}\n  {{#a}}", LN_EPARSE, 3, 3, "unclosed section",
		"template: lines and columns count through multi-line tags");

	deep = malloc(LN_TEMPLATE_MAX_DEPTH * 6 + 16);
	deep[0] = '\0';
	for (i = 0; i <= LN_TEMPLATE_MAX_DEPTH; i++)
		strcat(deep, "{{#a}}");
	check_error(deep, LN_EPARSE, 1, LN_TEMPLATE_MAX_DEPTH * 6 + 1, "nested deeper",
		"template: sections nested past the limit are a compile error, not a deep tree");
	free(deep);
}

static void test_escaping(void)
{
	ln_buf b = LN_BUF_INIT;
	ln_error err;
	int rc;
	char *out;

	ln_template_escape_html(&b, "a & b < c > d \"e\" 'f'", 21);
	CHECK(strcmp(b.ptr, "a &amp; b &lt; c &gt; d &quot;e&quot; 'f'") == 0, "escape: the four HTML characters become entities");
	ln_buf_free(&b);

	check_render("{{name}}|{{{name}}}|{{&name}}", "Ada &amp; &lt;Bo&gt;|Ada & <Bo>|Ada & <Bo>",
		"render: {{x}} escapes, {{{x}}} and {{&x}} do not");
	out = render("{{name}}", LN_TEMPLATE_NO_ESCAPE, &rc, &err, NULL);
	CHECK(rc == 0 && out && strcmp(out, "Ada & <Bo>") == 0, "render: LN_TEMPLATE_NO_ESCAPE writes values as they are");
	free(out);
}

static void test_values(void)
{
	check_render("{{score}} {{person.name}} {{person.missing}} {{missing.name}}", "85 Ada &amp; &lt;Bo&gt;  ",
		"render: dotted names walk fields, misses print nothing");
	check_render("{{#person}}{{dir}}/{{score}}{{/person}}", "85/85",
		"render: a section pushes its value, lookups fall back down the stack");
	check_render("{{#items}}[{{text}}]{{/items}}{{^empty}}none{{/empty}}", "[85][Ada &amp; &lt;Bo&gt;]none",
		"render: lists repeat, an empty list is false");
	check_render("{{#no}}x{{/no}}{{^no}}{{no}}{{/no}}{{#nothing}}y{{/nothing}}{{nothing}}", "false",
		"render: false prints as false and is false; null prints nothing");
	check_render("{{#items}}{{.}}{{/items}}{{#score}}{{.}}{{/score}}", "85",
		"render: the implicit iterator is the top of the stack");
}

static void test_standalone(void)
{
	check_render("a\n  {{#items}}\n  - {{text}}\n  {{/items}}\nb\n", "a\n  - 85\n  - Ada &amp; &lt;Bo&gt;\nb\n",
		"standalone: section lines vanish with their indentation and newline");
	check_render("a\r\n{{! note }}\r\nb", "a\r\nb", "standalone: a comment line ending in CRLF vanishes");
	check_render("a {{#no}}\n{{/no}} b", "a  b", "standalone: a tag sharing its line with text stays");
	check_render("  {{^no}}\nx\n  {{/no}}", "x\n", "standalone: the last line needs no newline");
	check_render("{{=| |=}}\n|name|\n|={{ }}=|\n{{score}}", "Ada &amp; &lt;Bo&gt;\n85",
		"standalone: set-delimiter lines vanish and delimiters switch");
}

static void test_partials(void)
{
	ln_error err;
	int rc;
	char *out;

	out = render("a\n  {{>p}}\nb\n", 0, &rc, &err, "p", "one\n{{{lines}}}\n", NULL);
	CHECK(rc == 0 && out && strcmp(out, "a\n  one\n  one\ntwo\nb\n") == 0,
		"partials: a standalone partial indents its own lines, not the data's");
	free(out);

	out = render("x{{>missing}}y", 0, &rc, &err, NULL);
	CHECK(rc == 0 && out && strcmp(out, "xy") == 0, "partials: a missing partial renders as nothing");
	free(out);

	out = render("{{>p}}", 0, &rc, &err, "p", "x{{>p}}", NULL);
	CHECK(out == NULL && rc == LN_EINVALID && strstr(err.message, "deeper than"),
		"partials: a partial that includes itself stops with an error at the depth limit");
	free(out);

	out = render("{{<base}}\n{{$body}}\n    over\n      ridden\n{{/body}}\n{{/base}}\n", 0, &rc, &err,
		"base", "# {{$title}}Title{{/title}}\n  {{$body}}\n  default\n  {{/body}}\nend\n", NULL);
	CHECK(rc == 0 && out && strcmp(out, "# Title\n  over\n    ridden\nend\n") == 0,
		"inheritance: an override is reindented to the block it replaces");
	if (out && strcmp(out, "# Title\n  over\n    ridden\nend\n") != 0)
		fprintf(stderr, "  got [%s]\n", out);
	free(out);
}

static void test_limits(void)
{
	ln_template *t = NULL;
	ln_template_data d;
	partials p;
	ln_buf out = LN_BUF_INIT;
	ln_error err;
	const char *src = "{{#items}}{{#items}}{{#items}}{{#items}}{{#items}}{{#items}}x{{/items}}{{/items}}{{/items}}{{/items}}{{/items}}{{/items}}";
	int rc;

	memset(&p, 0, sizeof(p));
	rc = ln_template_compile(&t, src, strlen(src), &err);
	CHECK(rc == 0, "limits: nested loops compile");
	d = data_for(&p);
	d.max_steps = 50;
	rc = ln_template_render(&out, t, &d, (ln_template_value)&v_root, 0, &err);
	CHECK(rc == LN_EINVALID && strstr(err.message, "steps"), "limits: a render stops past its step budget");
	ln_buf_clear(&out);
	d.max_steps = 0;
	rc = ln_template_render(&out, t, &d, (ln_template_value)&v_root, 0, &err);
	CHECK(rc == 0 && out.size == 64, "limits: the default budget lets ordinary loops finish");
	ln_buf_clear(&out);
	d.max_output = 16;
	rc = ln_template_render(&out, t, &d, (ln_template_value)&v_root, 0, &err);
	CHECK(rc == LN_EINVALID && strstr(err.message, "past 16 bytes") && out.size <= 18,
		"limits: a render stops once its output passes the byte budget");
	ln_buf_free(&out);
	ln_template_free(t);
	ln_template_free(NULL);
	CHECK(ln_template_node_count(NULL) == 0, "limits: free and count accept NULL");
}

static void test_list_dir(void)
{
	char dir[256];
	char path[300];
	ln_buf out = LN_BUF_INIT;
	ln_error err;
	int rc;

	CHECK(th_tmpdir(dir, sizeof(dir), "template") == 0, "list: a temporary folder");
	snprintf(path, sizeof(path), "%s/b.org", dir);
	th_write_file(path, "", 0);
	snprintf(path, sizeof(path), "%s/a.md", dir);
	th_write_file(path, "", 0);
	snprintf(path, sizeof(path), "%s/.hidden", dir);
	th_write_file(path, "", 0);
	snprintf(path, sizeof(path), "%s/sub", dir);
	mkdir(path, 0700);
	rc = ln_template_list_dir(&out, dir, &err);
	CHECK(rc == 0 && out.size == 11 && memcmp(out.ptr, "a.md\0b.org\0", 11) == 0,
		"list: regular files, sorted, without hidden files or folders");
	ln_buf_free(&out);
	rc = ln_template_list_dir(&out, "/nonexistent/leadnotes", &err);
	CHECK(rc == LN_ENOTFOUND, "list: a missing folder is not found");
	ln_buf_free(&out);
	th_remove_tree(dir);
}

int main(void)
{
	test_errors();
	test_escaping();
	test_values();
	test_standalone();
	test_partials();
	test_limits();
	test_list_dir();
	return check_report();
}
