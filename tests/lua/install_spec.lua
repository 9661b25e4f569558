-- Every install path of the README, from a temporary prefix: `cmake
-- --install` of this build (at a ~/.local-like prefix), then the module
-- loaded by this build's interpreter, the command line, and (LuaJIT build)
-- a headless Neovim with the installed folder on its runtimepath; and
-- `luarocks --tree ... build` (leadnotes-scm-1.rockspec) from a copy of the
-- sources (Lua 5.4 build). Each runs from / with LEADNOTES_CORE_DIR unset
-- and no default cpath, so only the installed files can serve it.
local S = require("servers")
local q, ok, sh = S.q, S.ok, S.sh

local helpers = require("helpers")
local source, build, interp = helpers.source_dir, helpers.build_dir, helpers.interp
local short = type(rawget(_G, "jit")) == "table" and "5.1" or _VERSION:match("%d+%.%d+")
local ISOLATED = "cd / && env -u LEADNOTES_CORE_DIR LUA_CPATH='/nonexistent/?.so' "

local have = helpers.have

describe("installing:", function()
  local root, prefix, notes

  setup(function()
    root = ok("mktemp -d /tmp/leadnotes-install-XXXXXX"):gsub("%s+$", "")
    prefix = root .. "/home/.local"
    notes = root .. "/notes"
  end)

  teardown(function()
    if root then os.execute("rm -rf " .. q(root)) end
  end)

  local function skip()
    if not build or os.getenv("LEADNOTES_SANITIZE") then
      pending("needs the build and an unsanitized interpreter")
      return true
    end
  end

  it("cmake --install at a user prefix: require('leadnotes') through the loader, and the command line", function()
    if skip() then return end
    ok("cmake --install " .. q(build) .. " --prefix " .. q(prefix))
    for _, file in ipairs({ "share/lua/" .. short .. "/leadnotes.lua", "share/leadnotes/doc/tags",
      "share/leadnotes/installed/" .. short .. ".lua", "lib/lua/" .. short .. "/leadnotes/core.so" }) do
      assert.truthy(S.read(prefix .. "/" .. file), "installed: " .. file)
    end
    assert.matches(":Lead%-sync\tleadnotes.txt\t/%*:Lead%-sync%*", S.read(prefix .. "/share/leadnotes/doc/tags")
      or "")
    -- the Lua path a user sets for ~/.local (LuaRocks' path does the same)
    local out = ok(ISOLATED .. "LUA_PATH=" .. q(prefix .. "/share/lua/" .. short .. "/?.lua;;") .. " " .. q(interp)
      .. " -e " .. q("local ln = require('leadnotes'); io.write(ln.root, '|', ln.core.lua_version, '|', "
      .. "tostring(require('leadnotes.templates') ~= nil))"))
    assert.matches("^" .. prefix:gsub("%p", "%%%0") .. "/share/lua/[%d.]+/%.%./%.%./leadnotes|", out)
    assert.matches("|true$", out)
    if have(interp) or interp:find("/") then
      out = ok(ISOLATED .. q(prefix .. "/bin/leadnotes") .. " --dir " .. q(notes) .. " insert one-on-one 'Dana Demo'")
      assert.matches("Dana Demo", out, 1, true)
    end
  end)

  it("Neovim with the installed folder on its runtimepath loads the installed core, :help and :checkhealth", function()
    if skip() then return end
    if short ~= "5.1" then pending("the LuaJIT build installs what Neovim loads") return end
    if not have("nvim") then pending("nvim is not installed") return end
    ok("cmake --install " .. q(build) .. " --prefix " .. q(prefix))
    local folder = prefix .. "/share/leadnotes"
    local report = root .. "/nvim-report"
    local script = root .. "/check.lua"
    S.write(script, table.concat({
      "local out = {}",
      "out[#out + 1] = 'command=' .. vim.fn.exists(':Lead')",
      "local okc, ln = pcall(require, 'leadnotes')",
      "out[#out + 1] = 'core=' .. tostring(okc and ln.core and ln.core.lua_version or ln)",
      "out[#out + 1] = 'root=' .. tostring(okc and ln.root)",
      "local okh, err = pcall(vim.cmd, 'help leadnotes')",
      "out[#out + 1] = 'help=' .. tostring(okh and vim.bo.buftype or err)",
      "vim.cmd('checkhealth leadnotes')",
      "out[#out + 1] = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\\n')",
      "local f = io.open(" .. string.format("%q", report) .. ", 'w')",
      "f:write(table.concat(out, '\\n'))",
      "f:close()",
      "vim.cmd('qa!')",
    }, "\n"))
    ok(ISOLATED .. "HOME=" .. q(root .. "/home") .. " LEADNOTES_DIR=" .. q(notes) .. " nvim --headless --clean -i NONE"
      .. " --cmd " .. q("set rtp^=" .. folder) .. " -c " .. q("luafile " .. script) .. " </dev/null")
    local text = S.read(report) or ""
    assert.matches("command=2", text, 1, true)
    assert.matches("core=Lua 5.1", text, 1, true)
    assert.matches("root=" .. folder, text, 1, true)
    assert.matches("help=help", text, 1, true)
    assert.matches("leadnotes.core loaded", text, 1, true)
    assert.falsy(text:find("cmake --preset", 1, true), text)
  end)

  it("luarocks build in a checkout takes leadnotes-scm-1.rockspec and installs a working module and command", function()
    if skip() then return end
    if short ~= "5.4" then pending("the Lua 5.4 build runs the LuaRocks install") return end
    if not have("luarocks") then pending("luarocks is not installed (scripts/deps.sh installs it)") return end
    local src, tree = root .. "/src", root .. "/tree"
    ok("mkdir -p " .. q(src) .. " && tar -C " .. q(source) .. " --exclude=./build --exclude=./build.luarocks"
      .. " --exclude=./.git -cf - . | tar -C " .. q(src) .. " -xf -")
    -- no rockspec named: LuaRocks takes the newest in the folder, scm-1,
    -- as a rockspec-aware plugin manager does; `build` without one is `make`
    local log = ok("cd " .. q(src) .. " && CMAKE_BUILD_PARALLEL_LEVEL=2 luarocks --lua-version 5.4 --tree " .. q(tree) .. " build 2>&1")
    assert.matches("leadnotes scm-1 is now installed", log, 1, true)
    local path = ok("luarocks --lua-version 5.4 --tree " .. q(tree) .. " path")
    local out = ok("cd / && env -u LEADNOTES_CORE_DIR sh -c " .. q(path .. "\nlua5.4 -e \"local ln = require('leadnotes');"
      .. " io.write(ln.core.lua_version)\" && " .. q(tree .. "/bin/leadnotes") .. " --dir " .. q(notes)
      .. " insert one-on-one Rocky"))
    assert.matches("^Lua 5.4", out)
    assert.matches("Rocky", out, 1, true)
  end)
end)
