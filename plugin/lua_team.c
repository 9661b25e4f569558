/* leadnotes.core: what the team view reads.
 *
 *   core.team_files(store [, under]) -> { {path=, blob=, dirty=, stat=}, ... }, dir
 *
 * Every file under the notes folder (or under the folder `under`, e.g. a
 * person's) with its blob id at HEAD (nil for a new file), whether the
 * working file may differ from it, and its stat signature; and the
 * absolute notes folder. Reads no content.
 *
 *   core.write_note(store, path, text) -> true | nil, message, code
 *   core.note_summary(text [, markdown]), core.hash_blob(text),
 *   core.identity(store), core.nfc(name), core.name_key(name)
 *
 * A path outside the notes folder is data from the user, not a caller's
 * mistake: nil, message, "invalid". */
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "lua_binding.h"
#include "leadnotes/names.h"
#include "leadnotes/store.h"
#include "leadnotes/team.h"

static int team_files(lua_State *L)
{
	struct ln_store *store = ln_lua_check_store(L, 1);
	const char *under = luaL_optstring(L, 2, NULL);
	ln_store_files files;
	ln_error err;
	size_t i;

	if (ln_store_files_list(&files, store, under, &err) < 0)
		return ln_lua_failure(L, &err);
	/* No Lua call below can raise except on memory exhaustion; the list is
	 * copied into Lua first and freed before returning. */
	lua_createtable(L, (int)files.count, 0);
	for (i = 0; i < files.count; i++) {
		lua_createtable(L, 0, 3);
		lua_pushstring(L, files.items[i].path);
		lua_setfield(L, -2, "path");
		if (files.items[i].blob[0]) {
			lua_pushstring(L, files.items[i].blob);
			lua_setfield(L, -2, "blob");
		}
		lua_pushboolean(L, files.items[i].dirty);
		lua_setfield(L, -2, "dirty");
		lua_pushstring(L, files.items[i].stat);
		lua_setfield(L, -2, "stat");
		lua_rawseti(L, -2, (int)i + 1);
	}
	ln_store_files_free(&files);
	lua_pushstring(L, ln_store_dir(store));
	return 2;
}

/* core.write_note(store, path, text) -> true | nil, message, code
 * (ln_store_write_note: atomic, folders 0700, file 0600, no commit). */
static int team_write_note(lua_State *L)
{
	struct ln_store *store = ln_lua_check_store(L, 1);
	const char *path = luaL_checkstring(L, 2);
	size_t len;
	const char *text = luaL_checklstring(L, 3, &len);
	ln_error err;

	return ln_lua_result(L, ln_store_write_note(store, path, text, len, &err), &err);
}

/* Sets field name of the table on top to value, unless value is NULL. */
static void push_opt_field(lua_State *L, const char *name, const char *value)
{
	if (!value)
		return;
	lua_pushstring(L, value);
	lua_setfield(L, -2, name);
}

/* core.note_summary(text [, markdown]) -> { items={ {text=, open=, line=,
 * level=, keyword=, id=, owner=, deadline=, scheduled=, tags=, first_seen=,
 * carried=} },
 * prompts={}, career=, feedback={}, wins={}, received={}, blockers={},
 * career_lines={}, concerns={}, properties={ {key, value} } }
 * What the insights read from one note (ln_note_summarize). */
static int team_note_summary(lua_State *L)
{
	size_t len, i;
	const char *text = luaL_checklstring(L, 1, &len);
	int markdown = lua_toboolean(L, 2);
	ln_note_summary *sum = NULL;
	ln_error err;

	/* Tables first would leave the summary unfreed on an out-of-memory
	 * raise; the summary is small and Lua raising there is already fatal. */
	if (ln_note_summarize(&sum, text, len, markdown, &err) < 0)
		return ln_lua_failure(L, &err);
	lua_createtable(L, 0, 10);
	lua_createtable(L, (int)sum->item_count, 0);
	for (i = 0; i < sum->item_count; i++) {
		lua_createtable(L, 0, 12);
		lua_pushstring(L, sum->items[i].text);
		lua_setfield(L, -2, "text");
		lua_pushboolean(L, sum->items[i].open);
		lua_setfield(L, -2, "open");
		lua_pushinteger(L, sum->items[i].line);
		lua_setfield(L, -2, "line");
		lua_pushinteger(L, sum->items[i].level);
		lua_setfield(L, -2, "level");
		push_opt_field(L, "keyword", sum->items[i].keyword);
		push_opt_field(L, "id", sum->items[i].id);
		push_opt_field(L, "owner", sum->items[i].owner);
		push_opt_field(L, "deadline", sum->items[i].deadline);
		push_opt_field(L, "scheduled", sum->items[i].scheduled);
		push_opt_field(L, "tags", sum->items[i].tags);
		push_opt_field(L, "first_seen", sum->items[i].first_seen);
		push_opt_field(L, "carried", sum->items[i].carried);
		lua_rawseti(L, -2, (int)i + 1);
	}
	lua_setfield(L, -2, "items");
	ln_lua_set_strings(L, "prompts", sum->prompts, sum->prompt_count);
	lua_pushboolean(L, sum->career);
	lua_setfield(L, -2, "career");
	ln_lua_set_strings(L, "feedback", sum->feedback, sum->feedback_count);
	ln_lua_set_strings(L, "wins", sum->wins, sum->win_count);
	ln_lua_set_strings(L, "received", sum->received, sum->received_count);
	ln_lua_set_strings(L, "blockers", sum->blockers, sum->blocker_count);
	ln_lua_set_strings(L, "career_lines", sum->career_lines, sum->career_count);
	ln_lua_set_strings(L, "concerns", sum->concerns, sum->concern_count);
	lua_createtable(L, (int)sum->property_count, 0);
	for (i = 0; i < sum->property_count; i++) {
		lua_createtable(L, 2, 0);
		lua_pushstring(L, sum->properties[2 * i]);
		lua_rawseti(L, -2, 1);
		lua_pushstring(L, sum->properties[2 * i + 1]);
		lua_rawseti(L, -2, 2);
		lua_rawseti(L, -2, (int)i + 1);
	}
	lua_setfield(L, -2, "properties");
	ln_note_summary_free(sum);
	return 1;
}

/* core.hash_blob(text) -> the git blob id text would have, in hex. Hashed
 * by ln__git_blob_id, not git_odb_hash, which needs libgit2 initialised:
 * the team view calls this before opening a repository, and initialising
 * libgit2 parses the system's CA certificates (about 4 ms). */
static int team_hash_blob(lua_State *L)
{
	size_t len;
	const char *text = luaL_checklstring(L, 1, &len);
	char hex[41];
	if (ln__git_blob_id(hex, text, len) < 0)
		return luaL_error(L, "cannot hash a blob");
	lua_pushstring(L, hex);
	return 1;
}

/* core.identity(store) -> { name=, email= } | nil: the git user.name and
 * user.email the notes repository sees (its own config, then the global
 * ones); nil when no name is set. */
static int team_identity(lua_State *L)
{
	struct ln_store *store = ln_lua_check_store(L, 1);
	git_repository *repo = ln_store_repository(store);
	git_config *cfg = NULL;
	git_buf name = GIT_BUF_INIT, email = GIT_BUF_INIT;
	int found = 0;

	if (repo && git_repository_config_snapshot(&cfg, repo) == 0) {
		found = git_config_get_string_buf(&name, cfg, "user.name") == 0 && name.size > 0;
		if (found && git_config_get_string_buf(&email, cfg, "user.email") < 0)
			git_error_clear();
	}
	git_error_clear();
	git_config_free(cfg);
	if (!found) {
		git_buf_dispose(&name);
		git_buf_dispose(&email);
		lua_pushnil(L);
		return 1;
	}
	/* Only memory exhaustion raises below (then the buffers leak, as the
	 * rest of the binding accepts). */
	lua_createtable(L, 0, 2);
	lua_pushlstring(L, name.ptr, name.size);
	lua_setfield(L, -2, "name");
	if (email.size > 0) {
		lua_pushlstring(L, email.ptr, email.size);
		lua_setfield(L, -2, "email");
	}
	git_buf_dispose(&name);
	git_buf_dispose(&email);
	return 1;
}

/* Pushes the result of a names function on name (argument 1): the string,
 * or nil, message, code for invalid UTF-8. */
static int push_name(lua_State *L, int (*fn)(char **, const char *, size_t, ln_error *))
{
	size_t len;
	const char *name = luaL_checklstring(L, 1, &len);
	char *out = NULL;
	ln_error err;
	int rc = fn(&out, name, len, &err);

	return ln_lua_string_result(L, rc, out, &err);
}

/* core.nfc(name) -> name in NFC | nil, message, code */
static int team_nfc(lua_State *L)
{
	return push_name(L, ln_names_nfc);
}

/* core.name_key(name) -> the case- and accent-blind key | nil, message, code */
static int team_name_key(lua_State *L)
{
	return push_name(L, ln_names_key);
}

static const luaL_Reg team_functions[] = {
	{ "hash_blob", team_hash_blob },
	{ "identity", team_identity },
	{ "name_key", team_name_key },
	{ "nfc", team_nfc },
	{ "note_summary", team_note_summary },
	{ "team_files", team_files },
	{ "write_note", team_write_note },
	{ NULL, NULL }
};

void ln_lua_open_team(lua_State *L)
{
	luaL_setfuncs(L, team_functions, 0);
	luaL_getmetatable(L, LN_LUA_STORE_META);
	if (lua_istable(L, -1)) {
		lua_getfield(L, -1, "__index");
		if (lua_istable(L, -1)) {
			lua_pushcfunction(L, team_identity);
			lua_setfield(L, -2, "identity");
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
}
