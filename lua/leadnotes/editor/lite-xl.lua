-- mod-version:3
-- leadnotes for lite-xl (2.1, Lua 5.4). Install either way:
--   ln -s /path/to/leadnotes/lua/leadnotes/editor/lite-xl.lua ~/.config/lite-xl/plugins/leadnotes.lua
-- or, in ~/.config/lite-xl/init.lua:
--   package.path = "/path/to/leadnotes/lua/?.lua;/path/to/leadnotes/lua/?/init.lua;" .. package.path
--   require "leadnotes.editor.lite-xl"
-- Build the module first: cmake --preset default && cmake --build --preset default.
-- Commands (ctrl+shift+p): "Leadnotes: One On One", "Leadnotes: Evaluation",
-- "Leadnotes: Insert One On One", "Leadnotes: Insert Evaluation",
-- "Leadnotes: History", "Leadnotes: Show Version", "Leadnotes: Diff",
-- "Leadnotes: Restore Version" (of the open note), "Leadnotes: Prompt",
-- "Leadnotes: Team", "Leadnotes: Nudges", "Leadnotes: Items"; keys ctrl+alt+o (one-on-one),
-- ctrl+alt+h (history).
-- Saving a note commits it. The commands are leadnotes.editor.common's;
-- this file is what lite-xl's API needs.
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

-- A document for the dashboards and the history: named by its title, never
-- dirty (closing it asks nothing), and text typed into it goes nowhere.
local ReadOnlyDoc = Doc:extend()

function ReadOnlyDoc:new(title, text)
  ReadOnlyDoc.super.new(self)
  self.title = title
  Doc.insert(self, 1, 1, text)
  self.undo_stack, self.redo_stack = { idx = 1 }, { idx = 1 }
  self:set_selection(1, 1)
  self:clean()
  self.read_only = true
end

function ReadOnlyDoc:get_name() return self.title end
function ReadOnlyDoc:is_dirty() return false end
function ReadOnlyDoc:insert(...) if not self.read_only then return Doc.insert(self, ...) end end
function ReadOnlyDoc:remove(...) if not self.read_only then return Doc.remove(self, ...) end end
function ReadOnlyDoc:save() core.log("(leadnotes) %s is a read-only view", self.title) end

-- The document in the main area: core.active_view is the command view
-- while a question is asked, and can be a view just closed.
local function active_view()
  local node = core.root_view:get_active_node_default()
  return node and node.active_view
end
local function active_doc()
  local view = active_view()
  return view and view.doc
end

local ed = {}

-- Deferred to the next frame, so that it is not hidden by the message of
-- the command that caused it ("Saved ...").
function ed.report(msg, level)
  core.add_thread(function()
    if level == "info" then core.log("%s", msg) else core.error("%s", msg) end
  end)
end

function ed.ask(title, default, done, suggest)
  local answered = false
  core.command_view:enter(title, {
    text = default or "",
    submit = function(text) answered = true done(text) end,
    suggest = suggest and function(text)
      local out = {}
      for _, p in ipairs(suggest()) do
        if p:lower():find(text:lower(), 1, true) == 1 then out[#out + 1] = p end
      end
      return out
    end or nil,
    cancel = function() if not answered then done(nil) end end,
  })
end

function ed.open(path, line, col)
  local view = core.root_view:open_doc(core.open_doc(path))
  if line then view.doc:set_selection(line, (col or 0) + 1) end
end

function ed.insert_at_cursor(text, mark)
  local doc = active_doc()
  if not doc or doc.read_only then ed.report(common.message("open a document to insert into")) return end
  local row, col = doc:get_selection()
  local current = doc.lines[row]:gsub("\n$", "")
  local lines, line, c = common.insert_plan(current, col - 1, text, mark)
  doc:remove(row, 1, row, #current + 1)
  doc:insert(row, 1, table.concat(lines, "\n"))
  doc:set_selection(row + line - 1, c + 1)
end

function ed.show(title, lines)
  core.root_view:open_doc(ReadOnlyDoc(title, title .. "\n\n" .. table.concat(lines, "\n") .. "\n"))
end


function ed.current_note()
  local doc = active_doc()
  local path = doc and doc.abs_filename
  if path and common.is_note(path, common.notes_dir()) then return path end
  return nil
end

function ed.modified()
  local doc = active_doc()
  return doc ~= nil and doc:is_dirty()
end

function ed.reload()
  local doc = active_doc()
  if doc then doc:reload() end
end

local commands = {}
for _, c in ipairs(common.commands) do
  commands["leadnotes:" .. c.id] = function() common.run(ed, c.id) end
end
command.add(nil, commands)

-- Unbound in lite-xl 2.1 (ctrl+alt+o, ctrl+alt+h); never taken over if bound.
for key, name in pairs({ ["ctrl+alt+o"] = "leadnotes:one-on-one", ["ctrl+alt+h"] = "leadnotes:history" }) do
  if not keymap.map[key] then keymap.add { [key] = name } end
end

-- Saving a document under the notes folder commits it.
local save = Doc.save
function Doc:save(...)
  local results = table.pack(save(self, ...))
  if self.abs_filename then common.on_save(ed, self.abs_filename) end
  return table.unpack(results, 1, results.n)
end
