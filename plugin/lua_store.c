/* leadnotes.core: the notes store handle. core.open(dir) returns a userdata
 * with the metatable LN_LUA_STORE_META; other binding files add methods to
 * its __index table, exported as core.store_methods, where the Lua layer
 * adds the methods written in Lua. Each method is check, call, result
 * (doc/binding.md). */
#include <stdlib.h>
#include <string.h>

#include "lua_binding.h"
#include "leadnotes/store.h"
#include "leadnotes/sync.h"

/* Pushes a commit info table {id=, short=, summary=, time=}. */
static void push_commit(lua_State *L, const ln_commit_info *info)
{
	lua_createtable(L, 0, 4);
	lua_pushstring(L, info->id);
	lua_setfield(L, -2, "id");
	lua_pushstring(L, info->short_id);
	lua_setfield(L, -2, "short");
	lua_pushstring(L, info->summary);
	lua_setfield(L, -2, "summary");
	lua_pushnumber(L, (lua_Number)info->time);
	lua_setfield(L, -2, "time");
}

/* A commit, nil (nothing changed), or nil, message, code. */
static int push_save_result(lua_State *L, int rc, const ln_commit_info *info, const ln_error *err)
{
	if (rc < 0)
		return ln_lua_result(L, rc, err);
	if (rc == LN_STORE_UNCHANGED) {
		lua_pushnil(L);
		return 1;
	}
	push_commit(L, info);
	return 1;
}

/* The list on success (then freed), or nil, message, code. */
static int strings_result(lua_State *L, int rc, ln_strings *list, const ln_error *err)
{
	if (rc < 0)
		return ln_lua_result(L, rc, err);
	ln_lua_push_strings(L, list->items, list->count);
	ln_store_strings_free(list);
	return 1;
}

/* A boolean option of open's table, with its default. */
static int open_flag(lua_State *L, const char *key, int dflt)
{
	int v = dflt;
	lua_getfield(L, 2, key);
	if (!lua_isnil(L, -1)) {
		if (lua_type(L, -1) != LUA_TBOOLEAN)
			ln_lua_option_error(L, 2, key, lua_pushfstring(L, "must be a boolean, got %s", luaL_typename(L, -1)));
		v = lua_toboolean(L, -1);
	}
	lua_pop(L, 1);
	return v;
}

/* open(dir [, {create=true, shared=false, adopt=false}]): see
 * ln_store_open_ext for what each allows. */
static int l_open(lua_State *L)
{
	const char *dir = luaL_checkstring(L, 1);
	unsigned flags = LN_STORE_OPEN_CREATE;
	void **slot;
	ln_store *store = NULL;
	ln_error err;
	int rc;
	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		ln_lua_check_keys(L, 2, (const char *const[]){ "adopt", "create", "shared", NULL });
		flags = (open_flag(L, "create", 1) ? LN_STORE_OPEN_CREATE : 0u) |
			(open_flag(L, "shared", 0) ? LN_STORE_OPEN_SHARED : 0u) |
			(open_flag(L, "adopt", 0) ? LN_STORE_OPEN_ADOPT : 0u);
	}
	slot = ln_lua_new_handle(L, LN_LUA_STORE_META);
	rc = ln_store_open_ext(&store, dir, flags, &err);
	*slot = store;
	if (rc < 0)
		return ln_lua_result(L, rc, &err);
	return 1;
}

/* store:shared() -> true when the notes share their repository with other files. */
static int m_shared(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1);
	lua_pushboolean(L, ln_store_is_shared(s));
	return 1;
}

static int m_close(lua_State *L)
{
	void **slot = luaL_checkudata(L, 1, LN_LUA_STORE_META);
	ln_store_free(*slot);
	*slot = NULL;
	return 0;
}

static int m_tostring(lua_State *L)
{
	void **slot = luaL_checkudata(L, 1, LN_LUA_STORE_META);
	if (*slot)
		lua_pushfstring(L, "leadnotes.store (%s)", ln_store_dir(*slot));
	else
		lua_pushliteral(L, "leadnotes.store (closed)");
	return 1;
}

static int m_dir(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1);
	lua_pushstring(L, ln_store_dir(s));
	return 1;
}

static int m_prefix(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1);
	lua_pushstring(L, ln_store_prefix(s));
	return 1;
}

static int m_flush(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1);
	ln_store_flush(s);
	return 0;
}

/* store:take_notice() -> the last notice, which it forgets, or nothing. */
static int m_take_notice(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1);
	const char *n;
	ln_store_flush(s); /* the flusher may be writing one */
	n = ln_store_notice(s);
	if (!*n)
		return 0;
	lua_pushstring(L, n);
	ln_store_clear_notice(s);
	return 1;
}

static int m_people(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1);
	ln_strings list;
	ln_error err;
	return strings_result(L, ln_store_people(&list, s, &err), &list, &err);
}

/* store:hooks() -> the git hooks a git commit or push would run that
 * leadnotes does not run (see ln_store_skipped_hooks). */
static int m_hooks(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1);
	ln_strings list;
	ln_error err;
	return strings_result(L, ln_store_skipped_hooks(&list, s, &err), &list, &err);
}

static int m_person_dir(lua_State *L)
{
	size_t len;
	const char *name;
	char *dir = NULL;
	ln_error err;
	int rc;
	ln_lua_check_store(L, 1);
	name = luaL_checklstring(L, 2, &len);
	rc = ln_store_person_dir_len(&dir, name, len, &err);
	return ln_lua_string_result(L, rc, dir, &err);
}

/* core.person_dir(name): the same mapping without a store. */
static int l_person_dir(lua_State *L)
{
	size_t len;
	const char *name = luaL_checklstring(L, 1, &len);
	char *dir = NULL;
	ln_error err;
	int rc = ln_store_person_dir_len(&dir, name, len, &err);
	return ln_lua_string_result(L, rc, dir, &err);
}

static int m_path(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1);
	const char *path = luaL_checkstring(L, 2);
	char *rel = NULL;
	ln_error err;
	if (ln_store_relpath(&rel, s, path, &err) < 0)
		return ln_lua_failure(L, &err);
	lua_pushstring(L, rel);
	lua_pushfstring(L, "%s/%s", ln_store_dir(s), rel);
	free(rel);
	return 2;
}

static int m_save(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1);
	const char *path = luaL_checkstring(L, 2);
	const char *message = luaL_optstring(L, 3, NULL);
	ln_commit_info info;
	ln_error err;
	int rc;
	rc = ln_store_save(&info, s, path, message, &err);
	return push_save_result(L, rc, &info, &err);
}

static int m_restore(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1);
	const char *rev = luaL_checkstring(L, 2);
	const char *path = luaL_checkstring(L, 3);
	ln_commit_info info;
	ln_error err;
	int rc;
	rc = ln_store_restore(&info, s, rev, path, &err);
	return push_save_result(L, rc, &info, &err);
}

/* store:save_all() -> the commits made, the ignored notes committed. */
static int m_save_all(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1);
	ln_commits list = { NULL, 0 };
	char **ignored = NULL;
	size_t i, ignored_count = 0;
	ln_error err;
	int rc = ln_sync_save_notes(&list, &ignored, &ignored_count, s, &err);
	if (rc < 0) {
		ln_store_commits_free(&list);
		ln_sync_strings_free(ignored);
		return ln_lua_result(L, rc, &err);
	}
	lua_createtable(L, (int)list.count, 0);
	for (i = 0; i < list.count; i++) {
		push_commit(L, &list.items[i]);
		lua_rawseti(L, -2, (int)i + 1);
	}
	ln_store_commits_free(&list);
	/* notes a .gitignore ignores are committed as store:save commits them;
	 * their names come back second */
	ln_lua_push_strings(L, ignored, ignored_count);
	ln_sync_strings_free(ignored);
	return 2;
}

static int m_status(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1);
	ln_status status;
	ln_error err;
	size_t i;
	if (ln_store_status(&status, s, &err) < 0)
		return ln_lua_failure(L, &err);
	lua_createtable(L, (int)status.count, 0);
	for (i = 0; i < status.count; i++) {
		const char *state = status.entries[i].state == 'A' ? "new"
			: status.entries[i].state == 'D' ? "deleted" : "modified";
		lua_createtable(L, 0, 2);
		lua_pushstring(L, status.entries[i].path);
		lua_setfield(L, -2, "path");
		lua_pushstring(L, state);
		lua_setfield(L, -2, "state");
		lua_rawseti(L, -2, (int)i + 1);
	}
	ln_store_status_free(&status);
	return 1;
}

static int m_show(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1);
	const char *rev = luaL_checkstring(L, 2);
	const char *path = luaL_checkstring(L, 3);
	char *text = NULL;
	size_t len = 0;
	ln_error err;
	if (ln_store_show(&text, &len, s, rev, path, &err) < 0)
		return ln_lua_failure(L, &err);
	lua_pushlstring(L, text, len);
	free(text);
	return 1;
}

static int m_diff(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1);
	const char *rev_a = luaL_checkstring(L, 2);
	const char *rev_b = luaL_optstring(L, 3, NULL);
	const char *path = luaL_checkstring(L, 4);
	char *text = NULL;
	ln_error err;
	int rc = ln_store_diff(&text, s, rev_a, rev_b, path, &err);
	return ln_lua_string_result(L, rc, text, &err);
}

static int m_blob_id(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1);
	const char *path = luaL_checkstring(L, 2);
	char hex[GIT_OID_HEXSZ + 1];
	git_oid id;
	int dirty = 0, rc;
	ln_error err;
	rc = ln_store_blob_id(&id, &dirty, s, path, &err);
	if (rc == LN_ENOTFOUND) {
		lua_pushnil(L);
		return 1;
	}
	if (rc < 0)
		return ln_lua_result(L, rc, &err);
	git_oid_tostr(hex, sizeof(hex), &id);
	lua_pushstring(L, hex);
	lua_pushboolean(L, dirty);
	return 2;
}

/* Reads {limit=, since=, until=} (numbers, seconds since the epoch).
 * Returns 1 when the caller asked for no commits at all (limit = 0). */
static int check_history_opts(lua_State *L, int idx, ln_history_opts *opts)
{
	int none = 0;

	memset(opts, 0, sizeof(*opts));
	if (lua_isnoneornil(L, idx))
		return 0;
	luaL_checktype(L, idx, LUA_TTABLE);
	ln_lua_check_keys(L, idx, (const char *const[]){ "limit", "since", "until", NULL });
	lua_getfield(L, idx, "limit");
	if (!lua_isnil(L, -1)) {
		if (!ln_lua_isinteger(L, -1) || ln_lua_tointeger(L, -1) < 0)
			ln_lua_option_error(L, idx, "limit", "must be a non-negative integer");
		opts->limit = (size_t)ln_lua_tointeger(L, -1);
		/* limit = 0 asks for nothing, as `git log -n 0` does; the C
		 * store reads 0 as "no limit", so the caller answers it. */
		none = opts->limit == 0;
	}
	lua_pop(L, 1);
	lua_getfield(L, idx, "since");
	if (!lua_isnil(L, -1)) {
		if (lua_type(L, -1) != LUA_TNUMBER)
			ln_lua_option_error(L, idx, "since", "must be a number (seconds since the epoch)");
		opts->since = (long long)lua_tonumber(L, -1);
	}
	lua_pop(L, 1);
	lua_getfield(L, idx, "until");
	if (!lua_isnil(L, -1)) {
		if (lua_type(L, -1) != LUA_TNUMBER)
			ln_lua_option_error(L, idx, "until", "must be a number (seconds since the epoch)");
		opts->until = (long long)lua_tonumber(L, -1);
	}
	lua_pop(L, 1);
	return none;
}

static int m_history(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1);
	const char *what = luaL_optstring(L, 2, "");
	ln_history_opts opts;
	ln_history hist;
	ln_error err;
	char *rel = NULL;
	size_t i, k;
	int rc;
	if (check_history_opts(L, 3, &opts)) {
		lua_newtable(L);
		return 1;
	}
	rc = ln_store_resolve(&rel, s, what, &err);
	if (rc == LN_OK)
		rc = ln_store_history(&hist, s, rel, &opts, &err);
	free(rel);
	if (rc < 0)
		return ln_lua_result(L, rc, &err);
	lua_createtable(L, (int)hist.count, 0);
	for (i = 0; i < hist.count; i++) {
		const ln_history_entry *e = &hist.entries[i];
		lua_createtable(L, 0, 6);
		lua_pushstring(L, e->id);
		lua_setfield(L, -2, "id");
		lua_pushstring(L, e->short_id);
		lua_setfield(L, -2, "short");
		lua_pushnumber(L, (lua_Number)e->time);
		lua_setfield(L, -2, "time");
		lua_pushstring(L, e->author);
		lua_setfield(L, -2, "author");
		lua_pushstring(L, e->summary);
		lua_setfield(L, -2, "summary");
		lua_createtable(L, (int)e->path_count, 0);
		for (k = 0; k < e->path_count; k++) {
			lua_pushstring(L, e->paths[k]);
			lua_rawseti(L, -2, (int)k + 1);
		}
		lua_setfield(L, -2, "paths");
		lua_rawseti(L, -2, (int)i + 1);
	}
	ln_store_history_free(&hist);
	return 1;
}

static int m_maintain(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1);
	lua_Integer threshold = luaL_optinteger(L, 2, 0);
	size_t packed = 0;
	ln_error err;
	if (threshold < 0)
		return luaL_argerror(L, 2, "threshold must be >= 0");
	if (ln_store_maintain(&packed, s, (size_t)threshold, &err) < 0)
		return ln_lua_failure(L, &err);
	lua_pushinteger(L, (lua_Integer)packed);
	return 1;
}

/* store:create_note(person_dir, stem, ext, text) -> absolute path, relative
 * path | nil, message, code (ln_store_create_note). Used by notes.lua's
 * new_note. */
static int m_create_note(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1);
	const char *person = luaL_checkstring(L, 2);
	const char *stem = luaL_checkstring(L, 3);
	const char *ext = luaL_checkstring(L, 4);
	size_t len;
	const char *text = luaL_checklstring(L, 5, &len);
	char *rel = NULL;
	ln_error err;
	int rc = ln_store_create_note(&rel, s, person, stem, ext, text, len, &err);
	if (rc < 0)
		return ln_lua_result(L, rc, &err);
	lua_pushfstring(L, "%s/%s", ln_store_dir(s), rel);
	lua_pushstring(L, rel);
	free(rel);
	return 2;
}

static const luaL_Reg store_methods[] = {
	{ "blob_id", m_blob_id },
	{ "close", m_close },
	{ "create_note", m_create_note },
	{ "diff", m_diff },
	{ "dir", m_dir },
	{ "flush", m_flush },
	{ "history", m_history },
	{ "hooks", m_hooks },
	{ "maintain", m_maintain },
		{ "path", m_path },
	{ "people", m_people },
	{ "person_dir", m_person_dir },
	{ "prefix", m_prefix },
	{ "restore", m_restore },
	{ "save", m_save },
	{ "save_all", m_save_all },
	{ "shared", m_shared },
	{ "show", m_show },
	{ "status", m_status },
	{ "take_notice", m_take_notice },
	{ NULL, NULL }
};

void ln_lua_open_store(lua_State *L)
{
	if (luaL_newmetatable(L, LN_LUA_STORE_META)) {
		luaL_newlib(L, store_methods);
		lua_setfield(L, -2, "__index");
		lua_pushcfunction(L, m_close);
		lua_setfield(L, -2, "__gc");
#if LN_LUA_HAS_CLOSE
		lua_pushcfunction(L, m_close);
		lua_setfield(L, -2, "__close");
#endif
		lua_pushcfunction(L, m_tostring);
		lua_setfield(L, -2, "__tostring");
	}
	lua_getfield(L, -1, "__index");
	lua_setfield(L, -3, "store_methods");
	lua_pop(L, 1);
	lua_pushcfunction(L, l_open);
	lua_setfield(L, -2, "open");
	lua_pushcfunction(L, l_person_dir);
	lua_setfield(L, -2, "person_dir");
}
