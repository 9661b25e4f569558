-- The review packet as evidence: feedback given and received apart, items
-- with owners and outcomes, blockers and career, meeting and written dates,
-- the spread over months, and the evaluation template receiving it. Real
-- repositories; commits backdated with git itself.
local leadnotes = require("leadnotes")
local config = require("leadnotes.config")
local insights = require("leadnotes.insights")

local helpers = require("helpers")
local q, ok, write, read = helpers.quote, helpers.ok, helpers.write, helpers.must_read

-- Writes rel under dir and commits it with git, as made on `written`.
local function note(dir, rel, text, written)
  write(dir .. "/" .. rel, text)
  helpers.commit_dated(dir, rel, written, "note")
end

local OCT = [[
* Feedback both ways
** For José
- The incident write-up was clear and early
** For me
- Stop adding agenda items at the end of our 1:1
* Blockers I can remove
- Staging cluster is flaky
* Career growth
- Wants to lead the next migration
* Wins
- Shipped the importer
* Action items
** TODO Write the migration plan
:PROPERTIES:
:OWNER: José
:END:
** TODO Send José the budget
]]

describe("the review packet", function()
  local store, dir

  before_each(function()
    config.setup({ manager = "Dana" })
    insights.clear_cache()
    dir = helpers.tmpdir("packet") .. "/notes"
    store = assert(require("leadnotes.notes").open(dir))
    assert(store:profile("José María Núñez", { role = "Engineer" }))
    -- The profile's index lands off the caller's thread, under index.lock:
    -- let it land before git itself commits here.
    store:flush()
    local p = "José-María-Núñez/"
    note(dir, p .. "2026-09-15-one-on-one.org", "* Action items\n** TODO Fix the flaky test\n", "2026-09-15")
    -- Met on 10-27, typed up on 10-30.
    note(dir, p .. "2026-10-27-one-on-one.org", OCT, "2026-10-30")
    note(dir, p .. "2026-11-10-one-on-one.org",
      "#+TODO: TODO | DONE CANCELLED\n* Action items\n** DONE Write the migration plan\n** CANCELLED Fix the flaky test\n** TODO Send José the budget\n",
      "2026-11-10")
  end)

  after_each(function() require("insights_helpers").teardown(store) end)

  it("keeps feedback given and received apart, with blockers and career in their own sections", function()
    local text = assert(leadnotes.packet("jose maria nunez", "2026-10-01", "2026-11-30", { store = store }))
    assert.matches("#+TITLE: Review packet: José María Núñez\n", text, 1, true)
    assert.matches("* Feedback given to José María Núñez (1)\n- [met 2026-10-27, written 2026-10-30] The incident write-up was clear and early\n", text, 1, true)
    assert.matches("* Feedback received from José María Núñez (1)\n- [met 2026-10-27, written 2026-10-30] Stop adding agenda items at the end of our 1:1\n", text, 1, true)
    assert.matches("* Blockers (1)\n- [met 2026-10-27, written 2026-10-30] Staging cluster is flaky\n", text, 1, true)
    assert.matches("* Career (1)\n- [met 2026-10-27, written 2026-10-30] Wants to lead the next migration\n", text, 1, true)
    assert.matches("* Wins (1)\n", text, 1, true)
  end)

  it("lists items open at the start and opened, each with its owner and what became of it", function()
    local text = assert(leadnotes.packet("José María Núñez", "2026-10-01", "2026-11-30", { store = store }))
    assert.matches("* Action items open at the start (1)\n- [2026-09-15] Fix the flaky test (owner: Dana; dropped 2026-11-10)\n", text, 1, true)
    assert.matches("- [met 2026-10-27, written 2026-10-30] Write the migration plan (owner: José; closed 2026-11-10)", text, 1, true)
    assert.matches("- [met 2026-10-27, written 2026-10-30] Send José the budget (owner: Dana; still open)", text, 1, true)
    assert.matches("* Action items opened (2)", text, 1, true)
  end)

  it("chooses the period by meeting date: a note typed up days later is not dropped", function()
    local text = assert(leadnotes.packet("José María Núñez", "2026-10-20", "2026-10-28", { store = store }))
    assert.matches("* Meetings (1)\n- [met 2026-10-27, written 2026-10-30] one-on-one: "
      .. "[[file:José-María-Núñez/2026-10-27-one-on-one.org][2026-10-27-one-on-one.org]]", text, 1, true)
    local later = assert(leadnotes.packet("José María Núñez", "2026-10-29", "2026-10-31", { store = store }))
    assert.matches("* Meetings (0)", later, 1, true)
  end)

  it("ends with the evidence per month, so recency shows", function()
    local text = assert(leadnotes.packet("José María Núñez", "2026-09-01", "2026-12-31", { store = store }))
    local spread = text:match("%* Evidence per month\n(.*)$")
    assert.are.equal("- 2026-09:  2 ##\n- 2026-10:  8 ########\n- 2026-11:  1 #\n- 2026-12:  0\n", spread)
  end)

  it("is given to the evaluation template, links working from the evaluation's own folder", function()
    local path = assert(store:new_note("evaluation", "José María Núñez", { date = "2026-12-01", period = "2026-H2" }))
    local text = read(path)
    assert.matches(":evidence:noexport:", text, 1, true)
    assert.matches("\n*** Feedback received from José María Núñez (1)\n", text, 1, true)
    assert.matches("[[file:2026-10-27-one-on-one.org][2026-10-27-one-on-one.org]]", text, 1, true)
    assert.is_true(io.open(path:match("^(.*)/") .. "/2026-10-27-one-on-one.org") ~= nil, "the link's target exists")
    -- The quoted evidence is not the evaluation's own: it is not counted again.
    assert(store:save(path))
    local again = assert(leadnotes.packet("José María Núñez", "2026-10-01", "2026-12-31", { store = store }))
    assert.matches("* Feedback received from José María Núñez (1)\n", again, 1, true)
    assert.matches("* Blockers (1)\n", again, 1, true)
  end)

  it("renders {{packet}} in the user's own evaluation template", function()
    local tdir = dir:gsub("/notes$", "") .. "/templates"
    write(tdir .. "/evaluation.org", "* Review of {{person.name}}\nFrom {{packet_from}}:\n{{packet}}")
    config.setup({ manager = "Dana", templates_dir = tdir })
    local text = assert(require("leadnotes.templates").render("evaluation", "José María Núñez", {},
      { date = "2026-12-01", store = store }))
    assert.matches("From 2025-12-01:\n", text, 1, true)
    assert.matches("*** Feedback given to José María Núñez (1)", text, 1, true)
  end)
end)
