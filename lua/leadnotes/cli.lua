-- leadnotes command line: the front end for editors without Lua (Emacs,
-- Helix, VS Code tasks, a shell). Run by build/<abi>/bin/leadnotes or the
-- installed `leadnotes`; `require("leadnotes.cli").main(args)` does the same
-- in-process and returns the exit status: 0 done, 1 failed, 2 wrong usage.
-- Results go to stdout, errors to stderr with the prefix "leadnotes:".
local M = {}

-- Run as a script (`interp .../lua/leadnotes/cli.lua args`, what the
-- wrappers do) rather than required: find the other Lua files next to
-- this one when it sits in a lua/leadnotes/ folder.
local caller = debug.getinfo(2, "f")
local as_script = not (caller and caller.func == require) and type(arg) == "table"
if as_script and type(arg[0]) == "string" and arg[0]:match("leadnotes/cli%.lua$") then
  local lua_dir = arg[0]:gsub("leadnotes/cli%.lua$", "")
  if lua_dir == "" then lua_dir = "./" end
  package.path = lua_dir .. "?.lua;" .. lua_dir .. "?/init.lua;" .. package.path
end

local common = require("leadnotes.editor.common")

local usage = [[
usage: leadnotes [--dir DIR] COMMAND [ARGS]

Notes on your direct reports, one git-versioned folder per person.

commands:
  new KIND PERSON        create a dated note from a template; prints its path
  insert KIND PERSON     print a filled template (to insert where you are)
  save PATH              commit one note
  history PERSON|PATH    commits touching a person's folder or one note
  show REV PATH          a note as it was at a revision
  diff REV [REV2] PATH   what changed between REV and REV2 (default: the file)
  restore REV PATH       write an old version back and commit it
  prompt                 a leadership prompt for today
  team                   one line per report: last one-on-one, open items...
  nudges                 what needs your attention
  items [PERSON]         open action items: owner, due date, age, where
  capture PERSON KIND TEXT  note something between meetings, in PERSON's log
  profile PERSON         show a report's profile; --set KEY=VALUE changes it
  packet PERSON FROM TO  everything about PERSON between two dates (YYYY-MM-DD)
  init [DIR]             adopt an existing folder as the notes folder (only notes are committed)
  sync [REMOTE]          fetch, merge and push the notes
  seal PATH              mark a finished evaluation (an annotated git tag)
  verify PATH            does PATH still equal its sealed version?
  demo                   a tour on a demo team in a temporary folder

options:
  --dir DIR              the notes folder (default: $LEADNOTES_DIR, else ~/leadnotes)
  --format FORMAT        org or markdown, for new notes and templates (default: org)
  --manager NAME         your name in notes and as the owner of items (default: git user.name)
  --templates DIR        your own templates, searched before the built-in ones
  --shared-repo          the notes folder may be inside another git repository (a
                         dotfiles repository...) and is then committed into it
  --set KEY=VALUE        an asked template field (new, insert), repeatable
  --cursor               new, insert: also print where the cursor goes (LINE:COL)
  -h, --help             this text; `leadnotes COMMAND --help` for one command

KIND is one-on-one or evaluation. PERSON may be several words ("Dana Demo").
Exit status: 0 done, 1 failed, 2 wrong usage.
]]

local help = {
  new = [[
usage: leadnotes new KIND PERSON [--set KEY=VALUE]... [--cursor]
Creates <notes>/<person>/<YYYY-MM-DD>-KIND.org from the template (never
overwrites: a second note the same day gets -2) and prints its path. Fields
the template asks for take their default unless given with --set
(--set date=YYYY-MM-DD dates the note). --cursor adds a line "LINE:COL"
(1-based): where to start writing. The note is not committed: `leadnotes
save PATH` does that. Until then it is the caller's: an editor that opens it
deletes it when it is abandoned unsaved (it holds only the template), as
Neovim's :Lead and the README's Emacs recipe do.]],
  insert = [[
usage: leadnotes insert KIND PERSON [--set KEY=VALUE]... [--cursor]
Prints the filled template, for an editor to insert at the cursor.
--cursor adds a last line "LINE:COL" (1-based, within the text).]],
  save = [[
usage: leadnotes save PATH [-m MESSAGE]
Commits the note at PATH (relative to the current directory or the notes
folder). Prints the commit, or "nothing to commit" when it did not change.]],
  history = [[
usage: leadnotes history PERSON|PATH [--limit N]
One line per commit touching that person's folder or that note, newest
first: short id, date, summary, files.]],
  show = [[
usage: leadnotes show REV PATH
Prints the note at PATH as it was in revision REV (an id, a short id, HEAD~2).]],
  diff = [[
usage: leadnotes diff REV [REV2] PATH
A unified diff of PATH between REV and REV2, or the file as it is now.]],
  restore = [[
usage: leadnotes restore REV PATH
Writes the version of PATH from REV back and commits it; the replaced
content stays in the history.]],
  prompt = [[
usage: leadnotes prompt [--context CONTEXT] [--person PERSON] [--date YYYY-MM-DD]
A short leadership prompt; the same person, context and day give the same one.
CONTEXT: one-on-one, evaluation, weekly, onboarding.]],
  team = [[
usage: leadnotes team [--date YYYY-MM-DD]
One line per report: last one-on-one, days since, cadence, overdue, open
items, oldest open item, next review.]],
  nudges = [[
usage: leadnotes nudges [--date YYYY-MM-DD]
What needs attention: overdue one-on-ones, old open items, reviews due.]],
  items = [[
usage: leadnotes items [PERSON] [--mine|--theirs|--owner NAME] [--overdue] [--date YYYY-MM-DD]
Open action items, oldest first: person, item, owner, due date, age, times
carried and where it lives (PATH:LINE). An item without an OWNER is yours
(the manager's: --manager, the manager option, else git's user.name).
--mine: what you owe your team; --theirs: what they owe; --overdue: past
their DEADLINE.]],
  capture = [[
usage: leadnotes capture PERSON KIND TEXT
Appends TEXT, with the time, to PERSON's log for today
(<person>/<YYYY-MM-DD>-log.org) under the section KIND names, and commits
it. KIND: feedback-given, feedback-received, win, concern, note. It shows
in the next one-on-one (a comment at the top) and in the review packet.]],
  profile = [[
usage: leadnotes profile PERSON [--set KEY=VALUE]...
Prints PERSON's profile (<person>/profile.org); with --set, changes those
fields first and commits. KEY: name, role, level, status (onboarding,
improvement plan, promotion case, leaving), start_date, cadence_days,
next_review, review_cadence_days.]],
  packet = [[
usage: leadnotes packet PERSON FROM TO
An org document with everything about PERSON from FROM to TO (YYYY-MM-DD),
dated by when git first saw each entry: the ground for an evaluation.]],
  init = [[
usage: leadnotes init [DIR]
Makes DIR (default: the notes folder) a notes folder: a git repository of its
own, even inside another repository. The one explicit way to use a folder
that already holds files: only notes (files in person folders, .org or .md,
never dot-files) are ever committed from it.]],
  sync = [[
usage: leadnotes sync [REMOTE]
Fetches, merges and pushes the notes folder (default remote: origin).]],
  seal = [[
usage: leadnotes seal PATH
Seals a finished evaluation with an annotated tag on the commit that holds it.]],
  verify = [[
usage: leadnotes verify PATH
Says whether PATH still equals its sealed version; prints the diff if not.]],
  demo = [[
usage: leadnotes demo [--keep] [--quiet] (with --dir DIR: there)
Creates a demo team in a temporary folder (mode 0700), or in DIR, and shows
each command on it. --keep leaves the folder (always kept with --dir);
--quiet only makes the team.]],
}

-- A failure: the message and the exit status.
local Failure = {}
local function fail(status, fmt, ...)
  error(setmetatable({ status = status, message = string.format(fmt, ...) }, Failure), 0)
end
local function usage_error(fmt, ...) fail(2, fmt, ...) end
-- value, or a failure with message when it is nil. Returns value and the
-- second result only when value is not nil (render's cursor, new_note's).
local function check(value, message)
  if value == nil then fail(1, "%s", tostring(message or "failed")) end
  return value, message
end

-- Parses argv into {dir=, set={}, opts={}, words={}, help=}.
local function parse(argv)
  local parsed = { set = {}, opts = {}, words = {} }
  local with_value = { ["--dir"] = true, ["--set"] = true, ["--limit"] = true, ["--context"] = true,
    ["--person"] = true, ["--date"] = true, ["-m"] = true, ["--message"] = true, ["--owner"] = true,
    ["--format"] = true, ["--manager"] = true, ["--templates"] = true }
  local i = 1
  while i <= #argv do
    local a = argv[i]
    local name, inline = a:match("^(%-%-[%w-]+)=(.*)$")
    if name then a = name end
    if a == "--" then
      for j = i + 1, #argv do parsed.words[#parsed.words + 1] = argv[j] end
      break
    elseif a == "-h" or a == "--help" then
      parsed.help = true
    elseif a == "--keep" or a == "--quiet" or a == "--cursor" or a == "--mine" or a == "--theirs"
      or a == "--overdue" then
      parsed.opts[a:sub(3)] = true
    elseif a == "--shared-repo" then
      parsed.shared = true
    elseif with_value[a] then
      local value = inline
      if value == nil then
        i = i + 1
        value = argv[i]
      end
      if value == nil then usage_error("%s needs a value", a) end
      if a == "--dir" then
        parsed.dir = value
      elseif a == "--set" then
        local key, v = value:match("^([%w_%-]+)=(.*)$")
        if not key then usage_error("--set takes KEY=VALUE, got '%s'", value) end
        parsed.set[key] = v
      else
        parsed.opts[(a:gsub("^%-+", ""))] = value
      end
    elseif a:sub(1, 1) == "-" and #a > 1 then
      usage_error("unknown option '%s'", a)
    else
      parsed.words[#parsed.words + 1] = a
    end
    i = i + 1
  end
  return parsed
end

-- The current directory. Asked of the shell, not read from $PWD: a program
-- that changed directory before running us (Emacs does) leaves $PWD stale.
local current_dir
local function cwd()
  if current_dir then return current_dir end
  local p = io.popen("pwd")
  local dir = p and p:read("*l")
  if p then p:close() end
  if not dir or dir == "" then dir = os.getenv("PWD") or "." end
  current_dir = dir
  return dir
end

local exists = require("leadnotes.files").exists

-- A path given on the command line: relative to the current directory when
-- that file exists, else to the notes folder. Always absolute.
local function note_path(ctx, path)
  if common.is_absolute(path) then return path end
  local here = common.absolute(path, cwd())
  if exists(here) then return here end
  return common.absolute(path, ctx.dir)
end

-- Points the options at the notes folder dir (the rest of the options as
-- they are) and returns the folder they named before.
local function use_dir(dir)
  local ok, config = pcall(require, "leadnotes.config")
  if not ok then return nil end
  local previous = config.options.notes_dir
  config.options.notes_dir = dir
  return previous
end

local function store(ctx)
  if not ctx.store then ctx.store = check(common.store(ctx.dir)) end
  return ctx.store
end

-- The store for a command that only reads: a missing notes folder is not
-- created; the command says there are no notes yet and how to start.
local NoNotes = {}
local function read_store(ctx)
  if ctx.store then return ctx.store end
  local s, msg, code = common.store(ctx.dir, { create = false })
  if not s and code == "not found" then error(setmetatable({ message = msg }, NoNotes), 0) end
  ctx.store = check(s, msg)
  return ctx.store
end

local function feature(name) return check(common.feature(name)) end

-- The kinds of note there are templates for (built-in and the user's).
local function known_kinds()
  local list = common.feature("templates") and common.call(common.feature("templates"))
  local names = {}
  for _, t in ipairs(type(list) == "table" and list or {}) do names[#names + 1] = t.name end
  return names
end

local function kind_and_person(words, command)
  local kind = words[1]
  if not kind then usage_error("%s: which kind of note? one-on-one or evaluation", command) end
  local kinds = known_kinds()
  if #kinds > 0 then
    local found = false
    for _, name in ipairs(kinds) do found = found or name == kind end
    if not found then
      usage_error("%s: no template '%s'; the kinds are %s", command, kind, table.concat(kinds, ", "))
    end
  end
  local person = common.person(words, 2)
  if not person then usage_error("%s: whose note? give a person's name", command) end
  return kind, person
end

-- A date given on the command line (--date, --set date=, packet's FROM TO):
-- a real day as YYYY-MM-DD, or a usage error naming the option.
local function check_date_arg(what, value)
  if value == nil then return nil end
  local problem = require("leadnotes.validate").date_problem(value)
  if problem then usage_error("%s: %s", what, problem) end
  return value
end

-- Calls an API function with arguments taken from the command line. The
-- API raises only for a caller's mistake, which here is the user's: a usage
-- error (exit 2). A failure of the world (nil, message) is exit 1.
local function call_api(fn, ...)
  local results = { pcall(fn, ...) }
  if not results[1] then usage_error("%s", (tostring(results[2]):gsub("^%(leadnotes%)%s*", ""))) end
  if results[2] == nil then fail(1, "%s", tostring(results[3] or "failed")) end
  return results[2], results[3]
end

-- No words after the command: extra arguments are a usage error.
local function no_words(command, words, max)
  if #words > (max or 0) then
    usage_error("%s: unexpected argument '%s'; `leadnotes %s --help` says what it takes", command, words[(max or 0) + 1], command)
  end
end

-- With --cursor: one more line on stdout, "LINE:COL" (1-based), where the
-- template puts the cursor.
local function print_cursor(ctx, cursor)
  if ctx.opts.cursor and type(cursor) == "table" and cursor.line then
    ctx.out:write(string.format("%d:%d\n", cursor.line, (cursor.col or 0) + 1))
  end
end

-- Fills asked fields: --set values, else the field's default.
local function values_for(ctx, kind)
  local values = {}
  local fields = common.feature("fields")
  if fields then
    local list = common.call(fields, kind)
    for _, f in ipairs(type(list) == "table" and list or {}) do
      if f.key and f.default ~= nil then values[f.key] = f.default end
    end
  end
  for k, v in pairs(ctx.set) do values[k] = v end
  check_date_arg("--set date", ctx.set.date)
  return values
end

-- Everything the command line prints goes through a writer that makes
-- control characters visible (common.printable): a path, a commit message
-- or a note's line that arrived through sync cannot drive the terminal.
-- Newlines and tabs pass. Note text (show, diff, insert, packet) is
-- written as it is when stdout is not a terminal, so an editor reading it
-- through a pipe gets the exact bytes.
local function safe_writer(stream)
  return {
    raw = stream,
    write = function(self, ...)
      for _, v in ipairs({ ... }) do stream:write(common.printable(v, true)) end
      return self
    end,
  }
end

local terminal
local function stdout_is_terminal(ctx)
  if ctx.out.raw ~= io.stdout then return false end
  if terminal == nil then
    local ok = os.execute("test -t 1 2>/dev/null")
    if type(ok) == "number" then terminal = ok == 0 else terminal = ok == true end
  end
  return terminal
end

-- A note's text (or a diff of it): exact bytes through a pipe, control
-- characters made visible on a terminal.
local function write_text(ctx, text)
  if stdout_is_terminal(ctx) then ctx.out:write(text) else ctx.out.raw:write(text) end
end

-- A path or name given back on one line, newlines included made visible.
local function shown(s) return common.printable(s) end

local commands = {}

-- The options each command takes (--dir and --help go with any); any
-- other option given to a command is a usage error, not silently ignored.
local command_options = {
  new = { set = true, cursor = true }, insert = { set = true, cursor = true },
  save = { m = true, message = true }, history = { limit = true },
  prompt = { context = true, person = true, date = true },
  team = { date = true }, nudges = { date = true }, demo = { keep = true, quiet = true },
  items = { mine = true, theirs = true, owner = true, overdue = true, date = true },
  profile = { set = true },
}
-- Options every command takes: they set the options of the same names.
local global_options = { format = true, manager = true, templates = true }

local function check_options(name, parsed)
  local allowed = command_options[name] or {}
  if next(parsed.set) ~= nil and not allowed.set then usage_error("%s does not take --set", name) end
  local given = {}
  for key in pairs(parsed.opts) do given[#given + 1] = key end
  table.sort(given)
  for _, key in ipairs(given) do
    if not allowed[key] and not global_options[key] then usage_error("%s does not take %s%s", name, #key == 1 and "-" or "--", key) end
  end
end

function commands.new(ctx, words)
  local kind, person = kind_and_person(words, "new")
  local s = store(ctx)
  local path, cursor = check(common.method(s, "new_note", kind, person, values_for(ctx, kind)))
  ctx.out:write(shown(common.absolute(path, ctx.dir)), "\n")
  print_cursor(ctx, cursor)
end

function commands.insert(ctx, words)
  local kind, person = kind_and_person(words, "insert")
  local render = feature("render")
  local s = common.store(ctx.dir, { create = false })
  local text, cursor = check(common.call(render, kind, person, values_for(ctx, kind), { store = s }))
  write_text(ctx, text)
  print_cursor(ctx, cursor)
end

function commands.save(ctx, words)
  if not words[1] then usage_error("save: which file? give its path") end
  no_words("save", words, 1)
  local path = note_path(ctx, words[1])
  if not exists(ctx.dir) and not common.relative(path, ctx.dir) then
    fail(1, "%s is not in the notes folder %s (which does not exist yet); nothing was created", shown(path), shown(ctx.dir))
  end
  local commit, msg = common.method(store(ctx), "save", path, ctx.opts.m or ctx.opts.message)
  if commit == nil and msg then fail(1, "%s", msg) end
  -- leadnotes commits in-process: git's hooks do not run; say which.
  local hooks = common.method(store(ctx), "hooks")
  if type(hooks) == "table" and #hooks > 0 then
    ctx.err:write("leadnotes: note: git hooks are not run by leadnotes: ", table.concat(hooks, ", "), "\n")
  end
  if commit then
    ctx.out:write(string.format("committed %s %s\n", commit.short or commit.id or "", shown(commit.summary or "")))
  else
    ctx.out:write("nothing to commit: the file did not change\n")
  end
end

function commands.history(ctx, words)
  local target = common.person(words, 1)
  if not target then usage_error("history: whose? give a person or a note's path") end
  if target:find("/") or target:match("%.org$") or target:match("%.md$") then target = note_path(ctx, target) end
  local opts = {}
  if ctx.opts.limit then
    local n, why = require("leadnotes.validate").whole(ctx.opts.limit, 0, 2 ^ 31)
    opts.limit = n or usage_error("--limit %s", why)
  end
  local list = check(common.method(read_store(ctx), "history", target, opts))
  if #list == 0 and opts.limit ~= 0 then ctx.out:write("no commits yet\n") end
  for _, c in ipairs(list) do ctx.out:write(common.history_line(c), "\n") end
end

function commands.show(ctx, words)
  if #words ~= 2 then usage_error("show takes REV PATH") end
  local text = check(common.method(read_store(ctx), "show", words[1], note_path(ctx, words[2])))
  write_text(ctx, text)
end

function commands.diff(ctx, words)
  if #words < 2 or #words > 3 then usage_error("diff takes REV [REV2] PATH") end
  local a, b = words[1], (#words == 3 and words[2] or nil)
  local text = check(common.method(read_store(ctx), "diff", a, b, note_path(ctx, words[#words])))
  write_text(ctx, text)
end

function commands.restore(ctx, words)
  if #words ~= 2 then usage_error("restore takes REV PATH") end
  local path = note_path(ctx, words[2])
  local commit, msg = common.method(store(ctx), "restore", words[1], path)
  if commit == nil and msg then fail(1, "%s", msg) end
  ctx.out:write(string.format("restored %s from %s%s\n", shown(words[2]), shown(words[1]),
    type(commit) == "table" and (" (commit " .. (commit.short or commit.id or "") .. ")") or ""))
end

function commands.prompt(ctx, words)
  if #words > 0 then usage_error("prompt takes options only (--context, --person, --date)") end
  local prompt = feature("prompt")
  check_date_arg("--date", ctx.opts.date)
  local p = call_api(prompt, { context = ctx.opts.context or "one-on-one", person = ctx.opts.person, date = ctx.opts.date })
  for _, line in ipairs(common.prompt_lines(p)) do ctx.out:write(line, "\n") end
end

function commands.team(ctx, words)
  no_words("team", words)
  check_date_arg("--date", ctx.opts.date)
  local team = feature("team")
  local list = call_api(team, ctx.opts.date, { store = read_store(ctx) })
  for _, line in ipairs(common.team_lines(list)) do ctx.out:write(line, "\n") end
end

function commands.nudges(ctx, words)
  no_words("nudges", words)
  check_date_arg("--date", ctx.opts.date)
  local nudges = feature("nudges")
  local list = call_api(nudges, ctx.opts.date, { store = read_store(ctx) })
  if #list == 0 then ctx.out:write("nothing needs your attention\n") end
  for _, line in ipairs(common.nudge_lines(list)) do ctx.out:write(line, "\n") end
end

function commands.items(ctx, words)
  if ctx.opts.mine and ctx.opts.theirs then usage_error("items: --mine or --theirs, not both") end
  local items = feature("items")
  local list = check(common.call(items, { store = store(ctx), person = common.person(words, 1), owner = ctx.opts.owner,
    mine = ctx.opts.mine, theirs = ctx.opts.theirs, overdue = ctx.opts.overdue, date = ctx.opts.date }))
  if #list == 0 then
    ctx.out:write("no open items\n")
    return
  end
  for _, line in ipairs(require("leadnotes.insights").items_lines(list)) do ctx.out:write(line, "\n") end
end

function commands.capture(ctx, words)
  local kinds = require("leadnotes.insights.capture")
  -- PERSON may be several words: the first word that names a kind ends it.
  local at
  for i = 2, #words do
    if kinds.kind_of(words[i]) then at = i break end
  end
  if not at or at == #words then
    usage_error("capture takes PERSON KIND TEXT; KIND: %s", kinds.KIND_NAMES)
  end
  local name = {}
  for i = 1, at - 1 do name[i] = words[i] end
  local text = table.concat(words, " ", at + 1)
  local capture = feature("capture")
  local path = check(common.call(capture, common.person(name), words[at], text, { store = store(ctx), date = ctx.opts.date }))
  ctx.out:write("noted in ", path, "\n")
end

local PROFILE_FIELDS = { "name", "role", "level", "status", "start_date", "cadence_days", "next_review",
  "review_cadence_days" }

function commands.profile(ctx, words)
  local person = common.person(words, 1)
  if not person then usage_error("profile: whose? give a person's name") end
  local fields
  for k, v in pairs(ctx.set) do
    fields = fields or {}
    fields[k] = v
  end
  local p = check(common.method(store(ctx), "profile", person, fields))
  ctx.out:write("folder: ", tostring(p.person), "\n")
  for _, k in ipairs(PROFILE_FIELDS) do
    local v = k == "name" and (p.name or p.display) or p[k]
    if v ~= nil then ctx.out:write(k, ": ", tostring(v), "\n") end
  end
  if not p.exists then ctx.out:write("(no profile.org yet: --set KEY=VALUE writes one)\n") end
end

function commands.packet(ctx, words)
  if #words < 3 then usage_error("packet takes PERSON FROM TO") end
  local from, to = words[#words - 1], words[#words]
  for _, d in ipairs({ from, to }) do check_date_arg("packet", d) end
  local name_words = {}
  for i = 1, #words - 2 do name_words[i] = words[i] end
  local person = common.person(name_words)
  local packet = feature("packet")
  read_store(ctx)
  local text = call_api(packet, person, from, to)
  write_text(ctx, text)
end

function commands.init(ctx, words)
  no_words("init", words, 1)
  local dir = words[1] and common.absolute(words[1], cwd()) or ctx.dir
  local init = feature("init")
  local s = call_api(init, dir)
  ctx.store = s
  ctx.out:write(shown(dir), " is a notes folder: a git repository of its own",
    s.shared and s:shared() and " (shared, as --shared-repo asks)" or "",
    "; only notes in person folders are committed\n")
end

function commands.sync(ctx, words)
  no_words("sync", words, 1)
  local remote = words[1] or (common.api() and require("leadnotes.config").options.remote) or nil
  local result = check(common.method(store(ctx), "sync", remote))
  ctx.out:write(common.sync_summary(result), "\n")
  if type(result) == "table" and type(result.conflicts) == "table" and #result.conflicts > 0 then ctx.status = 1 end
  if type(result) == "table" and type(result.unsynced) == "table" and #result.unsynced > 0 then ctx.status = 1 end
end

function commands.seal(ctx, words)
  if #words ~= 1 then usage_error("seal takes PATH") end
  -- As in the editors: only an evaluation is sealed.
  if not words[1]:match("%-evaluation%-?%d*%.%w+$") then
    usage_error("seal: only an evaluation can be sealed (<person>/<date>-evaluation.org), not '%s'", words[1])
  end
  local tag = check(common.method(store(ctx), "seal", note_path(ctx, words[1])))
  ctx.out:write("sealed ", shown(words[1]), type(tag) == "string" and (" as " .. shown(tag)) or "", "\n")
end

function commands.verify(ctx, words)
  if #words ~= 1 then usage_error("verify takes PATH") end
  local result = check(common.method(read_store(ctx), "verify", note_path(ctx, words[1])))
  local verdict, diff = common.verify_verdict(result)
  ctx.out:write(verdict, "\n")
  if diff then ctx.out:write(diff) end
  if not (type(result) == "table" and result.sealed and result.unchanged) and result ~= true then ctx.status = 1 end
  -- a seal deleted, moved or badly signed is never "unchanged"
  if type(result) == "table" and (result.problem or result.signature == "bad") then ctx.status = 1 end
end

-- The demo: a demo team in a temporary folder, each step shown as the
-- command a user types and what it prints. Steps that need a piece not
-- built yet say what is missing and the demo goes on.
function commands.demo(ctx, words)
  no_words("demo", words)
  local dir = ctx.explicit_dir
  if not dir then
    local p = io.popen("mktemp -d 2>/dev/null")
    dir = p and p:read("*l")
    if p then p:close() end
    if not dir or dir == "" then fail(1, "demo: cannot create a temporary folder") end
    os.execute("chmod 700 '" .. dir .. "'")
    dir = dir .. "/notes"
  end
  ctx.dir = dir
  local previous_dir = use_dir(dir)
  local out = ctx.out
  if ctx.opts.quiet then out = { write = function() end } end
  local quiet = { write = function() end }
  local function capture()
    local buf = { text = "" }
    function buf:write(...) for _, v in ipairs({ ... }) do self.text = self.text .. tostring(v) end end
    return buf
  end
  -- Shows `$ leadnotes ARGS` and what it prints (at most max_lines lines).
  local function step(title, argv, max_lines)
    local shown = {}
    for i, a in ipairs(argv) do shown[i] = a:find("[%s']") and ("'" .. a .. "'") or a end
    out:write("\n$ leadnotes ", table.concat(shown, " "), "    # ", title, "\n")
    local buf = capture()
    local status = M.run(argv, { out = buf, err = buf, dir = dir })
    local lines = common.lines(buf.text)
    for i, line in ipairs(lines) do
      if max_lines and i > max_lines then
        out:write("  ... (", #lines - max_lines, " more lines)\n")
        break
      end
      out:write(line, "\n")
    end
    if status ~= 0 then out:write("(", status == 1 and "failed" or "usage", ")\n") end
    return status, buf.text
  end
  local function day(offset) return os.date("%Y-%m-%d", os.time() + offset * 86400) end

  out:write("leadnotes demo: a demo team in ", dir, "\n")
  local s, err = common.store(dir)
  if not s then out:write("(the notes store cannot be opened: ", tostring(err), ")\n") end
  -- Each earlier one-on-one ends with action items, so that the tour shows
  -- what carries over and what the team view counts.
  local team = {
    { name = "Dana Demo", role = "Senior engineer", start_date = "2024-03-04", cadence_days = 14, next_review = day(10), last = -14,
      items = { { text = "Draft the on-call rotation proposal", owner = "Dana Demo", due = day(-2) },
        { text = "Ask finance about the conference budget", due = day(4) } } },
    { name = "Alex Example", role = "Engineer", start_date = day(-40), cadence_days = 7, last = -12,
      items = { { text = "Pair Alex with a reviewer for the billing service", due = day(-5) } } },
    { name = "Sam Sample", role = "Product designer", start_date = "2023-09-11", cadence_days = 14, last = -5, items = {} },
  }
  -- Appends p's action items to the note at path, as a user writes them.
  local function write_items(path, p)
    local f = io.open(path, "a")
    if not f then return end
    for _, item in ipairs(p.items) do
      f:write("*** TODO ", item.text, "\n    DEADLINE: <", item.due, ">\n")
      if item.owner then f:write("    :PROPERTIES:\n    :OWNER: ", item.owner, "\n    :END:\n") end
    end
    f:close()
  end
  if s then
    local profiles, profile_err = 0, nil
    for _, p in ipairs(team) do
      local ok, result, msg = pcall(common.method, s, "profile", p.name,
        { role = p.role, start_date = p.start_date, cadence_days = p.cadence_days, next_review = p.next_review })
      if ok and result then profiles = profiles + 1 else profile_err = ok and msg or result end
    end
    if profiles > 0 then
      out:write("(profiles: Dana Demo, senior engineer, review in 10 days; Alex Example, started 40 days ago,\n",
        " one-on-one every 7 days; Sam Sample, product designer)\n")
    else
      out:write("(no profiles: ", tostring(profile_err), ")\n")
    end
    local earlier = 0
    for _, p in ipairs(team) do
      local buf = capture()
      if M.run({ "new", "one-on-one", p.name, "--set", "date=" .. day(p.last) }, { out = buf, err = quiet, dir = dir }) == 0 then
        local note = buf.text:match("^([^\n]+)")
        write_items(note, p)
        if M.run({ "save", note }, { out = quiet, err = quiet, dir = dir }) == 0 then earlier = earlier + 1 end
      end
    end
    if earlier > 0 then
      out:write("(earlier one-on-ones written and saved: 14, 12 and 5 days ago, with three action items:\n",
        " one Dana owes, one you owe Dana, one you owe Alex)\n")
    end
  end

  step("a filled one-on-one, to insert where you are", { "insert", "one-on-one", "Dana Demo" }, 22)
  step("an evaluation; --set answers an asked field", { "insert", "evaluation", "Dana Demo", "--set", "period=" .. os.date("%Y") .. " H2" }, 14)
  local status, printed = step("today's one-on-one, as a dated file in Dana's folder", { "new", "one-on-one", "Dana Demo" })
  local path = status == 0 and printed:match("^([^\n]+)") or nil
  if path then
    local f = io.open(path, "a")
    if f then
      f:write("Dana wants to lead the next design review.\n")
      f:close()
      out:write("(you write in it; the demo adds a line)\n")
    end
    step("saving commits it (an editor does this on write)", { "save", path })
    step("Dana's notes over time", { "history", "Dana Demo" })
  end
  step("the whole team at a glance", { "team" })
  step("what needs attention", { "nudges" })
  step("open action items, oldest first", { "items" })
  step("a leadership prompt", { "prompt", "--person", "Alex Example" })
  if ctx.opts.keep or ctx.explicit_dir then
    out:write("\nThe demo notes stay in ", dir, "\n")
  else
    common.reset()
    os.execute("rm -rf '" .. dir:gsub("/notes$", "") .. "'")
    use_dir(previous_dir)
    out:write("\n(the demo folder is removed; `leadnotes demo --keep` keeps it)\n")
  end
end

-- Runs one command line with streams {out=, err=} and returns the status.
function M.run(argv, ctx)
  ctx = ctx or {}
  ctx.out = safe_writer(ctx.out or io.stdout)
  ctx.err = safe_writer(ctx.err or io.stderr)
  local options = require("leadnotes.config").options
  local saved = { format = options.format, manager = options.manager, templates_dir = options.templates_dir }
  local ok, result = pcall(function()
    local parsed = parse(argv)
    local name = parsed.words[1]
    if not name then
      if parsed.help then ctx.out:write(usage) return 0 end
      usage_error("no command given; `leadnotes --help` lists them")
    end
    local command = commands[name]
    if not command then usage_error("unknown command '%s'; `leadnotes --help` lists them", name) end
    if parsed.help then ctx.out:write(help[name] or usage, "\n") return 0 end
    check_options(name, parsed)
    ctx.set, ctx.opts = parsed.set, parsed.opts
    -- --format, --manager and --templates are the options of the same names.
    local config = require("leadnotes.config")
    if parsed.opts.format then
      if parsed.opts.format ~= "org" and parsed.opts.format ~= "markdown" then
        usage_error("--format takes org or markdown, got '%s'", parsed.opts.format)
      end
      config.options.format = parsed.opts.format
    end
    if parsed.opts.manager then config.options.manager = parsed.opts.manager end
    if parsed.opts.templates then
      local t = parsed.opts.templates
      config.options.templates_dir = common.is_absolute(t) and t or common.absolute(t, cwd())
    end
    ctx.explicit_dir = parsed.dir
    if parsed.shared then
      local ok, config = pcall(require, "leadnotes.config")
      if ok then config.options.shared_repository = true end
    end
    if parsed.dir then
      ctx.dir = parsed.dir
      if not common.is_absolute(ctx.dir) then ctx.dir = common.absolute(ctx.dir, cwd()) end
      use_dir(ctx.dir)
    end
    ctx.dir = ctx.dir or common.notes_dir()
    if not common.is_absolute(ctx.dir) then ctx.dir = common.absolute(ctx.dir, cwd()) end
    table.remove(parsed.words, 1)
    command(ctx, parsed.words)
    return ctx.status or 0
  end)
  options.format, options.manager, options.templates_dir = saved.format, saved.manager, saved.templates_dir
  if ok then return result end
  if getmetatable(result) == NoNotes then
    ctx.out:write((result.message:gsub("^%(leadnotes%)%s*", "")), "\n")
    return 0
  end
  if getmetatable(result) == Failure then
    ctx.err:write("leadnotes: ", (result.message:gsub("^%(leadnotes%)%s*", "")), "\n")
    return result.status
  end
  ctx.err:write("leadnotes: ", (tostring(result):gsub("^%(leadnotes%)%s*", "")), "\n")
  return 1
end

function M.main(argv)
  local status = M.run(argv or {})
  io.stdout:flush()
  return status
end

-- Run as a script (the wrapper does `interp .../leadnotes/cli.lua args`).
if as_script then
  os.exit(M.main(arg), true)
end

return M
