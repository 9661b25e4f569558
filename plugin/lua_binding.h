/* Shared between the lua_*.c files that make up the leadnotes.core module.
 * Each lua_<component>.c adds its functions to the module table. */
#ifndef LEADNOTES_LUA_BINDING_H
#define LEADNOTES_LUA_BINDING_H

#include "lua_compat.h"
#include "leadnotes/common.h"

/* Each of these is called with the module table on top of the stack and
 * leaves the stack as it found it. */
void ln_lua_open_template(lua_State *L);
void ln_lua_open_store(lua_State *L);
void ln_lua_open_org(lua_State *L);
void ln_lua_open_prompts(lua_State *L);
void ln_lua_open_team(lua_State *L);

/* Pushes nil, err->message, the code's name: the `nil, message, code` of a
 * failure of the world. Returns 3, the number of values pushed. */
int ln_lua_push_failure(lua_State *L, const ln_error *err);

/* Raises a Lua error "<fn>: <message>" for a caller's mistake. */
int ln_lua_raise(lua_State *L, const char *fn, const ln_error *err);

#endif
