#!/usr/bin/env bash
# HTTP benchmark of the hot paths against the real binary, each figure
# printed beside the unauthenticated ceiling (/health/live) measured in the
# same run: on a shared machine absolute figures move with its load, the
# ratios much less. The load average is printed with every figure.
#
#   make bench-http                       embedded: SQLite + in-memory cache
#   DATABASE_URL=postgres://… REDIS_URL=redis://… scripts/bench-http.sh
#   GATEWAY_BIN=/tmp/old/gateway scripts/bench-http.sh   an earlier build, for before/after
#
#   ONLY='status|instance' scripts/bench-http.sh   only the runs whose name matches (and the ceiling)
#
# Knobs: DURATION (10s), THREADS (2), CONNS (64), PORT (3901), WORKER_PORTS (35000: the
# first of the 1,000 ports the sandbox workers take), ONLY (a regex). Needs wrk
# (installed with apt-get when missing and possible), curl and python3. The
# gateway listens on loopback only (HOST=127.0.0.1). The tenant is put on an
# unlimited plan through the admin API so quotas and plan rates measure
# nothing; every check a request makes (auth, rate limit, quota) still runs.
set -euo pipefail
cd "$(dirname "$0")/.."

# BENCH_DATABASE_URL (with BENCH_REDIS_URL): the embedded run, then the sends
# (or ONLY's runs) again on PostgreSQL + Redis, each beside its own ceiling,
# in a schema created for the run and dropped after it (needs psql):
#   BENCH_DATABASE_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
#     BENCH_REDIS_URL=redis://127.0.0.1:6379/14 make bench-http
if [ -n "${BENCH_DATABASE_URL:-}" ]; then
  : "${BENCH_REDIS_URL:?BENCH_DATABASE_URL needs BENCH_REDIS_URL}"
  command -v psql >/dev/null || { echo "bench-http: BENCH_DATABASE_URL needs psql" >&2; exit 2; }
  pg=$BENCH_DATABASE_URL redis=$BENCH_REDIS_URL
  BENCH_DATABASE_URL='' "$0"
  schema=bench_$(date +%s)
  psql -q "$pg" -c "CREATE SCHEMA $schema"
  sep='?'
  [[ $pg == *\?* ]] && sep='&'
  status=0
  BENCH_DATABASE_URL='' DATABASE_URL="$pg${sep}search_path=$schema" REDIS_URL="$redis" ONLY="${ONLY:-send}" "$0" || status=$?
  PGOPTIONS="-c client_min_messages=warning" psql -q "$pg" -c "DROP SCHEMA $schema CASCADE"
  exit $status
fi
. scripts/bench-lib.sh
wrk_knobs 64 3901
WORKER_PORTS=${WORKER_PORTS:-35000}
if ! command -v wrk >/dev/null; then
  apt-get install -y wrk >/dev/null 2>&1 || { echo "bench-http: wrk is missing (apt-get install -y wrk)" >&2; exit 2; }
fi

work=$(mktemp -d)
gw_pid=
trap '[ -n "$gw_pid" ] && { kill $gw_pid 2>/dev/null; wait $gw_pid 2>/dev/null; }; rm -rf "$work"' EXIT
gateway_bin
bin="$work/gateway"

# WEBHOOK_ALLOW_PRIVATE_NETWORKS: the webhook read below is registered on a
# loopback URL (nothing resolves names here); it hears only QR codes, which
# the paired session never shows, so no delivery runs beside the load.
start_gateway "$bin" "$WORKER_PORTS" HOST=127.0.0.1 SANDBOX_DELIVERY_DELAY=1s SANDBOX_READ_DELAY=2s \
  WEBHOOK_ALLOW_PRIVATE_NETWORKS=true
setup_tenant bench || exit 1
apikey=$(curl -fs -X POST "$BASE/api/v1/api-keys" -H "$auth" -H 'Content-Type: application/json' \
  -d '{"name":"bench"}' | json 'd["data"]["api_key"]["key"]')
webhook=$(curl -fs -X POST "$BASE/api/v1/webhooks" -H "$auth" -H 'Content-Type: application/json' \
  -d "{\"url\":\"http://127.0.0.1:9/bench\",\"events\":[\"qr\"],\"session_id\":\"$session\"}" | json 'd["data"]["webhook"]["id"]')

send_lua "$work/send.lua" bench
# The sends answered 2xx, summed over wrk's threads (one Lua state each),
# to compare with the messages stored.
cat >>"$work/send.lua" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init() accepted = 0 end
function response(status) if status >= 200 and status < 300 then accepted = accepted + 1 end end
function done()
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("accepted") end
  io.write(string.format("accepted %d\n", n))
end
LUA

ceiling=
# cpu_ticks: the CPU time the gateway used so far (user + system), in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$gw_pid/stat"; }
# run NAME URL [wrk args…]: one wrk run, its figure, ratio and non-2xx count,
# and the gateway's CPU time per request during the run (user + system; the
# work a request leaves behind, such as a send's receipts, is counted in the
# run it falls in). On a machine shared with other work the CPU per request
# moves much less than the rate does.
run() {
  local name=$1 url=$2; shift 2
  local out rps non2xx load reqs t0 t1
  if [ -n "$ceiling" ] && [ -n "${ONLY:-}" ] && ! [[ $name =~ $ONLY ]]; then
    last_out=
    return 0
  fi
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  t0=$(cpu_ticks)
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@" "$url")
  t1=$(cpu_ticks)
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}'); non2xx=${non2xx:-0}
  [ -z "$ceiling" ] && ceiling=$rps
  printf '%-42s %10.0f req/s  %5.2fx ceiling  p50 %-8s p99 %-8s non-2xx %-6s cpu/req %5.0f us  load %s\n' "$name" "$rps" \
    "$(python3 -c "print($rps/$ceiling)")" "$(echo "$out" | awk '$1=="50%" {print $2}')" \
    "$(echo "$out" | awk '$1=="99%" {print $2}')" "$non2xx" \
    "$(python3 -c "print(($t1 - $t0) * 1e6 / $(getconf CLK_TCK) / max($reqs, 1))")" "$load"
  last_out=$out
}

db=${DATABASE_URL:+postgres}; db=${db:-sqlite}
cache=${REDIS_URL:+redis}; cache=${cache:-memory}
echo "# $(date -u +%FT%TZ) $(nproc) cores database=$db cache=$cache threads=$THREADS conns=$CONNS duration=$DURATION binary=${GATEWAY_BIN:-this tree}"
run "GET /health/live (ceiling)" "$BASE/health/live"
# One database query a request: a webhook by id (GOWA's webhook read is
# its equivalent).
run "GET /api/v1/webhooks/{id} (JWT, 1 query)" "$BASE/api/v1/webhooks/$webhook" -H "$auth"
run "GET /api/v1/webhooks/{id} (X-API-Key, 1 query)" "$BASE/api/v1/webhooks/$webhook" -H "X-API-Key: $apikey"
# The session: from memory on a warm gateway (STATUS_CACHE_TTL, dropped at
# each write of it), as the live status and the instance view below.
run "GET /api/v1/sessions/{id} (JWT)" "$BASE/api/v1/sessions/$session" -H "$auth"
run "GET /api/v1/sessions/{id} (X-API-Key)" "$BASE/api/v1/sessions/$session" -H "X-API-Key: $apikey"
# The live status and the instance view: from memory on a warm gateway
# (STATUS_CACHE_TTL); the idle session changes nothing during the runs.
run "GET /api/v1/sessions/{id}/status (JWT)" "$BASE/api/v1/sessions/$session/status" -H "$auth"
run "GET /api/v1/instances/{id} (JWT)" "$BASE/api/v1/instances/$instance" -H "$auth"
run "POST /api/v1/messages/send (JWT)" "$BASE/api/v1/messages/send" -s "$work/send.lua"
if [ -n "$last_out" ]; then
  accepted=$(echo "$last_out" | awk '/^accepted/ {print $2}')
  sleep 1
  stored=$(curl -fs "$BASE/api/v1/messages?limit=1" -H "$auth" | json 'd["data"]["pagination"]["total"]')
  echo "sends accepted (2xx): $accepted; messages stored for this tenant: $stored (may exceed accepted by the sends in flight when wrk stopped, at most $CONNS; fewer would be lost sends)"
fi
errors=$(grep -c 'level=ERROR' "$work/gateway.log" || true)
echo "gateway ERROR log lines: $errors"
grep 'level=ERROR' "$work/gateway.log" | head -3 | cut -c1-300 || true
