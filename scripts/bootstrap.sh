#!/bin/sh
# bootstrap.sh prepares Vault (or OpenBao) and Nomad for the gateway's
# cluster shape, idempotently, with curl only (no vault or nomad CLI):
#
#   1. a KV v2 mount (VAULT_KV_MOUNT, default secret) and the gateway's
#      secret (VAULT_KV_PATH, default whatsapp-gateway): generated
#      jwt_secret, webhook_secret, internal_secret, plus database_url and
#      redis_url from the environment. An existing secret is kept unless
#      ROTATE=1 (a new version: the previous JWT key stays accepted for
#      the token lifetime, webhook and internal secrets change at once);
#   2. the Vault policy "whatsapp-gateway" (read that secret);
#   3. with APPROLE=1, an AppRole "whatsapp-gateway" for gateways that run
#      outside Nomad (its role_id and a secret_id are printed);
#   4. the Nomad variable the workers' templates read (INSTANCE_VARIABLE_PATH,
#      default nomad/jobs, in NOMAD_NAMESPACE) and, when NOMAD_TOKEN is set,
#      the Nomad ACL policy "whatsapp-gateway".
#
# Environment: VAULT_ADDR VAULT_TOKEN NOMAD_ADDR [NOMAD_TOKEN NOMAD_NAMESPACE]
# DATABASE_URL REDIS_URL [VAULT_KV_MOUNT VAULT_KV_PATH ROTATE APPROLE].
# Secrets are never printed (except the AppRole secret_id you asked for).
set -eu

: "${VAULT_ADDR:?set VAULT_ADDR}"
: "${VAULT_TOKEN:?set VAULT_TOKEN}"
: "${NOMAD_ADDR:=http://127.0.0.1:4646}"
: "${NOMAD_NAMESPACE:=default}"
: "${DATABASE_URL:?set DATABASE_URL (the PostgreSQL URL the gateway and workers use)}"
: "${REDIS_URL:?set REDIS_URL}"
: "${VAULT_KV_MOUNT:=secret}"
: "${VAULT_KV_PATH:=whatsapp-gateway}"
: "${INSTANCE_VARIABLE_PATH:=nomad/jobs}"
: "${ROTATE:=0}"
: "${APPROLE:=0}"

log() { printf 'bootstrap: %s\n' "$*" >&2; }

OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

# vault METHOD PATH [JSON] prints the body; fails on HTTP errors other than
# those listed in OK_CODES.
vault() {
	code=$(curl -sS -o "$OUT" -w '%{http_code}' -X "$1" \
		-H "X-Vault-Token: ${VAULT_TOKEN}" -H 'Content-Type: application/json' \
		${3:+--data "$3"} "${VAULT_ADDR%/}/v1/$2")
	case " 200 204 ${OK_CODES:-} " in
	*" $code "*) cat "$OUT" ;;
	*) log "vault $1 $2: HTTP $code: $(cat "$OUT")"; return 1 ;;
	esac
}

nomad() {
	code=$(curl -sS -o "$OUT" -w '%{http_code}' -X "$1" \
		${NOMAD_TOKEN:+-H "X-Nomad-Token: ${NOMAD_TOKEN}"} -H 'Content-Type: application/json' \
		${3:+--data "$3"} "${NOMAD_ADDR%/}/v1/$2")
	case " 200 ${OK_CODES:-} " in
	*" $code "*) cat "$OUT" ;;
	*) log "nomad $1 $2: HTTP $code: $(cat "$OUT")"; return 1 ;;
	esac
}

# random prints n bytes of randomness as hex.
random() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

# json_string quotes a value for JSON.
json_string() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

# Wait for both APIs (the dev stack starts them together).
for i in $(seq 1 60); do
	if curl -fsS "${VAULT_ADDR%/}/v1/sys/health" >/dev/null 2>&1 && curl -fsS "${NOMAD_ADDR%/}/v1/status/leader" >/dev/null 2>&1; then
		break
	fi
	[ "$i" = 60 ] && { log "Vault or Nomad did not answer"; exit 1; }
	sleep 1
done

# 1. KV v2 mount and the secret.
OK_CODES=400 vault POST "sys/mounts/${VAULT_KV_MOUNT}" '{"type":"kv","options":{"version":"2"}}' >/dev/null
if OK_CODES=404 vault GET "${VAULT_KV_MOUNT}/data/${VAULT_KV_PATH}" | grep -q '"jwt_secret"' && [ "$ROTATE" != 1 ]; then
	log "secret ${VAULT_KV_MOUNT}/${VAULT_KV_PATH} exists; kept (ROTATE=1 writes a new version)"
	INTERNAL_SECRET=$(vault GET "${VAULT_KV_MOUNT}/data/${VAULT_KV_PATH}" | sed -n 's/.*"internal_secret":"\([^"]*\)".*/\1/p')
else
	INTERNAL_SECRET=$(random 32)
	vault POST "${VAULT_KV_MOUNT}/data/${VAULT_KV_PATH}" "{\"data\":{\"jwt_secret\":\"$(random 48)\",\"webhook_secret\":\"$(random 32)\",\"internal_secret\":\"${INTERNAL_SECRET}\",\"database_url\":$(json_string "$DATABASE_URL"),\"redis_url\":$(json_string "$REDIS_URL")}}" >/dev/null
	log "secret ${VAULT_KV_MOUNT}/${VAULT_KV_PATH} written"
fi

# 2. Policy.
POLICY="path \\\"${VAULT_KV_MOUNT}/data/${VAULT_KV_PATH}\\\" { capabilities = [\\\"read\\\"] }\\npath \\\"${VAULT_KV_MOUNT}/metadata/${VAULT_KV_PATH}\\\" { capabilities = [\\\"read\\\"] }"
vault PUT "sys/policies/acl/whatsapp-gateway" "{\"policy\":\"${POLICY}\"}" >/dev/null
log "vault policy whatsapp-gateway written"

# 3. AppRole, on request.
if [ "$APPROLE" = 1 ]; then
	OK_CODES=400 vault POST "sys/auth/approle" '{"type":"approle"}' >/dev/null
	vault POST "auth/approle/role/whatsapp-gateway" '{"token_policies":["whatsapp-gateway"],"token_ttl":"1h","token_max_ttl":"24h"}' >/dev/null
	ROLE_ID=$(vault GET "auth/approle/role/whatsapp-gateway/role-id" | sed -n 's/.*"role_id":"\([^"]*\)".*/\1/p')
	SECRET_ID=$(vault POST "auth/approle/role/whatsapp-gateway/secret-id" '{}' | sed -n 's/.*"secret_id":"\([^"]*\)".*/\1/p')
	printf 'VAULT_ROLE_ID=%s\nVAULT_SECRET_ID=%s\n' "$ROLE_ID" "$SECRET_ID"
fi

# 4. Nomad: the workers' variable and the gateway's ACL policy.
nomad PUT "var/${INSTANCE_VARIABLE_PATH}?namespace=${NOMAD_NAMESPACE}" "{\"Namespace\":\"${NOMAD_NAMESPACE}\",\"Path\":\"${INSTANCE_VARIABLE_PATH}\",\"Items\":{\"database_url\":$(json_string "$DATABASE_URL"),\"redis_url\":$(json_string "$REDIS_URL"),\"internal_secret\":\"${INTERNAL_SECRET}\"}}" >/dev/null
log "nomad variable ${INSTANCE_VARIABLE_PATH} written in namespace ${NOMAD_NAMESPACE}"
if [ -n "${NOMAD_TOKEN:-}" ]; then
	RULES="namespace \\\"${NOMAD_NAMESPACE}\\\" {\\n  capabilities = [\\\"submit-job\\\", \\\"read-job\\\", \\\"list-jobs\\\", \\\"parse-job\\\"]\\n  variables {\\n    path \\\"${INSTANCE_VARIABLE_PATH}\\\" { capabilities = [\\\"read\\\", \\\"write\\\"] }\\n  }\\n}\\nagent { policy = \\\"read\\\" }"
	nomad POST "acl/policy/whatsapp-gateway" "{\"Name\":\"whatsapp-gateway\",\"Description\":\"The WhatsApp gateway\",\"Rules\":\"${RULES}\"}" >/dev/null
	log "nomad acl policy whatsapp-gateway written; create the gateway's token with: nomad acl token create -name whatsapp-gateway -policy whatsapp-gateway"
fi
log "done"
