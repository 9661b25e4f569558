-- leadnotes.insights.people: the profile of each report, kept in
-- <person>/profile.org (properties in the drawer of its first headline):
-- reading it, and writing fields into it with a commit.
local M = {}

local config = require("leadnotes.config")
local validate = require("leadnotes.validate")
local dates = require("leadnotes.insights.dates")
local summaries = require("leadnotes.insights.summaries")
local reading = require("leadnotes.insights.reading")
local names = require("leadnotes.insights.names")

local core, trim, split_lines = summaries.core, summaries.trim, summaries.split_lines
local summarize, read_file = summaries.summarize, summaries.read_file
local person_dir, day_of = reading.person_dir, dates.day_of

-- Profiles: <person>/profile.org, properties in the drawer of its first
-- headline.

local PROFILE_KEYS = {
  -- field     = { property, other names accepted when reading }
  role = { "ROLE", { "ROLE", "TITLE_ROLE", "POSITION" } },
  start_date = { "START_DATE", { "START_DATE", "START", "STARTED" } },
  cadence_days = { "CADENCE_DAYS", { "CADENCE_DAYS", "CADENCE", "ONE_ON_ONE_CADENCE" } },
  next_review = { "NEXT_REVIEW", { "NEXT_REVIEW", "REVIEW", "REVIEW_DATE" } },
  review_cadence_days = { "REVIEW_CADENCE_DAYS", { "REVIEW_CADENCE_DAYS", "REVIEW_CADENCE" } },
  name = { "NAME", { "NAME" } },
  level = { "LEVEL", { "LEVEL", "GRADE" } },
  status = { "STATUS", { "STATUS" } },
}
local PROFILE_ORDER = { "name", "role", "level", "status", "start_date", "cadence_days", "next_review",
  "review_cadence_days" }

-- The statuses a profile's STATUS may hold, by their canonical name, with
-- the spellings accepted.
local STATUSES = {
  onboarding = "onboarding", ["improvement-plan"] = "improvement-plan", pip = "improvement-plan",
  ["performance-plan"] = "improvement-plan", ["promotion-case"] = "promotion-case", promotion = "promotion-case",
  leaving = "leaving", ["notice-period"] = "leaving",
}
local function status_of(value)
  if type(value) ~= "string" then return nil end
  return STATUSES[(value:lower():gsub("[%s_]+", "-"))]
end
M.status_of = status_of

-- The name to show for a person: the profile's NAME, else its #+TITLE,
-- else the folder name with its dashes as spaces ("Dana-Demo" -> "Dana Demo").
local function display_name(summary, dirname)
  local props = summary and summary.properties or {}
  local name = props.NAME
  if (not name or name == "") and props.TITLE and props.TITLE ~= "" and props.TITLE ~= dirname then name = props.TITLE end
  if not name or name == "" then name = (dirname:gsub("%-", " ")) end
  return name
end
M.display_name = display_name

local function profile_from(summary, dirname)
  local props = summary and summary.properties or {}
  local out = { person = dirname }
  for field, spec in pairs(PROFILE_KEYS) do
    for _, key in ipairs(spec[2]) do
      if props[key] and props[key] ~= "" then out[field] = props[key] break end
    end
  end
  if out.start_date then out.start_date = out.start_date:match("%d%d%d%d%-%d%d%-%d%d") end
  if out.next_review then out.next_review = out.next_review:match("%d%d%d%d%-%d%d%-%d%d") end
  local cadence = tonumber(out.cadence_days and tostring(out.cadence_days):match("^%s*(%d+)"))
  if cadence and (cadence < 1 or cadence > 365) then cadence = nil end
  out.cadence_days = cadence or config.options.cadence_days or 14
  local review_cadence = tonumber(out.review_cadence_days and tostring(out.review_cadence_days):match("^%s*(%d+)"))
  if review_cadence and review_cadence < 1 then review_cadence = nil end
  out.review_cadence_days = review_cadence or config.options.review_cadence_days or 182
  out.status = status_of(out.status)
  out.exists = summary ~= nil
  out.display = display_name(summary, dirname)
  return out
end

local function profile_text(old, fields, dirname)
  local values = {}
  for _, field in ipairs(PROFILE_ORDER) do
    if fields[field] ~= nil then values[PROFILE_KEYS[field][1]] = tostring(fields[field]) end
  end
  if not old or old == "" then
    local lines = { "#+TITLE: " .. (fields.name or dirname), "", "* Profile", ":PROPERTIES:" }
    for _, field in ipairs(PROFILE_ORDER) do
      local key = PROFILE_KEYS[field][1]
      if values[key] then lines[#lines + 1] = string.format(":%s: %s", key, values[key]) end
    end
    lines[#lines + 1] = ":END:"
    lines[#lines + 1] = ""
    return table.concat(lines, "\n")
  end
  local lines = split_lines(old)
  if lines[#lines] == "" then lines[#lines] = nil end
  -- The first property drawer right under the first headline.
  local head, open_at, end_at
  for i, line in ipairs(lines) do
    if line:match("^%*+%s") then head = i break end
  end
  if head then
    local j = head + 1
    if lines[j] and trim(lines[j]):match("^[A-Z]+:%s*[<%[]") then j = j + 1 end
    if lines[j] and trim(lines[j]):upper() == ":PROPERTIES:" then
      open_at = j
      for k = j + 1, #lines do
        if trim(lines[k]):upper() == ":END:" then end_at = k break end
        if lines[k]:match("^%*+%s") then break end
      end
    end
  end
  if not end_at then
    -- No drawer: put a profile headline with one at the top.
    local new = profile_text(nil, fields, dirname)
    return new .. "\n" .. table.concat(lines, "\n") .. "\n"
  end
  local done = {}
  for k = open_at + 1, end_at - 1 do
    local key = trim(lines[k]):match("^:([%w_%-]+):")
    if key then
      key = key:upper()
      for _, field in ipairs(PROFILE_ORDER) do
        local spec = PROFILE_KEYS[field]
        for _, alias in ipairs(spec[2]) do
          if alias == key and values[spec[1]] and not done[spec[1]] then
            lines[k] = string.format(":%s: %s", spec[1], values[spec[1]])
            done[spec[1]] = true
          end
        end
      end
    end
  end
  local extra = {}
  for _, field in ipairs(PROFILE_ORDER) do
    local key = PROFILE_KEYS[field][1]
    if values[key] and not done[key] then extra[#extra + 1] = string.format(":%s: %s", key, values[key]) end
  end
  for i = #extra, 1, -1 do table.insert(lines, end_at, extra[i]) end
  return table.concat(lines, "\n") .. "\n"
end

-- store:profile(person [, fields]) -> profile | nil, message, code
-- Without fields: reads <person>/profile.org into {person=, name=, role=,
-- start_date=, cadence_days=, next_review=, exists=}. With fields: writes
-- those (others kept), commits the file, and returns the profile read back.
function M.profile(store, person, fields)
  if type(person) ~= "string" or person == "" then
    require("leadnotes.validate").arg_error("profile", 1, "person name expected")
  end
  if fields ~= nil and type(fields) ~= "table" then
    require("leadnotes.validate").arg_error("profile", 2, "table of fields expected")
  end
  if fields then
    local given = fields
    fields = {}
    for key, value in pairs(given) do
      if not PROFILE_KEYS[key] then validate.arg_error("profile", 2, "unknown field '" .. tostring(key) .. "'") end
      if (key == "start_date" or key == "next_review") and not validate.is_date(value) then
        validate.arg_error("profile", 2, key .. " must be YYYY-MM-DD: " .. validate.date_problem(value))
      end
      if key == "cadence_days" or key == "review_cadence_days" then
        local days, why = validate.whole(value, 1, key == "cadence_days" and 365 or 3650)
        if not days then validate.arg_error("profile", 2, key .. " (days) " .. why) end
        value = string.format("%d", days)
      end
      if tostring(value):find("%c") then validate.arg_error("profile", 2, key .. " must be one line of text") end
      if key == "status" and not status_of(tostring(value)) then
        validate.arg_error("profile", 2, "status must be onboarding, improvement plan, promotion case or leaving")
      end
      fields[key] = value
    end
  end
  local dirname, err = person_dir(store, person)
  if not dirname then return nil, err, "invalid" end
  local files, dir = core().team_files(store, dirname)
  if not files then return nil, dir end
  local path = dirname .. "/profile.org"
  local old
  for _, f in ipairs(files) do
    if f.path == path then old = read_file(dir .. "/" .. path) end
  end
  if fields and next(fields) ~= nil then
    if fields.name == nil and person ~= dirname and not (old and old:find("\n:NAME:", 1, true)) then
      -- The name as the manager typed it is kept: the folder name is a path.
      local copy = {}
      for k, v in pairs(fields) do copy[k] = v end
      copy.name = names.nfc((person:gsub("^%s+", ""):gsub("%s+$", "")))
      fields = copy
    end
    local text = profile_text(old, fields, dirname)
    local ok, werr, wcode = core().write_note(store, path, text)
    if not ok then return nil, werr, wcode end
    local commit, serr, scode = store:save(path, string.format("%s: profile", dirname))
    if commit == nil and serr then return nil, serr, scode end
    old = text
  end
  return profile_from(old and summarize(old, "org") or nil, dirname)
end

M.profile_from = profile_from

return M
