-- Hardening (issue 11, items 3 and 9): nothing blocks, nothing is misread.
-- A FIFO, a socket or a device in place of a note is refused at once by
-- save (API and command line), never waited on; restoring a version in
-- which the note was a symbolic link refuses instead of writing the link's
-- target as the note's text; and a save that reads a note while another
-- program renames new versions over it reads a whole version, never fails.
local H = require("hardening_helpers")

local RACE_SAVES = H.slow and 1000 or 150

describe("hardening: nothing blocks a save", function()
  local tmp, notes

  before_each(function()
    tmp = H.tmpdir()
    notes = tmp .. "/notes"
    assert(H.core().open(notes)):close()
    os.execute("mkdir -p " .. H.quote(notes .. "/alice"))
  end)

  after_each(function() H.cleanup() end)

  -- Runs a child that saves rel, under `timeout`: it must finish (not be
  -- killed by timeout) and report a refusal.
  local function save_in_child(rel)
    local script = H.child_script(tmp, "saver", [[
      local store = assert(core.open(arg[1]))
      local commit, err = store:save(arg[2])
      io.write(commit and "SAVED\n" or ("REFUSED " .. tostring(err) .. "\n"))
      store:close()
    ]])
    return H.capture("timeout 20 " .. H.quote(H.interp) .. " " .. H.quote(script) .. " " ..
      H.quote(notes) .. " " .. H.quote(rel))
  end

  local function assert_refused_at_once(rel)
    local head = H.git(notes, "rev-parse HEAD")
    local out, ok, status = save_in_child(rel)
    assert.are_not.equal(124, status, "save of " .. rel .. " blocked until timeout killed it")
    assert.is_true(ok, out)
    assert.matches("REFUSED .*not a regular file", out)
    assert.are.equal(head, (H.git(notes, "rev-parse HEAD")))
    local fsck_ok, fsck_out = H.fsck(notes)
    assert.is_true(fsck_ok, fsck_out)
  end

  it("refuses a FIFO in place of a note at once, with a clear error", function()
    assert.is_true(H.run("mkfifo " .. H.quote(notes .. "/alice/2026-11-02-one-on-one.org")))
    assert_refused_at_once("alice/2026-11-02-one-on-one.org")
  end)

  it("refuses a socket in place of a note at once", function()
    local path = notes .. "/alice/profile.org"
    local _, ok = H.capture("python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' " ..
      H.quote(path))
    if not ok then return pending("python3 cannot make a socket here") end
    assert_refused_at_once("alice/profile.org")
  end)

  it("refuses a character device in place of a note at once", function()
    local _, ok = H.capture("mknod " .. H.quote(notes .. "/alice/dev.org") .. " c 1 3")
    if not ok then return pending("mknod needs privileges this run does not have") end
    assert_refused_at_once("alice/dev.org")
  end)

  it("the command line refuses a FIFO at once too, exit status non-zero", function()
    local build = os.getenv("LEADNOTES_BUILD_DIR")
    if not build or H.sanitized then return pending("needs the build's leadnotes wrapper and an unsanitized interpreter") end
    assert.is_true(H.run("mkfifo " .. H.quote(notes .. "/alice/x.org")))
    local out, ok, status = H.capture("timeout 20 " .. H.quote(build .. "/bin/leadnotes") .. " --dir " ..
      H.quote(notes) .. " save alice/x.org")
    assert.are_not.equal(124, status, "leadnotes save blocked on a FIFO")
    assert.is_false(ok)
    assert.matches("not a regular file", out)
  end)

  it("restore of a version where the note was a symbolic link refuses; the working file is untouched", function()
    local rel = "alice/linked.org"
    -- A version committed by git itself in which the note is a link.
    H.run("cd " .. H.quote(notes) .. " && ln -s ../../../outside-secret " .. rel ..
      " && git add " .. rel .. " && git -c user.name=t -c user.email=t@t commit -q -m link")
    local link_commit = (H.git(notes, "rev-parse HEAD")):gsub("%s+$", "")
    H.run("cd " .. H.quote(notes) .. " && rm " .. rel .. " && printf '* note\\nmine\\n' > " .. rel ..
      " && git add " .. rel .. " && git -c user.name=t -c user.email=t@t commit -q -m file")
    local store = assert(H.core().open(notes))
    local head = H.git(notes, "rev-parse HEAD")
    local commit, err = store:restore(link_commit, rel)
    store:close()
    assert.is_nil(commit)
    assert.matches("symbolic link", tostring(err))
    assert.are.equal("* note\nmine\n", H.read(notes .. "/" .. rel))
    assert.are.equal(head, (H.git(notes, "rev-parse HEAD")))
    assert.are.equal("", (H.git(notes, "status --porcelain")))
  end)
end)

describe("hardening: another program renames new versions over a note while it is saved", function()
  after_each(function() H.cleanup() end)

  it("every one of " .. RACE_SAVES .. " saves succeeds and commits a whole version", function()
    local tmp = H.tmpdir()
    local notes = tmp .. "/notes"
    assert(H.core().open(notes)):close()
    local rel = "alice/2026-11-02-one-on-one.org"
    local path = notes .. "/" .. rel
    os.execute("mkdir -p " .. H.quote(notes .. "/alice"))
    -- Versions of different sizes, so a torn read shows.
    H.write(tmp .. "/renamer.sh", [[
path=$1 i=0
while :; do
  i=$((i + 1))
  { printf '* note\nversion %d\n' "$i"; seq 1 $((i % 400)) | sed 's/^/- line /'; printf 'end %d\n' "$i"; } > "$path.tmp"
  mv -f "$path.tmp" "$path"
done
]])
    H.write(path, "* note\nversion 0\nend 0\n")
    local renamer = tonumber((H.capture("sh " .. H.quote(tmp .. "/renamer.sh") .. " " .. H.quote(path) ..
      " >/dev/null 2>&1 & echo $!")):match("%d+"))
    local script = H.child_script(tmp, "saver", [[
      local store = assert(core.open(arg[1]))
      local failed, made = 0, 0
      for i = 1, tonumber(arg[3]) do
        local commit, err = store:save(arg[2])
        if commit then made = made + 1
        elseif err then failed = failed + 1; io.write("FAIL ", tostring(err), "\n") end
      end
      store:close()
      io.write("DONE made=", made, " failed=", failed, "\n")
    ]])
    local out = H.run_child(script, H.quote(notes) .. " " .. H.quote(rel) .. " " .. RACE_SAVES)
    os.execute("kill " .. renamer .. " 2>/dev/null")
    assert.matches("DONE made=%d+ failed=0", out)
    local made = tonumber(out:match("made=(%d+)"))
    assert.is_true(made > 0, out)
    -- Every committed version is whole: it starts and ends with the same number.
    local seen = 0
    for id in (H.git(notes, "log --format=%H -n 30 -- " .. rel)):gmatch("%x+") do
      local text = H.git(notes, "show " .. id .. ":" .. rel)
      local first, last = text:match("^%* note\nversion (%d+)\n"), text:match("end (%d+)\n$")
      assert.is_truthy(first and first == last, "a torn version was committed:\n" .. text:sub(1, 200))
      seen = seen + 1
    end
    assert.is_true(seen > 0)
    local ok, fsck_out = H.fsck(notes)
    assert.is_true(ok, fsck_out)
  end)
end)
