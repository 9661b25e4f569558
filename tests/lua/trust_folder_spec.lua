-- The notes folder is always the repository the manager chose (issue 11,
-- item 1): a dotfiles repository at $HOME never receives the notes, a folder
-- inside another repository needs an explicit opt-in, an existing folder is
-- never made a repository silently (leadnotes init adopts it, and only notes
-- are committed from it), and read-only commands create nothing. Each case
-- runs the command line as a user would, with HOME set to a test folder,
-- and is checked with git.
package.path = "lua/?.lua;lua/?/init.lua;tests/lua/?.lua;" .. package.path
local H = require("hardening_helpers")

local helpers = require("helpers")
local GIT, sh, git, write = helpers.GIT, helpers.ok, helpers.git, helpers.write

local function exists(path) return (H.run("test -e " .. H.quote(path))) end
local function mode(path) return (sh("stat -c %a " .. H.quote(path)):gsub("%s+$", "")) end

describe("the notes folder", function()
  local home

  -- A home folder that is a dotfiles repository with a remote, as on many
  -- machines.
  before_each(function()
    home = H.tmpdir() .. "/home"
    sh("mkdir -m 700 " .. H.quote(home))
    sh(GIT .. "init -q --bare " .. H.quote(home .. "/../dotfiles.git"))
    git(home, "init -q")
    write(home .. "/.bashrc", "alias ll='ls -l'\n")
    git(home, "add .bashrc")
    git(home, "commit -q -m dotfiles")
    git(home, "remote add origin " .. H.quote(home .. "/../dotfiles.git"))
    git(home, "push -q origin main")
  end)
  after_each(function() H.cleanup() end)

  -- The command line with HOME (and so ~/leadnotes) in the test folder.
  local function cli(args, cwd)
    local words = { "cd " .. H.quote(cwd or home) .. " && HOME=" .. H.quote(home) .. " LEADNOTES_DIR= ",
      H.quote(H.interp), H.quote(H.source_dir .. "/lua/leadnotes/cli.lua") }
    for _, a in ipairs(args) do words[#words + 1] = H.quote(a) end
    local out, _, status = H.capture(table.concat(words, " "))
    return status, out
  end

  it("a missing ~/leadnotes under a dotfiles repository becomes a repository of its own, 0700", function()
    local status, out = cli({ "new", "one-on-one", "Dana" })
    assert.are.equal(0, status, out)
    local path = out:match("([^\n]+%.org)")
    status, out = cli({ "save", path })
    assert.are.equal(0, status, out)
    local notes = home .. "/leadnotes"
    assert.is_true(exists(notes .. "/.git"))
    assert.are.equal("700", mode(notes))
    assert.are.equal(notes .. "\n", git(notes, "rev-parse --show-toplevel"))
    assert.are.equal("1\n", git(home, "rev-list --count HEAD")) -- the dotfiles got no commit
    assert.is_nil(git(home, "ls-tree -r --name-only HEAD"):find("leadnotes", 1, true))
    assert.are.equal("1\n", git(home .. "/../dotfiles.git", "rev-list --count main"))
    assert.truthy(git(notes, "log --format=%s"):find("Dana", 1, true))
  end)

  it("a missing --dir folder inside another repository is also a repository of its own", function()
    local notes = home .. "/work/notes"
    local status, out = cli({ "--dir", notes, "new", "one-on-one", "Sam" })
    assert.are.equal(0, status, out)
    assert.are.equal(notes .. "\n", git(notes, "rev-parse --show-toplevel"))
    assert.are.equal("700", mode(notes))
    assert.are.equal("1\n", git(home, "rev-list --count HEAD"))
  end)

  it("an existing folder inside another repository is refused, naming the repository and the setting", function()
    local notes = home .. "/work/notes"
    write(notes .. "/dana/2026-01-05-one-on-one.org", "* notes\n")
    for _, args in ipairs({ { "--dir", notes, "team" }, { "--dir", notes, "save", notes .. "/dana/2026-01-05-one-on-one.org" } }) do
      local status, out = cli(args)
      assert.are.equal(1, status, out)
      assert.truthy(out:find(home .. "/", 1, true), out)
      assert.truthy(out:find("shared_repository", 1, true), out)
      assert.truthy(out:find("--shared-repo", 1, true), out)
    end
    assert.is_false(exists(notes .. "/.git"))
    assert.are.equal("1\n", git(home, "rev-list --count HEAD"))
    -- With the explicit opt-in the note goes into that repository.
    local status, out = cli({ "--shared-repo", "--dir", notes, "save", notes .. "/dana/2026-01-05-one-on-one.org" })
    assert.are.equal(0, status, out)
    assert.are.equal("2\n", git(home, "rev-list --count HEAD"))
    assert.are.equal("work/notes/dana/2026-01-05-one-on-one.org\n", git(home, "show --format= --name-only HEAD"))
  end)

  it("an existing folder that is not a repository is never made one silently; init adopts it and commits only notes", function()
    local dir = H.tmpdir() .. "/plain"
    write(dir .. "/.ssh/id_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\n")
    write(dir .. "/.env", "TOKEN=secret\n")
    write(dir .. "/todo.org", "* not a person's note\n")
    write(dir .. "/dana/2026-01-05-one-on-one.org", "* notes\n")
    write(dir .. "/dana/.draft.org", "* a dot-file\n")
    write(dir .. "/dana/photo.jpg", "JPEG\n")
    sh("chmod 700 " .. H.quote(dir))
    for _, args in ipairs({ { "--dir", dir, "team" }, { "--dir", dir, "sync" }, { "--dir", dir, "new", "one-on-one", "Dana" } }) do
      local status, out = cli(args)
      assert.are.equal(1, status, out)
      assert.truthy(out:find("leadnotes init", 1, true), out)
      assert.is_false(exists(dir .. "/.git"))
    end
    local bare = dir .. "/../remote.git"
    sh(GIT .. "init -q --bare " .. H.quote(bare))
    local status, out = cli({ "init", dir })
    assert.are.equal(0, status, out)
    assert.is_true(exists(dir .. "/.git"))
    git(dir, "remote add origin " .. H.quote(bare))
    status, out = cli({ "--dir", dir, "sync" })
    assert.are.equal(0, status, out)
    local branch = git(dir, "branch --show-current"):gsub("%s+$", "")
    local files = git(bare, "ls-tree -r --name-only refs/heads/" .. branch)
    assert.are.equal("dana/2026-01-05-one-on-one.org\n", files)
    -- the other files stay where they are, untouched
    assert.are.equal("-----BEGIN OPENSSH PRIVATE KEY-----\n", H.read(dir .. "/.ssh/id_ed25519"))
  end)

  it("init of a folder with files inside another repository makes it a repository of its own", function()
    local notes = home .. "/work/notes"
    write(notes .. "/dana/2026-01-05-one-on-one.org", "* notes\n")
    write(notes .. "/.env", "TOKEN=x\n")
    local status, out = cli({ "init", notes })
    assert.are.equal(0, status, out)
    assert.are.equal(notes .. "\n", git(notes, "rev-parse --show-toplevel"))
    status, out = cli({ "--dir", notes, "save", notes .. "/dana/2026-01-05-one-on-one.org" })
    assert.are.equal(0, status, out)
    assert.are.equal("1\n", git(home, "rev-list --count HEAD"))
    assert.is_nil(git(notes, "ls-tree -r --name-only HEAD"):find(".env", 1, true))
  end)

  it("leadnotes.init and open do the same from Lua", function()
    local notes = require("leadnotes.notes")
    local dir = H.tmpdir() .. "/plain"
    write(dir .. "/dana/2026-01-05-one-on-one.org", "* notes\n")
    local s, msg, code = notes.open(dir)
    assert.is_nil(s)
    assert.are.equal("invalid", code)
    assert.matches("leadnotes init", msg)
    s = assert(require("leadnotes").init(dir))
    assert.is_false(s:shared())
    s:close()
    -- an empty folder the user made for the notes is fine
    local empty = H.tmpdir() .. "/empty"
    sh("mkdir -m 700 " .. H.quote(empty))
    s = assert(notes.open(empty))
    s:close()
    assert.is_true(exists(empty .. "/.git"))
  end)

  it("read-only commands on a missing folder create nothing and say how to start", function()
    local notes = home .. "/leadnotes"
    for _, args in ipairs({ { "team" }, { "nudges" }, { "history", "Dana" }, { "prompt", "--person", "Dana" },
      { "packet", "Dana", "2026-01-01", "2026-02-01" }, { "show", "HEAD", "dana/x.org" }, { "diff", "HEAD", "dana/x.org" } }) do
      local status, out = cli(args)
      assert.are.equal(0, status, table.concat(args, " ") .. ": " .. out)
      if args[1] ~= "prompt" then
        assert.truthy(out:find("no notes yet", 1, true), table.concat(args, " ") .. ": " .. out)
        assert.truthy(out:find("leadnotes new one-on-one", 1, true), out)
      end
      assert.is_false(exists(notes), table.concat(args, " "))
    end
  end)

  it("save of a file elsewhere with no notes folder creates nothing", function()
    local elsewhere = H.tmpdir() .. "/f.org"
    H.write(elsewhere, "* x\n")
    local status, out = cli({ "save", elsewhere })
    assert.are.equal(1, status, out)
    assert.is_false(exists(home .. "/leadnotes"))
  end)
end)
