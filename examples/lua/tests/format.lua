-- string.format: integers, floats, strings, quoting, padding, hex
assert(string.format("%d|%5d|%-5d|%05d", 42, 42, 42, 42) == "42|   42|42   |00042")
assert(string.format("%.3f|%e|%g", math.pi, 12345.678, 0.0001) == "3.142|1.234568e+04|0.0001")
assert(string.format("%s=%q", "k", 'a "quoted"\nline') == 'k="a \\"quoted\\"\\\nline"')
assert(string.format("%x|%X|%o|%c", 255, 255, 8, 65) == "ff|FF|10|A")
assert(string.format("%10.4s|", "abcdefg") == "      abcd|")
assert(string.format("%i", 3) == "3" and string.format("%%") == "%")
assert(string.format("%a", 1.0):find("^0x1"))
print("format ok")
