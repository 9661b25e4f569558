-- Shared by the hardening specs (issue 6): temporary folders, shell and git
-- commands, file-system snapshots, child Lua processes using the module.
-- Works under Lua 5.4, 5.3 and LuaJIT.
local h = require("helpers")
local H = {}

H.source_dir, H.interp, H.sanitized, H.slow = h.source_dir, h.interp, h.sanitized, h.slow
H.quote, H.run, H.read, H.write, H.cleanup, H.fsck = h.quote, h.run, h.read, h.write, h.cleanup, h.fsck

-- Runs a shell command and returns its standard output (and error, merged),
-- whether it succeeded, and its status.
function H.capture(cmd)
  local out, status = h.sh(cmd)
  return out, status == 0, status
end

function H.git(dir, args)
  return H.capture("git -C " .. H.quote(dir) .. " " .. args)
end

-- A fresh temporary folder (removed by H.cleanup()).
function H.tmpdir() return h.tmpdir("hardening") end

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

-- The module's core. A module that does not load, or a store that is not
-- built, is a failure of the test that asks, never a skip.
function H.core()
  local ok, leadnotes = pcall(require, "leadnotes")
  if not ok then error("the leadnotes module does not load: " .. tostring(leadnotes), 2) end
  if type(leadnotes.core) ~= "table" or type(leadnotes.core.open) ~= "function" then
    error("the leadnotes module has no notes store (core.open is missing)", 2)
  end
  return leadnotes.core
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

return H
