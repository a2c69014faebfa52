package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// gatewayBinary builds the real main once per test run.
func gatewayBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gateway-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "gateway")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// freePort returns a loopback port the kernel has free now, outside the
// instance port range [start, end] of the gateway it is for: the gateway
// refuses a PORT inside its range, and its workers bind ports there. The
// kernel picks from its ephemeral range (32768-60999 on Linux by default),
// which a test's instance range may overlap, so a port inside is skipped.
func freePort(t *testing.T, start, end int) int {
	t.Helper()
	for range 1000 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if port < start || port > end {
			return port
		}
	}
	t.Fatalf("the kernel offered no free port outside %d-%d", start, end)
	return 0
}

// process is a running gateway binary.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func startProcess(t *testing.T, bin string, env map[string]string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			t.Log("gateway: " + sc.Text())
		}
	}()
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.kill(syscall.SIGKILL) })
	return p
}

func (p *process) kill(sig syscall.Signal) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// TestEndToEnd runs the built binary as a user would: seed, serve, walk the
// seed flow, message between two sandbox sessions, then survive a SIGTERM
// and a SIGKILL: sessions that were running come back by themselves and
// queued messages are sent.
func TestEndToEnd(t *testing.T) {
	bin := gatewayBinary(t)
	port := freePort(t, 31000, 31999)
	env := map[string]string{
		"PORT": fmt.Sprint(port), "DATA_DIR": t.TempDir(), "WHATSAPP_ENGINE": "sandbox", "BCRYPT_ROUNDS": "4",
		"SANDBOX_PAIR_DELAY": "300ms", "SANDBOX_DELIVERY_DELAY": "100ms", "SANDBOX_READ_DELAY": "200ms",
		"INSTANCE_PORT_RANGE_START": "31000", "INSTANCE_PORT_RANGE_END": "31999", "RATE_LIMIT_MAX_REQUESTS": "100000",
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)

	seed := exec.Command(bin, "seed")
	for k, v := range env {
		seed.Env = append(seed.Env, k+"="+v)
	}
	if out, err := seed.CombinedOutput(); err != nil || !strings.Contains(string(out), "demo account created") {
		t.Fatalf("seed: %v\n%s", err, out)
	}

	p := startProcess(t, bin, env)
	waitReady(t, base)

	c := &client{t: t, base: base}
	var login struct{ Token string }
	c.do("POST", "/api/v1/auth/login", map[string]any{"email": "demo@whatsapp-saas.com", "password": "demo123"}).must(t, 200, &login)
	c.token = login.Token

	ss := connectedSessions(t, c, "sender", "receiver")
	a, b := ss[0], ss[1]

	var sent struct {
		Message messageView `json:"message"`
	}
	c.do("POST", "/api/v1/messages/send", map[string]any{"session_id": a.ID, "recipient": b.Phone + "@c.us", "message": "ping"}).must(t, 201, &sent)
	waitInbound(t, c, b.ID, "inbound recorded", patience, func(got []messageView) bool {
		return len(got) == 1 && got[0].Body == "ping" && got[0].SenderPhone != ""
	})

	// A clean stop (SIGTERM) and a start: both sessions come back connected.
	p.kill(syscall.SIGTERM)
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d, want 0", code)
	}
	p = startProcess(t, bin, env)
	waitReady(t, base)
	waitConnected(t, c, a.ID)
	waitConnected(t, c, b.ID)

	// A crash (SIGKILL) right after a send was accepted: after a restart the
	// accepted message is still there and reaches read.
	c.do("POST", "/api/v1/messages/send", map[string]any{"session_id": a.ID, "recipient": "15550001111", "message": "survives"}).must(t, 201, &sent)
	p.kill(syscall.SIGKILL)
	startProcess(t, bin, env)
	waitReady(t, base)
	polltest.Eventually(t, patience, "message after crash read", func() bool {
		got := getMessage[messageView](t, c, sent.Message.ID)
		return got.Status == "read"
	})
	var insts struct {
		Instances []instanceView `json:"instances"`
	}
	c.do("GET", "/api/v1/instances", nil).must(t, 200, &insts)
	for _, i := range insts.Instances {
		if i.Status != "running" {
			t.Errorf("instance %s is %s after restart, want running", i.ID, i.Status)
		}
	}
	resp, err := checkedClient(t, http.DefaultClient).Get(base + "/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health after restarts: %v %v", err, resp)
	}
	resp.Body.Close()
}
