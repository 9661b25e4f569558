-- leadnotes: the editor-neutral API that every editor adapter and the
-- command line call. It knows nothing of git or parsing: that is the C core
-- (leadnotes.core), found here relative to this file.
local M = {}

local function this_dir()
  local source = debug.getinfo(1, "S").source
  if source:sub(1, 1) ~= "@" then return "." end
  return source:sub(2):match("^(.*)/[^/]*$") or "."
end

-- The plugin root: this file is <root>/lua/leadnotes/init.lua.
M.root = this_dir():gsub("/lua/leadnotes$", "")
if M.root == this_dir() then M.root = this_dir() .. "/../.." end
local file_exists = require("leadnotes.files").exists

-- A LuaRocks install has no plugin root: its templates sit beside this file.
if not file_exists(M.root .. "/templates/prompts.org") and file_exists(this_dir() .. "/templates/prompts.org") then
  M.root = this_dir()
end

-- The build directory name for the running interpreter's ABI.
local function abi_name()
  if type(rawget(_G, "jit")) == "table" then return "luajit" end -- lite-xl raises on undefined globals
  if _VERSION == "Lua 5.4" then return "lua5.4" end
  if _VERSION == "Lua 5.3" then return "lua5.3" end
  return nil
end
M.abi = abi_name()

local function load_core()
  if package.loaded["leadnotes.core"] then return package.loaded["leadnotes.core"] end
  local abi = M.abi
  if not abi then
    error("(leadnotes) unsupported Lua: " .. tostring(_VERSION) .. "; leadnotes builds for Lua 5.4, 5.3 and LuaJIT", 0)
  end
  local preset = abi == "lua5.4" and "default" or abi
  local candidates = {}
  local override = os.getenv("LEADNOTES_CORE_DIR")
  if override and override ~= "" then candidates[#candidates + 1] = override .. "/leadnotes/core.so" end
  candidates[#candidates + 1] = M.root .. "/build/" .. abi .. "/leadnotes/core.so"
  -- an installed plugin folder (cmake --install, any prefix) names its module
  local short = abi == "luajit" and "5.1" or abi:sub(4)
  local where = loadfile(M.root .. "/installed/" .. short .. ".lua")
  local ok_where, relative = pcall(where or error)
  if ok_where and type(relative) == "string" then candidates[#candidates + 1] = M.root .. "/" .. relative end
  local installed = package.searchpath and package.searchpath("leadnotes.core", package.cpath)
  if installed then candidates[#candidates + 1] = installed end
  for _, path in ipairs(candidates) do
    if file_exists(path) then
      local open, err = package.loadlib(path, "luaopen_leadnotes_core")
      if not open then
        error(string.format("(leadnotes) cannot load %s: %s\nRebuild it for %s: cmake --preset %s && cmake --build --preset %s",
          path, err, _VERSION, preset, preset), 0)
      end
      local core = open("leadnotes.core")
      package.loaded["leadnotes.core"] = core
      return core
    end
  end
  local others = {}
  for _, other in ipairs({ "lua5.4", "lua5.3", "luajit" }) do
    if other ~= abi and file_exists(M.root .. "/build/" .. other .. "/leadnotes/core.so") then
      others[#others + 1] = other
    end
  end
  local found = #others > 0 and (" (there is a build for " .. table.concat(others, ", ") .. ", a different Lua ABI)") or ""
  if not file_exists(M.root .. "/CMakeLists.txt") then
    -- an installed copy: there is nothing to build here
    error(string.format("(leadnotes) the C core for %s is not installed with %s.\nInstall the build for this Lua "
      .. "from the sources: cmake --preset %s -DBUILD_TESTING=OFF && cmake --build --preset %s && "
      .. "cmake --install build/%s --prefix <the same prefix>", _VERSION, M.root, preset, preset, abi), 0)
  end
  error(string.format("(leadnotes) the C core is not built for %s%s.\nBuild it from %s with: cmake --preset %s && cmake --build --preset %s",
    _VERSION, found, M.root, preset, preset), 0)
end

M.core = load_core()
package.preload["leadnotes.core"] = function() return M.core end

-- The store methods written in Lua join the C ones in the handle's method
-- table (core.store_methods): the binding never calls up into Lua.
local store_methods = M.core.store_methods
if type(store_methods) == "table" then
  store_methods.new_note = function(...) return require("leadnotes.notes").new_note(...) end
  store_methods.profile = function(store, ...)
    if tostring(store) == "leadnotes.store (closed)" then
      error("calling 'profile' on bad self (attempt to use a closed notes store)", 2)
    end
    return require("leadnotes.insights.people").profile(store, ...)
  end
end

local config = require("leadnotes.config")

-- Optional and idempotent: options merged over the defaults, validated.
-- Returns the warnings (unknown keys) so an editor can show them.
function M.setup(opts)
  local _, warnings = config.setup(opts)
  for _, warning in ipairs(warnings) do
    if M.warn then M.warn(warning) else io.stderr:write(warning, "\n") end
  end
  return warnings
end

function M.options() return config.options end
function M.notes_dir() return config.notes_dir() end

-- The rest of the API lives in submodules, loaded on first use.
local lazy = {
  render = "leadnotes.templates", templates = "leadnotes.templates", fields = "leadnotes.templates",
  open = "leadnotes.notes", init = "leadnotes.notes",
  -- Each insight straight from its own module (leadnotes.insights re-exports
  -- them all): a fresh `leadnotes team` loads only what the team view needs.
  prompt = "leadnotes.insights.prompts", nudges = "leadnotes.insights.team", team = "leadnotes.insights.team",
  packet = "leadnotes.insights.packet", carry_over = "leadnotes.insights.items", items = "leadnotes.insights.items",
  capture = "leadnotes.insights.capture",
}
setmetatable(M, {
  __index = function(t, key)
    local module = lazy[key]
    if not module then return nil end
    local fn = require(module)[key]
    rawset(t, key, fn)
    return fn
  end,
})

return M
