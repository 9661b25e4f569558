-- leadnotes.insights: what the notes tell the manager. Leadership prompts,
-- action items carried over from earlier meetings, nudges, the team view,
-- the review packet, and the profile of each report. Everything here is
-- computed from the notes and their git history when asked: no state of its
-- own besides a cache of parsed notes keyed by git blob id.
--
-- Public: prompt, carry_over, nudges, team, packet, profile (also the store
-- method store:profile), template_context (for leadnotes.templates).
local M = {}

local config = require("leadnotes.config")
local file_text = require("leadnotes.files").read

local function core()
  return package.loaded["leadnotes.core"] or require("leadnotes").core
end

-- Counters for tests and benchmarks: how many notes were parsed and read.
M.stats = { parses = 0, reads = 0, history_reads = 0 }

local CAREER_WINDOW = 90     -- days without career talk before it is a gap
local ONBOARDING_WINDOW = 90 -- days after a report's start date
local PROMPT_MEMORY = 30     -- days a prompt is not shown again to the same person

---------------------------------------------------------------------------
-- Dates: days since 1970-01-01 from YYYY-MM-DD and back, in integers (no
-- time zones, no os.time; LuaJIT has no // so math.floor it is).

local floor = math.floor
local validate = require("leadnotes.validate")

local function days_from_civil(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

local function civil_from_days(z)
  z = z + 719468
  local era = floor(z / 146097)
  local doe = z - era * 146097
  local yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365)
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100))
  local mp = floor((5 * doy + 2) / 153)
  local d = doy - floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then y = y + 1 end
  return y, m, d
end

-- Days since the epoch for "YYYY-MM-DD" (or an org timestamp holding one),
-- or nil when it is not a real date.
local function day_of(s)
  if type(s) ~= "string" then return nil end
  local y, m, d = s:match("(%d%d%d%d)%-(%d%d)%-(%d%d)")
  if not y then return nil end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if not validate.valid_ymd(y, m, d) then return nil end -- 2026-02-30, year 0
  return days_from_civil(y, m, d)
end

local function date_of(n)
  local y, m, d = civil_from_days(n)
  return string.format("%04d-%02d-%02d", y, m, d)
end

local function today()
  return os.date("%Y-%m-%d")
end

-- The day (local time) of a commit time in seconds since the epoch.
local function day_of_time(t)
  return day_of(os.date("%Y-%m-%d", t))
end

-- The date argument of a public function: nil means today; anything else
-- must be YYYY-MM-DD (a caller's mistake raises, naming fn).
local function check_date(fn, value, argn)
  if value == nil then return day_of(today()) end
  return day_of(validate.date(fn, value, argn, 4))
end

M._day_of, M._date_of = day_of, date_of

---------------------------------------------------------------------------
-- The store.

-- The configured folder's store is kept open between calls (opening one
-- costs more than a warm team view).
local default_store = { dir = nil, store = nil }

local function open_store(opts)
  if type(opts) == "table" and opts.store ~= nil then return opts.store end
  local dir = config.notes_dir()
  if default_store.store and default_store.dir == dir then return default_store.store end
  local ok, notes = pcall(require, "leadnotes.notes")
  if not ok then return nil, "(leadnotes) the notes store is not available: " .. tostring(notes) end
  -- Reading never creates the notes folder: a missing one is "no notes yet".
  local store, err, code = notes.open(dir, { create = false })
  if not store then return nil, err, code end
  default_store.dir, default_store.store = dir, store
  return store
end

-- A person's folder name from a display name or a folder name.
local function person_dir(store, person)
  if type(store.person_dir) == "function" then
    local dir, err = store:person_dir(person)
    if dir then return dir end
    return nil, err
  end
  return person
end

local function read_file(path)
  local text = file_text(path)
  if text then M.stats.reads = M.stats.reads + 1 end
  return text
end

-- "alice/2026-03-02-one-on-one-2.org" -> {person=, date=, day=, kind=, seq=, ext=}
local function note_info(path)
  local person, file = path:match("^([^/]+)/([^/]+)$")
  if not person then return nil end
  local date, rest, ext = file:match("^(%d%d%d%d%-%d%d%-%d%d)%-?(.-)%.(%w+)$")
  if not date or (ext ~= "org" and ext ~= "md") or not day_of(date) then return nil end
  local seq = tonumber(rest:match("%-(%d+)$")) or 1
  local kind = rest:gsub("%-%d+$", "")
  if kind == "" then kind = "note" end
  return { path = path, person = person, date = date, day = day_of(date), kind = kind, seq = seq, ext = ext }
end
M._note_info = note_info

local function note_order(a, b)
  if a.day ~= b.day then return a.day < b.day end
  if a.seq ~= b.seq then return a.seq < b.seq end
  return a.path < b.path
end

---------------------------------------------------------------------------
-- What one note says, as a summary cached by blob id.

local function trim(s)
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

-- The key an action item is recognised by across notes: lower case, spaces
-- folded, without the annotations leadnotes itself adds when it carries an
-- item over ("(since 2026-01-05, carried 2×)", "[2026-01-05]").
local function item_key(text)
  local t = text:lower()
  if t:find("[%(%[%-\226]") then -- "(", "[", "-", or the first byte of an em/en dash
    t = t:gsub("%s*%b()%s*$", function(paren)
      if paren:find("carried", 1, true) or paren:find("since", 1, true) or paren:find("first", 1, true)
        or paren:find("^%(%d%d%d%d%-%d%d%-%d%d") then
        return ""
      end
    end)
    t = t:gsub("%s*[%-\226\128\147\148]+%s*carried.*$", "")
    t = t:gsub("%s*%[%d%d%d%d%-%d%d%-%d%d[^%]]*%]%s*$", "")
  end
  if t:find("%s%s") or t:find("[\t\r\n\v\f]") then t = t:gsub("%s+", " ") end
  return t:match("^%s*(.-)%s*$")
end
M._item_key = item_key

-- The text of an item as the manager wrote it, without carry annotations.
local function item_text(text)
  if not text:find("(", 1, true) then return trim(text) end
  local t = text:gsub("%s*%b()%s*$", function(paren)
    if paren:find("carried", 1, true) or paren:find("since", 1, true) then return "" end
  end)
  return trim(t)
end

local function split_lines(text)
  local lines = {}
  local cr = text:find("\r", 1, true)
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    lines[#lines + 1] = cr and (line:gsub("\r$", "")) or line
  end
  return lines
end

-- The summary of one note's text: its action items (each once, by key),
-- prompt ids, whether it talks of career or training, its feedback and
-- wins, and its properties. The reading itself is C (ln_note_summarize in
-- plugin/team.c): it runs once per note on a cold team view.
local function summarize(text, ext)
  M.stats.parses = M.stats.parses + 1
  local r = core().note_summary(text, ext == "md")
  local s = { items = {}, prompts = r.prompts, career = r.career, feedback = r.feedback, wins = r.wins,
    properties = {} }
  local seen = {}
  for _, it in ipairs(r.items) do
    local key = item_key(it.text)
    if key ~= "" then
      local prev = seen[key]
      if prev then
        -- The same item twice in one note: open wins (it is still listed).
        if it.open then prev.open = true end
      else
        local item = { key = key, text = item_text(it.text), open = it.open, line = it.line }
        seen[key] = item
        s.items[#s.items + 1] = item
      end
    end
  end
  for _, p in ipairs(r.properties) do
    local key = p[1]:upper()
    if s.properties[key] == nil then s.properties[key] = p[2] end
  end
  return s
end
M._summarize = summarize

-- Cache of summaries: a committed, unchanged note by its blob id; a note
-- that differs from HEAD (or may: its stat data changed) by its path and
-- stat signature, so that it too is read once until it changes again.
local cache = {}
local cache_size = 0
local CACHE_MAX = 200000

local function cached_summary(dir, file, ext)
  local key
  if file.blob and not file.dirty then
    key = file.blob
  elseif file.stat then
    key = "stat:" .. file.path .. ":" .. file.stat
  end
  if key then
    local hit = cache[key]
    if hit then return hit end
  end
  local text = read_file(dir .. "/" .. file.path)
  if not text then return nil end
  -- A changed file may already be known by its content's blob id (it was
  -- committed, or changed back); it is remembered under that id too, so
  -- committing it later does not make it read again.
  local blob = key ~= file.blob and core().blob_id(text) or nil
  local s = blob and cache[blob] or summarize(text, ext)
  if cache_size >= CACHE_MAX then cache, cache_size = {}, 0 end
  if key then cache[key] = s end
  if blob then cache[blob] = s end
  cache_size = cache_size + 2
  return s
end

-- M.clear_cache() drops every cached summary and entry (tests use it to
-- measure a cold call); defined below with the per-person cache.

-- Every note of every person (or of one folder), summarised:
-- people[dir] = { notes = {info..., summary=}, profile = summary|nil }.
local function load_notes(store, under)
  local files, dir = core().team_files(store, under)
  if not files then return nil, dir end
  local people = {}
  local function person(name)
    local p = people[name]
    if not p then
      p = { dir = name, notes = {} }
      people[name] = p
    end
    return p
  end
  for _, file in ipairs(files) do
    local pname, base = file.path:match("^([^/]+)/([^/]+)$")
    if pname and pname:sub(1, 1) ~= "." then
      if base == "profile.org" then
        person(pname).profile = cached_summary(dir, file, "org")
      else
        local info = note_info(file.path)
        if info then
          info.summary = cached_summary(dir, file, info.ext)
          if info.summary then
            local notes = person(pname).notes
            notes[#notes + 1] = info
          end
        end
      end
    end
  end
  for _, p in pairs(people) do table.sort(p.notes, note_order) end
  return people, dir
end

---------------------------------------------------------------------------
-- Profiles: <person>/profile.org, properties in the drawer of its first
-- headline.

local PROFILE_KEYS = {
  -- field     = { property, other names accepted when reading }
  role = { "ROLE", { "ROLE", "TITLE_ROLE", "POSITION" } },
  start_date = { "START_DATE", { "START_DATE", "START", "STARTED" } },
  cadence_days = { "CADENCE_DAYS", { "CADENCE_DAYS", "CADENCE", "ONE_ON_ONE_CADENCE" } },
  next_review = { "NEXT_REVIEW", { "NEXT_REVIEW", "REVIEW", "REVIEW_DATE" } },
  name = { "NAME", { "NAME" } },
}
local PROFILE_ORDER = { "name", "role", "start_date", "cadence_days", "next_review" }

local function profile_from(summary, dirname)
  local props = summary and summary.properties or {}
  local out = { person = dirname }
  for field, spec in pairs(PROFILE_KEYS) do
    for _, key in ipairs(spec[2]) do
      if props[key] and props[key] ~= "" then out[field] = props[key] break end
    end
  end
  if out.start_date then out.start_date = out.start_date:match("%d%d%d%d%-%d%d%-%d%d") end
  if out.next_review then out.next_review = out.next_review:match("%d%d%d%d%-%d%d%-%d%d") end
  local cadence = tonumber(out.cadence_days and tostring(out.cadence_days):match("^%s*(%d+)"))
  if cadence and (cadence < 1 or cadence > 365) then cadence = nil end
  out.cadence_days = cadence or config.options.cadence_days or 14
  out.exists = summary ~= nil
  return out
end

local function profile_text(old, fields, dirname)
  local values = {}
  for _, field in ipairs(PROFILE_ORDER) do
    if fields[field] ~= nil then values[PROFILE_KEYS[field][1]] = tostring(fields[field]) end
  end
  if not old or old == "" then
    local lines = { "#+TITLE: " .. (fields.name or dirname), "", "* Profile", ":PROPERTIES:" }
    for _, field in ipairs(PROFILE_ORDER) do
      local key = PROFILE_KEYS[field][1]
      if values[key] then lines[#lines + 1] = string.format(":%s: %s", key, values[key]) end
    end
    lines[#lines + 1] = ":END:"
    lines[#lines + 1] = ""
    return table.concat(lines, "\n")
  end
  local lines = split_lines(old)
  if lines[#lines] == "" then lines[#lines] = nil end
  -- The first property drawer right under the first headline.
  local head, open_at, end_at
  for i, line in ipairs(lines) do
    if line:match("^%*+%s") then head = i break end
  end
  if head then
    local j = head + 1
    if lines[j] and trim(lines[j]):match("^[A-Z]+:%s*[<%[]") then j = j + 1 end
    if lines[j] and trim(lines[j]):upper() == ":PROPERTIES:" then
      open_at = j
      for k = j + 1, #lines do
        if trim(lines[k]):upper() == ":END:" then end_at = k break end
        if lines[k]:match("^%*+%s") then break end
      end
    end
  end
  if not end_at then
    -- No drawer: put a profile headline with one at the top.
    local new = profile_text(nil, fields, dirname)
    return new .. "\n" .. table.concat(lines, "\n") .. "\n"
  end
  local done = {}
  for k = open_at + 1, end_at - 1 do
    local key = trim(lines[k]):match("^:([%w_%-]+):")
    if key then
      key = key:upper()
      for _, field in ipairs(PROFILE_ORDER) do
        local spec = PROFILE_KEYS[field]
        for _, alias in ipairs(spec[2]) do
          if alias == key and values[spec[1]] and not done[spec[1]] then
            lines[k] = string.format(":%s: %s", spec[1], values[spec[1]])
            done[spec[1]] = true
          end
        end
      end
    end
  end
  local extra = {}
  for _, field in ipairs(PROFILE_ORDER) do
    local key = PROFILE_KEYS[field][1]
    if values[key] and not done[key] then extra[#extra + 1] = string.format(":%s: %s", key, values[key]) end
  end
  for i = #extra, 1, -1 do table.insert(lines, end_at, extra[i]) end
  return table.concat(lines, "\n") .. "\n"
end

-- store:profile(person [, fields]) -> profile | nil, message, code
-- Without fields: reads <person>/profile.org into {person=, name=, role=,
-- start_date=, cadence_days=, next_review=, exists=}. With fields: writes
-- those (others kept), commits the file, and returns the profile read back.
function M.profile(store, person, fields)
  if type(person) ~= "string" or person == "" then
    error("profile: bad argument #1 (person name expected)", 2)
  end
  if fields ~= nil and type(fields) ~= "table" then
    error("profile: bad argument #2 (table of fields expected)", 2)
  end
  if fields then
    local given = fields
    fields = {}
    for key, value in pairs(given) do
      if not PROFILE_KEYS[key] then error("profile: unknown field '" .. tostring(key) .. "'", 2) end
      if (key == "start_date" or key == "next_review") and not validate.is_date(value) then
        error("profile: " .. key .. " must be YYYY-MM-DD: " .. validate.date_problem(value), 2)
      end
      if key == "cadence_days" then
        local days, why = validate.whole(value, 1, 365)
        if not days then error("profile: cadence_days (days between one-on-ones) " .. why, 2) end
        value = string.format("%d", days)
      end
      if tostring(value):find("%c") then error("profile: " .. key .. " must be one line of text", 2) end
      fields[key] = value
    end
  end
  local dirname, err = person_dir(store, person)
  if not dirname then return nil, err, "invalid" end
  local files, dir = core().team_files(store, dirname)
  if not files then return nil, dir end
  local path = dirname .. "/profile.org"
  local old
  for _, f in ipairs(files) do
    if f.path == path then old = read_file(dir .. "/" .. path) end
  end
  if fields and next(fields) ~= nil then
    local text = profile_text(old, fields, dirname)
    local ok, werr, wcode = core().write_note(store, path, text)
    if not ok then return nil, werr, wcode end
    local commit, serr, scode = store:save(path, string.format("%s: profile", dirname))
    if commit == nil and serr then return nil, serr, scode end
    old = text
  end
  return profile_from(old and summarize(old, "org") or nil, dirname)
end

---------------------------------------------------------------------------
-- Carry-over: open action items of earlier notes.

-- The open items of a person's notes dated before `day` (all notes when day
-- is nil): each once, with the note it was first written in and how many
-- notes listed it open. Closed in a later note = not open.
local function open_items_of(notes, day)
  local state, order = {}, {}
  for _, note in ipairs(notes) do
    if day == nil or note.day < day then
      for _, item in ipairs(note.summary.items) do
        local st = state[item.key]
        if not st then
          st = { key = item.key, text = item.text, first_note = note, carried = 0 }
          state[item.key] = st
          order[#order + 1] = st
        end
        st.open = item.open
        st.last_note = note
        if item.open then st.carried = st.carried + 1 end
      end
    end
  end
  local out = {}
  for _, st in ipairs(order) do
    if st.open then out[#out + 1] = st end
  end
  return out
end

-- The day git first saw each wanted item key in the person's notes: walks
-- the person's history oldest first, reading each changed note as it was.
-- Returns found[key] = { day=, commit= } for keys seen.
local history_cache = {}
local history_cache_size = 0

local function commit_summary(store, id, path, ext)
  local key = id .. ":" .. path
  local s = history_cache[key]
  if s ~= nil then return s or nil end
  local text = store:show(id, path)
  M.stats.history_reads = M.stats.history_reads + 1
  if type(text) == "string" then s = summarize(text, ext) else s = false end
  if history_cache_size > 50000 then history_cache, history_cache_size = {}, 0 end
  history_cache[key] = s
  history_cache_size = history_cache_size + 1
  return s or nil
end

-- Walks the person's history oldest first; calls visit(commit_day, info,
-- summary, commit) for every note a commit changed. visit returns true to
-- stop.
local function walk_history(store, dirname, visit)
  local hist, err = store:history(dirname)
  if not hist then return nil, err end
  for i = #hist, 1, -1 do
    local c = hist[i]
    local day = day_of_time(c.time)
    local paths = c.paths or {}
    table.sort(paths)
    for _, path in ipairs(paths) do
      local info = note_info(path)
      if info and info.person == dirname then
        local s = commit_summary(store, c.id, path, info.ext)
        if s and visit(day, info, s, c) then return true end
      end
    end
  end
  return true
end

local function first_seen(store, dirname, wanted)
  local found, left = {}, 0
  for _ in pairs(wanted) do left = left + 1 end
  if left == 0 then return found end
  walk_history(store, dirname, function(day, _, s)
    for _, item in ipairs(s.items) do
      if wanted[item.key] and not found[item.key] then
        found[item.key] = day
        left = left - 1
      end
    end
    return left == 0
  end)
  return found
end

local function check_person(fn, person)
  if type(person) ~= "string" or person == "" then
    error(fn .. ": bad argument #1 (person name expected, got " .. type(person) .. ")", 3)
  end
end

-- leadnotes.carry_over(person [, date [, opts]]) -> list of
-- { text=, first_seen=, carried=, note= } | nil, message
-- The open action items of the person's notes dated before date (default
-- today), oldest first; first_seen is the day git first saw the item (the
-- note's own date when it was never committed).
function M.carry_over(person, date, opts)
  check_person("carry_over", person)
  if type(date) == "table" and opts == nil then opts, date = date, nil end
  validate.keys("carry_over", opts, { "store" })
  local day = check_date("carry_over", date, 2)
  local store, err = open_store(opts)
  if not store then return nil, err end
  local dirname, derr = person_dir(store, person)
  if not dirname then return nil, derr end
  local people, lerr = load_notes(store, dirname)
  if not people then return nil, lerr end
  local p = people[dirname]
  if not p then return {} end
  local open = open_items_of(p.notes, day)
  local wanted = {}
  for _, st in ipairs(open) do wanted[st.key] = true end
  local seen = first_seen(store, dirname, wanted)
  local out = {}
  for _, st in ipairs(open) do
    local first = seen[st.key] or st.first_note.day
    out[#out + 1] = { text = st.text, first_seen = date_of(first), carried = st.carried,
      note = st.first_note.path, _day = first }
  end
  table.sort(out, function(a, b)
    if a._day ~= b._day then return a._day < b._day end
    return a.text < b.text
  end)
  for _, item in ipairs(out) do item._day = nil end
  return out
end

---------------------------------------------------------------------------
-- Prompts.

local bank_cache = { signature = nil, bank = nil }

local function builtin_bank_path()
  local root = require("leadnotes").root or "."
  return root .. "/templates/prompts.org"
end

-- The bank: the built-in (or the user's templates_dir/prompts.org, which
-- replaces it by name), plus prompts_file, minus disabled_prompts.
function M.bank()
  local o = config.options
  local base = builtin_bank_path()
  if o.templates_dir and file_text(o.templates_dir .. "/prompts.org") then
    base = o.templates_dir .. "/prompts.org"
  end
  local disabled = {}
  for _, id in ipairs(o.disabled_prompts or {}) do disabled[#disabled + 1] = tostring(id) end
  local signature = table.concat({ base, o.prompts_file or "", table.concat(disabled, ",") }, "\0")
  local texts = { file_text(base) or "" }
  if o.prompts_file then
    local user = file_text(o.prompts_file)
    if not user then return nil, "(leadnotes) cannot read prompts_file " .. o.prompts_file, "not found" end
    texts[2] = user
  end
  local whole = table.concat(texts, "\0")
  if bank_cache.signature == signature and bank_cache.text == whole then return bank_cache.bank end
  local bank = core().prompts_new()
  local ok, err = bank:add(texts[1])
  if not ok then return nil, "(leadnotes) prompt bank " .. base .. ": " .. tostring(err), "parse" end
  if texts[2] then
    ok, err = bank:add(texts[2])
    if not ok then return nil, "(leadnotes) prompts_file " .. o.prompts_file .. ": " .. tostring(err), "parse" end
  end
  for _, id in ipairs(disabled) do bank:disable(id) end
  bank_cache = { signature = signature, text = whole, bank = bank }
  return bank
end

local CONTEXTS = {
  ["one-on-one"] = "one-on-one", one_on_one = "one-on-one", ["1on1"] = "one-on-one",
  evaluation = "evaluation", review = "evaluation",
  weekly = "weekly", ["weekly-reflection"] = "weekly", reflection = "weekly",
  onboarding = "onboarding", ["first-months"] = "onboarding",
}

-- What the notes say for choosing a person's prompt on `day`: ids shown
-- in the PROMPT_MEMORY days before, whether career went untalked of for
-- CAREER_WINDOW days, whether the report started within ONBOARDING_WINDOW.
local function prompt_signals(store, person, day)
  local dirname = person_dir(store, person)
  if not dirname then return {} end
  local people = load_notes(store, dirname)
  local p = people and people[dirname]
  local sig = { seen = {}, career_gap = true, onboarding = false }
  if not p then return sig end
  for _, note in ipairs(p.notes) do
    if note.day < day then
      if note.day >= day - PROMPT_MEMORY then
        for _, id in ipairs(note.summary.prompts) do sig.seen[#sig.seen + 1] = id end
      end
      if note.day >= day - CAREER_WINDOW and note.summary.career then sig.career_gap = false end
    end
  end
  local prof = profile_from(p.profile, dirname)
  local start = day_of(prof.start_date)
  if start and day >= start and day - start < ONBOARDING_WINDOW then sig.onboarding = true end
  return sig
end

-- leadnotes.prompt({context=, person=, date=, store=}) -> {id=, text=,
-- duties=, kind=, contexts=, reason=} | nil, message
function M.prompt(opts)
  if opts ~= nil and type(opts) ~= "table" then
    error("prompt: bad argument #1 (table expected, got " .. type(opts) .. ")", 2)
  end
  opts = validate.keys("prompt", opts or {}, { "context", "date", "person", "store" })
  local context = opts.context or "one-on-one"
  if not CONTEXTS[context] then
    error("prompt: unknown context '" .. tostring(context) .. "' (one-on-one, evaluation, weekly, onboarding)", 2)
  end
  context = CONTEXTS[context]
  if opts.person ~= nil and type(opts.person) ~= "string" then
    error("prompt: person must be a string", 2)
  end
  local day = check_date("prompt", opts.date, 1)
  local bank, berr, bcode = M.bank()
  if not bank then return nil, berr, bcode end
  local query = { context = context, person = opts.person, date = date_of(day),
    seen = {}, prefer_duties = {}, prefer_contexts = {} }
  local reasons = {}
  if context == "evaluation" then reasons[#reasons + 1] = "evaluation" end
  if opts.person and opts.person ~= "" then
    local store = opts.store
    if store == nil then store = open_store(opts) end
    if store then
      local sig = prompt_signals(store, opts.person, day)
      query.seen = sig.seen or {}
      if sig.onboarding then
        query.prefer_contexts[1] = "onboarding"
        reasons[#reasons + 1] = "onboarding"
      end
      if sig.career_gap and context ~= "evaluation" then
        query.prefer_duties[1] = "training"
        reasons[#reasons + 1] = "career gap"
      end
    end
  end
  local p, err, code = bank:select(query)
  if not p then return nil, err, code end
  p.reason = table.concat(reasons, ", ")
  return p
end

---------------------------------------------------------------------------
-- Team view and nudges.

local function last_note_of(notes, kind, day)
  local last
  for _, note in ipairs(notes) do
    if note.kind == kind and note.day <= day then last = note end
  end
  return last
end

local function person_entry(p, day)
  local prof = profile_from(p.profile, p.dir)
  local last = last_note_of(p.notes, "one-on-one", day)
  local open = open_items_of(p.notes, day + 1)
  local oldest
  for _, st in ipairs(open) do
    if not oldest or st.first_note.day < oldest then oldest = st.first_note.day end
  end
  local days_since = last and (day - last.day) or nil
  -- A gap needs notes going back the whole window: a report met twice in
  -- a fortnight has no gap yet.
  local first_day = p.notes[1] and p.notes[1].day
  local career_gap = first_day ~= nil and first_day <= day - CAREER_WINDOW
  for _, note in ipairs(p.notes) do
    if note.day <= day and note.day > day - CAREER_WINDOW and note.summary.career then career_gap = false end
  end
  return {
    person = prof.name or p.dir,
    dir = p.dir,
    role = prof.role,
    last_one_on_one = last and last.date or nil,
    days_since = days_since,
    cadence_days = prof.cadence_days,
    overdue = days_since == nil or days_since > prof.cadence_days,
    open_items = #open,
    oldest_open_days = oldest and (day - oldest) or nil,
    next_review = prof.next_review,
    start_date = prof.start_date,
    _open = open,
    _career_gap = career_gap,
    _has_notes = #p.notes > 0,
  }
end

-- Per person: the summaries of their notes and the entries computed from
-- them, kept while the digest of their folder (paths, blob ids, stat data)
-- stays the same. people_cache[notes_dir .. "/" .. person] = { digest=,
-- person=, entries={ [day..":"..cadence] = entry } }.
local people_cache = {}

function M.clear_cache()
  cache, cache_size = {}, 0
  people_cache = {}
end

local function people_of(store, day)
  local folders, dir = core().team_folders(store)
  if not folders then return nil, dir end
  local list = {}
  local entry_key = day .. ":" .. tostring(config.options.cadence_days)
  for _, folder in ipairs(folders) do
    if folder.dir:sub(1, 1) ~= "." then
      local key = dir .. "/" .. folder.dir
      local pc = people_cache[key]
      if not pc or pc.digest ~= folder.digest then
        local people, err = load_notes(store, folder.dir)
        if not people then return nil, err end
        pc = { digest = folder.digest, person = people[folder.dir] or { dir = folder.dir, notes = {} },
          entries = {}, entry_count = 0 }
        people_cache[key] = pc
      end
      local e = pc.entries[entry_key]
      if not e then
        if pc.entry_count >= 8 then pc.entries, pc.entry_count = {}, 0 end
        e = person_entry(pc.person, day)
        pc.entries[entry_key] = e
        pc.entry_count = pc.entry_count + 1
      end
      list[#list + 1] = e
    end
  end
  table.sort(list, function(a, b) return a.dir < b.dir end)
  return list
end

local function public_entry(e)
  local out = {}
  for k, v in pairs(e) do
    if k:sub(1, 1) ~= "_" then out[k] = v end
  end
  return out
end

-- The notes a sync left with conflict markers that are not resolved yet
-- (store:conflicts(), kept until a marker-free version is saved), by
-- person folder: { dir = { path, ... } }.
local function conflicts_by_person(store)
  local by = {}
  local ok, list = pcall(function() return store:conflicts() end)
  for _, path in ipairs(ok and type(list) == "table" and list or {}) do
    local dir = path:match("^([^/]+)/")
    if dir then
      by[dir] = by[dir] or {}
      by[dir][#by[dir] + 1] = path
    end
  end
  return by
end

-- leadnotes.team([date [, opts]]) -> list of {person=, dir=, last_one_on_one=,
-- days_since=, cadence_days=, overdue=, open_items=, oldest_open_days=,
-- next_review=, conflicts=} | nil, message. conflicts: how many of the
-- person's notes hold unresolved sync conflicts (nil when none). Unchanged
-- notes are not read again.
function M.team(date, opts)
  if type(date) == "table" and opts == nil then opts, date = date, nil end
  validate.keys("team", opts, { "store" })
  local day = check_date("team", date, 1)
  local store, err = open_store(opts)
  if not store then return nil, err end
  local list, lerr = people_of(store, day)
  if not list then return nil, lerr end
  local out = {}
  local conflicts = conflicts_by_person(store)
  for i, e in ipairs(list) do
    out[i] = public_entry(e)
    out[i].conflicts = conflicts[e.dir] and #conflicts[e.dir] or nil
  end
  return out
end

local function plural(n, one, many)
  return n == 1 and one or many
end

local function nudges_for(e, day)
  local out = {}
  local who = e.person
  if e.days_since == nil then
    if e._has_notes then
      out[#out + 1] = { person = e.dir, kind = "overdue", text = string.format("no one-on-one with %s yet", who) }
    end
  elseif e.days_since > e.cadence_days then
    out[#out + 1] = { person = e.dir, kind = "overdue",
      text = string.format("no one-on-one with %s for %d days (cadence %d)", who, e.days_since, e.cadence_days) }
  end
  local age = config.options.open_item_age_days or 30
  local old, since = 0, nil
  for _, st in ipairs(e._open) do
    if day - st.first_note.day > age then
      old = old + 1
      if not since or st.first_note.day < since then since = st.first_note.day end
    end
  end
  if old > 0 then
    out[#out + 1] = { person = e.dir, kind = "open_items",
      text = string.format("%d open %s for %s since %s", old, plural(old, "item", "items"), who, date_of(since)) }
  end
  local review = day_of(e.next_review)
  local notice = config.options.review_notice_days or 14
  if review then
    local left = review - day
    if left < 0 then
      out[#out + 1] = { person = e.dir, kind = "review",
        text = string.format("review of %s was due on %s", who, e.next_review) }
    elseif left <= notice then
      out[#out + 1] = { person = e.dir, kind = "review",
        text = string.format("review of %s due in %d %s (%s)", who, left, plural(left, "day", "days"), e.next_review) }
    end
  end
  if e._has_notes and e._career_gap then
    out[#out + 1] = { person = e.dir, kind = "duty_gap",
      text = string.format("no talk of career or training with %s in %d days", who, CAREER_WINDOW) }
  end
  return out
end

-- leadnotes.nudges([date [, opts]]) -> list of {person=, kind=, text=} | nil,
-- message. kind: "conflict", "overdue", "open_items", "review", "duty_gap". opts.person
-- keeps one person's.
function M.nudges(date, opts)
  if type(date) == "table" and opts == nil then opts, date = date, nil end
  validate.keys("nudges", opts, { "person", "store" })
  local day = check_date("nudges", date, 1)
  local store, err = open_store(opts)
  if not store then return nil, err end
  local list, lerr, only
  if opts and opts.person then
    -- One person's: read only their folder.
    local derr
    only, derr = person_dir(store, opts.person)
    if not only then return nil, derr end
    local people, perr = load_notes(store, only)
    if not people then return nil, perr end
    list = { person_entry(people[only] or { dir = only, notes = {} }, day) }
  else
    list, lerr = people_of(store, day)
    if not list then return nil, lerr end
  end
  local out = {}
  local conflicts = conflicts_by_person(store)
  for _, e in ipairs(list) do
    if not only or e.dir == only then
      for _, path in ipairs(conflicts[e.dir] or {}) do
        out[#out + 1] = { person = e.dir, kind = "conflict", path = path,
          text = string.format("%s still holds both versions from a sync (between <<<<<<< and >>>>>>>): "
            .. "keep what is right and save it", path) }
      end
      for _, n in ipairs(nudges_for(e, day)) do out[#out + 1] = n end
    end
  end
  return out
end

---------------------------------------------------------------------------
-- The review packet.

local function org_escape(s)
  -- A line of ours must never become a headline or a keyword line.
  s = s:gsub("[\r\n]+", " ")
  if s:match("^%*") or s:match("^#%+") then s = " " .. s end
  return s
end

-- leadnotes.packet(person, from, to [, opts]) -> org text | nil, message
-- Everything about the person between from and to (YYYY-MM-DD, inclusive):
-- meetings, action items opened and closed, feedback and wins, each dated by
-- the day git first saw it, not by the date the note claims.
function M.packet(person, from, to, opts)
  check_person("packet", person)
  validate.keys("packet", opts, { "level", "store" })
  local from_day = check_date("packet", from, 2)
  local to_day = check_date("packet", to, 3)
  if from == nil or to == nil then error("packet: from and to dates are required", 2) end
  if from_day > to_day then error("packet: from is after to", 2) end
  local store, err = open_store(opts)
  if not store then return nil, err end
  local dirname, derr = person_dir(store, person)
  if not dirname then return nil, derr end

  local meetings, opened, closed, feedback, wins = {}, {}, {}, {}, {}
  local seen_note, seen_open, seen_closed, seen_fb, seen_win = {}, {}, {}, {}, {}
  local ok, herr = walk_history(store, dirname, function(day, info, s)
    if not seen_note[info.path] then
      seen_note[info.path] = true
      meetings[#meetings + 1] = { day = day, text = info.kind, path = info.path, claims = info.date }
    end
    for _, item in ipairs(s.items) do
      if not seen_open[item.key] then
        seen_open[item.key] = true
        opened[#opened + 1] = { day = day, text = item.text, path = info.path }
      end
      if not item.open and not seen_closed[item.key] then
        seen_closed[item.key] = true
        closed[#closed + 1] = { day = day, text = item.text, path = info.path }
      end
    end
    for _, line in ipairs(s.feedback) do
      local key = item_key(line)
      if not seen_fb[key] then
        seen_fb[key] = true
        feedback[#feedback + 1] = { day = day, text = line, path = info.path }
      end
    end
    for _, line in ipairs(s.wins) do
      local key = item_key(line)
      if not seen_win[key] then
        seen_win[key] = true
        wins[#wins + 1] = { day = day, text = line, path = info.path }
      end
    end
    return false
  end)
  if not ok then return nil, herr end

  local function in_period(list)
    local out = {}
    for _, e in ipairs(list) do
      if e.day >= from_day and e.day <= to_day then out[#out + 1] = e end
    end
    table.sort(out, function(a, b)
      if a.day ~= b.day then return a.day < b.day end
      return a.text < b.text
    end)
    return out
  end
  local prof = M.profile(store, dirname)
  -- opts.level > 1: headlines at that level, no file keywords, for a packet
  -- placed inside another note (an evaluation).
  local level = type(opts) == "table" and tonumber(opts.level) or 1
  level = math.max(1, math.min(8, floor(level)))
  local stars = string.rep("*", level)
  local lines = {}
  if level == 1 then
    lines[#lines + 1] = "#+TITLE: Review packet: " .. org_escape((prof and prof.name) or dirname)
    lines[#lines + 1] = string.format("#+DATE: [%s]--[%s]", date_of(from_day), date_of(to_day))
    lines[#lines + 1] = ""
  end
  lines[#lines + 1] = "Every entry is dated by the day git first saw it in the notes, not by the"
  lines[#lines + 1] = "date a note gives itself."
  lines[#lines + 1] = ""
  if prof and (prof.role or prof.start_date) then
    lines[#lines + 1] = stars .. " Profile"
    if prof.role then lines[#lines + 1] = "- Role: " .. org_escape(prof.role) end
    if prof.start_date then lines[#lines + 1] = "- Started: [" .. prof.start_date .. "]" end
    lines[#lines + 1] = ""
  end
  local function section(title, list, fmt)
    local items = in_period(list)
    lines[#lines + 1] = string.format("%s %s (%d)", stars, title, #items)
    for _, e in ipairs(items) do lines[#lines + 1] = fmt(e) end
    if #items == 0 then lines[#lines + 1] = "- none in this period" end
    lines[#lines + 1] = ""
  end
  section("Meetings", meetings, function(e)
    local claim = e.claims ~= date_of(e.day) and string.format(" (the note says %s)", e.claims) or ""
    return string.format("- [%s] %s: [[file:%s][%s]]%s", date_of(e.day), e.text, e.path, e.path, claim)
  end)
  section("Action items opened", opened, function(e)
    return string.format("- [%s] %s", date_of(e.day), org_escape(e.text))
  end)
  section("Action items closed", closed, function(e)
    return string.format("- [%s] %s", date_of(e.day), org_escape(e.text))
  end)
  section("Feedback", feedback, function(e)
    return string.format("- [%s] %s", date_of(e.day), org_escape(e.text))
  end)
  section("Wins", wins, function(e)
    return string.format("- [%s] %s", date_of(e.day), org_escape(e.text))
  end)
  while lines[#lines] == "" do lines[#lines] = nil end
  return table.concat(lines, "\n") .. "\n"
end

---------------------------------------------------------------------------
-- For leadnotes.templates: what a new note's template shows.

-- template_context(kind, person, date_iso, opts) -> { open_items=, prompt=,
-- nudges=, previous_meeting=, role=, person=, and for an evaluation packet=
-- (org text, level-3 headlines) and packet_from= } (fields left out when
-- they cannot be computed; never raises for a failure of the world).
function M.template_context(kind, person, date_iso, opts)
  opts = opts or {}
  local out = { open_items = {}, nudges = {} }
  if type(person) ~= "string" or person == "" then return out end
  local day = day_of(date_iso or "") or day_of(today())
  local date = date_of(day)
  local store = open_store(opts)
  if not store then return out end
  local sopts = { store = store }
  local items = M.carry_over(person, date, sopts)
  if items then
    for _, item in ipairs(items) do
      out.open_items[#out.open_items + 1] = { text = item.text, first_seen = item.first_seen, carried = item.carried }
    end
  end
  local context = CONTEXTS[kind or ""] or "one-on-one"
  local ok, p = pcall(M.prompt, { context = context, person = person, date = date, store = store })
  if ok and p then out.prompt = { id = p.id, text = p.text, duties = p.duties, kind = p.kind } end
  local dirname = person_dir(store, person)
  local prof = dirname and M.profile(store, dirname)
  if prof and prof.exists then
    out.role = prof.role
    out.person = { role = prof.role, start_date = prof.start_date, cadence_days = prof.cadence_days,
      next_review = prof.next_review }
  end
  local nudges = dirname and M.nudges(date, { store = store, person = dirname })
  if nudges then
    for _, n in ipairs(nudges) do out.nudges[#out.nudges + 1] = { text = n.text, kind = n.kind } end
  end
  -- An evaluation gets the review packet of the period since the previous
  -- evaluation (else the last year), as subheadlines (level 3).
  if dirname and (kind == "evaluation") then
    local from = day - 365
    local people0 = load_notes(store, dirname)
    for _, note in ipairs(people0 and people0[dirname] and people0[dirname].notes or {}) do
      if note.kind == "evaluation" and note.day < day and note.day + 1 > from then from = note.day + 1 end
    end
    local ok2, text = pcall(M.packet, dirname, date_of(from), date, { store = store, level = 3 })
    if ok2 and type(text) == "string" then
      out.packet = text
      out.packet_from = date_of(from)
    end
  end
  if dirname then
    local people = load_notes(store, dirname)
    local p2 = people and people[dirname]
    if p2 then
      local prev
      for _, note in ipairs(p2.notes) do
        if note.day < day and (note.kind == kind or kind == nil) then prev = note end
      end
      if not prev then
        for _, note in ipairs(p2.notes) do
          if note.day < day and note.kind == "one-on-one" then prev = note end
        end
      end
      if prev then out.previous_meeting = prev.date end
    end
  end
  return out
end

-- store:profile is a method of every store handle: plugin/lua_team.c adds
-- it to the store's methods and forwards to M.profile.

return M
