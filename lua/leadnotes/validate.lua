-- leadnotes.validate: the one place that decides whether a value a user or
-- a caller gave is acceptable: calendar dates, whole numbers in a range, and
-- option tables whose keys must all be known. A value is refused, never
-- guessed: 2026-02-30 is not read as March 2nd.
local M = {}

local DAYS_IN_MONTH = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

local function leap(y)
  return (y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0
end

-- True when y-m-d is a day of the calendar (years 1 to 9999: there is no
-- year 0 in a date a person writes).
function M.valid_ymd(y, m, d)
  if type(y) ~= "number" or type(m) ~= "number" or type(d) ~= "number" then return false end
  if y < 1 or y > 9999 or m < 1 or m > 12 or d < 1 then return false end
  local last = DAYS_IN_MONTH[m]
  if m == 2 and leap(y) then last = 29 end
  return d <= last
end

-- year, month, day of the string "YYYY-MM-DD" when it names a real day,
-- else nil.
function M.ymd(s)
  if type(s) ~= "string" then return nil end
  local y, m, d = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  if not y then return nil end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if not M.valid_ymd(y, m, d) then return nil end
  return y, m, d
end

-- True when s is "YYYY-MM-DD" naming a real day.
function M.is_date(s)
  return M.ymd(s) ~= nil
end

-- Why s is not a date, for a message: "'2026-02-30' is not a day of the
-- calendar", "'soon' is not YYYY-MM-DD".
function M.date_problem(s)
  if type(s) ~= "string" then return "a " .. type(s) .. " is not a date (YYYY-MM-DD)" end
  if not s:match("^%d%d%d%d%-%d%d%-%d%d$") then return "'" .. s .. "' is not a date (YYYY-MM-DD)" end
  if M.ymd(s) then return nil end
  return "'" .. s .. "' is not a day of the calendar"
end

-- Raises a caller's mistake in Lua's own words, as luaL_argerror does:
-- "bad argument #argn to 'fn' (problem)". level as for error(), default 3
-- (the caller of the function that checks).
function M.arg_error(fn, argn, problem, level)
  error(string.format("bad argument #%d to '%s' (%s)", argn, fn, problem), level or 3)
end

-- The date argument argn of fn: returned when valid, else a Lua error
-- naming fn (a caller's mistake). level as for error(), default 3.
function M.date(fn, value, argn, level)
  local problem = M.date_problem(value)
  if problem then M.arg_error(fn, argn or 1, problem, (level or 3) + 1) end
  return value
end

-- value as a whole number between lo and hi, or nil and why not. Numbers
-- written as strings ("14") are accepted; nan, inf, 1e+18 and 1.5 are not.
function M.whole(value, lo, hi)
  local n = value
  if type(n) == "string" then n = n:match("^%s*[+-]?%d+%s*$") and tonumber(n) or nil end
  if type(n) ~= "number" or n ~= n or n == math.huge or n == -math.huge or n ~= math.floor(n) then
    return nil, string.format("must be a whole number from %d to %d, got %s", lo, hi,
      type(value) == "string" and ("'" .. value .. "'") or tostring(value))
  end
  if n < lo or n > hi then
    return nil, string.format("must be a whole number from %d to %d, got %s", lo, hi, tostring(value))
  end
  return math.floor(n)
end

-- Raises "bad argument #argn to '<fn>' (unknown option '<key>' (known: a,
-- b, c))" when opts, argument argn of fn, holds a key that is not in
-- allowed (a list of names). opts may be nil.
function M.keys(fn, opts, allowed, argn)
  if type(opts) ~= "table" then return opts end
  local known = {}
  for _, name in ipairs(allowed) do known[name] = true end
  for key in pairs(opts) do
    if not known[key] then
      local names = {}
      for i, name in ipairs(allowed) do names[i] = name end
      table.sort(names)
      M.arg_error(fn, argn, string.format("unknown option '%s' (known: %s)", tostring(key),
        table.concat(names, ", ")), 4)
    end
  end
  return opts
end

return M
