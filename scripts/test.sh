#!/bin/sh
# The whole test suite: every Lua ABI, the sanitizer builds (Lua 5.4, and
# LuaJIT with Neovim), valgrind memcheck over the C units, then each fuzzer
# for 30 s (a smoke: the long runs are by hand, scripts/fuzz.sh).
# Usage: scripts/test.sh            (installs what is missing first)
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
for preset in default lua5.3 luajit asan asan-luajit; do
	echo "== leadnotes: $preset"
	cmake --workflow --preset "$preset"
done
echo "== leadnotes: valgrind"
sh scripts/valgrind.sh
echo "== leadnotes: fuzz"
cmake --workflow --preset fuzz
