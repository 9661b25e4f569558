-- leadnotes for vis (0.8, Lua 5.3). In visrc.lua:
--
--   package.path = "/path/to/leadnotes/lua/?.lua;/path/to/leadnotes/lua/?/init.lua;" .. package.path
--   require("leadnotes.editor.vis")
--
-- and build the module for Lua 5.3: cmake --preset lua5.3 && cmake --build --preset lua5.3.
-- Commands: :lead one-on-one NAME, :lead evaluation NAME, :lead insert KIND NAME,
-- :lead set KEY=VALUE, :lead history [NAME], :lead show REV, :lead diff [REV],
-- :lead restore REV (of the open note), :lead prompt, :lead team, :lead nudges.
-- Writing a file under the notes folder commits it. vis has no input line
-- for plugins: asked fields take their defaults, or what `:lead set` gave.
-- The commands themselves are leadnotes.editor.common's; this file is what
-- vis's API needs.
local common = require("leadnotes.editor.common")

local M = {}

-- The file of vis's message window, once a message made it. Each output
-- replaces the previous one there instead of piling up under it.
local message_file
function M.message_file() return message_file end

local ed = {}

function ed.report(msg, _)
  M.last_message = msg
  vis:info(msg)
end

-- In vis's message window; the focus goes back to the window the command
-- ran in, so that the next command still acts on the note.
function ed.show(title, lines)
  M.last_output = title .. "\n" .. table.concat(lines, "\n")
  if message_file and message_file.size > 0 then message_file:delete(0, message_file.size) end
  local origin = vis.win
  vis:message(M.last_output)
  if vis.win and vis.win.file and not vis.win.file.path then message_file = vis.win.file end
  if origin and vis.win ~= origin then vis.win = origin end
end

-- The byte position of the start of line `line` of win (1-based), found by
-- moving the selection there and back.
local function line_start(win, line)
  local sel = win.selection
  local pos = sel.pos
  sel:to(line, 1)
  local start = sel.pos
  sel.pos = pos
  return start
end

function ed.open(path, line, col)
  vis:command("e " .. path)
  local win = vis.win
  if line and win and win.file.path == path then
    win.selection.pos = line_start(win, line) + (col or 0)
  end
end

function ed.insert_at_cursor(text, mark)
  local win = vis.win
  local sel, file = win.selection, win.file
  local row = sel.line
  local start = line_start(win, row)
  local current = file.lines[row] or ""
  local lines, line, col = common.insert_plan(current, sel.pos - start, text, mark)
  file.lines[row] = table.concat(lines, "\n")
  local pos = start
  for i = 1, line - 1 do pos = pos + #lines[i] + 1 end
  sel.pos = pos + col
end

function ed.current_note()
  local path = vis.win and vis.win.file and vis.win.file.path
  if path and common.is_note(path, common.notes_dir()) then return path end
  return nil
end

function ed.modified() return vis.win.file.modified end
function ed.reload() vis:command("e!") end

M.ed = ed

vis:command_register("lead", function(argv)
  local words = {}
  for _, a in ipairs(argv) do words[#words + 1] = a end
  local ok, result = pcall(common.dispatch, ed, words)
  if not ok then ed.report(common.message(result)) return false end
  return result
end, "leadnotes: one-on-ones, evaluations, history, prompts")

vis.events.subscribe(vis.events.FILE_SAVE_POST, function(file, path)
  common.on_save(ed, path or (file and file.path))
end)

return M
