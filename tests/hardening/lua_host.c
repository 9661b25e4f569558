/* A minimal stand-alone Lua interpreter, built with the sanitizers, that the
 * asan preset runs the Lua specs under.
 *
 * Why not the system lua5.4 with LD_PRELOAD of the sanitizer runtimes: the
 * preload is inherited by every child the specs start (git, sh, emacs,
 * nvim), whose own leaks and allocator tricks then fail the run. Linking the
 * runtime into this executable instead keeps the children untouched, lets
 * LeakSanitizer check the Lua process itself (the state is closed before
 * exit, so anything still allocated was leaked by the module), and proves
 * that the module loaded is the sanitized one.
 *
 * Usage, like lua(1) for a script: lua_host [-e CHUNK]... SCRIPT [ARGS...].
 * Each CHUNK runs first, in order; the global `arg` is set as lua.c sets it
 * (arg[0] the script, negative indexes the interpreter and its options),
 * and the script receives ARGS as `...`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

/* Lua unloads C modules (dlclose) when the state closes, before
 * LeakSanitizer looks for leaks at exit: a leak made by the module would
 * then be reported from "<unknown module>". This definition, exported by the
 * executable, takes the place of libc's for liblua, so modules stay mapped
 * until the process ends and every report names its function and line. */
int dlclose(void *handle);
int dlclose(void *handle)
{
	(void)handle;
	return 0;
}

static int host_traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	if (msg == NULL)
		msg = "(error object is not a string)";
	luaL_traceback(L, L, msg, 1);
	return 1;
}

/* Runs the chunk on top of the stack with nargs arguments above it, through
 * the traceback handler; prints the error. Returns 0 or 1. */
static int host_call(lua_State *L, const char *prog, int nargs)
{
	int base = lua_gettop(L) - nargs;
	int status;
	lua_pushcfunction(L, host_traceback);
	lua_insert(L, base);
	status = lua_pcall(L, nargs, 0, base);
	lua_remove(L, base);
	if (status != 0) {
		const char *msg = lua_tostring(L, -1);
		fprintf(stderr, "%s: %s\n", prog, msg ? msg : "(error object is not a string)");
		lua_pop(L, 1);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	lua_State *L;
	int i, script, status = 0;

	for (script = 1; script + 1 < argc && strcmp(argv[script], "-e") == 0; script += 2)
		;
	if (script >= argc || strcmp(argv[script], "-e") == 0) {
		fprintf(stderr, "usage: %s [-e CHUNK]... SCRIPT [ARGS...]\n", argv[0]);
		return 2;
	}
	L = luaL_newstate();
	if (L == NULL) {
		fprintf(stderr, "%s: cannot create a Lua state\n", argv[0]);
		return 1;
	}
	luaL_openlibs(L);

	lua_createtable(L, argc - script - 1, script + 1);
	for (i = 0; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i - script);
	}
	lua_setglobal(L, "arg");

	for (i = 1; i < script && status == 0; i += 2) {
		if (luaL_loadbuffer(L, argv[i + 1], strlen(argv[i + 1]), "=(command line)") != 0) {
			fprintf(stderr, "%s: %s\n", argv[0], lua_tostring(L, -1));
			lua_pop(L, 1);
			status = 1;
		} else {
			status = host_call(L, argv[0], 0);
		}
	}
	if (status == 0) {
		if (luaL_loadfile(L, argv[script]) != 0) {
			fprintf(stderr, "%s: %s\n", argv[0], lua_tostring(L, -1));
			lua_pop(L, 1);
			status = 1;
		} else {
			for (i = script + 1; i < argc; i++)
				lua_pushstring(L, argv[i]);
			status = host_call(L, argv[0], argc - script - 1);
		}
	}
	lua_close(L);
	return status == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
