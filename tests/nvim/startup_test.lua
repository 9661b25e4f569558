-- What loading the plugin costs at start-up: only :Lead and one write hook.
local function eq(want, got, what)
  if want ~= got then error(string.format("%s: expected %s, got %s", what, vim.inspect(want), vim.inspect(got)), 2) end
end

test("start-up defines :Lead and loads none of the leadnotes modules", function()
  eq(2, vim.fn.exists(":Lead"), ":Lead exists")
  for _, name in ipairs({ "leadnotes", "leadnotes.core", "leadnotes.editor.nvim", "leadnotes.config" }) do
    eq(nil, package.loaded[name], "package.loaded['" .. name .. "']")
  end
end)

test("writing a file outside the notes folder does not load the adapter or the core", function()
  local file = vim.fn.tempname() .. ".txt"
  vim.cmd("edit " .. vim.fn.fnameescape(file))
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { "hello" })
  vim.cmd("write")
  eq(nil, package.loaded["leadnotes.editor.nvim"], "the adapter")
  eq(nil, package.loaded["leadnotes.core"], "the core")
  os.remove(file)
end)
