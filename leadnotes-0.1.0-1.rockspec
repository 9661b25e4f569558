-- LuaRocks: `luarocks make` in the source tree builds the C module with
-- CMake for the system's Lua 5.4 and installs it with the Lua files and the
-- `leadnotes` command line. Needs CMake >= 3.25, pkg-config, libgit2 and the
-- Lua 5.4 headers (Debian: cmake pkg-config libgit2-dev liblua5.4-dev).
package = "leadnotes"
version = "0.1.0-1"
source = {
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
  "lua >= 5.4, < 5.5",
}
build = {
  type = "cmake",
  variables = {
    CMAKE_BUILD_TYPE = "Release",
    CMAKE_INSTALL_PREFIX = "$(PREFIX)",
    LEADNOTES_LUA = "5.4",
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
