-- Introspection of the tokens in TOKENS (one per line), in turn.
dofile("common.lua")
local tokens = read_lines(env("TOKENS"))
local path = env("INTROSPECT_PATH")
local h = headers()
local i = 0

function request()
  i = i % #tokens + 1
  return wrk.format("POST", path, h, "token=" .. tokens[i])
end
