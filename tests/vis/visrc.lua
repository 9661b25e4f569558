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
vis.events.subscribe(vis.events.WIN_OPEN, function()
  if done then return end
  done = true
  for step in (os.getenv("LEADNOTES_VIS_STEPS") or ""):gmatch("[^\n]+") do
    adapter.last_message, adapter.last_output = nil, nil
    local ok = true
    local text = step:match("^append (.*)$")
    if text then
      vis.win.file:insert(vis.win.file.size, text .. "\n")
    else
      ok = vis:command(step)
    end
    local message = tostring(adapter.last_message or ""):gsub("\n", " ")
    local output = tostring(adapter.last_output or ""):gsub("\n", " | ")
    local line = vis.win and vis.win.selection and vis.win.selection.line or 0
    log:write(string.format("%s\t%s\t%s\t%s\t%s\t%d\n", step, tostring(ok), vis.win and vis.win.file.path or "",
      message, output, line))
  end
  log:close()
  vis:command("qa!")
end)
