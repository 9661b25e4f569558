/* leadnotes.core: the template functions. */
#include "lua_binding.h"

void ln_lua_open_template(lua_State *L)
{
	(void)L;
}
