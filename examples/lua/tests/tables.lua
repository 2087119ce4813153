-- tables: constructors, length, insert/remove/sort/concat/unpack/move, metatables
local t = {10, 20, 30, x = 1}
assert(#t == 3 and t.x == 1)
table.insert(t, 40); table.insert(t, 1, 5)
assert(table.concat(t, ",") == "5,10,20,30,40")
assert(table.remove(t) == 40 and table.remove(t, 1) == 5)
local names = {"pear", "apple", "fig"}
table.sort(names)
assert(table.concat(names, " ") == "apple fig pear")
table.sort(names, function(a, b) return #a < #b end)
assert(names[1] == "fig")
local a, b, c = table.unpack({1, 2, 3})
assert(a + b + c == 6)
assert(table.concat(table.move({1, 2, 3}, 1, 3, 2, {}), ",", 2, 4) == "1,2,3")
local V = setmetatable({}, {__index = function(_, k) return k * 2 end, __call = function() return "called" end})
assert(V[21] == 42 and V() == "called")
local count = 0
for k, v in pairs({a = 1, b = 2, c = 3}) do count = count + v end
assert(count == 6)
print("tables ok")
