-- What the insights specs share beyond tests/lua/helpers.lua: org-mode's own
-- list of open TODOs, and leadnotes' list to compare with it.
local helpers = require("helpers")
local M = {}

M.q, M.ok, M.write, M.read = helpers.quote, helpers.ok, helpers.write, helpers.must_read

-- Commits rel (relative to dir) with git, as made on `date` at noon.
function M.commit(dir, rel, date)
  helpers.commit_dated(dir, rel, date)
end

-- A notes store (leadnotes.notes) in a fresh folder; returns it and the folder.
function M.new_repo()
  local dir = os.tmpname()
  os.remove(dir)
  local store = assert(require("leadnotes.notes").open(dir))
  return store, dir
end

-- The teardown of a spec that works on a store: closes it, removes the
-- temporary folders, and puts the default options back.
function M.teardown(store)
  if store and store.close then store:close() end
  helpers.cleanup()
  require("leadnotes.config").setup({})
end

M.emacs = io.popen("command -v emacs 2>/dev/null"):read("*l")
if M.emacs == "" then M.emacs = nil end

-- org-mode's own list of open TODO entries over every .org file under dir:
-- org-map-entries with the agenda's files and the "/!" (not done) match.
-- A sorted list of "ID|heading"; nil when Emacs is not installed.
function M.org_open_todos(dir)
  if not M.emacs then return nil end
  local files = M.ok("find " .. M.q(dir) .. " -name .git -prune -o -name '*.org' -print | sort")
  local list = {}
  for f in files:gmatch("[^\n]+") do list[#list + 1] = '"' .. f:gsub('[\\"]', "\\%0") .. '"' end
  local el = os.tmpname()
  M.write(el, "(require 'org)\n(setq org-agenda-files (list " .. table.concat(list, " ") .. "))\n"
    .. "(org-map-entries (lambda () (princ (format \"%s|%s\\n\" (or (org-entry-get nil \"ID\") \"\") "
    .. "(org-get-heading t t t t)))) \"/!\" 'agenda)\n")
  local out = M.ok("emacs --batch -Q -l " .. M.q(el) .. " 2>/dev/null")
  os.remove(el)
  local got = {}
  for line in out:gmatch("[^\n]+") do got[#got + 1] = line end
  table.sort(got)
  return got
end

-- leadnotes.items as the same "ID|heading" list.
function M.leadnotes_open(store, date)
  local got = {}
  for _, it in ipairs(assert(require("leadnotes").items({ store = store, date = date }))) do
    got[#got + 1] = (it.id or "") .. "|" .. it.text
  end
  table.sort(got)
  return got
end

return M
