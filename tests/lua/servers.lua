-- Real servers on the loopback interface for the sync tests: Debian's
-- OpenSSH server with key-only login, and git http-backend behind lighttpd
-- with basic auth. Each listens on 127.0.0.1 at a high port, lives in a
-- temporary folder, runs under `timeout` so that it stops by itself even if
-- the test process dies, and is stopped by the test's teardown.
local M = {}

local helpers = require("helpers")
M.q, M.sh, M.ok, M.write, M.read = helpers.quote, helpers.sh, helpers.ok, helpers.write, helpers.read
local q = M.q

-- A port in 20000..59999 that differs from run to run.
local function pick_port()
  local seed = tonumber(M.ok("od -An -N2 -tu2 /dev/urandom"):match("%d+"))
  return 20000 + seed % 40000
end

-- Starts `command` (which must stay in the foreground and log to stderr)
-- under `timeout`, waits until `log` shows `ready` (a plain string), and
-- returns its pid; nil and the log when it did not come up.
local function start(command, log, ready, seconds)
  local pid = M.ok("timeout " .. (seconds or 120) .. " " .. command .. " >" .. q(log) .. " 2>&1 & echo $!"):match("%d+")
  for _ = 1, 300 do
    local text = M.read(log) or ""
    if text:find(ready, 1, true) then return pid end
    if select(2, M.sh("kill -0 " .. pid)) ~= 0 then return nil, text end
    M.sh("sleep 0.05")
  end
  M.sh("kill " .. pid)
  return nil, M.read(log) or ""
end

local function stop(pid)
  if pid then M.sh("kill " .. pid .. " 2>/dev/null; for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 " .. pid
    .. " 2>/dev/null || break; sleep 0.05; done") end
end

-- An sshd on 127.0.0.1 with its own configuration, host key and
-- authorized_keys under dir, accepting only keys. Returns a table
-- { port, host_key_pub, stop() }, or nil and why (the message a skipped
-- test shows).
function M.sshd(dir, authorized_keys)
  local sshd = "/usr/sbin/sshd"
  if select(2, M.sh("test -x " .. sshd)) ~= 0 then
    return nil, "sshd is not installed (Debian package openssh-server; scripts/deps.sh installs it)"
  end
  -- sshd insists on its privilege separation folder
  if select(2, M.sh("test -d /run/sshd || mkdir -p -m 0755 /run/sshd")) ~= 0 then
    return nil, "sshd needs /run/sshd, which cannot be created here"
  end
  M.ok("ssh-keygen -q -t ed25519 -N '' -C test-host -f " .. q(dir .. "/host_key"))
  M.write(dir .. "/authorized_keys", authorized_keys, "600")
  local why
  for _ = 1, 5 do
    local port = pick_port()
    M.write(dir .. "/sshd_config", table.concat({
      "ListenAddress 127.0.0.1:" .. port,
      "HostKey " .. dir .. "/host_key",
      "PidFile " .. dir .. "/sshd.pid",
      "AuthorizedKeysFile " .. dir .. "/authorized_keys",
      "StrictModes no",
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "PermitRootLogin prohibit-password",
      "LogLevel ERROR",
      "",
    }, "\n"))
    local pid, log = start(sshd .. " -D -e -o LogLevel=INFO -f " .. q(dir .. "/sshd_config"),
      dir .. "/sshd.log", "Server listening on 127.0.0.1 port " .. port)
    if pid then
      local server = { port = port, pid = pid,
        host_key_pub = M.ok("cut -d' ' -f1,2 " .. q(dir .. "/host_key.pub")):gsub("%s+$", "") }
      function server.stop() stop(pid) end
      return server
    end
    why = log
    if not log:find("Address already in use", 1, true) then break end
  end
  return nil, "sshd did not start: " .. tostring(why)
end

-- An ssh-agent on a socket under dir, in the foreground under timeout
-- like the servers: { sock, stop() }.
function M.ssh_agent(dir)
  local sock = dir .. "/agent.sock"
  local pid, log = start("ssh-agent -D -a " .. q(sock), dir .. "/agent.log", "SSH_AUTH_SOCK")
  assert(pid, "ssh-agent did not start: " .. tostring(log))
  return { sock = sock, pid = pid, stop = function() stop(pid) end }
end

-- git http-backend for the bare repositories under root, behind lighttpd
-- on 127.0.0.1 with basic auth for user:password. { port, url, stop() } or
-- nil and why.
function M.git_http(dir, root, user, password)
  local lighttpd = "/usr/sbin/lighttpd"
  local backend = M.ok("git --exec-path"):gsub("%s+$", "") .. "/git-http-backend"
  if select(2, M.sh("test -x " .. lighttpd)) ~= 0 then
    return nil, "lighttpd is not installed (Debian package lighttpd; scripts/deps.sh installs it)"
  end
  if select(2, M.sh("test -x " .. q(backend))) ~= 0 then return nil, "git http-backend is missing" end
  M.ok("mkdir -p " .. q(dir .. "/www"))
  M.write(dir .. "/users", user .. ":" .. password .. "\n", "600")
  local why
  for _ = 1, 5 do
    local port = pick_port()
    M.write(dir .. "/lighttpd.conf", table.concat({
      'server.modules = ("mod_alias", "mod_setenv", "mod_auth", "mod_authn_file", "mod_cgi")',
      'server.document-root = "' .. dir .. '/www"',
      'server.bind = "127.0.0.1"',
      "server.port = " .. port,
      'server.errorlog = "' .. dir .. '/lighttpd-error.log"',
      'alias.url = ("/git/" => "' .. backend .. '/")',
      'cgi.assign = ("" => "")',
      'setenv.add-environment = ("GIT_PROJECT_ROOT" => "' .. root .. '", "GIT_HTTP_EXPORT_ALL" => "1")',
      'auth.backend = "plain"',
      'auth.backend.plain.userfile = "' .. dir .. '/users"',
      'auth.require = ("/git/" => ("method" => "basic", "realm" => "notes", "require" => "valid-user"))',
      "",
    }, "\n"))
    local pid, log = start(lighttpd .. " -D -f " .. q(dir .. "/lighttpd.conf"), dir .. "/lighttpd.log", "",
      60)
    -- lighttpd logs to its error log; wait for the port instead
    if pid then
      for _ = 1, 300 do
        local text = M.read(dir .. "/lighttpd-error.log") or ""
        if text:find("server started", 1, true) then
          local server = { port = port, pid = pid, url = "http://127.0.0.1:" .. port .. "/git/" }
          function server.stop() stop(pid) end
          return server
        end
        if select(2, M.sh("kill -0 " .. pid)) ~= 0 then break end
        M.sh("sleep 0.05")
      end
      why = (M.read(dir .. "/lighttpd-error.log") or "") .. (M.read(dir .. "/lighttpd.log") or "")
      stop(pid)
    else
      why = log
    end
    if not why:find("in use", 1, true) then break end
  end
  return nil, "lighttpd did not start: " .. tostring(why)
end

return M
