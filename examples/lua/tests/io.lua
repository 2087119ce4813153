-- io: write and read back a temporary file by lines, numbers and all; seek; os.remove
local name = os.tmpname()
local f = assert(io.open(name, "w"))
f:write("first line\n", 42, " ", 3.5, "\n", "last")
f:close()
f = assert(io.open(name, "r"))
assert(f:read("l") == "first line")
assert(f:read("n") == 42 and f:read("n") == 3.5)
f:read("l")
assert(f:read("a") == "last")
assert(f:seek("set", 6) == 6 and f:read(4) == "line")
f:close()
local lines = 0
for _ in io.lines(name) do lines = lines + 1 end
assert(lines == 3)
assert(os.remove(name))
assert(io.open(name, "r") == nil)
print("io ok")
