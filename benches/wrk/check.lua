-- The warm-up: runs the scenario in SCENARIO and checks every response (status 200, or
-- a redirect for a login, and a body or Location containing EXPECT), so an error or a miss can never be
-- counted as throughput. Prints one CHECK line.
dofile(os.getenv("SCENARIO"))
local expect = os.getenv("EXPECT")
local inner = response
ok, bad, sample = 0, 0, ""
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function response(status, headers, body)
  if inner then inner(status, headers, body) end
  local good = status == 200 or status == 302 or status == 303
  local text = body .. (headers["Location"] or headers["location"] or "")
  if good and text:find(expect, 1, true) then
    ok = ok + 1
  else
    bad = bad + 1
    if sample == "" then
      sample = (status .. " " .. text:sub(1, 200)):gsub('[^%w%p ]', ' '):gsub('["\\]', "'")
    end
  end
end

function done(summary, latency, requests)
  local good, wrong, first = 0, 0, ""
  for _, t in ipairs(threads) do
    good = good + t:get("ok")
    wrong = wrong + t:get("bad")
    if first == "" then first = t:get("sample") end
  end
  io.write(string.format('CHECK {"ok":%d,"bad":%d,"sample":"%s"}\n', good, wrong, first))
end
