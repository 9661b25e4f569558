-- Hardening (issue 6, item 8): personnel notes stay private. New notes
-- folders are 0700 and note files 0600 whatever the umask (a umask only
-- ever makes them stricter); :checkhealth and the command line warn about a
-- folder others can read; no error message, commit message or log line
-- holds note content; nothing touches the network without a remote.
local H = require("hardening_helpers")

local MARKER = "MARKER-" .. tostring(os.time()) .. "-" .. tostring(math.random(100000, 999999)) .. "-private"

local function mode_of(path)
  return (H.capture("stat -c %a " .. H.quote(path))):gsub("%s+$", "")
end

-- A child that opens a store under `umask`, makes a note with new_note
-- (when built) and a restore (which writes a file), and prints the modes.
local modes_body = [==[
local notes = arg[1]
local store = assert(core.open(notes))
io.write("OPENED\n")
if store.new_note then
  local path, err = store:new_note("one-on-one", "Alice Example")
  io.write(path and ("NEW " .. path) or ("NEWFAIL " .. tostring(err)), "\n")
  if path then
    local full = path:sub(1, 1) == "/" and path or (notes .. "/" .. path)
    assert(store:save(full))
    local f = assert(io.open(full, "ab")); f:write("more\n"); f:close()
    assert(store:save(full))
    os.remove(full)
    -- the version before "more": restoring it writes the file and commits
    local commit, rerr = store:restore("HEAD~1", full)
    io.write(commit and ("RESTORED " .. full) or ("RESTOREFAIL " .. tostring(rerr)), "\n")
  end
end
store:close()
]==]

describe("hardening: privacy", function()
  local tmp

  before_each(function() tmp = H.tmpdir() end)
  after_each(function() H.cleanup() end)

  for _, umask in ipairs({ "000", "022", "002", "077" }) do
    it("a new notes folder is 0700 and its note files 0600 under umask " .. umask, function()
      local notes = tmp .. "/notes-" .. umask
      local script = H.child_script(tmp, "modes", modes_body)
      local out, ok = H.capture("umask " .. umask .. " && " .. H.quote(H.interp) .. " " .. H.quote(script) .. " " .. H.quote(notes))
      assert.is_true(ok, out)
      assert.are.equal("700", mode_of(notes))
      local new = out:match("NEW ([^\n]+)")
      if new then
        local full = new:sub(1, 1) == "/" and new or (notes .. "/" .. new)
        assert.are.equal("700", mode_of(full:match("^(.*)/[^/]+$")), "the person's folder")
        local restored = out:match("RESTORED ([^\n]+)")
        assert.is_not_nil(restored, out)
        assert.are.equal("600", mode_of(restored), "a restored note")
      else
        assert.is_nil(out:match("NEWFAIL[^\n]*"))
      end
    end)
  end

  it(":checkhealth leadnotes warns when the notes folder is readable by others", function()
    if not H.run("command -v nvim >/dev/null") then return pending("skipped: nvim not installed") end
    local notes = tmp .. "/notes"
    os.execute("mkdir -p " .. H.quote(notes) .. " && chmod 755 " .. H.quote(notes))
    local report = tmp .. "/health.txt"
    -- Neovim loads its own (LuaJIT) build of the module, not this run's.
    H.capture("env -u LEADNOTES_CORE_DIR LEADNOTES_DIR=" .. H.quote(notes) ..
      " timeout 60 nvim --headless -u NONE -i NONE --cmd " .. H.quote("set rtp^=" .. H.source_dir) ..
      " -c 'checkhealth leadnotes' -c " .. H.quote("w! " .. report) .. " -c 'qa!'")
    local text = H.read(report)
    if not text then return pending("skipped: nvim could not run :checkhealth here") end
    assert.matches("readable by others", text)
    os.execute("chmod 700 " .. H.quote(notes))
    H.capture("env -u LEADNOTES_CORE_DIR LEADNOTES_DIR=" .. H.quote(notes) ..
      " timeout 60 nvim --headless -u NONE -i NONE --cmd " .. H.quote("set rtp^=" .. H.source_dir) ..
      " -c 'checkhealth leadnotes' -c " .. H.quote("w! " .. report) .. " -c 'qa!'")
    assert.is_nil((H.read(report) or ""):find("readable by others", 1, true))
  end)

  it("the command line warns when the notes folder is readable by others", function()
    -- As bin/leadnotes runs it, under this run's interpreter.
    local cli = H.source_dir .. "/lua/leadnotes/cli.lua"
    if not H.read(cli) then return pending("pending: the command line is not written (" .. cli .. ")") end
    local notes = tmp .. "/notes"
    assert(H.core().open(notes)):close()
    os.execute("chmod 755 " .. H.quote(notes))
    local out = H.capture("LEADNOTES_DIR=" .. H.quote(notes) .. " " .. H.quote(H.interp) .. " -e " ..
      H.quote("package.path = '" .. H.source_dir .. "/lua/?.lua;" .. H.source_dir .. "/lua/?/init.lua;' .. package.path") ..
      " " .. H.quote(cli) .. " history Alice")
    if not out:find("readable by others", 1, true) and not out:find("chmod 700", 1, true) then
      return pending("not yet: `leadnotes` gives no warning for a folder of mode 755 (editors issue); output: " ..
        out:gsub("\n", " "):sub(1, 200))
    end
    assert.matches("chmod 700", out)
  end)

  it("no error message, commit message or log line holds note content", function()
    local notes = tmp .. "/notes"
    local script = H.child_script(tmp, "marker", [==[
      local notes, marker = arg[1], arg[2]
      local store = assert(core.open(notes))
      local rel = "alice/2026-11-02-one-on-one.org"
      os.execute("mkdir -p '" .. notes .. "/alice'")
      local function put(text)
        local f = assert(io.open(notes .. "/" .. rel, "wb")); f:write(text); f:close()
      end
      -- The marker everywhere a message might quote from: the first line,
      -- a heading, a TODO, the last line.
      put(marker .. "\n* " .. marker .. "\n** TODO " .. marker .. "\n" .. marker)
      local function report(label, ok, a, b)
        io.write("MSG ", label, "\t", tostring(ok), "\t", tostring(a), "\t", tostring(b), "\n")
      end
      local function try(label, fn, ...)
        local ok, a, b = pcall(fn, ...)
        if type(a) == "table" then
          local parts = {}
          for k, v in pairs(a) do parts[#parts + 1] = tostring(k) .. "=" .. tostring(v) end
          a = table.concat(parts, " ")
        end
        report(label, ok, a, b)
      end
      try("save", store.save, store, rel)
      put(marker .. " changed\n* " .. marker .. "\n")
      try("save again", store.save, store, rel)
      try("show unknown revision", store.show, store, "no-such-revision", rel)
      try("show missing path", store.show, store, "HEAD", "alice/missing.org")
      try("diff unknown revision", store.diff, store, "no-such-revision", nil, rel)
      try("restore unknown revision", store.restore, store, "no-such-revision", rel)
      try("history", store.history, store, "alice")
      try("save outside", store.save, store, "../" .. rel)
      try("person_dir", store.person_dir, store, "../x")
      -- A binary and a huge note: messages about them must not quote them.
      put(marker .. "\0\1\2" .. marker)
      try("save binary", store.save, store, rel)
      -- A lock: the message names the lock, not the note.
      put(marker .. " locked\n")
      local lock = io.open(notes .. "/.git/index.lock", "wb"); lock:write(""); lock:close()
      try("save locked", store.save, store, rel)
      os.remove(notes .. "/.git/index.lock")
      put(marker .. " last\n")
      try("save_all", store.save_all, store)
      if store.status then try("status", store.status, store) end
      if store.new_note then try("new_note for a hostile name", store.new_note, store, "one-on-one", "../x") end
      store:close()
      io.write("DONE\n")
    ]==])
    local out, ok = H.capture(H.quote(H.interp) .. " " .. H.quote(script) .. " " .. H.quote(notes) .. " " .. H.quote(MARKER))
    assert.is_true(ok, out)
    assert.matches("DONE", out)
    -- Messages (and anything printed on stderr, merged here) hold no marker,
    -- except the lines that quote what a function returned on success.
    for line in out:gmatch("[^\n]+") do
      local label, okflag, a, b = line:match("^MSG ([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      if label then
        if okflag == "false" or a == "nil" then
          assert.is_nil((a .. b):find(MARKER, 1, true), label .. " quoted note content: " .. line)
        end
      elseif line ~= "DONE" then
        assert.is_nil(line:find(MARKER, 1, true), "a log line quoted note content: " .. line)
      end
    end
    -- Commit messages, the history index and git's own logs: no marker.
    local messages = H.git(notes, "log --all --format=%B%n%an%n%ae")
    assert.is_nil(messages:find("MARKER-", 1, true), "a commit message holds note content:\n" .. messages)
    local refs = H.capture("cat " .. H.quote(notes) .. "/.git/logs/HEAD 2>/dev/null")
    assert.is_nil(refs:find("MARKER-", 1, true), "the reflog holds note content")
    local loose = H.capture("find " .. H.quote(notes .. "/.git") .. " -path '*/objects' -prune -o -type f -print0 | xargs -0 grep -l -a -F " .. H.quote(MARKER) .. " 2>/dev/null")
    assert.are.equal("", (loose:gsub("%s+$", "")), "note content outside the object store: " .. loose)
    assert.is_true((H.fsck(notes)))
  end)

  it("opens, saves, reads history, shows and diffs without any network access", function()
    local notes = tmp .. "/notes"
    local script = H.child_script(tmp, "offline", [==[
      local notes = arg[1]
      local store = assert(core.open(notes))
      os.execute("mkdir -p '" .. notes .. "/alice'")
      local rel = "alice/2026-11-02-one-on-one.org"
      for i = 1, 3 do
        local f = assert(io.open(notes .. "/" .. rel, "wb")); f:write("* note ", i, "\n"); f:close()
        assert(store:save(rel))
      end
      assert(#store:history("alice") >= 3)
      assert(store:show("HEAD~1", rel))
      assert(store:diff("HEAD~2", nil, rel))
      assert(store:status())
      store:save_all()
      if store.new_note then assert(store:new_note("one-on-one", "Bob")) end
      if store.sync then
        -- No remote configured: a clear failure, no connection attempt.
        local ok, res, err = pcall(store.sync, store)
        io.write("SYNC ", tostring(ok), " ", tostring(res), " ", tostring(err), "\n")
      end
      store:close()
      io.write("DONE\n")
    ]==])
    local trace = tmp .. "/trace"
    local cmd = H.quote(H.interp) .. " " .. H.quote(script) .. " " .. H.quote(notes)
    local has_strace = H.run("command -v strace >/dev/null")
    local out, ok
    if has_strace then
      -- LeakSanitizer cannot run under ptrace: off for this one child.
      out, ok = H.capture("ASAN_OPTIONS=\"${ASAN_OPTIONS:-}:detect_leaks=0\" strace -f -qq -e trace=socket,connect -o " ..
        H.quote(trace) .. " " .. cmd)
    else
      out, ok = H.capture("unshare -n " .. cmd)
    end
    if not has_strace and not ok and out:find("unshare", 1, true) then
      return pending("skipped: neither strace nor unshare -n works here")
    end
    assert.is_true(ok, out)
    assert.matches("DONE", out)
    if has_strace then
      local calls = H.read(trace) or ""
      for line in calls:gmatch("[^\n]+") do
        assert.is_nil(line:match("AF_INET6?") or line:match("PF_INET6?"), "a network socket: " .. line)
      end
    end
    local sync = out:match("SYNC ([^\n]*)")
    if sync then assert.is_nil(sync:match("^true %S*table"), "sync without a remote succeeded: " .. sync) end
  end)
end)
