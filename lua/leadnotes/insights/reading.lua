-- leadnotes.insights.reading: the one reading of the notes that every
-- insight is computed from. Opens the store, lists a person's notes with
-- their summaries (files as the working tree has them, summaries from
-- leadnotes.insights.summaries) and walks a person's git history.
local M = {}

local config = require("leadnotes.config")
local dates = require("leadnotes.insights.dates")
local summaries = require("leadnotes.insights.summaries")
local names = require("leadnotes.insights.names")

local core = summaries.core
local day_of, day_of_time = dates.day_of, dates.day_of_time
local cached_summary, summarize = summaries.cached_summary, summaries.summarize

-- The store.

-- The configured folder's store is kept open between calls (opening one
-- costs more than a warm team view).
local default_store = { dir = nil, store = nil }

local function open_store(opts)
  if type(opts) == "table" and opts.store ~= nil then return opts.store end
  local dir = config.notes_dir()
  if default_store.store and default_store.dir == dir then return default_store.store end
  local ok, notes = pcall(require, "leadnotes.notes")
  if not ok then return nil, "(leadnotes) the notes store is not available: " .. tostring(notes) end
  -- Reading never creates the notes folder: a missing one is "no notes yet".
  local store, err, code = notes.open(dir, { create = false })
  if not store then return nil, err, code end
  default_store.dir, default_store.store = dir, store
  return store
end

-- A person's folder name from a display name or a folder name, the name
-- in NFC first. An
-- existing folder whose name folds to the same key (case, accents, NFD
-- marks, spaces and dashes aside: leadnotes.insights.names) is that
-- person's, so one person never gets two folders.
local function person_dir(store, person)
  if type(store.person_dir) ~= "function" then return person end
  local dir, err = store:person_dir(names.nfc(person))
  if not dir then return nil, err end
  -- The top-level folders (one readdir, no file read).
  local ok, folders = pcall(function() return store:people() end)
  if ok and type(folders) == "table" then
    local want, found = names.fold(dir), nil
    for _, f in ipairs(folders) do
      if f == dir then return dir end
      if not found and f:sub(1, 1) ~= "." and names.fold(f) == want then found = f end
    end
    if found then return found end
  end
  return dir
end

-- "alice/2026-03-02-one-on-one-2.org" -> {person=, date=, day=, kind=, seq=, ext=}
local function note_info(path)
  local person, file = path:match("^([^/]+)/([^/]+)$")
  if not person then return nil end
  local date, rest, ext = file:match("^(%d%d%d%d%-%d%d%-%d%d)%-?(.-)%.(%w+)$")
  if not date or (ext ~= "org" and ext ~= "md") or not day_of(date) then return nil end
  local seq = tonumber(rest:match("%-(%d+)$")) or 1
  local kind = rest:gsub("%-%d+$", "")
  if kind == "" then kind = "note" end
  return { path = path, person = person, date = date, day = day_of(date), kind = kind, seq = seq, ext = ext }
end
M._note_info = note_info

local function note_order(a, b)
  if a.day ~= b.day then return a.day < b.day end
  if a.seq ~= b.seq then return a.seq < b.seq end
  return a.path < b.path
end
-- Every note of every person (or of one folder), summarised:
-- people[dir] = { notes = {info..., summary=}, profile = summary|nil }.
local function load_notes(store, under)
  local files, dir = core().team_files(store, under)
  if not files then return nil, dir end
  summaries.attach_store(store)
  local people = {}
  local function person(name)
    local p = people[name]
    if not p then
      p = { dir = name, notes = {} }
      people[name] = p
    end
    return p
  end
  for _, file in ipairs(files) do
    local pname, base = file.path:match("^([^/]+)/([^/]+)$")
    if pname and pname:sub(1, 1) ~= "." then
      if base == "profile.org" then
        person(pname).profile = cached_summary(dir, file, "org")
      else
        local info = note_info(file.path)
        if info then
          info.summary = cached_summary(dir, file, info.ext)
          if info.summary then
            local notes = person(pname).notes
            notes[#notes + 1] = info
          end
        end
      end
    end
  end
  summaries.flush_disk(under == nil)
  for _, p in pairs(people) do table.sort(p.notes, note_order) end
  return people, dir
end

-- The person's history, each note as each commit left it.
local history_cache = {}
local history_cache_size = 0

local function commit_summary(store, id, path, ext)
  local key = id .. ":" .. path
  local s = history_cache[key]
  if s ~= nil then return s or nil end
  local text = store:show(id, path)
  summaries.stats.history_reads = summaries.stats.history_reads + 1
  if type(text) == "string" then s = summarize(text, ext) else s = false end
  if history_cache_size > 50000 then history_cache, history_cache_size = {}, 0 end
  history_cache[key] = s
  history_cache_size = history_cache_size + 1
  return s or nil
end

-- Walks the person's history oldest first; calls visit(commit_day, info,
-- summary, commit) for every note a commit changed. visit returns true to
-- stop.
local function walk_history(store, dirname, visit)
  local hist, err = store:history(dirname)
  if not hist then return nil, err end
  for i = #hist, 1, -1 do
    local c = hist[i]
    local day = day_of_time(c.time)
    local paths = c.paths or {}
    table.sort(paths)
    for _, path in ipairs(paths) do
      local info = note_info(path)
      if info and info.person == dirname then
        local s = commit_summary(store, c.id, path, info.ext)
        if s and visit(day, info, s, c) then return true end
      end
    end
  end
  return true
end

local function check_person(fn, person)
  if type(person) ~= "string" or person == "" then
    require("leadnotes.validate").arg_error(fn, 1, "person name expected, got " .. type(person), 4)
  end
end


M.open_store, M.person_dir, M.note_info, M.load_notes = open_store, person_dir, note_info, load_notes
M.walk_history, M.check_person = walk_history, check_person

return M
