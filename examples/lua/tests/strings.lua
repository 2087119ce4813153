-- strings: byte/char, find/gsub/gmatch patterns, rep, reverse, utf8
assert(("hello"):upper() == "HELLO")
assert(string.rep("ab", 3, "-") == "ab-ab-ab")
assert(("abc"):reverse() == "cba")
assert(string.byte("A") == 65 and string.char(72, 105) == "Hi")
local s, n = ("one two three"):gsub("(%w+)", "<%1>")
assert(s == "<one> <two> <three>" and n == 3)
local words = {}
for w in ("a,b,,c"):gmatch("([^,]*)") do words[#words + 1] = w end
assert(table.concat(words, "|") == "a|b||c")
assert(("key = value"):match("^(%w+)%s*=%s*(%w+)$") == "key")
assert(select(2, ("key = value"):match("^(%w+)%s*=%s*(%w+)$")) == "value")
assert(utf8.len("häll") == 4 and utf8.char(0x48, 0xe4) == "Hä")
assert(("x"):rep(0) == "" and #("x"):rep(1000) == 1000)
print("strings ok")
