-- leadnotes.notes: opens the notes store; new_note, which init.lua makes a
-- method of every store handle (store:new_note).
local M = {}

local function core()
  return require("leadnotes").core
end

local function today()
  return os.date("%Y-%m-%d")
end

-- store:new_note(kind, person [, values]) -> absolute path, cursor
-- Renders the template for `kind` into <person>/<YYYY-MM-DD>-<kind>.org
-- (.md in Markdown mode); another note the same day gets -2, -3 ...; an
-- existing file is never overwritten. values.date (YYYY-MM-DD) overrides
-- today's date. Failures of the world return nil, message, code.
function M.new_note(self, kind, person, values)
  local validate = require("leadnotes.validate")
  if type(self) ~= "userdata" then
    error("calling 'new_note' on bad self (notes store expected, got " .. type(self) .. ")", 2)
  end
  if tostring(self) == "leadnotes.store (closed)" then
    error("calling 'new_note' on bad self (attempt to use a closed notes store)", 2)
  end
  if type(kind) ~= "string" or not kind:match("^[%w][%w_-]*$") then
    validate.arg_error("new_note", 1, "kind must be a name like 'one-on-one', got " .. type(kind))
  end
  if type(person) ~= "string" then
    validate.arg_error("new_note", 2, "person must be a string, got " .. type(person))
  end
  if values ~= nil and type(values) ~= "table" then
    validate.arg_error("new_note", 3, "values must be a table or nil, got " .. type(values))
  end
  local date = (values and values.date) or today()
  local problem = validate.date_problem(date)
  if problem then validate.arg_error("new_note", 3, "values.date must be YYYY-MM-DD: " .. problem) end
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

-- open([dir [, opts]]) -> store | nil, message, code. dir defaults to the
-- configured notes folder ($LEADNOTES_DIR, else ~/leadnotes). opts:
--   create = false  a missing folder is "no notes yet" (code "not found"),
--                   not created: for what only reads
--   shared          use a folder inside another repository as part of it
--                   (default: the shared_repository option)
--   adopt = true    make an existing folder with files a repository
--                   (leadnotes.init does this)
-- A missing or empty folder becomes a repository of its own (0700), even
-- under another repository.
function M.open(dir, opts)
  if dir ~= nil and type(dir) ~= "string" then
    require("leadnotes.validate").arg_error("open", 1, "dir must be a string or nil, got " .. type(dir))
  end
  if opts ~= nil and type(opts) ~= "table" then
    require("leadnotes.validate").arg_error("open", 2, "opts must be a table or nil, got " .. type(opts))
  end
  require("leadnotes.validate").keys("open", opts, { "adopt", "create", "shared" }, 2)
  local config = require("leadnotes.config")
  dir = dir or config.notes_dir()
  opts = opts or {}
  local shared = opts.shared
  if shared == nil then shared = config.options.shared_repository == true end
  local store, msg, code = core().open(dir, { create = opts.create ~= false, shared = shared, adopt = opts.adopt == true })
  if not store then return nil, msg, code end
  return store
end

-- init(dir) -> store | nil, message, code: adopts dir as a notes folder,
-- the one explicit way to make an existing folder with files a repository.
-- Only notes (files in person folders, .org or .md, no dot-files) are ever
-- committed from it.
function M.init(dir)
  if type(dir) ~= "string" or dir == "" then
    require("leadnotes.validate").arg_error("init", 1, "dir must be a folder's path, got " .. type(dir))
  end
  return M.open(dir, { adopt = true })
end

return M
