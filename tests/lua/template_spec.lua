-- template: the Lua binding of the Mustache engine (core.render,
-- core.compile) and leadnotes.templates (lookup, asked fields, context,
-- cursor), on the built-in one-on-one and evaluation templates.
local leadnotes = require("leadnotes")
local core = leadnotes.core
local config = require("leadnotes.config")

local helpers = require("helpers")
local write = helpers.write
local function tmpdir() return helpers.tmpdir("template") end
local function rmdir() helpers.cleanup() end

local function raises(pattern, fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok)
  assert.matches(pattern, tostring(err))
  return err
end

describe("template binding", function()
  it("core.render escapes {{x}} and not {{{x}}} or {{&x}}", function()
    assert.are.equal("a &amp; &lt;b&gt; &quot;c&quot;|a & <b> \"c\"|a & <b> \"c\"",
      core.render("{{x}}|{{{x}}}|{{&x}}", { x = 'a & <b> "c"' }))
  end)

  it("escape = 'none' writes values as they are", function()
    assert.are.equal("R&D <team>", core.render("{{x}}", { x = "R&D <team>" }, nil, { escape = "none" }))
  end)

  it("prints numbers as a person writes them", function()
    assert.are.equal("85 85 1.21 -3 0.5 1e+20",
      core.render("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}}", { a = 85, b = 85.0, c = 1.21, d = -3, e = 0.5, f = 1e20 }))
  end)

  it("treats nil, false, an empty string and an empty list as false", function()
    assert.are.equal("1234", core.render("{{^a}}1{{/a}}{{^b}}2{{/b}}{{^c}}3{{/c}}{{^d}}4{{/d}}{{#e}}5{{/e}}",
      { b = false, c = "", d = {}, e = {} }))
  end)

  it("walks dotted names and lists of records", function()
    local data = { person = { name = "Alice" }, items = { { text = "one" }, { text = "two" } } }
    assert.are.equal("Alice: one, two, ",
      core.render("{{person.name}}: {{#items}}{{text}}, {{/items}}", data))
  end)

  it("reads through __index metamethods", function()
    local proxy = setmetatable({}, { __index = function(_, k) return k == "name" and "proxied" or nil end })
    assert.are.equal("proxied", core.render("{{#p}}{{name}}{{/p}}", { p = proxy }))
  end)

  it("a raising __index becomes the render's error, and the next render works", function()
    local bad = setmetatable({}, { __index = function() error("lookup refused") end })
    raises("lookup refused", core.render, "{{x}}", bad)
    assert.are.equal("ok", core.render("{{x}}", { x = "ok" }))
  end)

  it("a malformed template raises with line and column", function()
    raises('^template:2:1: unclosed section "items"$', core.render, "a\n{{#items}}\n  x\n", {})
    raises('^template:1:7: closing tag "b" does not match section "a" opened at 1:1$', core.render, "{{#a}}{{/b}}", {})
    raises('^template:1:3: closing tag "b" without an open section$', core.render, "x {{/b}}", {})
    raises("^template:3:4: unclosed tag$", core.render, "\n\nab {{x", {})
  end)

  it("compile takes a name for its errors", function()
    raises('^one%-on%-one%.org:12:3: unclosed section "items"$', core.compile,
      string.rep("\n", 11) .. "  {{#items}}\n", "one-on-one.org")
  end)

  it("a compiled template renders many times, names itself and is collected", function()
    local t = core.compile("Hi {{name}}{{>tail}}", "greeting")
    assert.are.equal("Hi Ann!", t:render({ name = "Ann" }, { tail = "!" }))
    assert.are.equal("Hi Bob?", t:render({ name = "Bob" }, function(name) return name == "tail" and "?" or nil end))
    assert.are.equal("Hi Cy", t:render({ name = "Cy" }))
    assert.matches("^leadnotes%.template %(greeting, %d+ nodes%)$", tostring(t))
    assert.are.equal("greeting", t:name())
    t = nil
    collectgarbage()
    collectgarbage()
  end)

  it("a freed (closed) template refuses to render instead of crashing", function()
    local t = core.compile("x")
    getmetatable(t).__gc(t)
    raises("attempt to use a closed compiled template", t.render, t, {})
    assert.matches("freed", tostring(t))
  end)

  it("partials come from a table or a function; a missing one is empty", function()
    assert.are.equal("[x][]", core.render("[{{>a}}][{{>b}}]", {}, { a = "x" }))
    local asked = {}
    assert.are.equal("<a><a>", core.render("{{>a}}{{>a}}", {}, function(name)
      asked[#asked + 1] = name
      return "<" .. name .. ">"
    end))
    assert.are.equal(1, #asked) -- compiled once per render
  end)

  it("a malformed partial raises with its own name and position", function()
    raises('^header:1:1: unclosed section "x"$', core.render, "{{>header}}", {}, { header = "{{#x}}" })
    -- Called from Lua code, the message still starts with the template's position.
    raises('^template:1:1: unclosed section "x"$', function() return core.render("{{#x}}", {}) end)
    raises('partial "header" is a number', core.render, "{{>header}}", {}, { header = 42 })
  end)

  it("a partial that includes itself forever stops with an error", function()
    raises("bad argument #1 to '[%w.]*render' %(template nesting deeper than 256 levels",
      function() local _ = core.render("{{>p}}", {}, { p = "x{{>p}}" }) end)
    raises("nesting deeper than 256 levels", core.render, "{{>p}}", {}, { p = "{{>p}}{{>p}}" })
  end)

  it("data with a cycle renders what the template asks, and recursion through it stops", function()
    local t = { name = "loop" }
    t.self = t
    assert.are.equal("loop", core.render("{{#self}}{{#self}}{{#self}}{{name}}{{/self}}{{/self}}{{/self}}", t))
    raises("nesting deeper than", core.render, "{{>p}}", t, { p = "{{#self}}{{>p}}{{/self}}" })
  end)

  it("passes bytes that are not UTF-8 through untouched", function()
    local bytes = "\255\254\0\128{{x}}\192"
    assert.are.equal("\255\254\0\128\200\201\192", core.render(bytes, { x = "\200\201" }))
  end)

  it("renders a 10 MB template", function()
    local line = "- {{name}} h\195\169llo, a line of an ordinary note with one tag in it, as notes have.\n"
    local template = string.rep(line, math.floor(10 * 1024 * 1024 / #line) + 1)
    assert.is_true(#template >= 10 * 1024 * 1024)
    local out = core.render(template, { name = "Ann" })
    assert.are.equal(#template / #line * (#line - #"{{name}}" + #"Ann"), #out)
    assert.are.equal("- Ann h\195\169llo, a line", out:sub(1, #"- Ann h\195\169llo, a line"))
  end)

  it("wrong argument types are errors naming the function and argument", function()
    -- Each call a statement, not a tail call, so that LuaJIT can name it too.
    raises("bad argument #1 to '[%w.]*render' %(string expected", function() local _ = core.render(42, {}) end)
    raises("bad argument #2 to '[%w.]*render' %(table expected", function() local _ = core.render("x", print) end)
    raises("bad argument #3 to '[%w.]*render' %(table or function expected",
      function() local _ = core.render("x", {}, 3) end)
    raises("bad argument #4 to '[%w.]*render' %(option 'escape'",
      function() local _ = core.render("x", {}, nil, { escape = "xml" }) end)
    raises("bad argument #1 to '[%w.]*compile' %(string expected", function() local _ = core.compile(nil) end)
    raises("bad argument #2 to '[%w.]*compile' %(string expected", function() local _ = core.compile("x", 5) end)
    local t = core.compile("x")
    raises("bad argument #1 .*leadnotes%.template expected", t.render, {}, {})
  end)
end)

describe("leadnotes.templates", function()
  local templates = require("leadnotes.templates")
  local saved_insights

  before_each(function()
    config.setup({})
    saved_insights = package.loaded["leadnotes.insights"]
    -- What the insights component would say; stubbed so these tests check
    -- the templates alone (insights has its own specs).
    package.loaded["leadnotes.insights"] = {
      template_context = function(kind, person, date)
        return {
          open_items = { { text = "Draft the roadmap", first_seen = "2026-10-02", carried = 3, id = "5b1c-roadmap",
            owner = "Ann", deadline_iso = "2026-12-01", planning = "DEADLINE: <2026-12-01 Tue>", tags = ":infra:",
            body = "Split by quarter." } },
          prompt = { id = "lead-007", text = "What did you delegate this week?" },
          nudges = { { text = "no one-on-one with " .. person .. " for 23 days" } },
          previous_meeting = "2026-11-05",
          person = { role = "Staff engineer" },
          date_seen = date .. "/" .. kind,
        }
      end,
    }
  end)

  after_each(function()
    package.loaded["leadnotes.insights"] = saved_insights
    config.setup({})
  end)

  it("lists the built-in templates", function()
    local list = templates.templates()
    local names = {}
    for _, t in ipairs(list) do
      names[t.name] = t
      assert.are.equal("org", t.format)
    end
    assert.are.equal("builtin", names["one-on-one"].source)
    assert.are.equal("builtin", names["evaluation"].source)
    assert.matches("templates/org/one%-on%-one%.org$", names["one-on-one"].path)
    assert.are.equal(2, #templates.templates("markdown"))
  end)

  it("renders a one-on-one as org with the date, the carried items, the prompt and the cursor", function()
    local text, cursor = templates.render("one-on-one", "Alice Example", {}, { date = "2026-11-28", manager = "Dana" })
    assert.matches("\n%* One%-on%-one with Alice Example <2026%-11%-28 Sat>\n", text)
    assert.matches("\n:PERSON: ", text)
    assert.matches("\n:ROLE: Staff engineer\n", text)
    assert.matches("\n:PROMPT: lead%-007\n", text)
    assert.matches("\n%*%*%* TODO Draft the roadmap :infra:\nDEADLINE: <2026%-12%-01 Tue>\n:PROPERTIES:\n:ID: 5b1c%-roadmap\n"
      .. ":OWNER: Ann\n:FIRST_SEEN: %[2026%-10%-02 Fri%]\n:CARRIED: 3\n:END:\nSplit by quarter%.\n", text)
    -- The example action item is a comment until the manager writes one.
    assert.matches("\n# %*%*%* TODO Send Alice Example the next steps agreed on 2026%-11%-28\n", text)
    assert.is_nil(text:find("\n*** TODO Send", 1, true))
    assert.matches("\n#%+TODO: TODO | DONE CANCELLED\n", text)
    assert.matches("What did you delegate this week%?", text)
    assert.matches("Heads%-up: no one%-on%-one with Alice Example for 23 days", text)
    assert.is_nil(text:find("leadnotes-cursor", 1, true))
    assert.is_nil(text:find("{{", 1, true))
    -- The report's agenda comes first.
    assert.is_true(text:find("** Their topics", 1, true) < text:find("** Blockers I can remove", 1, true))
    local lines = {}
    for line in (text .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
    assert.are.equal("- ", lines[cursor.line])
    assert.are.equal(2, cursor.col)
    assert.are.equal("** Their topics", lines[cursor.line - 2])
  end)

  it("renders sensibly with no insights at all", function()
    package.loaded["leadnotes.insights"] = {}
    local text = templates.render("one-on-one", "Bob", nil, { date = "2026-11-28" })
    assert.is_nil(text:find("Carried over", 1, true))
    assert.is_nil(text:find(":PROMPT:", 1, true))
    assert.is_nil(text:find("\n%*+ TODO "))
    assert.matches("\n%*%* Leadership prompt\n# ", text)
  end)

  it("declares asked fields, with defaults from the date", function()
    local fields = templates.fields("evaluation", { date = "2026-11-28" })
    assert.are.same({ { key = "period", question = "Which period does this evaluation cover?", default = "2026-H2" } }, fields)
    assert.are.same({}, templates.fields("one-on-one"))
    local text = templates.render("evaluation", "Alice", {}, { date = "2026-03-02" })
    assert.matches("\n:PERIOD: 2026%-H1\n", text)
    text = templates.render("evaluation", "Alice", { period = "FY26", date_iso = "ignored" }, { date = "2026-03-02" })
    assert.matches("#%+TITLE: Evaluation of Alice, FY26\n", text)
    assert.matches("<2026%-03%-02 Mon>", text)
    assert.is_nil(text:find("ask period", 1, true))
  end)

  it("the evaluation has every part the issue asks for", function()
    local text = templates.render("evaluation", "Alice", { period = "2026-H2" }, { date = "2026-11-28" })
    for _, heading in ipairs({ "Role expectations", "Competencies", "Strengths", "Growth areas",
      "Goals for the next period", "Overall rating", "Calibration (private)", "Manager self-check" }) do
      assert.truthy(text:find("\n** " .. heading, 1, true), heading)
    end
    assert.matches("#%+PROPERTY: RATING_ALL 1 2 3 4 5", text)
    assert.matches("not personality", text)
    assert.matches("whole period", text)
    assert.matches(":private:noexport:", text)
  end)

  it("renders the Markdown twins", function()
    config.setup({ format = "markdown" })
    local text, cursor = templates.render("one-on-one", "Alice", {}, { date = "2026-11-28" })
    assert.matches("^# One%-on%-one with Alice, 2026%-11%-28 %(Sat%)\n", text)
    assert.matches("\n%- %[ %] Draft the roadmap <!%-%- id: 5b1c%-roadmap; owner: Ann; due: 2026%-12%-01; since: 2026%-10%-02; carried: 3 %-%->\n", text)
    assert.matches("\n<!%-%- prompt: lead%-007 %-%->\n", text)
    assert.are.equal(2, cursor.col)
    text = templates.render("evaluation", "Alice", {}, { date = "2026-11-28" })
    assert.matches("^# Evaluation of Alice: 2026%-H2\n", text)
  end)

  it("a user template overrides a built-in, and may extend it", function()
    local dir = tmpdir()
    write(dir .. "/evaluation.org", "My own evaluation of {{person.name}}\n")
    write(dir .. "/one-on-one.org", table.concat({
      "{{! ask mood \"How are they doing?\" \"fine\" }}",
      "{{<one-on-one}}",
      "{{$growth}}",
      "# Mood: {{mood}}",
      "- Our own growth questions",
      "{{/growth}}",
      "{{/one-on-one}}",
      "",
    }, "\n"))
    write(dir .. "/weekly.org", "* Week of {{date}}\n{{cursor}}\n")
    config.setup({ templates_dir = dir })

    local list = templates.templates()
    local by = {}
    for _, t in ipairs(list) do by[t.name] = t end
    assert.are.equal("user", by["evaluation"].source)
    assert.are.equal("user", by["one-on-one"].source)
    assert.are.equal("user", by["weekly"].source)
    assert.are.equal(3, #list)

    assert.are.equal("My own evaluation of Ann\n", templates.render("evaluation", "Ann", {}, { date = "2026-11-28" }))
    local text = templates.render("one-on-one", "Ann", {}, { date = "2026-11-28" })
    assert.matches("\n%*%* Career growth\n# Mood: fine\n%- Our own growth questions\n\n%*%* Feedback", text)
    assert.matches("\n%*%* Their topics\n", text) -- the rest of the built-in
    assert.are.same({ key = "mood", question = "How are they doing?", default = "fine" },
      templates.fields("one-on-one")[1])
    local weekly, cursor = templates.render("weekly", "Ann", {}, { date = "2026-11-28" })
    assert.are.equal("* Week of <2026-11-28 Sat>\n\n", weekly)
    assert.are.same({ line = 2, col = 0 }, cursor)
    rmdir(dir)
  end)

  it("a malformed user template is reported with its file, line and column", function()
    local dir = tmpdir()
    write(dir .. "/one-on-one.org", "* {{person.name}}\n\n  {{#open_items}}\n")
    config.setup({ templates_dir = dir })
    local text, msg, code = templates.render("one-on-one", "Ann", {}, { date = "2026-11-28" })
    assert.is_nil(text)
    assert.are.equal('(leadnotes) one-on-one.org:3:3: unclosed section "open_items"', msg)
    assert.are.equal("invalid", code)
    rmdir(dir)
  end)

  it("a missing template is nil, message, code; a bad argument is an error", function()
    local text, msg, code = templates.render("no-such-template", "Ann")
    assert.is_nil(text)
    assert.matches("no org template 'no%-such%-template'", msg)
    assert.are.equal("not found", code)
    raises("bad argument #1 to 'render'", templates.render, "../etc/passwd", "Ann")
    raises("bad argument #2 to 'render'", templates.render, "one-on-one", 42)
    raises("bad argument #3 to 'render'", templates.render, "one-on-one", "Ann", "x")
    raises("bad argument #4 to 'render' %(date must be", templates.render, "one-on-one", "Ann", {}, { date = "28/11/2026" })
    raises("bad argument #1 to 'fields'", templates.fields, nil)
  end)

  it("leadnotes.render, .templates and .fields are this module", function()
    assert.are.equal(templates.render, leadnotes.render)
    assert.are.equal(templates.templates, leadnotes.templates)
    assert.are.equal(templates.fields, leadnotes.fields)
  end)
end)

-- Emacs's own org parser reads the rendered one-on-one as intended: TODO
-- headings with a DEADLINE and an OWNER, properties under the first heading.
local emacs = io.popen("command -v emacs 2>/dev/null"):read("*l")
local describe_emacs = (emacs and emacs ~= "") and describe or pending
describe_emacs("templates read by Emacs org-mode", function()
  it("parses TODO headings, deadlines and properties", function()
    config.setup({})
    local saved = package.loaded["leadnotes.insights"]
    package.loaded["leadnotes.insights"] = { template_context = function()
      return { open_items = { { text = "Draft the roadmap", first_seen = "2026-10-02", carried = 2, id = "5b1c-roadmap",
        owner = "Dana", planning = "DEADLINE: <2026-12-05 Sat>" } } }
    end }
    local text = require("leadnotes.templates").render("one-on-one", "Ann", {}, { date = "2026-11-28", manager = "Dana" })
    package.loaded["leadnotes.insights"] = saved
    local dir = tmpdir()
    write(dir .. "/note.org", text)
    write(dir .. "/check.el", [[
(require 'org)
(require 'org-element)
(with-temp-buffer
  (insert-file-contents (car command-line-args-left))
  (org-mode)
  (org-element-map (org-element-parse-buffer) 'headline
    (lambda (h)
      (when (org-element-property :todo-keyword h)
        (princ (format "%s|%s|%s|%s\n"
          (org-element-property :todo-keyword h)
          (org-element-property :raw-value h)
          (let ((d (org-element-property :deadline h))) (if d (org-element-property :raw-value d) ""))
          (save-excursion (goto-char (org-element-property :begin h)) (or (org-entry-get nil "OWNER") ""))))))))
]])
    local p = io.popen("emacs --batch -Q -l '" .. dir .. "/check.el' '" .. dir .. "/note.org' 2>/dev/null")
    local out = p:read("*a")
    p:close()
    rmdir(dir)
    -- One TODO: the carried item with its deadline and owner; the example is a comment.
    assert.are.equal("TODO|Draft the roadmap|<2026-12-05 Sat>|Dana\n", out)
  end)
end)
