#!/usr/bin/env bash
# Start-up time, idle memory, and memory with many sandbox instances, of a
# gateway this script starts (embedded: SQLite, in-memory cache).
#
#   scripts/footprint.sh                 # INSTANCES=1000 by default
#   INSTANCES=1 scripts/footprint.sh     # start-up and idle memory
#   INSTANCES=0 MESSAGES=100000 DATA_DIR=/tmp/fp100k scripts/footprint.sh
#   GATEWAY_BIN=/tmp/old/gateway INSTANCES=0 FIRSTS=9 scripts/footprint.sh   an earlier build
#
# Prints the time from exec to the first 200 on /health/live and on
# /health/ready: on the first start (empty data directory: migrations,
# generated secrets; the median of FIRSTS such starts, each on a new
# directory, 1 by default) and the median of RUNS restarts (5 by default); then
# the idle RSS, and the RSS with INSTANCES running sandbox workers (each
# paired, one loopback port each; INSTANCES=0 skips them).
#
# MESSAGES=N stores N messages through the API before the restarts (one
# tenant on an unlimited plan, one sandbox session, sent with wrk; the
# session's worker is stopped afterwards so the restarts differ from the
# empty case by the data alone). DATA_DIR keeps the data directory for the
# next run instead of a temporary one, and a directory seeded with N
# messages already is not seeded again (about a minute for 100,000 here).
# Loopback only; needs curl and python3, and wrk with MESSAGES.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
INSTANCES=${INSTANCES:-1000}
MESSAGES=${MESSAGES:-0}
RUNS=${RUNS:-5}
FIRSTS=${FIRSTS:-1}
PORT=${PORT:-3902} # scripts/bench-http.sh takes 3901
BASE="http://127.0.0.1:$PORT"
work=$(mktemp -d)
data=${DATA_DIR:-$work/data}
gw_pid=
trap 'kill $gw_pid 2>/dev/null || true; wait $gw_pid 2>/dev/null || true; rm -rf "$work"' EXIT
gateway_bin
# bench-lib's start_gateway (the seeding) uses $work/data.
[ "$data" = "$work/data" ] || { mkdir -p "$(dirname "$data")"; ln -s "$data" "$work/data"; }

per_user=10
users=$(( (INSTANCES + per_user - 1) / per_user ))
export PORT DATA_DIR="$data" WHATSAPP_ENGINE=sandbox SANDBOX_PAIR_DELAY=100ms \
  SANDBOX_DELIVERY_DELAY=1s SANDBOX_READ_DELAY=1s RATE_LIMIT_MAX_REQUESTS=100000000 LOG_LEVEL=warn \
  BCRYPT_ROUNDS=4 MAX_INSTANCES_PER_USER=$per_user INSTANCE_PORT_RANGE_START=40000 INSTANCE_PORT_RANGE_END=41999

# startup RUN: starts the gateway and prints "RUN LIVE_MS READY_MS", the
# times from exec to the first 200 on /health/live and on /health/ready.
# RUN "last" leaves it running (its PID in gateway.log.pid); others stop it.
startup() {
  python3 - "$work/gateway" "$BASE" "$1" "$work/gateway.log" <<'PY'
import subprocess, sys, time, urllib.request
binary, base, run, log = sys.argv[1:]
def first_ok(path):
    while True:
        try:
            urllib.request.urlopen(base + path, timeout=1)
            return (time.monotonic() - t0) * 1000
        except Exception:
            time.sleep(0.0005)
t0 = time.monotonic()
p = subprocess.Popen([binary], stderr=open(log, "a"))
live = first_ok("/health/live")
ready = first_ok("/health/ready")
print(f"{run} {live:.1f} {ready:.1f}", flush=True)
if run != "last":
    p.terminate(); p.wait()
else:
    open(log + ".pid", "w").write(str(p.pid))
    p.wait()
PY
}

# seed N: stores N messages through the API and waits until the worker has
# sent them (and their receipts are in), then stops the session's worker and the gateway.
seed() {
  local n=$1 pending=
  command -v wrk >/dev/null || { echo "footprint.sh: MESSAGES needs wrk (apt-get install wrk)" >&2; exit 2; }
  start_gateway "$work/gateway" 42000
  setup_tenant seed
  send_lua "$work/seed.lua" "footprint seed"
  cat >>"$work/seed.lua" <<LUA
local left = math.ceil($n / 16)
function response(status)
  left = left - 1
  if left <= 0 then wrk.thread:stop() end
end
LUA
  # 16 threads of one connection each, so each thread's share is exact. A
  # thread that has sent its share stops, but wrk itself runs out its -d, so
  # it is interrupted once all N are stored.
  wrk -t16 -c16 -d30m -s "$work/seed.lua" "$BASE/api/v1/messages/send" >/dev/null &
  local wrk_pid=$! stored=0
  while kill -0 $wrk_pid 2>/dev/null && [ "$stored" -lt "$n" ]; do
    sleep 2
    stored=$(curl -fs "$BASE/api/v1/messages?limit=1" -H "$auth" | json 'd["data"]["pagination"]["total"]') || stored=0
  done
  kill -INT $wrk_pid 2>/dev/null || true
  wait $wrk_pid || true
  for _ in $(seq 1 600); do
    pending=$(curl -fs "$BASE/api/v1/messages?status=queued&limit=1" -H "$auth" | json 'd["data"]["pagination"]["total"]')
    [ "$pending" = 0 ] && break
    sleep 1
  done
  sleep 3 # the sandbox's delivered and read receipts of the last sends
  curl -fs -X POST "$BASE/api/v1/instances/$instance/stop" -H "$auth" >/dev/null
  stored=$(curl -fs "$BASE/api/v1/messages?limit=1" -H "$auth" | json 'd["data"]["pagination"]["total"]')
  echo "seeded: $stored messages stored ($pending still queued)"
  echo "$n" >"$data/.footprint-messages"
  kill $gw_pid; wait $gw_pid 2>/dev/null || true
  gw_pid=
}

# medians LABEL FILE: prints the medians of the startup lines in FILE, as
# "LABELmedian of N): first answer … ms, ready … ms  (first answers: …)".
medians() {
  python3 - "$1" "$2" <<'PY'
import statistics, sys
label, path = sys.argv[1:]
rows = [l.split() for l in open(path)]
live = [float(r[1]) for r in rows]; ready = [float(r[2]) for r in rows]
print(f"{label}median of {len(rows)}): first answer {statistics.median(live):.1f} ms, ready {statistics.median(ready):.1f} ms"
      f"  (first answers: {' '.join(f'{x:.1f}' for x in live)})")
PY
}

if [ ! -d "$data" ]; then
  # The extra first starts each get a directory of their own, removed after.
  for i in $(seq 2 "$FIRSTS"); do
    DATA_DIR="$work/first$i" startup "first$i"
    rm -rf "$work/first$i"
  done >"$work/firsts"
  startup first >>"$work/firsts"
  medians "first start (empty data directory, " "$work/firsts"
fi
if [ "$MESSAGES" -gt 0 ] && [ "$(cat "$data/.footprint-messages" 2>/dev/null)" != "$MESSAGES" ]; then
  seed "$MESSAGES"
fi
for i in $(seq 2 "$RUNS"); do startup "run$i"; done >"$work/runs"
startup last >>"$work/runs" &
for _ in $(seq 1 200); do [ -s "$work/gateway.log.pid" ] && break; sleep 0.05; done
gw_pid=$(cat "$work/gateway.log.pid")
medians "restarts (" "$work/runs"
sleep 2
echo "idle RSS: $(( $(ps -o rss= -p $gw_pid) / 1024 )) MiB ($(awk '/RssAnon|RssFile/ {printf "%s %d MiB ", $1, $2/1024}' /proc/$gw_pid/status))"
[ "$INSTANCES" -gt 0 ] || exit 0

python3 - "$BASE" "$users" "$per_user" "$INSTANCES" <<'PY'
import json, sys, urllib.request, time
base, users, per_user, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    if token: req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r:
        return json.load(r)["data"]
made = 0
t0 = time.time()
sessions = []
run = time.time_ns()  # a kept DATA_DIR has the accounts of earlier runs
for u in range(users):
    tok = call("POST", "/api/v1/auth/register", {"email": f"fp{u}-{run}@example.com", "password": "battery-staple-42", "name": "fp"})["token"]
    for s in range(per_user):
        if made == total: break
        sid = call("POST", "/api/v1/sessions", {"session_name": f"s{s}"}, tok)["session"]["id"]
        call("POST", "/api/v1/instances", {"session_id": sid}, tok)
        sessions.append((tok, sid)); made += 1
print(f"started {made} instances in {time.time()-t0:.1f} s")
deadline = time.time() + 120
pending = list(sessions)
while pending and time.time() < deadline:
    pending = [(t, s) for t, s in pending if call("GET", f"/api/v1/sessions/{s}", token=t)["session"]["status"] != "connected"]
    if pending: time.sleep(0.5)
print(f"connected: {made - len(pending)} of {made}")
PY
sleep 2
echo "RSS with $INSTANCES sandbox instances: $(( $(ps -o rss= -p $gw_pid) / 1024 )) MiB"
