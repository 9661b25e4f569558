/* leadnotes.core: the notes parser, core.parse_org(text) and
 * core.parse_markdown(text). Both return
 *   { todo_keywords = {...}, done_keywords = {...},
 *     headlines = { { line=, level=, title=, todo=, todo_type=, priority=,
 *                     tags = {...}, scheduled=, deadline=, closed=,
 *                     properties = { {key, value}, ... }, comment = bool } },
 *     checkboxes = { { line=, state = "on"|"off"|"trans", text=, heading_line= } } }
 * Absent values (todo, todo_type, priority, planning, heading_line before
 * any headline) are nil. */
#include "lua_binding.h"
#include "leadnotes/org.h"

#define ORG_BOX_META "leadnotes.org_doc_box"

/* The parsed document lives in a userdata while the table is built, so a
 * memory error raised by Lua does not leak it: __gc frees it. */
static int org_box_gc(lua_State *L)
{
	ln_org_doc **box = luaL_checkudata(L, 1, ORG_BOX_META);
	ln_org_free(*box);
	*box = NULL;
	return 0;
}

static void set_string(lua_State *L, const char *key, const char *value)
{
	if (!value)
		return;
	lua_pushstring(L, value);
	lua_setfield(L, -2, key);
}

static void set_int(lua_State *L, const char *key, int value)
{
	lua_pushinteger(L, (lua_Integer)value);
	lua_setfield(L, -2, key);
}

static void push_headline(lua_State *L, const ln_org_headline *h)
{
	size_t i;

	lua_createtable(L, 0, 12);
	set_int(L, "line", h->line);
	set_int(L, "level", h->level);
	set_string(L, "title", h->title);
	set_string(L, "todo", h->todo);
	set_string(L, "todo_type", h->todo_type == LN_ORG_TODO_TODO ? "todo"
	                           : h->todo_type == LN_ORG_TODO_DONE ? "done" : NULL);
	set_string(L, "priority", h->priority);
	lua_createtable(L, (int)h->tag_count, 0);
	for (i = 0; i < h->tag_count; i++) {
		lua_pushstring(L, h->tags[i]);
		lua_rawseti(L, -2, (int)i + 1);
	}
	lua_setfield(L, -2, "tags");
	set_string(L, "scheduled", h->scheduled);
	set_string(L, "deadline", h->deadline);
	set_string(L, "closed", h->closed);
	lua_createtable(L, (int)h->property_count, 0);
	for (i = 0; i < h->property_count; i++) {
		lua_createtable(L, 2, 0);
		lua_pushstring(L, h->properties[i].key);
		lua_rawseti(L, -2, 1);
		lua_pushstring(L, h->properties[i].value);
		lua_rawseti(L, -2, 2);
		lua_rawseti(L, -2, (int)i + 1);
	}
	lua_setfield(L, -2, "properties");
	lua_pushboolean(L, h->comment);
	lua_setfield(L, -2, "comment");
}

static void push_checkbox(lua_State *L, const ln_org_checkbox *c)
{
	lua_createtable(L, 0, 4);
	set_int(L, "line", c->line);
	set_string(L, "state", c->state == LN_ORG_CHECK_ON ? "on" : c->state == LN_ORG_CHECK_TRANS ? "trans" : "off");
	set_string(L, "text", c->text);
	if (c->heading_line > 0)
		set_int(L, "heading_line", c->heading_line);
}

static void push_keywords(lua_State *L, const ln_org_doc *doc, int done)
{
	size_t i, n = done ? ln_org_done_keyword_count(doc) : ln_org_todo_keyword_count(doc);
	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		lua_pushstring(L, done ? ln_org_done_keyword(doc, i) : ln_org_todo_keyword(doc, i));
		lua_rawseti(L, -2, (int)i + 1);
	}
}

static int parse_with(lua_State *L, int (*parse)(ln_org_doc **, const char *, size_t, ln_error *))
{
	ln_org_doc **box;
	const char *text;
	size_t len, i, n;
	ln_error err;

	if (lua_type(L, 1) != LUA_TSTRING) /* not luaL_checklstring: a number is not a note */
		return ln_lua_type_error(L, 1, "string");
	text = lua_tolstring(L, 1, &len);

	box = lua_newuserdata(L, sizeof(*box));
	*box = NULL;
	luaL_setmetatable(L, ORG_BOX_META);
	if (parse(box, text, len, &err) < 0)
		return ln_lua_failure(L, &err);

	lua_createtable(L, 0, 4);
	push_keywords(L, *box, 0);
	lua_setfield(L, -2, "todo_keywords");
	push_keywords(L, *box, 1);
	lua_setfield(L, -2, "done_keywords");
	n = ln_org_headline_count(*box);
	lua_createtable(L, n > 0x7fffffff ? 0 : (int)n, 0);
	for (i = 0; i < n; i++) {
		push_headline(L, ln_org_headline_at(*box, i));
		lua_rawseti(L, -2, (int)i + 1);
	}
	lua_setfield(L, -2, "headlines");
	n = ln_org_checkbox_count(*box);
	lua_createtable(L, n > 0x7fffffff ? 0 : (int)n, 0);
	for (i = 0; i < n; i++) {
		push_checkbox(L, ln_org_checkbox_at(*box, i));
		lua_rawseti(L, -2, (int)i + 1);
	}
	lua_setfield(L, -2, "checkboxes");

	ln_org_free(*box);
	*box = NULL;
	return 1;
}

static int org_parse_markdown(lua_State *L)
{
	return parse_with(L, ln_org_parse_markdown);
}

static int org_parse_org(lua_State *L)
{
	return parse_with(L, ln_org_parse);
}

static const luaL_Reg org_functions[] = {
	{ "parse_markdown", org_parse_markdown },
	{ "parse_org", org_parse_org },
	{ NULL, NULL }
};

void ln_lua_open_org(lua_State *L)
{
	if (luaL_newmetatable(L, ORG_BOX_META)) {
		lua_pushcfunction(L, org_box_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_pop(L, 1);
	luaL_setfuncs(L, org_functions, 0);
}
