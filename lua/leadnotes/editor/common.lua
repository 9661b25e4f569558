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

-- The open store for the notes folder (one per folder, kept open), or nil and why.
function M.store(dir)
  dir = dir or M.notes_dir()
  if stores[dir] then return stores[dir] end
  local open, err = M.feature("open")
  if not open then return nil, err end
  local store, msg = M.call(open, dir)
  if not store then return nil, msg or "cannot open the notes folder " .. dir end
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

-- A commit time as "YYYY-MM-DD HH:MM" (numbers are seconds since the epoch).
function M.format_time(t)
  if type(t) == "number" then return os.date("%Y-%m-%d %H:%M", t) end
  return tostring(t or "")
end

-- One line per commit: short id, date, summary, files.
function M.history_line(c)
  local paths = type(c.paths) == "table" and table.concat(c.paths, ", ") or ""
  return string.format("%s  %s  %s%s", c.short or (c.id or ""):sub(1, 7), M.format_time(c.time),
    c.summary or "", paths ~= "" and ("  [" .. paths .. "]") or "")
end

local team_columns = {
  { "person", "person" }, { "last_one_on_one", "last 1:1" }, { "days_since", "days" },
  { "cadence_days", "cadence" }, { "overdue", "overdue" }, { "open_items", "open" },
  { "oldest_open_days", "oldest" }, { "next_review", "review" },
}

-- The team view as aligned text lines.
function M.team_lines(team)
  local rows = { {} }
  for i, col in ipairs(team_columns) do rows[1][i] = col[2] end
  for _, entry in ipairs(team) do
    local row = {}
    for i, col in ipairs(team_columns) do
      local v = entry[col[1]]
      if v == nil then v = "-" elseif v == true then v = "yes" elseif v == false then v = "" end
      if type(v) == "number" and v == math.floor(v) then v = string.format("%d", v) end
      row[i] = tostring(v)
    end
    rows[#rows + 1] = row
  end
  -- Columns line up by display width ("José" is four columns, five bytes).
  local ok_text, text = pcall(require, "leadnotes.insights.text")
  local width = ok_text and text.width or function(cell) return #cell end
  local widths = {}
  for _, row in ipairs(rows) do
    for i, cell in ipairs(row) do widths[i] = math.max(widths[i] or 0, width(cell)) end
  end
  local lines = {}
  for _, row in ipairs(rows) do
    local cells = {}
    for i, cell in ipairs(row) do cells[i] = cell .. string.rep(" ", widths[i] - width(cell)) end
    lines[#lines + 1] = (table.concat(cells, "  "):gsub("%s+$", ""))
  end
  return lines
end

-- The nudges as text lines.
function M.nudge_lines(nudges)
  local lines = {}
  for _, n in ipairs(nudges) do
    -- Each text names the person already ("2 open items for José").
    lines[#lines + 1] = n.text or n.kind or ""
  end
  return lines
end

-- A prompt as text lines (its text, then its duties and kind).
function M.prompt_lines(p)
  if type(p) == "string" then return { p } end
  local lines = { p.text or "" }
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
    if fine then return (line:gsub("^%(leadnotes%)%s*", "")) end
  end
  return "synced"
end

-- What store:verify() found, as one line, and the diff when it changed.
function M.verify_verdict(result)
  if result == true then return "unchanged since it was sealed" end
  if type(result) ~= "table" then return "changed since it was sealed" end
  if not result.sealed then return "not sealed: seal it first (leadnotes seal PATH, :Lead seal)" end
  local tag = result.tag and (" (" .. result.tag .. ")") or ""
  if result.unchanged then return "unchanged since it was sealed" .. tag end
  return "changed since it was sealed" .. tag, result.diff
end

-- Split text into lines (a final newline does not make an empty last line).
function M.lines(text)
  local out = {}
  for line in (text .. (text:sub(-1) == "\n" and "" or "\n")):gmatch("(.-)\r?\n") do out[#out + 1] = line end
  return out
end

return M
