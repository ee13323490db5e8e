-- wrk script for bench/run's control scenario: POST /send-text on the control
-- API (DESIGN §6, webnarmin-compatible), one small text push per request.
-- The token comes from the environment (WSHOST_BENCH_TOKEN); the target user
-- is "bench", which bench/run keeps connected while wrk runs.
wrk.method = "POST"
wrk.body = '{"userId":"bench","payload":"{\\"bench\\":\\"push\\"}"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("WSHOST_BENCH_TOKEN") or "")

-- One JSON line at the end, for bench/lib/report.py.
done = function(summary, latency, requests)
   local secs = summary.duration / 1e6
   local errs = summary.errors.connect + summary.errors.read + summary.errors.write
              + summary.errors.status + summary.errors.timeout
   io.write(string.format(
      '{"requests":%d,"duration_s":%.3f,"requests_per_s":%.1f,"errors":%d,"non2xx":%d,' ..
      '"lat_p50_ms":%.3f,"lat_p99_ms":%.3f,"lat_max_ms":%.3f}\n',
      summary.requests, secs, summary.requests / secs, errs, summary.errors.status,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
