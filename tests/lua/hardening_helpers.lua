-- Shared by the hardening specs (issue 6): temporary folders, shell and git
-- commands, file-system snapshots, child Lua processes using the module.
-- Works under Lua 5.4, 5.3 and LuaJIT.
local H = {}

H.source_dir = os.getenv("LEADNOTES_SOURCE_DIR") or "."
H.interp = os.getenv("LEADNOTES_LUA_INTERP") or "lua5.4"
H.sanitized = os.getenv("LEADNOTES_SANITIZE") == "1"
H.slow = os.getenv("LEADNOTES_SLOW") == "1"

function H.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- Runs a shell command; returns true/false and the exit code (5.1 and 5.2+
-- report differently).
function H.run(cmd)
  local a, _, c = os.execute(cmd)
  if type(a) == "number" then
    if a > 255 then a = math.floor(a / 256) end
    return a == 0, a
  end
  return a == true, c or (a and 0 or 1)
end

-- Runs a shell command and returns its standard output (and error, merged)
-- and whether it succeeded.
function H.capture(cmd)
  local p = assert(io.popen(cmd .. " 2>&1; echo \"::status=$?\""))
  local out = p:read("*a")
  p:close()
  local status = tonumber(out:match("::status=(%d+)%s*$"))
  out = out:gsub("::status=%d+%s*$", "")
  return out, status == 0, status
end

function H.git(dir, args)
  return H.capture("git -C " .. H.quote(dir) .. " " .. args)
end

function H.read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

function H.write(path, text)
  local f = assert(io.open(path, "wb"))
  assert(f:write(text))
  assert(f:close())
end

-- A fresh temporary folder (removed by H.cleanup()).
local made = {}
function H.tmpdir()
  local out = H.capture("mktemp -d " .. H.quote((os.getenv("TMPDIR") or "/tmp") .. "/leadnotes-hardening-XXXXXX"))
  local dir = out:gsub("%s+$", "")
  assert(dir ~= "" and not dir:find("\n"), "mktemp failed: " .. out)
  made[#made + 1] = dir
  return dir
end

function H.cleanup()
  for _, dir in ipairs(made) do
    os.execute("chmod -R u+rwx " .. H.quote(dir) .. " 2>/dev/null; rm -rf " .. H.quote(dir))
  end
  made = {}
end

-- Every path under root with its type, size, mode and content hash, one a
-- line, sorted, .git internals of the notes repository excluded when
-- `skip_git` is given (a save legitimately writes there).
function H.snapshot(root, skip_git)
  local prune = ""
  if skip_git then prune = " -path " .. H.quote(skip_git) .. " -prune -o" end
  local out = H.capture("cd " .. H.quote(root) .. " && find ." .. prune ..
    " -printf '%p %y %s %m %l\\n' | LC_ALL=C sort && find ." .. prune ..
    " -type f -print0 | LC_ALL=C sort -z | xargs -0 -r md5sum")
  return out
end

-- The module, or nil when the store is not built yet.
function H.core()
  local ok, leadnotes = pcall(require, "leadnotes")
  if not ok then return nil end
  return leadnotes.core
end

function H.store_built()
  local core = H.core()
  return core ~= nil and type(core.open) == "function"
end

-- The preamble of a child Lua script: finds the Lua layer and the module
-- built for this run (LEADNOTES_CORE_DIR is inherited).
function H.child_preamble()
  return "package.path = " .. string.format("%q", H.source_dir .. "/lua/?.lua;" .. H.source_dir ..
    "/lua/?/init.lua;") .. " .. package.path\n" ..
    "local core = require('leadnotes').core\n"
end

-- Writes a child script to a file and returns its path.
function H.child_script(dir, name, body)
  local path = dir .. "/" .. name .. ".lua"
  H.write(path, H.child_preamble() .. body)
  return path
end

-- Runs a child script to completion; returns output, ok.
function H.run_child(script, args)
  return H.capture(H.quote(H.interp) .. " " .. H.quote(script) .. " " .. (args or ""))
end

-- Starts a child script in the background; returns its pid.
function H.spawn_child(script, args, log)
  local out = H.capture(H.quote(H.interp) .. " " .. H.quote(script) .. " " .. (args or "") ..
    " >" .. H.quote(log or "/dev/null") .. " 2>&1 & echo $!")
  return assert(tonumber(out:match("(%d+)")), "cannot start " .. script .. ": " .. out)
end

function H.sleep(seconds)
  os.execute(string.format("sleep %.3f", seconds))
end

-- git fsck --strict of the repository at dir; returns ok, output.
function H.fsck(dir)
  local out, ok = H.git(dir, "fsck --strict --no-progress --no-dangling")
  return ok, out
end

return H
