-- End to end in a real headless Neovim: the :Lead command, the buffers it
-- makes, the commit on :write, checked with the git command line.
local api = vim.api
local dir = assert(os.getenv("LEADNOTES_DIR"), "LEADNOTES_DIR must be set")
local nvim = require("leadnotes.editor.nvim")
local common = require("leadnotes.editor.common")

local check = dofile(os.getenv("LEADNOTES_SOURCE_DIR") .. "/tests/nvim/check.lua")
local eq, truthy = check.eq, check.truthy
local function lines(buf) return api.nvim_buf_get_lines(buf or 0, 0, -1, false) end
local function text(buf) return table.concat(lines(buf), "\n") end
local function git(...)
  local result = vim.fn.system(vim.list_extend({ "git", "-C", dir }, { ... }))
  if vim.v.shell_error ~= 0 then error("git " .. table.concat({ ... }, " ") .. " failed: " .. result, 2) end
  return result
end
local function notified(pattern)
  for _, n in ipairs(_G.notified) do if tostring(n.msg):find(pattern) then return n end end
  return nil
end

-- Answers every vim.ui.input question with its default (what a user
-- pressing <CR> does) and records the questions.
local asked = {}
vim.ui.input = function(opts, on_confirm)
  asked[#asked + 1] = opts.prompt
  on_confirm(opts.default or "")
end

-- Every piece is built with the module: a missing one is a failure (a
-- broken module load must not pass as "skipped").
local function need_api(...)
  local loaded, err = common.api()
  if not loaded then error("the module does not load: " .. tostring(err), 2) end
  for _, name in ipairs({ ... }) do
    local fn, msg = common.feature(name)
    if not fn then error("leadnotes." .. name .. " is missing: " .. tostring(msg), 2) end
  end
end
local function need_store(...)
  need_api("open")
  local s, err = common.store(nvim.notes_dir())
  if not s then error("the notes store does not open: " .. tostring(err), 2) end
  for _, m in ipairs({ ... }) do
    if not (pcall(function() return s[m] end) and type(s[m]) == "function") then
      error("store:" .. m .. " is missing", 2)
    end
  end
end
local function need_templates() need_api("render", "fields") end

test("only :Lead is defined at start-up; the adapter and the core load on first use", function()
  eq(2, vim.fn.exists(":Lead"), ":Lead exists")
  -- This file required the adapter itself; a fresh Neovim is checked by the
  -- start-up test. Here: the plugin file defines nothing else global.
  eq(true, vim.g.loaded_leadnotes, "g:loaded_leadnotes")
end)

test(":Lead without a subcommand lists the subcommands", function()
  vim.cmd("Lead")
  truthy(notified("one%-on%-one"), "the list names one-on-one")
  truthy(notified("history"), "the list names history")
end)

test(":Lead with an unknown subcommand says so with the (leadnotes) prefix", function()
  vim.cmd("Lead frobnicate")
  local n = truthy(notified("unknown subcommand 'frobnicate'"), "a message")
  truthy(tostring(n.msg):find("^%(leadnotes%)"), "the (leadnotes) prefix")
end)

test("completion offers the subcommands", function()
  local all = nvim.complete("", "Lead ", 5)
  truthy(vim.tbl_contains(all, "one-on-one"), "one-on-one offered")
  truthy(vim.tbl_contains(all, "history"), "history offered")
  eq(vim.inspect({ "history" }), vim.inspect(nvim.complete("hi", "Lead hi", 7)), "prefix")
end)

test(":Lead team, nudges and prompt run without raising once the module is loaded", function()
  need_api("team", "nudges", "prompt")
  for _, sub in ipairs({ "team", "nudges", "prompt" }) do
    _G.notified = {}
    local ok, err = pcall(vim.cmd, "Lead " .. sub)
    truthy(ok, ":Lead " .. sub .. " raised " .. tostring(err))
    for _, n in ipairs(_G.notified) do
      if n.level == vim.log.levels.ERROR then error(":Lead " .. sub .. ": " .. tostring(n.msg)) end
    end
  end
end)

test(":Lead one-on-one Dana Demo opens a new dated note, filled, cursor on the mark", function()
  need_store("new_note")
  need_templates()
  asked = {}
  vim.cmd("Lead one-on-one Dana Demo")
  local name = api.nvim_buf_get_name(0)
  truthy(name:find(os.date("%Y%%-%m%%-%d") .. "%-one%-on%-one[%-%d]*%.org$"), "a dated one-on-one file, got " .. name)
  truthy(common.relative(vim.fn.resolve(name), vim.fn.resolve(nvim.notes_dir())), "under the notes folder: " .. name)
  truthy(text():find("Dana"), "the person's name is in the note")
  eq(nil, text():find("{{cursor}}", 1, true), "the cursor mark is removed")
  eq(nil, text():find("{{", 1, true), "no unrendered tag")
  -- The cursor is where the template put its mark: on the first line to fill.
  local row = api.nvim_win_get_cursor(0)[1]
  truthy(row > 1, "the cursor moved into the note (row " .. row .. ")")
  vim.cmd("write")
end)

test(":write of a note commits it; git log sees it and git status stays clean", function()
  need_store("new_note", "save")
  need_templates()
  vim.cmd("Lead one-on-one Dana Demo")
  local path = vim.fn.resolve(api.nvim_buf_get_name(0))
  local rel = common.relative(path, vim.fn.resolve(nvim.notes_dir()))
  api.nvim_buf_set_lines(0, -1, -1, false, { "", "Written in the end-to-end test." })
  vim.cmd("write")
  local log = git("log", "--format=%H %s", "--", rel)
  truthy(log:match("%x+"), "a commit touching " .. rel)
  eq("", git("status", "--porcelain"), "git status")
  eq("Written in the end-to-end test.", vim.trim(git("show", "HEAD:" .. rel)):match("[^\n]*$"), "committed content")
  for _, n in ipairs(_G.notified) do
    if n.level == vim.log.levels.ERROR then error("unexpected error: " .. n.msg) end
  end
end)

test(":write of a file outside the notes folder makes no commit", function()
  need_store("save")
  local before = git("rev-list", "--all", "--count")
  local outside = vim.fn.tempname() .. ".org"
  vim.cmd("edit " .. vim.fn.fnameescape(outside))
  api.nvim_buf_set_lines(0, 0, -1, false, { "* not a note" })
  vim.cmd("write")
  eq(before, git("rev-list", "--all", "--count"), "commit count")
  os.remove(outside)
end)

test("history lists the commits; <CR> opens the old version read-only; d diffs; r restores", function()
  need_store("new_note", "save", "history", "show", "diff", "restore")
  need_templates()
  vim.cmd("Lead one-on-one Dana Demo")
  local path = vim.fn.resolve(api.nvim_buf_get_name(0))
  local rel = common.relative(path, vim.fn.resolve(nvim.notes_dir()))
  api.nvim_buf_set_lines(0, -1, -1, false, { "first version line" })
  vim.cmd("write")
  local first = vim.trim(git("rev-parse", "HEAD"))
  api.nvim_buf_set_lines(0, -1, -1, false, { "second version line" })
  vim.cmd("write")
  local second = vim.trim(git("rev-parse", "HEAD"))
  truthy(first ~= second, "two commits")

  -- Revisions of the current note complete after show, diff and restore.
  local revs = nvim.complete("", "Lead show ", 10)
  truthy(vim.tbl_contains(revs, vim.trim(git("rev-parse", "--short", second))), "completes the newest revision: " .. vim.inspect(revs))
  -- Without a person, :Lead history is the current note's.
  vim.cmd("Lead history")
  local own = text()
  truthy(own:find("History of " .. rel, 1, true), "the note's own history, got: " .. own:sub(1, 80))
  truthy(own:find(second:sub(1, 7), 1, true), "lists the note's commits")
  vim.cmd("close")

  -- :Lead diff without a revision: what the last save changed (the saved
  -- note is HEAD's); against HEAD, nothing.
  vim.cmd("Lead diff")
  local since = text()
  truthy(since:find("+second version line", 1, true), "the last save's line, got: " .. since:sub(1, 200))
  eq(nil, since:find("+first version line", 1, true), "only the last save")
  vim.cmd("close")
  vim.cmd("Lead diff HEAD")
  eq("(no difference)", vim.trim(text()), "nothing since HEAD")
  vim.cmd("close")

  vim.cmd("Lead history Dana Demo")
  local hist = api.nvim_get_current_buf()
  local listing = text(hist)
  truthy(listing:find(second:sub(1, 7), 1, true), "the newest commit is listed")
  truthy(listing:find(first:sub(1, 7), 1, true), "the older commit is listed")
  eq(false, api.nvim_buf_get_option(hist, "modifiable"), "history buffer modifiable")

  -- <CR> on the older commit shows the note as it was then.
  local row
  for i, l in ipairs(lines(hist)) do if l:find(first:sub(1, 7), 1, true) then row = i end end
  api.nvim_win_set_cursor(0, { row, 0 })
  vim.cmd("execute \"normal \\<CR>\"")
  local old = text()
  truthy(old:find("first version line", 1, true), "old version has the first line")
  eq(nil, old:find("second version line", 1, true), "old version lacks the later line")
  eq(false, api.nvim_buf_get_option(0, "modifiable"), "old version modifiable")
  eq(true, api.nvim_buf_get_option(0, "readonly"), "old version readonly")
  vim.cmd("close")

  -- d on the newest commit shows its diff with diff highlighting.
  for i, l in ipairs(lines(hist)) do if l:find(second:sub(1, 7), 1, true) then row = i end end
  api.nvim_set_current_win(vim.fn.bufwinid(hist))
  api.nvim_win_set_cursor(0, { row, 0 })
  vim.cmd("normal d")
  eq("diff", vim.bo.filetype, "diff buffer filetype")
  truthy(text():find("+second version line", 1, true), "the diff adds the second line")
  vim.cmd("close")

  -- r on the older commit asks, then restores and commits.
  local question
  nvim.confirm = function(q) question = q return true end
  api.nvim_set_current_win(vim.fn.bufwinid(hist))
  for i, l in ipairs(lines(hist)) do if l:find(first:sub(1, 7), 1, true) then row = i end end
  api.nvim_win_set_cursor(0, { row, 0 })
  vim.cmd("normal r")
  truthy(question and question:find(first:sub(1, 7), 1, true), "asked before restoring")
  local f = assert(io.open(path)); local now = f:read("*a"); f:close()
  eq(nil, now:find("second version line", 1, true), "restored file lacks the later line")
  truthy(git("log", "-1", "--format=%H", "--", rel):match(vim.pesc(second)) == nil, "a new commit for the restore")
  local subject = vim.trim(git("log", "-1", "--format=%s"))
  truthy(subject:find(first:sub(1, 7), 1, true), "the restore names the commit: " .. subject)
  eq(nil, subject:find(first, 1, true), "by its short id, not all 40 characters: " .. subject)
  eq("", git("status", "--porcelain"), "git status after restore")
end)

test(":Lead insert one-on-one puts the filled template at the cursor", function()
  need_templates()
  vim.cmd("enew")
  api.nvim_buf_set_lines(0, 0, -1, false, { "before", "" })
  api.nvim_win_set_cursor(0, { 2, 0 })
  vim.cmd("Lead insert one-on-one Dana Demo")
  local all = lines()
  eq("before", all[1], "text before the insertion kept")
  truthy(#all > 3, "the template was inserted")
  truthy(text():find("Dana"), "the person is in the inserted text")
  eq(nil, text():find("{{cursor}}", 1, true), "mark removed")
end)

test(":Lead insert in the middle of a line: the template on lines of its own, the text around it intact, the cursor on the mark", function()
  need_templates()
  vim.cmd("enew")
  api.nvim_buf_set_lines(0, 0, -1, false, { "first line", "before|after", "last line" })
  api.nvim_win_set_cursor(0, { 2, 7 }) -- on the "a" of "after"
  vim.cmd("Lead insert one-on-one Dana Demo")
  local all = lines()
  eq("first line", all[1], "the line above")
  eq("before|", all[2], "the text before the cursor, alone on its line")
  truthy(all[3]:find("^#%+TITLE: One%-on%-one with Dana Demo"), "the template starts a line of its own: " .. all[3])
  eq("after", all[#all - 1], "the text after the cursor, alone on the line after the template")
  eq("last line", all[#all], "the line below")
  local rendered, mark = require("leadnotes").render("one-on-one", "Dana Demo", {}, { store = common.store(nvim.notes_dir()) })
  eq(#common.lines(rendered) + 4, #all, "nothing but the template was added")
  eq(2 + mark.line, api.nvim_win_get_cursor(0)[1], "the cursor is on the template's mark")
end)

test("person completion offers the people of the notes folder, names with spaces included", function()
  need_store("new_note", "people")
  need_templates()
  vim.cmd("Lead one-on-one Dana Demo")
  local people = common.people(common.store(nvim.notes_dir()))
  truthy(#people > 0, "store:people() lists someone")
  local got = nvim.complete("", "Lead history ", 13)
  truthy(#got > 0, "candidates after :Lead history")
  local first = people[1]
  local typed = first:sub(1, 2)
  local c = nvim.complete(typed, "Lead history " .. typed, 13 + #typed)
  truthy(vim.tbl_contains(c, first), "completes " .. first)
  -- Typed with a space, "Dana D" completes the last word of Dana-Demo.
  c = nvim.complete("D", "Lead history Dana D", 19)
  truthy(vim.tbl_contains(c, "Demo"), "completes 'Dana D' to 'Dana Demo', got " .. vim.inspect(c))
  vim.cmd("Lead history Dana Demo")
  truthy(text():find("History of Dana Demo", 1, true), ":Lead history with a spaced name")
end)

test(":Lead team and :Lead nudges open dashboards; :Lead prompt a floating window", function()
  need_store("new_note")
  need_api("team", "nudges", "prompt")
  vim.cmd("Lead team")
  truthy(api.nvim_buf_get_name(0):find("leadnotes://team", 1, true), "team buffer")
  truthy(#lines() >= 2, "a header and rows")
  vim.cmd("Lead nudges")
  truthy(api.nvim_buf_get_name(0):find("leadnotes://nudges", 1, true), "nudges buffer")
  local before = #api.nvim_list_wins()
  vim.cmd("Lead prompt")
  local win = api.nvim_get_current_win()
  eq("editor", api.nvim_win_get_config(win).relative, "a floating window")
  truthy(#vim.trim(text()) > 0, "the prompt has text")
  eq(before + 1, #api.nvim_list_wins(), "one more window")
end)

test(":checkhealth leadnotes reports the module, libgit2 and the notes folder", function()
  vim.cmd("checkhealth leadnotes")
  local report = text()
  truthy(report:find("Lua of this editor"), "the Lua ABI")
  need_api()
  truthy(report:find("leadnotes.core loaded", 1, true), "module found")
  truthy(report:find("libgit2 %d"), "libgit2 version")
  truthy(report:find("notes folder", 1, true), "the notes folder section")
  if vim.loop.fs_stat(dir) then
    truthy(report:find("(mode 700)", 1, true), "the folder the store made is reported 0700")
    vim.loop.fs_chmod(dir, tonumber("755", 8))
    vim.cmd("checkhealth leadnotes")
    truthy(text():find("readable by others (mode 755)", 1, true), "a folder open to others is a warning")
    vim.loop.fs_chmod(dir, tonumber("700", 8))
  end
  truthy(report:find("git identity", 1, true), "the git identity section")
end)

-- A fresh Neovim on a copy of the plugin folder, as the README installs it
-- (the folder on the runtimepath, nothing else run): returns its output.
local function fresh_nvim(root, ...)
  local cmd = { vim.v.progpath, "--headless", "--clean", "-i", "NONE", "--cmd", "set rtp^=" .. root }
  for _, c in ipairs({ ... }) do vim.list_extend(cmd, { "-c", c }) end
  vim.list_extend(cmd, { "-c", "qa!" })
  return vim.fn.system(cmd)
end

local function copy_plugin()
  local root = vim.fn.tempname()
  local src = os.getenv("LEADNOTES_SOURCE_DIR")
  vim.fn.mkdir(root .. "/doc", "p")
  vim.fn.writefile(vim.fn.readfile(src .. "/doc/leadnotes.txt"), root .. "/doc/leadnotes.txt")
  vim.fn.system({ "cp", "-r", src .. "/plugin", src .. "/lua", src .. "/templates", root })
  return root
end

test(":help leadnotes works right after the runtimepath install; doc/tags is not tracked", function()
  local root = copy_plugin()
  eq(nil, vim.loop.fs_stat(root .. "/doc/tags"), "no tags before the first start")
  local out = fresh_nvim(root, "help leadnotes", "lua io.stdout:write('\\nhelp=' .. vim.fn.expand('%:t') .. ':' .. vim.fn.getline('.'))")
  truthy(out:find("help=leadnotes.txt:", 1, true), "the help opened: " .. out)
  truthy(out:find("*leadnotes*", 1, true), "at the leadnotes tag: " .. out)
  truthy(vim.loop.fs_stat(root .. "/doc/tags"), "the tags were made")
  vim.fn.system({ "git", "-C", os.getenv("LEADNOTES_SOURCE_DIR"), "check-ignore", "-q", "doc/tags" })
  eq(0, vim.v.shell_error, "git ignores doc/tags")
  vim.fn.delete(root, "rf")
end)

test("a note opened by :Lead one-on-one and abandoned unchanged leaves nothing behind", function()
  need_store("new_note", "history")
  need_templates()
  local before = git("status", "--porcelain")
  vim.cmd("Lead one-on-one Abe Abandoned")
  local path = vim.fn.resolve(api.nvim_buf_get_name(0))
  truthy(vim.loop.fs_stat(path), "the note exists while it is open")
  api.nvim_buf_set_lines(0, -1, -1, false, { "typed, never written" })
  vim.cmd("bwipeout!")
  eq(nil, vim.loop.fs_stat(path), "the file is gone")
  eq(nil, vim.loop.fs_stat(vim.fn.fnamemodify(path, ":h")), "the folder the note made is gone")
  eq(before, git("status", "--porcelain"), "git status")
  for _, entry in ipairs(require("leadnotes").team() or {}) do
    truthy(not tostring(entry.person):find("Abe"), "the team view does not count it")
  end
  -- With :q! in a Neovim of its own, the same.
  local out = fresh_nvim(os.getenv("LEADNOTES_SOURCE_DIR"), "Lead one-on-one Quinn Quit",
    "lua io.stdout:write('\\nopened=' .. vim.fn.expand('%:p'))", "q!")
  local opened = out:match("opened=(%S+)")
  truthy(opened and opened:find("one%-on%-one"), "the other Neovim opened a note: " .. out)
  eq(nil, vim.loop.fs_stat(opened), ":q! left no file")
  eq(before, git("status", "--porcelain"), "git status after :q!")
end)

test("a new note that was written, or that is in use elsewhere, is kept", function()
  need_store("new_note", "save")
  need_templates()
  vim.cmd("Lead one-on-one Kim Kept")
  local path = vim.fn.resolve(api.nvim_buf_get_name(0))
  vim.cmd("write")
  vim.cmd("bwipeout!")
  truthy(vim.loop.fs_stat(path), "a written note stays")
  -- Changed on disk by something else since: kept, never deleted.
  vim.cmd("Lead one-on-one Lee Other")
  local other = vim.fn.resolve(api.nvim_buf_get_name(0))
  local f = assert(io.open(other, "a")); f:write("added by another program\n"); f:close()
  vim.cmd("bwipeout!")
  truthy(vim.loop.fs_stat(other), "a note changed by another program stays")
end)

test(":write of a note says what it committed in one line that fits, after the write", function()
  need_store("new_note", "save")
  need_templates()
  vim.o.columns = 60
  vim.cmd("Lead one-on-one Dana Demo")
  api.nvim_buf_set_lines(0, -1, -1, false, { "a line" })
  nvim.last_echo = nil
  vim.cmd("write")
  eq(nil, nvim.last_echo, "nothing echoed inside the write (it would add a line under \"written\")")
  truthy(vim.wait(2000, function() return nvim.last_echo ~= nil end), "the commit is echoed after the write")
  truthy(nvim.last_echo:find("^%(leadnotes%) committed %x+"), nvim.last_echo)
  eq(nil, nvim.last_echo:find("\n"), "one line")
  truthy(vim.fn.strdisplaywidth(nvim.last_echo) < vim.v.echospace, "fits in " .. vim.v.echospace .. " columns")
  vim.o.columns = 80
end)

test(":Lead seal and :Lead verify on an evaluation; verify shows the diff once it changed", function()
  need_store("new_note", "save", "seal", "verify")
  need_templates()
  asked = {}
  vim.cmd("Lead evaluation Dana Demo")
  local fields = require("leadnotes").fields("evaluation") or {}
  eq(#fields, #asked, "one vim.ui.input question per asked field")
  if fields[1] then truthy(asked[1]:find(fields[1].question, 1, true), "the template's own question is asked") end
  vim.cmd("write")
  _G.notified = {}
  vim.cmd("Lead seal")
  truthy(notified("sealed as eval/"), "sealed with a tag")
  truthy(git("tag", "-n"):find("eval/", 1, true), "git tag -n shows the seal")
  _G.notified = {}
  vim.cmd("Lead verify")
  truthy(notified("unchanged since it was sealed"), "unchanged right after sealing")
  api.nvim_buf_set_lines(0, -1, -1, false, { "changed after sealing" })
  vim.cmd("write")
  _G.notified = {}
  vim.cmd("Lead verify")
  truthy(notified("changed since it was sealed"), "changed after a write")
  eq("diff", vim.bo.filetype, "the diff is shown")
  truthy(text():find("+changed after sealing", 1, true), "the diff holds the change")
end)

test("a write the store cannot commit is a (leadnotes) error notification; git's own files are left alone", function()
  need_store("new_note", "save")
  need_templates()
  vim.cmd("Lead one-on-one Sam Sample")
  vim.cmd("write")
  local before = git("rev-list", "--count", "HEAD")
  -- A commit message edited from the repository itself is not a note.
  vim.cmd("edit " .. vim.fn.fnameescape(dir .. "/.git/COMMIT_EDITMSG"))
  api.nvim_buf_set_lines(0, 0, -1, false, { "a message" })
  _G.notified = {}
  vim.cmd("write")
  eq(0, #_G.notified, "no message for a file under .git/")
  eq(before, git("rev-list", "--count", "HEAD"), "no commit for a file under .git/")

  vim.cmd("Lead one-on-one Sam Sample")
  local rel = common.relative(vim.fn.resolve(api.nvim_buf_get_name(0)), vim.fn.resolve(nvim.notes_dir()))
  local head_file = dir .. "/.git/HEAD"
  local f = assert(io.open(head_file)); local head = f:read("*a"); f:close()
  f = assert(io.open(head_file, "w")); f:write("garbage\n"); f:close()
  _G.notified = {}
  local ok, err = pcall(vim.cmd, "write")
  f = assert(io.open(head_file, "w")); f:write(head); f:close()
  truthy(ok, ":write itself succeeds: " .. tostring(err))
  local n = truthy(notified("HEAD"), "an error naming what failed")
  eq(vim.log.levels.ERROR, n.level, "level")
  truthy(tostring(n.msg):find("^%(leadnotes%)"), "the (leadnotes) prefix")
  vim.cmd("write")
  eq("", git("status", "--porcelain", "--", rel), "the next write commits it")
end)
