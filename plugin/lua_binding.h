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
 * first). */
#define LN_LUA_STORE_META "leadnotes.store"

struct ln_store;
/* The open store at idx, or a Lua error naming fn ("bad argument", or
 * "attempt to use a closed notes store"). Implemented in lua_store.c. */
struct ln_store *ln_lua_check_store(lua_State *L, int idx, const char *fn);

/* Commits, one by one as store:save does, the notes that save_all leaves
 * out because a .gitignore ignores them, appending their names to the
 * table at `into` and counting the commits in *saved. In lua_sync.c; used
 * by store:save_all and store:sync so that both treat them as save does. */
int ln_lua_save_ignored(lua_State *L, struct ln_store *s, int into, size_t *saved, ln_error *err);

/* Pushes nil, err->message, the code's name: the `nil, message, code` of a
 * failure of the world. Returns 3, the number of values pushed. */
int ln_lua_push_failure(lua_State *L, const ln_error *err);

/* Pushes a new sequence of the count strings in items. */
void ln_lua_push_strings(lua_State *L, char **items, size_t count);

/* Raises "<fn>: unknown option 'key' (known: ...)" when the table at idx
 * holds a key that is not in known (a NULL-terminated list). Anything but a
 * table is left to the caller's own check. */
void ln_lua_check_keys(lua_State *L, int idx, const char *fn, const char *const *known);

/* Raises a Lua error "<fn>: <message>" for a caller's mistake. */
int ln_lua_raise(lua_State *L, const char *fn, const ln_error *err);

#endif
