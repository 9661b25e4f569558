-- Hardening (issue 6, item 1): in the sanitizer build, the specs really run
-- the sanitized module: the interpreter has the AddressSanitizer runtime
-- mapped, and the module it loaded is this build's.
local H = require("hardening_helpers")

describe("hardening: the sanitizer build", function()
  it("loads this build's module into an interpreter that carries the sanitizer runtime", function()
    if not H.sanitized then return pending("not a sanitizer build (LEADNOTES_SANITIZE unset)") end
    assert.is_table(H.core(), "the module did not load")
    local maps = H.read("/proc/self/maps")
    if not maps then return pending("skipped: no /proc/self/maps") end
    local build = os.getenv("LEADNOTES_BUILD_DIR")
    assert.is_truthy(maps:find(build .. "/leadnotes/core.so", 1, true), "core.so of " .. build .. " is not mapped")
    -- gcc's libasan, or clang's runtime linked into the interpreter itself.
    local exe = H.capture("readlink /proc/" .. "self/exe")
    assert.is_truthy(maps:find("libasan", 1, true) or H.capture("nm -D " .. H.quote(arg and arg[-1] or "") ..
      " 2>/dev/null"):find("__asan_init", 1, true), "no AddressSanitizer runtime in the interpreter " .. exe)
  end)

  it("child Lua processes of the specs use the sanitized interpreter too", function()
    if not H.sanitized then return pending("not a sanitizer build (LEADNOTES_SANITIZE unset)") end
    local tmp = H.tmpdir()
    local script = H.child_script(tmp, "child", [[
      for line in io.lines("/proc/self/maps") do
        if line:find("core.so", 1, true) then io.write("CORE ", line:match("(%S+)$"), "\n") break end
      end
    ]])
    local out, ok = H.run_child(script)
    H.cleanup()
    assert.is_true(ok, out)
    assert.matches("CORE " .. (os.getenv("LEADNOTES_BUILD_DIR"):gsub("%p", "%%%0")) .. "/leadnotes/core.so", out)
  end)
end)
