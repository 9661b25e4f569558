-- The prompt bank and leadnotes.prompt without a person (no notes needed).
local leadnotes = require("leadnotes")
local config = require("leadnotes.config")
local insights = require("leadnotes.insights")

local DUTIES = { "hiring", "communicating", "planning", "organizing", "training", "monitoring", "evaluating", "firing" }

local helpers = require("helpers")
local read = helpers.must_read

local function tmpfile(text)
  local path = os.tmpname()
  helpers.write(path, text)
  return path
end

describe("prompts", function()
  before_each(function() config.setup({}) end)
  after_each(function() config.setup({}) end)

  it("the built-in bank holds at least 120 prompts and every duty at least 10", function()
    local bank = assert(insights.bank())
    local list = bank:list()
    assert.is_true(#list >= 120, "only " .. #list .. " prompts")
    local per_duty, ids = {}, {}
    for _, p in ipairs(list) do
      assert.is_nil(ids[p.id], "duplicate id " .. p.id)
      ids[p.id] = true
      assert.is_true(#p.duties >= 1, p.id .. " has no duty")
      assert.is_truthy(p.kind, p.id .. " is neither manage nor lead")
      assert.is_true(#p.contexts >= 1, p.id .. " has no context")
      for _, d in ipairs(p.duties) do per_duty[d] = (per_duty[d] or 0) + 1 end
    end
    for _, d in ipairs(DUTIES) do
      assert.is_true((per_duty[d] or 0) >= 10, d .. " has only " .. tostring(per_duty[d]))
    end
  end)

  it("the bank file is org that names each prompt by an :ID: property", function()
    local text = read(leadnotes.root .. "/templates/prompts.org")
    local doc = leadnotes.core.parse_org and leadnotes.core.parse_org(text)
    local ids = 0
    for _ in text:gmatch("\n:ID:%s+[%w%-]+\n") do ids = ids + 1 end
    assert.are.equal(#assert(insights.bank()):list(), ids)
    if doc then
      local tagged = 0
      for _, h in ipairs(doc.headlines) do
        if h.level == 2 and #h.tags > 0 then tagged = tagged + 1 end
      end
      assert.are.equal(ids, tagged)
    end
  end)

  it("Emacs org-mode reads the same ids and tags as the C parser", function()
    local which = io.popen("command -v emacs 2>/dev/null")
    local emacs = which:read("*a")
    which:close()
    if emacs == "" then pending("emacs is not installed") return end
    local elisp = [[(progn (require 'org) (with-temp-buffer (insert-file-contents "templates/prompts.org") (org-mode) (org-map-entries (lambda () (let ((id (org-entry-get nil "ID"))) (when id (princ (format "%s %s\n" id (mapconcat 'identity (sort (copy-sequence (org-get-tags nil t)) 'string<) ",")))))))))]]
    local p = io.popen("cd " .. leadnotes.root .. " && emacs --batch -Q --eval \"" .. elisp:gsub('"', '\\"') .. "\" 2>/dev/null")
    local out = p:read("*a")
    p:close()
    local from_emacs = {}
    for id, tags in out:gmatch("([%w%-]+) ([%w_,]*)\n") do from_emacs[id] = tags end
    local bank = assert(insights.bank())
    local n = 0
    for _, prompt in ipairs(bank:list()) do
      n = n + 1
      local tags = {}
      for _, d in ipairs(prompt.duties) do tags[#tags + 1] = d end
      if prompt.kind == "both" then tags[#tags + 1] = "lead"; tags[#tags + 1] = "manage"
      else tags[#tags + 1] = prompt.kind end
      for _, c in ipairs(prompt.contexts) do tags[#tags + 1] = (c:gsub("%-", "_")) end
      table.sort(tags)
      assert.are.equal(from_emacs[prompt.id], table.concat(tags, ","), prompt.id)
    end
    local m = 0
    for _ in pairs(from_emacs) do m = m + 1 end
    assert.are.equal(n, m)
  end)

  it("the same context and day give the same prompt; another day another one", function()
    local a = assert(leadnotes.prompt({ context = "one-on-one", date = "2026-03-02" }))
    local b = assert(leadnotes.prompt({ context = "one-on-one", date = "2026-03-02" }))
    assert.are.equal(a.id, b.id)
    assert.is_string(a.text)
    assert.is_table(a.duties)
    local other = false
    for d = 3, 20 do
      local p = assert(leadnotes.prompt({ context = "one-on-one", date = string.format("2026-03-%02d", d) }))
      if p.id ~= a.id then other = true end
    end
    assert.is_true(other)
  end)

  it("an evaluation brings an evaluating prompt", function()
    for d = 1, 15 do
      local p = assert(leadnotes.prompt({ context = "evaluation", date = string.format("2026-05-%02d", d) }))
      local evaluating = false
      for _, duty in ipairs(p.duties) do if duty == "evaluating" then evaluating = true end end
      assert.is_true(evaluating, p.id)
    end
  end)

  it("a user prompts_file adds prompts and replaces one by id; disabled_prompts switches off", function()
    local user = tmpfile([[
* My prompts
** Ask what they would stop doing tomorrow if they could. :organizing:lead:weekly:
:PROPERTIES:
:ID: mine-1
:END:
** My own wording of the first hiring prompt. :hiring:lead:one_on_one:
:PROPERTIES:
:ID: hiring-01
:END:
]])
    local before = #assert(insights.bank()):list()
    config.setup({ prompts_file = user, disabled_prompts = { "hiring-02", "planning-01" } })
    local bank = assert(insights.bank())
    assert.are.equal(before + 1, #bank:list())
    assert.are.equal("My own wording of the first hiring prompt.", bank:get("hiring-01").text)
    assert.is_false(bank:get("hiring-02").enabled)
    for d = 1, 28 do
      local p = assert(leadnotes.prompt({ context = "weekly", date = string.format("2026-02-%02d", d) }))
      assert.is_not.equal("hiring-02", p.id)
      assert.is_not.equal("planning-01", p.id)
    end
    os.remove(user)
  end)

  it("a malformed prompts_file is a failure with its line, not a crash", function()
    local user = tmpfile("* one :hiring:\n:PROPERTIES:\n:ID: dup\n:END:\n* two :hiring:\n:PROPERTIES:\n:ID: dup\n:END:\n")
    config.setup({ prompts_file = user })
    local p, err = leadnotes.prompt({ date = "2026-01-01" })
    assert.is_nil(p)
    assert.matches("line 5", err)
    os.remove(user)
    config.setup({ prompts_file = "/nonexistent/prompts.org" })
    p, err = leadnotes.prompt({ date = "2026-01-01" })
    assert.is_nil(p)
    assert.matches("prompts_file", err)
  end)

  it("wrong arguments are errors naming the function", function()
    assert.has_error(function() leadnotes.prompt({ date = "2026-02-30" }) end)
    assert.has_error(function() leadnotes.prompt({ date = "yesterday" }) end)
    assert.has_error(function() leadnotes.prompt({ context = "party" }) end)
    assert.has_error(function() leadnotes.prompt("one-on-one") end)
    local ok, err = pcall(leadnotes.prompt, { date = "2026-13-01" })
    assert.is_false(ok)
    assert.matches("prompt", err)
  end)

  it("context aliases of the command line are understood", function()
    assert.is_table(leadnotes.prompt({ context = "weekly-reflection", date = "2026-01-01" }))
    local p = assert(leadnotes.prompt({ context = "first-months", date = "2026-01-01" }))
    local onboarding = false
    for _, c in ipairs(p.contexts) do if c == "onboarding" then onboarding = true end end
    assert.is_true(onboarding)
  end)

  it("the bank handle frees itself and refuses bad input", function()
    local bank = leadnotes.core.prompts_new()
    assert.is_nil((bank:add("* x\n:PROPERTIES:\n:ID: bad id\n:END:\n")))
    assert.are.equal(0, bank:count())
    assert.is_true(bank:add("* ok text :firing:manage:evaluation:\n:PROPERTIES:\n:ID: ok\n:END:\n"))
    assert.has_error(function() bank:select({ date = "2026-01-01", prefer_duties = { "juggling" } }) end)
    assert.has_error(function() bank.select(42, {}) end)
    local p = bank:select({ date = "2026-01-01", seen = { "ok" } })
    assert.are.equal("ok", p.id) -- everything seen: repeats are allowed again
    assert.matches("1 prompts", tostring(bank))
  end)
end)
