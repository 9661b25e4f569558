/* leadnotes.core: the sync, seal and verify functions. */
#include "lua_binding.h"

void ln_lua_open_sync(lua_State *L)
{
	(void)L;
}
