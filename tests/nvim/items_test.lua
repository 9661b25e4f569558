-- :Lead items in a real headless Neovim: a dashboard of open action items
-- whose <CR> opens the note at the item.
local api = vim.api
local dir = assert(os.getenv("LEADNOTES_DIR"), "LEADNOTES_DIR must be set")
local nvim = require("leadnotes.editor.nvim")
local common = require("leadnotes.editor.common")

local check = dofile(os.getenv("LEADNOTES_SOURCE_DIR") .. "/tests/nvim/check.lua")
local eq, truthy = check.eq, check.truthy
local function text(buf) return table.concat(api.nvim_buf_get_lines(buf or 0, 0, -1, false), "\n") end

test(":Lead items lists open items and <CR> jumps to the item in its note", function()
  local s = assert(common.store(nvim.notes_dir()))
  vim.fn.mkdir(dir .. "/Ana-Ruiz", "p")
  local rel = "Ana-Ruiz/2026-01-05-one-on-one.org"
  vim.fn.writefile({ "* Topics", "- the migration", "* Action items", "** TODO Send Ana the budget",
    "DEADLINE: <2026-01-09 Fri>", "** DONE Old thing", "** TODO Draft the RFC", ":PROPERTIES:", ":OWNER: Ana", ":END:" },
    dir .. "/" .. rel)
  assert(s:save(rel))
  vim.cmd("Lead items")
  truthy(api.nvim_buf_get_name(0):find("leadnotes://items", 1, true), "items buffer")
  local shown = text()
  truthy(shown:find("Send Ana the budget", 1, true), "the open item")
  truthy(shown:find("Draft the RFC", 1, true), "the other open item")
  eq(nil, shown:find("Old thing", 1, true), "a closed item")
  local rows = api.nvim_buf_get_lines(0, 0, -1, false)
  local row
  for i, line in ipairs(rows) do if line:find("Draft the RFC", 1, true) then row = i end end
  api.nvim_win_set_cursor(0, { row, 0 })
  api.nvim_feedkeys(api.nvim_replace_termcodes("<CR>", true, false, true), "x", false)
  truthy(api.nvim_buf_get_name(0):find(rel, 1, true), "the note is open, got " .. api.nvim_buf_get_name(0))
  eq(7, api.nvim_win_get_cursor(0)[1], "the cursor is on the item")
  vim.cmd("Lead items Ana Ruiz --theirs")
  shown = text()
  truthy(shown:find("Draft the RFC", 1, true), "Ana's item")
  eq(nil, shown:find("Send Ana the budget", 1, true), "not the manager's")
end)

test(":Lead capture notes a line in the person's log and commits it", function()
  vim.cmd("Lead capture Ana Ruiz win Shipped the importer")
  local log = vim.fn.glob(dir .. "/Ana-Ruiz/*-log.org")
  truthy(log ~= "", "a log file")
  truthy(table.concat(vim.fn.readfile(log), "\n"):find("%* Wins\n%- %d%d:%d%d Shipped the importer"), "the entry under Wins")
  local subject = vim.fn.system({ "git", "-C", dir, "log", "-1", "--format=%s" })
  truthy(subject:find("Ana-Ruiz: log", 1, true), "committed: " .. subject)
  _G.notified = {}
  vim.cmd("Lead capture Ana Ruiz gossip something")
  truthy(_G.notified[1] and tostring(_G.notified[1].msg):find("feedback-given", 1, true), "the kinds are listed")
end)
