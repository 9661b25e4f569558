/* leadnotes.core: the template functions.
 *
 *   core.render(template, data [, partials [, options]]) -> string
 *   core.compile(template [, name]) -> compiled; compiled:render(data [, partials [, options]])
 *   core.template_files(dir) -> { "name.org", ... } | nil, message, code
 *
 * partials is a table name -> template text, or a function(name) -> text.
 * options.escape is "html" (the default, as Mustache says) or "none".
 *
 * The engine reads Lua values through callbacks that push them on the Lua
 * stack: a value is its stack index, and the engine releases them by marks
 * (lua_settop). Lookups honour __index, so they may raise: the engine holds
 * no memory during a render, the output buffer and every compiled partial
 * live in userdata the garbage collector frees. */
#include <stdio.h>
#include <string.h>

#include "lua_binding.h"
#include "leadnotes/template.h"

#define TEMPLATE_META "leadnotes.template"
#define BUFFER_META "leadnotes.template.buffer"

/* A handle (lua_binding.h): the template's pointer comes first. */
typedef struct compiled {
	void *t; /* the ln_template, NULL once freed */
	char name[64];
} compiled;

typedef struct lua_data {
	lua_State *L;
	int partials; /* stack index of the partials table or function, 0 when none */
	int cache;    /* stack index of name -> compiled userdata for this render */
} lua_data;

/* ---- the output buffer, freed by the collector if a render raises ---- */

static int buffer_gc(lua_State *L)
{
	ln_buf *buf = luaL_checkudata(L, 1, BUFFER_META);
	ln_buf_free(buf);
	return 0;
}

static ln_buf *push_buffer(lua_State *L)
{
	ln_buf *buf = lua_newuserdata(L, sizeof(*buf));
	memset(buf, 0, sizeof(*buf));
	luaL_setmetatable(L, BUFFER_META);
	return buf;
}

/* ---- compiled templates ---------------------------------------------- */

static compiled *push_compiled(lua_State *L, const char *name, size_t name_len)
{
	compiled *c = lua_newuserdata(L, sizeof(*c));
	c->t = NULL;
	if (name_len >= sizeof(c->name))
		name_len = sizeof(c->name) - 1;
	memcpy(c->name, name, name_len);
	c->name[name_len] = '\0';
	luaL_setmetatable(L, TEMPLATE_META);
	return c;
}

/* Compiles the string at idx into a new userdata pushed on the stack, or
 * raises "<name>:<line>:<col>: <message>". */
static compiled *compile_at(lua_State *L, int idx, const char *name, size_t name_len)
{
	size_t len;
	const char *src = lua_tolstring(L, idx, &len);
	compiled *c = push_compiled(L, name, name_len);
	ln_error err;

	ln_template *t = NULL;
	int rc = ln_template_compile(&t, src, len, &err);

	c->t = t;
	if (rc < 0) {
		/* The message carries its own position: no "file:line:" of the caller. */
		if (err.line > 0)
			lua_pushfstring(L, "%s:%d:%d: %s", c->name, err.line, err.column, err.message);
		else
			lua_pushfstring(L, "%s: %s", c->name, err.message);
		lua_error(L);
	}
	return c;
}

static compiled *check_compiled(lua_State *L, int idx)
{
	ln_lua_check_handle(L, idx, TEMPLATE_META, "compiled template");
	return lua_touserdata(L, idx);
}

static int compiled_gc(lua_State *L)
{
	compiled *c = luaL_checkudata(L, 1, TEMPLATE_META);
	ln_template_free(c->t);
	c->t = NULL;
	return 0;
}

static int compiled_tostring(lua_State *L)
{
	compiled *c = luaL_checkudata(L, 1, TEMPLATE_META);
	if (c->t)
		lua_pushfstring(L, "leadnotes.template (%s, %d nodes)", c->name, (int)ln_template_node_count(c->t));
	else
		lua_pushfstring(L, "leadnotes.template (%s, freed)", c->name);
	return 1;
}

/* ---- data access over Lua values ------------------------------------- */

static int data_lookup(void *ud, ln_template_value in, const char *key, size_t len, ln_template_value *out)
{
	lua_data *d = ud;
	lua_State *L = d->L;
	int idx = (int)in;

	if (lua_type(L, idx) != LUA_TTABLE)
		return 0;
	luaL_checkstack(L, 4, "template data nested too deeply");
	lua_pushlstring(L, key, len);
	lua_gettable(L, idx);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return 0;
	}
	*out = (ln_template_value)lua_gettop(L);
	return 1;
}

static int table_kind(lua_State *L, int idx)
{
	int kind;

	luaL_checkstack(L, 3, "template data nested too deeply");
	lua_rawgeti(L, idx, 1);
	kind = lua_isnil(L, -1) ? -1 : LN_TEMPLATE_LIST;
	lua_pop(L, 1);
	if (kind != -1)
		return kind;
	lua_pushnil(L);
	if (lua_next(L, idx)) {
		lua_pop(L, 2);
		return LN_TEMPLATE_MAP;
	}
	/* An empty table is an empty list (false), unless a metatable may
	 * answer lookups. */
	if (lua_getmetatable(L, idx)) {
		lua_pop(L, 1);
		return LN_TEMPLATE_MAP;
	}
	return LN_TEMPLATE_LIST;
}

static int data_kind(void *ud, ln_template_value v)
{
	lua_data *d = ud;
	lua_State *L = d->L;
	int idx = (int)v;

	switch (lua_type(L, idx)) {
	case LUA_TBOOLEAN:
		return lua_toboolean(L, idx) ? LN_TEMPLATE_SCALAR : LN_TEMPLATE_FALSE;
	case LUA_TNUMBER:
		return LN_TEMPLATE_SCALAR;
	case LUA_TSTRING:
		return lua_rawlen(L, idx) > 0 ? LN_TEMPLATE_SCALAR : LN_TEMPLATE_NULL;
	case LUA_TTABLE:
		return table_kind(L, idx);
	default:
		/* nil, JSON null (a NULL light userdata), functions (lambdas are
		 * not supported), userdata, threads. */
		return LN_TEMPLATE_NULL;
	}
}

static const char *data_text(void *ud, ln_template_value v, size_t *len)
{
	lua_data *d = ud;
	lua_State *L = d->L;
	int idx = (int)v;
	char num[64];

	switch (lua_type(L, idx)) {
	case LUA_TSTRING:
		return lua_tolstring(L, idx, len);
	case LUA_TBOOLEAN:
		*len = lua_toboolean(L, idx) ? 4 : 5;
		return lua_toboolean(L, idx) ? "true" : "false";
	case LUA_TNUMBER:
		/* As a person writes it: 85, not 85.0; 1.21. */
		if (ln_lua_isinteger(L, idx))
			snprintf(num, sizeof(num), "%lld", ln_lua_tointeger(L, idx));
		else
			snprintf(num, sizeof(num), "%.14g", (double)lua_tonumber(L, idx));
		luaL_checkstack(L, 1, "template data nested too deeply");
		lua_pushstring(L, num);
		return lua_tolstring(L, -1, len);
	default:
		*len = 0;
		return NULL;
	}
}

static size_t data_length(void *ud, ln_template_value list)
{
	lua_data *d = ud;
	return (size_t)lua_rawlen(d->L, (int)list);
}

static int data_item(void *ud, ln_template_value list, size_t i, ln_template_value *out)
{
	lua_data *d = ud;
	lua_State *L = d->L;

	luaL_checkstack(L, 2, "template data nested too deeply");
	lua_rawgeti(L, (int)list, (int)(i + 1));
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return 0;
	}
	*out = (ln_template_value)lua_gettop(L);
	return 1;
}

static size_t data_mark(void *ud)
{
	lua_data *d = ud;
	return (size_t)lua_gettop(d->L);
}

static void data_release(void *ud, size_t mark)
{
	lua_data *d = ud;
	lua_settop(d->L, (int)mark);
}

static int data_partial(void *ud, const char *name, size_t len, const ln_template **out, ln_error *err)
{
	lua_data *d = ud;
	lua_State *L = d->L;
	int top = lua_gettop(L);
	compiled *c;

	(void)err;
	if (!d->partials)
		return 0;
	luaL_checkstack(L, 6, "template partials nested too deeply");
	lua_pushlstring(L, name, len);
	lua_rawget(L, d->cache);
	c = luaL_testudata(L, -1, TEMPLATE_META);
	if (c && c->t) {
		*out = c->t;
		lua_settop(L, top);
		return 1;
	}
	lua_settop(L, top);

	if (lua_type(L, d->partials) == LUA_TFUNCTION) {
		lua_pushvalue(L, d->partials);
		lua_pushlstring(L, name, len);
		lua_call(L, 1, 1);
	} else {
		lua_pushlstring(L, name, len);
		lua_gettable(L, d->partials);
	}
	if (lua_isnil(L, -1) || (lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1))) {
		lua_settop(L, top);
		return 0;
	}
	if (lua_type(L, -1) != LUA_TSTRING) {
		lua_pushlstring(L, name, len);
		/* a caller's mistake in the partials argument */
		return luaL_argerror(L, d->partials, lua_pushfstring(L, "partial \"%s\" is a %s, expected a string",
			lua_tostring(L, -1), luaL_typename(L, -2)));
	}
	c = compile_at(L, top + 1, name, len);
	lua_pushlstring(L, name, len);
	lua_pushvalue(L, -2);
	lua_rawset(L, d->cache);
	*out = c->t;
	lua_settop(L, top);
	return 1;
}

/* ---- render ---------------------------------------------------------- */

/* Renders t with the arguments at data_idx, partials_idx, opts_idx. */
static int render_with(lua_State *L, const ln_template *t, int data_idx, int partials_idx, int opts_idx)
{
	lua_data d;
	ln_template_data iface;
	ln_error err;
	ln_buf *buf;
	unsigned flags = 0;
	int type, rc;

	type = lua_type(L, data_idx);
	if (type != LUA_TNIL && type != LUA_TNONE && type != LUA_TTABLE && type != LUA_TSTRING &&
	    type != LUA_TNUMBER && type != LUA_TBOOLEAN) {
		return ln_lua_type_error(L, data_idx, "table");
	}
	type = lua_type(L, partials_idx);
	if (type != LUA_TNIL && type != LUA_TNONE && type != LUA_TTABLE && type != LUA_TFUNCTION) {
		return ln_lua_type_error(L, partials_idx, "table or function");
	}
	type = lua_type(L, opts_idx);
	if (type == LUA_TTABLE) {
		ln_lua_check_keys(L, opts_idx, (const char *const[]){ "escape", NULL });
		lua_getfield(L, opts_idx, "escape");
		if (lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "none") == 0) {
			flags |= LN_TEMPLATE_NO_ESCAPE;
		} else if (!lua_isnil(L, -1) &&
		           !(lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "html") == 0)) {
			return ln_lua_option_error(L, opts_idx, "escape", "must be \"html\" or \"none\"");
		}
		lua_pop(L, 1);
	} else if (type != LUA_TNIL && type != LUA_TNONE) {
		return ln_lua_type_error(L, opts_idx, "table");
	}

	d.L = L;
	d.partials = (lua_type(L, partials_idx) == LUA_TTABLE || lua_type(L, partials_idx) == LUA_TFUNCTION)
		? partials_idx : 0;
	buf = push_buffer(L);
	lua_newtable(L);
	d.cache = lua_gettop(L);
	if (lua_type(L, data_idx) == LUA_TNONE) {
		lua_pushnil(L);
		data_idx = lua_gettop(L);
	}

	{
		/* Lua values through callbacks; max_steps and max_output 0: the
		 * engine's defaults. */
		const ln_template_data lua_values = { .ud = &d, .lookup = data_lookup, .kind = data_kind,
			.text = data_text, .length = data_length, .item = data_item, .mark = data_mark,
			.release = data_release, .partial = data_partial };
		iface = lua_values;
	}

	rc = ln_template_render(buf, t, &iface, (ln_template_value)data_idx, flags, &err);
	if (rc < 0) {
		ln_buf_free(buf);
		/* the template (argument 1, or self) could not be rendered */
		return ln_lua_arg_raise(L, 1, &err);
	}
	lua_pushlstring(L, buf->ptr ? buf->ptr : "", buf->size);
	ln_buf_free(buf);
	return 1;
}

/* The string at idx (not a number: luaL_checklstring would take one). */
static const char *check_string_arg(lua_State *L, int idx, size_t *len)
{
	if (lua_type(L, idx) != LUA_TSTRING)
		ln_lua_type_error(L, idx, "string");
	return lua_tolstring(L, idx, len);
}

/* core.render(template, data [, partials [, options]]) */
static int core_render(lua_State *L)
{
	compiled *c;

	lua_settop(L, 4);
	check_string_arg(L, 1, NULL);
	c = compile_at(L, 1, "template", 8);
	return render_with(L, c->t, 2, 3, 4);
}

/* core.compile(template [, name]) */
static int core_compile(lua_State *L)
{
	const char *name = "template";
	size_t name_len = 8;

	lua_settop(L, 2);
	check_string_arg(L, 1, NULL);
	if (!lua_isnil(L, 2))
		name = check_string_arg(L, 2, &name_len);
	compile_at(L, 1, name, name_len);
	return 1;
}

/* compiled:render(data [, partials [, options]]) */
static int compiled_render(lua_State *L)
{
	compiled *c;

	lua_settop(L, 4);
	c = check_compiled(L, 1);
	return render_with(L, c->t, 2, 3, 4);
}

/* compiled:name() */
static int compiled_name(lua_State *L)
{
	compiled *c = luaL_checkudata(L, 1, TEMPLATE_META);
	lua_pushstring(L, c->name);
	return 1;
}

/* core.template_files(dir) -> sorted file names, or nil, message, code */
static int core_template_files(lua_State *L)
{
	const char *dir = check_string_arg(L, 1, NULL);
	ln_buf *buf = push_buffer(L);
	ln_error err;
	size_t start = 0, i;
	int n = 0;

	if (ln_template_list_dir(buf, dir, &err) < 0) {
		ln_buf_free(buf);
		return ln_lua_failure(L, &err);
	}
	lua_newtable(L);
	for (i = 0; i < buf->size; i++) {
		if (buf->ptr[i] != '\0')
			continue;
		lua_pushlstring(L, buf->ptr + start, i - start);
		lua_rawseti(L, -2, ++n);
		start = i + 1;
	}
	ln_buf_free(buf);
	return 1;
}

static const luaL_Reg compiled_methods[] = {
	{ "name", compiled_name },
	{ "render", compiled_render },
	{ NULL, NULL }
};

static const luaL_Reg template_functions[] = {
	{ "compile", core_compile },
	{ "render", core_render },
	{ "template_files", core_template_files },
	{ NULL, NULL }
};

void ln_lua_open_template(lua_State *L)
{
	if (luaL_newmetatable(L, BUFFER_META)) {
		lua_pushcfunction(L, buffer_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_pop(L, 1);

	if (luaL_newmetatable(L, TEMPLATE_META)) {
		lua_pushcfunction(L, compiled_gc);
		lua_setfield(L, -2, "__gc");
#if LN_LUA_HAS_CLOSE
		lua_pushcfunction(L, compiled_gc);
		lua_setfield(L, -2, "__close");
#endif
		lua_pushcfunction(L, compiled_tostring);
		lua_setfield(L, -2, "__tostring");
		lua_newtable(L);
		luaL_setfuncs(L, compiled_methods, 0);
		lua_setfield(L, -2, "__index");
	}
	lua_pop(L, 1);

	luaL_setfuncs(L, template_functions, 0);
}
