package sqlstore

import (
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func TestNumberParams(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"none", "SELECT 1", "SELECT 1"},
		{"in order", "SELECT a FROM t WHERE b = ? AND c IN (?, ?) LIMIT ?", "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3) LIMIT $4"},
		{"quoted text is left alone", `SELECT '?' , "a?" FROM t WHERE x LIKE ? ESCAPE '\'`, `SELECT '?' , "a?" FROM t WHERE x LIKE $1 ESCAPE '\'`},
		{"escaped quote", "SELECT 'it''s?' WHERE a = ?", "SELECT 'it''s?' WHERE a = $1"},
		{"ten and more", "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := numberParams(tt.in); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMigrations(t *testing.T) {
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []string
		wantErr bool
	}{
		{"in numeric order", fstest.MapFS{
			"m/0010_c.sql":   {Data: []byte("C")},
			"m/0002_b.sql":   {Data: []byte("B")},
			"m/0001_a.sql":   {Data: []byte("A")},
			"m/README.md":    {Data: []byte("not a migration")},
			"m/sub/0003.sql": {Data: []byte("in a folder: ignored")},
		}, []string{"0001_a.sql", "0002_b.sql", "0010_c.sql"}, false},
		{"shared number", fstest.MapFS{
			"m/0001_a.sql": {Data: []byte("A")},
			"m/001_b.sql":  {Data: []byte("B")},
		}, nil, true},
		{"no number", fstest.MapFS{"m/init.sql": {Data: []byte("A")}}, nil, true},
		{"zero", fstest.MapFS{"m/0000_init.sql": {Data: []byte("A")}}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := Migrations(tt.files, "m")
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			var names []string
			for _, m := range list {
				names = append(names, m.Name)
			}
			if d := cmp.Diff(tt.want, names); d != "" {
				t.Fatalf("migrations mismatch (-want +got):\n%s", d)
			}
		})
	}
}
