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

local CONTEXTS = {
  ["one-on-one"] = "one-on-one", one_on_one = "one-on-one", ["1on1"] = "one-on-one",
  evaluation = "evaluation", review = "evaluation",
  weekly = "weekly", ["weekly-reflection"] = "weekly", reflection = "weekly",
  onboarding = "onboarding", ["first-months"] = "onboarding",
}

-- What the notes say for choosing a person's prompt on `day`: ids shown
-- in the PROMPT_MEMORY days before, whether career went untalked of for
-- CAREER_WINDOW days, whether the report started within ONBOARDING_WINDOW.
local function prompt_signals(store, person, day)
  local dirname = person_dir(store, person)
  if not dirname then return {} end
  local people = load_notes(store, dirname)
  local p = people and people[dirname]
  local sig = { seen = {}, career_gap = true, onboarding = false }
  if not p then return sig end
  for _, note in ipairs(p.notes) do
    if note.day < day then
      if note.day >= day - PROMPT_MEMORY then
        for _, id in ipairs(note.summary.prompts) do sig.seen[#sig.seen + 1] = id end
      end
      if note.day >= day - CAREER_WINDOW and note.summary.career then sig.career_gap = false end
    end
  end
  local prof = profile_from(p.profile, dirname)
  local start = day_of(prof.start_date)
  if start and day >= start and day - start < ONBOARDING_WINDOW then sig.onboarding = true end
  return sig
end

-- leadnotes.prompt({context=, person=, date=, store=}) -> {id=, text=,
-- duties=, kind=, contexts=, reason=} | nil, message
function M.prompt(opts)
  if opts ~= nil and type(opts) ~= "table" then
    error("prompt: bad argument #1 (table expected, got " .. type(opts) .. ")", 2)
  end
  opts = validate.keys("prompt", opts or {}, { "context", "date", "person", "store" })
  local context = opts.context or "one-on-one"
  if not CONTEXTS[context] then
    error("prompt: unknown context '" .. tostring(context) .. "' (one-on-one, evaluation, weekly, onboarding)", 2)
  end
  context = CONTEXTS[context]
  if opts.person ~= nil and type(opts.person) ~= "string" then
    error("prompt: person must be a string", 2)
  end
  local day = check_date("prompt", opts.date, 1)
  local bank, berr, bcode = M.bank()
  if not bank then return nil, berr, bcode end
  local query = { context = context, person = opts.person, date = date_of(day),
    seen = {}, prefer_duties = {}, prefer_contexts = {} }
  local reasons = {}
  if context == "evaluation" then reasons[#reasons + 1] = "evaluation" end
  if opts.person and opts.person ~= "" then
    local store = opts.store
    if store == nil then store = open_store(opts) end
    if store then
      local sig = prompt_signals(store, opts.person, day)
      query.seen = sig.seen or {}
      if sig.onboarding then
        query.prefer_contexts[1] = "onboarding"
        reasons[#reasons + 1] = "onboarding"
      end
      if sig.career_gap and context ~= "evaluation" then
        query.prefer_duties[1] = "training"
        reasons[#reasons + 1] = "career gap"
      end
    end
  end
  local p, err, code = bank:select(query)
  if not p then return nil, err, code end
  p.reason = table.concat(reasons, ", ")
  return p
end


M.CONTEXTS = CONTEXTS

return M
