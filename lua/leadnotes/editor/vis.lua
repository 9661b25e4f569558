-- leadnotes for vis (0.8, Lua 5.3). In visrc.lua:
--
--   package.path = "/path/to/leadnotes/lua/?.lua;/path/to/leadnotes/lua/?/init.lua;" .. package.path
--   require("leadnotes.editor.vis")
--
-- and build the module for Lua 5.3: cmake --preset lua5.3 && cmake --build --preset lua5.3.
-- Commands: :lead one-on-one NAME, :lead evaluation NAME, :lead insert KIND NAME,
-- :lead history [NAME], :lead prompt, :lead team, :lead nudges, :lead save.
-- Writing a file under the notes folder commits it. Asked fields take their
-- defaults; `:lead set KEY=VALUE` gives one for the next note.
local common = require("leadnotes.editor.common")

local M = {}
local pending = {}

local function report(msg)
  vis:info("(leadnotes) " .. tostring(msg):gsub("^%(leadnotes%)%s*", ""):gsub("\n.*", ""))
  M.last_message = msg
end

local function notes_dir()
  return (common.notes_dir():gsub("/+$", ""))
end

local function store()
  local s, err = common.store(notes_dir())
  if not s then report(err) end
  return s
end

local function values_for(kind)
  local values = {}
  local fields = common.feature("fields")
  for _, f in ipairs(fields and common.call(fields, kind) or {}) do
    if f.key and f.default ~= nil then values[f.key] = f.default end
  end
  for k, v in pairs(pending) do values[k] = v end
  pending = {}
  return values
end

local function place_cursor(win, cursor, first_line)
  if type(cursor) == "table" and cursor.line and win and win.selection then
    win.selection:to((first_line or 1) + cursor.line - 1, (cursor.col or 0) + 1)
  end
end

local function new_note(kind, person)
  if not person then report("give a person: :lead " .. kind .. " NAME") return end
  local s = store()
  if not s then return end
  local path, cursor = common.method(s, "new_note", kind, person, values_for(kind))
  if not path then report(cursor) return end
  path = common.absolute(path, notes_dir())
  vis:command("e " .. path)
  place_cursor(vis.win, cursor, 1)
end

local function insert(kind, person)
  if not kind or not person then report("usage: :lead insert KIND NAME") return end
  local render, err = common.feature("render")
  if not render then report(err) return end
  local text, cursor = common.call(render, kind, person, values_for(kind), { store = common.store(notes_dir()) })
  if not text then report(cursor) return end
  local win = vis.win
  local pos = win.selection.pos or 0
  win.file:insert(pos, text)
  place_cursor(win, cursor, win.selection.line)
end

local function show_lines(title, lines)
  M.last_output = title .. "\n" .. table.concat(lines, "\n")
  vis:message(M.last_output)
end

local function current_note()
  local path = vis.win and vis.win.file and vis.win.file.path
  if path and common.relative(path, notes_dir()) then return path end
  return nil
end

local handlers = {
  ["one-on-one"] = function(words) new_note("one-on-one", common.person(words)) end,
  evaluation = function(words) new_note("evaluation", common.person(words)) end,
  insert = function(words) insert(words[1], common.person(words, 2)) end,
  set = function(words)
    for _, w in ipairs(words) do
      local k, v = w:match("^([%w_%-]+)=(.*)$")
      if k then pending[k] = v else report("usage: :lead set KEY=VALUE") end
    end
  end,
  history = function(words)
    local s = store()
    if not s then return end
    local target = common.person(words) or current_note()
    if not target then report("give a person or open a note") return end
    local list, err = common.method(s, "history", target, {})
    if not list then report(err) return end
    local lines = {}
    for _, c in ipairs(list) do lines[#lines + 1] = common.history_line(c) end
    show_lines("History of " .. target, lines)
  end,
  prompt = function(words)
    local prompt, err = common.feature("prompt")
    if not prompt then report(err) return end
    if not store() then return end
    local p, msg = common.call(prompt, { context = "one-on-one", person = common.person(words) })
    if not p then report(msg) return end
    show_lines("Prompt", common.prompt_lines(p))
  end,
  team = function()
    local team, err = common.feature("team")
    if not team then report(err) return end
    if not store() then return end
    local list, msg = common.call(team)
    if not list then report(msg) return end
    show_lines("Team", common.team_lines(list))
  end,
  nudges = function()
    local nudges, err = common.feature("nudges")
    if not nudges then report(err) return end
    if not store() then return end
    local list, msg = common.call(nudges)
    if not list then report(msg) return end
    show_lines("Nudges", #list > 0 and common.nudge_lines(list) or { "Nothing needs your attention." })
  end,
  save = function() vis:command("w") end,
}

-- Commit after a write of a file under the notes folder.
function M.on_save(path)
  if not common.is_note(path, notes_dir()) then return end
  local s = store()
  if not s then return end
  local commit, err = common.method(s, "save", path)
  if commit == nil and err then report(err) return end
  if type(commit) == "table" then report("committed " .. (commit.short or "") .. " " .. (commit.summary or "")) end
end

vis:command_register("lead", function(argv)
  local words = {}
  for _, a in ipairs(argv) do words[#words + 1] = a end
  local name = table.remove(words, 1)
  local handler = name and handlers[name]
  if not handler then
    report("subcommands: one-on-one, evaluation, insert, set, history, prompt, team, nudges, save")
    return false
  end
  local ok, err = pcall(handler, words)
  if not ok then report(err) return false end
  return true
end, "leadnotes: one-on-ones, evaluations, history, prompts")

vis.events.subscribe(vis.events.FILE_SAVE_POST, function(file, path)
  M.on_save(path or (file and file.path))
end)

return M
