-- Refresh rotation: the current refresh token of every family (TOKENS, one per line)
-- waits in a queue; each request takes one, and its response puts the successor back.
-- A family whose refresh fails leaves the queue, so errors cannot inflate throughput.
dofile("common.lua")
local queue = read_lines(env("TOKENS"))
-- head: the next token to take; tail: where the next successor goes.
local head, tail = 1, #queue + 1
local path = env("TOKEN_PATH")
local h = headers()
local starved = 0

function request()
  local token = queue[head]
  if token == nil then
    -- Every family is in flight or dead: ask for something cheap and countable instead.
    starved = starved + 1
    return wrk.format("POST", path, h, "grant_type=refresh_token&refresh_token=starved")
  end
  queue[head] = nil
  head = head + 1
  return wrk.format("POST", path, h, "grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, headers, body)
  if status == 200 then
    local token = body:match('"refresh_token":"([^"]+)"')
    if token then
      queue[tail] = token
      tail = tail + 1
    end
  end
end
