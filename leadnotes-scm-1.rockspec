-- LuaRocks, from a checkout: `luarocks make leadnotes-scm-1.rockspec` in
-- the source tree (rockspec-aware plugin managers do the same) builds the C
-- module with CMake for the Lua LuaRocks runs for (5.4, 5.3, or 5.1/LuaJIT:
-- `luarocks --lua-version 5.1 make ...`) and installs it with the Lua files,
-- the templates and the `leadnotes` command line. Needs a C compiler,
-- CMake >= 3.25, pkg-config, libgit2, utf8proc, libcrypto and that Lua's headers (Debian:
-- cmake pkg-config libgit2-dev libutf8proc-dev libssl-dev liblua5.4-dev). No tests are built.
package = "leadnotes"
version = "scm-1"
source = {
  -- this checkout: `luarocks make` builds the tree it runs in and never
  -- fetches this URL
  url = "git+file://.",
}
description = {
  summary = "A manager's notebook in your editor: one-on-ones, evaluations, git-versioned notes",
  detailed = [[
    leadnotes inserts one-on-one and evaluation templates, keeps the notes on
    each direct report in a git repository (commit on save, history, diff,
    restore through libgit2) and reminds you of what needs attention. Lua
    module leadnotes.core in C, adapters for Neovim, vis, lite-xl and
    Textadept, and a command line for every other editor.
  ]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.1, < 5.5",
}
build = {
  type = "cmake",
  variables = {
    CMAKE_BUILD_TYPE = "Release",
    CMAKE_INSTALL_PREFIX = "$(PREFIX)",
    -- the ABI from the headers of the Lua LuaRocks builds for
    LEADNOTES_LUA = "auto",
    LEADNOTES_LUA_INCDIR = "$(LUA_INCDIR)",
    LEADNOTES_INSTALL_LUADIR = "$(LUADIR)",
    LEADNOTES_INSTALL_LIBDIR = "$(LIBDIR)",
    LEADNOTES_INSTALL_LOADERDIR = "",
    LEADNOTES_INSTALL_WRAPPER = "OFF",
    LEADNOTES_INSTALL_TEMPLATES_IN_LUADIR = "ON",
    BUILD_TESTING = "OFF",
  },
  install = {
    bin = { leadnotes = "lua/leadnotes/cli.lua" },
  },
}
