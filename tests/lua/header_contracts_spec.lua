-- The public C headers (include/leadnotes/*.h) state a contract for every
-- function, as libgit2's headers do: each declaration has a comment of its
-- own right above it; a function that hands back memory says who frees it;
-- one that takes an ln_error says which codes it returns; a _free or
-- _clear says whether NULL is accepted; `out` parameters come first.
local helpers = require("helpers")
local source = helpers.source_dir

-- Every LN_API declaration of every public header: its file, its text (up to
-- the ';') and the comment block right above it ("" when there is none).
local function declarations()
  local found = {}
  local listing = helpers.ok("ls " .. helpers.quote(source) .. "/include/leadnotes/*.h")
  for path in listing:gmatch("[^\n]+") do
    local lines = {}
    for line in (helpers.must_read(path) .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
    for i, line in ipairs(lines) do
      if line:match("^LN_API ") then
        local text, j = line, i
        while not text:find(";") and j < #lines do
          j = j + 1
          text = text .. " " .. lines[j]
        end
        local comment, k = "", i - 1
        if k >= 1 and lines[k]:match("%*/%s*$") then
          while k >= 1 do
            comment = lines[k] .. "\n" .. comment
            if lines[k]:match("^%s*/%*") then break end
            k = k - 1
          end
        end
        found[#found + 1] = {
          file = path:match("[^/]+$"),
          name = text:match("([%w_]+)%s*%(") or "?",
          text = text,
          params = text:match("%((.*)%)") or "",
          comment = comment,
        }
      end
    end
  end
  return found
end

local function offenders(check)
  local bad = {}
  for _, d in ipairs(declarations()) do
    if not check(d) then bad[#bad + 1] = d.file .. ": " .. d.name end
  end
  return bad
end

describe("the public C headers", function()
  it("declare a good number of functions (the reader below finds them)", function()
    local all = declarations()
    assert.is_true(#all > 100, "found only " .. #all .. " LN_API declarations")
  end)

  it("give every function a comment of its own right above it", function()
    assert.are.same({}, offenders(function(d) return d.comment ~= "" end))
  end)

  it("say who frees what a function hands back through a pointer to a pointer", function()
    assert.are.same({}, offenders(function(d)
      -- char **out, ln_store **out, const ln_prompt **out (borrowed), char ***out
      if not d.params:find("%*%*") then return true end
      local said = d.comment:lower()
      return said:find("free") or said:find("borrowed") or said:find("owned by") or said:find("libgit2 owns")
    end))
  end)

  it("name the codes a function taking an ln_error returns", function()
    assert.are.same({}, offenders(function(d)
      if not d.params:find("ln_error %*") or d.name:match("^ln_error_") then return true end
      return d.comment:find("LN_E") or d.comment:find("[Rr]eturns as ")
    end))
  end)

  it("say whether a _free or _clear function accepts NULL", function()
    assert.are.same({}, offenders(function(d)
      if not (d.name:match("_free$") or d.name:match("_clear$")) then return true end
      return d.comment:find("NULL") or d.comment:find("zeroed")
    end))
  end)

  it("put out parameters first", function()
    assert.are.same({}, offenders(function(d)
      local seen_other = false
      for param in (d.params .. ","):gmatch("([^,]*),") do
        local name = param:match("([%w_]+)%s*$") or param:match("([%w_]+)%s*%[%]%s*$") or ""
        if name == "out" or name:match("^out_") then
          if seen_other then return false end
        else
          seen_other = true
        end
      end
      return true
    end))
  end)
end)
