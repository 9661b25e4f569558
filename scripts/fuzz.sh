#!/bin/sh
# Long local fuzzing: builds the libFuzzer harnesses (clang) and runs each
# one after the other, niced, for a number of executions, from a fresh copy
# of its seed corpus. Prints the executions each made and whether it found a
# crash (the input is kept; see the message for making it a regression).
#
# Usage: scripts/fuzz.sh [NAME...]        NAME: template, org, person_dir...
# Environment: FUZZ_RUNS (default 10000000 executions per harness),
# FUZZ_SECONDS (a time cap per harness, default none) and FUZZ_BUILD
# (default build/fuzz). Harnesses run one at a time, niced, to
# leave the machine usable.
set -eu
cd "$(dirname "$0")/.."
runs=${FUZZ_RUNS:-10000000}
seconds=${FUZZ_SECONDS:-604800}
build=${FUZZ_BUILD:-build/fuzz}
command -v clang >/dev/null || { echo "fuzz.sh: clang is not installed (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLEADNOTES_FUZZ=ON >/dev/null
if [ $# -eq 0 ]; then
	set -- $(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||; s|\.c$||')
fi
targets=
for name in "$@"; do targets="$targets fuzz_$name"; done
cmake --build "$build" -j2 --target $targets
mkdir -p "$build/long"
summary="$build/long/summary.txt"
status=0
for name in "$@"; do
	log="$build/long/$name.log"
	echo "fuzz.sh: $name, $runs executions (log: $log)"
	if ASAN_OPTIONS=detect_leaks=1 nice -n 19 sh tests/fuzz/run_fuzzer.sh "$build/tests/fuzz/fuzz_$name" \
		"tests/fuzz/corpus/$name" "$build/long/$name" "$seconds" -runs="$runs" >"$log" 2>&1; then
		result=ok
	else
		result="CRASH (inputs in $build/long/$name/crashes/)"
		status=1
	fi
	executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	line="$(date -u +%Y-%m-%dT%H:%MZ) $name: ${executed:-?} executions, $result"
	echo "fuzz.sh: $line"
	echo "$line" >>"$summary"
done
exit "$status"
