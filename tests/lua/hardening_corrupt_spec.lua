-- Hardening: a damaged repository. Each case breaks a real notes repository
-- the way a disk, a crash or a file-syncing tool can, then saves a note
-- edited meanwhile: the save refuses with a message that names what is
-- damaged, the note keeps what the manager wrote, nothing outside the
-- folder changes, and where a repair exists the next save commits.
local H = require("hardening_helpers")

local REL = "alice/2026-11-02-one-on-one.org"
local EDITED = "* One-on-one\nwritten while the repository was damaged\n"

describe("hardening: a damaged repository", function()
  local core, tmp, notes

  -- A notes folder with three versions of one note, then edited. The
  -- versions are committed by git, which writes loose objects (the store
  -- writes each commit as a pack), so that the cases below can damage one
  -- loose object file, as a disk or a file-syncing tool does.
  local function fresh(parent)
    notes = (parent or tmp) .. "/notes"
    -- Inside another repository a new folder would join it: give it its own.
    if parent then assert.is_true((H.run("git init -q " .. H.quote(notes)))) end
    local store = assert(core.open(notes))
    store:close()
    os.execute("mkdir -p " .. H.quote(notes .. "/alice"))
    for i = 1, 3 do
      H.write(notes .. "/" .. REL, "* One-on-one\nversion " .. i .. "\n")
      local _, ok = H.git(notes, "add " .. H.quote(REL))
      assert.is_true(ok)
      local out, committed = H.git(notes, "-c user.name=t -c user.email=t@example.invalid commit -q -m " ..
        H.quote("alice: version " .. i))
      assert.is_true(committed, out)
    end
    H.write(notes .. "/" .. REL, EDITED)
  end

  local function branch_file()
    return notes .. "/.git/" .. (H.git(notes, "symbolic-ref HEAD"):gsub("%s+$", ""))
  end

  -- Saves in a child process under `timeout`, so that a hang (libgit2 1.5
  -- loops forever on a cut-short object) fails the test instead of the run.
  local function save_in_child()
    local script = H.child_script(tmp, "save", [[
local store, err = core.open(arg[1])
if not store then print("OPEN-FAILED " .. tostring(err)) return end
local c, serr = store:save(arg[2])
print(c and ("SAVED " .. c.id) or ("SAVE-FAILED " .. tostring(serr)))
local h, herr = store:history(arg[2])
print(h and ("HISTORY " .. #h) or ("HISTORY-FAILED " .. tostring(herr)))
]])
    local out = H.capture("timeout 60 " .. H.quote(H.interp) .. " " .. H.quote(script) .. " " ..
      H.quote(notes) .. " " .. H.quote(REL))
    return out
  end

  before_each(function()
    core = H.core()
    tmp = H.tmpdir()
  end)

  after_each(function()
    H.cleanup()
  end)

  it("a damaged index: named with the way to rebuild it; the rebuild lets the next save commit", function()
    fresh()
    H.write(notes .. "/.git/index", "DIRC this is not an index at all")
    local store = assert(core.open(notes))
    local c, msg = store:save(REL)
    assert.is_nil(c)
    assert.truthy(msg:find("index", 1, true) and msg:find("damaged", 1, true) and msg:find("git -C", 1, true), msg)
    assert.are.equal(EDITED, H.read(notes .. "/" .. REL))
    assert.is_nil((store:save_all()))
    store:close()
    local fix = msg:match("with: (mv .*)$")
    assert.truthy(fix, msg)
    assert.is_true((H.run(fix .. " >/dev/null 2>&1")))
    store = assert(core.open(notes))
    assert.truthy(store:save(REL))
    store:close()
    assert.are.equal(EDITED, (H.git(notes, "show HEAD:" .. REL)))
    assert.is_true((H.fsck(notes)))
    assert.are.equal("", (H.git(notes, "status --porcelain")))
  end)

  it("a cut-short or corrupt object: an error naming it, not a hang", function()
    for _, damage in ipairs({ "truncate -s 10", "truncate -s 0",
      "sh -c 'printf xxxxxxxxxxxxxxxx | dd of=\"$0\" bs=1 seek=12 conv=notrunc 2>/dev/null'" }) do
      fresh()
      local head = (H.git(notes, "rev-parse HEAD"):gsub("%s+$", ""))
      local object = notes .. "/.git/objects/" .. head:sub(1, 2) .. "/" .. head:sub(3)
      assert.is_true((H.run("chmod u+w " .. H.quote(object) .. " && " .. damage .. " " .. H.quote(object))))
      local out = save_in_child()
      assert.truthy(out:find("SAVE-FAILED", 1, true), damage .. ": " .. out)
      assert.truthy(out:find(head, 1, true) and out:find("damaged", 1, true), damage .. ": " .. out)
      assert.truthy(out:find("HISTORY-FAILED", 1, true), damage .. ": " .. out)
      assert.are.equal(EDITED, H.read(notes .. "/" .. REL))
      H.cleanup()
      tmp = H.tmpdir()
    end
  end)

  it("an old version's object cut short: saving goes on, reading that version says it is damaged", function()
    fresh()
    local blob = (H.git(notes, "rev-parse HEAD~1:" .. REL):gsub("%s+$", ""))
    local object = notes .. "/.git/objects/" .. blob:sub(1, 2) .. "/" .. blob:sub(3)
    assert.is_true((H.run("chmod u+w " .. H.quote(object) .. " && truncate -s 12 " .. H.quote(object))))
    local store = assert(core.open(notes))
    assert.truthy(store:save(REL))
    local history = assert(store:history(REL))
    local text, msg = store:show(history[3].id, REL)
    assert.is_nil(text)
    assert.truthy(msg:find(blob, 1, true) and msg:find("damaged", 1, true), msg)
    assert.truthy(store:show(history[1].id, REL))
    -- An abbreviated id takes another path in libgit2 (read_prefix): it
    -- returns (libgit2's revision parser then calls it unknown), no hang.
    local commit = history[4].id
    object = notes .. "/.git/objects/" .. commit:sub(1, 2) .. "/" .. commit:sub(3)
    assert.is_true((H.run("chmod u+w " .. H.quote(object) .. " && truncate -s 12 " .. H.quote(object))))
    text, msg = store:show(commit:sub(1, 10), REL)
    assert.is_nil(text)
    assert.truthy(msg:find(commit:sub(1, 10), 1, true), msg)
    store:close()
  end)

  it("a branch or HEAD that names nothing: an error naming it, the note kept", function()
    for _, case in ipairs({
      { file = function() return branch_file() end, text = "not an object id\n", says = "branch" },
      { file = function() return branch_file() end, text = string.rep("1", 40) .. "\n", says = "not found" },
      { file = function() return notes .. "/.git/HEAD" end, text = "garbage\n", says = "HEAD" },
    }) do
      fresh()
      H.write(case.file(), case.text)
      local out = save_in_child()
      assert.truthy(out:find("SAVE-FAILED", 1, true) and out:find(case.says, 1, true), out)
      assert.are.equal(EDITED, H.read(notes .. "/" .. REL))
      H.cleanup()
      tmp = H.tmpdir()
    end
  end)

  it("a notes folder whose own .git is broken, inside another repository: refused, neither is touched", function()
    local parent = tmp .. "/home"
    assert.is_true((H.run("git init -q " .. H.quote(parent) .. " && git -C " .. H.quote(parent) ..
      " commit -q --allow-empty -m dotfiles")))
    fresh(parent)
    os.remove(notes .. "/.git/HEAD")
    local before = H.snapshot(parent)
    local out = save_in_child()
    assert.truthy(out:find("OPEN-FAILED", 1, true) and out:find(notes .. "/.git", 1, true) and
      out:find("damaged", 1, true), out)
    assert.are.equal(before, H.snapshot(parent))
    assert.are.equal("1", (H.git(parent, "rev-list --count HEAD"):gsub("%s+$", "")))
  end)
end)
