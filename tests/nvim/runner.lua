-- Runs one end-to-end test file inside a real headless Neovim:
--   nvim --headless --clean --cmd 'set rtp^=SRC' -c 'luafile tests/nvim/runner.lua'
-- with LEADNOTES_NVIM_TEST naming the file. Each `test(name, fn)` runs in a
-- fresh set of buffers. There is no skipping: a piece that does not load is
-- a failure. Prints "N passed, M failed" and exits non-zero on failure.
local file = assert(os.getenv("LEADNOTES_NVIM_TEST"), "set LEADNOTES_NVIM_TEST")
local tests = {}
local out = io.stdout

function _G.test(name, fn) tests[#tests + 1] = { name = name, fn = fn } end

-- Messages given to vim.notify, kept for assertions (and printed on failure).
_G.notified = {}
vim.notify = function(msg, level)
  table.insert(_G.notified, { msg = msg, level = level or vim.log.levels.INFO })
end

-- Strict globals from here on: the adapter, the Lua layer and the tests
-- read no global nobody defined and define none (tests/lua/strict.lua).
dofile(assert(os.getenv("LEADNOTES_SOURCE_DIR"), "set LEADNOTES_SOURCE_DIR") .. "/tests/lua/strict.lua")

local function run()
  local chunk = assert(loadfile(file))
  chunk()
  local passed, failed = 0, 0
  for _, t in ipairs(tests) do
    _G.notified = {}
    pcall(vim.cmd, "silent! %bwipeout!")
    local ok, err = xpcall(t.fn, function(e) return debug.traceback(tostring(e), 2) end)
    if ok then
      passed = passed + 1
      out:write("ok      ", t.name, "\n")
    else
      failed = failed + 1
      out:write("FAILED  ", t.name, "\n  ", tostring(err):gsub("\n", "\n  "), "\n")
      for _, n in ipairs(_G.notified) do out:write("  notified: ", tostring(n.msg), "\n") end
    end
  end
  out:write(string.format("%d passed, %d failed\n", passed, failed))
  return failed == 0 and #tests > 0
end

local ok, result = pcall(run)
if not ok then out:write("runner error: ", tostring(result), "\n") end
out:flush()
if ok and result then vim.cmd("qall!") else vim.cmd("cquit 1") end
