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
 *
 * Writes a file inside the notes folder; does not commit. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lua_binding.h"
#include "leadnotes/names.h"
#include "leadnotes/store.h"
#include "leadnotes/team.h"

static int team_files(lua_State *L)
{
	struct ln_store *store = ln_lua_check_store(L, 1, "team_files");
	const char *under = luaL_optstring(L, 2, NULL);
	ln_store_files files;
	ln_error err;
	size_t i;

	if (ln_store_files_list(&files, store, under, &err) < 0) {
		if (err.code == LN_EINVALID)
			return ln_lua_raise(L, "team_files", &err);
		return ln_lua_push_failure(L, &err);
	}
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

static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	h ^= 0xff;
	h *= 1099511628211ull;
	return h;
}

/* core.team_folders(store) -> { {dir=, digest=, files=}, ... }, notes_dir
 * One entry per top-level folder (a person) with a digest of its files'
 * paths, blob ids and stat data: equal digests mean nothing in that folder
 * changed. Cheaper for Lua than team_files on the whole folder. */
static int team_folders(lua_State *L)
{
	struct ln_store *store = ln_lua_check_store(L, 1, "team_folders");
	ln_store_files files;
	ln_error err;
	size_t i = 0;
	int n = 0;

	if (ln_store_files_list(&files, store, NULL, &err) < 0)
		return ln_lua_push_failure(L, &err);
	lua_createtable(L, 0, 0);
	while (i < files.count) {
		const char *path = files.items[i].path, *slash = strchr(path, '/');
		size_t dlen, count = 0;
		uint64_t h = 14695981039346656037ull;
		char hex[17];

		if (!slash) {
			i++;
			continue; /* a file at the top: nobody's */
		}
		dlen = (size_t)(slash - path);
		while (i < files.count && strncmp(files.items[i].path, path, dlen) == 0 &&
			files.items[i].path[dlen] == '/') {
			const ln_store_file *f = &files.items[i];
			h = fnv(h, f->path, strlen(f->path));
			h = fnv(h, f->blob, strlen(f->blob));
			h = fnv(h, f->dirty ? "d" : "c", 1);
			h = fnv(h, f->stat, strlen(f->stat));
			count++;
			i++;
		}
		snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)h);
		lua_createtable(L, 0, 3);
		lua_pushlstring(L, path, dlen);
		lua_setfield(L, -2, "dir");
		lua_pushstring(L, hex);
		lua_setfield(L, -2, "digest");
		lua_pushinteger(L, (lua_Integer)count);
		lua_setfield(L, -2, "files");
		lua_rawseti(L, -2, ++n);
	}
	ln_store_files_free(&files);
	lua_pushstring(L, ln_store_dir(store));
	return 2;
}

/* Creates the folders of rel (relative to dir) below dir, mode 0700. */
static int make_parents(const char *dir, const char *rel, ln_error *err)
{
	size_t dlen = strlen(dir), rlen = strlen(rel), i;
	char *path = malloc(dlen + rlen + 2);
	int rc = LN_OK;

	if (!path)
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	memcpy(path, dir, dlen);
	path[dlen] = '/';
	memcpy(path + dlen + 1, rel, rlen + 1);
	for (i = dlen + 1; path[i]; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			rc = ln_error_set(err, LN_EIO, "cannot create a folder for %s: %s", rel, strerror(errno));
			goto cleanup;
		}
		path[i] = '/';
	}
cleanup:
	free(path);
	return rc;
}

/* Writes text to rel (relative to the notes folder) through a temporary
 * file renamed into place, mode 0600. */
static int write_atomic(const char *dir, const char *rel, const char *text, size_t len, ln_error *err)
{
	size_t dlen = strlen(dir), rlen = strlen(rel);
	char *path = malloc(dlen + rlen + 2), *tmp = malloc(dlen + rlen + 16);
	int fd = -1, rc = LN_OK;
	size_t done = 0;

	if (!path || !tmp) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	snprintf(path, dlen + rlen + 2, "%s/%s", dir, rel);
	{
		/* A hidden temporary beside the file: "<dir>/.<name>.tmp-XXXXXX". */
		const char *slash = strrchr(path, '/');
		size_t head = slash ? (size_t)(slash - path) + 1 : 0;
		snprintf(tmp, dlen + rlen + 16, "%.*s.%s.tmp-XXXXXX", (int)head, path, path + head);
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = ln_error_set(err, LN_EIO, "cannot write %s: %s", rel, strerror(errno));
		goto cleanup;
	}
	fchmod(fd, 0600);
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = ln_error_set(err, LN_EIO, "cannot write %s: %s", rel, strerror(errno));
			goto cleanup;
		}
		done += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		rc = ln_error_set(err, LN_EIO, "cannot write %s: %s", rel, strerror(errno));
		goto cleanup;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		rc = ln_error_set(err, LN_EIO, "cannot write %s: %s", rel, strerror(errno));
		goto cleanup;
	}
cleanup:
	if (fd >= 0)
		close(fd);
	if (rc < 0 && tmp)
		unlink(tmp);
	free(path);
	free(tmp);
	return rc;
}

/* core.write_note(store, path, text) -> true | nil, message, code
 * Writes a file inside the notes folder (refusing any path outside it),
 * creating its folders (0700); the file is 0600. Does not commit. */
static int team_write_note(lua_State *L)
{
	struct ln_store *store = ln_lua_check_store(L, 1, "write_note");
	const char *path = luaL_checkstring(L, 2);
	size_t len;
	const char *text = luaL_checklstring(L, 3, &len);
	char *rel = NULL;
	ln_error err;
	int rc;

	rc = ln_store_relpath(&rel, store, path, &err);
	if (rc == LN_OK)
		rc = make_parents(ln_store_dir(store), rel, &err);
	if (rc == LN_OK)
		rc = write_atomic(ln_store_dir(store), rel, text, len, &err);
	free(rel);
	if (rc == LN_EINVALID)
		return ln_lua_raise(L, "write_note", &err);
	if (rc < 0)
		return ln_lua_push_failure(L, &err);
	lua_pushboolean(L, 1);
	return 1;
}

/* store:profile(person [, fields]): implemented in leadnotes.insights; this
 * makes it a method of every store handle from the start. */
static int store_profile(lua_State *L)
{
	int nargs = lua_gettop(L);

	ln_lua_check_store(L, 1, "store:profile");
	lua_getglobal(L, "require");
	lua_pushstring(L, "leadnotes.insights");
	lua_call(L, 1, 1);
	lua_getfield(L, -1, "profile");
	lua_remove(L, -2);
	lua_insert(L, 1);
	lua_call(L, nargs, LUA_MULTRET);
	return lua_gettop(L);
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
		return ln_lua_push_failure(L, &err);
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
	ln_lua_push_strings(L, sum->prompts, sum->prompt_count);
	lua_setfield(L, -2, "prompts");
	lua_pushboolean(L, sum->career);
	lua_setfield(L, -2, "career");
	ln_lua_push_strings(L, sum->feedback, sum->feedback_count);
	lua_setfield(L, -2, "feedback");
	ln_lua_push_strings(L, sum->wins, sum->win_count);
	lua_setfield(L, -2, "wins");
	ln_lua_push_strings(L, sum->received, sum->received_count);
	lua_setfield(L, -2, "received");
	ln_lua_push_strings(L, sum->blockers, sum->blocker_count);
	lua_setfield(L, -2, "blockers");
	ln_lua_push_strings(L, sum->career_lines, sum->career_count);
	lua_setfield(L, -2, "career_lines");
	ln_lua_push_strings(L, sum->concerns, sum->concern_count);
	lua_setfield(L, -2, "concerns");
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

/* core.blob_id(text) -> the git blob id text would have, in hex. */
static int team_blob_id(lua_State *L)
{
	size_t len;
	const char *text = luaL_checklstring(L, 1, &len);
	git_oid id;
	char hex[GIT_OID_HEXSZ + 1];

	if (git_odb_hash(&id, text, len, GIT_OBJECT_BLOB) < 0)
		return luaL_error(L, "blob_id: cannot hash");
	git_oid_tostr(hex, sizeof(hex), &id);
	lua_pushstring(L, hex);
	return 1;
}

/* core.identity(store) -> { name=, email= } | nil: the git user.name and
 * user.email the notes repository sees (its own config, then the global
 * ones); nil when no name is set. */
static int team_identity(lua_State *L)
{
	struct ln_store *store = ln_lua_check_store(L, 1, "identity");
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

	if (fn(&out, name, len, &err) < 0)
		return ln_lua_push_failure(L, &err);
	/* Only memory exhaustion raises here (then out leaks). */
	lua_pushstring(L, out);
	free(out);
	return 1;
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
	{ "blob_id", team_blob_id },
	{ "identity", team_identity },
	{ "name_key", team_name_key },
	{ "nfc", team_nfc },
	{ "note_summary", team_note_summary },
	{ "team_files", team_files },
	{ "team_folders", team_folders },
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
			lua_pushcfunction(L, store_profile);
			lua_setfield(L, -2, "profile");
			lua_pushcfunction(L, team_identity);
			lua_setfield(L, -2, "identity");
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
}
