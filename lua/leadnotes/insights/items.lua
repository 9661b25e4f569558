-- leadnotes.insights.items: action items, open and closed, across a
-- person's notes; carry-over of the open ones into a new note.
local M = {}

local dates = require("leadnotes.insights.dates")
local reading = require("leadnotes.insights.reading")

local date_of, check_date = dates.date_of, dates.check_date
local open_store, person_dir, load_notes = reading.open_store, reading.person_dir, reading.load_notes
local walk_history, check_person = reading.walk_history, reading.check_person


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
-- Returns found[key] = day for keys seen.
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

-- leadnotes.carry_over(person [, date [, opts]]) -> list of
-- { text=, first_seen=, carried=, note= } | nil, message
-- The open action items of the person's notes dated before date (default
-- today), oldest first; first_seen is the day git first saw the item (the
-- note's own date when it was never committed).
function M.carry_over(person, date, opts)
  check_person("carry_over", person)
  if type(date) == "table" and opts == nil then opts, date = date, nil end
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


M.open_items_of = open_items_of

return M
