-- leadnotes.insights.items: action items across a person's notes.
--
-- An item is one thing wherever it is written. Its identity is its ID (an
-- org :ID: property; in Markdown "<!-- id: ... -->" after the checkbox),
-- else the key of its text. Carry-over moves the open item into the new
-- note with its ID, owner, deadline, schedule, tags and body, and settle()
-- then takes the keyword off the older copies, so exactly one copy is
-- open: org-mode's agenda counts what leadnotes counts.
--
-- Closing any copy closes the item (DONE, or CANCELLED to drop it). An
-- item without an ID that is written again after it was closed is a new
-- item (a recurring task). Deleting the carried copy deletes the item:
-- the older copies are no longer open, as in org's agenda, and git keeps
-- every version.
local M = {}

local validate = require("leadnotes.validate")
local dates = require("leadnotes.insights.dates")
local summaries = require("leadnotes.insights.summaries")
local reading = require("leadnotes.insights.reading")

local day_of, date_of, check_date = dates.day_of, dates.date_of, dates.check_date
local core, split_lines = summaries.core, summaries.split_lines
local open_store, person_dir, load_notes = reading.open_store, reading.person_dir, reading.load_notes
local walk_history, check_person = reading.walk_history, reading.check_person
local display = require("leadnotes.insights.text")
local profiles = require("leadnotes.insights.people")

-- Every item identity of a person's notes dated before `day` (all when
-- day is nil), in the order first written: { key=, id=, text=, state=
-- "open"|"done"|"cancelled", first_note=, note= (the latest open copy's
-- note, else the closing one), item= (that copy), copies={ {note=, item=} },
-- carried=, first_day= }.
local function identities(notes, day)
  -- A copy without an ID joins the item whose ID'd copies have its text.
  local alias = {}
  for _, note in ipairs(notes) do
    if day == nil or note.day < day then
      for _, item in ipairs(note.summary.items) do
        if item.id and not alias[item.textkey] then alias[item.textkey] = item.key end
      end
    end
  end
  local by_key, order = {}, {}
  for _, note in ipairs(notes) do
    if day == nil or note.day < day then
      for _, item in ipairs(note.summary.items) do
        local key = item.id and item.key or alias[item.textkey] or item.key
        local st = by_key[key]
        if st and (st.state == "done" or st.state == "cancelled") and item.state == "open" and not item.id then
          st = nil -- written again after it was closed: a new item
        end
        if not st then
          st = { key = key, id = item.id, text = item.text, state = item.state, first_note = note,
            note = note, item = item, copies = {} }
          by_key[key] = st
          order[#order + 1] = st
        end
        st.copies[#st.copies + 1] = { note = note, item = item }
        st.id = st.id or item.id
        if item.state == "moved" then
          -- An older copy: history only. Alone (its carried copy was
          -- deleted), the item is no longer open, as for org-mode.
          if st.state == "moved" then st.note, st.item, st.text = note, item, item.text end
        elseif item.state == "open" then
          if st.state == "open" or st.state == "moved" then
            st.state, st.note, st.item, st.text = "open", note, item, item.text
          end
        else
          st.state, st.note, st.item = item.state, note, item
        end
      end
    end
  end
  for _, st in ipairs(order) do
    -- Times carried: what the open copy records, else the notes it was in.
    st.carried = st.item.carried or (#st.copies - 1)
    -- The day it was first written: its first note's, or an earlier
    -- FIRST_SEEN a carried copy records (a Markdown item's older copies
    -- are plain bullets, so its first note may be a later one).
    st.first_day = st.first_note.day
    for _, c in ipairs(st.copies) do
      local d = day_of(c.item.first_seen)
      if d and d < st.first_day then st.first_day = d end
    end
  end
  return order
end
M.identities = identities

-- The open items of a person's notes dated before `day` (all notes when day
-- is nil), each once (see identities).
local function open_items_of(notes, day)
  local out = {}
  for _, st in ipairs(identities(notes, day)) do
    if st.state == "open" then out[#out + 1] = st end
  end
  return out
end
M.open_items_of = open_items_of

-- The day git first saw each wanted item key in the person's notes: walks
-- the person's history oldest first, reading each changed note as it was.
-- Returns found[key] = day for keys seen.
local function first_seen(store, dirname, wanted)
  local found, left = {}, 0
  for _ in pairs(wanted) do left = left + 1 end
  if left == 0 then return found end
  walk_history(store, dirname, function(day, _, s)
    for _, item in ipairs(s.items) do
      for _, key in ipairs({ item.key, item.textkey }) do
        if wanted[key] and not found[key] then
          found[key] = day
          left = left - 1
        end
      end
    end
    return left <= 0
  end)
  return found
end

-- The day an identity was first seen: the earliest of its first note's
-- date, its FIRST_SEEN and the day git first saw it (by ID or text). The
-- note's date counts because notes are often committed days after the
-- meeting (or all at once, when a folder is adopted): the team view and the
-- nudges date items the same way.
local function first_day(st, seen)
  local best = st.first_day
  for _, c in ipairs(st.copies) do
    local d = day_of(c.item.first_seen)
    if d and (not best or d < best) then best = d end
  end
  for _, key in ipairs({ st.key, st.item.textkey }) do
    local d = seen and seen[key]
    if d and (not best or d < best) then best = d end
  end
  return best
end

-- A fresh identity in org-id's form (a random UUID).
local seeded = false
local function new_id()
  if not seeded then
    math.randomseed(os.time() + math.floor(os.clock() * 1e6) + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
    seeded = true
  end
  local function hex(n)
    local t = {}
    for i = 1, n do t[i] = string.format("%x", math.random(0, 15)) end
    return table.concat(t)
  end
  return string.format("%s-%s-4%s-%s%s-%s", hex(8), hex(4), hex(3),
    string.format("%x", 8 + math.random(0, 3)), hex(3), hex(12))
end
M.new_id = new_id

-- The body of an org item: the lines under its headline after its planning
-- line and property drawer, up to the next headline; "" when none.
local function org_body(text, line)
  local lines = split_lines(text)
  local i = line + 1
  if lines[i] and lines[i]:match("^%s*[A-Z]+:%s*[<%[]") then i = i + 1 end
  if lines[i] and lines[i]:match("^%s*:PROPERTIES:%s*$") then
    local j = i + 1
    while lines[j] and not lines[j]:match("^%s*:END:%s*$") and not lines[j]:match("^%*+%s") do j = j + 1 end
    if lines[j] and lines[j]:match("^%s*:END:%s*$") then i = j + 1 end
  end
  local body = {}
  while lines[i] and not lines[i]:match("^%*+%s") do
    body[#body + 1] = lines[i]
    i = i + 1
  end
  while #body > 0 and body[#body]:match("^%s*$") do body[#body] = nil end
  while #body > 0 and body[1]:match("^%s*$") do table.remove(body, 1) end
  return table.concat(body, "\n")
end

-- The inner date of an org timestamp: "<2026-01-20 Tue>" -> "2026-01-20".
local function iso_in(stamp)
  return type(stamp) == "string" and stamp:match("%d%d%d%d%-%d%d%-%d%d") or nil
end

-- leadnotes.carry_over(person [, date [, opts]]) -> list of { text=, id=,
-- first_seen=, carried=, note=, owner=, deadline=, scheduled=, tags=,
-- body= } | nil, message
-- The open action items of the person's notes dated before date (default
-- today), oldest first. id is the item's (a new one when it has none yet);
-- carried counts this carry; first_seen is the earliest of the item's
-- FIRST_SEEN, the day git first saw it and its first note's date.
function M.carry_over(person, date, opts)
  check_person("carry_over", person)
  if type(date) == "table" and opts == nil then opts, date = date, nil end
  validate.keys("carry_over", opts, { "store" })
  local day = check_date("carry_over", date, 2)
  local store, err = open_store(opts)
  if not store then return nil, err end
  local dirname, derr = person_dir(store, person)
  if not dirname then return nil, derr end
  local people, root = load_notes(store, dirname)
  if not people then return nil, root end
  local p = people[dirname]
  if not p then return {} end
  local open = open_items_of(p.notes, day)
  local wanted = {}
  for _, st in ipairs(open) do
    wanted[st.key] = true
    wanted[st.item.textkey] = true
  end
  local seen = first_seen(store, dirname, wanted)
  local out = {}
  for _, st in ipairs(open) do
    local first = first_day(st, seen)
    local it = st.item
    local body = ""
    if st.note.ext == "org" and it.level > 0 then
      local text = summaries.read_file(root .. "/" .. st.note.path)
      if text then body = org_body(text, it.line) end
    end
    out[#out + 1] = { text = st.text, id = st.id or new_id(), first_seen = date_of(first),
      carried = (it.carried or st.carried) + 1, note = st.note.path,
      owner = it.owner, deadline = it.deadline, scheduled = it.scheduled, tags = it.tags, body = body,
      deadline_iso = iso_in(it.deadline), _day = first }
  end
  table.sort(out, function(a, b)
    if a._day ~= b._day then return a._day < b._day end
    return a.text < b.text
  end)
  for _, item in ipairs(out) do item._day = nil end
  return out
end

---------------------------------------------------------------------------
-- Settling: one open copy per item.

-- Rewrites line i of lines (an item's headline or checkbox) as moved (no
-- keyword, the ID kept and where it went) or closed (keyword). Returns
-- true when the line was what we expected.
local function edit_copy(lines, item, ext, how, id, to_file)
  local i = item.line
  local line = lines[i]
  if not line then return false end
  if item.level > 0 and ext == "org" then
    local stars, kw, rest = line:match("^(%*+)%s+(%S+)%s+(.*)$")
    if not stars or kw ~= item.keyword then return false end
    if how == "moved" then
      lines[i] = stars .. " " .. rest
    else
      lines[i] = stars .. " " .. how .. " " .. rest
    end
    local props = {}
    if id and not item.id then props[#props + 1] = ":ID: " .. id end
    if how == "moved" then props[#props + 1] = ":CARRIED_TO: " .. to_file end
    if #props > 0 then
      local j = i + 1
      if lines[j] and lines[j]:match("^%s*[A-Z]+:%s*[<%[]") then j = j + 1 end
      if lines[j] and lines[j]:match("^%s*:PROPERTIES:%s*$") then
        for k = #props, 1, -1 do table.insert(lines, j + 1, props[k]) end
      else
        table.insert(lines, j, ":END:")
        for k = #props, 1, -1 do table.insert(lines, j, props[k]) end
        table.insert(lines, j, ":PROPERTIES:")
      end
    end
    return true
  end
  if item.level > 0 then
    -- A Markdown heading "## TODO text".
    local hashes, kw, rest = line:match("^(#+)%s+(%S+)%s+(.*)$")
    if not hashes or kw ~= item.keyword then return false end
    lines[i] = hashes .. " " .. (how == "moved" and "" or (how .. " ")) .. rest
    return true
  end
  local lead, box, rest = line:match("^(%s*[-+*]%s+)(%[.%])%s+(.*)$")
  if not lead then lead, box, rest = line:match("^(%s*%d+[.)]%s+)(%[.%])%s+(.*)$") end
  if not lead or box:upper() ~= (item.keyword or ""):upper() then return false end
  if how == "moved" then
    local note = ""
    if ext == "md" then
      note = string.format(" <!-- %smoved: %s -->", (id and not rest:find("<!%-%-")) and ("id: " .. id .. "; ") or "", to_file)
    end
    lines[i] = lead .. rest .. note
  else
    lines[i] = lead .. (how == "CANCELLED" and "[-]" or (ext == "md" and "[x]" or "[X]")) .. " " .. rest
  end
  return true
end

-- settle(store, person [, keep]) -> number of copies changed | nil, message
-- Leaves one open copy per item: older open copies of an open item are
-- moved (keyword off, ID and CARRIED_TO kept; keep, a path relative to the
-- notes folder, is the copy kept when it holds one, else the newest), and
-- the open copies of a closed item are closed the same way. Each changed
-- note is written and committed. A note that changed since it was read is
-- left alone.
function M.settle(store, person, keep)
  local dirname, derr = person_dir(store, person)
  if not dirname then return nil, derr end
  local people, root = load_notes(store, dirname)
  if not people then return nil, root end
  local p = people[dirname]
  if not p then return 0 end
  local edits = {} -- path -> { note=, list={ {item=, how=, id=, to=} } }
  local function edit(note, item, how, id, to)
    local e = edits[note.path]
    if not e then
      e = { note = note, list = {} }
      edits[note.path] = e
    end
    e.list[#e.list + 1] = { item = item, how = how, id = id, to = to }
  end
  for _, st in ipairs(identities(p.notes, nil)) do
    local open = {}
    for _, c in ipairs(st.copies) do
      if c.item.state == "open" then open[#open + 1] = c end
    end
    if st.state == "open" and #open > 1 then
      local kept = open[#open]
      for _, c in ipairs(open) do
        if c.note.path == keep then kept = c end
      end
      local to = kept.note.path:match("([^/]+)$")
      for _, c in ipairs(open) do
        if c ~= kept then edit(c.note, c.item, "moved", st.id, to) end
      end
    elseif st.state == "done" or st.state == "cancelled" then
      local how = st.state == "cancelled" and "CANCELLED" or "DONE"
      for _, c in ipairs(open) do edit(c.note, c.item, how, nil, nil) end
    end
  end
  local changed = 0
  local paths = {}
  for path in pairs(edits) do paths[#paths + 1] = path end
  table.sort(paths)
  for _, path in ipairs(paths) do
    local e = edits[path]
    local text = summaries.read_file(root .. "/" .. path)
    if text then
      local lines = split_lines(text)
      local final_newline = lines[#lines] == ""
      if final_newline then lines[#lines] = nil end
      -- Bottom up, so inserted drawer lines do not move the lines still to edit.
      table.sort(e.list, function(a, b) return a.item.line > b.item.line end)
      local ok = true
      for _, ed in ipairs(e.list) do
        if not edit_copy(lines, ed.item, e.note.ext, ed.how, ed.id, ed.to) then ok = false break end
      end
      if ok then
        local new = table.concat(lines, "\n") .. (final_newline and "\n" or "")
        local wok, werr, wcode = core().write_note(store, path, new)
        if not wok then return nil, werr, wcode end
        local commit, serr, scode = store:save(path, string.format("%s: action items carried over", dirname))
        if commit == nil and serr then return nil, serr, scode end
        changed = changed + #e.list
      end
    end
  end
  return changed
end

---------------------------------------------------------------------------
-- Listing.

local manager_name = require("leadnotes.insights.names").manager_name
M.manager_name = manager_name

local function same_person(a, b)
  return a and b and a:lower():gsub("%s+", " ") == b:lower():gsub("%s+", " ")
end

-- leadnotes.items([opts]) -> list of { person=, dir=, text=, id=, owner=,
-- mine=, deadline=, scheduled=, due=, overdue=, first_seen=, age_days=,
-- carried=, path=, line=, tags= } | nil, message
-- Open action items, oldest first. opts: person= (one report), owner=
-- (a name; "me" or the manager's name for the manager's), mine=true,
-- theirs=true, overdue=true (past DEADLINE), date= (YYYY-MM-DD, default
-- today), store=. An item without OWNER is the manager's.
function M.items(opts)
  if opts ~= nil and type(opts) ~= "table" then
    error("items: bad argument #1 (table of options expected, got " .. type(opts) .. ")", 2)
  end
  opts = validate.keys("items", opts or {}, { "date", "mine", "overdue", "owner", "person", "store", "theirs" })
  for _, k in ipairs({ "person", "owner" }) do
    if opts[k] ~= nil and (type(opts[k]) ~= "string" or opts[k] == "") then
      error("items: " .. k .. " must be a non-empty string", 2)
    end
  end
  local day = check_date("items", opts.date, 1)
  local store, err = open_store(opts)
  if not store then return nil, err end
  local me = manager_name(store)
  local under
  if opts.person then
    local derr
    under, derr = person_dir(store, opts.person)
    if not under then return nil, derr end
  end
  local people, lerr = load_notes(store, under)
  if not people then return nil, lerr end
  local names = {}
  for name in pairs(people) do names[#names + 1] = name end
  table.sort(names)
  local out = {}
  for _, name in ipairs(names) do
    local p = people[name]
    local shown = profiles.display_name(p.profile, name)
    for _, st in ipairs(open_items_of(p.notes, day + 1)) do
      local it = st.item
      local owner = it.owner or me
      local mine = same_person(owner, me) or owner:lower() == "me"
      local due = iso_in(it.deadline)
      local due_day = day_of(due)
      local first = first_day(st, nil)
      local e = { person = shown, dir = name, text = st.text, id = st.id, owner = mine and me or owner,
        mine = mine, deadline = it.deadline, scheduled = it.scheduled, due = due,
        overdue = due_day ~= nil and due_day < day, first_seen = date_of(first), age_days = day - first,
        carried = st.carried, path = st.note.path, line = it.line, tags = it.tags, _first = first }
      local keep = true
      if opts.overdue and not e.overdue then keep = false end
      if opts.mine and not mine then keep = false end
      if opts.theirs and mine then keep = false end
      if opts.owner then
        local want = opts.owner
        if want:lower() == "me" then keep = keep and mine
        else keep = keep and (same_person(owner, want) or (mine and same_person(me, want))) end
      end
      if keep then out[#out + 1] = e end
    end
  end
  table.sort(out, function(a, b)
    if a._first ~= b._first then return a._first < b._first end
    if a.dir ~= b.dir then return a.dir < b.dir end
    return a.text < b.text
  end)
  for _, e in ipairs(out) do e._first = nil end
  return out
end

-- items_lines(list) -> lines: a header and one aligned row per item (as
-- leadnotes.items returns them): person, item, owner, due, age, times
-- carried, where it lives (path:line).
function M.lines(list)
  local rows = { { "PERSON", "ITEM", "OWNER", "DUE", "AGE", "CARRIED", "WHERE" } }
  for _, e in ipairs(list) do
    rows[#rows + 1] = { e.person, display.truncate(e.text, 48), e.owner,
      e.due and (e.due .. (e.overdue and " (late)" or "")) or "-", string.format("%dd", e.age_days),
      e.carried > 0 and string.format("%d×", e.carried) or "-", string.format("%s:%d", e.path, e.line) }
  end
  return display.columns(rows)
end

return M
