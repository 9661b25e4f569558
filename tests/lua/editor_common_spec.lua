-- leadnotes.editor.common: the commands the lite-xl, Textadept and vis
-- adapters share, driven here through `ed`, the table of editor calls an
-- adapter hands them, on a real notes folder checked with git.
local common = require("leadnotes.editor.common")

local helpers = require("helpers")
local quote, sh = helpers.quote, helpers.output

local function recorder(answers, can_ask)
  local ed = { reports = {}, shown = {}, opened = {}, asked = {}, inserted = {} }
  function ed.report(msg, level) ed.reports[#ed.reports + 1] = { msg = msg, level = level } end
  function ed.show(title, lines) ed.shown[#ed.shown + 1] = { title = title, lines = lines } end
  function ed.open(path, line, col) ed.opened[#ed.opened + 1] = { path = path, line = line, col = col } end
  function ed.insert_at_cursor(text, mark) ed.inserted[#ed.inserted + 1] = { text = text, mark = mark } end
  function ed.current_note() return ed.note end
  function ed.modified() return ed.dirty == true end
  function ed.reload() ed.reloads = (ed.reloads or 0) + 1 end
  if can_ask ~= false then
    function ed.ask(title, default, done)
      ed.asked[#ed.asked + 1] = title
      local answer = answers and answers[title]
      done(answer == nil and default or answer)
    end
  end
  return ed
end

describe("editor commands (common)", function()
  describe("insert_plan", function()
    it("puts the template on its own lines between the text before and after the cursor", function()
      local lines, line, col = common.insert_plan("before|after", 7, "* A\n- x\n", { line = 2, col = 2 })
      assert.are.same({ "before|", "* A", "- x", "after" }, lines)
      assert.are.equal(3, line)
      assert.are.equal(2, col)
    end)

    it("replaces an empty line and keeps a line's text when the cursor is at its end or start", function()
      assert.are.same({ "* A" }, (common.insert_plan("", 0, "* A\n")))
      assert.are.same({ "text", "* A" }, (common.insert_plan("text", 4, "* A\n")))
      local lines, line = common.insert_plan("text", 0, "* A\n", { line = 1, col = 0 })
      assert.are.same({ "* A", "text" }, lines)
      assert.are.equal(1, line)
    end)

    it("without a mark puts the cursor at the template's first line", function()
      local _, line, col = common.insert_plan("x", 1, "* A\n")
      assert.are.equal(2, line)
      assert.are.equal(0, col)
    end)
  end)

  describe("parse_set", function()
    it("lets a value run over the words that follow it", function()
      assert.are.same({ period = "2026 Q4" }, common.parse_set({ "period=2026", "Q4" }))
      assert.are.same({ period = "2026 Q4", date = "2026-12-01" }, common.parse_set({ "period=2026", "Q4", "date=2026-12-01" }))
    end)

    it("refuses words that do not start with KEY=VALUE and sets nothing", function()
      local values, usage = common.parse_set({ "2026", "period=Q4" })
      assert.is_nil(values)
      assert.matches("usage: set KEY=VALUE", usage, 1, true)
      assert.is_nil((common.parse_set({})))
    end)
  end)

  it("short_title keeps every dialog title under 40 characters (Textadept 12.4 crashes at 40)", function()
    local question = "Which period does this evaluation cover?"
    assert.are.equal(40, #question)
    local title = common.short_title(question)
    assert.is_true(#title < 40)
    assert.matches("^Which period does this", title)
    for _, kind in ipairs({ "one-on-one", "evaluation" }) do
      for _, f in ipairs(require("leadnotes").fields(kind) or {}) do
        assert.is_true(#common.short_title(f.question or f.key) < 40, f.question)
      end
    end
  end)

  describe("on a notes folder", function()
    local dir
    before_each(function()
      dir = helpers.tmpdir("editor") .. "/notes"
      require("leadnotes.config").setup({ notes_dir = dir })
      common.reset()
    end)
    after_each(function()
      common.reset()
      require("leadnotes.config").setup({})
      helpers.cleanup()
    end)

    it("evaluation asks each field under a short title and opens the note at its mark", function()
      local ed = recorder({ Person = "Dana Demo" })
      common.run(ed, "evaluation")
      assert.are.equal("Person", ed.asked[1])
      for _, title in ipairs(ed.asked) do assert.is_true(#title < 40, title) end
      assert.are.equal(1, #ed.opened, ed.reports[1] and ed.reports[1].msg)
      local note = ed.opened[1]
      assert.matches("^" .. dir:gsub("%p", "%%%0") .. "/Dana%-Demo/.*%-evaluation%.org$", note.path)
      assert.is_true(note.line > 1)
    end)

    it("an editor without input takes the defaults and what `set` gave, spaces included", function()
      local ed = recorder(nil, false)
      assert.is_true(common.dispatch(ed, { "set", "period=2026", "Q4" }))
      assert.are.equal("info", ed.reports[1].level)
      assert.is_true(common.dispatch(ed, { "evaluation", "Dana", "Demo" }))
      local f = assert(io.open(ed.opened[1].path))
      local text = f:read("*a")
      f:close()
      assert.matches(":PERIOD: 2026 Q4\n", text, 1, true)
      -- Given once: the next evaluation is back to the default.
      common.dispatch(ed, { "evaluation", "Dana", "Demo" })
      f = assert(io.open(ed.opened[2].path))
      assert.is_nil(f:read("*a"):find(":PERIOD: 2026 Q4\n", 1, true))
      f:close()
    end)

    it("saving a note commits it and says so in one line; a file outside the folder is left alone", function()
      local ed = recorder(nil, false)
      common.dispatch(ed, { "one-on-one", "Sam" })
      local path = ed.opened[1].path
      common.on_save(ed, path)
      local last = ed.reports[#ed.reports]
      assert.matches("^%(leadnotes%) committed %x+$", last.msg)
      -- (Not `git status` here: right after the first commit of a new
      -- repository the store's index flush can still be running.)
      assert.matches(path:match("[^/]+$"), sh("git -C " .. quote(dir) .. " log --name-only --format=%H -1"), 1, true)
      assert.matches("One%-on%-one with Sam", sh("git -C " .. quote(dir) .. " show HEAD:" .. quote(path:sub(#dir + 2))))
      local before = #ed.reports
      common.on_save(ed, "/tmp/elsewhere.org")
      assert.are.equal(before, #ed.reports)
    end)

    it("show, diff and restore act on the open note; restore waits for unsaved changes", function()
      local ed = recorder(nil, false)
      common.dispatch(ed, { "one-on-one", "Rita" })
      local path = ed.opened[1].path
      local function append(line)
        local f = assert(io.open(path, "a")); f:write(line, "\n"); f:close()
        common.on_save(ed, path)
      end
      append("first version")
      append("second version")
      assert.is_false(common.dispatch(ed, { "show" }))
      ed.note = path
      assert.is_true(common.dispatch(ed, { "diff", "HEAD~1" }))
      assert.matches("+second version", table.concat(ed.shown[#ed.shown].lines, "\n"), 1, true)
      -- without a revision: since the note's previous version, what the
      -- last save changed (the saved note is HEAD's, so HEAD shows nothing)
      assert.is_true(common.dispatch(ed, { "diff" }))
      local since = table.concat(ed.shown[#ed.shown].lines, "\n")
      assert.matches("+second version", since, 1, true)
      assert.is_nil(since:find("+first version", 1, true))
      assert.is_true(common.dispatch(ed, { "diff", "HEAD" }))
      assert.are.same({ "(no difference)" }, ed.shown[#ed.shown].lines)
      common.dispatch(ed, { "show", "HEAD~1" })
      local old = table.concat(ed.shown[#ed.shown].lines, "\n")
      assert.matches("first version", old, 1, true)
      assert.is_nil(old:find("second version", 1, true))
      ed.dirty = true
      common.dispatch(ed, { "restore", "HEAD~1" })
      assert.matches("save or undo your changes", ed.reports[#ed.reports].msg, 1, true)
      assert.is_nil(ed.reloads)
      ed.dirty = false
      common.dispatch(ed, { "restore", "HEAD~1" })
      assert.are.equal(1, ed.reloads)
      local f = assert(io.open(path)); local now = f:read("*a"); f:close()
      assert.is_nil(now:find("second version", 1, true))
      assert.matches("^Restore", sh("git -C " .. quote(dir) .. " log -1 --format=%s"))
      assert.are.equal("", sh("git -C " .. quote(dir) .. " status --porcelain"))
    end)

    it("people are offered by the name the manager gave them, not by their folder", function()
      local ed = recorder(nil, false)
      common.dispatch(ed, { "one-on-one", "Dana", "Demo" })
      common.dispatch(ed, { "one-on-one", "José", "Núñez" })
      local s = assert(common.store(dir))
      assert.is_truthy(require("leadnotes.insights").profile(s, "Dana Demo", { name = "Dana D. Demo" }))
      assert.are.same({ "Dana D. Demo", "José Núñez" }, common.people(s))
    end)

    it("history, team, nudges and prompt show read-only views; an unknown subcommand lists them", function()
      local ed = recorder(nil, false)
      common.dispatch(ed, { "one-on-one", "Sam" })
      common.on_save(ed, ed.opened[1].path)
      for _, words in ipairs({ { "history", "Sam" }, { "team" }, { "nudges" }, { "prompt" }, { "items" } }) do
        assert.is_true(common.dispatch(ed, words))
      end
      assert.are.same({ "History of Sam", "Team", "Nudges", "Prompt", "Open items" },
        { ed.shown[1].title, ed.shown[2].title, ed.shown[3].title, ed.shown[4].title, ed.shown[5].title })
      assert.matches("^%x+", ed.shown[1].lines[1])
      assert.is_false(common.dispatch(ed, { "bogus" }))
      assert.matches("subcommands: one%-on%-one", ed.reports[#ed.reports].msg)
    end)

    it("history asked with a note open offers the note's person, so Return shows their commits", function()
      local ed = recorder(nil)
      common.dispatch(ed, { "one-on-one", "Sam" })
      common.on_save(ed, ed.opened[1].path)
      ed.note = ed.opened[1].path
      assert.is_true(common.dispatch(ed, { "history" }))
      assert.are.same({ "Person" }, { ed.asked[#ed.asked] })
      assert.are.equal("History of Sam", ed.shown[#ed.shown].title)
      assert.matches("^%x+", ed.shown[#ed.shown].lines[1])
    end)
  end)
end)
