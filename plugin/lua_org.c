/* leadnotes.core: the org functions. */
#include "lua_binding.h"

void ln_lua_open_org(lua_State *L)
{
	(void)L;
}
