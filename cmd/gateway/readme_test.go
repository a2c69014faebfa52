package main

import (
	"os"
	"strings"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/config"
)

// TestReadmeDocumentsEverySetting keeps the README's configuration table in
// step with the code: regenerate it with `bin/gateway config --markdown`.
func TestReadmeDocumentsEverySetting(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	if !strings.Contains(readme, config.MarkdownTable()) {
		t.Error("README.md's configuration table is not the one the settings table generates; regenerate it with `bin/gateway config --markdown`")
	}
	for _, s := range append(config.Docs(), config.WorkerDocs()...) {
		if !strings.Contains(readme, "`"+s.Name+"`") {
			t.Errorf("README.md does not document %s; regenerate the table with `bin/gateway config --markdown`", s.Name)
		}
	}
	for _, cmd := range []string{"make run", "make test"} {
		if !strings.Contains(readme, cmd) {
			t.Errorf("README.md does not show %q", cmd)
		}
	}
}
