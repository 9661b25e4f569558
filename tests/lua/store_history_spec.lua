-- store:history equals `git log --format=%H -- <path>` on linear histories,
-- merges made by git (clean, conflicting, evil), resets and rebases made
-- between saves, and survives a damaged history index.
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path

local helpers = require("helpers")
local q, sh, git, write, lines = helpers.quote, helpers.ok, helpers.git, helpers.write, helpers.lines
local GIT = helpers.GIT

local function ids(entries)
  local out = {}
  for i, e in ipairs(entries) do out[i] = e.id end
  return out
end

local core = require("leadnotes").core

describe("store: history", function()
  local root, notes, store, main
  before_each(function()
    root = helpers.tmpdir("hist")
    notes = root .. "/notes"
    store = assert(core.open(notes))
    sh("mkdir -p " .. q(notes .. "/alice") .. " " .. q(notes .. "/bob") .. " " .. q(notes .. "/carol"))
    main = (git(notes, "symbolic-ref --short HEAD"):gsub("%s+$", ""))
  end)
  after_each(function() helpers.close_and_check(store, notes) end)

  -- Outside git work is queued and run in one shell just before the store
  -- looks (one subprocess instead of dozens on a loaded machine).
  local queue = {}
  local function G(args) queue[#queue + 1] = GIT .. args end
  local function W(rel, text)
    queue[#queue + 1] = "printf '%s' " .. q(text) .. " > " .. q(rel)
  end
  local function flush()
    if #queue == 0 then return end
    sh("cd " .. q(notes) .. " && " .. table.concat(queue, " && "))
    queue = {}
  end
  local n = 0
  local function save(rel, text)
    flush()
    n = n + 1
    write(notes .. "/" .. rel, text or ("v" .. n .. "\n"))
    return assert(store:save(rel))
  end
  local function commit(rel, text, msg)
    n = n + 1
    W(rel, text or ("o" .. n .. "\n"))
    G("add " .. q(rel))
    G("commit -q -m " .. q(msg or ("outside " .. n)))
  end

  -- The outputs of the shell commands, one string each, from one shell run
  -- in the notes folder.
  local function outputs_of(commands)
    local script = {}
    for _, c in ipairs(commands) do script[#script + 1] = "echo '::out'; " .. c end
    local out = sh("cd " .. q(notes) .. " && " .. table.concat(script, "; "))
    local blocks = {}
    for block in (out .. "::out\n"):gmatch("::out\n(.-)%f[:]") do
      if #blocks < #commands then blocks[#blocks + 1] = block end
    end
    return blocks
  end

  -- Every path ever touched, every person, and the whole folder: one shell
  -- runs all the git logs (subprocesses are slow on a loaded machine).
  local function check_all(label)
    flush()
    local paths = { ".", "alice", "bob", "carol", "alice/", "nobody" }
    local seen = {}
    for _, p in ipairs(lines(git(notes, "log --all --format= --name-only"))) do
      if not seen[p] then seen[p] = true paths[#paths + 1] = p end
    end
    local commands = {}
    for _, p in ipairs(paths) do commands[#commands + 1] = "git log --format=%H -- " .. q(p) end
    local blocks = outputs_of(commands)
    assert.equals(#paths, #blocks, label .. ": every path compared")
    for i, p in ipairs(paths) do
      assert.same(lines(blocks[i]), ids(assert(store:history(p))), label .. ": history of " .. p)
    end
  end

  it("lists a person's commits newest first with id, short, time, author, summary and paths", function()
    local a = save("alice/2026-01-01-one-on-one.org")
    save("bob/2026-01-01-one-on-one.org")
    local c = save("alice/2026-01-08-one-on-one.org")
    local h = assert(store:history("alice"))
    assert.equals(2, #h)
    assert.equals(c.id, h[1].id)
    assert.equals(a.id, h[2].id)
    assert.equals(c.id:sub(1, 7), h[1].short)
    assert.equals("alice: one-on-one 2026-01-08", h[1].summary)
    assert.same({ "alice/2026-01-08-one-on-one.org" }, h[1].paths)
    assert.is_number(h[1].time)
    assert.is_string(h[1].author)
    assert.equals(1, #store:history("alice", { limit = 1 }))
    assert.equals(0, #store:history("alice", { ["until"] = h[2].time - 1 }))
    assert.equals(2, #store:history("alice", { since = h[2].time }))
    assert.same({}, store:history("nobody"))
    assert.equals(2, #store:history("alice/"))
    check_all("linear")
  end)

  it("maps a display name to the person's folder", function()
    sh("mkdir -p " .. q(notes .. "/José-Pérez"))
    local c = save("José-Pérez/2026-01-01-one-on-one.org")
    assert.same({ c.id }, ids(store:history("José Pérez")))
  end)

  it("equals git log across merges made by git: clean, conflicting, evil, octopus", function()
    save("alice/a.org", "base\n")
    save("bob/b.org", "base\n")
    save("carol/c.org", "1\n2\n3\n")
    G("checkout -q -b side")
    commit("alice/a.org", "side change\n")
    commit("bob/side.org", "side only\n")
    G("checkout -q " .. main)
    save("bob/b.org", "main change\n")
    save("carol/c.org", "1\n2\n3 main\n")
    G("merge -q --no-ff -m 'merge side' side")
    check_all("clean merge")
    -- a conflicting merge resolved by hand: differs from both parents
    G("checkout -q -b side2")
    commit("alice/a.org", "side2 version\n")
    G("checkout -q " .. main)
    commit("alice/a.org", "main version\n")
    queue[#queue + 1] = "(" .. GIT .. "merge -q side2 >/dev/null 2>&1 || true)"
    W("alice/a.org", "resolved\n")
    G("add alice/a.org")
    G("commit -q --no-edit")
    check_all("conflict merge")
    -- an evil merge touching a file neither side changed
    G("checkout -q -b side3")
    commit("bob/b.org", "side3\n")
    G("checkout -q " .. main)
    commit("alice/other.org", "main\n")
    G("merge -q --no-ff --no-commit side3")
    W("carol/c.org", "evil\n")
    G("add carol/c.org")
    G("commit -q -m 'evil merge'")
    check_all("evil merge")
    -- the same change on both sides
    G("checkout -q -b side4")
    commit("carol/same.org", "same\n")
    G("checkout -q " .. main)
    commit("carol/same.org", "same\n")
    G("merge -q --no-ff -m 'same both sides' side4")
    -- an octopus
    G("checkout -q -b o1")
    commit("alice/o1.org")
    G("checkout -q " .. main)
    G("checkout -q -b o2")
    commit("bob/o2.org")
    G("checkout -q " .. main)
    commit("carol/o3.org")
    G("merge -q --no-ff -m octopus o1 o2")
    check_all("octopus")
    -- saves after all that still extend the index
    save("alice/a.org", "after merges\n")
    check_all("after merges")
  end)

  it("catches up after outside commits, resets and rebases between saves", function()
    for i = 1, 4 do save("alice/" .. i .. ".org") end
    assert.equals(4, #store:history("alice"))
    commit("alice/1.org")
    commit("bob/x.org")
    check_all("outside commits")
    G("reset -q --hard HEAD~3")
    check_all("reset")
    save("alice/2.org")
    check_all("save after reset")
    G("checkout -q -b topic HEAD~2")
    commit("carol/t.org")
    commit("alice/t.org")
    G("rebase -q " .. main)
    G("checkout -q " .. main)
    G("merge -q --ff-only topic")
    check_all("rebase")
    save("carol/t.org")
    G("checkout -q --detach HEAD~1")
    check_all("detached HEAD")
    sh("mkdir -p " .. q(notes .. "/bob"))
    save("bob/detached.org")
    assert.equals(git(notes, "rev-parse HEAD"), store:history("bob")[1].id .. "\n")
    check_all("saved on a detached HEAD")
  end)

  it("since and until cut the walk as git log --since/--until do, across a merge", function()
    local base = 1700000000
    local function at(t, rel)
      W(rel, tostring(t) .. "\n")
      G("add " .. q(rel))
      queue[#queue + 1] = "GIT_COMMITTER_DATE=@" .. t .. " GIT_AUTHOR_DATE=@" .. t .. " " .. GIT .. "commit -q -m c" .. t
    end
    at(base + 10, "alice/f1.org")
    G("checkout -q -b side")
    at(base + 20, "alice/f2.org")
    at(base + 50, "alice/f2.org")
    G("checkout -q " .. main)
    at(base + 30, "alice/f3.org")
    at(base + 40, "alice/f1.org")
    queue[#queue + 1] = "GIT_COMMITTER_DATE=@" .. (base + 60) .. " " .. GIT .. "merge -q --no-ff -m m side"
    at(base + 70, "alice/f3.org")
    flush()
    local commands, cases = {}, {}
    for _, since in ipairs({ 15, 25, 35, 45 }) do
      for _, untl in ipairs({ 0, 45, 65 }) do
        for _, p in ipairs({ "alice", "alice/f1.org", "alice/f2.org", "alice/f3.org" }) do
          cases[#cases + 1] = { since = base + since, ["until"] = untl > 0 and base + untl or nil, path = p }
          commands[#commands + 1] = "git log --format=%H --since=@" .. (base + since) ..
            (untl > 0 and (" --until=@" .. (base + untl)) or "") .. " -- " .. q(p)
        end
      end
    end
    local blocks = outputs_of(commands)
    assert.equals(#cases, #blocks)
    for i, c in ipairs(cases) do
      assert.same(lines(blocks[i]), ids(assert(store:history(c.path, { since = c.since, ["until"] = c["until"] }))),
        "since " .. c.since .. " until " .. tostring(c["until"]) .. " " .. c.path)
    end
  end)

  it("rebuilds a damaged or missing index, and a second store sees the first one's saves", function()
    for i = 1, 3 do save("alice/" .. i .. ".org") end
    check_all("before")
    local file = notes .. "/.git/leadnotes/history-index"
    local f = assert(io.open(file, "rb"))
    local size = #f:read("*a")
    f:close()
    assert.is_true(size > 0)
    -- torn tail
    f = assert(io.open(file, "ab"))
    f:write("\200\0\0\0garbage")
    f:close()
    store:close()
    store = assert(core.open(notes))
    check_all("torn tail")
    -- garbage in the middle
    f = assert(io.open(file, "r+b"))
    f:seek("set", 30)
    f:write(string.rep("\255", 40))
    f:close()
    store:close()
    store = assert(core.open(notes))
    check_all("garbage")
    os.remove(file)
    store:close()
    store = assert(core.open(notes))
    check_all("missing")
    local other = assert(core.open(notes))
    assert.equals(3, #other:history("alice"))
    save("alice/4.org")
    local c = save("alice/5.org")
    assert.equals(c.id, other:history("alice")[1].id)
    assert.equals(5, #other:history("alice"))
    other:close()
  end)

  -- The first call reads packs itself (plugin/pack_read.c) and leaves the
  -- rest to libgit2: both kinds of delta git writes, several packs, loose
  -- objects on top, and a damaged pack.
  it("is built the same from packs with either kind of delta, loose objects, and survives a damaged pack", function()
    local file = notes .. "/.git/leadnotes/history-index"
    for i = 1, 12 do save(({ "alice", "bob", "carol" })[i % 3 + 1] .. "/n.org", "line\n" .. i .. "\n") end
    for i = 1, 4 do commit("alice/o" .. i .. ".org") end
    local function rebuilt(label)
      flush()
      store:close()
      os.remove(file)
      store = assert(core.open(notes))
      check_all(label)
    end
    rebuilt("commit packs and loose objects")
    -- a delta names its base by id (REF_DELTA), then by offset (OFS_DELTA)
    G("-c repack.useDeltaBaseOffset=false repack -q -a -d -f --depth=50")
    rebuilt("deltas by id")
    G("repack -q -a -d -f --depth=50")
    for i = 1, 3 do commit("bob/o" .. i .. ".org") end
    rebuilt("deltas by offset, loose commits on top")
    save("carol/n.org", "after\n")
    rebuilt("and a commit pack")
    -- A damaged copy: history fails with a message or still answers; it
    -- never reads out of bounds (the sanitizer and valgrind runs check).
    store:close()
    store = nil
    local copy = root .. "/damaged"
    sh("cp -a " .. q(notes) .. " " .. q(copy) .. " && rm -f " .. q(copy .. "/.git/leadnotes/history-index"))
    local pack = lines(sh("ls " .. q(copy .. "/.git/objects/pack") .. "/*.pack | head -1"))[1]
    local f = assert(io.open(pack, "r+b"))
    local size = f:seek("end")
    f:seek("set", math.floor(size / 2))
    f:write(string.rep("\255", 64))
    f:close()
    local damaged = assert(core.open(copy))
    local h, msg = damaged:history("alice")
    assert.is_true(type(h) == "table" or type(msg) == "string")
    damaged:close()
    store = assert(core.open(notes))
  end)

  it("in a shallow clone, a commit whose parents are not there starts the history", function()
    for i = 1, 3 do save("alice/a.org", "a" .. i .. "\n") end
    save("bob/b.org")
    store:close()
    local clone = root .. "/shallow"
    sh("git clone -q --depth 2 file://" .. q(notes) .. " " .. q(clone))
    assert.equals("1\n", git(clone, "rev-parse --is-shallow-repository"):gsub("true", "1"))
    store = assert(core.open(clone))
    notes = clone
    assert.same(lines(git(clone, "log --format=%H -- alice")), ids(assert(store:history("alice"))))
    assert.same(lines(git(clone, "log --format=%H -- bob")), ids(assert(store:history("bob"))))
    assert.equals(1, #store:history("alice"))
  end)

  it("an unborn HEAD has no history", function()
    store:close()
    local fresh = root .. "/fresh"
    sh("mkdir -p " .. q(fresh))
    git(fresh, "init -q")
    store = assert(core.open(fresh))
    assert.same({}, store:history("alice"))
    sh("mkdir -p " .. q(fresh .. "/alice"))
    write(fresh .. "/alice/a.org", "first\n")
    local c = assert(store:save("alice/a.org"))
    assert.same({ c.id }, ids(store:history("alice")))
    assert.equals("1\n", git(fresh, "rev-list --count HEAD"))
    notes = fresh
  end)
end)
