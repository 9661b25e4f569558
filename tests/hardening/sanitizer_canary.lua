-- Runs one deliberate bug of the sanitizer canary module: the process must
-- die with the sanitizer's report (checked by the ctest around it).
-- Usage: lua_host sanitizer_canary.lua MODULE_PATH overflow|overflow_int|leak
local path, what = ...
local open = assert(package.loadlib(path, "luaopen_sanitizer_canary"))
local canary = open()
if what == "overflow" then canary.overflow(16)
elseif what == "overflow_int" then canary.overflow_int(0x7fffffff)
elseif what == "leak" then canary.leak(4096) return -- reported at exit
else error("unknown canary " .. tostring(what)) end
print("canary survived: the sanitizer did not catch " .. what)
