-- Signing and hooks are honoured or named (issue 11, item 5): with
-- commit.gpgsign / tag.gpgsign, commits and seals are signed by the
-- configured program (a throwaway OpenPGP key in a private GNUPGHOME, a
-- throwaway SSH key) and git itself verifies them; verify checks the seal's
-- signature and notices a seal deleted or moved with git tag -f, or one the
-- remote holds differently; hooks are not run, and are named.
package.path = "lua/?.lua;lua/?/init.lua;tests/lua/?.lua;" .. package.path
local H = require("hardening_helpers")
local core = require("leadnotes").core

local helpers = require("helpers")
local GIT, sh, git, write = helpers.GIT, helpers.ok, helpers.git, helpers.write

local have = helpers.have
local REL = "dana/2026-06-30-evaluation.org"

local function cli(dir, args)
  local words = { H.quote(H.interp), H.quote(H.source_dir .. "/lua/leadnotes/cli.lua"), "--dir", H.quote(dir) }
  for _, a in ipairs(args) do words[#words + 1] = H.quote(a) end
  local out, _, status = H.capture(table.concat(words, " "))
  return status, out
end

-- A notes repository whose git configuration asks for OpenPGP signatures
-- made by a wrapper around gpg that uses a private, throwaway GNUPGHOME.
local function openpgp_repo()
  local root = H.tmpdir()
  local home = root .. "/gnupg"
  sh("mkdir -m 700 " .. H.quote(home))
  sh("GNUPGHOME=" .. H.quote(home) .. " gpg --batch --passphrase '' --quick-gen-key 'Test Signer <signer@example.com>' "
    .. "ed25519 sign never")
  local wrapper = root .. "/gpg-wrapper"
  H.write(wrapper, "#!/bin/sh\nGNUPGHOME=" .. H.quote(home) .. " exec gpg \"$@\"\n")
  sh("chmod 700 " .. H.quote(wrapper))
  local dir = root .. "/notes"
  local s = assert(core.open(dir))
  git(dir, "config user.name 'Test Signer'")
  git(dir, "config user.email signer@example.com")
  git(dir, "config commit.gpgsign true")
  git(dir, "config tag.gpgsign true")
  git(dir, "config user.signingkey signer@example.com")
  git(dir, "config gpg.program " .. H.quote(wrapper))
  return dir, s, home
end

describe("signing:", function()
  after_each(function() H.cleanup() end)

  it("commits and seals are signed with OpenPGP as configured, and git verifies both", function()
    if not have("gpg") then return pending("gpg is not installed") end
    local dir, s, home = openpgp_repo()
    write(dir .. "/" .. REL, "* Evaluation\nstrong year\n")
    assert(s:save(REL))
    local env = "GNUPGHOME=" .. H.quote(home) .. " "
    sh(env .. GIT .. "-C " .. H.quote(dir) .. " verify-commit HEAD")
    assert.matches("Good signature", sh(env .. GIT .. "-C " .. H.quote(dir) .. " log -1 --show-signature"))
    local tag = assert(s:seal(REL))
    sh(env .. GIT .. "-C " .. H.quote(dir) .. " verify-tag " .. H.quote(tag))
    local v = assert(s:verify(REL))
    assert.is_true(v.unchanged)
    assert.are.equal("good", v.signature)
    assert.is_nil(v.problem)
    assert.is_true((H.fsck(dir)))
    s:close()
  end)

  it("commits and seals are signed with an SSH key as configured, and git verifies both", function()
    if not have("ssh-keygen") then return pending("ssh-keygen is not installed") end
    local root = H.tmpdir()
    local key = root .. "/id_ed25519"
    sh("ssh-keygen -q -t ed25519 -N '' -C signer@example.com -f " .. H.quote(key))
    local allowed = root .. "/allowed_signers"
    H.write(allowed, "signer@example.com " .. H.read(key .. ".pub"))
    local dir = root .. "/notes"
    local s = assert(core.open(dir))
    for _, c in ipairs({ "user.name 'Test Signer'", "user.email signer@example.com", "commit.gpgsign true",
      "tag.gpgsign true", "gpg.format ssh", "user.signingkey " .. H.quote(key),
      "gpg.ssh.allowedSignersFile " .. H.quote(allowed) }) do
      git(dir, "config " .. c)
    end
    write(dir .. "/" .. REL, "* Evaluation\n")
    assert(s:save(REL))
    assert.matches('Good "git" signature', git(dir, "verify-commit HEAD 2>&1"))
    local tag = assert(s:seal(REL))
    assert.matches('Good "git" signature', git(dir, "verify-tag " .. H.quote(tag) .. " 2>&1"))
    local v = assert(s:verify(REL))
    assert.are.equal("good", v.signature)
    assert.matches("signer@example.com", v.signature_detail)
    assert.is_true((H.fsck(dir)))
    s:close()
  end)

  it("a signature that cannot be made is an error and nothing is committed", function()
    local dir = H.tmpdir() .. "/notes"
    local s = assert(core.open(dir))
    git(dir, "config commit.gpgsign true")
    git(dir, "config gpg.program /nonexistent/gpg")
    local before = git(dir, "rev-list --count HEAD")
    write(dir .. "/" .. REL, "* Evaluation\n")
    local c, msg = s:save(REL)
    assert.is_nil(c)
    assert.matches("/nonexistent/gpg", msg)
    assert.matches("nothing was committed", msg)
    assert.are.equal(before, git(dir, "rev-list --count HEAD"))
    assert.are.equal("* Evaluation\n", H.read(dir .. "/" .. REL))
    s:close()
  end)
end)

describe("seals:", function()
  after_each(function() H.cleanup() end)

  local function sealed_repo()
    local dir = H.tmpdir() .. "/notes"
    local s = assert(core.open(dir))
    write(dir .. "/" .. REL, "* Evaluation\nas sealed\n")
    assert(s:save(REL))
    local tag = assert(s:seal(REL))
    return dir, s, tag
  end

  it("a seal re-pointed with git tag -f at a commit that matches the edited note is detected", function()
    local dir, s, tag = sealed_repo()
    write(dir .. "/" .. REL, "* Evaluation\nrewritten after the review\n")
    assert(s:save(REL))
    -- A copy of the seal's own message on the new commit: the old verify said "unchanged".
    local msg = git(dir, "tag -l --format='%(contents)' " .. H.quote(tag))
    H.write(dir .. "/../msg", msg)
    git(dir, "tag -f -a -F " .. H.quote(dir .. "/../msg") .. " " .. H.quote(tag) .. " HEAD")
    local v = assert(s:verify(REL))
    assert.matches("was moved", v.problem)
    assert.is_false(v.unchanged)
    assert.matches("as sealed", v.diff)
    local status, out = cli(dir, { "verify", REL })
    assert.are.equal(1, status, out)
    assert.matches("THE SEAL ITSELF CHANGED", out)
    s:close()
  end)

  it("a deleted seal is detected and the note is still compared with what was sealed", function()
    local dir, s, tag = sealed_repo()
    git(dir, "tag -d " .. H.quote(tag))
    local v = assert(s:verify(REL))
    assert.is_true(v.sealed)
    assert.matches("was deleted", v.problem)
    assert.is_true(v.unchanged)
    local status = cli(dir, { "verify", REL })
    assert.are.equal(1, status)
    s:close()
  end)

  it("a seal the remote holds differently is detected after a sync", function()
    local dir, s, tag = sealed_repo()
    local bare = dir .. "/../remote.git"
    sh(GIT .. "init -q --bare " .. H.quote(bare))
    git(dir, "remote add origin " .. H.quote(bare))
    assert(s:sync())
    assert.is_nil(assert(s:verify(REL)).problem)
    -- Someone re-points the remote's tag.
    local other = git(bare, "rev-parse " .. H.quote(tag) .. "^{commit}~1"):gsub("%s+$", "")
    git(bare, "tag -f -a -m forged " .. H.quote(tag) .. " " .. other)
    assert(s:sync())
    local v = assert(s:verify(REL))
    assert.matches("the remote's " .. tag:gsub("%p", "%%%0"), v.problem)
    assert.is_true(v.unchanged) -- the local seal and the note still agree
    s:close()
  end)
end)

describe("hooks:", function()
  after_each(function() H.cleanup() end)

  it("are not run, and save names the ones skipped", function()
    local dir = H.tmpdir() .. "/notes"
    local s = assert(core.open(dir))
    local ran = dir .. "/../hook-ran"
    for _, name in ipairs({ "pre-commit", "commit-msg" }) do
      H.write(dir .. "/.git/hooks/" .. name, "#!/bin/sh\ntouch " .. H.quote(ran) .. "\nexit 1\n")
      sh("chmod 755 " .. H.quote(dir .. "/.git/hooks/" .. name))
    end
    H.write(dir .. "/.git/hooks/pre-push.sample", "#!/bin/sh\n") -- a sample is not a hook
    assert.are.same({ "pre-commit", "commit-msg" }, s:hooks())
    s:close()
    write(dir .. "/" .. REL, "* Evaluation\n")
    local status, out = cli(dir, { "save", REL })
    assert.are.equal(0, status, out)
    assert.matches("git hooks are not run by leadnotes: pre%-commit, commit%-msg", out)
    assert.is_false((H.run("test -e " .. H.quote(ran))))
    assert.matches("Evaluation", git(dir, "show HEAD:" .. REL))
  end)
end)
