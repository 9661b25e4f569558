-- leadnotes configuration: defaults, validation, and the merged options.
local M = {}

-- Each option: its default and the Lua type it must have ("string?" allows nil).
local schema = {
  notes_dir = { default = nil, type = "string?" },          -- nil: $LEADNOTES_DIR, else ~/leadnotes
  templates_dir = { default = nil, type = "string?" },      -- the user's templates, searched first
  format = { default = "org", type = "string", one_of = { org = true, markdown = true } },
  cadence_days = { default = 14, type = "number", whole = { 1, 365 } },         -- one-on-one cadence when a profile has none
  open_item_age_days = { default = 30, type = "number", whole = { 1, 3650 } },  -- open items older than this are nudged
  review_notice_days = { default = 14, type = "number", whole = { 0, 365 } },   -- nudge this many days before a review
  review_cadence_days = { default = 182, type = "number", whole = { 1, 3650 } }, -- the next review, after an evaluation, when a profile has none
  prompts_file = { default = nil, type = "string?" },       -- the user's own prompts, added to the bank
  disabled_prompts = { default = {}, type = "table" },      -- ids of built-in prompts switched off
  manager = { default = nil, type = "string?" },            -- nil: git user.name
  open_roles = { default = 0, type = "number" },            -- roles being hired for: hiring prompts only then
  remote = { default = nil, type = "string?" },             -- nil: the branch's upstream, else "origin"
  auto_sync = { default = false, type = "boolean" },
  auto_sync_delay_ms = { default = 5000, type = "number", whole = { 0, 86400000 } },
  commit_on_save = { default = true, type = "boolean" },
  shared_repository = { default = false, type = "boolean" }, -- notes_dir may be a folder inside another repository
}

local function copy(value)
  if type(value) ~= "table" then return value end
  local out = {}
  for k, v in pairs(value) do out[k] = copy(v) end
  return out
end

local function defaults()
  local out = {}
  for key, spec in pairs(schema) do out[key] = copy(spec.default) end
  return out
end

M.options = defaults()

local function check(key, value)
  local spec = schema[key]
  local want = spec.type
  local optional = want:sub(-1) == "?"
  if optional then want = want:sub(1, -2) end
  if value == nil and optional then return true end
  if type(value) ~= want then
    return false, string.format("option '%s' must be a %s, got %s", key, want, type(value))
  end
  if spec.whole and value ~= nil then
    local n, why = require("leadnotes.validate").whole(value, spec.whole[1], spec.whole[2])
    if not n then return false, string.format("option '%s' %s", key, why) end
  end
  if spec.one_of and not spec.one_of[value] then
    local names = {}
    for name in pairs(spec.one_of) do names[#names + 1] = name end
    table.sort(names)
    return false, string.format("option '%s' must be one of %s, got '%s'", key, table.concat(names, ", "), value)
  end
  return true
end

-- Merges opts over a fresh copy of the defaults and returns the options and
-- a list of warnings (unknown keys). A wrong type is an error: setup is
-- called by the user's own config, where a mistake should be loud.
function M.setup(opts)
  if opts ~= nil and type(opts) ~= "table" then
    error("leadnotes.setup: options must be a table, got " .. type(opts), 3)
  end
  local options, warnings = defaults(), {}
  for key, value in pairs(opts or {}) do
    if schema[key] == nil then
      warnings[#warnings + 1] = string.format("(leadnotes) unknown option '%s' ignored", tostring(key))
    else
      local ok, msg = check(key, value)
      if not ok then error("leadnotes.setup: " .. msg, 3) end
      options[key] = copy(value)
    end
  end
  M.options = options
  return options, warnings
end

-- The notes folder: the option, else $LEADNOTES_DIR, else ~/leadnotes.
function M.notes_dir()
  local dir = M.options.notes_dir or os.getenv("LEADNOTES_DIR")
  if dir and dir ~= "" then return dir end
  return (os.getenv("HOME") or ".") .. "/leadnotes"
end

return M
