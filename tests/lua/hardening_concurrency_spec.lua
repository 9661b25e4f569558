-- Hardening (issue 6, item 4): two processes (two editors) saving in the
-- same notes repository at once. Different notes: every save lands as its
-- own commit, none lost, `git fsck --strict` clean. The same note: the last
-- content written is the one committed, no corruption.
-- 500 saves per process with LEADNOTES_SLOW=1, 100 otherwise.
local H = require("hardening_helpers")

local SAVES = H.slow and 500 or 100

-- The child: writes its note (atomically, through a rename) and saves it,
-- COUNT times; prints one line per failed save and a final tally.
local child_body = [==[
local notes, rel, count, tag = arg[1], arg[2], tonumber(arg[3]), arg[4]
local store = assert(core.open(notes))
local failed, made = 0, 0
for i = 1, count do
  local path = notes .. "/" .. rel
  local f = assert(io.open(path .. ".tmp-" .. tag, "wb"))
  f:write("* note\n", tag, " save ", i, "\n")
  f:close()
  assert(os.rename(path .. ".tmp-" .. tag, path))
  local commit, err = store:save(rel, tag .. " save " .. i)
  if commit then made = made + 1
  elseif err then failed = failed + 1; io.write("FAIL ", i, " ", tostring(err), "\n") end
end
store:close()
io.write("DONE ", tag, " made=", made, " failed=", failed, "\n")
]==]

describe("hardening: two processes saving at once", function()
  local tmp, notes, script

  before_each(function()
    tmp = H.tmpdir()
    notes = tmp .. "/notes"
    local store = assert(H.core().open(notes))
    store:close()
    os.execute("mkdir -p " .. H.quote(notes .. "/alice") .. " " .. H.quote(notes .. "/bob"))
    script = H.child_script(tmp, "saver", child_body)
  end)

  after_each(function() H.cleanup() end)

  local function run_two(rel_a, rel_b)
    local log_a, log_b = tmp .. "/a.log", tmp .. "/b.log"
    local base = tonumber((H.git(notes, "rev-list --count HEAD")))
    -- Both start together and run to completion; wait for both.
    local ok = H.run("cd " .. H.quote(tmp) .. " && (" ..
      H.quote(H.interp) .. " " .. H.quote(script) .. " " .. H.quote(notes) .. " " .. rel_a .. " " .. SAVES .. " A >" .. H.quote(log_a) .. " 2>&1 & " ..
      H.quote(H.interp) .. " " .. H.quote(script) .. " " .. H.quote(notes) .. " " .. rel_b .. " " .. SAVES .. " B >" .. H.quote(log_b) .. " 2>&1 & " ..
      "wait)")
    assert.is_true(ok)
    return base, H.read(log_a), H.read(log_b)
  end

  it("different notes: every save of both lands as a commit, fsck --strict clean", function()
    local base, a, b = run_two("alice/2026-11-02-one-on-one.org", "bob/2026-11-02-one-on-one.org")
    assert.matches("DONE A made=" .. SAVES .. " failed=0", a)
    assert.matches("DONE B made=" .. SAVES .. " failed=0", b)
    assert.are.equal(base + 2 * SAVES, tonumber((H.git(notes, "rev-list --count HEAD"))))
    -- Each note's own history holds every one of its saves, in order.
    for _, who in ipairs({ { "A", "alice" }, { "B", "bob" } }) do
      local log = H.git(notes, "log --format=%s -- " .. who[2] .. "/2026-11-02-one-on-one.org")
      local n, expect = 0, SAVES
      for line in log:gmatch("[^\n]+") do
        assert.are.equal(who[1] .. " save " .. expect, line)
        n, expect = n + 1, expect - 1
      end
      assert.are.equal(SAVES, n)
      assert.are.equal("* note\n" .. who[1] .. " save " .. SAVES .. "\n",
        (H.git(notes, "show HEAD:" .. who[2] .. "/2026-11-02-one-on-one.org")))
    end
    -- Every commit touches exactly one path.
    local listing = H.git(notes, "log --format=tformat:COMMIT --name-only -n " .. 2 * SAVES)
    local commits, names = 0, 0
    for line in listing:gmatch("[^\n]+") do
      if line == "COMMIT" then
        if commits > 0 then assert.are.equal(1, names, "a commit touched " .. names .. " paths") end
        commits, names = commits + 1, 0
      else
        names = names + 1
      end
    end
    assert.are.equal(1, names)
    assert.are.equal(2 * SAVES, commits)
    local ok, out = H.fsck(notes)
    assert.is_true(ok, out)
    assert.are.equal("", (H.git(notes, "status --porcelain")))
  end)

  it("the same note: the last content written is committed, no corruption", function()
    local rel = "alice/2026-11-02-one-on-one.org"
    local _, a, b = run_two(rel, rel)
    -- A save that reads the note while the other process renames a new
    -- version over it reads the new version again: no save fails, and the
    -- last content written is committed.
    assert.matches("DONE A made=%d+ failed=0", a)
    assert.matches("DONE B made=%d+ failed=0", b)
    local working = H.read(notes .. "/" .. rel)
    assert.matches("^%* note\n[AB] save %d+\n$", working)
    assert.are.equal(working, (H.git(notes, "show HEAD:" .. rel)))
    local ok, out = H.fsck(notes)
    assert.is_true(ok, out)
    assert.are.equal("", (H.git(notes, "status --porcelain")))
    -- Every committed version is a whole one.
    local versions = H.git(notes, "log --format=%H -- " .. rel)
    local seen = 0
    for id in versions:gmatch("%x+") do
      local text = H.git(notes, "show " .. id .. ":" .. rel)
      if seen < 20 then assert.matches("^%* note\n[AB] save %d+\n$", text) end
      seen = seen + 1
    end
    assert.is_true(seen >= 2)
  end)

  -- One editor saves while another syncs the same folder (auto_sync): the
  -- sync holds the writer lock, the saves wait for it, and every save ends
  -- up committed, pushed by the last sync, and in the remote.
  it("a save loop while another process syncs: every save committed and pushed, fsck clean", function()
    local remote = tmp .. "/remote.git"
    assert.is_true((H.run("git init -q --bare " .. H.quote(remote) .. " && git -C " .. H.quote(notes) ..
      " remote add origin " .. H.quote(remote))))
    local syncs = H.slow and 60 or 15
    local syncer = H.child_script(tmp, "syncer", [[
local notes, count = arg[1], tonumber(arg[2])
local store = assert(core.open(notes))
local failed = 0
for i = 1, count do
  local r, err = store:sync()
  if not r then failed = failed + 1; io.write("SYNCFAIL ", i, " ", tostring(err), "\n") end
end
store:close()
io.write("DONE S failed=", failed, "\n")
]])
    local log_a, log_s = tmp .. "/a.log", tmp .. "/s.log"
    assert.is_true((H.run("cd " .. H.quote(tmp) .. " && (" ..
      H.quote(H.interp) .. " " .. H.quote(script) .. " " .. H.quote(notes) .. " alice/2026-11-02-one-on-one.org " ..
      SAVES .. " A >" .. H.quote(log_a) .. " 2>&1 & " ..
      H.quote(H.interp) .. " " .. H.quote(syncer) .. " " .. H.quote(notes) .. " " .. syncs .. " >" .. H.quote(log_s) ..
      " 2>&1 & wait)")))
    -- A save finds nothing to commit when the sync's save_all committed
    -- that version first: no save fails, and every version is in history.
    assert.matches("DONE A made=%d+ failed=0", H.read(log_a))
    assert.matches("DONE S failed=0", H.read(log_s))
    local store = assert(H.core().open(notes))
    assert.truthy(store:sync())
    store:close()
    local patches = H.git(notes, "log -p --format=%H -- alice/2026-11-02-one-on-one.org")
    local seen, n = {}, 0
    for i in patches:gmatch("\n%+A save (%d+)") do
      if not seen[i] then seen[i], n = true, n + 1 end
    end
    assert.are.equal(SAVES, n)
    assert.are.equal((H.git(notes, "rev-parse HEAD")), (H.git(remote, "rev-parse HEAD")))
    assert.is_true((H.fsck(notes)))
    assert.is_true((H.fsck(remote)))
    assert.are.equal("", (H.git(notes, "status --porcelain")))
  end)
end)
