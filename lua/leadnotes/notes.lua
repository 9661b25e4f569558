-- leadnotes.notes: opens the notes store and adds the methods written in Lua
-- (new_note) to the store's method table, next to the C ones.
local M = {}

local function core()
  return require("leadnotes").core
end

local methods_installed = false

local function today()
  return os.date("%Y-%m-%d")
end

-- store:new_note(kind, person [, values]) -> absolute path, cursor
-- Renders the template for `kind` into <person>/<YYYY-MM-DD>-<kind>.org
-- (.md in Markdown mode); another note the same day gets -2, -3 ...; an
-- existing file is never overwritten. values.date (YYYY-MM-DD) overrides
-- today's date. Failures of the world return nil, message, code.
local function new_note(self, kind, person, values)
  if type(self) ~= "userdata" then
    error("new_note: bad argument #1 (notes store expected, got " .. type(self) .. ")", 2)
  end
  if tostring(self) == "leadnotes.store (closed)" then
    error("new_note: attempt to use a closed notes store", 2)
  end
  if type(kind) ~= "string" or not kind:match("^[%w][%w_-]*$") then
    error("new_note: bad argument #1 (kind must be a name like 'one-on-one', got " .. type(kind) .. ")", 2)
  end
  if type(person) ~= "string" then
    error("new_note: bad argument #2 (person must be a string, got " .. type(person) .. ")", 2)
  end
  if values ~= nil and type(values) ~= "table" then
    error("new_note: bad argument #3 (values must be a table or nil, got " .. type(values) .. ")", 2)
  end
  local date = (values and values.date) or today()
  if type(date) ~= "string" or not date:match("^%d%d%d%d%-%d%d%-%d%d$") then
    error("new_note: values.date must be YYYY-MM-DD", 2)
  end
  -- An existing folder of the same person (another case or accent) is used.
  local dir, msg, code = require("leadnotes.insights.reading").person_dir(self, person)
  if not dir then return nil, msg, code end
  local templates = require("leadnotes.templates")
  local text, cursor = templates.render(kind, person, values or {}, { date = date, store = self })
  if type(text) ~= "string" then
    return nil, tostring(cursor or ("cannot render the " .. kind .. " template")), "not found"
  end
  local options = require("leadnotes.config").options
  local ext = options.format == "markdown" and "md" or "org"
  local path, rel_or_err, errcode = self:create_note(dir, date .. "-" .. kind, ext, text)
  if not path then return nil, rel_or_err, errcode end
  -- The items carried into the new note are moved, not copied: their older
  -- copies stop being open (leadnotes.insights.items.settle).
  local ok, settled, serr = pcall(require("leadnotes.insights.items").settle, self, person, rel_or_err)
  if not ok or not settled then
    local warn = require("leadnotes").warn
    local note = "(leadnotes) carried items were not moved: " .. tostring(ok and serr or settled)
    if warn then warn(note) else io.stderr:write(note, "\n") end
  end
  return path, cursor
end

local function install(store)
  if methods_installed then return end
  local index = getmetatable(store).__index
  index.new_note = new_note
  methods_installed = true
end

-- open([dir]) -> store | nil, message, code. dir defaults to the configured
-- notes folder ($LEADNOTES_DIR, else ~/leadnotes).
function M.open(dir)
  if dir ~= nil and type(dir) ~= "string" then
    error("leadnotes.open: bad argument #1 (dir must be a string or nil, got " .. type(dir) .. ")", 2)
  end
  dir = dir or require("leadnotes.config").notes_dir()
  local store, msg, code = core().open(dir)
  if not store then return nil, msg, code end
  install(store)
  return store
end

return M
