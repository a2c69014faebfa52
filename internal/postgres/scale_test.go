package postgres_test

import (
	"testing"

	"github.com/whatsapp-saas/gateway/internal/postgres"
	"github.com/whatsapp-saas/gateway/internal/postgres/pgtest"
	"github.com/whatsapp-saas/gateway/internal/storetest"
)

// TestAnalyticsScale times the analytics queries on a generated data set:
// ANALYTICS_SCALE=1000000 TEST_DATABASE_URL=… go test ./internal/postgres -run TestAnalyticsScale -v
func TestAnalyticsScale(t *testing.T) {
	n := storetest.ScaleMessages(t)
	url := pgtest.FreshSchema(t)
	st, err := postgres.Open(t.Context(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	storetest.RunAnalyticsScale(t, st, st.DB(), n)
}
