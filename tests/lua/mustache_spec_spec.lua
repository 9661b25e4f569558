-- The Mustache specification, every case of every module in
-- $LEADNOTES_SHARED_DIR/spec/mustache/*.json, fed to core.render.
-- The six core modules and ~inheritance are required (163 cases);
-- ~dynamic-names is run too. ~lambdas is not part of the data set.
local core = require("leadnotes").core
local cjson = require("cjson")

local shared = os.getenv("LEADNOTES_SHARED_DIR") or "../shared"
local dir = shared .. "/spec/mustache/"

local modules = {
  { file = "comments", required = true },
  { file = "delimiters", required = true },
  { file = "interpolation", required = true },
  { file = "inverted", required = true },
  { file = "partials", required = true },
  { file = "sections", required = true },
  { file = "~inheritance", required = true },
  { file = "~dynamic-names", required = false },
}

local function read(path)
  local f = assert(io.open(path, "rb"), "cannot open " .. path)
  local text = f:read("*a")
  f:close()
  return text
end

-- JSON null stays cjson.null (a NULL light userdata), which the binding
-- reads as null: a key that holds null still hides the same key further
-- down the context stack.
local function load_module(name)
  local decoded = cjson.decode(read(dir .. name .. ".json"))
  return decoded.tests
end

local counted = { required = 0 }

-- Test names read "mustache spec: sections: Deeply Nested Contexts".
describe("mustache spec:", function()
  for _, module in ipairs(modules) do
    local tests = load_module(module.file)
    local label = module.file:gsub("^~", "")
    describe(label .. ":", function()
      for _, case in ipairs(tests) do
        it(case.name, function()
          local partials = case.partials
          if partials == cjson.null then partials = nil end
          local out = core.render(case.template, case.data, partials)
          assert.are.equal(case.expected, out)
          if module.required then counted.required = counted.required + 1 end
        end)
      end
    end)
  end

  it("passes all 163 required cases (core modules and inheritance)", function()
    local total = 0
    for _, module in ipairs(modules) do
      if module.required then total = total + #load_module(module.file) end
    end
    assert.are.equal(163, total)
    assert.are.equal(163, counted.required)
  end)
end)
