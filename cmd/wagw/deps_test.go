package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLinksNoServerDependencies keeps the command-line client small and
// quick to start (issue 12): it speaks HTTP to a gateway, so it must link
// none of the gateway's engines, drivers or cluster clients. Each of these
// adds package initialisation (whatsmeow's protobuf descriptors above all)
// and megabytes to every `wagw` run.
func TestLinksNoServerDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	forbidden := []string{
		"go.mau.fi/whatsmeow", "google.golang.org/protobuf", "modernc.org/sqlite", "github.com/jackc/pgx",
		"github.com/redis/go-redis", "github.com/prometheus/client_golang", "github.com/hashicorp/",
		"github.com/whatsapp-saas/gateway/internal/service", "github.com/whatsapp-saas/gateway/internal/sqlstore",
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if strings.HasPrefix(pkg, f) {
				t.Errorf("wagw links %s (under %s); the CLI must reach the gateway over HTTP only", pkg, f)
			}
		}
	}
}
