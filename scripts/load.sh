#!/usr/bin/env bash
# Load test of the two hot paths with wrk, against a gateway this script
# starts: an authenticated read of a session (one database query) and
# POST /api/v1/messages/send (validated, persisted, worker nudged).
#
#   scripts/load.sh                    embedded: SQLite + in-memory cache
#   DATABASE_URL=postgres://… REDIS_URL=redis://… scripts/load.sh
#
# Knobs: DURATION (10s), THREADS (2), CONNS (32), PORT (3900), RECEIPTS (on:
# the sandbox plays delivered/read receipts for every message, which adds two
# writes per send; RECEIPTS=off measures acceptance alone).
# Needs wrk (Debian package `wrk`), curl and python3. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
PORT=${PORT:-3900}
RECEIPTS=${RECEIPTS:-on}
BASE="http://127.0.0.1:$PORT"
command -v wrk >/dev/null || { echo "load.sh: wrk is not installed (apt-get install wrk)" >&2; exit 2; }

work=$(mktemp -d)
trap 'kill $gw_pid 2>/dev/null || true; wait $gw_pid 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/gateway" ./cmd/gateway

delivery=1s; read=2s
if [ "$RECEIPTS" = off ]; then delivery=24h; read=24h; fi  # receipts later than the run
export ADMIN_EMAIL=admin@example.com ADMIN_PASSWORD=load-admin-password
export PORT DATA_DIR="$work/data" WHATSAPP_ENGINE=sandbox SANDBOX_PAIR_DELAY=100ms \
  SANDBOX_DELIVERY_DELAY=$delivery SANDBOX_READ_DELAY=$read RATE_LIMIT_MAX_REQUESTS=100000000 \
  LOG_LEVEL=warn BCRYPT_ROUNDS=4 INSTANCE_PORT_RANGE_START=34000 INSTANCE_PORT_RANGE_END=34999
"$work/gateway" 2>"$work/gateway.log" &
gw_pid=$!
for _ in $(seq 1 100); do curl -fs "$BASE/health/ready" >/dev/null && break; sleep 0.1; done

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
reg=$(curl -fs -X POST "$BASE/api/v1/auth/register" -H 'Content-Type: application/json' \
  -d "{\"email\":\"load-$(date +%s%N)@example.com\",\"password\":\"battery-staple-42\",\"name\":\"Load\"}")
token=$(echo "$reg" | json 'd["data"]["token"]')
user=$(echo "$reg" | json 'd["data"]["user"]["id"]')
auth="Authorization: Bearer $token"
# An unlimited plan for the load user, so quotas and plan rates measure nothing.
admin=$(curl -fs -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" | json 'd["data"]["token"]')
curl -fs -X POST "$BASE/api/v1/admin/plans" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d '{"id":"loadtest","name":"Load test","price_cents":0,"currency":"USD","limits":{"sessions":-1,"instances":-1,"messages_per_month":-1,"webhooks":-1,"api_keys":-1,"requests_per_minute":-1,"media_bytes":-1},"features":{"engines":["sandbox"],"webhooks":true,"api_keys":true}}' >/dev/null || true  # exists from an earlier run
curl -fs -X PATCH "$BASE/api/v1/admin/tenants/$user/plan" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d '{"plan_id":"loadtest","reason":"load test"}' >/dev/null
session=$(curl -fs -X POST "$BASE/api/v1/sessions" -H "$auth" -H 'Content-Type: application/json' \
  -d '{"session_name":"load"}' | json 'd["data"]["session"]["id"]')
curl -fs -X POST "$BASE/api/v1/instances" -H "$auth" -H 'Content-Type: application/json' \
  -d "{\"session_id\":\"$session\"}" >/dev/null
for _ in $(seq 1 100); do
  st=$(curl -fs "$BASE/api/v1/sessions/$session" -H "$auth" | json 'd["data"]["session"]["status"]')
  [ "$st" = connected ] && break; sleep 0.1
done

cat >"$work/send.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
wrk.body = '{"session_id":"$session","recipient":"1234567890@c.us","message":"load test","message_type":"text"}'
LUA

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
