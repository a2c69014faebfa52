package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/sqlite"
	"github.com/whatsapp-saas/gateway/internal/storetest"
)

// TestAnalyticsScale times the analytics queries on a generated data set:
// ANALYTICS_SCALE=1000000 go test ./internal/sqlite -run TestAnalyticsScale -v
func TestAnalyticsScale(t *testing.T) {
	n := storetest.ScaleMessages(t)
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "scale.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	storetest.RunAnalyticsScale(t, st, st.DB(), n)
}
