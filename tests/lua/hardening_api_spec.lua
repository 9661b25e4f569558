-- Hardening (issue 6, item 7): every function of leadnotes and
-- leadnotes.core, and every store method, called with nil, wrong types, too
-- few and too many arguments, a closed store, a store whose object was
-- collected: a Lua error naming the function, or a normal return; never a
-- crash. The calls run in a child process whose current folder and HOME are
-- a temporary folder (a number passed as a path becomes a folder name), so
-- a crash is seen as the child's death and nothing lands in the source tree.
local H = require("hardening_helpers")

local child_body = [==[
local leadnotes = require("leadnotes")
local unpack = table.unpack or unpack
local out = {}
local function note(line) out[#out + 1] = line end

local co = coroutine.create(function() end)
local huge = string.rep("x", 100000)
-- Argument lists, none of them right for any function. Strings and numbers
-- are kept to values harmless as paths and names.
local arg_sets = {
  { n = 0 },
  { n = 1, nil },
  { n = 3, nil, nil, nil },
  { n = 1, true },
  { n = 1, {} },
  { n = 1, function() end },
  { n = 1, co },
  { n = 1, io.stdout },
  { n = 2, {}, {} },
  { n = 2, false, 0/0 },
  { n = 1, 1e308 },
  { n = 1, -1 },
  { n = 1, huge },
  { n = 1, "a\0b" },
  { n = 3, "\0", "\0", "\0" },
  { n = 12, "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x" },
  { n = 4, {}, 1, true, function() end },
  { n = 2, setmetatable({}, { __index = function() error("trap") end }), "x" },
}

local function describe_args(a)
  local parts = {}
  for i = 1, a.n do
    local v = a[i]
    local t = type(v)
    if t == "string" then parts[i] = "string(" .. #v .. ")" else parts[i] = t end
  end
  return "(" .. table.concat(parts, ", ") .. ")"
end

-- Calls are made as a program makes them: `holder.name(...)` for a module
-- function, `self:name(...)` for a method, never as a tail call, so that
-- Lua can name the function in "bad argument" errors as it would for the
-- user.
local field_callers = {}
local function call_as_field(name, fn, a)
  local caller = field_callers[name]
  if not caller then
    caller = assert(load("local unpack = ... return function(holder, a) " ..
      "local r1, r2, r3 = holder." .. name .. "(unpack(a, 1, a.n)) return r1, r2, r3 end"))(unpack)
    field_callers[name] = caller
  end
  return caller({ [name] = fn }, a)
end
local method_callers = {}
local function call_as_method(name, a)
  local caller = method_callers[name]
  if not caller then
    caller = assert(load("local unpack = ... return function(a) local s = a[1] " ..
      "local r1, r2, r3 = s:" .. name .. "(unpack(a, 2, a.n)) return r1, r2, r3 end"))(unpack)
    method_callers[name] = caller
  end
  return caller(a)
end

local function try(label, name, fn, a, as_method)
  local ok, err
  if as_method then ok, err = pcall(call_as_method, name, a)
  else ok, err = pcall(call_as_field, name, fn, a) end
  if ok then
    note("OK\t" .. label .. "\t" .. describe_args(a))
  else
    err = tostring(err):gsub("[\r\n]", " ")
    local named = err:find(name, 1, true) ~= nil
    -- An error raised by the caller's own metamethod is the caller's.
    if err:find(": trap", 1, true) then named = true end
    note((named and "ERRNAMED\t" or "ERRANON\t") .. label .. "\t" .. describe_args(a) .. "\t" .. err)
  end
end

-- Functions not to call with arbitrary values: none so far. A function that
-- blocks or starts an editor would go here, with the reason.
local skip = {}

local names = {}
for name, fn in pairs(leadnotes.core) do
  if type(fn) == "function" and not skip["core." .. name] then names[#names + 1] = { "core." .. name, name, fn } end
end
-- leadnotes' own functions, the lazily loaded ones included.
local lazy = { "setup", "options", "notes_dir", "render", "templates", "fields", "open",
  "prompt", "nudges", "team", "packet", "carry_over" }
for _, name in ipairs(lazy) do
  local ok, fn = pcall(function() return leadnotes[name] end)
  if ok and type(fn) == "function" then names[#names + 1] = { "leadnotes." .. name, name, fn }
  elseif not ok and tostring(fn):find("module '[^']+' not found") then
    note("NOTBUILT\tleadnotes." .. name)
  elseif not ok then note("LOADFAIL\tleadnotes." .. name .. "\t" .. tostring(fn):gsub("\n", " ")) end
end
for name, fn in pairs(leadnotes) do
  if type(fn) == "function" and not skip["leadnotes." .. name] then
    local seen = false
    for _, n in ipairs(names) do if n[1] == "leadnotes." .. name then seen = true end end
    if not seen then names[#names + 1] = { "leadnotes." .. name, name, fn } end
  end
end
table.sort(names, function(a, b) return a[1] < b[1] end)
for _, entry in ipairs(names) do
  for _, a in ipairs(arg_sets) do try(entry[1], entry[2], entry[3], a) end
  -- setup() is stateful: restore the test's options after each probe.
  if entry[1] == "leadnotes.setup" then leadnotes.setup({ notes_dir = NOTES }) end
end

-- Store methods.
if type(leadnotes.core.open) == "function" then
  local store = assert(leadnotes.core.open(NOTES))
  local meta = getmetatable(store)
  local methods = {}
  local index = type(meta) == "table" and meta.__index
  if type(index) == "table" then
    for name, fn in pairs(index) do
      if type(fn) == "function" and name ~= "close" then methods[#methods + 1] = name end
    end
  end
  table.sort(methods)
  note("METHODS\t" .. table.concat(methods, ","))
  for _, name in ipairs(methods) do
    local fn = index[name]
    for _, a in ipairs(arg_sets) do
      local with_self = { n = a.n + 1, store }
      for i = 1, a.n do with_self[i + 1] = a[i] end
      try("store:" .. name, name, fn, with_self, true)
      -- The method called on something that is not a store.
      if a.n == 0 then
        try("store." .. name .. "(not a store)", name, fn, { n = 1, io.stdout })
        try("store." .. name .. "(a table)", name, fn, { n = 1, {} })
        try("store." .. name .. "(no self)", name, fn, { n = 0 })
      end
    end
  end
  -- Closed: close twice, then every method must say the store is closed.
  note("CLOSE\t" .. tostring(pcall(store.close, store)))
  note("CLOSE2\t" .. tostring(pcall(store.close, store)))
  -- Arguments a method could take: the closed store must be what it
  -- complains about, not the arguments.
  local plausible = {
    { n = 1, store },
    { n = 2, store, "alice/2026-11-02-one-on-one.org" },
    { n = 3, store, "HEAD", "alice/2026-11-02-one-on-one.org" },
    { n = 3, store, "one-on-one", "Alice" },
    { n = 4, store, "HEAD", "HEAD", "alice/2026-11-02-one-on-one.org" },
  }
  for _, name in ipairs(methods) do
    local said, last = false, ""
    for _, a in ipairs(plausible) do
      local ok, err = pcall(call_as_method, name, a)
      err = tostring(err):gsub("[\r\n]", " ")
      if not ok and err:find("closed", 1, true) and err:find(name, 1, true) then said = true end
      if ok then last = "returned normally on a closed store" else last = err end
    end
    note((said and "CLOSEDOK\t" or "CLOSEDBAD\t") .. name .. "\t" .. last)
  end
  note("TOSTRING\t" .. tostring(store))
  -- __gc run by hand (as at collection) then used; __close likewise.
  local again = assert(leadnotes.core.open(NOTES))
  if meta.__gc then pcall(meta.__gc, again); pcall(meta.__gc, again) end
  local ok, err = pcall(call_as_method, index.people and "people" or "status", { n = 1, again })
  note("AFTERGC\t" .. tostring(ok) .. "\t" .. tostring(err):gsub("[\r\n]", " "))
  if meta.__close then
    local third = assert(leadnotes.core.open(NOTES))
    pcall(meta.__close, third, nil)
    ok, err = pcall(call_as_method, index.people and "people" or "status", { n = 1, third })
    note("AFTERCLOSE\t" .. tostring(ok) .. "\t" .. tostring(err):gsub("[\r\n]", " "))
  end
  -- A method kept after its store was collected: called on a fresh store
  -- it works, called on a collected one it cannot be (no reference left);
  -- stores opened and dropped in a loop must not crash the collector.
  local saved = index.people or index.status
  for _ = 1, 50 do local s = leadnotes.core.open(NOTES); s = nil end
  collectgarbage(); collectgarbage()
  local fresh = assert(leadnotes.core.open(NOTES))
  ok, err = pcall(saved, fresh)
  note("KEPTMETHOD\t" .. tostring(ok) .. "\t" .. tostring(err):gsub("[\r\n]", " "))
  fresh:close()
end

-- Compiled templates used after the module table is dropped.
if type(leadnotes.core.compile) == "function" then
  local compile = leadnotes.core.compile
  local t = compile("Hello {{name}}")
  package.loaded["leadnotes.core"] = nil
  collectgarbage(); collectgarbage()
  local ok, res = pcall(function() return t:render({ name = "x" }) end)
  note("COMPILED\t" .. tostring(ok) .. "\t" .. tostring(res))
  local cmeta = getmetatable(t)
  if type(cmeta) == "table" and type(cmeta.__index) == "table" and cmeta.__index.render then
    ok, res = pcall(cmeta.__index.render, io.stdout, {})
    note("COMPILEDSELF\t" .. tostring(ok) .. "\t" .. tostring(res):gsub("[\r\n]", " "))
  end
end

collectgarbage(); collectgarbage()
io.write(table.concat(out, "\n"), "\nDONE\n")
]==]

describe("hardening: Lua API misuse", function()
  local tmp, output, ok

  setup(function()
    tmp = H.tmpdir()
    local script = H.child_script(tmp, "misuse",
      "NOTES = " .. string.format("%q", tmp .. "/notes") .. "\n" ..
      "require('leadnotes').setup({ notes_dir = NOTES })\n" .. child_body)
    output, ok = H.capture("cd " .. H.quote(tmp) .. " && HOME=" .. H.quote(tmp) .. " LEADNOTES_DIR=" ..
      H.quote(tmp .. "/notes") .. " " .. H.quote(H.interp) .. " " .. H.quote(script))
  end)

  teardown(function() H.cleanup() end)

  it("every function called with wrong arguments returns or raises, the process never crashes", function()
    assert.is_true(ok, "the child died:\n" .. output:sub(-3000))
    assert.matches("\nDONE\n$", output)
  end)

  it("every error raised names the function that raised it", function()
    local anonymous = {}
    for line in output:gmatch("[^\n]+") do
      if line:match("^ERRANON") then anonymous[#anonymous + 1] = line end
    end
    assert.are.same({}, anonymous)
  end)

  it("tries a real number of functions and calls", function()
    local calls, functions = 0, {}
    for label in output:gmatch("\n?[A-Z]+\t([^\t\n]+)\t%(") do
      calls = calls + 1
      functions[label] = true
    end
    local n = 0
    for _ in pairs(functions) do n = n + 1 end
    assert.is_true(n >= 3, "only " .. n .. " functions found")
    assert.is_true(calls >= 50, "only " .. calls .. " calls")
  end)

  it("nothing fails to load", function()
    assert.is_nil(output:match("LOADFAIL[^\n]*"))
  end)

  it("a closed store says so, naming the method, for every method", function()
    assert.matches("METHODS\t[%w_,]+", output)
    assert.is_nil(output:match("CLOSEDBAD[^\n]*"))
    assert.matches("CLOSE\ttrue", output)
    assert.matches("CLOSE2\ttrue", output)
    assert.matches("AFTERGC\tfalse\t[^\n]*closed", output)
    assert.matches("KEPTMETHOD\ttrue", output)
  end)

  it("store methods called on something else than a store raise a named error", function()
    for line in output:gmatch("[^\n]+") do
      if line:match("^%u+\tstore%.[%w_]+%(") then
        assert.matches("^ERRNAMED", line)
      end
    end
  end)

  it("a compiled template outlives the module table", function()
    if not (H.core() and H.core().compile) then return pending("pending: core.compile not built") end
    assert.matches("COMPILED\ttrue\tHello x", output)
  end)
end)
