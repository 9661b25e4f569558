-- leadnotes for Neovim: only the :Lead command and one write hook are
-- defined at start-up; everything else is required on first use.
if vim.g.loaded_leadnotes then return end
vim.g.loaded_leadnotes = true

-- :help leadnotes right after the install: the help tags are made here when
-- they are missing or older than the help file (two stats per start-up).
do
  local root = debug.getinfo(1, "S").source:sub(2):match("^(.*)/plugin/[^/]*$")
  local doc = root and (root .. "/doc")
  local txt = doc and vim.loop.fs_stat(doc .. "/leadnotes.txt")
  local tags = txt and vim.loop.fs_stat(doc .. "/tags")
  if txt and (not tags or tags.mtime.sec < txt.mtime.sec) then
    pcall(vim.cmd, "silent! helptags " .. vim.fn.fnameescape(doc))
  end
end

vim.api.nvim_create_user_command("Lead", function(opts)
  require("leadnotes.editor.nvim").command(opts)
end, {
  nargs = "*",
  desc = "leadnotes: one-on-ones, evaluations, history, prompts",
  complete = function(arg_lead, cmd_line, cursor_pos)
    return require("leadnotes.editor.nvim").complete(arg_lead, cmd_line, cursor_pos)
  end,
})

-- Writing a note under the notes folder commits it. The check is a string
-- comparison; the module is loaded only for a file inside the folder.
vim.api.nvim_create_autocmd("BufWritePost", {
  group = vim.api.nvim_create_augroup("leadnotes", { clear = true }),
  callback = function(args)
    local ok, config = pcall(require, "leadnotes.config")
    if not ok then return end
    local dir = vim.fn.resolve(vim.fn.fnamemodify(config.notes_dir(), ":p")):gsub("/+$", "")
    local file = vim.fn.resolve(vim.fn.fnamemodify(args.file, ":p"))
    local rel = file:sub(#dir + 2)
    -- Git's own files (a commit message written from fugitive) are not notes.
    if file:sub(1, #dir + 1) == dir .. "/" and not (rel:match("^%.git/") or rel:find("/.git/", 1, true)) then
      require("leadnotes.editor.nvim").on_write(args.buf, file, dir)
    end
  end,
})
