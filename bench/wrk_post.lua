-- wrk script of the benchmark: POST JSON bodies round-robin (one per line of $WRK_BODIES), with
-- $WRK_TOKEN as the dialer token when set; counts answers by status and prints BENCH_* lines.
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  for line in io.lines(os.getenv("WRK_BODIES")) do
    if line ~= "" then table.insert(bodies, line) end
  end
  local token = os.getenv("WRK_TOKEN")
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if token and token ~= "" then wrk.headers["Authorization"] = "Token " .. token end
  counter = tid * math.floor(#bodies / 2)
  codes = {}
end

function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, bodies[(counter % #bodies) + 1])
end

function response(status, headers, body)
  local key = tostring(status)
  codes[key] = (codes[key] or 0) + 1
end

function done(summary, latency, requests)
  local all, parts = {}, {}
  for _, thread in ipairs(threads) do
    for k, v in pairs(thread:get("codes")) do all[k] = (all[k] or 0) + v end
  end
  for k, v in pairs(all) do table.insert(parts, string.format('"%s": %d', k, v)) end
  local e = summary.errors
  io.write(string.format("BENCH_REQUESTS=%d\n", summary.requests))
  io.write(string.format("BENCH_RPS=%f\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("BENCH_P50_US=%f\n", latency:percentile(50)))
  io.write(string.format("BENCH_P99_US=%f\n", latency:percentile(99)))
  io.write(string.format("BENCH_MAX_US=%f\n", latency.max))
  io.write(string.format("BENCH_ERRORS=%d\n", e.connect + e.read + e.write + e.timeout))
  io.write("BENCH_STATUS={" .. table.concat(parts, ", ") .. "}\n")
end
