-- Sealed evaluations (issue 7) from Lua: store:seal and store:verify,
-- checked with git tag -n, git cat-file, git check-ref-format.
-- Runs under Lua 5.4, 5.3 and LuaJIT.
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path

local helpers = require("helpers")
local q, sh, ok, git, write = helpers.quote, helpers.sh, helpers.ok, helpers.git, helpers.write

local core = require("leadnotes").core

describe("seal:", function()
  local root, notes, store
  local eval = "alice/2026-06-30-evaluation.org"

  before_each(function()
    root = helpers.tmpdir("seal")
    notes = root .. "/notes"
    store = assert(core.open(notes))
    write(notes .. "/" .. eval, "* Evaluation\nExceeds expectations.\n")
    assert(store:save(eval))
  end)

  after_each(function()
    store:close()
    helpers.cleanup()
  end)

  it("seals an evaluation with an annotated tag eval/<person>/<date> that git tag -n shows", function()
    local sealed_commit = git(notes, "rev-parse HEAD")
    write(notes .. "/bob/2026-07-01-one-on-one.org", "* later\n")
    assert(store:save("bob/2026-07-01-one-on-one.org"))
    local tag = assert(store:seal(eval))
    assert.are.equal("eval/alice/2026-06-30", tag)
    assert.are.equal("tag\n", git(notes, "cat-file -t " .. tag))
    assert.are.equal(sealed_commit, git(notes, "rev-parse " .. q(tag .. "^{commit}")))
    local listed = git(notes, "tag -n")
    assert.truthy(listed:find("eval/alice/2026%-06%-30%s+Sealed evaluation: alice/2026%-06%-30%-evaluation%.org"), listed)
    assert.are.equal(tag, assert(store:seal(eval)), "sealing again returns the same seal")
    assert.are.equal(1, select(2, git(notes, "tag -l 'eval/*'"):gsub("\n", "")))
    git(notes, "fsck --strict")
  end)

  it("verify says unchanged until the file changes, then shows the diff", function()
    local tag = assert(store:seal(eval))
    local v = assert(store:verify(eval))
    assert.are.same({ sealed = true, tag = tag, unchanged = true }, v)
    write(notes .. "/" .. eval, "* Evaluation\nMeets expectations.\n")
    v = assert(store:verify(notes .. "/" .. eval))
    assert.is_true(v.sealed)
    assert.is_false(v.unchanged)
    assert.truthy(v.diff:find("-Exceeds expectations.", 1, true), v.diff)
    assert.truthy(v.diff:find("+Meets expectations.", 1, true), v.diff)
    -- verify never writes: the change is still uncommitted
    assert.truthy(git(notes, "status --porcelain"):find("evaluation", 1, true))
  end)

  it("sealing a note with unsaved changes saves it first and makes a new seal", function()
    assert.are.equal("eval/alice/2026-06-30", assert(store:seal(eval)))
    write(notes .. "/" .. eval, "* Evaluation\nRevised after calibration.\n")
    local tag = assert(store:seal(eval))
    assert.are.equal("eval/alice/2026-06-30-2", tag)
    assert.are.equal("", git(notes, "status --porcelain"))
    assert.are.equal("* Evaluation\nRevised after calibration.\n", git(notes, "show " .. tag .. ":" .. eval))
    assert.are.same({ sealed = true, tag = tag, unchanged = true }, assert(store:verify(eval)))
  end)

  it("a note never sealed verifies as not sealed; bad paths fail with a message", function()
    write(notes .. "/bob/2026-07-02-one-on-one.org", "* bob\n")
    assert(store:save("bob/2026-07-02-one-on-one.org"))
    assert.are.same({ sealed = false, unchanged = false }, assert(store:verify("bob/2026-07-02-one-on-one.org")))
    local none, msg, code = store:seal("../outside.org")
    assert.is_nil(none)
    assert.is_string(msg)
    assert.is_string(code)
    none, msg = store:seal("toplevel.org")
    assert.is_nil(none)
    assert.is_string(msg)
    assert.has_error(function() store:seal() end)
    assert.has_error(function() store:verify({}) end)
  end)

  it("a Unicode person folder gives a tag name git accepts", function()
    local note = "José Núñez/2026-08-01-evaluation.org"
    write(notes .. "/" .. note, "* Evaluación\n")
    assert(store:save(note))
    local tag = assert(store:seal(note))
    assert.truthy(tag:find("^eval/Jos"), tag)
    assert.truthy(tag:find("/2026%-08%-01$"), tag)
    ok("git check-ref-format " .. q("refs/tags/" .. tag))
    assert.truthy(git(notes, "tag -n"):find(tag, 1, true))
    assert.is_true(assert(store:verify(note)).unchanged)
  end)
end)
