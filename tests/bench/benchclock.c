/* benchclock: the two things the benchmark harness needs that plain Lua
 * lacks, as a tiny Lua module built by tests/bench/run (not part of the
 * product, not linked into leadnotes.core):
 *   benchclock.now()            -> monotonic wall-clock seconds (a float)
 *   benchclock.cpu()            -> CPU seconds (user + system) used so far by
 *                                  this process and by its waited-for
 *                                  children and their descendants
 *   benchclock.spawn(argv [, stdout_path])
 *                               -> exit status; runs argv without a shell,
 *                                  stdout to stdout_path (default /dev/null)
 * spawn runs the program directly, like an editor's call-process does, so
 * the time measured around it holds no shell start-up. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>

extern char **environ;

static int bench_now(lua_State *L)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
	return 1;
}

static double seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static int bench_cpu(lua_State *L)
{
	struct rusage self, children;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &children);
	lua_pushnumber(L, (lua_Number)(seconds(self.ru_utime) + seconds(self.ru_stime) +
	                               seconds(children.ru_utime) + seconds(children.ru_stime)));
	return 1;
}

static int bench_spawn(lua_State *L)
{
	const char *out_path;
	const char **argv;
	posix_spawn_file_actions_t actions;
	pid_t pid;
	int n, i, status, rc;

	luaL_checktype(L, 1, LUA_TTABLE);
	out_path = luaL_optstring(L, 2, "/dev/null");
	n = (int)luaL_len(L, 1);
	luaL_argcheck(L, n > 0, 1, "empty argv");
	/* A userdata holds argv, so a Lua error frees it with the state. */
	argv = lua_newuserdata(L, sizeof(char *) * (size_t)(n + 1));
	for (i = 0; i < n; i++) {
		lua_rawgeti(L, 1, i + 1);
		argv[i] = luaL_checkstring(L, -1);
		lua_pop(L, 1); /* the string stays alive: the table holds it */
	}
	argv[n] = NULL;

	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	rc = posix_spawnp(&pid, argv[0], &actions, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	if (rc != 0)
		return luaL_error(L, "spawn %s: %s", argv[0], strerror(rc));
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return luaL_error(L, "waitpid: %s", strerror(errno));
	}
	lua_pushinteger(L, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 1;
}

static const luaL_Reg bench_functions[] = {
	{ "cpu", bench_cpu },
	{ "now", bench_now },
	{ "spawn", bench_spawn },
	{ NULL, NULL }
};

int luaopen_benchclock(lua_State *L);

int luaopen_benchclock(lua_State *L)
{
	luaL_newlib(L, bench_functions);
	return 1;
}
