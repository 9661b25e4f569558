-- leadnotes for Textadept (12, Lua 5.4; 11 works too). In ~/.textadept/init.lua:
--
--   package.path = "/path/to/leadnotes/lua/?.lua;/path/to/leadnotes/lua/?/init.lua;" .. package.path
--   require("leadnotes.editor.textadept")
--
-- Build the module first: cmake --preset default && cmake --build --preset default.
-- Adds a "Lead" menu (One-on-one, Evaluation, Insert One-on-one, Insert
-- Evaluation, History, Show Version, Diff, Restore Version, Prompt, Team,
-- Nudges) and one key for a list of
-- these commands: Ctrl+Alt+L in the GUI, Alt+L (meta+l) in the terminal
-- version; neither is bound by Textadept 12, and a key already bound is
-- left alone. Saving a file under the notes folder commits it. The commands
-- are leadnotes.editor.common's; this file is what Textadept's API needs.
local common = require("leadnotes.editor.common")

local M = {}

local ed = {}

function ed.report(msg, _)
  ui.statusbar_text = msg
end

-- Every title shown goes through common.short_title: Textadept 12.4's
-- input dialog crashes on a title of 40 characters or more.
function ed.ask(title, default, done)
  title = common.short_title(title)
  if ui.dialogs.input then -- Textadept 12
    return done(ui.dialogs.input({ title = title, text = default }))
  end
  local button, text = ui.dialogs.inputbox({ title = title, text = default })
  done(button == 1 and text or nil)
end

-- Lines, columns and positions count from 1 (Textadept 11 and 12).
local function goto_line_col(line, col)
  buffer:goto_pos(buffer:position_from_line(line) + (col or 0))
  buffer:scroll_caret()
end

function ed.open(path, line, col)
  io.open_file(path)
  if line then goto_line_col(line, col) end
end

function ed.insert_at_cursor(text, mark)
  if buffer.read_only then ed.report(common.message("this buffer is read-only")) return end
  local row = buffer:line_from_position(buffer.current_pos)
  local start, finish = buffer:position_from_line(row), buffer.line_end_position[row]
  local current = buffer:text_range(start, finish)
  local lines, line, col = common.insert_plan(current, buffer.current_pos - start, text, mark)
  buffer:begin_undo_action()
  buffer:set_target_range(start, finish)
  buffer:replace_target(table.concat(lines, "\n"))
  buffer:end_undo_action()
  goto_line_col(row + line - 1, col)
  -- The dialogs that asked for the person and the fields were drawn over
  -- the view: bring the inserted text on screen now, not at the next key.
  if ui.update then ui.update() end
end

-- A buffer of its own per view name, replaced on each call, read-only and
-- typed (a typed buffer is never offered for saving).
function ed.show(title, lines)
  local name = "[Leadnotes " .. title .. "]"
  for _, b in ipairs(_BUFFERS) do
    if b._type == name then view:goto_buffer(b) break end
  end
  if buffer._type ~= name then
    buffer.new()._type = name
  end
  buffer.read_only = false
  buffer:set_text(title .. "\n\n" .. table.concat(lines, "\n") .. "\n")
  buffer:set_save_point()
  buffer.read_only = true
  buffer:goto_pos(1)
end

function ed.current_note()
  local path = buffer.filename
  if path and common.is_note(path, common.notes_dir()) then return path end
  return nil
end

function ed.modified() return buffer.modify end
function ed.reload() buffer:reload() end

function M.run(id) common.run(ed, id) end

-- A list of the commands, for the key.
function M.choose()
  local items = {}
  for _, c in ipairs(common.commands) do items[#items + 1] = c.title end
  if not ui.dialogs.list then return end -- Textadept 12
  local i = ui.dialogs.list({ title = "leadnotes", items = items })
  if i then M.run(common.commands[i].id) end
end

local menu = { title = "_Lead" }
for _, c in ipairs(common.commands) do
  menu[#menu + 1] = { c.title, function() M.run(c.id) end }
end
local menubar = textadept.menu.menubar
menubar[#menubar + 1] = menu

-- Free in Textadept 12, GUI and terminal alike; never taken over if bound.
local key = rawget(_G, "CURSES") and "meta+l" or "ctrl+alt+l"
if keys[key] == nil then keys[key] = M.choose end

-- Saving a file under the notes folder commits it.
events.connect(events.FILE_AFTER_SAVE, function(filename)
  if filename then common.on_save(ed, filename) end
end)

return M
