-- Action items as one thing: carry-over moves them (one open copy, checked
-- against org-mode's own agenda in Emacs), closing any copy closes them,
-- CANCELLED drops them, and leadnotes.items lists them by owner and due
-- date. Real repositories made by the store; git checks the commits.
local leadnotes = require("leadnotes")
local config = require("leadnotes.config")
local insights = require("leadnotes.insights")

local helpers = require("helpers")
local q, sh, capture, read = helpers.quote, helpers.run, helpers.output, helpers.must_read
local has_value = helpers.has

local function write(dir, rel, text) helpers.write(dir .. "/" .. rel, text) end

local h = require("insights_helpers")
local new_repo = h.new_repo

-- Saves text as rel and commits it through the store.
local function save(store, dir, rel, text)
  write(dir, rel, text)
  assert(store:save(rel))
end

local EMACS = h.emacs
local org_open_todos, leadnotes_open = h.org_open_todos, h.leadnotes_open

local FIRST = [[
#+TODO: TODO | DONE CANCELLED
* Action items
** TODO Write the migration plan :infra:
DEADLINE: <2026-01-12 Mon> SCHEDULED: <2026-01-08 Thu>
:PROPERTIES:
:OWNER: Ana
:END:
Start from the importer's schema.
** TODO Review the on-call rota
** TODO Book the training course
]]

describe("action items", function()
  local store, dir

  before_each(function()
    config.setup({ manager = "Dana" })
    insights.clear_cache()
    store, dir = new_repo()
    save(store, dir, "ana/2026-01-05-one-on-one.org", FIRST)
  end)

  after_each(function()
    if store.close then store:close() end
    sh("rm -rf " .. q(dir))
    config.setup({})
  end)

  it("carry-over moves each open item: one open copy, the same ones org-mode's agenda lists", function()
    local path = assert(store:new_note("one-on-one", "ana", { date = "2026-01-19" }))
    local new = read(path)
    local old = read(dir .. "/ana/2026-01-05-one-on-one.org")
    -- The old copies lost their keyword and kept an ID that the new copies carry.
    assert.is_nil(old:find("\n** TODO", 1, true))
    for id in old:gmatch(":ID: (%S+)") do
      assert.truthy(new:find(":ID: " .. id, 1, true), id)
    end
    assert.matches(":CARRIED_TO: 2026%-01%-19%-one%-on%-one%.org", old)
    local _, todos = new:gsub("\n%*%*%* TODO ", "")
    assert.are.equal(3, todos)
    -- git: the move is committed, the folder is clean but for the new note.
    assert.matches("action items carried over", capture("git -C " .. q(dir) .. " log -1 --format=%s"))
    assert.are.equal("?? ana/2026-01-19-one-on-one.org\n", capture("git -C " .. q(dir) .. " status --porcelain"))
    local items = assert(leadnotes.items({ store = store, date = "2026-01-19" }))
    assert.are.equal(3, #items)
    assert.are.equal(3, assert(leadnotes.team("2026-01-19", { store = store }))[1].open_items)
    if EMACS then assert.are.same(org_open_todos(dir), leadnotes_open(store, "2026-01-19")) end
    -- A second carry-over moves them again: still one open copy each.
    assert(store:save("ana/2026-01-19-one-on-one.org"))
    assert(store:new_note("one-on-one", "ana", { date = "2026-02-02" }))
    assert.are.equal(3, #assert(leadnotes.items({ store = store, date = "2026-02-02" })))
    if EMACS then
      local org = org_open_todos(dir)
      assert.are.equal(3, #org)
      assert.are.same(org, leadnotes_open(store, "2026-02-02"))
    end
    assert.matches("^$", capture("git -C " .. q(dir) .. " fsck --strict 2>&1 | grep -v '^dangling'"))
  end)

  it("keeps owner, deadline, schedule, tags and body through carry-over", function()
    local path = assert(store:new_note("one-on-one", "ana", { date = "2026-01-19" }))
    local new = read(path)
    local block = new:match("%*%*%* TODO Write the migration plan.-:END:\n[^\n]*")
    assert.is_string(block)
    assert.matches("^%*%*%* TODO Write the migration plan :infra:\n", block)
    assert.matches("\nDEADLINE: <2026%-01%-12 Mon> SCHEDULED: <2026%-01%-08 Thu>\n", block)
    assert.matches("\n:OWNER: Ana\n", block)
    assert.matches("\nStart from the importer's schema%.$", block)
    local it
    for _, e in ipairs(assert(leadnotes.items({ store = store, date = "2026-01-19" }))) do
      if e.text == "Write the migration plan" then it = e end
    end
    assert.are.equal("Ana", it.owner)
    assert.are.equal("2026-01-12", it.due)
    assert.is_true(it.overdue)
    assert.are.equal(1, it.carried)
    assert.are.equal("ana/2026-01-19-one-on-one.org", it.path)
  end)

  it("closing any copy closes the item, and the next carry-over closes the other copy for org-mode", function()
    local path = assert(store:new_note("one-on-one", "ana", { date = "2026-01-19" }))
    assert(store:save("ana/2026-01-19-one-on-one.org"))
    -- The manager closes the item in the OLD note (the moved copy).
    local old = read(dir .. "/ana/2026-01-05-one-on-one.org")
    old = old:gsub("\n%*%* Review the on%-call rota", "\n** DONE Review the on-call rota")
    save(store, dir, "ana/2026-01-05-one-on-one.org", old)
    local texts = {}
    for _, e in ipairs(assert(leadnotes.items({ store = store, date = "2026-01-20" }))) do texts[#texts + 1] = e.text end
    table.sort(texts)
    assert.are.same({ "Book the training course", "Write the migration plan" }, texts)
    assert.are.equal(2, assert(leadnotes.team("2026-01-20", { store = store }))[1].open_items)
    -- The next note settles the open copy in the 01-19 note.
    assert(store:new_note("one-on-one", "ana", { date = "2026-02-02" }))
    assert.matches("\n%*%*%* DONE Review the on%-call rota", read(path))
    if EMACS then assert.are.same(org_open_todos(dir), leadnotes_open(store, "2026-02-02")) end
  end)

  it("CANCELLED drops an item from every list, and org-mode agrees", function()
    local path = assert(store:new_note("one-on-one", "ana", { date = "2026-01-19" }))
    local text = read(path):gsub("%*%*%* TODO Book the training course", "*** CANCELLED Book the training course")
    save(store, dir, "ana/2026-01-19-one-on-one.org", text)
    local items = assert(leadnotes.items({ store = store, date = "2026-01-20" }))
    assert.are.equal(2, #items)
    for _, n in ipairs(assert(leadnotes.nudges("2026-03-30", { store = store }))) do
      assert.is_nil(n.text:find("3 open", 1, true))
    end
    if EMACS then assert.are.same(org_open_todos(dir), leadnotes_open(store, "2026-01-20")) end
    local again = read(assert(store:new_note("one-on-one", "ana", { date = "2026-02-02" })))
    assert.is_nil(again:find("Book the training course", 1, true))
  end)

  it("rewording a carried item keeps it one item", function()
    local path = assert(store:new_note("one-on-one", "ana", { date = "2026-01-19" }))
    local text = read(path):gsub("TODO Review the on%-call rota", "TODO Review the on-call rota with Sam")
    save(store, dir, "ana/2026-01-19-one-on-one.org", text)
    local texts = {}
    for _, e in ipairs(assert(leadnotes.items({ store = store, date = "2026-01-20" }))) do texts[#texts + 1] = e.text end
    table.sort(texts)
    assert.are.same({ "Book the training course", "Review the on-call rota with Sam", "Write the migration plan" }, texts)
    local again = read(assert(store:new_note("one-on-one", "ana", { date = "2026-02-02" })))
    local _, n = again:gsub("TODO Review the on%-call rota", "")
    assert.are.equal(1, n)
  end)

  it("deleting the carried copy deletes the item, as org-mode's agenda sees it", function()
    local path = assert(store:new_note("one-on-one", "ana", { date = "2026-01-19" }))
    local text = read(path):gsub("%*%*%* TODO Book the training course.-:END:\n", "")
    save(store, dir, "ana/2026-01-19-one-on-one.org", text)
    assert.are.equal(2, #assert(leadnotes.items({ store = store, date = "2026-01-20" })))
    if EMACS then assert.are.same(org_open_todos(dir), leadnotes_open(store, "2026-01-20")) end
  end)

  it("the template's example item is not an item until the manager writes one", function()
    local s2, d2 = new_repo()
    local path = assert(s2:new_note("one-on-one", "bo", { date = "2026-01-05" }))
    assert(s2:save("bo/" .. path:match("([^/]+)$")))
    assert.are.same({}, assert(leadnotes.items({ store = s2, date = "2026-01-06" })))
    assert.are.equal(0, assert(leadnotes.team("2026-01-06", { store = s2 }))[1].open_items)
    if EMACS then assert.are.same({}, org_open_todos(d2)) end
    sh("rm -rf " .. q(d2))
  end)

  it("lists items by owner and due date: the manager's by default, overdue ones, one person's", function()
    save(store, dir, "bo/2026-01-06-one-on-one.org",
      "* Action items\n** TODO Send Bo the budget\nDEADLINE: <2026-01-09 Fri>\n** TODO Draft the RFC\n:PROPERTIES:\n:OWNER: Bo\n:END:\n")
    local function texts(opts)
      opts.store, opts.date = store, "2026-01-10"
      local out = {}
      for _, e in ipairs(assert(leadnotes.items(opts))) do out[#out + 1] = e.text end
      return out
    end
    -- Oldest first; an item without OWNER is the manager's (config.manager here).
    assert.are.same({ "Book the training course", "Review the on-call rota", "Send Bo the budget" }, texts({ mine = true }))
    assert.are.same({ "Write the migration plan", "Draft the RFC" }, texts({ theirs = true }))
    assert.are.same({ "Draft the RFC" }, texts({ owner = "bo" }))
    assert.are.same({ "Send Bo the budget" }, texts({ overdue = true, mine = true }))
    assert.are.same({ "Draft the RFC", "Send Bo the budget" }, texts({ person = "bo" }))
    local e = assert(leadnotes.items({ store = store, date = "2026-01-10", person = "bo", mine = true }))[1]
    assert.are.equal("Dana", e.owner)
    assert.is_true(e.mine)
    assert.are.equal(4, e.age_days)
    assert.has_error(function() leadnotes.items({ owner = 3 }) end)
    assert.has_error(function() leadnotes.items({ date = "10/01/2026" }) end)
  end)

  it("the owner defaults to git's user.name when no manager is configured", function()
    config.setup({})
    assert(sh("git -C " .. q(dir) .. " config user.name 'Rosa Díaz'"))
    local items = assert(leadnotes.items({ store = store, date = "2026-01-10", mine = true }))
    assert.are.equal(2, #items)
    assert.are.equal("Rosa Díaz", items[1].owner)
  end)

  it("Markdown items move with an id comment, one open copy", function()
    config.setup({ manager = "Dana", format = "markdown" })
    save(store, dir, "cy/2026-01-05-one-on-one.md", "## Action items\n- [ ] Ship the docs\n- [x] Old one\n")
    local path = assert(store:new_note("one-on-one", "cy", { date = "2026-01-19" }))
    local new, old = read(path), read(dir .. "/cy/2026-01-05-one-on-one.md")
    local id = new:match("%- %[ %] Ship the docs <!%-%- id: (%S+);")
    assert.is_string(id)
    assert.matches("\n%- Ship the docs <!%-%- id: " .. id:gsub("%-", "%%-") .. "; moved: 2026%-01%-19%-one%-on%-one%.md %-%->", old)
    assert.are.equal(1, #assert(leadnotes.items({ store = store, date = "2026-01-20", person = "cy" })))
  end)

  it("a Markdown item carried twice keeps its age from the note it was first written in", function()
    config.setup({ manager = "Dana", format = "markdown" })
    write(dir, "cy/2026-01-05-one-on-one.md", "## Action items\n- [ ] Ship the docs\n")
    h.commit(dir, "cy/2026-01-05-one-on-one.md", "2026-01-05")
    local p1 = assert(store:new_note("one-on-one", "cy", { date = "2026-01-19" }))
    h.commit(dir, p1:sub(#dir + 2), "2026-01-19")
    local p2 = assert(store:new_note("one-on-one", "cy", { date = "2026-02-02" }))
    h.commit(dir, p2:sub(#dir + 2), "2026-02-02")
    assert.matches("since: 2026%-01%-05", read(p2))
    local cy
    for _, e in ipairs(assert(leadnotes.team("2026-02-03", { store = store }))) do
      if e.dir == "cy" then cy = e end
    end
    assert.are.equal(1, cy.open_items)
    assert.are.equal(29, cy.oldest_open_days)
    assert.are.equal(29, assert(leadnotes.items({ store = store, date = "2026-02-03", person = "cy" }))[1].age_days)
  end)

  it("a note committed days after its meeting dates its items by the meeting, in every view", function()
    -- As when a folder of old notes is adopted: git first sees the items
    -- on 02-16, the meeting was on 02-02.
    write(dir, "eli/2026-02-02-one-on-one.org", "* Action items\n** TODO Write the launch checklist\n")
    h.commit(dir, "eli/2026-02-02-one-on-one.org", "2026-02-16")
    local eli
    for _, e in ipairs(assert(leadnotes.team("2026-02-16", { store = store }))) do
      if e.dir == "eli" then eli = e end
    end
    assert.are.equal(14, eli.oldest_open_days)
    local listed = assert(leadnotes.items({ store = store, date = "2026-02-16", person = "eli" }))
    assert.are.equal(14, listed[1].age_days)
    assert.are.equal("2026-02-02", listed[1].first_seen)
    local carried = assert(leadnotes.carry_over("eli", "2026-02-16", { store = store }))
    assert.are.equal("2026-02-02", carried[1].first_seen)
    local path = assert(store:new_note("one-on-one", "eli", { date = "2026-02-16" }))
    assert.matches(":FIRST_SEEN: [2026-02-02", read(path), 1, true)
  end)

  it("nudges name the items past their deadline and what the manager owes, oldest first", function()
    save(store, dir, "bo/2026-01-06-one-on-one.org",
      "* Action items\n** TODO Send Bo the budget\nDEADLINE: <2026-01-09 Fri>\n** TODO Draft the RFC\n:PROPERTIES:\n:OWNER: Bo\n:END:\n")
    local got = {}
    for _, n in ipairs(assert(leadnotes.nudges("2026-01-10", { store = store, person = "bo" }))) do
      got[#got + 1] = n.kind .. ": " .. n.text
    end
    assert.truthy(has_value(got, 'deadline: "Send Bo the budget" (yours, for bo) was due on 2026-01-09'), table.concat(got, "\n"))
    assert.truthy(has_value(got, 'owed: you owe bo 1 item, the oldest since 2026-01-06: "Send Bo the budget"'), table.concat(got, "\n"))
    local ana = {}
    for _, n in ipairs(assert(leadnotes.nudges("2026-01-13", { store = store, person = "ana" }))) do ana[#ana + 1] = n.text end
    assert.truthy(has_value(ana, '"Write the migration plan" (Ana\'s, for ana) was due on 2026-01-12'), table.concat(ana, "\n"))
    assert.truthy(has_value(ana, 'you owe ana 2 items, the oldest since 2026-01-05: "Review the on-call rota"'), table.concat(ana, "\n"))
  end)

  it("a report with a folder and no one-on-one yet gets a nudge, as the team view says", function()
    assert(store:profile("Cy Newman", { role = "Engineer" }))
    local entry
    for _, e in ipairs(assert(leadnotes.team("2026-01-10", { store = store }))) do
      if e.dir == "Cy-Newman" then entry = e end
    end
    assert.is_true(entry.overdue)
    assert.are.equal("Cy Newman", entry.person)
    local texts = {}
    for _, n in ipairs(assert(leadnotes.nudges("2026-01-10", { store = store }))) do texts[#texts + 1] = n.text end
    assert.truthy(has_value(texts, "no one-on-one with Cy Newman yet"), table.concat(texts, "\n"))
  end)

  it("finds a person whatever the case and accents, and never makes a second folder", function()
    save(store, dir, "José-María-Núñez/2026-01-05-one-on-one.org", "* Action items\n** TODO Plan the offsite\n")
    local items = assert(leadnotes.items({ store = store, date = "2026-01-06", person = "jose maria nunez" }))
    assert.are.equal(1, #items)
    assert.are.equal("José María Núñez", items[1].person)
    assert(store:profile("José María Núñez", { role = "Engineer" }))
    local path = assert(store:new_note("one-on-one", "JOSE MARIA NUNEZ", { date = "2026-01-19" }))
    assert.matches("/José%-María%-Núñez/2026%-01%-19%-one%-on%-one%.org$", path)
    -- The note names the person as the profile does, and the folder found.
    local note = read(path)
    assert.matches("#+TITLE: One-on-one with José María Núñez, 2026-01-19\n", note, 1, true)
    assert.matches("\n:PERSON: José-María-Núñez\n", note, 1, true)
    -- A decomposed (NFD) spelling finds the same folder.
    local nfd = "Jose\204\129 Mari\204\129a Nu\204\131n\204\131ez"
    assert.are.equal(1, #assert(leadnotes.items({ store = store, date = "2026-01-20", person = nfd })))
    local folders = capture("ls " .. q(dir))
    local _, n = folders:gsub("[Jj]os", "")
    assert.are.equal(1, n)
  end)

  it("a name typed decomposed (NFD) becomes an NFC folder, and its profile keeps the name as typed", function()
    local nfd = "Zoe\204\136 Ma\204\136rz"
    local path = assert(store:new_note("one-on-one", nfd, { date = "2026-01-05" }))
    assert.matches("/Zo\195\171%-M\195\164rz/2026%-01%-05%-one%-on%-one%.org$", path)
    assert(store:profile(nfd, { role = "Designer" }))
    local p = assert(store:profile("zoe marz"))
    assert.are.equal("Zo\195\171 M\195\164rz", p.name)
    assert.are.equal("Zo\195\171-M\195\164rz", p.person)
  end)

  it("leadnotes items prints aligned columns by display width, and filters like the API", function()
    save(store, dir, "José-María-Núñez/2026-01-05-one-on-one.org", "* Action items\n** TODO Plan the offsite\n")
    local cli = require("leadnotes.cli")
    local function run(args)
      local buf = { text = "" }
      function buf:write(...) for _, v in ipairs({ ... }) do self.text = self.text .. tostring(v) end end
      local status = cli.run(args, { out = buf, err = buf, dir = dir })
      return status, buf.text
    end
    local status, out = run({ "items", "--date", "2026-01-20" })
    assert.are.equal(0, status)
    local lines = {}
    for line in out:gmatch("[^\n]+") do lines[#lines + 1] = line end
    assert.are.equal(5, #lines)
    assert.matches("^PERSON%s+ITEM%s+OWNER%s+DUE%s+AGE%s+CARRIED%s+WHERE$", lines[1])
    -- Every row's ITEM column starts at the same display column.
    local text = require("leadnotes.insights.text")
    local col = text.width(lines[1]:match("^(PERSON%s+)"))
    for i = 2, #lines do
      local person = lines[i]:match("^(.-%s%s+)")
      assert.are.equal(col, text.width(person), lines[i])
    end
    assert.matches("José María Núñez%s+Plan the offsite%s+Dana", out)
    status, out = run({ "items", "ana", "--theirs", "--overdue", "--date", "2026-01-20" })
    assert.are.equal(0, status)
    assert.matches("Write the migration plan%s+Ana%s+2026%-01%-12 %(late%)", out)
    assert.is_nil(out:find("on-call", 1, true))
    status, out = run({ "items", "--mine", "--theirs" })
    assert.are.equal(2, status)
    assert.matches("not both", out)
  end)
end)
