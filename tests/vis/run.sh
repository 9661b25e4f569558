#!/bin/sh
# vis end-to-end: a real vis 0.8 (Lua 5.3) under a pseudo-terminal made by
# script(1), with tests/vis/visrc.lua running :lead commands, writing and
# quitting. Checks the note and its commit with git. A module that does not
# load is a failure, never a skip.
# Usage: run.sh SOURCE_DIR
set -u
src=$1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
chmod 700 "$tmp"
mkdir -p "$tmp/.config/vis"
cp "$src/tests/vis/visrc.lua" "$tmp/.config/vis/visrc.lua"
fail() { echo "FAILED: $*"; echo "--- vis log:"; cat "$tmp/log" 2>/dev/null; exit 1; }

run_vis() {
	: >"$tmp/log"
	HOME="$tmp" XDG_CONFIG_HOME="$tmp/.config" LEADNOTES_SOURCE_DIR="$src" LEADNOTES_DIR="$tmp/notes" \
	LEADNOTES_VIS_LOG="$tmp/log" LEADNOTES_VIS_STEPS="$1" TERM=xterm \
		timeout 30 script -qec "vis '$tmp/start.txt'" /dev/null >"$tmp/screen" 2>&1 </dev/null
	[ -s "$tmp/log" ] || fail "vis did not run the test visrc.lua (status $?)"
}

# 1. Unknown subcommands list the known ones; nothing raises.
run_vis "lead bogus"
grep -q "subcommands: one-on-one" "$tmp/log" || fail ":lead bogus does not list the subcommands"
echo "ok      :lead with an unknown subcommand lists the subcommands"

# 2. A new one-on-one, a line written, :w commits it.
run_vis "lead one-on-one Dana Demo
append Written in vis.
w
lead history Dana Demo
e $tmp/start.txt
lead insert one-on-one Sam Sample
w"
if grep -q "cannot load\|not available yet\|not built" "$tmp/log"; then
	fail "the module does not load in vis"
fi
note=$(awk -F '\t' 'NR == 1 { print $3 }' "$tmp/log")
case "$note" in
"$tmp/notes/"*"-one-on-one.org") ;;
*) fail "lead one-on-one did not open a one-on-one under the notes folder: '$note'" ;;
esac
grep -q "Dana" "$note" || fail "the note does not name the person"
cursor_line=$(awk -F '\t' 'NR == 1 { print $6 }' "$tmp/log")
[ "${cursor_line:-0}" -gt 1 ] || fail "the cursor did not move to the template's mark (line ${cursor_line:-?})"
grep -q "Written in vis." "$note" || fail "the written line is not in the file"
rel=${note#"$tmp/notes/"}
git -C "$tmp/notes" log --format=%H -- "$rel" | grep -q . || fail "no commit touches $rel"
git -C "$tmp/notes" show "HEAD:$rel" | grep -q "Written in vis." || fail "the commit does not hold the written line"
[ -z "$(git -C "$tmp/notes" status --porcelain)" ] || fail "git status is not clean"
git -C "$tmp/notes" fsck --strict >/dev/null 2>&1 || fail "git fsck --strict"
short=$(git -C "$tmp/notes" log -1 --format=%h -- "$rel")
awk -F '\t' 'NR == 4' "$tmp/log" | grep -q "$short" || fail ":lead history does not list $short"
echo "ok      :lead one-on-one opens a note; :w commits it (git log, git show, fsck); :lead history lists it"

grep -q "Sam Sample" "$tmp/start.txt" || fail ":lead insert did not put the template into the open file"
! grep -q "{{" "$tmp/start.txt" || fail ":lead insert left a template tag"
[ "$(git -C "$tmp/notes" log --format=%H -- "$rel" | wc -l)" -ge 1 ] || fail "history lost"
[ -z "$(git -C "$tmp/notes" status --porcelain)" ] || fail "writing a file outside the notes folder changed the repository"
echo "ok      :lead insert fills the open file; writing a file outside the notes folder commits nothing"
echo "3 passed, 0 failed"
