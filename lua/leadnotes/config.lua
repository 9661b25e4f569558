-- leadnotes configuration: defaults, validation, and the merged options.
local M = {}

-- Each option, in the order the documentation lists them: its name, its
-- default, the Lua type it must have ("string?" allows nil), and `doc`, the
-- one-line description that scripts/gen_options.lua writes into
-- doc/leadnotes.txt and doc/configuration.md (`shown` is the default as
-- the documentation gives it, when the value itself does not say it).
local options_list = {
  { name = "notes_dir", default = nil, type = "string?", shown = "$LEADNOTES_DIR, else ~/leadnotes",
    doc = "the notes folder, created with mode 0700 when missing" },
  { name = "templates_dir", default = nil, type = "string?",
    doc = "your own templates, searched before the built-in ones (a leading ~/ is your home)" },
  { name = "format", default = "org", type = "string", one_of = { org = true, markdown = true },
    doc = "the format of new notes and templates" },
  { name = "cadence_days", default = 14, type = "number", whole = { 1, 365 },
    doc = "the one-on-one cadence, in days, for a report whose profile sets none" },
  { name = "open_item_age_days", default = 30, type = "number", whole = { 1, 3650 },
    doc = "open action items older than this many days are nudged" },
  { name = "review_notice_days", default = 14, type = "number", whole = { 0, 365 },
    doc = "nudge this many days before a review is due" },
  { name = "review_cadence_days", default = 182, type = "number", whole = { 1, 3650 },
    doc = "days from one evaluation to the next review, for a profile that sets none" },
  { name = "prompts_file", default = nil, type = "string?",
    doc = "a file of your own prompts, added to the built-in bank" },
  { name = "disabled_prompts", default = {}, type = "table", shown = "{}",
    doc = "ids of built-in prompts switched off" },
  { name = "manager", default = nil, type = "string?", shown = "git's user.name",
    doc = "your name, in notes and as the owner of items without an OWNER" },
  { name = "open_roles", default = 0, type = "number",
    doc = "how many roles you are hiring for: hiring prompts appear only above 0" },
  { name = "remote", default = nil, type = "string?", shown = 'the branch\'s upstream, else "origin"',
    doc = "the remote to sync with" },
  { name = "auto_sync", default = false, type = "boolean",
    doc = "sync a few seconds after a burst of saves (Neovim, through the command line)" },
  { name = "auto_sync_delay_ms", default = 5000, type = "number", whole = { 0, 86400000 },
    doc = "milliseconds after the last save of a burst before auto-sync runs" },
  { name = "commit_on_save", default = true, type = "boolean",
    doc = "writing a note commits it; false: only on demand (:Lead save, leadnotes save)" },
  { name = "shared_repository", default = false, type = "boolean",
    doc = "notes_dir may be a folder inside another git repository, committed into it; "
      .. "when false such a folder is refused, naming that repository" },
}

local schema = {}
for _, spec in ipairs(options_list) do schema[spec.name] = spec end

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

-- The options in documentation order: a list of
-- { name=, default=, type=, doc=, shown= } (read it, do not change it).
function M.schema()
  return options_list
end

-- The notes folder: the option, else $LEADNOTES_DIR, else ~/leadnotes.
function M.notes_dir()
  local dir = M.options.notes_dir or os.getenv("LEADNOTES_DIR")
  if dir and dir ~= "" then return dir end
  return (os.getenv("HOME") or ".") .. "/leadnotes"
end

return M
