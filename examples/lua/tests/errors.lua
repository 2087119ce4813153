-- errors: error/pcall/xpcall with tables and levels, assert messages, error in metamethods
local ok, e = pcall(error, {code = 7})
assert(not ok and e.code == 7)
ok, e = pcall(function() error("msg", 0) end)
assert(not ok and e == "msg")
ok, e = pcall(function() local t = nil; return t.x end)
assert(not ok and e:find("attempt to index a nil value"))
local trace
ok = xpcall(function() error("deep") end, function(m) trace = debug.traceback(m) return m end)
assert(not ok and trace:find("deep") and trace:find("stack traceback"))
ok, e = pcall(assert, false, "custom")
assert(not ok and e == "custom")
ok, e = pcall(function() return 1 + {} end)
assert(not ok and e:find("arithmetic"))
local closed = false
do
  local res <close> = setmetatable({}, {__close = function() closed = true end})
end
assert(closed)
print("errors ok")
