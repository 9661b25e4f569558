/* luaopen_leadnotes_core: the entry point of the Lua module. The functions
 * themselves live in one lua_<component>.c file per component. */
#include "lua_binding.h"

#include <git2.h>
#include <string.h>

int ln_lua_push_failure(lua_State *L, const ln_error *err)
{
	lua_pushnil(L);
	lua_pushstring(L, err->message[0] ? err->message : ln_error_name(err->code));
	lua_pushstring(L, ln_error_name(err->code));
	return 3;
}

int ln_lua_raise(lua_State *L, const char *fn, const ln_error *err)
{
	return luaL_error(L, "%s: %s", fn, err->message[0] ? err->message : ln_error_name(err->code));
}

void ln_lua_check_keys(lua_State *L, int idx, const char *fn, const char *const *known)
{
	if (idx < 0)
		idx = lua_gettop(L) + idx + 1;
	if (lua_type(L, idx) != LUA_TTABLE)
		return;
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		const char *const *k;
		int found = 0;
		lua_pop(L, 1);
		if (lua_type(L, -1) == LUA_TSTRING)
			for (k = known; *k && !found; k++)
				found = strcmp(*k, lua_tostring(L, -1)) == 0;
		if (!found) {
			luaL_Buffer b;
			luaL_buffinit(L, &b);
			for (k = known; *k; k++) {
				if (k != known)
					luaL_addstring(&b, ", ");
				luaL_addstring(&b, *k);
			}
			luaL_pushresult(&b);
			/* The key, made printable without calling its __tostring. */
			if (lua_type(L, -2) == LUA_TSTRING)
				lua_pushvalue(L, -2);
			else
				lua_pushstring(L, luaL_typename(L, -2));
			luaL_error(L, "%s: unknown option '%s' (known: %s)", fn, lua_tostring(L, -1),
				lua_tostring(L, -2));
		}
	}
}

void ln_lua_push_strings(lua_State *L, char **items, size_t count)
{
	size_t i;

	lua_createtable(L, (int)count, 0);
	for (i = 0; i < count; i++) {
		lua_pushstring(L, items[i]);
		lua_rawseti(L, -2, (int)i + 1);
	}
}

static int core_libgit2_version(lua_State *L)
{
	int major, minor, rev;
	git_libgit2_version(&major, &minor, &rev);
	lua_pushfstring(L, "%d.%d.%d", major, minor, rev);
	return 1;
}

static const luaL_Reg core_functions[] = {
	{ "libgit2_version", core_libgit2_version },
	{ NULL, NULL }
};

LN_API int luaopen_leadnotes_core(lua_State *L);

int luaopen_leadnotes_core(lua_State *L)
{
	luaL_newlib(L, core_functions);
	lua_pushstring(L, LUA_VERSION);
	lua_setfield(L, -2, "lua_version");
	ln_lua_open_template(L);
	ln_lua_open_store(L);
	ln_lua_open_org(L);
	ln_lua_open_prompts(L);
	ln_lua_open_team(L);
	ln_lua_open_summary_cache(L);
	ln_lua_open_sync(L);
	return 1;
}
