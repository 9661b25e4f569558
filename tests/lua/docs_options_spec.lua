-- The option lists in doc/leadnotes.txt and doc/configuration.md are the
-- ones scripts/gen_options.lua makes from lua/leadnotes/config.lua: an
-- option added to the schema without regenerating them fails here.
local source = os.getenv("LEADNOTES_SOURCE_DIR") or "."
local interp = os.getenv("LEADNOTES_LUA_INTERP") or "lua5.4"

local helpers = require("helpers")
local quote, slurp = helpers.quote, helpers.must_read
local function run(cmd)
  local p = io.popen(cmd .. " 2>&1; echo \"rc=$?\"")
  local out = p:read("*a")
  p:close()
  return tonumber(out:match("rc=(%d+)%s*$")), out
end

describe("the generated option lists", function()
  it("match lua/leadnotes/config.lua as committed", function()
    local rc, out = run(interp .. " " .. quote(source .. "/scripts/gen_options.lua") .. " --check "
      .. quote(source))
    assert.are.equal(0, rc, out)
  end)

  it("name every option of the schema, auto_sync_delay_ms included, with its description", function()
    package.path = source .. "/lua/?.lua;" .. package.path
    local config = require("leadnotes.config")
    local help = slurp(source .. "/doc/leadnotes.txt")
    local md = slurp(source .. "/doc/configuration.md")
    local names = {}
    for _, spec in ipairs(config.schema()) do
      names[#names + 1] = spec.name
      assert.is_truthy(help:find("*leadnotes-option-" .. spec.name .. "*", 1, true), spec.name)
      assert.is_truthy(md:find("| `" .. spec.name .. "` |", 1, true), spec.name)
      assert.is_truthy(md:find(spec.doc, 1, true), spec.name)
    end
    assert.is_truthy(table.concat(names, " "):find("auto_sync_delay_ms", 1, true))
    -- The schema is what setup checks: a listed option is accepted with
    -- its default, a name not listed is warned about.
    for _, spec in ipairs(config.schema()) do
      local _, w = config.setup({ [spec.name] = spec.default })
      assert.are.equal(0, #w, spec.name)
    end
    local _, warnings = config.setup({ not_an_option = 1 })
    assert.are.equal(1, #warnings)
    config.setup({})
  end)

  it("fail the check when the help's list was edited by hand", function()
    local tmp = select(2, run("mktemp -d")):match("^(%S+)")
    local ok, err = pcall(function()
      assert.are.equal(0, (run("cp -R " .. quote(source .. "/lua") .. " " .. quote(source .. "/scripts")
        .. " " .. quote(source .. "/doc") .. " " .. quote(tmp))))
      local path = tmp .. "/doc/leadnotes.txt"
      local text = slurp(path)
      local edited = text:gsub("\nauto_sync_delay_ms[^\n]*\n[^\n]*\n[^\n]*\n", "\n", 1)
      assert.are_not.equal(text, edited)
      local f = assert(io.open(path, "wb"))
      f:write(edited)
      f:close()
      local rc, out = run(interp .. " " .. quote(tmp .. "/scripts/gen_options.lua") .. " --check " .. quote(tmp))
      assert.are.equal(1, rc, out)
      assert.matches("doc/leadnotes.txt", out, 1, true)
      -- Regenerating puts the option back.
      rc, out = run(interp .. " " .. quote(tmp .. "/scripts/gen_options.lua") .. " " .. quote(tmp))
      assert.are.equal(0, rc, out)
      assert.are.equal(text, slurp(path))
    end)
    run("rm -rf " .. quote(tmp))
    assert(ok, err)
  end)
end)
