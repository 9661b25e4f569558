-- leadnotes.insights.context: what a new note's template shows (for
-- leadnotes.templates): carried items, prompt, nudges, profile, packet.
local M = {}

local dates = require("leadnotes.insights.dates")
local reading = require("leadnotes.insights.reading")
local profiles = require("leadnotes.insights.people")
local action_items = require("leadnotes.insights.items")
local prompts = require("leadnotes.insights.prompts")
local team = require("leadnotes.insights.team")
local packet = require("leadnotes.insights.packet")

local day_of, date_of, today = dates.day_of, dates.date_of, dates.today
local open_store, person_dir, load_notes = reading.open_store, reading.person_dir, reading.load_notes
local CONTEXTS = prompts.CONTEXTS


-- template_context(kind, person, date_iso, opts) -> { open_items=, prompt=,
-- nudges=, previous_meeting=, role=, person=, person_dir= (the folder found,
-- case and accents aside), display_name= (the profile's NAME), captured=,
-- and for an evaluation packet=
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
  local items = action_items.carry_over(person, date, sopts)
  if items then
    for _, item in ipairs(items) do
      local planning = {}
      if item.deadline then planning[#planning + 1] = "DEADLINE: " .. item.deadline end
      if item.scheduled then planning[#planning + 1] = "SCHEDULED: " .. item.scheduled end
      out.open_items[#out.open_items + 1] = { text = item.text, first_seen = item.first_seen, carried = item.carried,
        id = item.id, owner = item.owner or false, deadline = item.deadline or false,
        deadline_iso = item.deadline_iso or false, scheduled = item.scheduled or false, tags = item.tags or false,
        planning = #planning > 0 and table.concat(planning, " ") or false, body = item.body ~= "" and item.body or false }
    end
  end
  local context = CONTEXTS[kind or ""] or "one-on-one"
  local ok, p = pcall(prompts.prompt, { context = context, person = person, date = date, store = store })
  if ok and p then out.prompt = { id = p.id, text = p.text, duties = p.duties, kind = p.kind } end
  local dirname = person_dir(store, person)
  local prof = dirname and profiles.profile(store, dirname)
  if dirname then out.person_dir = dirname end
  if prof and prof.exists then
    -- The name as the manager typed it once, whatever spelling found it.
    if prof.name then out.display_name = prof.name end
    out.role = prof.role
    out.person = { role = prof.role, start_date = prof.start_date, cadence_days = prof.cadence_days,
      next_review = prof.next_review }
  end
  local nudges = dirname and team.nudges(date, { store = store, person = dirname })
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
    local ok2, text = pcall(packet.packet, dirname, date_of(from), date, { store = store, level = 3, link_base = dirname })
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
      -- What was captured since the last one-on-one (leadnotes capture).
      local last
      for _, note in ipairs(p2.notes) do
        if note.day < day and note.kind == "one-on-one" then last = note.day end
      end
      out.captured = require("leadnotes.insights.capture").since(store, dirname, last or -math.huge, day)
    end
  end
  return out
end

return M
