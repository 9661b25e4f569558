-- Bad values are refused, not guessed (issue 11, item 7): impossible dates
-- wherever a date is taken, profile numbers, history{limit=0}, unknown
-- option keys, and the command line's usage errors (exit 2). Results are
-- checked against the notes folder with git.
package.path = "lua/?.lua;lua/?/init.lua;tests/lua/?.lua;" .. package.path
local H = require("hardening_helpers")

local function cli(dir, args)
  local words = { H.quote(H.interp), H.quote(H.source_dir .. "/lua/leadnotes/cli.lua"), "--dir", H.quote(dir) }
  for _, a in ipairs(args) do words[#words + 1] = H.quote(a) end
  local err = os.tmpname()
  local out, _, status = H.capture("{ " .. table.concat(words, " ") .. " 2>" .. H.quote(err) .. "; }")
  local stderr = H.read(err) or ""
  os.remove(err)
  return status, out, stderr
end

local BAD_DATES = { "2026-02-30", "2026-13-45", "0000-01-01", "2025-02-29", "2026-04-31", "2026-1-5", "soon" }

describe("values", function()
  local validate = require("leadnotes.validate")
  after_each(function() H.cleanup() end)

  it("one checker refuses impossible dates and accepts real ones, leap days included", function()
    for _, d in ipairs(BAD_DATES) do
      assert.is_false(validate.is_date(d), d)
      assert.is_string(validate.date_problem(d))
    end
    for _, d in ipairs({ "2024-02-29", "2000-02-29", "0001-01-01", "9999-12-31", "2026-12-31" }) do
      assert.is_true(validate.is_date(d), d)
    end
    assert.is_false(validate.is_date("1900-02-29"))
  end)

  it("whole numbers refuse nan, inf, huge and fractional values", function()
    for _, v in ipairs({ 0 / 0, math.huge, -math.huge, 1e18, 1.5, 0, 366, "7days", "1e3", "" }) do
      assert.is_nil((validate.whole(v, 1, 365)), tostring(v))
    end
    assert.are.equal(14, validate.whole("14", 1, 365))
    assert.are.equal(365, validate.whole(365, 1, 365))
  end)

  it("every API that takes a date refuses an impossible one", function()
    local leadnotes = require("leadnotes")
    local dir = H.tmpdir() .. "/notes"
    local store = assert(require("leadnotes.notes").open(dir))
    local before = H.git(dir, "log --oneline --all")
    for _, d in ipairs({ "2026-02-30", "2026-13-45", "0000-01-01" }) do
      assert.has_error(function() leadnotes.team(d, { store = store }) end)
      assert.has_error(function() leadnotes.nudges(d, { store = store }) end)
      assert.has_error(function() leadnotes.prompt({ date = d }) end)
      assert.has_error(function() leadnotes.packet("Dana", d, "2026-03-01", { store = store }) end)
      assert.has_error(function() leadnotes.render("one-on-one", "Dana", {}, { date = d, store = store }) end)
      assert.has_error(function() leadnotes.fields("one-on-one", { date = d }) end)
      assert.has_error(function() store:new_note("one-on-one", "Dana", { date = d }) end)
      assert.has_error(function() store:profile("Dana", { next_review = d }) end)
    end
    -- Nothing was written or committed by any of them.
    assert.are.equal(before, (H.git(dir, "log --oneline --all")))
    assert.is_nil(H.capture("find " .. H.quote(dir) .. " -name '*.org'"):match("%S"))
    store:close()
  end)

  it("a profile's cadence is a whole number of days from 1 to 365, and nothing else reaches the file", function()
    local dir = H.tmpdir() .. "/notes"
    local store = assert(require("leadnotes.notes").open(dir))
    for _, v in ipairs({ 0 / 0, math.huge, -math.huge, 1e18, 0, 366, 2.5, "-nan", "inf", "1e+18" }) do
      local ok, err = pcall(store.profile, store, "Dana", { cadence_days = v })
      assert.is_false(ok, tostring(v))
      assert.matches("cadence_days", tostring(err))
    end
    assert.is_nil(H.read(dir .. "/dana/profile.org"))
    assert.truthy(store:profile("Dana", { cadence_days = "21" }))
    local text = H.read(dir .. "/dana/profile.org") or H.read(dir .. "/Dana/profile.org")
    assert.matches(":CADENCE_DAYS: 21\n", text)
    assert.is_nil(text:find("nan", 1, true))
    assert.are.equal("", (H.git(dir, "status --porcelain")))
    store:close()
  end)

  it("setup refuses a cadence or delay that is not a sensible whole number", function()
    local config = require("leadnotes.config")
    for _, v in ipairs({ 0 / 0, math.huge, 1e18, 0, 1.5 }) do
      assert.has_error(function() config.setup({ cadence_days = v }) end)
    end
    assert.has_error(function() config.setup({ auto_sync_delay_ms = -1 }) end)
    assert.truthy(config.setup({ cadence_days = 7 }))
    config.setup({})
  end)

  it("history with limit 0 returns nothing, as git log -n 0 does", function()
    local dir = H.tmpdir() .. "/notes"
    local store = assert(require("leadnotes.notes").open(dir))
    os.execute("mkdir -p " .. H.quote(dir .. "/dana"))
    H.write(dir .. "/dana/2026-01-05-one-on-one.org", "* Notes\n")
    assert.truthy(store:save("dana/2026-01-05-one-on-one.org"))
    assert.are.equal("", (H.git(dir, "log -n 0 --format=%H")))
    assert.are.equal(0, #store:history("dana", { limit = 0 }))
    assert.are.equal(1, #store:history("dana", { limit = 1 }))
    store:close()
  end)

  it("an unknown option key is an error naming the key", function()
    local leadnotes = require("leadnotes")
    local dir = H.tmpdir() .. "/notes"
    local store = assert(require("leadnotes.notes").open(dir))
    local cases = {
      function() return store:history("dana", { limt = 3 }) end,
      function() return store:sync("origin", { presss = true }) end,
      function() return leadnotes.prompt({ contex = "evaluation" }) end,
      function() return leadnotes.team(nil, { stor = store }) end,
      function() return leadnotes.nudges(nil, { persn = "Dana", store = store }) end,
      function() return leadnotes.render("one-on-one", "Dana", {}, { dat = "2026-01-05", store = store }) end,
      function() return leadnotes.packet("Dana", "2026-01-01", "2026-02-01", { levl = 2, store = store }) end,
      function() return leadnotes.core.compile("x"):render({}, nil, { escap = "none" }) end,
    }
    for i, case in ipairs(cases) do
      local ok, err = pcall(case)
      assert.is_false(ok, "case " .. i)
      assert.matches("unknown option '%a+'", tostring(err), nil, "case " .. i)
    end
    store:close()
  end)

  it("the command line exits 2 on every usage error and touches nothing", function()
    local dir = H.tmpdir() .. "/notes"
    local cases = {
      { "new", "one-on-one", "Dana", "--set", "date=2026-02-30" },
      { "new", "one-on-one", "Dana", "--set", "date=0000-01-01" },
      { "new", "weekly", "Dana" },
      { "prompt", "--context", "bogus" },
      { "prompt", "--date", "2026-13-45" },
      { "team", "--date", "2026-02-30" },
      { "team", "extra" },
      { "nudges", "extra" },
      { "nudges", "--date", "0000-03-01" },
      { "packet", "Dana", "2026-02-30", "2026-03-01" },
      { "history", "Dana", "--limit", "-1" },
      { "history", "Dana", "--limit", "1.5" },
      { "team", "--limit", "3" },
      { "save", "a.org", "b.org" },
      { "sync", "origin", "extra" },
      { "seal" },
      { "bogus" },
      { "--frobnicate", "team" },
    }
    for _, args in ipairs(cases) do
      local status, out, err = cli(dir, args)
      assert.are.equal(2, status, table.concat(args, " ") .. ": " .. out .. err)
      assert.matches("^leadnotes: ", err)
    end
    local files = H.capture("find " .. H.quote(dir) .. " -name '*.org' 2>/dev/null")
    assert.are.equal("", files)
  end)

  it("history --limit 0 prints nothing and exits 0", function()
    local dir = H.tmpdir() .. "/notes"
    local status, out = cli(dir, { "new", "one-on-one", "Dana" })
    assert.are.equal(0, status, out)
    status, out = cli(dir, { "save", (out:match("^([^\n]+)")) })
    assert.are.equal(0, status, out)
    status, out = cli(dir, { "history", "Dana", "--limit", "0" })
    assert.are.equal(0, status)
    assert.are.equal("", out)
  end)
end)
