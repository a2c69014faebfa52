package nomad_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/nomad"
	"github.com/whatsapp-saas/gateway/internal/nomad/nomadtest"
	"github.com/whatsapp-saas/gateway/internal/polltest"
)

func TestSyncVariableWritesOnlyChanges(t *testing.T) {
	fake := nomadtest.New(t)
	s, _ := newScheduler(t, fake, nil)
	ctx := context.Background()
	w := nomad.WorkerSecrets{DatabaseURL: "postgres://u:p@db/x", RedisURL: "redis://r:6379/0", InternalSecret: "one"}
	wrote, err := s.SyncVariable(ctx, w)
	if err != nil || !wrote {
		t.Fatalf("first sync: wrote=%v err=%v", wrote, err)
	}
	items := fake.Variable("whatsapp", "nomad/jobs")
	if items["database_url"] != w.DatabaseURL || items["internal_secret"] != "one" || items["redis_url"] != w.RedisURL {
		t.Errorf("variable items: %v", items)
	}
	if wrote, err := s.SyncVariable(ctx, w); err != nil || wrote {
		t.Errorf("unchanged sync: wrote=%v err=%v, want no write", wrote, err)
	}
	w.InternalSecret = "two"
	if wrote, err := s.SyncVariable(ctx, w); err != nil || !wrote {
		t.Errorf("rotated sync: wrote=%v err=%v", wrote, err)
	}
	if got := fake.Variable("whatsapp", "nomad/jobs")["internal_secret"]; got != "two" {
		t.Errorf("after rotation: %q", got)
	}
	fake.FailNext(1)
	if _, err := s.SyncVariable(ctx, w); gateway.ErrorCode(err) != gateway.CodeUnavailable {
		t.Errorf("during failure: got %v, want CodeUnavailable", err)
	}
}

func TestNomadRegistry(t *testing.T) {
	fake := nomadtest.New(t)
	s, _ := newScheduler(t, fake, func(c *nomad.Config) { c.ServiceProvider = "nomad" })
	r := s.NewRegistry()
	defer r.Close()
	ctx := context.Background()
	if _, err := r.Endpoint(ctx, "s1"); gateway.ErrorCode(err) != gateway.CodeUnavailable {
		t.Fatalf("before start: got %v, want CodeUnavailable", err)
	}
	pl, err := s.Start(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	waitURL := func(want string) {
		t.Helper()
		polltest.Until(t, 5*time.Second, fmt.Sprintf("the endpoint %q", want), func() (string, bool) {
			ep, err := r.Endpoint(ctx, "s1")
			return fmt.Sprintf("%q, %v", ep.URL, err), (want == "" && err != nil) || (err == nil && ep.URL == want)
		})
	}
	waitURL("http://" + pl.Address)
	fake.SetTask(pl.AllocID, api.AllocClientStatusFailed, "dead", 0, "", "")
	waitURL("")
	if err := r.Ping(ctx); err != nil {
		t.Errorf("ping: %v", err)
	}
}
