-- Capture between meetings, and the command line doing what the editors
-- do: capture, profile, items, --format, --manager, --templates, seal for
-- evaluations only. Real repositories, checked with git.
local leadnotes = require("leadnotes")
local config = require("leadnotes.config")
local insights = require("leadnotes.insights")

local helpers = require("helpers")
local q, sh_out, read, write = helpers.quote, helpers.output, helpers.must_read, helpers.write

describe("capture and the command line", function()
  local root, dir

  -- Runs the command line in-process; returns status, stdout, stderr.
  local function run(args)
    local argv = { "--dir", dir }
    for _, a in ipairs(args) do argv[#argv + 1] = a end
    return helpers.cli_here(argv)
  end

  before_each(function()
    config.setup({ manager = "Dana" })
    insights.clear_cache()
    root = helpers.tmpdir("capture")
    dir = root .. "/notes"
  end)

  after_each(function()
    require("leadnotes.editor.common").reset()
    helpers.cleanup()
    config.setup({})
  end)

  it("appends a dated entry under its kind's section and commits it", function()
    local store = assert(require("leadnotes.notes").open(dir))
    local path = assert(leadnotes.capture("Ana Ruiz", "win", "Unblocked the release on a Sunday", { store = store, date = "2026-03-03" }))
    assert.are.equal("Ana-Ruiz/2026-03-03-log.org", path)
    assert(leadnotes.capture("ana ruiz", "feedback received", "Planning runs too long", { store = store, date = "2026-03-03" }))
    assert(leadnotes.capture("Ana Ruiz", "win", "Mentored the intern", { store = store, date = "2026-03-03" }))
    local text = read(dir .. "/" .. path)
    assert.matches("^#%+TITLE: Log: Ana Ruiz, 2026%-03%-03\n\n%* Wins\n%- %d%d:%d%d Unblocked the release on a Sunday\n"
      .. "%- %d%d:%d%d Mentored the intern\n\n%* Feedback received\n%- %d%d:%d%d Planning runs too long\n$", text)
    assert.are.equal("3\n", sh_out("git -C " .. q(dir) .. " log --format=%s -- " .. q(path) .. " | wc -l"):gsub("^%s+", ""))
    assert.are.equal("", sh_out("git -C " .. q(dir) .. " status --porcelain"))
    assert.has_error(function() leadnotes.capture("Ana Ruiz", "gossip", "x", { store = store }) end)
    assert.has_error(function() leadnotes.capture("Ana Ruiz", "win", "  ", { store = store }) end)
    store:close()
  end)

  it("shows in the next one-on-one and in the packet, and counts for the duty gaps", function()
    local store = assert(require("leadnotes.notes").open(dir))
    write(dir .. "/Ana-Ruiz/2026-01-05-one-on-one.org", "* Topics\n- the roadmap\n")
    assert(store:save("Ana-Ruiz/2026-01-05-one-on-one.org"))
    assert(leadnotes.capture("Ana Ruiz", "feedback-given", "The incident write-up was clear", { store = store, date = "2026-03-03" }))
    assert(leadnotes.capture("Ana Ruiz", "feedback-received", "Stop adding agenda items at the end", { store = store, date = "2026-03-04" }))
    local next_one = read(assert(store:new_note("one-on-one", "Ana Ruiz", { date = "2026-03-05" })))
    assert.matches("\n# Noted 2026-03-03 (feedback given): The incident write-up was clear\n", next_one, 1, true)
    assert.matches("\n# Noted 2026-03-04 (feedback received): Stop adding agenda items at the end\n", next_one, 1, true)
    local packet = assert(leadnotes.packet("Ana Ruiz", "2026-01-01", "2026-03-31", { store = store }))
    -- (Captured today for those dates: both dates show.)
    assert.matches("%* Feedback given to Ana Ruiz %(1%)\n%- %[met 2026%-03%-03, written [%d%-]+%] The incident write%-up was clear\n", packet)
    assert.matches("%* Feedback received from Ana Ruiz %(1%)\n%- %[met 2026%-03%-04, written [%d%-]+%] Stop adding agenda items at the end\n", packet)
    assert.matches("* Meetings (2)\n", packet, 1, true) -- the logs are not meetings
    for _, n in ipairs(assert(leadnotes.nudges("2026-03-10", { store = store }))) do
      assert.is_false(n.duty == "feedback", n.text)
    end
    store:close()
  end)

  it("leadnotes capture takes a name of several words, and lists the kinds when wrong", function()
    local status, out, err = run({ "capture", "José", "María", "Núñez", "concern", "Missed", "the", "release" })
    assert.are.equal(0, status, err)
    assert.matches("noted in José%-María%-Núñez/%d+%-%d+%-%d+%-log%.org", out)
    local log = sh_out("cat " .. q(dir) .. "/José-María-Núñez/*-log.org")
    assert.matches("\n%* Concerns\n%- %d%d:%d%d Missed the release\n", log)
    status, _, err = run({ "capture", "José", "gossip", "x" })
    assert.are.equal(2, status)
    assert.matches("feedback-given, feedback-received, win, concern, note", err, 1, true)
  end)

  it("leadnotes profile shows and sets fields, keeping the name as typed", function()
    local status, out, err = run({ "profile", "José María Núñez", "--set", "role=Engineer", "--set", "status=promotion case" })
    assert.are.equal(0, status, err)
    assert.matches("folder: José-María-Núñez\nname: José María Núñez\nrole: Engineer\nstatus: promotion-case\n", out, 1, true)
    status, out = run({ "profile", "jose", "maria", "nunez" })
    assert.are.equal(0, status)
    assert.matches("role: Engineer", out, 1, true)
    status, _, err = run({ "profile", "José María Núñez", "--set", "status=retired" })
    assert.are.equal(1, status)
    assert.matches("status must be", err, 1, true)
    assert.matches("profile", sh_out("git -C " .. q(dir) .. " log -1 --format=%s"))
  end)

  it("--format, --manager and --templates do what the options do, for one run", function()
    config.setup({})
    local status, out, err = run({ "--format", "markdown", "--manager", "Rosa", "new", "one-on-one", "Bo" })
    assert.are.equal(0, status, err)
    local path = out:match("^([^\n]+)")
    assert.matches("%.md$", path)
    assert.matches("with Rosa", read(path), 1, true)
    status, out = run({ "new", "one-on-one", "Bo" })
    assert.matches("%.org$", out:match("^([^\n]+)"))
    local tdir = root .. "/mine"
    write(tdir .. "/one-on-one.org", "* My own one-on-one with {{person.name}}\n")
    status, out, err = run({ "--templates", tdir, "insert", "one-on-one", "Bo" })
    assert.are.equal(0, status, err)
    assert.are.equal("* My own one-on-one with Bo\n", out)
    status, _, err = run({ "--format", "rtf", "team" })
    assert.are.equal(2, status)
    assert.matches("org or markdown", err, 1, true)
  end)

  it("leadnotes seal accepts evaluations only, and help lists the new commands", function()
    local status, _, err = run({ "seal", "Bo/2026-01-05-one-on-one.org" })
    assert.are.equal(2, status)
    assert.matches("only an evaluation", err, 1, true)
    local _, out = run({ "--help" })
    for _, name in ipairs({ "items", "capture", "profile" }) do assert.matches("\n  " .. name .. " ", out, 1, true) end
    for _, opt in ipairs({ "--format", "--manager", "--templates" }) do assert.matches("\n  " .. opt .. " ", out, 1, true) end
    for _, name in ipairs({ "items", "capture", "profile" }) do
      local s, text = run({ name, "--help" })
      assert.are.equal(0, s)
      assert.matches("usage: leadnotes " .. name, text, 1, true)
    end
  end)
end)
