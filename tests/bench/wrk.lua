-- wrk script for `make bench`: spreads requests over the signed-in cookies, counts answers
-- that are not the expected status, can stop after a request quota, and prints one result line.
-- Arguments (after --): COOKIE_FILE (one "name=value" per line, or - for none) PATH STATUS
-- [QUOTA MARK]: each thread stops after QUOTA answers and then creates the file MARK..its index.

local threads = {}

-- Main state: remembers each thread so done() can read its counters.
function setup(thread)
    thread:set("thread_index", #threads)
    threads[#threads + 1] = thread
end

-- Thread state: builds every request once (one per cookie), so request() only picks one.
function init(args)
    local file, path = args[1], args[2]
    expected = tonumber(args[3])
    quota = tonumber(args[4] or "0")
    mark = args[5]
    requests = {}
    if file ~= "-" then
        for line in io.lines(file) do
            requests[#requests + 1] = wrk.format("GET", path, { Cookie = line })
        end
    end
    if #requests == 0 then
        requests[1] = wrk.format("GET", path)
    end
    -- Threads start at different cookies and walk all of them in turn.
    nxt = (thread_index * 7919) % #requests
    answered, unexpected = 0, 0
end

function request()
    nxt = nxt % #requests + 1
    return requests[nxt]
end

function response(status, headers, body)
    answered = answered + 1
    if status ~= expected then
        unexpected = unexpected + 1
    end
    if quota > 0 and answered == quota then
        io.open(mark .. thread_index, "w"):close()
        wrk.thread:stop()
    end
end

-- Main state: one line of key=value pairs for tests/bench/bench.sh (latencies in microseconds).
function done(summary, latency, requests)
    local answered_all, unexpected_all = 0, 0
    for _, t in ipairs(threads) do
        answered_all = answered_all + t:get("answered")
        unexpected_all = unexpected_all + t:get("unexpected")
    end
    local e = summary.errors
    io.write(string.format(
        "BENCH_RESULT requests=%d seconds=%.3f answered=%d unexpected=%d socket_errors=%d " ..
        "p50=%d p90=%d p99=%d p999=%d max=%d\n",
        summary.requests, summary.duration / 1e6, answered_all, unexpected_all,
        e.connect + e.read + e.write + e.timeout,
        latency:percentile(50), latency:percentile(90), latency:percentile(99),
        latency:percentile(99.9), latency.max))
end
