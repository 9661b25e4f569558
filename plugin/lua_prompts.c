/* leadnotes.core: the prompts functions. */
#include "lua_binding.h"

void ln_lua_open_prompts(lua_State *L)
{
	(void)L;
}
