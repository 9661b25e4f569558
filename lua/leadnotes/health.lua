-- :checkhealth leadnotes — the Lua ABI, the built module, libgit2, the notes
-- folder and its permissions, the git identity. Works with Neovim 0.7's
-- require("health").report_* and with 0.9+'s vim.health.
local M = {}

local function reporter()
  local h = vim.health
  if h and h.start then
    return { start = h.start, ok = h.ok, warn = h.warn, error = h.error, info = h.info }
  end
  h = (h and h.report_start) and h or require("health")
  return { start = h.report_start, ok = h.report_ok, warn = h.report_warn, error = h.report_error, info = h.report_info }
end

local function octal(mode)
  local digits = {}
  for _ = 1, 3 do
    digits[#digits + 1] = tostring(mode % 8)
    mode = math.floor(mode / 8)
  end
  return digits[3] .. digits[2] .. digits[1]
end

function M.check()
  local report = reporter()
  report.start("leadnotes: the module")
  local abi = type(jit) == "table" and ("LuaJIT (" .. (jit.version or "?") .. ", the Lua 5.1 ABI)") or _VERSION
  report.info("Lua of this editor: " .. abi)
  local api, err = require("leadnotes.editor.common").api()
  if not api then
    report.error(tostring(err):gsub("^%(leadnotes%)%s*", ""), {
      "Build it for Neovim: cmake --preset luajit && cmake --build --preset luajit",
    })
  else
    report.ok("leadnotes.core loaded (" .. tostring(api.core.lua_version) .. ")")
    local version = api.core.libgit2_version and api.core.libgit2_version()
    if version then report.ok("libgit2 " .. version) else report.warn("libgit2 version unknown") end
  end
  for _, part in ipairs({ { "templates", "leadnotes.templates" }, { "notes store", "leadnotes.notes" }, { "insights", "leadnotes.insights" } }) do
    if api and pcall(require, part[2]) then
      report.ok(part[1] .. " available")
    else
      report.warn(part[1] .. " not available: " .. part[2] .. " is not built yet")
    end
  end

  report.start("leadnotes: the notes folder")
  local dir = vim.fn.fnamemodify(require("leadnotes.config").notes_dir(), ":p"):gsub("/+$", "")
  local uv = vim.loop
  local stat = uv.fs_stat(dir)
  if not stat then
    report.info(dir .. " does not exist yet; the first :Lead command creates it (mode 0700)")
  elseif stat.type ~= "directory" then
    report.error(dir .. " is not a folder")
  else
    local mode = octal(stat.mode % 512)
    if stat.mode % 64 == 0 then
      report.ok(dir .. " (mode " .. mode .. ")")
    else
      report.warn(dir .. " is readable by others (mode " .. mode .. ")", { "These are personnel notes: chmod 700 " .. dir })
    end
    local top = dir
    while top ~= "" and not uv.fs_stat(top .. "/.git") do top = top:match("^(.*)/[^/]*$") or "" end
    if top == dir then
      report.ok("a git repository of its own")
    elseif top ~= "" then
      -- Whatever the setting, sharing is worth a warning: the notes go
      -- wherever that repository is pushed.
      local shared = require("leadnotes.config").options.shared_repository
      report.warn("the notes share the git repository " .. top .. " with other files: they are committed into it "
        .. "and pushed wherever it is pushed" .. (shared and " (shared_repository = true)" or
        "; leadnotes refuses to use it unless shared_repository = true"),
        { "Keep personnel notes in a folder of their own: point notes_dir at a folder outside " .. top })
    elseif vim.fn.empty(vim.fn.readdir(dir)) == 1 then
      report.info("not a git repository yet; the first :Lead command makes it one of its own")
    else
      report.warn("not a git repository, and it holds files: leadnotes does not turn it into one by itself",
        { "Adopt it explicitly (only notes in person folders are committed): leadnotes init " .. dir })
    end
  end

  -- Sync conflicts stay listed until a marker-free version is saved.
  if stat and stat.type == "directory" and uv.fs_stat(dir .. "/.git") then
    report.start("leadnotes: git hooks and sync")
    local store = api and require("leadnotes.editor.common").store(dir)
    local got_hooks, hooks = pcall(function() return store and store:hooks() end)
    if got_hooks and type(hooks) == "table" and #hooks > 0 then
      report.warn("git hooks that leadnotes does not run (it commits in-process): " .. table.concat(hooks, ", "),
        { "Saves and syncs from leadnotes skip them; run their checks yourself if they matter" })
    elseif got_hooks and type(hooks) == "table" then
      report.ok("no git hooks that leadnotes would skip")
    end
    local ok, list = pcall(function() return store and store:conflicts() end)
    if ok and type(list) == "table" and #list > 0 then
      for _, path in ipairs(list) do
        report.warn(require("leadnotes.editor.common").printable(path) .. " still holds both versions from a sync",
          { "Keep what is right between <<<<<<< and >>>>>>> in that note, then save it" })
      end
    elseif ok and type(list) == "table" then
      report.ok("no unresolved sync conflicts")
    end
  end

  report.start("leadnotes: git identity")
  -- Read the way git does, last one wins: global, then the repository's.
  local home = os.getenv("HOME") or ""
  local xdg = os.getenv("XDG_CONFIG_HOME") or (home .. "/.config")
  local identity = {}
  for _, file in ipairs({ xdg .. "/git/config", home .. "/.gitconfig", dir .. "/.git/config" }) do
    local f = io.open(file, "r")
    if f then
      local section
      for line in f:lines() do
        local header = line:match("^%s*%[([^%]]+)%]")
        if header then section = header:lower():gsub("%s.*", "") end
        local key, value = line:match("^%s*(%w+)%s*=%s*(.-)%s*$")
        if section == "user" and key and (key:lower() == "name" or key:lower() == "email") then
          identity[key:lower()] = value:gsub('^"(.*)"$', "%1")
        end
      end
      f:close()
    end
  end
  if identity.name and identity.name ~= "" and identity.email and identity.email ~= "" then
    report.ok("commits are made as " .. identity.name .. " <" .. identity.email .. ">")
  else
    report.warn("no git user.name / user.email: commits will be made as leadnotes <leadnotes@localhost>",
      { "git config --global user.name 'Your Name'", "git config --global user.email you@example.com" })
  end
end

return M
