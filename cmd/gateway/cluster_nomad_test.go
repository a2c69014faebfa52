package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	consulapi "github.com/hashicorp/consul/api"
	nomadapi "github.com/hashicorp/nomad/api"
	vaultapi "github.com/hashicorp/vault/api"

	"github.com/whatsapp-saas/gateway/internal/nomad"
	"github.com/whatsapp-saas/gateway/internal/polltest"
	"github.com/whatsapp-saas/gateway/internal/postgres/pgtest"
)

// TestClusterNomadConsulVault runs against live agents: a gateway with
// SCHEDULER=nomad DISCOVERY=consul SECRETS=vault INSTANCE_DRIVER=raw_exec
// and the instance binary built here walks the seed flow on the sandbox
// engine, survives the instance process being killed (the failover time is
// logged), and stopping the instance removes its job and Consul entries.
//
// It runs only when TEST_NOMAD_ADDR, TEST_CONSUL_ADDR, TEST_VAULT_ADDR,
// TEST_VAULT_TOKEN and TEST_DATABASE_URL are set (TEST_REDIS_URL defaults
// to redis://127.0.0.1:6379/0). Nomad must run raw_exec (a -dev agent
// does) on this machine, with Consul integration; Vault (or OpenBao) needs
// a KV v2 mount at "secret".
func TestClusterNomadConsulVault(t *testing.T) {
	nomadAddr, consulAddr := os.Getenv("TEST_NOMAD_ADDR"), os.Getenv("TEST_CONSUL_ADDR")
	vaultAddr, vaultToken := os.Getenv("TEST_VAULT_ADDR"), os.Getenv("TEST_VAULT_TOKEN")
	if nomadAddr == "" || consulAddr == "" || vaultAddr == "" || vaultToken == "" || os.Getenv("TEST_DATABASE_URL") == "" {
		t.Skip("set TEST_NOMAD_ADDR, TEST_CONSUL_ADDR, TEST_VAULT_ADDR, TEST_VAULT_TOKEN and TEST_DATABASE_URL to run against live agents")
	}
	// Consul discovery (the default of a cluster), then Nomad's native
	// services; the session lock is in Consul either way.
	for _, discovery := range []string{"consul", "nomad"} {
		t.Run("discovery="+discovery, func(t *testing.T) { clusterFlow(t, discovery) })
	}
}

// clusterFlow is the live walk with one discovery.
func clusterFlow(t *testing.T, discovery string) {
	nomadAddr, consulAddr := os.Getenv("TEST_NOMAD_ADDR"), os.Getenv("TEST_CONSUL_ADDR")
	vaultAddr, vaultToken := os.Getenv("TEST_VAULT_ADDR"), os.Getenv("TEST_VAULT_TOKEN")
	redisURL := os.Getenv("TEST_REDIS_URL")
	if redisURL == "" {
		redisURL = "redis://127.0.0.1:6379/0"
	}
	dbURL := pgtest.FreshSchema(t)
	ctx := context.Background()

	// The instance binary Nomad runs with raw_exec.
	bin := filepath.Join(t.TempDir(), "instance")
	if out, err := exec.Command("go", "build", "-o", bin, "../instance").CombinedOutput(); err != nil {
		t.Fatalf("build instance: %v\n%s", err, out)
	}

	// Secrets in Vault at a path of this test's own.
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	kvPath := "whatsapp-gateway-it-" + hex.EncodeToString(rnd[:])
	vcfg := vaultapi.DefaultConfig()
	vcfg.Address = vaultAddr
	vault, err := vaultapi.NewClient(vcfg)
	if err != nil {
		t.Fatal(err)
	}
	vault.SetToken(vaultToken)
	secret := func() string { var b [32]byte; _, _ = rand.Read(b[:]); return hex.EncodeToString(b[:]) }
	if _, err := vault.KVv2("secret").Put(ctx, kvPath, map[string]any{
		"jwt_secret": secret(), "webhook_secret": secret(), "internal_secret": secret(),
	}); err != nil {
		t.Fatalf("write vault secrets: %v", err)
	}
	t.Cleanup(func() { _ = vault.KVv2("secret").DeleteMetadata(context.Background(), kvPath) })

	for k, v := range map[string]string{
		"NOMAD_ADDR": nomadAddr, "CONSUL_HTTP_ADDR": consulAddr, "VAULT_ADDR": vaultAddr, "VAULT_TOKEN": vaultToken,
		"VAULT_KV_PATH": kvPath, "INSTANCE_DRIVER": "raw_exec", "INSTANCE_COMMAND": bin, "INSTANCE_CONSUL_ADDR": consulAddr,
		"INSTANCE_START_WAIT": "60s", "NOMAD_TOKEN": os.Getenv("TEST_NOMAD_TOKEN"), "CONSUL_HTTP_TOKEN": os.Getenv("TEST_CONSUL_TOKEN"),
	} {
		t.Setenv(k, v)
	}
	env := testEnv(t, map[string]string{
		"SCHEDULER": "nomad", "DISCOVERY": discovery, "SECRETS": "vault", "DATABASE_URL": dbURL, "REDIS_URL": redisURL,
		"SANDBOX_PAIR_DELAY": "1s", "SANDBOX_DELIVERY_DELAY": "200ms", "SANDBOX_READ_DELAY": "400ms", "LOG_LEVEL": "info",
	})
	base := startGateway(t, env)
	c := register(t, base, "cluster-"+hex.EncodeToString(rnd[:3])+"@example.com")

	nc, err := nomadapi.NewClient(&nomadapi.Config{Address: nomadAddr, SecretID: os.Getenv("TEST_NOMAD_TOKEN")})
	if err != nil {
		t.Fatal(err)
	}
	ccfg := consulapi.DefaultConfig()
	ccfg.Address = consulAddr
	ccfg.Token = os.Getenv("TEST_CONSUL_TOKEN")
	cc, err := consulapi.NewClient(ccfg)
	if err != nil {
		t.Fatal(err)
	}

	// Create a session and start its instance: one Nomad job.
	var created struct {
		Session sessionView `json:"session"`
	}
	c.do("POST", "/api/v1/sessions", map[string]any{"session_name": "cluster"}).must(t, http.StatusCreated, &created)
	sess := created.Session
	var started struct {
		Instance instanceView `json:"instance"`
	}
	startAt := time.Now()
	c.do("POST", "/api/v1/instances", map[string]any{"session_id": sess.ID}).must(t, http.StatusCreated, &started)
	t.Logf("start: POST /instances answered in %v (job registered, allocation running)", time.Since(startAt).Round(10*time.Millisecond))
	inst := started.Instance
	if inst.Driver != "nomad" {
		t.Fatalf("instance driver %q, want nomad", inst.Driver)
	}
	var user struct {
		User userView `json:"user"`
	}
	c.do("GET", "/api/v1/auth/me", nil).must(t, http.StatusOK, &user)
	jobID := nomad.JobID("wa", sess.ID, user.User.ID)
	t.Cleanup(func() { _, _, _ = nc.Jobs().Deregister(jobID, true, nil) })
	job, _, err := nc.Jobs().Info(jobID, nil)
	if err != nil {
		t.Fatalf("job %s: %v", jobID, err)
	}
	if job.Meta["session_id"] != sess.ID || *job.TaskGroups[0].Count != 1 {
		t.Fatalf("job meta %v count %d", job.Meta, *job.TaskGroups[0].Count)
	}

	polltest.Eventually(t, 2*time.Minute, "session connected", func() bool {
		var got struct {
			Session sessionView `json:"session"`
		}
		c.do("GET", "/api/v1/sessions/"+sess.ID, nil).must(t, http.StatusOK, &got)
		return got.Session.Status == "connected"
	})
	t.Logf("start: session connected %v after the start request (sandbox pair delay 1s included)", time.Since(startAt).Round(10*time.Millisecond))
	send := func() string {
		var sent struct {
			Message messageView `json:"message"`
		}
		c.do("POST", "/api/v1/messages/send", map[string]any{"session_id": sess.ID, "recipient": "1234567890@c.us", "message": "hello from the cluster", "message_type": "text"}).
			must(t, http.StatusCreated, &sent)
		return sent.Message.ID
	}
	delivered := func(id string) bool {
		var got struct {
			Message messageView `json:"message"`
		}
		c.do("GET", "/api/v1/messages/"+id, nil).must(t, http.StatusOK, &got)
		return got.Message.Status == "delivered" || got.Message.Status == "read"
	}
	first := send()
	polltest.Eventually(t, time.Minute, "first message delivered", func() bool { return delivered(first) })

	// A second gateway (a fleet behind a load balancer) finds the same
	// worker through discovery and sends through it with the same token.
	other := &client{t: t, base: startGateway(t, env), token: c.token}
	var viaOther struct {
		Message messageView `json:"message"`
	}
	other.do("POST", "/api/v1/messages/send", map[string]any{"session_id": sess.ID, "recipient": "1234567890@c.us", "message": "through the second gateway"}).
		must(t, http.StatusCreated, &viaOther)
	polltest.Eventually(t, time.Minute, "message through the second gateway delivered", func() bool { return delivered(viaOther.Message.ID) })

	// Kill the instance's process: Nomad restarts it, it takes the session
	// lock again and drains the queue; a message sent meanwhile arrives.
	allocs, _, err := nc.Jobs().Allocations(jobID, false, nil)
	if err != nil || len(allocs) == 0 {
		t.Fatalf("allocations: %v %d", err, len(allocs))
	}
	alloc, _, err := nc.Allocations().Info(allocs[0].ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	if err := nc.Allocations().Signal(alloc, nil, nomad.TaskName, "SIGKILL"); err != nil {
		t.Fatalf("kill the instance: %v", err)
	}
	second := send()
	polltest.Eventually(t, 3*time.Minute, "message sent after the kill delivered", func() bool { return delivered(second) })
	failover := time.Since(killed)
	t.Logf("failover: instance killed to next message delivered in %v", failover.Round(100*time.Millisecond))
	var after struct {
		Instance instanceView `json:"instance"`
	}
	c.do("GET", "/api/v1/instances/"+inst.ID, nil).must(t, http.StatusOK, &after)
	if after.Instance.Status != "running" {
		t.Errorf("instance after failover: %q, want running", after.Instance.Status)
	}

	// Stop: the job and the Consul entries go.
	c.do("POST", "/api/v1/instances/"+inst.ID+"/stop", nil).must(t, http.StatusOK, nil)
	if _, _, err := nc.Jobs().Info(jobID, nil); err == nil {
		t.Error("job still registered after stop")
	}
	polltest.Eventually(t, time.Minute, "service entries gone", func() bool {
		if discovery == "nomad" {
			regs, _, err := nc.Services().Get("wa-worker", nil)
			for _, r := range regs {
				if r.JobID == jobID {
					return false
				}
			}
			return err == nil || strings.Contains(err.Error(), "404")
		}
		entries, _, err := cc.Catalog().Service("wa-worker", "session-"+sess.ID, nil)
		return err == nil && len(entries) == 0
	})
}
