package config

import (
	"testing"
	"time"
)

// parseCase is one input of a parser and what it must answer.
type parseCase[T comparable] struct {
	in      string
	want    T
	wantErr bool
}

// testParse runs parse over the cases: an input refused or not as the case
// says, and the value wanted (the zero value when refused).
func testParse[T comparable](t *testing.T, name string, parse func(string) (T, error), tests []parseCase[T]) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parse(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("%s(%q) = %v, %v; want %v, error %v", name, tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	testParse(t, "ParseDuration", ParseDuration, []parseCase[time.Duration]{
		{"7d", 7 * 24 * time.Hour, false},
		{"12h", 12 * time.Hour, false},
		{"30m", 30 * time.Minute, false},
		{"45s", 45 * time.Second, false},
		{"250ms", 250 * time.Millisecond, false},
		{"2w", 14 * 24 * time.Hour, false},
		{"1y", 365*24*time.Hour + 6*time.Hour, false},
		{"1.5h", 90 * time.Minute, false},
		{".5s", 500 * time.Millisecond, false},
		{"2 days", 48 * time.Hour, false},
		{"10 Minutes", 10 * time.Minute, false},
		{"3600", time.Hour, false},
		{"0", 0, false},
		{"1h30m", 90 * time.Minute, false},
		{"1m30s", 90 * time.Second, false},
		{" 5s ", 5 * time.Second, false},
		{"", 0, true},
		{"soon", 0, true},
		{"5 fortnights", 0, true},
		{"-5s", 0, true},
		{"-1h30m", 0, true},
		{"7dd", 0, true},
	})
}

func TestParseBool(t *testing.T) {
	testParse(t, "ParseBool", ParseBool, []parseCase[bool]{
		{"true", true, false}, {"TRUE", true, false}, {"1", true, false}, {"yes", true, false}, {"Yes", true, false},
		{"false", false, false}, {"0", false, false}, {"no", false, false}, {"NO", false, false},
		{"on", false, true}, {"y", false, true}, {"2", false, true}, {"", false, true},
	})
}

func TestParseSize(t *testing.T) {
	testParse(t, "ParseSize", ParseSize, []parseCase[int64]{
		{"1048576", 1 << 20, false},
		{"1MiB", 1 << 20, false},
		{"1M", 1 << 20, false},
		{"1MB", 1000000, false},
		{"512KiB", 512 << 10, false},
		{"2 kb", 2000, false},
		{"1GiB", 1 << 30, false},
		{"10B", 10, false},
		{"0", 0, false},
		{"", 0, true},
		{"-1", 0, true},
		{"1.5MiB", 0, true},
		{"1TB", 0, true},
		{"99999999999999999999", 0, true},
		{"9999999999999G", 0, true},
	})
}
