-- The team view's entries kept on disk (<gitdir>/leadnotes/team): a fresh
-- process, as each `leadnotes team` is, gives exactly the team view and the
-- nudges it would compute from the notes, whether the entries come from the
-- file or not, after a note is edited (also without changing its size), a
-- person is added or removed, the date or an option changes; a damaged,
-- truncated or foreign file is rebuilt without an error. Every process here
-- is a real interpreter on a real repository.
local helpers = require("helpers")
local source, interp = helpers.source_dir, helpers.interp
local q, ok, write, read = helpers.quote, helpers.ok, helpers.write, helpers.read

-- The process each check runs: team() and nudges() on a date, dumped in a
-- stable order, then how many entries were computed and read from the file.
-- arg: source dir, notes dir, date, racy seconds.
local PROBE = [=[
package.path = arg[1] .. "/lua/?.lua;" .. arg[1] .. "/lua/?/init.lua;" .. arg[1] .. "/tests/lua/?.lua;"
  .. package.path
local leadnotes = require("leadnotes")
local team = require("leadnotes.insights.team")
team.racy_seconds = tonumber(arg[4])
local store = assert(require("leadnotes.notes").open(arg[2]))
local dump = require("helpers").dump
local out = {}
for _, e in ipairs(assert(leadnotes.team(arg[3], { store = store }))) do out[#out + 1] = dump(e) end
for _, n in ipairs(assert(leadnotes.nudges(arg[3], { store = store }))) do out[#out + 1] = dump(n) end
print(table.concat(out, "\n"))
print(string.format("#computed=%d from_file=%d", team.stats.computed, team.stats.from_file))
]=]

describe("the team entries on disk", function()
  local dir, probe, file

  -- Runs the probe as a new process on date; returns its listing and counters.
  local function fresh(date, env)
    local out = ok((env or "") .. " " .. q(interp) .. " " .. q(probe) .. " " .. q(source) .. " " .. q(dir)
      .. " " .. date .. " -1")
    local listing, counters = out:match("^(.*)\n(#computed=[^\n]*)\n?$")
    assert(counters, out)
    local r = { listing = listing }
    for k, v in counters:gmatch("([%w_]+)=(%d+)") do r[k] = tonumber(v) end
    return r
  end

  -- The same with nothing kept on disk: what the notes say.
  local function cold(date)
    return fresh(date, "LEADNOTES_NO_SUMMARY_CACHE=1").listing
  end

  setup(function()
    dir = helpers.tmpdir("teamcache")
    ok("chmod 700 " .. q(dir))
    probe = dir .. ".probe.lua"
    write(probe, PROBE)
    file = dir .. "/.git/leadnotes/team"
    ok("git -C " .. q(dir) .. " init -q")
    write(dir .. "/alice/profile.org", "* Profile\n:PROPERTIES:\n:ROLE: Engineer\n:CADENCE_DAYS: 7\n"
      .. ":NEXT_REVIEW: 2026-03-10\n:END:\n")
    write(dir .. "/alice/2026-01-05-one-on-one.org", "* Action items\n"
      .. "** TODO Write the migration plan\n   DEADLINE: <2026-01-20 Mon>\n"
      .. "   :PROPERTIES:\n   :ID: 5f1c\n   :OWNER: Alice\n   :END:\n"
      .. "** TODO Book the training course\n* Feedback\n- Clear writing\n")
    write(dir .. "/alice/2026-01-19-one-on-one.org", "* Action items\n** TODO Write the migration plan\n"
      .. "   :PROPERTIES:\n   :ID: 5f1c\n   :END:\n* Wins\n- Shipped the importer\n")
    write(dir .. "/bob/2026-02-02-one-on-one.md", "# Bob\n## Action items\n"
      .. "- [ ] Send the plan <!-- id: 9a0b; owner: Bob; due: 2026-02-20 -->\n- [x] Done thing\n")
    write(dir .. "/carol/2026-02-10-one-on-one.org", "* Topics\n- The release date\n")
    helpers.commit_dated(dir, ".", "2026-02-10")
  end)

  teardown(function()
    os.remove(probe)
    helpers.cleanup()
  end)

  it("gives what the notes say, computed once and then read from the file", function()
    local want = cold("2026-03-01")
    assert.is_nil(read(file))
    local first = fresh("2026-03-01")
    assert.are.equal(want, first.listing)
    assert.are.equal(3, first.computed)
    assert.truthy(read(file))
    local again = fresh("2026-03-01")
    assert.are.equal(want, again.listing)
    assert.are.same({ 0, 3 }, { again.computed, again.from_file })
    -- The nudges say something here, so the comparison compares something.
    assert.truthy(want:find("kind=string:deadline", 1, true))
    assert.truthy(want:find("open_items=%a+:2[,}]")) -- integer, or number under LuaJIT
  end)

  it("sees an edited note, also one edited without changing its size", function()
    fresh("2026-03-01")
    local path = dir .. "/alice/2026-01-19-one-on-one.org"
    write(path, read(path) .. "** TODO Pair with Bob on the release\n")
    local want = cold("2026-03-01")
    local warm = fresh("2026-03-01")
    assert.are.equal(want, warm.listing)
    assert.are.same({ 1, 2 }, { warm.computed, warm.from_file })
    -- TODO -> DONE: the same size, another mtime and ctime.
    local text = read(path)
    local done = text:gsub("TODO Pair with Bob", "DONE Pair with Bob")
    assert.are.equal(#text, #done)
    write(path, done)
    want = cold("2026-03-01")
    assert.are_not.equal(want, warm.listing)
    warm = fresh("2026-03-01")
    assert.are.equal(want, warm.listing)
    assert.are.equal(1, warm.computed)
  end)

  it("sees a person added and one removed, and another date", function()
    fresh("2026-03-01")
    write(dir .. "/dave/2026-02-20-one-on-one.org", "* Action items\n** TODO Meet the team\n")
    local want = cold("2026-03-01")
    assert.truthy(want:find("dir=string:dave", 1, true))
    local warm = fresh("2026-03-01")
    assert.are.equal(want, warm.listing)
    assert.are.same({ 1, 3 }, { warm.computed, warm.from_file })
    ok("rm -rf " .. q(dir .. "/dave"))
    want = cold("2026-03-01")
    assert.falsy(want:find("dir=string:dave", 1, true))
    assert.are.equal(want, fresh("2026-03-01").listing)
    -- Another day: every entry is computed again, and is right.
    want = cold("2026-04-15")
    warm = fresh("2026-04-15")
    assert.are.equal(want, warm.listing)
    assert.are.equal(3, warm.computed)
    assert.are.equal(want, fresh("2026-04-15").listing)
  end)

  it("rebuilds a damaged, truncated or foreign file without an error", function()
    local want = cold("2026-03-01")
    fresh("2026-03-01")
    local good = read(file)
    -- Damaged: a byte changed in the first record's key (after the header:
    -- "LNSCACHE", format, schema length, schema, CRC), so no record is read.
    local schema_len = good:byte(13) + 256 * good:byte(14)
    local at = 8 + 8 + schema_len + 4 + 12 + 3
    write(file, good:sub(1, at - 1) .. string.char((good:byte(at) + 1) % 256) .. good:sub(at + 1))
    local warm = fresh("2026-03-01")
    assert.are.equal(want, warm.listing)
    assert.are.equal(3, warm.computed)
    assert.are.same({ 0, 3 }, { fresh("2026-03-01").computed, fresh("2026-03-01").from_file })
    -- Truncated in the middle of a record.
    local now = read(file)
    write(file, now:sub(1, #now - 7))
    assert.are.equal(want, fresh("2026-03-01").listing)
    assert.are.equal(3, fresh("2026-03-01").from_file)
    -- Not a team file at all, then one written by another version (another
    -- schema in its header): never believed, rewritten.
    write(file, "this is not a cache\n")
    warm = fresh("2026-03-01")
    assert.are.same({ want, 3 }, { warm.listing, warm.computed })
    local other = read(file):gsub("team1:", "team0:", 1)
    assert.are_not.equal(read(file), other)
    write(file, other)
    warm = fresh("2026-03-01")
    assert.are.same({ want, 3, 0 }, { warm.listing, warm.computed, warm.from_file })
    assert.are.equal(3, fresh("2026-03-01").from_file)
    -- It holds what the notes say: only its owner may read it.
    assert.are.equal("600", helpers.trim(ok("stat -c %a " .. q(file))))
  end)
end)
