package deploycheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/nomad/nomadtest"
	"github.com/whatsapp-saas/gateway/internal/vault/vaulttest"
)

// TestBootstrapScript runs scripts/bootstrap.sh against the Vault and
// Nomad fakes: the requests it sends must be well-formed, the secret must
// hold every key, a second run must keep it, and ROTATE=1 must replace it.
func TestBootstrapScript(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	fv := vaulttest.New(t, "root")
	fn := nomadtest.New(t)
	dbURL := `postgres://gw:p"a\ss@db:5432/x?sslmode=disable`
	run := func(extra ...string) string {
		t.Helper()
		cmd := exec.Command("sh", filepath.Join(root, "scripts", "bootstrap.sh"))
		cmd.Env = append(os.Environ(), "VAULT_ADDR="+fv.URL, "VAULT_TOKEN=root", "NOMAD_ADDR="+fn.URL, "NOMAD_TOKEN=",
			"DATABASE_URL="+dbURL, "REDIS_URL=redis://r:6379/0", "TMPDIR="+t.TempDir())
		cmd.Env = append(cmd.Env, extra...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("bootstrap: %v\n%s", err, out)
		}
		return string(out)
	}
	out := run()
	first := fv.Latest("whatsapp-gateway")
	for _, k := range []string{"jwt_secret", "webhook_secret", "internal_secret", "database_url", "redis_url"} {
		if s, _ := first[k].(string); s == "" {
			t.Errorf("secret lacks %s", k)
		}
	}
	if first["database_url"] != dbURL {
		t.Errorf("database_url: got %q, want %q (quoting)", first["database_url"], dbURL)
	}
	if strings.Contains(out, first["jwt_secret"].(string)) {
		t.Error("bootstrap printed a secret")
	}
	if p := fv.Policy("whatsapp-gateway"); !strings.Contains(p, `path "secret/data/whatsapp-gateway"`) {
		t.Errorf("policy: %q", p)
	}
	vars := fn.Variable("default", "nomad/jobs")
	if vars["internal_secret"] != first["internal_secret"] || vars["database_url"] != dbURL {
		t.Errorf("nomad variable: internal matches %v, database %q", vars["internal_secret"] == first["internal_secret"], vars["database_url"])
	}

	run() // idempotent: the secret stays
	if again := fv.Latest("whatsapp-gateway"); again["jwt_secret"] != first["jwt_secret"] {
		t.Error("a second run replaced the secret")
	}
	run("ROTATE=1")
	rotated := fv.Latest("whatsapp-gateway")
	if rotated["jwt_secret"] == first["jwt_secret"] {
		t.Error("ROTATE=1 kept the JWT secret")
	}
	if fn.Variable("default", "nomad/jobs")["internal_secret"] != rotated["internal_secret"] {
		t.Error("the nomad variable does not follow the rotation")
	}
}
