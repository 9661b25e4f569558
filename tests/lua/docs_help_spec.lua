-- :help leadnotes (doc/leadnotes.txt) names every command of every editor:
-- Neovim's :Lead subcommands, vis's :lead words, the lite-xl palette and
-- Textadept menu entries, and the command line's commands. Each list is
-- read from the code that defines it, so a command added there without
-- its help fails here.
local helpers = require("helpers")
local source, slurp = helpers.source_dir, helpers.must_read

-- The part of the help from a tag's line to the next tag of that kind.
local function section(help, tag, next_tag)
  local from = assert(help:find(tag, 1, true), tag)
  local to = next_tag and help:find(next_tag, from, true) or #help
  return help:sub(from, to)
end

describe(":help leadnotes", function()
  local help = slurp(source .. "/doc/leadnotes.txt")

  it("has a tagged entry for every :Lead subcommand Neovim defines", function()
    local code = slurp(source .. "/lua/leadnotes/editor/nvim.lua")
    local body = assert(code:match("\nlocal subcommands = {\n(.-)\n}\n"), "nvim.lua's subcommand table")
    local names = {}
    for line in (body .. "\n"):gmatch("([^\n]*)\n") do
      local name = line:match('^  %["([%w-]+)"%] = {') or line:match("^  ([%w_]+) = {")
      if name then names[#names + 1] = name end
    end
    assert.is_true(#names >= 15, "found " .. #names .. " subcommands")
    for _, name in ipairs(names) do
      assert.is_truthy(help:find("*:Lead-" .. name .. "*", 1, true), ":Lead " .. name)
    end
  end)

  it("lists every word of vis's :lead", function()
    package.path = source .. "/lua/?.lua;" .. source .. "/lua/?/init.lua;" .. package.path
    local common = require("leadnotes.editor.common")
    local vis = section(help, "*leadnotes-vis*", "*leadnotes-lite-xl*")
    assert.is_true(#common.subcommands >= 10)
    for _, word in ipairs(common.subcommands) do
      assert.is_truthy(vis:find("`:lead " .. word, 1, true), ":lead " .. word)
    end
  end)

  it("lists every palette command of lite-xl, as the palette names it", function()
    local common = require("leadnotes.editor.common")
    local litexl = section(help, "*leadnotes-lite-xl*", "*leadnotes-textadept*")
    for _, command in ipairs(common.commands) do
      -- lite-xl names a command by its id: "show-version" -> "Show Version".
      local name = command.id:gsub("(%a)([%w]*)", function(a, b) return a:upper() .. b end):gsub("-", " ")
      assert.is_truthy(litexl:find('"' .. name .. '"', 1, true) or litexl:find(": " .. name .. '"', 1, true),
        "lite-xl: " .. name)
    end
    local textadept = section(help, "*leadnotes-textadept*", "*leadnotes-cli*")
    assert.matches("the same twelve commands", textadept, 1, true)
    assert.are.equal(12, #common.commands)
  end)

  it("lists every command of the command line", function()
    local code = slurp(source .. "/lua/leadnotes/cli.lua")
    local cli = section(help, "*leadnotes-cli*")
    local n = 0
    for name in code:gmatch("\n  ([%w_]+) = %[%[\nusage: leadnotes ") do
      n = n + 1
      assert.is_truthy(cli:find("\n        " .. name .. "[ ,]") or cli:find(", " .. name .. " ", 1, true),
        "leadnotes " .. name)
    end
    assert.is_true(n >= 15, "found " .. n .. " commands")
  end)
end)
