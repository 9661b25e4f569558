-- Writes the list of options into the documentation from the schema in
-- lua/leadnotes/config.lua, so that the two cannot drift apart:
--   doc/leadnotes.txt     between the lines BEGIN_HELP and END_HELP below
--   doc/configuration.md  between the lines BEGIN_MD and END_MD below
--
--   lua scripts/gen_options.lua [--check] [ROOT]
--
-- ROOT is the repository (default: the folder above this script's). With
-- --check nothing is written: the exit status is 1, with the files named
-- on stderr, when a committed text differs from the generated one. Runs
-- under Lua 5.1 to 5.4 and needs nothing but the repository.
local check, root = false, nil
for _, a in ipairs(arg) do
  if a == "--check" then check = true else root = a end
end
if not root then
  root = (arg[0]:match("^(.*)/scripts/[^/]*$")) or "."
end

local BEGIN_HELP = "<generated from lua/leadnotes/config.lua by scripts/gen_options.lua>"
local END_HELP = "<end of the generated list>"
local BEGIN_MD = "<!-- BEGIN options: generated from lua/leadnotes/config.lua by scripts/gen_options.lua -->"
local END_MD = "<!-- END options -->"

package.path = root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;" .. package.path
local config = require("leadnotes.config")

local function type_text(spec)
  if spec.one_of then
    local names = {}
    for name in pairs(spec.one_of) do names[#names + 1] = '"' .. name .. '"' end
    table.sort(names)
    return table.concat(names, " or ")
  end
  if spec.whole then
    return string.format("a whole number from %d to %d", spec.whole[1], spec.whole[2])
  end
  local t = spec.type
  if t:sub(-1) == "?" then return "a " .. t:sub(1, -2) .. " or nil" end
  if t == "table" then return "a list" end
  return "a " .. t
end

local function default_text(spec)
  if spec.shown then return spec.shown end
  local v = spec.default
  if v == nil then return "none" end
  if type(v) == "string" then return '"' .. v .. '"' end
  return tostring(v)
end

-- Words of text folded into lines of at most width columns, each indented.
local function wrap(text, indent, width)
  local lines, line = {}, indent
  for word in text:gmatch("%S+") do
    if #line > #indent and #line + 1 + #word > width then
      lines[#lines + 1] = line
      line = indent
    end
    line = line .. (#line > #indent and " " or "") .. word
  end
  lines[#lines + 1] = line
  return table.concat(lines, "\n")
end

local function help_section()
  local out = {}
  for _, spec in ipairs(config.schema()) do
    local tag = "*leadnotes-option-" .. spec.name .. "*"
    local pad = 78 - #spec.name - #tag
    out[#out + 1] = spec.name .. string.rep(" ", pad > 1 and pad or 1) .. tag
    out[#out + 1] = wrap(spec.doc:gsub("^%l", string.upper) .. ".", "        ", 78)
    out[#out + 1] = wrap("Type: " .. type_text(spec) .. ". Default: " .. default_text(spec) .. ".",
      "        ", 78)
    out[#out + 1] = ""
  end
  return table.concat(out, "\n")
end

local function md_section()
  local out = { "| option | type | default | what it does |", "|---|---|---|---|" }
  for _, spec in ipairs(config.schema()) do
    out[#out + 1] = string.format("| `%s` | %s | %s | %s |", spec.name, type_text(spec),
      default_text(spec), spec.doc)
  end
  return table.concat(out, "\n") .. "\n"
end

local files = require("leadnotes.files")
local function slurp(path)
  return assert(files.read(path), "cannot read " .. path)
end

-- The text with everything between the two marker lines replaced by body.
local function splice(path, text, first, last, body)
  local a, b = text:find("\n" .. first .. "\n", 1, true)
  local c = text:find("\n" .. last .. "\n", b or 1, true)
  if not a or not c then
    io.stderr:write(path, ": the marker lines are missing:\n  ", first, "\n  ", last, "\n")
    os.exit(2)
  end
  return text:sub(1, b) .. body .. text:sub(c + 1)
end

local targets = {
  { path = root .. "/doc/leadnotes.txt", first = BEGIN_HELP, last = END_HELP, body = help_section() },
  { path = root .. "/doc/configuration.md", first = BEGIN_MD, last = END_MD, body = md_section() },
}

local stale = 0
for _, t in ipairs(targets) do
  local text = slurp(t.path)
  local new = splice(t.path, text, t.first, t.last, t.body)
  if new ~= text then
    if check then
      io.stderr:write(t.path, ": the option list differs from lua/leadnotes/config.lua;",
        " run: lua scripts/gen_options.lua\n")
      stale = stale + 1
    else
      local f = assert(io.open(t.path, "wb"))
      f:write(new)
      f:close()
      print("wrote " .. t.path)
    end
  end
end
os.exit(stale == 0 and 0 or 1)
