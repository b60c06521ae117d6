-- wrk script: each thread cycles through its share of the pre-signed Stripe events in EVENTS_FILE.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local file = os.getenv("EVENTS_FILE")
  local total = tonumber(os.getenv("WRK_THREADS") or "2")
  requests = {}
  local n = 0
  for line in io.lines(file) do
    if n % total == index then
      local tab = line:find("\t", 1, true)
      local headers = { ["Content-Type"] = "application/json", ["Stripe-Signature"] = line:sub(1, tab - 1) }
      requests[#requests + 1] = wrk.format("POST", "/webhooks/stripe", headers, line:sub(tab + 1))
    end
    n = n + 1
  end
  position = 0
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function done(summary, latency, requests)
  local ok = summary.requests - summary.errors.status - summary.errors.connect - summary.errors.read - summary.errors.write - summary.errors.timeout
  io.write(string.format("RESULT requests=%d ok=%d non2xx=%d seconds=%.2f rate=%.0f p50_us=%d p99_us=%d\n",
    summary.requests, ok, summary.errors.status, summary.duration / 1e6, ok / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99)))
end
