-- What the insights specs share: shell quoting and commands, files, git
-- commits backdated with git itself, and org-mode's own list of open TODOs.
local M = {}

function M.q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- Runs cmd; raises with its output when it fails; returns the output.
function M.ok(cmd)
  local p = assert(io.popen("(" .. cmd .. ") 2>&1; echo \"::rc=$?\""))
  local out = p:read("*a")
  p:close()
  assert(tonumber(out:match("::rc=(%d+)%s*$")) == 0, "command failed: " .. cmd .. "\n" .. out)
  return (out:gsub("::rc=%d+%s*$", ""))
end

function M.write(path, text)
  os.execute("mkdir -p " .. M.q(path:match("^(.*)/")))
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

function M.read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local GIT = "GIT_AUTHOR_NAME=Test GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=Test "
  .. "GIT_COMMITTER_EMAIL=t@example.org "

-- Commits rel (relative to dir) with git, as made on `date` at noon.
function M.commit(dir, rel, date)
  local when = date .. "T12:00:00"
  M.ok("cd " .. M.q(dir) .. " && git add -- " .. M.q(rel) .. " && " .. GIT .. "GIT_AUTHOR_DATE=" .. when
    .. " GIT_COMMITTER_DATE=" .. when .. " git commit -q -m " .. M.q(rel))
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
