-- Random differential test against Emacs: writes COUNT (default 300) org
-- files stitched together from tricky lines, then runs compare.lua on them.
-- Slower and meant for hunting differences, so ctest (org/emacs-random)
-- skips it unless LEADNOTES_ORG_RANDOM holds a count:
--   LEADNOTES_BUILD_DIR=build/lua5.4 lua5.4 tests/org/random.lua [COUNT] [SEED]
local count = tonumber(arg[1]) or tonumber(os.getenv("LEADNOTES_ORG_RANDOM") or "")
if not count then
  io.write("SKIP: set LEADNOTES_ORG_RANDOM=<number of files> to run the random comparison with Emacs\n")
  os.exit(77)
end
local seed = tonumber(arg[2]) or os.time()
math.randomseed(seed)

local pieces = {
  "* ", "** ", "*** ", "*", "**x", " * ", "*\t",
  "TODO ", "DONE ", "NEXT ", "WAIT ", "TODO", "todo ", "COMMENT", "COMMENT ", "[#A] ", "[#b]", "[#] ",
  "Title", "title words", ":tag:", ":a:b:", " :x:", "\t:y:", "::", ":", " ", "\t", "[50%]",
  "SCHEDULED: ", "DEADLINE: ", "CLOSED: ", "scheduled: ", "<2026-11-28 Sat>", "[2026-11-28 Sat 10:00]",
  "<2026-11-28 Sat 10:00-11:00 +1w>", "--", "<2026-11-28", "<soon>", ">", "]", "<%%(x)>",
  ":PROPERTIES:", ":END:", ":end:", ":KEY: value", ":K:", ":LOGBOOK:", ":A-B:",
  "#+BEGIN_SRC", "#+END_SRC", "#+begin_example", "#+end_example", "#+BEGIN_QUOTE", "#+END_QUOTE",
  "#+BEGIN_NOTE", "#+END_NOTE", "#+BEGIN_VERSE", "#+END_VERSE", "#+BEGIN: dyn", "#+END:",
  "#+TODO: ", "#+SEQ_TODO: ", "#+TYP_TODO: ", "NEXT(n)", "WAIT(w@/!)", "|", "| DONE",
  "\\begin{x}", "\\end{x}", "+--+", "|a|", "----------",
  "- ", "+ ", "1. ", "2) ", "  ", "    ", "[ ] ", "[X] ", "[-] ", "[x] ", "[ ]", "[@3] ", "item text", "a :: b",
  "# comment", ": fixed", "[fn:1] note", "text", "\195\169t\195\169", ":\195\169quipe:", "[#\195\169] ",
  "\t- [ ] ", "  #+BEGIN_SRC", "   :END:", "#+NAME: x", "CLOCK: [2026-11-28 Sat 10:00]",
  "\226\128\148", "\230\151\165", ":\230\151\165:", "#+STARTUP: odd", "#+STARTUP: oddeven", "KEEP(k)x",
}

-- How lines start: mostly something org cares about at column 0.
local starts = {
  "* ", "** ", "* TODO ", "* DONE ", "*** NEXT ", "* COMMENT ", "* [#A] ",
  "SCHEDULED: ", "DEADLINE: ", "  CLOSED: ", ":PROPERTIES:", ":END:", ":KEY: ", ":LOGBOOK:",
  "#+BEGIN_SRC", "#+END_SRC", "#+BEGIN_QUOTE", "#+END_QUOTE", "#+BEGIN_EXAMPLE", "#+END_EXAMPLE",
  "#+BEGIN: x", "#+END:", "#+TODO: ", "#+SEQ_TODO: ", "#+TYP_TODO: ", "#+STARTUP: odd", "#+STARTUP: ",
  "- [ ] ", "+ [X] ", "1. [-] ", "  - [ ] ", " * [ ] ", "- ", "\t+ [ ] ", "   #+END_SRC", "  :END:",
  "  :DRAWER:", "#+begin_verse", "#+end_verse", "#+BEGIN_COMMENT", "#+END_COMMENT", "# ", ": ", "\\begin{x}", "\\end{x}", "+--+", "| ", "",
}

local function line()
  local parts = { starts[math.random(#starts)] }
  for i = 2, math.random(1, 5) do parts[i] = pieces[math.random(#pieces)] end
  return table.concat(parts)
end

local dir = os.tmpname()
os.remove(dir)
assert(os.execute("mkdir -p '" .. dir .. "'"))
for i = 1, count do
  local lines = {}
  for k = 1, math.random(1, 30) do lines[k] = line() end
  local f = assert(io.open(string.format("%s/r%04d.org", dir, i), "wb"))
  f:write(table.concat(lines, "\n"), math.random(2) == 1 and "\n" or "")
  f:close()
end
io.write("seed ", seed, ", files in ", dir, "\n")
io.flush()
local interp = os.getenv("LEADNOTES_LUA_INTERP") or "lua5.4"
local source = os.getenv("LEADNOTES_SOURCE_DIR") or "."
local ok, _, code = os.execute(interp .. " " .. source .. "/tests/org/compare.lua '" .. dir .. "'")
if type(ok) == "number" then code = ok >= 256 and ok / 256 or ok end -- Lua 5.1: the raw status
if ok == true then code = 0 end
if code == 0 or code == 77 then os.execute("rm -rf '" .. dir .. "'") end
os.exit(code == 77 and 77 or (code == 0 and 0 or 1))
