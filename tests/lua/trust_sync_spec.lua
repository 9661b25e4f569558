-- Sync never publishes a mess and never hides a conflict (issue 11, item
-- 4): a merge or rebase in progress is refused, a conflict stays listed
-- until a marker-free version is saved, a note pulled with markers is a
-- conflict, a remote whose default branch has another name is followed,
-- ignored notes are committed as save commits them, and a failed sync after
-- committing says so. Every result is checked with git.
package.path = "lua/?.lua;lua/?/init.lua;tests/lua/?.lua;" .. package.path
local H = require("hardening_helpers")
local core = require("leadnotes").core
local sync = require("leadnotes.sync")

local helpers = require("helpers")
local GIT, sh, git, write = helpers.GIT, helpers.ok, helpers.git, helpers.write

local NOTE = "alice/2026-01-05-one-on-one.org"

describe("sync, trust:", function()
  local root, bare, a, b, sa, sb

  -- A remote with a first note, and two clones that are notes folders.
  before_each(function()
    root = H.tmpdir()
    bare, a, b = helpers.remote_and_clones(root, { [NOTE] = "* One-on-one\nfirst\nsecond\nthird\n" })
    sh("chmod 700 " .. H.quote(a) .. " " .. H.quote(b))
    sa = assert(core.open(a))
    sb = assert(core.open(b))
  end)

  after_each(function()
    if sa then sa:close() end
    if sb then sb:close() end
    H.cleanup()
  end)

  -- Both machines change the same line; a syncs first.
  local function diverge()
    write(a .. "/" .. NOTE, "* One-on-one\nfirst\nANN\nthird\n")
    assert(sa:save(NOTE))
    write(b .. "/" .. NOTE, "* One-on-one\nfirst\nBOB\nthird\n")
    assert(sb:save(NOTE))
    assert(sa:sync())
  end

  it("refuses while a git merge is in progress, and commits and pushes nothing", function()
    diverge()
    git(b, "fetch -q origin")
    local _, merged = H.capture(GIT .. "-C " .. H.quote(b) .. " merge origin/main")
    assert.is_false(merged) -- git stopped with a conflict: markers in the file, MERGE_HEAD set
    local head, remote_head = git(b, "rev-parse HEAD"), git(bare, "rev-parse main")
    local r, msg, code = sb:sync()
    assert.is_nil(r)
    assert.matches("a merge is in progress", msg)
    assert.matches("git merge %-%-abort", msg)
    assert.are.equal("conflict", code)
    assert.are.equal(head, git(b, "rev-parse HEAD"))
    assert.are.equal(remote_head, git(bare, "rev-parse main"))
    assert.is_nil(git(bare, "show main:" .. NOTE):find("<<<<<<<", 1, true))
  end)

  it("refuses while a cherry-pick is in progress", function()
    diverge()
    git(b, "fetch -q origin")
    local _, picked = H.capture(GIT .. "-C " .. H.quote(b) .. " cherry-pick origin/main")
    assert.is_false(picked)
    local r, msg = sb:sync()
    assert.is_nil(r)
    assert.matches("a cherry%-pick is in progress", msg)
    assert.is_nil(git(bare, "log --format=%B main"):find("<<<<<<<", 1, true))
  end)

  it("a conflict stays listed until a marker-free version is saved", function()
    diverge()
    local r = assert(sb:sync())
    assert.are.same({ NOTE }, r.conflicts)
    assert.are.same({ NOTE }, sb:conflicts())
    -- Markers gone from the file but not saved: HEAD still holds them.
    -- The nudges and the team view say so too.
    local leadnotes, common = require("leadnotes"), require("leadnotes.editor.common")
    local function conflict_nudges()
      local n = 0
      for _, nudge in ipairs(assert(leadnotes.nudges(nil, { store = sb }))) do
        if nudge.kind == "conflict" and nudge.path == NOTE then n = n + 1 end
      end
      return n
    end
    local function team_conflicts()
      for _, e in ipairs(assert(leadnotes.team(nil, { store = sb }))) do
        if e.dir == "alice" then return e.conflicts end
      end
    end
    assert.are.equal(1, conflict_nudges())
    assert.are.equal(1, team_conflicts())
    assert.matches("conflicts", common.team_lines(assert(leadnotes.team(nil, { store = sb })))[1])
    write(b .. "/" .. NOTE, "* One-on-one\nfirst\nANN and BOB\nthird\n")
    assert.are.same({ NOTE }, sb:conflicts())
    assert.are.equal(1, conflict_nudges())
    assert(sb:save(NOTE))
    assert.are.same({}, sb:conflicts())
    assert.are.equal(0, conflict_nudges())
    assert.is_nil(team_conflicts())
    assert.is_nil(common.team_lines(assert(leadnotes.team(nil, { store = sb })))[1]:find("conflicts"))
    assert.is_nil(git(b, "show HEAD:" .. NOTE):find("<<<<<<<", 1, true))
  end)

  it("pulling a note that still carries conflict markers is reported as a conflict, not as updated", function()
    diverge()
    assert(sb:sync()) -- b merges, keeps markers, pushes
    local r = assert(sa:sync()) -- a fast-forwards to a note with markers
    assert.are.equal("fast-forward", r.merged)
    assert.are.same({ NOTE }, r.conflicts)
    assert.are.same({ NOTE }, sa:conflicts())
    assert.matches("need", sync.summary(r))
    assert.matches(NOTE, sync.summary(r), 1, true)
  end)

  it("follows a remote whose default branch is trunk instead of pushing a second branch", function()
    local trunk, c = root .. "/trunk.git", root .. "/c"
    sh(GIT .. "init -q --bare -b trunk " .. H.quote(trunk))
    local seed = root .. "/seed"
    sh(GIT .. "clone -q " .. H.quote(trunk) .. " " .. H.quote(seed))
    write(seed .. "/" .. NOTE, "* from trunk\n")
    git(seed, "add -A")
    git(seed, "commit -q -m seed")
    git(seed, "push -q origin trunk")
    sh("mkdir -m 700 " .. H.quote(c))
    local sc = assert(require("leadnotes.notes").open(c))
    write(c .. "/bob/2026-02-02-one-on-one.org", "* bob\n")
    assert(sc:save("bob/2026-02-02-one-on-one.org"))
    git(c, "remote add origin " .. H.quote(trunk))
    local local_branch = git(c, "branch --show-current"):gsub("%s+$", "")
    assert.are_not.equal("trunk", local_branch)
    local r, msg = sc:sync()
    if r then
      assert.is_true(r.followed)
      assert.are.equal("trunk", r.upstream)
      assert.matches("trunk", sync.summary(r))
      assert.matches(local_branch, sync.summary(r))
      -- one branch on the remote, holding both machines' notes
      assert.are.equal("trunk\n", git(trunk, "for-each-ref --format='%(refname:short)' refs/heads"))
      assert.truthy(git(trunk, "ls-tree -r --name-only trunk"):find("bob/2026-02-02-one-on-one.org", 1, true))
      assert.are.equal("refs/heads/trunk\n", git(c, "config branch." .. local_branch .. ".merge"))
      assert.are.equal("* from trunk\n", H.read(c .. "/" .. NOTE))
    else
      -- or it refuses, naming both branches, and the remote is untouched
      assert.matches("trunk", msg)
      assert.matches(local_branch, msg)
      assert.are.equal("trunk\n", git(trunk, "for-each-ref --format='%(refname:short)' refs/heads"))
    end
    sc:close()
  end)

  it("an ignored note is committed by sync as save commits it, with a warning, and is on the remote", function()
    write(a .. "/.gitignore", "alice/private*\n")
    git(a, "add .gitignore")
    git(a, "commit -q -m ignore")
    write(a .. "/alice/private-2026.org", "* private but a note\n")
    local r = assert(sa:sync())
    assert.are.same({ "alice/private-2026.org" }, r.ignored)
    assert.are.same({}, r.unsynced)
    assert.matches("%.gitignore", sync.summary(r))
    assert.are.equal("* private but a note\n", git(bare, "show main:alice/private-2026.org"))
    -- save and save_all treat an ignored note the same way
    write(a .. "/alice/private-2027.org", "* another\n")
    local commits, ignored = assert(sa:save_all())
    assert.are.same({ "alice/private-2027.org" }, ignored)
    assert.are.equal(0, #commits)
    assert.are.equal("* another\n", git(a, "show HEAD:alice/private-2027.org"))
    write(a .. "/alice/private-2028.org", "* and one more\n")
    assert(sa:save("alice/private-2028.org"))
    assert.are.equal("* and one more\n", git(a, "show HEAD:alice/private-2028.org"))
    assert.are.equal("", git(a, "status --porcelain"))
  end)

  -- Issue 11 item 9: a locked git-crypt clone was dirty after sync about
  -- 1 run in 5 (fixed by checking a changed .gitattributes out first). Each
  -- round brings a new .gitattributes rule and a note it encrypts to a
  -- clone that never unlocked; it must be clean every time. 20 rounds with
  -- LEADNOTES_SLOW=1, 3 otherwise.
  it("a locked git-crypt clone is clean after every sync that brings new encryption rules", function()
    if not (H.run("command -v git-crypt >/dev/null 2>&1")) then return pending("git-crypt is not installed") end
    sh("cd " .. H.quote(a) .. " && git-crypt init >/dev/null")
    local rounds = H.slow and 20 or 3
    for i = 1, rounds do
      local rules = {}
      for k = 1, i do rules[#rules + 1] = string.format("secret%d/** filter=git-crypt diff=git-crypt", k) end
      write(a .. "/.gitattributes", table.concat(rules, "\n") .. "\n")
      assert(sa:save(".gitattributes"))
      local note = string.format("secret%d/2026-03-%02d-evaluation.org", i, i)
      write(a .. "/" .. note, "* Confidential " .. i .. "\n")
      assert(sa:save(note))
      assert(sa:sync())
      assert.falsy(git(bare, "show main:" .. note):find("Confidential", 1, true))
      assert(sb:sync())
      assert.are.equal("", git(b, "status --porcelain"), "round " .. i)
      assert.truthy(H.read(b .. "/" .. note):find("GITCRYPT", 1, true), "round " .. i)
      -- A new mtime makes every later status hash the file again (as a
      -- racily clean one is): the locked clone must still sync and save.
      sh("touch -d '+1 minute' " .. H.quote(b .. "/" .. note))
      local again, msg = sb:sync()
      assert.truthy(again, msg)
      assert.are.same({}, again.ignored)
      assert.are.equal("", git(b, "status --porcelain"), "round " .. i)
    end
  end)

  it("never says pushed while a note is missing from the remote", function()
    write(a .. "/alice/2026-02-02-one-on-one.org", "* alice\n")
    assert(sa:save("alice/2026-02-02-one-on-one.org"))
    write(a .. "/bob/2026-02-02-one-on-one.org", "* bob\n")
    local r = assert(sa:sync({ save = false })) -- the new note is not committed
    assert.is_true(r.pushed)
    assert.are.same({ "bob/2026-02-02-one-on-one.org" }, r.unsynced)
    local line = sync.summary(r)
    assert.matches("pushed all but the notes below", line)
    assert.matches("not on the remote", line)
    assert.matches("bob/2026%-02%-02%-one%-on%-one%.org", line)
    assert.is_nil(line:find("pushed;", 1, true))
    assert.is_nil(git(bare, "ls-tree -r --name-only main"):find("bob/", 1, true))
  end)

  it("a sync that fails after committing never says that nothing was changed", function()
    git(a, "remote set-url origin " .. H.quote(root .. "/does-not-exist.git"))
    write(a .. "/alice/2026-02-09-one-on-one.org", "* new\n")
    local before = git(a, "rev-list --count HEAD")
    local r, msg = sa:sync()
    assert.is_nil(r)
    assert.is_nil(msg:find("nothing was changed", 1, true), msg)
    assert.matches("committed here", msg)
    assert.are.equal(tonumber(before) + 1, tonumber(git(a, "rev-list --count HEAD")))
    assert.are.equal("", git(a, "status --porcelain"))
  end)
end)
