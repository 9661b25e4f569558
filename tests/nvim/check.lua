-- The assertions the Neovim end-to-end tests share; each test file loads
-- it with dofile. A failed check raises at the caller's line.
local M = {}

-- Raises unless got equals want, naming `what` and both values.
function M.eq(want, got, what)
  if want ~= got then error(string.format("%s: expected %s, got %s", what or "value", vim.inspect(want), vim.inspect(got)), 2) end
end

-- Raises with `what` unless v is true; returns v.
function M.truthy(v, what) if not v then error((what or "expected a true value"), 2) end return v end

return M
