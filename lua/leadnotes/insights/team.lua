-- leadnotes.insights.team: the team view (one entry per report) and the
-- nudges, both computed from the same entries.
local M = {}

local config = require("leadnotes.config")
local validate = require("leadnotes.validate")
local dates = require("leadnotes.insights.dates")
local summaries = require("leadnotes.insights.summaries")
local reading = require("leadnotes.insights.reading")
local profiles = require("leadnotes.insights.people")
local action_items = require("leadnotes.insights.items")

local core = summaries.core
local day_of, date_of, check_date = dates.day_of, dates.date_of, dates.check_date
local open_store, person_dir, load_notes = reading.open_store, reading.person_dir, reading.load_notes
local profile_from, open_items_of = profiles.profile_from, action_items.open_items_of

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

-- Per person: the summaries of their notes and the entries computed from
-- them, kept while the digest of their folder (paths, blob ids, stat data)
-- stays the same. people_cache[notes_dir .. "/" .. person] = { digest=,
-- person=, entries={ [day..":"..cadence] = entry } }.
local people_cache = {}

function M.clear_cache()
  people_cache = {}
end

local function people_of(store, day)
  local folders, dir = core().team_folders(store)
  if not folders then return nil, dir end
  local list = {}
  local me = action_items.manager_name(store)
  local entry_key = day .. ":" .. tostring(config.options.cadence_days) .. ":" .. me
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
        e = person_entry(pc.person, day, me)
        pc.entries[entry_key] = e
        pc.entry_count = pc.entry_count + 1
      end
      list[#list + 1] = e
    end
  end
  -- Every folder's notes have been looked up in this process: summaries
  -- of notes no longer there may be dropped from the file on disk.
  summaries.flush_disk(true)
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

-- A copy of entry e with the conflicts of its folder (entries are cached;
-- conflicts are asked of the store every time).
local function with_conflicts(e, by_dir)
  local c = by_dir[e.dir]
  if not c then return e end
  local out = {}
  for k, v in pairs(e) do out[k] = v end
  out.conflicts = c
  return out
end

-- leadnotes.team([date [, opts]]) -> list of {person=, dir=, last_one_on_one=,
-- days_since=, cadence_days=, overdue=, open_items=, oldest_open_days=,
-- next_review=, conflicts=} | nil, message. conflicts: how many of the
-- person's notes hold unresolved sync conflicts (nil when none). Unchanged
-- notes are not read again.
function M.team(date, opts)
  if type(date) == "table" and opts == nil then opts, date = date, nil end
  validate.keys("team", opts, { "store" }, 2)
  local day = check_date("team", date, 1)
  local store, err = open_store(opts)
  if not store then return nil, err end
  local list, lerr = people_of(store, day)
  if not list then return nil, lerr end
  local by_dir = conflicts_by_dir(store)
  local out = {}
  for i, e in ipairs(list) do
    out[i] = public_entry(with_conflicts(e, by_dir))
    if out[i].conflicts then out[i].conflicts = #out[i].conflicts end
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
  for _, path in ipairs(e.conflicts or {}) do
    out[#out + 1] = { person = e.dir, kind = "conflict", path = path,
      text = string.format("unresolved sync conflict in %s: resolve the markers and save", path) }
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
  validate.keys("nudges", opts, { "person", "store" }, 2)
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
    list = { person_entry(people[only] or { dir = only, notes = {} }, day, action_items.manager_name(store)) }
  else
    list, lerr = people_of(store, day)
    if not list then return nil, lerr end
  end
  local by_dir = conflicts_by_dir(store)
  local out = {}
  for _, e in ipairs(list) do
    if not only or e.dir == only then
      for _, n in ipairs(nudges_for(with_conflicts(e, by_dir), day)) do out[#out + 1] = n end
    end
  end
  -- A conflicted note outside any person's folder is still a nudge.
  for dir, paths in pairs(by_dir) do
    local known = false
    for _, e in ipairs(list) do if e.dir == dir then known = true end end
    if not known and not only then
      for _, path in ipairs(paths) do
        out[#out + 1] = { person = dir ~= "" and dir or nil, kind = "conflict", path = path,
          text = string.format("unresolved sync conflict in %s: resolve the markers and save", path) }
      end
    end
  end
  return out
end


return M
