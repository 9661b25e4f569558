-- leadnotes for Textadept (12, Lua 5.4; 11 works too). In ~/.textadept/init.lua:
--
--   package.path = "/path/to/leadnotes/lua/?.lua;/path/to/leadnotes/lua/?/init.lua;" .. package.path
--   require("leadnotes.editor.textadept")
--
-- Build the module first: cmake --preset default && cmake --build --preset default.
-- Adds a "Lead" menu (One-on-one, Evaluation, Insert, History, Prompt, Team,
-- Nudges) and keys: Ctrl+Alt+O new one-on-one, Ctrl+Alt+H history.
-- Saving a file under the notes folder commits it.
local common = require("leadnotes.editor.common")

local M = {}

local function report(msg)
  ui.statusbar_text = "(leadnotes) " .. tostring(msg):gsub("^%(leadnotes%)%s*", ""):gsub("\n.*", "")
end

local function notes_dir() return (common.notes_dir():gsub("/+$", "")) end

local function store()
  local s, err = common.store(notes_dir())
  if not s then report(err) end
  return s
end

-- One line of input: Textadept 12's ui.dialogs.input, or 11's inputbox.
local function ask(title, default)
  if ui.dialogs.input then
    return ui.dialogs.input({ title = title, text = default })
  end
  local button, text = ui.dialogs.inputbox({ title = title, text = default })
  if button == 1 then return text end
  return nil
end

local function values_for(kind)
  local values = {}
  local fields = common.feature("fields")
  for _, f in ipairs(fields and common.call(fields, kind) or {}) do
    local answer = ask(f.question or f.key, f.default and tostring(f.default) or "")
    if answer == nil then return nil end
    values[f.key] = answer
  end
  return values
end

local function goto_cursor(cursor, first_line)
  if type(cursor) == "table" and cursor.line then
    local line = (first_line or 1) + cursor.line - 1
    buffer:goto_pos(buffer:find_column(line, (cursor.col or 0) + 1))
  end
end

function M.new_note(kind)
  local person = ask("Person")
  if not person or not person:match("%S") then return end
  local values = values_for(kind)
  if not values then return end
  local s = store()
  if not s then return end
  local path, cursor = common.method(s, "new_note", kind, person, values)
  if not path then report(cursor) return end
  io.open_file(common.absolute(path, notes_dir()))
  goto_cursor(cursor, 1)
end

function M.insert(kind)
  local person = ask("Person")
  if not person or not person:match("%S") then return end
  local values = values_for(kind)
  if not values then return end
  local render, err = common.feature("render")
  if not render then report(err) return end
  local text, cursor = common.call(render, kind, person, values, { store = common.store(notes_dir()) })
  if not text then report(cursor) return end
  local line = buffer:line_from_position(buffer.current_pos)
  buffer:add_text(text)
  goto_cursor(cursor, line)
end

local function show(title, lines)
  ui.print(title .. "\n" .. table.concat(lines, "\n"))
end

function M.history()
  local person = ask("Person")
  if not person or not person:match("%S") then return end
  local s = store()
  if not s then return end
  local list, err = common.method(s, "history", person, {})
  if not list then report(err) return end
  local lines = {}
  for _, c in ipairs(list) do lines[#lines + 1] = common.history_line(c) end
  show("History of " .. person, lines)
end

local function dashboard(name, title, to_lines, arg)
  local fn, err = common.feature(name)
  if not fn then report(err) return end
  if not store() then return end
  local result, msg = common.call(fn, arg)
  if result == nil then report(msg) return end
  show(title, to_lines(result))
end

function M.prompt() dashboard("prompt", "Prompt", common.prompt_lines, { context = "one-on-one" }) end
function M.team() dashboard("team", "Team", common.team_lines) end
function M.nudges() dashboard("nudges", "Nudges", common.nudge_lines) end

local menubar = textadept.menu.menubar
menubar[#menubar + 1] = {
  title = "_Lead",
  { "_One-on-one...", function() M.new_note("one-on-one") end },
  { "_Evaluation...", function() M.new_note("evaluation") end },
  { "_Insert one-on-one...", function() M.insert("one-on-one") end },
  { "_History...", M.history },
  { "_Prompt", M.prompt },
  { "_Team", M.team },
  { "_Nudges", M.nudges },
}
keys["ctrl+alt+o"] = function() M.new_note("one-on-one") end
keys["ctrl+alt+h"] = M.history

-- Saving a file under the notes folder commits it.
events.connect(events.FILE_AFTER_SAVE, function(filename)
  if not common.is_note(filename, notes_dir()) then return end
  local s = store()
  if not s then return end
  local commit, err = common.method(s, "save", filename)
  if commit == nil and err then report(err)
  elseif type(commit) == "table" then report("committed " .. (commit.short or "")) end
end)

return M
