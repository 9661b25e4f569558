-- Hardening (issue 6, item 5): a process saving in a loop is killed with
-- SIGKILL at random moments: 100 times with LEADNOTES_SLOW=1, 10 times in
-- the normal suite (LEADNOTES_CRASH_KILLS sets any number).
-- Afterwards `git fsck --strict` is clean, every note holds what was last
-- written to it, and the next save_all commits whatever the killed process
-- did not. A stale index.lock left by a dead process is recognised and
-- cleared, with a notice; a fresh one is respected.
local H = require("hardening_helpers")

local KILLS = tonumber(os.getenv("LEADNOTES_CRASH_KILLS") or "") or (H.slow and 100 or 10)
local RELS = { "alice/2026-11-02-one-on-one.org", "bob/2026-11-02-one-on-one.org", "carol/profile.org" }

-- The child: first commits what a killed predecessor left (save_all), then
-- writes and saves the notes round-robin until killed. Before each write it
-- logs its intent ("W rel n"), so the test knows the last two candidates.
local child_body = [==[
local notes, log_path, start = arg[1], arg[2], tonumber(arg[3])
local rels = { "alice/2026-11-02-one-on-one.org", "bob/2026-11-02-one-on-one.org", "carol/profile.org" }
local log = assert(io.open(log_path, "ab"))
log:setvbuf("no")
local store = assert(core.open(notes))
local made, err = store:save_all()
if made == nil then log:write("ALLFAIL ", tostring(err):gsub("\n", " "), "\n") else log:write("ALLOK\n") end
local i = start
while true do
  local rel = rels[i % #rels + 1]
  local path = notes .. "/" .. rel
  log:write("W ", rel, " ", i, "\n")
  local f = assert(io.open(path .. ".tmp", "wb"))
  f:write("* note\nversion ", i, "\n")
  f:close()
  assert(os.rename(path .. ".tmp", path))
  local commit, serr = store:save(rel)
  if commit == nil and serr then log:write("SAVEFAIL ", tostring(serr):gsub("\n", " "), "\n") end
  i = i + 1
end
]==]

describe("hardening: a saving process killed at random moments", function()
  local tmp, notes, script

  before_each(function()
    tmp = H.tmpdir()
    notes = tmp .. "/notes"
    assert(H.core().open(notes)):close()
    for _, rel in ipairs(RELS) do
      os.execute("mkdir -p " .. H.quote(notes .. "/" .. rel:match("^[^/]+")))
    end
    script = H.child_script(tmp, "killed", child_body)
  end)

  after_each(function() H.cleanup() end)

  -- What each note may hold after a kill: the last version logged for it,
  -- or the one before (killed between the log line and the rename).
  local function candidates(log_text)
    local last, before = {}, {}
    for rel, n in log_text:gmatch("W (%S+) (%d+)\n") do
      before[rel], last[rel] = last[rel], n
    end
    return last, before
  end

  it("survives " .. KILLS .. " SIGKILLs: fsck clean, notes intact, the next save_all commits the rest", function()
    local log_path = tmp .. "/killed.log"
    local allfails, savefails = {}, {}
    math.randomseed(os.time())
    local next_version = 1
    for kill = 1, KILLS do
      H.write(log_path, "")
      -- Once the child is in its save loop (its first write logged; start-up
      -- time varies with the machine's load), 0 to 150 ms more: the kill
      -- lands anywhere in a save, or between two.
      local delay = math.random() * 0.15
      H.run("cd " .. H.quote(tmp) .. " && " .. H.quote(H.interp) .. " " .. H.quote(script) .. " " ..
        H.quote(notes) .. " " .. H.quote(log_path) .. " " .. next_version ..
        " >>" .. H.quote(tmp .. "/stderr.log") .. " 2>&1 & pid=$!; " ..
        "n=0; while [ $n -lt 3000 ] && kill -0 $pid 2>/dev/null && ! grep -q '^W ' " .. H.quote(log_path) ..
        "; do sleep 0.01; n=$((n+1)); done; sleep " ..
        string.format("%.3f", delay) .. "; kill -9 $pid; wait $pid 2>/dev/null")
      local log_text = H.read(log_path) or ""
      for line in log_text:gmatch("ALLFAIL[^\n]*") do allfails[#allfails + 1] = kill .. ": " .. line end
      for line in log_text:gmatch("SAVEFAIL[^\n]*") do savefails[#savefails + 1] = kill .. ": " .. line end
      local last, before = candidates(log_text)
      for rel, n in pairs(last) do
        local text = H.read(notes .. "/" .. rel)
        local ok = text == "* note\nversion " .. n .. "\n" or
          (before[rel] and text == "* note\nversion " .. before[rel] .. "\n") or
          (before[rel] == nil)
        assert.is_true(ok, "after kill " .. kill .. ", " .. rel .. " holds " .. tostring(text))
        next_version = math.max(next_version, tonumber(n) + 1)
      end
      local fsck_ok, fsck_out = H.fsck(notes)
      assert.is_true(fsck_ok, "after kill " .. kill .. ": " .. fsck_out)
    end
    assert.are.same({}, allfails)
    assert.are.same({}, savefails)
    -- A last process, not killed: save_all commits what the last killed one
    -- left, then the working tree and HEAD agree.
    local checker = H.child_script(tmp, "checker", [[
      local store = assert(core.open(arg[1]))
      local made, err = store:save_all()
      io.write(made and "ALLOK" or ("ALLFAIL " .. tostring(err)), "\n")
      store:close()
    ]])
    local out, ok = H.run_child(checker, H.quote(notes))
    assert.is_true(ok, out)
    assert.matches("ALLOK", out)
    local _, fsck_out = H.fsck(notes)
    assert.is_true((H.fsck(notes)), fsck_out)
    assert.are.equal("", (H.git(notes, "status --porcelain --untracked-files=no")))
    for _, rel in ipairs(RELS) do
      local text = H.read(notes .. "/" .. rel)
      if text then assert.are.equal(text, (H.git(notes, "show HEAD:" .. rel))) end
    end
    assert.is_true(next_version > KILLS, "the children saved only " .. next_version .. " times in " .. KILLS .. " runs")
  end)

  it("clears a stale index.lock left by a dead process, with a notice", function()
    local rel = RELS[1]
    H.write(notes .. "/" .. rel, "* note\nafter a crash\n")
    local gitdir = notes .. "/.git"
    -- As a killed git or leadnotes leaves it: an index.lock nobody holds,
    -- written long ago.
    H.run("touch -d '-15 minutes' " .. H.quote(gitdir .. "/index.lock"))
    local saver = H.child_script(tmp, "stale", [[
      local store = assert(core.open(arg[1]))
      local commit, err = store:save(arg[2])
      io.write(commit and ("SAVED " .. tostring(commit.id)) or ("FAILED " .. tostring(err)), "\n")
      if type(commit) == "table" then
        for k, v in pairs(commit) do io.write("FIELD ", tostring(k), "=", tostring(v), "\n") end
      end
      io.write("NOTICE ", tostring(store:take_notice()), "\n")
      store:close()
    ]])
    local out, ok = H.run_child(saver, H.quote(notes) .. " " .. H.quote(rel))
    assert.is_true(ok, out)
    assert.matches("SAVED %x+", out)
    assert.is_nil(H.read(gitdir .. "/index.lock"), "the stale lock is still there")
    -- The notice: on stderr or in the result, naming the lock.
    assert.matches("lock", out:lower())
    assert.are.equal("* note\nafter a crash\n", (H.git(notes, "show HEAD:" .. rel)))
    assert.are.equal("", (H.git(notes, "status --porcelain")))
    assert.is_true((H.fsck(notes)))
  end)

  it("does not take a fresh index.lock held by a live git: locked, then nothing lost", function()
    local rel = RELS[2]
    H.write(notes .. "/" .. rel, "* note\nwhile git holds the lock\n")
    local gitdir = notes .. "/.git"
    -- A live git keeps its lock file open while it works: a process holds
    -- it open here for longer than the store's retries last.
    local lock = gitdir .. "/index.lock"
    H.run("touch " .. H.quote(lock))
    local holder = tonumber((H.capture("sh -c 'exec 3<\"$0\"; exec sleep 30' " .. H.quote(lock) ..
      " >/dev/null 2>&1 & echo $!")):match("%d+"))
    H.sleep(0.2)
    local store = assert(H.core().open(notes))
    local commit, err = store:save(rel)
    local lock_stayed = H.read(lock) ~= nil
    os.execute("kill " .. holder .. " 2>/dev/null")
    assert.is_nil(commit)
    assert.matches("lock", tostring(err):lower())
    assert.is_true(lock_stayed, "a held lock was taken away")
    os.remove(lock)
    commit, err = store:save(rel)
    assert.is_table(commit, tostring(err))
    store:close()
    assert.are.equal("* note\nwhile git holds the lock\n", (H.git(notes, "show HEAD:" .. rel)))
    assert.is_true((H.fsck(notes)))
  end)
end)
