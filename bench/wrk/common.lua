-- Shared by the wrk scripts of bench/run.sh: per-thread ids, counting of
-- acknowledged (2xx) answers, and one JSON line of results at the end.
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

acked = 0
failed = 0
counter = 0

function response(status, headers, body)
  if status >= 200 and status < 300 then
    acked = acked + 1
  else
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local a, f = 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("acked")
    f = f + t:get("failed")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "acked": %d, "failed": %d, "seconds": %.3f, ' ..
    '"per_second": %.1f, "p50_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, ' ..
    '"socket_errors": %d}\n',
    summary.requests, a, f, summary.duration / 1e6,
    a / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.connect + e.read + e.write + e.timeout))
end
