package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseDotEnv(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"bare", "PORT=3001\n", map[string]string{"PORT": "3001"}},
		{"comments and blanks", "# a comment\n\n  # indented\nPORT=1\n", map[string]string{"PORT": "1"}},
		{"spaces around", "  PORT =  3001  \n", map[string]string{"PORT": "3001"}},
		{"export", "export NODE_ENV=production\n", map[string]string{"NODE_ENV": "production"}},
		{"inline comment", "PORT=3001 # the API\n", map[string]string{"PORT": "3001"}},
		{"hash inside a bare value", "DB_PASSWORD=pa#ss\n", map[string]string{"DB_PASSWORD": "pa#ss"}},
		{"empty", "PUBLIC_URL=\n", map[string]string{"PUBLIC_URL": ""}},
		{"single quotes literal", `JWT_SECRET='a "b" \n $HOME # not a comment'` + "\n",
			map[string]string{"JWT_SECRET": `a "b" \n $HOME # not a comment`}},
		{"double quotes escapes", `SMTP_FROM="Shop \"Bot\"\n<x@y>" # c` + "\n",
			map[string]string{"SMTP_FROM": "Shop \"Bot\"\n<x@y>"}},
		{"no expansion", "DATA_DIR=$HOME/data\n", map[string]string{"DATA_DIR": "$HOME/data"}},
		{"equals in value", "DATABASE_URL=postgres://u:p@h/db?sslmode=disable&x=y\n",
			map[string]string{"DATABASE_URL": "postgres://u:p@h/db?sslmode=disable&x=y"}},
		{"later wins", "PORT=1\nPORT=2\n", map[string]string{"PORT": "2"}},
		{"crlf", "PORT=1\r\nLOG_LEVEL=debug\r\n", map[string]string{"PORT": "1", "LOG_LEVEL": "debug"}},
		{"bom", "\uFEFFPORT=1\n", map[string]string{"PORT": "1"}},
		{"exported lookalike", "exportX=1\n", map[string]string{"exportX": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDotEnv(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseDotEnv(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseDotEnvErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // substrings of the error
	}{
		{"no equals", "PORT 3000\n", []string{"line 1", "KEY=VALUE"}},
		{"bad name", "1PORT=3\n", []string{"line 1", `"1PORT" is not a variable name`}},
		{"open double quote", "A=ok\nJWT_SECRET=\"abc\n", []string{"line 2", "JWT_SECRET", "double quote is not closed"}},
		{"open single quote", "X='abc\n", []string{"line 1", "single quote is not closed"}},
		{"garbage after quote", "X='a' b\n", []string{"line 1", `unexpected "b"`}},
		{"every line reported", "A\nB\n", []string{"line 1", "line 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDotEnv(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("ParseDotEnv(%q): got no error", tt.in)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got error %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestReadDotEnv(t *testing.T) {
	dir := t.TempDir()
	got, err := ReadDotEnv(filepath.Join(dir, ".env"))
	if err != nil || got != nil {
		t.Fatalf("missing file: got %v, %v; want nil, nil", got, err)
	}
	path := filepath.Join(dir, ".env")
	if err := os.WriteFile(path, []byte("PORT=3001\nbroken\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadDotEnv(path); err == nil || !strings.Contains(err.Error(), path+": line 2") {
		t.Errorf("got %v, want an error naming %s and line 2", err, path)
	}
}

// TestWithDotEnv: the environment wins over the file, per setting, and an
// empty environment variable counts as unset.
func TestWithDotEnv(t *testing.T) {
	dir := t.TempDir()
	secretPath := filepath.Join(dir, "jwt")
	if err := os.WriteFile(secretPath, []byte("file-secret-0123456789-0123456789-xx\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := map[string]string{
		"PORT":        "4001",
		"LOG_LEVEL":   "debug",
		"API_VERSION": "v2",
		"JWT_SECRET":  "dotenv-secret-0123456789-0123456789",
		"DB_PASSWORD": "from-file",
	}
	environ := map[string]string{
		"PORT":            "5001",     // the environment wins
		"API_VERSION":     "",         // empty: the file's value applies
		"JWT_SECRET_FILE": secretPath, // hides the file's JWT_SECRET
	}
	c, err := Load(WithDotEnv(env(environ), file))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.Port != 5001 {
		t.Errorf("PORT: got %d, want the environment's 5001", c.Port)
	}
	if c.LogLevel.String() != "DEBUG" {
		t.Errorf("LOG_LEVEL: got %v, want the file's debug", c.LogLevel)
	}
	if c.APIVersion != "v2" {
		t.Errorf("API_VERSION: got %q, want the file's v2 (the environment's is empty)", c.APIVersion)
	}
	if got := c.JWTSecret.Value(); got != "file-secret-0123456789-0123456789-xx" {
		t.Errorf("JWT_SECRET: got %q, want the content of the environment's JWT_SECRET_FILE", got)
	}
	if got := c.DBPassword.Value(); got != "from-file" {
		t.Errorf("DB_PASSWORD: got %q, want the file's", got)
	}

	// NAME_FILE in the .env file works too.
	c, err = Load(WithDotEnv(env(nil), map[string]string{"JWT_SECRET_FILE": secretPath}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := c.JWTSecret.Value(); got != "file-secret-0123456789-0123456789-xx" {
		t.Errorf("JWT_SECRET from the file's JWT_SECRET_FILE: got %q", got)
	}
	// The environment's JWT_SECRET hides the file's JWT_SECRET_FILE
	// rather than meeting it in a "set both" problem.
	c, err = Load(WithDotEnv(env(map[string]string{"JWT_SECRET": "env-secret-0123456789-0123456789-0123"}),
		map[string]string{"JWT_SECRET_FILE": secretPath}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := c.JWTSecret.Value(); got != "env-secret-0123456789-0123456789-0123" {
		t.Errorf("JWT_SECRET: got %q, want the environment's", got)
	}
}

// TestEnvExampleIsCurrent keeps the repository's .env.example the one the
// settings table generates.
func TestEnvExampleIsCurrent(t *testing.T) {
	raw, err := os.ReadFile("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(EnvExample(), string(raw)); diff != "" {
		t.Errorf(".env.example is not what the settings table generates; run `make env-example` (-want +got):\n%s", diff)
	}
}

// TestEnvExample: every setting appears, the file as shipped changes
// nothing, and with every line uncommented it loads to the defaults.
func TestEnvExample(t *testing.T) {
	text := EnvExample()
	for _, s := range append(append(Docs(), ClusterDocs()...), WorkerDocs()...) {
		if !strings.Contains(text, "\n#"+s.Name+"=") {
			t.Errorf(".env.example has no line for %s", s.Name)
		}
		if s.Secret && !strings.Contains(text, s.Name+"_FILE=") {
			t.Errorf(".env.example does not mention %s_FILE", s.Name)
		}
	}
	vars, err := ParseDotEnv(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(vars) != 0 {
		t.Errorf("got %d active variables in .env.example, want every line commented out: %v", len(vars), vars)
	}
	uncommented := regexp.MustCompile(`(?m)^#([A-Z][A-Za-z0-9_]*=)`).ReplaceAllString(text, "$1")
	vars, err = ParseDotEnv(strings.NewReader(uncommented))
	if err != nil {
		t.Fatalf("uncommented .env.example does not parse: %v", err)
	}
	if n := len(Docs()) + len(ClusterDocs()) + len(WorkerDocs()); len(vars) != n {
		t.Errorf("uncommented: got %d variables, want %d", len(vars), n)
	}
	c, err := Load(WithDotEnv(env(nil), vars))
	if err != nil {
		t.Fatalf("Load with every example line uncommented: %v", err)
	}
	def := mustLoad(t, nil)
	if diff := cmp.Diff(def.Redacted(), c.Redacted()); diff != "" {
		t.Errorf("the example's values differ from the defaults (-default +example):\n%s", diff)
	}
	if _, err := LoadCluster(WithDotEnv(env(nil), vars)); err != nil {
		t.Errorf("LoadCluster with every example line uncommented: %v", err)
	}
}
