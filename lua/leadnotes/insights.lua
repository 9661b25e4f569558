-- leadnotes.insights: what the notes tell the manager. Everything here is
-- computed from the notes and their git history when asked: no state of its
-- own besides a cache of parsed notes keyed by git blob id.
--
-- One file per concept, under lua/leadnotes/insights/:
--   dates.lua      days since the epoch, date arguments
--   summaries.lua  what one note says (C reading), cached by blob id
--   reading.lua    the one reading of the notes: store, files, history
--   people.lua     profiles (store:profile)
--   items.lua      action items and carry-over
--   text.lua       display width, aligned columns
--   team.lua       team view and nudges
--   packet.lua     the review packet
--   prompts.lua    prompt bank and choice
--   context.lua    what a new note's template shows
--   capture.lua    a line noted between meetings, in the person's log
--   names.lua      names as typed: NFC, the lookup key
--
-- Public: prompt, bank, carry_over, items, settle, capture, nudges, team, packet, profile (also the
-- store method store:profile), template_context (for leadnotes.templates).
local M = {}

-- Each function is loaded with its module on first use, so a fresh
-- process that only asks for the team view loads only what that needs.
local exports = {
  stats = { "summaries", "stats" },
  profile = { "people", "profile" },
  carry_over = { "items", "carry_over" }, items = { "items", "items" }, settle = { "items", "settle" },
  items_lines = { "items", "lines" },
  team = { "team", "team" }, nudges = { "team", "nudges" },
  packet = { "packet", "packet" },
  bank = { "prompts", "bank" }, prompt = { "prompts", "prompt" },
  template_context = { "context", "template_context" },
  capture = { "capture", "capture" },
  -- For tests.
  _day_of = { "dates", "day_of" }, _date_of = { "dates", "date_of" },
  _note_info = { "reading", "note_info" },
  _item_key = { "summaries", "item_key" }, _summarize = { "summaries", "summarize" },
}
setmetatable(M, {
  __index = function(t, key)
    local where = exports[key]
    if not where then return nil end
    local value = require("leadnotes.insights." .. where[1])[where[2]]
    rawset(t, key, value)
    return value
  end,
})

-- Drops every cached summary and entry (tests use it to measure a cold call).
function M.clear_cache()
  require("leadnotes.insights.summaries").clear_cache()
  require("leadnotes.insights.team").clear_cache()
end

return M
