/* leadnotes.core: the sync, seal, verify and conflicts methods of the store
 * handle, and the filter-driver runner registered when the module opens. */
#include <stdlib.h>
#include <string.h>

#include "lua_binding.h"
#include "leadnotes/store.h"
#include "leadnotes/filter.h"
#include "leadnotes/sync.h"
#include "leadnotes/signing.h"

typedef struct lua_progress {
	lua_State *L;
	int fn;              /* stack index of the callback, 0 when none */
	int failed;          /* the callback raised an error */
	char message[256];
} lua_progress;

/* Calls opts.progress(stage, received, total) protected: an error in it
 * cancels the sync (and is raised once libgit2 has returned); returning
 * false cancels too. */
static int sync_lua_progress(const char *stage, size_t received, size_t total, void *payload)
{
	lua_progress *lp = payload;
	lua_State *L = lp->L;
	int stop = 0;
	if (!lp->fn || lp->failed)
		return lp->failed;
	lua_pushvalue(L, lp->fn);
	lua_pushstring(L, stage);
	lua_pushnumber(L, (lua_Number)received);
	lua_pushnumber(L, (lua_Number)total);
	if (lua_pcall(L, 3, 1, 0) != LUA_OK) {
		const char *msg = lua_tostring(L, -1);
		snprintf(lp->message, sizeof(lp->message), "%s", msg ? msg : "error object is not a string");
		lp->failed = 1;
		lua_pop(L, 1);
		return 1;
	}
	stop = lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1);
	lua_pop(L, 1);
	return stop;
}

/* store:sync([remote [, opts]]) or store:sync(opts). opts: progress =
 * function(stage, received, total), save = false to refuse uncommitted
 * changes instead of saving them first. */
static int m_sync(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1);
	ln_sync_options o = LN_SYNC_OPTIONS_INIT;
	ln_sync_result *res = NULL;
	lua_progress lp;
	ln_error err;
	int opts = 0, save = 1, rc;
	const char *merged;

	memset(&lp, 0, sizeof(lp));
	lp.L = L;
	if (lua_istable(L, 2) && lua_isnoneornil(L, 3)) {
		opts = 2;
	} else {
		o.remote = luaL_optstring(L, 2, NULL);
		if (!lua_isnoneornil(L, 3)) {
			luaL_checktype(L, 3, LUA_TTABLE);
			opts = 3;
		}
	}
	if (opts) {
		ln_lua_check_keys(L, opts, (const char *const[]){ "progress", "remote", "save", NULL });
		lua_getfield(L, opts, "save");
		if (!lua_isnil(L, -1)) {
			if (lua_type(L, -1) != LUA_TBOOLEAN)
				return ln_lua_option_error(L, opts, "save",
					lua_pushfstring(L, "must be a boolean, got %s", luaL_typename(L, -1)));
			save = lua_toboolean(L, -1);
		}
		lua_pop(L, 1);
		if (!o.remote) {
			lua_getfield(L, opts, "remote");
			if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TSTRING)
				return ln_lua_option_error(L, opts, "remote",
					lua_pushfstring(L, "must be a string, got %s", luaL_typename(L, -1)));
			o.remote = lua_tostring(L, -1); /* stays on the stack, so stays alive */
		}
		lua_getfield(L, opts, "progress");
		if (lua_isfunction(L, -1)) {
			lp.fn = lua_gettop(L);
			o.progress = sync_lua_progress;
			o.payload = &lp;
		} else if (!lua_isnil(L, -1)) {
			return ln_lua_option_error(L, opts, "progress",
				lua_pushfstring(L, "must be a function, got %s", luaL_typename(L, -1)));
		}
	}
	rc = ln_sync_store(&res, s, &o, save, &err);
	if (lp.failed) {
		ln_sync_result_free(res);
		return luaL_error(L, "sync: progress callback failed: %s", lp.message);
	}
	if (rc < 0)
		return ln_lua_result(L, rc, &err);
	merged = res->merged == LN_SYNC_MERGE ? "merge" : res->merged == LN_SYNC_FAST_FORWARD ? "fast-forward" : "up-to-date";
	lua_createtable(L, 0, 8);
	lua_pushnumber(L, (lua_Number)res->fetched);
	lua_setfield(L, -2, "fetched");
	lua_pushstring(L, merged);
	lua_setfield(L, -2, "merged");
	lua_pushboolean(L, res->pushed);
	lua_setfield(L, -2, "pushed");
	lua_pushstring(L, res->branch);
	lua_setfield(L, -2, "branch");
	lua_pushstring(L, res->remote);
	lua_setfield(L, -2, "remote");
	lua_pushstring(L, res->upstream);
	lua_setfield(L, -2, "upstream");
	lua_pushnumber(L, (lua_Number)res->saved);
	lua_setfield(L, -2, "saved");
	ln_lua_set_strings(L, "conflicts", res->conflicts, res->conflict_count);
	ln_lua_set_strings(L, "unsynced", res->unsynced, res->unsynced_count);
	lua_pushboolean(L, res->followed);
	lua_setfield(L, -2, "followed");
	ln_lua_set_strings(L, "ignored", res->ignored, res->ignored_count);
	ln_sync_result_free(res);
	return 1;
}

/* store:seal(path) -> tag name | nil, message, code (ln_sync_seal_note:
 * saves the note first when it has changes). */
static int m_seal(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1);
	const char *path = luaL_checkstring(L, 2);
	char *tag = NULL;
	ln_error err;
	int rc = ln_sync_seal_note(&tag, s, path, &err);

	return ln_lua_string_result(L, rc, tag, &err);
}

/* store:verify(path) -> {sealed=, tag=, unchanged=, diff=} */
static int m_verify(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1);
	const char *path = luaL_checkstring(L, 2);
	ln_seal_status *st = NULL;
	char *rel = NULL;
	ln_error err;
	int rc;

	rc = ln_store_relpath(&rel, s, path, &err);
	if (rc == LN_OK)
		rc = ln_seal_verify(&st, ln_store_repository(s), ln_store_prefix(s), rel, &err);
	free(rel);
	if (rc < 0)
		return ln_lua_result(L, rc, &err);
	lua_createtable(L, 0, 4);
	lua_pushboolean(L, st->sealed);
	lua_setfield(L, -2, "sealed");
	lua_pushboolean(L, st->unchanged);
	lua_setfield(L, -2, "unchanged");
	if (st->tag) {
		lua_pushstring(L, st->tag);
		lua_setfield(L, -2, "tag");
	}
	if (st->diff) {
		lua_pushstring(L, st->diff);
		lua_setfield(L, -2, "diff");
	}
	if (st->problem) {
		lua_pushstring(L, st->problem);
		lua_setfield(L, -2, "problem");
	}
	if (st->signature != LN_SIGNATURE_NONE) { /* absent: the seal is not signed */
		lua_pushstring(L, st->signature == LN_SIGNATURE_GOOD ? "good" : st->signature == LN_SIGNATURE_BAD ? "bad"
			: "unchecked");
		lua_setfield(L, -2, "signature");
	}
	if (st->signature_detail) {
		lua_pushstring(L, st->signature_detail);
		lua_setfield(L, -2, "signature_detail");
	}
	ln_seal_status_free(st);
	return 1;
}

/* store:conflicts() -> the notes a sync left with conflict markers that
 * still have them. */
static int m_conflicts(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1);
	char **list = NULL;
	size_t count = 0;
	ln_error err;
	if (ln_sync_conflicts(&list, &count, ln_store_repository(s), ln_store_prefix(s), &err) < 0)
		return ln_lua_failure(L, &err);
	ln_lua_push_strings(L, list, count);
	ln_sync_strings_free(list);
	return 1;
}

static const luaL_Reg sync_methods[] = {
	{ "conflicts", m_conflicts },
	{ "seal", m_seal },
	{ "sync", m_sync },
	{ "verify", m_verify },
	{ NULL, NULL }
};

void ln_lua_open_sync(lua_State *L)
{
	luaL_getmetatable(L, LN_LUA_STORE_META);
	if (lua_istable(L, -1)) {
		lua_getfield(L, -1, "__index");
		if (lua_istable(L, -1))
			luaL_setfuncs(L, sync_methods, 0);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
}
