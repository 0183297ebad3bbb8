-- Introspection of the tokens in TOKENS (one per line), in turn. Every request is
-- formatted once, before the run: wrk shares the cores with the server it measures, so
-- what it spends building requests is taken from the server under test.
dofile("common.lua")
local tokens = read_lines(env("TOKENS"))
local path = env("INTROSPECT_PATH")
local h = headers()

if #tokens == 1 then
  -- One token: wrk's static request, with no Lua at all per request.
  wrk.method, wrk.path, wrk.headers, wrk.body = "POST", path, h, "token=" .. tokens[1]
else
  local requests, i = {}, 0
  -- In init, where wrk knows the host that each request's Host header names.
  function init(args)
    for n, token in ipairs(tokens) do
      requests[n] = wrk.format("POST", path, h, "token=" .. token)
    end
  end
  function request()
    i = i % #requests + 1
    return requests[i]
  end
end
