-- mod-version:3
-- leadnotes for lite-xl (2.1, Lua 5.4). Install either way:
--   ln -s /path/to/leadnotes/lua/leadnotes/editor/lite-xl.lua ~/.config/lite-xl/plugins/leadnotes.lua
-- or, in ~/.config/lite-xl/init.lua:
--   package.path = "/path/to/leadnotes/lua/?.lua;/path/to/leadnotes/lua/?/init.lua;" .. package.path
--   require "leadnotes.editor.lite-xl"
-- Build the module first: cmake --preset default && cmake --build --preset default.
-- Commands (ctrl+shift+p): "Leadnotes: One On One", "Leadnotes: Evaluation",
-- "Leadnotes: Insert One On One", "Leadnotes: History", "Leadnotes: Prompt",
-- "Leadnotes: Team", "Leadnotes: Nudges". Saving a note commits it.
local core = require "core"
local command = require "core.command"
local keymap = require "core.keymap"
local Doc = require "core.doc"

-- Find lua/ of the source tree from this file (through a symlink) when
-- leadnotes is not on package.path yet.
if not pcall(require, "leadnotes.editor.common") then
  local source = debug.getinfo(1, "S").source:gsub("^@", "")
  local real = system.absolute_path(source) or source
  local lua_dir = real:match("^(.*/lua)/leadnotes/editor/lite%-xl%.lua$")
  if lua_dir then
    package.path = lua_dir .. "/?.lua;" .. lua_dir .. "/?/init.lua;" .. package.path
  end
end
local common = require "leadnotes.editor.common"

local function report(msg)
  core.error("(leadnotes) %s", (tostring(msg):gsub("^%(leadnotes%)%s*", "")))
end

local function notes_dir() return (common.notes_dir():gsub("/+$", "")) end

local function store()
  local s, err = common.store(notes_dir())
  if not s then report(err) end
  return s
end

-- Asks each field of the template in the command view, then done(values).
local function ask_fields(kind, done)
  local fields_fn = common.feature("fields")
  local fields = fields_fn and common.call(fields_fn, kind) or {}
  local values, i = {}, 0
  local function next_field()
    i = i + 1
    local f = fields[i]
    if not f then return done(values) end
    core.command_view:enter(f.question or f.key, {
      text = f.default and tostring(f.default) or "",
      submit = function(text) values[f.key] = text next_field() end,
    })
  end
  next_field()
end

local function ask_person(done)
  local s = store()
  core.command_view:enter("Person", {
    submit = function(text) if text:match("%S") then done(text) end end,
    suggest = function(text)
      local out = {}
      for _, p in ipairs(s and common.people(s) or {}) do
        if p:lower():find(text:lower(), 1, true) == 1 then out[#out + 1] = p end
      end
      return out
    end,
  })
end

-- A read-only-in-spirit new document holding text (history, team...).
local function show_text(title, lines)
  local doc = core.open_doc()
  doc:insert(1, 1, title .. "\n\n" .. table.concat(lines, "\n") .. "\n")
  doc:clean()
  core.root_view:open_doc(doc)
end

local function new_note(kind)
  ask_person(function(person)
    ask_fields(kind, function(values)
      local s = store()
      if not s then return end
      local path, cursor = common.method(s, "new_note", kind, person, values)
      if not path then report(cursor) return end
      local view = core.root_view:open_doc(core.open_doc(common.absolute(path, notes_dir())))
      if type(cursor) == "table" and cursor.line then
        view.doc:set_selection(cursor.line, (cursor.col or 0) + 1)
      end
    end)
  end)
end

local function insert(kind)
  local view = core.active_view
  if not (view and view.doc) then report("open a document first") return end
  ask_person(function(person)
    ask_fields(kind, function(values)
      local render, err = common.feature("render")
      if not render then report(err) return end
      local text, cursor = common.call(render, kind, person, values, { store = common.store(notes_dir()) })
      if not text then report(cursor) return end
      local line, col = view.doc:get_selection()
      view.doc:insert(line, col, text)
      if type(cursor) == "table" and cursor.line then
        view.doc:set_selection(line + cursor.line - 1, (cursor.line == 1 and col or 1) + (cursor.col or 0))
      end
    end)
  end)
end

local function dashboard(name, title, to_lines, empty, arg)
  local fn, err = common.feature(name)
  if not fn then report(err) return end
  if not store() then return end
  local result, msg = common.call(fn, arg)
  if result == nil then report(msg) return end
  local lines = to_lines(result)
  if #lines == 0 and empty then lines = { empty } end
  show_text(title, lines)
end

command.add(nil, {
  ["leadnotes:one-on-one"] = function() new_note("one-on-one") end,
  ["leadnotes:evaluation"] = function() new_note("evaluation") end,
  ["leadnotes:insert-one-on-one"] = function() insert("one-on-one") end,
  ["leadnotes:insert-evaluation"] = function() insert("evaluation") end,
  ["leadnotes:history"] = function()
    ask_person(function(person)
      local s = store()
      if not s then return end
      local list, err = common.method(s, "history", person, {})
      if not list then report(err) return end
      local lines = {}
      for _, c in ipairs(list) do lines[#lines + 1] = common.history_line(c) end
      show_text("History of " .. person, lines)
    end)
  end,
  ["leadnotes:prompt"] = function()
    dashboard("prompt", "Prompt", common.prompt_lines, nil, { context = "one-on-one" })
  end,
  ["leadnotes:team"] = function() dashboard("team", "Team", common.team_lines) end,
  ["leadnotes:nudges"] = function() dashboard("nudges", "Nudges", common.nudge_lines, "Nothing needs your attention.") end,
})

keymap.add {
  ["ctrl+alt+o"] = "leadnotes:one-on-one",
  ["ctrl+alt+h"] = "leadnotes:history",
}

-- Saving a document under the notes folder commits it.
local save = Doc.save
function Doc:save(...)
  local results = { save(self, ...) }
  local path = self.abs_filename
  if common.is_note(path, notes_dir()) then
    local s = store()
    if s then
      local commit, err = common.method(s, "save", path)
      if commit == nil and err then report(err)
      elseif type(commit) == "table" then core.log("(leadnotes) committed %s", commit.short or "") end
    end
  end
  return table.unpack(results)
end
