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
void ln_lua_open_summary_cache(lua_State *L);
void ln_lua_open_sync(lua_State *L); /* after store: adds methods to it */

/* The store handle: a userdata whose metatable is registered under this
 * name, with its methods in the metatable's __index table. Components other
 * than the store add their own methods there (ln_lua_open_store runs
 * first); the module also exports that table as core.store_methods, where
 * the Lua layer adds the methods written in Lua (new_note, profile). */
#define LN_LUA_STORE_META "leadnotes.store"

/* Every handle (store, prompt bank, summary cache, compiled template) is a
 * userdata whose first member is the C object's pointer, NULL once closed. */

/* Pushes a new handle userdata with the metatable registered as meta and a
 * NULL pointer, and returns the slot to fill: create it before opening the
 * resource, so __gc frees the resource if anything raises afterwards. */
void **ln_lua_new_handle(lua_State *L, const char *meta);

/* The open handle at idx: its pointer. Raises luaL_checkudata's
 * "bad argument #idx to 'fn' (<meta> expected, got <type>)" for anything
 * else, and "bad argument #idx to 'fn' (attempt to use a closed <what>)"
 * (for a method: "calling 'fn' on bad self (...)") for a closed handle. */
void *ln_lua_check_handle(lua_State *L, int idx, const char *meta, const char *what);

struct ln_store;
/* ln_lua_check_handle for the store: "attempt to use a closed notes store". */
struct ln_store *ln_lua_check_store(lua_State *L, int idx);

/* The result of a C call, in the manner of luaL_fileresult and luv's
 * luv_result: when rc < 0, pushes nil, err->message, the code's name
 * ("not found", "invalid"...) and returns 3; otherwise pushes true and
 * returns 1. A failure of the world is never raised. */
int ln_lua_result(lua_State *L, int rc, const ln_error *err);

/* The failure half of ln_lua_result, for a call whose success pushes
 * other values: pushes nil, err->message, the name of err->code; returns 3. */
int ln_lua_failure(lua_State *L, const ln_error *err);

/* As ln_lua_result, but a success pushes str instead of true. Takes str
 * (malloc'd or NULL) and frees it in both cases. */
int ln_lua_string_result(lua_State *L, int rc, char *str, const ln_error *err);

/* Pushes a new sequence of the count strings in items. */
void ln_lua_push_strings(lua_State *L, char **items, size_t count);

/* Sets field `key` of the table on top to a new sequence of the count
 * strings in items. */
void ln_lua_set_strings(lua_State *L, const char *key, char **items, size_t count);

/* Raises Lua's "bad argument #idx to '<fn>' (unknown option 'key' (known:
 * ...))" when the table at idx holds a key that is not in known (a
 * NULL-terminated list). Anything but a table is left to the caller. */
void ln_lua_check_keys(lua_State *L, int idx, const char *const *known);

/* Raises Lua's "bad argument #idx to '<fn>' (<expected> expected, got
 * <type>)", as luaL_checktype does, for a check it cannot make. */
int ln_lua_type_error(lua_State *L, int idx, const char *expected);

/* Raises Lua's "bad argument #idx to '<fn>' (option 'key' <problem>)"
 * for a bad value in the options table at idx. */
int ln_lua_option_error(lua_State *L, int idx, const char *key, const char *problem);

/* Raises Lua's "bad argument #idx to '<fn>' (<err's message>)": a caller's
 * mistake the C component found (a malformed template or prompt bank given
 * as an argument). */
int ln_lua_arg_raise(lua_State *L, int idx, const ln_error *err);

#endif
