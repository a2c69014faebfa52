package gateway

import (
	"testing"

	"github.com/google/uuid"
)

// TestNewRowIDFollowsCreationOrder wants row ids that are UUIDs (version 7)
// and sort in the order they were made, as text too, so an index on them
// grows at its end.
func TestNewRowIDFollowsCreationOrder(t *testing.T) {
	prev := ""
	for i := range 5000 {
		id := NewRowID()
		u, err := uuid.Parse(id)
		if err != nil || u.Version() != 7 {
			t.Fatalf("id %d %q: version %v, error %v; want a UUIDv7", i, id, u.Version(), err)
		}
		if id <= prev {
			t.Fatalf("id %d %q sorts before or with the one made before it, %q", i, id, prev)
		}
		prev = id
	}
}
