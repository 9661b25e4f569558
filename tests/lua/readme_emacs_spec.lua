-- The README's Emacs recipe, run as written in a real `emacs --batch` with
-- this build's `leadnotes` on PATH: the note opens in the notes folder
-- ($LEADNOTES_DIR) at the template's mark, a save commits it, and a new
-- note killed unsaved leaves nothing behind.
local helpers = require("helpers")
local source, build = helpers.source_dir, helpers.build_dir
local quote, sh, slurp = helpers.quote, helpers.output, helpers.read

local function recipe()
  local readme = assert(slurp(source .. "/README.md"))
  local at = assert(readme:find("**Emacs**", 1, true), "the README has an Emacs recipe")
  return assert(readme:match("```elisp\n(.-)```", at), "the recipe's elisp block")
end

describe("README's Emacs recipe", function()
  local has_emacs = sh("command -v emacs") ~= ""
  local wrapper = build and (build .. "/bin/leadnotes")
  local tmp, dir

  before_each(function()
    tmp = helpers.tmpdir("emacs")
    dir = tmp .. "/notes"
  end)
  after_each(function() helpers.cleanup() end)

  local function emacs(body)
    local script = tmp .. "/test.el"
    local f = assert(io.open(script, "w"))
    f:write(recipe(), "\n", body, "\n")
    f:close()
    local bin = tmp .. "/bin"
    sh("mkdir -p " .. quote(bin) .. " && ln -sf " .. quote(wrapper) .. " " .. quote(bin .. "/leadnotes"))
    return sh("env -u LEADNOTES_CORE_DIR PATH=" .. quote(bin) .. ":\"$PATH\" HOME=" .. quote(tmp)
      .. " LEADNOTES_DIR=" .. quote(dir) .. " emacs --batch -Q -l " .. quote(script))
  end

  it("opens the note in $LEADNOTES_DIR at the mark; a save commits it; a killed new note is gone", function()
    if not has_emacs or not wrapper or not slurp(wrapper) or os.getenv("LEADNOTES_SANITIZE") then
      pending("needs emacs, the build's leadnotes and an unsanitized interpreter")
      return
    end
    -- Where the template puts its mark: the text before {{cursor}} on its
    -- line, and the line above it (both plain text in the template).
    local template = assert(slurp(source .. "/templates/org/one-on-one.org"))
    local above, prefix = template:match("\n([^\n]*)\n([^\n]*){{cursor}}")
    assert.is_truthy(prefix, "the template has a {{cursor}} mark")
    local out = emacs([[
(leadnotes-one-on-one "Dana Demo")
(princ (format "file=%s\ncol=%d\nbefore=%s|\nabove=%s|\n" buffer-file-name (current-column)
  (buffer-substring (line-beginning-position) (point))
  (save-excursion (forward-line -1) (buffer-substring (line-beginning-position) (line-end-position)))))
(goto-char (point-max))
(insert "Written in Emacs.\n")
(save-buffer)
(sleep-for 1)
(leadnotes-one-on-one "Abe Abandoned")
(princ (format "abandoned=%s\n" buffer-file-name))
(kill-buffer)
]])
    local file = out:match("file=([^\n]+)")
    assert.is_truthy(file, out)
    assert.are.equal(dir .. "/", file:sub(1, #dir + 1))
    assert.are.equal(prefix, out:match("before=([^\n]*)|"), out)
    assert.are.equal(#prefix, tonumber(out:match("col=(%d+)")), out)
    assert.are.equal(above, out:match("above=([^\n]*)|"), out)
    -- The save ran `leadnotes save` without waiting: wait for its commit.
    local log = ""
    for _ = 1, 50 do
      log = sh("git -C " .. quote(dir) .. " log --format=%s --name-only")
      if log:find("Dana") then break end
      sh("sleep 0.1")
    end
    assert.matches("Dana%-Demo/", log)
    assert.matches("Written in Emacs.", sh("git -C " .. quote(dir) .. " show HEAD"), 1, true)
    local abandoned = out:match("abandoned=([^\n]+)")
    assert.is_truthy(abandoned, out)
    assert.is_nil(slurp(abandoned))
    assert.are.equal("", sh("ls -A " .. quote(dir) .. " | grep -i abe"))
    assert.are.equal("", sh("git -C " .. quote(dir) .. " status --porcelain"))
  end)
end)
