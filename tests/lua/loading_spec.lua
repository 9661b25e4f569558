-- The Lua layer finds the C core built for the running interpreter.
describe("loading", function()
  it("require('leadnotes') loads the core built for this interpreter", function()
    local leadnotes = require("leadnotes")
    assert.is_table(leadnotes.core)
    assert.are.equal(_VERSION, leadnotes.core.lua_version:match("^Lua %d%.%d") or leadnotes.core.lua_version)
  end)

  it("require('leadnotes.core') afterwards returns the same module", function()
    local leadnotes = require("leadnotes")
    assert.are.equal(leadnotes.core, require("leadnotes.core"))
  end)

  it("the core reports the libgit2 it was built with", function()
    assert.matches("^%d+%.%d+%.%d+$", require("leadnotes.core").libgit2_version())
  end)

  it("a missing build names the command that makes one", function()
    local interp = os.getenv("LEADNOTES_LUA_INTERP") or "lua5.4"
    local script = [[
      package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
      package.cpath = ""
      local ok, err = pcall(require, "leadnotes")
      io.write(ok and "loaded" or err)
    ]]
    local tmp = os.tmpname()
    local f = assert(io.open(tmp, "w")); f:write(script); f:close()
    -- Point the loader at an empty root by hiding the build: run from a copy of lua/ only
    -- (an installed copy), then with CMakeLists.txt beside it (a checkout).
    local dir = os.tmpname(); os.remove(dir)
    os.execute("mkdir -p " .. dir .. " && cp -r lua " .. dir .. "/")
    local function run()
      local p = io.popen("cd " .. dir .. " && env -u LEADNOTES_CORE_DIR " .. interp .. " " .. tmp .. " 2>&1")
      local out = p:read("a") or p:read("*a"); p:close()
      return out
    end
    local installed = run()
    os.execute("cp CMakeLists.txt " .. dir .. "/")
    local out = run()
    os.execute("rm -rf " .. dir); os.remove(tmp)
    assert.matches("not built for", out)
    assert.matches("cmake %-%-preset", out)
    assert.matches("is not installed with", installed)
    assert.matches("cmake %-%-install build/", installed)
  end)
end)
