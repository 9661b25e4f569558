-- The visrc.lua of the vis end-to-end test: registers :lead, then on the
-- first window runs the commands of $LEADNOTES_VIS_STEPS (one per line),
-- writes what happened to $LEADNOTES_VIS_LOG, and quits.
require("vis")
local source = assert(os.getenv("LEADNOTES_SOURCE_DIR"))
-- Strict globals: the adapter reads no global vis does not define.
dofile(source .. "/tests/lua/strict.lua")
package.path = source .. "/lua/?.lua;" .. source .. "/lua/?/init.lua;" .. package.path
local adapter = require("leadnotes.editor.vis")

local log = assert(io.open(assert(os.getenv("LEADNOTES_VIS_LOG")), "w"))
local done = false
-- Steps: a :command, "append TEXT" (a line at the end of the file) or
-- "goto LINE COL" (the cursor, 1-based). Each logs one tab-separated line:
-- step, result, file, message, output, cursor line, cursor column, and the
-- text of the message window when it is open.
vis.events.subscribe(vis.events.WIN_OPEN, function()
  if done then return end
  done = true
  for step in (os.getenv("LEADNOTES_VIS_STEPS") or ""):gmatch("[^\n]+") do
    adapter.last_message, adapter.last_output = nil, nil
    local ok = true
    local text = step:match("^append (.*)$")
    local goto_line, goto_col = step:match("^goto (%d+) (%d+)$")
    if text then
      vis.win.file:insert(vis.win.file.size, text .. "\n")
    elseif goto_line then
      vis.win.selection:to(tonumber(goto_line), tonumber(goto_col))
    else
      ok = vis:command(step)
    end
    local win = vis.win
    local message = tostring(adapter.last_message or ""):gsub("\n", " ")
    local output = tostring(adapter.last_output or ""):gsub("\n", " | ")
    local line = win and win.selection and win.selection.line or 0
    local col = win and win.selection and win.selection.col or 0
    local window = ""
    local messages = adapter.message_file() -- vis:windows() skips the message window
    if messages then window = messages:content(0, messages.size):gsub("\n", " | ") end
    log:write(string.format("%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", step, tostring(ok), win and win.file.path or "",
      message, output, line, col, window))
  end
  log:close()
  vis:command("qa!")
end)
