-- luacheck (Debian's lua-check), run by the test lint/globals: the Lua layer
-- reads no global that the editor or the interpreter does not define (lite-xl
-- raises on such a read), and defines none. Only globals are checked here.
std = "lua54"
max_line_length = false
unused = false
redefined = false
-- Each editor's adapter may use that editor's own globals.
files["lua/leadnotes/editor/nvim.lua"] = { std = "luajit", globals = { "vim" } }
files["lua/leadnotes/health.lua"] = { std = "luajit", read_globals = { "vim" } }
files["plugin/leadnotes.lua"] = { std = "luajit", globals = { "vim" } }
files["lua/leadnotes/editor/vis.lua"] = { std = "lua53", globals = { "vis" } }
files["lua/leadnotes/editor/lite-xl.lua"] = { read_globals = { "system" } }
files["lua/leadnotes/editor/textadept.lua"] = {
  read_globals = { "events", "view", "_BUFFERS", io = { fields = { "open_file" } } },
  globals = { "buffer", "keys", "textadept", "ui" },
}
files["tests/nvim"] = { std = "luajit", globals = { "vim", "test", "notified" } }
files["tests/vis"] = { std = "lua53", read_globals = { "vis" } }
