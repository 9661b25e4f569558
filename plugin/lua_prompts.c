/* leadnotes.core: the prompt bank as a userdata.
 *
 *   local bank = core.prompts_new()
 *   bank:add(org_text)             -> true | nil, message, code (ln_prompts_add)
 *   bank:disable(id)               -> true | false
 *   bank:count(), bank:list(), bank:get(id)
 *   bank:select{context=, person=, date=, seen={ids}, prefer_duties={names},
 *               prefer_contexts={names}} -> {id=, text=, duties=, kind=, contexts=, line=}
 */
#include <string.h>

#include "lua_binding.h"
#include "leadnotes/prompts.h"

#define PROMPTS_META "leadnotes.prompts"

static ln_prompts *prompts_check(lua_State *L)
{
	return ln_lua_check_handle(L, 1, PROMPTS_META, "prompt bank");
}

static void push_names(lua_State *L, unsigned bits, const char *(*name)(unsigned), unsigned count)
{
	unsigned i;
	int n = 0;

	lua_newtable(L);
	for (i = 0; i < count; i++) {
		if (bits & (1u << i)) {
			lua_pushstring(L, name(1u << i));
			lua_rawseti(L, -2, ++n);
		}
	}
}

static void push_prompt(lua_State *L, const ln_prompt *p)
{
	const char *kind = NULL;

	lua_createtable(L, 0, 7);
	lua_pushstring(L, p->id);
	lua_setfield(L, -2, "id");
	lua_pushstring(L, p->text);
	lua_setfield(L, -2, "text");
	push_names(L, p->duties, ln_prompts_duty_name, LN_DUTY_COUNT);
	lua_setfield(L, -2, "duties");
	push_names(L, p->contexts, ln_prompts_context_name, LN_CONTEXT_COUNT);
	lua_setfield(L, -2, "contexts");
	if (p->kinds == (LN_KIND_MANAGE | LN_KIND_LEAD))
		kind = "both";
	else if (p->kinds)
		kind = ln_prompts_kind_name(p->kinds);
	if (kind) {
		lua_pushstring(L, kind);
		lua_setfield(L, -2, "kind");
	}
	lua_pushinteger(L, p->line);
	lua_setfield(L, -2, "line");
	lua_pushboolean(L, p->enabled);
	lua_setfield(L, -2, "enabled");
}

static int prompts_new(lua_State *L)
{
	void **slot = ln_lua_new_handle(L, PROMPTS_META);
	ln_prompts *bank = NULL;

	if (ln_prompts_new(&bank) < 0)
		return luaL_error(L, "not enough memory");
	*slot = bank;
	return 1;
}

static int prompts_gc(lua_State *L)
{
	void **slot = luaL_checkudata(L, 1, PROMPTS_META);

	ln_prompts_free(*slot);
	*slot = NULL;
	return 0;
}

static int prompts_tostring(lua_State *L)
{
	void **slot = luaL_checkudata(L, 1, PROMPTS_META);

	if (*slot)
		lua_pushfstring(L, "leadnotes.prompts (%d prompts)", (int)ln_prompts_count(*slot));
	else
		lua_pushstring(L, "leadnotes.prompts (closed)");
	return 1;
}

static int prompts_add(lua_State *L)
{
	ln_prompts *bank = prompts_check(L);
	size_t len;
	const char *text = luaL_checklstring(L, 2, &len);
	ln_error err;
	int rc = ln_prompts_add(bank, text, len, &err);

	if (rc < 0 && err.line) {
		ln_error at = err;
		ln_error_set(&err, at.code, "line %d: %s", at.line, at.message);
	}
	return ln_lua_result(L, rc, &err);
}

static int prompts_disable(lua_State *L)
{
	ln_prompts *bank = prompts_check(L);
	const char *id = luaL_checkstring(L, 2);

	lua_pushboolean(L, ln_prompts_disable(bank, id) == LN_OK);
	return 1;
}

static int prompts_count(lua_State *L)
{
	ln_prompts *bank = prompts_check(L);

	lua_pushinteger(L, (lua_Integer)ln_prompts_count(bank));
	return 1;
}

static int prompts_list(lua_State *L)
{
	ln_prompts *bank = prompts_check(L);
	size_t i, n = ln_prompts_count(bank);

	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		push_prompt(L, ln_prompts_at(bank, i));
		lua_rawseti(L, -2, (int)i + 1);
	}
	return 1;
}

static int prompts_get(lua_State *L)
{
	ln_prompts *bank = prompts_check(L);
	const ln_prompt *p = ln_prompts_find(bank, luaL_checkstring(L, 2));

	if (!p)
		lua_pushnil(L);
	else
		push_prompt(L, p);
	return 1;
}

/* Reads the list of names in field `key` of the table at idx into a bit mask
 * through bit_of; raises on an unknown name. */
static unsigned names_field(lua_State *L, int idx, const char *key, unsigned (*bit_of)(const char *))
{
	unsigned bits = 0;
	int i, n;

	lua_getfield(L, idx, key);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return 0;
	}
	if (!lua_istable(L, -1))
		ln_lua_option_error(L, idx, key, "must be a list of names");
	n = (int)lua_rawlen(L, -1);
	for (i = 1; i <= n; i++) {
		unsigned bit;
		lua_rawgeti(L, -1, i);
		bit = lua_type(L, -1) == LUA_TSTRING ? bit_of(lua_tostring(L, -1)) : 0;
		if (!bit)
			ln_lua_option_error(L, idx, key, "holds an unknown name");
		bits |= bit;
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return bits;
}

static int prompts_select(lua_State *L)
{
	ln_prompts *bank = prompts_check(L);
	ln_prompt_query q;
	const ln_prompt *chosen;
	const char **seen;
	ln_error err;
	int i, n, rc;

	luaL_checktype(L, 2, LUA_TTABLE);
	memset(&q, 0, sizeof(q));

	lua_getfield(L, 2, "context");
	if (!lua_isnil(L, -1)) {
		if (lua_type(L, -1) != LUA_TSTRING || !(q.context = ln_prompts_context_bit(lua_tostring(L, -1))))
			return ln_lua_option_error(L, 2, "context", "must be one-on-one, evaluation, weekly or onboarding");
	}
	lua_pop(L, 1);
	lua_getfield(L, 2, "person");
	if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TSTRING)
		return ln_lua_option_error(L, 2, "person", "must be a string");
	lua_pop(L, 1);
	lua_getfield(L, 2, "date");
	if (lua_type(L, -1) != LUA_TSTRING)
		return ln_lua_option_error(L, 2, "date", "must be a YYYY-MM-DD string");
	lua_pop(L, 1);
	q.prefer_duties = names_field(L, 2, "prefer_duties", ln_prompts_duty_bit);
	q.prefer_contexts = names_field(L, 2, "prefer_contexts", ln_prompts_context_bit);

	/* Strings stay referenced by the argument table while we use them; the
	 * seen array is a userdata so no malloc'd memory crosses a raise. */
	lua_getfield(L, 2, "seen");
	if (!lua_isnil(L, -1) && !lua_istable(L, -1))
		return ln_lua_option_error(L, 2, "seen", "must be a list of ids");
	n = lua_istable(L, -1) ? (int)lua_rawlen(L, -1) : 0;
	seen = lua_newuserdata(L, sizeof(*seen) * (size_t)(n ? n : 1));
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, -2, i);
		seen[i - 1] = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
		lua_pop(L, 1); /* still referenced by the seen table */
	}
	q.seen = seen;
	q.nseen = (size_t)n;

	lua_getfield(L, 2, "person");
	q.person = lua_tostring(L, -1);
	lua_getfield(L, 2, "date");
	q.date = lua_tostring(L, -1);

	rc = ln_prompts_select(&chosen, bank, &q, &err);
	if (rc == LN_EINVALID)
		return ln_lua_arg_raise(L, 2, &err);
	if (rc < 0)
		return ln_lua_result(L, rc, &err);
	push_prompt(L, chosen);
	return 1;
}

static const luaL_Reg prompts_methods[] = {
	{ "add", prompts_add },
	{ "count", prompts_count },
	{ "disable", prompts_disable },
	{ "get", prompts_get },
	{ "list", prompts_list },
	{ "select", prompts_select },
	{ NULL, NULL }
};

static const luaL_Reg prompts_functions[] = {
	{ "prompts_new", prompts_new },
	{ NULL, NULL }
};

void ln_lua_open_prompts(lua_State *L)
{
	luaL_newmetatable(L, PROMPTS_META);
	lua_pushcfunction(L, prompts_gc);
	lua_setfield(L, -2, "__gc");
	lua_pushcfunction(L, prompts_tostring);
	lua_setfield(L, -2, "__tostring");
	luaL_newlib(L, prompts_methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	luaL_setfuncs(L, prompts_functions, 0);
}
