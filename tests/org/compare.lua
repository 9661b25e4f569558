-- Checks leadnotes' org parser against Emacs' own (org-element) on every
-- file of tests/org/corpus/: one `emacs --batch` run dumps what org-mode
-- sees (dump.el), then every field of every headline and checkbox is
-- compared with core.parse_org. Exits 77 (ctest: skipped) without emacs,
-- 1 on any difference, naming the file, line and field.
--
-- Run from the source root: <lua> tests/org/compare.lua [DIR]
-- with LEADNOTES_BUILD_DIR pointing at a build (ctest sets it). DIR, when
-- given, replaces the corpus (tests/org/random.lua uses it).

local source = os.getenv("LEADNOTES_SOURCE_DIR") or "."
local build = os.getenv("LEADNOTES_BUILD_DIR") or (source .. "/build/lua5.4")
package.cpath = build .. "/?.so;" .. package.cpath
package.path = source .. "/lua/?.lua;" .. package.path

package.path = source .. "/tests/lua/?.lua;" .. package.path
local helpers = require("helpers")
local sh_quote, read_all = helpers.quote, helpers.must_read

local emacs = os.getenv("LEADNOTES_EMACS") or "emacs"
local probe = io.popen("command -v " .. sh_quote(emacs) .. " 2>/dev/null")
local found = probe:read("*l")
probe:close()
if not found or found == "" then
  io.write("SKIP: emacs not found (install emacs-nox to compare the org parser with org-mode)\n")
  os.exit(77)
end

local core = require("leadnotes.core")
local json = require("dkjson")

local corpus = arg[1] or (source .. "/tests/org/corpus")
local files = {}
local ls = io.popen("ls " .. sh_quote(corpus))
for name in ls:lines() do
  if name:match("%.org$") then files[#files + 1] = name end
end
ls:close()
table.sort(files)
if #files == 0 then
  io.stderr:write("no corpus files under " .. corpus .. "\n")
  os.exit(1)
end

local out = os.tmpname()
local cmd = { sh_quote(emacs), "-Q", "--batch", "-l", sh_quote(source .. "/tests/org/dump.el"), sh_quote(out) }
for _, name in ipairs(files) do cmd[#cmd + 1] = sh_quote(corpus .. "/" .. name) end
local log = os.tmpname()
local ok = os.execute(table.concat(cmd, " ") .. " >/dev/null 2>" .. sh_quote(log))
if ok ~= true and ok ~= 0 then
  io.stderr:write("emacs failed to dump the corpus:\n" .. read_all(log):sub(1, 3000) .. "\n")
  os.remove(out)
  os.remove(log)
  os.exit(1)
end
os.remove(log)
local expected, _, err = json.decode(read_all(out), 1, nil)
os.remove(out)
if not expected then
  io.stderr:write("cannot read emacs' dump: " .. tostring(err) .. "\n")
  os.exit(1)
end

local failures, checked, emacs_errors = 0, 0, 0

local function show(v)
  if v == nil then return "nil" end
  if type(v) == "table" then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = show(x) end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

local function same(a, b)
  if type(a) == "table" and type(b) == "table" then
    if #a ~= #b then return false end
    for i = 1, #a do
      if not same(a[i], b[i]) then return false end
    end
    return true
  end
  if type(a) == "number" and type(b) == "number" then return a == b end
  return a == b
end

local function check(file, where, field, want, got)
  checked = checked + 1
  if not same(want, got) then
    failures = failures + 1
    io.write(string.format("MISMATCH %s %s %s: emacs %s, leadnotes %s\n", file, where, field, show(want), show(got)))
  end
end

local headline_fields = { "level", "title", "todo", "todo_type", "priority", "tags",
  "scheduled", "deadline", "closed", "properties", "comment" }
local checkbox_fields = { "state", "text", "heading_line" }

-- Compares the items (headlines or checkboxes) emacs and leadnotes read
-- from one file, one by one, on their line and the fields named.
local function check_each(name, kind, wants, gots, fields)
  for i = 1, math.max(#wants, #gots) do
    local w, g = wants[i] or {}, gots[i] or {}
    local where = kind .. " " .. tostring(w.line or g.line)
    check(name, where, "line", w.line, g.line)
    for _, f in ipairs(fields) do check(name, where, f, w[f], g[f]) end
  end
end

for _, name in ipairs(files) do
  local want = expected[name]
  local got = core.parse_org(read_all(corpus .. "/" .. name))
  if not want then
    failures = failures + 1
    io.write("MISSING " .. name .. " in emacs' dump\n")
  elseif want.error then
    -- org-mode itself gave up on this file. The corpus must not hold such
    -- files; generated ones (random.lua) may.
    emacs_errors = emacs_errors + 1
    if not arg[1] then failures = failures + 1 end
    io.write("EMACS ERROR " .. name .. ": " .. want.error .. "\n")
  else
    check(name, "file", "todo_keywords", want.todo_keywords, got.todo_keywords)
    check(name, "file", "done_keywords", want.done_keywords, got.done_keywords)
    check_each(name, "headline", want.headlines, got.headlines, headline_fields)
    check_each(name, "checkbox", want.checkboxes, got.checkboxes, checkbox_fields)
  end
end

io.write(string.format("%d files (%d that org-mode itself fails on), %d fields compared, %d differences\n",
  #files, emacs_errors, checked, failures))
os.exit(failures == 0 and 0 or 1)
