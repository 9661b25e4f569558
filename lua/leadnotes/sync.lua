-- leadnotes.sync: the editor-neutral side of sync. What to say after a
-- sync, how to run one in a separate process, and the debounced auto-sync
-- after saves (off unless config.options.auto_sync). Editors bring the timer
-- and the process runner; nothing here blocks or knows an editor.
local M = {}

local function options()
  return require("leadnotes.config").options
end

-- One line for the user about a store:sync() result:
--   "(leadnotes) synced with origin (main): merged, pushed; 2 notes need attention: a.org, b.org"
function M.summary(result)
  if type(result) ~= "table" then
    error("leadnotes.sync.summary: result table expected, got " .. type(result), 2)
  end
  local parts = {}
  if result.merged == "merge" then
    parts[#parts + 1] = "merged"
  elseif result.merged == "fast-forward" then
    parts[#parts + 1] = "updated"
  else
    parts[#parts + 1] = "up to date"
  end
  local unsynced = result.unsynced or {}
  if result.pushed and #unsynced == 0 then
    parts[#parts + 1] = "pushed"
  elseif result.pushed then
    parts[#parts + 1] = "pushed all but the notes below"
  end
  local where = result.branch or ""
  if result.upstream and result.branch and result.upstream ~= result.branch then
    where = result.branch .. " with " .. result.upstream -- the branch tracks one of another name
  end
  local line = string.format("(leadnotes) synced with %s%s: %s", result.remote or "origin",
    where ~= "" and (" (" .. where .. ")") or "", table.concat(parts, ", "))
  if result.followed then
    line = line .. string.format("; %s has no branch %s, so the local %s now follows its default branch %s",
      result.remote or "origin", tostring(result.branch), tostring(result.branch), tostring(result.upstream))
  end
  local ignored = result.ignored or {}
  if #ignored > 0 then
    line = line .. string.format("; committed although a .gitignore ignores %s: %s",
      #ignored == 1 and "it" or "them", table.concat(ignored, ", "))
  end
  if #unsynced > 0 then
    line = line .. string.format("; %d note%s not on the remote (not committed): %s",
      #unsynced, #unsynced == 1 and " is" or "s are", table.concat(unsynced, ", "))
  end
  local conflicts = result.conflicts or {}
  if #conflicts > 0 then
    line = line .. string.format("; %d note%s need%s attention (both versions kept between <<<<<<< and >>>>>>>): %s",
      #conflicts, #conflicts == 1 and "" or "s", #conflicts == 1 and "s" or "", table.concat(conflicts, ", "))
  end
  return line
end

-- Runs store:sync with the configured remote (config.options.remote, else
-- "origin"). progress is optional. Returns what store:sync returns.
function M.run(store, progress)
  local remote = options().remote
  return store:sync(remote, { progress = progress })
end

-- The argv that syncs in a separate process, for editors that must not
-- block (jobstart, vis:communicate, process.start...):
--   { exe, "--dir", dir, "sync", [remote] }
-- exe defaults to "leadnotes" (on PATH).
function M.command(dir, remote, exe)
  if type(dir) ~= "string" then
    error("leadnotes.sync.command: dir must be a string, got " .. type(dir), 2)
  end
  local argv = { exe or "leadnotes", "--dir", dir, "sync" }
  remote = remote or options().remote
  if remote then argv[#argv + 1] = remote end
  return argv
end

-- A debounced auto-sync. The editor supplies:
--   start(ms, fn) -> handle   run fn once after ms milliseconds (a timer)
--   stop(handle)              cancel a timer that has not fired
--   run(done)                 start one sync; call done() when it finished
--                             (done may be called at once for a blocking sync)
--   delay_ms                  default: config.options.auto_sync_delay_ms
--   enabled() -> bool         default: config.options.auto_sync
-- and calls :saved() after every save. A burst of saves makes one sync,
-- delay_ms after the last; a save during a sync makes one more after it.
function M.debouncer(spec)
  if type(spec) ~= "table" then
    error("leadnotes.sync.debouncer: table expected, got " .. type(spec), 2)
  end
  for _, key in ipairs({ "start", "stop", "run" }) do
    if type(spec[key]) ~= "function" then
      error("leadnotes.sync.debouncer: '" .. key .. "' must be a function", 2)
    end
  end
  local self = { timer = nil, running = false, pending = false, runs = 0 }
  local function delay()
    return spec.delay_ms or options().auto_sync_delay_ms or 5000
  end
  local function enabled()
    if spec.enabled then return spec.enabled() end
    return options().auto_sync == true
  end

  local fire
  local function finished()
    self.running = false
    if self.pending then
      self.pending = false
      self.timer = spec.start(delay(), fire)
    end
  end
  fire = function()
    self.timer = nil
    if self.running then self.pending = true return end
    self.running = true
    self.runs = self.runs + 1
    local ok, err = pcall(spec.run, finished)
    if not ok then
      self.running = false
      error(err, 0)
    end
  end

  -- Call after each save: (re)starts the countdown when auto-sync is on.
  function self.saved()
    if not enabled() then return false end
    if self.running then self.pending = true return true end
    if self.timer then spec.stop(self.timer) end
    self.timer = spec.start(delay(), fire)
    return true
  end

  -- Cancels a countdown (editor exit, auto-sync switched off).
  function self.cancel()
    if self.timer then spec.stop(self.timer) end
    self.timer = nil
    self.pending = false
  end

  return self
end

return M
