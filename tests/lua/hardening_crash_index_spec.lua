-- Hardening (issue 11, item 2): a crash never reverts a save. A process
-- saving notes (through the Lua API, and through the command line) is
-- killed with SIGKILL at random moments, also between save's return and
-- the flusher's moving of the branch and landing of the git index. After
-- each kill an ordinary `git commit` of an unrelated file is made, before
-- and after another leadnotes process saved a different note; every line a
-- save returned for is in HEAD once that process ran (and at once, when
-- git could commit), and `git status` is clean. 200 kills with LEADNOTES_SLOW=1, 20 in the
-- normal suite, 8 under the sanitizers (LEADNOTES_CRASH_INDEX_KILLS sets any number).
local H = require("hardening_helpers")

local KILLS = tonumber(os.getenv("LEADNOTES_CRASH_INDEX_KILLS") or "") or (H.slow and 200 or (H.sanitized and 8 or 20))
local RELS = { "alice/2026-11-02-one-on-one.org", "bob/2026-11-02-one-on-one.org" }

-- The Lua saver: appends a numbered line to a note and saves it, round
-- robin, logging "SAVED rel n" once save() has returned.
local lua_saver = [==[
local notes, log_path, start = arg[1], arg[2], tonumber(arg[3])
local rels = { "alice/2026-11-02-one-on-one.org", "bob/2026-11-02-one-on-one.org" }
local log = assert(io.open(log_path, "ab"))
log:setvbuf("no")
local store = assert(core.open(notes))
log:write("OPEN\n")
local i = start
while true do
  local rel = rels[i % #rels + 1]
  local f = assert(io.open(notes .. "/" .. rel, "ab"))
  f:write("- saved line ", i, "\n")
  f:close()
  local commit, err = store:save(rel)
  if commit then log:write("SAVED ", rel, " ", i, "\n")
  elseif err then log:write("SAVEFAIL ", tostring(err):gsub("\n", " "), "\n") end
  i = i + 1
end
]==]

-- Another leadnotes process saving a note the killed one never touched.
local other_saver = [==[
local notes, n = arg[1], arg[2]
local store = assert(core.open(notes))
local f = assert(io.open(notes .. "/carol/profile.org", "wb"))
f:write("* Carol\nversion ", n, "\n")
f:close()
local commit, err = store:save("carol/profile.org")
io.write(commit and "OK\n" or ("FAIL " .. tostring(err) .. "\n"))
store:close()
]==]

describe("hardening: a save killed before its index lands is never reverted", function()
  local tmp, notes

  before_each(function()
    tmp = H.tmpdir()
    notes = tmp .. "/notes"
    assert(H.core().open(notes)):close()
    -- Some bulk, so that writing the index takes a while (the window).
    H.run("cd " .. H.quote(notes) .. " && mkdir -p alice bob carol bulk && " ..
      "for i in $(seq 1 1500); do echo x > bulk/n$i.org; done && " ..
      "printf '* Alice\\n' > " .. RELS[1] .. " && printf '* Bob\\n' > " .. RELS[2] ..
      " && printf '* Carol\\n' > carol/profile.org && echo 0 > unrelated.txt && " ..
      "git add -A && git -c user.name=t -c user.email=t@t commit -q -m setup")
  end)

  after_each(function() H.cleanup() end)

  local function saved_lines(log_text, into)
    for rel, n in log_text:gmatch("SAVED (%S+) (%d+)\n") do into[#into + 1] = { rel = rel, n = n } end
  end

  -- Every saved line is in HEAD's version of its note.
  local function assert_in_head(saved, when)
    local heads = {}
    for _, s in ipairs(saved) do
      heads[s.rel] = heads[s.rel] or (H.git(notes, "show HEAD:" .. s.rel))
      assert.is_truthy(heads[s.rel]:find("- saved line " .. s.n .. "\n", 1, true),
        when .. ": line " .. s.n .. " of " .. s.rel .. " was saved but HEAD lacks it")
    end
  end

  local function commit_unrelated(k)
    H.write(notes .. "/unrelated.txt", tostring(k) .. "\n")
    local out, ok = H.git(notes, "add unrelated.txt")
    if not ok then return out, ok end
    return H.git(notes, "-c user.name=t -c user.email=t@t commit -q -m unrelated")
  end

  local function run_kills(kills, start_saver)
    local log_path = tmp .. "/saver.log"
    local other = H.child_script(tmp, "other", other_saver)
    local saved, fails, locked = {}, {}, 0
    math.randomseed(os.time())
    local next_n = 1
    for kill = 1, kills do
      H.write(log_path, "")
      -- A flusher thread for half the runs, the index written inline for
      -- the others: the kill lands anywhere in a save, or between two.
      local env = (kill % 2 == 0) and "LEADNOTES_DEFER_INDEX_BYTES=0 " or "LEADNOTES_DEFER_INDEX_BYTES=100000000 "
      start_saver(env, log_path, next_n, math.random() * 0.12)
      local log_text = H.read(log_path) or ""
      for line in log_text:gmatch("SAVEFAIL[^\n]*") do fails[#fails + 1] = kill .. ": " .. line end
      saved_lines(log_text, saved)
      for n in log_text:gmatch("SAVED %S+ (%d+)\n") do next_n = math.max(next_n, tonumber(n) + 1) end
      next_n = next_n + 2 -- a line written but not saved is never reused
      -- An ordinary git commit at once: it succeeds (the index holds every
      -- save), or index.lock stops it; it never reverts a save. When it
      -- succeeds, every save that returned is in HEAD; when it is stopped,
      -- the last save may still be waiting for its branch to move (the kill
      -- came between save's return and the flusher), which the next
      -- leadnotes completes.
      local out, ok = commit_unrelated(kill)
      if not ok then
        assert.matches("index.lock", out, 1, true)
        locked = locked + 1
        local before_last = {}
        for i = 1, #saved - 1 do before_last[i] = saved[i] end
        assert_in_head(before_last, "after kill " .. kill .. " and a git commit index.lock stopped")
      else
        assert_in_head(saved, "after kill " .. kill .. " and git commit")
      end
      -- Another leadnotes process saves another note; then git again.
      local o = H.run_child(other, H.quote(notes) .. " " .. kill)
      assert.matches("^OK", o)
      out, ok = commit_unrelated(-kill)
      assert.is_true(ok, "git commit after kill " .. kill .. ": " .. out)
      assert_in_head(saved, "after kill " .. kill .. ", another save and git commit")
    end
    assert.are.same({}, fails)
    assert.is_true(#saved > kills / 2, "only " .. #saved .. " saves returned in " .. kills .. " runs")
    local fsck_ok, fsck_out = H.fsck(notes)
    assert.is_true(fsck_ok, fsck_out)
    -- The killed saves' last lines may be unsaved; everything else is clean.
    local status = H.git(notes, "status --porcelain --untracked-files=no")
    for line in status:gmatch("[^\n]+") do
      assert.is_truthy(line:match("^ M alice/") or line:match("^ M bob/"), "git status: " .. status)
    end
    return locked
  end

  -- A save returns once its commit is written and the branch is locked
  -- holding it; the flusher then moves the branch and lands the index. A
  -- kill in between leaves the state made by hand here.
  it("completes a save killed after it returned, before its branch moved, when leadnotes next opens", function()
    local rel = RELS[1]
    H.write(notes .. "/" .. rel, "* Alice\n- saved just before the kill\n")
    local store = assert(H.core().open(notes))
    local commit = assert(store:save(rel))
    store:close()
    local gitdir = notes .. "/.git"
    local branch = (H.git(notes, "symbolic-ref HEAD")):gsub("%s+$", "")
    local parent = (H.git(notes, "rev-parse HEAD~1")):gsub("%s+$", "")
    local dead = (H.capture("sh -c 'echo $$'")):gsub("%s+$", "")
    H.write(gitdir .. "/" .. branch .. ".lock", commit.id .. "\n")
    H.write(gitdir .. "/" .. branch, parent .. "\n")
    H.write(gitdir .. "/index.lock", "leadnotes " .. dead .. "\n")
    H.write(gitdir .. "/leadnotes/index.journal", "C " .. dead .. " " .. commit.id .. "\n")
    -- Meanwhile git cannot commit over the interrupted save.
    local out, ok = H.git(notes, "-c user.name=t -c user.email=t@t commit -q --allow-empty -m over")
    assert.is_false(ok)
    assert.matches("index.lock", out, 1, true)
    local again = assert(H.core().open(notes))
    assert.matches("interrupted", again:take_notice() or "")
    again:close()
    assert.are.equal(commit.id, ((H.git(notes, "rev-parse HEAD")):gsub("%s+$", "")))
    assert.are.equal(commit.id, ((H.git(notes, "reflog -1 --format=%H")):gsub("%s+$", "")))
    assert.is_nil(H.read(gitdir .. "/" .. branch .. ".lock"))
    assert.is_nil(H.read(gitdir .. "/index.lock"))
    assert.are.equal("", (H.git(notes, "status --porcelain --untracked-files=no")))
    local fsck_ok, fsck_out = H.fsck(notes)
    assert.is_true(fsck_ok, fsck_out)
    -- A lock that names another commit is not ours to complete.
    H.write(gitdir .. "/" .. branch .. ".lock", parent .. "\n")
    H.write(gitdir .. "/leadnotes/index.journal", "C " .. dead .. " " .. commit.id .. "\n")
    assert(H.core().open(notes)):close()
    assert.are.equal(commit.id, ((H.git(notes, "rev-parse HEAD")):gsub("%s+$", "")))
    assert.is_not_nil(H.read(gitdir .. "/" .. branch .. ".lock"))
  end)

  it("through the Lua API: " .. KILLS .. " kills, each followed by git commit; every saved line stays in HEAD", function()
    local script = H.child_script(tmp, "saver", lua_saver)
    run_kills(KILLS, function(env, log_path, start, delay)
      H.run("cd " .. H.quote(tmp) .. " && " .. env .. H.quote(H.interp) .. " " .. H.quote(script) .. " " ..
        H.quote(notes) .. " " .. H.quote(log_path) .. " " .. start ..
        " >>" .. H.quote(tmp .. "/stderr.log") .. " 2>&1 & pid=$!; " ..
        "n=0; while [ $n -lt 3000 ] && kill -0 $pid 2>/dev/null && ! grep -q '^SAVED ' " .. H.quote(log_path) ..
        "; do sleep 0.01; n=$((n+1)); done; sleep " .. string.format("%.3f", delay) ..
        "; kill -9 $pid; wait $pid 2>/dev/null")
    end)
  end)

  it("through the command line: " .. math.max(1, math.floor(KILLS / 2)) .. " kills of `leadnotes save`, each followed by git commit", function()
    local build = os.getenv("LEADNOTES_BUILD_DIR")
    if not build or H.sanitized then return pending("needs the build's leadnotes wrapper and an unsanitized interpreter") end
    local cli = build .. "/bin/leadnotes"
    -- A shell loop of CLI saves in a process group of its own (setsid);
    -- the test kills the whole group, so the save in progress dies with
    -- the loop, even one started an instant before the kill.
    local loop = tmp .. "/loop.sh"
    H.write(loop, [[
notes=$1 log=$2 i=$3 cli=$4
while :; do
  if [ $((i % 2)) -eq 0 ]; then rel=alice/2026-11-02-one-on-one.org; else rel=bob/2026-11-02-one-on-one.org; fi
  printf -- '- saved line %d\n' "$i" >> "$notes/$rel"
  if "$cli" --dir "$notes" save "$rel" >/dev/null 2>>"$log.err"; then echo "SAVED $rel $i" >> "$log"; fi
  i=$((i + 1))
done
]])
    run_kills(math.max(1, math.floor(KILLS / 2)), function(env, log_path, start, delay)
      H.run("cd " .. H.quote(tmp) .. " && " .. env .. "setsid sh " .. H.quote(loop) .. " " .. H.quote(notes) .. " " ..
        H.quote(log_path) .. " " .. start .. " " .. H.quote(cli) ..
        " >/dev/null 2>&1 & pid=$!; " ..
        "n=0; while [ $n -lt 3000 ] && kill -0 $pid 2>/dev/null && ! grep -q '^SAVED ' " .. H.quote(log_path) ..
        "; do sleep 0.01; n=$((n+1)); done; sleep " .. string.format("%.3f", delay * 3) ..
        "; kill -9 -$pid 2>/dev/null; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null; " ..
        "n=0; while [ $n -lt 500 ] && pgrep -g $pid >/dev/null; do sleep 0.01; n=$((n+1)); done")
    end)
  end)
end)
