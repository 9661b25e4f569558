-- The Lua layer under strict globals: it never reads a global that does not
-- exist, never defines one. lite-xl raises on both for every plugin, so one
-- such read (`jit` on Lua 5.4) broke every command there.
local source = os.getenv("LEADNOTES_SOURCE_DIR") or "."
local interp = os.getenv("LEADNOTES_LUA_INTERP") or "lua5.4"

local function quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- Runs a Lua script in a fresh interpreter of this build whose _G raises on
-- any absent key, for all code (what lite-xl's core/strict.lua does).
-- Returns the exit status and the output.
local function run_strict(body)
  local script = os.tmpname()
  local f = assert(io.open(script, "w"))
  f:write(string.format([[
package.path = %q .. "/lua/?.lua;" .. %q .. "/lua/?/init.lua;" .. package.path
setmetatable(_G, {
  __index = function(_, k) error("cannot get undefined variable: " .. tostring(k), 2) end,
  __newindex = function(_, k) error("cannot set undefined variable: " .. tostring(k), 2) end,
})
]], source, source))
  f:write(body)
  f:close()
  local p = io.popen(quote(interp) .. " " .. quote(script) .. " 2>&1; echo \"#status=$?\"")
  local out = p:read("*a")
  p:close()
  os.remove(script)
  local status = tonumber(out:match("#status=(%d+)%s*$"))
  return status, (out:gsub("#status=%d+%s*$", ""))
end

describe("strict globals", function()
  it("a spec that reads an undeclared global fails (the helper is in force)", function()
    local ok, err = pcall(function() return undeclared_global_of_this_spec end) -- luacheck: ignore
    assert.is_false(ok)
    assert.matches("undeclared global 'undeclared_global_of_this_spec' read", err, 1, true)
  end)

  it("code of the Lua layer that defines a global fails", function()
    -- A function whose source is under lua/ (as the layer's are) writing _G.
    local writer = assert(load("return function() leadnotes_new_global = 1 end",
      "@" .. source .. "/lua/leadnotes/example.lua"))()
    local ok, err = pcall(writer)
    assert.is_false(ok)
    assert.matches("undeclared global 'leadnotes_new_global' written", err, 1, true)
    assert.is_nil(rawget(_G, "leadnotes_new_global"))
  end)

  it("every module of the Lua layer loads where each undefined global raises, as in lite-xl", function()
    local status, out = run_strict([[
for _, name in ipairs({ "leadnotes", "leadnotes.config", "leadnotes.files", "leadnotes.templates",
  "leadnotes.notes", "leadnotes.insights", "leadnotes.sync", "leadnotes.cli", "leadnotes.editor.common" }) do
  require(name)
end
local common = require("leadnotes.editor.common")
assert(common.feature("render"), "render")
io.write("loaded\n")
]])
    assert.are.equal(0, status, out)
    assert.matches("loaded", out, 1, true)
  end)

  it("the command line's tour runs every command where each undefined global raises", function()
    local status, out = run_strict([[
local lines = {}
local sink = { write = function(self, ...) for _, v in ipairs({ ... }) do lines[#lines + 1] = tostring(v) end end }
local status = require("leadnotes.cli").run({ "demo" }, { out = sink, err = sink })
io.write(table.concat(lines), "\n#demo=", tostring(status), "\n")
]])
    assert.are.equal(0, status, out)
    assert.matches("#demo=0", out, 1, true)
    assert.matches("leadnotes team", out, 1, true)
    assert.matches("leadnotes history", out, 1, true)
  end)
end)
