package nomad

import (
	"context"
	"maps"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/whatsapp-saas/gateway/internal/backoff"
)

// WorkerSecrets are what the workers' templates read from the Nomad
// variable: the connection URLs, the internal secret, and the optional
// WhatsApp proxy (it may hold credentials) and Consul token of the lock.
type WorkerSecrets struct {
	DatabaseURL, RedisURL, InternalSecret string
	WhatsAppProxy, ConsulToken            string
}

func (w WorkerSecrets) items() map[string]string {
	return map[string]string{"database_url": w.DatabaseURL, "redis_url": w.RedisURL, "internal_secret": w.InternalSecret,
		"whatsapp_proxy": w.WhatsAppProxy, "consul_token": w.ConsulToken}
}

// SyncVariable writes the workers' secrets to the Nomad variable their
// templates read (Config.VariablePath), when they differ from what is
// stored; templates re-render in every running worker. Only used when
// Config.Secrets is "nomad". It reports whether it wrote.
func (s *Scheduler) SyncVariable(ctx context.Context, w WorkerSecrets) (bool, error) {
	want := w.items()
	cur, _, err := s.cfg.Client.Variables().Peek(s.cfg.VariablePath, s.query(ctx))
	if err != nil { // a missing variable is (nil, nil)
		return false, translate(err, "read variable")
	}
	if err == nil && cur != nil {
		merged := maps.Clone(cur.Items)
		if merged == nil {
			merged = map[string]string{}
		}
		maps.Copy(merged, want)
		if maps.Equal(merged, cur.Items) {
			return false, nil
		}
		want = merged // keep keys others put there
	}
	v := &api.Variable{Namespace: s.cfg.Namespace, Path: s.cfg.VariablePath, Items: want}
	if _, _, err := s.cfg.Client.Variables().Update(v, s.write(ctx)); err != nil {
		return false, translate(err, "write variable")
	}
	s.log.Info("worker secrets written to the nomad variable", "path", s.cfg.VariablePath)
	return true, nil
}

// KeepVariable syncs the variable now and then every interval until ctx
// ends, so a rotated internal secret reaches the workers without a
// restart. get returns the current secrets.
func (s *Scheduler) KeepVariable(ctx context.Context, interval time.Duration, get func(context.Context) (WorkerSecrets, error)) {
	for {
		if w, err := get(ctx); err != nil {
			s.log.Warn("worker secrets unavailable; variable not synced", "error", err)
		} else if _, err := s.SyncVariable(ctx, w); err != nil {
			s.log.Warn("sync worker secrets to nomad", "error", err)
		}
		if !backoff.Sleep(ctx, interval) {
			return
		}
	}
}
