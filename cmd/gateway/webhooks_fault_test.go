package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/polltest"
	"github.com/whatsapp-saas/gateway/internal/postgres"
	"github.com/whatsapp-saas/gateway/internal/postgres/pgtest"
	"github.com/whatsapp-saas/gateway/internal/sqlite"
)

// TestWebhookDeliveryFault is the at-least-once proof: the real binary,
// a burst of sandbox traffic between two sessions, a SIGKILL in the middle
// of it, a restart, and a receiver that refuses the first two attempts of
// every event and verifies every signature with its own verifier. Every
// event id in the database must reach the receiver; duplicates are
// reported. It runs embedded (SQLite, in-process bus) and, when
// TEST_DATABASE_URL and TEST_REDIS_URL are set, in the cluster shape
// (PostgreSQL outbox, Redis wake-ups).
func TestWebhookDeliveryFault(t *testing.T) {
	bin := gatewayBinary(t)
	shapes := []string{"embedded"}
	if os.Getenv("TEST_DATABASE_URL") != "" && os.Getenv("TEST_REDIS_URL") != "" {
		shapes = append(shapes, "cluster")
	}
	for i, shape := range shapes {
		// Each shape's instance ports: its own 500, below the kernel's
		// ephemeral range, where freePort finds the gateway's and Redis's.
		t.Run(shape, func(t *testing.T) { webhookFault(t, bin, shape, 19000+i*500) })
	}
}

func webhookFault(t *testing.T, bin, shape string, ports int) {
	dataDir := t.TempDir()
	port := freePort(t, ports, ports+499)
	env := map[string]string{
		"PORT": fmt.Sprint(port), "DATA_DIR": dataDir, "WHATSAPP_ENGINE": "sandbox", "BCRYPT_ROUNDS": "4",
		"SANDBOX_PAIR_DELAY": "200ms", "SANDBOX_DELIVERY_DELAY": "50ms", "SANDBOX_READ_DELAY": "100ms",
		"INSTANCE_PORT_RANGE_START": fmt.Sprint(ports), "INSTANCE_PORT_RANGE_END": fmt.Sprint(ports + 499),
		"RATE_LIMIT_MAX_REQUESTS": "1000000", "LOG_LEVEL": "warn",
		"WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true", "WEBHOOK_TIMEOUT": "1s", "WEBHOOK_POLL_INTERVAL": "200ms",
		"WEBHOOK_RETRY_SCHEDULE": "50ms,100ms,200ms,400ms,800ms,1s,1s,1s,1s,1s",
	}
	var openStore func() (gateway.Store, error)
	restartRedis := func() {}
	if shape == "cluster" {
		dbURL := pgtest.FreshSchema(t)
		env["DATABASE_URL"] = dbURL
		env["REDIS_URL"] = os.Getenv("TEST_REDIS_URL")
		if redisBin, err := exec.LookPath("redis-server"); err == nil {
			// A private Redis, so the test may kill and restart it.
			redisPort := freePort(t, ports, ports+499)
			env["REDIS_URL"] = fmt.Sprintf("redis://127.0.0.1:%d/0", redisPort)
			restartRedis = startRedis(t, redisBin, redisPort)
		}
		openStore = func() (gateway.Store, error) { return postgres.Open(context.Background(), dbURL, nil) }
	} else {
		openStore = func() (gateway.Store, error) {
			return sqlite.Open(context.Background(), filepath.Join(dataDir, "gateway.db"), nil)
		}
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	p := startProcess(t, bin, env)
	waitReady(t, base)

	c := &client{t: t, base: base}
	var reg struct {
		Token string   `json:"token"`
		User  userView `json:"user"`
	}
	c.do("POST", "/api/v1/auth/register", map[string]any{"email": "fault@example.com", "password": "battery-staple-42", "name": "F"}).
		must(t, http.StatusCreated, &reg)
	c.token = reg.Token

	rcv := newReceiver(t)
	rcv.failFirst = 2
	wh := createWebhook(t, c, rcv.URL(), "*")
	rcv.setSecrets(wh.Secret)

	ss := connectedSessions(t, c, "burst-a", "burst-b")
	a, b := ss[0], ss[1]

	// The burst: senders keep going through the crash; sends refused while
	// the gateway is down are simply not made.
	var (
		accepted, refused atomic.Int64
		wg                sync.WaitGroup
		stop              = make(chan struct{})
	)
	// Checked against the document like every other answer, refusals
	// while the gateway or Redis is down included.
	quiet := checkedClient(t, &http.Client{Timeout: 5 * time.Second})
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := fmt.Sprintf(`{"session_id":%q,"recipient":%q,"message":"burst %d-%d"}`, a.ID, b.Phone+"@c.us", w, i)
				req, _ := http.NewRequest("POST", base+"/api/v1/messages/send", stringsReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+c.token)
				resp, err := quiet.Do(req)
				if err != nil {
					refused.Add(1)
					time.Sleep(50 * time.Millisecond) // a client's pause before retrying a gateway that is down
					continue
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					accepted.Add(1)
				} else {
					refused.Add(1)
					time.Sleep(20 * time.Millisecond) // a client's pause before retrying a refused send
				}
			}
		}()
	}
	polltest.Eventually(t, patience, "half the burst", func() bool { return accepted.Load() >= 60 })
	killedAt := accepted.Load()
	p.kill(syscall.SIGKILL)
	time.Sleep(300 * time.Millisecond) // the gateway stays down a while, as a crashed one would, with senders refused
	startProcess(t, bin, env)
	waitReady(t, base)
	polltest.Eventually(t, patience, "more of the burst", func() bool { return accepted.Load() >= killedAt+30 })
	// Redis goes away and comes back empty mid-burst (cluster shape): it
	// only carried wake-ups, so nothing may be lost.
	restartRedis()
	polltest.Eventually(t, patience, "the burst's second half", func() bool { return accepted.Load() >= killedAt+60 })
	close(stop)
	wg.Wait()
	waitConnected(t, c, a.ID)
	waitConnected(t, c, b.ID)

	// Every event in the database reaches the receiver, at least once.
	st, err := openStore()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var events []*gateway.Event
	polltest.Until(t, 90*time.Second, "every event in the database received", func() (string, bool) {
		events = events[:0]
		var after int64
		for {
			page, err := st.ListEvents(context.Background(), reg.User.ID, gateway.EventFilter{AfterSeq: after, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			events = append(events, page...)
			if len(page) < 1000 {
				break
			}
			after = page[len(page)-1].Seq
		}
		got, _ := rcv.snapshot()
		missing := 0
		for _, e := range events {
			if got[e.ID] == 0 {
				missing++
			}
		}
		return fmt.Sprintf("%d of %d events not received", missing, len(events)), missing == 0
	})
	got, bad := rcv.snapshot()
	dups := 0
	for _, e := range events {
		if got[e.ID] > 1 {
			dups += got[e.ID] - 1
		}
	}
	byType := map[string]int{}
	for _, e := range events {
		byType[e.Type]++
	}
	t.Logf("%s: %d sends accepted (%d refused while down), %d events in the database %v, all %d received; %d duplicate deliveries; %d bad signatures",
		shape, accepted.Load(), refused.Load(), len(events), byType, len(events), dups, bad)
	if bad != 0 {
		t.Fatalf("got %d requests failing the independent signature check, want 0", bad)
	}
	if byType[gateway.EventMessage] == 0 || byType[gateway.EventMessageStatus] == 0 {
		t.Fatalf("got events %v, want inbound messages and statuses", byType)
	}
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

// startRedis runs a private redis-server on port and returns a function
// that kills it (SIGKILL, no persistence) and starts it again.
func startRedis(t *testing.T, bin string, port int) func() {
	t.Helper()
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		polltest.Until(t, 10*time.Second, "redis-server listening", func() (error, bool) {
			conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err == nil {
				conn.Close()
			}
			return err, err == nil
		})
		return cmd
	}
	var mu sync.Mutex
	cmd := start()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return func() {
		mu.Lock()
		defer mu.Unlock()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		time.Sleep(500 * time.Millisecond) // an outage the gateway must ride out, not a wait for something
		cmd = start()
		t.Logf("redis restarted on port %d", port)
	}
}
