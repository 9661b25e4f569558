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

-- What to do when the core is missing: build it where the sources are,
-- install it where this is an installed copy (no sources to build from).
function M.core_advice()
  local source = debug.getinfo(1, "S").source
  local root = source:sub(1, 1) == "@" and source:sub(2):gsub("/lua/leadnotes/health%.lua$", "") or "."
  local f = io.open(root .. "/CMakeLists.txt", "r")
  if f then
    f:close()
    return "Build it for Neovim in " .. root
      .. ": cmake --preset luajit -DBUILD_TESTING=OFF && cmake --build --preset luajit"
  end
  return "This is an installed copy (" .. root .. "): from the sources, cmake --preset luajit -DBUILD_TESTING=OFF"
    .. " && cmake --build --preset luajit && cmake --install build/luajit --prefix <the prefix of " .. root .. ">"
end

-- The remote section: which remote a sync uses, how it will authenticate,
-- and whether the repository holds more than the notes. Pure Lua over the
-- git config files (no git, no network), so it is tested outside Neovim.
-- dir: the notes folder; getenv: os.getenv or a stand-in. Returns a list of
-- { level = "ok" | "info" | "warn", text = ..., advice = { ... } }.
function M.remote_report(dir, getenv)
  getenv = getenv or os.getenv
  local lines = {}
  local function add(level, text, advice) lines[#lines + 1] = { level = level, text = text, advice = advice } end
  local function exists(path)
    local f = io.open(path, "r")
    if f then f:close() return true end
    return false
  end
  local function redact(url)
    return (url:gsub("^(%a[%w+.-]*://)([^/@]*)@", function(scheme, userinfo)
      local user = userinfo:match("^([^:]*):")
      if user then return scheme .. user .. ":***@" end
      return scheme .. (scheme:match("^https?://") and "***" or userinfo) .. "@"
    end))
  end

  -- the repository: <top>/.git, or a .git file naming the git folder (a
  -- worktree or submodule; its configuration is in the common folder)
  local top, gitdir, common = dir, nil, nil
  while top ~= "" do
    if exists(top .. "/.git/config") then
      gitdir, common = top .. "/.git", top .. "/.git"
      break
    end
    local f = io.open(top .. "/.git", "r")
    local named = f and (f:read("*l") or ""):match("^gitdir:%s*(.-)%s*$")
    if f then f:close() end
    if named then
      gitdir = named:sub(1, 1) == "/" and named or (top .. "/" .. named)
      local c = io.open(gitdir .. "/commondir", "r")
      local rel = c and (c:read("*l") or "")
      if c then c:close() end
      common = rel and rel ~= "" and (rel:sub(1, 1) == "/" and rel or (gitdir .. "/" .. rel)) or gitdir
      break
    end
    top = top:match("^(.*)/[^/]*$") or ""
  end
  if top == "" then
    add("info", "no git repository yet: nothing to sync")
    return lines
  end
  -- the config files git reads, last one wins: system, global, repository
  local home = getenv("HOME") or ""
  local files = {}
  if not getenv("GIT_CONFIG_NOSYSTEM") then files[#files + 1] = "/etc/gitconfig" end
  files[#files + 1] = (getenv("XDG_CONFIG_HOME") or (home .. "/.config")) .. "/git/config"
  files[#files + 1] = home .. "/.gitconfig"
  files[#files + 1] = common .. "/config"
  local config = {}
  for _, file in ipairs(files) do
    local f = io.open(file, "r")
    if f then
      local section = ""
      for line in f:lines() do
        local name, sub = line:match('^%s*%[%s*([%w.-]+)%s+"(.*)"%s*%]')
        if name then
          section = name:lower() .. "." .. sub
        else
          name = line:match("^%s*%[%s*([%w.-]+)%s*%]")
          if name then section = name:lower() end
        end
        local key, value = line:match("^%s*([%w-]+)%s*=%s*(.-)%s*$")
        if key and not line:match("^%s*[#;]") then
          local full = section .. "." .. key:lower()
          config[full] = config[full] or {}
          value = value:gsub('^"(.*)"$', "%1")
          if value == "" then config[full] = {} else table.insert(config[full], value) end
        end
      end
      f:close()
    end
  end
  local function last(key) local v = config[key] return v and v[#v] end

  local head = io.open(gitdir .. "/HEAD", "r")
  local branch = head and (head:read("*l") or ""):match("^ref: refs/heads/(.+)$")
  if head then head:close() end
  local name = (branch and last("branch." .. branch .. ".remote")) or "origin"
  local url = last("remote." .. name .. ".url")
  if not url then
    add("info", "no remote '" .. name .. "': sync has nowhere to go",
      { "git -C " .. top .. " remote add " .. name .. " <url of a private repository>" })
    return lines
  end
  add("ok", "sync uses the remote '" .. name .. "': " .. redact(url))
  local pushurl = last("remote." .. name .. ".pushurl")
  if pushurl then add("info", "pushes go to " .. redact(pushurl)) end

  local target = pushurl or url
  local scheme = target:match("^(%a[%w+.-]*)://")
  local colon, slash = target:find(":", 1, true), target:find("/", 1, true)
  local ssh = (scheme and (scheme == "ssh" or scheme == "git+ssh" or scheme == "ssh+git"))
    or (not scheme and colon and colon > 1 and (not slash or colon < slash))
  if ssh then
    local command = getenv("GIT_SSH_COMMAND") or last("core.sshcommand") or getenv("GIT_SSH") or "ssh"
    local program = command:match("^%s*(%S+)") or "ssh"
    local found = program:find("/", 1, true) and exists(program)
    for path in (getenv("PATH") or ""):gmatch("[^:]+") do found = found or exists(path .. "/" .. program) end
    if found then
      add("ok", "SSH through your own ssh program: " .. command
        .. " (~/.ssh/config, known_hosts and IdentityFile apply; it never prompts)")
    else
      add("warn", "the ssh program '" .. program .. "' is not on PATH", { "Install OpenSSH's client (Debian: openssh-client)" })
    end
    local sock = getenv("SSH_AUTH_SOCK")
    local alive = sock and sock ~= "" and os.execute("test -S '" .. sock:gsub("'", "'\\''") .. "'")
    if alive == true or alive == 0 then
      add("ok", "an SSH agent is running: the keys it holds are offered")
    else
      add("warn", "no SSH agent (SSH_AUTH_SOCK): only keys without a passphrase can be used",
        { 'eval "$(ssh-agent -s)" && ssh-add' })
    end
  elseif scheme == "http" or scheme == "https" then
    if target:match("^%a+://[^/@]*:[^/@]*@") then
      add("warn", "the URL holds a password or token, kept in clear in .git/config",
        { "Remove it from the URL and let a credential helper keep it: git config --global credential.helper store" })
    end
    local helpers = {}
    for key, values in pairs(config) do
      local prefix = key:match("^credential%.(.*)%.helper$")
      if key == "credential.helper" or (prefix and target:sub(1, #prefix) == prefix) then
        for _, v in ipairs(values) do helpers[#helpers + 1] = v end
      end
    end
    if #helpers > 0 then
      add("ok", "credentials from git's credential helper: " .. table.concat(helpers, ", ")
        .. " (asked only when the server wants them; never prompts)")
    else
      add("warn", "no git credential helper: a server that asks for a password will refuse the sync",
        { "git config --global credential.helper store (or your forge's CLI, e.g. gh auth setup-git), then git fetch once" })
    end
  elseif scheme == "git" then
    add("info", "git:// has no authentication; most servers refuse pushes over it")
  else
    add("ok", "a folder: no authentication")
  end

  if top ~= dir then
    -- the notes folder section warns about the sharing itself
    add("info", "a sync pushes the whole branch of " .. top .. " to '" .. name
      .. "', the files around the notes folder too")
  end
  local others = {}
  for key in pairs(config) do
    local other = key:match("^remote%.(.+)%.url$")
    if other and other ~= name then others[#others + 1] = other end
  end
  table.sort(others)
  if #others > 0 then
    add("info", "other remotes, which sync does not use: " .. table.concat(others, ", "))
  end
  return lines
end

function M.check()
  local report = reporter()
  report.start("leadnotes: the module")
  local jit = rawget(_G, "jit")
  local abi = type(jit) == "table" and ("LuaJIT (" .. (jit.version or "?") .. ", the Lua 5.1 ABI)") or _VERSION
  report.info("Lua of this editor: " .. abi)
  local api, err = require("leadnotes.editor.common").api()
  if not api then
    report.error(tostring(err):gsub("^%(leadnotes%)%s*", ""), { M.core_advice() })
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
  report.start("leadnotes: sync remote")
  for _, line in ipairs(M.remote_report(dir)) do report[line.level](line.text, line.advice) end
end

return M
