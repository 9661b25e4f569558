#!/bin/sh
# The quick start: installs what is missing, builds, and shows leadnotes on a
# demo team in a temporary notes folder (mode 0700, removed afterwards).
#   with a terminal: Neovim with the plugin loaded, on the team view;
#   without one (CI): the same tour through the `leadnotes` command line.
# Pieces not built yet are named as the demo reaches them.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
sh scripts/deps.sh

build() { # preset, label
	echo "leadnotes: building for $2 (cmake --preset $1)"
	log=$(mktemp)
	if cmake --preset "$1" >"$log" 2>&1 && cmake --build --preset "$1" >>"$log" 2>&1; then
		rm -f "$log"
		return 0
	fi
	tail -n 30 "$log" >&2
	rm -f "$log"
	echo "leadnotes: the $2 build failed (above)" >&2
	return 1
}

build default "Lua 5.4" || exit 1
cli="$root/build/lua5.4/bin/leadnotes"

interactive=0
if [ -t 0 ] && [ -t 1 ] && command -v nvim >/dev/null 2>&1 && [ -z "${CI:-}" ]; then
	interactive=1
fi
if [ "$interactive" = 1 ] && ! build luajit "LuaJIT (Neovim)"; then
	echo "leadnotes: showing the command-line demo instead" >&2
	interactive=0
fi

if [ "$interactive" = 0 ]; then
	exec "$cli" demo
fi

tmp=$(mktemp -d)
chmod 700 "$tmp"
trap 'rm -rf "$tmp"' EXIT INT TERM
notes="$tmp/notes"
"$cli" --dir "$notes" demo --quiet >/dev/null 2>&1 || true
cat <<MSG
leadnotes: a demo team in $notes (removed when you quit).
In Neovim, try:
  :Lead one-on-one Dana Demo      a new one-on-one (then :w commits it)
  :Lead history Dana Demo         <CR> old version, d diff, r restore
  :Lead team   :Lead nudges   :Lead prompt   :help leadnotes
Press Enter to start Neovim.
MSG
read -r _
LEADNOTES_DIR="$notes" nvim --clean --cmd "set rtp^=$root" -c "Lead team"
