-- leadnotes.insights.prompts: the prompt bank (built-in, the user's, minus
-- the disabled ones) and the choice of a leadership prompt for a person.
local M = {}

local config = require("leadnotes.config")
local validate = require("leadnotes.validate")
local file_text = require("leadnotes.files").read
local dates = require("leadnotes.insights.dates")
local summaries = require("leadnotes.insights.summaries")
local reading = require("leadnotes.insights.reading")
local profiles = require("leadnotes.insights.people")

local core = summaries.core
local day_of, date_of, check_date = dates.day_of, dates.date_of, dates.check_date
local open_store, person_dir, load_notes = reading.open_store, reading.person_dir, reading.load_notes
local profile_from = profiles.profile_from

local CAREER_WINDOW = 90     -- days without career talk before it is a gap
local ONBOARDING_WINDOW = 90 -- days after a report's start date
local PROMPT_MEMORY = 30     -- days a prompt is not shown again to the same person
M.CAREER_WINDOW = CAREER_WINDOW

local bank_cache = { signature = nil, bank = nil }

local function builtin_bank_path()
  local root = require("leadnotes").root or "."
  return root .. "/templates/prompts.org"
end

-- The bank: the built-in (or the user's templates_dir/prompts.org, which
-- replaces it by name), plus prompts_file, minus disabled_prompts.
function M.bank()
  local o = config.options
  local base = builtin_bank_path()
  if o.templates_dir and file_text(o.templates_dir .. "/prompts.org") then
    base = o.templates_dir .. "/prompts.org"
  end
  local disabled = {}
  for _, id in ipairs(o.disabled_prompts or {}) do disabled[#disabled + 1] = tostring(id) end
  local signature = table.concat({ base, o.prompts_file or "", table.concat(disabled, ",") }, "\0")
  local texts = { file_text(base) or "" }
  if o.prompts_file then
    local user = file_text(o.prompts_file)
    if not user then return nil, "(leadnotes) cannot read prompts_file " .. o.prompts_file, "not found" end
    texts[2] = user
  end
  local whole = table.concat(texts, "\0")
  if bank_cache.signature == signature and bank_cache.text == whole then return bank_cache.bank end
  local bank = core().prompts_new()
  local ok, err = bank:add(texts[1])
  if not ok then return nil, "(leadnotes) prompt bank " .. base .. ": " .. tostring(err), "parse" end
  if texts[2] then
    ok, err = bank:add(texts[2])
    if not ok then return nil, "(leadnotes) prompts_file " .. o.prompts_file .. ": " .. tostring(err), "parse" end
  end
  for _, id in ipairs(disabled) do bank:disable(id) end
  bank_cache = { signature = signature, text = whole, bank = bank }
  return bank
end

-- The context names, as help texts and messages list them; CONTEXTS also
-- takes the spellings after them.
M.CONTEXT_NAMES = "one-on-one, evaluation, weekly, onboarding"
local CONTEXTS = {
  ["one-on-one"] = "one-on-one", one_on_one = "one-on-one", ["1on1"] = "one-on-one",
  evaluation = "evaluation", review = "evaluation",
  weekly = "weekly", ["weekly-reflection"] = "weekly", reflection = "weekly",
  onboarding = "onboarding", ["first-months"] = "onboarding",
}

-- The prompts about the manager's own first months as a manager, as
-- opposed to a new report's onboarding (both are tagged onboarding).
local MANAGER_OWN = {
  ["onboarding-01"] = true, ["onboarding-02"] = true, ["onboarding-03"] = true, ["onboarding-04"] = true,
  ["onboarding-05"] = true, ["onboarding-06"] = true, ["onboarding-07"] = true, ["onboarding-09"] = true,
}
M.MANAGER_OWN = MANAGER_OWN

local function has(list, name)
  for _, v in ipairs(list or {}) do if v == name then return true end end
  return false
end

-- What the notes and the profile say of a person on `day`: ids shown in
-- the PROMPT_MEMORY days before; career_gap (no career talk for
-- CAREER_WINDOW days); onboarding (STATUS onboarding, or started within
-- ONBOARDING_WINDOW days); first (no one-on-one before); concern (STATUS
-- improvement plan, or a Concern / Performance section with content);
-- status; junior (LEVEL says junior, intern, or 1-2).
local function situation_of(p, day)
  -- A career gap needs notes going back the whole window.
  local first_day = p.notes[1] and p.notes[1].day
  local sit = { seen = {}, career_gap = first_day ~= nil and first_day <= day - CAREER_WINDOW, onboarding = false,
    first = true, concern = false }
  for _, note in ipairs(p.notes) do
    if note.day < day then
      if note.day >= day - PROMPT_MEMORY then
        for _, id in ipairs(note.summary.prompts) do sit.seen[#sit.seen + 1] = id end
      end
      if note.day >= day - CAREER_WINDOW and note.summary.career then sit.career_gap = false end
      if note.kind == "one-on-one" then sit.first = false end
    end
    if note.day <= day and #(note.summary.concerns or {}) > 0 then sit.concern = true end
  end
  local prof = profile_from(p.profile, p.dir)
  sit.status = prof.status
  local start = day_of(prof.start_date)
  if sit.status == "onboarding" or (start and day >= start and day - start < ONBOARDING_WINDOW) then
    sit.onboarding = true
  end
  if sit.status == "improvement-plan" then sit.concern = true end
  local level = prof.level and prof.level:lower() or ""
  local n = tonumber(level:match("(%d+)"))
  sit.junior = level:find("junior", 1, true) ~= nil or level:find("intern", 1, true) ~= nil or (n ~= nil and n <= 2)
  return sit
end

-- The situation of the whole team, for the manager's own prompts (weekly,
-- first months): any report with a concern, any report onboarding.
local function team_situation(store, day)
  local team = { concern = false, onboarding = false }
  local people = store and load_notes(store)
  for _, p in pairs(people or {}) do
    local sit = situation_of(p, day)
    if sit.concern then team.concern = true end
    if sit.onboarding then team.onboarding = true end
  end
  return team
end

-- Whether prompt p fits: the context, the person's situation (sit, nil for
-- the manager's own prompts) and the team's. The rules:
--   - firing: never in a first one-on-one, only with a recorded concern or
--     an improvement plan (for the weekly prompt: someone's on the team);
--   - promotion: never during an improvement plan or a notice period;
--   - hiring: only with an open role (option open_roles), but for a new
--     report's onboarding prompts while they are onboarding;
--   - the manager's own first months only in the onboarding context
--     without a person; a new report's onboarding only for someone
--     onboarding (weekly: someone on the team is).
local function fits(p, context, sit, team)
  if has(p.duties, "firing") then
    if sit and (sit.first or not sit.concern) then return false end
    if not sit and not team.concern then return false end
  end
  if p.text:lower():find("promot", 1, true) and sit
    and (sit.status == "improvement-plan" or sit.status == "leaving") then
    return false
  end
  local onboarding_tagged = has(p.contexts, "onboarding")
  if has(p.duties, "hiring") and (tonumber(config.options.open_roles) or 0) < 1 then
    if not (onboarding_tagged and not MANAGER_OWN[p.id] and ((sit and sit.onboarding) or (not sit and team.onboarding))) then
      return false
    end
  end
  if MANAGER_OWN[p.id] then return context == "onboarding" and sit == nil end
  if context == "onboarding" and sit == nil then return false end
  if onboarding_tagged then
    if sit then return sit.onboarding end
    return team.onboarding
  end
  return true
end
M._fits = fits

-- A number from a string, the same on every run and machine.
local function hash(s)
  return tonumber(core().hash_blob(s):sub(1, 7), 16)
end

-- leadnotes.prompt({context=, person=, date=, store=}) -> {id=, text=,
-- duties=, kind=, contexts=, reason=} | nil, message
-- The prompt fits the person (see fits above, and the preferences: a new
-- report's onboarding, a career gap, a junior level, the status) and was
-- not shown to them in the last 30 days. The weekly prompt (the manager's
-- own reflection) goes round the prompts that fit, one a week, so none
-- comes back within 30 days while the team's situation stays the same.
function M.prompt(opts)
  if opts ~= nil and type(opts) ~= "table" then
    require("leadnotes.validate").arg_error("prompt", 1, "table expected, got " .. type(opts))
  end
  opts = validate.keys("prompt", opts or {}, { "context", "date", "person", "store" }, 1)
  local context = opts.context or "one-on-one"
  if not CONTEXTS[context] then
    error("prompt: unknown context '" .. tostring(context) .. "' (" .. M.CONTEXT_NAMES .. ")", 2)
  end
  context = CONTEXTS[context]
  if opts.person ~= nil and type(opts.person) ~= "string" then
    error("prompt: person must be a string", 2)
  end
  local day = check_date("prompt", opts.date, 1)
  local bank, berr, bcode = M.bank()
  if not bank then return nil, berr, bcode end
  local store = opts.store
  if store == nil then store = open_store(opts) end
  local person = opts.person ~= "" and opts.person or nil
  local sit
  if person then
    local dirname = store and person_dir(store, person)
    local people = dirname and load_notes(store, dirname)
    sit = situation_of(people and people[dirname] or { dir = dirname or person, notes = {} }, day)
  end
  local team = sit and { concern = false, onboarding = false } or team_situation(store, day)

  local query = { context = context, person = person, date = date_of(day),
    seen = {}, prefer_duties = {}, prefer_contexts = {} }
  local reasons = {}
  if context == "evaluation" then reasons[#reasons + 1] = "evaluation" end
  if sit then
    if sit.onboarding then
      query.prefer_contexts[1] = "onboarding"
      reasons[#reasons + 1] = "onboarding"
    end
    if sit.status == "improvement-plan" then
      query.prefer_duties[#query.prefer_duties + 1] = "monitoring"
      reasons[#reasons + 1] = "improvement plan"
    elseif sit.status == "promotion-case" then
      query.prefer_duties[#query.prefer_duties + 1] = "evaluating"
      reasons[#reasons + 1] = "promotion case"
    elseif sit.status == "leaving" then
      query.prefer_duties[#query.prefer_duties + 1] = "planning"
      reasons[#reasons + 1] = "leaving"
    elseif (sit.career_gap or sit.junior) and not sit.onboarding and context ~= "evaluation" then
      query.prefer_duties[#query.prefer_duties + 1] = "training"
      reasons[#reasons + 1] = sit.career_gap and "career gap" or "junior level"
    end
  end

  local allowed, banned = {}, {}
  for _, p in ipairs(bank:list()) do
    if p.enabled ~= false then
      if fits(p, context, sit, team) then allowed[#allowed + 1] = p else banned[#banned + 1] = p.id end
    end
  end
  if #allowed == 0 then return nil, "(leadnotes) no prompt fits this situation", "not found" end
  local banned_set = {}
  for _, id in ipairs(banned) do banned_set[id] = true end

  local chosen
  if context == "weekly" and not sit then
    -- One a week, in turn: the prompts that fit, in an order of their own.
    local weekly = {}
    for _, p in ipairs(allowed) do if has(p.contexts, "weekly") then weekly[#weekly + 1] = p end end
    if #weekly == 0 then weekly = allowed end
    table.sort(weekly, function(a, b)
      local ha, hb = hash(a.id), hash(b.id)
      if ha ~= hb then return ha < hb end
      return a.id < b.id
    end)
    local week = math.floor((day + 3) / 7) -- weeks since the Monday before 1970-01-01
    chosen = bank:get(weekly[week % #weekly + 1].id)
    reasons[#reasons + 1] = "weekly"
  else
    local seen = {}
    for _, id in ipairs(banned) do seen[#seen + 1] = id end
    for _, id in ipairs(sit and sit.seen or {}) do seen[#seen + 1] = id end
    query.seen = seen
    local p, err, code = bank:select(query)
    if not p then return nil, err, code end
    if banned_set[p.id] then
      -- Every fitting prompt was shown lately: the least bad is a repeat.
      query.seen = banned
      p = bank:select(query)
    end
    if not p or banned_set[p.id] then
      p = bank:get(allowed[hash((person or "") .. context .. date_of(day)) % #allowed + 1].id)
    end
    chosen = p
  end
  chosen.reason = table.concat(reasons, ", ")
  return chosen
end

M.CONTEXTS = CONTEXTS

return M
