#!/bin/sh
# The whole test suite: every Lua ABI, the sanitizer build, then each
# fuzzer for 60 s.
# Usage: scripts/test.sh            (installs what is missing first)
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
for preset in default lua5.3 luajit asan fuzz; do
	echo "== leadnotes: $preset"
	cmake --workflow --preset "$preset"
done
