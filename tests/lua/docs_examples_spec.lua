-- Every Lua and shell example in README.md, doc/*.md and
-- tests/bench/README.md runs as written: each fenced block whose info
-- string starts with lua or sh is run in a temporary home with its own
-- notes folder (~/leadnotes), against this build's module (Lua blocks,
-- under the build's interpreter) and its `leadnotes` command line (shell
-- blocks, under sh -e). A block is skipped only by a word of its info
-- string: `norun` (an editor, a network remote, a build, a system install)
-- or `synopsis` (a list of signatures, not code).
local source = os.getenv("LEADNOTES_SOURCE_DIR") or "."
local build = os.getenv("LEADNOTES_BUILD_DIR")
local interp = os.getenv("LEADNOTES_LUA_INTERP") or "lua5.4"
local sanitized = os.getenv("LEADNOTES_SANITIZE") ~= nil

local helpers = require("helpers")
local quote, slurp = helpers.quote, helpers.must_read
local spit = helpers.write
-- The exit status and the output (merged) of cmd.
local function run(cmd)
  local out, rc = helpers.sh(cmd)
  return rc, out
end

-- The documents: the README, every doc/*.md, the benchmarks' README.
local function documents()
  local list = { "README.md" }
  local _, out = run("cd " .. quote(source) .. " && ls doc/*.md")
  for name in out:gmatch("[^\n]+") do list[#list + 1] = name end
  list[#list + 1] = "tests/bench/README.md"
  return list
end

-- The fenced blocks of a Markdown text: { line=, lang=, words={...}, body= }.
-- A fence may be indented (inside a list item); its body loses that indent.
local function blocks(text)
  local out, open, n = {}, nil, 0
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    if open then
      if line:match("^%s*```%s*$") and #line:match("^(%s*)") == open.indent then
        out[#out + 1] = open
        open = nil
      else
        open.body = open.body .. line:sub(open.indent + 1) .. "\n"
      end
    else
      local indent, info = line:match("^(%s*)```(.*)$")
      if indent then
        local words = {}
        for w in info:gmatch("%S+") do words[#words + 1] = w end
        open = { line = n, lang = words[1] or "", words = words, body = "", indent = #indent }
      end
    end
  end
  assert(open == nil, "a fenced block is not closed")
  return out
end

local function skipped_by_rule(block)
  for i = 2, #block.words do
    if block.words[i] == "norun" or block.words[i] == "synopsis" then return block.words[i] end
  end
  return nil
end

local function runnable_lang(lang)
  return lang == "lua" or lang == "sh"
end

-- A fresh home with a git identity, and a bin folder holding `leadnotes`:
-- the build's wrapper, or under the sanitizers the command line run by the
-- sanitizer-linked interpreter (the wrapper's plain Lua cannot load an
-- instrumented module).
local function sandbox()
  local _, tmp = run("mktemp -d")
  tmp = tmp:match("^(%S+)")
  local home, bin = tmp .. "/home", tmp .. "/bin"
  assert(run("mkdir -p " .. quote(home) .. " " .. quote(bin)) == 0)
  spit(home .. "/.gitconfig", "[user]\n\tname = Docs Example\n\temail = docs@example.invalid\n"
    .. "[init]\n\tdefaultBranch = main\n")
  local cli = bin .. "/leadnotes"
  if sanitized then
    spit(cli, "#!/bin/sh\nexec " .. quote(interp) .. " -e " .. quote("package.path='" .. source
      .. "/lua/?.lua;" .. source .. "/lua/?/init.lua;'..package.path") .. " "
      .. quote(source .. "/lua/leadnotes/cli.lua") .. " \"$@\"\n")
    assert(run("chmod +x " .. quote(cli)) == 0)
  else
    assert(build, "LEADNOTES_BUILD_DIR names the build under test")
    assert(run("ln -s " .. quote(build .. "/bin/leadnotes") .. " " .. quote(cli)) == 0)
  end
  return tmp, home, bin
end

local function run_block(block)
  local tmp, home, bin = sandbox()
  local env = "env -u LEADNOTES_DIR HOME=" .. quote(home) .. " PATH=" .. quote(bin) .. ":\"$PATH\""
    .. " LUA_PATH=" .. quote(source .. "/lua/?.lua;" .. source .. "/lua/?/init.lua;;")
  local rc, out
  if block.lang == "lua" then
    local file = tmp .. "/example.lua"
    spit(file, block.body)
    rc, out = run("cd " .. quote(source) .. " && " .. env .. " timeout 300 " .. quote(interp) .. " "
      .. quote(file) .. " </dev/null")
  else
    local file = tmp .. "/example.sh"
    spit(file, block.body)
    rc, out = run("cd " .. quote(home) .. " && " .. env .. " timeout 300 sh -e " .. quote(file)
      .. " </dev/null")
  end
  run("rm -rf " .. quote(tmp))
  return rc, out
end

describe("the documentation's examples", function()
  local found = {}
  for _, doc in ipairs(documents()) do
    for _, block in ipairs(blocks(slurp(source .. "/" .. doc))) do
      block.doc = doc
      found[#found + 1] = block
    end
  end

  it("are found, and some of each kind run in the README itself", function()
    local readme = { lua = 0, sh = 0 }
    for _, block in ipairs(found) do
      if block.doc == "README.md" and runnable_lang(block.lang) and not skipped_by_rule(block) then
        readme[block.lang] = readme[block.lang] + 1
      end
    end
    assert.is_true(readme.lua >= 1 and readme.sh >= 1, "the README's tour has a Lua and a shell example")
  end)

  it("are skipped only by a known word of their info string", function()
    for _, block in ipairs(found) do
      for i = 2, #block.words do
        local w = block.words[i]
        assert.is_truthy(w == "norun" or w == "synopsis",
          string.format("%s:%d: unknown word '%s' in the fence's info string", block.doc, block.line, w))
      end
    end
  end)

  it("would fail on an example that fails, in either language", function()
    assert.are_not.equal(0, (run_block({ lang = "lua", body = 'error("broken example")\n' })))
    assert.are_not.equal(0, (run_block({ lang = "sh", body = "leadnotes no-such-command\n" })))
  end)

  -- GitHub's anchor of a heading: lower case, punctuation dropped, spaces
  -- to hyphens.
  local function slugs(text)
    local out = {}
    for heading in (text .. "\n"):gmatch("\n#+ ([^\n]+)") do
      out[heading:lower():gsub("[^%w%- ]", ""):gsub(" ", "-")] = true
    end
    return out
  end

  it("link only to files and headings that exist", function()
    local broken = {}
    for _, doc in ipairs(documents()) do
      local dir = doc:match("^(.*)/") or "."
      local text = slurp(source .. "/" .. doc)
      for target in text:gmatch("%]%(([^)%s]+)%)") do
        if not target:match("^%a+:") then
          local file, anchor = target:match("^([^#]*)#?(.*)$")
          local path = file == "" and doc or (dir .. "/" .. file)
          local f = io.open(source .. "/" .. path, "rb")
          if not f then
            broken[#broken + 1] = doc .. ": " .. target
          else
            local body = f:read("*a")
            f:close()
            if anchor ~= "" and path:match("%.md$") and not slugs("\n" .. body)[anchor] then
              broken[#broken + 1] = doc .. ": " .. target
            end
          end
        end
      end
    end
    assert.are.same({}, broken)
  end)

  -- The signature lists are not run, but every function they and the text
  -- name must exist: a rename that forgets the documentation fails here.
  it("name only Lua functions and store methods that exist", function()
    package.path = source .. "/lua/?.lua;" .. source .. "/lua/?/init.lua;" .. package.path
    local leadnotes = require("leadnotes")
    local tmp = select(2, run("mktemp -d")):match("^(%S+)")
    local store = assert(leadnotes.open(tmp .. "/notes"))
    local missing, checked = {}, {}
    local function want(doc, label, value)
      if checked[label] then return end
      checked[label] = true
      if type(value) ~= "function" then missing[#missing + 1] = doc .. ": " .. label end
    end
    for _, doc in ipairs(documents()) do
      local text = slurp(source .. "/" .. doc)
      for name in text:gmatch("%f[%w_]store:([%a_]+)%(") do want(doc, "store:" .. name, store[name]) end
      for name in text:gmatch("%f[%w_.]core%.([%a_]+)%(") do want(doc, "core." .. name, leadnotes.core[name]) end
      for name in text:gmatch("%f[%w_.]leadnotes%.([%a_]+)%(") do want(doc, "leadnotes." .. name, leadnotes[name]) end
    end
    store:close()
    run("rm -rf " .. quote(tmp))
    assert.are.same({}, missing)
    assert.is_truthy(checked["store:save"] and checked["core.render"] and checked["leadnotes.team"])
  end)

  it("name only C functions, types and constants the public headers declare (ln__ ones: the private headers)", function()
    local _, headers = run("cat " .. quote(source) .. "/include/leadnotes/*.h")
    local _, private = run("cat " .. quote(source) .. "/plugin/*.h")
    local missing, checked = {}, 0
    for _, doc in ipairs(documents()) do
      local text = slurp(source .. "/" .. doc)
      for name in text:gmatch("%f[%w_](ln_[%w_]+)") do
        checked = checked + 1
        local declared_in = name:sub(1, 4) == "ln__" and private or headers
        if name ~= "ln__" and not declared_in:find("%f[%w_]" .. name .. "%f[^%w_]") then
          missing[#missing + 1] = doc .. ": " .. name
        end
      end
      for name in text:gmatch("%f[%w_](LN_[%w_]+)") do
        checked = checked + 1
        if not headers:find("%f[%w_]" .. name .. "%f[^%w_]") then missing[#missing + 1] = doc .. ": " .. name end
      end
    end
    assert.are.same({}, missing)
    assert.is_true(checked > 20)
  end)

  for _, block in ipairs(found) do
    if runnable_lang(block.lang) and not skipped_by_rule(block) then
      it(string.format("%s:%d (%s) runs without an error", block.doc, block.line, block.lang), function()
        local rc, out = run_block(block)
        assert.are.equal(0, rc, string.format("%s:%d failed:\n%s\n--- output:\n%s", block.doc,
          block.line, block.body, out))
      end)
    end
  end
end)
