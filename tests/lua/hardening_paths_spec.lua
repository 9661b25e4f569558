-- Hardening (issue 6, item 3): hostile person names and paths, each refused
-- with a clear message, and nothing written outside the notes folder. The
-- file system around the notes folder (its parent, holding a decoy folder
-- `outside/`) is snapshotted before and after.
local H = require("hardening_helpers")

local U2215, UFF0F, U2044 = "\226\136\149", "\239\188\143", "\226\129\132"

-- Person names that must never become a folder.
local hostile_names = {
  { "empty", "" },
  { "dot", "." },
  { "dot dot", ".." },
  { "parent then name", "../x" },
  { "slash", "a/b" },
  { "backslash", "a\\b" },
  { ".git", ".git" },
  { ".GIT", ".GIT" },
  { ".GiT", ".GiT" },
  { "leading dot", ".hidden" },
  { "NUL inside", "a\0b" },
  { "NUL only", "\0" },
  { "newline", "a\nb" },
  { "carriage return", "a\rb" },
  { "escape sequence", "a\27[2Jb" },
  { "DEL", "a\127b" },
  { "U+2215 division slash", "a" .. U2215 .. "b" },
  { "U+FF0F fullwidth solidus", "a" .. UFF0F .. "b" },
  { "U+2044 fraction slash", "a" .. U2044 .. "b" },
  { "U+2215 parent", ".." .. U2215 .. "x" },
  { "invalid UTF-8", "a\255\254b" },
  { "overlong slash", "a\192\175b" },
  { "name of 101 bytes", string.rep("n", 101) },
  { "name of 10 KB", string.rep("n", 10240) },
  { "10 KB of dots and slashes", string.rep("../", 3414) },
}

-- Paths (relative to the notes folder unless absolute) that must be refused
-- by save, show, diff, restore and history. ROOT is the folder holding the
-- notes folder and the decoy. Absolute system paths are only given to the
-- operations that do not write (restore gets the decoy instead).
local function hostile_paths(root)
  return {
    { "parent", "../outside/secret.org" },
    { "a/../../b", "alice/../../outside/secret.org" },
    { "dot segments then parent", "alice/./../../outside/secret.org" },
    { "absolute outside", root .. "/outside/secret.org" },
    { "absolute through the folder and back", root .. "/notes/../outside/secret.org" },
    { "absolute system file", "/etc/passwd", read_only = true },
    { "double slash system file", "//etc/passwd", read_only = true },
    { "proc", "/proc/self/environ", read_only = true },
    { ".git/config", ".git/config" },
    { ".GIT/config", ".GIT/config" },
    { ".Git/HEAD", ".Git/HEAD" },
    { ".git/hooks/x", ".git/hooks/x" },
    { "nested .git hook", "alice/.git/hooks/pre-commit" },
    { ".git itself", ".git" },
    { "NUL then parent", "alice/x.org\0/../../outside/secret.org" },
    { "NUL inside", "alice/a\0b.org" },
    { "escape sequence", "alice/\27[2Jx.org" },
    { "newline", "alice/x\n.org" },
    { "empty", "", whole_folder = true },
    { "dot", ".", whole_folder = true },
    { "dot dot", ".." },
    { "path of 10 KB", "alice/" .. string.rep("p", 10240) .. ".org" },
    { "10 KB of parents", string.rep("../", 3414) .. "outside/secret.org" },
    { "symlink to a folder outside", "away/secret.org" },
    { "symlink file to a file outside", "alice/link.org" },
  }
end

local function attempt(fn, ...)
  local ok, a, b = pcall(fn, ...)
  if not ok then return true, tostring(a) end
  if a == nil or a == false then return true, tostring(b) end
  return false, a
end

local function printable(s)
  return (s:gsub("[%z\1-\31\127]", function(c) return string.format("\\%d", c:byte()) end))
end

-- A clear message: says something, and holds no raw control characters (a
-- message echoing an escape sequence would drive the user's terminal).
local function assert_clear(what, msg)
  assert.is_string(msg, what .. ": no message")
  assert.is_true(#msg >= 8, what .. ": message too short: " .. printable(msg))
  assert.is_nil(msg:find("[%z\1-\8\11-\31\127]"), what .. ": message holds control characters: " .. printable(msg))
  assert.is_true(#msg <= 2048, what .. ": message of " .. #msg .. " bytes echoes the input")
end

describe("hardening: hostile names and paths", function()
  local root, notes, store, core, tried
  local SECRET = "decoy outside the notes folder\n"

  before_each(function()
    core = H.core()
    root = H.tmpdir()
    notes = root .. "/notes"
    os.execute("mkdir -p " .. H.quote(root .. "/outside"))
    H.write(root .. "/outside/secret.org", SECRET)
    store = assert(core.open(notes))
    os.execute("mkdir -p " .. H.quote(notes .. "/alice"))
    H.write(notes .. "/alice/2026-11-02-one-on-one.org", "* one-on-one\n")
    assert(store:save("alice/2026-11-02-one-on-one.org"))
    os.execute("ln -s ../outside " .. H.quote(notes .. "/away"))
    os.execute("ln -s ../../outside/secret.org " .. H.quote(notes .. "/alice/link.org"))
    tried = 0
  end)

  after_each(function()
    if store then pcall(store.close, store) end
    store = nil
    H.cleanup()
  end)

  it("refuses every hostile person name, with a clear message, writing nothing", function()
    local before = H.snapshot(root, "./notes/.git")
    local commits = H.git(notes, "rev-list --count HEAD")
    for _, case in ipairs(hostile_names) do
      local refused, msg = attempt(store.person_dir, store, case[2])
      assert.is_true(refused, "person_dir accepted " .. case[1] .. " as " .. tostring(msg))
      assert_clear("person_dir(" .. case[1] .. ")", msg)
      tried = tried + 1
      if store.new_note then
        refused, msg = attempt(store.new_note, store, "one-on-one", case[2])
        assert.is_true(refused, "new_note accepted " .. case[1] .. " as " .. tostring(msg))
        assert_clear("new_note(" .. case[1] .. ")", msg)
        tried = tried + 1
      end
    end
    assert.are.equal(before, H.snapshot(root, "./notes/.git"))
    assert.are.equal(commits, H.git(notes, "rev-list --count HEAD"))
    assert.is_true(H.fsck(notes))
    assert.is_true(#hostile_names >= 25)
  end)

  it("refuses every hostile path in save, show, diff, restore and history, writing nothing", function()
    local before = H.snapshot(root, "./notes/.git")
    local commits = H.git(notes, "rev-list --count HEAD")
    local head = H.git(notes, "rev-parse HEAD"):gsub("%s+$", "")
    for _, case in ipairs(hostile_paths(root)) do
      local path = case[2]
      local ops = {
        { "save", function() return store:save(path) end },
        { "show", function() return store:show(head, path) end },
        { "diff", function() return store:diff(head, nil, path) end },
        not case.whole_folder and { "history", function()
          local list, err = store:history(path)
          -- Nothing found is a refusal too for a read, but a list with
          -- commits would mean the path reached something.
          if type(list) == "table" and #list == 0 then return nil, "empty history" end
          return list, err
        end } or nil,
      }
      if not case.read_only then
        ops[5] = { "restore", function() return store:restore(head, path) end }
      end
      for i = 1, 5 do
        local op = ops[i]
        if op then
        local refused, msg = attempt(op[2])
        assert.is_true(refused, op[1] .. " accepted " .. case[1] .. ": " .. printable(tostring(msg)):sub(1, 200))
        if msg ~= "empty history" then assert_clear(op[1] .. "(" .. case[1] .. ")", msg) end
        tried = tried + 1
        end
      end
    end
    assert.are.equal(before, H.snapshot(root, "./notes/.git"))
    assert.are.equal(SECRET, H.read(root .. "/outside/secret.org"))
    assert.are.equal(commits, H.git(notes, "rev-list --count HEAD"))
    assert.is_nil(H.git(notes, "log --all --format=%B -p"):find("decoy outside", 1, true))
    assert.is_true(H.fsck(notes))
  end)

  it("refuses a person folder replaced by a symlink to outside between two saves", function()
    H.write(notes .. "/alice/2026-11-02-one-on-one.org", "* one-on-one\n** second\n")
    assert(store:save("alice/2026-11-02-one-on-one.org"))
    -- Between two calls, the folder becomes a link to the decoy, which holds
    -- a file of the same name.
    os.execute("mv " .. H.quote(notes .. "/alice") .. " " .. H.quote(root .. "/alice-moved"))
    H.write(root .. "/outside/2026-11-02-one-on-one.org", "decoy outside the notes folder\n")
    os.execute("ln -s ../outside " .. H.quote(notes .. "/alice"))
    local outside_before = H.snapshot(root .. "/outside")
    for _, op in ipairs({
      { "save", function() return store:save("alice/2026-11-02-one-on-one.org") end },
      { "restore", function() return store:restore("HEAD~1", "alice/2026-11-02-one-on-one.org") end },
      { "diff", function() return store:diff("HEAD", nil, "alice/2026-11-02-one-on-one.org") end },
      { "save_all", function() return store:save_all() end },
    }) do
      local ok, res, err = pcall(op[2])
      if op[1] == "save_all" then
        -- save_all may succeed, but must not commit the decoy.
        assert.is_true(ok, "save_all raised: " .. tostring(res))
      else
        assert.is_true(not ok or res == nil, op[1] .. " went through the symlink")
        assert_clear(op[1] .. " through a replaced folder", ok and err or res)
      end
    end
    assert.are.equal(outside_before, H.snapshot(root .. "/outside"))
    assert.are.equal(SECRET, H.read(root .. "/outside/secret.org"))
    assert.is_nil(H.git(notes, "log --all --format=%B -p"):find("decoy outside", 1, true))
    assert.is_true(H.fsck(notes))
  end)

  it("tries at least 30 hostile names and paths", function()
    assert.is_true(#hostile_names + #hostile_paths("/r") >= 30)
  end)
end)
