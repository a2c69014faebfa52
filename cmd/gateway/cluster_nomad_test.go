package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
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
		t.Run("discovery="+discovery, func(t *testing.T) {
			clusterFlow(t, clusterRun{discovery: discovery, driver: nomad.DriverRawExec, vault: true})
		})
	}
}

// TestClusterNomadDocker is the same walk with the design's headline
// shape: INSTANCE_DRIVER=docker, one container per session from the image
// scripts/image.sh builds offline, on a real Nomad agent whose docker
// plugin talks to a real engine. Besides the walk it checks the running
// container's hardening (docker inspect), kills the container with docker
// kill, and checks the container is gone after the stop.
//
// It runs when TEST_NOMAD_ADDR, TEST_CONSUL_ADDR, TEST_DATABASE_URL and
// TEST_DOCKER_HOST (the engine Nomad's docker plugin uses, e.g.
// unix:///var/run/docker.sock) are set; Vault is used when
// TEST_VAULT_ADDR is set too. scripts/dev-agents.sh starts all of them.
// The workers share the node's network (INSTANCE_NETWORK_MODE=host):
// PostgreSQL and Redis listen on loopback here.
func TestClusterNomadDocker(t *testing.T) {
	if os.Getenv("TEST_NOMAD_ADDR") == "" || os.Getenv("TEST_CONSUL_ADDR") == "" || os.Getenv("TEST_DATABASE_URL") == "" || os.Getenv("TEST_DOCKER_HOST") == "" {
		t.Skip("set TEST_NOMAD_ADDR, TEST_CONSUL_ADDR, TEST_DATABASE_URL and TEST_DOCKER_HOST (scripts/dev-agents.sh) to run against live agents")
	}
	clusterFlow(t, clusterRun{discovery: "consul", driver: nomad.DriverDocker, vault: os.Getenv("TEST_VAULT_ADDR") != ""})
}

// TestClusterNomadExec is the walk with Nomad's isolated exec driver. The
// task runs chrooted: its binary must lie inside the chroot Nomad builds
// (under /usr by default), so TEST_EXEC_DIR names such a directory this
// test may write the binary to (e.g. /usr/local/libexec/wa-test).
func TestClusterNomadExec(t *testing.T) {
	if os.Getenv("TEST_NOMAD_ADDR") == "" || os.Getenv("TEST_CONSUL_ADDR") == "" || os.Getenv("TEST_DATABASE_URL") == "" || os.Getenv("TEST_EXEC_DIR") == "" {
		t.Skip("set TEST_NOMAD_ADDR, TEST_CONSUL_ADDR, TEST_DATABASE_URL and TEST_EXEC_DIR to run against live agents")
	}
	clusterFlow(t, clusterRun{discovery: "consul", driver: nomad.DriverExec, vault: os.Getenv("TEST_VAULT_ADDR") != ""})
}

// clusterRun is the shape of one live walk.
type clusterRun struct {
	discovery string // consul or nomad
	driver    string // nomad.DriverRawExec, DriverDocker or DriverExec
	vault     bool   // SECRETS=vault, else the gateway's secrets from its environment
}

// clusterFlow is the live walk.
func clusterFlow(t *testing.T, run clusterRun) {
	nomadAddr, consulAddr := os.Getenv("TEST_NOMAD_ADDR"), os.Getenv("TEST_CONSUL_ADDR")
	redisURL := os.Getenv("TEST_REDIS_URL")
	if redisURL == "" {
		redisURL = "redis://127.0.0.1:6379/0"
	}
	dbURL := pgtest.FreshSchema(t)
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])

	settings := map[string]string{
		"NOMAD_ADDR": nomadAddr, "CONSUL_HTTP_ADDR": consulAddr, "INSTANCE_DRIVER": run.driver, "INSTANCE_CONSUL_ADDR": consulAddr,
		"INSTANCE_START_WAIT": "60s", "NOMAD_TOKEN": os.Getenv("TEST_NOMAD_TOKEN"), "CONSUL_HTTP_TOKEN": os.Getenv("TEST_CONSUL_TOKEN"),
	}
	// The worker: a binary Nomad runs (raw_exec, exec) or an image.
	switch run.driver {
	case nomad.DriverDocker:
		tag := "whatsapp-instance-it:" + hex.EncodeToString(rnd[:])
		build := exec.Command("../../scripts/image.sh", "instance", tag)
		build.Env = append(os.Environ(), "DOCKER_HOST="+os.Getenv("TEST_DOCKER_HOST"))
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("build the instance image: %v\n%s", err, out)
		}
		t.Cleanup(func() { _ = dockerCmd("rmi", "-f", tag).Run() })
		settings["WHATSAPP_IMAGE"], settings["INSTANCE_NETWORK_MODE"] = tag, nomad.NetworkHost
	default:
		dir := t.TempDir()
		if run.driver == nomad.DriverExec {
			dir = filepath.Join(os.Getenv("TEST_EXEC_DIR"), hex.EncodeToString(rnd[:]))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = os.RemoveAll(dir) })
		}
		bin := filepath.Join(dir, "instance")
		build := exec.Command("go", "build", "-o", bin, "../instance")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("build instance: %v\n%s", err, out)
		}
		settings["INSTANCE_COMMAND"] = bin
	}
	gatewaySecrets := "env"
	if run.vault {
		settings["VAULT_ADDR"], settings["VAULT_TOKEN"] = os.Getenv("TEST_VAULT_ADDR"), os.Getenv("TEST_VAULT_TOKEN")
		settings["VAULT_KV_PATH"] = vaultSecrets(t, "whatsapp-gateway-it-"+hex.EncodeToString(rnd[:]))
		gatewaySecrets = "vault"
	}
	for k, v := range settings {
		t.Setenv(k, v)
	}
	env := testEnv(t, map[string]string{
		"SCHEDULER": "nomad", "DISCOVERY": run.discovery, "SECRETS": gatewaySecrets, "DATABASE_URL": dbURL, "REDIS_URL": redisURL,
		"SANDBOX_PAIR_DELAY": "1s", "SANDBOX_DELIVERY_DELAY": "200ms", "SANDBOX_READ_DELAY": "400ms", "LOG_LEVEL": "info",
	})
	// WHATSAPP_IMAGE is a setting of the gateway's own configuration (its
	// lookup is env), not of the cluster lookup the t.Setenv calls feed.
	if img, ok := settings["WHATSAPP_IMAGE"]; ok {
		env["WHATSAPP_IMAGE"] = img
	}
	discovery := run.discovery
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

	waitStatusWithin(t, c, sess.ID, "connected", 2*time.Minute)
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
		got := getMessage[messageView](t, c, id)
		return got.Status == "delivered" || got.Status == "read"
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
	// Nomad names a task's container <task>-<allocation id>.
	container := nomad.TaskName + "-" + alloc.ID
	if run.driver == nomad.DriverDocker {
		checkHardened(t, container)
	}
	containerID := func() string {
		out, err := dockerCmd("inspect", "-f", "{{.Id}} {{.State.Running}}", container).Output()
		if err != nil {
			return ""
		}
		id, running, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
		if running != "true" {
			return ""
		}
		return id
	}
	var killedContainer string
	if run.driver == nomad.DriverDocker {
		if killedContainer = containerID(); killedContainer == "" {
			t.Fatalf("container %s is not running", container)
		}
	}
	killed := time.Now()
	if run.driver == nomad.DriverDocker {
		if out, err := dockerCmd("kill", container).CombinedOutput(); err != nil {
			t.Fatalf("docker kill %s: %v\n%s", container, err, out)
		}
	} else if err := nc.Allocations().Signal(alloc, nil, nomad.TaskName, "SIGKILL"); err != nil {
		t.Fatalf("kill the instance: %v", err)
	}
	second := send()
	polltest.Eventually(t, 3*time.Minute, "message sent after the kill delivered", func() bool { return delivered(second) })
	failover := time.Since(killed)
	t.Logf("failover: instance killed to next message delivered in %v", failover.Round(100*time.Millisecond))
	// The same allocation restarted its task in place (a new container for
	// Docker), and the instance reads running again.
	polltest.Eventually(t, time.Minute, "allocation running again with a restart", func() bool {
		a, _, err := nc.Allocations().Info(alloc.ID, nil)
		if err != nil || a.ClientStatus != nomadapi.AllocClientStatusRunning {
			return false
		}
		ts := a.TaskStates[nomad.TaskName]
		return ts != nil && ts.State == "running" && ts.Restarts >= 1
	})
	if run.driver == nomad.DriverDocker {
		polltest.Eventually(t, time.Minute, "a new container running", func() bool {
			id := containerID()
			return id != "" && id != killedContainer
		})
		checkHardened(t, container)
	}
	polltest.Eventually(t, time.Minute, "instance running after failover", func() bool {
		var after struct {
			Instance instanceView `json:"instance"`
		}
		c.do("GET", "/api/v1/instances/"+inst.ID, nil).must(t, http.StatusOK, &after)
		return after.Instance.Status == "running"
	})

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
	if run.driver == nomad.DriverDocker {
		polltest.Eventually(t, time.Minute, "container gone", func() bool {
			out, err := dockerCmd("ps", "-a", "-q", "--filter", "name="+container).Output()
			return err == nil && strings.TrimSpace(string(out)) == ""
		})
	}
}

// vaultSecrets writes the gateway's secrets to a KV path of the test's own
// and returns the path.
func vaultSecrets(t *testing.T, kvPath string) string {
	vcfg := vaultapi.DefaultConfig()
	vcfg.Address = os.Getenv("TEST_VAULT_ADDR")
	vault, err := vaultapi.NewClient(vcfg)
	if err != nil {
		t.Fatal(err)
	}
	vault.SetToken(os.Getenv("TEST_VAULT_TOKEN"))
	secret := func() string { var b [32]byte; _, _ = rand.Read(b[:]); return hex.EncodeToString(b[:]) }
	if _, err := vault.KVv2("secret").Put(context.Background(), kvPath, map[string]any{
		"jwt_secret": secret(), "webhook_secret": secret(), "internal_secret": secret(),
	}); err != nil {
		t.Fatalf("write vault secrets: %v", err)
	}
	t.Cleanup(func() { _ = vault.KVv2("secret").DeleteMetadata(context.Background(), kvPath) })
	return kvPath
}

// dockerCmd runs the docker CLI against the engine of TEST_DOCKER_HOST.
func dockerCmd(args ...string) *exec.Cmd {
	return exec.Command("docker", append([]string{"-H", os.Getenv("TEST_DOCKER_HOST")}, args...)...)
}

// checkHardened reads the running container's configuration back from the
// engine: what the job asks for must be what Docker applied.
func checkHardened(t *testing.T, container string) {
	t.Helper()
	out, err := dockerCmd("inspect", "-f",
		"{{.HostConfig.ReadonlyRootfs}}|{{.HostConfig.CapDrop}}|{{.HostConfig.SecurityOpt}}|{{.HostConfig.PidsLimit}}|{{.HostConfig.Memory}}|{{.Config.User}}|{{.HostConfig.LogConfig.Type}}|{{index .HostConfig.LogConfig.Config \"max-size\"}}|{{index .HostConfig.LogConfig.Config \"max-file\"}}|{{range .Mounts}}{{.Destination}}:{{.RW}} {{end}}",
		container).CombinedOutput()
	if err != nil {
		t.Fatalf("docker inspect %s: %v\n%s", container, err, out)
	}
	got := strings.Split(strings.TrimSpace(string(out)), "|")
	if len(got) != 10 {
		t.Fatalf("docker inspect %s: %q", container, out)
	}
	t.Logf("container %s: read-only %s, cap drop %s, security %s, pids %s, memory %s, user %q, logs %s (max-size %s, max-file %s), mounts %s",
		container, got[0], got[1], got[2], got[3], got[4], got[5], got[6], got[7], got[8], got[9])
	if got[0] != "true" || !strings.Contains(strings.ToLower(got[1]), "all") || !strings.Contains(got[2], "no-new-privileges") ||
		got[3] != "512" || got[4] != fmt.Sprint(256<<20) || got[5] != "65532:65532" {
		t.Errorf("container %s is not hardened as the job asks: %v", container, got)
	}
	// The engine's copy of the logs is rotated too (Nomad keeps its own
	// rotated files from the task's logs block).
	if got[6] != "json-file" || got[7] == "" || got[8] == "" {
		t.Errorf("container %s logs: driver %s, max-size %q, max-file %q; want json-file, rotated", container, got[6], got[7], got[8])
	}
	// Writable: only the allocation's directories Nomad mounts (the media
	// live in /alloc/data), nothing of the image.
	var alloc bool
	for _, m := range strings.Fields(got[9]) {
		dest, rw, _ := strings.Cut(m, ":")
		switch {
		case rw != "true":
		case dest == "/alloc":
			alloc = true
		case dest == "/local" || dest == "/secrets":
		default:
			t.Errorf("container %s: %s is writable", container, dest)
		}
	}
	if !alloc {
		t.Errorf("container %s: the allocation directory (media) is not mounted writable: %s", container, got[9])
	}
}
