#!/bin/sh
# Runs one libFuzzer harness for a bounded time from a fresh copy of its
# seed corpus (the committed corpus is never modified). Used by the ctests
# of the `fuzz` preset and by scripts/fuzz.sh.
# Usage: run_fuzzer.sh FUZZER SEED_DIR WORK_DIR SECONDS [libFuzzer options...]
# A crash leaves its input in WORK_DIR/crashes/ and names the command that
# makes it a regression test.
set -eu
fuzzer=$1 seeds=$2 work=$3 seconds=$4
shift 4
if [ ! -x "$fuzzer" ]; then
	echo "fuzz: no harness at $fuzzer (build it first; a new fuzz_<name>.c needs cmake to run again)" >&2
	exit 2
fi
name=$(basename "$fuzzer")
name=${name#fuzz_}
rm -rf "$work"
mkdir -p "$work/corpus" "$work/crashes"
if [ -d "$seeds" ]; then
	find "$seeds" -maxdepth 1 -type f -exec cp {} "$work/corpus/" \;
fi
dict=
here=$(cd "$(dirname "$0")" && pwd)
if [ -f "$here/$name.dict" ]; then dict="-dict=$here/$name.dict"; fi
status=0
# -rss_limit_mb: the sanitizers' shadow memory counts; 2 GB is libFuzzer's default.
"$fuzzer" -max_total_time="$seconds" -timeout=25 -print_final_stats=1 \
	-artifact_prefix="$work/crashes/" $dict "$@" "$work/corpus" || status=$?
if [ "$status" -ne 0 ]; then
	echo "fuzz: $name failed (status $status); inputs in $work/crashes/:" >&2
	ls -l "$work/crashes/" >&2 || true
	echo "fuzz: make each one a regression: cp $work/crashes/<file> tests/fuzz/regressions/$name/ (replayed by ctest fuzz/replay-$name)" >&2
fi
exit "$status"
