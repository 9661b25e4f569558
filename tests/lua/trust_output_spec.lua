-- Terminal output is safe (issue 11, item 6): control characters in paths,
-- commit messages and note text never reach the terminal from the command
-- line or an editor's dashboard lines. The hostile commit arrives the way
-- it would in life: made by git on another clone and pulled by sync.
package.path = "lua/?.lua;lua/?/init.lua;tests/lua/?.lua;" .. package.path
local H = require("hardening_helpers")
local common = require("leadnotes.editor.common")

local GIT = "git -c user.name=Other -c user.email=other@example.com -c init.defaultBranch=main "

-- Runs the command line (optionally under a pseudo-terminal made by
-- script(1)); returns status and everything it printed.
local function cli(dir, args, tty)
  local words = { H.quote(H.interp), H.quote(H.source_dir .. "/lua/leadnotes/cli.lua"), "--dir", H.quote(dir) }
  for _, a in ipairs(args) do words[#words + 1] = H.quote(a) end
  local cmd = table.concat(words, " ")
  if tty then cmd = "script -qec " .. H.quote(cmd) .. " /dev/null" end
  local out, _, status = H.capture(cmd)
  return status, out
end

local function has_control(s)
  -- Newline and tab are fine; a CR is fine only before a newline (script(1)
  -- turns every newline into CR LF).
  s = s:gsub("\r\n", "\n")
  return s:find("[\1-\8\11-\31\127]") ~= nil or s:find("\194[\128-\159]") ~= nil
end

describe("terminal output", function()
  after_each(function() H.cleanup() end)

  it("printable makes ESC, BEL, CR and the C1 controls visible and keeps text", function()
    assert.are.equal("a ^[]0;t^G b^M c", common.printable("a \27]0;t\7 b\r c"))
    assert.are.equal("x<9B>31m", common.printable("x\194\15531m"))
    assert.are.equal("line\n\tnext\r\n", common.printable("line\n\tnext\r\n", true))
    assert.are.equal("a^Jb", common.printable("a\nb"))
    assert.are.equal("Zoë — fine", common.printable("Zoë — fine"))
  end)

  it("dashboard lines of every editor carry no control characters", function()
    local evil = "Dana \27]0;title\7\r"
    local lines = {}
    for _, l in ipairs(common.team_lines({ { person = evil, last_one_on_one = "2026-01-05", open_items = 1 } })) do
      lines[#lines + 1] = l
    end
    for _, l in ipairs(common.nudge_lines({ { person = evil, text = "open item \27[2J since" } })) do
      lines[#lines + 1] = l
    end
    lines[#lines + 1] = common.history_line({ short = "abc1234", time = 0, summary = "x \27]0;t\7", paths = { "d/\27[31m.org" } })
    for _, l in ipairs(common.prompt_lines({ text = "ask \27[5m", duties = {} })) do lines[#lines + 1] = l end
    lines[#lines + 1] = common.sync_summary({ remote = "origin", branch = "main", conflicts = { "d/\27]0;x\7.org" } })
    for _, l in ipairs(lines) do assert.is_false(has_control(l), l) end
  end)

  it("a commit message with an escape sequence that arrives through sync never reaches the terminal", function()
    local root = H.tmpdir()
    local remote, other, notes = root .. "/remote.git", root .. "/other", root .. "/notes"
    assert(H.capture(GIT .. "init -q --bare " .. H.quote(remote)))
    local out, ok = H.capture(GIT .. "clone -q " .. H.quote(remote) .. " " .. H.quote(other))
    assert(ok, out)
    os.execute("mkdir -p " .. H.quote(other .. "/dana"))
    H.write(other .. "/dana/2026-01-05-one-on-one.org", "* Notes\nline \27]0;note\7 here\n")
    H.write(root .. "/msg", "Dana \27]0;title\7 \r\194\155" .. "2J notes\n")
    out, ok = H.capture("cd " .. H.quote(other) .. " && " .. GIT .. "add -A && " .. GIT .. "commit -q -F " ..
      H.quote(root .. "/msg") .. " && " .. GIT .. "push -q origin main")
    assert(ok, out)
    out, ok = H.capture(GIT .. "clone -q " .. H.quote(remote) .. " " .. H.quote(notes) .. " && chmod 700 " .. H.quote(notes))
    assert(ok, out)
    -- A second hostile commit that the notes clone does not have yet.
    H.write(other .. "/dana/2026-01-05-one-on-one.org", "* Notes\nline \27]0;note\7 here\nmore\n")
    out, ok = H.capture("cd " .. H.quote(other) .. " && " .. GIT .. "commit -qa -F " .. H.quote(root .. "/msg") ..
      " && " .. GIT .. "push -q origin main")
    assert(ok, out)

    local status, printed = cli(notes, { "sync" })
    assert.are.equal(0, status, printed)
    assert.is_false(has_control(printed), printed)
    assert.matches("title", (H.git(notes, "log -1 --format=%s"))) -- it did arrive
    for _, args in ipairs({ { "history", "dana" }, { "team" }, { "nudges" }, { "show", "HEAD", "dana/2026-01-05-one-on-one.org" },
      { "diff", "HEAD~1", "HEAD", "dana/2026-01-05-one-on-one.org" } }) do
      status, printed = cli(notes, args, true)
      assert.are.equal(0, status, table.concat(args, " ") .. ": " .. printed)
      assert.is_false(has_control(printed), table.concat(args, " ") .. ": " .. printed)
    end
    assert.matches("%^%[%]0;title%^G", (select(2, cli(notes, { "history", "dana" }))))
    -- Through a pipe, show gives the note's exact bytes (an editor reads it).
    status, printed = cli(notes, { "show", "HEAD", "dana/2026-01-05-one-on-one.org" })
    assert.are.equal(H.read(notes .. "/dana/2026-01-05-one-on-one.org"), printed)
  end)

  it("a path holding an escape sequence is refused, and named visibly, by new, save and show", function()
    local notes = H.tmpdir() .. "/notes"
    local status, printed = cli(notes, { "new", "one-on-one", "Evil \27]0;x\7 Name" })
    assert.is_false(has_control(printed), printed)
    local path = notes .. "/dana/\27[31mred.org"
    os.execute("mkdir -p " .. H.quote(notes .. "/dana"))
    H.write(path, "* Notes\n")
    status, printed = cli(notes, { "save", path, "-m", "msg \27]0;t\7" })
    assert.are.equal(1, status, printed)
    assert.is_false(has_control(printed), printed)
    status, printed = cli(notes, { "show", "HEAD", notes .. "/dana/\27[31mmissing.org" })
    assert.are.equal(1, status)
    assert.is_false(has_control(printed), printed)
  end)
end)
