-- Strict globals for the tests: once this file has run, code of this
-- project (lua/ and tests/ of the source tree) that reads a global nobody
-- defined, or defines a new global, raises "undeclared global". lite-xl does
-- the same to every plugin (core/strict.lua), so a read such as `jit` on Lua
-- 5.4 breaks every command there; here it breaks a test instead.
--
-- Loaded by busted (--helper, every spec of tests/lua), by the Neovim runner
-- and by the vis test's visrc.lua. Code that is not ours (busted, penlight,
-- an editor's runtime) keeps the ordinary rules: it is not ours to fix. A
-- test that must define a global says so with rawset(_G, name, value).
local root = os.getenv("LEADNOTES_SOURCE_DIR")
if not root or root == "" then
  local here = debug.getinfo(1, "S").source:match("^@(.*)/tests/lua/strict%.lua$")
  root = here or "."
end
root = root:gsub("/+$", "")

local prefixes = { "@" .. root .. "/lua/", "@" .. root .. "/tests/", "@lua/", "@tests/", "@./lua/", "@./tests/" }

local function is_ours(source)
  for _, prefix in ipairs(prefixes) do
    if source:sub(1, #prefix) == prefix then return true end
  end
  return false
end

-- The level, counted from the metamethod, of the function that made the
-- access when it is ours, else nil. That function is the metamethod's
-- caller, past busted's environment (a spec's globals go through
-- busted/environment.lua before they reach _G).
local function our_accessor()
  for level = 3, 16 do
    local info = debug.getinfo(level, "S")
    if not info then return nil end
    if not info.source:find("busted/environment%.lua$") then
      return is_ours(info.source) and level - 1 or nil
    end
  end
  return nil
end

local mt = getmetatable(_G) or {}
local old_index, old_newindex = mt.__index, mt.__newindex

mt.__index = function(t, key)
  local level = our_accessor()
  if level then
    error("undeclared global '" .. tostring(key) .. "' read (strict globals: tests/lua/strict.lua)", level)
  end
  if type(old_index) == "function" then return old_index(t, key) end
  if type(old_index) == "table" then return old_index[key] end
  return nil
end

mt.__newindex = function(t, key, value)
  local level = our_accessor()
  if level then
    error("undeclared global '" .. tostring(key) .. "' written (strict globals: tests/lua/strict.lua)", level)
  end
  if type(old_newindex) == "function" then return old_newindex(t, key, value) end
  rawset(t, key, value)
end

setmetatable(_G, mt)
return true
