-- Shared by the bench's wrk scripts: per-thread random seeds and ids, a status-code histogram (so 429s and
-- other non-2xx answers are counted by code), and one machine-readable result line printed by done().
-- Loaded with dofile() in every Lua state wrk creates (one per thread, plus the main one for setup/done).
local M = {}

local threads = {}
local next_id = 0

function M.install()
  function setup(thread)
    next_id = next_id + 1
    thread:set("thread_id", next_id)
    table.insert(threads, thread)
  end

  function init(args)
    local seed = tonumber(os.getenv("BENCH_SEED") or "1")
    math.randomseed(seed * 7919 + thread_id * 104729)
    statuses = {}
  end

  function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
  end

  function done(summary, latency, requests)
    local merged = {}
    for _, thread in ipairs(threads) do
      for code, count in pairs(thread:get("statuses") or {}) do
        merged[code] = (merged[code] or 0) + count
      end
    end
    local codes = {}
    for code, count in pairs(merged) do
      codes[#codes + 1] = string.format('"%d":%d', code, count)
    end
    local e = summary.errors
    io.write(string.format(
      'BENCH_RESULT {"duration_us":%d,"requests":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"min":%d,"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d},"statuses":{%s}}\n',
      summary.duration, summary.requests, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.min, latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9), latency.max, table.concat(codes, ",")))
  end
end

return M
