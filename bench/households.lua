-- wrk script for the households list: a random page per request, optional pacing, p95 in the summary.
-- Usage: wrk -t2 -c20 -d20s -s bench/households.lua URL -- <pages> [<requests per second, 0 = as fast as possible>]
-- The Authorization header is passed with wrk -H.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local pages, interval, next_slot = 1, 0, 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  pages = tonumber(args[1]) or 1
  local rate = tonumber(args[2]) or 0
  local nthreads = tonumber(args[3]) or 1
  if rate > 0 then
    interval = 1000 * nthreads / rate -- each thread paces its own share
  end
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
end

function request()
  local page = math.random(1, pages)
  return wrk.format("GET", wrk.path .. "&page=" .. page)
end

-- Open-loop pacing: every request gets the next free slot on this thread's schedule.
function delay()
  if interval == 0 then
    return 0
  end
  local t = now_ms()
  local slot = math.max(next_slot, t)
  next_slot = slot + interval
  return math.floor(slot - t)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "rps": %.2f, "p50_ms": %.2f, "p90_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, "mean_ms": %.2f, "non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
