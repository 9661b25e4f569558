#!/bin/sh
# Neovim with its real terminal UI (a pseudo-terminal made by script(1),
# 80x24): :Lead one-on-one, then :w. The write commits and says so in one
# line: no "Press ENTER" prompt. Keys are sent once the screen shows what
# the previous step did (polled, up to 30 s each; never a timing check).
# Usage: tui.sh NVIM SOURCE_DIR
set -u
nvim=$1
src=$2
tmp=$(mktemp -d) || exit 1
chmod 700 "$tmp"
fifo="$tmp/keys"
mkfifo "$fifo"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAILED: $*"; echo "--- screen (text only):"; tr -c '[:print:]\n' ' ' <"$tmp/screen" | tail -c 2000; exit 1; }

HOME="$tmp" XDG_CONFIG_HOME="$tmp/.config" XDG_DATA_HOME="$tmp/.local/share" XDG_STATE_HOME="$tmp/.local/state" \
LEADNOTES_DIR="$tmp/notes" TERM=xterm \
	script -qfc "stty cols 80 rows 24; exec '$nvim' --clean -i NONE --cmd 'set rtp^=$src' -c 'echo \"leadnotes-ready\"'" \
	"$tmp/screen" <"$fifo" >/dev/null 2>&1 &
pid=$!
exec 3>"$fifo"

wait_for() {
	i=0
	while ! grep -a -q "$1" "$tmp/screen" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -gt 300 ] && fail "the screen never showed '$1' ($2)"
		sleep 0.1
	done
}

wait_for "leadnotes-ready" "start-up"
printf ':Lead one-on-one Dana Demo\r' >&3
wait_for "one-on-one.org" ":Lead one-on-one"
printf 'Go- written in the TUI\033:w\r' >&3
wait_for "committed [0-9a-f]" ":w of the note"
printf ':qa!\r' >&3
exec 3>&-
wait "$pid"
pid=""
grep -a -q "Press ENTER" "$tmp/screen" && fail ":w of a note asked to Press ENTER"
[ "$(git -C "$tmp/notes" log --oneline | wc -l)" -ge 1 ] || fail "no commit"
git -C "$tmp/notes" log -1 -p | grep -q "written in the TUI" || fail "the commit lacks the written line"
echo "ok      :w of a note in the terminal UI commits it with one line of message, no Press ENTER"
echo "1 passed, 0 failed"
