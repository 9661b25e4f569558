-- Carry-over, prompts chosen from the notes, profiles, nudges, the team view
-- and the review packet, on real repositories made by the store and by the
-- git command line (commits backdated so that git's date differs from the
-- date a note claims).
local leadnotes = require("leadnotes")
local config = require("leadnotes.config")
local insights = require("leadnotes.insights")

local helpers = require("helpers")
local q, sh, capture, has = helpers.quote, helpers.run, helpers.output, helpers.has
local GIT_ENV = helpers.GIT_ENV

local function write(dir, rel, text) helpers.write(dir .. "/" .. rel, text) end
local git_commit = helpers.commit_dated

local new_repo = require("insights_helpers").new_repo

local ALICE_1 = [[
#+TITLE: One-on-one with Alice
* Topics
- The migration and the new importer
* Action items
** TODO Write the migration plan
** TODO Review the on-call rota
- [ ] Book the training course
* Feedback
- Clear writing in the design doc
* Wins
- Shipped the importer
]]

local ALICE_2 = [[
#+TITLE: One-on-one with Alice
* Action items
** TODO Write the migration plan (since 2026-01-07, carried 1×)
** DONE Review the on-call rota
- [X] Book the training course
- [ ] Ask for the budget numbers
* Wins
- Ran the incident review
]]

describe("insights", function()
  local store, dir

  setup(function()
    config.setup({})
    store, dir = new_repo()
    -- Alice: two one-on-ones, each committed two days... after it claims.
    write(dir, "alice/2026-01-05-one-on-one.org", ALICE_1)
    git_commit(dir, { "alice/2026-01-05-one-on-one.org" }, "2026-01-07", "alice: one-on-one")
    write(dir, "alice/2026-01-19-one-on-one.org", ALICE_2)
    git_commit(dir, { "alice/2026-01-19-one-on-one.org" }, "2026-01-20", "alice: one-on-one")
    write(dir, "alice/profile.org", "#+TITLE: Alice\n* Profile\n:PROPERTIES:\n:ROLE: Engineer\n"
      .. ":START_DATE: 2025-06-01\n:CADENCE_DAYS: 7\n:NEXT_REVIEW: 2026-02-10\n:END:\n")
    git_commit(dir, { "alice/profile.org" }, "2026-01-02", "alice: profile")
    -- Bob: started recently.
    write(dir, "bob/profile.org", "* Profile\n:PROPERTIES:\n:START_DATE: <2026-01-20 Tue>\n:END:\n")
    write(dir, "bob/2026-01-22-one-on-one.org", "* Topics\n- Getting set up, laptop arrived\n")
    git_commit(dir, { "bob/profile.org", "bob/2026-01-22-one-on-one.org" }, "2026-01-22", "bob")
    -- Carol: talked of career long ago, then not.
    write(dir, "carol/2025-12-01-one-on-one.org", "* Career\n- Wants to learn Rust this spring\n")
    git_commit(dir, { "carol/2025-12-01-one-on-one.org" }, "2025-12-01", "carol")
    write(dir, "carol/2026-03-05-one-on-one.org", "* Topics\n- The release date\n")
    git_commit(dir, { "carol/2026-03-05-one-on-one.org" }, "2026-03-05", "carol")
  end)

  teardown(function()
    if store and store.close then store:close() end
    if dir then sh("rm -rf " .. q(dir)) end
    config.setup({})
  end)

  it("git's history has the dates the fixture set (not the notes' own)", function()
    local out = capture("git -C " .. q(dir) .. " log --format=%cs -- alice/2026-01-05-one-on-one.org")
    assert.are.equal("2026-01-07\n", out)
  end)

  describe("reading a note", function()
    local summarize = insights._summarize
    it("template boilerplate is not career talk; what the manager writes is", function()
      local empty = "* Career growth\n# Where do they want to be in a year?\n-\n** Leadership prompt\n#+begin_quote\nAsk what they want to learn next.\n#+end_quote\n"
      assert.is_false(summarize(empty, "org").career)
      assert.is_true(summarize("* Career growth\n# prompt text\n- wants to lead the next migration\n", "org").career)
      -- Stray words are not career talk; the career section's content is.
      for _, stray in ipairs({ "Of course", "I learned of a delay", "promote the canary", "backlog keeps growing",
        "She asked about a conference in May" }) do
        assert.is_false(summarize("* Topics\n- " .. stray .. "\n", "org").career, stray)
      end
      assert.is_false(summarize("* TODO Sign up for the course\n", "org").career)
      assert.is_true(summarize("* Career growth\n** TODO Sign up for the course\n", "org").career)
      assert.is_false(summarize("* Topics\n- The release date\n", "org").career)
      assert.is_true(summarize("## Career growth\n- Wants to mentor an intern\n", "md").career)
    end)

    it("finds action items, prompt ids, feedback and wins", function()
      local s = summarize([[
* One-on-one
:PROPERTIES:
:PROMPT: training-05
:END:
** Wins
- Shipped it
** Feedback both ways
*** For them
- Kept the demo short
** Action items
*** TODO Write it (since 2026-01-02, carried 2×)
*** DONE Old one
- [ ] A box
- [X] A done box
]], "org")
      assert.are.same({ "training-05" }, s.prompts)
      assert.are.same({ "Shipped it" }, s.wins)
      assert.are.same({ "Kept the demo short" }, s.feedback)
      local got = {}
      for _, item in ipairs(s.items) do got[#got + 1] = item.text .. (item.open and " open" or " closed") end
      assert.are.same({ "Write it open", "Old one closed", "A box open", "A done box closed" }, got)
      assert.are.same({ "training-05" }, summarize("# Notes\n<!-- prompt: training-05 -->\n", "md").prompts)
    end)
  end)

  describe("carry-over", function()
    it("lists open items once, dated by the meeting that first held them, with how often they were carried", function()
      local items = assert(leadnotes.carry_over("alice", "2026-02-02", { store = store }))
      assert.are.equal(2, #items)
      assert.are.equal("Write the migration plan", items[1].text)
      assert.are.equal("2026-01-05", items[1].first_seen) -- the note's date; git saw it on 01-07
      assert.are.equal(2, items[1].carried)
      assert.are.equal("Ask for the budget numbers", items[2].text)
      assert.are.equal("2026-01-19", items[2].first_seen)
      assert.are.equal(1, items[2].carried)
    end)

    it("an item closed in a later note is not carried; notes after the date are not read", function()
      local items = assert(leadnotes.carry_over("alice", "2026-01-19", { store = store }))
      local texts = {}
      for _, item in ipairs(items) do texts[#texts + 1] = item.text end
      table.sort(texts)
      assert.are.same({ "Book the training course", "Review the on-call rota", "Write the migration plan" }, texts)
    end)

    it("a person without notes has nothing to carry", function()
      assert.are.same({}, assert(leadnotes.carry_over("zed", "2026-02-02", { store = store })))
    end)

    it("bad arguments are errors naming the function", function()
      assert.has_error(function() leadnotes.carry_over(nil) end)
      local ok, err = pcall(leadnotes.carry_over, "alice", "2026-02-31", { store = store })
      assert.is_false(ok)
      assert.matches("carry_over", err)
    end)
  end)

  describe("prompts from the notes", function()
    it("a report in the first 90 days gets an onboarding prompt", function()
      local p = assert(leadnotes.prompt({ person = "bob", date = "2026-02-01", store = store }))
      assert.is_true(has(p.contexts, "onboarding"), p.id)
      -- Long after the start date it is no longer onboarding-only.
      local any_other = false
      for d = 1, 20 do
        local later = assert(leadnotes.prompt({ person = "bob", date = string.format("2026-06-%02d", d), store = store }))
        if not has(later.contexts, "onboarding") then any_other = true end
      end
      assert.is_true(any_other)
    end)

    it("90 days without career talk brings a training prompt", function()
      for d = 10, 20 do
        local p = assert(leadnotes.prompt({ person = "carol", date = string.format("2026-03-%02d", d), store = store }))
        assert.is_true(has(p.duties, "training"), p.id)
      end
      local free = false
      for d = 1, 20 do
        local p = assert(leadnotes.prompt({ person = "carol", date = string.format("2026-01-%02d", d), store = store }))
        if not has(p.duties, "training") then free = true end
      end
      assert.is_true(free, "within 90 days of career talk the choice is not forced")
    end)

    it("an evaluation brings an evaluating prompt", function()
      local p = assert(leadnotes.prompt({ context = "evaluation", person = "alice", date = "2026-02-02", store = store }))
      assert.is_true(has(p.duties, "evaluating"), p.id)
    end)

    it("no prompt repeats within 30 days, remembered from the notes themselves", function()
      local shown = {}
      for i = 1, 25 do
        local date = string.format("2026-04-%02d", i)
        local p = assert(leadnotes.prompt({ person = "dave", date = date, store = store }))
        local again = assert(leadnotes.prompt({ person = "dave", date = date, store = store }))
        assert.are.equal(p.id, again.id)
        assert.is_nil(shown[p.id], "repeated " .. p.id .. " on " .. date)
        shown[p.id] = true
        write(dir, "dave/" .. date .. "-one-on-one.org", "* Prompt\n# prompt: " .. p.id .. "\n" .. p.text .. "\n")
        -- The same day asked again after the note records it: same answer.
        local after = assert(leadnotes.prompt({ person = "dave", date = date, store = store }))
        assert.are.equal(p.id, after.id)
      end
    end)
  end)

  describe("profiles", function()
    it("store:profile writes profile.org, commits it, and reads it back", function()
      local prof = assert(store:profile("erin", { role = "Designer", start_date = "2026-01-10",
        cadence_days = 21, next_review = "2026-07-01" }))
      assert.are.equal("Designer", prof.role)
      assert.are.equal(21, prof.cadence_days)
      assert.are.equal("600", capture("stat -c %a " .. q(dir .. "/erin/profile.org")):match("%d+"))
      assert.are.equal("", capture("git -C " .. q(dir) .. " status --porcelain -- erin"))
      assert.matches("erin", capture("git -C " .. q(dir) .. " log -1 --format=%s -- erin/profile.org"))
      prof = assert(store:profile("erin", { role = "Lead designer" }))
      assert.are.equal("Lead designer", prof.role)
      assert.are.equal("2026-01-10", prof.start_date)
      assert.are.equal("2026-07-01", prof.next_review)
      local text = capture("git -C " .. q(dir) .. " show HEAD:erin/profile.org")
      assert.matches(":ROLE: Lead designer", text, 1, true)
      assert.are.equal(1, select(2, text:gsub(":ROLE:", "")))
      assert.is_true(sh("git -C " .. q(dir) .. " fsck --strict >/dev/null 2>&1"))
    end)

    it("a missing profile has the configured cadence", function()
      local prof = assert(store:profile("carol"))
      assert.are.equal(14, prof.cadence_days)
      assert.is_false(prof.exists)
    end)

    it("bad fields are errors, and nothing is written", function()
      assert.has_error(function() store:profile("erin", { start_date = "soon" }) end)
      assert.has_error(function() store:profile("erin", { salary = 1 }) end)
      assert.has_error(function() store:profile("erin", { role = "two\nlines" }) end)
      assert.has_error(function() store:profile("erin", { role = "nul\0byte" }) end)
      assert.has_error(function() store:profile("erin", { cadence_days = 0 }) end)
      assert.are.equal("Lead designer", store:profile("erin").role)
    end)
  end)

  describe("team view and nudges", function()
    it("one entry per person from profiles and notes", function()
      local team = assert(leadnotes.team("2026-02-02", { store = store }))
      local by = {}
      for _, e in ipairs(team) do by[e.dir] = e end
      local a = assert(by.alice)
      assert.are.equal("2026-01-19", a.last_one_on_one)
      assert.are.equal(14, a.days_since)
      assert.are.equal(7, a.cadence_days)
      assert.is_true(a.overdue)
      assert.are.equal(2, a.open_items)
      assert.are.equal(28, a.oldest_open_days)
      assert.are.equal("2026-02-10", a.next_review)
      local b = assert(by.bob)
      assert.are.equal(14, b.cadence_days)
      assert.is_false(b.overdue)
      assert.are.equal(0, b.open_items)
      assert.is_nil(b.oldest_open_days)
    end)

    it("a second call reads no note whose blob did not change", function()
      insights.clear_cache()
      local p0, r0 = insights.stats.parses, insights.stats.reads
      assert(leadnotes.team("2026-02-02", { store = store }))
      local cold = insights.stats.reads - r0
      assert.is_true(cold >= 8, "cold call read " .. cold)
      local p1, r1 = insights.stats.parses, insights.stats.reads
      assert(leadnotes.team("2026-02-02", { store = store }))
      assert.are.equal(0, insights.stats.reads - r1)
      assert.are.equal(0, insights.stats.parses - p1)
      assert.is_true(p1 > p0)
      -- dave's notes were never committed; committing them with git changes
      -- no content: nothing is read again.
      assert(sh("cd " .. q(dir) .. " && git add dave && " .. GIT_ENV .. " git commit -q -m dave"))
      local r2 = insights.stats.reads
      assert(leadnotes.team("2026-02-02", { store = store }))
      assert.are.equal(0, insights.stats.reads - r2)
      -- Change one note: that one is read again, alone.
      write(dir, "alice/2026-01-19-one-on-one.org", ALICE_2 .. "** TODO One more thing\n")
      local r4 = insights.stats.reads
      local team = assert(leadnotes.team("2026-02-02", { store = store }))
      assert.are.equal(1, insights.stats.reads - r4)
      local r5 = insights.stats.reads
      assert(leadnotes.team("2026-02-02", { store = store }))
      assert.are.equal(0, insights.stats.reads - r5)
      for _, e in ipairs(team) do
        if e.dir == "alice" then assert.are.equal(3, e.open_items) end
      end
      write(dir, "alice/2026-01-19-one-on-one.org", ALICE_2)
    end)

    it("nudges: overdue one-on-ones, old open items, reviews due, career gaps", function()
      local list = assert(leadnotes.nudges("2026-02-10", { store = store }))
      local kinds = {}
      for _, n in ipairs(list) do
        kinds[n.person .. ":" .. n.kind] = n.text
        assert.is_string(n.text)
      end
      assert.matches("22 days", kinds["alice:overdue"])
      assert.matches("1 open item", kinds["alice:open_items"])
      assert.matches("2026%-01%-05", kinds["alice:open_items"])
      assert.matches("review", kinds["alice:review"])
      assert.matches("19 days", kinds["bob:overdue"])
      assert.is_nil(kinds["bob:review"])
      assert.is_nil(kinds["alice:duty_gap"])
      local later = assert(leadnotes.nudges("2026-03-10", { store = store }))
      local gap = false
      for _, n in ipairs(later) do
        if n.person == "carol" and n.kind == "duty_gap" then gap = true end
      end
      assert.is_true(gap)
    end)

    it("the review notice follows the option", function()
      config.setup({ review_notice_days = 3 })
      local list = assert(leadnotes.nudges("2026-02-02", { store = store }))
      for _, n in ipairs(list) do assert.is_not.equal("alice:review", n.person .. ":" .. n.kind) end
      config.setup({})
    end)
  end)

  describe("review packet", function()
    it("dates each entry by its meeting, and by when git saw it too when that was days later", function()
      local text = assert(leadnotes.packet("alice", "2026-01-01", "2026-01-31", { store = store }))
      assert.matches("#+TITLE: Review packet: Alice", text, 1, true)
      -- 01-05 was committed on 01-07: two days, the meeting date alone.
      assert.matches("- [2026-01-05] one-on-one: [[file:alice/2026-01-05-one-on-one.org]", text, 1, true)
      assert.matches("- [2026-01-05] Write the migration plan (owner: ", text, 1, true)
      assert.matches("- [2026-01-19] Ask for the budget numbers (owner: ", text, 1, true)
      assert.matches("%- %[2026%-01%-05%] Review the on%-call rota %(owner: %S.-; closed 2026%-01%-19%)", text)
      assert.matches("* Feedback given to Alice (1)\n- [2026-01-05] Clear writing in the design doc", text, 1, true)
      assert.matches("- [2026-01-05] Shipped the importer", text, 1, true)
      assert.matches("- [2026-01-19] Ran the incident review", text, 1, true)
      assert.matches("* Evidence per month\n- 2026-01:", text, 1, true)
      -- Parsed back as org: one headline per section, no stray headline.
      if leadnotes.core.parse_org then
        local doc = leadnotes.core.parse_org(text)
        for _, h in ipairs(doc.headlines) do assert.are.equal(1, h.level) end
      end
    end)

    it("keeps to the period", function()
      local text = assert(leadnotes.packet("alice", "2026-01-08", "2026-01-31", { store = store }))
      -- Opened before the period and still open: listed as open at its start.
      assert.matches("* Action items open at the start (3)\n", text, 1, true)
      assert.matches("%- %[2026%-01%-05%] Write the migration plan %(owner: %S.-; still open%)", text)
      assert.matches("%- %[2026%-01%-05%] Book the training course %(owner: %S.-; closed 2026%-01%-19%)", text)
      assert.matches("* Meetings (1)", text, 1, true)
      assert.is_nil(text:find("Clear writing in the design doc", 1, true))
      assert.matches("Ask for the budget numbers", text, 1, true)
    end)

    it("nests inside another note at a given level", function()
      local text = assert(leadnotes.packet("alice", "2026-01-01", "2026-01-31", { store = store, level = 3 }))
      assert.is_nil(text:find("#+TITLE", 1, true))
      assert.matches("\n%*%*%* Meetings %(2%)", text)
      local ctx = insights.template_context("evaluation", "alice", "2026-02-10", { store = store })
      assert.are.equal("2025-02-10", ctx.packet_from)
      assert.matches("*** Action items opened (", ctx.packet, 1, true)
      -- Links from the evaluation note's own folder.
      assert.matches("[[file:2026-01-05-one-on-one.org]", ctx.packet, 1, true)
    end)

    it("refuses a period that ends before it starts", function()
      assert.has_error(function() leadnotes.packet("alice", "2026-02-01", "2026-01-01", { store = store }) end)
    end)
  end)

  describe("with the templates", function()
    it("a new one-on-one lists the carried items and records its prompt, which is then not repeated", function()
      local s2, dir2 = new_repo()
      write(dir2, "fay/2026-02-02-one-on-one.org", "* Action items\n** TODO Draft the hiring plan\n** DONE Old thing\n")
      git_commit(dir2, { "fay/2026-02-02-one-on-one.org" }, "2026-02-03", "fay")
      local path = assert(s2:new_note("one-on-one", "fay", { date = "2026-02-16" }))
      local f = assert(io.open(path, "rb"))
      local text = f:read("*a")
      f:close()
      assert.matches("TODO Draft the hiring plan", text, 1, true)
      assert.is_nil(text:find("Old thing", 1, true))
      assert.matches("2026-02-02", text, 1, true) -- the meeting's date, not the commit's 02-03
      local id = text:match(":PROMPT:%s*([%w%-_.]+)")
      assert.is_string(id)
      local p = assert(leadnotes.prompt({ person = "fay", date = "2026-02-16", store = s2 }))
      assert.are.equal(id, p.id) -- the same day: the same prompt
      assert(s2:save(path))
      for d = 17, 28 do
        local later = assert(leadnotes.prompt({ person = "fay", date = string.format("2026-02-%02d", d), store = s2 }))
        assert.is_not.equal(id, later.id)
      end
      -- The carried item, saved in the new note, counts as carried twice now.
      local items = assert(leadnotes.carry_over("fay", "2026-03-02", { store = s2 }))
      local found
      for _, item in ipairs(items) do if item.text == "Draft the hiring plan" then found = item end end
      assert.are.equal(2, found.carried)
      assert.are.equal("2026-02-02", found.first_seen)
      if s2.close then s2:close() end
      sh("rm -rf " .. q(dir2))
    end)
  end)

  describe("other layouts", function()
    it("a notes folder inside a bigger repository, Markdown notes and CRLF", function()
      local outer = os.tmpname()
      os.remove(outer)
      assert(sh("mkdir -p " .. q(outer) .. " && git init -q " .. q(outer)))
      write(outer, "README", "not notes\n")
      git_commit(outer, { "README" }, "2026-01-01", "outer")
      local s3 = assert(require("leadnotes.notes").open(outer .. "/work/notes", { shared = true }))
      write(outer, "work/notes/gil/2026-01-05-one-on-one.md", "# One-on-one\r\n## Action items\r\n- [ ] Book the room\r\n- [x] Send notes\r\n")
      assert(s3:save("gil/2026-01-05-one-on-one.md"))
      assert.are.equal("", capture("git -C " .. q(outer) .. " status --porcelain"))
      local team = assert(leadnotes.team("2026-01-30", { store = s3 }))
      assert.are.equal(1, #team)
      assert.are.equal("gil", team[1].dir)
      assert.are.equal(1, team[1].open_items)
      local items = assert(leadnotes.carry_over("gil", "2026-01-30", { store = s3 }))
      assert.are.equal(1, #items)
      assert.are.equal("Book the room", items[1].text)
      local files = leadnotes.core.team_files(s3)
      assert.are.equal("gil/2026-01-05-one-on-one.md", files[1].path)
      assert.are.equal(capture("git -C " .. q(outer) .. " rev-parse HEAD:work/notes/gil/2026-01-05-one-on-one.md"):match("%x+"), files[1].blob)
      if s3.close then s3:close() end
      sh("rm -rf " .. q(outer))
    end)
  end)

  describe("template context", function()
    it("gives the template open items, a prompt, nudges and the previous meeting", function()
      local ctx = insights.template_context("one-on-one", "alice", "2026-02-10", { store = store })
      assert.are.equal(2, #ctx.open_items)
      assert.are.equal("2026-01-05", ctx.open_items[1].first_seen)
      assert.are.equal(2, ctx.open_items[1].carried)
      assert.is_string(ctx.prompt.id)
      assert.is_string(ctx.prompt.text)
      assert.is_true(#ctx.nudges >= 2)
      assert.are.equal("2026-01-19", ctx.previous_meeting)
    end)
  end)
end)
