#!/usr/bin/env bash
# Start-up time, idle memory, and memory with many sandbox instances, of a
# gateway this script starts (embedded: SQLite, in-memory cache).
#
#   scripts/footprint.sh            # INSTANCES=1000 by default
#   INSTANCES=200 scripts/footprint.sh
#
# Prints: time from exec to the first 200 on /health/live, RSS idle, RSS with
# INSTANCES running sandbox workers (each paired, one loopback port each).
# Loopback only; needs curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
INSTANCES=${INSTANCES:-1000}
PORT=${PORT:-3901}
BASE="http://127.0.0.1:$PORT"
work=$(mktemp -d)
trap 'kill $gw_pid 2>/dev/null || true; wait $gw_pid 2>/dev/null || true; rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -tags nodynamic -o "$work/gateway" ./cmd/gateway

per_user=10
users=$(( (INSTANCES + per_user - 1) / per_user ))
export PORT DATA_DIR="$work/data" WHATSAPP_ENGINE=sandbox SANDBOX_PAIR_DELAY=100ms \
  SANDBOX_DELIVERY_DELAY=1s SANDBOX_READ_DELAY=1s RATE_LIMIT_MAX_REQUESTS=100000000 LOG_LEVEL=warn \
  BCRYPT_ROUNDS=4 MAX_INSTANCES_PER_USER=$per_user INSTANCE_PORT_RANGE_START=40000 INSTANCE_PORT_RANGE_END=41999

# A throwaway start on an empty data directory (migrations, generated
# secrets), then the measured start, as after any restart.
for run in first measured; do
  python3 - "$work/gateway" "$BASE" "$run" "$work/gateway.log" <<'PY' &
import subprocess, sys, time, urllib.request
binary, base, run, log = sys.argv[1:]
t0 = time.monotonic()
p = subprocess.Popen([binary], stderr=open(log, "a"))
while True:
    try:
        urllib.request.urlopen(base + "/health/live", timeout=1)
        break
    except Exception:
        time.sleep(0.0005)
print(f"first answer after start ({run} start): {(time.monotonic() - t0) * 1000:.1f} ms", flush=True)
if run == "first":
    p.terminate(); p.wait()
else:
    open(log + ".pid", "w").write(str(p.pid))
    p.wait()
PY
  if [ $run = first ]; then wait; fi
done
for _ in $(seq 1 100); do [ -s "$work/gateway.log.pid" ] && break; sleep 0.05; done
gw_pid=$(cat "$work/gateway.log.pid")
sleep 2
echo "idle RSS: $(( $(ps -o rss= -p $gw_pid) / 1024 )) MiB"

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
for u in range(users):
    tok = call("POST", "/api/v1/auth/register", {"email": f"fp{u}@example.com", "password": "battery-staple-42", "name": "fp"})["token"]
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
