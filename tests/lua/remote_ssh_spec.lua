-- Sync over SSH against a real OpenSSH server on 127.0.0.1 (tests/lua/
-- servers.lua), as a user runs it: the command line in its own process,
-- with the agent, the key files and the ssh configuration of that user.
-- OpenSSH reads ~/.ssh from the password database, not from $HOME, so the
-- tests hand the client its files with `ssh -F` through core.sshCommand,
-- the way a user's own ~/.ssh/config would be read.
local S = require("servers")
local q, ok, sh, write = S.q, S.ok, S.sh, S.write

local source = os.getenv("LEADNOTES_SOURCE_DIR") or "."
local interp = os.getenv("LEADNOTES_LUA_INTERP") or "lua5.4"
local cli = source .. "/lua/leadnotes/cli.lua"
local GIT = "git -c user.name=Outside -c user.email=outside@example.com -c init.defaultBranch=main "

local function git(dir, args) return ok(GIT .. "-C " .. q(dir) .. " " .. args) end

describe("sync over SSH:", function()
  local root, server, why, agent, user

  setup(function()
    root = ok("mktemp -d /tmp/leadnotes-ssh-XXXXXX"):gsub("%s+$", "")
    ok("ssh-keygen -q -t ed25519 -N '' -C plain -f " .. q(root .. "/plain_key"))
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
end)
