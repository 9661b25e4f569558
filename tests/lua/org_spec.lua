-- core.parse_org and core.parse_markdown: the notes parser as Lua sees it.
-- (tests/org/compare.lua checks the same parser against Emacs.)
local core = require("leadnotes").core

describe("org parser", function()
  it("returns headlines with every field", function()
    local doc = core.parse_org(table.concat({
      "* TODO [#A] Write the report   :work:urgent:",
      "SCHEDULED: <2026-11-28 Sat> DEADLINE: <2026-12-01 Tue 10:00 +1w>",
      ":PROPERTIES:",
      ":ID: abc",
      ":Effort: 1:00",
      ":END:",
      "* Plain",
    }, "\n"))
    assert.are.same({ "TODO" }, doc.todo_keywords)
    assert.are.same({ "DONE" }, doc.done_keywords)
    assert.are.equal(2, #doc.headlines)
    local h = doc.headlines[1]
    assert.are.equal(1, h.line)
    assert.are.equal(1, h.level)
    assert.are.equal("Write the report", h.title)
    assert.are.equal("TODO", h.todo)
    assert.are.equal("todo", h.todo_type)
    assert.are.equal("A", h.priority)
    assert.are.same({ "work", "urgent" }, h.tags)
    assert.are.equal("<2026-11-28 Sat>", h.scheduled)
    assert.are.equal("<2026-12-01 Tue 10:00 +1w>", h.deadline)
    assert.is_nil(h.closed)
    assert.are.same({ { "ID", "abc" }, { "Effort", "1:00" } }, h.properties)
    assert.is_false(h.comment)
    local p = doc.headlines[2]
    assert.are.equal(7, p.line)
    assert.is_nil(p.todo)
    assert.is_nil(p.todo_type)
    assert.is_nil(p.priority)
    assert.are.same({}, p.tags)
    assert.are.same({}, p.properties)
  end)

  it("uses the file's own keyword sets", function()
    local doc = core.parse_org(table.concat({
      "#+TODO: NEXT(n) WAITING(w@/!) | DONE(d!) CANCELLED(c@)",
      "* NEXT Call the recruiter",
      "* CANCELLED Offsite",
      "* TODO Not a keyword here",
    }, "\n"))
    assert.are.same({ "NEXT", "WAITING" }, doc.todo_keywords)
    assert.are.same({ "DONE", "CANCELLED" }, doc.done_keywords)
    assert.are.equal("todo", doc.headlines[1].todo_type)
    assert.are.equal("done", doc.headlines[2].todo_type)
    assert.is_nil(doc.headlines[3].todo)
    assert.are.equal("TODO Not a keyword here", doc.headlines[3].title)
  end)

  it("without a | the last keyword of a line is the done one", function()
    local doc = core.parse_org("#+SEQ_TODO: DRAFT REVIEW PUBLISHED\n* PUBLISHED Guide\n")
    assert.are.same({ "DRAFT", "REVIEW" }, doc.todo_keywords)
    assert.are.same({ "PUBLISHED" }, doc.done_keywords)
    assert.are.equal("done", doc.headlines[1].todo_type)
  end)

  it("flags COMMENT headlines", function()
    local doc = core.parse_org("* COMMENT Old notes\n* TODO COMMENT Task\n* Comment\n")
    assert.is_true(doc.headlines[1].comment)
    assert.are.equal("Old notes", doc.headlines[1].title)
    assert.is_true(doc.headlines[2].comment)
    assert.are.equal("TODO", doc.headlines[2].todo)
    assert.is_false(doc.headlines[3].comment)
  end)

  it("reads planning and properties only right under the headline", function()
    local doc = core.parse_org(table.concat({
      "* a", "", "SCHEDULED: <2026-11-28 Sat>",
      "* b", "text", ":PROPERTIES:", ":K: v", ":END:",
    }, "\n"))
    assert.is_nil(doc.headlines[1].scheduled)
    assert.are.same({}, doc.headlines[2].properties)
  end)

  it("returns checkboxes with their state, text and headline", function()
    local doc = core.parse_org(table.concat({
      "- [ ] before any headline",
      "* Meeting",
      "- [ ] open",
      "+ [X] done",
      "  1. [-] partly",
      "- [x] lowercase is no org checkbox",
      "#+BEGIN_SRC sh",
      "- [ ] inside a block",
      "#+END_SRC",
    }, "\n"))
    assert.are.equal(4, #doc.checkboxes)
    assert.are.same({ line = 1, state = "off", text = "before any headline" }, doc.checkboxes[1])
    assert.are.same({ line = 3, state = "off", text = "open", heading_line = 2 }, doc.checkboxes[2])
    assert.are.same({ line = 4, state = "on", text = "done", heading_line = 2 }, doc.checkboxes[3])
    assert.are.same({ line = 5, state = "trans", text = "partly", heading_line = 2 }, doc.checkboxes[4])
  end)

  it("parses malformed input without failing", function()
    local inputs = {
      "",
      "\239\187\191* TODO bom\r\nSCHEDULED: <2026-11-28 Sat>\r\n",
      "* a\0b\n- [ ] c\0d\n",
      ":PROPERTIES:\n:K: v\n",
      "#+BEGIN_SRC\n- [ ] x\n",
      "* TODO x\nSCHEDULED: <2026-13-45 DEADLINE: <nope\n",
      string.rep("x", 1024 * 1024),
      string.rep("#+BEGIN_SRC\n", 2000),
    }
    for _, text in ipairs(inputs) do
      local doc = core.parse_org(text)
      assert.is_table(doc.headlines)
      assert.is_table(doc.checkboxes)
    end
    local doc = core.parse_org("\239\187\191* TODO bom :t:\r\nSCHEDULED: <2026-11-28 Sat>\r\n")
    assert.are.equal("bom", doc.headlines[1].title)
    assert.are.same({ "t" }, doc.headlines[1].tags)
    assert.are.equal("<2026-11-28 Sat>", doc.headlines[1].scheduled)
  end)

  it("a wrong argument is an error naming the function", function()
    assert.has_error(function() core.parse_org() end, "bad argument #1 to 'parse_org' (string expected, got no value)")
    assert.has_error(function() core.parse_org(42) end, "bad argument #1 to 'parse_org' (string expected, got number)")
    assert.has_error(function() core.parse_markdown({}) end,
      "bad argument #1 to 'parse_markdown' (string expected, got table)")
  end)
end)

describe("markdown parser", function()
  it("reads ATX headings and task items into the same shape", function()
    local doc = core.parse_markdown(table.concat({
      "# One-on-one with Alice",
      "## TODO Follow up ##",
      "- [ ] look at the numbers",
      "* [x] share the rubric",
      "```",
      "- [ ] not a task",
      "# not a heading",
      "```",
      "### DONE Sent",
      "1. [X] numbered",
    }, "\n"))
    assert.are.same({ "TODO" }, doc.todo_keywords)
    assert.are.same({ "DONE" }, doc.done_keywords)
    assert.are.equal(3, #doc.headlines)
    assert.are.equal("One-on-one with Alice", doc.headlines[1].title)
    assert.is_nil(doc.headlines[1].todo)
    assert.are.equal(2, doc.headlines[2].level)
    assert.are.equal("TODO", doc.headlines[2].todo)
    assert.are.equal("todo", doc.headlines[2].todo_type)
    assert.are.equal("Follow up", doc.headlines[2].title)
    assert.are.equal("done", doc.headlines[3].todo_type)
    assert.are.equal(3, #doc.checkboxes)
    assert.are.same({ line = 3, state = "off", text = "look at the numbers", heading_line = 2 }, doc.checkboxes[1])
    assert.are.equal("on", doc.checkboxes[2].state)
    assert.are.same({ line = 10, state = "on", text = "numbered", heading_line = 9 }, doc.checkboxes[3])
  end)
end)
