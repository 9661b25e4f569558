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

local dates = require("leadnotes.insights.dates")
local summaries = require("leadnotes.insights.summaries")
local reading = require("leadnotes.insights.reading")
local people = require("leadnotes.insights.people")
local items = require("leadnotes.insights.items")
local team = require("leadnotes.insights.team")
local packet = require("leadnotes.insights.packet")
local prompts = require("leadnotes.insights.prompts")
local context = require("leadnotes.insights.context")
local capture = require("leadnotes.insights.capture")

M.stats = summaries.stats

M.profile = people.profile
M.carry_over, M.items, M.settle = items.carry_over, items.items, items.settle
M.items_lines = items.lines
M.team, M.nudges = team.team, team.nudges
M.packet = packet.packet
M.bank, M.prompt = prompts.bank, prompts.prompt
M.template_context = context.template_context
M.capture = capture.capture

-- Drops every cached summary and entry (tests use it to measure a cold call).
function M.clear_cache()
  summaries.clear_cache()
  team.clear_cache()
end

-- For tests.
M._day_of, M._date_of = dates.day_of, dates.date_of
M._note_info = reading.note_info
M._item_key, M._summarize = summaries.item_key, summaries.summarize

return M
