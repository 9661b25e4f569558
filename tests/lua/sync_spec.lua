-- Sync (issue 7) from Lua: store:sync between two clones of a bare
-- repository, with the notes in a subfolder of each clone; results checked
-- with git log, git fsck --strict, git status and the files themselves.
-- Also leadnotes.sync (summary, command, the auto-sync debouncer).
-- Runs under Lua 5.4, 5.3 and LuaJIT.
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path

local helpers = require("helpers")
local q, sh, ok, git, write, read = helpers.quote, helpers.sh, helpers.ok, helpers.git, helpers.write, helpers.read
local GIT = helpers.GIT

local ln = require("leadnotes")
local core = ln.core
local sync = require("leadnotes.sync")

describe("sync:", function()
  local root, bare, a, b, sa, sb

  -- A remote with a first note, and two clones whose notes live in notes/.
  before_each(function()
    root = helpers.tmpdir("sync")
    bare, a, b = helpers.remote_and_clones(root,
      { ["notes/alice/2026-01-05-one-on-one.org"] = "* One-on-one\nfirst\nsecond\nthird\n" })
    sa = assert(core.open(a .. "/notes", { shared = true })) -- notes in a subfolder of each clone
    sb = assert(core.open(b .. "/notes", { shared = true }))
  end)

  after_each(function()
    if sa then sa:close() end
    if sb then sb:close() end
    helpers.cleanup()
  end)

  it("different notes on two machines end up on both, through a merge commit", function()
    write(a .. "/notes/alice/2026-01-12-one-on-one.org", "* alice\n")
    assert(sa:save("alice/2026-01-12-one-on-one.org"))
    write(b .. "/notes/bob/2026-01-12-one-on-one.org", "* bob\n")
    assert(sb:save("bob/2026-01-12-one-on-one.org"))

    local r1 = assert(sa:sync())
    assert.are.equal("up-to-date", r1.merged)
    assert.is_true(r1.pushed)
    assert.are.equal("origin", r1.remote)
    assert.are.equal("main", r1.branch)
    assert.are.same({}, r1.conflicts)

    local r2 = assert(sb:sync("origin"))
    assert.are.equal("merge", r2.merged)
    assert.is_true(r2.pushed)
    assert.is_true(r2.fetched > 0)
    assert.are.equal("* alice\n", read(b .. "/notes/alice/2026-01-12-one-on-one.org"))
    assert.are.equal("", git(b, "status --porcelain"))
    local parents = git(bare, "log -1 --format=%P main")
    assert.truthy(parents:find("%x+ %x+"), "the merge commit has two parents")

    local r3 = assert(sa:sync())
    assert.are.equal("fast-forward", r3.merged)
    assert.is_false(r3.pushed)
    assert.are.equal("* bob\n", read(a .. "/notes/bob/2026-01-12-one-on-one.org"))
    assert.are.equal(git(a, "rev-parse HEAD"), git(bare, "rev-parse main"))
    assert.are.equal("", git(a, "status --porcelain"))
    for _, dir in ipairs({ a, b, bare }) do git(dir, "fsck --strict") end
    -- the store keeps working on top of a synced repository
    write(a .. "/notes/bob/2026-01-12-one-on-one.org", "* bob, edited on a\n")
    assert(sa:save("bob/2026-01-12-one-on-one.org"))
    assert.are.equal("", git(a, "status --porcelain"))
  end)

  it("the same note edited on both machines keeps both sides between markers, committed and listed", function()
    local note = "alice/2026-01-05-one-on-one.org"
    write(a .. "/notes/" .. note, "* One-on-one\nfirst\nANN'S LINE\nthird\n")
    assert(sa:save(note))
    write(b .. "/notes/" .. note, "* One-on-one\nfirst\nBOB'S LINE\nthird\n")
    assert(sb:save(note))
    assert(sa:sync())
    local r = assert(sb:sync())
    assert.are.equal("merge", r.merged)
    assert.is_true(r.pushed)
    assert.are.same({ note }, r.conflicts)
    local text = read(b .. "/notes/" .. note)
    assert.truthy(text:find("ANN'S LINE", 1, true))
    assert.truthy(text:find("BOB'S LINE", 1, true))
    assert.truthy(text:find("<<<<<<< this machine", 1, true))
    assert.truthy(text:find(">>>>>>> origin/main", 1, true))
    assert.truthy(text:find("first\n", 1, true) and text:find("third\n", 1, true))
    assert.are.equal("", git(b, "status --porcelain"))
    assert.are.equal(text, git(bare, "show main:notes/" .. note))
    assert.truthy(git(bare, "log -1 --format=%B main"):find(note, 1, true))
    assert.are.same({ note }, sb:conflicts())
    assert.truthy(read(b .. "/.git/leadnotes/conflicts"):find("\t" .. note .. "\n", 1, true))
    assert.are.same({}, sa:conflicts())

    -- resolving the note removes it from the list
    write(b .. "/notes/" .. note, "* One-on-one\nfirst\nBOTH LINES\nthird\n")
    assert(sb:save(note))
    assert.are.same({}, sb:conflicts())
    assert(sb:sync())
    assert.are.equal("fast-forward", assert(sa:sync()).merged)
    assert.are.equal("* One-on-one\nfirst\nBOTH LINES\nthird\n", read(a .. "/notes/" .. note))
    for _, dir in ipairs({ a, b, bare }) do git(dir, "fsck --strict") end
  end)

  it("saves uncommitted notes before syncing, or refuses when asked not to", function()
    local note = "alice/2026-01-05-one-on-one.org"
    write(a .. "/notes/" .. note, "* edited outside the editor\n")
    local none, msg, code = sa:sync({ save = false })
    assert.is_nil(none)
    assert.truthy(msg:find(note, 1, true), msg)
    assert.are.equal("dirty", code)
    assert.are.equal("* edited outside the editor\n", read(a .. "/notes/" .. note))
    local r = assert(sa:sync())
    assert.are.equal(1, r.saved)
    assert.is_true(r.pushed)
    assert.are.equal("* edited outside the editor\n", git(bare, "show main:notes/" .. note))
  end)

  it("a remote that is down gives nil, message, code and loses nothing", function()
    write(a .. "/notes/carol/2026-02-01-one-on-one.org", "* carol\n")
    assert(sa:save("carol/2026-02-01-one-on-one.org"))
    local head = git(a, "rev-parse HEAD")
    os.execute("mv " .. q(bare) .. " " .. q(bare .. ".away"))
    local none, msg, code = sa:sync()
    assert.is_nil(none)
    assert.truthy(msg:find("cannot fetch from 'origin'", 1, true), msg)
    assert.is_string(code)
    assert.are.equal(head, git(a, "rev-parse HEAD"))
    assert.are.equal("* carol\n", read(a .. "/notes/carol/2026-02-01-one-on-one.org"))
    assert.are.equal("", git(a, "status --porcelain"))
    local none2, msg2 = sa:sync("nowhere")
    assert.is_nil(none2)
    assert.truthy(msg2:find("git remote add nowhere", 1, true), msg2)
    os.execute("mv " .. q(bare .. ".away") .. " " .. q(bare))
    assert.is_true(assert(sa:sync()).pushed)
  end)

  it("reports progress, and a progress function can cancel or fail", function()
    write(a .. "/notes/dave/2026-02-02-one-on-one.org", "* dave\n")
    assert(sa:save("dave/2026-02-02-one-on-one.org"))
    assert(sa:sync())
    local head = git(b, "rev-parse HEAD")
    local none, msg = sb:sync("origin", { progress = function() return false end })
    assert.is_nil(none)
    assert.truthy(msg:find("cancelled", 1, true), msg)
    assert.are.equal(head, git(b, "rev-parse HEAD"))
    assert.has_error(function() sb:sync({ progress = function() error("boom") end }) end)
    assert.are.equal(head, git(b, "rev-parse HEAD"))
    local stages = {}
    local r = assert(sb:sync({ progress = function(stage, received, total)
      assert.is_number(received)
      assert.is_number(total)
      stages[stage] = true
    end }))
    assert.are.equal("fast-forward", r.merged)
    assert.truthy(stages.fetch or stages.resolve or stages.checkout)
  end)

  it("a wrong argument is an error naming sync", function()
    assert.has_error(function() sa:sync(42, 42) end)
    assert.has_error(function() sa:sync({ progress = 1 }) end,
      "bad argument #1 to 'sync' (option 'progress' must be a function, got number)")
    assert.has_error(function() sa:sync({ save = "yes" }) end,
      "bad argument #1 to 'sync' (option 'save' must be a boolean, got string)")
    assert.has_error(function() sa.sync(nil) end)
  end)
end)

describe("encryption at rest:", function()
  local root, bare, a, b, sa, sb
  local ROT = "tr A-Za-z N-ZA-Mn-za-m" -- a stand-in for an encrypting clean/smudge pair

  before_each(function()
    root = helpers.tmpdir("crypt")
    bare, a, b = helpers.remote_and_clones(root,
      { [".gitattributes"] = "*.org filter=rot\nlocked/** filter=gone\n" }, "attributes")
    for _, dir in ipairs({ a, b }) do
      git(dir, "config filter.rot.clean " .. q(ROT))
      git(dir, "config filter.rot.smudge " .. q(ROT))
    end
    sa, sb = assert(core.open(a)), assert(core.open(b))
  end)

  after_each(function()
    sa:close()
    sb:close()
    helpers.cleanup()
  end)

  it("saves through the clean filter, syncs ciphertext, checks out plain text", function()
    local note = "alice/2026-03-01-evaluation.org"
    write(a .. "/" .. note, "* Hello Alice\n")
    assert(sa:save(note))
    assert.are.equal("* Uryyb Nyvpr\n", git(a, "cat-file -p HEAD:" .. note))
    assert.are.equal("", git(a, "status --porcelain"))
    assert(sa:sync())
    assert.are.equal("* Uryyb Nyvpr\n", git(bare, "show main:" .. note))
    assert.are.equal("fast-forward", assert(sb:sync()).merged)
    assert.are.equal("* Hello Alice\n", read(b .. "/" .. note))
    -- a conflict is merged on the plain text and stored cleaned
    write(a .. "/" .. note, "* Hello Alice\nfrom Ann\n")
    assert(sa:save(note))
    write(b .. "/" .. note, "* Hello Alice\nfrom Bob\n")
    assert(sb:save(note))
    assert(sa:sync())
    local r = assert(sb:sync())
    assert.are.same({ note }, r.conflicts)
    local text = read(b .. "/" .. note)
    assert.truthy(text:find("from Ann", 1, true) and text:find("from Bob", 1, true))
    assert.falsy(git(bare, "show main:" .. note):find("Alice", 1, true))
    assert.are.equal("", git(b, "status --porcelain"))
  end)

  it("refuses to save a note whose filter driver is not configured, so no plain text reaches git", function()
    local note = "locked/2026-03-02-evaluation.org"
    write(a .. "/" .. note, "Secret words\n")
    local head = git(a, "rev-parse HEAD")
    local none, msg = sa:save(note)
    assert.is_nil(none)
    assert.truthy(msg:find("filter.gone.clean", 1, true), msg)
    assert.are.equal(head, git(a, "rev-parse HEAD"))
    local id = git(a, "hash-object " .. q(note)):gsub("%s+", "")
    assert.are_not.equal(0, select(2, sh("git -C " .. q(a) .. " cat-file -e " .. id)))
  end)

  it("works with git-crypt when it is installed", function()
    if select(2, sh("command -v git-crypt")) ~= 0 then
      pending("git-crypt is not installed")
      return
    end
    local key = root .. "/key"
    git(a, "rm -q --cached .gitattributes")
    write(a .. "/.gitattributes", "private/** filter=git-crypt diff=git-crypt\n")
    ok("cd " .. q(a) .. " && git-crypt init >/dev/null && git-crypt export-key " .. q(key))
    assert(sa:save(".gitattributes"))
    local note = "private/2026-03-03-evaluation.org"
    write(a .. "/" .. note, "* Confidential\n")
    assert(sa:save(note))
    assert.are.equal("", git(a, "status --porcelain"))
    assert(sa:sync())
    assert.truthy(git(bare, "show main:" .. note):find("GITCRYPT", 1, true))
    assert.falsy(git(bare, "show main:" .. note):find("Confidential", 1, true))
    assert(sb:sync())
    -- The sync changed .gitattributes and brought a note it now encrypts:
    -- the note must be checked out under the new rule (no filter in a locked
    -- clone), not smudged by the old one, or git-crypt refuses to unlock.
    assert.are.equal("", git(b, "status --porcelain"))
    assert.truthy(read(b .. "/" .. note):find("GITCRYPT", 1, true))
    ok("cd " .. q(b) .. " && git-crypt unlock " .. q(key))
    assert.are.equal("* Confidential\n", read(b .. "/" .. note))
    write(a .. "/" .. note, "* Confidential\nmore\n")
    assert(sa:save(note))
    assert(sa:sync())
    assert.are.equal("fast-forward", assert(sb:sync()).merged)
    assert.are.equal("* Confidential\nmore\n", read(b .. "/" .. note))
    assert.are.equal("", git(b, "status --porcelain"))
  end)
end)

describe("leadnotes.sync", function()
  it("summarises a result in one line that names the notes needing attention", function()
    local line = sync.summary({ merged = "merge", pushed = true, remote = "origin", branch = "main",
      conflicts = { "alice/a.org", "bob/b.org" } })
    assert.are.equal("(leadnotes) synced with origin (main): merged, pushed; 2 notes need attention "
      .. "(both versions kept between <<<<<<< and >>>>>>>): alice/a.org, bob/b.org", line)
    assert.are.equal("(leadnotes) synced with origin: up to date",
      sync.summary({ merged = "up-to-date", pushed = false, conflicts = {} }))
    assert.has_error(function() sync.summary(nil) end)
  end)

  it("names the remote's branch when the local one tracks another name", function()
    assert.are.equal("(leadnotes) synced with hub (notes with main): up to date",
      sync.summary({ merged = "up-to-date", remote = "hub", branch = "notes", upstream = "main", conflicts = {} }))
  end)


  it("builds the command line that syncs in a separate process", function()
    assert.are.same({ "leadnotes", "--dir", "/n", "sync" }, sync.command("/n"))
    assert.are.same({ "/x/leadnotes", "--dir", "/n", "sync", "backup" }, sync.command("/n", "backup", "/x/leadnotes"))
  end)

  -- A timer driven by hand: start() records, advance() fires what is due.
  local function manual_timer()
    local t = { now = 0, timers = {}, started = 0 }
    function t.start(ms, fn)
      local h = { at = t.now + ms, fn = fn }
      t.timers[h] = true
      t.started = t.started + 1
      return h
    end
    function t.stop(h) t.timers[h] = nil end
    function t.advance(ms)
      t.now = t.now + ms
      for h in pairs(t.timers) do
        if h.at <= t.now then t.timers[h] = nil; h.fn() end
      end
    end
    return t
  end

  it("auto-sync is off by default: saves start no timer", function()
    require("leadnotes.config").setup({})
    local t, runs = manual_timer(), 0
    local auto = sync.debouncer({ start = t.start, stop = t.stop, run = function(done) runs = runs + 1; done() end })
    assert.is_false(auto.saved())
    t.advance(100000)
    assert.are.equal(0, t.started)
    assert.are.equal(0, runs)
  end)

  it("a burst of saves makes one sync after the delay; a save during a sync makes one more", function()
    require("leadnotes.config").setup({ auto_sync = true, auto_sync_delay_ms = 1000 })
    local t, runs, pending_done = manual_timer(), 0, nil
    local auto = sync.debouncer({ start = t.start, stop = t.stop,
      run = function(done) runs = runs + 1; pending_done = done end })
    assert.is_true(auto.saved())
    t.advance(500)
    auto.saved()
    t.advance(500)
    assert.are.equal(0, runs, "the second save restarted the countdown")
    t.advance(500)
    assert.are.equal(1, runs)
    auto.saved() -- while the sync runs
    t.advance(5000)
    assert.are.equal(1, runs, "never two syncs at once")
    pending_done()
    t.advance(1000)
    assert.are.equal(2, runs)
    pending_done()
    auto.saved()
    auto.cancel()
    t.advance(5000)
    assert.are.equal(2, runs)
    require("leadnotes.config").setup({})
  end)
end)
