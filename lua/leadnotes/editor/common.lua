-- leadnotes.editor.common: what every front end (Neovim, vis, lite-xl,
-- Textadept, the command line) shares. It reaches the editor-neutral API and
-- turns anything not built yet, or any failure, into one message instead of
-- an uncaught error. It decides nothing about what goes into a note.
local M = {}

-- Which part of the project provides each piece of the API, for the message
-- that says what is missing.
local providers = {
  render = "templates (lua/leadnotes/templates.lua)",
  fields = "templates (lua/leadnotes/templates.lua)",
  templates = "templates (lua/leadnotes/templates.lua)",
  open = "the notes store (lua/leadnotes/notes.lua)",
  prompt = "insights (lua/leadnotes/insights.lua)",
  nudges = "insights (lua/leadnotes/insights.lua)",
  team = "insights (lua/leadnotes/insights.lua)",
  packet = "insights (lua/leadnotes/insights.lua)",
  sync = "sync (store:sync)",
  seal = "sync (store:seal)",
  verify = "sync (store:verify)",
  profile = "insights (store:profile)",
}

local function missing(what)
  return string.format("%s is not available yet: %s is not built", what, providers[what] or ("leadnotes." .. what))
end

-- The API table, or nil and why it cannot be loaded (no build for this Lua).
-- The first failure is kept: Lua 5.1 answers a second require of a module
-- that failed with "loop or previous error", which explains nothing.
local load_error
function M.api()
  if load_error then return nil, load_error end
  local ok, api = pcall(require, "leadnotes")
  if not ok then
    load_error = tostring(api)
    return nil, load_error
  end
  return api
end

-- leadnotes.<name> as a function, or nil and a message naming what is missing.
function M.feature(name)
  local api, err = M.api()
  if not api then return nil, err end
  local ok, fn = pcall(function() return api[name] end)
  if not ok then
    local msg = tostring(fn)
    if msg:find("module '[^']*' not found") then return nil, missing(name) end
    return nil, msg
  end
  if type(fn) ~= "function" then return nil, missing(name) end
  return fn
end

local unpack = table.unpack or unpack
local function pack(...) return { n = select("#", ...), ... } end

-- Calls fn(...) and returns its results; a raised error becomes nil, message.
-- A nil first result keeps the callee's own message.
function M.call(fn, ...)
  local results = pack(pcall(fn, ...))
  if not results[1] then
    local msg = tostring(results[2]):gsub("^%(leadnotes%)%s*", "")
    local module = msg:match("module '([^']+)' not found")
    if module then
      local file = "lua/" .. module:gsub("%.", "/") .. ".lua"
      return nil, string.format("a piece is not available yet: %s (%s) is not built", module, file)
    end
    return nil, msg
  end
  return unpack(results, 2, results.n)
end

local stores = {}

-- The notes folder from the options (setup), $LEADNOTES_DIR or ~/leadnotes.
function M.notes_dir()
  local ok, config = pcall(require, "leadnotes.config")
  if ok then return config.notes_dir() end
  return os.getenv("LEADNOTES_DIR") or ((os.getenv("HOME") or ".") .. "/leadnotes")
end

-- The open store for the notes folder (one per folder, kept open), or nil,
-- why and the code. opts as leadnotes.open's ({create = false} to read only).
function M.store(dir, opts)
  dir = dir or M.notes_dir()
  if stores[dir] then return stores[dir] end
  local open, err = M.feature("open")
  if not open then return nil, err end
  local store, msg, code = M.call(open, dir, opts)
  if not store then return nil, msg or "cannot open the notes folder " .. dir, code end
  stores[dir] = store
  -- A notice from opening (a folder others can read, a stale lock cleared).
  local notice = type(store.notice) == "function" and store:notice()
  if notice then
    local api = M.api()
    if type(api) == "table" and api.warn then api.warn("(leadnotes) " .. notice)
    else io.stderr:write("leadnotes: ", notice, "\n") end
  end
  return store
end

-- Forget the open stores (after the notes folder changed).
function M.reset()
  for dir, store in pairs(stores) do
    if type(store) == "userdata" or type(store) == "table" then
      local close = store.close
      if type(close) == "function" then pcall(close, store) end
    end
    stores[dir] = nil
  end
end

-- store:<name>(...) with what-is-missing and error handling: results or nil, message.
function M.method(store, name, ...)
  local ok, fn = pcall(function() return store[name] end)
  if not ok or type(fn) ~= "function" then
    return nil, providers[name] and missing(name) or ("store:" .. name .. " is not available yet: the notes store is not built")
  end
  return M.call(fn, store, ...)
end

-- True when `path` is absolute.
function M.is_absolute(path)
  return path:sub(1, 1) == "/"
end

-- path made absolute against base (no symlink resolution).
function M.absolute(path, base)
  if M.is_absolute(path) then return path end
  path = path:gsub("^%./", "")
  return (base:gsub("/+$", "")) .. "/" .. path
end

-- path relative to dir when it is inside it, else nil.
function M.relative(path, dir)
  dir = dir:gsub("/+$", "")
  if path:sub(1, #dir + 1) == dir .. "/" then return path:sub(#dir + 2) end
  return nil
end

-- True when path is a file of the notes folder dir that a save should
-- commit: inside it, and not one of git's own files (.git/COMMIT_EDITMSG...).
function M.is_note(path, dir)
  local rel = path and M.relative(path, dir)
  if not rel then return false end
  return not (rel:match("^%.git/") or rel:find("/.git/", 1, true))
end

-- A person's name from a list of words (names may hold spaces).
function M.person(words, first)
  local parts = {}
  for i = first or 1, #words do parts[#parts + 1] = words[i] end
  local name = table.concat(parts, " "):gsub("^%s+", ""):gsub("%s+$", "")
  if name == "" then return nil end
  return name
end

-- The people of the notes folder as names (store:people() may give strings
-- or tables with a name or dir).
function M.people(store)
  local list = M.method(store, "people")
  local out = {}
  for _, p in ipairs(list or {}) do
    if type(p) == "table" then p = p.name or p.dir or p.person end
    if type(p) == "string" then out[#out + 1] = p end
  end
  table.sort(out)
  return out
end

-- Control characters made visible, so that a path, a commit message or a
-- line of a note cannot drive the terminal or the editor's message area
-- (ESC ]0;title BEL, a CR that overwrites the line): C0 controls as ^X,
-- DEL as ^?, the C1 controls (UTF-8 C2 80..9F) as <9B>. Tab and newline
-- are kept when keep_lines is true (a note shown whole; a CR before a
-- newline stays too), else they are made visible like the rest.
function M.printable(s, keep_lines)
  s = tostring(s)
  if not s:find("[%c\127\194]") then return s end
  s = s:gsub("\194([\128-\159])", function(c) return string.format("<%02X>", c:byte()) end)
  return (s:gsub("()([%c\127])", function(at, c)
    if keep_lines and (c == "\n" or c == "\t" or (c == "\r" and s:sub(at + 1, at + 1) == "\n")) then return c end
    if c == "\127" then return "^?" end
    return "^" .. string.char(c:byte() + 64)
  end))
end

-- A commit time as "YYYY-MM-DD HH:MM" (numbers are seconds since the epoch).
function M.format_time(t)
  if type(t) == "number" then return os.date("%Y-%m-%d %H:%M", t) end
  return tostring(t or "")
end

-- One line per commit: short id, date, summary, files.
function M.history_line(c)
  local paths = type(c.paths) == "table" and table.concat(c.paths, ", ") or ""
  return M.printable(string.format("%s  %s  %s%s", c.short or (c.id or ""):sub(1, 7), M.format_time(c.time),
    c.summary or "", paths ~= "" and ("  [" .. paths .. "]") or ""))
end

local team_columns = {
  { "person", "person" }, { "last_one_on_one", "last 1:1" }, { "days_since", "days" },
  { "cadence_days", "cadence" }, { "overdue", "overdue" }, { "open_items", "open" },
  { "oldest_open_days", "oldest" }, { "next_review", "review" },
}

-- The team view as aligned text lines. A "conflicts" column appears when a
-- sync left someone's notes with unresolved conflict markers.
function M.team_lines(team)
  local columns = team_columns
  for _, entry in ipairs(team) do
    if entry.conflicts and entry.conflicts ~= 0 then
      columns = { unpack(team_columns) }
      columns[#columns + 1] = { "conflicts", "conflicts" }
      break
    end
  end
  local rows = { {} }
  for i, col in ipairs(columns) do rows[1][i] = col[2] end
  for _, entry in ipairs(team) do
    local row = {}
    for i, col in ipairs(columns) do
      local v = entry[col[1]]
      if v == nil then v = "-" elseif v == true then v = "yes" elseif v == false then v = "" end
      if type(v) == "number" and v == math.floor(v) then v = string.format("%d", v) end
      row[i] = M.printable(v)
    end
    rows[#rows + 1] = row
  end
  local widths = {}
  for _, row in ipairs(rows) do
    for i, cell in ipairs(row) do widths[i] = math.max(widths[i] or 0, #cell) end
  end
  local lines = {}
  for _, row in ipairs(rows) do
    local cells = {}
    for i, cell in ipairs(row) do cells[i] = cell .. string.rep(" ", widths[i] - #cell) end
    lines[#lines + 1] = (table.concat(cells, "  "):gsub("%s+$", ""))
  end
  return lines
end

-- The nudges as text lines.
function M.nudge_lines(nudges)
  local lines = {}
  for _, n in ipairs(nudges) do
    lines[#lines + 1] = M.printable(string.format("%s: %s", n.person or "?", n.text or n.kind or ""))
  end
  return lines
end

-- A prompt as text lines (its text, then its duties and kind).
function M.prompt_lines(p)
  if type(p) == "string" then return { M.printable(p) } end
  local lines = { M.printable(p.text or "") }
  local tags = {}
  if type(p.duties) == "table" then for _, d in ipairs(p.duties) do tags[#tags + 1] = d end end
  if type(p.kind) == "string" then tags[#tags + 1] = p.kind
  elseif type(p.kind) == "table" then for _, k in ipairs(p.kind) do tags[#tags + 1] = k end end
  if #tags > 0 then lines[#lines + 1] = "— " .. table.concat(tags, ", ") end
  return lines
end

-- One line about a store:sync() result (leadnotes.sync.summary when built).
function M.sync_summary(result)
  local ok, sync = pcall(require, "leadnotes.sync")
  if ok and type(sync.summary) == "function" and type(result) == "table" then
    local fine, line = pcall(sync.summary, result)
    if fine then return M.printable((line:gsub("^%(leadnotes%)%s*", ""))) end
  end
  return "synced"
end

-- What store:verify() found, as one line, and the diff when it changed.
function M.verify_verdict(result)
  if result == true then return "unchanged since it was sealed" end
  if type(result) ~= "table" then return "changed since it was sealed" end
  if not result.sealed then return "not sealed: seal it first (leadnotes seal PATH, :Lead seal)" end
  local tag = result.tag and (" (" .. M.printable(result.tag) .. ")") or ""
  local notes = {}
  if result.problem then notes[#notes + 1] = "THE SEAL ITSELF CHANGED: " .. M.printable(result.problem) end
  if result.signature == "bad" then
    notes[#notes + 1] = "THE SEAL'S SIGNATURE DOES NOT MATCH: " .. M.printable(result.signature_detail or "")
  elseif result.signature == "good" or result.signature == "unchecked" then
    notes[#notes + 1] = M.printable(result.signature_detail or ("signature " .. result.signature))
  end
  local extra = #notes > 0 and ("\n" .. table.concat(notes, "\n")) or ""
  if result.unchanged then return "unchanged since it was sealed" .. tag .. extra end
  return "changed since it was sealed" .. tag .. extra, result.diff and M.printable(result.diff, true)
end

-- Split text into lines (a final newline does not make an empty last line).
function M.lines(text)
  local out = {}
  for line in (text .. (text:sub(-1) == "\n" and "" or "\n")):gmatch("(.-)\r?\n") do out[#out + 1] = line end
  return out
end

return M
