-- Sync over SSH against a real OpenSSH server on 127.0.0.1 (tests/lua/
-- servers.lua), as a user runs it: the command line in its own process,
-- with the agent, the key files and the ssh configuration of that user.
-- OpenSSH reads ~/.ssh from the password database, not from $HOME, so the
-- tests hand the client its files with `ssh -F` through core.sshCommand,
-- the way a user's own ~/.ssh/config would be read.
local S = require("servers")
local q, ok, sh, write = S.q, S.ok, S.sh, S.write

local helpers = require("helpers")
local interp, cli, GIT, git = helpers.interp, helpers.cli, helpers.GIT, helpers.git

describe("sync over SSH:", function()
  local root, server, why, agent, user

  setup(function()
    root = ok("mktemp -d /tmp/leadnotes-ssh-XXXXXX"):gsub("%s+$", "")
    -- an RSA key: libssh2 1.10 signed with SHA-1, which OpenSSH servers refuse
    ok("ssh-keygen -q -t rsa -b 2048 -N '' -C plain -f " .. q(root .. "/plain_key"))
    ok("ssh-keygen -q -t ed25519 -N 's3cret phrase' -C locked -f " .. q(root .. "/locked_key"))
    local keys = S.read(root .. "/plain_key.pub") .. S.read(root .. "/locked_key.pub")
    server, why = S.sshd(root, keys)
    user = ok("id -un"):gsub("%s+$", "")
    if server then agent = S.ssh_agent(root) end
  end)

  teardown(function()
    if server then server.stop() end
    if agent then agent.stop() end
    if root then os.execute("rm -rf " .. q(root)) end
  end)

  -- A bare remote with a first note and a fresh clone of it, the notes in
  -- the clone's root; the clone syncs through `url`.
  local function fixture(name, url)
    local bare, clone = root .. "/" .. name .. ".git", root .. "/" .. name
    ok(GIT .. "init -q --bare -b main " .. q(bare))
    ok(GIT .. "clone -q " .. q(bare) .. " " .. q(clone))
    ok("chmod 700 " .. q(clone))
    ok("mkdir -p " .. q(clone .. "/alice"))
    write(clone .. "/alice/2026-01-05-one-on-one.org", "* One-on-one\n")
    git(clone, "add -A")
    git(clone, "commit -q -m first")
    git(clone, "push -q origin main")
    git(clone, "remote set-url origin " .. q(url:gsub("BARE", bare)))
    -- a new note only this machine has: the sync must push it
    write(clone .. "/alice/2026-01-12-one-on-one.org", "* Second\n")
    git(clone, "add -A")
    git(clone, "commit -q -m second")
    return bare, clone
  end

  -- The ssh configuration a user would have in ~/.ssh/config.
  local function ssh_config(name, lines)
    local path = root .. "/" .. name .. "_config"
    write(path, table.concat(lines, "\n") .. "\n")
    return path
  end

  local function known_hosts(text)
    local path = root .. "/known_hosts"
    write(path, text)
    return path
  end

  local function base_config(identity, hosts)
    return {
      "Host *",
      "  UserKnownHostsFile " .. hosts,
      "  GlobalKnownHostsFile /dev/null",
      "  IdentityFile " .. identity,
      "  IdentitiesOnly yes",
    }
  end

  -- Runs `leadnotes sync` in the clone with env (a shell prefix) and the
  -- ssh configuration file; returns status, stdout..stderr.
  local function sync(clone, env, config)
    git(clone, "config core.sshCommand " .. q("ssh -F " .. config))
    local out, rc = sh((env or "") .. " " .. q(interp) .. " " .. q(cli) .. " --dir " .. q(clone) .. " sync")
    return rc, out
  end

  local function pending_without_server()
    if not server then pending(why) return true end
  end

  it("a key in the agent fetches and then pushes, on two connections", function()
    if pending_without_server() then return end
    -- ssh-add reads the passphrase from an askpass program, as a desktop would
    write(root .. "/askpass", "#!/bin/sh\necho 's3cret phrase'\n", "700")
    ok("SSH_AUTH_SOCK=" .. q(agent.sock) .. " SSH_ASKPASS=" .. q(root .. "/askpass")
      .. " SSH_ASKPASS_REQUIRE=force ssh-add -q " .. q(root .. "/locked_key") .. " </dev/null")
    local hosts = known_hosts("[127.0.0.1]:" .. server.port .. " " .. server.host_key_pub .. "\n")
    -- the key file the configuration names is locked: only the agent can use it
    local config = ssh_config("agent", base_config(root .. "/locked_key", hosts))
    local bare, clone = fixture("agent", "ssh://" .. user .. "@127.0.0.1:" .. server.port .. "BARE")
    -- HOME: where libssh2 looked for known_hosts and keys before leadnotes
    -- ran the user's ssh; the only key file there is the locked one
    ok("mkdir -p -m 700 " .. q(root .. "/home/.ssh") .. " && cp " .. q(hosts) .. " " .. q(root .. "/home/.ssh/known_hosts"))
    ok("cp " .. q(root .. "/locked_key") .. " " .. q(root .. "/home/.ssh/id_ed25519"))
    local rc, out = sync(clone, "HOME=" .. q(root .. "/home") .. " SSH_AUTH_SOCK=" .. q(agent.sock), config)
    assert.are.equal(0, rc, out)
    assert.are.equal(git(clone, "rev-parse HEAD"), git(bare, "rev-parse main"))
    assert.are.equal("* Second\n", git(bare, "show main:alice/2026-01-12-one-on-one.org"))
    git(bare, "fsck --strict")
    assert.are.equal("", git(clone, "status --porcelain"))
  end)

  it("an unencrypted RSA key file named by IdentityFile works without an agent, through a Host alias with its Port", function()
    if pending_without_server() then return end
    local hosts = known_hosts("[127.0.0.1]:" .. server.port .. " " .. server.host_key_pub .. "\n")
    local lines = { "Host notes-server", "  HostName 127.0.0.1", "  Port " .. server.port, "  User " .. user }
    for _, l in ipairs(base_config(root .. "/plain_key", hosts)) do lines[#lines + 1] = l end
    local config = ssh_config("alias", lines)
    local bare, clone = fixture("alias", "notes-server:BARE")
    local rc, out = sync(clone, "env -u SSH_AUTH_SOCK", config)
    assert.are.equal(0, rc, out)
    assert.are.equal(git(clone, "rev-parse HEAD"), git(bare, "rev-parse main"))
    git(bare, "fsck --strict")
    -- and again, with something new on the remote: fetched and merged
    local other = root .. "/alias-other"
    ok(GIT .. "clone -q " .. q(bare) .. " " .. q(other))
    write(other .. "/bob.org", "* Bob\n")
    git(other, "add -A")
    git(other, "commit -q -m bob")
    git(other, "push -q origin main")
    rc, out = sync(clone, "env -u SSH_AUTH_SOCK", config)
    assert.are.equal(0, rc, out)
    assert.are.equal("* Bob\n", S.read(clone .. "/bob.org"))
    assert.are.equal("", git(clone, "status --porcelain"))
  end)

  it("a key with a passphrase and no agent fails with a message that names the agent, and never prompts", function()
    if pending_without_server() then return end
    local hosts = known_hosts("[127.0.0.1]:" .. server.port .. " " .. server.host_key_pub .. "\n")
    local config = ssh_config("locked", base_config(root .. "/locked_key", hosts))
    local bare, clone = fixture("locked", "ssh://" .. user .. "@127.0.0.1:" .. server.port .. "BARE")
    local before = git(clone, "rev-parse HEAD")
    -- setsid: no terminal to prompt on; </dev/null: no input to read a passphrase from
    local rc, out = sync(clone, "env -u SSH_AUTH_SOCK DISPLAY= setsid", config)
    assert.are.equal(1, rc, out)
    assert.matches("no SSH agent is running", out, 1, true)
    assert.matches("ssh-add", out, 1, true)
    assert.are.equal(before, git(clone, "rev-parse HEAD"))
    assert.are_not.equal(before, git(bare, "rev-parse main"))
  end)

  it("an unknown host key and a changed one give different messages, each with the command that fixes it", function()
    if pending_without_server() then return end
    local bare, clone = fixture("hostkey", "ssh://" .. user .. "@127.0.0.1:" .. server.port .. "BARE")
    local before = git(bare, "rev-parse main")

    local unknown = ssh_config("unknown", base_config(root .. "/plain_key", known_hosts("")))
    local rc, out = sync(clone, "env -u SSH_AUTH_SOCK", unknown)
    assert.are.equal(1, rc, out)
    assert.matches("is not known yet", out, 1, true)
    assert.matches("accept it once with: ssh -F " .. unknown .. " -p " .. server.port, out, 1, true)
    assert.falsy(out:find("CHANGED", 1, true))

    ok("ssh-keygen -q -t ed25519 -N '' -f " .. q(root .. "/impostor"))
    local impostor = ok("cut -d' ' -f1,2 " .. q(root .. "/impostor.pub")):gsub("%s+$", "")
    local hosts = known_hosts("[127.0.0.1]:" .. server.port .. " " .. impostor .. "\n")
    local changed = ssh_config("changed", base_config(root .. "/plain_key", hosts))
    rc, out = sync(clone, "env -u SSH_AUTH_SOCK", changed)
    assert.are.equal(1, rc, out)
    assert.matches("has CHANGED", out, 1, true)
    assert.matches('ssh-keygen -f "' .. hosts .. '" -R "[127.0.0.1]:' .. server.port .. '"', out, 1, true)
    assert.falsy(out:find("is not known yet", 1, true))
    assert.are.equal(before, git(bare, "rev-parse main"))
  end)

  it("a wrong path on the server names the server's own complaint", function()
    if pending_without_server() then return end
    local hosts = known_hosts("[127.0.0.1]:" .. server.port .. " " .. server.host_key_pub .. "\n")
    local config = ssh_config("nopath", base_config(root .. "/plain_key", hosts))
    local _, clone = fixture("nopath", "ssh://" .. user .. "@127.0.0.1:" .. server.port .. "/nonexistent/notes.git")
    local rc, out = sync(clone, "env -u SSH_AUTH_SOCK", config)
    assert.are.equal(1, rc, out)
    assert.matches("does not appear to be a git repository", out, 1, true)
  end)
end)
