-- leadnotes.insights.dates: days since 1970-01-01 from YYYY-MM-DD and back,
-- in integers (no time zones, no os.time; LuaJIT has no // so math.floor it
-- is), and the date argument check every public insight function shares.
local M = {}

local floor = math.floor
local validate = require("leadnotes.validate")

local function days_from_civil(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

local function civil_from_days(z)
  z = z + 719468
  local era = floor(z / 146097)
  local doe = z - era * 146097
  local yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365)
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100))
  local mp = floor((5 * doy + 2) / 153)
  local d = doy - floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then y = y + 1 end
  return y, m, d
end

-- Days since the epoch for "YYYY-MM-DD" (or an org timestamp holding one),
-- or nil when it is not a real date.
local function day_of(s)
  if type(s) ~= "string" then return nil end
  local y, m, d = s:match("(%d%d%d%d)%-(%d%d)%-(%d%d)")
  if not y then return nil end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if not validate.valid_ymd(y, m, d) then return nil end -- 2026-02-30, year 0
  return days_from_civil(y, m, d)
end

local function date_of(n)
  local y, m, d = civil_from_days(n)
  return string.format("%04d-%02d-%02d", y, m, d)
end

local function today()
  return os.date("%Y-%m-%d")
end

-- The day (local time) of a commit time in seconds since the epoch.
local function day_of_time(t)
  return day_of(os.date("%Y-%m-%d", t))
end

-- The date argument of a public function: nil means today; anything else
-- must be YYYY-MM-DD (a caller's mistake raises, naming fn).
local function check_date(fn, value, argn)
  if value == nil then return day_of(today()) end
  return day_of(validate.date(fn, value, argn, 4))
end

M._day_of, M._date_of = day_of, date_of

M.floor = floor
M.day_of, M.date_of, M.today, M.day_of_time, M.check_date = day_of, date_of, today, day_of_time, check_date

return M
