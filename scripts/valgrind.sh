#!/bin/sh
# Valgrind memcheck over the C unit tests and the fuzzing regression
# replays: any invalid read or write, use of uninitialised memory, or
# definite/indirect leak fails. Builds into build/valgrind (Debug, Lua 5.4;
# VALGRIND_BUILD names another folder).
# Usage: scripts/valgrind.sh [ctest -R regex]
set -eu
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
build=${VALGRIND_BUILD:-build/valgrind}
cmake -S . -B "$build" -DLEADNOTES_LUA=5.4 -DCMAKE_BUILD_TYPE=Debug -DLEADNOTES_VALGRIND=ON >/dev/null
cmake --build "$build" -j2
if [ $# -gt 0 ]; then
	ctest --test-dir "$build" -L valgrind -R "$1" --output-on-failure
else
	ctest --test-dir "$build" -L valgrind --output-on-failure
fi
