-- leadnotes.insights.capture: a line noted between meetings ("she unblocked
-- the release", "he said the planning meeting runs too long"), appended to
-- the person's log for the day, <person>/<YYYY-MM-DD>-log.org (.md), under
-- the section its kind names, and committed. The sections are the ones the
-- notes are read by, so an entry counts in the packet, the duty gaps and
-- the next one-on-one's context like anything written in a meeting.
local M = {}

local config = require("leadnotes.config")
local dates = require("leadnotes.insights.dates")
local summaries = require("leadnotes.insights.summaries")
local reading = require("leadnotes.insights.reading")
local profiles = require("leadnotes.insights.people")

local core, split_lines = summaries.core, summaries.split_lines

-- kind -> the section title the entry goes under.
local KINDS = {
  ["feedback-given"] = "Feedback given",
  ["feedback-received"] = "Feedback received",
  win = "Wins",
  concern = "Concerns",
  note = "Notes",
}
M.KINDS = KINDS
M.KIND_NAMES = "feedback-given, feedback-received, win, concern, note"
local ALIASES = { given = "feedback-given", feedback = "feedback-given", received = "feedback-received",
  wins = "win", concerns = "concern", notes = "note" }

-- The canonical kind for a name (accepting "feedback given", "wins"...), or nil.
function M.kind_of(name)
  if type(name) ~= "string" then return nil end
  local k = name:lower():gsub("[%s_]+", "-")
  if KINDS[k] then return k end
  return ALIASES[k]
end

-- Inserts "- entry" at the end of section `title` of the log's lines
-- (creating the section at the end when missing). Headlines are "* " in
-- org, "## " in Markdown.
local function insert_entry(lines, title, entry, markdown)
  local head = (markdown and "## " or "* ") .. title
  local at
  for i, line in ipairs(lines) do
    if line == head then at = i break end
  end
  if not at then
    while #lines > 0 and lines[#lines] == "" do lines[#lines] = nil end
    lines[#lines + 1] = ""
    lines[#lines + 1] = head
    lines[#lines + 1] = entry
    return
  end
  local j = at + 1
  while lines[j] and not lines[j]:match(markdown and "^#+%s" or "^%*+%s") do j = j + 1 end
  while j - 1 > at and lines[j - 1] == "" do j = j - 1 end
  table.insert(lines, j, entry)
end

-- leadnotes.capture(person, kind, text [, opts]) -> path (relative to the
-- notes folder), commit | nil, message, code
-- kind: feedback-given, feedback-received, win, concern, note. opts.date
-- (YYYY-MM-DD, default today) names the log; opts.store.
function M.capture(person, kind, text, opts)
  reading.check_person("capture", person)
  local k = M.kind_of(kind)
  if not k then
    require("leadnotes.validate").arg_error("capture", 2, "kind must be one of " .. M.KIND_NAMES .. ", got " .. tostring(kind))
  end
  if type(text) ~= "string" or text:match("^%s*$") then
    require("leadnotes.validate").arg_error("capture", 3, "the text to note is a non-empty string")
  end
  if opts ~= nil and type(opts) ~= "table" then require("leadnotes.validate").arg_error("capture", 4, "table expected") end
  opts = opts or {}
  local day = dates.check_date("capture", opts.date, 4)
  local store, err = reading.open_store(opts)
  if not store then return nil, err end
  local dirname, derr = reading.person_dir(store, person)
  if not dirname then return nil, derr, "invalid" end
  local markdown = (opts.format or config.options.format) == "markdown"
  local date = dates.date_of(day)
  local path = string.format("%s/%s-log.%s", dirname, date, markdown and "md" or "org")
  local files, root = core().team_files(store, dirname)
  if not files then return nil, root end
  local old
  for _, f in ipairs(files) do
    if f.path == path then old = summaries.read_file(root .. "/" .. path) end
  end
  local lines
  if old then
    lines = split_lines(old)
    if lines[#lines] == "" then lines[#lines] = nil end
  else
    local shown = profiles.display_name(nil, dirname)
    local prof = profiles.profile(store, dirname)
    if prof and prof.display then shown = prof.display end
    lines = markdown and { "# Log: " .. shown .. ", " .. date } or { "#+TITLE: Log: " .. shown .. ", " .. date }
  end
  -- One line: the note is a list entry, never a headline of its own.
  local clean = text:gsub("[\r\n]+", " "):gsub("^%s+", ""):gsub("%s+$", "")
  insert_entry(lines, KINDS[k], "- " .. os.date("%H:%M") .. " " .. clean, markdown)
  local new = table.concat(lines, "\n") .. "\n"
  local ok, werr, wcode = core().write_note(store, path, new)
  if not ok then return nil, werr, wcode end
  local commit, serr, scode = store:save(path, string.format("%s: log %s", dirname, date))
  if commit == nil and serr then return nil, serr, scode end
  return path, commit
end

-- What was captured about the person after `since` up to `day` (days
-- since the epoch): { {date=, kind=, text=} } oldest first, for the next
-- one-on-one's context.
function M.since(store, dirname, since, day)
  local people = reading.load_notes(store, dirname)
  local p = people and people[dirname]
  local out = {}
  local lists = { { "feedback", "feedback given" }, { "received", "feedback received" }, { "wins", "win" },
    { "concerns", "concern" } }
  for _, note in ipairs(p and p.notes or {}) do
    if note.kind == "log" and note.day > since and note.day <= day then
      for _, l in ipairs(lists) do
        for _, line in ipairs(note.summary[l[1]] or {}) do
          out[#out + 1] = { date = note.date, kind = l[2], text = line:gsub("^%d%d:%d%d%s+", "") }
        end
      end
    end
  end
  return out
end

return M
