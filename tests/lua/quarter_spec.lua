-- A scripted quarter, as a manager with six reports lives it: six
-- backdated one-on-ones each, every two weeks, through store:new_note (the
-- template, carry-over and its settling), each note then written in and
-- committed with git on the day (one typed up three days late); items
-- opened, carried, closed, dropped and reworded; two evaluations with
-- their packets. The team view, items, nudges and packets are checked
-- against expectations computed by hand below, and org-mode's own list of
-- open TODOs against leadnotes' items.
local leadnotes = require("leadnotes")
local config = require("leadnotes.config")
local insights = require("leadnotes.insights")
local h = require("insights_helpers")

local PEOPLE = { "Ana Ruiz", "Bo Chen", "Cy Park", "Di Sá", "Ed Moss", "Flo Núñez" }
local MEETINGS = { "2026-01-05", "2026-01-19", "2026-02-02", "2026-02-16", "2026-03-02", "2026-03-16" }
local WEEKDAYS = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" }

local function plus(date, n) return insights._date_of(insights._day_of(date) + n) end
local function ts(date)
  local y, m, d = date:match("(%d+)-(%d+)-(%d+)")
  return string.format("<%s %s>", date, WEEKDAYS[os.date("*t", os.time({ year = y, month = m, day = d, hour = 12 })).wday])
end
local function first(name) return name:match("^(%S+)") end

-- What the manager writes in meeting k with a report (the note as the
-- template made it, carried items included): the edits of the script.
--   1: opens A1 "Send <first> the budget" (mine, due in a week),
--      A2 "Draft the RFC" (theirs), A3 "Book the course" (mine)
--   2: closes A1 in the carried copy; rewords A2 to "Draft the RFC v2"
--   3: drops A3 (CANCELLED); opens A4 "Review the rota" (mine, due in 3 days)
--   4: closes A2
--   6: opens A5 "Plan the offsite" (theirs)
-- Every meeting also has a topic, feedback both ways and a win.
local function write_meeting(text, name, k, date)
  local f = first(name)
  local function add(items) return (text:gsub("\n%*%* Leadership prompt", "\n" .. items .. "\n** Leadership prompt", 1)) end
  if k == 1 then
    text = add("*** TODO Send " .. f .. " the budget\nDEADLINE: " .. ts(plus(date, 7)) .. "\n"
      .. "*** TODO Draft the RFC\n:PROPERTIES:\n:OWNER: " .. name .. "\n:END:\n"
      .. "*** TODO Book the course\n")
  elseif k == 2 then
    text = text:gsub("%*%*%* TODO Send " .. f .. " the budget", "*** DONE Send " .. f .. " the budget")
    text = text:gsub("%*%*%* TODO Draft the RFC\n", "*** TODO Draft the RFC v2\n")
  elseif k == 3 then
    text = text:gsub("%*%*%* TODO Book the course", "*** CANCELLED Book the course")
    text = add("*** TODO Review the rota\nDEADLINE: " .. ts(plus(date, 3)) .. "\n")
  elseif k == 4 then
    text = text:gsub("%*%*%* TODO Draft the RFC v2", "*** DONE Draft the RFC v2")
  elseif k == 6 then
    text = add("*** TODO Plan the offsite\n:PROPERTIES:\n:OWNER: " .. name .. "\n:END:\n")
  end
  text = text:gsub("\n%- \n", "\n- Topic " .. k .. " of " .. f .. "\n", 1)
  text = text:gsub("(\n%*%*%* For " .. f:gsub("%p", "%%%0") .. "[^\n]*\n# [^\n]*\n)%-\n", "%1- Feedback " .. k .. " for " .. f .. "\n", 1)
  text = text:gsub("(\n%*%*%* For me\n# [^\n]*\n)%-\n", "%1- Feedback " .. k .. " from " .. f .. "\n", 1)
  text = text:gsub("(\n%*%* Wins\n# [^\n]*\n)%-\n", "%1- Win " .. k .. " of " .. f .. "\n", 1)
  return text
end

describe("a scripted quarter", function()
  local root, dir, store

  setup(function()
    config.setup({ manager = "Dana" })
    insights.clear_cache()
    root = h.ok("mktemp -d /tmp/leadnotes-quarter-XXXXXX"):gsub("%s+$", "")
    dir = root .. "/notes"
    store = assert(require("leadnotes.notes").open(dir))
    for i, name in ipairs(PEOPLE) do
      assert(store:profile(name, { role = "Engineer", start_date = "2024-0" .. i .. "-01", cadence_days = 14,
        next_review = (i <= 2) and "2026-04-01" or nil }))
    end
    for k, date in ipairs(MEETINGS) do
      for _, name in ipairs(PEOPLE) do
        local path = assert(store:new_note("one-on-one", name, { date = date }))
        local rel = path:sub(#dir + 2)
        h.write(path, write_meeting(h.read(path), name, k, date))
        -- Cy's second one-on-one is typed up three days late.
        local written = (name == "Cy Park" and k == 2) and plus(date, 3) or date
        h.commit(dir, rel, written)
      end
    end
  end)

  teardown(function()
    if store then store:close() end
    h.ok("rm -rf " .. h.q(root))
    config.setup({})
  end)

  it("leaves git clean and sound: every note committed, the moves too", function()
    assert.are.equal("", h.ok("git -C " .. h.q(dir) .. " status --porcelain"))
    h.ok("git -C " .. h.q(dir) .. " fsck --strict")
    -- 6 people x 6 notes, profiles, and the settling commits in between.
    local notes = h.ok("git -C " .. h.q(dir) .. " ls-files '*-one-on-one.org' | wc -l"):gsub("%s", "")
    assert.are.equal("36", notes)
  end)

  it("the team view: each report met on 03-16, two open items each", function()
    local team = assert(leadnotes.team("2026-03-20", { store = store }))
    assert.are.equal(6, #team)
    for _, e in ipairs(team) do
      assert.are.equal("2026-03-16", e.last_one_on_one, e.person)
      assert.are.equal(4, e.days_since)
      assert.is_false(e.overdue)
      assert.are.equal(2, e.open_items, e.person)
      assert.are.equal(46, e.oldest_open_days, e.person) -- A4, opened 02-02: 26 + 20 days
    end
    assert.are.equal("Di Sá", team[4].person)
  end)

  it("items: the rota review is mine and late for everyone, the offsite theirs; org-mode lists the same twelve", function()
    local mine = assert(leadnotes.items({ store = store, date = "2026-03-20", mine = true }))
    assert.are.equal(6, #mine)
    for _, e in ipairs(mine) do
      assert.are.equal("Review the rota", e.text)
      assert.are.equal("Dana", e.owner)
      assert.are.equal("2026-02-05", e.due)
      assert.is_true(e.overdue)
      assert.are.equal(3, e.carried) -- into 02-16, 03-02 and 03-16
      assert.matches("/2026%-03%-16%-one%-on%-one%.org$", e.path)
    end
    local theirs = assert(leadnotes.items({ store = store, date = "2026-03-20", theirs = true }))
    assert.are.equal(6, #theirs)
    for _, e in ipairs(theirs) do
      assert.are.equal("Plan the offsite", e.text)
      assert.are.equal(e.person, e.owner)
    end
    assert.are.equal(6, #assert(leadnotes.items({ store = store, date = "2026-03-20", overdue = true })))
    local org = h.org_open_todos(dir)
    if org then
      assert.are.equal(12, #org)
      assert.are.same(org, h.leadnotes_open(store, "2026-03-20"))
    end
  end)

  it("nudges: the late rota review and what I owe, for each report; no overdue one-on-one", function()
    local nudges = assert(leadnotes.nudges("2026-03-20", { store = store }))
    local count = {}
    for _, n in ipairs(nudges) do count[n.kind] = (count[n.kind] or 0) + 1 end
    assert.are.equal(6, count.deadline)
    assert.are.equal(6, count.owed)
    assert.is_nil(count.overdue)
    assert.is_nil(count.duty_gap) -- feedback and wins every meeting; career: not 90 days of notes yet
    local texts = {}
    for _, n in ipairs(nudges) do texts[#texts + 1] = n.text end
    texts = table.concat(texts, "\n")
    assert.matches('"Review the rota" (yours, for Di Sá) was due on 2026-02-05', texts, 1, true)
    assert.matches('you owe Flo Núñez 1 item, the oldest since 2026-02-02: "Review the rota"', texts, 1, true)
  end)

  it("two evaluations get their packets, the reviews clear, and org-mode still agrees", function()
    for _, name in ipairs({ "Ana Ruiz", "Bo Chen" }) do
      local before = assert(leadnotes.nudges("2026-03-25", { store = store, person = name }))
      local found = false
      for _, n in ipairs(before) do if n.kind == "review" then found = true end end
      assert.is_true(found, name .. ": a review nudge before the evaluation")
      local path = assert(store:new_note("evaluation", name, { date = "2026-03-30", period = "2026-Q1" }))
      h.commit(dir, path:sub(#dir + 2), "2026-03-30")
      local text = h.read(path)
      local f = first(name)
      assert.matches("\n*** Meetings (6)\n", text, 1, true)
      assert.matches("\n*** Feedback given to " .. name .. " (6)\n", text, 1, true)
      assert.matches("\n*** Feedback received from " .. name .. " (6)\n- [2026-01-05] Feedback 1 from " .. f .. "\n", text, 1, true)
      assert.matches("\n*** Wins (6)\n", text, 1, true)
      assert.matches("\n*** Action items opened (5)\n", text, 1, true)
      assert.matches("- [2026-01-05] Send " .. f .. " the budget (owner: Dana; closed 2026-01-19)", text, 1, true)
      assert.matches("- [2026-01-05] Draft the RFC v2 (owner: " .. name .. "; closed 2026-02-16)", text, 1, true)
      assert.matches("- [2026-01-05] Book the course (owner: Dana; dropped 2026-02-02)", text, 1, true)
      assert.matches("- [2026-02-02] Review the rota (owner: Dana; still open)", text, 1, true)
      assert.matches("- [2026-03-16] Plan the offsite (owner: " .. name .. "; still open)", text, 1, true)
      assert.matches("- 2026-01:", text, 1, true)
      assert.matches("[[file:2026-01-05-one-on-one.org]", text, 1, true)
      local after = assert(leadnotes.nudges("2026-03-31", { store = store, person = name }))
      for _, n in ipairs(after) do assert.is_false(n.kind == "review", n.text) end
    end
    local team = assert(leadnotes.team("2026-03-31", { store = store }))
    assert.are.equal("2026-09-30", team[1].next_review)
    -- Each evaluation adds its goals item: 14 open now, for org-mode too.
    assert.are.equal(14, #assert(leadnotes.items({ store = store, date = "2026-03-31" })))
    local org = h.org_open_todos(dir)
    if org then assert.are.same(org, h.leadnotes_open(store, "2026-03-31")) end
  end)

  it("the packet shows a note typed up late by both dates, and keeps it in its period", function()
    local text = assert(leadnotes.packet("Cy Park", "2026-01-19", "2026-01-19", { store = store }))
    assert.matches("* Meetings (1)\n- [met 2026-01-19, written 2026-01-22] one-on-one:", text, 1, true)
    assert.matches("- [met 2026-01-19, written 2026-01-22] Feedback 2 for Cy", text, 1, true)
  end)
end)
