package main

import (
	"github.com/whatsapp-saas/gateway/internal/polltest"

	"net/http"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/postgres/pgtest"
)

// TestAPIKeyRevokedTwoGatewaysPostgres: a key revoked on gateway a is
// refused by a at once and by b as soon as the bus notice lands. Both
// gateways cache keys for an hour, so only the notice can explain b's
// refusal within the test.
func TestAPIKeyRevokedTwoGatewaysPostgres(t *testing.T) {
	redisURL := ownRedis(t, 13)
	extra := map[string]string{"DATABASE_URL": pgtest.FreshSchema(t), "REDIS_URL": redisURL, "AUTH_CACHE_TTL": "5m",
		"JWT_SECRET": "two-gateways-jwt-secret-0123456789abcdef0123", "INTERNAL_SECRET": "two-gateways-internal-0123456789abcdef0123",
		"WEBHOOK_SECRET": "two-gateways-webhook-0123456789abcdef01234"}
	a := startGateway(t, testEnv(t, extra))
	extra["INSTANCE_PORT_RANGE_START"], extra["INSTANCE_PORT_RANGE_END"] = "30000", "30999"
	b := startGateway(t, testEnv(t, extra))

	owner := register(t, a, "keys-two-gateways@example.com")
	var created struct {
		APIKey struct {
			ID  string `json:"id"`
			Key string `json:"key"`
		} `json:"api_key"`
	}
	owner.do("POST", "/api/v1/api-keys", map[string]any{"name": "two gateways"}).must(t, http.StatusCreated, &created)
	onA := &client{t: t, base: a, apiKey: created.APIKey.Key}
	onB := &client{t: t, base: b, apiKey: created.APIKey.Key}
	for range 3 { // cached on both
		onA.do("GET", "/api/v1/api-keys", nil).must(t, http.StatusOK, nil)
		onB.do("GET", "/api/v1/api-keys", nil).must(t, http.StatusOK, nil)
	}

	owner.do("DELETE", "/api/v1/api-keys/"+created.APIKey.ID, nil).must(t, http.StatusOK, nil)
	onA.do("GET", "/api/v1/api-keys", nil).fails(t, http.StatusUnauthorized, "unauthorized")
	polltest.Eventually(t, patience, "gateway b to refuse the revoked key", func() bool {
		return onB.do("GET", "/api/v1/api-keys", nil).Status == http.StatusUnauthorized
	})
	onB.do("GET", "/api/v1/api-keys", nil).fails(t, http.StatusUnauthorized, "unauthorized")
}
