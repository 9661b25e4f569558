-- The Lua binding translates, the core decides (issue 15 items 1 and 4):
-- one argument-error format, one outcome for a path outside the folder,
-- codes instead of messages, and the store methods written in Lua added by
-- the Lua layer, not required by the binding. Runs under Lua 5.4, 5.3 and
-- LuaJIT; every change is checked with git.
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path

local helpers = require("helpers")
local ln = require("leadnotes")
local core = ln.core

-- fn makes the call as a statement, not a tail call: LuaJIT names the
-- function in an argument error only when its frame is still there.
local function raises(pattern, fn)
  local ok, err = pcall(fn)
  assert.is_false(ok, "no error for " .. pattern)
  assert.matches(pattern, tostring(err))
  return tostring(err)
end

describe("the binding", function()
  local root, notes, store
  before_each(function()
    root = helpers.tmpdir("binding")
    notes = root .. "/notes"
    store = assert(ln.open(notes))
  end)
  after_each(function() helpers.close_and_check(store, notes) end)

  it("raises a caller's mistake in Lua's own words, naming the function", function()
    raises("bad argument #1 to 'save' %(string expected, got no value%)", function() local _ = store:save() end)
    raises("bad argument #2 to 'history' %(option 'limit' must be a non%-negative integer%)",
      function() local _ = store:history("alice", { limit = -1 }) end)
    raises("bad argument #1 to 'sync' %(unknown option 'x' %(known: progress, remote, save%)%)",
      function() local _ = store:sync({ x = 1 }) end)
    raises("bad argument #1 to '[%w.]*parse_org' %(string expected, got number%)", function() local _ = core.parse_org(1) end)
    raises("bad argument #2 to '[%w.]*open' %(option 'create' must be a boolean, got string%)",
      function() local _ = core.open(notes, { create = "yes" }) end)
    local bank = core.prompts_new()
    raises("bad argument #1 to 'select' %(option 'date' must be a YYYY%-MM%-DD string%)",
      function() local _ = bank:select({}) end)
    raises("bad argument #1 to 'new_note' %(kind must be a name", function() local _ = store:new_note("../x", "Ann") end)
    raises("bad argument #1 to 'render'", function() local _ = ln.render(nil, "Ann") end)
  end)

  it("answers a path outside the folder with nil, message, \"invalid\" in every function taking one", function()
    local calls = {
      path = function() return store:path("../x") end,
      save = function() return store:save("../x") end,
      show = function() return store:show("HEAD", "../x") end,
      diff = function() return store:diff("HEAD", nil, "../x") end,
      restore = function() return store:restore("HEAD", "../x") end,
      blob_id = function() return store:blob_id("../x") end,
      history = function() return store:history("../x") end,
      seal = function() return store:seal("../x") end,
      verify = function() return store:verify("../x") end,
      write_note = function() return core.write_note(store, "../x", "text") end,
      team_files = function() return core.team_files(store, "../x") end,
      create_note = function() return store:create_note("../x", "2026-01-01-one-on-one", "org", "text") end,
    }
    for name, call in pairs(calls) do
      local ok, value, msg, code = pcall(call)
      assert.is_true(ok, name .. " raised: " .. tostring(value))
      assert.is_nil(value, name)
      assert.is_string(msg, name)
      assert.are.equal("invalid", code, name .. ": " .. tostring(msg))
    end
    assert.are.equal("", helpers.status(notes))
    assert.is_nil(io.open(root .. "/x", "rb"))
  end)

  it("creates notes in C, never overwriting one", function()
    local a, rel_a = assert(store:create_note("ann", "2026-01-05-one-on-one", "org", "* first\n"))
    local b, rel_b = assert(store:create_note(notes .. "/ann", "2026-01-05-one-on-one", "org", "* second\n"))
    assert.are.equal("ann/2026-01-05-one-on-one.org", rel_a)
    assert.are.equal("ann/2026-01-05-one-on-one-2.org", rel_b)
    assert.are.equal(notes .. "/" .. rel_b, b)
    assert.are.equal("* first\n", helpers.read(a))
    local none, _, code = store:create_note("ann", "a/b", "org", "x")
    assert.is_nil(none)
    assert.are.equal("invalid", code)
  end)

  it("writes a note atomically, making its folders, without committing", function()
    assert.is_true(core.write_note(store, "ann/deep/profile.org", "* Ann\n"))
    assert.is_true(core.write_note(store, "ann/deep/profile.org", "* Ann Lee\n"))
    assert.are.equal("* Ann Lee\n", helpers.read(notes .. "/ann/deep/profile.org"))
    assert.are.equal("profile.org", helpers.trim(helpers.output("ls -A " .. helpers.quote(notes .. "/ann/deep"))))
    assert.are.equal("700", helpers.trim(helpers.output("stat -c %a " .. helpers.quote(notes .. "/ann/deep"))))
    assert.are.equal("600", helpers.trim(helpers.output("stat -c %a " .. helpers.quote(notes .. "/ann/deep/profile.org"))))
    assert.matches("%?%? ann/", helpers.status(notes))
  end)

  it("names what it does: hash_blob hashes text as git does, take_notice forgets the notice", function()
    helpers.write(root .. "/blob.txt", "some text\n")
    assert.are.equal(helpers.trim(helpers.output("git hash-object " .. helpers.quote(root .. "/blob.txt"))),
      core.hash_blob("some text\n"))
    assert.is_nil(core.blob_id)
    assert.is_nil(store.notice)
    assert.is_nil(store:take_notice())
  end)

  it("has the store methods written in Lua from the Lua layer, not from the binding", function()
    assert.are.equal(core.store_methods, getmetatable(store).__index)
    assert.are.equal("Lua", debug.getinfo(core.store_methods.profile, "S").what)
    assert.are.equal("Lua", debug.getinfo(core.store_methods.new_note, "S").what)
    assert(store:profile("Ann Lee", { role = "Engineer" }))
    assert.are.equal("Engineer", store:profile("Ann Lee").role)
    helpers.assert_clean(notes)
    -- the binding's sources never call into Lua modules
    local grep = helpers.output("grep -l 'require' " .. helpers.quote(helpers.source_dir) .. "/plugin/lua_*.c || true")
    assert.are.equal("", helpers.trim(grep))
  end)

  it("has one date checker: templates, notes and insights all refuse 2026-02-30", function()
    local templates = require("leadnotes.templates")
    raises("'2026%-02%-30' is not a day of the calendar",
      function() local _ = templates.render("one-on-one", "Ann", {}, { date = "2026-02-30", store = store }) end)
    raises("'2026%-02%-30' is not a day of the calendar",
      function() local _ = templates.fields("one-on-one", { date = "2026-02-30" }) end)
    raises("'2026%-02%-30' is not a day of the calendar",
      function() local _ = store:new_note("one-on-one", "Ann", { date = "2026-02-30" }) end)
    raises("'2026%-02%-30' is not a day of the calendar",
      function() local _ = ln.carry_over("Ann", "2026-02-30", { store = store }) end)
    raises("not a day of the calendar",
      function() local _ = store:profile("Ann", { start_date = "2026-02-30" }) end)
    assert.are.equal("", helpers.status(notes))
  end)

  it("a closed handle raises, naming the method", function()
    store:close()
    raises("calling 'people' on bad self %(attempt to use a closed notes store%)", function() local _ = store:people() end)
    raises("attempt to use a closed notes store", function() local _ = store:profile("Ann") end)
    store = nil
  end)
end)
