-- leadnotes.insights.text: display width of UTF-8 text, for columns that
-- line up in a terminal or a buffer whatever the names are written in.
-- Combining marks take no column, East Asian wide and fullwidth characters
-- two (the ranges of Unicode's EastAsianWidth W/F that names and notes
-- use), everything else one. Invalid bytes count one column each.
local M = {}

-- Code point ranges, sorted: { first, last, columns }.
local RANGES = {
  { 0x0300, 0x036F, 0 }, -- combining diacritical marks
  { 0x0483, 0x0489, 0 },
  { 0x0591, 0x05BD, 0 },
  { 0x0610, 0x061A, 0 },
  { 0x064B, 0x065F, 0 },
  { 0x0E31, 0x0E31, 0 }, { 0x0E34, 0x0E3A, 0 }, { 0x0E47, 0x0E4E, 0 },
  { 0x1100, 0x115F, 2 }, -- Hangul Jamo
  { 0x1AB0, 0x1AFF, 0 }, { 0x1DC0, 0x1DFF, 0 },
  { 0x200B, 0x200F, 0 }, -- zero-width space, joiners, marks
  { 0x20D0, 0x20FF, 0 },
  { 0x2E80, 0x303E, 2 }, -- CJK radicals, punctuation
  { 0x3041, 0x33FF, 2 }, -- kana, CJK compatibility
  { 0x3400, 0x4DBF, 2 }, -- CJK extension A
  { 0x4E00, 0x9FFF, 2 }, -- CJK unified ideographs
  { 0xA000, 0xA4CF, 2 }, -- Yi
  { 0xAC00, 0xD7A3, 2 }, -- Hangul syllables
  { 0xF900, 0xFAFF, 2 }, -- CJK compatibility ideographs
  { 0xFE00, 0xFE0F, 0 }, -- variation selectors
  { 0xFE20, 0xFE2F, 0 },
  { 0xFE30, 0xFE4F, 2 },
  { 0xFF00, 0xFF60, 2 }, -- fullwidth forms
  { 0xFFE0, 0xFFE6, 2 },
  { 0x1F300, 0x1F64F, 2 }, -- pictographs, emoticons
  { 0x1F900, 0x1F9FF, 2 },
  { 0x20000, 0x3FFFD, 2 }, -- CJK extensions B and later
}

local function columns(cp)
  if cp < 0x0300 then return 1 end
  local lo, hi = 1, #RANGES
  while lo <= hi do
    local mid = math.floor((lo + hi) / 2)
    local r = RANGES[mid]
    if cp < r[1] then hi = mid - 1 elseif cp > r[2] then lo = mid + 1 else return r[3] end
  end
  return 1
end

-- Calls fn(code point or nil for a stray byte, first byte index, last)
-- for each character of s.
local function each_char(s, fn)
  local i, n = 1, #s
  while i <= n do
    local c = s:byte(i)
    local len, cp = 1, nil
    if c < 0x80 then cp = c
    elseif c >= 0xC2 and c <= 0xDF then len, cp = 2, c - 0xC0
    elseif c >= 0xE0 and c <= 0xEF then len, cp = 3, c - 0xE0
    elseif c >= 0xF0 and c <= 0xF4 then len, cp = 4, c - 0xF0 end
    if len > 1 then
      for k = 1, len - 1 do
        local b = s:byte(i + k)
        if not b or b < 0x80 or b > 0xBF then cp, len = nil, 1 break end
        cp = cp * 64 + (b - 0x80)
      end
    end
    fn(cp, i, i + len - 1)
    i = i + len
  end
end

-- The number of terminal columns s takes.
function M.width(s)
  local w = 0
  each_char(s, function(cp) w = w + (cp and columns(cp) or 1) end)
  return w
end

-- s cut to at most `max` columns, ending in "…" when cut.
function M.truncate(s, max)
  if M.width(s) <= max then return s end
  local out, w = {}, 0
  each_char(s, function(cp, a, b)
    local cw = cp and columns(cp) or 1
    if w + cw <= max - 1 then
      out[#out + 1] = s:sub(a, b)
      w = w + cw
    else
      w = max
    end
  end)
  return table.concat(out) .. "…"
end

-- Rows of cells as lines, each column padded to its widest cell by
-- display width, two spaces between columns, no trailing blanks.
function M.columns(rows)
  local widths = {}
  for _, row in ipairs(rows) do
    for i, cell in ipairs(row) do widths[i] = math.max(widths[i] or 0, M.width(cell)) end
  end
  local lines = {}
  for _, row in ipairs(rows) do
    local cells = {}
    for i, cell in ipairs(row) do cells[i] = cell .. string.rep(" ", widths[i] - M.width(cell)) end
    lines[#lines + 1] = (table.concat(cells, "  "):gsub("%s+$", ""))
  end
  return lines
end

return M
