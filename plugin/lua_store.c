/* leadnotes.core: the notes store handle. core.open(dir) returns a userdata
 * with the metatable LN_LUA_STORE_META; other components add methods to its
 * __index table. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lua_binding.h"
#include "leadnotes/store.h"

typedef struct lua_store {
	ln_store *store;
} lua_store;

struct ln_store *ln_lua_check_store(lua_State *L, int idx, const char *fn)
{
	lua_store *box = luaL_testudata(L, idx, LN_LUA_STORE_META);
	if (!box) {
		luaL_error(L, "bad argument #%d to '%s' (notes store expected, got %s)", idx, fn, luaL_typename(L, idx));
		return NULL;
	}
	if (!box->store)
		luaL_error(L, "%s: attempt to use a closed notes store", fn);
	return box->store;
}

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
		return ln_lua_push_failure(L, err);
	if (rc == LN_STORE_UNCHANGED) {
		lua_pushnil(L);
		return 1;
	}
	push_commit(L, info);
	return 1;
}

/* A boolean option of open's table, with its default. */
static int open_flag(lua_State *L, const char *key, int dflt)
{
	int v = dflt;
	lua_getfield(L, 2, key);
	if (!lua_isnil(L, -1)) {
		if (lua_type(L, -1) != LUA_TBOOLEAN)
			luaL_error(L, "open: option '%s' must be a boolean, got %s", key, luaL_typename(L, -1));
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
	lua_store *box;
	ln_error err;
	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		ln_lua_check_keys(L, 2, "open", (const char *const[]){ "adopt", "create", "shared", NULL });
		flags = (open_flag(L, "create", 1) ? LN_STORE_OPEN_CREATE : 0u) |
			(open_flag(L, "shared", 0) ? LN_STORE_OPEN_SHARED : 0u) |
			(open_flag(L, "adopt", 0) ? LN_STORE_OPEN_ADOPT : 0u);
	}
	ln_error_clear(&err);
	box = lua_newuserdata(L, sizeof(*box));
	box->store = NULL;
	luaL_setmetatable(L, LN_LUA_STORE_META);
	if (ln_store_open_ext(&box->store, dir, flags, &err) < 0)
		return ln_lua_push_failure(L, &err);
	return 1;
}

/* store:shared() -> true when the notes share their repository with other files. */
static int m_shared(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1, "shared");
	lua_pushboolean(L, ln_store_is_shared(s));
	return 1;
}

static int m_close(lua_State *L)
{
	lua_store *box = luaL_checkudata(L, 1, LN_LUA_STORE_META);
	ln_store_free(box->store);
	box->store = NULL;
	return 0;
}

static int m_tostring(lua_State *L)
{
	lua_store *box = luaL_checkudata(L, 1, LN_LUA_STORE_META);
	if (box->store)
		lua_pushfstring(L, "leadnotes.store (%s)", ln_store_dir(box->store));
	else
		lua_pushliteral(L, "leadnotes.store (closed)");
	return 1;
}

static int m_dir(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1, "dir");
	lua_pushstring(L, ln_store_dir(s));
	return 1;
}

static int m_prefix(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1, "prefix");
	lua_pushstring(L, ln_store_prefix(s));
	return 1;
}

static int m_flush(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1, "flush");
	ln_store_flush(s);
	return 0;
}

static int m_notice(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1, "notice");
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
	ln_store *s = ln_lua_check_store(L, 1, "people");
	ln_strings list;
	ln_error err;
	ln_error_clear(&err);
	if (ln_store_people(&list, s, &err) < 0)
		return ln_lua_push_failure(L, &err);
	ln_lua_push_strings(L, list.items, list.count);
	ln_store_strings_free(&list);
	return 1;
}

/* store:hooks() -> the git hooks a git commit or push would run that
 * leadnotes does not run (see ln_store_skipped_hooks). */
static int m_hooks(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1, "hooks");
	ln_strings list;
	ln_error err;
	ln_error_clear(&err);
	if (ln_store_skipped_hooks(&list, s, &err) < 0)
		return ln_lua_push_failure(L, &err);
	ln_lua_push_strings(L, list.items, list.count);
	ln_store_strings_free(&list);
	return 1;
}

static int m_person_dir(lua_State *L)
{
	size_t len;
	const char *name;
	char *dir = NULL;
	ln_error err;
	ln_lua_check_store(L, 1, "person_dir");
	name = luaL_checklstring(L, 2, &len);
	ln_error_clear(&err);
	if (ln_store_person_dir_len(&dir, name, len, &err) < 0)
		return ln_lua_push_failure(L, &err);
	lua_pushstring(L, dir);
	free(dir);
	return 1;
}

/* core.person_dir(name): the same mapping without a store. */
static int l_person_dir(lua_State *L)
{
	size_t len;
	const char *name = luaL_checklstring(L, 1, &len);
	char *dir = NULL;
	ln_error err;
	ln_error_clear(&err);
	if (ln_store_person_dir_len(&dir, name, len, &err) < 0)
		return ln_lua_push_failure(L, &err);
	lua_pushstring(L, dir);
	free(dir);
	return 1;
}

static int m_path(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1, "path");
	const char *path = luaL_checkstring(L, 2);
	char *rel = NULL;
	ln_error err;
	ln_error_clear(&err);
	if (ln_store_relpath(&rel, s, path, &err) < 0)
		return ln_lua_push_failure(L, &err);
	lua_pushstring(L, rel);
	lua_pushfstring(L, "%s/%s", ln_store_dir(s), rel);
	free(rel);
	return 2;
}

static int m_save(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1, "save");
	const char *path = luaL_checkstring(L, 2);
	const char *message = luaL_optstring(L, 3, NULL);
	ln_commit_info info;
	ln_error err;
	int rc;
	ln_error_clear(&err);
	rc = ln_store_save(&info, s, path, message, &err);
	return push_save_result(L, rc, &info, &err);
}

static int m_restore(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1, "restore");
	const char *rev = luaL_checkstring(L, 2);
	const char *path = luaL_checkstring(L, 3);
	ln_commit_info info;
	ln_error err;
	int rc;
	ln_error_clear(&err);
	rc = ln_store_restore(&info, s, rev, path, &err);
	return push_save_result(L, rc, &info, &err);
}

static int m_save_all(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1, "save_all");
	ln_commits list;
	ln_error err;
	size_t i, saved = 0;
	ln_error_clear(&err);
	if (ln_store_save_all(&list, s, &err) < 0) {
		ln_store_commits_free(&list);
		return ln_lua_push_failure(L, &err);
	}
	lua_createtable(L, (int)list.count, 0);
	for (i = 0; i < list.count; i++) {
		push_commit(L, &list.items[i]);
		lua_rawseti(L, -2, (int)i + 1);
	}
	ln_store_commits_free(&list);
	/* notes a .gitignore ignores are committed as store:save commits them;
	 * their names come back second */
	lua_newtable(L);
	if (ln_lua_save_ignored(L, s, lua_gettop(L), &saved, &err) < 0)
		return ln_lua_push_failure(L, &err);
	return 2;
}

static int m_status(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1, "status");
	ln_status status;
	ln_error err;
	size_t i;
	ln_error_clear(&err);
	if (ln_store_status(&status, s, &err) < 0)
		return ln_lua_push_failure(L, &err);
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
	ln_store *s = ln_lua_check_store(L, 1, "show");
	const char *rev = luaL_checkstring(L, 2);
	const char *path = luaL_checkstring(L, 3);
	char *text = NULL;
	size_t len = 0;
	ln_error err;
	ln_error_clear(&err);
	if (ln_store_show(&text, &len, s, rev, path, &err) < 0)
		return ln_lua_push_failure(L, &err);
	lua_pushlstring(L, text, len);
	free(text);
	return 1;
}

static int m_diff(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1, "diff");
	const char *rev_a = luaL_checkstring(L, 2);
	const char *rev_b = luaL_optstring(L, 3, NULL);
	const char *path = luaL_checkstring(L, 4);
	char *text = NULL;
	ln_error err;
	ln_error_clear(&err);
	if (ln_store_diff(&text, s, rev_a, rev_b, path, &err) < 0)
		return ln_lua_push_failure(L, &err);
	lua_pushstring(L, text);
	free(text);
	return 1;
}

static int m_blob_id(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1, "blob_id");
	const char *path = luaL_checkstring(L, 2);
	char hex[GIT_OID_HEXSZ + 1];
	git_oid id;
	int dirty = 0, rc;
	ln_error err;
	ln_error_clear(&err);
	rc = ln_store_blob_id(&id, &dirty, s, path, &err);
	if (rc == LN_ENOTFOUND) {
		lua_pushnil(L);
		return 1;
	}
	if (rc < 0)
		return ln_lua_push_failure(L, &err);
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
	ln_lua_check_keys(L, idx, "history", (const char *const[]){ "limit", "since", "until", NULL });
	lua_getfield(L, idx, "limit");
	if (!lua_isnil(L, -1)) {
		if (!ln_lua_isinteger(L, -1) || ln_lua_tointeger(L, -1) < 0)
			luaL_error(L, "history: option 'limit' must be a non-negative integer");
		opts->limit = (size_t)ln_lua_tointeger(L, -1);
		/* limit = 0 asks for nothing, as `git log -n 0` does; the C
		 * store reads 0 as "no limit", so the caller answers it. */
		none = opts->limit == 0;
	}
	lua_pop(L, 1);
	lua_getfield(L, idx, "since");
	if (!lua_isnil(L, -1)) {
		if (lua_type(L, -1) != LUA_TNUMBER)
			luaL_error(L, "history: option 'since' must be a number (seconds since the epoch)");
		opts->since = (long long)lua_tonumber(L, -1);
	}
	lua_pop(L, 1);
	lua_getfield(L, idx, "until");
	if (!lua_isnil(L, -1)) {
		if (lua_type(L, -1) != LUA_TNUMBER)
			luaL_error(L, "history: option 'until' must be a number (seconds since the epoch)");
		opts->until = (long long)lua_tonumber(L, -1);
	}
	lua_pop(L, 1);
	return none;
}

static int m_history(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1, "history");
	const char *what = luaL_optstring(L, 2, "");
	ln_history_opts opts;
	ln_history hist;
	ln_error err;
	char *mapped = NULL;
	size_t i, k;
	int rc;
	if (check_history_opts(L, 3, &opts)) {
		lua_newtable(L);
		return 1;
	}
	ln_error_clear(&err);
	/* A person's display name ("José Pérez") maps to their folder; anything
	 * with a slash, or that exists as given, is a path. */
	if (*what && !strchr(what, '/')) {
		char *rel = NULL;
		struct stat st;
		int exists = 0;
		if (ln_store_relpath(&rel, s, what, NULL) == 0) {
			char *abs = malloc(strlen(ln_store_dir(s)) + strlen(rel) + 2);
			if (abs) {
				sprintf(abs, "%s/%s", ln_store_dir(s), rel);
				exists = lstat(abs, &st) == 0;
				free(abs);
			}
		}
		free(rel);
		if (!exists && ln_store_person_dir(&mapped, what, NULL) == 0)
			what = mapped;
	}
	rc = ln_store_history(&hist, s, what, &opts, &err);
	free(mapped);
	if (rc < 0)
		return ln_lua_push_failure(L, &err);
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
	ln_store *s = ln_lua_check_store(L, 1, "maintain");
	lua_Integer threshold = luaL_optinteger(L, 2, 0);
	size_t packed = 0;
	ln_error err;
	if (threshold < 0)
		return luaL_argerror(L, 2, "threshold must be >= 0");
	ln_error_clear(&err);
	if (ln_store_maintain(&packed, s, (size_t)threshold, &err) < 0)
		return ln_lua_push_failure(L, &err);
	lua_pushinteger(L, (lua_Integer)packed);
	return 1;
}

/* store:create_note(person_dir, stem, ext, text) -> absolute path, relative
 * path: writes <person_dir>/<stem>.<ext> (then -2, -3 ...) never
 * overwriting, folders 0700, file 0600. Used by notes.lua's new_note. */
static int m_create_note(lua_State *L)
{
	ln_store *s = ln_lua_check_store(L, 1, "create_note");
	const char *person = luaL_checkstring(L, 2);
	const char *stem = luaL_checkstring(L, 3);
	const char *ext = luaL_checkstring(L, 4);
	size_t len;
	const char *text = luaL_checklstring(L, 5, &len);
	char *rel = NULL, *dir = NULL, *file = NULL;
	ln_error err;
	int n, fd = -1;
	size_t cap;
	ln_error_clear(&err);
	if (strchr(stem, '/') || strchr(ext, '/') || !*stem || !*ext)
		return luaL_error(L, "create_note: stem and extension must be plain names");
	if (ln_store_relpath(&rel, s, person, &err) < 0)
		return ln_lua_push_failure(L, &err);
	if (!*rel || strchr(rel, '/')) {
		free(rel);
		ln_error_set(&err, LN_EINVALID, "%s is not a person's folder", person);
		return ln_lua_push_failure(L, &err);
	}
	cap = strlen(ln_store_dir(s)) + strlen(rel) + strlen(stem) + strlen(ext) + 32;
	dir = malloc(cap);
	file = malloc(cap);
	if (!dir || !file) {
		free(rel);
		free(dir);
		free(file);
		ln_error_set(&err, LN_ENOMEM, "out of memory");
		return ln_lua_push_failure(L, &err);
	}
	snprintf(dir, cap, "%s/%s", ln_store_dir(s), rel);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		ln_error_set(&err, LN_EIO, "cannot create %s: %s", dir, strerror(errno));
		goto fail;
	}
	for (n = 1; n < 1000; n++) {
		if (n == 1)
			snprintf(file, cap, "%s/%s.%s", dir, stem, ext);
		else
			snprintf(file, cap, "%s/%s-%d.%s", dir, stem, n, ext);
		fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		ln_error_set(&err, LN_EIO, "cannot create a note in %s: %s", dir, strerror(errno));
		goto fail;
	}
	{
		const char *p = text;
		size_t left = len;
		while (left > 0) {
			ssize_t w = write(fd, p, left);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				ln_error_set(&err, LN_EIO, "cannot write %s: %s", file, strerror(errno));
				close(fd);
				unlink(file);
				goto fail;
			}
			p += w;
			left -= (size_t)w;
		}
	}
	if (close(fd) != 0) {
		ln_error_set(&err, LN_EIO, "cannot write %s: %s", file, strerror(errno));
		unlink(file);
		goto fail;
	}
	lua_pushstring(L, file);
	lua_pushstring(L, file + strlen(ln_store_dir(s)) + 1);
	free(rel);
	free(dir);
	free(file);
	return 2;
fail:
	free(rel);
	free(dir);
	free(file);
	return ln_lua_push_failure(L, &err);
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
	{ "notice", m_notice },
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
	lua_pop(L, 1);
	lua_pushcfunction(L, l_open);
	lua_setfield(L, -2, "open");
	lua_pushcfunction(L, l_person_dir);
	lua_setfield(L, -2, "person_dir");
}
