/* leadnotes.core: the team functions. */
#include "lua_binding.h"

void ln_lua_open_team(lua_State *L)
{
	(void)L;
}
