-- Nudges agree with the team view and clear when done: one computation for
-- both, reviews that move on after an evaluation, duty gaps read from the
-- template's sections, and unresolved sync conflicts. Real repositories.
local leadnotes = require("leadnotes")
local config = require("leadnotes.config")
local insights = require("leadnotes.insights")

local helpers = require("helpers")
local q, ok, write = helpers.quote, helpers.ok, helpers.write

local function new_repo()
  local dir = helpers.tmpdir("nudges") .. "/notes"
  return assert(require("leadnotes.notes").open(dir)), dir
end

local function save(store, dir, rel, text)
  write(dir .. "/" .. rel, text)
  assert(store:save(rel))
end

local function kinds(list, person)
  local out = {}
  for _, n in ipairs(list) do
    if not person or n.person == person then out[#out + 1] = n.kind .. (n.duty and (":" .. n.duty) or "") end
  end
  table.sort(out)
  return out
end

local function texts(list)
  local out = {}
  for _, n in ipairs(list) do out[#out + 1] = n.text end
  return table.concat(out, "\n")
end

describe("nudges", function()
  local store, dir

  before_each(function()
    config.setup({ manager = "Dana" })
    insights.clear_cache()
    store, dir = new_repo()
  end)

  after_each(function() require("insights_helpers").teardown(store) end)

  it("say what the team view says: every overdue report, including one never met", function()
    for i, name in ipairs({ "Ann Lee", "Bo Chen", "Cy Park", "Di Ruiz", "Ed Moss", "Flo Sá" }) do
      assert(store:profile(name, { role = "Engineer", start_date = "2026-01-0" .. i }))
    end
    save(store, dir, "Ann-Lee/2026-01-02-one-on-one.org", "* Topics\n- the roadmap\n")
    local day = "2026-01-04"
    local team = assert(leadnotes.team(day, { store = store }))
    local nudges = assert(leadnotes.nudges(day, { store = store }))
    local overdue_team, overdue_nudged = {}, {}
    for _, e in ipairs(team) do if e.overdue then overdue_team[#overdue_team + 1] = e.dir end end
    for _, n in ipairs(nudges) do if n.kind == "overdue" then overdue_nudged[#overdue_nudged + 1] = n.person end end
    table.sort(overdue_nudged)
    assert.are.same(overdue_team, overdue_nudged)
    assert.are.equal(5, #overdue_nudged)
    assert.matches("no one%-on%-one with Flo Sá yet", texts(nudges))
  end)

  it("a review nudge clears once the evaluation is written, and the next review moves on by the cadence", function()
    assert(store:profile("Ann Lee", { next_review = "2026-06-30", review_cadence_days = 182 }))
    save(store, dir, "Ann-Lee/2026-06-10-one-on-one.org", "* Topics\n- the roadmap\n")
    local before = assert(leadnotes.nudges("2026-06-25", { store = store }))
    assert.matches("review of Ann Lee due in 5 days %(2026%-06%-30%)", texts(before))
    save(store, dir, "Ann-Lee/2026-06-24-evaluation.org", "* Evaluation\n** Strengths\n- Led the migration\n")
    local after = assert(leadnotes.nudges("2026-06-25", { store = store }))
    assert.is_nil(texts(after):find("review of", 1, true))
    local e = assert(leadnotes.team("2026-06-25", { store = store }))[1]
    assert.are.equal("2026-12-29", e.next_review)
    -- The next one comes due in its turn.
    assert.matches("review of Ann Lee due in 9 days %(2026%-12%-29%)", texts(assert(leadnotes.nudges("2026-12-20", { store = store }))))
  end)

  it("duty gaps come from the template's sections having content, not from stray words", function()
    local stray = "* Topics\n- Of course\n- I learned of a delay\n- promote the canary\n- backlog keeps growing\n"
      .. "* Career growth\n# Where do they want to be in a year?\n-\n"
      .. "* Feedback both ways\n** For Bo\n# Situation, behaviour, effect.\n-\n** For me\n- Stop adding agenda items at the end\n"
      .. "* Wins\n-\n"
    for _, d in ipairs({ "2026-01-05", "2026-02-02", "2026-03-02", "2026-04-06" }) do
      save(store, dir, "Bo-Chen/" .. d .. "-one-on-one.org", stray)
    end
    local day = "2026-04-08"
    assert.are.same({ "duty_gap:career", "duty_gap:feedback", "duty_gap:recognition" },
      kinds(assert(leadnotes.nudges(day, { store = store })), "Bo-Chen"))
    local written = "* Career growth\n- Wants to lead the next migration\n"
      .. "* Feedback both ways\n** For Bo\n- The incident write-up was clear and early\n* Wins\n- Shipped the importer\n"
    save(store, dir, "Bo-Chen/2026-04-07-one-on-one.org", written)
    assert.are.same({}, kinds(assert(leadnotes.nudges(day, { store = store })), "Bo-Chen"))
  end)

  it("an unresolved sync conflict is a nudge until the note is resolved", function()
    local root = dir:gsub("/notes$", "")
    local note = "Ann-Lee/2026-01-05-one-on-one.org"
    local _, a, b = helpers.remote_and_clones(root, { [note] = "* One-on-one\nfirst\nsecond\nthird\n" })
    local sa, sb = assert(leadnotes.core.open(a)), assert(leadnotes.core.open(b))
    write(a .. "/" .. note, "* One-on-one\nfirst\nANN'S LINE\nthird\n")
    assert(sa:save(note))
    write(b .. "/" .. note, "* One-on-one\nfirst\nBOB'S LINE\nthird\n")
    assert(sb:save(note))
    assert(sa:sync())
    assert.are.same({ note }, assert(sb:sync()).conflicts)
    local nudges = assert(leadnotes.nudges("2026-01-06", { store = sb }))
    assert.matches("unresolved sync conflict in Ann%-Lee/2026%-01%-05%-one%-on%-one%.org", texts(nudges))
    -- The team view counts them (the nudges name each path).
    assert.are.equal(1, assert(leadnotes.team("2026-01-06", { store = sb }))[1].conflicts)
    write(b .. "/" .. note, "* One-on-one\nfirst\nBOTH LINES\nthird\n")
    assert(sb:save(note))
    assert.is_nil(texts(assert(leadnotes.nudges("2026-01-06", { store = sb }))):find("conflict", 1, true))
    sa:close()
    sb:close()
  end)

  it("name people as the manager typed them, once per line, and the team's columns line up", function()
    assert(store:profile("José María Núñez", { role = "Engineer" }))
    assert(store:profile("Bo Chen", { role = "Engineer" }))
    save(store, dir, "Bo-Chen/2026-01-02-one-on-one.org", "* Topics\n- the roadmap\n")
    local common = require("leadnotes.editor.common")
    local lines = common.nudge_lines(assert(leadnotes.nudges("2026-01-04", { store = store })))
    assert.are.same({ "no one-on-one with José María Núñez yet" }, lines)
    local team = common.team_lines(assert(leadnotes.team("2026-01-04", { store = store })))
    local text = require("leadnotes.insights.text")
    local col = text.width(team[1]:match("^(%S+%s+)"))
    for i = 2, #team do
      assert.are.equal(col, text.width(team[i]:match("^(.-%s%s+)")), team[i])
    end
    assert.matches("^José María Núñez ", team[3])
  end)
end)
