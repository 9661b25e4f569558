-- The notes store (issue 3): open/create, people, new_note, save, show,
-- diff, restore, status, save_all, checked against the git command line.
-- Runs under Lua 5.4, 5.3 and LuaJIT.
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path

local helpers = require("helpers")
local T = {
  q = helpers.quote, sh = helpers.sh, ok = helpers.ok, git = helpers.git, write = helpers.write,
  read = helpers.read, cleanup = helpers.cleanup, fsck = helpers.assert_fsck, clean = helpers.assert_clean,
}
function T.tmp() return helpers.tmpdir("store") end

function T.count(dir) return tonumber((T.git(dir, "rev-list --count HEAD"):gsub("%s+", ""))) end

local ln = require("leadnotes")
local core = ln.core

describe("store:", function()
  local root, notes, store
  before_each(function()
    root = T.tmp()
    notes = root .. "/notes"
    store = assert(core.open(notes))
  end)
  after_each(function()
    if store then store:close() end
    T.fsck(notes)
    T.cleanup()
  end)

  it("opening a missing folder creates it 0700 as a repository with a first commit", function()
    assert.equals("700", (T.ok("stat -c %a " .. T.q(notes)):gsub("%s+", "")))
    assert.equals(1, T.count(notes))
    assert.equals(notes, store:dir())
    assert.equals("", store:prefix())
    assert.matches("leadnotes.store %(", tostring(store))
  end)

  it("a closed store says so instead of crashing", function()
    store:close()
    assert.equals("leadnotes.store (closed)", tostring(store))
    local ok, err = pcall(store.save, store, "a/b.org")
    assert.is_false(ok)
    assert.matches("attempt to use a closed notes store", err)
    store = nil
  end)

  it("saving commits exactly that path with a message naming person, kind and date, and leaves git status clean", function()
    T.ok("mkdir -p " .. T.q(notes .. "/alice") .. " " .. T.q(notes .. "/bob"))
    T.write(notes .. "/alice/2026-11-28-one-on-one.org", "* secret content marker\n")
    T.write(notes .. "/bob/2026-11-28-one-on-one.org", "bob's\n")
    local c = assert(store:save("alice/2026-11-28-one-on-one.org"))
    assert.equals(40, #c.id)
    assert.equals(c.id:sub(1, 7), c.short)
    assert.equals("alice: one-on-one 2026-11-28", c.summary)
    assert.equals(c.id .. "\n", T.git(notes, "rev-parse HEAD"))
    assert.equals("alice/2026-11-28-one-on-one.org\n", T.git(notes, "show --format= --name-only HEAD"))
    assert.is_nil(T.git(notes, "log --format=%B"):find("secret content marker", 1, true))
    -- bob's file is untracked, alice's is clean
    assert.equals("?? bob/\n", T.git(notes, "status --porcelain"))
    assert.equals("* secret content marker\n", T.git(notes, "show HEAD:alice/2026-11-28-one-on-one.org"))
  end)

  it("a save holds .git/index.lock as a link to its mark, gives it back, and clears the mark a killed process left", function()
    local ldir = notes .. "/.git/leadnotes/"
    local dead = T.ok("sh -c 'echo $$'"):gsub("%s+", "")
    local left = ldir .. "index.lock.mark." .. dead .. ".1"
    T.write(left, "leadnotes " .. dead .. "\n")
    T.ok("mkdir -p " .. T.q(notes .. "/alice"))
    T.write(notes .. "/alice/a.org", "one\n")
    assert(store:save("alice/a.org"))
    store:flush()
    assert.is_nil(T.read(left), "the dead process's mark is removed")
    assert.is_nil(T.read(notes .. "/.git/index.lock"), "index.lock is given back")
    local marks = T.ok("ls " .. T.q(ldir) .. " | grep -c '^index.lock.mark.' || true"):gsub("%s+", "")
    assert.equals("1", marks, "this store's own mark while it is open")
    -- git commits on top while the store is open: the lock is really gone
    T.write(notes .. "/alice/b.org", "two\n")
    T.git(notes, "add alice/b.org")
    T.git(notes, "commit -q -m outside")
    T.write(notes .. "/alice/a.org", "one\nmore\n")
    assert(store:save("alice/a.org"))
    store:close()
    store = nil
    marks = T.ok("ls " .. T.q(ldir) .. " | grep -c '^index.lock.mark.' || true"):gsub("%s+", "")
    assert.equals("0", marks, "closing removes the mark")
    T.clean(notes)
    assert.equals(4, T.count(notes))
  end)

  it("a save writes its objects as one pack, no loose file; closing merges the small packs", function()
    T.ok("mkdir -p " .. T.q(notes .. "/alice/deep/er"))
    local loose_before = T.git(notes, "count-objects"):match("^(%d+) objects")
    local packs = function()
      return tonumber((T.ok("ls " .. T.q(notes .. "/.git/objects/pack") .. " | grep -c '\\.pack$' || true"):gsub("%s+", "")))
    end
    local before = packs()
    for i = 1, 12 do
      T.write(notes .. "/alice/deep/er/n.org", "version " .. i .. "\n")
      local c = assert(store:save("alice/deep/er/n.org"))
      -- the commit, its trees and the blob are readable by git at once
      assert.equals("version " .. i .. "\n", T.git(notes, "show " .. c.id .. ":alice/deep/er/n.org"))
    end
    assert.equals(loose_before, T.git(notes, "count-objects"):match("^(%d+) objects"), "no loose object")
    assert.equals(before + 12, packs(), "one pack per save")
    store:flush()
    T.clean(notes)
    store:close()
    store = nil
    assert.is_true(packs() <= before + 4, "closing merged the small packs: " .. packs())
    for i = 1, 12 do
      assert.equals("version " .. (13 - i) .. "\n", T.git(notes, "show HEAD~" .. (i - 1) .. ":alice/deep/er/n.org"))
    end
    T.clean(notes)
  end)

  it("a save's pack verifies with git, its branch moves with git's reflog entry, and its trees are git's", function()
    store:close()
    store = nil
    T.ok("mkdir -p " .. T.q(notes .. "/alice/sub") .. " " .. T.q(notes .. "/alice-b") .. " " .. T.q(notes .. "/alice.x"))
    -- names around "alice/" in git's order of entries: "alice-b" < "alice.x" < "alice/" < "alice0"
    T.write(notes .. "/alice-b/n.org", "b\n")
    T.write(notes .. "/alice.x/n.org", "x\n")
    T.write(notes .. "/alice0.org", "0\n")
    T.git(notes, "add -A")
    T.git(notes, "-c user.name=t -c user.email=t@t commit -q -m setup")
    store = assert(core.open(notes))
    for i = 1, 3 do
      T.write(notes .. "/alice/sub/v.org", "version " .. i .. "\n")
      local c = assert(store:save("alice/sub/v.org"))
      store:flush()
      local idx = (T.ok("ls -t " .. T.q(notes .. "/.git/objects/pack") .. "/*.idx | head -1"):gsub("%s+$", ""))
      local verify = T.ok("git verify-pack -v " .. T.q(idx))
      assert.truthy(verify:find(c.id .. " commit ", 1, true), verify)
      assert.truthy(verify:find(": ok\n", 1, true), verify)
      assert.equals("444", (T.ok("stat -c %a " .. T.q(idx)):gsub("%s+", "")))
      assert.equals(c.id .. " commit: " .. c.summary .. "\n", T.git(notes, "reflog -1 --format=%H%x20%gs HEAD"))
      local branch = (T.git(notes, "symbolic-ref --short HEAD"):gsub("%s+", ""))
      assert.equals(c.id .. "\n", T.git(notes, "reflog -1 --format=%H " .. branch))
      -- the tree git would write for the same files
      assert.equals(T.git(notes, "rev-parse HEAD^{tree}"), T.git(notes, "write-tree"))
    end
    assert.equals("700", (T.ok("stat -c %a " .. T.q(notes .. "/.git/leadnotes/spare")):gsub("%s+", "")))
    assert.equals("", T.git(notes, "status --porcelain"))
    store:close()
    store = nil
    assert.equals("0", (T.ok("ls " .. T.q(notes .. "/.git/leadnotes/spare") .. " | wc -l"):gsub("%s+", "")), "closing removes its spares")
  end)

  it("a save stores what git add would, with and without attributes and core.autocrlf", function()
    T.ok("mkdir -p " .. T.q(notes .. "/alice") .. " " .. T.q(notes .. "/bob"))
    local function same_as_git(rel, text, why)
      T.write(notes .. "/" .. rel, text)
      assert(store:save(rel))
      store:flush()
      assert.equals(T.git(notes, "hash-object " .. rel), T.git(notes, "rev-parse HEAD:" .. rel), why)
    end
    same_as_git("alice/a.org", "plain\r\n", "no attributes: bytes as they are")
    T.write(notes .. "/bob/.gitattributes", "*.org text eol=lf\n*.txt ident\n")
    same_as_git("bob/b.org", "text\r\nwith crlf\r\n", "text eol=lf in the folder's .gitattributes")
    same_as_git("bob/c.txt", "$Id: old $\n", "ident")
    same_as_git("alice/d.org", "still\r\nplain\r\n", "bob's attributes are not alice's")
    -- libgit2 reads core.autocrlf once per repository it opens: a store
    -- opened after the change sees it
    local function reopen_with(setting)
      store:close()
      T.git(notes, "config " .. setting)
      store = assert(core.open(notes))
    end
    reopen_with("core.autocrlf input")
    same_as_git("alice/e.org", "input\r\nmode\r\n", "core.autocrlf input")
    reopen_with("core.autocrlf false")
    same_as_git("alice/f.org", "false\r\nmode\r\n", "core.autocrlf false")
    reopen_with("--unset core.autocrlf")
    T.ok("rm " .. T.q(notes .. "/alice/e.org") .. " " .. T.q(notes .. "/alice/f.org") .. " " ..
      T.q(notes .. "/alice/a.org") .. " " .. T.q(notes .. "/alice/d.org") .. " " .. T.q(notes .. "/bob/b.org") .. " " ..
      T.q(notes .. "/bob/c.txt"))
    assert(store:save_all())
    store:flush()
  end)

  it("the index a save writes keeps git's cache tree, invalid only along the saved path", function()
    for _, p in ipairs({ "alice", "bob", "carol" }) do T.write(notes .. "/" .. p .. "/n.org", p .. "\n") end
    assert(store:save_all())
    T.git(notes, "read-tree HEAD") -- git writes a full cache tree
    T.write(notes .. "/bob/n.org", "bob again\n")
    assert(store:save("bob/n.org"))
    store:flush()
    local index = T.read(notes .. "/.git/index")
    assert.truthy(index:find("TREE", 1, true), "the cache tree is carried")
    assert.truthy(index:find("bob\0-1 0\n", 1, true), "bob's folder: invalid")
    assert.truthy(index:find("alice\0001 0\n", 1, true), "alice's folder: still valid")
    -- git trusts the valid nodes: the tree it writes from the index is HEAD's
    assert.equals(T.git(notes, "rev-parse HEAD^{tree}"), T.git(notes, "write-tree"))
    T.clean(notes)
  end)

  it("saving an unchanged file makes no commit", function()
    T.ok("mkdir -p " .. T.q(notes .. "/alice"))
    T.write(notes .. "/alice/profile.org", "x\n")
    assert(store:save("alice/profile.org"))
    local n = T.count(notes)
    local again, err = store:save("alice/profile.org")
    assert.is_nil(again)
    assert.is_nil(err)
    assert.equals(n, T.count(notes))
  end)

  it("a save never modifies the working file and keeps an outside git commit from reverting it", function()
    T.ok("mkdir -p " .. T.q(notes .. "/alice"))
    local path = notes .. "/alice/2026-11-01-one-on-one.org"
    T.write(path, "one\r\ntwo\r\n")
    local before = T.ok("stat -c '%Y %s %i' " .. T.q(path))
    assert(store:save(path))
    assert.equals(before, T.ok("stat -c '%Y %s %i' " .. T.q(path)))
    assert.equals("one\r\ntwo\r\n", T.read(path))
    T.write(path, "one\r\ntwo\r\nthree\r\n")
    assert(store:save(path))
    -- an outside commit of another file keeps our content
    T.write(notes .. "/README", "readme\n")
    T.git(notes, "add README")
    T.git(notes, "commit -q -m outside")
    assert.equals("one\r\ntwo\r\nthree\r\n", T.git(notes, "show HEAD:alice/2026-11-01-one-on-one.org"))
    T.clean(notes)
  end)

  it("the default author comes from git config, else leadnotes <leadnotes@localhost>", function()
    T.git(notes, "config user.name 'Repo Person'")
    T.git(notes, "config user.email repo@example.com")
    T.ok("mkdir -p " .. T.q(notes .. "/a"))
    T.write(notes .. "/a/x.org", "1\n")
    assert(store:save("a/x.org"))
    assert.equals("Repo Person <repo@example.com>\n", T.git(notes, "log -1 --format='%an <%ae>'"))
    T.git(notes, "config --unset user.name")
    T.git(notes, "config --unset user.email")
    store:close()
    local home = T.tmp()
    -- no global config either: HOME points at an empty folder
    local script = root .. "/author.lua"
    T.write(script, string.format([[
      package.path = %q
      local core = require("leadnotes").core
      local s = assert(core.open(%q))
      local f = io.open(%q, "wb") f:write("2\n") f:close()
      assert(s:save("a/x.org"))
    ]], package.path, notes, notes .. "/a/x.org"))
    T.ok("cd " .. T.q(os.getenv("LEADNOTES_SOURCE_DIR") or ".") .. " && HOME=" .. T.q(home) ..
      " XDG_CONFIG_HOME=" .. T.q(home) .. " GIT_CONFIG_NOSYSTEM=1 " ..
      (os.getenv("LEADNOTES_LUA_INTERP") or "lua5.4") .. " " .. T.q(script))
    assert.equals("leadnotes <leadnotes@localhost>\n", T.git(notes, "log -1 --format='%an <%ae>'"))
    store = assert(core.open(notes))
  end)

  it("saving a deleted file commits the deletion and drops the emptied folder from the tree", function()
    T.ok("mkdir -p " .. T.q(notes .. "/carol"))
    T.write(notes .. "/carol/2026-01-01-one-on-one.org", "x\n")
    assert(store:save("carol/2026-01-01-one-on-one.org"))
    os.remove(notes .. "/carol/2026-01-01-one-on-one.org")
    local c = assert(store:save("carol/2026-01-01-one-on-one.org"))
    assert.equals("carol: remove one-on-one 2026-01-01", c.summary)
    assert.equals("", T.git(notes, "ls-tree -r HEAD"))
    T.clean(notes)
    local none, msg, code = store:save("carol/never.org")
    assert.is_nil(none)
    assert.matches("no note", msg)
    assert.equals("not found", code)
  end)

  it("people() lists the top-level folders, person_dir maps names and refuses hostile ones", function()
    T.ok("mkdir -p " .. T.q(notes .. "/bob") .. " " .. T.q(notes .. "/alice"))
    T.write(notes .. "/toplevel.org", "x")
    assert.same({ "alice", "bob" }, store:people())
    assert.equals("José-Pérez", store:person_dir("José  Pérez"))
    assert.equals("李雷", store:person_dir("李雷"))
    assert.equals("Ann-Lee", core.person_dir(" Ann\tLee "))
    local refused = { "", " ", ".", "..", "a/b", "a\\b", "a\0b", "a\nb", ".hidden", ".git", ".GIT",
      "Git~1", string.rep("x", 101), "a\226\129\132b" --[[ U+2044 fraction slash ]], "\255\254" }
    for _, name in ipairs(refused) do
      local dir, msg, code = store:person_dir(name)
      assert.is_nil(dir, "accepted " .. name)
      assert.equals("invalid", code)
      assert.is_string(msg)
    end
    assert.equals(string.rep("x", 100), store:person_dir(string.rep("x", 100)))
  end)

  it("paths outside the folder, into .git, or through a symlink leading out are refused and nothing is written", function()
    local outside = root .. "/outside.org"
    T.write(outside, "outside\n")
    T.ok("mkdir -p " .. T.q(notes .. "/eve"))
    T.ok("ln -s " .. T.q(outside) .. " " .. T.q(notes .. "/eve/link.org"))
    T.ok("ln -s " .. T.q(root) .. " " .. T.q(notes .. "/escape"))
    local n = T.count(notes)
    for _, p in ipairs({ "../outside.org", "/etc/passwd", outside, ".git/config", "eve/../../outside.org",
      "eve/link.org", "escape/outside.org", "a/.GIT/hooks/x" }) do
      local c, msg, code = store:save(p)
      assert.is_nil(c, p)
      assert.equals("invalid", code, p .. ": " .. tostring(msg))
    end
    assert.equals(n, T.count(notes))
    assert.equals("outside\n", T.read(outside))
    local s, msg = store:show("HEAD", "../outside.org")
    assert.is_nil(s)
    assert.matches("leaves the notes folder", msg)
  end)

  it("show and diff equal git show and git diff, for revisions and the working file", function()
    T.ok("mkdir -p " .. T.q(notes .. "/dan"))
    local rel = "dan/2026-02-02-one-on-one.org"
    local lines = {}
    for i = 1, 40 do lines[#lines + 1] = "line " .. i end
    T.write(notes .. "/" .. rel, table.concat(lines, "\n") .. "\n")
    local first = assert(store:save(rel))
    lines[3] = "changed three"
    lines[30] = "changed thirty"
    table.insert(lines, 20, "inserted")
    T.write(notes .. "/" .. rel, table.concat(lines, "\n") .. "\n")
    local second = assert(store:save(rel))
    assert.equals(T.git(notes, "show " .. first.id .. ":" .. rel), store:show(first.id, rel))
    assert.equals(T.git(notes, "show HEAD~1:" .. rel), store:show("HEAD~1", rel))
    local hunks = function(d) return (d:gsub("^.-\n@@", "@@")) end
    local ours = store:diff(first.id, second.id, rel)
    local theirs = T.git(notes, "diff " .. first.id .. " " .. second.id .. " -- " .. rel)
    assert.equals(hunks(theirs), hunks(ours))
    assert.matches("^diff %-%-git a/dan/", ours)
    -- against the working file
    lines[1] = "edited in the editor"
    T.write(notes .. "/" .. rel, table.concat(lines, "\n") .. "\n")
    assert.equals(hunks(T.git(notes, "diff HEAD -- " .. rel)), hunks(store:diff("HEAD", nil, rel)))
    assert.equals("", store:diff("HEAD", "HEAD", rel))
    -- unknown revision, missing path
    local none, msg, code = store:show("nosuchrev", rel)
    assert.is_nil(none)
    assert.equals("not found", code)
    assert.matches("no revision", msg)
    none, msg, code = store:show("HEAD", "dan/missing.org")
    assert.is_nil(none)
    assert.equals("not found", code)
    none, msg, code = store:diff("HEAD", "nosuchrev", rel)
    assert.is_nil(none)
    assert.equals("not found", code)
  end)

  it("restore writes the old version back and commits it with a message that says so", function()
    T.ok("mkdir -p " .. T.q(notes .. "/fay"))
    local rel = "fay/2026-03-03-evaluation.org"
    T.write(notes .. "/" .. rel, "version one\n")
    local one = assert(store:save(rel))
    T.write(notes .. "/" .. rel, "version two\n")
    assert(store:save(rel))
    local c = assert(store:restore(one.id, rel))
    assert.matches("^Restore fay/2026%-03%-03%-evaluation.org as it was at " .. one.id, c.summary)
    assert.equals("version one\n", T.read(notes .. "/" .. rel))
    assert.equals("version one\n", T.git(notes, "show HEAD:" .. rel))
    assert.equals("version two\n", T.git(notes, "show HEAD~1:" .. rel))
    assert.equals("600", (T.ok("stat -c %a " .. T.q(notes .. "/" .. rel)):gsub("%s+", "")))
    T.clean(notes)
    -- restoring a deleted note brings it back
    os.remove(notes .. "/" .. rel)
    assert(store:save(rel))
    assert(store:restore("HEAD~1", rel))
    assert.equals("version one\n", T.read(notes .. "/" .. rel))
    T.clean(notes)
  end)

  it("status lists outside edits and save_all commits them, one commit per person", function()
    T.ok("mkdir -p " .. T.q(notes .. "/gus") .. " " .. T.q(notes .. "/hal"))
    T.write(notes .. "/gus/a.org", "a\n")
    T.write(notes .. "/gus/b.org", "b\n")
    T.write(notes .. "/hal/c.org", "c\n")
    assert(store:save("hal/c.org"))
    T.write(notes .. "/hal/c.org", "c changed\n")
    local st = store:status()
    assert.same({ { path = "gus/a.org", state = "new" }, { path = "gus/b.org", state = "new" },
      { path = "hal/c.org", state = "modified" } }, st)
    local n = T.count(notes)
    local commits = assert(store:save_all())
    assert.equals(2, #commits)
    assert.equals(n + 2, T.count(notes))
    assert.equals("gus/a.org\ngus/b.org\n", T.git(notes, "show --format= --name-only HEAD~1"))
    assert.equals("hal/c.org\n", T.git(notes, "show --format= --name-only HEAD"))
    assert.same({}, store:status())
    T.clean(notes)
    os.remove(notes .. "/gus/a.org")
    assert.same({ { path = "gus/a.org", state = "deleted" } }, store:status())
    assert.equals(1, #assert(store:save_all()))
    T.clean(notes)
  end)

  it("blob_id gives the blob at HEAD and whether the working file differs", function()
    T.ok("mkdir -p " .. T.q(notes .. "/ida"))
    T.write(notes .. "/ida/p.org", "p\n")
    assert.is_nil(store:blob_id("ida/p.org"))
    assert(store:save("ida/p.org"))
    local id, dirty = store:blob_id("ida/p.org")
    assert.equals(T.git(notes, "rev-parse HEAD:ida/p.org"), id .. "\n")
    assert.is_false(dirty)
    T.write(notes .. "/ida/p.org", "p2\n")
    id, dirty = store:blob_id("ida/p.org")
    assert.is_true(dirty)
  end)

  it("a folder inside an existing repository uses it and touches only paths under the folder", function()
    store:close()
    local repo = root .. "/big"
    T.ok("mkdir -p " .. T.q(repo))
    T.git(repo, "init -q")
    T.write(repo .. "/code.c", "int x;\n")
    T.git(repo, "add code.c")
    T.git(repo, "commit -q -m code")
    T.write(repo .. "/code.c", "int y; /* uncommitted */\n")
    store = assert(core.open(repo .. "/team/notes", { shared = true }))
    assert.equals("team/notes/", store:prefix())
    T.ok("mkdir -p " .. T.q(repo .. "/team/notes/jo"))
    T.write(repo .. "/team/notes/jo/2026-04-04-one-on-one.org", "jo\n")
    local c = assert(store:save("jo/2026-04-04-one-on-one.org"))
    assert.equals("jo: one-on-one 2026-04-04", c.summary)
    assert.equals("team/notes/jo/2026-04-04-one-on-one.org\n", T.git(repo, "show --format= --name-only HEAD"))
    assert.equals(" M code.c\n", T.git(repo, "status --porcelain"))
    assert.same({}, store:status())
    assert.equals(1, #store:history("jo"))
    T.fsck(repo)
    notes = repo
  end)

  it("new_note renders the template into <person>/<date>-<kind>.org, 0600, never overwriting", function()
    package.loaded["leadnotes.templates"] = {
      render = function(kind, person, values, opts)
        assert.equals(store, opts.store)
        return "* " .. kind .. " with " .. person .. " on " .. opts.date .. "\n", { line = 1, col = 2 }
      end,
    }
    local notes_mod = require("leadnotes.notes")
    store:close()
    store = assert(notes_mod.open(notes))
    local path, cursor = store:new_note("one-on-one", "Kim Lee", { date = "2026-05-05" })
    assert.equals(notes .. "/Kim-Lee/2026-05-05-one-on-one.org", path)
    assert.same({ line = 1, col = 2 }, cursor)
    assert.equals("* one-on-one with Kim Lee on 2026-05-05\n", T.read(path))
    assert.equals("600", (T.ok("stat -c %a " .. T.q(path)):gsub("%s+", "")))
    assert.equals("700", (T.ok("stat -c %a " .. T.q(notes .. "/Kim-Lee")):gsub("%s+", "")))
    T.write(path, "kept\n")
    local second = store:new_note("one-on-one", "Kim Lee", { date = "2026-05-05" })
    assert.equals(notes .. "/Kim-Lee/2026-05-05-one-on-one-2.org", second)
    assert.equals("kept\n", T.read(path))
    assert.equals(notes .. "/Kim-Lee/2026-05-05-one-on-one-3.org",
      (store:new_note("one-on-one", "Kim Lee", { date = "2026-05-05" })))
    require("leadnotes.config").setup({ format = "markdown" })
    assert.equals(notes .. "/Kim-Lee/2026-05-05-evaluation.md",
      (store:new_note("evaluation", "Kim Lee", { date = "2026-05-05" })))
    require("leadnotes.config").setup({})
    local none, msg = store:new_note("one-on-one", "../x")
    assert.is_nil(none)
    assert.is_string(msg)
    assert.has_error(function() store:new_note(nil, "x") end)
    package.loaded["leadnotes.templates"] = nil
  end)
end)
