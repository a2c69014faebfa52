#!/usr/bin/env bash
# Load test of the two hot paths with wrk, against a gateway this script
# starts: an authenticated read of a session (one database query) and
# POST /api/v1/messages/send (validated, persisted, worker nudged).
#
#   scripts/load.sh                    embedded: SQLite + in-memory cache
#   DATABASE_URL=postgres://… REDIS_URL=redis://… scripts/load.sh
#   GATEWAY_BIN=/tmp/old/gateway scripts/load.sh   an earlier build
#
# Knobs: DURATION (10s), THREADS (2), CONNS (32), PORT (3900), RECEIPTS (on:
# the sandbox plays delivered/read receipts for every message, which adds two
# writes per send; RECEIPTS=off measures acceptance alone).
# Needs wrk (Debian package `wrk`), curl and python3. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
wrk_knobs 32 3900
RECEIPTS=${RECEIPTS:-on}
command -v wrk >/dev/null || { echo "load.sh: wrk is not installed (apt-get install wrk)" >&2; exit 2; }

work=$(mktemp -d)
trap 'kill $gw_pid 2>/dev/null || true; wait $gw_pid 2>/dev/null || true; rm -rf "$work"' EXIT
gateway_bin

delivery=1s; read=2s
if [ "$RECEIPTS" = off ]; then delivery=24h; read=24h; fi  # receipts later than the run
start_gateway "$work/gateway" 34000 SANDBOX_DELIVERY_DELAY=$delivery SANDBOX_READ_DELAY=$read
setup_tenant load

send_lua "$work/send.lua" "load test"

db=${DATABASE_URL:+postgres}; db=${db:-sqlite}
cache=${REDIS_URL:+redis}; cache=${cache:-memory}
echo "# $(date -u +%FT%TZ) database=$db cache=$cache receipts=$RECEIPTS threads=$THREADS conns=$CONNS duration=$DURATION"
echo "## GET /api/v1/sessions/{id} (JWT, one query)"
wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "$auth" "$BASE/api/v1/sessions/$session" | grep -E 'Requests/sec|Latency |  50%|  99%|Non-2xx'
echo "## POST /api/v1/messages/send"
wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$work/send.lua" "$BASE/api/v1/messages/send" | grep -E 'Requests/sec|Latency |  50%|  99%|Non-2xx'
rss=$(ps -o rss= -p $gw_pid | tr -d ' ')
echo "gateway RSS after load: $((rss / 1024)) MiB"
stored=$(curl -fs "$BASE/api/v1/messages?limit=1" -H "$auth" | json 'd["data"]["pagination"]["total"]')
echo "messages stored for this run's tenant: $stored"
