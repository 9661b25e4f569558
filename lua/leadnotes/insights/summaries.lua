-- leadnotes.insights.summaries: what one note says, read once. The reading
-- itself is C (ln_note_summary in plugin/note_summary.c); this file keys the
-- summaries by git blob id (cached_summary), in the process and in
-- <gitdir>/leadnotes/summaries between processes, and turns item texts
-- into the keys items are recognised by.
local M = {}

local file_text = require("leadnotes.files").read

local function core()
  return package.loaded["leadnotes.core"] or require("leadnotes").core
end

-- Counters for tests and benchmarks: how many notes were parsed and read.
M.stats = { parses = 0, reads = 0, history_reads = 0 }

local function read_file(path)
  local text = file_text(path)
  if text then M.stats.reads = M.stats.reads + 1 end
  return text
end

local function trim(s)
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

-- The key an action item is recognised by across notes: lower case, spaces
-- folded, without the annotations leadnotes itself adds when it carries an
-- item over ("(since 2026-01-05, carried 2×)", "[2026-01-05]").
local function item_key(text)
  local t = text:lower()
  if t:find("[%(%[%-\226]") then -- "(", "[", "-", or the first byte of an em/en dash
    t = t:gsub("%s*%b()%s*$", function(paren)
      if paren:find("carried", 1, true) or paren:find("since", 1, true) or paren:find("first", 1, true)
        or paren:find("^%(%d%d%d%d%-%d%d%-%d%d") then
        return ""
      end
    end)
    t = t:gsub("%s*[%-\226\128\147\148]+%s*carried.*$", "")
    t = t:gsub("%s*%[%d%d%d%d%-%d%d%-%d%d[^%]]*%]%s*$", "")
  end
  if t:find("%s%s") or t:find("[\t\r\n\v\f]") then t = t:gsub("%s+", " ") end
  return t:match("^%s*(.-)%s*$")
end
M._item_key = item_key

-- The text of an item as the manager wrote it, without carry annotations.
local function item_text(text)
  if not text:find("(", 1, true) then return trim(text) end
  local t = text:gsub("%s*%b()%s*$", function(paren)
    if paren:find("carried", 1, true) or paren:find("since", 1, true) then return "" end
  end)
  return trim(t)
end

local function split_lines(text)
  local lines = {}
  local cr = text:find("\r", 1, true)
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    lines[#lines + 1] = cr and (line:gsub("\r$", "")) or line
  end
  return lines
end

-- Markdown items keep what org keeps in a drawer in a trailing comment:
-- "- [ ] Send the plan <!-- id: 1f0e...; owner: Ana; due: 2026-01-20 -->".
-- Returns the text without it and its fields (lower-case keys).
local function markdown_fields(text)
  local before, body = text:match("^(.-)%s*<!%-%-(.-)%-%->%s*$")
  if not before then return text, {} end
  local fields = {}
  for part in body:gmatch("[^;]+") do
    local k, v = part:match("^%s*([%w_]+)%s*:%s*(.-)%s*$")
    if k then fields[k:lower()] = v end
  end
  if not fields.id and not fields.owner and not fields.due then return text, {} end
  return before, fields
end

-- What state an item is in: "open", "done", "cancelled", or "moved" (an
-- older copy that carry-over moved on: history, neither open nor closed).
local function item_state(it, markdown)
  if not it.keyword and (it.level or 0) > 0 then return "moved" end
  local kw = it.keyword and it.keyword:upper() or ""
  if kw == "CANCELLED" or kw == "CANCELED" then return "cancelled" end
  if markdown and kw == "[-]" then return "cancelled" end
  if it.open then return "open" end
  return "done"
end

-- The summary of one note's text: its action items (each once, by
-- identity: the ID when it has one, else its text's key), prompt ids,
-- whether it talks of career or training, its feedback and wins, and its
-- properties. The reading itself is C (ln_note_summarize in
-- plugin/note_summary.c): it runs once per note on a cold team view.
local function summarize(text, ext)
  M.stats.parses = M.stats.parses + 1
  local markdown = ext == "md"
  local r = core().note_summary(text, markdown)
  local s = { items = {}, prompts = r.prompts, career = r.career, feedback = r.feedback, wins = r.wins,
    received = r.received, blockers = r.blockers, career_lines = r.career_lines, concerns = r.concerns,
    properties = {} }
  local seen = {}
  for _, it in ipairs(r.items) do
    local raw, fields = it.text, {}
    if markdown or it.level == 0 then raw, fields = markdown_fields(raw) end
    local textkey = item_key(raw)
    local id = it.id or fields.id
    if textkey ~= "" or id then
      local key = id and ("id:" .. id) or textkey
      local prev = seen[key]
      local state = item_state(it, markdown)
      if prev then
        -- The same item twice in one note: open wins (it is still listed).
        if state == "open" then prev.open, prev.state = true, "open" end
      else
        local item = { key = key, textkey = textkey, id = id, text = item_text(raw), open = state == "open",
          state = state, line = it.line, level = it.level, keyword = it.keyword,
          owner = it.owner or fields.owner, deadline = it.deadline or fields.due, scheduled = it.scheduled,
          tags = it.tags, first_seen = it.first_seen or fields.since,
          carried = tonumber(it.carried or fields.carried or (raw:match("carried (%d+)"))) }
        seen[key] = item
        s.items[#s.items + 1] = item
      end
    end
  end
  for _, p in ipairs(r.properties) do
    local key = p[1]:upper()
    if s.properties[key] == nil then s.properties[key] = p[2] end
  end
  return s
end
M._summarize = summarize

-- Cache of summaries: a committed, unchanged note by its blob id; a note
-- that differs from HEAD (or may: its stat data changed) by its path and
-- stat signature, so that it too is read once until it changes again.
local cache = {}
local cache_size = 0
local CACHE_MAX = 200000

-- Summaries by blob id also live on disk, in <gitdir>/leadnotes/summaries
-- (plugin/summary_cache.c), so that a fresh process (each command line call,
-- each editor start) reads no unchanged note. SCHEMA changes whenever a
-- summary changes shape; the file's schema also holds a digest of this
-- file's source and the C summary's version (LN_NOTE_SUMMARY_VERSION), so a
-- new build never reads summaries an older one wrote. A damaged file, or
-- one written for another schema, is ignored and rewritten.
local SCHEMA = 1
local disk = { cache = nil, path = nil }
-- The store the file belongs to, held weakly: the cache does not keep a
-- closed editor's store alive.
local attached = setmetatable({}, { __mode = "v" })
M.stats.disk_hits = 0

local function schema()
  if disk.schema then return disk.schema end
  local digest = "?"
  local src = debug.getinfo(1, "S").source
  if src:sub(1, 1) == "@" then
    local f = io.open(src:sub(2), "rb")
    if f then
      local text = f:read("*a") or ""
      f:close()
      digest = core().hash_blob(text) or digest
    end
  end
  disk.schema = "lua" .. SCHEMA .. ":" .. digest
  return disk.schema
end

-- Uses store's on-disk cache from now on (the one reading opened). Opening
-- reads the file once; a failure leaves only the in-process cache.
function M.attach_store(store)
  if attached.store == store then return end
  M.flush_disk()
  if disk.cache then disk.cache:close() end
  attached.store, disk.cache, disk.path = store, nil, nil
  if os.getenv("LEADNOTES_NO_SUMMARY_CACHE") then return end
  local ok, c, path = pcall(core().summary_cache_open, store, schema())
  if ok and c then disk.cache, disk.path = c, path end
end

-- Writes the summaries computed since the last call. With prune (the whole
-- folder was just read), the file may be compacted to the summaries in use.
function M.flush_disk(prune)
  if disk.cache then pcall(disk.cache.flush, disk.cache, prune) end
end

local function disk_get(blob)
  local c = disk.cache
  if not c then return nil end
  local s = c:get(blob)
  if s then M.stats.disk_hits = M.stats.disk_hits + 1 end
  return s
end

local function disk_put(blob, s)
  if disk.cache then disk.cache:put(blob, s) end
end

local function cached_summary(dir, file, ext)
  local key
  if file.blob and not file.dirty then
    key = file.blob
  elseif file.stat then
    key = "stat:" .. file.path .. ":" .. file.stat
  end
  if key then
    local hit = cache[key] or (key == file.blob and disk_get(key))
    if hit then
      cache[key] = hit
      return hit
    end
  end
  local text = read_file(dir .. "/" .. file.path)
  if not text then return nil end
  -- A changed file may already be known by its content's blob id (it was
  -- committed, or changed back); it is remembered under that id too, so
  -- committing it later does not make it read again.
  local blob = key ~= file.blob and core().hash_blob(text) or nil
  local s = blob and (cache[blob] or disk_get(blob))
  if not s then
    s = summarize(text, ext)
    if key == file.blob then disk_put(key, s) elseif blob then disk_put(blob, s) end
  end
  if cache_size >= CACHE_MAX then cache, cache_size = {}, 0 end
  if key then cache[key] = s end
  if blob then cache[blob] = s end
  cache_size = cache_size + 2
  return s
end

-- Drops every cached summary, on disk too (a cold call reads every note).
function M.clear_cache()
  cache, cache_size = {}, 0
  if disk.cache then
    disk.cache:close()
    if disk.path then os.remove(disk.path) end
  end
  attached.store, disk.cache, disk.path = nil, nil, nil
end

M.core, M.read_file, M.trim, M.item_key, M.item_text, M.split_lines = core, read_file, trim, item_key, item_text, split_lines
M.summarize, M.cached_summary = summarize, cached_summary

return M
