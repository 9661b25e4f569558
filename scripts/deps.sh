#!/bin/sh
# Installs what leadnotes needs to build and test, if missing.
# Debian and Ubuntu: apt-get. Elsewhere it names the packages to install.
set -eu

PACKAGES="build-essential cmake pkg-config git libgit2-dev libutf8proc-dev libssl-dev
lua5.4 liblua5.4-dev lua5.3 liblua5.3-dev luajit libluajit-5.1-dev
lua-busted lua-cjson lua-dkjson neovim vis clang libclang-rt-14-dev
emacs-nox ripgrep hyperfine git-crypt valgrind strace lua-check
openssh-client openssh-server lighttpd luarocks gnupg"

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
	done
else
	echo "leadnotes: not a Debian system; install the equivalents of:" >&2
	echo "  $PACKAGES" | tr '\n' ' ' >&2
	echo >&2
	exit 0
fi
[ -z "$missing" ] && exit 0

echo "leadnotes: installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# emacs-nox without recommends: only the batch org-mode parser is needed.
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
