-- leadnotes for Neovim (0.7 and newer): the :Lead subcommands, their
-- completion, the history / team / nudges buffers, the prompt window and the
-- commit on write. Loaded by plugin/leadnotes.lua on first use; everything
-- that decides what goes into a note is in the editor-neutral layer.
local M = {}

local common = require("leadnotes.editor.common")
local api = vim.api

local function notify(msg, level)
  msg = tostring(msg):gsub("^%(leadnotes%)%s*", "")
  vim.notify("(leadnotes) " .. common.printable(msg, true), level or vim.log.levels.ERROR)
end
M.notify = notify

-- Asks yes or no; tests replace it. Returns true for yes.
function M.confirm(question)
  return vim.fn.confirm(question, "&Yes\n&No", 2) == 1
end

-- The notes folder, absolute, without a trailing slash.
function M.notes_dir()
  local dir = vim.fn.fnamemodify(common.notes_dir(), ":p")
  return (dir:gsub("/+$", ""))
end

-- What only reads never creates the notes folder (a missing one is "no
-- notes yet"); writing commands open it with the defaults.
local READ_ONLY = { create = false }

local function store(opts)
  local api_table, err = common.api()
  if not api_table then notify(err) return nil end
  api_table.warn = api_table.warn or function(msg) notify(msg, vim.log.levels.WARN) end
  local s, msg, code = common.store(M.notes_dir(), opts)
  -- "no notes yet" (a read on a missing folder) is news, not an error
  if not s then notify(msg, code == "not found" and vim.log.levels.INFO or nil) end
  return s
end

local function feature(name)
  local fn, err = common.feature(name)
  if not fn then notify(err) end
  return fn
end

-- A scratch buffer in a new window, filled with lines, not modifiable.
local function scratch(name, lines, filetype, opts)
  opts = opts or {}
  local existing = vim.fn.bufnr("^" .. vim.fn.escape(name, "\\/.*$^~[]") .. "$")
  if existing > 0 and api.nvim_buf_is_valid(existing) then
    pcall(api.nvim_buf_delete, existing, { force = true })
  end
  if opts.here then vim.cmd("enew") else vim.cmd((opts.split or "botright") .. " new") end
  local buf = api.nvim_get_current_buf()
  api.nvim_buf_set_option(buf, "buftype", "nofile")
  api.nvim_buf_set_option(buf, "bufhidden", opts.bufhidden or "wipe")
  api.nvim_buf_set_option(buf, "swapfile", false)
  api.nvim_buf_set_name(buf, name)
  api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  if filetype then api.nvim_buf_set_option(buf, "filetype", filetype) end
  api.nvim_buf_set_option(buf, "modifiable", false)
  api.nvim_buf_set_option(buf, "readonly", true)
  vim.keymap.set("n", "q", "<cmd>close<cr>", { buffer = buf, nowait = true, desc = "leadnotes: close" })
  return buf
end

local function filetype_of(path)
  if path:match("%.org$") then return "org" end
  if path:match("%.md$") then return "markdown" end
  return nil
end

-- Asks the template's fields one after another with vim.ui.input, then
-- calls done(values); a cancelled question cancels the whole command.
local function ask_fields(kind, done)
  local values = {}
  local fields_fn = common.feature("fields")
  local fields = fields_fn and common.call(fields_fn, kind) or {}
  if type(fields) ~= "table" then fields = {} end
  local i = 0
  local function next_field()
    i = i + 1
    local f = fields[i]
    if not f then return done(values) end
    vim.ui.input({ prompt = (f.question or f.key) .. " ", default = f.default and tostring(f.default) or nil }, function(answer)
      if answer == nil then notify("cancelled", vim.log.levels.INFO) return end
      if answer == "" and f.default ~= nil then answer = tostring(f.default) end
      values[f.key] = answer
      next_field()
    end)
  end
  next_field()
end

-- Asks for the person when none was given.
local function with_person(person, done)
  if person then return done(person) end
  vim.ui.input({ prompt = "Person: " }, function(answer)
    if answer and answer:match("%S") then done((answer:gsub("^%s+", ""):gsub("%s+$", ""))) end
  end)
end

local function set_cursor(win, line, col)
  local buf = api.nvim_win_get_buf(win)
  local count = api.nvim_buf_line_count(buf)
  line = math.max(1, math.min(line, count))
  local text = api.nvim_buf_get_lines(buf, line - 1, line, false)[1] or ""
  pcall(api.nvim_win_set_cursor, win, { line, math.max(0, math.min(col, #text)) })
end

local read_file = require("leadnotes.files").read

-- Notes made by :Lead one-on-one / evaluation and not written since, by
-- buffer: { path =, text = what new_note wrote, folder = the person's
-- folder when new_note made it }.
local fresh = {}

-- A fresh note abandoned without a write (:q!, :bwipeout!) leaves nothing
-- behind: its file goes, and its person's folder when the note made it and
-- it is empty. Only a file still holding exactly what new_note wrote, and
-- that no commit knows, is removed: a note someone wrote is never lost.
local function drop_if_abandoned(buf)
  local f = fresh[buf]
  fresh[buf] = nil
  if not f or read_file(f.path) ~= f.text then return end
  local s = common.store(M.notes_dir())
  local commits = s and common.method(s, "history", f.path, { limit = 1 })
  if type(commits) ~= "table" or #commits > 0 then return end
  os.remove(f.path)
  if f.folder then vim.loop.fs_rmdir(f.folder) end
end

-- A write of that path, from any buffer, keeps it.
local function keep_written(path)
  for buf, f in pairs(fresh) do
    if vim.fn.resolve(f.path) == vim.fn.resolve(path) then fresh[buf] = nil end
  end
end

-- :Lead one-on-one {person} / :Lead evaluation {person}
function M.new_note(kind, person)
  local s = store()
  if not s then return end
  with_person(person, function(name)
    ask_fields(kind, function(values)
      local folder = common.method(s, "person_dir", name)
      folder = folder and common.absolute(folder, M.notes_dir())
      local made_folder = folder and not vim.loop.fs_stat(folder)
      local path, cursor = common.method(s, "new_note", kind, name, values)
      if not path then notify(cursor) return end
      path = common.absolute(path, M.notes_dir())
      local text = read_file(path)
      vim.cmd("edit " .. vim.fn.fnameescape(path))
      local buf = api.nvim_get_current_buf()
      if text then
        fresh[buf] = { path = path, text = text, folder = made_folder and folder or nil }
        api.nvim_create_autocmd("BufUnload", {
          buffer = buf, once = true, callback = function() drop_if_abandoned(buf) end,
        })
      end
      if type(cursor) == "table" and cursor.line then
        set_cursor(0, cursor.line, cursor.col or 0)
      end
    end)
  end)
end

-- :Lead insert {kind} {person}: the filled template at the cursor.
function M.insert(kind, person)
  local render = feature("render")
  if not render then return end
  with_person(person, function(name)
    ask_fields(kind, function(values)
      local text, cursor = common.call(render, kind, name, values, { store = common.store(M.notes_dir()) })
      if not text then notify(cursor) return end
      -- A clean insert: the template on lines of its own, the text before
      -- and after the cursor kept on theirs, the cursor on the mark.
      local win = api.nvim_get_current_win()
      local buf = api.nvim_get_current_buf()
      local row, col = unpack(api.nvim_win_get_cursor(win))
      local line = api.nvim_buf_get_lines(buf, row - 1, row, false)[1] or ""
      -- In normal mode the cursor is on a character: the text is put before it.
      local lines, at, at_col = common.insert_plan(line, col, text, type(cursor) == "table" and cursor or nil)
      api.nvim_buf_set_lines(buf, row - 1, row, false, lines)
      set_cursor(win, row + at - 1, at_col)
    end)
  end)
end

-- The note of the current buffer, absolute, when it is under the notes folder.
local function current_note()
  local file = api.nvim_buf_get_name(0)
  if file == "" then return nil end
  file = vim.fn.resolve(vim.fn.fnamemodify(file, ":p"))
  local dir = vim.fn.resolve(M.notes_dir())
  if common.relative(file, dir) then return file end
  return nil
end

-- Per history buffer: the commits and the path each line stands for.
local histories = {}

local function history_entry(buf)
  local h = histories[buf]
  if not h then return nil end
  local row = api.nvim_win_get_cursor(0)[1]
  local c = h.commits[row - h.first + 1]
  if not c then notify("put the cursor on a commit line", vim.log.levels.WARN) return nil end
  local path = h.path
  if not path and type(c.paths) == "table" then
    for _, p in ipairs(c.paths) do
      if p:match("%.org$") or p:match("%.md$") then path = p break end
    end
    path = path or c.paths[1]
  end
  if not path then notify("that commit names no file") return nil end
  return c, common.absolute(path, M.notes_dir()), h
end

local function open_version(buf)
  local c, path = history_entry(buf)
  if not c then return end
  local s = store(READ_ONLY)
  if not s then return end
  local text, err = common.method(s, "show", c.id, path)
  if not text then notify(err) return end
  local rel = common.relative(path, M.notes_dir()) or path
  local short = c.short or c.id:sub(1, 7)
  scratch("leadnotes://" .. short .. "/" .. rel, common.lines(text), filetype_of(path), { split = "aboveleft" })
  vim.b.leadnotes_revision = c.id
end

local function show_diff(buf)
  local c, path = history_entry(buf)
  if not c then return end
  local s = store(READ_ONLY)
  if not s then return end
  local text, err = common.method(s, "diff", c.id .. "^", c.id, path)
  if not text then
    -- The first commit of a note has no parent: show it against the file now.
    text, err = common.method(s, "diff", c.id, nil, path)
  end
  if not text then notify(err) return end
  local rel = common.relative(path, M.notes_dir()) or path
  local lines = text == "" and { "(no change to " .. rel .. " in " .. (c.short or c.id) .. ")" } or common.lines(text)
  scratch("leadnotes://diff/" .. (c.short or c.id:sub(1, 7)) .. "/" .. rel, lines, "diff", { split = "aboveleft" })
end

-- Reloads the buffers showing path after it changed on disk.
local function reload(path)
  for _, b in ipairs(api.nvim_list_bufs()) do
    if api.nvim_buf_is_loaded(b) and vim.fn.resolve(api.nvim_buf_get_name(b)) == vim.fn.resolve(path) then
      if api.nvim_buf_get_option(b, "modified") then
        notify(path .. " has unsaved changes in a buffer: not reloaded", vim.log.levels.WARN)
      else
        api.nvim_buf_call(b, function() vim.cmd("silent edit!") end)
      end
    end
  end
end

local function restore_version(buf)
  local c, path, h = history_entry(buf)
  if not c then return end
  local rel = common.relative(path, M.notes_dir()) or path
  if not M.confirm(string.format("Restore %s as it was in %s?", rel, c.short or c.id)) then return end
  local s = store()
  if not s then return end
  -- By the short id, which the restore commit's subject names; the full id
  -- when the short one does not resolve (an ambiguous prefix).
  local commit, err = common.method(s, "restore", c.short or c.id, path)
  if commit == nil and err and c.short then commit, err = common.method(s, "restore", c.id, path) end
  if commit == nil and err then notify(err) return end
  notify(string.format("restored %s from %s", rel, c.short or c.id), vim.log.levels.INFO)
  reload(path)
  M.history(h.target, { here = true })
end

-- :Lead history [{person}]: the commits of a person, or of the current note.
function M.history(target, opts)
  opts = opts or {}
  local s = store(READ_ONLY)
  if not s then return end
  local path
  if not target then
    path = current_note()
    if not path then notify("give a person (:Lead history {person}) or open a note in the notes folder") return end
    target = path
  elseif common.is_absolute(target) then
    path = target
  end
  local commits, err = common.method(s, "history", target, {})
  if not commits then notify(err) return end
  local label = path and (common.relative(path, M.notes_dir()) or path) or target
  local lines = {
    "History of " .. label .. "  (<CR> open version, d diff, r restore, q close)",
  }
  for _, c in ipairs(commits) do lines[#lines + 1] = common.history_line(c) end
  if #commits == 0 then lines[#lines + 1] = "(no commits yet)" end
  if opts.here then pcall(vim.cmd, "close") end
  local buf = scratch("leadnotes://history/" .. label, lines, "leadnotes-history", { bufhidden = "hide" })
  histories[buf] = { commits = commits, first = 2, path = path, target = target }
  api.nvim_create_autocmd("BufWipeout", { buffer = buf, once = true, callback = function() histories[buf] = nil end })
  local function map(key, fn, desc)
    vim.keymap.set("n", key, function() fn(buf) end, { buffer = buf, nowait = true, desc = "leadnotes: " .. desc })
  end
  map("<CR>", open_version, "open this version read-only")
  map("d", show_diff, "show what this commit changed")
  map("r", restore_version, "restore this version")
  if #commits > 0 then set_cursor(0, 2, 0) end
  return buf
end

local function revision_command(kind, rev)
  local path = current_note()
  if not path then notify("open a note in the notes folder first") return end
  local s = store()
  if not s then return end
  local rel = common.relative(path, M.notes_dir()) or path
  if kind == "show" then
    if not rev then notify("which revision? :Lead show {rev}") return end
    local text, err = common.method(s, "show", rev, path)
    if not text then notify(err) return end
    scratch("leadnotes://" .. rev .. "/" .. rel, common.lines(text), filetype_of(path), { split = "aboveleft" })
  elseif kind == "diff" then
    if not rev then
      local ids = {}
      for _, c in ipairs(common.method(s, "history", path, { limit = 2 }) or {}) do
        ids[#ids + 1] = c.short or (c.id or ""):sub(1, 7)
      end
      rev = common.diff_default(ids)
    end
    local text, err = common.method(s, "diff", rev, nil, path)
    if not text then notify(err) return end
    scratch("leadnotes://diff/" .. rev .. "/" .. rel, common.diff_lines(text), "diff", { split = "aboveleft" })
  elseif kind == "restore" then
    if not rev then notify("which revision? :Lead restore {rev}") return end
    if not M.confirm(string.format("Restore %s as it was in %s?", rel, rev)) then return end
    local commit, err = common.method(s, "restore", rev, path)
    if commit == nil and err then notify(err) return end
    reload(path)
    notify(string.format("restored %s from %s", rel, rev), vim.log.levels.INFO)
  end
end

-- Lines wrapped to width, for the prompt window.
local function wrap(lines, width)
  local out = {}
  for _, line in ipairs(lines) do
    local current = ""
    for word in line:gmatch("%S+") do
      if current ~= "" and #current + 1 + #word > width then
        out[#out + 1] = current
        current = word
      else
        current = current == "" and word or (current .. " " .. word)
      end
    end
    out[#out + 1] = current
  end
  return out
end

-- :Lead prompt: a prompt in a floating window (q or <Esc> closes it).
function M.prompt(person)
  local prompt = feature("prompt")
  if not prompt then return end
  -- a prompt needs no notes: a missing folder only means no history to use
  common.store(M.notes_dir(), READ_ONLY)
  local context = "one-on-one"
  local p, err = common.call(prompt, { context = context, person = person })
  if not p then notify(err or "no prompt found") return end
  local width = math.min(60, math.max(20, vim.o.columns - 8))
  local lines = wrap(common.prompt_lines(p), width - 2)
  local buf = api.nvim_create_buf(false, true)
  api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  api.nvim_buf_set_option(buf, "modifiable", false)
  api.nvim_buf_set_option(buf, "bufhidden", "wipe")
  local height = #lines
  local win = api.nvim_open_win(buf, true, {
    relative = "editor", style = "minimal", border = "rounded",
    width = width, height = height,
    row = math.max(0, math.floor((vim.o.lines - height) / 2) - 1),
    col = math.max(0, math.floor((vim.o.columns - width) / 2)),
  })
  api.nvim_win_set_option(win, "wrap", true)
  for _, key in ipairs({ "q", "<Esc>" }) do
    vim.keymap.set("n", key, function() pcall(api.nvim_win_close, win, true) end, { buffer = buf, nowait = true })
  end
  return win
end

-- :Lead team: one row per report; <CR> opens that person's history.
function M.team()
  local team = feature("team")
  if not team then return end
  if not store(READ_ONLY) then return end
  local list, err = common.call(team)
  if not list then notify(err) return end
  local lines = { "Team  (<CR> history of that person, q close)" }
  for _, line in ipairs(common.team_lines(list)) do lines[#lines + 1] = line end
  local buf = scratch("leadnotes://team", lines, "leadnotes-team")
  vim.keymap.set("n", "<CR>", function()
    local entry = list[api.nvim_win_get_cursor(0)[1] - 2]
    if entry then M.history(entry.dir or entry.person) end
  end, { buffer = buf, nowait = true, desc = "leadnotes: history of this person" })
  return buf
end

-- :Lead nudges: what needs attention.
function M.nudges()
  local nudges = feature("nudges")
  if not nudges then return end
  if not store(READ_ONLY) then return end
  local list, err = common.call(nudges)
  if not list then notify(err) return end
  local lines = { "Nudges  (q close)" }
  for _, line in ipairs(common.nudge_lines(list)) do lines[#lines + 1] = line end
  if #list == 0 then lines[#lines + 1] = "Nothing needs your attention." end
  return scratch("leadnotes://nudges", lines, "leadnotes-nudges")
end

-- :Lead items [person] [--mine|--theirs|--overdue]: open action items;
-- <CR> opens the note at the item.
function M.items(words)
  local items = feature("items")
  if not items then return end
  local s = store()
  if not s then return end
  local opts, name = { store = s }, {}
  for _, w in ipairs(words or {}) do
    local flag = w:match("^%-%-(%a+)$")
    if flag == "mine" or flag == "theirs" or flag == "overdue" then opts[flag] = true else name[#name + 1] = w end
  end
  opts.person = common.person(name)
  local list, err = common.call(items, opts)
  if not list then notify(err) return end
  local lines = { "Open action items  (<CR> go to the item, q close)" }
  for _, line in ipairs(require("leadnotes.insights").items_lines(list)) do lines[#lines + 1] = line end
  if #list == 0 then lines[#lines + 1] = "No open items." end
  local buf = scratch("leadnotes://items", lines, "leadnotes-items")
  vim.keymap.set("n", "<CR>", function()
    local e = list[api.nvim_win_get_cursor(0)[1] - 2]
    if not e then return end
    vim.cmd("edit " .. vim.fn.fnameescape(M.notes_dir() .. "/" .. e.path))
    pcall(api.nvim_win_set_cursor, 0, { e.line, 0 })
  end, { buffer = buf, nowait = true, desc = "leadnotes: go to this item" })
  return buf
end

-- :Lead capture {person} {kind} {text}: notes something between meetings
-- in the person's log (kinds: feedback-given, feedback-received, win,
-- concern, note) and commits it.
function M.capture(words)
  local capture = feature("capture")
  if not capture then return end
  local s = store()
  if not s then return end
  local kinds = require("leadnotes.insights.capture")
  local at
  for i = 2, #words do
    if kinds.kind_of(words[i]) then at = i break end
  end
  if not at or at == #words then
    notify(":Lead capture {person} {kind} {text}; kind: " .. kinds.KIND_NAMES)
    return
  end
  local path, err = common.call(capture, common.person({ unpack(words, 1, at - 1) }), words[at],
    table.concat(words, " ", at + 1), { store = s })
  if not path then notify(err) return end
  notify("noted in " .. path, vim.log.levels.INFO)
  return path
end

-- :Lead packet {person} {from} {to}
function M.packet(words)
  local packet = feature("packet")
  if not packet then return end
  if not store(READ_ONLY) then return end
  local from, to = words[#words - 1], words[#words]
  local person = common.person({ unpack(words, 1, math.max(0, #words - 2)) })
  if not person or not (from or ""):match("^%d%d%d%d%-%d%d%-%d%d$") or not (to or ""):match("^%d%d%d%d%-%d%d%-%d%d$") then
    notify(":Lead packet {person} {from} {to}, dates as YYYY-MM-DD")
    return
  end
  local text, err = common.call(packet, person, from, to)
  if not text then notify(err) return end
  return scratch("leadnotes://packet/" .. person, common.lines(text), "org")
end

local function store_method(name, ...)
  local s = store()
  if not s then return end
  local result, err = common.method(s, name, ...)
  if result == nil and err then notify(err) return end
  return result, err
end

-- The leadnotes command line, for work done in a separate process.
local function cli_exe()
  local exe = vim.fn.exepath("leadnotes")
  if exe ~= "" then return exe end
  local api_table = common.api()
  local root = api_table and api_table.root
  for _, abi in ipairs({ "lua5.4", "luajit", "lua5.3" }) do
    local candidate = root and (root .. "/build/" .. abi .. "/bin/leadnotes")
    if candidate and vim.fn.executable(candidate) == 1 then return candidate end
  end
  return nil
end

-- Auto-sync (option auto_sync): a burst of saves makes one sync, run by the
-- command line in a job, so editing never waits for the network.
local auto
local function auto_sync_saved()
  local ok, sync = pcall(require, "leadnotes.sync")
  if not ok or type(sync.debouncer) ~= "function" then return end
  if not auto then
    auto = sync.debouncer({
      start = function(ms, fn) return vim.defer_fn(fn, ms) end,
      stop = function(timer) pcall(function() timer:stop() timer:close() end) end,
      run = function(done)
        local exe = cli_exe()
        if not exe then
          notify("auto-sync: the leadnotes command line is not built (cmake --build --preset default)")
          return done()
        end
        local errors = {}
        local job = vim.fn.jobstart(sync.command(M.notes_dir(), nil, exe), {
          on_stderr = function(_, data) for _, l in ipairs(data or {}) do if l ~= "" then errors[#errors + 1] = l end end end,
          on_exit = function(_, code)
            if code ~= 0 then notify("auto-sync: " .. (errors[1] or ("exit " .. code)):gsub("^leadnotes:%s*", "")) end
            done()
          end,
        })
        if job <= 0 then notify("auto-sync: cannot start " .. exe) done() end
      end,
    })
  end
  auto.saved()
end

-- Commit the file just written (BufWritePost for files under the folder).
function M.on_write(_, file)
  keep_written(file)
  local ok, config = pcall(require, "leadnotes.config")
  if ok and config.options and config.options.commit_on_save == false then return end
  local s = store()
  if not s then return end
  local commit, err = common.method(s, "save", file)
  if commit == nil and err then notify((tostring(err):gsub("\n.*", ""))) return end
  if type(commit) == "table" then
    vim.b.leadnotes_last_commit = commit.id
    M.echo_line("(leadnotes) committed " .. (commit.short or "") .. " " .. (commit.summary or ""))
    auto_sync_saved()
  end
end

-- One line in the message area, after the command that caused it: it
-- replaces ":w"'s own "written" line instead of adding a second one (two
-- lines would ask to "Press ENTER"), cut to the room there is.
function M.echo_line(text)
  vim.schedule(function()
    local room = math.max(1, (vim.v.echospace or vim.o.columns - 12) - 1)
    if vim.fn.strdisplaywidth(text) > room then text = vim.fn.strcharpart(text, 0, room - 1) .. "…" end
    M.last_echo = text
    api.nvim_echo({ { text, "Comment" } }, false, {})
  end)
end

local subcommands = {
  ["one-on-one"] = { person = true, run = function(words) M.new_note("one-on-one", common.person(words)) end },
  evaluation = { person = true, run = function(words) M.new_note("evaluation", common.person(words)) end },
  insert = { run = function(words)
    local kind = words[1]
    if not kind then notify(":Lead insert {kind} {person}") return end
    M.insert(kind, common.person(words, 2))
  end },
  history = { person = true, run = function(words) M.history(common.person(words)) end },
  show = { revision = true, run = function(words) revision_command("show", words[1]) end },
  diff = { revision = true, run = function(words) revision_command("diff", words[1]) end },
  restore = { revision = true, run = function(words) revision_command("restore", words[1]) end },
  save = { run = function()
    local path = current_note()
    if not path then notify("this buffer is not a note in the notes folder") return end
    vim.cmd("write")
  end },
  prompt = { person = true, run = function(words) M.prompt(common.person(words)) end },
  team = { run = function() M.team() end },
  nudges = { run = function() M.nudges() end },
  items = { person = true, run = function(words) M.items(words) end },
  capture = { person = true, run = function(words) M.capture(words) end },
  packet = { person = true, run = function(words) M.packet(words) end },
  sync = { run = function(words)
    local result = store_method("sync", words[1] or require("leadnotes.config").options.remote)
    if result ~= nil then
      local conflicts = type(result) == "table" and result.conflicts or {}
      notify(common.sync_summary(result), #conflicts > 0 and vim.log.levels.WARN or vim.log.levels.INFO)
    end
  end },
  seal = { run = function()
    local path = current_note()
    if not path then notify("open the evaluation to seal") return end
    local tag = store_method("seal", path)
    if tag ~= nil then notify("sealed as " .. tostring(tag), vim.log.levels.INFO) end
  end },
  verify = { run = function()
    local path = current_note()
    if not path then notify("open the evaluation to verify") return end
    local result = store_method("verify", path)
    if result == nil then return end
    local verdict, diff = common.verify_verdict(result)
    notify(verdict, diff and vim.log.levels.WARN or vim.log.levels.INFO)
    if diff then scratch("leadnotes://verify", common.lines(diff), "diff") end
  end },
  health = { run = function() vim.cmd("checkhealth leadnotes") end },
}

local names = {}
for name in pairs(subcommands) do names[#names + 1] = name end
table.sort(names)
M.subcommands = names

-- :Lead {subcommand} [args]
function M.command(opts)
  local words = opts.fargs or {}
  local name = words[1]
  if not name then
    notify("subcommands: " .. table.concat(names, ", "), vim.log.levels.INFO)
    return
  end
  local sub = subcommands[name]
  if not sub then notify("unknown subcommand '" .. name .. "'; try " .. table.concat(names, ", ")) return end
  local rest = { unpack(words, 2) }
  local ok, err = pcall(sub.run, rest)
  if not ok then notify(err) end
end

-- Case-insensitive prefix test where a space and a "-" are the same (a
-- person's folder is the name with spaces folded to "-").
local function fold(s) return (s:lower():gsub("%s", "-")) end
local function starts_with(s, prefix) return fold(s:sub(1, #prefix)) == fold(prefix) end

-- Candidates for the word under the cursor; typed is the whole text typed
-- for a multi-word argument, lead the last word of it.
local function complete_multi(candidates, typed, lead)
  local out = {}
  for _, c in ipairs(candidates) do
    if starts_with(c, typed) then out[#out + 1] = c:sub(#typed - #lead + 1) end
  end
  return out
end

local function kinds()
  local out, seen = { "one-on-one", "evaluation" }, { ["one-on-one"] = true, evaluation = true }
  local templates = common.feature("templates")
  local list = templates and common.call(templates) or {}
  for _, t in ipairs(type(list) == "table" and list or {}) do
    if type(t) == "table" and t.name and not seen[t.name] then seen[t.name] = true out[#out + 1] = t.name end
  end
  return out
end

-- Completion of :Lead: subcommands, then people or revisions.
function M.complete(arg_lead, cmd_line, cursor_pos)
  local text = cmd_line:sub(1, cursor_pos or #cmd_line)
  local rest = text:gsub("^%s*%S-Lead!?%s+", "", 1)
  if rest == text then rest = text:gsub("^%s*%S+%s*", "", 1) end
  local words = {}
  for w in rest:gmatch("%S+") do words[#words + 1] = w end
  if arg_lead ~= "" then table.remove(words) end
  if #words == 0 then return complete_multi(names, arg_lead, arg_lead) end
  local sub = subcommands[words[1]]
  if not sub then return {} end
  local typed_after = function(n) -- the text typed after the n-th word
    local after = rest
    for _ = 1, n do after = after:gsub("^%s*%S+%s?", "", 1) end
    return after
  end
  if words[1] == "insert" then
    if #words == 1 then return complete_multi(kinds(), arg_lead, arg_lead) end
    local s = common.store(M.notes_dir())
    return s and complete_multi(common.people(s), typed_after(2), arg_lead) or {}
  end
  if sub.person then
    local s = common.store(M.notes_dir())
    return s and complete_multi(common.people(s), typed_after(1), arg_lead) or {}
  end
  if sub.revision and #words == 1 then
    local path = current_note()
    local s = path and common.store(M.notes_dir())
    local commits = s and common.method(s, "history", path, { limit = 50 }) or {}
    local out = {}
    for _, c in ipairs(commits) do
      local short = c.short or (c.id or ""):sub(1, 7)
      if starts_with(short, arg_lead) then out[#out + 1] = short end
    end
    return out
  end
  return {}
end

return M
