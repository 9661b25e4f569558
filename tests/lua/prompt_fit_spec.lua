-- Prompts that fit the person: a table of situations and what may be
-- shown in each, checked over two months of days against the real bank
-- and real notes. And the weekly prompt, which never comes back within 30
-- days.
local leadnotes = require("leadnotes")
local config = require("leadnotes.config")
local insights = require("leadnotes.insights")

local helpers = require("helpers")
local write, has = helpers.write, helpers.has

local MANAGER_OWN = require("leadnotes.insights.prompts").MANAGER_OWN

local function day_plus(date, n)
  return insights._date_of(insights._day_of(date) + n)
end

-- Each situation: the person's profile, earlier notes, the options, the
-- context; what must never be shown (duties, promotion prompts, the
-- manager's own first months, a new report's onboarding) and what must be
-- shown at least once in the days tried.
local SITUATIONS = {
  { name = "a first one-on-one with an experienced report",
    profile = { start_date = "2023-03-01" }, notes = {},
    never = { duties = { "firing", "hiring" }, manager_own = true, onboarding = true } },
  { name = "a report with a performance concern written down",
    profile = { start_date = "2023-03-01" },
    notes = { ["2026-02-02"] = "* Concerns\n- Missed the release date twice without warning\n" },
    never = { duties = { "hiring" }, manager_own = true, onboarding = true }, someday = { duties = { "firing" } },
    days = 120 },
  { name = "a report on an improvement plan",
    profile = { start_date = "2023-03-01", status = "improvement plan" },
    notes = { ["2026-02-02"] = "* Topics\n- the plan's first week\n" },
    never = { duties = { "hiring" }, promotion = true, manager_own = true, onboarding = true },
    someday = { duties = { "monitoring" } } },
  { name = "a report who is leaving",
    profile = { start_date = "2022-01-10", status = "leaving" },
    notes = { ["2026-02-02"] = "* Topics\n- the handover\n" },
    never = { duties = { "firing", "hiring" }, promotion = true, manager_own = true, onboarding = true } },
  { name = "a new report in their first weeks",
    profile = { start_date = "2026-02-16" }, notes = { ["2026-02-16"] = "* Topics\n- laptop, accounts\n" },
    never = { duties = { "firing" }, manager_own = true }, someday = { onboarding = true } },
  { name = "a report while the team hires",
    profile = { start_date = "2023-03-01" }, notes = { ["2026-02-02"] = "* Topics\n- the roadmap\n" },
    options = { open_roles = 1 },
    never = { duties = { "firing" }, manager_own = true, onboarding = true }, someday = { duties = { "hiring" } },
    days = 120 },
  { name = "the manager's own first months", context = "onboarding", person = false,
    never = { duties = {}, onboarding = true }, only_manager_own = true },
}

describe("prompts that fit the person", function()
  local root

  before_each(function()
    root = helpers.tmpdir("fit")
    insights.clear_cache()
  end)

  after_each(function()
    helpers.cleanup()
    config.setup({})
  end)

  for _, sit in ipairs(SITUATIONS) do
    it("shows only what fits: " .. sit.name, function()
      config.setup(sit.options or {})
      local dir = root .. "/notes"
      local store = assert(require("leadnotes.notes").open(dir))
      local person = "Ana Ruiz"
      if sit.profile then assert(store:profile(person, sit.profile)) end
      for date, text in pairs(sit.notes or {}) do
        write(dir .. "/Ana-Ruiz/" .. date .. "-one-on-one.org", text)
        assert(store:save("Ana-Ruiz/" .. date .. "-one-on-one.org"))
      end
      local seen_duty, seen_onboarding, chosen = {}, false, {}
      for i = 0, (sit.days or 60) - 1 do
        local date = day_plus("2026-03-01", i)
        local p = assert(leadnotes.prompt({ context = sit.context or "one-on-one",
          person = sit.person ~= false and person or nil, date = date, store = store }))
        chosen[p.id] = true
        for _, d in ipairs(sit.never.duties) do
          assert.is_false(has(p.duties, d), date .. ": " .. p.id .. " (" .. d .. ")")
        end
        if sit.never.promotion then assert.is_nil(p.text:lower():find("promot", 1, true), p.id) end
        if sit.never.manager_own then assert.is_nil(MANAGER_OWN[p.id], p.id) end
        if sit.only_manager_own then assert.is_true(MANAGER_OWN[p.id] == true, p.id) end
        if sit.never.onboarding and not MANAGER_OWN[p.id] then
          assert.is_false(has(p.contexts, "onboarding"), date .. ": " .. p.id)
        end
        for _, d in ipairs(p.duties) do seen_duty[d] = true end
        if has(p.contexts, "onboarding") then seen_onboarding = true end
      end
      for _, d in ipairs(sit.someday and sit.someday.duties or {}) do
        assert.is_true(seen_duty[d] == true, "a " .. d .. " prompt at least once")
      end
      if sit.someday and sit.someday.onboarding then assert.is_true(seen_onboarding, "an onboarding prompt") end
      local n = 0
      for _ in pairs(chosen) do n = n + 1 end
      assert.is_true(n >= 5, "some variety: " .. n)
      store:close()
    end)
  end

  it("the weekly prompt does not come back within 30 days, and keeps to what fits the team", function()
    local dir = root .. "/notes"
    local store = assert(require("leadnotes.notes").open(dir))
    assert(store:profile("Ana Ruiz", { start_date = "2023-03-01" }))
    local last = {}
    for week = 0, 51 do
      local date = day_plus("2026-01-05", week * 7)
      local p = assert(leadnotes.prompt({ context = "weekly", date = date, store = store }))
      local same_week = assert(leadnotes.prompt({ context = "weekly", date = day_plus(date, 3), store = store }))
      assert.are.equal(p.id, same_week.id, "one prompt a week")
      local day = insights._day_of(date)
      if last[p.id] then assert.is_true(day - last[p.id] > 30, p.id .. " again on " .. date) end
      last[p.id] = day
      assert.is_false(has(p.duties, "firing"), p.id)
      assert.is_false(has(p.duties, "hiring"), p.id)
      assert.is_nil(MANAGER_OWN[p.id], p.id)
    end
    store:close()
  end)

  it("help and errors name the same contexts", function()
    local names = require("leadnotes.insights.prompts").CONTEXT_NAMES
    local ok, err = pcall(leadnotes.prompt, { context = "retro" })
    assert.is_false(ok)
    assert.matches(names, tostring(err), 1, true)
    local buf = { text = "" }
    function buf:write(...) for _, v in ipairs({ ... }) do self.text = self.text .. tostring(v) end end
    require("leadnotes.cli").run({ "prompt", "--help" }, { out = buf, err = buf })
    assert.matches(names, buf.text, 1, true)
  end)
end)
