/* leadnotes.core: the store functions. */
#include "lua_binding.h"

void ln_lua_open_store(lua_State *L)
{
	(void)L;
}

struct ln_store *ln_lua_check_store(lua_State *L, int idx, const char *fn)
{
	(void)idx;
	luaL_error(L, "%s: the notes store is not built yet", fn);
	return NULL;
}
