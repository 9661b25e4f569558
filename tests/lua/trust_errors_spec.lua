-- Errors name the real cause (issue 11, item 8): a SHA-256 repository, a
-- repository that belongs to another user (safe.directory), a full disk, a
-- remote folder that does not exist, too many open files, and a split index
-- (whose advice must keep what is staged). Each is made real, then checked
-- with git.
package.path = "lua/?.lua;lua/?/init.lua;tests/lua/?.lua;" .. package.path
local H = require("hardening_helpers")
local core = require("leadnotes").core

local helpers = require("helpers")
local GIT, sh, git, write = helpers.GIT, helpers.ok, helpers.git, helpers.write

local REL = "dana/2026-01-05-one-on-one.org"

-- A notes repository of its own with one saved note.
local function notes_repo()
  local dir = H.tmpdir() .. "/notes"
  local s = assert(core.open(dir))
  write(dir .. "/" .. REL, "* notes\n")
  assert(s:save(REL))
  return dir, s
end

describe("errors name the real cause:", function()
  after_each(function() H.cleanup() end)

  it("a SHA-256 repository is named as such, not as damaged", function()
    local dir = H.tmpdir() .. "/sha"
    local out, ok = H.capture(GIT .. "init -q --object-format=sha256 " .. H.quote(dir))
    if not ok then return pending("this git cannot make a SHA-256 repository: " .. out) end
    sh("chmod 700 " .. H.quote(dir))
    local s, msg, code = core.open(dir)
    if s then s:close() return pending("this libgit2 reads SHA-256 repositories") end
    assert.matches("uses the SHA%-256 object format, which this libgit2 %(%d+%.%d+%) cannot read", msg)
    assert.is_nil(msg:find("damaged", 1, true))
    assert.are.equal("invalid", code)
    assert.are.equal("sha256\n", git(dir, "rev-parse --show-object-format"))
  end)

  it("a repository owned by another user names safe.directory and the owner", function()
    if sh("id -u"):gsub("%s+$", "") ~= "0" then return pending("needs root to give a folder to another user") end
    local dir, s = notes_repo()
    s:close()
    sh("chown -R nobody " .. H.quote(dir))
    local s2, msg = core.open(dir)
    if s2 then s2:close() return pending("this libgit2 does not check ownership") end
    assert.matches("belongs to another user", msg)
    assert.matches("safe%.directory " .. dir:gsub("%p", "%%%0"), msg)
    assert.is_nil(msg:find("damaged", 1, true))
    -- Nothing was changed: git (told to trust it) sees the one commit.
    assert.are.equal("2\n", git(dir, "-c safe.directory='*' rev-list --count HEAD"))
  end)

  it("a full disk says that the disk is full", function()
    local mnt = H.tmpdir() .. "/mnt"
    os.execute("mkdir -p " .. H.quote(mnt))
    local out, mounted = H.capture("mount -t tmpfs -o size=1m,mode=0700 leadnotes-trust " .. H.quote(mnt))
    if not mounted then return pending("cannot mount a tmpfs here: " .. out) end
    local ok, err = pcall(function()
      local s = assert(core.open(mnt .. "/notes"))
      write(mnt .. "/notes/" .. REL, "* notes\n")
      os.execute("dd if=/dev/zero of=" .. H.quote(mnt .. "/filler") .. " bs=4k 2>/dev/null; sync")
      local failed
      for i = 1, 5 do
        local f = assert(io.open(mnt .. "/notes/" .. REL, "r+b"))
        f:write(string.format("* v%d\n", i))
        f:close()
        local c, msg = s:save(REL)
        if not c then failed = msg break end
      end
      s:close()
      assert.is_string(failed, "no save failed on a full disk")
      assert.matches("^the disk is full: ", failed)
      assert.is_true((H.fsck(mnt .. "/notes")))
    end)
    os.execute("umount " .. H.quote(mnt) .. " 2>/dev/null || umount -l " .. H.quote(mnt))
    assert(ok, err)
  end)

  it("a remote folder that does not exist is named, not an 'unsupported URL protocol'", function()
    local dir, s = notes_repo()
    local missing = H.tmpdir() .. "/gone/remote.git"
    git(dir, "remote add origin " .. H.quote(missing))
    local r, msg, code = s:sync()
    assert.is_nil(r)
    assert.matches("cannot fetch from 'origin': it is the folder " .. missing:gsub("%p", "%%%0") .. ", which does not exist", msg)
    assert.is_nil(msg:find("protocol", 1, true))
    assert.are.equal("not found", code)
    assert.is_false((H.run("test -e " .. H.quote(missing))))
    s:close()
  end)

  it("too many open files is named whenever it is the cause", function()
    local dir, s = notes_repo()
    s:close()
    -- The save runs with only the standard streams open (the test's own
    -- descriptors closed) and a limit raised step by step.
    local script = H.tmpdir() .. "/limited.sh"
    H.write(script, "for fd in /proc/$$/fd/*; do n=${fd##*/}; [ \"$n\" -gt 2 ] 2>/dev/null && eval \"exec $n>&-\"; done\n"
      .. "ulimit -n \"$1\" && exec \"$2\" \"$3\" --dir \"$4\" save \"$5\"\n")
    local named, seen = 0, {}
    for limit = 4, 40 do
      H.write(dir .. "/" .. REL, string.format("* notes %d\n", limit))
      local out = H.capture("bash " .. H.quote(script) .. " " .. limit .. " " .. H.quote(H.interp) .. " "
        .. H.quote(H.source_dir .. "/lua/leadnotes/cli.lua") .. " " .. H.quote(dir) .. " " .. REL)
      seen[#seen + 1] = limit .. ": " .. out
      if out:find("^committed") then break end
      if out:find("Too many open files", 1, true) then
        assert.truthy(out:find("too many open files (", 1, true), out)
        named = named + 1
      end
    end
    if named == 0 then return pending("no limit made a save run out of file descriptors: " .. table.concat(seen, "\n")) end
    assert.is_true((H.fsck(dir)))
  end)

  it("a split index (core.splitIndex) is named, and the advice keeps what is staged", function()
    local dir, s = notes_repo()
    s:close()
    git(dir, "config core.splitIndex true")
    write(dir .. "/staged.txt", "staged by the user\n")
    git(dir, "add staged.txt")
    git(dir, "update-index --split-index")
    write(dir .. "/" .. REL, "* notes, edited\n")
    s = assert(core.open(dir))
    local c, msg = s:save(REL)
    s:close()
    if c then return pending("this libgit2 reads split indexes") end
    assert.matches("split index %(core%.splitIndex%)", msg)
    for _, destructive in ipairs({ "reset", "read-tree", "rm ", "checkout" }) do
      assert.is_nil(msg:find(destructive, 1, true), destructive .. " in: " .. msg)
    end
    local fix = msg:match("keeping what is staged: (.*)$")
    assert.truthy(fix, msg)
    sh(fix)
    assert.are.equal("staged.txt\n", git(dir, "diff --cached --name-only"))
    s = assert(core.open(dir))
    assert.truthy(s:save(REL))
    s:close()
    assert.are.equal("* notes, edited\n", git(dir, "show HEAD:" .. REL))
    assert.are.equal("staged.txt\n", git(dir, "diff --cached --name-only"))
    assert.is_true((H.fsck(dir)))
  end)
end)
