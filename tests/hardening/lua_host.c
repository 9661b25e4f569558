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
 * Usage, like lua(1) for a script: lua_host SCRIPT [ARGS...]. The global
 * `arg` is set as lua.c sets it (arg[0] the script, arg[-1] this program),
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

int main(int argc, char **argv)
{
	lua_State *L;
	int i, status, base;

	if (argc < 2) {
		fprintf(stderr, "usage: %s SCRIPT [ARGS...]\n", argv[0]);
		return 2;
	}
	L = luaL_newstate();
	if (L == NULL) {
		fprintf(stderr, "%s: cannot create a Lua state\n", argv[0]);
		return 1;
	}
	luaL_openlibs(L);

	lua_createtable(L, argc - 2, 2);
	lua_pushstring(L, argv[0]);
	lua_rawseti(L, -2, -1);
	for (i = 1; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i - 1);
	}
	lua_setglobal(L, "arg");

	lua_pushcfunction(L, host_traceback);
	base = lua_gettop(L);
	status = luaL_loadfile(L, argv[1]);
	if (status == 0) {
		for (i = 2; i < argc; i++)
			lua_pushstring(L, argv[i]);
		status = lua_pcall(L, argc - 2, 0, base);
	}
	if (status != 0) {
		const char *msg = lua_tostring(L, -1);
		fprintf(stderr, "%s: %s\n", argv[0], msg ? msg : "(error object is not a string)");
	}
	lua_close(L);
	return status == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
