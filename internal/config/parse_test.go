package config

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
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
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseDuration(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if !tt.wantErr && got != tt.want {
				t.Fatalf("ParseDuration(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseBool(t *testing.T) {
	tests := []struct {
		in      string
		want    bool
		wantErr bool
	}{
		{"true", true, false}, {"TRUE", true, false}, {"1", true, false}, {"yes", true, false}, {"Yes", true, false},
		{"false", false, false}, {"0", false, false}, {"no", false, false}, {"NO", false, false},
		{"on", false, true}, {"y", false, true}, {"2", false, true}, {"", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseBool(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("ParseBool(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
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
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSize(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("ParseSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}
