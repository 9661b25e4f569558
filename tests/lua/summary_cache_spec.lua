-- The note summaries kept on disk (<gitdir>/leadnotes/summaries): a fresh
-- process, as each command line call and each editor start is, reads no
-- unchanged note; what it gets from the file equals what reading the note
-- gives; a damaged, truncated or foreign file is never believed and is
-- rebuilt; concurrent writers leave it whole; git sees nothing of it.
-- Every process here is a real interpreter on a real repository.
local helpers = require("helpers")
local source, interp = helpers.source_dir, helpers.interp
local q, capture, ok, write, read = helpers.quote, helpers.sh, helpers.ok, helpers.write, helpers.read

-- The process each check runs: the team view and every person's open items,
-- printed in a stable order; then the counters, and how many summaries
-- differ from reading their note again (deep comparison, every field).
local PROBE = [=[
package.path = arg[1] .. "/lua/?.lua;" .. arg[1] .. "/lua/?/init.lua;" .. arg[1] .. "/tests/lua/?.lua;"
  .. package.path
local leadnotes = require("leadnotes")
local summaries = require("leadnotes.insights.summaries")
local store = assert(require("leadnotes.notes").open(arg[2]))
local out = {}
local dump = require("helpers").dump
for _, e in ipairs(assert(leadnotes.team("2026-03-01", { store = store }))) do out[#out + 1] = dump(e) end
out[#out + 1] = dump(assert(leadnotes.items({ store = store })))
local reads, parses, hits = summaries.stats.reads, summaries.stats.parses, summaries.stats.disk_hits
local mtype = math.type or function() return nil end
local function same(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then return a == b and mtype(a) == mtype(b) end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end
local differ = 0
for _, f in ipairs(leadnotes.core.team_files(store)) do
  local ext = f.path:match("%.(%w+)$")
  local cached = summaries.cached_summary(arg[2], f, ext)
  local fh = io.open(arg[2] .. "/" .. f.path, "rb")
  local fresh = summaries.summarize(fh:read("*a"), ext)
  fh:close()
  if not same(cached, fresh) then differ = differ + 1 end
end
print(table.concat(out, "\n"))
print(string.format("#reads=%d parses=%d hits=%d differ=%d", reads, parses, hits, differ))
]=]

-- CRC-32 (zlib's) and little-endian u32, to craft records that check out.
local ops = rawget(_G, "bit") and { bxor = bit.bxor, band = bit.band, rshift = bit.rshift }
  or load("return { bxor = function(a, b) return a ~ b end, band = function(a, b) return a & b end, "
    .. "rshift = function(a, n) return a >> n end }")()
local function crc32(s)
  local c = 0xFFFFFFFF
  for i = 1, #s do
    c = ops.bxor(c, s:byte(i))
    for _ = 1, 8 do
      if ops.band(c, 1) ~= 0 then c = ops.bxor(ops.rshift(c, 1), 0xEDB88320) else c = ops.rshift(c, 1) end
    end
  end
  return ops.bxor(c, 0xFFFFFFFF) % 4294967296
end
local function u32(n)
  n = n % 4294967296
  return string.char(n % 256, math.floor(n / 256) % 256, math.floor(n / 65536) % 256, math.floor(n / 16777216) % 256)
end
local function record(key, value)
  local lens = u32(#key) .. u32(#value)
  return lens .. u32(crc32(lens .. key .. value)) .. key .. value
end

local GIT = "GIT_AUTHOR_NAME=Test GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=Test "
  .. "GIT_COMMITTER_EMAIL=t@example.org "

describe("the summaries on disk", function()
  local dir, probe, cache

  -- Runs the probe as a new process; returns its listing and counters.
  local function fresh(env)
    local out = ok((env or "") .. " " .. q(interp) .. " " .. q(probe) .. " " .. q(source) .. " " .. q(dir))
    local listing, counters = out:match("^(.*)\n(#reads=[^\n]*)\n?$")
    assert(counters, out)
    local r = {}
    for k, v in counters:gmatch("(%w+)=(%d+)") do r[k] = tonumber(v) end
    r.listing = listing
    return r
  end

  local cold -- the listing with no cache at all

  setup(function()
    dir = ok("mktemp -d"):gsub("%s+$", "")
    ok("chmod 700 " .. q(dir))
    probe = dir .. ".probe.lua"
    write(probe, PROBE)
    cache = dir .. "/.git/leadnotes/summaries"
    ok("git -C " .. q(dir) .. " init -q")
    write(dir .. "/alice/profile.org", "* Profile\n:PROPERTIES:\n:ROLE: Engineer\n:CADENCE_DAYS: 7\n:END:\n")
    write(dir .. "/alice/2026-01-05-one-on-one.org", "#+TITLE: Alice\n* Action items\n"
      .. "** TODO Write the migration plan :infra:\n   DEADLINE: <2026-01-20 Mon>\n"
      .. "   :PROPERTIES:\n   :ID: 5f1c\n   :OWNER: Alice\n   :END:\n"
      .. "** DONE Review the rota\n- [ ] Book the training course\n"
      .. "* Feedback\n- Clear writing\n* Career growth\n- Wants to lead the next migration\n"
      .. "* Blockers\n- Waiting on the budget\n")
    write(dir .. "/alice/2026-01-19-one-on-one.org", "* Action items\n"
      .. "** TODO Write the migration plan (since 2026-01-05, carried 1×)\n"
      .. "** CANCELLED Old idea\n* Wins\n- Shipped the importer\n")
    write(dir .. "/bob/2026-02-02-one-on-one.md", "# Bob\n## Action items\n"
      .. "- [ ] Send the plan <!-- id: 9a0b; owner: Bob; due: 2026-02-20 -->\n- [x] Done thing\n"
      .. "## Concerns\n- Missed two deadlines\n")
    write(dir .. "/carol/2026-02-10-one-on-one.org", "* Topics\n- The release date\n")
    ok("cd " .. q(dir) .. " && git add . && " .. GIT .. " git commit -q -m notes")
    -- carol's note changed after the commit: read by path, kept by its blob.
    write(dir .. "/carol/2026-02-10-one-on-one.org", "* Action items\n** TODO Plan the release\n")
    cold = fresh("LEADNOTES_NO_SUMMARY_CACHE=1")
    assert.is_nil(read(cache))
  end)

  teardown(function()
    if dir and dir:match("^/tmp/") then ok("rm -rf " .. q(dir) .. " " .. q(probe)) end
  end)

  it("are written by the first process and spare the next one every unchanged note", function()
    local first = fresh()
    assert.are.equal(5, first.reads)
    assert.is_truthy(read(cache))
    local second = fresh()
    -- Only carol's changed note is read again (its path and stat data are
    -- no key on disk), and its summary comes from the file by its blob id.
    assert.are.equal(1, second.reads)
    assert.are.equal(0, second.parses)
    assert.are.equal(5, second.hits)
    assert.are.equal(cold.listing, first.listing)
    assert.are.equal(cold.listing, second.listing)
    assert.are.equal(0, second.differ)
  end)

  it("stay out of git: the work tree is as before and fsck is clean", function()
    assert.are.equal(" M carol/2026-02-10-one-on-one.org\n", ok("git -C " .. q(dir) .. " status --porcelain"))
    ok("git -C " .. q(dir) .. " fsck --strict --no-progress")
    assert.are.equal("600", ok("stat -c %a " .. q(cache)):gsub("%s+", ""))
  end)

  it("a damaged record is not believed: its note is read again, and the file mended", function()
    fresh()
    local bytes = assert(read(cache))
    -- Flip one byte in the middle of the records (inside some summary).
    local at = math.floor(#bytes / 2)
    write(cache, bytes:sub(1, at - 1) .. string.char((bytes:byte(at) + 1) % 256) .. bytes:sub(at + 1))
    local r = fresh()
    assert.are.equal(cold.listing, r.listing)
    assert.are.equal(0, r.differ)
    assert.is_true(r.parses >= 1, "the damaged summary was believed")
    local after = fresh()
    assert.are.equal(0, after.parses)
    assert.are.equal(cold.listing, after.listing)
  end)

  it("a truncated tail loses only the summaries in it", function()
    fresh()
    local bytes = assert(read(cache))
    write(cache, bytes:sub(1, #bytes - 7))
    local r = fresh()
    assert.are.equal(cold.listing, r.listing)
    assert.are.equal(1, r.parses)
    assert.are.equal(0, r.differ)
    assert.are.equal(0, fresh().parses)
  end)

  it("a file of another version, or not a cache at all, is ignored and rewritten", function()
    local bytes = assert(read(cache))
    -- The format version (a u32 after the 8-byte magic) of a future build.
    write(cache, bytes:sub(1, 8) .. "\99" .. bytes:sub(10))
    local r = fresh()
    assert.are.equal(cold.listing, r.listing)
    assert.are.equal(5, r.parses)
    assert.are.equal(0, fresh().parses)
    -- Another schema (another summary shape) through the real API.
    local other = dir .. ".other.lua"
    write(other, "package.path = arg[1] .. '/lua/?.lua;' .. arg[1] .. '/lua/?/init.lua;' .. package.path\n"
      .. "local l = require('leadnotes')\nlocal s = assert(require('leadnotes.notes').open(arg[2]))\n"
      .. "local c = assert(l.core.summary_cache_open(s, 'another-shape'))\n"
      .. "for _, f in ipairs(l.core.team_files(s)) do if f.blob then c:put(f.blob, { items = 'wrong' }) end end\n"
      .. "assert(c:flush())\nprint(c:count())\nc:close()\n")
    local list = ok(q(interp) .. " " .. q(other) .. " " .. q(source) .. " " .. q(dir))
    os.remove(other)
    assert.are.equal("5", list:match("^(%d+)"))
    r = fresh()
    assert.are.equal(cold.listing, r.listing)
    assert.are.equal(5, r.parses)
    assert.are.equal(0, r.differ)
    -- Random bytes.
    write(cache, ("\0\255garbage"):rep(100))
    r = fresh()
    assert.are.equal(cold.listing, r.listing)
    assert.are.equal(5, r.parses)
    assert.are.equal(0, fresh().parses)
  end)

  it("a record that checks out but holds no summary is not believed", function()
    fresh()
    local bytes = assert(read(cache))
    local b1, b2, b3, b4 = bytes:byte(13, 16)
    local header = bytes:sub(1, 16 + b1 + b2 * 256 + b3 * 65536 + b4 * 16777216 + 4)
    local blobs = {}
    for id in ok("git -C " .. q(dir) .. " ls-files -s"):gmatch("%d+ (%x+) %d") do blobs[#blobs + 1] = id end
    assert.are.equal(5, #blobs)
    local nan = "\0\0\0\0\0\0\248\127"
    local bad = {
      "T" .. u32(0) .. u32(1) .. "d" .. nan .. "s" .. u32(1) .. "x" .. "E", -- a NaN key
      "T" .. u32(0) .. u32(1) .. "s" .. u32(1000) .. "x", -- a string longer than the record
      "T" .. u32(4294967295) .. u32(4294967295) .. "E", -- absurd sizes
      ("T" .. u32(0) .. u32(1) .. "s" .. u32(1) .. "k"):rep(40), -- nested too deep, unterminated
      "s" .. u32(3) .. "abc", -- not a table
    }
    local crafted = { header }
    for i, id in ipairs(blobs) do crafted[#crafted + 1] = record(id, bad[i]) end
    write(cache, table.concat(crafted))
    local r = fresh()
    assert.are.equal(cold.listing, r.listing)
    assert.are.equal(5, r.parses)
    assert.are.equal(0, r.differ)
  end)

  it("four processes writing at once leave a whole file", function()
    os.remove(cache)
    local cmds = {}
    for i = 1, 4 do
      cmds[i] = q(interp) .. " " .. q(probe) .. " " .. q(source) .. " " .. q(dir) .. " >/dev/null &"
    end
    ok(table.concat(cmds, " ") .. " wait")
    local r = fresh()
    assert.are.equal(0, r.parses)
    assert.are.equal(cold.listing, r.listing)
    assert.are.equal(0, r.differ)
    ok("git -C " .. q(dir) .. " fsck --strict --no-progress")
  end)

  it("a note changed and committed is read once, then kept under its new blob", function()
    write(dir .. "/bob/2026-02-02-one-on-one.md", "# Bob\n## Action items\n- [ ] A new thing\n")
    ok("cd " .. q(dir) .. " && git add bob && " .. GIT .. " git commit -q -m bob")
    local r = fresh()
    assert.are.equal(1, r.parses)
    assert.are.equal(0, fresh().parses)
    assert.are.equal(r.listing, fresh("LEADNOTES_NO_SUMMARY_CACHE=1").listing)
  end)
end)
