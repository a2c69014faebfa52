package defaults

import (
	"testing"
	"time"
)

func TestPositive(t *testing.T) {
	for _, tt := range []struct{ v, want time.Duration }{{0, time.Second}, {-1, time.Second}, {time.Minute, time.Minute}} {
		v := tt.v
		Positive(&v, time.Second)
		if v != tt.want {
			t.Errorf("Positive(%v): got %v, want %v", tt.v, v, tt.want)
		}
	}
}
