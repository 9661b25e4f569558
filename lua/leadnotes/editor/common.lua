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

local unpack = table.unpack or rawget(_G, "unpack")
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
  local dir = ok and config.notes_dir() or os.getenv("LEADNOTES_DIR") or ((os.getenv("HOME") or ".") .. "/leadnotes")
  return (dir:gsub("(.)/+$", "%1"))
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
  local notice = type(store.take_notice) == "function" and store:take_notice()
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

-- The name to show for a person entry (a string, or a table from
-- store:people() or the team view, whose `person` is already the display
-- name the insights layer chose).
function M.display_name(p)
  if type(p) == "table" then return p.display_name or p.name or p.person or p.dir end
  return p
end

-- The people of the notes folder by the names the manager gave them (the
-- profile's NAME, else the folder name with its dashes as spaces), for
-- completion: store:people() gives folder names, the insights profile the
-- display name. Any of them finds the person again (the lookup is blind to
-- case, accents and dashes).
function M.people(store)
  local list = M.method(store, "people")
  local ok, insights = pcall(require, "leadnotes.insights")
  local out = {}
  for _, p in ipairs(list or {}) do
    p = M.display_name(p)
    if type(p) == "string" and ok and type(insights.profile) == "function" then
      local fine, profile = pcall(insights.profile, store, p)
      if fine and type(profile) == "table" and type(profile.name) == "string" and profile.name ~= "" then
        p = profile.name
      else
        p = p:gsub("%-", " ") -- as the team view shows a person without a profile
      end
    end
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
      if col[1] == "person" then v = M.display_name(entry) end
      if v == nil then v = "-" elseif v == true then v = "yes" elseif v == false then v = "" end
      if type(v) == "number" and v == math.floor(v) then v = string.format("%d", v) end
      row[i] = M.printable(v)
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
    lines[#lines + 1] = M.printable(n.text or n.kind or "")
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

---------------------------------------------------------------------------
-- The commands, shared by the adapters of lite-xl, Textadept and vis. An
-- adapter hands each command `ed`, what its editor's API does:
--   ed.report(msg, level)        one line in the message area; level "info"
--                                or "error"; msg already carries "(leadnotes)"
--   ed.ask(title, default, done, suggest)  one line of input, done(text) or
--                                done(nil) when cancelled; nil in an editor
--                                without input (vis): asked fields then take
--                                their defaults and the values of `set`
--   ed.open(path, line, col)     open a file, the cursor at line (1-based)
--                                and col (0-based byte), or at the top
--   ed.insert_at_cursor(text, mark)  a clean insert (M.insert_plan)
--   ed.show(title, lines)        a read-only view that never asks to be saved
--   ed.current_note()            the open file when it is a note, else nil
--   ed.modified()                true when the open file has unsaved changes
--   ed.reload()                  read the open file again from disk

-- What the menus and palettes list, in order. `kind` is the template of
-- the one-on-one and evaluation commands. lite-xl shows an id as its
-- palette name ("show-version" -> "Leadnotes: Show Version"): keep the
-- id's words those of the title.
M.commands = {
  { id = "one-on-one", title = "One-on-one", kind = "one-on-one" },
  { id = "evaluation", title = "Evaluation", kind = "evaluation" },
  { id = "insert-one-on-one", title = "Insert One-on-one", kind = "one-on-one", insert = true },
  { id = "insert-evaluation", title = "Insert Evaluation", kind = "evaluation", insert = true },
  { id = "history", title = "History" },
  { id = "show-version", title = "Show Version", revision = true },
  { id = "diff", title = "Diff", revision = true },
  { id = "restore-version", title = "Restore Version", revision = true },
  { id = "prompt", title = "Prompt" },
  { id = "team", title = "Team" },
  { id = "nudges", title = "Nudges" },
  { id = "items", title = "Items" },
}

-- A message for the user: the (leadnotes) prefix once, the first line only.
function M.message(msg)
  local text = tostring(msg):gsub("^%(leadnotes%)%s*", ""):gsub("\n.*", "")
  return "(leadnotes) " .. text
end

local function report(ed, msg, level) ed.report(M.message(msg), level or "error") end

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

-- A dialog title of at most `max` bytes (38 by default), cut at a word.
-- Textadept 12.4's input dialog is 40 columns wide and crashes on a title
-- of 40 characters or more ("Which period does this evaluation cover?" is
-- exactly 40), so no title the adapters show is that long.
function M.short_title(text, max)
  max = max or 38
  text = tostring(text)
  if #text <= max then return text end
  local cut = text:sub(1, max - 3):match("^(.*%S)%s") or text:sub(1, max - 3)
  return cut .. "..."
end

-- `set` for an editor without input: KEY=VALUE pairs where a value runs on
-- over the words that follow it ("period=2026 Q4" sets "2026 Q4"). Returns
-- the pairs, or nil and the usage when the first word is not KEY=VALUE.
function M.parse_set(words)
  local pairs_, key = {}, nil
  for _, w in ipairs(words) do
    local k, v = w:match("^([%a_][%w_%-]*)=(.*)$")
    if k then
      key = k
      pairs_[k] = v
    elseif key then
      pairs_[key] = pairs_[key] == "" and w or (pairs_[key] .. " " .. w)
    else
      return nil, "usage: set KEY=VALUE [KEY=VALUE]... (a value may hold spaces)"
    end
  end
  if not key then return nil, "usage: set KEY=VALUE [KEY=VALUE]... (a value may hold spaces)" end
  return pairs_
end

-- Values given with `set`, used by the next note and then forgotten.
local pending = {}
function M.set_pending(values) for k, v in pairs(values) do pending[k] = v end end

-- How to insert `text` (a rendered template) into a line: the template
-- starts on a line of its own, the text before and after the cursor stays
-- on lines of their own, untouched. line_text is the current line without
-- its newline, col the cursor's 0-based byte column, mark the template's
-- cursor ({line=, col=} 1-based line, 0-based col) or nil. Returns the
-- lines that replace the current line, and where the cursor goes in them
-- (1-based line, 0-based byte column).
function M.insert_plan(line_text, col, text, mark)
  col = math.max(0, math.min(col or 0, #line_text))
  local before, after = line_text:sub(1, col), line_text:sub(col + 1)
  local out = {}
  if before:find("%S") then out[#out + 1] = before end
  local first = #out + 1
  local body = M.lines(text)
  if #body == 0 then body = { "" } end
  for _, l in ipairs(body) do out[#out + 1] = l end
  if after:find("%S") then out[#out + 1] = after end
  local line, c = first, 0
  if type(mark) == "table" and mark.line then
    line = first + mark.line - 1
    c = mark.col or 0
  end
  return out, line, c
end

local function with_store(ed)
  local s, err = M.store(M.notes_dir())
  if not s then report(ed, err) end
  return s
end

local function person_then(ed, person, done, default)
  if person then return done(person) end
  if not ed.ask then report(ed, "give a person's name") return end
  ed.ask("Person", default or "", function(text)
    if text and text:match("%S") then done(trim(text)) end
  end, function()
    local s = M.store(M.notes_dir())
    return s and M.people(s) or {}
  end)
end

-- The template's asked fields: each asked in turn where the editor can ask
-- (a cancelled question cancels the command), else their defaults; values
-- given with `set` win either way.
function M.ask_fields(ed, kind, done)
  local fields_fn = M.feature("fields")
  local fields = fields_fn and M.call(fields_fn, kind) or {}
  if type(fields) ~= "table" then fields = {} end
  local values = {}
  local given = pending
  pending = {}
  local i = 0
  local function next_field()
    i = i + 1
    local f = fields[i]
    if not f then
      for k, v in pairs(given) do values[k] = v end
      return done(values)
    end
    local default = f.default ~= nil and tostring(f.default) or ""
    if not ed.ask or given[f.key] ~= nil then
      values[f.key] = default
      return next_field()
    end
    ed.ask(M.short_title(f.question or f.key), default, function(answer)
      if answer == nil then report(ed, "cancelled", "info") return end
      values[f.key] = answer == "" and default or answer
      next_field()
    end)
  end
  next_field()
end

-- A new dated note of `kind` for person (asked when nil), opened at its mark.
function M.new_note(ed, kind, person)
  if not with_store(ed) then return end
  person_then(ed, person, function(name)
    M.ask_fields(ed, kind, function(values)
      local s = with_store(ed)
      if not s then return end
      local path, cursor = M.method(s, "new_note", kind, name, values)
      if not path then report(ed, cursor) return end
      local line, col
      if type(cursor) == "table" and cursor.line then line, col = cursor.line, cursor.col or 0 end
      ed.open(M.absolute(path, M.notes_dir()), line, col)
    end)
  end)
end

-- The filled template of `kind` for person, inserted at the cursor.
function M.insert(ed, kind, person)
  local render, err = M.feature("render")
  if not render then report(ed, err) return end
  person_then(ed, person, function(name)
    M.ask_fields(ed, kind, function(values)
      local text, cursor = M.call(render, kind, name, values, { store = M.store(M.notes_dir()) })
      if not text then report(ed, cursor) return end
      ed.insert_at_cursor(text, type(cursor) == "table" and cursor or nil)
    end)
  end)
end

-- The commits of a person (asked when nil), or of the open note.
function M.history(ed, target)
  local s = with_store(ed)
  if not s then return end
  local function show(who)
    local list, err = M.method(s, "history", who, {})
    if not list then report(ed, err) return end
    local lines = {}
    for _, c in ipairs(list) do lines[#lines + 1] = M.history_line(c) end
    if #lines == 0 then lines[1] = "(no commits yet)" end
    ed.show("History of " .. who, lines)
  end
  if target then return show(target) end
  local note = ed.current_note and ed.current_note()
  if note and not ed.ask then return show(note) end
  -- Where the editor asks, the open note's person is the answer offered.
  local rel = note and M.relative(note, M.notes_dir())
  person_then(ed, nil, show, rel and rel:match("^([^/]+)/"))
end

-- The open note, or nil after saying that one must be open.
local function open_note(ed)
  local note = ed.current_note and ed.current_note()
  if not note then report(ed, "open a note of the notes folder first") end
  return note
end

-- The open note, its store and a revision, passed to done(note, store, r):
-- rev when given, else one asked for (ed.ask, offering the note's last
-- commits), else default; with none, "which revision? <usage>". refused(),
-- when given, is asked once the store is open and stops it by returning true.
local function with_revision(ed, rev, default, usage, done, refused)
  local note = open_note(ed)
  local s = note and with_store(ed)
  if not s then return end
  if refused and refused() then return end
  local function go(r)
    if not r then report(ed, "which revision? " .. usage) return end
    done(note, s, r)
  end
  if rev then return go(rev) end
  local commits = (ed.ask or type(default) == "function") and M.method(s, "history", note, { limit = 50 }) or {}
  local ids = {}
  for _, c in ipairs(commits) do ids[#ids + 1] = c.short or (c.id or ""):sub(1, 7) end
  if type(default) == "function" then default = default(ids) end
  if not ed.ask then return go(default) end
  ed.ask("Revision", default or ids[1] or "", function(text)
    if text and text:match("%S") then go(trim(text)) end
  end, function() return ids end)
end

-- The open note as it was at a revision, in a read-only view.
function M.show_version(ed, rev)
  with_revision(ed, rev, nil, "show REV", function(note, s, r)
    local text, err = M.method(s, "show", r, note)
    if not text then report(ed, err) return end
    ed.show((M.relative(note, M.notes_dir()) or note) .. " at " .. r, M.lines(text))
  end)
end

-- The revision a diff of the note starts from when none is given: its
-- version before the last commit that changed it (what the last save
-- changed: saving commits, so the note on disk is HEAD's), else HEAD.
-- ids: the note's commits, newest first.
function M.diff_default(ids)
  return ids[2] or "HEAD"
end

-- The lines of a diff to show; "(no difference)" for an empty one.
function M.diff_lines(text)
  if text == "" then return { "(no difference)" } end
  return M.lines(text)
end

-- What changed in the open note since a revision (by default since its
-- previous version, M.diff_default).
function M.diff(ed, rev)
  with_revision(ed, rev, M.diff_default, "diff REV", function(note, s, r)
    local text, err = M.method(s, "diff", r, nil, note)
    if not text then report(ed, err) return end
    local lines = M.diff_lines(text)
    ed.show("Diff of " .. (M.relative(note, M.notes_dir()) or note) .. " since " .. r, lines)
  end)
end

-- The open note written back as it was at a revision and committed; the
-- editor reads it again. Refused while the note has unsaved changes, which
-- the restore would otherwise throw away.
function M.restore(ed, rev)
  with_revision(ed, rev, nil, "restore REV", function(note, s, r)
    local commit, err = M.method(s, "restore", r, note)
    if commit == nil and err then report(ed, err) return end
    if ed.reload then ed.reload() end
    report(ed, "restored " .. (M.relative(note, M.notes_dir()) or note) .. " from " .. r, "info")
  end, function()
    if not (ed.modified and ed.modified()) then return false end
    report(ed, "save or undo your changes to the note first")
    return true
  end)
end

local dashboards = {
  prompt = { title = "Prompt", lines = function(p) return M.prompt_lines(p) end },
  team = { title = "Team", lines = function(t) return M.team_lines(t) end },
  nudges = { title = "Nudges", lines = function(n)
    local lines = M.nudge_lines(n)
    if #lines == 0 then lines[1] = "Nothing needs your attention." end
    return lines
  end },
  items = { title = "Open items", lines = function(list)
    local lines = require("leadnotes.insights").items_lines(list)
    if #list == 0 then lines[#lines + 1] = "No open items." end
    return lines
  end },
}

-- prompt, team, nudges or items in a read-only view. person: the prompt's
-- or the items'.
function M.dashboard(ed, name, person)
  local board = dashboards[name]
  local fn, err = M.feature(name)
  if not fn then report(ed, err) return end
  local s = with_store(ed)
  if not s then return end
  local arg
  if name == "prompt" then arg = { context = "one-on-one", person = person } end
  if name == "items" then arg = { store = s, person = person } end
  local result, msg = M.call(fn, arg)
  if result == nil then report(ed, msg or ("no " .. name)) return end
  ed.show(board.title, board.lines(result))
end

-- Runs a command of M.commands by id (person optional).
function M.run(ed, id, person)
  for _, c in ipairs(M.commands) do
    if c.id == id then
      if c.insert then return M.insert(ed, c.kind, person) end
      if c.kind then return M.new_note(ed, c.kind, person) end
      if id == "history" then return M.history(ed, person) end
      if id == "show-version" then return M.show_version(ed) end
      if id == "diff" then return M.diff(ed) end
      if id == "restore-version" then return M.restore(ed) end
      return M.dashboard(ed, id, person)
    end
  end
  report(ed, "unknown command " .. tostring(id))
end

-- The subcommands of an editor that takes words (vis's :lead).
M.subcommands = { "one-on-one", "evaluation", "insert", "set", "history", "show", "diff", "restore",
  "prompt", "team", "nudges", "items" }

-- Runs `:lead WORDS...`: one-on-one NAME, evaluation NAME, insert KIND NAME,
-- set KEY=VALUE..., history [NAME], show REV, diff [REV], restore REV (of the
-- open note), prompt [NAME], team, nudges, items [NAME]. Returns
-- false for an unknown subcommand or wrong usage, true otherwise.
function M.dispatch(ed, words)
  local rest = {}
  for i = 2, #words do rest[#rest + 1] = words[i] end
  local name = words[1]
  if name == "one-on-one" or name == "evaluation" then
    local person = M.person(rest)
    if not person then report(ed, "give a person: " .. name .. " NAME") return false end
    M.new_note(ed, name, person)
  elseif name == "insert" then
    local kind, person = rest[1], M.person(rest, 2)
    if not kind or not person then report(ed, "usage: insert KIND NAME") return false end
    M.insert(ed, kind, person)
  elseif name == "set" then
    local values, usage = M.parse_set(rest)
    if not values then report(ed, usage) return false end
    M.set_pending(values)
    local keys = {}
    for k, v in pairs(values) do keys[#keys + 1] = k .. "=" .. v end
    table.sort(keys)
    report(ed, "for the next note: " .. table.concat(keys, ", "), "info")
  elseif name == "history" then
    M.history(ed, M.person(rest))
  elseif name == "show" or name == "restore" then
    if not rest[1] then report(ed, "usage: " .. name .. " REV (of the open note)") return false end
    if name == "show" then M.show_version(ed, rest[1]) else M.restore(ed, rest[1]) end
  elseif name == "diff" then
    M.diff(ed, rest[1])
  elseif name == "prompt" or name == "team" or name == "nudges" or name == "items" then
    M.dashboard(ed, name, M.person(rest))
  else
    report(ed, "subcommands: " .. table.concat(M.subcommands, ", "))
    return false
  end
  return true
end

-- Commits a file just written when it is a note; one line about it.
function M.on_save(ed, path)
  if not M.is_note(path, M.notes_dir()) then return end
  local s = with_store(ed)
  if not s then return end
  local commit, err = M.method(s, "save", path)
  if commit == nil and err then report(ed, err) return end
  if type(commit) == "table" then report(ed, "committed " .. (commit.short or ""), "info") end
end

return M
