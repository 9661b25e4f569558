-- Sync over HTTP against git http-backend behind lighttpd on 127.0.0.1
-- with basic auth (tests/lua/servers.lua): the credentials come from git's
-- own credential helpers (`git credential fill`), as they do for git. The
-- command line runs in its own process with HOME in the test's folder, so
-- the user's own git configuration and helpers stay out of it.
local S = require("servers")
local q, ok, sh, write = S.q, S.ok, S.sh, S.write

local helpers = require("helpers")
local interp, cli, GIT, git = helpers.interp, helpers.cli, helpers.GIT, helpers.git
local TOKEN = "s3cret-token-4711"

describe("sync over HTTP:", function()
  local root, server, why, home

  setup(function()
    root = ok("mktemp -d /tmp/leadnotes-http-XXXXXX"):gsub("%s+$", "")
    home = root .. "/home"
    ok("mkdir -p -m 700 " .. q(home))
    ok("mkdir -p " .. q(root .. "/repos"))
    server, why = S.git_http(root, root .. "/repos", "alice", TOKEN)
    -- answers every question with the right password, and leaves a trace
    write(root .. "/askpass", "#!/bin/sh\ntouch " .. q(root .. "/askpass-was-run") .. "\necho " .. TOKEN .. "\n", "700")
  end)

  teardown(function()
    if server then server.stop() end
    if root then os.execute("rm -rf " .. q(root)) end
  end)

  -- A bare repository served at <server>/git/<name>.git with a first note,
  -- and a clone of it (made from the file system) with a second note to
  -- push; its origin is url.
  local function fixture(name, url)
    local bare, clone = root .. "/repos/" .. name .. ".git", root .. "/" .. name
    ok(GIT .. "init -q --bare -b main " .. q(bare))
    ok(GIT .. "clone -q " .. q(bare) .. " " .. q(clone))
    ok("chmod 700 " .. q(clone) .. " && mkdir -p " .. q(clone .. "/alice"))
    write(clone .. "/alice/2026-01-05-one-on-one.org", "* One-on-one\n")
    git(clone, "add -A")
    git(clone, "commit -q -m first")
    git(clone, "push -q origin main")
    git(clone, "remote set-url origin " .. q(url))
    write(clone .. "/alice/2026-01-12-one-on-one.org", "* Second\n")
    git(clone, "add -A")
    git(clone, "commit -q -m second")
    return bare, clone
  end

  -- `leadnotes sync` with HOME in the test folder and no terminal; an
  -- askpass program that would answer is set, and must not be asked.
  local function sync(clone)
    local out, rc = sh("SSH_ASKPASS=" .. q(root .. "/askpass") .. " HOME=" .. q(home) .. " setsid " .. q(interp) .. " "
      .. q(cli) .. " --dir " .. q(clone) .. " sync </dev/null")
    return rc, out
  end

  local function url(name, userinfo)
    return "http://" .. (userinfo or "") .. "127.0.0.1:" .. server.port .. "/git/" .. name .. ".git"
  end

  it("fetches and pushes with the user name and password the store helper has", function()
    if not server then pending(why) return end
    local bare, clone = fixture("stored", url("stored"))
    local store = root .. "/credentials"
    write(store, url("stored", "alice:" .. TOKEN .. "@"):gsub("/git/.*", "") .. "\n", "600")
    git(clone, "config credential.helper " .. q("store --file=" .. store))
    local rc, out = sync(clone)
    assert.are.equal(0, rc, out)
    assert.are.equal(git(clone, "rev-parse HEAD"), git(bare, "rev-parse main"))
    assert.are.equal("* Second\n", git(bare, "show main:alice/2026-01-12-one-on-one.org"))
    git(bare, "fsck --strict")
    assert.falsy(out:find(TOKEN, 1, true))
  end)

  it("without a credential helper, says how to set one up and never prompts", function()
    if not server then pending(why) return end
    local bare, clone = fixture("nohelper", url("nohelper"))
    local before = git(bare, "rev-parse main")
    local rc, out = sync(clone)
    assert.are.equal(1, rc, out)
    assert.matches("no git credential helper has a user name and password", out, 1, true)
    assert.matches("credential.helper", out, 1, true)
    assert.falsy(S.read(root .. "/askpass-was-run"), "no askpass program is run")
    assert.are.equal(before, git(bare, "rev-parse main"))
  end)

  it("a refused password is removed from the helper and named as refused", function()
    if not server then pending(why) return end
    local bare, clone = fixture("refused", url("refused"))
    local store = root .. "/wrong-credentials"
    write(store, url("refused", "alice:wrong-token@"):gsub("/git/.*", "") .. "\n", "600")
    git(clone, "config credential.helper " .. q("store --file=" .. store))
    local before = git(bare, "rev-parse main")
    local rc, out = sync(clone)
    assert.are.equal(1, rc, out)
    assert.matches("refused the user name and password", out, 1, true)
    assert.are.equal("", S.read(store))
    assert.are.equal(before, git(bare, "rev-parse main"))
    assert.falsy(out:find("wrong-token", 1, true))
  end)

  it("a token written in the URL works, and a failure never shows it", function()
    if not server then pending(why) return end
    local bare, clone = fixture("inurl", url("inurl", "alice:" .. TOKEN .. "@"))
    local rc, out = sync(clone)
    assert.are.equal(0, rc, out)
    assert.are.equal(git(clone, "rev-parse HEAD"), git(bare, "rev-parse main"))
    -- the same token on a path that does not exist: the message names the URL
    git(clone, "remote set-url origin " .. q(url("missing", "alice:" .. TOKEN .. "@")))
    rc, out = sync(clone)
    assert.are.equal(1, rc, out)
    assert.matches("alice:***@127.0.0.1", out, 1, true)
    assert.falsy(out:find(TOKEN, 1, true))
  end)
end)
