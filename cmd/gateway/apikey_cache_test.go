package main

import (
	"github.com/whatsapp-saas/gateway/internal/polltest"

	"net/http"
	"testing"
)

// TestAPIKeyRevokedTwoGatewaysPostgres: a key revoked on gateway a is
// refused by a at once and by b as soon as the bus notice lands. Both
// gateways cache keys for an hour, so only the notice can explain b's
// refusal within the test.
func TestAPIKeyRevokedTwoGatewaysPostgres(t *testing.T) {
	a, b := twoGateways(t, 13, map[string]string{"AUTH_CACHE_TTL": "5m"}, testEnv)

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
