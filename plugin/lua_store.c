/* leadnotes.core: the store functions. */
#include "lua_binding.h"

void ln_lua_open_store(lua_State *L)
{
	(void)L;
}
