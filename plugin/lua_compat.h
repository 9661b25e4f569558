/* One header for the Lua ABIs leadnotes builds for: 5.4 (primary), 5.3 and
 * 5.1 / LuaJIT. The only place in the project that tests LUA_VERSION_NUM. */
#ifndef LEADNOTES_LUA_COMPAT_H
#define LEADNOTES_LUA_COMPAT_H

#include <lua.h>
#include <lauxlib.h>

#if LUA_VERSION_NUM < 502
/* Lua 5.1 and LuaJIT. */
#define lua_rawlen(L, i) lua_objlen((L), (i))
#ifndef LUA_OK
#define LUA_OK 0
#endif

/* LuaJIT 2.1 already has the 5.2 auxiliary functions (and so defines
 * luaL_newlib); plain Lua 5.1 needs them here. */
#if !defined(luaL_newlib)
#define luaL_newlibtable(L, l) lua_createtable((L), 0, (int)(sizeof(l) / sizeof((l)[0]) - 1))
#define luaL_newlib(L, l) (luaL_newlibtable((L), (l)), luaL_setfuncs((L), (l), 0))
static inline void luaL_setfuncs(lua_State *L, const luaL_Reg *l, int nup)
{
	luaL_checkstack(L, nup, "too many upvalues");
	for (; l->name; l++) {
		int i;
		for (i = 0; i < nup; i++)
			lua_pushvalue(L, -nup);
		lua_pushcclosure(L, l->func, nup);
		lua_setfield(L, -(nup + 2), l->name);
	}
	lua_pop(L, nup);
}

static inline void *luaL_testudata(lua_State *L, int ud, const char *tname)
{
	void *p = lua_touserdata(L, ud);
	if (p && lua_getmetatable(L, ud)) {
		luaL_getmetatable(L, tname);
		if (!lua_rawequal(L, -1, -2))
			p = NULL;
		lua_pop(L, 2);
		return p;
	}
	return NULL;
}

static inline void luaL_setmetatable(lua_State *L, const char *tname)
{
	luaL_getmetatable(L, tname);
	lua_setmetatable(L, -2);
}
#endif

/* Integers are doubles before 5.3: a number is an integer when it has no
 * fraction and fits. */
static inline int ln_lua_isinteger(lua_State *L, int idx)
{
	if (lua_type(L, idx) != LUA_TNUMBER)
		return 0;
	{
		lua_Number n = lua_tonumber(L, idx);
		return n == (lua_Number)(long long)n && n >= -9007199254740992.0 && n <= 9007199254740992.0;
	}
}
static inline long long ln_lua_tointeger(lua_State *L, int idx)
{
	return (long long)lua_tonumber(L, idx);
}
/* lua_len pushes #t honouring __len; before 5.2 only the raw length exists. */
static inline void ln_lua_len(lua_State *L, int idx)
{
	lua_pushinteger(L, (lua_Integer)lua_objlen(L, idx));
}
#define LN_LUA_HAS_CLOSE 0

#else
/* Lua 5.3 and 5.4. */
static inline int ln_lua_isinteger(lua_State *L, int idx)
{
	if (lua_type(L, idx) != LUA_TNUMBER)
		return 0;
	if (lua_isinteger(L, idx))
		return 1;
	{
		lua_Number n = lua_tonumber(L, idx);
		return n == (lua_Number)(long long)n && n >= -9007199254740992.0 && n <= 9007199254740992.0;
	}
}
static inline long long ln_lua_tointeger(lua_State *L, int idx)
{
	if (lua_isinteger(L, idx))
		return (long long)lua_tointeger(L, idx);
	return (long long)lua_tonumber(L, idx);
}
static inline void ln_lua_len(lua_State *L, int idx)
{
	lua_len(L, idx);
}
#define LN_LUA_HAS_CLOSE (LUA_VERSION_NUM >= 504)
#endif

#endif
