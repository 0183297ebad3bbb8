-- Shared by every scenario: the request's headers from the environment, and one JSON line
-- of results that benches/bench.py reads (latencies in microseconds).

function env(name)
  local value = os.getenv(name)
  if value == nil then error(name .. " is not set") end
  return value
end

function headers()
  local h = {}
  h["Authorization"] = os.getenv("AUTH")
  h["Content-Type"] = "application/x-www-form-urlencoded"
  h["Cookie"] = os.getenv("COOKIE")
  return h
end

-- Tokens, one per line, for scenarios that cycle through many.
function read_lines(path)
  local lines = {}
  for line in io.lines(path) do
    if line ~= "" then lines[#lines + 1] = line end
  end
  if #lines == 0 then error(path .. " is empty") end
  return lines
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"p999_us":%d,' ..
    '"max_us":%d,"errors":%d,"non_2xx":%d}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
    latency.max, e.connect + e.read + e.write + e.timeout, e.status))
end
