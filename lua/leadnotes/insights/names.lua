-- leadnotes.insights.names: people as the manager typed them, and the
-- manager's own name. nfc() is the
-- form a name has before it becomes a folder; fold() the key two spellings
-- of one person share ("jose maria nunez", "José María Núñez", a decomposed
-- "José"): NFC, case-folded, marks stripped (utf8proc, in the C core:
-- plugin/names.c), runs of spaces, dashes and underscores one "-".
local M = {}

local function core()
  return package.loaded["leadnotes.core"] or require("leadnotes").core
end

-- name in NFC; invalid UTF-8 is returned as it is (the folder check
-- refuses it with its own message).
function M.nfc(name)
  return core().nfc(name) or name
end

-- The key a name is found by (see above).
function M.fold(name)
  local s = core().name_key(name) or name:lower()
  return (s:gsub("[%s%-_]+", "-"):gsub("^%-+", ""):gsub("%-+$", ""))
end

-- The manager's name: config.manager, else git user.name, else "me".
function M.manager_name(store)
  local manager = require("leadnotes.config").options.manager
  if type(manager) == "string" and manager ~= "" then return manager end
  local who = store and core().identity and core().identity(store)
  return who and who.name or "me"
end

return M
