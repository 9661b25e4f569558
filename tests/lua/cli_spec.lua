-- The leadnotes command line, run as a real process: the interpreter of this
-- build on lua/leadnotes/cli.lua, as build/<abi>/bin/leadnotes does.
local helpers = require("helpers")
local source, build, quote, slurp = helpers.source_dir, helpers.build_dir, helpers.quote, helpers.read
local run_with, run, run_here = helpers.run_program, helpers.cli_process, helpers.cli_here

local function git(dir, args) return helpers.output("git -C " .. quote(dir) .. " " .. args) end

-- Every piece of the API is built with the module: a missing one fails the
-- test that needs it, naming it.
local function need(...)
  local api = require("leadnotes")
  for _, name in ipairs({ ... }) do
    assert.is_function(api[name], "leadnotes." .. name .. " is missing")
  end
end

describe("cli", function()
  local dir
  before_each(function() dir = helpers.tmpdir("cli") .. "/notes" end)
  after_each(function() helpers.cleanup() end)

  it("--help lists every command and exits 0", function()
    local status, out = run({ "--help" })
    assert.are.equal(0, status)
    for _, name in ipairs({ "new", "insert", "save", "history", "show", "diff", "restore", "prompt",
      "team", "nudges", "packet", "sync", "seal", "verify", "demo" }) do
      assert.matches("\n  " .. name .. " ", out, 1, true)
    end
  end)

  it("every command has its own --help", function()
    for _, name in ipairs({ "new", "insert", "save", "history", "show", "diff", "restore", "prompt",
      "team", "nudges", "packet", "sync", "seal", "verify", "demo" }) do
      local status, out, err = run_here({ name, "--help" })
      assert.are.equal(0, status, name .. ": " .. err)
      assert.matches("usage: leadnotes " .. name, out, 1, true)
    end
  end)

  it("no command, an unknown command or option is a usage error: status 2, leadnotes: on stderr", function()
    for _, args in ipairs({ {}, { "frobnicate" }, { "--frob", "team" }, { "new", "one-on-one", "x", "--set", "novalue" },
      { "new", "one-on-one" }, { "packet", "Dana", "2026-01-01", "yesterday" }, { "show", "HEAD" }, { "--dir" } }) do
      local status, out, err = run_here(args)
      assert.are.equal(2, status, table.concat(args, " "))
      assert.are.equal("", out)
      assert.matches("^leadnotes: ", err)
    end
  end)

  it("team on a new notes folder exits 0", function()
    need("team")
    local status, _, err = run({ "--dir", dir, "team" })
    assert.are.equal(0, status, err)
  end)

  it("a failure is status 1 with a message naming it on stderr only", function()
    local file = dir:gsub("/notes$", "") .. "/a-file"
    helpers.write(file, "not a folder\n")
    local status, out, err = run({ "--dir", file, "team" })
    assert.are.equal(1, status)
    assert.are.equal("", out)
    assert.matches("^leadnotes: ", err)
    assert.matches("not", err)
  end)

  it("insert prints the filled template; --set fills an asked field", function()
    need("render")
    local status, out, err = run({ "--dir", dir, "insert", "one-on-one", "Dana", "Demo" })
    assert.are.equal(0, status, err)
    assert.matches("Dana Demo", out, 1, true)
    assert.is_nil(out:find("{{cursor}}", 1, true))
    assert.are.equal("", err)
    status, out = run({ "--dir", dir, "insert", "one-on-one", "Dana", "--cursor" })
    assert.are.equal(0, status)
    assert.matches("\n%d+:%d+\n$", out)
    status, out, err = run({ "--dir", dir, "insert", "evaluation", "Dana Demo", "--set", "period=Fiscal 2031 H1" })
    assert.are.equal(0, status, err)
    local fields = require("leadnotes").fields("evaluation")
    local has_period = false
    for _, f in ipairs(fields or {}) do if f.key == "period" then has_period = true end end
    if has_period then assert.matches("Fiscal 2031 H1", out, 1, true) end
  end)

  it("new, save, history, show, diff and restore work on a real repository", function()
    need("open", "render")
    local status, out, err = run({ "--dir", dir, "new", "one-on-one", "Dana", "Demo" })
    assert.are.equal(0, status, err)
    local path = out:match("^([^\n]+)\n$")
    assert.truthy(path, "one line: the path")
    assert.matches("^" .. dir:gsub("%p", "%%%0") .. "/", path)
    assert.matches(os.date("%Y%%-%m%%-%d") .. "%-one%-on%-one%.org$", path)
    local original = assert(slurp(path))
    assert.matches("Dana", original)

    local rel = path:sub(#dir + 2)
    local f = assert(io.open(path, "a")); f:write("\nFirst line from the test.\n"); f:close()
    status, out, err = run({ "--dir", dir, "save", path })
    assert.are.equal(0, status, err)
    assert.matches("^committed %x+", out)
    assert.matches("First line from the test.", git(dir, "show HEAD:" .. quote(rel)), 1, true)
    assert.are.equal("", git(dir, "status --porcelain"))
    local first = git(dir, "rev-parse HEAD"):match("%x+")

    status, out = run({ "--dir", dir, "save", path })
    assert.are.equal(0, status)
    assert.matches("nothing to commit", out, 1, true)

    f = assert(io.open(path, "a")); f:write("Second line.\n"); f:close()
    assert.are.equal(0, (run({ "--dir", dir, "save", rel })))
    local second = git(dir, "rev-parse HEAD"):match("%x+")
    assert.are_not.equal(first, second)

    status, out = run({ "--dir", dir, "history", "Dana Demo" })
    assert.are.equal(0, status)
    assert.matches(first:sub(1, 7), out, 1, true)
    assert.matches(second:sub(1, 7), out, 1, true)
    assert.is_true(out:find(second:sub(1, 7), 1, true) < out:find(first:sub(1, 7), 1, true), "newest first")

    status, out = run({ "--dir", dir, "show", first, rel })
    assert.are.equal(0, status)
    assert.are.equal(git(dir, "show " .. first .. ":" .. quote(rel)), out)

    status, out = run({ "--dir", dir, "diff", first, second, rel })
    assert.are.equal(0, status)
    assert.matches("+Second line.", out, 1, true)

    status, out, err = run({ "--dir", dir, "restore", first, rel })
    assert.are.equal(0, status, err)
    assert.is_nil(slurp(path):find("Second line.", 1, true))
    assert.are.equal("", git(dir, "status --porcelain"))
    assert.matches("^ok", (git(dir, "fsck --strict") == "" and "ok" or git(dir, "fsck --strict")))

    status, _, err = run({ "--dir", dir, "show", "0000000000000000000000000000000000000bad", rel })
    assert.are.equal(1, status)
    assert.matches("^leadnotes: ", err)
  end)

  it("sync pushes to a bare remote; seal tags an evaluation; verify says whether it changed", function()
    need("open", "render")
    local status, out, err = run({ "--dir", dir, "new", "evaluation", "Dana Demo", "--set", "period=2031 H1" })
    assert.are.equal(0, status, err)
    local path = out:match("^([^\n]+)")
    assert.are.equal(0, (run({ "--dir", dir, "save", path })))
    local ok = pcall(function() return require("leadnotes").open end)
    local remote = dir:gsub("/notes$", "") .. "/remote.git"
    os.execute("git init -q --bare " .. quote(remote))
    git(dir, "remote add origin " .. quote(remote))
    status, out, err = run({ "--dir", dir, "sync" })
    assert.are.equal(0, status, err)
    assert.matches("synced", out)
    assert.are.equal(git(dir, "rev-parse HEAD"), git(remote, "rev-parse HEAD"))

    status, out, err = run({ "--dir", dir, "seal", path })
    assert.are.equal(0, status, err)
    assert.matches("sealed .* as eval/", out)
    assert.matches("eval/", git(dir, "tag -n"))
    status, out = run({ "--dir", dir, "verify", path })
    assert.are.equal(0, status)
    assert.matches("^unchanged", out)
    local f = assert(io.open(path, "a")); f:write("A late edit.\n"); f:close()
    status, out = run({ "--dir", dir, "verify", path })
    assert.are.equal(1, status)
    assert.matches("^changed", out)
    assert.matches("+A late edit.", out, 1, true)
    assert.is_true(ok)
  end)

  it("a usage error from the real process: status 2 and the message on stderr only", function()
    local status, out, err = run({ "frobnicate" })
    assert.are.equal(2, status)
    assert.are.equal("", out)
    assert.matches("^leadnotes: unknown command 'frobnicate'", err)
  end)

  it("demo runs through the command line and says what it shows", function()
    local status, out, err = run_here({ "demo" })
    assert.are.equal(0, status, err)
    assert.matches("$ leadnotes insert one-on-one", out, 1, true)
    assert.matches("$ leadnotes team", out, 1, true)
  end)

  it("every editor adapter and the plugin file is valid Lua for this interpreter", function()
    for _, file in ipairs({ "lua/leadnotes/editor/nvim.lua", "lua/leadnotes/editor/vis.lua",
      "lua/leadnotes/editor/lite-xl.lua", "lua/leadnotes/editor/textadept.lua",
      "lua/leadnotes/editor/common.lua", "lua/leadnotes/health.lua", "plugin/leadnotes.lua" }) do
      local chunk, err = loadfile(source .. "/" .. file)
      assert.is_function(chunk, tostring(err))
    end
  end)

  it("cmake --install puts the module, Lua files, templates, doc and a working leadnotes under the prefix", function()
    if not build or os.getenv("LEADNOTES_SANITIZE") then pending("needs the build and an unsanitized interpreter") return end
    local prefix = dir:gsub("/notes$", "") .. "/prefix"
    local p = io.popen("cmake --install " .. quote(build) .. " --prefix " .. quote(prefix) .. " 2>&1; echo \"#status=$?\"")
    local log = p:read("*a"); p:close()
    assert.matches("#status=0", log)
    local short = type(rawget(_G, "jit")) == "table" and "5.1" or _VERSION:match("%d+%.%d+")
    for _, file in ipairs({ "bin/leadnotes", "lib/lua/" .. short .. "/leadnotes/core.so",
      "share/leadnotes/lua/leadnotes/init.lua", "share/leadnotes/lua/leadnotes/cli.lua",
      "share/leadnotes/lua/leadnotes/editor/nvim.lua", "share/leadnotes/plugin/leadnotes.lua",
      "share/leadnotes/doc/leadnotes.txt", "share/leadnotes/templates/org/one-on-one.org" }) do
      assert.truthy(slurp(prefix .. "/" .. file), "installed: " .. file)
    end
    need("render")
    local status, out, err = run_with("env -u LEADNOTES_CORE_DIR " .. quote(prefix .. "/bin/leadnotes"),
      { "--dir", dir, "insert", "one-on-one", "Dana Demo" })
    assert.are.equal(0, status, err)
    assert.matches("Dana Demo", out, 1, true)
  end)

  it("build/<abi>/bin/leadnotes runs the command line with this build's module", function()
    if not build or os.getenv("LEADNOTES_SANITIZE") then pending("needs the build's wrapper and an unsanitized interpreter") return end
    local status, out = run_with(quote(build .. "/bin/leadnotes"), { "--help" })
    assert.are.equal(0, status)
    assert.matches("usage: leadnotes", out, 1, true)
    local st, _, err = run_with(quote(build .. "/bin/leadnotes"), { "nosuchcommand" })
    assert.are.equal(2, st)
    assert.matches("^leadnotes: unknown command", err)
  end)
end)
