package deploycheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// liveVars are the variables that point tests at live services.
var liveVars = regexp.MustCompile(`^TEST_(DATABASE_URL|REDIS_URL|NOMAD_ADDR|CONSUL_ADDR|VAULT_ADDR)$`)

// liveTests parses the test files of the package in dir and returns the
// names of its Test functions that need a live service: they read one of
// liveVars, call a pgtest helper (it reads TEST_DATABASE_URL), or call a
// function of the package that does, however deep.
func liveTests(t *testing.T, dir string) []string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	bodies := map[string]*ast.BlockStmt{}
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Body != nil && fn.Recv == nil {
				bodies[fn.Name.Name] = fn.Body
			}
		}
	}
	live := map[string]bool{}
	calls := map[string][]string{}
	for name, body := range bodies {
		ast.Inspect(body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if s, err := strconv.Unquote(n.Value); err == nil && n.Kind == token.STRING && liveVars.MatchString(s) {
					live[name] = true
				}
			case *ast.SelectorExpr:
				if id, ok := n.X.(*ast.Ident); ok && id.Name == "pgtest" {
					live[name] = true
				}
			case *ast.Ident:
				if _, ok := bodies[n.Name]; ok && n.Name != name {
					calls[name] = append(calls[name], n.Name)
				}
			}
			return true
		})
	}
	for changed := true; changed; {
		changed = false
		for name, callees := range calls {
			if live[name] {
				continue
			}
			for _, c := range callees {
				if live[c] {
					live[name], changed = true, true
					break
				}
			}
		}
	}
	var out []string
	for name := range live {
		if strings.HasPrefix(name, "Test") {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// makeVar returns the value of a `NAME ?= value` line of the Makefile.
func makeVar(t *testing.T, makefile, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + name + `\s*\?=\s*(.*)$`).FindStringSubmatch(makefile)
	if m == nil {
		t.Fatalf("the Makefile has no %s", name)
	}
	return strings.TrimSpace(m[1])
}

// TestIntegrationRunsEveryLiveTest keeps `make test-integration` running
// what it says: every package whose tests read a live service's TEST_*
// address is in INTEGRATION_PKGS (run whole), and every end-to-end test of
// cmd/gateway that needs one matches INTEGRATION_E2E, the -run pattern of
// that package (a top-level test the pattern misses is never started, its
// live subtests included).
func TestIntegrationRunsEveryLiveTest(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	makefile := string(raw)
	if !strings.Contains(makefile, "-run '$(INTEGRATION_E2E)' ./cmd/gateway/") || !strings.Contains(makefile, "$(INTEGRATION_PKGS)") {
		t.Fatal("test-integration no longer runs $(INTEGRATION_PKGS) and cmd/gateway with -run '$(INTEGRATION_E2E)'; update this test")
	}
	pkgs := strings.Fields(makeVar(t, makefile, "INTEGRATION_PKGS"))
	e2e, err := regexp.Compile(makeVar(t, makefile, "INTEGRATION_E2E"))
	if err != nil {
		t.Fatalf("INTEGRATION_E2E: %v", err)
	}

	var dirs []string
	for _, top := range []string{"internal", "cmd", "client"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	gatewayDir := filepath.Join(root, "cmd", "gateway")
	for _, dir := range dirs {
		tests := liveTests(t, dir)
		if len(tests) == 0 {
			continue
		}
		rel, _ := filepath.Rel(root, dir)
		if dir == gatewayDir {
			for _, name := range tests {
				if !e2e.MatchString(name) {
					t.Errorf("cmd/gateway's %s needs a live service but INTEGRATION_E2E does not match it", name)
				}
			}
			continue
		}
		if !slices.Contains(pkgs, "./"+filepath.ToSlash(rel)+"/") {
			t.Errorf("%s has tests that need a live service (%s) but is not in INTEGRATION_PKGS", rel, strings.Join(tests, ", "))
		}
	}
	if got := liveTests(t, gatewayDir); !slices.Contains(got, "TestSeedFlowPostgresRedis") {
		t.Errorf("the scan of cmd/gateway found %v; it should find TestSeedFlowPostgresRedis at least", got)
	}
}
