/* leadnotes.core: the note summaries kept on disk between processes.
 *
 *   core.summary_cache_open(store, schema) -> cache, path | nil, message, code
 *   cache:get(blob_id) -> summary table | nil
 *   cache:has(key) -> whether the file or a put holds key (marks it in use, decodes nothing)
 *   cache:put(blob_id, summary) -> true | false (a value it cannot keep)
 *   cache:flush([prune]) -> true | nil, message, code
 *   cache:count() -> entries known, records read at open
 *   cache:close()
 *   core.folder_scan(store [, racy_seconds]) -> { {dir=, digest=, files=, racy=}, ... }, notes_dir
 *                                             | nil, message, code
 *
 * The file is <gitdir>/leadnotes/summaries (summary_cache.c), or another
 * name under <gitdir>/leadnotes/ (summary_cache_open's third argument:
 * "team" holds the team view's entries). A summary is
 * a tree of tables whose keys and values are strings, numbers and booleans;
 * it is stored in a small tagged binary encoding (ENCODING below). The
 * file's schema is ENCODING, LN_NOTE_SUMMARY_VERSION (team.h) and the
 * caller's schema: a file written for any other is never read.
 *   'T' u32 u32 key value ... 'E'  a table (its array and hash sizes, hints)
 *   's' u32 length, bytes
 *   'i' i64   'd' double    't' / 'f'       booleans
 * Integers are little-endian. Nothing stored is ever logged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <git2.h>

#include "lua_binding.h"
#include "leadnotes/folder_scan.h"
#include "leadnotes/store.h"
#include "leadnotes/summary_cache.h"
#include "leadnotes/team.h"

#define CACHE_META "leadnotes.summary_cache"
#define ENCODING "enc2"
#define DEPTH_MAX 16

typedef struct {
	ln_summary_cache *cache;
} cache_ud;

static ln_summary_cache *check_cache(lua_State *L, const char *fn)
{
	cache_ud *ud = luaL_checkudata(L, 1, CACHE_META);
	if (!ud->cache)
		luaL_error(L, "%s: attempt to use a closed summary cache", fn);
	return ud->cache;
}

static void put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u64(unsigned char *p, uint64_t v)
{
	put_u32(p, (uint32_t)v);
	put_u32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t get_u64(const unsigned char *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/* Encodes the value at idx into out (when not NULL) from *pos on; advances
 * *pos by its size either way. Returns -1 for a value it cannot keep (a
 * function, userdata, a string over 16 MB, nesting over DEPTH_MAX). Raises
 * only on memory exhaustion, and holds no malloc'd memory. */
static int encode(lua_State *L, int idx, unsigned char *out, size_t *pos, int depth)
{
	if (idx < 0)
		idx = lua_gettop(L) + idx + 1;
	switch (lua_type(L, idx)) {
	case LUA_TBOOLEAN:
		if (out)
			out[*pos] = lua_toboolean(L, idx) ? 't' : 'f';
		*pos += 1;
		return 0;
	case LUA_TNUMBER:
		if (ln_lua_isinteger(L, idx)) {
			if (out) {
				out[*pos] = 'i';
				put_u64(out + *pos + 1, (uint64_t)ln_lua_tointeger(L, idx));
			}
		} else if (out) {
			double d = (double)lua_tonumber(L, idx);
			uint64_t bits;
			memcpy(&bits, &d, sizeof(bits));
			out[*pos] = 'd';
			put_u64(out + *pos + 1, bits);
		}
		*pos += 9;
		return 0;
	case LUA_TSTRING: {
		size_t len;
		const char *s = lua_tolstring(L, idx, &len);
		if (len > 16u * 1024u * 1024u)
			return -1;
		if (out) {
			out[*pos] = 's';
			put_u32(out + *pos + 1, (uint32_t)len);
			memcpy(out + *pos + 5, s, len);
		}
		*pos += 5 + len;
		return 0;
	}
	case LUA_TTABLE: {
		size_t at = *pos;
		uint32_t narr = 0, nrec = 0;
		if (depth >= DEPTH_MAX || !lua_checkstack(L, 3))
			return -1;
		*pos += 9; /* 'T', then the sizes, known once the pairs are written */
		lua_pushnil(L);
		while (lua_next(L, idx) != 0) {
			int kt = lua_type(L, -2);
			if ((kt != LUA_TSTRING && kt != LUA_TNUMBER) || encode(L, -2, out, pos, depth + 1) < 0 ||
			    encode(L, -1, out, pos, depth + 1) < 0) {
				lua_pop(L, 2);
				return -1;
			}
			if (kt == LUA_TNUMBER && ln_lua_isinteger(L, -2) && ln_lua_tointeger(L, -2) >= 1)
				narr++;
			else
				nrec++;
			lua_pop(L, 1);
		}
		if (out) {
			out[at] = 'T';
			put_u32(out + at + 1, narr);
			put_u32(out + at + 5, nrec);
			out[*pos] = 'E';
		}
		*pos += 1;
		return 0;
	}
	default:
		return -1;
	}
}

/* Pushes the value encoded at data[*pos], advancing *pos. Returns -1 (with
 * the stack as it was) on anything malformed. */
static int decode(lua_State *L, const unsigned char *data, size_t len, size_t *pos, int depth)
{
	int top = lua_gettop(L);

	if (*pos >= len || !lua_checkstack(L, 3))
		return -1;
	switch (data[(*pos)++]) {
	case 't':
		lua_pushboolean(L, 1);
		return 0;
	case 'f':
		lua_pushboolean(L, 0);
		return 0;
	case 'i':
		if (len - *pos < 8)
			return -1;
		lua_pushinteger(L, (lua_Integer)(int64_t)get_u64(data + *pos));
		*pos += 8;
		return 0;
	case 'd': {
		uint64_t bits;
		double d;
		if (len - *pos < 8)
			return -1;
		bits = get_u64(data + *pos);
		memcpy(&d, &bits, sizeof(d));
		lua_pushnumber(L, (lua_Number)d);
		*pos += 8;
		return 0;
	}
	case 's': {
		uint32_t n;
		if (len - *pos < 4)
			return -1;
		n = get_u32(data + *pos);
		*pos += 4;
		if (len - *pos < n)
			return -1;
		lua_pushlstring(L, (const char *)data + *pos, n);
		*pos += n;
		return 0;
	}
	case 'T': {
		uint32_t narr, nrec;
		if (depth >= DEPTH_MAX || len - *pos < 8)
			return -1;
		narr = get_u32(data + *pos);
		nrec = get_u32(data + *pos + 4);
		*pos += 8;
		/* Sizes are hints; a damaged one must not make a huge table. */
		if (narr > len || nrec > len)
			return -1;
		lua_createtable(L, (int)narr, (int)nrec);
		for (;;) {
			if (*pos >= len)
				goto bad;
			if (data[*pos] == 'E') {
				(*pos)++;
				return 0;
			}
			if (decode(L, data, len, pos, depth + 1) < 0)
				goto bad;
			if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
				goto bad;
			/* A NaN key would raise in lua_rawset. */
			if (lua_type(L, -1) == LUA_TNUMBER && lua_tonumber(L, -1) != lua_tonumber(L, -1))
				goto bad;
			if (decode(L, data, len, pos, depth + 1) < 0)
				goto bad;
			lua_rawset(L, -3);
		}
	bad:
		lua_settop(L, top);
		return -1;
	}
	default:
		return -1;
	}
}

static int cache_get(lua_State *L)
{
	ln_summary_cache *cache = check_cache(L, "get");
	const char *key = luaL_checkstring(L, 2);
	size_t len = 0, pos = 0;
	const unsigned char *value = ln_summary_cache_get(cache, key, &len);

	if (!value || decode(L, value, len, &pos, 0) < 0 || pos != len || !lua_istable(L, -1)) {
		lua_pushnil(L);
		return 1;
	}
	return 1;
}

static int cache_has(lua_State *L)
{
	ln_summary_cache *cache = check_cache(L, "has");
	const char *key = luaL_checkstring(L, 2);
	size_t len = 0;

	lua_pushboolean(L, ln_summary_cache_get(cache, key, &len) != NULL);
	return 1;
}

static int cache_put(lua_State *L)
{
	ln_summary_cache *cache = check_cache(L, "put");
	const char *key = luaL_checkstring(L, 2);
	size_t size = 0, pos = 0;
	unsigned char *buf;
	ln_error err;

	luaL_checktype(L, 3, LUA_TTABLE);
	lua_settop(L, 3);
	if (encode(L, 3, NULL, &size, 0) < 0) {
		lua_pushboolean(L, 0);
		return 1;
	}
	buf = lua_newuserdata(L, size ? size : 1); /* collected by Lua: nothing leaks on a raise */
	if (encode(L, 3, buf, &pos, 0) < 0 || pos != size ||
	    ln_summary_cache_put(cache, key, buf, size, &err) < 0) {
		lua_pushboolean(L, 0);
		return 1;
	}
	lua_pushboolean(L, 1);
	return 1;
}

static int cache_flush(lua_State *L)
{
	ln_summary_cache *cache = check_cache(L, "flush");
	ln_error err;

	ln_error_clear(&err);
	if (ln_summary_cache_flush(cache, lua_toboolean(L, 2), &err) < 0)
		return ln_lua_push_failure(L, &err);
	lua_pushboolean(L, 1);
	return 1;
}

static int cache_count(lua_State *L)
{
	ln_summary_cache *cache = check_cache(L, "count");
	lua_pushinteger(L, (lua_Integer)ln_summary_cache_count(cache));
	lua_pushinteger(L, (lua_Integer)ln_summary_cache_loaded(cache));
	return 2;
}

static int cache_close(lua_State *L)
{
	cache_ud *ud = luaL_checkudata(L, 1, CACHE_META);
	ln_summary_cache_free(ud->cache);
	ud->cache = NULL;
	return 0;
}

static int cache_tostring(lua_State *L)
{
	cache_ud *ud = luaL_checkudata(L, 1, CACHE_META);
	lua_pushstring(L, ud->cache ? "leadnotes summary cache" : "leadnotes summary cache (closed)");
	return 1;
}

/* A file name under <gitdir>/leadnotes/: lower-case letters, 1 to 32. */
static int cache_name_ok(const char *name)
{
	size_t n = strlen(name), i;

	if (n == 0 || n > 32)
		return 0;
	for (i = 0; i < n; i++)
		if (name[i] < 'a' || name[i] > 'z')
			return 0;
	return 1;
}

/* core.summary_cache_open(store, schema [, name]) -> cache, path | nil, message, code
 * name: the file under <gitdir>/leadnotes/ (default "summaries"). */
static int summary_cache_open(lua_State *L)
{
	struct ln_store *store = ln_lua_check_store(L, 1, "summary_cache_open");
	const char *schema = luaL_checkstring(L, 2);
	const char *name = luaL_optstring(L, 3, "summaries");
	git_repository *repo;
	cache_ud *ud;
	ln_error err;

	if (!cache_name_ok(name))
		return luaL_argerror(L, 3, "a file name of lower-case letters expected");
	ud = lua_newuserdata(L, sizeof(*ud));
	ud->cache = NULL;
	luaL_setmetatable(L, CACHE_META);
	repo = ln_store_repository(store);
	lua_pushfstring(L, "%sleadnotes/%s", git_repository_path(repo), name);
	lua_pushfstring(L, ENCODING ":c%d:%s", LN_NOTE_SUMMARY_VERSION, schema);
	if (ln_summary_cache_open(&ud->cache, lua_tostring(L, -2), lua_tostring(L, -1), &err) < 0)
		return ln_lua_push_failure(L, &err);
	lua_pop(L, 1);
	return 2;
}

/* core.folder_scan(store [, racy_seconds]) -> { {dir=, digest=, files=,
 * racy=}, ... }, notes_dir | nil, message, code
 * The people's folders of the store's notes folder with their digests
 * (ln_folder_scan). A folder is racy when a file in it changed in the last
 * racy_seconds (default 2; negative: none is). */
static int folder_scan(lua_State *L)
{
	struct ln_store *store = ln_lua_check_store(L, 1, "folder_scan");
	lua_Number racy_seconds = luaL_optnumber(L, 2, 2);
	long long racy_after = racy_seconds < 0 ? (long long)INT64_MAX : (long long)time(NULL) - (long long)racy_seconds;
	ln_folder_states states;
	ln_error err;
	size_t i;

	if (ln_folder_scan(&states, ln_store_dir(store), racy_after, &err) < 0)
		return ln_lua_push_failure(L, &err);
	/* Only memory exhaustion raises below (then the list leaks, as the rest
	 * of the binding accepts). */
	lua_createtable(L, (int)states.count, 0);
	for (i = 0; i < states.count; i++) {
		lua_createtable(L, 0, 4);
		lua_pushstring(L, states.items[i].dir);
		lua_setfield(L, -2, "dir");
		lua_pushstring(L, states.items[i].digest);
		lua_setfield(L, -2, "digest");
		lua_pushinteger(L, (lua_Integer)states.items[i].files);
		lua_setfield(L, -2, "files");
		lua_pushboolean(L, states.items[i].racy);
		lua_setfield(L, -2, "racy");
		lua_rawseti(L, -2, (int)i + 1);
	}
	ln_folder_states_free(&states);
	lua_pushstring(L, ln_store_dir(store));
	return 2;
}

static const luaL_Reg cache_methods[] = {
	{ "close", cache_close },
	{ "count", cache_count },
	{ "flush", cache_flush },
	{ "get", cache_get },
	{ "has", cache_has },
	{ "put", cache_put },
	{ NULL, NULL }
};

void ln_lua_open_summary_cache(lua_State *L)
{
	if (luaL_newmetatable(L, CACHE_META)) {
		luaL_newlib(L, cache_methods);
		lua_setfield(L, -2, "__index");
		lua_pushcfunction(L, cache_close);
		lua_setfield(L, -2, "__gc");
#if LN_LUA_HAS_CLOSE
		lua_pushcfunction(L, cache_close);
		lua_setfield(L, -2, "__close");
#endif
		lua_pushcfunction(L, cache_tostring);
		lua_setfield(L, -2, "__tostring");
	}
	lua_pop(L, 1);
	lua_pushcfunction(L, summary_cache_open);
	lua_setfield(L, -2, "summary_cache_open");
	lua_pushcfunction(L, folder_scan);
	lua_setfield(L, -2, "folder_scan");
}
