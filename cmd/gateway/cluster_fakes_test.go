package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/consul/consultest"
	"github.com/whatsapp-saas/gateway/internal/nomad"
	"github.com/whatsapp-saas/gateway/internal/nomad/nomadtest"
	"github.com/whatsapp-saas/gateway/internal/vault/vaulttest"
)

// TestClusterWiringWithFakes starts a gateway with SCHEDULER=nomad
// DISCOVERY=consul SECRETS=vault against protocol fakes: the secrets come
// from Vault, starting an instance submits its job (no secret in it), the
// workers' Nomad variable is written, a request for the session answers
// "unavailable" until Consul has a healthy worker, and stopping purges the
// job. Needs PostgreSQL and Redis (TEST_DATABASE_URL, TEST_REDIS_URL).
func TestClusterWiringWithFakes(t *testing.T) {
	env := postgresRedis(t)
	fn := nomadtest.New(t)
	fc := consultest.New(t)
	fv := vaulttest.New(t, "root")
	fv.Put("whatsapp-gateway", map[string]any{"jwt_secret": strings.Repeat("j", 40), "webhook_secret": "w", "internal_secret": "internal-from-vault"}, time.Now())
	for k, v := range map[string]string{
		"NOMAD_ADDR": fn.URL, "CONSUL_HTTP_ADDR": fc.URL, "VAULT_ADDR": fv.URL, "VAULT_TOKEN": "root",
		"INSTANCE_DRIVER": "raw_exec", "INSTANCE_COMMAND": "/opt/wa/instance", "INSTANCE_START_WAIT": "2s",
	} {
		t.Setenv(k, v)
	}
	env["SCHEDULER"], env["DISCOVERY"], env["SECRETS"] = "nomad", "consul", "vault"
	base := startGateway(t, testEnv(t, env))
	c := register(t, base, "fakes@example.com")
	var me struct {
		User userView `json:"user"`
	}
	c.do("GET", "/api/v1/auth/me", nil).must(t, http.StatusOK, &me)

	sess, inst := startSession(t, c, "fakes")
	sid := sess.ID
	if inst.Driver != "nomad" || inst.Address == "" {
		t.Fatalf("instance: %+v", inst)
	}
	jobID := nomad.JobID("wa", sid, me.User.ID)
	job := fn.Job("", jobID)
	if job == nil {
		t.Fatalf("no job %s", jobID)
	}
	task := job.TaskGroups[0].Tasks[0]
	if task.Driver != "raw_exec" || task.Config["command"] != "/opt/wa/instance" || task.Env["SESSION_ID"] != sid {
		t.Errorf("task %s %v %v", task.Driver, task.Config, task.Env)
	}
	for k, v := range task.Env {
		if strings.Contains(v, "internal-from-vault") || strings.Contains(v, env["DATABASE_URL"]) {
			t.Errorf("env %s carries a secret", k)
		}
	}
	if got := fn.Variable("", "nomad/jobs"); got["internal_secret"] != "internal-from-vault" || got["database_url"] != env["DATABASE_URL"] {
		t.Errorf("workers' variable: internal %q, database set %v", got["internal_secret"], got["database_url"] != "")
	}

	// No healthy worker in Consul yet: a clear "unavailable".
	r := c.do("GET", "/api/v1/sessions/"+sid+"/qr", nil)
	if r.Status != http.StatusServiceUnavailable || !strings.Contains(r.Error.Message, "healthy instance") {
		t.Errorf("qr without a healthy worker: %d %s", r.Status, r.Raw)
	}

	c.do("POST", "/api/v1/instances/"+inst.ID+"/stop", nil).must(t, http.StatusOK, nil)
	if fn.Job("", jobID) != nil {
		t.Error("job still registered after stop")
	}

	var health struct {
		Checks []struct{ Name, Status string } `json:"checks"`
	}
	c.do("GET", "/health", nil).must(t, http.StatusOK, &health)
	seen := map[string]string{}
	for _, s := range health.Checks {
		seen[s.Name] = s.Status
	}
	if seen["scheduler"] != "up" || seen["discovery"] != "up" || seen["secrets"] != "up" {
		t.Errorf("health: %v", seen)
	}
}
