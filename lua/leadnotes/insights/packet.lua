-- leadnotes.insights.packet: the review packet, everything the notes and
-- their history say about a person over a period.
local M = {}

local dates = require("leadnotes.insights.dates")
local summaries = require("leadnotes.insights.summaries")
local reading = require("leadnotes.insights.reading")
local profiles = require("leadnotes.insights.people")

local floor = math.floor
local date_of, check_date = dates.date_of, dates.check_date
local item_key = summaries.item_key
local open_store, person_dir, walk_history, check_person =
  reading.open_store, reading.person_dir, reading.walk_history, reading.check_person


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
  local prof = profiles.profile(store, dirname)
  -- opts.level > 1: headlines at that level, no file keywords, for a packet
  -- placed inside another note (an evaluation).
  local level = type(opts) == "table" and tonumber(opts.level) or 1
  level = math.max(1, math.min(8, floor(level)))
  local stars = string.rep("*", level)
  local lines = {}
  if level == 1 then
    lines[#lines + 1] = "#+TITLE: Review packet: " .. org_escape((prof and prof.display) or dirname)
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


return M
