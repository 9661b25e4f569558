-- leadnotes.insights.team: the team view (one entry per report) and the
-- nudges, both computed from the same entries.
--
-- Each person's entry and nudges are kept in <gitdir>/leadnotes/team
-- (plugin/summary_cache.c's file format) under a key made of the digest of
-- their folder (core.folder_scan: its files' names and stat data) and of
-- everything else the entry depends on (the date, the options it reads,
-- the manager's name, the notes folder, a digest of the code computing
-- it). A fresh process whose notes did not change reads that one small
-- file and stats each note once. The modules that compute an entry are
-- loaded only when one has to be computed.
local M = {}

local config = require("leadnotes.config")
local validate = require("leadnotes.validate")
local dates = require("leadnotes.insights.dates")

local day_of, date_of, check_date = dates.day_of, dates.date_of, dates.check_date

local function core()
  return package.loaded["leadnotes.core"] or require("leadnotes").core
end

local CAREER_WINDOW = 90 -- days without career talk before it is a gap

-- Team view and nudges.

local function last_note_of(notes, kind, day)
  local last
  for _, note in ipairs(notes) do
    if note.kind == kind and note.day <= day then last = note end
  end
  return last
end

-- Duty gaps: a kind of content the notes have not had for a window of
-- days. Read from the template's sections having content (the summary's
-- lists), never from stray words.
local DUTIES = {
  { name = "career", window = CAREER_WINDOW, has = function(s) return s.career end,
    text = "no talk of career or growth with %s in %d days" },
  { name = "feedback", window = 60, has = function(s) return #s.feedback > 0 end,
    text = "no feedback given to %s in %d days" },
  { name = "recognition", window = 60, has = function(s) return #s.wins > 0 end,
    text = "no win of %s recorded in %d days" },
}

-- The next review on `day`: the profile's NEXT_REVIEW moved on by the
-- review cadence past every evaluation written for it (an evaluation
-- counts for a review from 30 days before its date on).
local REVIEW_EARLY = 30
local function next_review_of(prof, notes, day)
  local review = day_of(prof.next_review)
  if not review then return nil end
  local cadence = prof.review_cadence_days
  for _, note in ipairs(notes) do
    if note.kind == "evaluation" and note.day <= day and note.day >= review - REVIEW_EARLY then
      review = review + cadence
    end
  end
  return review
end

local function person_entry(p, day, me)
  local profile_from = require("leadnotes.insights.people").profile_from
  local open_items_of = require("leadnotes.insights.items").open_items_of
  local prof = profile_from(p.profile, p.dir)
  local last = last_note_of(p.notes, "one-on-one", day)
  local open = open_items_of(p.notes, day + 1)
  local oldest
  for _, st in ipairs(open) do
    if not oldest or st.first_day < oldest then oldest = st.first_day end
  end
  local days_since = last and (day - last.day) or nil
  -- A gap needs notes going back the whole window: a report met twice in
  -- a fortnight has no gap yet.
  local first_day = p.notes[1] and p.notes[1].day
  local gaps = {}
  for _, duty in ipairs(DUTIES) do
    local gap = first_day ~= nil and first_day <= day - duty.window
    for _, note in ipairs(p.notes) do
      if gap and note.day <= day and note.day > day - duty.window and duty.has(note.summary) then gap = false end
    end
    if gap then gaps[#gaps + 1] = duty end
  end
  local review = next_review_of(prof, p.notes, day)
  return {
    person = prof.display,
    dir = p.dir,
    role = prof.role,
    last_one_on_one = last and last.date or nil,
    days_since = days_since,
    cadence_days = prof.cadence_days,
    overdue = days_since == nil or days_since > prof.cadence_days,
    open_items = #open,
    oldest_open_days = oldest and (day - oldest) or nil,
    next_review = review and date_of(review) or nil,
    start_date = prof.start_date,
    _open = open,
    _me = me,
    _gaps = gaps,
    _has_notes = #p.notes > 0,
  }
end

local function public_entry(e)
  local out = {}
  for k, v in pairs(e) do
    if k:sub(1, 1) ~= "_" then out[k] = v end
  end
  return out
end

local nudges_for -- below: the nudges of one entry

-- The team file: <gitdir>/leadnotes/team, one handle per store (held
-- weakly: the file does not keep a closed editor's store alive), false
-- when it cannot be used. Its schema names the code the entries come
-- from: a digest of the Lua files that compute them, so a changed
-- build never reads entries an older one wrote (with the C summary's
-- version, which the binding adds).
local SCHEMA = 1
local SOURCES = { "insights/team.lua", "insights/items.lua", "insights/people.lua", "insights/reading.lua",
  "insights/summaries.lua", "insights/dates.lua", "validate.lua", "config.lua" }
local team_files = setmetatable({}, { __mode = "k" })
local code_digest

local function code_version()
  if code_digest ~= nil then return code_digest end
  code_digest = false
  local src = debug.getinfo(1, "S").source
  local base = src:sub(1, 1) == "@" and src:sub(2):match("^(.*)/insights/[^/]*$")
  if not base then return false end
  local read = require("leadnotes.files").read
  local parts = {}
  for _, rel in ipairs(SOURCES) do
    local text = read(base .. "/" .. rel)
    if not text then return false end
    parts[#parts + 1] = text
  end
  code_digest = core().blob_id(table.concat(parts, "\0"))
  return code_digest
end

local function team_file(store)
  local tf = team_files[store]
  if tf == nil then
    tf = false
    local code = not os.getenv("LEADNOTES_NO_SUMMARY_CACHE") and code_version()
    if code then
      local ok, handle, path = pcall(core().summary_cache_open, store, "team" .. SCHEMA .. ":" .. code, "team")
      if ok and handle then tf = { cache = handle, path = path } end
    end
    team_files[store] = tf
  end
  return tf and tf.cache or nil
end

-- A folder that changed within this many seconds is computed but not kept:
-- a second change within the file system's timestamp granularity might
-- leave its digest as it was. (Tests set it to -1: nothing is racy.)
M.racy_seconds = 2

-- What every entry depends on besides its folder, as a hash.
local function context_key(day, me, notes_dir)
  local o = config.options
  return core().blob_id(table.concat({ date_of(day), tostring(o.cadence_days), tostring(o.review_cadence_days),
    tostring(o.open_item_age_days), tostring(o.review_notice_days), me, notes_dir }, "\n"))
end

-- Records computed in this process, by key; dropped when it grows past
-- a few days' worth.
local memo, memo_size = {}, 0

function M.clear_cache()
  memo, memo_size = {}, 0
  for store, tf in pairs(team_files) do
    if tf then
      tf.cache:close()
      os.remove(tf.path)
    end
    team_files[store] = nil
  end
end
M.stats = { computed = 0, from_file = 0 }

-- A record read back from the file, checked before it is believed: the
-- entry must name its folder.
local function valid_entry(entry, dir)
  return type(entry) == "table" and entry.dir == dir
end

-- The record of one folder: { entry = the public team entry (without
-- conflicts), nudges = its nudges (without conflicts) }, computed from
-- its notes.
local function compute_record(store, dir, day, me)
  local people, err = require("leadnotes.insights.reading").load_notes(store, dir)
  if not people then return nil, err end
  local e = person_entry(people[dir] or { dir = dir, notes = {} }, day, me)
  M.stats.computed = M.stats.computed + 1
  return { entry = public_entry(e), nudges = nudges_for(e, day) }
end

-- The record of a folder from the file: its entry under "e" .. key and its
-- nudges under "n" .. key, apart so that the team view decodes no nudge
-- (it marks them in use, so compacting the file keeps them). nil when
-- the file lacks what is asked, or it does not check out.
local function stored_record(tf, key, dir, want_nudges)
  local entry = tf:get("e" .. key)
  if not valid_entry(entry, dir) then return nil end
  local nudges
  if want_nudges then
    nudges = tf:get("n" .. key)
    if type(nudges) ~= "table" then return nil end
  elseif not tf:has("n" .. key) then
    return nil
  end
  return { entry = entry, nudges = nudges }
end

-- Every person's record on `day`, sorted by folder: from this process's
-- memo, else the team file, else computed (and then kept, unless the
-- folder is racy). The records read from the file hold nudges only when
-- want_nudges.
local function people_of(store, day, want_nudges)
  local folders, root = core().folder_scan(store, M.racy_seconds)
  if not folders then return nil, root end
  local me = require("leadnotes.insights.names").manager_name(store)
  local ctx = context_key(day, me, root)
  local tf = team_file(store)
  local list, computed = {}, 0
  for _, folder in ipairs(folders) do
    local key = folder.digest .. ":" .. ctx
    local rec = memo[key]
    if rec and want_nudges and not rec.nudges then
      -- Kept by a team view: its nudges are still in the file.
      local nudges = tf and tf:get("n" .. key)
      if type(nudges) == "table" then rec.nudges = nudges else rec = nil end
    end
    if not rec and not folder.racy and tf then
      rec = stored_record(tf, key, folder.dir, want_nudges)
      if rec then M.stats.from_file = M.stats.from_file + 1 end
    end
    if not rec then
      local err
      rec, err = compute_record(store, folder.dir, day, me)
      if not rec then return nil, err end
      computed = computed + 1
      if not folder.racy and tf then
        tf:put("e" .. key, rec.entry)
        tf:put("n" .. key, rec.nudges)
      end
    end
    if not folder.racy and memo[key] ~= rec then
      if memo_size >= 8 * #folders + 64 then memo, memo_size = {}, 0 end
      if not memo[key] then memo_size = memo_size + 1 end
      memo[key] = rec
    end
    list[#list + 1] = rec
  end
  if tf then pcall(tf.flush, tf, true) end
  if computed > 0 then
    -- When every folder's notes were looked up, summaries of notes no
    -- longer there may be dropped from the file on disk.
    require("leadnotes.insights.summaries").flush_disk(computed == #folders)
  end
  table.sort(list, function(a, b) return a.entry.dir < b.entry.dir end)
  return list
end

-- The notes a sync left with conflict markers, by person folder:
-- by_dir[dir] = { path, ... } (store:conflicts; none when it fails).
local function conflicts_by_dir(store)
  local by_dir = {}
  local ok, list = pcall(function() return store:conflicts() end)
  for _, path in ipairs(ok and type(list) == "table" and list or {}) do
    local dir = path:match("^([^/]+)/") or ""
    by_dir[dir] = by_dir[dir] or {}
    table.insert(by_dir[dir], path)
  end
  return by_dir
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
  local store, err = opts and opts.store
  if store == nil then store, err = require("leadnotes.insights.reading").open_store(opts) end
  if not store then return nil, err end
  local list, lerr = people_of(store, day)
  if not list then return nil, lerr end
  local by_dir = conflicts_by_dir(store)
  local out = {}
  for i, rec in ipairs(list) do
    local e = {}
    for k, v in pairs(rec.entry) do e[k] = v end
    if by_dir[e.dir] then e.conflicts = #by_dir[e.dir] end
    out[i] = e
  end
  return out
end

local function plural(n, one, many)
  return n == 1 and one or many
end

-- The nudge for a note a sync left with conflict markers; dir is the
-- person's folder ("" for a note outside any).
local function conflict_nudge(dir, path)
  return { person = dir ~= "" and dir or nil, kind = "conflict", path = path,
    text = string.format("unresolved sync conflict in %s: resolve the markers and save", path) }
end

-- The nudges of entry e (as person_entry makes it) on day, conflicts aside.
function nudges_for(e, day)
  local out = {}
  local who = e.person
  if e.days_since == nil then
    -- A report with a folder and no one-on-one yet is overdue too, as the
    -- team view says.
    out[#out + 1] = { person = e.dir, kind = "overdue", text = string.format("no one-on-one with %s yet", who) }
  elseif e.days_since > e.cadence_days then
    out[#out + 1] = { person = e.dir, kind = "overdue",
      text = string.format("no one-on-one with %s for %d days (cadence %d)", who, e.days_since, e.cadence_days) }
  end
  local age = config.options.open_item_age_days or 30
  local old, since = 0, nil
  for _, st in ipairs(e._open) do
    if day - st.first_day > age then
      old = old + 1
      if not since or st.first_day < since then since = st.first_day end
    end
  end
  if old > 0 then
    out[#out + 1] = { person = e.dir, kind = "open_items",
      text = string.format("%d open %s for %s since %s", old, plural(old, "item", "items"), who, date_of(since)) }
  end
  -- Items past their DEADLINE, oldest first, one nudge each; then what the
  -- manager owes this person.
  local late, owed = {}, {}
  for _, st in ipairs(e._open) do
    local due = day_of(st.item.deadline and st.item.deadline:match("%d%d%d%d%-%d%d%-%d%d"))
    local owner = st.item.owner
    local mine = owner == nil or owner:lower() == "me" or owner:lower() == (e._me or ""):lower()
    if due and due < day then late[#late + 1] = { st = st, due = due, mine = mine, owner = owner } end
    if mine then owed[#owed + 1] = st end
  end
  table.sort(late, function(a, b) return a.due < b.due end)
  for _, l in ipairs(late) do
    local whose = l.mine and "yours" or (l.owner or who) .. "'s"
    out[#out + 1] = { person = e.dir, kind = "deadline", due = date_of(l.due),
      text = string.format("\"%s\" (%s, for %s) was due on %s", l.st.text, whose, who, date_of(l.due)) }
  end
  if #owed > 0 then
    table.sort(owed, function(a, b) return a.first_day < b.first_day end)
    out[#out + 1] = { person = e.dir, kind = "owed",
      text = string.format("you owe %s %d %s, the oldest since %s: \"%s\"", who, #owed,
        plural(#owed, "item", "items"), date_of(owed[1].first_day), owed[1].text) }
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
  for _, duty in ipairs(e._gaps) do
    out[#out + 1] = { person = e.dir, kind = "duty_gap", duty = duty.name,
      text = string.format(duty.text, who, duty.window) }
  end
  return out
end

-- leadnotes.nudges([date [, opts]]) -> list of {person=, kind=, text=} | nil,
-- message. kind: "overdue", "open_items", "deadline" (an item past its
-- DEADLINE, oldest first), "owed" (the items the manager owes the person),
-- "review", "duty_gap" (with duty= career, feedback or recognition),
-- "conflict" (a note a sync left with conflict markers, path=). opts.person keeps
-- one person's. The entries are the team view's: what team() shows is what
-- the nudges say.
function M.nudges(date, opts)
  if type(date) == "table" and opts == nil then opts, date = date, nil end
  validate.keys("nudges", opts, { "person", "store" })
  local day = check_date("nudges", date, 1)
  local store, err = opts and opts.store
  if store == nil then store, err = require("leadnotes.insights.reading").open_store(opts) end
  if not store then return nil, err end
  local by_dir = conflicts_by_dir(store)
  local out = {}
  local function add(list)
    for _, n in ipairs(list) do
      local copy = {}
      for k, v in pairs(n) do copy[k] = v end
      out[#out + 1] = copy
    end
  end
  if opts and opts.person then
    -- One person's: read only their folder.
    local reading = require("leadnotes.insights.reading")
    local only, derr = reading.person_dir(store, opts.person)
    if not only then return nil, derr end
    local people, perr = reading.load_notes(store, only)
    if not people then return nil, perr end
    local me = require("leadnotes.insights.names").manager_name(store)
    add(nudges_for(person_entry(people[only] or { dir = only, notes = {} }, day, me), day))
    for _, path in ipairs(by_dir[only] or {}) do out[#out + 1] = conflict_nudge(only, path) end
    return out
  end
  local list, lerr = people_of(store, day, true)
  if not list then return nil, lerr end
  local known = {}
  for _, rec in ipairs(list) do
    local dir = rec.entry.dir
    known[dir] = true
    add(rec.nudges)
    for _, path in ipairs(by_dir[dir] or {}) do out[#out + 1] = conflict_nudge(dir, path) end
  end
  -- A conflicted note outside any person's folder is still a nudge.
  for dir, paths in pairs(by_dir) do
    if not known[dir] then
      for _, path in ipairs(paths) do out[#out + 1] = conflict_nudge(dir, path) end
    end
  end
  return out
end

return M
