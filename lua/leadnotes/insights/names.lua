-- leadnotes.insights.names: people as the manager typed them. fold() gives
-- the key two spellings of one name share, so that "jose maria nunez",
-- "José María Núñez" and a decomposed (NFD) "José" find the same folder:
-- lower case, accents off the Latin letters (Latin-1 Supplement and Latin
-- Extended-A, a table below), combining marks dropped, runs of spaces,
-- dashes and underscores one "-".
local M = {}

-- Two-byte UTF-8 Latin letters and their base letters.
local BASE = {}
local function map(letters, base)
  for ch in letters:gmatch("[\192-\223][\128-\191]") do BASE[ch] = base end
end
map("ÀÁÂÃÄÅàáâãäåĀāĂăĄą", "a")
map("ÇçĆćĈĉĊċČč", "c")
map("ĎďĐđ", "d")
map("ÈÉÊËèéêëĒēĔĕĖėĘęĚě", "e")
map("ĜĝĞğĠġĢģ", "g")
map("ĤĥĦħ", "h")
map("ÌÍÎÏìíîïĨĩĪīĬĭĮįİı", "i")
map("Ĵĵ", "j")
map("Ķķ", "k")
map("ĹĺĻļĽľĿŀŁł", "l")
map("ÑñŃńŅņŇň", "n")
map("ÒÓÔÕÖØòóôõöøŌōŎŏŐő", "o")
map("ŔŕŖŗŘř", "r")
map("ŚśŜŝŞşŠš", "s")
map("ŢţŤťŦŧ", "t")
map("ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲų", "u")
map("Ŵŵ", "w")
map("ÝýÿŶŷŸ", "y")
map("ŹźŻżŽž", "z")
BASE["ß"], BASE["Æ"], BASE["æ"], BASE["Œ"], BASE["œ"] = "ss", "ae", "ae", "oe", "oe"
BASE["Ð"], BASE["ð"], BASE["Þ"], BASE["þ"] = "d", "d", "th", "th"

-- The key a name is found by (see above).
function M.fold(name)
  local s = name:gsub("\204[\128-\191]", ""):gsub("\205[\128-\175]", "") -- U+0300..U+036F
  s = s:gsub("[\192-\223][\128-\191]", BASE)
  s = s:lower():gsub("[%s%-_]+", "-"):gsub("^%-+", ""):gsub("%-+$", "")
  return s
end

return M
