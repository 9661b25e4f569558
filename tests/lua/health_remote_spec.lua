-- :checkhealth leadnotes, the sync remote section: the remote a sync uses,
-- how it will authenticate, and a repository that holds more than the
-- notes. remote_report is plain Lua over real repositories made with git.
local S = require("servers")
local q, ok = S.q, S.ok
local health = require("leadnotes.health")

local function texts(lines)
  local out = {}
  for _, l in ipairs(lines) do out[#out + 1] = l.level .. ": " .. l.text .. " " .. table.concat(l.advice or {}, " ") end
  return table.concat(out, "\n")
end

describe("health, the sync remote:", function()
  local root, home

  before_each(function()
    root = ok("mktemp -d /tmp/leadnotes-health-XXXXXX"):gsub("%s+$", "")
    home = root .. "/home"
    ok("mkdir -p " .. q(home) .. " && git init -q -b main " .. q(root .. "/notes"))
  end)

  after_each(function() os.execute("rm -rf " .. q(root)) end)

  local function env(vars)
    vars.HOME = vars.HOME or home
    vars.GIT_CONFIG_NOSYSTEM = "1"
    vars.PATH = vars.PATH or os.getenv("PATH")
    return function(name) return vars[name] end
  end

  local function git(args) ok("HOME=" .. q(home) .. " git -C " .. q(root .. "/notes") .. " " .. args) end

  it("without a remote says there is nowhere to sync and how to add one", function()
    local out = texts(health.remote_report(root .. "/notes", env({})))
    assert.matches("no remote 'origin'", out, 1, true)
    assert.matches("remote add origin", out, 1, true)
  end)

  it("an SSH remote names the ssh command (core.sshCommand) and a missing agent", function()
    git("remote add origin notes-server:notes.git")
    git("config core.sshCommand " .. q("ssh -F /dev/null"))
    local out = texts(health.remote_report(root .. "/notes", env({})))
    assert.matches("ok: sync uses the remote 'origin': notes-server:notes.git", out, 1, true)
    assert.matches("ok: SSH through your own ssh program: ssh -F /dev/null", out, 1, true)
    assert.matches("warn: no SSH agent", out, 1, true)
    local agent = S.ssh_agent(root)
    out = texts(health.remote_report(root .. "/notes", env({ SSH_AUTH_SOCK = agent.sock, GIT_SSH_COMMAND = "ssh -4" })))
    agent.stop()
    assert.matches("ok: an SSH agent is running", out, 1, true)
    assert.matches("your own ssh program: ssh -4", out, 1, true)
  end)

  it("an HTTPS remote names the credential helper, or its absence; a token in the URL is never shown", function()
    git("remote add origin https://alice:tok3n-s3cret@forge.example/alice/notes.git")
    local out = texts(health.remote_report(root .. "/notes", env({})))
    assert.falsy(out:find("tok3n", 1, true))
    assert.matches("https://alice:***@forge.example/alice/notes.git", out, 1, true)
    assert.matches("warn: the URL holds a password or token", out, 1, true)
    assert.matches("warn: no git credential helper", out, 1, true)
    ok("HOME=" .. q(home) .. " git config --global credential.helper " .. q("store --file=" .. root .. "/creds"))
    out = texts(health.remote_report(root .. "/notes", env({})))
    assert.matches("ok: credentials from git's credential helper: store --file=" .. root .. "/creds", out, 1, true)
  end)

  it("notes inside a larger repository are named as shared with its other files; other remotes are listed", function()
    ok("mkdir -p " .. q(root .. "/notes/leadnotes"))
    git("remote add origin " .. q(root .. "/remote.git"))
    git("remote add backup " .. q(root .. "/backup.git"))
    local out = texts(health.remote_report(root .. "/notes/leadnotes", env({})))
    assert.matches("ok: a folder: no authentication", out, 1, true)
    assert.matches("info: a sync pushes the whole branch of " .. root .. "/notes to 'origin'", out, 1, true)
    assert.matches("other remotes, which sync does not use: backup", out, 1, true)
  end)

  it("a worktree's remote is read from the repository it belongs to", function()
    git("remote add origin notes-server:notes.git")
    ok("HOME=" .. q(home) .. " git -C " .. q(root .. "/notes") .. " -c user.name=T -c user.email=t@e commit -q --allow-empty -m first")
    git("worktree add -q " .. q(root .. "/wt") .. " -b other")
    local out = texts(health.remote_report(root .. "/wt", env({})))
    assert.matches("ok: sync uses the remote 'origin': notes-server:notes.git", out, 1, true)
  end)
end)
