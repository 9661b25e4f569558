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

# 3. Insert in the middle of a line: the template on lines of its own, the
# text before and after the cursor kept on theirs, the cursor on the mark.
printf 'first line\nbefore|after\nlast line\n' >"$tmp/start.txt"
run_vis "goto 2 8
lead insert one-on-one Sam Sample
w"
sed -n 1p "$tmp/start.txt" | grep -qx "first line" || fail "the line above the insert changed: $(sed -n 1p "$tmp/start.txt")"
sed -n 2p "$tmp/start.txt" | grep -qx "before|" || fail "the text before the cursor is not alone on its line: '$(sed -n 2p "$tmp/start.txt")'"
sed -n 3p "$tmp/start.txt" | grep -q "^#+TITLE: One-on-one with Sam Sample" || fail "the template does not start a line of its own: '$(sed -n 3p "$tmp/start.txt")'"
grep -qx "after" "$tmp/start.txt" || fail "the text after the cursor is not kept on a line of its own"
[ "$(grep -n -x after "$tmp/start.txt" | cut -d: -f1)" -eq $(( $(wc -l <"$tmp/start.txt") - 1 )) ] || fail "'after' is not right after the template"
tail -n 1 "$tmp/start.txt" | grep -qx "last line" || fail "the line below the insert changed"
mark_line=$(awk -F '\t' 'NR == 2 { print $6 }' "$tmp/log")
expected=$(HOME="$tmp" XDG_CONFIG_HOME="$tmp/.config" LEADNOTES_DIR="$tmp/notes" "${LEADNOTES_LUA_INTERP:-lua5.3}" "$src/lua/leadnotes/cli.lua" insert one-on-one "Sam Sample" --cursor 2>/dev/null | tail -n 1 | cut -d: -f1)
[ -n "$expected" ] || fail "leadnotes insert --cursor gave no mark"
[ "$mark_line" -eq $(( expected + 2 )) ] || fail "the cursor is on line $mark_line, the template's mark is on line $(( expected + 2 ))"
echo "ok      :lead insert in the middle of a line: own lines for the template and the text around it, cursor on the mark"

# 4. :lead set takes a value with spaces for the next note's asked field.
run_vis "lead set period=2026 Q4
lead evaluation Dana Demo
w"
awk -F '\t' 'NR == 1 { print $2 }' "$tmp/log" | grep -qx true || fail ":lead set period=2026 Q4 failed: $(awk -F '\t' 'NR == 1 { print $4 }' "$tmp/log")"
! awk -F '\t' 'NR == 1 { print $4 }' "$tmp/log" | grep -q usage || fail ":lead set printed a usage error"
eval_note=$(awk -F '\t' 'NR == 2 { print $3 }' "$tmp/log")
grep -q "2026 Q4" "$eval_note" || fail "the evaluation does not cover '2026 Q4': $(grep -m1 TITLE "$eval_note")"
git -C "$tmp/notes" show "HEAD:${eval_note#"$tmp/notes/"}" | grep -q "2026 Q4" || fail "the committed evaluation lacks the period"
echo "ok      :lead set period=2026 Q4 gives the evaluation the period '2026 Q4'"

# 5. Outputs replace each other in the message window instead of piling up.
run_vis "lead team
lead nudges"
awk -F '\t' 'NR == 1 { print $8 }' "$tmp/log" | grep -q "^Team" || fail ":lead team did not show the team: $(awk -F '\t' 'NR == 1' "$tmp/log")"
nudges_window=$(awk -F '\t' 'NR == 2 { print $8 }' "$tmp/log")
case "$nudges_window" in
Nudges*) ;;
*) fail ":lead nudges did not show the nudges first: '$nudges_window'" ;;
esac
! printf '%s' "$nudges_window" | grep -q "Team" || fail "the team is still in the message window under the nudges: '$nudges_window'"
echo "ok      successive outputs replace each other in the message window"
# 6. show, diff and restore of the open note.
run_vis "lead one-on-one Rita Restore
append first version
w
append second version
w
lead diff HEAD~1
lead show HEAD~1
lead restore HEAD~1"
rnote=$(awk -F '\t' 'NR == 1 { print $3 }' "$tmp/log")
awk -F '\t' 'NR == 6 { print $5 }' "$tmp/log" | grep -q "+second version" || fail ":lead diff HEAD~1 does not show the added line: $(awk -F '\t' 'NR == 6' "$tmp/log")"
out=$(awk -F '\t' 'NR == 7 { print $5 }' "$tmp/log")
printf '%s' "$out" | grep -q "first version" || fail ":lead show HEAD~1 lacks the first version"
! printf '%s' "$out" | grep -q "second version" || fail ":lead show HEAD~1 shows the later line"
! grep -q "second version" "$rnote" || fail ":lead restore HEAD~1 did not write the old version back"
git -C "$tmp/notes" log -1 --format=%s | grep -q "^Restore" || fail "no restore commit: $(git -C "$tmp/notes" log -1 --format=%s)"
[ -z "$(git -C "$tmp/notes" status --porcelain)" ] || fail "git status is not clean after the restore"
echo "ok      :lead diff, :lead show and :lead restore work on the open note"
echo "6 passed, 0 failed"
