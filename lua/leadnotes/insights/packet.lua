-- leadnotes.insights.packet: the review packet, the evidence the notes hold
-- about a person over a period, for an evaluation.
--
-- The period is chosen by the meeting date each note records (its file
-- name): a note typed up days later still belongs to the day of the
-- meeting. Each entry shows that date; where git first saw the note more
-- than two days later, both ("met 2026-10-27, written 2026-10-30"), so a
-- reader can tell notes written on the spot from notes written from memory.
--
-- Sections: meetings; feedback given to the report and feedback received
-- from them, apart; wins; blockers; career; action items (open at the
-- start of the period and opened during it, each with its owner and what
-- became of it); and the spread of the evidence over the months, so that
-- recency bias shows.
local M = {}

local dates = require("leadnotes.insights.dates")
local validate = require("leadnotes.validate")
local summaries = require("leadnotes.insights.summaries")
local reading = require("leadnotes.insights.reading")
local profiles = require("leadnotes.insights.people")
local action_items = require("leadnotes.insights.items")

local floor = math.floor
local date_of, check_date = dates.date_of, dates.check_date
local item_key = summaries.item_key
local open_store, person_dir, load_notes, walk_history, check_person =
  reading.open_store, reading.person_dir, reading.load_notes, reading.walk_history, reading.check_person

local WRITTEN_LATE = 2 -- days after the meeting from which both dates are shown

local function org_escape(s)
  -- A line of ours must never become a headline or a keyword line.
  s = s:gsub("[\r\n]+", " ")
  if s:match("^%*") or s:match("^#%+") then s = " " .. s end
  return s
end

-- The day git first saw each of the person's notes: written[path] = day.
local function written_days(store, dirname)
  local written = {}
  walk_history(store, dirname, function(day, info)
    if not written[info.path] then written[info.path] = day end
    return false
  end)
  return written
end

-- "[2026-10-27]" or "[met 2026-10-27, written 2026-10-30]".
local function stamp(note, written)
  local w = written[note.path]
  if w and w - note.day > WRITTEN_LATE then
    return string.format("[met %s, written %s]", note.date, date_of(w))
  end
  return "[" .. note.date .. "]"
end

-- The lines of list_name (feedback, received, wins, blockers, career_lines)
-- over the notes, each once (by key), with the note it was first in.
local function entries_of(notes, list_name)
  local out, seen = {}, {}
  for _, note in ipairs(notes) do
    for _, line in ipairs(note.summary[list_name] or {}) do
      -- A captured line starts with the time it was noted: the date is enough.
      if note.kind == "log" then line = line:gsub("^%d%d:%d%d%s+", "") end
      local key = item_key(line)
      if not seen[key] then
        seen[key] = true
        out[#out + 1] = { note = note, text = line }
      end
    end
  end
  return out
end

-- leadnotes.packet(person, from, to [, opts]) -> org text | nil, message
-- Everything about the person whose notes record a meeting between from
-- and to (YYYY-MM-DD, inclusive); see the top of this file. opts: store=,
-- level= (headline level, > 1 for a packet inside another note: no file
-- keywords), link_base= (the folder, relative to the notes folder, that
-- links are written from: the evaluation note's own; default the notes
-- folder).
function M.packet(person, from, to, opts)
  check_person("packet", person)
  validate.keys("packet", opts, { "level", "link_base", "store" }, 4)
  local from_day = check_date("packet", from, 2)
  local to_day = check_date("packet", to, 3)
  if from == nil or to == nil then error("packet: from and to dates are required", 2) end
  if from_day > to_day then error("packet: from is after to", 2) end
  local store, err = open_store(opts)
  if not store then return nil, err end
  local dirname, derr = person_dir(store, person)
  if not dirname then return nil, derr end
  local people, lerr = load_notes(store, dirname)
  if not people then return nil, lerr end
  local p = people[dirname] or { dir = dirname, notes = {} }
  local written = written_days(store, dirname)
  local prof = profiles.profile(store, dirname)
  local me = action_items.manager_name(store)

  local in_period = {}
  for _, note in ipairs(p.notes) do
    if note.day >= from_day and note.day <= to_day then in_period[#in_period + 1] = note end
  end

  local base = type(opts) == "table" and opts.link_base or nil
  local function link(path)
    if base and path:sub(1, #base + 1) == base .. "/" then path = path:sub(#base + 2) end
    return string.format("[[file:%s][%s]]", path, path:match("([^/]+)$"))
  end

  -- opts.level > 1: headlines at that level, no file keywords, for a packet
  -- placed inside another note (an evaluation).
  local level = type(opts) == "table" and tonumber(opts.level) or 1
  level = math.max(1, math.min(8, floor(level)))
  local stars = string.rep("*", level)
  local lines = {}
  local name = (prof and prof.display) or dirname
  if level == 1 then
    lines[#lines + 1] = "#+TITLE: Review packet: " .. org_escape(name)
    lines[#lines + 1] = string.format("#+DATE: [%s]--[%s]", date_of(from_day), date_of(to_day))
    lines[#lines + 1] = ""
  end
  lines[#lines + 1] = string.format("Evidence about %s from the notes of %s to %s, by meeting date.",
    org_escape(name), date_of(from_day), date_of(to_day))
  lines[#lines + 1] = "Both dates are shown where a note was written more than two days after the meeting."
  lines[#lines + 1] = ""
  if prof and (prof.role or prof.start_date) then
    lines[#lines + 1] = stars .. " Profile"
    if prof.role then lines[#lines + 1] = "- Role: " .. org_escape(prof.role) end
    if prof.start_date then lines[#lines + 1] = "- Started: [" .. prof.start_date .. "]" end
    lines[#lines + 1] = ""
  end

  local per_month = {}
  local function count(note)
    local month = note.date:sub(1, 7)
    per_month[month] = (per_month[month] or 0) + 1
  end

  local function section(title, list, fmt)
    lines[#lines + 1] = string.format("%s %s (%d)", stars, title, #list)
    for _, e in ipairs(list) do lines[#lines + 1] = fmt(e) end
    if #list == 0 then lines[#lines + 1] = "- none in this period" end
    lines[#lines + 1] = ""
  end

  local meetings = {}
  for _, note in ipairs(in_period) do
    if note.kind ~= "log" then meetings[#meetings + 1] = note end
  end
  section("Meetings", meetings, function(note)
    count(note)
    return string.format("- %s %s: %s", stamp(note, written), note.kind, link(note.path))
  end)
  local function plain(e)
    count(e.note)
    return string.format("- %s %s", stamp(e.note, written), org_escape(e.text))
  end
  section("Feedback given to " .. org_escape(name), entries_of(in_period, "feedback"), plain)
  section("Feedback received from " .. org_escape(name), entries_of(in_period, "received"), plain)
  section("Wins", entries_of(in_period, "wins"), plain)
  section("Blockers", entries_of(in_period, "blockers"), plain)
  section("Career", entries_of(in_period, "career_lines"), plain)

  -- Action items as of the end of the period: those open at its start and
  -- those opened during it, with their owner and outcome.
  local at_start, opened = {}, {}
  for _, st in ipairs(action_items.identities(p.notes, to_day + 1)) do
    local first = st.first_note.day
    local closed_day
    if st.state ~= "open" then
      closed_day = st.note.day
      for _, c in ipairs(st.copies) do
        if c.item.state == "open" and c.note.day > closed_day then closed_day = c.note.day end
      end
    end
    local e = { st = st, closed_day = closed_day }
    if first < from_day then
      if not closed_day or closed_day >= from_day then at_start[#at_start + 1] = e end
    elseif first <= to_day then
      opened[#opened + 1] = e
    end
  end
  local function item_line(e)
    local st = e.st
    local owner = st.item.owner or st.copies[1].item.owner or me
    local outcome
    if st.state == "open" then
      outcome = "still open"
    elseif st.state == "moved" then
      outcome = "its carried copy deleted " .. date_of(e.closed_day)
    else
      outcome = string.format("%s %s", st.state == "cancelled" and "dropped" or "closed", date_of(e.closed_day))
    end
    if st.first_note.day >= from_day then count(st.first_note) end
    return string.format("- %s %s (owner: %s; %s)", stamp(st.first_note, written), org_escape(st.text),
      org_escape(owner), outcome)
  end
  section("Action items open at the start", at_start, item_line)
  section("Action items opened", opened, item_line)

  -- The spread: one line per month of the period, so that recency shows.
  lines[#lines + 1] = stars .. " Evidence per month"
  local y, m = tonumber(date_of(from_day):sub(1, 4)), tonumber(date_of(from_day):sub(6, 7))
  local last = date_of(to_day):sub(1, 7)
  while true do
    local month = string.format("%04d-%02d", y, m)
    local n = per_month[month] or 0
    lines[#lines + 1] = (string.format("- %s: %2d %s", month, n, string.rep("#", math.min(n, 40))):gsub("%s+$", ""))
    if month >= last then break end
    m = m + 1
    if m > 12 then y, m = y + 1, 1 end
  end
  return table.concat(lines, "\n") .. "\n"
end

return M
