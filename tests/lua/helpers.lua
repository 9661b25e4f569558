-- The one home of what the Lua specs share: shell quoting and commands, git
-- with a fixed identity, files, temporary folders, and the checks every test
-- that touches git makes with the git tool (fsck, status). Domain helpers
-- (hardening_helpers.lua, insights_helpers.lua, servers.lua) build on it.
-- Works under Lua 5.4, 5.3 and LuaJIT; a command that must succeed raises
-- with its output, so a failing step names itself.
local M = {}

M.source_dir = os.getenv("LEADNOTES_SOURCE_DIR") or "."
M.build_dir = os.getenv("LEADNOTES_BUILD_DIR")
M.interp = os.getenv("LEADNOTES_LUA_INTERP") or "lua5.4"
M.sanitized = os.getenv("LEADNOTES_SANITIZE") == "1"
M.slow = os.getenv("LEADNOTES_SLOW") == "1"
M.cli = M.source_dir .. "/lua/leadnotes/cli.lua"

-- s as one word for /bin/sh.
function M.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
local q = M.quote

-- Runs cmd in a subshell; returns its output (standard output and error,
-- merged) and its exit status. Never raises on a failing command.
function M.sh(cmd)
  local p = assert(io.popen("(" .. cmd .. ") 2>&1; echo \"::rc=$?\""))
  local out = p:read("*a")
  p:close()
  local rc = tonumber(out:match("::rc=(%d+)%s*$"))
  return (out:gsub("::rc=%d+%s*$", "")), rc
end

-- Runs cmd; returns only its output (merged), whatever its status.
function M.output(cmd)
  return (M.sh(cmd))
end

-- Runs cmd; returns its output; raises with the command, status and output
-- when it fails.
function M.ok(cmd)
  local out, rc = M.sh(cmd)
  if rc ~= 0 then error("command failed (" .. tostring(rc) .. "): " .. cmd .. "\n" .. out, 2) end
  return out
end

-- Runs cmd without capturing its output; returns whether it succeeded and
-- its exit status (Lua 5.1 and 5.2+ report these differently).
function M.run(cmd)
  local a, _, c = os.execute(cmd)
  if type(a) == "number" then
    if a > 255 then a = math.floor(a / 256) end
    return a == 0, a
  end
  return a == true, c or (a and 0 or 1)
end

-- Whether program is on $PATH.
function M.have(program)
  return select(2, M.sh("command -v " .. q(program) .. " >/dev/null")) == 0
end

-- The output without its trailing white space (one line: a path, an id).
function M.trim(s)
  return (tostring(s):gsub("%s+$", ""))
end

-- git with a fixed identity, main as first branch, no background
-- maintenance and no editor: the same command on every machine.
M.GIT = "git -c user.name=Outside -c user.email=outside@example.com -c init.defaultBranch=main "
  .. "-c maintenance.auto=false -c gc.auto=0 -c merge.conflictstyle=merge -c core.editor=true "

-- git -C dir args; returns its output; raises when git fails.
function M.git(dir, args)
  return M.ok(M.GIT .. "-C " .. q(dir) .. " " .. args)
end

-- The same identity for a plain `git commit` (environment words).
M.GIT_ENV = "GIT_AUTHOR_NAME=Test GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=Test "
  .. "GIT_COMMITTER_EMAIL=t@example.org "

-- Commits paths (one relative path or a list, under dir) with git itself,
-- as made on `date` (YYYY-MM-DD) at noon.
function M.commit_dated(dir, paths, date, message)
  if type(paths) == "string" then paths = { paths } end
  local quoted = {}
  for i, p in ipairs(paths) do quoted[i] = q(p) end
  local when = date .. "T12:00:00"
  M.ok("cd " .. q(dir) .. " && git add -- " .. table.concat(quoted, " ") .. " && " .. M.GIT_ENV
    .. "GIT_AUTHOR_DATE=" .. when .. " GIT_COMMITTER_DATE=" .. when .. " git commit -q -m "
    .. q(message or paths[1]))
end

-- A bare remote at root/remote.git whose first commit (`message`) holds
-- `files` ({ [relative path] = text }), pushed from a clone at root/a, and a
-- second clone of it at root/b; returns the three folders.
function M.remote_and_clones(root, files, message)
  local bare, a, b = root .. "/remote.git", root .. "/a", root .. "/b"
  M.ok(M.GIT .. "init -q --bare -b main " .. q(bare))
  M.ok(M.GIT .. "clone -q " .. q(bare) .. " " .. q(a))
  for rel, text in pairs(files) do M.write(a .. "/" .. rel, text) end
  M.git(a, "add -A")
  M.git(a, "commit -q -m " .. q(message or "first"))
  M.git(a, "push -q origin main")
  M.ok(M.GIT .. "clone -q " .. q(bare) .. " " .. q(b))
  return bare, a, b
end

-- git fsck --strict of the repository at dir; returns ok, output.
function M.fsck(dir)
  local out, rc = M.sh("git -C " .. q(dir) .. " fsck --strict --no-progress --no-dangling")
  return rc == 0 and not out:find("error", 1, true), out
end

-- Raises unless git fsck --strict finds the repository at dir sound.
function M.assert_fsck(dir)
  local sound, out = M.fsck(dir)
  if not sound then error("git fsck --strict " .. dir .. ":\n" .. out, 2) end
end

-- git status --porcelain of the work tree at dir ("" when clean).
function M.status(dir)
  return M.git(dir, "status --porcelain")
end

-- Raises unless git status shows the work tree at dir clean.
function M.assert_clean(dir)
  local out = M.status(dir)
  if out ~= "" then error("git status is not clean:\n" .. out, 2) end
end

-- The file's contents, or nil when it cannot be read (one value, so that a
-- read can stand last in an assertion's arguments): the Lua layer's own.
M.read = require("leadnotes.files").read

-- The file's contents; raises naming the file when it cannot be read.
function M.must_read(path)
  local f, err = io.open(path, "rb")
  if not f then error("cannot read " .. tostring(path) .. ": " .. tostring(err), 2) end
  local s = f:read("*a")
  f:close()
  return s
end

-- Writes text to path (its folders made as needed); `mode`, when given, is
-- chmod's (e.g. "700").
function M.write(path, text, mode)
  local f = io.open(path, "wb")
  if not f then
    local parent = path:match("^(.*)/[^/]*$")
    if parent then M.ok("mkdir -p " .. q(parent)) end
    f = assert(io.open(path, "wb"))
  end
  assert(f:write(text))
  assert(f:close())
  if mode then M.ok("chmod " .. mode .. " " .. q(path)) end
end

-- A fresh folder /tmp/leadnotes-<tag>-XXXXXX (or under $TMPDIR), removed by
-- cleanup().
local made = {}
function M.tmpdir(tag)
  local base = (os.getenv("TMPDIR") or "/tmp") .. "/leadnotes-" .. (tag or "test") .. "-XXXXXX"
  local dir = M.trim(M.ok("mktemp -d " .. q(base)))
  assert(dir ~= "" and not dir:find("\n"), "mktemp gave no folder: " .. dir)
  made[#made + 1] = dir
  return dir
end

-- Removes every folder tmpdir() made (read-only ones too).
function M.cleanup()
  for _, dir in ipairs(made) do
    os.execute("chmod -R u+rwx " .. q(dir) .. " 2>/dev/null; rm -rf " .. q(dir))
  end
  made = {}
end

-- The end of a test on a store: closes store (may be nil), checks the
-- repository at notes with git fsck, then removes what tmpdir() made.
function M.close_and_check(store, notes)
  if store then store:close() end
  M.assert_fsck(notes)
  M.cleanup()
end

-- The lines of s, empty ones left out.
function M.lines(s)
  local out = {}
  for l in s:gmatch("[^\n]+") do out[#out + 1] = l end
  return out
end

-- A value as one line of text, tables with their keys sorted and numbers
-- with their subtype (integer or float), so two equal dumps mean equal
-- values. For comparing what two processes computed.
function M.dump(v)
  if type(v) ~= "table" then return (math.type and math.type(v) or type(v)) .. ":" .. tostring(v) end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = tostring(k) .. "=" .. M.dump(v[k]) end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- Whether the list holds value.
function M.has(list, value)
  for _, v in ipairs(list or {}) do if v == value then return true end end
  return false
end

-- Runs the command line in this process (require("leadnotes.cli").run) with
-- argv; returns its status and what it wrote to out and err.
function M.cli_here(argv)
  local function sink()
    local buf = { text = "" }
    function buf.write(_, ...) for _, v in ipairs({ ... }) do buf.text = buf.text .. tostring(v) end end
    return buf
  end
  local out, err = sink(), sink()
  local status = require("leadnotes.cli").run(argv, { out = out, err = err })
  return status, out.text, err.text
end

-- Runs program (a shell word or words, e.g. a quoted path) with args quoted
-- and `env` (shell words, e.g. "HOME=/x ") before it; returns its status,
-- standard output and standard error.
function M.run_program(program, args, env)
  local words = { program }
  for _, a in ipairs(args) do words[#words + 1] = q(a) end
  local err = os.tmpname()
  local p = assert(io.popen((env or "") .. table.concat(words, " ") .. " 2>" .. q(err)
    .. "; echo \"\n::rc=$?\""))
  local out = p:read("*a")
  p:close()
  local status = tonumber(out:match("\n::rc=(%d+)%s*$"))
  out = out:gsub("\n::rc=%d+%s*$", "")
  local stderr = M.read(err) or ""
  os.remove(err)
  return status, out, stderr
end

-- Runs the command line (lua/leadnotes/cli.lua) in its own process under this
-- build's interpreter; as run_program.
function M.cli_process(args, env)
  return M.run_program(q(M.interp) .. " " .. q(M.cli), args, env)
end

return M
