-- :checkhealth leadnotes names what a user must know (issue 11): notes that
-- share a repository with other files, a folder that is not a repository,
-- unresolved sync conflicts, and the git hooks leadnotes does not run.
-- Each check is made true with git, then the report is read.
local dir = assert(os.getenv("LEADNOTES_DIR"), "LEADNOTES_DIR must be set")
local common = require("leadnotes.editor.common")

local truthy = dofile(os.getenv("LEADNOTES_SOURCE_DIR") .. "/tests/nvim/check.lua").truthy
local function sh(cmd)
  local out = vim.fn.system(cmd)
  if vim.v.shell_error ~= 0 then error(cmd .. " failed: " .. out, 2) end
  return out
end
local function report()
  vim.cmd("checkhealth leadnotes")
  return table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
end
local function write(path, text)
  vim.fn.mkdir(vim.fn.fnamemodify(path, ":h"), "p")
  vim.fn.writefile(vim.split(text, "\n", { plain = true }), path, "b")
end
local GIT = "git -c user.name=T -c user.email=t@example.com -c init.defaultBranch=main "

local function use_dir(path)
  common.reset()
  require("leadnotes.config").options.notes_dir = path
end

test(":checkhealth warns when the notes share a repository with other files", function()
  if not common.api() then error("the module does not load in this Neovim") end
  local outer = vim.fn.tempname()
  sh(GIT .. "init -q " .. vim.fn.shellescape(outer))
  local notes = outer .. "/notes"
  write(notes .. "/dana/2026-01-05-one-on-one.org", "* notes\n")
  vim.loop.fs_chmod(notes, tonumber("700", 8))
  use_dir(notes)
  local text = report()
  truthy(text:find("share the git repository " .. outer, 1, true), text)
  truthy(text:find("WARNING", 1, true), text)
  use_dir(dir)
end)

test(":checkhealth warns about a folder with files that is not a repository", function()
  if not common.api() then error("the module does not load in this Neovim") end
  local plain = vim.fn.tempname()
  write(plain .. "/todo.txt", "x\n")
  vim.loop.fs_chmod(plain, tonumber("700", 8))
  use_dir(plain)
  local text = report()
  truthy(text:find("leadnotes init " .. plain, 1, true), text)
  truthy(vim.fn.isdirectory(plain .. "/.git") == 0, "the health check created no repository")
  use_dir(dir)
end)

test(":checkhealth lists a note with unresolved sync conflict markers until it is saved without them", function()
  if not common.api() then error("the module does not load in this Neovim") end
  local root = vim.fn.tempname()
  vim.fn.mkdir(root, "p")
  local bare, a, b = root .. "/r.git", root .. "/a", root .. "/b"
  sh(GIT .. "init -q --bare -b main " .. bare)
  sh(GIT .. "clone -q " .. bare .. " " .. a)
  write(a .. "/alice/n.org", "one\ntwo\n")
  sh(GIT .. "-C " .. a .. " add -A && " .. GIT .. "-C " .. a .. " commit -qm one && " .. GIT .. "-C " .. a .. " push -q origin main")
  sh(GIT .. "clone -q " .. bare .. " " .. b)
  vim.loop.fs_chmod(a, tonumber("700", 8))
  vim.loop.fs_chmod(b, tonumber("700", 8))
  local core = common.api().core
  local sa, sb = assert(core.open(a)), assert(core.open(b))
  write(a .. "/alice/n.org", "one\nANN\n")
  assert(sa:save("alice/n.org"))
  write(b .. "/alice/n.org", "one\nBOB\n")
  assert(sb:save("alice/n.org"))
  assert(sa:sync())
  local r = assert(sb:sync())
  truthy(#r.conflicts == 1, "the sync made a conflict")
  sa:close()
  sb:close()
  use_dir(b)
  local text = report()
  truthy(text:find("alice/n.org still holds both versions", 1, true), text)
  write(b .. "/alice/n.org", "one\nANN and BOB\n")
  assert(common.store(b):save("alice/n.org"))
  text = report()
  truthy(not text:find("still holds both versions", 1, true), text)
  truthy(text:find("no unresolved sync conflicts", 1, true), text)
  use_dir(dir)
end)
