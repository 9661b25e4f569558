-- leadnotes.templates: finds the note templates, fills their context and
-- renders them with the C Mustache engine (leadnotes.core).
--
--   templates([format])                  -> { {name=, format=, source="user"|"builtin", path=}, ... }
--   fields(kind [, opts])                -> { {key=, question=, default=}, ... } | nil, message, code
--   render(kind, person, values [, opts]) -> text, cursor | nil, message, code
--
-- cursor is {line=, col=}: line 1-based, col a 0-based byte offset (what
-- Neovim's nvim_win_set_cursor takes); the {{cursor}} mark is removed.
--
-- Lookup: config.options.templates_dir first, then <root>/templates/<format>/
-- (format "org" -> .org, "markdown" -> .md). A user template may extend a
-- built-in with Mustache inheritance; inside a user "one-on-one.org",
-- {{<one-on-one}} means the built-in one (a template never includes itself).
--
-- Asked fields are Mustache comments, so they vanish from the output in
-- every format:  {{! ask period "Review period?" "{half_year}" }}
-- A {name} in a default is replaced by that field of the date context.
local M = {}

local config = require("leadnotes.config")

-- The mark {{cursor}} renders as before it is found and removed.
local CURSOR = "\1leadnotes-cursor\1"
local EXTENSIONS = { org = "org", markdown = "md" }
local WEEKDAYS = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" }
-- Context keys that asked values may not replace.
local RESERVED = {
  person = true, date = true, date_iso = true, weekday = true, year = true, quarter = true,
  half_year = true, next_week = true, next_week_iso = true, next_half_end = true, next_half_end_iso = true, manager = true, cursor = true,
  kind = true, format = true, open_items = true, nudges = true, prompt = true,
  previous_meeting = true, previous_meeting_ts = true, has_open_items = true, has_nudges = true,
  packet = true, packet_from = true, captured = true,
}

local function leadnotes() return require("leadnotes") end
local function core() return leadnotes().core end

local function check_name(fn, value, what, argn)
  if type(value) ~= "string" or not value:match("^[%w][%w_%-]*$") then
    require("leadnotes.validate").arg_error(fn, argn, string.format("%s must be a template name like 'one-on-one', got %s",
      what, type(value) == "string" and ("'" .. value .. "'") or type(value)), 4)
  end
end

local function format_of(opts)
  local format = (opts and opts.format) or config.options.format or "org"
  if not EXTENSIONS[format] then
    error("leadnotes.templates: format must be 'org' or 'markdown', got " .. tostring(format), 3)
  end
  return format
end

local read_file = require("leadnotes.files").read

local function builtin_dir(format)
  return leadnotes().root .. "/templates/" .. format
end

local function user_dir()
  local dir = config.options.templates_dir
  if type(dir) ~= "string" or dir == "" then return nil end
  if dir:sub(1, 2) == "~/" and os.getenv("HOME") then dir = os.getenv("HOME") .. dir:sub(2) end
  return dir
end

-- The template `name` in `format`: the user's first unless builtin_only.
local function find(name, format, builtin_only)
  local file = name .. "." .. EXTENSIONS[format]
  local dir = user_dir()
  if dir and not builtin_only then
    local path = dir .. "/" .. file
    local text = read_file(path)
    if text then return { name = name, format = format, source = "user", path = path, text = text } end
  end
  local path = builtin_dir(format) .. "/" .. file
  local text = read_file(path)
  if text then return { name = name, format = format, source = "builtin", path = path, text = text } end
  return nil
end

-- Resolves partial and parent names while rendering `top`: a user template
-- that names itself means the built-in of that name.
local function resolver(top, format)
  return function(name)
    if type(name) ~= "string" or not name:match("^[%w][%w_%-]*$") then return nil end
    local t = find(name, format, top.source == "user" and name == top.name)
    return t and t.text or nil
  end
end

---------------------------------------------------------------------------
-- Dates

local function parse_iso(iso)
  local y, m, d = require("leadnotes.validate").ymd(iso) -- 2026-02-30 is refused, not read as March 2nd
  if not y then return nil end
  return os.time({ year = y, month = m, day = d, hour = 12 })
end

local function iso_of(t) return os.date("%Y-%m-%d", t) end

-- <2026-11-28 Sat> (active) or [2026-11-28 Sat] (inactive); English day
-- names, as org-mode writes them in the C locale.
local function org_timestamp(t, inactive)
  local stamp = iso_of(t) .. " " .. WEEKDAYS[os.date("*t", t).wday]
  if inactive then return "[" .. stamp .. "]" end
  return "<" .. stamp .. ">"
end

local function add_days(t, n)
  local d = os.date("*t", t)
  return os.time({ year = d.year, month = d.month, day = d.day + n, hour = 12 })
end

-- The fields every template sees that come from the date alone.
local function date_context(date_iso)
  local t = parse_iso(date_iso)
  local d = os.date("*t", t)
  local next_week = add_days(t, 7)
  -- The last day of the half-year after this one (goals for the next period).
  local half_end = os.time({ year = d.month <= 6 and d.year or d.year + 1,
    month = d.month <= 6 and 12 or 6, day = d.month <= 6 and 31 or 30, hour = 12 })
  return {
    date = org_timestamp(t),
    date_iso = iso_of(t),
    weekday = WEEKDAYS[d.wday],
    year = tostring(d.year),
    quarter = string.format("%d-Q%d", d.year, math.floor((d.month - 1) / 3) + 1),
    half_year = string.format("%d-H%d", d.year, d.month <= 6 and 1 or 2),
    next_week = org_timestamp(next_week),
    next_week_iso = iso_of(next_week),
    -- The last day of the half-year after this one (goals for the next period).
    next_half_end = org_timestamp(half_end),
    next_half_end_iso = iso_of(half_end),
  }
end

local function check_date(fn, date, argn)
  if date == nil then return os.date("%Y-%m-%d") end
  local problem = require("leadnotes.validate").date_problem(date)
  if problem or not parse_iso(date) then
    require("leadnotes.validate").arg_error(fn, argn, "date must be a day as YYYY-MM-DD: "
      .. (problem or ("'" .. date .. "' is out of range")), 4)
  end
  return date
end

---------------------------------------------------------------------------
-- Asked fields

-- {{! ask key "Question?" "default" }}, one per comment, default optional.
local function asks_in(text)
  local out = {}
  for body in text:gmatch("{{!%s*ask%s+(.-)}}") do
    local key, rest = body:match("^([%w_]+)%s+(.*)$")
    local question, after = (rest or ""):match('^"([^"]*)"%s*(.*)$')
    if key and question then
      out[#out + 1] = { key = key, question = question, default = after:match('^"([^"]*)"') or "" }
    end
  end
  return out
end

-- The asked fields of a template and of the parents it extends.
local function collect_asks(top, format)
  local out, seen_keys, visited = {}, {}, {}
  local resolve = resolver(top, format)
  local function walk(text, depth)
    if depth > 16 then return end
    for _, f in ipairs(asks_in(text)) do
      if not seen_keys[f.key] then
        seen_keys[f.key] = true
        out[#out + 1] = f
      end
    end
    for parent in text:gmatch("{{<%s*([%w_%-]+)%s*}}") do
      if not visited[parent] then
        visited[parent] = true
        local ptext = resolve(parent)
        if ptext then walk(ptext, depth + 1) end
      end
    end
  end
  visited[top.name] = top.source ~= "user"
  walk(top.text, 0)
  return out
end

local function expand_default(default, base)
  return (default:gsub("{([%w_]+)}", function(key)
    local v = base[key]
    if type(v) == "string" or type(v) == "number" then return tostring(v) end
  end))
end

---------------------------------------------------------------------------
-- The context

-- Where the manager's name comes from. opts.manager, then the option; the
-- store may later offer the git identity (store:identity()), used when it
-- exists. Replaceable: leadnotes.templates.manager_name = function(opts) ... end
function M.manager_name(opts)
  if opts and type(opts.manager) == "string" then return opts.manager end
  if type(config.options.manager) == "string" then return config.options.manager end
  local store = opts and opts.store
  if store then
    local ok, index = pcall(function() return getmetatable(store).__index end)
    if ok and type(index) == "table" and type(index.identity) == "function" then
      local ok2, name = pcall(index.identity, store)
      if ok2 and type(name) == "table" then name = name.name end
      if ok2 and type(name) == "string" then return name end
    end
  end
  return ""
end

local function person_dir(person, opts)
  local store = opts and opts.store
  if store then
    local ok, dir = pcall(function() return store:person_dir(person) end)
    if ok and type(dir) == "string" then return dir end
  end
  local c = core()
  if type(c.person_dir) == "function" then
    local ok, dir = pcall(c.person_dir, person)
    if ok and type(dir) == "string" then return dir end
  end
  local slug = person:lower():gsub("[^%w]+", "-"):gsub("^%-+", ""):gsub("%-+$", "")
  return slug
end

local function insights_context(kind, person, date_iso, opts)
  local ok, insights = pcall(require, "leadnotes.insights")
  if not ok or type(insights) ~= "table" or type(insights.template_context) ~= "function" then return {} end
  local ok2, extra = pcall(insights.template_context, kind, person, date_iso, opts)
  if ok2 and type(extra) == "table" then return extra end
  local warn = leadnotes().warn
  if not ok2 and warn then warn("(leadnotes) the notes could not be read for the template: " .. tostring(extra)) end
  return {}
end

-- Adds to each open item what the templates print: since (an inactive
-- timestamp when first_seen is a date) and carried_label ("carried 3×").
local function decorate_items(items)
  local out = {}
  for _, item in ipairs(type(items) == "table" and items or {}) do
    if type(item) == "table" then
      local copy = {}
      for k, v in pairs(item) do copy[k] = v end
      local t = type(item.first_seen) == "string" and parse_iso(item.first_seen)
      copy.since = t and org_timestamp(t, true) or item.first_seen or ""
      local carried = tonumber(item.carried)
      copy.carried_label = (carried and carried > 0) and string.format("carried %d×", carried) or ""
      out[#out + 1] = copy
    end
  end
  return out
end

local function build_context(kind, person, values, opts, format, date_iso, top)
  local ctx = date_context(date_iso)
  ctx.kind = kind
  ctx.format = format
  ctx.person = { name = person, dir = person_dir(person, opts), role = "" }
  ctx.manager = M.manager_name(opts)
  ctx.open_items, ctx.nudges, ctx.prompt, ctx.previous_meeting, ctx.previous_meeting_ts = {}, {}, "", "", ""

  local extra = insights_context(kind, person, date_iso, opts)
  if type(extra.person) == "table" then
    for k, v in pairs(extra.person) do
      if k ~= "name" and k ~= "dir" then ctx.person[k] = v end
    end
  end
  if type(extra.role) == "string" then ctx.person.role = extra.role end
  -- The person as the profile names them, in the folder that was found.
  if type(extra.display_name) == "string" and extra.display_name ~= "" then ctx.person.name = extra.display_name end
  if type(extra.person_dir) == "string" and extra.person_dir ~= "" then ctx.person.dir = extra.person_dir end
  ctx.open_items = decorate_items(extra.open_items)
  if type(extra.nudges) == "table" then ctx.nudges = extra.nudges end
  if type(extra.prompt) == "table" and extra.prompt.text then ctx.prompt = extra.prompt end
  -- An evaluation's review packet (org text, level-3 headlines) and the
  -- day its period starts; "" when there is none.
  -- What was captured since the last one-on-one: { {date=, kind=, text=} }.
  ctx.captured = type(extra.captured) == "table" and extra.captured or {}
  ctx.packet = type(extra.packet) == "string" and extra.packet or ""
  ctx.packet_from = type(extra.packet_from) == "string" and extra.packet_from or ""
  if type(extra.previous_meeting) == "string" and extra.previous_meeting ~= "" then
    ctx.previous_meeting = extra.previous_meeting
    local t = parse_iso(extra.previous_meeting)
    ctx.previous_meeting_ts = t and org_timestamp(t, true) or extra.previous_meeting
  end

  for _, f in ipairs(collect_asks(top, format)) do
    if not RESERVED[f.key] then ctx[f.key] = expand_default(f.default, ctx) end
  end
  for k, v in pairs(values or {}) do
    if type(k) == "string" and not RESERVED[k] then ctx[k] = v end
  end
  ctx.has_open_items = #ctx.open_items > 0
  ctx.has_nudges = #ctx.nudges > 0
  ctx.cursor = CURSOR
  return ctx
end

---------------------------------------------------------------------------
-- The API

-- Every template for a format (default: the configured one): the user's,
-- then the built-ins they do not override, sorted by name.
function M.templates(format)
  if format ~= nil and type(format) ~= "string" then
    require("leadnotes.validate").arg_error("templates", 1, "format must be 'org', 'markdown' or nil, got " .. type(format))
  end
  format = format_of({ format = format })
  local ext = "." .. EXTENSIONS[format]
  local out, seen = {}, {}
  local function add(dir, source)
    local files = dir and core().template_files(dir)
    for _, file in ipairs(files or {}) do
      if file:sub(-#ext) == ext then
        local name = file:sub(1, -#ext - 1)
        if name:match("^[%w][%w_%-]*$") and not seen[name] then
          seen[name] = true
          out[#out + 1] = { name = name, format = format, source = source, path = dir .. "/" .. file }
        end
      end
    end
  end
  add(user_dir(), "user")
  add(builtin_dir(format), "builtin")
  table.sort(out, function(a, b) return a.name < b.name end)
  return out
end

-- The fields a template asks for, defaults filled for today (or opts.date).
function M.fields(kind, opts)
  check_name("fields", kind, "kind", 1)
  if opts ~= nil and type(opts) ~= "table" then
    require("leadnotes.validate").arg_error("fields", 2, "opts must be a table or nil, got " .. type(opts))
  end
  require("leadnotes.validate").keys("fields", opts, { "date", "format", "store" }, 2)
  local format = format_of(opts)
  local top = find(kind, format)
  if not top then
    return nil, string.format("(leadnotes) no %s template '%s'", format, kind), "not found"
  end
  local base = date_context(check_date("fields", opts and opts.date, 2))
  local out = {}
  for _, f in ipairs(collect_asks(top, format)) do
    out[#out + 1] = { key = f.key, question = f.question, default = expand_default(f.default, base) }
  end
  return out
end

local function cursor_of(text)
  local at = text:find(CURSOR, 1, true)
  if not at then return text, { line = 1, col = 0 } end
  local before = text:sub(1, at - 1)
  local line = 1
  for _ in before:gmatch("\n") do line = line + 1 end
  local last_nl = before:match(".*()\n")
  local col = last_nl and (#before - last_nl) or #before
  local plain = text:gsub("\1leadnotes%-cursor\1", "")
  return plain, { line = line, col = col }
end

-- Renders template `kind` for `person` (a display name). values: the asked
-- fields (and any extra variables); opts: date (YYYY-MM-DD), manager,
-- format, store (used to name the person's folder and read their notes).
function M.render(kind, person, values, opts)
  check_name("render", kind, "kind", 1)
  if type(person) ~= "string" or person:match("^%s*$") then
    require("leadnotes.validate").arg_error("render", 2, "person must be a non-empty string, got " .. type(person))
  end
  if values ~= nil and type(values) ~= "table" then
    require("leadnotes.validate").arg_error("render", 3, "values must be a table or nil, got " .. type(values))
  end
  if opts ~= nil and type(opts) ~= "table" then
    require("leadnotes.validate").arg_error("render", 4, "opts must be a table or nil, got " .. type(opts))
  end
  opts = require("leadnotes.validate").keys("render", opts or {}, { "date", "format", "manager", "store" }, 4)
  local format = format_of(opts)
  local date_iso = check_date("render", opts.date or (values and values.date), 4)
  local top = find(kind, format)
  if not top then
    return nil, string.format("(leadnotes) no %s template '%s' (looked in %s%s)", format, kind,
      user_dir() and (user_dir() .. " and ") or "", builtin_dir(format)), "not found"
  end
  local ctx = build_context(kind, person, values, opts, format, date_iso, top)
  local c = core()
  local ok, out = pcall(function()
    local file = top.path:match("([^/]+)$") or top.name
    return c.compile(top.text, file):render(ctx, resolver(top, format), { escape = "none" })
  end)
  if not ok then
    return nil, "(leadnotes) " .. tostring(out), "invalid"
  end
  local text, cursor = cursor_of(out)
  return text, cursor
end

M.CURSOR_MARK = CURSOR

return M
