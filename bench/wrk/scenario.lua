-- One wrk script for every scenario, driven by environment variables:
--   BENCH_METHOD, BENCH_PATH, BENCH_HEADERS ("Name: value" lines), BENCH_BODY
--   (may hold {item}), BENCH_EXPECT (the status that counts as success),
--   BENCH_MODE: static  - the same request every time;
--               feed    - {item} is a different line of BENCH_FEED per request
--                         (single-use codes); each thread owns every n-th line,
--                         and stops when its lines run out;
--               chain   - like feed, and each answer's new refresh_token joins
--                         the queue (rotation: every token is used once).
-- done() prints one BENCH_RESULT line of JSON; percentiles come from wrk's own
-- latency histogram.

local threads = {}
local counter = 0

-- wrk's own run time is always the -d duration; a thread that runs out of
-- codes stops early, so the time it was active is measured here.
local function now()
  local pipe = io.popen("date +%s.%N")
  local value = tonumber(pipe:read("*l"))
  pipe:close()
  return value
end

function setup(thread)
  thread:set("id", counter)
  thread:set("nthreads", tonumber(os.getenv("BENCH_THREADS")))
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  method = os.getenv("BENCH_METHOD")
  path = os.getenv("BENCH_PATH")
  body = os.getenv("BENCH_BODY") or ""
  mode = os.getenv("BENCH_MODE") or "static"
  expect = tonumber(os.getenv("BENCH_EXPECT"))
  bad = 0
  exhausted = 0
  active_us = 0
  started_at = now()
  headers = {}
  for line in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
    local name, value = string.match(line, "^([^:]+):%s*(.*)$")
    if name then headers[name] = value end
  end
  queue, head, tail = {}, 1, 0
  if mode ~= "static" then
    local i = 0
    for line in io.lines(os.getenv("BENCH_FEED")) do
      if i % nthreads == id then
        tail = tail + 1
        queue[tail] = line
      end
      i = i + 1
    end
  end
  if body == "" then body = nil end
  static_request = wrk.format(method, path, headers, body)
  -- What a thread whose list ran out sends while it stops: harmless, and not counted.
  spent_request = wrk.format("GET", "/.well-known/openid-configuration")
end

function request()
  if mode == "static" then
    return static_request
  end
  local item = queue[head]
  if item == nil then
    if exhausted == 0 then
      exhausted = 1
      active_us = math.floor((now() - started_at) * 1e6)
      wrk.thread:stop()
    end
    return spent_request
  end
  queue[head] = nil
  head = head + 1
  return wrk.format(method, path, headers, (string.gsub(body, "{item}", item)))
end

function response(status, hdrs, resp)
  if exhausted == 1 then
    return
  end
  if status ~= expect then
    bad = bad + 1
    return
  end
  if mode == "chain" then
    local token = string.match(resp, '"refresh_token"%s*:%s*"([^"]+)"')
    if token then
      tail = tail + 1
      queue[tail] = token
    end
  end
end

function done(summary, latency, requests)
  local bad_total, exhausted_total, duration = 0, 0, 0
  for _, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("bad")
    exhausted_total = exhausted_total + thread:get("exhausted")
    local active = thread:get("active_us")
    if thread:get("exhausted") == 0 then active = summary.duration end
    duration = math.max(duration, active)
  end
  local e = summary.errors
  -- the upper tail as [percentile, µs] pairs, so that slices of one scenario merge their p99;
  -- every 0.05 from 98 on: merged, a slice counts at its next point below (three latency records
  -- of the server cut in five slices: with 98.75, 99, 99.25 … the merged p99 came 0.5-0.9 ms
  -- above the true one, with these 0.1-0.9)
  local tail = {}
  for _, p in ipairs({90, 95, 97}) do
    table.insert(tail, string.format("[%g,%d]", p, latency:percentile(p)))
  end
  for step = 0, 39 do
    local p = 98 + step * 0.05
    table.insert(tail, string.format("[%g,%d]", p, latency:percentile(p)))
  end
  table.insert(tail, string.format("[100,%d]", latency.max))  -- wrk's percentile(100) is 0
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"bad_status":%d,"socket_errors":%d,"exhausted_threads":%d,"tail":[%s]}\n',
    summary.requests, duration, latency:percentile(50), latency:percentile(99),
    bad_total, e.connect + e.read + e.write + e.timeout, exhausted_total, table.concat(tail, ",")))
end
