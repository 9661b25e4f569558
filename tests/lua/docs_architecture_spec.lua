-- doc/architecture.md gives every source file its box: each C source and
-- header under plugin/, each public header, each Lua file under lua/ and
-- each wrapper under bin/ is named in its table (a folder's files may be
-- named together as `folder/*.lua`).
local source = os.getenv("LEADNOTES_SOURCE_DIR") or "."

local helpers = require("helpers")
local quote, slurp = helpers.quote, helpers.must_read
local function lines(cmd)
  local p = io.popen(cmd)
  local out = {}
  for line in p:lines() do out[#out + 1] = line end
  p:close()
  return out
end

describe("doc/architecture.md", function()
  local doc = slurp(source .. "/doc/architecture.md")

  it("names the box of every source file", function()
    local files = lines("cd " .. quote(source) .. " && ls plugin/*.c plugin/*.h plugin/*.lua"
      .. " lua/leadnotes/*.lua lua/leadnotes/*/*.lua bin/*.in include/leadnotes/*.h")
    assert.is_true(#files > 40, "found " .. #files .. " files")
    local missing = {}
    for _, path in ipairs(files) do
      local folder, ext = path:match("^(.*)/[^/]+%.(%w+)$")
      local named = doc:find("`" .. path .. "`", 1, true)
        or doc:find("`" .. folder .. "/*." .. ext .. "`", 1, true)
        or (folder == "include/leadnotes" and doc:find("`" .. path:match("[^/]+$") .. "`", 1, true))
      if not named then missing[#missing + 1] = path end
    end
    assert.are.same({}, missing)
  end)
end)
