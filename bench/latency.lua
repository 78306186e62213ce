-- wrk script: an authenticated GET at a fixed pace, then p50/p99 in milliseconds.
-- TOKEN and PATH come from the environment; DELAY_MS is each connection's pause between
-- requests (connections x 1000 / DELAY_MS = requests per second).
local token = os.getenv("TOKEN")
local path = os.getenv("REQUEST_PATH")
local delay_ms = tonumber(os.getenv("DELAY_MS") or "10")

request = function()
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

delay = function()
  return delay_ms
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests": %d, "rate_per_s": %.0f, "p50_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "errors": %d, "non_2xx": %d}\n',
    summary.requests, summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
