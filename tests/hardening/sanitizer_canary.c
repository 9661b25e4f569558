/* A Lua module with deliberate bugs, built only in sanitizer builds, that
 * proves the sanitizers see inside a module loaded by the Lua interpreter:
 * each function must make the process die with the sanitizer's report.
 * Never built into the product. */
#include <stdlib.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>

#if defined(__GNUC__)
__attribute__((visibility("default")))
#endif
int luaopen_sanitizer_canary(lua_State *L);

/* Reads one byte past a heap block. */
static int canary_overflow(lua_State *L)
{
	size_t n = (size_t)luaL_checkinteger(L, 1);
	volatile char *p = malloc(n);
	char c;
	if (p == NULL)
		return 0;
	memset((char *)p, 'x', n);
	c = p[n];
	free((char *)p);
	lua_pushinteger(L, c);
	return 1;
}

/* Signed integer overflow. */
static int canary_overflow_int(lua_State *L)
{
	volatile int big = (int)luaL_checkinteger(L, 1);
	int sum = big + big;
	lua_pushinteger(L, sum);
	return 1;
}

/* Loses a heap block. */
static int canary_leak(lua_State *L)
{
	void *volatile p = malloc((size_t)luaL_checkinteger(L, 1));
	lua_pushboolean(L, p != NULL);
	p = NULL;
	return 1;
}

static const luaL_Reg canary_functions[] = {
	{ "leak", canary_leak },
	{ "overflow", canary_overflow },
	{ "overflow_int", canary_overflow_int },
	{ NULL, NULL }
};

int luaopen_sanitizer_canary(lua_State *L)
{
	lua_newtable(L);
	{
		const luaL_Reg *r;
		for (r = canary_functions; r->name; r++) {
			lua_pushcfunction(L, r->func);
			lua_setfield(L, -2, r->name);
		}
	}
	return 1;
}
