# bench-lib.sh: what scripts/load.sh, scripts/bench-http.sh and
# scripts/footprint.sh share, sourced by them: the gateway they start, the
# tenant they load it with, and the wrk script of a send.
# Callers set BASE, PORT and work (a temporary directory) first.

# wrk_knobs CONNS PORT: the knobs of the wrk scripts, from the environment
# or their defaults: DURATION (10s), THREADS (2), CONNS and PORT (the
# script's); and BASE, the gateway's URL.
wrk_knobs() {
  DURATION=${DURATION:-10s}
  THREADS=${THREADS:-2}
  CONNS=${CONNS:-$1}
  PORT=${PORT:-$2}
  BASE="http://127.0.0.1:$PORT"
}

# gateway_bin: puts the gateway the script runs at $work/gateway: a copy of
# GATEWAY_BIN (an earlier build, for before/after) or one built from this
# tree as `make run` builds it.
gateway_bin() {
  if [ -n "${GATEWAY_BIN:-}" ]; then
    cp "$GATEWAY_BIN" "$work/gateway"
  else
    CGO_ENABLED=0 go build -tags nodynamic -o "$work/gateway" ./cmd/gateway
  fi
}

# json EXPR: a field of the JSON on stdin (d is the document).
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# start_gateway BIN PORTS_FROM [ENV=VALUE…]: starts BIN on the sandbox
# engine with data in $work/data, its log in $work/gateway.log and its PID in
# gw_pid, and waits until it is ready. Sandbox workers take the ports
# PORTS_FROM..PORTS_FROM+999, so two scripts can run side by side.
start_gateway() {
  local bin=$1 from=$2
  shift 2
  env "$@" ADMIN_EMAIL=admin@example.com ADMIN_PASSWORD=bench-admin-password \
    PORT="$PORT" DATA_DIR="$work/data" WHATSAPP_ENGINE=sandbox SANDBOX_PAIR_DELAY=100ms \
    RATE_LIMIT_MAX_REQUESTS=100000000 LOG_LEVEL=warn BCRYPT_ROUNDS=4 \
    INSTANCE_PORT_RANGE_START="$from" INSTANCE_PORT_RANGE_END=$((from + 999)) \
    "$bin" 2>"$work/gateway.log" &
  gw_pid=$!
  for _ in $(seq 1 100); do
    # A gateway that could not listen (the port taken by another one) has
    # exited: never measure whichever process answers on the port.
    kill -0 "$gw_pid" 2>/dev/null || { echo "the gateway exited: $(tail -c 300 "$work/gateway.log")" >&2; return 1; }
    curl -fs "$BASE/health/ready" >/dev/null && return 0
    sleep 0.1
  done
  echo "the gateway did not get ready" >&2
  return 1
}

# setup_tenant NAME: registers a tenant on an unlimited plan (so quotas and
# plan rates measure nothing; every check a request makes still runs) with
# a connected sandbox session. Sets token, user, auth, session and instance.
setup_tenant() {
  local name=$1 admin st
  local reg
  reg=$(curl -fs -X POST "$BASE/api/v1/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$name-$(date +%s%N)@example.com\",\"password\":\"battery-staple-42\",\"name\":\"$name\"}")
  token=$(echo "$reg" | json 'd["data"]["token"]')
  user=$(echo "$reg" | json 'd["data"]["user"]["id"]')
  auth="Authorization: Bearer $token"
  admin=$(curl -fs -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"email":"admin@example.com","password":"bench-admin-password"}' | json 'd["data"]["token"]')
  curl -fs -X POST "$BASE/api/v1/admin/plans" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d '{"id":"loadtest","name":"Load test","price_cents":0,"currency":"USD","limits":{"sessions":-1,"instances":-1,"messages_per_month":-1,"webhooks":-1,"api_keys":-1,"requests_per_minute":-1,"media_bytes":-1},"features":{"engines":["sandbox"],"webhooks":true,"api_keys":true}}' >/dev/null || true # exists on PostgreSQL from an earlier run
  curl -fs -X PATCH "$BASE/api/v1/admin/tenants/$user/plan" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d "{\"plan_id\":\"loadtest\",\"reason\":\"$name\"}" >/dev/null
  session=$(curl -fs -X POST "$BASE/api/v1/sessions" -H "$auth" -H 'Content-Type: application/json' \
    -d "{\"session_name\":\"$name\"}" | json 'd["data"]["session"]["id"]')
  instance=$(curl -fs -X POST "$BASE/api/v1/instances" -H "$auth" -H 'Content-Type: application/json' \
    -d "{\"session_id\":\"$session\"}" | json 'd["data"]["instance"]["id"]')
  for _ in $(seq 1 100); do
    st=$(curl -fs "$BASE/api/v1/sessions/$session" -H "$auth" | json 'd["data"]["session"]["status"]')
    [ "$st" = connected ] && return 0
    sleep 0.1
  done
  echo "the sandbox session did not connect" >&2
  return 1
}

# send_lua FILE TEXT: writes the wrk script of POST /messages/send from the
# tenant setup_tenant made (its token and session), with TEXT as the message;
# callers append their own Lua after it.
send_lua() {
  cat >"$1" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
wrk.body = '{"session_id":"$session","recipient":"1234567890@c.us","message":"$2","message_type":"text"}'
LUA
}
